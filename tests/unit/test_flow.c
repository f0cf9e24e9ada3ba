/*
 * test_flow.c - the session table: packets in, session records out.
 *
 * Most packets are written as struct otw_pkt directly (what the decoder would
 * have produced), so each test states exactly what the flow table sees; the
 * MAC/VLAN test goes through otw_decode() on frames from pktbuild.h. Records
 * are collected from the emit callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/session.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "pktbuild.h"

#define SEC 1000000LL
#define T0 (1700000000LL * SEC)

#define HA IP4(10, 0, 0, 9)     /* client; the higher address, so keys get swapped */
#define HB IP4(10, 0, 0, 2)     /* server */
#define HC IP4(10, 0, 0, 3)

#define MAXREC 256

struct fx {
    struct otw_flowtab *ft;
    struct otw_flow_config cfg;
    struct otw_session rec[MAXREC];
    size_t n;
};

static void emit(void *ctx, const struct otw_session *s)
{
    struct fx *f = ctx;
    assert_true(f->n < MAXREC);
    f->rec[f->n++] = *s;
}

static void fx_open(struct fx *f)
{
    f->ft = otw_flow_new(&f->cfg, emit, f);
    assert_non_null(f->ft);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    otw_flow_config_default(&f->cfg);
    f->cfg.tcp_idle_us = 60 * SEC;
    f->cfg.udp_idle_us = 30 * SEC;
    f->cfg.other_idle_us = 10 * SEC;
    f->cfg.closed_linger_us = 5 * SEC;
    f->cfg.max_len_us = 0;          /* no splitting unless a test asks */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    otw_flow_free(f->ft);
    free(f);
    return 0;
}

static struct otw_pkt mk(uint8_t proto, uint32_t sip, uint16_t sp, uint32_t dip, uint16_t dp,
                         uint8_t tcpfl, uint32_t payload)
{
    struct otw_pkt p;

    memset(&p, 0, sizeof(p));
    p.ipver = 4;
    p.l2kind = OTW_L2_IP;
    p.ethertype = 0x0800;
    p.proto = proto;
    pb_v4mapped(p.src_ip, sip);
    pb_v4mapped(p.dst_ip, dip);
    if (proto == 6 || proto == 17) {
        p.flags = OTW_PF_PORTS;
        p.sport = sp;
        p.dport = dp;
    }
    p.tcp_flags = tcpfl;
    p.icmp_type = -1;
    p.icmp_code = -1;
    p.payload_len = payload;
    return p;
}

static struct otw_pkt mk_icmp(uint32_t sip, uint32_t dip, int type, int code)
{
    struct otw_pkt p = mk(1, sip, 0, dip, 0, 0, 56);
    p.icmp_type = (int16_t)type;
    p.icmp_code = (int16_t)code;
    return p;
}

/* Wire length of a TCP packet: Ethernet + IP + TCP + payload. */
static uint32_t wl(const struct otw_pkt *p)
{
    return 14 + 20 + (p->proto == 6 ? 20 : 8) + p->payload_len;
}

static void tx(struct fx *f, int64_t ts, struct otw_pkt p)
{
    otw_flow_packet(f->ft, ts, wl(&p), &p);
}

static void tcp(struct fx *f, int64_t ts, uint32_t sip, uint16_t sp, uint32_t dip, uint16_t dp,
                uint8_t fl, uint32_t payload)
{
    tx(f, ts, mk(6, sip, sp, dip, dp, fl, payload));
}

static void udp(struct fx *f, int64_t ts, uint32_t sip, uint16_t sp, uint32_t dip, uint16_t dp,
                uint32_t payload)
{
    tx(f, ts, mk(17, sip, sp, dip, dp, 0, payload));
}

static void handshake(struct fx *f, int64_t ts, uint16_t cport, uint16_t sport)
{
    tcp(f, ts, HA, cport, HB, sport, OTW_TCP_SYN, 0);
    tcp(f, ts + 1000, HB, sport, HA, cport, OTW_TCP_SYN | OTW_TCP_ACK, 0);
    tcp(f, ts + 2000, HA, cport, HB, sport, OTW_TCP_ACK, 0);
}

static void assert_ends(const struct otw_session *s, uint32_t src, uint16_t sp, uint32_t dst,
                        uint16_t dp)
{
    uint8_t a[16], b[16];
    pb_v4mapped(a, src);
    pb_v4mapped(b, dst);
    assert_memory_equal(s->src_ip, a, 16);
    assert_memory_equal(s->dst_ip, b, 16);
    assert_int_equal(s->src_port, sp);
    assert_int_equal(s->dst_port, dp);
}

