/*
 * dhcp.c - DHCP (RFC 2131) and its options (RFC 2132) over UDP 67/68.
 *
 * Proto stage: one datagram per call. The BOOTP header is fixed size and
 * the DHCP magic cookie sits at offset 236, which makes a strict probe.
 * Option overload (option 52: options continued in sname/file) is not
 * followed; such a message still reports its type.
 *
 *    0                   1                   2                   3
 *   +---------------+---------------+---------------+---------------+
 *   |  op (1)       |  htype (1)    |  hlen (1)     |  hops (1)     |
 *   |                            xid (4)                            |
 *   |           secs (2)            |           flags (2)           |
 *   |                          ciaddr (4)                           |
 *   |                          yiaddr (4)                           |
 *   |                          siaddr (4)                           |
 *   |                          giaddr (4)                           |
 *   |                          chaddr (16)                          |
 *   |                          sname (64)                           |
 *   |                          file (128)                           |
 *   |                  magic cookie 99.130.83.99 (4)                |
 *   |                          options                              |
 *   +---------------------------------------------------------------+
 *
 * Counting: every field once per message, both directions
 * (tshark: dhcp.option.dhcp); dhcp.assigned_ip only from ACKs.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define DHCP_FIXED 236
#define DHCP_COOKIE 0x63825363u

static const uint16_t dhcp_ports[] = {67, 68, 0};

static const struct otw_tok dhcp_types[] = {
    {1, "discover"}, {2, "offer"}, {3, "request"}, {4, "decline"}, {5, "ack"}, {6, "nak"},
    {7, "release"}, {8, "inform"}, {9, "forcerenew"}, {10, "leasequery"},
    {11, "leaseunassigned"}, {12, "leaseunknown"}, {13, "leaseactive"}, {14, "bulkleasequery"},
    {15, "leasequerydone"}, {16, "activeleasequery"}, {17, "leasequerystatus"}, {18, "tls"},
    {0, NULL},
};

static int dhcp_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    if (len < DHCP_FIXED + 4)
        return OTW_PROBE_NO;
    if ((p[0] != 1 && p[0] != 2) || p[2] > 16 || otw_be32(p + DHCP_FIXED) != DHCP_COOKIE)
        return OTW_PROBE_NO;
    return OTW_PROBE_YES;
}

static void ip4(struct otw_app *app, const char *field, const uint8_t *a)
{
    char txt[INET_ADDRSTRLEN];

    if (inet_ntop(AF_INET, a, txt, sizeof(txt)))
        otw_app_strz(app, field, txt);
}

static ssize_t dhcp_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct otw_cur c;
    int type = 0;
    char mac[18] = "";
    const uint8_t *host = NULL;
    uint8_t hostlen = 0;

    if (dhcp_probe(p, len, dir, NULL) != OTW_PROBE_YES) {
        otw_app_event(app, "dhcp.bad_header");
        return (ssize_t)len;
    }
    if (p[1] == 1 && p[2] == 6) {   /* Ethernet */
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p[28], p[29], p[30], p[31],
                 p[32], p[33]);
        otw_app_str(app, "dhcp.client_mac", mac, 17);
    }
    otw_cur_init(&c, p + DHCP_FIXED + 4, len - DHCP_FIXED - 4);
    while (otw_cur_left(&c)) {
        uint8_t code = otw_cur_u8(&c), olen;
        const uint8_t *v;

        if (code == 0)              /* pad */
            continue;
        if (code == 255)            /* end */
            break;
        olen = otw_cur_u8(&c);
        v = otw_cur_ptr(&c, olen);
        if (v == NULL) {
            otw_app_event(app, "dhcp.bad_option");
            break;
        }
        switch (code) {
        case 53:
            if (olen == 1) {
                type = v[0];
                otw_app_strz(app, "dhcp.msg_type", otw_tok_str(dhcp_types, type, "other"));
            } else {
                otw_app_event(app, "dhcp.bad_option");
            }
            break;
        case 12:
            otw_app_str(app, "dhcp.hostname", (const char *)v, olen);
            host = v;
            hostlen = olen;
            break;
        case 60:
            otw_app_str(app, "dhcp.vendor_class", (const char *)v, olen);
            break;
        case 50:
            if (olen == 4)
                ip4(app, "dhcp.requested_ip", v);
            else
                otw_app_event(app, "dhcp.bad_option");
            break;
        default:
            break;
        }
    }
    if (type == 5 && otw_be32(p + 16) != 0)
        ip4(app, "dhcp.assigned_ip", p + 16);
    /* the pairs, for the asset inventory: one session may carry several
     * clients' broadcasts */
    if (mac[0] != '\0' && host != NULL && hostlen > 0) {
        char pair[18 + 256];
        int n = snprintf(pair, sizeof(pair), "%s %.*s", mac, (int)hostlen, (const char *)host);
        otw_app_str(app, "dhcp.client_name", pair, (size_t)OTW_MIN(n, (int)sizeof(pair) - 1));
    }
    if (mac[0] != '\0' && type == 5 && otw_be32(p + 16) != 0) {
        char pair[18 + INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];
        if (inet_ntop(AF_INET, p + 16, a, sizeof(a)) != NULL) {
            snprintf(pair, sizeof(pair), "%s %s", mac, a);
            otw_app_strz(app, "dhcp.lease", pair);
        }
    }
    return (ssize_t)len;
}

static const struct otw_pfield dhcp_fields[] = {
    {"dhcp.msg_type", OTW_PF_STR, "DHCP message type (option 53): discover, offer, request, ack ..."},
    {"dhcp.client_mac", OTW_PF_STR, "client hardware address (chaddr, Ethernet)"},
    {"dhcp.hostname", OTW_PF_STR, "host name (option 12)"},
    {"dhcp.vendor_class", OTW_PF_STR, "vendor class identifier (option 60)"},
    {"dhcp.requested_ip", OTW_PF_STR, "requested IP address (option 50)"},
    {"dhcp.assigned_ip", OTW_PF_STR, "address assigned by an ACK (yiaddr)"},
    {"dhcp.client_name", OTW_PF_STR, "client MAC and its host name: \"02:0a:c0:a8:0a:0a hmi01\""},
    {"dhcp.lease", OTW_PF_STR, "client MAC and the address an ACK gave it: \"MAC 192.168.10.10\""},
    {NULL, 0, NULL},
};

static const char *const dhcp_events[] = {"dhcp.bad_header", "dhcp.bad_option", NULL};

const struct otw_parser otw_parser_dhcp = {
    .name = "dhcp",
    .desc = "DHCP / BOOTP",
    .transports = OTW_PT_UDP,
    .ports = dhcp_ports,
    .probe = dhcp_probe,
    .state_size = 0,
    .parse = dhcp_parse,
    .fields = dhcp_fields,
    .events = dhcp_events,
};
