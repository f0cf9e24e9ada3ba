/*
 * bltext.h - the baseline as people write and read it, shared by
 * `otwatch baseline` (cli/cmd_baseline.c) and the web API
 * (api/api_baseline.c): names of transports and services, the port specs
 * and hosts of maintenance-window rules, window names, the entries in a
 * stable order, the windows with their rules, and the review changes
 * (approve, remove) made in one transaction.
 */
#ifndef OTW_BLTEXT_H
#define OTW_BLTEXT_H

#include <jansson.h>

#include "core/config.h"
#include "store/store.h"

/* "tcp", "udp", "icmp", "ipv6-icmp" ... or the number; returns buf or a
 * static string. */
const char *otw_bl_transport_str(int proto, char *buf, size_t len);
/* A transport name or number 1-255; -1 if neither. */
int otw_bl_transport_parse(const char *s);
/* Whether entries of this IP protocol have a port (TCP, UDP, SCTP). */
bool otw_bl_proto_has_ports(int proto);
/* "tcp/502" or "icmp" for an entry; returns buf. */
const char *otw_bl_service_str(const struct otw_bl_key *k, char *buf, size_t len);
/* The OT function class name ("read", "write" ...) or "". */
const char *otw_bl_class_str(unsigned ot_class);

/* A rule's port: "*", "tcp", "tcp/22", "tcp/ *" (no space), "22"; proto 0 and
 * port -1 are wildcards. 0, or OTW_EINVAL with a message. And back. */
int otw_bl_portspec_parse(const char *s, int *proto, int *port, struct otw_err *err);
const char *otw_bl_portspec_str(int proto, int port, char *buf, size_t len);

/* A window name: 1-63 letters, digits, '_', '.', '-' or ':'. */
bool otw_bl_window_name_ok(const char *s);
#define OTW_BL_WINDOW_NAME_RULE "a window name is 1-63 letters, digits, '_', '.', '-' or ':'"
/* A rule host as stored: "*", an address or a CIDR range. */
bool otw_bl_rule_host_ok(const char *s);
/* A rule's application: "*" or a protocol name (1-23 bytes, no space or
 * control character). */
bool otw_bl_app_ok(const char *s);
/* Free text (a note): no control characters. */
bool otw_bl_text_ok(const char *s);

/* A rule host as a person writes it: "*", an address, a CIDR range, or an
 * asset name (names and roles of the store and cfg, which may be NULL)
 * resolved to its one address. 0 (out filled), OTW_ENOTFOUND (neither an
 * address nor a name), or OTW_EEXIST (the name is on *n addresses). */
int otw_bl_host_resolve(struct otw_store *st, const struct otw_config *cfg, const char *s,
                        char *out, size_t len, int *n);

/* Entries in key order (client, server, proto, port, app, class): the
 * order of export and show. *v is malloc'd (free it), also on error. */
int otw_bl_key_cmp(const struct otw_bl_key *a, const struct otw_bl_key *b);
int otw_bl_entries_sorted(struct otw_store *st, struct otw_bl_entry **v, size_t *n,
                          struct otw_err *err);

/* The windows (by name) and the rules of all of them (by window, id). */
struct otw_bl_windows {
    struct otw_bl_window *w;
    size_t nw, capw;
    struct otw_bl_rule *r;
    size_t nr, capr;
};
int otw_bl_windows_load(struct otw_store *st, struct otw_bl_windows *ws, struct otw_err *err);
void otw_bl_windows_free(struct otw_bl_windows *ws);

/* Approves (or removes) entries by id in one transaction: one unknown id
 * (OTW_ENOTFOUND, its message) changes nothing. */
int otw_bl_entries_apply(struct otw_store *st, const int64_t *ids, size_t n, bool approve,
                         struct otw_err *err);

/* An entry's hour-of-week profile as JSON: {"Mon 09": 12, ...}, the hours
 * with sessions only (baseline export and the API). */
json_t *otw_bl_hours_json(const uint32_t *hours);

#endif
