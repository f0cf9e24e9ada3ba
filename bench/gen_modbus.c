/*
 * gen_modbus.c - writes a pcap of OT-like traffic for the import benchmark.
 *
 * Not part of otwatch: bench/import.sh builds it with `cc -O2` and uses its
 * output as the input that `otwatch import` and `tcpdump -r` are timed on.
 *
 * The plant (one flat /16, Ethernet, a mirror port's view):
 *
 *   10.10.1.11-14   4 SCADA/HMI masters; each polls 10 PLCs over Modbus/TCP,
 *                   one TCP connection per PLC, reconnecting every 10-60 min
 *   10.10.2.101-140 40 PLCs (Modbus/TCP servers on port 502)
 *   10.10.1.50      engineering workstation: short sessions every few minutes
 *                   (reads, sometimes a write), an EtherNet/IP ListIdentity
 *                   broadcast every 10 minutes
 *   10.10.0.1       NTP server (the masters and the workstation sync to it)
 *   10.10.0.5       NMS: SNMPv2c GET sysUpTime.0 to every PLC every 30 minutes
 *
 * plus ARP before some connections and hourly gratuitous ARP from the PLCs.
 *
 * Every polling cycle is a Modbus read (function 3) and its response and a
 * pure ACK; ~1% of cycles are writes (function 6, and 16), ~0.05% exception
 * responses. TCP sequence numbers, IP lengths and both checksums are right;
 * frames shorter than 60 bytes are zero-padded as a switch's mirror port
 * delivers them. Timestamps are microseconds and never go backwards; the
 * polling period is chosen so that PACKETS packets cover about SECONDS
 * seconds (a day by default). The output only depends on the options.
 *
 * Usage: gen_modbus [-n PACKETS] [-d SECONDS] [-s SEED] -o FILE
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_MASTERS 4
#define N_PLCS 40
#define START_SEC 1767225600LL /* 2026-01-01T00:00:00Z */
#define OUTBUF (8u << 20)
#define MAX_FRAME 512

/* ---- random numbers: xorshift64*, reproducible from the seed ---------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* uniform in [lo, hi] */
static int64_t rnd_range(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* true with probability per_million / 1e6 */
static int chance(unsigned per_million)
{
    return rnd() % 1000000u < per_million;
}

/* ---- output: pcap records into one big buffer ------------------------- */

static struct {
    FILE *f;
    uint8_t *buf;
    size_t used;
    uint64_t packets, bytes, limit;
    int64_t last_us;
} out;

static void out_flush(void)
{
    if (out.used > 0 && fwrite(out.buf, 1, out.used, out.f) != out.used) {
        perror("gen_modbus: write");
        exit(1);
    }
    out.used = 0;
}

static void put32(uint8_t *p, uint32_t v) /* pcap headers: host order */
{
    memcpy(p, &v, 4);
}

static void be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends one frame of `len` bytes at time `t_us`, padded to 60 bytes. */
static void out_frame(int64_t t_us, uint8_t *frame, size_t len)
{
    if (len < 60) {
        memset(frame + len, 0, 60 - len);
        len = 60;
    }
    if (out.used + 16 + len > OUTBUF)
        out_flush();
    if (t_us < out.last_us)
        t_us = out.last_us;
    out.last_us = t_us;

    uint8_t *h = out.buf + out.used;
    put32(h, (uint32_t)(t_us / 1000000));
    put32(h + 4, (uint32_t)(t_us % 1000000));
    put32(h + 8, (uint32_t)len);
    put32(h + 12, (uint32_t)len);
    memcpy(h + 16, frame, len);
    out.used += 16 + len;
    out.packets++;
    out.bytes += len;
}

/* ---- hosts ------------------------------------------------------------- */

struct host {
    uint8_t mac[6];
    uint8_t ip[4];
    uint8_t ttl;
    uint16_t ipid;
};

enum { H_NTP, H_NMS, H_ENG, H_MASTER0, H_PLC0 = H_MASTER0 + N_MASTERS, H_COUNT = H_PLC0 + N_PLCS };
static struct host hosts[H_COUNT];

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void host_set(int i, const uint8_t oui[3], uint32_t ip, uint8_t ttl)
{
    struct host *h = &hosts[i];
    memcpy(h->mac, oui, 3);
    h->mac[3] = (uint8_t)(0x10 + i);
    h->mac[4] = (uint8_t)(ip >> 8);
    h->mac[5] = (uint8_t)ip;
    be32(h->ip, ip);
    h->ttl = ttl;
    h->ipid = (uint16_t)rnd();
}

static void hosts_init(void)
{
    static const uint8_t cisco[3] = {0x00, 0x00, 0x0c}, intel[3] = {0x00, 0x1b, 0x21},
                         hp[3] = {0x3c, 0x52, 0x82}, schneider[3] = {0x00, 0x80, 0xf4},
                         siemens[3] = {0x00, 0x1b, 0x1b}, rockwell[3] = {0x00, 0x00, 0xbc},
                         wago[3] = {0x00, 0x30, 0xde};
    static const uint8_t *const plc_oui[4] = {schneider, siemens, rockwell, wago};
    static const uint8_t plc_ttl[4] = {64, 30, 64, 128};

    host_set(H_NTP, cisco, 0x0a0a0001, 255);
    host_set(H_NMS, intel, 0x0a0a0005, 64);
    host_set(H_ENG, hp, 0x0a0a0132, 128);
    for (int m = 0; m < N_MASTERS; m++)
        host_set(H_MASTER0 + m, intel, 0x0a0a010b + (uint32_t)m, 64);
    for (int p = 0; p < N_PLCS; p++)
        host_set(H_PLC0 + p, plc_oui[p % 4], 0x0a0a0265 + (uint32_t)p, plc_ttl[p % 4]);
}

/* ---- headers ------------------------------------------------------------ */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint8_t *eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    be16(p + 12, type);
    return p + 14;
}

