/*
 * detect.c - the detection engine (detect.h): every stored session record
 * and layer-2 sighting goes past the asset inventory, the detectors and the
 * baseline; alerts are aggregated per cause, written to the store with the
 * sessions, and handed to the outputs.
 *
 * Detectors (docs/ALERTS.md has the rules and the defaults):
 *   novelty (protecting mode only; the baseline learns in learning mode):
 *     new_device, new_peer, new_port, ot_write/ot_program/ot_control,
 *     off_hours, volume;
 *   behaviour (both modes): port_scan/host_sweep, auth_burst,
 *     outbound_blocked/outbound_connected, off_window, arp_spoof,
 *     ip_mac_change.
 * new_peer and new_port are held `hold_s` of session time before they are
 * raised: a new_port from a source that turns out to be scanning is folded
 * into the scan, and what a host spoofing ARP sends to its victims is folded
 * into the arp_spoof alert (the probes that make the victims answer).
 *
 * Counting: an alert counts distinct session records (by uid), so the
 * periodic records of a live session still going count once; ARP alerts
 * count ARP packets.
 *
 * Threads: the writer thread owns an engine (see detect.h).
 */
#include "detect/detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/alertout.h"
#include "detect/assets.h"
#include "detect/baseline.h"
#include "detect/schedule.h"
#include "detect/sessinfo.h"

#define US 1000000LL
#define MAX_NETS 64
#define DETAIL_KEYS 14
#define LIST_MAX 200        /* characters of a list value in the detail */
#define LIST_ITEMS 12       /* items of a list value (then "...") */
#define UID_KEEP 4096       /* uids an alert keeps for counting each once */

/* ---- small hash tables ---------------------------------------------------------------- */

static uint64_t hash_bytes(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    return h ? h : 1;
}

/* Byte-string keys -> pointers; open addressing, keys owned. */
struct hent {
    uint64_t h;
    void *key;
    size_t klen;
    void *val;
};
struct hmap {
    struct hent *v;
    size_t cap, n;
};

static void hm_free(struct hmap *m, void (*fv)(void *))
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->v[i].key != NULL) {
            if (fv != NULL)
                fv(m->v[i].val);
            free(m->v[i].key);
        }
    free(m->v);
    memset(m, 0, sizeof(*m));
}

static int hm_grow(struct hmap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 64;
    struct hent *nv = calloc(nc, sizeof(*nv));

    if (nv == NULL)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        struct hent *e = &m->v[i];
        size_t j;
        if (e->key == NULL)
            continue;
        for (j = e->h & (nc - 1); nv[j].key != NULL; j = (j + 1) & (nc - 1))
            ;
        nv[j] = *e;
    }
    free(m->v);
    m->v = nv;
    m->cap = nc;
    return 0;
}

/* The value slot for key; NULL when absent and !create (or out of memory). */
static void **hm_slot(struct hmap *m, const void *key, size_t klen, bool create)
{
    uint64_t h = hash_bytes(key, klen);
    size_t j;

    if (m->cap > 0) {
        for (j = h & (m->cap - 1); m->v[j].key != NULL; j = (j + 1) & (m->cap - 1))
            if (m->v[j].h == h && m->v[j].klen == klen && memcmp(m->v[j].key, key, klen) == 0)
                return &m->v[j].val;
    }
    if (!create)
        return NULL;
    if ((m->n + 1) * 4 > m->cap * 3 && hm_grow(m) != 0)
        return NULL;
    for (j = h & (m->cap - 1); m->v[j].key != NULL; j = (j + 1) & (m->cap - 1))
        ;
    m->v[j].key = malloc(klen ? klen : 1);
    if (m->v[j].key == NULL)
        return NULL;
    memcpy(m->v[j].key, key, klen);
    m->v[j].klen = klen;
    m->v[j].h = h;
    m->v[j].val = NULL;
    m->n++;
    return &m->v[j].val;
}

/* Removes a key (backward-shift deletion). */
static void hm_del(struct hmap *m, const void *key, size_t klen)
{
    uint64_t h = hash_bytes(key, klen);
    size_t j, k;

    if (m->cap == 0)
        return;
    for (j = h & (m->cap - 1); m->v[j].key != NULL; j = (j + 1) & (m->cap - 1))
        if (m->v[j].h == h && m->v[j].klen == klen && memcmp(m->v[j].key, key, klen) == 0)
            break;
    if (m->v[j].key == NULL)
        return;
    free(m->v[j].key);
    m->v[j].key = NULL;
    m->n--;
    for (k = (j + 1) & (m->cap - 1); m->v[k].key != NULL; k = (k + 1) & (m->cap - 1)) {
        size_t home = m->v[k].h & (m->cap - 1);
        /* can the entry at k move to the hole at j? */
        if ((k > j && (home <= j || home > k)) || (k < j && (home <= j && home > k))) {
            m->v[j] = m->v[k];
            m->v[k].key = NULL;
            j = k;
        }
    }
}

/* uid -> bytes each way (the latest record of that uid). */
struct uent {
    uint64_t uid, c, s;
};
struct uset {
    struct uent *v;
    size_t cap, n;
};

static struct uent *us_get(struct uset *u, uint64_t uid, bool *added)
{
    size_t j;

    *added = false;
    if ((u->n + 1) * 4 > u->cap * 3) {
        size_t nc = u->cap ? u->cap * 2 : 16;
        struct uent *nv = calloc(nc, sizeof(*nv));
        if (nv == NULL)
            return NULL;
        for (size_t i = 0; i < u->cap; i++) {
            if (u->v[i].uid == 0)
                continue;
            for (j = hash_bytes(&u->v[i].uid, 8) & (nc - 1); nv[j].uid != 0; j = (j + 1) & (nc - 1))
                ;
            nv[j] = u->v[i];
        }
        free(u->v);
        u->v = nv;
        u->cap = nc;
    }
    for (j = hash_bytes(&uid, 8) & (u->cap - 1); u->v[j].uid != 0; j = (j + 1) & (u->cap - 1))
        if (u->v[j].uid == uid)
            return &u->v[j];
    u->v[j].uid = uid;
    u->v[j].c = u->v[j].s = 0;
    u->n++;
    *added = true;
    return &u->v[j];
}

/* ---- networks ------------------------------------------------------------------------- */

/* ---- configuration -------------------------------------------------------------------- */


void otw_detect_config_default(struct otw_detect_config *c)
{
    memset(c, 0, sizeof(*c));
    c->enabled = true;
    snprintf(c->networks, sizeof(c->networks), "%s", OTW_DEFAULT_PLANT_NETWORKS);
    c->scan_window_s = 60;
    c->scan_min_ports = 20;
    c->sweep_min_hosts = 10;
    c->scan_max_answered = 0.2;
    c->auth_window_s = 120;
    c->auth_min_sessions = 5;
    c->auth_max_duration_s = 30;
    c->outbound_data_bytes = 1000000;
    snprintf(c->quiet_hours, sizeof(c->quiet_hours), "daily 22:00-06:00");
    c->volume_factor = 10.0;
    c->volume_min_sessions = 100;
    c->volume_min_bytes = 100 * 1000 * 1000;
    c->hold_s = 60;
    c->hours_min_sessions = 20;
}

struct netcat {
    char *buf;
    size_t len;
    bool first;
};

static int cat_networks(void *ctx, const char *key, const char *value, const char *where)
{
    struct netcat *nc = ctx;
    size_t n = strlen(nc->buf);

    OTW_UNUSED(key);
    OTW_UNUSED(where);
    if (nc->first) {
        nc->buf[0] = '\0';
        n = 0;
        nc->first = false;
    }
    snprintf(nc->buf + n, nc->len - n, "%s%s", n ? " " : "", value);
    return 0;
}

static const char *const known_keys[] = {
    "detect.enabled", "detect.scan_window", "detect.scan_min_ports", "detect.sweep_min_hosts",
    "detect.scan_max_answered", "detect.auth_window", "detect.auth_min_sessions",
    "detect.auth_max_duration", "detect.outbound_data_bytes", "detect.quiet_hours",
    "detect.volume_factor", "detect.volume_min_sessions", "detect.volume_min_bytes",
    "detect.hold", "detect.hours_min_sessions",
};

static int check_key(void *ctx, const char *key, const char *value, const char *where)
{
    struct otw_err *err = ctx;

    OTW_UNUSED(value);
    for (size_t i = 0; i < OTW_ARRAY_LEN(known_keys); i++)
        if (strcmp(key, known_keys[i]) == 0)
            return 0;
    otw_err_set(err, -1, "%s: unknown setting '%s' (docs/ALERTS.md lists the detect.* settings)",
                where[0] ? where : "settings", key);
    return OTW_EINVAL;
}

/* Splits "a, b c" into networks; the count, or -1 with err set. */
static int parse_networks(const char *text, struct otw_cidr *out, int max, struct otw_err *err)
{
    char buf[512], *save = NULL;
    int n = 0;

    snprintf(buf, sizeof(buf), "%s", text);
    for (char *t = strtok_r(buf, " ,\t", &save); t != NULL; t = strtok_r(NULL, " ,\t", &save)) {
        if (n == max) {
            otw_err_set(err, -1, "plant.networks: at most %d networks", max);
            return -1;
        }
        if (otw_cidr_parse(t, &out[n]) != 0) {
            otw_err_set(err, -1, "plant.networks: '%s' is not an address or CIDR range", t);
            return -1;
        }
        n++;
    }
    return n;
}

