/*
 * sqlite_assets.c - the assets tables of the SQLite store (store_assets.h).
 *
 * The inventory in memory (detect/assets.c) is the authority while a
 * process runs; these tables are what it loads at start and what `otwatch
 * assets` reads, so listing the inventory never scans the sessions. Writes
 * are upserts of increments, so an import and a live capture writing the
 * same database add up instead of overwriting each other.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"

/* Schema migration: the assets tables, and a name column on l2_seen (the
 * LLDP system name, CDP device id, PROFINET name of station, DHCP host
 * name or NetBIOS name a layer-2 frame carried). */
const char otw_sqlite_migration_assets[] =
    "CREATE TABLE assets ("
    "  key BLOB PRIMARY KEY,"               /* 6-byte MAC or 16-byte IP */
    "  first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
    "  sessions_out INTEGER NOT NULL DEFAULT 0,"
    "  sessions_in INTEGER NOT NULL DEFAULT 0,"
    "  packets INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE asset_facts ("
    "  key BLOB NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
    "  PRIMARY KEY (key, kind, value)) WITHOUT ROWID;"
    "CREATE TABLE asset_bindings ("
    "  mac BLOB NOT NULL, ip BLOB NOT NULL,"
    "  sources INTEGER NOT NULL,"           /* OTW_BIND_* bits */
    "  count INTEGER NOT NULL,"
    "  first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
    "  PRIMARY KEY (mac, ip)) WITHOUT ROWID;"
    "CREATE INDEX asset_bindings_ip ON asset_bindings(ip);"
    "CREATE TABLE asset_labels ("
    "  key BLOB PRIMARY KEY,"
    "  name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL DEFAULT '',"
    "  updated_us INTEGER NOT NULL) WITHOUT ROWID;"
    "ALTER TABLE l2_seen ADD COLUMN name TEXT NOT NULL DEFAULT '';";

static void text_col(sqlite3_stmt *s, int col, char *dst, size_t len)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    snprintf(dst, len, "%s", t ? (const char *)t : "");
}

/* A key column: 6 or 16 bytes; anything else is skipped (returns false). */
static bool key_col(sqlite3_stmt *s, int col, uint8_t key[16], uint8_t *keylen)
{
    int n = sqlite3_column_bytes(s, col);
    const void *b = sqlite3_column_blob(s, col);

    if ((n != 6 && n != 16) || b == NULL)
        return false;
    memset(key, 0, 16);
    memcpy(key, b, (size_t)n);
    *keylen = (uint8_t)n;
    return true;
}

