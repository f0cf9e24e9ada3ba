/*
 * smb.c - SMB1 and SMB2/3 over NetBIOS session service (TCP 139) or direct
 * TCP (445): commands, negotiated dialect, the NTLM identity of the user
 * who logged on, shares and file names. Lateral movement in the attack
 * chains (PrintNightmare, copying tools to the HMI) runs over SMB; "which
 * user from which workstation opened which share" is the question.
 *
 * Framing (RFC 1002 4.3.1; [MS-SMB2] 2.1 for direct TCP, whose 3-byte
 * length covers the NetBIOS flags byte):
 *
 *   +--------+--------+--------+--------+------------------------
 *   | type   | length (24 bits; 17 on NetBIOS) | SMB message ...
 *   +--------+--------+--------+--------+------------------------
 *   type 0x00 session message, 0x81 session request, 0x82 positive /
 *   0x83 negative response, 0x84 retarget, 0x85 keep-alive.
 *
 * SMB1 header ([MS-CIFS] 2.2.3.1), 32 bytes: 0xFF 'SMB', command(1),
 *   status(4), flags(1: 0x80 reply), flags2(2: 0x8000 Unicode), pid_high(2),
 *   signature(8), reserved(2), tid(2), pid(2), uid(2), mid(2); then
 *   word_count(1), words, byte_count(2), bytes.
 * SMB2 header ([MS-SMB2] 2.2.1), 64 bytes: 0xFE 'SMB', structure_size(2),
 *   credit_charge(2), status(4), command(2), credits(2), flags(4: bit 0
 *   response), next_command(4: compounded requests), message_id(8), ...
 * 0xFD 'SMB' is an SMB3 transform header (encrypted message, smb.encrypted).
 *
 * Recorded, once per message (each compounded SMB2 message counts):
 *   requests: smb.command (SMB1 header command, AndX followers not counted;
 *     SMB2 command), smb.share (SMB2 TREE_CONNECT 2.2.9, SMB1
 *     TREE_CONNECT_ANDX 2.2.4.55), smb.filename (SMB2 CREATE 2.2.13, SMB1
 *     NT_CREATE_ANDX 2.2.4.64; empty names skipped), and from an NTLMSSP
 *     AUTHENTICATE message found in a SESSION_SETUP security blob
 *     ([MS-NLMP] 2.2.1.3, inside SPNEGO/GSS-API; the "NTLMSSP\0" signature
 *     is searched for): smb.ntlm_user, smb.ntlm_domain, smb.ntlm_host
 *     (empty values skipped);
 *   responses: smb.dialect (NEGOTIATE: SMB2 DialectRevision, or the SMB1
 *     dialect string the server picked by index), smb.auth (SESSION_SETUP
 *     final status: success, or failure for any error other than
 *     STATUS_MORE_PROCESSING_REQUIRED);
 *   both: smb.encrypted (1 per SMB3 transform message).
 * Messages longer than SMB_BUF_MAX are read from their first bytes and the
 * rest skipped.
 */
#include <string.h>

#include "core/cursor.h"
#include "proto/app.h"
#include "proto/proto.h"
#include "proto/utf16.h"

#define SMB_BUF_MAX (OTW_PROTO_BUF_MAX - 4)   /* longer messages: header read, rest skipped */
#define SMB_PARTIAL_MIN 1024                  /* bytes of an over-long message needed to read it */
#define SMB_DIALECTS 16
#define SMB_DIALECT_LEN 24

enum { NB_MESSAGE = 0x00, NB_REQUEST = 0x81, NB_POSITIVE = 0x82, NB_NEGATIVE = 0x83,
       NB_RETARGET = 0x84, NB_KEEPALIVE = 0x85 };

#define STATUS_MORE_PROCESSING 0xC0000016u

static const char EV_BAD_NETBIOS[] = "smb.bad_netbios";
static const char EV_BAD_HEADER[] = "smb.bad_header";
static const char EV_BAD_NTLMSSP[] = "smb.bad_ntlmssp";

static const char F_COMMAND[] = "smb.command";
static const char F_DIALECT[] = "smb.dialect";
static const char F_USER[] = "smb.ntlm_user";
static const char F_DOMAIN[] = "smb.ntlm_domain";
static const char F_HOST[] = "smb.ntlm_host";
static const char F_SHARE[] = "smb.share";
static const char F_FILENAME[] = "smb.filename";
static const char F_AUTH[] = "smb.auth";
static const char F_ENCRYPTED[] = "smb.encrypted";