int otw_detect_config_load(struct otw_detect_config *c, const struct otw_config *cfg,
                           struct otw_err *err)
{
    struct netcat nc = {c->networks, sizeof(c->networks), true};
    struct otw_cidr nets[MAX_NETS];
    const char *q;
    int rc;

    if (cfg == NULL)
        return 0;
    if ((rc = otw_config_each(cfg, "detect.", check_key, err)) != 0)
        return rc;
    otw_config_each(cfg, "plant.networks", cat_networks, &nc);
    if (parse_networks(c->networks, nets, MAX_NETS, err) < 0)
        return OTW_EINVAL;
    if ((rc = otw_config_bool(cfg, "detect.enabled", c->enabled, &c->enabled, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.scan_window", c->scan_window_s, 1, 86400,
                             &c->scan_window_s, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.scan_min_ports", c->scan_min_ports, 2, 65536,
                             &c->scan_min_ports, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.sweep_min_hosts", c->sweep_min_hosts, 2, 1 << 24,
                             &c->sweep_min_hosts, err)) != 0 ||
        (rc = otw_config_double(cfg, "detect.scan_max_answered", c->scan_max_answered, 0, 1,
                                &c->scan_max_answered, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.auth_window", c->auth_window_s, 1, 86400,
                             &c->auth_window_s, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.auth_min_sessions", c->auth_min_sessions, 2, 1000000,
                             &c->auth_min_sessions, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.auth_max_duration", c->auth_max_duration_s, 1, 86400,
                             &c->auth_max_duration_s, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.outbound_data_bytes", c->outbound_data_bytes, 0,
                             INT64_MAX / 2, &c->outbound_data_bytes, err)) != 0 ||
        (rc = otw_config_double(cfg, "detect.volume_factor", c->volume_factor, 1, 1e9,
                                &c->volume_factor, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.volume_min_sessions", c->volume_min_sessions, 0,
                             INT64_MAX / 2, &c->volume_min_sessions, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.volume_min_bytes", c->volume_min_bytes, 0,
                             INT64_MAX / 2, &c->volume_min_bytes, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.hold", c->hold_s, 0, 86400, &c->hold_s, err)) != 0 ||
        (rc = otw_config_int(cfg, "detect.hours_min_sessions", c->hours_min_sessions, 1,
                             INT64_MAX / 2, &c->hours_min_sessions, err)) != 0)
        return rc;
    if ((q = otw_config_get(cfg, "detect.quiet_hours")) != NULL) {
        struct otw_schedule *s = NULL;
        if (q[0] != '\0' && strcmp(q, "none") != 0 && otw_schedule_parse(q, &s, err) != 0) {
            char m[sizeof(err->msg)];
            snprintf(m, sizeof(m), "%s", err->msg);
            otw_err_set(err, -1, "%s: detect.quiet_hours: %s", otw_config_where(cfg,
                        "detect.quiet_hours"), m);
            return OTW_EINVAL;
        }
        otw_schedule_free(s);
        snprintf(c->quiet_hours, sizeof(c->quiet_hours), "%s", q);
    }
    return 0;
}

/* ---- alerts in memory ----------------------------------------------------------------- */

struct kv {
    char k[24];
    char v[LIST_MAX + 8];
};

struct dal {
    struct otw_alert a;
    struct kv kv[DETAIL_KEYS];
    int nkv;
    bool held;              /* waiting for hold_s before it is raised */
    int64_t hold_until;
    bool dirty;             /* to be written */
    bool opened;            /* new (or re-opened) since the last save */
    bool dropped;           /* folded into another alert: never written */
    uint64_t run_count;     /* count added since the last save */
    struct uset uids;       /* sessions counted in this run */
    uint64_t *ev;           /* evidence uids not yet written */
    size_t nev, capev;
    size_t evtotal;         /* evidence links so far (cap OTW_ALERT_EVIDENCE_MAX) */
    uint64_t bytes_out, bytes_in;
    struct uset probes;     /* port scans: distinct (host, port) */
    struct uset portset;    /* port scans: distinct ports */
    uint8_t fold_mac[6];    /* novelty: the client's MAC (ARP fold) */
    int64_t pending_first;  /* the earliest occurrence since the last save */
};

static void dal_free(void *p)
{
    struct dal *x = p;

    if (x == NULL)
        return;
    free(x->uids.v);
    free(x->probes.v);
    free(x->portset.v);
    free(x->ev);
    free(x);
}

static const char *kv_get(const struct dal *x, const char *k)
{
    for (int i = 0; i < x->nkv; i++)
        if (strcmp(x->kv[i].k, k) == 0)
            return x->kv[i].v;
    return NULL;
}

static struct kv *kv_slot(struct dal *x, const char *k)
{
    for (int i = 0; i < x->nkv; i++)
        if (strcmp(x->kv[i].k, k) == 0)
            return &x->kv[i];
    if (x->nkv == DETAIL_KEYS)
        return NULL;
    snprintf(x->kv[x->nkv].k, sizeof(x->kv[0].k), "%s", k);
    x->kv[x->nkv].v[0] = '\0';
    return &x->kv[x->nkv++];
}

static void kv_set(struct dal *x, const char *k, const char *v)
{
    struct kv *e = kv_slot(x, k);

    if (e != NULL && strcmp(e->v, v) != 0) {
        snprintf(e->v, sizeof(e->v), "%s", v);
        x->dirty = true;
    }
}

static void kv_setu(struct dal *x, const char *k, uint64_t v)
{
    char b[24];

    snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
    kv_set(x, k, b);
}

static bool list_has(const char *list, const char *item)
{
    size_t il = strlen(item);

    for (const char *p = list; p != NULL && *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n == il && strncmp(p, item, il) == 0)
            return true;
        p = p[n] ? p + n + 1 : p + n;
    }
    return false;
}

static size_t list_items(const char *list)
{
    size_t n = list[0] != '\0';

    for (const char *p = list; *p; p++)
        n += *p == ',';
    return n;
}

/* Numeric items sort as numbers, "tcp/80" by its number too. */
static long item_num(const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    const char *d = slash ? slash + 1 : s;

    if (d >= s + n || *d < '0' || *d > '9')
        return -1;
    return strtol(d, NULL, 10);
}

/* Adds an item to a comma list (sorted when numeric; capped in length). */
static void kv_list_add(struct dal *x, const char *k, const char *item)
{
    struct kv *e = kv_slot(x, k);
    char out[sizeof(e->v)];
    size_t il = strlen(item), o = 0;
    long inum = item_num(item, il);
    bool placed = false;

    if (e == NULL || list_has(e->v, item))
        return;
    if (strlen(e->v) + il + 2 > LIST_MAX || list_items(e->v) >= LIST_ITEMS) {
        if (!list_has(e->v, "..."))
            snprintf(e->v + strlen(e->v), sizeof(e->v) - strlen(e->v), ",...");
        return;
    }
    for (const char *p = e->v; *p != '\0';) {
        size_t n = strcspn(p, ",");
        long pn = item_num(p, n);
        if (!placed && inum >= 0 && pn >= 0 && inum < pn && strncmp(p, "...", 3) != 0) {
            o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? "," : "", item);
            placed = true;
        }
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s", o ? "," : "", (int)n, p);
        p = p[n] ? p + n + 1 : p + n;
    }
    if (!placed)
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? "," : "", item);
    memcpy(e->v, out, o + 1);
    x->dirty = true;
}

static void kv_parse(struct dal *x, const char *detail)
{
    char buf[sizeof(x->a.detail)], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", detail);
    for (char *t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(t, '=');
        struct kv *e;
        if (eq == NULL)
            continue;
        *eq = '\0';
        if ((e = kv_slot(x, t)) != NULL)
            snprintf(e->v, sizeof(e->v), "%s", eq + 1);
    }
}

static void kv_render(const struct dal *x, char *out, size_t len)
{
    size_t o = 0;

    out[0] = '\0';
    for (int i = 0; i < x->nkv && o + 1 < len; i++)
        if (x->kv[i].v[0] != '\0')
            o += (size_t)snprintf(out + o, len - o, "%s%s=%s", o ? " " : "", x->kv[i].k,
                                  x->kv[i].v);
    if (o >= len)
        out[len - 1] = '\0';
}

/* ---- the engine ----------------------------------------------------------------------- */

struct scan_ev {
    int64_t t;
    uint8_t dst[16];
    uint16_t port;
    uint8_t proto;
    bool ok;
    uint64_t uid;
};

/* One source's probes within the scan window. */
struct scanner {
    uint8_t src[16];
    struct scan_ev *ev;
    size_t head, n, cap;        /* ring */
    uint64_t ok;
    uint32_t nhosts;            /* distinct hosts in the window */
    uint32_t maxports;          /* distinct ports on the busiest host (as of the last add) */
    int64_t newest;             /* the latest probe's start */
    struct dal *alert;          /* the scan alert raised for it in this run */
};

struct authq {
    int64_t *t;
    uint64_t *uid;
    size_t head, n, cap;
    bool in_burst;              /* its sessions already count in the alert */
};

struct volh {
    int64_t hour;               /* hour bucket (UTC hours since the epoch) */
    uint64_t sessions, bytes;
};

struct spoofer {
    uint8_t mac[6];
    uint8_t own[16];
    bool has_own;
    char claimed[LIST_MAX];     /* comma list of the victims' addresses */
};

