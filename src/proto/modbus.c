/*
 * modbus.c - Modbus/TCP (MBAP framing over TCP 502).
 *
 * Fourth stage of the pipeline: the engine hands us the reassembled bytes of
 * each direction; we cut them into MBAP PDUs and record, per session, what
 * the client asked the server to do. Specs: "MODBUS Messaging on TCP/IP
 * Implementation Guide V1.0b" (MBAP header, section 3.1.3) and "MODBUS
 * Application Protocol Specification V1.1b3" (function codes section 6,
 * exception codes section 7, Read Device Identification section 6.21).
 *
 * MBAP header (7 bytes) and the PDU that follows it:
 *
 *    0               1               2               3
 *   +---------------+---------------+---------------+---------------+
 *   |        transaction id         |  protocol id (always 0)       |
 *   +---------------+---------------+---------------+---------------+
 *   |     length (unit id + PDU)    |    unit id    | function code |
 *   +---------------+---------------+---------------+---------------+
 *   |  data (length - 2 bytes, at most 252)  ...
 *
 * The PDU is at most 253 bytes (section 4.1), so a valid length is 2..254.
 *
 * Counting (for the golden cross-check with tshark):
 *   - requests are the bytes sent to the server (OTW_DIR_TO_SERVER, i.e. to
 *     port 502 as the flow table orients sessions); per request PDU we count
 *     modbus.unit, modbus.func, modbus.func_code, modbus.class, ot.class,
 *     modbus.read_range / modbus.write_range, modbus.mei;
 *   - responses (OTW_DIR_TO_CLIENT) count modbus.exception and
 *     modbus.exception_code (one per exception PDU) and the device
 *     identification strings (one per object in a function 43/14 response).
 *   tshark equivalent: `-Y "modbus && tcp.dstport == 502" -e modbus.func_code`.
 *
 * Responses are matched to requests by transaction id in a small table
 * (OTW_MB_PENDING entries, the oldest overwritten when full): a response
 * nobody asked for raises modbus.unmatched_response.
 *
 * Function classes (ot.class): read (1-4, 20, 24), write (5, 6, 15, 16, 21,
 * 22, 23), diagnostic (7, 8, 11, 12, 17, 43), program (the old Modicon
 * programming codes 9, 10, 13, 14, 18, 19, 40, 125, 126, the user-defined
 * ranges 65-72 and 100-110 that vendors use for engineering tools, and 90 =
 * Schneider UMAS). Any other code is recorded by number with modbus.func
 * "unknown", no class, and event modbus.unknown_function.
 */
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define MB_LEN_MIN 2        /* unit id + function code */
#define MB_LEN_MAX 254      /* unit id + 253-byte PDU */
#define OTW_MB_PENDING 16   /* outstanding requests remembered per session */

enum { C_NONE = 0, C_READ, C_WRITE, C_DIAG, C_PROG };

static const char *const class_name[] = {NULL, "read", "write", "diagnostic", "program"};

/* Function codes (Application Protocol Specification section 5.1 and 6; the
 * legacy Modicon codes as Wireshark names them). `cls` is the ot.class. */
struct mb_func {
    uint8_t code;
    uint8_t cls;
    const char *name;
};

static const struct mb_func funcs[] = {
    {1, C_READ, "read_coils"},
    {2, C_READ, "read_discrete_inputs"},
    {3, C_READ, "read_holding_registers"},
    {4, C_READ, "read_input_registers"},
    {5, C_WRITE, "write_single_coil"},
    {6, C_WRITE, "write_single_register"},
    {7, C_DIAG, "read_exception_status"},
    {8, C_DIAG, "diagnostics"},
    {9, C_PROG, "program_484"},
    {10, C_PROG, "poll_484"},
    {11, C_DIAG, "get_comm_event_counter"},
    {12, C_DIAG, "get_comm_event_log"},
    {13, C_PROG, "program_584_984"},
    {14, C_PROG, "poll_584_984"},
    {15, C_WRITE, "write_multiple_coils"},
    {16, C_WRITE, "write_multiple_registers"},
    {17, C_DIAG, "report_server_id"},
    {18, C_PROG, "program_884_u84"},
    {19, C_PROG, "reset_comm_link_884_u84"},
    {20, C_READ, "read_file_record"},
    {21, C_WRITE, "write_file_record"},
    {22, C_WRITE, "mask_write_register"},
    {23, C_WRITE, "read_write_multiple_registers"},
    {24, C_READ, "read_fifo_queue"},
    {40, C_PROG, "program_concept"},
    {43, C_DIAG, "encapsulated_interface_transport"},
    {90, C_PROG, "umas"},
    {125, C_PROG, "firmware_replacement"},
    {126, C_PROG, "program_584_984_2"},
};

