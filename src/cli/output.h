/*
 * output.h - how sessions are printed: a table for people, JSON lines with
 * Elastic Common Schema names, CSV with the same names as its header.
 */
#ifndef OTW_OUTPUT_H
#define OTW_OUTPUT_H

#include <jansson.h>
#include <stdio.h>

#include "store/store.h"

enum otw_out_format { OTW_OUT_TABLE, OTW_OUT_JSON, OTW_OUT_CSV };

int otw_out_parse_format(const char *s, enum otw_out_format *f);
/* Header line (table, CSV). */
void otw_out_begin(FILE *f, enum otw_out_format fmt);
void otw_out_session(FILE *f, enum otw_out_format fmt, const struct otw_session_row *r);
/* The same with the names and roles of hosts (NULL: none): next to the
 * address in the table, source.name/.role and destination.name/.role in
 * JSON and CSV. */
struct otw_assets;
void otw_out_session_ex(FILE *f, enum otw_out_format fmt, const struct otw_session_row *r,
                        const struct otw_assets *as);
/* The JSON object of one session as --format json prints it (ECS names,
 * parser fields as arrays, otwatch.counts, otwatch.events; names and roles
 * from as, may be NULL): shared with the web API's session detail. A new
 * reference, NULL when out of memory. */
json_t *otw_out_session_json(const struct otw_session_row *r, const struct otw_assets *as);
/* "tcp", "udp", "icmp", "ipv6-icmp", or the number. buf >= 8. */
const char *otw_out_transport(int proto, char *buf, size_t len);

/* The packets of the sessions matching sq as one capture file on out, as
 * `otwatch pcap` writes it (cmd_pcap.c; the web API's pcap downloads too).
 * Returns 0 when packets were written; OTW_ENOTFOUND when none could be
 * (no session matched, or their packets are gone); OTW_EINVAL with
 * too_many set when more than max_sessions match; other OTW_E* on
 * failure. err says why. */
struct otw_pcap_out {
    bool pcapng;                /* always pcapng (else only for several link types) */
    int64_t max_sessions;       /* > 0: refuse more sessions than this */
    void (*warn)(void *ctx, const char *msg);   /* NULL: "otwatch pcap: msg" on stderr */
    void *warn_ctx;
    /* Issue 8, several nodes: only the sessions this node saw (rows of
     * another node are left out; rows without a node are this node's). */
    const char *only_node;
    /* otw_pcap_write_nodes: the expression's text, sent to the sensors
     * for a large result (NULL: their sessions' ids are sent) */
    const char *expr;
    /* out */
    uint64_t sessions, packets;
    bool too_many;
    char failed_node[64];       /* otw_pcap_write_nodes: the sensor that failed, "" none */
};
int otw_pcap_write(struct otw_store *st, const struct otw_session_query *sq, FILE *out,
                   struct otw_pcap_out *o, struct otw_err *err);
/* The same for a store shared by several nodes (pcap_nodes.c): the
 * sessions of this node from its own files (otw_pcap_write), those of
 * other nodes from the sensor that saw them (sensor.NAME, sensor.token,
 * sensor.ca: store_remote.h), merged in time order. A sensor that is not
 * configured, unreachable, or refuses: OTW_EIO with failed_node set and
 * err naming it and why. With every session of this node it is
 * otw_pcap_write. */
int otw_pcap_write_nodes(struct otw_store *st, const struct otw_session_query *sq, FILE *out,
                         struct otw_pcap_out *o, struct otw_err *err);
/* The packets of capture files (pcap or pcapng) merged in time order into
 * one (cmd_pcap.c); o->packets gets the count. 0, OTW_ENOTFOUND (no
 * packets), other OTW_E* on failure. */
int otw_pcap_merge(const char *const *paths, size_t n, FILE *out, struct otw_pcap_out *o,
                   struct otw_err *err);

/* Shared by the commands that take an expression and times (cmd_sessions.c). */
struct otw_query;
int otw_cli_parse_expr(const char *cmd, const char *expr, struct otw_query **q);
int otw_cli_parse_time(const char *cmd, const char *opt, const char *s, int64_t *out);
/* --limit N (N >= 0); prints the error and returns -1 when not a number. */
int otw_cli_parse_limit(const char *cmd, const char *s, int64_t *out);

/* Names and roles of hosts (detect/assets.h) for the listings: loads the
 * settings file (config; NULL: $OTWATCH_CONFIG, else the default file if
 * present) and the store's labels (full: the whole inventory). Prints the
 * error; returns 0, 1 (store) or 2 (settings). cmd_assets.c. */
int otw_cli_assets_open(const char *cmd, struct otw_store *st, const char *config, bool full,
                        struct otw_assets **out);

#endif
