/*
 * test_proto_ot.c - the OT parsers (Modbus/TCP, DNP3) fed byte arrays
 * directly, the way proto/engine.c feeds them: probe() on the first bytes,
 * parse() with the unconsumed remainder of the previous call in front.
 *
 * Bytes from the test captures (tests/pcaps/...), taken with
 *   tshark -r F -Y 'frame.number==N' -T fields -e tcp.payload   (or udp.payload)
 * and named F#N at each array. Crafted inputs say so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protorig.h"

#include "proto/app.h"
#include "proto/proto.h"

extern const struct otw_parser otw_parser_modbus;
extern const struct otw_parser otw_parser_dnp3;

static const struct otw_flowinfo fi_tcp502 = {4, 6, 40000, 502};
static const struct otw_flowinfo fi_tcp20000 = {4, 6, 40000, 20000};

/* The harness (struct rig, rig_new, rig_free, feed) is tests/unit/protorig.h. */
#define rig prig
#define rig_new(ps) prig_new((ps), NULL)
#define rig_free prig_free
#define feed prig_feed

static void feed_bytewise(struct rig *r, int dir, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        feed(r, dir, p + i, 1);
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;

    for (; h[0] && h[1] && n < cap; h += 2) {
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static const char http_get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/* tests/pcaps/modbus/zeek-modbus-and-non-modbus-p502.pcap #49: a TLS
 * ClientHello sent to 502 (first 100 bytes). */
static const char tls_hello_hex[] =
    "1603010085010000810303736ff818542129f78f492d9b1557dafcc7926f075fa314dc76a47a73d1b6f1"
    "09000020c02fc030c02bc02ccca8cca9c013c009c014c00a009c009d002f0035c012000a010000380005";

/* ... #29: a DCERPC bind sent to 502. */
static const char dcerpc_hex[] =
    "05000b03100000004800000001000000b810b8100000000001000000000001000883afe11f5dc911";

static const uint8_t random_bytes[] = {
    0x8f, 0x3a, 0x11, 0xc2, 0x5e, 0x90, 0x07, 0xfe, 0x42, 0x61, 0xd3, 0x2b, 0x7c, 0x18,
    0xa5, 0xe9, 0x34, 0x56, 0x0b, 0xcd,
};

/* ------------------------------------------------------------------ Modbus */

/* zeek-modbus-eit.pcap #1 (request, unit 0, FC 43 MEI 14) and #2 (reply). */
static const uint8_t mb_eit_req[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x2b, 0x0e, 0x01, 0x00};
static const uint8_t mb_eit_rsp[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x2b, 0x0e, 0x01, 0x00,
                                     0x4d, 0xb7, 0x00, 0x00, 0x00, 0x00, 0x00};
/* zeek-modbus-eit.pcap #4: exception 0xab, code 4. */
static const uint8_t mb_eit_exc[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xab, 0x04};
/* zeek-modbus-and-non-modbus-p502.pcap, session 10.0.0.9:3082: a write single
 * register request, crafted from the capture's shape: tid 1, unit 10,
 * FC 6, address 5, value 0x1234. */
static const uint8_t mb_wsr[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0a, 0x06, 0x00, 0x05, 0x12, 0x34};
/* Crafted: read holding registers 100..109, tid 2, unit 1. */
static const uint8_t mb_rhr[] = {0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x64, 0x00, 0x0a};

static void mb_probe_yes_no(void **unused)
{
    uint8_t b[128];
    size_t n;

    (void)unused;
    assert_int_equal(otw_parser_modbus.probe(mb_eit_req, sizeof(mb_eit_req), OTW_DIR_TO_SERVER, &fi_tcp502),
                     OTW_PROBE_YES);
    assert_int_equal(otw_parser_modbus.probe(mb_eit_rsp, sizeof(mb_eit_rsp), OTW_DIR_TO_CLIENT, &fi_tcp502),
                     OTW_PROBE_YES);
    assert_int_equal(otw_parser_modbus.probe(mb_eit_exc, sizeof(mb_eit_exc), OTW_DIR_TO_CLIENT, &fi_tcp502),
                     OTW_PROBE_YES);
    assert_int_equal(otw_parser_modbus.probe(mb_wsr, 5, OTW_DIR_TO_SERVER, &fi_tcp502), OTW_PROBE_MORE);
    assert_int_equal(otw_parser_modbus.probe((const uint8_t *)http_get, strlen(http_get),
                                             OTW_DIR_TO_SERVER, &fi_tcp502),
                     OTW_PROBE_NO);
    n = unhex(tls_hello_hex, b, sizeof(b));
    assert_int_equal(otw_parser_modbus.probe(b, n, OTW_DIR_TO_SERVER, &fi_tcp502), OTW_PROBE_NO);
    n = unhex(dcerpc_hex, b, sizeof(b));
    assert_int_equal(otw_parser_modbus.probe(b, n, OTW_DIR_TO_SERVER, &fi_tcp502), OTW_PROBE_NO);
    assert_int_equal(otw_parser_modbus.probe(random_bytes, sizeof(random_bytes), OTW_DIR_TO_SERVER, &fi_tcp502),
                     OTW_PROBE_NO);
    /* A DNP3 frame is not Modbus. */
    n = unhex("05641ac40200030040f2c6c7030c0128010001000301640000008fda6400000000005b", b, sizeof(b));
    assert_int_equal(otw_parser_modbus.probe(b, n, OTW_DIR_TO_SERVER, &fi_tcp502), OTW_PROBE_NO);
    /* Read holding registers with the wrong length for the function. */
    memcpy(b, mb_rhr, sizeof(mb_rhr));
    b[5] = 7;
    b[12] = 0;
    assert_int_equal(otw_parser_modbus.probe(b, 13, OTW_DIR_TO_SERVER, &fi_tcp502), OTW_PROBE_NO);
}

static void mb_request_response(void **unused)
{
    struct rig *r = rig_new(&otw_parser_modbus);

    (void)unused;
    feed(r, OTW_DIR_TO_SERVER, mb_eit_req, sizeof(mb_eit_req));
    feed(r, OTW_DIR_TO_CLIENT, mb_eit_rsp, sizeof(mb_eit_rsp));
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", "encapsulated_interface_transport"), 1);
    assert_int_equal(otw_app_count_int(r->app, "modbus.func_code", 43), 1);
    assert_int_equal(otw_app_count_int(r->app, "modbus.unit", 0), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "diagnostic"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.mei", "read_device_identification"), 1);
    assert_int_equal(otw_app_event_count(r->app, "modbus.unmatched_response"), 0);
    assert_int_equal(r->blen[0] + r->blen[1], 0);
    /* The exception of #4 answers no request of this session. */
    feed(r, OTW_DIR_TO_CLIENT, mb_eit_exc, sizeof(mb_eit_exc));
    assert_int_equal(otw_app_event_count(r->app, "modbus.unmatched_response"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.exception", "server_device_failure"), 1);
    assert_int_equal(otw_app_count_int(r->app, "modbus.exception_code", 4), 1);
    rig_free(r);
}

static void mb_ranges_and_classes(void **unused)
{
    struct rig *r = rig_new(&otw_parser_modbus);
    /* Crafted: write multiple coils 5 (qty 1), write multiple registers
     * 200..203, read/write multiple 10..11 / 20..22, mask write 7, UMAS. */
    static const uint8_t more[] = {
        0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x01, 0x0f, 0x00, 0x05, 0x00, 0x01, 0x01, 0x01,
        0x00, 0x04, 0x00, 0x00, 0x00, 0x0f, 0x01, 0x10, 0x00, 0xc8, 0x00, 0x04, 0x08,
        0, 1, 0, 2, 0, 3, 0, 4,
        0x00, 0x05, 0x00, 0x00, 0x00, 0x11, 0x01, 0x17, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x14,
        0x00, 0x03, 0x06, 0, 1, 0, 2, 0, 3,
        0x00, 0x06, 0x00, 0x00, 0x00, 0x08, 0x01, 0x16, 0x00, 0x07, 0xff, 0x00, 0x00, 0x01,
        0x00, 0x07, 0x00, 0x00, 0x00, 0x04, 0x01, 0x5a, 0x00, 0x02,
    };

    (void)unused;
    feed(r, OTW_DIR_TO_SERVER, mb_wsr, sizeof(mb_wsr));
    feed(r, OTW_DIR_TO_SERVER, mb_rhr, sizeof(mb_rhr));
    feed(r, OTW_DIR_TO_SERVER, more, sizeof(more));
    assert_int_equal(r->blen[0], 0);
    assert_int_equal(otw_app_count_str(r->app, "modbus.write_range", "holding:5"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.read_range", "holding:100-109"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.write_range", "coil:5"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.write_range", "holding:200-203"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.read_range", "holding:10-11"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.write_range", "holding:20-22"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.write_range", "holding:7"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", "umas"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "program"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "write"), 5);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "read"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.class", "write"), 5);
    assert_int_equal(otw_app_count_int(r->app, "modbus.unit", 1), 6);
    assert_int_equal(otw_app_count_int(r->app, "modbus.unit", 10), 1);
    assert_int_equal(otw_app_event_count(r->app, "modbus.bad_value"), 0);
    rig_free(r);
}

static void mb_device_identification(void **unused)
{
    struct rig *r = rig_new(&otw_parser_modbus);
    /* Crafted: read device id (basic) request, tid 9, and the answer with
     * VendorName "Schneider Electric", ProductCode "BMX P34 2020",
     * MajorMinorRevision "v2.7". */
    static const uint8_t req[] = {0x00, 0x09, 0x00, 0x00, 0x00, 0x05, 0x01, 0x2b, 0x0e, 0x01, 0x00};
    uint8_t rsp[80];
    size_t n = 0;
    static const char *const obj[] = {"Schneider Electric", "BMX P34 2020", "v2.7"};

    (void)unused;
    memcpy(rsp, (const uint8_t[]){0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2b, 0x0e, 0x01,
                                   0x01, 0x00, 0x00, 0x03},
           14);
    n = 14;
    for (int i = 0; i < 3; i++) {
        rsp[n++] = (uint8_t)i;
        rsp[n++] = (uint8_t)strlen(obj[i]);
        memcpy(rsp + n, obj[i], strlen(obj[i]));
        n += strlen(obj[i]);
    }
    rsp[5] = (uint8_t)(n - 6);
    feed(r, OTW_DIR_TO_SERVER, req, sizeof(req));
    feed_bytewise(r, OTW_DIR_TO_CLIENT, rsp, n);
    assert_int_equal(otw_app_count_str(r->app, "modbus.device_vendor", "Schneider Electric"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.device_product", "BMX P34 2020"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.device_revision", "v2.7"), 1);
    assert_int_equal(otw_app_event_count(r->app, "modbus.unmatched_response"), 0);
    /* The object count says 3 but a 4th is announced: truncated, no crash. */
    rsp[13] = 4;
    feed(r, OTW_DIR_TO_SERVER, req, sizeof(req));
    feed(r, OTW_DIR_TO_CLIENT, rsp, n);
    assert_int_equal(otw_app_event_count(r->app, "modbus.truncated_pdu"), 1);
    rig_free(r);
}

static void mb_split_every_byte(void **unused)
{
    uint8_t two[sizeof(mb_wsr) + sizeof(mb_rhr)];

    (void)unused;
    memcpy(two, mb_wsr, sizeof(mb_wsr));
    memcpy(two + sizeof(mb_wsr), mb_rhr, sizeof(mb_rhr));
    /* Every split point of two PDUs, and one byte at a time. */
    for (size_t cut = 0; cut <= sizeof(two); cut++) {
        struct rig *r = rig_new(&otw_parser_modbus);
        feed(r, OTW_DIR_TO_SERVER, two, cut);
        feed(r, OTW_DIR_TO_SERVER, two + cut, sizeof(two) - cut);
        assert_int_equal(otw_app_count_int(r->app, "modbus.func_code", 6), 1);
        assert_int_equal(otw_app_count_int(r->app, "modbus.func_code", 3), 1);
        assert_int_equal(r->blen[0], 0);
        rig_free(r);
    }
    {
        struct rig *r = rig_new(&otw_parser_modbus);
        feed_bytewise(r, OTW_DIR_TO_SERVER, two, sizeof(two));
        assert_int_equal(otw_app_count_str(r->app, "modbus.func", NULL), 2);
        assert_int_equal(r->blen[0], 0);
        assert_false(r->detached);
        rig_free(r);
    }
}

static void mb_bad_lengths(void **unused)
{
    uint8_t b[16];
    struct rig *r;

    (void)unused;
    /* Length too large (255). */
    memcpy(b, mb_rhr, sizeof(mb_rhr));
    b[5] = 0xff;
    r = rig_new(&otw_parser_modbus);
    feed(r, OTW_DIR_TO_SERVER, b, sizeof(mb_rhr));
    assert_true(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "modbus.bad_length"), 1);
    rig_free(r);
    /* Length too small (1: not even a function code). */
    b[4] = 0;
    b[5] = 1;
    r = rig_new(&otw_parser_modbus);
    feed(r, OTW_DIR_TO_SERVER, b, sizeof(mb_rhr));
    assert_true(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "modbus.bad_length"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", NULL), 0);
    rig_free(r);
    /* A length that is valid but too short for the function: the read
     * request without its quantity. */
    memcpy(b, mb_rhr, sizeof(mb_rhr));
    b[5] = 4;
    r = rig_new(&otw_parser_modbus);
    feed(r, OTW_DIR_TO_SERVER, b, 10);
    assert_false(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "modbus.truncated_pdu"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.read_range", NULL), 0);
    rig_free(r);
    /* Quantity 0 and quantity over the limit. */
    memcpy(b, mb_rhr, sizeof(mb_rhr));
    b[11] = 0;
    r = rig_new(&otw_parser_modbus);
    feed(r, OTW_DIR_TO_SERVER, b, sizeof(mb_rhr));
    b[10] = 0x01;   /* 256 registers > 125 */
    feed(r, OTW_DIR_TO_SERVER, b, sizeof(mb_rhr));
    assert_int_equal(otw_app_event_count(r->app, "modbus.bad_value"), 2);
    assert_int_equal(otw_app_count_str(r->app, "modbus.read_range", NULL), 0);
    rig_free(r);
}

static void mb_truncated_and_garbage(void **unused)
{
    struct rig *r = rig_new(&otw_parser_modbus);
    uint8_t b[64];

    (void)unused;
    /* Truncated: only part of a PDU, nothing recorded, all kept. */
    feed(r, OTW_DIR_TO_SERVER, mb_rhr, sizeof(mb_rhr) - 3);
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", NULL), 0);
    assert_int_equal(r->blen[0], sizeof(mb_rhr) - 3);
    feed(r, OTW_DIR_TO_SERVER, mb_rhr + sizeof(mb_rhr) - 3, 3);
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", NULL), 1);
    /* Garbage after valid data: the valid PDU counts, then detach. */
    memcpy(b, mb_wsr, sizeof(mb_wsr));
    memcpy(b + sizeof(mb_wsr), http_get, 16);
    feed(r, OTW_DIR_TO_SERVER, b, sizeof(mb_wsr) + 16);
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", "write_single_register"), 1);
    assert_int_equal(otw_app_event_count(r->app, "modbus.bad_protocol_id"), 1);
    assert_true(r->detached);
    rig_free(r);
}

static void mb_gap_resync(void **unused)
{
    struct rig *r = rig_new(&otw_parser_modbus);
    uint8_t b[64];

    (void)unused;
    /* After a gap the stream resumes mid-PDU: skip to the next header. */
    otw_parser_modbus.gap(r->state, r->app, OTW_DIR_TO_SERVER, 100);
    memcpy(b, mb_wsr + 5, sizeof(mb_wsr) - 5);
    memcpy(b + sizeof(mb_wsr) - 5, mb_rhr, sizeof(mb_rhr));
    feed(r, OTW_DIR_TO_SERVER, b, sizeof(mb_wsr) - 5 + sizeof(mb_rhr));
    assert_false(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "modbus.resync"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", "read_holding_registers"), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", NULL), 1);
    rig_free(r);
}

static void mb_unknown_function(void **unused)
{
    struct rig *r = rig_new(&otw_parser_modbus);
    /* arkime-modbus.pcap #124: a scanner's function 0; then a crafted 99. */
    static const uint8_t f0[] = {0, 0, 0, 0, 0, 6, 1, 0, 0, 0, 0, 0};
    static const uint8_t f99[] = {0, 1, 0, 0, 0, 2, 1, 99};
    static const uint8_t f0_exc[] = {0, 0, 0, 0, 0, 3, 1, 0x80, 1};   /* #127 */

    (void)unused;
    assert_int_equal(otw_parser_modbus.probe(f0, sizeof(f0), OTW_DIR_TO_SERVER, &fi_tcp502), OTW_PROBE_YES);
    assert_int_equal(otw_parser_modbus.probe(f0, 10, OTW_DIR_TO_SERVER, &fi_tcp502), OTW_PROBE_MORE);
    feed(r, OTW_DIR_TO_SERVER, f0, sizeof(f0));
    feed(r, OTW_DIR_TO_SERVER, f99, sizeof(f99));
    feed(r, OTW_DIR_TO_CLIENT, f0_exc, sizeof(f0_exc));
    assert_int_equal(otw_app_count_int(r->app, "modbus.func_code", 0), 1);
    assert_int_equal(otw_app_count_int(r->app, "modbus.func_code", 99), 1);
    assert_int_equal(otw_app_count_str(r->app, "modbus.func", "unknown"), 2);
    assert_int_equal(otw_app_event_count(r->app, "modbus.unknown_function"), 2);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", NULL), 0);
    assert_int_equal(otw_app_count_str(r->app, "modbus.exception", "illegal_function"), 1);
    assert_int_equal(otw_app_event_count(r->app, "modbus.unmatched_response"), 0);
    rig_free(r);
}

/* -------------------------------------------------------------------- DNP3 */

/* zeek-dnp3_select_operate.pcap #4 (SELECT g12v1) and #6 (its response). */
static const char dnp_select_hex[] = "05641ac40200030040f2c6c7030c0128010001000301640000008fda6400000000005b";
static const char dnp_select_rsp_hex[] =
    "05641c44030002004b91fcc78100000c0128010001000301640001a400006400000000005b";
/* zeek-dnp3_udp_read.pcap #5: READ class 0..3 (one datagram). */
static const char dnp_read_hex[] = "056414c40100640067d6c6c7013c02063c03063c04063c010673c0";
/* arkime-dnp3_synthetic.pcap #8 + #9: a WRITE frame cut across two TCP
 * segments (three data blocks). */
static const char dnp_write_hex[] =
    "056426c401000200be0dc0c202000102030405060708090a0b0c6b7c0d0e0f101112131415161718191a1b1c1b251d3b5d";

/* CRC-16/DNP, bit by bit: an implementation independent of the parser's. */
static uint16_t crc_dnp(const uint8_t *p, size_t n)
{
    uint16_t c = 0;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xa6bc) : (uint16_t)(c >> 1);
    }
    return (uint16_t)~c;
}

/* Builds a link frame (unconfirmed user data, master to outstation) around
 * `ud`; returns its length. */
static size_t mkframe(uint8_t *out, const uint8_t *ud, size_t n, uint16_t dst, uint16_t src)
{
    size_t o = 0;
    uint16_t c;

    out[o++] = 0x05;
    out[o++] = 0x64;
    out[o++] = (uint8_t)(5 + n);
    out[o++] = 0xc4;
    out[o++] = (uint8_t)dst;
    out[o++] = (uint8_t)(dst >> 8);
    out[o++] = (uint8_t)src;
    out[o++] = (uint8_t)(src >> 8);
    c = crc_dnp(out, 8);
    out[o++] = (uint8_t)c;
    out[o++] = (uint8_t)(c >> 8);
    for (size_t i = 0; i < n; i += 16) {
        size_t b = n - i < 16 ? n - i : 16;
        memcpy(out + o, ud + i, b);
        c = crc_dnp(ud + i, b);
        o += b;
        out[o++] = (uint8_t)c;
        out[o++] = (uint8_t)(c >> 8);
    }
    return o;
}

static void dnp_probe_yes_no(void **unused)
{
    uint8_t b[128];
    size_t n = unhex(dnp_select_hex, b, sizeof(b));

    (void)unused;
    assert_int_equal(otw_parser_dnp3.probe(b, n, OTW_DIR_TO_SERVER, &fi_tcp20000), OTW_PROBE_YES);
    assert_int_equal(otw_parser_dnp3.probe(b, 10, OTW_DIR_TO_SERVER, &fi_tcp20000), OTW_PROBE_YES);
    assert_int_equal(otw_parser_dnp3.probe(b, 4, OTW_DIR_TO_SERVER, &fi_tcp20000), OTW_PROBE_MORE);
    b[8] ^= 1;  /* header CRC */
    assert_int_equal(otw_parser_dnp3.probe(b, n, OTW_DIR_TO_SERVER, &fi_tcp20000), OTW_PROBE_NO);
    assert_int_equal(otw_parser_dnp3.probe((const uint8_t *)http_get, strlen(http_get),
                                           OTW_DIR_TO_SERVER, &fi_tcp20000),
                     OTW_PROBE_NO);
    n = unhex(tls_hello_hex, b, sizeof(b));
    assert_int_equal(otw_parser_dnp3.probe(b, n, OTW_DIR_TO_SERVER, &fi_tcp20000), OTW_PROBE_NO);
    assert_int_equal(otw_parser_dnp3.probe(random_bytes, sizeof(random_bytes), OTW_DIR_TO_SERVER,
                                           &fi_tcp20000),
                     OTW_PROBE_NO);
    assert_int_equal(otw_parser_dnp3.probe(mb_rhr, sizeof(mb_rhr), OTW_DIR_TO_SERVER, &fi_tcp20000),
                     OTW_PROBE_NO);
}

static void dnp_select_response(void **unused)
{
    struct rig *r = rig_new(&otw_parser_dnp3);
    uint8_t b[128];
    size_t n;

    (void)unused;
    n = unhex(dnp_select_hex, b, sizeof(b));
    feed(r, OTW_DIR_TO_SERVER, b, n);
    n = unhex(dnp_select_rsp_hex, b, sizeof(b));
    feed(r, OTW_DIR_TO_CLIENT, b, n);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "select"), 1);
    assert_int_equal(otw_app_count_int(r->app, "dnp3.func_code", 3), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "response"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "control"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", NULL), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.object", "g12v1"), 2);
    assert_int_equal(otw_app_count_int(r->app, "dnp3.src_addr", 3), 1);
    assert_int_equal(otw_app_count_int(r->app, "dnp3.dst_addr", 2), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.iin", NULL), 0);
    assert_int_equal(r->blen[0] + r->blen[1], 0);
    assert_int_equal(r->app->nevents, 0);
    rig_free(r);
}

static void dnp_split_every_byte(void **unused)
{
    uint8_t b[256];
    size_t n1 = unhex(dnp_read_hex, b, sizeof(b));
    size_t n = n1 + unhex(dnp_write_hex, b + n1, sizeof(b) - n1);

    (void)unused;
    for (size_t cut = 0; cut <= n; cut++) {
        struct rig *r = rig_new(&otw_parser_dnp3);
        feed(r, OTW_DIR_TO_SERVER, b, cut);
        feed(r, OTW_DIR_TO_SERVER, b + cut, n - cut);
        assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "read"), 1);
        assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "write"), 1);
        assert_int_equal(otw_app_count_str(r->app, "dnp3.object", "g60v1"), 1);
        assert_int_equal(otw_app_count_str(r->app, "dnp3.object", "g0v1"), 1);
        assert_int_equal(r->blen[0], 0);
        assert_int_equal(r->app->nevents, 0);
        rig_free(r);
    }
    {
        struct rig *r = rig_new(&otw_parser_dnp3);
        feed_bytewise(r, OTW_DIR_TO_SERVER, b, n);
        assert_int_equal(otw_app_count_str(r->app, "dnp3.func", NULL), 2);
        assert_int_equal(otw_app_count_str(r->app, "dnp3.object", NULL), 5);
        assert_int_equal(r->app->nevents, 0);
        rig_free(r);
    }
}

