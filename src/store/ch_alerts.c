/*
 * ch_alerts.c - the alerts tables of the ClickHouse store (store_alerts.h,
 * ch_detect.h).
 *
 *   alerts          one versioned row per alert and save (every column but
 *                   the status; the newest wins; deleted = 1 when a file
 *                   taken out left it with nothing)
 *   alert_status    what people set: status, when, by whom, note
 *   alert_evidence  (alert, session uid) links; read capped at
 *                   OTW_ALERT_EVIDENCE_MAX, the first linked kept
 *   alert_files     each file's share of an alert's count, as increments
 *
 * An alert belongs to the node that raised it (its detector writes it;
 * people may acknowledge it from any node). Its id is 53 bits of a hash of
 * the node, the alert's key and the microsecond it was created, so ids of
 * different sensors do not meet, a batch sent twice replaces itself, and a
 * browser keeps the id exactly. The capture point is stored by name (point
 * ids are each node's own) and read back as this node's id of that name.
 *
 * The detector's saves go through the batches (ch_spool.c: they go with the
 * file, or are spooled while the server is away); every read first sends
 * what the handle batched, so it sees its own writes. What people do (the
 * status) and the removals of forget_file are sent at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

#define ALERT_COLS                                                                          \
    "ver, node, id, kind, severity, key, has_src, src, has_dst, dst, has_mac, mac, proto,"   \
    " port, src_label, dst_label, detail, count, first_us, last_us, point, text_en,"         \
    " text_ja, created_us, updated_us, deleted"
#define STATUS_COLS "ver, node, id, status, status_us, status_by, status_note"
#define EV_COLS "ver, node, alert_id, uid, file_id, deleted"
#define FILES_COLS "ver, rid, node, alert_id, file_id, count"

static int64_t wall_us(void)
{
    return (int64_t)otw_chd_ver();
}

/* point: the name of the alert's capture point. */
static void alert_row(struct otw_sb *r, uint64_t ver, const struct otw_alert *a,
                      const char *point, int64_t created_us, int64_t updated_us, int deleted)
{
    const char *node = otw_store_node();
    const char *kind = otw_alert_kind_name(a->kind);

    otw_rb_u64(r, ver);
    otw_rb_str(r, node, strlen(node));
    otw_rb_u64(r, (uint64_t)a->id);
    otw_rb_str(r, kind, strlen(kind));
    otw_rb_u8(r, (uint8_t)a->severity);
    otw_rb_str(r, a->key, strnlen(a->key, sizeof(a->key)));
    otw_rb_u8(r, a->has_src);
    otw_rb_fixed(r, a->src, 16, 16);
    otw_rb_u8(r, a->has_dst);
    otw_rb_fixed(r, a->dst, 16, 16);
    otw_rb_u8(r, a->has_mac);
    otw_rb_fixed(r, a->mac, 6, 6);
    otw_rb_u8(r, a->proto);
    otw_rb_u16(r, a->port);
    otw_rb_str(r, a->src_label, strnlen(a->src_label, sizeof(a->src_label)));
    otw_rb_str(r, a->dst_label, strnlen(a->dst_label, sizeof(a->dst_label)));
    otw_rb_str(r, a->detail, strnlen(a->detail, sizeof(a->detail)));
    otw_rb_u64(r, a->count);
    otw_rb_i64(r, a->first_us);
    otw_rb_i64(r, a->last_us);
    otw_rb_str(r, point, strlen(point));
    otw_rb_str(r, a->text[OTW_LANG_EN], strnlen(a->text[OTW_LANG_EN], sizeof(a->text[0])));
    otw_rb_str(r, a->text[OTW_LANG_JA], strnlen(a->text[OTW_LANG_JA], sizeof(a->text[1])));
    otw_rb_i64(r, created_us);
    otw_rb_i64(r, updated_us);
    otw_rb_u8(r, (uint8_t)deleted);
}

static void status_row(struct otw_sb *r, int64_t id, int status, int64_t when, const char *by,
                       const char *note)
{
    const char *node = otw_store_node();

    otw_rb_u64(r, otw_chd_ver());
    otw_rb_str(r, node, strlen(node));
    otw_rb_u64(r, (uint64_t)id);
    otw_rb_u8(r, (uint8_t)status);
    otw_rb_i64(r, when);
    otw_rb_str(r, by ? by : "", by ? strlen(by) : 0);
    otw_rb_str(r, note ? note : "", note ? strlen(note) : 0);
}