struct otw_detect {
    struct otw_detect_config c;
    struct otw_cidr nets[MAX_NETS];
    int nnets;
    struct otw_baseline *bl;
    struct otw_assets *as;
    struct otw_alertout *out;
    struct otw_schedule *quiet;
    int64_t file_id;
    int64_t now_us, next_hold_us;
    struct hmap alerts;         /* key -> struct dal (open and acknowledged, and new) */
    struct dal **order;         /* every dal, in creation order */
    size_t norder, caporder;
    struct hmap scanners;       /* src[16] -> struct scanner */
    struct hmap pairs;          /* src,dst -> (uintptr_t) distinct ports in the window */
    struct hmap pairev;         /* src,dst -> (uintptr_t) probes in the window */
    struct hmap probes;         /* src,dst,proto,port -> (uintptr_t) events in the window */
    struct hmap auth;           /* src,dst,proto,port -> struct authq */
    struct hmap vol;            /* baseline key -> struct volh */
    struct hmap spoofers;       /* mac[6] -> struct spoofer */
    struct hmap macip;          /* mac[6] -> ip[16] seen from that MAC (sessions, ARP) */
    struct hmap kpairs;         /* hosts that talked in the baseline, noise left out */
    bool kpairs_built;
    time_t labels_at;           /* live: when names and roles were last re-read */
    struct otw_detect_stats stats;
};

static bool in_plant(const struct otw_detect *d, const uint8_t ip[16])
{
    for (int i = 0; i < d->nnets; i++)
        if (otw_cidr_has(&d->nets[i], ip))
            return true;
    return false;
}

static const char *proto_str(int proto, char *buf, size_t len)
{
    switch (proto) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "ipv6-icmp";
    case 132: return "sctp";
    default: snprintf(buf, len, "%d", proto); return buf;
    }
}

static const char *pp_str(int proto, int port, char *buf, size_t len)
{
    char pb[8];

    if (port > 0)
        snprintf(buf, len, "%s/%d", proto_str(proto, pb, sizeof(pb)), port);
    else
        snprintf(buf, len, "%s", proto_str(proto, pb, sizeof(pb)));
    return buf;
}

static int default_severity(int kind)
{
    switch (kind) {
    case OTW_AK_NEW_PORT:
        return OTW_SEV_LOW;
    case OTW_AK_NEW_DEVICE:
    case OTW_AK_NEW_PEER:
    case OTW_AK_OFF_HOURS:
    case OTW_AK_VOLUME:
        return OTW_SEV_MEDIUM;
    case OTW_AK_OT_PROGRAM:
    case OTW_AK_ARP_SPOOF:
        return OTW_SEV_CRITICAL;
    default:
        return OTW_SEV_HIGH;
    }
}

static int order_add(struct otw_detect *d, struct dal *x)
{
    if (d->norder == d->caporder) {
        size_t nc = d->caporder ? d->caporder * 2 : 64;
        struct dal **nv = realloc(d->order, nc * sizeof(*nv));
        if (nv == NULL)
            return -1;
        d->order = nv;
        d->caporder = nc;
    }
    d->order[d->norder++] = x;
    return 0;
}

static void label(const struct otw_detect *d, const uint8_t ip[16], char *buf, size_t len)
{
    otw_assets_label(d->as, ip, buf, len);
}

/* The alert for a key: the open one, or a new one (src/dst may be NULL). */
static struct dal *alert_get(struct otw_detect *d, int kind, const char *key,
                             const uint8_t *src, const uint8_t *dst, int proto, int port,
                             int64_t t, bool *created)
{
    void **slot = hm_slot(&d->alerts, key, strlen(key), true);
    struct dal *x;

    *created = false;
    if (slot == NULL)
        return NULL;
    if (*slot != NULL)
        return *slot;
    x = calloc(1, sizeof(*x));
    if (x == NULL || order_add(d, x) != 0) {
        free(x);
        hm_del(&d->alerts, key, strlen(key));
        return NULL;
    }
    *slot = x;
    x->a.kind = kind;
    x->a.severity = default_severity(kind);
    x->a.status = OTW_AS_OPEN;
    snprintf(x->a.key, sizeof(x->a.key), "%s", key);
    if (src != NULL) {
        memcpy(x->a.src, src, 16);
        x->a.has_src = true;
    }
    if (dst != NULL) {
        memcpy(x->a.dst, dst, 16);
        x->a.has_dst = true;
    }
    x->a.proto = (uint8_t)proto;
    x->a.port = (uint16_t)port;
    x->a.first_us = x->a.last_us = t;
    x->opened = true;
    x->dirty = true;
    *created = true;
    return x;
}

static void span(struct dal *x, int64_t first, int64_t last)
{
    if (first != 0 && (x->pending_first == 0 || first < x->pending_first))
        x->pending_first = first;
    if (first != 0 && (x->a.first_us == 0 || first < x->a.first_us)) {
        x->a.first_us = first;
        x->dirty = true;
    }
    if (last > x->a.last_us) {
        x->a.last_us = last;
        x->dirty = true;
    }
}

static void add_evidence(struct dal *x, uint64_t uid)
{
    if (x->evtotal >= OTW_ALERT_EVIDENCE_MAX)
        return;
    if (x->nev == x->capev) {
        size_t nc = x->capev ? x->capev * 2 : 8;
        uint64_t *nv = realloc(x->ev, nc * sizeof(*nv));
        if (nv == NULL)
            return;
        x->ev = nv;
        x->capev = nc;
    }
    x->ev[x->nev++] = uid;
    x->evtotal++;
}

/* Finds a uid; NULL when absent. */
static struct uent *us_find(const struct uset *u, uint64_t uid)
{
    size_t mask = u->cap - 1;

    if (u->cap == 0)
        return NULL;
    for (size_t j = hash_bytes(&uid, 8) & mask; u->v[j].uid != 0; j = (j + 1) & mask)
        if (u->v[j].uid == uid)
            return &u->v[j];
    return NULL;
}

/* Counts one session record in an alert, once per uid; true when new. The
 * uids are kept while an alert is small, and always for records still in
 * progress (live updates: the same uid comes again, with more bytes), so a
 * long-lived alert's memory follows its sessions in progress, not all of
 * them. */
static bool count_session(struct dal *x, const struct otw_sessinfo *fi)
{
    bool added;
    struct uent *u = us_find(&x->uids, fi->uid);

    span(x, fi->first_us, fi->last_us);
    if (x->a.point_id == 0 && fi->point_id != 0)
        x->a.point_id = fi->point_id;
    if (u != NULL) {
        /* bytes of the latest record of the uid (live updates grow) */
        x->bytes_out += fi->c_bytes - u->c;
        x->bytes_in += fi->s_bytes - u->s;
        u->c = fi->c_bytes;
        u->s = fi->s_bytes;
        return false;
    }
    x->bytes_out += fi->c_bytes;
    x->bytes_in += fi->s_bytes;
    x->a.count++;
    x->run_count++;
    x->dirty = true;
    add_evidence(x, fi->uid);
    if ((fi->update || x->uids.n < UID_KEEP) && (u = us_get(&x->uids, fi->uid, &added)) != NULL) {
        u->c = fi->c_bytes;
        u->s = fi->s_bytes;
    }
    return true;
}

/* Moves the sessions of `from` (folded) into `into`. */
static void fold_into(struct dal *from, struct dal *into)
{
    uint64_t moved = 0;

    for (size_t i = 0; i < from->uids.cap; i++) {
        const struct uent *u = &from->uids.v[i];
        struct otw_sessinfo fi;
        if (u->uid == 0)
            continue;
        memset(&fi, 0, sizeof(fi));
        fi.uid = u->uid;
        fi.c_bytes = u->c;
        fi.s_bytes = u->s;
        count_session(into, &fi);
        moved++;
    }
    if (from->a.count > moved) {    /* sessions past the uids kept */
        into->a.count += from->a.count - moved;
        into->run_count += from->a.count - moved;
    }
    span(into, from->a.first_us, from->a.last_us);
    from->dropped = true;
    from->held = false;
}

/* ---- detectors: novelty ------------------------------------------------------------- */

static void key2(char *key, size_t len, const char *kind, const uint8_t a[16], const uint8_t b[16])
{
    char x[64], y[64];

    snprintf(key, len, "%s %s %s", kind, otw_ip_str(a, x, sizeof(x)),
             b ? otw_ip_str(b, y, sizeof(y)) : "-");
}

static void hold(struct otw_detect *d, struct dal *x, bool created, const struct otw_sessinfo *fi)
{
    if (!created)
        return;
    x->held = true;
    x->hold_until = fi->first_us + d->c.hold_s * US;
    memcpy(x->fold_mac, fi->client_mac, 6);
    if (d->next_hold_us == 0 || x->hold_until < d->next_hold_us)
        d->next_hold_us = x->hold_until;
}

static bool device_mac(const uint8_t mac[6])
{
    static const uint8_t zero[6];

    return !otw_mac_is_group(mac) && memcmp(mac, zero, 6) != 0;
}

static bool device_ip(const struct otw_detect *d, const uint8_t ip[16])
{
    return otw_ip_is_v4(ip) && !otw_ip_is_unspecified(ip) && !otw_ip_is_multicast(ip) &&
           !otw_ip_is_broadcast(ip) && ip[15] != 255 && in_plant(d, ip);
}

