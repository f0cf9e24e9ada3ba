/*
 * decode.c - frame bytes -> struct otw_pkt.
 *
 * Second stage of the pipeline (capture -> decode -> flow). Link layers:
 * Ethernet II and 802.3 LLC/SNAP, 802.1Q / 802.1ad / QinQ tags, MPLS, PPPoE,
 * Linux cooked capture v1 and v2, BSD loopback/NULL, raw IP. Network: ARP,
 * IPv4 (fragments), IPv6 (extension headers, fragments). Transport: TCP, UDP,
 * SCTP and UDP-Lite ports, ICMP and ICMPv6 type/code; any other protocol is
 * kept by its number.
 *
 * No allocation. Every byte is read through the cursor. A frame cut short by
 * the snapshot length is normal and decoded as far as it goes; a header whose
 * own length fields do not fit the frame *on the wire* is malformed, and the
 * name of the check that failed goes to pkt->malformed.
 */
#include "decode/decode.h"

#include <string.h>

#include "core/cursor.h"

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_IPV6 0x86dd
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE 0x8864
#define ETH_LLDP 0x88cc
#define ETH_PROFINET 0x8892

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* `wire_left` is how many bytes of this layer were on the wire: the frame's
 * on-wire length minus the bytes of the layers before it. */
static int decode_ip(struct otw_cur *c, uint32_t wire_left, struct otw_pkt *p);

static int set_l2kind_from_type(struct otw_pkt *p, uint16_t type)
{
    p->ethertype = type;
    switch (type) {
    case ETH_ARP: p->l2kind = OTW_L2_ARP; break;
    case ETH_LLDP: p->l2kind = OTW_L2_LLDP; break;
    case ETH_PROFINET: p->l2kind = OTW_L2_PROFINET; break;
    default: p->l2kind = OTW_L2_OTHER; break;
    }
    return OTW_DEC_L2;
}

/*
 * ARP (RFC 826), only the Ethernet/IPv4 form is looked into:
 *   htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4)
 */
static int decode_arp(struct otw_cur *c, struct otw_pkt *p)
{
    uint16_t htype = otw_cur_be16(c);
    uint16_t ptype = otw_cur_be16(c);
    uint8_t hlen = otw_cur_u8(c);
    uint8_t plen = otw_cur_u8(c);
    uint16_t op = otw_cur_be16(c);

    p->l2kind = OTW_L2_ARP;
    if (c->err)
        return OTW_DEC_L2;
    if (htype != 1 || ptype != ETH_IPV4 || hlen != 6 || plen != 4) {
        p->malformed = "arp.bad_lengths";
        return OTW_DEC_L2;
    }
    otw_cur_bytes(c, p->arp_sha, 6);
    otw_cur_bytes(c, p->arp_spa, 4);
    otw_cur_skip(c, 6);
    otw_cur_bytes(c, p->arp_tpa, 4);
    if (!c->err) {
        p->arp_op = (uint8_t)op;
        p->flags |= OTW_PF_ARP_OK;
    }
    return OTW_DEC_L2;
}

