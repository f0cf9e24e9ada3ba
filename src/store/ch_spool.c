/*
 * ch_spool.c - batching of ClickHouse inserts and the spool that keeps
 * batches while the server cannot take them (issue 8).
 *
 * Every writer of the backend adds RowBinary rows with otw_ch_batch_add().
 * A table's batch goes out as one INSERT into DB.T_local of the server in
 * the URL when it holds clickhouse.batch_rows rows or its oldest row is
 * about a second old, at the end of a file, at a live commit and at close.
 *
 * When the server is unreachable (OTW_EIO) or answers an error a retry may
 * fix (too many parts, memory, timeouts, missing schema ...), the batch is
 * written to the spool directory instead: one file per batch, written to a
 * hidden temporary name, fsync'd and renamed, so a crash leaves either the
 * whole file or none. File names sort oldest first:
 *
 *     DIR/<wall time us, 20 digits>-<pid>-<seq>-<table>.otwb
 *
 *     OTWSPOOL 1\n
 *     table sessions\n             the table, without _local
 *     columns start, start_us, ...\n
 *     rows 123\n
 *     bytes 45678\n
 *     xxh3 0123456789abcdef\n      XXH3-64 of the body
 *     \n
 *     <body: the RowBinary rows>
 *
 * Every later flush first sends what the spool holds, oldest first, and
 * stops at the first failure. A file that cannot be read back (truncated,
 * damaged, or refused by the server as bad data) is moved to DIR/damaged/
 * with a message naming it: it never blocks the files behind it. The spool
 * holds at most clickhouse.spool_max_mb; beyond that a batch is dropped,
 * counted, and a loud warning goes to stderr once a minute.
 *
 * Sending a batch twice is safe: every table written here is a
 * ReplacingMergeTree whose key is made from the row's origin (ch_int.h),
 * so a batch that did land before its answer was lost replaces itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "store/ch_int.h"

#define SPOOL_MAGIC "OTWSPOOL 1\n"
#define SPOOL_EXT ".otwb"
#define BATCH_AGE_US 1000000            /* about a second of data per insert */
#define LOUD_EVERY_US (60 * 1000000LL)  /* a full spool says so once a minute */
#define BACKOFF_MIN_US 1000000LL        /* after a failed send, wait before the next try */
#define BACKOFF_MAX_US 30000000LL
#define DRAIN_BUDGET_US 1000000LL       /* spool sent at most this long per flush */

/* The spool's state in a handle (ch->priv[0]; freed by otw_ch_writes_done). */
struct spool {
    bool warned;            /* this outage's warning was given */
    bool checked;           /* the spool was looked at once (files of earlier runs) */
    int64_t retry_at_us;    /* monotonic: no send before this after a failure */
    int64_t backoff_us;
    uint32_t seq;           /* file names of this process */
    uint64_t spooled_rows, dropped_rows, drained_batches;
    int64_t last_loud_us;
};

static int64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct spool *spool_of(struct otw_ch *ch)
{
    if (ch->priv[0] == NULL)
        ch->priv[0] = calloc(1, sizeof(struct spool));
    return ch->priv[0];
}

/* The server's error code in an error message ("... Code: 252, ..."), or -1. */
static int error_code(const char *msg)
{
    const char *p = strstr(msg, "Code: ");

    return p != NULL ? atoi(p + 6) : -1;
}

/* Whether sending the same batch again later may work. Unreachable: yes.
 * An answer that says the rows themselves are wrong: no (it never will). */
static bool retryable(int rc, const struct otw_err *err)
{
    static const int bad_data[] = {
        6, 16, 26, 27, 32, 33, 38, 41, 47, 53, 62, 69, 70, 72, 73, 117, 130, 131, 158,
    };
    int code;

    if (rc == OTW_EIO)
        return true;
    if (rc != OTW_ESTORE)
        return false;
    code = error_code(err->msg);
    for (size_t i = 0; i < OTW_ARRAY_LEN(bad_data); i++)
        if (code == bad_data[i])
            return false;
    return true;
}

/* The names of a column list: "a UInt8, b Array(String)" -> "a, b" (a
 * list of names only stays as it is). */