static void flush(struct fx *f)
{
    otw_flow_flush(f->ft);
}

/* --- who is the source ------------------------------------------------------ */

static void test_syn_sender_is_source(void **state)
{
    struct fx *f = *state;
    const struct otw_session *s;

    fx_open(f);
    /* The SYN goes from port 502 to an ephemeral port: the SYN still decides. */
    handshake(f, T0, 502, 40000);
    tcp(f, T0 + 3000, HA, 502, HB, 40000, OTW_TCP_PSH | OTW_TCP_ACK, 12);
    tcp(f, T0 + 4000, HB, 40000, HA, 502, OTW_TCP_PSH | OTW_TCP_ACK, 9);
    flush(f);

    assert_int_equal(f->n, 1);
    s = &f->rec[0];
    assert_ends(s, HA, 502, HB, 40000);
    assert_int_equal(s->ipver, 4);
    assert_int_equal(s->proto, 6);
    assert_int_equal(s->src.packets, 3);
    assert_int_equal(s->dst.packets, 2);
    assert_int_equal(s->src.bytes, 54 + 54 + 66);
    assert_int_equal(s->dst.bytes, 54 + 63);
    assert_int_equal(s->src.payload, 12);
    assert_int_equal(s->dst.payload, 9);
    assert_int_equal(s->src.tcp_flags, OTW_TCP_SYN | OTW_TCP_ACK | OTW_TCP_PSH);
    assert_int_equal(s->dst.tcp_flags, OTW_TCP_SYN | OTW_TCP_ACK | OTW_TCP_PSH);
    assert_int_equal(s->first_us, T0);
    assert_int_equal(s->last_us, T0 + 4000);
    assert_int_equal(s->state, OTW_ST_ESTABLISHED);
    assert_int_equal(s->end_reason, OTW_END_EOF);
    assert_int_equal(s->segment, 0);
    assert_int_equal(s->continued, 0);
    assert_int_equal(s->icmp_type, -1);
    assert_int_equal(s->icmp_code, -1);
    assert_int_equal(s->nvlan, 0);
}

static void test_synack_first(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    tcp(f, T0, HB, 502, HA, 40000, OTW_TCP_SYN | OTW_TCP_ACK, 0);
    tcp(f, T0 + 100, HA, 40000, HB, 502, OTW_TCP_ACK, 0);
    tcp(f, T0 + 200, HA, 40000, HB, 502, OTW_TCP_ACK | OTW_TCP_PSH, 12);
    flush(f);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 40000, HB, 502);
    assert_int_equal(f->rec[0].src.packets, 2);
    assert_int_equal(f->rec[0].dst.packets, 1);
    assert_int_equal(f->rec[0].dst.tcp_flags, OTW_TCP_SYN | OTW_TCP_ACK);
    assert_int_equal(f->rec[0].state, OTW_ST_ESTABLISHED);
}

static void test_midstream_server_port(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    /* Capture starts with the PLC's answer: 502 -> ephemeral. */
    tcp(f, T0, HB, 502, HA, 51000, OTW_TCP_ACK | OTW_TCP_PSH, 11);
    tcp(f, T0 + 100, HA, 51000, HB, 502, OTW_TCP_ACK, 0);
    tcp(f, T0 + 200, HA, 51000, HB, 502, OTW_TCP_ACK | OTW_TCP_PSH, 12);
    flush(f);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 51000, HB, 502);
    assert_int_equal(f->rec[0].src.packets, 2);
    assert_int_equal(f->rec[0].src.payload, 12);
    assert_int_equal(f->rec[0].dst.packets, 1);
    assert_int_equal(f->rec[0].dst.payload, 11);
    assert_int_equal(f->rec[0].state, OTW_ST_ESTABLISHED);
    assert_int_equal(f->rec[0].first_us, T0);
}