/* The user-defined ranges (section 5.1): vendor engineering functions. */
static int user_defined(unsigned fc)
{
    return (fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110);
}

static const struct mb_func *func_find(unsigned fc)
{
    static const struct mb_func user = {0, C_PROG, "user_defined"};

    for (size_t i = 0; i < OTW_ARRAY_LEN(funcs); i++)
        if (funcs[i].code == fc)
            return &funcs[i];
    return user_defined(fc) ? &user : NULL;
}

/* Exception codes, section 7. */
static const struct otw_tok exceptions[] = {
    {1, "illegal_function"},
    {2, "illegal_data_address"},
    {3, "illegal_data_value"},
    {4, "server_device_failure"},
    {5, "acknowledge"},
    {6, "server_device_busy"},
    {7, "negative_acknowledge"},
    {8, "memory_parity_error"},
    {10, "gateway_path_unavailable"},
    {11, "gateway_target_failed"},
    {0, NULL},
};

/* MEI types of function 43, section 6.19-6.21. */
static const struct otw_tok mei_types[] = {
    {13, "canopen_general_reference"},
    {14, "read_device_identification"},
    {0, NULL},
};

struct mb_pending {
    uint16_t tid;
    uint8_t fc;
    uint8_t mei;
    uint8_t used;
};

struct modbus_state {
    /* The last few requests' signatures (unit, function, first 4 data
     * bytes, length) and the values each recorded: a poller repeats a
     * small cycle of requests, which are then counted without re-parsing. */
    struct {
        uint8_t sig[8];
        bool used;
        struct otw_app_mark mark;
    } seen[4];
    uint8_t seen_next;
    struct mb_pending pend[OTW_MB_PENDING];
    uint8_t next;           /* slot overwritten next when the table is full */
    uint8_t resync[2];      /* after a gap: look for a plausible header */
};

static const char F_UNIT[] = "modbus.unit";
static const char F_FUNC[] = "modbus.func";
static const char F_FUNC_CODE[] = "modbus.func_code";
static const char F_CLASS[] = "modbus.class";
static const char F_OT_CLASS[] = "ot.class";
static const char F_READ[] = "modbus.read_range";
static const char F_WRITE[] = "modbus.write_range";
static const char F_MEI[] = "modbus.mei";
static const char F_EXC[] = "modbus.exception";
static const char F_EXC_CODE[] = "modbus.exception_code";
static const char F_VENDOR[] = "modbus.device_vendor";
static const char F_PRODUCT[] = "modbus.device_product";
static const char F_REVISION[] = "modbus.device_revision";
static const char F_PRODUCT_NAME[] = "modbus.device_product_name";
static const char F_MODEL[] = "modbus.device_model";

static const char E_BAD_LENGTH[] = "modbus.bad_length";
static const char E_BAD_PROTO[] = "modbus.bad_protocol_id";
static const char E_UNKNOWN_FUNC[] = "modbus.unknown_function";
static const char E_UNMATCHED[] = "modbus.unmatched_response";
static const char E_BAD_VALUE[] = "modbus.bad_value";
static const char E_TRUNC_PDU[] = "modbus.truncated_pdu";
static const char E_RESYNC[] = "modbus.resync";

/* Is `fc` a function code a real peer would send in direction `dir`? */
static int plausible_fc(unsigned fc, int dir)
{
    if (dir == OTW_DIR_TO_CLIENT && (fc & 0x80))
        fc &= 0x7f;
    return fc != 0 && func_find(fc) != NULL;
}

/* Does a plausible MBAP header start at p (at least 8 bytes)? */
static int plausible_hdr(const uint8_t *p, int dir)
{
    unsigned len = otw_be16(p + 4);

    return otw_be16(p + 2) == 0 && len >= MB_LEN_MIN && len <= MB_LEN_MAX &&
           plausible_fc(p[7], dir);
}

/*
 * Strict on purpose: every parser sees the first bytes of every TCP session.
 * Protocol id 0 and a length within 2..254; then either a function code we
 * know (for the fixed-size requests 1-6 and the echoes 5 and 6 with the
 * exact length 6), or, for codes we do not know (a function-code scanner
 * starts at 0), bytes that are exactly whole PDUs.
 */
