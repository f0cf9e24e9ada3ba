/*
 * test_filter.c - presets and BPF expressions on decoded frames.
 *
 * Each frame is built with pktbuild.h, decoded with otw_decode(), and handed
 * to otw_filter_match() with its record, as the import path does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/filter.h"
#include "capture/reader.h"
#include "core/session.h"
#include "decode/decode.h"
#include "pktbuild.h"

#define A4 IP4(10, 0, 0, 1)
#define B4 IP4(10, 0, 0, 2)

static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static bool match(struct otw_filter *f, int lt, const struct pb *b)
{
    struct otw_rec rec;
    struct otw_pkt p;

    memset(&rec, 0, sizeof(rec));
    rec.caplen = (uint32_t)b->n;
    rec.len = (uint32_t)b->n;
    rec.linktype = lt;
    rec.data = b->b;
    rec.index = 1;
    assert_true(otw_decode(lt, b->b, rec.caplen, rec.len, &p) >= OTW_DEC_NONE);
    return otw_filter_match(f, &rec, &p);
}

/* Ethernet [+ VLAN tags] + IPv4 + TCP/UDP/ICMP. vid 0: untagged. */
static void v4(struct pb *b, const uint8_t *dmac, uint16_t vid, uint32_t dip, uint8_t proto,
               uint16_t dport)
{
    pb_init(b);
    if (vid) {
        pb_eth(b, dmac, pb_mac_a, 0x8100);
        pb_vlan(b, 0, vid, 0x0800);
    } else {
        pb_eth(b, dmac, pb_mac_a, 0x0800);
    }
    pb_ipv4(b, A4, dip, proto);
    if (proto == 6)
        pb_tcp(b, 40000, dport, 1, 0, OTW_TCP_SYN, 20);
    else if (proto == 17)
        pb_udp(b, 40000, dport);
    else
        pb_icmp(b, 8, 0, 0);
    pb_data(b, 4);
    pb_fix(b);
}

static void test_ot_basic(void **state)
{
    (void)state;
    struct otw_err err;
    struct otw_filter *f = otw_filter_new();
    struct pb b;

    assert_non_null(f);
    assert_false(otw_filter_active(f));
    assert_int_equal(otw_filter_add(f, "ot-basic", &err), 0);
    assert_true(otw_filter_active(f));
    assert_string_equal(otw_filter_describe(f), "ot-basic");

    for (uint16_t vid = 0; vid <= 100; vid += 100) {
        /* kept: IPv4 unicast TCP and UDP */
        v4(&b, pb_mac_b, vid, B4, 6, 502);
        assert_true(match(f, OTW_LT_ETHERNET, &b));
        v4(&b, pb_mac_b, vid, B4, 17, 2222);
        assert_true(match(f, OTW_LT_ETHERNET, &b));
        /* dropped: ICMP */
        v4(&b, pb_mac_b, vid, B4, 1, 0);
        assert_false(match(f, OTW_LT_ETHERNET, &b));
        /* dropped: other IP protocols */
        v4(&b, pb_mac_b, vid, B4, 47, 0);
        assert_false(match(f, OTW_LT_ETHERNET, &b));
        /* dropped: multicast IP, even sent to a unicast MAC */
        v4(&b, pb_mac_b, vid, IP4(239, 1, 2, 3), 17, 5000);
        assert_false(match(f, OTW_LT_ETHERNET, &b));
        v4(&b, pb_mac_b, vid, IP4(224, 0, 0, 251), 17, 5353);
        assert_false(match(f, OTW_LT_ETHERNET, &b));
        /* ... but 223.x and 240.x are not multicast */
        v4(&b, pb_mac_b, vid, IP4(223, 255, 255, 255), 17, 5000);
        assert_true(match(f, OTW_LT_ETHERNET, &b));
        /* dropped: limited broadcast, even to a unicast MAC */
        v4(&b, pb_mac_b, vid, IP4(255, 255, 255, 255), 17, 67);
        assert_false(match(f, OTW_LT_ETHERNET, &b));
        /* dropped: link-layer broadcast and multicast with a unicast IP */
        v4(&b, pb_mac_bcast, vid, IP4(10, 0, 0, 255), 17, 137);
        assert_false(match(f, OTW_LT_ETHERNET, &b));
        v4(&b, pb_mac_mcast, vid, B4, 17, 5000);
        assert_false(match(f, OTW_LT_ETHERNET, &b));
    }
    /* QinQ too. */
    pb_init(&b);
    pb_eth(&b, pb_mac_bcast, pb_mac_a, 0x88a8);
    pb_vlan(&b, 0, 10, 0x8100);
    pb_vlan(&b, 0, 20, 0x0800);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 1, 2);
    pb_fix(&b);
    assert_false(match(f, OTW_LT_ETHERNET, &b));
    memcpy(b.b, pb_mac_b, 6);
    assert_true(match(f, OTW_LT_ETHERNET, &b));

    /* dropped: IPv6, and non-IP frames */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x86dd);
    pb_ipv6(&b, a6, b6, 6);
    pb_tcp(&b, 40000, 502, 1, 0, OTW_TCP_SYN, 20);
    pb_fix(&b);
    assert_false(match(f, OTW_LT_ETHERNET, &b));
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0806);
    pb_data(&b, 28);
    assert_false(match(f, OTW_LT_ETHERNET, &b));

    /* Linux cooked capture: the broadcast packet type counts as broadcast. */
    for (uint16_t pkttype = 0; pkttype <= 1; pkttype++) {
        pb_init(&b);
        pb_be16(&b, pkttype);
        pb_be16(&b, 1);
        pb_be16(&b, 6);
        pb_bytes(&b, pb_mac_a, 6);
        pb_be16(&b, 0);
        pb_be16(&b, 0x0800);
        pb_ipv4(&b, A4, B4, 17);
        pb_udp(&b, 1, 2);
        pb_fix(&b);
        assert_int_equal(match(f, OTW_LT_LINUX_SLL, &b), pkttype == 0);
    }
    otw_filter_free(f);
    otw_filter_free(NULL);
}