/* --- what is stored of one alert (put, set_status, forget_file) ---------------------- */

struct state {
    uint64_t rows;          /* versions of the alert found */
    int64_t created_us;
    int deleted;
    int status;
};

static int on_state(void *p, json_t *row)
{
    struct state *s = p;

    if (otw_chj_int(row, "w") == 1) {
        s->rows = (uint64_t)otw_chj_int(row, "n");
        s->created_us = otw_chj_int(row, "c");
        s->deleted = (int)otw_chj_int(row, "d");
    } else if (otw_chj_int(row, "n") > 0) {
        s->status = (int)otw_chj_int(row, "d");
    }
    return 0;
}

static int alert_state(struct otw_store *st, int64_t id, struct state *s, struct otw_err *err)
{
    struct otw_sb q = {0};
    char ta[160], ts[160];

    memset(s, 0, sizeof(*s));
    otw_sb_printf(&q,
                  "SELECT toUInt8(1) AS w, count() AS n, toInt64(argMax(created_us, ver)) AS c,"
                  " toInt64(argMax(deleted, ver)) AS d FROM %s WHERE id = %lld"
                  " UNION ALL SELECT toUInt8(2) AS w, count() AS n, toInt64(0) AS c,"
                  " toInt64(argMax(status, ver)) AS d FROM %s WHERE id = %lld",
                  otw_chd_rt(st, "alerts", ta, sizeof(ta)), (long long)id,
                  otw_chd_rt(st, "alert_status", ts, sizeof(ts)), (long long)id);
    return otw_chd_query(st, &q, on_state, s, err);
}

static int64_t new_id(const struct otw_alert *a, uint64_t ver)
{
    const char *node = otw_store_node();
    uint64_t h = otw_chd_hash(node, strlen(node), 0x616c6572);

    h = otw_chd_hash(a->key, strnlen(a->key, sizeof(a->key)), h);
    return otw_chd_id53(otw_chd_hash(&ver, sizeof(ver), h));
}

int otw_ch_alert_put(struct otw_store *st, struct otw_alert *a, int64_t file_id,
                     uint64_t file_count, struct otw_err *err)
{
    struct otw_sb r = {0};
    uint64_t ver = otw_chd_ver();
    int64_t now = (int64_t)ver, created = now;
    bool fresh = a->id == 0;
    char point[128];
    int rc;

    if (!fresh) {
        struct state s;
        rc = alert_state(st, a->id, &s, err);
        if (rc == 0 && (s.deleted || s.status == OTW_AS_RESOLVED))
            return 1;   /* resolved (or deleted) meanwhile: it absorbs nothing */
        if (rc == 0 && s.rows > 0 && s.created_us != 0)
            created = s.created_us;
        else if (rc != 0 && rc != OTW_EIO)
            return rc;
        /* server unreachable: the row goes to the spool, created is a guess */
    } else {
        a->id = new_id(a, ver);
    }
    otw_chd_point_name(st, a->point_id, point, sizeof(point));
    alert_row(&r, ver, a, point, created, now, 0);
    rc = otw_chd_add(st, "alerts", ALERT_COLS, &r, err);
    if (rc == 0 && fresh && a->status != OTW_AS_OPEN) {
        status_row(&r, a->id, a->status, now, NULL, NULL);
        rc = otw_chd_add(st, "alert_status", STATUS_COLS, &r, err);
    }
    if (rc == 0 && file_count > 0) {
        const char *node = otw_store_node();
        uint64_t k[3] = {(uint64_t)a->id, (uint64_t)file_id, ver};
        otw_rb_u64(&r, ver);
        otw_rb_u64(&r, otw_chd_hash(k, sizeof(k), otw_chd_hash(node, strlen(node), 7)));
        otw_rb_str(&r, node, strlen(node));
        otw_rb_u64(&r, (uint64_t)a->id);
        otw_rb_i64(&r, file_id);
        otw_rb_i64(&r, (int64_t)file_count);
        rc = otw_chd_add(st, "alert_files", FILES_COLS, &r, err);
    }
    otw_sb_free(&r);
    return rc;
}

