/*
 * socks5.c - SOCKS version 5 (RFC 1928) with username/password
 * authentication (RFC 1929), and what runs inside the tunnel when it is
 * RDP or TLS. The talk's chains forward RDP through a tunnel (MISSION.md
 * point 12); the tunnel's target is the peer that really matters.
 *
 *   client greeting:  VER=5 | NMETHODS | METHODS[NMETHODS]
 *   server choice:    VER=5 | METHOD   (0x00 none, 0x02 user/password, 0xFF none acceptable)
 *   [RFC 1929]        VER=1 | ULEN | UNAME | PLEN | PASSWD  ->  VER=1 | STATUS
 *   client request:   VER=5 | CMD | RSV=0 | ATYP | DST.ADDR | DST.PORT(2)
 *   server reply:     VER=5 | REP | RSV=0 | ATYP | BND.ADDR | BND.PORT(2)
 *   ATYP 1: IPv4 (4), 3: domain name (1-byte length + name), 4: IPv6 (16)
 *
 * Recorded once per message: socks.target ("host:port", CONNECT/BIND/UDP
 * request), socks.command, socks.user (RFC 1929 user name; the password
 * is never recorded), socks.reply (server reply code name). After a
 * successful reply the tunnelled bytes are offered to the RDP and TLS
 * readers (rdp.h, tls.h): when the client's first bytes are RDP or TLS,
 * "rdp" or "tls" is added to the session's protocols and their fields are
 * recorded; anything else in the tunnel is skipped.
 */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "proto/app.h"
#include "proto/rdp.h"

static const char EV_BAD_MESSAGE[] = "socks.bad_message";

static const char F_TARGET[] = "socks.target";
static const char F_COMMAND[] = "socks.command";
static const char F_USER[] = "socks.user";
static const char F_REPLY[] = "socks.reply";

static const struct otw_pfield socks_fields[] = {
    {F_TARGET, OTW_PF_STR, "host:port the client asked the proxy to reach"},
    {F_COMMAND, OTW_PF_STR, "request command: connect, bind, udp_associate"},
    {F_USER, OTW_PF_STR, "user name of RFC 1929 authentication"},
    {F_REPLY, OTW_PF_STR, "server reply: succeeded, connection_refused, ..."},
    OTW_RDP_FIELD_ROWS
    OTW_TLS_FIELD_ROWS
    {NULL, 0, NULL},
};

static const char *const socks_events[] = {
    EV_BAD_MESSAGE, OTW_RDP_EVENT_ROWS OTW_TLS_EVENT_ROWS NULL,
};

static const struct otw_tok cmd_names[] = {
    {1, "connect"}, {2, "bind"}, {3, "udp_associate"}, {0, NULL},
};

static const struct otw_tok reply_names[] = {
    {0, "succeeded"}, {1, "general_failure"}, {2, "not_allowed"}, {3, "network_unreachable"},
    {4, "host_unreachable"}, {5, "connection_refused"}, {6, "ttl_expired"},
    {7, "command_not_supported"}, {8, "address_type_not_supported"}, {0, NULL},
};

/* Per direction: what the next bytes are. */
enum { ST_GREETING = 0, ST_AUTH, ST_REQUEST, ST_TUNNEL, ST_SKIP };
enum { INNER_UNKNOWN = 0, INNER_RDP, INNER_TLS, INNER_OTHER };

struct socks_state {
    uint8_t st[2];
    uint8_t method;         /* the server's choice */
    uint8_t inner;
    struct otw_rdp rdp;     /* also holds the TLS reader used for plain TLS */
};

static int socks_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    size_t n;

    if (dir != OTW_DIR_TO_SERVER || p[0] != 5)
        return OTW_PROBE_NO;
    if (len < 2)
        return OTW_PROBE_MORE;
    n = p[1];
    if (n == 0 || n > 16)
        return OTW_PROBE_NO;
    if (len < 2 + n)
        return OTW_PROBE_MORE;
    for (size_t i = 0; i < n; i++)
        if (p[2 + i] == 0xff)
            return OTW_PROBE_NO;
    /* The greeting alone, or pipelined with the request (VER 5 again). */
    return (len == 2 + n || p[2 + n] == 5) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

/* ATYP + address + port; returns bytes used, 0 if incomplete, -1 if bad. */
static ssize_t address(struct otw_app *a, const uint8_t *p, size_t len, int record)
{
    char out[300];
    size_t alen;
    int n;

    if (len < 1)
        return 0;
    switch (p[0]) {
    case 1: alen = 4; break;
    case 4: alen = 16; break;
    case 3:
        if (len < 2)
            return 0;
        alen = 1u + p[1];
        break;
    default:
        return -1;
    }
    if (len < 1 + alen + 2)
        return 0;
    if (record) {
        uint16_t port = otw_be16(p + 1 + alen);
        if (p[0] == 1) {
            n = snprintf(out, sizeof(out), "%u.%u.%u.%u:%u", p[1], p[2], p[3], p[4], port);
        } else if (p[0] == 3) {
            n = snprintf(out, sizeof(out), "%.*s:%u", (int)p[1], (const char *)p + 2, port);
        } else {
            n = 0;
            out[n++] = '[';
            for (int i = 0; i < 8; i++)
                n += snprintf(out + n, sizeof(out) - (size_t)n, "%s%x", i ? ":" : "", otw_be16(p + 1 + 2 * i));
            n += snprintf(out + n, sizeof(out) - (size_t)n, "]:%u", port);
        }
        if (n > 0)
            otw_app_str(a, F_TARGET, out, OTW_MIN((size_t)n, sizeof(out) - 1));
    }
    return (ssize_t)(1 + alen + 2);
}

