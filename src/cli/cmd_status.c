/*
 * cmd_status.c - `otwatch status`: is capture keeping up? Per interface the
 * latest capture statistics that `otwatch capture` stored (received,
 * dropped by the kernel, dropped by the interface, the drop percentage,
 * packets per second over the last minute), the size of the database, and
 * the packet files when there are any.
 *
 * A reader: opens its own read-only handle, so it works while a capture
 * is writing (WAL).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "store/store.h"

#define MAX_ROWS 256
#define RATE_WINDOW_US (60 * 1000000LL)

struct ifrow {
    struct otw_capstat c;       /* the latest row */
    struct otw_capstat base;    /* the row about a minute before, same capture run */
    bool has_base;
};

struct status {
    struct ifrow rows[MAX_ROWS];
    int n;
    int cur;                    /* row whose history is being read */
    bool pf_ok;
    uint64_t pf_count, pf_bytes, pf_packets;
    int64_t pf_first, pf_last;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch status [--db PATH] [--format table|json]\n"
            "\n"
            "Shows whether live capture keeps up: per interface the latest statistics stored\n"
            "by 'otwatch capture' (packets received, dropped by the kernel because otwatch\n"
            "was too slow, dropped by the interface, packets per second over the last\n"
            "minute), the database size, and the packet files when there are any.\n"
            "\n"
            "options:\n"
            "  --db PATH              database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --format table|json    output format (default table)\n"
            "  -h, --help             this text\n");
}

static int on_latest(void *ctx, const struct otw_capstat *c)
{
    struct status *s = ctx;

    if (s->n == MAX_ROWS)
        return 1;
    memset(&s->rows[s->n], 0, sizeof(s->rows[s->n]));
    s->rows[s->n].c = *c;
    s->n++;
    return 0;
}

/* History of one interface: keep the latest row at least a minute older
 * than the newest, else the oldest of the same run. */
static int on_history(void *ctx, const struct otw_capstat *c)
{
    struct status *s = ctx;
    struct ifrow *r = &s->rows[s->cur];

    if (strcmp(c->iface, r->c.iface) != 0 || strcmp(c->point, r->c.point) != 0 ||
        c->started_us != r->c.started_us || c->ts_us >= r->c.ts_us)
        return 0;
    /* rows come oldest first: the last one a minute old wins; until one
     * is found, the oldest of the run stands in */
    if (c->ts_us <= r->c.ts_us - RATE_WINDOW_US || !r->has_base) {
        r->base = *c;
        r->has_base = true;
    }
    return 0;
}

static double rate(const struct ifrow *r)
{
    const struct otw_capstat *b = r->has_base ? &r->base : NULL;
    int64_t t0 = b ? b->ts_us : r->c.started_us;
    uint64_t p0 = b ? b->received : 0;
    double secs = (double)(r->c.ts_us - t0) / 1e6;

    if (secs < 1 || r->c.received < p0)
        return -1;
    return (double)(r->c.received - p0) / secs;
}

static double drop_pct(const struct otw_capstat *c)
{
    uint64_t all = c->received + c->ifdropped;

    return all ? 100.0 * (double)(c->dropped + c->ifdropped) / (double)all : 0.0;
}

static int on_pcapfile(void *ctx, const struct otw_pcapfile *f)
{
    struct status *s = ctx;

    s->pf_count++;
    s->pf_bytes += f->bytes;
    s->pf_packets += f->packets;
    if (f->first_us && (s->pf_first == 0 || f->first_us < s->pf_first))
        s->pf_first = f->first_us;
    if (f->last_us > s->pf_last)
        s->pf_last = f->last_us;
    return 0;
}

static int64_t file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static int print_json(const char *db, int64_t dbsize, int64_t walsize, const struct status *s)
{
    json_t *root = json_object(), *ifs = json_array();
    int rc;

    json_object_set_new(root, "database",
                        json_pack("{s:s, s:I, s:I}", "path", db, "bytes", (json_int_t)dbsize,
                                  "wal_bytes", (json_int_t)walsize));
    for (int i = 0; i < s->n; i++) {
        const struct ifrow *r = &s->rows[i];
        double rt = rate(r);
        char t[40], t2[40];
        json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:s, s:s}", "interface", r->c.iface,
                              "point", r->c.point, "received", (json_int_t)r->c.received,
                              "dropped", (json_int_t)r->c.dropped, "ifdropped",
                              (json_int_t)r->c.ifdropped, "drop_percent", drop_pct(&r->c), "time",
                              otw_time_format(r->c.ts_us, t, sizeof(t)), "started",
                              otw_time_format(r->c.started_us, t2, sizeof(t2)));
        json_object_set_new(o, "packets_per_second", rt < 0 ? json_null() : json_real(rt));
        json_array_append_new(ifs, o);
    }
    json_object_set_new(root, "interfaces", ifs);
    if (s->pf_ok && s->pf_count > 0) {
        char t[40], t2[40];
        json_object_set_new(root, "packet_files",
                            json_pack("{s:I, s:I, s:I, s:s, s:s}", "files",
                                      (json_int_t)s->pf_count, "bytes", (json_int_t)s->pf_bytes,
                                      "packets", (json_int_t)s->pf_packets, "first",
                                      otw_time_format(s->pf_first, t, sizeof(t)), "last",
                                      otw_time_format(s->pf_last, t2, sizeof(t2))));
    } else {
        json_object_set_new(root, "packet_files", json_null());
    }
    rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(root);
    return rc == 0 ? 0 : 1;
}

