/*
 * app.c - the per-session collection of protocol names, field values and
 * events. Small arrays with linear search: a session has few distinct
 * values (a Modbus poller uses two or three function codes), and every
 * array is capped.
 */
#include "proto/app.h"

#include <stdlib.h>
#include <string.h>

struct otw_app *otw_app_new(void)
{
    return calloc(1, sizeof(struct otw_app));
}

static inline unsigned hint_slot(const char *field)
{
    uintptr_t p = (uintptr_t)field;

    return (unsigned)((p >> 3) ^ (p >> 8)) & 15;
}

static inline void mark_note(struct otw_app *a, uint16_t idx)
{
    struct otw_app_mark *m = a->mark;

    if (m == NULL)
        return;
    if (m->n < OTW_APP_MARK_MAX)
        m->idx[m->n++] = idx;
    else
        m->ok = false;
}

void otw_app_mark_begin(struct otw_app *a, struct otw_app_mark *m)
{
    m->gen = a->gen;
    m->n = 0;
    m->ok = true;
    a->mark = m;
}

void otw_app_mark_end(struct otw_app *a)
{
    a->mark = NULL;
}

bool otw_app_mark_repeat(struct otw_app *a, const struct otw_app_mark *m)
{
    if (!m->ok || m->gen != a->gen || m->n == 0)
        return false;
    for (uint8_t i = 0; i < m->n; i++) {
        if (m->idx[i] >= a->nvalues)
            return false;   /* cannot happen while gen matches; be safe */
    }
    for (uint8_t i = 0; i < m->n; i++)
        a->values[m->idx[i]].count++;
    return true;
}

void otw_app_reset_values(struct otw_app *a)
{
    memset(a->hint, 0, sizeof(a->hint));
    a->gen++;
    for (uint16_t i = 0; i < a->nvalues; i++)
        free(a->values[i].s);
    a->nvalues = 0;
    a->nevents = 0;
    a->dropped = 0;
}

void otw_app_free(struct otw_app *a)
{
    if (a == NULL)
        return;
    otw_app_reset_values(a);
    free(a->values);
    free(a);
}

struct otw_app *otw_app_dup(const struct otw_app *a)
{
    struct otw_app *d = malloc(sizeof(*d));

    if (d == NULL)
        return NULL;
    *d = *a;
    d->mark = NULL;
    d->values = NULL;
    d->cap_values = 0;
    if (a->nvalues) {
        d->values = calloc(a->nvalues, sizeof(*d->values));
        if (d->values == NULL) {
            free(d);
            return NULL;
        }
        d->cap_values = a->nvalues;
        for (uint16_t i = 0; i < a->nvalues; i++) {
            d->values[i] = a->values[i];
            if (a->values[i].s) {
                d->values[i].s = malloc((size_t)a->values[i].slen + 1);
                if (d->values[i].s == NULL) {
                    d->nvalues = i;
                    otw_app_free(d);
                    return NULL;
                }
                memcpy(d->values[i].s, a->values[i].s, (size_t)a->values[i].slen + 1);
            }
        }
    }
    return d;
}

void otw_app_protocol(struct otw_app *a, const char *name)
{
    for (uint8_t i = 0; i < a->nprotocols; i++)
        if (strcmp(a->protocols[i], name) == 0)
            return;
    if (a->nprotocols < OTW_APP_MAX_PROTOCOLS)
        a->protocols[a->nprotocols++] = name;
    else
        a->dropped++;
}

static struct otw_app_value *slot(struct otw_app *a)
{
    if (a->nvalues == a->cap_values) {
        uint16_t nc = a->cap_values ? (uint16_t)(a->cap_values * 2) : 8;
        struct otw_app_value *nv;
        if (a->cap_values >= OTW_APP_MAX_VALUES)
            return NULL;
        if (nc > OTW_APP_MAX_VALUES)
            nc = OTW_APP_MAX_VALUES;
        nv = realloc(a->values, nc * sizeof(*nv));
        if (nv == NULL)
            return NULL;
        a->values = nv;
        a->cap_values = nc;
    }
    return &a->values[a->nvalues];
}