/* IPv4 header (20 bytes, DF set) for `l4len` bytes of transport. */
static uint8_t *ipv4(uint8_t *p, struct host *s, const uint8_t dip[4], uint8_t proto,
                     size_t l4len)
{
    p[0] = 0x45;
    p[1] = 0;
    be16(p + 2, (uint32_t)(20 + l4len));
    be16(p + 4, s->ipid++);
    be16(p + 6, 0x4000);
    p[8] = s->ttl;
    p[9] = proto;
    be16(p + 10, 0);
    memcpy(p + 12, s->ip, 4);
    memcpy(p + 16, dip, 4);
    be16(p + 10, csum_fold(csum_add(0, p, 20)));
    return p + 20;
}

/* Transport checksum over the pseudo-header and `len` bytes at `l4`. */
static void l4_csum(uint8_t *l4, size_t len, const uint8_t *iph, uint8_t proto, size_t off)
{
    uint8_t ph[4] = {0, proto, (uint8_t)(len >> 8), (uint8_t)len};
    uint32_t sum = csum_add(0, iph + 12, 8);
    sum = csum_add(sum, ph, 4);
    be16(l4 + off, 0);
    uint16_t c = csum_fold(csum_add(sum, l4, len));
    be16(l4 + off, c);
}

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

/* Writes one TCP segment from `s` to `d`. SYNs carry an MSS option. */
static void tcp_pkt(int64_t t, struct host *s, struct host *d, uint16_t sport, uint16_t dport,
                    uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                    const uint8_t *data, size_t dlen)
{
    uint8_t f[MAX_FRAME];
    size_t hl = (flags & F_SYN) ? 24 : 20;
    uint8_t *ip = eth(f, d->mac, s->mac, 0x0800);
    uint8_t *t4 = ipv4(ip, s, d->ip, 6, hl + dlen);

    be16(t4, sport);
    be16(t4 + 2, dport);
    be32(t4 + 4, seq);
    be32(t4 + 8, (flags & F_ACK) ? ack : 0);
    t4[12] = (uint8_t)((hl / 4) << 4);
    t4[13] = flags;
    be16(t4 + 14, win);
    be16(t4 + 16, 0);
    be16(t4 + 18, 0);
    if (hl == 24) {
        t4[20] = 2;     /* MSS */
        t4[21] = 4;
        be16(t4 + 22, 1460);
    }
    if (dlen > 0)
        memcpy(t4 + hl, data, dlen);
    l4_csum(t4, hl + dlen, ip, 6, 16);
    out_frame(t, f, 14 + 20 + hl + dlen);
}

