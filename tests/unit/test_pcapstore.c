/*
 * test_pcapstore.c - pcapstore/: rotation by size and by time, file names,
 * the bytes as written (read back with capture/reader.c), retention by
 * directory size with the deletions recorded in the store, and write
 * errors: files that cannot grow (RLIMIT_FSIZE makes write(2) fail with
 * EFBIG without root) must not crash anything, must leave whole-record
 * files, and capture goes on in new files. The real disk-full case (a
 * small tmpfs, root only) is in tests/test_pcap.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fnmatch.h>
#include <signal.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "capture/reader.h"
#include "pcapstore/pcapstore.h"
#include "store/store.h"

/* 2024-05-01 12:00:00 UTC */
#define T0 1714564800000000LL

struct tmp {
    char dir[256];
    char pk[300];
    char db[300];
};

static void tmp_make(struct tmp *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/otw-ps-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->pk, sizeof(t->pk), "%s/packets", t->dir);
    snprintf(t->db, sizeof(t->db), "%s/t.db", t->dir);
}

static void tmp_rm(struct tmp *t)
{
    char cmd[400];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

static void quiet(void *ctx, const char *msg)
{
    int *n = ctx;

    (*n)++;
    (void)msg;
}

/* A record of `len` bytes whose content says its number. */
static void make_rec(struct otw_rec *r, uint8_t *buf, uint32_t len, uint32_t i, int64_t ts)
{
    for (uint32_t k = 0; k < len; k++)
        buf[k] = (uint8_t)(i * 7 + k);
    memcpy(buf, &i, 4);
    memset(r, 0, sizeof(*r));
    r->ts_us = ts;
    r->caplen = len;
    r->len = len + 4;
    r->linktype = OTW_LT_ETHERNET;
    r->data = buf;
}

struct files {
    char name[64][256];
    int n;
    uint64_t bytes;
};

static int name_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void list_files(const char *dir, struct files *f)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[600];
    struct stat sb;

    memset(f, 0, sizeof(*f));
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        assert_true(f->n < 64);
        snprintf(f->name[f->n++], sizeof(f->name[0]), "%s", e->d_name);
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_int_equal(stat(path, &sb), 0);
        f->bytes += (uint64_t)sb.st_size;
    }
    closedir(d);
    qsort(f->name, (size_t)f->n, sizeof(f->name[0]), name_cmp);
}

/* Reads a file back: every record whole, numbered, with its time. Returns
 * the number of records; *first gets the first record's number. */
static int read_back(const char *dir, const char *name, uint32_t *first, int64_t *first_ts)
{
    char path[600];
    struct otw_err err;
    struct otw_rec rec;
    struct otw_reader *r;
    int n = 0, rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    r = otw_reader_open(path, NULL, NULL, &err);
    assert_non_null(r);
    assert_string_equal(otw_reader_format(r), "pcap");
    while ((rc = otw_reader_next(r, &rec, &err)) == 1) {
        uint32_t i;
        memcpy(&i, rec.data, 4);
        if (n == 0) {
            *first = i;
            *first_ts = rec.ts_us;
        }
        assert_int_equal(rec.len, rec.caplen + 4);
        assert_int_equal(rec.linktype, OTW_LT_ETHERNET);
        for (uint32_t k = 4; k < rec.caplen; k++)
            assert_int_equal(rec.data[k], (uint8_t)(i * 7 + k));
        n++;
    }
    assert_int_equal(rc, 0);    /* a clean end: no partial record */
    otw_reader_free(r);
    return n;
}

struct rows {
    int n, deleted;
    char path[128][1024];
    bool del[128];
};

static int on_row(void *ctx, const struct otw_pcapfile *f)
{
    struct rows *r = ctx;

    if (r->n < 128) {
        snprintf(r->path[r->n], sizeof(r->path[0]), "%s", f->path);
        r->del[r->n] = f->deleted_us != 0;
    }
    r->n++;
    if (f->deleted_us != 0)
        r->deleted++;
    return 0;
}

static void load_rows(const char *db, struct rows *r)
{
    struct otw_err err;
    struct otw_store *st = otw_store_open(db, true, &err);

    memset(r, 0, sizeof(*r));
    assert_non_null(st);
    assert_int_equal(otw_store_pcapfiles_between(st, INT64_MIN, INT64_MAX, NULL, true, on_row, r,
                                                 &err),
                     0);
    otw_store_close(st);
}

