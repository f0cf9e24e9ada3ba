/*
 * ch_baseline.c - the baseline tables of the ClickHouse store
 * (store_baseline.h, ch_detect.h).
 *
 * One baseline for the whole plant: every sensor of the store reads and
 * writes the same entries, devices, windows and settings.
 *
 * An entry is two kinds of versioned rows, both keyed by the entry's id
 * (53 bits of a hash of its key, the same on every node):
 *   baseline_entries    what was observed (counts, times, hours), written
 *                       by the detectors; the newest row wins; deleted = 1
 *                       removes the entry
 *   baseline_decisions  what people decide (status, category, note)
 * A decision's ver is (prio << 52) | microseconds: the first status a
 * detector gives a new entry has prio 0 (new) or 1 (learned, so learning
 * turns a new entry learned), a person's or an import's prio 2, so what
 * people decide is never overwritten by a detector that saves later.
 * Windows, rules, devices and settings are versioned rows too; a rule's id
 * is the microsecond it was added (rules list in the order they came).
 * The query fields baseline and baseline.category read the entries the
 * same way (otw_ch_bl_ranks_sql, used by ch_query.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

#define ENTRY_COLS                                                                          \
    "ver, node, id, client, server, proto, port, app, ot_class, sessions, bytes, first_us,"  \
    " last_us, hours, deleted"
#define DEC_COLS "ver, node, id, status, category, note"
#define DEV_COLS "ver, node, kind, mac, ip, first_us, last_us"
#define WIN_COLS "ver, node, name, schedule, deleted"
#define RULE_COLS "ver, node, id, window, client, server, proto, port, app, deleted"
#define META_COLS "ver, node, key, value"
#define TIME_MASK "4503599627370495"    /* 2^52 - 1: the time part of a decision's ver */

enum { PRIO_NEW = 0, PRIO_LEARNED = 1, PRIO_PEOPLE = 2 };

static void node_col(struct otw_sb *r)
{
    const char *node = otw_store_node();

    otw_rb_str(r, node, strlen(node));
}

static int64_t entry_id(const struct otw_bl_key *k)
{
    uint8_t b[16 + 16 + 1 + 2 + 4 + sizeof(k->app)];
    size_t n = 0, al = strnlen(k->app, sizeof(k->app));

    memcpy(b, k->client, 16);
    memcpy(b + 16, k->server, 16);
    b[32] = k->proto;
    b[33] = (uint8_t)k->port;
    b[34] = (uint8_t)(k->port >> 8);
    for (int i = 0; i < 4; i++)
        b[35 + i] = (uint8_t)(k->ot_class >> (8 * i));
    n = 39;
    memcpy(b + n, k->app, al);
    return otw_chd_id53(otw_chd_hash(b, n + al, 0x62617365));
}

/* --- reading entries ------------------------------------------------------------------ */

struct ectx {
    otw_bl_entry_cb cb;
    void *ctx;
    int rc;
    struct otw_bl_entry *one;   /* entry_get */
    int found;
};

static void entry_of(json_t *row, struct otw_bl_entry *e)
{
    json_t *h = json_object_get(row, "hours");

    memset(e, 0, sizeof(*e));
    e->id = otw_chj_int(row, "id");
    otw_chj_hex(row, "client", e->k.client, 16);
    otw_chj_hex(row, "server", e->k.server, 16);
    e->k.proto = (uint8_t)otw_chj_int(row, "proto");
    e->k.port = (uint16_t)otw_chj_int(row, "port");
    snprintf(e->k.app, sizeof(e->k.app), "%s", otw_chj_str(row, "app"));
    e->k.ot_class = (unsigned)otw_chj_int(row, "ot_class");
    e->status = (int)otw_chj_int(row, "st");
    e->category = (int)otw_chj_int(row, "cat");
    e->sessions = (uint64_t)otw_chj_int(row, "sessions");
    e->bytes = (uint64_t)otw_chj_int(row, "bytes");
    e->first_us = otw_chj_int(row, "first_us");
    e->last_us = otw_chj_int(row, "last_us");
    if (json_is_array(h) && json_array_size(h) == OTW_BL_HOURS)
        for (size_t i = 0; i < OTW_BL_HOURS; i++)
            e->hours[i] = (uint32_t)json_integer_value(json_array_get(h, i));
    snprintf(e->note, sizeof(e->note), "%s", otw_chj_str(row, "nt"));
}

