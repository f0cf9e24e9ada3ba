/*
 * ch_assets.c - the assets tables of the ClickHouse store (store_assets.h,
 * ch_detect.h).
 *
 * assets, asset_facts and asset_bindings are rows of increments, one per
 * key (per fact, per binding) and save, each with a row id: reading sums
 * the counts (min first, max last, OR of the binding sources) over every
 * row of every node, after dropping a row sent twice. asset_labels are
 * versioned rows of the key (the newest wins, deleted = 1 removes).
 *
 * Capture point ids are the node's own (its SQLite file): a "point" fact
 * is stored with the point's name and read back as the local id of that
 * name, or as an id of its own (from OTW_CHD_POINT_BASE) announced to the
 * point reader, so every node shows the names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

#define ASSET_COLS                                                                          \
    "ver, rid, node, key, first_us, last_us, sessions_out, sessions_in, packets"
#define FACT_COLS "ver, rid, node, key, kind, value, count, first_us, last_us"
#define BIND_COLS "ver, rid, node, mac, ip, sources, count, first_us, last_us"
#define LABEL_COLS "ver, node, key, name, role, updated_us, deleted"
/* Ids given to capture points other nodes named. */
#define POINT_BASE 1000000000000LL

static uint64_t rid(uint64_t ver, size_t i, uint64_t seed)
{
    const char *node = otw_store_node();
    uint64_t v[2] = {ver, (uint64_t)i};

    return otw_chd_hash(v, sizeof(v), seed ^ otw_chd_hash(node, strlen(node), 0));
}

int otw_ch_assets_put(struct otw_store *st, const struct otw_asset_batch *b, struct otw_err *err)
{
    const char *node = otw_store_node();
    size_t nl = strlen(node);
    uint64_t ver = otw_chd_ver();
    struct otw_sb r = {0};
    int rc;

    for (size_t i = 0; i < b->nrows; i++) {
        const struct otw_asset_row *a = &b->rows[i];
        otw_rb_u64(&r, ver);
        otw_rb_u64(&r, rid(ver, i, 1));
        otw_rb_str(&r, node, nl);
        otw_rb_str(&r, a->key, a->keylen);
        otw_rb_i64(&r, a->first_us);
        otw_rb_i64(&r, a->last_us);
        otw_rb_u64(&r, a->sessions_out);
        otw_rb_u64(&r, a->sessions_in);
        otw_rb_u64(&r, a->packets);
        if ((rc = otw_chd_add(st, "assets", ASSET_COLS, &r, err)) != 0)
            goto out;
    }
    for (size_t i = 0; i < b->nfacts; i++) {
        const struct otw_asset_fact_row *f = &b->facts[i];
        char pname[128];
        const char *v = f->value;
        if (strcmp(f->kind, "point") == 0) {
            otw_chd_point_name(st, strtoll(f->value, NULL, 10), pname, sizeof(pname));
            if (pname[0] != '\0')
                v = pname;
        }
        otw_rb_u64(&r, ver);
        otw_rb_u64(&r, rid(ver, i, 2));
        otw_rb_str(&r, node, nl);
        otw_rb_str(&r, f->key, f->keylen);
        otw_rb_str(&r, f->kind, strlen(f->kind));
        otw_rb_str(&r, v, strlen(v));
        otw_rb_u64(&r, f->count);
        otw_rb_i64(&r, f->first_us);
        otw_rb_i64(&r, f->last_us);
        if ((rc = otw_chd_add(st, "asset_facts", FACT_COLS, &r, err)) != 0)
            goto out;
    }
    for (size_t i = 0; i < b->nbindings; i++) {
        const struct otw_asset_binding_row *x = &b->bindings[i];
        otw_rb_u64(&r, ver);
        otw_rb_u64(&r, rid(ver, i, 3));
        otw_rb_str(&r, node, nl);
        otw_rb_fixed(&r, x->mac, 6, 6);
        otw_rb_fixed(&r, x->ip, 16, 16);
        otw_rb_u32(&r, x->sources);
        otw_rb_u64(&r, x->count);
        otw_rb_i64(&r, x->first_us);
        otw_rb_i64(&r, x->last_us);
        if ((rc = otw_chd_add(st, "asset_bindings", BIND_COLS, &r, err)) != 0)
            goto out;
    }
    rc = 0;
out:
    otw_sb_free(&r);
    return rc;
}

