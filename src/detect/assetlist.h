/*
 * assetlist.h - the inventory as a list of hosts, shared by `otwatch assets`
 * and the web API (api_assets.c): which rows are listed and in what order
 * (IP addresses, then MACs that no listed address is bound to), the filter
 * (an IP, a CIDR range, a MAC, or text matched against names, roles,
 * vendors and identities), the per-host summary (names seen, identities,
 * services served and used, capture points), and the change of a host's
 * name and role kept in the store.
 */
#ifndef OTW_ASSETLIST_H
#define OTW_ASSETLIST_H

#include <jansson.h>

#include "detect/assets.h"

/* What a listing shows of one host beyond struct otw_asset_info: lists
 * joined with ", " (each value once; a port seen with and without its
 * protocol only with it). Values are printable text (assets.c cleans them). */
struct otw_asset_summary {
    char names[256];        /* discovered names (DHCP, DNS, NetBIOS ...) */
    char ident[256];        /* identities from OT protocols, DHCP vendor class */
    char served[512];       /* "tcp/502 modbus, tcp/22 ssh" */
    char used[512];
    char points[256];       /* capture point names */
};

/* Fills s for host h (an IP's facts and its current MAC's together). */
void otw_asset_summarize(const struct otw_assets *a, const struct otw_asset_info *h,
                         struct otw_asset_summary *s);

/* Which hosts a listing shows. */
struct otw_asset_filter {
    const char *role;       /* only this role (case-insensitive), or NULL */
    const char *text;       /* the pattern, or NULL: every host */
    bool all;               /* also addresses only named (DNS answers, labels) */
    /* set by otw_asset_filter_init from text */
    int bits;               /* >= 0: text is an address range of `bits` (of 128) */
    uint8_t net[16];
    bool is_mac;
    uint8_t mac[6];
};

/* Parses the pattern (NULL or "": none). OTW_EINVAL with a message when it
 * has a '/' but is not a CIDR range. */
int otw_asset_filter_init(struct otw_asset_filter *f, const char *pattern, const char *role,
                          bool all, struct otw_err *err);

/* Calls cb for every host the filter passes, IPs first, then the MACs no
 * listed IP is bound to, each in byte order. Returns 0, OTW_ENOMEM, or
 * what a non-zero cb returned (which stops the listing). */
typedef int (*otw_asset_list_cb)(void *ctx, const struct otw_asset_info *h,
                                 const struct otw_asset_summary *s);
int otw_assets_list(const struct otw_assets *a, const struct otw_asset_filter *f,
                    otw_asset_list_cb cb, void *ctx);

/* Splits a ", " list of a summary into a JSON array of strings (new reference). */
json_t *otw_asset_list_json(const char *s);

/* Whether a key may carry a name and role: a host's address or MAC, not a
 * multicast, broadcast or unspecified address or a group MAC. 0 or OTW_EINVAL
 * with a message naming `text` (the key as the person wrote it). */
int otw_asset_key_check(const char *text, const uint8_t key[16], uint8_t keylen,
                        struct otw_err *err);

/* Gives a host a name and/or a role in the store (`assets set`): NULL keeps
 * what was stored, "" removes that one; the label goes when both are empty.
 * Values are checked (otw_assets_check_text) unless empty. *out (may be
 * NULL) gets the label as stored now. In the caller's transaction, if any. */
int otw_asset_label_update(struct otw_store *st, const uint8_t key[16], uint8_t keylen,
                           const char *name, const char *role, struct otw_asset_label_row *out,
                           struct otw_err *err);

#endif
