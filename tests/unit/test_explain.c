/*
 * test_explain.c - every alert kind has a name, a title and a sentence in
 * English and in Japanese: non-empty, naming the hosts by their labels,
 * the Japanese one written in Japanese (not ASCII, polite form), with no
 * placeholder left unfilled, for both variants where a kind has two; and
 * the names, severities, statuses and languages parse back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "detect/alert.h"

static void fill(struct otw_alert *a, int kind, const char *detail)
{
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->proto = 6;
    a->port = 443;
    a->count = 7;
    a->has_mac = true;
    a->mac[0] = 0x02;
    snprintf(a->src_label, sizeof(a->src_label), "maint (maintenance server)");
    snprintf(a->dst_label, sizeof(a->dst_label), "scada (SCADA server)");
    snprintf(a->detail, sizeof(a->detail), "%s", detail);
    otw_alert_explain(a);
}

static bool has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* Every kind, with a detail that has every key a sentence may use. */
static const char *const full_detail =
    "ports=tcp/443,tcp/4444 app=modbus fc=5,6 nports=209 nhosts=4 targets=192.168.10.1,"
    "192.168.10.10 window_s=60 sessions=9 bytes_out=1100000 bytes_in=1100000 window=maintenance "
    "time=Fri_10:40 mac=02:0a:c0:a8:0a:28 old_mac=02:0a:c0:a8:0a:14 claimed=192.168.10.20,"
    "192.168.10.30 vendor=Example bytes=5000 peak_sessions=1 peak_bytes=100";

static void check_texts(const struct otw_alert *a)
{
    const char *en = a->text[OTW_LANG_EN], *ja = a->text[OTW_LANG_JA];
    const char *name = otw_alert_kind_name(a->kind);

    if (strlen(en) < 20 || strlen(ja) < 20)
        fail_msg("%s: a sentence is missing", name);
    if (strchr(en, '{') || strchr(en, '}') || strchr(ja, '{') || strchr(ja, '}'))
        fail_msg("%s: placeholder left: %s / %s", name, en, ja);
    if (has_non_ascii(en))
        fail_msg("%s: English sentence has non-ASCII: %s", name, en);
    if (!has_non_ascii(ja) || (strstr(ja, "ください") == NULL &&
                               strstr(ja, "ます") == NULL && strstr(ja, "です") == NULL))
        fail_msg("%s: not polite Japanese: %s", name, ja);
    /* the host is named (the spoofing alert names it by MAC and label) */
    if (strstr(en, "maint (maintenance server)") == NULL ||
        strstr(ja, "maint (maintenance server)") == NULL)
        fail_msg("%s: the source host is not named: %s / %s", name, en, ja);
    if (a->kind != OTW_AK_NEW_DEVICE && a->kind != OTW_AK_PORT_SCAN &&
        a->kind != OTW_AK_HOST_SWEEP && a->kind != OTW_AK_ARP_SPOOF &&
        a->kind != OTW_AK_IP_MAC_CHANGE &&
        (strstr(en, "scada (SCADA server)") == NULL || strstr(ja, "scada (SCADA server)") == NULL))
        fail_msg("%s: the destination host is not named: %s / %s", name, en, ja);
}

static void test_every_kind(void **state)
{
    struct otw_alert a;

    (void)state;
    for (int k = 0; k < OTW_AK__COUNT; k++) {
        fill(&a, k, full_detail);
        check_texts(&a);
        assert_string_not_equal(otw_alert_kind_name(k), "unknown");
        assert_int_equal(otw_alert_kind_parse(otw_alert_kind_name(k)), k);
        assert_true(strlen(otw_alert_kind_title(k, OTW_LANG_EN)) > 2);
        assert_true(has_non_ascii(otw_alert_kind_title(k, OTW_LANG_JA)));
    }
}

static void test_variants(void **state)
{
    struct otw_alert a;

    (void)state;
    fill(&a, OTW_AK_OUTBOUND_CONNECTED, "class=answered bytes_out=10 bytes_in=20");
    check_texts(&a);
    assert_null(strstr(a.text[OTW_LANG_EN], "compromised"));
    assert_non_null(strstr(a.text[OTW_LANG_EN], "firewall let it through"));
    fill(&a, OTW_AK_OUTBOUND_CONNECTED, "class=data-transfer bytes_out=1100000 bytes_in=1200000");
    check_texts(&a);
    assert_non_null(strstr(a.text[OTW_LANG_EN], "compromised"));
    assert_non_null(strstr(a.text[OTW_LANG_EN], "1100000 bytes out"));
    assert_non_null(strstr(a.text[OTW_LANG_JA], "侵害"));
    fill(&a, OTW_AK_OUTBOUND_BLOCKED, "");
    assert_non_null(strstr(a.text[OTW_LANG_EN], "the firewall is holding"));
    assert_non_null(strstr(a.text[OTW_LANG_EN], "a peer we never talk to"));
    fill(&a, OTW_AK_OUTBOUND_BLOCKED, "answer=refused");
    check_texts(&a);
    assert_non_null(strstr(a.text[OTW_LANG_EN], "refused: the firewall is holding"));
    assert_non_null(strstr(a.text[OTW_LANG_JA], "拒否"));
    fill(&a, OTW_AK_OFF_HOURS, "reason=quiet-hours time=Fri_02:10");
    check_texts(&a);
    assert_non_null(strstr(a.text[OTW_LANG_EN], "quiet hours"));
    fill(&a, OTW_AK_OFF_HOURS, "reason=unusual-hour time=Fri_02:10");
    check_texts(&a);
    assert_non_null(strstr(a.text[OTW_LANG_EN], "never runs"));
}