static void test_udp_direction_and_states(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    /* DNS answer seen first: the ephemeral side asked. */
    udp(f, T0, HB, 53, HA, 40000, 100);
    udp(f, T0 + 10, HA, 40000, HB, 53, 30);
    udp(f, T0 + 20, HA, 40000, HB, 53, 31);
    /* A one-way datagram (syslog). */
    udp(f, T0 + 30, HA, 40001, HC, 514, 77);
    /* Equal port ranks: the first packet's sender. */
    udp(f, T0 + 40, HB, 40002, HC, 40003, 5);
    flush(f);
    assert_int_equal(f->n, 3);
    for (size_t i = 0; i < f->n; i++) {
        const struct otw_session *s = &f->rec[i];
        assert_int_equal(s->proto, 17);
        if (s->dst_port == 53) {
            assert_ends(s, HA, 40000, HB, 53);
            assert_int_equal(s->src.packets, 2);
            assert_int_equal(s->src.payload, 61);
            assert_int_equal(s->src.bytes, 2 * 42 + 61);
            assert_int_equal(s->dst.packets, 1);
            assert_int_equal(s->dst.payload, 100);
            assert_int_equal(s->dst.bytes, 142);
            assert_int_equal(s->state, OTW_ST_ESTABLISHED);
            assert_int_equal(s->first_us, T0);
            assert_int_equal(s->last_us, T0 + 20);
        } else if (s->dst_port == 514) {
            assert_ends(s, HA, 40001, HC, 514);
            assert_int_equal(s->src.packets, 1);
            assert_int_equal(s->dst.packets, 0);
            assert_int_equal(s->state, OTW_ST_ATTEMPT);
        } else {
            assert_ends(s, HB, 40002, HC, 40003);
            assert_int_equal(s->state, OTW_ST_ATTEMPT);
        }
        assert_int_equal(s->icmp_type, -1);
    }
}

/* --- TCP states --------------------------------------------------------------- */

static void test_tcp_attempt_retransmitted(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    tcp(f, T0, HA, 40000, HB, 102, OTW_TCP_SYN, 0);
    tcp(f, T0 + 1 * SEC, HA, 40000, HB, 102, OTW_TCP_SYN, 0);
    tcp(f, T0 + 3 * SEC, HA, 40000, HB, 102, OTW_TCP_SYN, 0);
    flush(f);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 40000, HB, 102);
    assert_int_equal(f->rec[0].src.packets, 3);
    assert_int_equal(f->rec[0].dst.packets, 0);
    assert_int_equal(f->rec[0].state, OTW_ST_ATTEMPT);
    assert_int_equal(f->rec[0].last_us, T0 + 3 * SEC);
}

static void test_tcp_rejected(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    tcp(f, T0, HA, 40000, HB, 22, OTW_TCP_SYN, 0);
    tcp(f, T0 + 100, HB, 22, HA, 40000, OTW_TCP_RST | OTW_TCP_ACK, 0);
    /* The closed session lingers 5 s, then a later packet writes it out. */
    udp(f, T0 + 2 * SEC, HC, 1, HC, 2, 0);
    assert_int_equal(f->n, 0);
    udp(f, T0 + 7 * SEC, HC, 1, HC, 2, 0);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 40000, HB, 22);
    assert_int_equal(f->rec[0].state, OTW_ST_REJECTED);
    assert_int_equal(f->rec[0].end_reason, OTW_END_CLOSED);
    assert_int_equal(f->rec[0].dst.packets, 1);
    assert_int_equal(f->rec[0].dst.tcp_flags, OTW_TCP_RST | OTW_TCP_ACK);
}

static void test_tcp_established_closed_reset(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    /* established, still open at the end */
    handshake(f, T0, 40001, 502);
    /* closed: FIN both ways */
    handshake(f, T0, 40002, 502);
    tcp(f, T0 + 5000, HA, 40002, HB, 502, OTW_TCP_FIN | OTW_TCP_ACK, 0);
    tcp(f, T0 + 6000, HB, 502, HA, 40002, OTW_TCP_FIN | OTW_TCP_ACK, 0);
    tcp(f, T0 + 7000, HA, 40002, HB, 502, OTW_TCP_ACK, 0);
    /* closed: FIN from one side only, still counts as closed */
    handshake(f, T0, 40003, 502);
    tcp(f, T0 + 5000, HB, 502, HA, 40003, OTW_TCP_FIN | OTW_TCP_ACK, 0);
    /* reset after establishment */
    handshake(f, T0, 40004, 502);
    tcp(f, T0 + 5000, HA, 40004, HB, 502, OTW_TCP_RST, 0);
    flush(f);

    assert_int_equal(f->n, 4);
    for (size_t i = 0; i < f->n; i++) {
        const struct otw_session *s = &f->rec[i];
        assert_int_equal(s->dst_port, 502);
        switch (s->src_port) {
        case 40001:
            assert_int_equal(s->state, OTW_ST_ESTABLISHED);
            assert_int_equal(s->end_reason, OTW_END_EOF);
            break;
        case 40002:
            assert_int_equal(s->state, OTW_ST_CLOSED);
            assert_int_equal(s->end_reason, OTW_END_CLOSED);
            assert_int_equal(s->src.packets, 4);
            assert_int_equal(s->dst.packets, 2);
            break;
        case 40003:
            assert_int_equal(s->state, OTW_ST_CLOSED);
            break;
        case 40004:
            assert_int_equal(s->state, OTW_ST_RESET);
            assert_int_equal(s->src.tcp_flags, OTW_TCP_SYN | OTW_TCP_ACK | OTW_TCP_RST);
            break;
        default:
            fail_msg("unexpected session from port %u", s->src_port);
        }
    }
}

