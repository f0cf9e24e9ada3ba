/*
 * ch_query.c - session queries on the ClickHouse store: the ClickHouse
 * dialect of the query compiler (sqlq.h), and the session listing, count
 * and per-host summary (otw_ch_sessions_query, otw_ch_sessions_count,
 * otw_ch_hosts_query) that give the rows SQLite's do (sqlite.c).
 *
 * The dialect, beside what sqlq.c does for every backend:
 *
 * - No query parameters (18.16 has none): every value is a literal written
 *   by otw_sb_str()/otw_sb_blob() (escaped strings, unhex('..') bytes), so
 *   user text never reaches the SQL unescaped; the binds stay empty.
 * - Conditions are never NULL: comparisons of the Nullable columns (MACs,
 *   VLANs, ICMP type and code) are wrapped in ifNull(..., 0), so NOT is
 *   the two-valued negation (and 18.16's and/or, which are NULL when any
 *   operand is, never see a NULL).
 * - Strings that SQLite leaves NULL when absent (community_id,
 *   protocol_guess, point, file) are '' here: a pattern or "" must not
 *   match them, so such comparisons also require col != ''.
 * - Wildcards are LIKE ('%', '_', with '\' escaping a literal %, _ or \):
 *   case-sensitive, '_' one UTF-8 character and both match a newline, as
 *   SQLite's GLOB does.
 * - Parser fields are parallel arrays: `modbus.func_code == 3` is
 *   arrayExists((fn, ft, fi) -> fn = 'modbus.func_code' AND ft = 1 AND fi = 3,
 *   f_name, f_isint, f_int); EXISTS! is has(f_name, 'name').
 * - The node is a column: each sensor's rows carry its name.
 * - The baseline fields need the per-session lookup SQLite does with a
 *   correlated subquery, which ClickHouse lacks. A comparison P on the
 *   best rank of the session's key k = (src_ip, dst_ip, proto, port or 0)
 *   becomes `k GLOBAL IN (keys whose rank satisfies P)`, or, when P holds
 *   for a key without entries (none), `k GLOBAL NOT IN (keys whose rank
 *   does not)`; the keys and ranks are otw_ch_bl_ranks_sql()'s (the
 *   baseline as ch_baseline.c reads it), GLOBAL so the initiator reads the
 *   whole cluster's baseline once. No sort by them (that needs the value
 *   per row).
 *
 * Reads go to the table otw_ch_read_table() names (Distributed over every
 * shard with a cluster) with FINAL, so a record sent twice or updated while
 * live is one row; on 18.16 a FINAL query must name a sorting-key column,
 * and every query here has a condition on `start` (the day partitions
 * prune with it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/session.h"
#include "store/ch_int.h"
#include "store/sqlite_int.h"
#include "store/sqlq.h"

#define PORTS_EXIST "(proto IN (6, 17, 132))"

static const struct otw_sqlq_col cols[OTW_F__COUNT] = {
    [OTW_F_IP_SRC] = {OTW_SQLQ_PLAIN, "src_ip", NULL, NULL, "1", "src_ip", 0},
    [OTW_F_IP_DST] = {OTW_SQLQ_PLAIN, "dst_ip", NULL, NULL, "1", "dst_ip", 0},
    [OTW_F_IP] = {OTW_SQLQ_PLAIN, "src_ip", "dst_ip", NULL, "1", NULL, 0},
    [OTW_F_PORT_SRC] = {OTW_SQLQ_PLAIN, "src_port", NULL, NULL, PORTS_EXIST, "src_port", 0},
    [OTW_F_PORT_DST] = {OTW_SQLQ_PLAIN, "dst_port", NULL, NULL, PORTS_EXIST, "dst_port", 0},
    [OTW_F_PORT] = {OTW_SQLQ_PLAIN, "src_port", "dst_port", NULL, PORTS_EXIST, NULL, 0},
    [OTW_F_MAC_SRC] = {OTW_SQLQ_PLAIN, "src_mac", NULL, NULL, "isNotNull(src_mac)", "src_mac",
                       OTW_SQLQ_NULLABLE},
    [OTW_F_MAC_DST] = {OTW_SQLQ_PLAIN, "dst_mac", NULL, NULL, "isNotNull(dst_mac)", "dst_mac",
                       OTW_SQLQ_NULLABLE},
    [OTW_F_MAC] = {OTW_SQLQ_PLAIN, "src_mac", "dst_mac", NULL,
                   "(isNotNull(src_mac) OR isNotNull(dst_mac))", NULL, OTW_SQLQ_NULLABLE},
    [OTW_F_PROTO] = {OTW_SQLQ_PLAIN, "proto", NULL, NULL, "1", "proto", 0},
    [OTW_F_IPVER] = {OTW_SQLQ_PLAIN, "ipver", NULL, NULL, "1", "ipver", 0},
    [OTW_F_PACKETS_SRC] = {OTW_SQLQ_PLAIN, "src_packets", NULL, NULL, "1", "src_packets", 0},
    [OTW_F_PACKETS_DST] = {OTW_SQLQ_PLAIN, "dst_packets", NULL, NULL, "1", "dst_packets", 0},
    [OTW_F_PACKETS] = {OTW_SQLQ_PLAIN, "(src_packets + dst_packets)", NULL, NULL, "1",
                       "(src_packets + dst_packets)", 0},
    [OTW_F_BYTES_SRC] = {OTW_SQLQ_PLAIN, "src_bytes", NULL, NULL, "1", "src_bytes", 0},
    [OTW_F_BYTES_DST] = {OTW_SQLQ_PLAIN, "dst_bytes", NULL, NULL, "1", "dst_bytes", 0},
    [OTW_F_BYTES] = {OTW_SQLQ_PLAIN, "(src_bytes + dst_bytes)", NULL, NULL, "1",
                     "(src_bytes + dst_bytes)", 0},
    [OTW_F_DATABYTES_SRC] = {OTW_SQLQ_PLAIN, "src_payload", NULL, NULL, "1", "src_payload", 0},
    [OTW_F_DATABYTES_DST] = {OTW_SQLQ_PLAIN, "dst_payload", NULL, NULL, "1", "dst_payload", 0},
    [OTW_F_DATABYTES] = {OTW_SQLQ_PLAIN, "(src_payload + dst_payload)", NULL, NULL, "1",
                         "(src_payload + dst_payload)", 0},
    [OTW_F_TCPFLAGS_SRC] = {OTW_SQLQ_FLAGS, "src_flags", NULL, NULL, "(proto = 6)", "src_flags",
                            0},
    [OTW_F_TCPFLAGS_DST] = {OTW_SQLQ_FLAGS, "dst_flags", NULL, NULL, "(proto = 6)", "dst_flags",
                            0},
    [OTW_F_VLAN] = {OTW_SQLQ_PLAIN, "vlan1", "vlan2", NULL, "isNotNull(vlan1)", "vlan1",
                    OTW_SQLQ_NULLABLE},
    [OTW_F_COMMUNITY_ID] = {OTW_SQLQ_PLAIN, "community_id", NULL, NULL, "(community_id != '')",
                            "community_id", OTW_SQLQ_EMPTY},
    [OTW_F_STATE] = {OTW_SQLQ_TEXTENUM, "state", NULL, NULL, "(state != '')", "state", 0},
    [OTW_F_PROTOCOLS] = {OTW_SQLQ_LIST, "protocols", NULL, NULL,
                         "(replaceAll(protocols, ' ', '') != '')", "protocols", 0},
    [OTW_F_ICMP_TYPE] = {OTW_SQLQ_PLAIN, "icmp_type", NULL, NULL, "isNotNull(icmp_type)",
                         "icmp_type", OTW_SQLQ_NULLABLE},
    [OTW_F_ICMP_CODE] = {OTW_SQLQ_PLAIN, "icmp_code", NULL, NULL, "isNotNull(icmp_code)",
                         "icmp_code", OTW_SQLQ_NULLABLE},
    [OTW_F_START] = {OTW_SQLQ_PLAIN, "start_us", NULL, NULL, "1", "start_us", 0},
    [OTW_F_STOP] = {OTW_SQLQ_PLAIN, "end_us", NULL, NULL, "1", "end_us", 0},
    /* whole seconds, truncated as SQLite's integer division does */
    [OTW_F_DURATION] = {OTW_SQLQ_PLAIN, "intDiv(end_us - start_us, 1000000)", NULL, NULL, "1",
                        "(end_us - start_us)", 0},
    [OTW_F_ID] = {OTW_SQLQ_PLAIN, "id", NULL, NULL, "1", "id", 0},
    [OTW_F_POINT] = {OTW_SQLQ_PLAIN, "point", NULL, NULL, "(point != '')", "point",
                     OTW_SQLQ_EMPTY},
    [OTW_F_FILE] = {OTW_SQLQ_PLAIN, "file", NULL, NULL, "(file != '')", "file", OTW_SQLQ_EMPTY},
    [OTW_F_NODE] = {OTW_SQLQ_PLAIN, "node", NULL, NULL, "(node != '')", "node", OTW_SQLQ_EMPTY},
    [OTW_F_SEGMENT] = {OTW_SQLQ_PLAIN, "segment", NULL, NULL, "1", "segment", 0},
    [OTW_F_CONTINUED] = {OTW_SQLQ_PLAIN, "continued", NULL, NULL, "1", "continued", 0},
    [OTW_F_END_REASON] = {OTW_SQLQ_TEXTENUM, "end_reason", NULL, NULL, "(end_reason != '')",
                          "end_reason", 0},
    [OTW_F_PROTOCOL_GUESS] = {OTW_SQLQ_PLAIN, "protocol_guess", NULL, NULL,
                              "(protocol_guess != '')", "protocol_guess", OTW_SQLQ_EMPTY},
    /* the expression on the best rank r of a key's entries (cmp_bl) */
    [OTW_F_BASELINE] = {OTW_SQLQ_HOOK, "intDiv(r, 2)", NULL, NULL, "1", NULL, OTW_SQLQ_NOSORT},
    [OTW_F_BASELINE_CATEGORY] = {OTW_SQLQ_HOOK, "(r % 2)", NULL, NULL, "1", NULL,
                                 OTW_SQLQ_NOSORT},
    [OTW_F_APP] = {OTW_SQLQ_APP, "fs", NULL, NULL, NULL, NULL, 0},
};