static void dnp_bad_crc_and_length(void **unused)
{
    uint8_t b[256], g[64];
    size_t n = unhex(dnp_write_hex, b, sizeof(b)), m;
    struct rig *r;
    uint16_t c;

    (void)unused;
    /* A data block CRC wrong: frame dropped, counted, stream goes on. */
    r = rig_new(&otw_parser_dnp3);
    b[12] ^= 0xff;
    feed(r, OTW_DIR_TO_SERVER, b, n);
    assert_int_equal(otw_app_event_count(r->app, "dnp3.bad_crc"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", NULL), 0);
    b[12] ^= 0xff;
    feed(r, OTW_DIR_TO_SERVER, b, n);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "write"), 1);
    assert_int_equal(r->blen[0], 0);
    rig_free(r);
    /* Header CRC wrong: resynchronise at the next frame start. */
    r = rig_new(&otw_parser_dnp3);
    memcpy(g, b, 10);
    g[9] ^= 0x55;
    feed(r, OTW_DIR_TO_SERVER, g, 10);
    feed(r, OTW_DIR_TO_SERVER, b, n);
    assert_int_equal(otw_app_event_count(r->app, "dnp3.bad_crc"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "write"), 1);
    rig_free(r);
    /* Length too small (4 < 5), with a header CRC that checks. */
    r = rig_new(&otw_parser_dnp3);
    memcpy(g, b, 10);
    g[2] = 4;
    c = crc_dnp(g, 8);
    g[8] = (uint8_t)c;
    g[9] = (uint8_t)(c >> 8);
    assert_int_equal(otw_parser_dnp3.probe(g, 10, OTW_DIR_TO_SERVER, &fi_tcp20000), OTW_PROBE_NO);
    feed(r, OTW_DIR_TO_SERVER, g, 10);
    assert_int_equal(otw_app_event_count(r->app, "dnp3.bad_length"), 1);
    rig_free(r);
    /* Length too large for what arrived: truncated, waits for more. */
    r = rig_new(&otw_parser_dnp3);
    feed(r, OTW_DIR_TO_SERVER, b, n - 5);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", NULL), 0);
    assert_int_equal(r->blen[0], n - 5);
    assert_int_equal(r->app->nevents, 0);
    rig_free(r);
    /* Garbage before and after a valid frame. */
    r = rig_new(&otw_parser_dnp3);
    m = 0;
    memcpy(g, random_bytes, sizeof(random_bytes));
    m = sizeof(random_bytes);
    feed(r, OTW_DIR_TO_SERVER, g, m);
    feed(r, OTW_DIR_TO_SERVER, b, n);
    feed(r, OTW_DIR_TO_SERVER, (const uint8_t *)http_get, strlen(http_get));
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "write"), 1);
    assert_int_equal(otw_app_event_count(r->app, "dnp3.bad_start"), 2);
    assert_false(r->detached);
    rig_free(r);
}