static void test_missing_values(void **state)
{
    struct otw_alert a;

    (void)state;
    /* no detail at all: still no braces, a dash where a value is missing */
    for (int k = 0; k < OTW_AK__COUNT; k++) {
        fill(&a, k, "");
        check_texts(&a);
    }
    /* lists read with blanks after the commas */
    fill(&a, OTW_AK_NEW_PEER, "ports=tcp/443,tcp/4444");
    assert_non_null(strstr(a.text[OTW_LANG_EN], "tcp/443, tcp/4444"));
    assert_non_null(strstr(a.text[OTW_LANG_JA], "tcp/443, tcp/4444"));
}

/* The vendor texts that are ours read in Japanese too; a registry's name stays as it is. */
static void test_vendor_words(void **state)
{
    struct otw_alert a;

    (void)state;
    fill(&a, OTW_AK_NEW_DEVICE, "mac=02:0a:c0:a8:0a:32 vendor=(locally_administered)");
    assert_non_null(strstr(a.text[OTW_LANG_EN], "locally"));
    assert_null(strstr(a.text[OTW_LANG_JA], "locally"));
    assert_non_null(strstr(a.text[OTW_LANG_JA], "ローカル管理"));
    fill(&a, OTW_AK_NEW_DEVICE, "mac=00:00:00:00:00:01 vendor=unknown");
    assert_null(strstr(a.text[OTW_LANG_JA], "unknown"));
    assert_non_null(strstr(a.text[OTW_LANG_JA], "ベンダー 不明"));
    fill(&a, OTW_AK_NEW_DEVICE, "mac=00:0e:8c:00:00:01 vendor=Siemens");
    assert_non_null(strstr(a.text[OTW_LANG_JA], "ベンダー Siemens"));
}

static void test_long_labels(void **state)
{
    struct otw_alert a;
    char big[128];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (int k = 0; k < OTW_AK__COUNT; k++) {
        memset(&a, 0, sizeof(a));
        a.kind = k;
        memcpy(a.src_label, big, sizeof(a.src_label));
        a.src_label[sizeof(a.src_label) - 1] = '\0';
        memcpy(a.dst_label, big, sizeof(a.dst_label));
        a.dst_label[sizeof(a.dst_label) - 1] = '\0';
        snprintf(a.detail, sizeof(a.detail), "%s", full_detail);
        otw_alert_explain(&a);
        /* cut, never overflowing, and still valid UTF-8 at the end */
        assert_true(strlen(a.text[OTW_LANG_JA]) < sizeof(a.text[0]));
        {
            const unsigned char *s = (const unsigned char *)a.text[OTW_LANG_JA];
            size_t n = strlen((const char *)s), i = 0;
            while (i < n) {
                int len = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
                assert_true(i + (size_t)len <= n);
                i += (size_t)len;
            }
        }
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(otw_severity_name(OTW_SEV_LOW), "low");
    assert_string_equal(otw_severity_name(OTW_SEV_CRITICAL), "critical");
    assert_string_equal(otw_severity_name(0), "unknown");
    assert_string_equal(otw_alert_status_name(OTW_AS_ACKNOWLEDGED), "acknowledged");
    assert_string_equal(otw_alert_status_name(9), "unknown");
    assert_int_equal(otw_alert_kind_parse("no_such_kind"), -1);
    assert_int_equal(otw_alert_kind_parse(NULL), -1);
    assert_string_equal(otw_alert_kind_name(OTW_AK__COUNT), "unknown");
    assert_int_equal(otw_lang_parse("ja_JP.UTF-8"), OTW_LANG_JA);
    assert_int_equal(otw_lang_parse("ja"), OTW_LANG_JA);
    assert_int_equal(otw_lang_parse("en_US.UTF-8"), OTW_LANG_EN);
    assert_int_equal(otw_lang_parse("jav"), OTW_LANG_EN);
    assert_int_equal(otw_lang_parse(NULL), OTW_LANG_EN);
    assert_int_equal(otw_lang_parse("C"), OTW_LANG_EN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_long_labels),
        cmocka_unit_test(test_vendor_words),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
