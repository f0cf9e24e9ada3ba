/*
 * fins.c - Omron FINS (Factory Interface Network Service), identification
 * and command codes. References: Omron W227 "FINS Commands Reference
 * Manual" section 3 (frame format) and 5 (command list); W421 section
 * 7 (FINS/TCP).
 *
 * Proto stage. Over UDP/9600 a datagram is one FINS frame:
 *
 *   +-----+-----+-----+-----+-----+-----+-----+-----+-----+-----+-----+-----+------
 *   | ICF | RSV | GCT | DNA | DA1 | DA2 | SNA | SA1 | SA2 | SID | MRC | SRC | data
 *   +-----+-----+-----+-----+-----+-----+-----+-----+-----+-----+-----+-----+------
 *   ICF: bit 7 gateway (1), bit 6 0 = command / 1 = response,
 *        bit 0 1 = no response wanted, bits 5-1 zero. RSV = 0. GCT <= 7.
 *
 * Over TCP/9600 each frame is behind a FINS/TCP header (big-endian):
 *   "FINS" | length (4, bytes after this field) | command (4) | error (4) | ...
 *   command 0/1: node address send (client/server), 2: FINS frame,
 *   3: FINS frame send error, 6: connection confirmation.
 *
 * Counting: fins.command and ot.class once per command frame (ICF bit 6
 * clear), fins.end_code once per response (main and sub code as one
 * 16-bit number, 0 = normal completion).
 */
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define FINS_HDR 10
#define FINS_TCP_HDR 16     /* magic, length, command, error code */
#define FINS_TCP_MAX 4096   /* FINS frames are at most 2012 bytes of data */

struct fins_cmd {
    uint16_t code;
    const char *name;
    const char *cls;
};

static const struct fins_cmd fins_cmds[] = {
    {0x0101, "memory_area_read", "read"},
    {0x0102, "memory_area_write", "write"},
    {0x0103, "memory_area_fill", "write"},
    {0x0104, "multiple_memory_area_read", "read"},
    {0x0105, "memory_area_transfer", "write"},
    {0x0201, "parameter_area_read", "read"},
    {0x0202, "parameter_area_write", "write"},
    {0x0203, "parameter_area_clear", "write"},
    {0x0304, "program_area_protect", "program"},
    {0x0305, "program_area_protect_clear", "program"},
    {0x0306, "program_area_read", "program"},
    {0x0307, "program_area_write", "program"},
    {0x0308, "program_area_clear", "program"},
    {0x0401, "run", "control"},
    {0x0402, "stop", "control"},
    {0x0501, "cpu_unit_data_read", "diagnostic"},
    {0x0502, "connection_data_read", "diagnostic"},
    {0x0601, "cpu_unit_status_read", "diagnostic"},
    {0x0620, "cycle_time_read", "diagnostic"},
    {0x0701, "clock_read", "read"},
    {0x0702, "clock_write", "write"},
    {0x0801, "loopback_test", "diagnostic"},
    {0x0802, "broadcast_test_results_read", "diagnostic"},
    {0x0803, "broadcast_test_data_send", "diagnostic"},
    {0x0920, "message_read", "diagnostic"},
    {0x0C01, "access_right_acquire", "control"},
    {0x0C02, "access_right_forced_acquire", "control"},
    {0x0C03, "access_right_release", "control"},
    {0x2101, "error_clear", "control"},
    {0x2102, "error_log_read", "diagnostic"},
    {0x2103, "error_log_clear", "control"},
    {0x2201, "file_name_read", "read"},
    {0x2202, "single_file_read", "program"},
    {0x2203, "file_write", "program"},
    {0x2204, "file_memory_format", "program"},
    {0x2205, "file_delete", "program"},
    {0x2207, "file_copy", "program"},
    {0x2208, "file_name_change", "program"},
    {0x220A, "memory_area_file_transfer", "program"},
    {0x220B, "parameter_area_file_transfer", "program"},
    {0x220C, "program_area_file_transfer", "program"},
    {0x2215, "directory_create_delete", "program"},
    {0x2301, "forced_set_reset", "write"},
    {0x2302, "forced_set_reset_cancel", "write"},
    {0, NULL, NULL},
};

static const uint16_t fins_ports[] = {9600, 0};

static const struct fins_cmd *fins_lookup(uint16_t code)
{
    for (const struct fins_cmd *c = fins_cmds; c->name; c++)
        if (c->code == code)
            return c;
    return NULL;
}