static void column_names(const char *cols, struct otw_sb *out)
{
    int depth = 0;
    bool in_name = true, first = true;

    otw_sb_reset(out);
    for (const char *p = cols; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        if (depth == 0 && *p == ',') {
            in_name = true;
            first = true;
            otw_sb_add(out, ", ", 2);
            continue;
        }
        if (!in_name || depth > 0)
            continue;
        if (*p == ' ') {
            if (!first)
                in_name = false;    /* the name ended: its type follows */
            continue;
        }
        first = false;
        otw_sb_add(out, p, 1);
    }
    otw_sb_add(out, "", 1);
    out->len--;
}

/* --- spool files ------------------------------------------------------------------- */

static int mkdir_p(const char *dir, struct otw_err *err)
{
    char p[1024];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof(p)) {
        otw_err_set(err, -1, "spool directory '%s': bad path", dir);
        return OTW_EINVAL;
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            otw_err_set(err, -1, "spool directory %s: %s", p, strerror(errno));
            return OTW_EIO;
        }
        p[i] = dir[i];
    }
    return 0;
}

static bool is_spool_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > strlen(SPOOL_EXT) &&
           strcmp(name + n - strlen(SPOOL_EXT), SPOOL_EXT) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The spool's batch files, sorted oldest first (names: time first), and
 * their total size. *names NULL when there are none. */
static int spool_list(const char *dir, char ***names, size_t *n, int64_t *bytes)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0;

    *names = NULL;
    *n = 0;
    *bytes = 0;
    if (d == NULL)
        return errno == ENOENT ? 0 : OTW_EIO;
    while ((e = readdir(d)) != NULL) {
        char path[2048];
        struct stat sb;

        if (!is_spool_name(e->d_name))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (*n == cap) {
            char **nn = realloc(*names, (cap ? cap * 2 : 64) * sizeof(char *));
            if (nn == NULL)
                break;
            *names = nn;
            cap = cap ? cap * 2 : 64;
        }
        if (((*names)[*n] = strdup(e->d_name)) == NULL)
            break;
        (*n)++;
        *bytes += sb.st_size;
    }
    closedir(d);
    if (*n > 1)
        qsort(*names, *n, sizeof(char *), cmp_names);
    return 0;
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes one batch file (temporary name, fsync, rename). */
static int spool_write_file(struct otw_ch *ch, struct spool *sp, const char *table,
                            const char *columns, const void *body, size_t len, size_t nrows,
                            int64_t *file_bytes, struct otw_err *err)
{
    char name[256], tmp[1400], path[1400];
    struct otw_sb h = {0};
    int fd, rc = 0;

    snprintf(name, sizeof(name), "%020lld-%ld-%06u-%s" SPOOL_EXT, (long long)wall_us(),
             (long)getpid(), (unsigned)sp->seq++, table);
    snprintf(path, sizeof(path), "%s/%s", ch->spool_dir, name);
    snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", ch->spool_dir, name);
    otw_sb_printf(&h, SPOOL_MAGIC "table %s\ncolumns %s\nrows %zu\nbytes %zu\nxxh3 %016llx\n\n",
                  table, columns, nrows, len, (unsigned long long)XXH3_64bits(body, len));
    if (h.oom) {
        otw_sb_free(&h);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    *file_bytes = (int64_t)(h.len + len);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write_all(fd, h.p, h.len) != 0 || write_all(fd, body, len) != 0 ||
        fsync(fd) != 0) {
        otw_err_set(err, -1, "spool file %s: %s", tmp, strerror(errno));
        rc = OTW_EIO;
    }
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        otw_err_set(err, -1, "spool file %s: %s", tmp, strerror(errno));
        rc = OTW_EIO;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        otw_err_set(err, -1, "spool file %s: %s", path, strerror(errno));
        rc = OTW_EIO;
    }
    if (rc != 0)
        unlink(tmp);
    else
        fsync_dir(ch->spool_dir);
    otw_sb_free(&h);
    return rc;
}