static void test_tcp_timeout(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    handshake(f, T0, 40000, 502);
    tcp(f, T0 + 10000, HA, 40000, HB, 502, OTW_TCP_ACK | OTW_TCP_PSH, 12);
    /* Still inside the idle time: nothing written. */
    udp(f, T0 + 59 * SEC, HC, 1, HC, 2, 0);
    assert_int_equal(f->n, 0);
    /* Past 60 s of silence: a later packet's expiry writes it out. */
    udp(f, T0 + 61 * SEC, HC, 1, HC, 2, 0);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->rec[0].proto, 6);
    assert_int_equal(f->rec[0].state, OTW_ST_TIMEOUT);
    assert_int_equal(f->rec[0].end_reason, OTW_END_IDLE);
    assert_int_equal(f->rec[0].last_us, T0 + 10000);
    flush(f);
    assert_int_equal(f->n, 2);
    assert_int_equal(f->rec[1].proto, 17);
}

static void test_new_syn_after_fin(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    handshake(f, T0, 40000, 502);
    tcp(f, T0 + 5000, HA, 40000, HB, 502, OTW_TCP_FIN | OTW_TCP_ACK, 0);
    tcp(f, T0 + 6000, HB, 502, HA, 40000, OTW_TCP_FIN | OTW_TCP_ACK, 0);
    tcp(f, T0 + 7000, HA, 40000, HB, 502, OTW_TCP_ACK, 0);
    /* Port reuse within the linger time. */
    tcp(f, T0 + 1 * SEC, HA, 40000, HB, 502, OTW_TCP_SYN, 0);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->rec[0].state, OTW_ST_CLOSED);
    assert_int_equal(f->rec[0].src.packets, 4);
    tcp(f, T0 + 1 * SEC + 100, HB, 502, HA, 40000, OTW_TCP_SYN | OTW_TCP_ACK, 0);
    flush(f);
    assert_int_equal(f->n, 2);
    assert_ends(&f->rec[1], HA, 40000, HB, 502);
    assert_int_equal(f->rec[1].first_us, T0 + 1 * SEC);
    assert_int_equal(f->rec[1].src.packets, 1);
    assert_int_equal(f->rec[1].dst.packets, 1);
    assert_int_equal(f->rec[1].state, OTW_ST_ESTABLISHED);

    /* A SYN retransmitted on an open session is not a new one. */
    {
        struct otw_flow_stats st;
        otw_flow_get_stats(f->ft, &st);
        assert_int_equal(st.created, 2);
        assert_int_equal(st.records, 2);
        assert_int_equal(st.active, 0);
    }
}

/* --- timeouts and splitting --------------------------------------------------- */

static void test_udp_idle_split(void **state)
{
    struct fx *f = *state;

    fx_open(f);
    udp(f, T0, HA, 40000, HB, 47808, 10);
    udp(f, T0 + SEC, HB, 47808, HA, 40000, 20);
    udp(f, T0 + 40 * SEC, HA, 40000, HB, 47808, 30);   /* 39 s of silence > 30 s */
    assert_int_equal(f->n, 1);
    assert_int_equal(f->rec[0].end_reason, OTW_END_IDLE);
    assert_int_equal(f->rec[0].state, OTW_ST_ESTABLISHED);
    assert_int_equal(f->rec[0].src.payload, 10);
    assert_int_equal(f->rec[0].dst.payload, 20);
    assert_int_equal(f->rec[0].last_us, T0 + SEC);
    flush(f);
    assert_int_equal(f->n, 2);
    assert_ends(&f->rec[1], HA, 40000, HB, 47808);
    assert_int_equal(f->rec[1].first_us, T0 + 40 * SEC);
    assert_int_equal(f->rec[1].src.packets, 1);
    assert_int_equal(f->rec[1].src.payload, 30);
    assert_int_equal(f->rec[1].dst.packets, 0);
    assert_int_equal(f->rec[1].state, OTW_ST_ATTEMPT);
    assert_int_equal(f->rec[1].end_reason, OTW_END_EOF);
}

