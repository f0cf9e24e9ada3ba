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

enum otw_bl_mode { OTW_BL_LEARNING = 0, OTW_BL_PROTECTING = 1 };
enum otw_bl_status { OTW_BL_LEARNED = 0, OTW_BL_APPROVED = 1, OTW_BL_NEW = 2 };
enum otw_bl_category { OTW_BL_OPERATIONAL = 0, OTW_BL_MAINTENANCE = 1 };

struct otw_bl_key {
    uint8_t client[16], server[16];
    uint8_t proto;              /* IP protocol number */
    uint16_t port;              /* server port; 0 for protocols without ports */
    char app[24];               /* application protocol, "" when none identified */
    unsigned ot_class;          /* one OTW_OTC_* bit, 0 for none */
};

struct otw_bl_entry {
    int64_t id;                 /* store row id, 0 until saved */
    struct otw_bl_key k;
    int status;                 /* enum otw_bl_status */
    int category;               /* enum otw_bl_category */
    uint64_t sessions, bytes;
    int64_t first_us, last_us;
    uint32_t hours[168];        /* sessions started per plant-local hour of the week */
    char note[128];             /* free text from a reviewer */
};

/* The entries a session makes (one per OT class seen, else one); returns
 * how many (at most OTW_OTC_COUNT + 1). */
size_t otw_bl_keys_of(const struct otw_sessinfo *fi, struct otw_bl_key *out);

struct otw_baseline;

/* Loads everything from the store (an empty baseline in learning mode when
 * nothing was learned yet). */
struct otw_baseline *otw_baseline_load(struct otw_store *st, struct otw_err *err);
void otw_baseline_free(struct otw_baseline *b);

int otw_baseline_mode(const struct otw_baseline *b);
/* True when at least one entry is learned or approved. */
bool otw_baseline_ready(const struct otw_baseline *b);

/* Lookups for detection. Entries with status new do not count as known. */
const struct otw_bl_entry *otw_baseline_find(const struct otw_baseline *b,
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
/* Writes new and changed entries and devices; the caller holds the
 * transaction. */
int otw_baseline_save(struct otw_baseline *b, struct otw_store *st, struct otw_err *err);

#endif
