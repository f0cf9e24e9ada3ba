/*
 * dns.c - DNS over UDP and TCP (RFC 1035), also mDNS (RFC 6762, udp/5353)
 * and LLMNR (RFC 4795, udp/5355), which share the message format.
 *
 * Proto stage: the engine hands one datagram per call (UDP) or the
 * reassembled stream (TCP, RFC 1035 section 4.2.2: each message behind a
 * 2-byte length). We record what was asked and what came back, not every
 * record: the question names and types, the rcode of responses, and the
 * rdata of A/AAAA/CNAME/PTR/NS answers (capped per message).
 *
 * Counting: dns.query and dns.qtype once per question of every message,
 * queries and responses alike (what tshark shows as dns.qry.name), so a
 * capture that holds only one direction still shows the names;
 * dns.rcode and dns.answer on responses only.
 *
 * Header (RFC 1035 4.1.1):
 *                                   1  1  1  1  1  1
 *     0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      ID                       |
 *   |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 *   |                    QDCOUNT                    |
 *   |                    ANCOUNT                    |
 *   |                    NSCOUNT                    |
 *   |                    ARCOUNT                    |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * Names (4.1.4): labels of up to 63 bytes, or a 2-byte pointer (top bits
 * 11) to an earlier offset. A pointer must point strictly before the
 * label it replaces, at most 16 pointers are followed and the text is at
 * most 255 bytes: anything else is dns.bad_name.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define DNS_HDR_LEN 12
#define DNS_NAME_MAX 255
#define DNS_MAX_JUMPS 16
#define DNS_MAX_QUESTIONS 8     /* questions recorded per message */
#define DNS_MAX_ANSWERS 16      /* answers recorded per message */

struct dns_state {
    size_t skip[2];             /* TCP: bytes of an oversized message still to skip */
};

static const uint16_t dns_ports[] = {53, 5353, 5355, 0};

static const struct otw_tok dns_types[] = {
    {1, "a"}, {2, "ns"}, {5, "cname"}, {6, "soa"}, {12, "ptr"}, {13, "hinfo"},
    {15, "mx"}, {16, "txt"}, {28, "aaaa"}, {33, "srv"}, {35, "naptr"}, {39, "dname"},
    {41, "opt"}, {43, "ds"}, {46, "rrsig"}, {47, "nsec"}, {48, "dnskey"}, {50, "nsec3"},
    {52, "tlsa"}, {64, "svcb"}, {65, "https"}, {99, "spf"}, {249, "tkey"}, {250, "tsig"},
    {251, "ixfr"}, {252, "axfr"}, {255, "any"}, {257, "caa"}, {0, NULL},
};

static const struct otw_tok dns_rcodes[] = {
    {0, "noerror"}, {1, "formerr"}, {2, "servfail"}, {3, "nxdomain"}, {4, "notimp"},
    {5, "refused"}, {6, "yxdomain"}, {7, "yxrrset"}, {8, "nxrrset"}, {9, "notauth"},
    {10, "notzone"}, {0, NULL},
};

/*
 * Reads the name at msg[off], following pointers. Writes the lower-cased
 * dotted text to out (at least DNS_NAME_MAX + 1 bytes) and its length to
 * *outlen, and the offset just after the name's in-place bytes to *next.
 * Returns 0, or -1 for a truncated or malformed name.
 */
static int dns_name(const uint8_t *msg, size_t mlen, size_t off, char *out, size_t *outlen,
                    size_t *next)
{
    size_t o = 0, pos = off, limit = off; /* a pointer must go below `limit` */
    int jumps = 0;

    *next = 0;
    for (;;) {
        uint8_t l;

        if (pos >= mlen)
            return -1;
        l = msg[pos];
        if ((l & 0xC0) == 0xC0) {
            size_t target;

            if (pos + 1 >= mlen)
                return -1;
            target = ((size_t)(l & 0x3F) << 8) | msg[pos + 1];
            if (*next == 0)
                *next = pos + 2;
            if (target >= limit || ++jumps > DNS_MAX_JUMPS)
                return -1;
            pos = limit = target;
            continue;
        }
        if (l & 0xC0)           /* 01 and 10: extended/obsolete label types */
            return -1;
        if (l == 0) {
            if (*next == 0)
                *next = pos + 1;
            break;
        }
        if (pos + 1 + l > mlen)
            return -1;
        if (o + (o ? 1 : 0) + l > DNS_NAME_MAX)
            return -1;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++) {
            uint8_t ch = msg[pos + 1 + i];
            out[o++] = (char)((ch >= 'A' && ch <= 'Z') ? ch + 32 : ch);
        }
        pos += 1 + (size_t)l;
    }
    if (o == 0)
        out[o++] = '.';     /* the root */
    out[o] = '\0';
    *outlen = o;
    return 0;
}

