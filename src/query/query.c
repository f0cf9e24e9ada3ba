/*
 * query.c - lexer and recursive-descent parser for query expressions.
 *
 * Grammar (lowest precedence first; && binds tighter than ||, as in C and
 * Arkime):
 *
 *   expr  := and ( '||' and )*
 *   and   := unary ( '&&' unary )*
 *   unary := '!' unary | '(' expr ')' | cmp
 *   cmp   := FIELD op value
 *   op    := '==' | '!=' | '<' | '<=' | '>' | '>='
 *   value := WORD | STRING | 'EXISTS!' | '[' item ( ',' item )* ']'
 *
 * A WORD runs to whitespace or one of ( ) [ ] , " ' = ! < > & |; a STRING is
 * in double or single quotes. In both, a backslash takes the next character
 * literally, and * and ? are wildcards (on string and list fields only).
 *
 * Values are checked and converted here, against the field's type, so a
 * backend never sees text it has to interpret. Recursion is bounded by
 * OTW_QUERY_MAX_DEPTH; the text by OTW_QUERY_MAX_LEN.
 */
#include "query/query.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/session.h"

/* --- lexer ------------------------------------------------------------------ */

enum tk {
    T_END = 0, T_WORD, T_STRING, T_EXISTS, T_LP, T_RP, T_LB, T_RB, T_COMMA,
    T_AND, T_OR, T_NOT, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
    T_BAD,      /* a character that starts no token; `p` points at it */
};

struct tok {
    enum tk t;
    const char *p;      /* WORD: the word; STRING: the text between the quotes */
    size_t len;
    int col;            /* 1-based */
};

struct parser {
    const char *src;
    size_t len, pos;
    struct tok cur;
    struct otw_qerr *err;
    int depth;
    size_t terms;
    int rc;             /* first error code; 0 while fine */
    bool argok;         /* the last perr() recorded its error: parg() may add to it */
};

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_word_char(int c)
{
    return c != '\0' && !is_space(c) && strchr("()[],\"'=!<>&|", c) == NULL;
}

