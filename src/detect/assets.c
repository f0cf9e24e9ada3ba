/*
 * assets.c - the asset inventory (see assets.h).
 *
 * Everything lives in memory while a process runs: one entry per MAC and
 * per IP address, each with a short list of facts (names, identities,
 * services served and used, capture points), and the MAC <-> IP bindings.
 * The writer thread calls observe for every session record and layer-2 row
 * (hash lookups, no SQL), and save inside its transaction writes only the
 * entries, facts and bindings that changed since the last save, as
 * increments (store_assets.h).
 *
 * Where things come from:
 *   - sessions: client and (when it answered) server addresses, MACs,
 *     first/last seen, "used"/"served" transport/port/application;
 *   - parser fields: dhcp.client_name and dhcp.lease (MAC paired with its
 *     host name / address per message), dns.resolved (an A/AAAA answer's
 *     owner name and address), dhcp.hostname/vendor_class/
 *     assigned_ip (when the session holds one client MAC: rows stored
 *     before the pairs existed), dns.query + dns.answer (one question:
 *     the answer addresses get the name; PTR: the address gets the answer),
 *     nbns.registered (the sender's NetBIOS name) and nbns.status_name (the
 *     responder's), EtherNet/IP ListIdentity, BACnet I-Am and S7 SZL
 *     identification fields (for the side that answered, else the sender);
 *   - layer-2 rows: ARP sender bindings, names from LLDP/CDP/PROFINET DCP/
 *     DHCP/NetBIOS frames (flow/l2seen.c).
 *
 * A session's MAC is the last hop's: a router's MAC carries every address
 * behind it. So a binding seen only in sessions is trusted for a link-local
 * address, or for an address inside plant.networks from a MAC that claims
 * no other address of that family by ARP, DHCP or ND and is seen with fewer
 * than ROUTER_IPS others; bindings from ARP, DHCP and ND are trusted always.
 */
#include "detect/assets.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <arpa/inet.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "proto/app.h"

#define MAX_ENTRIES 1000000
#define MAX_BINDINGS 2000000
#define ROUTER_IPS 4

/* --- fact kinds ------------------------------------------------------------------ */

enum { KC_SERVED, KC_USED, KC_POINT, KC_NAME, KC_ID };

struct kinddef {
    const char *name;       /* also the parser field it comes from, for identities */
    uint8_t cls;
    uint8_t cap;            /* distinct values kept per entry */
};

static const struct kinddef kinds[] = {
    {"name.dhcp", KC_NAME, 4},
    {"name.nbns", KC_NAME, 4},
    {"name.dns", KC_NAME, 8},
    {"name.lldp", KC_NAME, 4},
    {"name.cdp", KC_NAME, 4},
    {"name.dcp", KC_NAME, 4},
    {"dhcp.vendor_class", KC_ID, 4},
    {"enip.vendor", KC_ID, 4},
    {"enip.product_name", KC_ID, 4},
    {"enip.device_type", KC_ID, 4},
    {"enip.product_code", KC_ID, 4},
    {"enip.revision", KC_ID, 4},
    {"enip.serial", KC_ID, 4},
    {"bacnet.device_instance", KC_ID, 4},
    {"bacnet.vendor_id", KC_ID, 4},
    {"s7.order_number", KC_ID, 4},
    {"s7.module_name", KC_ID, 4},
    {"s7.module_type", KC_ID, 4},
    {"s7.system_name", KC_ID, 4},
    {"s7.plant_id", KC_ID, 4},
    {"s7.serial", KC_ID, 4},
    {"served", KC_SERVED, 64},
    {"used", KC_USED, 64},
    {"point", KC_POINT, 16},
};
#define NKINDS OTW_ARRAY_LEN(kinds)

static const struct kinddef *kind_find(const char *name)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

/* --- data ------------------------------------------------------------------------- */

struct fact {
    const struct kinddef *k;
    uint64_t h;             /* hash of the value */
    char *value;
    uint64_t count, d_count;    /* d_: not saved yet */
    int64_t first_us, last_us;
    bool dirty;
};

struct bind;

struct ent {
    uint64_t h;
    uint8_t key[16];
    uint8_t keylen;
    bool dirty;
    int64_t first_us, last_us;  /* 0: never seen in traffic */
    uint64_t s_out, s_in, pk;
    uint64_t d_out, d_in, d_pk;
    struct fact *facts;
    uint16_t nfacts, capfacts;
    struct bind **binds;        /* a MAC's addresses or an IP's MACs */
    uint32_t nbinds, capbinds;
    unsigned strong;            /* MAC: OR of the sources of its bindings */
    struct bind *lastb;         /* IP: the binding a session showed last (a cache) */
    char *lname, *lrole;        /* given by a person: what is shown */
    const char *lfrom;          /* where: cfrom or "assets set" */
    char *cname, *crole, *cfrom;    /* the settings file's line ("FILE:LINE"), kept so
                                     * a refresh of the database's labels can fall back */
    struct ent *next_dirty;
};

struct bind {
    uint64_t h;
    uint8_t mac[6], ip[16];
    unsigned sources;
    uint64_t count, d_count;
    int64_t first_us, last_us;
    bool dirty;
    struct bind *next_dirty;
};

struct htab {
    void **v;
    size_t n, used;     /* n: power of two */
};

struct point {
    int64_t id;
    char *name;
};

struct otw_assets {
    struct htab ents, binds;
    struct ent *dirty;
    struct bind *dirty_binds;
    struct otw_cidr *nets;
    size_t nnets;
    struct point *points;
    size_t npoints;
    uint64_t nfacts, nlabels, capped;
};

/* --- hash tables (pointers to ent or bind; each starts with its hash) ------------ */

static int ht_init(struct htab *t)
{
    t->n = 1024;
    t->used = 0;
    t->v = calloc(t->n, sizeof(void *));
    return t->v ? 0 : -1;
}

static uint64_t hash_of(const void *p)
{
    return *(const uint64_t *)p;
}

static int ht_grow(struct htab *t)
{
    size_t nn = t->n * 2;
    void **nv = calloc(nn, sizeof(void *));

    if (nv == NULL)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i] == NULL)
            continue;
        size_t j = hash_of(t->v[i]) & (nn - 1);
        while (nv[j] != NULL)
            j = (j + 1) & (nn - 1);
        nv[j] = t->v[i];
    }
    free(t->v);
    t->v = nv;
    t->n = nn;
    return 0;
}

static uint64_t key_hash(const uint8_t *key, size_t keylen)
{
    return XXH3_64bits(key, keylen) | 1;
}

static struct ent *ent_find(const struct otw_assets *a, const uint8_t *key, size_t keylen)
{
    uint64_t h = key_hash(key, keylen);
    const struct htab *t = &a->ents;

    for (size_t i = h & (t->n - 1); t->v[i] != NULL; i = (i + 1) & (t->n - 1)) {
        struct ent *e = t->v[i];
        if (e->h == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
            return e;
    }
    return NULL;
}

static void mark(struct otw_assets *a, struct ent *e)
{
    if (!e->dirty) {
        e->dirty = true;
        e->next_dirty = a->dirty;
        a->dirty = e;
    }
}

static struct ent *ent_get(struct otw_assets *a, const uint8_t *key, size_t keylen)
{
    uint64_t h = key_hash(key, keylen);
    struct htab *t = &a->ents;
    struct ent *e;
    size_t i;

