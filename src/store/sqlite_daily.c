/*
 * sqlite_daily.c - the queries of the daily check page (store_daily.h):
 * per-host traffic hour by hour over a day, and the database's file.
 *
 * Readers only (the API threads' handles). A session belongs to the range
 * when it started in it (as for the connection graph, sqlite_graph.c): an
 * index range on start_us (the covering index sessions_graph holds every
 * column read here), where the listings' overlap test (end_us >= since AND
 * start_us < until) would read every older session too.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"

int otw_store_host_hours(struct otw_store *st, int64_t since_us, int64_t until_us, int64_t top,
                         otw_host_hour_cb cb, void *ctx, struct otw_range_totals *totals,
                         struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_host_hours(st, since_us, until_us, top, cb, ctx, totals, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE, step;

    if (until_us <= since_us) {
        otw_err_set(err, -1, "empty time range");
        return OTW_EINVAL;
    }
    /* Each session once per side, in the hour it started, summed per host
     * and hour (small: hosts x 24) before the top hosts by bytes are picked;
     * their hours in order. As `otwatch hosts` counts (otw_store_hosts_query
     * in sqlite.c), the destination side counts only for TCP, UDP and SCTP:
     * the group of an IGMP report or a multicast ICMPv6 message is no host
     * that answered. */
    if (otw_sqlite_prepare(st, &s,
                           "WITH m AS MATERIALIZED (SELECT src_ip, dst_ip, proto,"
                           "   src_bytes + dst_bytes AS b, (start_us - ?1) / 3600000000 AS h"
                           "   FROM sessions WHERE start_us >= ?1 AND start_us < ?2),"
                           " g AS MATERIALIZED (SELECT ip, h, COUNT(*) AS n, SUM(b) AS sb FROM"
                           "   (SELECT src_ip AS ip, b, h FROM m UNION ALL"
                           "    SELECT dst_ip, b, h FROM m WHERE proto IN (6, 17, 132))"
                           "   GROUP BY ip, h),"
                           " top AS MATERIALIZED (SELECT ip, SUM(n) AS n, SUM(sb) AS tb FROM g"
                           "   GROUP BY ip ORDER BY tb DESC, ip LIMIT ?3)"
                           " SELECT g.ip, g.h, g.n, g.sb, top.n, top.tb"
                           " FROM g JOIN top ON top.ip = g.ip ORDER BY top.tb DESC, g.ip, g.h",
                           err) != 0)
        goto out;
    sqlite3_bind_int64(s, 1, since_us);
    sqlite3_bind_int64(s, 2, until_us);
    sqlite3_bind_int64(s, 3, top > 0 ? top : -1);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct otw_host_hour hh;

        memset(&hh, 0, sizeof(hh));
        if (sqlite3_column_bytes(s, 0) != 16)
            continue;
        memcpy(hh.ip, sqlite3_column_blob(s, 0), 16);
        hh.hour = (int)sqlite3_column_int64(s, 1);
        hh.sessions = (uint64_t)sqlite3_column_int64(s, 2);
        hh.bytes = (uint64_t)sqlite3_column_int64(s, 3);
        hh.total_sessions = (uint64_t)sqlite3_column_int64(s, 4);
        hh.total_bytes = (uint64_t)sqlite3_column_int64(s, 5);
        if (cb(ctx, &hh) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading traffic per host and hour");
        goto out;
    }
    if (totals != NULL) {
        sqlite3_finalize(s);
        s = NULL;
        memset(totals, 0, sizeof(*totals));
        if (otw_sqlite_prepare(st, &s,
                               "WITH m AS MATERIALIZED (SELECT src_ip, dst_ip, proto,"
                               "   src_bytes + dst_bytes AS b"
                               "   FROM sessions WHERE start_us >= ?1 AND start_us < ?2)"
                               " SELECT (SELECT COUNT(*) FROM m),"
                               "  (SELECT IFNULL(SUM(b), 0) FROM m),"
                               "  (SELECT COUNT(*) FROM (SELECT src_ip FROM m"
                               "   UNION SELECT dst_ip FROM m WHERE proto IN (6, 17, 132)))",
                               err) != 0)
            goto out;
        sqlite3_bind_int64(s, 1, since_us);
        sqlite3_bind_int64(s, 2, until_us);
        if (sqlite3_step(s) != SQLITE_ROW) {
            otw_sqlite_fail(st, err, "counting the sessions of a day");
            goto out;
        }
        totals->sessions = (uint64_t)sqlite3_column_int64(s, 0);
        totals->bytes = (uint64_t)sqlite3_column_int64(s, 1);
        totals->hosts = (uint64_t)sqlite3_column_int64(s, 2);
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

const char *otw_store_path(struct otw_store *st)
{
    const char *p = sqlite3_db_filename(st->db, "main");

    return p != NULL ? p : "";
}