/* Header plausibility shared by probe and parse; `strict` also wants the
 * record counts to fit the length (a truncated message fails that). */
static int dns_header_check(const uint8_t *m, size_t len, int strict)
{
    uint8_t opcode;
    uint16_t qd, an, ns, ar;

    if (len < DNS_HDR_LEN)
        return 0;
    opcode = (m[2] >> 3) & 0x0F;
    if (opcode == 3 || opcode > 6)      /* 0 query, 1 iquery, 2 status, 4 notify, 5 update, 6 dso */
        return 0;
    if ((m[3] & 0x0F) > 10)             /* rcode beyond notzone: extended rcodes need OPT */
        return 0;
    qd = otw_be16(m + 4);
    an = otw_be16(m + 6);
    ns = otw_be16(m + 8);
    ar = otw_be16(m + 10);
    if (qd > 64 || an > 1024 || ns > 1024 || ar > 1024)
        return 0;
    if (qd + an + ns + ar == 0)
        return 0;
    /* The smallest record is 5 bytes (question: root + type + class) */
    if (strict && (size_t)(qd + an + ns + ar) * 5 > len - DNS_HDR_LEN)
        return 0;
    return 1;
}

static int dns_header_ok(const uint8_t *m, size_t len)
{
    return dns_header_check(m, len, 1);
}

/* Probe one message: header, then the first question or record must parse. */
/*
 * NetBIOS name service (RFC 1002 4.2) shares the message format; its names
 * are one 32-byte label of 'A'-'P' (RFC 1001 14.1 first-level encoding).
 * It is not DNS and is left to others.
 */
static int dns_netbios(const uint8_t *q, size_t len)
{
    if (len < 33 || q[0] != 32)
        return 0;
    for (size_t i = 1; i <= 32; i++)
        if (q[i] < 'A' || q[i] > 'P')
            return 0;
    return 1;
}

/* `avail` bytes of a message of `mlen` bytes are at m (avail >= 12). */
static int dns_probe_msg(const uint8_t *m, size_t avail, size_t mlen,
                         const struct otw_flowinfo *fi)
{
    char name[DNS_NAME_MAX + 1];
    size_t nlen, next;
    uint16_t cls;

    if (!dns_header_ok(m, mlen))
        return OTW_PROBE_NO;
    if (dns_name(m, avail, DNS_HDR_LEN, name, &nlen, &next) < 0 || next + 4 > avail)
        return avail < mlen && avail < OTW_PROBE_BYTES ? OTW_PROBE_MORE : OTW_PROBE_NO;
    if (dns_netbios(m + DNS_HDR_LEN, avail - DNS_HDR_LEN))
        return OTW_PROBE_NO;
    cls = otw_be16(m + next + 2) & 0x7FFF;  /* mDNS: top bit is unicast-response / cache-flush */
    if (otw_be16(m + 4) == 0) {
        /* No question (mDNS announcements): only on the DNS ports */
        if (fi == NULL || (fi->sport != 5353 && fi->dport != 5353 && fi->sport != 53 &&
                           fi->dport != 53 && fi->sport != 5355 && fi->dport != 5355))
            return OTW_PROBE_NO;
    }
    if (cls != 1 && cls != 3 && cls != 4 && cls != 254 && cls != 255)
        return OTW_PROBE_NO;
    return OTW_PROBE_YES;
}