static int perr(struct parser *p, int col, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first error: its column, its stable kind and its message. */
static int perr(struct parser *p, int col, const char *kind, const char *fmt, ...)
{
    va_list ap;

    p->argok = false;
    if (p->rc != 0)
        return p->rc;
    p->rc = OTW_ESYNTAX;
    p->argok = true;
    p->err->column = col;
    p->err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
    va_end(ap);
    return p->rc;
}

static void parg(struct parser *p, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds a named value to the error perr() just recorded. */
static void parg(struct parser *p, const char *name, const char *fmt, ...)
{
    struct otw_qerr *e = p->err;
    va_list ap;

    if (!p->argok || e->nargs == OTW_QERR_MAX_ARGS)
        return;
    e->args[e->nargs].name = name;
    va_start(ap, fmt);
    vsnprintf(e->args[e->nargs].value, sizeof(e->args[e->nargs].value), fmt, ap);
    va_end(ap);
    e->nargs++;
}

static void next(struct parser *p)
{
    const char *s = p->src;
    size_t i = p->pos;
    struct tok *t = &p->cur;

    while (i < p->len && is_space((unsigned char)s[i]))
        i++;
    t->p = s + i;
    t->col = (int)i + 1;
    t->len = 1;
    if (i >= p->len) {
        t->t = T_END;
        t->len = 0;
        p->pos = i;
        return;
    }
    switch (s[i]) {
    case '(': t->t = T_LP; break;
    case ')': t->t = T_RP; break;
    case '[': t->t = T_LB; break;
    case ']': t->t = T_RB; break;
    case ',': t->t = T_COMMA; break;
    case '&':
        t->t = (s[i + 1] == '&') ? T_AND : T_BAD;
        t->len = (t->t == T_AND) ? 2 : 1;
        break;
    case '|':
        t->t = (s[i + 1] == '|') ? T_OR : T_BAD;
        t->len = (t->t == T_OR) ? 2 : 1;
        break;
    case '!':
        t->t = (s[i + 1] == '=') ? T_NE : T_NOT;
        t->len = (t->t == T_NE) ? 2 : 1;
        break;
    case '=':
        /* a lone '=' is T_BAD: the parser says "use ==" */
        t->t = (s[i + 1] == '=') ? T_EQ : T_BAD;
        t->len = (t->t == T_EQ) ? 2 : 1;
        break;
    case '<':
        t->t = (s[i + 1] == '=') ? T_LE : T_LT;
        t->len = (t->t == T_LE) ? 2 : 1;
        break;
    case '>':
        t->t = (s[i + 1] == '=') ? T_GE : T_GT;
        t->len = (t->t == T_GE) ? 2 : 1;
        break;
    case '"':
    case '\'': {
        char q = s[i];
        size_t j = i + 1;

        while (j < p->len && s[j] != q) {
            if (s[j] == '\\' && j + 1 < p->len)
                j++;
            j++;
        }
        if (j >= p->len) {
            perr(p, t->col, "unclosed_string", "string is not closed: missing %c", q);
            parg(p, "quote", "%c", q);
            t->t = T_END;
            t->len = 0;
            p->pos = p->len;
            return;
        }
        t->t = T_STRING;
        t->p = s + i + 1;
        t->len = j - i - 1;
        p->pos = j + 1;
        return;
    }
    default:
        if (!is_word_char((unsigned char)s[i])) {
            t->t = T_BAD;
            break;
        }
        {
            size_t j = i;

            while (j < p->len && is_word_char((unsigned char)s[j])) {
                if (s[j] == '\\' && j + 1 < p->len)
                    j++;
                j++;
            }
            t->t = T_WORD;
            t->len = j - i;
            /* Arkime's EXISTS! */
            if (t->len == 6 && strncmp(t->p, "EXISTS", 6) == 0 && j < p->len && s[j] == '!') {
                t->t = T_EXISTS;
                t->len = 7;
                j++;
            }
            p->pos = j;
            return;
        }
    }
    p->pos = i + t->len;
}

/* --- values ------------------------------------------------------------------ */

/* Turns raw word/string text into pattern text: a backslash-escaped *, ? or
 * backslash stays escaped (a literal), any other escaped character becomes
 * itself. *wild says whether an unescaped * or ? is present. */
static char *to_pattern(const char *raw, size_t len, bool *wild)
{
    char *out = malloc(2 * len + 1);
    size_t o = 0;

    *wild = false;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = raw[i];

        if (c == '\\' && i + 1 < len) {
            c = raw[++i];
            if (c == '*' || c == '?' || c == '\\')
                out[o++] = '\\';
            out[o++] = c;
            continue;
        }
        if (c == '*' || c == '?')
            *wild = true;
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

/* Pattern text without its escapes (in place). */
static void unescape(char *s)
{
    char *o = s;

    for (; *s; s++) {
        if (*s == '\\' && s[1] != '\0')
            s++;
        *o++ = *s;
    }
    *o = '\0';
}

static int tok_lookup(const struct otw_tok *t, const char *s, int64_t *v)
{
    for (; t != NULL && t->s != NULL; t++)
        if (strcasecmp(t->s, s) == 0) {
            *v = t->v;
            return 0;
        }
    return -1;
}

static void tok_list(const struct otw_tok *t, char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    for (; t != NULL && t->s != NULL && o < len; t++) {
        int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", t->s);

        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static int parse_int(const char *s, int64_t *v)
{
    char *end;
    long long x;

    if (s[0] == '\0' || is_space((unsigned char)s[0]))
        return -1;
    /* decimal, or hex with 0x; never octal (port == 010 is ten, not eight) */
    errno = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (!isxdigit((unsigned char)s[2]))
            return -1;
        x = strtoll(s + 2, &end, 16);
    } else {
        x = strtoll(s, &end, 10);
    }
    if (errno != 0 || *end != '\0')
        return -1;
    *v = x;
    return 0;
}

static int parse_ip(const char *s, uint8_t lo[16], uint8_t hi[16])
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    int64_t bits = -1;
    int maxbits;

    if (alen == 0 || alen >= sizeof(addr))
        return -1;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (otw_ip_parse(addr, lo) != 0)
        return -1;
    maxbits = strchr(addr, ':') == NULL ? 32 : 128;
    if (slash != NULL) {
        if (!(slash[1] >= '0' && slash[1] <= '9') || parse_int(slash + 1, &bits) != 0 ||
            bits < 0 || bits > maxbits)
            return -2;
        if (maxbits == 32)
            bits += 96;   /* IPv4-mapped: the first 96 bits are the ::ffff: prefix */
    } else {
        bits = 128;
    }
    for (int i = 0; i < 16; i++) {
        int keep = (int)OTW_MIN(OTW_MAX(bits - 8 * i, (int64_t)0), (int64_t)8);
        uint8_t mask = (uint8_t)(0xff00u >> keep);

        lo[i] &= mask;
        hi[i] = (uint8_t)(lo[i] | (uint8_t)~mask);
    }
    return 0;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

static int digits(const char **s, int n, int64_t *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];

        if (c < '0' || c > '9')
            return -1;
        *v = *v * 10 + (c - '0');
    }
    *s += n;
    return 0;
}

#define US 1000000LL
#define MAX_UNIX 253402300799LL     /* 9999-12-31T23:59:59Z */

/* The span a time value names, [lo, hi) in microseconds: unix seconds
 * (with an optional fraction), YYYY-MM-DD (the day), YYYY-MM-DD HH:MM (the
 * minute), ... :SS (the second), ... .ffffff, then Z or +HH:MM / -HH:MM.
 * No zone means UTC. */
static int parse_time(const char *s, int64_t *lo, int64_t *hi)
{
    int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, unit, off = 0;
    const char *p = s;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n = strspn(s, "0123456789");

    if (n > 0 && (s[n] == '\0' || s[n] == '.') && !(n == 4 && s[n] == '-')) {
        /* unix seconds */
        if (n > 12 || digits(&p, (int)n, &sec) != 0 || sec > MAX_UNIX)
            return -1;
        unit = US;
        if (*p == '.') {
            size_t fn = strspn(++p, "0123456789");

            if (fn == 0 || fn > 6 || p[fn] != '\0' || digits(&p, (int)fn, &frac) != 0)
                return -1;
            for (unit = 1; fn < 6; fn++) {
                frac *= 10;
                unit *= 10;
            }
        }
        *lo = sec * US + frac;
        *hi = *lo + unit;
        return 0;
    }
    if (digits(&p, 4, &y) != 0 || *p++ != '-' || digits(&p, 2, &mo) != 0 || *p++ != '-' ||
        digits(&p, 2, &d) != 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
        return -1;
    unit = 86400 * US;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) != 0 || *p++ != ':' || digits(&p, 2, &mi) != 0)
            return -1;
        unit = 60 * US;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec) != 0)
                return -1;
            unit = US;
            if (*p == '.' || *p == ',') {
                size_t fn = strspn(++p, "0123456789");

                if (fn == 0)
                    return -1;
                /* more than microseconds: keep six digits, the span is 1 us */
                if (digits(&p, (int)OTW_MIN(fn, (size_t)6), &frac) != 0)
                    return -1;
                p += fn > 6 ? fn - 6 : 0;
                for (unit = 1; fn < 6; fn++) {
                    frac *= 10;
                    unit *= 10;
                }
            }
        }
        if (h > 23 || mi > 59 || sec > 60)
            return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int64_t oh, om;

            if (digits(&p, 2, &oh) != 0)
                return -1;
            if (*p == ':')
                p++;
            if (digits(&p, 2, &om) != 0 || oh > 23 || om > 59)
                return -1;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p != '\0')
        return -1;
    *lo = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - off) * US + frac;
    *hi = *lo + unit;
    return 0;
}