/* --- the dialect ------------------------------------------------------------------ */

static void put_sb(struct otw_sqlq_cc *c, struct otw_sb *b)
{
    if (b->oom)
        otw_sqlq_fail(c, OTW_ENOMEM, "out of memory compiling the expression");
    else if (b->len > 0)
        otw_sqlq_put(c, b->p);
    otw_sb_free(b);
}

static void value(struct otw_sqlq_cc *c, enum otw_sqlq_type type, int64_t i, const void *p,
                  size_t len)
{
    struct otw_sb b = {0};

    if (type == OTW_SQLQ_INT && i == INT64_MIN)
        otw_sb_puts(&b, "(-9223372036854775807 - 1)");
    else if (type == OTW_SQLQ_INT)
        otw_sb_printf(&b, "%" PRId64, i);
    else if (type == OTW_SQLQ_TEXT)
        otw_sb_str(&b, p, len);
    else
        otw_sb_blob(&b, p, len);
    put_sb(c, &b);
}

/* Pattern text (query.h: \x literal, * and ? wildcards) -> LIKE pattern. */
static char *like(const char *pat)
{
    size_t n = strlen(pat), o = 0;
    char *g = malloc(2 * n + 1);

    if (g == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char ch = pat[i];
        bool lit = false;

        if (ch == '\\' && pat[i + 1] != '\0') {
            ch = pat[++i];
            lit = true;
        }
        if (!lit && ch == '*') {
            g[o++] = '%';
        } else if (!lit && ch == '?') {
            g[o++] = '_';
        } else {
            if (ch == '%' || ch == '_' || ch == '\\')
                g[o++] = '\\';
            g[o++] = ch;
        }
    }
    g[o] = '\0';
    return g;
}

