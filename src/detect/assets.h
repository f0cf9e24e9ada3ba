/*
 * assets.h - the asset inventory, kept up to date as sessions and layer-2
 * sightings arrive (writer thread), and the names and roles people give to
 * hosts (settings file `asset` lines and `otwatch assets set`), so that a
 * host is shown as "scada (SCADA server)" wherever it appears.
 */
#ifndef OTW_ASSETS_H
#define OTW_ASSETS_H

#include "core/config.h"
#include "core/session.h"
#include "detect/sessinfo.h"
#include "store/store.h"

struct otw_assets;

/* Loads names, roles and the known inventory; cfg may be NULL. */
struct otw_assets *otw_assets_load(struct otw_store *st, const struct otw_config *cfg,
                                   struct otw_err *err);
void otw_assets_free(struct otw_assets *a);

/* "scada (SCADA server)", "scada", "(PLC) 192.168.10.30" or the address;
 * returns buf. a may be NULL (then the address). */
const char *otw_assets_label(const struct otw_assets *a, const uint8_t ip[16], char *buf,
                             size_t len);
/* Name and role of an address; false when the address has neither. */
bool otw_assets_name_role(const struct otw_assets *a, const uint8_t ip[16], const char **name,
                          const char **role);

/* The organisation that registered the MAC's prefix (IEEE OUI/MA-M/MA-S
 * lists from Debian's ieee-data), or NULL; locally administered MACs give
 * "(locally administered)". */
const char *otw_mac_vendor(const uint8_t mac[6]);

/* Observations (the session's parser data in s->app: DHCP/DNS/NetBIOS
 * names, EtherNet/IP, BACnet, S7 identities). Writer thread; cheap (hash
 * lookups in memory, no SQL): call for every record, periodic updates
 * included (they move last-seen; only final records count as sessions). */
void otw_assets_observe(struct otw_assets *a, const struct otw_sessinfo *fi,
                        const struct otw_session *s);
void otw_assets_observe_l2(struct otw_assets *a, const struct otw_l2_row *row);
/* Writes what changed; the caller holds the transaction. */
int otw_assets_save(struct otw_assets *a, struct otw_store *st, struct otw_err *err);

/* --- beyond the engine's contract (assets command, tests) ------------------- */

/* An empty inventory with the names and roles of cfg (may be NULL) and no
 * store: for tests and `assets rebuild`. */
struct otw_assets *otw_assets_new(const struct otw_config *cfg, struct otw_err *err);
/* Only names and roles (with the MAC/IP bindings that carry a MAC's name to
 * its addresses): what `sessions` and `hosts` need; cheaper than a load. */
struct otw_assets *otw_assets_load_labels(struct otw_store *st, const struct otw_config *cfg,
                                          struct otw_err *err);
/* Reads the names and roles of `assets set` again (live capture: another
 * process may have changed them); the settings file's stay underneath.
 * Writer thread, outside any statement; cheap (one small table). */
int otw_assets_refresh_labels(struct otw_assets *a, struct otw_store *st, struct otw_err *err);
/* The same observation from a stored row (parser data in r->fields). */
void otw_assets_observe_row(struct otw_assets *a, const struct otw_sessinfo *fi,
                            const struct otw_session_row *r);
/* Whether a MAC (keylen 6) or IP (16) was seen (by traffic, not only named). */
bool otw_assets_seen(const struct otw_assets *a, const uint8_t *key, size_t keylen);

/* Parses one `asset` settings value: "KEY name=N role=R" where KEY is an IP
 * or a MAC and values may be double-quoted ("SCADA server"; \" and \\
 * inside). 0 or OTW_EINVAL with a message. */
int otw_assets_parse_line(const char *value, uint8_t key[16], uint8_t *keylen,
                          char name[OTW_ASSET_LABEL_MAX], char role[OTW_ASSET_LABEL_MAX],
                          struct otw_err *err);
/* Checks a name or role given by a person: 1-63 bytes, no control
 * characters. 0 or OTW_EINVAL. */
int otw_assets_check_text(const char *what, const char *s, struct otw_err *err);
/* Parses an IP address or a MAC into a key (6 or 16 bytes). 0 or OTW_EINVAL. */
int otw_assets_parse_key(const char *s, uint8_t key[16], uint8_t *keylen);

/* One host as listed: a MAC or an IP. Pointers valid during the callback. */
struct otw_asset_info {
    const uint8_t *key;
    uint8_t keylen;
    int64_t first_us, last_us;
    uint64_t sessions_out, sessions_in, packets;
    const char *name, *role;        /* given by a person, or NULL */
    const char *label_from;         /* "FILE:LINE", "assets set", or NULL */
    bool has_mac;                   /* IP rows: the MAC it is bound to now */
    uint8_t mac[6];
    const char *vendor;             /* of the MAC (row's own or bound), or NULL */
    bool seen;                      /* false: only named (DNS answer, label) */
};
typedef int (*otw_asset_info_cb)(void *ctx, const struct otw_asset_info *h);
/* Every entry, MACs then IPs, each in byte order. */
int otw_assets_each(const struct otw_assets *a, otw_asset_info_cb cb, void *ctx);
/* One entry by key; OTW_ENOTFOUND when absent. */
int otw_assets_get(const struct otw_assets *a, const uint8_t *key, size_t keylen,
                   otw_asset_info_cb cb, void *ctx);
/* What is known of a key (names, identities, services, points) in kind
 * order; point values are names. And its bindings (a MAC's IPs or an IP's
 * MACs), oldest first. */
int otw_assets_each_fact(const struct otw_assets *a, const uint8_t *key, size_t keylen,
                         int (*cb)(void *ctx, const struct otw_asset_fact_row *f), void *ctx);
int otw_assets_each_binding(const struct otw_assets *a, const uint8_t *key, size_t keylen,
                            int (*cb)(void *ctx, const struct otw_asset_binding_row *b),
                            void *ctx);
/* The discovered names of an IP (its own and its MAC's), "hmi01, HMI01",
 * into buf ("" when none); returns buf. */
const char *otw_assets_names(const struct otw_assets *a, const uint8_t *key, size_t keylen,
                             char *buf, size_t len);

struct otw_assets_stats {
    uint64_t entries, facts, bindings, labels, capped;
};
void otw_assets_get_stats(const struct otw_assets *a, struct otw_assets_stats *st);

/* Vendor lists from another directory (tests); NULL: /usr/share/ieee-data.
 * Must be called before the first otw_mac_vendor(). */
void otw_mac_vendor_dir(const char *dir);

#endif
