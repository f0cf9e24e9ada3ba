/*
 * sqlite.c - the embedded store: one SQLite file in WAL mode.
 *
 * Schema changes are migrations, numbered by PRAGMA user_version; opening an
 * older file upgrades it in one transaction. Every statement is prepared once
 * per handle with bound parameters; user expressions arrive as a parsed query
 * and are compiled by sqlite_query.c, never pasted.
 *
 * Imports write each file inside one transaction (otw_store_file_begin ..
 * otw_store_file_end): a crash mid-file leaves no trace of that file, and a
 * file that is damaged part-way commits what was read before the fault.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "proto/app.h"
#include "query/query.h"
#include "store/sqlite_int.h"
#include "store/sqlite_query.h"
#include "store/store.h"


/* Each entry upgrades the schema by one version. */
static const char *const migrations[] = {
    /* 1: files, points, sessions, layer-2 sightings */
    "CREATE TABLE points ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE files ("
    "  id INTEGER PRIMARY KEY,"
    "  hash BLOB NOT NULL,"                 /* XXH3-128 of the file's bytes */
    "  path TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  format TEXT,"
    "  point_id INTEGER REFERENCES points(id),"
    "  status TEXT NOT NULL,"               /* importing, complete, damaged, interrupted */
    "  error TEXT,"
    "  imported_at_us INTEGER NOT NULL,"
    "  packets INTEGER NOT NULL DEFAULT 0,"
    "  sessions INTEGER NOT NULL DEFAULT 0,"
    "  first_us INTEGER, last_us INTEGER);"
    "CREATE INDEX files_hash ON files(hash);"
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  start_us INTEGER NOT NULL, end_us INTEGER NOT NULL,"
    "  ipver INTEGER NOT NULL, proto INTEGER NOT NULL,"
    "  src_ip BLOB NOT NULL, src_port INTEGER NOT NULL,"
    "  dst_ip BLOB NOT NULL, dst_port INTEGER NOT NULL,"
    "  src_mac BLOB, dst_mac BLOB,"
    "  vlan1 INTEGER, vlan2 INTEGER,"
    "  src_packets INTEGER NOT NULL, src_bytes INTEGER NOT NULL,"
    "  src_payload INTEGER NOT NULL, src_flags INTEGER NOT NULL,"
    "  dst_packets INTEGER NOT NULL, dst_bytes INTEGER NOT NULL,"
    "  dst_payload INTEGER NOT NULL, dst_flags INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  icmp_type INTEGER, icmp_code INTEGER,"
    "  community_id TEXT,"
    "  protocols TEXT NOT NULL DEFAULT '',"
    "  segment INTEGER NOT NULL DEFAULT 0,"
    "  continued INTEGER NOT NULL DEFAULT 0,"
    "  end_reason TEXT,"
    "  point_id INTEGER REFERENCES points(id),"
    "  file_id INTEGER REFERENCES files(id));"
    "CREATE INDEX sessions_start ON sessions(start_us);"
    "CREATE INDEX sessions_end ON sessions(end_us);"
    "CREATE INDEX sessions_src_ip ON sessions(src_ip, start_us);"
    "CREATE INDEX sessions_dst_ip ON sessions(dst_ip, start_us);"
    "CREATE INDEX sessions_dst_port ON sessions(dst_port, start_us);"
    "CREATE INDEX sessions_src_port ON sessions(src_port);"
    "CREATE INDEX sessions_file ON sessions(file_id);"
    "CREATE INDEX sessions_community ON sessions(community_id);"
    "CREATE TABLE l2_seen ("
    "  mac BLOB NOT NULL, ip BLOB NOT NULL,"    /* ip: 16 bytes, or empty when none */
    "  kind TEXT NOT NULL, vlan INTEGER NOT NULL,"
    "  point_id INTEGER NOT NULL,"
    "  first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
    "  packets INTEGER NOT NULL,"
    "  PRIMARY KEY (mac, ip, kind, vlan, point_id)) WITHOUT ROWID;"
    "CREATE TABLE l2_seen_files ("               /* which files fed a row, to forget them */
    "  file_id INTEGER NOT NULL, mac BLOB NOT NULL, ip BLOB NOT NULL, kind TEXT NOT NULL,"
    "  vlan INTEGER NOT NULL, point_id INTEGER NOT NULL, packets INTEGER NOT NULL);"
    "CREATE INDEX l2_seen_files_file ON l2_seen_files(file_id);",
    /* 2: what the application parsers found */
    "ALTER TABLE sessions ADD COLUMN protocol_guess TEXT;"
    "CREATE TABLE session_fields ("
    "  session_id INTEGER NOT NULL,"
    "  field TEXT NOT NULL,"
    "  value NOT NULL,"                     /* INTEGER or TEXT, as the field's type */
    "  count INTEGER NOT NULL);"
    "CREATE INDEX session_fields_fv ON session_fields(field, value);"
    "CREATE INDEX session_fields_s ON session_fields(session_id);"
    "CREATE TABLE session_events ("
    "  session_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  count INTEGER NOT NULL);"
    "CREATE INDEX session_events_name ON session_events(name);"
    "CREATE INDEX session_events_s ON session_events(session_id);",
    /* 3: records written while still going (live capture) are replaced by
     * later versions of the same record: the sensor's record id */
    "ALTER TABLE sessions ADD COLUMN uid INTEGER;"
    "CREATE UNIQUE INDEX sessions_uid ON sessions(uid);",
    /* 4: live capture: rolling packet files and capture statistics */
    "CREATE TABLE pcap_files ("
    "  id INTEGER PRIMARY KEY,"
    "  path TEXT NOT NULL,"
    "  point_id INTEGER REFERENCES points(id),"
    "  iface TEXT,"
    "  linktype INTEGER NOT NULL,"
    "  first_us INTEGER, last_us INTEGER,"
    "  bytes INTEGER NOT NULL DEFAULT 0,"
    "  packets INTEGER NOT NULL DEFAULT 0,"
    "  created_us INTEGER NOT NULL,"
    "  deleted_us INTEGER);"                 /* set when retention removed the file */
    "CREATE INDEX pcap_files_time ON pcap_files(last_us, first_us);"
    "CREATE TABLE capture_stats ("
    "  ts_us INTEGER NOT NULL,"
    "  point_id INTEGER REFERENCES points(id),"
    "  iface TEXT NOT NULL,"
    "  received INTEGER NOT NULL,"           /* counters since the capture started */
    "  dropped INTEGER NOT NULL,"            /* by the kernel (buffer full) */
    "  ifdropped INTEGER NOT NULL,"          /* by the interface */
    "  started_us INTEGER NOT NULL);"        /* when these counters started */
    "CREATE INDEX capture_stats_iface ON capture_stats(iface, ts_us);",
    /* 5: asset inventory, names and roles (sqlite_assets.c) */
    otw_sqlite_migration_assets,
    /* 6: baseline, devices, maintenance windows, mode (sqlite_baseline.c) */
    otw_sqlite_migration_baseline,
    /* 7: alerts and their evidence (sqlite_alerts.c) */
    otw_sqlite_migration_alerts,
    /* 8: user accounts of the web interface (sqlite_users.c) */
    otw_sqlite_migration_users,
    /* 9: each user's language (sqlite_users.c) */
    otw_sqlite_migration_users_lang,
    /* 10: what the web pages need to answer fast (sqlite_graph.c) */
    otw_sqlite_migration_web,
    /* 11: the sessions page's time ranges and duration sort (sqlite_query.c) */
    otw_sqlite_migration_sessions_web,
};

