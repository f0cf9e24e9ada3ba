/*
 * ntp.c - NTP over UDP/123 (RFC 5905), including the control (mode 6,
 * RFC 9327) and private (mode 7, ntpd's "ntpdc" requests, e.g. the
 * monlist query abused for amplification) modes.
 *
 * Proto stage: one datagram per call. The first byte carries everything
 * we need, so the probe also wants the port (a one-byte signature would
 * claim random UDP): a session with 123 on either side whose datagram
 * has a valid version, mode and length.
 *
 *    0 1 2 3 4 5 6 7 8 ...
 *   +-+-+-+-+-+-+-+-+---------+---------+-----------+
 *   |LI | VN  |Mode | Stratum |  Poll   | Precision | ... 48 bytes (modes 1-5)
 *   +---+-----+-----+---------+---------+-----------+
 *   mode 6: |LI|VN|6| R E M OpCode | Sequence | Status | AssocID | Offset | Count | data
 *   mode 7: |R M VN 7| A Seq | Implementation | Request code | ...
 *
 * Counting: ntp.version and ntp.mode once per datagram in both
 * directions (as tshark's ntp.flags.mode), ntp.stratum once per
 * datagram of modes 1-5.
 */
#include "core/cursor.h"
#include "proto/proto.h"

#define NTP_PORT 123
#define NTP_LEN 48          /* RFC 5905 figure 8, without extensions or MAC */
#define NTP_CTL_HDR 12      /* RFC 9327 section 2.3 */
#define NTP_PRIV_HDR 8      /* ntpd ntp_request.h: rm_vn_mode, auth_seq, impl, request, err_nitems, mbz_itemsize */

static const uint16_t ntp_ports[] = {NTP_PORT, 0};

static const struct otw_tok ntp_modes[] = {
    {0, "reserved"}, {1, "symmetric_active"}, {2, "symmetric_passive"}, {3, "client"},
    {4, "server"}, {5, "broadcast"}, {6, "control"}, {7, "private"}, {0, NULL},
};

/* Minimum datagram length per mode, 0 for unusable. */
static size_t ntp_min_len(unsigned mode)
{
    if (mode >= 1 && mode <= 5)
        return NTP_LEN;
    if (mode == 6)
        return NTP_CTL_HDR;
    if (mode == 7)
        return NTP_PRIV_HDR;
    return 0;
}

static int ntp_valid(const uint8_t *p, size_t len)
{
    unsigned vn, mode;
    size_t min;

    if (len < 1)
        return 0;
    vn = (p[0] >> 3) & 7;
    mode = p[0] & 7;
    min = ntp_min_len(mode);
    if (vn < 1 || vn > 4 || min == 0 || len < min || len > 2048)
        return 0;
    if (mode == 6) {
        /* RFC 9327 2.3: opcode 1-31 (0 reserved), count of data octets
         * (at most 468) that must fit the datagram */
        uint16_t count = otw_be16(p + 10);
        return (p[1] & 0x1F) != 0 && count <= 468 && (size_t)NTP_CTL_HDR + count <= len;
    }
    if (mode == 7)
        /* ntpd's implementation numbers: 0 universal, 2 xntpd old, 3 xntpd */
        return p[2] == 0 || p[2] == 2 || p[2] == 3;
    /* modes 1-5: stratum 0-16, poll 0-17 (log2 s), precision -32..0 (log2 s) */
    return p[1] <= 16 && p[2] <= 17 && (p[3] == 0 || p[3] >= 0xE0);
}

static int ntp_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    if (fi->sport != NTP_PORT && fi->dport != NTP_PORT)
        return OTW_PROBE_NO;
    return ntp_valid(p, len) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static ssize_t ntp_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    unsigned mode;

    if (!ntp_valid(p, len)) {
        otw_app_event(app, len >= 1 && ntp_min_len(p[0] & 7) ? "ntp.bad_length" : "ntp.bad_header");
        return (ssize_t)len;
    }
    mode = p[0] & 7;
    otw_app_int(app, "ntp.version", (p[0] >> 3) & 7);
    otw_app_strz(app, "ntp.mode", otw_tok_str(ntp_modes, (int)mode, "reserved"));
    if (mode >= 1 && mode <= 5)
        otw_app_int(app, "ntp.stratum", p[1]);
    else if (mode == 7 && (p[0] & 0x80) == 0)
        /* request code of a private-mode request (42 = MON_GETLIST_1: monlist) */
        otw_app_int(app, "ntp.private_request", p[3]);
    return (ssize_t)len;
}

static const struct otw_pfield ntp_fields[] = {
    {"ntp.version", OTW_PF_INT, "NTP version number (1-4)"},
    {"ntp.mode", OTW_PF_STR, "association mode: client, server, broadcast, control, private ..."},
    {"ntp.stratum", OTW_PF_INT, "stratum of a mode 1-5 packet (0 = unspecified / kiss-o'-death)"},
    {"ntp.private_request", OTW_PF_INT, "mode 7 request code (42 = monlist)"},
    {NULL, 0, NULL},
};

static const char *const ntp_events[] = {"ntp.bad_length", "ntp.bad_header", NULL};

const struct otw_parser otw_parser_ntp = {
    .name = "ntp",
    .desc = "Network Time Protocol",
    .transports = OTW_PT_UDP,
    .ports = ntp_ports,
    .probe = ntp_probe,
    .state_size = 0,
    .parse = ntp_parse,
    .fields = ntp_fields,
    .events = ntp_events,
};
