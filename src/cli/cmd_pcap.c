/*
 * cmd_pcap.c - `otwatch pcap EXPRESSION > out.pcap`: the packets of the
 * matching sessions, as one capture file in time order, each packet's bytes
 * exactly as they were captured.
 *
 * The store keeps sessions, not packets; packets stay in capture files:
 *   - an imported session's packets are in the file it was imported from
 *     (sessions.file_id -> files.path), read where it was imported from;
 *   - a live session's packets are in the rolling files of pcapstore/ at
 *     its capture point whose time range overlaps the session
 *     (otw_store_pcapfiles_between); retention may have deleted them.
 * Each candidate file is read with capture/reader.c, every packet decoded,
 * and its session key computed the way flow/flow.c computes it (IP version,
 * protocol, both endpoints in canonical order; ICMP type/code with request
 * and reply mapped together; later IP fragments take the ports of their
 * first fragment). A packet is written when its key is that of a wanted
 * session from the same source (file, or capture point) and its time lies
 * within that session record's [start, end]: segments of a long session,
 * and a new session on reused ports, are told apart by time.
 *
 * Files are merged by timestamp, streaming: a file is opened only when the
 * merge reaches the earliest time it can contribute, and closed at its end,
 * so memory is one read buffer per file overlapping in time plus the list
 * of wanted sessions.
 *
 * Sessions that another node saw (a store shared by several nodes, issue 8)
 * have their packets on that node: pcap_nodes.c asks its serve for them.
 *
 * Output: classic pcap (microsecond timestamps) when every candidate file
 * has one link type; pcapng with one interface per link type when they
 * differ (or with --pcapng).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/reader.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "decode/decode.h"
#include "query/query.h"
#include "store/store.h"

#define KEY_LEN 38
#define FRAG_SLOTS 1024
#define FRAG_TIMEOUT_US (30 * 1000000LL)
#define OUT_BUFFER (1u << 20)
#define MAX_LINKTYPES 16

/* --- the session key (must match flow/flow.c) ------------------------------- */

static void make_key(uint8_t key[KEY_LEN], uint8_t ipver, uint8_t proto, const uint8_t *sip,
                     uint16_t sp, const uint8_t *dip, uint16_t dp)
{
    int c = memcmp(sip, dip, 16);
    int swap = c > 0 || (c == 0 && sp > dp);
    const uint8_t *a = swap ? dip : sip, *b = swap ? sip : dip;
    uint16_t ap = swap ? dp : sp, bp = swap ? sp : dp;

    key[0] = ipver;
    key[1] = proto;
    memcpy(key + 2, a, 16);
    memcpy(key + 18, b, 16);
    key[34] = (uint8_t)(ap >> 8);
    key[35] = (uint8_t)ap;
    key[36] = (uint8_t)(bp >> 8);
    key[37] = (uint8_t)bp;
}

/* Request/reply pairs as the Community ID spec maps them (flow.c). */
static int icmp_counterpart(uint8_t ipver, int type)
{
    static const int v4[][2] = {{8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}};
    static const int v6[][2] = {{128, 129}, {133, 134}, {135, 136}, {130, 131}, {139, 140},
                                {144, 145}};
    const int (*t)[2] = ipver == 6 ? v6 : v4;
    size_t n = ipver == 6 ? OTW_ARRAY_LEN(v6) : OTW_ARRAY_LEN(v4);

    for (size_t i = 0; i < n; i++) {
        if (t[i][0] == type)
            return t[i][1];
        if (t[i][1] == type)
            return t[i][0];
    }
    return -1;
}

static bool is_icmp(uint8_t proto)
{
    return proto == 1 || proto == 58;
}

/* The key of a packet whose ports (or ICMP type/code) are known. */
static void pkt_key(uint8_t key[KEY_LEN], const struct otw_pkt *p, uint16_t sp, uint16_t dp,
                    int icmp_type, int icmp_code)
{
    if (is_icmp(p->proto)) {
        int cp = icmp_counterpart(p->ipver, icmp_type);
        sp = (uint16_t)(icmp_type < 0 ? 0 : icmp_type);
        dp = (uint16_t)(cp >= 0 ? cp : (icmp_code < 0 ? 0 : icmp_code));
    }
    make_key(key, p->ipver, p->proto, p->src_ip, sp, p->dst_ip, dp);
}

static void session_key(uint8_t key[KEY_LEN], const struct otw_session *s)
{
    uint16_t sp = s->src_port, dp = s->dst_port;

    if (is_icmp(s->proto)) {
        int cp = icmp_counterpart(s->ipver, s->icmp_type);
        sp = (uint16_t)(s->icmp_type < 0 ? 0 : s->icmp_type);
        dp = (uint16_t)(cp >= 0 ? cp : (s->icmp_code < 0 ? 0 : s->icmp_code));
    }
    make_key(key, s->ipver, s->proto, s->src_ip, sp, s->dst_ip, dp);
}

/* --- what we want ------------------------------------------------------------ */

/* A source of packets: an imported file (by path) or a capture point's
 * rolling files. Sessions and candidate files refer to it by index. */
