/*
 * ftp.c - FTP control connection (RFC 959, RFC 2228 AUTH, RFC 2389 FEAT).
 *
 * Proto stage: line-oriented in both directions. Commands are
 * "VERB [SP args] CRLF" (to-server), replies "ddd SP text CRLF", or a
 * multi-line reply "ddd-text ... ddd SP text" (to-client, RFC 959
 * section 4.2). The user name of USER is kept; the argument of PASS is
 * never looked at. After "AUTH TLS" is accepted (234) the channel is TLS
 * and the rest is skipped.
 *
 * Counting: ftp.command once per command line (to-server), ftp.user
 * once per USER, ftp.reply once per complete reply (to-client; a
 * multi-line reply counts once, at its last line).
 */
#include <string.h>
#include <strings.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define FTP_LINE_MAX 2048   /* longer lines are garbage: skipped to the next LF */
#define FTP_USER_MAX 64

struct ftp_state {
    uint8_t skip_line[2];   /* inside an overlong line: skip to LF */
    uint8_t opaque;         /* TLS after AUTH: stop parsing */
    uint8_t auth_sent;
    int multi;              /* code of an open multi-line reply, 0 if none */
};

static const uint16_t ftp_ports[] = {21, 0};

/* RFC 959 section 4.1, RFC 2228, RFC 2389, RFC 2428, RFC 3659. */
static const char *const ftp_cmds[] = {
    "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "QUIT", "REIN", "PORT", "PASV", "TYPE",
    "STRU", "MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR",
    "DELE", "RMD", "MKD", "PWD", "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP",
    "AUTH", "ADAT", "PROT", "PBSZ", "CCC", "MIC", "CONF", "ENC", "FEAT", "OPTS", "EPRT",
    "EPSV", "MDTM", "SIZE", "MLST", "MLSD", "LANG", "XPWD", "XCWD", "XMKD", "XRMD", "HOST",
    NULL,
};

static int ftp_verb(const uint8_t *p, size_t n, size_t *vlen)
{
    size_t i;

    for (i = 0; i < n && i < 5; i++) {
        uint8_t ch = p[i] & 0xDF;  /* upper-case */
        if (ch < 'A' || ch > 'Z')
            break;
    }
    if (i < 3 || i > 4 || (i < n && p[i] != ' ' && p[i] != '\r' && p[i] != '\n'))
        return -1;
    for (int k = 0; ftp_cmds[k]; k++)
        if (strlen(ftp_cmds[k]) == i && strncasecmp((const char *)p, ftp_cmds[k], i) == 0) {
            *vlen = i;
            return k;
        }
    return -1;
}

static int is_reply(const uint8_t *p, size_t len)
{
    return len >= 4 && p[0] >= '1' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
           p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-');
}

static int has_word(const uint8_t *p, size_t n, const char *w)
{
    size_t k = strlen(w);

    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp((const char *)p + i, w, k) == 0)
            return 1;
    return 0;
}

/*
 * To-server (the greeting was missed): a command that opens a session
 * (USER, AUTH, FEAT, SYST, OPTS) on a complete line, to port 21 only
 * (POP3 and others also say USER). To-client: a 220 greeting that says
 * FTP (or any 220 greeting on port 21) and not SMTP.
 */
static int ftp_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    const uint8_t *nl = memchr(p, '\n', len);
    size_t n = nl ? (size_t)(nl - p) : len, vlen;

    if (dir == OTW_DIR_TO_SERVER) {
        int k;
        if (len < 4)
            return OTW_PROBE_MORE;
        k = ftp_verb(p, n, &vlen);
        if (k < 0)
            return OTW_PROBE_NO;
        if (!nl)
            return len < OTW_PROBE_BYTES ? OTW_PROBE_MORE : OTW_PROBE_NO;
        if (strcmp(ftp_cmds[k], "USER") == 0 || strcmp(ftp_cmds[k], "AUTH") == 0 ||
            strcmp(ftp_cmds[k], "FEAT") == 0 || strcmp(ftp_cmds[k], "SYST") == 0 ||
            strcmp(ftp_cmds[k], "OPTS") == 0)
            return fi->dport == 21 ? OTW_PROBE_YES : OTW_PROBE_NO;
        return OTW_PROBE_NO;
    }
    if (len < 4)
        return memcmp(p, "220-", len) == 0 || memcmp(p, "220 ", len) == 0 ? OTW_PROBE_MORE
                                                                          : OTW_PROBE_NO;
    if (memcmp(p, "220", 3) != 0 || (p[3] != ' ' && p[3] != '-'))
        return OTW_PROBE_NO;
    if (!nl)
        return len < OTW_PROBE_BYTES ? OTW_PROBE_MORE : OTW_PROBE_NO;
    /* A multi-line greeting: look at all of it (up to the "220 " line). */
    if (p[3] == '-') {
        size_t i;
        for (i = 0; i + 4 < len; i++)
            if (p[i] == '\n' && memcmp(p + i + 1, "220 ", 4) == 0)
                break;
        if (i + 4 >= len)
            return len < OTW_PROBE_BYTES ? OTW_PROBE_MORE : OTW_PROBE_NO;
        nl = memchr(p + i + 1, '\n', len - i - 1);
        if (nl == NULL)
            return len < OTW_PROBE_BYTES ? OTW_PROBE_MORE : OTW_PROBE_NO;
        n = (size_t)(nl - p);
    }
    if (has_word(p, n, "SMTP"))
        return OTW_PROBE_NO;
    if (has_word(p, n, "FTP") || fi->sport == 21 || fi->dport == 21)
        return OTW_PROBE_YES;
    return OTW_PROBE_NO;
}

