/*
 * api_graph.c - the connections graph (web/src/pages/connections.js).
 *
 *   GET /api/graph?since=&until=&expr=&weight=sessions|bytes
 *                 &hide=icmp,ipv6,multicast,broadcast,operational&limit=2000
 *
 * Session records that started in [since, until) (microseconds; default the
 * last day of data: [newest start - 24 h, newest start]) and match the
 * expression are aggregated into edges, one per (client, server, IP
 * protocol, server port, application protocols), in the store
 * (store_graph.h). Here each edge gets its status and each host its name:
 *
 *   status   "alerting": an open alert names both ends (either way round;
 *            its protocol and port too, when it has them);
 *            "baseline": the baseline has the communication (client,
 *            server, protocol, server port) approved or learned;
 *            "new": anything else (an entry still "new", or none).
 *            A host: "alerting" when an open alert names it, "baseline"
 *            when the baseline knows it (a device of the learning period,
 *            or an end of an approved or learned entry), else "new".
 *   hide     the capture presets applied at query time, so filtering needs
 *            no re-capture: icmp, ipv6, multicast, broadcast (ot-basic's
 *            classes) and operational (the approved operational
 *            communications, ot-operational: `baseline == approved &&
 *            baseline.category == operational` per edge).
 *   limit    the heaviest edges by the weight are kept (default 2,000, at
 *            most 10,000), "truncated" says some were left out; hosts are
 *            those of the kept edges, with their totals over all edges.
 *
 * Each edge carries "expr", an expression of the query language that
 * selects its sessions, for the sessions page (docs/QUERY.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "cli/output.h"
#include "detect/assets.h"
#include "query/query.h"
#include "store/store.h"

#define DAY_US (86400LL * 1000000)
#define LIMIT_DEFAULT 2000
#define LIMIT_MAX 10000

enum { ST_BASELINE = 0, ST_NEW, ST_ALERTING };
static const char *const status_names[] = {"baseline", "new", "alerting"};

enum { HIDE_OPERATIONAL = 1 << 8 };  /* beside OTW_GRAPH_HIDE_* */

static const struct {
    const char *name;
    unsigned bit;
} hide_names[] = {
    {"icmp", OTW_GRAPH_HIDE_ICMP},
    {"ipv6", OTW_GRAPH_HIDE_IPV6},
    {"multicast", OTW_GRAPH_HIDE_MCAST},
    {"broadcast", OTW_GRAPH_HIDE_BCAST},
    {"operational", HIDE_OPERATIONAL},
};

/* --- a small open-addressing set/map keyed by bytes ------------------------------ */

struct kv {
    uint8_t key[40];
    uint8_t len;
    bool used;
    int val;
};

struct kmap {
    struct kv *v;
    size_t n, cap;
};

static uint64_t khash(const uint8_t *k, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ k[i]) * 1099511628211ULL;
    return h ^ (h >> 31);
}

/* The slot of key (added with val = def when absent); NULL when out of memory. */
static struct kv *kmap_get(struct kmap *m, const uint8_t *key, size_t len, int def, bool add)
{
    size_t j;