/* ---- tests --------------------------------------------------------------- */

static void test_rotation_by_size_and_names(void **state)
{
    struct tmp t;
    struct otw_pcapstore_opts o;
    struct otw_pcapstore_stats s;
    struct otw_err err;
    struct otw_pcapstore *ps;
    struct files f;
    struct rows rows;
    static uint8_t buf[2000];
    struct otw_rec r;
    int logs = 0, total = 0;
    uint32_t expect = 0;

    (void)state;
    tmp_make(&t);
    memset(&o, 0, sizeof(o));
    o.max_file_bytes = 100 * 1000;
    o.min_free_bytes = 1;
    o.log = quiet;
    o.log_ctx = &logs;
    ps = otw_pcapstore_open(t.pk, &o, t.db, "plant 1", &err);
    assert_non_null(ps);
    otw_pcapstore_tick(ps, T0);
    for (uint32_t i = 0; i < 500; i++) {
        make_rec(&r, buf, 1000, i, T0 + (int64_t)i * 1000);
        assert_int_equal(otw_pcapstore_write(ps, "eth0", &r), 0);
    }
    otw_pcapstore_get_stats(ps, &s);
    assert_int_equal(s.packets, 500);
    assert_int_equal(s.lost_packets, 0);
    assert_int_equal(otw_pcapstore_close(ps, &err), 0);

    /* 500 records of 1016 bytes in files of at most 100 kB: 6 files of 98
     * records, named after the capture point, interface, time and number. */
    list_files(t.pk, &f);
    assert_int_equal(f.n, 6);
    for (int i = 0; i < f.n; i++) {
        uint32_t first = 0;
        int64_t ts = 0;
        char path[600];
        struct stat sb;
        int n;

        assert_int_equal(fnmatch("plant_1-eth0-20240501-120000-[0-9]*.pcap", f.name[i], 0), 0);
        snprintf(path, sizeof(path), "%s/%s", t.pk, f.name[i]);
        assert_int_equal(stat(path, &sb), 0);
        assert_true(sb.st_size <= 100 * 1000);
        n = read_back(t.pk, f.name[i], &first, &ts);
        total += n;
        (void)ts;
        (void)first;
    }
    assert_int_equal(total, 500);
    /* In creation order the records continue where the last file stopped. */
    load_rows(t.db, &rows);
    assert_int_equal(rows.n, 6);
    assert_int_equal(rows.deleted, 0);
    for (int i = 0; i < rows.n; i++) {
        uint32_t first = 0;
        int64_t ts = 0;
        const char *base = strrchr(rows.path[i], '/') + 1;
        int n = read_back(t.pk, base, &first, &ts);
        assert_int_equal(first, expect);
        assert_int_equal(ts, T0 + (int64_t)first * 1000);
        expect += (uint32_t)n;
    }
    assert_int_equal(logs, 0);
    tmp_rm(&t);
}

static void test_rotation_by_time(void **state)
{
    struct tmp t;
    struct otw_pcapstore_opts o;
    struct otw_err err;
    struct otw_pcapstore *ps;
    struct files f;
    struct rows rows;
    static uint8_t buf[200];
    struct otw_rec r;
    int logs = 0;

    (void)state;
    tmp_make(&t);
    memset(&o, 0, sizeof(o));
    o.max_file_secs = 60;
    o.min_free_bytes = 1;
    o.log = quiet;
    o.log_ctx = &logs;
    ps = otw_pcapstore_open(t.pk, &o, t.db, NULL, &err);
    assert_non_null(ps);
    otw_pcapstore_tick(ps, T0);
    /* One packet a second for 150 s, a tick each second: files of 60 s. */
    for (uint32_t i = 0; i < 150; i++) {
        int64_t now = T0 + (int64_t)i * 1000000;
        otw_pcapstore_tick(ps, now);
        make_rec(&r, buf, 100, i, now);
        assert_int_equal(otw_pcapstore_write(ps, "eth1", &r), 0);
        make_rec(&r, buf, 100, i, now);
        r.linktype = OTW_LT_RAW;        /* another stream: its own files */
        assert_int_equal(otw_pcapstore_write(ps, "eth1", &r), 0);
    }
    assert_int_equal(otw_pcapstore_close(ps, &err), 0);
    list_files(t.pk, &f);
    assert_int_equal(f.n, 6);   /* 3 per link type: 0-59, 60-119, 120-149 */
    assert_int_equal(fnmatch("otw-eth1-20240501-120000-*.pcap", f.name[0], 0), 0);
    assert_int_equal(fnmatch("otw-eth1-20240501-120100-*.pcap", f.name[2], 0), 0);
    assert_int_equal(fnmatch("otw-eth1-20240501-120200-*.pcap", f.name[4], 0), 0);
    load_rows(t.db, &rows);
    assert_int_equal(rows.n, 6);
    tmp_rm(&t);
}

