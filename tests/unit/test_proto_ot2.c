/*
 * test_proto_ot2.c - the ot2 parsers (s7comm.c, enip.c, bacnet.c,
 * iec104.c) fed directly, without the engine: probe answers, recorded
 * fields and counts, events, framing across every byte boundary, several
 * PDUs per call, bad lengths, truncation and garbage.
 *
 * Byte arrays come from the test captures; each names its source as
 *   tshark -r tests/pcaps/<dir>/<file> -T fields -e tcp.payload (or
 *   udp.payload), frame N
 * Crafted ones say so.
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

extern const struct otw_parser otw_parser_s7comm, otw_parser_s7commplus, otw_parser_enip,
    otw_parser_cipio, otw_parser_bacnet, otw_parser_iec104;

/* --- helpers ---------------------------------------------------------------- */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;

    while (h[0] && h[1] && n < cap) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

/* The harness (struct run, run_new, run_free, feed) is tests/unit/protorig.h. */
#define run prig
#define run_new(ps) prig_new((ps), NULL)
#define run_free prig_free
#define feed prig_feed

static void feed_hex(struct run *r, int dir, const char *hex)
{
    uint8_t b[4096];
    size_t n = unhex(hex, b, sizeof(b));

    feed(r, dir, b, n);
}

/* One byte at a time. */
static void feed_hex_bytewise(struct run *r, int dir, const char *hex)
{
    uint8_t b[4096];
    size_t n = unhex(hex, b, sizeof(b));

    for (size_t i = 0; i < n; i++)
        feed(r, dir, b + i, 1);
}

/* One datagram (UDP: what is not consumed is dropped). */
static void dgram_hex(struct run *r, int dir, const char *hex)
{
    uint8_t b[4096];
    size_t n = unhex(hex, b, sizeof(b));
    ssize_t used = r->ps->parse(r->state, r->app, dir, b, n);

    assert_true(used >= 0 && (size_t)used <= n);
}

static int probe_hex(const struct otw_parser *ps, const char *hex, uint16_t dport, uint8_t tr)
{
    uint8_t b[4096];
    size_t n = unhex(hex, b, sizeof(b));
    struct otw_flowinfo fi = {.ipver = 4, .transport = tr, .sport = 40000, .dport = dport};

    return ps->probe(b, n, OTW_DIR_TO_SERVER, &fi);
}

static int probe_str(const struct otw_parser *ps, const char *s, uint16_t dport, uint8_t tr)
{
    struct otw_flowinfo fi = {.ipver = 4, .transport = tr, .sport = 40000, .dport = dport};

    return ps->probe((const uint8_t *)s, strlen(s), OTW_DIR_TO_SERVER, &fi);
}

/* Every parser says NO to HTTP, a TLS ClientHello and random bytes. */
static const char TLS_HELLO[] =
    "160301012c01000128030312345678901234567890123456789012345678901234567890123456789012"
    "3400003213021303130100ff010000ed000000140012000010777777772e6578616d706c652e636f6d";
static const char RANDOM[] = "8f3a91c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071829";