    if (m->cap == 0 && !add)
        return NULL;
    if (add && (m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        struct kv *nv = calloc(nc, sizeof(*nv));
        if (nv == NULL)
            return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->v[i].used)
                continue;
            j = khash(m->v[i].key, m->v[i].len) & (nc - 1);
            while (nv[j].used)
                j = (j + 1) & (nc - 1);
            nv[j] = m->v[i];
        }
        free(m->v);
        m->v = nv;
        m->cap = nc;
    }
    j = khash(key, len) & (m->cap - 1);
    while (m->v[j].used) {
        if (m->v[j].len == len && memcmp(m->v[j].key, key, len) == 0)
            return &m->v[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (!add)
        return NULL;
    m->v[j].used = true;
    memcpy(m->v[j].key, key, len);
    m->v[j].len = (uint8_t)len;
    m->v[j].val = def;
    m->n++;
    return &m->v[j];
}

static size_t flow_key(uint8_t k[40], const uint8_t *c, const uint8_t *s, int proto, int port)
{
    memcpy(k, c, 16);
    memcpy(k + 16, s, 16);
    k[32] = (uint8_t)proto;
    k[33] = (uint8_t)(port >> 8);
    k[34] = (uint8_t)port;
    return 35;
}

/* --- what one request gathers ------------------------------------------------------- */

struct edge {
    struct otw_graph_edge e;
    char *app;
    int status;
};

struct open_alert {
    uint8_t src[16], dst[16];
    bool has_src, has_dst;
    uint8_t proto;
    uint16_t port;
};

struct graph {
    struct kmap flows;          /* baseline entries: best rank (status * 2 + category) */
    struct kmap known;          /* hosts the baseline knows */
    struct kmap alerted;        /* hosts named by an open alert */
    struct open_alert *alerts;
    size_t nalerts, capalerts;
    struct edge *edges;
    size_t nedges, capedges;
    unsigned hide;
    bool by_bytes;
    int rc;
};

/* Status order of the baseline's own fields (sqlite_query.c BL_BEST):
 * approved 0, learned 1, new 2. */
static int status_rank(int s)
{
    return s == OTW_BL_APPROVED ? 0 : s == OTW_BL_LEARNED ? 1 : 2;
}

static int on_entry(void *ctx, const struct otw_bl_entry *e)
{
    struct graph *g = ctx;
    uint8_t k[40];
    size_t n = flow_key(k, e->k.client, e->k.server, e->k.proto, e->k.port);
    int rank = status_rank(e->status) * 2 + (e->category == OTW_BL_MAINTENANCE);
    struct kv *v = kmap_get(&g->flows, k, n, rank, true);

    if (v == NULL)
        return OTW_ENOMEM;
    /* the hosts of reviewed or learned communications (a "new" entry is
     * what protecting mode saw and nobody approved) */
    if (e->status != OTW_BL_NEW && (kmap_get(&g->known, e->k.client, 16, 0, true) == NULL ||
                                    kmap_get(&g->known, e->k.server, 16, 0, true) == NULL))
        return OTW_ENOMEM;
    if (rank < v->val)
        v->val = rank;
    return 0;
}

static int on_device(void *ctx, const struct otw_bl_device *d)
{
    struct graph *g = ctx;

    if (d->kind == OTW_BL_DEV_MAC)
        return 0;
    return kmap_get(&g->known, d->ip, 16, 0, true) == NULL ? OTW_ENOMEM : 0;
}

static int on_alert(void *ctx, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    struct graph *g = ctx;
    struct open_alert *o;

    (void)m;
    if (a->status != OTW_AS_OPEN)
        return 0;
    if ((a->has_src && kmap_get(&g->alerted, a->src, 16, 0, true) == NULL) ||
        (a->has_dst && kmap_get(&g->alerted, a->dst, 16, 0, true) == NULL))
        return OTW_ENOMEM;
    if (!a->has_src || !a->has_dst)
        return 0;
    if (g->nalerts == g->capalerts) {
        size_t nc = g->capalerts ? g->capalerts * 2 : 64;
        struct open_alert *na = realloc(g->alerts, nc * sizeof(*na));
        if (na == NULL)
            return OTW_ENOMEM;
        g->alerts = na;
        g->capalerts = nc;
    }
    o = &g->alerts[g->nalerts++];
    memcpy(o->src, a->src, 16);
    memcpy(o->dst, a->dst, 16);
    o->has_src = a->has_src;
    o->has_dst = a->has_dst;
    o->proto = a->proto;
    o->port = a->port;
    return 0;
}

static bool edge_alerting(const struct graph *g, const struct otw_graph_edge *e)
{
    for (size_t i = 0; i < g->nalerts; i++) {
        const struct open_alert *a = &g->alerts[i];
        bool fwd = memcmp(a->src, e->client, 16) == 0 && memcmp(a->dst, e->server, 16) == 0;
        bool rev = memcmp(a->src, e->server, 16) == 0 && memcmp(a->dst, e->client, 16) == 0;

        if (!fwd && !rev)
            continue;
        if (a->proto != 0 && a->proto != e->proto)
            continue;
        if (a->port != 0 && a->port != e->port)
            continue;
        return true;
    }
    return false;
}

static int on_edge(void *ctx, const struct otw_graph_edge *e)
{
    struct graph *g = ctx;
    uint8_t k[40];
    size_t n = flow_key(k, e->client, e->server, e->proto, e->port);
    struct kv *v = kmap_get(&g->flows, k, n, 0, false);
    int best = v != NULL ? v->val : -1;
    struct edge *x;

    /* ot-operational: the approved operational communications */
    if ((g->hide & HIDE_OPERATIONAL) && best == 0)
        return 0;
    if (g->nedges == g->capedges) {
        size_t nc = g->capedges ? g->capedges * 2 : 1024;
        struct edge *ne = realloc(g->edges, nc * sizeof(*ne));
        if (ne == NULL)
            goto oom;
        g->edges = ne;
        g->capedges = nc;
    }
    x = &g->edges[g->nedges];
    x->e = *e;
    if ((x->app = strdup(e->app)) == NULL)
        goto oom;
    x->e.app = x->app;
    if (edge_alerting(g, e))
        x->status = ST_ALERTING;
    else if (best >= 0 && best / 2 <= 1)    /* approved or learned */
        x->status = ST_BASELINE;
    else
        x->status = ST_NEW;
    g->nedges++;
    return 0;
oom:
    g->rc = OTW_ENOMEM;
    return 1;
}

static int cmp_edge_weight(const struct edge *a, const struct edge *b, bool bytes)
{
    uint64_t wa = bytes ? a->e.bytes : a->e.sessions, wb = bytes ? b->e.bytes : b->e.sessions;
    int c;

    if (wa != wb)
        return wa > wb ? -1 : 1;
    if (a->e.sessions != b->e.sessions)
        return a->e.sessions > b->e.sessions ? -1 : 1;
    if ((c = memcmp(a->e.client, b->e.client, 16)) != 0)
        return c;
    if ((c = memcmp(a->e.server, b->e.server, 16)) != 0)
        return c;
    if (a->e.proto != b->e.proto)
        return a->e.proto - b->e.proto;
    if (a->e.port != b->e.port)
        return a->e.port - b->e.port;
    return strcmp(a->app, b->app);
}

/* qsort has no context argument: set just before the sort, per thread. */
static _Thread_local bool sort_bytes;

static int cmp_edge(const void *a, const void *b)
{
    return cmp_edge_weight(a, b, sort_bytes);
}

/* --- output --------------------------------------------------------------------------- */

/* The expression that selects an edge's sessions (docs/QUERY.md). */
static void edge_expr(const struct edge *x, char *buf, size_t len)
{
    char a[64], b[64];
    size_t n;
    const char *p;

    n = (size_t)snprintf(buf, len, "ip.src == %s && ip.dst == %s && ip.protocol == %d",
                         otw_ip_str(x->e.client, a, sizeof(a)),
                         otw_ip_str(x->e.server, b, sizeof(b)), x->e.proto);
    if ((x->e.proto == 6 || x->e.proto == 17 || x->e.proto == 132) && n < len)
        n += (size_t)snprintf(buf + n, len - n, " && port.dst == %d", x->e.port);
    if (x->app[0] == '\0' && n < len) {
        snprintf(buf + n, len - n, " && protocols != EXISTS!");
        return;
    }
    /* one comparison per protocol name (names are [a-z0-9-]: no quoting) */
    for (p = x->app; *p && n < len;) {
        size_t w = strcspn(p, " ");
        n += (size_t)snprintf(buf + n, len - n, " && protocols == %.*s", (int)w, p);
        p += w;
        p += strspn(p, " ");
    }
}

static json_t *node_json(const struct graph *g, const struct otw_assets *as, const uint8_t ip[16],
                         uint64_t sessions, uint64_t bytes)
{
    json_t *o = json_object();
    char buf[64];
    const char *name = NULL, *role = NULL;
    int status;

    if (o == NULL)
        return NULL;
    otw_ip_str(ip, buf, sizeof(buf));
    json_object_set_new(o, "id", json_string(buf));
    json_object_set_new(o, "ip", json_string(buf));
    if (as != NULL && otw_assets_name_role(as, ip, &name, &role)) {
        if (name != NULL && name[0])
            json_object_set_new(o, "name", json_string(name));
        if (role != NULL && role[0])
            json_object_set_new(o, "role", json_string(role));
    }
    status = kmap_get((struct kmap *)&g->alerted, ip, 16, 0, false) ? ST_ALERTING
             : kmap_get((struct kmap *)&g->known, ip, 16, 0, false) ? ST_BASELINE
                                                                      : ST_NEW;
    json_object_set_new(o, "status", json_string(status_names[status]));
    json_object_set_new(o, "sessions", json_integer((json_int_t)sessions));
    json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
    return o;
}

struct mac_ctx {
    json_t *node;
};

static int on_asset(void *ctx, const struct otw_asset_info *h)
{
    struct mac_ctx *m = ctx;
    char buf[32];

    if (h->has_mac)
        json_object_set_new(m->node, "mac", json_string(otw_mac_str(h->mac, buf, sizeof(buf))));
    if (h->vendor != NULL && h->vendor[0])
        json_object_set_new(m->node, "vendor", json_string(h->vendor));
    return 0;
}

/* Hosts of the kept edges, each once, with totals over every edge. */
static json_t *nodes_json(const struct graph *g, const struct otw_assets *as, size_t kept)
{
    struct kmap idx = {0};
    json_t *arr = json_array();
    struct {
        uint64_t sessions, bytes;
    } *tot = NULL;
    size_t ntot = 0;

    if (arr == NULL)
        return NULL;
    /* index the kept hosts */
    for (size_t i = 0; i < kept; i++) {
        const uint8_t *ends[2] = {g->edges[i].e.client, g->edges[i].e.server};
        for (int k = 0; k < 2; k++) {
            struct kv *v = kmap_get(&idx, ends[k], 16, (int)ntot, true);
            if (v == NULL)
                goto oom;
            if (v->val == (int)ntot)
                ntot++;
        }
    }
    if (ntot && (tot = calloc(ntot, sizeof(*tot))) == NULL)
        goto oom;
    for (size_t i = 0; i < g->nedges; i++) {
        const uint8_t *ends[2] = {g->edges[i].e.client, g->edges[i].e.server};
        for (int k = 0; k < 2; k++) {
            struct kv *v = kmap_get(&idx, ends[k], 16, 0, false);
            if (v == NULL)
                continue;
            if (k == 1 && memcmp(ends[0], ends[1], 16) == 0)
                continue;   /* a host talking to itself counts once */
            tot[v->val].sessions += g->edges[i].e.sessions;
            tot[v->val].bytes += g->edges[i].e.bytes;
        }
    }
    for (size_t i = 0; i < idx.cap; i++) {
        struct kv *v = &idx.v[i];
        json_t *o;
        struct mac_ctx mc;

        if (!v->used)
            continue;
        o = node_json(g, as, v->key, tot[v->val].sessions, tot[v->val].bytes);
        if (o == NULL)
            goto oom;
        mc.node = o;
        if (as != NULL)
            otw_assets_get(as, v->key, 16, on_asset, &mc);
        json_array_append_new(arr, o);
    }
    free(idx.v);
    free(tot);
    return arr;
oom:
    free(idx.v);
    free(tot);
    json_decref(arr);
    return NULL;
}

static json_t *edge_json(const struct edge *x)
{
    char a[64], b[64], id[200], tb[16], ex[512];
    json_t *o;

    otw_ip_str(x->e.client, a, sizeof(a));
    otw_ip_str(x->e.server, b, sizeof(b));
    snprintf(id, sizeof(id), "%s|%s|%d|%d|%s", a, b, x->e.proto, x->e.port, x->app);
    edge_expr(x, ex, sizeof(ex));
    o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:I, s:I, s:s, s:I, s:I, s:s}", "id", id,
                  "source", a, "target", b, "transport",
                  otw_out_transport(x->e.proto, tb, sizeof(tb)), "proto", x->e.proto, "port",
                  x->e.port, "app", x->app, "sessions", (json_int_t)x->e.sessions, "bytes",
                  (json_int_t)x->e.bytes, "status", status_names[x->status], "first_us",
                  (json_int_t)x->e.first_us, "last_us", (json_int_t)x->e.last_us, "expr", ex);
    return o;
}

