/*
 * baseline.c - the plant's normal communications in memory (see baseline.h).
 *
 * The detectors ask their questions once per session on the writer thread,
 * during imports of millions of sessions, so every question is one or two
 * probes of an open-addressing hash table over packed fixed-size keys
 * (XXH3): the entries by full key; the known (learned or approved) entries
 * by (client, server), by (client, server, proto, port) and by (client,
 * server, app, class); the devices by (kind, MAC, IP) and the latest ARP
 * binding by IP. Tables only grow: entries are removed by people in the
 * store, and a running engine sees that at its next start.
 *
 * Entries live in one array (an index in the tables); a dirty byte per
 * entry and device says what otw_baseline_save() must write. Saving is an
 * upsert by key that leaves status, category and note to the store's
 * copy, so what a reviewer changed meanwhile wins.
 */
#include "detect/baseline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* --- a small open-addressing hash table: fixed-size keys -> uint32 ------------- */

struct htab {
    size_t klen, cap, n;        /* cap: a power of two, or 0 */
    uint8_t *keys;              /* cap * klen */
    uint32_t *vals;             /* 0: empty slot */
};

static void ht_free(struct htab *t)
{
    free(t->keys);
    free(t->vals);
    t->keys = NULL;
    t->vals = NULL;
    t->cap = t->n = 0;
}