    for (i = h & (t->n - 1); t->v[i] != NULL; i = (i + 1) & (t->n - 1)) {
        e = t->v[i];
        if (e->h == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
            return e;
    }
    if (t->used >= MAX_ENTRIES) {
        a->capped++;
        return NULL;
    }
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->h = h;
    e->keylen = (uint8_t)keylen;
    memcpy(e->key, key, keylen);
    if ((t->used + 1) * 2 > t->n) {
        if (ht_grow(t) != 0) {
            free(e);
            return NULL;
        }
        for (i = h & (t->n - 1); t->v[i] != NULL; i = (i + 1) & (t->n - 1))
            ;
    }
    t->v[i] = e;
    t->used++;
    return e;
}

static void ent_touch(struct otw_assets *a, struct ent *e, int64_t first_us, int64_t last_us)
{
    if (first_us <= 0)
        return;
    if (e->first_us == 0 || first_us < e->first_us) {
        e->first_us = first_us;
        mark(a, e);
    }
    if (last_us > e->last_us) {
        e->last_us = last_us;
        mark(a, e);
    }
}

/* The key of a service fact: transport and port exact, the application's
 * name hashed; the value text is made only when the fact is new. */
static uint64_t svc_key(uint8_t proto, uint16_t port, const char *app, size_t applen)
{
    return (uint64_t)proto << 56 | (uint64_t)port << 40 |
           (XXH3_64bits(app, applen) & 0xffffffffffULL);
}

/* A fact value's key: what observe computes without formatting the text
 * (services, points), else a hash of the text. */
static uint64_t value_key(const struct kinddef *k, const char *v, size_t n)
{
    if (k->cls == KC_SERVED || k->cls == KC_USED) {
        /* "tcp/502 modbus" */
        uint8_t proto = strncmp(v, "tcp/", 4) == 0 ? 6 : strncmp(v, "udp/", 4) == 0 ? 17 : 132;
        const char *p = memchr(v, '/', n), *sp;
        unsigned long port = p ? strtoul(p + 1, NULL, 10) : 0;
        sp = memchr(v, ' ', n);
        return svc_key(proto, (uint16_t)port, sp ? sp + 1 : "", sp ? n - (size_t)(sp + 1 - v) : 0);
    }
    if (k->cls == KC_POINT)
        return (uint64_t)strtoll(v, NULL, 10);
    return XXH3_64bits(v, n);
}

static struct fact *fact_find(struct ent *e, const struct kinddef *k, uint64_t h, const char *value,
                              size_t vlen, unsigned *same)
{
    bool exact = k->cls == KC_SERVED || k->cls == KC_USED || k->cls == KC_POINT;

    *same = 0;
    for (uint16_t i = 0; i < e->nfacts; i++) {
        struct fact *f = &e->facts[i];
        if (f->k != k)
            continue;
        if (f->h == h && (exact || (strncmp(f->value, value, vlen) == 0 && f->value[vlen] == '\0')))
            return f;
        (*same)++;
    }
    return NULL;
}

static void fact_bump(struct otw_assets *a, struct ent *e, struct fact *f, uint64_t count,
                      int64_t first_us, int64_t last_us)
{
    f->count += count;
    f->d_count += count;
    if (first_us > 0 && (f->first_us == 0 || first_us < f->first_us))
        f->first_us = first_us;
    if (last_us > f->last_us)
        f->last_us = last_us;
    f->dirty = true;
    mark(a, e);
}

static struct fact *fact_new(struct otw_assets *a, struct ent *e, const struct kinddef *k,
                             uint64_t h, const char *value, size_t vlen, unsigned same)
{
    struct fact *f;

    if (same >= k->cap || e->nfacts == UINT16_MAX) {
        a->capped++;
        return NULL;
    }
    if (e->nfacts == e->capfacts) {
        uint16_t nc = e->capfacts ? (uint16_t)OTW_MIN(e->capfacts * 2, UINT16_MAX) : 4;
        struct fact *nf = realloc(e->facts, nc * sizeof(*nf));
        if (nf == NULL)
            return NULL;
        e->facts = nf;
        e->capfacts = nc;
    }
    f = &e->facts[e->nfacts];
    memset(f, 0, sizeof(*f));
    f->value = malloc(vlen + 1);
    if (f->value == NULL)
        return NULL;
    memcpy(f->value, value, vlen);
    f->value[vlen] = '\0';
    f->k = k;
    f->h = h;
    e->nfacts++;
    a->nfacts++;
    return f;
}

static struct fact *fact_add(struct otw_assets *a, struct ent *e, const struct kinddef *k,
                             const char *value, size_t vlen, uint64_t count, int64_t first_us,
                             int64_t last_us)
{
    uint64_t h;
    unsigned same;
    struct fact *f;

    if (vlen >= OTW_ASSET_VALUE_MAX)
        vlen = OTW_ASSET_VALUE_MAX - 1;
    h = value_key(k, value, vlen);
    f = fact_find(e, k, h, value, vlen, &same);
    if (f == NULL && (f = fact_new(a, e, k, h, value, vlen, same)) == NULL)
        return NULL;
    fact_bump(a, e, f, count, first_us, last_us);
    return f;
}

/* A name or identity from traffic: printable bytes only (a name is shown
 * in tables and sent to syslog), trimmed; empty -> nothing. */
static void fact_text(struct otw_assets *a, struct ent *e, const struct kinddef *k,
                      const char *s, size_t n, int64_t first_us, int64_t last_us)
{
    char buf[OTW_ASSET_VALUE_MAX];
    size_t o = 0;

    if (e == NULL || k == NULL)
        return;
    for (size_t i = 0; i < n && o + 1 < sizeof(buf); i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\0')
            break;
        buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    while (o > 0 && buf[o - 1] == ' ')
        o--;
    if (o == 0)
        return;
    buf[o] = '\0';
    fact_add(a, e, k, buf, o, 1, first_us, last_us);
}

/* --- bindings ---------------------------------------------------------------------- */

static int ent_add_bind(struct ent *e, struct bind *b)
{
    if (e->nbinds == e->capbinds) {
        uint32_t nc = e->capbinds ? e->capbinds * 2 : 2;
        struct bind **nb = realloc(e->binds, nc * sizeof(*nb));
        if (nb == NULL)
            return -1;
        e->binds = nb;
        e->capbinds = nc;
    }
    e->binds[e->nbinds++] = b;
    return 0;
}

static struct bind *bind_get(struct otw_assets *a, const uint8_t mac[6], const uint8_t ip[16],
                             bool create)
{
    uint8_t k[22];
    uint64_t h;
    struct htab *t = &a->binds;
    struct bind *b;
    struct ent *me, *ie;
    size_t i;

    memcpy(k, mac, 6);
    memcpy(k + 6, ip, 16);
    h = XXH3_64bits(k, 22) | 1;
    for (i = h & (t->n - 1); t->v[i] != NULL; i = (i + 1) & (t->n - 1)) {
        b = t->v[i];
        if (b->h == h && memcmp(b->mac, mac, 6) == 0 && memcmp(b->ip, ip, 16) == 0)
            return b;
    }
    if (!create)
        return NULL;
    if (t->used >= MAX_BINDINGS) {
        a->capped++;
        return NULL;
    }
    me = ent_get(a, mac, 6);
    ie = ent_get(a, ip, 16);
    if (me == NULL || ie == NULL)
        return NULL;
    b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->h = h;
    memcpy(b->mac, mac, 6);
    memcpy(b->ip, ip, 16);
    if ((t->used + 1) * 2 > t->n) {
        if (ht_grow(t) != 0) {
            free(b);
            return NULL;
        }
        for (i = h & (t->n - 1); t->v[i] != NULL; i = (i + 1) & (t->n - 1))
            ;
    }
    if (ent_add_bind(me, b) != 0 || ent_add_bind(ie, b) != 0) {
        /* keep it anyway: only the per-entry list is short */
    }
    t->v[i] = b;
    t->used++;
    return b;
}

static void bind_bump(struct otw_assets *a, struct bind *b, unsigned sources, uint64_t count,
                      int64_t first_us, int64_t last_us);

static struct bind *bind_add(struct otw_assets *a, const uint8_t mac[6], const uint8_t ip[16],
                             unsigned sources, uint64_t count, int64_t first_us, int64_t last_us)
{
    struct bind *b = bind_get(a, mac, ip, true);

    if (b != NULL)
        bind_bump(a, b, sources, count, first_us, last_us);
    return b;
}

static void bind_bump(struct otw_assets *a, struct bind *b, unsigned sources, uint64_t count,
                      int64_t first_us, int64_t last_us)
{
    struct ent *me;

    b->sources |= sources;
    b->count += count;
    b->d_count += count;
    if (first_us > 0 && (b->first_us == 0 || first_us < b->first_us))
        b->first_us = first_us;
    if (last_us > b->last_us)
        b->last_us = last_us;
    if ((sources & OTW_BIND_STRONG) && (me = ent_find(a, b->mac, 6)) != NULL)
        me->strong |= sources & OTW_BIND_STRONG;
    if (!b->dirty) {
        b->dirty = true;
        b->next_dirty = a->dirty_binds;
        a->dirty_binds = b;
    }
}

/* --- plant networks ---------------------------------------------------------------- */

static bool in_plant(const struct otw_assets *a, const uint8_t ip[16])
{
    for (size_t i = 0; i < a->nnets; i++)
        if (otw_cidr_has(&a->nets[i], ip))
            return true;
    return false;
}

static int load_networks(struct otw_assets *a, const struct otw_config *cfg, struct otw_err *err)
{
    const char *v = cfg ? otw_config_get(cfg, "plant.networks") : NULL;
    char buf[2048], *save = NULL, *tok;
    size_t n = 1;

    if (v == NULL || v[0] == '\0')
        v = OTW_DEFAULT_PLANT_NETWORKS;
    snprintf(buf, sizeof(buf), "%s", v);
    for (const char *p = buf; *p; p++)
        n += *p == ',' || *p == ' ';
    a->nets = calloc(n, sizeof(*a->nets));
    if (a->nets == NULL)
        return OTW_ENOMEM;
    for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
        if (otw_cidr_parse(tok, &a->nets[a->nnets]) != 0) {
            otw_err_set(err, -1, "%s: plant.networks: '%s' is not an address range (CIDR)",
                        otw_config_where(cfg, "plant.networks"), tok);
            return OTW_EINVAL;
        }
        a->nnets++;
    }
    return 0;
}

/* --- creation, labels ---------------------------------------------------------------- */

static bool valid_mac(const uint8_t mac[6])
{
    static const uint8_t zero[6];

    return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

static bool valid_ip(const uint8_t ip[16])
{
    return !otw_ip_is_unspecified(ip) && !otw_ip_is_multicast(ip) && !otw_ip_is_broadcast(ip);
}

int otw_assets_parse_key(const char *s, uint8_t key[16], uint8_t *keylen)
{
    memset(key, 0, 16);
    if (strchr(s, ':') != NULL && strlen(s) == 17 && otw_mac_parse(s, key) == 0) {
        *keylen = 6;
        return 0;
    }
    if (otw_ip_parse(s, key) == 0) {
        *keylen = 16;
        return 0;
    }
    return OTW_EINVAL;
}

int otw_assets_check_text(const char *what, const char *s, struct otw_err *err)
{
    size_t n = strlen(s);

    if (n == 0 || n >= OTW_ASSET_LABEL_MAX) {
        otw_err_set(err, -1, "%s must be 1 to %d characters", what, OTW_ASSET_LABEL_MAX - 1);
        return OTW_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            otw_err_set(err, -1, "%s holds a control character", what);
            return OTW_EINVAL;
        }
    }
    return 0;
}

/* One word of an asset line: up to a blank, or a "quoted string". */
static const char *word(const char *p, char *out, size_t len, bool *bad)
{
    size_t k = 0;
    bool quoted = false;

    *bad = false;
    while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
        if (*p == '"') {
            quoted = !quoted;
            p++;
            continue;
        }
        if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
            p++;
        if (k + 1 >= len) {
            *bad = true;
            return p;
        }
        out[k++] = *p++;
    }
    out[k] = '\0';
    if (quoted)
        *bad = true;
    return p;
}

int otw_assets_parse_line(const char *value, uint8_t key[16], uint8_t *keylen,
                          char name[OTW_ASSET_LABEL_MAX], char role[OTW_ASSET_LABEL_MAX],
                          struct otw_err *err)
{
    char w[256];
    const char *p = value;
    bool bad;

