/*
 * test_query_ch.c - the ClickHouse dialect of the query compiler (sqlq.h,
 * ch_query.c): the SQL text it writes for each kind of comparison, that no
 * value ever leaves its string literal (a scanner of ClickHouse's literal
 * syntax reads the text back), patterns as LIKE with escapes, parser
 * fields over the f_* arrays, Nullable columns made two-valued, sorting,
 * the baseline fields as GLOBAL IN / NOT IN over the baseline's keys (and
 * their error without the baseline). The same queries' rows are compared
 * with SQLite's on a real server by tests/test_ch_query.sh and
 * tests/test_ch_baseline_query.sh. Also the `node` field of the SQLite
 * dialect (the node's own name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "query/query.h"
#include "store/sqlite_query.h"
#include "store/sqlq.h"
#include "store/store.h"

static char sql[1 << 16];
/* the baseline's keys and ranks (otw_ch_bl_ranks_sql); NULL: none given */
static const char *bl_ranks;

/* Compiles expr for ClickHouse into sql; the return code. */
static int ch(const char *expr, struct otw_err *err)
{
    struct otw_query *q = NULL;
    struct otw_qerr qe;
    struct otw_sqlq w;
    int rc;

    sql[0] = '\0';
    assert_int_equal(otw_query_parse(expr, &q, &qe), 0);
    rc = bl_ranks != NULL ? otw_chq_compile_bl(q, bl_ranks, &w, err) : otw_chq_compile(q, &w, err);
    if (rc == 0) {
        assert_int_equal(w.nbinds, 0);      /* no parameters: every value is a literal */
        assert_true(strlen(w.where) < sizeof(sql));
        snprintf(sql, sizeof(sql), "%s", w.where);
    }
    otw_sqlq_free(&w);
    otw_query_free(q);
    return rc;
}

#define SHAPE(expr, want)                                                                    \
    do {                                                                                     \
        struct otw_err e_;                                                                   \
        assert_int_equal(ch(expr, &e_), 0);                                                  \
        assert_string_equal(sql, want);                                                      \
    } while (0)

/* The SQL with every string literal ('...' with \ escapes) replaced by its
 * length in brackets, and whether the literals were all closed: what a
 * ClickHouse parser would see outside them. Also the decoded literals,
 * joined by '|'. */
static bool outside(const char *s, char *out, size_t len, char *lits, size_t llen)
{
    size_t o = 0, l = 0;

    while (*s != '\0' && o + 16 < len) {
        if (*s != '\'') {
            out[o++] = *s++;
            continue;
        }
        s++;
        size_t n = 0;
        while (*s != '\'') {
            if (*s == '\0')
                return false;
            if (*s == '\\') {
                s++;
                if (*s == 'x') {
                    s += 3;
                    if (l + 1 < llen)
                        lits[l++] = '?';
                    n++;
                    continue;
                }
                if (*s == '\0')
                    return false;
            }
            if (l + 1 < llen)
                lits[l++] = *s;
            s++;
            n++;
        }
        s++;
        if (l + 1 < llen)
            lits[l++] = '|';
        o += (size_t)snprintf(out + o, len - o, "[%zu]", n);
    }
    out[o] = '\0';
    lits[l] = '\0';
    return true;
}

