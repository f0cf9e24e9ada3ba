/*
 * sqlq.h - one compiler of query expressions (query/query.h) into the
 * WHERE clause of a store's SQL, with a dialect per backend. Internal to
 * src/store/.
 *
 * The compiler (sqlq.c) walks the tree and decides everything the two
 * backends share: two-valued logic (a negation is true when its operand is
 * not true, so a session without a VLAN matches `vlan != 10`), either-side
 * fields as (src OR dst), lists of values as IN, ranges, time spans,
 * AND/OR chains as balanced trees. A dialect says how each field is
 * stored and how the few constructs the databases spell differently are
 * written:
 *
 *   SQLite (sqlite_query.c)      values as ? parameters (binds), GLOB,
 *                                instr(), parser fields in session_fields
 *   ClickHouse (ch_query.c)      values as escaped literals (binds stay
 *                                empty), LIKE, position(), parser fields
 *                                in the arrays f_name/f_isint/f_int/f_str
 */
#ifndef OTW_SQLQ_H
#define OTW_SQLQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "query/query.h"

#define OTW_SQLQ_MAX_SQL (1u << 20)   /* bytes of WHERE text */
#define OTW_SQLQ_MAX_BINDS 8192       /* below SQLite's 32766 variables, with room for the caller */

enum otw_sqlq_type { OTW_SQLQ_INT = 0, OTW_SQLQ_TEXT, OTW_SQLQ_BLOB };

struct otw_sqlq_val {
    enum otw_sqlq_type type;
    int64_t i;      /* INT */
    void *p;        /* TEXT (NUL-terminated) or BLOB; owned by the otw_sqlq */
    size_t len;     /* TEXT/BLOB bytes, without the NUL */
};

/* A compiled expression. */
struct otw_sqlq {
    char *where;                /* NUL-terminated boolean expression; "1" matches all */
    size_t where_len, where_cap;
    struct otw_sqlq_val *binds; /* binds[k] is the (k+1)-th ? in `where` (SQLite) */
    size_t nbinds, binds_cap;
};

/* How a field's column is compared. */
enum otw_sqlq_how {
    OTW_SQLQ_PLAIN = 0, /* column compared to the value as is */
    OTW_SQLQ_TEXTENUM,  /* enum stored as its name (state, end_reason) */
    OTW_SQLQ_FLAGS,     /* bit mask: any of the bits set */
    OTW_SQLQ_LIST,      /* " a b " list of names */
    OTW_SQLQ_SUBQ,      /* subq + condition on a column of another table + ")" */
    OTW_SQLQ_APP,       /* a parser field (the dialect's app_open) */
    OTW_SQLQ_CONST,     /* the same text for every session: the value of dialect->konst */
    OTW_SQLQ_HOOK,      /* the dialect's cmp() writes the comparison (ClickHouse baseline) */
};

/* Column flags. */
enum {
    OTW_SQLQ_NULLABLE = 0x01,   /* a comparison may be NULL: wrapped in the dialect's
                                 * nullable_open/close to make it false instead */
    OTW_SQLQ_EMPTY = 0x02,      /* '' means "no value": a pattern or "" never matches it */
    OTW_SQLQ_NOSORT = 0x04,     /* cannot sort by it in this dialect ("not available") */
};

struct otw_sqlq_col {
    enum otw_sqlq_how how;
    const char *a, *b;      /* column or expression; b: other side of EITHER fields.
                             * a NULL: the field is not available in this dialect */
    const char *subq;       /* SUBQ: "sessions.point_id IN (SELECT id FROM points WHERE " */
    const char *exists;     /* true when the field has a value */
    const char *sort;       /* ORDER BY expression; NULL: sort by one side instead */
    unsigned flags;         /* OTW_SQLQ_* */
};

struct otw_sqlq_cc;