/* --- reading ------------------------------------------------------------------------ */

struct rctx {
    struct otw_store *st;
    const struct otw_asset_readers *rd;
    void *ctx;
    int rc;                 /* a reader's non-zero answer */
    char (*pnames)[128];    /* points named by other nodes: id POINT_BASE + index */
    size_t npnames;
};

static bool key_of(json_t *row, const char *col, uint8_t key[16], uint8_t *keylen)
{
    size_t n;

    memset(key, 0, 16);
    n = otw_chj_hex(row, col, key, 16);
    if (n != 6 && n != 16)
        return false;
    *keylen = (uint8_t)n;
    return true;
}

static int on_row(void *p, json_t *row)
{
    struct rctx *c = p;
    struct otw_asset_row a;

    memset(&a, 0, sizeof(a));
    if (!key_of(row, "k", a.key, &a.keylen))
        return 0;
    a.first_us = otw_chj_int(row, "f");
    a.last_us = otw_chj_int(row, "l");
    a.sessions_out = (uint64_t)otw_chj_int(row, "so");
    a.sessions_in = (uint64_t)otw_chj_int(row, "si");
    a.packets = (uint64_t)otw_chj_int(row, "p");
    return c->rc = c->rd->row(c->ctx, &a);
}

/* The id to show for a point name: the local one, else one of our own. */
static int point_value(struct rctx *c, const char *name, char *out, size_t len)
{
    int64_t id = otw_chd_point_id(c->st, name);
    size_t i;

    if (id == 0) {
        for (i = 0; i < c->npnames; i++)
            if (strcmp(c->pnames[i], name) == 0)
                break;
        if (i == c->npnames) {
            char (*np)[128] = realloc(c->pnames, (c->npnames + 1) * sizeof(*np));
            if (np == NULL)
                return OTW_ENOMEM;
            c->pnames = np;
            snprintf(c->pnames[c->npnames++], sizeof(c->pnames[0]), "%s", name);
            if (c->rd->point != NULL && (c->rc = c->rd->point(c->ctx, POINT_BASE + (int64_t)i,
                                                              name)) != 0)
                return c->rc;
        }
        id = POINT_BASE + (int64_t)i;
    }
    snprintf(out, len, "%lld", (long long)id);
    return 0;
}

static int on_fact(void *p, json_t *row)
{
    struct rctx *c = p;
    struct otw_asset_fact_row f;
    int rc;

    memset(&f, 0, sizeof(f));
    if (!key_of(row, "k", f.key, &f.keylen))
        return 0;
    snprintf(f.kind, sizeof(f.kind), "%s", otw_chj_str(row, "kind"));
    snprintf(f.value, sizeof(f.value), "%s", otw_chj_str(row, "value"));
    if (strcmp(f.kind, "point") == 0 &&
        (rc = point_value(c, otw_chj_str(row, "value"), f.value, sizeof(f.value))) != 0)
        return rc;
    f.count = (uint64_t)otw_chj_int(row, "n");
    f.first_us = otw_chj_int(row, "f");
    f.last_us = otw_chj_int(row, "l");
    return c->rc = c->rd->fact(c->ctx, &f);
}

static int on_binding(void *p, json_t *row)
{
    struct rctx *c = p;
    struct otw_asset_binding_row b;

    memset(&b, 0, sizeof(b));
    if (otw_chj_hex(row, "mac", b.mac, 6) != 6 || otw_chj_hex(row, "ip", b.ip, 16) != 16)
        return 0;
    b.sources = (unsigned)otw_chj_int(row, "s");
    b.count = (uint64_t)otw_chj_int(row, "n");
    b.first_us = otw_chj_int(row, "f");
    b.last_us = otw_chj_int(row, "l");
    return c->rc = c->rd->binding(c->ctx, &b);
}