struct source {
    bool live;
    char name[1024];        /* file path, or point name ("" for none) */
    uint64_t sessions;
    int64_t min_start, max_end;
    bool has_files;         /* live: some packet file (even deleted) was found */
};

struct want {
    uint32_t src;
    uint8_t key[KEY_LEN];
    int64_t start, end;
    bool lost;              /* live: a file of its time range was deleted */
};

/* A fragment's first part: its ports, for the later parts (flow.c). */
struct frag {
    uint64_t tag;           /* 0: empty */
    uint8_t ipver, proto;
    uint8_t src[16], dst[16];
    uint32_t id;
    uint16_t sport, dport;
    int16_t icmp_type, icmp_code;
    int64_t ts_us;
};

/* A file to read. */
struct cand {
    char path[1024];
    uint32_t src;
    int64_t lo;             /* no wanted packet of it is earlier than this */
    int64_t id;             /* pcap_files id (live), 0 for imports */
    struct otw_reader *r;
    struct otw_rec rec;     /* the current matching record while in the heap */
    struct frag *frags;
    uint64_t matched;
    bool done;
};

struct pcapcmd {
    struct source *srcs;
    size_t nsrcs, capsrcs;
    struct want *wants;
    size_t nwants, capwants;
    struct cand *cands;
    size_t ncands, capcands;
    /* live files seen (dedup by id) and the deleted ones' time ranges */
    int64_t *file_ids;
    size_t nfile_ids, capfile_ids;
    struct otw_pcapfile *deleted;
    size_t ndeleted, capdeleted;
    uint64_t deleted_files_all;

    FILE *out;
    bool pcapng, header_done;
    int linktype;                   /* classic pcap: the output's link type */
    int ng_lt[MAX_LINKTYPES];       /* pcapng: link type of interface i */
    int ng_n;
    uint64_t written;
    bool out_failed;
    bool lt_mismatch;
    bool oom;
    const char *only_node;          /* non-NULL: sessions of other nodes are left out */
    uint64_t other_node;            /* ... how many */
    bool take_all;                  /* otw_pcap_merge: every packet of every file */
    char last_warn[256];            /* the last warning, for the error when nothing is left */
    void (*warn)(void *ctx, const char *msg);  /* NULL: standard error */
    void *warn_ctx;
};

