/*
 * pcapstore.c - rolling packet files for live capture (see pcapstore.h and
 * docs/PCAPSTORE.md).
 *
 * One stream per (interface, link type): an open classic pcap file and a
 * write buffer. A record is appended to the buffer (16-byte record header,
 * then the bytes as captured); the buffer goes to the file with one
 * write(2) when full and on every tick, so packets reach the kernel within
 * about a second and writes stay large. A file rolls when the next record
 * would take it past max_file_bytes, or on a tick once it is max_file_secs
 * old.
 *
 * Write failures: the bytes of the failed buffer are cut off again
 * (ftruncate to the last good size), so a file always ends on a whole
 * record; the file is closed, retention runs at once (the disk is probably
 * full), and the next record opens a new file. When retention could free
 * nothing, writing pauses for a second (records counted as lost) rather
 * than retrying per packet. The first failure of an episode is logged, and
 * its end with the number of packets lost.
 *
 * Retention: the closed files this store knows (from the database at open,
 * and those it closed since), oldest first, are deleted while the directory
 * holds more than dir_limit_bytes or the file system has less than
 * min_free_bytes free; each deletion is recorded (pcap_files.deleted_us),
 * so `otwatch pcap` can say which sessions lost their packets. Files the
 * database does not know are never touched.
 */
#include "pcapstore/pcapstore.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define MAX_STREAMS 32
#define PCAP_HDR 24
#define REC_HDR 16
#define RETRY_US 1000000
#define DBQ_LEN 512

struct stream {
    char iface[64];
    int linktype;
    int fd;                     /* -1: no file open */
    struct otw_pcapfile row;    /* row.bytes/packets: what is in the file (not the buffer) */
    uint8_t *buf;
    size_t blen;
    uint64_t buf_packets;
    int64_t buf_first_us, buf_last_us;
    int64_t opened_us;          /* store clock (ticks) when the file was opened */
    bool dirty;                 /* row changed since last written */
    int64_t retry_us;           /* after a failure: no new file before this */
    bool buf_hdr;               /* the buffer starts with the file header */
    bool failing;               /* in a write-failure episode */
    bool lost_logged;           /* "packets are lost" said in this episode */
    uint64_t episode_lost;
};

/* Database work, done by the pcapstore's own thread (see db_run()). */
enum { DB_ADD, DB_UPDATE, DB_DELETED };
struct dbop {
    int kind;
    int64_t id;                 /* 0: find it by f.path (a file added by this run) */
    int64_t when_us;
    struct otw_pcapfile f;
};
struct idmap {
    char *path;
    int64_t id;
};
struct dbq {
    pthread_t th;
    bool running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct dbop *ops;           /* ring of DBQ_LEN */
    size_t head, len;
    bool done;
    uint64_t dropped;           /* ops lost to a full queue */
    char errmsg[512];           /* the first database error, for the owner to log */
    bool err_new;
    /* the thread's own: */
    struct idmap *map;
    size_t nmap, capmap;
};

struct closed {
    int64_t id;
    char *path;
    uint64_t bytes;
};

struct otw_pcapstore {
    char *dir;
    struct otw_pcapstore_opts o;
    struct otw_store *st;       /* used by the db thread once it runs */
    struct dbq q;
    char point[128];
    char name_point[64];        /* point as it goes into file names */
    struct stream streams[MAX_STREAMS];
    int nstreams;
    struct closed *closed;      /* oldest first */
    uint64_t closed_bytes;      /* their sizes */
    size_t nclosed, capclosed;
    struct otw_pcapstore_stats stats;
    uint32_t seq;
    int64_t now_us;             /* the last tick's time (wall clock at open) */
    int64_t last_update_us;
    bool floor_logged;          /* "nothing left to delete" said */
    bool store_logged;          /* a database error said */
    bool streams_logged;        /* too many streams said */
};

