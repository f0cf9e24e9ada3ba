/*
 * protorig.h - a parser driven the way proto/engine.c drives it, for the
 * parser unit tests: its state (init() called when the parser has one), an
 * otw_app, and per direction the bytes parse() left unconsumed, offered
 * again in front of the next ones.
 */
#ifndef OTW_TEST_PROTORIG_H
#define OTW_TEST_PROTORIG_H

#include <stdlib.h>
#include <string.h>

#include "proto/app.h"
#include "proto/proto.h"

struct prig {
    const struct otw_parser *ps;
    void *state;
    struct otw_app *app;
    uint8_t buf[2][8192];
    size_t blen[2];
    int detached;
};

static inline struct prig *prig_new(const struct otw_parser *ps, const struct otw_flowinfo *fi)
{
    struct prig *r = calloc(1, sizeof(*r));

    assert_non_null(r);
    r->ps = ps;
    r->state = calloc(1, ps->state_size ? ps->state_size : 1);
    r->app = otw_app_new();
    assert_non_null(r->state);
    assert_non_null(r->app);
    if (ps->init != NULL && fi != NULL)
        ps->init(r->state, fi);
    return r;
}

static inline void prig_free(struct prig *r)
{
    if (r->ps->free)
        r->ps->free(r->state);
    free(r->state);
    otw_app_free(r->app);
    free(r);
}

/* In-order bytes of one direction (TCP), after what is left over. */
static inline void prig_feed(struct prig *r, int dir, const uint8_t *p, size_t len)
{
    ssize_t used;

    if (r->detached)
        return;
    assert_true(r->blen[dir] + len <= sizeof(r->buf[dir]));
    memcpy(r->buf[dir] + r->blen[dir], p, len);
    r->blen[dir] += len;
    used = r->ps->parse(r->state, r->app, dir, r->buf[dir], r->blen[dir]);
    if (used < 0) {
        r->detached = 1;
        return;
    }
    assert_true((size_t)used <= r->blen[dir]);
    memmove(r->buf[dir], r->buf[dir] + used, r->blen[dir] - (size_t)used);
    r->blen[dir] -= (size_t)used;
}

#endif
