/*
 * ssh.c - SSH version exchange, key exchange and an estimate of the
 * authentication outcome. SSH is the maintenance path into the control
 * network and the first thing an intruder tries (MISSION.md points 7, 11,
 * 12): who connected with what software, and did the password guessing
 * succeed.
 *
 * RFC 4253 4.2: each side sends one identification line
 *   "SSH-protoversion-softwareversion SP comments CR LF" (<= 255 bytes);
 * a server may send other lines first (skipped, at most SSH_PRE_LINES).
 * RFC 4253 6: then binary packets, in the clear until NEWKEYS:
 *
 *   +--------+--------+--------+--------+--------+--------+-------------
 *   | packet_length (4, excl. itself)   | pad_len| msg    | payload ...
 *   +--------+--------+--------+--------+--------+--------+-------------
 *
 *   KEXINIT (20, RFC 4253 7.1): cookie(16), name-lists kex_algorithms,
 *   server_host_key_algorithms, ... The negotiated algorithm is the first
 *   one on the client's list that the server also lists (7.1).
 *   NEWKEYS (21): everything after it in that direction is encrypted.
 *   30, 32, 34 are sent by the client, 31, 33 by the server (KEXDH/ECDH and
 *   DH group exchange, RFC 4253 8, RFC 4419 3, RFC 5656 4): if the TCP
 *   responder sends 30, the roles are reversed (reverse SSH tunnels), and
 *   event ssh.reversed_roles is raised; client/server below follow the SSH
 *   roles, not the TCP ones.
 *
 * Authentication estimate (after Zeek's SSH analyzer, which does the same
 * from packet sizes): after the server's NEWKEYS, each server payload chunk
 * that answers a client chunk (request/response pairing skips unsolicited
 * server packets such as EXT_INFO) is classified by size:
 *   1st: SERVICE_ACCEPT;
 *   2nd: the answer to the first USERAUTH_REQUEST, almost always a
 *        USERAUTH_FAILURE to method "none" listing the methods; its size is
 *        the failure size;
 *   later: == failure size -> another failure; < failure size ->
 *        USERAUTH_SUCCESS (no payload, RFC 4252 5.1), decision made;
 *        > failure size (PK_OK, INFO_REQUEST, banner) -> not counted.
 * finish() records ssh.auth = success, or failure if a failure came after
 * the "none" probe, else unknown; ssh.auth_attempts = failures + success.
 * A chunk is one delivery of reassembled bytes, normally one TCP segment.
 *
 * Recorded once per session: ssh.client, ssh.server, ssh.kex and
 * ssh.host_key_alg as soon as the roles are known (the first key exchange
 * message after both KEXINITs), or when the parser gives up, or at the end;
 * ssh.auth and ssh.auth_attempts in finish(), at the end of the session.
 * SSH-1 (protoversion 1.x other than 1.99) is identified, not parsed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "proto/app.h"
#include "proto/proto.h"

#define SSH_BANNER_MAX 255
#define SSH_PRE_LINES 16        /* lines a server may send before its identification */
#define SSH_PKT_MAX (OTW_PROTO_BUF_MAX - 4)
#define SSH_LIST_MAX 1024       /* name-list bytes kept per side */

enum { MSG_KEXINIT = 20, MSG_NEWKEYS = 21 };

static const char EV_BAD_BANNER[] = "ssh.bad_banner";
static const char EV_BAD_LENGTH[] = "ssh.bad_length";
static const char EV_BAD_KEXINIT[] = "ssh.bad_kexinit";
static const char EV_REVERSED[] = "ssh.reversed_roles";

static const char F_CLIENT[] = "ssh.client";
static const char F_SERVER[] = "ssh.server";
static const char F_KEX[] = "ssh.kex";
static const char F_HOSTKEY[] = "ssh.host_key_alg";
static const char F_AUTH[] = "ssh.auth";
static const char F_ATTEMPTS[] = "ssh.auth_attempts";

static const struct otw_pfield ssh_fields[] = {
    {F_CLIENT, OTW_PF_STR, "client identification line (SSH-2.0-OpenSSH_8.9p1 ...)"},
    {F_SERVER, OTW_PF_STR, "server identification line"},
    {F_KEX, OTW_PF_STR, "negotiated key exchange algorithm"},
    {F_HOSTKEY, OTW_PF_STR, "negotiated server host key algorithm"},
    {F_AUTH, OTW_PF_STR, "estimated authentication outcome: success, failure, unknown"},
    {F_ATTEMPTS, OTW_PF_INT, "estimated authentication attempts (incl. the 'none' probe)"},
    {NULL, 0, NULL},
};

static const char *const ssh_events[] = {
    EV_BAD_BANNER, EV_BAD_LENGTH, EV_BAD_KEXINIT, EV_REVERSED, NULL,
};

