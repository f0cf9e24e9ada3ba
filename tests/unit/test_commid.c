/*
 * test_commid.c - Community ID v1 against IDs other tools printed.
 *
 * Every vector names where its expected ID comes from:
 *   SPEC-TABLE  corelight/community-id-spec@b1fe530 baseline/README.md tables
 *               ("Default settings", "A custom seed=1 value")
 *   SPEC-JSON   the same commit, baseline/baseline_deflt.json and
 *               baseline_seed1.json (pycommunityid over pcaps/combined.pcap.gz)
 *   ZEEK-BIF    zeek/zeek@a13de64 testing/btest/Baseline/bifs.community_id.v1/out
 *   ZEEK-PCAP   zeek/zeek@a13de64 testing/btest/Baseline/bifs.community_id.run-pcaps/
 *               <name>.pcap.out: one line per Zeek connection of
 *               testing/btest/Traces/communityid/<name>.pcap; our copies are
 *               ../shared/pcaps/icmp/zeek-communityid-icmp{,6}.pcap and
 *               ../shared/pcaps/ipv6/zeek-communityid-ipv6.pcap (same SHA-1).
 *               arp.pcap.out is empty: ARP is not IP and gets no Community ID.
 *   ZEEK-CONN   zeek/zeek@a13de64 testing/btest/Baseline/
 *               scripts.policy.protocols.conn.community-id-logging/conn.log.cut
 *               (Traces/http/get.pcap = ../shared/pcaps/http/zeek-get.pcap)
 *
 * A vector is written as the session record the flow table would hand over:
 * src = initiator, and for ICMP the initiator's first type/code (also in
 * src_port/dst_port, as the flow table fills them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/commid.h"
#include "core/common.h"
#include "core/session.h"

#define NOPORT (-1)

struct vec {
    const char *why;
    uint8_t proto;
    const char *src, *dst;
    int sport, dport;   /* ICMP: type, code; NOPORT for protocols without ports */
    uint16_t seed;
    const char *id;
};