static void test_shapes(void **state)
{
    (void)state;
    SHAPE("port.dst == [22, 3389]", "dst_port IN (22, 3389)");
    SHAPE("ip.src == 10.0.0.0/8",
          "(src_ip BETWEEN unhex('00000000000000000000FFFF0A000000') AND "
          "unhex('00000000000000000000FFFF0AFFFFFF'))");
    SHAPE("ip != 10.0.0.5", "(NOT ((src_ip = unhex('00000000000000000000FFFF0A000005') OR "
                            "dst_ip = unhex('00000000000000000000FFFF0A000005'))))");
    SHAPE("mac.src == 00:11:22:33:44:55", "ifNull(src_mac = unhex('001122334455'), 0)");
    SHAPE("vlan != 10", "(NOT ((ifNull(vlan1 = 10, 0) OR ifNull(vlan2 = 10, 0))))");
    SHAPE("vlan == EXISTS!", "isNotNull(vlan1)");
    SHAPE("icmp.type > 3", "ifNull((icmp_type > 3), 0)");
    SHAPE("tcpflags.dst == [rst, fin]", "(bitAnd(dst_flags, 5) != 0)");
    SHAPE("state != [established, closed]",
          "(NOT (state IN ('established', 'closed')))");
    SHAPE("end == split", "end_reason = 'split'");
    SHAPE("protocols == [modbus, tls]",
          "(position(protocols, ' modbus ') > 0 OR position(protocols, ' tls ') > 0)");
    SHAPE("protocols == m*s",
          "(arrayExists(lp -> lp != '' AND lp LIKE 'm%s', splitByChar(' ', protocols)))");
    SHAPE("protocols == EXISTS!", "(replaceAll(protocols, ' ', '') != '')");
    SHAPE("point == plant-a", "point = 'plant-a'");
    SHAPE("point == plant-*", "(point != '' AND (point LIKE 'plant-%'))");
    SHAPE("community_id == \"\"", "(community_id != '' AND community_id = '')");
    SHAPE("node == sensor-1", "node = 'sensor-1'");
    SHAPE("starttime == 2024-05-01",
          "(start_us >= 1714521600000000 AND start_us < 1714608000000000)");
    SHAPE("duration > 5", "(intDiv(end_us - start_us, 1000000) > 5)");
    SHAPE("packets >= 10", "((src_packets + dst_packets) >= 10)");
    SHAPE("continued == true", "continued = 1");
    SHAPE("!(ip.src == 10.0.0.5 && (port.dst == 502 || !(state == established)))",
          "(NOT ((src_ip = unhex('00000000000000000000FFFF0A000005') AND (dst_port = 502 OR "
          "(NOT (state = 'established'))))))");
}

static void test_parser_fields(void **state)
{
    struct otw_err err;

    (void)state;
    SHAPE("modbus.func_code == [3, 16]",
          "arrayExists((fn, ft, fi) -> fn = 'modbus.func_code' AND ft = 1 AND fi IN (3, 16), "
          "f_name, f_isint, f_int)");
    SHAPE("modbus.func_code > 4",
          "arrayExists((fn, ft, fi) -> fn = 'modbus.func_code' AND ft = 1 AND (fi > 4), "
          "f_name, f_isint, f_int)");
    SHAPE("tls.sni == [a.com, *.b.com]",
          "arrayExists((fn, ft, fs) -> fn = 'tls.sni' AND ft = 0 AND (fs = 'a.com' OR "
          "(fs LIKE '%.b.com')), f_name, f_isint, f_str)");
    SHAPE("modbus.func == EXISTS!", "has(f_name, 'modbus.func')");
    SHAPE("modbus.func != EXISTS!", "(NOT (has(f_name, 'modbus.func')))");
    SHAPE("modbus.func != read*",
          "(NOT (arrayExists((fn, ft, fs) -> fn = 'modbus.func' AND ft = 0 AND "
          "(fs LIKE 'read%'), f_name, f_isint, f_str)))");
    /* the smallest integer is not a literal ClickHouse reads as Int64 */
    assert_int_equal(ch("modbus.unit == -9223372036854775808", &err), 0);
    assert_non_null(strstr(sql, "fi = (-9223372036854775807 - 1)"));
}

static void test_patterns(void **state)
{
    (void)state;
    /* * and ? are % and _; a literal %, _ or \ is escaped; \* is a literal * */
    SHAPE("file == *50%_off\\*x?", "(file != '' AND (file LIKE '%50\\\\%\\\\_off*x_'))");
    SHAPE("file == \"C:\\\\caps\\\\*\"", "(file != '' AND (file LIKE 'C:\\\\\\\\caps\\\\\\\\%'))");
    SHAPE("protocol_guess != ht?p",
          "(NOT ((protocol_guess != '' AND (protocol_guess LIKE 'ht_p'))))");
}