static void test_max_len_segments(void **state)
{
    struct fx *f = *state;
    uint64_t pk = 0, by = 0, pay = 0;

    f->cfg.max_len_us = 100 * SEC;
    fx_open(f);
    handshake(f, T0, 40000, 502);       /* 3 packets at T0 .. T0+2ms */
    for (int i = 1; i <= 25; i++) {     /* a poll every 10 s: T0+10 s .. T0+250 s */
        if (i & 1)
            tcp(f, T0 + i * 10 * SEC, HA, 40000, HB, 502, OTW_TCP_ACK | OTW_TCP_PSH, 12);
        else
            tcp(f, T0 + i * 10 * SEC, HB, 502, HA, 40000, OTW_TCP_ACK | OTW_TCP_PSH, 9);
    }
    flush(f);

    assert_int_equal(f->n, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct otw_session *s = &f->rec[i];
        assert_int_equal(s->segment, i);
        assert_int_equal(s->continued, i < 2 ? 1 : 0);
        assert_int_equal(s->end_reason, i < 2 ? OTW_END_SPLIT : OTW_END_EOF);
        assert_int_equal(s->state, OTW_ST_ESTABLISHED);
        assert_ends(s, HA, 40000, HB, 502);
        assert_int_equal(s->first_us, T0 + (int64_t)i * 100 * SEC);
        pk += s->src.packets + s->dst.packets;
        by += s->src.bytes + s->dst.bytes;
        pay += s->src.payload + s->dst.payload;
    }
    /* Segment 0: the handshake + polls at 10..90 s; 1: 100..190 s; 2: 200..250 s. */
    assert_int_equal(f->rec[0].src.packets + f->rec[0].dst.packets, 3 + 9);
    assert_int_equal(f->rec[1].src.packets + f->rec[1].dst.packets, 10);
    assert_int_equal(f->rec[2].src.packets + f->rec[2].dst.packets, 6);
    assert_int_equal(f->rec[2].last_us, T0 + 250 * SEC);
    assert_int_equal(pk, 28);
    assert_int_equal(pay, 13 * 12 + 12 * 9);
    assert_int_equal(by, 3 * 54 + 13 * 66 + 12 * 63);
}

/* --- ICMP ---------------------------------------------------------------------- */

static void test_icmp_echo(void **state)
{
    struct fx *f = *state;
    struct otw_pkt p;

    fx_open(f);
    p = mk_icmp(HA, HB, 8, 0);
    otw_flow_packet(f->ft, T0, 98, &p);
    p = mk_icmp(HB, HA, 0, 0);
    otw_flow_packet(f->ft, T0 + 500, 98, &p);
    p = mk_icmp(HA, HB, 8, 0);
    otw_flow_packet(f->ft, T0 + SEC, 98, &p);
    /* Destination unreachable from the server: a session of its own. */
    p = mk_icmp(HB, HA, 3, 3);
    otw_flow_packet(f->ft, T0 + 2 * SEC, 70, &p);
    flush(f);

    assert_int_equal(f->n, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct otw_session *s = &f->rec[i];
        assert_int_equal(s->proto, 1);
        if (s->icmp_type == 8) {
            assert_ends(s, HA, 8, HB, 0);
            assert_int_equal(s->icmp_code, 0);
            assert_int_equal(s->src.packets, 2);
            assert_int_equal(s->dst.packets, 1);
            assert_int_equal(s->src.bytes, 196);
            assert_int_equal(s->state, OTW_ST_ESTABLISHED);
        } else {
            assert_int_equal(s->icmp_type, 3);
            assert_int_equal(s->icmp_code, 3);
            assert_ends(s, HB, 3, HA, 3);
            assert_int_equal(s->src.packets, 1);
            assert_int_equal(s->dst.packets, 0);
            assert_int_equal(s->src.bytes, 70);
            assert_int_equal(s->state, OTW_ST_ATTEMPT);
        }
    }
}

static void test_icmp_reply_first(void **state)
{
    struct fx *f = *state;
    struct otw_pkt p;

    fx_open(f);
    p = mk_icmp(HB, HA, 0, 0);
    otw_flow_packet(f->ft, T0, 98, &p);
    p = mk_icmp(HA, HB, 8, 0);
    otw_flow_packet(f->ft, T0 + SEC, 98, &p);
    flush(f);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 8, HB, 0);
    assert_int_equal(f->rec[0].icmp_type, 8);
    assert_int_equal(f->rec[0].icmp_code, 0);
    assert_int_equal(f->rec[0].src.packets, 1);
    assert_int_equal(f->rec[0].dst.packets, 1);
    assert_int_equal(f->rec[0].first_us, T0);
}

/* Both ends on one host (loopback captures): ports, or for ICMP the
 * request/reply type, tell the directions apart. */