static void udp_pkt(int64_t t, struct host *s, const uint8_t dmac[6], const uint8_t dip[4],
                    uint16_t sport, uint16_t dport, const uint8_t *data, size_t dlen)
{
    uint8_t f[MAX_FRAME];
    uint8_t *ip = eth(f, dmac, s->mac, 0x0800);
    uint8_t *u = ipv4(ip, s, dip, 17, 8 + dlen);

    be16(u, sport);
    be16(u + 2, dport);
    be16(u + 4, (uint32_t)(8 + dlen));
    memcpy(u + 8, data, dlen);
    l4_csum(u, 8 + dlen, ip, 17, 6);
    out_frame(t, f, 14 + 20 + 8 + dlen);
}

/* ARP (RFC 826) request from s for d's address, or d's reply to s. */
static void arp_pkt(int64_t t, const struct host *s, const struct host *d, int reply)
{
    uint8_t f[64];
    uint8_t *a = eth(f, reply ? d->mac : bcast_mac, s->mac, 0x0806);

    be16(a, 1);
    be16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    be16(a + 6, reply ? 2 : 1);
    memcpy(a + 8, s->mac, 6);
    memcpy(a + 14, s->ip, 4);
    if (reply)
        memcpy(a + 18, d->mac, 6);
    else
        memset(a + 18, 0, 6);
    memcpy(a + 24, d->ip, 4);
    out_frame(t, f, 14 + 28);
}

/* ---- Modbus/TCP ---------------------------------------------------------
 *
 *   MBAP header (7 bytes)                           PDU
 *   +--------+--------+--------+------+   +------+----------------------+
 *   | trans  | proto  | length | unit |   | func | data                 |
 *   | id (2) | =0 (2) | (2)    | (1)  |   | (1)  | length - 2 bytes     |
 *   +--------+--------+--------+------+   +------+----------------------+
 *   length counts the unit id and the PDU.
 */

static size_t mbap(uint8_t *p, uint16_t tid, uint8_t unit, size_t pdu_len)
{
    be16(p, tid);
    be16(p + 2, 0);
    be16(p + 4, (uint32_t)(pdu_len + 1));
    p[6] = unit;
    return 7 + pdu_len;
}

struct plc_regs {
    uint16_t r[128];
};
static struct plc_regs regs[N_PLCS];

/* Slowly drifting process values. */
static void regs_drift(struct plc_regs *g)
{
    for (int k = 0; k < 4; k++) {
        unsigned i = (unsigned)(rnd() % 128);
        g->r[i] = (uint16_t)(g->r[i] + rnd_range(-3, 3));
    }
}

