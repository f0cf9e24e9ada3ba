/*
 * sqlite_graph.c - the connections graph of the SQLite store (issue 7): what
 * the web interface's Connections page aggregates (store_graph.h).
 *
 * A day of a 10-million-session store is about 130,000 session records;
 * reading them, even from a covering index, costs SQLite about 0.5 us each
 * (decoding the columns), and its GROUP BY sorts them on top. So the graph
 * is kept per hour as well: graph_hours (migration 10) holds, for each hour,
 * the records of each edge key, maintained by triggers on the sessions
 * table, and a day is about 30,000 rows of it. A range is read as its whole
 * hours from graph_hours plus the records of the two partial hours at its
 * ends (from the covering index sessions_graph); the sums are made here in a
 * hash table, where the hide toggles apply too. An expression can name any
 * field, so with one the records themselves are read (its WHERE clause
 * added; SQLite picks the index the expression suits, else the covering
 * one). bench/web.sh times both against SQLite's own GROUP BY.
 */
#include <stdlib.h>
#include <string.h>

#include "query/query.h"
#include "store/sqlite_int.h"
#include "store/sqlite_query.h"

/* Schema migration 10: what the web pages need (owner: the graph helper).
 *
 * sessions_graph covers the graph's scan: the start time first (the
 * range), then the edge key, then what is summed or judged. Imports write
 * sessions in about time order, so the index grows at its end.
 *
 * graph_hours is the graph per hour: the session records of each edge key
 * (client, server, protocol, server port, protocols text, and `dkind`: bit 1
 * multicast, bit 2 broadcast destination by address or MAC) that started in
 * that hour, their bytes, first start and last end. Triggers keep it exact
 * whoever writes: a new record adds itself; a replaced record (live
 * capture's updates of open sessions: ON CONFLICT(uid) DO UPDATE) takes its
 * old values out and puts the new ones in; a deleted record (import --force
 * forgetting a file) takes itself out, and the first/last times of its key
 * are read again from the sessions when it held one of them. Existing
 * sessions are summed in when the migration runs. */
#define GH_CAST(r)                                                                            \
    "((CASE WHEN (substr(" r ".dst_ip, 1, 12) = x'00000000000000000000ffff'"                 \
    " AND substr(" r ".dst_ip, 13, 1) BETWEEN x'e0' AND x'ef')"                              \
    " OR (substr(" r ".dst_ip, 1, 12) != x'00000000000000000000ffff'"                        \
    " AND substr(" r ".dst_ip, 1, 1) = x'ff')"                                               \
    " OR (length(" r ".dst_mac) = 6 AND " r ".dst_mac != x'ffffffffffff'"                    \
    " AND instr('13579BDF', substr(hex(" r ".dst_mac), 2, 1)) > 0) THEN 1 ELSE 0 END)"      \
    " | (CASE WHEN " r ".dst_ip = x'00000000000000000000ffffffffffff'"                       \
    " OR " r ".dst_mac = x'ffffffffffff' THEN 2 ELSE 0 END))"
#define GH_PORT(r) "(CASE WHEN " r ".proto IN (6, 17, 132) THEN " r ".dst_port ELSE 0 END)"
#define GH_HOUR(r) "(" r ".start_us / 3600000000)"
#define GH_KEY(r)                                                                             \
    "hour = " GH_HOUR(r) " AND src_ip = " r ".src_ip AND dst_ip = " r ".dst_ip AND proto = "  \
    r ".proto AND port = " GH_PORT(r) " AND protocols = " r ".protocols AND dkind = "         \
    GH_CAST(r)
#define GH_ADD(r)                                                                             \
    "INSERT INTO graph_hours(hour, src_ip, dst_ip, proto, port, protocols, dkind, sessions,"   \
    " bytes, first_us, last_us) VALUES (" GH_HOUR(r) ", " r ".src_ip, " r ".dst_ip, " r       \
    ".proto, " GH_PORT(r) ", " r ".protocols, " GH_CAST(r) ", 1, " r ".src_bytes + " r        \
    ".dst_bytes, " r ".start_us, " r ".end_us) ON CONFLICT DO UPDATE SET"                     \
    " sessions = sessions + 1, bytes = bytes + excluded.bytes,"                               \
    " first_us = min(first_us, excluded.first_us), last_us = max(last_us, excluded.last_us);"
