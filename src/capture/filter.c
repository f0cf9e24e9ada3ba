/*
 * filter.c - presets and BPF, applied after decoding so that dropped
 * packets can still be counted for the inventory (flow/l2seen.c).
 */
#include "capture/filter.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/baseline.h"

enum { P_OT_BASIC = 1, P_ALL = 2, P_OT_OPERATIONAL = 4 };

const struct otw_preset otw_filter_presets[] = {
    {"all", "every packet (the default)", "nothing"},
    {"ot-basic", "IPv4 unicast TCP and UDP only",
     "ICMP, IPv6, multicast and broadcast (link-layer or IP), and all non-IP frames; "
     "ARP, DHCP, LLDP and other dropped layer-2 traffic is still counted per MAC/IP pair "
     "for the asset inventory"},
    {"ot-operational",
     "maintenance traffic and anything new: everything but the baseline's approved "
     "operational communications",
     "packets between an approved operational client and server on their protocol and "
     "server port, either direction (needs an approved baseline: 'otwatch baseline')"},
    {NULL, NULL, NULL},
};

#define MAX_BPF 8
#define MAX_LT 8

struct bpf_entry {
    char *expr;
    struct {
        int linktype;
        bool ok;
        struct bpf_program prog;
    } lt[MAX_LT];
    int nlt;
};

struct otw_filter {
    unsigned presets;
    struct bpf_entry bpf[MAX_BPF];
    int nbpf;
    char desc[1024];
    char warning[512];
    bool warned;
    struct otw_bl_flowset *ops;     /* ot-operational: approved operational flows */
};

struct otw_filter *otw_filter_new(void)
{
    return calloc(1, sizeof(struct otw_filter));
}

static int compile(int linktype, const char *expr, struct bpf_program *prog, char *errbuf,
                   size_t errlen)
{
    /* pcap_open_dead() takes a DLT_ value, not the LINKTYPE_ of a file. They
     * agree except for raw IP: LINKTYPE_RAW (101), and 12/14, which the
     * decoder also reads as raw IP, are this platform's DLT_RAW. */
    int dlt = linktype == OTW_LT_RAW || linktype == 12 || linktype == 14 ? DLT_RAW : linktype;
    pcap_t *p = pcap_open_dead(dlt, OTW_MAX_RECORD);
    int rc;

    if (p == NULL) {
        snprintf(errbuf, errlen, "cannot set up BPF for link type %d", linktype);
        return -1;
    }
    rc = pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    if (rc != 0)
        snprintf(errbuf, errlen, "%s", pcap_geterr(p));
    pcap_close(p);
    return rc;
}

static void describe_add(struct otw_filter *f, const char *s, bool paren)
{
    size_t n = strlen(f->desc);

    snprintf(f->desc + n, sizeof(f->desc) - n, "%s%s%s%s", n ? " and " : "", paren ? "(" : "",
             s, paren ? ")" : "");
}

int otw_filter_add(struct otw_filter *f, const char *expr, struct otw_err *err)
{
    char eb[PCAP_ERRBUF_SIZE + 64];
    struct bpf_entry *e;

    if (strcmp(expr, "ot-basic") == 0) {
        f->presets |= P_OT_BASIC;
        describe_add(f, expr, false);
        return 0;
    }
    if (strcmp(expr, "ot-operational") == 0) {
        f->presets |= P_OT_OPERATIONAL;
        describe_add(f, expr, false);
        return 0;
    }
    if (strcmp(expr, "all") == 0) {
        describe_add(f, expr, false);
        return 0;
    }
    if (f->nbpf >= MAX_BPF) {
        otw_err_set(err, -1, "too many --filter expressions (at most %d)", MAX_BPF);
        return OTW_EINVAL;
    }
    e = &f->bpf[f->nbpf];
    memset(e, 0, sizeof(*e));
    if (compile(OTW_LT_ETHERNET, expr, &e->lt[0].prog, eb, sizeof(eb)) != 0) {
        otw_err_set(err, -1,
                    "bad filter '%s': %s (a filter is a BPF expression as tcpdump takes, or a "
                    "preset: see 'otwatch filters')",
                    expr, eb);
        return OTW_EINVAL;
    }
    e->lt[0].linktype = OTW_LT_ETHERNET;
    e->lt[0].ok = true;
    e->nlt = 1;
    e->expr = strdup(expr);
    if (e->expr == NULL) {
        pcap_freecode(&e->lt[0].prog);
        return OTW_ENOMEM;
    }
    f->nbpf++;
    describe_add(f, expr, true);
    return 0;
}

bool otw_filter_active(const struct otw_filter *f)
{
    return f != NULL && (f->presets != 0 || f->nbpf > 0);
}