struct ssh_side {
    char banner[SSH_BANNER_MAX + 1];
    char kex[SSH_LIST_MAX], hostkey[SSH_LIST_MAX / 2];
    uint16_t banner_len, kex_len, hostkey_len;
    uint8_t banner_done, lines, kexinit, newkeys;
};

struct ssh_state {
    struct ssh_side s[2];       /* by TCP direction */
    uint8_t ssh1, reversed, roles_known, decided, success, emitted;
    uint8_t client_pending;     /* a client chunk since the last counted server chunk */
    uint8_t nresp;              /* server responses counted */
    uint32_t accept_size, fail_size, failures;
};

static int ssh_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    static const char pre[] = "SSH-";
    size_t n = OTW_MIN(len, (size_t)4);

    if (memcmp(p, pre, n) != 0)
        return OTW_PROBE_NO;
    if (len < 6)
        return OTW_PROBE_MORE;
    /* "SSH-" digit "." */
    return (p[4] >= '1' && p[4] <= '2' && p[5] == '.') ? OTW_PROBE_YES : OTW_PROBE_NO;
}

/* Copies a name-list (uint32 length + ASCII) into dst, capped. */
static int name_list(struct otw_cur *c, char *dst, uint16_t *dlen, size_t cap)
{
    uint32_t n = otw_cur_be32(c);
    const uint8_t *s = otw_cur_ptr(c, n);

    if (s == NULL)
        return -1;
    if (n >= cap)
        n = (uint32_t)cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    *dlen = (uint16_t)n;
    return 0;
}

static void kexinit(struct ssh_state *st, struct otw_app *a, int dir, const uint8_t *pl, size_t len)
{
    struct ssh_side *sd = &st->s[dir];
    struct otw_cur c;

    otw_cur_init(&c, pl, len);
    otw_cur_skip(&c, 1 + 16);   /* msg, cookie */
    if (name_list(&c, sd->kex, &sd->kex_len, sizeof(sd->kex)) < 0 ||
        name_list(&c, sd->hostkey, &sd->hostkey_len, sizeof(sd->hostkey)) < 0) {
        otw_app_event(a, EV_BAD_KEXINIT);
        return;
    }
    sd->kexinit = 1;
}

/* The SSH server's TCP direction index (the side sending server messages). */
static int server_side(const struct ssh_state *st)
{
    return st->reversed ? OTW_DIR_TO_SERVER : OTW_DIR_TO_CLIENT;
}

static void encrypted_chunk(struct ssh_state *st, int dir, size_t n)
{
    if (st->decided || n == 0)
        return;
    if (dir != server_side(st)) {
        st->client_pending = 1;
        return;
    }
    if (!st->client_pending || !st->s[dir ^ 1].newkeys)
        return;
    st->client_pending = 0;
    if (st->nresp == 0)
        st->accept_size = (uint32_t)n;
    else if (st->nresp == 1) {
        st->fail_size = (uint32_t)n;
        st->failures++;
    } else if (n == st->fail_size)
        st->failures++;
    else if (n < st->fail_size) {
        st->success = 1;
        st->decided = 1;
    }
    if (st->nresp < 255)
        st->nresp++;
}

/* One identification line (or a pre-identification line from the server).
 * Returns bytes consumed, 0 for "need more", -1 to detach. */
static ssize_t banner(struct ssh_state *st, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    struct ssh_side *sd = &st->s[dir];
    const uint8_t *nl = memchr(p, '\n', OTW_MIN(len, (size_t)SSH_BANNER_MAX + 1));
    size_t ll;

    if (nl == NULL) {
        if (len > SSH_BANNER_MAX) {
            otw_app_event(a, EV_BAD_BANNER);
            return -1;
        }
        return 0;
    }
    ll = (size_t)(nl - p);
    if (ll < 4 || memcmp(p, "SSH-", 4) != 0) {
        /* RFC 4253 4.2: the server may send other lines first; a client may not. */
        if (++sd->lines > SSH_PRE_LINES || dir == OTW_DIR_TO_SERVER) {
            otw_app_event(a, EV_BAD_BANNER);
            return -1;
        }
        return (ssize_t)ll + 1;
    }
    sd->banner_len = (uint16_t)(ll > 0 && p[ll - 1] == '\r' ? ll - 1 : ll);
    memcpy(sd->banner, p, sd->banner_len);
    sd->banner[sd->banner_len] = '\0';
    sd->banner_done = 1;
    if (sd->banner_len >= 8 && sd->banner[4] == '1' && memcmp(sd->banner + 4, "1.99", 4) != 0)
        st->ssh1 = 1;
    return (ssize_t)ll + 1;
}

static void emit_ids(struct ssh_state *st, struct otw_app *a);