/* Each name of " a b " on its own. */
static void list_pattern(struct otw_sqlq_cc *c, const char *expr, const char *pat)
{
    char *g = like(pat);

    if (g == NULL) {
        otw_sqlq_fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    otw_sqlq_put(c, "arrayExists(lp -> lp != '' AND lp LIKE ");
    value(c, OTW_SQLQ_TEXT, 0, g, strlen(g));
    otw_sqlq_put(c, ", splitByChar(' ', ");
    otw_sqlq_put(c, expr);
    otw_sqlq_put(c, "))");
    free(g);
}

/* A parser field: an element of the arrays with its name (and, for a
 * value, of its type: ft = 1 for integers, as f_int holds them). */
static const char *app_open(struct otw_sqlq_cc *c, const struct otw_field *f, bool exists,
                            const char **close)
{
    bool isint = f->type == OTW_FT_INT;

    if (exists) {
        otw_sqlq_put(c, "has(f_name, ");
        value(c, OTW_SQLQ_TEXT, 0, f->name, strlen(f->name));
        otw_sqlq_put(c, ")");
        return NULL;
    }
    otw_sqlq_put(c, isint ? "arrayExists((fn, ft, fi) -> fn = "
                          : "arrayExists((fn, ft, fs) -> fn = ");
    value(c, OTW_SQLQ_TEXT, 0, f->name, strlen(f->name));
    otw_sqlq_put(c, isint ? " AND ft = 1 AND " : " AND ft = 0 AND ");
    *close = isint ? ", f_name, f_isint, f_int)" : ", f_name, f_isint, f_str)";
    return isint ? "fi" : "fs";
}

/* Does value v (a status or category code; none: 3 or 2) satisfy "any of
 * the values" of comparison n (!= as ==: the compiler negates it)? */
static bool bl_holds(const struct otw_qnode *n, int64_t v, bool *ok)
{
    bool any = false;

    for (size_t i = 0; i < n->nvals; i++) {
        int64_t w = n->vals[i].i;

        if (n->vals[i].kind != OTW_QV_INT)
            *ok = false;
        switch (n->op) {
        case OTW_QOP_EQ:
        case OTW_QOP_NE: any |= v == w; break;
        case OTW_QOP_LT: any |= v < w; break;
        case OTW_QOP_LE: any |= v <= w; break;
        case OTW_QOP_GT: any |= v > w; break;
        case OTW_QOP_GE: any |= v >= w; break;
        }
    }
    return any;
}

/* A baseline field: the session's key in (or not in) the keys of the
 * baseline whose best rank r makes the comparison true (or not). */
static void cmp_bl(struct otw_sqlq_cc *c, const struct otw_qnode *n,
                   const struct otw_sqlq_col *col)
{
    bool ok = true;
    bool none = bl_holds(n, n->field->id == OTW_F_BASELINE ? 3 : 2, &ok);

    if (!ok) {
        otw_sqlq_fail(c, OTW_EINVAL, "internal: baseline value is not a code");
        return;
    }
    if (c->bl_ranks == NULL) {
        if (c->rc == 0) {
            c->rc = OTW_EINVAL;
            otw_err_set(c->err, -1, "%s: not available with the ClickHouse store",
                        n->field->name);
        }
        return;
    }
    otw_sqlq_put(c, "((src_ip, dst_ip, proto, if(proto IN (6, 17, 132), dst_port, 0))");
    otw_sqlq_put(c, none ? " GLOBAL NOT IN (SELECT bc, bs, bp, bo FROM ("
                         : " GLOBAL IN (SELECT bc, bs, bp, bo FROM (");
    otw_sqlq_put(c, c->bl_ranks);
    otw_sqlq_put(c, ") WHERE ");
    if (none)
        otw_sqlq_put(c, "NOT (");
    otw_sqlq_emit_values(c, n, col, col->a);
    otw_sqlq_put(c, none ? ")))" : "))");
}

static bool needs_bl(const struct otw_qnode *n)
{
    if (n->kind == OTW_QN_CMP)
        return n->field != NULL && n->field->id < OTW_F__COUNT &&
               cols[n->field->id].how == OTW_SQLQ_HOOK;
    for (size_t i = 0; i < n->nkids; i++)
        if (needs_bl(n->kids[i]))
            return true;
    return false;
}

bool otw_chq_needs_bl(const struct otw_query *q)
{
    return q != NULL && q->root != NULL && needs_bl(q->root);
}

static const struct otw_sqlq_dialect ch_dialect = {
    .name = "ClickHouse",
    .cols = cols,
    .not_open = "(NOT (",
    .not_close = "))",
    .flags_open = "(bitAnd(",
    .flags_mid = ", ",
    .flags_close = ") != 0)",
    .pattern_op = " LIKE ",
    .list_open = "position(",
    .nullable_open = "ifNull(",
    .nullable_close = ", 0)",
    .value = value,
    .pattern = like,
    .list_pattern = list_pattern,
    .app_open = app_open,
    .konst = NULL,
    .cmp = cmp_bl,
};

int otw_chq_compile_bl(const struct otw_query *q, const char *bl_ranks, struct otw_sqlq *out,
                       struct otw_err *err)
{
    struct otw_sqlq_cc c = {&ch_dialect, out, 0, err, false, false, bl_ranks};

    return otw_sqlq_emit(&c, q);
}

int otw_chq_compile(const struct otw_query *q, struct otw_sqlq *out, struct otw_err *err)
{
    return otw_chq_compile_bl(q, NULL, out, err);
}

int otw_chq_compile_st(struct otw_store *st, const struct otw_query *q, struct otw_sqlq *out,
                       struct otw_err *err)
{
    struct otw_sb r = {0};
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (otw_chq_needs_bl(q))
        rc = otw_ch_bl_ranks_sql(st, &r, err);
    if (rc == 0 && otw_chq_compile_bl(q, r.p, out, err) != 0)
        rc = OTW_ESYNTAX;
    otw_sb_free(&r);
    return rc;
}

/* How a sort value comes back: bytes (hex in the answer) or a number. */
static bool sort_is_bytes(const struct otw_field *f, const struct otw_sqlq_col *col)
{
    return f->type == OTW_FT_IP || f->type == OTW_FT_MAC || f->type == OTW_FT_STRING ||
           col->how == OTW_SQLQ_TEXTENUM || col->how == OTW_SQLQ_LIST;
}

int otw_chq_order_by(const char *field, bool desc, char *buf, size_t len, struct otw_err *err)
{
    const struct otw_field *f;
    const struct otw_sqlq_col *col;
    const char *dir = desc ? " DESC" : " ASC";
    int n;

    if (otw_sqlq_sort_field(&ch_dialect, field, &f, &col, err) != 0)
        return OTW_EINVAL;
    /* SQLite's order: NULL is the smallest value */
    n = snprintf(buf, len, "%s%s%s, id%s", col->sort, dir,
                 !(col->flags & OTW_SQLQ_NULLABLE) ? "" : desc ? " NULLS LAST" : " NULLS FIRST",
                 dir);
    if (n < 0 || (size_t)n >= len) {
        otw_err_set(err, -1, "sort expression does not fit");
        return OTW_EINVAL;
    }
    return 0;
}

/* --- the WHERE clause ----------------------------------------------------------------- */

struct chq {
    struct otw_store *st;
    struct otw_sb sql;
    char table[160];
    struct otw_err *err;
};

static int64_t clamp_sec(int64_t us)
{
    int64_t s = us / 1000000 - (us % 1000000 < 0);

    return s < 0 ? 0 : s > (int64_t)UINT32_MAX ? (int64_t)UINT32_MAX : s;
}

/* " WHERE time AND (expression)": sessions overlapping [since, until). The
 * condition on start (whole seconds of start_us) prunes the day
 * partitions; a session that overlaps since started no earlier than since
 * minus the longest record's length. */
static int where_add(struct chq *x, const struct otw_session_query *q)
{
    struct otw_sqlq w;
    int64_t lo_s = 0;
    int rc;

    if (q->since_us != 0) {
        int64_t longest = 0;

        rc = otw_ch_longest(x->st, &longest, x->err);
        if (rc != 0)
            return rc;
        lo_s = clamp_sec(q->since_us - (longest > 0 ? longest : 0));
    }
    rc = otw_chq_compile_st(x->st, q->expr, &w, x->err);
    if (rc != 0) {
        otw_sqlq_free(&w);
        return rc;
    }
    otw_sb_printf(&x->sql, " WHERE start >= toDateTime(%" PRId64 ")", lo_s);
    if (q->until_us != 0)
        otw_sb_printf(&x->sql, " AND start <= toDateTime(%" PRId64 ") AND start_us < %" PRId64,
                      clamp_sec(q->until_us - 1), q->until_us);
    if (q->since_us != 0)
        otw_sb_printf(&x->sql, " AND end_us >= %" PRId64, q->since_us);
    otw_sb_printf(&x->sql, " AND (%s)", w.where);
    otw_sqlq_free(&w);
    return x->sql.oom ? OTW_ENOMEM : 0;
}

static void begin(struct chq *x, struct otw_store *st, struct otw_err *err)
{
    memset(x, 0, sizeof(*x));
    x->st = st;
    x->err = err;
    otw_ch_read_table(st->ch, "sessions", x->table, sizeof(x->table));
}

/* --- session rows ---------------------------------------------------------------------- */

/* The parser fields and events of one row (kept from row to row). */
struct rowbuf {
    struct otw_row_field *f;
    size_t capf;
    struct otw_row_event *e;
    size_t cape;
    uint8_t *text;          /* the field values' bytes, back to back */
    size_t captext;
};

struct qctx {
    otw_session_cb cb;
    void *ctx;
    bool app, sort_bytes;
    enum otw_sortv_type sort_type;
    struct rowbuf rb;
    int rc;
    struct otw_err *err;
};

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Hex text into out (at most max bytes); the count. */
static size_t unhex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;

    for (; s[0] != '\0' && s[1] != '\0' && n < max; s += 2) {
        int hi = hexval(s[0]), lo = hexval(s[1]);

        if (hi < 0 || lo < 0)
            break;
        out[n++] = (uint8_t)(hi << 4 | lo);
    }
    return n;
}