static void no_to_others(const struct otw_parser *ps, uint16_t port, uint8_t tr)
{
    assert_int_equal(probe_str(ps, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", port, tr), OTW_PROBE_NO);
    assert_int_equal(probe_hex(ps, TLS_HELLO, port, tr), OTW_PROBE_NO);
    assert_int_equal(probe_hex(ps, RANDOM, port, tr), OTW_PROBE_NO);
    assert_int_equal(probe_str(ps, "SSH-2.0-OpenSSH_9.2\r\n", port, tr), OTW_PROBE_NO);
}

/* --- S7comm ----------------------------------------------------------------- */

/* tests/pcaps/s7comm/ndpi-s7comm.pcap */
static const char S7_CR[] = "0300001611e00000000700c1020100c2020102c0010a";          /* frame 1 */
static const char S7_CC[] = "0300001611d00007000300c0010ac1020100c2020102";          /* frame 2 */
static const char S7_SETUP[] = "0300001902f08032010000020000080000f0000001000101e0";  /* frame 3 */
static const char S7_SETUP_ACK[] =
    "0300001b02f080320300000200000800000000f0000001000100f0";                       /* frame 4 */
static const char S7_EMPTY_DT[] = "0300000702f000";                                 /* frame 5 */
static const char S7_SZL[] =
    "0300002102f080320700000300000800080001120411440100ff09000401320004";           /* frame 6 */
static const char S7_REQ_DOWNLOAD[] =
    "0300003102f080320100000e00002000001a00010000000000095f30413030303031500d31303030353030"
    "303030343030";                                                                 /* frame 39 */
static const char S7_INSE[] =
    "0300002b02f080320100000f00001a000028000000000000fd000a01003041303030303150055f494e5345";
                                                                                    /* frame 54 */
/* tests/pcaps/s7comm/arkime-s7comm_synthetic.pcap */
static const char S7_WRITE_VAR[] =
    "0300002502f080320100000101000e00060501120a1002000100008400000800040008dead";   /* frame 17 */
static const char S7_ACK_ERR[] = "0300001502f080320300000101000100018104050a";      /* frame 18 */
static const char S7_STOP[] = "0300001802f0803201000000040007000029000000000000";   /* frame 39 */
static const char S7_PLUS[] = "0300001502f0807203000a04aabbccdd3100000000";        /* frame 25 */
/* tests/pcaps/modbus/zeek-modbusBig.pcap frame 2: S7comm-plus V2 notification */
static const char S7_PLUS_V2[] =
    "0300002102f08072020012331000006e0400000000000006000000000072020000";

static void s7_probe(void **unused)
{
    const struct otw_parser *ps = &otw_parser_s7comm, *pp = &otw_parser_s7commplus;
    char buf[512];

    (void)unused;
    /* a CR alone cannot tell S7comm from S7comm-plus */
    assert_int_equal(probe_hex(ps, S7_CR, 102, 6), OTW_PROBE_MORE);
    assert_int_equal(probe_hex(pp, S7_CR, 102, 6), OTW_PROBE_MORE);
    assert_int_equal(probe_hex(ps, S7_CC, 102, 6), OTW_PROBE_MORE);
    snprintf(buf, sizeof(buf), "%s%s", S7_CR, S7_SETUP);
    assert_int_equal(probe_hex(ps, buf, 102, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(pp, buf, 102, 6), OTW_PROBE_NO);
    /* mid-session: an empty DT, then a job */
    snprintf(buf, sizeof(buf), "%s%s", S7_EMPTY_DT, S7_SZL);
    assert_int_equal(probe_hex(ps, buf, 102, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, S7_EMPTY_DT, 102, 6), OTW_PROBE_MORE);
    assert_int_equal(probe_hex(ps, "0300", 102, 6), OTW_PROBE_MORE);
    assert_int_equal(probe_hex(pp, S7_PLUS, 102, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, S7_PLUS, 102, 6), OTW_PROBE_NO);
    assert_int_equal(probe_hex(pp, S7_PLUS_V2, 102, 6), OTW_PROBE_YES);
    /* RDP's X.224 CR (cookie, no TSAPs) is not ours */
    assert_int_equal(probe_hex(ps, "0300002a25e00000000000436f6f6b69653a206d737473686173683d"
                                   "746573740d0a0100080003000000", 3389, 6), OTW_PROBE_NO);
    /* a DT with another payload (MMS session layer) */
    assert_int_equal(probe_hex(ps, "0300000b02f0800d0405060708", 102, 6), OTW_PROBE_NO);
    no_to_others(ps, 102, 6);
    no_to_others(pp, 102, 6);
}

static void s7_session(void **unused)
{
    struct run *r = run_new(&otw_parser_s7comm);

    (void)unused;
    feed_hex(r, 0, S7_CR);
    feed_hex(r, 1, S7_CC);
    feed_hex(r, 0, S7_SETUP);
    feed_hex(r, 1, S7_SETUP_ACK);
    feed_hex(r, 0, S7_EMPTY_DT);
    feed_hex(r, 0, S7_SZL);
    feed_hex(r, 0, S7_REQ_DOWNLOAD);
    feed_hex(r, 0, S7_INSE);
    assert_false(r->detached);
    assert_int_equal(otw_app_count_str(r->app, "s7.src_tsap", "0100"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.dst_tsap", "0102"), 1);
    assert_int_equal(otw_app_count_int(r->app, "s7.tpdu_size", 1024), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.cotp", "cr"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.cotp", "cc"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "setup_communication"), 1);
    assert_int_equal(otw_app_count_int(r->app, "s7.pdu_size", 240), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.szl_id", "0x0132"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.userdata_group", "cpu_functions"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "request_download"), 1);
    assert_int_equal(otw_app_count_int(r->app, "s7.func_code", 0x1a), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.block", "DB1"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.pi_service", "_INSE"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "program"), 2);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "read"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "diagnostic"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.rosctr", "job"), 3);
    assert_true(otw_app_has_protocol(r->app, "s7comm"));
    assert_int_equal(r->app->nevents, 0);
    run_free(r);
}

static void s7_write_stop_error(void **unused)
{
    struct run *r = run_new(&otw_parser_s7comm);

    (void)unused;
    feed_hex(r, 0, S7_WRITE_VAR);
    feed_hex(r, 1, S7_ACK_ERR);
    feed_hex(r, 0, S7_STOP);
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "write_var"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.area", "db0"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "write"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.error", "application_relationship_error"), 1);
    assert_int_equal(otw_app_count_int(r->app, "s7.error_code", 0x8104), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "plc_stop"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "control"), 1);
    /* read_var with three items in two areas: each area once per PDU
     * (crafted: inputs, flags, inputs again, db5) */
    feed_hex(r, 0, "0300004302f08032010000000500320000"
                   "0404120a10020001000081000000120a10020001000083000000"
                   "120a10020001000081000008120a10020001000584000000");
    assert_int_equal(otw_app_count_str(r->app, "s7.area", "inputs"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.area", "flags"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.area", "db5"), 1);
    assert_int_equal(r->app->nevents, 0);
    run_free(r);
}