static ssize_t ssh_parse(void *state, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    struct ssh_state *st = state;
    struct ssh_side *sd;
    size_t off = 0;

    dir &= 1;
    sd = &st->s[dir];
    while (!sd->banner_done) {
        ssize_t n = banner(st, a, dir, p + off, len - off);
        if (n <= 0)
            return n < 0 ? -1 : (ssize_t)off;
        off += (size_t)n;
    }
    if (st->ssh1) {
        if (st->s[0].banner_done && st->s[1].banner_done)
            emit_ids(st, a);
        return (ssize_t)len;
    }
    while (!sd->newkeys && len - off >= 6) {
        uint32_t plen = otw_be32(p + off);
        uint8_t msg = p[off + 5];
        if (plen < 2 || plen > SSH_PKT_MAX || p[off + 4] >= plen) {
            otw_app_event(a, EV_BAD_LENGTH);
            emit_ids(st, a);
            return -1;
        }
        if (len - off - 4 < plen)
            return (ssize_t)off;
        if (msg == MSG_KEXINIT)
            kexinit(st, a, dir, p + off + 5, plen - 1u - p[off + 4]);
        else if (msg == MSG_NEWKEYS)
            sd->newkeys = 1;
        else if (msg >= 30 && msg <= 34 && !st->roles_known) {
            int client_msg = (msg & 1) == 0;
            st->roles_known = 1;
            if (client_msg == (dir == OTW_DIR_TO_CLIENT)) {
                st->reversed = 1;
                otw_app_event(a, EV_REVERSED);
            }
            emit_ids(st, a);
        }
        off += 4u + plen;
    }
    if (sd->newkeys) {
        encrypted_chunk(st, dir, len - off);
        return (ssize_t)len;
    }
    return (ssize_t)off;
}

static void ssh_gap(void *state, struct otw_app *a, int dir, size_t lost)
{
    struct ssh_state *st = state;

    /* Once encrypted, only sizes matter; before that a gap loses framing. */
    if (!st->s[dir & 1].newkeys && !st->ssh1) {
        st->s[dir & 1].newkeys = 1;
        st->decided = 1;
    }
}

/* First name on `cl` (comma-separated) that is also on `sv`. */
static void negotiated(struct otw_app *a, const char *field, const char *cl, const char *sv)
{
    const char *p = cl;

    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *q = sv;
        while (*q) {
            const char *f = strchr(q, ',');
            size_t m = f ? (size_t)(f - q) : strlen(q);
            if (m == n && n > 0 && memcmp(p, q, n) == 0) {
                otw_app_str(a, field, p, n);
                return;
            }
            if (f == NULL)
                break;
            q = f + 1;
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
}

/* Identification and negotiated algorithms, once, as soon as the roles are
 * known (first key exchange message after the KEXINITs), else at finish. */
static void emit_ids(struct ssh_state *st, struct otw_app *a)
{
    const struct ssh_side *sv = &st->s[server_side(st)], *cl = &st->s[server_side(st) ^ 1];

    if (st->emitted)
        return;
    st->emitted = 1;
    if (cl->banner_done)
        otw_app_str(a, F_CLIENT, cl->banner, cl->banner_len);
    if (sv->banner_done)
        otw_app_str(a, F_SERVER, sv->banner, sv->banner_len);
    if (cl->kexinit && sv->kexinit) {
        negotiated(a, F_KEX, cl->kex, sv->kex);
        negotiated(a, F_HOSTKEY, cl->hostkey, sv->hostkey);
    }
}

static void ssh_finish(void *state, struct otw_app *a)
{
    struct ssh_state *st = state;
    const struct ssh_side *sv = &st->s[server_side(st)], *cl = &st->s[server_side(st) ^ 1];

    emit_ids(st, a);
    if (!cl->banner_done || !sv->banner_done)
        return;
    if (st->success)
        otw_app_strz(a, F_AUTH, "success");
    else if (st->failures >= 2)
        otw_app_strz(a, F_AUTH, "failure");
    else
        otw_app_strz(a, F_AUTH, "unknown");
    if (st->failures + st->success > 0)
        otw_app_int(a, F_ATTEMPTS, st->failures + st->success);
}

static const uint16_t ssh_ports[] = {22, 0};

const struct otw_parser otw_parser_ssh = {
    .name = "ssh",
    .desc = "Secure Shell (SSH-2; SSH-1 identified only)",
    .transports = OTW_PT_TCP,
    .ports = ssh_ports,
    .probe = ssh_probe,
    .state_size = sizeof(struct ssh_state),
    .parse = ssh_parse,
    .gap = ssh_gap,
    .finish = ssh_finish,
    .free = NULL,
    .fields = ssh_fields,
    .events = ssh_events,
};
