/*
 * engine.h - runs the parsers of proto/registry.c over one session's
 * payload: identification by content, then parsing, with the per-direction
 * buffers the parsers' framing needs. Owned by the session table (packet
 * thread); see proto.h for the parser's side of the contract.
 */
#ifndef OTW_ENGINE_H
#define OTW_ENGINE_H

#include "proto/app.h"
#include "proto/proto.h"

struct otw_appflow;

/* NULL on allocation failure (the session is then simply not parsed). */
struct otw_appflow *otw_engine_flow_new(const struct otw_flowinfo *fi);
/* In-order payload of `dir` (TCP), or one datagram (UDP). */
void otw_engine_data(struct otw_appflow *af, int dir, const uint8_t *p, size_t len);
/* `lost` bytes missing in `dir` (TCP). */
void otw_engine_gap(struct otw_appflow *af, int dir, size_t lost);
/* The record of this session is being written. final: the session ends
 * (parsers finish; the app moves to the caller). Not final: a segment of a
 * long session; the caller gets a copy and the values start afresh. May
 * return NULL (nothing found, or no memory). */
struct otw_app *otw_engine_take(struct otw_appflow *af, bool final);
/* A copy of what was found so far, for a record in progress; nothing is
 * reset. NULL when there is nothing or no memory. */
struct otw_app *otw_engine_snapshot(const struct otw_appflow *af);
void otw_engine_flow_free(struct otw_appflow *af);

/* The protocol names that can appear in network.protocol, for `otwatch
 * fields` and the query language. */
size_t otw_engine_protocol_names(const char **out, size_t max);

#endif