int otw_store_assets_put(struct otw_store *st, const struct otw_asset_batch *b,
                         struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_assets_put(st, b, err);
    sqlite3_stmt *sr = NULL, *sf = NULL, *sb = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &sr,
                           "INSERT INTO assets(key, first_us, last_us, sessions_out, sessions_in,"
                           " packets) VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT(key) DO UPDATE SET"
                           " first_us = MIN(first_us, excluded.first_us),"
                           " last_us = MAX(last_us, excluded.last_us),"
                           " sessions_out = sessions_out + excluded.sessions_out,"
                           " sessions_in = sessions_in + excluded.sessions_in,"
                           " packets = packets + excluded.packets",
                           err) != 0 ||
        otw_sqlite_prepare(st, &sf,
                           "INSERT INTO asset_facts(key, kind, value, count, first_us, last_us)"
                           " VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT(key, kind, value) DO UPDATE"
                           " SET count = count + excluded.count,"
                           " first_us = MIN(first_us, excluded.first_us),"
                           " last_us = MAX(last_us, excluded.last_us)",
                           err) != 0 ||
        otw_sqlite_prepare(st, &sb,
                           "INSERT INTO asset_bindings(mac, ip, sources, count, first_us, last_us)"
                           " VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT(mac, ip) DO UPDATE SET"
                           " sources = sources | excluded.sources,"
                           " count = count + excluded.count,"
                           " first_us = MIN(first_us, excluded.first_us),"
                           " last_us = MAX(last_us, excluded.last_us)",
                           err) != 0)
        goto out;
    for (size_t i = 0; i < b->nrows; i++) {
        const struct otw_asset_row *r = &b->rows[i];
        sqlite3_reset(sr);
        sqlite3_bind_blob(sr, 1, r->key, r->keylen, SQLITE_STATIC);
        sqlite3_bind_int64(sr, 2, r->first_us);
        sqlite3_bind_int64(sr, 3, r->last_us);
        sqlite3_bind_int64(sr, 4, (sqlite3_int64)r->sessions_out);
        sqlite3_bind_int64(sr, 5, (sqlite3_int64)r->sessions_in);
        sqlite3_bind_int64(sr, 6, (sqlite3_int64)r->packets);
        if (sqlite3_step(sr) != SQLITE_DONE) {
            otw_sqlite_fail(st, err, "storing assets");
            goto out;
        }
    }
    for (size_t i = 0; i < b->nfacts; i++) {
        const struct otw_asset_fact_row *f = &b->facts[i];
        sqlite3_reset(sf);
        sqlite3_bind_blob(sf, 1, f->key, f->keylen, SQLITE_STATIC);
        sqlite3_bind_text(sf, 2, f->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(sf, 3, f->value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(sf, 4, (sqlite3_int64)f->count);
        sqlite3_bind_int64(sf, 5, f->first_us);
        sqlite3_bind_int64(sf, 6, f->last_us);
        if (sqlite3_step(sf) != SQLITE_DONE) {
            otw_sqlite_fail(st, err, "storing asset facts");
            goto out;
        }
    }
    for (size_t i = 0; i < b->nbindings; i++) {
        const struct otw_asset_binding_row *r = &b->bindings[i];
        sqlite3_reset(sb);
        sqlite3_bind_blob(sb, 1, r->mac, 6, SQLITE_STATIC);
        sqlite3_bind_blob(sb, 2, r->ip, 16, SQLITE_STATIC);
        sqlite3_bind_int(sb, 3, (int)r->sources);
        sqlite3_bind_int64(sb, 4, (sqlite3_int64)r->count);
        sqlite3_bind_int64(sb, 5, r->first_us);
        sqlite3_bind_int64(sb, 6, r->last_us);
        if (sqlite3_step(sb) != SQLITE_DONE) {
            otw_sqlite_fail(st, err, "storing MAC/IP bindings");
            goto out;
        }
    }
    rc = 0;
out:
    sqlite3_finalize(sr);
    sqlite3_finalize(sf);
    sqlite3_finalize(sb);
    return rc;
}

static int read_bindings(struct otw_store *st, const struct otw_asset_readers *rd, void *ctx,
                         struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int r, rc = 0;

    if (rd->binding == NULL)
        return 0;
    if (otw_sqlite_prepare(st, &s,
                           "SELECT mac, ip, sources, count, first_us, last_us FROM asset_bindings",
                           err) != 0)
        return OTW_ESTORE;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        struct otw_asset_binding_row b;
        memset(&b, 0, sizeof(b));
        if (sqlite3_column_bytes(s, 0) != 6 || sqlite3_column_bytes(s, 1) != 16)
            continue;
        memcpy(b.mac, sqlite3_column_blob(s, 0), 6);
        memcpy(b.ip, sqlite3_column_blob(s, 1), 16);
        b.sources = (unsigned)sqlite3_column_int(s, 2);
        b.count = (uint64_t)sqlite3_column_int64(s, 3);
        b.first_us = sqlite3_column_int64(s, 4);
        b.last_us = sqlite3_column_int64(s, 5);
        if ((rc = rd->binding(ctx, &b)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = otw_sqlite_fail(st, err, "reading MAC/IP bindings");
    sqlite3_finalize(s);
    return rc;
}

static int read_labels(struct otw_store *st, const struct otw_asset_readers *rd, void *ctx,
                       struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int r, rc = 0;

    if (rd->label == NULL)
        return 0;
    if (otw_sqlite_prepare(st, &s, "SELECT key, name, role, updated_us FROM asset_labels",
                           err) != 0)
        return OTW_ESTORE;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        struct otw_asset_label_row l;
        memset(&l, 0, sizeof(l));
        if (!key_col(s, 0, l.key, &l.keylen))
            continue;
        text_col(s, 1, l.name, sizeof(l.name));
        text_col(s, 2, l.role, sizeof(l.role));
        l.updated_us = sqlite3_column_int64(s, 3);
        if ((rc = rd->label(ctx, &l)) != 0)
            break;
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = otw_sqlite_fail(st, err, "reading asset labels");
    sqlite3_finalize(s);
    return rc;
}

int otw_store_assets_read_labels(struct otw_store *st, const struct otw_asset_readers *rd,
                                 void *ctx, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_assets_read_labels(st, rd, ctx, err);
    int rc = read_labels(st, rd, ctx, err);

    if (rc == 0)
        rc = read_bindings(st, rd, ctx, err);
    return rc;
}

int otw_store_assets_read(struct otw_store *st, const struct otw_asset_readers *rd, void *ctx,
                          struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_assets_read(st, rd, ctx, err);
    sqlite3_stmt *s = NULL;
    int r, rc = 0;

    if (rd->point != NULL) {
        if (otw_sqlite_prepare(st, &s, "SELECT id, name FROM points", err) != 0)
            return OTW_ESTORE;
        while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW)
            rc = rd->point(ctx, sqlite3_column_int64(s, 0),
                           (const char *)sqlite3_column_text(s, 1));
        if (rc == 0 && r != SQLITE_DONE)
            rc = otw_sqlite_fail(st, err, "reading capture points");
        sqlite3_finalize(s);
        s = NULL;
        if (rc != 0)
            return rc;
    }
    if (rd->row != NULL) {
        if (otw_sqlite_prepare(st, &s,
                               "SELECT key, first_us, last_us, sessions_out, sessions_in, packets"
                               " FROM assets",
                               err) != 0)
            return OTW_ESTORE;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
            struct otw_asset_row a;
            memset(&a, 0, sizeof(a));
            if (!key_col(s, 0, a.key, &a.keylen))
                continue;
            a.first_us = sqlite3_column_int64(s, 1);
            a.last_us = sqlite3_column_int64(s, 2);
            a.sessions_out = (uint64_t)sqlite3_column_int64(s, 3);
            a.sessions_in = (uint64_t)sqlite3_column_int64(s, 4);
            a.packets = (uint64_t)sqlite3_column_int64(s, 5);
            if ((rc = rd->row(ctx, &a)) != 0)
                break;
        }
        if (rc == 0 && r != SQLITE_DONE)
            rc = otw_sqlite_fail(st, err, "reading assets");
        sqlite3_finalize(s);
        s = NULL;
        if (rc != 0)
            return rc;
    }
    if (rd->fact != NULL) {
        if (otw_sqlite_prepare(st, &s,
                               "SELECT key, kind, value, count, first_us, last_us FROM asset_facts",
                               err) != 0)
            return OTW_ESTORE;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
            struct otw_asset_fact_row f;
            memset(&f, 0, sizeof(f));
            if (!key_col(s, 0, f.key, &f.keylen))
                continue;
            text_col(s, 1, f.kind, sizeof(f.kind));
            text_col(s, 2, f.value, sizeof(f.value));
            f.count = (uint64_t)sqlite3_column_int64(s, 3);
            f.first_us = sqlite3_column_int64(s, 4);
            f.last_us = sqlite3_column_int64(s, 5);
            if ((rc = rd->fact(ctx, &f)) != 0)
                break;
        }
        if (rc == 0 && r != SQLITE_DONE)
            rc = otw_sqlite_fail(st, err, "reading asset facts");
        sqlite3_finalize(s);
        if (rc != 0)
            return rc;
    }
    return otw_store_assets_read_labels(st, rd, ctx, err);
}

