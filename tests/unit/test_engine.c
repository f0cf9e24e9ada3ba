/*
 * test_engine.c - proto/engine.c, identification and dispatch, with the
 * real parsers of proto/registry.c and real bytes.
 *
 * Bytes from the test captures, taken with
 *   tshark -r F -Y 'frame.number==N' -T fields -e tcp.payload   (or udp.payload)
 * and named F#N at each string. Crafted inputs say so. Every chunk is given
 * to the engine as an exact-size heap copy, freed right after the call, so
 * that AddressSanitizer sees a read past it or a pointer kept to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/app.h"
#include "proto/engine.h"
#include "proto/proto.h"

/* tests/pcaps/modbus/zeek-modbus-and-non-modbus-p502.pcap (P502 below) */
static const char MB_REQ_RHR[] = "0001000000060a0300050002";        /* P502#10: read holding 5, 2 */
static const char MB_RSP_RHR[] = "0001000000070a030400090018";      /* P502#11 */
static const char MB_REQ_RC[] = "0001000000060a0100000001";         /* P502#4: read coils 0, 1 */
static const char MB_RSP_RC[] = "0001000000040a010100";             /* P502#5 */
/* P502#65: zgrab's HTTP GET to port 502 */
static const char HTTP_GET[] =
    "474554202f20485454502f312e310d0a486f73743a203136302e39372e37302e33340d0a4163636570"
    "743a202a2f2a0d0a4163636570742d456e636f64696e673a20677a69700d0a557365722d4167656e74"
    "3a204d6f7a696c6c612f352e30207a677261622f302e780d0a0d0a";
/* P502#70 and #72: "MGLNDD_160.97.70.36_502\n" and the server's 9-byte answer */
static const char UNKNOWN_REQ[] = "4d474c4e44445f3136302e39372e37302e33365f3530320a";
static const char UNKNOWN_RSP[] = "4d474c4e00035fb101";
/* tests/pcaps/tls/arkime-tls13.pcap#4: ClientHello, SNI blog.cloudflare.com, 517 bytes */
static const char TLS_CH[] =
    "1603010200010001fc03034355d402c132771a9386b6e9994ae37069e0621af504c26673b1343843c21d8d0000264a4a"
    "130113021303c02bc02fc02cc030cca9cca8cc14cc13c013c014009c009d002f0035000a010001addada0000ff010001"
    "00000000180016000013626c6f672e636c6f7564666c6172652e636f6d0017000000230000000d001400120403080404"
    "01050308050501080606010201000500050100000000001200000010000e000c02683208687474702f312e3175500000"
    "000b000201000028002b00295a5a000100001d0020cf78b9167af054b922a96752b43973107b2a57766357dd288b2b42"
    "ab5df30e08002d00020101002b000b0acaca7f12030303020301000a000a00085a5a001d001700180a0a000100001500"
    "e40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000";
/* tests/pcaps/dns/arkime-dns-udp.pcap#1: query www.github.com A */
static const char DNS_Q[] = "e03901000001000000000000037777770667697468756203636f6d0000010001";

static const struct otw_flowinfo fi_tcp502 = {4, 6, 40000, 502};
static const struct otw_flowinfo fi_tcp443 = {4, 6, 40000, 443};
static const struct otw_flowinfo fi_tcp80 = {4, 6, 40000, 80};
static const struct otw_flowinfo fi_udp53 = {4, 17, 62563, 53};

/* Hex to bytes; *len gets the count. Caller frees. */
static uint8_t *unhex(const char *h, size_t *len)
{
    size_t n = strlen(h) / 2;
    uint8_t *b = malloc(n ? n : 1);

    assert_non_null(b);
    assert_int_equal(strlen(h) % 2, 0);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        b[i] = (uint8_t)v;
    }
    *len = n;
    return b;
}

/* Bytes p[0..len) to the engine as one exact-size copy. */
static void give(struct otw_appflow *af, int dir, const uint8_t *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);

    assert_non_null(copy);
    memcpy(copy, p, len);
    otw_engine_data(af, dir, copy, len);
    free(copy);
}