static void s7_plus(void **unused)
{
    struct run *r = run_new(&otw_parser_s7commplus);

    (void)unused;
    feed_hex(r, 0, S7_PLUS);
    feed_hex(r, 1, S7_PLUS_V2);
    assert_true(otw_app_has_protocol(r->app, "s7comm-plus"));
    assert_int_equal(otw_app_count_str(r->app, "s7plus.opcode", "request"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7plus.opcode", "notification"), 1);
    assert_int_equal(otw_app_count_int(r->app, "s7plus.version", 3), 1);
    assert_int_equal(otw_app_count_int(r->app, "s7plus.version", 2), 1);
    /* crafted V1 request: CreateObject */
    feed_hex(r, 0, "0300001802f0807201000a31000004ca0000000172010000");
    assert_int_equal(otw_app_count_str(r->app, "s7plus.function", "create_object"), 1);
    /* a classic PDU on the same connection adds s7comm */
    feed_hex(r, 0, S7_STOP);
    assert_true(otw_app_has_protocol(r->app, "s7comm"));
    run_free(r);
}

static void s7_framing(void **unused)
{
    struct run *r = run_new(&otw_parser_s7comm);
    char two[1024];

    (void)unused;
    /* every byte boundary */
    feed_hex_bytewise(r, 0, S7_CR);
    feed_hex_bytewise(r, 0, S7_REQ_DOWNLOAD);
    feed_hex_bytewise(r, 0, S7_INSE);
    assert_false(r->detached);
    assert_int_equal(r->blen[0], 0);
    assert_int_equal(otw_app_count_str(r->app, "s7.src_tsap", "0100"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.block", "DB1"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.pi_service", "_INSE"), 1);
    /* two PDUs in one call */
    snprintf(two, sizeof(two), "%s%s", S7_SZL, S7_STOP);
    feed_hex(r, 0, two);
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "plc_stop"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.userdata_func", "read_szl"), 1);
    /* truncated: half a TPKT waits */
    feed_hex(r, 0, "0300001802f0803201000000");
    assert_int_equal(r->blen[0], 12);
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "plc_stop"), 1);
    feed_hex(r, 0, "040007000029000000000000");
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "plc_stop"), 2);
    assert_int_equal(r->blen[0], 0);
    run_free(r);
}

static void s7_bad(void **unused)
{
    struct run *r;

    (void)unused;
    /* TPKT length too small: detach */
    r = run_new(&otw_parser_s7comm);
    feed_hex(r, 0, "0300000402f080");
    assert_true(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "s7comm.bad_length"), 1);
    run_free(r);
    /* S7 lengths larger than the TPDU: event, no crash, no read past */
    r = run_new(&otw_parser_s7comm);
    feed_hex(r, 0, "0300001302f08032010000000400ff00ff0029");
    assert_false(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "s7comm.bad_length"), 1);
    /* S7 lengths smaller than the TPDU */
    feed_hex(r, 0, "0300001a02f08032010000000400010000290000000000000000");
    assert_int_equal(otw_app_event_count(r->app, "s7comm.bad_length"), 2);
    /* COTP LI beyond the TPKT */
    feed_hex(r, 0, "0300000930f0800000");
    assert_int_equal(otw_app_event_count(r->app, "s7comm.bad_cotp"), 1);
    /* a read_var item that is not a variable specification */
    feed_hex(r, 0, "0300001f02f080320100000005000e00000401130a10020001000084000000");
    assert_int_equal(otw_app_event_count(r->app, "s7comm.bad_item"), 1);
    assert_int_equal(otw_app_event_count(r->app, "s7comm.bad_length"), 2);
    /* garbage after a valid PDU detaches */
    feed_hex(r, 0, S7_STOP);
    feed_hex(r, 0, "474554202f20485454502f312e310d0a");
    assert_true(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "s7comm.bad_tpkt"), 1);
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "plc_stop"), 2);
    run_free(r);
    /* after a gap the parser finds the next TPKT */
    r = run_new(&otw_parser_s7comm);
    otw_parser_s7comm.gap(r->state, r->app, 0, 100);
    feed_hex(r, 0, "00112233445566");
    feed_hex(r, 0, S7_STOP);
    assert_false(r->detached);
    assert_int_equal(otw_app_count_str(r->app, "s7.func", "plc_stop"), 1);
    run_free(r);
}

