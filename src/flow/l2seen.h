/*
 * l2seen.h - the inventory side channel: packets that do not become sessions
 * (ARP, LLDP, CDP, DHCP, multicast, broadcast, anything a filter dropped) are
 * counted per (MAC, IP, kind, VLAN). A small capped table; the caller drains
 * it to the store when it fills and at the end of each input.
 */
#ifndef OTW_L2SEEN_H
#define OTW_L2SEEN_H

#include "core/common.h"
#include "decode/pkt.h"
#include "store/store.h"

struct otw_l2seen;

/* Called with the rows when the table fills (then it is emptied) or on drain. */
typedef void (*otw_l2seen_flush_fn)(void *ctx, const struct otw_l2_row *rows, size_t n);

struct otw_l2seen *otw_l2seen_new(size_t cap, otw_l2seen_flush_fn flush, void *ctx);
/* Counts one packet that did not become (part of) a session. */
void otw_l2seen_add(struct otw_l2seen *t, int64_t ts_us, const struct otw_pkt *p);
void otw_l2seen_drain(struct otw_l2seen *t);
void otw_l2seen_free(struct otw_l2seen *t);
/* The kind label for a packet ("arp", "lldp", "dhcp", "ipv6-nd", ...). */
const char *otw_l2seen_kind(const struct otw_pkt *p);

#endif