/* Rows that could go nowhere: counted, and said loudly once a minute. */
static void drop_loudly(struct otw_ch *ch, struct spool *sp, const char *table, size_t nrows,
                        const char *why)
{
    int64_t now = mono_us();

    sp->dropped_rows += nrows;
    ch->spool_full_drops += nrows;
    if (sp->last_loud_us != 0 && now - sp->last_loud_us < LOUD_EVERY_US)
        return;
    sp->last_loud_us = now;
    fprintf(stderr,
            "otwatch: WARNING: DATA LOST: %zu %s rows could not be sent to ClickHouse nor kept"
            " in the spool %s (%s); %llu rows lost so far. Start the server or run `otwatch"
            " store drain` to empty the spool, or raise clickhouse.spool_max_mb\n",
            nrows, table, ch->spool_dir, why, (unsigned long long)sp->dropped_rows);
}

/* Keeps a batch that could not be sent. 0 when it is in the spool or was
 * dropped (loudly) for lack of room: the writer goes on either way. */
static int spool_batch(struct otw_ch *ch, const char *table, const char *columns,
                       const void *body, size_t len, size_t nrows, const struct otw_err *cause)
{
    struct spool *sp = spool_of(ch);
    struct otw_err e;
    char **names;
    size_t n;
    int64_t used, fbytes;
    char why[300];

    if (sp == NULL)
        return OTW_ENOMEM;
    if (!sp->warned) {
        sp->warned = true;
        fprintf(stderr,
                "otwatch: warning: %s: keeping what is written in the spool %s until the"
                " server takes it (every later write tries again; `otwatch store drain`"
                " sends it now)\n",
                cause->msg, ch->spool_dir);
    }
    if (mkdir_p(ch->spool_dir, &e) != 0) {
        drop_loudly(ch, sp, table, nrows, e.msg);
        return 0;
    }
    if (spool_list(ch->spool_dir, &names, &n, &used) != 0) {
        snprintf(why, sizeof(why), "cannot read the directory: %s", strerror(errno));
        drop_loudly(ch, sp, table, nrows, why);
        return 0;
    }
    names_free(names, n);
    if (used + (int64_t)len + 512 > ch->cfg.spool_max_bytes) {
        snprintf(why, sizeof(why), "the spool is full: %lld of %lld MB",
                 (long long)(used >> 20), (long long)(ch->cfg.spool_max_bytes >> 20));
        drop_loudly(ch, sp, table, nrows, why);
        return 0;
    }
    if (spool_write_file(ch, sp, table, columns, body, len, nrows, &fbytes, &e) != 0) {
        drop_loudly(ch, sp, table, nrows, e.msg);
        return 0;
    }
    ch->spooled_batches++;
    sp->spooled_rows += nrows;
    return 0;
}

/* Moves a spool file that cannot be sent to DIR/damaged/ and says why. */
static void set_aside(struct otw_ch *ch, const char *name, const char *why)
{
    char from[1400], dir[1100], to[1400];
    struct otw_err e;

    snprintf(from, sizeof(from), "%s/%s", ch->spool_dir, name);
    snprintf(dir, sizeof(dir), "%s/damaged", ch->spool_dir);
    snprintf(to, sizeof(to), "%s/%s", dir, name);
    if (mkdir_p(dir, &e) != 0 || rename(from, to) != 0) {
        fprintf(stderr,
                "otwatch: error: spool file %s: %s; it could not be moved aside (%s): remove"
                " it by hand\n",
                from, why, strerror(errno));
        return;
    }
    fprintf(stderr, "otwatch: error: spool file %s: %s; moved to %s (not sent)\n", from, why,
            to);
}

/* A spool file read back and checked. */
struct spooled {
    char table[64];
    char *columns;          /* points into buf */
    const uint8_t *body;
    size_t len, nrows;
    char *buf;
};

static bool name_ok(const char *s, bool list)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || (list && (*s == ',' || *s == ' '))))
            return false;
    return true;
}

/* Reads a header line "key value\n" at *p; returns the value (NUL-terminated in place). */
static char *header_line(char **p, char *end, const char *key)
{
    size_t kl = strlen(key);
    char *nl, *v;

    if ((size_t)(end - *p) <= kl || memcmp(*p, key, kl) != 0 || (*p)[kl] != ' ')
        return NULL;
    v = *p + kl + 1;
    nl = memchr(v, '\n', (size_t)(end - v));
    if (nl == NULL)
        return NULL;
    *nl = '\0';
    *p = nl + 1;
    return v;
}

