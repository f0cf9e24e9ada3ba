/*
 * test_proto_it2.c - the IT and identification-only parsers (dns, http,
 * ntp, dhcp, snmp, ftp, telnet, opcua, fins, melsec, profinet, hartip)
 * fed directly, as the engine would: TCP in pieces with the unconsumed
 * rest offered again in front, UDP one datagram per call.
 *
 * Bytes from captures name the command that printed them, e.g.
 *   tshark -r tests/pcaps/dns/arkime-dns-udp.pcap -T fields -e udp.payload  (frame 1)
 * Crafted bytes cite the spec layout they follow.
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
#include "proto/proto.h"

extern const struct otw_parser otw_parser_dns, otw_parser_dns_tcp, otw_parser_http,
    otw_parser_ntp, otw_parser_dhcp, otw_parser_snmp, otw_parser_ftp, otw_parser_telnet,
    otw_parser_opcua, otw_parser_fins, otw_parser_fins_tcp, otw_parser_melsec,
    otw_parser_pnio, otw_parser_hartip, otw_parser_hartip_udp;

static const struct otw_parser *const mine[] = {
    &otw_parser_dns, &otw_parser_dns_tcp, &otw_parser_http, &otw_parser_ntp,
    &otw_parser_dhcp, &otw_parser_snmp, &otw_parser_ftp, &otw_parser_telnet,
    &otw_parser_opcua, &otw_parser_fins, &otw_parser_fins_tcp, &otw_parser_melsec,
    &otw_parser_pnio, &otw_parser_hartip, &otw_parser_hartip_udp, NULL,
};

/* --- helpers ------------------------------------------------------------- */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;

    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        if (h[0] == ' ') {
            h--;
            continue;
        }
        assert_true(sscanf(h, "%2x", &v) == 1);
        assert_true(n < cap);
        out[n++] = (uint8_t)v;
    }
    return n;
}

struct ctx {
    const struct otw_parser *ps;
    void *st;
    struct otw_app *app;
    uint8_t *buf[2];
    size_t blen[2];
    int detached;
};

static void ctx_init(struct ctx *c, const struct otw_parser *ps)
{
    memset(c, 0, sizeof(*c));
    c->ps = ps;
    c->st = calloc(1, ps->state_size ? ps->state_size : 1);
    c->app = otw_app_new();
    c->buf[0] = malloc(OTW_PROTO_BUF_MAX);
    c->buf[1] = malloc(OTW_PROTO_BUF_MAX);
    assert_non_null(c->st);
    assert_non_null(c->app);
    assert_non_null(c->buf[0]);
    assert_non_null(c->buf[1]);
}

/* Every value and event must be declared in the parser's lists. */
static void check_declared(const struct ctx *c)
{
    for (uint16_t i = 0; i < c->app->nvalues; i++) {
        int found = 0;
        for (const struct otw_pfield *f = c->ps->fields; f->name; f++)
            if (strcmp(f->name, c->app->values[i].field) == 0 && f->type == c->app->values[i].type)
                found = 1;
        if (!found)
            fail_msg("%s: field %s not declared", c->ps->name, c->app->values[i].field);
    }
    for (uint8_t i = 0; i < c->app->nevents; i++) {
        int found = 0;
        for (const char *const *e = c->ps->events; *e; e++)
            if (strcmp(*e, c->app->events[i].name) == 0)
                found = 1;
        if (!found)
            fail_msg("%s: event %s not declared", c->ps->name, c->app->events[i].name);
    }
}

static void ctx_free(struct ctx *c)
{
    check_declared(c);
    if (c->ps->free)
        c->ps->free(c->st);
    free(c->st);
    free(c->buf[0]);
    free(c->buf[1]);
    otw_app_free(c->app);
}

/* TCP as the engine does it: pieces of `step` bytes, the rest kept. */
static void feed(struct ctx *c, int dir, const uint8_t *p, size_t len, size_t step)
{
    size_t off = 0;

    while (off < len && !c->detached) {
        size_t n = OTW_MIN(step, len - off);
        ssize_t used;

        assert_true(c->blen[dir] + n <= OTW_PROTO_BUF_MAX);
        memcpy(c->buf[dir] + c->blen[dir], p + off, n);
        c->blen[dir] += n;
        off += n;
        used = c->ps->parse(c->st, c->app, dir, c->buf[dir], c->blen[dir]);
        if (used < 0) {
            c->detached = 1;
            return;
        }
        assert_true((size_t)used <= c->blen[dir]);
        memmove(c->buf[dir], c->buf[dir] + used, c->blen[dir] - (size_t)used);
        c->blen[dir] -= (size_t)used;
    }
}

/* UDP: one datagram. */
static void dgram(struct ctx *c, int dir, const uint8_t *p, size_t len)
{
    if (c->ps->parse(c->st, c->app, dir, p, len) < 0)
        c->detached = 1;
}

static struct otw_flowinfo fi_of(uint8_t tr, uint16_t sport, uint16_t dport)
{
    struct otw_flowinfo fi = {4, tr, sport, dport};
    return fi;
}

#define CS(c, f, v) otw_app_count_str((c)->app, f, v)
#define CI(c, f, v) otw_app_count_int((c)->app, f, v)
#define EV(c, e) otw_app_event_count((c)->app, e)

