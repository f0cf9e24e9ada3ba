/*
 * pktbuild.h - building frames byte by byte for the decoder, flow and filter
 * unit tests.
 *
 * A `struct pb` is a fixed buffer with an append position. Header helpers
 * append one header each and remember where the IPv4/IPv6/UDP headers start,
 * so that pb_fix() can fill in their length fields from what follows once
 * the payload is in. A test that wants a wrong length writes it after
 * pb_fix() with pb_put16().
 *
 * Header-only (static functions) so each test file stays one translation unit.
 */
#ifndef OTW_TEST_PKTBUILD_H
#define OTW_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PB_MAX 4096

struct pb {
    uint8_t b[PB_MAX];
    size_t n;
    long ip4, ip6, udp;     /* offsets of headers to fix up, -1: none */
};

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static const uint8_t pb_mac_a[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t pb_mac_b[6] = {0x00, 0x66, 0x77, 0x88, 0x99, 0xaa};
static const uint8_t pb_mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t pb_mac_mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

static inline void pb_init(struct pb *p)
{
    memset(p->b, 0xee, sizeof(p->b));     /* poison: never valid header bytes by accident */
    p->n = 0;
    p->ip4 = p->ip6 = p->udp = -1;
}

static inline void pb_u8(struct pb *p, uint8_t v)
{
    if (p->n < PB_MAX)
        p->b[p->n++] = v;
}

static inline void pb_be16(struct pb *p, uint16_t v)
{
    pb_u8(p, (uint8_t)(v >> 8));
    pb_u8(p, (uint8_t)v);
}

static inline void pb_be32(struct pb *p, uint32_t v)
{
    pb_be16(p, (uint16_t)(v >> 16));
    pb_be16(p, (uint16_t)v);
}

static inline void pb_le32(struct pb *p, uint32_t v)
{
    pb_u8(p, (uint8_t)v);
    pb_u8(p, (uint8_t)(v >> 8));
    pb_u8(p, (uint8_t)(v >> 16));
    pb_u8(p, (uint8_t)(v >> 24));
}

static inline void pb_bytes(struct pb *p, const void *d, size_t len)
{
    const uint8_t *s = d;
    for (size_t i = 0; i < len; i++)
        pb_u8(p, s[i]);
}

/* `len` bytes of payload: 0x00, 0x01, ... so a test can check where it starts. */
static inline void pb_data(struct pb *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        pb_u8(p, (uint8_t)i);
}

static inline void pb_put16(struct pb *p, size_t off, uint16_t v)
{
    p->b[off] = (uint8_t)(v >> 8);
    p->b[off + 1] = (uint8_t)v;
}

/* Ethernet II: dst(6) src(6) type(2) */
static inline void pb_eth(struct pb *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    pb_bytes(p, dst, 6);
    pb_bytes(p, src, 6);
    pb_be16(p, type);
}

/* 802.1Q/802.1ad tag body after the TPID: TCI(2) then the inner type. */
static inline void pb_vlan(struct pb *p, uint8_t pcp, uint16_t vid, uint16_t inner)
{
    pb_be16(p, (uint16_t)((pcp << 13) | (vid & 0x0fff)));
    pb_be16(p, inner);
}

/* IPv4 header of 20 + optlen bytes (optlen a multiple of 4, options NOPs);
 * total length is filled by pb_fix(). `frag` is the flags/offset field. */
static inline void pb_ipv4_opt(struct pb *p, uint32_t src, uint32_t dst, uint8_t proto,
                               uint16_t id, uint16_t frag, size_t optlen)
{
    p->ip4 = (long)p->n;
    pb_u8(p, (uint8_t)(0x40 | ((20 + optlen) / 4)));
    pb_u8(p, 0);
    pb_be16(p, 0);          /* total length: pb_fix */
    pb_be16(p, id);
    pb_be16(p, frag);
    pb_u8(p, 64);
    pb_u8(p, proto);
    pb_be16(p, 0);
    pb_be32(p, src);
    pb_be32(p, dst);
    for (size_t i = 0; i < optlen; i++)
        pb_u8(p, 1);        /* NOP */
}

static inline void pb_ipv4(struct pb *p, uint32_t src, uint32_t dst, uint8_t proto)
{
    pb_ipv4_opt(p, src, dst, proto, 0x1234, 0x4000 /* DF */, 0);
}

/* IPv6 header; payload length filled by pb_fix(). */
static inline void pb_ipv6(struct pb *p, const uint8_t src[16], const uint8_t dst[16], uint8_t next)
{
    p->ip6 = (long)p->n;
    pb_be32(p, 0x60000000);
    pb_be16(p, 0);
    pb_u8(p, next);
    pb_u8(p, 64);
    pb_bytes(p, src, 16);
    pb_bytes(p, dst, 16);
}

/* An IPv6 extension header of 8 * (1 + len8) bytes (hop-by-hop, routing,
 * destination options: next(1) hdr_ext_len(1) then PadN). */
static inline void pb_ipv6_ext(struct pb *p, uint8_t next, uint8_t len8)
{
    size_t total = 8 * (1 + (size_t)len8);
    pb_u8(p, next);
    pb_u8(p, len8);
    pb_u8(p, 1);                        /* PadN */
    pb_u8(p, (uint8_t)(total - 4));
    for (size_t i = 4; i < total; i++)
        pb_u8(p, 0);
}

/* IPv6 fragment header: next(1) res(1) offset<<3|M(2) id(4) */
static inline void pb_ipv6_frag(struct pb *p, uint8_t next, uint16_t offset8, int more, uint32_t id)
{
    pb_u8(p, next);
    pb_u8(p, 0);
    pb_be16(p, (uint16_t)((offset8 << 3) | (more ? 1 : 0)));
    pb_be32(p, id);
}

/* TCP header of hlen bytes (>= 20, options NOPs). */
static inline void pb_tcp(struct pb *p, uint16_t sport, uint16_t dport, uint32_t seq,
                          uint32_t ack, uint8_t flags, size_t hlen)
{
    pb_be16(p, sport);
    pb_be16(p, dport);
    pb_be32(p, seq);
    pb_be32(p, ack);
    pb_u8(p, (uint8_t)((hlen / 4) << 4));
    pb_u8(p, flags);
    pb_be16(p, 65535);
    pb_be16(p, 0);
    pb_be16(p, 0);
    for (size_t i = 20; i < hlen; i++)
        pb_u8(p, 1);
}

/* UDP header; length filled by pb_fix(). */
static inline void pb_udp(struct pb *p, uint16_t sport, uint16_t dport)
{
    p->udp = (long)p->n;
    pb_be16(p, sport);
    pb_be16(p, dport);
    pb_be16(p, 0);
    pb_be16(p, 0);
}

/* ICMP / ICMPv6: type(1) code(1) sum(2) rest(4) */
static inline void pb_icmp(struct pb *p, uint8_t type, uint8_t code, uint32_t rest)
{
    pb_u8(p, type);
    pb_u8(p, code);
    pb_be16(p, 0);
    pb_be32(p, rest);
}

/* Fills the IPv4 total length, IPv6 payload length and UDP length from the
 * bytes appended so far. Call before appending Ethernet padding. */
static inline void pb_fix(struct pb *p)
{
    if (p->ip4 >= 0)
        pb_put16(p, (size_t)p->ip4 + 2, (uint16_t)(p->n - (size_t)p->ip4));
    if (p->ip6 >= 0)
        pb_put16(p, (size_t)p->ip6 + 4, (uint16_t)(p->n - (size_t)p->ip6 - 40));
    if (p->udp >= 0)
        pb_put16(p, (size_t)p->udp + 4, (uint16_t)(p->n - (size_t)p->udp));
}

/* The 16-byte form the decoder stores IPv4 in (::ffff:a.b.c.d). */
static inline void pb_v4mapped(uint8_t out[16], uint32_t a)
{
    memset(out, 0, 10);
    out[10] = 0xff;
    out[11] = 0xff;
    out[12] = (uint8_t)(a >> 24);
    out[13] = (uint8_t)(a >> 16);
    out[14] = (uint8_t)(a >> 8);
    out[15] = (uint8_t)a;
}

#endif
