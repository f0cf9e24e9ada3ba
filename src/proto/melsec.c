/*
 * melsec.c - Mitsubishi MELSEC communication protocol (MC protocol) and
 * SLMP, binary 3E and 4E frames, over TCP and UDP. References:
 * Mitsubishi SH-080008 "MELSEC Communication Protocol Reference Manual"
 * chapter 3 (frames), SH-080956ENG "SLMP Reference Manual" chapter 4
 * (message format) and 5 (commands). ASCII frames ("5000...") are not
 * identified.
 *
 * Proto stage. All multi-byte fields are little-endian, except the
 * subheader which is written as two bytes 50 00 / D0 00 / 54 00 / D4 00.
 *
 *  3E request:  50 00 | net | pc | io (2) | station | len (2) | timer (2) | cmd (2) | sub (2) | data
 *  3E response: D0 00 | net | pc | io (2) | station | len (2) | end code (2) | data
 *  4E request:  54 00 | serial (2) | 00 00 | then as 3E from net
 *  4E response: D4 00 | serial (2) | 00 00 | then as 3E from net
 *  `len` counts the bytes after itself (timer/end code onwards).
 *
 * Counting: melsec.command and ot.class once per request,
 * melsec.end_code once per response (0 = normal completion),
 * melsec.frame (3e/4e) once per frame.
 */
#include "core/cursor.h"
#include "proto/proto.h"

#define MC_MAX_DATA 8192     /* largest request data: 960 words plus headers is far less */

struct mc_cmd {
    uint16_t code;
    const char *name;
    const char *cls;
};

static const struct mc_cmd mc_cmds[] = {
    {0x0401, "batch_read", "read"},
    {0x1401, "batch_write", "write"},
    {0x0403, "random_read", "read"},
    {0x1402, "random_write", "write"},
    {0x0406, "batch_read_multiple_blocks", "read"},
    {0x1406, "batch_write_multiple_blocks", "write"},
    {0x0801, "monitor_register", "read"},
    {0x0802, "monitor", "read"},
    {0x0601, "read_buffer_memory", "read"},
    {0x1601, "write_buffer_memory", "write"},
    {0x0613, "read_intelligent_module", "read"},
    {0x1613, "write_intelligent_module", "write"},
    {0x1001, "remote_run", "control"},
    {0x1002, "remote_stop", "control"},
    {0x1003, "remote_pause", "control"},
    {0x1005, "remote_latch_clear", "control"},
    {0x1006, "remote_reset", "control"},
    {0x0101, "read_type_name", "diagnostic"},
    {0x0619, "self_test", "diagnostic"},
    {0x1617, "clear_error", "control"},
    {0x1630, "remote_unlock", "control"},
    {0x1631, "remote_lock", "control"},
    {0x1810, "read_directory", "program"},
    {0x1811, "search_directory", "program"},
    {0x1820, "new_file", "program"},
    {0x1822, "delete_file", "program"},
    {0x1824, "copy_file", "program"},
    {0x1825, "change_file_state", "program"},
    {0x1826, "change_file_date", "program"},
    {0x1827, "open_file", "program"},
    {0x1828, "read_file", "program"},
    {0x1829, "write_file", "program"},
    {0x182A, "close_file", "program"},
    {0, NULL, NULL},
};

static const uint16_t mc_ports[] = {5006, 5007, 5562, 5000, 5001, 5010, 5011, 0};

static const struct mc_cmd *mc_lookup(uint16_t code)
{
    for (const struct mc_cmd *c = mc_cmds; c->name; c++)
        if (c->code == code)
            return c;
    return NULL;
}

struct mc_frame {
    int request, e4;
    size_t hdr;             /* bytes up to and including `len` */
    size_t total;           /* whole frame */
};