static size_t ht_slot(const struct htab *t, const void *key)
{
    size_t i = (size_t)XXH3_64bits(key, t->klen) & (t->cap - 1);

    while (t->vals[i] != 0 && memcmp(t->keys + i * t->klen, key, t->klen) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static uint32_t ht_get(const struct htab *t, const void *key)
{
    if (t->n == 0)
        return 0;
    return t->vals[ht_slot(t, key)];
}

static int ht_grow(struct htab *t)
{
    struct htab nt = {t->klen, t->cap ? t->cap * 2 : 64, 0, NULL, NULL};

    nt.keys = malloc(nt.cap * nt.klen);
    nt.vals = calloc(nt.cap, sizeof(uint32_t));
    if (nt.keys == NULL || nt.vals == NULL) {
        ht_free(&nt);
        return OTW_ENOMEM;
    }
    for (size_t i = 0; i < t->cap; i++) {
        size_t j;

        if (t->vals[i] == 0)
            continue;
        j = ht_slot(&nt, t->keys + i * t->klen);
        memcpy(nt.keys + j * nt.klen, t->keys + i * t->klen, nt.klen);
        nt.vals[j] = t->vals[i];
        nt.n++;
    }
    ht_free(t);
    *t = nt;
    return 0;
}

/* Inserts or replaces; val != 0. */
static int ht_put(struct htab *t, const void *key, uint32_t val)
{
    size_t i;

    if ((t->n + 1) * 10 > t->cap * 7 && ht_grow(t) != 0)
        return OTW_ENOMEM;
    i = ht_slot(t, key);
    if (t->vals[i] == 0) {
        memcpy(t->keys + i * t->klen, key, t->klen);
        t->n++;
    }
    t->vals[i] = val;
    return 0;
}

/* --- packed keys ------------------------------------------------------------------ */

#define EKEY_LEN 60     /* client 16, server 16, proto 1, port 2, class 1, app 24 */
#define PORTKEY_LEN 35  /* client, server, proto, port */
#define PAIRKEY_LEN 32  /* client, server */
#define CLSKEY_LEN 57   /* client, server, class 1, app 24 */
#define DEVKEY_LEN 23   /* kind 1, mac 6, ip 16 */

static void pack_app(uint8_t *dst, const char *app)
{
    size_t n = strnlen(app, 23);

    memset(dst, 0, 24);
    memcpy(dst, app, n);
}

static void pack_entry(uint8_t *k, const struct otw_bl_key *e)
{
    memcpy(k, e->client, 16);
    memcpy(k + 16, e->server, 16);
    k[32] = e->proto;
    k[33] = (uint8_t)(e->port >> 8);
    k[34] = (uint8_t)e->port;
    k[35] = (uint8_t)e->ot_class;
    pack_app(k + 36, e->app);
}

static void pack_port(uint8_t *k, const uint8_t c[16], const uint8_t s[16], uint8_t proto,
                      uint16_t port)
{
    memcpy(k, c, 16);
    memcpy(k + 16, s, 16);
    k[32] = proto;
    k[33] = (uint8_t)(port >> 8);
    k[34] = (uint8_t)port;
}

static void pack_cls(uint8_t *k, const uint8_t c[16], const uint8_t s[16], const char *app,
                     unsigned cls)
{
    memcpy(k, c, 16);
    memcpy(k + 16, s, 16);
    k[32] = (uint8_t)cls;
    pack_app(k + 33, app);
}

static void pack_dev(uint8_t *k, int kind, const uint8_t mac[6], const uint8_t ip[16])
{
    k[0] = (uint8_t)kind;
    memcpy(k + 1, mac, 6);
    memcpy(k + 7, ip, 16);
}

static bool has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132;
}

/* --- keys and categories ---------------------------------------------------------------- */

size_t otw_bl_keys_of(const struct otw_sessinfo *fi, struct otw_bl_key *out)
{
    struct otw_bl_key k;
    size_t n = 0;
    unsigned cls = fi->ot_classes & ((1u << OTW_OTC_COUNT) - 1);

    memset(&k, 0, sizeof(k));
    memcpy(k.client, fi->client, 16);
    memcpy(k.server, fi->server, 16);
    k.proto = fi->proto;
    k.port = has_ports(fi->proto) ? fi->server_port : 0;
    memcpy(k.app, fi->app, strnlen(fi->app, sizeof(k.app) - 1));
    if (cls == 0) {
        out[0] = k;
        return 1;
    }
    for (unsigned i = 0; i < OTW_OTC_COUNT; i++) {
        if (!(cls & (1u << i)))
            continue;
        out[n] = k;
        out[n].ot_class = 1u << i;
        n++;
    }
    return n;
}

int otw_bl_guess_category(const struct otw_bl_key *k)
{
    static const char *const remote[] = {"ssh", "rdp", "telnet", "vnc", "rfb", "ftp", "smb"};
    static const uint16_t remote_ports[] = {21, 22, 23, 139, 445, 3389, 5900};

    if (k->ot_class & (OTW_OTC_PROGRAM | OTW_OTC_CONTROL))
        return OTW_BL_MAINTENANCE;
    for (size_t i = 0; i < OTW_ARRAY_LEN(remote); i++)
        if (strcmp(k->app, remote[i]) == 0)
            return OTW_BL_MAINTENANCE;
    if (k->app[0] == '\0' && k->proto == 6)
        for (size_t i = 0; i < OTW_ARRAY_LEN(remote_ports); i++)
            if (k->port == remote_ports[i])
                return OTW_BL_MAINTENANCE;
    return OTW_BL_OPERATIONAL;
}

/* --- the baseline ------------------------------------------------------------------------ */

struct window {
    char name[64];
    struct otw_schedule *sched;
};

struct rule {
    size_t w;                   /* index into windows */
    bool c_any, s_any;
    uint8_t c_lo[16], c_hi[16], s_lo[16], s_hi[16];
    int proto;                  /* 0 any */
    int port;                   /* -1 any */
    char app[24];               /* "" any */
};

struct otw_baseline {
    int mode;
    struct otw_bl_entry *ents;
    uint8_t *edirty;            /* per entry: in elist */
    uint32_t *elist;            /* changed entries, for save (capacity cap) */
    size_t nel;
    size_t n, cap;
    size_t known;
    struct htab ent_ix, pair, port, cls;
    struct otw_bl_device *devs;
    uint8_t *ddirty;
    uint32_t *dlist;            /* changed devices (capacity devcap) */
    size_t ndl;
    size_t ndev, devcap;
    size_t nmac, nip, narp;
    struct htab dev_ix, arp_ix;
    uint8_t covered[OTW_BL_HOURS];
    bool covered_dirty;
    struct window *win;
    size_t nwin;
    struct rule *rules;
    size_t nrules;
    uint64_t dropped;
    bool oom;
};

static void tables_init(struct otw_baseline *b)
{
    b->ent_ix.klen = EKEY_LEN;
    b->pair.klen = PAIRKEY_LEN;
    b->port.klen = PORTKEY_LEN;
    b->cls.klen = CLSKEY_LEN;
    b->dev_ix.klen = DEVKEY_LEN;
    b->arp_ix.klen = 16;
}

struct otw_baseline *otw_baseline_new(void)
{
    struct otw_baseline *b = calloc(1, sizeof(*b));

    if (b == NULL)
        return NULL;
    b->mode = OTW_BL_LEARNING;
    tables_init(b);
    return b;
}

void otw_baseline_free(struct otw_baseline *b)
{
    if (b == NULL)
        return;
    ht_free(&b->ent_ix);
    ht_free(&b->pair);
    ht_free(&b->port);
    ht_free(&b->cls);
    ht_free(&b->dev_ix);
    ht_free(&b->arp_ix);
    free(b->ents);
    free(b->edirty);
    free(b->elist);
    free(b->devs);
    free(b->ddirty);
    free(b->dlist);
    for (size_t i = 0; i < b->nwin; i++)
        otw_schedule_free(b->win[i].sched);
    free(b->win);
    free(b->rules);
    free(b);
}

int otw_baseline_mode(const struct otw_baseline *b)
{
    return b->mode;
}

void otw_baseline_set_mode(struct otw_baseline *b, int mode)
{
    b->mode = mode == OTW_BL_PROTECTING ? OTW_BL_PROTECTING : OTW_BL_LEARNING;
}

bool otw_baseline_ready(const struct otw_baseline *b)
{
    return b->known > 0;
}

/* An entry became learned or approved: the detectors' indexes learn it. */
static void index_known(struct otw_baseline *b, const struct otw_bl_entry *e)
{
    uint8_t k[EKEY_LEN];
    int rc = 0;

    pack_port(k, e->k.client, e->k.server, 0, 0);
    rc |= ht_put(&b->pair, k, 1);
    pack_port(k, e->k.client, e->k.server, e->k.proto, e->k.port);
    rc |= ht_put(&b->port, k, 1);
    pack_cls(k, e->k.client, e->k.server, e->k.app, e->k.ot_class);
    rc |= ht_put(&b->cls, k, 1);
    if (rc != 0)
        b->oom = true;
    b->known++;
}

static long find_entry(const struct otw_baseline *b, const struct otw_bl_key *k)
{
    uint8_t pk[EKEY_LEN];
    uint32_t v;

    pack_entry(pk, k);
    v = ht_get(&b->ent_ix, pk);
    return v == 0 ? -1 : (long)v - 1;
}

/* Appends an entry (key must be new); its index, or -1 over the cap / out of memory. */
static long add_entry(struct otw_baseline *b, const struct otw_bl_entry *src)
{
    uint8_t pk[EKEY_LEN];
    struct otw_bl_entry *e;

    if (b->n >= OTW_BL_MAX_ENTRIES) {
        b->dropped++;
        return -1;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct otw_bl_entry *ne = realloc(b->ents, cap * sizeof(*ne));
        uint8_t *nd;
        uint32_t *nl;

        if (ne == NULL) {
            b->oom = true;
            return -1;
        }
        b->ents = ne;
        nd = realloc(b->edirty, cap);
        if (nd == NULL) {
            b->oom = true;
            return -1;
        }
        b->edirty = nd;
        nl = realloc(b->elist, cap * sizeof(*nl));
        if (nl == NULL) {
            b->oom = true;
            return -1;
        }
        b->elist = nl;
        b->cap = cap;
    }
    pack_entry(pk, &src->k);
    if (ht_put(&b->ent_ix, pk, (uint32_t)b->n + 1) != 0) {
        b->oom = true;
        return -1;
    }
    e = &b->ents[b->n];
    *e = *src;
    b->edirty[b->n] = 0;
    if (e->status != OTW_BL_NEW)
        index_known(b, e);
    return (long)b->n++;
}

/* Changed since the last save: written by otw_baseline_save(). */
static void mark_entry(struct otw_baseline *b, size_t i)
{
    if (!b->edirty[i]) {
        b->edirty[i] = 1;
        b->elist[b->nel++] = (uint32_t)i;
    }
}

static void mark_dev(struct otw_baseline *b, size_t i)
{
    if (!b->ddirty[i]) {
        b->ddirty[i] = 1;
        b->dlist[b->ndl++] = (uint32_t)i;
    }
}

/* --- devices --- */

static long find_dev(const struct otw_baseline *b, int kind, const uint8_t mac[6],
                     const uint8_t ip[16])
{
    uint8_t k[DEVKEY_LEN];
    uint32_t v;

    pack_dev(k, kind, mac, ip);
    v = ht_get(&b->dev_ix, k);
    return v == 0 ? -1 : (long)v - 1;
}

/* Adds or widens a device; marks it dirty when it changed. */
static void put_dev(struct otw_baseline *b, const struct otw_bl_device *d, bool dirty)
{
    long i = find_dev(b, d->kind, d->mac, d->ip);
    struct otw_bl_device *x;
    uint8_t k[DEVKEY_LEN];

    if (i >= 0) {
        x = &b->devs[i];
        if (d->first_us != 0 && (x->first_us == 0 || d->first_us < x->first_us)) {
            x->first_us = d->first_us;
            if (dirty)
                mark_dev(b, (size_t)i);
        }
        if (d->last_us > x->last_us) {
            x->last_us = d->last_us;
            if (dirty)
                mark_dev(b, (size_t)i);
        }
    } else {
        if (b->ndev >= OTW_BL_MAX_DEVICES) {
            b->dropped++;
            return;
        }
        if (b->ndev == b->devcap) {
            size_t cap = b->devcap ? b->devcap * 2 : 64;
            struct otw_bl_device *nd = realloc(b->devs, cap * sizeof(*nd));
            uint8_t *ny;
            uint32_t *nl;

            if (nd == NULL) {
                b->oom = true;
                return;
            }
            b->devs = nd;
            ny = realloc(b->ddirty, cap);
            if (ny == NULL) {
                b->oom = true;
                return;
            }
            b->ddirty = ny;
            nl = realloc(b->dlist, cap * sizeof(*nl));
            if (nl == NULL) {
                b->oom = true;
                return;
            }
            b->dlist = nl;
            b->devcap = cap;
        }
        pack_dev(k, d->kind, d->mac, d->ip);
        if (ht_put(&b->dev_ix, k, (uint32_t)b->ndev + 1) != 0) {
            b->oom = true;
            return;
        }
        i = (long)b->ndev++;
        x = &b->devs[i];
        *x = *d;
        b->ddirty[i] = 0;
        if (dirty)
            mark_dev(b, (size_t)i);
        if (d->kind == OTW_BL_DEV_MAC)
            b->nmac++;
        else if (d->kind == OTW_BL_DEV_IP)
            b->nip++;
        else
            b->narp++;
    }
    if (d->kind == OTW_BL_DEV_ARP) {
        /* the latest binding answers otw_baseline_arp_mac() */
        uint32_t cur = ht_get(&b->arp_ix, d->ip);

        if (cur == 0 || b->devs[cur - 1].last_us <= x->last_us)
            if (ht_put(&b->arp_ix, d->ip, (uint32_t)i + 1) != 0)
                b->oom = true;
    }
}

static const uint8_t zero16[16];

static bool device_ip(const uint8_t ip[16])
{
    return !otw_ip_is_multicast(ip) && !otw_ip_is_broadcast(ip) && !otw_ip_is_unspecified(ip);
}

static bool device_mac(const uint8_t mac[6])
{
    return !otw_mac_is_group(mac) && memcmp(mac, zero16, 6) != 0;
}

static void learn_ip(struct otw_baseline *b, const uint8_t ip[16], int64_t first, int64_t last)
{
    struct otw_bl_device d;

    if (!device_ip(ip))
        return;
    memset(&d, 0, sizeof(d));
    d.kind = OTW_BL_DEV_IP;
    memcpy(d.ip, ip, 16);
    d.first_us = first;
    d.last_us = last;
    put_dev(b, &d, true);
}

static void learn_mac(struct otw_baseline *b, const uint8_t mac[6], int64_t first, int64_t last)
{
    struct otw_bl_device d;

    if (!device_mac(mac))
        return;
    memset(&d, 0, sizeof(d));
    d.kind = OTW_BL_DEV_MAC;
    memcpy(d.mac, mac, 6);
    d.first_us = first;
    d.last_us = last;
    put_dev(b, &d, true);
}

/* --- loading --------------------------------------------------------------------------- */

int otw_bl_host_parse(const char *s, uint8_t lo[16], uint8_t hi[16])
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    long bits;
    int maxbits;

    if (n == 0 || n >= sizeof(buf))
        return OTW_EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (otw_ip_parse(buf, lo) != 0)
        return OTW_EINVAL;
    memcpy(hi, lo, 16);
    if (slash == NULL)
        return 0;
    maxbits = otw_ip_is_v4(lo) ? 32 : 128;
    {
        char *end;

        bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || bits < 0 || bits > maxbits)
            return OTW_EINVAL;
    }
    if (maxbits == 32)
        bits += 96;
    for (int i = 0; i < 16; i++) {
        int keep = (int)bits - i * 8;
        uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

        lo[i] &= mask;
        hi[i] = (uint8_t)(lo[i] | (uint8_t)~mask);
    }
    return 0;
}

