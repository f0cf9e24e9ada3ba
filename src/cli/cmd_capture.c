/*
 * cmd_capture.c - `otwatch capture`: live capture from one or more
 * interfaces (a switch mirror port) into the session store.
 *
 * The packet path is the one `otwatch import` uses (flow/pipeline.c); what
 * this file adds is the live part around it:
 *
 *   as root:   open the capture handles (capture/live.c), open the database
 *              and hand its files and the packet directory to the service
 *              user, then drop to that user;
 *   packet thread (this one): poll() the handles, every packet -> packet
 *              files (when --pcap-dir) -> pipeline; once a second the
 *              pipeline's clock ticks (idle sessions end, long ones are
 *              written as updates every 10 s); once a minute the kernel's
 *              counters are read, logged (a warning whenever packets were
 *              dropped) and handed to the statistics thread;
 *   writer thread (store/writer.c): sessions into the database, committed
 *              about once a second;
 *   statistics thread (here): capture statistics rows, on its own database
 *              handle so a commit of the writer never stalls the packet thread.
 *
 * SIGINT/SIGTERM: the handles are drained and closed, every session is
 * flushed, the writer finishes, exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "api/api.h"
#include "capture/filter.h"
#include "capture/live.h"
#include "cli/cli.h"
#include "core/config.h"
#include "detect/detect.h"
#include "detect/schedule.h"
#include "core/timeutil.h"
#include "flow/pipeline.h"
#include "pcapstore/pcapstore.h"
#include "otw_version.h"
#include "store/store.h"
#include "store/writer.h"

#define MAX_IFACES 16
#define MAX_FILTERS 8
#define READ_BUDGET 8192            /* packets per handle per round, so no interface starves */
#define TICK_US 1000000
#define DEFAULT_CONFIG "/etc/otwatch/otwatch.conf"

struct copts {
    char *ifaces[MAX_IFACES];
    int nifaces;
    char *filters[MAX_FILTERS];
    int nfilters;
    char *db, *point, *pcap_dir, *user, *config;
    char *serve, *tls_cert, *tls_key;   /* --serve: the web interface in this process */
    uint32_t buffer_mb;
    bool no_parsers, quiet, no_detect;
    struct otw_config *settings;    /* plant.*, asset, detect.*, alert.*: for detection */
    int verbose;
    int stats_interval_s;
    uint64_t pcap_file_mb, pcap_limit_mb, pcap_min_free_mb;   /* 0: pcapstore's defaults */
    int64_t pcap_file_secs;
};

struct iface {
    struct otw_live *live;
    const char *name;
    uint64_t packets;               /* read by us */
    uint64_t recv, drop, ifdrop;    /* kernel counters at the last statistics */
    uint64_t packets_last;
    int64_t stats_last_us;
};

/* Hands statistics rows to the statistics thread; the latest rows win if
 * the thread is still busy with the previous ones (the counters are totals,
 * so only a point of history is lost). */
struct statq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct otw_capstat rows[MAX_IFACES];
    int n;
    bool pending, done;
    struct otw_store *st;
    pthread_t thread;
    bool started;
    uint64_t failures;
};

struct run {
    struct copts *o;
    struct iface ifs[MAX_IFACES];
    int nifs;
    struct otw_filter *filter;
    struct otw_pipeline *pl;
    struct otw_writer *writer;
    struct statq sq;
    int64_t started_us;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch capture -i IFACE [-i IFACE2 ...] [OPTIONS]\n"
            "\n"
            "Captures live from network interfaces (a switch mirror port) into the database.\n"
            "Sessions appear within seconds; long ones are written every 10 s while they last.\n"
            "Run as root: the interfaces are opened, then otwatch drops to an unprivileged user.\n"
            "Stops on SIGINT/SIGTERM (Ctrl-C), writing out every session first.\n"
            "\n"
            "options:\n"
            "  -i, --interface IFACE  interface to capture on (repeat for several)\n"
            "  --filter F             a BPF expression (as tcpdump takes) or a preset (see\n"
            "                         'otwatch filters'); several --filter are ANDed\n"
            "  --db PATH              database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --point NAME           name of this capture point, e.g. control-sw1\n"
            "  --pcap-dir DIR         also keep every packet in rolling pcap files in DIR\n"
            "  --pcap-file-size MB    start a new packet file at this size (default 1024)\n"
            "  --pcap-file-time SEC   start a new packet file after this long (default 3600)\n"
            "  --pcap-dir-limit MB    delete the oldest packet files above this total\n"
            "                         (default: no limit but the free-disk floor)\n"
            "  --pcap-min-free MB     delete the oldest packet files to keep this much disk\n"
            "                         free (default: 1 GB or 5%% of the disk, the smaller)\n"
            "  --buffer MB            kernel capture buffer per interface (default 64)\n"
            "  --user USER            user to run as after opening the interfaces (default:\n"
            "                         otwatch if that user exists, else nobody; root: keep root)\n"
            "  --config FILE          settings file (default: " DEFAULT_CONFIG
            " when present);\n"
            "                         options given here override it\n"
            "  --no-parsers           do not identify or parse application protocols\n"
            "  --no-detect            no baseline learning, no alerts (docs/ALERTS.md)\n"
            "  --stats-interval SEC   how often capture statistics are stored and checked\n"
            "                         (default 60)\n"
            "  --serve [ADDR:PORT]    also serve the web interface, as 'otwatch serve'\n"
            "                         (default 127.0.0.1:8005; beyond loopback only with TLS\n"
            "                         and an admin user)\n"
            "  --tls-cert FILE        --serve: TLS certificate (PEM)\n"
            "  --tls-key FILE         --serve: its private key (PEM)\n"
            "  -v, --verbose          log rates every interval even without drops\n"
            "  -q, --quiet            only warnings and errors\n"
            "  -h, --help             this text\n"
            "\n"
            "Exit status: 0 stopped by a signal with everything written, 1 a failure\n"
            "(interface, database), 2 usage or configuration error.\n");
}

