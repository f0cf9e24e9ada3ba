/*
 * test_l2seen.c - the inventory side table: counts per (MAC, IP, kind, VLAN)
 * of packets that are not sessions, drained to a callback.
 *
 * Packets come from otw_decode() of frames built with pktbuild.h, as the
 * import path produces them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "flow/l2seen.h"
#include "pktbuild.h"

#define SEC 1000000LL
#define T0 (1700000000LL * SEC)

struct sink {
    struct otw_l2_row *rows;
    size_t n, cap;
    size_t calls;
    size_t first_call_rows;     /* rows handed over by the first callback */
};

static void on_flush(void *ctx, const struct otw_l2_row *rows, size_t n)
{
    struct sink *k = ctx;

    assert_true(n > 0);
    if (k->calls++ == 0)
        k->first_call_rows = n;
    if (k->n + n > k->cap) {
        k->cap = (k->n + n) * 2;
        k->rows = realloc(k->rows, k->cap * sizeof(*k->rows));
        assert_non_null(k->rows);
    }
    memcpy(k->rows + k->n, rows, n * sizeof(*rows));
    k->n += n;
}

static void decode(const struct pb *b, struct otw_pkt *p)
{
    int rc = otw_decode(OTW_LT_ETHERNET, b->b, (uint32_t)b->n, (uint32_t)b->n, p);
    assert_true(rc == OTW_DEC_L2 || rc == OTW_DEC_IP);
}

static void arp_frame(struct pb *b, const uint8_t mac[6], uint16_t op, uint32_t spa, uint32_t tpa,
                      uint16_t vid)
{
    pb_init(b);
    if (vid) {
        pb_eth(b, pb_mac_bcast, mac, 0x8100);
        pb_vlan(b, 0, vid, 0x0806);
    } else {
        pb_eth(b, pb_mac_bcast, mac, 0x0806);
    }
    pb_be16(b, 1);
    pb_be16(b, 0x0800);
    pb_u8(b, 6);
    pb_u8(b, 4);
    pb_be16(b, op);
    pb_bytes(b, mac, 6);
    pb_be32(b, spa);
    pb_bytes(b, (const uint8_t[6]){0}, 6);
    pb_be32(b, tpa);
}

static const struct otw_l2_row *find(const struct sink *k, const uint8_t mac[6], uint32_t ip,
                                     const char *kind, uint16_t vlan)
{
    uint8_t want[16];

    memset(want, 0, 16);
    if (ip != 0)
        pb_v4mapped(want, ip);
    for (size_t i = 0; i < k->n; i++) {
        const struct otw_l2_row *r = &k->rows[i];
        if (memcmp(r->mac, mac, 6) == 0 && memcmp(r->ip, want, 16) == 0 &&
            r->has_ip == (ip != 0) && strcmp(r->kind, kind) == 0 && r->vlan == vlan)
            return r;
    }
    return NULL;
}