static int mb_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    unsigned mlen, fc;
    size_t end;
    int whole;

    OTW_UNUSED(fi);
    if (len >= 4 && otw_be16(p + 2) != 0)
        return OTW_PROBE_NO;
    if (len >= 6) {
        mlen = otw_be16(p + 4);
        if (mlen < MB_LEN_MIN || mlen > MB_LEN_MAX)
            return OTW_PROBE_NO;
    }
    if (len < 8)
        return OTW_PROBE_MORE;
    mlen = otw_be16(p + 4);
    fc = p[7];
    end = 6 + (size_t)mlen;
    /* A second PDU in the same bytes must be a header too. */
    if (len >= end + 8 && !plausible_hdr(p + end, dir))
        return OTW_PROBE_NO;
    whole = len == end || len >= end + 8;
    if (!plausible_fc(fc, dir))
        return whole ? OTW_PROBE_YES : OTW_PROBE_MORE;
    if (fc >= 1 && fc <= 6 && (dir == OTW_DIR_TO_SERVER || fc == 5 || fc == 6) && mlen != 6)
        return OTW_PROBE_NO;
    if ((fc & 0x80) && mlen < 3)
        return OTW_PROBE_NO;
    return OTW_PROBE_YES;
}

/* The decimal digits of v at b (at most 5 for a 16-bit value); returns
 * how many. */
static size_t fmt_u(char *b, unsigned v)
{
    char t[8];
    size_t n = 0, k = 0;

    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof(t));
    while (n)
        b[k++] = t[--n];
    return k;
}

/* Records "holding:100-109" or "coil:5". */
static void range(struct otw_app *app, const char *field, const char *table, unsigned addr,
                  unsigned qty)
{
    char buf[40];
    size_t n = strlen(table);
    unsigned last;

    if (qty == 0)
        return;
    last = addr + qty - 1;
    if (last > 0xffff) {
        otw_app_event(app, E_BAD_VALUE);
        last = 0xffff;
    }
    memcpy(buf, table, n);
    buf[n++] = ':';
    n += fmt_u(buf + n, addr);
    if (last != addr) {
        buf[n++] = '-';
        n += fmt_u(buf + n, last);
    }
    otw_app_str(app, field, buf, n);
}

/* Address + quantity request (functions 1-4, 15, 16): checks the spec's
 * quantity limits (section 6.1-6.4, 6.11, 6.12). */
static void addr_qty(struct otw_app *app, struct otw_cur *c, const char *field,
                     const char *table, unsigned max)
{
    unsigned addr = otw_cur_be16(c), qty = otw_cur_be16(c);

    if (c->err) {
        otw_app_event(app, E_TRUNC_PDU);
        return;
    }
    if (qty == 0 || qty > max) {
        otw_app_event(app, E_BAD_VALUE);    /* the server will refuse it: no range */
        return;
    }
    range(app, field, table, addr, qty);
}

static void pend_add(struct modbus_state *st, uint16_t tid, uint8_t fc, uint8_t mei)
{
    for (unsigned i = 0; i < OTW_MB_PENDING; i++) {
        if (!st->pend[i].used) {
            st->pend[i] = (struct mb_pending){tid, fc, mei, 1};
            return;
        }
    }
    st->pend[st->next] = (struct mb_pending){tid, fc, mei, 1};
    st->next = (uint8_t)((st->next + 1) % OTW_MB_PENDING);
}

static struct mb_pending *pend_find(struct modbus_state *st, uint16_t tid, uint8_t fc)
{
    for (unsigned i = 0; i < OTW_MB_PENDING; i++)
        if (st->pend[i].used && st->pend[i].tid == tid && st->pend[i].fc == fc)
            return &st->pend[i];
    return NULL;
}

static void request_record(struct modbus_state *st, struct otw_app *app, uint16_t tid,
                           unsigned unit, unsigned fc, struct otw_cur *c);

/* One request PDU: c is at the byte after the function code. */
static void request(struct modbus_state *st, struct otw_app *app, uint16_t tid, unsigned unit,
                    unsigned fc, struct otw_cur *c)
{
    uint8_t mei = 0;
    uint8_t sig[8] = {(uint8_t)unit, (uint8_t)fc, 0, 0, 0, 0, 0, 0};
    size_t left = otw_cur_left(c);

    memcpy(sig + 2, c->p, OTW_MIN(left, (size_t)4));
    sig[6] = (uint8_t)OTW_MIN(left, (size_t)255);
    sig[7] = (uint8_t)(left > 4);
    for (unsigned i = 0; i < OTW_ARRAY_LEN(st->seen); i++) {
        if (st->seen[i].used && memcmp(sig, st->seen[i].sig, sizeof(sig)) == 0 &&
            otw_app_mark_repeat(app, &st->seen[i].mark)) {
            if (fc == 43 && left >= 1)
                mei = c->p[0];
            pend_add(st, tid, (uint8_t)fc, mei);
            return;
        }
    }
    {
        unsigned k = st->seen_next++ % OTW_ARRAY_LEN(st->seen);
        memcpy(st->seen[k].sig, sig, sizeof(sig));
        st->seen[k].used = true;
        otw_app_mark_begin(app, &st->seen[k].mark);
        request_record(st, app, tid, unit, fc, c);
        otw_app_mark_end(app);
    }
}

