/*
 * reasm.c - bounded TCP reassembly (see reasm.h).
 *
 * Sequence numbers are compared modulo 2^32 (RFC 793 3.3). In the common
 * case, a segment that starts where the direction's stream ends, the bytes
 * go straight from the packet to the parser without a copy.
 */
#include "flow/reasm.h"

#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/session.h"

struct seg {
    uint32_t seq;
    uint32_t len;
    uint8_t *data;
};

struct rdir {
    bool init;
    uint32_t next;              /* next sequence number expected */
    struct seg segs[OTW_REASM_MAX_SEGS];    /* held, sorted by seq */
    uint8_t n;
};

struct otw_reasm {
    otw_reasm_deliver_fn deliver;
    otw_reasm_gap_fn gap;
    void *ctx;
    struct rdir d[2];
    size_t held;
    struct otw_reasm_stats st;
};

static inline int32_t sdiff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

struct otw_reasm *otw_reasm_new(otw_reasm_deliver_fn deliver, otw_reasm_gap_fn gap, void *ctx)
{
    struct otw_reasm *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->deliver = deliver;
    r->gap = gap;
    r->ctx = ctx;
    return r;
}

static void seg_remove(struct otw_reasm *r, struct rdir *d, int i)
{
    r->held -= d->segs[i].len;
    free(d->segs[i].data);
    memmove(&d->segs[i], &d->segs[i + 1], (size_t)(d->n - i - 1) * sizeof(d->segs[0]));
    d->n--;
}

/* Delivers held segments that now continue the stream. */
static void drain(struct otw_reasm *r, int dir)
{
    struct rdir *d = &r->d[dir];

    while (d->n > 0 && sdiff(d->segs[0].seq, d->next) <= 0) {
        struct seg *s = &d->segs[0];
        uint32_t skip = (uint32_t)-sdiff(s->seq, d->next);

        if (skip < s->len) {
            r->deliver(r->ctx, dir, s->data + skip, s->len - skip);
            d->next = s->seq + s->len;
        }
        seg_remove(r, d, 0);
    }
}

/* Gives up on the hole before the first held segment. */
static void give_up(struct otw_reasm *r, int dir)
{
    struct rdir *d = &r->d[dir];
    uint32_t lost;

    if (d->n == 0)
        return;
    lost = (uint32_t)sdiff(d->segs[0].seq, d->next);
    r->st.gaps++;
    r->st.gap_bytes += lost;
    r->gap(r->ctx, dir, lost);
    d->next = d->segs[0].seq;
    drain(r, dir);
}

static void hold(struct otw_reasm *r, int dir, uint32_t seq, const uint8_t *p, uint32_t len)
{
    struct rdir *d = &r->d[dir];
    int i;

    for (i = 0; i < d->n; i++) {
        if (d->segs[i].seq == seq && d->segs[i].len >= len) {
            r->st.retransmitted++;
            return;
        }
        if (sdiff(d->segs[i].seq, seq) > 0)
            break;
    }
    if (d->n == OTW_REASM_MAX_SEGS || r->held + len > OTW_REASM_MAX_BYTES || len > OTW_REASM_MAX_BYTES)
        return;     /* caller made room; a segment too large for the cap is lost */
    d->segs[d->n].data = NULL;
    memmove(&d->segs[i + 1], &d->segs[i], (size_t)(d->n - i) * sizeof(d->segs[0]));
    d->segs[i].data = malloc(len);
    if (d->segs[i].data == NULL) {
        memmove(&d->segs[i], &d->segs[i + 1], (size_t)(d->n - i) * sizeof(d->segs[0]));
        return;
    }
    memcpy(d->segs[i].data, p, len);
    d->segs[i].seq = seq;
    d->segs[i].len = len;
    d->n++;
    r->held += len;
    r->st.out_of_order++;
}

/* A copy of this segment is already held (a retransmission of it). */
static bool held_already(const struct rdir *d, uint32_t seq, uint32_t len)
{
    for (int i = 0; i < d->n; i++)
        if (d->segs[i].seq == seq && d->segs[i].len >= len)
            return true;
    return false;
}

static void process(struct otw_reasm *r, int dir, uint32_t seq, const uint8_t *p, uint32_t len)
{
    struct rdir *d = &r->d[dir];
    int32_t off = sdiff(seq, d->next);

    if (off <= 0) {
        uint32_t skip = (uint32_t)-off;
        if (skip >= len) {
            r->st.retransmitted++;
            return;
        }
        if (skip > 0)
            r->st.overlaps++;
        r->deliver(r->ctx, dir, p + skip, len - skip);
        d->next = seq + len;
        if (d->n)
            drain(r, dir);
        return;
    }
    /* Ahead of the stream: hold it, making room by giving up on holes
     * (unless it is a copy of what is held: nothing new needs room). */
    if (held_already(d, seq, len)) {
        r->st.retransmitted++;
        return;
    }
    while (d->n > 0 && (d->n == OTW_REASM_MAX_SEGS || r->held + len > OTW_REASM_MAX_BYTES)) {
        give_up(r, dir);
        off = sdiff(seq, d->next);
        if (off <= 0) {
            process(r, dir, seq, p, len);
            return;
        }
    }
    if (len > OTW_REASM_MAX_BYTES || r->held + len > OTW_REASM_MAX_BYTES) {
        /* The other direction holds the budget: treat the hole as lost now. */
        r->st.gaps++;
        r->st.gap_bytes += (uint32_t)off;
        r->gap(r->ctx, dir, (uint32_t)off);
        d->next = seq;
        process(r, dir, seq, p, len);
        return;
    }
    hold(r, dir, seq, p, len);
}

void otw_reasm_segment(struct otw_reasm *r, int dir, uint32_t seq, uint8_t flags,
                       const uint8_t *p, uint32_t cap_len, uint32_t wire_len)
{
    struct rdir *d = &r->d[dir & 1];

    dir &= 1;
    if (flags & OTW_TCP_SYN) {
        /* Only the first SYN starts the stream: a repeated or late SYN
         * must not rewind it (a new connection on the same ports is a new
         * session, with its own reassembly). */
        if (!d->init) {
            d->init = true;
            d->next = seq + 1;
        }
        seq += 1;
    }
    if (wire_len == 0)
        return;
    if (!d->init) {
        d->init = true;
        d->next = seq;
    }
    if (cap_len > wire_len)
        cap_len = wire_len;
    if (cap_len > 0)
        process(r, dir, seq, p, cap_len);
    if (cap_len < wire_len && d->next == seq + cap_len) {
        /* The snapshot length cut this segment: its tail is a hole. */
        uint32_t lost = wire_len - cap_len;
        r->st.gaps++;
        r->st.gap_bytes += lost;
        r->gap(r->ctx, dir, lost);
        d->next = seq + wire_len;
        drain(r, dir);
    }
}

void otw_reasm_flush(struct otw_reasm *r)
{
    for (int dir = 0; dir < 2; dir++)
        while (r->d[dir].n > 0)
            give_up(r, dir);
}

void otw_reasm_get_stats(const struct otw_reasm *r, struct otw_reasm_stats *st)
{
    *st = r->st;
}

void otw_reasm_free(struct otw_reasm *r)
{
    if (r == NULL)
        return;
    for (int dir = 0; dir < 2; dir++)
        for (int i = 0; i < r->d[dir].n; i++)
            free(r->d[dir].segs[i].data);
    free(r);
}