/* The args of a value the field does not take: field, value, type. */
static void bad_value_args(struct parser *p, const struct otw_field *f, const char *value)
{
    parg(p, "field", "%s", f->name);
    parg(p, "value", "%s", value);
    parg(p, "type", "%s", otw_ftype_name(f->type));
}

/* "found": the token's text, "" at the end of the expression. */
static void found_arg(struct parser *p, const struct tok *t)
{
    parg(p, "found", "%.*s", (int)OTW_MIN(t->len, (size_t)40), t->t == T_END ? "" : t->p);
}

static const char *article(enum otw_ftype t)
{
    return strchr("aeiou", otw_ftype_name(t)[0]) != NULL ? "an" : "a";
}

/* Converts one value token for `f` into v. */
static int conv_value(struct parser *p, const struct otw_field *f, const struct tok *t,
                      struct otw_qval *v)
{
    bool wild;
    char *pat = to_pattern(t->p, t->len, &wild);
    char names[256];
    int rc = 0;

    memset(v, 0, sizeof(*v));
    if (pat == NULL) {
        p->rc = p->rc ? p->rc : OTW_ENOMEM;
        snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
        return OTW_ENOMEM;
    }
    if (wild && f->type != OTW_FT_STRING && f->type != OTW_FT_LIST) {
        rc = perr(p, t->col, "wildcard_not_allowed", "wildcards (* ?) work on string fields "
                  "only; %s is %s %s field (write \\* for a literal *)", f->name,
                  article(f->type), otw_ftype_name(f->type));
        parg(p, "field", "%s", f->name);
        parg(p, "type", "%s", otw_ftype_name(f->type));
        goto out;
    }
    if (wild) {
        v->kind = OTW_QV_PATTERN;
        v->s = pat;
        pat = NULL;
        goto out;
    }
    unescape(pat);
    switch (f->type) {
    case OTW_FT_STRING:
    case OTW_FT_LIST:
        if (f->type == OTW_FT_LIST && (pat[0] == '\0' || strchr(pat, ' ') != NULL)) {
            rc = perr(p, t->col, "bad_value", "'%s' is not a name: %s holds names without "
                      "spaces", pat, f->name);
            bad_value_args(p, f, pat);
            goto out;
        }
        v->kind = OTW_QV_STRING;
        v->s = pat;
        pat = NULL;
        break;
    case OTW_FT_IP: {
        int r = parse_ip(pat, v->lo, v->hi);

        v->kind = OTW_QV_IPRANGE;
        if (r == -2)
            rc = perr(p, t->col, "bad_prefix", "'%s': the prefix length after / must be 0-32 "
                      "for IPv4, 0-128 for IPv6", pat);
        else if (r != 0)
            rc = perr(p, t->col, "bad_value", "'%s' is not an IP address or CIDR range (%s "
                      "takes e.g. 10.0.0.5, 192.168.1.0/24, fe80::/10)", pat, f->name);
        if (r != 0)
            bad_value_args(p, f, pat);
        break;
    }
    case OTW_FT_MAC:
        v->kind = OTW_QV_MAC;
        if (strlen(pat) < 11 || otw_mac_parse(pat, v->mac) != 0) {
            rc = perr(p, t->col, "bad_value", "'%s' is not a MAC address (%s takes e.g. "
                      "00:1d:9c:c8:03:e7)", pat, f->name);
            bad_value_args(p, f, pat);
        }
        break;
    case OTW_FT_INT:
        v->kind = OTW_QV_INT;
        if (tok_lookup(f->names, pat, &v->i) == 0)
            break;
        if (parse_int(pat, &v->i) != 0) {
            tok_list(f->names, names, sizeof(names));
            rc = perr(p, t->col, "bad_value", "'%s' is not a number%s%s (%s takes an "
                      "integer)", pat, names[0] ? " or one of: " : "", names, f->name);
            bad_value_args(p, f, pat);
            if (names[0])
                parg(p, "values", "%s", names);
        } else if (v->i < f->min || v->i > f->max) {
            rc = perr(p, t->col, "out_of_range", "%s is out of range for %s (%lld-%lld)", pat,
                      f->name, (long long)f->min, (long long)f->max);
            parg(p, "field", "%s", f->name);
            parg(p, "value", "%s", pat);
            parg(p, "min", "%lld", (long long)f->min);
            parg(p, "max", "%lld", (long long)f->max);
        }
        break;
    case OTW_FT_ENUM:
    case OTW_FT_FLAGS:
        v->kind = OTW_QV_INT;
        if (tok_lookup(f->names, pat, &v->i) != 0) {
            tok_list(f->names, names, sizeof(names));
            rc = perr(p, t->col, "bad_value", "'%s' is not a value of %s; it takes one of: %s",
                      pat, f->name, names);
            bad_value_args(p, f, pat);
            parg(p, "values", "%s", names);
        }
        break;
    case OTW_FT_BOOL:
        v->kind = OTW_QV_INT;
        if (!strcasecmp(pat, "true") || !strcasecmp(pat, "yes") || !strcmp(pat, "1"))
            v->i = 1;
        else if (!strcasecmp(pat, "false") || !strcasecmp(pat, "no") || !strcmp(pat, "0"))
            v->i = 0;
        else {
            rc = perr(p, t->col, "bad_value", "'%s' is not true or false (%s is a bool field)",
                      pat, f->name);
            bad_value_args(p, f, pat);
        }
        break;
    case OTW_FT_TIME:
        v->kind = OTW_QV_TIMERANGE;
        if (parse_time(pat, &v->i, &v->i2) != 0) {
            rc = perr(p, t->col, "bad_value", "'%s' is not a time: write 2024-05-01, "
                      "\"2024-05-01 13:45\", 2024-05-01T13:45:00Z or unix seconds (quote "
                      "values with spaces)", pat);
            bad_value_args(p, f, pat);
        }
        break;
    default:
        rc = perr(p, t->col, "internal", "field %s has an unknown type", f->name);
        break;
    }
out:
    free(pat);
    return rc;
}

