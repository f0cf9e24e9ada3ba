/*
 * live.h - packets from a network interface (a switch mirror port), through
 * libpcap's live API. The only user of pcap's live capture functions.
 *
 * First stage of the pipeline for `otwatch capture` (capture -> decode ->
 * flow -> store), beside capture/reader.c for files. Each handle is opened
 * promiscuous with a large kernel ring (on Linux libpcap uses TPACKET_V3
 * memory-mapped blocks) and non-blocking, so that one packet thread can
 * serve several interfaces with poll() on their descriptors.
 *
 * A handle belongs to the thread that reads it (the packet thread); nothing
 * here locks. Open as root (or with CAP_NET_RAW): the handle keeps working
 * after the process drops its privileges.
 */
#ifndef OTW_LIVE_H
#define OTW_LIVE_H

#include "capture/reader.h"
#include "core/common.h"

struct otw_live;

struct otw_live_opts {
    uint32_t buffer_bytes;  /* kernel ring; default 64 MiB */
    int snaplen;            /* default 262144 (OTW_MAX_RECORD) */
    int timeout_ms;         /* how long the kernel may hold a part-filled block; default 100 */
    bool promisc;           /* default true: a mirror port carries other hosts' frames */
};

void otw_live_opts_default(struct otw_live_opts *o);

/* Opens and activates `iface`. NULL on failure, err says why in words a
 * person can act on (no such interface, not permitted: run as root ...).
 * Warnings from activation (e.g. promiscuous mode not supported) are put
 * in `warning` (may be NULL, at least 256 bytes) and the handle is returned. */
struct otw_live *otw_live_open(const char *iface, const struct otw_live_opts *o, char *warning,
                               size_t warnlen, struct otw_err *err);

/* A descriptor to poll() for POLLIN; -1 when the platform has none. */
int otw_live_fd(const struct otw_live *l);
/* LINKTYPE_* of the interface (pcap's DLT_ mapped where they differ). */
int otw_live_linktype(const struct otw_live *l);
/* "EN10MB (Ethernet)" */
const char *otw_live_linktype_desc(const struct otw_live *l);
const char *otw_live_name(const struct otw_live *l);

/* 1: a packet in *rec (rec->data valid until the next call on this handle);
 * 0: none ready now; <0: the interface failed (went away ...), err filled.
 * rec->iface and rec->index are left for the caller to set. */
int otw_live_next(struct otw_live *l, struct otw_rec *rec, struct otw_err *err);

/* Counters since the handle was opened, as 64-bit (pcap's 32-bit counters
 * are widened across wrap-around; call at least every few minutes):
 * received = packets the kernel saw for this socket (on Linux including those
 * it dropped), dropped = dropped by the kernel (ring full: this process too
 * slow), ifdropped = dropped by the interface or driver. 0 or <0 (err). */
int otw_live_stats(struct otw_live *l, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped,
                   struct otw_err *err);

/* Closes the handle; NULL is a no-op. */
void otw_live_close(struct otw_live *l);

/* LINKTYPE_ value for a pcap DLT_ value (they differ for raw IP and a few others). */
int otw_live_dlt_to_linktype(int dlt);

#endif