/* --- logging ------------------------------------------------------------------------- */

static void logmsg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line per event to stderr, with the time (UTC): readable in a terminal
 * and in the journal alike. */
static void logmsg(const char *level, const char *fmt, ...)
{
    char t[32], line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s otwatch capture: %s%s\n", otw_time_format_short(otw_now_us(), t, sizeof(t)),
            level, line);
}

#define LOG(...) logmsg("", __VA_ARGS__)
#define WARN(...) logmsg("WARNING: ", __VA_ARGS__)
#define ERR(...) logmsg("error: ", __VA_ARGS__)

/* --- options and the configuration file ------------------------------------------------ */

static int set_str(char **dst, const char *v)
{
    char *c = strdup(v);

    if (c == NULL)
        return OTW_ENOMEM;
    free(*dst);
    *dst = c;
    return 0;
}

static void list_clear(char **v, int *n)
{
    for (int i = 0; i < *n; i++)
        free(v[i]);
    *n = 0;
}

static int list_add(char **v, int *n, int max, const char *s)
{
    if (*n >= max)
        return OTW_EINVAL;
    if ((v[*n] = strdup(s)) == NULL)
        return OTW_ENOMEM;
    (*n)++;
    return 0;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "on") || !strcmp(s, "1")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "off") || !strcmp(s, "0")) {
        *out = false;
        return true;
    }
    return false;
}

static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

/* Applies one setting (from the file or the command line); `where` names
 * its origin for messages. 0, or 2 (usage error, printed). */