struct otw_sqlq_dialect {
    const char *name;                   /* "ClickHouse": in "not available" errors */
    const struct otw_sqlq_col *cols;    /* OTW_F__COUNT entries, by field id */
    /* around a negated condition: true when the condition is not true */
    const char *not_open, *not_close;
    /* any bit of a mask: flags_open COLUMN flags_mid MASK flags_close */
    const char *flags_open, *flags_mid, *flags_close;
    /* COLUMN pattern_op PATTERN (the pattern as pattern() converts it) */
    const char *pattern_op;
    /* list_open COLUMN ", ' name ') > 0": the list holds the name */
    const char *list_open;
    /* around the comparisons of a NULLABLE column ("" when NULL is false anyway) */
    const char *nullable_open, *nullable_close;
    /* Writes a value: a ? and its bind, or a literal. p/len: TEXT, BLOB. */
    void (*value)(struct otw_sqlq_cc *c, enum otw_sqlq_type type, int64_t i, const void *p,
                  size_t len);
    /* The query pattern (query.h: \x literal, * and ? wildcards) in the
     * syntax of pattern_op; malloc'd, NULL when out of memory. */
    char *(*pattern)(const char *pat);
    /* A name of the LIST column `expr` matches the pattern. */
    void (*list_pattern)(struct otw_sqlq_cc *c, const char *expr, const char *pat);
    /* Opens the condition on parser field f and returns the expression its
     * values are compared to; *close is written after them. exists: the
     * condition is only that the session has the field (complete: nothing
     * follows, NULL is returned). */
    const char *(*app_open)(struct otw_sqlq_cc *c, const struct otw_field *f, bool exists,
                            const char **close);
    /* CONST fields: the text every session has. */
    const char *(*konst)(const struct otw_field *f);
    /* HOOK fields: writes "any of the values" of comparison n (a != is
     * this condition negated by the compiler, as for other fields). */
    void (*cmp)(struct otw_sqlq_cc *c, const struct otw_qnode *n, const struct otw_sqlq_col *col);
};

/* Compile state: text and values go to q; the first error sticks. */
struct otw_sqlq_cc {
    const struct otw_sqlq_dialect *d;
    struct otw_sqlq *q;
    int rc;
    struct otw_err *err;
    bool app_exists;        /* SQLite: parser fields as correlated EXISTS */
    bool app_body;          /* SQLite: only the session_fields condition (app probe) */
    const char *bl_ranks;   /* ClickHouse: the SELECT of otw_ch_bl_ranks_sql() (HOOK fields) */
};

/* Compiles q (NULL or empty: "1") with dialect d into c->q (zeroed here;
 * the caller frees it with otw_sqlq_free() whether or not this succeeds). */
int otw_sqlq_emit(struct otw_sqlq_cc *c, const struct otw_query *q);
/* The "any of the values" condition of comparison n on one column `expr`
 * of col (the app probe compiles a parser field's values alone). */
void otw_sqlq_emit_values(struct otw_sqlq_cc *c, const struct otw_qnode *n,
                          const struct otw_sqlq_col *col, const char *expr);

/* For the dialects. */
void otw_sqlq_put(struct otw_sqlq_cc *c, const char *s);
void otw_sqlq_fail(struct otw_sqlq_cc *c, int rc, const char *msg);
/* Adds a bind value and writes its ? (SQLite). */
void otw_sqlq_add_bind(struct otw_sqlq_cc *c, enum otw_sqlq_type type, int64_t i, const void *p,
                       size_t len);
void otw_sqlq_free(struct otw_sqlq *q);

/* The field a sort names (either naming; NULL: starttime) and its column
 * in dialect d. Unknown field, or one that cannot sort: OTW_EINVAL with a
 * message ("did you mean", "either side", "several values"). */
int otw_sqlq_sort_field(const struct otw_sqlq_dialect *d, const char *field,
                        const struct otw_field **f, const struct otw_sqlq_col **col,
                        struct otw_err *err);

/* The ClickHouse dialect (ch_query.c): q as a condition on the sessions
 * table's columns with every value a literal (out->binds stays empty), and
 * the ORDER BY list of a sort (NULLs first ascending, as SQLite). */
int otw_chq_compile(const struct otw_query *q, struct otw_sqlq *out, struct otw_err *err);
/* The same with the baseline fields: bl_ranks is the SELECT
 * otw_ch_bl_ranks_sql() writes (otw_chq_compile: they are "not available"). */
int otw_chq_compile_bl(const struct otw_query *q, const char *bl_ranks, struct otw_sqlq *out,
                       struct otw_err *err);
/* otw_chq_compile_bl() with the baseline of store st when q names it (a
 * query of the baseline's cleared version first). Errors: the store's
 * (OTW_EIO...), or OTW_ESYNTAX when q does not compile (message in err). */
struct otw_store;
int otw_chq_compile_st(struct otw_store *st, const struct otw_query *q, struct otw_sqlq *out,
                       struct otw_err *err);
/* Does q name a HOOK field of the ClickHouse dialect (baseline, baseline.category)? */
bool otw_chq_needs_bl(const struct otw_query *q);
int otw_chq_order_by(const char *field, bool desc, char *buf, size_t len, struct otw_err *err);

#endif