/* Builds one request and its response (MBAP included) and their lengths. */
static void modbus_exchange(int plc, uint16_t tid, uint8_t unit, int kind, uint16_t start,
                            uint16_t qty, uint8_t *req, size_t *reqlen, uint8_t *rsp,
                            size_t *rsplen)
{
    struct plc_regs *g = &regs[plc];
    uint8_t *q = req + 7, *r = rsp + 7;

    if (start + qty > 128)
        start = (uint16_t)(128 - qty);
    switch (kind) {
    case 6: {   /* write single register: response echoes the request */
        uint16_t v = (uint16_t)rnd_range(0, 1000);
        q[0] = 6;
        be16(q + 1, start);
        be16(q + 3, v);
        g->r[start] = v;
        *reqlen = mbap(req, tid, unit, 5);
        memcpy(r, q, 5);
        *rsplen = mbap(rsp, tid, unit, 5);
        return;
    }
    case 16: {  /* write multiple registers */
        q[0] = 16;
        be16(q + 1, start);
        be16(q + 3, qty);
        q[5] = (uint8_t)(2 * qty);
        for (unsigned i = 0; i < qty; i++) {
            uint16_t v = (uint16_t)rnd_range(0, 1000);
            be16(q + 6 + 2 * i, v);
            g->r[start + i] = v;
        }
        *reqlen = mbap(req, tid, unit, 6 + 2u * qty);
        memcpy(r, q, 5);
        *rsplen = mbap(rsp, tid, unit, 5);
        return;
    }
    default:    /* read holding registers */
        q[0] = 3;
        be16(q + 1, start);
        be16(q + 3, qty);
        *reqlen = mbap(req, tid, unit, 5);
        if (chance(500)) {  /* illegal data address */
            r[0] = 0x83;
            r[1] = 0x02;
            *rsplen = mbap(rsp, tid, unit, 2);
            return;
        }
        regs_drift(g);
        r[0] = 3;
        r[1] = (uint8_t)(2 * qty);
        for (unsigned i = 0; i < qty; i++)
            be16(r + 2 + 2 * i, g->r[start + i]);
        *rsplen = mbap(rsp, tid, unit, 2 + 2u * qty);
        return;
    }
}

/* ---- actors: each emits one packet per step and says when it runs next -- */

enum {
    A_LINK,     /* master (or workstation) <-> PLC Modbus/TCP */
    A_SNMP,     /* NMS -> PLC GET, response */
    A_NTP,      /* client -> NTP server, response */
    A_GARP,     /* hourly gratuitous ARP from a PLC */
    A_ENIP,     /* workstation ListIdentity broadcast */
};

enum {
    L_IDLE, L_ARP_REQ, L_ARP_REP, L_SYN, L_SYNACK, L_ACK, L_QUERY, L_RESP, L_QACK,
    L_FIN, L_FINACK, L_LASTACK,
};

struct actor {
    int64_t next;   /* microseconds */
    int kind;
    int state;
    int client, server;     /* host indexes */
    int plc;                /* 0..N_PLCS-1 */
    int eng;                /* workstation: short sessions to random PLCs */
    uint16_t sport, tid;
    uint8_t unit;
    uint32_t cseq, sseq;
    int64_t poll_at, end_at;
    int tx_left;
    int block;
    uint8_t req[300], rsp[300];
    size_t reqlen, rsplen;
};

static struct actor *actors;
static int n_actors;
static int64_t period_us;
static uint64_t tcp_sessions, udp_flows, arp_packets;

/* min-heap of actor indexes by next */
static int *heap;

static int before(int a, int b)
{
    return actors[heap[a]].next < actors[heap[b]].next;
}

static void heap_swap(int a, int b)
{
    int t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
}

static void heap_down(int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < n_actors && before(l, m))
            m = l;
        if (r < n_actors && before(r, m))
            m = r;
        if (m == i)
            return;
        heap_swap(i, m);
        i = m;
    }
}

static void heap_build(void)
{
    for (int i = 0; i < n_actors; i++)
        heap[i] = i;
    for (int i = n_actors / 2 - 1; i >= 0; i--)
        heap_down(i);
}