/* --- tree ---------------------------------------------------------------------- */

static void node_free(struct otw_qnode *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    for (size_t i = 0; i < n->nvals; i++)
        free(n->vals[i].s);
    free(n->vals);
    free(n);
}

void otw_query_free(struct otw_query *q)
{
    if (q == NULL)
        return;
    node_free(q->root);
    free(q);
}

static void oom(struct parser *p)
{
    if (p->rc == 0) {
        p->rc = OTW_ENOMEM;
        snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
    }
}

static struct otw_qnode *node_new(struct parser *p, enum otw_qnode_kind kind)
{
    struct otw_qnode *n = calloc(1, sizeof(*n));

    if (n == NULL)
        oom(p);
    else
        n->kind = kind;
    return n;
}

static int add_kid(struct parser *p, struct otw_qnode *n, struct otw_qnode *kid)
{
    if ((n->nkids & (n->nkids - 1)) == 0) {    /* 0, 1, 2, 4 ...: grow */
        size_t cap = n->nkids ? n->nkids * 2 : 2;
        struct otw_qnode **k = realloc(n->kids, cap * sizeof(*k));

        if (k == NULL) {
            node_free(kid);
            oom(p);
            return OTW_ENOMEM;
        }
        n->kids = k;
    }
    n->kids[n->nkids++] = kid;
    return 0;
}