static const char http_get[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";

/* A TLS 1.2 ClientHello record (start) */
static const uint8_t tls_hello[] = {
    0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x5b, 0x90, 0x9d, 0x9b,
    0x72, 0x0b, 0xbc, 0x0c, 0xbc, 0x2b, 0x92, 0xa8, 0x48, 0x97, 0xcf, 0xbd, 0x39, 0x04, 0xcc,
    0x16, 0x0a, 0x85, 0x03, 0x90, 0x9f, 0x77, 0x04, 0x33, 0xd4, 0xde, 0x00, 0x00, 0x20, 0xc0,
    0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xcc, 0x14, 0xcc, 0x13, 0xc0, 0x0a, 0xc0, 0x09, 0xc0, 0x13,
};

/* --- probes: no to foreign bytes ------------------------------------------ */

static void test_probe_foreign(void **unused)
{
    uint8_t rnd[512];
    uint32_t x = 12345;

    for (size_t i = 0; i < sizeof(rnd); i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (uint8_t)(x >> 16);
    }
    for (const struct otw_parser *const *pp = mine; *pp; pp++) {
        const struct otw_parser *ps = *pp;
        for (int tr = 6; tr <= 17; tr += 11) {
            struct otw_flowinfo fi;
            if (!(ps->transports & (tr == 6 ? OTW_PT_TCP : OTW_PT_UDP)))
                continue;
            /* on the parser's own port: the port is never enough */
            fi = fi_of((uint8_t)tr, 40000, ps->ports ? ps->ports[0] : 9);
            for (int dir = 0; dir < 2; dir++) {
                if (ps != &otw_parser_http)
                    assert_int_equal(ps->probe((const uint8_t *)http_get, sizeof(http_get) - 1,
                                               dir, &fi), OTW_PROBE_NO);
                if (ps->probe(tls_hello, sizeof(tls_hello), dir, &fi) != OTW_PROBE_NO)
                    fail_msg("%s (%d) said yes to TLS", ps->desc, tr);
                if (ps->probe(rnd, sizeof(rnd), dir, &fi) != OTW_PROBE_NO)
                    fail_msg("%s (%d) said yes to random bytes", ps->desc, tr);
            }
        }
    }
}

/* --- DNS ------------------------------------------------------------------ */

/* tshark -r tests/pcaps/dns/arkime-dns-udp.pcap -T fields -e udp.payload, frames 1 and 2 */
static const char dns_q[] = "e03901000001000000000000037777770667697468756203636f6d0000010001";
static const char dns_r[] =
    "e03981800001000200040004037777770667697468756203636f6d0000010001c00c00050001000007bc0002c010"
    "c01000010001000000040004c01efc80c01000020001000001480014036e7333037031360664796e656374036e65"
    "7400c01000020001000001480006036e7332c04ec01000020001000001480006036e7334c04ec010000200010000"
    "01480006036e7331c04ec06a0001000100000e1000040a025f0cc04a0001000100000e1000040a025f0cc08e0001"
    "000100000e1000040a025f0cc07c0001000100000e1000040a025f0c";
/* tshark -r tests/pcaps/dns/arkime-dns-tcp.pcap -Y tcp.len>0 -T fields -e tcp.payload, frame 4 */
static const char dns_tcp_q[] = "001c5e630100000100000000000006676f6f676c6503636f6d0000010001";

static void test_dns_udp(void **unused)
{
    struct ctx c;
    uint8_t b[1024];
    size_t n;
    struct otw_flowinfo fi = fi_of(17, 62563, 53);

    ctx_init(&c, &otw_parser_dns);
    n = unhex(dns_q, b, sizeof(b));
    assert_int_equal(otw_parser_dns.probe(b, n, 0, &fi), OTW_PROBE_YES);
    dgram(&c, 0, b, n);
    n = unhex(dns_r, b, sizeof(b));
    assert_int_equal(otw_parser_dns.probe(b, n, 1, &fi), OTW_PROBE_YES);
    dgram(&c, 1, b, n);
    assert_int_equal(CS(&c, "dns.query", "www.github.com"), 2);
    assert_int_equal(CS(&c, "dns.qtype", "a"), 2);
    assert_int_equal(CI(&c, "dns.qtype_code", 1), 2);
    assert_int_equal(CS(&c, "dns.rcode", "noerror"), 1);
    /* answer section: CNAME github.com (compressed) then A 192.30.252.128 */
    assert_int_equal(CS(&c, "dns.answer", "github.com"), 1);
    assert_int_equal(CS(&c, "dns.answer", "192.30.252.128"), 1);
    assert_int_equal(CS(&c, "dns.answer", NULL), 2);
    assert_int_equal(c.app->nevents, 0);

    /* truncated datagram: the answers are cut */
    dgram(&c, 1, b, 60);
    assert_int_equal(EV(&c, "dns.truncated"), 1);
    assert_int_equal(CS(&c, "dns.answer", "github.com"), 2);
    assert_int_equal(CS(&c, "dns.answer", "192.30.252.128"), 1);
    ctx_free(&c);
}

static void test_dns_names(void **unused)
{
    struct ctx c;
    /* header: response, 1 question; the question name is a pointer to itself */
    uint8_t loop[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
    /* forward pointer to a later label */
    uint8_t fwd[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 18, 0, 1, 0, 1, 1, 'a', 0};
    /* mixed case label, lower-cased */
    uint8_t mc[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'W', 'w', 'W', 2, 'E', 'x', 0, 0, 16, 0, 1};
    /* label type 01 (reserved) */
    uint8_t ext[] = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1};
    /* two pointers in a chain, each backwards: name "x.y" at 12 */
    uint8_t chain[] = {0, 1, 0x81, 0x83, 0, 2, 0, 0, 0, 0, 0, 0,
                       1, 'x', 1, 'y', 0, 0, 1, 0, 1,        /* 12: x.y  A IN */
                       1, 'z', 0xC0, 12, 0, 12, 0, 1};       /* 21: z.x.y PTR IN */
    struct otw_flowinfo fi = fi_of(17, 1000, 53);

    ctx_init(&c, &otw_parser_dns);
    assert_int_equal(otw_parser_dns.probe(loop, sizeof(loop), 1, &fi), OTW_PROBE_NO);
    dgram(&c, 1, loop, sizeof(loop));
    assert_int_equal(EV(&c, "dns.bad_name"), 1);
    dgram(&c, 1, fwd, sizeof(fwd));
    assert_int_equal(EV(&c, "dns.bad_name"), 2);
    dgram(&c, 0, mc, sizeof(mc));
    assert_int_equal(CS(&c, "dns.query", "www.ex"), 1);
    assert_int_equal(CS(&c, "dns.qtype", "txt"), 1);
    dgram(&c, 0, ext, sizeof(ext));
    assert_int_equal(EV(&c, "dns.bad_name"), 3);
    dgram(&c, 1, chain, sizeof(chain));
    assert_int_equal(CS(&c, "dns.query", "x.y"), 1);
    assert_int_equal(CS(&c, "dns.query", "z.x.y"), 1);
    assert_int_equal(CS(&c, "dns.qtype", "ptr"), 1);
    assert_int_equal(CS(&c, "dns.rcode", "nxdomain"), 1);
    assert_int_equal(CS(&c, "dns.query", NULL), 3);
    ctx_free(&c);
}

static void test_dns_name_too_long(void **unused)
{
    struct ctx c;
    uint8_t b[400];
    size_t n = 0;

    /* 5 labels of 63 bytes = 319 characters with dots: over 255 */
    memcpy(b, "\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    n = 12;
    for (int i = 0; i < 5; i++) {
        b[n++] = 63;
        memset(b + n, 'a', 63);
        n += 63;
    }
    b[n++] = 0;
    memcpy(b + n, "\x00\x01\x00\x01", 4);
    n += 4;
    ctx_init(&c, &otw_parser_dns);
    dgram(&c, 0, b, n);
    assert_int_equal(EV(&c, "dns.bad_name"), 1);
    assert_int_equal(CS(&c, "dns.query", NULL), 0);
    ctx_free(&c);
}

static void test_dns_tcp(void **unused)
{
    struct ctx c;
    uint8_t q[64], two[128];
    size_t n;
    struct otw_flowinfo fi = fi_of(6, 49342, 53);

    n = unhex(dns_tcp_q, q, sizeof(q));
    assert_int_equal(otw_parser_dns_tcp.probe(q, n, 0, &fi), OTW_PROBE_YES);
    assert_int_equal(otw_parser_dns_tcp.probe(q, 6, 0, &fi), OTW_PROBE_MORE);
    assert_int_equal(otw_parser_dns.probe(q, n, 0, &fi), OTW_PROBE_NO);

    /* one byte at a time */
    ctx_init(&c, &otw_parser_dns_tcp);
    feed(&c, 0, q, n, 1);
    assert_int_equal(CS(&c, "dns.query", "google.com"), 1);
    assert_int_equal(c.blen[0], 0);
    /* two messages in one call, then garbage-sized length */
    memcpy(two, q, n);
    memcpy(two + n, q, n);
    feed(&c, 0, two, 2 * n, 2 * n);
    assert_int_equal(CS(&c, "dns.query", "google.com"), 3);
    /* split at every boundary */
    for (size_t cut = 1; cut < n; cut++) {
        feed(&c, 0, q, cut, cut);
        feed(&c, 0, q + cut, n - cut, n - cut);
    }
    assert_int_equal(CS(&c, "dns.query", "google.com"), 3 + n - 1);
    assert_false(c.detached);
    /* a length too small for a header: detach */
    feed(&c, 0, (const uint8_t *)"\x00\x05hello", 7, 7);
    assert_true(c.detached);
    assert_int_equal(EV(&c, "dns.bad_length"), 1);
    ctx_free(&c);

    /* a length larger than a parser may buffer (65535 + 2 > 64 KiB): skipped */
    ctx_init(&c, &otw_parser_dns_tcp);
    {
        uint8_t *big = calloc(1, 65537 + n);
        assert_non_null(big);
        big[0] = 0xFF;
        big[1] = 0xFF;
        memcpy(big + 2, q + 2, n - 2);          /* a valid header at the front */
        memcpy(big + 65537, q, n);              /* then a normal message */
        for (size_t off = 0; off < 65537 + n; off += 1000)
            feed(&c, 0, big + off, OTW_MIN((size_t)1000, 65537 + n - off), 1000);
        free(big);
    }
    assert_false(c.detached);
    assert_int_equal(EV(&c, "dns.too_long"), 1);
    assert_int_equal(CS(&c, "dns.query", "google.com"), 1);
    ctx_free(&c);
}

/* --- HTTP ------------------------------------------------------------------ */

/* tshark -r tests/pcaps/http/zeek-get.pcap -T fields -e tcp.payload, frame 4 (request) and
 * the header of frame 6 (response, Content-Length: 4705). */
static const char get_req[] =
    "GET /download/CHANGES.bro-aux.txt HTTP/1.1\r\nUser-Agent: Wget/1.14 (darwin12.2.0)\r\n"
    "Accept: */*\r\nHost: bro.org\r\nConnection: Keep-Alive\r\n\r\n";
static const char get_resp_hdr[] =
    "HTTP/1.1 200 OK\r\nDate: Thu, 07 Mar 2013 21:43:07 GMT\r\nServer: Apache/2.4.3 (Fedora)\r\n"
    "Last-Modified: Wed, 29 Aug 2012 23:49:27 GMT\r\nETag: \"1261-4c870358a6fc0\"\r\n"
    "Accept-Ranges: bytes\r\nContent-Length: 4705\r\nKeep-Alive: timeout=5, max=100\r\n"
    "Connection: Keep-Alive\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n";

static void test_http_probe(void **unused)
{
    struct otw_flowinfo fi = fi_of(6, 44338, 22);
    const struct otw_parser *h = &otw_parser_http;

    assert_int_equal(h->probe((const uint8_t *)get_req, sizeof(get_req) - 1, 0, &fi), OTW_PROBE_YES);
    assert_int_equal(h->probe((const uint8_t *)"GE", 2, 0, &fi), OTW_PROBE_MORE);
    assert_int_equal(h->probe((const uint8_t *)"GET /abc", 8, 0, &fi), OTW_PROBE_MORE);
    assert_int_equal(h->probe((const uint8_t *)"GET / HTTP/1.0\r\n", 16, 0, &fi), OTW_PROBE_YES);
    assert_int_equal(h->probe((const uint8_t *)"GET /\r\n\r\n", 9, 0, &fi), OTW_PROBE_YES);
    assert_int_equal(h->probe((const uint8_t *)"GET / RTSP/1.0\r\n", 16, 0, &fi), OTW_PROBE_NO);
    assert_int_equal(h->probe((const uint8_t *)"GETX / HTTP/1.1\r\n", 17, 0, &fi), OTW_PROBE_NO);
    assert_int_equal(h->probe((const uint8_t *)"GET\r\n", 5, 0, &fi), OTW_PROBE_NO);
    assert_int_equal(h->probe((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, 1, &fi), OTW_PROBE_YES);
    assert_int_equal(h->probe((const uint8_t *)"HTTP/2.0 200 OK\r\n", 17, 1, &fi), OTW_PROBE_NO);
    assert_int_equal(h->probe((const uint8_t *)"SSH-2.0-OpenSSH_9.6\r\n", 21, 1, &fi), OTW_PROBE_NO);
    assert_int_equal(h->probe((const uint8_t *)"PRI * HTTP/2.0\r\n", 16, 0, &fi), OTW_PROBE_NO);
}

static void test_http_keepalive(void **unused)
{
    struct ctx c;
    size_t hl = sizeof(get_resp_hdr) - 1;
    size_t total = hl + 4705 + 30;
    uint8_t *resp = malloc(total);
    const char *next = "HTTP/1.1 304 Not Modified\r\n\r\n";

    assert_non_null(resp);
    memcpy(resp, get_resp_hdr, hl);
    memset(resp + hl, 'x', 4705);
    memcpy(resp + hl + 4705, next, strlen(next));
    total = hl + 4705 + strlen(next);

    for (size_t step = 1; step <= 1500; step = step * 7 + 1) {
        ctx_init(&c, &otw_parser_http);
        feed(&c, 0, (const uint8_t *)get_req, sizeof(get_req) - 1, step);
        feed(&c, 0, (const uint8_t *)get_req, sizeof(get_req) - 1, step);
        feed(&c, 1, resp, total, step);
        assert_int_equal(CS(&c, "http.method", "GET"), 2);
        assert_int_equal(CS(&c, "http.host", "bro.org"), 2);
        assert_int_equal(CS(&c, "http.uri", "/download/CHANGES.bro-aux.txt"), 2);
        assert_int_equal(CS(&c, "http.user_agent", "Wget/1.14 (darwin12.2.0)"), 2);
        assert_int_equal(CI(&c, "http.status", 200), 1);
        assert_int_equal(CI(&c, "http.status", 304), 1);
        assert_int_equal(c.app->nevents, 0);
        assert_false(c.detached);
        ctx_free(&c);
    }
    free(resp);
}

static void test_http_pipelined_chunked(void **unused)
{
    struct ctx c;
    const char *reqs =
        "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n"
        "Host: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nT: 1\r\n\r\n"
        "HEAD /c HTTP/1.1\r\nhost: h\r\n\r\n";
    const char *resps =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "a\r\n0123456789\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"      /* HEAD: no body */
        "HTTP/1.0 500 Oops\r\n\r\nbody until close HTTP/1.1 200 OK\r\n\r\n";

    for (size_t step = 1; step < 200; step += 37) {
        ctx_init(&c, &otw_parser_http);
        feed(&c, 0, (const uint8_t *)reqs, strlen(reqs), step);
        feed(&c, 1, (const uint8_t *)resps, strlen(resps), step);
        assert_int_equal(CS(&c, "http.method", "POST"), 1);
        assert_int_equal(CS(&c, "http.method", "GET"), 1);
        assert_int_equal(CS(&c, "http.method", "HEAD"), 1);
        assert_int_equal(CS(&c, "http.host", "h"), 3);
        assert_int_equal(CI(&c, "http.status", 100), 1);
        assert_int_equal(CI(&c, "http.status", 200), 2);
        assert_int_equal(CI(&c, "http.status", 404), 1);
        assert_int_equal(CI(&c, "http.status", 500), 1);
        assert_int_equal(c.app->nevents, 0);
        ctx_free(&c);
    }
}

static void test_http_garbage(void **unused)
{
    struct ctx c;
    static uint8_t big[20000];

    /* an SSH server answering an HTTP request: bad_response, the request stays */
    ctx_init(&c, &otw_parser_http);
    feed(&c, 0, (const uint8_t *)get_req, sizeof(get_req) - 1, 1000);
    feed(&c, 1, (const uint8_t *)"SSH-2.0-OpenSSH_8.9\r\nInvalid SSH identification string.\r\n\r\n",
         59, 1000);
    assert_int_equal(EV(&c, "http.bad_response"), 1);
    assert_int_equal(CS(&c, "http.method", "GET"), 1);
    feed(&c, 1, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19, 1000);
    assert_int_equal(CI(&c, "http.status", 200), 0);   /* that direction is given up */
    /* garbage after a valid request */
    feed(&c, 0, (const uint8_t *)"\x16\x03\x01\x00\x10zzzzzzzzzzzzzzzz\r\n\r\n", 25, 1000);
    assert_int_equal(EV(&c, "http.bad_request"), 1);
    ctx_free(&c);

    /* a header block without an end */
    ctx_init(&c, &otw_parser_http);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    memset(big + 19, 'a', sizeof(big) - 19);
    feed(&c, 0, big, sizeof(big), 4096);
    assert_int_equal(EV(&c, "http.header_too_long"), 1);
    assert_int_equal(c.blen[0], 0);
    ctx_free(&c);

    /* a bad chunk size, and a Content-Length that is not a number */
    ctx_init(&c, &otw_parser_http);
    feed(&c, 1, (const uint8_t *)"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 51, 7);
    assert_int_equal(EV(&c, "http.bad_chunk"), 1);
    feed(&c, 0, (const uint8_t *)"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 38, 38);
    assert_int_equal(EV(&c, "http.bad_content_length"), 1);
    ctx_free(&c);
}

/* --- NTP -------------------------------------------------------------------- */

static void test_ntp(void **unused)
{
    struct ctx c;
    uint8_t cl[48] = {0x23}, sv[48] = {0x24, 2, 6, 0xE9}, mon[8] = {0x17, 0x00, 0x03, 0x2a};
    struct otw_flowinfo fi = fi_of(17, 40000, 123), off = fi_of(17, 40000, 999);

    assert_int_equal(otw_parser_ntp.probe(cl, 48, 0, &fi), OTW_PROBE_YES);
    assert_int_equal(otw_parser_ntp.probe(cl, 48, 0, &off), OTW_PROBE_NO);
    assert_int_equal(otw_parser_ntp.probe(cl, 47, 0, &fi), OTW_PROBE_NO);
    assert_int_equal(otw_parser_ntp.probe(mon, 8, 0, &fi), OTW_PROBE_YES);
    ctx_init(&c, &otw_parser_ntp);
    dgram(&c, 0, cl, 48);                   /* v4 client */
    dgram(&c, 1, sv, 48);                   /* v4 server, stratum 2 */
    dgram(&c, 0, mon, 8);                   /* v2 private, request 42 = monlist */
    dgram(&c, 0, cl, 20);                   /* too short */
    assert_int_equal(CS(&c, "ntp.mode", "client"), 1);
    assert_int_equal(CS(&c, "ntp.mode", "server"), 1);
    assert_int_equal(CS(&c, "ntp.mode", "private"), 1);
    assert_int_equal(CI(&c, "ntp.version", 4), 2);
    assert_int_equal(CI(&c, "ntp.version", 2), 1);
    assert_int_equal(CI(&c, "ntp.stratum", 2), 1);
    assert_int_equal(CI(&c, "ntp.stratum", 0), 1);
    assert_int_equal(CI(&c, "ntp.private_request", 42), 1);
    assert_int_equal(EV(&c, "ntp.bad_length"), 1);
    ctx_free(&c);
}

/* --- DHCP ------------------------------------------------------------------- */

/* tshark -r tests/pcaps/noise/arkime-wireshark-dhcp.pcap -T fields -e udp.payload, frame 1
 * (discover); options: 53=1, 61 client id, 50 = 0.0.0.0, 55 parameter list */
static const char dhcp_disc_head[] = "0101060000003d1d0000000000000000000000000000000000000000000b8201fc42";
static const char dhcp_disc_opts[] = "638253633501013d0701000b8201fc4232040000000037040103062aff";

static size_t dhcp_msg(uint8_t *b, const char *head, const char *opts)
{
    size_t n = unhex(head, b, 600);
    memset(b + n, 0, 236 - n);
    return 236 + unhex(opts, b + 236, 364);
}

static void test_dhcp(void **unused)
{
    struct ctx c;
    uint8_t b[600];
    size_t n = dhcp_msg(b, dhcp_disc_head, dhcp_disc_opts);
    struct otw_flowinfo fi = fi_of(17, 68, 67);

    assert_int_equal(otw_parser_dhcp.probe(b, n, 0, &fi), OTW_PROBE_YES);
    assert_int_equal(otw_parser_dhcp.probe(b, 239, 0, &fi), OTW_PROBE_NO);
    ctx_init(&c, &otw_parser_dhcp);
    dgram(&c, 0, b, n);
    assert_int_equal(CS(&c, "dhcp.msg_type", "discover"), 1);
    assert_int_equal(CS(&c, "dhcp.client_mac", "00:0b:82:01:fc:42"), 1);
    assert_int_equal(CS(&c, "dhcp.requested_ip", "0.0.0.0"), 1);

    /* crafted ACK with yiaddr 192.168.0.10, hostname and vendor class */
    n = dhcp_msg(b, "0201060000003d1d00000000000000000c0a80000a0000000000000000000b8201fc42",
                 "638253633501050c04706c63313c0a76656e646f72782f3130ff");
    b[16] = 192, b[17] = 168, b[18] = 0, b[19] = 10;
    dgram(&c, 1, b, n);
    assert_int_equal(CS(&c, "dhcp.msg_type", "ack"), 1);
    assert_int_equal(CS(&c, "dhcp.assigned_ip", "192.168.0.10"), 1);
    assert_int_equal(CS(&c, "dhcp.hostname", "plc1"), 1);
    assert_int_equal(CS(&c, "dhcp.vendor_class", "vendorx/10"), 1);
    assert_int_equal(c.app->nevents, 0);
    /* option 60 cut by the end of the datagram */
    dgram(&c, 1, b, n - 5);
    assert_int_equal(EV(&c, "dhcp.bad_option"), 1);
    ctx_free(&c);
}

/* --- SNMP ------------------------------------------------------------------- */

/* RFC 1157 GetRequest, community "public", one varbind sysDescr.0 (as snmpget sends it) */
static const char snmp_v1_get[] =
    "302602010004067075626c6963a019020101020100020100300e300c06082b060102010101000500";
/* v2c GetBulk, empty community */
static const char snmp_v2_bulk[] = "301e0201010400a5170204000000010201000201 0a300930070603 2b06010500";

static void test_snmp(void **unused)
{
    struct ctx c;
    uint8_t b[256];
    size_t n;
    struct otw_flowinfo fi = fi_of(17, 40000, 161);

    ctx_init(&c, &otw_parser_snmp);
    n = unhex(snmp_v1_get, b, sizeof(b));
    assert_int_equal(otw_parser_snmp.probe(b, n, 0, &fi), OTW_PROBE_YES);
    dgram(&c, 0, b, n);
    assert_int_equal(CS(&c, "snmp.version", "v1"), 1);
    assert_int_equal(CI(&c, "snmp.community_present", 1), 1);
    assert_int_equal(CS(&c, "snmp.pdu", "get_request"), 1);
    /* the community itself is never stored */
    for (uint16_t i = 0; i < c.app->nvalues; i++)
        if (c.app->values[i].s)
            assert_null(strstr(c.app->values[i].s, "public"));
    /* response: same with tag a2, version 1 (v2c) */
    b[4] = 1;
    b[13] = 0xA2;
    dgram(&c, 1, b, n);
    assert_int_equal(CS(&c, "snmp.version", "v2c"), 1);
    assert_int_equal(CS(&c, "snmp.pdu", "get_response"), 1);
    /* outer length too large, too small, a long-form length, indefinite length */
    b[1] = 0x30;
    assert_int_equal(otw_parser_snmp.probe(b, n, 0, &fi), OTW_PROBE_NO);
    dgram(&c, 0, b, n);
    b[1] = 0x20;
    assert_int_equal(otw_parser_snmp.probe(b, n, 0, &fi), OTW_PROBE_NO);
    b[1] = 0x80;
    dgram(&c, 0, b, n);
    assert_int_equal(EV(&c, "snmp.bad_ber"), 2);
    n = unhex(snmp_v2_bulk, b, sizeof(b));
    dgram(&c, 0, b, n);
    assert_int_equal(CS(&c, "snmp.pdu", "get_bulk_request"), 1);
    assert_int_equal(CI(&c, "snmp.community_present", 0), 1);
    ctx_free(&c);
}

static void test_snmp_v3(void **unused)
{
    struct ctx c;
    uint8_t b[256];
    size_t n;
    /* RFC 3412 6: version 3, msgGlobalData {id, maxsize, flags 04, model 3},
     * USM parameters (empty), ScopedPDU {"" , "", GetRequest} - a discovery probe */
    const char *v3 =
        "303e020103301102042c3e4b2e020300ffe30401040201030410300e0400020100020100040004000400"
        "301204000400a00c02021a2b0201000201003000";
    /* same header with an encrypted PDU (OCTET STRING) */
    const char *v3enc =
        "3020020103301102042c3e4b2e020300ffe30401070201030400040661626364 6566";

    ctx_init(&c, &otw_parser_snmp);
    n = unhex(v3, b, sizeof(b));
    b[1] = (uint8_t)(n - 2);
    dgram(&c, 0, b, n);
    assert_int_equal(CS(&c, "snmp.version", "v3"), 1);
    assert_int_equal(CS(&c, "snmp.pdu", "get_request"), 1);
    assert_int_equal(CI(&c, "snmp.community_present", 0), 0);
    n = unhex(v3enc, b, sizeof(b));
    b[1] = (uint8_t)(n - 2);
    dgram(&c, 0, b, n);
    assert_int_equal(CI(&c, "snmp.encrypted", 1), 1);
    assert_int_equal(c.app->nevents, 0);
    ctx_free(&c);
}

/* Net-SNMP 5.9.3 (Debian 12 snmp/snmpd) on 127.0.0.1:16161, captured with dumpcap -i lo:
 *   snmpget -v1 -c public ... sysDescr.0; snmpset -v2c -c public ... sysName.0 s x;
 *   snmpget -v3 -l authPriv -u otwuser -a SHA -x AES ... sysName.0
 * tshark -r snmp.pcapng -T fields -e udp.payload, frames 1, 7, 9, 10, 11 */
static const char *const snmp_real[] = {
    "302902010004067075626c6963a01c02041ea66d03020100020100300e300c06082b060102010101000500",
    "302a02010104067075626c6963a31d020458e75fa8020100020100300f300d06082b06010201010500040178",
    "303e0201033011020469bdcdc7020300ffe30401040201030410300e0400020100020100040004000400301404"
    "000400a00e020474d27d3d0201000201003000",
    "30710201033011020469bdcdc7020300ffe30401000201030421301f041180001f888097aab677f815096b0000"
    "00000201010201040400040004003036041180001f888097aab677f815096b000000000400a81f020474d27d3d"
    "0201000201003011300f060a2b060106030f01010400410101",
    "30818b0201033011020469bdcdc6020300ffe3040107020103043c303a041180001f888097aab677f815096b00"
    "00000002010102010404076f747775736572040c7e9dd5154073b426802332ed0408c3bd7027af3d647d04351c"
    "7624d7b601cc5fbd476d407eba790dc664b3dac478b2b970d49a7ba17c63a4db0bfb94963e15554962d7676574"
    "3cfefbcdecfd07",
};

static void test_snmp_real(void **unused)
{
    struct ctx c;
    uint8_t b[256];
    struct otw_flowinfo fi = fi_of(17, 33400, 16161);    /* not the SNMP port */

    ctx_init(&c, &otw_parser_snmp);
    for (size_t i = 0; i < OTW_ARRAY_LEN(snmp_real); i++) {
        size_t n = unhex(snmp_real[i], b, sizeof(b));
        assert_int_equal(otw_parser_snmp.probe(b, n, 0, &fi), OTW_PROBE_YES);
        dgram(&c, 0, b, n);
    }
    assert_int_equal(CS(&c, "snmp.version", "v1"), 1);
    assert_int_equal(CS(&c, "snmp.version", "v2c"), 1);
    assert_int_equal(CS(&c, "snmp.version", "v3"), 3);
    assert_int_equal(CS(&c, "snmp.pdu", "get_request"), 2);
    assert_int_equal(CS(&c, "snmp.pdu", "set_request"), 1);
    assert_int_equal(CS(&c, "snmp.pdu", "report"), 1);
    assert_int_equal(CI(&c, "snmp.encrypted", 1), 1);
    assert_int_equal(CI(&c, "snmp.community_present", 1), 2);
    assert_int_equal(c.app->nevents, 0);
    ctx_free(&c);
}

/* --- FTP and Telnet -------------------------------------------------------- */

static void test_ftp(void **unused)
{
    struct ctx c;
    struct otw_flowinfo fi = fi_of(6, 40000, 21), other = fi_of(6, 40000, 2121);
    const char *srv = "220-Welcome\r\n220-more\r\n220 ProFTPD Server ready\r\n331 Password required\r\n"
                      "230 Logged in\r\n150 Opening\r\n226 Done\r\n221 Bye\r\n";
    const char *cli = "USER alice\r\nPASS s3cret\r\nTYPE I\r\nRETR plc.bin\r\nstor x\r\nQUIT\r\n";

    assert_int_equal(otw_parser_ftp.probe((const uint8_t *)srv, strlen(srv), 1, &other), OTW_PROBE_YES);
    assert_int_equal(otw_parser_ftp.probe((const uint8_t *)"220 mail.example.com ESMTP\r\n", 28, 1,
                                          &other), OTW_PROBE_NO);
    assert_int_equal(otw_parser_ftp.probe((const uint8_t *)"220 mail ESMTP Postfix\r\n", 24, 1,
                                          &fi), OTW_PROBE_NO);
    assert_int_equal(otw_parser_ftp.probe((const uint8_t *)cli, strlen(cli), 0, &fi), OTW_PROBE_YES);
    assert_int_equal(otw_parser_ftp.probe((const uint8_t *)cli, strlen(cli), 0, &other), OTW_PROBE_NO);
    assert_int_equal(otw_parser_ftp.probe((const uint8_t *)"USER al", 7, 0, &fi), OTW_PROBE_MORE);
    for (size_t step = 1; step < 40; step += 13) {
        ctx_init(&c, &otw_parser_ftp);
        feed(&c, 1, (const uint8_t *)srv, strlen(srv), step);
        feed(&c, 0, (const uint8_t *)cli, strlen(cli), step);
        assert_int_equal(CI(&c, "ftp.reply", 220), 1);
        assert_int_equal(CI(&c, "ftp.reply", 331), 1);
        assert_int_equal(CS(&c, "ftp.command", "USER"), 1);
        assert_int_equal(CS(&c, "ftp.command", "PASS"), 1);
        assert_int_equal(CS(&c, "ftp.command", "RETR"), 1);
        assert_int_equal(CS(&c, "ftp.command", "STOR"), 1);
        assert_int_equal(CS(&c, "ftp.user", "alice"), 1);
        for (uint16_t i = 0; i < c.app->nvalues; i++)
            if (c.app->values[i].s)
                assert_null(strstr(c.app->values[i].s, "s3cret"));
        assert_int_equal(c.app->nevents, 0);
        ctx_free(&c);
    }
    /* an overlong line, then AUTH TLS */
    ctx_init(&c, &otw_parser_ftp);
    {
        static uint8_t junk[5000];
        memset(junk, 'A', sizeof(junk));
        feed(&c, 0, junk, sizeof(junk), 1000);
        feed(&c, 0, (const uint8_t *)"\r\nAUTH TLS\r\n", 12, 12);
        feed(&c, 1, (const uint8_t *)"234 AUTH TLS OK\r\n\x16\x03\x01", 20, 20);
    }
    assert_int_equal(EV(&c, "ftp.line_too_long"), 1);
    assert_int_equal(CS(&c, "ftp.command", "AUTH"), 1);
    assert_true(otw_app_has_protocol(c.app, "tls"));
    ctx_free(&c);
}

static void test_telnet(void **unused)
{
    struct ctx c;
    /* tshark -r tests/pcaps/vlan/zeek-mixed-vlan-mpls.pcap -Y "tcp.port==23 && tcp.len>0"
     * -T fields -e tcp.payload: frames 3, 5, 6, 7, 9 (client side only) */
    static const char *frames[] = {"fffd03fffb1ffffb21", "fffd01", "fffc18",
                                   "fffa1f00500018fff0", "0d0a"};
    uint8_t b[64];
    size_t n;
    struct otw_flowinfo fi = fi_of(6, 11001, 23);
    const char *srv = "\xff\xfb\x01Ubuntu\r\nplc login: \xff\xff";
    const char *pw = "Password: ";

    ctx_init(&c, &otw_parser_telnet);
    for (size_t i = 0; i < OTW_ARRAY_LEN(frames); i++) {
        n = unhex(frames[i], b, sizeof(b));
        if (i == 0)
            assert_int_equal(otw_parser_telnet.probe(b, n, 0, &fi), OTW_PROBE_YES);
        feed(&c, 0, b, n, 1);
    }
    assert_int_equal(CS(&c, "telnet.option", "suppress_go_ahead"), 1);
    assert_int_equal(CS(&c, "telnet.option", "naws"), 1);
    assert_int_equal(CS(&c, "telnet.option", "remote_flow_control"), 1);
    assert_int_equal(CS(&c, "telnet.option", "echo"), 1);
    assert_int_equal(CS(&c, "telnet.option", "terminal_type"), 1);
    assert_int_equal(CS(&c, "telnet.user", NULL), 0);
    /* a login */
    feed(&c, 1, (const uint8_t *)srv, strlen(srv), 1);
    feed(&c, 0, (const uint8_t *)"roox\x7ft\r\n", 8, 1);
    feed(&c, 1, (const uint8_t *)pw, strlen(pw), 3);
    feed(&c, 0, (const uint8_t *)"hunter2\r\n", 9, 1);
    assert_int_equal(CS(&c, "telnet.user", "root"), 1);
    assert_int_equal(CS(&c, "telnet.user", NULL), 1);
    assert_int_equal(otw_parser_telnet.probe((const uint8_t *)"login:", 6, 1, &fi), OTW_PROBE_NO);
    ctx_free(&c);
}

/* --- OT identification ------------------------------------------------------- */

static void test_opcua(void **unused)
{
    struct ctx c;
    uint8_t hel[64], two[128];
    const char *url = "opc.tcp://plc:4840";
    size_t ul = strlen(url), n = 32 + ul;
    /* OPC 10000-6 7.1.2.3: HEL F size, version 0, buffers 65536, max msg 0, chunks 0, url */
    uint8_t ack[28] = {'A', 'C', 'K', 'F', 28, 0, 0, 0};
    struct otw_flowinfo fi = fi_of(6, 40000, 4840);

    memset(hel, 0, sizeof(hel));
    memcpy(hel, "HELF", 4);
    hel[4] = (uint8_t)n;
    hel[14] = 1, hel[18] = 1;
    hel[28] = (uint8_t)ul;
    memcpy(hel + 32, url, ul);
    assert_int_equal(otw_parser_opcua.probe(hel, n, 0, &fi), OTW_PROBE_YES);
    assert_int_equal(otw_parser_opcua.probe(hel, 5, 0, &fi), OTW_PROBE_MORE);
    assert_int_equal(otw_parser_opcua.probe(ack, 28, 1, &fi), OTW_PROBE_YES);
    ctx_init(&c, &otw_parser_opcua);
    feed(&c, 0, hel, n, 1);
    memcpy(two, ack, 28);
    memcpy(two + 28, ack, 28);
    feed(&c, 1, two, 56, 56);
    assert_int_equal(CS(&c, "opcua.msg_type", "hello"), 1);
    assert_int_equal(CS(&c, "opcua.endpoint_url", url), 1);
    assert_int_equal(CS(&c, "opcua.msg_type", "acknowledge"), 2);
    /* endpoint url length beyond the chunk */
    hel[28] = 0x7F;
    feed(&c, 0, hel, n, n);
    assert_int_equal(EV(&c, "opcua.bad_hello"), 1);
    /* size smaller than a header: detach */
    two[4] = 4;
    feed(&c, 1, two, 8, 8);
    assert_true(c.detached);
    assert_int_equal(EV(&c, "opcua.bad_header"), 1);
    ctx_free(&c);

    /* a chunk larger than a parser may buffer is skipped */
    ctx_init(&c, &otw_parser_opcua);
    {
        uint8_t *big = calloc(1, 200000 + 28);
        assert_non_null(big);
        memcpy(big, "MSGF", 4);
        big[4] = 0x40, big[5] = 0x0D, big[6] = 0x03;      /* 200000 */
        memcpy(big + 200000, ack, 28);
        for (size_t off = 0; off < 200028; off += 4000)
            feed(&c, 1, big + off, OTW_MIN((size_t)4000, 200028 - off), 4000);
        free(big);
    }
    assert_false(c.detached);
    assert_int_equal(CS(&c, "opcua.msg_type", "message"), 1);
    assert_int_equal(CS(&c, "opcua.msg_type", "acknowledge"), 1);
    ctx_free(&c);
}

static void test_fins(void **unused)
{
    struct ctx c;
    /* W227 3-1: ICF 80, RSV 00, GCT 02, DNA 00, DA1 01, DA2 00, SNA 00, SA1 0a, SA2 00,
     * SID 01, command 01 01 (memory area read) DM 100, 1 word */
    uint8_t rd[] = {0x80, 0, 2, 0, 1, 0, 0, 0x0a, 0, 1, 0x01, 0x01, 0x82, 0x00, 0x64, 0x00, 0x00, 0x01};
    uint8_t rsp[] = {0xC0, 0, 2, 0, 0x0a, 0, 0, 1, 0, 1, 0x01, 0x01, 0x00, 0x00, 0x12, 0x34};
    uint8_t stop[] = {0x80, 0, 2, 0, 1, 0, 0, 0x0a, 0, 2, 0x04, 0x02, 0xFF, 0xFF};
    /* W421 7-4: FINS/TCP frame send (command 2) carrying `rd` */
    uint8_t tcp[16 + sizeof(rd)] = {'F', 'I', 'N', 'S', 0, 0, 0, 8 + sizeof(rd), 0, 0, 0, 2};
    struct otw_flowinfo fi = fi_of(17, 9600, 9600), ft = fi_of(6, 40000, 9600);

    memcpy(tcp + 16, rd, sizeof(rd));
    assert_int_equal(otw_parser_fins.probe(rd, sizeof(rd), 0, &fi), OTW_PROBE_YES);
    rd[1] = 1;
    assert_int_equal(otw_parser_fins.probe(rd, sizeof(rd), 0, &fi), OTW_PROBE_NO);
    rd[1] = 0;
    ctx_init(&c, &otw_parser_fins);
    dgram(&c, 0, rd, sizeof(rd));
    dgram(&c, 1, rsp, sizeof(rsp));
    dgram(&c, 0, stop, sizeof(stop));
    dgram(&c, 0, rd, 11);
    assert_int_equal(CS(&c, "fins.command", "memory_area_read"), 1);
    assert_int_equal(CS(&c, "fins.command", "stop"), 1);
    assert_int_equal(CS(&c, "ot.class", "read"), 1);
    assert_int_equal(CS(&c, "ot.class", "control"), 1);
    assert_int_equal(CI(&c, "fins.end_code", 0), 1);
    assert_int_equal(EV(&c, "fins.bad_header"), 1);
    ctx_free(&c);

    assert_int_equal(otw_parser_fins_tcp.probe(tcp, sizeof(tcp), 0, &ft), OTW_PROBE_YES);
    assert_int_equal(otw_parser_fins_tcp.probe(tcp, 3, 0, &ft), OTW_PROBE_MORE);
    ctx_init(&c, &otw_parser_fins_tcp);
    feed(&c, 0, tcp, sizeof(tcp), 1);
    feed(&c, 0, tcp, sizeof(tcp), sizeof(tcp));
    assert_int_equal(CS(&c, "fins.command", "memory_area_read"), 2);
    tcp[7] = 0xFF, tcp[6] = 0xFF;           /* length beyond the FINS maximum */
    feed(&c, 0, tcp, sizeof(tcp), sizeof(tcp));
    assert_true(c.detached);
    assert_int_equal(EV(&c, "fins.bad_length"), 1);
    ctx_free(&c);
}

static void test_melsec(void **unused)
{
    struct ctx c;
    /* SLMP 3E batch read (SH-080956ENG 4.1): 50 00, net 00, pc ff, io ff 03, station 00,
     * length 0c 00, timer 10 00, command 01 04, sub 00 00, D100 (64 00 00 a8), 10 points */
    uint8_t rd[] = {0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x0c, 0x00, 0x10, 0x00,
                    0x01, 0x04, 0x00, 0x00, 0x64, 0x00, 0x00, 0xa8, 0x0a, 0x00};
    uint8_t rsp[] = {0xD0, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x12, 0x34};
    /* 4E remote stop: 54 00, serial 34 12, 00 00, then as 3E, command 1002 sub 0000, 0001 */
    uint8_t stop[] = {0x54, 0x00, 0x34, 0x12, 0x00, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00,
                      0x08, 0x00, 0x10, 0x00, 0x02, 0x10, 0x00, 0x00, 0x01, 0x00};
    uint8_t two[2 * sizeof(rd)];
    struct otw_flowinfo fi = fi_of(6, 40000, 5007), fu = fi_of(17, 40000, 5006);

    assert_int_equal(otw_parser_melsec.probe(rd, sizeof(rd), 0, &fi), OTW_PROBE_YES);
    assert_int_equal(otw_parser_melsec.probe(rd, sizeof(rd), 0, &fu), OTW_PROBE_YES);
    assert_int_equal(otw_parser_melsec.probe(rd, sizeof(rd) - 1, 0, &fu), OTW_PROBE_NO);
    assert_int_equal(otw_parser_melsec.probe(rd, 5, 0, &fi), OTW_PROBE_MORE);
    assert_int_equal(otw_parser_melsec.probe(rsp, sizeof(rsp), 1, &fi), OTW_PROBE_YES);
    assert_int_equal(otw_parser_melsec.probe(stop, sizeof(stop), 0, &fi), OTW_PROBE_YES);
    ctx_init(&c, &otw_parser_melsec);
    feed(&c, 0, rd, sizeof(rd), 1);
    memcpy(two, rd, sizeof(rd));
    memcpy(two + sizeof(rd), rd, sizeof(rd));
    feed(&c, 0, two, sizeof(two), sizeof(two));
    feed(&c, 1, rsp, sizeof(rsp), 5);
    feed(&c, 0, stop, sizeof(stop), 2);
    assert_int_equal(CS(&c, "melsec.command", "batch_read"), 3);
    assert_int_equal(CI(&c, "melsec.command_code", 0x0401), 3);
    assert_int_equal(CS(&c, "ot.class", "read"), 3);
    assert_int_equal(CS(&c, "melsec.command", "remote_stop"), 1);
    assert_int_equal(CS(&c, "ot.class", "control"), 1);
    assert_int_equal(CI(&c, "melsec.end_code", 0), 1);
    assert_int_equal(CS(&c, "melsec.frame", "3e"), 4);
    assert_int_equal(CS(&c, "melsec.frame", "4e"), 1);
    /* request length too small */
    rd[7] = 2;
    feed(&c, 0, rd, sizeof(rd), sizeof(rd));
    assert_true(c.detached);
    assert_int_equal(EV(&c, "melsec.bad_header"), 1);
    ctx_free(&c);
}

static void test_pnio(void **unused)
{
    struct ctx c;
    uint8_t b[100];
    struct otw_flowinfo fi = fi_of(17, 49152, 34964);
    /* C706 12.5: rpc_vers 4, ptype 0 request, flags 0x20 (idempotent), drep 10 00 00 (LE);
     * interface UUID DEA00001-6C97-11D1-8271-00A02442DF7D little-endian; opnum 2 read */
    memset(b, 0, sizeof(b));
    b[0] = 4, b[1] = 0, b[2] = 0x20, b[4] = 0x10;
    memcpy(b + 24, "\x01\x00\xa0\xde\x97\x6c\xd1\x11\x82\x71\x00\xa0\x24\x42\xdf\x7d", 16);
    b[68] = 2;
    b[74] = 20;
    assert_int_equal(otw_parser_pnio.probe(b, sizeof(b), 0, &fi), OTW_PROBE_YES);
    ctx_init(&c, &otw_parser_pnio);
    dgram(&c, 0, b, sizeof(b));
    b[1] = 2;                               /* response */
    dgram(&c, 1, b, sizeof(b));
    /* big-endian, controller interface, opnum 3 write */
    b[1] = 0, b[4] = 0x00;
    memcpy(b + 24, "\xde\xa0\x00\x02\x6c\x97\x11\xd1\x82\x71\x00\xa0\x24\x42\xdf\x7d", 16);
    b[68] = 0, b[69] = 3, b[74] = 0, b[75] = 20;
    dgram(&c, 0, b, sizeof(b));
    assert_int_equal(CS(&c, "profinet.opnum", "read"), 1);
    assert_int_equal(CS(&c, "profinet.opnum", "write"), 1);
    assert_int_equal(CS(&c, "ot.class", "write"), 1);
    assert_int_equal(CS(&c, "profinet.interface", "device"), 2);
    assert_int_equal(CS(&c, "profinet.interface", "controller"), 1);
    assert_int_equal(CS(&c, "profinet.ptype", "response"), 1);
    /* the endpoint mapper UUID is not PNIO */
    memcpy(b + 24, "\xe1\xaf\x83\x08\x5d\x1f\x11\xc9\x91\xa4\x08\x00\x2b\x14\xa0\xfa", 16);
    assert_int_equal(otw_parser_pnio.probe(b, sizeof(b), 0, &fi), OTW_PROBE_NO);
    dgram(&c, 0, b, 79);
    assert_int_equal(EV(&c, "profinet.bad_header"), 1);
    ctx_free(&c);
}

static void test_hartip(void **unused)
{
    struct ctx c;
    /* HART-IP header: version 1, type 0 request, id 0 session initiate, status 0, seq 1,
     * byte count 13; body: master type 1 (primary), inactivity timer 30000 ms */
    uint8_t init[] = {1, 0, 0, 0, 0, 1, 0, 13, 1, 0, 0, 0x75, 0x30};
    /* pass-through request, short frame: delimiter 02, address 80, command 0, byte count 0 */
    uint8_t pt[] = {1, 0, 3, 0, 0, 2, 0, 13, 0x02, 0x80, 0x00, 0x00, 0x82};
    /* RIP v2 response header + start of an entry: must not be HART-IP on UDP */
    uint8_t rip[] = {2, 2, 0, 0, 0, 2, 0, 0, 10, 0, 0, 0};
    struct otw_flowinfo ft = fi_of(6, 40000, 5094), fu = fi_of(17, 40000, 5094),
                        rp = fi_of(17, 520, 520), t2 = fi_of(6, 40000, 8000);

    assert_int_equal(otw_parser_hartip.probe(init, sizeof(init), 0, &t2), OTW_PROBE_YES);
    assert_int_equal(otw_parser_hartip.probe(pt, sizeof(pt), 0, &t2), OTW_PROBE_NO);
    assert_int_equal(otw_parser_hartip.probe(pt, sizeof(pt), 0, &ft), OTW_PROBE_YES);
    assert_int_equal(otw_parser_hartip_udp.probe(init, sizeof(init), 0, &fu), OTW_PROBE_YES);
    assert_int_equal(otw_parser_hartip_udp.probe(rip, sizeof(rip), 0, &rp), OTW_PROBE_NO);
    ctx_init(&c, &otw_parser_hartip);
    feed(&c, 0, init, sizeof(init), 1);
    feed(&c, 0, pt, sizeof(pt), 4);
    assert_int_equal(CS(&c, "hartip.msg_id", "session_initiate"), 1);
    assert_int_equal(CS(&c, "hartip.msg_id", "pass_through"), 1);
    assert_int_equal(CS(&c, "hartip.msg_type", "request"), 2);
    assert_int_equal(CI(&c, "hartip.command", 0), 1);
    init[7] = 4;                            /* byte count below the header size */
    feed(&c, 0, init, sizeof(init), sizeof(init));
    assert_true(c.detached);
    assert_int_equal(EV(&c, "hartip.bad_header"), 1);
    ctx_free(&c);

    ctx_init(&c, &otw_parser_hartip_udp);
    dgram(&c, 0, pt, sizeof(pt));
    dgram(&c, 0, pt, sizeof(pt) - 1);       /* byte count != datagram */
    assert_int_equal(CI(&c, "hartip.command", 0), 1);
    assert_int_equal(EV(&c, "hartip.bad_header"), 1);
    ctx_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_foreign),
        cmocka_unit_test(test_dns_udp),
        cmocka_unit_test(test_dns_names),
        cmocka_unit_test(test_dns_name_too_long),
        cmocka_unit_test(test_dns_tcp),
        cmocka_unit_test(test_http_probe),
        cmocka_unit_test(test_http_keepalive),
        cmocka_unit_test(test_http_pipelined_chunked),
        cmocka_unit_test(test_http_garbage),
        cmocka_unit_test(test_ntp),
        cmocka_unit_test(test_dhcp),
        cmocka_unit_test(test_snmp),
        cmocka_unit_test(test_snmp_v3),
        cmocka_unit_test(test_snmp_real),
        cmocka_unit_test(test_ftp),
        cmocka_unit_test(test_telnet),
        cmocka_unit_test(test_opcua),
        cmocka_unit_test(test_fins),
        cmocka_unit_test(test_melsec),
        cmocka_unit_test(test_pnio),
        cmocka_unit_test(test_hartip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
