/*
 * rdp.c - Remote Desktop Protocol: connection negotiation, the TLS phase
 * that usually follows, and the legacy MCS/GCC client data. RDP to the HMI
 * at night is the last step of the talk's attack chains (MISSION.md
 * point 12); who asked (the mstshash cookie, the client's computer name)
 * and how it was secured is what plant staff need to see.
 *
 * [MS-RDPBCGR] 2.2.1.1 / 2.2.1.2: TPKT (RFC 1006) + X.224 (ISO 8073):
 *
 *   +------+------+-------------+------+------+-----------+-----------+-------+
 *   | 0x03 | 0x00 | length (BE) |  LI  | code | dst-ref   | src-ref   | class |
 *   +------+------+-------------+------+------+-----------+-----------+-------+
 *   code 0xE0 Connection Request, 0xD0 Connection Confirm, 0xF0 Data (LI 2,
 *   then EOT 0x80 and the MCS PDU), 0x80 Disconnect Request.
 *
 *   CR variable part: "Cookie: mstshash=USER\r\n" (2.2.1.1, rdp.cookie) or a
 *   routing token "Cookie: msts=...\r\n" (rdp.routing_token), then optional
 *   RDP_NEG_REQ (2.2.1.1.1):
 *   +------+-------+-------------+---------------------------+
 *   | 0x01 | flags | length = 8  | requestedProtocols (LE32) |
 *   +------+-------+-------------+---------------------------+
 *   CC: RDP_NEG_RSP (type 2, selectedProtocol) or RDP_NEG_FAILURE (type 3,
 *   failureCode) (2.2.1.2.1, 2.2.1.2.2).
 *
 * When the server selects anything but standard RDP security, both
 * directions continue with TLS records (5.4.5; CredSSP runs inside TLS);
 * they are handed to the TLS reader (tls.c), which records SNI, JA3/JA4,
 * the certificate and alerts, and "tls" is added to the session's
 * protocols. With standard RDP security the client sends MCS Connect
 * Initial (T.125) with GCC Conference Create Request user data (2.2.1.3);
 * its Client Core Data block (CS_CORE, 0xC001, 2.2.1.3.2) gives the client
 * computer name, keyboard layout and build. Later PDUs are TPKT or
 * fast-path (2.2.8.1.2.1: action bits 0, length in 1 or 2 bytes) and are
 * skipped.
 *
 * Counting: rdp.cookie, rdp.routing_token, rdp.requested on Connection
 * Requests; rdp.selected, rdp.failure on Connection Confirms; client data
 * on MCS Connect Initial; once per PDU.
 *
 * This file also holds the RDP-UDP transport parser (rdpeudp, [MS-RDPEUDP]
 * 2.2.2.1): identified from the client's SYN datagram (snSourceAck
 * 0xFFFFFFFF, RDPUDP_FLAG_SYN, MTUs 1132..1232); nothing further is read.
 */
#include "proto/rdp.h"

#include <string.h>

#include "core/cursor.h"
#include "proto/app.h"
#include "proto/utf16.h"

#define TPKT_MIN 7              /* TPKT header + LI + code + one more byte */

enum { X224_CR = 0xE0, X224_CC = 0xD0, X224_DT = 0xF0, X224_DR = 0x80 };
enum { NEG_REQ = 1, NEG_RSP = 2, NEG_FAILURE = 3 };

static const char EV_BAD_TPKT[] = "rdp.bad_tpkt";
static const char EV_BAD_X224[] = "rdp.bad_x224";
static const char EV_BAD_NEG[] = "rdp.bad_negotiation";

static const char F_COOKIE[] = "rdp.cookie";
static const char F_TOKEN[] = "rdp.routing_token";
static const char F_REQUESTED[] = "rdp.requested";
static const char F_SELECTED[] = "rdp.selected";
static const char F_FAILURE[] = "rdp.failure";
static const char F_CLIENT_NAME[] = "rdp.client_name";
static const char F_KEYBOARD[] = "rdp.keyboard_layout";
static const char F_BUILD[] = "rdp.client_build";

const struct otw_pfield otw_rdp_fields[] = {
    OTW_RDP_FIELD_ROWS
    OTW_TLS_FIELD_ROWS
    {NULL, 0, NULL},
};

