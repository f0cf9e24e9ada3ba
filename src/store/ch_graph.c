/*
 * ch_graph.c - the connections graph and the daily figures of the
 * ClickHouse backend (store_graph.h, store_daily.h): the same answers as
 * sqlite_graph.c and sqlite_daily.c, aggregated by the server at query time.
 *
 * SQLite keeps a per-hour table (graph_hours) because summing a day of
 * records one by one is slow there; ClickHouse sums a day of a column store
 * in one GROUP BY, over every shard of the Distributed table, so there is
 * nothing to keep up to date and nothing to rebuild. Each query reads the
 * sessions table with FINAL (a record sent twice, or updated by live
 * capture, counts once: ch_int.h) and a condition on `start`, the sorting
 * key's first column (a whole-seconds copy of start_us), which picks the
 * partitions and parts of the range; the exact microsecond range follows.
 *
 * The graph's hide toggles are conditions in the WHERE clause, the same
 * classes as sqlite_graph.c's dst_kind()/hidden(): the destination's
 * multicast bit (224.0.0.0/4, ff00::/8, or a group MAC that is not the
 * broadcast MAC) and broadcast (255.255.255.255 or ff:ff:ff:ff:ff:ff).
 * An expression (the sessions page's filter) compiles through the
 * ClickHouse dialect of the query compiler (otw_chq_compile, ch_query.c),
 * its condition added to the WHERE clause.
 *
 * The daily figures: sessions summed per host and hour by the server (one
 * row per side: the destination only for TCP, UDP and SCTP, as `otwatch
 * hosts` counts); the top hosts are picked here from those few rows (hosts
 * x 24), in sqlite_daily.c's order (bytes, then address).
 */
#include <stdlib.h>
#include <string.h>

#include "query/query.h"
#include "store/sqlite_int.h"
#include "store/sqlq.h"

