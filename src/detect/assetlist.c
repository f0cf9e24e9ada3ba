/*
 * assetlist.c - the inventory as a list of hosts (assetlist.h): order,
 * filter, per-host summary and label changes, shared by `otwatch assets`
 * (cli/cmd_assets.c) and the web API (api/api_assets.c) so both show the
 * same hosts with the same facts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "detect/assetlist.h"

/* --- summary ------------------------------------------------------------------------------ */

static void append(char *buf, size_t len, const char *sep, const char *s)
{
    size_t n = strlen(buf), sl = strlen(sep), vl = strlen(s);

    if (n + sl + vl + 1 > len)
        return;
    if (n > 0) {
        memcpy(buf + n, sep, sl);
        n += sl;
    }
    memcpy(buf + n, s, vl + 1);
}

/* Adds a service ("tcp/502" or "tcp/502 modbus") to a ", " list once: a
 * port seen both with and without its protocol (a scan's probe, then the
 * real session) is listed with the protocol only. */
static void add_service(char *buf, size_t len, const char *v)
{
    const char *sp = strchr(v, ' ');
    size_t pl = sp ? (size_t)(sp - v) : strlen(v);
    char *p = buf;

    while (*p != '\0') {
        char *e = strstr(p, ", ");
        size_t il = e ? (size_t)(e - p) : strlen(p);
        if (strncmp(p, v, pl) == 0 && (il == pl || p[pl] == ' ')) {
            if (sp == NULL || il != pl)
                return;     /* already there, with or without its protocol */
            /* the bare port is there: drop it, the named one goes at the end */
            memmove(p, e ? e + 2 : p + il, strlen(e ? e + 2 : p + il) + 1);
            if (e == NULL && p > buf)
                p[-2] = '\0';
            break;
        }
        if (e == NULL)
            break;
        p = e + 2;
    }
    append(buf, len, ", ", v);
}

/* Adds an item to a ", " list unless it is there (an IP's facts and its
 * MAC's are listed together). */
static void add_unique(char *buf, size_t len, const char *v)
{
    size_t vl = strlen(v);

    for (const char *p = buf; *p != '\0';) {
        const char *e = strstr(p, ", ");
        size_t il = e ? (size_t)(e - p) : strlen(p);
        if (il == vl && strncmp(p, v, vl) == 0)
            return;
        if (e == NULL)
            break;
        p = e + 2;
    }
    append(buf, len, ", ", v);
}

static int on_fact_sum(void *p, const struct otw_asset_fact_row *f)
{
    struct otw_asset_summary *s = p;

    if (strcmp(f->kind, "served") == 0)
        add_service(s->served, sizeof(s->served), f->value);
    else if (strcmp(f->kind, "used") == 0)
        add_service(s->used, sizeof(s->used), f->value);
    else if (strcmp(f->kind, "point") == 0)
        add_unique(s->points, sizeof(s->points), f->value);
    else if (strncmp(f->kind, "name.", 5) != 0 &&
             (strcmp(f->kind, "enip.product_name") == 0 || strcmp(f->kind, "enip.vendor") == 0 ||
              strcmp(f->kind, "s7.order_number") == 0 || strcmp(f->kind, "s7.module_type") == 0 ||
              strcmp(f->kind, "bacnet.device_instance") == 0 ||
              strcmp(f->kind, "dhcp.vendor_class") == 0)) {
        char t[OTW_ASSET_VALUE_MAX + 32];
        if (strcmp(f->kind, "bacnet.device_instance") == 0)
            snprintf(t, sizeof(t), "bacnet device %s", f->value);
        else
            snprintf(t, sizeof(t), "%s", f->value);
        add_unique(s->ident, sizeof(s->ident), t);
    }
    return 0;
}

void otw_asset_summarize(const struct otw_assets *a, const struct otw_asset_info *h,
                         struct otw_asset_summary *s)
{
    s->names[0] = s->ident[0] = s->served[0] = s->used[0] = s->points[0] = '\0';
    otw_assets_names(a, h->key, h->keylen, s->names, sizeof(s->names));
    otw_assets_each_fact(a, h->key, h->keylen, on_fact_sum, s);
    if (h->keylen == 16 && h->has_mac) {
        /* the device's identity may have come with its MAC (DHCP vendor class) */
        otw_assets_each_fact(a, h->mac, 6, on_fact_sum, s);
    }
}