const char *const otw_rdp_events[] = {
    OTW_RDP_EVENT_ROWS OTW_TLS_EVENT_ROWS NULL,
};

/* [MS-RDPBCGR] 2.2.1.1.1 requestedProtocols / selectedProtocol. */
static const struct otw_tok proto_names[] = {
    {0x00, "standard_rdp"}, {0x01, "tls"}, {0x02, "credssp"}, {0x04, "rdstls"},
    {0x08, "credssp_early_user_auth"}, {0x10, "rdsaad"}, {0, NULL},
};

/* 2.2.1.2.2 failureCode. */
static const struct otw_tok failure_names[] = {
    {1, "ssl_required_by_server"}, {2, "ssl_not_allowed_by_server"},
    {3, "ssl_cert_not_on_server"}, {4, "inconsistent_flags"},
    {5, "hybrid_required_by_server"}, {6, "ssl_with_user_auth_required_by_server"}, {0, NULL},
};

/* The Connection Request's variable part: cookie line, then RDP_NEG_REQ. */
static void conn_request(struct otw_app *a, const uint8_t *p, size_t len)
{
    static const char ck[] = "Cookie: mstshash=", tk[] = "Cookie: msts=";
    struct otw_cur c;

    if (len >= 2 && p[0] == 'C') {
        const uint8_t *nl = memchr(p, '\n', len);
        size_t ll;
        if (nl == NULL || nl == p || nl[-1] != '\r') {
            otw_app_event(a, EV_BAD_X224);
            return;
        }
        ll = (size_t)(nl - p) - 1;
        if (ll >= sizeof(ck) - 1 && memcmp(p, ck, sizeof(ck) - 1) == 0)
            otw_app_str(a, F_COOKIE, (const char *)p + sizeof(ck) - 1, ll - (sizeof(ck) - 1));
        else if (ll >= sizeof(tk) - 1 && memcmp(p, tk, sizeof(tk) - 1) == 0)
            otw_app_str(a, F_TOKEN, (const char *)p + sizeof(tk) - 1, ll - (sizeof(tk) - 1));
        len -= (size_t)(nl - p) + 1;
        p = nl + 1;
    }
    if (len < 8)
        return;
    otw_cur_init(&c, p, len);
    if (otw_cur_u8(&c) != NEG_REQ) {
        otw_app_event(a, EV_BAD_NEG);
        return;
    }
    otw_cur_u8(&c);
    if (otw_cur_le16(&c) != 8) {
        otw_app_event(a, EV_BAD_NEG);
        return;
    }
    uint32_t req = otw_cur_le32(&c);
    if (req == 0)
        otw_app_strz(a, F_REQUESTED, "standard_rdp");
    for (uint32_t bit = 1; bit <= 0x10; bit <<= 1)
        if (req & bit)
            otw_app_strz(a, F_REQUESTED, otw_tok_str(proto_names, (int)bit, "unknown"));
}

static void conn_confirm(struct otw_rdp *r, struct otw_app *a, const uint8_t *p, size_t len)
{
    struct otw_cur c;
    uint8_t type;
    uint32_t v;

    if (len < 8) {
        if (len == 0)   /* no RDP_NEG_RSP: standard RDP security (2.2.1.2) */
            otw_app_strz(a, F_SELECTED, "standard_rdp");
        return;
    }
    otw_cur_init(&c, p, len);
    type = otw_cur_u8(&c);
    otw_cur_u8(&c);
    if (otw_cur_le16(&c) != 8 || (type != NEG_RSP && type != NEG_FAILURE)) {
        otw_app_event(a, EV_BAD_NEG);
        return;
    }
    v = otw_cur_le32(&c);
    if (type == NEG_FAILURE) {
        otw_app_strz(a, F_FAILURE, otw_tok_str(failure_names, (int)v, "unknown"));
        return;
    }
    otw_app_strz(a, F_SELECTED, otw_tok_str(proto_names, (int)v, "unknown"));
    if (v != 0)
        r->tls_selected = 1;
}

/* MCS Connect Initial: find the GCC client user data ("Duca", T.124 H.221
 * key), then walk the TS_UD blocks for CS_CORE. */
