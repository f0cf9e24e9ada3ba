/*
 * api_daily.c - the daily check: one answer for the page a person reads
 * each morning (web/src/pages/daily.js).
 *
 *   GET /api/daily?day=YYYY-MM-DD&tz=MINUTES&top=N
 *
 * `day` is a day of the browser's calendar, `tz` its offset as JavaScript's
 * Date.getTimezoneOffset() gives it (UTC minus local, -540 for +09:00); the
 * default day is the last one with data (the newest session). The answer:
 *
 *   new      what appeared that day: devices first seen (the inventory, as
 *            `otwatch assets` lists it), communications the baseline
 *            recorded as new, alerts opened
 *   alerts   the alerts open now: counts by severity and the top few
 *   traffic  sessions and bytes per hour of the day for the busiest hosts
 *            (totals as `otwatch hosts --since --until` counts them)
 *   health   capture statistics per interface (drops), the database and the
 *            packet files on disk, the free space of their filesystems
 */
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "api/api.h"
#include "api/api_alerts.h"
#include "cli/output.h"
#include "core/timeutil.h"
#include "detect/assetlist.h"
#include "detect/assets.h"
#include "detect/sessinfo.h"
#include "store/capstatus.h"

#define DAY_US (86400LL * 1000000)
#define HOURS 24
#define LIST_MAX 50             /* items per "new" list (the total is given too) */
#define TOP_ALERTS 5
#define TOP_HOSTS_DEFAULT 10
#define TOP_HOSTS_MAX 50

/* --- calendar --------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "2026-11-27" -> days since the epoch; -1 when it is not such a date. */
static int parse_day(const char *s, int64_t *days)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y, m, d;
    int n = 0;

    if (strlen(s) != 10 || sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10 ||
        s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1] + (m == 2 && leap((int)y)))
        return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

static void day_str(int64_t days, char *buf, size_t len)
{
    int y;
    unsigned m, d;

    civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04d-%02u-%02u", y, m, d);
}

/* Floor division: the local day of a time. */
static int64_t local_day(int64_t us, int64_t tz_min)
{
    int64_t local = us - tz_min * 60 * 1000000;

    return local >= 0 ? local / DAY_US : -((-local + DAY_US - 1) / DAY_US);
}

/* --- the day's range ------------------------------------------------------------- */

struct day {
    int64_t days;                   /* local calendar day, days since the epoch */
    int64_t tz;                     /* minutes, as Date.getTimezoneOffset() */
    int64_t since_us, until_us;
    int64_t last_data_us;           /* newest session start, 0 when none */
};

static int on_newest(void *ctx, const struct otw_session_row *r)
{
    *(int64_t *)ctx = r->s.first_us;
    return 1;
}

/* --- new devices ---------------------------------------------------------------- */

struct new_assets {
    const struct day *d;
    json_t *items;
    uint64_t total;
};

static json_t *asset_json(const struct otw_asset_info *h)
{
    json_t *o = json_object();
    char buf[64];

    json_object_set_new(o, "kind", json_string(h->keylen == 16 ? "ip" : "mac"));
    if (h->keylen == 16)
        json_object_set_new(o, "ip", json_string(otw_ip_str(h->key, buf, sizeof(buf))));
    if (h->keylen == 6)
        json_object_set_new(o, "mac", json_string(otw_mac_str(h->key, buf, sizeof(buf))));
    else if (h->has_mac)
        json_object_set_new(o, "mac", json_string(otw_mac_str(h->mac, buf, sizeof(buf))));
    if (h->name != NULL)
        json_object_set_new(o, "name", json_string(h->name));
    if (h->role != NULL)
        json_object_set_new(o, "role", json_string(h->role));
    if (h->vendor != NULL)
        json_object_set_new(o, "vendor", json_string(h->vendor));
    json_object_set_new(o, "first_us", json_integer(h->first_us));
    json_object_set_new(o, "last_us", json_integer(h->last_us));
    return o;
}

/* A host of the inventory as `otwatch assets` lists it (detect/assetlist.c):
 * kept when first seen in the day. */
