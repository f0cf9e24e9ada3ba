/*
 * sqlite_query.c - compiles a parsed query expression (query/query.h) into
 * a SQLite WHERE clause with ? parameters and a parallel array of values.
 *
 * Rules that make the SQL both correct and fast:
 *
 * - No value is ever pasted into the text; the only literals in the SQL are
 *   written here.
 * - Comparisons are two-valued. SQL's NULL (no VLAN, no ICMP type) would make
 *   `!x` and `x != v` drop rows that lack the field; every negation is
 *   compiled as ((x) IS NOT 1), true for 0 and NULL, so a session without a
 *   VLAN matches `vlan != 10` and `!(vlan == 10)`. Since AND and OR are
 *   monotone, treating "unknown" as "false" at each negation gives exactly
 *   two-valued logic (see docs/QUERY.md). Every compiled expression yields
 *   0, 1 or NULL, which IS NOT 1 relies on. (NOT coalesce(x, 0) says the
 *   same but overflows SQLite's parser stack at about 25 levels.)
 * - Address ranges are `src_ip BETWEEN ? AND ?` on 16-byte blobs (IPv4 is
 *   stored ::ffff:a.b.c.d), so the address index serves CIDR queries.
 * - Either-side fields (ip, port, mac, vlan) are (src OR dst); their != is
 *   "neither side", by the negation rule above.
 * - Wildcards compile to GLOB (case-sensitive, like the stored names and
 *   paths): * and ? pass through, a literal *, ? or [ becomes [*], [?], [[].
 * - protocols is stored " modbus tls ": an exact name is instr(col, ' name ');
 *   a wildcard is matched against each name separately (json_each over the
 *   split list), so "m*s" cannot match across "modbus tls".
 * - AND/OR chains and lists are emitted as balanced trees of parentheses,
 *   keeping SQLite's expression depth (limit 1000) logarithmic.
 */
#include "store/sqlite_query.h"
#include "store/sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S "sessions."

/* How a field's column is compared. */
enum how {
    H_PLAIN = 0,    /* column compared to the value as is */
    H_TEXTENUM,     /* enum stored as its name (state, end_reason) */
    H_FLAGS,        /* bit mask: (col & ?) != 0 */
    H_LIST,         /* " a b " list of names */
    H_SUBQ,         /* id IN (SELECT id FROM table WHERE name ...) */
    H_APP,          /* a parser field: id IN (SELECT session_id FROM session_fields ...) */
};

struct col {
    enum how how;
    const char *a, *b;      /* column or expression; b: other side of EITHER fields */
    const char *subq;       /* H_SUBQ: "sessions.point_id IN (SELECT id FROM points WHERE " */
    const char *exists;     /* true when the field has a value */
    const char *sort;       /* ORDER BY expression; NULL: sort by one side instead */
};

#define PORTS_EXIST "(" S "proto IN (6, 17, 132))"

/* The baseline entries of a session's client, server, protocol and server
 * port (port 0 for protocols without ports), found through the entries'
 * unique index. Their `rank` column (sqlite_baseline.c) is status rank * 2
 * + category, with approved 0, learned 1, new 2 and operational 0,
 * maintenance 1: the minimum / 2 is the best status and % 2 the category
 * among the entries of that status, operational first. No entry gives
 * NULL: `none` (3 and 2, the fields' last names). Short, because the same
 * text is the ORDER BY of a sort by these fields. */
#define BL_BEST                                                                               \
    "(SELECT min(b.rank) FROM baseline_entries b WHERE b.client=" S "src_ip AND b.server="     \
    S "dst_ip AND b.proto=" S "proto AND b.port=iif(" S "proto IN (6,17,132)," S "dst_port,0))"
#define BL_STATUS "coalesce(" BL_BEST "/2,3)"
#define BL_CATEGORY "coalesce(" BL_BEST "%2,2)"