static void link_step(struct actor *a)
{
    struct host *c = &hosts[a->client], *s = &hosts[a->server];
    int64_t t = a->next;
    const uint16_t cwin = a->eng ? 64240 : 29200, swin = 4096;

    switch (a->state) {
    case L_IDLE:
        if (a->eng) {   /* a new target each time */
            a->plc = (int)rnd_range(0, N_PLCS - 1);
            a->server = H_PLC0 + a->plc;
            a->unit = 1;
        }
        a->sport = (uint16_t)(a->sport >= 60999 ? 32768 : a->sport + 1);
        a->cseq = (uint32_t)rnd();
        a->sseq = (uint32_t)rnd();
        a->state = chance(300000) ? L_ARP_REQ : L_SYN;
        a->next = t;    /* the state below runs at once */
        return;
    case L_ARP_REQ:
        arp_pkt(t, c, s, 0);
        arp_packets++;
        a->state = L_ARP_REP;
        a->next = t + rnd_range(200, 900);
        return;
    case L_ARP_REP:
        arp_pkt(t, s, c, 1);
        arp_packets++;
        a->state = L_SYN;
        a->next = t + rnd_range(20, 100);
        return;
    case L_SYN:
        tcp_pkt(t, c, s, a->sport, 502, a->cseq, 0, F_SYN, cwin, NULL, 0);
        tcp_sessions++;
        a->state = L_SYNACK;
        a->next = t + rnd_range(300, 1500);
        return;
    case L_SYNACK:
        tcp_pkt(t, s, c, 502, a->sport, a->sseq, a->cseq + 1, F_SYN | F_ACK, swin, NULL, 0);
        a->cseq++;
        a->sseq++;
        a->state = L_ACK;
        a->next = t + rnd_range(40, 200);
        return;
    case L_ACK:
        tcp_pkt(t, c, s, a->sport, 502, a->cseq, a->sseq, F_ACK, cwin, NULL, 0);
        if (a->eng) {
            a->tx_left = (int)rnd_range(1, 6);
        } else {
            a->end_at = t + rnd_range(10, 60) * 60 * 1000000LL;
            a->tx_left = -1;
        }
        a->state = L_QUERY;
        a->poll_at = t + rnd_range(500, 2000);
        a->next = a->poll_at;
        return;
    case L_QUERY: {
        int kind = 3;
        uint16_t start, qty;
        if (a->eng ? chance(300000) && a->tx_left == 1 : chance(10000))
            kind = chance(250000) || a->eng ? 16 : 6;
        if (kind == 3) {
            a->block ^= 1;
            start = a->block ? (uint16_t)(100 + a->plc % 8) : 0;
            qty = a->block ? (uint16_t)(8 + a->plc % 13) : (uint16_t)(20 + (a->plc * 7) % 61);
        } else {
            start = (uint16_t)rnd_range(40, 60);
            qty = kind == 16 ? (uint16_t)rnd_range(2, 10) : 1;
        }
        a->tid++;
        modbus_exchange(a->plc, a->tid, a->unit, kind, start, qty, a->req, &a->reqlen, a->rsp,
                        &a->rsplen);
        tcp_pkt(t, c, s, a->sport, 502, a->cseq, a->sseq, F_PSH | F_ACK, cwin, a->req,
                a->reqlen);
        a->cseq += (uint32_t)a->reqlen;
        a->state = L_RESP;
        a->next = t + rnd_range(3000, 20000);   /* the PLC's scan and stack */
        return;
    }
    case L_RESP:
        tcp_pkt(t, s, c, 502, a->sport, a->sseq, a->cseq, F_PSH | F_ACK, swin, a->rsp,
                a->rsplen);
        a->sseq += (uint32_t)a->rsplen;
        a->state = L_QACK;
        a->next = t + rnd_range(100, 40000);    /* quick or delayed ACK */
        return;
    case L_QACK:
        tcp_pkt(t, c, s, a->sport, 502, a->cseq, a->sseq, F_ACK, cwin, NULL, 0);
        if (a->eng) {
            a->poll_at = t + rnd_range(50000, 500000);
            a->state = --a->tx_left > 0 ? L_QUERY : L_FIN;
        } else {
            a->poll_at += period_us + rnd_range(-period_us / 100, period_us / 100);
            if (a->poll_at <= t)
                a->poll_at = t + 1000;
            a->state = a->poll_at >= a->end_at ? L_FIN : L_QUERY;
        }
        a->next = a->poll_at;
        return;
    case L_FIN:
        tcp_pkt(t, c, s, a->sport, 502, a->cseq, a->sseq, F_FIN | F_ACK, cwin, NULL, 0);
        a->cseq++;
        a->state = L_FINACK;
        a->next = t + rnd_range(300, 3000);
        return;
    case L_FINACK:
        tcp_pkt(t, s, c, 502, a->sport, a->sseq, a->cseq, F_FIN | F_ACK, swin, NULL, 0);
        a->sseq++;
        a->state = L_LASTACK;
        a->next = t + rnd_range(40, 300);
        return;
    case L_LASTACK:
        tcp_pkt(t, c, s, a->sport, 502, a->cseq, a->sseq, F_ACK, cwin, NULL, 0);
        a->state = L_IDLE;
        a->next = t + (a->eng ? rnd_range(60, 240) * 1000000LL : rnd_range(500000, 5000000));
        return;
    }
}