/* What follows an ethertype (after Ethernet, VLAN, SNAP, SLL, PPPoE). */
static int decode_ethertype(struct otw_cur *c, uint16_t type, uint32_t wire_left,
                            struct otw_pkt *p, int depth)
{
    if (depth > 8) {
        p->malformed = "l2.too_many_tags";
        return OTW_DEC_L2;
    }
    switch (type) {
    case ETH_IPV4:
    case ETH_IPV6:
        p->ethertype = type;
        p->l2kind = OTW_L2_IP;
        return decode_ip(c, wire_left, p);
    case ETH_VLAN:
    case ETH_QINQ:
    case ETH_QINQ_OLD: {
        /* 802.1Q tag: TCI(2: PCP 3, DEI 1, VID 12) then the inner type. */
        uint16_t tci = otw_cur_be16(c);
        uint16_t inner = otw_cur_be16(c);

        if (c->err)
            return set_l2kind_from_type(p, type);
        if (p->nvlan < 2)
            p->vlan[p->nvlan++] = tci & 0x0fff;
        return decode_ethertype(c, inner, wire_left - 4, p, depth + 1);
    }
    case ETH_MPLS:
    case ETH_MPLS_MC: {
        /* Label stack entries (4 bytes) until bottom-of-stack; then guess
         * the payload from the IP version nibble, as tcpdump does. */
        uint32_t used = 0;
        for (int i = 0; i < 16; i++) {
            uint32_t e = otw_cur_be32(c);
            used += 4;
            if (c->err)
                return set_l2kind_from_type(p, type);
            if (e & 0x100)
                break;
        }
        if (otw_cur_left(c) < 1 || wire_left < used)
            return set_l2kind_from_type(p, type);
        switch (c->p[0] >> 4) {
        case 4: return decode_ethertype(c, ETH_IPV4, wire_left - used, p, depth + 1);
        case 6: return decode_ethertype(c, ETH_IPV6, wire_left - used, p, depth + 1);
        }
        return set_l2kind_from_type(p, type);
    }
    case ETH_PPPOE: {
        /* PPPoE session: ver/type(1) code(1) session(2) length(2), PPP protocol(2) */
        uint16_t proto;
        otw_cur_skip(c, 6);
        proto = otw_cur_be16(c);
        if (c->err || wire_left < 8)
            return set_l2kind_from_type(p, type);
        if (proto == 0x0021)
            return decode_ethertype(c, ETH_IPV4, wire_left - 8, p, depth + 1);
        if (proto == 0x0057)
            return decode_ethertype(c, ETH_IPV6, wire_left - 8, p, depth + 1);
        return set_l2kind_from_type(p, type);
    }
    case ETH_ARP:
        p->ethertype = type;
        return decode_arp(c, p);
    }
    p->l2_payload = c->err ? NULL : c->p;
    p->l2_payload_cap = (uint32_t)otw_cur_left(c);
    return set_l2kind_from_type(p, type);
}

/*
 * 802.3 frame with a length field: 802.2 LLC header DSAP(1) SSAP(1) ctrl(1),
 * and for SNAP (AA AA 03) OUI(3) + type(2).
 */
static int decode_llc(struct otw_cur *c, uint32_t wire_left, struct otw_pkt *p, int depth)
{
    uint8_t dsap = otw_cur_u8(c);
    uint8_t ssap = otw_cur_u8(c);
    uint8_t ctrl = otw_cur_u8(c);

    p->l2kind = OTW_L2_LLC;
    if (c->err)
        return OTW_DEC_L2;
    if (dsap == 0xaa && ssap == 0xaa && ctrl == 0x03) {
        uint8_t oui[3];
        uint16_t type;

        otw_cur_bytes(c, oui, 3);
        type = otw_cur_be16(c);
        if (c->err || wire_left < 8)
            return OTW_DEC_L2;
        if (oui[0] == 0x00 && oui[1] == 0x00 && oui[2] == 0x0c && type == 0x2000) {
            p->l2kind = OTW_L2_CDP;
            p->l2_payload = c->p;
            p->l2_payload_cap = (uint32_t)otw_cur_left(c);
            return OTW_DEC_L2;
        }
        if (oui[0] == 0 && oui[1] == 0 && oui[2] == 0)
            return decode_ethertype(c, type, wire_left - 8, p, depth + 1);
        return OTW_DEC_L2;
    }
    if (dsap == 0x42 && ssap == 0x42)
        p->l2kind = OTW_L2_STP;
    return OTW_DEC_L2;
}

static int decode_ethernet(struct otw_cur *c, uint32_t wire_len, struct otw_pkt *p)
{
    uint16_t type;
    int ntags = 0;

    otw_cur_bytes(c, p->dst_mac, 6);
    otw_cur_bytes(c, p->src_mac, 6);
    type = otw_cur_be16(c);
    if (c->err || wire_len < 14) {
        p->malformed = "eth.short";
        return OTW_DEC_NONE;
    }
    p->flags |= OTW_PF_MAC;
    if (p->dst_mac[0] & 1) {
        static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        p->flags |= memcmp(p->dst_mac, bcast, 6) == 0 ? OTW_PF_L2_BCAST : OTW_PF_L2_MCAST;
    }
    /* A VLAN tag may precede a length field too (802.3 in 802.1Q). */
    while ((type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) && !c->err) {
        uint16_t tci = otw_cur_be16(c);
        type = otw_cur_be16(c);
        if (c->err)
            return OTW_DEC_L2;
        if (p->nvlan < 2)
            p->vlan[p->nvlan++] = tci & 0x0fff;
        /* The same limit as decode_ethertype's depth: 8 tags. */
        if (++ntags > 8) {
            p->malformed = "l2.too_many_tags";
            return OTW_DEC_L2;
        }
        wire_len -= 4;
        if (wire_len < 14)
            return OTW_DEC_L2;
    }
    if (type <= 1500)
        return decode_llc(c, wire_len - 14, p, 0);
    return decode_ethertype(c, type, wire_len - 14, p, 0);
}