    name[0] = role[0] = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    p = word(p, w, sizeof(w), &bad);
    if (bad || w[0] == '\0') {
        otw_err_set(err, -1, "expected 'IP|MAC name=NAME role=ROLE'");
        return OTW_EINVAL;
    }
    if (otw_assets_parse_key(w, key, keylen) != 0) {
        otw_err_set(err, -1, "'%s' is not an IP address or a MAC (aa:bb:cc:dd:ee:ff)", w);
        return OTW_EINVAL;
    }
    for (;;) {
        char *eq, *dst;
        const char *what;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        p = word(p, w, sizeof(w), &bad);
        if (bad) {
            otw_err_set(err, -1, "unterminated quote or value too long near '%.40s'", w);
            return OTW_EINVAL;
        }
        eq = strchr(w, '=');
        if (eq == NULL) {
            otw_err_set(err, -1, "'%s': expected name=VALUE or role=VALUE", w);
            return OTW_EINVAL;
        }
        *eq = '\0';
        if (strcmp(w, "name") == 0) {
            dst = name;
            what = "name";
        } else if (strcmp(w, "role") == 0) {
            dst = role;
            what = "role";
        } else {
            otw_err_set(err, -1, "unknown attribute '%s' (name, role)", w);
            return OTW_EINVAL;
        }
        if (otw_assets_check_text(what, eq + 1, err) != 0)
            return OTW_EINVAL;
        snprintf(dst, OTW_ASSET_LABEL_MAX, "%s", eq + 1);
    }
    if (name[0] == '\0' && role[0] == '\0') {
        otw_err_set(err, -1, "give name=NAME, role=ROLE or both");
        return OTW_EINVAL;
    }
    return 0;
}

static int set_label(struct otw_assets *a, const uint8_t *key, size_t keylen, const char *name,
                     const char *role, const char *from)
{
    struct ent *e = ent_get(a, key, keylen);
    char *n = NULL, *r = NULL;

    if (e == NULL)
        return OTW_ENOMEM;
    if (name[0] && (n = strdup(name)) == NULL)
        return OTW_ENOMEM;
    if (role[0] && (r = strdup(role)) == NULL) {
        free(n);
        return OTW_ENOMEM;
    }
    if (e->lname == NULL && e->lrole == NULL && (n != NULL || r != NULL))
        a->nlabels++;
    else if ((e->lname != NULL || e->lrole != NULL) && n == NULL && r == NULL)
        a->nlabels--;
    free(e->lname);
    free(e->lrole);
    e->lname = n;
    e->lrole = r;
    e->lfrom = n != NULL || r != NULL ? from : NULL;
    return 0;
}

struct cfgctx {
    struct otw_assets *a;
    struct otw_err *err;
    int rc;
};

static int on_asset_line(void *p, const char *key, const char *value, const char *where)
{
    struct cfgctx *c = p;
    uint8_t k[16], kl;
    char name[OTW_ASSET_LABEL_MAX], role[OTW_ASSET_LABEL_MAX];
    struct ent *e;

    if (otw_assets_parse_line(value, k, &kl, name, role, c->err) != 0) {
        char m[sizeof(c->err->msg)];
        snprintf(m, sizeof(m), "%s", c->err->msg);
        otw_err_set(c->err, -1, "%s: asset: %s", where[0] ? where : "settings", m);
        c->rc = OTW_EINVAL;
        return 1;
    }
    /* a later line for the same host replaces an earlier one */
    if ((e = ent_get(c->a, k, kl)) != NULL) {
        free(e->cname);
        free(e->crole);
        free(e->cfrom);
        e->cname = name[0] ? strdup(name) : NULL;
        e->crole = role[0] ? strdup(role) : NULL;
        e->cfrom = strdup(where[0] ? where : "settings");
    }
    if (e == NULL || e->cfrom == NULL || (name[0] && e->cname == NULL) ||
        (role[0] && e->crole == NULL) || set_label(c->a, k, kl, name, role, e->cfrom) != 0) {
        otw_err_set(c->err, -1, "out of memory");
        c->rc = OTW_ENOMEM;
        return 1;
    }
    return 0;
}

struct otw_assets *otw_assets_new(const struct otw_config *cfg, struct otw_err *err)
{
    struct otw_assets *a = calloc(1, sizeof(*a));
    struct cfgctx c = {a, err, 0};

