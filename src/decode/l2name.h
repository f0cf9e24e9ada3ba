/*
 * l2name.h - the name a frame that made no session says its sender has:
 * LLDP system name, CDP device id, PROFINET DCP name of station, the host
 * name of a DHCP client's own request, a NetBIOS name registered or listed
 * in a node status answer. The inventory side channel (flow/l2seen.c)
 * keeps it on the sighting's row. Bounded reads only (core/cursor.h).
 */
#ifndef OTW_L2NAME_H
#define OTW_L2NAME_H

#include <stddef.h>
#include <stdint.h>

#include "decode/pkt.h"

/* Writes the name (printable ASCII, control bytes as '?', at most len - 1
 * bytes) to out and returns its length; 0 and "" when the frame names
 * nobody or is cut short. */
size_t otw_l2_name(const struct otw_pkt *p, char *out, size_t len);

/* Per protocol, on the bytes after the Ethernet/SNAP header (LLDP, CDP,
 * PROFINET) or the UDP payload (DHCP, NetBIOS). src_mac: the frame's
 * sender (DHCP: the client's own request only, not a relay's). */
size_t otw_l2name_lldp(const uint8_t *p, size_t n, char *out, size_t len);
size_t otw_l2name_cdp(const uint8_t *p, size_t n, char *out, size_t len);
size_t otw_l2name_dcp(const uint8_t *p, size_t n, char *out, size_t len);
size_t otw_l2name_dhcp(const uint8_t *p, size_t n, const uint8_t src_mac[6], char *out,
                       size_t len);
size_t otw_l2name_nbns(const uint8_t *p, size_t n, char *out, size_t len);

/* NetBIOS name service (RFC 1002 4.1): decodes the first-level encoded
 * name at *pos of the message m (32 letters 'A'+nibble, then scope labels;
 * a compression pointer is followed once). name gets the 15 characters
 * without trailing blanks, *suffix the 16th byte. *pos moves past the
 * name. 0, or -1 when malformed. */
int otw_nbns_name(const uint8_t *m, size_t n, size_t *pos, char name[16], uint8_t *suffix);

#endif
