/*
 * cmd_baseline.c - `otwatch baseline`: learn the plant's normal
 * communications from stored sessions, review them (show, approve, remove,
 * set), keep them in version control (export, import: JSON with a stable
 * order so a diff reads as a review), switch between learning and
 * protecting, and keep the maintenance windows.
 *
 * Every change is one transaction: a list of ids with one unknown id
 * changes nothing. Hours of the week are plant time (plant.timezone in the
 * settings file, or --tz).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/config.h"
#include "core/timeutil.h"
#include "detect/assets.h"
#include "detect/baseline.h"
#include "detect/bltext.h"
#include "detect/schedule.h"
#include "detect/sessinfo.h"
#include "query/query.h"
#include "store/store.h"

#define FORMAT_NAME "otwatch-baseline"
#define FORMAT_VERSION 1

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch baseline COMMAND [OPTIONS] [ARGS]\n"
            "\n"
            "The baseline is the plant's normal communications: who talks to whom, on\n"
            "which port and protocol, and for OT protocols which kind of request (read,\n"
            "write, program, control, diagnostic), with counts and the hours of the week\n"
            "they happen. In learning mode everything imported or captured is learned; in\n"
            "protecting mode anything not in the baseline is recorded as new and alerted.\n"
            "\n"
            "commands:\n"
            "  learn [--since T] [--until T] [--file PATH | --point NAME]\n"
            "                      learn from the sessions already stored\n"
            "  show [--status S] [--category C] [--devices] [--format table|json|csv]\n"
            "                      list entries (S: learned, approved, new;\n"
            "                      C: operational, maintenance)\n"
            "  approve ID... | --all   mark entries reviewed and normal\n"
            "  remove ID...        delete entries (a removed communication is new again)\n"
            "  set ID [--category C] [--status S] [--note TEXT]\n"
            "  export [FILE]       the whole baseline as JSON (stdout without FILE)\n"
            "  import [--merge] FILE   replace the baseline with FILE (or merge it in)\n"
            "  mode [learning|protecting]   show or set the mode\n"
            "  window set NAME SCHEDULE     a maintenance window ('Tue 13:00-17:00')\n"
            "  window rule NAME [--client H] [--server H] [--port P] [--app A]\n"
            "                      the communications the window restricts (H: address,\n"
            "                      CIDR, asset name or *; P: tcp/22, udp, 502 or *)\n"
            "  window list | window remove NAME\n"
            "\n"
            "options for every command:\n"
            "  --db PATH           database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --config FILE       settings file (default " OTW_DEFAULT_CONFIG ", if present)\n"
            "  --tz ZONE           plant time zone (default: plant.timezone in the settings):\n"
            "                      Asia/Tokyo, Europe/Berlin, UTC, +09:00 ...\n"
            "  -h, --help          this text\n"
            "\n"
            "examples:\n"
            "  otwatch import --db plant.db week1.pcap\n"
            "  otwatch baseline learn --db plant.db --since 2024-05-01 --until 2024-05-08\n"
            "  otwatch baseline show --db plant.db --status learned\n"
            "  otwatch baseline approve --db plant.db --all\n"
            "  otwatch baseline set --db plant.db 12 --category maintenance --note 'vendor'\n"
            "  otwatch baseline export --db plant.db baseline.json\n"
            "  otwatch baseline window set --db plant.db ssh-maint 'Tue 13:00-17:00'\n"
            "  otwatch baseline window rule --db plant.db ssh-maint --client 192.168.10.40 \\\n"
            "      --server 192.168.10.20 --port tcp/22 --app ssh\n"
            "  otwatch baseline mode --db plant.db protecting\n"
            "  otwatch sessions --db plant.db --filter ot-operational\n"
            "docs/BASELINE.md describes the baseline, its JSON format and windows.\n");
}

/* --- options every command takes ------------------------------------------------------ */

enum { O_DB = 256, O_CONFIG, O_TZ, O_SINCE, O_UNTIL, O_FILE, O_POINT, O_STATUS, O_CATEGORY,
       O_FORMAT, O_ALL, O_NOTE, O_MERGE, O_CLIENT, O_SERVER, O_PORT, O_APP, O_DEVICES };

#define COMMON_OPTS                                                                          \
    {"db", required_argument, NULL, O_DB}, {"config", required_argument, NULL, O_CONFIG},     \
        {"tz", required_argument, NULL, O_TZ}, {"help", no_argument, NULL, 'h'}

struct common {
    const char *sub;            /* "baseline learn" */
    const char *db, *config, *tz;
    struct otw_config *cfg;     /* loaded settings, or NULL */
};

static void cerr(const struct common *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void cerr(const struct common *c, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "otwatch %s: ", c->sub);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* 1: the option was a common one; 0: not; -1: help printed (exit 0). */
/* --status and --category values; -1 after saying what is wrong. */
static int opt_status(struct common *c, const char *v)
{
    int x = otw_bl_status_parse(v);

    if (x < 0)
        cerr(c, "--status takes learned, approved or new, not '%s'", v);
    return x;
}

static int opt_category(struct common *c, const char *v)
{
    int x = otw_bl_category_parse(v);

    if (x < 0)
        cerr(c, "--category takes operational or maintenance, not '%s'", v);
    return x;
}

static int common_opt(struct common *c, int opt)
{
    switch (opt) {
    case O_DB: c->db = optarg; return 1;
    case O_CONFIG: c->config = optarg; return 1;
    case O_TZ: c->tz = optarg; return 1;
    case 'h': usage(stdout); return -1;
    }
    return 0;
}

/* Reads the settings file and sets the plant time zone. 0 or -1 (printed). */
static int setup(struct common *c)
{
    struct otw_err err;
    const char *tz = c->tz, *where = "--tz";

    memset(&err, 0, sizeof(err));
    c->cfg = otw_config_new();
    if (c->cfg == NULL) {
        cerr(c, "out of memory");
        return -1;
    }
    if (otw_config_load(c->cfg, c->config ? c->config : OTW_DEFAULT_CONFIG, c->config != NULL,
                        &err) != 0) {
        cerr(c, "%s", err.msg);
        return -1;
    }
    if (tz == NULL) {
        tz = otw_config_get(c->cfg, "plant.timezone");
        where = otw_config_where(c->cfg, "plant.timezone");
    }
    if (tz != NULL && otw_plant_tz_set(tz, &err) != 0) {
        cerr(c, "%s: %s", where, err.msg);
        return -1;
    }
    return 0;
}

static struct otw_store *open_store(struct common *c, bool rw)
{
    struct otw_err err;
    struct otw_store *st;

    memset(&err, 0, sizeof(err));
    st = otw_store_open(c->db, !rw, &err);
    if (st == NULL)
        cerr(c, "%s", err.msg);
    return st;
}

static int begin(struct common *c, struct otw_store *st)
{
    struct otw_err err;

    if (otw_store_txn_begin(st, &err) != 0) {
        cerr(c, "%s", err.msg);
        return -1;
    }
    return 0;
}

static int commit(struct common *c, struct otw_store *st)
{
    struct otw_err err;

    if (otw_store_txn_commit(st, &err) != 0) {
        cerr(c, "%s", err.msg);
        return -1;
    }
    return 0;
}

/* An entry id: a positive number. */
static int parse_id(struct common *c, const char *s, int64_t *id)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v <= 0 || errno != 0) {
        cerr(c, "'%s' is not an entry id (the ID column of 'otwatch baseline show')", s);
        return -1;
    }
    *id = v;
    return 0;
}

/* --- names of things ------------------------------------------------------------------- */

/* Active hours as ranges: "Fri 09-11, Sat 22-Sun 01" (capped). */
static const char *hours_summary(const uint32_t *h, char *buf, size_t len)
{
    size_t o = 0;
    int shown = 0;
    char a[8], b[8];

    buf[0] = '\0';
    for (int i = 0; i < OTW_BL_HOURS;) {
        int j = i;

        if (h[i] == 0) {
            i++;
            continue;
        }
        while (j + 1 < OTW_BL_HOURS && h[j + 1] != 0)
            j++;
        if (shown == 3) {
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, ", ...");
            break;
        }
        otw_how_str(i, a, sizeof(a));
        otw_how_str(j + 1 < OTW_BL_HOURS ? j + 1 : 0, b, sizeof(b));
        if (j == i)
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? ", " : "", a);
        else if (i / 24 == j / 24)
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s-%02d", o ? ", " : "", a,
                                  j % 24);
        else
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s-%s", o ? ", " : "", a,
                                  otw_how_str(j, b, sizeof(b)));
        shown++;
        i = j + 1;
    }
    if (buf[0] == '\0')
        snprintf(buf, len, "-");
    return buf;
}

/* --- entries in a stable order -------------------------------------------------------------- */

struct entries {
    struct otw_bl_entry *v;
    size_t n;
};

static int load_entries(struct common *c, struct otw_store *st, struct entries *es)
{
    struct otw_err err;

    memset(&err, 0, sizeof(err));
    if (otw_bl_entries_sorted(st, &es->v, &es->n, &err) != 0) {
        cerr(c, "%s", err.msg);
        return -1;
    }
    return 0;
}

/* --- JSON pieces shared by show and export -------------------------------------------------- */

static json_t *time_json(int64_t us)
{
    char t[40];

    return us != 0 ? json_string(otw_time_format(us, t, sizeof(t))) : json_null();
}

