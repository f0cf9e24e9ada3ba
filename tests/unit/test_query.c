/*
 * test_query.c - the query expression parser: what it accepts, the tree it
 * builds (checked through otw_query_dump), and how it refuses: column,
 * message, suggestions, type checks and caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "query/fields.h"
#include "query/query.h"

static char dumpbuf[4096];

/* Parses expr, which must succeed, and returns its dump. */
static const char *dump_of(const char *expr)
{
    struct otw_query *q = NULL;
    struct otw_qerr e;
    int rc = otw_query_parse(expr, &q, &e);

    if (rc != 0)
        fail_msg("'%s' did not parse: col %d: %s", expr, e.column, e.msg);
    otw_query_dump(q, dumpbuf, sizeof(dumpbuf));
    otw_query_free(q);
    return dumpbuf;
}

/* Parses expr, which must fail with a syntax error; returns the error. */
static struct otw_qerr err_of(const char *expr)
{
    struct otw_query *q = (struct otw_query *)1;
    struct otw_qerr e;
    int rc = otw_query_parse(expr, &q, &e);

    if (rc != OTW_ESYNTAX)
        fail_msg("'%s' should fail, rc %d", expr, rc);
    assert_null(q);
    return e;
}

#define ASSERT_ERR(expr, col, needle)                                              \
    do {                                                                            \
        struct otw_qerr e_ = err_of(expr);                                          \
        if (e_.column != (col) || strstr(e_.msg, (needle)) == NULL)                 \
            fail_msg("'%s': got col %d '%s', want col %d '%s'", (expr), e_.column, \
                     e_.msg, (col), (needle));                                      \
    } while (0)

static void test_basic_shapes(void **state)
{
    (void)state;
    assert_string_equal(dump_of("ip.src == 10.0.0.5 && port.dst == 502"),
                        "(and (== ip.src 10.0.0.5) (== port.dst 502))");
    assert_string_equal(dump_of("source.ip == 192.168.1.0/24"),
                        "(== ip.src 192.168.1.0-192.168.1.255)");
    assert_string_equal(dump_of("ip == 10.0.0.5"), "(== ip 10.0.0.5)");
    assert_string_equal(dump_of("port.dst == [22, 3389]"), "(== port.dst [22 3389])");
    assert_string_equal(dump_of("protocols == modbus"), "(== protocols \"modbus\")");
    assert_string_equal(dump_of("port!=80"), "(!= port 80)");
    assert_string_equal(dump_of("bytes > 1000 && packets <= 4 && duration >= 2 && id < 9"),
                        "(and (> bytes 1000) (<= packets 4) (>= duration 2) (< id 9))");
    /* && binds tighter than ||; parentheses and ! */
    assert_string_equal(dump_of("port == 1 || port == 2 && port == 3"),
                        "(or (== port 1) (and (== port 2) (== port 3)))");
    assert_string_equal(dump_of("(port == 1 || port == 2) && !(state == established)"),
                        "(and (or (== port 1) (== port 2)) (not (== state established)))");
    assert_string_equal(dump_of("!!port == 1"), "(not (not (== port 1)))");
    assert_string_equal(dump_of("  "), "(all)");
    assert_string_equal(dump_of(""), "(all)");
}

static void test_values(void **state)
{
    (void)state;
    assert_string_equal(dump_of("ip == fe80::/10"), "(== ip fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff)");
    assert_string_equal(dump_of("ip.dst == 2001:db8::1"), "(== ip.dst 2001:db8::1)");
    assert_string_equal(dump_of("ip == 0.0.0.0/0"), "(== ip 0.0.0.0-255.255.255.255)");
    /* host bits under the mask are dropped */
    assert_string_equal(dump_of("ip == 10.1.2.3/8"), "(== ip 10.0.0.0-10.255.255.255)");
    assert_string_equal(dump_of("mac.src == 00:1D:9C:c8:03:e7"), "(== mac.src 00:1d:9c:c8:03:e7)");
    assert_string_equal(dump_of("ip.protocol == tcp"), "(== ip.protocol 6)");
    assert_string_equal(dump_of("port == [010, 0x1f6]"), "(== port [10 502])");
    assert_string_equal(dump_of("network.transport == [udp, ipv6-icmp, 132]"),
                        "(== ip.protocol [17 58 132])");
    assert_string_equal(dump_of("network.type == IPv6"), "(== network.type ipv6)");
    assert_string_equal(dump_of("tcpflags.src == syn"), "(== tcpflags.src syn)");
    assert_string_equal(dump_of("otwatch.state != [reset, timeout]"),
                        "(!= state [reset timeout])");
    assert_string_equal(dump_of("continued == true"), "(== continued true)");
    assert_string_equal(dump_of("end == split"), "(== end split)");
    assert_string_equal(dump_of("protocols == EXISTS!"), "(== protocols EXISTS!)");
    assert_string_equal(dump_of("vlan != EXISTS!"), "(!= vlan EXISTS!)");
    /* strings: quotes, escapes, wildcards */
    assert_string_equal(dump_of("file == \"day 1.pcap\""), "(== file \"day 1.pcap\")");
    assert_string_equal(dump_of("point == 'boundary-fw'"), "(== point \"boundary-fw\")");
    assert_string_equal(dump_of("file == *day1*"), "(== file glob\"*day1*\")");
    assert_string_equal(dump_of("file == \"a\\*b\""), "(== file \"a*b\")");
    assert_string_equal(dump_of("file == \"a\\*b*\""), "(== file glob\"a\\*b*\")");
    assert_string_equal(dump_of("file == 'it\\'s'"), "(== file \"it's\")");
    assert_string_equal(dump_of("protocols == [mod*, tls]"),
                        "(== protocols [glob\"mod*\" \"tls\"])");
    assert_string_equal(dump_of("community_id == \"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\""),
                        "(== community_id \"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\")");
}

