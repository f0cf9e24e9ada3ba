/*
 * hartip.c - HART-IP (FieldComm Group HCF_SPEC-85, "HART-IP"), TCP and
 * UDP 5094: identification, message type and id, and the HART command
 * number of pass-through requests.
 *
 * Every message starts with an 8-byte header (big-endian):
 *
 *   +---------+----------+--------+--------+-----------------+-----------------+
 *   | version | msg type | msg id | status | sequence number | byte count (2)  |
 *   +---------+----------+--------+--------+-----------------+-----------------+
 *   version 1 (2 for HART-IP v2); type 0 request, 1 response, 2 publish,
 *   3 error, 15 NAK; id 0 session initiate, 1 session close, 2 keep
 *   alive, 3 pass-through (a HART PDU), 4 read audit log;
 *   byte count = the whole message, header included.
 *
 * Pass-through body (HART token-passing PDU): delimiter (bit 7: 5-byte
 * unique address, else 1-byte polling address; bits 6-5: expansion
 * bytes), address, [expansion], command, byte count, data.
 *
 * Counting: hartip.msg_id and hartip.msg_type once per message (both
 * directions); hartip.command once per pass-through request.
 */
#include "core/cursor.h"
#include "proto/proto.h"

#define HIP_HDR 8
#define HIP_MAX 4096        /* far above any HART PDU (at most ~270 bytes) */

static const uint16_t hip_ports[] = {5094, 0};

static const struct otw_tok hip_ids[] = {
    {0, "session_initiate"}, {1, "session_close"}, {2, "keep_alive"},
    {3, "pass_through"}, {4, "read_audit_log"}, {0, NULL},
};

static const struct otw_tok hip_types[] = {
    {0, "request"}, {1, "response"}, {2, "publish"}, {3, "error"}, {15, "nak"}, {0, NULL},
};

/* Header check: 1 ok, 0 not HART-IP. */
static int hip_header_ok(const uint8_t *p, uint16_t *count)
{
    if (p[0] < 1 || p[0] > 2)
        return 0;
    if (p[1] > 3 && p[1] != 15)
        return 0;
    if (p[2] > 4)
        return 0;
    *count = otw_be16(p + 6);
    return *count >= HIP_HDR && *count <= HIP_MAX;
}

static int hip_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    uint16_t count;

    if (len < HIP_HDR)
        return fi->transport == 17 ? OTW_PROBE_NO : OTW_PROBE_MORE;
    if (!hip_header_ok(p, &count))
        return OTW_PROBE_NO;
    /* UDP: RIP and RIPng headers (command, version 1/2, zero) look like a
     * HART-IP header, so a datagram must be on the HART-IP port and its
     * byte count must be the datagram's length. */
    if (fi->transport == 17)
        return (fi->sport == 5094 || fi->dport == 5094) && (len >= OTW_PROBE_BYTES || count == len)
                   ? OTW_PROBE_YES : OTW_PROBE_NO;
    if (len > count && len - count >= HIP_HDR) {
        uint16_t c2;
        if (!hip_header_ok(p + count, &c2))
            return OTW_PROBE_NO;
    }
    /* TCP: a session begins with a session_initiate request (body: master
     * type 0/1 and the inactivity timer); anything else only on 5094. */
    if (p[1] == 0 && p[2] == 0 && p[3] == 0 && count == HIP_HDR + 5) {
        if (len == HIP_HDR)
            return OTW_PROBE_MORE;
        if (p[HIP_HDR] <= 1)
            return OTW_PROBE_YES;
    }
    return fi->sport == 5094 || fi->dport == 5094 ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static void hip_message(struct otw_app *app, const uint8_t *p, size_t count)
{
    otw_app_strz(app, "hartip.msg_id", otw_tok_str(hip_ids, p[2], "other"));
    otw_app_strz(app, "hartip.msg_type", otw_tok_str(hip_types, p[1], "other"));
    if (p[2] == 3 && p[1] == 0) {
        struct otw_cur c;
        uint8_t delim;

        otw_cur_init(&c, p + HIP_HDR, count - HIP_HDR);
        delim = otw_cur_u8(&c);
        otw_cur_skip(&c, (delim & 0x80) ? 5 : 1);
        otw_cur_skip(&c, (delim >> 5) & 3);
        {
            uint8_t cmd = otw_cur_u8(&c);
            if (c.err)
                otw_app_event(app, "hartip.bad_pdu");
            else
                otw_app_int(app, "hartip.command", cmd);
        }
    }
}

static ssize_t hip_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    size_t off = 0;

    while (len - off >= HIP_HDR) {
        uint16_t count;

        if (!hip_header_ok(p + off, &count)) {
            otw_app_event(app, "hartip.bad_header");
            return -1;
        }
        if (len - off < count)
            break;
        hip_message(app, p + off, count);
        off += count;
    }
    return (ssize_t)off;
}

/* UDP: one datagram, one message, whose byte count must match. */
static ssize_t hip_parse_udp(void *state, struct otw_app *app, int dir, const uint8_t *p,
                             size_t len)
{
    uint16_t count;

    if (len < HIP_HDR || !hip_header_ok(p, &count) || count != len) {
        otw_app_event(app, "hartip.bad_header");
        return (ssize_t)len;
    }
    hip_message(app, p, count);
    return (ssize_t)len;
}

static const struct otw_pfield hip_fields[] = {
    {"hartip.msg_id", OTW_PF_STR, "message id: session_initiate, session_close, keep_alive, pass_through, read_audit_log"},
    {"hartip.msg_type", OTW_PF_STR, "message type: request, response, publish, error, nak"},
    {"hartip.command", OTW_PF_INT, "HART command number of a pass-through request"},
    {NULL, 0, NULL},
};

static const char *const hip_events[] = {"hartip.bad_header", "hartip.bad_pdu", NULL};

const struct otw_parser otw_parser_hartip = {
    .name = "hartip",
    .desc = "HART-IP",
    .transports = OTW_PT_TCP,
    .ports = hip_ports,
    .probe = hip_probe,
    .state_size = 0,
    .parse = hip_parse,
    .fields = hip_fields,
    .events = hip_events,
};

const struct otw_parser otw_parser_hartip_udp = {
    .name = "hartip",
    .desc = "HART-IP over UDP",
    .transports = OTW_PT_UDP,
    .ports = hip_ports,
    .probe = hip_probe,
    .state_size = 0,
    .parse = hip_parse_udp,
    .fields = hip_fields,
    .events = hip_events,
};