static json_t *entry_json(const struct otw_bl_entry *e, bool with_id)
{
    json_t *o = json_object();
    char a[64], t[16];

    if (with_id)
        json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "client", json_string(otw_ip_str(e->k.client, a, sizeof(a))));
    json_object_set_new(o, "server", json_string(otw_ip_str(e->k.server, a, sizeof(a))));
    json_object_set_new(o, "transport", json_string(otw_bl_transport_str(e->k.proto, t, sizeof(t))));
    json_object_set_new(o, "port", json_integer(e->k.port));
    json_object_set_new(o, "app", json_string(e->k.app));
    json_object_set_new(o, "class", json_string(otw_bl_class_str(e->k.ot_class)));
    json_object_set_new(o, "status", json_string(otw_bl_status_name(e->status)));
    json_object_set_new(o, "category", json_string(otw_bl_category_name(e->category)));
    json_object_set_new(o, "sessions", json_integer((json_int_t)e->sessions));
    json_object_set_new(o, "bytes", json_integer((json_int_t)e->bytes));
    json_object_set_new(o, "first_seen", time_json(e->first_us));
    json_object_set_new(o, "last_seen", time_json(e->last_us));
    json_object_set_new(o, "hours", otw_bl_hours_json(e->hours));
    json_object_set_new(o, "note", json_string(e->note));
    return o;
}

/* --- host labels (names and roles from the asset inventory, when it has them) ---------------- */

struct labels {
    struct otw_assets *a;
};

static void labels_open(struct labels *l, struct common *c, struct otw_store *st)
{
    struct otw_err err;

    l->a = otw_assets_load_labels(st, c->cfg, &err);   /* none: plain addresses */
}

static const char *host_label(const struct labels *l, const uint8_t ip[16], char *buf,
                              size_t len)
{
    if (l->a != NULL)
        return otw_assets_label(l->a, ip, buf, len);
    return otw_ip_str(ip, buf, len);
}

/* --- learn --------------------------------------------------------------------------------- */

struct learn_ctx {
    struct otw_baseline *b;
    uint64_t sessions, skipped, l2;
    int64_t first_us, last_us;
    int64_t since_us, until_us;
    const char *point;
    bool bound_by_sessions;
};

static int learn_row(void *p, const struct otw_session_row *r)
{
    struct learn_ctx *x = p;
    struct otw_sessinfo fi;

    otw_sessinfo_from_row(&fi, r, 0);
    if (fi.update) {
        x->skipped++;
        return 0;
    }
    otw_baseline_observe(x->b, &fi);
    x->sessions++;
    if (x->first_us == 0 || fi.first_us < x->first_us)
        x->first_us = fi.first_us;
    if (fi.last_us > x->last_us)
        x->last_us = fi.last_us;
    return otw_stop ? 1 : 0;
}

static int learn_l2(void *p, const struct otw_l2_row *row, const char *point)
{
    struct learn_ctx *x = p;
    int64_t lo = x->since_us, hi = x->until_us;

    if (x->bound_by_sessions) {
        lo = x->first_us;
        hi = x->last_us + 1;
    }
    if ((lo != 0 && row->last_us < lo) || (hi != 0 && row->first_us >= hi))
        return 0;
    if (x->point != NULL && strcmp(point, x->point) != 0)
        return 0;
    otw_baseline_observe_l2(x->b, row);
    x->l2++;
    return 0;
}

/* Appends `field == "PREFIX value"` to an expression: the prefix as it is
 * (it may hold wildcards), the value quoted with its wildcards literal. */
static int expr_add_glob(char *buf, size_t len, const char *field, const char *prefix,
                         const char *value)
{
    size_t o = strlen(buf);
    int n = snprintf(buf + o, len - o, "%s%s == \"%s", o ? " || " : "", field, prefix);

    if (n < 0 || (size_t)n >= len - o)
        return -1;
    o += (size_t)n;
    for (const char *p = value; *p; p++) {
        if (o + 3 >= len)
            return -1;
        if (strchr("\\\"*?", *p) != NULL)
            buf[o++] = '\\';
        buf[o++] = *p;
    }
    if (o + 2 >= len)
        return -1;
    buf[o++] = '"';
    buf[o] = '\0';
    return 0;
}

static int expr_add(char *buf, size_t len, const char *field, const char *value)
{
    return expr_add_glob(buf, len, field, "", value);
}

