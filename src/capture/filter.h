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
void otw_filter_free(struct otw_filter *f);

#endif