static void test_times(void **state)
{
    (void)state;
    /* a value is the span it names */
    assert_string_equal(dump_of("starttime == 2024-05-01"),
                        "(== starttime 1714521600000000+86400000000)");
    assert_string_equal(dump_of("event.start >= \"2024-05-01 13:45\""),
                        "(>= starttime 1714571100000000+60000000)");
    assert_string_equal(dump_of("starttime < 2024-05-01T13:45:00+02:00"),
                        "(< starttime 1714563900000000+1000000)");
    assert_string_equal(dump_of("stoptime > 2024-05-01T13:45:00.25Z"),
                        "(> stoptime 1714571100250000+10000)");
    assert_string_equal(dump_of("starttime == 1714521600"),
                        "(== starttime 1714521600000000+1000000)");
    assert_string_equal(dump_of("starttime == 2024-02-29"),
                        "(== starttime 1709164800000000+86400000000)");
    ASSERT_ERR("starttime == 2023-02-29", 14, "not a time");
    ASSERT_ERR("starttime == 2024-13-01", 14, "not a time");
    ASSERT_ERR("starttime == 2024-05-01 13:45", 25, "expected && or ||");
    ASSERT_ERR("starttime == yesterday", 14, "not a time");
    {
        int64_t lo, hi;

        assert_int_equal(otw_query_parse_time("2024-05-01", &lo, &hi), 0);
        assert_int_equal(lo, 1714521600000000LL);
        assert_int_equal(hi - lo, 86400000000LL);
        assert_int_equal(otw_query_parse_time("2024-05-01 00:00:00-00:30", &lo, &hi), 0);
        assert_int_equal(lo, 1714523400000000LL);
        assert_int_equal(otw_query_parse_time("0", &lo, &hi), 0);
        assert_int_equal(lo, 0);
        assert_int_equal(otw_query_parse_time("", &lo, &hi), OTW_EINVAL);
        assert_int_equal(otw_query_parse_time("2024-05-01T25:00", &lo, &hi), OTW_EINVAL);
        assert_int_equal(otw_query_parse_time("99999999999999", &lo, &hi), OTW_EINVAL);
        assert_int_equal(otw_query_parse_time(NULL, &lo, &hi), OTW_EINVAL);
    }
}

