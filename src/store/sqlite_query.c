/*
 * sqlite_query.c - the SQLite dialect of the query compiler (sqlq.h): a
 * parsed query expression (query/query.h) becomes a SQLite WHERE clause
 * with ? parameters and a parallel array of values.
 *
 * What is SQLite's own:
 *
 * - No value is ever pasted into the text; the only literals in the SQL are
 *   written here.
 * - A negation is ((x) IS NOT 1), true for 0 and NULL. (NOT coalesce(x, 0)
 *   says the same but overflows SQLite's parser stack at about 25 levels.)
 *   Every compiled expression yields 0, 1 or NULL, which IS NOT 1 relies on.
 * - Wildcards compile to GLOB (case-sensitive, like the stored names and
 *   paths): * and ? pass through, a literal *, ? or [ becomes [*], [?], [[].
 * - protocols is stored " modbus tls ": an exact name is instr(col, ' name ');
 *   a wildcard is matched against each name separately (json_each over the
 *   split list).
 * - Parser fields are rows of session_fields; point and file names are in
 *   the points and files tables.
 */
#include "store/sqlite_query.h"
#include "store/sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S "sessions."

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

static const struct otw_sqlq_col cols[OTW_F__COUNT] = {
    [OTW_F_IP_SRC] = {OTW_SQLQ_PLAIN, S "src_ip", NULL, NULL, "1", S "src_ip", 0},
    [OTW_F_IP_DST] = {OTW_SQLQ_PLAIN, S "dst_ip", NULL, NULL, "1", S "dst_ip", 0},
    [OTW_F_IP] = {OTW_SQLQ_PLAIN, S "src_ip", S "dst_ip", NULL, "1", NULL, 0},
    [OTW_F_PORT_SRC] = {OTW_SQLQ_PLAIN, S "src_port", NULL, NULL, PORTS_EXIST, S "src_port", 0},
    [OTW_F_PORT_DST] = {OTW_SQLQ_PLAIN, S "dst_port", NULL, NULL, PORTS_EXIST, S "dst_port", 0},
    [OTW_F_PORT] = {OTW_SQLQ_PLAIN, S "src_port", S "dst_port", NULL, PORTS_EXIST, NULL, 0},
    [OTW_F_MAC_SRC] = {OTW_SQLQ_PLAIN, S "src_mac", NULL, NULL, "(" S "src_mac IS NOT NULL)",
                       S "src_mac", 0},
    [OTW_F_MAC_DST] = {OTW_SQLQ_PLAIN, S "dst_mac", NULL, NULL, "(" S "dst_mac IS NOT NULL)",
                       S "dst_mac", 0},
    [OTW_F_MAC] = {OTW_SQLQ_PLAIN, S "src_mac", S "dst_mac", NULL,
                   "(" S "src_mac IS NOT NULL OR " S "dst_mac IS NOT NULL)", NULL, 0},
    [OTW_F_PROTO] = {OTW_SQLQ_PLAIN, S "proto", NULL, NULL, "1", S "proto", 0},
    [OTW_F_IPVER] = {OTW_SQLQ_PLAIN, S "ipver", NULL, NULL, "1", S "ipver", 0},
    [OTW_F_PACKETS_SRC] = {OTW_SQLQ_PLAIN, S "src_packets", NULL, NULL, "1", S "src_packets", 0},
    [OTW_F_PACKETS_DST] = {OTW_SQLQ_PLAIN, S "dst_packets", NULL, NULL, "1", S "dst_packets", 0},
    [OTW_F_PACKETS] = {OTW_SQLQ_PLAIN, "(" S "src_packets + " S "dst_packets)", NULL, NULL, "1",
                       "(" S "src_packets + " S "dst_packets)", 0},
    [OTW_F_BYTES_SRC] = {OTW_SQLQ_PLAIN, S "src_bytes", NULL, NULL, "1", S "src_bytes", 0},
    [OTW_F_BYTES_DST] = {OTW_SQLQ_PLAIN, S "dst_bytes", NULL, NULL, "1", S "dst_bytes", 0},
    [OTW_F_BYTES] = {OTW_SQLQ_PLAIN, "(" S "src_bytes + " S "dst_bytes)", NULL, NULL, "1",
                     "(" S "src_bytes + " S "dst_bytes)", 0},
    [OTW_F_DATABYTES_SRC] = {OTW_SQLQ_PLAIN, S "src_payload", NULL, NULL, "1", S "src_payload", 0},
    [OTW_F_DATABYTES_DST] = {OTW_SQLQ_PLAIN, S "dst_payload", NULL, NULL, "1", S "dst_payload", 0},
    [OTW_F_DATABYTES] = {OTW_SQLQ_PLAIN, "(" S "src_payload + " S "dst_payload)", NULL, NULL, "1",
                         "(" S "src_payload + " S "dst_payload)", 0},
    [OTW_F_TCPFLAGS_SRC] = {OTW_SQLQ_FLAGS, S "src_flags", NULL, NULL, "(" S "proto = 6)",
                            S "src_flags", 0},
    [OTW_F_TCPFLAGS_DST] = {OTW_SQLQ_FLAGS, S "dst_flags", NULL, NULL, "(" S "proto = 6)",
                            S "dst_flags", 0},
    [OTW_F_VLAN] = {OTW_SQLQ_PLAIN, S "vlan1", S "vlan2", NULL, "(" S "vlan1 IS NOT NULL)",
                    S "vlan1", 0},
    [OTW_F_COMMUNITY_ID] = {OTW_SQLQ_PLAIN, S "community_id", NULL, NULL,
                            "(coalesce(" S "community_id, '') != '')", S "community_id", 0},
    [OTW_F_STATE] = {OTW_SQLQ_TEXTENUM, S "state", NULL, NULL, "(" S "state IS NOT NULL)",
                     S "state", 0},
    [OTW_F_PROTOCOLS] = {OTW_SQLQ_LIST, S "protocols", NULL, NULL,
                         "(trim(coalesce(" S "protocols, '')) != '')", S "protocols", 0},
    [OTW_F_ICMP_TYPE] = {OTW_SQLQ_PLAIN, S "icmp_type", NULL, NULL, "(" S "icmp_type IS NOT NULL)",
                         S "icmp_type", 0},
    [OTW_F_ICMP_CODE] = {OTW_SQLQ_PLAIN, S "icmp_code", NULL, NULL, "(" S "icmp_code IS NOT NULL)",
                         S "icmp_code", 0},
    [OTW_F_START] = {OTW_SQLQ_PLAIN, S "start_us", NULL, NULL, "1", S "start_us", 0},
    [OTW_F_STOP] = {OTW_SQLQ_PLAIN, S "end_us", NULL, NULL, "1", S "end_us", 0},
    [OTW_F_PROTOCOL_GUESS] = {OTW_SQLQ_PLAIN, S "protocol_guess", NULL, NULL,
                              "(" S "protocol_guess IS NOT NULL)", S "protocol_guess", 0},
    [OTW_F_BASELINE] = {OTW_SQLQ_PLAIN, BL_STATUS, NULL, NULL, "1", BL_STATUS, 0},
    [OTW_F_BASELINE_CATEGORY] = {OTW_SQLQ_PLAIN, BL_CATEGORY, NULL, NULL, "1", BL_CATEGORY, 0},
    [OTW_F_APP] = {OTW_SQLQ_APP, "value", NULL, NULL, NULL, NULL, 0},
    [OTW_F_DURATION] = {OTW_SQLQ_PLAIN, "((" S "end_us - " S "start_us) / 1000000)", NULL, NULL,
                        "1", "(" S "end_us - " S "start_us)", 0},
    [OTW_F_ID] = {OTW_SQLQ_PLAIN, S "id", NULL, NULL, "1", S "id", 0},
    [OTW_F_POINT] = {OTW_SQLQ_SUBQ, "name", NULL, S "point_id IN (SELECT id FROM points WHERE ",
                     "(" S "point_id IS NOT NULL)",
                     "(SELECT name FROM points WHERE points.id = " S "point_id)", 0},
    [OTW_F_FILE] = {OTW_SQLQ_SUBQ, "path", NULL, S "file_id IN (SELECT id FROM files WHERE ",
                    "(" S "file_id IS NOT NULL)",
                    "(SELECT path FROM files WHERE files.id = " S "file_id)", 0},
    [OTW_F_SEGMENT] = {OTW_SQLQ_PLAIN, S "segment", NULL, NULL, "1", S "segment", 0},
    [OTW_F_CONTINUED] = {OTW_SQLQ_PLAIN, S "continued", NULL, NULL, "1", S "continued", 0},
    [OTW_F_END_REASON] = {OTW_SQLQ_TEXTENUM, S "end_reason", NULL, NULL,
                          "(" S "end_reason IS NOT NULL)", S "end_reason", 0},
    /* every session of this file was seen by this node (store_remote.h);
     * its rows say "" (store.h), so a sort by it is by id */
    [OTW_F_NODE] = {OTW_SQLQ_CONST, "node", NULL, NULL, "1", "''", 0},
};