/* --- EtherNet/IP ------------------------------------------------------------ */

/* tests/pcaps/enip/ndpi-ethernetIP.pcap */
static const char ENIP_UCS[] =                 /* frame 29: Unconnected_Send(Get_Attributes_All) */
    "6f00260000050213000000006ac0be000000000000000000000000001400020000000000b20016005202200624"
    "0107e90800010220ac2401010001000100";
static const char ENIP_UCS_RSP[] =             /* frame 31 */
    "6f00340000050213000000006ac0be000000000000000000000000001400020000000000b200240081000000e8"
    "000100e302b2a4c1d1afa40000e803020000009453d33d01000100e2fc2030";
static const char ENIP_MSP[] =                 /* frame 1: MSP with two Read Tag */
    "70003a0000010210000000001a392f000000000000000000000000000a000200a100040009133500b1002600e4"
    "6a0a02200224010200060012004c022072240000ce040001004c02207224002c3d04000100";
/* crafted: ListIdentity response, vendor 1, PLC, product 55, rev 20.11,
 * serial 0x00c0ffee, "1756-L61/B LOGIX5561" */
static const char ENIP_LI_RSP[] =
    "63003c00000000000000000000000000000000000000000001000c00360001000002af12c0a80a0a0000000000"
    "00000001000e003700140b6030eeffc00014313735362d4c36312f42204c4f4749583535363103";
static const char ENIP_LI_REQ[] = "630000000000000000000000000000000000000000000000";
static const char ENIP_REG[] = "65000400000000000000000000000000000000000000000001000000";

static void enip_probe(void **unused)
{
    const struct otw_parser *ps = &otw_parser_enip;

    (void)unused;
    assert_int_equal(probe_hex(ps, ENIP_UCS, 44818, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, ENIP_MSP, 44818, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, ENIP_LI_REQ, 44818, 17), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, ENIP_LI_RSP, 44818, 17), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, ENIP_REG, 44818, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, "6500040000000000", 44818, 6), OTW_PROBE_MORE);
    /* register_session with a wrong version, options not 0 */
    assert_int_equal(probe_hex(ps, "65000400000000000000000000000000000000000000000002000000",
                               44818, 6), OTW_PROBE_NO);
    assert_int_equal(probe_hex(ps, "65000400000000000000000000000000000000000100000001000000",
                               44818, 6), OTW_PROBE_NO);
    /* nop is only believed on the port */
    assert_int_equal(probe_hex(ps, "000000000000000000000000000000000000000000000000", 80, 6),
                     OTW_PROBE_NO);
    no_to_others(ps, 44818, 6);
    no_to_others(&otw_parser_cipio, 2222, 17);
    /* tests/pcaps/enip/ndpi-cip_io.pcap frame 1 */
    assert_int_equal(probe_hex(&otw_parser_cipio,
                               "020002800800787b3a00e8cb5e04b1000c000300fdffffffffffffff0000",
                               2222, 17), OTW_PROBE_YES);
    assert_int_equal(probe_hex(&otw_parser_cipio, ENIP_LI_REQ, 2222, 17), OTW_PROBE_NO);
}

static void enip_cip(void **unused)
{
    struct run *r = run_new(&otw_parser_enip);

    (void)unused;
    feed_hex(r, 0, ENIP_UCS);
    feed_hex(r, 1, ENIP_UCS_RSP);
    feed_hex(r, 0, ENIP_MSP);
    assert_false(r->detached);
    assert_int_equal(otw_app_count_str(r->app, "enip.command", "send_rr_data"), 2);
    assert_int_equal(otw_app_count_str(r->app, "enip.command", "send_unit_data"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "unconnected_send"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "get_attributes_all"), 1);
    assert_int_equal(otw_app_count_int(r->app, "cip.class_id", 0xac), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.class", "connection_manager"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.status", "success"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "multiple_service_packet"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "read_tag"), 2);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "read"), 3);
    assert_int_equal(r->app->nevents, 0);
    /* crafted: SendRRData with Set_Attribute_Single to identity, Reset,
     * a Write Tag "Motor1" and a file object request */
    feed_hex(r, 0, "6f0018000000000000000000000000000000000000000000000000000000020000000000"
                   "b2000800100320012401300a");
    feed_hex(r, 0, "6f0016000000000000000000000000000000000000000000000000000000020000000000"
                   "b2000600050220012401");
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "set_attribute_single"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.class", "identity"), 2);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "write"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "control"), 1);
    feed_hex(r, 0, "6f001f000000000000000000000000000000000000000000000000000000020000000000"
                   "b2000f004d0491064d6f746f7231c100010001");
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "write_tag"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.tag", "Motor1"), 1);
    feed_hex(r, 0, "6f001a000000000000000000000000000000000000000000000000000000020000000000"
                   "b2000a0010032037240130050000");
    assert_int_equal(otw_app_count_str(r->app, "cip.class", "file"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "program"), 1);
    run_free(r);
}