static int load_entry(void *ctx, const struct otw_bl_entry *e)
{
    struct otw_baseline *b = ctx;

    if (find_entry(b, &e->k) >= 0)
        return 0;
    return add_entry(b, e) < 0 && b->oom ? OTW_ENOMEM : 0;
}

static int load_dev(void *ctx, const struct otw_bl_device *d)
{
    struct otw_baseline *b = ctx;

    put_dev(b, d, false);
    return b->oom ? OTW_ENOMEM : 0;
}

static int load_window(void *ctx, const struct otw_bl_window *w)
{
    struct otw_baseline *b = ctx;
    struct otw_schedule *s;
    struct window *nw;
    struct otw_err e;

    if (otw_schedule_parse(w->schedule, &s, &e) != 0)
        return 0;   /* validated when set; a bad one here is skipped */
    nw = realloc(b->win, (b->nwin + 1) * sizeof(*nw));
    if (nw == NULL) {
        otw_schedule_free(s);
        return OTW_ENOMEM;
    }
    b->win = nw;
    snprintf(b->win[b->nwin].name, sizeof(b->win[b->nwin].name), "%s", w->name);
    b->win[b->nwin].sched = s;
    b->nwin++;
    return 0;
}

static int load_rule(void *ctx, const struct otw_bl_rule *r)
{
    struct otw_baseline *b = ctx;
    struct rule x, *nr;
    size_t w;

    memset(&x, 0, sizeof(x));
    for (w = 0; w < b->nwin; w++)
        if (strcmp(b->win[w].name, r->window) == 0)
            break;
    if (w == b->nwin)
        return 0;
    x.w = w;
    x.c_any = strcmp(r->client, "*") == 0 || r->client[0] == '\0';
    x.s_any = strcmp(r->server, "*") == 0 || r->server[0] == '\0';
    if ((!x.c_any && otw_bl_host_parse(r->client, x.c_lo, x.c_hi) != 0) ||
        (!x.s_any && otw_bl_host_parse(r->server, x.s_lo, x.s_hi) != 0))
        return 0;
    x.proto = r->proto;
    x.port = r->port;
    if (strcmp(r->app, "*") != 0)
        snprintf(x.app, sizeof(x.app), "%s", r->app);
    nr = realloc(b->rules, (b->nrules + 1) * sizeof(*nr));
    if (nr == NULL)
        return OTW_ENOMEM;
    b->rules = nr;
    b->rules[b->nrules++] = x;
    return 0;
}