static void test_same_host(void **state)
{
    struct fx *f = *state;
    struct otw_pkt p;

    fx_open(f);
    tcp(f, T0, HA, 40000, HA, 502, OTW_TCP_SYN, 0);
    tcp(f, T0 + 1, HA, 502, HA, 40000, OTW_TCP_SYN | OTW_TCP_ACK, 0);
    tcp(f, T0 + 2, HA, 40000, HA, 502, OTW_TCP_ACK, 0);
    p = mk_icmp(HA, HA, 8, 0);
    otw_flow_packet(f->ft, T0 + 3, 98, &p);
    p = mk_icmp(HA, HA, 0, 0);
    otw_flow_packet(f->ft, T0 + 4, 98, &p);
    flush(f);
    assert_int_equal(f->n, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct otw_session *s = &f->rec[i];
        if (s->proto == 6)
            assert_ends(s, HA, 40000, HA, 502);
        else
            assert_ends(s, HA, 8, HA, 0);
        assert_int_equal(s->src.packets, s->proto == 6 ? 2 : 1);
        assert_int_equal(s->dst.packets, 1);
        assert_int_equal(s->state, OTW_ST_ESTABLISHED);
    }
}

/* --- IP fragments ---------------------------------------------------------------- */

static struct otw_pkt frag_first(uint32_t id, uint32_t payload)
{
    struct otw_pkt p = mk(17, HA, 5000, HB, 6000, 0, payload);
    p.flags |= OTW_PF_FRAG;
    p.frag_id = id;
    return p;
}

static struct otw_pkt frag_later(uint32_t id, uint32_t payload)
{
    struct otw_pkt p = mk(17, HA, 0, HB, 0, 0, payload);
    p.flags = OTW_PF_FRAG | OTW_PF_FRAG_LATER;
    p.frag_id = id;
    return p;
}

static void test_fragments_in_order(void **state)
{
    struct fx *f = *state;
    struct otw_pkt p;

    fx_open(f);
    p = frag_first(77, 1472);
    otw_flow_packet(f->ft, T0, 1514, &p);
    p = frag_later(77, 1480);
    otw_flow_packet(f->ft, T0 + 10, 1514, &p);
    p = frag_later(77, 100);
    otw_flow_packet(f->ft, T0 + 20, 134, &p);
    udp(f, T0 + 1000, HB, 6000, HA, 5000, 4);
    flush(f);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 5000, HB, 6000);
    assert_int_equal(f->rec[0].src.packets, 3);
    assert_int_equal(f->rec[0].src.bytes, 1514 + 1514 + 134);
    assert_int_equal(f->rec[0].src.payload, 1472 + 1480 + 100);
    assert_int_equal(f->rec[0].dst.packets, 1);
    assert_int_equal(f->rec[0].state, OTW_ST_ESTABLISHED);
}

static void test_fragments_out_of_order(void **state)
{
    struct fx *f = *state;
    struct otw_pkt p;
    struct otw_flow_stats st;

    fx_open(f);
    p = frag_later(78, 1480);
    otw_flow_packet(f->ft, T0, 1514, &p);
    p = frag_later(78, 8);
    otw_flow_packet(f->ft, T0 + 5, 42, &p);
    p = frag_first(78, 1472);
    otw_flow_packet(f->ft, T0 + 10, 1514, &p);
    flush(f);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 5000, HB, 6000);
    assert_int_equal(f->rec[0].src.packets, 3);
    assert_int_equal(f->rec[0].src.bytes, 1514 + 42 + 1514);
    assert_int_equal(f->rec[0].src.payload, 1480 + 8 + 1472);
    assert_int_equal(f->rec[0].first_us, T0);
    assert_int_equal(f->rec[0].last_us, T0 + 10);
    otw_flow_get_stats(f->ft, &st);
    assert_int_equal(st.frag_orphans, 0);
}

static void test_fragment_orphan(void **state)
{
    struct fx *f = *state;
    struct otw_pkt p;
    struct otw_flow_stats st;

    fx_open(f);
    p = frag_later(99, 1480);
    otw_flow_packet(f->ft, T0, 1514, &p);
    p = frag_later(99, 20);
    otw_flow_packet(f->ft, T0 + 7, 54, &p);
    /* A normal session between the same hosts stays apart. */
    udp(f, T0 + 10, HA, 5000, HB, 6000, 4);
    flush(f);
    assert_int_equal(f->n, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct otw_session *s = &f->rec[i];
        assert_int_equal(s->proto, 17);
        if (s->src_port == 0) {
            assert_ends(s, HA, 0, HB, 0);
            assert_int_equal(s->src.packets, 2);
            assert_int_equal(s->src.bytes, 1514 + 54);
            assert_int_equal(s->src.payload, 1500);
            assert_int_equal(s->first_us, T0);
        } else {
            assert_ends(s, HA, 5000, HB, 6000);
            assert_int_equal(s->src.packets, 1);
        }
    }
    otw_flow_get_stats(f->ft, &st);
    assert_int_equal(st.frag_orphans, 2);
}

