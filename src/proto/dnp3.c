/*
 * dnp3.c - DNP3 (IEEE 1815-2012) over TCP and UDP, port 20000.
 *
 * Fourth stage of the pipeline: the engine hands us in-order bytes per
 * direction (TCP) or one datagram per call (UDP). DNP3 has three layers and
 * we take all three apart:
 *
 *   link (section 9.2): frames that start 0x05 0x64, a header with its own
 *     CRC, then the user data in blocks of 16 bytes, each followed by a CRC;
 *   transport (section 8): one byte per link frame, FIN/FIR/sequence, that
 *     strings segments into an application fragment;
 *   application (section 4.2.2): control, function code, (responses) IIN,
 *     then object headers.
 *
 * Link frame:
 *
 *    0       1       2       3       4       5       6       7       8       9
 *   +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
 *   | 0x05  | 0x64  |  LEN  | CTRL  |  destination  |    source     |  header CRC   |
 *   +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
 *   | user data block (<= 16 bytes) | CRC | user data block | CRC | ...
 *
 *   LEN counts CTRL, destination, source and the user data (5..255), not the
 *   CRCs; addresses and CRCs are little-endian. CTRL: DIR 0x80, PRM 0x40,
 *   FCB 0x20, FCV/DFC 0x10, function 0x0f (3/4: confirmed/unconfirmed user
 *   data carry a transport segment). The CRC is CRC-16/DNP (polynomial
 *   0x3D65, reflected, complemented) over the header's first 8 bytes and over
 *   each data block.
 *
 * Transport header: FIN 0x80 | FIR 0x40 | sequence 0x3f. Segments are
 * reassembled into one application fragment per direction, capped at
 * DNP3_FRAG_MAX bytes (the usual maximum fragment size); a longer fragment is
 * cut (event dnp3.fragment_too_long) and parsed as far as it goes.
 *
 * Application header: AC (FIR FIN CON UNS seq), FC, and in responses (FC
 * 129, 130, 131) the two IIN bytes. Object headers (section 4.2.2.7): group,
 * variation, qualifier (prefix code bits 6-4, range code bits 3-0), range.
 * Objects are listed while their size is known (table below); at the first
 * object whose size we do not know, the listing stops (no event: that is our
 * limit, not the peer's fault).
 *
 * Counting (for the golden cross-check with tshark): dnp3.func,
 * dnp3.func_code, dnp3.object and (responses) dnp3.iin are counted once per
 * reassembled application fragment, in both directions (a function code says
 * by itself whether it is a request or a response); ot.class once per request
 * fragment (function codes below 128, except confirm: an acknowledgement
 * asks the outstation to do nothing). dnp3.src_addr and dnp3.dst_addr are
 * counted once per valid link frame. tshark equivalent: `-Y dnp3.al.func -e
 * dnp3.al.func`, all directions.
 *
 * Classes: read (read); write (write, assign_class); control (select,
 * operate, direct operates, freezes, restarts, initialize_data, start/stop
 * application, enable/disable unsolicited); program (initialize_application,
 * save_configuration, file operations, activate_config); diagnostic
 * (delay_measure, record_current_time, authentication requests).
 */
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define DNP3_HDR 10             /* link header including its CRC */
#define DNP3_FRAG_MAX 2048      /* application fragment cap per direction */
#define DNP3_MAX_OBJECTS 32     /* object headers listed per fragment */
#define DNP3_JUNK_MAX 65536     /* garbage bytes tolerated before detaching */