static int dns_probe_udp(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    if (len < DNS_HDR_LEN)
        return OTW_PROBE_NO;
    return dns_probe_msg(p, len, len, fi);
}

/* TCP: the length prefix, then a message. */
static int dns_probe_tcp(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    if (len < 2 + DNS_HDR_LEN)
        return OTW_PROBE_MORE;
    {
        size_t mlen = otw_be16(p);

        if (mlen < DNS_HDR_LEN)
            return OTW_PROBE_NO;
        return dns_probe_msg(p + 2, OTW_MIN(len - 2, mlen), mlen, fi);
    }
}

/* Skips a name in place (no decompression needed to step over it). */
static size_t dns_skip_name(const uint8_t *m, size_t len, size_t pos)
{
    while (pos < len) {
        uint8_t l = m[pos];

        if ((l & 0xC0) == 0xC0)
            return pos + 2 <= len ? pos + 2 : 0;
        if (l & 0xC0)
            return 0;
        if (l == 0)
            return pos + 1;
        pos += 1 + (size_t)l;
    }
    return 0;
}

/* An A/AAAA record's owner name with its address, "plc1.plant.example
 * 192.168.10.30": the pair, for the asset inventory, even when a session
 * holds several questions. */
static void dns_resolved(struct otw_app *app, const uint8_t *m, size_t len, size_t rr,
                         const char *addr)
{
    char name[DNS_NAME_MAX + 1], pair[DNS_NAME_MAX + 1 + INET6_ADDRSTRLEN + 1];
    size_t nlen, next;

    if (dns_name(m, len, rr, name, &nlen, &next) != 0 || nlen == 0)
        return;
    snprintf(pair, sizeof(pair), "%.*s %s", (int)nlen, name, addr);
    otw_app_strz(app, "dns.resolved", pair);
}

static void dns_message(struct otw_app *app, const uint8_t *m, size_t len)
{
    char name[DNS_NAME_MAX + 1];
    size_t nlen, pos = DNS_HDR_LEN, next;
    uint16_t qd, an;
    int response;

    if (!dns_header_check(m, len, 0)) {
        otw_app_event(app, "dns.bad_header");
        return;
    }
    response = (m[2] & 0x80) != 0;
    qd = otw_be16(m + 4);
    an = otw_be16(m + 6);
    if (response)
        otw_app_strz(app, "dns.rcode", otw_tok_str(dns_rcodes, m[3] & 0x0F, "other"));
    for (uint16_t i = 0; i < qd; i++) {
        uint16_t type;

        if (dns_name(m, len, pos, name, &nlen, &next) < 0) {
            otw_app_event(app, "dns.bad_name");
            return;
        }
        if (next + 4 > len) {
            otw_app_event(app, "dns.truncated");
            return;
        }
        type = otw_be16(m + next);
        if (i < DNS_MAX_QUESTIONS) {
            otw_app_str(app, "dns.query", name, nlen);
            otw_app_strz(app, "dns.qtype", otw_tok_str(dns_types, type, "other"));
            otw_app_int(app, "dns.qtype_code", type);
        }
        pos = next + 4;
    }
    if (!response)
        return;
    for (uint16_t i = 0; i < an && i < DNS_MAX_ANSWERS; i++) {
        uint16_t type, rdlen;
        size_t rd;
        char txt[INET6_ADDRSTRLEN];

        next = dns_skip_name(m, len, pos);
        if (next == 0 || next + 10 > len) {
            otw_app_event(app, "dns.truncated");
            return;
        }
        type = otw_be16(m + next);
        rdlen = otw_be16(m + next + 8);
        rd = next + 10;
        if (rd + rdlen > len) {
            otw_app_event(app, "dns.truncated");
            return;
        }
        switch (type) {
        case 1:
            if (rdlen == 4 && inet_ntop(AF_INET, m + rd, txt, sizeof(txt))) {
                otw_app_strz(app, "dns.answer", txt);
                dns_resolved(app, m, len, pos, txt);
            } else if (rdlen != 4) {
                otw_app_event(app, "dns.bad_rdata");
            }
            break;
        case 28:
            if (rdlen == 16 && inet_ntop(AF_INET6, m + rd, txt, sizeof(txt))) {
                otw_app_strz(app, "dns.answer", txt);
                dns_resolved(app, m, len, pos, txt);
            } else if (rdlen != 16) {
                otw_app_event(app, "dns.bad_rdata");
            }
            break;
        case 2: case 5: case 12:
            /* The name may point anywhere before it in the message. */
            if (dns_name(m, len, rd, name, &nlen, &next) == 0 && next <= rd + rdlen)
                otw_app_str(app, "dns.answer", name, nlen);
            else
                otw_app_event(app, "dns.bad_name");
            break;
        default:
            break;
        }
        pos = rd + rdlen;
    }
}