/* Without a flush: the held fragments time out (30 s), become a session, and
 * that session then times out like any other. */
static void test_fragment_orphan_by_time(void **state)
{
    struct fx *f = *state;
    struct otw_pkt p;

    fx_open(f);
    p = frag_later(100, 1480);
    otw_flow_packet(f->ft, T0, 1514, &p);
    udp(f, T0 + 20 * SEC, HC, 1, HC, 2, 0);
    udp(f, T0 + 32 * SEC, HC, 1, HC, 2, 0);
    udp(f, T0 + 34 * SEC, HC, 1, HC, 2, 0);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 0, HB, 0);
    assert_int_equal(f->rec[0].src.packets, 1);
    assert_int_equal(f->rec[0].src.payload, 1480);
    assert_int_equal(f->rec[0].first_us, T0);
    assert_int_equal(f->rec[0].end_reason, OTW_END_IDLE);
    /* A first fragment arriving now no longer finds them. */
    p = frag_first(100, 1472);
    otw_flow_packet(f->ft, T0 + 35 * SEC, 1514, &p);
    flush(f);
    assert_int_equal(f->n, 3);
}

/* A large ping: the echo request and reply are fragmented; the later
 * fragments carry no ICMP header, yet belong to the echo session. */
static void test_icmp_fragments(void **state)
{
    struct fx *f = *state;
    struct otw_pkt p;
    struct otw_flow_stats st;

    fx_open(f);
    p = mk_icmp(HA, HB, 8, 0);
    p.flags |= OTW_PF_FRAG;
    p.frag_id = 500;
    p.payload_len = 1472;
    otw_flow_packet(f->ft, T0, 1514, &p);
    p = mk(1, HA, 0, HB, 0, 0, 1528);
    p.flags = OTW_PF_FRAG | OTW_PF_FRAG_LATER;
    p.frag_id = 500;
    otw_flow_packet(f->ft, T0 + 1, 1562, &p);
    /* The reply, its later fragment first this time. */
    p = mk(1, HB, 0, HA, 0, 0, 1528);
    p.flags = OTW_PF_FRAG | OTW_PF_FRAG_LATER;
    p.frag_id = 900;
    otw_flow_packet(f->ft, T0 + 2, 1562, &p);
    p = mk_icmp(HB, HA, 0, 0);
    p.flags |= OTW_PF_FRAG;
    p.frag_id = 900;
    p.payload_len = 1472;
    otw_flow_packet(f->ft, T0 + 3, 1514, &p);
    flush(f);
    assert_int_equal(f->n, 1);
    assert_ends(&f->rec[0], HA, 8, HB, 0);
    assert_int_equal(f->rec[0].icmp_type, 8);
    assert_int_equal(f->rec[0].src.packets, 2);
    assert_int_equal(f->rec[0].src.bytes, 1514 + 1562);
    assert_int_equal(f->rec[0].src.payload, 1472 + 1528);
    assert_int_equal(f->rec[0].dst.packets, 2);
    assert_int_equal(f->rec[0].dst.bytes, 1514 + 1562);
    otw_flow_get_stats(f->ft, &st);
    assert_int_equal(st.frag_orphans, 0);
}

/* --- limits ------------------------------------------------------------------------ */

static void test_max_flows_evicts_oldest(void **state)
{
    struct fx *f = *state;
    struct otw_flow_stats st;

    f->cfg.max_flows = 3;
    fx_open(f);
    udp(f, T0 + 1 * SEC, HA, 40001, HB, 161, 1);
    udp(f, T0 + 2 * SEC, HA, 40002, HB, 161, 1);
    tcp(f, T0 + 3 * SEC, HA, 40003, HB, 502, OTW_TCP_SYN, 0);
    udp(f, T0 + 3 * SEC + 500000, HA, 40001, HB, 161, 1);   /* 40001 is used again */
    assert_int_equal(f->n, 0);
    udp(f, T0 + 4 * SEC, HA, 40004, HB, 161, 1);            /* a fourth: 40002 must go */
    assert_int_equal(f->n, 1);
    assert_int_equal(f->rec[0].src_port, 40002);
    assert_int_equal(f->rec[0].end_reason, OTW_END_EVICTED);
    otw_flow_get_stats(f->ft, &st);
    assert_int_equal(st.evicted, 1);
    assert_int_equal(st.active, 3);
    assert_int_equal(st.created, 4);
    assert_int_equal(st.records, 1);

    tcp(f, T0 + 5 * SEC, HA, 40005, HB, 502, OTW_TCP_SYN, 0);  /* then the TCP one */
    assert_int_equal(f->n, 2);
    assert_int_equal(f->rec[1].src_port, 40003);
    assert_int_equal(f->rec[1].proto, 6);
    assert_int_equal(f->rec[1].end_reason, OTW_END_EVICTED);
    flush(f);
    assert_int_equal(f->n, 5);
    otw_flow_get_stats(f->ft, &st);
    assert_int_equal(st.evicted, 2);
    assert_int_equal(st.active, 0);
    assert_int_equal(st.records, 5);
}