static void test_all_preset(void **state)
{
    (void)state;
    struct otw_err err;
    struct otw_filter *f = otw_filter_new();
    struct pb b;

    assert_int_equal(otw_filter_add(f, "all", &err), 0);
    assert_false(otw_filter_active(f));
    v4(&b, pb_mac_bcast, 0, IP4(255, 255, 255, 255), 1, 0);
    assert_true(match(f, OTW_LT_ETHERNET, &b));
    otw_filter_free(f);

    /* The presets table names both, and ends with a NULL row. */
    {
        int seen = 0;
        size_t i;
        for (i = 0; otw_filter_presets[i].name != NULL; i++) {
            assert_non_null(otw_filter_presets[i].keeps);
            assert_non_null(otw_filter_presets[i].drops);
            if (strcmp(otw_filter_presets[i].name, "ot-basic") == 0 ||
                strcmp(otw_filter_presets[i].name, "all") == 0)
                seen++;
        }
        assert_int_equal(seen, 2);
    }
}

static void test_bpf(void **state)
{
    (void)state;
    struct otw_err err;
    struct otw_filter *f = otw_filter_new();
    struct otw_filter *fv = otw_filter_new();
    struct pb b;

    assert_int_equal(otw_filter_add(f, "tcp port 502", &err), 0);
    assert_true(otw_filter_active(f));
    assert_string_equal(otw_filter_describe(f), "(tcp port 502)");
    v4(&b, pb_mac_b, 0, B4, 6, 502);
    assert_true(match(f, OTW_LT_ETHERNET, &b));
    v4(&b, pb_mac_b, 0, B4, 6, 503);
    assert_false(match(f, OTW_LT_ETHERNET, &b));
    v4(&b, pb_mac_b, 0, B4, 17, 502);
    assert_false(match(f, OTW_LT_ETHERNET, &b));
    /* BPF's own trap: without `vlan` it does not look inside the tag. */
    v4(&b, pb_mac_b, 100, B4, 6, 502);
    assert_false(match(f, OTW_LT_ETHERNET, &b));
    /* The same expression on raw IP is compiled for that link type. */
    pb_init(&b);
    pb_ipv4(&b, A4, B4, 6);
    pb_tcp(&b, 40000, 502, 1, 0, OTW_TCP_SYN, 20);
    pb_fix(&b);
    {
        /* LINKTYPE_RAW 101 is not a DLT: libpcap must be given DLT_RAW
         * (it once dropped every raw IP packet with a warning). 12 and 14
         * are raw IP too, and 228 is IPv4. */
        static const int lts[] = {OTW_LT_RAW, 12, 14, OTW_LT_IPV4};
        for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
            pb_put16(&b, 22, 502);
            assert_true(match(f, lts[i], &b));
            pb_put16(&b, 22, 503);
            assert_false(match(f, lts[i], &b));
        }
    }
    assert_null(otw_filter_take_warning(f));

    assert_int_equal(otw_filter_add(fv, "vlan and tcp port 502", &err), 0);
    v4(&b, pb_mac_b, 100, B4, 6, 502);
    assert_true(match(fv, OTW_LT_ETHERNET, &b));
    v4(&b, pb_mac_b, 100, B4, 6, 503);
    assert_false(match(fv, OTW_LT_ETHERNET, &b));
    v4(&b, pb_mac_b, 0, B4, 6, 502);
    assert_false(match(fv, OTW_LT_ETHERNET, &b));

    /* Preset and BPF are ANDed. */
    assert_int_equal(otw_filter_add(f, "ot-basic", &err), 0);
    assert_string_equal(otw_filter_describe(f), "(tcp port 502) and ot-basic");
    v4(&b, pb_mac_b, 0, B4, 6, 502);
    assert_true(match(f, OTW_LT_ETHERNET, &b));
    v4(&b, pb_mac_bcast, 0, B4, 6, 502);
    assert_false(match(f, OTW_LT_ETHERNET, &b));
    otw_filter_free(f);
    otw_filter_free(fv);
}