static void test_errors(void **state)
{
    struct otw_qerr e;

    (void)state;
    e = err_of("ip.scr == 10.0.0.5");
    assert_int_equal(e.column, 1);
    assert_string_equal(e.msg, "unknown field 'ip.scr'");
    assert_true(e.nsuggest >= 1);
    assert_string_equal(e.suggest[0], "ip.src");

    e = err_of("port.dst == 502 && sorce.ip == 1.2.3.4");
    assert_int_equal(e.column, 20);
    assert_true(e.nsuggest >= 1);
    assert_string_equal(e.suggest[0], "source.ip");

    e = err_of("protocol == modbus");
    assert_string_equal(e.suggest[0], "protocols");
    e = err_of("zzzzzzzzzzzz == 1");
    assert_int_equal(e.nsuggest, 0);

    ASSERT_ERR("ip.src == abc", 11, "not an IP address");
    ASSERT_ERR("ip.src == 10.0.0.0/33", 11, "prefix length");
    ASSERT_ERR("ip.src == 1.2.3.4/", 11, "prefix length");
    ASSERT_ERR("ip.src < 10.0.0.1", 8, "does not apply");
    ASSERT_ERR("file < abc", 6, "does not apply");
    ASSERT_ERR("state >= established", 7, "does not apply");
    ASSERT_ERR("port.dst = 502", 10, "use ==");
    ASSERT_ERR("port == 1 & port == 2", 11, "use &&");
    ASSERT_ERR("port == 1 | port == 2", 11, "use ||");
    ASSERT_ERR("(port == 1", 11, "expected ) to close the ( at column 1");
    ASSERT_ERR("port == 1)", 10, "unmatched )");
    ASSERT_ERR("port == 1 port == 2", 11, "expected && or ||");
    ASSERT_ERR("file == \"abc", 9, "not closed");
    ASSERT_ERR("port == ", 9, "expected a value");
    ASSERT_ERR("port ==", 8, "expected a value");
    ASSERT_ERR("port", 5, "expected an operator");
    ASSERT_ERR("== 5", 1, "expected a field name");
    ASSERT_ERR("port == 1 &&", 13, "ends where a field name");
    ASSERT_ERR("port.dst == *", 13, "wildcards");
    ASSERT_ERR("port == 70000", 9, "out of range");
    ASSERT_ERR("port == -1", 9, "out of range");
    ASSERT_ERR("port == 12abc", 9, "not a number");
    ASSERT_ERR("ip.protocol == tcpp", 16, "one of: icmp");
    ASSERT_ERR("state == foo", 10, "attempt, rejected");
    ASSERT_ERR("tcpflags.src == syn+ack", 17, "not a value");
    ASSERT_ERR("continued == maybe", 14, "true or false");
    ASSERT_ERR("mac == 00:11:22", 8, "not a MAC");
    ASSERT_ERR("port < [1, 2]", 8, "list");
    ASSERT_ERR("port == [1, 2", 14, "expected , or ]");
    ASSERT_ERR("port == [1 2]", 12, "expected , or ]");
    ASSERT_ERR("port == []", 10, "expected a value in the list");
    ASSERT_ERR("port == [1, abc]", 13, "not a number");
    ASSERT_ERR("protocols == 'two words'", 14, "without spaces");
    ASSERT_ERR("port > EXISTS!", 8, "EXISTS!");
    ASSERT_ERR("port == 1 && )", 14, "expected a field name");
    ASSERT_ERR("'port' == 1", 1, "quoted string");
}

static void test_caps(void **state)
{
    char *big = malloc(OTW_QUERY_MAX_LEN + 64);
    size_t o = 0;
    struct otw_query *q = NULL;
    struct otw_qerr e;

    (void)state;
    /* length: exactly the cap parses, one more byte does not */
    memset(big, ' ', OTW_QUERY_MAX_LEN);
    memcpy(big, "port == 1", 9);
    big[OTW_QUERY_MAX_LEN] = '\0';
    assert_int_equal(otw_query_parse(big, &q, &e), 0);
    otw_query_free(q);
    big[OTW_QUERY_MAX_LEN] = ' ';
    big[OTW_QUERY_MAX_LEN + 1] = '\0';
    assert_int_equal(otw_query_parse(big, &q, &e), OTW_ESYNTAX);
    assert_non_null(strstr(e.msg, "longer than 4096"));

    /* depth */
    o = 0;
    for (int i = 0; i < OTW_QUERY_MAX_DEPTH; i++)
        big[o++] = '(';
    memcpy(big + o, "port == 1", 9);
    o += 9;
    for (int i = 0; i < OTW_QUERY_MAX_DEPTH; i++)
        big[o++] = ')';
    big[o] = '\0';
    assert_int_equal(otw_query_parse(big, &q, &e), 0);
    otw_query_free(q);
    memmove(big + 1, big, o + 1);
    big[0] = '!';
    assert_int_equal(otw_query_parse(big, &q, &e), OTW_ESYNTAX);
    assert_non_null(strstr(e.msg, "nested too deeply"));
    assert_int_equal(e.column, OTW_QUERY_MAX_DEPTH + 1);

    /* list length */
    o = 0;
    memcpy(big, "port == [", 9);
    o = 9;
    for (int i = 0; i < OTW_QUERY_MAX_LIST; i++)
        o += (size_t)snprintf(big + o, 16, "%s%d", i ? "," : "", i);
    big[o++] = ']';
    big[o] = '\0';
    assert_int_equal(otw_query_parse(big, &q, &e), 0);
    assert_int_equal(q->root->nvals, OTW_QUERY_MAX_LIST);
    otw_query_free(q);
    memcpy(big + o - 1, ",7]", 4);
    assert_int_equal(otw_query_parse(big, &q, &e), OTW_ESYNTAX);
    assert_non_null(strstr(e.msg, "longer than 256 values"));

    /* number of comparisons */
    o = 0;
    for (int i = 0; i <= OTW_QUERY_MAX_TERMS; i++)
        o += (size_t)snprintf(big + o, 16, "%sid==%d", i ? "||" : "", i % 10);
    assert_true(o < OTW_QUERY_MAX_LEN);
    assert_int_equal(otw_query_parse(big, &q, &e), OTW_ESYNTAX);
    assert_non_null(strstr(e.msg, "too many comparisons"));
    free(big);
}