static void test_retention_by_dir_size(void **state)
{
    struct tmp t;
    struct otw_pcapstore_opts o;
    struct otw_pcapstore_stats s;
    struct otw_err err;
    struct otw_pcapstore *ps;
    struct files f;
    struct rows rows;
    static uint8_t buf[2000];
    struct otw_rec r;
    int logs = 0;

    (void)state;
    tmp_make(&t);
    memset(&o, 0, sizeof(o));
    o.max_file_bytes = 64 * 1024;
    o.dir_limit_bytes = 300 * 1000;
    o.min_free_bytes = 1;
    o.log = quiet;
    o.log_ctx = &logs;
    ps = otw_pcapstore_open(t.pk, &o, t.db, "p", &err);
    assert_non_null(ps);
    for (uint32_t i = 0; i < 2000; i++) {
        make_rec(&r, buf, 1000, i, T0 + (int64_t)i * 10000);
        assert_int_equal(otw_pcapstore_write(ps, "eth0", &r), 0);
        if (i % 50 == 0)
            otw_pcapstore_tick(ps, T0 + (int64_t)i * 10000);
    }
    otw_pcapstore_tick(ps, T0 + 30000000);
    otw_pcapstore_get_stats(ps, &s);
    assert_true(s.files_deleted > 0);
    assert_true(s.dir_bytes <= 300 * 1000);
    assert_int_equal(otw_pcapstore_close(ps, &err), 0);
    list_files(t.pk, &f);
    assert_true(f.bytes <= 300 * 1000);
    load_rows(t.db, &rows);
    assert_int_equal(rows.n - rows.deleted, f.n);
    assert_int_equal((uint64_t)rows.deleted, s.files_deleted);
    for (int i = 0; i < rows.n && i < 128; i++)
        assert_int_equal(access(rows.path[i], F_OK) == 0, !rows.del[i]);
    /* The newest packets are the ones kept. */
    {
        uint32_t first = 0;
        int64_t ts = 0;
        int n = read_back(t.pk, f.name[f.n - 1], &first, &ts);
        assert_int_equal(first + (uint32_t)n, 2000);
    }

    /* Reopened, the store knows the old files and keeps to the limit. */
    o.dir_limit_bytes = 100 * 1000;
    ps = otw_pcapstore_open(t.pk, &o, t.db, "p", &err);
    assert_non_null(ps);
    otw_pcapstore_tick(ps, T0 + 40000000);
    assert_int_equal(otw_pcapstore_close(ps, &err), 0);
    list_files(t.pk, &f);
    assert_true(f.bytes <= 100 * 1000);
    load_rows(t.db, &rows);
    assert_int_equal(rows.n - rows.deleted, f.n);
    tmp_rm(&t);
}