/* 0, or OTW_EFORMAT with why filled. Columns and table are written into
 * SQL, so only names are accepted. */
static int spool_read(const char *path, struct spooled *s, char *why, size_t wlen)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    char *p, *end, *v, *endp;
    unsigned long long sum;

    memset(s, 0, sizeof(*s));
    if (f == NULL || fstat(fileno(f), &sb) != 0) {
        snprintf(why, wlen, "cannot read it: %s", strerror(errno));
        if (f != NULL)
            fclose(f);
        return errno == ENOENT ? OTW_ENOTFOUND : OTW_EIO;
    }
    if ((s->buf = malloc((size_t)sb.st_size + 1)) == NULL ||
        fread(s->buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
        snprintf(why, wlen, "cannot read it: %s", s->buf ? strerror(errno) : "out of memory");
        fclose(f);
        free(s->buf);
        s->buf = NULL;
        return OTW_EIO;
    }
    fclose(f);
    s->buf[sb.st_size] = '\0';
    p = s->buf;
    end = s->buf + sb.st_size;
    if ((size_t)sb.st_size < strlen(SPOOL_MAGIC) ||
        memcmp(p, SPOOL_MAGIC, strlen(SPOOL_MAGIC)) != 0) {
        snprintf(why, wlen, "not an otwatch spool file (no '%.10s' header)", SPOOL_MAGIC);
        goto bad;
    }
    p += strlen(SPOOL_MAGIC);
    if ((v = header_line(&p, end, "table")) == NULL || !name_ok(v, false) ||
        strlen(v) >= sizeof(s->table)) {
        snprintf(why, wlen, "damaged header (table)");
        goto bad;
    }
    snprintf(s->table, sizeof(s->table), "%s", v);
    if ((s->columns = header_line(&p, end, "columns")) == NULL || !name_ok(s->columns, true)) {
        snprintf(why, wlen, "damaged header (columns)");
        goto bad;
    }
    if ((v = header_line(&p, end, "rows")) == NULL ||
        (s->nrows = strtoull(v, &endp, 10), *endp != '\0')) {
        snprintf(why, wlen, "damaged header (rows)");
        goto bad;
    }
    if ((v = header_line(&p, end, "bytes")) == NULL ||
        (s->len = strtoull(v, &endp, 10), *endp != '\0')) {
        snprintf(why, wlen, "damaged header (bytes)");
        goto bad;
    }
    if ((v = header_line(&p, end, "xxh3")) == NULL ||
        (sum = strtoull(v, &endp, 16), *endp != '\0') || p >= end || *p != '\n') {
        snprintf(why, wlen, "damaged header (checksum)");
        goto bad;
    }
    p++;
    if ((size_t)(end - p) != s->len) {
        snprintf(why, wlen, "truncated or damaged: %zu bytes of rows where the header says %zu",
                 (size_t)(end - p), s->len);
        goto bad;
    }
    s->body = (const uint8_t *)p;
    if (XXH3_64bits(s->body, s->len) != sum) {
        snprintf(why, wlen, "damaged: the rows do not match their checksum");
        goto bad;
    }
    return 0;
bad:
    free(s->buf);
    s->buf = NULL;
    return OTW_EFORMAT;
}

/* Sends the spool oldest first; stops at the first failure (rc, err).
 * wait: wait for another process draining the same spool (else skip).
 * budget_us > 0: stop after about that long (the rest goes at the next
 * flush), so a writer catching up on a large spool does not stall the
 * capture behind it. */
