/*
 * cmd_import.c - `otwatch import`: capture files -> sessions in the store.
 *
 * Per file: hash it (a file already imported is skipped unless --force),
 * open it, and run the packet path (reader -> decode -> filter -> flow) on
 * this thread while the writer thread stores the records, all inside one
 * store transaction per file. A damaged file keeps what was read before the
 * fault; the other files go on; the exit status says whether any failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "capture/filter.h"
#include "capture/reader.h"
#include "cli/cli.h"
#include "core/config.h"
#include "core/timeutil.h"
#include "detect/detect.h"
#include "detect/schedule.h"
#include "flow/pipeline.h"
#include "store/store.h"
#include "store/writer.h"

#define MAX_FILES 100000
#define HASH_WINDOW (8 << 20)

struct opts {
    const char *db;
    const char *copy_dir;   /* --copy: keep a copy of each file there and reference it */
    const char *point;
    bool force;
    bool quiet;
    int progress;       /* -1 auto (terminal), 0 off, 1 on */
    struct otw_flow_config flow;
    struct otw_filter *filter;
    struct detection *det;  /* NULL: --no-detect or detect.enabled = no */
};

/* Detection: one engine for the run, loaded again after a file's share of
 * the alerts was taken out (--force) or a file failed to store. */
struct detection {
    struct otw_config *cfg;
    struct otw_detect *d;
    bool reload;
    bool off;           /* the remote store could not be read: none this run */
    uint64_t opened, updated;
};

struct totals {
    int files_ok, files_skipped, files_failed;
    uint64_t packets, sessions, bytes;
    int64_t t0_us;
};

struct file_run {
    const char *path;
    int index, nfiles;
    struct otw_writer *writer;
    struct otw_pipeline *pl;
    uint64_t packets;
    int64_t first_us, last_us;
    int64_t file_size;
    const struct opts *o;
    const struct totals *tot;
    int64_t next_progress_us;
    bool progress_shown;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch import [OPTIONS] FILE|DIR...\n"
            "\n"
            "Reads capture files (pcap, pcapng, also gzip-compressed) into the database as\n"
            "sessions. Directories are searched recursively for *.pcap, *.pcapng, *.cap\n"
            "(and the same with .gz). A file already imported (same content) is skipped.\n"
            "\n"
            "options:\n"
            "  --db PATH            database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --point NAME         capture point the files were taken at, e.g. control-sw1\n"
            "  --filter F           a BPF expression (as tcpdump takes) or a preset (see\n"
            "                       'otwatch filters'); several --filter are ANDed\n"
            "  --force              import files again even if already imported\n"
            "  --copy DIR           keep a copy of each file in DIR and reference the copy\n"
            "                       (default: reference the file where it is, for otwatch pcap)\n"
            "  --tcp-timeout SEC    TCP idle timeout (default 600)\n"
            "  --udp-timeout SEC    UDP idle timeout (default 120)\n"
            "  --other-timeout SEC  ICMP and other protocols idle timeout (default 60)\n"
            "  --max-session SEC    longer sessions are stored in segments (default 3600)\n"
            "  --max-sessions N     sessions held in memory at once (default 1000000)\n"
            "  --no-parsers         do not identify or parse application protocols\n"
            "  --config FILE        settings file: plant.timezone, plant.networks, asset,\n"
            "                       detect.*, alert.* (default " OTW_DEFAULT_CONFIG " when it\n"
            "                       exists; docs/ALERTS.md)\n"
            "  --no-detect          store sessions only: no baseline learning, no alerts\n"
            "  --progress, --no-progress\n"
            "                       progress line (default: when stderr is a terminal)\n"
            "  -q, --quiet          only errors and the summary line\n"
            "  -h, --help           this text\n"
            "\n"
            "Every session also goes past the baseline and the detectors: while the baseline\n"
            "learns ('otwatch baseline mode'), imports teach it what is normal; once it\n"
            "protects, what is not normal raises alerts ('otwatch alerts').\n"
            "\n"
            "Exit status: 0 all files read (or already imported), 1 some input failed,\n"
            "2 usage error.\n");
}

/* --- progress and messages --------------------------------------------------- */

static void progress_clear(struct file_run *fr)
{
    if (fr != NULL && fr->progress_shown) {
        fputs("\r\033[K", stderr);
        fr->progress_shown = false;
    }
}