static void test_write_errors(void **state)
{
    struct tmp t;
    struct otw_pcapstore_opts o;
    struct otw_pcapstore_stats s;
    struct otw_err err;
    struct otw_pcapstore *ps;
    struct files f;
    struct rows rows;
    struct rlimit old, lim;
    static uint8_t buf[2000];
    struct otw_rec r;
    int logs = 0;

    (void)state;
    tmp_make(&t);
    memset(&o, 0, sizeof(o));
    o.max_file_bytes = 64ull << 20;       /* files would grow past the limit below */
    o.dir_limit_bytes = 20ull << 20;      /* files of at most 5 MB, the directory 20 MB */
    o.min_free_bytes = 1;
    o.log = quiet;
    o.log_ctx = &logs;
    ps = otw_pcapstore_open(t.pk, &o, t.db, "p", &err);
    assert_non_null(ps);
    /* No file may grow past 4 MB: write(2) fails with EFBIG (SIGXFSZ
     * ignored), as it would fail with ENOSPC on a full disk. */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 4u << 20;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (uint32_t i = 0; i < 40000; i++) {
        make_rec(&r, buf, 1000, i, T0 + (int64_t)i * 1000);
        (void)otw_pcapstore_write(ps, "eth0", &r);
        if (i % 500 == 0)
            otw_pcapstore_tick(ps, T0 + (int64_t)i * 1000000);
    }
    otw_pcapstore_tick(ps, T0 + 50000LL * 1000000);
    otw_pcapstore_get_stats(ps, &s);
    (void)otw_pcapstore_close(ps, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);

    assert_true(s.write_errors > 0);
    assert_true(logs > 0);
    assert_true(logs < 200);            /* said per episode, not per packet */
    assert_true(s.files_deleted > 0);   /* the 20 MB limit kept working */
    assert_int_equal(s.packets + s.lost_packets, 40000);
    /* Every file left is whole (records end where the file ends) and the
     * store knows which files are gone. */
    list_files(t.pk, &f);
    assert_true(f.n > 0);
    assert_true(f.bytes <= 20ull << 20);
    for (int i = 0; i < f.n; i++) {
        uint32_t first = 0;
        int64_t ts = 0;
        assert_true(read_back(t.pk, f.name[i], &first, &ts) > 0);
    }
    load_rows(t.db, &rows);
    assert_int_equal(rows.n - rows.deleted, f.n);
    assert_true((uint64_t)rows.deleted >= s.files_deleted);
    for (int i = 0; i < rows.n && i < 128; i++)
        assert_int_equal(access(rows.path[i], F_OK) == 0, !rows.del[i]);
    tmp_rm(&t);
}

static int64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Live capture: the writer thread holds the database's write lock most of
 * the time. Writing packets, rolling files and ticking must not wait for it;
 * the rows arrive once the lock is free. */
static void test_db_locked_does_not_block(void **state)
{
    struct tmp t;
    struct otw_pcapstore_opts o;
    struct otw_err err;
    struct otw_pcapstore *ps;
    struct otw_store *writer;
    struct rows rows;
    struct files f;
    static uint8_t buf[2000];
    struct otw_rec r;
    int logs = 0;
    int64_t t0, took;

    (void)state;
    tmp_make(&t);
    memset(&o, 0, sizeof(o));
    o.max_file_bytes = 64 * 1024;
    o.min_free_bytes = 1;
    o.update_secs = 1;
    o.log = quiet;
    o.log_ctx = &logs;
    ps = otw_pcapstore_open(t.pk, &o, t.db, "p", &err);
    assert_non_null(ps);
    writer = otw_store_open(t.db, false, &err);
    assert_non_null(writer);
    assert_int_equal(otw_store_txn_begin(writer, &err), 0);     /* BEGIN IMMEDIATE: the lock */
    t0 = mono_us();
    for (uint32_t i = 0; i < 1000; i++) {
        make_rec(&r, buf, 1000, i, T0 + (int64_t)i * 100000);
        assert_int_equal(otw_pcapstore_write(ps, "eth0", &r), 0);
        if (i % 10 == 0)
            otw_pcapstore_tick(ps, T0 + (int64_t)i * 100000);
    }
    took = mono_us() - t0;
    assert_true(took < 500000);     /* 16 files rolled, 100 ticks: no waiting */
    assert_int_equal(otw_store_txn_commit(writer, &err), 0);
    otw_store_close(writer);
    assert_int_equal(otw_pcapstore_close(ps, &err), 0);
    list_files(t.pk, &f);
    load_rows(t.db, &rows);
    assert_int_equal(rows.n, f.n);
    assert_int_equal(rows.deleted, 0);
    assert_int_equal(logs, 0);
    tmp_rm(&t);
}

static void test_bad_dir(void **state)
{
    struct otw_err err;

    (void)state;
    assert_null(otw_pcapstore_open("/proc/otw-no/such", NULL, NULL, NULL, &err));
    assert_non_null(strstr(err.msg, "packet directory"));
    assert_int_equal(otw_pcapstore_close(NULL, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation_by_size_and_names),
        cmocka_unit_test(test_rotation_by_time),
        cmocka_unit_test(test_retention_by_dir_size),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_db_locked_does_not_block),
        cmocka_unit_test(test_bad_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
