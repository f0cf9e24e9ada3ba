/*
 * sqlq.c - the one compiler of query expressions into SQL conditions
 * (sqlq.h); the dialects (sqlite_query.c, ch_query.c) say how each field
 * is stored and spell the few constructs that differ.
 *
 * Rules that make the SQL both correct and fast, in every dialect:
 *
 * - Comparisons are two-valued. SQL's NULL (no VLAN, no ICMP type) would
 *   make `!x` and `x != v` drop rows that lack the field; every negation is
 *   the dialect's "is not true" (SQLite: ((x) IS NOT 1), true for 0 and
 *   NULL; ClickHouse: NOT over conditions that are never NULL, its nullable
 *   columns' comparisons being wrapped in ifNull(..., 0)). So a session
 *   without a VLAN matches `vlan != 10` and `!(vlan == 10)`. Since AND and
 *   OR are monotone, treating "unknown" as "false" at each negation gives
 *   exactly two-valued logic (see docs/QUERY.md).
 * - Address ranges are `src_ip BETWEEN lo AND hi` on 16-byte strings (IPv4
 *   is stored ::ffff:a.b.c.d), so an index or sorting key serves CIDR
 *   queries.
 * - Either-side fields (ip, port, mac, vlan) are (src OR dst); their != is
 *   "neither side", by the negation rule above.
 * - Wildcards are the dialect's case-sensitive pattern match (GLOB, LIKE),
 *   like the stored names and paths.
 * - protocols is stored " modbus tls ": an exact name is found as " name ";
 *   a wildcard is matched against each name separately, so "m*s" cannot
 *   match across "modbus tls".
 * - AND/OR chains and lists are emitted as balanced trees of parentheses,
 *   keeping the expression depth (SQLite's limit is 1000) logarithmic.
 */
#include "store/sqlq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- output: capped text and bind values; errors stick ------------------------ */

void otw_sqlq_fail(struct otw_sqlq_cc *c, int rc, const char *msg)
{
    if (c->rc == 0) {
        c->rc = rc;
        otw_err_set(c->err, -1, "%s", msg);
    }
}

void otw_sqlq_put(struct otw_sqlq_cc *c, const char *s)
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
            otw_sqlq_fail(c, OTW_EINVAL, "expression is too large to compile");
            return;
        }
        b = realloc(q->where, cap);
        if (b == NULL) {
            otw_sqlq_fail(c, OTW_ENOMEM, "out of memory compiling the expression");
            return;
        }
        q->where = b;
        q->where_cap = cap;
    }
    memcpy(q->where + q->where_len, s, n + 1);
    q->where_len += n;
}