static int on_asset(void *ctx, const struct otw_asset_info *h, const struct otw_asset_summary *s)
{
    struct new_assets *c = ctx;

    OTW_UNUSED(s);
    if (!h->seen || h->first_us < c->d->since_us || h->first_us >= c->d->until_us)
        return 0;
    c->total++;
    if (json_array_size(c->items) < LIST_MAX)
        json_array_append_new(c->items, asset_json(h));
    return 0;
}

/* --- new communications (baseline entries recorded as new) ---------------------- */

struct new_comms {
    const struct day *d;
    const struct otw_assets *as;
    json_t *items;
    uint64_t total;
};

static int on_entry(void *ctx, const struct otw_bl_entry *e)
{
    struct new_comms *c = ctx;
    json_t *o;
    char buf[32];

    if (e->status != OTW_BL_NEW || e->first_us < c->d->since_us || e->first_us >= c->d->until_us)
        return 0;
    c->total++;
    if (json_array_size(c->items) >= LIST_MAX)
        return 0;
    o = json_object();
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "client", otw_api_host_json(c->as, e->k.client, NULL));
    json_object_set_new(o, "server", otw_api_host_json(c->as, e->k.server, NULL));
    json_object_set_new(o, "proto", json_string(otw_out_transport(e->k.proto, buf,
                                                                  sizeof(buf))));
    if (e->k.port != 0)
        json_object_set_new(o, "port", json_integer(e->k.port));
    if (e->k.app[0] != '\0')
        json_object_set_new(o, "app", json_string(e->k.app));
    if (e->k.ot_class != 0)
        json_object_set_new(o, "ot_class", json_string(otw_otc_name(e->k.ot_class)));
    json_object_set_new(o, "category", json_string(otw_bl_category_name(e->category)));
    json_object_set_new(o, "sessions", json_integer((json_int_t)e->sessions));
    json_object_set_new(o, "bytes", json_integer((json_int_t)e->bytes));
    json_object_set_new(o, "first_us", json_integer(e->first_us));
    json_object_set_new(o, "last_us", json_integer(e->last_us));
    json_array_append_new(c->items, o);
    return 0;
}

/* --- alerts: opened in the day, and open now ----------------------------------- */

struct day_alerts {
    const struct day *d;
    const struct otw_assets *as;
    json_t *opened;
    uint64_t opened_total;
    /* open now */
    uint64_t by_sev[OTW_SEV_CRITICAL + 1];
    uint64_t open, acknowledged;
    struct {
        int64_t id, last_us;
        int severity;
        json_t *j;
    } top[TOP_ALERTS];
    int ntop;
};

static int on_opened(void *ctx, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    struct day_alerts *c = ctx;

    if (a->first_us < c->d->since_us || a->first_us >= c->d->until_us)
        return 0;
    c->opened_total++;
    if (json_array_size(c->opened) < LIST_MAX)
        json_array_append_new(c->opened, otw_api_alert_json(a, m, c->as));
    return 0;
}

/* Whether alert x ranks above y: higher severity, then seen more recently. */
static bool ranks_above(int sx, int64_t lx, int sy, int64_t ly)
{
    return sx != sy ? sx > sy : lx > ly;
}

static int on_active(void *ctx, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    struct day_alerts *c = ctx;
    int i;

    if (a->status == OTW_AS_ACKNOWLEDGED) {
        c->acknowledged++;
        return 0;
    }
    c->open++;
    if (a->severity >= 0 && a->severity <= OTW_SEV_CRITICAL)
        c->by_sev[a->severity]++;
    /* keep the TOP_ALERTS highest, in rank order */
    for (i = c->ntop; i > 0; i--)
        if (!ranks_above(a->severity, a->last_us, c->top[i - 1].severity, c->top[i - 1].last_us))
            break;
    if (i >= TOP_ALERTS)
        return 0;
    if (c->ntop == TOP_ALERTS)
        json_decref(c->top[--c->ntop].j);
    memmove(&c->top[i + 1], &c->top[i], (size_t)(c->ntop - i) * sizeof(c->top[0]));
    c->top[i].id = a->id;
    c->top[i].severity = a->severity;
    c->top[i].last_us = a->last_us;
    c->top[i].j = otw_api_alert_json(a, m, c->as);
    c->ntop++;
    return 0;
}