static const uint16_t crc_table[256] = {
    0x0000, 0x365e, 0x6cbc, 0x5ae2, 0xd978, 0xef26, 0xb5c4, 0x839a,
    0xff89, 0xc9d7, 0x9335, 0xa56b, 0x26f1, 0x10af, 0x4a4d, 0x7c13,
    0xb26b, 0x8435, 0xded7, 0xe889, 0x6b13, 0x5d4d, 0x07af, 0x31f1,
    0x4de2, 0x7bbc, 0x215e, 0x1700, 0x949a, 0xa2c4, 0xf826, 0xce78,
    0x29af, 0x1ff1, 0x4513, 0x734d, 0xf0d7, 0xc689, 0x9c6b, 0xaa35,
    0xd626, 0xe078, 0xba9a, 0x8cc4, 0x0f5e, 0x3900, 0x63e2, 0x55bc,
    0x9bc4, 0xad9a, 0xf778, 0xc126, 0x42bc, 0x74e2, 0x2e00, 0x185e,
    0x644d, 0x5213, 0x08f1, 0x3eaf, 0xbd35, 0x8b6b, 0xd189, 0xe7d7,
    0x535e, 0x6500, 0x3fe2, 0x09bc, 0x8a26, 0xbc78, 0xe69a, 0xd0c4,
    0xacd7, 0x9a89, 0xc06b, 0xf635, 0x75af, 0x43f1, 0x1913, 0x2f4d,
    0xe135, 0xd76b, 0x8d89, 0xbbd7, 0x384d, 0x0e13, 0x54f1, 0x62af,
    0x1ebc, 0x28e2, 0x7200, 0x445e, 0xc7c4, 0xf19a, 0xab78, 0x9d26,
    0x7af1, 0x4caf, 0x164d, 0x2013, 0xa389, 0x95d7, 0xcf35, 0xf96b,
    0x8578, 0xb326, 0xe9c4, 0xdf9a, 0x5c00, 0x6a5e, 0x30bc, 0x06e2,
    0xc89a, 0xfec4, 0xa426, 0x9278, 0x11e2, 0x27bc, 0x7d5e, 0x4b00,
    0x3713, 0x014d, 0x5baf, 0x6df1, 0xee6b, 0xd835, 0x82d7, 0xb489,
    0xa6bc, 0x90e2, 0xca00, 0xfc5e, 0x7fc4, 0x499a, 0x1378, 0x2526,
    0x5935, 0x6f6b, 0x3589, 0x03d7, 0x804d, 0xb613, 0xecf1, 0xdaaf,
    0x14d7, 0x2289, 0x786b, 0x4e35, 0xcdaf, 0xfbf1, 0xa113, 0x974d,
    0xeb5e, 0xdd00, 0x87e2, 0xb1bc, 0x3226, 0x0478, 0x5e9a, 0x68c4,
    0x8f13, 0xb94d, 0xe3af, 0xd5f1, 0x566b, 0x6035, 0x3ad7, 0x0c89,
    0x709a, 0x46c4, 0x1c26, 0x2a78, 0xa9e2, 0x9fbc, 0xc55e, 0xf300,
    0x3d78, 0x0b26, 0x51c4, 0x679a, 0xe400, 0xd25e, 0x88bc, 0xbee2,
    0xc2f1, 0xf4af, 0xae4d, 0x9813, 0x1b89, 0x2dd7, 0x7735, 0x416b,
    0xf5e2, 0xc3bc, 0x995e, 0xaf00, 0x2c9a, 0x1ac4, 0x4026, 0x7678,
    0x0a6b, 0x3c35, 0x66d7, 0x5089, 0xd313, 0xe54d, 0xbfaf, 0x89f1,
    0x4789, 0x71d7, 0x2b35, 0x1d6b, 0x9ef1, 0xa8af, 0xf24d, 0xc413,
    0xb800, 0x8e5e, 0xd4bc, 0xe2e2, 0x6178, 0x5726, 0x0dc4, 0x3b9a,
    0xdc4d, 0xea13, 0xb0f1, 0x86af, 0x0535, 0x336b, 0x6989, 0x5fd7,
    0x23c4, 0x159a, 0x4f78, 0x7926, 0xfabc, 0xcce2, 0x9600, 0xa05e,
    0x6e26, 0x5878, 0x029a, 0x34c4, 0xb75e, 0x8100, 0xdbe2, 0xedbc,
    0x91af, 0xa7f1, 0xfd13, 0xcb4d, 0x48d7, 0x7e89, 0x246b, 0x1235,
};

static uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
    uint16_t c = 0;

    while (n--)
        c = (uint16_t)((c >> 8) ^ crc_table[(c ^ *p++) & 0xff]);
    return (uint16_t)~c;
}

enum { C_NONE = 0, C_READ, C_WRITE, C_CONTROL, C_PROG, C_DIAG };

static const char *const class_name[] = {NULL, "read", "write", "control", "program",
                                         "diagnostic"};

struct dnp3_func {
    uint8_t code;
    uint8_t cls;
    uint8_t nodata;     /* its object headers carry no point data */
    const char *name;
};

/* Application function codes, IEEE 1815-2012 section 4.2.2.5. */
static const struct dnp3_func funcs[] = {
    {0, C_NONE, 1, "confirm"},
    {1, C_READ, 1, "read"},
    {2, C_WRITE, 0, "write"},
    {3, C_CONTROL, 0, "select"},
    {4, C_CONTROL, 0, "operate"},
    {5, C_CONTROL, 0, "direct_operate"},
    {6, C_CONTROL, 0, "direct_operate_nr"},
    {7, C_CONTROL, 1, "immediate_freeze"},
    {8, C_CONTROL, 1, "immediate_freeze_nr"},
    {9, C_CONTROL, 1, "freeze_clear"},
    {10, C_CONTROL, 1, "freeze_clear_nr"},
    {11, C_CONTROL, 0, "freeze_at_time"},
    {12, C_CONTROL, 0, "freeze_at_time_nr"},
    {13, C_CONTROL, 1, "cold_restart"},
    {14, C_CONTROL, 1, "warm_restart"},
    {15, C_CONTROL, 0, "initialize_data"},
    {16, C_PROG, 0, "initialize_application"},
    {17, C_CONTROL, 0, "start_application"},
    {18, C_CONTROL, 0, "stop_application"},
    {19, C_PROG, 0, "save_configuration"},
    {20, C_CONTROL, 1, "enable_unsolicited"},
    {21, C_CONTROL, 1, "disable_unsolicited"},
    {22, C_WRITE, 1, "assign_class"},
    {23, C_DIAG, 1, "delay_measure"},
    {24, C_DIAG, 1, "record_current_time"},
    {25, C_PROG, 0, "open_file"},
    {26, C_PROG, 0, "close_file"},
    {27, C_PROG, 0, "delete_file"},
    {28, C_PROG, 0, "get_file_info"},
    {29, C_PROG, 0, "authenticate_file"},
    {30, C_PROG, 0, "abort_file"},
    {31, C_PROG, 0, "activate_config"},
    {32, C_DIAG, 0, "authenticate_req"},
    {33, C_DIAG, 0, "authenticate_req_no_ack"},
    {129, C_NONE, 0, "response"},
    {130, C_NONE, 0, "unsolicited_response"},
    {131, C_NONE, 0, "authenticate_resp"},
};

/* Internal indications, section 4.2.2.7.4: IIN1 bits then IIN2 bits. */
static const char *const iin_names[16] = {
    "broadcast", "class_1_events", "class_2_events", "class_3_events",
    "need_time", "local_control", "device_trouble", "device_restart",
    "no_func_code_support", "object_unknown", "parameter_error", "events_buffer_overflow",
    "already_executing", "config_corrupt", "reserved_2", "reserved_1",
};

static const struct dnp3_func *func_find(unsigned fc)
{
    for (size_t i = 0; i < OTW_ARRAY_LEN(funcs); i++)
        if (funcs[i].code == fc)
            return &funcs[i];
    return NULL;
}

/*
 * Bytes per point of a fixed-size object (IEEE 1815-2012 Annex A), as
 * (group, variation, size): size > 0 is bytes, size < 0 is -bits (packed
 * bit strings, rounded up to whole bytes over the range). Groups 110 and 111
 * (octet strings) have size = variation; group 60 (class data) never has
 * point data. Anything else is "unknown size".
 */
struct objsize {
    uint8_t g, v;
    int8_t size;
};

