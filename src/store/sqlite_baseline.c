/*
 * sqlite_baseline.c - the baseline tables of the SQLite store (store_baseline.h).
 *
 * baseline_entries holds one row per communication, unique on its key
 * (client, server, proto, port, app, ot_class); that unique index also
 * serves the query fields `baseline` and `baseline.category`, which look up
 * a session's (src_ip, dst_ip, proto, port) prefix (sqlite_query.c).
 * status and category are the enum values of store_baseline.h (learned 0,
 * approved 1, new 2; operational 0, maintenance 1). hours is 168
 * little-endian 32-bit counts, Monday 00h first, plant time.
 *
 * The writer thread saves observed entries with an upsert that leaves the
 * people's columns (status, category, note) alone, so an approval made with
 * `otwatch baseline approve` while a capture runs is never overwritten.
 * Statements are prepared per call: these writes come once per batch of
 * changed entries, not per packet.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite_int.h"

/* Schema migration: the baseline tables. */
const char otw_sqlite_migration_baseline[] =
    "CREATE TABLE baseline_entries ("
    "  id INTEGER PRIMARY KEY,"
    "  client BLOB NOT NULL, server BLOB NOT NULL,"     /* 16 bytes each */
    "  proto INTEGER NOT NULL, port INTEGER NOT NULL,"  /* port 0: protocol without ports */
    "  app TEXT NOT NULL DEFAULT '',"
    "  ot_class INTEGER NOT NULL DEFAULT 0,"            /* one OTW_OTC_* bit, 0 none */
    "  status INTEGER NOT NULL,"                        /* 0 learned, 1 approved, 2 new */
    "  category INTEGER NOT NULL,"                      /* 0 operational, 1 maintenance */
    "  sessions INTEGER NOT NULL DEFAULT 0,"
    "  bytes INTEGER NOT NULL DEFAULT 0,"
    "  first_us INTEGER, last_us INTEGER,"
    "  hours BLOB,"                                     /* 168 x uint32 LE */
    "  note TEXT NOT NULL DEFAULT '',"
    /* for the query fields baseline / baseline.category (sqlite_query.c) */
    "  rank INTEGER GENERATED ALWAYS AS"
    "    ((CASE status WHEN 1 THEN 0 WHEN 0 THEN 1 ELSE 2 END) * 2 + category) VIRTUAL,"
    "  UNIQUE (client, server, proto, port, app, ot_class));"
    "CREATE TABLE baseline_devices ("
    "  kind INTEGER NOT NULL,"                          /* 0 mac, 1 ip, 2 arp binding */
    "  mac BLOB NOT NULL, ip BLOB NOT NULL,"
    "  first_us INTEGER, last_us INTEGER,"
    "  PRIMARY KEY (kind, mac, ip)) WITHOUT ROWID;"
    "CREATE TABLE baseline_windows ("
    "  name TEXT PRIMARY KEY,"
    "  schedule TEXT NOT NULL);"
    "CREATE TABLE baseline_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  window TEXT NOT NULL REFERENCES baseline_windows(name) ON DELETE CASCADE"
    "    ON UPDATE CASCADE,"
    "  client TEXT NOT NULL, server TEXT NOT NULL,"     /* '*', address, CIDR or name */
    "  proto INTEGER NOT NULL,"                         /* 0 any */
    "  port INTEGER NOT NULL,"                          /* -1 any */
    "  app TEXT NOT NULL);"                             /* '*' any */
    "CREATE INDEX baseline_rules_window ON baseline_rules(window);"
    "CREATE TABLE baseline_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);";

/* --- names ------------------------------------------------------------------ */

static const char *const status_names[] = {"learned", "approved", "new"};
static const char *const category_names[] = {"operational", "maintenance"};
static const char *const mode_names[] = {"learning", "protecting"};
static const char *const dev_names[] = {"mac", "ip", "arp"};

