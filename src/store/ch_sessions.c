/*
 * ch_sessions.c - ClickHouse backend: writing sessions, imported files and
 * layer-2 sightings, and reading files and sightings back (issue 8).
 *
 * Each otw_ch_* function here does what its otw_store_* namesake does in
 * sqlite.c, with rows made for the tables of ch_schema.c and sent in
 * batches (ch_spool.c). What makes a retry safe is the row's key, made by
 * the writer from where the row came from, never from the server:
 *
 *   file id     XXH3-64(node, 2, 0, content hash)   the same file on the
 *               same node is the same file: import dedup and --force work
 *   session id  XXH3-64(node, 0, file id, record number in the file), or
 *               XXH3-64(node, 0, 0, uid) for live records (uids are
 *               random-based per run, see flow.c)
 *   l2 rid      XXH3-64(node, 1, file id, row number); live: file id 0 and
 *               a random base per run plus the row number
 *
 * each masked to 63 bits and never 0 (it fits the int64 ids of store rows).
 * `ver` is the time the row was made (microseconds): a later version of
 * the same key (a live update, a file's end, a forgotten file's tombstone)
 * replaces the earlier one when read with FINAL or argMax(..., ver).
 *
 * Capture points have their ids in the node's SQLite file; the rows carry
 * the point's name, so readers on any node see the same name.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "proto/app.h"
#include "store/capstatus.h"
#include "store/ch_int.h"
#include "store/sqlite_int.h"

/* This file's state in a handle (ch->priv[1]; freed by otw_ch_writes_done). */
struct writes {
    int64_t point_id;       /* the point whose name is cached (0: none) */
    char point[128];
    char file_path[1024];   /* of the file being imported */
    uint64_t l2_seq;        /* layer-2 rows of the file (or of the run, live) */
    uint64_t live_base;     /* random: live layer-2 row ids unique across runs */
    bool find_warned;       /* "cannot tell whether imported" was said */
    uint64_t last_ver;      /* versions only grow, even within one microsecond */
};

static struct writes *writes_of(struct otw_ch *ch, struct otw_err *err)
{
    struct writes *w = ch->priv[1];