static void test_arp_counts(void **state)
{
    (void)state;
    struct sink k = {0};
    struct otw_l2seen *t = otw_l2seen_new(100, on_flush, &k);
    struct pb b;
    struct otw_pkt p;
    const struct otw_l2_row *r;

    assert_non_null(t);
    arp_frame(&b, pb_mac_a, 1, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0);
    decode(&b, &p);
    assert_true(p.flags & OTW_PF_ARP_OK);
    otw_l2seen_add(t, T0 + 5, &p);
    otw_l2seen_add(t, T0, &p);          /* out of order: first_us still the earliest */
    otw_l2seen_add(t, T0 + 9, &p);
    /* The reply, sent by the other host to a unicast MAC. */
    arp_frame(&b, pb_mac_b, 2, IP4(10, 0, 0, 2), IP4(10, 0, 0, 1), 0);
    memcpy(b.b, pb_mac_a, 6);
    decode(&b, &p);
    otw_l2seen_add(t, T0 + 1, &p);
    otw_l2seen_add(t, T0 + 2, &p);
    /* An ARP probe (RFC 5227): sender IP 0.0.0.0, no address to record. */
    arp_frame(&b, pb_mac_a, 1, 0, IP4(10, 0, 0, 1), 0);
    decode(&b, &p);
    otw_l2seen_add(t, T0 + 3, &p);
    /* The same host's ARP on VLAN 7 is another row. */
    arp_frame(&b, pb_mac_a, 1, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 7);
    decode(&b, &p);
    otw_l2seen_add(t, T0 + 4, &p);
    assert_int_equal(k.calls, 0);

    otw_l2seen_drain(t);
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.n, 4);
    r = find(&k, pb_mac_a, IP4(10, 0, 0, 1), "arp", 0);
    assert_non_null(r);
    assert_int_equal(r->packets, 3);
    assert_int_equal(r->first_us, T0);
    assert_int_equal(r->last_us, T0 + 9);
    r = find(&k, pb_mac_b, IP4(10, 0, 0, 2), "arp", 0);
    assert_non_null(r);
    assert_int_equal(r->packets, 2);
    r = find(&k, pb_mac_a, 0, "arp", 0);
    assert_non_null(r);
    assert_int_equal(r->packets, 1);
    assert_false(r->has_ip);
    r = find(&k, pb_mac_a, IP4(10, 0, 0, 1), "arp", 7);
    assert_non_null(r);
    assert_int_equal(r->packets, 1);

    /* Drained means empty: draining again hands over nothing. */
    otw_l2seen_drain(t);
    assert_int_equal(k.calls, 1);
    otw_l2seen_free(t);
    otw_l2seen_free(NULL);
    free(k.rows);
}

static void udp_frame(struct pb *b, const uint8_t *dmac, uint32_t sip, uint32_t dip,
                      uint16_t sp, uint16_t dp)
{
    pb_init(b);
    pb_eth(b, dmac, pb_mac_a, 0x0800);
    pb_ipv4(b, sip, dip, 17);
    pb_udp(b, sp, dp);
    pb_data(b, 8);
    pb_fix(b);
}

static void test_kinds(void **state)
{
    (void)state;
    static const uint8_t a6[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t sn6[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2};
    static const uint8_t mac6[6] = {0x33, 0x33, 0xff, 0, 0, 2};
    struct pb b;
    struct otw_pkt p;

    arp_frame(&b, pb_mac_a, 1, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "arp");

    pb_init(&b);
    pb_eth(&b, (const uint8_t[]){0x01, 0x80, 0xc2, 0, 0, 0x0e}, pb_mac_a, 0x88cc);
    pb_data(&b, 46);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "lldp");

    pb_init(&b);
    pb_eth(&b, pb_mac_mcast, pb_mac_a, 0x8892);
    pb_data(&b, 46);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "profinet");

    pb_init(&b);
    pb_eth(&b, pb_mac_mcast, pb_mac_a, 0x88b5);
    pb_data(&b, 46);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "l2");

    /* DHCP discover: 0.0.0.0:68 -> 255.255.255.255:67, to the broadcast MAC.
     * "dhcp" wins over "bcast". */
    udp_frame(&b, pb_mac_bcast, 0, IP4(255, 255, 255, 255), 68, 67);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "dhcp");
    udp_frame(&b, pb_mac_b, IP4(10, 0, 0, 254), IP4(10, 0, 0, 9), 67, 68);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "dhcp");

    /* Other broadcast and multicast IP traffic. */
    udp_frame(&b, pb_mac_bcast, IP4(10, 0, 0, 1), IP4(10, 0, 0, 255), 137, 137);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "bcast");
    udp_frame(&b, pb_mac_mcast, IP4(10, 0, 0, 1), IP4(239, 0, 0, 1), 5000, 5000);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "mcast");

    /* IPv6 neighbour solicitation, to a multicast MAC: "ipv6-nd" wins. */
    pb_init(&b);
    pb_eth(&b, mac6, pb_mac_a, 0x86dd);
    pb_ipv6(&b, a6, sn6, 58);
    pb_icmp(&b, 135, 0, 0);
    pb_data(&b, 16);
    pb_fix(&b);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "ipv6-nd");
    /* ICMPv6 echo to the same MAC is just multicast. */
    b.b[14 + 40] = 128;
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "mcast");

    /* Unicast IP that a filter dropped. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(&b, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1);
    pb_icmp(&b, 8, 0, 0);
    pb_fix(&b);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "icmp");
    udp_frame(&b, pb_mac_b, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 1, 2);
    decode(&b, &p);
    assert_string_equal(otw_l2seen_kind(&p), "ip");
}

/* DHCP discover from 0.0.0.0 is counted by MAC without an IP. */
static void test_ip_without_address(void **state)
{
    (void)state;
    struct sink k = {0};
    struct otw_l2seen *t = otw_l2seen_new(10, on_flush, &k);
    struct pb b;
    struct otw_pkt p;
    const struct otw_l2_row *r;

    udp_frame(&b, pb_mac_bcast, 0, IP4(255, 255, 255, 255), 68, 67);
    decode(&b, &p);
    otw_l2seen_add(t, T0, &p);
    otw_l2seen_add(t, T0 + 1, &p);
    udp_frame(&b, pb_mac_bcast, IP4(10, 0, 0, 1), IP4(10, 0, 0, 255), 137, 137);
    decode(&b, &p);
    otw_l2seen_add(t, T0 + 2, &p);
    otw_l2seen_drain(t);
    assert_int_equal(k.n, 2);
    r = find(&k, pb_mac_a, 0, "dhcp", 0);
    assert_non_null(r);
    assert_int_equal(r->packets, 2);
    r = find(&k, pb_mac_a, IP4(10, 0, 0, 1), "bcast", 0);
    assert_non_null(r);
    assert_int_equal(r->packets, 1);
    otw_l2seen_free(t);
    free(k.rows);
}

