/*
 * pnio.c - PROFINET IO acyclic services: DCE/RPC connectionless (CL)
 * over UDP/34964, identified by the PNIO interface UUIDs. References:
 * IEC 61158-6-10 (PNIO RPC), The Open Group C706 "DCE 1.1: RPC" chapter
 * 12.5 (connectionless PDU header). Cyclic PROFINET RT is layer 2 and
 * not seen here.
 *
 * CL header, 80 bytes; integers in the byte order of drep[0] (high
 * nibble 0 = big-endian, 1 = little-endian), UUIDs likewise for their
 * first three fields:
 *
 *    0 rpc_vers (4)   1 ptype   2 flags1   3 flags2   4 drep[3]   7 serial_hi
 *    8 object UUID (16)   24 interface UUID (16)   40 activity UUID (16)
 *   56 server_boot (4)   60 if_vers (4)   64 seqnum (4)   68 opnum (2)
 *   70 ihint (2)   72 ahint (2)   74 len (2)   76 fragnum (2)
 *   78 auth_proto   79 serial_lo
 *
 * PNIO interface UUIDs DEA0000x-6C97-11D1-8271-00A02442DF7D:
 *   x = 1 device, 2 controller, 3 supervisor, 4 parameter server.
 * Operations: 0 connect, 1 release, 2 read, 3 write, 4 control,
 * 5 read_implicit.
 *
 * Counting: profinet.opnum and ot.class once per request PDU (ptype 0),
 * profinet.interface and profinet.ptype once per PDU.
 */
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define CL_HDR 80

static const uint16_t pnio_ports[] = {34964, 0};

static const struct otw_tok pnio_ifaces[] = {
    {1, "device"}, {2, "controller"}, {3, "supervisor"}, {4, "parameter_server"}, {0, NULL},
};

static const struct otw_tok cl_ptypes[] = {
    {0, "request"}, {1, "ping"}, {2, "response"}, {3, "fault"}, {4, "working"},
    {5, "nocall"}, {6, "reject"}, {7, "ack"}, {8, "cl_cancel"}, {9, "fack"},
    {10, "cancel_ack"}, {0, NULL},
};

static const struct {
    const char *name, *cls;
} pnio_ops[] = {
    {"connect", "control"}, {"release", "control"}, {"read", "read"},
    {"write", "write"}, {"control", "control"}, {"read_implicit", "read"},
};

/* Bytes 8-15 of the UUID (clock_seq and node): the same in both byte orders. */
static const uint8_t pnio_node[8] = {0x82, 0x71, 0x00, 0xA0, 0x24, 0x42, 0xDF, 0x7D};

/* The interface number 1-4, or 0 if not a PNIO interface. */
static int pnio_iface(const uint8_t *u, int le)
{
    uint32_t d1 = le ? otw_le32(u) : otw_be32(u);
    uint16_t d2 = le ? otw_le16(u + 4) : otw_be16(u + 4);
    uint16_t d3 = le ? otw_le16(u + 6) : otw_be16(u + 6);

    if ((d1 & 0xFFFFFFF0u) != 0xDEA00000u || d2 != 0x6C97 || d3 != 0x11D1 ||
        memcmp(u + 8, pnio_node, 8) != 0)
        return 0;
    return (d1 & 0xF) >= 1 && (d1 & 0xF) <= 4 ? (int)(d1 & 0xF) : 0;
}

static int pnio_hdr(const uint8_t *p, size_t len, int *iface, int *le)
{
    if (len < CL_HDR || p[0] != 4 || p[1] > 10)
        return 0;
    *le = (p[4] >> 4) == 1;
    if ((p[4] >> 4) > 1)
        return 0;
    *iface = pnio_iface(p + 24, *le);
    return *iface != 0;
}

static int pnio_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    int iface, le;

    return pnio_hdr(p, len, &iface, &le) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static ssize_t pnio_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    int iface, le;
    uint16_t opnum, body;

    if (!pnio_hdr(p, len, &iface, &le)) {
        otw_app_event(app, "profinet.bad_header");
        return (ssize_t)len;
    }
    body = le ? otw_le16(p + 74) : otw_be16(p + 74);
    if ((size_t)body > len - CL_HDR)
        otw_app_event(app, "profinet.bad_length");
    otw_app_strz(app, "profinet.interface", otw_tok_str(pnio_ifaces, iface, "other"));
    otw_app_strz(app, "profinet.ptype", otw_tok_str(cl_ptypes, p[1], "other"));
    if (p[1] == 0) {
        opnum = le ? otw_le16(p + 68) : otw_be16(p + 68);
        if (opnum < OTW_ARRAY_LEN(pnio_ops)) {
            otw_app_strz(app, "profinet.opnum", pnio_ops[opnum].name);
            otw_app_strz(app, "ot.class", pnio_ops[opnum].cls);
        } else {
            otw_app_event(app, "profinet.unknown_opnum");
        }
    }
    return (ssize_t)len;
}

static const struct otw_pfield pnio_fields[] = {
    {"profinet.interface", OTW_PF_STR, "PNIO RPC interface: device, controller, supervisor, parameter_server"},
    {"profinet.ptype", OTW_PF_STR, "DCE/RPC CL packet type: request, response, fault, reject ..."},
    {"profinet.opnum", OTW_PF_STR, "PNIO operation of a request: connect, release, read, write, control, read_implicit"},
    {"ot.class", OTW_PF_STR, "function class of a request: read, write, program, control, diagnostic"},
    {NULL, 0, NULL},
};

static const char *const pnio_events[] = {
    "profinet.bad_header", "profinet.bad_length", "profinet.unknown_opnum", NULL,
};

const struct otw_parser otw_parser_pnio = {
    .name = "profinet",
    .desc = "PROFINET IO RPC (DCE/RPC CL over UDP)",
    .transports = OTW_PT_UDP,
    .ports = pnio_ports,
    .probe = pnio_probe,
    .state_size = 0,
    .parse = pnio_parse,
    .fields = pnio_fields,
    .events = pnio_events,
};