/* A hex string in chunks of `step` bytes (0: whole). */
static void give_hex(struct otw_appflow *af, int dir, const char *hex, size_t step)
{
    size_t len;
    uint8_t *b = unhex(hex, &len);

    if (step == 0)
        step = len;
    for (size_t off = 0; off < len; off += step)
        give(af, dir, b + off, OTW_MIN(step, len - off));
    free(b);
}

static struct otw_appflow *flow(const struct otw_flowinfo *fi)
{
    struct otw_appflow *af = otw_engine_flow_new(fi);

    assert_non_null(af);
    return af;
}

/* The string value of `field` recorded in a (the only one), or NULL. */
static const struct otw_app_value *value(const struct otw_app *a, const char *field)
{
    for (uint16_t i = 0; i < a->nvalues; i++)
        if (strcmp(a->values[i].field, field) == 0)
            return &a->values[i];
    return NULL;
}

static uint64_t modbus_events(const struct otw_app *a)
{
    uint64_t n = 0;

    for (uint8_t i = 0; i < a->nevents; i++)
        if (strncmp(a->events[i].name, "modbus.", 7) == 0 ||
            strncmp(a->events[i].name, "proto.", 6) == 0)
            n += a->events[i].count;
    return n;
}

static void modbus_pair_identified(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp502);
    struct otw_app *a;

    give_hex(af, 0, MB_REQ_RHR, 0);
    give_hex(af, 1, MB_RSP_RHR, 0);
    give_hex(af, 0, MB_REQ_RHR, 0);
    give_hex(af, 1, MB_RSP_RHR, 0);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "modbus"));
    assert_int_equal(a->nprotocols, 1);
    assert_null(a->guess);
    assert_int_equal(otw_app_count_str(a, "modbus.func", "read_holding_registers"), 2);
    assert_int_equal(otw_app_count_int(a, "modbus.func_code", 3), 2);
    assert_int_equal(otw_app_count_int(a, "modbus.unit", 10), 2);
    assert_int_equal(modbus_events(a), 0);     /* responses matched, no detach */
    otw_app_free(a);
    otw_engine_flow_free(af);
}

/* Content, not port: HTTP on 502 is HTTP, and no guess is recorded. */
static void http_on_502(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp502);
    struct otw_app *a;

    give_hex(af, 0, HTTP_GET, 0);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "http"));
    assert_false(otw_app_has_protocol(a, "modbus"));
    assert_null(a->guess);
    assert_int_equal(otw_app_count_str(a, "http.method", "GET"), 1);
    assert_int_equal(otw_app_count_str(a, "http.host", "160.97.70.34"), 1);
    otw_app_free(a);
    otw_engine_flow_free(af);
}

/* Bytes no parser knows on 502: no protocol, "modbus" as a guess only. */
static void unknown_on_502_guess(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp502);
    struct otw_app *a;

    give_hex(af, 0, UNKNOWN_REQ, 0);
    give_hex(af, 1, UNKNOWN_RSP, 0);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_int_equal(a->nprotocols, 0);
    assert_false(otw_app_has_protocol(a, "modbus"));
    assert_non_null(a->guess);
    assert_string_equal(a->guess, "modbus");
    otw_app_free(a);
    otw_engine_flow_free(af);

    /* The same bytes on a port no parser claims: no guess either. */
    af = flow(&(struct otw_flowinfo){4, 6, 40000, 40001});
    give_hex(af, 0, UNKNOWN_REQ, 0);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_int_equal(a->nprotocols, 0);
    assert_null(a->guess);
    otw_app_free(a);
    otw_engine_flow_free(af);
}

/*
 * Identification over many 1-byte chunks of both directions: the first 7
 * request bytes (too few for the Modbus probe), the first 7 response
 * bytes, then the rest of each one byte at a time. Everything collected
 * before the parser was attached must reach it, in order, once.
 */