int otw_ch_alert_evidence_add(struct otw_store *st, int64_t alert_id, uint64_t uid,
                              int64_t file_id, struct otw_err *err)
{
    const char *node = otw_store_node();
    struct otw_sb r = {0};
    int rc;

    otw_rb_u64(&r, otw_chd_ver());
    otw_rb_str(&r, node, strlen(node));
    otw_rb_u64(&r, (uint64_t)alert_id);
    otw_rb_u64(&r, uid);
    otw_rb_i64(&r, file_id);
    otw_rb_u8(&r, 0);
    rc = otw_chd_add(st, "alert_evidence", EV_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

/* --- listing ------------------------------------------------------------------------ */

struct qctx {
    struct otw_store *st;
    otw_alert_cb cb;
    void *ctx;
    bool stopped;
    /* forget_file: the rows as stored, to write again */
    void (*raw)(void *raw_ctx, const struct otw_alert *a, const char *point, int64_t created);
    void *raw_ctx;
};

static void hex_opt(json_t *row, const char *has, const char *col, uint8_t *out, size_t n,
                    bool *flag)
{
    *flag = otw_chj_int(row, has) != 0 && otw_chj_hex(row, col, out, n) == n;
    if (!*flag)
        memset(out, 0, n);
}

static int on_alert(void *p, json_t *row)
{
    struct qctx *c = p;
    struct otw_alert *a = calloc(1, sizeof(*a));
    struct otw_alert_meta m;
    const char *point = otw_chj_str(row, "point");
    int rc = 0;

    if (a == NULL)
        return OTW_ENOMEM;
    memset(&m, 0, sizeof(m));
    a->id = otw_chj_int(row, "id");
    a->kind = otw_alert_kind_parse(otw_chj_str(row, "kind"));
    if (a->kind < 0)
        goto out;       /* a kind this version does not know */
    a->severity = (int)otw_chj_int(row, "severity");
    a->status = (int)otw_chj_int(row, "st");
    snprintf(a->key, sizeof(a->key), "%s", otw_chj_str(row, "key"));
    hex_opt(row, "has_src", "src", a->src, 16, &a->has_src);
    hex_opt(row, "has_dst", "dst", a->dst, 16, &a->has_dst);
    hex_opt(row, "has_mac", "mac", a->mac, 6, &a->has_mac);
    a->proto = (uint8_t)otw_chj_int(row, "proto");
    a->port = (uint16_t)otw_chj_int(row, "port");
    snprintf(a->src_label, sizeof(a->src_label), "%s", otw_chj_str(row, "src_label"));
    snprintf(a->dst_label, sizeof(a->dst_label), "%s", otw_chj_str(row, "dst_label"));
    snprintf(a->detail, sizeof(a->detail), "%s", otw_chj_str(row, "detail"));
    a->count = (uint64_t)otw_chj_int(row, "count");
    a->first_us = otw_chj_int(row, "first_us");
    a->last_us = otw_chj_int(row, "last_us");
    a->point_id = otw_chd_point_id(c->st, point);
    snprintf(a->text[OTW_LANG_EN], sizeof(a->text[0]), "%s", otw_chj_str(row, "text_en"));
    snprintf(a->text[OTW_LANG_JA], sizeof(a->text[1]), "%s", otw_chj_str(row, "text_ja"));
    m.created_us = otw_chj_int(row, "created_us");
    m.updated_us = otw_chj_int(row, "updated_us");
    m.status_us = otw_chj_int(row, "sus");
    snprintf(m.status_by, sizeof(m.status_by), "%s", otw_chj_str(row, "sby"));
    snprintf(m.status_note, sizeof(m.status_note), "%s", otw_chj_str(row, "snote"));
    if (c->raw != NULL) {
        c->raw(c->raw_ctx, a, point, m.created_us);
    } else if (c->cb(c->ctx, a, &m) != 0) {
        c->stopped = true;
        rc = 1;
    }
out:
    free(a);
    return rc;
}

/* ids: " AND id IN (...)" or "" */
static int query_alerts(struct otw_store *st, const struct otw_alert_query *q, const char *ids,
                        struct qctx *c, struct otw_err *err)
{
    struct otw_sb s = {0}, own = {0};
    char ta[160], ts[160], idw[64] = "";
    int rc;

    if (q->id > 0)
        snprintf(idw, sizeof(idw), " AND id = %lld", (long long)q->id);
    if (q->this_node) {
        const char *node = otw_store_node();
        otw_sb_puts(&own, " AND node = ");
        otw_sb_str(&own, node, strlen(node));
        if (own.oom)
            return OTW_ENOMEM;
    }
    otw_sb_printf(&s,
                  "SELECT id, kind_ AS kind, severity_ AS severity, key_ AS key, has_src_ AS "
                  "has_src, hex(src_) AS src, has_dst_ AS has_dst, hex(dst_) AS dst, has_mac_ AS "
                  "has_mac, hex(mac_) AS mac, proto_ AS proto, port_ AS port, src_label_ AS "
                  "src_label, dst_label_ AS dst_label, detail_ AS detail, count_ AS count, "
                  "first_us_ AS first_us, last_us_ AS last_us, point_ AS point, text_en_ AS "
                  "text_en, text_ja_ AS text_ja, created_us_ AS created_us, updated_us_ AS "
                  "updated_us, st, sus, sby, snote FROM"
                  " (SELECT id, argMax(kind, ver) AS kind_, argMax(severity, ver) AS severity_,"
                  " argMax(key, ver) AS key_, argMax(has_src, ver) AS has_src_,"
                  " argMax(src, ver) AS src_, argMax(has_dst, ver) AS has_dst_,"
                  " argMax(dst, ver) AS dst_, argMax(has_mac, ver) AS has_mac_,"
                  " argMax(mac, ver) AS mac_, argMax(proto, ver) AS proto_,"
                  " argMax(port, ver) AS port_, argMax(src_label, ver) AS src_label_,"
                  " argMax(dst_label, ver) AS dst_label_, argMax(detail, ver) AS detail_,"
                  " argMax(count, ver) AS count_, argMax(first_us, ver) AS first_us_,"
                  " argMax(last_us, ver) AS last_us_, argMax(point, ver) AS point_,"
                  " argMax(text_en, ver) AS text_en_, argMax(text_ja, ver) AS text_ja_,"
                  " argMax(created_us, ver) AS created_us_, argMax(updated_us, ver) AS updated_us_,"
                  " argMax(deleted, ver) AS del FROM %s WHERE 1%s%s%s GROUP BY id HAVING del = 0)"
                  " ANY LEFT JOIN"
                  " (SELECT id, argMax(status, ver) AS st, argMax(status_us, ver) AS sus,"
                  " argMax(status_by, ver) AS sby, argMax(status_note, ver) AS snote"
                  " FROM %s WHERE 1%s%s GROUP BY id) USING id WHERE 1",
                  otw_chd_rt(st, "alerts", ta, sizeof(ta)), idw, ids, own.p ? own.p : "",
                  otw_chd_rt(st, "alert_status", ts, sizeof(ts)), idw, ids);
    otw_sb_free(&own);
    if (q->status >= 0)
        otw_sb_printf(&s, " AND st = %d", q->status);
    else if (q->status == -2)
        otw_sb_printf(&s, " AND st != %d", OTW_AS_RESOLVED);
    if (q->kind >= 0) {
        const char *k = otw_alert_kind_name(q->kind);
        otw_sb_puts(&s, " AND kind = ");
        otw_sb_str(&s, k, strlen(k));
    }
    if (q->since_us != 0)
        otw_sb_printf(&s, " AND last_us >= %lld", (long long)q->since_us);
    if (q->until_us != 0)
        otw_sb_printf(&s, " AND first_us < %lld", (long long)q->until_us);
    otw_sb_puts(&s, " ORDER BY last_us DESC, id DESC");
    if (q->limit > 0)
        otw_sb_printf(&s, " LIMIT %lld", (long long)q->limit);
    rc = otw_chd_query(st, &s, on_alert, c, err);
    if (c->stopped)
        return 0;
    return rc;
}

int otw_ch_alerts_query(struct otw_store *st, const struct otw_alert_query *q, otw_alert_cb cb,
                        void *ctx, struct otw_err *err)
{
    struct qctx c = {st, cb, ctx, false, NULL, NULL};

    return query_alerts(st, q, "", &c, err);
}

/* --- evidence ------------------------------------------------------------------------- */

struct uctx {
    otw_alert_uid_cb cb;
    void *ctx;
    bool stopped;
    uint64_t *uids;         /* collect (sessions) */
    size_t n, cap;
    char node[64];
};

static int on_uid(void *p, json_t *row)
{
    struct uctx *c = p;
    uint64_t uid = (uint64_t)otw_chj_int(row, "uid");

    if (c->cb == NULL) {
        if (c->n == c->cap) {
            size_t nc = c->cap ? c->cap * 2 : 64;
            uint64_t *nu = realloc(c->uids, nc * sizeof(*nu));
            if (nu == NULL)
                return OTW_ENOMEM;
            c->uids = nu;
            c->cap = nc;
        }
        c->uids[c->n++] = uid;
        snprintf(c->node, sizeof(c->node), "%s", otw_chj_str(row, "node"));
        return 0;
    }
    if (c->cb(c->ctx, uid) != 0) {
        c->stopped = true;
        return 1;
    }
    return 0;
}

/* The alert's first OTW_ALERT_EVIDENCE_MAX links still there, by uid. */
static int read_evidence(struct otw_store *st, int64_t alert_id, struct uctx *c,
                         struct otw_err *err)
{
    struct otw_sb q = {0};
    char t[160];
    int rc;

    otw_sb_printf(&q,
                  "SELECT uid, node FROM (SELECT uid, any(node) AS node, min(ver) AS v,"
                  " argMax(deleted, ver) AS d FROM %s WHERE alert_id = %lld GROUP BY uid"
                  " HAVING d = 0 ORDER BY v, uid LIMIT %d) ORDER BY uid",
                  otw_chd_rt(st, "alert_evidence", t, sizeof(t)), (long long)alert_id,
                  OTW_ALERT_EVIDENCE_MAX);
    rc = otw_chd_query(st, &q, on_uid, c, err);
    return c->stopped ? 0 : rc;
}

int otw_ch_alert_evidence(struct otw_store *st, int64_t alert_id, otw_alert_uid_cb cb, void *ctx,
                          struct otw_err *err)
{
    struct uctx c = {cb, ctx, false, NULL, 0, 0, ""};

    return read_evidence(st, alert_id, &c, err);
}

struct sctx {
    otw_session_cb cb;
    void *ctx;
    bool stopped;
};

static int on_session(void *p, json_t *row)
{
    struct sctx *c = p;
    struct otw_session_row *r = calloc(1, sizeof(*r));
    int rc = 0;

    if (r == NULL)
        return OTW_ENOMEM;
    otw_ch_session_row(row, r);
    if (c->cb(c->ctx, r) != 0) {
        c->stopped = true;
        rc = 1;
    }
    free(r);
    return rc;
}

int otw_ch_alert_sessions(struct otw_store *st, int64_t alert_id, otw_session_cb cb, void *ctx,
                          struct otw_err *err)
{
    struct uctx u = {NULL, NULL, false, NULL, 0, 0, ""};
    struct sctx c = {cb, ctx, false};
    struct otw_sb q = {0};
    char t[160];
    int rc = read_evidence(st, alert_id, &u, err);

    if (rc != 0 || u.n == 0) {
        free(u.uids);
        return rc;
    }
    /* the newest version of each record (a live record is updated) */
    otw_sb_printf(&q,
                  "SELECT " OTW_CH_SESSION_COLUMNS
                  " FROM %s FINAL WHERE start >= toDateTime(0) AND node = ",
                  otw_chd_rt(st, "sessions", t, sizeof(t)));
    otw_sb_str(&q, u.node, strlen(u.node));
    otw_sb_puts(&q, " AND uid IN (");
    for (size_t i = 0; i < u.n; i++)
        otw_sb_printf(&q, "%s%llu", i ? "," : "", (unsigned long long)u.uids[i]);
    otw_sb_puts(&q, ") ORDER BY start_us, id");
    free(u.uids);
    rc = otw_chd_query(st, &q, on_session, &c, err);
    return c.stopped ? 0 : rc;
}

/* --- status ----------------------------------------------------------------------------- */

int otw_ch_alert_set_status(struct otw_store *st, int64_t id, int status, const char *by,
                            const char *note, struct otw_err *err)
{
    struct otw_sb r = {0};
    struct state s;
    int rc;

    if ((rc = alert_state(st, id, &s, err)) != 0)
        return rc;
    if (s.rows == 0 || s.deleted) {
        otw_err_set(err, -1, "no alert with id %lld", (long long)id);
        return OTW_ENOTFOUND;
    }
    status_row(&r, id, status, wall_us(), by, note);
    rc = otw_chd_send(st, "alert_status", STATUS_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

/* --- taking a file's share out ---------------------------------------------------------- */

struct share {
    int64_t id;
    int64_t n;
};

struct fctx {
    struct share *v;
    size_t n, cap;
    struct otw_sb alerts;   /* new versions of the alerts */
    int64_t file_id;
    uint64_t ver;
};

static int on_share(void *p, json_t *row)
{
    struct fctx *c = p;

    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 32;
        struct share *nv = realloc(c->v, nc * sizeof(*nv));
        if (nv == NULL)
            return OTW_ENOMEM;
        c->v = nv;
        c->cap = nc;
    }
    c->v[c->n].id = otw_chj_int(row, "alert_id");
    c->v[c->n].n = otw_chj_int(row, "n");
    c->n++;
    return 0;
}

static void on_raw(void *p, const struct otw_alert *a, const char *point, int64_t created)
{
    struct fctx *c = p;
    struct otw_alert b = *a;

    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].id != a->id)
            continue;
        b.count = (int64_t)a->count > c->v[i].n ? a->count - (uint64_t)c->v[i].n : 0;
        alert_row(&c->alerts, c->ver, &b, point, created, (int64_t)c->ver, b.count == 0);
        break;
    }
}

