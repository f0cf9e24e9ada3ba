/*
 * sqlite_pcap.c - the rolling packet files of live capture (table
 * pcap_files, schema 4): one row per file, added when pcapstore/ opens the
 * file, updated now and then while it grows and when it closes, and marked
 * (deleted_us) when retention removes it, so `otwatch pcap` can find the
 * packets of a live session, and say when they are gone.
 *
 * Written by pcapstore's own handle (the writer thread owns the main one);
 * one statement per call, each its own transaction: these are rare (file
 * open, periodic update, close, delete), never per packet.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "store/sqlite_int.h"

static int64_t wall_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void bind_time(sqlite3_stmt *s, int col, int64_t us)
{
    if (us != 0)
        sqlite3_bind_int64(s, col, us);
    else
        sqlite3_bind_null(s, col);
}

int otw_store_pcapfile_add(struct otw_store *st, struct otw_pcapfile *f, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int64_t point_id = 0;
    int rc = OTW_ESTORE;

    if (f->point[0] != '\0' && otw_store_point_id(st, f->point, &point_id, err) != 0)
        return OTW_ESTORE;
    if (f->created_us == 0)
        f->created_us = wall_us();
    if (otw_sqlite_prepare(st, &s,
                           "INSERT INTO pcap_files(path, point_id, iface, linktype, first_us, "
                           "last_us, bytes, packets, created_us) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, f->path, -1, SQLITE_STATIC);
    if (point_id != 0)
        sqlite3_bind_int64(s, 2, point_id);
    else
        sqlite3_bind_null(s, 2);
    sqlite3_bind_text(s, 3, f->iface, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, f->linktype);
    bind_time(s, 5, f->first_us);
    bind_time(s, 6, f->last_us);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)f->bytes);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)f->packets);
    sqlite3_bind_int64(s, 9, f->created_us);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "adding a packet file");
        goto out;
    }
    f->id = sqlite3_last_insert_rowid(st->db);
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_pcapfile_update(struct otw_store *st, const struct otw_pcapfile *f,
                              struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "UPDATE pcap_files SET first_us = ?2, last_us = ?3, bytes = ?4, "
                           "packets = ?5 WHERE id = ?1",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, f->id);
    bind_time(s, 2, f->first_us);
    bind_time(s, 3, f->last_us);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)f->bytes);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)f->packets);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "updating a packet file");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_pcapfile_deleted(struct otw_store *st, int64_t id, int64_t when_us,
                               struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "UPDATE pcap_files SET deleted_us = ?2 "
                           "WHERE id = ?1 AND deleted_us IS NULL",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, when_us != 0 ? when_us : wall_us());
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "marking a packet file deleted");
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

int otw_store_pcapfiles_between(struct otw_store *st, int64_t from_us, int64_t to_us,
                                const char *point, bool include_deleted, otw_pcapfile_cb cb,
                                void *ctx, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    struct otw_pcapfile f;
    int rc = OTW_ESTORE, r;

    /* A file still empty (first_us NULL) may be about to receive packets:
     * it overlaps anything after its creation. A file's last_us may be
     * older than the truth (updated every few seconds; a crash between
     * updates): unless a later file of the same stream began before
     * from_us, it may still hold packets from then on. The caller filters
     * packets by time, so erring towards a file costs only a read. */
    if (otw_sqlite_prepare(st, &s,
                           "SELECT f.id, f.path, IFNULL(p.name, ''), IFNULL(f.iface, ''), "
                           "f.linktype, IFNULL(f.first_us, 0), IFNULL(f.last_us, 0), f.bytes, "
                           "f.packets, f.created_us, IFNULL(f.deleted_us, 0) "
                           "FROM pcap_files f LEFT JOIN points p ON p.id = f.point_id "
                           "WHERE IFNULL(f.first_us, f.created_us) <= ?2 "
                           "AND (f.last_us IS NULL OR f.last_us >= ?1 "
                           "     OR NOT EXISTS (SELECT 1 FROM pcap_files g WHERE "
                           "         g.point_id IS f.point_id AND g.iface IS f.iface "
                           "         AND g.linktype = f.linktype AND g.id > f.id "
                           "         AND IFNULL(g.first_us, g.created_us) <= ?1)) "
                           "AND (?3 IS NULL OR p.name = ?3) "
                           "AND (?4 OR f.deleted_us IS NULL) "
                           "ORDER BY IFNULL(f.first_us, f.created_us), f.id",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, from_us);
    sqlite3_bind_int64(s, 2, to_us);
    if (point != NULL)
        sqlite3_bind_text(s, 3, point, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 3);
    sqlite3_bind_int(s, 4, include_deleted ? 1 : 0);
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&f, 0, sizeof(f));
        f.id = sqlite3_column_int64(s, 0);
        text_col(s, 1, f.path, sizeof(f.path));
        text_col(s, 2, f.point, sizeof(f.point));
        text_col(s, 3, f.iface, sizeof(f.iface));
        f.linktype = sqlite3_column_int(s, 4);
        f.first_us = sqlite3_column_int64(s, 5);
        f.last_us = sqlite3_column_int64(s, 6);
        f.bytes = (uint64_t)sqlite3_column_int64(s, 7);
        f.packets = (uint64_t)sqlite3_column_int64(s, 8);
        f.created_us = sqlite3_column_int64(s, 9);
        f.deleted_us = sqlite3_column_int64(s, 10);
        if (cb(ctx, &f) != 0) {
            r = SQLITE_DONE;
            break;
        }
    }
    if (r != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading packet files");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}
