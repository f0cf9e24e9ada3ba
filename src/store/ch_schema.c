/*
 * ch_schema.c - the ClickHouse tables of sessions, files and layer-2
 * sightings, and `otwatch store init`, which creates every table of the
 * backend on one server (docs/CLICKHOUSE.md shows the SQL).
 *
 * Types both ClickHouse 18.16 and current releases accept: DateTime plus
 * microsecond columns (no DateTime64), addresses as FixedString(16) (IPv4
 * mapped into IPv6, the same bytes as the SQLite store), no LowCardinality,
 * no TTL (old days are dropped by partition: `otwatch store drop`).
 */
#include <stdio.h>
#include <string.h>

#include "store/ch_int.h"

/* A session record. `id` is made from the node and the record's origin
 * (file and record number, or the live record's uid), so sending it again
 * replaces it; `ver` orders live updates of one record. Parser fields and
 * events are parallel arrays (f_*, e_*). */
const struct otw_ch_table otw_ch_table_sessions = {
    "sessions",
    "start DateTime, start_us Int64, end_us Int64, id UInt64, ver UInt64,"
    " node String, point String, file_id UInt64, file String, uid UInt64,"
    " ipver UInt8, proto UInt8,"
    " src_ip FixedString(16), src_port UInt16, dst_ip FixedString(16), dst_port UInt16,"
    " src_mac Nullable(FixedString(6)), dst_mac Nullable(FixedString(6)),"
    " vlan1 Nullable(UInt16), vlan2 Nullable(UInt16),"
    " src_packets UInt64, src_bytes UInt64, src_payload UInt64, src_flags UInt16,"
    " dst_packets UInt64, dst_bytes UInt64, dst_payload UInt64, dst_flags UInt16,"
    " state String, icmp_type Nullable(UInt8), icmp_code Nullable(UInt8),"
    " community_id String, protocols String, protocol_guess String,"
    " segment UInt32, continued UInt8, end_reason String,"
    " f_name Array(String), f_isint Array(UInt8), f_int Array(Int64), f_str Array(String),"
    " f_count Array(UInt64),"
    " e_name Array(String), e_count Array(UInt64)",
    "ReplacingMergeTree(ver) PARTITION BY toYYYYMMDD(start) ORDER BY (start, id)",
    "cityHash64(node)",
};

/* An imported file, one row per state (importing, then its end): the
 * newest ver wins. id: from node and content hash. */
const struct otw_ch_table otw_ch_table_files = {
    "files",
    "id UInt64, ver UInt64, node String, hash FixedString(16), path String, point String,"
    " format String, size Int64, status UInt8, error String, imported_at_us Int64,"
    " packets UInt64, sessions UInt64, first_us Int64, last_us Int64, deleted UInt8",
    "ReplacingMergeTree(ver) ORDER BY (node, id)",
    "cityHash64(node)",
};

/* Layer-2 sightings: one row per (node, key, file or live second); rows
 * are summed when read. rid: made from the batch row, so a resent batch
 * replaces itself. */
const struct otw_ch_table otw_ch_table_l2 = {
    "l2_seen",
    "day Date, rid UInt64, node String, mac FixedString(6), ip FixedString(16), has_ip UInt8,"
    " kind String, vlan UInt16, point String, file_id UInt64, first_us Int64, last_us Int64,"
    " packets UInt64, name String",
    "ReplacingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY (node, rid)",
    "cityHash64(node)",
};

/* The schema's version on each server (store init writes it). */
static const struct otw_ch_table table_schema = {
    "schema",
    "version UInt32, at DateTime",
    "MergeTree() ORDER BY version",
    "version",
};

const struct otw_ch_table *const otw_ch_tables_sessions[] = {
    &otw_ch_table_sessions, &otw_ch_table_files, &otw_ch_table_l2, &otw_ch_table_spans,
    &table_schema, NULL,
};

static int create(struct otw_chc *c, const char *db, const char *cluster,
                  const struct otw_ch_table *t, struct otw_err *err)
{
    struct otw_sb q = {0};
    int rc;

    otw_sb_printf(&q, "CREATE TABLE IF NOT EXISTS %s.%s_local (%s) ENGINE = %s", db, t->name,
                  t->columns, t->engine);
    rc = q.oom ? OTW_ENOMEM : otw_chc_exec(c, q.p, err);
    if (rc == 0 && cluster != NULL && cluster[0] != '\0') {
        otw_sb_reset(&q);
        otw_sb_printf(&q,
                      "CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s_local"
                      " ENGINE = Distributed(%s, %s, %s_local, %s)",
                      db, t->name, db, t->name, cluster, db, t->name, t->shard_key);
        rc = q.oom ? OTW_ENOMEM : otw_chc_exec(c, q.p, err);
    }
    otw_sb_free(&q);
    return rc;
}

int otw_ch_schema_init(struct otw_chc *c, const char *db, const char *cluster,
                       struct otw_err *err)
{
    const struct otw_ch_table *const *lists[] = {otw_ch_tables_sessions, otw_ch_tables_detect};
    struct otw_sb q = {0};
    int rc;

    for (const char *p = cluster ? cluster : ""; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_')) {
            otw_err_set(err, -1, "cluster '%s': letters, digits and '_' only", cluster);
            return OTW_EINVAL;
        }
    }
    otw_sb_printf(&q, "CREATE DATABASE IF NOT EXISTS %s", db);
    rc = q.oom ? OTW_ENOMEM : otw_chc_exec(c, q.p, err);
    otw_sb_free(&q);
    for (size_t l = 0; rc == 0 && l < OTW_ARRAY_LEN(lists); l++)
        for (size_t i = 0; rc == 0 && lists[l][i] != NULL; i++)
            rc = create(c, db, cluster, lists[l][i], err);
    if (rc == 0)
        rc = otw_ch_spans_backfill(c, db, err);
    if (rc == 0) {
        otw_sb_printf(&q, "INSERT INTO %s.schema_local (version, at) VALUES (%d, now())", db,
                      OTW_CH_SCHEMA_VERSION);
        rc = q.oom ? OTW_ENOMEM : otw_chc_exec(c, q.p, err);
        otw_sb_free(&q);
    }
    return rc;
}
