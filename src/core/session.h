/*
 * session.h - the session record: what the flow table hands to the store.
 *
 * One record is one session, or one segment of a long session split at the
 * maximum session length (segment 0, 1, ...; `continued` says a later record
 * carries on). Addresses are 16 bytes; IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d) so one column and one byte-wise order serve both families.
 * The record is plain data: it is copied into the writer queue.
 */
#ifndef OTW_SESSION_H
#define OTW_SESSION_H

#include <stddef.h>
#include <stdint.h>

enum otw_state {
    OTW_ST_ATTEMPT = 0,     /* TCP: SYN never answered; other: no reply seen */
    OTW_ST_REJECTED,        /* TCP: SYN answered by RST */
    OTW_ST_ESTABLISHED,     /* TCP: handshake or two-way traffic; other: replies seen */
    OTW_ST_CLOSED,          /* TCP: FIN seen */
    OTW_ST_RESET,           /* TCP: RST after establishment */
    OTW_ST_TIMEOUT,         /* TCP: established, went idle without FIN/RST */
    OTW_ST__COUNT
};

const char *otw_state_name(int state);          /* "attempt", ... */
int otw_state_parse(const char *name);          /* -1 if unknown */

/* TCP flag bits as in the header's 13th byte (plus ECE/CWR). */
enum {
    OTW_TCP_FIN = 0x01, OTW_TCP_SYN = 0x02, OTW_TCP_RST = 0x04, OTW_TCP_PSH = 0x08,
    OTW_TCP_ACK = 0x10, OTW_TCP_URG = 0x20, OTW_TCP_ECE = 0x40, OTW_TCP_CWR = 0x80,
};

struct otw_dir_stats {
    uint64_t packets;
    uint64_t bytes;     /* on-wire frame bytes (pcap `len`), as tshark counts */
    uint64_t payload;   /* transport payload bytes, from header lengths */
    uint8_t tcp_flags;  /* OR of flags seen in this direction */
};

#define OTW_MAX_VLANS 2

struct otw_app; /* proto/app.h: what the application parsers found */

struct otw_session {
    uint64_t uid;               /* this record's id, unique per sensor: a periodic
                                 * update of a record in progress carries the same
                                 * uid as the final record, which replaces it */
    int64_t first_us, last_us;  /* microseconds since the epoch, UTC */
    uint8_t ipver;              /* 4 or 6 */
    uint8_t proto;              /* IP protocol number */
    uint8_t src_ip[16], dst_ip[16];
    uint16_t src_port, dst_port;    /* 0 for protocols without ports */
    uint8_t src_mac[6], dst_mac[6];
    uint16_t vlan[OTW_MAX_VLANS];   /* outermost first; nvlan used */
    uint8_t nvlan;
    uint8_t state;              /* enum otw_state */
    int16_t icmp_type, icmp_code;   /* -1 when not ICMP/ICMPv6 */
    uint16_t segment;           /* 0 for the first record of a session */
    uint8_t continued;          /* 1: a later record continues this session */
    uint8_t end_reason;         /* enum otw_end */
    uint8_t replaces;           /* 1: an update with this uid was written before */
    struct otw_dir_stats src, dst;  /* src = initiator */
    /* Owned by the record: whoever consumes it (the writer) frees it with
     * otw_app_free(). NULL when nothing was parsed. */
    struct otw_app *app;
};

enum otw_end {
    OTW_END_EOF = 0,    /* input ended (file import) or still open */
    OTW_END_IDLE,       /* idle timeout */
    OTW_END_CLOSED,     /* FIN/RST, then quiet */
    OTW_END_SPLIT,      /* maximum session length reached */
    OTW_END_EVICTED,    /* flow table full; oldest flow written early */
    OTW_END_OPEN,       /* still going: a periodic update (live capture) */
};
const char *otw_end_name(int end);

/* Formats a 16-byte address (IPv4-mapped shown dotted). buf >= 46 bytes. */
const char *otw_ip_str(const uint8_t ip[16], char *buf, size_t len);
/* Parses dotted IPv4 or IPv6 text into 16 bytes; 0 on success. */
int otw_ip_parse(const char *s, uint8_t ip[16]);
static inline int otw_ip_is_v4(const uint8_t ip[16])
{
    static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    for (int i = 0; i < 12; i++)
        if (ip[i] != pfx[i])
            return 0;
    return 1;
}
/* "aa:bb:cc:dd:ee:ff"; buf >= 18 bytes. */
const char *otw_mac_str(const uint8_t mac[6], char *buf, size_t len);
int otw_mac_parse(const char *s, uint8_t mac[6]);

#endif
