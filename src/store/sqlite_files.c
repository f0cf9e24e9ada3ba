/*
 * sqlite_files.c - the imported files for the status page (capstatus.h):
 * the files table read back, latest import first.
 */
#include <stdio.h>
#include <string.h>

#include "store/capstatus.h"
#include "store/sqlite_int.h"

static void text_col(sqlite3_stmt *s, int col, char *dst, size_t len)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static int status_of(const char *name)
{
    for (int i = OTW_FILE_IMPORTING; i <= OTW_FILE_INTERRUPTED; i++)
        if (strcmp(otw_file_status_name(i), name) == 0)
            return i;
    return OTW_FILE_IMPORTING;
}

int otw_store_files_recent(struct otw_store *st, int64_t limit, otw_file_cb cb, void *ctx,
                           struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_files_recent(st, limit, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    struct otw_file_info f;
    int rc;

    if (otw_sqlite_prepare(st, &s,
                           "SELECT f.id, f.path, IFNULL(p.name,''), f.format, f.size, f.status,"
                           " f.error, f.imported_at_us, f.packets, f.sessions, f.first_us,"
                           " f.last_us FROM files f LEFT JOIN points p ON p.id = f.point_id"
                           " ORDER BY f.imported_at_us DESC, f.id DESC LIMIT ?1",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, limit > 0 ? limit : 1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char status[32];

        memset(&f, 0, sizeof(f));
        f.id = sqlite3_column_int64(s, 0);
        text_col(s, 1, f.path, sizeof(f.path));
        text_col(s, 2, f.point, sizeof(f.point));
        text_col(s, 3, f.format, sizeof(f.format));
        f.size = sqlite3_column_int64(s, 4);
        text_col(s, 5, status, sizeof(status));
        f.status = status_of(status);
        text_col(s, 6, f.error, sizeof(f.error));
        f.imported_at_us = sqlite3_column_int64(s, 7);
        f.packets = (uint64_t)sqlite3_column_int64(s, 8);
        f.sessions = (uint64_t)sqlite3_column_int64(s, 9);
        f.first_us = sqlite3_column_int64(s, 10);
        f.last_us = sqlite3_column_int64(s, 11);
        if ((rc = cb(ctx, &f)) != 0) {
            sqlite3_finalize(s);
            return rc;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = otw_sqlite_fail(st, err, "listing the imported files");
        sqlite3_finalize(s);
        return rc;
    }
    sqlite3_finalize(s);
    return 0;
}
