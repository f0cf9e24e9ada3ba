/*
 * commid.c - Community ID v1: a flow hash other monitors print too.
 *
 * Called by the flow table once per session record. The input is the session
 * record only (no packet bytes), so nothing here reads untrusted data.
 *
 * What is hashed (community-id-spec README, "Pseudo code"), all big-endian:
 *
 *    0       2               2+A             2+2A    +1     +2       +4       +6
 *   +-------+---------------+---------------+-------+------+--------+--------+
 *   | seed  | address lo    | address hi    | proto |  0   | port lo| port hi|
 *   +-------+---------------+---------------+-------+------+--------+--------+
 *     2 B     A = 4 (IPv4) or 16 (IPv6)       1 B     pad    2 B      2 B
 *
 * "lo" is the endpoint whose address is smaller (bytewise), or, with equal
 * addresses, whose port is smaller. The two port fields are present only for
 * TCP, UDP, SCTP, ICMP and ICMPv6; any other protocol (GRE, ESP, OSPF ...)
 * hashes 2 + 2A + 2 bytes. The result is "1:" + base64(SHA-1).
 *
 * ICMP has no ports, so type and code stand in for them, as Zeek does:
 * - a request/reply type (echo, timestamp, ...) becomes the port pair
 *   (type, counterpart type), so the request and the reply, whose pairs are
 *   mirror images, order into one flow;
 * - any other type is one-way: (type, code), and the endpoints are NOT
 *   reordered, so the ID keeps the sender first.
 */
#include "core/commid.h"

#include "core/common.h"
#include "core/session.h"

#include <string.h>

#include <openssl/evp.h>

enum {
    PROTO_ICMP = 1,
    PROTO_TCP = 6,
    PROTO_UDP = 17,
    PROTO_ICMPV6 = 58,
    PROTO_SCTP = 132,
};

/* Request/reply pairs, both ways round (Zeek ICMP4_counterpart(), RFC 792,
 * RFC 950, RFC 1256). Rows are {type, counterpart}; ends with {-1, -1}. */
static const int16_t icmp4_pairs[][2] = {
    {8, 0},   {0, 8},     /* echo request / reply */
    {13, 14}, {14, 13},   /* timestamp / reply */
    {15, 16}, {16, 15},   /* information request / reply */
    {10, 9},  {9, 10},    /* router solicitation / advertisement */
    {17, 18}, {18, 17},   /* address mask request / reply */
    {-1, -1},
};

/* Zeek ICMP6_counterpart(): RFC 4443, RFC 4861, RFC 2710, RFC 4620, RFC 6275. */
static const int16_t icmp6_pairs[][2] = {
    {128, 129}, {129, 128},   /* echo request / reply */
    {133, 134}, {134, 133},   /* router solicitation / advertisement */
    {135, 136}, {136, 135},   /* neighbor solicitation / advertisement */
    {130, 131}, {131, 130},   /* MLD listener query / report */
    {139, 140}, {140, 139},   /* node information query / response */
    {144, 145}, {145, 144},   /* home agent address discovery request / reply */
    {-1, -1},
};

/* Port stand-ins for an ICMP type/code; returns 1 when the message is
 * one-way (no counterpart), 0 when it belongs to a request/reply pair. */
static int icmp_ports(const int16_t (*pairs)[2], int type, int code,
                      uint16_t *sport, uint16_t *dport)
{
    *sport = (uint16_t)type;
    for (size_t i = 0; pairs[i][0] >= 0; i++) {
        if (pairs[i][0] == type) {
            *dport = (uint16_t)pairs[i][1];
            return 0;
        }
    }
    *dport = (uint16_t)code;
    return 1;
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

int otw_commid_v1(const struct otw_session *s, uint16_t seed, char *out, size_t outlen)
{
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    uint16_t sport, dport;
    int has_ports = 1, one_way = 0;

    if (out != NULL && outlen > 0)
        out[0] = '\0';
    if (s == NULL || out == NULL || outlen < OTW_COMMID_LEN)
        return OTW_EINVAL;

    /* Zeek and the spec hash the 4-byte form of an IPv4 address; the record
     * keeps IPv4 mapped (::ffff:a.b.c.d), so its last 4 bytes are that form. */
    size_t alen = otw_ip_is_v4(s->src_ip) && otw_ip_is_v4(s->dst_ip) ? 4 : 16;
    const uint8_t *saddr = s->src_ip + (16 - alen);
    const uint8_t *daddr = s->dst_ip + (16 - alen);

    switch (s->proto) {
    case PROTO_TCP:
    case PROTO_UDP:
    case PROTO_SCTP:
        sport = s->src_port;
        dport = s->dst_port;
        break;
    case PROTO_ICMP:
    case PROTO_ICMPV6: {
        /* The initiator's first type/code; older records may only have them
         * in the port fields (src_port = type, dst_port = code). */
        int type = s->icmp_type >= 0 ? s->icmp_type : s->src_port;
        int code = s->icmp_code >= 0 ? s->icmp_code : s->dst_port;
        one_way = icmp_ports(s->proto == PROTO_ICMP ? icmp4_pairs : icmp6_pairs,
                             type, code, &sport, &dport);
        break;
    }
    default:
        has_ports = 0;
        sport = dport = 0;
        break;
    }

    /* Order the endpoints (spec: "the smaller IP:port tuple comes first");
     * ports compare as numbers, which is their big-endian byte order. */
    int c = memcmp(saddr, daddr, alen);
    if (!one_way && (c > 0 || (c == 0 && sport > dport))) {
        const uint8_t *ta = saddr;
        saddr = daddr;
        daddr = ta;
        uint16_t tp = sport;
        sport = dport;
        dport = tp;
    }

    size_t n = 0;
    put_be16(buf + n, seed);
    n += 2;
    memcpy(buf + n, saddr, alen);
    n += alen;
    memcpy(buf + n, daddr, alen);
    n += alen;
    buf[n++] = s->proto;
    buf[n++] = 0;
    if (has_ports) {
        put_be16(buf + n, sport);
        put_be16(buf + n + 2, dport);
        n += 4;
    }

    if (EVP_Digest(buf, n, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
        return OTW_ENOMEM;

    /* 20 bytes -> 28 base64 characters plus NUL, after the "1:". */
    out[0] = '1';
    out[1] = ':';
    if (EVP_EncodeBlock((unsigned char *)out + 2, md, (int)mdlen) != 28) {
        out[0] = '\0';
        return OTW_ENOMEM;
    }
    return OTW_OK;
}
