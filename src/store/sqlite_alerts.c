/*
 * sqlite_alerts.c - the alerts tables of the SQLite store (store_alerts.h).
 *
 * alerts: one row per alert (per cause, aggregated); alert_evidence: the
 * session record uids behind it, at most OTW_ALERT_EVIDENCE_MAX per alert;
 * alert_files: each imported file's share of an alert's count, so a file
 * imported again can take its share back out first.
 *
 * Written by the writer thread's handle inside the file's (or the live
 * writer's) transaction; read and updated by `otwatch alerts`.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "store/sqlite_int.h"

/* Schema migration: the alerts tables. */
const char otw_sqlite_migration_alerts[] =
    "CREATE TABLE alerts ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " severity INTEGER NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0,"
    " key TEXT NOT NULL,"
    " src BLOB, dst BLOB, mac BLOB,"
    " proto INTEGER NOT NULL DEFAULT 0,"
    " port INTEGER NOT NULL DEFAULT 0,"
    " src_label TEXT, dst_label TEXT,"
    " detail TEXT NOT NULL DEFAULT '',"
    " count INTEGER NOT NULL DEFAULT 0,"
    " first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
    " point_id INTEGER,"
    " text_en TEXT NOT NULL DEFAULT '', text_ja TEXT NOT NULL DEFAULT '',"
    " created_us INTEGER, updated_us INTEGER,"
    " status_us INTEGER, status_by TEXT, status_note TEXT);"
    "CREATE INDEX alerts_key ON alerts(key, status);"
    "CREATE INDEX alerts_last ON alerts(last_us);"
    "CREATE TABLE alert_evidence ("
    " alert_id INTEGER NOT NULL, uid INTEGER NOT NULL, file_id INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (alert_id, uid)) WITHOUT ROWID;"
    "CREATE INDEX alert_evidence_file ON alert_evidence(file_id);"
    "CREATE TABLE alert_files ("
    " alert_id INTEGER NOT NULL, file_id INTEGER NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (alert_id, file_id)) WITHOUT ROWID;"
    "CREATE INDEX alert_files_file ON alert_files(file_id);";

static int64_t wall_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
    snprintf(dst, len, "%s", src ? (const char *)src : "");
}

static int step_done(struct otw_store *st, sqlite3_stmt *s, struct otw_err *err,
                     const char *what)
{
    int rc = sqlite3_step(s);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return otw_sqlite_fail(st, err, what);
    return 0;
}

