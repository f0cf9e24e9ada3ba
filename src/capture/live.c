/*
 * live.c - libpcap live capture: pcap_create, settings, activate; then
 * non-blocking reads for a poll() loop, and 64-bit statistics.
 *
 * Settings and why:
 *  - promiscuous: a mirror port delivers frames addressed to other hosts;
 *  - snaplen 262144 (libpcap's maximum): whole frames, for the parsers and
 *    the packet files;
 *  - buffer 64 MiB by default: on Linux this is the TPACKET_V3 ring; at
 *    1 Gbit/s of full frames it holds about half a second, enough to ride
 *    out a slow moment of the packet thread (a disk hiccup, a burst of new
 *    sessions);
 *  - timeout 100 ms: TPACKET_V3 hands over whole blocks; the timeout bounds
 *    how long a part-filled block waits, so packets on a quiet network are
 *    not late;
 *  - non-blocking: one thread reads several interfaces, waiting in poll().
 */
#include "capture/live.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct otw_live {
    pcap_t *p;
    char name[64];
    int linktype;
    char ltdesc[96];
    /* pcap_stats counters are 32-bit: the last raw values, and 64-bit sums */
    uint32_t last_recv, last_drop, last_ifdrop;
    uint64_t recv, drop, ifdrop;
};

void otw_live_opts_default(struct otw_live_opts *o)
{
    o->buffer_bytes = 64u << 20;
    o->snaplen = (int)OTW_MAX_RECORD;
    o->timeout_ms = 100;
    o->promisc = true;
}

/* DLT_ values that are not their LINKTYPE_ value, as libpcap's own
 * dlt_to_linktype() maps them (these DLT_ numbers differ between systems,
 * so capture files use fixed LINKTYPE_ numbers instead). Every other value
 * is the same number in both. capture/filter.c maps the other way. */
static const struct {
    int dlt, linktype;
} dlt_map[] = {
#ifdef DLT_RAW
    {DLT_RAW, 101},
#endif
#ifdef DLT_ATM_RFC1483
    {DLT_ATM_RFC1483, 100},
#endif
#ifdef DLT_SLIP_BSDOS
    {DLT_SLIP_BSDOS, 102},
#endif
#ifdef DLT_PPP_BSDOS
    {DLT_PPP_BSDOS, 103},
#endif
#ifdef DLT_ATM_CLIP
    {DLT_ATM_CLIP, 106},
#endif
#ifdef DLT_PPP_SERIAL
    {DLT_PPP_SERIAL, 50},
#endif
#ifdef DLT_PPP_ETHER
    {DLT_PPP_ETHER, 51},
#endif
};

int otw_live_dlt_to_linktype(int dlt)
{
    for (size_t i = 0; i < OTW_ARRAY_LEN(dlt_map); i++)
        if (dlt_map[i].dlt == dlt)
            return dlt_map[i].linktype;
    return dlt;
}

