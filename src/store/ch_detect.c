/*
 * ch_detect.c - ClickHouse backend: the tables of assets, baseline and
 * alerts (the list `otwatch store init` creates), and what ch_assets.c,
 * ch_baseline.c and ch_alerts.c share: versions, ids, sending rows,
 * "cleared" marks, capture point names.
 *
 * How the tables work (ch_detect.h): versioned rows read with argMax(col,
 * ver) grouped by the key, removals as deleted = 1, growing counts as rows
 * of increments with a row id. Emptying a part (`assets rebuild`, `baseline
 * import --replace`) is one row in detect_clear: readers leave out every
 * row written before it.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "store/sqlite_int.h"

/* Columns shared by every table: ver (version or write time), node. */
static const struct otw_ch_table t_assets = {
    "assets",
    "ver UInt64, rid UInt64, node String, key String, first_us Int64, last_us Int64,"
    " sessions_out UInt64, sessions_in UInt64, packets UInt64",
    "ReplacingMergeTree(ver) ORDER BY (key, rid)",
    "cityHash64(node)",
};
static const struct otw_ch_table t_asset_facts = {
    "asset_facts",
    "ver UInt64, rid UInt64, node String, key String, kind String, value String,"
    " count UInt64, first_us Int64, last_us Int64",
    "ReplacingMergeTree(ver) ORDER BY (key, kind, value, rid)",
    "cityHash64(node)",
};
static const struct otw_ch_table t_asset_bindings = {
    "asset_bindings",
    "ver UInt64, rid UInt64, node String, mac FixedString(6), ip FixedString(16),"
    " sources UInt32, count UInt64, first_us Int64, last_us Int64",
    "ReplacingMergeTree(ver) ORDER BY (mac, ip, rid)",
    "cityHash64(node)",
};
static const struct otw_ch_table t_asset_labels = {
    "asset_labels",
    "ver UInt64, node String, key String, name String, role String, updated_us Int64,"
    " deleted UInt8",
    "ReplacingMergeTree(ver) ORDER BY key",
    "cityHash64(node)",
};
static const struct otw_ch_table t_bl_entries = {
    "baseline_entries",
    "ver UInt64, node String, id UInt64, client FixedString(16), server FixedString(16),"
    " proto UInt8, port UInt16, app String, ot_class UInt32, sessions UInt64, bytes UInt64,"
    " first_us Int64, last_us Int64, hours Array(UInt32), deleted UInt8",
    "ReplacingMergeTree(ver) ORDER BY id",
    "cityHash64(node)",
};
static const struct otw_ch_table t_bl_decisions = {
    "baseline_decisions",
    "ver UInt64, node String, id UInt64, status UInt8, category UInt8, note String",
    "ReplacingMergeTree(ver) ORDER BY id",
    "cityHash64(node)",
};
static const struct otw_ch_table t_bl_devices = {
    "baseline_devices",
    "ver UInt64, node String, kind UInt8, mac FixedString(6), ip FixedString(16),"
    " first_us Int64, last_us Int64",
    "ReplacingMergeTree(ver) ORDER BY (kind, mac, ip, first_us, last_us)",
    "cityHash64(node)",
};
static const struct otw_ch_table t_bl_windows = {
    "baseline_windows",
    "ver UInt64, node String, name String, schedule String, deleted UInt8",
    "ReplacingMergeTree(ver) ORDER BY name",
    "cityHash64(node)",
};
static const struct otw_ch_table t_bl_rules = {
    "baseline_rules",
    "ver UInt64, node String, id UInt64, window String, client String, server String,"
    " proto Int32, port Int32, app String, deleted UInt8",
    "ReplacingMergeTree(ver) ORDER BY (window, id)",
    "cityHash64(node)",
};
static const struct otw_ch_table t_bl_meta = {
    "baseline_meta",
    "ver UInt64, node String, key String, value String",
    "ReplacingMergeTree(ver) ORDER BY key",
    "cityHash64(node)",
};
static const struct otw_ch_table t_alerts = {
    "alerts",
    "ver UInt64, node String, id UInt64, kind String, severity UInt8, key String,"
    " has_src UInt8, src FixedString(16), has_dst UInt8, dst FixedString(16),"
    " has_mac UInt8, mac FixedString(6), proto UInt8, port UInt16,"
    " src_label String, dst_label String, detail String, count UInt64,"
    " first_us Int64, last_us Int64, point String, text_en String, text_ja String,"
    " created_us Int64, updated_us Int64, deleted UInt8",
    "ReplacingMergeTree(ver) ORDER BY id",
    "cityHash64(node)",
};
static const struct otw_ch_table t_alert_status = {
    "alert_status",
    "ver UInt64, node String, id UInt64, status UInt8, status_us Int64, status_by String,"
    " status_note String",
    "ReplacingMergeTree(ver) ORDER BY id",
    "cityHash64(node)",
};
static const struct otw_ch_table t_alert_evidence = {
    "alert_evidence",
    "ver UInt64, node String, alert_id UInt64, uid UInt64, file_id Int64, deleted UInt8",
    "ReplacingMergeTree(ver) ORDER BY (alert_id, uid)",
    "cityHash64(node)",
};
static const struct otw_ch_table t_alert_files = {
    "alert_files",
    "ver UInt64, rid UInt64, node String, alert_id UInt64, file_id Int64, count Int64",
    "ReplacingMergeTree(ver) ORDER BY (alert_id, file_id, rid)",
    "cityHash64(node)",
};
static const struct otw_ch_table t_detect_clear = {
    "detect_clear",
    "ver UInt64, node String, what String",
    "ReplacingMergeTree(ver) ORDER BY (what, ver)",
    "cityHash64(node)",
};