static void test_injection(void **state)
{
    static const char *const evil[] = {
        "file == \"'; DROP TABLE sessions; --\"",
        "community_id == \"x' OR '1'='1\"",
        "point == \"boundary-fw' OR 1=1 --\"",
        "state != established && file == \"\\\") OR 1=1 --\"",
        "protocols == \"'\"",
        "protocols == \"'*\"",
        "protocols == \"x\\\"]'*\"",
        "file == \"a\\\\'b\\\\\"",
        "tls.sni == \"\\\\' OR 1 = 1) --\"",
        "community_id == '1:abc\\'; DELETE FROM sessions; --'",
        "file == \"\xc3\xa9\\n\x01\x7f\"",
    };
    struct otw_err err;
    char out[8192], lits[8192];

    (void)state;
    for (size_t i = 0; i < OTW_ARRAY_LEN(evil); i++) {
        assert_int_equal(ch(evil[i], &err), 0);
        assert_true(outside(sql, out, sizeof(out), lits, sizeof(lits)));
        /* outside the literals only our own SQL */
        assert_null(strstr(out, "DROP"));
        assert_null(strstr(out, "DELETE"));
        assert_null(strstr(out, "OR 1"));
        assert_null(strstr(out, "--"));
        assert_null(strchr(out, ';'));
        assert_null(strchr(out, '"'));
        assert_null(strchr(out, '\\'));
    }
    /* and the value is what was asked for */
    assert_int_equal(ch("file == \"'; DROP TABLE sessions; --\"", &err), 0);
    assert_true(outside(sql, out, sizeof(out), lits, sizeof(lits)));
    assert_string_equal(out, "file = [26]");
    assert_string_equal(lits, "'; DROP TABLE sessions; --|");
    /* bytes beyond ASCII and control bytes are \xNN escapes */
    assert_int_equal(ch("file == \"\xc3\xa9\"", &err), 0);
    assert_string_equal(sql, "file = '\\xC3\\xA9'");
}

static void test_not_available(void **state)
{
    struct otw_err err;

    (void)state;
    /* without the baseline's SELECT (otw_chq_compile) */
    assert_int_equal(ch("baseline == approved", &err), OTW_EINVAL);
    assert_string_equal(err.msg, "baseline: not available with the ClickHouse store");
    assert_int_equal(ch("port == 1 && !(baseline.category == operational)", &err), OTW_EINVAL);
    assert_string_equal(err.msg, "baseline.category: not available with the ClickHouse store");
}

static bool needs_bl(const char *expr)
{
    struct otw_query *q = NULL;
    struct otw_qerr qe;
    bool r;

    assert_int_equal(otw_query_parse(expr, &q, &qe), 0);
    r = otw_chq_needs_bl(q);
    otw_query_free(q);
    return r;
}

#define KEY "((src_ip, dst_ip, proto, if(proto IN (6, 17, 132), dst_port, 0))"
#define IN_BL(cond) KEY " GLOBAL IN (SELECT bc, bs, bp, bo FROM (R) WHERE " cond "))"
#define NOT_IN_BL(cond) KEY " GLOBAL NOT IN (SELECT bc, bs, bp, bo FROM (R) WHERE NOT (" cond ")))"

/* The baseline fields: the session's key in the keys whose best rank r
 * makes the comparison true, or, when it is true for `none` (no entry),
 * not in the keys whose rank makes it false. */