static void split_chunks_replayed(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp502);
    size_t qlen, rlen;
    uint8_t *q = unhex(MB_REQ_RHR, &qlen);
    uint8_t *r = unhex(MB_RSP_RHR, &rlen);
    struct otw_app *a;

    for (size_t i = 0; i < 7; i++)
        give(af, 0, q + i, 1);
    for (size_t i = 0; i < 7; i++)
        give(af, 1, r + i, 1);
    for (size_t i = 7; i < qlen; i++)
        give(af, 0, q + i, 1);
    for (size_t i = 7; i < rlen; i++)
        give(af, 1, r + i, 1);
    /* And a second pair whole, to see the framing is still right. */
    give(af, 0, q, qlen);
    give(af, 1, r, rlen);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "modbus"));
    assert_int_equal(otw_app_count_str(a, "modbus.func", "read_holding_registers"), 2);
    assert_int_equal(otw_app_count_str(a, "modbus.func", NULL), 2);
    assert_int_equal(otw_app_count_str(a, "modbus.read_range", NULL), 2);
    assert_int_equal(modbus_events(a), 0);
    otw_app_free(a);
    otw_engine_flow_free(af);
    free(q);
    free(r);
}

/* A ClientHello in two chunks: identified on the first, SNI from both. */
static void tls_client_hello_split(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp443);
    size_t len;
    uint8_t *ch = unhex(TLS_CH, &len);
    struct otw_app *a;

    assert_int_equal(len, 517);
    give(af, 0, ch, 100);
    give(af, 0, ch + 100, len - 100);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "tls"));
    assert_int_equal(otw_app_count_str(a, "tls.sni", "blog.cloudflare.com"), 1);
    assert_int_equal(otw_app_event_count(a, "proto.detached"), 0);
    otw_app_free(a);
    otw_engine_flow_free(af);
    free(ch);
}

static void udp_dns_query(void **unused)
{
    struct otw_appflow *af = flow(&fi_udp53);
    struct otw_app *a;

    give_hex(af, 0, DNS_Q, 0);
    give_hex(af, 0, DNS_Q, 0);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "dns"));
    assert_int_equal(otw_app_count_str(a, "dns.query", "www.github.com"), 2);
    assert_int_equal(otw_app_count_str(a, "dns.qtype", "a"), 2);
    otw_app_free(a);
    otw_engine_flow_free(af);
}

/* Bytes missing before the protocol is known: identification stops. */
static void gap_before_identification(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp502);
    size_t len;
    uint8_t *q = unhex(MB_REQ_RHR, &len);
    struct otw_app *a;

    give(af, 0, q, 4);
    otw_engine_gap(af, 0, 100);
    give_hex(af, 0, MB_REQ_RHR, 0);    /* would identify Modbus on its own */
    give_hex(af, 1, MB_RSP_RHR, 0);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_int_equal(a->nprotocols, 0);
    assert_int_equal(otw_app_count_str(a, "modbus.func", NULL), 0);
    assert_int_equal(otw_app_event_count(a, "proto.gap"), 1);
    assert_string_equal(a->guess, "modbus");
    otw_app_free(a);
    otw_engine_flow_free(af);
    free(q);

    /* The first segment lost, then a clean pair: still not identified. */
    af = flow(&fi_tcp502);
    otw_engine_gap(af, 0, 12);
    give_hex(af, 0, MB_REQ_RHR, 0);
    give_hex(af, 1, MB_RSP_RHR, 0);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_int_equal(a->nprotocols, 0);
    assert_int_equal(otw_app_count_str(a, "modbus.func", NULL), 0);
    otw_app_free(a);
    otw_engine_flow_free(af);
}

/*
 * A gap after identification: the bytes of the direction held for the
 * parser are dropped, and the parser continues after the gap. Crafted
 * TLS alert records (fatal handshake_failure) after a real ClientHello:
 * the first 3 bytes of one record, 4 lost, then a whole record.
 */
static void gap_drops_buffer(void **unused)
{
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    struct otw_appflow *af = flow(&fi_tcp443);
    struct otw_app *a;

    give_hex(af, 0, TLS_CH, 0);
    give(af, 0, alert, 3);
    otw_engine_gap(af, 0, 4);
    give(af, 0, alert, sizeof(alert));
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "tls"));
    assert_int_equal(otw_app_event_count(a, "proto.gap"), 1);
    assert_int_equal(otw_app_event_count(a, "proto.detached"), 0);
    assert_int_equal(otw_app_count_str(a, "tls.alert", "handshake_failure"), 1);
    otw_app_free(a);
    otw_engine_flow_free(af);
}