static int name_parse(const char *const *names, int n, const char *s)
{
    for (int i = 0; s != NULL && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *otw_bl_status_name(int v)
{
    return v >= 0 && v < 3 ? status_names[v] : "?";
}

int otw_bl_status_parse(const char *s)
{
    return name_parse(status_names, 3, s);
}

const char *otw_bl_category_name(int v)
{
    return v >= 0 && v < 2 ? category_names[v] : "?";
}

int otw_bl_category_parse(const char *s)
{
    return name_parse(category_names, 2, s);
}

const char *otw_bl_mode_name(int v)
{
    return v >= 0 && v < 2 ? mode_names[v] : "?";
}

int otw_bl_mode_parse(const char *s)
{
    return name_parse(mode_names, 2, s);
}

const char *otw_bl_dev_kind_name(int v)
{
    return v >= 0 && v < 3 ? dev_names[v] : "?";
}

/* --- entries ------------------------------------------------------------------ */

#define ENTRY_COLS                                                                          \
    "id, client, server, proto, port, app, ot_class, status, category, sessions, bytes, "   \
    "IFNULL(first_us, 0), IFNULL(last_us, 0), hours, note"

static void blob16(sqlite3_stmt *s, int col, uint8_t out[16])
{
    const void *p = sqlite3_column_blob(s, col);

    memset(out, 0, 16);
    if (p != NULL && sqlite3_column_bytes(s, col) == 16)
        memcpy(out, p, 16);
}

static void text_col(sqlite3_stmt *s, int col, char *dst, size_t len)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static void read_entry(sqlite3_stmt *s, struct otw_bl_entry *e)
{
    const uint8_t *h;
    int hn;

    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(s, 0);
    blob16(s, 1, e->k.client);
    blob16(s, 2, e->k.server);
    e->k.proto = (uint8_t)sqlite3_column_int(s, 3);
    e->k.port = (uint16_t)sqlite3_column_int(s, 4);
    text_col(s, 5, e->k.app, sizeof(e->k.app));
    e->k.ot_class = (unsigned)sqlite3_column_int(s, 6);
    e->status = sqlite3_column_int(s, 7);
    e->category = sqlite3_column_int(s, 8);
    e->sessions = (uint64_t)sqlite3_column_int64(s, 9);
    e->bytes = (uint64_t)sqlite3_column_int64(s, 10);
    e->first_us = sqlite3_column_int64(s, 11);
    e->last_us = sqlite3_column_int64(s, 12);
    h = sqlite3_column_blob(s, 13);
    hn = sqlite3_column_bytes(s, 13);
    if (h != NULL && hn == OTW_BL_HOURS * 4)
        for (int i = 0; i < OTW_BL_HOURS; i++)
            e->hours[i] = (uint32_t)h[4 * i] | (uint32_t)h[4 * i + 1] << 8 |
                          (uint32_t)h[4 * i + 2] << 16 | (uint32_t)h[4 * i + 3] << 24;
    text_col(s, 14, e->note, sizeof(e->note));
}

int otw_store_bl_entries(struct otw_store *st, otw_bl_entry_cb cb, void *ctx,
                         struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_entries(st, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    struct otw_bl_entry e;
    int rc = OTW_ESTORE, r;

    if (otw_sqlite_prepare(st, &s, "SELECT " ENTRY_COLS " FROM baseline_entries ORDER BY id",
                           err) != 0)
        return OTW_ESTORE;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        int c;

        read_entry(s, &e);
        if ((c = cb(ctx, &e)) != 0) {
            rc = c < 0 ? c : 0;
            goto out;
        }
    }
    if (r != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading the baseline");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_entry_get(struct otw_store *st, int64_t id, struct otw_bl_entry *e,
                           struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_entry_get(st, id, e, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE, r;

    if (otw_sqlite_prepare(st, &s, "SELECT " ENTRY_COLS " FROM baseline_entries WHERE id = ?1",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, id);
    r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        read_entry(s, e);
        rc = 1;
    } else if (r == SQLITE_DONE) {
        rc = 0;
    } else {
        otw_sqlite_fail(st, err, "reading a baseline entry");
    }
    sqlite3_finalize(s);
    return rc;
}

static void bind_time(sqlite3_stmt *s, int col, int64_t us)
{
    if (us != 0)
        sqlite3_bind_int64(s, col, us);
    else
        sqlite3_bind_null(s, col);
}

/* Binds the 13 columns client .. hours (parameters 1..13) and note (14). */
static void bind_entry(sqlite3_stmt *s, const struct otw_bl_entry *e, uint8_t *hbuf)
{
    for (int i = 0; i < OTW_BL_HOURS; i++) {
        hbuf[4 * i] = (uint8_t)e->hours[i];
        hbuf[4 * i + 1] = (uint8_t)(e->hours[i] >> 8);
        hbuf[4 * i + 2] = (uint8_t)(e->hours[i] >> 16);
        hbuf[4 * i + 3] = (uint8_t)(e->hours[i] >> 24);
    }
    sqlite3_bind_blob(s, 1, e->k.client, 16, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, e->k.server, 16, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, e->k.proto);
    sqlite3_bind_int(s, 4, e->k.port);
    sqlite3_bind_text(s, 5, e->k.app, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, (int)e->k.ot_class);
    sqlite3_bind_int(s, 7, e->status);
    sqlite3_bind_int(s, 8, e->category);
    sqlite3_bind_int64(s, 9, (sqlite3_int64)e->sessions);
    sqlite3_bind_int64(s, 10, (sqlite3_int64)e->bytes);
    bind_time(s, 11, e->first_us);
    bind_time(s, 12, e->last_us);
    sqlite3_bind_blob(s, 13, hbuf, OTW_BL_HOURS * 4, SQLITE_STATIC);
    sqlite3_bind_text(s, 14, e->note, -1, SQLITE_STATIC);
}

static int upsert(struct otw_store *st, struct otw_bl_entry *e, const char *set,
                  struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    uint8_t hbuf[OTW_BL_HOURS * 4];
    char sql[1024];
    int rc = OTW_ESTORE;

    snprintf(sql, sizeof(sql),
             "INSERT INTO baseline_entries(client, server, proto, port, app, ot_class, status, "
             "category, sessions, bytes, first_us, last_us, hours, note) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
             "ON CONFLICT(client, server, proto, port, app, ot_class) DO UPDATE SET %s "
             "RETURNING id",
             set);
    if (otw_sqlite_prepare(st, &s, sql, err) != 0)
        return OTW_ESTORE;
    bind_entry(s, e, hbuf);
    if (sqlite3_step(s) != SQLITE_ROW) {
        otw_sqlite_fail(st, err, "writing a baseline entry");
        goto out;
    }
    e->id = sqlite3_column_int64(s, 0);
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_entry_observed(struct otw_store *st, struct otw_bl_entry *e,
                                struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_entry_observed(st, e, err);
    return upsert(st, e,
                  "sessions = excluded.sessions, bytes = excluded.bytes, "
                  "first_us = excluded.first_us, last_us = excluded.last_us, "
                  "hours = excluded.hours, "
                  "status = CASE WHEN baseline_entries.status = 2 AND excluded.status = 0 "
                  "THEN 0 ELSE baseline_entries.status END",
                  err);
}

int otw_store_bl_entry_put(struct otw_store *st, struct otw_bl_entry *e, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_entry_put(st, e, err);
    return upsert(st, e,
                  "status = excluded.status, category = excluded.category, "
                  "sessions = excluded.sessions, bytes = excluded.bytes, "
                  "first_us = excluded.first_us, last_us = excluded.last_us, "
                  "hours = excluded.hours, note = excluded.note",
                  err);
}

static int changes_or_notfound(struct otw_store *st, int64_t id, struct otw_err *err)
{
    if (sqlite3_changes(st->db) == 0) {
        otw_err_set(err, -1, "no baseline entry %lld ('otwatch baseline show' lists them)",
                    (long long)id);
        return OTW_ENOTFOUND;
    }
    return 0;
}

int otw_store_bl_entry_set(struct otw_store *st, int64_t id, int status, int category,
                           const char *note, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_entry_set(st, id, status, category, note, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "UPDATE baseline_entries SET status = IFNULL(?2, status), "
                           "category = IFNULL(?3, category), note = IFNULL(?4, note) "
                           "WHERE id = ?1",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, id);
    if (status >= 0)
        sqlite3_bind_int(s, 2, status);
    if (category >= 0)
        sqlite3_bind_int(s, 3, category);
    if (note != NULL)
        sqlite3_bind_text(s, 4, note, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "changing a baseline entry");
        goto out;
    }
    rc = changes_or_notfound(st, id, err);
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_entry_delete(struct otw_store *st, int64_t id, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_entry_delete(st, id, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s, "DELETE FROM baseline_entries WHERE id = ?1", err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "removing a baseline entry");
        goto out;
    }
    rc = changes_or_notfound(st, id, err);
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_approve_all(struct otw_store *st, uint64_t *n, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_approve_all(st, n, err);
    if (otw_sqlite_exec(st, "UPDATE baseline_entries SET status = 1 WHERE status != 1", err) != 0)
        return OTW_ESTORE;
    if (n != NULL)
        *n = (uint64_t)sqlite3_changes(st->db);
    return 0;
}

/* --- devices ------------------------------------------------------------------ */

int otw_store_bl_devices(struct otw_store *st, otw_bl_device_cb cb, void *ctx,
                         struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_devices(st, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    struct otw_bl_device d;
    int rc = OTW_ESTORE, r;

    if (otw_sqlite_prepare(st, &s,
                           "SELECT kind, mac, ip, IFNULL(first_us, 0), IFNULL(last_us, 0) "
                           "FROM baseline_devices ORDER BY kind, ip, mac",
                           err) != 0)
        return OTW_ESTORE;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        const void *m = sqlite3_column_blob(s, 1);
        int c;

        memset(&d, 0, sizeof(d));
        d.kind = sqlite3_column_int(s, 0);
        if (m != NULL && sqlite3_column_bytes(s, 1) == 6)
            memcpy(d.mac, m, 6);
        blob16(s, 2, d.ip);
        d.first_us = sqlite3_column_int64(s, 3);
        d.last_us = sqlite3_column_int64(s, 4);
        if ((c = cb(ctx, &d)) != 0) {
            rc = c < 0 ? c : 0;
            goto out;
        }
    }
    if (r != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading the baseline's devices");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_device_put(struct otw_store *st, const struct otw_bl_device *d,
                            struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_device_put(st, d, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "INSERT INTO baseline_devices(kind, mac, ip, first_us, last_us) "
                           "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(kind, mac, ip) DO UPDATE "
                           "SET first_us = min(IFNULL(first_us, excluded.first_us), "
                           "IFNULL(excluded.first_us, first_us)), "
                           "last_us = max(IFNULL(last_us, excluded.last_us), "
                           "IFNULL(excluded.last_us, last_us))",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int(s, 1, d->kind);
    sqlite3_bind_blob(s, 2, d->mac, 6, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, d->ip, 16, SQLITE_STATIC);
    bind_time(s, 4, d->first_us);
    bind_time(s, 5, d->last_us);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "writing a baseline device");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

/* --- windows and rules ------------------------------------------------------------ */

int otw_store_bl_windows(struct otw_store *st, otw_bl_window_cb cb, void *ctx,
                         struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_windows(st, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    struct otw_bl_window w;
    int rc = OTW_ESTORE, r;

    if (otw_sqlite_prepare(st, &s, "SELECT name, schedule FROM baseline_windows ORDER BY name",
                           err) != 0)
        return OTW_ESTORE;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        int c;

        memset(&w, 0, sizeof(w));
        text_col(s, 0, w.name, sizeof(w.name));
        text_col(s, 1, w.schedule, sizeof(w.schedule));
        if ((c = cb(ctx, &w)) != 0) {
            rc = c < 0 ? c : 0;
            goto out;
        }
    }
    if (r != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading maintenance windows");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_window_put(struct otw_store *st, const struct otw_bl_window *w,
                            struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_window_put(st, w, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "INSERT INTO baseline_windows(name, schedule) VALUES (?1, ?2) "
                           "ON CONFLICT(name) DO UPDATE SET schedule = excluded.schedule",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, w->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, w->schedule, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "writing a maintenance window");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_window_delete(struct otw_store *st, const char *name, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_window_delete(st, name, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s, "DELETE FROM baseline_windows WHERE name = ?1", err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "removing a maintenance window");
        goto out;
    }
    if (sqlite3_changes(st->db) == 0) {
        otw_err_set(err, -1, "no maintenance window '%s' ('otwatch baseline window list')",
                    name);
        rc = OTW_ENOTFOUND;
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_rules(struct otw_store *st, otw_bl_rule_cb cb, void *ctx, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_rules(st, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    struct otw_bl_rule r;
    int rc = OTW_ESTORE, x;

    if (otw_sqlite_prepare(st, &s,
                           "SELECT id, window, client, server, proto, port, app "
                           "FROM baseline_rules ORDER BY window, id",
                           err) != 0)
        return OTW_ESTORE;
    while ((x = sqlite3_step(s)) == SQLITE_ROW) {
        int c;

        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(s, 0);
        text_col(s, 1, r.window, sizeof(r.window));
        text_col(s, 2, r.client, sizeof(r.client));
        text_col(s, 3, r.server, sizeof(r.server));
        r.proto = sqlite3_column_int(s, 4);
        r.port = sqlite3_column_int(s, 5);
        text_col(s, 6, r.app, sizeof(r.app));
        if ((c = cb(ctx, &r)) != 0) {
            rc = c < 0 ? c : 0;
            goto out;
        }
    }
    if (x != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading maintenance window rules");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_rule_add(struct otw_store *st, struct otw_bl_rule *r, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_rule_add(st, r, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "INSERT INTO baseline_rules(window, client, server, proto, port, app) "
                           "SELECT name, ?2, ?3, ?4, ?5, ?6 FROM baseline_windows "
                           "WHERE name = ?1",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, r->window, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, r->client, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, r->server, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, r->proto);
    sqlite3_bind_int(s, 5, r->port);
    sqlite3_bind_text(s, 6, r->app, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "adding a maintenance window rule");
        goto out;
    }
    if (sqlite3_changes(st->db) == 0) {
        otw_err_set(err, -1,
                    "no maintenance window '%s': create it first with 'otwatch baseline window "
                    "set %s SCHEDULE'",
                    r->window, r->window);
        rc = OTW_ENOTFOUND;
        goto out;
    }
    r->id = sqlite3_last_insert_rowid(st->db);
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

/* --- settings ----------------------------------------------------------------------- */

int otw_store_bl_meta_get(struct otw_store *st, const char *key, char *value, size_t len,
                          struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_meta_get(st, key, value, len, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE, r;

    if (otw_sqlite_prepare(st, &s, "SELECT value FROM baseline_meta WHERE key = ?1", err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        text_col(s, 0, value, len);
        rc = 1;
    } else if (r == SQLITE_DONE) {
        rc = 0;
    } else {
        otw_sqlite_fail(st, err, "reading a baseline setting");
    }
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_meta_set(struct otw_store *st, const char *key, const char *value,
                          struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_meta_set(st, key, value, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "INSERT INTO baseline_meta(key, value) VALUES (?1, ?2) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "writing a baseline setting");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_bl_clear(struct otw_store *st, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_bl_clear(st, err);
    return otw_sqlite_exec(st,
                           "DELETE FROM baseline_rules; DELETE FROM baseline_windows; "
                           "DELETE FROM baseline_entries; DELETE FROM baseline_devices; "
                           "DELETE FROM baseline_meta;",
                           err);
}