    if (a == NULL || ht_init(&a->ents) != 0 || ht_init(&a->binds) != 0) {
        otw_err_set(err, -1, "out of memory");
        otw_assets_free(a);
        return NULL;
    }
    if (load_networks(a, cfg, err) != 0) {
        otw_assets_free(a);
        return NULL;
    }
    if (cfg != NULL) {
        otw_config_each(cfg, "asset", on_asset_line, &c);
        if (c.rc != 0) {
            otw_assets_free(a);
            return NULL;
        }
    }
    return a;
}

/* --- loading from the store ---------------------------------------------------------- */

static int rd_row(void *p, const struct otw_asset_row *r)
{
    struct otw_assets *a = p;
    struct ent *e = ent_get(a, r->key, r->keylen);

    if (e == NULL)
        return 0;
    if (e->first_us == 0 || (r->first_us > 0 && r->first_us < e->first_us))
        e->first_us = r->first_us;
    if (r->last_us > e->last_us)
        e->last_us = r->last_us;
    e->s_out += r->sessions_out;
    e->s_in += r->sessions_in;
    e->pk += r->packets;
    return 0;
}

static int rd_fact(void *p, const struct otw_asset_fact_row *f)
{
    struct otw_assets *a = p;
    const struct kinddef *k = kind_find(f->kind);
    struct ent *e;
    struct fact *x;

    if (k == NULL || (e = ent_get(a, f->key, f->keylen)) == NULL)
        return 0;
    x = fact_add(a, e, k, f->value, strlen(f->value), f->count, f->first_us, f->last_us);
    if (x != NULL) {
        x->d_count = 0;
        x->dirty = false;
    }
    return 0;
}

static int rd_binding(void *p, const struct otw_asset_binding_row *r)
{
    struct otw_assets *a = p;
    struct bind *b = bind_get(a, r->mac, r->ip, true);
    struct ent *me;

    if (b == NULL)
        return 0;
    b->sources |= r->sources;
    b->count += r->count;
    if (b->first_us == 0 || r->first_us < b->first_us)
        b->first_us = r->first_us;
    if (r->last_us > b->last_us)
        b->last_us = r->last_us;
    if ((me = ent_find(a, r->mac, 6)) != NULL)
        me->strong |= r->sources & OTW_BIND_STRONG;
    return 0;
}

static int rd_label(void *p, const struct otw_asset_label_row *l)
{
    struct otw_assets *a = p;
    const struct ent *e = ent_find(a, l->key, l->keylen);
    char name[OTW_ASSET_LABEL_MAX], role[OTW_ASSET_LABEL_MAX];

    /* `assets set` wins over the settings file (it is the later word); what
     * it did not give (a name or a role) stays as the file says */
    snprintf(name, sizeof(name), "%s", l->name[0] ? l->name : e && e->cname ? e->cname : "");
    snprintf(role, sizeof(role), "%s", l->role[0] ? l->role : e && e->crole ? e->crole : "");
    return set_label(a, l->key, l->keylen, name, role, "assets set") == 0 ? 0 : 1;
}

static int rd_point(void *p, int64_t id, const char *name)
{
    struct otw_assets *a = p;
    struct point *np = realloc(a->points, (a->npoints + 1) * sizeof(*np));

    if (np == NULL)
        return 1;
    a->points = np;
    np[a->npoints].id = id;
    np[a->npoints].name = strdup(name ? name : "");
    if (np[a->npoints].name == NULL)
        return 1;
    a->npoints++;
    return 0;
}

/* Nothing read is dirty: the store has it. */
static void clean_all(struct otw_assets *a)
{
    for (struct ent *e = a->dirty; e; e = e->next_dirty)
        e->dirty = false;
    a->dirty = NULL;
    for (struct bind *b = a->dirty_binds; b; b = b->next_dirty) {
        b->dirty = false;
        b->d_count = 0;
    }
    a->dirty_binds = NULL;
}

static struct otw_assets *load(struct otw_store *st, const struct otw_config *cfg, bool full,
                               struct otw_err *err)
{
    struct otw_assets *a = otw_assets_new(cfg, err);
    struct otw_asset_readers rd = {rd_row, rd_fact, rd_binding, rd_label, rd_point};
    int rc;