#define SCHEMA_VERSION ((int)OTW_ARRAY_LEN(migrations))

static int64_t now_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int otw_sqlite_fail(struct otw_store *st, struct otw_err *err, const char *what)
{
    otw_err_set(err, -1, "database: %s: %s", what, sqlite3_errmsg(st->db));
    return OTW_ESTORE;
}

int otw_sqlite_exec(struct otw_store *st, const char *sql, struct otw_err *err)
{
    char *msg = NULL;

    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        otw_err_set(err, -1, "database: %s", msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return OTW_ESTORE;
    }
    return 0;
}

static int user_version(struct otw_store *st, int *v)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return OTW_ESTORE;
    rc = sqlite3_step(s);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : OTW_ESTORE;
}

static int migrate(struct otw_store *st, struct otw_err *err)
{
    int v;
    char sql[64];

    if (user_version(st, &v) != 0)
        return otw_sqlite_fail(st, err, "reading schema version");
    if (v > SCHEMA_VERSION) {
        otw_err_set(err, -1,
                    "database schema version %d is newer than this otwatch knows (%d): "
                    "use a newer otwatch",
                    v, SCHEMA_VERSION);
        return OTW_ESTORE;
    }
    if (v == SCHEMA_VERSION)
        return 0;
    if (st->read_only) {
        otw_err_set(err, -1, "database schema version %d needs upgrading to %d; open it once "
                             "with a command that writes (e.g. import)", v, SCHEMA_VERSION);
        return OTW_ESTORE;
    }
    if (otw_sqlite_exec(st, "BEGIN IMMEDIATE", err) != 0)
        return OTW_ESTORE;
    for (; v < SCHEMA_VERSION; v++) {
        if (otw_sqlite_exec(st, migrations[v], err) != 0) {
            otw_sqlite_exec(st, "ROLLBACK", NULL);
            return OTW_ESTORE;
        }
    }
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
    if (otw_sqlite_exec(st, sql, err) != 0 || otw_sqlite_exec(st, "COMMIT", err) != 0) {
        otw_sqlite_exec(st, "ROLLBACK", NULL);
        return OTW_ESTORE;
    }
    return 0;
}

int otw_sqlite_prepare(struct otw_store *st, sqlite3_stmt **s, const char *sql,
                       struct otw_err *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
        return otw_sqlite_fail(st, err, "preparing a statement");
    return 0;
}

int otw_sqlite_file_statements(struct otw_store *st, const char *const *sql, size_t n,
                               int64_t file_id, const char *what, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;

    if (otw_sqlite_exec(st, "BEGIN IMMEDIATE", err) != 0)
        return OTW_ESTORE;
    for (size_t i = 0; i < n; i++) {
        if (otw_sqlite_prepare(st, &s, sql[i], err) != 0)
            goto fail;
        if (sqlite3_bind_parameter_count(s) > 0)
            sqlite3_bind_int64(s, 1, file_id);
        if (sqlite3_step(s) != SQLITE_DONE) {
            otw_sqlite_fail(st, err, what);
            goto fail;
        }
        sqlite3_finalize(s);
        s = NULL;
    }
    return otw_sqlite_exec(st, "COMMIT", err);
fail:
    sqlite3_finalize(s);
    otw_sqlite_exec(st, "ROLLBACK", NULL);
    return OTW_ESTORE;
}