/* A gap after identification goes to the parser, which resynchronises. */
static void gap_after_identification(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp502);
    size_t len;
    uint8_t *q = unhex(MB_REQ_RHR, &len);
    struct otw_app *a;

    give_hex(af, 0, MB_REQ_RHR, 0);
    give_hex(af, 1, MB_RSP_RHR, 0);
    give(af, 0, q, 5);                  /* half a request, then loss */
    otw_engine_gap(af, 0, 7);
    give_hex(af, 0, MB_REQ_RC, 0);
    give_hex(af, 1, MB_RSP_RC, 0);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "modbus"));
    assert_int_equal(otw_app_event_count(a, "proto.gap"), 1);
    assert_int_equal(otw_app_event_count(a, "proto.detached"), 0);
    assert_int_equal(otw_app_count_str(a, "modbus.func", "read_holding_registers"), 1);
    assert_int_equal(otw_app_count_str(a, "modbus.func", "read_coils"), 1);
    otw_app_free(a);
    otw_engine_flow_free(af);
    free(q);
}

/* take(false): a copy of the values so far; the next take has only new
 * ones; protocols stay. snapshot(): a copy, nothing reset. */
static void take_and_snapshot(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp502);
    struct otw_app *a, *b, *s1, *s2;

    give_hex(af, 0, MB_REQ_RHR, 0);
    give_hex(af, 1, MB_RSP_RHR, 0);

    s1 = otw_engine_snapshot(af);
    s2 = otw_engine_snapshot(af);
    assert_non_null(s1);
    assert_non_null(s2);
    assert_int_equal(otw_app_count_str(s1, "modbus.func", "read_holding_registers"), 1);
    assert_int_equal(otw_app_count_str(s2, "modbus.func", "read_holding_registers"), 1);

    a = otw_engine_take(af, false);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "modbus"));
    assert_int_equal(otw_app_count_str(a, "modbus.func", "read_holding_registers"), 1);

    give_hex(af, 0, MB_REQ_RC, 0);
    give_hex(af, 1, MB_RSP_RC, 0);
    b = otw_engine_take(af, false);
    assert_non_null(b);
    assert_true(otw_app_has_protocol(b, "modbus"));
    assert_int_equal(otw_app_count_str(b, "modbus.func", "read_holding_registers"), 0);
    assert_int_equal(otw_app_count_str(b, "modbus.func", "read_coils"), 1);
    /* The first copy is the caller's: later traffic does not touch it. */
    assert_int_equal(otw_app_count_str(a, "modbus.func", "read_coils"), 0);
    assert_int_equal(otw_app_count_str(s1, "modbus.func", "read_coils"), 0);
    /* The parser's state survived the reset: a request then its response. */
    assert_int_equal(modbus_events(b), 0);
    otw_app_free(a);
    otw_app_free(b);
    otw_app_free(s1);
    otw_app_free(s2);

    give_hex(af, 0, MB_REQ_RHR, 0);
    s1 = otw_engine_snapshot(af);
    s2 = otw_engine_snapshot(af);
    assert_int_equal(otw_app_count_str(s1, "modbus.func", NULL), 1);
    assert_int_equal(otw_app_count_str(s2, "modbus.func", NULL), 1);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "modbus"));
    assert_int_equal(otw_app_count_str(a, "modbus.func", NULL), 1);
    otw_app_free(a);
    otw_app_free(s1);
    otw_app_free(s2);
    otw_engine_flow_free(af);
}

/*
 * The per-direction buffer: no registered parser leaves more than
 * OTW_PROTO_BUF_MAX unconsumed (each caps or skips its own long PDUs), so
 * proto.buffer_full cannot be reached without a fake parser, which would
 * need a change to registry.c. What is tested instead: the largest TLS
 * record (crafted: application_data, 16384 bytes) fed one byte at a time
 * grows the buffer to 16388 bytes without a detach, and the record after
 * it (crafted: alert, fatal handshake_failure) is still read.
 */