static const struct objsize objsizes[] = {
    {1, 1, -1}, {1, 2, 1},
    {2, 1, 1}, {2, 2, 7}, {2, 3, 3},
    {3, 1, -2}, {3, 2, 1},
    {4, 1, 1}, {4, 2, 7}, {4, 3, 3},
    {10, 1, -1}, {10, 2, 1},
    {11, 1, 1}, {11, 2, 7},
    {12, 1, 11}, {12, 2, 11}, {12, 3, -1},
    {13, 1, 1}, {13, 2, 7},
    {20, 1, 5}, {20, 2, 3}, {20, 5, 4}, {20, 6, 2},
    {21, 1, 5}, {21, 2, 3}, {21, 5, 11}, {21, 6, 9}, {21, 9, 4}, {21, 10, 2},
    {22, 1, 5}, {22, 2, 3}, {22, 5, 11}, {22, 6, 9},
    {23, 1, 5}, {23, 2, 3}, {23, 5, 11}, {23, 6, 9},
    {30, 1, 5}, {30, 2, 3}, {30, 3, 4}, {30, 4, 2}, {30, 5, 5}, {30, 6, 9},
    {31, 1, 5}, {31, 2, 3}, {31, 3, 11}, {31, 4, 9}, {31, 5, 4}, {31, 6, 2}, {31, 7, 5},
    {31, 8, 9},
    {32, 1, 5}, {32, 2, 3}, {32, 3, 11}, {32, 4, 9}, {32, 5, 5}, {32, 6, 9}, {32, 7, 11},
    {32, 8, 15},
    {33, 1, 5}, {33, 2, 3}, {33, 3, 11}, {33, 4, 9}, {33, 5, 5}, {33, 6, 9}, {33, 7, 11},
    {33, 8, 15},
    {34, 1, 2}, {34, 2, 4}, {34, 3, 4},
    {40, 1, 5}, {40, 2, 3}, {40, 3, 5}, {40, 4, 9},
    {41, 1, 5}, {41, 2, 3}, {41, 3, 5}, {41, 4, 9},
    {42, 1, 5}, {42, 2, 3}, {42, 3, 11}, {42, 4, 9}, {42, 5, 5}, {42, 6, 9}, {42, 7, 11},
    {42, 8, 15},
    {43, 1, 5}, {43, 2, 3}, {43, 3, 11}, {43, 4, 9}, {43, 5, 5}, {43, 6, 9}, {43, 7, 11},
    {43, 8, 15},
    {50, 1, 6}, {50, 2, 10}, {50, 3, 6}, {50, 4, 11},
    {51, 1, 6}, {51, 2, 6},
    {52, 1, 2}, {52, 2, 2},
    {80, 1, -1},
};

/* 0: unknown; > 0 bytes; < 0 bits. */
static int obj_size(unsigned g, unsigned v)
{
    if ((g == 110 || g == 111) && v > 0)
        return (int)v;
    for (size_t i = 0; i < OTW_ARRAY_LEN(objsizes); i++)
        if (objsizes[i].g == g && objsizes[i].v == v)
            return objsizes[i].size;
    return 0;
}

struct dnp3_dir {
    uint8_t buf[DNP3_FRAG_MAX];
    uint16_t n;
    uint8_t active;     /* a fragment is being assembled */
    uint8_t seq;        /* transport sequence of the last segment */
    uint8_t cut;        /* the fragment overflowed DNP3_FRAG_MAX */
    uint32_t junk;      /* bytes skipped since the last valid link header */
};

struct dnp3_state {
    struct dnp3_dir d[2];
};

static const char F_FUNC[] = "dnp3.func";
static const char F_FUNC_CODE[] = "dnp3.func_code";
static const char F_OT_CLASS[] = "ot.class";
static const char F_OBJECT[] = "dnp3.object";
static const char F_IIN[] = "dnp3.iin";
static const char F_SRC[] = "dnp3.src_addr";
static const char F_DST[] = "dnp3.dst_addr";

