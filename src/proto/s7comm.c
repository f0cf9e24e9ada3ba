/*
 * s7comm.c - Siemens S7 communication (S7comm) and S7comm-plus
 * identification, over ISO-on-TCP (TPKT + COTP) on TCP 102.
 *
 * Fourth stage of the pipeline: the engine hands us the reassembled bytes of
 * each direction; we cut them into TPKT packets (RFC 1006 section 6), read
 * the COTP TPDU inside (ISO 8073 / X.224 section 13: CR, CC, DT, DR ...),
 * and the S7 PDU carried by DT TPDUs. S7comm is not publicly specified; the
 * layouts below follow the Wireshark s7comm dissector (packet-s7comm.c,
 * Thomas Wiens) and Snap7's documentation, which agree.
 *
 * TPKT (RFC 1006) and COTP:
 *
 *   +--------+--------+-----------------+
 *   | vers=3 |  res=0 |  length (BE, incl. these 4 bytes, >= 7)
 *   +--------+--------+-----------------+
 *   |   LI   |  type  |  CR/CC: dst-ref(2) src-ref(2) class(1) params...
 *   +--------+--------+  DT:    nr/EOT(1), then user data (the S7 PDU)
 *
 *   LI counts the header bytes after itself. CR/CC parameters are
 *   code(1) length(1) value: 0xc0 TPDU size (2^value), 0xc1 calling
 *   TSAP (the client's), 0xc2 called TSAP (the PLC's: rack/slot).
 *
 * S7 header (all big-endian):
 *
 *   +------+--------+-----------+---------+-----------+----------+
 *   | 0x32 | ROSCTR | redund.(2)| PDU ref | param len | data len |  (10 bytes)
 *   +------+--------+-----------+---------+-----------+----------+
 *   | error class | error code |   only in ROSCTR 2 (ack) and 3 (ack_data)
 *   +-------------+------------+
 *   | parameters (param len) | data (data len) |
 *
 *   ROSCTR: 1 job (request), 2 ack, 3 ack_data (response), 7 userdata.
 *   Job parameters start with the function code; read_var/write_var carry
 *   items 0x12 len syntax-id ..., S7ANY (0x10) items name the memory area.
 *   Userdata parameters: 00 01 12 len method type|group subfunction seq
 *   [data-unit-ref last-unit error(2)], then data: return code, transport
 *   size, length(2), e.g. SZL id(2) index(2) for a SZL read.
 *
 * S7comm-plus (TIA portal, S7-1200/1500) uses the same TPKT/COTP; its PDU
 * starts 0x72 version length(2) [V3: digest length(1) digest] opcode(1)
 * reserved(2) function(2). It is a second parser ("s7comm-plus") in this
 * file sharing the framing code; either parser adds the other's protocol
 * name when a session carries both.
 *
 * Counting (for the golden cross-check with tshark), once per S7 PDU:
 *   - s7.rosctr on every S7 PDU, both directions;
 *   - s7.func, s7.func_code, ot.class on every Job (ROSCTR 1), in either
 *     direction (during a download the PLC sends the download_block jobs);
 *     tshark: `-Y "s7comm.header.rosctr == 1" -e s7comm.param.func`;
 *   - s7.userdata_group, s7.userdata_func, ot.class on userdata requests
 *     (type 4); s7.szl_id on SZL read requests;
 *   - s7.area: distinct areas of one read_var/write_var job;
 *   - s7.error / s7.error_code on ack/ack_data with a non-zero error class
 *     and userdata responses with a non-zero error code.
 *   - s7plus.version on every S7comm-plus fragment, s7plus.opcode on those
 *     with a known opcode (request, response, notification), and
 *     s7plus.function on requests and responses. tshark 4.0 has no
 *     S7comm-plus dissector: these are not cross-checked. No ot.class is
 *     given: the same function (set_variable, create_object) reads,
 *     writes, starts the CPU or downloads depending on the object ids.
 *
 * A TPKT holds at most 65535 bytes, less than OTW_PROTO_BUF_MAX, so every
 * PDU fits the engine's buffer and no skipping is needed. S7 PDUs split
 * over several DT TPDUs (EOT clear) are read from their first fragment
 * (the header and parameters are there).
 */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define TPKT_HDR 4
#define TPKT_MIN 7              /* TPKT header + the smallest COTP DT */

enum { COTP_CR = 0xe0, COTP_CC = 0xd0, COTP_DR = 0x80, COTP_DC = 0xc0, COTP_DT = 0xf0,
       COTP_ED = 0x10, COTP_AK = 0x60, COTP_EA = 0x20, COTP_RJ = 0x50, COTP_ER = 0x70 };