    if (a == NULL || st == NULL)
        return a;
    rc = full ? otw_store_assets_read(st, &rd, a, err)
              : otw_store_assets_read_labels(st, &rd, a, err);
    if (rc != 0) {
        if (rc > 0)
            otw_err_set(err, -1, "out of memory reading the inventory");
        otw_assets_free(a);
        return NULL;
    }
    clean_all(a);
    return a;
}

struct otw_assets *otw_assets_load(struct otw_store *st, const struct otw_config *cfg,
                                   struct otw_err *err)
{
    return load(st, cfg, true, err);
}

struct otw_assets *otw_assets_load_labels(struct otw_store *st, const struct otw_config *cfg,
                                          struct otw_err *err)
{
    return load(st, cfg, false, err);
}

int otw_assets_refresh_labels(struct otw_assets *a, struct otw_store *st, struct otw_err *err)
{
    struct otw_asset_readers rd = {.label = rd_label};
    int rc;

    if (a == NULL)
        return 0;
    /* back to the settings file's word, then the database's on top */
    for (size_t i = 0; i < a->ents.n; i++) {
        struct ent *e = a->ents.v[i];
        if (e != NULL && (e->lname != NULL || e->lrole != NULL) &&
            set_label(a, e->key, e->keylen, e->cname ? e->cname : "", e->crole ? e->crole : "",
                      e->cfrom) != 0) {
            otw_err_set(err, -1, "out of memory");
            return OTW_ENOMEM;
        }
    }
    rc = otw_store_assets_read_labels(st, &rd, a, err);
    if (rc > 0) {
        otw_err_set(err, -1, "out of memory reading asset labels");
        return OTW_ENOMEM;
    }
    return rc;
}

static void ent_free(struct ent *e)
{
    for (uint16_t i = 0; i < e->nfacts; i++)
        free(e->facts[i].value);
    free(e->facts);
    free(e->binds);
    free(e->lname);
    free(e->lrole);
    free(e->cname);
    free(e->crole);
    free(e->cfrom);
    free(e);
}

void otw_assets_free(struct otw_assets *a)
{
    if (a == NULL)
        return;
    if (a->ents.v != NULL)
        for (size_t i = 0; i < a->ents.n; i++)
            if (a->ents.v[i] != NULL)
                ent_free(a->ents.v[i]);
    if (a->binds.v != NULL)
        for (size_t i = 0; i < a->binds.n; i++)
            free(a->binds.v[i]);
    free(a->ents.v);
    free(a->binds.v);
    free(a->nets);
    for (size_t i = 0; i < a->npoints; i++)
        free(a->points[i].name);
    free(a->points);
    free(a);
}

/* --- which MAC an address has now ---------------------------------------------------- */

static bool trusted(const struct otw_assets *a, const struct bind *b)
{
    const struct ent *me;
    uint32_t weak = 0;

    if (b->sources & OTW_BIND_STRONG)
        return true;
    if (otw_ip_is_linklocal(b->ip))
        return true;        /* never routed: the MAC is the host's own */
    if (!in_plant(a, b->ip))
        return false;
    me = ent_find(a, b->mac, 6);
    if (me == NULL)
        return false;
    for (uint32_t i = 0; i < me->nbinds; i++) {
        const struct bind *o = me->binds[i];
        if (o == b || otw_ip_is_v4(o->ip) != otw_ip_is_v4(b->ip) || otw_ip_is_linklocal(o->ip))
            continue;
        if (o->sources & OTW_BIND_STRONG)
            return false;   /* it says by ARP/DHCP/ND which address is its own */
        if (++weak >= ROUTER_IPS)
            return false;   /* many addresses behind one MAC: a router */
    }
    return true;
}

static const struct bind *current_mac(const struct otw_assets *a, const struct ent *ie)
{
    const struct bind *best = NULL;

    if (ie == NULL || ie->keylen != 16)
        return NULL;
    for (uint32_t i = 0; i < ie->nbinds; i++) {
        const struct bind *b = ie->binds[i];
        if ((best == NULL || b->last_us > best->last_us) && trusted(a, b))
            best = b;
    }
    return best;
}

static const struct ent *label_ent(const struct otw_assets *a, const uint8_t ip[16])
{
    const struct ent *e = ent_find(a, ip, 16);
    const struct bind *b;
    const struct ent *me;

    if (e != NULL && (e->lname || e->lrole))
        return e;
    b = current_mac(a, e);
    if (b != NULL && (me = ent_find(a, b->mac, 6)) != NULL && (me->lname || me->lrole))
        return me;
    return NULL;
}

bool otw_assets_name_role(const struct otw_assets *a, const uint8_t ip[16], const char **name,
                          const char **role)
{
    const struct ent *e = a ? label_ent(a, ip) : NULL;

    *name = e ? e->lname : NULL;
    *role = e ? e->lrole : NULL;
    return e != NULL;
}

const char *otw_assets_label(const struct otw_assets *a, const uint8_t ip[16], char *buf,
                             size_t len)
{
    const char *name, *role;
    char addr[64];

    otw_ip_str(ip, addr, sizeof(addr));
    if (!otw_assets_name_role(a, ip, &name, &role))
        snprintf(buf, len, "%s", addr);
    else if (name && role)
        snprintf(buf, len, "%s (%s)", name, role);
    else if (name)
        snprintf(buf, len, "%s", name);
    else
        snprintf(buf, len, "(%s) %s", role, addr);
    return buf;
}

bool otw_assets_seen(const struct otw_assets *a, const uint8_t *key, size_t keylen)
{
    const struct ent *e = a ? ent_find(a, key, keylen) : NULL;

    return e != NULL && e->first_us != 0;
}

/* --- observing ----------------------------------------------------------------------- */

static void add_point(struct otw_assets *a, struct ent *e, int64_t point_id, int64_t first_us,
                      int64_t last_us)
{
    const struct kinddef *k = &kinds[NKINDS - 1];
    struct fact *f;
    unsigned same;

    if (point_id <= 0)
        return;
    f = fact_find(e, k, (uint64_t)point_id, NULL, 0, &same);
    if (f == NULL) {
        char v[24];
        int n = snprintf(v, sizeof(v), "%lld", (long long)point_id);
        f = fact_new(a, e, k, (uint64_t)point_id, v, (size_t)n, same);
    }
    if (f != NULL)
        fact_bump(a, e, f, 1, first_us, last_us);
}

/* A service served or used: found by key, its text made only when new. */
static void add_service(struct otw_assets *a, struct ent *e, const struct kinddef *k,
                        const struct otw_sessinfo *fi, uint64_t key)
{
    struct fact *f;
    unsigned same;

    f = fact_find(e, k, key, NULL, 0, &same);
    if (f == NULL) {
        char v[64];
        int n = snprintf(v, sizeof(v), "%s/%u%s%s",
                         fi->proto == 6 ? "tcp" : fi->proto == 17 ? "udp" : "sctp",
                         fi->server_port, fi->app[0] ? " " : "", fi->app);
        if (n <= 0 || (size_t)n >= sizeof(v))
            return;
        f = fact_new(a, e, k, key, v, (size_t)n, same);
    }
    if (f != NULL)
        fact_bump(a, e, f, fi->update ? 0 : 1, fi->first_us, fi->last_us);
}

/* The host a session shows itself as; NULL when the address is no host. */
static struct ent *host(struct otw_assets *a, const uint8_t ip[16], const uint8_t mac[6],
                        const struct otw_sessinfo *fi)
{
    struct ent *e = NULL;

    /* the MAC even without an address (a DHCP client still at 0.0.0.0) */
    if (valid_mac(mac)) {
        struct ent *me = ent_get(a, mac, 6);
        if (me != NULL) {
            ent_touch(a, me, fi->first_us, fi->last_us);
            add_point(a, me, fi->point_id, fi->first_us, fi->last_us);
        }
    }
    if (!valid_ip(ip) || (e = ent_get(a, ip, 16)) == NULL)
        return NULL;
    ent_touch(a, e, fi->first_us, fi->last_us);
    add_point(a, e, fi->point_id, fi->first_us, fi->last_us);
    if (valid_mac(mac) && in_plant(a, ip)) {
        /* a host talks from the same MAC session after session */
        if (e->lastb != NULL && memcmp(e->lastb->mac, mac, 6) == 0)
            bind_bump(a, e->lastb, OTW_BIND_SESSION, fi->update ? 0 : 1, fi->first_us,
                      fi->last_us);
        else
            e->lastb = bind_add(a, mac, ip, OTW_BIND_SESSION, fi->update ? 0 : 1, fi->first_us,
                                fi->last_us);
    }
    return e;
}

/* A parser value, from a live record or a stored row. */
struct fv {
    const char *field;
    bool is_int;
    int64_t i;
    const char *s;
    size_t slen;
};

static bool fv_text(const struct fv *v, char *buf, size_t len, const char **s, size_t *n)
{
    if (v->is_int) {
        int k = snprintf(buf, len, "%lld", (long long)v->i);
        *s = buf;
        *n = (size_t)k;
    } else {
        *s = v->s;
        *n = v->slen;
    }
    return true;
}

/* "1.10.168.192.in-addr.arpa" or the ip6.arpa nibbles -> address. */
static bool ptr_addr(const char *q, size_t n, uint8_t ip[16])
{
    static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
    size_t l4 = sizeof(v4) - 1, l6 = sizeof(v6) - 1;

    memset(ip, 0, 16);
    if (n > l4 && strncasecmp(q + n - l4, v4, l4) == 0) {
        unsigned oct[4];
        int got = 0;
        size_t p = 0, end = n - l4;
        while (p < end && got < 4) {
            unsigned v = 0;
            size_t d = 0;
            while (p < end && isdigit((unsigned char)q[p]) && d < 3) {
                v = v * 10 + (unsigned)(q[p++] - '0');
                d++;
            }
            if (d == 0 || v > 255 || (p < end && q[p] != '.'))
                return false;
            oct[got++] = v;
            if (p < end)
                p++;
        }
        if (got != 4 || p != end)
            return false;
        ip[10] = ip[11] = 0xff;
        for (int i = 0; i < 4; i++)
            ip[12 + i] = (uint8_t)oct[3 - i];
        return true;
    }
    if (n == 64 + l6 && strncasecmp(q + 64, v6, l6) == 0) {
        for (int i = 0; i < 32; i++) {
            char c = (char)tolower((unsigned char)q[i * 2]);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0 || q[i * 2 + 1] != '.')
                return false;
            ip[15 - i / 2] |= (uint8_t)(i % 2 == 0 ? d : d << 4);
        }
        return true;
    }
    return false;
}

