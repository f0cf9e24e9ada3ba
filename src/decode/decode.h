/*
 * decode.h - frame bytes -> struct otw_pkt (see decode.c).
 */
#ifndef OTW_DECODE_H
#define OTW_DECODE_H

#include "capture/reader.h"
#include "core/common.h"
#include "decode/pkt.h"

enum {
    OTW_DEC_UNSUPPORTED = -1,   /* link type we do not decode */
    OTW_DEC_NONE = 0,           /* not even the link layer could be read */
    OTW_DEC_L2 = 1,             /* link layer only (ARP, LLDP, ...), or IP cut too short */
    OTW_DEC_IP = 2,             /* ipver/proto/addresses valid */
};

/* Decodes one frame. `wire_len` is the on-wire length (>= caplen). Never
 * reads outside data[0..caplen). */
int otw_decode(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
               struct otw_pkt *p);
bool otw_decode_linktype_supported(int linktype);

#endif