/* --- parser ---------------------------------------------------------------------- */

static struct otw_qnode *parse_or(struct parser *p);

static bool op_orders(enum tk t)
{
    return t == T_LT || t == T_LE || t == T_GT || t == T_GE;
}

static const char *tok_desc(const struct tok *t, char *buf, size_t len)
{
    if (t->t == T_END)
        return "the end of the expression";
    snprintf(buf, len, "'%.*s'", (int)OTW_MIN(t->len, (size_t)40), t->p);
    return buf;
}

static struct otw_qnode *parse_cmp(struct parser *p)
{
    struct tok ft = p->cur, op;
    const struct otw_field *f;
    struct otw_qnode *n = NULL;
    char d[64];
    bool ok = false;

    if (ft.t != T_WORD) {
        if (ft.t == T_END)
            perr(p, ft.col, "field_expected", "expression ends where a field name should be");
        else if (ft.t == T_STRING)
            perr(p, ft.col, "field_expected", "expected a field name, found a quoted string");
        else
            perr(p, ft.col, "field_expected", "expected a field name, found %s",
                 tok_desc(&ft, d, sizeof(d)));
        found_arg(p, &ft);
        return NULL;
    }
    f = otw_fields_findn(ft.p, ft.len);
    if (f == NULL) {
        struct otw_qerr *e = p->err;

        perr(p, ft.col, "unknown_field", "unknown field '%.*s'",
             (int)OTW_MIN(ft.len, (size_t)64), ft.p);
        parg(p, "field", "%.*s", (int)OTW_MIN(ft.len, (size_t)64), ft.p);
        e->nsuggest = otw_fields_suggest(ft.p, ft.len, e->suggest, OTW_ARRAY_LEN(e->suggest));
        return NULL;
    }
    if (++p->terms > OTW_QUERY_MAX_TERMS) {
        perr(p, ft.col, "too_many_terms", "too many comparisons (the limit is %d)",
             OTW_QUERY_MAX_TERMS);
        parg(p, "limit", "%d", OTW_QUERY_MAX_TERMS);
        return NULL;
    }
    next(p);
    op = p->cur;
    switch (op.t) {
    case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE:
        break;
    case T_BAD:
        if (op.p[0] == '=') {
            perr(p, op.col, "single_equals", "use == to compare (a single = is not an operator)");
            return NULL;
        }
        /* fall through */
    default:
        perr(p, op.col, "operator_expected", "expected an operator (== != < <= > >=) after %s, "
             "found %s", f->name, tok_desc(&op, d, sizeof(d)));
        parg(p, "field", "%s", f->name);
        found_arg(p, &op);
        return NULL;
    }
    if (op_orders(op.t) && f->type != OTW_FT_INT && f->type != OTW_FT_TIME) {
        perr(p, op.col, "operator_not_applicable", "%.*s does not apply to %s (%s %s field); "
             "use == or !=", (int)op.len, op.p, f->name, article(f->type),
             otw_ftype_name(f->type));
        parg(p, "op", "%.*s", (int)op.len, op.p);
        parg(p, "field", "%s", f->name);
        parg(p, "type", "%s", otw_ftype_name(f->type));
        return NULL;
    }
    n = node_new(p, OTW_QN_CMP);
    if (n == NULL)
        return NULL;
    n->field = f;
    n->column = ft.col;
    n->op = op.t == T_EQ ? OTW_QOP_EQ : op.t == T_NE ? OTW_QOP_NE : op.t == T_LT ? OTW_QOP_LT
          : op.t == T_LE ? OTW_QOP_LE : op.t == T_GT ? OTW_QOP_GT : OTW_QOP_GE;
    next(p);
    if (p->cur.t == T_EXISTS) {
        if (op_orders(op.t)) {
            perr(p, p->cur.col, "exists_operator", "EXISTS! takes == or !=");
            goto out;
        }
        n->vals = calloc(1, sizeof(*n->vals));
        if (n->vals == NULL)
            {
            oom(p);
            goto out;
        }
        n->vals[0].kind = OTW_QV_EXISTS;
        n->nvals = 1;
        next(p);
        ok = true;
        goto out;
    }
    if (p->cur.t == T_WORD || p->cur.t == T_STRING) {
        n->vals = calloc(1, sizeof(*n->vals));
        if (n->vals == NULL)
            {
            oom(p);
            goto out;
        }
        n->nvals = 1;
        if (conv_value(p, f, &p->cur, &n->vals[0]) != 0)
            goto out;
        next(p);
        ok = true;
        goto out;
    }
    if (p->cur.t != T_LB) {
        perr(p, p->cur.col, "value_expected", "expected a value after %.*s, found %s",
             (int)op.len, op.p, tok_desc(&p->cur, d, sizeof(d)));
        parg(p, "op", "%.*s", (int)op.len, op.p);
        found_arg(p, &p->cur);
        goto out;
    }
    if (op_orders(op.t)) {
        perr(p, p->cur.col, "list_operator", "a [list] takes == (any of) or != (none of), "
             "not %.*s", (int)op.len, op.p);
        parg(p, "op", "%.*s", (int)op.len, op.p);
        goto out;
    }
    n->vals = calloc(OTW_QUERY_MAX_LIST, sizeof(*n->vals));
    if (n->vals == NULL)
        {
            oom(p);
            goto out;
        }
    next(p);
    for (;;) {
        if (p->cur.t != T_WORD && p->cur.t != T_STRING) {
            perr(p, p->cur.col, "list_value_expected", "expected a value in the list, found %s",
                 tok_desc(&p->cur, d, sizeof(d)));
            found_arg(p, &p->cur);
            goto out;
        }
        if (n->nvals == OTW_QUERY_MAX_LIST) {
            perr(p, p->cur.col, "list_too_long", "list is longer than %d values",
                 OTW_QUERY_MAX_LIST);
            parg(p, "limit", "%d", OTW_QUERY_MAX_LIST);
            goto out;
        }
        if (conv_value(p, f, &p->cur, &n->vals[n->nvals]) != 0) {
            n->nvals++;     /* conv_value may have allocated; freed with the node */
            goto out;
        }
        n->nvals++;
        next(p);
        if (p->cur.t == T_RB)
            break;
        if (p->cur.t != T_COMMA) {
            perr(p, p->cur.col, "list_separator_expected", "expected , or ] in the list, "
                 "found %s", tok_desc(&p->cur, d, sizeof(d)));
            found_arg(p, &p->cur);
            goto out;
        }
        next(p);
    }
    next(p);
    ok = true;
out:
    if (!ok) {
        node_free(n);
        n = NULL;
    }
    return n;
}