const char *otw_filter_describe(const struct otw_filter *f)
{
    return f->desc[0] ? f->desc : "all";
}

static bool preset_ot_basic(const struct otw_pkt *p)
{
    if (p->ipver != 4 || (p->proto != 6 && p->proto != 17))
        return false;
    if (p->flags & (OTW_PF_L2_BCAST | OTW_PF_L2_MCAST))
        return false;
    if ((p->dst_ip[12] & 0xf0) == 0xe0)                 /* 224.0.0.0/4 */
        return false;
    if (p->dst_ip[12] == 255 && p->dst_ip[13] == 255 && p->dst_ip[14] == 255 &&
        p->dst_ip[15] == 255)
        return false;
    return true;
}

static bool bpf_match(struct otw_filter *f, struct bpf_entry *e, const struct otw_rec *rec)
{
    struct pcap_pkthdr h;
    int i;

    for (i = 0; i < e->nlt; i++)
        if (e->lt[i].linktype == rec->linktype)
            break;
    if (i == e->nlt) {
        char eb[PCAP_ERRBUF_SIZE + 64];
        if (e->nlt == MAX_LT)
            return false;
        e->lt[i].linktype = rec->linktype;
        e->lt[i].ok = compile(rec->linktype, e->expr, &e->lt[i].prog, eb, sizeof(eb)) == 0;
        e->nlt++;
        if (!e->lt[i].ok && !f->warned) {
            snprintf(f->warning, sizeof(f->warning),
                     "filter '%s' does not apply to link type %d (%s): its packets are dropped",
                     e->expr, rec->linktype, eb);
        }
    }
    if (!e->lt[i].ok)
        return false;
    h.ts.tv_sec = 0;
    h.ts.tv_usec = 0;
    h.caplen = rec->caplen;
    h.len = rec->len;
    return pcap_offline_filter(&e->lt[i].prog, &h, rec->data) != 0;
}

bool otw_filter_needs_baseline(const struct otw_filter *f)
{
    return f != NULL && (f->presets & P_OT_OPERATIONAL) != 0;
}

size_t otw_filter_set_baseline(struct otw_filter *f, const struct otw_baseline *b)
{
    otw_bl_flowset_free(f->ops);
    f->ops = b != NULL ? otw_baseline_flowset(b) : NULL;
    return otw_bl_flowset_size(f->ops);
}

int otw_filter_load_baseline(struct otw_filter *f, struct otw_store *st, size_t *n,
                             struct otw_err *err)
{
    struct otw_baseline *b;

    *n = 0;
    if (!otw_filter_needs_baseline(f))
        return 0;
    if ((b = otw_baseline_load(st, err)) == NULL)
        return OTW_ESTORE;
    *n = otw_filter_set_baseline(f, b);
    otw_baseline_free(b);
    return 0;
}

/* A packet of an approved operational communication, sent either way: the
 * client's packets go to the server port, the server's come from it. */
static bool preset_operational(const struct otw_filter *f, const struct otw_pkt *p)
{
    bool ports = (p->flags & OTW_PF_PORTS) != 0;
    uint16_t dport = ports ? p->dport : 0, sport = ports ? p->sport : 0;

    if (p->ipver == 0 || f->ops == NULL)
        return false;
    if (!ports && (p->proto == 6 || p->proto == 17 || p->proto == 132))
        return false;   /* a later fragment: no ports to judge by, kept */
    return otw_bl_flowset_has(f->ops, p->src_ip, p->dst_ip, p->proto, dport) ||
           otw_bl_flowset_has(f->ops, p->dst_ip, p->src_ip, p->proto, sport);
}

bool otw_filter_match(struct otw_filter *f, const struct otw_rec *rec, const struct otw_pkt *p)
{
    if ((f->presets & P_OT_BASIC) && !preset_ot_basic(p))
        return false;
    if ((f->presets & P_OT_OPERATIONAL) && preset_operational(f, p))
        return false;
    for (int i = 0; i < f->nbpf; i++)
        if (!bpf_match(f, &f->bpf[i], rec))
            return false;
    return true;
}

const char *otw_filter_take_warning(struct otw_filter *f)
{
    if (f->warning[0] == '\0' || f->warned)
        return NULL;
    f->warned = true;
    return f->warning;
}

void otw_filter_free(struct otw_filter *f)
{
    if (f == NULL)
        return;
    for (int i = 0; i < f->nbpf; i++) {
        for (int j = 0; j < f->bpf[i].nlt; j++)
            if (f->bpf[i].lt[j].ok)
                pcap_freecode(&f->bpf[i].lt[j].prog);
        free(f->bpf[i].expr);
    }
    otw_bl_flowset_free(f->ops);
    free(f);
}