static int apply(struct copts *o, const char *key, const char *val, const char *where)
{
    unsigned long n;
    bool b;
    int rc = 0;

    if (!strcmp(key, "interface")) {
        rc = list_add(o->ifaces, &o->nifaces, MAX_IFACES, val);
        if (rc != 0) {
            fprintf(stderr, "otwatch capture: %s: at most %d interfaces\n", where, MAX_IFACES);
            return 2;
        }
    } else if (!strcmp(key, "filter")) {
        rc = list_add(o->filters, &o->nfilters, MAX_FILTERS, val);
        if (rc != 0) {
            fprintf(stderr, "otwatch capture: %s: at most %d filters\n", where, MAX_FILTERS);
            return 2;
        }
    } else if (!strcmp(key, "db")) {
        rc = set_str(&o->db, val);
    } else if (!strcmp(key, "point")) {
        if (val[0] == '\0' || strlen(val) > 100) {
            fprintf(stderr, "otwatch capture: %s: point needs a name of 1 to 100 characters\n",
                    where);
            return 2;
        }
        rc = set_str(&o->point, val);
    } else if (!strcmp(key, "pcap-dir")) {
        rc = set_str(&o->pcap_dir, val);
    } else if (!strcmp(key, "user")) {
        rc = set_str(&o->user, val);
    } else if (!strcmp(key, "buffer")) {
        if (parse_uint(val, 1, 2047, &n) != 0) {
            fprintf(stderr, "otwatch capture: %s: buffer takes megabytes, 1 to 2047\n", where);
            return 2;
        }
        o->buffer_mb = (uint32_t)n;
    } else if (!strcmp(key, "stats-interval")) {
        if (parse_uint(val, 1, 3600, &n) != 0) {
            fprintf(stderr, "otwatch capture: %s: stats-interval takes 1 to 3600 seconds\n",
                    where);
            return 2;
        }
        o->stats_interval_s = (int)n;
    } else if (!strcmp(key, "pcap-file-size") || !strcmp(key, "pcap-dir-limit") ||
               !strcmp(key, "pcap-min-free")) {
        if (parse_uint(val, 1, 100000000, &n) != 0) {
            fprintf(stderr, "otwatch capture: %s: %s takes megabytes, 1 to 100000000\n", where,
                    key);
            return 2;
        }
        if (!strcmp(key, "pcap-file-size"))
            o->pcap_file_mb = n;
        else if (!strcmp(key, "pcap-dir-limit"))
            o->pcap_limit_mb = n;
        else
            o->pcap_min_free_mb = n;
    } else if (!strcmp(key, "pcap-file-time")) {
        if (parse_uint(val, 10, 86400 * 7, &n) != 0) {
            fprintf(stderr, "otwatch capture: %s: pcap-file-time takes 10 to 604800 seconds\n",
                    where);
            return 2;
        }
        o->pcap_file_secs = (int64_t)n;
    } else if (!strncmp(key, "plant.", 6) || !strncmp(key, "detect.", 7) ||
               !strncmp(key, "alert.", 6) || !strcmp(key, "asset")) {
        /* detection's settings, checked when the engine starts */
        if (o->settings == NULL && (o->settings = otw_config_new()) == NULL)
            rc = OTW_ENOMEM;
        else if (otw_config_set(o->settings, key, val, where) != 0)
            rc = OTW_ENOMEM;
    } else if (!strcmp(key, "store") || !strcmp(key, "node") ||
               !strncmp(key, "clickhouse.", 11) || !strncmp(key, "sensor.", 7)) {
        /* the remote store's settings: read for every command by main()
         * (otw_cli_store_setup, store_remote.h), which checks them */
    } else if (!strcmp(key, "parsers") || !strcmp(key, "quiet") || !strcmp(key, "verbose")) {
        if (!parse_bool(val, &b)) {
            fprintf(stderr, "otwatch capture: %s: %s takes yes or no\n", where, key);
            return 2;
        }
        if (!strcmp(key, "parsers"))
            o->no_parsers = !b;
        else if (!strcmp(key, "quiet"))
            o->quiet = b;
        else
            o->verbose = b;
    } else {
        fprintf(stderr, "otwatch capture: %s: unknown setting '%s'\n", where, key);
        return 2;
    }
    if (rc != 0) {
        fprintf(stderr, "otwatch capture: out of memory\n");
        return 1;
    }
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* `key = value` lines; blank lines and lines starting with # are skipped;
 * a value may be quoted with "..." (for filters with spaces, quotes are
 * optional: everything after '=' is the value). */
static int load_config(struct copts *o, const char *path, bool must_exist)
{
    FILE *f = fopen(path, "r");
    char line[4096], where[1200];
    int lineno = 0, rc = 0;

    if (f == NULL) {
        if (!must_exist && errno == ENOENT)
            return 0;
        fprintf(stderr, "otwatch capture: %s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *k, *v, *eq;
        size_t vl;

        lineno++;
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        if (strchr(line, '\n') == NULL && !feof(f)) {
            fprintf(stderr, "otwatch capture: %s: line too long\n", where);
            rc = 2;
            break;
        }
        k = trim(line);
        if (*k == '\0' || *k == '#')
            continue;
        eq = strchr(k, '=');
        if (eq == NULL) {
            fprintf(stderr, "otwatch capture: %s: expected 'key = value'\n", where);
            rc = 2;
            break;
        }
        *eq = '\0';
        k = trim(k);
        v = trim(eq + 1);
        vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v[vl - 1] = '\0';
            v++;
        }
        if ((rc = apply(o, k, v, where)) != 0)
            break;
    }
    fclose(f);
    return rc;
}

static void copts_free(struct copts *o)
{
    list_clear(o->ifaces, &o->nifaces);
    list_clear(o->filters, &o->nfilters);
    free(o->db);
    free(o->point);
    free(o->pcap_dir);
    free(o->user);
    free(o->config);
    free(o->serve);
    free(o->tls_cert);
    free(o->tls_key);
    otw_config_free(o->settings);
}

/* --- privileges ------------------------------------------------------------------------- */

struct target_user {
    char name[64];
    uid_t uid;
    gid_t gid;
    bool drop;      /* false: stay as we are (root by request, or not root at all) */
};

static int choose_user(const struct copts *o, struct target_user *tu)
{
    const char *name = o->user;
    struct passwd *pw;

    memset(tu, 0, sizeof(*tu));
    if (geteuid() != 0) {
        pw = getpwuid(geteuid());
        snprintf(tu->name, sizeof(tu->name), "%s", pw ? pw->pw_name : "?");
        if (name != NULL && strcmp(name, tu->name) != 0)
            WARN("not started as root: --user %s is ignored, running as %s", name, tu->name);
        return 0;
    }
    if (name == NULL)
        name = getpwnam("otwatch") != NULL ? "otwatch" : "nobody";
    pw = getpwnam(name);
    if (pw == NULL) {
        ERR("--user %s: no such user", name);
        return 2;
    }
    snprintf(tu->name, sizeof(tu->name), "%s", pw->pw_name);
    tu->uid = pw->pw_uid;
    tu->gid = pw->pw_gid;
    tu->drop = pw->pw_uid != 0;
    return 0;
}

static int give(const char *path, const struct target_user *tu, bool must_exist)
{
    if (!tu->drop)
        return 0;
    if (chown(path, tu->uid, tu->gid) != 0) {
        if (errno == ENOENT && !must_exist)
            return 0;
        ERR("%s: cannot hand over to user %s: %s", path, tu->name, strerror(errno));
        return -1;
    }
    return 0;
}

static int drop_privileges(const struct target_user *tu)
{
    if (!tu->drop)
        return 0;
    if (setgroups(1, &tu->gid) != 0 || setgid(tu->gid) != 0 || setuid(tu->uid) != 0) {
        ERR("cannot switch to user %s: %s", tu->name, strerror(errno));
        return -1;
    }
    /* Make sure there is no way back. */
    if (setuid(0) == 0 || geteuid() == 0) {
        ERR("switching to user %s did not drop root", tu->name);
        return -1;
    }
    return 0;
}

/* mkdir -p, as root, then the last directory is handed to the user. */
static int make_dirs(const char *path, mode_t mode)
{
    char buf[1024];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, mode) != 0 && errno != EEXIST)
                return -1;
            buf[i] = c;
        }
    }
    return 0;
}

