/*
 * test_decode.c - otw_decode() on frames built byte by byte (pktbuild.h).
 *
 * Each well-formed case checks every field of struct otw_pkt that the frame
 * defines; each malformed case checks the name the decoder documents in
 * pkt->malformed. The decoder gets an exact-size heap copy of the captured
 * bytes, so that AddressSanitizer catches any read past caplen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/reader.h"
#include "core/session.h"
#include "decode/decode.h"
#include "pktbuild.h"

#define A4 IP4(10, 0, 0, 1)
#define B4 IP4(10, 0, 0, 2)

static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* Decoded view of the last frame: the copy stays alive until the next call
 * so that tests can check payload pointers against it. */
static uint8_t *g_copy;

static int dec(int lt, const struct pb *b, uint32_t caplen, uint32_t wire, struct otw_pkt *p)
{
    free(g_copy);
    g_copy = malloc(caplen ? caplen : 1);
    assert_non_null(g_copy);
    memcpy(g_copy, b->b, caplen);
    return otw_decode(lt, g_copy, caplen, wire, p);
}

static int dec_all(int lt, const struct pb *b, struct otw_pkt *p)
{
    return dec(lt, b, (uint32_t)b->n, (uint32_t)b->n, p);
}

static int teardown(void **state)
{
    (void)state;
    free(g_copy);
    g_copy = NULL;
    return 0;
}

static void assert_v4(const uint8_t ip[16], uint32_t a)
{
    uint8_t want[16];
    pb_v4mapped(want, a);
    assert_memory_equal(ip, want, 16);
}

/* The fields every non-ICMP, non-ARP IPv4 TCP/UDP frame shares. */
static void assert_no_arp_icmp(const struct otw_pkt *p)
{
    static const uint8_t z[6];
    assert_int_equal(p->arp_op, 0);
    assert_memory_equal(p->arp_sha, z, 6);
    assert_int_equal(p->icmp_type, -1);
    assert_int_equal(p->icmp_code, -1);
}

/* --- Ethernet, VLAN, LLC, MPLS, PPPoE ------------------------------------ */

static void test_ethernet_tcp(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(&b, A4, B4, 6);
    pb_tcp(&b, 49152, 502, 1000, 2000, OTW_TCP_PSH | OTW_TCP_ACK, 20);
    pb_data(&b, 12);
    pb_fix(&b);

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_PORTS);
    assert_int_equal(p.l2kind, OTW_L2_IP);
    assert_int_equal(p.nvlan, 0);
    assert_int_equal(p.ethertype, 0x0800);
    assert_memory_equal(p.src_mac, pb_mac_a, 6);
    assert_memory_equal(p.dst_mac, pb_mac_b, 6);
    assert_int_equal(p.ipver, 4);
    assert_int_equal(p.proto, 6);
    assert_v4(p.src_ip, A4);
    assert_v4(p.dst_ip, B4);
    assert_int_equal(p.frag_id, 0x1234);
    assert_int_equal(p.sport, 49152);
    assert_int_equal(p.dport, 502);
    assert_int_equal(p.tcp_flags, OTW_TCP_PSH | OTW_TCP_ACK);
    assert_int_equal(p.tcp_seq, 1000);
    assert_int_equal(p.tcp_ack, 2000);
    assert_no_arp_icmp(&p);
    assert_int_equal(p.payload_len, 12);
    assert_ptr_equal(p.payload, g_copy + 54);
    assert_int_equal(p.payload_cap, 12);
    assert_int_equal(p.payload[0], 0);
    assert_int_equal(p.payload[11], 11);
}

static void test_vlan_8021q(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x8100);
    pb_vlan(&b, 5, 100, 0x0800);       /* PCP 5 must not leak into the id */
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 5000, 20000);
    pb_data(&b, 6);
    pb_fix(&b);

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.nvlan, 1);
    assert_int_equal(p.vlan[0], 100);
    assert_int_equal(p.vlan[1], 0);
    assert_int_equal(p.ethertype, 0x0800);
    assert_int_equal(p.l2kind, OTW_L2_IP);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_PORTS);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 5000);
    assert_int_equal(p.dport, 20000);
    assert_int_equal(p.payload_len, 6);
    assert_ptr_equal(p.payload, g_copy + 18 + 28);
    assert_int_equal(p.payload_cap, 6);
}

static void test_qinq(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x88a8);
    pb_vlan(&b, 0, 200, 0x8100);
    pb_vlan(&b, 7, 4095, 0x0800);
    pb_ipv4(&b, A4, B4, 6);
    pb_tcp(&b, 40000, 102, 1, 0, OTW_TCP_SYN, 20);
    pb_fix(&b);

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.nvlan, 2);
    assert_int_equal(p.vlan[0], 200);
    assert_int_equal(p.vlan[1], 4095);
    assert_int_equal(p.ethertype, 0x0800);
    assert_int_equal(p.sport, 40000);
    assert_int_equal(p.dport, 102);
    assert_int_equal(p.tcp_flags, OTW_TCP_SYN);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload_cap, 0);
}

/* Three tags: only the outer two are kept, the packet still decodes. */
static void test_three_vlans(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x88a8);
    pb_vlan(&b, 0, 10, 0x8100);
    pb_vlan(&b, 0, 20, 0x8100);
    pb_vlan(&b, 0, 30, 0x0800);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 1, 2);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.nvlan, 2);
    assert_int_equal(p.vlan[0], 10);
    assert_int_equal(p.vlan[1], 20);
    assert_int_equal(p.sport, 1);
    assert_int_equal(p.dport, 2);
}

static void build_arp(struct pb *b, uint16_t op, uint32_t spa, uint32_t tpa)
{
    pb_be16(b, 1);
    pb_be16(b, 0x0800);
    pb_u8(b, 6);
    pb_u8(b, 4);
    pb_be16(b, op);
    pb_bytes(b, pb_mac_a, 6);
    pb_be32(b, spa);
    pb_bytes(b, (const uint8_t[6]){0}, 6);
    pb_be32(b, tpa);
}

static void test_llc_snap_arp(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_bcast, pb_mac_a, 36);    /* 802.3 length: 8 LLC/SNAP + 28 ARP */
    pb_bytes(&b, (const uint8_t[]){0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06}, 8);
    build_arp(&b, 1, IP4(192, 168, 1, 10), IP4(192, 168, 1, 1));

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_L2);
    assert_null(p.malformed);
    assert_int_equal(p.l2kind, OTW_L2_ARP);
    assert_int_equal(p.ethertype, 0x0806);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_L2_BCAST | OTW_PF_ARP_OK);
    assert_int_equal(p.arp_op, 1);
    assert_memory_equal(p.arp_sha, pb_mac_a, 6);
    assert_memory_equal(p.arp_spa, ((const uint8_t[]){192, 168, 1, 10}), 4);
    assert_memory_equal(p.arp_tpa, ((const uint8_t[]){192, 168, 1, 1}), 4);
    assert_int_equal(p.ipver, 0);
}

