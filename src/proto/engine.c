/*
 * engine.c - identification and dispatch of application parsers.
 *
 * Identification: while no parser is attached, the first OTW_PROBE_BYTES of
 * each direction are collected and offered to every parser of the
 * transport that has not yet said no; the first to say yes is attached and
 * the collected bytes are replayed to it in the order they arrived (a small
 * log of chunks keeps that order across directions). For UDP each datagram
 * is probed on its own, up to PROBE_DATAGRAMS of them. When every parser
 * has said no, or the bytes run out, a parser whose well-known port is the
 * session's server port is recorded as a guess, never as the protocol.
 *
 * Parsing: payload goes straight from the packet to parse(); only what the
 * parser leaves unconsumed (a PDU cut by a segment boundary) is copied into
 * the direction's buffer, capped at OTW_PROTO_BUF_MAX.
 */
#include "proto/engine.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PARSERS 64
#define PROBE_DATAGRAMS 8
#define LOG_MAX 32

enum { PH_IDENT, PH_PARSE, PH_DONE };

struct chunk {
    uint8_t dir;
    uint16_t off, len;
};

struct otw_appflow {
    struct otw_flowinfo fi;
    uint8_t phase;
    const struct otw_parser *parser;
    void *state;
    struct otw_app *app;
    uint64_t candidates;            /* bit i: otw_parsers[i] may still say yes */
    /* identification */
    uint8_t *probe[2];
    uint16_t probe_len[2];
    struct chunk log[LOG_MAX];
    uint8_t nlog;                   /* chunks logged; LOG_MAX + 1: too many to replay in order */
    uint8_t datagrams;
    /* parsing */
    uint8_t *buf[2];
    size_t blen[2];
};

static size_t nparsers(void)
{
    static size_t n = (size_t)-1;

    if (n == (size_t)-1) {
        for (n = 0; otw_parsers[n] != NULL && n < MAX_PARSERS; n++)
            ;
    }
    return n;
}

size_t otw_engine_protocol_names(const char **out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < nparsers() && n < max; i++)
        out[n++] = otw_parsers[i]->name;
    return n;
}

struct otw_appflow *otw_engine_flow_new(const struct otw_flowinfo *fi)
{
    struct otw_appflow *af = calloc(1, sizeof(*af));
    unsigned want = fi->transport == 6 ? OTW_PT_TCP : fi->transport == 17 ? OTW_PT_UDP : 0;

    if (af == NULL)
        return NULL;
    af->fi = *fi;
    af->app = otw_app_new();
    if (af->app == NULL) {
        free(af);
        return NULL;
    }
    for (size_t i = 0; i < nparsers(); i++)
        if (otw_parsers[i]->transports & want)
            af->candidates |= 1ULL << i;
    af->phase = af->candidates ? PH_IDENT : PH_DONE;
    return af;
}

static void ident_end(struct otw_appflow *af)
{
    for (int d = 0; d < 2; d++) {
        free(af->probe[d]);
        af->probe[d] = NULL;
        af->probe_len[d] = 0;
    }
    af->nlog = 0;
}

/* No parser recognised the bytes: note a port-based guess. */
static void give_up_ident(struct otw_appflow *af)
{
    unsigned want = af->fi.transport == 6 ? OTW_PT_TCP : OTW_PT_UDP;

    ident_end(af);
    af->phase = PH_DONE;
    for (size_t i = 0; i < nparsers() && af->app->guess == NULL; i++) {
        const struct otw_parser *p = otw_parsers[i];
        if (!(p->transports & want) || p->ports == NULL)
            continue;
        for (const uint16_t *pt = p->ports; *pt; pt++)
            if (*pt == af->fi.dport) {
                af->app->guess = p->name;
                break;
            }
    }
}

static void detach(struct otw_appflow *af, const char *event)
{
    otw_app_event(af->app, event);
    if (af->parser && af->parser->free)
        af->parser->free(af->state);
    free(af->state);
    af->state = NULL;
    for (int d = 0; d < 2; d++) {
        free(af->buf[d]);
        af->buf[d] = NULL;
        af->blen[d] = 0;
    }
    af->phase = PH_DONE;
}