struct otw_baseline *otw_baseline_load(struct otw_store *st, struct otw_err *err)
{
    struct otw_baseline *b = otw_baseline_new();
    char v[OTW_BL_HOURS + 8];
    int r;

    if (b == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    if ((r = otw_store_bl_meta_get(st, "mode", v, sizeof(v), err)) < 0)
        goto fail;
    if (r == 1 && otw_bl_mode_parse(v) >= 0)
        b->mode = otw_bl_mode_parse(v);
    if ((r = otw_store_bl_meta_get(st, "hours_covered", v, sizeof(v), err)) < 0)
        goto fail;
    if (r == 1)
        for (int i = 0; i < OTW_BL_HOURS && v[i]; i++)
            b->covered[i] = v[i] == '1';
    if ((r = otw_store_bl_entries(st, load_entry, b, err)) != 0 ||
        (r = otw_store_bl_devices(st, load_dev, b, err)) != 0 ||
        (r = otw_store_bl_windows(st, load_window, b, err)) != 0 ||
        (r = otw_store_bl_rules(st, load_rule, b, err)) != 0) {
        if (r == OTW_ENOMEM)
            otw_err_set(err, -1, "out of memory loading the baseline");
        goto fail;
    }
    if (b->oom) {
        otw_err_set(err, -1, "out of memory loading the baseline");
        goto fail;
    }
    return b;
fail:
    otw_baseline_free(b);
    return NULL;
}

/* --- lookups --------------------------------------------------------------------------- */

const struct otw_bl_entry *otw_baseline_lookup(const struct otw_baseline *b,
                                               const struct otw_bl_key *k)
{
    long i = find_entry(b, k);

    return i < 0 ? NULL : &b->ents[i];
}

const struct otw_bl_entry *otw_baseline_find(const struct otw_baseline *b,
                                             const struct otw_bl_key *k)
{
    const struct otw_bl_entry *e = otw_baseline_lookup(b, k);

    return e != NULL && e->status != OTW_BL_NEW ? e : NULL;
}

bool otw_baseline_knows_pair(const struct otw_baseline *b, const uint8_t client[16],
                             const uint8_t server[16])
{
    uint8_t k[PORTKEY_LEN];

    pack_port(k, client, server, 0, 0);
    if (ht_get(&b->pair, k) != 0)
        return true;
    pack_port(k, server, client, 0, 0);
    return ht_get(&b->pair, k) != 0;
}

bool otw_baseline_knows_port(const struct otw_baseline *b, const uint8_t client[16],
                             const uint8_t server[16], uint8_t proto, uint16_t port)
{
    uint8_t k[PORTKEY_LEN];

    pack_port(k, client, server, proto, has_ports(proto) ? port : 0);
    return ht_get(&b->port, k) != 0;
}

bool otw_baseline_knows_class(const struct otw_baseline *b, const uint8_t client[16],
                              const uint8_t server[16], const char *app, unsigned ot_class)
{
    uint8_t k[CLSKEY_LEN];

    pack_cls(k, client, server, app, ot_class);
    return ht_get(&b->cls, k) != 0;
}

bool otw_baseline_hour_covered(const struct otw_baseline *b, int how)
{
    return how >= 0 && how < OTW_BL_HOURS && b->covered[how];
}

bool otw_baseline_knows_mac(const struct otw_baseline *b, const uint8_t mac[6])
{
    return find_dev(b, OTW_BL_DEV_MAC, mac, zero16) >= 0;
}

bool otw_baseline_knows_ip(const struct otw_baseline *b, const uint8_t ip[16])
{
    return find_dev(b, OTW_BL_DEV_IP, zero16, ip) >= 0;
}

bool otw_baseline_arp_mac(const struct otw_baseline *b, const uint8_t ip[16], uint8_t mac[6])
{
    uint32_t v = ht_get(&b->arp_ix, ip);

    if (v == 0)
        return false;
    memcpy(mac, b->devs[v - 1].mac, 6);
    return true;
}

static bool in_range(const uint8_t ip[16], const uint8_t lo[16], const uint8_t hi[16])
{
    return memcmp(ip, lo, 16) >= 0 && memcmp(ip, hi, 16) <= 0;
}

const char *otw_baseline_window_of(const struct otw_baseline *b, const struct otw_sessinfo *fi)
{
    int port = has_ports(fi->proto) ? fi->server_port : 0;

    for (size_t i = 0; i < b->nrules; i++) {
        const struct rule *r = &b->rules[i];

        if (r->proto != 0 && r->proto != fi->proto)
            continue;
        if (r->port >= 0 && r->port != port)
            continue;
        if (r->app[0] != '\0' && strcmp(r->app, fi->app) != 0)
            continue;
        if (!r->c_any && !in_range(fi->client, r->c_lo, r->c_hi))
            continue;
        if (!r->s_any && !in_range(fi->server, r->s_lo, r->s_hi))
            continue;
        return b->win[r->w].name;
    }
    return NULL;
}

bool otw_baseline_window_open(const struct otw_baseline *b, const char *window, int64_t us)
{
    for (size_t i = 0; i < b->nwin; i++)
        if (strcmp(b->win[i].name, window) == 0)
            return otw_schedule_contains(b->win[i].sched, us);
    return false;
}

/* --- observing --------------------------------------------------------------------------- */

static void cover(struct otw_baseline *b, int how)
{
    if (how >= 0 && how < OTW_BL_HOURS && !b->covered[how]) {
        b->covered[how] = 1;
        b->covered_dirty = true;
    }
}

static void count(struct otw_bl_entry *e, const struct otw_sessinfo *fi, int how)
{
    e->sessions++;
    e->bytes += fi->c_bytes + fi->s_bytes;
    if (e->first_us == 0 || (fi->first_us != 0 && fi->first_us < e->first_us))
        e->first_us = fi->first_us;
    if (fi->last_us > e->last_us)
        e->last_us = fi->last_us;
    if (how >= 0 && how < OTW_BL_HOURS && e->hours[how] != UINT32_MAX)
        e->hours[how]++;
}

void otw_baseline_observe(struct otw_baseline *b, const struct otw_sessinfo *fi)
{
    struct otw_bl_key keys[OTW_OTC_COUNT + 1];
    size_t n;
    int how;
    bool learning = b->mode == OTW_BL_LEARNING;

    if (fi->update)
        return;
    n = otw_bl_keys_of(fi, keys);
    how = otw_plant_how(fi->first_us);
    for (size_t i = 0; i < n; i++) {
        long ix = find_entry(b, &keys[i]);
        struct otw_bl_entry *e;

        if (ix < 0) {
            struct otw_bl_entry ne;

            memset(&ne, 0, sizeof(ne));
            ne.k = keys[i];
            ne.status = learning ? OTW_BL_LEARNED : OTW_BL_NEW;
            ne.category = otw_bl_guess_category(&ne.k);
            if ((ix = add_entry(b, &ne)) < 0)
                continue;
        }
        e = &b->ents[ix];
        if (e->status == OTW_BL_NEW && learning) {
            e->status = OTW_BL_LEARNED;
            index_known(b, e);
        } else if (e->status != OTW_BL_NEW && !learning) {
            continue;   /* protecting: the known keep their learned counts */
        }
        count(e, fi, how);
        mark_entry(b, (size_t)ix);
    }
    if (!learning)
        return;
    /* the hours this session was seen in (a long one covers several) */
    cover(b, how);
    if (fi->last_us > fi->first_us) {
        int64_t span = fi->last_us - fi->first_us;

        if (span > 3600 * (int64_t)1000000) {
            int steps = span / (3600 * (int64_t)1000000) > OTW_BL_HOURS
                            ? OTW_BL_HOURS
                            : (int)(span / (3600 * (int64_t)1000000));
            for (int k = 1; k <= steps; k++)
                cover(b, otw_plant_how(fi->first_us + k * 3600 * (int64_t)1000000));
        }
        cover(b, otw_plant_how(fi->last_us));
    }
    learn_ip(b, fi->client, fi->first_us, fi->last_us);
    learn_ip(b, fi->server, fi->first_us, fi->last_us);
    learn_mac(b, fi->client_mac, fi->first_us, fi->last_us);
    learn_mac(b, fi->server_mac, fi->first_us, fi->last_us);
}

void otw_baseline_observe_l2(struct otw_baseline *b, const struct otw_l2_row *row)
{
    if (b->mode != OTW_BL_LEARNING)
        return;
    learn_mac(b, row->mac, row->first_us, row->last_us);
    if (!row->has_ip)
        return;
    learn_ip(b, row->ip, row->first_us, row->last_us);
    if (strcmp(row->kind, "arp") == 0 && device_mac(row->mac) && device_ip(row->ip)) {
        struct otw_bl_device d;

        memset(&d, 0, sizeof(d));
        d.kind = OTW_BL_DEV_ARP;
        memcpy(d.mac, row->mac, 6);
        memcpy(d.ip, row->ip, 16);
        d.first_us = row->first_us;
        d.last_us = row->last_us;
        put_dev(b, &d, true);
    }
}

void otw_baseline_absorb(struct otw_baseline *b, const struct otw_baseline *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const struct otw_bl_entry *s = &src->ents[i];
        long ix = find_entry(b, &s->k);
        struct otw_bl_entry *e;

        if (ix < 0) {
            struct otw_bl_entry ne = *s;

            ne.id = 0;
            ne.status = OTW_BL_LEARNED;
            if ((ix = add_entry(b, &ne)) >= 0)
                mark_entry(b, (size_t)ix);
            continue;
        }
        e = &b->ents[ix];
        if (e->status == OTW_BL_NEW) {
            e->status = OTW_BL_LEARNED;
            index_known(b, e);
        }
        e->sessions = OTW_MAX(e->sessions, s->sessions);
        e->bytes = OTW_MAX(e->bytes, s->bytes);
        if (s->first_us != 0 && (e->first_us == 0 || s->first_us < e->first_us))
            e->first_us = s->first_us;
        e->last_us = OTW_MAX(e->last_us, s->last_us);
        for (int h = 0; h < OTW_BL_HOURS; h++)
            e->hours[h] = OTW_MAX(e->hours[h], s->hours[h]);
        mark_entry(b, (size_t)ix);
    }
    for (size_t i = 0; i < src->ndev; i++)
        put_dev(b, &src->devs[i], true);
    for (int h = 0; h < OTW_BL_HOURS; h++)
        if (src->covered[h])
            cover(b, h);
    b->dropped += src->dropped;
}