static void test_ast_fields(void **state)
{
    struct otw_query *q = NULL;
    struct otw_qerr e;

    (void)state;
    assert_int_equal(otw_query_parse("  destination.port == [22, 3389] || ip.src == 10.0.0.0/8",
                                     &q, &e), 0);
    assert_int_equal(q->root->kind, OTW_QN_OR);
    assert_int_equal(q->root->nkids, 2);
    assert_int_equal(q->root->kids[0]->kind, OTW_QN_CMP);
    assert_int_equal(q->root->kids[0]->field->id, OTW_F_PORT_DST);
    assert_int_equal(q->root->kids[0]->column, 3);
    assert_int_equal(q->root->kids[0]->op, OTW_QOP_EQ);
    assert_int_equal(q->root->kids[0]->nvals, 2);
    assert_int_equal(q->root->kids[0]->vals[1].i, 3389);
    assert_int_equal(q->root->kids[1]->vals[0].kind, OTW_QV_IPRANGE);
    assert_int_equal(q->root->kids[1]->vals[0].lo[10], 0xff);
    assert_int_equal(q->root->kids[1]->vals[0].lo[12], 10);
    assert_int_equal(q->root->kids[1]->vals[0].hi[15], 255);
    otw_query_free(q);
    otw_query_free(NULL);
}

static void test_format_error(void **state)
{
    struct otw_qerr e;
    char buf[1024];
    const char *expr = "port.dst == 502 && ip.scr == 10.0.0.5";

    (void)state;
    e = err_of(expr);
    otw_query_format_error(expr, &e, buf, sizeof(buf));
    assert_string_equal(buf, "unknown field 'ip.scr'\n"
                             "  port.dst == 502 && ip.scr == 10.0.0.5\n"
                             "                     ^\n"
                             "did you mean: ip.src, ip.dst\n"
                             "'otwatch fields' lists every field.\n");
    /* a small buffer truncates but stays a string */
    otw_query_format_error(expr, &e, buf, 10);
    assert_int_equal(strlen(buf), 9);
    /* tabs do not shift the caret */
    expr = "port\t=\t5";
    e = err_of(expr);
    otw_query_format_error(expr, &e, buf, sizeof(buf));
    assert_string_equal(buf, "use == to compare (a single = is not an operator)\n"
                             "  port = 5\n"
                             "       ^\n");
}

static void test_catalog(void **state)
{
    size_t n;
    const struct otw_field *fs = otw_fields_all(&n);

    (void)state;
    /* the session fields, then the parsers' (at least ot.class) */
    assert_true(n > OTW_F_APP);
    for (size_t i = 0; i < n; i++) {
        char expr[128];
        struct otw_query *q = NULL;
        struct otw_qerr e;

        /* ids index the fixed part of the table; parser fields share
         * OTW_F_APP; both names find the field, and parse */
        assert_int_equal(fs[i].id, i < OTW_F_APP ? (int)i : OTW_F_APP);
        assert_ptr_equal(otw_fields_find(fs[i].name), &fs[i]);
        assert_ptr_equal(otw_fields_find(fs[i].ecs), &fs[i]);
        assert_non_null(fs[i].meaning);
        snprintf(expr, sizeof(expr), "%s == EXISTS!", fs[i].ecs);
        assert_int_equal(otw_query_parse(expr, &q, &e), 0);
        otw_query_free(q);
        /* no name is used twice */
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(fs[i].name, fs[j].name);
            assert_string_not_equal(fs[i].ecs, fs[j].ecs == fs[j].name ? "" : fs[j].ecs);
        }
    }
    assert_ptr_equal(otw_fields_find("SOURCE.IP"), otw_fields_get(OTW_F_IP_SRC));
    assert_null(otw_fields_find("nope"));
    assert_null(otw_fields_get(-1));
    assert_null(otw_fields_get(OTW_F__COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_shapes), cmocka_unit_test(test_values),
        cmocka_unit_test(test_times),        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_caps),         cmocka_unit_test(test_ast_fields),
        cmocka_unit_test(test_format_error), cmocka_unit_test(test_catalog),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