/* request() the long way: records every value of the request. */
static void request_record(struct modbus_state *st, struct otw_app *app, uint16_t tid,
                           unsigned unit, unsigned fc, struct otw_cur *c)
{
    const struct mb_func *f = func_find(fc);
    uint8_t mei = 0;

    otw_app_int(app, F_UNIT, unit);
    otw_app_int(app, F_FUNC_CODE, fc);
    if (f == NULL) {
        otw_app_strz(app, F_FUNC, "unknown");
        otw_app_event(app, E_UNKNOWN_FUNC);
        pend_add(st, tid, (uint8_t)fc, 0);
        return;
    }
    otw_app_strz(app, F_FUNC, f->name);
    otw_app_strz(app, F_CLASS, class_name[f->cls]);
    otw_app_strz(app, F_OT_CLASS, class_name[f->cls]);

    switch (fc) {
    case 1: addr_qty(app, c, F_READ, "coil", 2000); break;
    case 2: addr_qty(app, c, F_READ, "discrete", 2000); break;
    case 3: addr_qty(app, c, F_READ, "holding", 125); break;
    case 4: addr_qty(app, c, F_READ, "input", 125); break;
    case 15: addr_qty(app, c, F_WRITE, "coil", 1968); break;
    case 16: addr_qty(app, c, F_WRITE, "holding", 123); break;
    case 5:
    case 6:
    case 22:
    case 24: {
        unsigned addr = otw_cur_be16(c);
        if (c->err) {
            otw_app_event(app, E_TRUNC_PDU);
            break;
        }
        if (fc == 24)
            range(app, F_READ, "holding", addr, 1);
        else
            range(app, F_WRITE, fc == 5 ? "coil" : "holding", addr, 1);
        break;
    }
    case 23: {
        unsigned ra = otw_cur_be16(c), rq = otw_cur_be16(c);
        unsigned wa = otw_cur_be16(c), wq = otw_cur_be16(c);
        if (c->err) {
            otw_app_event(app, E_TRUNC_PDU);
            break;
        }
        if (rq == 0 || rq > 125 || wq == 0 || wq > 121) {
            otw_app_event(app, E_BAD_VALUE);
            break;
        }
        range(app, F_READ, "holding", ra, rq);
        range(app, F_WRITE, "holding", wa, wq);
        break;
    }
    case 43:
        mei = otw_cur_u8(c);
        if (c->err) {
            otw_app_event(app, E_TRUNC_PDU);
            break;
        }
        otw_app_strz(app, F_MEI, otw_tok_str(mei_types, mei, "unknown"));
        break;
    default:
        break;
    }
    pend_add(st, tid, (uint8_t)fc, mei);
}

/* Read Device Identification response (section 6.21): c is after the MEI
 * type byte.
 *
 *   read dev id code | conformity | more follows | next object id |
 *   number of objects | { object id | object length | value } ...
 */
static void device_id(struct otw_app *app, struct otw_cur *c)
{
    unsigned nobj;

    otw_cur_skip(c, 4);
    nobj = otw_cur_u8(c);
    for (unsigned i = 0; i < nobj && !c->err; i++) {
        unsigned id = otw_cur_u8(c), olen = otw_cur_u8(c);
        const uint8_t *v = otw_cur_ptr(c, olen);
        const char *field = NULL;

        if (v == NULL)
            break;
        switch (id) {
        case 0: field = F_VENDOR; break;
        case 1: field = F_PRODUCT; break;
        case 2: field = F_REVISION; break;
        case 4: field = F_PRODUCT_NAME; break;
        case 5: field = F_MODEL; break;
        default: break;
        }
        if (field != NULL && olen > 0)
            otw_app_str(app, field, (const char *)v, olen);
    }
    if (c->err)
        otw_app_event(app, E_TRUNC_PDU);
}

/* One response PDU: c is at the byte after the function code. */
static void response(struct modbus_state *st, struct otw_app *app, uint16_t tid, unsigned fc,
                     struct otw_cur *c)
{
    struct mb_pending *pr = pend_find(st, tid, (uint8_t)(fc & 0x7f));
    uint8_t mei = pr ? pr->mei : 0;