/* the key's sessions still stored, for first/last after one left */
#define GH_SAME(r)                                                                            \
    " FROM sessions s WHERE s.src_ip = " r ".src_ip AND s.start_us >= hour * 3600000000"      \
    " AND s.start_us < (hour + 1) * 3600000000 AND s.dst_ip = " r ".dst_ip AND s.proto = "   \
    r ".proto AND " GH_PORT("s") " = port AND s.protocols = " r ".protocols AND "             \
    GH_CAST("s") " = dkind"
#define GH_SUB(r)                                                                             \
    "UPDATE graph_hours SET sessions = sessions - 1,"                                         \
    " bytes = bytes - (" r ".src_bytes + " r ".dst_bytes) WHERE " GH_KEY(r) ";"               \
    "DELETE FROM graph_hours WHERE " GH_KEY(r) " AND sessions <= 0;"                          \
    "UPDATE graph_hours SET first_us = coalesce((SELECT min(s.start_us)" GH_SAME(r)           \
    "), first_us), last_us = coalesce((SELECT max(s.end_us)" GH_SAME(r) "), last_us)"         \
    " WHERE " GH_KEY(r) " AND (first_us = " r ".start_us OR last_us = " r ".end_us);"

/* graph_hours from scratch: the sessions summed per hour and key */
#define GH_FILL                                                                               \
    "INSERT INTO graph_hours(hour, src_ip, dst_ip, proto, port, protocols, dkind, sessions,"  \
    " bytes, first_us, last_us)"                                                              \
    " SELECT " GH_HOUR("sessions") ", src_ip, dst_ip, proto, " GH_PORT("sessions") ","        \
    " protocols, " GH_CAST("sessions") ", count(*), sum(src_bytes + dst_bytes),"              \
    " min(start_us), max(end_us) FROM sessions GROUP BY 1, 2, 3, 4, 5, 6, 7;"

const char otw_sqlite_migration_web[] =
    "CREATE INDEX sessions_graph ON sessions(start_us, src_ip, dst_ip, proto, dst_port,"
    " protocols, dst_mac, src_bytes, dst_bytes, end_us);"
    "CREATE TABLE graph_hours ("
    "  hour INTEGER NOT NULL,"              /* start_us / 3600000000 */
    "  src_ip BLOB NOT NULL, dst_ip BLOB NOT NULL,"
    "  proto INTEGER NOT NULL, port INTEGER NOT NULL,"
    "  protocols TEXT NOT NULL,"
    "  dkind INTEGER NOT NULL,"             /* 1 multicast, 2 broadcast destination */
    "  sessions INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    "  first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
    "  PRIMARY KEY (hour, src_ip, dst_ip, proto, port, protocols, dkind)) WITHOUT ROWID;"
    "CREATE TRIGGER graph_hours_ins AFTER INSERT ON sessions BEGIN " GH_ADD("new") " END;"
    "CREATE TRIGGER graph_hours_del AFTER DELETE ON sessions BEGIN " GH_SUB("old") " END;"
    "CREATE TRIGGER graph_hours_upd AFTER UPDATE OF start_us, end_us, proto, src_ip, dst_ip,"
    " dst_port, dst_mac, src_bytes, dst_bytes, protocols ON sessions BEGIN "
    GH_SUB("old") GH_ADD("new") " END;"
    GH_FILL;

/* --- the edge table: open addressing, keys compared in full ------------------ */

struct ekey {
    uint8_t client[16], server[16];
    uint8_t proto;
    uint16_t port;
    uint32_t app;           /* index into the application names */
};

struct eslot {
    struct ekey k;
    bool used;
    uint64_t sessions, bytes;
    int64_t first_us, last_us;
};

struct etable {
    struct eslot *v;
    size_t n, cap;          /* used slots, slots (a power of two) */
    char **apps;            /* distinct protocols texts, trimmed */
    uint32_t napps, capapps;
};