/*
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16 bytes):
 *   pkttype(2) arphrd(2) addrlen(2) addr(8) protocol(2)
 * v2 (LINKTYPE_LINUX_SLL2, 20 bytes):
 *   protocol(2) reserved(2) ifindex(4) arphrd(2) pkttype(1) addrlen(1) addr(8)
 * pkttype 1 = to us as broadcast, 2 = multicast. Only the sender's address is
 * in the header.
 */
static int decode_sll(struct otw_cur *c, uint32_t wire_len, struct otw_pkt *p, int v2)
{
    uint16_t pkttype, arphrd, alen, proto;
    uint8_t addr[8];
    uint32_t hl = v2 ? 20 : 16;

    if (v2) {
        proto = otw_cur_be16(c);
        otw_cur_skip(c, 6);
        arphrd = otw_cur_be16(c);
        pkttype = otw_cur_u8(c);
        alen = otw_cur_u8(c);
        otw_cur_bytes(c, addr, 8);
    } else {
        pkttype = otw_cur_be16(c);
        arphrd = otw_cur_be16(c);
        alen = otw_cur_be16(c);
        otw_cur_bytes(c, addr, 8);
        proto = otw_cur_be16(c);
    }
    if (c->err || wire_len < hl) {
        p->malformed = "sll.short";
        return OTW_DEC_NONE;
    }
    if (pkttype == 1)
        p->flags |= OTW_PF_L2_BCAST;
    else if (pkttype == 2)
        p->flags |= OTW_PF_L2_MCAST;
    if (alen == 6 && (arphrd == 1 || arphrd == 772)) {
        memcpy(p->src_mac, addr, 6);
        p->flags |= OTW_PF_MAC;     /* the destination MAC is unknown: left zero */
    }
    /* Protocol values below 0x0600 are Linux's ETH_P_* pseudo types: 0x0004
     * is 802.2 LLC, 0x0001 Novell 802.3. */
    if (proto == 0x0004)
        return decode_llc(c, wire_len - hl, p, 0);
    if (proto < 0x0600) {
        p->l2kind = OTW_L2_OTHER;
        return OTW_DEC_L2;
    }
    return decode_ethertype(c, proto, wire_len - hl, p, 0);
}

/* Raw IP: the version nibble says which. */
static int decode_raw(struct otw_cur *c, uint32_t wire_len, struct otw_pkt *p)
{
    if (otw_cur_left(c) < 1)
        return OTW_DEC_NONE;
    switch (c->p[0] >> 4) {
    case 4: p->ethertype = ETH_IPV4; break;
    case 6: p->ethertype = ETH_IPV6; break;
    default:
        p->malformed = "raw.not_ip";
        return OTW_DEC_NONE;
    }
    p->l2kind = OTW_L2_NONE;
    return decode_ip(c, wire_len, p);
}

/* BSD loopback: a 4-byte address family, host order (NULL) or network order (LOOP). */
static int decode_null(struct otw_cur *c, uint32_t wire_len, struct otw_pkt *p, int loop)
{
    uint32_t af;

    if (otw_cur_left(c) < 4 || wire_len < 4)
        return OTW_DEC_NONE;
    af = loop ? otw_be32(c->p) : otw_le32(c->p);
    if (!loop && (af & 0xffff) == 0)    /* written on a big-endian host */
        af = otw_be32(c->p);
    otw_cur_skip(c, 4);
    switch (af) {
    case 2:                                 /* AF_INET everywhere */
    case 10: case 24: case 28: case 30:     /* AF_INET6: Linux, BSDs, Darwin */
        return decode_raw(c, wire_len - 4, p);
    }
    p->l2kind = OTW_L2_OTHER;
    return OTW_DEC_L2;
}

