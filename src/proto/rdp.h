/*
 * rdp.h - the RDP stream reader, shared by the RDP parser (rdp.c) and by
 * tunnels that carry RDP inside (socks5.c). Embed a zeroed struct otw_rdp,
 * feed it like a parser's parse(), call otw_rdp_release() from free().
 */
#ifndef OTW_RDP_H
#define OTW_RDP_H

#include "proto/tls.h"

struct otw_rdp {
    struct otw_tls tls;         /* the TLS phase (selected protocol != standard RDP) */
    uint32_t skip[2];           /* bytes of an over-long PDU still to skip, per direction */
    uint8_t tls_selected;       /* the server selected TLS/CredSSP/RDSTLS */
    uint8_t in_tls[2];          /* this direction switched to TLS records */
};

ssize_t otw_rdp_parse(struct otw_rdp *r, struct otw_app *a, int dir, const uint8_t *p, size_t len);
void otw_rdp_release(struct otw_rdp *r);
/* OTW_PROBE_* for the first bytes of an RDP client (X.224 Connection Request). */
int otw_rdp_probe_bytes(const uint8_t *p, size_t len, int port_is_rdp);

/* The RDP fields and events as rows, for every parser that records them
 * (rdp, socks5); the names match rdp.c's F_ and EV_ strings. */
#define OTW_RDP_FIELD_ROWS \
    {"rdp.cookie", OTW_PF_STR, "user name from the Connection Request cookie (mstshash)"}, \
    {"rdp.routing_token", OTW_PF_STR, "load-balancer routing token from the Connection Request (msts=)"}, \
    {"rdp.requested", OTW_PF_STR, "security protocols the client offered (standard_rdp, tls, credssp, ...)"}, \
    {"rdp.selected", OTW_PF_STR, "security protocol the server selected"}, \
    {"rdp.failure", OTW_PF_STR, "negotiation failure code from the server"}, \
    {"rdp.client_name", OTW_PF_STR, "client computer name (GCC client core data)"}, \
    {"rdp.keyboard_layout", OTW_PF_INT, "client keyboard layout (Windows LCID, e.g. 1041 Japanese)"}, \
    {"rdp.client_build", OTW_PF_INT, "client build number"},
#define OTW_RDP_EVENT_ROWS "rdp.bad_tpkt", "rdp.bad_x224", "rdp.bad_negotiation",

extern const struct otw_pfield otw_rdp_fields[];
extern const char *const otw_rdp_events[];

#endif