static int on_label(void *p, json_t *row)
{
    struct rctx *c = p;
    struct otw_asset_label_row l;

    memset(&l, 0, sizeof(l));
    if (!key_of(row, "k", l.key, &l.keylen))
        return 0;
    snprintf(l.name, sizeof(l.name), "%s", otw_chj_str(row, "name_"));
    snprintf(l.role, sizeof(l.role), "%s", otw_chj_str(row, "role_"));
    l.updated_us = otw_chj_int(row, "u");
    return c->rc = c->rd->label(c->ctx, &l);
}

/* A query's end: a reader's answer wins over the query's. */
static int done(struct rctx *c, int rc)
{
    return c->rc != 0 ? c->rc : rc;
}

static int read_bindings(struct rctx *c, uint64_t cleared, struct otw_err *err)
{
    struct otw_sb q = {0};
    char t[160];

    if (c->rd->binding == NULL)
        return 0;
    otw_sb_printf(&q,
                  "SELECT hex(mac) AS mac, hex(ip) AS ip, groupBitOr(s1) AS s, sum(n1) AS n,"
                  " min(f1) AS f, max(l1) AS l FROM (SELECT mac, ip, rid, any(sources) AS s1,"
                  " any(count) AS n1, any(first_us) AS f1, any(last_us) AS l1 FROM %s"
                  " WHERE ver > %llu GROUP BY mac, ip, rid) GROUP BY mac, ip",
                  otw_chd_rt(c->st, "asset_bindings", t, sizeof(t)),
                  (unsigned long long)cleared);
    return done(c, otw_chd_query(c->st, &q, on_binding, c, err));
}

static int read_labels(struct rctx *c, struct otw_err *err)
{
    struct otw_sb q = {0};
    char t[160];

    if (c->rd->label == NULL)
        return 0;
    otw_sb_printf(&q,
                  "SELECT hex(key) AS k, argMax(name, ver) AS name_, argMax(role, ver) AS role_,"
                  " argMax(updated_us, ver) AS u, argMax(deleted, ver) AS d FROM %s"
                  " GROUP BY key HAVING d = 0",
                  otw_chd_rt(c->st, "asset_labels", t, sizeof(t)));
    return done(c, otw_chd_query(c->st, &q, on_label, c, err));
}

int otw_ch_assets_read_labels(struct otw_store *st, const struct otw_asset_readers *rd, void *ctx,
                              struct otw_err *err)
{
    struct rctx c = {st, rd, ctx, 0, NULL, 0};
    uint64_t cleared = 0;
    int rc = read_labels(&c, err);

    if (rc == 0 && rd->binding != NULL)
        rc = otw_chd_cleared(st, "assets", &cleared, err);
    if (rc == 0)
        rc = read_bindings(&c, cleared, err);
    return rc;
}

int otw_ch_assets_read(struct otw_store *st, const struct otw_asset_readers *rd, void *ctx,
                       struct otw_err *err)
{
    struct rctx c = {st, rd, ctx, 0, NULL, 0};
    struct otw_sb q = {0};
    uint64_t cleared;
    char t[160];
    int rc;