/* SNMPv2c GET sysUpTime.0 (BER), or its response with a TimeTicks value. */
static size_t snmp_msg(uint8_t *p, uint32_t reqid, int response, uint32_t ticks)
{
    static const uint8_t oid[] = {0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00};
    uint8_t val[6];
    size_t vlen;
    if (response) {
        val[0] = 0x43;  /* TimeTicks */
        val[1] = 4;
        be32(val + 2, ticks);
        vlen = 6;
    } else {
        val[0] = 0x05;  /* NULL */
        val[1] = 0;
        vlen = 2;
    }
    size_t vb = sizeof(oid) + vlen;         /* VarBind contents */
    size_t vbl = 2 + vb;                    /* VarBindList contents */
    size_t pdu = 6 + 3 + 3 + 2 + vbl;       /* request-id, error, index, list */
    size_t msg = 3 + 8 + 2 + pdu;           /* version, community, PDU */
    uint8_t *q = p;
    *q++ = 0x30; *q++ = (uint8_t)msg;
    *q++ = 0x02; *q++ = 1; *q++ = 1;        /* version 2c */
    *q++ = 0x04; *q++ = 6; memcpy(q, "public", 6); q += 6;
    *q++ = response ? 0xa2 : 0xa0; *q++ = (uint8_t)pdu;
    *q++ = 0x02; *q++ = 4; be32(q, reqid); q += 4;
    *q++ = 0x02; *q++ = 1; *q++ = 0;
    *q++ = 0x02; *q++ = 1; *q++ = 0;
    *q++ = 0x30; *q++ = (uint8_t)vbl;
    *q++ = 0x30; *q++ = (uint8_t)vb;
    memcpy(q, oid, sizeof(oid)); q += sizeof(oid);
    memcpy(q, val, vlen); q += vlen;
    return (size_t)(q - p);
}

static void snmp_step(struct actor *a)
{
    struct host *nms = &hosts[H_NMS], *plc = &hosts[a->server];
    uint8_t m[64];
    int64_t t = a->next;

    if (a->state == 0) {
        a->sport = (uint16_t)rnd_range(32768, 60999);
        a->cseq = (uint32_t)rnd();
        udp_pkt(t, nms, plc->mac, plc->ip, a->sport, 161, m, snmp_msg(m, a->cseq, 0, 0));
        udp_flows++;
        a->state = 1;
        a->next = t + rnd_range(800, 6000);
    } else {
        uint32_t ticks = (uint32_t)((t / 10000) % 0xffffffffu);
        udp_pkt(t, plc, nms->mac, nms->ip, 161, a->sport, m, snmp_msg(m, a->cseq, 1, ticks));
        a->state = 0;
        a->next = t + 30 * 60 * 1000000LL + rnd_range(-2000000, 2000000);
    }
}

/* NTPv4 (RFC 5905) client request (mode 3) or server reply (mode 4). */
static void ntp_step(struct actor *a)
{
    struct host *cl = &hosts[a->client], *srv = &hosts[H_NTP];
    uint8_t m[48] = {0};
    int64_t t = a->next;
    uint32_t sec = (uint32_t)(t / 1000000 + 2208988800LL);

    be32(m + 40, sec);  /* transmit timestamp */
    be32(m + 44, (uint32_t)rnd());
    if (a->state == 0) {
        m[0] = 0x23;    /* LI 0, version 4, mode 3 */
        udp_pkt(t, cl, srv->mac, srv->ip, 123, 123, m, sizeof(m));
        a->state = 1;
        a->next = t + rnd_range(300, 2000);
    } else {
        m[0] = 0x24;    /* mode 4 */
        m[1] = 2;       /* stratum */
        m[2] = 10;
        m[3] = 0xe9;
        memcpy(m + 12, "GPS", 3);
        be32(m + 24, sec);
        be32(m + 32, sec);
        udp_pkt(t, srv, cl->mac, cl->ip, 123, 123, m, sizeof(m));
        a->state = 0;
        a->next = t + 1024 * 1000000LL + rnd_range(-5000000, 5000000);
    }
}