static int drain(struct otw_ch *ch, bool wait, int64_t budget_us, uint64_t *sent,
                 uint64_t *left, struct otw_err *err)
{
    int64_t t0 = mono_us();
    struct spool *sp = spool_of(ch);
    char **names = NULL, lockpath[1100];
    size_t n = 0, i;
    int64_t bytes;
    int lock = -1, rc = 0;

    *sent = *left = 0;
    if (sp == NULL)
        return OTW_ENOMEM;
    if (spool_list(ch->spool_dir, &names, &n, &bytes) != 0) {
        otw_err_set(err, -1, "spool %s: %s", ch->spool_dir, strerror(errno));
        return OTW_EIO;
    }
    if (n == 0)
        goto out;
    /* Two processes draining one spool would both send a file (harmless,
     * the rows replace themselves) but race on removing it. */
    snprintf(lockpath, sizeof(lockpath), "%s/.lock", ch->spool_dir);
    lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
        *left = n;
        goto out;
    }
    for (i = 0; i < n; i++) {
        struct spooled s;

        if (budget_us > 0 && i > 0 && mono_us() - t0 >= budget_us)
            break;
        char path[1400], why[300], table[160];
        int r;

        snprintf(path, sizeof(path), "%s/%s", ch->spool_dir, names[i]);
        r = spool_read(path, &s, why, sizeof(why));
        if (r == OTW_ENOTFOUND)
            continue;           /* sent by another process meanwhile */
        if (r != 0) {
            set_aside(ch, names[i], why);
            continue;
        }
        r = otw_chc_insert_rowbinary(ch->c, otw_ch_write_table(ch, s.table, table, sizeof(table)),
                                     s.columns, s.body, s.len, err);
        free(s.buf);
        if (r != 0 && !retryable(r, err)) {
            set_aside(ch, names[i], err->msg);
            continue;
        }
        if (r != 0) {
            rc = r;
            break;
        }
        unlink(path);
        (*sent)++;
        sp->drained_batches++;
    }
    *left = n - i;
out:
    if (lock >= 0)
        close(lock);
    names_free(names, n);
    return rc;
}

/* --- batches ------------------------------------------------------------------------ */

static struct otw_ch_batch *batch_of(struct otw_ch *ch, const char *table, const char *columns)
{
    struct otw_ch_batch *b;

    for (size_t i = 0; i < ch->nbatches; i++)
        if (strcmp(ch->batches[i].table, table) == 0)
            return &ch->batches[i];
    b = realloc(ch->batches, (ch->nbatches + 1) * sizeof(*b));
    if (b == NULL)
        return NULL;
    ch->batches = b;
    b = &ch->batches[ch->nbatches++];
    memset(b, 0, sizeof(*b));
    b->table = table;
    b->columns = columns;
    return b;
}

/* Sends the spool, then the batch; on a failure a retry may fix, spools
 * the batch. The batch is empty afterwards. */
