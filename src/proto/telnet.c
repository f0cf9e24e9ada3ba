/*
 * telnet.c - Telnet (RFC 854, option negotiation RFC 855) on TCP/23.
 *
 * Proto stage: a byte-wise state machine per direction that strips the
 * IAC commands and keeps no buffer: every call consumes all its bytes.
 * The server's text is watched for a "login:" / "username:" prompt; the
 * next line the client types is the user name (telnet.user). What follows
 * "password:" is never looked at.
 *
 *   IAC (255) WILL/WONT/DO/DONT (251-254) option   negotiation, 3 bytes
 *   IAC SB (250) option ... IAC SE (240)           subnegotiation
 *   IAC IAC                                        a data byte 255
 *   IAC cmd (241-249)                              other commands, 2 bytes
 *
 * Counting: telnet.option once per negotiation command (either
 * direction), telnet.user once per login prompt answered.
 */
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define TN_IAC 255
#define TN_SB 250
#define TN_SE 240
#define TN_USER_MAX 64
#define TN_SB_MAX 4096          /* a subnegotiation longer than this is garbage */

enum { T_DATA = 0, T_IAC, T_OPT, T_SB, T_SB_IAC };

struct tn_dir {
    uint8_t st;
    uint16_t sb_len;
};

struct tn_state {
    struct tn_dir d[2];
    char tail[12];          /* last printable server bytes, lower-cased, for the prompt */
    uint8_t ntail;
    uint8_t want_user;      /* a login prompt was seen */
    char user[TN_USER_MAX];
    uint8_t nuser;
};

static const uint16_t tn_ports[] = {23, 0};

/* Option names: IANA telnet-options registry. */
static const struct otw_tok tn_opts[] = {
    {0, "binary"}, {1, "echo"}, {3, "suppress_go_ahead"}, {5, "status"}, {6, "timing_mark"},
    {24, "terminal_type"}, {31, "naws"}, {32, "terminal_speed"}, {33, "remote_flow_control"},
    {34, "linemode"}, {35, "x_display_location"}, {36, "environ"}, {37, "authentication"},
    {38, "encrypt"}, {39, "new_environ"}, {0, NULL},
};

/* Starts with IAC and a negotiation or subnegotiation command. */
static int tn_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    if (p[0] != TN_IAC)
        return OTW_PROBE_NO;
    if (len < 3)
        return OTW_PROBE_MORE;
    if (p[1] >= 251 || p[1] == TN_SB)
        return OTW_PROBE_YES;
    return OTW_PROBE_NO;
}

static int ends_with(const struct tn_state *st, const char *w, size_t k)
{
    return st->ntail >= k && memcmp(st->tail + st->ntail - k, w, k) == 0;
}

/* A byte of server text. */
static void server_char(struct tn_state *st, uint8_t ch)
{
    if (ch == ' ' || ch == '\t')
        return;                 /* "login: " ends in a space */
    if (ch < 0x20 || ch >= 0x7F) {
        if (ch == '\r' || ch == '\n')
            st->ntail = 0;
        return;
    }
    if (ch >= 'A' && ch <= 'Z')
        ch = (uint8_t)(ch + 32);
    if (st->ntail == sizeof(st->tail)) {
        memmove(st->tail, st->tail + 1, sizeof(st->tail) - 1);
        st->ntail--;
    }
    st->tail[st->ntail++] = (char)ch;
    if (ends_with(st, "login:", 6) || ends_with(st, "username:", 9)) {
        st->want_user = 1;
        st->nuser = 0;
    } else if (ends_with(st, "password:", 9)) {
        st->want_user = 0;
        st->nuser = 0;
    }
}

/* A byte the client typed. */
static void client_char(struct tn_state *st, struct otw_app *app, uint8_t ch)
{
    if (!st->want_user)
        return;
    if (ch == '\r' || ch == '\n' || ch == 0) {
        if (st->nuser) {
            otw_app_str(app, "telnet.user", st->user, st->nuser);
            st->want_user = 0;
            st->nuser = 0;
        }
        return;
    }
    if (ch == 8 || ch == 127) {         /* backspace, delete */
        if (st->nuser)
            st->nuser--;
        return;
    }
    if (st->nuser < TN_USER_MAX)
        st->user[st->nuser++] = (char)ch;
}

static ssize_t tn_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct tn_state *st = state;
    struct tn_dir *d = &st->d[dir];

    for (size_t i = 0; i < len; i++) {
        uint8_t b = p[i];

        switch (d->st) {
        case T_DATA:
            if (b == TN_IAC) {
                d->st = T_IAC;
                break;
            }
data:
            if (dir == OTW_DIR_TO_CLIENT)
                server_char(st, b);
            else
                client_char(st, app, b);
            break;
        case T_IAC:
            if (b == TN_IAC) {
                d->st = T_DATA;
                goto data;
            }
            if (b >= 251)
                d->st = T_OPT;
            else if (b == TN_SB) {
                d->st = T_SB;
                d->sb_len = 0;
            } else {
                if (b < TN_SE)
                    otw_app_event(app, "telnet.bad_command");
                d->st = T_DATA;
            }
            break;
        case T_OPT:
            otw_app_strz(app, "telnet.option", otw_tok_str(tn_opts, b, "other"));
            d->st = T_DATA;
            break;
        case T_SB:
        case T_SB_IAC:
            if (d->st == T_SB_IAC) {
                d->st = b == TN_SE ? T_DATA : T_SB;
                break;
            }
            if (b == TN_IAC)
                d->st = T_SB_IAC;
            else if (++d->sb_len > TN_SB_MAX) {
                otw_app_event(app, "telnet.sb_too_long");
                d->st = T_DATA;
            }
            break;
        default:
            d->st = T_DATA;
            break;
        }
    }
    return (ssize_t)len;
}

static void tn_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct tn_state *st = state;

    st->d[dir].st = T_DATA;
    if (dir == OTW_DIR_TO_SERVER)
        st->nuser = 0, st->want_user = 0;
    else
        st->ntail = 0;
}

static const struct otw_pfield tn_fields[] = {
    {"telnet.option", OTW_PF_STR, "option negotiated (WILL/WONT/DO/DONT): echo, terminal_type, naws ..."},
    {"telnet.user", OTW_PF_STR, "user name typed after a login: prompt"},
    {NULL, 0, NULL},
};

static const char *const tn_events[] = {"telnet.bad_command", "telnet.sb_too_long", NULL};

const struct otw_parser otw_parser_telnet = {
    .name = "telnet",
    .desc = "Telnet",
    .transports = OTW_PT_TCP,
    .ports = tn_ports,
    .probe = tn_probe,
    .state_size = sizeof(struct tn_state),
    .parse = tn_parse,
    .gap = tn_gap,
    .fields = tn_fields,
    .events = tn_events,
};