static void progress(struct file_run *fr, uint64_t pos)
{
    int64_t now = otw_now_us();
    double secs = (double)(now - fr->tot->t0_us) / 1e6;
    uint64_t pk = fr->tot->packets + fr->packets;
    char a[32], b[32], c[32];
    const char *name = strrchr(fr->path, '/') ? strrchr(fr->path, '/') + 1 : fr->path;

    fr->next_progress_us = now + 250000;
    fprintf(stderr, "\r\033[K[%d/%d] %.40s %3.0f%%  %s packets  %s sessions  %s pkt/s",
            fr->index, fr->nfiles, name,
            fr->file_size > 0 ? 100.0 * (double)pos / (double)fr->file_size : 0.0,
            otw_fmt_si((double)pk, a, sizeof(a)),
            otw_fmt_si((double)(fr->tot->sessions + otw_writer_sessions(fr->writer)), b,
                       sizeof(b)),
            otw_fmt_si(secs > 0 ? (double)pk / secs : 0, c, sizeof(c)));
    fflush(stderr);
    fr->progress_shown = true;
}

static void reader_warn(void *ctx, const char *path, uint64_t offset, const char *msg)
{
    struct file_run *fr = ctx;

    progress_clear(fr);
    fprintf(stderr, "otwatch import: %s: offset %llu: warning: %s\n", path,
            (unsigned long long)offset, msg);
}

/* --- notes from the packet path --------------------------------------------------- */

static void pipeline_note(void *ctx, const struct otw_rec *rec, int note, const char *detail)
{
    struct file_run *fr = ctx;

    if (note == OTW_NOTE_MALFORMED && fr->o->quiet)
        return;
    progress_clear(fr);
    if (note == OTW_NOTE_LINKTYPE)
        fprintf(stderr,
                "otwatch import: %s: packet %llu at offset %llu: link type %s is not "
                "decoded; its packets are counted but make no sessions\n",
                fr->path, (unsigned long long)rec->index, (unsigned long long)rec->offset, detail);
    else
        fprintf(stderr,
                "otwatch import: %s: packet %llu at offset %llu: malformed (%s); "
                "counted as far as it could be read\n",
                fr->path, (unsigned long long)rec->index, (unsigned long long)rec->offset, detail);
}

/* --- files ------------------------------------------------------------------------ */

/* XXH3-128 of the file's bytes. mmap rather than read: the file is about to
 * be read again by the reader, and hashing from the page cache without a
 * copy costs a fraction of a second per gigabyte. */
static int hash_file(const char *path, uint8_t out[16], int64_t *size, struct otw_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    int rc = OTW_EIO;
    XXH128_canonical_t c;
    void *map = MAP_FAILED;
    XXH3_state_t *h = NULL;

    if (fd < 0) {
        otw_err_set(err, -1, "%s: cannot open: %s", path, strerror(errno));
        return OTW_EIO;
    }
    if (fstat(fd, &sb) != 0) {
        otw_err_set(err, -1, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(sb.st_mode)) {
        otw_err_set(err, -1, "%s: is a directory", path);
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        otw_err_set(err, -1, "%s: not a regular file (pipes and devices cannot be imported)",
                    path);
        goto out;
    }
    *size = sb.st_size;
    if (sb.st_size == 0) {
        XXH128_canonicalFromHash(&c, XXH3_128bits("", 0));
        memcpy(out, c.digest, 16);
        rc = 0;
        goto out;
    }
    /* In windows, so the mapping never holds much of a large file. */
    h = XXH3_createState();
    if (h == NULL || XXH3_128bits_reset(h) != XXH_OK) {
        otw_err_set(err, -1, "out of memory");
        goto out;
    }
    for (off_t off = 0; off < sb.st_size; off += HASH_WINDOW) {
        size_t len = (size_t)OTW_MIN((off_t)HASH_WINDOW, sb.st_size - off);
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, off);
        if (map == MAP_FAILED) {
            otw_err_set(err, -1, "%s: cannot map: %s", path, strerror(errno));
            goto out;
        }
        madvise(map, len, MADV_SEQUENTIAL | MADV_WILLNEED);
        XXH3_128bits_update(h, map, len);
        munmap(map, len);
        map = MAP_FAILED;
    }
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(h));
    memcpy(out, c.digest, 16);
    rc = 0;
out:
    XXH3_freeState(h);
    close(fd);
    return rc;
}

/* --copy: copies `path` into `dir` (a new name if one is taken) so the
 * database references a file that stays where otwatch keeps its packets. */
