/*
 * proto.h - the application protocol parser interface.
 *
 * Fourth stage of the pipeline (capture -> decode -> flow -> proto -> store).
 * Each protocol is one file under src/proto/ exporting one
 * `const struct otw_parser`; proto/registry.c is the only list of them.
 *
 * The engine (proto/engine.c), driven by the session table on the packet
 * thread, gives every session's payload to the parsers:
 *
 *   1. identification: the first bytes of each direction (up to
 *      OTW_PROBE_BYTES) are offered to every parser for the transport
 *      through probe(); the first to answer OTW_PROBE_YES is attached. The
 *      port is never enough: a session on 502 that carries HTTP is HTTP.
 *      If none recognises the bytes, a parser whose well-known port matches
 *      is recorded as a guess (otwatch.protocol_guess), not as the protocol.
 *   2. parsing: parse() gets the payload in order per direction (TCP
 *      reassembled by flow/reasm.c; UDP one datagram per call), with any
 *      bytes it did not consume last time in front. It reports what it sees
 *      through the otw_app_* calls below.
 *   3. finish() when the session's last record is written (segments of a
 *      long session written before it carry the values found so far), then
 *      free().
 *
 * Parsers read bytes only through core/cursor.h, never cast bytes to a
 * struct, check every length against what remains and against the
 * protocol's limits, and report garbage as a named event
 * ("modbus.bad_length") rather than guessing. Everything is capped: values
 * per field, value length, events, buffered bytes; a cap hit is counted.
 *
 * Threads: all of this runs on the packet thread. The otw_app that parsers
 * fill is handed to the writer with the session record and freed there.
 */
#ifndef OTW_PROTO_H
#define OTW_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/common.h"

/* Directions: from the session's source (the initiator, usually the client)
 * and from its destination (usually the server). */
enum { OTW_DIR_TO_SERVER = 0, OTW_DIR_TO_CLIENT = 1 };

enum { OTW_PT_TCP = 1, OTW_PT_UDP = 2 };

enum {
    OTW_PROBE_NO = 0,   /* not this protocol */
    OTW_PROBE_YES = 1,  /* this protocol: attach the parser */
    OTW_PROBE_MORE = 2, /* cannot tell yet: offer more bytes (up to OTW_PROBE_BYTES) */
};

#define OTW_PROBE_BYTES 512         /* bytes per direction kept for identification */
#define OTW_PROTO_BUF_MAX (64 * 1024) /* unconsumed bytes kept per direction for a parser */

/* Field types, as `otwatch fields` shows them. */
enum otw_pftype { OTW_PF_STR = 0, OTW_PF_INT = 1 };

/* A field a parser may set: full name ("modbus.func"), type, one-line meaning. */
struct otw_pfield {
    const char *name;
    enum otw_pftype type;
    const char *meaning;
};

/* What the parser knows of the session when probing. */
struct otw_flowinfo {
    uint8_t ipver;
    uint8_t transport;      /* 6 or 17 */
    uint16_t sport, dport;  /* the session's source and destination ports */
};

struct otw_app;

struct otw_parser {
    const char *name;           /* as in network.protocol: "modbus", "dnp3", "tls" ... */
    const char *desc;           /* "Modbus/TCP (MBAP)" */
    unsigned transports;        /* OTW_PT_TCP | OTW_PT_UDP */
    const uint16_t *ports;      /* well-known server ports, 0-terminated; may be NULL */

    /* Identify from the first bytes of one direction (`len` >= 1). Must
     * not keep pointers. Required. */
    int (*probe)(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi);

    size_t state_size;          /* bytes of per-session state, zeroed by the engine */

    /* Called once when the parser is attached, before any parse(): the
     * state may keep what it needs of the session (ports, transport: e.g.
     * a UDP datagram cut short is an error, a TCP segment is not). May be
     * NULL. */
    void (*init)(void *state, const struct otw_flowinfo *fi);

    /* In-order payload of direction `dir`. Returns how many bytes were
     * consumed; the engine keeps the rest (up to OTW_PROTO_BUF_MAX) and
     * offers it again in front of the next bytes. Return -1 when the stream
     * can no longer be parsed (the engine detaches the parser and records
     * event "<name>.detached"). For UDP each call is one datagram and
     * unconsumed bytes are dropped. Required. */
    ssize_t (*parse)(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len);

    /* `lost` bytes are missing in direction `dir` (capture loss): buffered
     * bytes of that direction are discarded before this call; parse() then
     * continues after the gap and must resynchronise. NULL: the engine
     * detaches the parser on a gap. */
    void (*gap)(void *state, struct otw_app *app, int dir, size_t lost);

    /* The session's last record is being written: set summary fields (e.g.
     * an estimated authentication outcome). May be NULL. */
    void (*finish)(void *state, struct otw_app *app);

    /* Frees what the state points to (not the state itself). May be NULL. */
    void (*free)(void *state);

    const struct otw_pfield *fields;    /* fields it may set, {NULL} ended */
    const char *const *events;          /* event names it may raise, NULL ended */
};

/* --- what parsers report (proto/app.c) ------------------------------------ */

/* Adds a protocol name to the session's network.protocol list (the engine
 * adds the attached parser's own name; a parser adds others it finds
 * inside, e.g. the RDP parser adds "tls" when RDP switches to TLS). */
void otw_app_protocol(struct otw_app *a, const char *name);

/* Records one occurrence of a field value. Distinct (field, value) pairs
 * are kept with a count of occurrences; at most OTW_APP_MAX_VALUES distinct
 * pairs per session and OTW_APP_MAX_VALUE_LEN bytes per value (longer
 * values are cut and counted). `field` must be a static string listed in
 * the parser's fields[]. String values may hold any bytes: they are stored
 * as given and escaped on output. */
void otw_app_str(struct otw_app *a, const char *field, const char *val, size_t len);
void otw_app_strz(struct otw_app *a, const char *field, const char *val);
void otw_app_int(struct otw_app *a, const char *field, int64_t val);

/* Raises a named event ("modbus.bad_length"); counted per session. `name`
 * must be a static string listed in the parser's events[]. */
void otw_app_event(struct otw_app *a, const char *name);

/* A record of which values one PDU touched, so that the same PDU seen
 * again (a poller asks the same question every second) is counted with a
 * few increments instead of formatting and looking up every value. */
#define OTW_APP_MARK_MAX 12
struct otw_app_mark {
    uint32_t gen;           /* the app's generation when taken */
    uint8_t n;
    bool ok;                /* false: something was not recorded; cannot repeat */
    uint16_t idx[OTW_APP_MARK_MAX];
};

/* Between begin and end, every value recorded is noted in *m (events
 * make the mark unusable). repeat() counts each noted value once more and
 * returns true, or returns false (nothing done) when the mark is stale or
 * unusable: the caller then records the PDU the long way. */
void otw_app_mark_begin(struct otw_app *a, struct otw_app_mark *m);
void otw_app_mark_end(struct otw_app *a);
bool otw_app_mark_repeat(struct otw_app *a, const struct otw_app_mark *m);

#define OTW_APP_MAX_VALUES 256
#define OTW_APP_MAX_VALUE_LEN 256
#define OTW_APP_MAX_PROTOCOLS 8

/* --- the registry (proto/registry.c) ---------------------------------------- */

/* Every parser, NULL-ended. */
extern const struct otw_parser *const otw_parsers[];

#endif