static int on_entry(void *p, json_t *row)
{
    struct ectx *c = p;
    struct otw_bl_entry e;

    entry_of(row, &e);
    if (c->one != NULL) {
        *c->one = e;
        c->found = 1;
        return 0;
    }
    return c->rc = c->cb(c->ctx, &e);
}

/* " FROM (newest version of each live entry) ANY LEFT JOIN (newest
 * decision) USING id": the entries after the last emptying (cl), id > 0:
 * only that one. Columns client_, server_, proto_, port_, app_, ot_class_,
 * sessions_, bytes_, first_us_, last_us_, hours_ and st, cat, nt. */
static void live_from(struct otw_store *st, struct otw_sb *q, uint64_t cl, int64_t id)
{
    char te[160], td[160], where[64] = "";

    if (id > 0)
        snprintf(where, sizeof(where), " AND id = %lld", (long long)id);
    otw_sb_printf(q,
                  " FROM"
                  " (SELECT id, argMax(client, ver) AS client_, argMax(server, ver) AS server_,"
                  " argMax(proto, ver) AS proto_, argMax(port, ver) AS port_,"
                  " argMax(app, ver) AS app_, argMax(ot_class, ver) AS ot_class_,"
                  " argMax(sessions, ver) AS sessions_, argMax(bytes, ver) AS bytes_,"
                  " argMax(first_us, ver) AS first_us_, argMax(last_us, ver) AS last_us_,"
                  " argMax(hours, ver) AS hours_, argMax(deleted, ver) AS del"
                  " FROM %s WHERE ver > %llu%s GROUP BY id HAVING del = 0)"
                  " ANY LEFT JOIN"
                  " (SELECT id, argMax(status, ver) AS st, argMax(category, ver) AS cat,"
                  " argMax(note, ver) AS nt FROM %s WHERE bitAnd(ver, " TIME_MASK ") > %llu%s"
                  " GROUP BY id) USING id",
                  otw_chd_rt(st, "baseline_entries", te, sizeof(te)), (unsigned long long)cl,
                  where, otw_chd_rt(st, "baseline_decisions", td, sizeof(td)),
                  (unsigned long long)cl, where);
}

/* Every live entry (id > 0: only that one), by id. */
static int read_entries(struct otw_store *st, int64_t id, struct ectx *c, struct otw_err *err)
{
    struct otw_sb q = {0};
    uint64_t cl;
    int rc;

    if ((rc = otw_chd_cleared(st, "baseline", &cl, err)) != 0)
        return rc;
    otw_sb_puts(&q,
                "SELECT id, hex(client_) AS client, hex(server_) AS server, proto_ AS proto,"
                " port_ AS port, app_ AS app, ot_class_ AS ot_class, sessions_ AS sessions,"
                " bytes_ AS bytes, first_us_ AS first_us, last_us_ AS last_us,"
                " hours_ AS hours, st, cat, nt");
    live_from(st, &q, cl, id);
    otw_sb_puts(&q, " ORDER BY id");
    rc = otw_chd_query(st, &q, on_entry, c, err);
    if (c->rc != 0)
        return c->rc < 0 ? c->rc : 0;
    return rc;
}

int otw_ch_bl_ranks_sql(struct otw_store *st, struct otw_sb *sql, struct otw_err *err)
{
    uint64_t cl;
    int rc;

    if ((rc = otw_chd_cleared(st, "baseline", &cl, err)) != 0)
        return rc;
    /* sqlite_baseline.c's rank: approved 0, learned 1, new 2, times 2, plus
     * the category (operational 0, maintenance 1) */
    otw_sb_puts(sql, "SELECT client_ AS bc, server_ AS bs, proto_ AS bp, port_ AS bo,"
                     " min(multiIf(st = 1, 0, st = 0, 1, 2) * 2 + cat) AS r");
    live_from(st, sql, cl, 0);
    otw_sb_puts(sql, " GROUP BY client_, server_, proto_, port_");
    if (sql->oom) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    return 0;
}

int otw_ch_bl_entries(struct otw_store *st, otw_bl_entry_cb cb, void *ctx, struct otw_err *err)
{
    struct ectx c = {cb, ctx, 0, NULL, 0};

    return read_entries(st, 0, &c, err);
}

int otw_ch_bl_entry_get(struct otw_store *st, int64_t id, struct otw_bl_entry *e,
                        struct otw_err *err)
{
    struct ectx c = {NULL, NULL, 0, e, 0};
    int rc;