static void copy_str(char *dst, size_t len, const char *s)
{
    snprintf(dst, len, "%s", s != NULL ? s : "");
}

static void copy_hex(char *dst, size_t len, json_t *row, const char *key)
{
    const char *s = otw_chj_str(row, key);
    size_t n = unhex(s, (uint8_t *)dst, len - 1);

    dst[n] = '\0';
}

static bool is_null(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);

    return v == NULL || json_is_null(v);
}

/* SQLite's order of a session's fields: by name, the most counted value
 * first, then by value (integers before text). */
static int field_cmp(const void *pa, const void *pb)
{
    const struct otw_row_field *a = pa, *b = pb;
    int d = strcmp(a->field, b->field);

    if (d != 0)
        return d;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->is_int != b->is_int)
        return a->is_int ? -1 : 1;
    if (a->is_int)
        return a->i < b->i ? -1 : a->i > b->i;
    d = memcmp(a->s, b->s, OTW_MIN(a->slen, b->slen));
    return d != 0 ? d : a->slen < b->slen ? -1 : a->slen > b->slen;
}

static int event_cmp(const void *pa, const void *pb)
{
    const struct otw_row_event *a = pa, *b = pb;

    return strcmp(a->name, b->name);
}

static int load_app(struct rowbuf *rb, json_t *row, struct otw_session_row *r)
{
    json_t *fn = json_object_get(row, "f_name"), *ft = json_object_get(row, "f_isint");
    json_t *fi = json_object_get(row, "f_int"), *fs = json_object_get(row, "f_str_h");
    json_t *fc = json_object_get(row, "f_count"), *en = json_object_get(row, "e_name");
    json_t *ec = json_object_get(row, "e_count");
    size_t nf = json_array_size(fn), ne = json_array_size(en), ntext = 0, off = 0;

    if (json_array_size(ft) != nf || json_array_size(fi) != nf || json_array_size(fs) != nf ||
        json_array_size(fc) != nf || json_array_size(ec) != ne)
        return OTW_ESTORE;
    for (size_t i = 0; i < nf; i++) {
        const char *h = json_string_value(json_array_get(fs, i));

        ntext += (h != NULL ? strlen(h) / 2 : 0) + 1;
    }
    if (nf > rb->capf) {
        struct otw_row_field *p = realloc(rb->f, nf * sizeof(*p));
        if (p == NULL)
            return OTW_ENOMEM;
        rb->f = p;
        rb->capf = nf;
    }
    if (ne > rb->cape) {
        struct otw_row_event *p = realloc(rb->e, ne * sizeof(*p));
        if (p == NULL)
            return OTW_ENOMEM;
        rb->e = p;
        rb->cape = ne;
    }
    if (ntext > rb->captext) {
        uint8_t *p = realloc(rb->text, ntext);
        if (p == NULL)
            return OTW_ENOMEM;
        rb->text = p;
        rb->captext = ntext;
    }
    for (size_t i = 0; i < nf; i++) {
        struct otw_row_field *f = &rb->f[i];
        const char *name = json_string_value(json_array_get(fn, i));

        memset(f, 0, sizeof(*f));
        f->field = name != NULL ? name : "";
        f->is_int = json_integer_value(json_array_get(ft, i)) != 0;
        f->count = (uint64_t)json_integer_value(json_array_get(fc, i));
        if (f->is_int) {
            f->i = (int64_t)json_integer_value(json_array_get(fi, i));
        } else {
            const char *h = json_string_value(json_array_get(fs, i));

            f->slen = unhex(h != NULL ? h : "", rb->text + off, ntext - off - 1);
            rb->text[off + f->slen] = '\0';
            f->s = (const char *)rb->text + off;
            off += f->slen + 1;
        }
    }
    for (size_t i = 0; i < ne; i++) {
        const char *name = json_string_value(json_array_get(en, i));

        rb->e[i].name = name != NULL ? name : "";
        rb->e[i].count = (uint64_t)json_integer_value(json_array_get(ec, i));
    }
    if (nf > 1)
        qsort(rb->f, nf, sizeof(rb->f[0]), field_cmp);
    if (ne > 1)
        qsort(rb->e, ne, sizeof(rb->e[0]), event_cmp);
    r->fields = rb->f;
    r->nfields = nf;
    r->events = rb->e;
    r->nevents = ne;
    return 0;
}