static void garp_step(struct actor *a)
{
    const struct host *h = &hosts[a->server];
    arp_pkt(a->next, h, h, 0);
    arp_packets++;
    a->next += 3600 * 1000000LL + rnd_range(-30000000, 30000000);
}

/* EtherNet/IP encapsulation header, command ListIdentity (0x0063), which
 * every CIP device on the segment answers; nothing here speaks CIP. */
static void enip_step(struct actor *a)
{
    static const uint8_t bip[4] = {255, 255, 255, 255};
    uint8_t m[24] = {0x63, 0x00};   /* little-endian command, rest zero */
    a->sport = (uint16_t)rnd_range(49152, 65535);
    udp_pkt(a->next, &hosts[H_ENG], bcast_mac, bip, a->sport, 44818, m, sizeof(m));
    udp_flows++;
    a->next += 600 * 1000000LL + rnd_range(-1000000, 1000000);
}

static void actor_step(struct actor *a)
{
    switch (a->kind) {
    case A_LINK: link_step(a); break;
    case A_SNMP: snmp_step(a); break;
    case A_NTP: ntp_step(a); break;
    case A_GARP: garp_step(a); break;
    case A_ENIP: enip_step(a); break;
    }
}

static void actors_init(int64_t t0)
{
    n_actors = N_PLCS /* links */ + 1 /* eng */ + N_PLCS /* snmp */ + (N_MASTERS + 1) /* ntp */
             + N_PLCS /* garp */ + 1 /* enip */;
    actors = calloc((size_t)n_actors, sizeof(*actors));
    heap = calloc((size_t)n_actors, sizeof(*heap));
    if (actors == NULL || heap == NULL) {
        fprintf(stderr, "gen_modbus: out of memory\n");
        exit(1);
    }
    int k = 0;
    for (int p = 0; p < N_PLCS; p++) {
        struct actor *a = &actors[k++];
        a->kind = A_LINK;
        a->client = H_MASTER0 + p % N_MASTERS;
        a->server = H_PLC0 + p;
        a->plc = p;
        a->unit = p % 5 == 4 ? 255 : 1;
        a->sport = (uint16_t)rnd_range(32768, 60000);
        a->tid = (uint16_t)rnd();
        a->next = t0 + rnd_range(0, 5000000);
    }
    struct actor *e = &actors[k++];
    e->kind = A_LINK;
    e->eng = 1;
    e->client = H_ENG;
    e->sport = (uint16_t)rnd_range(49152, 60000);
    e->next = t0 + rnd_range(30, 120) * 1000000LL;
    for (int p = 0; p < N_PLCS; p++) {
        struct actor *a = &actors[k++];
        a->kind = A_SNMP;
        a->server = H_PLC0 + p;
        a->next = t0 + rnd_range(0, 30 * 60) * 1000000LL;
    }
    for (int i = 0; i <= N_MASTERS; i++) {
        struct actor *a = &actors[k++];
        a->kind = A_NTP;
        a->client = i < N_MASTERS ? H_MASTER0 + i : H_ENG;
        a->next = t0 + rnd_range(0, 1024) * 1000000LL;
    }
    for (int p = 0; p < N_PLCS; p++) {
        struct actor *a = &actors[k++];
        a->kind = A_GARP;
        a->server = H_PLC0 + p;
        a->next = t0 + rnd_range(0, 3600) * 1000000LL;
    }
    struct actor *b = &actors[k++];
    b->kind = A_ENIP;
    b->next = t0 + rnd_range(0, 600) * 1000000LL;
    heap_build();
}