    if (pr == NULL)
        otw_app_event(app, E_UNMATCHED);
    else
        pr->used = 0;
    if (fc & 0x80) {
        unsigned code = otw_cur_u8(c);
        if (c->err) {
            otw_app_event(app, E_TRUNC_PDU);
            return;
        }
        otw_app_int(app, F_EXC_CODE, code);
        otw_app_strz(app, F_EXC, otw_tok_str(exceptions, (int)code, "unknown"));
        return;
    }
    if (fc == 43) {
        unsigned rmei = otw_cur_u8(c);
        if (!c->err && rmei == 14 && (pr == NULL || mei == 14))
            device_id(app, c);
    }
}

/* After a gap: the offset of the first plausible header, or -1. */
static ssize_t find_hdr(const uint8_t *p, size_t len, int dir)
{
    for (size_t i = 0; i + 8 <= len; i++)
        if (plausible_hdr(p + i, dir))
            return (ssize_t)i;
    return -1;
}

static ssize_t mb_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct modbus_state *st = state;
    size_t off = 0;

    if (st->resync[dir & 1]) {
        ssize_t at = find_hdr(p, len, dir);
        if (at < 0)
            return len > 7 ? (ssize_t)(len - 7) : 0;
        st->resync[dir & 1] = 0;
        off = (size_t)at;
    }
    while (len - off >= 8) {
        const uint8_t *h = p + off;
        uint16_t tid = otw_be16(h);
        unsigned mlen = otw_be16(h + 4), unit = h[6], fc = h[7];
        struct otw_cur c;

        if (otw_be16(h + 2) != 0) {
            otw_app_event(app, E_BAD_PROTO);
            return -1;
        }
        if (mlen < MB_LEN_MIN || mlen > MB_LEN_MAX) {
            otw_app_event(app, E_BAD_LENGTH);
            return -1;
        }
        if (len - off < 6 + (size_t)mlen)
            break;  /* need more */
        otw_cur_init(&c, h + 8, mlen - 2);
        if (dir == OTW_DIR_TO_SERVER)
            request(st, app, tid, unit, fc, &c);
        else
            response(st, app, tid, fc, &c);
        off += 6 + (size_t)mlen;
    }
    return (ssize_t)off;
}

static void mb_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct modbus_state *st = state;

    OTW_UNUSED(lost);
    st->resync[dir & 1] = 1;
    otw_app_event(app, E_RESYNC);
}

static const uint16_t mb_ports[] = {502, 0};

static const struct otw_pfield mb_fields[] = {
    {F_UNIT, OTW_PF_INT, "unit identifier of a request (MBAP byte 6)"},
    {F_FUNC, OTW_PF_STR, "function of a request (read_holding_registers, umas, unknown ...)"},
    {F_FUNC_CODE, OTW_PF_INT, "function code of a request"},
    {F_CLASS, OTW_PF_STR, "class of a request: read, write, diagnostic, program"},
    {F_OT_CLASS, OTW_PF_STR, "OT function class of a request: read, write, program, control, diagnostic"},
    {F_READ, OTW_PF_STR, "table and address range a request reads (holding:0-9, coil:5)"},
    {F_WRITE, OTW_PF_STR, "table and address range a request writes (holding:100-109, coil:5)"},
    {F_MEI, OTW_PF_STR, "MEI type of an encapsulated interface transport request"},
    {F_EXC, OTW_PF_STR, "exception of a response (illegal_data_address ...)"},
    {F_EXC_CODE, OTW_PF_INT, "exception code of a response"},
    {F_VENDOR, OTW_PF_STR, "device identification: VendorName (object 0)"},
    {F_PRODUCT, OTW_PF_STR, "device identification: ProductCode (object 1)"},
    {F_REVISION, OTW_PF_STR, "device identification: MajorMinorRevision (object 2)"},
    {F_PRODUCT_NAME, OTW_PF_STR, "device identification: ProductName (object 4)"},
    {F_MODEL, OTW_PF_STR, "device identification: ModelName (object 5)"},
    {NULL, 0, NULL},
};

static const char *const mb_events[] = {
    E_BAD_LENGTH, E_BAD_PROTO, E_UNKNOWN_FUNC, E_UNMATCHED, E_BAD_VALUE, E_TRUNC_PDU, E_RESYNC,
    NULL,
};

const struct otw_parser otw_parser_modbus = {
    .name = "modbus",
    .desc = "Modbus/TCP (MBAP)",
    .transports = OTW_PT_TCP,
    .ports = mb_ports,
    .probe = mb_probe,
    .state_size = sizeof(struct modbus_state),
    .parse = mb_parse,
    .gap = mb_gap,
    .finish = NULL,
    .free = NULL,
    .fields = mb_fields,
    .events = mb_events,
};