static int cmd_learn(struct common *c, int argc, char **argv)
{
    static const struct option lo[] = {
        COMMON_OPTS,
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"file", required_argument, NULL, O_FILE},
        {"point", required_argument, NULL, O_POINT},
        {NULL, 0, NULL, 0},
    };
    struct otw_session_query sq;
    struct learn_ctx x;
    struct otw_baseline *b = NULL;
    struct otw_baseline_stats before, after;
    struct otw_store *st = NULL;
    struct otw_query *q = NULL;
    struct otw_err err;
    const char *file = NULL, *point = NULL;
    char expr[4096] = "";
    int opt, rc = 1;

    memset(&sq, 0, sizeof(sq));
    memset(&x, 0, sizeof(x));
    memset(&err, 0, sizeof(err));
    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        int k = common_opt(c, opt);

        if (k < 0)
            return 0;
        if (k > 0)
            continue;
        switch (opt) {
        case O_SINCE:
            if (otw_cli_parse_time(c->sub, "--since", optarg, &sq.since_us) != 0)
                return 2;
            break;
        case O_UNTIL:
            if (otw_cli_parse_time(c->sub, "--until", optarg, &sq.until_us) != 0)
                return 2;
            break;
        case O_FILE: file = optarg; break;
        case O_POINT: point = optarg; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        cerr(c, "unexpected argument '%s' (learn takes only options)", argv[optind]);
        return 2;
    }
    if (file != NULL && point != NULL) {
        cerr(c, "give --file or --point, not both");
        return 2;
    }
    if (sq.since_us != 0 && sq.until_us != 0 && sq.until_us <= sq.since_us) {
        cerr(c, "--until must be after --since");
        return 2;
    }
    if (setup(c) != 0)
        return 2;
    if (file != NULL) {
        char *real = realpath(file, NULL);

        if (expr_add(expr, sizeof(expr), "file", file) != 0 ||
            (real != NULL && strcmp(real, file) != 0 &&
             expr_add(expr, sizeof(expr), "file", real) != 0)) {
            free(real);
            cerr(c, "--file: path too long");
            return 2;
        }
        free(real);
        x.bound_by_sessions = true;
    } else if (point != NULL) {
        if (expr_add(expr, sizeof(expr), "point", point) != 0) {
            cerr(c, "--point: name too long");
            return 2;
        }
        x.point = point;
    }
    if (expr[0] != '\0' && otw_cli_parse_expr(c->sub, expr, &q) != 0)
        return 2;
    sq.expr = q;
    x.since_us = sq.since_us;
    x.until_us = sq.until_us;
    if ((st = open_store(c, true)) == NULL)
        goto out;
    if ((x.b = otw_baseline_new()) == NULL || (b = otw_baseline_load(st, &err)) == NULL) {
        cerr(c, "%s", err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    if (otw_store_sessions_query(st, &sq, learn_row, &x, &err) != 0) {
        cerr(c, "%s", err.msg);
        goto out;
    }
    if (x.sessions == 0 && file != NULL && strchr(file, '/') != NULL &&
        strrchr(file, '/')[1] != '\0') {
        /* import keeps the path as it was given ("day1.pcap", run in its
         * directory): try the file's name */
        const char *base = strrchr(file, '/') + 1;

        expr[0] = '\0';
        if (expr_add(expr, sizeof(expr), "file", base) != 0 ||
            expr_add_glob(expr, sizeof(expr), "file", "*/", base) != 0) {
            cerr(c, "--file: path too long");
            goto out;
        }
        otw_query_free(q);
        q = NULL;
        if (otw_cli_parse_expr(c->sub, expr, &q) != 0)
            goto out;
        sq.expr = q;
        if (otw_store_sessions_query(st, &sq, learn_row, &x, &err) != 0) {
            cerr(c, "%s", err.msg);
            goto out;
        }
        if (x.sessions > 0)
            fprintf(stderr, "otwatch %s: no file was imported as %s: learned from the files "
                            "named %s\n",
                    c->sub, file, base);
    }
    if (otw_stop) {
        cerr(c, "interrupted: nothing learned");
        goto out;
    }
    if (x.sessions == 0) {
        cerr(c, "nothing to learn: no stored session matches%s%s%s (import captures first, "
                "or check the options)",
             file ? " --file " : point ? " --point " : "", file ? file : point ? point : "",
             sq.since_us || sq.until_us ? " in the time range" : "");
        goto out;
    }
    if (otw_store_l2_query(st, learn_l2, &x, &err) != 0) {
        cerr(c, "%s", err.msg);
        goto out;
    }
    otw_baseline_get_stats(b, &before);
    otw_baseline_absorb(b, x.b);
    otw_baseline_get_stats(b, &after);
    if (begin(c, st) != 0)
        goto out;
    if (otw_baseline_save(b, st, &err) != 0) {
        cerr(c, "%s", err.msg);
        goto out;
    }
    if (commit(c, st) != 0)
        goto out;
    {
        struct otw_baseline_stats fs;

        otw_baseline_get_stats(x.b, &fs);
        printf("learned from %llu session%s and %llu layer-2 sighting%s: %zu communication%s "
               "(%zu of them added to the baseline), %zu device%s (%zu MAC%s, %zu IP%s, %zu ARP "
               "binding%s), %zu of 168 hours of the week\n",
               (unsigned long long)x.sessions, x.sessions == 1 ? "" : "s",
               (unsigned long long)x.l2, x.l2 == 1 ? "" : "s", fs.entries,
               fs.entries == 1 ? "" : "s", after.entries - before.entries,
               fs.macs + fs.ips + fs.arp, fs.macs + fs.ips + fs.arp == 1 ? "" : "s", fs.macs,
               fs.macs == 1 ? "" : "s", fs.ips, fs.ips == 1 ? "" : "s", fs.arp,
               fs.arp == 1 ? "" : "s", fs.hours_covered);
        printf("the baseline now has %zu entries (%zu learned or approved); mode %s\n",
               after.entries, after.known, otw_bl_mode_name(otw_baseline_mode(b)));
        if (after.dropped > 0)
            printf("warning: %llu communications or devices over the caps were not kept\n",
                   (unsigned long long)after.dropped);
    }
    rc = 0;
out:
    otw_baseline_free(x.b);
    otw_baseline_free(b);
    otw_store_close(st);
    otw_query_free(q);
    return rc;
}

/* --- show ------------------------------------------------------------------------------------ */

static void csv_field(const char *s, bool last)
{
    if (strpbrk(s, ",\"\n\r") != NULL) {
        putchar('"');
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                putchar('"');
            putchar(*p);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
    putchar(last ? '\n' : ',');
}

static void print_json_line(json_t *o)
{
    char *t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (t != NULL) {
        puts(t);
        free(t);
    }
}

struct devs {
    struct otw_bl_device *v;
    size_t n, cap;
};

static int collect_dev(void *ctx, const struct otw_bl_device *d)
{
    struct devs *ds = ctx;

    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 64;
        struct otw_bl_device *nv = realloc(ds->v, cap * sizeof(*nv));

        if (nv == NULL)
            return OTW_ENOMEM;
        ds->v = nv;
        ds->cap = cap;
    }
    ds->v[ds->n++] = *d;
    return 0;
}

static int dev_cmp(const void *pa, const void *pb)
{
    const struct otw_bl_device *a = pa, *b = pb;
    int r;

    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if ((r = memcmp(a->ip, b->ip, 16)) != 0)
        return r;
    return memcmp(a->mac, b->mac, 6);
}

static int load_devices(struct common *c, struct otw_store *st, struct devs *ds)
{
    struct otw_err err;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = otw_store_bl_devices(st, collect_dev, ds, &err);
    if (rc == OTW_ENOMEM)
        snprintf(err.msg, sizeof(err.msg), "out of memory");
    if (rc != 0) {
        cerr(c, "%s", err.msg);
        return -1;
    }
    if (ds->n > 1)
        qsort(ds->v, ds->n, sizeof(ds->v[0]), dev_cmp);
    return 0;
}

static int show_devices(struct common *c, struct otw_store *st, enum otw_out_format fmt,
                        const struct labels *lb)
{
    struct devs ds = {NULL, 0, 0};
    char m[24], a[64], l[160], t1[32], t2[32];

    if (load_devices(c, st, &ds) != 0)
        return 1;
    if (fmt == OTW_OUT_TABLE)
        printf("%-4s %-17s %-39s %-20s %-20s\n", "KIND", "MAC", "IP", "FIRST SEEN (UTC)",
               "LAST SEEN (UTC)");
    else if (fmt == OTW_OUT_CSV)
        printf("kind,mac,ip,label,first_seen,last_seen\n");
    for (size_t i = 0; i < ds.n; i++) {
        const struct otw_bl_device *d = &ds.v[i];
        bool has_mac = d->kind != OTW_BL_DEV_IP, has_ip = d->kind != OTW_BL_DEV_MAC;

        /* each written in place (a snprintf from a buffer into itself printed "") */
        m[0] = a[0] = l[0] = '\0';
        if (has_mac)
            otw_mac_str(d->mac, m, sizeof(m));
        if (has_ip) {
            otw_ip_str(d->ip, a, sizeof(a));
            host_label(lb, d->ip, l, sizeof(l));
        }
        if (fmt == OTW_OUT_TABLE) {
            printf("%-4s %-17s %-39s %-20s %-20s\n", otw_bl_dev_kind_name(d->kind),
                   has_mac ? m : "-", has_ip ? l : "-",
                   d->first_us ? otw_time_format_short(d->first_us, t1, sizeof(t1)) : "-",
                   d->last_us ? otw_time_format_short(d->last_us, t2, sizeof(t2)) : "-");
        } else if (fmt == OTW_OUT_CSV) {
            csv_field(otw_bl_dev_kind_name(d->kind), false);
            csv_field(m, false);
            csv_field(a, false);
            csv_field(l, false);
            csv_field(d->first_us ? otw_time_format(d->first_us, t1, sizeof(t1)) : "", false);
            csv_field(d->last_us ? otw_time_format(d->last_us, t2, sizeof(t2)) : "", true);
        } else {
            json_t *o = json_object();

            json_object_set_new(o, "kind", json_string(otw_bl_dev_kind_name(d->kind)));
            if (has_mac)
                json_object_set_new(o, "mac", json_string(m));
            if (has_ip) {
                json_object_set_new(o, "ip", json_string(a));
                if (strcmp(l, a) != 0)
                    json_object_set_new(o, "label", json_string(l));
            }
            json_object_set_new(o, "first_seen", time_json(d->first_us));
            json_object_set_new(o, "last_seen", time_json(d->last_us));
            print_json_line(o);
            json_decref(o);
        }
    }
    if (fmt == OTW_OUT_TABLE)
        printf("(%zu device%s)\n", ds.n, ds.n == 1 ? "" : "s");
    free(ds.v);
    return 0;
}

static int cmd_show(struct common *c, int argc, char **argv)
{
    static const struct option lo[] = {
        COMMON_OPTS,
        {"status", required_argument, NULL, O_STATUS},
        {"category", required_argument, NULL, O_CATEGORY},
        {"format", required_argument, NULL, O_FORMAT},
        {"devices", no_argument, NULL, O_DEVICES},
        {NULL, 0, NULL, 0},
    };
    enum otw_out_format fmt = OTW_OUT_TABLE;
    struct entries es = {NULL, 0};
    struct labels lb = {NULL};
    struct otw_store *st = NULL;
    int status = -1, category = -1, opt, rc = 1;
    bool devices = false;
    size_t shown = 0, counts[3] = {0, 0, 0};
    int cw = 6, sw = 6;
    char mode[32] = "learning";
    struct otw_err err;

    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        int k = common_opt(c, opt);

        if (k < 0)
            return 0;
        if (k > 0)
            continue;
        switch (opt) {
        case O_STATUS:
            if ((status = opt_status(c, optarg)) < 0)
                return 2;
            break;
        case O_CATEGORY:
            if ((category = opt_category(c, optarg)) < 0)
                return 2;
            break;
        case O_FORMAT:
            if (otw_out_parse_format(optarg, &fmt) != 0) {
                cerr(c, "--format takes table, json or csv");
                return 2;
            }
            break;
        case O_DEVICES: devices = true; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        cerr(c, "unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (setup(c) != 0)
        return 2;
    if ((st = open_store(c, false)) == NULL)
        goto out;
    labels_open(&lb, c, st);
    if (devices) {
        rc = show_devices(c, st, fmt, &lb);
        goto out;
    }
    if (load_entries(c, st, &es) != 0)
        goto out;
    if (otw_store_bl_meta_get(st, "mode", mode, sizeof(mode), &err) < 0)
        snprintf(mode, sizeof(mode), "?");
    /* column widths from the labels */
    for (size_t i = 0; i < es.n; i++) {
        char l[160];
        int n;

        n = (int)strlen(host_label(&lb, es.v[i].k.client, l, sizeof(l)));
        cw = n > cw ? (n > 40 ? 40 : n) : cw;
        n = (int)strlen(host_label(&lb, es.v[i].k.server, l, sizeof(l)));
        sw = n > sw ? (n > 40 ? 40 : n) : sw;
    }
    if (fmt == OTW_OUT_TABLE)
        printf("%5s %-8s %-11s %-*s %-*s %-9s %-8s %-10s %8s %9s %-19s %s\n", "ID", "STATUS",
               "CATEGORY", cw, "CLIENT", sw, "SERVER", "SERVICE", "APP", "CLASS", "SESSIONS",
               "BYTES", "LAST SEEN (UTC)", "HOURS (plant time)  NOTE");
    else if (fmt == OTW_OUT_CSV)
        printf("id,status,category,client,server,client_label,server_label,transport,port,app,"
               "class,sessions,bytes,first_seen,last_seen,hours,note\n");
    for (size_t i = 0; i < es.n; i++) {
        const struct otw_bl_entry *e = &es.v[i];
        char cl[160], sl[160], svc[32], b1[16], t1[32], t2[32], hs[160], ca[64], sa[64];

        if (e->status >= 0 && e->status < 3)
            counts[e->status]++;
        if ((status >= 0 && e->status != status) || (category >= 0 && e->category != category))
            continue;
        shown++;
        host_label(&lb, e->k.client, cl, sizeof(cl));
        host_label(&lb, e->k.server, sl, sizeof(sl));
        if (fmt == OTW_OUT_TABLE) {
            printf("%5lld %-8s %-11s %-*s %-*s %-9s %-8s %-10s %8llu %9s %-19s %s%s%s\n",
                   (long long)e->id, otw_bl_status_name(e->status),
                   otw_bl_category_name(e->category), cw, cl, sw, sl,
                   otw_bl_service_str(&e->k, svc, sizeof(svc)), e->k.app[0] ? e->k.app : "-",
                   e->k.ot_class ? otw_bl_class_str(e->k.ot_class) : "-",
                   (unsigned long long)e->sessions, otw_fmt_bytes(e->bytes, b1, sizeof(b1)),
                   e->last_us ? otw_time_format_short(e->last_us, t2, sizeof(t2)) : "-",
                   hours_summary(e->hours, hs, sizeof(hs)), e->note[0] ? "  " : "", e->note);
        } else if (fmt == OTW_OUT_CSV) {
            char num[32], t[16];
            size_t o = 0;

            snprintf(num, sizeof(num), "%lld", (long long)e->id);
            csv_field(num, false);
            csv_field(otw_bl_status_name(e->status), false);
            csv_field(otw_bl_category_name(e->category), false);
            csv_field(otw_ip_str(e->k.client, ca, sizeof(ca)), false);
            csv_field(otw_ip_str(e->k.server, sa, sizeof(sa)), false);
            csv_field(cl, false);
            csv_field(sl, false);
            csv_field(otw_bl_transport_str(e->k.proto, t, sizeof(t)), false);
            snprintf(num, sizeof(num), "%u", (unsigned)e->k.port);
            csv_field(num, false);
            csv_field(e->k.app, false);
            csv_field(otw_bl_class_str(e->k.ot_class), false);
            snprintf(num, sizeof(num), "%llu", (unsigned long long)e->sessions);
            csv_field(num, false);
            snprintf(num, sizeof(num), "%llu", (unsigned long long)e->bytes);
            csv_field(num, false);
            csv_field(e->first_us ? otw_time_format(e->first_us, t1, sizeof(t1)) : "", false);
            csv_field(e->last_us ? otw_time_format(e->last_us, t2, sizeof(t2)) : "", false);
            hs[0] = '\0';
            for (int h = 0; h < OTW_BL_HOURS; h++) {
                char k[8];

                if (e->hours[h] != 0)
                    o += (size_t)snprintf(hs + o, o < sizeof(hs) ? sizeof(hs) - o : 0,
                                          "%s%s=%u", o ? " " : "", otw_how_str(h, k, sizeof(k)),
                                          e->hours[h]);
            }
            csv_field(hs, false);
            csv_field(e->note, true);
        } else {
            json_t *o = entry_json(e, true);

            if (strcmp(cl, otw_ip_str(e->k.client, ca, sizeof(ca))) != 0)
                json_object_set_new(o, "client_label", json_string(cl));
            if (strcmp(sl, otw_ip_str(e->k.server, sa, sizeof(sa))) != 0)
                json_object_set_new(o, "server_label", json_string(sl));
            print_json_line(o);
            json_decref(o);
        }
    }
    if (fmt == OTW_OUT_TABLE)
        printf("(%zu of %zu entr%s: %zu approved, %zu learned, %zu new; mode %s)\n", shown, es.n,
               es.n == 1 ? "y" : "ies", counts[OTW_BL_APPROVED], counts[OTW_BL_LEARNED],
               counts[OTW_BL_NEW], mode);
    rc = 0;
out:
    free(es.v);
    otw_assets_free(lb.a);
    otw_store_close(st);
    return rc;
}

/* --- approve, remove, set ------------------------------------------------------------------- */

static int cmd_ids(struct common *c, int argc, char **argv, bool approve)
{
    static const struct option lo_approve[] = {
        COMMON_OPTS,
        {"all", no_argument, NULL, O_ALL},
        {NULL, 0, NULL, 0},
    };
    static const struct option lo_remove[] = {
        COMMON_OPTS,
        {NULL, 0, NULL, 0},
    };
    struct otw_store *st = NULL;
    struct otw_err err;
    int64_t *ids = NULL;
    size_t nids = 0;
    bool all = false;
    int opt, rc = 1;

    while ((opt = getopt_long(argc, argv, "h", approve ? lo_approve : lo_remove, NULL)) != -1) {
        int k = common_opt(c, opt);

        if (k < 0)
            return 0;
        if (k > 0)
            continue;
        if (opt == O_ALL) {
            all = true;
            continue;
        }
        usage(stderr);
        return 2;
    }
    if (all && optind < argc) {
        cerr(c, "give entry ids or --all, not both");
        return 2;
    }
    if (!all && optind == argc) {
        cerr(c, "which entries? give their ids (the ID column of 'otwatch baseline show')%s",
             approve ? " or --all" : "");
        return 2;
    }
    if (optind < argc && (ids = calloc((size_t)(argc - optind), sizeof(*ids))) == NULL)
        return 1;
    for (int i = optind; i < argc; i++)
        if (parse_id(c, argv[i], &ids[nids++]) != 0) {
            free(ids);
            return 2;
        }
    if (setup(c) != 0) {
        free(ids);
        return 2;
    }
    if ((st = open_store(c, true)) == NULL)
        goto out;
    memset(&err, 0, sizeof(err));
    if (all) {
        uint64_t n = 0;

        if (begin(c, st) != 0)
            goto out;
        if (otw_store_bl_approve_all(st, &n, &err) != 0) {
            cerr(c, "%s", err.msg);
            goto out;
        }
        if (commit(c, st) != 0)
            goto out;
        printf("approved %llu entr%s\n", (unsigned long long)n, n == 1 ? "y" : "ies");
        rc = 0;
        goto out;
    }
    if (otw_bl_entries_apply(st, ids, nids, approve, &err) != 0) {
        /* one transaction: nothing changed */
        cerr(c, "%s%s", err.msg, nids > 1 ? "; nothing was changed" : "");
        goto out;
    }
    printf("%s %zu entr%s\n", approve ? "approved" : "removed", nids, nids == 1 ? "y" : "ies");
    rc = 0;
out:
    free(ids);
    otw_store_close(st);    /* rolls back an open transaction */
    return rc;
}

static int cmd_set(struct common *c, int argc, char **argv)
{
    static const struct option lo[] = {
        COMMON_OPTS,
        {"category", required_argument, NULL, O_CATEGORY},
        {"status", required_argument, NULL, O_STATUS},
        {"note", required_argument, NULL, O_NOTE},
        {NULL, 0, NULL, 0},
    };
    struct otw_store *st = NULL;
    struct otw_bl_entry e;
    struct otw_err err;
    const char *note = NULL;
    int status = -1, category = -1, opt, rc = 1;
    int64_t id;

    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        int k = common_opt(c, opt);

        if (k < 0)
            return 0;
        if (k > 0)
            continue;
        switch (opt) {
        case O_CATEGORY:
            if ((category = opt_category(c, optarg)) < 0)
                return 2;
            break;
        case O_STATUS:
            if ((status = opt_status(c, optarg)) < 0)
                return 2;
            break;
        case O_NOTE:
            note = optarg;
            if (strlen(note) >= sizeof(e.note) || !otw_bl_text_ok(note)) {
                cerr(c, "--note: at most %zu bytes of text without control characters",
                     sizeof(e.note) - 1);
                return 2;
            }
            break;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind != 1) {
        cerr(c, "give one entry id, then --category, --status or --note");
        return 2;
    }
    if (parse_id(c, argv[optind], &id) != 0)
        return 2;
    if (status < 0 && category < 0 && note == NULL) {
        cerr(c, "nothing to set: give --category, --status or --note");
        return 2;
    }
    if (setup(c) != 0)
        return 2;
    memset(&err, 0, sizeof(err));
    if ((st = open_store(c, true)) == NULL || begin(c, st) != 0)
        goto out;
    if (otw_store_bl_entry_set(st, id, status, category, note, &err) != 0 ||
        otw_store_bl_entry_get(st, id, &e, &err) != 1) {
        cerr(c, "%s", err.msg);
        goto out;
    }
    if (commit(c, st) != 0)
        goto out;
    {
        char a[64], b[64], svc[32];

        printf("entry %lld: %s -> %s %s%s%s%s%s: %s, %s%s%s\n", (long long)id,
               otw_ip_str(e.k.client, a, sizeof(a)), otw_ip_str(e.k.server, b, sizeof(b)),
               otw_bl_service_str(&e.k, svc, sizeof(svc)), e.k.app[0] ? " " : "", e.k.app,
               e.k.ot_class ? " " : "", otw_bl_class_str(e.k.ot_class), otw_bl_status_name(e.status),
               otw_bl_category_name(e.category), e.note[0] ? ", note: " : "", e.note);
    }
    rc = 0;
out:
    otw_store_close(st);
    return rc;
}

/* --- export ---------------------------------------------------------------------------------- */

static int load_windows(struct common *c, struct otw_store *st, struct otw_bl_windows *ws)
{
    struct otw_err err;

    memset(&err, 0, sizeof(err));
    if (otw_bl_windows_load(st, ws, &err) != 0) {
        cerr(c, "%s", err.msg);
        otw_bl_windows_free(ws);
        return -1;
    }
    return 0;
}

static json_t *rule_json(const struct otw_bl_rule *r)
{
    char p[32];

    return json_pack("{s:s, s:s, s:s, s:s}", "client", r->client, "server", r->server, "port",
                     otw_bl_portspec_str(r->proto, r->port, p, sizeof(p)), "app",
                     r->app[0] ? r->app : "*");
}

static json_t *build_export(struct common *c, struct otw_store *st)
{
    struct entries es = {NULL, 0};
    struct devs ds = {NULL, 0, 0};
    struct otw_bl_windows ws = {NULL, 0, 0, NULL, 0, 0};
    struct otw_err err;
    json_t *doc = NULL, *arr, *dev, *macs, *ips, *arp;
    char v[OTW_BL_HOURS + 8], m[24], a[64], k[8];
    int r;

    memset(&err, 0, sizeof(err));
    if (load_entries(c, st, &es) != 0 || load_devices(c, st, &ds) != 0 ||
        load_windows(c, st, &ws) != 0)
        goto out;
    doc = json_object();
    json_object_set_new(doc, "format", json_string(FORMAT_NAME));
    json_object_set_new(doc, "version", json_integer(FORMAT_VERSION));
    json_object_set_new(doc, "timezone", json_string(otw_plant_tz()));
    if ((r = otw_store_bl_meta_get(st, "mode", v, sizeof(v), &err)) < 0)
        goto fail;
    json_object_set_new(doc, "mode", json_string(r == 1 ? v : "learning"));
    arr = json_array();
    if ((r = otw_store_bl_meta_get(st, "hours_covered", v, sizeof(v), &err)) < 0) {
        json_decref(arr);
        goto fail;
    }
    for (int h = 0; r == 1 && h < OTW_BL_HOURS && v[h]; h++)
        if (v[h] == '1')
            json_array_append_new(arr, json_string(otw_how_str(h, k, sizeof(k))));
    json_object_set_new(doc, "hours_covered", arr);
    arr = json_array();
    for (size_t i = 0; i < es.n; i++)
        json_array_append_new(arr, entry_json(&es.v[i], false));
    json_object_set_new(doc, "entries", arr);
    dev = json_object();
    macs = json_array();
    ips = json_array();
    arp = json_array();
    for (size_t i = 0; i < ds.n; i++) {
        const struct otw_bl_device *d = &ds.v[i];
        json_t *o = json_object();

        if (d->kind == OTW_BL_DEV_ARP || d->kind == OTW_BL_DEV_IP)
            json_object_set_new(o, "ip", json_string(otw_ip_str(d->ip, a, sizeof(a))));
        if (d->kind == OTW_BL_DEV_ARP || d->kind == OTW_BL_DEV_MAC)
            json_object_set_new(o, "mac", json_string(otw_mac_str(d->mac, m, sizeof(m))));
        json_object_set_new(o, "first_seen", time_json(d->first_us));
        json_object_set_new(o, "last_seen", time_json(d->last_us));
        json_array_append_new(d->kind == OTW_BL_DEV_MAC ? macs : d->kind == OTW_BL_DEV_IP ? ips
                                                                                          : arp,
                              o);
    }
    json_object_set_new(dev, "macs", macs);
    json_object_set_new(dev, "ips", ips);
    json_object_set_new(dev, "arp", arp);
    json_object_set_new(doc, "devices", dev);
    arr = json_array();
    for (size_t i = 0; i < ws.nw; i++) {
        json_t *w = json_object(), *ra = json_array();

        json_object_set_new(w, "name", json_string(ws.w[i].name));
        json_object_set_new(w, "schedule", json_string(ws.w[i].schedule));
        for (size_t j = 0; j < ws.nr; j++)
            if (strcmp(ws.r[j].window, ws.w[i].name) == 0)
                json_array_append_new(ra, rule_json(&ws.r[j]));
        json_object_set_new(w, "rules", ra);
        json_array_append_new(arr, w);
    }
    json_object_set_new(doc, "windows", arr);
    goto out;
fail:
    cerr(c, "%s", err.msg);
    json_decref(doc);
    doc = NULL;
out:
    free(es.v);
    free(ds.v);
    otw_bl_windows_free(&ws);
    return doc;
}

static int cmd_export(struct common *c, int argc, char **argv)
{
    static const struct option lo[] = {
        COMMON_OPTS,
        {NULL, 0, NULL, 0},
    };
    struct otw_store *st = NULL;
    const char *file = NULL;
    json_t *doc = NULL;
    char *text = NULL;
    int opt, rc = 1;

    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        int k = common_opt(c, opt);

        if (k < 0)
            return 0;
        if (k == 0) {
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind > 1) {
        cerr(c, "give at most one file (without one, the JSON goes to standard output)");
        return 2;
    }
    if (optind < argc && strcmp(argv[optind], "-") != 0)
        file = argv[optind];
    if (setup(c) != 0)
        return 2;
    if ((st = open_store(c, false)) == NULL || (doc = build_export(c, st)) == NULL)
        goto out;
    text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        cerr(c, "out of memory");
        goto out;
    }
    if (file == NULL) {
        if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
            cerr(c, "writing standard output: %s", strerror(errno));
            goto out;
        }
    } else {
        /* a temporary file renamed over FILE: a reader never sees half */
        char tmp[PATH_MAX];
        FILE *f;

        if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", file, (long)getpid()) >=
            sizeof(tmp)) {
            cerr(c, "%s: path too long", file);
            goto out;
        }
        f = fopen(tmp, "w");
        if (f == NULL) {
            cerr(c, "%s: %s", file, strerror(errno));
            goto out;
        }
        if (fputs(text, f) == EOF || fputc('\n', f) == EOF || fclose(f) != 0) {
            cerr(c, "%s: %s", file, strerror(errno));
            unlink(tmp);
            goto out;
        }
        if (rename(tmp, file) != 0) {
            cerr(c, "%s: %s", file, strerror(errno));
            unlink(tmp);
            goto out;
        }
        fprintf(stderr, "exported %zu entries to %s\n",
                json_array_size(json_object_get(doc, "entries")), file);
    }
    rc = 0;
out:
    free(text);
    json_decref(doc);
    otw_store_close(st);
    return rc;
}