static const struct col cols[OTW_F__COUNT] = {
    [OTW_F_IP_SRC] = {H_PLAIN, S "src_ip", NULL, NULL, "1", S "src_ip"},
    [OTW_F_IP_DST] = {H_PLAIN, S "dst_ip", NULL, NULL, "1", S "dst_ip"},
    [OTW_F_IP] = {H_PLAIN, S "src_ip", S "dst_ip", NULL, "1", NULL},
    [OTW_F_PORT_SRC] = {H_PLAIN, S "src_port", NULL, NULL, PORTS_EXIST, S "src_port"},
    [OTW_F_PORT_DST] = {H_PLAIN, S "dst_port", NULL, NULL, PORTS_EXIST, S "dst_port"},
    [OTW_F_PORT] = {H_PLAIN, S "src_port", S "dst_port", NULL, PORTS_EXIST, NULL},
    [OTW_F_MAC_SRC] = {H_PLAIN, S "src_mac", NULL, NULL, "(" S "src_mac IS NOT NULL)",
                       S "src_mac"},
    [OTW_F_MAC_DST] = {H_PLAIN, S "dst_mac", NULL, NULL, "(" S "dst_mac IS NOT NULL)",
                       S "dst_mac"},
    [OTW_F_MAC] = {H_PLAIN, S "src_mac", S "dst_mac", NULL,
                   "(" S "src_mac IS NOT NULL OR " S "dst_mac IS NOT NULL)", NULL},
    [OTW_F_PROTO] = {H_PLAIN, S "proto", NULL, NULL, "1", S "proto"},
    [OTW_F_IPVER] = {H_PLAIN, S "ipver", NULL, NULL, "1", S "ipver"},
    [OTW_F_PACKETS_SRC] = {H_PLAIN, S "src_packets", NULL, NULL, "1", S "src_packets"},
    [OTW_F_PACKETS_DST] = {H_PLAIN, S "dst_packets", NULL, NULL, "1", S "dst_packets"},
    [OTW_F_PACKETS] = {H_PLAIN, "(" S "src_packets + " S "dst_packets)", NULL, NULL, "1",
                       "(" S "src_packets + " S "dst_packets)"},
    [OTW_F_BYTES_SRC] = {H_PLAIN, S "src_bytes", NULL, NULL, "1", S "src_bytes"},
    [OTW_F_BYTES_DST] = {H_PLAIN, S "dst_bytes", NULL, NULL, "1", S "dst_bytes"},
    [OTW_F_BYTES] = {H_PLAIN, "(" S "src_bytes + " S "dst_bytes)", NULL, NULL, "1",
                     "(" S "src_bytes + " S "dst_bytes)"},
    [OTW_F_DATABYTES_SRC] = {H_PLAIN, S "src_payload", NULL, NULL, "1", S "src_payload"},
    [OTW_F_DATABYTES_DST] = {H_PLAIN, S "dst_payload", NULL, NULL, "1", S "dst_payload"},
    [OTW_F_DATABYTES] = {H_PLAIN, "(" S "src_payload + " S "dst_payload)", NULL, NULL, "1",
                         "(" S "src_payload + " S "dst_payload)"},
    [OTW_F_TCPFLAGS_SRC] = {H_FLAGS, S "src_flags", NULL, NULL, "(" S "proto = 6)",
                            S "src_flags"},
    [OTW_F_TCPFLAGS_DST] = {H_FLAGS, S "dst_flags", NULL, NULL, "(" S "proto = 6)",
                            S "dst_flags"},
    [OTW_F_VLAN] = {H_PLAIN, S "vlan1", S "vlan2", NULL, "(" S "vlan1 IS NOT NULL)", S "vlan1"},
    [OTW_F_COMMUNITY_ID] = {H_PLAIN, S "community_id", NULL, NULL,
                            "(coalesce(" S "community_id, '') != '')", S "community_id"},
    [OTW_F_STATE] = {H_TEXTENUM, S "state", NULL, NULL, "(" S "state IS NOT NULL)", S "state"},
    [OTW_F_PROTOCOLS] = {H_LIST, S "protocols", NULL, NULL,
                         "(trim(coalesce(" S "protocols, '')) != '')", S "protocols"},
    [OTW_F_ICMP_TYPE] = {H_PLAIN, S "icmp_type", NULL, NULL, "(" S "icmp_type IS NOT NULL)",
                         S "icmp_type"},
    [OTW_F_ICMP_CODE] = {H_PLAIN, S "icmp_code", NULL, NULL, "(" S "icmp_code IS NOT NULL)",
                         S "icmp_code"},
    [OTW_F_START] = {H_PLAIN, S "start_us", NULL, NULL, "1", S "start_us"},
    [OTW_F_STOP] = {H_PLAIN, S "end_us", NULL, NULL, "1", S "end_us"},
    [OTW_F_PROTOCOL_GUESS] = {H_PLAIN, S "protocol_guess", NULL, NULL,
                              "(" S "protocol_guess IS NOT NULL)", S "protocol_guess"},
    [OTW_F_BASELINE] = {H_PLAIN, BL_STATUS, NULL, NULL, "1", BL_STATUS},
    [OTW_F_BASELINE_CATEGORY] = {H_PLAIN, BL_CATEGORY, NULL, NULL, "1", BL_CATEGORY},
    [OTW_F_APP] = {H_APP, "value", NULL, NULL, NULL, NULL},
    [OTW_F_DURATION] = {H_PLAIN, "((" S "end_us - " S "start_us) / 1000000)", NULL, NULL, "1",
                        "(" S "end_us - " S "start_us)"},
    [OTW_F_ID] = {H_PLAIN, S "id", NULL, NULL, "1", S "id"},
    [OTW_F_POINT] = {H_SUBQ, "name", NULL, S "point_id IN (SELECT id FROM points WHERE ",
                     "(" S "point_id IS NOT NULL)",
                     "(SELECT name FROM points WHERE points.id = " S "point_id)"},
    [OTW_F_FILE] = {H_SUBQ, "path", NULL, S "file_id IN (SELECT id FROM files WHERE ",
                    "(" S "file_id IS NOT NULL)",
                    "(SELECT path FROM files WHERE files.id = " S "file_id)"},
    [OTW_F_SEGMENT] = {H_PLAIN, S "segment", NULL, NULL, "1", S "segment"},
    [OTW_F_CONTINUED] = {H_PLAIN, S "continued", NULL, NULL, "1", S "continued"},
    [OTW_F_END_REASON] = {H_TEXTENUM, S "end_reason", NULL, NULL,
                          "(" S "end_reason IS NOT NULL)", S "end_reason"},
};