static void enip_identity(void **unused)
{
    struct run *r = run_new(&otw_parser_enip);

    (void)unused;
    dgram_hex(r, 0, ENIP_LI_REQ);
    dgram_hex(r, 1, ENIP_LI_RSP);
    assert_int_equal(otw_app_count_str(r->app, "enip.command", "list_identity"), 2);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "diagnostic"), 1);
    assert_int_equal(otw_app_count_int(r->app, "enip.vendor_id", 1), 1);
    assert_int_equal(otw_app_count_str(r->app, "enip.vendor", "Rockwell Automation/Allen-Bradley"), 1);
    assert_int_equal(otw_app_count_str(r->app, "enip.device_type", "programmable_logic_controller"), 1);
    assert_int_equal(otw_app_count_int(r->app, "enip.product_code", 55), 1);
    assert_int_equal(otw_app_count_str(r->app, "enip.revision", "20.11"), 1);
    assert_int_equal(otw_app_count_str(r->app, "enip.serial", "00c0ffee"), 1);
    assert_int_equal(otw_app_count_str(r->app, "enip.product_name", "1756-L61/B LOGIX5561"), 1);
    assert_int_equal(r->app->nevents, 0);
    /* the identity item cut short */
    dgram_hex(r, 1, "63001e00000000000000000000000000000000000000000001000c00180001000002af12c0a8"
                    "0a0a000000000000000001000e003700");
    assert_int_equal(otw_app_event_count(r->app, "enip.bad_identity"), 1);
    /* crafted: register_session refused with status 0x69 */
    dgram_hex(r, 1, "65000400000000006900000000000000000000000000000001000000");
    assert_int_equal(otw_app_count_str(r->app, "enip.status", "unsupported_protocol_revision"), 1);
    run_free(r);
}

static void enip_framing(void **unused)
{
    struct run *r = run_new(&otw_parser_enip);
    char two[2048];

    (void)unused;
    feed_hex_bytewise(r, 0, ENIP_UCS);
    feed_hex_bytewise(r, 0, ENIP_MSP);
    assert_false(r->detached);
    assert_int_equal(r->blen[0], 0);
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "read_tag"), 2);
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "get_attributes_all"), 1);
    snprintf(two, sizeof(two), "%s%s", ENIP_REG, ENIP_MSP);
    feed_hex(r, 0, two);
    assert_int_equal(otw_app_count_str(r->app, "enip.command", "register_session"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "read_tag"), 4);
    /* truncated: waits */
    feed_hex(r, 0, "6f002600000502130000");
    assert_int_equal(r->blen[0], 10);
    run_free(r);

    /* a length over the limit detaches */
    r = run_new(&otw_parser_enip);
    feed_hex(r, 0, "6f00f0ff0000000000000000000000000000000000000000");
    assert_true(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "enip.bad_length"), 1);
    run_free(r);

    /* a CPF whose item overruns the packet; an MSP with bad offsets */
    r = run_new(&otw_parser_enip);
    feed_hex(r, 0, "6f000c0000000000000000000000000000000000000000000000000000000100b200ff00");
    assert_int_equal(otw_app_event_count(r->app, "enip.bad_cpf"), 1);
    feed_hex(r, 0, "6f001c000000000000000000000000000000000000000000000000000000020000000000"
                   "b2000c000a0220022401020006006300");
    assert_int_equal(otw_app_event_count(r->app, "cip.bad_msp"), 1);
    /* garbage after valid data: detaches */
    feed_hex(r, 0, ENIP_REG);
    feed_hex(r, 0, "474554202f20485454502f312e310d0a0d0a0d0a0d0a0d0a");
    assert_true(r->detached);
    run_free(r);

    /* gap: resynchronises on the next header */
    r = run_new(&otw_parser_enip);
    otw_parser_enip.gap(r->state, r->app, 0, 10);
    feed_hex(r, 0, "a1b2c3");
    feed_hex(r, 0, ENIP_MSP);
    assert_false(r->detached);
    assert_int_equal(otw_app_count_str(r->app, "cip.service", "read_tag"), 2);
    run_free(r);
}