static bool has_proto(const char *list, const char *name)
{
    return strcmp(list, name) == 0;
}

static void app_values(struct otw_assets *a, const struct otw_sessinfo *fi, const struct fv *v,
                       size_t n, struct ent *client, struct ent *server)
{
    const char *dhcp_mac = NULL, *dns_q = NULL;
    size_t dhcp_macs = 0, dns_qs = 0, dns_qlen = 0;
    struct ent *idt = server != NULL ? server : client;  /* identity: the side that answered */
    int64_t f = fi->first_us, l = fi->last_us;

    for (size_t i = 0; i < n; i++) {
        if (!v[i].is_int && strcmp(v[i].field, "dhcp.client_mac") == 0) {
            if (dhcp_mac == NULL || strcmp(dhcp_mac, v[i].s) != 0)
                dhcp_macs++;
            dhcp_mac = v[i].s;
        } else if (!v[i].is_int && strcmp(v[i].field, "dns.query") == 0) {
            dns_qs++;
            dns_q = v[i].s;
            dns_qlen = v[i].slen;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *fld = v[i].field, *s;
        const struct kinddef *k;
        char num[24];
        size_t sl;

        if ((strcmp(fld, "dhcp.client_name") == 0 || strcmp(fld, "dhcp.lease") == 0) &&
            !v[i].is_int && v[i].slen > 18 && v[i].s[17] == ' ') {
            /* "MAC name" / "MAC address": exact even when a session holds
             * several clients' messages */
            char m[18], rest[OTW_ASSET_VALUE_MAX];
            uint8_t mac[6], ip[16];
            size_t rl = OTW_MIN(v[i].slen - 18, sizeof(rest) - 1);
            struct ent *me;
            memcpy(m, v[i].s, 17);
            m[17] = '\0';
            memcpy(rest, v[i].s + 18, rl);
            rest[rl] = '\0';
            if (otw_mac_parse(m, mac) != 0 || !valid_mac(mac))
                continue;
            if (fld[5] == 'c') {
                if ((me = ent_get(a, mac, 6)) != NULL)
                    fact_text(a, me, kind_find("name.dhcp"), rest, rl, f, l);
            } else if (otw_ip_parse(rest, ip) == 0 && valid_ip(ip)) {
                bind_add(a, mac, ip, OTW_BIND_DHCP, 1, f, l);
            }
            continue;
        }
        if (strncmp(fld, "dhcp.", 5) == 0) {
            uint8_t mac[6], ip[16];
            struct ent *me;
            if (dhcp_macs != 1 || otw_mac_parse(dhcp_mac, mac) != 0 || !valid_mac(mac) ||
                v[i].is_int || (me = ent_get(a, mac, 6)) == NULL)
                continue;
            if (strcmp(fld, "dhcp.hostname") == 0)
                fact_text(a, me, kind_find("name.dhcp"), v[i].s, v[i].slen, f, l);
            else if (strcmp(fld, "dhcp.vendor_class") == 0)
                fact_text(a, me, kind_find(fld), v[i].s, v[i].slen, f, l);
            else if (strcmp(fld, "dhcp.assigned_ip") == 0 && otw_ip_parse(v[i].s, ip) == 0 &&
                     valid_ip(ip))
                bind_add(a, mac, ip, OTW_BIND_DHCP, 1, f, l);
            continue;
        }
        if (strcmp(fld, "dns.resolved") == 0 && !v[i].is_int) {
            /* "name address": exact whatever the questions */
            const char *sp = NULL;
            uint8_t ip[16];
            char txt[INET6_ADDRSTRLEN + 1];
            struct ent *e;
            for (size_t j = v[i].slen; j > 0; j--)
                if (v[i].s[j - 1] == ' ') {
                    sp = v[i].s + j - 1;
                    break;
                }
            if (sp == NULL || (size_t)(v[i].s + v[i].slen - sp - 1) >= sizeof(txt))
                continue;
            memcpy(txt, sp + 1, (size_t)(v[i].s + v[i].slen - sp - 1));
            txt[v[i].s + v[i].slen - sp - 1] = '\0';
            if (otw_ip_parse(txt, ip) == 0 && valid_ip(ip) && (e = ent_get(a, ip, 16)) != NULL)
                fact_text(a, e, kind_find("name.dns"), v[i].s, (size_t)(sp - v[i].s), f, l);
            continue;
        }
        if (strcmp(fld, "dns.answer") == 0 && dns_qs == 1 && !v[i].is_int) {
            uint8_t ip[16];
            char txt[OTW_ASSET_VALUE_MAX];
            size_t tl = OTW_MIN(v[i].slen, sizeof(txt) - 1);
            struct ent *e;
            memcpy(txt, v[i].s, tl);
            txt[tl] = '\0';
            if (otw_ip_parse(txt, ip) == 0) {
                if (valid_ip(ip) && (e = ent_get(a, ip, 16)) != NULL)
                    fact_text(a, e, kind_find("name.dns"), dns_q, dns_qlen, f, l);
            } else if (ptr_addr(dns_q, dns_qlen, ip) && valid_ip(ip) &&
                       (e = ent_get(a, ip, 16)) != NULL) {
                fact_text(a, e, kind_find("name.dns"), txt, tl, f, l);
            }
            continue;
        }
        if (strcmp(fld, "nbns.registered") == 0 || strcmp(fld, "nbns.status_name") == 0) {
            struct ent *e = fld[5] == 'r' ? client : server;
            const char *lt;
            if (v[i].is_int || e == NULL)
                continue;
            /* "PLC01<00>": the inventory keeps the name */
            lt = memchr(v[i].s, '<', v[i].slen);
            fact_text(a, e, kind_find("name.nbns"), v[i].s,
                      lt ? (size_t)(lt - v[i].s) : v[i].slen, f, l);
            continue;
        }
        if ((k = kind_find(fld)) == NULL || k->cls != KC_ID || idt == NULL)
            continue;
        fv_text(&v[i], num, sizeof(num), &s, &sl);
        fact_text(a, idt, k, s, sl, f, l);
    }
}

/* Which parsers' data the inventory reads: the rest is skipped unread. */
static bool app_of_interest(const char *p)
{
    switch (p[0]) {
    case 'd': return has_proto(p, "dhcp") || has_proto(p, "dns");
    case 'n': return has_proto(p, "nbns");
    case 'e': return has_proto(p, "enip");
    case 'b': return has_proto(p, "bacnet");
    case 's': return has_proto(p, "s7comm");
    }
    return false;
}

static void observe_common(struct otw_assets *a, const struct otw_sessinfo *fi,
                           struct ent **client, struct ent **server)
{
    struct ent *c, *s = NULL;
    uint64_t key;

    c = host(a, fi->client, fi->client_mac, fi);
    if (fi->answered)
        s = host(a, fi->server, fi->server_mac, fi);
    if (c != NULL && !fi->update) {
        c->s_out++;
        c->d_out++;
        mark(a, c);
    }
    if (s != NULL && !fi->update) {
        s->s_in++;
        s->d_in++;
        mark(a, s);
    }
    *client = c;
    *server = s;
    if (fi->icmp_type >= 0 || (fi->proto != 6 && fi->proto != 17 && fi->proto != 132))
        return;
    key = svc_key(fi->proto, fi->server_port, fi->app, strlen(fi->app));
    if (c != NULL && !otw_ip_is_multicast(fi->server) && !otw_ip_is_broadcast(fi->server))
        add_service(a, c, &kinds[NKINDS - 2], fi, key);
    /* served: the server took the conversation up (not a refused or
     * unanswered attempt) */
    if (s != NULL && (fi->proto != 6 || (fi->state != OTW_ST_ATTEMPT &&
                                         fi->state != OTW_ST_REJECTED)))
        add_service(a, s, &kinds[NKINDS - 3], fi, key);
}

void otw_assets_observe(struct otw_assets *a, const struct otw_sessinfo *fi,
                        const struct otw_session *s)
{
    const struct otw_app *app = s ? s->app : NULL;
    struct ent *c, *sv;
    struct fv v[OTW_APP_MAX_VALUES];
    size_t n = 0;
    bool want = false;

    if (a == NULL)
        return;
    observe_common(a, fi, &c, &sv);
    if (app == NULL)
        return;
    for (uint8_t i = 0; i < app->nprotocols && !want; i++)
        want = app_of_interest(app->protocols[i]);
    if (!want)
        return;
    for (uint16_t i = 0; i < app->nvalues && n < OTW_ARRAY_LEN(v); i++) {
        const struct otw_app_value *x = &app->values[i];
        v[n++] = (struct fv){x->field, x->type == OTW_PF_INT, x->i, x->s, x->slen};
    }
    app_values(a, fi, v, n, c, sv);
}

void otw_assets_observe_row(struct otw_assets *a, const struct otw_sessinfo *fi,
                            const struct otw_session_row *r)
{
    struct ent *c, *sv;
    struct fv *v;
    char tmp[sizeof(r->protocols)], *save = NULL, *tok;
    bool want = false;

    if (a == NULL)
        return;
    observe_common(a, fi, &c, &sv);
    snprintf(tmp, sizeof(tmp), "%s", r->protocols);
    for (tok = strtok_r(tmp, " ", &save); tok && !want; tok = strtok_r(NULL, " ", &save))
        want = app_of_interest(tok);
    if (!want || r->nfields == 0)
        return;
    v = calloc(r->nfields, sizeof(*v));
    if (v == NULL)
        return;
    for (size_t i = 0; i < r->nfields; i++) {
        const struct otw_row_field *x = &r->fields[i];
        v[i] = (struct fv){x->field, x->is_int, x->i, x->s, x->slen};
    }
    app_values(a, fi, v, r->nfields, c, sv);
    free(v);
}

void otw_assets_observe_l2(struct otw_assets *a, const struct otw_l2_row *row)
{
    struct ent *me = NULL, *ie = NULL;
    const char *nk = NULL;

    if (a == NULL)
        return;
    if (valid_mac(row->mac) && (me = ent_get(a, row->mac, 6)) != NULL) {
        ent_touch(a, me, row->first_us, row->last_us);
        me->pk += row->packets;
        me->d_pk += row->packets;
        mark(a, me);
        add_point(a, me, row->point_id, row->first_us, row->last_us);
    }
    if (row->has_ip && valid_ip(row->ip) && (ie = ent_get(a, row->ip, 16)) != NULL) {
        ent_touch(a, ie, row->first_us, row->last_us);
        add_point(a, ie, row->point_id, row->first_us, row->last_us);
        if (me != NULL) {
            unsigned src = strcmp(row->kind, "arp") == 0       ? OTW_BIND_ARP
                           : strcmp(row->kind, "ipv6-nd") == 0 ? OTW_BIND_ND
                                                               : OTW_BIND_L2;
            if (src != OTW_BIND_L2 || in_plant(a, row->ip))
                bind_add(a, row->mac, row->ip, src, row->packets, row->first_us, row->last_us);
        }
    }
    if (row->name[0] == '\0')
        return;
    if (strcmp(row->kind, "lldp") == 0)
        nk = "name.lldp";
    else if (strcmp(row->kind, "cdp") == 0)
        nk = "name.cdp";
    else if (strcmp(row->kind, "profinet") == 0)
        nk = "name.dcp";
    else if (strcmp(row->kind, "dhcp") == 0)
        nk = "name.dhcp";
    else if (row->has_ip)
        nk = "name.nbns";   /* the only name an IP row other than DHCP carries */
    if (nk == NULL)
        return;
    /* NetBIOS names belong to the address; the others to the device (MAC). */
    fact_text(a, strcmp(nk, "name.nbns") == 0 && ie != NULL ? ie : me, kind_find(nk), row->name,
              strnlen(row->name, sizeof(row->name)), row->first_us, row->last_us);
}

/* --- saving ---------------------------------------------------------------------------- */

int otw_assets_save(struct otw_assets *a, struct otw_store *st, struct otw_err *err)
{
    struct otw_asset_row *rows = NULL;
    struct otw_asset_fact_row *facts = NULL;
    struct otw_asset_binding_row *binds = NULL;
    struct otw_asset_batch b;
    size_t nr = 0, nf = 0, nb = 0, cr = 0, cf = 0, cb = 0;
    int rc = OTW_ENOMEM;

    if (a == NULL || (a->dirty == NULL && a->dirty_binds == NULL))
        return 0;
    for (struct ent *e = a->dirty; e; e = e->next_dirty) {
        cr++;
        for (uint16_t i = 0; i < e->nfacts; i++)
            cf += e->facts[i].dirty;
    }
    for (struct bind *x = a->dirty_binds; x; x = x->next_dirty)
        cb++;
    rows = calloc(cr ? cr : 1, sizeof(*rows));
    facts = calloc(cf ? cf : 1, sizeof(*facts));
    binds = calloc(cb ? cb : 1, sizeof(*binds));
    if (rows == NULL || facts == NULL || binds == NULL) {
        otw_err_set(err, -1, "out of memory saving the inventory");
        goto out;
    }
    for (struct ent *e = a->dirty; e; e = e->next_dirty) {
        if (e->first_us != 0) {
            struct otw_asset_row *r = &rows[nr++];
            memcpy(r->key, e->key, e->keylen);
            r->keylen = e->keylen;
            r->first_us = e->first_us;
            r->last_us = e->last_us;
            r->sessions_out = e->d_out;
            r->sessions_in = e->d_in;
            r->packets = e->d_pk;
        }
        for (uint16_t i = 0; i < e->nfacts; i++) {
            const struct fact *x = &e->facts[i];
            struct otw_asset_fact_row *f;
            if (!x->dirty)
                continue;
            f = &facts[nf++];
            memcpy(f->key, e->key, e->keylen);
            f->keylen = e->keylen;
            snprintf(f->kind, sizeof(f->kind), "%s", x->k->name);
            snprintf(f->value, sizeof(f->value), "%s", x->value);
            f->count = x->d_count;
            f->first_us = x->first_us;
            f->last_us = x->last_us;
        }
    }
    for (struct bind *x = a->dirty_binds; x; x = x->next_dirty) {
        struct otw_asset_binding_row *r = &binds[nb++];
        memcpy(r->mac, x->mac, 6);
        memcpy(r->ip, x->ip, 16);
        r->sources = x->sources;
        r->count = x->d_count;
        r->first_us = x->first_us;
        r->last_us = x->last_us;
    }
    b = (struct otw_asset_batch){rows, nr, facts, nf, binds, nb};
    if ((rc = otw_store_assets_put(st, &b, err)) != 0)
        goto out;
    for (struct ent *e = a->dirty; e; e = e->next_dirty) {
        e->dirty = false;
        e->d_out = e->d_in = e->d_pk = 0;
        for (uint16_t i = 0; i < e->nfacts; i++) {
            e->facts[i].dirty = false;
            e->facts[i].d_count = 0;
        }
    }
    a->dirty = NULL;
    for (struct bind *x = a->dirty_binds; x; x = x->next_dirty) {
        x->dirty = false;
        x->d_count = 0;
    }
    a->dirty_binds = NULL;
out:
    free(rows);
    free(facts);
    free(binds);
    return rc;
}

/* --- reading the inventory --------------------------------------------------------------- */

static int cmp_ent(const void *x, const void *y)
{
    const struct ent *a = *(const struct ent *const *)x, *b = *(const struct ent *const *)y;

    if (a->keylen != b->keylen)
        return a->keylen < b->keylen ? -1 : 1;
    return memcmp(a->key, b->key, a->keylen);
}

static void info_of(const struct otw_assets *a, const struct ent *e, struct otw_asset_info *h)
{
    memset(h, 0, sizeof(*h));
    h->key = e->key;
    h->keylen = e->keylen;
    h->first_us = e->first_us;
    h->last_us = e->last_us;
    h->sessions_out = e->s_out;
    h->sessions_in = e->s_in;
    h->packets = e->pk;
    h->name = e->lname;
    h->role = e->lrole;
    h->label_from = (e->lname || e->lrole) ? e->lfrom : NULL;
    h->seen = e->first_us != 0;
    if (e->keylen == 6) {
        memcpy(h->mac, e->key, 6);
        h->vendor = otw_mac_vendor(e->key);
        return;
    }
    {
        const struct bind *b = current_mac(a, e);
        const struct ent *me;
        if (b != NULL) {
            h->has_mac = true;
            memcpy(h->mac, b->mac, 6);
            h->vendor = otw_mac_vendor(b->mac);
            if (h->name == NULL && h->role == NULL && (me = ent_find(a, b->mac, 6)) != NULL &&
                (me->lname || me->lrole)) {
                h->name = me->lname;
                h->role = me->lrole;
                h->label_from = me->lfrom;
            }
        }
    }
}

int otw_assets_each(const struct otw_assets *a, otw_asset_info_cb cb, void *ctx)
{
    struct ent **v;
    size_t n = 0;
    int rc = 0;

    v = malloc((a->ents.used ? a->ents.used : 1) * sizeof(*v));
    if (v == NULL)
        return OTW_ENOMEM;
    for (size_t i = 0; i < a->ents.n; i++)
        if (a->ents.v[i] != NULL)
            v[n++] = a->ents.v[i];
    qsort(v, n, sizeof(*v), cmp_ent);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct otw_asset_info h;
        info_of(a, v[i], &h);
        rc = cb(ctx, &h);
    }
    free(v);
    return rc;
}