/* UDP: one datagram, one message. */
static ssize_t dns_parse_udp(void *state, struct otw_app *app, int dir, const uint8_t *p,
                             size_t len)
{
    dns_message(app, p, len);
    return (ssize_t)len;
}

static ssize_t dns_parse_tcp(void *state, struct otw_app *app, int dir, const uint8_t *p,
                             size_t len)
{
    struct dns_state *st = state;
    size_t off = 0;

    if (st->skip[dir]) {
        off = (size_t)OTW_MIN((uint64_t)st->skip[dir], (uint64_t)len);
        st->skip[dir] -= off;
        if (st->skip[dir])
            return (ssize_t)off;
    }
    while (len - off >= 2) {
        size_t mlen = otw_be16(p + off);

        if (mlen < DNS_HDR_LEN) {
            otw_app_event(app, "dns.bad_length");
            return -1;
        }
        if (2 + mlen > OTW_PROTO_BUF_MAX) {
            /* Cannot be buffered whole: count it and step over it. */
            otw_app_event(app, "dns.too_long");
            if (len - off >= 2 + mlen) {
                off += 2 + mlen;
                continue;
            }
            st->skip[dir] = 2 + mlen - (len - off);
            return (ssize_t)len;
        }
        if (len - off < 2 + mlen)
            break;
        dns_message(app, p + off + 2, mlen);
        off += 2 + mlen;
    }
    return (ssize_t)off;
}

static const struct otw_pfield dns_fields[] = {
    {"dns.query", OTW_PF_STR, "question name, lower-cased (every message)"},
    {"dns.qtype", OTW_PF_STR, "question type name: a, aaaa, ptr, txt, mx, any ... (other)"},
    {"dns.qtype_code", OTW_PF_INT, "question type number"},
    {"dns.rcode", OTW_PF_STR, "response code name: noerror, nxdomain, servfail, refused ..."},
    {"dns.answer", OTW_PF_STR, "A/AAAA address or CNAME/PTR/NS name of an answer record"},
    {"dns.resolved", OTW_PF_STR, "an A/AAAA answer's name and address: \"plc1.example 10.0.0.5\""},
    {NULL, 0, NULL},
};

static const char *const dns_events[] = {
    "dns.bad_header", "dns.bad_name", "dns.bad_rdata", "dns.truncated", "dns.bad_length",
    "dns.too_long", NULL,
};

/*
 * Two registrations under one name: parse() is not told the transport,
 * and a TCP stream (length first) cannot be told from a datagram by its
 * bytes, so UDP and TCP get their own entry points.
 */
const struct otw_parser otw_parser_dns = {
    .name = "dns",
    .desc = "DNS, mDNS, LLMNR over UDP",
    .transports = OTW_PT_UDP,
    .ports = dns_ports,
    .probe = dns_probe_udp,
    .state_size = sizeof(struct dns_state),
    .parse = dns_parse_udp,
    .fields = dns_fields,
    .events = dns_events,
};

const struct otw_parser otw_parser_dns_tcp = {
    .name = "dns",
    .desc = "DNS over TCP (RFC 1035 4.2.2 length prefix)",
    .transports = OTW_PT_TCP,
    .ports = dns_ports,
    .probe = dns_probe_tcp,
    .state_size = sizeof(struct dns_state),
    .parse = dns_parse_tcp,
    .fields = dns_fields,
    .events = dns_events,
};