/* --- import ---------------------------------------------------------------------------------- */

struct imp {
    struct common *c;
    const char *file;
    struct otw_bl_entry *ents;
    size_t nents;
    struct otw_bl_device *devs;
    size_t ndevs, devcap;
    struct otw_bl_window *wins;
    size_t nwins;
    struct otw_bl_rule *rules;
    size_t nrules, rulecap;
    int mode;                   /* -1: not given */
    bool has_covered;
    uint8_t covered[OTW_BL_HOURS];
};

static int ifail(struct imp *x, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ifail(struct imp *x, const char *path, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "otwatch %s: %s: %s%s", x->c->sub, x->file, path, path[0] ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static int check_keys(struct imp *x, json_t *o, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *v;
    char list[256];
    size_t n = 0;

    if (!json_is_object(o))
        return ifail(x, path, "expected an object");
    json_object_foreach(o, key, v) {
        bool ok = false;

        for (const char *const *a = allowed; *a; a++)
            if (strcmp(key, *a) == 0)
                ok = true;
        if (ok)
            continue;
        list[0] = '\0';
        for (const char *const *a = allowed; *a; a++)
            n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
                                  a == allowed ? "" : ", ", *a);
        return ifail(x, path, "unknown key '%s' (known: %s)", key, list);
    }
    return 0;
}

/* A string member: required or "" when absent. */
static int get_str(struct imp *x, json_t *o, const char *key, const char *path, bool required,
                   char *out, size_t len)
{
    json_t *v = json_object_get(o, key);
    char p[160];

    snprintf(p, sizeof(p), "%s.%s", path, key);
    out[0] = '\0';
    if (v == NULL || json_is_null(v)) {
        if (required)
            return ifail(x, p, "missing");
        return 0;
    }
    if (!json_is_string(v))
        return ifail(x, p, "expected a string");
    if (json_string_length(v) >= len)
        return ifail(x, p, "too long (at most %zu bytes)", len - 1);
    if (!otw_bl_text_ok(json_string_value(v)))
        return ifail(x, p, "control characters are not allowed");
    snprintf(out, len, "%s", json_string_value(v));
    return 0;
}

static int get_uint(struct imp *x, json_t *o, const char *key, const char *path, bool required,
                    json_int_t max, json_int_t *out)
{
    json_t *v = json_object_get(o, key);
    char p[160];

    snprintf(p, sizeof(p), "%s.%s", path, key);
    *out = 0;
    if (v == NULL) {
        if (required)
            return ifail(x, p, "missing");
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return ifail(x, p, "expected an integer from 0 to %lld", (long long)max);
    *out = json_integer_value(v);
    return 0;
}

static int get_time(struct imp *x, json_t *o, const char *key, const char *path, int64_t *out)
{
    char s[64], p[160];

    *out = 0;
    if (get_str(x, o, key, path, false, s, sizeof(s)) != 0)
        return -1;
    if (s[0] == '\0')
        return 0;
    if (otw_time_parse(s, 0, out) != 0 || s[0] == '-') {
        snprintf(p, sizeof(p), "%s.%s", path, key);
        return ifail(x, p, "'%s' is not a time (write 2024-05-01T13:00:00Z)", s);
    }
    return 0;
}

static int get_ip(struct imp *x, json_t *o, const char *key, const char *path, uint8_t ip[16])
{
    char s[64], p[160];

    if (get_str(x, o, key, path, true, s, sizeof(s)) != 0)
        return -1;
    if (otw_ip_parse(s, ip) != 0) {
        snprintf(p, sizeof(p), "%s.%s", path, key);
        return ifail(x, p, "'%s' is not an IP address", s);
    }
    return 0;
}

static int get_mac(struct imp *x, json_t *o, const char *key, const char *path, uint8_t mac[6])
{
    char s[64], p[160];

    if (get_str(x, o, key, path, true, s, sizeof(s)) != 0)
        return -1;
    if (strlen(s) != 17 || otw_mac_parse(s, mac) != 0) {
        snprintf(p, sizeof(p), "%s.%s", path, key);
        return ifail(x, p, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", s);
    }
    return 0;
}

static int imp_entry(struct imp *x, json_t *o, const char *path, struct otw_bl_entry *e)
{
    static const char *const keys[] = {"client", "server", "transport", "port", "app",
                                       "class", "status", "category", "sessions", "bytes",
                                       "first_seen", "last_seen", "hours", "note", NULL};
    char s[64], p[160];
    json_int_t v;
    json_t *h;

    memset(e, 0, sizeof(*e));
    if (check_keys(x, o, path, keys) != 0 || get_ip(x, o, "client", path, e->k.client) != 0 ||
        get_ip(x, o, "server", path, e->k.server) != 0)
        return -1;
    if (get_str(x, o, "transport", path, true, s, sizeof(s)) != 0)
        return -1;
    if (otw_bl_transport_parse(s) < 0) {
        snprintf(p, sizeof(p), "%s.transport", path);
        return ifail(x, p, "'%s' is not a transport (tcp, udp, icmp ... or 1-255)", s);
    }
    e->k.proto = (uint8_t)otw_bl_transport_parse(s);
    if (get_uint(x, o, "port", path, true, 65535, &v) != 0)
        return -1;
    e->k.port = (uint16_t)v;
    if (!otw_bl_proto_has_ports(e->k.proto) && e->k.port != 0) {
        snprintf(p, sizeof(p), "%s.port", path);
        return ifail(x, p, "must be 0: %s has no ports", s);
    }
    if (get_str(x, o, "app", path, false, e->k.app, sizeof(e->k.app)) != 0 ||
        get_str(x, o, "class", path, false, s, sizeof(s)) != 0)
        return -1;
    if (s[0] != '\0' && (e->k.ot_class = otw_otc_parse(s)) == 0) {
        snprintf(p, sizeof(p), "%s.class", path);
        return ifail(x, p, "'%s' is not an OT class (read, write, program, control, diagnostic, "
                           "or \"\")", s);
    }
    if (get_str(x, o, "status", path, false, s, sizeof(s)) != 0)
        return -1;
    e->status = s[0] ? otw_bl_status_parse(s) : OTW_BL_LEARNED;
    if (e->status < 0) {
        snprintf(p, sizeof(p), "%s.status", path);
        return ifail(x, p, "'%s' is not a status (learned, approved, new)", s);
    }
    if (get_str(x, o, "category", path, false, s, sizeof(s)) != 0)
        return -1;
    e->category = s[0] ? otw_bl_category_parse(s) : otw_bl_guess_category(&e->k);
    if (e->category < 0) {
        snprintf(p, sizeof(p), "%s.category", path);
        return ifail(x, p, "'%s' is not a category (operational, maintenance)", s);
    }
    if (get_uint(x, o, "sessions", path, false, INT64_MAX, &v) != 0)
        return -1;
    e->sessions = (uint64_t)v;
    if (get_uint(x, o, "bytes", path, false, INT64_MAX, &v) != 0)
        return -1;
    e->bytes = (uint64_t)v;
    if (get_time(x, o, "first_seen", path, &e->first_us) != 0 ||
        get_time(x, o, "last_seen", path, &e->last_us) != 0 ||
        get_str(x, o, "note", path, false, e->note, sizeof(e->note)) != 0)
        return -1;
    h = json_object_get(o, "hours");
    snprintf(p, sizeof(p), "%s.hours", path);
    if (h != NULL && !json_is_object(h))
        return ifail(x, p, "expected an object such as {\"Mon 09\": 12}");
    if (h != NULL) {
        const char *key;
        json_t *n;

        json_object_foreach(h, key, n) {
            int how = otw_how_parse(key);

            if (how < 0)
                return ifail(x, p, "'%s' is not an hour of the week (\"Mon 09\" .. \"Sun 23\")",
                             key);
            if (!json_is_integer(n) || json_integer_value(n) < 0 ||
                json_integer_value(n) > UINT32_MAX)
                return ifail(x, p, "\"%s\": expected a count", key);
            e->hours[how] = (uint32_t)json_integer_value(n);
        }
    }
    return 0;
}

static int imp_devices(struct imp *x, json_t *d)
{
    static const char *const keys[] = {"macs", "ips", "arp", NULL};
    static const char *const dkeys[3][4] = {
        {"mac", "first_seen", "last_seen", NULL},
        {"ip", "first_seen", "last_seen", NULL},
        {"ip", "mac", "first_seen", "last_seen"},
    };
    static const char *const arpkeys[] = {"ip", "mac", "first_seen", "last_seen", NULL};

    if (d == NULL)
        return 0;
    if (check_keys(x, d, "devices", keys) != 0)
        return -1;
    for (int kind = 0; kind < 3; kind++) {
        json_t *arr = json_object_get(d, keys[kind]), *o;
        size_t i;
        char path[64];

        if (arr == NULL)
            continue;
        if (!json_is_array(arr)) {
            snprintf(path, sizeof(path), "devices.%s", keys[kind]);
            return ifail(x, path, "expected an array");
        }
        json_array_foreach(arr, i, o) {
            struct otw_bl_device dv;

            snprintf(path, sizeof(path), "devices.%s[%zu]", keys[kind], i);
            memset(&dv, 0, sizeof(dv));
            dv.kind = kind;
            if (check_keys(x, o, path, kind == 2 ? arpkeys : dkeys[kind]) != 0)
                return -1;
            if (kind != OTW_BL_DEV_MAC && get_ip(x, o, "ip", path, dv.ip) != 0)
                return -1;
            if (kind != OTW_BL_DEV_IP && get_mac(x, o, "mac", path, dv.mac) != 0)
                return -1;
            if (get_time(x, o, "first_seen", path, &dv.first_us) != 0 ||
                get_time(x, o, "last_seen", path, &dv.last_us) != 0)
                return -1;
            if (x->ndevs == x->devcap) {
                size_t cap = x->devcap ? x->devcap * 2 : 64;
                struct otw_bl_device *nv = realloc(x->devs, cap * sizeof(*nv));

                if (nv == NULL)
                    return ifail(x, "", "out of memory");
                x->devs = nv;
                x->devcap = cap;
            }
            x->devs[x->ndevs++] = dv;
        }
    }
    return 0;
}

static int imp_windows(struct imp *x, json_t *arr)
{
    static const char *const wkeys[] = {"name", "schedule", "rules", NULL};
    static const char *const rkeys[] = {"client", "server", "port", "app", NULL};
    json_t *w;
    size_t i;

    if (arr == NULL)
        return 0;
    if (!json_is_array(arr))
        return ifail(x, "windows", "expected an array");
    x->wins = calloc(json_array_size(arr) + 1, sizeof(*x->wins));
    if (x->wins == NULL)
        return ifail(x, "", "out of memory");
    json_array_foreach(arr, i, w) {
        struct otw_bl_window *win = &x->wins[x->nwins];
        struct otw_schedule *sch;
        struct otw_err err;
        json_t *rules, *r;
        size_t j;
        char path[64], rp[96];

        snprintf(path, sizeof(path), "windows[%zu]", i);
        if (check_keys(x, w, path, wkeys) != 0 ||
            get_str(x, w, "name", path, true, win->name, sizeof(win->name)) != 0 ||
            get_str(x, w, "schedule", path, true, win->schedule, sizeof(win->schedule)) != 0)
            return -1;
        if (!otw_bl_window_name_ok(win->name))
            return ifail(x, path, "name '%s': %s", win->name, OTW_BL_WINDOW_NAME_RULE);
        for (size_t k = 0; k < x->nwins; k++)
            if (strcmp(x->wins[k].name, win->name) == 0)
                return ifail(x, path, "window '%s' is already defined in windows[%zu]",
                             win->name, k);
        if (otw_schedule_parse(win->schedule, &sch, &err) != 0) {
            snprintf(rp, sizeof(rp), "%s.schedule", path);
            return ifail(x, rp, "%s", err.msg);
        }
        snprintf(win->schedule, sizeof(win->schedule), "%s", otw_schedule_text(sch));
        otw_schedule_free(sch);
        x->nwins++;
        rules = json_object_get(w, "rules");
        if (rules == NULL)
            continue;
        if (!json_is_array(rules)) {
            snprintf(rp, sizeof(rp), "%s.rules", path);
            return ifail(x, rp, "expected an array");
        }
        json_array_foreach(rules, j, r) {
            struct otw_bl_rule rl;
            char port[32];
            struct otw_err perr;

            snprintf(rp, sizeof(rp), "%s.rules[%zu]", path, j);
            memset(&rl, 0, sizeof(rl));
            snprintf(rl.window, sizeof(rl.window), "%s", win->name);
            if (check_keys(x, r, rp, rkeys) != 0 ||
                get_str(x, r, "client", rp, false, rl.client, sizeof(rl.client)) != 0 ||
                get_str(x, r, "server", rp, false, rl.server, sizeof(rl.server)) != 0 ||
                get_str(x, r, "port", rp, false, port, sizeof(port)) != 0 ||
                get_str(x, r, "app", rp, false, rl.app, sizeof(rl.app)) != 0)
                return -1;
            if (rl.client[0] == '\0')
                snprintf(rl.client, sizeof(rl.client), "*");
            if (rl.server[0] == '\0')
                snprintf(rl.server, sizeof(rl.server), "*");
            if (rl.app[0] == '\0')
                snprintf(rl.app, sizeof(rl.app), "*");
            if (!otw_bl_rule_host_ok(rl.client))
                return ifail(x, rp, "client '%s' is not an address, a CIDR range or *",
                             rl.client);
            if (!otw_bl_rule_host_ok(rl.server))
                return ifail(x, rp, "server '%s' is not an address, a CIDR range or *",
                             rl.server);
            if (otw_bl_portspec_parse(port, &rl.proto, &rl.port, &perr) != 0)
                return ifail(x, rp, "port %s", perr.msg);
            if (x->nrules == x->rulecap) {
                size_t cap = x->rulecap ? x->rulecap * 2 : 16;
                struct otw_bl_rule *nv = realloc(x->rules, cap * sizeof(*nv));

                if (nv == NULL)
                    return ifail(x, "", "out of memory");
                x->rules = nv;
                x->rulecap = cap;
            }
            x->rules[x->nrules++] = rl;
        }
    }
    return 0;
}

struct ekey_ix {
    const struct otw_bl_key *k;
    size_t i;
};

static int ekey_ix_cmp(const void *a, const void *b)
{
    const struct ekey_ix *x = a, *y = b;
    int r = otw_bl_key_cmp(x->k, y->k);

    return r != 0 ? r : (x->i < y->i ? -1 : x->i > y->i);
}

static int imp_parse(struct imp *x, json_t *doc)
{
    static const char *const keys[] = {"format", "version", "timezone", "mode",
                                       "hours_covered", "entries", "devices", "windows", NULL};
    json_t *v, *arr;
    char s[64];
    size_t i;

    if (check_keys(x, doc, "", keys) != 0)
        return -1;
    v = json_object_get(doc, "format");
    if (v != NULL && (!json_is_string(v) || strcmp(json_string_value(v), FORMAT_NAME) != 0))
        return ifail(x, "format", "expected \"%s\"", FORMAT_NAME);
    v = json_object_get(doc, "version");
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) != FORMAT_VERSION))
        return ifail(x, "version", "this otwatch reads version %d", FORMAT_VERSION);
    x->mode = -1;
    if (get_str(x, doc, "mode", "", false, s, sizeof(s)) != 0)
        return -1;
    if (s[0] != '\0' && (x->mode = otw_bl_mode_parse(s)) < 0)
        return ifail(x, "mode", "'%s' is not a mode (learning, protecting)", s);
    if (get_str(x, doc, "timezone", "", false, s, sizeof(s)) != 0)
        return -1;
    if (s[0] != '\0' && strcmp(s, otw_plant_tz()) != 0)
        fprintf(stderr,
                "otwatch %s: warning: %s was exported with plant time zone %s, this plant's "
                "is %s: hours of the week are taken as they are\n",
                x->c->sub, x->file, s, otw_plant_tz()[0] ? otw_plant_tz() : "(local time)");
    arr = json_object_get(doc, "hours_covered");
    if (arr != NULL) {
        if (!json_is_array(arr))
            return ifail(x, "hours_covered", "expected an array of \"Mon 09\" strings");
        x->has_covered = true;
        json_array_foreach(arr, i, v) {
            int how = json_is_string(v) ? otw_how_parse(json_string_value(v)) : -1;
            char p[64];

            snprintf(p, sizeof(p), "hours_covered[%zu]", i);
            if (how < 0)
                return ifail(x, p, "expected an hour of the week (\"Mon 09\" .. \"Sun 23\")");
            x->covered[how] = 1;
        }
    }
    arr = json_object_get(doc, "entries");
    if (arr != NULL && !json_is_array(arr))
        return ifail(x, "entries", "expected an array");
    if (arr != NULL && json_array_size(arr) > OTW_BL_MAX_ENTRIES)
        return ifail(x, "entries", "more than %d entries", OTW_BL_MAX_ENTRIES);
    if (arr != NULL && json_array_size(arr) > 0) {
        struct ekey_ix *ix;

        x->ents = calloc(json_array_size(arr), sizeof(*x->ents));
        if (x->ents == NULL)
            return ifail(x, "", "out of memory");
        json_array_foreach(arr, i, v) {
            char p[64];

            snprintf(p, sizeof(p), "entries[%zu]", i);
            if (imp_entry(x, v, p, &x->ents[x->nents]) != 0)
                return -1;
            x->nents++;
        }
        /* the same communication twice is a mistake in the file */
        ix = calloc(x->nents, sizeof(*ix));
        if (ix == NULL)
            return ifail(x, "", "out of memory");
        for (i = 0; i < x->nents; i++) {
            ix[i].k = &x->ents[i].k;
            ix[i].i = i;
        }
        qsort(ix, x->nents, sizeof(*ix), ekey_ix_cmp);
        for (i = 1; i < x->nents; i++)
            if (otw_bl_key_cmp(ix[i - 1].k, ix[i].k) == 0) {
                char p[64];

                size_t first = ix[i - 1].i;

                snprintf(p, sizeof(p), "entries[%zu]", ix[i].i);
                free(ix);
                return ifail(x, p, "the same communication as entries[%zu]", first);
            }
        free(ix);
    }
    if (imp_devices(x, json_object_get(doc, "devices")) != 0)
        return -1;
    return imp_windows(x, json_object_get(doc, "windows"));
}