static int copy_in(const char *path, const char *dir, char *out, size_t outlen,
                   struct otw_err *err)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int in = -1, fd = -1, rc = OTW_EIO;
    char buf[1 << 16];

    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        otw_err_set(err, -1, "%s: cannot create: %s", dir, strerror(errno));
        return OTW_EIO;
    }
    for (int n = 0; n < 1000 && fd < 0; n++) {
        if (n == 0)
            snprintf(out, outlen, "%s/%s", dir, base);
        else
            snprintf(out, outlen, "%s/%d-%s", dir, n, base);
        fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0 && errno != EEXIST) {
            otw_err_set(err, -1, "%s: cannot create: %s", out, strerror(errno));
            return OTW_EIO;
        }
    }
    if (fd < 0) {
        otw_err_set(err, -1, "%s: no free name for a copy of %s", dir, path);
        return OTW_EIO;
    }
    in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        otw_err_set(err, -1, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf)), w = 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            otw_err_set(err, -1, "%s: read error: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        while (w < n) {
            ssize_t k = write(fd, buf + w, (size_t)(n - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                otw_err_set(err, -1, "%s: write error: %s", out, strerror(errno));
                goto out;
            }
            w += k;
        }
    }
    if (fsync(fd) != 0) {
        otw_err_set(err, -1, "%s: %s", out, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (in >= 0)
        close(in);
    close(fd);
    if (rc != 0)
        unlink(out);
    return rc;
}

static int import_file(struct otw_store *st, const struct opts *o, const char *path, int index,
                       int nfiles, struct totals *tot)
{
    char copied[1024];      /* = sizeof(otw_file_info.path) */
    struct otw_file_info info;
    struct otw_err err;
    struct otw_reader *r = NULL;
    struct file_run fr;
    struct otw_rec rec;
    struct otw_pipeline_stats ps;
    int rc, status = OTW_FILE_COMPLETE, found;
    int64_t t0 = otw_now_us();
    char a[32], b[32];
    bool show_progress;

    otw_err_clear(&err);
    memset(&info, 0, sizeof(info));
    memset(&fr, 0, sizeof(fr));
    if (hash_file(path, info.hash, &info.size, &err) != 0) {
        fprintf(stderr, "otwatch import: %s\n", err.msg);
        tot->files_failed++;
        return 1;
    }
    found = otw_store_file_find(st, info.hash, &info, &err);
    if (found < 0) {
        fprintf(stderr, "otwatch import: %s\n", err.msg);
        tot->files_failed++;
        return 1;
    }
    if (found == 1) {
        bool finished = info.status == OTW_FILE_COMPLETE || info.status == OTW_FILE_DAMAGED;
        if (finished && !o->force) {
            char when[32];
            if (!o->quiet)
                printf("%s: already imported (%s, %s, %llu sessions) on %s; --force imports "
                       "it again\n",
                       path, info.path, otw_file_status_name(info.status),
                       (unsigned long long)info.sessions,
                       otw_time_format_short(info.imported_at_us, when, sizeof(when)));
            tot->files_skipped++;
            return 0;
        }
        if (o->det != NULL && !o->det->off) {
            if (otw_store_alerts_forget_file(st, info.id, &err) != 0) {
                fprintf(stderr, "otwatch import: %s\n", err.msg);
                tot->files_failed++;
                return 1;
            }
            o->det->reload = true;
        }
        if (otw_store_file_forget(st, info.id, &err) != 0) {
            fprintf(stderr, "otwatch import: %s\n", err.msg);
            tot->files_failed++;
            return 1;
        }
    }

    if (o->copy_dir != NULL) {
        if (copy_in(path, o->copy_dir, copied, sizeof(copied), &err) != 0) {
            fprintf(stderr, "otwatch import: %s\n", err.msg);
            tot->files_failed++;
            return 1;
        }
        path = copied;
    }
    fr.path = path;
    fr.index = index;
    fr.nfiles = nfiles;
    fr.o = o;
    fr.tot = tot;
    fr.file_size = info.size;
    r = otw_reader_open(path, reader_warn, &fr, &err);
    if (r == NULL) {
        fprintf(stderr, "otwatch import: %s\n", err.msg);
        tot->files_failed++;
        return 1;
    }

    {
        uint8_t hash[16];
        int64_t size = info.size;
        memcpy(hash, info.hash, 16);
        memset(&info, 0, sizeof(info));
        memcpy(info.hash, hash, 16);
        info.size = size;
    }
    snprintf(info.path, sizeof(info.path), "%s", path);
    snprintf(info.point, sizeof(info.point), "%s", o->point ? o->point : "");
    snprintf(info.format, sizeof(info.format), "%s", otw_reader_format(r));
    if (otw_store_file_begin(st, &info, &err) != 0) {
        fprintf(stderr, "otwatch import: %s\n", err.msg);
        otw_reader_free(r);
        tot->files_failed++;
        return 1;
    }
    {
        int64_t point_id = 0;
        if (o->point && otw_store_point_id(st, o->point, &point_id, &err) != 0) {
            fprintf(stderr, "otwatch import: %s\n", err.msg);
            otw_reader_free(r);
            tot->files_failed++;
            return 1;
        }
        if (o->det != NULL && !o->det->off && (o->det->d == NULL || o->det->reload)) {
            otw_detect_free(o->det->d);
            o->det->reload = false;
            if ((o->det->d = otw_detect_new(st, o->det->cfg, &err)) == NULL &&
                otw_store_remote_get()->uri[0] != '\0') {
                /* The remote store cannot be read (a server or a shard is
                 * away): store the sessions (the spool keeps them) rather
                 * than refuse the capture, and say loudly what is missed. */
                fprintf(stderr,
                        "otwatch import: WARNING: detection is OFF for this run: %s. Sessions "
                        "are still stored; nothing is judged against the baseline and no "
                        "alerts are raised for these files\n",
                        err.msg);
                o->det->off = true;
            } else if (o->det->d == NULL) {
                fprintf(stderr, "otwatch import: detection: %s\n", err.msg);
                otw_store_file_abort(st);
                otw_reader_free(r);
                tot->files_failed++;
                return 1;
            }
        }
        if (o->det != NULL && o->det->d != NULL)
            otw_detect_set_file(o->det->d, info.id);
        fr.writer = otw_writer_start(st, info.id, point_id, &err);
        if (fr.writer != NULL && o->det != NULL && o->det->d != NULL)
            otw_writer_set_detect(fr.writer, o->det->d);
    }
    if (fr.writer != NULL)
        fr.pl = otw_pipeline_new(&o->flow, o->filter, fr.writer, pipeline_note, &fr);
    if (fr.writer == NULL || fr.pl == NULL) {
        fprintf(stderr, "otwatch import: %s: out of memory\n", path);
        exit(1);
    }

    show_progress = o->progress == 1 || (o->progress == -1 && !o->quiet && isatty(2));
    fr.next_progress_us = t0 + 500000;
    otw_err_clear(&err);
    while ((rc = otw_reader_next(r, &rec, &err)) == 1) {
        fr.packets++;
        if (OTW_UNLIKELY(fr.packets == 1))
            fr.first_us = fr.last_us = rec.ts_us;
        if (rec.ts_us < fr.first_us)
            fr.first_us = rec.ts_us;
        if (rec.ts_us > fr.last_us)
            fr.last_us = rec.ts_us;
        otw_pipeline_packet(fr.pl, &rec);
        if (OTW_UNLIKELY((fr.packets & 0xffff) == 0)) {
            if (otw_stop)
                break;
            if (show_progress && otw_now_us() >= fr.next_progress_us)
                progress(&fr, otw_reader_file_pos(r));
        }
    }
    progress_clear(&fr);
    if (fr.o->filter != NULL) {
        const char *w = otw_filter_take_warning(fr.o->filter);
        if (w != NULL)
            fprintf(stderr, "otwatch import: %s: warning: %s\n", path, w);
    }
    if (rc < 0) {
        status = OTW_FILE_DAMAGED;
        fprintf(stderr, "otwatch import: %s\n", err.msg);
        fprintf(stderr,
                "otwatch import: %s: kept the %llu packets read before the fault\n", path,
                (unsigned long long)fr.packets);
        snprintf(info.error, sizeof(info.error), "%s", err.msg);
    } else if (otw_stop) {
        status = OTW_FILE_INTERRUPTED;
        snprintf(info.error, sizeof(info.error), "interrupted after %llu packets",
                 (unsigned long long)fr.packets);
    }
    otw_pipeline_flush(fr.pl);
    otw_pipeline_get_stats(fr.pl, &ps);
    info.sessions = otw_writer_sessions(fr.writer);
    rc = otw_writer_finish(fr.writer, &err);
    fr.writer = NULL;
    if (rc == 0 && o->det != NULL && o->det->d != NULL) {
        /* alerts commit with the file */
        struct otw_detect_stats ds0, ds1;
        otw_detect_get_stats(o->det->d, &ds0);
        otw_detect_finish(o->det->d);
        rc = otw_detect_save(o->det->d, st, &err);
        otw_detect_get_stats(o->det->d, &ds1);
        o->det->opened += ds1.alerts_opened - ds0.alerts_opened;
        o->det->updated += ds1.alerts_updated - ds0.alerts_updated;
    }
    info.status = status;
    info.packets = fr.packets;
    info.first_us = fr.first_us;
    info.last_us = fr.last_us;
    snprintf(info.format, sizeof(info.format), "%s", otw_reader_format(r));
    if (rc != 0 || otw_store_file_end(st, &info, &err) != 0) {
        /* The store failed (disk full, ...): the file's transaction is rolled
         * back; what was stored before this file stays. */
        otw_store_file_abort(st);
        if (o->det != NULL)
            o->det->reload = true;  /* its alerts were rolled back with the file */
        fprintf(stderr, "otwatch import: %s: not stored: %s\n", path, err.msg);
        tot->files_failed++;
        status = -1;
    }
    if (!o->quiet && status >= 0) {
        double secs = (double)(otw_now_us() - t0) / 1e6;
        printf("%s: %s, %llu packets, %llu sessions%s%s in %.2f s (%s pkt/s)", path,
               otw_reader_format(r), (unsigned long long)fr.packets,
               (unsigned long long)info.sessions, status == OTW_FILE_DAMAGED ? ", DAMAGED" : "",
               status == OTW_FILE_INTERRUPTED ? ", INTERRUPTED" : "", secs,
               otw_fmt_si(secs > 0 ? (double)fr.packets / secs : 0, a, sizeof(a)));
        if (ps.filtered)
            printf(", %llu filtered out", (unsigned long long)ps.filtered);
        if (ps.malformed)
            printf(", %llu malformed", (unsigned long long)ps.malformed);
        if (ps.unsupported)
            printf(", %llu of an unsupported link type", (unsigned long long)ps.unsupported);
        if (ps.flow.evicted)
            printf(", %llu sessions written early (--max-sessions reached)",
                   (unsigned long long)ps.flow.evicted);
        if (otw_reader_warnings(r))
            printf(", %llu warnings", (unsigned long long)otw_reader_warnings(r));
        printf("\n");
        OTW_UNUSED(b);
    }
    tot->packets += fr.packets;
    if (status >= 0)
        tot->sessions += info.sessions;
    tot->bytes += (uint64_t)info.size;
    if (status == OTW_FILE_COMPLETE)
        tot->files_ok++;
    else if (status >= 0)
        tot->files_failed++;
    otw_pipeline_free(fr.pl);
    otw_reader_free(r);
    return status == OTW_FILE_COMPLETE ? 0 : 1;
}

/* --- arguments ------------------------------------------------------------------ */

struct pathlist {
    char **v;
    size_t n, cap;
};

static int pl_add(struct pathlist *pl, const char *p)
{
    if (pl->n == MAX_FILES)
        return -1;
    if (pl->n == pl->cap) {
        size_t nc = pl->cap ? pl->cap * 2 : 64;
        char **nv = realloc(pl->v, nc * sizeof(*nv));
        if (nv == NULL)
            return -1;
        pl->v = nv;
        pl->cap = nc;
    }
    if ((pl->v[pl->n] = strdup(p)) == NULL)
        return -1;
    pl->n++;
    return 0;
}

static bool capture_name(const char *name)
{
    static const char *const ext[] = {".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz",
                                      ".cap.gz", ".dmp"};
    size_t n = strlen(name);

    for (size_t i = 0; i < OTW_ARRAY_LEN(ext); i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strcasecmp(name + n - e, ext[i]) == 0)
            return true;
    }
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, struct pathlist *pl, int depth)
{
    DIR *d;
    struct dirent *e;
    struct pathlist local = {0};
    int rc = 0;

    if (depth > 32)
        return 0;
    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "otwatch import: %s: cannot read directory: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        char p[4096];
        struct stat sb;

        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= sizeof(p))
            continue;
        if (stat(p, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode) || (S_ISREG(sb.st_mode) && capture_name(e->d_name)))
            pl_add(&local, p);
    }
    closedir(d);
    if (local.n)
        qsort(local.v, local.n, sizeof(*local.v), cmp_str);
    for (size_t i = 0; i < local.n; i++) {
        struct stat sb;
        if (stat(local.v[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            if (walk(local.v[i], pl, depth + 1) != 0)
                rc = -1;
        } else if (pl_add(pl, local.v[i]) != 0) {
            rc = -1;
        }
        free(local.v[i]);
    }
    free(local.v);
    return rc;
}

static int parse_secs(const char *s, int64_t *out_us)
{
    char *end;
    double v = strtod(s, &end);

    if (end == s || *end != '\0' || v <= 0 || v > 365.0 * 86400)
        return -1;
    *out_us = (int64_t)(v * 1e6);
    return 0;
}

int otw_cmd_import(int argc, char **argv)
{
    enum { O_DB = 256, O_POINT, O_FILTER, O_FORCE, O_TCP, O_UDP, O_OTHER, O_MAXLEN, O_MAXFLOWS,
           O_PROGRESS, O_NOPROGRESS, O_NOPARSE, O_COPY, O_CONFIG, O_NODETECT };
    static const struct option lo[] = {
        {"db", required_argument, NULL, O_DB},
        {"point", required_argument, NULL, O_POINT},
        {"filter", required_argument, NULL, O_FILTER},
        {"force", no_argument, NULL, O_FORCE},
        {"tcp-timeout", required_argument, NULL, O_TCP},
        {"udp-timeout", required_argument, NULL, O_UDP},
        {"other-timeout", required_argument, NULL, O_OTHER},
        {"max-session", required_argument, NULL, O_MAXLEN},
        {"max-sessions", required_argument, NULL, O_MAXFLOWS},
        {"progress", no_argument, NULL, O_PROGRESS},
        {"no-progress", no_argument, NULL, O_NOPROGRESS},
        {"no-parsers", no_argument, NULL, O_NOPARSE},
        {"copy", required_argument, NULL, O_COPY},
        {"config", required_argument, NULL, O_CONFIG},
        {"no-detect", no_argument, NULL, O_NODETECT},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o;
    struct otw_err err;
    struct pathlist pl = {0};
    struct otw_store *st = NULL;
    struct totals tot;
    struct detection det;
    const char *config = NULL;
    bool no_detect = false;
    int c, status = 0;
    char a[32], b[32];

    memset(&o, 0, sizeof(o));
    memset(&tot, 0, sizeof(tot));
    memset(&det, 0, sizeof(det));
    o.db = otw_cli_default_db();
    o.progress = -1;
    otw_flow_config_default(&o.flow);
    o.flow.parse_apps = true;
    o.filter = otw_filter_new();
    if (o.filter == NULL)
        return 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
        switch (c) {
        case O_DB: o.db = optarg; break;
        case O_POINT:
            if (optarg[0] == '\0' || strlen(optarg) > 100) {
                fprintf(stderr, "otwatch import: --point needs a name of 1 to 100 characters\n");
                return 2;
            }
            o.point = optarg;
            break;
        case O_FILTER:
            if (otw_filter_add(o.filter, optarg, &err) != 0) {
                fprintf(stderr, "otwatch import: %s\n", err.msg);
                otw_filter_free(o.filter);
                return 2;
            }
            break;
        case O_FORCE: o.force = true; break;
        case O_TCP:
        case O_UDP:
        case O_OTHER:
        case O_MAXLEN: {
            int64_t *dst = c == O_TCP ? &o.flow.tcp_idle_us
                           : c == O_UDP ? &o.flow.udp_idle_us
                           : c == O_OTHER ? &o.flow.other_idle_us
                                          : &o.flow.max_len_us;
            if (parse_secs(optarg, dst) != 0) {
                fprintf(stderr, "otwatch import: '%s' is not a number of seconds\n", optarg);
                return 2;
            }
            break;
        }
        case O_MAXFLOWS: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 100000000) {
                fprintf(stderr, "otwatch import: --max-sessions takes 1 to 100000000\n");
                return 2;
            }
            o.flow.max_flows = (uint32_t)v;
            break;
        }
        case O_PROGRESS: o.progress = 1; break;
        case O_NOPROGRESS: o.progress = 0; break;
        case O_NOPARSE: o.flow.parse_apps = false; break;
        case O_COPY: o.copy_dir = optarg; break;
        case O_CONFIG: config = optarg; break;
        case O_NODETECT: no_detect = true; break;
        case 'q': o.quiet = true; break;
        case 'h': usage(stdout); otw_filter_free(o.filter); return 0;
        default: usage(stderr); otw_filter_free(o.filter); return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "otwatch import: no capture file or directory given\n\n");
        usage(stderr);
        otw_filter_free(o.filter);
        return 2;
    }
    if (!otw_filter_active(o.filter)) {
        otw_filter_free(o.filter);
        o.filter = NULL;
    }
    /* settings: the plant's time zone and networks, names, detection, outputs */
    if ((det.cfg = otw_config_new()) == NULL ||
        otw_config_load(det.cfg, config ? config : OTW_DEFAULT_CONFIG, config != NULL,
                        &err) != 0) {
        fprintf(stderr, "otwatch import: %s\n", det.cfg ? err.msg : "out of memory");
        otw_config_free(det.cfg);
        otw_filter_free(o.filter);
        return 2;
    }
    if (otw_plant_tz_set(otw_config_get(det.cfg, "plant.timezone"), &err) != 0) {
        fprintf(stderr, "otwatch import: %s: plant.timezone: %s\n",
                otw_config_where(det.cfg, "plant.timezone"), err.msg);
        otw_config_free(det.cfg);
        otw_filter_free(o.filter);
        return 2;
    }
    {
        struct otw_detect_config dc;
        otw_detect_config_default(&dc);
        if (otw_detect_config_load(&dc, det.cfg, &err) != 0) {
            fprintf(stderr, "otwatch import: %s\n", err.msg);
            otw_config_free(det.cfg);
            otw_filter_free(o.filter);
            return 2;
        }
        if (!no_detect && dc.enabled)
            o.det = &det;
    }
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            if (walk(argv[i], &pl, 0) != 0)
                status = 1;
        } else if (pl_add(&pl, argv[i]) != 0) {
            fprintf(stderr, "otwatch import: too many files (at most %d)\n", MAX_FILES);
            status = 1;
        }
    }
    st = otw_store_open(o.db, false, &err);
    if (st == NULL) {
        fprintf(stderr, "otwatch import: %s\n", err.msg);
        status = 1;
        goto out;
    }
    {
        size_t nops;    /* --filter ot-operational: the approved operational flows */
        if (otw_filter_load_baseline(o.filter, st, &nops, &err) != 0) {
            fprintf(stderr, "otwatch import: %s\n", err.msg);
            status = 1;
            goto out;
        }
        if (otw_filter_needs_baseline(o.filter) && nops == 0)
            fprintf(stderr, "otwatch import: warning: --filter ot-operational: the baseline has "
                            "no approved operational communication: nothing is left out\n");
    }
    otw_signals_install();
    tot.t0_us = otw_now_us();
    for (size_t i = 0; i < pl.n && !otw_stop; i++)
        if (import_file(st, &o, pl.v[i], (int)i + 1, (int)pl.n, &tot) != 0)
            status = 1;
    {
        double secs = (double)(otw_now_us() - tot.t0_us) / 1e6;
        printf("imported %d file%s", tot.files_ok, tot.files_ok == 1 ? "" : "s");
        if (tot.files_skipped)
            printf(", %d already imported", tot.files_skipped);
        if (tot.files_failed)
            printf(", %d with errors", tot.files_failed);
        printf(": %llu packets, %llu sessions in %.2f s (%s packets/s, %s) into %s%s%s\n",
               (unsigned long long)tot.packets, (unsigned long long)tot.sessions, secs,
               otw_fmt_si(secs > 0 ? (double)tot.packets / secs : 0, a, sizeof(a)),
               otw_fmt_bytes(tot.bytes, b, sizeof(b)), o.db, o.point ? " at point " : "",
               o.point ? o.point : "");
        if (otw_stop)
            printf("stopped by a signal: files not reached were not imported\n");
        if (o.det != NULL && (det.opened || det.updated) && !o.quiet)
            printf("alerts: %llu new, %llu updated ('otwatch alerts --db %s' lists them)\n",
                   (unsigned long long)det.opened, (unsigned long long)det.updated, o.db);
    }
out:
    otw_detect_free(det.d);
    otw_config_free(det.cfg);
    otw_store_close(st);
    otw_filter_free(o.filter);
    for (size_t i = 0; i < pl.n; i++)
        free(pl.v[i]);
    free(pl.v);
    return status;
}