/* --- the statistics thread ---------------------------------------------------------------- */

static void *stats_thread(void *arg)
{
    struct statq *q = arg;
    struct otw_capstat rows[MAX_IFACES];
    struct otw_err err;

    for (;;) {
        int n;

        pthread_mutex_lock(&q->mu);
        while (!q->pending && !q->done)
            pthread_cond_wait(&q->cv, &q->mu);
        if (!q->pending) {
            pthread_mutex_unlock(&q->mu);
            break;
        }
        n = q->n;
        memcpy(rows, q->rows, sizeof(rows[0]) * (size_t)n);
        q->pending = false;
        pthread_mutex_unlock(&q->mu);
        for (int i = 0; i < n; i++) {
            otw_err_clear(&err);
            if (otw_store_capstat_put(q->st, &rows[i], &err) != 0) {
                if (q->failures++ < 3)
                    WARN("capture statistics not stored: %s", err.msg);
            }
        }
    }
    return NULL;
}

static void stats_push(struct statq *q, const struct otw_capstat *rows, int n)
{
    pthread_mutex_lock(&q->mu);
    memcpy(q->rows, rows, sizeof(rows[0]) * (size_t)n);
    q->n = n;
    q->pending = true;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static void stats_finish(struct statq *q)
{
    if (!q->started)
        return;
    pthread_mutex_lock(&q->mu);
    q->done = true;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    q->started = false;
}

/* Reads every interface's counters, logs them (always when `force_log`,
 * else at -v or when something was dropped) and stores them. */
static void take_stats(struct run *r, int64_t now, bool force_log)
{
    struct otw_capstat rows[MAX_IFACES];
    struct otw_err err;
    int n = 0;

    for (int i = 0; i < r->nifs; i++) {
        struct iface *f = &r->ifs[i];
        uint64_t recv, drop, ifdrop, d_recv, d_drop, d_ifdrop, d_pk;
        double secs = (double)(now - f->stats_last_us) / 1e6;
        char a[32], b[32];

        otw_err_clear(&err);
        if (otw_live_stats(f->live, &recv, &drop, &ifdrop, &err) != 0) {
            WARN("%s", err.msg);
            continue;
        }
        d_recv = recv - f->recv;
        d_drop = drop - f->drop;
        d_ifdrop = ifdrop - f->ifdrop;
        d_pk = f->packets - f->packets_last;
        if (secs <= 0)
            secs = 1;
        if (d_drop > 0 || d_ifdrop > 0) {
            WARN("%s: %llu packets dropped by the kernel and %llu by the interface in the "
                 "last %.0f s (%.2f%% of %llu): otwatch could not keep up, so sessions and "
                 "packet files miss packets. Look at CPU load and disk speed; a bigger "
                 "--buffer helps with bursts (docs/CAPTURE.md)",
                 f->name, (unsigned long long)d_drop, (unsigned long long)d_ifdrop, secs,
                 d_recv ? 100.0 * (double)(d_drop + d_ifdrop) / (double)(d_recv + d_ifdrop) : 100.0,
                 (unsigned long long)d_recv);
        }
        if (force_log || r->o->verbose || d_drop > 0 || d_ifdrop > 0)
            LOG("%s: %s pkt/s, %s in the last %.0f s; since start: %llu received, %llu "
                "dropped by the kernel, %llu by the interface",
                f->name, otw_fmt_si((double)d_pk / secs, a, sizeof(a)),
                otw_fmt_si((double)d_pk, b, sizeof(b)), secs, (unsigned long long)recv,
                (unsigned long long)drop, (unsigned long long)ifdrop);
        f->recv = recv;
        f->drop = drop;
        f->ifdrop = ifdrop;
        f->packets_last = f->packets;
        f->stats_last_us = now;

        memset(&rows[n], 0, sizeof(rows[n]));
        rows[n].ts_us = now;
        snprintf(rows[n].point, sizeof(rows[n].point), "%s", r->o->point ? r->o->point : "");
        snprintf(rows[n].iface, sizeof(rows[n].iface), "%s", f->name);
        rows[n].received = recv;
        rows[n].dropped = drop;
        rows[n].ifdropped = ifdrop;
        rows[n].started_us = r->started_us;
        n++;
    }
    if (r->o->verbose || force_log) {
        struct otw_pipeline_stats ps;
        otw_pipeline_get_stats(r->pl, &ps);
        LOG("sessions: %llu active, %llu records written (%llu updates of open sessions)",
            (unsigned long long)ps.flow.active, (unsigned long long)otw_writer_sessions(r->writer),
            (unsigned long long)ps.flow.updates);
    }
    if (n > 0 && r->sq.started)
        stats_push(&r->sq, rows, n);
}

/* --- packet storage (pcapstore/) ------------------------------------------------------------ */

/* Messages of the packet store, in the capture's log. */
static void pstore_log(void *ctx, const char *msg)
{
    OTW_UNUSED(ctx);
    logmsg("", "packet files: %s", msg);
}

static struct otw_pcapstore *pstore_open(const struct copts *o)
{
    struct otw_pcapstore_opts po;
    struct otw_pcapstore *ps;
    struct otw_err err;

    memset(&po, 0, sizeof(po));
    po.max_file_bytes = o->pcap_file_mb << 20;
    po.max_file_secs = o->pcap_file_secs;
    po.dir_limit_bytes = o->pcap_limit_mb << 20;
    po.min_free_bytes = o->pcap_min_free_mb << 20;
    po.log = pstore_log;
    otw_err_clear(&err);
    ps = otw_pcapstore_open(o->pcap_dir, &po, o->db, o->point, &err);
    if (ps == NULL)
        ERR("--pcap-dir %s: %s", o->pcap_dir, err.msg);
    return ps;
}

/* --- the packet thread ----------------------------------------------------------------------- */

static void pipeline_note(void *ctx, const struct otw_rec *rec, int note, const char *detail)
{
    struct run *r = ctx;
    const char *name = rec->iface < (uint32_t)r->nifs ? r->ifs[rec->iface].name : "?";

    if (note == OTW_NOTE_LINKTYPE)
        WARN("%s: link type %s is not decoded; its packets are counted but make no sessions",
             name, detail);
    else if (!r->o->quiet)
        WARN("%s: malformed packet (%s); counted as far as it could be read", name, detail);
}

/* Reads what is ready on one interface, at most READ_BUDGET packets.
 * Returns packets read, or <0 when the interface failed. */
static int read_iface(struct run *r, int i, struct otw_pcapstore *ps)
{
    struct iface *f = &r->ifs[i];
    struct otw_rec rec;
    struct otw_err err;
    int n = 0, rc;

    memset(&rec, 0, sizeof(rec));
    otw_err_clear(&err);
    while (n < READ_BUDGET && (rc = otw_live_next(f->live, &rec, &err)) == 1) {
        rec.iface = (uint32_t)i;
        rec.index = ++f->packets;
        if (ps != NULL)
            otw_pcapstore_write(ps, f->name, &rec);
        otw_pipeline_packet(r->pl, &rec);
        n++;
    }
    if (n < READ_BUDGET && rc < 0) {
        ERR("%s", err.msg);
        return rc;
    }
    return n;
}

static int capture_loop(struct run *r, struct otw_pcapstore *ps)
{
    struct pollfd pfd[MAX_IFACES];
    int64_t now = otw_now_us();
    int64_t next_tick = now + TICK_US;
    int64_t next_stats = now + (int64_t)r->o->stats_interval_s * 1000000;
    int status = 0;

    for (int i = 0; i < r->nifs; i++) {
        pfd[i].fd = otw_live_fd(r->ifs[i].live);
        pfd[i].events = POLLIN;
    }
    while (!otw_stop) {
        int timeout = (int)OTW_MAX(0, OTW_MIN((next_tick - now) / 1000 + 1, 1000));

        /* Every handle is read each round whatever poll() says: a
         * non-blocking read of an empty ring costs little, and libpcap's
         * TPACKET_V3 may hold a part-read block that poll() does not flag. */
        if (poll(pfd, (nfds_t)r->nifs, timeout) < 0 && errno != EINTR) {
            ERR("poll: %s", strerror(errno));
            status = 1;
            break;
        }
        for (int i = 0; i < r->nifs; i++) {
            int n = read_iface(r, i, ps);
            if (n < 0) {
                status = 1;
                otw_stop = 1;
                break;
            }
        }
        now = otw_now_us();
        if (now >= next_tick) {
            otw_pipeline_tick(r->pl, now);
            otw_writer_push(r->writer);     /* the writer commits what it has within ~1 s */
            if (ps != NULL)
                otw_pcapstore_tick(ps, now);
            next_tick = now + TICK_US;
        }
        if (now >= next_stats) {
            take_stats(r, now, false);
            next_stats = now + (int64_t)r->o->stats_interval_s * 1000000;
        }
    }
    /* Stop capturing: take what the kernel already holds, then stop. */
    for (int i = 0; i < r->nifs && status == 0; i++)
        while (read_iface(r, i, ps) == READ_BUDGET)
            ;
    return status;
}

/* Starts a thread with SIGINT/SIGTERM blocked, so the signal reaches the
 * packet thread (and interrupts its poll()). */
static void block_signals(sigset_t *old)
{
    sigset_t s;

    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &s, old);
}