json_t *otw_asset_list_json(const char *s)
{
    json_t *arr = json_array();
    const char *p = s;

    while (arr != NULL && *p) {
        const char *e = strstr(p, ", ");
        size_t l = e ? (size_t)(e - p) : strlen(p);
        json_array_append_new(arr, json_stringn(p, l));
        if (e == NULL)
            break;
        p = e + 2;
    }
    return arr;
}

/* --- filter ------------------------------------------------------------------------------- */

int otw_asset_filter_init(struct otw_asset_filter *f, const char *pattern, const char *role,
                          bool all, struct otw_err *err)
{
    uint8_t k[16], kl;
    const char *slash;

    memset(f, 0, sizeof(*f));
    f->role = role != NULL && role[0] != '\0' ? role : NULL;
    f->all = all;
    f->bits = -1;
    if (pattern == NULL || pattern[0] == '\0')
        return 0;
    f->text = pattern;
    if (otw_assets_parse_key(pattern, k, &kl) == 0) {
        if (kl == 6) {
            f->is_mac = true;
            memcpy(f->mac, k, 6);
        } else {
            memcpy(f->net, k, 16);
            f->bits = 128;
        }
        return 0;
    }
    slash = strchr(pattern, '/');
    if (slash != NULL) {
        char ip[64];
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        size_t l = (size_t)(slash - pattern);
        if (l < sizeof(ip)) {
            memcpy(ip, pattern, l);
            ip[l] = '\0';
            if (otw_ip_parse(ip, f->net) == 0 && end != slash + 1 && *end == '\0' && bits >= 0 &&
                bits <= (otw_ip_is_v4(f->net) ? 32 : 128))
                f->bits = (int)bits + (otw_ip_is_v4(f->net) ? 96 : 0);
        }
        if (f->bits < 0) {
            otw_err_set(err, -1, "'%s' is not an address range (CIDR)", pattern);
            return OTW_EINVAL;
        }
    }
    return 0;
}

static bool ci_contains(const char *hay, const char *needle)
{
    return hay != NULL && strcasestr(hay, needle) != NULL;
}