/* Migration 11 (sqlite.c runs it): the length of each record, so that the
 * longest is one index lookup. A query for sessions overlapping [since,
 * until) bounds start_us below by since minus that length (sqlite.c,
 * build_where), and sort=duration walks this index. */
const char otw_sqlite_migration_sessions_web[] =
    "CREATE INDEX sessions_duration ON sessions(end_us - start_us);";

/* --- output: capped text and bind values; errors stick ------------------------ */

struct ctx {
    struct otw_sqlq *q;
    int rc;
    struct otw_err *err;
    bool app_exists;        /* parser fields as correlated EXISTS (otw_sqlq_compile_ex) */
    bool app_body;          /* only the session_fields condition (otw_sqlq_app_probe) */
};

static void fail(struct ctx *c, int rc, const char *msg)
{
    if (c->rc == 0) {
        c->rc = rc;
        otw_err_set(c->err, -1, "%s", msg);
    }
}

static void put(struct ctx *c, const char *s)
{
    struct otw_sqlq *q = c->q;
    size_t n = strlen(s);

    if (c->rc != 0)
        return;
    if (q->where_len + n + 1 > q->where_cap) {
        size_t cap = q->where_cap ? q->where_cap : 256;
        char *b;

        while (cap < q->where_len + n + 1)
            cap *= 2;
        if (cap > OTW_SQLQ_MAX_SQL) {
            fail(c, OTW_EINVAL, "expression is too large to compile");
            return;
        }
        b = realloc(q->where, cap);
        if (b == NULL) {
            fail(c, OTW_ENOMEM, "out of memory compiling the expression");
            return;
        }
        q->where = b;
        q->where_cap = cap;
    }
    memcpy(q->where + q->where_len, s, n + 1);
    q->where_len += n;
}

static struct otw_sqlq_val *new_bind(struct ctx *c)
{
    struct otw_sqlq *q = c->q;

    if (c->rc != 0)
        return NULL;
    if (q->nbinds == OTW_SQLQ_MAX_BINDS) {
        fail(c, OTW_EINVAL, "expression has too many values to compile");
        return NULL;
    }
    if (q->nbinds == q->binds_cap) {
        size_t cap = q->binds_cap ? q->binds_cap * 2 : 16;
        struct otw_sqlq_val *b = realloc(q->binds, cap * sizeof(*b));

        if (b == NULL) {
            fail(c, OTW_ENOMEM, "out of memory compiling the expression");
            return NULL;
        }
        q->binds = b;
        q->binds_cap = cap;
    }
    put(c, "?");
    if (c->rc != 0)
        return NULL;
    memset(&q->binds[q->nbinds], 0, sizeof(q->binds[0]));
    return &q->binds[q->nbinds++];
}