/* --- the command ---------------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct copts *o)
{
    enum { O_DB = 256, O_POINT, O_FILTER, O_PCAPDIR, O_BUFFER, O_USER, O_CONFIG, O_NOPARSE,
           O_STATS, O_PFSIZE, O_PFTIME, O_PLIMIT, O_PFREE, O_NODETECT, O_SERVE, O_CERT, O_KEY };
    static const struct option lo[] = {
        {"interface", required_argument, NULL, 'i'},
        {"filter", required_argument, NULL, O_FILTER},
        {"db", required_argument, NULL, O_DB},
        {"point", required_argument, NULL, O_POINT},
        {"pcap-dir", required_argument, NULL, O_PCAPDIR},
        {"pcap-file-size", required_argument, NULL, O_PFSIZE},
        {"pcap-file-time", required_argument, NULL, O_PFTIME},
        {"pcap-dir-limit", required_argument, NULL, O_PLIMIT},
        {"pcap-min-free", required_argument, NULL, O_PFREE},
        {"buffer", required_argument, NULL, O_BUFFER},
        {"user", required_argument, NULL, O_USER},
        {"config", required_argument, NULL, O_CONFIG},
        {"no-parsers", no_argument, NULL, O_NOPARSE},
        {"no-detect", no_argument, NULL, O_NODETECT},
        {"stats-interval", required_argument, NULL, O_STATS},
        {"serve", optional_argument, NULL, O_SERVE},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    bool cl_iface = false, cl_filter = false;
    int c, rc;

    /* The configuration file first, so the command line overrides it. */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            config = argv[i] + 9;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return -1;
        }
    }
    if (config != NULL && config[0] != '\0') {
        if ((rc = load_config(o, config, true)) != 0)
            return rc;
        set_str(&o->config, config);
    } else if (config == NULL) {
        if ((rc = load_config(o, DEFAULT_CONFIG, false)) != 0)
            return rc;
        if (access(DEFAULT_CONFIG, R_OK) == 0)
            set_str(&o->config, DEFAULT_CONFIG);
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:vqh", lo, NULL)) != -1) {
        const char *key = NULL;
        switch (c) {
        case 'i':
            if (!cl_iface)
                list_clear(o->ifaces, &o->nifaces);     /* the command line replaces the file's */
            cl_iface = true;
            key = "interface";
            break;
        case O_FILTER:
            if (!cl_filter)
                list_clear(o->filters, &o->nfilters);
            cl_filter = true;
            key = "filter";
            break;
        case O_DB: key = "db"; break;
        case O_POINT: key = "point"; break;
        case O_PCAPDIR: key = "pcap-dir"; break;
        case O_BUFFER: key = "buffer"; break;
        case O_USER: key = "user"; break;
        case O_STATS: key = "stats-interval"; break;
        case O_PFSIZE: key = "pcap-file-size"; break;
        case O_PFTIME: key = "pcap-file-time"; break;
        case O_PLIMIT: key = "pcap-dir-limit"; break;
        case O_PFREE: key = "pcap-min-free"; break;
        case O_CONFIG: break;
        case O_NOPARSE: o->no_parsers = true; break;
        case O_NODETECT: o->no_detect = true; break;
        case O_SERVE:       /* --serve, --serve=ADDR or --serve ADDR */
            if (optarg == NULL && optind < argc && argv[optind][0] != '-' &&
                strchr(argv[optind], ':') != NULL)
                optarg = argv[optind++];
            if (set_str(&o->serve, optarg ? optarg : "127.0.0.1:8005") != 0)
                return 1;
            break;
        case O_CERT:
            if (set_str(&o->tls_cert, optarg) != 0)
                return 1;
            break;
        case O_KEY:
            if (set_str(&o->tls_key, optarg) != 0)
                return 1;
            break;
        case 'v': o->verbose = true; o->quiet = false; break;
        case 'q': o->quiet = true; o->verbose = false; break;
        default: usage(stderr); return 2;
        }
        if (key != NULL && (rc = apply(o, key, optarg, "command line")) != 0)
            return rc;
    }
    if (optind < argc) {
        fprintf(stderr, "otwatch capture: unexpected argument '%s' (interfaces go with -i)\n\n",
                argv[optind]);
        usage(stderr);
        return 2;
    }
    if ((o->tls_cert != NULL || o->tls_key != NULL) && o->serve == NULL) {
        fprintf(stderr, "otwatch capture: --tls-cert and --tls-key go with --serve\n");
        return 2;
    }
    if (o->nifaces == 0) {
        fprintf(stderr, "otwatch capture: no interface given (-i IFACE, or 'interface =' in "
                        "the configuration file)\n\n");
        usage(stderr);
        return 2;
    }
    for (int i = 0; i < o->nifaces; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(o->ifaces[i], o->ifaces[j])) {
                fprintf(stderr, "otwatch capture: interface %s given twice\n", o->ifaces[i]);
                return 2;
            }
    if (o->db == NULL && set_str(&o->db, otw_cli_default_db()) != 0)
        return 1;
    return 0;
}