static void client_data(struct otw_app *a, const uint8_t *p, size_t len)
{
    const uint8_t *k = NULL;
    struct otw_cur c;
    size_t n;

    for (size_t i = 0; i + 4 <= len; i++)
        if (p[i] == 'D' && memcmp(p + i, "Duca", 4) == 0) {
            k = p + i + 4;
            break;
        }
    if (k == NULL)
        return;
    otw_cur_init(&c, k, len - (size_t)(k - p));
    n = otw_cur_u8(&c);                 /* PER length, 1 or 2 bytes */
    if (n & 0x80)
        n = ((n & 0x7f) << 8) | otw_cur_u8(&c);
    if (n > otw_cur_left(&c))
        n = otw_cur_left(&c);
    otw_cur_init(&c, c.p, n);
    while (otw_cur_left(&c) >= 4) {
        uint16_t type = otw_cur_le16(&c), blen = otw_cur_le16(&c);
        const uint8_t *b;
        if (blen < 4 || (b = otw_cur_ptr(&c, blen - 4u)) == NULL)
            return;
        if (type == 0xC001 && blen >= 56) {
            /* version(4) width(2) height(2) depth(2) SAS(2) keyboardLayout(4)
             * clientBuild(4) clientName(32, UTF-16LE) */
            char name[64];
            size_t nl = otw_utf16le_to_utf8(b + 20, 32, name, sizeof(name));
            otw_app_int(a, F_KEYBOARD, otw_le32(b + 12));
            otw_app_int(a, F_BUILD, otw_le32(b + 16));
            if (nl > 0)
                otw_app_str(a, F_CLIENT_NAME, name, nl);
            return;
        }
    }
}

/* One TPKT PDU (complete, header included). */
static void tpkt_pdu(struct otw_rdp *r, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    uint8_t li = p[4], code = p[5] & 0xf0;

    if (li < 2 || (size_t)li + 5 > len) {
        otw_app_event(a, EV_BAD_X224);
        return;
    }
    switch (code) {
    case X224_CR:
        if (li < 6)
            otw_app_event(a, EV_BAD_X224);
        else if (dir == OTW_DIR_TO_SERVER)
            conn_request(a, p + 11, len - 11);
        break;
    case X224_CC:
        if (li < 6)
            otw_app_event(a, EV_BAD_X224);
        else if (dir == OTW_DIR_TO_CLIENT)
            conn_confirm(r, a, p + 11, len - 11);
        break;
    case X224_DT:
        /* MCS Connect Initial: BER application tag 101 (0x7f 0x65). */
        if (dir == OTW_DIR_TO_SERVER && len >= 9 && p[7] == 0x7f && p[8] == 0x65)
            client_data(a, p + 9, len - 9);
        break;
    default:
        break;
    }
}

ssize_t otw_rdp_parse(struct otw_rdp *r, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    size_t off = 0;

    dir &= 1;
    if (r->skip[dir]) {
        off = OTW_MIN((size_t)r->skip[dir], len);
        r->skip[dir] -= (uint32_t)off;
    }
    while (off < len) {
        size_t plen;
        if (r->in_tls[dir]) {
            ssize_t n = otw_tls_parse(&r->tls, a, dir, p + off, len - off);
            return n < 0 ? -1 : (ssize_t)off + n;
        }
        if (p[off] == 0x03) {
            if (len - off < 4)
                break;
            plen = otw_be16(p + off + 2);
            if (p[off + 1] != 0 || plen < TPKT_MIN) {
                otw_app_event(a, EV_BAD_TPKT);
                return -1;
            }
            if (len - off < plen)
                break;
            tpkt_pdu(r, a, dir, p + off, plen);
        } else if (p[off] == 0x16 && r->tls_selected) {
            r->in_tls[dir] = 1;
            otw_app_protocol(a, "tls");
            continue;
        } else if ((p[off] & 0x03) == 0) {
            /* Fast-path PDU: fpOutputHeader, length1 [length2] (2.2.9.1.2). */
            if (len - off < 2)
                break;
            plen = p[off + 1];
            if (plen & 0x80) {
                if (len - off < 3)
                    break;
                plen = ((plen & 0x7f) << 8) | p[off + 2];
            }
            if (plen < 2) {
                otw_app_event(a, EV_BAD_TPKT);
                return -1;
            }
            if (len - off < plen) {
                /* Skip what is here; the rest later (never buffer encrypted data). */
                r->skip[dir] = (uint32_t)(plen - (len - off));
                return (ssize_t)len;
            }
        } else {
            otw_app_event(a, EV_BAD_TPKT);
            return -1;
        }
        off += plen;
    }
    return (ssize_t)off;
}