static const struct otw_pfield smb_fields[] = {
    {F_COMMAND, OTW_PF_STR, "command of each request (negotiate, session_setup, tree_connect, create, read, write ...)"},
    {F_DIALECT, OTW_PF_STR, "dialect the server chose (NT LM 0.12, 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1)"},
    {F_USER, OTW_PF_STR, "user name from the NTLM AUTHENTICATE message"},
    {F_DOMAIN, OTW_PF_STR, "domain from the NTLM AUTHENTICATE message"},
    {F_HOST, OTW_PF_STR, "client workstation from the NTLM AUTHENTICATE message"},
    {F_SHARE, OTW_PF_STR, "share path of a tree connect (\\\\server\\share)"},
    {F_FILENAME, OTW_PF_STR, "file name of a create/open request"},
    {F_AUTH, OTW_PF_STR, "session setup outcome: success or failure"},
    {F_ENCRYPTED, OTW_PF_INT, "1 for each SMB3 encrypted (transform) message"},
    {NULL, 0, NULL},
};

static const char *const smb_events[] = {EV_BAD_NETBIOS, EV_BAD_HEADER, EV_BAD_NTLMSSP, NULL};

/* [MS-SMB2] 2.2.1.2 command codes. */
static const struct otw_tok smb2_cmds[] = {
    {0x00, "negotiate"}, {0x01, "session_setup"}, {0x02, "logoff"}, {0x03, "tree_connect"},
    {0x04, "tree_disconnect"}, {0x05, "create"}, {0x06, "close"}, {0x07, "flush"},
    {0x08, "read"}, {0x09, "write"}, {0x0a, "lock"}, {0x0b, "ioctl"}, {0x0c, "cancel"},
    {0x0d, "echo"}, {0x0e, "query_directory"}, {0x0f, "change_notify"},
    {0x10, "query_info"}, {0x11, "set_info"}, {0x12, "oplock_break"}, {0, NULL},
};

/* [MS-CIFS] 2.2.2.1 command codes. */
static const struct otw_tok smb1_cmds[] = {
    {0x00, "create_directory"}, {0x01, "delete_directory"}, {0x02, "open"}, {0x03, "create"},
    {0x04, "close"}, {0x05, "flush"}, {0x06, "delete"}, {0x07, "rename"},
    {0x08, "query_information"}, {0x09, "set_information"}, {0x0a, "read"}, {0x0b, "write"},
    {0x0c, "lock_byte_range"}, {0x0d, "unlock_byte_range"}, {0x10, "check_directory"},
    {0x12, "seek"}, {0x1a, "read_raw"}, {0x1d, "write_raw"}, {0x22, "set_information2"},
    {0x23, "query_information2"}, {0x24, "locking_andx"}, {0x25, "transaction"},
    {0x26, "transaction_secondary"}, {0x27, "ioctl"}, {0x2b, "echo"}, {0x2c, "write_and_close"},
    {0x2d, "open_andx"}, {0x2e, "read_andx"}, {0x2f, "write_andx"}, {0x32, "transaction2"},
    {0x33, "transaction2_secondary"}, {0x34, "find_close2"}, {0x70, "tree_connect"},
    {0x71, "tree_disconnect"}, {0x72, "negotiate"}, {0x73, "session_setup_andx"},
    {0x74, "logoff_andx"}, {0x75, "tree_connect_andx"}, {0x80, "query_information_disk"},
    {0x81, "search"}, {0xa0, "nt_transact"}, {0xa1, "nt_transact_secondary"},
    {0xa2, "nt_create_andx"}, {0xa4, "nt_cancel"}, {0xa5, "nt_rename"}, {0, NULL},
};

/* [MS-SMB2] 2.2.4 DialectRevision. */
static const struct otw_tok smb2_dialects[] = {
    {0x0202, "2.0.2"}, {0x0210, "2.1"}, {0x0300, "3.0"}, {0x0302, "3.0.2"}, {0x0311, "3.1.1"},
    {0x02ff, "2.x"}, {0, NULL},
};