static const char E_BAD_CRC[] = "dnp3.bad_crc";
static const char E_BAD_START[] = "dnp3.bad_start";
static const char E_BAD_LENGTH[] = "dnp3.bad_length";
static const char E_SEQ[] = "dnp3.transport_sequence";
static const char E_TOO_LONG[] = "dnp3.fragment_too_long";
static const char E_SHORT[] = "dnp3.short_fragment";
static const char E_UNKNOWN_FUNC[] = "dnp3.unknown_function";
static const char E_BAD_OBJECT[] = "dnp3.bad_object";
static const char E_TRUNC_OBJECT[] = "dnp3.truncated_object";
static const char E_GAP[] = "dnp3.gap";

/* Total bytes of a link frame whose LEN byte is `l` (>= 5). */
static size_t frame_len(unsigned l)
{
    size_t ud = l - 5;

    return DNP3_HDR + ud + 2 * ((ud + 15) / 16);
}

/* Valid link header at p (10 bytes available)? */
static int hdr_ok(const uint8_t *p)
{
    return p[0] == 0x05 && p[1] == 0x64 && p[2] >= 5 && dnp3_crc(p, 8) == otw_le16(p + 8);
}

/* Start bytes, a sane length and a header CRC that checks: garbage and
 * other protocols essentially never pass the CRC. */
static int dnp3_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    OTW_UNUSED(dir);
    OTW_UNUSED(fi);
    if (p[0] != 0x05 || (len >= 2 && p[1] != 0x64) || (len >= 3 && p[2] < 5))
        return OTW_PROBE_NO;
    if (len < DNP3_HDR)
        return OTW_PROBE_MORE;
    return hdr_ok(p) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

/* "g12v1" */
static void record_object(struct otw_app *app, unsigned g, unsigned v)
{
    char b[12];
    size_t n = 0;

    b[n++] = 'g';
    if (g >= 100)
        b[n++] = (char)('0' + g / 100);
    if (g >= 10)
        b[n++] = (char)('0' + g / 10 % 10);
    b[n++] = (char)('0' + g % 10);
    b[n++] = 'v';
    if (v >= 100)
        b[n++] = (char)('0' + v / 100);
    if (v >= 10)
        b[n++] = (char)('0' + v / 10 % 10);
    b[n++] = (char)('0' + v % 10);
    otw_app_str(app, F_OBJECT, b, n);
}

static uint32_t read_n(struct otw_cur *c, unsigned n)
{
    switch (n) {
    case 1: return otw_cur_u8(c);
    case 2: return otw_cur_le16(c);
    case 4: return otw_cur_le32(c);
    default: c->err = 1; return 0;
    }
}

/*
 * Object headers after the application header. Each: group, variation,
 * qualifier, range, then (unless the function or group carries none) the
 * points: prefix (index or size, 0/1/2/4 bytes) + object.
 */