/* --- traffic per host and hour ------------------------------------------------- */

struct traffic {
    const struct otw_assets *as;
    json_t *hosts;
    json_t *cur;                    /* the host being filled */
    uint8_t cur_ip[16];
};

static int on_hour(void *ctx, const struct otw_host_hour *h)
{
    struct traffic *c = ctx;
    json_t *s, *b;

    if (h->hour < 0 || h->hour >= HOURS)
        return 0;
    if (c->cur == NULL || memcmp(c->cur_ip, h->ip, 16) != 0) {
        json_t *sa = json_array(), *ba = json_array();
        for (int i = 0; i < HOURS; i++) {
            json_array_append_new(sa, json_integer(0));
            json_array_append_new(ba, json_integer(0));
        }
        c->cur = json_object();
        json_object_set_new(c->cur, "host", otw_api_host_json(c->as, h->ip, NULL));
        json_object_set_new(c->cur, "sessions", json_integer((json_int_t)h->total_sessions));
        json_object_set_new(c->cur, "bytes", json_integer((json_int_t)h->total_bytes));
        json_object_set_new(c->cur, "hourly_sessions", sa);
        json_object_set_new(c->cur, "hourly_bytes", ba);
        json_array_append_new(c->hosts, c->cur);
        memcpy(c->cur_ip, h->ip, 16);
    }
    s = json_object_get(c->cur, "hourly_sessions");
    b = json_object_get(c->cur, "hourly_bytes");
    json_array_set_new(s, (size_t)h->hour, json_integer((json_int_t)h->sessions));
    json_array_set_new(b, (size_t)h->hour, json_integer((json_int_t)h->bytes));
    return 0;
}

/* --- capture health --------------------------------------------------------------- */

/* Free and total bytes of the filesystem holding `path` (a file or a
 * directory); nothing added when it cannot be asked. */
static void add_fs(json_t *o, const char *path, bool is_file)
{
    struct statvfs vf;
    char tmp[1100];
    const char *dir = path;

    if (path == NULL || path[0] == '\0')
        return;
    if (is_file) {
        snprintf(tmp, sizeof(tmp), "%s", path);
        dir = dirname(tmp);
    }
    if (statvfs(dir, &vf) != 0)
        return;
    json_object_set_new(o, "fs_free_bytes",
                        json_integer((json_int_t)((uint64_t)vf.f_bavail * vf.f_frsize)));
    json_object_set_new(o, "fs_total_bytes",
                        json_integer((json_int_t)((uint64_t)vf.f_blocks * vf.f_frsize)));
}

struct newest_file {
    int64_t last_us;
    char dir[1024];
};

static int on_pcapfile(void *ctx, const struct otw_pcapfile *f)
{
    struct newest_file *n = ctx;

    if (f->last_us >= n->last_us) {
        char tmp[1024];
        n->last_us = f->last_us;
        snprintf(tmp, sizeof(tmp), "%s", f->path);
        snprintf(n->dir, sizeof(n->dir), "%s", dirname(tmp));
    }
    return 0;
}

/* What `otwatch status` shows (store/capstatus.h), with the free space of
 * the filesystems of the database and the packet files. */