static void test_arp(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* Reply, unicast. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0806);
    build_arp(&b, 2, IP4(10, 1, 2, 3), IP4(10, 1, 2, 4));
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_L2);
    assert_null(p.malformed);
    assert_int_equal(p.l2kind, OTW_L2_ARP);
    assert_int_equal(p.ethertype, 0x0806);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_ARP_OK);
    assert_int_equal(p.arp_op, 2);
    assert_memory_equal(p.arp_sha, pb_mac_a, 6);
    assert_memory_equal(p.arp_spa, ((const uint8_t[]){10, 1, 2, 3}), 4);
    assert_memory_equal(p.arp_tpa, ((const uint8_t[]){10, 1, 2, 4}), 4);
    assert_int_equal(p.ipver, 0);
    assert_int_equal(p.icmp_type, -1);

    /* Cut before the target address: ARP kind, but the fields are not valid. */
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 14 + 20, (uint32_t)b.n, &p), OTW_DEC_L2);
    assert_int_equal(p.l2kind, OTW_L2_ARP);
    assert_false(p.flags & OTW_PF_ARP_OK);
    assert_null(p.malformed);

    /* Not Ethernet/IPv4 ARP (hlen 8). */
    b.b[14 + 4] = 8;
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_L2);
    assert_string_equal(p.malformed, "arp.bad_lengths");
    assert_false(p.flags & OTW_PF_ARP_OK);
}

static void test_l2_kinds(void **state)
{
    (void)state;
    static const struct {
        uint16_t type;
        int kind;
    } cases[] = {{0x88cc, OTW_L2_LLDP}, {0x8892, OTW_L2_PROFINET}, {0x88b5, OTW_L2_OTHER}};
    struct pb b;
    struct otw_pkt p;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pb_init(&b);
        pb_eth(&b, pb_mac_mcast, pb_mac_a, cases[i].type);
        pb_data(&b, 46);
        assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_L2);
        assert_int_equal(p.l2kind, cases[i].kind);
        assert_int_equal(p.ethertype, cases[i].type);
        assert_int_equal(p.ipver, 0);
        assert_null(p.malformed);
    }
    /* 802.3 + STP (DSAP/SSAP 0x42) and CDP (SNAP OUI 00:00:0c type 0x2000). */
    pb_init(&b);
    pb_eth(&b, pb_mac_mcast, pb_mac_a, 38);
    pb_bytes(&b, (const uint8_t[]){0x42, 0x42, 0x03}, 3);
    pb_data(&b, 35);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_L2);
    assert_int_equal(p.l2kind, OTW_L2_STP);
    pb_init(&b);
    pb_eth(&b, pb_mac_mcast, pb_mac_a, 46);
    pb_bytes(&b, (const uint8_t[]){0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00}, 8);
    pb_data(&b, 38);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_L2);
    assert_int_equal(p.l2kind, OTW_L2_CDP);
}

static void test_mpls(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x8847);
    pb_be32(&b, (16u << 12) | 64);              /* label 16, not bottom */
    pb_be32(&b, (17u << 12) | 0x100 | 64);      /* label 17, bottom of stack */
    pb_ipv4(&b, A4, B4, 6);
    pb_tcp(&b, 50001, 2404, 7, 8, OTW_TCP_ACK, 20);
    pb_data(&b, 9);
    pb_fix(&b);

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.l2kind, OTW_L2_IP);
    assert_int_equal(p.ethertype, 0x0800);
    assert_int_equal(p.ipver, 4);
    assert_v4(p.src_ip, A4);
    assert_v4(p.dst_ip, B4);
    assert_int_equal(p.sport, 50001);
    assert_int_equal(p.dport, 2404);
    assert_int_equal(p.payload_len, 9);
    assert_ptr_equal(p.payload, g_copy + 14 + 8 + 40);
}

static void test_pppoe(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x8864);
    pb_u8(&b, 0x11);
    pb_u8(&b, 0x00);
    pb_be16(&b, 0x0042);
    pb_be16(&b, 2 + 20 + 8 + 4);
    pb_be16(&b, 0x0021);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 123, 123);
    pb_data(&b, 4);
    pb_fix(&b);

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.ethertype, 0x0800);
    assert_int_equal(p.l2kind, OTW_L2_IP);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 123);
    assert_int_equal(p.dport, 123);
    assert_int_equal(p.payload_len, 4);
    assert_int_equal(p.payload_cap, 4);
    assert_ptr_equal(p.payload, g_copy + 14 + 8 + 28);
}

/* --- other link types ------------------------------------------------------ */

static void build_sll(struct pb *b, int v2, uint8_t pkttype, uint16_t proto)
{
    if (v2) {
        pb_be16(b, proto);
        pb_be16(b, 0);
        pb_be32(b, 3);          /* ifindex */
        pb_be16(b, 1);          /* ARPHRD_ETHER */
        pb_u8(b, pkttype);
        pb_u8(b, 6);
        pb_bytes(b, pb_mac_a, 6);
        pb_be16(b, 0);
    } else {
        pb_be16(b, pkttype);
        pb_be16(b, 1);
        pb_be16(b, 6);
        pb_bytes(b, pb_mac_a, 6);
        pb_be16(b, 0);
        pb_be16(b, proto);
    }
}

