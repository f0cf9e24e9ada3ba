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
 * names, EtherNet/IP, BACnet, S7 identities). */
void otw_assets_observe(struct otw_assets *a, const struct otw_sessinfo *fi,
                        const struct otw_session *s);
void otw_assets_observe_l2(struct otw_assets *a, const struct otw_l2_row *row);
/* Writes what changed; the caller holds the transaction. */
int otw_assets_save(struct otw_assets *a, struct otw_store *st, struct otw_err *err);

#endif