/* --- arguments -------------------------------------------------------------------------- */

static int parse_hide(const char *s, unsigned *out, char *bad, size_t badlen)
{
    *out = 0;
    while (s != NULL && *s) {
        size_t w = strcspn(s, ",");
        bool found = false;

        for (size_t i = 0; i < OTW_ARRAY_LEN(hide_names) && w > 0; i++) {
            if (strlen(hide_names[i].name) == w && strncmp(hide_names[i].name, s, w) == 0) {
                *out |= hide_names[i].bit;
                found = true;
            }
        }
        if (!found && w > 0) {
            snprintf(bad, badlen, "%.*s", (int)(w < 64 ? w : 64), s);
            return OTW_EINVAL;
        }
        s += w;
        s += *s == ',';
    }
    return 0;
}

static int query_error(struct otw_http_resp *resp, const char *expr, const struct otw_qerr *qe)
{
    json_t *d = json_object(), *args = json_object(), *sug = json_array();

    json_object_set_new(d, "column", json_integer(qe->column));
    json_object_set_new(d, "kind", json_string(qe->kind ? qe->kind : "out_of_memory"));
    for (size_t i = 0; i < qe->nargs; i++)
        json_object_set_new(args, qe->args[i].name, json_string(qe->args[i].value));
    json_object_set_new(d, "args", args);
    for (size_t i = 0; i < qe->nsuggest; i++)
        json_array_append_new(sug, json_string(qe->suggest[i]));
    json_object_set_new(d, "suggest", sug);
    json_object_set_new(d, "expr", json_string(expr));
    return otw_http_error(resp, 400, "query_syntax", d, "%s", qe->msg);
}