static int rule_eq(const struct otw_bl_rule *a, const struct otw_bl_rule *b)
{
    return strcmp(a->window, b->window) == 0 && strcmp(a->client, b->client) == 0 &&
           strcmp(a->server, b->server) == 0 && a->proto == b->proto && a->port == b->port &&
           strcmp(a->app, b->app) == 0;
}

static int cmd_import(struct common *c, int argc, char **argv)
{
    static const struct option lo[] = {
        COMMON_OPTS,
        {"merge", no_argument, NULL, O_MERGE},
        {NULL, 0, NULL, 0},
    };
    struct imp x;
    struct otw_store *st = NULL;
    struct otw_err err;
    struct otw_bl_windows old = {NULL, 0, 0, NULL, 0, 0};
    json_error_t je;
    json_t *doc = NULL;
    bool merge = false;
    int opt, rc = 1;

    memset(&x, 0, sizeof(x));
    memset(&err, 0, sizeof(err));
    x.c = c;
    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        int k = common_opt(c, opt);

        if (k < 0)
            return 0;
        if (k > 0)
            continue;
        if (opt == O_MERGE) {
            merge = true;
            continue;
        }
        usage(stderr);
        return 2;
    }
    if (argc - optind != 1) {
        cerr(c, "give one file to import (as written by 'otwatch baseline export')");
        return 2;
    }
    x.file = argv[optind];
    if (setup(c) != 0)
        return 2;
    if (strcmp(x.file, "-") == 0)
        doc = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
    else
        doc = json_load_file(x.file, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        if (je.line > 0)
            cerr(c, "%s:%d:%d: not valid JSON: %s", x.file, je.line, je.column, je.text);
        else
            cerr(c, "%s: %s", x.file, je.text);
        goto out;
    }
    if (imp_parse(&x, doc) != 0)
        goto out;
    if ((st = open_store(c, true)) == NULL || begin(c, st) != 0)
        goto out;
    if (!merge) {
        if (otw_store_bl_clear(st, &err) != 0)
            goto fail;
    } else if (load_windows(c, st, &old) != 0) {
        goto out;
    }
    for (size_t i = 0; i < x.nents; i++)
        if (otw_store_bl_entry_put(st, &x.ents[i], &err) != 0)
            goto fail;
    for (size_t i = 0; i < x.ndevs; i++)
        if (otw_store_bl_device_put(st, &x.devs[i], &err) != 0)
            goto fail;
    for (size_t i = 0; i < x.nwins; i++)
        if (otw_store_bl_window_put(st, &x.wins[i], &err) != 0)
            goto fail;
    for (size_t i = 0; i < x.nrules; i++) {
        bool dup = false;

        for (size_t j = 0; j < old.nr && !dup; j++)
            dup = rule_eq(&old.r[j], &x.rules[i]);
        if (!dup && otw_store_bl_rule_add(st, &x.rules[i], &err) != 0)
            goto fail;
    }
    if (!merge && x.mode >= 0 && otw_store_bl_meta_set(st, "mode", otw_bl_mode_name(x.mode),
                                                        &err) != 0)
        goto fail;
    if (x.has_covered) {
        char v[OTW_BL_HOURS + 8];
        int r = 0;

        if (merge && (r = otw_store_bl_meta_get(st, "hours_covered", v, sizeof(v), &err)) < 0)
            goto fail;
        for (int h = 0; h < OTW_BL_HOURS; h++)
            v[h] = (x.covered[h] || (r == 1 && v[h] == '1')) ? '1' : '0';
        v[OTW_BL_HOURS] = '\0';
        if (otw_store_bl_meta_set(st, "hours_covered", v, &err) != 0)
            goto fail;
    }
    if (commit(c, st) != 0)
        goto out;
    printf("imported %zu entr%s, %zu device record%s, %zu window%s (%zu rule%s) from %s%s\n",
           x.nents, x.nents == 1 ? "y" : "ies", x.ndevs, x.ndevs == 1 ? "" : "s", x.nwins,
           x.nwins == 1 ? "" : "s", x.nrules, x.nrules == 1 ? "" : "s", x.file,
           merge ? " (merged)" : " (the baseline was replaced)");
    rc = 0;
    goto out;