static int64_t wall_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void logf_(struct otw_pcapstore *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(struct otw_pcapstore *ps, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (ps->o.log != NULL)
        ps->o.log(ps->o.log_ctx, msg);
    else
        fprintf(stderr, "otwatch pcapstore: %s\n", msg);
}

static void store_failed(struct otw_pcapstore *ps, const struct otw_err *err)
{
    if (!ps->store_logged)
        logf_(ps, "%s (packet files are still written; the database may not list them all)",
              err->msg);
    ps->store_logged = true;
}

/* Letters, digits, '.', '_' and '-' stay; anything else becomes '_'. */
static void name_part(char *dst, size_t len, const char *src, const char *dflt)
{
    size_t i = 0;

    if (src == NULL || src[0] == '\0')
        src = dflt;
    for (; src[i] != '\0' && i + 1 < len; i++) {
        char c = src[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        dst[i] = ok ? c : '_';
    }
    dst[i] = '\0';
}

static int closed_add(struct otw_pcapstore *ps, int64_t id, const char *path, uint64_t bytes)
{
    char *p;

    if (ps->nclosed == ps->capclosed) {
        size_t c = ps->capclosed ? ps->capclosed * 2 : 64;
        struct closed *n = realloc(ps->closed, c * sizeof(*n));
        if (n == NULL)
            return OTW_ENOMEM;
        ps->closed = n;
        ps->capclosed = c;
    }
    p = strdup(path);
    if (p == NULL)
        return OTW_ENOMEM;
    ps->closed[ps->nclosed].id = id;
    ps->closed[ps->nclosed].path = p;
    ps->closed[ps->nclosed].bytes = bytes;
    ps->nclosed++;
    ps->closed_bytes += bytes;
    return 0;
}

/* --- files -------------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

/* Writes all of buf; 0 or errno. */
static int write_all(int fd, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (w == 0)
            return EIO;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* --- the database thread ---------------------------------------------------------------- */

/* Files are recorded by a thread of their own: the writer thread holds the
 * database's write lock most of the time during live capture (it commits
 * once a second), and the packet thread must never wait for it. The
 * owner queues operations (never blocking: a full queue drops the
 * operation, counted); the thread runs them in order. Rows of files added
 * by this run are found by path (the thread remembers their ids). */

static int64_t map_find(struct dbq *q, const char *path, bool remove)
{
    for (size_t i = 0; i < q->nmap; i++)
        if (strcmp(q->map[i].path, path) == 0) {
            int64_t id = q->map[i].id;
            if (remove) {
                free(q->map[i].path);
                q->map[i] = q->map[--q->nmap];
            }
            return id;
        }
    return 0;
}

static void map_add(struct dbq *q, const char *path, int64_t id)
{
    char *p;

    if (q->nmap == q->capmap) {
        size_t c = q->capmap ? q->capmap * 2 : 64;
        struct idmap *n = realloc(q->map, c * sizeof(*n));
        if (n == NULL)
            return;
        q->map = n;
        q->capmap = c;
    }
    p = strdup(path);
    if (p == NULL)
        return;
    q->map[q->nmap].path = p;
    q->map[q->nmap].id = id;
    q->nmap++;
}

static void db_exec(struct otw_pcapstore *ps, struct dbop *op)
{
    struct dbq *q = &ps->q;
    struct otw_err err;
    int rc = 0;

    otw_err_clear(&err);
    if (op->kind == DB_ADD) {
        rc = otw_store_pcapfile_add(ps->st, &op->f, &err);
        if (rc == 0)
            map_add(q, op->f.path, op->f.id);
    } else {
        int64_t id = op->id ? op->id : map_find(q, op->f.path, op->kind == DB_DELETED);
        if (id == 0)
            return;
        op->f.id = id;
        if (op->kind == DB_UPDATE)
            rc = otw_store_pcapfile_update(ps->st, &op->f, &err);
        else
            rc = otw_store_pcapfile_deleted(ps->st, id, op->when_us, &err);
    }
    if (rc != 0) {
        pthread_mutex_lock(&q->mu);
        if (q->errmsg[0] == '\0') {
            snprintf(q->errmsg, sizeof(q->errmsg), "%s", err.msg);
            q->err_new = true;
        }
        pthread_mutex_unlock(&q->mu);
    }
}

static void *db_run(void *arg)
{
    struct otw_pcapstore *ps = arg;
    struct dbq *q = &ps->q;
    struct dbop op;

    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->len == 0 && !q->done)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->len == 0)
            break;
        op = q->ops[q->head];
        q->head = (q->head + 1) % DBQ_LEN;
        q->len--;
        pthread_mutex_unlock(&q->mu);
        db_exec(ps, &op);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Queues (or, before the thread runs, does) one operation. */
static void db_op(struct otw_pcapstore *ps, int kind, int64_t id, const struct otw_pcapfile *f,
                  const char *path)
{
    struct dbq *q = &ps->q;
    struct dbop *op;

    if (ps->st == NULL)
        return;
    if (!q->running) {
        struct dbop one;
        memset(&one, 0, sizeof(one));
        one.kind = kind;
        one.id = id;
        one.when_us = ps->now_us;
        if (f != NULL)
            one.f = *f;
        else
            snprintf(one.f.path, sizeof(one.f.path), "%s", path);
        db_exec(ps, &one);
        return;
    }
    pthread_mutex_lock(&q->mu);
    if (q->len == DBQ_LEN) {
        q->dropped++;
        pthread_mutex_unlock(&q->mu);
        return;
    }
    op = &q->ops[(q->head + q->len) % DBQ_LEN];
    op->kind = kind;
    op->id = id;
    op->when_us = ps->now_us;
    if (f != NULL)
        op->f = *f;
    else {
        memset(&op->f, 0, sizeof(op->f));
        snprintf(op->f.path, sizeof(op->f.path), "%s", path);
    }
    q->len++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* The owner's side: says the thread's first error and queue overflows once. */
static void db_check(struct otw_pcapstore *ps)
{
    struct dbq *q = &ps->q;
    struct otw_err err;
    uint64_t dropped;
    bool said;

    if (!q->running)
        return;
    pthread_mutex_lock(&q->mu);
    said = q->err_new;
    if (said)
        snprintf(err.msg, sizeof(err.msg), "%s", q->errmsg);
    q->err_new = false;
    dropped = q->dropped;
    pthread_mutex_unlock(&q->mu);
    if (said)
        store_failed(ps, &err);
    if (dropped > 0 && !ps->store_logged) {
        logf_(ps, "the database fell behind: %llu packet file updates were not recorded",
              (unsigned long long)dropped);
        ps->store_logged = true;
    }
}

static void row_update(struct otw_pcapstore *ps, struct stream *s)
{
    if (!s->dirty)
        return;
    db_op(ps, DB_UPDATE, 0, &s->row, NULL);
    s->dirty = false;
}

static void mark_deleted(struct otw_pcapstore *ps, int64_t id, const char *path)
{
    db_op(ps, DB_DELETED, id, NULL, path);
}

/* Opens a new file for s, named after the time of its first record. */
static int stream_open(struct otw_pcapstore *ps, struct stream *s, int64_t ts_us)
{
    char iface[64], stamp[32];
    struct tm tm;
    time_t t = (time_t)(ts_us / 1000000);
    uint8_t *h;
    int fd = -1;

    if (gmtime_r(&t, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
        snprintf(stamp, sizeof(stamp), "%lld", (long long)t);
    name_part(iface, sizeof(iface), s->iface, "if");
    for (int tries = 0; tries < 1000 && fd < 0; tries++) {
        int n = snprintf(s->row.path, sizeof(s->row.path), "%s/%s-%s-%s-%u.pcap", ps->dir,
                         ps->name_point, iface, stamp, ++ps->seq);
        if (n < 0 || (size_t)n >= sizeof(s->row.path)) {
            errno = ENAMETOOLONG;
            break;
        }
        fd = open(s->row.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return errno ? errno : EIO;
    s->fd = fd;
    s->row.id = 0;
    snprintf(s->row.point, sizeof(s->row.point), "%s", ps->point);
    snprintf(s->row.iface, sizeof(s->row.iface), "%s", s->iface);
    s->row.linktype = s->linktype;
    s->row.first_us = s->row.last_us = 0;
    s->row.bytes = 0;
    s->row.packets = 0;
    s->row.created_us = 0;
    s->row.deleted_us = 0;
    s->opened_us = ps->now_us;
    s->dirty = false;
    /* The file header goes out with the first buffer: classic pcap,
     * microseconds, version 2.4, snapshot length 262144. */
    h = s->buf;
    put32(h, 0xa1b2c3d4);
    put16(h + 4, 2);
    put16(h + 6, 4);
    put32(h + 8, 0);
    put32(h + 12, 0);
    put32(h + 16, OTW_MAX_RECORD);
    put32(h + 20, (uint32_t)s->linktype);
    s->blen = PCAP_HDR;
    s->buf_hdr = true;
    s->buf_packets = 0;
    ps->stats.files_opened++;
    s->row.created_us = ps->now_us;
    db_op(ps, DB_ADD, 0, &s->row, NULL);
    return 0;
}

/* Buffer -> file. 0, or errno after cutting the file back to its last
 * whole record. */
static int stream_flush(struct stream *s)
{
    int e;

    if (s->fd < 0 || s->blen == 0)
        return 0;
    e = write_all(s->fd, s->buf, s->blen);
    if (e != 0) {
        /* Keep the file whole: what this buffer added is dropped. */
        if (ftruncate(s->fd, (off_t)(s->row.bytes)) != 0) {
            /* Nothing better to do: the reader stops at a partial record. */
        }
        return e;
    }
    s->row.bytes += s->blen;
    s->row.packets += s->buf_packets;
    if (s->buf_packets > 0) {
        if (s->row.first_us == 0)
            s->row.first_us = s->buf_first_us;
        s->row.last_us = s->buf_last_us;
    }
    s->blen = 0;
    s->buf_hdr = false;
    s->buf_packets = 0;
    s->dirty = true;
    return 0;
}

/* Closes s's file (already flushed, or the buffer given up) and records it.
 * A file without packets is removed. */
static void stream_close_file(struct otw_pcapstore *ps, struct stream *s)
{
    if (s->fd < 0)
        return;
    close(s->fd);
    s->fd = -1;
    if (s->row.packets == 0) {
        unlink(s->row.path);
        mark_deleted(ps, 0, s->row.path);
        s->blen = 0;
        return;
    }
    s->dirty = true;
    row_update(ps, s);
    if (closed_add(ps, s->row.id, s->row.path, s->row.bytes) != 0)
        logf_(ps, "out of memory: %s will not be removed by retention", s->row.path);
    s->blen = 0;
}

static void retention(struct otw_pcapstore *ps, uint64_t floor);

static int stream_open(struct otw_pcapstore *ps, struct stream *s, int64_t ts_us);

/* The buffer's records are lost: count them (they were counted as written
 * when they came) and empty the buffer. */
static void buffer_lost(struct otw_pcapstore *ps, struct stream *s)
{
    ps->stats.lost_packets += s->buf_packets;
    ps->stats.packets -= OTW_MIN(ps->stats.packets, s->buf_packets);
    ps->stats.bytes -= OTW_MIN(ps->stats.bytes, (uint64_t)(s->blen - (s->buf_hdr ? PCAP_HDR : 0)));
    s->episode_lost += s->buf_packets;
    s->buf_packets = 0;
    s->blen = 0;
}

/* Writing s's buffer failed with errno e (the file already cut back to its
 * last whole record): close the file, free space, and write the buffer's
 * records to a new file. 0: they are written and a file is open; <0: they
 * are lost (counted), no file is open, and new files wait a second unless
 * retention could free something. */
static int stream_failed(struct otw_pcapstore *ps, struct stream *s, int e)
{
    uint64_t freed_before = ps->stats.files_deleted;
    size_t hdr = s->buf_hdr ? PCAP_HDR : 0, rlen = s->blen - hdr;
    uint64_t rpk = s->buf_packets;
    int64_t rfirst = s->buf_first_us, rlast = s->buf_last_us;

    ps->stats.write_errors++;
    if (!s->failing)
        logf_(ps, "writing %s: %s: closing it and freeing space", s->row.path, strerror(e));
    s->failing = true;
    /* Keep the records: stream_close_file() must not see them. */
    s->blen = 0;
    s->buf_packets = 0;
    stream_close_file(ps, s);
    /* The disk is full for us whatever the floor says: make room for a
     * few buffers at least. */
    retention(ps, (e == ENOSPC || e == EDQUOT) ? 4 * (uint64_t)ps->o.buffer_bytes : 0);
    if (ps->stats.files_deleted != freed_before && rpk > 0) {
        /* Room again: the records go to a new file after its header (the
         * buffer has PCAP_HDR bytes of slack for this). */
        memmove(s->buf + PCAP_HDR, s->buf + hdr, rlen);
        if (stream_open(ps, s, rfirst) == 0) {
            s->blen = PCAP_HDR + rlen;
            s->buf_packets = rpk;
            s->buf_first_us = rfirst;
            s->buf_last_us = rlast;
            e = stream_flush(s);
            if (e == 0)
                return 0;
            buffer_lost(ps, s);
            stream_close_file(ps, s);
            s->retry_us = ps->now_us + RETRY_US;
            return OTW_EIO;
        }
        memmove(s->buf + hdr, s->buf + PCAP_HDR, rlen);
    }
    s->blen = hdr + rlen;
    s->buf_packets = rpk;
    buffer_lost(ps, s);
    if (!s->lost_logged)
        logf_(ps, "%s: packets are lost until a file can be written again", s->iface);
    s->lost_logged = true;
    /* Retention freed nothing: pause instead of failing on every record. */
    if (ps->stats.files_deleted == freed_before)
        s->retry_us = ps->now_us + RETRY_US;
    return OTW_EIO;
}

/* Flushes and closes s's file. */
static void stream_close(struct otw_pcapstore *ps, struct stream *s)
{
    int e;

    if (s->fd < 0)
        return;
    e = stream_flush(s);
    if (e != 0 && stream_failed(ps, s, e) != 0)
        return;     /* already closed */
    stream_close_file(ps, s);
}

static void episode_end(struct otw_pcapstore *ps, struct stream *s)
{
    if (!s->failing)
        return;
    if (s->episode_lost == 0)
        logf_(ps, "%s: old packet files deleted; writing goes on, no packet lost", s->iface);
    else
        logf_(ps, "%s: writing packets again; %llu packets were lost", s->iface,
              (unsigned long long)s->episode_lost);
    s->failing = false;
    s->lost_logged = false;
    s->episode_lost = 0;
}

/* --- retention ---------------------------------------------------------------------------- */

static bool free_space(const struct otw_pcapstore *ps, uint64_t *avail)
{
    struct statvfs v;

    if (statvfs(ps->dir, &v) != 0)
        return false;
    *avail = (uint64_t)v.f_bavail * (uint64_t)v.f_frsize;
    return true;
}

/* Bytes of our files: closed ones, and open ones with their buffers. */
static uint64_t dir_bytes(const struct otw_pcapstore *ps)
{
    uint64_t n = ps->closed_bytes;

    for (int i = 0; i < ps->nstreams; i++)
        if (ps->streams[i].fd >= 0)
            n += ps->streams[i].row.bytes + ps->streams[i].blen;
    return n;
}

/* Deletes the oldest closed files while the directory is over its limit or
 * less than max(min_free_bytes, floor) is free. */
static void retention(struct otw_pcapstore *ps, uint64_t floor)
{
    uint64_t avail = 0, freed = 0;
    bool have_avail = free_space(ps, &avail);
    size_t n = 0;

    ps->stats.dir_bytes = dir_bytes(ps);
    for (;;) {
        bool over = ps->o.dir_limit_bytes != 0 && ps->stats.dir_bytes > ps->o.dir_limit_bytes;
        bool low = have_avail && avail < OTW_MAX(ps->o.min_free_bytes, floor);
        struct closed *c;

        if (!over && !low) {
            ps->floor_logged = false;
            break;
        }
        if (n == ps->nclosed) {
            if (!ps->floor_logged)
                logf_(ps, "%s: %s, and no closed packet file is left to delete",
                      ps->dir, low ? "free disk space is below the floor"
                                   : "the directory is over its size limit");
            ps->floor_logged = true;
            break;
        }
        c = &ps->closed[n++];
        if (unlink(c->path) != 0 && errno != ENOENT)
            logf_(ps, "retention: deleting %s: %s", c->path, strerror(errno));
        mark_deleted(ps, c->id, c->path);
        ps->stats.dir_bytes -= OTW_MIN(ps->stats.dir_bytes, c->bytes);
        ps->closed_bytes -= OTW_MIN(ps->closed_bytes, c->bytes);
        ps->stats.files_deleted++;
        freed += c->bytes;
        free(c->path);
        if (have_avail)
            have_avail = free_space(ps, &avail);
    }
    if (n > 0) {
        memmove(ps->closed, ps->closed + n, (ps->nclosed - n) * sizeof(*ps->closed));
        ps->nclosed -= n;
        logf_(ps, "retention: deleted the %zu oldest packet file%s (%llu bytes)", n,
              n == 1 ? "" : "s", (unsigned long long)freed);
    }
}

/* --- the interface --------------------------------------------------------------------------- */

static int mkdirs(const char *dir)
{
    char p[1024];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof(p))
        return ENAMETOOLONG;
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0750) != 0 && errno != EEXIST)
                return errno;
            p[i] = c;
        }
    }
    return 0;
}

struct load_ctx {
    struct otw_pcapstore *ps;
    size_t dirlen;
    int rc;
};

/* Files of earlier runs in our directory: retention candidates. */
static int on_old_file(void *ctx, const struct otw_pcapfile *f)
{
    struct load_ctx *lc = ctx;
    struct otw_pcapstore *ps = lc->ps;
    struct stat sb;

    if (strncmp(f->path, ps->dir, lc->dirlen) != 0 || f->path[lc->dirlen] != '/')
        return 0;
    if (stat(f->path, &sb) != 0) {
        mark_deleted(ps, f->id, f->path);   /* gone (removed by hand?): its packets too */
        return 0;
    }
    if ((uint64_t)sb.st_size != f->bytes) {
        /* A crash between updates: the size on disk is the truth. */
        struct otw_pcapfile g = *f;
        g.bytes = (uint64_t)sb.st_size;
        db_op(ps, DB_UPDATE, f->id, &g, NULL);
    }
    if (closed_add(ps, f->id, f->path, (uint64_t)sb.st_size) != 0) {
        lc->rc = OTW_ENOMEM;
        return 1;
    }
    return 0;
}

struct otw_pcapstore *otw_pcapstore_open(const char *dir, const struct otw_pcapstore_opts *o,
                                         const char *db_path, const char *point,
                                         struct otw_err *err)
{
    struct otw_pcapstore *ps = calloc(1, sizeof(*ps));
    struct statvfs v;
    char real[4096];
    int e;

    if (ps == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&ps->q.mu, NULL);
    pthread_cond_init(&ps->q.cv, NULL);
    if (o != NULL)
        ps->o = *o;
    if (ps->o.max_file_bytes == 0)
        ps->o.max_file_bytes = 1ull << 30;
    if (ps->o.max_file_secs <= 0)
        ps->o.max_file_secs = 3600;
    if (ps->o.buffer_bytes == 0)
        ps->o.buffer_bytes = 1u << 20;
    if (ps->o.buffer_bytes < OTW_MAX_RECORD + REC_HDR + PCAP_HDR)
        ps->o.buffer_bytes = OTW_MAX_RECORD + REC_HDR + PCAP_HDR;
    if (ps->o.update_secs <= 0)
        ps->o.update_secs = 10;
    /* A directory limit smaller than a few files: files must be smaller
     * so retention has closed files to delete. */
    if (ps->o.dir_limit_bytes != 0 && ps->o.max_file_bytes > ps->o.dir_limit_bytes / 4)
        ps->o.max_file_bytes = OTW_MAX(ps->o.dir_limit_bytes / 4, 64u * 1024u);
    e = mkdirs(dir);
    if (e != 0) {
        otw_err_set(err, -1, "packet directory %s: %s", dir, strerror(e));
        goto fail;
    }
    ps->dir = strdup(realpath(dir, real) != NULL ? real : dir);
    if (ps->dir == NULL) {
        otw_err_set(err, -1, "out of memory");
        goto fail;
    }
    if (access(ps->dir, W_OK | X_OK) != 0) {
        otw_err_set(err, -1, "packet directory %s: %s", ps->dir, strerror(errno));
        goto fail;
    }
    if (statvfs(ps->dir, &v) != 0) {
        otw_err_set(err, -1, "packet directory %s: %s", ps->dir, strerror(errno));
        goto fail;
    }
    if (ps->o.min_free_bytes == 0) {
        uint64_t total = (uint64_t)v.f_blocks * (uint64_t)v.f_frsize;
        ps->o.min_free_bytes = OTW_MIN(1ull << 30, total / 20);
    }
    snprintf(ps->point, sizeof(ps->point), "%s", point ? point : "");
    name_part(ps->name_point, sizeof(ps->name_point), point, "otw");
    ps->now_us = wall_us();
    ps->last_update_us = ps->now_us;
    for (int i = 0; i < MAX_STREAMS; i++)
        ps->streams[i].fd = -1;
    if (db_path != NULL) {
        struct load_ctx lc = {ps, strlen(ps->dir), 0};
        ps->st = otw_store_open(db_path, false, err);
        if (ps->st == NULL)
            goto fail;
        if (otw_store_pcapfiles_between(ps->st, INT64_MIN, INT64_MAX, NULL, false, on_old_file,
                                        &lc, err) != 0)
            goto fail;
        if (lc.rc != 0) {
            otw_err_set(err, -1, "out of memory");
            goto fail;
        }
        ps->q.ops = calloc(DBQ_LEN, sizeof(*ps->q.ops));
        if (ps->q.ops == NULL) {
            otw_err_set(err, -1, "out of memory");
            goto fail;
        }
        if (pthread_create(&ps->q.th, NULL, db_run, ps) != 0) {
            otw_err_set(err, -1, "cannot start the packet file database thread");
            goto fail;
        }
        ps->q.running = true;
    }
    return ps;
fail:
    otw_pcapstore_close(ps, NULL);
    return NULL;
}

static struct stream *stream_get(struct otw_pcapstore *ps, const char *iface, int linktype)
{
    struct stream *s;

    for (int i = 0; i < ps->nstreams; i++) {
        s = &ps->streams[i];
        if (s->linktype == linktype && strcmp(s->iface, iface) == 0)
            return s;
    }
    if (ps->nstreams == MAX_STREAMS)
        return NULL;
    s = &ps->streams[ps->nstreams];
    s->buf = malloc(ps->o.buffer_bytes + PCAP_HDR);     /* slack: see stream_failed() */
    if (s->buf == NULL)
        return NULL;
    snprintf(s->iface, sizeof(s->iface), "%s", iface);
    s->linktype = linktype;
    s->fd = -1;
    ps->nstreams++;
    return s;
}

int otw_pcapstore_write(struct otw_pcapstore *ps, const char *iface, const struct otw_rec *rec)
{
    struct stream *s = stream_get(ps, iface ? iface : "", rec->linktype);
    uint32_t caplen = OTW_MIN(rec->caplen, OTW_MAX_RECORD);
    uint64_t need = REC_HDR + (uint64_t)caplen;
    uint8_t *h;
    int64_t ts = rec->ts_us;

    if (OTW_UNLIKELY(s == NULL)) {
        ps->stats.lost_packets++;
        if (!ps->streams_logged)
            logf_(ps, "%s: more than %d interface/link type pairs or out of memory: its "
                      "packets are not stored",
                  iface, MAX_STREAMS);
        ps->streams_logged = true;
        return OTW_ENOMEM;
    }
    /* Roll by size: the record would take the file past its limit. */
    if (s->fd >= 0 && s->row.packets + s->buf_packets > 0 &&
        s->row.bytes + s->blen + need > ps->o.max_file_bytes) {
        stream_close(ps, s);
        retention(ps, 0);
    }
    if (s->fd < 0) {
        int e;
        if (ps->now_us < s->retry_us) {
            ps->stats.lost_packets++;
            s->episode_lost++;
            return OTW_EIO;
        }
        e = stream_open(ps, s, ts);
        if (e != 0) {
            ps->stats.lost_packets++;
            ps->stats.write_errors++;
            s->episode_lost++;
            if (!s->failing)
                logf_(ps, "creating a packet file in %s: %s; packets are lost until one can "
                          "be created",
                      ps->dir, strerror(e));
            s->failing = true;
            retention(ps, 0);
            s->retry_us = ps->now_us + RETRY_US;
            return OTW_EIO;
        }
    }
    if (s->blen + need > ps->o.buffer_bytes) {
        int e = stream_flush(s);
        if (e != 0 && stream_failed(ps, s, e) != 0) {
            ps->stats.lost_packets++;
            s->episode_lost++;
            return OTW_EIO;
        }
        episode_end(ps, s);
    }
    h = s->buf + s->blen;
    {
        int64_t sec = ts / 1000000, usec = ts % 1000000;
        if (usec < 0) {
            usec += 1000000;
            sec--;
        }
        put32(h, (uint32_t)sec);
        put32(h + 4, (uint32_t)usec);
    }
    put32(h + 8, caplen);
    put32(h + 12, rec->len);
    memcpy(h + REC_HDR, rec->data, caplen);
    s->blen += need;
    if (s->buf_packets == 0)
        s->buf_first_us = ts;
    s->buf_last_us = ts;
    s->buf_packets++;
    ps->stats.packets++;
    ps->stats.bytes += need;
    return 0;
}

void otw_pcapstore_tick(struct otw_pcapstore *ps, int64_t now_us)
{
    bool update;

    ps->now_us = now_us;
    update = now_us - ps->last_update_us >= ps->o.update_secs * 1000000;
    for (int i = 0; i < ps->nstreams; i++) {
        struct stream *s = &ps->streams[i];
        int e;

        if (s->fd < 0)
            continue;
        if (now_us - s->opened_us >= ps->o.max_file_secs * 1000000) {
            stream_close(ps, s);
            continue;
        }
        e = stream_flush(s);
        if (e != 0 && stream_failed(ps, s, e) != 0)
            continue;
        if (s->row.packets > 0)
            episode_end(ps, s);
        if (update)
            row_update(ps, s);
    }
    if (update)
        ps->last_update_us = now_us;
    retention(ps, 0);
    db_check(ps);
}

int otw_pcapstore_flush(struct otw_pcapstore *ps, struct otw_err *err)
{
    int rc = 0;

    for (int i = 0; i < ps->nstreams; i++) {
        struct stream *s = &ps->streams[i];
        int e = stream_flush(s);
        if (e != 0) {
            if (rc == 0)
                otw_err_set(err, -1, "writing %s: %s", s->row.path, strerror(e));
            if (stream_failed(ps, s, e) != 0)
                rc = OTW_EIO;
        } else {
            row_update(ps, s);
        }
    }
    return rc;
}

void otw_pcapstore_get_stats(const struct otw_pcapstore *ps, struct otw_pcapstore_stats *st)
{
    *st = ps->stats;
    st->dir_bytes = dir_bytes(ps);
}

int otw_pcapstore_close(struct otw_pcapstore *ps, struct otw_err *err)
{
    int rc = 0;

    if (ps == NULL)
        return 0;
    for (int i = 0; i < ps->nstreams; i++) {
        struct stream *s = &ps->streams[i];
        uint64_t errs = ps->stats.write_errors;
        stream_close(ps, s);
        if (ps->stats.write_errors != errs && rc == 0) {
            otw_err_set(err, -1, "writing the last packets of %s failed", s->iface);
            rc = OTW_EIO;
        }
        free(s->buf);
    }
    /* The database thread finishes what is queued, then the handle closes. */
    if (ps->q.running) {
        pthread_mutex_lock(&ps->q.mu);
        ps->q.done = true;
        pthread_cond_signal(&ps->q.cv);
        pthread_mutex_unlock(&ps->q.mu);
        pthread_join(ps->q.th, NULL);
        ps->q.running = false;
        db_check(ps);
    }
    for (size_t i = 0; i < ps->q.nmap; i++)
        free(ps->q.map[i].path);
    free(ps->q.map);
    free(ps->q.ops);
    pthread_mutex_destroy(&ps->q.mu);
    pthread_cond_destroy(&ps->q.cv);
    for (size_t i = 0; i < ps->nclosed; i++)
        free(ps->closed[i].path);
    free(ps->closed);
    otw_store_close(ps->st);
    free(ps->dir);
    free(ps);
    return rc;
}