/* ---- main ------------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return -1;
    *v = x;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_modbus [-n PACKETS] [-d SECONDS] [-s SEED] -o FILE\n"
                    "  -n  packets to write (default 5000000)\n"
                    "  -d  time the capture should span (default 86400)\n"
                    "  -s  random seed (default 1); same options, same file\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t npkts = 5000000, dur = 86400, seed = 1;
    const char *path = NULL;

    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(o, "-o") == 0)
            path = v;
        else if (strcmp(o, "-n") == 0 ? parse_u64(v, &npkts) != 0 || npkts == 0
                 : strcmp(o, "-d") == 0 ? parse_u64(v, &dur) != 0 || dur == 0
                 : strcmp(o, "-s") == 0 ? parse_u64(v, &seed) != 0
                 : 1)
            usage();
    }
    if (path == NULL)
        usage();

    struct timespec t_start, t_end;
    clock_gettime(CLOCK_MONOTONIC, &t_start);

    rng_state = seed * 0x9E3779B97F4A7C15ULL + 0x1234567;
    if (rng_state == 0)
        rng_state = 1;
    for (int i = 0; i < 8; i++)
        rnd();

    /* Polling is 3 packets per cycle on N_PLCS links and ~99% of all
     * packets; pick the period that spreads npkts over dur seconds. */
    period_us = (int64_t)((double)N_PLCS * 3 * (double)dur * 1e6 / ((double)npkts * 0.99));
    if (period_us < 10000)
        period_us = 10000;
    if (period_us > 600 * 1000000LL)
        period_us = 600 * 1000000LL;

    out.f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (out.f == NULL) {
        fprintf(stderr, "gen_modbus: %s: %s\n", path, strerror(errno));
        return 1;
    }
    out.buf = malloc(OUTBUF);
    if (out.buf == NULL) {
        fprintf(stderr, "gen_modbus: out of memory\n");
        return 1;
    }

    /* pcap file header: microsecond magic, v2.4, snaplen 65535, Ethernet */
    uint8_t fh[24];
    uint16_t ver_major = 2, ver_minor = 4;
    put32(fh, 0xa1b2c3d4);
    memcpy(fh + 4, &ver_major, 2);
    memcpy(fh + 6, &ver_minor, 2);
    put32(fh + 8, 0);
    put32(fh + 12, 0);
    put32(fh + 16, 65535);
    put32(fh + 20, 1);
    memcpy(out.buf, fh, sizeof(fh));
    out.used = sizeof(fh);

    int64_t t0 = START_SEC * 1000000LL;
    hosts_init();
    for (int p = 0; p < N_PLCS; p++)
        for (int r = 0; r < 128; r++)
            regs[p].r[r] = (uint16_t)rnd_range(0, 4000);
    actors_init(t0);

    while (out.packets < npkts) {
        struct actor *a = &actors[heap[0]];
        actor_step(a);
        heap_down(0);
    }
    out_flush();
    if (out.f != stdout && fclose(out.f) != 0) {
        fprintf(stderr, "gen_modbus: %s: %s\n", path, strerror(errno));
        return 1;
    }

    clock_gettime(CLOCK_MONOTONIC, &t_end);
    double secs = (double)(t_end.tv_sec - t_start.tv_sec) +
                  (double)(t_end.tv_nsec - t_start.tv_nsec) / 1e9;
    fprintf(stderr,
            "gen_modbus: %llu packets, %llu bytes of frames, %llu TCP sessions, "
            "%llu UDP exchanges (+5 NTP flows), %llu ARP, span %.0f s, poll period %.3f s, "
            "%.2f s\n",
            (unsigned long long)out.packets, (unsigned long long)out.bytes,
            (unsigned long long)tcp_sessions, (unsigned long long)udp_flows,
            (unsigned long long)arp_packets, (double)(out.last_us - t0) / 1e6,
            (double)period_us / 1e6, secs);
    free(out.buf);
    free(actors);
    free(heap);
    return 0;
}