/* Migration 11 (sqlite.c runs it): the length of each record, so that the
 * longest is one index lookup. A query for sessions overlapping [since,
 * until) bounds start_us below by since minus that length (sqlite.c,
 * build_where), and sort=duration walks this index. */
const char otw_sqlite_migration_sessions_web[] =
    "CREATE INDEX sessions_duration ON sessions(end_us - start_us);";


/* --- the dialect ------------------------------------------------------------------ */

static void value(struct otw_sqlq_cc *c, enum otw_sqlq_type type, int64_t i, const void *p,
                  size_t len)
{
    otw_sqlq_add_bind(c, type, i, p, len);
}

/* Pattern text (query.h: \x literal, * and ? wildcards) -> GLOB pattern. */
static char *glob(const char *pat)
{
    size_t n = strlen(pat), o = 0;
    char *g = malloc(3 * n + 1);

    if (g == NULL)
        return NULL;
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
    g[o] = '\0';
    return g;
}

/* Each name of " a b " on its own: json_each over ["a","b"]; names are ours
 * (protocol identifiers), never quotes or backslashes. */
static void list_pattern(struct otw_sqlq_cc *c, const char *expr, const char *pat)
{
    char *g = glob(pat);

    if (g == NULL) {
        otw_sqlq_fail(c, OTW_ENOMEM, "out of memory compiling the expression");
        return;
    }
    otw_sqlq_put(c, "EXISTS (SELECT 1 FROM json_each('[\"' || replace(trim(coalesce(");
    otw_sqlq_put(c, expr);
    otw_sqlq_put(c, ", '')), ' ', '\",\"') || '\"]') WHERE value != '' AND value GLOB ");
    otw_sqlq_add_bind(c, OTW_SQLQ_TEXT, 0, g, strlen(g));
    otw_sqlq_put(c, ")");
    free(g);
}