struct otw_store *otw_store_open(const char *uri, bool read_only, struct otw_err *err)
{
    struct otw_store *st = calloc(1, sizeof(*st));
    int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);

    if (st == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    if (read_only && otw_store_remote_get()->uri[0] != '\0' && access(uri, F_OK) != 0) {
        /* A node of a remote store keeps its own file (points, users,
         * packet files) beside it; a reader starts one. */
        read_only = false;
        flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    }
    st->read_only = read_only;
    if (read_only && access(uri, F_OK) != 0) {
        otw_err_set(err, -1,
                    "no database at %s: import captures first (otwatch import --db %s FILE), "
                    "or give --db",
                    uri, uri);
        free(st);
        return NULL;
    }
    if (sqlite3_open_v2(uri, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        otw_err_set(err, -1, "cannot open database %s: %s", uri,
                    st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 1);
    if (!read_only) {
        if (otw_sqlite_exec(st, "PRAGMA journal_mode=WAL", err) != 0)
            goto fail_named;
        if (otw_sqlite_exec(st, "PRAGMA synchronous=NORMAL", err) != 0)
            goto fail_named;
        /* Statement journals (each upsert inside the file's long
         * transaction keeps one) in memory, not in a temporary file: on a
         * session-heavy capture they were 19 writes to /var/tmp per session
         * and most of the import's time. */
        if (otw_sqlite_exec(st, "PRAGMA temp_store=MEMORY", err) != 0)
            goto fail_named;
    }
    if (otw_sqlite_exec(st, "PRAGMA foreign_keys=ON", err) != 0)
        goto fail_named;
    if (migrate(st, err) != 0)
        goto fail_named;
    if (otw_store_remote_get()->uri[0] != '\0') {
        /* The data every node shares lives in the remote store (ch_int.h). */
        st->ch = otw_ch_open(otw_store_remote_get(), uri, read_only, err);
        if (st->ch == NULL)
            goto fail;
    }
    return st;
fail_named: {
    char m[sizeof(err->msg)];
    snprintf(m, sizeof(m), "%s", err ? err->msg : "");
    otw_err_set(err, -1, "%s: %s", uri, m);
}
fail:
    otw_store_close(st);
    return NULL;
}

void otw_store_close(struct otw_store *st)
{
    if (st == NULL)
        return;
    otw_ch_close(st->ch);
    if (st->in_txn)
        otw_sqlite_exec(st, "ROLLBACK", NULL);
    sqlite3_finalize(st->ins_session);
    sqlite3_finalize(st->ins_field);
    sqlite3_finalize(st->ins_event);
    sqlite3_finalize(st->sel_fields);
    sqlite3_finalize(st->sel_events);
    sqlite3_finalize(st->del_fields);
    sqlite3_finalize(st->del_events);
    sqlite3_finalize(st->ins_l2);
    sqlite3_close(st->db);
    free(st);
}

const char *otw_file_status_name(int status)
{
    switch (status) {
    case OTW_FILE_IMPORTING: return "importing";
    case OTW_FILE_COMPLETE: return "complete";
    case OTW_FILE_DAMAGED: return "damaged";
    case OTW_FILE_INTERRUPTED: return "interrupted";
    }
    return "unknown";
}

static int file_status_parse(const char *s)
{
    for (int i = 0; i <= OTW_FILE_INTERRUPTED; i++)
        if (s && strcmp(s, otw_file_status_name(i)) == 0)
            return i;
    return OTW_FILE_IMPORTING;
}

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
    snprintf(dst, len, "%s", src ? (const char *)src : "");
}

int otw_store_point_id(struct otw_store *st, const char *name, int64_t *id, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s, "INSERT INTO points(name) VALUES (?1) ON CONFLICT(name) DO NOTHING",
                err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "adding a capture point");
        goto out;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (otw_sqlite_prepare(st, &s, "SELECT id FROM points WHERE name = ?1", err) != 0)
        goto out;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_ROW) {
        otw_sqlite_fail(st, err, "reading a capture point");
        goto out;
    }
    *id = sqlite3_column_int64(s, 0);
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_file_find(struct otw_store *st, const uint8_t hash[16], struct otw_file_info *info,
                        struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_file_find(st, hash, info, err);
    sqlite3_stmt *s = NULL;
    uint8_t key[16];
    int rc;

    /* hash may point into *info (the caller looks a file up by its own
     * info.hash), which the memset below clears: work on a copy. */
    memcpy(key, hash, sizeof(key));
    if (otw_sqlite_prepare(st, &s,
                "SELECT f.id, f.path, IFNULL(p.name,''), f.format, f.size, f.status, f.error,"
                " f.imported_at_us, f.packets, f.sessions, f.first_us, f.last_us"
                " FROM files f LEFT JOIN points p ON p.id = f.point_id"
                " WHERE f.hash = ?1 ORDER BY f.id DESC LIMIT 1",
                err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_blob(s, 1, key, 16, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        memset(info, 0, sizeof(*info));
        info->id = sqlite3_column_int64(s, 0);
        memcpy(info->hash, key, 16);
        copy_text(info->path, sizeof(info->path), sqlite3_column_text(s, 1));
        copy_text(info->point, sizeof(info->point), sqlite3_column_text(s, 2));
        copy_text(info->format, sizeof(info->format), sqlite3_column_text(s, 3));
        info->size = sqlite3_column_int64(s, 4);
        info->status = file_status_parse((const char *)sqlite3_column_text(s, 5));
        copy_text(info->error, sizeof(info->error), sqlite3_column_text(s, 6));
        info->imported_at_us = sqlite3_column_int64(s, 7);
        info->packets = (uint64_t)sqlite3_column_int64(s, 8);
        info->sessions = (uint64_t)sqlite3_column_int64(s, 9);
        info->first_us = sqlite3_column_int64(s, 10);
        info->last_us = sqlite3_column_int64(s, 11);
        rc = 1;
    } else if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        rc = otw_sqlite_fail(st, err, "looking up a file");
    }
    sqlite3_finalize(s);
    return rc;
}

int otw_store_file_forget(struct otw_store *st, int64_t file_id, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_file_forget(st, file_id, err);
    static const char *const sql[] = {
        /* take this file's share out of the layer-2 counts */
        "UPDATE l2_seen SET packets = packets - (SELECT SUM(x.packets) FROM l2_seen_files x"
        " WHERE x.file_id = ?1 AND x.mac = l2_seen.mac AND x.ip = l2_seen.ip"
        " AND x.kind = l2_seen.kind AND x.vlan = l2_seen.vlan AND x.point_id = l2_seen.point_id)"
        " WHERE EXISTS (SELECT 1 FROM l2_seen_files x WHERE x.file_id = ?1 AND x.mac ="
        " l2_seen.mac AND x.ip = l2_seen.ip AND x.kind = l2_seen.kind AND x.vlan = l2_seen.vlan"
        " AND x.point_id = l2_seen.point_id)",
        "DELETE FROM l2_seen WHERE packets <= 0",
        "DELETE FROM l2_seen_files WHERE file_id = ?1",
        "DELETE FROM session_fields WHERE session_id IN"
        " (SELECT id FROM sessions WHERE file_id = ?1)",
        "DELETE FROM session_events WHERE session_id IN"
        " (SELECT id FROM sessions WHERE file_id = ?1)",
        "DELETE FROM sessions WHERE file_id = ?1",
        "DELETE FROM files WHERE id = ?1",
    };

    return otw_sqlite_file_statements(st, sql, OTW_ARRAY_LEN(sql), file_id, "forgetting a file",
                                      err);
}

int otw_store_file_begin(struct otw_store *st, struct otw_file_info *info, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_file_begin(st, info, err);
    sqlite3_stmt *s = NULL;
    int64_t point_id = 0;

    if (otw_sqlite_exec(st, "BEGIN IMMEDIATE", err) != 0)
        return OTW_ESTORE;
    st->in_txn = true;
    if (info->point[0] && otw_store_point_id(st, info->point, &point_id, err) != 0)
        goto fail;
    if (otw_sqlite_prepare(st, &s,
                "INSERT INTO files(hash, path, size, format, point_id, status, imported_at_us)"
                " VALUES (?1, ?2, ?3, ?4, ?5, 'importing', ?6)",
                err) != 0)
        goto fail;
    sqlite3_bind_blob(s, 1, info->hash, 16, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, info->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, info->size);
    sqlite3_bind_text(s, 4, info->format, -1, SQLITE_STATIC);
    if (point_id)
        sqlite3_bind_int64(s, 5, point_id);
    else
        sqlite3_bind_null(s, 5);
    info->imported_at_us = now_us();
    sqlite3_bind_int64(s, 6, info->imported_at_us);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "adding a file");
        goto fail;
    }
    info->id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(s);
    return 0;
fail:
    sqlite3_finalize(s);
    otw_sqlite_exec(st, "ROLLBACK", NULL);
    st->in_txn = false;
    return OTW_ESTORE;
}

int otw_store_file_end(struct otw_store *st, const struct otw_file_info *info, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_file_end(st, info, err);
    sqlite3_stmt *s = NULL;
    int rc;

    if (otw_sqlite_prepare(st, &s,
                "UPDATE files SET status = ?2, error = ?3, packets = ?4, sessions = ?5,"
                " first_us = ?6, last_us = ?7, format = ?8 WHERE id = ?1",
                err) != 0)
        goto fail;
    sqlite3_bind_int64(s, 1, info->id);
    sqlite3_bind_text(s, 2, otw_file_status_name(info->status), -1, SQLITE_STATIC);
    if (info->error[0])
        sqlite3_bind_text(s, 3, info->error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, (int64_t)info->packets);
    sqlite3_bind_int64(s, 5, (int64_t)info->sessions);
    if (info->first_us || info->last_us) {
        sqlite3_bind_int64(s, 6, info->first_us);
        sqlite3_bind_int64(s, 7, info->last_us);
    }
    sqlite3_bind_text(s, 8, info->format, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "finishing a file");
        goto fail;
    }
    sqlite3_finalize(s);
    rc = otw_sqlite_exec(st, "COMMIT", err);
    if (rc != 0)
        goto fail_nofin;
    st->in_txn = false;
    return 0;
fail:
    sqlite3_finalize(s);
fail_nofin:
    otw_sqlite_exec(st, "ROLLBACK", NULL);
    st->in_txn = false;
    return OTW_ESTORE;
}

int otw_store_txn_begin(struct otw_store *st, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_txn_begin(st, err);
    if (st->in_txn)
        return 0;
    if (otw_sqlite_exec(st, "BEGIN IMMEDIATE", err) != 0)
        return OTW_ESTORE;
    st->in_txn = true;
    return 0;
}

int otw_store_txn_commit(struct otw_store *st, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_txn_commit(st, err);
    if (!st->in_txn)
        return 0;
    if (otw_sqlite_exec(st, "COMMIT", err) != 0) {
        otw_sqlite_exec(st, "ROLLBACK", NULL);
        st->in_txn = false;
        return OTW_ESTORE;
    }
    st->in_txn = false;
    return 0;
}

void otw_store_file_abort(struct otw_store *st)
{
    if (st != NULL && st->ch != NULL) {
        otw_ch_file_abort(st);
        return;
    }
    if (st != NULL && st->in_txn) {
        otw_sqlite_exec(st, "ROLLBACK", NULL);
        st->in_txn = false;
    }
}

/* --- sessions -------------------------------------------------------------- */