#define ROW_COLUMNS OTW_CH_SESSION_COLUMNS
#define APP_COLUMNS                                                                          \
    ", f_name, f_isint, f_int, arrayMap(x -> hex(x), f_str) AS f_str_h, f_count, e_name,"    \
    " e_count"

/* The sort value of a row (the answer's "sortv"). */
static void sortv_of(const struct qctx *c, json_t *row, struct otw_sortv *v)
{
    memset(v, 0, sizeof(*v));
    if (is_null(row, "sortv")) {
        v->type = OTW_SORTV_NULL;
    } else if (c->sort_bytes) {
        v->type = c->sort_type;
        v->len = unhex(otw_chj_str(row, "sortv"), v->b, sizeof(v->b));
    } else {
        v->type = OTW_SORTV_INT;
        v->i = otw_chj_int(row, "sortv");
    }
}

/* One answer row (ROW_COLUMNS, APP_COLUMNS when c->app) to the callback;
 * sortv: its sort value. 0, or the callback's stop (c->rc = 1), or an
 * error. */
void otw_ch_session_row(json_t *row, struct otw_session_row *out)
{
    struct otw_session_row r;
    struct otw_session *x = &r.s;
    int st;

    memset(&r, 0, sizeof(r));
    r.id = otw_chj_int(row, "id");
    x->first_us = otw_chj_int(row, "start_us");
    x->last_us = otw_chj_int(row, "end_us");
    x->ipver = (uint8_t)otw_chj_int(row, "ipver");
    x->proto = (uint8_t)otw_chj_int(row, "proto");
    otw_chj_hex(row, "src_ip_h", x->src_ip, 16);
    x->src_port = (uint16_t)otw_chj_int(row, "src_port");
    otw_chj_hex(row, "dst_ip_h", x->dst_ip, 16);
    x->dst_port = (uint16_t)otw_chj_int(row, "dst_port");
    otw_chj_hex(row, "src_mac_h", x->src_mac, 6);
    otw_chj_hex(row, "dst_mac_h", x->dst_mac, 6);
    if (!is_null(row, "vlan1"))
        x->vlan[x->nvlan++] = (uint16_t)otw_chj_int(row, "vlan1");
    if (!is_null(row, "vlan2"))
        x->vlan[x->nvlan++] = (uint16_t)otw_chj_int(row, "vlan2");
    x->src.packets = (uint64_t)otw_chj_int(row, "src_packets");
    x->src.bytes = (uint64_t)otw_chj_int(row, "src_bytes");
    x->src.payload = (uint64_t)otw_chj_int(row, "src_payload");
    x->src.tcp_flags = (uint8_t)otw_chj_int(row, "src_flags");
    x->dst.packets = (uint64_t)otw_chj_int(row, "dst_packets");
    x->dst.bytes = (uint64_t)otw_chj_int(row, "dst_bytes");
    x->dst.payload = (uint64_t)otw_chj_int(row, "dst_payload");
    x->dst.tcp_flags = (uint8_t)otw_chj_int(row, "dst_flags");
    st = otw_state_parse(otw_chj_str(row, "state"));
    x->state = (uint8_t)(st < 0 ? 0 : st);
    x->icmp_type = (int16_t)(is_null(row, "icmp_type") ? -1 : otw_chj_int(row, "icmp_type"));
    x->icmp_code = (int16_t)(is_null(row, "icmp_code") ? -1 : otw_chj_int(row, "icmp_code"));
    copy_str(r.community_id, sizeof(r.community_id), otw_chj_str(row, "community_id"));
    copy_str(r.protocols, sizeof(r.protocols), otw_chj_str(row, "protocols"));
    x->segment = (uint16_t)otw_chj_int(row, "segment");
    x->continued = (uint8_t)otw_chj_int(row, "continued");
    x->end_reason = OTW_END_EOF;
    for (int e = OTW_END_EOF; e <= OTW_END_OPEN; e++)
        if (strcmp(otw_chj_str(row, "end_reason"), otw_end_name(e)) == 0)
            x->end_reason = (uint8_t)e;
    copy_hex(r.point, sizeof(r.point), row, "point_h");
    copy_str(r.protocol_guess, sizeof(r.protocol_guess), otw_chj_str(row, "protocol_guess"));
    copy_hex(r.file, sizeof(r.file), row, "file_h");
    copy_str(r.node, sizeof(r.node), otw_chj_str(row, "node"));
    x->uid = (uint64_t)otw_chj_int(row, "uid_i");
    *out = r;
}