static json_t *health_json(struct otw_http_req *req, struct otw_store *st, struct otw_err *err)
{
    struct otw_capstatus *cs = malloc(sizeof(*cs));
    const char *path = otw_store_path(st), *pdir = otw_api_pcap_dir(req);
    json_t *h, *ifs, *db, *pk;
    struct newest_file nf;

    if (cs == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    if (otw_capstatus_read(st, path, cs, err) != 0) {
        free(cs);
        return NULL;
    }
    h = json_object();
    ifs = json_array();
    for (int i = 0; i < cs->nifs; i++) {
        const struct otw_iface_status *f = &cs->ifs[i];
        json_t *o = json_object();
        json_object_set_new(o, "interface", json_string(f->c.iface));
        json_object_set_new(o, "point", json_string(f->c.point));
        json_object_set_new(o, "ts_us", json_integer(f->c.ts_us));
        json_object_set_new(o, "started_us", json_integer(f->c.started_us));
        json_object_set_new(o, "received", json_integer((json_int_t)f->c.received));
        json_object_set_new(o, "dropped", json_integer((json_int_t)f->c.dropped));
        json_object_set_new(o, "ifdropped", json_integer((json_int_t)f->c.ifdropped));
        json_object_set_new(o, "drop_percent", json_real(f->drop_pct));
        json_object_set_new(o, "packets_per_second", f->pps < 0 ? json_null() : json_real(f->pps));
        json_array_append_new(ifs, o);
    }
    json_object_set_new(h, "interfaces", ifs);
    db = json_pack("{s:I, s:I}", "bytes", (json_int_t)cs->db_bytes, "wal_bytes",
                   (json_int_t)cs->wal_bytes);
    add_fs(db, path, true);
    json_object_set_new(h, "database", db);
    pk = json_pack("{s:I, s:I, s:I, s:I}", "files", (json_int_t)(cs->pf_ok ? cs->pf_count : 0),
                   "bytes", (json_int_t)(cs->pf_ok ? cs->pf_bytes : 0), "first_us",
                   (json_int_t)cs->pf_first, "last_us", (json_int_t)cs->pf_last);
    memset(&nf, 0, sizeof(nf));
    if (pdir != NULL && pdir[0] != '\0')
        add_fs(pk, pdir, false);
    else if (cs->pf_ok && cs->pf_count > 0 &&
             otw_store_pcapfiles_between(st, 0, INT64_MAX, NULL, false, on_pcapfile, &nf,
                                         err) == 0)
        add_fs(pk, nf.dir, false);
    json_object_set_new(h, "packets", pk);
    free(cs);
    return h;
}

/* --- the handler ------------------------------------------------------------------ */

static int h_daily(struct otw_http_req *req, struct otw_http_resp *resp)
{
    const char *dayarg = otw_http_arg(req, "day");
    struct otw_session_query sq;
    struct otw_store *st;
    struct otw_err err;
    struct otw_assets *as = NULL;
    struct day d;
    struct new_assets na;
    struct otw_asset_filter filter;
    struct new_comms nc;
    struct day_alerts da;
    struct otw_alert_query aq;
    struct traffic tr;
    struct otw_range_totals tot;
    json_t *root = NULL, *top = NULL, *health;
    int64_t ntop;
    char ds[48], prev[48], next[48];   /* room for any int year: no truncation */
    int rc = 0;

    memset(&d, 0, sizeof(d));
    memset(&na, 0, sizeof(na));
    memset(&nc, 0, sizeof(nc));
    memset(&da, 0, sizeof(da));
    memset(&tr, 0, sizeof(tr));
    if (otw_http_arg_int(req, resp, "tz", 0, -16 * 60, 16 * 60, &d.tz) != 0 ||
        otw_http_arg_int(req, resp, "top", TOP_HOSTS_DEFAULT, 1, TOP_HOSTS_MAX, &ntop) != 0)
        return 0;
    if (dayarg != NULL && dayarg[0] != '\0' && parse_day(dayarg, &d.days) != 0)
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "day"),
                              "day: a date as YYYY-MM-DD");
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);

    /* the newest session says which day is the last one with data */
    memset(&sq, 0, sizeof(sq));
    sq.sort_desc = true;
    sq.limit = 1;
    sq.skip_app = true;
    if (otw_store_sessions_query(st, &sq, on_newest, &d.last_data_us, &err) != 0)
        goto store_fail;
    if (dayarg == NULL || dayarg[0] == '\0')
        d.days = local_day(d.last_data_us != 0 ? d.last_data_us : otw_now_us(), d.tz);
    d.since_us = d.days * DAY_US + d.tz * 60 * 1000000;
    d.until_us = d.since_us + DAY_US;
    day_str(d.days, ds, sizeof(ds));
    day_str(d.days - 1, prev, sizeof(prev));
    day_str(d.days + 1, next, sizeof(next));

    /* new devices: the whole inventory, listed as `otwatch assets` lists it */
    as = otw_assets_load(st, otw_api_config(req), &err);
    if (as == NULL)
        goto store_fail;
    na.d = &d;
    na.items = json_array();
    if (otw_asset_filter_init(&filter, NULL, NULL, false, &err) != 0 ||
        otw_assets_list(as, &filter, on_asset, &na) != 0) {
        otw_err_set(&err, -1, "out of memory listing the inventory");
        goto store_fail;
    }

    /* new communications */
    nc.d = &d;
    nc.as = as;
    nc.items = json_array();
    if (otw_store_bl_entries(st, on_entry, &nc, &err) != 0)
        goto store_fail;

    /* alerts opened in the day, alerts open now */
    da.d = &d;
    da.as = as;
    da.opened = json_array();
    memset(&aq, 0, sizeof(aq));
    aq.status = -1;
    aq.kind = -1;
    aq.since_us = d.since_us;
    aq.until_us = d.until_us;
    if (otw_store_alerts_query(st, &aq, on_opened, &da, &err) != 0)
        goto store_fail;
    memset(&aq, 0, sizeof(aq));
    aq.status = -2;
    aq.kind = -1;
    if (otw_store_alerts_query(st, &aq, on_active, &da, &err) != 0)
        goto store_fail;
    top = json_array();
    for (int i = 0; i < da.ntop; i++) {
        json_array_append_new(top, da.top[i].j);
        da.top[i].j = NULL;
    }
    da.ntop = 0;

    /* traffic per host and hour */
    tr.as = as;
    tr.hosts = json_array();
    if (otw_store_host_hours(st, d.since_us, d.until_us, ntop, on_hour, &tr, &tot, &err) != 0)
        goto store_fail;

    if ((health = health_json(req, st, &err)) == NULL)
        goto store_fail;

    root = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "day", ds, "prev_day", prev,
                     "next_day", next, "tz", (json_int_t)d.tz, "since_us", (json_int_t)d.since_us,
                     "until_us", (json_int_t)d.until_us, "last_data_us",
                     (json_int_t)d.last_data_us);
    json_object_set_new(root, "new",
                        json_pack("{s:o, s:I, s:o, s:I, s:o, s:I}", "assets", na.items,
                                  "assets_total", (json_int_t)na.total, "communications",
                                  nc.items, "communications_total", (json_int_t)nc.total,
                                  "alerts", da.opened, "alerts_total",
                                  (json_int_t)da.opened_total));
    na.items = nc.items = da.opened = NULL;
    json_object_set_new(root, "alerts",
                        json_pack("{s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:o}", "open",
                                  (json_int_t)da.open, "acknowledged",
                                  (json_int_t)da.acknowledged, "by_severity", "critical",
                                  (json_int_t)da.by_sev[OTW_SEV_CRITICAL], "high",
                                  (json_int_t)da.by_sev[OTW_SEV_HIGH], "medium",
                                  (json_int_t)da.by_sev[OTW_SEV_MEDIUM], "low",
                                  (json_int_t)da.by_sev[OTW_SEV_LOW], "top", top));
    top = NULL;
    json_object_set_new(root, "traffic",
                        json_pack("{s:i, s:o, s:I, s:I, s:I}", "hours", HOURS, "hosts", tr.hosts,
                                  "hosts_total", (json_int_t)tot.hosts, "sessions",
                                  (json_int_t)tot.sessions, "bytes", (json_int_t)tot.bytes));
    tr.hosts = NULL;
    json_object_set_new(root, "health", health);
    rc = otw_http_json(resp, 200, root);
    goto out;
store_fail:
    rc = otw_http_store_error(resp, &err);
out:
    for (int i = 0; i < da.ntop; i++)
        json_decref(da.top[i].j);
    json_decref(top);
    json_decref(na.items);
    json_decref(nc.items);
    json_decref(da.opened);
    json_decref(tr.hosts);
    otw_assets_free(as);
    return rc;
}

const struct otw_route otw_routes_daily[] = {
    {"GET", "/api/daily", OTW_ACCESS_VIEWER, h_daily},
    {NULL, NULL, 0, NULL},
};