/* A parser field: the sessions with a session_fields row of it; the field
 * name is a bound value too (parser fields are many). */
static const char *app_open(struct otw_sqlq_cc *c, const struct otw_field *f, bool exists,
                            const char **close)
{
    if (c->app_body)
        otw_sqlq_put(c, "(field = ");
    else if (c->app_exists)
        otw_sqlq_put(c, "EXISTS (SELECT 1 FROM session_fields WHERE session_id = " S "id AND "
                        "field = ");
    else
        otw_sqlq_put(c, S "id IN (SELECT session_id FROM session_fields WHERE field = ");
    otw_sqlq_add_bind(c, OTW_SQLQ_TEXT, 0, f->name, strlen(f->name));
    *close = ")";
    if (exists) {
        otw_sqlq_put(c, ")");
        return NULL;
    }
    otw_sqlq_put(c, " AND ");
    return "value";
}

static const char *konst(const struct otw_field *f)
{
    OTW_UNUSED(f);
    return otw_store_node();
}

static const struct otw_sqlq_dialect sqlite_dialect = {
    .name = "SQLite",
    .cols = cols,
    .not_open = "((",
    .not_close = ") IS NOT 1)",
    .flags_open = "((",
    .flags_mid = " & ",
    .flags_close = ") != 0)",
    .pattern_op = " GLOB ",
    .list_open = "instr(",
    .nullable_open = "",
    .nullable_close = "",
    .value = value,
    .pattern = glob,
    .list_pattern = list_pattern,
    .app_open = app_open,
    .konst = konst,
};

int otw_sqlq_compile_ex(const struct otw_query *q, bool app_exists, struct otw_sqlq *out,
                        struct otw_err *err)
{
    struct otw_sqlq_cc c = {&sqlite_dialect, out, 0, err, app_exists, false, NULL};

    return otw_sqlq_emit(&c, q);
}

int otw_sqlq_compile(const struct otw_query *q, struct otw_sqlq *out, struct otw_err *err)
{
    return otw_sqlq_compile_ex(q, false, out, err);
}

int otw_sqlq_app_probe(const struct otw_qnode *n, struct otw_sqlq *out, struct otw_err *err)
{
    struct otw_sqlq_cc c = {&sqlite_dialect, out, 0, err, false, true, NULL};

    memset(out, 0, sizeof(*out));
    if (n->kind != OTW_QN_CMP || n->field == NULL || n->field->id != OTW_F_APP ||
        n->nvals == 0) {
        otw_sqlq_fail(&c, OTW_EINVAL, "internal: not a parser field comparison");
        return c.rc;
    }
    /* != and negations are the caller's business: the probe counts the
     * rows the comparison's == would find */
    if (n->nvals == 1 && n->vals[0].kind == OTW_QV_EXISTS) {
        const char *close;

        app_open(&c, n->field, true, &close);
    } else {
        otw_sqlq_emit_values(&c, n, &cols[OTW_F_APP], cols[OTW_F_APP].a);
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

int otw_sqlq_sort_expr(const char *field, const char **expr, bool *nullable,
                       struct otw_err *err)
{
    const struct otw_field *f;
    const struct otw_sqlq_col *col;

    if (otw_sqlq_sort_field(&sqlite_dialect, field, &f, &col, err) != 0)
        return OTW_EINVAL;
    *expr = col->sort;
    /* NOT NULL columns (and expressions of them) say "1" for exists or are
     * ports and flags, whose columns are NOT NULL too */
    *nullable = strcmp(col->exists, "1") != 0 && f->id != OTW_F_PORT_SRC &&
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