static void test_linux_sll(void **state)
{
    (void)state;
    static const uint8_t zero[6];

    for (int v2 = 0; v2 <= 1; v2++) {
        static const struct {
            uint8_t pkttype;
            uint16_t flag;
        } pt[] = {{0, 0}, {1, OTW_PF_L2_BCAST}, {2, OTW_PF_L2_MCAST}, {4, 0}};
        int lt = v2 ? OTW_LT_LINUX_SLL2 : OTW_LT_LINUX_SLL;
        size_t hl = v2 ? 20 : 16;

        for (size_t i = 0; i < sizeof(pt) / sizeof(pt[0]); i++) {
            struct pb b;
            struct otw_pkt p;

            pb_init(&b);
            build_sll(&b, v2, pt[i].pkttype, 0x0800);
            assert_int_equal(b.n, hl);
            pb_ipv4(&b, A4, IP4(10, 0, 0, 255), 17);
            pb_udp(&b, 47808, 47808);
            pb_data(&b, 10);
            pb_fix(&b);

            assert_int_equal(dec_all(lt, &b, &p), OTW_DEC_IP);
            assert_null(p.malformed);
            assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_PORTS | pt[i].flag);
            assert_memory_equal(p.src_mac, pb_mac_a, 6);
            assert_memory_equal(p.dst_mac, zero, 6);
            assert_int_equal(p.ethertype, 0x0800);
            assert_int_equal(p.l2kind, OTW_L2_IP);
            assert_v4(p.src_ip, A4);
            assert_v4(p.dst_ip, IP4(10, 0, 0, 255));
            assert_int_equal(p.sport, 47808);
            assert_int_equal(p.payload_len, 10);
            assert_ptr_equal(p.payload, g_copy + hl + 28);
        }
        /* A header cut short. */
        {
            struct pb b;
            struct otw_pkt p;
            pb_init(&b);
            build_sll(&b, v2, 0, 0x0800);
            assert_int_equal(dec(lt, &b, (uint32_t)hl - 1, (uint32_t)hl - 1, &p), OTW_DEC_NONE);
            assert_string_equal(p.malformed, "sll.short");
        }
    }
}

static void build_v4_tcp(struct pb *b)
{
    pb_ipv4(b, A4, B4, 6);
    pb_tcp(b, 33000, 44818, 5, 6, OTW_TCP_ACK, 20);
    pb_data(b, 3);
    pb_fix(b);
}

static void build_v6_tcp(struct pb *b)
{
    pb_ipv6(b, a6, b6, 6);
    pb_tcp(b, 33000, 4840, 5, 6, OTW_TCP_ACK | OTW_TCP_FIN, 20);
    pb_data(b, 3);
    pb_fix(b);
}

static void check_raw(const struct otw_pkt *p, int ver)
{
    assert_null(p->malformed);
    assert_int_equal(p->l2kind, OTW_L2_NONE);
    assert_int_equal(p->flags, OTW_PF_PORTS);
    assert_int_equal(p->nvlan, 0);
    assert_int_equal(p->ipver, ver);
    assert_int_equal(p->ethertype, ver == 4 ? 0x0800 : 0x86dd);
    assert_int_equal(p->proto, 6);
    assert_int_equal(p->sport, 33000);
    assert_int_equal(p->payload_len, 3);
    if (ver == 4) {
        assert_v4(p->src_ip, A4);
        assert_v4(p->dst_ip, B4);
        assert_int_equal(p->dport, 44818);
    } else {
        assert_memory_equal(p->src_ip, a6, 16);
        assert_memory_equal(p->dst_ip, b6, 16);
        assert_int_equal(p->dport, 4840);
        assert_int_equal(p->tcp_flags, OTW_TCP_ACK | OTW_TCP_FIN);
    }
}

static void test_raw_ip(void **state)
{
    (void)state;
    static const int lts[] = {OTW_LT_RAW, 12, 14, OTW_LT_IPV4, OTW_LT_IPV6};
    struct pb b4, b6x;
    struct otw_pkt p;

    pb_init(&b4);
    build_v4_tcp(&b4);
    pb_init(&b6x);
    build_v6_tcp(&b6x);
    for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
        assert_true(otw_decode_linktype_supported(lts[i]));
        assert_int_equal(dec_all(lts[i], &b4, &p), OTW_DEC_IP);
        check_raw(&p, 4);
        assert_ptr_equal(p.payload, g_copy + 40);
        assert_int_equal(dec_all(lts[i], &b6x, &p), OTW_DEC_IP);
        check_raw(&p, 6);
        assert_ptr_equal(p.payload, g_copy + 60);
    }
    /* Not IP at all. */
    b4.b[0] = 0x55;
    assert_int_equal(dec_all(OTW_LT_RAW, &b4, &p), OTW_DEC_NONE);
    assert_string_equal(p.malformed, "raw.not_ip");
    /* Empty. */
    assert_int_equal(dec(OTW_LT_RAW, &b4, 0, 0, &p), OTW_DEC_NONE);
    /* A link type nobody decodes. */
    assert_false(otw_decode_linktype_supported(147));
    assert_int_equal(dec_all(147, &b4, &p), OTW_DEC_UNSUPPORTED);
}

static void test_bsd_null_loop(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* NULL, written on a little-endian host: AF_INET = 2. */
    pb_init(&b);
    pb_le32(&b, 2);
    build_v4_tcp(&b);
    assert_int_equal(dec_all(OTW_LT_NULL, &b, &p), OTW_DEC_IP);
    check_raw(&p, 4);
    assert_ptr_equal(p.payload, g_copy + 44);

    /* NULL, written on a big-endian host. */
    pb_init(&b);
    pb_be32(&b, 2);
    build_v4_tcp(&b);
    assert_int_equal(dec_all(OTW_LT_NULL, &b, &p), OTW_DEC_IP);
    check_raw(&p, 4);

    /* NULL with AF_INET6 of the BSDs (24, 28, 30) and Linux (10). */
    {
        static const uint32_t afs[] = {10, 24, 28, 30};
        for (size_t i = 0; i < 4; i++) {
            pb_init(&b);
            pb_le32(&b, afs[i]);
            build_v6_tcp(&b);
            assert_int_equal(dec_all(OTW_LT_NULL, &b, &p), OTW_DEC_IP);
            check_raw(&p, 6);
        }
    }

    /* LOOP: network order. */
    pb_init(&b);
    pb_be32(&b, 30);
    build_v6_tcp(&b);
    assert_int_equal(dec_all(OTW_LT_LOOP, &b, &p), OTW_DEC_IP);
    check_raw(&p, 6);
    pb_init(&b);
    pb_be32(&b, 2);
    build_v4_tcp(&b);
    assert_int_equal(dec_all(OTW_LT_LOOP, &b, &p), OTW_DEC_IP);
    check_raw(&p, 4);

    /* Another address family: link layer only. */
    pb_init(&b);
    pb_le32(&b, 7);
    pb_data(&b, 20);
    assert_int_equal(dec_all(OTW_LT_NULL, &b, &p), OTW_DEC_L2);
    assert_int_equal(p.l2kind, OTW_L2_OTHER);
    assert_int_equal(p.ipver, 0);
    /* Too short for the family. */
    assert_int_equal(dec(OTW_LT_NULL, &b, 3, 3, &p), OTW_DEC_NONE);
}

/* --- IPv4 ------------------------------------------------------------------ */