static void test_baseline(void **state)
{
    struct otw_err err;

    (void)state;
    bl_ranks = "R";
    SHAPE("baseline == approved", IN_BL("intDiv(r, 2) = 0"));
    SHAPE("baseline == learned", IN_BL("intDiv(r, 2) = 1"));
    SHAPE("otwatch.baseline == new", IN_BL("intDiv(r, 2) = 2"));
    SHAPE("baseline == none", NOT_IN_BL("intDiv(r, 2) = 3"));
    SHAPE("baseline == [learned, new]", IN_BL("intDiv(r, 2) IN (1, 2)"));
    SHAPE("baseline == [approved, none]", NOT_IN_BL("intDiv(r, 2) IN (0, 3)"));
    /* != is the negation of == (the compiler's NOT) */
    SHAPE("baseline != approved", "(NOT (" IN_BL("intDiv(r, 2) = 0") "))");
    SHAPE("baseline != none", "(NOT (" NOT_IN_BL("intDiv(r, 2) = 3") "))");
    SHAPE("baseline.category == operational", IN_BL("(r % 2) = 0"));
    SHAPE("baseline.category == maintenance", IN_BL("(r % 2) = 1"));
    SHAPE("baseline.category == none", NOT_IN_BL("(r % 2) = 2"));
    SHAPE("baseline.category != [operational, maintenance]",
          "(NOT (" IN_BL("(r % 2) IN (0, 1)") "))");
    SHAPE("baseline == EXISTS!", "1");
    SHAPE("!(baseline == approved && baseline.category == operational)",
          "(NOT ((" IN_BL("intDiv(r, 2) = 0") " AND " IN_BL("(r % 2) = 0") ")))");
    SHAPE("port.dst == 502 && baseline == none",
          "(dst_port = 502 AND " NOT_IN_BL("intDiv(r, 2) = 3") ")");
    /* < <= > >= do not apply to enum fields (the parser says so) */
    bl_ranks = NULL;
    assert_true(needs_bl("baseline == new"));
    assert_true(needs_bl("port == 1 || !(ip == 10.0.0.1 && baseline.category == none)"));
    assert_false(needs_bl("port == 1 || !(ip == 10.0.0.1 && protocols == modbus)"));
    assert_false(otw_chq_needs_bl(NULL));
    assert_int_equal(ch("port == 1", &err), 0);
}

static void test_every_field(void **state)
{
    size_t n;
    const struct otw_field *fs = otw_fields_all(&n);
    struct otw_err err;
    char expr[256], out[8192], lits[8192];

    (void)state;
    /* every field compiles, EXISTS! too */
    for (size_t i = 0; i < n; i++) {
        const struct otw_field *f = &fs[i];
        const char *v = f->type == OTW_FT_IP     ? "10.0.0.1"
                        : f->type == OTW_FT_MAC  ? "00:11:22:33:44:55"
                        : f->type == OTW_FT_TIME ? "2024-05-01"
                        : f->type == OTW_FT_BOOL ? "true"
                        : f->names != NULL       ? f->names[0].s
                        : f->type == OTW_FT_INT  ? "1"
                                                 : "x*";
        int rc;

        snprintf(expr, sizeof(expr), "%s == %s || !(%s == EXISTS!)", f->name, v, f->name);
        rc = ch(expr, &err);
        if (f->id == OTW_F_BASELINE || f->id == OTW_F_BASELINE_CATEGORY) {
            /* without the baseline's SELECT: not available; with it: compiles */
            assert_int_equal(rc, OTW_EINVAL);
            bl_ranks = "SELECT 1";
            rc = ch(expr, &err);
            bl_ranks = NULL;
        }
        assert_int_equal(rc, 0);
        assert_true(outside(sql, out, sizeof(out), lits, sizeof(lits)));
        assert_null(strstr(sql, "sessions."));      /* no SQLite table names */
        assert_null(strstr(sql, "IS NOT 1"));
        assert_null(strchr(sql, '?'));
    }
}

static void test_big(void **state)
{
    struct otw_err err;
    char expr[OTW_QUERY_MAX_LEN];
    size_t o = 0, depth = 0, maxdepth = 0;

    (void)state;
    /* many terms: the AND chain is a balanced tree, not 200 levels deep */
    for (int i = 0; i < 200 && o + 32 < sizeof(expr); i++)
        o += (size_t)snprintf(expr + o, sizeof(expr) - o, "%sport.dst != %d", i ? " && " : "",
                              i);
    assert_int_equal(ch(expr, &err), 0);
    for (const char *p = sql; *p; p++) {
        if (*p == '(' && ++depth > maxdepth)
            maxdepth = depth;
        if (*p == ')')
            depth--;
    }
    assert_int_equal(depth, 0);
    assert_true(maxdepth < 32);
}