enum { R_JOB = 1, R_ACK = 2, R_ACK_DATA = 3, R_USERDATA = 7 };

struct s7_state {
    uint8_t cont[2];            /* the last DT of this direction had no EOT */
    uint8_t resync[2];          /* after a gap: look for a TPKT header */
};

static const char C_READ[] = "read", C_WRITE[] = "write", C_PROG[] = "program",
                  C_CTRL[] = "control", C_DIAG[] = "diagnostic";

static const struct otw_tok cotp_types[] = {
    {COTP_CR, "cr"}, {COTP_CC, "cc"}, {COTP_DR, "dr"}, {COTP_DC, "dc"}, {COTP_DT, "dt"},
    {COTP_ED, "ed"}, {COTP_AK, "ak"}, {COTP_EA, "ea"}, {COTP_RJ, "rj"}, {COTP_ER, "er"},
    {0, NULL},
};

static const struct otw_tok rosctrs[] = {
    {R_JOB, "job"}, {R_ACK, "ack"}, {R_ACK_DATA, "ack_data"}, {R_USERDATA, "userdata"},
    {0, NULL},
};

/* Job functions and their ot.class. */
struct s7_func {
    uint8_t code;
    const char *name;
    const char *cls;
};

static const struct s7_func funcs[] = {
    {0x00, "cpu_services", C_DIAG},
    {0xf0, "setup_communication", C_DIAG},
    {0x04, "read_var", C_READ},
    {0x05, "write_var", C_WRITE},
    {0x1a, "request_download", C_PROG},
    {0x1b, "download_block", C_PROG},
    {0x1c, "download_ended", C_PROG},
    {0x1d, "start_upload", C_PROG},
    {0x1e, "upload", C_PROG},
    {0x1f, "end_upload", C_PROG},
    {0x28, "plc_control", C_CTRL},
    {0x29, "plc_stop", C_CTRL},
    {0, NULL, NULL},
};

/* Memory areas of S7ANY items. */
static const struct otw_tok areas[] = {
    {0x03, "system_info"}, {0x05, "system_flags"}, {0x06, "analog_inputs"},
    {0x07, "analog_outputs"}, {0x1c, "counters"}, {0x1d, "timers"},
    {0x1e, "iec_counters"}, {0x1f, "iec_timers"}, {0x80, "peripheral"},
    {0x81, "inputs"}, {0x82, "outputs"}, {0x83, "flags"}, {0x84, "db"},
    {0x85, "instance_db"}, {0x86, "local"}, {0x87, "previous_local"},
    {0, NULL},
};

/* Error classes of the ack/ack_data header. */
static const struct otw_tok err_classes[] = {
    {0x81, "application_relationship_error"}, {0x82, "object_definition_error"},
    {0x83, "no_resources"}, {0x84, "service_processing_error"}, {0x85, "supplies_error"},
    {0x87, "access_error"},
    {0, NULL},
};

static const struct otw_tok ud_groups[] = {
    {0x0, "mode_transition"}, {0x1, "programmer_commands"}, {0x2, "cyclic_data"},
    {0x3, "block_functions"}, {0x4, "cpu_functions"}, {0x5, "security"},
    {0x6, "pbc_bsend_brecv"}, {0x7, "time"}, {0xf, "nc_programming"},
    {0, NULL},
};

/* Userdata subfunctions as (group << 8 | subfunction). */
static const struct otw_tok ud_funcs[] = {
    {0x0101, "request_diag_data"}, {0x0102, "variable_table"}, {0x010c, "erase"},
    {0x010e, "read_diag_data"}, {0x010f, "remove_diag_data"}, {0x0110, "forces"},
    {0x0201, "cyclic_memory"}, {0x0204, "unsubscribe"},
    {0x0301, "list_blocks"}, {0x0302, "list_blocks_of_type"}, {0x0303, "get_block_info"},
    {0x0401, "read_szl"}, {0x0402, "message_service"}, {0x0403, "diagnostic_message"},
    {0x0405, "alarm8_indication"}, {0x0406, "notify_indication"}, {0x0407, "alarm8_lock"},
    {0x0408, "alarm8_unlock"}, {0x040b, "alarm_ack"}, {0x040c, "alarm_ack_indication"},
    {0x040d, "alarm_lock_indication"}, {0x040e, "alarm_unlock_indication"},
    {0x0411, "alarm_sq_indication"}, {0x0412, "alarm_s_indication"}, {0x0413, "alarm_query"},
    {0x0416, "notify8_indication"},
    {0x0501, "plc_password"}, {0x0502, "clean_session"},
    {0x0701, "read_clock"}, {0x0702, "set_clock"}, {0x0703, "read_clock_following"},
    {0x0704, "set_clock_2"},
    {0, NULL},
};

