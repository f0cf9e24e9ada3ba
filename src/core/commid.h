/*
 * commid.h - the Community ID v1 flow hash of a session record.
 *
 * Zeek, Suricata, Arkime, Malcolm, Wireshark and Elastic print the same
 * string for the same flow ("1:" + base64(SHA-1(...))), so a user can take a
 * session from otwatch and find it in any of them. The flow table computes it
 * once per session record, after the initiator and ICMP type/code are known;
 * the store keeps it as text (network.community_id).
 *
 * Spec: https://github.com/corelight/community-id-spec (README, "Pseudo
 * code" and "Technical details"); the ICMP/ICMPv6 type pairing follows
 * Zeek's ICMP4_counterpart()/ICMP6_counterpart().
 */
#ifndef OTW_COMMID_H
#define OTW_COMMID_H

#include <stddef.h>
#include <stdint.h>

struct otw_session;

/* "1:" + 28 base64 characters + NUL. */
#define OTW_COMMID_LEN 31

/*
 * Writes the Community ID v1 of `s` into `out` (NUL-terminated), hashed with
 * `seed` (0 is what every tool uses unless configured otherwise).
 *
 * Reads s->src_ip, s->dst_ip (IPv4-mapped addresses hash as 4 bytes),
 * s->proto, s->src_port/dst_port (TCP, UDP, SCTP) and, for ICMP (1) and
 * ICMPv6 (58), s->icmp_type/icmp_code of the initiator's first packet
 * (falling back to src_port = type, dst_port = code when they are -1).
 * Other IP protocols hash without ports, as the spec says.
 *
 * Returns 0, or OTW_EINVAL (NULL argument, outlen < OTW_COMMID_LEN; `out` is
 * then set to "" when it has room for it), or OTW_ENOMEM (the digest failed).
 * Thread-safe: no state is kept between calls.
 */
int otw_commid_v1(const struct otw_session *s, uint16_t seed, char *out, size_t outlen);

#endif