static void objects(struct otw_app *app, const uint8_t *p, size_t n, int nodata)
{
    static const uint8_t width[4] = {0, 1, 2, 4};
    struct otw_cur c;

    otw_cur_init(&c, p, n);
    for (unsigned k = 0; k < DNP3_MAX_OBJECTS && otw_cur_left(&c) > 0; k++) {
        unsigned g = otw_cur_u8(&c), v = otw_cur_u8(&c), q = otw_cur_u8(&c);
        unsigned prefix = (q >> 4) & 7, rc = q & 0x0f;
        uint64_t count = 0, data;
        int size;

        if (c.err) {
            otw_app_event(app, E_TRUNC_OBJECT);
            return;
        }
        record_object(app, g, v);
        if (q & 0x80) {
            otw_app_event(app, E_BAD_OBJECT);
            return;
        }
        switch (rc) {
        case 0: case 1: case 2: case 3: case 4: case 5: {
            unsigned w = width[(rc % 3) + 1];
            uint32_t start = read_n(&c, w), stop = read_n(&c, w);
            if (!c.err && stop < start) {
                otw_app_event(app, E_BAD_OBJECT);
                return;
            }
            count = (uint64_t)stop - start + 1;
            break;
        }
        case 6:
            count = 0;
            break;
        case 7: case 8: case 9:
            count = read_n(&c, width[rc - 6]);
            break;
        case 0x0b:
            count = otw_cur_u8(&c);
            break;
        default:
            otw_app_event(app, E_BAD_OBJECT);
            return;
        }
        if (c.err) {
            otw_app_event(app, E_TRUNC_OBJECT);
            return;
        }
        if (rc == 6 || count == 0)
            continue;
        if (prefix >= 4 && prefix <= 6) {
            /* Every object is preceded by its own size, in any function (a
             * READ of g70v5 names the file handle this way). */
            for (uint64_t i = 0; i < count && !c.err; i++)
                otw_cur_skip(&c, read_n(&c, width[prefix - 3]));
            if (c.err) {
                otw_app_event(app, E_TRUNC_OBJECT);
                return;
            }
            continue;
        }
        if (nodata || g == 60)
            continue;
        if (prefix > 6 || rc == 0x0b) {
            otw_app_event(app, E_BAD_OBJECT);
            return;
        }
        size = obj_size(g, v);
        if (size == 0)
            return;                 /* unknown size: stop listing */
        if (size < 0) {
            if (prefix != 0)
                return;             /* indexed bit objects: not handled */
            data = (count * (uint64_t)-size + 7) / 8;
        } else {
            data = count * (uint64_t)(size + width[prefix]);
        }
        if (data > otw_cur_left(&c)) {
            otw_app_event(app, E_TRUNC_OBJECT);
            return;
        }
        otw_cur_skip(&c, (size_t)data);
    }
}

/* One reassembled application fragment. */
static void application(struct otw_app *app, const uint8_t *p, size_t n)
{
    const struct dnp3_func *f;
    unsigned fc;
    size_t off = 2;

    if (n < 2) {
        otw_app_event(app, E_SHORT);
        return;
    }
    fc = p[1];
    f = func_find(fc);
    otw_app_int(app, F_FUNC_CODE, fc);
    if (f == NULL) {
        otw_app_strz(app, F_FUNC, "unknown");
        otw_app_event(app, E_UNKNOWN_FUNC);
        return;
    }
    otw_app_strz(app, F_FUNC, f->name);
    if (fc >= 129) {
        unsigned iin;
        if (n < 4) {
            otw_app_event(app, E_SHORT);
            return;
        }
        iin = p[2] | (unsigned)p[3] << 8;
        for (unsigned b = 0; b < 16; b++)
            if (iin & (1u << b))
                otw_app_strz(app, F_IIN, iin_names[b]);
        off = 4;
    } else if (f->cls != C_NONE) {
        otw_app_strz(app, F_OT_CLASS, class_name[f->cls]);
    }
    objects(app, p + off, n - off, f->nodata);
}

/* One transport segment (the user data of one link frame). */
static void transport(struct dnp3_dir *d, struct otw_app *app, const uint8_t *p, size_t n)
{
    unsigned th = p[0], seq = th & 0x3f;
    size_t take;

    if (th & 0x40) {
        d->active = 1;
        d->n = 0;
        d->cut = 0;
    } else if (!d->active) {
        otw_app_event(app, E_SEQ);
        return;
    } else if (seq == d->seq) {
        return;                     /* link-layer retry of the same segment */
    } else if (seq != ((d->seq + 1u) & 0x3f)) {
        otw_app_event(app, E_SEQ);
        d->active = 0;
        return;
    }
    d->seq = (uint8_t)seq;
    take = n - 1;
    if (take > sizeof(d->buf) - d->n) {
        take = sizeof(d->buf) - d->n;
        if (!d->cut)
            otw_app_event(app, E_TOO_LONG);
        d->cut = 1;
    }
    memcpy(d->buf + d->n, p + 1, take);
    d->n = (uint16_t)(d->n + take);
    if (th & 0x80) {
        application(app, d->buf, d->n);
        d->active = 0;
    }
}