/* Block types as the two ASCII hex digits of a block file name. */
static const struct otw_tok block_types[] = {
    {0x08, "OB"}, {0x0a, "DB"}, {0x0b, "SDB"}, {0x0c, "FC"}, {0x0d, "SFC"},
    {0x0e, "FB"}, {0x0f, "SFB"},
    {0, NULL},
};

static const struct otw_tok s7p_opcodes[] = {
    {0x31, "request"}, {0x32, "response"}, {0x33, "notification"}, {0x02, "response2"},
    {0, NULL},
};

static const struct otw_tok s7p_funcs[] = {
    {0x04bb, "explore"}, {0x04ca, "create_object"}, {0x04d4, "delete_object"},
    {0x04f2, "set_variable"}, {0x04fc, "get_variable"}, {0x0506, "add_link"},
    {0x051a, "remove_link"}, {0x0524, "get_link"}, {0x0542, "set_multi_variables"},
    {0x054c, "get_multi_variables"}, {0x0556, "begin_sequence"}, {0x0560, "end_sequence"},
    {0x056b, "invoke"}, {0x057c, "set_var_substreamed"}, {0x0586, "get_var_substreamed"},
    {0x0590, "get_variables_address"}, {0x059a, "abort"}, {0x05a9, "error"},
    {0x05b3, "init_ssl"},
    {0, NULL},
};

/* ---------------------------------------------------------------------- */

static const char hexd[] = "0123456789abcdef";