static void pwarn(struct pcapcmd *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A warning for the person asking: the command prints it, the web API logs it. */
static void pwarn(struct pcapcmd *pc, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(pc->last_warn, sizeof(pc->last_warn), "%.250s", msg);
    if (pc->warn != NULL)
        pc->warn(pc->warn_ctx, msg);
    else
        fprintf(stderr, "otwatch pcap: %s\n", msg);
}

static int grow(void **p, size_t *cap, size_t n, size_t elem)
{
    size_t c;
    void *q;

    if (n < *cap)
        return 0;
    c = *cap ? *cap * 2 : 64;
    q = realloc(*p, c * elem);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int source_of(struct pcapcmd *pc, bool live, const char *name, uint32_t *out)
{
    for (size_t i = 0; i < pc->nsrcs; i++)
        if (pc->srcs[i].live == live && strcmp(pc->srcs[i].name, name) == 0) {
            *out = (uint32_t)i;
            return 0;
        }
    if (grow((void **)&pc->srcs, &pc->capsrcs, pc->nsrcs, sizeof(*pc->srcs)) != 0)
        return -1;
    memset(&pc->srcs[pc->nsrcs], 0, sizeof(*pc->srcs));
    pc->srcs[pc->nsrcs].live = live;
    snprintf(pc->srcs[pc->nsrcs].name, sizeof(pc->srcs[pc->nsrcs].name), "%s", name);
    pc->srcs[pc->nsrcs].min_start = INT64_MAX;
    pc->srcs[pc->nsrcs].max_end = INT64_MIN;
    *out = (uint32_t)pc->nsrcs++;
    return 0;
}

static int on_session(void *ctx, const struct otw_session_row *row)
{
    struct pcapcmd *pc = ctx;
    bool live = row->file[0] == '\0';
    struct want *w;
    struct source *s;
    uint32_t src;

    /* A session of another node has its packets there (pcap_nodes.c);
     * one of no node is from this node's own SQLite file. */
    if (pc->only_node != NULL && row->node[0] != '\0' && strcmp(row->node, pc->only_node) != 0) {
        pc->other_node++;
        return 0;
    }
    if (source_of(pc, live, live ? row->point : row->file, &src) != 0 ||
        grow((void **)&pc->wants, &pc->capwants, pc->nwants, sizeof(*pc->wants)) != 0) {
        pc->oom = true;
        return 1;
    }
    w = &pc->wants[pc->nwants++];
    memset(w, 0, sizeof(*w));
    w->src = src;
    session_key(w->key, &row->s);
    w->start = row->s.first_us;
    w->end = row->s.last_us;
    s = &pc->srcs[src];
    s->sessions++;
    s->min_start = OTW_MIN(s->min_start, w->start);
    s->max_end = OTW_MAX(s->max_end, w->end);
    return 0;
}

static int want_cmp(const void *a, const void *b)
{
    const struct want *x = a, *y = b;
    int c;

    if (x->src != y->src)
        return x->src < y->src ? -1 : 1;
    c = memcmp(x->key, y->key, KEY_LEN);
    if (c != 0)
        return c;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Is a packet of source `src` with this key at time ts wanted? */
static bool wanted(const struct pcapcmd *pc, uint32_t src, const uint8_t key[KEY_LEN], int64_t ts)
{
    size_t lo = 0, hi = pc->nwants;

    /* The first entry not below (src, key). */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct want *w = &pc->wants[mid];
        int c = w->src != src ? (w->src < src ? -1 : 1) : memcmp(w->key, key, KEY_LEN);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < pc->nwants; lo++) {
        const struct want *w = &pc->wants[lo];
        if (w->src != src || memcmp(w->key, key, KEY_LEN) != 0)
            break;
        if (w->start > ts)
            break;
        if (ts <= w->end)
            return true;
    }
    return false;
}

/* --- candidate files ----------------------------------------------------------- */

static int cand_add(struct pcapcmd *pc, const char *path, uint32_t src, int64_t lo, int64_t id)
{
    struct cand *c;

    if (grow((void **)&pc->cands, &pc->capcands, pc->ncands, sizeof(*pc->cands)) != 0)
        return -1;
    c = &pc->cands[pc->ncands++];
    memset(c, 0, sizeof(*c));
    snprintf(c->path, sizeof(c->path), "%s", path);
    c->src = src;
    c->lo = lo;
    c->id = id;
    return 0;
}

struct live_ctx {
    struct pcapcmd *pc;
    uint32_t src;
    int64_t lo;
    bool oom;
};

static int on_pcapfile(void *ctx, const struct otw_pcapfile *f)
{
    struct live_ctx *lc = ctx;
    struct pcapcmd *pc = lc->pc;

    for (size_t i = 0; i < pc->nfile_ids; i++)
        if (pc->file_ids[i] == f->id)
            return 0;
    if (grow((void **)&pc->file_ids, &pc->capfile_ids, pc->nfile_ids, sizeof(int64_t)) != 0) {
        lc->oom = true;
        return 1;
    }
    pc->file_ids[pc->nfile_ids++] = f->id;
    pc->srcs[lc->src].has_files = true;
    if (f->deleted_us != 0) {
        if (grow((void **)&pc->deleted, &pc->capdeleted, pc->ndeleted, sizeof(*pc->deleted)) !=
            0) {
            lc->oom = true;
            return 1;
        }
        pc->deleted[pc->ndeleted] = *f;
        /* An unknown end (crash before the row was updated): assume it
         * reaches as far as anything. */
        if (pc->deleted[pc->ndeleted].last_us == 0)
            pc->deleted[pc->ndeleted].last_us = INT64_MAX;
        if (pc->deleted[pc->ndeleted].first_us == 0)
            pc->deleted[pc->ndeleted].first_us = f->created_us;
        pc->ndeleted++;
        return 0;
    }
    if (cand_add(pc, f->path, lc->src, OTW_MAX(lc->lo, f->first_us), f->id) != 0) {
        lc->oom = true;
        return 1;
    }
    return 0;
}

/* Live sessions of one point: query the packet files per run of
 * overlapping session times (wants are sorted by key, so collect times). */
struct span {
    int64_t a, b;
};

static int span_cmp(const void *x, const void *y)
{
    const struct span *p = x, *q = y;

    return p->a < q->a ? -1 : p->a > q->a;
}

static int find_live_files(struct pcapcmd *pc, struct otw_store *st, uint32_t src,
                           struct otw_err *err)
{
    struct span *sp = NULL;
    size_t n = 0;
    struct live_ctx lc = {pc, src, 0, false};
    const char *point = pc->srcs[src].name[0] != '\0' ? pc->srcs[src].name : NULL;
    int rc = -1;

    sp = calloc(pc->srcs[src].sessions ? pc->srcs[src].sessions : 1, sizeof(*sp));
    if (sp == NULL)
        return -1;
    for (size_t i = 0; i < pc->nwants; i++)
        if (pc->wants[i].src == src) {
            sp[n].a = pc->wants[i].start;
            sp[n].b = pc->wants[i].end;
            n++;
        }
    qsort(sp, n, sizeof(*sp), span_cmp);
    for (size_t i = 0; i < n;) {
        int64_t a = sp[i].a, b = sp[i].b;
        size_t j = i + 1;
        while (j < n && sp[j].a <= b) {
            b = OTW_MAX(b, sp[j].b);
            j++;
        }
        lc.lo = a;
        if (otw_store_pcapfiles_between(st, a, b, point, true, on_pcapfile, &lc, err) != 0)
            goto out;
        if (lc.oom) {
            otw_err_set(err, -1, "out of memory");
            goto out;
        }
        i = j;
    }
    rc = 0;
out:
    free(sp);
    return rc;
}

/* --- output ----------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);   /* host byte order: the magic number says which */
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static void out_bytes(struct pcapcmd *pc, const void *p, size_t n)
{
    if (n > 0 && fwrite(p, 1, n, pc->out) != n)
        pc->out_failed = true;
}

static void ng_idb(struct pcapcmd *pc, int linktype)
{
    uint8_t b[20];

    put32(b, 1);
    put32(b + 4, 20);
    put16(b + 8, (uint16_t)linktype);
    put16(b + 10, 0);
    put32(b + 12, OTW_MAX_RECORD);
    put32(b + 16, 20);
    out_bytes(pc, b, sizeof(b));
    pc->ng_lt[pc->ng_n++] = linktype;
}

static void out_header(struct pcapcmd *pc, int linktype)
{
    uint8_t b[28];

    if (pc->pcapng) {
        /* Section header block: byte-order magic, version 1.0, length unknown. */
        put32(b, 0x0A0D0D0A);
        put32(b + 4, 28);
        put32(b + 8, 0x1A2B3C4D);
        put16(b + 12, 1);
        put16(b + 14, 0);
        put32(b + 16, 0xFFFFFFFF);
        put32(b + 20, 0xFFFFFFFF);
        put32(b + 24, 28);
        out_bytes(pc, b, 28);
    } else {
        /* Classic pcap: magic (microseconds), 2.4, thiszone, sigfigs, snaplen, link type. */
        put32(b, 0xa1b2c3d4);
        put16(b + 4, 2);
        put16(b + 6, 4);
        put32(b + 8, 0);
        put32(b + 12, 0);
        put32(b + 16, OTW_MAX_RECORD);
        put32(b + 20, (uint32_t)linktype);
        out_bytes(pc, b, 24);
        pc->linktype = linktype;
    }
    pc->header_done = true;
}

/* Splits a time into seconds and microseconds, rounding towards -inf. */
static void split_us(int64_t us, uint32_t *sec, uint32_t *usec)
{
    int64_t s = us / 1000000, u = us % 1000000;

    if (u < 0) {
        u += 1000000;
        s--;
    }
    *sec = (uint32_t)s;
    *usec = (uint32_t)u;
}

/* Returns -1 when the packet cannot go into a classic pcap of another link type. */
static int out_packet(struct pcapcmd *pc, const struct otw_rec *rec)
{
    uint8_t h[28];
    static const uint8_t pad[4];

    if (!pc->header_done)
        out_header(pc, rec->linktype);
    if (!pc->pcapng) {
        uint32_t sec, usec;
        if (rec->linktype != pc->linktype) {
            pc->lt_mismatch = true;
            return -1;
        }
        split_us(rec->ts_us, &sec, &usec);
        put32(h, sec);
        put32(h + 4, usec);
        put32(h + 8, rec->caplen);
        put32(h + 12, rec->len);
        out_bytes(pc, h, 16);
        out_bytes(pc, rec->data, rec->caplen);
    } else {
        int i;
        uint32_t padn = (4 - (rec->caplen & 3)) & 3;
        uint32_t blen = 32 + rec->caplen + padn;
        uint64_t ts = (uint64_t)rec->ts_us;

        for (i = 0; i < pc->ng_n; i++)
            if (pc->ng_lt[i] == rec->linktype)
                break;
        if (i == pc->ng_n) {
            if (pc->ng_n == MAX_LINKTYPES) {
                pc->lt_mismatch = true;
                return -1;
            }
            ng_idb(pc, rec->linktype);
        }
        /* Enhanced packet block, timestamps in the default microseconds. */
        put32(h, 6);
        put32(h + 4, blen);
        put32(h + 8, (uint32_t)i);
        put32(h + 12, (uint32_t)(ts >> 32));
        put32(h + 16, (uint32_t)ts);
        put32(h + 20, rec->caplen);
        put32(h + 24, rec->len);
        out_bytes(pc, h, 28);
        out_bytes(pc, rec->data, rec->caplen);
        out_bytes(pc, pad, padn);
        put32(h, blen);
        out_bytes(pc, h, 4);
    }
    pc->written++;
    return 0;
}

/* --- reading and merging ------------------------------------------------------------ */

static uint64_t frag_tag(const struct otw_pkt *p)
{
    uint64_t h = 1469598103934665603ULL;
    const uint8_t *parts[2] = {p->src_ip, p->dst_ip};

    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 16; i++)
            h = (h ^ parts[k][i]) * 1099511628211ULL;
    h = (h ^ p->proto) * 1099511628211ULL;
    h = (h ^ p->frag_id) * 1099511628211ULL;
    return h | 1;
}

/* Does this record belong to a wanted session of the file's source? */
static bool rec_matches(struct pcapcmd *pc, struct cand *c, const struct otw_rec *rec)
{
    struct otw_pkt p;
    uint8_t key[KEY_LEN];

    if (pc->take_all)
        return true;
    if (otw_decode(rec->linktype, rec->data, rec->caplen, rec->len, &p) != OTW_DEC_IP)
        return false;
    if (p.flags & OTW_PF_FRAG) {
        uint64_t tag = frag_tag(&p);
        struct frag *f = &c->frags[tag % FRAG_SLOTS];
        bool same = f->tag == tag && f->ipver == p.ipver && f->proto == p.proto &&
                    f->id == p.frag_id && memcmp(f->src, p.src_ip, 16) == 0 &&
                    memcmp(f->dst, p.dst_ip, 16) == 0 && rec->ts_us - f->ts_us <= FRAG_TIMEOUT_US;

        if (!(p.flags & OTW_PF_FRAG_LATER)) {
            f->tag = tag;
            f->ipver = p.ipver;
            f->proto = p.proto;
            f->id = p.frag_id;
            memcpy(f->src, p.src_ip, 16);
            memcpy(f->dst, p.dst_ip, 16);
            f->sport = (p.flags & OTW_PF_PORTS) ? p.sport : 0;
            f->dport = (p.flags & OTW_PF_PORTS) ? p.dport : 0;
            f->icmp_type = p.icmp_type;
            f->icmp_code = p.icmp_code;
            f->ts_us = rec->ts_us;
            pkt_key(key, &p, f->sport, f->dport, p.icmp_type, p.icmp_code);
        } else if (same) {
            f->ts_us = rec->ts_us;
            pkt_key(key, &p, f->sport, f->dport, f->icmp_type, f->icmp_code);
        } else {
            /* A later fragment before its first (flow.c holds these and
             * adds them when the first comes, or as a port-less session). */
            pkt_key(key, &p, 0, 0, p.icmp_type, p.icmp_code);
        }
    } else {
        uint16_t sp = (p.flags & OTW_PF_PORTS) ? p.sport : 0;
        uint16_t dp = (p.flags & OTW_PF_PORTS) ? p.dport : 0;
        pkt_key(key, &p, sp, dp, p.icmp_type, p.icmp_code);
    }
    return wanted(pc, c->src, key, rec->ts_us);
}

/* Moves c to its next matching record. 1: one in c->rec; 0: none left. */
static int cand_next(struct pcapcmd *pc, struct cand *c)
{
    struct otw_err err;
    int r;

    otw_err_clear(&err);
    while ((r = otw_reader_next(c->r, &c->rec, &err)) == 1)
        if (rec_matches(pc, c, &c->rec))
            return 1;
    if (r < 0)
        pwarn(pc, "warning: %s (the packets before it are used; a capture stopped by a crash "
                  "ends like this)", err.msg);
    otw_reader_free(c->r);
    c->r = NULL;
    free(c->frags);
    c->frags = NULL;
    c->done = true;
    return 0;
}

static void reader_warn(void *ctx, const char *path, uint64_t offset, const char *msg)
{
    OTW_UNUSED(ctx);
    OTW_UNUSED(path);
    OTW_UNUSED(offset);
    OTW_UNUSED(msg);
}

/* Opens c and finds its first matching record. 1: found; 0: none; -1 error (told). */
static int cand_open(struct pcapcmd *pc, struct cand *c)
{
    struct otw_err err;

    otw_err_clear(&err);
    c->r = otw_reader_open(c->path, reader_warn, NULL, &err);
    if (c->r == NULL) {
        c->done = true;
        pwarn(pc, "%s", err.msg);
        return -1;
    }
    c->frags = calloc(FRAG_SLOTS, sizeof(*c->frags));
    if (c->frags == NULL) {
        pwarn(pc, "out of memory");
        otw_reader_free(c->r);
        c->r = NULL;
        c->done = true;
        return -1;
    }
    return cand_next(pc, c);
}

/* Heap of candidates by their current record's time, then file order. */
static bool heap_less(const struct pcapcmd *pc, size_t a, size_t b)
{
    const struct cand *x = &pc->cands[a], *y = &pc->cands[b];

    if (x->rec.ts_us != y->rec.ts_us)
        return x->rec.ts_us < y->rec.ts_us;
    return a < b;
}

static void heap_push(const struct pcapcmd *pc, size_t *h, size_t *n, size_t v)
{
    size_t i = (*n)++;

    h[i] = v;
    while (i > 0 && heap_less(pc, h[i], h[(i - 1) / 2])) {
        size_t t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void heap_sift(const struct pcapcmd *pc, size_t *h, size_t n)
{
    size_t i = 0;

    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && heap_less(pc, h[l], h[m]))
            m = l;
        if (r < n && heap_less(pc, h[r], h[m]))
            m = r;
        if (m == i)
            return;
        size_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static int cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Reads every candidate, writing matching packets in time order. */
static int merge(struct pcapcmd *pc)
{
    size_t *heap = calloc(pc->ncands ? pc->ncands : 1, sizeof(*heap));
    size_t nh = 0, next = 0;

    if (heap == NULL)
        return -1;
    qsort(pc->cands, pc->ncands, sizeof(*pc->cands), cand_cmp);
    for (;;) {
        while (next < pc->ncands &&
               (nh == 0 || pc->cands[next].lo <= pc->cands[heap[0]].rec.ts_us)) {
            if (cand_open(pc, &pc->cands[next]) == 1)
                heap_push(pc, heap, &nh, next);
            next++;
        }
        if (nh == 0)
            break;
        struct cand *c = &pc->cands[heap[0]];
        if (out_packet(pc, &c->rec) != 0 || pc->out_failed)
            break;
        c->matched++;
        if (cand_next(pc, c) == 1) {
            heap_sift(pc, heap, nh);
        } else {
            heap[0] = heap[--nh];
            heap_sift(pc, heap, nh);
        }
    }
    for (size_t i = 0; i < pc->ncands; i++) {
        otw_reader_free(pc->cands[i].r);
        pc->cands[i].r = NULL;
        free(pc->cands[i].frags);
        pc->cands[i].frags = NULL;
    }
    free(heap);
    return 0;
}

/* The link types of the candidates' first records: one -> classic pcap. */
static void choose_format(struct pcapcmd *pc)
{
    int lt = -1;

    if (pc->pcapng)
        return;
    for (size_t i = 0; i < pc->ncands; i++) {
        struct otw_err err;
        struct otw_rec rec;
        struct otw_reader *r = otw_reader_open(pc->cands[i].path, reader_warn, NULL, &err);
        if (r == NULL)
            continue;
        if (otw_reader_next(r, &rec, &err) == 1) {
            if (lt >= 0 && rec.linktype != lt)
                pc->pcapng = true;
            lt = rec.linktype;
        }
        otw_reader_free(r);
        if (pc->pcapng) {
            pwarn(pc, "the packets come from several link types: writing pcapng with one "
                      "interface per link type");
            return;
        }
    }
}

/* --- the command --------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch pcap [OPTIONS] EXPRESSION > out.pcap\n"
            "\n"
            "Writes the packets of the sessions matching EXPRESSION as one capture file in\n"
            "time order, each packet exactly as captured: for imported sessions from the\n"
            "file they were imported from, for live capture from the packet files of\n"
            "`otwatch capture --pcap-dir`. Classic pcap (microsecond timestamps); pcapng\n"
            "with one interface per link type when the packets have several.\n"
            "  otwatch pcap 'ip == 10.0.0.5 && port.dst == 502' > modbus.pcap\n"
            "With a store shared by several nodes (--store), the packets of sessions that\n"
            "another node saw come from that sensor's `otwatch serve` (settings sensor.NAME,\n"
            "sensor.token, sensor.ca), merged in time order.\n"
            "\n"
            "options:\n"
            "  --db PATH               database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --config FILE           settings file (the sensors of a shared store)\n"
            "  --since T, --until T    sessions overlapping this time range (as `sessions`)\n"
            "  --limit N               at most N sessions (default: no limit)\n"
            "  -o, --output FILE       write to FILE instead of standard output\n"
            "  --pcapng                always write pcapng\n"
            "  -h, --help              this text\n"
            "\n"
            "Exit status: 0 packets written; 1 nothing could be written (no session\n"
            "matched, or their packets are gone); 2 usage error.\n");
}

/* The expression may come as several words: join them. */
static char *join_args(int argc, char **argv, int from)
{
    size_t n = 1;
    char *e;

    for (int i = from; i < argc; i++)
        n += strlen(argv[i]) + 1;
    e = calloc(1, n);
    if (e == NULL)
        return NULL;
    n = 0;
    for (int i = from; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (i > from)
            e[n++] = ' ';
        memcpy(e + n, argv[i], l);
        n += l;
    }
    return e;
}

/* Tells what could not be found. Returns the number of sessions whose
 * packets are (at least partly) missing. */
static uint64_t report_missing(struct pcapcmd *pc)
{
    uint64_t missing = 0, lost = 0, uncovered = 0;

    /* Imported files that are not where they were imported from. */
    for (size_t i = 0; i < pc->nsrcs; i++) {
        struct source *s = &pc->srcs[i];
        if (s->live || access(s->name, R_OK) == 0)
            continue;
        pwarn(pc,
              "%s: %s: the capture file was moved or deleted since it was imported; the "
              "packets of %llu session%s cannot be written (import it again from its new "
              "place)",
              s->name, strerror(errno), (unsigned long long)s->sessions,
                s->sessions == 1 ? "" : "s");
        missing += s->sessions;
    }
    /* Live sessions: packet files deleted by retention, or none at all. */
    for (size_t i = 0; i < pc->nwants; i++) {
        struct want *w = &pc->wants[i];
        if (!pc->srcs[w->src].live)
            continue;
        for (size_t d = 0; d < pc->ndeleted && !w->lost; d++) {
            const struct otw_pcapfile *f = &pc->deleted[d];
            const char *pt = pc->srcs[w->src].name;
            if ((pt[0] == '\0' || strcmp(pt, f->point) == 0) && f->first_us <= w->end &&
                f->last_us >= w->start)
                w->lost = true;
        }
        if (w->lost)
            lost++;
        else if (!pc->srcs[w->src].has_files)
            uncovered++;
    }
    if (lost > 0)
        pwarn(pc,
              "%llu session%s lost some or all packets: %zu packet file%s of their time "
              "range %s deleted by retention (disk space)",
              (unsigned long long)lost, lost == 1 ? "" : "s", pc->ndeleted,
                pc->ndeleted == 1 ? " was" : "s were", pc->ndeleted == 1 ? "was" : "were");
    if (uncovered > 0)
        pwarn(pc,
              "%llu live session%s have no packet files (was capture run without "
              "--pcap-dir?)",
              (unsigned long long)uncovered, uncovered == 1 ? "" : "s");
    return missing + lost + uncovered;
}

static void pcapcmd_free(struct pcapcmd *pc)
{
    free(pc->srcs);
    free(pc->wants);
    free(pc->cands);
    free(pc->file_ids);
    free(pc->deleted);
}

int otw_pcap_write(struct otw_store *st, const struct otw_session_query *sq, FILE *out,
                   struct otw_pcap_out *o, struct otw_err *err)
{
    struct otw_session_query q = *sq;
    struct pcapcmd pc;
    int rc = OTW_ENOTFOUND;

    memset(&pc, 0, sizeof(pc));
    pc.out = out;
    pc.pcapng = o->pcapng;
    pc.warn = o->warn;
    pc.warn_ctx = o->warn_ctx;
    pc.only_node = o->only_node;
    o->sessions = o->packets = 0;
    o->too_many = false;
    otw_err_clear(err);
    q.skip_app = true;      /* keys and times are enough */
    if (o->max_sessions > 0 && (q.limit <= 0 || q.limit > o->max_sessions))
        q.limit = o->max_sessions + 1;
    rc = otw_store_sessions_query(st, &q, on_session, &pc, err);
    if (rc != 0) {
        if (err->msg[0] == '\0')
            otw_err_set(err, -1, "out of memory");
        goto out;
    }
    if (pc.oom) {
        otw_err_set(err, -1, "out of memory after %zu sessions: select fewer (--limit, "
                    "--since/--until)", pc.nwants);
        rc = OTW_ENOMEM;
        goto out;
    }
    if (o->max_sessions > 0 && (int64_t)pc.nwants > o->max_sessions) {
        otw_err_set(err, -1, "more than %lld sessions match: select fewer",
                    (long long)o->max_sessions);
        o->too_many = true;
        rc = OTW_EINVAL;
        goto out;
    }
    rc = OTW_ENOTFOUND;
    if (pc.nwants == 0 && pc.other_node > 0) {
        otw_err_set(err, -1, "none of the %llu matching session%s was seen by this node (%s)",
                    (unsigned long long)pc.other_node, pc.other_node == 1 ? "" : "s",
                    pc.only_node);
        goto out;
    }
    if (pc.nwants == 0) {
        otw_err_set(err, -1, "no session matches");
        goto out;
    }
    o->sessions = pc.nwants;
    qsort(pc.wants, pc.nwants, sizeof(*pc.wants), want_cmp);
    for (uint32_t i = 0; i < pc.nsrcs; i++) {
        struct source *s = &pc.srcs[i];
        if (!s->live) {
            if (access(s->name, R_OK) == 0 && cand_add(&pc, s->name, i, s->min_start, 0) != 0) {
                otw_err_set(err, -1, "out of memory");
                rc = OTW_ENOMEM;
                goto out;
            }
        } else if (find_live_files(&pc, st, i, err) != 0) {
            rc = OTW_ESTORE;
            goto out;
        }
    }
    (void)report_missing(&pc);
    if (pc.ncands == 0) {
        otw_err_set(err, -1, "nothing written: no packets of the %zu matching session%s are "
                    "left%s%s", pc.nwants, pc.nwants == 1 ? "" : "s", pc.last_warn[0] ? ": " : "",
                    pc.last_warn);
        goto out;
    }
    choose_format(&pc);
    if (merge(&pc) != 0) {
        otw_err_set(err, -1, "out of memory");
        rc = OTW_ENOMEM;
        goto out;
    }
    o->packets = pc.written;
    if (pc.out_failed) {
        otw_err_set(err, -1, "writing: %s", strerror(errno));
        rc = OTW_EIO;
        goto out;
    }
    if (pc.lt_mismatch) {
        otw_err_set(err, -1, "a file has packets of several link types, which classic pcap "
                    "cannot hold: the output is cut short; run again with --pcapng");
        rc = OTW_EFORMAT;
        goto out;
    }
    if (pc.written == 0) {
        otw_err_set(err, -1, "nothing written: none of the %zu file%s read held packets of the "
                    "matching sessions", pc.ncands, pc.ncands == 1 ? "" : "s");
        goto out;
    }
    rc = 0;
out:
    pcapcmd_free(&pc);
    return rc;
}

int otw_pcap_merge(const char *const *paths, size_t n, FILE *out, struct otw_pcap_out *o,
                   struct otw_err *err)
{
    struct pcapcmd pc;
    int rc = OTW_ENOTFOUND;

    memset(&pc, 0, sizeof(pc));
    pc.out = out;
    pc.pcapng = o->pcapng;
    pc.warn = o->warn;
    pc.warn_ctx = o->warn_ctx;
    pc.take_all = true;
    o->packets = 0;
    otw_err_clear(err);
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        uint32_t magic = 0;

        /* a pcapng input may hold several link types: so does the output */
        if (f != NULL && fread(&magic, sizeof(magic), 1, f) == 1 && magic == 0x0A0D0D0A)
            pc.pcapng = true;
        if (f != NULL)
            fclose(f);
        if (cand_add(&pc, paths[i], 0, INT64_MIN, (int64_t)i) != 0) {
            otw_err_set(err, -1, "out of memory");
            rc = OTW_ENOMEM;
            goto out;
        }
    }
    choose_format(&pc);
    if (merge(&pc) != 0) {
        otw_err_set(err, -1, "out of memory");
        rc = OTW_ENOMEM;
        goto out;
    }
    o->packets = pc.written;
    if (pc.out_failed) {
        otw_err_set(err, -1, "writing: %s", strerror(errno));
        rc = OTW_EIO;
    } else if (pc.lt_mismatch) {
        otw_err_set(err, -1, "the packets have more link types than one file can hold");
        rc = OTW_EFORMAT;
    } else if (pc.written == 0) {
        otw_err_set(err, -1, "nothing written: the files held no packets");
    } else {
        rc = 0;
    }
out:
    pcapcmd_free(&pc);
    return rc;
}

int otw_cmd_pcap(int argc, char **argv)
{
    enum { O_DB = 256, O_SINCE, O_UNTIL, O_LIMIT, O_PCAPNG, O_CONFIG };
    static const struct option lo[] = {
        {"db", required_argument, NULL, O_DB},
        {"config", required_argument, NULL, O_CONFIG},  /* read by cli_common.c */
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"limit", required_argument, NULL, O_LIMIT},
        {"output", required_argument, NULL, 'o'},
        {"pcapng", no_argument, NULL, O_PCAPNG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = otw_cli_default_db(), *outpath = NULL;
    struct otw_session_query sq;
    struct otw_pcap_out po;
    struct otw_query *q = NULL;
    struct otw_store *st = NULL;
    struct otw_err err;
    FILE *out = NULL;
    char *expr = NULL;
    int c, rc = 1, r;
    char *outbuf = NULL;

    memset(&sq, 0, sizeof(sq));
    memset(&po, 0, sizeof(po));
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        switch (c) {
        case O_DB: db = optarg; break;
        case O_SINCE:
            if (otw_cli_parse_time("pcap", "--since", optarg, &sq.since_us) != 0)
                return 2;
            break;
        case O_UNTIL:
            if (otw_cli_parse_time("pcap", "--until", optarg, &sq.until_us) != 0)
                return 2;
            break;
        case O_LIMIT:
            if (otw_cli_parse_limit("pcap", optarg, &sq.limit) != 0)
                return 2;
            break;
        case 'o': outpath = optarg; break;
        case O_PCAPNG: po.pcapng = true; break;
        case O_CONFIG: break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "otwatch pcap: give an expression saying which sessions "
                        "(e.g. 'ip == 10.0.0.5 && port == 502')\n\n");
        usage(stderr);
        return 2;
    }
    if (outpath == NULL && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "otwatch pcap: not writing binary pcap to a terminal: redirect it "
                        "(> out.pcap), pipe it (| tshark -r -), or give -o FILE\n");
        return 2;
    }
    expr = join_args(argc, argv, optind);
    if (expr == NULL) {
        fprintf(stderr, "otwatch pcap: out of memory\n");
        return 1;
    }
    if (otw_cli_parse_expr("pcap", expr, &q) != 0) {
        rc = 2;
        goto out;
    }
    sq.expr = q;
    st = otw_store_open(db, true, &err);
    if (st == NULL) {
        fprintf(stderr, "otwatch pcap: %s\n", err.msg);
        goto out;
    }
    if (outpath != NULL) {
        out = fopen(outpath, "wb");
        if (out == NULL) {
            fprintf(stderr, "otwatch pcap: %s: %s\n", outpath, strerror(errno));
            goto out;
        }
    } else {
        /* Our own stream on standard output, so its buffer is ours to size and free. */
        int fd = dup(STDOUT_FILENO);
        out = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (out == NULL) {
            fprintf(stderr, "otwatch pcap: standard output: %s\n", strerror(errno));
            if (fd >= 0)
                close(fd);
            goto out;
        }
    }
    outbuf = malloc(OUT_BUFFER);
    if (outbuf != NULL)
        setvbuf(out, outbuf, _IOFBF, OUT_BUFFER);
    po.expr = expr;
    r = otw_pcap_write_nodes(st, &sq, out, &po, &err);
    if (r == OTW_ENOTFOUND && sq.expr != NULL && strcmp(err.msg, "no session matches") == 0)
        fprintf(stderr, "otwatch pcap: no session matches '%s'\n", expr);
    else if (r != 0)
        fprintf(stderr, "otwatch pcap: %s\n", err.msg);
    if (r == OTW_EINVAL || r == OTW_ESYNTAX)
        rc = err.msg[0] && strstr(err.msg, "did you mean") ? 2 : 1;
    else
        rc = r == 0 ? 0 : 1;
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "otwatch pcap: writing %s: %s\n", outpath ? outpath : "standard output",
                strerror(errno));
        rc = 1;
    }
    if (fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "otwatch pcap: writing %s: %s\n", outpath ? outpath : "standard output",
                strerror(errno));
        rc = 1;
    }
    if (outpath != NULL && po.packets == 0)
        unlink(outpath);
out:
    otw_store_close(st);
    otw_query_free(q);
    free(expr);
    free(outbuf);
    return rc;
}