struct smb_state {
    uint32_t skip[2];                                   /* bytes of an over-long message to skip */
    char dialects[SMB_DIALECTS][SMB_DIALECT_LEN];       /* SMB1 NEGOTIATE request list */
    uint16_t dialect_len[SMB_DIALECTS];
    uint8_t ndialects;
    uint8_t lost;                                       /* a gap broke the framing */
};

static int smb_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    static const uint8_t magic[3] = {'S', 'M', 'B'};

    if (p[0] == NB_REQUEST) {
        /* NetBIOS session request: length 68, two 34-byte encoded names (RFC 1002 4.3.2). */
        if (len < 5)
            return (len < 4 || otw_be16(p + 2) == 68) ? OTW_PROBE_MORE : OTW_PROBE_NO;
        return (p[1] == 0 && otw_be16(p + 2) == 68 && p[4] == 0x20) ? OTW_PROBE_YES : OTW_PROBE_NO;
    }
    if (p[0] != NB_MESSAGE)
        return OTW_PROBE_NO;
    if (len < 8)
        return OTW_PROBE_MORE;
    if (p[4] != 0xff && p[4] != 0xfe && p[4] != 0xfd)
        return OTW_PROBE_NO;
    if (memcmp(p + 5, magic, 3) != 0)
        return OTW_PROBE_NO;
    return OTW_PROBE_YES;
}

/* Records a UTF-16LE (or OEM) string of a message, capped. */
static void str_field(struct otw_app *a, const char *field, const uint8_t *s, size_t n, int unicode)
{
    char out[OTW_APP_MAX_VALUE_LEN + 4];
    size_t o;

    if (n == 0)
        return;
    if (unicode) {
        o = otw_utf16le_to_utf8(s, n, out, sizeof(out));
        if (o > 0)
            otw_app_str(a, field, out, o);
    } else {
        const uint8_t *z = memchr(s, 0, n);
        if (z != NULL)
            n = (size_t)(z - s);
        if (n > 0)
            otw_app_str(a, field, (const char *)s, n);
    }
}

/* An NTLMSSP message somewhere in a security blob ([MS-NLMP] 2.2.1.3). */
static void ntlmssp(struct otw_app *a, const uint8_t *blob, size_t len)
{
    static const uint8_t sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
    const uint8_t *m = NULL;
    size_t mlen;
    uint32_t flags;
    static const struct { size_t off; const char *field; } parts[] = {
        {28, F_DOMAIN}, {36, F_USER}, {44, F_HOST},
    };

    for (size_t i = 0; i + sizeof(sig) <= len; i++)
        if (blob[i] == 'N' && memcmp(blob + i, sig, sizeof(sig)) == 0) {
            m = blob + i;
            break;
        }
    if (m == NULL)
        return;
    mlen = len - (size_t)(m - blob);
    if (mlen < 12 || otw_le32(m + 8) != 3)   /* only AUTHENTICATE carries names */
        return;
    if (mlen < 64) {
        otw_app_event(a, EV_BAD_NTLMSSP);
        return;
    }
    flags = otw_le32(m + 60);
    for (size_t i = 0; i < OTW_ARRAY_LEN(parts); i++) {
        uint16_t fl = otw_le16(m + parts[i].off);
        uint32_t fo = otw_le32(m + parts[i].off + 4);
        if (fl == 0)
            continue;
        if (fo > mlen || fl > mlen - fo) {
            otw_app_event(a, EV_BAD_NTLMSSP);
            continue;
        }
        str_field(a, parts[i].field, m + fo, fl, flags & 1);
    }
}

static void session_setup_status(struct otw_app *a, uint32_t status)
{
    if (status == 0)
        otw_app_strz(a, F_AUTH, "success");
    else if (status != STATUS_MORE_PROCESSING)
        otw_app_strz(a, F_AUTH, "failure");
}

