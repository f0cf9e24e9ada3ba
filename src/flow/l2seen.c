/*
 * l2seen.c - counts per (MAC, IP, kind, VLAN) of packets that are not sessions.
 *
 * Open addressing, linear probing, at most `cap` rows; when it would pass
 * 3/4 full the rows go to the flush callback and the table starts again, so
 * memory is bounded whatever the traffic. The store adds the counts up.
 * A name the frames carry (decode/l2name.c: LLDP, CDP, PROFINET DCP, DHCP,
 * NetBIOS) goes on the row; the latest wins.
 */
#include "flow/l2seen.h"

#include "decode/l2name.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

struct slot {
    uint64_t hash;      /* 0: empty */
    struct otw_l2_row row;
};

struct otw_l2seen {
    struct slot *slots;
    size_t nslots;      /* power of two */
    size_t used;
    otw_l2seen_flush_fn flush;
    void *ctx;
    struct otw_l2_row *out;
};

struct otw_l2seen *otw_l2seen_new(size_t cap, otw_l2seen_flush_fn flush, void *ctx)
{
    struct otw_l2seen *t = calloc(1, sizeof(*t));
    size_t n = 64;

    if (t == NULL)
        return NULL;
    while (n < cap * 4 / 3 + 1)
        n *= 2;
    t->nslots = n;
    t->slots = calloc(n, sizeof(*t->slots));
    t->out = calloc(n, sizeof(*t->out));
    t->flush = flush;
    t->ctx = ctx;
    if (t->slots == NULL || t->out == NULL) {
        otw_l2seen_free(t);
        return NULL;
    }
    return t;
}

const char *otw_l2seen_kind(const struct otw_pkt *p)
{
    switch (p->l2kind) {
    case OTW_L2_ARP: return "arp";
    case OTW_L2_LLDP: return "lldp";
    case OTW_L2_CDP: return "cdp";
    case OTW_L2_STP: return "stp";
    case OTW_L2_PROFINET: return "profinet";
    case OTW_L2_LLC: return "llc";
    case OTW_L2_OTHER: return "l2";
    default: break;
    }
    if (p->ipver == 0)
        return "l2";
    if (p->proto == 17 && (p->flags & OTW_PF_PORTS) &&
        ((p->sport == 68 && p->dport == 67) || (p->sport == 67 && p->dport == 68)))
        return "dhcp";
    if (p->proto == 17 && (p->flags & OTW_PF_PORTS) && p->sport == 546 && p->dport == 547)
        return "dhcpv6";
    if (p->proto == 58 && p->icmp_type >= 133 && p->icmp_type <= 137)
        return "ipv6-nd";
    if (p->flags & OTW_PF_L2_BCAST)
        return "bcast";
    if (p->flags & OTW_PF_L2_MCAST)
        return "mcast";
    if (p->ipver == 6)
        return "ipv6";
    if (p->proto == 1)
        return "icmp";
    return "ip";
}

void otw_l2seen_drain(struct otw_l2seen *t)
{
    size_t n = 0;

    for (size_t i = 0; i < t->nslots; i++) {
        if (t->slots[i].hash != 0) {
            t->out[n++] = t->slots[i].row;
            t->slots[i].hash = 0;
        }
    }
    t->used = 0;
    if (n > 0)
        t->flush(t->ctx, t->out, n);
}

void otw_l2seen_add(struct otw_l2seen *t, int64_t ts_us, const struct otw_pkt *p)
{
    struct otw_l2_row k;
    uint8_t key[48];
    uint64_t h;
    size_t i;
    static const uint8_t zero16[16];
    static const uint8_t v4zero[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};

    memset(&k, 0, sizeof(k));
    if (p->flags & OTW_PF_ARP_OK) {
        memcpy(k.mac, p->arp_sha, 6);
        if (p->arp_spa[0] | p->arp_spa[1] | p->arp_spa[2] | p->arp_spa[3]) {
            memcpy(k.ip, v4zero, 12);
            memcpy(k.ip + 12, p->arp_spa, 4);
            k.has_ip = true;
        }
    } else {
        if (p->flags & OTW_PF_MAC)
            memcpy(k.mac, p->src_mac, 6);
        if (p->ipver != 0 && memcmp(p->src_ip, zero16, 16) != 0 &&
            memcmp(p->src_ip, v4zero, 16) != 0) {
            memcpy(k.ip, p->src_ip, 16);
            k.has_ip = true;
        }
    }
    snprintf(k.kind, sizeof(k.kind), "%s", otw_l2seen_kind(p));
    k.vlan = p->nvlan ? p->vlan[0] : 0;
    otw_l2_name(p, k.name, sizeof(k.name));

    memcpy(key, k.mac, 6);
    memcpy(key + 6, k.ip, 16);
    memcpy(key + 22, k.kind, 16);
    key[38] = (uint8_t)(k.vlan >> 8);
    key[39] = (uint8_t)k.vlan;
    key[40] = k.has_ip;
    h = XXH3_64bits(key, 41) | 1;

    for (i = h & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
        struct slot *s = &t->slots[i];
        if (s->hash == 0)
            break;
        if (s->hash == h && memcmp(s->row.mac, k.mac, 6) == 0 &&
            memcmp(s->row.ip, k.ip, 16) == 0 && s->row.has_ip == k.has_ip &&
            s->row.vlan == k.vlan && strcmp(s->row.kind, k.kind) == 0) {
            s->row.packets++;
            if (k.name[0] != '\0' && ts_us >= s->row.last_us)
                memcpy(s->row.name, k.name, sizeof(k.name));
            if (ts_us < s->row.first_us)
                s->row.first_us = ts_us;
            if (ts_us > s->row.last_us)
                s->row.last_us = ts_us;
            return;
        }
    }
    if (t->used + 1 > t->nslots * 3 / 4) {
        otw_l2seen_drain(t);
        for (i = h & (t->nslots - 1); t->slots[i].hash != 0; i = (i + 1) & (t->nslots - 1))
            ;
    }
    k.first_us = k.last_us = ts_us;
    k.packets = 1;
    t->slots[i].hash = h;
    t->slots[i].row = k;
    t->used++;
}

void otw_l2seen_free(struct otw_l2seen *t)
{
    if (t == NULL)
        return;
    free(t->slots);
    free(t->out);
    free(t);
}