/* A device (MAC and/or plant address) that sent packets. */
static void check_device(struct otw_detect *d, const uint8_t mac[6], const uint8_t *ip,
                         int64_t first, int64_t last, const struct otw_sessinfo *fi,
                         uint64_t events)
{
    char key[128], m[24], b[64];
    bool new_mac = mac != NULL && device_mac(mac) && !otw_baseline_knows_mac(d->bl, mac);
    bool new_ip = ip != NULL && device_ip(d, ip) && !otw_baseline_knows_ip(d->bl, ip);
    struct dal *x;
    bool created;

    if (!new_mac && !new_ip)
        return;
    if (new_mac)
        snprintf(key, sizeof(key), "new_device mac %s", otw_mac_str(mac, m, sizeof(m)));
    else
        snprintf(key, sizeof(key), "new_device ip %s", otw_ip_str(ip, b, sizeof(b)));
    x = alert_get(d, OTW_AK_NEW_DEVICE, key, ip != NULL && device_ip(d, ip) ? ip : NULL, NULL, 0,
                  0, first, &created);
    if (x == NULL)
        return;
    if (mac != NULL && device_mac(mac)) {
        if (!x->a.has_mac) {
            memcpy(x->a.mac, mac, 6);
            x->a.has_mac = true;
            kv_set(x, "mac", otw_mac_str(mac, m, sizeof(m)));
            kv_set(x, "vendor", otw_mac_vendor(mac) ? otw_mac_vendor(mac) : "unknown");
            {
                /* a vendor name has blanks: the detail keeps it readable with '_' */
                struct kv *e = kv_slot(x, "vendor");
                for (char *p = e ? e->v : NULL; p && *p; p++)
                    if (*p == ' ')
                        *p = '_';
            }
        }
    }
    if (ip != NULL && device_ip(d, ip)) {
        if (!x->a.has_src) {
            memcpy(x->a.src, ip, 16);
            x->a.has_src = true;
            x->dirty = true;
        }
        kv_list_add(x, "ip", otw_ip_str(ip, b, sizeof(b)));
    }
    if (fi != NULL) {
        count_session(x, fi);
    } else {
        span(x, first, last);
        x->a.count += events;
        x->run_count += events;
        x->dirty = true;
    }
}

/* Noise in the baseline (ICMP, IGMP, DHCP, to multicast or broadcast) does
 * not make two hosts peers: a ping to the router is not a relationship. */
static bool noise_entry(const struct otw_bl_key *k)
{
    return k->proto == 1 || k->proto == 58 || k->proto == 2 || otw_ip_is_multicast(k->server) ||
           otw_ip_is_broadcast(k->server) || otw_ip_is_unspecified(k->client) ||
           (otw_ip_is_linklocal(k->client) && otw_ip_is_linklocal(k->server)) ||
           (k->proto == 17 && (k->port == 67 || k->port == 68 || k->port == 547));
}

static void pair_key(uint8_t out[32], const uint8_t a[16], const uint8_t b[16])
{
    bool ab = memcmp(a, b, 16) <= 0;

    memcpy(out, ab ? a : b, 16);
    memcpy(out + 16, ab ? b : a, 16);
}

static bool knows_pair(struct otw_detect *d, const uint8_t client[16], const uint8_t server[16])
{
    uint8_t k[32];

    if (!d->kpairs_built) {
        size_t n;
        const struct otw_bl_entry *e = otw_baseline_entries(d->bl, &n);
        for (size_t i = 0; i < n; i++) {
            void **slot;
            if (e[i].status == OTW_BL_NEW || noise_entry(&e[i].k))
                continue;
            pair_key(k, e[i].k.client, e[i].k.server);
            if ((slot = hm_slot(&d->kpairs, k, 32, true)) != NULL)
                *slot = (void *)1;
        }
        d->kpairs_built = true;
    }
    pair_key(k, client, server);
    return hm_slot(&d->kpairs, k, 32, false) != NULL &&
           otw_baseline_knows_pair(d->bl, client, server);
}

static void novelty(struct otw_detect *d, const struct otw_sessinfo *fi)
{
    char key[200], pp[32];
    struct dal *x;
    bool created;
    int port = fi->server_port;

    /* devices: the client sent the packets; the server when it answered */
    check_device(d, fi->client_mac, fi->client, fi->first_us, fi->last_us, fi, 0);
    if (fi->answered)
        check_device(d, fi->server_mac, fi->server, fi->first_us, fi->last_us, fi, 0);

    /* OT function classes */
    for (unsigned bit = OTW_OTC_WRITE; bit <= OTW_OTC_CONTROL; bit <<= 1) {
        int kind = bit == OTW_OTC_WRITE ? OTW_AK_OT_WRITE
                   : bit == OTW_OTC_PROGRAM ? OTW_AK_OT_PROGRAM : OTW_AK_OT_CONTROL;
        char k0[140];
        if (!(fi->ot_classes & bit) ||
            otw_baseline_knows_class(d->bl, fi->client, fi->server, fi->app, bit))
            continue;
        key2(k0, sizeof(k0), otw_alert_kind_name(kind), fi->client, fi->server);
        snprintf(key, sizeof(key), "%s %s", k0, fi->app);
        x = alert_get(d, kind, key, fi->client, fi->server, fi->proto, port, fi->first_us,
                      &created);
        if (x == NULL)
            continue;
        kv_set(x, "app", fi->app[0] ? fi->app : "-");
        {
            char buf[sizeof(fi->ot_funcs)], *save = NULL;
            snprintf(buf, sizeof(buf), "%s", fi->ot_funcs);
            for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
                kv_list_add(x, "fc", t);
        }
        count_session(x, fi);
    }

    /* new pair / new port */
    if (!knows_pair(d, fi->client, fi->server)) {
        key2(key, sizeof(key), "new_peer", fi->client, fi->server);
        x = alert_get(d, OTW_AK_NEW_PEER, key, fi->client, fi->server, fi->proto, port,
                      fi->first_us, &created);
        if (x == NULL)
            return;
        hold(d, x, created, fi);
        if (!in_plant(d, fi->client) || !in_plant(d, fi->server))
            x->a.severity = OTW_SEV_HIGH;
        kv_list_add(x, "ports", pp_str(fi->proto, port, pp, sizeof(pp)));
        count_session(x, fi);
    } else if (!otw_baseline_knows_port(d->bl, fi->client, fi->server, fi->proto, (uint16_t)port)) {
        char k0[140];
        key2(k0, sizeof(k0), "new_port", fi->client, fi->server);
        snprintf(key, sizeof(key), "%s %s", k0, pp_str(fi->proto, port, pp, sizeof(pp)));
        x = alert_get(d, OTW_AK_NEW_PORT, key, fi->client, fi->server, fi->proto, port,
                      fi->first_us, &created);
        if (x == NULL)
            return;
        hold(d, x, created, fi);
        count_session(x, fi);
    }
}

/* ---- detectors: hours and windows --------------------------------------------------- */

static bool remote_access(const struct otw_sessinfo *fi)
{
    static const char *const apps[] = {"ssh", "rdp", "telnet", "vnc", "rfb", "smb"};
    static const uint16_t ports[] = {22, 23, 3389, 5900, 5800, 445, 139};

    for (size_t i = 0; i < OTW_ARRAY_LEN(apps); i++)
        if (strcmp(fi->app, apps[i]) == 0)
            return true;
    if (fi->proto != 6)
        return false;
    for (size_t i = 0; i < OTW_ARRAY_LEN(ports); i++)
        if (fi->server_port == ports[i])
            return true;
    return false;
}

static void local_time(int64_t us, char *buf, size_t len)
{
    struct otw_local l;
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

    otw_plant_local(us, &l);
    snprintf(buf, len, "%s_%02d:%02d", days[l.wday % 7], l.hour, l.min);
}

/* A communication with a rhythm: enough learned sessions, and several in
 * each hour it ran in (a poll or a job), not a few scattered ones. */
static bool rhythm(const struct otw_detect *d, const struct otw_bl_entry *e)
{
    uint64_t active = 0, n = 0;

    if (e->sessions < (uint64_t)d->c.hours_min_sessions)
        return false;
    for (int h = 0; h < 168; h++)
        if (e->hours[h] > 0) {
            active++;
            n += e->hours[h];
        }
    return active > 0 && n >= 4 * active;
}