static struct otw_qnode *parse_unary(struct parser *p)
{
    struct otw_qnode *n, *kid;
    struct tok open = p->cur;
    char d[64];

    if (p->rc != 0)
        return NULL;
    if (open.t != T_NOT && open.t != T_LP)
        return parse_cmp(p);
    if (++p->depth > OTW_QUERY_MAX_DEPTH) {
        perr(p, open.col, "too_deep", "nested too deeply (more than %d levels of ( and !)",
             OTW_QUERY_MAX_DEPTH);
        parg(p, "limit", "%d", OTW_QUERY_MAX_DEPTH);
        return NULL;
    }
    next(p);
    if (open.t == T_NOT) {
        kid = parse_unary(p);
        if (kid == NULL)
            return NULL;
        n = node_new(p, OTW_QN_NOT);
        if (n == NULL || add_kid(p, n, kid) != 0) {
            if (n == NULL)
                node_free(kid);
            node_free(n);
            return NULL;
        }
    } else {
        n = parse_or(p);
        if (n == NULL)
            return NULL;
        if (p->cur.t != T_RP) {
            perr(p, p->cur.col, "paren_expected", "expected ) to close the ( at column %d, "
                 "found %s", open.col, tok_desc(&p->cur, d, sizeof(d)));
            parg(p, "open_column", "%d", open.col);
            found_arg(p, &p->cur);
            node_free(n);
            return NULL;
        }
        next(p);
    }
    p->depth--;
    return n;
}