static void cipio(void **unused)
{
    struct run *r = run_new(&otw_parser_cipio);

    (void)unused;
    /* tests/pcaps/enip/ndpi-cip_io.pcap frames 1 and 2 */
    dgram_hex(r, 0, "020002800800787b3a00e8cb5e04b1000c000300fdffffffffffffff0000");
    dgram_hex(r, 1, "020002800800ebb4917654cc5e04b1001000c6e401000000fdffffffffffffff0000");
    dgram_hex(r, 1, "0200028008");
    assert_int_equal(otw_app_count_str(r->app, "cip_io.connection", "003a7b78"), 1);
    assert_int_equal(otw_app_count_str(r->app, "cip_io.connection", "7691b4eb"), 1);
    assert_int_equal(otw_app_event_count(r->app, "cip_io.bad_packet"), 1);
    run_free(r);
}

/* --- BACnet ----------------------------------------------------------------- */

/* tests/pcaps/bacnet/arkime-bacnet-stack-services.pcap */
static const char BAC_IAM[] =                   /* frame 13 (DNET, SNET, hop count) */
    "810b001c0128ffff00000d013dfe1000c40200003d2201e09100212a";
static const char BAC_WP[] =                    /* frame 60 */
    "810a00190124000d013dff0003010f0c0040000019553e003f";
static const char BAC_REINIT[] =                /* frame 34 */
    "810a001d0124000d013dff0003011409001d0a0077697265736861726b";
static const char BAC_ERR[] = "810a00110108000d013d5001149105911a";   /* frame 35 */
static const char BAC_REJECT[] = "810a000e0120000d013dff603a09";       /* frame 111 */
static const char BAC_NO_APDU[] = "810a000b0120000d013dff";            /* frame 77 */

static void bacnet_probe(void **unused)
{
    const struct otw_parser *ps = &otw_parser_bacnet;

    (void)unused;
    assert_int_equal(probe_hex(ps, BAC_IAM, 47808, 17), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, BAC_WP, 47808, 17), OTW_PROBE_YES);
    /* length field not the datagram's */
    assert_int_equal(probe_hex(ps, "810a00200120000d013dff603a09", 47808, 17), OTW_PROBE_NO);
    /* BACnet/IPv6 BVLC type is not handled */
    assert_int_equal(probe_hex(ps, "820a000e0120000d013dff603a09", 47808, 17), OTW_PROBE_NO);
    no_to_others(ps, 47808, 17);
}

static void bacnet_services(void **unused)
{
    struct run *r = run_new(&otw_parser_bacnet);

    (void)unused;
    dgram_hex(r, 0, BAC_IAM);
    dgram_hex(r, 0, BAC_WP);
    dgram_hex(r, 0, BAC_REINIT);
    dgram_hex(r, 1, BAC_ERR);
    dgram_hex(r, 1, BAC_REJECT);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.bvlc", "original_broadcast_npdu"), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.service", "i_am"), 1);
    assert_int_equal(otw_app_count_int(r->app, "bacnet.device_instance", 61), 1);
    assert_int_equal(otw_app_count_int(r->app, "bacnet.vendor_id", 42), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.service", "write_property"), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.object", "analog_output:0"), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.service", "reinitialize_device"), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.reinit_state", "coldstart"), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.error", "services"), 1);
    assert_int_equal(otw_app_count_int(r->app, "bacnet.error_code", 26), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.reject", "unrecognized_service"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "diagnostic"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "write"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "control"), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.apdu_type", "error"), 1);
    assert_int_equal(r->app->nevents, 0);
    /* no APDU behind the NPDU; truncated I-Am; BVLC length beyond the datagram */
    dgram_hex(r, 0, BAC_NO_APDU);
    assert_int_equal(otw_app_event_count(r->app, "bacnet.bad_npdu"), 1);
    dgram_hex(r, 0, "810b000c01001000c4020000");
    assert_int_equal(otw_app_event_count(r->app, "bacnet.bad_i_am"), 1);
    dgram_hex(r, 0, "810a00ff0100100800");
    assert_int_equal(otw_app_event_count(r->app, "bacnet.bad_length"), 1);
    dgram_hex(r, 0, "810a0003");
    assert_int_equal(otw_app_event_count(r->app, "bacnet.bad_length"), 2);
    /* crafted: a network-layer message */
    dgram_hex(r, 0, "810a0007018012");
    assert_int_equal(otw_app_count_str(r->app, "bacnet.network_msg", "what_is_network_number"), 1);
    run_free(r);
}