/* An update of a record in progress: its earlier fields and events go. */
static int forget_app(struct otw_store *st, int64_t sid, struct otw_err *err)
{
    static const char *const sql[2] = {
        "DELETE FROM session_fields WHERE session_id = ?1",
        "DELETE FROM session_events WHERE session_id = ?1",
    };

    for (int k = 0; k < 2; k++) {
        sqlite3_stmt **ps = k == 0 ? &st->del_fields : &st->del_events;
        if (*ps == NULL && otw_sqlite_prepare(st, ps, sql[k], err) != 0)
            return OTW_ESTORE;
        sqlite3_reset(*ps);
        sqlite3_bind_int64(*ps, 1, sid);
        if (sqlite3_step(*ps) != SQLITE_DONE)
            return otw_sqlite_fail(st, err, "replacing session fields");
    }
    return 0;
}

static int put_app(struct otw_store *st, int64_t sid, const struct otw_app *a, struct otw_err *err)
{
    if (a->nvalues > 0 && st->ins_field == NULL &&
        otw_sqlite_prepare(st, &st->ins_field,
                "INSERT INTO session_fields(session_id, field, value, count) VALUES (?1,?2,?3,?4)",
                err) != 0)
        return OTW_ESTORE;
    if (a->nevents > 0 && st->ins_event == NULL &&
        otw_sqlite_prepare(st, &st->ins_event,
                "INSERT INTO session_events(session_id, name, count) VALUES (?1,?2,?3)",
                err) != 0)
        return OTW_ESTORE;
    for (uint16_t i = 0; i < a->nvalues; i++) {
        const struct otw_app_value *v = &a->values[i];
        sqlite3_stmt *s = st->ins_field;

        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, sid);
        sqlite3_bind_text(s, 2, v->field, -1, SQLITE_STATIC);
        if (v->type == OTW_PF_INT)
            sqlite3_bind_int64(s, 3, v->i);
        else
            sqlite3_bind_text(s, 3, v->s, v->slen, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, (int64_t)v->count);
        if (sqlite3_step(s) != SQLITE_DONE)
            return otw_sqlite_fail(st, err, "storing session fields");
    }
    for (uint8_t i = 0; i < a->nevents; i++) {
        sqlite3_stmt *s = st->ins_event;

        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, sid);
        sqlite3_bind_text(s, 2, a->events[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, (int64_t)a->events[i].count);
        if (sqlite3_step(s) != SQLITE_DONE)
            return otw_sqlite_fail(st, err, "storing session events");
    }
    return 0;
}

int otw_store_sessions_put(struct otw_store *st, int64_t file_id, int64_t point_id,
                           const struct otw_session *recs, char (*community_ids)[64], size_t n,
                           struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_sessions_put(st, file_id, point_id, recs, community_ids, n, err);
    static const uint8_t zero_mac[6];

    if (st->ins_session == NULL &&
        otw_sqlite_prepare(st, &st->ins_session,
                "INSERT INTO sessions(start_us, end_us, ipver, proto, src_ip, src_port, dst_ip,"
                " dst_port, src_mac, dst_mac, vlan1, vlan2, src_packets, src_bytes, src_payload,"
                " src_flags, dst_packets, dst_bytes, dst_payload, dst_flags, state, icmp_type,"
                " icmp_code, community_id, segment, continued, end_reason, point_id, file_id,"
                " protocols, protocol_guess, uid)"
                " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,"
                "?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32)"
                " ON CONFLICT(uid) DO UPDATE SET start_us = excluded.start_us,"
                " end_us = excluded.end_us, src_mac = excluded.src_mac,"
                " dst_mac = excluded.dst_mac, vlan1 = excluded.vlan1, vlan2 = excluded.vlan2,"
                " src_packets = excluded.src_packets, src_bytes = excluded.src_bytes,"
                " src_payload = excluded.src_payload, src_flags = excluded.src_flags,"
                " dst_packets = excluded.dst_packets, dst_bytes = excluded.dst_bytes,"
                " dst_payload = excluded.dst_payload, dst_flags = excluded.dst_flags,"
                " state = excluded.state, icmp_type = excluded.icmp_type,"
                " icmp_code = excluded.icmp_code, continued = excluded.continued,"
                " end_reason = excluded.end_reason, protocols = excluded.protocols,"
                " protocol_guess = excluded.protocol_guess"
                " RETURNING id",
                err) != 0)
        return OTW_ESTORE;
    for (size_t i = 0; i < n; i++) {
        const struct otw_session *r = &recs[i];
        sqlite3_stmt *s = st->ins_session;
        int64_t sid;

        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        sqlite3_bind_int64(s, 1, r->first_us);
        sqlite3_bind_int64(s, 2, r->last_us);
        sqlite3_bind_int(s, 3, r->ipver);
        sqlite3_bind_int(s, 4, r->proto);
        sqlite3_bind_blob(s, 5, r->src_ip, 16, SQLITE_STATIC);
        sqlite3_bind_int(s, 6, r->src_port);
        sqlite3_bind_blob(s, 7, r->dst_ip, 16, SQLITE_STATIC);
        sqlite3_bind_int(s, 8, r->dst_port);
        if (memcmp(r->src_mac, zero_mac, 6) != 0)
            sqlite3_bind_blob(s, 9, r->src_mac, 6, SQLITE_STATIC);
        if (memcmp(r->dst_mac, zero_mac, 6) != 0)
            sqlite3_bind_blob(s, 10, r->dst_mac, 6, SQLITE_STATIC);
        if (r->nvlan > 0)
            sqlite3_bind_int(s, 11, r->vlan[0]);
        if (r->nvlan > 1)
            sqlite3_bind_int(s, 12, r->vlan[1]);
        sqlite3_bind_int64(s, 13, (int64_t)r->src.packets);
        sqlite3_bind_int64(s, 14, (int64_t)r->src.bytes);
        sqlite3_bind_int64(s, 15, (int64_t)r->src.payload);
        sqlite3_bind_int(s, 16, r->src.tcp_flags);
        sqlite3_bind_int64(s, 17, (int64_t)r->dst.packets);
        sqlite3_bind_int64(s, 18, (int64_t)r->dst.bytes);
        sqlite3_bind_int64(s, 19, (int64_t)r->dst.payload);
        sqlite3_bind_int(s, 20, r->dst.tcp_flags);
        sqlite3_bind_text(s, 21, otw_state_name(r->state), -1, SQLITE_STATIC);
        if (r->icmp_type >= 0) {
            sqlite3_bind_int(s, 22, r->icmp_type);
            sqlite3_bind_int(s, 23, r->icmp_code);
        }
        if (community_ids != NULL && community_ids[i][0])
            sqlite3_bind_text(s, 24, community_ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 25, r->segment);
        sqlite3_bind_int(s, 26, r->continued);
        sqlite3_bind_text(s, 27, otw_end_name(r->end_reason), -1, SQLITE_STATIC);
        if (point_id)
            sqlite3_bind_int64(s, 28, point_id);
        if (file_id)
            sqlite3_bind_int64(s, 29, file_id);
        {
            /* network.protocol as ' a b ' so that one name matches with instr() */
            char protos[OTW_APP_MAX_PROTOCOLS * 24 + 2];
            size_t pn = 0;
            protos[0] = '\0';
            if (r->app != NULL && r->app->nprotocols > 0) {
                pn += (size_t)snprintf(protos, sizeof(protos), " ");
                for (uint8_t k = 0; k < r->app->nprotocols && pn < sizeof(protos); k++)
                    pn += (size_t)snprintf(protos + pn, sizeof(protos) - pn, "%s ",
                                           r->app->protocols[k]);
            }
            sqlite3_bind_text(s, 30, protos, -1, SQLITE_TRANSIENT);
            if (r->app != NULL && r->app->guess != NULL)
                sqlite3_bind_text(s, 31, r->app->guess, -1, SQLITE_STATIC);
        }
        sqlite3_bind_int64(s, 32, (int64_t)r->uid);
        if (sqlite3_step(s) != SQLITE_ROW)
            return otw_sqlite_fail(st, err, "storing a session");
        sid = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (r->replaces && forget_app(st, sid, err) != 0)
            return OTW_ESTORE;
        if (r->app != NULL && put_app(st, sid, r->app, err) != 0)
            return OTW_ESTORE;
    }
    return 0;
}