/* Header at p: 1 ok (fills f), 0 need more, -1 not MC. */
static int mc_header(const uint8_t *p, size_t len, struct mc_frame *f)
{
    uint16_t dlen;

    if (len < 2)
        return 0;
    if (p[1] != 0)
        return -1;
    switch (p[0]) {
    case 0x50: f->request = 1; f->e4 = 0; break;
    case 0xD0: f->request = 0; f->e4 = 0; break;
    case 0x54: f->request = 1; f->e4 = 1; break;
    case 0xD4: f->request = 0; f->e4 = 1; break;
    default: return -1;
    }
    f->hdr = f->e4 ? 13 : 9;
    if (len < f->hdr)
        return 0;
    if (f->e4 && (p[4] != 0 || p[5] != 0))
        return -1;
    dlen = otw_le16(p + f->hdr - 2);
    if (dlen < (f->request ? 6 : 2) || dlen > MC_MAX_DATA)
        return -1;
    f->total = f->hdr + dlen;
    return 1;
}

static int mc_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    struct mc_frame f;
    int r = mc_header(p, len, &f);

    if (r < 0)
        return OTW_PROBE_NO;
    if (r == 0 || len < f.hdr + (f.request ? 6 : 2))
        return OTW_PROBE_MORE;
    if (fi->transport == 17 && len < OTW_PROBE_BYTES && len != f.total)
        return OTW_PROBE_NO;
    if (fi->transport == 6 && len > f.total) {
        struct mc_frame g;
        if (mc_header(p + f.total, len - f.total, &g) < 0)
            return OTW_PROBE_NO;
    }
    if (f.request)
        return mc_lookup(otw_le16(p + f.hdr + 2)) ? OTW_PROBE_YES : OTW_PROBE_NO;
    /* a response alone: the end code is 0 or an error in 0x4000-0xCFFF */
    {
        uint16_t end = otw_le16(p + f.hdr);
        return end == 0 || (end >= 0x4000 && end <= 0xCFFF) ? OTW_PROBE_YES : OTW_PROBE_NO;
    }
}

static void mc_frame(struct otw_app *app, const uint8_t *p, const struct mc_frame *f)
{
    otw_app_strz(app, "melsec.frame", f->e4 ? "4e" : "3e");
    if (f->request) {
        uint16_t code = otw_le16(p + f->hdr + 2);
        const struct mc_cmd *c = mc_lookup(code);

        otw_app_int(app, "melsec.command_code", code);
        if (c) {
            otw_app_strz(app, "melsec.command", c->name);
            otw_app_strz(app, "ot.class", c->cls);
        } else {
            otw_app_event(app, "melsec.unknown_command");
        }
    } else {
        otw_app_int(app, "melsec.end_code", otw_le16(p + f->hdr));
    }
}

static ssize_t mc_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    size_t off = 0;

    while (off < len) {
        struct mc_frame f;
        int r = mc_header(p + off, len - off, &f);

        if (r < 0) {
            otw_app_event(app, "melsec.bad_header");
            return -1;
        }
        if (r == 0 || len - off < f.total)
            break;
        mc_frame(app, p + off, &f);
        off += f.total;
    }
    return (ssize_t)off;
}

static const struct otw_pfield mc_fields[] = {
    {"melsec.frame", OTW_PF_STR, "binary frame type: 3e or 4e"},
    {"melsec.command", OTW_PF_STR, "request command: batch_read, batch_write, remote_run, remote_stop ..."},
    {"melsec.command_code", OTW_PF_INT, "request command code (0x0401 = batch_read ...)"},
    {"melsec.end_code", OTW_PF_INT, "response end code (0 = normal completion)"},
    {"ot.class", OTW_PF_STR, "function class of a request: read, write, program, control, diagnostic"},
    {NULL, 0, NULL},
};

static const char *const mc_events[] = {"melsec.bad_header", "melsec.unknown_command", NULL};

/* Same framing over TCP and UDP (a UDP datagram holds one frame). */
const struct otw_parser otw_parser_melsec = {
    .name = "melsec",
    .desc = "MELSEC MC protocol / SLMP (binary 3E/4E)",
    .transports = OTW_PT_TCP | OTW_PT_UDP,
    .ports = mc_ports,
    .probe = mc_probe,
    .state_size = 0,
    .parse = mc_parse,
    .fields = mc_fields,
    .events = mc_events,
};