/* Gives bytes to the attached parser, keeping what it leaves. */
static void feed(struct otw_appflow *af, int dir, const uint8_t *p, size_t len)
{
    const struct otw_parser *ps = af->parser;
    ssize_t used;

    if (af->fi.transport == 17) {
        if (ps->parse(af->state, af->app, dir, p, len) < 0)
            detach(af, "proto.detached");
        return;
    }
    if (af->blen[dir] == 0) {
        used = ps->parse(af->state, af->app, dir, p, len);
        if (used < 0) {
            detach(af, "proto.detached");
            return;
        }
        if ((size_t)used >= len)
            return;
        p += used;
        len -= (size_t)used;
        if (len > OTW_PROTO_BUF_MAX) {
            detach(af, "proto.buffer_full");
            return;
        }
        if (af->buf[dir] == NULL && (af->buf[dir] = malloc(OTW_PROTO_BUF_MAX)) == NULL) {
            detach(af, "proto.no_memory");
            return;
        }
        memcpy(af->buf[dir], p, len);
        af->blen[dir] = len;
        return;
    }
    while (len > 0 && af->phase == PH_PARSE) {
        size_t room = OTW_PROTO_BUF_MAX - af->blen[dir];
        size_t n = OTW_MIN(room, len);

        if (n == 0) {
            detach(af, "proto.buffer_full");
            return;
        }
        memcpy(af->buf[dir] + af->blen[dir], p, n);
        af->blen[dir] += n;
        p += n;
        len -= n;
        used = ps->parse(af->state, af->app, dir, af->buf[dir], af->blen[dir]);
        if (used < 0) {
            detach(af, "proto.detached");
            return;
        }
        if ((size_t)used > af->blen[dir])
            used = (ssize_t)af->blen[dir];
        memmove(af->buf[dir], af->buf[dir] + used, af->blen[dir] - (size_t)used);
        af->blen[dir] -= (size_t)used;
        if (af->blen[dir] == OTW_PROTO_BUF_MAX) {
            detach(af, "proto.buffer_full");
            return;
        }
    }
}

static void attach(struct otw_appflow *af, size_t idx)
{
    const struct otw_parser *ps = otw_parsers[idx];

    af->parser = ps;
    af->state = calloc(1, ps->state_size ? ps->state_size : 1);
    if (af->state == NULL) {
        ident_end(af);
        af->phase = PH_DONE;
        otw_app_event(af->app, "proto.no_memory");
        return;
    }
    if (ps->init != NULL)
        ps->init(af->state, &af->fi);
    otw_app_protocol(af->app, ps->name);
    af->phase = PH_PARSE;
}

/* Offers the collected bytes of `dir` to the remaining candidates. */
static int probe_all(struct otw_appflow *af, int dir, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < nparsers(); i++) {
        int r;
        if (!(af->candidates & (1ULL << i)))
            continue;
        r = otw_parsers[i]->probe(p, len, dir, &af->fi);
        if (r == OTW_PROBE_YES)
            return (int)i;
        if (r == OTW_PROBE_NO)
            af->candidates &= ~(1ULL << i);
    }
    return -1;
}