static void hours(struct otw_detect *d, const struct otw_sessinfo *fi, bool learning)
{
    const char *w;
    char key[220], pp[32], k0[140], t[32];
    struct dal *x;
    bool created;
    int how;
    struct otw_bl_key keys[OTW_OTC_COUNT + 1];
    const struct otw_bl_entry *e = NULL;
    bool used = fi->c_payload > 0 && fi->s_payload > 0;

    pp_str(fi->proto, fi->server_port, pp, sizeof(pp));
    if ((w = otw_baseline_window_of(d->bl, fi)) != NULL) {
        /* judged by its window only; a connection that carried nothing did
         * not use the service (a port scan's connect) */
        if (!used || otw_baseline_window_open(d->bl, w, fi->first_us))
            return;
        key2(k0, sizeof(k0), "off_window", fi->client, fi->server);
        snprintf(key, sizeof(key), "%s %s %s", k0, pp, w);
        x = alert_get(d, OTW_AK_OFF_WINDOW, key, fi->client, fi->server, fi->proto,
                      fi->server_port, fi->first_us, &created);
        if (x == NULL)
            return;
        kv_set(x, "window", w);
        local_time(fi->first_us, t, sizeof(t));
        if (created)
            kv_set(x, "time", t);
        count_session(x, fi);
        return;
    }
    if (learning)
        return;
    how = otw_plant_how(fi->first_us);
    if (otw_bl_keys_of(fi, keys) > 0)
        e = otw_baseline_find(d->bl, &keys[0]);
    if (used && remote_access(fi) && d->quiet != NULL &&
        otw_schedule_contains(d->quiet, fi->first_us) && (e == NULL || e->hours[how] == 0)) {
        key2(k0, sizeof(k0), "off_hours", fi->client, fi->server);
        snprintf(key, sizeof(key), "%s %s", k0, pp);
        x = alert_get(d, OTW_AK_OFF_HOURS, key, fi->client, fi->server, fi->proto,
                      fi->server_port, fi->first_us, &created);
        if (x == NULL)
            return;
        kv_set(x, "reason", "quiet-hours");
        local_time(fi->first_us, t, sizeof(t));
        if (created)
            kv_set(x, "time", t);
        count_session(x, fi);
        return;
    }
    /* only a communication with enough history has a rhythm to break; an
     * hour next to one it ran in is not unusual: the profile counts
     * sessions by their start, and a long one runs on into the next hour */
    if (e != NULL && rhythm(d, e) && otw_baseline_hour_covered(d->bl, how) && e->hours[how] == 0 &&
        e->hours[(how + 1) % 168] == 0 && e->hours[(how + 167) % 168] == 0) {
        key2(k0, sizeof(k0), "off_hours", fi->client, fi->server);
        snprintf(key, sizeof(key), "%s %s", k0, pp);
        x = alert_get(d, OTW_AK_OFF_HOURS, key, fi->client, fi->server, fi->proto,
                      fi->server_port, fi->first_us, &created);
        if (x == NULL)
            return;
        if (created)
            kv_set(x, "reason", "unusual-hour");
        local_time(fi->first_us, t, sizeof(t));
        if (created)
            kv_set(x, "time", t);
        count_session(x, fi);
    }
}

/* ---- detectors: outbound ------------------------------------------------------------ */

static void outbound(struct otw_detect *d, const struct otw_sessinfo *fi)
{
    bool blocked;
    int kind;
    char key[220], k0[140], pp[32];
    struct dal *x;
    bool created;

    if (!in_plant(d, fi->client) || in_plant(d, fi->server) || otw_ip_is_multicast(fi->server) ||
        otw_ip_is_broadcast(fi->server) || otw_ip_is_unspecified(fi->server))
        return;
    blocked = !fi->answered || fi->state == OTW_ST_ATTEMPT || fi->state == OTW_ST_REJECTED;
    kind = blocked ? OTW_AK_OUTBOUND_BLOCKED : OTW_AK_OUTBOUND_CONNECTED;
    key2(k0, sizeof(k0), otw_alert_kind_name(kind), fi->client, fi->server);
    snprintf(key, sizeof(key), "%s %s", k0, pp_str(fi->proto, fi->server_port, pp, sizeof(pp)));
    x = alert_get(d, kind, key, fi->client, fi->server, fi->proto, fi->server_port,
                  fi->first_us, &created);
    if (x == NULL)
        return;
    count_session(x, fi);
    if (blocked) {
        /* a refusal (RST) is an answer of sorts: from the firewall or the host */
        const char *was = kv_get(x, "answer");
        if (fi->state == OTW_ST_REJECTED && fi->answered) {
            if (was == NULL)
                kv_set(x, "answer", "refused");
        } else {
            kv_set(x, "answer", "none");
        }
        return;
    }
    kv_setu(x, "bytes_out", x->bytes_out);
    kv_setu(x, "bytes_in", x->bytes_in);
    if (x->bytes_out > (uint64_t)d->c.outbound_data_bytes ||
        x->bytes_in > (uint64_t)d->c.outbound_data_bytes) {
        kv_set(x, "class", "data-transfer");
        x->a.severity = OTW_SEV_CRITICAL;
    } else if (kv_get(x, "class") == NULL || strcmp(kv_get(x, "class"), "data-transfer") != 0) {
        kv_set(x, "class", "answered");
    }
}

/* ---- detectors: scans and sweeps ---------------------------------------------------- */

struct pairkey {
    uint8_t src[16], dst[16];
};
struct probekey {
    uint8_t src[16], dst[16];
    uint16_t port;
    uint8_t proto;
    uint8_t pad;
};

static void probe_key(struct probekey *k, const uint8_t src[16], const struct scan_ev *e)
{
    memset(k, 0, sizeof(*k));
    memcpy(k->src, src, 16);
    memcpy(k->dst, e->dst, 16);
    k->port = e->port;
    k->proto = e->proto;
}

static uintptr_t counter(struct hmap *m, const void *k, size_t kl, int delta)
{
    void **slot = hm_slot(m, k, kl, delta > 0);
    uintptr_t v;

    if (slot == NULL)
        return 0;
    v = (uintptr_t)*slot;
    v = delta > 0 ? v + 1 : (v > 0 ? v - 1 : 0);
    if (v == 0)
        hm_del(m, k, kl);
    else
        *slot = (void *)v;
    return v;
}

/* Adds or removes one probe; returns the distinct ports on its host after. */
static uint32_t scan_account(struct otw_detect *d, struct scanner *s, const struct scan_ev *e,
                             int delta)
{
    struct probekey pk;
    struct pairkey qk;
    uintptr_t pv, ev, ports = 0;
    void **slot;

    probe_key(&pk, s->src, e);
    memcpy(qk.src, s->src, 16);
    memcpy(qk.dst, e->dst, 16);
    pv = counter(&d->probes, &pk, sizeof(pk), delta);
    ev = counter(&d->pairev, &qk, sizeof(qk), delta);
    if (delta > 0 && ev == 1)
        s->nhosts++;
    else if (delta < 0 && ev == 0 && s->nhosts > 0)
        s->nhosts--;
    if (e->port != 0 && ((delta > 0 && pv == 1) || (delta < 0 && pv == 0)))
        ports = counter(&d->pairs, &qk, sizeof(qk), delta);
    else if ((slot = hm_slot(&d->pairs, &qk, sizeof(qk), false)) != NULL)
        ports = (uintptr_t)*slot;
    return (uint32_t)ports;
}

static void scan_free(void *p)
{
    struct scanner *s = p;

    if (s != NULL)
        free(s->ev);
    free(s);
}

static void scan_alert(struct otw_detect *d, struct scanner *s, const struct scan_ev *e,
                       int kind, bool all_window)
{
    char key[128], b[64];
    bool created;
    struct dal *x = s->alert;

    if (x == NULL) {
        key2(key, sizeof(key), "scan", s->src, NULL);
        x = alert_get(d, kind, key, s->src, NULL, 0, 0, e->t, &created);
        if (x == NULL)
            return;
        s->alert = x;
        kv_setu(x, "window_s", (uint64_t)d->c.scan_window_s);
    }
    for (size_t i = all_window ? 0 : s->n - 1; i < s->n; i++) {
        const struct scan_ev *v = &s->ev[(s->head + i) % s->cap];
        struct otw_sessinfo fi;
        bool added;
        uint64_t pk;

        memset(&fi, 0, sizeof(fi));
        fi.uid = v->uid;
        fi.first_us = fi.last_us = v->t;
        count_session(x, &fi);
        if (!x->a.has_dst) {
            memcpy(x->a.dst, v->dst, 16);
            x->a.has_dst = true;
        }
        kv_list_add(x, "targets", otw_ip_str(v->dst, b, sizeof(b)));
        if (v->port != 0 && x->probes.n < (1u << 20)) {    /* bounded memory */
            pk = hash_bytes(v->dst, 16) ^ ((uint64_t)v->port << 8) ^ v->proto;
            us_get(&x->probes, pk ? pk : 1, &added);
            pk = ((uint64_t)v->proto << 16) | v->port;
            us_get(&x->portset, pk, &added);
        }
    }
    {
        /* hosts: distinct targets listed */
        const char *t = kv_get(x, "targets");
        uint64_t nh = 0;
        for (const char *p = t; p && *p; p++)
            nh += *p == ',';
        kv_setu(x, "nhosts", t && *t ? nh + 1 : 0);
    }
    kv_setu(x, "nports", x->portset.n);
    kv_setu(x, "probes", x->probes.n);
    if (x->a.count > 0) {
        char pct[16];
        snprintf(pct, sizeof(pct), "%.0f%%", 100.0 * (double)s->ok / (double)(s->n ? s->n : 1));
        kv_set(x, "answered", pct);
    }
}

