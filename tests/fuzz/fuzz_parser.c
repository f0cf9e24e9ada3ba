/*
 * fuzz_parser.c - libFuzzer target for the application parsers.
 *
 * One binary, one parser per run: OTW_FUZZ_PARSER=modbus selects it (else
 * the first input byte picks one). The input is a sequence of chunks, as
 * Suricata's app-layer fuzzers feed them:
 *
 *   +--------+--------+----------------+
 *   | dir/op | len    | len bytes ...  |      dir/op: bit 0 direction,
 *   +--------+--------+----------------+      bit 1 "a gap of len bytes"
 *
 * Every call to parse() gets an exact-size heap copy of the bytes (what the
 * parser left unconsumed, then the new chunk), so a read one byte past the
 * end is caught by AddressSanitizer. probe() sees the first chunk of each
 * direction the same way.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/app.h"
#include "proto/proto.h"

static const struct otw_parser *pick(const uint8_t **data, size_t *size)
{
    static const struct otw_parser *fixed;
    static int init;
    size_t n = 0;

    if (!init) {
        /* a name, or the index OTW_FUZZ_LIST printed (a protocol may have
         * one parser per transport under one name) */
        const char *want = getenv("OTW_FUZZ_PARSER");
        char *end = NULL;
        long idx = want ? strtol(want, &end, 10) : -1;
        init = 1;
        for (size_t i = 0; want && otw_parsers[i]; i++)
            if ((end != want && *end == '\0' && (long)i == idx) ||
                strcmp(otw_parsers[i]->name, want) == 0) {
                fixed = otw_parsers[i];
                break;
            }
        if (want && !fixed)
            abort();    /* a typo in the test script must not fuzz nothing */
    }
    if (fixed)
        return fixed;
    while (otw_parsers[n])
        n++;
    if (n == 0 || *size == 0)
        return NULL;
    (*size)--;
    return otw_parsers[*(*data)++ % n];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* OTW_FUZZ_LIST=1 prints "index name" per parser (for the test script) and exits. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (getenv("OTW_FUZZ_LIST") != NULL) {
        for (size_t i = 0; otw_parsers[i]; i++)
            printf("%zu %s\n", i, otw_parsers[i]->name);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct otw_parser *ps = pick(&data, &size);
    struct otw_flowinfo fi = {.ipver = 4, .transport = 6, .sport = 40000, .dport = 0};
    struct otw_app *app;
    void *state;
    uint8_t *held[2] = {NULL, NULL};
    size_t nheld[2] = {0, 0};
    int probed[2] = {0, 0};
    int dead = 0;

    if (ps == NULL)
        return 0;
    if (!(ps->transports & OTW_PT_TCP))
        fi.transport = 17;
    if (ps->ports)
        fi.dport = ps->ports[0];
    app = otw_app_new();
    state = calloc(1, ps->state_size ? ps->state_size : 1);
    if (app == NULL || state == NULL)
        abort();
    if (ps->init != NULL)
        ps->init(state, &fi);
    while (size >= 2 && !dead) {
        int dir = data[0] & 1, gap = (data[0] & 2) != 0;
        size_t len = data[1];
        uint8_t *buf;
        ssize_t used;

        data += 2;
        size -= 2;
        if (gap) {
            free(held[dir]);
            held[dir] = NULL;
            nheld[dir] = 0;
            if (ps->gap == NULL || fi.transport == 17)
                break;
            ps->gap(state, app, dir, len + 1);
            continue;
        }
        if (len > size)
            len = size;
        if (!probed[dir] && len > 0) {
            uint8_t *p = malloc(len);
            memcpy(p, data, len);
            (void)ps->probe(p, len, dir, &fi);
            free(p);
            probed[dir] = 1;
        }
        /* the held bytes, then the chunk, in a buffer of exactly that size */
        buf = malloc(nheld[dir] + len + 1);
        if (buf == NULL)
            abort();
        if (nheld[dir])
            memcpy(buf, held[dir], nheld[dir]);
        memcpy(buf + nheld[dir], data, len);
        {
            size_t total = nheld[dir] + len;
            uint8_t *exact = malloc(total ? total : 1);
            memcpy(exact, buf, total);
            free(buf);
            used = ps->parse(state, app, dir, exact, total);
            if (used > 0 && (size_t)used > total)
                abort();    /* consumed more than it was given */
            free(held[dir]);
            held[dir] = NULL;
            nheld[dir] = 0;
            if (used < 0) {
                dead = 1;
            } else if (fi.transport == 6 && (size_t)used < total) {
                nheld[dir] = total - (size_t)used;
                if (nheld[dir] > OTW_PROTO_BUF_MAX) {
                    dead = 1;
                    nheld[dir] = 0;
                } else {
                    held[dir] = malloc(nheld[dir]);
                    memcpy(held[dir], exact + used, nheld[dir]);
                }
            }
            free(exact);
        }
        data += len;
        size -= len;
    }
    if (!dead && ps->finish)
        ps->finish(state, app);
    if (ps->free)
        ps->free(state);
    free(state);
    free(held[0]);
    free(held[1]);
    otw_app_free(app);
    return 0;
}
