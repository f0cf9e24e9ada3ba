/*
 * filter.h - which packets become sessions: BPF expressions (compiled by
 * libpcap) and named presets decided on the decoded packet.
 *
 * Presets are tested on the decoded packet rather than written as BPF,
 * which avoids two traps: VLAN-tagged mirror traffic (BPF needs `vlan`) and
 * BPF's `broadcast`, which needs the interface's netmask.
 */
#ifndef OTW_FILTER_H
#define OTW_FILTER_H

#include "capture/reader.h"
#include "core/common.h"
#include "decode/pkt.h"

struct otw_filter;
struct otw_baseline;    /* detect/baseline.h */
struct otw_store;       /* store/store.h */

struct otw_preset {
    const char *name;
    const char *keeps;      /* one sentence: what the preset keeps */
    const char *drops;      /* and what it drops */
};

/* The presets, ending with a {NULL} row. */
extern const struct otw_preset otw_filter_presets[];

struct otw_filter *otw_filter_new(void);
/* Adds a preset name or a BPF expression; several are ANDed. A BPF syntax
 * error is reported here (compiled for Ethernet). */
int otw_filter_add(struct otw_filter *f, const char *expr, struct otw_err *err);
bool otw_filter_active(const struct otw_filter *f);
/* Human description, e.g. "ot-basic and (tcp port 502)". */
const char *otw_filter_describe(const struct otw_filter *f);
/* true: keep the packet. `pkt` is the decoded form of `rec`. */
bool otw_filter_match(struct otw_filter *f, const struct otw_rec *rec, const struct otw_pkt *pkt);
/* A BPF expression that cannot apply to a link type met in the input (e.g.
 * `ether host` on raw IP) drops that link type's packets; this says so once. */
const char *otw_filter_take_warning(struct otw_filter *f);
/* The ot-operational preset drops packets of the baseline's approved
 * operational communications (client, server, protocol, server port; in
 * either direction) and needs the baseline: the caller loads it from the
 * store and hands it over here before the first packet (the filter keeps
 * its own copy, so it may be used on another thread; b may then be freed).
 * Without it, or with nothing approved, the preset keeps everything.
 * Returns how many communications the preset leaves out. */
bool otw_filter_needs_baseline(const struct otw_filter *f);     /* f may be NULL */
size_t otw_filter_set_baseline(struct otw_filter *f, const struct otw_baseline *b);
/* Both in one for import and capture: when f (may be NULL) uses
 * ot-operational, loads the baseline from the store and hands it over;
 * *n gets how many communications the preset leaves out (0 when it is not
 * used). 0, or <0 with err set. */
int otw_filter_load_baseline(struct otw_filter *f, struct otw_store *st, size_t *n,
                             struct otw_err *err);
void otw_filter_free(struct otw_filter *f);

#endif