static void test_ipv4_options(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4_opt(&b, A4, B4, 6, 0x0101, 0, 12);    /* IHL 8 */
    pb_tcp(&b, 2000, 20000, 1, 2, OTW_TCP_ACK, 20);
    pb_data(&b, 5);
    pb_fix(&b);

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_PORTS);
    assert_int_equal(p.frag_id, 0x0101);
    assert_int_equal(p.sport, 2000);
    assert_int_equal(p.dport, 20000);
    assert_int_equal(p.payload_len, 5);
    assert_ptr_equal(p.payload, g_copy + 14 + 32 + 20);
    assert_int_equal(p.payload_cap, 5);

    /* The frame ends inside the options: IP, but truncated and no ports. */
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 14 + 28, (uint32_t)b.n, &p), OTW_DEC_IP);
    assert_int_equal(p.ipver, 4);
    assert_true(p.flags & OTW_PF_TRUNC);
    assert_false(p.flags & OTW_PF_PORTS);
    assert_null(p.malformed);
}

static void test_ipv4_fragments(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* First fragment (MF, offset 0) of a 108-byte UDP datagram: 8 + 16 here. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4_opt(&b, A4, B4, 17, 0xbeef, 0x2000, 0);
    pb_udp(&b, 2222, 44818);
    pb_data(&b, 16);
    pb_fix(&b);
    pb_put16(&b, 14 + 20 + 4, 108);     /* UDP length covers the whole datagram */

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_PORTS | OTW_PF_FRAG);
    assert_int_equal(p.frag_id, 0xbeef);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 2222);
    assert_int_equal(p.dport, 44818);
    assert_int_equal(p.payload_len, 16);
    assert_int_equal(p.payload_cap, 16);

    /* A later fragment: offset 3 (24 bytes), no MF, 84 bytes of data. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4_opt(&b, A4, B4, 17, 0xbeef, 0x0003, 0);
    pb_data(&b, 84);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_FRAG | OTW_PF_FRAG_LATER);
    assert_int_equal(p.frag_id, 0xbeef);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 0);
    assert_int_equal(p.dport, 0);
    assert_int_equal(p.payload_len, 84);
    assert_null(p.payload);

    /* A middle fragment (MF and an offset), TCP: still no ports read. */
    pb_init(&b);
    pb_ipv4_opt(&b, A4, B4, 6, 7, 0x2000 | 0x00b9, 0);
    pb_tcp(&b, 1, 2, 3, 4, OTW_TCP_SYN, 20);   /* bytes that look like TCP but are data */
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_int_equal(p.flags, OTW_PF_FRAG | OTW_PF_FRAG_LATER);
    assert_int_equal(p.tcp_flags, 0);
    assert_int_equal(p.sport, 0);
    assert_int_equal(p.payload_len, 20);

    /* DF alone is not a fragment. */
    pb_init(&b);
    pb_ipv4_opt(&b, A4, B4, 17, 7, 0x4000, 0);
    pb_udp(&b, 1, 2);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_int_equal(p.flags, OTW_PF_PORTS);
}

/* --- IPv6 ------------------------------------------------------------------ */

static void test_ipv6_ext_headers(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* hop-by-hop (8) -> destination options (16) -> fragment (8, first, M) -> UDP */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x86dd);
    pb_ipv6(&b, a6, b6, 0);
    pb_ipv6_ext(&b, 60, 0);
    pb_ipv6_ext(&b, 44, 1);
    pb_ipv6_frag(&b, 17, 0, 1, 0xdeadbeef);
    pb_udp(&b, 546, 547);
    pb_data(&b, 20);
    pb_fix(&b);

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.ethertype, 0x86dd);
    assert_int_equal(p.l2kind, OTW_L2_IP);
    assert_int_equal(p.ipver, 6);
    assert_int_equal(p.proto, 17);
    assert_memory_equal(p.src_ip, a6, 16);
    assert_memory_equal(p.dst_ip, b6, 16);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_PORTS | OTW_PF_FRAG);
    assert_int_equal(p.frag_id, 0xdeadbeef);
    assert_int_equal(p.sport, 546);
    assert_int_equal(p.dport, 547);
    assert_int_equal(p.payload_len, 20);
    assert_ptr_equal(p.payload, g_copy + 14 + 40 + 8 + 16 + 8 + 8);
    assert_int_equal(p.payload_cap, 20);

    /* The same chain, a later fragment (offset 100 * 8). */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x86dd);
    pb_ipv6(&b, a6, b6, 0);
    pb_ipv6_ext(&b, 60, 0);
    pb_ipv6_ext(&b, 44, 1);
    pb_ipv6_frag(&b, 17, 100, 0, 0xdeadbeef);
    pb_data(&b, 40);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_FRAG | OTW_PF_FRAG_LATER);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.frag_id, 0xdeadbeef);
    assert_int_equal(p.payload_len, 40);
    assert_int_equal(p.sport, 0);

    /* Routing header (43) then TCP. */
    pb_init(&b);
    pb_ipv6(&b, a6, b6, 43);
    pb_ipv6_ext(&b, 6, 2);
    pb_tcp(&b, 1234, 80, 9, 9, OTW_TCP_SYN, 24);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_IPV6, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.proto, 6);
    assert_int_equal(p.sport, 1234);
    assert_int_equal(p.dport, 80);
    assert_int_equal(p.payload_len, 0);
}

/* --- transport ------------------------------------------------------------- */

static void test_tcp_flags_and_snaplen(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;
    const uint8_t all = OTW_TCP_FIN | OTW_TCP_SYN | OTW_TCP_RST | OTW_TCP_PSH | OTW_TCP_ACK |
                        OTW_TCP_URG | OTW_TCP_ECE | OTW_TCP_CWR;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(&b, A4, B4, 6);
    pb_tcp(&b, 49999, 502, 0xfffffffe, 0x80000001, all, 32);   /* 12 bytes of options */
    pb_data(&b, 100);
    pb_fix(&b);
    assert_int_equal(b.n, 14 + 20 + 32 + 100);

    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_int_equal(p.tcp_flags, all);
    assert_int_equal(p.tcp_seq, 0xfffffffe);
    assert_int_equal(p.tcp_ack, 0x80000001);
    assert_int_equal(p.payload_len, 100);
    assert_int_equal(p.payload_cap, 100);
    assert_ptr_equal(p.payload, g_copy + 66);

    /* Cut by a snapshot length of 96: the on-wire payload is still 100. */
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 96, (uint32_t)b.n, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_PORTS);
    assert_int_equal(p.tcp_flags, all);
    assert_int_equal(p.payload_len, 100);
    assert_int_equal(p.payload_cap, 30);
    assert_ptr_equal(p.payload, g_copy + 66);

    /* Cut inside the options: header not complete, no payload in the frame. */
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 60, (uint32_t)b.n, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.flags & OTW_PF_PORTS, OTW_PF_PORTS);
    assert_int_equal(p.payload_len, 100);
    assert_int_equal(p.payload_cap, 0);
    assert_null(p.payload);

    /* Cut after the ports: ports still known, flagged truncated. */
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 14 + 20 + 6, (uint32_t)b.n, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_PORTS | OTW_PF_TRUNC);
    assert_int_equal(p.sport, 49999);
    assert_int_equal(p.dport, 502);
    assert_int_equal(p.tcp_flags, 0);
    assert_int_equal(p.payload_cap, 0);

    /* Cut inside the ports. */
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 14 + 20 + 3, (uint32_t)b.n, &p), OTW_DEC_IP);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_TRUNC);
}

