/*
 * sessinfo.c - a session as detection sees it (see sessinfo.h).
 */
#include "detect/sessinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/app.h"

static const char *const otc_names[OTW_OTC_COUNT] = {"read", "write", "program", "control",
                                                     "diagnostic"};

const char *otw_otc_name(unsigned bit)
{
    for (unsigned i = 0; i < OTW_OTC_COUNT; i++)
        if (bit == (1u << i))
            return otc_names[i];
    return NULL;
}

unsigned otw_otc_parse(const char *name)
{
    for (unsigned i = 0; i < OTW_OTC_COUNT; i++)
        if (strcmp(name, otc_names[i]) == 0)
            return 1u << i;
    return 0;
}

bool otw_ip_is_multicast(const uint8_t ip[16])
{
    if (otw_ip_is_v4(ip))
        return (ip[12] & 0xf0) == 0xe0;
    return ip[0] == 0xff;
}

bool otw_ip_is_broadcast(const uint8_t ip[16])
{
    return otw_ip_is_v4(ip) && ip[12] == 255 && ip[13] == 255 && ip[14] == 255 && ip[15] == 255;
}

bool otw_ip_is_linklocal(const uint8_t ip[16])
{
    if (otw_ip_is_v4(ip))
        return ip[12] == 169 && ip[13] == 254;
    return ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80;
}

bool otw_ip_is_unspecified(const uint8_t ip[16])
{
    static const uint8_t zero[16];

    if (otw_ip_is_v4(ip))
        return (ip[12] | ip[13] | ip[14] | ip[15]) == 0;
    return memcmp(ip, zero, 16) == 0;
}

bool otw_mac_is_group(const uint8_t mac[6])
{
    return (mac[0] & 1) != 0;
}

int otw_cidr_parse(const char *s, struct otw_cidr *c)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t l = slash ? (size_t)(slash - s) : strlen(s);
    long bits;
    char *end;
    bool v4;

    if (l == 0 || l >= sizeof(buf))
        return -1;
    memcpy(buf, s, l);
    buf[l] = '\0';
    if (otw_ip_parse(buf, c->net) != 0)
        return -1;
    /* "::ffff:10.0.0.0/104" is written on the 16-byte form already */
    v4 = otw_ip_is_v4(c->net) && strchr(buf, ':') == NULL;
    if (slash == NULL) {
        bits = v4 ? 32 : 128;
    } else {
        bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || bits < 0 || bits > (v4 ? 32 : 128))
            return -1;
    }
    c->bits = (int)bits + (v4 ? 96 : 0);
    return 0;
}