int otw_cmd_capture(int argc, char **argv)
{
    struct copts o;
    struct run r;
    struct otw_err err;
    struct otw_live_opts lo;
    struct target_user tu;
    struct otw_store *st = NULL;
    struct otw_pcapstore *ps = NULL;
    struct otw_flow_config fc;
    struct otw_detect *det = NULL;
    struct otw_api *api = NULL;
    int64_t point_id = 0;
    int status = 1, rc;
    sigset_t oldmask;
    char a[32];

    memset(&o, 0, sizeof(o));
    memset(&r, 0, sizeof(r));
    o.buffer_mb = 64;
    o.stats_interval_s = 60;
    r.o = &o;
    pthread_mutex_init(&r.sq.mu, NULL);
    pthread_cond_init(&r.sq.cv, NULL);
    rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        copts_free(&o);
        return rc < 0 ? 0 : rc;
    }
    r.filter = otw_filter_new();
    if (r.filter == NULL)
        goto out;
    for (int i = 0; i < o.nfilters; i++) {
        if (otw_filter_add(r.filter, o.filters[i], &err) != 0) {
            fprintf(stderr, "otwatch capture: %s\n", err.msg);
            status = 2;
            goto out;
        }
    }
    if (choose_user(&o, &tu) != 0) {
        status = 2;
        goto out;
    }
    otw_signals_install();

    /* 1. As root: the interfaces. */
    otw_live_opts_default(&lo);
    lo.buffer_bytes = o.buffer_mb << 20;
    for (int i = 0; i < o.nifaces; i++) {
        char warning[512];
        struct iface *f = &r.ifs[r.nifs];

        otw_err_clear(&err);
        f->live = otw_live_open(o.ifaces[i], &lo, warning, sizeof(warning), &err);
        if (f->live == NULL) {
            ERR("%s", err.msg);
            goto out;
        }
        f->name = otw_live_name(f->live);
        r.nifs++;
        if (warning[0])
            WARN("%s", warning);
    }

    /* 2. As root: the database and the packet directory, handed to the user.
     * The handles opened here stay usable after the switch; SQLite's -wal
     * and -shm files are created now and given to the user too, so the
     * database's directory need not be writable by the user. */
    st = otw_store_open(o.db, false, &err);
    if (st != NULL)
        r.sq.st = otw_store_open(o.db, false, &err);
    if (st == NULL || r.sq.st == NULL) {
        ERR("%s", err.msg);
        goto out;
    }
    {
        size_t nops;    /* --filter ot-operational: the approved operational flows */
        if (otw_filter_load_baseline(r.filter, st, &nops, &err) != 0) {
            ERR("%s", err.msg);
            goto out;
        }
        if (otw_filter_needs_baseline(r.filter) && nops == 0)
            WARN("--filter ot-operational: the baseline has no approved operational "
                 "communication: nothing is left out");
    }
    if (o.point != NULL && otw_store_point_id(st, o.point, &point_id, &err) != 0) {
        ERR("%s", err.msg);
        goto out;
    }
    {
        char p[1100];
        if (give(o.db, &tu, true) != 0)
            goto out;
        snprintf(p, sizeof(p), "%s-wal", o.db);
        if (give(p, &tu, false) != 0)
            goto out;
        snprintf(p, sizeof(p), "%s-shm", o.db);
        if (give(p, &tu, false) != 0)
            goto out;
    }
    if (o.pcap_dir != NULL) {
        if (make_dirs(o.pcap_dir, 0750) != 0) {
            ERR("--pcap-dir %s: cannot create: %s", o.pcap_dir, strerror(errno));
            goto out;
        }
        if (give(o.pcap_dir, &tu, true) != 0)
            goto out;
    }

    /* 2b. The web interface (--serve) in its own threads: bound, and its TLS
     * files read, while still root; it runs as the user after the drop
     * (setuid applies to every thread) and opens its own store handles. */
    if (o.serve != NULL) {
        struct otw_serve_opts so = {.listen = o.serve, .db = o.db, .config = o.config,
                                    .pcap_dir = o.pcap_dir, .tls_cert = o.tls_cert,
                                    .tls_key = o.tls_key};
        rc = otw_api_check(&so, &err);
        if (rc == 0)
            api = otw_api_start(&so, &err);
        if (api == NULL) {
            ERR("--serve: %s", err.msg);
            status = rc == OTW_EINVAL ? 2 : 1;
            goto out;
        }
        if (!o.quiet)
            LOG("serving %s://%s/ (database %s)", o.tls_cert ? "https" : "http", o.serve, o.db);
    }

    /* 3. Drop root. */
    if (drop_privileges(&tu) != 0)
        goto out;

    /* 4. As the user: packet files, the writer, the pipeline. */
    if (o.pcap_dir != NULL && (ps = pstore_open(&o)) == NULL)
        goto out;
    otw_flow_config_default(&fc);
    fc.parse_apps = !o.no_parsers;
    fc.update_us = 10 * 1000000LL;   /* open sessions visible within ~10 s */
    block_signals(&oldmask);
    if (!o.no_detect) {
        struct otw_detect_config dc;
        otw_detect_config_default(&dc);
        if (otw_plant_tz_set(otw_config_get(o.settings, "plant.timezone"), &err) != 0) {
            ERR("%s: plant.timezone: %s", otw_config_where(o.settings, "plant.timezone"),
                err.msg);
            status = 2;
            goto out;
        }
        if (otw_detect_config_load(&dc, o.settings, &err) != 0) {
            ERR("%s", err.msg);
            status = 2;
            goto out;
        }
        if (dc.enabled && (det = otw_detect_new(st, o.settings, &err)) == NULL) {
            if (otw_store_remote_get()->uri[0] == '\0') {
                ERR("detection: %s", err.msg);
                goto out;
            }
            /* The remote store cannot be read: capture and store anyway
             * (the spool keeps the sessions), and say what is missed. */
            fprintf(stderr,
                    "otwatch capture: WARNING: detection is OFF until the capture is restarted: "
                    "%s. Packets and sessions are still kept; nothing is judged against the "
                    "baseline and no alerts are raised\n",
                    err.msg);
        }
    }
    r.writer = otw_writer_start(st, 0, point_id, &err);
    if (r.writer != NULL && det != NULL)
        otw_writer_set_detect(r.writer, det);
    if (r.writer != NULL && pthread_create(&r.sq.thread, NULL, stats_thread, &r.sq) == 0)
        r.sq.started = true;
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    if (r.writer == NULL || !r.sq.started) {
        ERR("%s", r.writer == NULL ? err.msg : "cannot start the statistics thread");
        goto out;
    }
    r.pl = otw_pipeline_new(&fc, otw_filter_active(r.filter) ? r.filter : NULL, r.writer,
                            pipeline_note, &r);
    if (r.pl == NULL) {
        ERR("out of memory");
        goto out;
    }

    r.started_us = otw_now_us();
    for (int i = 0; i < r.nifs; i++)
        r.ifs[i].stats_last_us = r.started_us;
    if (!o.quiet) {
        LOG("otwatch %s capturing; database %s%s%s%s", OTW_VERSION, o.db,
            o.point ? ", capture point " : "", o.point ? o.point : "",
            o.config ? "" : " (no configuration file)");
        if (o.config)
            LOG("settings from %s and the command line", o.config);
        for (int i = 0; i < r.nifs; i++)
            LOG("interface %s: link type %s (%d), promiscuous, buffer %u MB, snaplen %d",
                r.ifs[i].name, otw_live_linktype_desc(r.ifs[i].live),
                otw_live_linktype(r.ifs[i].live), o.buffer_mb, lo.snaplen);
        LOG("filter: %s; application parsers %s; packet files: %s",
            otw_filter_active(r.filter) ? otw_filter_describe(r.filter) : "none (every packet)",
            o.no_parsers ? "off" : "on", o.pcap_dir ? o.pcap_dir : "off (no --pcap-dir)");
        if (tu.drop)
            LOG("running as user %s (uid %u) from now on", tu.name, (unsigned)tu.uid);
        else if (geteuid() == 0)
            LOG("running as root: privileges are NOT dropped (--user root)");
        else
            LOG("running as user %s (started without root)", tu.name);
    }
    if (geteuid() == 0 && !tu.drop && o.quiet)
        WARN("running as root: privileges are not dropped (--user root)");
    take_stats(&r, r.started_us, false);

    status = capture_loop(&r, ps);
    otw_api_stop(api);      /* no more requests while the last sessions are written */
    api = NULL;

    /* Stop: statistics as of now, then everything flushed and written. */
    take_stats(&r, otw_now_us(), !o.quiet);
    for (int i = 0; i < r.nifs; i++) {
        otw_live_close(r.ifs[i].live);
        r.ifs[i].live = NULL;
    }
    otw_pipeline_flush(r.pl);
    if (ps != NULL) {
        struct otw_pcapstore_stats pss;
        otw_pcapstore_get_stats(ps, &pss);
        if (!o.quiet || pss.lost_packets)
            LOG("packet files: %llu packets written, %llu lost to write errors, %llu files "
                "opened, %llu deleted by retention",
                (unsigned long long)pss.packets, (unsigned long long)pss.lost_packets,
                (unsigned long long)pss.files_opened, (unsigned long long)pss.files_deleted);
        if (otw_pcapstore_close(ps, &err) != 0) {
            ERR("packet files: %s", err.msg);
            status = 1;
        }
    }
    ps = NULL;
    {
        uint64_t n = otw_writer_sessions(r.writer);
        rc = otw_writer_finish(r.writer, &err);
        r.writer = NULL;
        if (rc != 0) {
            ERR("sessions not stored: %s", err.msg);
            status = 1;
        } else if (!o.quiet) {
            uint64_t pk = 0, dr = 0, ifd = 0;
            for (int i = 0; i < r.nifs; i++) {
                pk += r.ifs[i].packets;
                dr += r.ifs[i].drop;
                ifd += r.ifs[i].ifdrop;
            }
            LOG("stopped: %llu packets in %.0f s (%s pkt/s), %llu dropped by the kernel, %llu by "
                "the interface; %llu session records written to %s",
                (unsigned long long)pk, (double)(otw_now_us() - r.started_us) / 1e6,
                otw_fmt_si((double)pk / OTW_MAX(1.0, (double)(otw_now_us() - r.started_us) / 1e6),
                           a, sizeof(a)),
                (unsigned long long)dr, (unsigned long long)ifd, (unsigned long long)n, o.db);
        }
    }
out:
    otw_api_stop(api);
    if (r.writer != NULL) {
        otw_pipeline_flush(r.pl);
        otw_writer_finish(r.writer, &err);
    }
    otw_pcapstore_close(ps, &err);
    otw_detect_free(det);     /* after the writer: it used the engine */
    stats_finish(&r.sq);
    otw_pipeline_free(r.pl);
    for (int i = 0; i < r.nifs; i++)
        otw_live_close(r.ifs[i].live);
    otw_store_close(r.sq.st);
    otw_store_close(st);
    otw_filter_free(r.filter);
    pthread_mutex_destroy(&r.sq.mu);
    pthread_cond_destroy(&r.sq.cv);
    copts_free(&o);
    return status;
}