void otw_app_str(struct otw_app *a, const char *field, const char *val, size_t len)
{
    struct otw_app_value *v;
    unsigned h = hint_slot(field);

    if (val == NULL) {
        if (len != 0)
            return;
        val = "";
    }
    if (len > OTW_APP_MAX_VALUE_LEN) {
        len = OTW_APP_MAX_VALUE_LEN;
        a->dropped++;
        if (a->mark)
            a->mark->ok = false;
    }
    if (a->hint[h] != 0 && a->hint[h] <= a->nvalues) {
        v = &a->values[a->hint[h] - 1];
        if (v->field == field && v->type == OTW_PF_STR && v->slen == len &&
            memcmp(v->s, val, len) == 0) {
            v->count++;
            mark_note(a, (uint16_t)(a->hint[h] - 1));
            return;
        }
    }
    for (uint16_t i = 0; i < a->nvalues; i++) {
        v = &a->values[i];
        if (v->type == OTW_PF_STR && v->slen == len &&
            (v->field == field || strcmp(v->field, field) == 0) && memcmp(v->s, val, len) == 0) {
            v->count++;
            a->hint[h] = (uint16_t)(i + 1);
            mark_note(a, i);
            return;
        }
    }
    v = slot(a);
    if (v == NULL || (v->s = malloc(len + 1)) == NULL) {
        a->dropped++;
        if (a->mark)
            a->mark->ok = false;
        return;
    }
    memcpy(v->s, val, len);
    v->s[len] = '\0';
    v->slen = (uint16_t)len;
    v->field = field;
    v->type = OTW_PF_STR;
    v->i = 0;
    v->count = 1;
    a->nvalues++;
    a->hint[h] = a->nvalues;
    mark_note(a, (uint16_t)(a->nvalues - 1));
}

void otw_app_strz(struct otw_app *a, const char *field, const char *val)
{
    otw_app_str(a, field, val, strlen(val));
}

void otw_app_int(struct otw_app *a, const char *field, int64_t val)
{
    struct otw_app_value *v;
    unsigned h = hint_slot(field);

    if (a->hint[h] != 0 && a->hint[h] <= a->nvalues) {
        v = &a->values[a->hint[h] - 1];
        if (v->field == field && v->type == OTW_PF_INT && v->i == val) {
            v->count++;
            mark_note(a, (uint16_t)(a->hint[h] - 1));
            return;
        }
    }
    for (uint16_t i = 0; i < a->nvalues; i++) {
        v = &a->values[i];
        if (v->type == OTW_PF_INT && v->i == val &&
            (v->field == field || strcmp(v->field, field) == 0)) {
            v->count++;
            a->hint[h] = (uint16_t)(i + 1);
            mark_note(a, i);
            return;
        }
    }
    v = slot(a);
    if (v == NULL) {
        a->dropped++;
        if (a->mark)
            a->mark->ok = false;
        return;
    }
    v->field = field;
    v->type = OTW_PF_INT;
    v->i = val;
    v->s = NULL;
    v->slen = 0;
    v->count = 1;
    a->nvalues++;
    a->hint[h] = a->nvalues;
    mark_note(a, (uint16_t)(a->nvalues - 1));
}

void otw_app_event(struct otw_app *a, const char *name)
{
    if (a->mark != NULL)
        a->mark->ok = false;    /* a PDU that raises events is not repeated */
    for (uint8_t i = 0; i < a->nevents; i++) {
        if (a->events[i].name == name || strcmp(a->events[i].name, name) == 0) {
            a->events[i].count++;
            return;
        }
    }
    if (a->nevents == OTW_ARRAY_LEN(a->events)) {
        a->dropped++;
        return;
    }
    a->events[a->nevents].name = name;
    a->events[a->nevents].count = 1;
    a->nevents++;
}

bool otw_app_has_protocol(const struct otw_app *a, const char *name)
{
    for (uint8_t i = 0; i < a->nprotocols; i++)
        if (strcmp(a->protocols[i], name) == 0)
            return true;
    return false;
}

uint64_t otw_app_count_str(const struct otw_app *a, const char *field, const char *val)
{
    uint64_t n = 0;

    for (uint16_t i = 0; i < a->nvalues; i++) {
        const struct otw_app_value *v = &a->values[i];
        if (strcmp(v->field, field) != 0)
            continue;
        if (val == NULL || (v->type == OTW_PF_STR && strcmp(v->s, val) == 0))
            n += v->count;
    }
    return n;
}

uint64_t otw_app_count_int(const struct otw_app *a, const char *field, int64_t val)
{
    for (uint16_t i = 0; i < a->nvalues; i++) {
        const struct otw_app_value *v = &a->values[i];
        if (v->type == OTW_PF_INT && v->i == val && strcmp(v->field, field) == 0)
            return v->count;
    }
    return 0;
}

uint64_t otw_app_event_count(const struct otw_app *a, const char *name)
{
    for (uint8_t i = 0; i < a->nevents; i++)
        if (strcmp(a->events[i].name, name) == 0)
            return a->events[i].count;
    return 0;
}