/* --- through the decoder: MACs and VLANs --------------------------------------------- */

static void frame(struct fx *f, int64_t ts, const uint8_t *dmac, const uint8_t *smac,
                  uint16_t vid, uint32_t sip, uint16_t sp, uint32_t dip, uint16_t dp,
                  uint8_t fl)
{
    struct pb b;
    struct otw_pkt p;

    pb_init(&b);
    if (vid) {
        pb_eth(&b, dmac, smac, 0x8100);
        pb_vlan(&b, 0, vid, 0x0800);
    } else {
        pb_eth(&b, dmac, smac, 0x0800);
    }
    pb_ipv4(&b, sip, dip, 6);
    pb_tcp(&b, sp, dp, 1, 1, fl, 20);
    pb_data(&b, 10);
    pb_fix(&b);
    assert_int_equal(otw_decode(OTW_LT_ETHERNET, b.b, (uint32_t)b.n, (uint32_t)b.n, &p),
                     OTW_DEC_IP);
    otw_flow_packet(f->ft, ts, (uint32_t)b.n, &p);
}

static void test_macs_and_vlans(void **state)
{
    struct fx *f = *state;
    static const uint8_t router[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x01};

    fx_open(f);
    /* Session 1, one VLAN each way (a routed mirror copy), SYN-ACK seen first. */
    frame(f, T0, pb_mac_a, pb_mac_b, 10, HB, 502, HA, 40000, OTW_TCP_SYN | OTW_TCP_ACK);
    frame(f, T0 + 1, pb_mac_b, pb_mac_a, 20, HA, 40000, HB, 502, OTW_TCP_ACK);
    frame(f, T0 + 2, pb_mac_b, pb_mac_a, 20, HA, 40000, HB, 502, OTW_TCP_ACK);
    /* Session 2, untagged, through a router: the client sends to the router's MAC. */
    frame(f, T0 + 3, router, pb_mac_a, 0, HA, 40001, HC, 102, OTW_TCP_SYN);
    frame(f, T0 + 4, pb_mac_a, router, 0, HC, 102, HA, 40001, OTW_TCP_SYN | OTW_TCP_ACK);
    flush(f);

    assert_int_equal(f->n, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct otw_session *s = &f->rec[i];
        if (s->src_port == 40000) {
            assert_ends(s, HA, 40000, HB, 502);
            assert_memory_equal(s->src_mac, pb_mac_a, 6);
            assert_memory_equal(s->dst_mac, pb_mac_b, 6);
            assert_int_equal(s->nvlan, 2);
            assert_int_equal(s->vlan[0], 10);
            assert_int_equal(s->vlan[1], 20);
            assert_int_equal(s->src.bytes, 2 * (18 + 50));
            assert_int_equal(s->dst.bytes, 18 + 50);
            assert_int_equal(s->src.payload, 20);
        } else {
            assert_ends(s, HA, 40001, HC, 102);
            assert_memory_equal(s->src_mac, pb_mac_a, 6);
            assert_memory_equal(s->dst_mac, router, 6);
            assert_int_equal(s->nvlan, 0);
            assert_int_equal(s->src.bytes, 64);
            assert_int_equal(s->state, OTW_ST_ESTABLISHED);
        }
    }
}

static void test_port_rank(void **state)
{
    (void)state;
    assert_int_equal(otw_flow_port_rank(6, 502), 2);
    assert_int_equal(otw_flow_port_rank(6, 44818), 2);
    assert_int_equal(otw_flow_port_rank(17, 47808), 2);
    assert_int_equal(otw_flow_port_rank(6, 1025), 1);
    assert_int_equal(otw_flow_port_rank(6, 40000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_syn_sender_is_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synack_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_midstream_server_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_direction_and_states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_attempt_retransmitted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_established_closed_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_syn_after_fin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_idle_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_len_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_reply_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragments_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragments_out_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragment_orphan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragment_orphan_by_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_icmp_fragments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_flows_evicts_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_macs_and_vlans, setup, teardown),
        cmocka_unit_test(test_port_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