/* One level of && or ||: a single operand is returned as is. */
static struct otw_qnode *parse_chain(struct parser *p, enum tk optok, enum otw_qnode_kind kind,
                                     struct otw_qnode *(*operand)(struct parser *))
{
    struct otw_qnode *first = operand(p), *n;

    if (first == NULL || p->cur.t != optok)
        return first;
    n = node_new(p, kind);
    if (n == NULL || add_kid(p, n, first) != 0) {
        if (n == NULL)
            node_free(first);
        node_free(n);
        return NULL;
    }
    while (p->cur.t == optok) {
        struct otw_qnode *k;

        next(p);
        k = operand(p);
        if (k == NULL || add_kid(p, n, k) != 0) {
            node_free(n);
            return NULL;
        }
    }
    return n;
}

static struct otw_qnode *parse_and(struct parser *p)
{
    return parse_chain(p, T_AND, OTW_QN_AND, parse_unary);
}

static struct otw_qnode *parse_or(struct parser *p)
{
    return parse_chain(p, T_OR, OTW_QN_OR, parse_and);
}

int otw_query_parse(const char *expr, struct otw_query **out, struct otw_qerr *err)
{
    struct parser p;
    struct otw_query *q = NULL;
    struct otw_qerr dummy;
    char d[64];
    int rc = 0;

    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.src = expr != NULL ? expr : "";
    p.len = strnlen(p.src, OTW_QUERY_MAX_LEN + 1);
    p.err = err;
    if (p.len > OTW_QUERY_MAX_LEN) {
        rc = perr(&p, 0, "too_long", "expression is longer than %d bytes", OTW_QUERY_MAX_LEN);
        parg(&p, "limit", "%d", OTW_QUERY_MAX_LEN);
        goto out;
    }
    q = calloc(1, sizeof(*q));
    if (q == NULL) {
        rc = OTW_ENOMEM;
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        goto out;
    }
    next(&p);
    if (p.cur.t == T_END && p.rc == 0)
        goto out;   /* empty expression: everything */
    q->root = parse_or(&p);
    if (q->root != NULL && p.cur.t != T_END) {
        if (p.cur.t == T_BAD && (p.cur.p[0] == '&' || p.cur.p[0] == '|')) {
            perr(&p, p.cur.col, "combine_operator", "use %c%c to combine comparisons",
                 p.cur.p[0], p.cur.p[0]);
            parg(&p, "op", "%c%c", p.cur.p[0], p.cur.p[0]);
        } else if (p.cur.t == T_RP) {
            perr(&p, p.cur.col, "unmatched_paren", "unmatched )");
        } else {
            perr(&p, p.cur.col, "connective_expected", "expected && or || here, found %s",
                 tok_desc(&p.cur, d, sizeof(d)));
            found_arg(&p, &p.cur);
        }
    }
    rc = p.rc;
out:
    if (rc != 0) {
        otw_query_free(q);
        q = NULL;
    }
    *out = q;
    return rc;
}

/* --- rendering --------------------------------------------------------------------- */

struct sbuf {
    char *b;
    size_t len, cap;
};