static void dnp_transport_reassembly(void **unused)
{
    uint8_t app[600], seg[300], fr[400];
    size_t n = 0, off = 0, fl;
    struct rig *r = rig_new(&otw_parser_dnp3);
    unsigned seq = 5;

    (void)unused;
    /* Crafted: a WRITE of g41v2 (analog output block, 3 bytes) points 0..149 with qualifier 0x01 (2-byte start/stop): 2 + 7 + 450
     * bytes, sent in three transport segments of at most 249 bytes. */
    app[n++] = 0xc3;
    app[n++] = 0x02;
    app[n++] = 41;
    app[n++] = 2;
    app[n++] = 0x01;
    app[n++] = 0;
    app[n++] = 0;
    app[n++] = 149;
    app[n++] = 0;
    for (int i = 0; i < 150 * 3; i++)
        app[n++] = (uint8_t)i;
    /* then g50v1 time, count 1 (qualifier 0x07), 6 bytes */
    app[n++] = 50;
    app[n++] = 1;
    app[n++] = 0x07;
    app[n++] = 1;
    for (int i = 0; i < 6; i++)
        app[n++] = 0;
    while (off < n) {
        size_t take = n - off < 249 ? n - off : 249;
        seg[0] = (uint8_t)((off == 0 ? 0x40 : 0) | (off + take == n ? 0x80 : 0) | (seq & 0x3f));
        memcpy(seg + 1, app + off, take);
        fl = mkframe(fr, seg, take + 1, 10, 1);
        feed(r, OTW_DIR_TO_SERVER, fr, fl);
        assert_int_equal(otw_app_count_str(r->app, "dnp3.func", NULL), off + take == n ? 1 : 0);
        off += take;
        seq++;
    }
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "write"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.object", "g41v2"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.object", "g50v1"), 1);
    assert_int_equal(otw_app_count_int(r->app, "dnp3.src_addr", 1), 2);
    assert_int_equal(r->app->nevents, 0);
    /* A middle segment without its first: sequence event, nothing parsed. */
    seg[0] = 0x80 | 0x11;
    seg[1] = 0xc0;
    seg[2] = 0x01;
    fl = mkframe(fr, seg, 3, 10, 1);
    feed(r, OTW_DIR_TO_SERVER, fr, fl);
    assert_int_equal(otw_app_event_count(r->app, "dnp3.transport_sequence"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", NULL), 1);
    rig_free(r);
}

static void dnp_fragment_too_long(void **unused)
{
    uint8_t seg[300], fr[400];
    size_t fl;
    struct rig *r = rig_new(&otw_parser_dnp3);

    (void)unused;
    /* Crafted: 10 segments of 249 bytes (2490 > 2048) before FIN. */
    for (unsigned s = 0; s < 10; s++) {
        memset(seg, 0x11, sizeof(seg));
        seg[0] = (uint8_t)((s == 0 ? 0x40 : 0) | (s == 9 ? 0x80 : 0) | s);
        if (s == 0) {
            seg[1] = 0xc0;
            seg[2] = 0x81;  /* response, IIN 0x1111 */
        }
        fl = mkframe(fr, seg, 250, 1, 10);
        feed(r, OTW_DIR_TO_CLIENT, fr, fl);
    }
    assert_int_equal(otw_app_event_count(r->app, "dnp3.fragment_too_long"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "response"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.iin", "broadcast"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.iin", "need_time"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.iin", "no_func_code_support"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.iin", "already_executing"), 1);
    rig_free(r);
}

static void dnp_udp_two_frames(void **unused)
{
    /* arkime-dnp3_synthetic.pcap #19: a link-only frame and a READ in one
     * segment. */
    uint8_t b[64];
    size_t n = unhex("05640500204e0a00ce0805640b44204e0a006945c0c1013c020652c3", b, sizeof(b));
    struct rig *r = rig_new(&otw_parser_dnp3);

    (void)unused;
    feed(r, OTW_DIR_TO_SERVER, b, n);
    assert_int_equal(otw_app_count_int(r->app, "dnp3.src_addr", 10), 2);
    assert_int_equal(otw_app_count_int(r->app, "dnp3.dst_addr", 20000), 2);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.func", "read"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dnp3.object", "g60v2"), 1);
    assert_int_equal(r->blen[0], 0);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mb_probe_yes_no),
        cmocka_unit_test(mb_request_response),
        cmocka_unit_test(mb_ranges_and_classes),
        cmocka_unit_test(mb_device_identification),
        cmocka_unit_test(mb_split_every_byte),
        cmocka_unit_test(mb_bad_lengths),
        cmocka_unit_test(mb_truncated_and_garbage),
        cmocka_unit_test(mb_gap_resync),
        cmocka_unit_test(mb_unknown_function),
        cmocka_unit_test(dnp_probe_yes_no),
        cmocka_unit_test(dnp_select_response),
        cmocka_unit_test(dnp_split_every_byte),
        cmocka_unit_test(dnp_bad_crc_and_length),
        cmocka_unit_test(dnp_transport_reassembly),
        cmocka_unit_test(dnp_fragment_too_long),
        cmocka_unit_test(dnp_udp_two_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
