/*
 * pcapstore_drive.c - feeds a capture file into pcapstore/ in a loop, as
 * live capture would, for tests/test_pcap.sh (built by the script against
 * the build's libotwcore.a).
 *
 *   drive --db DB --dir DIR [--point P] [--iface I] [--rounds N]
 *         [--max-file BYTES] [--max-secs S] [--dir-limit BYTES] [--min-free BYTES]
 *         [--tick-secs S] [--fill] FILE
 *
 * Round r replays FILE with every timestamp moved r * (its span + 1 s)
 * later, the packet bytes unchanged. Time is packet time: pcapstore is
 * ticked once per second of it (--tick-secs; 0: only at the end, so
 * only full buffers are written: large writes that meet a full disk).
 * The same packets also go through the session table, whose records are
 * stored in DB as live sessions (no file) at point P, so `otwatch pcap`
 * can be asked for them afterwards.
 * --fill: the directory is expected to fill up (write errors are normal).
 * Prints "written N lost N files N deleted N errors N" on standard output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/reader.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "pcapstore/pcapstore.h"
#include "proto/app.h"
#include "store/store.h"

#define BATCH 256

struct sink {
    struct otw_store *st;
    int64_t point_id;
    struct otw_session recs[BATCH];
    char cids[BATCH][64];
    size_t n;
    int failed;
};

static void sink_flush(struct sink *k)
{
    struct otw_err err;

    if (k->n == 0)
        return;
    if (otw_store_sessions_put(k->st, 0, k->point_id, k->recs, k->cids, k->n, &err) != 0) {
        fprintf(stderr, "drive: storing sessions: %s\n", err.msg);
        k->failed = 1;
    }
    for (size_t i = 0; i < k->n; i++)
        otw_app_free(k->recs[i].app);
    k->n = 0;
}

static void on_session(void *ctx, const struct otw_session *s)
{
    struct sink *k = ctx;

    k->recs[k->n] = *s;
    memset(k->cids[k->n], 0, sizeof(k->cids[k->n]));
    k->n++;
    if (k->n == BATCH)
        sink_flush(k);
}

static long long num(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    if (end == s || *end != '\0' || v < 0) {
        fprintf(stderr, "drive: not a number: %s\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *db = NULL, *dir = NULL, *point = "", *iface = "eth0", *file = NULL;
    struct otw_pcapstore_opts o;
    struct otw_pcapstore_stats ps_st;
    struct otw_pcapstore *ps;
    struct otw_flow_config fc;
    struct otw_flowtab *ft;
    struct sink *k;
    struct otw_err err;
    struct otw_reader *r;
    struct otw_rec rec;
    long long rounds = 1, tick_secs = 1;
    int64_t first = 0, last = 0, shift, next_tick = 0;
    int rc;

    memset(&o, 0, sizeof(o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--fill") == 0)
            continue;
        if (a[0] != '-') {
            file = a;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "drive: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--db") == 0) db = v;
        else if (strcmp(a, "--dir") == 0) dir = v;
        else if (strcmp(a, "--point") == 0) point = v;
        else if (strcmp(a, "--iface") == 0) iface = v;
        else if (strcmp(a, "--rounds") == 0) rounds = num(v);
        else if (strcmp(a, "--tick-secs") == 0) tick_secs = num(v);
        else if (strcmp(a, "--max-file") == 0) o.max_file_bytes = (uint64_t)num(v);
        else if (strcmp(a, "--max-secs") == 0) o.max_file_secs = num(v);
        else if (strcmp(a, "--dir-limit") == 0) o.dir_limit_bytes = (uint64_t)num(v);
        else if (strcmp(a, "--min-free") == 0) o.min_free_bytes = (uint64_t)num(v);
        else {
            fprintf(stderr, "drive: unknown option %s\n", a);
            return 2;
        }
    }
    if (db == NULL || dir == NULL || file == NULL) {
        fprintf(stderr, "usage: drive --db DB --dir DIR [options] FILE\n");
        return 2;
    }
    /* The file's time span, for moving each round after the last. */
    r = otw_reader_open(file, NULL, NULL, &err);
    if (r == NULL) {
        fprintf(stderr, "drive: %s\n", err.msg);
        return 1;
    }
    while ((rc = otw_reader_next(r, &rec, &err)) == 1) {
        if (first == 0 || rec.ts_us < first)
            first = rec.ts_us;
        if (rec.ts_us > last)
            last = rec.ts_us;
    }
    otw_reader_free(r);
    shift = last - first + 1000000;

    k = calloc(1, sizeof(*k));
    if (k == NULL)
        return 1;
    k->st = otw_store_open(db, false, &err);
    if (k->st == NULL || otw_store_point_id(k->st, point, &k->point_id, &err) != 0) {
        fprintf(stderr, "drive: %s\n", err.msg);
        return 1;
    }
    ps = otw_pcapstore_open(dir, &o, db, point, &err);
    if (ps == NULL) {
        fprintf(stderr, "drive: %s\n", err.msg);
        return 1;
    }
    otw_flow_config_default(&fc);
    fc.parse_apps = false;
    ft = otw_flow_new(&fc, on_session, k);
    if (ft == NULL)
        return 1;
    otw_pcapstore_tick(ps, first);
    next_tick = first + tick_secs * 1000000;
    for (long long round = 0; round < rounds; round++) {
        r = otw_reader_open(file, NULL, NULL, &err);
        if (r == NULL) {
            fprintf(stderr, "drive: %s\n", err.msg);
            return 1;
        }
        while ((rc = otw_reader_next(r, &rec, &err)) == 1) {
            struct otw_pkt p;
            rec.ts_us += round * shift;
            while (tick_secs > 0 && rec.ts_us >= next_tick) {
                otw_pcapstore_tick(ps, next_tick);
                next_tick += tick_secs * 1000000;
            }
            otw_pcapstore_write(ps, iface, &rec);
            if (otw_decode(rec.linktype, rec.data, rec.caplen, rec.len, &p) == OTW_DEC_IP)
                otw_flow_packet(ft, rec.ts_us, rec.len, &p);
        }
        otw_reader_free(r);
        if (rc < 0) {
            fprintf(stderr, "drive: %s\n", err.msg);
            return 1;
        }
    }
    otw_flow_flush(ft);
    sink_flush(k);
    otw_flow_free(ft);
    otw_pcapstore_tick(ps, next_tick);
    otw_pcapstore_get_stats(ps, &ps_st);
    rc = otw_pcapstore_close(ps, &err);
    if (rc != 0)
        fprintf(stderr, "drive: closing: %s\n", err.msg);
    printf("written %llu lost %llu files %llu deleted %llu errors %llu\n",
           (unsigned long long)ps_st.packets, (unsigned long long)ps_st.lost_packets,
           (unsigned long long)ps_st.files_opened, (unsigned long long)ps_st.files_deleted,
           (unsigned long long)ps_st.write_errors);
    otw_store_close(k->st);
    rc = k->failed;
    free(k);
    return rc;
}