static void ident_tcp(struct otw_appflow *af, int dir, const uint8_t *p, size_t len)
{
    size_t room, n;
    int hit;

    if (af->probe[dir] == NULL && (af->probe[dir] = malloc(OTW_PROBE_BYTES)) == NULL) {
        give_up_ident(af);
        return;
    }
    room = OTW_PROBE_BYTES - af->probe_len[dir];
    n = OTW_MIN(room, len);
    if (n > 0) {
        memcpy(af->probe[dir] + af->probe_len[dir], p, n);
        if (af->nlog < LOG_MAX) {
            af->log[af->nlog].dir = (uint8_t)dir;
            af->log[af->nlog].off = af->probe_len[dir];
            af->log[af->nlog].len = (uint16_t)n;
        }
        if (af->nlog <= LOG_MAX)
            af->nlog++;     /* saturates: a uint8_t must not wrap back into range */
        af->probe_len[dir] = (uint16_t)(af->probe_len[dir] + n);
    }
    hit = probe_all(af, dir, af->probe[dir], af->probe_len[dir]);
    if (hit >= 0) {
        struct chunk log[LOG_MAX];
        uint8_t *probe[2] = {af->probe[0], af->probe[1]};
        uint8_t nlog = af->nlog;

        if (nlog > LOG_MAX) {
            /* Too many small pieces to replay in order: replay each
             * direction whole, the initiator's first. */
            nlog = 0;
            for (int d = 0; d < 2; d++)
                if (af->probe_len[d]) {
                    log[nlog].dir = (uint8_t)d;
                    log[nlog].off = 0;
                    log[nlog].len = af->probe_len[d];
                    nlog++;
                }
        } else {
            memcpy(log, af->log, nlog * sizeof(log[0]));
        }
        af->probe[0] = af->probe[1] = NULL;
        af->probe_len[0] = af->probe_len[1] = 0;
        af->nlog = 0;
        attach(af, (size_t)hit);
        for (uint8_t i = 0; i < nlog && af->phase == PH_PARSE; i++)
            feed(af, log[i].dir, probe[log[i].dir] + log[i].off, log[i].len);
        free(probe[0]);
        free(probe[1]);
        /* What did not fit the probe buffer goes on directly. */
        if (n < len && af->phase == PH_PARSE)
            feed(af, dir, p + n, len - n);
        return;
    }
    if (af->candidates == 0 ||
        (af->probe_len[0] == OTW_PROBE_BYTES && af->probe_len[1] == OTW_PROBE_BYTES) ||
        (n < len))
        give_up_ident(af);
}

static void ident_udp(struct otw_appflow *af, int dir, const uint8_t *p, size_t len)
{
    int hit = probe_all(af, dir, p, OTW_MIN(len, (size_t)OTW_PROBE_BYTES));

    if (hit >= 0) {
        attach(af, (size_t)hit);
        if (af->phase == PH_PARSE)
            feed(af, dir, p, len);
        return;
    }
    /* A UDP parser saying "more" gets the next datagram instead. */
    if (af->candidates == 0 || ++af->datagrams >= PROBE_DATAGRAMS)
        give_up_ident(af);
}

void otw_engine_data(struct otw_appflow *af, int dir, const uint8_t *p, size_t len)
{
    if (len == 0)
        return;
    switch (af->phase) {
    case PH_PARSE:
        feed(af, dir, p, len);
        return;
    case PH_IDENT:
        if (af->fi.transport == 17)
            ident_udp(af, dir, p, len);
        else
            ident_tcp(af, dir, p, len);
        return;
    default:
        return;
    }
}

void otw_engine_gap(struct otw_appflow *af, int dir, size_t lost)
{
    otw_app_event(af->app, "proto.gap");
    if (af->phase == PH_IDENT) {
        /* Bytes missing before we knew the protocol: stop identifying. */
        give_up_ident(af);
        return;
    }
    if (af->phase != PH_PARSE)
        return;
    if (af->parser->gap == NULL) {
        detach(af, "proto.detached");
        return;
    }
    af->blen[dir] = 0;
    af->parser->gap(af->state, af->app, dir, lost);
}

struct otw_app *otw_engine_take(struct otw_appflow *af, bool final)
{
    struct otw_app *a;

    if (!final) {
        a = otw_app_dup(af->app);
        otw_app_reset_values(af->app);
        return a;
    }
    if (af->phase == PH_IDENT)
        give_up_ident(af);
    if (af->phase == PH_PARSE && af->parser->finish)
        af->parser->finish(af->state, af->app);
    a = af->app;
    af->app = NULL;
    return a;
}

struct otw_app *otw_engine_snapshot(const struct otw_appflow *af)
{
    return af->app != NULL ? otw_app_dup(af->app) : NULL;
}

void otw_engine_flow_free(struct otw_appflow *af)
{
    if (af == NULL)
        return;
    ident_end(af);
    if (af->state != NULL) {
        if (af->parser && af->parser->free)
            af->parser->free(af->state);
        free(af->state);
    }
    for (int d = 0; d < 2; d++)
        free(af->buf[d]);
    otw_app_free(af->app);
    free(af);
}