int otw_store_alert_put(struct otw_store *st, struct otw_alert *a, int64_t file_id,
                        uint64_t file_count, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_alert_put(st, a, file_id, file_count, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;
    int64_t now = wall_us();

    if (a->id == 0) {
        if (otw_sqlite_prepare(st, &s,
                               "INSERT INTO alerts(kind, severity, status, key, src, dst, mac,"
                               " proto, port, src_label, dst_label, detail, count, first_us,"
                               " last_us, point_id, text_en, text_ja, created_us, updated_us)"
                               " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
                               "?16,?17,?18,?19,?19)",
                               err) != 0)
            return OTW_ESTORE;
        sqlite3_bind_int(s, 3, a->status);
    } else {
        if (otw_sqlite_prepare(st, &s,
                               "UPDATE alerts SET kind=?1, severity=?2, key=?4, src=?5, dst=?6,"
                               " mac=?7, proto=?8, port=?9, src_label=?10, dst_label=?11,"
                               " detail=?12, count=?13, first_us=?14, last_us=?15,"
                               " point_id=?16, text_en=?17, text_ja=?18, updated_us=?19"
                               " WHERE id=?20 AND status != 2",
                               err) != 0)
            return OTW_ESTORE;
        sqlite3_bind_int64(s, 20, a->id);
    }
    sqlite3_bind_text(s, 1, otw_alert_kind_name(a->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, a->severity);
    sqlite3_bind_text(s, 4, a->key, -1, SQLITE_STATIC);
    if (a->has_src)
        sqlite3_bind_blob(s, 5, a->src, 16, SQLITE_STATIC);
    if (a->has_dst)
        sqlite3_bind_blob(s, 6, a->dst, 16, SQLITE_STATIC);
    if (a->has_mac)
        sqlite3_bind_blob(s, 7, a->mac, 6, SQLITE_STATIC);
    sqlite3_bind_int(s, 8, a->proto);
    sqlite3_bind_int(s, 9, a->port);
    sqlite3_bind_text(s, 10, a->src_label, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 11, a->dst_label, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 12, a->detail, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 13, (sqlite3_int64)a->count);
    sqlite3_bind_int64(s, 14, a->first_us);
    sqlite3_bind_int64(s, 15, a->last_us);
    if (a->point_id != 0)
        sqlite3_bind_int64(s, 16, a->point_id);
    sqlite3_bind_text(s, 17, a->text[OTW_LANG_EN], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 18, a->text[OTW_LANG_JA], -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 19, now);
    if (step_done(st, s, err, "storing an alert") != 0)
        goto out;
    if (a->id != 0 && sqlite3_changes(st->db) == 0) {
        rc = 1;     /* resolved (or deleted) meanwhile: it absorbs nothing */
        goto out;
    }
    if (a->id == 0)
        a->id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(s);
    s = NULL;
    if (file_count > 0) {
        if (otw_sqlite_prepare(st, &s,
                               "INSERT INTO alert_files(alert_id, file_id, count)"
                               " VALUES (?1, ?2, ?3) ON CONFLICT(alert_id, file_id)"
                               " DO UPDATE SET count = count + excluded.count",
                               err) != 0)
            goto out;
        sqlite3_bind_int64(s, 1, a->id);
        sqlite3_bind_int64(s, 2, file_id);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)file_count);
        if (step_done(st, s, err, "storing an alert's file share") != 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_alert_evidence_add(struct otw_store *st, int64_t alert_id, uint64_t uid,
                                 int64_t file_id, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_alert_evidence_add(st, alert_id, uid, file_id, err);
    sqlite3_stmt *s = NULL;
    int rc;

    if (otw_sqlite_prepare(st, &s,
                           "INSERT OR IGNORE INTO alert_evidence(alert_id, uid, file_id)"
                           " SELECT ?1, ?2, ?3 WHERE (SELECT COUNT(*) FROM alert_evidence"
                           " WHERE alert_id = ?1) < ?4",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, alert_id);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)uid);
    sqlite3_bind_int64(s, 3, file_id);
    sqlite3_bind_int(s, 4, OTW_ALERT_EVIDENCE_MAX);
    rc = step_done(st, s, err, "storing alert evidence");
    sqlite3_finalize(s);
    return rc;
}

int otw_store_alerts_query(struct otw_store *st, const struct otw_alert_query *q, otw_alert_cb cb,
                           void *ctx, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_alerts_query(st, q, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    char sql[1400];
    int n, step, rc = OTW_ESTORE;

    n = snprintf(sql, sizeof(sql),
                 "SELECT id, kind, severity, status, key, src, dst, mac, proto, port,"
                 " IFNULL(src_label,''), IFNULL(dst_label,''), detail, count, first_us, last_us,"
                 " IFNULL(point_id,0), text_en, text_ja, IFNULL(created_us,0),"
                 " IFNULL(updated_us,0), IFNULL(status_us,0), IFNULL(status_by,''),"
                 " IFNULL(status_note,'') FROM alerts WHERE 1");
    if (q->id > 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND id = ?1");
    if (q->status >= 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND status = ?2");
    else if (q->status == -2)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND status != %d", OTW_AS_RESOLVED);
    if (q->kind >= 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND kind = ?3");
    if (q->since_us != 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND last_us >= ?4");
    if (q->until_us != 0)
        n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND first_us < ?5");
    snprintf(sql + n, sizeof(sql) - (size_t)n, " ORDER BY last_us DESC, id DESC LIMIT ?6");
    if (otw_sqlite_prepare(st, &s, sql, err) != 0)
        return OTW_ESTORE;
    if (q->id > 0)
        sqlite3_bind_int64(s, 1, q->id);
    if (q->status >= 0)
        sqlite3_bind_int(s, 2, q->status);
    if (q->kind >= 0)
        sqlite3_bind_text(s, 3, otw_alert_kind_name(q->kind), -1, SQLITE_STATIC);
    if (q->since_us != 0)
        sqlite3_bind_int64(s, 4, q->since_us);
    if (q->until_us != 0)
        sqlite3_bind_int64(s, 5, q->until_us);
    sqlite3_bind_int64(s, 6, q->limit > 0 ? q->limit : -1);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct otw_alert a;
        struct otw_alert_meta m;
        const unsigned char *k = sqlite3_column_text(s, 1);

        memset(&a, 0, sizeof(a));
        memset(&m, 0, sizeof(m));
        a.id = sqlite3_column_int64(s, 0);
        a.kind = k ? otw_alert_kind_parse((const char *)k) : -1;
        if (a.kind < 0)
            continue;   /* a kind this version does not know */
        a.severity = sqlite3_column_int(s, 2);
        a.status = sqlite3_column_int(s, 3);
        copy_text(a.key, sizeof(a.key), sqlite3_column_text(s, 4));
        if (sqlite3_column_bytes(s, 5) == 16) {
            memcpy(a.src, sqlite3_column_blob(s, 5), 16);
            a.has_src = true;
        }
        if (sqlite3_column_bytes(s, 6) == 16) {
            memcpy(a.dst, sqlite3_column_blob(s, 6), 16);
            a.has_dst = true;
        }
        if (sqlite3_column_bytes(s, 7) == 6) {
            memcpy(a.mac, sqlite3_column_blob(s, 7), 6);
            a.has_mac = true;
        }
        a.proto = (uint8_t)sqlite3_column_int(s, 8);
        a.port = (uint16_t)sqlite3_column_int(s, 9);
        copy_text(a.src_label, sizeof(a.src_label), sqlite3_column_text(s, 10));
        copy_text(a.dst_label, sizeof(a.dst_label), sqlite3_column_text(s, 11));
        copy_text(a.detail, sizeof(a.detail), sqlite3_column_text(s, 12));
        a.count = (uint64_t)sqlite3_column_int64(s, 13);
        a.first_us = sqlite3_column_int64(s, 14);
        a.last_us = sqlite3_column_int64(s, 15);
        a.point_id = sqlite3_column_int64(s, 16);
        copy_text(a.text[OTW_LANG_EN], sizeof(a.text[0]), sqlite3_column_text(s, 17));
        copy_text(a.text[OTW_LANG_JA], sizeof(a.text[1]), sqlite3_column_text(s, 18));
        m.created_us = sqlite3_column_int64(s, 19);
        m.updated_us = sqlite3_column_int64(s, 20);
        m.status_us = sqlite3_column_int64(s, 21);
        copy_text(m.status_by, sizeof(m.status_by), sqlite3_column_text(s, 22));
        copy_text(m.status_note, sizeof(m.status_note), sqlite3_column_text(s, 23));
        if (cb(ctx, &a, &m) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading alerts");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_alert_evidence(struct otw_store *st, int64_t alert_id, otw_alert_uid_cb cb,
                             void *ctx, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_alert_evidence(st, alert_id, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    int step, rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "SELECT uid FROM alert_evidence WHERE alert_id = ?1 ORDER BY uid",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, alert_id);
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        if (cb(ctx, (uint64_t)sqlite3_column_int64(s, 0)) != 0) {
            step = SQLITE_DONE;
            break;
        }
    if (step != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading alert evidence");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_alert_sessions(struct otw_store *st, int64_t alert_id, otw_session_cb cb,
                             void *ctx, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_alert_sessions(st, alert_id, cb, ctx, err);
    sqlite3_stmt *s = NULL;
    int step, rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "SELECT " OTW_SQLITE_SESSION_COLUMNS
                           " FROM alert_evidence e JOIN sessions ON sessions.uid = e.uid"
                           " WHERE e.alert_id = ?1 ORDER BY sessions.start_us",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, alert_id);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct otw_session_row r;

        otw_sqlite_session_row(s, &r);
        if (cb(ctx, &r) != 0) {
            step = SQLITE_DONE;
            break;
        }
    }
    if (step != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading alert sessions");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_alert_set_status(struct otw_store *st, int64_t id, int status, const char *by,
                               const char *note, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_alert_set_status(st, id, status, by, note, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s,
                           "UPDATE alerts SET status = ?2, status_us = ?3, status_by = ?4,"
                           " status_note = ?5 WHERE id = ?1",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, status);
    sqlite3_bind_int64(s, 3, wall_us());
    if (by != NULL)
        sqlite3_bind_text(s, 4, by, -1, SQLITE_STATIC);
    if (note != NULL)
        sqlite3_bind_text(s, 5, note, -1, SQLITE_STATIC);
    if (step_done(st, s, err, "changing an alert's status") != 0)
        goto out;
    if (sqlite3_changes(st->db) == 0) {
        otw_err_set(err, -1, "no alert with id %lld", (long long)id);
        rc = OTW_ENOTFOUND;
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_alerts_forget_file(struct otw_store *st, int64_t file_id, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_alerts_forget_file(st, file_id, err);
    static const char *const sql[] = {
        "UPDATE alerts SET count = count - (SELECT f.count FROM alert_files f"
        " WHERE f.alert_id = alerts.id AND f.file_id = ?1)"
        " WHERE id IN (SELECT alert_id FROM alert_files WHERE file_id = ?1)",
        "DELETE FROM alert_files WHERE file_id = ?1",
        "DELETE FROM alert_evidence WHERE file_id = ?1",
        "DELETE FROM alert_evidence WHERE alert_id IN (SELECT id FROM alerts WHERE count <= 0)",
        "DELETE FROM alert_files WHERE alert_id IN (SELECT id FROM alerts WHERE count <= 0)",
        "DELETE FROM alerts WHERE count <= 0",
    };
    if (file_id <= 0)
        return 0;
    return otw_sqlite_file_statements(st, sql, OTW_ARRAY_LEN(sql), file_id,
                                      "taking a file's share out of the alerts", err);
}