static void test_bad_bpf(void **state)
{
    (void)state;
    struct otw_err err;
    struct otw_filter *f = otw_filter_new();

    memset(&err, 0, sizeof(err));
    assert_int_equal(otw_filter_add(f, "tcp prot 502 ((", &err), OTW_EINVAL);
    assert_non_null(strstr(err.msg, "tcp prot 502 (("));
    assert_false(otw_filter_active(f));
    /* Not a preset name either. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(otw_filter_add(f, "ot-basik", &err), OTW_EINVAL);
    assert_non_null(strstr(err.msg, "ot-basik"));
    assert_false(otw_filter_active(f));

    /* At most 8 expressions. */
    for (int i = 0; i < 8; i++)
        assert_int_equal(otw_filter_add(f, "ip", &err), 0);
    assert_int_equal(otw_filter_add(f, "ip", &err), OTW_EINVAL);
    assert_true(strlen(err.msg) > 0);
    otw_filter_free(f);
}

static void test_bpf_not_for_linktype(void **state)
{
    (void)state;
    struct otw_err err;
    struct otw_filter *f = otw_filter_new();
    struct pb b;
    const char *w;

    assert_int_equal(otw_filter_add(f, "ether host 00:11:22:33:44:55", &err), 0);
    /* On Ethernet it works (pb_mac_a is the source). */
    v4(&b, pb_mac_b, 0, B4, 6, 502);
    assert_true(match(f, OTW_LT_ETHERNET, &b));
    memcpy(b.b + 6, pb_mac_b, 6);
    assert_false(match(f, OTW_LT_ETHERNET, &b));
    assert_null(otw_filter_take_warning(f));

    /* On raw IP there is no Ethernet header: dropped, with one warning. */
    pb_init(&b);
    pb_ipv4(&b, A4, B4, 6);
    pb_tcp(&b, 40000, 502, 1, 0, OTW_TCP_SYN, 20);
    pb_fix(&b);
    assert_false(match(f, OTW_LT_RAW, &b));
    w = otw_filter_take_warning(f);
    assert_non_null(w);
    assert_non_null(strstr(w, "ether host 00:11:22:33:44:55"));
    assert_non_null(strstr(w, "101"));
    assert_null(otw_filter_take_warning(f));
    assert_false(match(f, OTW_LT_RAW, &b));
    assert_null(otw_filter_take_warning(f));
    /* Ethernet still works afterwards. */
    v4(&b, pb_mac_b, 0, B4, 6, 502);
    assert_true(match(f, OTW_LT_ETHERNET, &b));
    otw_filter_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ot_basic),
        cmocka_unit_test(test_all_preset),
        cmocka_unit_test(test_bpf),
        cmocka_unit_test(test_bad_bpf),
        cmocka_unit_test(test_bpf_not_for_linktype),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
