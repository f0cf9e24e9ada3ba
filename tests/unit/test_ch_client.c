/*
 * test_ch_client.c - the pieces of the ClickHouse client that need no
 * server: SQL string literals (every byte survives, nothing closes the
 * quote), unhex() blobs, RowBinary encodings (LEB128 lengths, little-endian
 * integers, padded FixedString, DateTime seconds), store URLs, and the
 * readers of JSONEachRow values. Round trips through a real server are in
 * tests/test_clickhouse.sh and tests/test_ch_query.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/ch_client.h"

static void test_sql_string(void **state)
{
    struct otw_sb b = {0};
    const char raw[] = {'a', '\'', 'b', '\\', 'c', '\n', '\0', (char)0xe3, (char)0x81, 'z'};

    (void)state;
    otw_sb_str(&b, raw, sizeof(raw));
    assert_string_equal(b.p, "'a\\'b\\\\c\\x0A\\x00\\xE3\\x81z'");
    otw_sb_reset(&b);
    otw_sb_str(&b, "", 0);
    assert_string_equal(b.p, "''");
    /* An attempt to close the literal stays inside it. */
    otw_sb_reset(&b);
    otw_sb_str(&b, "x' OR 1=1 --", 12);
    assert_string_equal(b.p, "'x\\' OR 1=1 --'");
    otw_sb_free(&b);
}

static void test_blob_and_printf(void **state)
{
    struct otw_sb b = {0};
    const uint8_t ip[4] = {0xc0, 0xa8, 0x0a, 0x1e};

    (void)state;
    otw_sb_printf(&b, "ip = %s", "");
    otw_sb_blob(&b, ip, sizeof(ip));
    assert_string_equal(b.p, "ip = unhex('C0A80A1E')");
    assert_int_equal(b.len, strlen(b.p));
    otw_sb_free(&b);
}

static void test_rowbinary(void **state)
{
    struct otw_sb b = {0};
    static const uint8_t want[] = {
        0x01,                                           /* u8 */
        0x34, 0x12,                                     /* u16 0x1234 */
        0x78, 0x56, 0x34, 0x12,                         /* u32 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* i64 -1 */
        0xac, 0x02,                                     /* varuint 300 */
        0x03, 'a', 'b', 'c',                            /* String */
        'x', 'y', 0, 0,                                 /* FixedString(4) */
        0x00, 0xf1, 0x53, 0x65,                         /* DateTime 1700000000 */
    };

    (void)state;
    otw_rb_u8(&b, 1);
    otw_rb_u16(&b, 0x1234);
    otw_rb_u32(&b, 0x12345678);
    otw_rb_i64(&b, -1);
    otw_rb_varuint(&b, 300);
    otw_rb_str(&b, "abc", 3);
    otw_rb_fixed(&b, "xy", 2, 4);
    otw_rb_datetime(&b, 1700000000123456LL);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.p, want, sizeof(want));
    otw_sb_free(&b);
}

static void test_url(void **state)
{
    struct otw_ch_url u;
    struct otw_err err;

    (void)state;
    assert_int_equal(otw_ch_url_parse("clickhouse://ch1.plant:8123/otwatch", &u, &err), 0);
    assert_string_equal(u.host, "ch1.plant");
    assert_int_equal(u.port, 8123);
    assert_string_equal(u.db, "otwatch");
    assert_false(u.tls);
    assert_int_equal(otw_ch_url_parse("clickhouses://10.0.0.5/o_1", &u, &err), 0);
    assert_true(u.tls);
    assert_int_equal(u.port, 8443);
    assert_int_equal(otw_ch_url_parse("clickhouse://[::1]:9000/db", &u, &err), 0);
    assert_string_equal(u.host, "[::1]");
    assert_int_equal(u.port, 9000);

    assert_int_equal(otw_ch_url_parse("http://x:1/db", &u, &err), OTW_EINVAL);
    assert_int_equal(otw_ch_url_parse("clickhouse://x:1/", &u, &err), OTW_EINVAL);
    assert_int_equal(otw_ch_url_parse("clickhouse://x:99999/db", &u, &err), OTW_EINVAL);
    assert_int_equal(otw_ch_url_parse("clickhouse://x:1/db;DROP", &u, &err), OTW_EINVAL);
    assert_int_equal(otw_ch_url_parse("clickhouse://user:pw@x:1/db", &u, &err), OTW_EINVAL);
    assert_non_null(strstr(err.msg, "clickhouse.password"));
}

static void test_json_readers(void **state)
{
    json_t *row = json_loads("{\"n\":12,\"q\":\"34\",\"s\":\"x\",\"h\":\"0A0b\",\"bad\":\"0g\"}",
                             0, NULL);
    uint8_t out[4];

    (void)state;
    assert_non_null(row);
    assert_int_equal(otw_chj_int(row, "n"), 12);
    assert_int_equal(otw_chj_int(row, "q"), 34);
    assert_int_equal(otw_chj_int(row, "none"), 0);
    assert_string_equal(otw_chj_str(row, "s"), "x");
    assert_string_equal(otw_chj_str(row, "none"), "");
    assert_int_equal(otw_chj_hex(row, "h", out, sizeof(out)), 2);
    assert_int_equal(out[0], 0x0a);
    assert_int_equal(out[1], 0x0b);
    assert_int_equal(otw_chj_hex(row, "bad", out, sizeof(out)), 0);
    assert_int_equal(otw_chj_hex(row, "h", out, 1), 0);
    json_decref(row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_string), cmocka_unit_test(test_blob_and_printf),
        cmocka_unit_test(test_rowbinary),  cmocka_unit_test(test_url),
        cmocka_unit_test(test_json_readers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