int otw_store_asset_label_set(struct otw_store *st, const struct otw_asset_label_row *l,
                              struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_asset_label_set(st, l, err);
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (otw_sqlite_prepare(st, &s,
                           "INSERT OR REPLACE INTO asset_labels(key, name, role, updated_us)"
                           " VALUES (?1,?2,?3,?4)",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_blob(s, 1, l->key, l->keylen, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, l->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, l->role, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, l->updated_us);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = otw_sqlite_fail(st, err, "storing an asset label");
    sqlite3_finalize(s);
    return rc;
}

int otw_store_asset_label_unset(struct otw_store *st, const uint8_t *key, size_t keylen,
                                struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_asset_label_unset(st, key, keylen, err);
    sqlite3_stmt *s = NULL;
    int rc = 0;

    if (otw_sqlite_prepare(st, &s, "DELETE FROM asset_labels WHERE key = ?1", err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_blob(s, 1, key, (int)keylen, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = otw_sqlite_fail(st, err, "removing an asset label");
    else if (sqlite3_changes(st->db) == 0)
        rc = OTW_ENOTFOUND;
    sqlite3_finalize(s);
    return rc;
}

int otw_store_assets_clear(struct otw_store *st, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_assets_clear(st, err);
    return otw_sqlite_exec(st,
                           "DELETE FROM assets; DELETE FROM asset_facts;"
                           " DELETE FROM asset_bindings;",
                           err);
}
