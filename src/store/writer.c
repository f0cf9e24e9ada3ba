/*
 * writer.c - batches from the packet thread to the store, on their own thread.
 *
 * The packet thread fills a batch (512 records) and hands it over through a
 * ring of QDEPTH slots guarded by one mutex and two condition variables.
 * The writer computes each record's Community ID (a SHA-1: kept off the
 * packet path) and inserts the batch, then hands each stored record and
 * layer-2 row to the detection engine when there is one (detect/detect.h);
 * live, the engine's alerts are saved in each commit's transaction.
 */
#include "store/writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/commid.h"
#include "detect/detect.h"
#include "proto/app.h"

#define BATCH 512
#define QDEPTH 16
#define COMMIT_US 1000000

enum { B_SESSIONS, B_L2 };

struct batch {
    int kind;
    size_t n;
    union {
        struct otw_session s[BATCH];
        struct otw_l2_row l2[BATCH];
    } u;
};

struct otw_writer {
    struct otw_store *st;
    int64_t file_id, point_id;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_get;
    struct batch *q[QDEPTH];
    size_t qhead, qlen;
    bool done;
    bool live;                  /* no file: commit about once a second */
    int64_t txn_started_us;     /* 0: no transaction open */
    int rc;
    struct otw_err err;
    struct batch *cur;          /* packet thread's batch being filled */
    uint64_t sessions;
    char (*cids)[64];
    struct otw_detect *detect;  /* NULL: no detection */
};

static void put(struct otw_writer *w, struct batch *b)
{
    pthread_mutex_lock(&w->mu);
    while (w->qlen == QDEPTH)
        pthread_cond_wait(&w->can_put, &w->mu);
    w->q[(w->qhead + w->qlen) % QDEPTH] = b;
    w->qlen++;
    pthread_cond_signal(&w->can_get);
    pthread_mutex_unlock(&w->mu);
}

static void batch_free(struct batch *b)
{
    if (b->kind == B_SESSIONS)
        for (size_t i = 0; i < b->n; i++)
            otw_app_free(b->u.s[i].app);
    free(b);
}

static void write_batch(struct otw_writer *w, struct batch *b)
{
    if (w->rc != 0)
        return;     /* after a store error the rest is dropped; finish reports it */
    if (b->kind == B_SESSIONS) {
        for (size_t i = 0; i < b->n; i++)
            if (otw_commid_v1(&b->u.s[i], 0, w->cids[i], sizeof(w->cids[i])) != 0)
                w->cids[i][0] = '\0';
        w->rc = otw_store_sessions_put(w->st, w->file_id, w->point_id, b->u.s, w->cids, b->n,
                                       &w->err);
        if (w->rc == 0 && w->detect != NULL)
            for (size_t i = 0; i < b->n; i++)
                otw_detect_session(w->detect, &b->u.s[i], w->point_id);
    } else {
        for (size_t i = 0; i < b->n; i++)
            b->u.l2[i].point_id = w->point_id;
        w->rc = otw_store_l2_put(w->st, w->file_id, b->u.l2, b->n, &w->err);
        if (w->rc == 0 && w->detect != NULL)
            otw_detect_l2(w->detect, b->u.l2, b->n);
    }
}

static int64_t wall_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Live: commit what is written once it is a second old, so a crash loses
 * at most about a second, and readers see sessions promptly. */
static void live_commit(struct otw_writer *w, bool force)
{
    if (!w->live || w->txn_started_us == 0)
        return;
    if (!force && mono_us() - w->txn_started_us < COMMIT_US)
        return;
    if (w->rc == 0 && w->detect != NULL) {
        /* alerts commit with the sessions they come from */
        otw_detect_tick(w->detect, wall_us());
        if (force)
            otw_detect_finish(w->detect);
        w->rc = otw_detect_save(w->detect, w->st, &w->err);
    }
    if (w->rc == 0)
        w->rc = otw_store_txn_commit(w->st, &w->err);
    w->txn_started_us = 0;
}

