/*
 * bltext.c - the baseline as people write and read it (bltext.h): names,
 * rule syntax, stable orders and the review changes, one implementation for
 * the command line and the web API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/assets.h"
#include "detect/baseline.h"
#include "detect/bltext.h"
#include "detect/sessinfo.h"

/* The first name of a number is the one shown. */
static const struct otw_tok transports[] = {
    {6, "tcp"},   {17, "udp"}, {1, "icmp"}, {58, "ipv6-icmp"}, {58, "icmpv6"},
    {2, "igmp"},  {132, "sctp"}, {47, "gre"}, {50, "esp"},   {0, NULL},
};

const char *otw_bl_transport_str(int proto, char *buf, size_t len)
{
    const char *s = otw_tok_str(transports, proto, NULL);

    if (s != NULL)
        return s;
    snprintf(buf, len, "%d", proto);
    return buf;
}

int otw_bl_transport_parse(const char *s)
{
    char *end;
    long v;

    for (const struct otw_tok *t = transports; t->s != NULL; t++)
        if (strcmp(t->s, s) == 0)
            return t->v;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 1 || v > 255)
        return -1;
    return (int)v;
}

bool otw_bl_proto_has_ports(int proto)
{
    return proto == 6 || proto == 17 || proto == 132;
}

const char *otw_bl_service_str(const struct otw_bl_key *k, char *buf, size_t len)
{
    char t[16];

    if (otw_bl_proto_has_ports(k->proto))
        snprintf(buf, len, "%s/%u", otw_bl_transport_str(k->proto, t, sizeof(t)),
                 (unsigned)k->port);
    else
        snprintf(buf, len, "%s", otw_bl_transport_str(k->proto, t, sizeof(t)));
    return buf;
}

const char *otw_bl_class_str(unsigned c)
{
    const char *n = otw_otc_name(c);

    return n != NULL ? n : "";
}

int otw_bl_portspec_parse(const char *s, int *proto, int *port, struct otw_err *err)
{
    const char *slash = strchr(s, '/');
    char pb[32];
    char *end;
    long v;

    *proto = 0;
    *port = -1;
    if (strcmp(s, "*") == 0 || s[0] == '\0')
        return 0;
    if (slash == NULL && s[0] >= '0' && s[0] <= '9') {
        v = strtol(s, &end, 10);
        if (*end != '\0' || v < 0 || v > 65535)
            goto bad;
        *port = (int)v;
        return 0;
    }
    if ((slash ? (size_t)(slash - s) : strlen(s)) >= sizeof(pb))
        goto bad;
    snprintf(pb, sizeof(pb), "%.*s", (int)(slash ? (size_t)(slash - s) : strlen(s)), s);
    if (strcmp(pb, "*") != 0 && (*proto = otw_bl_transport_parse(pb)) < 0)
        goto bad;
    if (strcmp(pb, "*") == 0)
        *proto = 0;
    if (slash == NULL || strcmp(slash + 1, "*") == 0)
        return 0;
    v = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end != '\0' || v < 0 || v > 65535)
        goto bad;
    if (*proto != 0 && !otw_bl_proto_has_ports(*proto)) {
        otw_err_set(err, -1, "'%s': %s has no ports (write just '%s')", s, pb, pb);
        return OTW_EINVAL;
    }
    *port = (int)v;
    return 0;
bad:
    otw_err_set(err, -1, "'%s' is not a port (write tcp/22, udp/161, tcp, 502 or *)", s);
    return OTW_EINVAL;
}

const char *otw_bl_portspec_str(int proto, int port, char *buf, size_t len)
{
    char t[16];

    if (proto == 0 && port < 0)
        snprintf(buf, len, "*");
    else if (proto == 0)
        snprintf(buf, len, "%d", port);
    else if (port < 0)
        snprintf(buf, len, "%s", otw_bl_transport_str(proto, t, sizeof(t)));
    else
        snprintf(buf, len, "%s/%d", otw_bl_transport_str(proto, t, sizeof(t)), port);
    return buf;
}

bool otw_bl_window_name_ok(const char *s)
{
    if (s[0] == '\0' || strlen(s) > 63)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_.-:", *p) != NULL))
            return false;
    return true;
}

bool otw_bl_rule_host_ok(const char *s)
{
    uint8_t lo[16], hi[16];

    return strcmp(s, "*") == 0 || otw_bl_host_parse(s, lo, hi) == 0;
}

bool otw_bl_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

bool otw_bl_app_ok(const char *s)
{
    return s[0] != '\0' && strlen(s) < sizeof(((struct otw_bl_rule *)0)->app) &&
           otw_bl_text_ok(s) && strchr(s, ' ') == NULL;
}

/* --- hosts by asset name ------------------------------------------------------------------ */

struct name_match {
    const char *name;
    uint8_t ip[16];
    int n;
};

static int match_name(void *ctx, const struct otw_asset_info *h)
{
    struct name_match *m = ctx;

    if (h->keylen == 16 && h->name != NULL && strcmp(h->name, m->name) == 0) {
        if (m->n == 0 || memcmp(m->ip, h->key, 16) != 0)
            m->n++;
        memcpy(m->ip, h->key, 16);
    }
    return 0;
}