static void test_ethernet_padding(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* A bare ACK: 54 bytes, padded to the 60-byte minimum. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(&b, A4, B4, 6);
    pb_tcp(&b, 49152, 502, 1, 1, OTW_TCP_ACK, 20);
    pb_fix(&b);
    while (b.n < 60)
        pb_u8(&b, 0);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload_cap, 0);

    /* UDP with 2 bytes, padded: the padding is not payload. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 49152, 161);
    pb_data(&b, 2);
    pb_fix(&b);
    while (b.n < 60)
        pb_u8(&b, 0xaa);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.payload_len, 2);
    assert_int_equal(p.payload_cap, 2);

    /* Same for TCP with 1 data byte and an FCS-like trailer. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(&b, A4, B4, 6);
    pb_tcp(&b, 49152, 502, 1, 1, OTW_TCP_ACK | OTW_TCP_PSH, 20);
    pb_data(&b, 1);
    pb_fix(&b);
    pb_be32(&b, 0xdeadbeef);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_int_equal(p.payload_len, 1);
    assert_int_equal(p.payload_cap, 1);
}

static void test_udp_length(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 20000, 20000);
    pb_data(&b, 37);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.payload_len, 37);
    assert_int_equal(p.payload_cap, 37);
    assert_ptr_equal(p.payload, g_copy + 28);

    /* UDP length shorter than the IP payload: UDP's own length wins. */
    pb_put16(&b, 24, 8 + 30);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.payload_len, 30);
    assert_int_equal(p.payload_cap, 30);

    /* UDP over IPv6. */
    pb_init(&b);
    pb_ipv6(&b, a6, b6, 17);
    pb_udp(&b, 53, 40000);
    pb_data(&b, 11);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.sport, 53);
    assert_int_equal(p.payload_len, 11);
}

static void test_icmp(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(&b, A4, B4, 1);
    pb_icmp(&b, 8, 0, 0x00010002);
    pb_data(&b, 32);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.proto, 1);
    assert_int_equal(p.icmp_type, 8);
    assert_int_equal(p.icmp_code, 0);
    assert_int_equal(p.flags, OTW_PF_MAC);
    assert_int_equal(p.sport, 0);
    assert_int_equal(p.dport, 0);
    assert_int_equal(p.payload_len, 32);

    /* Destination unreachable, port unreachable (3/3). */
    pb_init(&b);
    pb_ipv4(&b, B4, A4, 1);
    pb_icmp(&b, 3, 3, 0);
    pb_data(&b, 28);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_int_equal(p.icmp_type, 3);
    assert_int_equal(p.icmp_code, 3);

    /* ICMPv6 neighbour solicitation (135/0). */
    pb_init(&b);
    pb_eth(&b, (const uint8_t[]){0x33, 0x33, 0xff, 0, 0, 2}, pb_mac_a, 0x86dd);
    pb_ipv6(&b, a6, b6, 58);
    pb_icmp(&b, 135, 0, 0);
    pb_data(&b, 16);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.ipver, 6);
    assert_int_equal(p.proto, 58);
    assert_int_equal(p.icmp_type, 135);
    assert_int_equal(p.icmp_code, 0);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_L2_MCAST);
    assert_int_equal(p.payload_len, 16);

    /* ICMP cut after the type: type unknown, flagged truncated. */
    pb_init(&b);
    pb_ipv4(&b, A4, B4, 1);
    pb_icmp(&b, 0, 0, 0);
    pb_fix(&b);
    assert_int_equal(dec(OTW_LT_RAW, &b, 21, (uint32_t)b.n, &p), OTW_DEC_IP);
    assert_int_equal(p.icmp_type, -1);
    assert_true(p.flags & OTW_PF_TRUNC);
}

static void test_sctp_and_other(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    pb_ipv4(&b, A4, B4, 132);
    pb_be16(&b, 2905);
    pb_be16(&b, 36412);
    pb_be32(&b, 0x01020304);
    pb_be32(&b, 0);
    pb_data(&b, 20);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.proto, 132);
    assert_int_equal(p.flags, OTW_PF_PORTS);
    assert_int_equal(p.sport, 2905);
    assert_int_equal(p.dport, 36412);
    assert_int_equal(p.payload_len, 20);
    assert_int_equal(p.icmp_type, -1);

    /* GRE (47): kept by number, no ports, the whole IP payload counted. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(&b, A4, B4, 47);
    pb_be16(&b, 0);
    pb_be16(&b, 0x0800);
    pb_data(&b, 24);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.ipver, 4);
    assert_int_equal(p.proto, 47);
    assert_int_equal(p.flags, OTW_PF_MAC);
    assert_int_equal(p.sport, 0);
    assert_int_equal(p.dport, 0);
    assert_int_equal(p.payload_len, 28);
    assert_int_equal(p.icmp_type, -1);
}

static void test_l2_cast_flags(void **state)
{
    (void)state;
    static const uint8_t stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e};
    static const uint8_t almost[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
    static const uint8_t local[6] = {0x02, 0xff, 0xff, 0xff, 0xff, 0xff};
    const struct {
        const uint8_t *dst;
        uint16_t flags;
    } c[] = {
        {pb_mac_b, OTW_PF_MAC},
        {pb_mac_bcast, OTW_PF_MAC | OTW_PF_L2_BCAST},
        {pb_mac_mcast, OTW_PF_MAC | OTW_PF_L2_MCAST},
        {stp, OTW_PF_MAC | OTW_PF_L2_MCAST},
        {almost, OTW_PF_MAC | OTW_PF_L2_MCAST},
        {local, OTW_PF_MAC},  /* locally administered, unicast */
    };

    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct pb b;
        struct otw_pkt p;

        pb_init(&b);
        pb_eth(&b, c[i].dst, pb_mac_a, 0x0800);
        pb_ipv4(&b, A4, IP4(255, 255, 255, 255), 17);
        pb_udp(&b, 68, 67);
        pb_fix(&b);
        assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
        assert_int_equal(p.flags, c[i].flags | OTW_PF_PORTS);
        assert_memory_equal(p.dst_mac, c[i].dst, 6);
    }
}

