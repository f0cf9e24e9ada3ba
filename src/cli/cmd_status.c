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

#include "cli/cli.h"
#include "core/timeutil.h"
#include "store/capstatus.h"
#include "store/store.h"

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

static int print_json(const char *db, const struct otw_capstatus *s)
{
    json_t *root = json_object(), *ifs = json_array();
    int rc;

    if (otw_store_remote_get()->uri[0] != '\0')
        json_object_set_new(root, "remote_store",
                            json_pack("{s:s, s:s, s:s}", "uri", otw_store_remote_get()->uri,
                                      "cluster", otw_store_remote_get()->cluster, "node",
                                      otw_store_node()));
    json_object_set_new(root, "database",
                        json_pack("{s:s, s:I, s:I}", "path", db, "bytes", (json_int_t)s->db_bytes,
                                  "wal_bytes", (json_int_t)s->wal_bytes));
    for (int i = 0; i < s->nifs; i++) {
        const struct otw_iface_status *r = &s->ifs[i];
        double rt = r->pps;
        char t[40], t2[40];
        json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:s, s:s}", "interface", r->c.iface,
                              "point", r->c.point, "received", (json_int_t)r->c.received,
                              "dropped", (json_int_t)r->c.dropped, "ifdropped",
                              (json_int_t)r->c.ifdropped, "drop_percent", r->drop_pct, "time",
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

static void print_table(const char *db, const struct otw_capstatus *s)
{
    char a[32], b[32], c[32];
    int64_t now = otw_now_us();

    if (otw_store_remote_get()->uri[0] != '\0')
        printf("store         %s, node %s%s%s (`otwatch store status` for more)\n",
               otw_store_remote_get()->uri, otw_store_node(),
               otw_store_remote_get()->cluster[0] ? ", cluster " : "",
               otw_store_remote_get()->cluster);
    printf("database      %s: %s (file %s + wal %s)\n", db,
           otw_fmt_bytes((uint64_t)(s->db_bytes + s->wal_bytes), a, sizeof(a)),
           otw_fmt_bytes((uint64_t)s->db_bytes, b, sizeof(b)),
           otw_fmt_bytes((uint64_t)s->wal_bytes, c, sizeof(c)));
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
    if (s->nifs == 0) {
        printf("capture       no statistics: 'otwatch capture' has not run on this database\n");
        return;
    }
    printf("\n%-16s %-12s %-19s %8s %12s %10s %10s %7s %10s\n", "INTERFACE", "POINT",
           "STATS AT (UTC)", "AGE", "RECEIVED", "KERN.DROP", "IF.DROP", "DROP%", "PKT/S(1m)");
    for (int i = 0; i < s->nifs; i++) {
        const struct otw_iface_status *r = &s->ifs[i];
        double rt = r->pps;
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
               (unsigned long long)r->c.ifdropped, r->drop_pct, rs);
    }
    for (int i = 0; i < s->nifs; i++)
        if (s->ifs[i].c.dropped || s->ifs[i].c.ifdropped) {
            printf("\nWARNING: packets were dropped: otwatch did not see all traffic. See "
                   "docs/CAPTURE.md (buffer size, CPU, disk).\n");
            break;
        }
    printf("\nCounters run from the start of each capture (%s); stored every minute.\n",
           otw_time_format_short(s->ifs[0].c.started_us, a, sizeof(a)));
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
    struct otw_capstatus *s = NULL;
    int c, status = 1;

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
    if (otw_capstatus_read(st, db, s, &err) != 0) {
        fprintf(stderr, "otwatch status: %s\n", err.msg);
        goto out;
    }
    if (json)
        status = print_json(db, s);
    else {
        print_table(db, s);
        status = 0;
    }
out:
    otw_store_close(st);
    free(s);
    return status;
}