fail:
    cerr(c, "%s", err.msg);
out:
    json_decref(doc);
    free(x.ents);
    free(x.devs);
    free(x.wins);
    free(x.rules);
    otw_bl_windows_free(&old);
    otw_store_close(st);
    return rc;
}

/* --- mode ------------------------------------------------------------------------------------ */

static int cmd_mode(struct common *c, int argc, char **argv)
{
    static const struct option lo[] = {
        COMMON_OPTS,
        {NULL, 0, NULL, 0},
    };
    struct otw_store *st = NULL;
    struct otw_err err;
    char cur[32] = "learning";
    int opt, mode = -1, rc = 1, r;

    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        int k = common_opt(c, opt);

        if (k < 0)
            return 0;
        if (k == 0) {
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind > 1) {
        cerr(c, "give one mode: learning or protecting");
        return 2;
    }
    if (optind < argc && (mode = otw_bl_mode_parse(argv[optind])) < 0) {
        cerr(c, "'%s' is not a mode: learning or protecting", argv[optind]);
        return 2;
    }
    if (setup(c) != 0)
        return 2;
    memset(&err, 0, sizeof(err));
    if ((st = open_store(c, mode >= 0)) == NULL)
        goto out;
    if ((r = otw_store_bl_meta_get(st, "mode", cur, sizeof(cur), &err)) < 0) {
        cerr(c, "%s", err.msg);
        goto out;
    }
    if (mode < 0) {
        printf("%s\n", cur);
        rc = 0;
        goto out;
    }
    if (begin(c, st) != 0)
        goto out;
    if (otw_store_bl_meta_set(st, "mode", otw_bl_mode_name(mode), &err) != 0) {
        cerr(c, "%s", err.msg);
        goto out;
    }
    if (commit(c, st) != 0)
        goto out;
    printf("mode: %s (was %s)\n", otw_bl_mode_name(mode), cur);
    if (mode == OTW_BL_PROTECTING) {
        struct otw_baseline *b = otw_baseline_load(st, &err);

        if (b != NULL && !otw_baseline_ready(b))
            fprintf(stderr,
                    "otwatch %s: warning: the baseline has no learned or approved entry yet: "
                    "every communication will be new\n",
                    c->sub);
        otw_baseline_free(b);
    }
    rc = 0;
out:
    otw_store_close(st);
    return rc;
}