const struct otw_ch_table *const otw_ch_tables_detect[] = {
    &t_assets,        &t_asset_facts,  &t_asset_bindings, &t_asset_labels, &t_bl_entries,
    &t_bl_decisions,  &t_bl_devices,   &t_bl_windows,     &t_bl_rules,     &t_bl_meta,
    &t_alerts,        &t_alert_status, &t_alert_evidence, &t_alert_files,  &t_detect_clear,
    NULL,
};

uint64_t otw_chd_ver(void)
{
    static _Atomic uint64_t last;   /* the writer thread and the main thread both store */
    struct timeval tv;
    uint64_t v, prev;

    gettimeofday(&tv, NULL);
    v = OTW_CHD_VER_TIME((uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec);
    prev = atomic_load(&last);
    do {
        if (v <= prev)
            v = prev + 1;
    } while (!atomic_compare_exchange_weak(&last, &prev, v));
    return v;
}

uint64_t otw_chd_hash(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}

int64_t otw_chd_id53(uint64_t h)
{
    int64_t id = (int64_t)(h & ((1ULL << 53) - 1));

    return id != 0 ? id : 1;
}

const char *otw_chd_rt(struct otw_store *st, const char *name, char *buf, size_t len)
{
    return otw_ch_read_table(st->ch, name, buf, len);
}

int otw_chd_send(struct otw_store *st, const char *name, const char *columns,
                 const struct otw_sb *rows, struct otw_err *err)
{
    char table[160];

    if (rows->oom) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    if (rows->len == 0)
        return 0;
    if (st->ch->read_only) {
        otw_err_set(err, -1, "clickhouse: the store was opened read-only");
        return OTW_EINVAL;
    }
    otw_ch_write_table(st->ch, name, table, sizeof(table));
    return otw_chc_insert_rowbinary(st->ch->c, table, columns, rows->p, rows->len, err);
}

int otw_chd_add(struct otw_store *st, const char *name, const char *columns, struct otw_sb *row,
                struct otw_err *err)
{
    int rc;

    if (row->oom) {
        otw_sb_reset(row);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    rc = otw_ch_batch_add(st->ch, name, columns, row->p, row->len, err);
    otw_sb_reset(row);
    return rc;
}

/* Sends what this handle batched for the tables of this part, so that a
 * read sees the handle's own writes. A server that cannot be reached is
 * left to the read to report (the rows wait in the spool). */
static int sync_batches(struct otw_store *st, struct otw_err *err)
{
    for (size_t i = 0; i < st->ch->nbatches; i++) {
        const struct otw_ch_batch *b = &st->ch->batches[i];
        if (b->nrows == 0)
            continue;
        for (size_t t = 0; otw_ch_tables_detect[t] != NULL; t++)
            if (strcmp(otw_ch_tables_detect[t]->name, b->table) == 0) {
                int rc = otw_ch_flush(st->ch, err);
                return rc == OTW_EIO ? 0 : rc;
            }
    }
    return 0;
}

static int collect(void *ctx, json_t *row)
{
    return json_array_append(ctx, row) == 0 ? 0 : OTW_ENOMEM;
}

int otw_chd_query(struct otw_store *st, struct otw_sb *sql, otw_chc_row_cb cb, void *ctx,
                  struct otw_err *err)
{
    json_t *rows;
    int rc;

    if ((rc = sync_batches(st, err)) != 0) {
        otw_sb_free(sql);
        return rc;
    }
    if (sql->oom || (rows = json_array()) == NULL) {
        otw_sb_free(sql);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    /* The answer is read whole before any callback runs: a caller may ask
     * the store again from its callback (an alert's evidence while listing
     * alerts), and the connection serves one request at a time. */
    rc = otw_chc_query(st->ch->c, sql->p, collect, rows, err);
    otw_sb_free(sql);
    if (rc == OTW_ENOMEM)
        otw_err_set(err, -1, "out of memory");
    for (size_t i = 0; rc == 0 && i < json_array_size(rows); i++)
        rc = cb(ctx, json_array_get(rows, i));
    json_decref(rows);
    return rc;
}

static int on_cleared(void *ctx, json_t *row)
{
    *(uint64_t *)ctx = (uint64_t)otw_chj_int(row, "v");
    return 0;
}

int otw_chd_cleared(struct otw_store *st, const char *what, uint64_t *ver, struct otw_err *err)
{
    struct otw_sb q = {0};
    char t[160];

    *ver = 0;
    otw_sb_printf(&q, "SELECT max(ver) AS v FROM %s WHERE what = ",
                  otw_chd_rt(st, "detect_clear", t, sizeof(t)));
    otw_sb_str(&q, what, strlen(what));
    return otw_chd_query(st, &q, on_cleared, ver, err);
}

int otw_chd_clear(struct otw_store *st, const char *what, struct otw_err *err)
{
    struct otw_sb r = {0};
    int rc;

    otw_rb_u64(&r, otw_chd_ver());
    otw_rb_str(&r, otw_store_node(), strlen(otw_store_node()));
    otw_rb_str(&r, what, strlen(what));
    /* batched: it goes with the rows that fill the part again (a rebuild
     * that dies halfway leaves the old rows) */
    rc = otw_chd_add(st, "detect_clear", "ver, node, what", &r, err);
    otw_sb_free(&r);
    return rc;
}

void otw_chd_point_name(struct otw_store *st, int64_t id, char *buf, size_t len)
{
    sqlite3_stmt *s = NULL;

    buf[0] = '\0';
    if (id <= 0 || sqlite3_prepare_v2(st->db, "SELECT name FROM points WHERE id = ?1", -1, &s,
                                      NULL) != SQLITE_OK) {
        sqlite3_finalize(s);
        return;
    }
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}

int64_t otw_chd_point_id(struct otw_store *st, const char *name)
{
    sqlite3_stmt *s = NULL;
    int64_t id = 0;

    if (name[0] == '\0' || sqlite3_prepare_v2(st->db, "SELECT id FROM points WHERE name = ?1",
                                              -1, &s, NULL) != SQLITE_OK) {
        sqlite3_finalize(s);
        return 0;
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return id;
}
