/*
 * store_assets.h - the store's assets tables (SQLite: sqlite_assets.c). Included by store.h.
 *
 * The inventory (detect/assets.c) keeps everything in memory and writes
 * only what changed; these calls are its persistence. Keys are a 6-byte MAC
 * or a 16-byte IP address (IPv4-mapped), the same bytes as sessions and
 * l2_seen use, so the byte length says which.
 *
 *   assets          one row per MAC or IP seen: first/last seen, sessions
 *                   started (out) and answered (in), layer-2 packets
 *   asset_facts     what is known of a key, one row per (kind, value):
 *                   names ("name.dhcp" = "hmi01"), identities
 *                   ("enip.product_name"), protocols served and used
 *                   ("served" = "tcp/502 modbus"), capture points
 *                   ("point" = point id); count, first and last seen
 *   asset_bindings  MAC <-> IP pairs over time, with how they were seen
 *   asset_labels    names and roles given with `otwatch assets set`
 *
 * Counts in rows handed to the put calls are increments: the store adds
 * them up (several processes may write one database); first/last are
 * merged with MIN/MAX.
 */
#ifndef OTW_STORE_ASSETS_H
#define OTW_STORE_ASSETS_H

/* How a MAC <-> IP binding was seen (bits of asset_bindings.sources). */
enum {
    OTW_BIND_ARP = 1 << 0,      /* ARP sender (layer-2 sighting) */
    OTW_BIND_DHCP = 1 << 1,     /* DHCP ACK: client MAC and the address it got */
    OTW_BIND_ND = 1 << 2,       /* IPv6 neighbour discovery */
    OTW_BIND_SESSION = 1 << 3,  /* source/destination MAC of a session (may be a router's) */
    OTW_BIND_L2 = 1 << 4,       /* another layer-2 sighting (broadcast, multicast ...) */
};
#define OTW_BIND_STRONG (OTW_BIND_ARP | OTW_BIND_DHCP | OTW_BIND_ND)

struct otw_asset_row {
    uint8_t key[16];
    uint8_t keylen;             /* 6: MAC, 16: IP */
    int64_t first_us, last_us;
    uint64_t sessions_out, sessions_in, packets;    /* increments (put) or totals (read) */
};

#define OTW_ASSET_KIND_MAX 32
#define OTW_ASSET_VALUE_MAX 128

struct otw_asset_fact_row {
    uint8_t key[16];
    uint8_t keylen;
    char kind[OTW_ASSET_KIND_MAX];
    char value[OTW_ASSET_VALUE_MAX];
    uint64_t count;
    int64_t first_us, last_us;
};

struct otw_asset_binding_row {
    uint8_t mac[6];
    uint8_t ip[16];
    unsigned sources;           /* OTW_BIND_* (OR-ed into the stored value) */
    uint64_t count;
    int64_t first_us, last_us;
};

#define OTW_ASSET_LABEL_MAX 64

struct otw_asset_label_row {
    uint8_t key[16];
    uint8_t keylen;
    char name[OTW_ASSET_LABEL_MAX];   /* "" when not given */
    char role[OTW_ASSET_LABEL_MAX];
    int64_t updated_us;
};

/* What changed since the last save, written in the caller's transaction. */
struct otw_asset_batch {
    const struct otw_asset_row *rows;
    size_t nrows;
    const struct otw_asset_fact_row *facts;
    size_t nfacts;
    const struct otw_asset_binding_row *bindings;
    size_t nbindings;
};
int otw_store_assets_put(struct otw_store *st, const struct otw_asset_batch *b,
                         struct otw_err *err);

/* Reads the whole inventory; any callback may be NULL; non-zero from a
 * callback stops the reading and is returned. */
struct otw_asset_readers {
    int (*row)(void *ctx, const struct otw_asset_row *r);
    int (*fact)(void *ctx, const struct otw_asset_fact_row *f);
    int (*binding)(void *ctx, const struct otw_asset_binding_row *b);
    int (*label)(void *ctx, const struct otw_asset_label_row *l);
    int (*point)(void *ctx, int64_t id, const char *name);      /* capture point names */
};
int otw_store_assets_read(struct otw_store *st, const struct otw_asset_readers *rd, void *ctx,
                          struct otw_err *err);
/* Only the labels (and the bindings, to name a MAC's addresses): what the
 * session and host listings need. */
int otw_store_assets_read_labels(struct otw_store *st, const struct otw_asset_readers *rd,
                                 void *ctx, struct otw_err *err);

/* Sets (replaces) or removes a label; unset returns OTW_ENOTFOUND when there
 * was none. */
int otw_store_asset_label_set(struct otw_store *st, const struct otw_asset_label_row *l,
                              struct otw_err *err);
int otw_store_asset_label_unset(struct otw_store *st, const uint8_t *key, size_t keylen,
                                struct otw_err *err);

/* Empties assets, asset_facts and asset_bindings (labels stay): `assets
 * rebuild` then fills them again from sessions and l2_seen. */
int otw_store_assets_clear(struct otw_store *st, struct otw_err *err);

#endif