/* "c1020100" style hex of a TSAP (at most 16 bytes shown). */
static void rec_hex(struct otw_app *app, const char *field, const uint8_t *v, size_t n)
{
    char buf[33];
    size_t i;

    if (n > 16)
        n = 16;
    for (i = 0; i < n; i++) {
        buf[2 * i] = hexd[v[i] >> 4];
        buf[2 * i + 1] = hexd[v[i] & 15];
    }
    otw_app_str(app, field, buf, 2 * n);
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* A block file name "_0A00001P": '_', type (2 hex digits), number (5
 * digits), destination file system. Records s7.block "DB1". */
static void rec_block(struct otw_app *app, const uint8_t *name, size_t n)
{
    char buf[16];
    const char *t;
    unsigned num = 0;
    int hi, lo;

    if (n < 8)
        return;
    hi = hexval(name[1]);
    lo = hexval(name[2]);
    if (hi < 0 || lo < 0)
        return;
    t = otw_tok_str(block_types, hi * 16 + lo, NULL);
    if (t == NULL)
        return;
    for (size_t i = 3; i < 8; i++) {
        if (name[i] < '0' || name[i] > '9')
            return;
        num = num * 10 + (unsigned)(name[i] - '0');
    }
    snprintf(buf, sizeof(buf), "%s%u", t, num);
    otw_app_strz(app, "s7.block", buf);
}

/* read_var / write_var items: records each distinct area once. */
static void job_items(struct otw_app *app, struct otw_cur *c)
{
    uint32_t seen[32];
    unsigned nseen = 0;
    uint8_t count = otw_cur_u8(c);

    for (unsigned i = 0; i < count && !c->err; i++) {
        uint8_t spec = otw_cur_u8(c), len = otw_cur_u8(c);
        const uint8_t *it = otw_cur_ptr(c, len);
        uint32_t key;
        unsigned k;

        if (c->err || spec != 0x12) {
            otw_app_event(app, "s7comm.bad_item");
            return;
        }
        if (len != 10 || it[0] != 0x10)    /* not S7ANY: DBREAD, symbolic ... */
            continue;
        key = (uint32_t)it[6] << 16 | otw_be16(it + 4);
        if (it[6] != 0x84 && it[6] != 0x85)
            key &= 0xff0000;
        for (k = 0; k < nseen && seen[k] != key; k++)
            ;
        if (k < nseen)
            continue;
        if (nseen < OTW_ARRAY_LEN(seen))
            seen[nseen++] = key;
        if (it[6] == 0x84 || it[6] == 0x85) {
            char buf[16];
            snprintf(buf, sizeof(buf), "%s%u", it[6] == 0x84 ? "db" : "di", otw_be16(it + 4));
            otw_app_strz(app, "s7.area", buf);
        } else {
            otw_app_strz(app, "s7.area", otw_tok_str(areas, it[6], "unknown"));
        }
    }
}

static void job(struct otw_app *app, const uint8_t *par, size_t plen)
{
    struct otw_cur c;
    const struct s7_func *f;
    uint8_t code;

    if (plen < 1)
        return;
    code = par[0];
    for (f = funcs; f->name != NULL && f->code != code; f++)
        ;
    otw_app_int(app, "s7.func_code", code);
    if (f->name == NULL) {
        otw_app_strz(app, "s7.func", "unknown");
        otw_app_event(app, "s7comm.unknown_function");
        return;
    }
    otw_app_strz(app, "s7.func", f->name);
    otw_cur_init(&c, par + 1, plen - 1);
    switch (code) {
    case 0x04:
    case 0x05:
        otw_app_strz(app, "ot.class", f->cls);
        job_items(app, &c);
        return;
    case 0x1a:
    case 0x1b:
    case 0x1c:
    case 0x1d: {
        /* status(1) unknown(2) id(4) name-length(1) name */
        uint8_t n;
        const uint8_t *name;
        otw_app_strz(app, "ot.class", f->cls);
        otw_cur_skip(&c, 7);
        n = otw_cur_u8(&c);
        name = otw_cur_ptr(&c, n);
        if (name != NULL)
            rec_block(app, name, n);
        return;
    }
    case 0x28: {
        /* unknown(7) param-block-length(2) param-block, name-length(1),
         * PI service name: _INSE/_DELE/_MODU/_GARB change the program,
         * P_PROGRAM (re)starts it. */
        uint16_t bl;
        uint8_t n;
        const uint8_t *name;
        const char *cls = C_CTRL;
        otw_cur_skip(&c, 7);
        bl = otw_cur_be16(&c);
        otw_cur_skip(&c, bl);
        n = otw_cur_u8(&c);
        name = otw_cur_ptr(&c, n);
        if (name != NULL && n > 0) {
            otw_app_str(app, "s7.pi_service", (const char *)name, n);
            if (n == 5 && (memcmp(name, "_INSE", 5) == 0 || memcmp(name, "_DELE", 5) == 0 ||
                           memcmp(name, "_MODU", 5) == 0 || memcmp(name, "_GARB", 5) == 0))
                cls = C_PROG;
        }
        otw_app_strz(app, "ot.class", cls);
        return;
    }
    default:
        otw_app_strz(app, "ot.class", f->cls);
        return;
    }
}

/* Text of an SZL record field: up to a NUL, trailing blanks dropped. */
static void szl_text(struct otw_app *app, const char *field, const uint8_t *t, size_t n)
{
    size_t l = 0;

    while (l < n && t[l] != 0)
        l++;
    while (l > 0 && t[l - 1] == ' ')
        l--;
    if (l > 0)
        otw_app_str(app, field, (const char *)t, l);
}

/*
 * A read_szl response's data (first fragment): return code 0xff, transport
 * size, length(2), then SZL id(2) index(2) record length(2) record count(2)
 * and the records. Identification lists (S7-300/400 system manual,
 * "System status lists"):
 *   0x0011 module identification: index(2) MlfB order number(20) ...;
 *          index 1 is the module itself
 *   0x001c component identification: index(2) text(24..32): 1 automation
 *          system name, 2 module name, 3 plant designation, 5 serial
 *          number, 7 module type name
 */
static void szl_response(struct otw_app *app, const uint8_t *dat, size_t dlen)
{
    struct otw_cur c;
    uint16_t id, rlen, n;

    otw_cur_init(&c, dat, dlen);
    if (otw_cur_u8(&c) != 0xff)
        return;
    otw_cur_skip(&c, 3);
    id = otw_cur_be16(&c);
    otw_cur_skip(&c, 2);
    rlen = otw_cur_be16(&c);
    n = otw_cur_be16(&c);
    if (c.err || rlen < 4 || ((id & 0xff) != 0x11 && (id & 0xff) != 0x1c))
        return;
    for (uint16_t i = 0; i < n && i < 16; i++) {
        const uint8_t *r = otw_cur_ptr(&c, rlen);
        uint16_t idx;
        if (r == NULL)
            return;     /* the rest is in a later fragment */
        idx = otw_be16(r);
        if ((id & 0xff) == 0x11 && idx == 1 && rlen >= 22)
            szl_text(app, "s7.order_number", r + 2, 20);
        else if ((id & 0xff) == 0x1c) {
            static const char *const f1c[] = {NULL, "s7.system_name", "s7.module_name",
                                              "s7.plant_id", NULL, "s7.serial", NULL,
                                              "s7.module_type"};
            if (idx < OTW_ARRAY_LEN(f1c) && f1c[idx] != NULL)
                szl_text(app, f1c[idx], r + 2, rlen - 2u);
        }
    }
}

/* Userdata: parameter head 00 01 12, length, method, type|group, subfunction,
 * sequence [, data unit ref, last data unit, error code]. */
static void userdata(struct otw_app *app, const uint8_t *par, size_t plen, const uint8_t *dat,
                     size_t dlen)
{
    uint8_t type, group, sub;
    const char *cls;

    if (plen < 8 || par[0] != 0x00 || par[1] != 0x01 || par[2] != 0x12) {
        otw_app_event(app, "s7comm.bad_userdata");
        return;
    }
    type = par[5] >> 4;
    group = par[5] & 0x0f;
    sub = par[6];
    if (type == 8) {        /* response */
        if (plen >= 12 && otw_be16(par + 10) != 0)
            otw_app_int(app, "s7.error_code", otw_be16(par + 10));
        else if (group == 0x4 && sub == 0x01)
            szl_response(app, dat, dlen);
        return;
    }
    if (type != 4)          /* push (0) and others: no request */
        return;
    otw_app_strz(app, "s7.userdata_group", otw_tok_str(ud_groups, group, "unknown"));
    otw_app_strz(app, "s7.userdata_func", otw_tok_str(ud_funcs, group << 8 | sub, "unknown"));
    switch (group) {
    case 0x1:
    case 0x6:
        cls = C_WRITE;
        break;
    case 0x2:
    case 0x3:
        cls = C_READ;
        break;
    case 0x4:
        cls = C_DIAG;
        if (sub == 0x01) {
            cls = C_READ;
            /* data: return code 0xff, transport size, length(2), SZL id, index */
            if (dlen >= 8 && dat[0] == 0xff) {
                uint16_t id = otw_be16(dat + 4);
                char buf[8] = {'0', 'x', hexd[id >> 12], hexd[(id >> 8) & 15],
                               hexd[(id >> 4) & 15], hexd[id & 15], 0, 0};
                otw_app_str(app, "s7.szl_id", buf, 6);
                /* module / component identification */
                if ((id & 0xff) == 0x11 || (id & 0xff) == 0x1c)
                    cls = C_DIAG;
            }
        }
        break;
    case 0x7:
        cls = (sub == 0x02 || sub == 0x04) ? C_WRITE : C_READ;
        break;
    case 0xf:
        cls = C_PROG;
        break;
    default:
        cls = C_DIAG;
        break;
    }
    if (group == 0x3 && sub == 0x03 && dlen >= 12 && dat[0] == 0xff) {
        /* get_block_info: "0A" "00001" "B" -> reuse the file-name reader */
        uint8_t name[8] = {'_', dat[4], dat[5], dat[6], dat[7], dat[8], dat[9], dat[10]};
        rec_block(app, name, sizeof(name));
    }
    otw_app_strz(app, "ot.class", cls);
}

/* One S7 PDU (or its first fragment: `whole` is 0). */
static void s7pdu(struct otw_app *app, const uint8_t *p, size_t n, int whole)
{
    size_t hlen;
    uint8_t rosctr;
    uint16_t plen, dlen;

    if (n < 10) {
        otw_app_event(app, "s7comm.bad_header");
        return;
    }
    rosctr = p[1];
    hlen = (rosctr == R_ACK || rosctr == R_ACK_DATA) ? 12 : 10;
    if (otw_tok_str(rosctrs, rosctr, NULL) == NULL) {
        otw_app_event(app, "s7comm.bad_rosctr");
        return;
    }
    otw_app_protocol(app, "s7comm");    /* also when attached as s7comm-plus */
    otw_app_strz(app, "s7.rosctr", otw_tok_str(rosctrs, rosctr, NULL));
    if (n < hlen) {
        otw_app_event(app, "s7comm.bad_header");
        return;
    }
    plen = otw_be16(p + 6);
    dlen = otw_be16(p + 8);
    if ((whole && hlen + plen + dlen != n) || hlen + plen > n) {
        otw_app_event(app, "s7comm.bad_length");
        if (hlen + plen > n)
            plen = (uint16_t)(n - hlen);
    }
    if (hlen + plen + dlen > n)
        dlen = (uint16_t)(n - hlen - plen);
    if (hlen == 12 && p[10] != 0) {
        otw_app_strz(app, "s7.error", otw_tok_str(err_classes, p[10], "unknown"));
        otw_app_int(app, "s7.error_code", otw_be16(p + 10));
    }
    if (rosctr == R_JOB)
        job(app, p + hlen, plen);
    else if (rosctr == R_USERDATA)
        userdata(app, p + hlen, plen, p + hlen + plen, dlen);
    else if (rosctr == R_ACK_DATA && plen >= 8 && p[hlen] == 0xf0)
        otw_app_int(app, "s7.pdu_size", otw_be16(p + hlen + 6));
}

/* One S7comm-plus PDU: 0x72 version length(2) [V3 digest] opcode ... */
static void s7plus(struct otw_app *app, const uint8_t *p, size_t n)
{
    struct otw_cur c;
    uint8_t ver, op;
    uint16_t fn;

    otw_app_protocol(app, "s7comm-plus");
    otw_cur_init(&c, p + 1, n - 1);
    ver = otw_cur_u8(&c);
    otw_cur_skip(&c, 2);
    if (ver == 3)           /* integrity part: digest length, digest */
        otw_cur_skip(&c, otw_cur_u8(&c));
    op = otw_cur_u8(&c);
    if (c.err) {
        otw_app_event(app, "s7comm.bad_plus");
        return;
    }
    otw_app_int(app, "s7plus.version", ver);
    /* A long PDU continues in further 0x72 fragments without an opcode:
     * only the ones with a known opcode are counted. */
    if (otw_tok_str(s7p_opcodes, op, NULL) == NULL)
        return;
    otw_app_strz(app, "s7plus.opcode", otw_tok_str(s7p_opcodes, op, NULL));
    if (op != 0x31 && op != 0x32)
        return;
    otw_cur_skip(&c, 2);
    fn = otw_cur_be16(&c);
    if (c.err || fn == 0)
        return;
    otw_app_int(app, "s7plus.function_code", fn);
    otw_app_strz(app, "s7plus.function", otw_tok_str(s7p_funcs, fn, "unknown"));
}

/* One TPKT payload (the COTP TPDU). */
static void tpdu(struct s7_state *st, struct otw_app *app, int dir, const uint8_t *p, size_t n)
{
    uint8_t li = p[0], type = p[1] & 0xf0;

    if (li < 1 || (size_t)li + 1 > n) {
        otw_app_event(app, "s7comm.bad_cotp");
        return;
    }
    if (type == COTP_DT) {
        size_t ulen = n - li - 1;
        const uint8_t *u = p + li + 1;
        int eot = li >= 2 && (p[2] & 0x80);
        int first = !st->cont[dir];

        st->cont[dir] = !eot && ulen > 0;
        if (ulen == 0 || !first)
            return;
        if (u[0] == 0x32)
            s7pdu(app, u, ulen, eot);
        else if (u[0] == 0x72)
            s7plus(app, u, ulen);
        else
            otw_app_event(app, "s7comm.unknown_payload");
        return;
    }
    if (otw_tok_str(cotp_types, type, NULL) == NULL) {
        otw_app_event(app, "s7comm.bad_cotp");
        return;
    }
    otw_app_strz(app, "s7.cotp", otw_tok_str(cotp_types, type, NULL));
    if ((type == COTP_CR || type == COTP_CC) && li >= 6) {
        /* dst-ref(2) src-ref(2) class(1), then parameters up to LI */
        struct otw_cur c;
        otw_cur_init(&c, p + 7, li - 6);
        while (otw_cur_left(&c) >= 2) {
            uint8_t code = otw_cur_u8(&c), len = otw_cur_u8(&c);
            const uint8_t *v = otw_cur_ptr(&c, len);
            if (v == NULL) {
                otw_app_event(app, "s7comm.bad_cotp");
                break;
            }
            if (type != COTP_CR)
                continue;
            if (code == 0xc1)
                rec_hex(app, "s7.src_tsap", v, len);
            else if (code == 0xc2)
                rec_hex(app, "s7.dst_tsap", v, len);
            else if (code == 0xc0 && len == 1 && v[0] >= 7 && v[0] <= 13)
                otw_app_int(app, "s7.tpdu_size", 1 << v[0]);
        }
    }
}

/* A plausible TPKT + COTP header at p (n >= 6 bytes). */
static int tpkt_ok(const uint8_t *p, size_t n)
{
    uint16_t tlen;

    if (n < 6 || p[0] != 3 || p[1] != 0)
        return 0;
    tlen = otw_be16(p + 2);
    return tlen >= TPKT_MIN && p[4] >= 1 && (size_t)p[4] + 5 <= tlen &&
           otw_tok_str(cotp_types, p[5] & 0xf0, NULL) != NULL;
}

static ssize_t s7_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct s7_state *st = state;
    size_t off = 0;

    if (st->resync[dir]) {
        while (off + 6 <= len && !tpkt_ok(p + off, len - off))
            off++;
        if (off + 6 > len)
            return (ssize_t)(len > 5 ? len - 5 : 0);
        st->resync[dir] = 0;
        st->cont[dir] = 0;
    }
    while (len - off >= TPKT_HDR) {
        uint16_t tlen;

        if (p[off] != 3 || p[off + 1] != 0) {
            otw_app_event(app, "s7comm.bad_tpkt");
            return -1;
        }
        tlen = otw_be16(p + off + 2);
        if (tlen < TPKT_MIN) {
            otw_app_event(app, "s7comm.bad_length");
            return -1;
        }
        if (len - off < tlen)
            break;
        tpdu(st, app, dir, p + off + TPKT_HDR, tlen - TPKT_HDR);
        off += tlen;
    }
    return (ssize_t)off;
}