static void bind_int(struct ctx *c, int64_t v)
{
    struct otw_sqlq_val *b = new_bind(c);

    if (b != NULL) {
        b->type = OTW_SQLQ_INT;
        b->i = v;
    }
}

static void bind_bytes(struct ctx *c, enum otw_sqlq_type type, const void *p, size_t len)
{
    struct otw_sqlq_val *b = new_bind(c);

    if (b == NULL)
        return;
    b->type = type;
    b->p = malloc(len + 1);
    if (b->p == NULL) {
        b->type = OTW_SQLQ_INT;
        fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    memcpy(b->p, p, len);
    ((char *)b->p)[len] = '\0';
    b->len = len;
}

static void bind_text(struct ctx *c, const char *s)
{
    bind_bytes(c, OTW_SQLQ_TEXT, s, strlen(s));
}

/* " name ": a whole name inside a " a b " list. */
static void bind_padded(struct ctx *c, const char *name)
{
    size_t n = strlen(name);
    char *t = malloc(n + 3);

    if (t == NULL) {
        fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    t[0] = ' ';
    memcpy(t + 1, name, n);
    t[n + 1] = ' ';
    t[n + 2] = '\0';
    bind_text(c, t);
    free(t);
}

/* Pattern text (query.h: \x literal, * and ? wildcards) -> GLOB pattern. */
static void bind_glob(struct ctx *c, const char *pat, const char *pre, const char *post)
{
    size_t n = strlen(pat), o = 0;
    char *g = malloc(3 * n + strlen(pre) + strlen(post) + 1);

    if (g == NULL) {
        fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    memcpy(g, pre, strlen(pre));
    o = strlen(pre);
    for (size_t i = 0; i < n; i++) {
        char ch = pat[i];
        bool lit = false;

        if (ch == '\\' && pat[i + 1] != '\0') {
            ch = pat[++i];
            lit = true;
        }
        if ((lit && (ch == '*' || ch == '?')) || ch == '[') {
            g[o++] = '[';
            g[o++] = ch;
            g[o++] = ']';
        } else {
            g[o++] = ch;
        }
    }
    memcpy(g + o, post, strlen(post));
    o += strlen(post);
    g[o] = '\0';
    bind_text(c, g);
    free(g);
}

/* Emits items [lo, hi) joined by `op` as a balanced tree of parentheses. */
typedef void (*emit_fn)(struct ctx *c, const void *arg, size_t i);

static void balanced(struct ctx *c, const char *op, size_t lo, size_t hi, emit_fn fn,
                     const void *arg)
{
    size_t mid;

    if (hi - lo == 1) {
        fn(c, arg, lo);
        return;
    }
    mid = lo + (hi - lo) / 2;
    put(c, "(");
    balanced(c, op, lo, mid, fn, arg);
    put(c, op);
    balanced(c, op, mid, hi, fn, arg);
    put(c, ")");
}

/* --- comparisons ------------------------------------------------------------------ */

struct side {
    const struct otw_qnode *n;
    const struct col *col;
    const char *expr;       /* the column of this side */
    /* values not folded into the IN list, by index into n->vals */
    size_t other[OTW_QUERY_MAX_LIST];
    size_t nother;
};

static bool is_exact(const struct otw_qnode *n, const struct otw_qval *v)
{
    switch (v->kind) {
    case OTW_QV_INT:
    case OTW_QV_MAC:
    case OTW_QV_STRING:
        return true;
    case OTW_QV_IPRANGE:
        return memcmp(v->lo, v->hi, 16) == 0;
    default:
        return false;
    }
}

static void bind_exact(struct ctx *c, const struct otw_qnode *n, const struct otw_qval *v,
                       const struct col *col)
{
    switch (v->kind) {
    case OTW_QV_INT:
        if (col->how == H_TEXTENUM)
            bind_text(c, otw_tok_str(n->field->names, (int)v->i, "?"));
        else
            bind_int(c, v->i);
        break;
    case OTW_QV_MAC:
        bind_bytes(c, OTW_SQLQ_BLOB, v->mac, 6);
        break;
    case OTW_QV_IPRANGE:
        bind_bytes(c, OTW_SQLQ_BLOB, v->lo, 16);
        break;
    case OTW_QV_STRING:
        bind_text(c, v->s);
        break;
    default:
        fail(c, OTW_EINVAL, "internal: not an exact value");
        break;
    }
}

/* One value that is not a plain equality: a range, a pattern, or an ordering
 * comparison (EQ only reaches here for ranges and patterns). */
static void emit_other(struct ctx *c, const void *arg, size_t k)
{
    const struct side *sd = arg;
    const struct otw_qnode *n = sd->n;
    const struct otw_qval *v = &n->vals[sd->other[k]];
    const char *e = sd->expr;

    put(c, "(");
    if (v->kind == OTW_QV_PATTERN && sd->col->how == H_LIST) {
        /* each name of " a b " on its own: json_each over ["a","b"]; names are
         * ours (protocol identifiers), never quotes or backslashes */
        put(c, "EXISTS (SELECT 1 FROM json_each('[\"' || replace(trim(coalesce(");
        put(c, e);
        put(c, ", '')), ' ', '\",\"') || '\"]') WHERE value != '' AND value GLOB ");
        bind_glob(c, v->s, "", "");
        put(c, ")");
    } else if (v->kind == OTW_QV_PATTERN) {
        put(c, e);
        put(c, " GLOB ");
        bind_glob(c, v->s, "", "");
    } else if (v->kind == OTW_QV_IPRANGE) {
        put(c, e);
        put(c, " BETWEEN ");
        bind_bytes(c, OTW_SQLQ_BLOB, v->lo, 16);
        put(c, " AND ");
        bind_bytes(c, OTW_SQLQ_BLOB, v->hi, 16);
    } else if (v->kind == OTW_QV_TIMERANGE) {
        /* a time value is the span it names: [i, i2) */
        put(c, e);
        switch (n->op) {
        case OTW_QOP_LT: put(c, " < "); bind_int(c, v->i); break;
        case OTW_QOP_LE: put(c, " < "); bind_int(c, v->i2); break;
        case OTW_QOP_GT: put(c, " >= "); bind_int(c, v->i2); break;
        case OTW_QOP_GE: put(c, " >= "); bind_int(c, v->i); break;
        default:
            put(c, " >= ");
            bind_int(c, v->i);
            put(c, " AND ");
            put(c, e);
            put(c, " < ");
            bind_int(c, v->i2);
            break;
        }
    } else {
        static const char *const ops[] = {" = ", " != ", " < ", " <= ", " > ", " >= "};

        put(c, e);
        put(c, ops[n->op]);
        bind_exact(c, n, v, sd->col);
    }
    put(c, ")");
}

/* "Any of the values" on one column. */
static void emit_side_values(struct ctx *c, struct side *sd)
{
    const struct otw_qnode *n = sd->n;
    const struct col *col = sd->col;
    size_t nexact = 0, parts;
    bool eq = n->op == OTW_QOP_EQ || n->op == OTW_QOP_NE;

    if (col->how == H_FLAGS) {
        int64_t mask = 0;

        for (size_t i = 0; i < n->nvals; i++)
            mask |= n->vals[i].i;
        put(c, "((");
        put(c, sd->expr);
        put(c, " & ");
        bind_int(c, mask);
        put(c, ") != 0)");
        return;
    }
    sd->nother = 0;
    for (size_t i = 0; i < n->nvals; i++) {
        if (eq && is_exact(n, &n->vals[i]))
            nexact++;
        else
            sd->other[sd->nother++] = i;
    }
    parts = (nexact > 0) + (sd->nother > 0);
    if (col->how == H_SUBQ) {
        put(c, col->subq);
    }
    if (col->how == H_APP) {
        /* the field name is a bound value too: parser fields are many */
        if (c->app_body)
            put(c, "(field = ");
        else if (c->app_exists)
            put(c, "EXISTS (SELECT 1 FROM session_fields WHERE session_id = " S "id AND field = ");
        else
            put(c, S "id IN (SELECT session_id FROM session_fields WHERE field = ");
        bind_text(c, n->field->name);
        put(c, " AND ");
    }
    if (parts > 1)
        put(c, "(");
    if (nexact > 0 && col->how == H_LIST) {
        /* " modbus tls " contains " name " */
        size_t k = 0;

        if (nexact > 1)
            put(c, "(");
        for (size_t i = 0; i < n->nvals; i++) {
            if (!is_exact(n, &n->vals[i]))
                continue;
            if (k++ > 0)
                put(c, " OR ");
            put(c, "instr(");
            put(c, sd->expr);
            put(c, ", ");
            bind_padded(c, n->vals[i].s);
            put(c, ") > 0");
        }
        if (nexact > 1)
            put(c, ")");
    } else if (nexact > 0) {
        put(c, sd->expr);
        put(c, nexact == 1 ? " = " : " IN (");
        for (size_t i = 0, k = 0; i < n->nvals; i++) {
            if (!is_exact(n, &n->vals[i]))
                continue;
            if (k++ > 0)
                put(c, ", ");
            bind_exact(c, n, &n->vals[i], col);
        }
        if (nexact > 1)
            put(c, ")");
    }
    if (parts > 1)
        put(c, " OR ");
    if (sd->nother > 0)
        balanced(c, " OR ", 0, sd->nother, emit_other, sd);
    if (parts > 1)
        put(c, ")");
    if (col->how == H_SUBQ || col->how == H_APP)
        put(c, ")");
}

static void emit_cmp(struct ctx *c, const struct otw_qnode *n)
{
    const struct col *col = &cols[n->field->id];
    bool neg = n->op == OTW_QOP_NE;
    struct side *sd;

    if (neg)
        put(c, "((");
    if (n->nvals == 1 && n->vals[0].kind == OTW_QV_EXISTS) {
        if (col->how == H_APP) {
            if (c->app_body)
                put(c, "(field = ");
            else if (c->app_exists)
                put(c, "EXISTS (SELECT 1 FROM session_fields WHERE session_id = " S "id AND "
                       "field = ");
            else
                put(c, S "id IN (SELECT session_id FROM session_fields WHERE field = ");
            bind_text(c, n->field->name);
            put(c, ")");
        } else {
            put(c, col->exists);
        }
        goto out;
    }
    sd = calloc(1, sizeof(*sd));
    if (sd == NULL) {
        fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    sd->n = n;
    sd->col = col;
    if (col->b != NULL)
        put(c, "(");
    sd->expr = col->a;
    emit_side_values(c, sd);
    if (col->b != NULL) {
        put(c, " OR ");
        sd->expr = col->b;
        emit_side_values(c, sd);
        put(c, ")");
    }
    free(sd);
out:
    if (neg)
        put(c, ") IS NOT 1)");
}

static void emit_node(struct ctx *c, const struct otw_qnode *n);

static void emit_kid(struct ctx *c, const void *arg, size_t i)
{
    const struct otw_qnode *n = arg;

    emit_node(c, n->kids[i]);
}

static void emit_node(struct ctx *c, const struct otw_qnode *n)
{
    if (c->rc != 0)
        return;
    switch (n->kind) {
    case OTW_QN_AND:
    case OTW_QN_OR:
        if (n->nkids == 0) {
            fail(c, OTW_EINVAL, "internal: empty AND/OR");
            return;
        }
        balanced(c, n->kind == OTW_QN_AND ? " AND " : " OR ", 0, n->nkids, emit_kid, n);
        break;
    case OTW_QN_NOT:
        if (n->nkids != 1) {
            fail(c, OTW_EINVAL, "internal: NOT needs one operand");
            return;
        }
        put(c, "((");
        emit_node(c, n->kids[0]);
        put(c, ") IS NOT 1)");
        break;
    case OTW_QN_CMP:
        if (n->field == NULL || n->field->id >= OTW_F__COUNT || n->nvals == 0 ||
            cols[n->field->id].a == NULL) {
            fail(c, OTW_EINVAL, "internal: field has no column");
            return;
        }
        emit_cmp(c, n);
        break;
    }
}

int otw_sqlq_compile_ex(const struct otw_query *q, bool app_exists, struct otw_sqlq *out,
                        struct otw_err *err)
{
    struct ctx c = {out, 0, err, app_exists, false};

    memset(out, 0, sizeof(*out));
    if (q == NULL || q->root == NULL)
        put(&c, "1");
    else
        emit_node(&c, q->root);
    return c.rc;
}

int otw_sqlq_compile(const struct otw_query *q, struct otw_sqlq *out, struct otw_err *err)
{
    return otw_sqlq_compile_ex(q, false, out, err);
}

int otw_sqlq_app_probe(const struct otw_qnode *n, struct otw_sqlq *out, struct otw_err *err)
{
    struct ctx c = {out, 0, err, false, true};

    memset(out, 0, sizeof(*out));
    if (n->kind != OTW_QN_CMP || n->field == NULL || n->field->id != OTW_F_APP ||
        n->nvals == 0) {
        fail(&c, OTW_EINVAL, "internal: not a parser field comparison");
        return c.rc;
    }
    /* != and negations are the caller's business: the probe counts the
     * rows the comparison's == would find */
    if (n->nvals == 1 && n->vals[0].kind == OTW_QV_EXISTS) {
        put(&c, "(field = ");
        bind_text(&c, n->field->name);
        put(&c, ")");
    } else {
        struct side *sd = calloc(1, sizeof(*sd));

        if (sd == NULL) {
            fail(&c, OTW_ENOMEM, "out of memory compiling the expression");
            return c.rc;
        }
        sd->n = n;
        sd->col = &cols[OTW_F_APP];
        sd->expr = cols[OTW_F_APP].a;
        emit_side_values(&c, sd);
        free(sd);
    }
    return c.rc;
}

int otw_sqlq_bind(sqlite3_stmt *st, const struct otw_sqlq *q, int first_index)
{
    for (size_t k = 0; k < q->nbinds; k++) {
        const struct otw_sqlq_val *b = &q->binds[k];
        int idx = first_index + (int)k, rc;

        switch (b->type) {
        case OTW_SQLQ_INT:
            rc = sqlite3_bind_int64(st, idx, b->i);
            break;
        case OTW_SQLQ_TEXT:
            rc = sqlite3_bind_text(st, idx, b->p, (int)b->len, SQLITE_TRANSIENT);
            break;
        case OTW_SQLQ_BLOB:
            rc = sqlite3_bind_blob(st, idx, b->p, (int)b->len, SQLITE_TRANSIENT);
            break;
        default:
            rc = SQLITE_MISUSE;
            break;
        }
        if (rc != SQLITE_OK)
            return OTW_ESTORE;
    }
    return 0;
}

void otw_sqlq_free(struct otw_sqlq *q)
{
    if (q == NULL)
        return;
    for (size_t k = 0; k < q->nbinds; k++)
        free(q->binds[k].p);
    free(q->binds);
    free(q->where);
    memset(q, 0, sizeof(*q));
}

int otw_sqlq_sort_expr(const char *field, const char **expr, bool *nullable,
                       struct otw_err *err)
{
    const struct otw_field *f = otw_fields_find(field != NULL ? field : "starttime");

    if (f == NULL) {
        const char *sug[3];
        size_t ns = otw_fields_suggest(field, strlen(field), sug, 3);
        char hint[200] = "";

        if (ns > 0)
            snprintf(hint, sizeof(hint), " (did you mean: %s%s%s%s%s?)", sug[0],
                     ns > 1 ? ", " : "", ns > 1 ? sug[1] : "", ns > 2 ? ", " : "",
                     ns > 2 ? sug[2] : "");
        otw_err_set(err, -1, "unknown sort field '%s'%s; 'otwatch fields' lists them", field,
                    hint);
        return OTW_EINVAL;
    }
    if (cols[f->id].sort == NULL && f->id == OTW_F_APP) {
        otw_err_set(err, -1, "cannot sort by %s: a session may hold several values of it",
                    f->name);
        return OTW_EINVAL;
    }
    if (cols[f->id].sort == NULL) {
        otw_err_set(err, -1, "cannot sort by %s: it means either side; sort by %s.src or %s.dst",
                    f->name, f->name, f->name);
        return OTW_EINVAL;
    }
    *expr = cols[f->id].sort;
    /* NOT NULL columns (and expressions of them) say "1" for exists or are
     * ports and flags, whose columns are NOT NULL too */
    *nullable = strcmp(cols[f->id].exists, "1") != 0 && f->id != OTW_F_PORT_SRC &&
                f->id != OTW_F_PORT_DST && f->id != OTW_F_TCPFLAGS_SRC &&
                f->id != OTW_F_TCPFLAGS_DST && f->id != OTW_F_STATE &&
                f->id != OTW_F_PROTOCOLS;
    return 0;
}

int otw_sqlq_order_by(const char *field, bool desc, char *buf, size_t len, struct otw_err *err)
{
    const char *dir = desc ? " DESC" : " ASC";
    const char *expr;
    bool nullable;
    int n;

    if (otw_sqlq_sort_expr(field, &expr, &nullable, err) != 0)
        return OTW_EINVAL;
    n = snprintf(buf, len, "%s%s, " S "id%s", expr, dir, dir);
    if (n < 0 || (size_t)n >= len) {
        otw_err_set(err, -1, "sort expression does not fit");
        return OTW_EINVAL;
    }
    return 0;
}