static const struct vec vecs[] = {
    /* --- TCP, IPv4 and IPv6 ------------------------------------------- */
    {"SPEC-TABLE/ZEEK-BIF: TCP out", 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 0,
     "1:wCb3OG7yAFWelaUydu0D+125CLM="},
    {"SPEC-TABLE: TCP back", 6, "5.6.7.8", "1.2.3.4", 3344, 1122, 0,
     "1:wCb3OG7yAFWelaUydu0D+125CLM="},
    {"SPEC-JSON: TCP HTTP", 6, "128.232.110.120", "66.35.250.204", 34855, 80, 0,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {"SPEC-JSON: TCP HTTP, from the server", 6, "66.35.250.204", "128.232.110.120", 80, 34855, 0,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {"ZEEK-CONN: get.pcap conn.log", 6, "141.142.228.5", "192.150.187.43", 59856, 80, 0,
     "1:yvyB8h+3dnggTZW0UEITWCst97w="},
    {"ZEEK-PCAP ipv6.pcap: TCP over IPv6 (SMTP)", 6, "2001:470:e5bf:dead:4957:2174:e82c:4887",
     "2607:f8b0:400c:c03::1a", 63943, 25, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {"SPEC-JSON: TCP over IPv6, from the server", 6, "2607:f8b0:400c:c03::1a",
     "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},

    /* --- UDP ------------------------------------------------------------ */
    {"SPEC-TABLE/ZEEK-BIF: UDP out", 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 0,
     "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
    {"SPEC-TABLE: UDP back", 17, "5.6.7.8", "1.2.3.4", 3344, 1122, 0,
     "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
    {"SPEC-JSON: UDP DNS", 17, "192.168.1.52", "8.8.8.8", 54585, 53, 0,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},

    /* --- SCTP (ports hashed like TCP's) --------------------------------- */
    {"SPEC-TABLE: SCTP out", 132, "1.2.3.4", "5.6.7.8", 1122, 3344, 0,
     "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
    {"SPEC-TABLE: SCTP back", 132, "5.6.7.8", "1.2.3.4", 3344, 1122, 0,
     "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
    {"SPEC-JSON: SCTP echo 7/7", 132, "192.168.170.8", "192.168.170.56", 7, 7, 0,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    /* Zeek (no SCTP analyzer then) saw ports 0/0 in the same trace. */
    {"ZEEK-PCAP sctp.pcap: SCTP with ports 0", 132, "192.168.170.8", "192.168.170.56", 0, 0, 0,
     "1:U5cVwrVgLshgANPmc8hKzEcqp1M="},

    /* --- ICMP: echo both ways, one-way types ----------------------------- */
    {"SPEC-TABLE/ZEEK-BIF: ICMP echo request", 1, "1.2.3.4", "5.6.7.8", 8, 0, 0,
     "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
    {"SPEC-TABLE: ICMP echo reply", 1, "5.6.7.8", "1.2.3.4", 0, 0, 0,
     "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
    {"ZEEK-PCAP icmp.pcap: echo request", 1, "192.168.0.89", "192.168.0.1", 8, 0, 0,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {"SPEC-JSON: the same trace's echo reply as a session", 1, "192.168.0.1", "192.168.0.89", 0, 0,
     0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
    {"SPEC-TABLE: ICMP time exceeded, one-way", 1, "1.2.3.4", "5.6.7.8", 11, 0, 0,
     "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="},
    {"SPEC-JSON: ICMP time exceeded, one-way", 1, "10.0.0.1", "10.0.0.2", 11, 0, 0,
     "1:YHxtAirCG//0OzkcVAukqKQN9xM="},

    /* --- ICMPv6: echo, ND, MLD-less one-way types ------------------------ */
    {"SPEC-TABLE/ZEEK-BIF: ICMPv6 echo request", 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
    {"SPEC-TABLE: ICMPv6 echo reply", 58, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
     "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 129, 0, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
    {"SPEC-TABLE: ICMPv6 type 146, one-way", 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146, 0, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10="},
    /* ZEEK-PCAP icmp6.pcap: every connection Zeek printed. */
    {"ZEEK-PCAP icmp6.pcap: time exceeded", 58, "3ffe:501:0:1802:260:97ff:feb6:7ff0",
     "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, 0, "1:bnQKq8A2r//dWnkRW2EYcMhShjc="},
    {"ZEEK-PCAP icmp6.pcap: time exceeded", 58, "3ffe:501:1800:2345::2",
     "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
    {"ZEEK-PCAP icmp6.pcap: port unreachable", 58, "3ffe:501:410:0:2c0:dfff:fe47:33e",
     "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, 0, "1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
    /* One-way with the larger address first: must not be reordered. */
    {"ZEEK-PCAP icmp6.pcap: port unreachable, sender > receiver", 58,
     "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:4819::42", 1, 4, 0,
     "1:jwuBy9UWZK1KUFqJV5cHdVpfrlY="},
    {"ZEEK-PCAP icmp6.pcap: echo", 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2",
     128, 0, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {"SPEC-JSON: the same trace's echo reply as a session", 58, "3ffe:501:0:1001::2",
     "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
    {"ZEEK-PCAP icmp6.pcap: echo", 58, "3ffe:507:0:1:200:86ff:fe05:80da",
     "3ffe:507:0:1:260:97ff:fe07:69ea", 128, 0, 0, "1:GpbEQrKqfWtsfsFiqg8fufoZe5Y="},
    {"ZEEK-PCAP icmp6.pcap: neighbor solicitation", 58, "3ffe:507:0:1:200:86ff:fe05:80da",
     "3ffe:507:0:1:260:97ff:fe07:69ea", 135, 0, 0, "1:ORxAZfN3ld7Sv73/HQTNnvgxbpY="},
    {"ZEEK-PCAP icmp6.pcap: NS to solicited-node multicast", 58,
     "3ffe:507:0:1:200:86ff:fe05:80da", "ff02::1:ff07:69ea", 135, 0, 0,
     "1:MEixa66kuz0OMvlQqnAIzP3n2xg="},
    {"ZEEK-PCAP icmp6.pcap: neighbor solicitation, other way", 58,
     "3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da", 135, 0, 0,
     "1:BtEUCMYecYjJ7spEkVZDiCFaMTY="},
    {"ZEEK-PCAP icmp6.pcap: time exceeded", 58, "3ffe:507:0:1:260:97ff:fe07:69ea",
     "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, 0, "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w="},
    {"ZEEK-PCAP icmp6.pcap: router solicitation", 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133,
     0, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
    {"ZEEK-PCAP icmp6.pcap: neighbor solicitation, link-local", 58, "fe80::200:86ff:fe05:80da",
     "fe80::260:97ff:fe07:69ea", 135, 0, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    /* An NA answering the NS above pairs with it (136 <-> 135). */
    {"SPEC-JSON: neighbor advertisement answering it", 58, "fe80::260:97ff:fe07:69ea",
     "fe80::200:86ff:fe05:80da", 136, 0, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
    {"ZEEK-PCAP icmp6.pcap: router advertisement", 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134,
     0, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00="},
    {"ZEEK-PCAP icmp6.pcap: neighbor solicitation, link-local, other way", 58,
     "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0, 0,
     "1:zavyT/cezQr1fmImYCwYnMXbgck="},

    /* --- protocols without ports ----------------------------------------- */
    {"SPEC-TABLE: RSVP out", 46, "1.2.3.4", "5.6.7.8", NOPORT, NOPORT, 0,
     "1:ikv3kmf89luf73WPz1jOs49S768="},
    {"SPEC-TABLE: RSVP back", 46, "5.6.7.8", "1.2.3.4", NOPORT, NOPORT, 0,
     "1:ikv3kmf89luf73WPz1jOs49S768="},
    {"SPEC-TABLE: RSVP over IPv6", 46, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
     "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", NOPORT, NOPORT, 0,
     "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="},
    {"SPEC-JSON: RSVP", 46, "10.1.12.2", "10.1.12.1", NOPORT, NOPORT, 0,
     "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
    {"ZEEK-BIF: protocol 10", 10, "1.2.3.4", "5.6.7.8", NOPORT, NOPORT, 0,
     "1:7bYuQ7nyGBIQn7uDcQ5WraAnhWI="},

    /* --- seed 1 ----------------------------------------------------------- */
    {"SPEC-TABLE/ZEEK-BIF seed=1: TCP", 6, "5.6.7.8", "1.2.3.4", 3344, 1122, 1,
     "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {"SPEC-TABLE/ZEEK-BIF seed=1: UDP", 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 1,
     "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
    {"SPEC-TABLE seed=1: SCTP", 132, "1.2.3.4", "5.6.7.8", 1122, 3344, 1,
     "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
    {"SPEC-TABLE/ZEEK-BIF seed=1: ICMP echo reply", 1, "5.6.7.8", "1.2.3.4", 0, 0, 1,
     "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
    {"SPEC-TABLE seed=1: ICMP one-way", 1, "1.2.3.4", "5.6.7.8", 11, 0, 1,
     "1:1DD7cWGC/Yg91YGsQeni8du3pIA="},
    {"SPEC-TABLE/ZEEK-BIF seed=1: ICMPv6 echo", 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0, 1, "1:IO27GQzPuCtNnwFvjWALMHu5tJE="},
    {"SPEC-TABLE seed=1: ICMPv6 one-way", 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146, 0, 1, "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s="},
    {"SPEC-TABLE seed=1: RSVP", 46, "5.6.7.8", "1.2.3.4", NOPORT, NOPORT, 1,
     "1:/buhqeOmaRCopOZFy9HnoJd5XW8="},
    {"SPEC-TABLE seed=1: RSVP over IPv6", 46, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", NOPORT, NOPORT, 1,
     "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM="},
    {"ZEEK-BIF seed=1: protocol 10 over IPv6", 10, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
     "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", NOPORT, NOPORT, 1,
     "1:rcMO2BlHXpMNFXyyWqSDUQCBRBc="},
    {"SPEC-JSON seed=1: ICMPv6 NS", 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea",
     135, 0, 1, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {"SPEC-JSON seed=1: TCP over IPv6", 6, "2001:470:e5bf:dead:4957:2174:e82c:4887",
     "2607:f8b0:400c:c03::1a", 63943, 25, 1, "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {"SPEC-JSON seed=1: UDP DNS, from the server", 17, "8.8.8.8", "192.168.1.52", 53, 54585, 1,
     "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {"SPEC-JSON seed=1: RSVP", 46, "10.1.12.1", "10.1.12.2", NOPORT, NOPORT, 1,
     "1:rYir8gphR31noO9iDRQmF/BteEI="},
};

static int is_icmp(uint8_t proto)
{
    return proto == 1 || proto == 58;
}

/* The record the flow table would write for this vector. */
static void make_session(const struct vec *v, struct otw_session *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(otw_ip_parse(v->src, s->src_ip), 0);
    assert_int_equal(otw_ip_parse(v->dst, s->dst_ip), 0);
    s->ipver = otw_ip_is_v4(s->src_ip) ? 4 : 6;
    s->proto = v->proto;
    s->src_port = v->sport == NOPORT ? 0 : (uint16_t)v->sport;
    s->dst_port = v->dport == NOPORT ? 0 : (uint16_t)v->dport;
    s->icmp_type = is_icmp(v->proto) ? (int16_t)v->sport : -1;
    s->icmp_code = is_icmp(v->proto) ? (int16_t)v->dport : -1;
}

static void test_vectors(void **state)
{
    (void)state;
    int failed = 0;

    for (size_t i = 0; i < OTW_ARRAY_LEN(vecs); i++) {
        struct otw_session s;
        char id[OTW_COMMID_LEN];

        make_session(&vecs[i], &s);
        assert_int_equal(otw_commid_v1(&s, vecs[i].seed, id, sizeof(id)), 0);
        if (strcmp(id, vecs[i].id) != 0) {
            print_error("vector %zu (%s): got %s, want %s\n", i, vecs[i].why, id, vecs[i].id);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* Swapping the endpoints of a two-way flow never changes its ID. */
static void test_direction_free(void **state)
{
    (void)state;

    for (size_t i = 0; i < OTW_ARRAY_LEN(vecs); i++) {
        struct otw_session a, b;
        char ida[OTW_COMMID_LEN], idb[OTW_COMMID_LEN];

        if (is_icmp(vecs[i].proto))
            continue;
        make_session(&vecs[i], &a);
        b = a;
        memcpy(b.src_ip, a.dst_ip, 16);
        memcpy(b.dst_ip, a.src_ip, 16);
        b.src_port = a.dst_port;
        b.dst_port = a.src_port;
        assert_int_equal(otw_commid_v1(&a, vecs[i].seed, ida, sizeof(ida)), 0);
        assert_int_equal(otw_commid_v1(&b, vecs[i].seed, idb, sizeof(idb)), 0);
        assert_string_equal(ida, idb);
    }
}

/* Same address both ends: the ports decide the order, so both directions of
 * a loopback flow agree, and they differ from the flow with ports reused. */
static void test_equal_addresses(void **state)
{
    (void)state;
    struct vec v = {"loopback", 6, "127.0.0.1", "127.0.0.1", 40000, 502, 0, NULL};
    struct otw_session a, b;
    char ida[OTW_COMMID_LEN], idb[OTW_COMMID_LEN];

    make_session(&v, &a);
    b = a;
    b.src_port = a.dst_port;
    b.dst_port = a.src_port;
    assert_int_equal(otw_commid_v1(&a, 0, ida, sizeof(ida)), 0);
    assert_int_equal(otw_commid_v1(&b, 0, idb, sizeof(idb)), 0);
    assert_string_equal(ida, idb);
    b.dst_port = 40001;
    assert_int_equal(otw_commid_v1(&b, 0, idb, sizeof(idb)), 0);
    assert_string_not_equal(ida, idb);
}

/* One-way ICMP keeps the sender first: the reverse is a different ID. */
static void test_icmp_one_way_keeps_direction(void **state)
{
    (void)state;
    struct vec v = vecs[0];
    struct otw_session a, b;
    char ida[OTW_COMMID_LEN], idb[OTW_COMMID_LEN];

    v.proto = 1;
    v.sport = 3;    /* destination unreachable */
    v.dport = 3;    /* port unreachable */
    make_session(&v, &a);
    b = a;
    memcpy(b.src_ip, a.dst_ip, 16);
    memcpy(b.dst_ip, a.src_ip, 16);
    assert_int_equal(otw_commid_v1(&a, 0, ida, sizeof(ida)), 0);
    assert_int_equal(otw_commid_v1(&b, 0, idb, sizeof(idb)), 0);
    assert_string_not_equal(ida, idb);
}

/* A record without icmp_type/icmp_code falls back to the port fields. */
static void test_icmp_type_from_ports(void **state)
{
    (void)state;
    /* ZEEK-PCAP icmp.pcap: echo request */
    static const struct vec v = {"icmp.pcap echo request", 1, "192.168.0.89", "192.168.0.1",
                                 8, 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="};
    struct otw_session s;
    char id[OTW_COMMID_LEN];

    make_session(&v, &s);
    s.icmp_type = -1;
    s.icmp_code = -1;
    assert_int_equal(otw_commid_v1(&s, 0, id, sizeof(id)), 0);
    assert_string_equal(id, v.id);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct otw_session s;
    char id[OTW_COMMID_LEN];

    make_session(&vecs[0], &s);
    memset(id, 'x', sizeof(id));
    assert_int_equal(otw_commid_v1(&s, 0, id, sizeof(id) - 1), OTW_EINVAL);
    assert_string_equal(id, "");
    assert_int_equal(otw_commid_v1(NULL, 0, id, sizeof(id)), OTW_EINVAL);
    assert_int_equal(otw_commid_v1(&s, 0, NULL, sizeof(id)), OTW_EINVAL);
    assert_int_equal(otw_commid_v1(&s, 0, id, 0), OTW_EINVAL);
    /* Exactly OTW_COMMID_LEN is enough. */
    assert_int_equal(otw_commid_v1(&s, 0, id, OTW_COMMID_LEN), 0);
    assert_int_equal(strlen(id), OTW_COMMID_LEN - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_direction_free),
        cmocka_unit_test(test_equal_addresses),
        cmocka_unit_test(test_icmp_one_way_keeps_direction),
        cmocka_unit_test(test_icmp_type_from_ports),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