static void ftp_command(struct ftp_state *st, struct otw_app *app, const uint8_t *l, size_t n)
{
    size_t vlen = 0;
    int k = ftp_verb(l, n, &vlen);

    if (k < 0) {
        otw_app_event(app, "ftp.unknown_command");
        return;
    }
    otw_app_strz(app, "ftp.command", ftp_cmds[k]);
    if (strcmp(ftp_cmds[k], "USER") == 0 && n > vlen + 1)
        otw_app_str(app, "ftp.user", (const char *)l + vlen + 1,
                    OTW_MIN(n - vlen - 1, (size_t)FTP_USER_MAX));
    else if (strcmp(ftp_cmds[k], "AUTH") == 0)
        st->auth_sent = 1;
}

static void ftp_reply(struct ftp_state *st, struct otw_app *app, const uint8_t *l, size_t n)
{
    int code;

    if (!is_reply(l, n)) {
        if (st->multi == 0)
            otw_app_event(app, "ftp.bad_reply");
        return;                 /* text inside a multi-line reply */
    }
    code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
    if (l[3] == '-') {
        if (st->multi == 0)
            st->multi = code;
        return;
    }
    if (st->multi && code != st->multi)
        return;                 /* "ddd " inside a multi-line reply of another code */
    st->multi = 0;
    otw_app_int(app, "ftp.reply", code);
    if (code == 234 && st->auth_sent) {
        st->opaque = 1;
        otw_app_protocol(app, "tls");
    }
}

static ssize_t ftp_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct ftp_state *st = state;
    size_t off = 0;

    while (off < len && !st->opaque) {
        const uint8_t *l = p + off, *nl = memchr(l, '\n', len - off);
        size_t n;

        if (nl == NULL) {
            if (len - off < FTP_LINE_MAX)
                return (ssize_t)off;
            if (!st->skip_line[dir])
                otw_app_event(app, "ftp.line_too_long");
            st->skip_line[dir] = 1;
            return (ssize_t)len;
        }
        n = (size_t)(nl - l);
        off += n + 1;
        if (st->skip_line[dir]) {
            st->skip_line[dir] = 0;
            continue;
        }
        if (n > FTP_LINE_MAX) {
            otw_app_event(app, "ftp.line_too_long");
            continue;
        }
        if (n && l[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        if (dir == OTW_DIR_TO_SERVER)
            ftp_command(st, app, l, n);
        else
            ftp_reply(st, app, l, n);
    }
    return (ssize_t)len;
}

static void ftp_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct ftp_state *st = state;

    /* Resynchronise at the next line end. */
    st->skip_line[dir] = 1;
    if (dir == OTW_DIR_TO_CLIENT)
        st->multi = 0;
}

static const struct otw_pfield ftp_fields[] = {
    {"ftp.command", OTW_PF_STR, "command verb: USER, PASS, RETR, STOR, LIST ... (arguments of PASS never kept)"},
    {"ftp.user", OTW_PF_STR, "user name sent with USER"},
    {"ftp.reply", OTW_PF_INT, "reply code (a multi-line reply counts once)"},
    {NULL, 0, NULL},
};

static const char *const ftp_events[] = {
    "ftp.unknown_command", "ftp.bad_reply", "ftp.line_too_long", NULL,
};

const struct otw_parser otw_parser_ftp = {
    .name = "ftp",
    .desc = "FTP control channel",
    .transports = OTW_PT_TCP,
    .ports = ftp_ports,
    .probe = ftp_probe,
    .state_size = sizeof(struct ftp_state),
    .parse = ftp_parse,
    .gap = ftp_gap,
    .fields = ftp_fields,
    .events = ftp_events,
};
