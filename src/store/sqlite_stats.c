/*
 * sqlite_stats.c - capture statistics (table capture_stats, schema 4): one
 * row per interface about once a minute while `otwatch capture` runs, with
 * the counters since that capture started, so `otwatch status` can show
 * drops and rates and a person sees when the PC is too slow.
 *
 * Written from the capture's own small statistics thread with its own
 * handle (the writer thread owns the main one); one row per call, in its
 * own statement transaction: these are rare.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"

int otw_store_capstat_put(struct otw_store *st, const struct otw_capstat *c, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int64_t point_id = 0;
    int rc = OTW_ESTORE;

    if (c->point[0] != '\0' && otw_store_point_id(st, c->point, &point_id, err) != 0)
        return OTW_ESTORE;
    if (otw_sqlite_prepare(st, &s,
                           "INSERT INTO capture_stats(ts_us, point_id, iface, received, dropped, "
                           "ifdropped, started_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, c->ts_us);
    if (point_id != 0)
        sqlite3_bind_int64(s, 2, point_id);
    else
        sqlite3_bind_null(s, 2);
    sqlite3_bind_text(s, 3, c->iface, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)c->received);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)c->dropped);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)c->ifdropped);
    sqlite3_bind_int64(s, 7, c->started_us);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "storing capture statistics");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

static void text_col(sqlite3_stmt *s, int col, char *dst, size_t len)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    snprintf(dst, len, "%s", t ? (const char *)t : "");
}

/* Runs a query whose columns are (ts_us, point, iface, received, dropped,
 * ifdropped, started_us), calling cb per row. */
static int each_row(struct otw_store *st, sqlite3_stmt *s, otw_capstat_cb cb, void *ctx,
                    struct otw_err *err)
{
    struct otw_capstat c;
    int r;

    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&c, 0, sizeof(c));
        c.ts_us = sqlite3_column_int64(s, 0);
        text_col(s, 1, c.point, sizeof(c.point));
        text_col(s, 2, c.iface, sizeof(c.iface));
        c.received = (uint64_t)sqlite3_column_int64(s, 3);
        c.dropped = (uint64_t)sqlite3_column_int64(s, 4);
        c.ifdropped = (uint64_t)sqlite3_column_int64(s, 5);
        c.started_us = sqlite3_column_int64(s, 6);
        if (cb(ctx, &c) != 0)
            return 0;
    }
    if (r != SQLITE_DONE)
        return otw_sqlite_fail(st, err, "reading capture statistics");
    return 0;
}

int otw_store_capstat_latest(struct otw_store *st, otw_capstat_cb cb, void *ctx,
                             struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    /* SQLite takes the bare columns of an aggregate query from the row
     * that holds the max(): the latest row of each (interface, point). */
    if (otw_sqlite_prepare(st, &s,
                           "SELECT max(c.ts_us), p.name, c.iface, c.received, c.dropped, "
                           "c.ifdropped, c.started_us FROM capture_stats c "
                           "LEFT JOIN points p ON p.id = c.point_id "
                           "GROUP BY c.iface, c.point_id ORDER BY c.iface, p.name",
                           err) != 0)
        return OTW_ESTORE;
    rc = each_row(st, s, cb, ctx, err);
    sqlite3_finalize(s);
    return rc;
}

int otw_store_capstat_since(struct otw_store *st, int64_t since_us, otw_capstat_cb cb, void *ctx,
                            struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (otw_sqlite_prepare(st, &s,
                           "SELECT c.ts_us, p.name, c.iface, c.received, c.dropped, c.ifdropped, "
                           "c.started_us FROM capture_stats c "
                           "LEFT JOIN points p ON p.id = c.point_id "
                           "WHERE c.ts_us >= ?1 ORDER BY c.iface, c.ts_us",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, since_us);
    rc = each_row(st, s, cb, ctx, err);
    sqlite3_finalize(s);
    return rc;
}