static uint64_t hash_key(const struct ekey *k)
{
    /* FNV-1a over the key's bytes, then a final mix */
    uint64_t h = 1469598103934665603ULL;
    const uint8_t *p = k->client;

    for (int i = 0; i < 16; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    p = k->server;
    for (int i = 0; i < 16; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    h = (h ^ k->proto) * 1099511628211ULL;
    h = (h ^ k->port) * 1099511628211ULL;
    h = (h ^ k->app) * 1099511628211ULL;
    h ^= h >> 29;
    return h;
}

static bool key_eq(const struct ekey *a, const struct ekey *b)
{
    return a->proto == b->proto && a->port == b->port && a->app == b->app &&
           memcmp(a->client, b->client, 16) == 0 && memcmp(a->server, b->server, 16) == 0;
}

static int etable_grow(struct etable *t)
{
    size_t nc = t->cap ? t->cap * 2 : 1024;
    struct eslot *nv = calloc(nc, sizeof(*nv));

    if (nv == NULL)
        return OTW_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->v[i].used)
            continue;
        size_t j = hash_key(&t->v[i].k) & (nc - 1);
        while (nv[j].used)
            j = (j + 1) & (nc - 1);
        nv[j] = t->v[i];
    }
    free(t->v);
    t->v = nv;
    t->cap = nc;
    return 0;
}

static struct eslot *etable_get(struct etable *t, const struct ekey *k)
{
    size_t j;

    if ((t->n + 1) * 4 > t->cap * 3 && etable_grow(t) != 0)
        return NULL;
    j = hash_key(k) & (t->cap - 1);
    while (t->v[j].used) {
        if (key_eq(&t->v[j].k, k))
            return &t->v[j];
        j = (j + 1) & (t->cap - 1);
    }
    t->v[j].used = true;
    t->v[j].k = *k;
    t->v[j].first_us = INT64_MAX;
    t->v[j].last_us = INT64_MIN;
    t->n++;
    return &t->v[j];
}

/* The index of a protocols text (" http tls " -> "http tls"); the texts of
 * one query are few, and consecutive rows mostly repeat the last one. */
static int app_index(struct etable *t, const unsigned char *text, int len, uint32_t *out)
{
    while (len > 0 && text[0] == ' ') {
        text++;
        len--;
    }
    while (len > 0 && text[len - 1] == ' ')
        len--;
    for (uint32_t i = t->napps; i-- > 0;) {
        if ((int)strlen(t->apps[i]) == len && memcmp(t->apps[i], text, (size_t)len) == 0) {
            *out = i;
            return 0;
        }
    }
    if (t->napps == t->capapps) {
        uint32_t nc = t->capapps ? t->capapps * 2 : 16;
        char **na = realloc(t->apps, nc * sizeof(*na));
        if (na == NULL)
            return OTW_ENOMEM;
        t->apps = na;
        t->capapps = nc;
    }
    if ((t->apps[t->napps] = malloc((size_t)len + 1)) == NULL)
        return OTW_ENOMEM;
    memcpy(t->apps[t->napps], text, (size_t)len);
    t->apps[t->napps][len] = '\0';
    *out = t->napps++;
    return 0;
}

static void etable_free(struct etable *t)
{
    for (uint32_t i = 0; i < t->napps; i++)
        free(t->apps[i]);
    free(t->apps);
    free(t->v);
}

/* --- the hide toggles, per record ---------------------------------------------- */

static bool is_v4(const uint8_t *ip)
{
    static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(ip, pfx, 12) == 0;
}

/* Bits of a destination: 1 multicast, 2 broadcast, by address or MAC
 * (the same test as GH_CAST above). */
static unsigned dst_kind(const uint8_t *dst, const uint8_t *dmac, int dmac_len)
{
    static const uint8_t bc4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255, 255};
    bool mac_bcast = dmac_len == 6 && (dmac[0] & dmac[1] & dmac[2] & dmac[3] & dmac[4] &
                                       dmac[5]) == 0xff;
    unsigned k = 0;

    if (is_v4(dst) ? (dst[12] & 0xf0) == 0xe0 : dst[0] == 0xff)
        k |= 1;
    if (dmac_len == 6 && (dmac[0] & 1) && !mac_bcast)
        k |= 1;
    if (memcmp(dst, bc4, 16) == 0 || mac_bcast)
        k |= 2;
    return k;
}

static bool hidden(unsigned hide, int proto, const uint8_t *src, unsigned dkind)
{
    if ((hide & OTW_GRAPH_HIDE_ICMP) && (proto == 1 || proto == 58))
        return true;
    if ((hide & OTW_GRAPH_HIDE_IPV6) && !is_v4(src))
        return true;
    if ((hide & OTW_GRAPH_HIDE_MCAST) && (dkind & 1))
        return true;
    if ((hide & OTW_GRAPH_HIDE_BCAST) && (dkind & 2))
        return true;
    return false;
}