static void scan_track(struct otw_detect *d, const struct otw_sessinfo *fi)
{
    void **slot = hm_slot(&d->scanners, fi->client, 16, true);
    struct scanner *s;
    struct scan_ev e;
    uint32_t ports;
    int64_t from;

    if (slot == NULL)
        return;
    if ((s = *slot) == NULL) {
        if ((s = calloc(1, sizeof(*s))) == NULL)
            return;
        memcpy(s->src, fi->client, 16);
        *slot = s;
    }
    memset(&e, 0, sizeof(e));
    e.t = fi->first_us;
    memcpy(e.dst, fi->server, 16);
    e.proto = fi->proto;
    e.port = fi->proto == 6 || fi->proto == 17 || fi->proto == 132 ? fi->server_port : 0;
    e.ok = fi->answered && fi->state != OTW_ST_ATTEMPT && fi->state != OTW_ST_REJECTED;
    e.uid = fi->uid;
    /* the window: probes that started at or after (newest - window) */
    if (e.t > s->newest)
        s->newest = e.t;
    from = s->newest - d->c.scan_window_s * US;
    if (e.t < from)
        return;     /* arrived late, older than the window */
    while (s->n > 0 && s->ev[s->head].t < from) {
        struct scan_ev *o = &s->ev[s->head];
        scan_account(d, s, o, -1);
        if (o->ok)
            s->ok--;
        s->head = (s->head + 1) % s->cap;
        s->n--;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct scan_ev *nv = malloc(nc * sizeof(*nv));
        if (nv == NULL)
            return;
        for (size_t i = 0; i < s->n; i++)
            nv[i] = s->ev[(s->head + i) % s->cap];
        free(s->ev);
        s->ev = nv;
        s->cap = nc;
        s->head = 0;
    }
    s->ev[(s->head + s->n) % s->cap] = e;
    s->n++;
    if (e.ok)
        s->ok++;
    ports = scan_account(d, s, &e, 1);
    if (ports > s->maxports)
        s->maxports = ports;
    {
        double share = (double)s->ok / (double)s->n;
        bool mostly_failed = share <= d->c.scan_max_answered;
        bool port_scan = ports >= (uint32_t)d->c.scan_min_ports;
        bool sweep = s->nhosts >= (uint32_t)d->c.sweep_min_hosts;

        if (s->alert != NULL) {
            /* scanning: probes go on counting while the window still is a scan */
            if (mostly_failed && (port_scan || sweep))
                scan_alert(d, s, &e, s->alert->a.kind, false);
        } else if (mostly_failed && (port_scan || sweep)) {
            scan_alert(d, s, &e, port_scan ? OTW_AK_PORT_SCAN : OTW_AK_HOST_SWEEP, true);
        }
    }
}

/* ---- detectors: authentication bursts ------------------------------------------------ */

static bool login_service(const struct otw_sessinfo *fi)
{
    static const char *const apps[] = {"ssh", "rdp", "smb", "telnet", "ftp"};
    static const uint16_t ports[] = {22, 3389, 445, 139, 23, 21};

    for (size_t i = 0; i < OTW_ARRAY_LEN(apps); i++)
        if (strcmp(fi->app, apps[i]) == 0)
            return true;
    if (fi->proto != 6)
        return false;
    for (size_t i = 0; i < OTW_ARRAY_LEN(ports); i++)
        if (fi->server_port == ports[i])
            return true;
    return false;
}

static void authq_free(void *p)
{
    struct authq *q = p;

    if (q != NULL) {
        free(q->t);
        free(q->uid);
    }
    free(q);
}

static void auth_track(struct otw_detect *d, const struct otw_sessinfo *fi)
{
    struct probekey k;
    void **slot;
    struct authq *q;
    int64_t from;

    if (!login_service(fi) || fi->c_payload == 0 || fi->s_payload == 0 ||
        fi->last_us - fi->first_us > d->c.auth_max_duration_s * US)
        return;
    memset(&k, 0, sizeof(k));
    memcpy(k.src, fi->client, 16);
    memcpy(k.dst, fi->server, 16);
    k.port = fi->server_port;
    k.proto = fi->proto;
    if ((slot = hm_slot(&d->auth, &k, sizeof(k), true)) == NULL)
        return;
    if ((q = *slot) == NULL) {
        if ((q = calloc(1, sizeof(*q))) == NULL)
            return;
        *slot = q;
    }
    from = fi->first_us - d->c.auth_window_s * US;
    while (q->n > 0 && q->t[q->head] < from) {
        q->head = (q->head + 1) % q->cap;
        q->n--;
    }
    if (q->n == q->cap) {
        size_t nc = q->cap ? q->cap * 2 : 16;
        int64_t *nt = malloc(nc * sizeof(*nt));
        uint64_t *nu = malloc(nc * sizeof(*nu));
        if (nt == NULL || nu == NULL) {
            free(nt);
            free(nu);
            return;
        }
        for (size_t i = 0; i < q->n; i++) {
            nt[i] = q->t[(q->head + i) % q->cap];
            nu[i] = q->uid[(q->head + i) % q->cap];
        }
        free(q->t);
        free(q->uid);
        q->t = nt;
        q->uid = nu;
        q->cap = nc;
        q->head = 0;
    }
    q->t[(q->head + q->n) % q->cap] = fi->first_us;
    q->uid[(q->head + q->n) % q->cap] = fi->uid;
    q->n++;
    if (q->n < (size_t)d->c.auth_min_sessions) {
        q->in_burst = false;
    } else {
        char key[220], k0[140], pp[32];
        bool created;
        struct dal *x;

        key2(k0, sizeof(k0), "auth_burst", fi->client, fi->server);
        snprintf(key, sizeof(key), "%s %s", k0, pp_str(fi->proto, fi->server_port, pp,
                                                       sizeof(pp)));
        x = alert_get(d, OTW_AK_AUTH_BURST, key, fi->client, fi->server, fi->proto,
                      fi->server_port, q->t[q->head], &created);
        if (x == NULL)
            return;
        /* entering a burst: the sessions of the window; in one: this one */
        for (size_t i = q->in_burst ? q->n - 1 : 0; i < q->n; i++) {
            struct otw_sessinfo s;
            memset(&s, 0, sizeof(s));
            s.uid = q->uid[(q->head + i) % q->cap];
            s.first_us = s.last_us = q->t[(q->head + i) % q->cap];
            count_session(x, &s);
        }
        q->in_burst = true;
        span(x, fi->first_us, fi->last_us);
        kv_set(x, "app", fi->app[0] ? fi->app : pp);
        kv_setu(x, "sessions", x->a.count);
        kv_setu(x, "window_s", (uint64_t)d->c.auth_window_s);
    }
}

/* ---- detectors: volume -------------------------------------------------------------- */

static void volume(struct otw_detect *d, const struct otw_sessinfo *fi)
{
    struct otw_bl_key keys[OTW_OTC_COUNT + 1];
    const struct otw_bl_entry *e;
    void **slot;
    struct volh *v;
    int64_t hour = fi->first_us / (3600 * US);
    uint32_t peak = 0;
    uint64_t peak_bytes;

    struct otw_bl_key k;

    if (otw_bl_keys_of(fi, keys) == 0 || (e = otw_baseline_find(d->bl, &keys[0])) == NULL ||
        e->sessions == 0)
        return;
    memset(&k, 0, sizeof(k));     /* a clean copy: padding and the app's tail are hashed */
    memcpy(k.client, keys[0].client, 16);
    memcpy(k.server, keys[0].server, 16);
    k.proto = keys[0].proto;
    k.port = keys[0].port;
    snprintf(k.app, sizeof(k.app), "%s", keys[0].app);
    k.ot_class = keys[0].ot_class;
    if ((slot = hm_slot(&d->vol, &k, sizeof(k), true)) == NULL)
        return;
    if ((v = *slot) == NULL) {
        if ((v = calloc(1, sizeof(*v))) == NULL)
            return;
        *slot = v;
    }
    if (v->hour != hour) {
        v->hour = hour;
        v->sessions = v->bytes = 0;
    }
    v->sessions++;
    v->bytes += fi->c_bytes + fi->s_bytes;
    for (int h = 0; h < 168; h++)
        if (e->hours[h] > peak)
            peak = e->hours[h];
    if (peak == 0)
        peak = 1;
    /* bytes in the peak hour, estimated from the entry's bytes per session */
    peak_bytes = (uint64_t)((double)e->bytes / (double)e->sessions * peak);
    if ((v->sessions > d->c.volume_factor * peak &&
         v->sessions >= (uint64_t)d->c.volume_min_sessions) ||
        (v->bytes > d->c.volume_factor * (double)peak_bytes &&
         v->bytes >= (uint64_t)d->c.volume_min_bytes)) {
        char key[220], k0[140], pp[32];
        bool created;
        struct dal *x;

        key2(k0, sizeof(k0), "volume", fi->client, fi->server);
        snprintf(key, sizeof(key), "%s %s %s", k0, pp_str(fi->proto, fi->server_port, pp,
                                                          sizeof(pp)), fi->app);
        x = alert_get(d, OTW_AK_VOLUME, key, fi->client, fi->server, fi->proto,
                      fi->server_port, fi->first_us, &created);
        if (x == NULL)
            return;
        count_session(x, fi);
        kv_setu(x, "sessions", v->sessions);
        kv_setu(x, "bytes", v->bytes);
        kv_setu(x, "peak_sessions", peak);
        kv_setu(x, "peak_bytes", peak_bytes);
    }
}

/* ---- held alerts ---------------------------------------------------------------------- */

static struct spoofer *spoofer_of(struct otw_detect *d, const uint8_t mac[6])
{
    void **slot = hm_slot(&d->spoofers, mac, 6, false);

    return slot ? *slot : NULL;
}