static ssize_t tunnel(struct socks_state *s, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    if (s->inner == INNER_UNKNOWN) {
        if (dir != OTW_DIR_TO_SERVER)
            return (ssize_t)len;    /* decide on the client's first bytes */
        int rp, tp;
        if (len == 0)
            return 0;
        rp = otw_rdp_probe_bytes(p, len, 1);
        tp = otw_tls_probe_bytes(p, len);
        if (rp == OTW_PROBE_YES) {
            s->inner = INNER_RDP;
            otw_app_protocol(a, "rdp");
        } else if (tp == OTW_PROBE_YES) {
            s->inner = INNER_TLS;
            otw_app_protocol(a, "tls");
        } else if ((rp == OTW_PROBE_NO && tp == OTW_PROBE_NO) || len >= OTW_PROBE_BYTES) {
            s->inner = INNER_OTHER;
        } else {
            return 0;
        }
    }
    if (s->inner == INNER_RDP) {
        ssize_t n = otw_rdp_parse(&s->rdp, a, dir, p, len);
        if (n < 0)
            s->inner = INNER_OTHER;
        return n < 0 ? (ssize_t)len : n;
    }
    if (s->inner == INNER_TLS) {
        ssize_t n = otw_tls_parse(&s->rdp.tls, a, dir, p, len);
        if (n < 0)
            s->inner = INNER_OTHER;
        return n < 0 ? (ssize_t)len : n;
    }
    return (ssize_t)len;
}

static ssize_t socks_parse(void *state, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    struct socks_state *s = state;
    size_t off = 0;

    dir &= 1;
    while (off < len) {
        const uint8_t *q = p + off;
        size_t left = len - off;
        ssize_t n;
        switch (s->st[dir]) {
        case ST_GREETING:
            if (left < 2)
                return (ssize_t)off;
            if (q[0] != 5)
                goto bad;
            if (dir == OTW_DIR_TO_SERVER) {
                if (left < 2u + q[1])
                    return (ssize_t)off;
                off += 2u + q[1];
                s->st[dir] = ST_REQUEST;    /* or ST_AUTH once the server chose 0x02 */
                if (s->method == 2)
                    s->st[dir] = ST_AUTH;
            } else {
                s->method = q[1];
                off += 2;
                s->st[dir] = q[1] == 0xff ? ST_SKIP : (q[1] == 2 ? ST_AUTH : ST_REQUEST);
                if (q[1] == 2 && s->st[OTW_DIR_TO_SERVER] == ST_REQUEST)
                    s->st[OTW_DIR_TO_SERVER] = ST_AUTH;
            }
            break;
        case ST_AUTH:
            if (dir == OTW_DIR_TO_SERVER) {
                size_t ul, pl;
                if (left < 2)
                    return (ssize_t)off;
                if (q[0] != 1)
                    goto bad;
                ul = q[1];
                if (left < 3 + ul)
                    return (ssize_t)off;
                pl = q[2 + ul];
                if (left < 3 + ul + pl)
                    return (ssize_t)off;
                if (ul > 0)
                    otw_app_str(a, F_USER, (const char *)q + 2, ul);
                off += 3 + ul + pl;
            } else {
                if (left < 2)
                    return (ssize_t)off;
                if (q[0] != 1)
                    goto bad;
                off += 2;
            }
            s->st[dir] = ST_REQUEST;
            break;
        case ST_REQUEST:
            if (left < 4)
                return (ssize_t)off;
            if (q[0] != 5 || q[2] != 0)
                goto bad;
            n = address(a, q + 3, left - 3, dir == OTW_DIR_TO_SERVER);
            if (n < 0)
                goto bad;
            if (n == 0)
                return (ssize_t)off;
            if (dir == OTW_DIR_TO_SERVER) {
                otw_app_strz(a, F_COMMAND, otw_tok_str(cmd_names, q[1], "unknown"));
            } else {
                otw_app_strz(a, F_REPLY, otw_tok_str(reply_names, q[1], "unknown"));
                if (q[1] != 0)
                    s->st[OTW_DIR_TO_SERVER] = ST_SKIP;
            }
            off += 3 + (size_t)n;
            s->st[dir] = (dir == OTW_DIR_TO_CLIENT && q[1] != 0) ? ST_SKIP : ST_TUNNEL;
            break;
        case ST_TUNNEL:
            n = tunnel(s, a, dir, q, left);
            return (ssize_t)off + n;
        default:
            return (ssize_t)len;
        }
    }
    return (ssize_t)off;
bad:
    otw_app_event(a, EV_BAD_MESSAGE);
    return -1;
}

static void socks_free(void *state)
{
    struct socks_state *s = state;
    otw_rdp_release(&s->rdp);
}

static const uint16_t socks_ports[] = {1080, 0};

const struct otw_parser otw_parser_socks5 = {
    .name = "socks5",
    .desc = "SOCKS5 proxy (RFC 1928/1929), with RDP or TLS inside",
    .transports = OTW_PT_TCP,
    .ports = socks_ports,
    .probe = socks_probe,
    .state_size = sizeof(struct socks_state),
    .parse = socks_parse,
    .gap = NULL,
    .finish = NULL,
    .free = socks_free,
    .fields = socks_fields,
    .events = socks_events,
};