/* --- malformed ------------------------------------------------------------- */

static void v4_udp_frame(struct pb *b, size_t data)
{
    pb_init(b);
    pb_eth(b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(b, A4, B4, 17);
    pb_udp(b, 1000, 2000);
    pb_data(b, data);
    pb_fix(b);
}

static void v4_tcp_frame(struct pb *b, size_t data)
{
    pb_init(b);
    pb_eth(b, pb_mac_b, pb_mac_a, 0x0800);
    pb_ipv4(b, A4, B4, 6);
    pb_tcp(b, 1000, 2000, 1, 2, OTW_TCP_ACK, 20);
    pb_data(b, data);
    pb_fix(b);
}

static void test_bad_ipv4(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* IHL 4 (16 bytes) */
    v4_tcp_frame(&b, 10);
    b.b[14] = 0x44;
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "ipv4.header_length");
    assert_false(p.flags & OTW_PF_PORTS);
    assert_int_equal(p.payload_len, 0);

    /* IHL 0 */
    b.b[14] = 0x40;
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "ipv4.header_length");

    /* Total length 19 < 20-byte header. */
    v4_tcp_frame(&b, 10);
    pb_put16(&b, 16, 19);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "ipv4.total_length");
    assert_false(p.flags & OTW_PF_PORTS);

    /* Total length 24 < 28-byte header (IHL 7). */
    pb_init(&b);
    pb_ipv4_opt(&b, A4, B4, 6, 1, 0, 8);
    pb_tcp(&b, 1, 2, 0, 0, 0, 20);
    pb_fix(&b);
    pb_put16(&b, 2, 24);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "ipv4.total_length");

    /* Total length larger than the frame on the wire: flagged, counted as far
     * as the frame goes. */
    v4_tcp_frame(&b, 10);
    pb_put16(&b, 16, 20 + 20 + 10 + 100);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "ipv4.total_length");
    assert_int_equal(p.sport, 1000);
    assert_int_equal(p.payload_len, 10);
    assert_int_equal(p.payload_cap, 10);

    /* ... but not when only the snapshot length cut it: the wire length covers it. */
    v4_tcp_frame(&b, 100);
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 64, (uint32_t)b.n, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.payload_len, 100);
    assert_int_equal(p.payload_cap, 10);

    /* Total length 0 (TCP segmentation offload on the capturing host): the
     * frame says how long it is; not malformed. */
    v4_tcp_frame(&b, 3000);
    pb_put16(&b, 16, 0);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.payload_len, 3000);
    assert_int_equal(p.payload_cap, 3000);

    /* IP version 7 inside an IPv4 ethertype. */
    v4_tcp_frame(&b, 0);
    b.b[14] = 0x75;
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_L2);
    assert_string_equal(p.malformed, "ip.version");
    assert_int_equal(p.ipver, 0);
}

static void test_bad_tcp(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* Data offset 4 (16 bytes). */
    v4_tcp_frame(&b, 10);
    b.b[14 + 20 + 12] = 0x40;
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "tcp.header_length");
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload_cap, 0);
    assert_null(p.payload);
    assert_int_equal(p.sport, 1000);

    /* Data offset 0. */
    b.b[14 + 20 + 12] = 0x00;
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "tcp.header_length");

    /* Data offset 15 (60 bytes) in a 30-byte segment. */
    b.b[14 + 20 + 12] = 0xf0;
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "tcp.header_length");
    assert_int_equal(p.payload_len, 0);
    assert_null(p.payload);

    /* Data offset 8 (32) in a 30-byte segment padded by Ethernet to 80 bytes:
     * the padding is not part of the segment. */
    v4_tcp_frame(&b, 10);
    b.b[14 + 20 + 12] = 0x80;
    while (b.n < 80)
        pb_u8(&b, 0);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "tcp.header_length");

    /* IP payload shorter than the fixed TCP header, bytes from padding. */
    v4_tcp_frame(&b, 0);
    pb_put16(&b, 16, 20 + 10);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "tcp.header_length");
}

static void test_bad_udp(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* UDP length 4 < 8. */
    v4_udp_frame(&b, 10);
    pb_put16(&b, 14 + 20 + 4, 4);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "udp.length");
    assert_int_equal(p.payload_len, 10);        /* from the IP header instead */
    assert_int_equal(p.sport, 1000);

    /* UDP length beyond the IP payload. */
    pb_put16(&b, 14 + 20 + 4, 200);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "udp.length");
    assert_int_equal(p.payload_len, 10);
    assert_int_equal(p.payload_cap, 10);

    /* IP payload of 6 bytes: no room for a UDP header. */
    v4_udp_frame(&b, 0);
    pb_put16(&b, 16, 26);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "udp.short");
    assert_int_equal(p.payload_len, 0);
}

static void test_bad_ipv6(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* Hop-by-hop says 88 bytes; the payload is 8 + 8. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x86dd);
    pb_ipv6(&b, a6, b6, 0);
    pb_ipv6_ext(&b, 17, 0);
    pb_udp(&b, 1, 2);
    pb_fix(&b);
    b.b[14 + 40 + 1] = 10;
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "ipv6.ext_length");
    assert_false(p.flags & OTW_PF_PORTS);

    /* Payload length beyond the frame. */
    pb_init(&b);
    pb_ipv6(&b, a6, b6, 17);
    pb_udp(&b, 1, 2);
    pb_data(&b, 4);
    pb_fix(&b);
    pb_put16(&b, 4, 1000);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "ipv6.payload_length");
    assert_int_equal(p.sport, 1);
    assert_int_equal(p.payload_len, 4);

    /* Payload length 0 (jumbogram or offload): taken from the frame. */
    pb_init(&b);
    pb_ipv6(&b, a6, b6, 6);
    pb_tcp(&b, 1, 2, 0, 0, OTW_TCP_ACK, 20);
    pb_data(&b, 2000);
    pb_fix(&b);
    pb_put16(&b, 4, 0);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.payload_len, 2000);

    /* Fragment header in a payload of 4 bytes. */
    pb_init(&b);
    pb_ipv6(&b, a6, b6, 44);
    pb_ipv6_frag(&b, 17, 0, 1, 9);
    pb_fix(&b);
    pb_put16(&b, 4, 4);
    assert_int_equal(dec_all(OTW_LT_RAW, &b, &p), OTW_DEC_IP);
    assert_string_equal(p.malformed, "ipv6.ext_length");
}