    if (id <= 0)
        return 0;
    rc = read_entries(st, id, &c, err);
    return rc != 0 ? rc : c.found;
}

/* --- writing entries ------------------------------------------------------------------ */

static void entry_row(struct otw_sb *r, uint64_t ver, const struct otw_bl_entry *e, int deleted)
{
    otw_rb_u64(r, ver);
    node_col(r);
    otw_rb_u64(r, (uint64_t)e->id);
    otw_rb_fixed(r, e->k.client, 16, 16);
    otw_rb_fixed(r, e->k.server, 16, 16);
    otw_rb_u8(r, e->k.proto);
    otw_rb_u16(r, e->k.port);
    otw_rb_str(r, e->k.app, strnlen(e->k.app, sizeof(e->k.app)));
    otw_rb_u32(r, e->k.ot_class);
    otw_rb_u64(r, e->sessions);
    otw_rb_u64(r, e->bytes);
    otw_rb_i64(r, e->first_us);
    otw_rb_i64(r, e->last_us);
    otw_rb_varuint(r, OTW_BL_HOURS);
    for (int i = 0; i < OTW_BL_HOURS; i++)
        otw_rb_u32(r, e->hours[i]);
    otw_rb_u8(r, (uint8_t)deleted);
}

static void decision_row(struct otw_sb *r, int prio, int64_t id, int status, int category,
                         const char *note)
{
    otw_rb_u64(r, (uint64_t)prio << 52 | otw_chd_ver());
    node_col(r);
    otw_rb_u64(r, (uint64_t)id);
    otw_rb_u8(r, (uint8_t)status);
    otw_rb_u8(r, (uint8_t)category);
    otw_rb_str(r, note, strnlen(note, 128));
}

static int write_entry(struct otw_store *st, struct otw_bl_entry *e, int prio,
                       struct otw_err *err)
{
    struct otw_sb r = {0};
    int rc;