bool otw_cidr_has(const struct otw_cidr *c, const uint8_t ip[16])
{
    int full = c->bits / 8, rest = c->bits % 8;

    if (memcmp(c->net, ip, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((c->net[full] ^ ip[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Application protocol prefixes whose function field names the request. */
static const char *const func_suffixes[] = {".func_code", ".func", ".function", ".service",
                                            ".type", ".command"};

static void add_func(struct otw_sessinfo *fi, const char *v)
{
    size_t n = strlen(fi->ot_funcs), vl = strlen(v);
    const char *p = fi->ot_funcs;

    /* once each */
    while ((p = strstr(p, v)) != NULL) {
        if ((p == fi->ot_funcs || p[-1] == ',') && (p[vl] == ',' || p[vl] == '\0'))
            return;
        p += vl;
    }
    if (n + vl + 2 > sizeof(fi->ot_funcs))
        return;
    if (n > 0)
        fi->ot_funcs[n++] = ',';
    memcpy(fi->ot_funcs + n, v, vl + 1);
}

/* Which function field of `app` to list: the first suffix present. */
static int func_rank(const char *app, const char *field)
{
    size_t al = strlen(app);

    if (al == 0 || strncmp(field, app, al) != 0)
        return -1;
    for (size_t i = 0; i < OTW_ARRAY_LEN(func_suffixes); i++)
        if (strcmp(field + al, func_suffixes[i]) == 0)
            return (int)i;
    return -1;
}

static void base(struct otw_sessinfo *fi, const struct otw_session *s, int64_t point_id)
{
    memset(fi, 0, sizeof(*fi));
    fi->uid = s->uid;
    fi->first_us = s->first_us;
    fi->last_us = s->last_us;
    fi->point_id = point_id;
    fi->ipver = s->ipver;
    fi->proto = s->proto;
    fi->state = s->state;
    fi->end_reason = s->end_reason;
    memcpy(fi->client, s->src_ip, 16);
    memcpy(fi->server, s->dst_ip, 16);
    fi->client_port = s->src_port;
    fi->server_port = s->dst_port;
    memcpy(fi->client_mac, s->src_mac, 6);
    memcpy(fi->server_mac, s->dst_mac, 6);
    fi->icmp_type = s->icmp_type;
    fi->c_pkts = s->src.packets;
    fi->s_pkts = s->dst.packets;
    fi->c_bytes = s->src.bytes;
    fi->s_bytes = s->dst.bytes;
    fi->c_payload = s->src.payload;
    fi->s_payload = s->dst.payload;
    fi->answered = s->dst.packets > 0;
    fi->update = s->end_reason == OTW_END_OPEN;
    fi->noise = s->proto == 1 || s->proto == 58 || s->proto == 2 ||
                otw_ip_is_multicast(s->dst_ip) || otw_ip_is_broadcast(s->dst_ip) ||
                otw_mac_is_group(s->dst_mac) || otw_ip_is_unspecified(s->src_ip) ||
                (otw_ip_is_linklocal(s->src_ip) && otw_ip_is_linklocal(s->dst_ip)) ||
                (s->proto == 17 && ((s->src_port == 68 && s->dst_port == 67) ||
                                    (s->src_port == 67 && s->dst_port == 68) ||
                                    (s->src_port == 546 && s->dst_port == 547)));
}

void otw_sessinfo_from_session(struct otw_sessinfo *fi, const struct otw_session *s,
                               int64_t point_id)
{
    const struct otw_app *a = s->app;
    int best = -1;

    base(fi, s, point_id);
    if (a == NULL)
        return;
    if (a->nprotocols > 0)
        snprintf(fi->app, sizeof(fi->app), "%s", a->protocols[0]);
    for (uint16_t i = 0; i < a->nvalues; i++) {
        const struct otw_app_value *v = &a->values[i];
        int r;
        if (v->type == OTW_PF_STR && strcmp(v->field, "ot.class") == 0)
            fi->ot_classes |= otw_otc_parse(v->s);
        else if ((r = func_rank(fi->app, v->field)) >= 0 && (best < 0 || r < best))
            best = r;
    }
    if (best < 0)
        return;
    for (uint16_t i = 0; i < a->nvalues; i++) {
        const struct otw_app_value *v = &a->values[i];
        char buf[24];
        if (func_rank(fi->app, v->field) != best)
            continue;
        if (v->type == OTW_PF_INT) {
            snprintf(buf, sizeof(buf), "%lld", (long long)v->i);
            add_func(fi, buf);
        } else {
            add_func(fi, v->s);
        }
    }
}

void otw_sessinfo_from_row(struct otw_sessinfo *fi, const struct otw_session_row *r,
                           int64_t point_id)
{
    int best = -1;
    size_t al;
    const char *pr = r->protocols + strspn(r->protocols, " ");  /* stored " modbus " */

    base(fi, &r->s, point_id);
    al = strcspn(pr, " ");
    if (al >= sizeof(fi->app))
        al = sizeof(fi->app) - 1;
    memcpy(fi->app, pr, al);
    fi->app[al] = '\0';
    for (size_t i = 0; i < r->nfields; i++) {
        const struct otw_row_field *f = &r->fields[i];
        int k;
        if (!f->is_int && strcmp(f->field, "ot.class") == 0)
            fi->ot_classes |= otw_otc_parse(f->s);
        else if ((k = func_rank(fi->app, f->field)) >= 0 && (best < 0 || k < best))
            best = k;
    }
    if (best < 0)
        return;
    for (size_t i = 0; i < r->nfields; i++) {
        const struct otw_row_field *f = &r->fields[i];
        char buf[24];
        if (func_rank(fi->app, f->field) != best)
            continue;
        if (f->is_int) {
            snprintf(buf, sizeof(buf), "%lld", (long long)f->i);
            add_func(fi, buf);
        } else {
            add_func(fi, f->s);
        }
    }
}