static void test_too_many_vlans(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;

    /* Eight tags are still decoded (two recorded) ... */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x8100);
    for (int i = 0; i < 8; i++)
        pb_vlan(&b, 0, (uint16_t)(i + 1), i < 7 ? 0x8100 : 0x0800);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 1, 2);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_IP);
    assert_null(p.malformed);
    assert_int_equal(p.nvlan, 2);
    assert_int_equal(p.vlan[0], 1);
    assert_int_equal(p.vlan[1], 2);

    /* ... a stack of 40 is not. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x8100);
    for (int i = 0; i < 40; i++)
        pb_vlan(&b, 0, (uint16_t)(i + 1), i < 39 ? 0x8100 : 0x0800);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 1, 2);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_ETHERNET, &b, &p), OTW_DEC_L2);
    assert_string_equal(p.malformed, "l2.too_many_tags");
    assert_int_equal(p.ipver, 0);
    assert_int_equal(p.nvlan, 2);

    /* The same stack behind Linux cooked capture. */
    pb_init(&b);
    build_sll(&b, 0, 0, 0x8100);
    for (int i = 0; i < 40; i++)
        pb_vlan(&b, 0, (uint16_t)(i + 1), i < 39 ? 0x8100 : 0x0800);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 1, 2);
    pb_fix(&b);
    assert_int_equal(dec_all(OTW_LT_LINUX_SLL, &b, &p), OTW_DEC_L2);
    assert_string_equal(p.malformed, "l2.too_many_tags");
    assert_int_equal(p.ipver, 0);
}

static void test_tiny_frames(void **state)
{
    (void)state;
    struct pb b;
    struct otw_pkt p;
    static const int lts[] = {OTW_LT_ETHERNET, OTW_LT_LINUX_SLL, OTW_LT_LINUX_SLL2, OTW_LT_RAW,
                              OTW_LT_IPV4, OTW_LT_IPV6, OTW_LT_NULL, OTW_LT_LOOP};

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x0800);

    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 0, 0, &p), OTW_DEC_NONE);
    assert_string_equal(p.malformed, "eth.short");
    assert_int_equal(p.flags, 0);
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 1, 1, &p), OTW_DEC_NONE);
    assert_string_equal(p.malformed, "eth.short");
    assert_int_equal(p.flags, 0);
    /* 13 bytes captured of a 60-byte frame. */
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 13, 60, &p), OTW_DEC_NONE);
    assert_string_equal(p.malformed, "eth.short");
    /* The Ethernet header alone: IPv4 expected, nothing there. */
    assert_int_equal(dec(OTW_LT_ETHERNET, &b, 14, 14, &p), OTW_DEC_L2);
    assert_int_equal(p.flags, OTW_PF_MAC | OTW_PF_TRUNC);
    assert_int_equal(p.ipver, 0);

    for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
        b.b[0] = 0x45;
        for (uint32_t n = 0; n <= 1; n++) {
            int rc = dec(lts[i], &b, n, n, &p);
            assert_true(rc == OTW_DEC_NONE || rc == OTW_DEC_L2);
            assert_int_equal(p.ipver, 0);
            assert_false(p.flags & OTW_PF_PORTS);
            assert_null(p.payload);
        }
    }
}

/*
 * Every prefix of valid frames, given to the decoder as an exact-size copy:
 * no read past the end (ASan), no "malformed" for a frame the snapshot length
 * cut (its wire length is right), and whatever is reported agrees with the
 * whole frame's decode.
 */
static void sweep_prefixes(int lt, const struct pb *b, size_t l2len)
{
    struct otw_pkt full, p;
    uint32_t n = (uint32_t)b->n;

    ptrdiff_t full_off;

    assert_int_equal(dec_all(lt, b, &full), OTW_DEC_IP);
    assert_non_null(full.payload);
    full_off = full.payload - g_copy;     /* g_copy changes with every dec() */
    assert_null(full.malformed);
    assert_true(full.flags & OTW_PF_PORTS);

    for (uint32_t cap = 0; cap <= n; cap++) {
        int rc = dec(lt, b, cap, n, &p);

        if (cap < l2len) {
            assert_int_equal(rc, OTW_DEC_NONE);
            assert_int_equal(p.ipver, 0);
        } else {
            assert_null(p.malformed);
            assert_true(rc == OTW_DEC_L2 || rc == OTW_DEC_IP);
        }
        if (rc == OTW_DEC_IP) {
            assert_int_equal(p.ipver, full.ipver);
            assert_memory_equal(p.src_ip, full.src_ip, 16);
            assert_memory_equal(p.dst_ip, full.dst_ip, 16);
        } else {
            assert_int_equal(p.ipver, 0);
        }
        if (p.flags & OTW_PF_PORTS) {
            assert_int_equal(rc, OTW_DEC_IP);
            assert_int_equal(p.proto, full.proto);
            assert_int_equal(p.sport, full.sport);
            assert_int_equal(p.dport, full.dport);
            /* With the TCP header cut before its data offset the decoder
             * assumes the 20-byte minimum: never less than the truth. */
            if (p.flags & OTW_PF_TRUNC)
                assert_true(p.payload_len >= full.payload_len);
            else
                assert_int_equal(p.payload_len, full.payload_len);
        }
        if (cap < n && rc == OTW_DEC_IP && !(p.flags & OTW_PF_PORTS))
            assert_true(p.flags & OTW_PF_TRUNC);
        if (!(p.flags & OTW_PF_TRUNC) && rc == OTW_DEC_IP) {
            assert_int_equal(p.tcp_flags, full.tcp_flags);
            assert_int_equal(p.tcp_seq, full.tcp_seq);
        }
        /* The payload pointer stays inside the captured bytes. */
        if (p.payload != NULL) {
            assert_true(p.payload >= g_copy);
            assert_true(p.payload + p.payload_cap <= g_copy + cap);
            assert_int_equal(p.payload - g_copy, full_off);
        } else {
            assert_int_equal(p.payload_cap, 0);
        }
        assert_true(p.payload_cap <= p.payload_len);
        if (cap == n) {
            assert_int_equal(p.flags, full.flags);
            assert_int_equal(p.payload_cap, full.payload_cap);
        }
    }
}