static void decide(struct otw_detect *d, struct dal *x)
{
    void **slot;
    struct spoofer *sp;
    char b[64];

    x->held = false;
    /* a scanner's new ports are part of its scan */
    if (x->a.kind == OTW_AK_NEW_PORT &&
        (slot = hm_slot(&d->scanners, x->a.src, 16, false)) != NULL &&
        ((struct scanner *)*slot)->alert != NULL) {
        fold_into(x, ((struct scanner *)*slot)->alert);
        return;
    }
    /* what an ARP spoofer sends to its victims belongs to the spoofing */
    if ((sp = spoofer_of(d, x->fold_mac)) != NULL &&
        list_has(sp->claimed, otw_ip_str(x->a.dst, b, sizeof(b)))) {
        char key[64], m[24];
        bool created;
        struct dal *a;
        snprintf(key, sizeof(key), "arp_spoof %s", otw_mac_str(sp->mac, m, sizeof(m)));
        if ((a = alert_get(d, OTW_AK_ARP_SPOOF, key, NULL, NULL, 0, 0, x->a.first_us,
                           &created)) != NULL) {
            uint64_t c = a->a.count;
            fold_into(x, a);
            /* ARP alerts count packets; the folded sessions are evidence only */
            a->run_count -= a->a.count - c;
            a->a.count = c;
        }
    }
}

static void decide_due(struct otw_detect *d, bool all)
{
    int64_t next = 0;

    if (!all && (d->next_hold_us == 0 || d->now_us < d->next_hold_us))
        return;
    for (size_t i = 0; i < d->norder; i++) {
        struct dal *x = d->order[i];
        if (!x->held)
            continue;
        if (all || x->hold_until <= d->now_us)
            decide(d, x);
        else if (next == 0 || x->hold_until < next)
            next = x->hold_until;
    }
    d->next_hold_us = next;
}

/* ---- entry points --------------------------------------------------------------------- */

static int load_alert(void *ctx, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    struct otw_detect *d = ctx;
    void **slot = hm_slot(&d->alerts, a->key, strlen(a->key), true);
    struct dal *x;

    OTW_UNUSED(m);
    if (slot == NULL || *slot != NULL)
        return 0;       /* two open alerts with one key: the newest (listed first) wins */
    if ((x = calloc(1, sizeof(*x))) == NULL || order_add(d, x) != 0) {
        free(x);
        hm_del(&d->alerts, a->key, strlen(a->key));
        return 0;
    }
    x->a = *a;
    kv_parse(x, a->detail);
    x->evtotal = OTW_ALERT_EVIDENCE_MAX / 2;    /* the store caps; keep adding a few */
    {
        const char *v;
        if ((v = kv_get(x, "bytes_out")) != NULL)
            x->bytes_out = strtoull(v, NULL, 10);
        if ((v = kv_get(x, "bytes_in")) != NULL)
            x->bytes_in = strtoull(v, NULL, 10);
    }
    *slot = x;
    return 0;
}

struct otw_detect *otw_detect_new(struct otw_store *st, const struct otw_config *cfg,
                                  struct otw_err *err)
{
    struct otw_detect *d = calloc(1, sizeof(*d));
    struct otw_alert_query q;