/*
 * Transport header. `ip_payload_len` is the transport-layer length on the
 * wire as the IP header says; for a first fragment it is this fragment's part.
 */
static void decode_transport(struct otw_cur *c, uint32_t ip_payload_len, struct otw_pkt *p)
{
    size_t avail = otw_cur_left(c);

    switch (p->proto) {
    case 6: {
        /*
         *  sport(2) dport(2) seq(4) ack(4) off(4 bits)+rsv(4) flags(1) win(2) sum(2) urg(2)
         */
        uint8_t off_byte, flags;
        uint32_t hl;

        p->sport = otw_cur_be16(c);
        p->dport = otw_cur_be16(c);
        p->tcp_seq = otw_cur_be32(c);
        p->tcp_ack = otw_cur_be32(c);
        off_byte = otw_cur_u8(c);
        flags = otw_cur_u8(c);
        if (c->err) {
            /* Ports alone still identify the session. */
            if (avail >= 4 && ip_payload_len >= 4) {
                p->flags |= OTW_PF_PORTS | OTW_PF_TRUNC;
                p->payload_len = ip_payload_len > 20 ? ip_payload_len - 20 : 0;
            } else {
                p->flags |= OTW_PF_TRUNC;
            }
            return;
        }
        p->flags |= OTW_PF_PORTS;
        p->tcp_flags = flags;
        hl = (uint32_t)(off_byte >> 4) * 4;
        if (hl < 20 || hl > ip_payload_len) {
            p->malformed = "tcp.header_length";
            p->payload_len = 0;
            return;
        }
        p->payload_len = ip_payload_len - hl;
        if (avail >= hl) {
            p->payload = c->p - 14 + hl;
            p->payload_cap = (uint32_t)OTW_MIN(avail - hl, (size_t)p->payload_len);
        }
        return;
    }
    case 17:
    case 136: { /* UDP, UDP-Lite: sport(2) dport(2) length(2) sum(2) */
        uint16_t ulen;

        p->sport = otw_cur_be16(c);
        p->dport = otw_cur_be16(c);
        ulen = otw_cur_be16(c);
        otw_cur_skip(c, 2);
        if (c->err) {
            if (avail >= 4 && ip_payload_len >= 4) {
                p->flags |= OTW_PF_PORTS | OTW_PF_TRUNC;
                p->payload_len = ip_payload_len > 8 ? ip_payload_len - 8 : 0;
            } else {
                p->flags |= OTW_PF_TRUNC;
            }
            return;
        }
        p->flags |= OTW_PF_PORTS;
        if (ip_payload_len < 8) {
            p->malformed = "udp.short";
            return;
        }
        /* For a first fragment the UDP length covers the whole datagram:
         * count only what this packet carries. */
        if (p->flags & OTW_PF_FRAG) {
            p->payload_len = ip_payload_len - 8;
        } else if (p->proto == 17 && ulen != 0) {
            if (ulen < 8 || ulen > ip_payload_len) {
                p->malformed = "udp.length";
                p->payload_len = ip_payload_len - 8;
            } else {
                p->payload_len = (uint32_t)ulen - 8;
            }
        } else {
            p->payload_len = ip_payload_len - 8;   /* UDP-Lite, or jumbogram */
        }
        if (avail >= 8) {
            p->payload = c->p;
            p->payload_cap = (uint32_t)OTW_MIN(avail - 8, (size_t)p->payload_len);
        }
        return;
    }
    case 132: /* SCTP common header: sport(2) dport(2) vtag(4) sum(4) */
        p->sport = otw_cur_be16(c);
        p->dport = otw_cur_be16(c);
        if (c->err) {
            p->flags |= OTW_PF_TRUNC;
            return;
        }
        p->flags |= OTW_PF_PORTS;
        p->payload_len = ip_payload_len > 12 ? ip_payload_len - 12 : 0;
        return;
    case 1:
    case 58: { /* ICMP, ICMPv6: type(1) code(1) sum(2) rest(4) */
        uint8_t type = otw_cur_u8(c);
        uint8_t code = otw_cur_u8(c);

        if (c->err) {
            p->flags |= OTW_PF_TRUNC;
            return;
        }
        p->icmp_type = type;
        p->icmp_code = code;
        p->payload_len = ip_payload_len > 8 ? ip_payload_len - 8 : 0;
        return;
    }
    default:
        p->payload_len = ip_payload_len;
        return;
    }
}

