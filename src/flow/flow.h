/*
 * flow.h - the session table: decoded packets in, session records out.
 *
 * Third stage of the pipeline (capture -> decode -> flow -> store). Owned by
 * the packet thread; no locks. Finished records (and segments of long
 * sessions) go to the emit callback, which must copy them.
 */
#ifndef OTW_FLOW_H
#define OTW_FLOW_H

#include "core/common.h"
#include "core/session.h"
#include "decode/pkt.h"

struct otw_flow_config {
    int64_t tcp_idle_us;        /* TCP session idle timeout */
    int64_t udp_idle_us;
    int64_t other_idle_us;      /* ICMP and other IP protocols */
    int64_t closed_linger_us;   /* after FIN from both sides or RST */
    int64_t max_len_us;         /* longer sessions are written in segments */
    uint32_t max_flows;         /* cap on sessions held at once */
    bool parse_apps;            /* run the application parsers (proto/engine.c) */
    int64_t update_us;          /* > 0: sessions still going are written every
                                 * update_us as records with end_reason open
                                 * (live capture); 0: only when they end */
};

/* Defaults: TCP 600 s, UDP 120 s, other 60 s, linger 5 s, segments of 1 h,
 * 1,000,000 sessions (about 300 MB at the cap), no parsers, no updates. */
void otw_flow_config_default(struct otw_flow_config *cfg);

/* The callback takes ownership of s->app (may be NULL). */
typedef void (*otw_flow_emit_fn)(void *ctx, const struct otw_session *s);

struct otw_flowtab;

struct otw_flow_stats {
    uint64_t active;        /* sessions held now */
    uint64_t created;
    uint64_t records;       /* records emitted (sessions + extra segments) */
    uint64_t evicted;       /* written early because max_flows was reached */
    uint64_t updates;       /* records in progress written (update_us) */
    uint64_t frag_orphans;  /* later fragments whose first fragment never came */
};

struct otw_flowtab *otw_flow_new(const struct otw_flow_config *cfg, otw_flow_emit_fn emit,
                                 void *emit_ctx);
/* Accounts one decoded IP packet (pkt->ipver != 0) of `wire_len` bytes. */
void otw_flow_packet(struct otw_flowtab *ft, int64_t ts_us, uint32_t wire_len,
                     const struct otw_pkt *pkt);
/* Writes out sessions idle at `now_us` (called by otw_flow_packet once per
 * second of packet time; live capture calls it on a timer). */
void otw_flow_expire(struct otw_flowtab *ft, int64_t now_us);
/* Writes out every session held (end of input). */
void otw_flow_flush(struct otw_flowtab *ft);
void otw_flow_get_stats(const struct otw_flowtab *ft, struct otw_flow_stats *st);
void otw_flow_free(struct otw_flowtab *ft);

/* 2 = well-known or registered service port, 1 = 1024..32767, 0 = ephemeral. */
int otw_flow_port_rank(uint8_t proto, uint16_t port);

#endif
