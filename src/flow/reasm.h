/*
 * reasm.h - bounded TCP reassembly for the application parsers.
 *
 * One otw_reasm per TCP session; it turns segments as captured (out of
 * order, retransmitted, overlapping, missing) into in-order bytes per
 * direction, handed to a deliver callback, and reports the holes it had to
 * give up on as gaps. Out-of-order segments are copied and held, at most
 * OTW_REASM_MAX_SEGS per direction and OTW_REASM_MAX_BYTES in all; past
 * that, the oldest hole is declared a gap. Bytes once delivered never
 * change: a later segment overlapping them gives only its new bytes; among
 * held segments that overlap, the one with the lower sequence number
 * supplies the shared bytes.
 */
#ifndef OTW_REASM_H
#define OTW_REASM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define OTW_REASM_MAX_SEGS 16
#define OTW_REASM_MAX_BYTES (128 * 1024)

typedef void (*otw_reasm_deliver_fn)(void *ctx, int dir, const uint8_t *p, size_t len);
typedef void (*otw_reasm_gap_fn)(void *ctx, int dir, size_t lost);

struct otw_reasm;

struct otw_reasm *otw_reasm_new(otw_reasm_deliver_fn deliver, otw_reasm_gap_fn gap, void *ctx);
/* One TCP segment of direction `dir` (0: from the session's source).
 * `wire_len` payload bytes were on the wire, of which `cap_len` were
 * captured at `p` (a snapshot length may have cut the rest: that part is
 * a gap). */
void otw_reasm_segment(struct otw_reasm *r, int dir, uint32_t seq, uint8_t flags,
                       const uint8_t *p, uint32_t cap_len, uint32_t wire_len);
/* The session ends: held segments are delivered, holes reported as gaps. */
void otw_reasm_flush(struct otw_reasm *r);
void otw_reasm_free(struct otw_reasm *r);

struct otw_reasm_stats {
    uint64_t retransmitted;     /* segments wholly seen before */
    uint64_t overlaps;          /* segments partly seen before */
    uint64_t out_of_order;      /* segments held */
    uint64_t gaps;              /* holes given up on */
    uint64_t gap_bytes;
};
void otw_reasm_get_stats(const struct otw_reasm *r, struct otw_reasm_stats *st);

#endif