static bool in_net(const uint8_t *ip, const uint8_t net[16], int bits)
{
    int full = bits / 8, rest = bits % 8;

    if (memcmp(net, ip, (size_t)full) != 0)
        return false;
    return rest == 0 || ((net[full] ^ ip[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static bool matches(const struct otw_asset_filter *f, const struct otw_asset_info *h,
                    const struct otw_asset_summary *s)
{
    if (f->role != NULL && (h->role == NULL || strcasecmp(h->role, f->role) != 0))
        return false;
    if (f->text == NULL)
        return true;
    if (f->is_mac)
        return (h->keylen == 6 && memcmp(h->key, f->mac, 6) == 0) ||
               (h->has_mac && memcmp(h->mac, f->mac, 6) == 0);
    if (f->bits >= 0)
        return h->keylen == 16 && in_net(h->key, f->net, f->bits);
    return ci_contains(h->name, f->text) || ci_contains(h->role, f->text) ||
           ci_contains(h->vendor, f->text) || ci_contains(s->names, f->text) ||
           ci_contains(s->ident, f->text);
}

/* --- listing ------------------------------------------------------------------------------ */

struct listing {
    const struct otw_assets *a;
    const struct otw_asset_filter *f;
    otw_asset_list_cb cb;
    void *ctx;
    uint8_t (*macs_shown)[6];   /* MACs of the listed IPs: not listed again */
    size_t nmacs, capmacs;
    bool macs_pass;             /* second pass: MAC rows */
    struct otw_asset_summary s;
};

static int on_entry(void *p, const struct otw_asset_info *h)
{
    struct listing *l = p;

    if (!h->seen && !l->f->all)
        return 0;
    if (!l->macs_pass) {
        if (h->keylen != 16)
            return 0;
        if (h->has_mac) {
            if (l->nmacs == l->capmacs) {
                size_t nc = l->capmacs ? l->capmacs * 2 : 64;
                uint8_t(*nm)[6] = realloc(l->macs_shown, nc * 6);
                if (nm == NULL)
                    return OTW_ENOMEM;
                l->macs_shown = nm;
                l->capmacs = nc;
            }
            memcpy(l->macs_shown[l->nmacs++], h->mac, 6);
        }
    } else {
        if (h->keylen != 6)
            return 0;
        for (size_t i = 0; i < l->nmacs; i++)
            if (memcmp(l->macs_shown[i], h->key, 6) == 0)
                return 0;
    }
    otw_asset_summarize(l->a, h, &l->s);
    if (!matches(l->f, h, &l->s))
        return 0;
    return l->cb(l->ctx, h, &l->s);
}

int otw_assets_list(const struct otw_assets *a, const struct otw_asset_filter *f,
                    otw_asset_list_cb cb, void *ctx)
{
    struct listing *l = calloc(1, sizeof(*l));
    int rc;

    if (l == NULL)
        return OTW_ENOMEM;
    l->a = a;
    l->f = f;
    l->cb = cb;
    l->ctx = ctx;
    rc = otw_assets_each(a, on_entry, l);
    if (rc == 0) {
        l->macs_pass = true;
        rc = otw_assets_each(a, on_entry, l);
    }
    free(l->macs_shown);
    free(l);
    return rc;
}

/* --- names and roles ---------------------------------------------------------------------- */

int otw_asset_key_check(const char *text, const uint8_t key[16], uint8_t keylen,
                        struct otw_err *err)
{
    if (keylen == 16 && (otw_ip_is_multicast(key) || otw_ip_is_unspecified(key) ||
                         otw_ip_is_broadcast(key))) {
        otw_err_set(err, -1, "%s is not a host's address", text);
        return OTW_EINVAL;
    }
    if (keylen == 6 && (key[0] & 1)) {
        otw_err_set(err, -1, "%s is a group MAC, not a host's", text);
        return OTW_EINVAL;
    }
    return 0;
}

struct findlabel {
    const uint8_t *key;
    uint8_t keylen;
    bool found;
    struct otw_asset_label_row row;
};

static int on_find_label(void *p, const struct otw_asset_label_row *l)
{
    struct findlabel *f = p;

    if (l->keylen == f->keylen && memcmp(l->key, f->key, f->keylen) == 0) {
        f->row = *l;
        f->found = true;
        return 1;
    }
    return 0;
}

int otw_asset_label_update(struct otw_store *st, const uint8_t key[16], uint8_t keylen,
                           const char *name, const char *role, struct otw_asset_label_row *out,
                           struct otw_err *err)
{
    struct findlabel f;
    struct otw_asset_readers rd = {.label = on_find_label};
    int rc;

    if ((name != NULL && name[0] != '\0' && otw_assets_check_text("name", name, err) != 0) ||
        (role != NULL && role[0] != '\0' && otw_assets_check_text("role", role, err) != 0))
        return OTW_EINVAL;
    memset(&f, 0, sizeof(f));
    f.key = key;
    f.keylen = keylen;
    rc = otw_store_assets_read_labels(st, &rd, &f, err);
    if (rc < 0)
        return rc;
    if (!f.found) {
        memcpy(f.row.key, key, keylen);
        f.row.keylen = keylen;
    }
    if (name != NULL)
        snprintf(f.row.name, sizeof(f.row.name), "%s", name);
    if (role != NULL)
        snprintf(f.row.role, sizeof(f.row.role), "%s", role);
    f.row.updated_us = otw_now_us();
    if (f.row.name[0] == '\0' && f.row.role[0] == '\0') {
        rc = f.found ? otw_store_asset_label_unset(st, key, keylen, err) : 0;
    } else {
        rc = otw_store_asset_label_set(st, &f.row, err);
    }
    if (rc == 0 && out != NULL)
        *out = f.row;
    return rc;
}