struct otw_live *otw_live_open(const char *iface, const struct otw_live_opts *o, char *warning,
                               size_t warnlen, struct otw_err *err)
{
    char eb[PCAP_ERRBUF_SIZE];
    struct otw_live *l;
    const char *dname, *ddesc;
    int rc, dlt;

    if (warning != NULL && warnlen > 0)
        warning[0] = '\0';
    if (strlen(iface) >= sizeof(l->name)) {
        otw_err_set(err, -1, "interface name '%.64s...' is too long", iface);
        return NULL;
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    snprintf(l->name, sizeof(l->name), "%s", iface);
    eb[0] = '\0';
    l->p = pcap_create(iface, eb);
    if (l->p == NULL) {
        otw_err_set(err, -1, "%s: cannot open: %s", iface, eb);
        goto fail;
    }
    if (pcap_set_snaplen(l->p, o->snaplen) != 0 || pcap_set_promisc(l->p, o->promisc ? 1 : 0) != 0 ||
        pcap_set_timeout(l->p, o->timeout_ms) != 0 ||
        pcap_set_buffer_size(l->p, (int)OTW_MIN(o->buffer_bytes, (uint32_t)INT32_MAX)) != 0) {
        otw_err_set(err, -1, "%s: cannot configure capture: %s", iface, pcap_geterr(l->p));
        goto fail;
    }
    /* microsecond timestamps are libpcap's default; say so rather than rely on it */
    pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_MICRO);
    rc = pcap_activate(l->p);
    if (rc < 0) {
        const char *why = pcap_statustostr(rc);
        const char *detail = pcap_geterr(l->p);
        switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            otw_err_set(err, -1, "%s: no such interface (%s); 'ip link' lists them", iface,
                        detail);
            break;
        case PCAP_ERROR_PERM_DENIED:
            otw_err_set(err, -1,
                        "%s: not permitted to capture (%s): run as root, or give the program "
                        "CAP_NET_RAW and CAP_NET_ADMIN",
                        iface, detail);
            break;
        case PCAP_ERROR_IFACE_NOT_UP:
            otw_err_set(err, -1, "%s: interface is down: 'ip link set %s up'", iface, iface);
            break;
        default:
            otw_err_set(err, -1, "%s: cannot start capture: %s (%s)", iface, detail, why);
            break;
        }
        goto fail;
    }
    if (rc > 0 && warning != NULL && warnlen > 0)
        snprintf(warning, warnlen, "%s: %s (%s)", iface, pcap_statustostr(rc), pcap_geterr(l->p));
    if (pcap_setnonblock(l->p, 1, eb) != 0) {
        otw_err_set(err, -1, "%s: cannot make capture non-blocking: %s", iface, eb);
        goto fail;
    }
    dlt = pcap_datalink(l->p);
    l->linktype = otw_live_dlt_to_linktype(dlt);
    dname = pcap_datalink_val_to_name(dlt);
    ddesc = pcap_datalink_val_to_description(dlt);
    snprintf(l->ltdesc, sizeof(l->ltdesc), "%s%s%s%s", dname ? dname : "unknown",
             ddesc ? " (" : "", ddesc ? ddesc : "", ddesc ? ")" : "");
    return l;
fail:
    otw_live_close(l);
    return NULL;
}

int otw_live_fd(const struct otw_live *l)
{
    return pcap_get_selectable_fd(l->p);
}

int otw_live_linktype(const struct otw_live *l)
{
    return l->linktype;
}

const char *otw_live_linktype_desc(const struct otw_live *l)
{
    return l->ltdesc;
}

const char *otw_live_name(const struct otw_live *l)
{
    return l->name;
}

int otw_live_next(struct otw_live *l, struct otw_rec *rec, struct otw_err *err)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(l->p, &h, &data);

    if (OTW_LIKELY(rc == 1)) {
        rec->ts_us = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
        rec->caplen = h->caplen;
        rec->len = h->len;
        rec->linktype = l->linktype;
        rec->data = data;
        rec->offset = 0;
        return 1;
    }
    if (rc == 0)
        return 0;
    otw_err_set(err, -1, "%s: capture failed: %s", l->name,
                rc == PCAP_ERROR ? pcap_geterr(l->p) : pcap_statustostr(rc));
    return OTW_EIO;
}

/* Adds the growth of a 32-bit counter since the last reading (modulo 2^32). */
static void widen(uint32_t now, uint32_t *last, uint64_t *sum)
{
    *sum += (uint32_t)(now - *last);
    *last = now;
}

int otw_live_stats(struct otw_live *l, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped,
                   struct otw_err *err)
{
    struct pcap_stat ps;

    memset(&ps, 0, sizeof(ps));
    if (pcap_stats(l->p, &ps) != 0) {
        otw_err_set(err, -1, "%s: cannot read capture statistics: %s", l->name,
                    pcap_geterr(l->p));
        return OTW_EIO;
    }
    widen(ps.ps_recv, &l->last_recv, &l->recv);
    widen(ps.ps_drop, &l->last_drop, &l->drop);
    widen(ps.ps_ifdrop, &l->last_ifdrop, &l->ifdrop);
    *received = l->recv;
    *dropped = l->drop;
    *ifdropped = l->ifdrop;
    return 0;
}

void otw_live_close(struct otw_live *l)
{
    if (l == NULL)
        return;
    if (l->p != NULL)
        pcap_close(l->p);
    free(l);
}