void otw_sqlq_add_bind(struct otw_sqlq_cc *c, enum otw_sqlq_type type, int64_t i, const void *p,
                       size_t len)
{
    struct otw_sqlq *q = c->q;
    struct otw_sqlq_val *b;

    if (c->rc != 0)
        return;
    if (q->nbinds == OTW_SQLQ_MAX_BINDS) {
        otw_sqlq_fail(c, OTW_EINVAL, "expression has too many values to compile");
        return;
    }
    if (q->nbinds == q->binds_cap) {
        size_t cap = q->binds_cap ? q->binds_cap * 2 : 16;
        struct otw_sqlq_val *nb = realloc(q->binds, cap * sizeof(*nb));

        if (nb == NULL) {
            otw_sqlq_fail(c, OTW_ENOMEM, "out of memory compiling the expression");
            return;
        }
        q->binds = nb;
        q->binds_cap = cap;
    }
    otw_sqlq_put(c, "?");
    if (c->rc != 0)
        return;
    b = &q->binds[q->nbinds++];
    memset(b, 0, sizeof(*b));
    b->type = type;
    if (type == OTW_SQLQ_INT) {
        b->i = i;
        return;
    }
    b->p = malloc(len + 1);
    if (b->p == NULL) {
        b->type = OTW_SQLQ_INT;
        otw_sqlq_fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    if (len > 0)
        memcpy(b->p, p, len);
    ((char *)b->p)[len] = '\0';
    b->len = len;
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

#define put otw_sqlq_put
#define fail otw_sqlq_fail

static void val_int(struct otw_sqlq_cc *c, int64_t v)
{
    c->d->value(c, OTW_SQLQ_INT, v, NULL, 0);
}

static void val_text(struct otw_sqlq_cc *c, const char *s)
{
    c->d->value(c, OTW_SQLQ_TEXT, 0, s, strlen(s));
}

static void val_blob(struct otw_sqlq_cc *c, const void *p, size_t len)
{
    c->d->value(c, OTW_SQLQ_BLOB, 0, p, len);
}

/* " name ": a whole name inside a " a b " list. */
static void val_padded(struct otw_sqlq_cc *c, const char *name)
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
    val_text(c, t);
    free(t);
}

static void val_pattern(struct otw_sqlq_cc *c, const char *pat)
{
    char *p = c->d->pattern(pat);

    if (p == NULL) {
        fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    val_text(c, p);
    free(p);
}

/* Emits items [lo, hi) joined by `op` as a balanced tree of parentheses. */
typedef void (*emit_fn)(struct otw_sqlq_cc *c, const void *arg, size_t i);

static void balanced(struct otw_sqlq_cc *c, const char *op, size_t lo, size_t hi, emit_fn fn,
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
    const struct otw_sqlq_col *col;
    const char *expr;       /* the column of this side */
    /* values not folded into the IN list, by index into n->vals */
    size_t other[OTW_QUERY_MAX_LIST];
    size_t nother;
};

/* The column (or, for a CONST field, its value). */
static void put_expr(struct otw_sqlq_cc *c, const struct side *sd)
{
    if (sd->col->how == OTW_SQLQ_CONST)
        val_text(c, c->d->konst(sd->n->field));
    else
        put(c, sd->expr);
}

static bool is_exact(const struct otw_qval *v)
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

static void val_exact(struct otw_sqlq_cc *c, const struct otw_qnode *n, const struct otw_qval *v,
                      const struct otw_sqlq_col *col)
{
    switch (v->kind) {
    case OTW_QV_INT:
        if (col->how == OTW_SQLQ_TEXTENUM)
            val_text(c, otw_tok_str(n->field->names, (int)v->i, "?"));
        else
            val_int(c, v->i);
        break;
    case OTW_QV_MAC:
        val_blob(c, v->mac, 6);
        break;
    case OTW_QV_IPRANGE:
        val_blob(c, v->lo, 16);
        break;
    case OTW_QV_STRING:
        val_text(c, v->s);
        break;
    default:
        fail(c, OTW_EINVAL, "internal: not an exact value");
        break;
    }
}

/* One value that is not a plain equality: a range, a pattern, or an ordering
 * comparison (EQ only reaches here for ranges and patterns). */
static void emit_other(struct otw_sqlq_cc *c, const void *arg, size_t k)
{
    const struct side *sd = arg;
    const struct otw_qnode *n = sd->n;
    const struct otw_qval *v = &n->vals[sd->other[k]];

    put(c, "(");
    if (v->kind == OTW_QV_PATTERN && sd->col->how == OTW_SQLQ_LIST) {
        c->d->list_pattern(c, sd->expr, v->s);
    } else if (v->kind == OTW_QV_PATTERN) {
        put_expr(c, sd);
        put(c, c->d->pattern_op);
        val_pattern(c, v->s);
    } else if (v->kind == OTW_QV_IPRANGE) {
        put_expr(c, sd);
        put(c, " BETWEEN ");
        val_blob(c, v->lo, 16);
        put(c, " AND ");
        val_blob(c, v->hi, 16);
    } else if (v->kind == OTW_QV_TIMERANGE) {
        /* a time value is the span it names: [i, i2) */
        put_expr(c, sd);
        switch (n->op) {
        case OTW_QOP_LT: put(c, " < "); val_int(c, v->i); break;
        case OTW_QOP_LE: put(c, " < "); val_int(c, v->i2); break;
        case OTW_QOP_GT: put(c, " >= "); val_int(c, v->i2); break;
        case OTW_QOP_GE: put(c, " >= "); val_int(c, v->i); break;
        default:
            put(c, " >= ");
            val_int(c, v->i);
            put(c, " AND ");
            put_expr(c, sd);
            put(c, " < ");
            val_int(c, v->i2);
            break;
        }
    } else {
        static const char *const ops[] = {" = ", " != ", " < ", " <= ", " > ", " >= "};

        put_expr(c, sd);
        put(c, ops[n->op]);
        val_exact(c, n, v, sd->col);
    }
    put(c, ")");
}

/* Could a value match '' (a pattern, or the empty string)? */
static bool may_match_empty(const struct otw_qnode *n)
{
    for (size_t i = 0; i < n->nvals; i++)
        if (n->vals[i].kind == OTW_QV_PATTERN ||
            (n->vals[i].kind == OTW_QV_STRING && n->vals[i].s[0] == '\0'))
            return true;
    return false;
}

/* "Any of the values" on one column. */
static void emit_side_values(struct otw_sqlq_cc *c, struct side *sd)
{
    const struct otw_qnode *n = sd->n;
    const struct otw_sqlq_col *col = sd->col;
    const char *app_close = ")";
    size_t nexact = 0, parts;
    bool eq = n->op == OTW_QOP_EQ || n->op == OTW_QOP_NE;
    bool nullable = (col->flags & OTW_SQLQ_NULLABLE) != 0;
    bool guard = (col->flags & OTW_SQLQ_EMPTY) != 0 && may_match_empty(n);

    if (col->how == OTW_SQLQ_FLAGS) {
        int64_t mask = 0;

        for (size_t i = 0; i < n->nvals; i++)
            mask |= n->vals[i].i;
        put(c, c->d->flags_open);
        put(c, sd->expr);
        put(c, c->d->flags_mid);
        val_int(c, mask);
        put(c, c->d->flags_close);
        return;
    }
    sd->nother = 0;
    for (size_t i = 0; i < n->nvals; i++) {
        if (eq && is_exact(&n->vals[i]))
            nexact++;
        else
            sd->other[sd->nother++] = i;
    }
    parts = (nexact > 0) + (sd->nother > 0);
    if (nullable)
        put(c, c->d->nullable_open);
    if (guard) {
        /* '' is "no value" there, which no pattern matches */
        put(c, "(");
        put(c, sd->expr);
        put(c, " != '' AND ");
    }
    if (col->how == OTW_SQLQ_SUBQ)
        put(c, col->subq);
    if (col->how == OTW_SQLQ_APP)
        sd->expr = c->d->app_open(c, n->field, false, &app_close);
    if (parts > 1)
        put(c, "(");
    if (nexact > 0 && col->how == OTW_SQLQ_LIST) {
        /* " modbus tls " contains " name " */
        size_t k = 0;

        if (nexact > 1)
            put(c, "(");
        for (size_t i = 0; i < n->nvals; i++) {
            if (!is_exact(&n->vals[i]))
                continue;
            if (k++ > 0)
                put(c, " OR ");
            put(c, c->d->list_open);
            put(c, sd->expr);
            put(c, ", ");
            val_padded(c, n->vals[i].s);
            put(c, ") > 0");
        }
        if (nexact > 1)
            put(c, ")");
    } else if (nexact > 0) {
        put_expr(c, sd);
        put(c, nexact == 1 ? " = " : " IN (");
        for (size_t i = 0, k = 0; i < n->nvals; i++) {
            if (!is_exact(&n->vals[i]))
                continue;
            if (k++ > 0)
                put(c, ", ");
            val_exact(c, n, &n->vals[i], col);
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
    if (col->how == OTW_SQLQ_SUBQ)
        put(c, ")");
    if (col->how == OTW_SQLQ_APP)
        put(c, app_close);
    if (guard)
        put(c, ")");
    if (nullable)
        put(c, c->d->nullable_close);
}

void otw_sqlq_emit_values(struct otw_sqlq_cc *c, const struct otw_qnode *n,
                          const struct otw_sqlq_col *col, const char *expr)
{
    struct side *sd = calloc(1, sizeof(*sd));

    if (sd == NULL) {
        fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    sd->n = n;
    sd->col = col;
    sd->expr = expr;
    emit_side_values(c, sd);
    free(sd);
}

static void emit_cmp(struct otw_sqlq_cc *c, const struct otw_qnode *n)
{
    const struct otw_sqlq_col *col = &c->d->cols[n->field->id];
    bool neg = n->op == OTW_QOP_NE;

    if (neg)
        put(c, c->d->not_open);
    if (n->nvals == 1 && n->vals[0].kind == OTW_QV_EXISTS) {
        if (col->how == OTW_SQLQ_APP) {
            const char *close = NULL;

            c->d->app_open(c, n->field, true, &close);
        } else {
            put(c, col->exists);
        }
    } else if (col->how == OTW_SQLQ_HOOK) {
        c->d->cmp(c, n, col);
    } else if (col->b != NULL) {
        put(c, "(");
        otw_sqlq_emit_values(c, n, col, col->a);
        put(c, " OR ");
        otw_sqlq_emit_values(c, n, col, col->b);
        put(c, ")");
    } else {
        otw_sqlq_emit_values(c, n, col, col->a);
    }
    if (neg)
        put(c, c->d->not_close);
}

static void emit_node(struct otw_sqlq_cc *c, const struct otw_qnode *n);

static void emit_kid(struct otw_sqlq_cc *c, const void *arg, size_t i)
{
    const struct otw_qnode *n = arg;

    emit_node(c, n->kids[i]);
}

static void emit_node(struct otw_sqlq_cc *c, const struct otw_qnode *n)
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
        put(c, c->d->not_open);
        emit_node(c, n->kids[0]);
        put(c, c->d->not_close);
        break;
    case OTW_QN_CMP:
        if (n->field == NULL || n->field->id >= OTW_F__COUNT || n->nvals == 0) {
            fail(c, OTW_EINVAL, "internal: field has no column");
            return;
        }
        if (c->d->cols[n->field->id].a == NULL) {
            if (c->rc == 0) {
                c->rc = OTW_EINVAL;
                otw_err_set(c->err, -1, "%s: not available with the %s store", n->field->name,
                            c->d->name);
            }
            return;
        }
        emit_cmp(c, n);
        break;
    }
}

int otw_sqlq_emit(struct otw_sqlq_cc *c, const struct otw_query *q)
{
    c->rc = 0;
    memset(c->q, 0, sizeof(*c->q));
    if (q == NULL || q->root == NULL)
        put(c, "1");
    else
        emit_node(c, q->root);
    return c->rc;
}

/* --- sorting ---------------------------------------------------------------------- */

int otw_sqlq_sort_field(const struct otw_sqlq_dialect *d, const char *field,
                        const struct otw_field **fp, const struct otw_sqlq_col **colp,
                        struct otw_err *err)
{
    const struct otw_field *f = otw_fields_find(field != NULL ? field : "starttime");
    const struct otw_sqlq_col *col;

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
    col = &d->cols[f->id];
    if (col->sort == NULL && f->id == OTW_F_APP) {
        otw_err_set(err, -1, "cannot sort by %s: a session may hold several values of it",
                    f->name);
        return OTW_EINVAL;
    }
    if (col->a == NULL || (col->flags & OTW_SQLQ_NOSORT)) {
        otw_err_set(err, -1, "cannot sort by %s: not available with the %s store", f->name,
                    d->name);
        return OTW_EINVAL;
    }
    if (col->sort == NULL) {
        otw_err_set(err, -1, "cannot sort by %s: it means either side; sort by %s.src or %s.dst",
                    f->name, f->name, f->name);
        return OTW_EINVAL;
    }
    *fp = f;
    *colp = col;
    return 0;
}