int otw_store_l2_put(struct otw_store *st, int64_t file_id, const struct otw_l2_row *rows, size_t n,
                     struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_l2_put(st, file_id, rows, n, err);
    sqlite3_stmt *fs = NULL;
    int rc = 0;

    if (st->ins_l2 == NULL &&
        otw_sqlite_prepare(st, &st->ins_l2,
                "INSERT INTO l2_seen(mac, ip, kind, vlan, point_id, first_us, last_us, packets,"
                " name) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"
                " ON CONFLICT(mac, ip, kind, vlan, point_id)"
                " DO UPDATE SET first_us = MIN(first_us, excluded.first_us),"
                " last_us = MAX(last_us, excluded.last_us), packets = packets + excluded.packets,"
                " name = CASE WHEN excluded.name <> '' AND excluded.last_us >= last_us"
                " THEN excluded.name ELSE name END",
                err) != 0)
        return OTW_ESTORE;
    if (file_id && otw_sqlite_prepare(st, &fs,
                           "INSERT INTO l2_seen_files(file_id, mac, ip, kind, vlan, point_id,"
                           " packets) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                           err) != 0)
        return OTW_ESTORE;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct otw_l2_row *r = &rows[i];
        sqlite3_stmt *s = st->ins_l2;

        sqlite3_reset(s);
        sqlite3_bind_blob(s, 1, r->mac, 6, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, r->ip, r->has_ip ? 16 : 0, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, r->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, r->vlan);
        sqlite3_bind_int64(s, 5, r->point_id);
        sqlite3_bind_int64(s, 6, r->first_us);
        sqlite3_bind_int64(s, 7, r->last_us);
        sqlite3_bind_int64(s, 8, (int64_t)r->packets);
        sqlite3_bind_text(s, 9, r->name, (int)strnlen(r->name, sizeof(r->name)), SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = otw_sqlite_fail(st, err, "storing layer-2 sightings");
        if (fs != NULL && rc == 0) {
            sqlite3_reset(fs);
            sqlite3_bind_int64(fs, 1, file_id);
            sqlite3_bind_blob(fs, 2, r->mac, 6, SQLITE_STATIC);
            sqlite3_bind_blob(fs, 3, r->ip, r->has_ip ? 16 : 0, SQLITE_STATIC);
            sqlite3_bind_text(fs, 4, r->kind, -1, SQLITE_STATIC);
            sqlite3_bind_int(fs, 5, r->vlan);
            sqlite3_bind_int64(fs, 6, r->point_id);
            sqlite3_bind_int64(fs, 7, (int64_t)r->packets);
            if (sqlite3_step(fs) != SQLITE_DONE)
                rc = otw_sqlite_fail(st, err, "storing layer-2 sightings");
        }
    }
    sqlite3_finalize(fs);
    return rc;
}

int otw_store_l2_query(struct otw_store *st, otw_l2_cb cb, void *ctx, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_l2_query(st, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    int rc;

    if (otw_sqlite_prepare(st, &s,
                "SELECT l.mac, l.ip, l.kind, l.vlan, l.point_id, l.first_us, l.last_us,"
                " l.packets, IFNULL(p.name, ''), l.name FROM l2_seen l LEFT JOIN points p"
                " ON p.id = l.point_id ORDER BY l.mac, l.ip, l.kind",
                err) != 0)
        return OTW_ESTORE;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct otw_l2_row r;
        memset(&r, 0, sizeof(r));
        if (sqlite3_column_bytes(s, 0) == 6)
            memcpy(r.mac, sqlite3_column_blob(s, 0), 6);
        if (sqlite3_column_bytes(s, 1) == 16) {
            memcpy(r.ip, sqlite3_column_blob(s, 1), 16);
            r.has_ip = true;
        }
        copy_text(r.kind, sizeof(r.kind), sqlite3_column_text(s, 2));
        r.vlan = (uint16_t)sqlite3_column_int(s, 3);
        r.point_id = sqlite3_column_int64(s, 4);
        r.first_us = sqlite3_column_int64(s, 5);
        r.last_us = sqlite3_column_int64(s, 6);
        r.packets = (uint64_t)sqlite3_column_int64(s, 7);
        copy_text(r.name, sizeof(r.name), sqlite3_column_text(s, 9));
        if (cb(ctx, &r, (const char *)sqlite3_column_text(s, 8)) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return otw_sqlite_fail(st, err, "reading layer-2 sightings");
    return 0;
}

/* --- queries ------------------------------------------------------------------ */

/* The WHERE clause of a session query; the expression's binds are in w->sq. */
struct where {
    char *text;             /* sqlite3_mprintf'd */
    struct otw_sqlq sq;
    bool have_sq;
};

static int build_where_ex(const struct otw_session_query *q, bool app_exists, struct where *w,
                          struct otw_err *err)
{
    w->have_sq = false;
    if (q->expr != NULL) {
        w->have_sq = true;
        if (otw_sqlq_compile_ex(q->expr, app_exists, &w->sq, err) != 0)
            return OTW_ESYNTAX;
    }
    /* Times are our own integers, not user text: printed, not bound, so
     * the expression's binds can start at 1. A session overlapping
     * [since, until) started no earlier than since minus the longest
     * record's length: that bound lets the start_us indexes range over the
     * time instead of from the first session on (the maximum comes from
     * the index sessions_duration, migration 11, in a few page reads). */
    if (q->since_us != 0)
        w->text = sqlite3_mprintf(" WHERE end_us >= %lld AND start_us < %lld AND start_us >= %lld"
                                  " - (SELECT max(end_us - start_us) FROM sessions) AND (%s)",
                                  (long long)q->since_us,
                                  (long long)(q->until_us ? q->until_us : INT64_MAX),
                                  (long long)q->since_us, w->have_sq ? w->sq.where : "1");
    else
        w->text = sqlite3_mprintf(" WHERE end_us >= %lld AND start_us < %lld AND (%s)",
                                  (long long)INT64_MIN,
                                  (long long)(q->until_us ? q->until_us : INT64_MAX),
                                  w->have_sq ? w->sq.where : "1");
    if (w->text == NULL) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    return 0;
}

static void where_free(struct where *w)
{
    if (w->have_sq)
        otw_sqlq_free(&w->sq);
    sqlite3_free(w->text);
}

static int build_where(const struct otw_session_query *q, struct where *w, struct otw_err *err)
{
    return build_where_ex(q, false, w, err);
}

/* Parser field comparisons matching more sessions than this are "common". */
#define APP_COMMON 10000

/* How a page of a query with parser fields is best found. SQLite compiles
 * `id IN (SELECT session_id FROM session_fields ...)` into lookups of each
 * listed session and a sort: fast for a value seen in a few thousand
 * sessions, seconds for one in hundreds of thousands (Modbus reads). The
 * correlated EXISTS form makes it walk the ORDER BY index instead and stop
 * after a page: fast for common values, slow for rare ones. So each
 * positive comparison's rows are counted (the (field, value) index, up to
 * APP_COMMON + 1) and EXISTS is used when none of them is rare. */
static int app_all_common(struct otw_store *st, const struct otw_qnode *n, bool neg, int *seen,
                          bool *common, struct otw_err *err)
{
    struct otw_sqlq sq;
    sqlite3_stmt *s = NULL;
    char *sql = NULL;
    int rc = OTW_ESTORE;

    if (n == NULL || !*common)
        return 0;
    if (n->kind != OTW_QN_CMP) {
        for (size_t i = 0; i < n->nkids; i++)
            if (app_all_common(st, n->kids[i], neg != (n->kind == OTW_QN_NOT), seen, common,
                               err) != 0)
                return OTW_ESTORE;
        return 0;
    }
    if (n->field == NULL || n->field->id != OTW_F_APP)
        return 0;
    (*seen)++;
    /* a negation matches most sessions: walking the order finds a page
     * fast, and the IN form would first list every session it excludes */
    if (neg || n->op == OTW_QOP_NE)
        return 0;
    if (otw_sqlq_app_probe(n, &sq, err) != 0) {
        otw_sqlq_free(&sq);
        return OTW_ESTORE;
    }
    sql = sqlite3_mprintf("SELECT count(*) FROM (SELECT 1 FROM session_fields WHERE %s LIMIT %d)",
                          sq.where, APP_COMMON + 1);
    if (sql == NULL || otw_sqlite_prepare(st, &s, sql, err) != 0)
        goto out;
    if (otw_sqlq_bind(s, &sq, 1) != 0 || sqlite3_step(s) != SQLITE_ROW) {
        otw_sqlite_fail(st, err, "counting a parser field");
        goto out;
    }
    if (sqlite3_column_int64(s, 0) <= APP_COMMON)
        *common = false;
    rc = 0;
out:
    sqlite3_finalize(s);
    sqlite3_free(sql);
    otw_sqlq_free(&sq);
    return rc;
}

/* The parser fields and events of one row, reusing its arrays row to row. */
struct row_app {
    struct otw_row_field *f;
    size_t nf, capf;
    struct otw_row_event *e;
    size_t ne, cape;
    char *text;             /* all strings of the row, back to back */
    size_t ntext, captext;
};

static void row_app_free(struct row_app *ra)
{
    free(ra->f);
    free(ra->e);
    free(ra->text);
}

/* Appends bytes (and a NUL) to the row's text; returns the offset or -1. */
static ssize_t text_add(struct row_app *ra, const void *p, size_t n)
{
    size_t off = ra->ntext;

    if (ra->ntext + n + 1 > ra->captext) {
        size_t nc = OTW_MAX(ra->captext * 2, ra->ntext + n + 1 + 4096);
        char *t = realloc(ra->text, nc);
        if (t == NULL)
            return -1;
        ra->text = t;
        ra->captext = nc;
    }
    if (n)
        memcpy(ra->text + off, p, n);
    ra->text[off + n] = '\0';
    ra->ntext += n + 1;
    return (ssize_t)off;
}

static int load_app(struct otw_store *st, struct otw_session_row *r, struct row_app *ra,
                    struct otw_err *err)
{
    int rc;

    ra->nf = ra->ne = ra->ntext = 0;
    if ((st->sel_fields == NULL &&
         otw_sqlite_prepare(st, &st->sel_fields,
                 "SELECT field, value, count FROM session_fields WHERE session_id = ?1"
                 " ORDER BY field, count DESC, value",
                 err) != 0) ||
        (st->sel_events == NULL &&
         otw_sqlite_prepare(st, &st->sel_events,
                 "SELECT name, count FROM session_events WHERE session_id = ?1 ORDER BY name",
                 err) != 0))
        return OTW_ESTORE;
    /* Offsets first (the text buffer may move), pointers after. */
    sqlite3_reset(st->sel_fields);
    sqlite3_bind_int64(st->sel_fields, 1, r->id);
    while ((rc = sqlite3_step(st->sel_fields)) == SQLITE_ROW) {
        struct otw_row_field *f;
        ssize_t fo, so = -1;

        if (ra->nf == ra->capf) {
            size_t nc = ra->capf ? ra->capf * 2 : 32;
            struct otw_row_field *nf = realloc(ra->f, nc * sizeof(*nf));
            if (nf == NULL)
                return OTW_ENOMEM;
            ra->f = nf;
            ra->capf = nc;
        }
        f = &ra->f[ra->nf];
        memset(f, 0, sizeof(*f));
        fo = text_add(ra, sqlite3_column_text(st->sel_fields, 0),
                      (size_t)sqlite3_column_bytes(st->sel_fields, 0));
        if (sqlite3_column_type(st->sel_fields, 1) == SQLITE_INTEGER) {
            f->is_int = true;
            f->i = sqlite3_column_int64(st->sel_fields, 1);
        } else {
            const void *b = sqlite3_column_blob(st->sel_fields, 1);
            f->slen = (size_t)sqlite3_column_bytes(st->sel_fields, 1);
            so = text_add(ra, b, f->slen);
        }
        if (fo < 0 || (!f->is_int && so < 0))
            return OTW_ENOMEM;
        f->field = (const char *)(intptr_t)fo;
        f->s = (const char *)(intptr_t)so;
        f->count = (uint64_t)sqlite3_column_int64(st->sel_fields, 2);
        ra->nf++;
    }
    if (rc != SQLITE_DONE)
        return otw_sqlite_fail(st, err, "reading session fields");
    sqlite3_reset(st->sel_events);
    sqlite3_bind_int64(st->sel_events, 1, r->id);
    while ((rc = sqlite3_step(st->sel_events)) == SQLITE_ROW) {
        ssize_t no;
        if (ra->ne == ra->cape) {
            size_t nc = ra->cape ? ra->cape * 2 : 8;
            struct otw_row_event *ne = realloc(ra->e, nc * sizeof(*ne));
            if (ne == NULL)
                return OTW_ENOMEM;
            ra->e = ne;
            ra->cape = nc;
        }
        no = text_add(ra, sqlite3_column_text(st->sel_events, 0),
                      (size_t)sqlite3_column_bytes(st->sel_events, 0));
        if (no < 0)
            return OTW_ENOMEM;
        ra->e[ra->ne].name = (const char *)(intptr_t)no;
        ra->e[ra->ne].count = (uint64_t)sqlite3_column_int64(st->sel_events, 1);
        ra->ne++;
    }
    if (rc != SQLITE_DONE)
        return otw_sqlite_fail(st, err, "reading session events");
    for (size_t i = 0; i < ra->nf; i++) {
        ra->f[i].field = ra->text + (intptr_t)ra->f[i].field;
        ra->f[i].s = ra->f[i].is_int ? NULL : ra->text + (intptr_t)ra->f[i].s;
    }
    for (size_t i = 0; i < ra->ne; i++)
        ra->e[i].name = ra->text + (intptr_t)ra->e[i].name;
    r->fields = ra->f;
    r->nfields = ra->nf;
    r->events = ra->e;
    r->nevents = ra->ne;
    return 0;
}

/* One row of OTW_SQLITE_SESSION_COLUMNS (sqlite_int.h) into r: the session
 * listing here and an alert's evidence (sqlite_alerts.c) read it alike. */
void otw_sqlite_session_row(sqlite3_stmt *s, struct otw_session_row *r)
{
    struct otw_session *x = &r->s;

    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(s, 0);
    x->first_us = sqlite3_column_int64(s, 1);
    x->last_us = sqlite3_column_int64(s, 2);
    x->ipver = (uint8_t)sqlite3_column_int(s, 3);
    x->proto = (uint8_t)sqlite3_column_int(s, 4);
    if (sqlite3_column_bytes(s, 5) == 16)
        memcpy(x->src_ip, sqlite3_column_blob(s, 5), 16);
    x->src_port = (uint16_t)sqlite3_column_int(s, 6);
    if (sqlite3_column_bytes(s, 7) == 16)
        memcpy(x->dst_ip, sqlite3_column_blob(s, 7), 16);
    x->dst_port = (uint16_t)sqlite3_column_int(s, 8);
    if (sqlite3_column_bytes(s, 9) == 6)
        memcpy(x->src_mac, sqlite3_column_blob(s, 9), 6);
    if (sqlite3_column_bytes(s, 10) == 6)
        memcpy(x->dst_mac, sqlite3_column_blob(s, 10), 6);
    if (sqlite3_column_type(s, 11) != SQLITE_NULL)
        x->vlan[x->nvlan++] = (uint16_t)sqlite3_column_int(s, 11);
    if (sqlite3_column_type(s, 12) != SQLITE_NULL)
        x->vlan[x->nvlan++] = (uint16_t)sqlite3_column_int(s, 12);
    x->src.packets = (uint64_t)sqlite3_column_int64(s, 13);
    x->src.bytes = (uint64_t)sqlite3_column_int64(s, 14);
    x->src.payload = (uint64_t)sqlite3_column_int64(s, 15);
    x->src.tcp_flags = (uint8_t)sqlite3_column_int(s, 16);
    x->dst.packets = (uint64_t)sqlite3_column_int64(s, 17);
    x->dst.bytes = (uint64_t)sqlite3_column_int64(s, 18);
    x->dst.payload = (uint64_t)sqlite3_column_int64(s, 19);
    x->dst.tcp_flags = (uint8_t)sqlite3_column_int(s, 20);
    {
        const unsigned char *t = sqlite3_column_text(s, 21);
        int stv = t ? otw_state_parse((const char *)t) : -1;
        x->state = (uint8_t)(stv < 0 ? 0 : stv);
    }
    x->icmp_type = (int16_t)(sqlite3_column_type(s, 22) == SQLITE_NULL ? -1
                                                                    : sqlite3_column_int(s, 22));
    x->icmp_code = (int16_t)(sqlite3_column_type(s, 23) == SQLITE_NULL ? -1
                                                                    : sqlite3_column_int(s, 23));
    copy_text(r->community_id, sizeof(r->community_id), sqlite3_column_text(s, 24));
    copy_text(r->protocols, sizeof(r->protocols), sqlite3_column_text(s, 25));
    x->segment = (uint16_t)sqlite3_column_int(s, 26);
    x->continued = (uint8_t)sqlite3_column_int(s, 27);
    {
        const unsigned char *t = sqlite3_column_text(s, 28);
        x->end_reason = OTW_END_EOF;
        for (int e = OTW_END_EOF; e <= OTW_END_OPEN; e++)
            if (t && strcmp((const char *)t, otw_end_name(e)) == 0)
                x->end_reason = (uint8_t)e;
    }
    copy_text(r->point, sizeof(r->point), sqlite3_column_text(s, 29));
    copy_text(r->protocol_guess, sizeof(r->protocol_guess), sqlite3_column_text(s, 30));
    copy_text(r->file, sizeof(r->file), sqlite3_column_text(s, 31));
    x->uid = (uint64_t)sqlite3_column_int64(s, 32);
}

int otw_store_sessions_query(struct otw_store *st, const struct otw_session_query *q,
                             otw_session_cb cb, void *ctx, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_sessions_query(st, q, cb, ctx, err);
    struct where *w = calloc(1, sizeof(*w));
    char *sql = NULL, *keyset = NULL;
    sqlite3_stmt *s = NULL;
    char order[256];
    const char *sortx = NULL;
    bool nullable = false, app_exists = false;
    struct row_app ra;
    int rc = OTW_ESTORE, step;

    if (w == NULL)
        return OTW_ENOMEM;
    memset(&ra, 0, sizeof(ra));
    /* a page of a query with parser fields: which form finds it fast */
    if (q->limit > 0 && q->expr != NULL) {
        int seen = 0;
        bool common = true;

        if (app_all_common(st, q->expr->root, false, &seen, &common, err) != 0)
            goto out;
        app_exists = seen > 0 && common;
    }
    if (build_where_ex(q, app_exists, w, err) != 0) {
        rc = OTW_ESYNTAX;
        goto out;
    }
    if (otw_sqlq_order_by(q->sort_field, q->sort_desc, order, sizeof(order), err) != 0 ||
        otw_sqlq_sort_expr(q->sort_field, &sortx, &nullable, err) != 0) {
        rc = OTW_EINVAL;
        goto out;
    }
    /* Keyset paging: the rows after (value, id) in the order, as a row
     * value comparison that the sort column's index serves (start_us,
     * dst_port ... each index ends with the rowid). SQLite puts NULL first
     * in ascending order, last in descending. Our parameters are numbered
     * after the expression's. */
    if (q->after != NULL) {
        int k = w->have_sq ? (int)w->sq.nbinds + 1 : 1;
        bool vnull = q->after->type == OTW_SORTV_NULL;

        if (!vnull && !q->sort_desc)
            keyset = sqlite3_mprintf(" AND ((%s, sessions.id) > (?%d, ?%d))", sortx, k, k + 1);
        else if (!vnull)
            keyset = sqlite3_mprintf(" AND ((%s, sessions.id) < (?%d, ?%d)%s%s%s)", sortx, k,
                                     k + 1, nullable ? " OR (" : "", nullable ? sortx : "",
                                     nullable ? ") IS NULL" : "");
        else if (!q->sort_desc)
            keyset = sqlite3_mprintf(" AND ((%s) IS NOT NULL OR ((%s) IS NULL AND sessions.id >"
                                     " ?%d)) AND ?%d IS NULL",
                                     sortx, sortx, k + 1, k);
        else
            keyset = sqlite3_mprintf(" AND (%s) IS NULL AND sessions.id < ?%d AND ?%d IS NULL",
                                     sortx, k + 1, k);
        if (keyset == NULL) {
            rc = OTW_ENOMEM;
            goto out;
        }
    }
#define SESSION_COLUMNS "SELECT " OTW_SQLITE_SESSION_COLUMNS ", %s"
    if (q->limit > 0)
        /* A page: the ids are chosen and sorted first, the rows read after,
         * so that a sort of many matches carries two values per row, not
         * every column and the point and file names. */
        sql = sqlite3_mprintf(SESSION_COLUMNS " FROM sessions WHERE sessions.id IN"
                              " (SELECT sessions.id FROM sessions%s%s ORDER BY %s LIMIT %lld"
                              " OFFSET %lld) ORDER BY %s",
                              sortx, w->text, keyset ? keyset : "", order, (long long)q->limit,
                              (long long)(q->offset > 0 ? q->offset : 0), order);
    else
        sql = sqlite3_mprintf(SESSION_COLUMNS " FROM sessions%s%s ORDER BY %s LIMIT -1 OFFSET %lld",
                              sortx, w->text, keyset ? keyset : "", order,
                              (long long)(q->offset > 0 ? q->offset : 0));
#undef SESSION_COLUMNS
    if (sql == NULL) {
        rc = OTW_ENOMEM;
        goto out;
    }
    if (otw_sqlite_prepare(st, &s, sql, err) != 0)
        goto out;
    if (w->have_sq && otw_sqlq_bind(s, &w->sq, 1) != 0) {
        otw_sqlite_fail(st, err, "binding query values");
        goto out;
    }
    if (q->after != NULL) {
        int k = w->have_sq ? (int)w->sq.nbinds + 1 : 1, brc;
        const struct otw_sortv *a = q->after;

        switch (a->type) {
        case OTW_SORTV_INT: brc = sqlite3_bind_int64(s, k, a->i); break;
        case OTW_SORTV_TEXT:
            brc = sqlite3_bind_text(s, k, (const char *)a->b, (int)OTW_MIN(a->len, sizeof(a->b)),
                                    SQLITE_TRANSIENT);
            break;
        case OTW_SORTV_BLOB:
            brc = sqlite3_bind_blob(s, k, a->b, (int)OTW_MIN(a->len, sizeof(a->b)),
                                    SQLITE_TRANSIENT);
            break;
        default: brc = sqlite3_bind_null(s, k); break;
        }
        if (brc != SQLITE_OK || sqlite3_bind_int64(s, k + 1, q->after_id) != SQLITE_OK) {
            otw_sqlite_fail(st, err, "binding the page cursor");
            goto out;
        }
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct otw_session_row r;

        otw_sqlite_session_row(s, &r);
        switch (sqlite3_column_type(s, 33)) {
        case SQLITE_INTEGER:
            r.sortv.type = OTW_SORTV_INT;
            r.sortv.i = sqlite3_column_int64(s, 33);
            break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
            bool text = sqlite3_column_type(s, 33) == SQLITE_TEXT;
            const void *b = text ? (const void *)sqlite3_column_text(s, 33)
                                 : sqlite3_column_blob(s, 33);

            r.sortv.type = text ? OTW_SORTV_TEXT : OTW_SORTV_BLOB;
            r.sortv.len = OTW_MIN((size_t)sqlite3_column_bytes(s, 33), sizeof(r.sortv.b));
            if (b != NULL && r.sortv.len > 0)
                memcpy(r.sortv.b, b, r.sortv.len);
            break;
        }
        default:
            r.sortv.type = OTW_SORTV_NULL;  /* (a REAL never: sort fields are integers) */
            break;
        }
        if (!q->skip_app && load_app(st, &r, &ra, err) != 0)
            goto out;
        if (cb(ctx, &r) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading sessions");
        goto out;
    }
    rc = 0;
out:
    row_app_free(&ra);
    sqlite3_finalize(s);
    sqlite3_free(sql);
    sqlite3_free(keyset);
    where_free(w);
    free(w);
    return rc;
}

int otw_store_sessions_count(struct otw_store *st, const struct otw_session_query *q, int64_t cap,
                             int64_t *n, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_sessions_count(st, q, cap, n, err);
    struct where *w = calloc(1, sizeof(*w));
    char *sql = NULL;
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE, step;

    *n = 0;
    if (w == NULL)
        return OTW_ENOMEM;
    if (build_where(q, w, err) != 0) {
        rc = OTW_ESYNTAX;
        goto out;
    }
    /* The inner LIMIT stops the scan at cap + 1 matching rows. */
    sql = sqlite3_mprintf("SELECT count(*) FROM (SELECT 1 FROM sessions%s LIMIT %lld)", w->text,
                          (long long)(cap > 0 ? cap + 1 : -1));
    if (sql == NULL) {
        rc = OTW_ENOMEM;
        goto out;
    }
    if (otw_sqlite_prepare(st, &s, sql, err) != 0)
        goto out;
    if (w->have_sq && otw_sqlq_bind(s, &w->sq, 1) != 0) {
        otw_sqlite_fail(st, err, "binding query values");
        goto out;
    }
    step = sqlite3_step(s);
    if (step != SQLITE_ROW) {
        otw_sqlite_fail(st, err, "counting sessions");
        goto out;
    }
    *n = sqlite3_column_int64(s, 0);
    rc = 0;
out:
    sqlite3_finalize(s);
    sqlite3_free(sql);
    where_free(w);
    free(w);
    return rc;
}

int otw_store_hosts_query(struct otw_store *st, const struct otw_session_query *q, otw_host_cb cb,
                          void *ctx, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_hosts_query(st, q, cb, ctx, err);
    struct where *w = calloc(1, sizeof(*w));
    char *sql = NULL;
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE, step;

    if (w == NULL)
        return OTW_ENOMEM;
    if (build_where(q, w, err) != 0) {
        rc = OTW_ESYNTAX;
        goto out;
    }
    /* One row per address: its side of every matching session. The
     * binds of the WHERE clause are used twice (numbered ?NNN), so the
     * matching set is materialised once. */
    sql = sqlite3_mprintf(
        "WITH m AS MATERIALIZED (SELECT * FROM sessions%s),"
        " e AS (SELECT src_ip AS ip, src_mac AS mac, 1 AS out, dst_ip AS peer,"
        "         src_bytes AS tx, dst_bytes AS rx, start_us, end_us, NULL AS svc FROM m"
        "       UNION ALL"
        "       SELECT dst_ip, dst_mac, 0, src_ip, dst_bytes, src_bytes, start_us, end_us,"
        "         CASE WHEN state IN ('attempt', 'rejected') THEN NULL"
        "           ELSE dst_port || '/' || CASE proto WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp'"
        "           ELSE 'ip' || proto END END FROM m WHERE proto IN (6, 17, 132)),"
        " svc AS (SELECT ip, svc, COUNT(*) AS n FROM e WHERE svc IS NOT NULL"
        "         GROUP BY ip, svc)"
        " SELECT e.ip, MAX(e.mac), SUM(e.out), SUM(1 - e.out), COUNT(DISTINCT e.peer),"
        "  SUM(e.tx), SUM(e.rx), MIN(e.start_us), MAX(e.end_us),"
        "  (SELECT group_concat(svc, ' ') FROM (SELECT svc FROM svc WHERE svc.ip = e.ip"
        "     ORDER BY n DESC, svc LIMIT 8))"
        " FROM e GROUP BY e.ip ORDER BY SUM(e.tx) + SUM(e.rx) DESC, e.ip"
        " LIMIT %lld",
        w->text, (long long)(q->limit > 0 ? q->limit : -1));
    if (sql == NULL) {
        rc = OTW_ENOMEM;
        goto out;
    }
    if (otw_sqlite_prepare(st, &s, sql, err) != 0)
        goto out;
    if (w->have_sq && otw_sqlq_bind(s, &w->sq, 1) != 0) {
        otw_sqlite_fail(st, err, "binding query values");
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct otw_host_row h;

        memset(&h, 0, sizeof(h));
        if (sqlite3_column_bytes(s, 0) == 16)
            memcpy(h.ip, sqlite3_column_blob(s, 0), 16);
        if (sqlite3_column_bytes(s, 1) == 6) {
            memcpy(h.mac, sqlite3_column_blob(s, 1), 6);
            h.has_mac = true;
        }
        h.sessions_out = (uint64_t)sqlite3_column_int64(s, 2);
        h.sessions_in = (uint64_t)sqlite3_column_int64(s, 3);
        h.peers = (uint64_t)sqlite3_column_int64(s, 4);
        h.bytes_out = (uint64_t)sqlite3_column_int64(s, 5);
        h.bytes_in = (uint64_t)sqlite3_column_int64(s, 6);
        h.first_us = sqlite3_column_int64(s, 7);
        h.last_us = sqlite3_column_int64(s, 8);
        copy_text(h.ports_served, sizeof(h.ports_served), sqlite3_column_text(s, 9));
        if (cb(ctx, &h) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading hosts");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    sqlite3_free(sql);
    where_free(w);
    free(w);
    return rc;
}