int otw_baseline_save(struct otw_baseline *b, struct otw_store *st, struct otw_err *err)
{
    int rc;

    for (size_t i = 0; i < b->nel; i++)
        if ((rc = otw_store_bl_entry_observed(st, &b->ents[b->elist[i]], err)) != 0)
            return rc;
    for (size_t i = 0; i < b->ndl; i++)
        if ((rc = otw_store_bl_device_put(st, &b->devs[b->dlist[i]], err)) != 0)
            return rc;
    if (b->covered_dirty) {
        char v[OTW_BL_HOURS + 1];

        for (int h = 0; h < OTW_BL_HOURS; h++)
            v[h] = b->covered[h] ? '1' : '0';
        v[OTW_BL_HOURS] = '\0';
        if ((rc = otw_store_bl_meta_set(st, "hours_covered", v, err)) != 0)
            return rc;
    }
    /* all written: nothing is dirty any more */
    for (size_t i = 0; i < b->nel; i++)
        b->edirty[b->elist[i]] = 0;
    for (size_t i = 0; i < b->ndl; i++)
        b->ddirty[b->dlist[i]] = 0;
    b->nel = b->ndl = 0;
    b->covered_dirty = false;
    return 0;
}

const struct otw_bl_entry *otw_baseline_entries(const struct otw_baseline *b, size_t *n)
{
    *n = b->n;
    return b->ents;
}