/* One SMB2 message (header at h, `len` bytes incl. the header). */
static void smb2_msg(struct smb_state *st, struct otw_app *a, const uint8_t *h, size_t len)
{
    uint16_t cmd = otw_le16(h + 12);
    uint32_t status = otw_le32(h + 8), flags = otw_le32(h + 16);
    const uint8_t *b = h + 64;
    size_t blen = len - 64;

    if (flags & 1) {
        if (cmd == 0x00 && blen >= 6)
            otw_app_strz(a, F_DIALECT, otw_tok_str(smb2_dialects, otw_le16(b + 4), "unknown"));
        else if (cmd == 0x01)
            session_setup_status(a, status);
        return;
    }
    otw_app_strz(a, F_COMMAND, otw_tok_str(smb2_cmds, cmd, "unknown"));
    switch (cmd) {
    case 0x01:   /* SESSION_SETUP: SecurityBufferOffset @12, Length @14 (from the header) */
        if (blen >= 16) {
            uint16_t so = otw_le16(b + 12), sl = otw_le16(b + 14);
            if (so >= 64 && so <= len && sl <= len - so)
                ntlmssp(a, h + so, sl);
        }
        break;
    case 0x03:   /* TREE_CONNECT: PathOffset @4, PathLength @6 */
        if (blen >= 8) {
            uint16_t po = otw_le16(b + 4), pl = otw_le16(b + 6);
            if (po >= 64 && po <= len && pl <= len - po)
                str_field(a, F_SHARE, h + po, pl, 1);
        }
        break;
    case 0x05:   /* CREATE: NameOffset @44, NameLength @46 */
        if (blen >= 48) {
            uint16_t no = otw_le16(b + 44), nl = otw_le16(b + 46);
            if (no >= 64 && no <= len && nl <= len - no)
                str_field(a, F_FILENAME, h + no, nl, 1);
        }
        break;
    default:
        break;
    }
}

/* SMB1 NEGOTIATE request bytes: a list of 0x02 "dialect\0". */
static void smb1_dialects(struct smb_state *st, const uint8_t *p, size_t len)
{
    st->ndialects = 0;
    while (len >= 2 && p[0] == 0x02 && st->ndialects < SMB_DIALECTS) {
        const uint8_t *z = memchr(p + 1, 0, len - 1);
        size_t n;
        if (z == NULL)
            return;
        n = (size_t)(z - p - 1);
        if (n > SMB_DIALECT_LEN)
            n = SMB_DIALECT_LEN;
        memcpy(st->dialects[st->ndialects], p + 1, n);
        st->dialect_len[st->ndialects++] = (uint16_t)n;
        len -= (size_t)(z - p) + 1;
        p = z + 1;
    }
}

/* The path/name string of an SMB1 request starting at `s` in message h. */
static void smb1_string(struct otw_app *a, const char *field, const uint8_t *h, const uint8_t *s,
                        const uint8_t *end, int unicode)
{
    if (unicode && ((size_t)(s - h) & 1))
        s++;    /* Unicode strings are 2-aligned from the header start ([MS-CIFS] 2.2.1.1) */
    if (s < end)
        str_field(a, field, s, (size_t)(end - s), unicode);
}

static void smb1_msg(struct smb_state *st, struct otw_app *a, const uint8_t *h, size_t len)
{
    uint8_t cmd, flags, wc;
    uint32_t status;
    int unicode;
    const uint8_t *w, *bytes, *end = h + len;
    uint16_t bc;

    if (len < 35) {     /* checked before any header byte is read */
        otw_app_event(a, EV_BAD_HEADER);
        return;
    }
    cmd = h[4];
    flags = h[9];
    status = otw_le32(h + 5);
    unicode = (otw_le16(h + 10) & 0x8000) != 0;
    wc = h[32];
    w = h + 33;
    if ((size_t)33 + 2u * wc + 2 > len) {
        otw_app_event(a, EV_BAD_HEADER);
        return;
    }
    bc = otw_le16(w + 2u * wc);
    bytes = w + 2u * wc + 2;
    if (bc < (size_t)(end - bytes))
        end = bytes + bc;
    if (flags & 0x80) {
        if (cmd == 0x72 && wc >= 1) {
            uint16_t idx = otw_le16(w);
            if (idx < st->ndialects)
                otw_app_str(a, F_DIALECT, st->dialects[idx], st->dialect_len[idx]);
        } else if (cmd == 0x73) {
            session_setup_status(a, status);
        }
        return;
    }
    otw_app_strz(a, F_COMMAND, otw_tok_str(smb1_cmds, cmd, "unknown"));
    switch (cmd) {
    case 0x72:
        smb1_dialects(st, bytes, (size_t)(end - bytes));
        break;
    case 0x73:
        ntlmssp(a, bytes, (size_t)(end - bytes));
        break;
    case 0x75:  /* words: andx(4) flags(2) password_length(2) */
        if (wc >= 4) {
            uint16_t pwl = otw_le16(w + 6);
            if (pwl <= (size_t)(end - bytes))
                smb1_string(a, F_SHARE, h, bytes + pwl, end, unicode);
        }
        break;
    case 0xa2:  /* words: andx(4) reserved(1) name_length(2) ... 24 words */
        if (wc >= 24)
            smb1_string(a, F_FILENAME, h, bytes, end, unicode);
        break;
    default:
        break;
    }
}