/*
 * IPv4 (RFC 791):
 *   ver/ihl(1) tos(1) total_len(2) id(2) flags/frag_off(2) ttl(1) proto(1)
 *   sum(2) src(4) dst(4) [options]
 * IPv6 (RFC 8200): ver/tc/flow(4) payload_len(2) next(1) hop(1) src(16) dst(16)
 */
static int decode_ip(struct otw_cur *c, uint32_t wire_left, struct otw_pkt *p)
{
    size_t avail = otw_cur_left(c);
    uint32_t l4_len;

    if (avail < 1) {
        p->flags |= OTW_PF_TRUNC;
        return OTW_DEC_L2;
    }
    if ((c->p[0] >> 4) == 4) {
        uint8_t vihl, proto;
        uint16_t tot, frag;
        uint32_t hl;

        vihl = otw_cur_u8(c);
        otw_cur_skip(c, 1);
        tot = otw_cur_be16(c);
        p->frag_id = otw_cur_be16(c);
        frag = otw_cur_be16(c);
        otw_cur_skip(c, 1);
        proto = otw_cur_u8(c);
        otw_cur_skip(c, 2);
        if (c->err || avail < 20) {
            p->flags |= OTW_PF_TRUNC;
            return OTW_DEC_L2;
        }
        memcpy(p->src_ip, v4_mapped_prefix, 12);
        memcpy(p->dst_ip, v4_mapped_prefix, 12);
        otw_cur_bytes(c, p->src_ip + 12, 4);
        otw_cur_bytes(c, p->dst_ip + 12, 4);
        p->ipver = 4;
        p->proto = proto;
        hl = (uint32_t)(vihl & 0x0f) * 4;
        if (hl < 20) {
            p->malformed = "ipv4.header_length";
            return OTW_DEC_IP;
        }
        /* Total length 0 is what TCP segmentation offload leaves in
         * captures taken on the sending host: use the frame. */
        if (tot == 0)
            tot = (uint16_t)OTW_MIN(wire_left, 65535u);
        if (tot < hl) {
            p->malformed = "ipv4.total_length";
            return OTW_DEC_IP;
        }
        if (tot > wire_left) {
            p->malformed = "ipv4.total_length";
            tot = (uint16_t)OTW_MIN(wire_left, 65535u);
            if (tot < hl)
                return OTW_DEC_IP;
        }
        if (avail < hl) {
            p->flags |= OTW_PF_TRUNC;
            return OTW_DEC_IP;
        }
        otw_cur_skip(c, hl - 20);
        l4_len = (uint32_t)tot - hl;
        if (frag & 0x3fff) {            /* MF set or offset != 0 */
            p->flags |= OTW_PF_FRAG;
            if (frag & 0x1fff) {
                p->flags |= OTW_PF_FRAG_LATER;
                p->payload_len = l4_len;
                return OTW_DEC_IP;
            }
        }
        decode_transport(c, l4_len, p);
        return OTW_DEC_IP;
    }
    if ((c->p[0] >> 4) == 6) {
        uint16_t plen;
        uint8_t next;
        const uint8_t *hdr_end;

        otw_cur_skip(c, 4);
        plen = otw_cur_be16(c);
        next = otw_cur_u8(c);
        otw_cur_skip(c, 1);
        otw_cur_bytes(c, p->src_ip, 16);
        otw_cur_bytes(c, p->dst_ip, 16);
        if (c->err) {
            p->flags |= OTW_PF_TRUNC;
            return OTW_DEC_L2;
        }
        p->ipver = 6;
        if (wire_left < 40) {
            p->malformed = "ipv6.short";
            return OTW_DEC_IP;
        }
        if (plen == 0)                  /* jumbogram or TSO: use the frame */
            plen = (uint16_t)OTW_MIN(wire_left - 40, 65535u);
        if ((uint32_t)plen > wire_left - 40) {
            p->malformed = "ipv6.payload_length";
            plen = (uint16_t)OTW_MIN(wire_left - 40, 65535u);
        }
        l4_len = plen;
        /* Extension headers (RFC 8200 4.1): hop-by-hop 0, routing 43,
         * fragment 44, destination options 60, AH 51, mobility 135,
         * HIP 139, shim6 140. At most 8, then give up on the chain. */
        for (int i = 0; i < 8; i++) {
            uint32_t ehl;

            if (next != 0 && next != 43 && next != 44 && next != 60 && next != 51 &&
                next != 135 && next != 139 && next != 140)
                break;
            if (otw_cur_left(c) < 8) {
                p->proto = next;
                p->flags |= OTW_PF_TRUNC;
                return OTW_DEC_IP;
            }
            hdr_end = c->p;
            if (next == 44) {
                /* next(1) reserved(1) offset/flags(2) id(4) */
                uint16_t offfl = otw_be16(hdr_end + 2);
                p->frag_id = otw_be32(hdr_end + 4);
                p->flags |= OTW_PF_FRAG;
                ehl = 8;
                next = hdr_end[0];
                if (ehl > l4_len) {
                    p->malformed = "ipv6.ext_length";
                    p->proto = next;
                    return OTW_DEC_IP;
                }
                otw_cur_skip(c, ehl);
                l4_len -= ehl;
                if (offfl & 0xfff8) {
                    p->flags |= OTW_PF_FRAG_LATER;
                    p->proto = next;
                    p->payload_len = l4_len;
                    return OTW_DEC_IP;
                }
                continue;
            }
            ehl = next == 51 ? ((uint32_t)hdr_end[1] + 2) * 4 : ((uint32_t)hdr_end[1] + 1) * 8;
            next = hdr_end[0];
            if (ehl > l4_len) {
                p->malformed = "ipv6.ext_length";
                p->proto = next;
                return OTW_DEC_IP;
            }
            l4_len -= ehl;
            otw_cur_skip(c, ehl);
            if (c->err) {
                p->proto = next;
                p->flags |= OTW_PF_TRUNC;
                return OTW_DEC_IP;
            }
        }
        p->proto = next;
        decode_transport(c, l4_len, p);
        return OTW_DEC_IP;
    }
    p->malformed = "ip.version";
    return OTW_DEC_L2;
}