void otw_baseline_get_stats(const struct otw_baseline *b, struct otw_baseline_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->entries = b->n;
    s->known = b->known;
    s->macs = b->nmac;
    s->ips = b->nip;
    s->arp = b->narp;
    for (int h = 0; h < OTW_BL_HOURS; h++)
        s->hours_covered += b->covered[h] != 0;
    s->dropped = b->dropped;
}

/* --- the approved operational set (ot-operational filter) ---------------------------------- */

struct otw_bl_flowset {
    struct htab t;
};

struct otw_bl_flowset *otw_baseline_flowset(const struct otw_baseline *b)
{
    struct otw_bl_flowset *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->t.klen = PORTKEY_LEN;
    for (size_t i = 0; i < b->n; i++) {
        const struct otw_bl_entry *e = &b->ents[i];
        uint8_t k[PORTKEY_LEN];

        if (e->status != OTW_BL_APPROVED || e->category != OTW_BL_OPERATIONAL)
            continue;
        pack_port(k, e->k.client, e->k.server, e->k.proto, e->k.port);
        if (ht_put(&s->t, k, 1) != 0) {
            otw_bl_flowset_free(s);
            return NULL;
        }
    }
    return s;
}

bool otw_bl_flowset_has(const struct otw_bl_flowset *s, const uint8_t client[16],
                        const uint8_t server[16], uint8_t proto, uint16_t port)
{
    uint8_t k[PORTKEY_LEN];

    if (s == NULL)
        return false;
    pack_port(k, client, server, proto, has_ports(proto) ? port : 0);
    return ht_get(&s->t, k) != 0;
}

size_t otw_bl_flowset_size(const struct otw_bl_flowset *s)
{
    return s != NULL ? s->t.n : 0;
}

void otw_bl_flowset_free(struct otw_bl_flowset *s)
{
    if (s == NULL)
        return;
    ht_free(&s->t);
    free(s);
}