    e->id = entry_id(&e->k);
    entry_row(&r, otw_chd_ver(), e, 0);
    rc = otw_chd_add(st, "baseline_entries", ENTRY_COLS, &r, err);
    decision_row(&r, prio, e->id, e->status, e->category, prio == PRIO_PEOPLE ? e->note : "");
    if (rc == 0)
        rc = otw_chd_add(st, "baseline_decisions", DEC_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

int otw_ch_bl_entry_observed(struct otw_store *st, struct otw_bl_entry *e, struct otw_err *err)
{
    return write_entry(st, e, e->status == OTW_BL_LEARNED ? PRIO_LEARNED : PRIO_NEW, err);
}

int otw_ch_bl_entry_put(struct otw_store *st, struct otw_bl_entry *e, struct otw_err *err)
{
    return write_entry(st, e, PRIO_PEOPLE, err);
}

static int not_found(int64_t id, struct otw_err *err)
{
    otw_err_set(err, -1, "no baseline entry %lld ('otwatch baseline show' lists them)",
                (long long)id);
    return OTW_ENOTFOUND;
}

int otw_ch_bl_entry_set(struct otw_store *st, int64_t id, int status, int category,
                        const char *note, struct otw_err *err)
{
    struct otw_bl_entry e;
    struct otw_sb r = {0};
    int rc = otw_ch_bl_entry_get(st, id, &e, err);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return not_found(id, err);
    decision_row(&r, PRIO_PEOPLE, id, status >= 0 ? status : e.status,
                 category >= 0 ? category : e.category, note != NULL ? note : e.note);
    rc = otw_chd_send(st, "baseline_decisions", DEC_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

int otw_ch_bl_entry_delete(struct otw_store *st, int64_t id, struct otw_err *err)
{
    struct otw_bl_entry e;
    struct otw_sb r = {0};
    int rc = otw_ch_bl_entry_get(st, id, &e, err);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return not_found(id, err);
    entry_row(&r, otw_chd_ver(), &e, 1);
    rc = otw_chd_send(st, "baseline_entries", ENTRY_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

struct approve {
    struct otw_sb rows;
    uint64_t n;
};

static int approve_one(void *ctx, const struct otw_bl_entry *e)
{
    struct approve *a = ctx;

    if (e->status != OTW_BL_APPROVED) {
        decision_row(&a->rows, PRIO_PEOPLE, e->id, OTW_BL_APPROVED, e->category, e->note);
        a->n++;
    }
    return 0;
}

int otw_ch_bl_approve_all(struct otw_store *st, uint64_t *n, struct otw_err *err)
{
    struct approve a = {{0}, 0};
    int rc = otw_ch_bl_entries(st, approve_one, &a, err);

    if (rc == 0)
        rc = otw_chd_send(st, "baseline_decisions", DEC_COLS, &a.rows, err);
    otw_sb_free(&a.rows);
    if (rc == 0 && n != NULL)
        *n = a.n;
    return rc;
}

/* --- devices ------------------------------------------------------------------------ */

struct dctx {
    otw_bl_device_cb cb;
    void *ctx;
    int rc;
};

static int on_device(void *p, json_t *row)
{
    struct dctx *c = p;
    struct otw_bl_device d;

    memset(&d, 0, sizeof(d));
    d.kind = (int)otw_chj_int(row, "kind");
    otw_chj_hex(row, "mac", d.mac, 6);
    otw_chj_hex(row, "ip", d.ip, 16);
    d.first_us = otw_chj_int(row, "f");
    d.last_us = otw_chj_int(row, "l");
    return c->rc = c->cb(c->ctx, &d);
}

int otw_ch_bl_devices(struct otw_store *st, otw_bl_device_cb cb, void *ctx, struct otw_err *err)
{
    struct dctx c = {cb, ctx, 0};
    struct otw_sb q = {0};
    uint64_t cl;
    char t[160];
    int rc;

    if ((rc = otw_chd_cleared(st, "baseline", &cl, err)) != 0)
        return rc;
    otw_sb_printf(&q,
                  "SELECT kind, hex(mac) AS mac, hex(ip) AS ip,"
                  " minIf(first_us, first_us != 0) AS f, maxIf(last_us, last_us != 0) AS l"
                  " FROM %s WHERE ver > %llu GROUP BY kind, mac, ip ORDER BY kind, ip, mac",
                  otw_chd_rt(st, "baseline_devices", t, sizeof(t)), (unsigned long long)cl);
    rc = otw_chd_query(st, &q, on_device, &c, err);
    if (c.rc != 0)
        return c.rc < 0 ? c.rc : 0;
    return rc;
}

int otw_ch_bl_device_put(struct otw_store *st, const struct otw_bl_device *d,
                         struct otw_err *err)
{
    struct otw_sb r = {0};
    int rc;

    otw_rb_u64(&r, otw_chd_ver());
    node_col(&r);
    otw_rb_u8(&r, (uint8_t)d->kind);
    otw_rb_fixed(&r, d->mac, 6, 6);
    otw_rb_fixed(&r, d->ip, 16, 16);
    otw_rb_i64(&r, d->first_us);
    otw_rb_i64(&r, d->last_us);
    rc = otw_chd_add(st, "baseline_devices", DEV_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

/* --- windows and rules ---------------------------------------------------------------- */

struct wctx {
    otw_bl_window_cb cb;
    void *ctx;
    int rc;
    char (*names)[64];      /* collect: the live windows' names */
    size_t nnames;
};

static int on_window(void *p, json_t *row)
{
    struct wctx *c = p;
    struct otw_bl_window w;

    memset(&w, 0, sizeof(w));
    snprintf(w.name, sizeof(w.name), "%s", otw_chj_str(row, "name"));
    snprintf(w.schedule, sizeof(w.schedule), "%s", otw_chj_str(row, "s"));
    if (c->cb == NULL) {
        char (*np)[64] = realloc(c->names, (c->nnames + 1) * sizeof(*np));
        if (np == NULL)
            return c->rc = OTW_ENOMEM;
        c->names = np;
        memcpy(c->names[c->nnames++], w.name, sizeof(w.name));
        return 0;
    }
    return c->rc = c->cb(c->ctx, &w);
}

/* The live windows (name = NULL: all), to cb or (cb NULL) into c->names. */
static int read_windows(struct otw_store *st, const char *name, struct wctx *c,
                        struct otw_err *err)
{
    struct otw_sb q = {0};
    uint64_t cl;
    char t[160];
    int rc;

    if ((rc = otw_chd_cleared(st, "baseline", &cl, err)) != 0)
        return rc;
    otw_sb_printf(&q,
                  "SELECT name, argMax(schedule, ver) AS s, argMax(deleted, ver) AS d FROM %s"
                  " WHERE ver > %llu",
                  otw_chd_rt(st, "baseline_windows", t, sizeof(t)), (unsigned long long)cl);
    if (name != NULL) {
        otw_sb_puts(&q, " AND name = ");
        otw_sb_str(&q, name, strlen(name));
    }
    otw_sb_puts(&q, " GROUP BY name HAVING d = 0 ORDER BY name");
    rc = otw_chd_query(st, &q, on_window, c, err);
    if (c->rc != 0)
        return c->rc < 0 ? c->rc : 0;
    return rc;
}

int otw_ch_bl_windows(struct otw_store *st, otw_bl_window_cb cb, void *ctx, struct otw_err *err)
{
    struct wctx c = {cb, ctx, 0, NULL, 0};

    return read_windows(st, NULL, &c, err);
}

static int window_row(struct otw_store *st, const char *name, const char *schedule, int deleted,
                      struct otw_err *err)
{
    struct otw_sb r = {0};
    int rc;

    otw_rb_u64(&r, otw_chd_ver());
    node_col(&r);
    otw_rb_str(&r, name, strlen(name));
    otw_rb_str(&r, schedule, strlen(schedule));
    otw_rb_u8(&r, (uint8_t)deleted);
    rc = otw_chd_send(st, "baseline_windows", WIN_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

int otw_ch_bl_window_put(struct otw_store *st, const struct otw_bl_window *w,
                         struct otw_err *err)
{
    return window_row(st, w->name, w->schedule, 0, err);
}

/* Whether window `name` is live: 1, 0, or <0. */
static int window_exists(struct otw_store *st, const char *name, struct otw_err *err)
{
    struct wctx c = {NULL, NULL, 0, NULL, 0};
    int rc = read_windows(st, name, &c, err);

    free(c.names);
    return rc != 0 ? rc : c.nnames > 0;
}

struct rctx {
    otw_bl_rule_cb cb;
    void *ctx;
    int rc;
    char (*live)[64];       /* windows the rules must belong to */
    size_t nlive;
    const char *only;       /* one window's rules (delete) */
    struct otw_sb *del;     /* collect deleted rows of them */
};

static int on_rule(void *p, json_t *row)
{
    struct rctx *c = p;
    struct otw_bl_rule r;
    size_t i;

    memset(&r, 0, sizeof(r));
    r.id = otw_chj_int(row, "id");
    snprintf(r.window, sizeof(r.window), "%s", otw_chj_str(row, "window"));
    snprintf(r.client, sizeof(r.client), "%s", otw_chj_str(row, "c"));
    snprintf(r.server, sizeof(r.server), "%s", otw_chj_str(row, "s"));
    r.proto = (int)otw_chj_int(row, "p");
    r.port = (int)otw_chj_int(row, "o");
    snprintf(r.app, sizeof(r.app), "%s", otw_chj_str(row, "a"));
    if (c->del != NULL) {
        otw_rb_u64(c->del, otw_chd_ver());
        node_col(c->del);
        otw_rb_u64(c->del, (uint64_t)r.id);
        otw_rb_str(c->del, r.window, strlen(r.window));
        otw_rb_str(c->del, r.client, strlen(r.client));
        otw_rb_str(c->del, r.server, strlen(r.server));
        otw_rb_u32(c->del, (uint32_t)r.proto);
        otw_rb_u32(c->del, (uint32_t)r.port);
        otw_rb_str(c->del, r.app, strlen(r.app));
        otw_rb_u8(c->del, 1);
        return 0;
    }
    for (i = 0; i < c->nlive; i++)
        if (strcmp(c->live[i], r.window) == 0)
            break;
    if (i == c->nlive)
        return 0;       /* its window was removed */
    return c->rc = c->cb(c->ctx, &r);
}

static int read_rules(struct otw_store *st, struct rctx *c, struct otw_err *err)
{
    struct otw_sb q = {0};
    uint64_t cl;
    char t[160];
    int rc;

    if ((rc = otw_chd_cleared(st, "baseline", &cl, err)) != 0)
        return rc;
    otw_sb_printf(&q,
                  "SELECT window, id, argMax(client, ver) AS c, argMax(server, ver) AS s,"
                  " argMax(proto, ver) AS p, argMax(port, ver) AS o, argMax(app, ver) AS a,"
                  " argMax(deleted, ver) AS d FROM %s WHERE ver > %llu",
                  otw_chd_rt(st, "baseline_rules", t, sizeof(t)), (unsigned long long)cl);
    if (c->only != NULL) {
        otw_sb_puts(&q, " AND window = ");
        otw_sb_str(&q, c->only, strlen(c->only));
    }
    otw_sb_puts(&q, " GROUP BY window, id HAVING d = 0 ORDER BY window, id");
    rc = otw_chd_query(st, &q, on_rule, c, err);
    if (c->rc != 0)
        return c->rc < 0 ? c->rc : 0;
    return rc;
}

int otw_ch_bl_rules(struct otw_store *st, otw_bl_rule_cb cb, void *ctx, struct otw_err *err)
{
    struct wctx w = {NULL, NULL, 0, NULL, 0};
    struct rctx c = {cb, ctx, 0, NULL, 0, NULL, NULL};
    int rc = read_windows(st, NULL, &w, err);

    c.live = w.names;
    c.nlive = w.nnames;
    if (rc == 0)
        rc = read_rules(st, &c, err);
    free(w.names);
    return rc;
}

int otw_ch_bl_window_delete(struct otw_store *st, const char *name, struct otw_err *err)
{
    struct otw_sb del = {0};
    struct rctx c = {NULL, NULL, 0, NULL, 0, name, &del};
    int rc = window_exists(st, name, err);

    if (rc < 0)
        return rc;
    if (rc == 0) {
        otw_err_set(err, -1, "no maintenance window '%s' ('otwatch baseline window list')",
                    name);
        return OTW_ENOTFOUND;
    }
    if ((rc = read_rules(st, &c, err)) == 0 &&
        (rc = otw_chd_send(st, "baseline_rules", RULE_COLS, &del, err)) == 0)
        rc = window_row(st, name, "", 1, err);
    otw_sb_free(&del);
    return rc;
}

int otw_ch_bl_rule_add(struct otw_store *st, struct otw_bl_rule *r, struct otw_err *err)
{
    struct otw_sb row = {0};
    uint64_t ver;
    int rc = window_exists(st, r->window, err);

    if (rc < 0)
        return rc;
    if (rc == 0) {
        otw_err_set(err, -1,
                    "no maintenance window '%s': create it first with 'otwatch baseline window "
                    "set %s SCHEDULE'",
                    r->window, r->window);
        return OTW_ENOTFOUND;
    }
    ver = otw_chd_ver();
    r->id = (int64_t)ver;
    otw_rb_u64(&row, ver);
    node_col(&row);
    otw_rb_u64(&row, (uint64_t)r->id);
    otw_rb_str(&row, r->window, strlen(r->window));
    otw_rb_str(&row, r->client, strlen(r->client));
    otw_rb_str(&row, r->server, strlen(r->server));
    otw_rb_u32(&row, (uint32_t)r->proto);
    otw_rb_u32(&row, (uint32_t)r->port);
    otw_rb_str(&row, r->app, strlen(r->app));
    otw_rb_u8(&row, 0);
    rc = otw_chd_send(st, "baseline_rules", RULE_COLS, &row, err);
    otw_sb_free(&row);
    return rc;
}

/* --- settings ----------------------------------------------------------------------- */

struct mctx {
    char *value;
    size_t len;
    int found;
};

static int on_meta(void *p, json_t *row)
{
    struct mctx *c = p;

    snprintf(c->value, c->len, "%s", otw_chj_str(row, "v"));
    c->found = 1;
    return 0;
}

int otw_ch_bl_meta_get(struct otw_store *st, const char *key, char *value, size_t len,
                       struct otw_err *err)
{
    struct mctx c = {value, len, 0};
    struct otw_sb q = {0};
    uint64_t cl;
    char t[160];
    int rc;

    if ((rc = otw_chd_cleared(st, "baseline", &cl, err)) != 0)
        return rc;
    otw_sb_printf(&q, "SELECT argMax(value, ver) AS v FROM %s WHERE ver > %llu AND key = ",
                  otw_chd_rt(st, "baseline_meta", t, sizeof(t)), (unsigned long long)cl);
    otw_sb_str(&q, key, strlen(key));
    otw_sb_puts(&q, " GROUP BY key");
    rc = otw_chd_query(st, &q, on_meta, &c, err);
    return rc != 0 ? rc : c.found;
}

int otw_ch_bl_meta_set(struct otw_store *st, const char *key, const char *value,
                       struct otw_err *err)
{
    struct otw_sb r = {0};
    int rc;

    otw_rb_u64(&r, otw_chd_ver());
    node_col(&r);
    otw_rb_str(&r, key, strlen(key));
    otw_rb_str(&r, value, strlen(value));
    rc = otw_chd_send(st, "baseline_meta", META_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

int otw_ch_bl_clear(struct otw_store *st, struct otw_err *err)
{
    return otw_chd_clear(st, "baseline", err);
}