static void s7_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct s7_state *st = state;

    st->resync[dir] = 1;
}

/*
 * Identification: walk the TPKTs at the start of the direction. A CR/CC
 * naming both TSAPs (RDP's X.224 CR carries a cookie or a negotiation
 * request, never TSAPs) or a DR/DC: look further (MORE). A DT decides: its
 * payload starts 0x32 with a valid ROSCTR (S7comm) or 0x72 (S7comm-plus).
 * `want` is 0x32 or 0x72. A session that never gets past the COTP
 * connection (a TSAP scan, a refused CR) is therefore left to the port
 * guess: the CR alone cannot say which of the two protocols follows.
 */
static int probe_common(const uint8_t *p, size_t len, uint8_t want)
{
    size_t pos = 0;

    for (;;) {
        size_t left = len - pos;
        uint16_t tlen;
        uint8_t li, type;

        if (left < 6) {
            if (left >= 1 && p[pos] != 3)
                return OTW_PROBE_NO;
            if (left >= 2 && p[pos + 1] != 0)
                return OTW_PROBE_NO;
            return OTW_PROBE_MORE;
        }
        if (!tpkt_ok(p + pos, left))
            return OTW_PROBE_NO;
        tlen = otw_be16(p + pos + 2);
        li = p[pos + 4];
        type = p[pos + 5] & 0xf0;
        if (type == COTP_DT) {
            if (left < 7)
                return OTW_PROBE_MORE;
            if (li != 2 || (p[pos + 6] & 0x7f) != 0)
                return OTW_PROBE_NO;
            if (tlen == 7) {            /* empty DT: look at the next one */
                pos += tlen;
                if (pos >= len)
                    return OTW_PROBE_MORE;
                continue;
            }
            if (left < 9)
                return OTW_PROBE_MORE;
            if (p[pos + 7] == 0x32 && want == 0x32)
                return otw_tok_str(rosctrs, p[pos + 8], NULL) ? OTW_PROBE_YES : OTW_PROBE_NO;
            if (p[pos + 7] == 0x72 && want == 0x72)
                return p[pos + 8] >= 1 && p[pos + 8] <= 3 ? OTW_PROBE_YES : OTW_PROBE_NO;
            return OTW_PROBE_NO;
        }
        if (type == COTP_CR || type == COTP_CC) {
            int tsaps = 0;
            size_t q;
            if (tlen != (size_t)li + 5 || li < 6)
                return OTW_PROBE_NO;
            if (left < tlen)
                return tlen <= OTW_PROBE_BYTES ? OTW_PROBE_MORE : OTW_PROBE_NO;
            for (q = pos + 11; q + 2 <= pos + tlen; q += 2 + (size_t)p[q + 1]) {
                uint8_t code = p[q];
                if (code == 0xc1 || code == 0xc2)
                    tsaps++;
                else if (code != 0xc0 && code != 0xc3 && code != 0xc6 && code != 0x85 &&
                         code != 0x87 && code != 0x8a && code != 0x8b && code != 0xe0)
                    return OTW_PROBE_NO;
            }
            if (q != pos + tlen || tsaps != 2)
                return OTW_PROBE_NO;
        } else if (type == COTP_DR || type == COTP_DC) {
            if (left < tlen)
                return tlen <= OTW_PROBE_BYTES ? OTW_PROBE_MORE : OTW_PROBE_NO;
        } else {
            return OTW_PROBE_NO;
        }
        pos += tlen;
        if (pos >= len)
            return OTW_PROBE_MORE;
    }
}