/* A plausible FINS header followed by a known command code. */
static int fins_frame_ok(const uint8_t *p, size_t len)
{
    if (len < FINS_HDR + 2)
        return 0;
    if ((p[0] & 0x3E) || !(p[0] & 0x80) || p[1] != 0 || p[2] > 7)
        return 0;
    return fins_lookup(otw_be16(p + FINS_HDR)) != NULL;
}

static void fins_frame(struct otw_app *app, const uint8_t *p, size_t len)
{
    const struct fins_cmd *c;

    if (!fins_frame_ok(p, len)) {
        otw_app_event(app, "fins.bad_header");
        return;
    }
    c = fins_lookup(otw_be16(p + FINS_HDR));
    if ((p[0] & 0x40) == 0) {
        otw_app_strz(app, "fins.command", c->name);
        otw_app_strz(app, "ot.class", c->cls);
    } else if (len >= FINS_HDR + 4) {
        otw_app_int(app, "fins.end_code", otw_be16(p + FINS_HDR + 2));
    }
}

static int fins_probe_udp(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    return fins_frame_ok(p, len) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static ssize_t fins_parse_udp(void *state, struct otw_app *app, int dir, const uint8_t *p,
                              size_t len)
{
    fins_frame(app, p, len);
    return (ssize_t)len;
}

static int fins_probe_tcp(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    uint32_t flen, cmd;

    if (len < 4)
        return memcmp(p, "FINS", len) == 0 ? OTW_PROBE_MORE : OTW_PROBE_NO;
    if (memcmp(p, "FINS", 4) != 0)
        return OTW_PROBE_NO;
    if (len < 12)
        return OTW_PROBE_MORE;
    flen = otw_be32(p + 4);
    cmd = otw_be32(p + 8);
    if (flen < 8 || flen > FINS_TCP_MAX || (cmd > 3 && cmd != 6))
        return OTW_PROBE_NO;
    return OTW_PROBE_YES;
}

static ssize_t fins_parse_tcp(void *state, struct otw_app *app, int dir, const uint8_t *p,
                              size_t len)
{
    size_t off = 0;

    while (len - off >= 8) {
        const uint8_t *q = p + off;
        uint32_t flen, cmd;

        if (memcmp(q, "FINS", 4) != 0) {
            otw_app_event(app, "fins.bad_magic");
            return -1;
        }
        flen = otw_be32(q + 4);
        if (flen < 8 || flen > FINS_TCP_MAX) {
            otw_app_event(app, "fins.bad_length");
            return -1;
        }
        if (len - off < 8 + (size_t)flen)
            break;
        cmd = otw_be32(q + 8);
        if (cmd == 2)
            fins_frame(app, q + FINS_TCP_HDR, flen - 8);
        else if (cmd == 3)
            otw_app_event(app, "fins.send_error");
        off += 8 + (size_t)flen;
    }
    return (ssize_t)off;
}

static const struct otw_pfield fins_fields[] = {
    {"fins.command", OTW_PF_STR, "FINS command name (memory_area_read, run, stop, ...) of a command frame"},
    {"fins.end_code", OTW_PF_INT, "end code of a response (main << 8 | sub; 0 = normal completion)"},
    {"ot.class", OTW_PF_STR, "function class of a request: read, write, program, control, diagnostic"},
    {NULL, 0, NULL},
};

static const char *const fins_events[] = {
    "fins.bad_header", "fins.bad_magic", "fins.bad_length", "fins.send_error", NULL,
};

/* UDP and TCP framing differ and parse() is not told the transport. */
const struct otw_parser otw_parser_fins = {
    .name = "fins",
    .desc = "Omron FINS over UDP",
    .transports = OTW_PT_UDP,
    .ports = fins_ports,
    .probe = fins_probe_udp,
    .state_size = 0,
    .parse = fins_parse_udp,
    .fields = fins_fields,
    .events = fins_events,
};

const struct otw_parser otw_parser_fins_tcp = {
    .name = "fins",
    .desc = "Omron FINS/TCP",
    .transports = OTW_PT_TCP,
    .ports = fins_ports,
    .probe = fins_probe_tcp,
    .state_size = 0,
    .parse = fins_parse_tcp,
    .fields = fins_fields,
    .events = fins_events,
};
