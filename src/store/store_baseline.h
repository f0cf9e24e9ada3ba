/*
 * store_baseline.h - the store's baseline tables (SQLite: sqlite_baseline.c). Included by store.h.
 *
 * The rows are the baseline's own types (detect/baseline.h works on them in
 * memory): entries (one communication each), devices of the learning
 * period, maintenance windows with the rules saying what they restrict, and
 * a few settings (the mode, the hours the learning covered). Every write
 * runs inside the caller's transaction when it holds one.
 */
#ifndef OTW_STORE_BASELINE_H
#define OTW_STORE_BASELINE_H

#include "core/common.h"

struct otw_store;

enum otw_bl_mode { OTW_BL_LEARNING = 0, OTW_BL_PROTECTING = 1 };
enum otw_bl_status { OTW_BL_LEARNED = 0, OTW_BL_APPROVED = 1, OTW_BL_NEW = 2 };
enum otw_bl_category { OTW_BL_OPERATIONAL = 0, OTW_BL_MAINTENANCE = 1 };

/* "learned", "approved", "new"; "operational", "maintenance";
 * "learning", "protecting". The parsers return -1 for anything else. */
const char *otw_bl_status_name(int status);
int otw_bl_status_parse(const char *s);
const char *otw_bl_category_name(int category);
int otw_bl_category_parse(const char *s);
const char *otw_bl_mode_name(int mode);
int otw_bl_mode_parse(const char *s);

struct otw_bl_key {
    uint8_t client[16], server[16];
    uint8_t proto;              /* IP protocol number */
    uint16_t port;              /* server port; 0 for protocols without ports */
    char app[24];               /* application protocol, "" when none identified */
    unsigned ot_class;          /* one OTW_OTC_* bit, 0 for none */
};

#define OTW_BL_HOURS 168

struct otw_bl_entry {
    int64_t id;                 /* store row id, 0 until saved */
    struct otw_bl_key k;
    int status;                 /* enum otw_bl_status */
    int category;               /* enum otw_bl_category */
    uint64_t sessions, bytes;
    int64_t first_us, last_us;
    uint32_t hours[OTW_BL_HOURS];   /* sessions started per plant-local hour of the week */
    char note[128];             /* free text from a reviewer */
};

/* A device of the learning period: a MAC, an IP, or an IP <-> MAC binding
 * from ARP (both set). */
enum otw_bl_dev_kind { OTW_BL_DEV_MAC = 0, OTW_BL_DEV_IP = 1, OTW_BL_DEV_ARP = 2 };
const char *otw_bl_dev_kind_name(int kind);     /* "mac", "ip", "arp" */

struct otw_bl_device {
    int kind;                   /* enum otw_bl_dev_kind */
    uint8_t mac[6];             /* zero for OTW_BL_DEV_IP */
    uint8_t ip[16];             /* zero for OTW_BL_DEV_MAC */
    int64_t first_us, last_us;
};

/* A maintenance window and one rule of it. Hosts are "*" or an address or
 * CIDR range (or a name the caller resolves); proto 0 and port -1 are
 * wildcards, app "" or "*" too. */
struct otw_bl_window {
    char name[64];
    char schedule[256];
};
struct otw_bl_rule {
    int64_t id;
    char window[64];
    char client[64], server[64];
    int proto;                  /* 0: any */
    int port;                   /* -1: any */
    char app[24];               /* "*": any */
};

/* --- entries --- */
typedef int (*otw_bl_entry_cb)(void *ctx, const struct otw_bl_entry *e);
/* Every entry, by id. */
int otw_store_bl_entries(struct otw_store *st, otw_bl_entry_cb cb, void *ctx,
                         struct otw_err *err);
/* One entry by id: 1 found, 0 not, <0 error. */
int otw_store_bl_entry_get(struct otw_store *st, int64_t id, struct otw_bl_entry *e,
                           struct otw_err *err);
/* Writes an observed entry, found by its key: counts, bytes, times, hours.
 * A stored entry keeps its status, category and note (people set them),
 * except that a new entry observed in learning mode (e->status learned)
 * becomes learned. Sets e->id. */
int otw_store_bl_entry_observed(struct otw_store *st, struct otw_bl_entry *e,
                                struct otw_err *err);
/* Writes every column of an entry, found by its key (import). Sets e->id. */
int otw_store_bl_entry_put(struct otw_store *st, struct otw_bl_entry *e, struct otw_err *err);
/* Changes what people decide: status/category < 0 and note NULL keep the
 * value. OTW_ENOTFOUND (with a message) when no such id. */
int otw_store_bl_entry_set(struct otw_store *st, int64_t id, int status, int category,
                           const char *note, struct otw_err *err);
int otw_store_bl_entry_delete(struct otw_store *st, int64_t id, struct otw_err *err);
/* Approves every learned and new entry; *n gets how many changed. */
int otw_store_bl_approve_all(struct otw_store *st, uint64_t *n, struct otw_err *err);

/* --- devices --- */
typedef int (*otw_bl_device_cb)(void *ctx, const struct otw_bl_device *d);
int otw_store_bl_devices(struct otw_store *st, otw_bl_device_cb cb, void *ctx,
                         struct otw_err *err);
/* Adds a device or widens its first/last seen. */
int otw_store_bl_device_put(struct otw_store *st, const struct otw_bl_device *d,
                            struct otw_err *err);

/* --- windows and rules --- */
typedef int (*otw_bl_window_cb)(void *ctx, const struct otw_bl_window *w);
typedef int (*otw_bl_rule_cb)(void *ctx, const struct otw_bl_rule *r);
int otw_store_bl_windows(struct otw_store *st, otw_bl_window_cb cb, void *ctx,
                         struct otw_err *err);
/* Adds the window or changes its schedule. */
int otw_store_bl_window_put(struct otw_store *st, const struct otw_bl_window *w,
                            struct otw_err *err);
/* Removes a window and its rules; OTW_ENOTFOUND when there is none. */
int otw_store_bl_window_delete(struct otw_store *st, const char *name, struct otw_err *err);
/* Rules of every window, by window name then id. */
int otw_store_bl_rules(struct otw_store *st, otw_bl_rule_cb cb, void *ctx, struct otw_err *err);
/* Adds a rule to an existing window (OTW_ENOTFOUND otherwise); sets r->id. */
int otw_store_bl_rule_add(struct otw_store *st, struct otw_bl_rule *r, struct otw_err *err);

/* --- settings (mode, hours covered ...) --- */
/* 1 found (value copied), 0 absent, <0 error. */
int otw_store_bl_meta_get(struct otw_store *st, const char *key, char *value, size_t len,
                          struct otw_err *err);
int otw_store_bl_meta_set(struct otw_store *st, const char *key, const char *value,
                          struct otw_err *err);

/* Empties the baseline: entries, devices, windows, rules and settings
 * (import --replace). */
int otw_store_bl_clear(struct otw_store *st, struct otw_err *err);

#endif