static void smb_message(struct smb_state *st, struct otw_app *a, const uint8_t *m, size_t len)
{
    if (len < 4 || m[1] != 'S' || m[2] != 'M' || m[3] != 'B') {
        otw_app_event(a, EV_BAD_HEADER);
        return;
    }
    switch (m[0]) {
    case 0xff:
        smb1_msg(st, a, m, len);
        break;
    case 0xfe:
        /* Compounded requests/responses: NextCommand is the 8-aligned offset of the next. */
        for (int guard = 0; guard < 64; guard++) {
            uint32_t next;
            if (len < 64 || otw_le16(m + 4) != 64) {
                otw_app_event(a, EV_BAD_HEADER);
                return;
            }
            next = otw_le32(m + 20);
            if (next != 0 && (next < 64 || next >= len)) {
                otw_app_event(a, EV_BAD_HEADER);
                next = 0;
            }
            smb2_msg(st, a, m, next ? next : len);
            if (next == 0)
                return;
            m += next;
            len -= next;
        }
        break;
    case 0xfd:
        otw_app_int(a, F_ENCRYPTED, 1);
        break;
    case 0xfc:  /* compression transform (2.2.42): not read */
        break;
    default:
        otw_app_event(a, EV_BAD_HEADER);
        break;
    }
}

static ssize_t smb_parse(void *state, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    struct smb_state *st = state;
    size_t off = 0;

    dir &= 1;
    if (st->lost)
        return -1;
    if (st->skip[dir]) {
        off = OTW_MIN((size_t)st->skip[dir], len);
        st->skip[dir] -= (uint32_t)off;
    }
    while (len - off >= 4) {
        uint8_t type = p[off];
        size_t mlen;
        if (type == NB_MESSAGE) {
            mlen = ((size_t)p[off + 1] << 16) | otw_be16(p + off + 2);
        } else if (type >= NB_REQUEST && type <= NB_KEEPALIVE) {
            if (p[off + 1] & 0xfe) {
                otw_app_event(a, EV_BAD_NETBIOS);
                return -1;
            }
            mlen = ((size_t)(p[off + 1] & 1) << 16) | otw_be16(p + off + 2);
        } else {
            otw_app_event(a, EV_BAD_NETBIOS);
            return -1;
        }
        if (len - off - 4 < mlen) {
            size_t have = len - off - 4;
            if (mlen > SMB_BUF_MAX && have >= SMB_PARTIAL_MIN) {
                if (type == NB_MESSAGE)
                    smb_message(st, a, p + off + 4, have);
                st->skip[dir] = (uint32_t)(mlen - have);
                return (ssize_t)len;
            }
            break;
        }
        if (type == NB_MESSAGE && mlen > 0)
            smb_message(st, a, p + off + 4, mlen);
        off += 4 + mlen;
    }
    return (ssize_t)off;
}

static void smb_gap(void *state, struct otw_app *a, int dir, size_t lost)
{
    struct smb_state *st = state;

    /* Inside a message being skipped, a gap only shortens the skip; anywhere
     * else the framing is lost and parse() detaches. */
    if (st->skip[dir & 1] >= lost)
        st->skip[dir & 1] -= (uint32_t)lost;
    else
        st->lost = 1;
}

static const uint16_t smb_ports[] = {445, 139, 0};

const struct otw_parser otw_parser_smb = {
    .name = "smb",
    .desc = "SMB1/SMB2/SMB3 over NetBIOS or direct TCP",
    .transports = OTW_PT_TCP,
    .ports = smb_ports,
    .probe = smb_probe,
    .state_size = sizeof(struct smb_state),
    .parse = smb_parse,
    .gap = smb_gap,
    .finish = NULL,
    .free = NULL,
    .fields = smb_fields,
    .events = smb_events,
};