static void print_table(const char *db, int64_t dbsize, int64_t walsize, const struct status *s)
{
    char a[32], b[32], c[32];
    int64_t now = otw_now_us();

    printf("database      %s: %s (file %s + wal %s)\n", db,
           otw_fmt_bytes((uint64_t)(dbsize + walsize), a, sizeof(a)),
           otw_fmt_bytes((uint64_t)dbsize, b, sizeof(b)),
           otw_fmt_bytes((uint64_t)walsize, c, sizeof(c)));
    if (s->pf_ok && s->pf_count > 0) {
        char t[32], t2[32];
        printf("packet files  %llu files, %s, %llu packets, %s .. %s\n",
               (unsigned long long)s->pf_count, otw_fmt_bytes(s->pf_bytes, a, sizeof(a)),
               (unsigned long long)s->pf_packets,
               otw_time_format_short(s->pf_first, t, sizeof(t)),
               otw_time_format_short(s->pf_last, t2, sizeof(t2)));
    } else {
        printf("packet files  none\n");
    }
    if (s->n == 0) {
        printf("capture       no statistics: 'otwatch capture' has not run on this database\n");
        return;
    }
    printf("\n%-16s %-12s %-19s %8s %12s %10s %10s %7s %10s\n", "INTERFACE", "POINT",
           "STATS AT (UTC)", "AGE", "RECEIVED", "KERN.DROP", "IF.DROP", "DROP%", "PKT/S(1m)");
    for (int i = 0; i < s->n; i++) {
        const struct ifrow *r = &s->rows[i];
        double rt = rate(r);
        char t[32], age[32], rs[32];
        int64_t secs = (now - r->c.ts_us) / 1000000;

        if (secs < 120)
            snprintf(age, sizeof(age), "%llds", (long long)OTW_MAX(secs, 0));
        else if (secs < 7200)
            snprintf(age, sizeof(age), "%lldm", (long long)(secs / 60));
        else
            snprintf(age, sizeof(age), "%lldh", (long long)(secs / 3600));
        if (rt < 0)
            snprintf(rs, sizeof(rs), "-");
        else
            otw_fmt_si(rt, rs, sizeof(rs));
        printf("%-16s %-12s %-19s %8s %12llu %10llu %10llu %6.2f%% %10s\n", r->c.iface,
               r->c.point[0] ? r->c.point : "-", otw_time_format_short(r->c.ts_us, t, sizeof(t)),
               age, (unsigned long long)r->c.received, (unsigned long long)r->c.dropped,
               (unsigned long long)r->c.ifdropped, drop_pct(&r->c), rs);
    }
    for (int i = 0; i < s->n; i++)
        if (s->rows[i].c.dropped || s->rows[i].c.ifdropped) {
            printf("\nWARNING: packets were dropped: otwatch did not see all traffic. See "
                   "docs/CAPTURE.md (buffer size, CPU, disk).\n");
            break;
        }
    printf("\nCounters run from the start of each capture (%s); stored every minute.\n",
           otw_time_format_short(s->rows[0].c.started_us, a, sizeof(a)));
}

int otw_cmd_status(int argc, char **argv)
{
    static const struct option lo[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = otw_cli_default_db();
    bool json = false;
    struct otw_store *st = NULL;
    struct otw_err err;
    struct status *s = NULL;
    int c, status = 1;
    int64_t dbsize, walsize;
    char wal[1100];

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "table") != 0) {
                fprintf(stderr, "otwatch status: --format takes table or json\n");
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "otwatch status: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return 1;
    st = otw_store_open(db, true, &err);
    if (st == NULL) {
        fprintf(stderr, "otwatch status: %s\n", err.msg);
        goto out;
    }
    if (otw_store_capstat_latest(st, on_latest, s, &err) != 0) {
        fprintf(stderr, "otwatch status: %s\n", err.msg);
        goto out;
    }
    for (s->cur = 0; s->cur < s->n; s->cur++) {
        if (otw_store_capstat_since(st, s->rows[s->cur].c.started_us, on_history, s, &err) != 0) {
            fprintf(stderr, "otwatch status: %s\n", err.msg);
            goto out;
        }
    }
    /* Packet files, when this database has any; a failure here only
     * leaves them out. */
    s->pf_ok = otw_store_pcapfiles_between(st, 0, INT64_MAX, NULL, false, on_pcapfile, s,
                                           &err) == 0;
    snprintf(wal, sizeof(wal), "%s-wal", db);
    dbsize = file_size(db);
    walsize = file_size(wal);
    if (json)
        status = print_json(db, dbsize, walsize, s);
    else {
        print_table(db, dbsize, walsize, s);
        status = 0;
    }
out:
    otw_store_close(st);
    free(s);
    return status;
}