static void sb_put(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_put(struct sbuf *s, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (s->cap == 0 || s->len >= s->cap - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(s->b + s->len, s->cap - s->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->len = OTW_MIN(s->len + (size_t)n, s->cap - 1);
}

int otw_query_format_error(const char *expr, const struct otw_qerr *err, char *buf, size_t len)
{
    struct sbuf s = {buf, 0, len};
    size_t elen = expr ? strnlen(expr, OTW_QUERY_MAX_LEN + 1) : 0;
    /* Long expressions are shown as a window around the column. */
    const size_t width = 72;
    size_t col = err->column > 0 ? (size_t)err->column - 1 : 0;
    size_t start = 0, end = elen, caret = 0;

    if (len == 0)
        return 0;
    buf[0] = '\0';
    sb_put(&s, "%s\n", err->msg[0] ? err->msg : "invalid expression");
    if (expr != NULL && err->column > 0) {
        if (elen > width) {
            start = col > width / 2 ? col - width / 2 : 0;
            end = OTW_MIN(elen, start + width);
        }
        sb_put(&s, "  %s", start > 0 ? "..." : "");
        for (size_t i = start; i < end; i++) {
            unsigned char c = (unsigned char)expr[i];

            sb_put(&s, "%c", (c < 0x20 || c == 0x7f) ? ' ' : c);
        }
        sb_put(&s, "%s\n  %s", end < elen ? "..." : "", start > 0 ? "   " : "");
        /* The caret counts characters, not bytes, so UTF-8 text lines up. */
        for (size_t i = start; i < col && i < elen; i++)
            if (((unsigned char)expr[i] & 0xc0) != 0x80)
                caret++;
        for (size_t i = 0; i < caret; i++)
            sb_put(&s, " ");
        sb_put(&s, "^\n");
    }
    if (err->nsuggest > 0) {
        sb_put(&s, "did you mean: ");
        for (size_t i = 0; i < err->nsuggest; i++)
            sb_put(&s, "%s%s", i ? ", " : "", err->suggest[i]);
        sb_put(&s, "\n");
    }
    if (strncmp(err->msg, "unknown field", 13) == 0)
        sb_put(&s, "'otwatch fields' lists every field.\n");
    return 0;
}

int otw_query_parse_time(const char *s, int64_t *lo_us, int64_t *hi_us)
{
    if (s == NULL || parse_time(s, lo_us, hi_us) != 0)
        return OTW_EINVAL;
    return 0;
}

const char *otw_qop_str(enum otw_qop op)
{
    static const char *const s[] = {"==", "!=", "<", "<=", ">", ">="};

    return ((int)op >= 0 && (size_t)op < OTW_ARRAY_LEN(s)) ? s[op] : "?";
}

static void dump_val(struct sbuf *s, const struct otw_field *f, const struct otw_qval *v)
{
    char a[64], b[64];

    switch (v->kind) {
    case OTW_QV_INT:
        if (f->type == OTW_FT_BOOL)
            sb_put(s, "%s", v->i ? "true" : "false");
        else if (f->type == OTW_FT_ENUM || f->type == OTW_FT_FLAGS)
            sb_put(s, "%s", otw_tok_str(f->names, (int)v->i, "?"));
        else
            sb_put(s, "%lld", (long long)v->i);
        break;
    case OTW_QV_IPRANGE:
        otw_ip_str(v->lo, a, sizeof(a));
        if (memcmp(v->lo, v->hi, 16) == 0)
            sb_put(s, "%s", a);
        else
            sb_put(s, "%s-%s", a, otw_ip_str(v->hi, b, sizeof(b)));
        break;
    case OTW_QV_TIMERANGE:
        sb_put(s, "%lld+%lld", (long long)v->i, (long long)(v->i2 - v->i));
        break;
    case OTW_QV_MAC:
        sb_put(s, "%s", otw_mac_str(v->mac, a, sizeof(a)));
        break;
    case OTW_QV_STRING:
        sb_put(s, "\"%s\"", v->s);
        break;
    case OTW_QV_PATTERN:
        sb_put(s, "glob\"%s\"", v->s);
        break;
    case OTW_QV_EXISTS:
        sb_put(s, "EXISTS!");
        break;
    }
}

static void dump_node(struct sbuf *s, const struct otw_qnode *n)
{
    switch (n->kind) {
    case OTW_QN_AND:
    case OTW_QN_OR:
    case OTW_QN_NOT:
        sb_put(s, "(%s", n->kind == OTW_QN_AND ? "and" : n->kind == OTW_QN_OR ? "or" : "not");
        for (size_t i = 0; i < n->nkids; i++) {
            sb_put(s, " ");
            dump_node(s, n->kids[i]);
        }
        sb_put(s, ")");
        break;
    case OTW_QN_CMP:
        sb_put(s, "(%s %s ", otw_qop_str(n->op), n->field->name);
        if (n->nvals != 1)
            sb_put(s, "[");
        for (size_t i = 0; i < n->nvals; i++) {
            if (i)
                sb_put(s, " ");
            dump_val(s, n->field, &n->vals[i]);
        }
        sb_put(s, "%s)", n->nvals != 1 ? "]" : "");
        break;
    }
}

int otw_query_dump(const struct otw_query *q, char *buf, size_t len)
{
    struct sbuf s = {buf, 0, len};

    if (len == 0)
        return 0;
    buf[0] = '\0';
    if (q == NULL || q->root == NULL)
        sb_put(&s, "(all)");
    else
        dump_node(&s, q->root);
    return 0;
}