static void test_every_prefix(void **state)
{
    (void)state;
    struct pb b;

    /* IPv6 + hop-by-hop + destination options + TCP with options + data. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x86dd);
    pb_ipv6(&b, a6, b6, 0);
    pb_ipv6_ext(&b, 60, 0);
    pb_ipv6_ext(&b, 6, 1);
    pb_tcp(&b, 50000, 443, 11, 22, OTW_TCP_PSH | OTW_TCP_ACK, 24);
    pb_data(&b, 20);
    pb_fix(&b);
    sweep_prefixes(OTW_LT_ETHERNET, &b, 14);

    /* QinQ + IPv4 with options + TCP. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x88a8);
    pb_vlan(&b, 0, 5, 0x8100);
    pb_vlan(&b, 0, 6, 0x0800);
    pb_ipv4_opt(&b, A4, B4, 6, 3, 0, 4);
    pb_tcp(&b, 40000, 502, 1, 2, OTW_TCP_SYN, 28);
    pb_data(&b, 7);
    pb_fix(&b);
    sweep_prefixes(OTW_LT_ETHERNET, &b, 14);

    /* Cooked v2 + IPv4 UDP. */
    pb_init(&b);
    build_sll(&b, 1, 0, 0x0800);
    pb_ipv4(&b, A4, B4, 17);
    pb_udp(&b, 40000, 20000);
    pb_data(&b, 9);
    pb_fix(&b);
    sweep_prefixes(OTW_LT_LINUX_SLL2, &b, 20);

    /* MPLS + IPv6 UDP; PPPoE + IPv4 TCP; raw IPv6 TCP. */
    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x8847);
    pb_be32(&b, 0x100 | 1);
    pb_ipv6(&b, a6, b6, 17);
    pb_udp(&b, 1, 2);
    pb_data(&b, 3);
    pb_fix(&b);
    sweep_prefixes(OTW_LT_ETHERNET, &b, 14);

    pb_init(&b);
    pb_eth(&b, pb_mac_b, pb_mac_a, 0x8864);
    pb_be32(&b, 0x11000001);
    pb_be16(&b, 0);
    pb_be16(&b, 0x0021);
    build_v4_tcp(&b);
    sweep_prefixes(OTW_LT_ETHERNET, &b, 14);

    pb_init(&b);
    build_v6_tcp(&b);
    sweep_prefixes(OTW_LT_RAW, &b, 1);
}

static uint32_t rnd(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/*
 * Random bytes behind every link type, and random corruption of a valid
 * frame: only that nothing is read out of bounds (ASan) and the result is
 * self-consistent. Deterministic (fixed seed).
 */
static void test_garbage(void **state)
{
    (void)state;
    static const int lts[] = {OTW_LT_ETHERNET, OTW_LT_LINUX_SLL, OTW_LT_LINUX_SLL2, OTW_LT_RAW,
                              OTW_LT_NULL, OTW_LT_LOOP};
    uint32_t seed = 12345;
    struct pb base, b;
    struct otw_pkt p;

    pb_init(&base);
    pb_eth(&base, pb_mac_b, pb_mac_a, 0x8100);
    pb_vlan(&base, 0, 7, 0x86dd);
    pb_ipv6(&base, a6, b6, 0);
    pb_ipv6_ext(&base, 44, 0);
    pb_ipv6_frag(&base, 6, 0, 1, 5);
    pb_tcp(&base, 1, 2, 3, 4, 5, 24);
    pb_data(&base, 16);
    pb_fix(&base);

    for (int iter = 0; iter < 20000; iter++) {
        uint32_t len;
        int lt = lts[iter % 6];

        if (iter & 1) {
            b = base;
            for (int k = 0; k < 4; k++)
                b.b[rnd(&seed) % base.n] = (uint8_t)rnd(&seed);
            len = (uint32_t)(rnd(&seed) % (base.n + 1));
            lt = OTW_LT_ETHERNET;
        } else {
            pb_init(&b);
            len = rnd(&seed) % 128;
            for (uint32_t k = 0; k < len; k++)
                b.b[k] = (uint8_t)rnd(&seed);
            /* Steer towards the interesting paths: an IP version nibble. */
            if (len > 0 && (rnd(&seed) & 1))
                b.b[0] = (uint8_t)((rnd(&seed) & 1) ? 0x45 : 0x60);
        }
        (void)dec(lt, &b, len, len + (iter % 3) * 7, &p);
        if (p.payload != NULL)
            assert_true(p.payload >= g_copy && p.payload + p.payload_cap <= g_copy + len);
        else
            assert_int_equal(p.payload_cap, 0);
        assert_true(p.nvlan <= 2);
        assert_true(p.payload_cap <= p.payload_len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_ethernet_tcp, teardown),
        cmocka_unit_test_teardown(test_vlan_8021q, teardown),
        cmocka_unit_test_teardown(test_qinq, teardown),
        cmocka_unit_test_teardown(test_three_vlans, teardown),
        cmocka_unit_test_teardown(test_llc_snap_arp, teardown),
        cmocka_unit_test_teardown(test_arp, teardown),
        cmocka_unit_test_teardown(test_l2_kinds, teardown),
        cmocka_unit_test_teardown(test_mpls, teardown),
        cmocka_unit_test_teardown(test_pppoe, teardown),
        cmocka_unit_test_teardown(test_linux_sll, teardown),
        cmocka_unit_test_teardown(test_raw_ip, teardown),
        cmocka_unit_test_teardown(test_bsd_null_loop, teardown),
        cmocka_unit_test_teardown(test_ipv4_options, teardown),
        cmocka_unit_test_teardown(test_ipv4_fragments, teardown),
        cmocka_unit_test_teardown(test_ipv6_ext_headers, teardown),
        cmocka_unit_test_teardown(test_tcp_flags_and_snaplen, teardown),
        cmocka_unit_test_teardown(test_ethernet_padding, teardown),
        cmocka_unit_test_teardown(test_udp_length, teardown),
        cmocka_unit_test_teardown(test_icmp, teardown),
        cmocka_unit_test_teardown(test_sctp_and_other, teardown),
        cmocka_unit_test_teardown(test_l2_cast_flags, teardown),
        cmocka_unit_test_teardown(test_bad_ipv4, teardown),
        cmocka_unit_test_teardown(test_bad_tcp, teardown),
        cmocka_unit_test_teardown(test_bad_udp, teardown),
        cmocka_unit_test_teardown(test_bad_ipv6, teardown),
        cmocka_unit_test_teardown(test_too_many_vlans, teardown),
        cmocka_unit_test_teardown(test_tiny_frames, teardown),
        cmocka_unit_test_teardown(test_every_prefix, teardown),
        cmocka_unit_test_teardown(test_garbage, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
