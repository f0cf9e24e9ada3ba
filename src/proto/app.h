/*
 * app.h - what the parsers found in one session: protocol names, field
 * values with counts, events with counts. Filled on the packet thread,
 * handed to the writer with the session record, freed there.
 */
#ifndef OTW_APP_H
#define OTW_APP_H

#include "proto/proto.h"

struct otw_app_value {
    const char *field;      /* static: from a parser's fields[] */
    uint8_t type;           /* enum otw_pftype */
    int64_t i;              /* OTW_PF_INT */
    char *s;                /* OTW_PF_STR: NUL-terminated copy (may hold other NULs: use slen) */
    uint16_t slen;
    uint64_t count;         /* occurrences */
};

struct otw_app_event {
    const char *name;       /* static */
    uint64_t count;
};

struct otw_app {
    const char *protocols[OTW_APP_MAX_PROTOCOLS];   /* static names, in the order seen */
    uint8_t nprotocols;
    const char *guess;      /* protocol guessed from the port only, or NULL */
    struct otw_app_value *values;
    uint16_t nvalues, cap_values;
    struct otw_app_event events[32];
    uint8_t nevents;
    uint64_t dropped;       /* values or events not kept because a cap was hit */
    /* Index + 1 of the value last recorded, per slot of the field pointer:
     * a poller records the same few values again and again, so the next
     * call usually finds its value here without a scan. */
    uint16_t hint[16];
    uint32_t gen;           /* bumped whenever values are reset: marks expire */
    struct otw_app_mark *mark;  /* being taken, or NULL */
};

struct otw_app *otw_app_new(void);
void otw_app_free(struct otw_app *a);
/* Empties the values and events (a long session's next segment starts
 * afresh) but keeps the protocol names. */
void otw_app_reset_values(struct otw_app *a);
/* A copy (for the record of a segment); NULL on allocation failure. */
struct otw_app *otw_app_dup(const struct otw_app *a);

/* Test and output helpers. */
bool otw_app_has_protocol(const struct otw_app *a, const char *name);
/* Count of (field, string value), or of (field, any value) when val is NULL. */
uint64_t otw_app_count_str(const struct otw_app *a, const char *field, const char *val);
uint64_t otw_app_count_int(const struct otw_app *a, const char *field, int64_t val);
uint64_t otw_app_event_count(const struct otw_app *a, const char *name);

#endif