#define US_PER_S 1000000LL
#define HOUR_US 3600000000LL

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The DateTime bounds (whole seconds, within DateTime's range) that hold
 * every start_us in [since, until). */
static void start_bounds(int64_t since_us, int64_t until_us, int64_t *s0, int64_t *s1)
{
    *s0 = floor_div(since_us, US_PER_S);
    *s1 = floor_div(until_us - 1, US_PER_S);
    *s0 = OTW_MIN(OTW_MAX(*s0, 0), 4294967295LL);
    *s1 = OTW_MIN(OTW_MAX(*s1, 0), 4294967295LL);
}

/* FROM sessions FINAL WHERE (start and start_us in [since, until)) */
static void from_range(struct otw_sb *q, struct otw_store *st, int64_t since_us,
                       int64_t until_us)
{
    char t[160];
    int64_t s0, s1;

    start_bounds(since_us, until_us, &s0, &s1);
    otw_sb_printf(q,
                  " FROM %s FINAL WHERE start >= toDateTime(%lld) AND start <= toDateTime(%lld)"
                  " AND start_us >= %lld AND start_us < %lld",
                  otw_ch_read_table(st->ch, "sessions", t, sizeof(t)), (long long)s0,
                  (long long)s1, (long long)since_us, (long long)until_us);
}

/* --- the graph ------------------------------------------------------------------- */

/* The destination classes (sqlite_graph.c GH_CAST, dst_kind()). */
#define CH_V4(c) "(substring(" c ", 1, 12) = unhex('00000000000000000000FFFF'))"
#define CH_MAC "ifNull(dst_mac, unhex('000000000000'))"
#define CH_MCAST                                                                              \
    "((" CH_V4("dst_ip") " AND substring(dst_ip, 13, 1) >= unhex('E0')"                       \
    " AND substring(dst_ip, 13, 1) <= unhex('EF'))"                                           \
    " OR (NOT " CH_V4("dst_ip") " AND substring(dst_ip, 1, 1) = unhex('FF'))"                 \
    " OR (" CH_MAC " != unhex('FFFFFFFFFFFF')"                                                \
    " AND position('13579BDF', substring(hex(" CH_MAC "), 2, 1)) > 0))"
#define CH_BCAST                                                                              \
    "(dst_ip = unhex('00000000000000000000FFFFFFFFFFFF') OR " CH_MAC                          \
    " = unhex('FFFFFFFFFFFF'))"

struct edges_ctx {
    otw_graph_edge_cb cb;
    void *ctx;
    uint64_t matched;
    bool stopped;
};

static int on_edge_row(void *arg, json_t *row)
{
    struct edges_ctx *ec = arg;
    struct otw_graph_edge e;

    memset(&e, 0, sizeof(e));
    if (otw_chj_hex(row, "c", e.client, 16) != 16 || otw_chj_hex(row, "s", e.server, 16) != 16)
        return 0;
    e.proto = (uint8_t)otw_chj_int(row, "proto");
    e.port = (uint16_t)otw_chj_int(row, "port");
    e.app = otw_chj_str(row, "app");
    e.sessions = (uint64_t)otw_chj_int(row, "n");
    e.bytes = (uint64_t)otw_chj_int(row, "b");
    e.first_us = otw_chj_int(row, "f");
    e.last_us = otw_chj_int(row, "l");
    ec->matched += e.sessions;
    if (ec->cb(ec->ctx, &e) != 0) {
        ec->stopped = true;
        return 1;
    }
    return 0;
}

int otw_ch_graph_edges(struct otw_store *st, const struct otw_graph_query *q,
                       otw_graph_edge_cb cb, void *ctx, uint64_t *matched, struct otw_err *err)
{
    struct edges_ctx ec = {cb, ctx, 0, false};
    struct otw_sb sql = {0};
    struct otw_sqlq w;
    int rc;

    if (matched)
        *matched = 0;
    memset(&w, 0, sizeof(w));
    if (q->since_us >= q->until_us)
        return 0;
    if (q->expr != NULL && (rc = otw_chq_compile_st(st, q->expr, &w, err)) != 0) {
        otw_sqlq_free(&w);
        return rc;
    }
    /* One row per edge: the protocols text trimmed as sqlite_graph.c's
     * app_index() does; the port only for protocols with ports. */
    otw_sb_puts(&sql,
                "SELECT hex(src_ip) AS c, hex(dst_ip) AS s, proto,"
                " if(proto IN (6, 17, 132), dst_port, 0) AS port,"
                " replaceRegexpAll(protocols, '^ +| +$', '') AS app, count() AS n,"
                " sum(src_bytes + dst_bytes) AS b, min(start_us) AS f, max(end_us) AS l");
    from_range(&sql, st, q->since_us, q->until_us);
    if (q->hide & OTW_GRAPH_HIDE_ICMP)
        otw_sb_puts(&sql, " AND proto NOT IN (1, 58)");
    if (q->hide & OTW_GRAPH_HIDE_IPV6)
        otw_sb_puts(&sql, " AND " CH_V4("src_ip"));
    if (q->hide & OTW_GRAPH_HIDE_MCAST)
        otw_sb_puts(&sql, " AND NOT " CH_MCAST);
    if (q->hide & OTW_GRAPH_HIDE_BCAST)
        otw_sb_puts(&sql, " AND NOT " CH_BCAST);
    if (w.where != NULL)
        otw_sb_printf(&sql, " AND (%s)", w.where);
    otw_sqlq_free(&w);
    otw_sb_puts(&sql, " GROUP BY c, s, proto, port, app");
    if (sql.oom) {
        otw_sb_free(&sql);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    rc = otw_chc_query(st->ch->c, sql.p, on_edge_row, &ec, err);
    otw_sb_free(&sql);
    if (ec.stopped)
        rc = 0;
    if (rc == 0 && matched)
        *matched = ec.matched;
    return rc;
}

int otw_ch_graph_rebuild(struct otw_store *st, struct otw_err *err)
{
    /* Nothing is kept per hour: the graph is summed when asked for. */
    OTW_UNUSED(st);
    OTW_UNUSED(err);
    return 0;
}

/* --- the time span ----------------------------------------------------------------- */

struct span_ctx {
    int64_t first, last, n;
};

static int on_span_row(void *arg, json_t *row)
{
    struct span_ctx *sc = arg;

    sc->n = otw_chj_int(row, "n");
    sc->first = otw_chj_int(row, "f");
    sc->last = otw_chj_int(row, "l");
    return 0;
}

int otw_ch_session_span(struct otw_store *st, int64_t *first_us, int64_t *last_us,
                        struct otw_err *err)
{
    struct span_ctx sc = {0, 0, 0};
    struct otw_sb sql = {0};
    char t[160];
    int rc;

    *first_us = *last_us = 0;
    /* No FINAL: a record counted twice moves neither end. First the ends
     * in whole seconds from `start` (4 bytes a row, the sorting key), then
     * the microseconds within those two seconds, which the primary index
     * finds without reading the rest. */
    otw_sb_printf(&sql,
                  "SELECT count() AS n, toUInt32(min(start)) AS f, toUInt32(max(start)) AS l"
                  " FROM %s WHERE start >= toDateTime(0)",
                  otw_ch_read_table(st->ch, "sessions", t, sizeof(t)));
    if (sql.oom) {
        otw_sb_free(&sql);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    rc = otw_chc_query(st->ch->c, sql.p, on_span_row, &sc, err);
    if (rc == 0 && sc.n > 0) {
        int64_t a = sc.first, b = sc.last;

        otw_sb_reset(&sql);
        otw_sb_printf(&sql,
                      "SELECT count() AS n, minIf(start_us, start = toDateTime(%lld)) AS f,"
                      " maxIf(start_us, start = toDateTime(%lld)) AS l FROM %s"
                      " WHERE start = toDateTime(%lld) OR start = toDateTime(%lld)",
                      (long long)a, (long long)b,
                      otw_ch_read_table(st->ch, "sessions", t, sizeof(t)), (long long)a,
                      (long long)b);
        rc = sql.oom ? OTW_ENOMEM : otw_chc_query(st->ch->c, sql.p, on_span_row, &sc, err);
    }
    otw_sb_free(&sql);
    if (rc == 0 && sc.n > 0) {
        *first_us = sc.first;
        *last_us = sc.last;
    }
    return rc;
}

/* --- traffic per host and hour ------------------------------------------------------ */

struct hh_row {
    uint8_t ip[16];
    int hour;
    uint64_t n, b;
};

struct hh_host {
    uint8_t ip[16];
    uint64_t n, b;
    size_t first;           /* its rows: rows[first .. first + count) */
    size_t count;
};

struct hh_ctx {
    struct hh_row *rows;
    size_t nrows, cap;
    bool oom;
};

static int on_hh_row(void *arg, json_t *row)
{
    struct hh_ctx *hc = arg;
    struct hh_row *r;

    if (hc->nrows == hc->cap) {
        size_t nc = hc->cap ? hc->cap * 2 : 256;
        struct hh_row *nr = realloc(hc->rows, nc * sizeof(*nr));

        if (nr == NULL) {
            hc->oom = true;
            return 1;
        }
        hc->rows = nr;
        hc->cap = nc;
    }
    r = &hc->rows[hc->nrows];
    if (otw_chj_hex(row, "ip", r->ip, 16) != 16)
        return 0;
    r->hour = (int)otw_chj_int(row, "h");
    r->n = (uint64_t)otw_chj_int(row, "n");
    r->b = (uint64_t)otw_chj_int(row, "b");
    hc->nrows++;
    return 0;
}

/* rows in (ip, hour) order */
static int hh_row_cmp(const void *a, const void *b)
{
    const struct hh_row *x = a, *y = b;
    int c = memcmp(x->ip, y->ip, 16);

    if (c != 0)
        return c;
    return x->hour < y->hour ? -1 : x->hour > y->hour;
}

/* hosts busiest first, then by address (sqlite_daily.c's ORDER BY tb DESC, ip) */
static int hh_host_cmp(const void *a, const void *b)
{
    const struct hh_host *x = a, *y = b;

    if (x->b != y->b)
        return x->b > y->b ? -1 : 1;
    return memcmp(x->ip, y->ip, 16);
}

struct totals_ctx {
    struct otw_range_totals *t;
};

static int on_totals_row(void *arg, json_t *row)
{
    struct totals_ctx *tc = arg;

    tc->t->sessions = (uint64_t)otw_chj_int(row, "n");
    tc->t->bytes = (uint64_t)otw_chj_int(row, "b");
    return 0;
}

int otw_ch_host_hours(struct otw_store *st, int64_t since_us, int64_t until_us, int64_t top,
                      otw_host_hour_cb cb, void *ctx, struct otw_range_totals *totals,
                      struct otw_err *err)
{
    struct hh_ctx hc = {NULL, 0, 0, false};
    struct hh_host *hosts = NULL;
    size_t nhosts = 0, show;
    struct otw_sb sql = {0};
    int rc;

    if (until_us <= since_us) {
        otw_err_set(err, -1, "empty time range");
        return OTW_EINVAL;
    }
    /* Each session once per side, in the hour it started, summed per host
     * and hour by the server. */
    otw_sb_printf(&sql,
                  "SELECT hex(a) AS ip, h, count() AS n, sum(sb) AS b FROM"
                  " (SELECT arrayJoin(if(proto IN (6, 17, 132), [src_ip, dst_ip], [src_ip]))"
                  " AS a, src_bytes + dst_bytes AS sb, intDiv(start_us - %lld, %lld) AS h",
                  (long long)since_us, (long long)HOUR_US);
    from_range(&sql, st, since_us, until_us);
    otw_sb_puts(&sql, ") GROUP BY a, h");
    if (sql.oom) {
        rc = OTW_ENOMEM;
        otw_err_set(err, -1, "out of memory");
        goto out;
    }
    rc = otw_chc_query(st->ch->c, sql.p, on_hh_row, &hc, err);
    if (rc == 0 && hc.oom) {
        rc = OTW_ENOMEM;
        otw_err_set(err, -1, "out of memory reading traffic per host and hour");
    }
    if (rc != 0)
        goto out;
    /* the hosts, their totals, the busiest first */
    if (hc.nrows > 0)
        qsort(hc.rows, hc.nrows, sizeof(*hc.rows), hh_row_cmp);
    if ((hosts = calloc(hc.nrows ? hc.nrows : 1, sizeof(*hosts))) == NULL) {
        rc = OTW_ENOMEM;
        otw_err_set(err, -1, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < hc.nrows; i++) {
        if (nhosts == 0 || memcmp(hosts[nhosts - 1].ip, hc.rows[i].ip, 16) != 0) {
            memcpy(hosts[nhosts].ip, hc.rows[i].ip, 16);
            hosts[nhosts].first = i;
            nhosts++;
        }
        hosts[nhosts - 1].n += hc.rows[i].n;
        hosts[nhosts - 1].b += hc.rows[i].b;
        hosts[nhosts - 1].count++;
    }
    qsort(hosts, nhosts, sizeof(*hosts), hh_host_cmp);
    show = top > 0 && (size_t)top < nhosts ? (size_t)top : nhosts;
    for (size_t i = 0; i < show; i++) {
        bool stop = false;

        for (size_t k = 0; k < hosts[i].count; k++) {
            const struct hh_row *r = &hc.rows[hosts[i].first + k];
            struct otw_host_hour hh;

            memset(&hh, 0, sizeof(hh));
            memcpy(hh.ip, r->ip, 16);
            hh.hour = r->hour;
            hh.sessions = r->n;
            hh.bytes = r->b;
            hh.total_sessions = hosts[i].n;
            hh.total_bytes = hosts[i].b;
            if (cb(ctx, &hh) != 0) {
                stop = true;
                break;
            }
        }
        if (stop)
            break;
    }
    if (totals != NULL) {
        struct totals_ctx tc = {totals};

        memset(totals, 0, sizeof(*totals));
        totals->hosts = nhosts;     /* every host of the range is in some hour */
        otw_sb_reset(&sql);
        otw_sb_puts(&sql, "SELECT count() AS n, sum(src_bytes + dst_bytes) AS b");
        from_range(&sql, st, since_us, until_us);
        if (sql.oom) {
            rc = OTW_ENOMEM;
            otw_err_set(err, -1, "out of memory");
            goto out;
        }
        rc = otw_chc_query(st->ch->c, sql.p, on_totals_row, &tc, err);
    }
out:
    otw_sb_free(&sql);
    free(hosts);
    free(hc.rows);
    return rc;
}
