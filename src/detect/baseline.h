/*
 * baseline.h - the plant's normal communications, in memory.
 *
 * An entry is one communication: client, server, IP protocol, server port,
 * application protocol, and for OT protocols one function class (a session
 * that reads and writes makes two entries). Each has counts, bytes, first
 * and last seen, an hour-of-week profile (sessions per plant-local hour), a
 * status (learned: from a learning period; approved: reviewed by a person;
 * new: seen while protecting, waiting for review) and a category
 * (operational: the process's own traffic; maintenance: remote access,
 * programming, anything a person does). The baseline also knows the devices
 * (MAC and IP bindings) of the learning period, the maintenance windows and
 * which communications they restrict, and its mode (learning or protecting).
 *
 * Persistence is in the store (store/store_baseline.h); this module loads
 * it, answers the detectors' questions in O(1) (hash tables), takes what is
 * observed, and writes back what changed. One thread uses a handle.
 */
#ifndef OTW_BASELINE_H
#define OTW_BASELINE_H

#include "core/common.h"
#include "detect/sessinfo.h"
#include "detect/schedule.h"
#include "store/store.h"

/* The entry, device, window and rule types, and the status/category/mode
 * names, are in store/store_baseline.h (included through store.h). */

/* At most this many entries are kept (a scan in protecting mode makes one
 * per port); more are counted in otw_baseline_stats.dropped. */
#define OTW_BL_MAX_ENTRIES 200000
#define OTW_BL_MAX_DEVICES 100000

/* The category a new entry gets: maintenance for remote access and file
 * transfer (ssh, rdp, telnet, vnc, ftp, smb, or their ports when no parser
 * named the protocol) and OT program/control; operational otherwise. */
int otw_bl_guess_category(const struct otw_bl_key *k);

/* The entries a session makes (one per OT class seen, else one); returns
 * how many (at most OTW_OTC_COUNT + 1). Keys are zero-filled (compare them
 * with memcmp); the port is the server port for TCP, UDP and SCTP, 0 for
 * everything else (ICMP, IGMP ...). Noise sessions (fi->noise) make keys
 * like any other. */
size_t otw_bl_keys_of(const struct otw_sessinfo *fi, struct otw_bl_key *out);

/* A rule's host: an address or a CIDR range into [lo, hi]; 0 or OTW_EINVAL. */
int otw_bl_host_parse(const char *s, uint8_t lo[16], uint8_t hi[16]);

struct otw_baseline;

/* An empty baseline in learning mode, not tied to a store. */
struct otw_baseline *otw_baseline_new(void);
/* Loads everything from the store (an empty baseline in learning mode when
 * nothing was learned yet). Windows whose schedule no longer parses, and
 * rules with hosts that are not addresses, are skipped. */
struct otw_baseline *otw_baseline_load(struct otw_store *st, struct otw_err *err);
void otw_baseline_free(struct otw_baseline *b);

int otw_baseline_mode(const struct otw_baseline *b);
/* In memory only (baseline learn forces learning; the stored mode is set
 * with otw_store_bl_meta_set(st, "mode", ...)). */
void otw_baseline_set_mode(struct otw_baseline *b, int mode);
/* True when at least one entry is learned or approved. */
bool otw_baseline_ready(const struct otw_baseline *b);

/* Lookups for detection. Entries with status new do not count as known. */
const struct otw_bl_entry *otw_baseline_find(const struct otw_baseline *b,
                                             const struct otw_bl_key *k);
/* Any entry with this key, status new included; NULL if none. */
const struct otw_bl_entry *otw_baseline_lookup(const struct otw_baseline *b,
                                               const struct otw_bl_key *k);
bool otw_baseline_knows_pair(const struct otw_baseline *b, const uint8_t client[16],
                             const uint8_t server[16]);      /* either direction */
bool otw_baseline_knows_port(const struct otw_baseline *b, const uint8_t client[16],
                             const uint8_t server[16], uint8_t proto, uint16_t port);
bool otw_baseline_knows_class(const struct otw_baseline *b, const uint8_t client[16],
                              const uint8_t server[16], const char *app, unsigned ot_class);
/* Hours of the week the learning period covered (any traffic at all). */
bool otw_baseline_hour_covered(const struct otw_baseline *b, int how);
/* Devices of the learning period. */
bool otw_baseline_knows_mac(const struct otw_baseline *b, const uint8_t mac[6]);
bool otw_baseline_knows_ip(const struct otw_baseline *b, const uint8_t ip[16]);
/* The MAC an IPv4 address had by ARP in the learning period; false if none. */
bool otw_baseline_arp_mac(const struct otw_baseline *b, const uint8_t ip[16], uint8_t mac[6]);

/* Maintenance windows: the name of the window that restricts this session
 * (a rule matches its client, server, protocol/port, application; any may
 * be a wildcard), or NULL; and whether the session is inside it. */
const char *otw_baseline_window_of(const struct otw_baseline *b, const struct otw_sessinfo *fi);
bool otw_baseline_window_open(const struct otw_baseline *b, const char *window, int64_t us);

/* Taking observations. Learning mode: sessions and devices are added to or
 * update learned entries. Protecting mode: communications not in the
 * baseline are recorded with status new (counts go on), known entries'
 * counts are not changed. Periodic updates (fi->update) are ignored: the
 * final record counts. */
void otw_baseline_observe(struct otw_baseline *b, const struct otw_sessinfo *fi);
void otw_baseline_observe_l2(struct otw_baseline *b, const struct otw_l2_row *row);
/* Writes new and changed entries, devices and covered hours; the caller
 * holds the transaction. Entries keep what people set in the store
 * meanwhile (status, category, note). */
int otw_baseline_save(struct otw_baseline *b, struct otw_store *st, struct otw_err *err);

/* Takes in what another baseline learned (baseline learn: src is fresh from
 * stored sessions): its entries become learned entries here (a new one
 * becomes learned; approved stays approved), counts, bytes and each hour
 * take the larger of the two (learning the same sessions twice changes
 * nothing), times widen; devices and covered hours are added. */
void otw_baseline_absorb(struct otw_baseline *b, const struct otw_baseline *src);

/* All entries, in the order they were loaded or made (valid until the next
 * observe/absorb). */
const struct otw_bl_entry *otw_baseline_entries(const struct otw_baseline *b, size_t *n);

struct otw_baseline_stats {
    size_t entries, known;          /* all; learned or approved */
    size_t macs, ips, arp;          /* devices */
    size_t hours_covered;
    uint64_t dropped;               /* entries or devices over the caps */
};
void otw_baseline_get_stats(const struct otw_baseline *b, struct otw_baseline_stats *st);

/* The approved operational communications as an immutable set (the
 * ot-operational filter): a copy, safe to read from another thread. */
struct otw_bl_flowset;
struct otw_bl_flowset *otw_baseline_flowset(const struct otw_baseline *b);
/* Whether client -> server proto/port is in the set (port 0 for protocols
 * without ports). */
bool otw_bl_flowset_has(const struct otw_bl_flowset *s, const uint8_t client[16],
                        const uint8_t server[16], uint8_t proto, uint16_t port);
size_t otw_bl_flowset_size(const struct otw_bl_flowset *s);
void otw_bl_flowset_free(struct otw_bl_flowset *s);

#endif
