/*
 * pipeline.h - the packet path shared by import and live capture:
 * record -> decode -> filter -> session table (or the layer-2 table for what
 * makes no session) -> writer. One per input unit (an imported file, or a
 * capture run), owned by the packet thread.
 */
#ifndef OTW_PIPELINE_H
#define OTW_PIPELINE_H

#include "capture/filter.h"
#include "capture/reader.h"
#include "flow/flow.h"
#include "store/writer.h"

struct otw_pipeline;

enum otw_pipeline_note {
    OTW_NOTE_LINKTYPE,      /* a link type we do not decode (once per link type) */
    OTW_NOTE_MALFORMED,     /* a packet whose header lengths do not fit (the first few) */
};

/* What the pipeline tells its owner about odd packets; `detail` is the link
 * type number as text, or the name of the failed check. */
typedef void (*otw_pipeline_note_fn)(void *ctx, const struct otw_rec *rec, int note,
                                     const char *detail);

struct otw_pipeline_stats {
    uint64_t packets;
    uint64_t filtered;      /* dropped by the filter (still counted in the layer-2 table) */
    uint64_t malformed;
    uint64_t undecoded;     /* not even the link layer could be read */
    uint64_t unsupported;   /* of a link type we do not decode */
    struct otw_flow_stats flow;
};

/* `filter` (may be NULL) and `writer` are borrowed and must outlive the
 * pipeline. Returns NULL when out of memory. */
struct otw_pipeline *otw_pipeline_new(const struct otw_flow_config *fc, struct otw_filter *filter,
                                      struct otw_writer *writer, otw_pipeline_note_fn note,
                                      void *note_ctx);
void otw_pipeline_packet(struct otw_pipeline *pl, const struct otw_rec *rec);
/* Live capture: time passes without packets too; expires idle sessions
 * and writes updates as of `now_us`, and hands the layer-2 counts to the
 * writer once a minute. */
void otw_pipeline_tick(struct otw_pipeline *pl, int64_t now_us);
/* End of input: every session and layer-2 count goes to the writer. */
void otw_pipeline_flush(struct otw_pipeline *pl);
void otw_pipeline_get_stats(const struct otw_pipeline *pl, struct otw_pipeline_stats *st);
void otw_pipeline_free(struct otw_pipeline *pl);

#endif