/* --- windows --------------------------------------------------------------------------------- */

/* "*", an address, a CIDR range, or an asset name resolved to its address. */
static int resolve_host(struct common *c, struct otw_store *st, const char *opt, const char *s,
                        char *out, size_t len)
{
    int n, r = otw_bl_host_resolve(st, c->cfg, s, out, len, &n);

    if (r == 0 && strcmp(out, s) != 0)
        fprintf(stderr, "otwatch %s: %s %s is %s\n", c->sub, opt, s, out);
    else if (r == OTW_EEXIST)
        cerr(c, "%s '%s': the asset name is on %d addresses; give the address", opt, s, n);
    else if (r != 0)
        cerr(c, "%s '%s': not an address, a CIDR range, * or an asset name", opt, s);
    return r == 0 ? 0 : -1;
}

static int window_list(struct common *c, struct otw_store *st, enum otw_out_format fmt)
{
    struct otw_bl_windows ws;
    char p[32];

    if (load_windows(c, st, &ws) != 0)
        return 1;
    for (size_t i = 0; i < ws.nw; i++) {
        size_t nr = 0;

        if (fmt == OTW_OUT_JSON) {
            json_t *w = json_object(), *ra = json_array();

            json_object_set_new(w, "name", json_string(ws.w[i].name));
            json_object_set_new(w, "schedule", json_string(ws.w[i].schedule));
            for (size_t j = 0; j < ws.nr; j++)
                if (strcmp(ws.r[j].window, ws.w[i].name) == 0)
                    json_array_append_new(ra, rule_json(&ws.r[j]));
            json_object_set_new(w, "rules", ra);
            print_json_line(w);
            json_decref(w);
            continue;
        }
        printf("%s: %s\n", ws.w[i].name, ws.w[i].schedule);
        for (size_t j = 0; j < ws.nr; j++) {
            const struct otw_bl_rule *r = &ws.r[j];

            if (strcmp(r->window, ws.w[i].name) != 0)
                continue;
            nr++;
            printf("  rule %lld: client %s -> server %s, port %s, app %s\n", (long long)r->id,
                   r->client, r->server, otw_bl_portspec_str(r->proto, r->port, p, sizeof(p)),
                   r->app[0] ? r->app : "*");
        }
        if (nr == 0)
            printf("  (no rule: the window restricts nothing yet; add one with 'otwatch "
                   "baseline window rule %s ...')\n",
                   ws.w[i].name);
    }
    if (fmt != OTW_OUT_JSON)
        printf("(%zu window%s)\n", ws.nw, ws.nw == 1 ? "" : "s");
    otw_bl_windows_free(&ws);
    return 0;
}

