/*
 * pkt.h - a decoded packet: what the decoders found in one frame.
 *
 * Filled by otw_decode() without allocation; every pointer points into the
 * frame. Lengths named *_len are what the headers say the packet carried on
 * the wire; the frame may have been cut shorter by the snapshot length.
 */
#ifndef OTW_PKT_H
#define OTW_PKT_H

#include <stdint.h>
#include <stdbool.h>

enum otw_l2kind {
    OTW_L2_NONE = 0,    /* no layer 2 (raw IP link types) */
    OTW_L2_IP,          /* carried IPv4/IPv6 */
    OTW_L2_ARP,
    OTW_L2_LLDP,
    OTW_L2_CDP,
    OTW_L2_STP,
    OTW_L2_PROFINET,    /* PROFINET RT/DCP, ethertype 0x8892 */
    OTW_L2_LLC,         /* other 802.2 LLC (e.g. BACnet/LLC, NetBIOS) */
    OTW_L2_OTHER,       /* any other ethertype */
};

enum otw_pkt_flags {
    OTW_PF_MAC = 0x01,          /* src_mac/dst_mac valid */
    OTW_PF_L2_BCAST = 0x02,     /* link-layer broadcast */
    OTW_PF_L2_MCAST = 0x04,     /* link-layer multicast (not broadcast) */
    OTW_PF_PORTS = 0x08,        /* sport/dport valid */
    OTW_PF_FRAG = 0x10,         /* IP fragment (first or later) */
    OTW_PF_FRAG_LATER = 0x20,   /* not the first fragment: no transport header */
    OTW_PF_ARP_OK = 0x40,       /* arp_* fields valid (Ethernet/IPv4 ARP) */
    OTW_PF_TRUNC = 0x80,        /* frame cut by the snapshot length before the transport header */
};

struct otw_pkt {
    uint16_t flags;
    uint8_t l2kind;
    uint8_t nvlan;
    uint16_t vlan[2];
    uint16_t ethertype;         /* innermost */
    uint8_t src_mac[6], dst_mac[6];

    uint8_t arp_op;
    uint8_t arp_sha[6];
    uint8_t arp_spa[4];
    uint8_t arp_tpa[4];

    uint8_t ipver;              /* 0: not IP */
    uint8_t proto;              /* transport protocol after extension headers */
    uint8_t src_ip[16], dst_ip[16];   /* IPv4 as ::ffff:a.b.c.d */
    uint32_t frag_id;
    uint16_t sport, dport;
    uint8_t tcp_flags;
    uint32_t tcp_seq, tcp_ack;
    int16_t icmp_type, icmp_code;     /* -1 if not ICMP */
    uint32_t payload_len;       /* transport payload bytes on the wire */
    const uint8_t *payload;     /* start of transport payload within the frame (may be NULL) */
    uint32_t payload_cap;       /* payload bytes present in the frame */
    const char *malformed;      /* NULL, or the name of what did not fit ("ipv4.total_length") */
    /* Not IP: what follows the ethertype (LLDP, PROFINET) or the SNAP
     * header (CDP) within the frame, for decode/l2name.c; NULL otherwise. */
    const uint8_t *l2_payload;
    uint32_t l2_payload_cap;
};

#endif