/*
 * Many distinct senders through a small table: it hands its rows over when
 * it fills (holding at least `cap` rows first, at most about 3/4 of its
 * slots), and no packet is lost: the drained counts add up to the packets.
 */
static void test_fill_and_account(void **state)
{
    (void)state;
    const size_t cap = 64;
    struct sink k = {0};
    struct otw_l2seen *t = otw_l2seen_new(cap, on_flush, &k);
    struct pb b;
    struct otw_pkt p;
    uint64_t added = 0, drained = 0;
    uint64_t per_host[1000] = {0};

    assert_non_null(t);
    for (int round = 0; round < 7; round++) {
        for (uint32_t h = 0; h < 1000; h++) {
            uint8_t mac[6] = {0x02, 0, 0, 0, (uint8_t)(h >> 8), (uint8_t)h};
            if ((h * 7 + (uint32_t)round) % 3 == 0)
                continue;   /* not every host every round */
            arp_frame(&b, mac, 1, IP4(10, 1, h >> 8, h & 0xff), IP4(10, 1, 0, 1), 0);
            decode(&b, &p);
            otw_l2seen_add(t, T0 + round * SEC + h, &p);
            added++;
            per_host[h]++;
        }
        if (round == 0) {
            /* 666 distinct rows cannot fit a table for 64. */
            assert_true(k.calls > 0);
            assert_true(k.first_call_rows >= cap);
            assert_true(k.first_call_rows <= 2 * cap);
        }
    }
    otw_l2seen_drain(t);
    for (size_t i = 0; i < k.n; i++) {
        const struct otw_l2_row *r = &k.rows[i];
        uint32_t h = ((uint32_t)r->mac[4] << 8) | r->mac[5];
        assert_true(h < 1000);
        assert_string_equal(r->kind, "arp");
        assert_true(r->has_ip);
        assert_int_equal(r->ip[14], h >> 8);
        assert_int_equal(r->ip[15], h & 0xff);
        assert_true(r->packets >= 1);
        drained += r->packets;
        assert_true(per_host[h] >= r->packets);
        per_host[h] -= r->packets;
    }
    assert_int_equal(drained, added);
    for (int h = 0; h < 1000; h++)
        assert_int_equal(per_host[h], 0);
    otw_l2seen_free(t);
    free(k.rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arp_counts),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_ip_without_address),
        cmocka_unit_test(test_fill_and_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