static int send_batch(struct otw_ch *ch, struct otw_ch_batch *b, struct otw_err *err)
{
    struct spool *sp = spool_of(ch);
    struct otw_err e;
    char table[160];
    uint64_t sent = 0, left = 0;
    struct otw_sb names = {0};
    int rc = 0;

    if (b->nrows == 0)
        return 0;
    column_names(b->columns, &names);
    if (sp == NULL || names.oom) {
        otw_sb_free(&names);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    otw_err_clear(&e);
    if (sp->retry_at_us != 0 && mono_us() < sp->retry_at_us) {
        /* the server failed a moment ago: do not wait for it again yet */
        otw_err_set(&e, -1, "clickhouse: not answering");
        rc = OTW_EIO;
    } else {
        if (!sp->checked || sp->warned || ch->spooled_batches > 0) {
            rc = drain(ch, false, DRAIN_BUDGET_US, &sent, &left, &e);
            sp->checked = true;
        }
        if (rc == 0)
            rc = otw_chc_insert_rowbinary(ch->c,
                                          otw_ch_write_table(ch, b->table, table, sizeof(table)),
                                          names.p, b->rows.p, b->rows.len, &e);
        if (rc == 0) {
            if (sp->warned)
                fprintf(stderr,
                        "otwatch: clickhouse answers again: %llu batches of the spool %s sent"
                        "%s\n",
                        (unsigned long long)sent, ch->spool_dir,
                        left > 0 ? ", the rest follows with the next writes" : "");
            sp->warned = false;
            sp->retry_at_us = 0;
            sp->backoff_us = 0;
        } else if (retryable(rc, &e)) {
            sp->backoff_us = sp->backoff_us == 0 ? BACKOFF_MIN_US
                                                 : OTW_MIN(sp->backoff_us * 2, BACKOFF_MAX_US);
            sp->retry_at_us = mono_us() + sp->backoff_us;
        }
    }
    if (rc != 0 && retryable(rc, &e))
        rc = spool_batch(ch, b->table, names.p, b->rows.p, b->rows.len, b->nrows, &e);
    else if (rc != 0)
        otw_err_set(err, -1, "%s (%zu %s rows not stored)", e.msg, b->nrows, b->table);
    otw_sb_free(&names);
    otw_sb_reset(&b->rows);
    b->nrows = 0;
    b->first_add_us = 0;
    return rc;
}

int otw_ch_batch_add(struct otw_ch *ch, const char *table, const char *columns, const void *row,
                     size_t len, struct otw_err *err)
{
    struct otw_ch_batch *b;
    int64_t now = mono_us();

    if (ch->read_only) {
        otw_err_set(err, -1, "clickhouse: this store handle is read-only");
        return OTW_EINVAL;
    }
    if ((b = batch_of(ch, table, columns)) == NULL) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    if (b->nrows == 0)
        b->first_add_us = now;
    otw_sb_add(&b->rows, row, len);
    if (b->rows.oom) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    b->nrows++;
    if ((int64_t)b->nrows >= ch->cfg.batch_rows || now - b->first_add_us >= BATCH_AGE_US)
        return send_batch(ch, b, err);
    return 0;
}

int otw_ch_flush(struct otw_ch *ch, struct otw_err *err)
{
    int rc = 0;

    /* The files table last: a file's row that says it is complete must
     * not be stored before its sessions (a crash in between would leave a
     * file that looks imported without them). */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ch->nbatches; i++) {
            struct otw_ch_batch *b = &ch->batches[i];
            int r;

            if ((strcmp(b->table, otw_ch_table_files.name) == 0) != (pass == 1))
                continue;
            r = send_batch(ch, b, err);
            if (r != 0 && rc == 0)
                rc = r;
        }
    }
    return rc;
}

/* Sends the batches whose oldest row is about a second old (a live commit). */
int otw_ch_flush_aged(struct otw_ch *ch, struct otw_err *err)
{
    int64_t now = mono_us();
    int rc = 0;

    for (size_t i = 0; i < ch->nbatches; i++) {
        struct otw_ch_batch *b = &ch->batches[i];
        if (b->nrows > 0 && now - b->first_add_us >= BATCH_AGE_US - 100000) {
            int r = send_batch(ch, b, err);
            if (r != 0 && rc == 0)
                rc = r;
        }
    }
    return rc;
}

void otw_ch_batches_discard(struct otw_ch *ch)
{
    for (size_t i = 0; i < ch->nbatches; i++) {
        otw_sb_reset(&ch->batches[i].rows);
        ch->batches[i].nrows = 0;
    }
}

int otw_ch_spool_drain(struct otw_ch *ch, uint64_t *sent, uint64_t *left, struct otw_err *err)
{
    return drain(ch, true, 0, sent, left, err);
}

void otw_ch_writes_done(struct otw_ch *ch)
{
    struct spool *sp = ch->priv[0];
    char **names;
    size_t n = 0;
    int64_t bytes;

    if (sp != NULL && ch->spooled_batches > 0 &&
        spool_list(ch->spool_dir, &names, &n, &bytes) == 0) {
        names_free(names, n);
        if (n > 0)
            fprintf(stderr,
                    "otwatch: warning: %zu batches (%lld KB) are waiting in the spool %s for"
                    " ClickHouse (the next write or `otwatch store drain` sends them)\n",
                    n, (long long)(bytes >> 10), ch->spool_dir);
    }
    if (sp != NULL && sp->dropped_rows > 0)
        fprintf(stderr,
                "otwatch: WARNING: DATA LOST: %llu rows were dropped: ClickHouse did not take"
                " them and the spool %s had no room\n",
                (unsigned long long)sp->dropped_rows, ch->spool_dir);
    /* priv[0]: this file's state; priv[1]: ch_sessions.c's */
    for (size_t i = 0; i < 2; i++) {
        free(ch->priv[i]);
        ch->priv[i] = NULL;
    }
}