static void buffer_long_record(void **unused)
{
    struct otw_appflow *af = flow(&fi_tcp443);
    const size_t body = 16384;
    uint8_t *rec = calloc(1, 5 + body);
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    struct otw_app *a;

    assert_non_null(rec);
    give_hex(af, 0, TLS_CH, 0);
    rec[0] = 0x17;
    rec[1] = 0x03;
    rec[2] = 0x03;
    rec[3] = (uint8_t)(body >> 8);
    rec[4] = (uint8_t)body;
    for (size_t i = 0; i < 5 + body; i++)
        give(af, 0, rec + i, 1);
    for (size_t i = 0; i < sizeof(alert); i++)
        give(af, 0, alert + i, 1);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "tls"));
    assert_int_equal(otw_app_event_count(a, "proto.buffer_full"), 0);
    assert_int_equal(otw_app_event_count(a, "proto.detached"), 0);
    assert_int_equal(otw_app_count_str(a, "tls.alert", "handshake_failure"), 1);
    otw_app_free(a);
    otw_engine_flow_free(af);
    free(rec);
}

/*
 * More 1-byte chunks than the identification log holds (crafted: an HTTP
 * request whose long target keeps the probe saying "more"); `tlen` digits
 * of target. The bytes must reach the parser whole, in order.
 */
static void http_long_target_chunks(int tlen)
{
    char req[512];
    const struct otw_app_value *v;
    struct otw_appflow *af = flow(&fi_tcp80);
    struct otw_app *a;
    int n;

    n = snprintf(req, sizeof(req), "GET /%0*d HTTP/1.1\r\nHost: plc.example\r\n\r\n", tlen, 7);
    assert_true(n > 0 && (size_t)n < sizeof(req));
    for (int i = 0; i < n; i++)
        give(af, 0, (const uint8_t *)req + i, 1);
    a = otw_engine_take(af, true);
    assert_non_null(a);
    assert_true(otw_app_has_protocol(a, "http"));
    assert_int_equal(otw_app_count_str(a, "http.method", "GET"), 1);
    assert_int_equal(otw_app_count_str(a, "http.host", "plc.example"), 1);
    assert_int_equal(otw_app_event_count(a, "http.bad_request"), 0);
    v = value(a, "http.uri");
    assert_non_null(v);
    assert_int_equal(v->slen, OTW_MIN(1 + tlen, OTW_APP_MAX_VALUE_LEN));
    assert_memory_equal(v->s, "/000000000", 10);
    if (v->slen == 1 + tlen)
        assert_int_equal(v->s[tlen], '7');
    otw_app_free(a);
    otw_engine_flow_free(af);
}

/* 214 chunks before the probe says yes: past LOG_MAX (32), so each
 * direction is replayed whole. */
static void many_chunks_before_identification(void **unused)
{
    http_long_target_chunks(200);
    http_long_target_chunks(20);        /* 34 chunks: just past LOG_MAX */
    http_long_target_chunks(10);        /* 24 chunks: the log itself */
}

/*
 * Regression (fixed; engine.c ident_tcp): the chunk counter nlog is a uint8_t and
 * wraps after 255 chunks; identified after 256..288 chunks, nlog looks like
 * 0..32 and only that many of the first chunks are replayed. 264 chunks
 * here: the parser gets "GET /000" and then the header lines, records
 * http.bad_request and no method, target or host.
 */
static void chunks_past_255_before_identification(void **unused)
{
    http_long_target_chunks(250);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(modbus_pair_identified),
        cmocka_unit_test(http_on_502),
        cmocka_unit_test(unknown_on_502_guess),
        cmocka_unit_test(split_chunks_replayed),
        cmocka_unit_test(tls_client_hello_split),
        cmocka_unit_test(udp_dns_query),
        cmocka_unit_test(gap_before_identification),
        cmocka_unit_test(gap_after_identification),
        cmocka_unit_test(gap_drops_buffer),
        cmocka_unit_test(take_and_snapshot),
        cmocka_unit_test(buffer_long_record),
        cmocka_unit_test(many_chunks_before_identification),
        cmocka_unit_test(chunks_past_255_before_identification),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