    if (rd->point != NULL) {
        sqlite3_stmt *s = NULL;
        int r = SQLITE_DONE;
        if (otw_sqlite_prepare(st, &s, "SELECT id, name FROM points", err) != 0)
            return OTW_ESTORE;
        rc = 0;
        while (rc == 0 && (r = sqlite3_step(s)) == SQLITE_ROW)
            rc = rd->point(ctx, sqlite3_column_int64(s, 0),
                           (const char *)sqlite3_column_text(s, 1));
        if (rc == 0 && r != SQLITE_DONE)
            rc = otw_sqlite_fail(st, err, "reading capture points");
        sqlite3_finalize(s);
        if (rc != 0)
            return rc;
    }
    if ((rc = otw_chd_cleared(st, "assets", &cleared, err)) != 0)
        return rc;
    if (rd->row != NULL) {
        otw_sb_printf(&q,
                      "SELECT hex(key) AS k, min(f1) AS f, max(l1) AS l, sum(so1) AS so,"
                      " sum(si1) AS si, sum(p1) AS p FROM (SELECT key, rid,"
                      " any(first_us) AS f1, any(last_us) AS l1, any(sessions_out) AS so1,"
                      " any(sessions_in) AS si1, any(packets) AS p1 FROM %s WHERE ver > %llu"
                      " GROUP BY key, rid) GROUP BY key",
                      otw_chd_rt(st, "assets", t, sizeof(t)), (unsigned long long)cleared);
        if ((rc = done(&c, otw_chd_query(st, &q, on_row, &c, err))) != 0)
            goto out;
    }
    if (rd->fact != NULL) {
        otw_sb_printf(&q,
                      "SELECT hex(key) AS k, kind, value, sum(n1) AS n, min(f1) AS f,"
                      " max(l1) AS l FROM (SELECT key, kind, value, rid, any(count) AS n1,"
                      " any(first_us) AS f1, any(last_us) AS l1 FROM %s WHERE ver > %llu"
                      " GROUP BY key, kind, value, rid) GROUP BY key, kind, value",
                      otw_chd_rt(st, "asset_facts", t, sizeof(t)), (unsigned long long)cleared);
        if ((rc = done(&c, otw_chd_query(st, &q, on_fact, &c, err))) != 0)
            goto out;
    }
    if ((rc = read_labels(&c, err)) == 0)
        rc = read_bindings(&c, cleared, err);
out:
    free(c.pnames);
    return rc;
}

/* --- labels ------------------------------------------------------------------------- */

static int label_row(struct otw_store *st, const uint8_t *key, size_t keylen, const char *name,
                     const char *role, int64_t updated_us, int deleted, struct otw_err *err)
{
    const char *node = otw_store_node();
    struct otw_sb r = {0};
    int rc;

    otw_rb_u64(&r, otw_chd_ver());
    otw_rb_str(&r, node, strlen(node));
    otw_rb_str(&r, key, keylen);
    otw_rb_str(&r, name, strlen(name));
    otw_rb_str(&r, role, strlen(role));
    otw_rb_i64(&r, updated_us);
    otw_rb_u8(&r, (uint8_t)deleted);
    rc = otw_chd_send(st, "asset_labels", LABEL_COLS, &r, err);
    otw_sb_free(&r);
    return rc;
}

int otw_ch_asset_label_set(struct otw_store *st, const struct otw_asset_label_row *l,
                           struct otw_err *err)
{
    return label_row(st, l->key, l->keylen, l->name, l->role, l->updated_us, 0, err);
}

static int on_exists(void *ctx, json_t *row)
{
    OTW_UNUSED(row);
    *(bool *)ctx = true;
    return 0;
}

int otw_ch_asset_label_unset(struct otw_store *st, const uint8_t *key, size_t keylen,
                             struct otw_err *err)
{
    struct otw_sb q = {0};
    bool found = false;
    char t[160];
    int rc;

    otw_sb_printf(&q, "SELECT argMax(deleted, ver) AS d FROM %s WHERE key = ",
                  otw_chd_rt(st, "asset_labels", t, sizeof(t)));
    otw_sb_str(&q, key, keylen);
    otw_sb_puts(&q, " GROUP BY key HAVING d = 0");
    if ((rc = otw_chd_query(st, &q, on_exists, &found, err)) != 0)
        return rc;
    if (!found)
        return OTW_ENOTFOUND;
    return label_row(st, key, keylen, "", "", 0, 1, err);
}

int otw_ch_assets_clear(struct otw_store *st, struct otw_err *err)
{
    return otw_chd_clear(st, "assets", err);
}