static void bacnet_rpm(void **unused)
{
    struct run *r = run_new(&otw_parser_bacnet);

    (void)unused;
    /* crafted ReadPropertyMultiple: analog_input:1 {present_value},
     * binary_value:2 {present_value} */
    dgram_hex(r, 0, "810a001c01040005010e0c000000011e09551f0c014000021e09551f");
    assert_int_equal(otw_app_count_str(r->app, "bacnet.service", "read_property_multiple"), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.object", "analog_input:1"), 1);
    assert_int_equal(otw_app_count_str(r->app, "bacnet.object", "binary_value:2"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "read"), 1);
    assert_int_equal(r->app->nevents, 0);
    run_free(r);
}

/* --- IEC 104 ---------------------------------------------------------------- */

/* tests/pcaps/iec104/zeekpkg-iec104.pcap */
static const char IEC_STARTDT[] = "680407000000";                         /* frame 7 */
static const char IEC_IC[] = "680e00000000640106000a0000000014";          /* frame 9 */
static const char IEC_THREE[] =                                          /* frame 21 */
    "680e420006002d0107000a0002000001680e440006002d010a000a0002000001680e46000600010103000a0002"
    "000001";
static const char IEC_SC[] = "680e040042002d0106000a0002000001";          /* frame 20 */
static const char IEC_S[] = "680401001a00";                               /* frame 15 */

static void iec_probe(void **unused)
{
    const struct otw_parser *ps = &otw_parser_iec104;

    (void)unused;
    assert_int_equal(probe_hex(ps, IEC_STARTDT, 2404, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, IEC_IC, 2404, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, IEC_S, 2404, 6), OTW_PROBE_YES);
    assert_int_equal(probe_hex(ps, "6804", 2404, 6), OTW_PROBE_MORE);
    assert_int_equal(probe_hex(ps, "680e0000", 2404, 6), OTW_PROBE_MORE);
    /* U frame with two function bits; unknown type id; length 2 */
    assert_int_equal(probe_hex(ps, "68040f000000", 2404, 6), OTW_PROBE_NO);
    assert_int_equal(probe_hex(ps, "680e00000000fa0106000a0000000014", 2404, 6), OTW_PROBE_NO);
    assert_int_equal(probe_hex(ps, "68020000", 2404, 6), OTW_PROBE_NO);
    no_to_others(ps, 2404, 6);
}

static void iec_asdus(void **unused)
{
    struct run *r = run_new(&otw_parser_iec104);

    (void)unused;
    feed_hex(r, 0, IEC_STARTDT);
    feed_hex(r, 0, IEC_IC);
    feed_hex(r, 0, IEC_SC);
    feed_hex(r, 1, IEC_THREE);
    feed_hex(r, 0, IEC_S);
    assert_false(r->detached);
    assert_int_equal(otw_app_count_str(r->app, "iec104.u_func", "startdt_act"), 1);
    assert_int_equal(otw_app_count_str(r->app, "iec104.apci", "u"), 1);
    assert_int_equal(otw_app_count_str(r->app, "iec104.apci", "s"), 1);
    assert_int_equal(otw_app_count_str(r->app, "iec104.apci", "i"), 5);
    assert_int_equal(otw_app_count_str(r->app, "iec104.type", "C_IC_NA_1"), 1);
    assert_int_equal(otw_app_count_int(r->app, "iec104.type_id", 45), 3);
    assert_int_equal(otw_app_count_str(r->app, "iec104.type", "M_SP_NA_1"), 1);
    assert_int_equal(otw_app_count_str(r->app, "iec104.cot", "activation"), 2);
    assert_int_equal(otw_app_count_str(r->app, "iec104.cot", "activation_con"), 1);
    assert_int_equal(otw_app_count_str(r->app, "iec104.cot", "activation_term"), 1);
    assert_int_equal(otw_app_count_str(r->app, "iec104.cot", "spontaneous"), 1);
    assert_int_equal(otw_app_count_int(r->app, "iec104.ca", 10), 5);
    /* only the two activations from the controlling station are requests */
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "read"), 1);
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "control"), 1);
    assert_int_equal(r->app->nevents, 0);
    /* crafted: clock sync activation, negative confirmation of a setpoint */
    feed_hex(r, 0, "68140200000067010600010000000001020304050607");
    feed_hex(r, 1, "6812020002003201470001000000000000000000");
    assert_int_equal(otw_app_count_str(r->app, "ot.class", "write"), 1);
    assert_int_equal(otw_app_count_str(r->app, "iec104.negative", "C_SE_NC_1"), 1);
    run_free(r);
}