int otw_bl_host_resolve(struct otw_store *st, const struct otw_config *cfg, const char *s,
                        char *out, size_t len, int *n)
{
    struct name_match m;
    struct otw_assets *a;
    struct otw_err err;

    *n = 0;
    if (otw_bl_rule_host_ok(s)) {
        snprintf(out, len, "%s", s);
        return 0;
    }
    memset(&m, 0, sizeof(m));
    m.name = s;
    a = otw_assets_load_labels(st, cfg, &err);
    if (a != NULL)
        otw_assets_each(a, match_name, &m);
    otw_assets_free(a);
    *n = m.n;
    if (m.n == 1) {
        otw_ip_str(m.ip, out, len);
        return 0;
    }
    return m.n > 1 ? OTW_EEXIST : OTW_ENOTFOUND;
}

/* --- entries, windows ----------------------------------------------------------------------- */

struct entries {
    struct otw_bl_entry *v;
    size_t n, cap;
};

static int collect_entry(void *ctx, const struct otw_bl_entry *e)
{
    struct entries *es = ctx;

    if (es->n == es->cap) {
        size_t cap = es->cap ? es->cap * 2 : 256;
        struct otw_bl_entry *nv = realloc(es->v, cap * sizeof(*nv));

        if (nv == NULL)
            return OTW_ENOMEM;
        es->v = nv;
        es->cap = cap;
    }
    es->v[es->n++] = *e;
    return 0;
}

int otw_bl_key_cmp(const struct otw_bl_key *a, const struct otw_bl_key *b)
{
    int r;

    if ((r = memcmp(a->client, b->client, 16)) != 0)
        return r;
    if ((r = memcmp(a->server, b->server, 16)) != 0)
        return r;
    if (a->proto != b->proto)
        return a->proto < b->proto ? -1 : 1;
    if (a->port != b->port)
        return a->port < b->port ? -1 : 1;
    if ((r = strcmp(a->app, b->app)) != 0)
        return r;
    if (a->ot_class != b->ot_class)
        return a->ot_class < b->ot_class ? -1 : 1;
    return 0;
}

static int entry_cmp(const void *a, const void *b)
{
    return otw_bl_key_cmp(&((const struct otw_bl_entry *)a)->k,
                          &((const struct otw_bl_entry *)b)->k);
}

int otw_bl_entries_sorted(struct otw_store *st, struct otw_bl_entry **v, size_t *n,
                          struct otw_err *err)
{
    struct entries es = {NULL, 0, 0};
    int rc;

    rc = otw_store_bl_entries(st, collect_entry, &es, err);
    if (rc == OTW_ENOMEM)
        otw_err_set(err, -1, "out of memory");
    if (rc == 0 && es.n > 1)
        qsort(es.v, es.n, sizeof(es.v[0]), entry_cmp);
    *v = es.v;
    *n = es.n;
    return rc;
}

static int collect_rule(void *ctx, const struct otw_bl_rule *r)
{
    struct otw_bl_windows *ws = ctx;

    if (ws->nr == ws->capr) {
        size_t cap = ws->capr ? ws->capr * 2 : 16;
        struct otw_bl_rule *nv = realloc(ws->r, cap * sizeof(*nv));

        if (nv == NULL)
            return OTW_ENOMEM;
        ws->r = nv;
        ws->capr = cap;
    }
    ws->r[ws->nr++] = *r;
    return 0;
}

static int collect_window(void *ctx, const struct otw_bl_window *w)
{
    struct otw_bl_windows *ws = ctx;

    if (ws->nw == ws->capw) {
        size_t cap = ws->capw ? ws->capw * 2 : 8;
        struct otw_bl_window *nv = realloc(ws->w, cap * sizeof(*nv));

        if (nv == NULL)
            return OTW_ENOMEM;
        ws->w = nv;
        ws->capw = cap;
    }
    ws->w[ws->nw++] = *w;
    return 0;
}

int otw_bl_windows_load(struct otw_store *st, struct otw_bl_windows *ws, struct otw_err *err)
{
    int rc;

    memset(ws, 0, sizeof(*ws));
    if ((rc = otw_store_bl_windows(st, collect_window, ws, err)) == 0)
        rc = otw_store_bl_rules(st, collect_rule, ws, err);
    if (rc == OTW_ENOMEM)
        otw_err_set(err, -1, "out of memory");
    return rc;
}

void otw_bl_windows_free(struct otw_bl_windows *ws)
{
    free(ws->w);
    free(ws->r);
    memset(ws, 0, sizeof(*ws));
}

int otw_bl_entries_apply(struct otw_store *st, const int64_t *ids, size_t n, bool approve,
                         struct otw_err *err)
{
    int rc;

    if ((rc = otw_store_txn_begin(st, err)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        rc = approve ? otw_store_bl_entry_set(st, ids[i], OTW_BL_APPROVED, -1, NULL, err)
                     : otw_store_bl_entry_delete(st, ids[i], err);
        if (rc != 0) {
            otw_store_file_abort(st);   /* rolls the transaction back: nothing changed */
            return rc;
        }
    }
    return otw_store_txn_commit(st, err);
}

json_t *otw_bl_hours_json(const uint32_t *h)
{
    json_t *o = json_object();
    char k[8];

    for (int i = 0; i < OTW_BL_HOURS; i++)
        if (h[i] != 0)
            json_object_set_new(o, otw_how_str(i, k, sizeof(k)), json_integer(h[i]));
    return o;
}