static int emit_row(struct qctx *c, json_t *row, const struct otw_sortv *sortv)
{
    struct otw_session_row r;

    otw_ch_session_row(row, &r);
    r.sortv = *sortv;
    if (c->app && (c->rc = load_app(&c->rb, row, &r)) != 0) {
        otw_err_set(c->err, -1, "clickhouse: a session's parser fields do not read back");
        return c->rc;
    }
    if (c->cb(c->ctx, &r) != 0) {
        c->rc = 1;
        return 1;
    }
    return 0;
}

static int on_session(void *p, json_t *row)
{
    struct qctx *c = p;
    struct otw_sortv v;

    sortv_of(c, row, &v);
    return emit_row(c, row, &v);
}

/* A page in two steps: first the ids in order (few columns read for every
 * matching row), then those rows whole (the granules of their days and
 * ids only). */
struct page {
    struct qctx *c;
    size_t n, cap;
    struct pagerow {
        int64_t id;
        int64_t start_s;
        struct otw_sortv sortv;
        json_t *row;        /* the whole row, from the second query */
    } *rows;
    struct byid {
        int64_t id;
        size_t i;
    } *byid;                /* the rows' ids sorted, for the second answer */
};

static int on_page_id(void *p, json_t *row)
{
    struct page *pg = p;
    struct pagerow *pr;

    if (pg->n == pg->cap) {
        size_t nc = pg->cap ? pg->cap * 2 : 64;
        struct pagerow *nr = realloc(pg->rows, nc * sizeof(*nr));

        if (nr == NULL)
            return OTW_ENOMEM;
        pg->rows = nr;
        pg->cap = nc;
    }
    pr = &pg->rows[pg->n++];
    memset(pr, 0, sizeof(*pr));
    pr->id = otw_chj_int(row, "id");
    pr->start_s = otw_chj_int(row, "start_s");
    sortv_of(pg->c, row, &pr->sortv);
    return 0;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static int byid_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct byid *)a)->id, y = ((const struct byid *)b)->id;

    return x < y ? -1 : x > y;
}