void otw_rdp_release(struct otw_rdp *r)
{
    otw_tls_release(&r->tls);
}

int otw_rdp_probe_bytes(const uint8_t *p, size_t len, int port_is_rdp)
{
    static const char ck[] = "Cookie: ms";
    size_t n;

    /* TPKT v3 + X.224 CR with dst-ref 0; then a cookie, an RDP_NEG_REQ, or
     * nothing (only on the RDP port: a bare CR is also how COTP starts). */
    if (p[0] != 0x03)
        return OTW_PROBE_NO;
    if (len < 11)
        return (len < 2 || p[1] == 0) && (len < 6 || (p[5] & 0xf0) == X224_CR) ? OTW_PROBE_MORE
                                                                              : OTW_PROBE_NO;
    if (p[1] != 0 || (p[5] & 0xf0) != X224_CR || p[4] < 6 || p[4] + 5u != otw_be16(p + 2))
        return OTW_PROBE_NO;
    if (p[4] == 6)
        return port_is_rdp ? OTW_PROBE_YES : OTW_PROBE_NO;
    n = OTW_MIN(len - 11, sizeof(ck) - 1);
    if (memcmp(p + 11, ck, n) == 0)
        return n < sizeof(ck) - 1 ? OTW_PROBE_MORE : OTW_PROBE_YES;
    if (len < 15)
        return p[11] == NEG_REQ ? OTW_PROBE_MORE : OTW_PROBE_NO;
    return (p[11] == NEG_REQ && otw_le16(p + 13) == 8) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static int rdp_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    if (dir != OTW_DIR_TO_SERVER)
        return OTW_PROBE_NO;
    return otw_rdp_probe_bytes(p, len, fi != NULL && fi->dport == 3389);
}

static ssize_t rdp_parse(void *state, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    return otw_rdp_parse(state, a, dir, p, len);
}

static void rdp_free(void *state)
{
    otw_rdp_release(state);
}

static const uint16_t rdp_ports[] = {3389, 0};

const struct otw_parser otw_parser_rdp = {
    .name = "rdp",
    .desc = "Remote Desktop Protocol (X.224 negotiation, TLS, MCS client data)",
    .transports = OTW_PT_TCP,
    .ports = rdp_ports,
    .probe = rdp_probe,
    .state_size = sizeof(struct otw_rdp),
    .parse = rdp_parse,
    .gap = NULL,
    .finish = NULL,
    .free = rdp_free,
    .fields = otw_rdp_fields,
    .events = otw_rdp_events,
};

/* --- RDP-UDP ([MS-RDPEUDP]) ------------------------------------------------ */

/* RDPUDP_FEC_HEADER (2.2.2.1): snSourceAck(4) uReceiveWindowSize(2) uFlags(2),
 * then for SYN RDPUDP_SYNDATA_PAYLOAD (2.2.2.5): snInitialSequenceNumber(4)
 * uUpStreamMtu(2) uDownStreamMtu(2), each MTU 1132..1232. */
static int rdpeudp_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    uint16_t up, down;

    if (dir != OTW_DIR_TO_SERVER || len < 16)
        return OTW_PROBE_NO;
    if (otw_be32(p) != 0xffffffffu || (otw_be16(p + 6) & 0x0001) == 0)
        return OTW_PROBE_NO;
    up = otw_be16(p + 12);
    down = otw_be16(p + 14);
    return (up >= 1132 && up <= 1232 && down >= 1132 && down <= 1232) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static ssize_t rdpeudp_parse(void *state, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    return (ssize_t)len;
}

static const struct otw_pfield rdpeudp_fields[] = {{NULL, 0, NULL}};
static const char *const rdpeudp_events[] = {NULL};

const struct otw_parser otw_parser_rdpeudp = {
    .name = "rdpeudp",
    .desc = "RDP UDP transport (MS-RDPEUDP), identified only",
    .transports = OTW_PT_UDP,
    .ports = rdp_ports,
    .probe = rdpeudp_probe,
    .state_size = sizeof(int),  /* unused; never zero-sized */
    .parse = rdpeudp_parse,
    .fields = rdpeudp_fields,
    .events = rdpeudp_events,
};
