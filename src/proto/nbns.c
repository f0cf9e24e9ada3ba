/*
 * nbns.c - NetBIOS name service (RFC 1001/1002) over UDP 137: which
 * Windows name a host registers or reports, for the asset inventory.
 *
 * Proto stage: one datagram per call.
 *
 *    0                   1                   2                   3
 *   +-------------------------------+-+-------+-------------+-------+
 *   |         NAME_TRN_ID           |R|OPCODE |  NM_FLAGS   | RCODE |
 *   |           QDCOUNT             |           ANCOUNT             |
 *   |           NSCOUNT             |           ARCOUNT             |
 *   +-------------------------------+-------------------------------+
 *   question: name (34 bytes first-level encoded + scope), type, class
 *   resource records: name, type, class, ttl, rdlength, rdata
 *
 * The sender's own name is in a name registration / refresh request
 * (nbns.registered) and in a node status response (nbns.status_name); the
 * rules are decode/l2name.c's, shared with the layer-2 side channel which
 * sees the broadcasts a session filter drops.
 */
#include <stdio.h>

#include "core/cursor.h"
#include "decode/l2name.h"
#include "proto/proto.h"

#define NBNS_PORT 137

static const uint16_t nbns_ports[] = {NBNS_PORT, 0};

static const struct otw_tok nbns_opcodes[] = {
    {0, "query"}, {5, "registration"}, {6, "release"}, {7, "wack"}, {8, "refresh"},
    {9, "refresh"}, {15, "multihomed_registration"}, {0, NULL},
};

static int nbns_valid(const uint8_t *p, size_t len)
{
    unsigned opcode;
    uint16_t qd, an, ns, ar;

    if (len < 12 || len > 1024)
        return 0;
    opcode = (p[2] >> 3) & 0xf;
    qd = otw_be16(p + 4);
    an = otw_be16(p + 6);
    ns = otw_be16(p + 8);
    ar = otw_be16(p + 10);
    if (otw_tok_str(nbns_opcodes, (int)opcode, NULL) == NULL || qd > 1 || an > 16 || ns > 16 ||
        ar > 16 || qd + an == 0)
        return 0;
    /* the first name is a 32-letter encoded NetBIOS name */
    return len >= 13 + 32 && p[12] == 32;
}

static int nbns_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    if (fi->sport != NBNS_PORT && fi->dport != NBNS_PORT)
        return OTW_PROBE_NO;
    return nbns_valid(p, len) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static ssize_t nbns_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    char name[16], own[16], txt[24];
    uint8_t suffix;
    size_t pos = 12;
    unsigned opcode;

    if (!nbns_valid(p, len)) {
        otw_app_event(app, "nbns.bad_header");
        return (ssize_t)len;
    }
    opcode = (p[2] >> 3) & 0xf;
    otw_app_strz(app, "nbns.opcode", otw_tok_str(nbns_opcodes, (int)opcode, "other"));
    if (otw_nbns_name(p, len, &pos, name, &suffix) != 0) {
        otw_app_event(app, "nbns.bad_name");
        return (ssize_t)len;
    }
    if (!(p[2] & 0x80) && otw_be16(p + 4) == 1) {
        snprintf(txt, sizeof(txt), "%s<%02x>", name, suffix);
        otw_app_strz(app, "nbns.query", txt);
    }
    if (otw_l2name_nbns(p, len, own, sizeof(own)) > 0)
        otw_app_strz(app, (p[2] & 0x80) ? "nbns.status_name" : "nbns.registered", own);
    return (ssize_t)len;
}

static const struct otw_pfield nbns_fields[] = {
    {"nbns.opcode", OTW_PF_STR, "operation: query, registration, release, refresh ..."},
    {"nbns.query", OTW_PF_STR, "name asked about or registered, with its type: \"PLC01<20>\""},
    {"nbns.registered", OTW_PF_STR, "the sender's own (unique) name that it registers"},
    {"nbns.status_name", OTW_PF_STR, "the responder's workstation name in a node status answer"},
    {NULL, 0, NULL},
};

static const char *const nbns_events[] = {"nbns.bad_header", "nbns.bad_name", NULL};

const struct otw_parser otw_parser_nbns = {
    .name = "nbns",
    .desc = "NetBIOS name service",
    .transports = OTW_PT_UDP,
    .ports = nbns_ports,
    .probe = nbns_probe,
    .state_size = 0,
    .parse = nbns_parse,
    .fields = nbns_fields,
    .events = nbns_events,
};