static void *run(void *arg)
{
    struct otw_writer *w = arg;

    for (;;) {
        struct batch *b;

        pthread_mutex_lock(&w->mu);
        while (w->qlen == 0 && !w->done) {
            if (w->txn_started_us != 0) {
                /* wake up to commit even when no more batches come */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 200 * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&w->can_get, &w->mu, &ts);
                pthread_mutex_unlock(&w->mu);
                live_commit(w, false);
                pthread_mutex_lock(&w->mu);
            } else {
                pthread_cond_wait(&w->can_get, &w->mu);
            }
        }
        if (w->qlen == 0 && w->done) {
            pthread_mutex_unlock(&w->mu);
            if (w->live && w->detect != NULL && w->txn_started_us == 0 && w->rc == 0) {
                /* the alerts still held are decided and saved */
                w->rc = otw_store_txn_begin(w->st, &w->err);
                w->txn_started_us = mono_us();
            }
            live_commit(w, true);
            break;
        }
        b = w->q[w->qhead];
        w->qhead = (w->qhead + 1) % QDEPTH;
        w->qlen--;
        pthread_cond_signal(&w->can_put);
        pthread_mutex_unlock(&w->mu);
        if (w->live && w->txn_started_us == 0 && w->rc == 0) {
            w->rc = otw_store_txn_begin(w->st, &w->err);
            w->txn_started_us = mono_us();
        }
        write_batch(w, b);
        batch_free(b);
        live_commit(w, false);
    }
    return NULL;
}

struct otw_writer *otw_writer_start(struct otw_store *st, int64_t file_id, int64_t point_id,
                                    struct otw_err *err)
{
    struct otw_writer *w = calloc(1, sizeof(*w));

    if (w == NULL || (w->cids = calloc(BATCH, sizeof(*w->cids))) == NULL) {
        free(w);
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    w->st = st;
    w->file_id = file_id;
    w->live = file_id == 0;
    w->point_id = point_id;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->can_put, NULL);
    pthread_cond_init(&w->can_get, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        otw_err_set(err, -1, "cannot start the writer thread");
        free(w->cids);
        free(w);
        return NULL;
    }
    return w;
}

void otw_writer_set_detect(struct otw_writer *w, struct otw_detect *d)
{
    pthread_mutex_lock(&w->mu);
    w->detect = d;
    pthread_mutex_unlock(&w->mu);
}

static struct batch *cur_batch(struct otw_writer *w, int kind)
{
    if (w->cur != NULL && (w->cur->kind != kind || w->cur->n == BATCH)) {
        put(w, w->cur);
        w->cur = NULL;
    }
    if (w->cur == NULL) {
        /* Out of memory here would lose data silently: wait is not an
         * option either, so fail loudly. */
        w->cur = malloc(sizeof(*w->cur));
        if (w->cur == NULL)
            abort();
        w->cur->kind = kind;
        w->cur->n = 0;
    }
    return w->cur;
}

void otw_writer_session(struct otw_writer *w, const struct otw_session *s)
{
    struct batch *b = cur_batch(w, B_SESSIONS);

    b->u.s[b->n++] = *s;
    w->sessions++;
}

void otw_writer_l2(struct otw_writer *w, const struct otw_l2_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct batch *b = cur_batch(w, B_L2);
        b->u.l2[b->n++] = rows[i];
    }
}

void otw_writer_push(struct otw_writer *w)
{
    if (w->cur != NULL && w->cur->n > 0) {
        put(w, w->cur);
        w->cur = NULL;
    }
}

uint64_t otw_writer_sessions(const struct otw_writer *w)
{
    return w->sessions;
}

int otw_writer_finish(struct otw_writer *w, struct otw_err *err)
{
    int rc;

    if (w->cur != NULL && w->cur->n > 0)
        put(w, w->cur);
    else if (w->cur != NULL)
        batch_free(w->cur);
    w->cur = NULL;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->can_get);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    rc = w->rc;
    if (rc != 0 && err != NULL)
        *err = w->err;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->can_put);
    pthread_cond_destroy(&w->can_get);
    free(w->cids);
    free(w);
    return rc;
}