int otw_assets_get(const struct otw_assets *a, const uint8_t *key, size_t keylen,
                   otw_asset_info_cb cb, void *ctx)
{
    const struct ent *e = ent_find(a, key, keylen);
    struct otw_asset_info h;

    if (e == NULL)
        return OTW_ENOTFOUND;
    info_of(a, e, &h);
    return cb(ctx, &h);
}

static const char *point_name(const struct otw_assets *a, const char *id)
{
    long long v = strtoll(id, NULL, 10);

    for (size_t i = 0; i < a->npoints; i++)
        if (a->points[i].id == v)
            return a->points[i].name;
    return id;
}

static int kind_rank(const struct kinddef *k)
{
    return (int)(k - kinds);
}

static int cmp_fact(const void *x, const void *y)
{
    const struct fact *a = *(const struct fact *const *)x, *b = *(const struct fact *const *)y;

    if (a->k != b->k)
        return kind_rank(a->k) - kind_rank(b->k);
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->value, b->value);
}

int otw_assets_each_fact(const struct otw_assets *a, const uint8_t *key, size_t keylen,
                         int (*cb)(void *ctx, const struct otw_asset_fact_row *f), void *ctx)
{
    const struct ent *e = ent_find(a, key, keylen);
    const struct fact **v;
    int rc = 0;

    if (e == NULL)
        return OTW_ENOTFOUND;
    if (e->nfacts == 0)
        return 0;
    v = malloc(e->nfacts * sizeof(*v));
    if (v == NULL)
        return OTW_ENOMEM;
    for (uint16_t i = 0; i < e->nfacts; i++)
        v[i] = &e->facts[i];
    qsort(v, e->nfacts, sizeof(*v), cmp_fact);
    for (uint16_t i = 0; i < e->nfacts && rc == 0; i++) {
        struct otw_asset_fact_row f;
        memset(&f, 0, sizeof(f));
        memcpy(f.key, e->key, e->keylen);
        f.keylen = e->keylen;
        snprintf(f.kind, sizeof(f.kind), "%s", v[i]->k->name);
        snprintf(f.value, sizeof(f.value), "%s",
                 v[i]->k->cls == KC_POINT ? point_name(a, v[i]->value) : v[i]->value);
        f.count = v[i]->count;
        f.first_us = v[i]->first_us;
        f.last_us = v[i]->last_us;
        rc = cb(ctx, &f);
    }
    free(v);
    return rc;
}