/* A time argument: microseconds since the epoch, or a time as the query
 * language writes them (2026-11-19, "2026-11-19 13:45", RFC 3339). */
static int arg_time(struct otw_http_req *req, struct otw_http_resp *resp, const char *name,
                    int64_t *out, bool *given)
{
    const char *s = otw_http_arg(req, name);
    int64_t hi;
    char *end;

    *given = s != NULL && *s;
    if (!*given)
        return 0;
    if (strspn(s, "0123456789") == strlen(s) && strlen(s) <= 18) {
        *out = (int64_t)strtoll(s, &end, 10);
        return 0;
    }
    if (otw_query_parse_time(s, out, &hi) == 0)
        return 0;
    otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", name),
                   "%s: '%.64s' is not a time (microseconds since the epoch, or e.g. "
                   "2026-11-19T13:45:00Z)", name, s);
    return OTW_EINVAL;
}

static int get_graph(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_err err = {0};
    struct otw_store *st;
    struct otw_query *q = NULL;
    struct otw_qerr qe;
    struct otw_graph_query gq;
    struct otw_assets *as = NULL;
    struct graph g;
    const char *expr = otw_http_arg(req, "expr"), *weight = otw_http_arg(req, "weight");
    const char *hide = otw_http_arg(req, "hide");
    int64_t since = 0, until = 0, limit, first, last;
    bool has_since, has_until;
    uint64_t matched = 0;
    size_t kept;
    char bad[80];
    json_t *root = NULL, *edges = NULL, *nodes = NULL, *hides;
    int rc;

    memset(&g, 0, sizeof(g));
    memset(&gq, 0, sizeof(gq));
    if (arg_time(req, resp, "since", &since, &has_since) != 0 ||
        arg_time(req, resp, "until", &until, &has_until) != 0 ||
        otw_http_arg_int(req, resp, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX, &limit) != 0)
        return 0;
    if (weight != NULL && strcmp(weight, "sessions") != 0 && strcmp(weight, "bytes") != 0)
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "weight"),
                              "weight: '%.64s' is neither sessions nor bytes", weight);
    g.by_bytes = weight != NULL && strcmp(weight, "bytes") == 0;
    if (parse_hide(hide, &g.hide, bad, sizeof(bad)) != 0)
        return otw_http_error(resp, 400, "bad_argument",
                              json_pack("{s:s, s:s}", "argument", "hide", "value", bad),
                              "hide: unknown class '%s' (icmp, ipv6, multicast, broadcast, "
                              "operational)", bad);
    if (has_since && has_until && since >= until)
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "until"),
                              "until must be later than since");
    if (expr != NULL && expr[0] && otw_query_parse(expr, &q, &qe) != 0)
        return query_error(resp, expr, &qe);

    if ((st = otw_api_store(req, &err)) == NULL)
        goto store_fail;
    if (!has_since || !has_until) {
        if (otw_store_session_span(st, &first, &last, &err) != 0)
            goto store_fail;
        if (!has_until)
            until = has_since ? since + DAY_US : last + 1;
        if (!has_since)
            since = until - DAY_US;
        if (since >= until)
            since = until - DAY_US;
    }
    /* the baseline's communications and devices, the open alerts */
    if (otw_store_bl_entries(st, on_entry, &g, &err) != 0 ||
        otw_store_bl_devices(st, on_device, &g, &err) != 0)
        goto store_fail;
    {
        struct otw_alert_query aq = {.status = OTW_AS_OPEN, .kind = -1};
        if (otw_store_alerts_query(st, &aq, on_alert, &g, &err) != 0)
            goto store_fail;
    }
    gq.expr = q;
    gq.since_us = since;
    gq.until_us = until;
    gq.hide = g.hide & ~(unsigned)HIDE_OPERATIONAL;
    rc = otw_store_graph_edges(st, &gq, on_edge, &g, &matched, &err);
    if (rc == OTW_ESYNTAX) {    /* parsed, but too large to compile */
        rc = otw_http_error(resp, 400, "query_syntax", NULL, "%s", err.msg);
        goto out;
    }
    if (rc == 0 && g.rc != 0) {
        rc = g.rc;
        otw_err_set(&err, -1, "out of memory");
    }
    if (rc != 0)
        goto store_fail;
    as = otw_assets_load(st, otw_api_config(req), &err);  /* names: best effort */

    sort_bytes = g.by_bytes;
    if (g.nedges > 1)
        qsort(g.edges, g.nedges, sizeof(*g.edges), cmp_edge);
    kept = g.nedges < (size_t)limit ? g.nedges : (size_t)limit;
    if ((edges = json_array()) == NULL)
        goto oom;
    for (size_t i = 0; i < kept; i++)
        json_array_append_new(edges, edge_json(&g.edges[i]));
    if ((nodes = nodes_json(&g, as, kept)) == NULL)
        goto oom;
    hides = json_array();
    for (size_t i = 0; i < OTW_ARRAY_LEN(hide_names); i++)
        if (g.hide & hide_names[i].bit)
            json_array_append_new(hides, json_string(hide_names[i].name));
    matched = 0;    /* the records of the edges left after hiding */
    for (size_t i = 0; i < g.nedges; i++)
        matched += g.edges[i].e.sessions;
    root = json_pack("{s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:s, s:o, s:s?}", "nodes", nodes,
                     "edges", edges, "truncated", kept < g.nedges, "edges_total",
                     (json_int_t)g.nedges, "sessions", (json_int_t)matched, "since_us",
                     (json_int_t)since, "until_us", (json_int_t)until, "weight",
                     g.by_bytes ? "bytes" : "sessions", "hide", hides, "expr",
                     expr != NULL && expr[0] ? expr : NULL);
    nodes = edges = NULL;
    if (root == NULL)
        goto oom;
    rc = otw_http_json(resp, 200, root);
    goto out;
store_fail:
    if (q != NULL && err.msg[0] == '\0')
        otw_err_set(&err, -1, "store error");
    rc = otw_http_store_error(resp, &err);
    goto out;
oom:
    json_decref(edges);
    json_decref(nodes);
    rc = otw_http_error(resp, 500, "out_of_memory", NULL, "out of memory building the graph");
out:
    for (size_t i = 0; i < g.nedges; i++)
        free(g.edges[i].app);
    free(g.edges);
    free(g.flows.v);
    free(g.known.v);
    free(g.alerted.v);
    free(g.alerts);
    otw_assets_free(as);
    otw_query_free(q);
    return rc;
}

const struct otw_route otw_routes_graph[] = {
    {"GET", "/api/graph", OTW_ACCESS_VIEWER, get_graph},
    {NULL, NULL, 0, NULL},
};