    if (w != NULL)
        return w;
    if ((w = calloc(1, sizeof(*w))) == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    {
        uint64_t r = 0;
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
            r = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
        if (fd >= 0)
            close(fd);
        w->live_base = r << 20;     /* 2^20 rows a run before two runs could meet */
    }
    ch->priv[1] = w;
    return w;
}

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A row's version: the time it is made, in µs, larger than any before it
 * from this handle (a file's end row must win over its begin row). */
static uint64_t next_ver(struct writes *w)
{
    uint64_t v = (uint64_t)now_us();

    if (v <= w->last_ver)
        v = w->last_ver + 1;
    w->last_ver = v;
    return v;
}

/* XXH3-64 of (node, kind, a, b), 63 bits, never 0. */
static uint64_t make_id(const char *node, uint8_t kind, uint64_t a, const void *b, size_t blen)
{
    uint8_t buf[64 + 1 + 1 + 8 + 16];
    size_t n = strlen(node);
    uint64_t h;

    if (n > 64)
        n = 64;
    memcpy(buf, node, n);
    buf[n++] = '\0';
    buf[n++] = kind;
    for (int i = 0; i < 8; i++)
        buf[n++] = (uint8_t)(a >> (8 * i));
    if (blen > 16)
        blen = 16;
    memcpy(buf + n, b, blen);
    n += blen;
    h = XXH3_64bits(buf, n) & 0x7fffffffffffffffULL;
    return h != 0 ? h : 1;
}

static uint64_t seq_id(const char *node, uint8_t kind, uint64_t file_id, uint64_t seq)
{
    uint8_t b[8];

    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(seq >> (8 * i));
    return make_id(node, kind, file_id, b, sizeof(b));
}

/* The name of a capture point of this node's SQLite file ("" for 0). */
static int point_name(struct otw_store *st, struct writes *w, int64_t point_id,
                      struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (point_id == w->point_id && point_id != 0)
        return 0;
    w->point[0] = '\0';
    w->point_id = 0;
    if (point_id == 0)
        return 0;
    if (otw_sqlite_prepare(st, &s, "SELECT name FROM points WHERE id = ?1", err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_int64(s, 1, point_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(w->point, sizeof(w->point), "%s", t ? (const char *)t : "");
        w->point_id = point_id;
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = 0;                 /* an unknown point: no name */
    } else {
        rc = otw_sqlite_fail(st, err, "reading a capture point");
    }
    sqlite3_finalize(s);
    return rc;
}

/* The id of a capture point named `name` in this node's file, created when
 * the handle may write (0 when it cannot be known). */
static int64_t point_id_of(struct otw_store *st, const char *name)
{
    sqlite3_stmt *s = NULL;
    int64_t id = 0;

    if (name[0] == '\0')
        return 0;
    if (!st->read_only && otw_store_point_id(st, name, &id, NULL) == 0)
        return id;
    if (otw_sqlite_prepare(st, &s, "SELECT id FROM points WHERE name = ?1", NULL) != 0)
        return 0;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return id;
}

static void rb_cstr(struct otw_sb *b, const char *s)
{
    otw_rb_str(b, s, strlen(s));
}

/* --- sessions ------------------------------------------------------------------------ */

static void session_row(struct otw_sb *b, const struct otw_ch *ch, struct writes *w,
                        uint64_t id, uint64_t file_id, const struct otw_session *r,
                        const char *community_id)
{
    static const uint8_t zero_mac[6];
    const struct otw_app *a = r->app;
    char protos[OTW_APP_MAX_PROTOCOLS * 24 + 2];
    size_t pn = 0;
    uint16_t nv = a ? a->nvalues : 0;
    uint8_t ne = a ? a->nevents : 0;

    otw_rb_datetime(b, r->first_us);
    otw_rb_i64(b, r->first_us);
    otw_rb_i64(b, r->last_us);
    otw_rb_u64(b, id);
    otw_rb_u64(b, next_ver(w));
    rb_cstr(b, ch->cfg.node);
    rb_cstr(b, w->point);
    otw_rb_u64(b, file_id);
    rb_cstr(b, file_id != 0 ? w->file_path : "");
    otw_rb_u64(b, r->uid);
    otw_rb_u8(b, r->ipver);
    otw_rb_u8(b, r->proto);
    otw_rb_fixed(b, r->src_ip, 16, 16);
    otw_rb_u16(b, r->src_port);
    otw_rb_fixed(b, r->dst_ip, 16, 16);
    otw_rb_u16(b, r->dst_port);
    /* Nullable: a 1 byte for NULL, else 0 and the value */
    for (int k = 0; k < 2; k++) {
        const uint8_t *mac = k == 0 ? r->src_mac : r->dst_mac;
        if (memcmp(mac, zero_mac, 6) == 0) {
            otw_rb_u8(b, 1);
        } else {
            otw_rb_u8(b, 0);
            otw_rb_fixed(b, mac, 6, 6);
        }
    }
    for (int k = 0; k < 2; k++) {
        if (r->nvlan > k) {
            otw_rb_u8(b, 0);
            otw_rb_u16(b, r->vlan[k]);
        } else {
            otw_rb_u8(b, 1);
        }
    }
    otw_rb_u64(b, r->src.packets);
    otw_rb_u64(b, r->src.bytes);
    otw_rb_u64(b, r->src.payload);
    otw_rb_u16(b, r->src.tcp_flags);
    otw_rb_u64(b, r->dst.packets);
    otw_rb_u64(b, r->dst.bytes);
    otw_rb_u64(b, r->dst.payload);
    otw_rb_u16(b, r->dst.tcp_flags);
    rb_cstr(b, otw_state_name(r->state));
    if (r->icmp_type >= 0) {
        otw_rb_u8(b, 0);
        otw_rb_u8(b, (uint8_t)r->icmp_type);
        otw_rb_u8(b, 0);
        otw_rb_u8(b, (uint8_t)r->icmp_code);
    } else {
        otw_rb_u8(b, 1);
        otw_rb_u8(b, 1);
    }
    rb_cstr(b, community_id);
    /* network.protocol as ' a b ', as the SQLite store keeps it */
    protos[0] = '\0';
    if (a != NULL && a->nprotocols > 0) {
        pn += (size_t)snprintf(protos, sizeof(protos), " ");
        for (uint8_t k = 0; k < a->nprotocols && pn < sizeof(protos); k++)
            pn += (size_t)snprintf(protos + pn, sizeof(protos) - pn, "%s ", a->protocols[k]);
    }
    rb_cstr(b, protos);
    rb_cstr(b, a != NULL && a->guess != NULL ? a->guess : "");
    otw_rb_u32(b, r->segment);
    otw_rb_u8(b, r->continued);
    rb_cstr(b, otw_end_name(r->end_reason));
    /* parser fields as parallel arrays: name, is-int, int, string, count */
    otw_rb_varuint(b, nv);
    for (uint16_t i = 0; i < nv; i++)
        rb_cstr(b, a->values[i].field);
    otw_rb_varuint(b, nv);
    for (uint16_t i = 0; i < nv; i++)
        otw_rb_u8(b, a->values[i].type == OTW_PF_INT);
    otw_rb_varuint(b, nv);
    for (uint16_t i = 0; i < nv; i++)
        otw_rb_i64(b, a->values[i].type == OTW_PF_INT ? a->values[i].i : 0);
    otw_rb_varuint(b, nv);
    for (uint16_t i = 0; i < nv; i++) {
        const struct otw_app_value *v = &a->values[i];
        if (v->type == OTW_PF_INT)
            otw_rb_str(b, "", 0);
        else
            otw_rb_str(b, v->s ? v->s : "", v->s ? v->slen : 0);
    }
    otw_rb_varuint(b, nv);
    for (uint16_t i = 0; i < nv; i++)
        otw_rb_u64(b, a->values[i].count);
    otw_rb_varuint(b, ne);
    for (uint8_t i = 0; i < ne; i++)
        rb_cstr(b, a->events[i].name);
    otw_rb_varuint(b, ne);
    for (uint8_t i = 0; i < ne; i++)
        otw_rb_u64(b, a->events[i].count);
}

int otw_ch_sessions_put(struct otw_store *st, int64_t file_id, int64_t point_id,
                        const struct otw_session *recs, char (*community_ids)[64], size_t n,
                        struct otw_err *err)
{
    struct otw_ch *ch = st->ch;
    const struct otw_ch_table *t = &otw_ch_table_sessions;
    struct writes *w = writes_of(ch, err);
    struct otw_sb row = {0};
    int rc = 0;

    if (w == NULL)
        return OTW_ENOMEM;
    if ((rc = point_name(st, w, point_id, err)) != 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct otw_session *r = &recs[i];
        uint64_t id = file_id != 0
                          ? seq_id(ch->cfg.node, 0, (uint64_t)file_id, ch->file_seq++)
                          : seq_id(ch->cfg.node, 0, 0, r->uid);

        otw_sb_reset(&row);
        session_row(&row, ch, w, id, (uint64_t)file_id, r,
                    community_ids != NULL ? community_ids[i] : "");
        if (row.oom) {
            otw_err_set(err, -1, "out of memory");
            rc = OTW_ENOMEM;
            break;
        }
        rc = otw_ch_batch_add(ch, t->name, t->columns, row.p, row.len, err);
        if (rc == 0)
            rc = otw_ch_spans_note(st, r->first_us, r->last_us, err);
    }
    otw_sb_free(&row);
    return rc;
}

/* --- layer-2 sightings ---------------------------------------------------------------- */

int otw_ch_l2_put(struct otw_store *st, int64_t file_id, const struct otw_l2_row *rows, size_t n,
                  struct otw_err *err)
{
    struct otw_ch *ch = st->ch;
    const struct otw_ch_table *t = &otw_ch_table_l2;
    struct writes *w = writes_of(ch, err);
    struct otw_sb row = {0};
    int rc = 0;

    if (w == NULL)
        return OTW_ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct otw_l2_row *r = &rows[i];
        uint64_t rid = file_id != 0 ? seq_id(ch->cfg.node, 1, (uint64_t)file_id, w->l2_seq++)
                                    : seq_id(ch->cfg.node, 1, 0, w->live_base + w->l2_seq++);
        int64_t day = r->first_us / 86400000000LL;

        if ((rc = point_name(st, w, r->point_id, err)) != 0)
            break;
        otw_sb_reset(&row);
        otw_rb_u16(&row, (uint16_t)(day < 0 ? 0 : day > 65535 ? 65535 : day));
        otw_rb_u64(&row, rid);
        rb_cstr(&row, ch->cfg.node);
        otw_rb_fixed(&row, r->mac, 6, 6);
        if (r->has_ip)
            otw_rb_fixed(&row, r->ip, 16, 16);
        else
            otw_rb_fixed(&row, "", 0, 16);
        otw_rb_u8(&row, r->has_ip);
        otw_rb_str(&row, r->kind, strnlen(r->kind, sizeof(r->kind)));
        otw_rb_u16(&row, r->vlan);
        rb_cstr(&row, w->point);
        otw_rb_u64(&row, (uint64_t)file_id);
        otw_rb_i64(&row, r->first_us);
        otw_rb_i64(&row, r->last_us);
        otw_rb_u64(&row, r->packets);
        otw_rb_str(&row, r->name, strnlen(r->name, sizeof(r->name)));
        if (row.oom) {
            otw_err_set(err, -1, "out of memory");
            rc = OTW_ENOMEM;
            break;
        }
        rc = otw_ch_batch_add(ch, t->name, t->columns, row.p, row.len, err);
    }
    otw_sb_free(&row);
    return rc;
}

struct l2_ctx {
    struct otw_store *st;
    otw_l2_cb cb;
    void *ctx;
};

static int l2_row(void *arg, json_t *j)
{
    struct l2_ctx *c = arg;
    struct otw_l2_row r;
    const char *point = otw_chj_str(j, "p");

    memset(&r, 0, sizeof(r));
    otw_chj_hex(j, "hmac", r.mac, sizeof(r.mac));
    r.has_ip = otw_chj_int(j, "hasip") != 0;
    if (r.has_ip)
        otw_chj_hex(j, "hip", r.ip, sizeof(r.ip));
    snprintf(r.kind, sizeof(r.kind), "%s", otw_chj_str(j, "k"));
    r.vlan = (uint16_t)otw_chj_int(j, "v");
    r.point_id = point_id_of(c->st, point);
    r.first_us = otw_chj_int(j, "f");
    r.last_us = otw_chj_int(j, "l");
    r.packets = (uint64_t)otw_chj_int(j, "n");
    snprintf(r.name, sizeof(r.name), "%s", otw_chj_str(j, "nm"));
    return c->cb(c->ctx, &r, point);
}

int otw_ch_l2_query(struct otw_store *st, otw_l2_cb cb, void *ctx, struct otw_err *err)
{
    struct l2_ctx c = {st, cb, ctx};
    struct otw_sb q = {0};
    char t[160];
    int rc;

    /* FINAL folds a batch that was sent twice (same rid); the sums are the
     * SQLite store's upsert done when reading. 18.16 wants a key column
     * named in a FINAL query: rid. */
    otw_sb_printf(&q,
                  "SELECT hex(mac) AS hmac, hex(ip) AS hip, has_ip AS hasip, kind AS k,"
                  " vlan AS v, point AS p, min(first_us) AS f, max(last_us) AS l,"
                  " sum(packets) AS n, argMaxIf(name, last_us, name != '') AS nm"
                  " FROM %s FINAL WHERE rid != 0"
                  " GROUP BY mac, ip, has_ip, kind, vlan, point"
                  " ORDER BY mac, ip, kind, vlan, point",
                  otw_ch_read_table(st->ch, "l2_seen", t, sizeof(t)));
    rc = q.oom ? OTW_ENOMEM : otw_chc_query(st->ch->c, q.p, l2_row, &c, err);
    otw_sb_free(&q);
    return rc;
}

/* --- files ------------------------------------------------------------------------------ */

static int file_row(struct otw_ch *ch, const struct otw_file_info *f, bool deleted,
                    struct otw_err *err)
{
    const struct otw_ch_table *t = &otw_ch_table_files;
    struct writes *w = writes_of(ch, err);
    struct otw_sb row = {0};
    int rc;

    if (w == NULL)
        return OTW_ENOMEM;
    otw_rb_u64(&row, (uint64_t)f->id);
    otw_rb_u64(&row, next_ver(w));
    rb_cstr(&row, ch->cfg.node);
    otw_rb_fixed(&row, f->hash, 16, 16);
    rb_cstr(&row, f->path);
    rb_cstr(&row, f->point);
    rb_cstr(&row, f->format);
    otw_rb_i64(&row, f->size);
    otw_rb_u8(&row, (uint8_t)f->status);
    rb_cstr(&row, f->error);
    otw_rb_i64(&row, f->imported_at_us);
    otw_rb_u64(&row, f->packets);
    otw_rb_u64(&row, f->sessions);
    otw_rb_i64(&row, f->first_us);
    otw_rb_i64(&row, f->last_us);
    otw_rb_u8(&row, deleted);
    if (row.oom) {
        otw_err_set(err, -1, "out of memory");
        rc = OTW_ENOMEM;
    } else {
        rc = otw_ch_batch_add(ch, t->name, t->columns, row.p, row.len, err);
    }
    otw_sb_free(&row);
    return rc;
}

/* The newest version of each file: argMax(col, ver) rather than FINAL, so
 * a file's versions fold wherever they are. Aliases differ from the
 * column names (an alias equal to a column would replace it inside the
 * other aggregates). */
#define FILE_COLUMNS                                                                       \
    "id AS a_id, node AS a_node, argMax(path, ver) AS a_path, argMax(point, ver) AS a_point," \
    " argMax(format, ver) AS a_format, argMax(size, ver) AS a_size,"                         \
    " argMax(status, ver) AS a_status, argMax(error, ver) AS a_error,"                       \
    " argMax(imported_at_us, ver) AS a_at, argMax(packets, ver) AS a_packets,"               \
    " argMax(sessions, ver) AS a_sessions, argMax(first_us, ver) AS a_first,"                \
    " argMax(last_us, ver) AS a_last, argMax(deleted, ver) AS a_deleted,"                    \
    " hex(argMax(hash, ver)) AS a_hash"

static void file_from_json(json_t *j, struct otw_file_info *f)
{
    memset(f, 0, sizeof(*f));
    f->id = otw_chj_int(j, "a_id");
    snprintf(f->node, sizeof(f->node), "%s", otw_chj_str(j, "a_node"));
    otw_chj_hex(j, "a_hash", f->hash, sizeof(f->hash));
    snprintf(f->path, sizeof(f->path), "%s", otw_chj_str(j, "a_path"));
    snprintf(f->point, sizeof(f->point), "%s", otw_chj_str(j, "a_point"));
    snprintf(f->format, sizeof(f->format), "%s", otw_chj_str(j, "a_format"));
    f->size = otw_chj_int(j, "a_size");
    f->status = (int)otw_chj_int(j, "a_status");
    if (f->status < OTW_FILE_IMPORTING || f->status > OTW_FILE_INTERRUPTED)
        f->status = OTW_FILE_IMPORTING;
    snprintf(f->error, sizeof(f->error), "%s", otw_chj_str(j, "a_error"));
    f->imported_at_us = otw_chj_int(j, "a_at");
    f->packets = (uint64_t)otw_chj_int(j, "a_packets");
    f->sessions = (uint64_t)otw_chj_int(j, "a_sessions");
    f->first_us = otw_chj_int(j, "a_first");
    f->last_us = otw_chj_int(j, "a_last");
}

static int find_row(void *arg, json_t *j)
{
    struct otw_file_info *f = arg;

    if (otw_chj_int(j, "a_deleted") != 0)
        return 0;
    file_from_json(j, f);
    return 1;
}

static uint64_t file_id_of(const char *node, const uint8_t hash[16])
{
    return make_id(node, 2, 0, hash, 16);
}

int otw_ch_file_find(struct otw_store *st, const uint8_t hash[16], struct otw_file_info *info,
                     struct otw_err *err)
{
    struct otw_ch *ch = st->ch;
    struct otw_file_info f;
    struct otw_sb q = {0};
    uint8_t key[16];
    char t[160];
    int rc = 0;

    memcpy(key, hash, sizeof(key));
    /* this node's files: the Distributed table, or this server's table
     * when some other shard does not answer */
    for (int pass = 0; pass < 2; pass++) {
        otw_sb_reset(&q);
        otw_sb_printf(&q, "SELECT " FILE_COLUMNS " FROM %s WHERE node = ",
                      pass == 0 ? otw_ch_read_table(ch, "files", t, sizeof(t))
                                : otw_ch_write_table(ch, "files", t, sizeof(t)));
        otw_sb_str(&q, ch->cfg.node, strlen(ch->cfg.node));
        otw_sb_printf(&q, " AND id = %llu GROUP BY id, node",
                      (unsigned long long)file_id_of(ch->cfg.node, key));
        if (q.oom) {
            otw_sb_free(&q);
            otw_err_set(err, -1, "out of memory");
            return OTW_ENOMEM;
        }
        memset(&f, 0, sizeof(f));
        rc = otw_chc_query(ch->c, q.p, find_row, &f, err);
        if (rc >= 0 || rc == OTW_EIO || ch->cfg.cluster[0] == '\0')
            break;
    }
    otw_sb_free(&q);
    if (rc == 1) {
        *info = f;
        memcpy(info->hash, key, 16);
        return 1;
    }
    if (rc == OTW_EIO) {
        /* The server is down: import anyway, into the spool. The file's
         * rows have the same keys as any earlier import of it, so they
         * replace that one rather than add to it. Said once a handle. */
        struct writes *w = writes_of(ch, NULL);
        if (w == NULL || w->find_warned)
            return 0;
        w->find_warned = true;
        fprintf(stderr,
                "otwatch: warning: %s: cannot tell whether files were imported before;"
                " importing them (their rows replace any earlier import of them)\n",
                err->msg);
        return 0;
    }
    return rc;
}

int otw_ch_file_forget(struct otw_store *st, int64_t file_id, struct otw_err *err)
{
    struct otw_ch *ch = st->ch;
    static const char *const tables[] = {"sessions", "l2_seen"};
    struct otw_file_info f;
    struct otw_sb q = {0};
    char t[160];
    int rc = 0;

    /* ALTER ... DELETE is a mutation: it runs in the background on the
     * parts that exist now; rows sent after it are not touched. */
    for (size_t i = 0; i < OTW_ARRAY_LEN(tables) && rc == 0; i++) {
        otw_sb_reset(&q);
        otw_sb_printf(&q, "ALTER TABLE %s DELETE WHERE file_id = %llu AND node = ",
                      otw_ch_write_table(ch, tables[i], t, sizeof(t)),
                      (unsigned long long)file_id);
        otw_sb_str(&q, ch->cfg.node, strlen(ch->cfg.node));
        rc = q.oom ? OTW_ENOMEM : otw_chc_exec(ch->c, q.p, err);
    }
    otw_sb_free(&q);
    if (rc != 0)
        return rc;
    /* the file's row: a newer version that says it is gone */
    memset(&f, 0, sizeof(f));
    f.id = file_id;
    if ((rc = file_row(ch, &f, true, err)) == 0)
        rc = otw_ch_flush(ch, err);
    return rc;
}

int otw_ch_file_begin(struct otw_store *st, struct otw_file_info *info, struct otw_err *err)
{
    struct otw_ch *ch = st->ch;
    struct writes *w = writes_of(ch, err);

    if (w == NULL)
        return OTW_ENOMEM;
    info->id = (int64_t)file_id_of(ch->cfg.node, info->hash);
    info->imported_at_us = now_us();
    info->status = OTW_FILE_IMPORTING;
    snprintf(info->node, sizeof(info->node), "%s", ch->cfg.node);
    snprintf(w->file_path, sizeof(w->file_path), "%s", info->path);
    ch->file_hash_id = (uint64_t)info->id;
    ch->file_seq = 0;
    w->l2_seq = 0;
    return file_row(ch, info, false, err);
}

int otw_ch_file_end(struct otw_store *st, const struct otw_file_info *info, struct otw_err *err)
{
    struct otw_ch *ch = st->ch;
    int rc;

    rc = file_row(ch, info, false, err);
    if (rc == 0)
        rc = otw_ch_flush(ch, err);
    ch->file_hash_id = 0;
    return rc;
}

void otw_ch_file_abort(struct otw_store *st)
{
    struct otw_ch *ch = st->ch;
    struct otw_err err;
    uint64_t id = ch->file_hash_id;

    /* nothing of the file stays: what is not sent is dropped, what was
     * sent is deleted (when the server answers) */
    otw_ch_batches_discard(ch);
    ch->file_hash_id = 0;
    if (id != 0 && otw_ch_file_forget(st, (int64_t)id, &err) != 0)
        fprintf(stderr, "otwatch: warning: the rows of the abandoned file stay in ClickHouse: %s\n",
                err.msg);
}

int otw_ch_txn_begin(struct otw_store *st, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(err);
    return 0;
}

int otw_ch_txn_commit(struct otw_store *st, struct otw_err *err)
{
    return otw_ch_flush_aged(st->ch, err);
}

struct recent_ctx {
    otw_file_cb cb;
    void *ctx;
};

static int recent_row(void *arg, json_t *j)
{
    struct recent_ctx *c = arg;
    struct otw_file_info f;

    file_from_json(j, &f);
    return c->cb(c->ctx, &f);
}

int otw_ch_files_recent(struct otw_store *st, int64_t limit, otw_file_cb cb, void *ctx,
                        struct otw_err *err)
{
    struct recent_ctx c = {cb, ctx};
    struct otw_sb q = {0};
    char t[160];
    int rc;

    otw_sb_printf(&q,
                  "SELECT " FILE_COLUMNS " FROM %s GROUP BY id, node HAVING a_deleted = 0"
                  " ORDER BY a_at DESC, a_id DESC LIMIT %lld",
                  otw_ch_read_table(st->ch, "files", t, sizeof(t)),
                  (long long)(limit > 0 ? limit : 1));
    rc = q.oom ? OTW_ENOMEM : otw_chc_query(st->ch->c, q.p, recent_row, &c, err);
    otw_sb_free(&q);
    return rc;
}