static int s7_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    return probe_common(p, len, 0x32);
}

static int s7p_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    return probe_common(p, len, 0x72);
}

static const uint16_t s7_ports[] = {102, 0};

static const struct otw_pfield s7_fields[] = {
    {"s7.cotp", OTW_PF_STR, "COTP connection TPDU: cr, cc, dr, dc, er ..."},
    {"s7.src_tsap", OTW_PF_STR, "calling TSAP of a COTP CR (hex)"},
    {"s7.dst_tsap", OTW_PF_STR, "called TSAP of a COTP CR (hex; rack/slot of the PLC)"},
    {"s7.tpdu_size", OTW_PF_INT, "TPDU size proposed in a COTP CR"},
    {"s7.rosctr", OTW_PF_STR, "S7 PDU type: job, ack, ack_data, userdata"},
    {"s7.func", OTW_PF_STR, "S7 job function: read_var, write_var, download_block, plc_stop ..."},
    {"s7.func_code", OTW_PF_INT, "S7 job function code"},
    {"s7.pi_service", OTW_PF_STR, "PI service of a plc_control job (_INSE, _DELE, P_PROGRAM ...)"},
    {"s7.area", OTW_PF_STR, "memory area of a read/write item: inputs, outputs, flags, db1 ..."},
    {"s7.block", OTW_PF_STR, "block downloaded, uploaded or queried: OB1, DB10, FC2 ..."},
    {"s7.userdata_group", OTW_PF_STR, "userdata function group of a request: cpu_functions ..."},
    {"s7.userdata_func", OTW_PF_STR, "userdata subfunction of a request: read_szl, list_blocks ..."},
    {"s7.szl_id", OTW_PF_STR, "SZL id of a read_szl request (0x0011 = module identification)"},
    {"s7.order_number", OTW_PF_STR, "read_szl 0x0011 answer: the module's order number (MLFB)"},
    {"s7.module_name", OTW_PF_STR, "read_szl 0x001c answer: module name"},
    {"s7.module_type", OTW_PF_STR, "read_szl 0x001c answer: module type name"},
    {"s7.system_name", OTW_PF_STR, "read_szl 0x001c answer: automation system name"},
    {"s7.plant_id", OTW_PF_STR, "read_szl 0x001c answer: plant designation"},
    {"s7.serial", OTW_PF_STR, "read_szl 0x001c answer: serial number"},
    {"s7.pdu_size", OTW_PF_INT, "PDU size granted by setup_communication"},
    {"s7.error", OTW_PF_STR, "error class of an ack/ack_data"},
    {"s7.error_code", OTW_PF_INT, "error class and code of an ack/ack_data or userdata response"},
    {"s7plus.version", OTW_PF_INT, "S7comm-plus protocol version"},
    {"s7plus.opcode", OTW_PF_STR, "S7comm-plus opcode: request, response, notification"},
    {"s7plus.function", OTW_PF_STR, "S7comm-plus function: create_object, set_variable ..."},
    {"s7plus.function_code", OTW_PF_INT, "S7comm-plus function code"},
    {"ot.class", OTW_PF_STR, "class of an OT request: read, write, program, control, diagnostic"},
    {NULL, 0, NULL},
};