int otw_decode(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
               struct otw_pkt *p)
{
    struct otw_cur c;

    memset(p, 0, sizeof(*p));
    p->icmp_type = -1;
    p->icmp_code = -1;
    if (wire_len < caplen)
        wire_len = caplen;
    otw_cur_init(&c, data, caplen);
    switch (linktype) {
    case OTW_LT_ETHERNET:
        return decode_ethernet(&c, wire_len, p);
    case OTW_LT_LINUX_SLL:
        return decode_sll(&c, wire_len, p, 0);
    case OTW_LT_LINUX_SLL2:
        return decode_sll(&c, wire_len, p, 1);
    case OTW_LT_RAW:
    case 12:    /* DLT_RAW as some systems wrote it into files */
    case 14:
        return decode_raw(&c, wire_len, p);
    case OTW_LT_IPV4:
    case OTW_LT_IPV6:
        return decode_raw(&c, wire_len, p);
    case OTW_LT_NULL:
        return decode_null(&c, wire_len, p, 0);
    case OTW_LT_LOOP:
        return decode_null(&c, wire_len, p, 1);
    }
    return OTW_DEC_UNSUPPORTED;
}

bool otw_decode_linktype_supported(int linktype)
{
    switch (linktype) {
    case OTW_LT_ETHERNET: case OTW_LT_LINUX_SLL: case OTW_LT_LINUX_SLL2: case OTW_LT_RAW:
    case 12: case 14: case OTW_LT_IPV4: case OTW_LT_IPV6: case OTW_LT_NULL: case OTW_LT_LOOP:
        return true;
    }
    return false;
}
