/*
 * pipeline.c - the packet path (see pipeline.h). Everything here runs once
 * per packet: no allocation, no locks; the writer's queue is the only
 * hand-off.
 */
#include "flow/pipeline.h"

#include <stdio.h>
#include <stdlib.h>

#include "decode/decode.h"
#include "flow/l2seen.h"

#define MALFORMED_NOTES 3
#define L2_DRAIN_US (60LL * 1000000)

struct otw_pipeline {
    struct otw_filter *filter;
    struct otw_writer *writer;
    struct otw_flowtab *ft;
    struct otw_l2seen *l2;
    otw_pipeline_note_fn note;
    void *note_ctx;
    int last_bad_lt;
    int malformed_noted;
    int64_t l2_drained_us;      /* live: layer-2 counts go out once a minute */
    struct otw_pipeline_stats st;
};

static void emit_session(void *ctx, const struct otw_session *s)
{
    struct otw_pipeline *pl = ctx;

    otw_writer_session(pl->writer, s);
}

static void emit_l2(void *ctx, const struct otw_l2_row *rows, size_t n)
{
    struct otw_pipeline *pl = ctx;

    otw_writer_l2(pl->writer, rows, n);
}

struct otw_pipeline *otw_pipeline_new(const struct otw_flow_config *fc, struct otw_filter *filter,
                                      struct otw_writer *writer, otw_pipeline_note_fn note,
                                      void *note_ctx)
{
    struct otw_pipeline *pl = calloc(1, sizeof(*pl));

    if (pl == NULL)
        return NULL;
    pl->filter = filter != NULL && otw_filter_active(filter) ? filter : NULL;
    pl->writer = writer;
    pl->note = note;
    pl->note_ctx = note_ctx;
    pl->last_bad_lt = -1;
    pl->ft = otw_flow_new(fc, emit_session, pl);
    pl->l2 = otw_l2seen_new(4096, emit_l2, pl);
    if (pl->ft == NULL || pl->l2 == NULL) {
        otw_pipeline_free(pl);
        return NULL;
    }
    return pl;
}

void otw_pipeline_packet(struct otw_pipeline *pl, const struct otw_rec *rec)
{
    struct otw_pkt p;
    int d = otw_decode(rec->linktype, rec->data, rec->caplen, rec->len, &p);

    pl->st.packets++;
    if (OTW_UNLIKELY(d == OTW_DEC_UNSUPPORTED)) {
        pl->st.unsupported++;
        if (pl->last_bad_lt != rec->linktype && pl->note != NULL) {
            char lt[16];
            pl->last_bad_lt = rec->linktype;
            snprintf(lt, sizeof(lt), "%d", rec->linktype);
            pl->note(pl->note_ctx, rec, OTW_NOTE_LINKTYPE, lt);
        }
        return;
    }
    if (OTW_UNLIKELY(p.malformed != NULL)) {
        pl->st.malformed++;
        if (pl->malformed_noted < MALFORMED_NOTES && pl->note != NULL) {
            pl->malformed_noted++;
            pl->note(pl->note_ctx, rec, OTW_NOTE_MALFORMED, p.malformed);
        }
    }
    if (d != OTW_DEC_IP) {
        if (d == OTW_DEC_NONE)
            pl->st.undecoded++;
        otw_l2seen_add(pl->l2, rec->ts_us, &p);
        return;
    }
    if (pl->filter != NULL && !otw_filter_match(pl->filter, rec, &p)) {
        pl->st.filtered++;
        otw_l2seen_add(pl->l2, rec->ts_us, &p);
        return;
    }
    otw_flow_packet(pl->ft, rec->ts_us, rec->len, &p);
}

void otw_pipeline_tick(struct otw_pipeline *pl, int64_t now_us)
{
    otw_flow_expire(pl->ft, now_us);
    if (pl->l2_drained_us == 0)
        pl->l2_drained_us = now_us;
    if (now_us - pl->l2_drained_us >= L2_DRAIN_US) {
        otw_l2seen_drain(pl->l2);
        pl->l2_drained_us = now_us;
    }
}

void otw_pipeline_flush(struct otw_pipeline *pl)
{
    otw_flow_flush(pl->ft);
    otw_l2seen_drain(pl->l2);
}

void otw_pipeline_get_stats(const struct otw_pipeline *pl, struct otw_pipeline_stats *st)
{
    *st = pl->st;
    otw_flow_get_stats(pl->ft, &st->flow);
}

void otw_pipeline_free(struct otw_pipeline *pl)
{
    if (pl == NULL)
        return;
    otw_flow_free(pl->ft);
    otw_l2seen_free(pl->l2);
    free(pl);
}