static const char *const s7_events[] = {
    "s7comm.bad_tpkt",      "s7comm.bad_length",       "s7comm.bad_cotp",
    "s7comm.bad_header",    "s7comm.bad_rosctr",       "s7comm.unknown_payload",
    "s7comm.bad_item",      "s7comm.unknown_function", "s7comm.bad_userdata",
    "s7comm.bad_plus",      NULL,
};

const struct otw_parser otw_parser_s7comm = {
    .name = "s7comm",
    .desc = "Siemens S7comm over ISO-on-TCP (TPKT/COTP)",
    .transports = OTW_PT_TCP,
    .ports = s7_ports,
    .probe = s7_probe,
    .state_size = sizeof(struct s7_state),
    .parse = s7_parse,
    .gap = s7_gap,
    .finish = NULL,
    .free = NULL,
    .fields = s7_fields,
    .events = s7_events,
};

const struct otw_parser otw_parser_s7commplus = {
    .name = "s7comm-plus",
    .desc = "Siemens S7comm-plus over ISO-on-TCP (identification, opcode, function)",
    .transports = OTW_PT_TCP,
    .ports = NULL,
    .probe = s7p_probe,
    .state_size = sizeof(struct s7_state),
    .parse = s7_parse,
    .gap = s7_gap,
    .finish = NULL,
    .free = NULL,
    .fields = s7_fields,
    .events = s7_events,
};