static void test_order_by(void **state)
{
    char buf[256], sbuf[256];
    struct otw_err err, serr;
    static const char *const bad[] = {"port", "ip", "ot.class", "port.dts", "tls.sni"};

    (void)state;
    assert_int_equal(otw_chq_order_by("port.dst", true, buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "dst_port DESC, id DESC");
    assert_int_equal(otw_chq_order_by(NULL, false, buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "start_us ASC, id ASC");
    /* SQLite's NULL is the smallest value */
    assert_int_equal(otw_chq_order_by("mac.src", false, buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "src_mac ASC NULLS FIRST, id ASC");
    assert_int_equal(otw_chq_order_by("vlan", true, buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "vlan1 DESC NULLS LAST, id DESC");
    assert_int_equal(otw_chq_order_by("observer.name", false, buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "node ASC, id ASC");
    /* what cannot sort says so as SQLite does */
    for (size_t i = 0; i < OTW_ARRAY_LEN(bad); i++) {
        assert_int_equal(otw_chq_order_by(bad[i], false, buf, sizeof(buf), &err), OTW_EINVAL);
        assert_int_equal(otw_sqlq_order_by(bad[i], false, sbuf, sizeof(sbuf), &serr),
                         OTW_EINVAL);
        assert_string_equal(err.msg, serr.msg);
    }
    assert_int_equal(otw_chq_order_by("baseline", false, buf, sizeof(buf), &err), OTW_EINVAL);
    assert_string_equal(err.msg,
                        "cannot sort by baseline: not available with the ClickHouse store");
    assert_int_equal(otw_chq_order_by("port.dst", false, buf, 10, &err), OTW_EINVAL);
}

/* SQLite: `node` is this node's name (every session of the file is its own). */
static int sqlite_node_matches(const char *expr)
{
    struct otw_query *q = NULL;
    struct otw_qerr qe;
    struct otw_err err;
    struct otw_sqlq w;
    sqlite3 *db;
    sqlite3_stmt *s;
    char *text;
    int v;

    assert_int_equal(otw_query_parse(expr, &q, &qe), 0);
    assert_int_equal(otw_sqlq_compile(q, &w, &err), 0);
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    text = sqlite3_mprintf("SELECT %s", w.where);
    assert_int_equal(sqlite3_prepare_v2(db, text, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(otw_sqlq_bind(s, &w, 1), 0);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_free(text);
    sqlite3_close(db);
    otw_sqlq_free(&w);
    otw_query_free(q);
    return v;
}

static void test_sqlite_node(void **state)
{
    struct otw_store_remote r;

    (void)state;
    memset(&r, 0, sizeof(r));
    snprintf(r.node, sizeof(r.node), "plc-hall-3");
    otw_store_remote_set(&r);
    assert_int_equal(sqlite_node_matches("node == plc-hall-3"), 1);
    assert_int_equal(sqlite_node_matches("observer.name == plc-hall-3"), 1);
    assert_int_equal(sqlite_node_matches("node == plc-hall-4"), 0);
    assert_int_equal(sqlite_node_matches("node != plc-hall-4"), 1);
    assert_int_equal(sqlite_node_matches("node == plc-*"), 1);
    assert_int_equal(sqlite_node_matches("node == [a, plc-hall-?]"), 1);
    assert_int_equal(sqlite_node_matches("node == PLC-*"), 0);     /* case-sensitive */
    assert_int_equal(sqlite_node_matches("node == EXISTS!"), 1);
    assert_int_equal(sqlite_node_matches("!(node == plc-hall-3)"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),        cmocka_unit_test(test_parser_fields),
        cmocka_unit_test(test_patterns),      cmocka_unit_test(test_injection),
        cmocka_unit_test(test_not_available), cmocka_unit_test(test_every_field),
        cmocka_unit_test(test_big),           cmocka_unit_test(test_order_by),
        cmocka_unit_test(test_sqlite_node),   cmocka_unit_test(test_baseline),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