/* One complete link frame of `total` bytes whose header checked. */
static void link_frame(struct dnp3_dir *d, struct otw_app *app, const uint8_t *p, size_t total)
{
    uint8_t ud[250];
    size_t n = 0, off = DNP3_HDR;
    unsigned ctrl = p[3];

    otw_app_int(app, F_DST, otw_le16(p + 4));
    otw_app_int(app, F_SRC, otw_le16(p + 6));
    while (off < total) {
        size_t blk = OTW_MIN((size_t)16, total - off - 2);
        if (dnp3_crc(p + off, blk) != otw_le16(p + off + blk)) {
            otw_app_event(app, E_BAD_CRC);
            return;
        }
        memcpy(ud + n, p + off, blk);
        n += blk;
        off += blk + 2;
    }
    /* Primary frames with user data: 3 confirmed, 4 unconfirmed. */
    if (n > 0 && (ctrl & 0x40) && ((ctrl & 0x0f) == 3 || (ctrl & 0x0f) == 4))
        transport(d, app, ud, n);
}

static ssize_t dnp3_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct dnp3_state *st = state;
    struct dnp3_dir *d = &st->d[dir & 1];
    size_t off = 0;

    while (off < len) {
        size_t left = len - off, total;

        if (p[off] != 0x05 || (left >= 2 && p[off + 1] != 0x64)) {
            /* Not a frame start: skip to the next 0x05 0x64. */
            const uint8_t *s = memchr(p + off + 1, 0x05, left - 1);
            size_t skip = s ? (size_t)(s - (p + off)) : left;
            if (d->junk == 0)
                otw_app_event(app, E_BAD_START);
            d->junk += (uint32_t)skip;
            off += skip;
            if (d->junk > DNP3_JUNK_MAX)
                return -1;
            continue;
        }
        if (left < DNP3_HDR)
            break;
        if (!hdr_ok(p + off)) {
            otw_app_event(app, p[off + 2] < 5 ? E_BAD_LENGTH : E_BAD_CRC);
            if (d->junk == 0)
                d->junk = 1;        /* the bad_start event is already said */
            d->junk += 1;
            off += 1;
            if (d->junk > DNP3_JUNK_MAX)
                return -1;
            continue;
        }
        total = frame_len(p[off + 2]);
        if (left < total)
            break;
        d->junk = 0;
        link_frame(d, app, p + off, total);
        off += total;
    }
    return (ssize_t)off;
}

static void dnp3_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct dnp3_state *st = state;

    OTW_UNUSED(lost);
    st->d[dir & 1].active = 0;      /* the fragment lost a piece */
    otw_app_event(app, E_GAP);
}

static const uint16_t dnp3_ports[] = {20000, 0};

static const struct otw_pfield dnp3_fields[] = {
    {F_FUNC, OTW_PF_STR, "application function (read, operate, cold_restart, response ...)"},
    {F_FUNC_CODE, OTW_PF_INT, "application function code"},
    {F_OT_CLASS, OTW_PF_STR, "OT function class of a request: read, write, program, control, diagnostic"},
    {F_OBJECT, OTW_PF_STR, "object group and variation in a fragment (g12v1 = CROB)"},
    {F_IIN, OTW_PF_STR, "internal indication set in a response (device_restart, need_time ...)"},
    {F_SRC, OTW_PF_INT, "link-layer source address"},
    {F_DST, OTW_PF_INT, "link-layer destination address"},
    {NULL, 0, NULL},
};

static const char *const dnp3_events[] = {
    E_BAD_CRC, E_BAD_START, E_BAD_LENGTH, E_SEQ, E_TOO_LONG, E_SHORT, E_UNKNOWN_FUNC,
    E_BAD_OBJECT, E_TRUNC_OBJECT, E_GAP, NULL,
};

const struct otw_parser otw_parser_dnp3 = {
    .name = "dnp3",
    .desc = "DNP3 (IEEE 1815) over TCP and UDP",
    .transports = OTW_PT_TCP | OTW_PT_UDP,
    .ports = dnp3_ports,
    .probe = dnp3_probe,
    .state_size = sizeof(struct dnp3_state),
    .parse = dnp3_parse,
    .gap = dnp3_gap,
    .finish = NULL,
    .free = NULL,
    .fields = dnp3_fields,
    .events = dnp3_events,
};