static int cmp_bind(const void *x, const void *y)
{
    const struct bind *a = *(const struct bind *const *)x, *b = *(const struct bind *const *)y;

    return a->first_us < b->first_us ? -1 : a->first_us > b->first_us;
}

int otw_assets_each_binding(const struct otw_assets *a, const uint8_t *key, size_t keylen,
                            int (*cb)(void *ctx, const struct otw_asset_binding_row *b),
                            void *ctx)
{
    const struct ent *e = ent_find(a, key, keylen);
    const struct bind **v;
    int rc = 0;

    if (e == NULL)
        return OTW_ENOTFOUND;
    if (e->nbinds == 0)
        return 0;
    v = malloc(e->nbinds * sizeof(*v));
    if (v == NULL)
        return OTW_ENOMEM;
    memcpy(v, e->binds, e->nbinds * sizeof(*v));
    qsort(v, e->nbinds, sizeof(*v), cmp_bind);
    for (uint32_t i = 0; i < e->nbinds && rc == 0; i++) {
        struct otw_asset_binding_row r;
        memcpy(r.mac, v[i]->mac, 6);
        memcpy(r.ip, v[i]->ip, 16);
        /* a binding only sessions showed, and not trusted (a router's
         * MAC): say so with no source bits of its own */
        r.sources = v[i]->sources;
        if (!trusted(a, v[i]))
            r.sources = 0;
        r.count = v[i]->count;
        r.first_us = v[i]->first_us;
        r.last_us = v[i]->last_us;
        rc = cb(ctx, &r);
    }
    free(v);
    return rc;
}

static void names_of(const struct ent *e, char *buf, size_t len, size_t *o)
{
    for (uint16_t i = 0; e != NULL && i < e->nfacts; i++) {
        const struct fact *f = &e->facts[i];
        size_t vl;
        bool dup = false;
        if (f->k->cls != KC_NAME)
            continue;
        vl = strlen(f->value);
        /* once each, case-insensitively (DHCP "hmi01", NetBIOS "HMI01") */
        for (const char *p = buf; (p = strcasestr(p, f->value)) != NULL; p += vl)
            if ((p == buf || p[-1] == ' ') && (p[vl] == ',' || p[vl] == '\0'))
                dup = true;
        if (dup)
            continue;
        if (*o > 0 && *o + 2 < len) {
            memcpy(buf + *o, ", ", 3);
            *o += 2;
        }
        if (*o + vl < len) {
            memcpy(buf + *o, f->value, vl + 1);
            *o += vl;
        }
    }
}

const char *otw_assets_names(const struct otw_assets *a, const uint8_t *key, size_t keylen,
                             char *buf, size_t len)
{
    const struct ent *e = a ? ent_find(a, key, keylen) : NULL;
    size_t o = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    names_of(e, buf, len, &o);
    if (e != NULL && keylen == 16) {
        const struct bind *b = current_mac(a, e);
        if (b != NULL)
            names_of(ent_find(a, b->mac, 6), buf, len, &o);
    }
    return buf;
}

void otw_assets_get_stats(const struct otw_assets *a, struct otw_assets_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (a == NULL)
        return;
    st->entries = a->ents.used;
    st->bindings = a->binds.used;
    st->facts = a->nfacts;
    st->labels = a->nlabels;
    st->capped = a->capped;
}