static void iec_framing(void **unused)
{
    struct run *r = run_new(&otw_parser_iec104);

    (void)unused;
    feed_hex_bytewise(r, 1, IEC_THREE);
    feed_hex_bytewise(r, 0, IEC_STARTDT);
    assert_false(r->detached);
    assert_int_equal(r->blen[1], 0);
    assert_int_equal(otw_app_count_int(r->app, "iec104.type_id", 45), 2);
    assert_int_equal(otw_app_count_str(r->app, "iec104.u_func", "startdt_act"), 1);
    /* truncated: waits */
    feed_hex(r, 0, "680e0000000064");
    assert_int_equal(r->blen[0], 7);
    feed_hex(r, 0, "0106000a0000000014");
    assert_int_equal(otw_app_count_str(r->app, "iec104.type", "C_IC_NA_1"), 1);
    /* an I frame too short for an ASDU; an S frame with a body */
    feed_hex(r, 0, "6806000000006401");
    assert_int_equal(otw_app_event_count(r->app, "iec104.bad_asdu"), 1);
    feed_hex(r, 0, "680601000000aabb");
    assert_int_equal(otw_app_event_count(r->app, "iec104.bad_length"), 1);
    /* length too small detaches; garbage after valid data detaches */
    feed_hex(r, 0, "680200");
    assert_true(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "iec104.bad_length"), 2);
    run_free(r);

    r = run_new(&otw_parser_iec104);
    feed_hex(r, 0, IEC_S);
    feed_hex(r, 0, "474554202f20485454502f312e310d0a");
    assert_true(r->detached);
    assert_int_equal(otw_app_event_count(r->app, "iec104.bad_start"), 1);
    run_free(r);

    r = run_new(&otw_parser_iec104);
    otw_parser_iec104.gap(r->state, r->app, 0, 10);
    feed_hex(r, 0, "0001020304");
    feed_hex(r, 0, IEC_IC);
    assert_false(r->detached);
    assert_int_equal(otw_app_count_str(r->app, "iec104.type", "C_IC_NA_1"), 1);
    run_free(r);
}

/* probe() on every prefix of valid streams, each an exact-size heap copy so
 * that AddressSanitizer sees a read past the end (the fuzzer found one in
 * the S7 probe: a 6-byte DT header, and a DR shorter than its length). */
static void probe_prefixes(void **unused)
{
    static const struct {
        const struct otw_parser *ps;
        const char *hex;
        uint8_t tr;
    } v[] = {
        {&otw_parser_s7comm, "0300000702f0000300000702f000030000210", 6},
        {&otw_parser_s7comm, "0300001611e00000000700c1020100c2020102c0010a0300000b80000000070000", 6},
        {&otw_parser_s7commplus, "0300000702f0000300001502f0807203000a04aabbccdd3100000000", 6},
        {&otw_parser_enip, "6f00260000050213000000006ac0be000000000000000000000000001400020000"
                           "000000b200160052022006240107e90800010220ac2401010001000100", 6},
        {&otw_parser_cipio, "020002800800787b3a00e8cb5e04b1000c000300fdffffffffffffff0000", 17},
        {&otw_parser_bacnet, "810b001c0128ffff00000d013dfe1000c40200003d2201e09100212a", 17},
        {&otw_parser_iec104, "680e00000000640106000a0000000014680407000000", 6},
    };
    struct otw_flowinfo fi = {.ipver = 4, .sport = 40000, .dport = 102};

    (void)unused;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t b[512];
        size_t n = unhex(v[i].hex, b, sizeof(b));
        fi.transport = v[i].tr;
        for (size_t k = 1; k <= n; k++) {
            uint8_t *c = malloc(k);
            int rc;
            assert_non_null(c);
            memcpy(c, b, k);
            rc = v[i].ps->probe(c, k, OTW_DIR_TO_SERVER, &fi);
            assert_true(rc == OTW_PROBE_NO || rc == OTW_PROBE_YES || rc == OTW_PROBE_MORE);
            free(c);
        }
    }
}

/* Every parser's fields and events are listed, named after the protocol. */
static void tables(void **unused)
{
    const struct otw_parser *ps[] = {&otw_parser_s7comm, &otw_parser_s7commplus, &otw_parser_enip,
                                     &otw_parser_cipio, &otw_parser_bacnet, &otw_parser_iec104};

    (void)unused;
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        assert_non_null(ps[i]->fields[0].name);
        assert_non_null(ps[i]->events[0]);
        for (const struct otw_pfield *f = ps[i]->fields; f->name; f++)
            assert_non_null(strchr(f->name, '.'));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(s7_probe),        cmocka_unit_test(s7_session),
        cmocka_unit_test(s7_write_stop_error), cmocka_unit_test(s7_plus),
        cmocka_unit_test(s7_framing),      cmocka_unit_test(s7_bad),
        cmocka_unit_test(enip_probe),      cmocka_unit_test(enip_cip),
        cmocka_unit_test(enip_identity),   cmocka_unit_test(enip_framing),
        cmocka_unit_test(cipio),           cmocka_unit_test(bacnet_probe),
        cmocka_unit_test(bacnet_services), cmocka_unit_test(bacnet_rpm),
        cmocka_unit_test(iec_probe),       cmocka_unit_test(iec_asdus),
        cmocka_unit_test(iec_framing),     cmocka_unit_test(probe_prefixes),
        cmocka_unit_test(tables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