/* Adds n records of one key. */
static int add(struct etable *t, const uint8_t *src, const uint8_t *dst, int proto, int port,
               const unsigned char *app, int applen, uint64_t n, uint64_t bytes, int64_t first,
               int64_t last, struct otw_err *err)
{
    struct ekey k;
    struct eslot *e;

    memcpy(k.client, src, 16);
    memcpy(k.server, dst, 16);
    k.proto = (uint8_t)proto;
    k.port = proto == 6 || proto == 17 || proto == 132 ? (uint16_t)port : 0;
    if (app_index(t, app, applen, &k.app) != 0 || (e = etable_get(t, &k)) == NULL) {
        otw_err_set(err, -1, "out of memory aggregating the graph");
        return OTW_ENOMEM;
    }
    e->sessions += n;
    e->bytes += bytes;
    if (first < e->first_us)
        e->first_us = first;
    if (last > e->last_us)
        e->last_us = last;
    return 0;
}

/* The session records that started in [since, until) and match the
 * compiled expression (NULL: all), one by one. */
static int scan(struct otw_store *st, struct etable *t, int64_t since, int64_t until,
                const struct otw_sqlq *sq, unsigned hide, uint64_t *nrows, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    char *sql;
    int rc = OTW_ESTORE, step;

    if (since >= until)
        return 0;
    /* Times are our own integers: printed, so that the expression's binds
     * start at 1. */
    sql = sqlite3_mprintf("SELECT src_ip, dst_ip, proto, dst_port, protocols, dst_mac,"
                          " src_bytes + dst_bytes, start_us, end_us FROM sessions"
                          " WHERE start_us >= %lld AND start_us < %lld AND (%s)",
                          (long long)since, (long long)until,
                          sq != NULL && sq->where ? sq->where : "1");
    if (sql == NULL) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    if (otw_sqlite_prepare(st, &s, sql, err) != 0)
        goto out;
    if (sq != NULL && otw_sqlq_bind(s, sq, 1) != 0) {
        otw_sqlite_fail(st, err, "binding the expression");
        goto out;
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const uint8_t *src = sqlite3_column_blob(s, 0), *dst = sqlite3_column_blob(s, 1);
        int proto = sqlite3_column_int(s, 2);

        if (sqlite3_column_bytes(s, 0) != 16 || sqlite3_column_bytes(s, 1) != 16)
            continue;
        if (hide && hidden(hide, proto, src,
                           dst_kind(dst, sqlite3_column_blob(s, 5), sqlite3_column_bytes(s, 5))))
            continue;
        if (add(t, src, dst, proto, sqlite3_column_int(s, 3), sqlite3_column_text(s, 4),
                sqlite3_column_bytes(s, 4), 1, (uint64_t)sqlite3_column_int64(s, 6),
                sqlite3_column_int64(s, 7), sqlite3_column_int64(s, 8), err) != 0) {
            rc = OTW_ENOMEM;
            goto out;
        }
        (*nrows)++;
    }
    if (step != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading sessions for the graph");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return rc;
}

/* The whole hours [h0, h1) from graph_hours. */
static int hours(struct otw_store *st, struct etable *t, int64_t h0, int64_t h1, unsigned hide,
                 uint64_t *nrows, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE, step;

    if (h0 >= h1)
        return 0;
    if (otw_sqlite_prepare(st, &s,
                "SELECT src_ip, dst_ip, proto, port, protocols, dkind, sessions, bytes, first_us,"
                " last_us FROM graph_hours WHERE hour >= ?1 AND hour < ?2", err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, h0);
    sqlite3_bind_int64(s, 2, h1);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const uint8_t *src = sqlite3_column_blob(s, 0), *dst = sqlite3_column_blob(s, 1);
        int proto = sqlite3_column_int(s, 2);
        uint64_t n = (uint64_t)sqlite3_column_int64(s, 6);

        if (sqlite3_column_bytes(s, 0) != 16 || sqlite3_column_bytes(s, 1) != 16)
            continue;
        if (hide && hidden(hide, proto, src, (unsigned)sqlite3_column_int(s, 5)))
            continue;
        if (add(t, src, dst, proto, sqlite3_column_int(s, 3), sqlite3_column_text(s, 4),
                sqlite3_column_bytes(s, 4), n, (uint64_t)sqlite3_column_int64(s, 7),
                sqlite3_column_int64(s, 8), sqlite3_column_int64(s, 9), err) != 0) {
            rc = OTW_ENOMEM;
            goto out;
        }
        *nrows += n;
    }
    if (step != SQLITE_DONE) {
        otw_sqlite_fail(st, err, "reading the hourly graph");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

#define HOUR_US 3600000000LL

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int otw_store_graph_edges(struct otw_store *st, const struct otw_graph_query *q,
                          otw_graph_edge_cb cb, void *ctx, uint64_t *matched,
                          struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_graph_edges(st, q, cb, ctx, matched, err);
    struct otw_sqlq sq;
    struct etable t;
    uint64_t nrows = 0;
    int rc;

    memset(&sq, 0, sizeof(sq));
    memset(&t, 0, sizeof(t));
    if (matched)
        *matched = 0;
    if (q->expr != NULL) {
        /* an expression may name any field: the records themselves */
        if (otw_sqlq_compile(q->expr, &sq, err) != 0) {
            otw_sqlq_free(&sq);
            return OTW_ESYNTAX;
        }
        rc = scan(st, &t, q->since_us, q->until_us, &sq, q->hide, &nrows, err);
    } else {
        /* whole hours from graph_hours, the parts of hours at both ends
         * from the records */
        int64_t h0 = -floor_div(-q->since_us, HOUR_US), h1 = floor_div(q->until_us, HOUR_US);

        if (h0 < h1) {
            rc = hours(st, &t, h0, h1, q->hide, &nrows, err);
            if (rc == 0)
                rc = scan(st, &t, q->since_us, h0 * HOUR_US, NULL, q->hide, &nrows, err);
            if (rc == 0)
                rc = scan(st, &t, h1 * HOUR_US, q->until_us, NULL, q->hide, &nrows, err);
        } else {
            rc = scan(st, &t, q->since_us, q->until_us, NULL, q->hide, &nrows, err);
        }
    }
    if (rc != 0)
        goto out;
    if (matched)
        *matched = nrows;
    for (size_t i = 0; i < t.cap; i++) {
        struct otw_graph_edge ge;
        const struct eslot *e = &t.v[i];

        if (!e->used)
            continue;
        memcpy(ge.client, e->k.client, 16);
        memcpy(ge.server, e->k.server, 16);
        ge.proto = e->k.proto;
        ge.port = e->k.port;
        ge.app = t.apps[e->k.app];
        ge.sessions = e->sessions;
        ge.bytes = e->bytes;
        ge.first_us = e->first_us;
        ge.last_us = e->last_us;
        if (cb(ctx, &ge) != 0)
            break;
    }
out:
    otw_sqlq_free(&sq);
    etable_free(&t);
    return rc;
}

int otw_store_graph_rebuild(struct otw_store *st, struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_graph_rebuild(st, err);
    if (otw_sqlite_exec(st, "BEGIN IMMEDIATE", err) != 0)
        return OTW_ESTORE;
    if (otw_sqlite_exec(st, "DELETE FROM graph_hours;" GH_FILL, err) != 0) {
        otw_sqlite_exec(st, "ROLLBACK", NULL);
        return OTW_ESTORE;
    }
    return otw_sqlite_exec(st, "COMMIT", err);
}

int otw_store_session_span(struct otw_store *st, int64_t *first_us, int64_t *last_us,
                           struct otw_err *err)
{
    if (st->ch != NULL)
        return otw_ch_session_span(st, first_us, last_us, err);
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    *first_us = *last_us = 0;
    /* Two index lookups (sessions_start), not a scan. */
    if (otw_sqlite_prepare(st, &s,
                "SELECT (SELECT min(start_us) FROM sessions), (SELECT max(start_us) FROM"
                " sessions)", err) != 0)
        return OTW_ESTORE;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *first_us = sqlite3_column_int64(s, 0);
        *last_us = sqlite3_column_int64(s, 1);
        rc = 0;
    } else {
        otw_sqlite_fail(st, err, "reading the time span of the sessions");
    }
    sqlite3_finalize(s);
    return rc;
}
