/*
 * query.h - query expressions as Arkime users write them, parsed into a
 * backend-neutral tree.
 *
 *   ip.src == 10.0.0.5 && port.dst == 502
 *   source.ip == 192.168.1.0/24 || ip == fe80::/10
 *   port.dst == [22, 3389] && !(state == established)
 *   protocols == modbus && file == *day1*
 *
 * The parser knows fields (query/fields.h) and value types, never SQL: every
 * value is checked and converted here (addresses to 16-byte ranges, times to
 * microsecond ranges, names to codes), and a store backend compiles the tree
 * to its own language (store/sqlite_query.c). docs/QUERY.md is the user's
 * description of the language.
 */
#ifndef OTW_QUERY_H
#define OTW_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "query/fields.h"

/* Caps: hitting one is a syntax error that says which cap. */
#define OTW_QUERY_MAX_LEN 4096      /* bytes of expression text */
#define OTW_QUERY_MAX_DEPTH 32      /* nested parentheses and ! */
#define OTW_QUERY_MAX_LIST 256      /* values in one [ ... ] list */
#define OTW_QUERY_MAX_TERMS 512     /* comparisons in one expression */

enum otw_qop { OTW_QOP_EQ = 0, OTW_QOP_NE, OTW_QOP_LT, OTW_QOP_LE, OTW_QOP_GT, OTW_QOP_GE };

enum otw_qval_kind {
    OTW_QV_INT = 0,     /* i: INT, ENUM (code), BOOL (0/1), FLAGS (bit mask) */
    OTW_QV_IPRANGE,     /* lo..hi inclusive, 16 bytes each; lo == hi for one address */
    OTW_QV_TIMERANGE,   /* [i, i2) microseconds: the span the value names (a day, a second) */
    OTW_QV_MAC,         /* mac */
    OTW_QV_STRING,      /* s: exact text (STRING, LIST element) */
    OTW_QV_PATTERN,     /* s: text with wildcards; `*` any run, `?` one character,
                         * a literal * or ? is written \* or \? in s */
    OTW_QV_EXISTS,      /* EXISTS! - the field has a value */
};

struct otw_qval {
    enum otw_qval_kind kind;
    int64_t i, i2;
    uint8_t lo[16], hi[16];
    uint8_t mac[6];
    char *s;            /* owned by the query */
};

enum otw_qnode_kind { OTW_QN_AND = 0, OTW_QN_OR, OTW_QN_NOT, OTW_QN_CMP };

struct otw_qnode {
    enum otw_qnode_kind kind;
    /* AND, OR: nkids >= 2; NOT: nkids == 1 */
    struct otw_qnode **kids;
    size_t nkids;
    /* CMP: field op value, or field op [v1, v2 ...] meaning "any of"
     * (for != : "none of") */
    const struct otw_field *field;
    enum otw_qop op;
    struct otw_qval *vals;
    size_t nvals;
    int column;         /* 1-based column of the field name in the text */
};

struct otw_query {
    struct otw_qnode *root; /* NULL: the empty expression, matches everything */
};

/* A parse error: where, what, and for an unknown field the nearest names.
 * kind and args say it again for programs (the web UI words it in the
 * user's language): kind is a stable code (docs/API.md lists them:
 * "unknown_field", "bad_value", "unexpected" ...), args the values the
 * sentence names ("field", "value", "found" ...). */
#define OTW_QERR_MAX_ARGS 4
struct otw_qerr {
    int column;             /* 1-based byte column; 0 when not tied to a place */
    char msg[256];
    const char *suggest[3]; /* static field names, NULL-padded */
    size_t nsuggest;
    const char *kind;       /* static; NULL only when out of memory */
    struct {
        const char *name;   /* static */
        char value[96];     /* truncated */
    } args[OTW_QERR_MAX_ARGS];
    size_t nargs;
};

/* Parses `expr` (NUL-terminated). On success *out is a new query the caller
 * frees with otw_query_free(); on error returns OTW_ESYNTAX (or OTW_ENOMEM),
 * *out is NULL and err says why. */
int otw_query_parse(const char *expr, struct otw_query **out, struct otw_qerr *err);
void otw_query_free(struct otw_query *q);

/* Renders an error for a terminal:
 *
 *   unknown field 'ip.scr'
 *     ip.scr == 10.0.0.5
 *     ^
 *   did you mean: ip.src, ip.dst, ip
 *
 * Always NUL-terminates buf (truncating); returns 0. */
int otw_query_format_error(const char *expr, const struct otw_qerr *err, char *buf, size_t len);

/* A canonical one-line rendering of the tree, for tests and debugging:
 * (and (== ip.src 10.0.0.5) (== port.dst 502)). Truncates; returns 0. */
int otw_query_dump(const struct otw_query *q, char *buf, size_t len);

const char *otw_qop_str(enum otw_qop op);

/* Parses a time as query values are written (2024-05-01, "2024-05-01 13:45",
 * RFC 3339, unix seconds; UTC unless an offset is given) into the span it
 * names, [*lo_us, *hi_us) in microseconds: a date is the whole day. For
 * --since use lo, for --until use lo (or hi to include the span).
 * 0 or OTW_EINVAL. */
int otw_query_parse_time(const char *s, int64_t *lo_us, int64_t *hi_us);

#endif