static int cmd_window(struct common *c, int argc, char **argv)
{
    static const struct option lo[] = {
        COMMON_OPTS,
        {"client", required_argument, NULL, O_CLIENT},
        {"server", required_argument, NULL, O_SERVER},
        {"port", required_argument, NULL, O_PORT},
        {"app", required_argument, NULL, O_APP},
        {"format", required_argument, NULL, O_FORMAT},
        {NULL, 0, NULL, 0},
    };
    const char *client = "*", *server = "*", *port = "*", *app = "*", *what;
    enum otw_out_format fmt = OTW_OUT_TABLE;
    struct otw_store *st = NULL;
    struct otw_err err;
    char sub[64];
    int opt, rc = 1;
    bool rule_opts = false;

    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
            usage(stdout);
            return 0;
        }
        cerr(c, "window takes set, rule, list or remove");
        return 2;
    }
    what = argv[1];
    snprintf(sub, sizeof(sub), "baseline window %s", what);
    c->sub = sub;
    argc--;
    argv++;
    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        int k = common_opt(c, opt);

        if (k < 0)
            return 0;
        if (k > 0)
            continue;
        switch (opt) {
        case O_CLIENT: client = optarg; rule_opts = true; break;
        case O_SERVER: server = optarg; rule_opts = true; break;
        case O_PORT: port = optarg; rule_opts = true; break;
        case O_APP: app = optarg; rule_opts = true; break;
        case O_FORMAT:
            if (otw_out_parse_format(optarg, &fmt) != 0 || fmt == OTW_OUT_CSV) {
                cerr(c, "--format takes table or json");
                return 2;
            }
            break;
        default: usage(stderr); return 2;
        }
    }
    if (rule_opts && strcmp(what, "rule") != 0) {
        cerr(c, "--client, --server, --port and --app belong to 'window rule'");
        return 2;
    }
    memset(&err, 0, sizeof(err));
    if (strcmp(what, "list") == 0) {
        if (optind < argc) {
            cerr(c, "unexpected argument '%s'", argv[optind]);
            return 2;
        }
        if (setup(c) != 0)
            return 2;
        if ((st = open_store(c, false)) != NULL)
            rc = window_list(c, st, fmt);
        goto out;
    }
    if (optind == argc) {
        cerr(c, "give the window's name");
        return 2;
    }
    if (!otw_bl_window_name_ok(argv[optind])) {
        cerr(c, "'%s': %s", argv[optind], OTW_BL_WINDOW_NAME_RULE);
        return 2;
    }
    if (strcmp(what, "set") == 0) {
        struct otw_bl_window w;
        struct otw_schedule *s;
        char text[512] = "";
        size_t o = 0;

        if (optind + 1 >= argc) {
            cerr(c, "give the schedule after the name, e.g. 'Tue 13:00-17:00'");
            return 2;
        }
        /* the schedule may come as several words */
        for (int i = optind + 1; i < argc; i++)
            o += (size_t)snprintf(text + o, o < sizeof(text) ? sizeof(text) - o : 0, "%s%s",
                                  i > optind + 1 ? " " : "", argv[i]);
        if (o >= sizeof(text)) {
            cerr(c, "schedule is too long");
            return 2;
        }
        if (otw_schedule_parse(text, &s, &err) != 0) {
            cerr(c, "%s", err.msg);
            return 2;
        }
        memset(&w, 0, sizeof(w));
        snprintf(w.name, sizeof(w.name), "%s", argv[optind]);
        snprintf(w.schedule, sizeof(w.schedule), "%s", otw_schedule_text(s));
        otw_schedule_free(s);
        if (setup(c) != 0)
            return 2;
        if ((st = open_store(c, true)) == NULL || begin(c, st) != 0)
            goto out;
        if (otw_store_bl_window_put(st, &w, &err) != 0) {
            cerr(c, "%s", err.msg);
            goto out;
        }
        if (commit(c, st) != 0)
            goto out;
        printf("window %s: %s (plant time%s%s)\n", w.name, w.schedule,
               otw_plant_tz()[0] ? ", " : "", otw_plant_tz());
        rc = 0;
    } else if (strcmp(what, "rule") == 0) {
        struct otw_bl_rule r;
        char p[32];

        if (optind + 1 < argc) {
            cerr(c, "unexpected argument '%s' (rule takes the window's name and --client, "
                    "--server, --port, --app)", argv[optind + 1]);
            return 2;
        }
        memset(&r, 0, sizeof(r));
        snprintf(r.window, sizeof(r.window), "%s", argv[optind]);
        if (otw_bl_portspec_parse(port, &r.proto, &r.port, &err) != 0) {
            cerr(c, "--port %s", err.msg);
            return 2;
        }
        if (strlen(app) >= sizeof(r.app) || !otw_bl_text_ok(app) || strchr(app, ' ') != NULL) {
            cerr(c, "--app '%s': a protocol name such as ssh, rdp, modbus, or *", app);
            return 2;
        }
        snprintf(r.app, sizeof(r.app), "%s", app);
        if (setup(c) != 0)
            return 2;
        if ((st = open_store(c, true)) == NULL)
            goto out;
        if (resolve_host(c, st, "--client", client, r.client, sizeof(r.client)) != 0 ||
            resolve_host(c, st, "--server", server, r.server, sizeof(r.server)) != 0) {
            rc = 2;
            goto out;
        }
        if (begin(c, st) != 0)
            goto out;
        if (otw_store_bl_rule_add(st, &r, &err) != 0) {
            cerr(c, "%s", err.msg);
            goto out;
        }
        if (commit(c, st) != 0)
            goto out;
        printf("window %s, rule %lld: client %s -> server %s, port %s, app %s\n", r.window,
               (long long)r.id, r.client, r.server, otw_bl_portspec_str(r.proto, r.port, p, sizeof(p)),
               r.app);
        rc = 0;
    } else if (strcmp(what, "remove") == 0) {
        if (optind + 1 < argc) {
            cerr(c, "unexpected argument '%s'", argv[optind + 1]);
            return 2;
        }
        if (setup(c) != 0)
            return 2;
        if ((st = open_store(c, true)) == NULL || begin(c, st) != 0)
            goto out;
        if (otw_store_bl_window_delete(st, argv[optind], &err) != 0) {
            cerr(c, "%s", err.msg);
            goto out;
        }
        if (commit(c, st) != 0)
            goto out;
        printf("window %s removed, with its rules\n", argv[optind]);
        rc = 0;
    } else {
        cerr(c, "window takes set, rule, list or remove, not '%s'", what);
        return 2;
    }
out:
    otw_store_close(st);
    return rc;
}

/* --- the command ----------------------------------------------------------------------------- */

int otw_cmd_baseline(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(struct common *c, int argc, char **argv);
    } subs[] = {
        {"learn", cmd_learn}, {"show", cmd_show},     {"set", cmd_set},
        {"export", cmd_export}, {"import", cmd_import}, {"mode", cmd_mode},
        {"window", cmd_window},
    };
    struct common c;
    char sub[64];
    int rc;

    memset(&c, 0, sizeof(c));
    c.db = otw_cli_default_db();
    /* `baseline --db X mode` as well as `baseline mode --db X`: move a
     * leading --db behind the command word */
    while (argc >= 3 && (strcmp(argv[1], "--db") == 0 || strncmp(argv[1], "--db=", 5) == 0)) {
        int n = argv[1][4] == '=' ? 1 : 2;
        char *opt[2] = {argv[1], n == 2 ? argv[2] : NULL};

        if (argc < n + 2)
            break;
        memmove(argv + 1, argv + 1 + n, (size_t)(argc - 1 - n) * sizeof(*argv));
        argv[argc - n] = opt[0];
        if (n == 2)
            argv[argc - 1] = opt[1];
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    snprintf(sub, sizeof(sub), "baseline %s", argv[1]);
    c.sub = sub;
    optind = 1;
    if (strcmp(argv[1], "approve") == 0 || strcmp(argv[1], "remove") == 0) {
        rc = cmd_ids(&c, argc - 1, argv + 1, argv[1][0] == 'a');
    } else {
        size_t i;

        for (i = 0; i < OTW_ARRAY_LEN(subs); i++)
            if (strcmp(argv[1], subs[i].name) == 0)
                break;
        if (i == OTW_ARRAY_LEN(subs)) {
            fprintf(stderr,
                    "otwatch baseline: unknown command '%s' (learn, show, approve, remove, set, "
                    "export, import, mode, window; --help shows them)\n",
                    argv[1]);
            return 2;
        }
        rc = subs[i].run(&c, argc - 1, argv + 1);
    }
    otw_config_free(c.cfg);
    return rc;
}