static int on_ev_forget(void *p, json_t *row)
{
    struct otw_sb *r = p;
    const char *node = otw_store_node();

    otw_rb_u64(r, otw_chd_ver());
    otw_rb_str(r, node, strlen(node));
    otw_rb_u64(r, (uint64_t)otw_chj_int(row, "alert_id"));
    otw_rb_u64(r, (uint64_t)otw_chj_int(row, "uid"));
    otw_rb_i64(r, otw_chj_int(row, "file_id"));
    otw_rb_u8(r, 1);
    return 0;
}

int otw_ch_alerts_forget_file(struct otw_store *st, int64_t file_id, struct otw_err *err)
{
    struct fctx f = {NULL, 0, 0, {0}, file_id, 0};
    struct otw_alert_query aq;
    struct qctx qc = {st, NULL, NULL, false, on_raw, &f};
    struct otw_sb q = {0}, shares = {0}, ev = {0};
    const char *node = otw_store_node();
    char t[160];
    int rc;

    if (file_id <= 0)
        return 0;
    if ((rc = otw_ch_flush(st->ch, err)) != 0)
        return rc;
    otw_sb_printf(&q,
                  "SELECT alert_id, sum(c) AS n FROM (SELECT alert_id, rid, any(count) AS c"
                  " FROM %s WHERE file_id = %lld GROUP BY alert_id, rid) GROUP BY alert_id"
                  " HAVING n != 0",
                  otw_chd_rt(st, "alert_files", t, sizeof(t)), (long long)file_id);
    if ((rc = otw_chd_query(st, &q, on_share, &f, err)) != 0 || f.n == 0)
        goto out;
    f.ver = otw_chd_ver();
    otw_sb_puts(&q, " AND id IN (");
    for (size_t i = 0; i < f.n; i++) {
        uint64_t k[3] = {(uint64_t)f.v[i].id, (uint64_t)file_id, f.ver};
        otw_sb_printf(&q, "%s%lld", i ? "," : "", (long long)f.v[i].id);
        /* the share back to zero */
        otw_rb_u64(&shares, f.ver);
        otw_rb_u64(&shares, otw_chd_hash(k, sizeof(k), otw_chd_hash(node, strlen(node), 8)));
        otw_rb_str(&shares, node, strlen(node));
        otw_rb_u64(&shares, (uint64_t)f.v[i].id);
        otw_rb_i64(&shares, file_id);
        otw_rb_i64(&shares, -f.v[i].n);
    }
    otw_sb_puts(&q, ")");
    memset(&aq, 0, sizeof(aq));
    aq.status = -1;
    aq.kind = -1;
    if (q.oom) {
        rc = OTW_ENOMEM;
        goto out;
    }
    if ((rc = query_alerts(st, &aq, q.p, &qc, err)) != 0)
        goto out;
    otw_sb_free(&q);
    otw_sb_printf(&q,
                  "SELECT alert_id, uid, file_id FROM %s WHERE file_id = %lld"
                  " GROUP BY alert_id, uid, file_id HAVING argMax(deleted, ver) = 0",
                  otw_chd_rt(st, "alert_evidence", t, sizeof(t)), (long long)file_id);
    if ((rc = otw_chd_query(st, &q, on_ev_forget, &ev, err)) != 0)
        goto out;
    if ((rc = otw_chd_send(st, "alert_evidence", EV_COLS, &ev, err)) == 0 &&
        (rc = otw_chd_send(st, "alerts", ALERT_COLS, &f.alerts, err)) == 0)
        rc = otw_chd_send(st, "alert_files", FILES_COLS, &shares, err);
out:
    otw_sb_free(&q);
    otw_sb_free(&shares);
    otw_sb_free(&ev);
    otw_sb_free(&f.alerts);
    free(f.v);
    return rc;
}