static int on_page_row(void *p, json_t *row)
{
    struct page *pg = p;
    int64_t id = otw_chj_int(row, "id");
    size_t lo = 0, hi = pg->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t k = pg->byid[mid].id;

        if (k == id) {
            struct pagerow *pr = &pg->rows[pg->byid[mid].i];

            if (pr->row == NULL)
                pr->row = json_incref(row);
            return 0;
        }
        if (k < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* A value of the page cursor as a literal. */
static void sortv_literal(struct otw_sb *b, const struct otw_sortv *v)
{
    size_t n = OTW_MIN(v->len, sizeof(v->b));

    if (v->type == OTW_SORTV_INT)
        otw_sb_printf(b, "%" PRId64, v->i);
    else if (v->type == OTW_SORTV_TEXT)
        otw_sb_str(b, v->b, n);
    else
        otw_sb_blob(b, v->b, n);
}

/* Keyset paging: the rows after (value, id) in the order, as SQLite's
 * (NULL sorts first ascending, last descending). */
static void keyset(struct otw_sb *b, const struct otw_session_query *q, const char *sx,
                   bool nullable)
{
    const struct otw_sortv *a = q->after;
    const char *op = q->sort_desc ? "<" : ">";

    if (a->type == OTW_SORTV_NULL) {
        if (!q->sort_desc)
            otw_sb_printf(b, " AND (isNotNull(%s) OR id > %" PRId64 ")", sx, q->after_id);
        else
            otw_sb_printf(b, " AND isNull(%s) AND id < %" PRId64, sx, q->after_id);
        return;
    }
    otw_sb_printf(b, " AND (ifNull(%s %s ", sx, op);
    sortv_literal(b, a);
    otw_sb_printf(b, ", 0) OR (ifNull(%s = ", sx);
    sortv_literal(b, a);
    otw_sb_printf(b, ", 0) AND id %s %" PRId64 ")%s%s%s)", op, q->after_id,
                  nullable && q->sort_desc ? " OR isNull(" : "",
                  nullable && q->sort_desc ? sx : "", nullable && q->sort_desc ? ")" : "");
}

/* Pages up to this many rows are read in two steps. */
#define PAGE_MAX 10000

static int page_query(struct otw_store *st, struct qctx *c, const char *table,
                      const struct otw_sb *ids_sql, struct otw_err *err)
{
    struct page pg;
    struct otw_sb q = {0};
    int64_t *secs = NULL;
    size_t nsecs = 0;
    int rc;

    memset(&pg, 0, sizeof(pg));
    pg.c = c;
    rc = otw_chc_query(st->ch->c, ids_sql->p, on_page_id, &pg, err);
    if (rc == OTW_ENOMEM)
        otw_err_set(err, -1, "out of memory");
    if (rc != 0 || pg.n == 0)
        goto out;
    pg.byid = malloc(pg.n * sizeof(*pg.byid));
    secs = malloc(pg.n * sizeof(*secs));
    if (pg.byid == NULL || secs == NULL) {
        rc = OTW_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < pg.n; i++) {
        pg.byid[i] = (struct byid){pg.rows[i].id, i};
        secs[i] = pg.rows[i].start_s;
    }
    qsort(pg.byid, pg.n, sizeof(*pg.byid), byid_cmp);
    qsort(secs, pg.n, sizeof(*secs), i64_cmp);
    /* the rows' seconds, not a range of them: the parts and granules of
     * other days are never opened */
    otw_sb_printf(&q, "SELECT " ROW_COLUMNS "%s FROM %s FINAL WHERE start IN (",
                  c->app ? APP_COLUMNS : "", table);
    for (size_t i = 0; i < pg.n; i++)
        if (i == 0 || secs[i] != secs[i - 1])
            otw_sb_printf(&q, "%stoDateTime(%" PRId64 ")", nsecs++ ? ", " : "", secs[i]);
    otw_sb_puts(&q, ") AND id IN (");
    for (size_t i = 0; i < pg.n; i++)
        otw_sb_printf(&q, "%s%" PRId64, i ? ", " : "", pg.rows[i].id);
    otw_sb_puts(&q, ")");
    rc = q.oom ? OTW_ENOMEM : otw_chc_query(st->ch->c, q.p, on_page_row, &pg, err);
    /* in the first answer's order; a row gone meanwhile (a file
     * forgotten) is left out */
    for (size_t i = 0; rc == 0 && i < pg.n; i++)
        if (pg.rows[i].row != NULL)
            rc = emit_row(c, pg.rows[i].row, &pg.rows[i].sortv);
out:
    for (size_t i = 0; i < pg.n; i++)
        json_decref(pg.rows[i].row);
    free(pg.rows);
    free(pg.byid);
    free(secs);
    otw_sb_free(&q);
    return rc;
}

int otw_ch_sessions_query(struct otw_store *st, const struct otw_session_query *q,
                          otw_session_cb cb, void *ctx, struct otw_err *err)
{
    struct chq x;
    struct qctx c;
    const struct otw_field *f;
    const struct otw_sqlq_col *col;
    char order[512];
    bool paged = q->limit > 0 && q->limit <= PAGE_MAX;
    int rc;

    memset(&c, 0, sizeof(c));
    if (otw_sqlq_sort_field(&ch_dialect, q->sort_field, &f, &col, err) != 0 ||
        otw_chq_order_by(q->sort_field, q->sort_desc, order, sizeof(order), err) != 0)
        return OTW_EINVAL;
    begin(&x, st, err);
    c.cb = cb;
    c.ctx = ctx;
    c.app = !q->skip_app;
    c.sort_bytes = sort_is_bytes(f, col);
    c.sort_type = f->type == OTW_FT_IP || f->type == OTW_FT_MAC ? OTW_SORTV_BLOB : OTW_SORTV_TEXT;
    c.err = err;
    if (paged)
        otw_sb_puts(&x.sql, "SELECT id, toUInt32(start) AS start_s");
    else
        otw_sb_printf(&x.sql, "SELECT " ROW_COLUMNS "%s", c.app ? APP_COLUMNS : "");
    otw_sb_printf(&x.sql, ", %s%s%s AS sortv FROM %s FINAL", c.sort_bytes ? "hex(" : "",
                  col->sort, c.sort_bytes ? ")" : "", x.table);
    if ((rc = where_add(&x, q)) != 0)
        goto out;
    if (q->after != NULL)
        keyset(&x.sql, q, col->sort, (col->flags & OTW_SQLQ_NULLABLE) != 0);
    otw_sb_printf(&x.sql, " ORDER BY %s", order);
    if (q->limit > 0 || q->offset > 0)
        otw_sb_printf(&x.sql, " LIMIT %" PRId64 ", %" PRId64, q->offset > 0 ? q->offset : 0,
                      q->limit > 0 ? q->limit : INT64_MAX);
    if (x.sql.oom) {
        rc = OTW_ENOMEM;
        goto out;
    }
    if (paged)
        rc = page_query(st, &c, x.table, &x.sql, err);
    else
        rc = otw_chc_query(st->ch->c, x.sql.p, on_session, &c, err);
    if (rc == 1 && c.rc == 1)
        rc = 0;     /* the callback stopped */
out:
    free(c.rb.f);
    free(c.rb.e);
    free(c.rb.text);
    otw_sb_free(&x.sql);
    return rc;
}

static int count_row(void *ctx, json_t *row)
{
    *(int64_t *)ctx = otw_chj_int(row, "n");
    return 0;
}

int otw_ch_sessions_count(struct otw_store *st, const struct otw_session_query *q, int64_t cap,
                          int64_t *n, struct otw_err *err)
{
    struct chq x;
    int rc;

    *n = 0;
    begin(&x, st, err);
    otw_sb_printf(&x.sql, "SELECT count() AS n FROM (SELECT id FROM %s FINAL", x.table);
    if ((rc = where_add(&x, q)) == 0) {
        /* the inner LIMIT stops at cap + 1 matching rows */
        if (cap > 0)
            otw_sb_printf(&x.sql, " LIMIT %" PRId64, cap + 1);
        otw_sb_puts(&x.sql, ")");
        rc = x.sql.oom ? OTW_ENOMEM : otw_chc_query(st->ch->c, x.sql.p, count_row, n, err);
    }
    otw_sb_free(&x.sql);
    return rc;
}

/* --- the per-host summary ------------------------------------------------------------ */

struct hctx {
    otw_host_cb cb;
    void *ctx;
    int rc;
};

static int on_host(void *p, json_t *row)
{
    struct hctx *c = p;
    struct otw_host_row h;

    memset(&h, 0, sizeof(h));
    otw_chj_hex(row, "ip_h", h.ip, 16);
    if (!is_null(row, "mac_h") && otw_chj_hex(row, "mac_h", h.mac, 6) == 6)
        h.has_mac = true;
    h.sessions_out = (uint64_t)otw_chj_int(row, "n_out");
    h.sessions_in = (uint64_t)otw_chj_int(row, "n_in");
    h.peers = (uint64_t)otw_chj_int(row, "n_peers");
    h.bytes_out = (uint64_t)otw_chj_int(row, "n_tx");
    h.bytes_in = (uint64_t)otw_chj_int(row, "n_rx");
    h.first_us = otw_chj_int(row, "n_first");
    h.last_us = otw_chj_int(row, "n_last");
    copy_str(h.ports_served, sizeof(h.ports_served), otw_chj_str(row, "n_svc"));
    if (c->cb(c->ctx, &h) != 0) {
        c->rc = 1;
        return 1;
    }
    return 0;
}

int otw_ch_hosts_query(struct otw_store *st, const struct otw_session_query *q, otw_host_cb cb,
                       void *ctx, struct otw_err *err)
{
    struct chq x;
    struct hctx c = {cb, ctx, 0};
    int rc;

    begin(&x, st, err);
    /* As sqlite.c: each session gives its initiator a row (out) and, for
     * protocols with ports, its responder one (in, with the service
     * "502/tcp" unless the session was an attempt or rejected). Grouped
     * by address and service first (the services' counts), then by
     * address: the 8 most used services, ties by name. */
    otw_sb_printf(
        &x.sql,
        "SELECT hex(h_ip) AS ip_h, hex(max(m_mac)) AS mac_h, sum(s_out) AS n_out,"
        " sum(s_in) AS n_in, uniqExactArray(s_peers) AS n_peers, sum(s_tx) AS n_tx,"
        " sum(s_rx) AS n_rx, min(s_first) AS n_first, max(s_last) AS n_last,"
        " arrayStringConcat(arraySlice(arrayMap(t -> t.2, arraySort(t -> (-t.1, t.2),"
        " arrayFilter(t -> t.2 != '', groupArray((s_n, h_svc))))), 1, 8), ' ') AS n_svc"
        " FROM (SELECT h_ip, h_svc, max(h_mac) AS m_mac, sum(h_o) AS s_out,"
        " sum(1 - h_o) AS s_in, groupUniqArray(h_peer) AS s_peers, sum(h_tx) AS s_tx,"
        " sum(h_rx) AS s_rx, min(h_s) AS s_first, max(h_e) AS s_last, toInt64(count()) AS s_n"
        " FROM (SELECT arrayJoin(if(proto IN (6, 17, 132), [1, 0], [1])) AS h_o,"
        " if(h_o = 1, src_ip, dst_ip) AS h_ip, if(h_o = 1, src_mac, dst_mac) AS h_mac,"
        " if(h_o = 1, dst_ip, src_ip) AS h_peer, if(h_o = 1, src_bytes, dst_bytes) AS h_tx,"
        " if(h_o = 1, dst_bytes, src_bytes) AS h_rx, start_us AS h_s, end_us AS h_e,"
        " if(h_o = 0 AND state NOT IN ('attempt', 'rejected'), concat(toString(dst_port), '/',"
        " multiIf(proto = 6, 'tcp', proto = 17, 'udp', concat('ip', toString(proto)))), '')"
        " AS h_svc FROM %s FINAL",
        x.table);
    if ((rc = where_add(&x, q)) == 0) {
        otw_sb_puts(&x.sql,
                    ") GROUP BY h_ip, h_svc) GROUP BY h_ip ORDER BY n_tx + n_rx DESC, h_ip");
        if (q->limit > 0)
            otw_sb_printf(&x.sql, " LIMIT %" PRId64, q->limit);
        rc = x.sql.oom ? OTW_ENOMEM : otw_chc_query(st->ch->c, x.sql.p, on_host, &c, err);
        if (rc == 1)
            rc = 0;
    }
    otw_sb_free(&x.sql);
    return rc;
}