    if (d == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    otw_detect_config_default(&d->c);
    if (otw_detect_config_load(&d->c, cfg, err) != 0)
        goto fail;
    if ((d->nnets = parse_networks(d->c.networks, d->nets, MAX_NETS, err)) < 0)
        goto fail;
    if (d->c.quiet_hours[0] != '\0' && strcmp(d->c.quiet_hours, "none") != 0 &&
        otw_schedule_parse(d->c.quiet_hours, &d->quiet, err) != 0)
        goto fail;
    if ((d->bl = otw_baseline_load(st, err)) == NULL)
        goto fail;
    if ((d->as = otw_assets_load(st, cfg, err)) == NULL)
        goto fail;
    memset(&q, 0, sizeof(q));
    q.status = -2;
    q.kind = -1;
    q.this_node = true;
    if (otw_store_alerts_query(st, &q, load_alert, d, err) != 0)
        goto fail;
    if ((d->out = otw_alertout_new(cfg, err)) == NULL)
        goto fail;
    return d;
fail:
    otw_detect_free(d);
    return NULL;
}

void otw_detect_free(struct otw_detect *d)
{
    if (d == NULL)
        return;
    if (d->out != NULL)
        otw_alertout_free(d->out, 2000);
    otw_baseline_free(d->bl);
    otw_assets_free(d->as);
    otw_schedule_free(d->quiet);
    hm_free(&d->alerts, NULL);
    for (size_t i = 0; i < d->norder; i++)
        dal_free(d->order[i]);
    free(d->order);
    hm_free(&d->scanners, scan_free);
    hm_free(&d->pairs, NULL);
    hm_free(&d->pairev, NULL);
    hm_free(&d->probes, NULL);
    hm_free(&d->auth, authq_free);
    hm_free(&d->vol, free);
    hm_free(&d->spoofers, free);
    hm_free(&d->macip, free);
    hm_free(&d->kpairs, NULL);
    free(d);
}

void otw_detect_set_file(struct otw_detect *d, int64_t file_id)
{
    d->file_id = file_id;
}

static void remember_macip(struct otw_detect *d, const uint8_t mac[6], const uint8_t ip[16])
{
    void **slot;

    if (!device_mac(mac) || !device_ip(d, ip))
        return;
    if ((slot = hm_slot(&d->macip, mac, 6, true)) == NULL || *slot != NULL)
        return;
    if ((*slot = malloc(16)) != NULL)
        memcpy(*slot, ip, 16);
}

void otw_detect_session(struct otw_detect *d, const struct otw_session *s, int64_t point_id)
{
    struct otw_sessinfo fi;
    bool learning;

    otw_sessinfo_from_session(&fi, s, point_id);
    d->stats.sessions++;
    if (fi.last_us > d->now_us)
        d->now_us = fi.last_us;
    otw_assets_observe(d->as, &fi, s);
    learning = otw_baseline_mode(d->bl) == OTW_BL_LEARNING;
    if (fi.noise) {
        /* noise raises nothing of its own; a ping still counts for a sweep */
        if (!fi.update && (fi.proto == 1 || fi.proto == 58) && fi.icmp_type >= 0 &&
            (fi.icmp_type == 8 || fi.icmp_type == 128) && !otw_ip_is_multicast(fi.server) &&
            !otw_ip_is_broadcast(fi.server))
            scan_track(d, &fi);
    } else {
        if (fi.c_pkts > 0)
            remember_macip(d, fi.client_mac, fi.client);
        if (!fi.update) {
            scan_track(d, &fi);
            auth_track(d, &fi);
        }
        outbound(d, &fi);
        hours(d, &fi, learning);
        if (!learning) {
            novelty(d, &fi);
            if (!fi.update)
                volume(d, &fi);
        }
    }
    otw_baseline_observe(d->bl, &fi);
    decide_due(d, false);
}

static void arp_row(struct otw_detect *d, const struct otw_l2_row *r)
{
    uint8_t base[6];
    char key[96], b[64], m[24], m2[24];
    struct dal *x;
    bool created;

    if (!r->has_ip || !device_mac(r->mac) || !otw_ip_is_v4(r->ip) ||
        otw_ip_is_unspecified(r->ip))
        return;
    if (!otw_baseline_arp_mac(d->bl, r->ip, base)) {
        remember_macip(d, r->mac, r->ip);
        return;
    }
    if (memcmp(base, r->mac, 6) == 0) {
        /* the MAC's own address: who it is */
        void **slot = hm_slot(&d->spoofers, r->mac, 6, false);
        remember_macip(d, r->mac, r->ip);
        if (slot != NULL && *slot != NULL && !((struct spoofer *)*slot)->has_own) {
            memcpy(((struct spoofer *)*slot)->own, r->ip, 16);
            ((struct spoofer *)*slot)->has_own = true;
        }
        return;
    }
    /* the address belongs to another MAC */
    snprintf(key, sizeof(key), "ip_mac_change %s", otw_ip_str(r->ip, b, sizeof(b)));
    x = alert_get(d, OTW_AK_IP_MAC_CHANGE, key, r->ip, NULL, 0, 0, r->first_us, &created);
    if (x != NULL) {
        if (!x->a.has_mac) {
            memcpy(x->a.mac, r->mac, 6);
            x->a.has_mac = true;
        }
        kv_list_add(x, "mac", otw_mac_str(r->mac, m, sizeof(m)));
        kv_set(x, "old_mac", otw_mac_str(base, m2, sizeof(m2)));
        span(x, r->first_us, r->last_us);
        x->a.count += r->packets;
        x->run_count += r->packets;
        x->dirty = true;
    }
    {
        void **slot = hm_slot(&d->spoofers, r->mac, 6, true);
        struct spoofer *sp;
        if (slot == NULL)
            return;
        if ((sp = *slot) == NULL) {
            if ((sp = calloc(1, sizeof(*sp))) == NULL)
                return;
            memcpy(sp->mac, r->mac, 6);
            *slot = sp;
        }
        if (!list_has(sp->claimed, b) && strlen(sp->claimed) + strlen(b) + 2 < sizeof(sp->claimed))
            snprintf(sp->claimed + strlen(sp->claimed), sizeof(sp->claimed) - strlen(sp->claimed),
                     "%s%s", sp->claimed[0] ? "," : "", b);
        /* one MAC that has an address of its own, or claims several that
         * are others': a man in the middle, not a replaced device */
        {
            void **own = hm_slot(&d->macip, r->mac, 6, false);
            uint8_t other[6];
            size_t nclaimed = 1;
            for (const char *p = sp->claimed; *p; p++)
                nclaimed += *p == ',';
            if (own != NULL && *own != NULL && !sp->has_own &&
                (!otw_baseline_arp_mac(d->bl, *own, other) || memcmp(other, r->mac, 6) == 0)) {
                memcpy(sp->own, *own, 16);
                sp->has_own = true;
            }
            if (!sp->has_own && nclaimed < 2)
                return;
        }
        snprintf(key, sizeof(key), "arp_spoof %s", otw_mac_str(r->mac, m, sizeof(m)));
        x = alert_get(d, OTW_AK_ARP_SPOOF, key, sp->has_own ? sp->own : NULL, NULL, 0, 0,
                      r->first_us, &created);
        if (x == NULL)
            return;
        if (!x->a.has_mac) {
            memcpy(x->a.mac, r->mac, 6);
            x->a.has_mac = true;
        }
        if (!x->a.has_src && sp->has_own) {
            memcpy(x->a.src, sp->own, 16);
            x->a.has_src = true;
        }
        kv_set(x, "mac", m);
        for (const char *p = sp->claimed; *p;) {
            size_t n = strcspn(p, ",");
            char ip[64];
            snprintf(ip, sizeof(ip), "%.*s", (int)n, p);
            kv_list_add(x, "claimed", ip);
            p = p[n] ? p + n + 1 : p + n;
        }
        span(x, r->first_us, r->last_us);
        x->a.count += r->packets;
        x->run_count += r->packets;
        x->dirty = true;
    }
}

void otw_detect_l2(struct otw_detect *d, const struct otw_l2_row *rows, size_t n)
{
    bool learning = otw_baseline_mode(d->bl) == OTW_BL_LEARNING;

    /* the MACs' own addresses first, so a spoofer is known by its name */
    for (size_t i = 0; i < n; i++) {
        uint8_t base[6];
        if (strcmp(rows[i].kind, "arp") == 0 && rows[i].has_ip &&
            otw_baseline_arp_mac(d->bl, rows[i].ip, base) && memcmp(base, rows[i].mac, 6) == 0)
            remember_macip(d, rows[i].mac, rows[i].ip);
    }
    for (size_t i = 0; i < n; i++) {
        const struct otw_l2_row *r = &rows[i];
        otw_assets_observe_l2(d->as, r);
        if (strcmp(r->kind, "arp") == 0) {
            arp_row(d, r);
            if (!learning && r->has_ip)
                check_device(d, r->mac, r->ip, r->first_us, r->last_us, NULL, r->packets);
        }
        otw_baseline_observe_l2(d->bl, r);
        if (r->last_us > d->now_us)
            d->now_us = r->last_us;
    }
    decide_due(d, false);
}

void otw_detect_tick(struct otw_detect *d, int64_t now_us)
{
    if (now_us > d->now_us)
        d->now_us = now_us;
    decide_due(d, false);
}

void otw_detect_finish(struct otw_detect *d)
{
    decide_due(d, true);
}

/* Fills labels and sentences; list values are shown by host label. */
static void explain(struct otw_detect *d, struct dal *x)
{
    struct otw_alert *tmp = malloc(sizeof(*tmp));
    size_t o = 0;

    if (x->a.has_src)
        label(d, x->a.src, x->a.src_label, sizeof(x->a.src_label));
    else if (x->a.has_mac)
        otw_mac_str(x->a.mac, x->a.src_label, sizeof(x->a.src_label));
    else
        snprintf(x->a.src_label, sizeof(x->a.src_label), "-");
    if ((x->a.kind == OTW_AK_PORT_SCAN || x->a.kind == OTW_AK_HOST_SWEEP) &&
        kv_get(x, "targets") != NULL && strchr(kv_get(x, "targets"), ',') != NULL) {
        /* several targets: no one destination; the label lists them */
        size_t lo = 0;
        x->a.has_dst = false;
        x->a.dst_label[0] = '\0';
        for (const char *p = kv_get(x, "targets"); *p && lo + 1 < sizeof(x->a.dst_label);) {
            size_t n = strcspn(p, ",");
            char item[64], lb[160];
            uint8_t ip[16];
            snprintf(item, sizeof(item), "%.*s", (int)n, p);
            if (otw_ip_parse(item, ip) == 0)
                label(d, ip, lb, sizeof(lb));
            else
                snprintf(lb, sizeof(lb), "%s", item);
            lo += (size_t)snprintf(x->a.dst_label + lo, sizeof(x->a.dst_label) - lo, "%s%s",
                                   lo ? ", " : "", lb);
            p = p[n] ? p + n + 1 : p + n;
        }
    } else if (x->a.has_dst) {
        label(d, x->a.dst, x->a.dst_label, sizeof(x->a.dst_label));
    } else {
        snprintf(x->a.dst_label, sizeof(x->a.dst_label), "-");
    }
    kv_render(x, x->a.detail, sizeof(x->a.detail));
    if (tmp == NULL) {
        otw_alert_explain(&x->a);
        return;
    }
    *tmp = x->a;
    tmp->detail[0] = '\0';
    for (int i = 0; i < x->nkv; i++) {
        const char *v = x->kv[i].v;
        char shown[600];
        size_t so = 0;
        bool hosts = strcmp(x->kv[i].k, "targets") == 0 || strcmp(x->kv[i].k, "claimed") == 0;
        shown[0] = '\0';
        for (const char *p = v; *p && so + 1 < sizeof(shown);) {
            size_t n = strcspn(p, ",");
            char item[64], lb[160];
            uint8_t ip[16];
            snprintf(item, sizeof(item), "%.*s", (int)n, p);
            if (hosts && otw_ip_parse(item, ip) == 0)
                label(d, ip, lb, sizeof(lb));
            else
                snprintf(lb, sizeof(lb), "%s", item);
            for (char *c = lb; *c; c++)     /* the detail's words are split at blanks */
                if (*c == ' ')
                    *c = '\x1f';
            so += (size_t)snprintf(shown + so, sizeof(shown) - so, "%s%s", so ? "," : "", lb);
            p = p[n] ? p + n + 1 : p + n;
        }
        if (so >= sizeof(shown))
            so = sizeof(shown) - 1;
        if (o + strlen(x->kv[i].k) + so + 3 < sizeof(tmp->detail))
            o += (size_t)snprintf(tmp->detail + o, sizeof(tmp->detail) - o, "%s%s=%s",
                                  o ? " " : "", x->kv[i].k, shown);
    }
    otw_alert_explain(tmp);
    for (int l = 0; l < 2; l++) {
        for (char *c = tmp->text[l]; *c; c++)
            if (*c == '\x1f')
                *c = ' ';
        memcpy(x->a.text[l], tmp->text[l], sizeof(x->a.text[l]));
    }
    free(tmp);
}

int otw_detect_save(struct otw_detect *d, struct otw_store *st, struct otw_err *err)
{
    int rc;

    /* Live capture runs for months: names and roles given meanwhile with
     * `otwatch assets set`, and a change of mode, take effect within a
     * minute. */
    if (d->file_id == 0 && time(NULL) - d->labels_at >= 60) {
        char mode[32];
        /* (a remote store that cannot be reached now: try again in a minute) */
        if (d->labels_at != 0 && (rc = otw_assets_refresh_labels(d->as, st, err)) != 0 &&
            rc != OTW_EIO)
            return rc;
        /* and `otwatch baseline mode protecting` takes effect without a restart */
        if ((rc = otw_store_bl_meta_get(st, "mode", mode, sizeof(mode), err)) < 0 &&
            rc != OTW_EIO)
            return rc;
        if (rc == 1 && otw_bl_mode_parse(mode) >= 0)
            otw_baseline_set_mode(d->bl, otw_bl_mode_parse(mode));
        d->labels_at = time(NULL);
    }
    for (size_t i = 0; i < d->norder; i++) {
        struct dal *x = d->order[i];
        if (!x->dirty || x->held || x->dropped || x->a.count == 0)
            continue;
        if (d->c.enabled)
            explain(d, x);
        rc = otw_store_alert_put(st, &x->a, d->file_id, x->run_count, err);
        if (rc == 1) {
            /* resolved meanwhile: what came since is a new alert */
            x->a.id = 0;
            x->a.status = OTW_AS_OPEN;
            x->a.count = x->run_count;
            x->a.first_us = x->pending_first ? x->pending_first : x->a.last_us;
            x->evtotal = x->nev;
            x->opened = true;
            explain(d, x);
            rc = otw_store_alert_put(st, &x->a, d->file_id, x->run_count, err);
        }
        if (rc != 0)
            return rc;
        for (size_t j = 0; j < x->nev; j++)
            if ((rc = otw_store_alert_evidence_add(st, x->a.id, x->ev[j], d->file_id, err)) != 0)
                return rc;
        if (x->opened)
            d->stats.alerts_opened++;
        else
            d->stats.alerts_updated++;
        otw_alertout_send(d->out, &x->a, x->opened);
        x->nev = 0;
        x->run_count = 0;
        x->pending_first = 0;
        x->dirty = false;
        x->opened = false;
    }
    if ((rc = otw_baseline_save(d->bl, st, err)) != 0)
        return rc;
    return otw_assets_save(d->as, st, err);
}

void otw_detect_get_stats(const struct otw_detect *d, struct otw_detect_stats *st)
{
    *st = d->stats;
}
