/*
 * sessinfo.h - one session as detection, the baseline and the asset
 * inventory see it: client and server (the initiator and the responder),
 * the server port, the application protocol, the OT function classes of the
 * requests, volumes. Filled from a live record (the writer thread, with the
 * parsers' data) or from a stored row (baseline learn), so every consumer
 * judges both the same way.
 */
#ifndef OTW_SESSINFO_H
#define OTW_SESSINFO_H

#include "core/common.h"
#include "core/session.h"
#include "store/store.h"

/* OT function classes (the parsers' ot.class values), as bits. */
enum {
    OTW_OTC_READ = 1 << 0,
    OTW_OTC_WRITE = 1 << 1,
    OTW_OTC_PROGRAM = 1 << 2,
    OTW_OTC_CONTROL = 1 << 3,
    OTW_OTC_DIAGNOSTIC = 1 << 4,
};
#define OTW_OTC_COUNT 5
/* "read", "write", ... for one bit; NULL for anything else. */
const char *otw_otc_name(unsigned bit);
/* The bit of a class name, 0 if unknown. */
unsigned otw_otc_parse(const char *name);

struct otw_sessinfo {
    uint64_t uid;                   /* the session record's uid (evidence links) */
    int64_t first_us, last_us;
    int64_t point_id;
    uint8_t ipver, proto, state, end_reason;
    uint8_t client[16], server[16];
    uint16_t client_port, server_port;      /* 0 without ports */
    uint8_t client_mac[6], server_mac[6];
    int16_t icmp_type;              /* -1 when not ICMP */
    uint64_t c_pkts, s_pkts;        /* client -> server, server -> client */
    uint64_t c_bytes, s_bytes;      /* on-wire bytes */
    uint64_t c_payload, s_payload;
    char app[24];                   /* first identified protocol ("modbus"), "" if none */
    unsigned ot_classes;            /* OTW_OTC_* of the requests seen */
    char ot_funcs[96];              /* the OT function codes or names seen, "5,6" or
                                     * "write_var,..."; "" if none */
    bool noise;                     /* ICMP, IGMP, DHCP, to multicast/broadcast, IPv6
                                     * link-local: feeds the baseline, no alert of its own */
    bool answered;                  /* the server sent at least one packet */
    bool update;                    /* a periodic record of a session still going */
};

/* From a record leaving the flow table (s->app may be NULL). */
void otw_sessinfo_from_session(struct otw_sessinfo *fi, const struct otw_session *s,
                               int64_t point_id);
/* From a stored row (fields/events as the store returns them). */
void otw_sessinfo_from_row(struct otw_sessinfo *fi, const struct otw_session_row *r,
                           int64_t point_id);

/* Address helpers shared by the detectors. */
bool otw_ip_is_multicast(const uint8_t ip[16]);
bool otw_ip_is_broadcast(const uint8_t ip[16]);     /* 255.255.255.255 */
bool otw_ip_is_linklocal(const uint8_t ip[16]);     /* 169.254/16, fe80::/10 */
bool otw_ip_is_unspecified(const uint8_t ip[16]);   /* 0.0.0.0, :: */
bool otw_mac_is_group(const uint8_t mac[6]);        /* multicast or broadcast MAC */

/* An address range on the 16-byte form (IPv4 ranges are ::ffff:a.b.c.d/96+n). */
struct otw_cidr {
    uint8_t net[16];
    int bits;
};
/* "192.168.0.0/16", "fe80::/10", or one address. 0, or -1 if not valid. */
int otw_cidr_parse(const char *s, struct otw_cidr *c);
bool otw_cidr_has(const struct otw_cidr *c, const uint8_t ip[16]);
/* plant.networks when not set: private, link-local and unique-local ranges. */
#define OTW_DEFAULT_PLANT_NETWORKS \
    "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 169.254.0.0/16 fc00::/7 fe80::/10"

#endif
