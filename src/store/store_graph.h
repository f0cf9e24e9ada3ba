/*
 * store_graph.h - the connections graph of the store (SQLite:
 * sqlite_graph.c). Included by store.h.
 *
 * Sessions aggregated into edges, one per (client, server, IP protocol,
 * server port, application protocols): how many session records, how many
 * bytes (frame bytes both ways), first start and last end. The web
 * interface's Connections page draws them; the baseline status, alerts and
 * host names are the caller's (api/api_graph.c), from their own stores.
 *
 * The time range selects the records that STARTED in [since, until); whole
 * hours come from a per-hour table the store keeps (graph_hours), so that a
 * day out of 10 million sessions answers in tens of milliseconds. Hiding
 * ICMP, IPv6, multicast and broadcast is applied while aggregating (the
 * same classes as the ot-basic capture preset, judged per session record:
 * destination address, or destination MAC).
 */
#ifndef OTW_STORE_GRAPH_H
#define OTW_STORE_GRAPH_H

#include <stdint.h>

#include "core/common.h"

struct otw_store;
struct otw_query;

/* What to leave out (bits of otw_graph_query.hide). */
enum {
    OTW_GRAPH_HIDE_ICMP = 1 << 0,       /* ICMP and ICMPv6 */
    OTW_GRAPH_HIDE_IPV6 = 1 << 1,       /* IPv6 sessions */
    OTW_GRAPH_HIDE_MCAST = 1 << 2,      /* to 224.0.0.0/4, ff00::/8 or a multicast MAC */
    OTW_GRAPH_HIDE_BCAST = 1 << 3,      /* to 255.255.255.255 or ff:ff:ff:ff:ff:ff */
};

struct otw_graph_query {
    const struct otw_query *expr;   /* NULL: every session */
    int64_t since_us, until_us;     /* records that started in [since, until) */
    unsigned hide;                  /* OTW_GRAPH_HIDE_* */
};

struct otw_graph_edge {
    uint8_t client[16], server[16]; /* the session's source and destination */
    uint8_t proto;                  /* IP protocol */
    uint16_t port;                  /* server port; 0 for protocols without ports */
    const char *app;                /* "modbus", "http tls" (as stored, trimmed), "" */
    uint64_t sessions, bytes;
    int64_t first_us, last_us;      /* first start, last end */
};

/* Calls cb for every edge, in no particular order; cb returns non-zero to
 * stop. *matched (may be NULL) gets the number of session records that
 * went into the edges. */
typedef int (*otw_graph_edge_cb)(void *ctx, const struct otw_graph_edge *e);
int otw_store_graph_edges(struct otw_store *st, const struct otw_graph_query *q,
                          otw_graph_edge_cb cb, void *ctx, uint64_t *matched,
                          struct otw_err *err);

/* Sums graph_hours again from the sessions (the store keeps it up to date
 * itself; for bulk loads that bypass it, such as bench/gen-sessions.c). */
int otw_store_graph_rebuild(struct otw_store *st, struct otw_err *err);

/* The first and the last session start in the store (0 and 0 when empty):
 * the default range of the graph is the last day of data. */
int otw_store_session_span(struct otw_store *st, int64_t *first_us, int64_t *last_us,
                           struct otw_err *err);

#endif
