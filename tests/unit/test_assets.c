/*
 * test_assets.c - the asset inventory (detect/assets.c, detect/oui.c,
 * store/sqlite_assets.c), the names layer-2 frames carry (decode/l2name.c
 * through flow/l2seen.c) and the parser fields it reads (proto/nbns.c, the
 * s7comm SZL identification answer).
 *
 * MAC vendors come from a crafted ieee-data directory written by the test
 * (so longest-prefix cases are exact); the round trip uses a real SQLite
 * file. Byte arrays from captures name their source; crafted ones say so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pktbuild.h"
#include "protorig.h"

#include "core/config.h"
#include "decode/decode.h"
#include "decode/l2name.h"
#include "detect/assets.h"
#include "detect/sessinfo.h"
#include "flow/l2seen.h"
#include "proto/app.h"
#include "store/store.h"

extern const struct otw_parser otw_parser_nbns, otw_parser_s7comm, otw_parser_dhcp, otw_parser_dns;

static char ieee_dir[64];

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

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void ip(const char *s, uint8_t out[16])
{
    assert_int_equal(otw_ip_parse(s, out), 0);
}

static void mac(const char *s, uint8_t out[6])
{
    assert_int_equal(otw_mac_parse(s, out), 0);
}

/* --- MAC vendors ---------------------------------------------------------------- */

static void oui_longest_prefix(void **unused)
{
    uint8_t m[6];
    const char *v;

    (void)unused;
    mac("00:11:22:40:00:01", m);
    assert_string_equal(otw_mac_vendor(m), "Big Vendor, Inc.");         /* MA-L, quoted comma */
    mac("00:11:22:3f:00:01", m);
    assert_string_equal(otw_mac_vendor(m), "Medium Co");                /* MA-M 0011223 */
    mac("00:11:22:33:4a:bc", m);
    assert_string_equal(otw_mac_vendor(m), "Small \"Quoted\" Ltd");     /* MA-S 001122334 */
    mac("00:11:22:33:5a:bc", m);
    assert_string_equal(otw_mac_vendor(m), "Medium Co");                /* next MA-S block: MA-M */
    mac("00:11:22:33:4a:bc", m);
    m[5] = 0xff;
    assert_string_equal(otw_mac_vendor(m), "Small \"Quoted\" Ltd");
    mac("70:b3:d5:f2:f0:01", m);
    assert_string_equal(otw_mac_vendor(m), "TELEPLATFORMS");            /* oui36.csv */
    mac("70:b3:d5:00:00:01", m);
    assert_string_equal(otw_mac_vendor(m), "IEEE Registration Authority");
    mac("00:50:c2:7d:50:01", m);
    assert_string_equal(otw_mac_vendor(m), "DEUTA-WERKE GmbH");         /* iab.csv */
    /* locally administered bit, group bit, unknown prefix */
    mac("02:0a:c0:a8:0a:14", m);
    assert_string_equal(otw_mac_vendor(m), "(locally administered)");
    mac("01:00:5e:00:00:01", m);
    assert_null(otw_mac_vendor(m));
    mac("00:aa:bb:cc:dd:ee", m);
    assert_null(otw_mac_vendor(m));
    /* a line with a bad hex digit (0012G4) is ignored, not half-read */
    mac("00:12:04:00:00:00", m);
    v = otw_mac_vendor(m);
    assert_null(v);
}

/* --- names and roles ------------------------------------------------------------- */

static struct otw_assets *assets_with(const char *const *lines, struct otw_err *err)
{
    struct otw_config *c = otw_config_new();
    struct otw_assets *a;
    char where[32];

    assert_non_null(c);
    for (int i = 0; lines[i] != NULL; i++) {
        snprintf(where, sizeof(where), "test.conf:%d", i + 1);
        assert_int_equal(otw_config_set(c, "asset", lines[i], where), 0);
    }
    a = otw_assets_new(c, err);
    otw_config_free(c);
    return a;
}

static void l2row(struct otw_l2_row *r, const char *m, const char *a, const char *kind,
                  int64_t t)
{
    memset(r, 0, sizeof(*r));
    mac(m, r->mac);
    if (a != NULL) {
        ip(a, r->ip);
        r->has_ip = true;
    }
    snprintf(r->kind, sizeof(r->kind), "%s", kind);
    r->first_us = r->last_us = t;
    r->packets = 1;
    r->point_id = 1;
}

static void labels(void **unused)
{
    static const char *const lines[] = {
        "192.168.10.20 name=scada role=\"SCADA server\"",
        "  02:0a:c0:a8:0a:1e   role=PLC name=plc1",
        "192.168.10.10 role=HMI",
        "192.168.10.40 name=\"maint \\\"A\\\"\"",
        "fe80::1 name=v6host",
        NULL,
    };
    struct otw_err err;
    struct otw_assets *a = assets_with(lines, &err);
    uint8_t x[16];
    char buf[128];
    const char *n, *r;
    struct otw_l2_row row;

    (void)unused;
    assert_non_null(a);
    ip("192.168.10.20", x);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "scada (SCADA server)");
    assert_true(otw_assets_name_role(a, x, &n, &r));
    assert_string_equal(n, "scada");
    assert_string_equal(r, "SCADA server");
    ip("192.168.10.10", x);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "(HMI) 192.168.10.10");
    ip("192.168.10.40", x);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "maint \"A\"");
    ip("fe80::1", x);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "v6host");
    /* the PLC is named by MAC: its address gets the name once ARP binds them */
    ip("192.168.10.30", x);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "192.168.10.30");
    assert_false(otw_assets_name_role(a, x, &n, &r));
    assert_null(n);
    l2row(&row, "02:0a:c0:a8:0a:1e", "192.168.10.30", "arp", 1000000);
    otw_assets_observe_l2(a, &row);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "plc1 (PLC)");
    /* a short buffer is cut, never overrun */
    assert_string_equal(otw_assets_label(a, x, buf, 5), "plc1");
    /* NULL inventory: the address */
    assert_string_equal(otw_assets_label(NULL, x, buf, sizeof(buf)), "192.168.10.30");
    otw_assets_free(a);
}

static void label_errors(void **unused)
{
    static const struct {
        const char *line, *want;
    } bad[] = {
        {"192.168.10.300 name=x", "not an IP address or a MAC"},
        {"02:0a:c0:a8:0a name=x", "not an IP address or a MAC"},
        {"192.168.10.20 name=\"SCADA server", "unterminated quote"},
        {"192.168.10.20 colour=red", "unknown attribute 'colour'"},
        {"192.168.10.20 scada", "expected name=VALUE"},
        {"192.168.10.20", "give name=NAME, role=ROLE or both"},
        {"192.168.10.20 name=", "name must be 1 to 63 characters"},
        {"192.168.10.20 role=\"a\tb\"", "control character"},
        {"", "expected 'IP|MAC name=NAME role=ROLE'"},
    };
    struct otw_err err;

    (void)unused;
    for (size_t i = 0; i < OTW_ARRAY_LEN(bad); i++) {
        const char *lines[] = {"192.168.10.1 name=gw", bad[i].line, NULL};
        struct otw_assets *a = assets_with(lines, &err);
        if (a != NULL)
            fail_msg("accepted: %s", bad[i].line);
        if (strstr(err.msg, bad[i].want) == NULL || strstr(err.msg, "test.conf:2: asset:") == NULL)
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].line, err.msg, bad[i].want);
    }
    /* plant.networks must be CIDRs */
    {
        struct otw_config *c = otw_config_new();
        otw_config_set(c, "plant.networks", "10.0.0.0/8, 192.168.0.0/33", "n.conf:4");
        assert_null(otw_assets_new(c, &err));
        assert_non_null(strstr(err.msg, "n.conf:4: plant.networks: '192.168.0.0/33'"));
        otw_config_free(c);
    }
}

/* --- names in layer-2 frames --------------------------------------------------------- */

/* LLDP (crafted): chassis id, port id, TTL, system name "sw-core-1", end. */
static size_t lldp_frame(uint8_t *b, size_t cap)
{
    return unhex("0207046c3be5a1b2c3"       /* chassis id, subtype 4 MAC */
                 "04050565746830"           /* port id, subtype 5, "eth0" */
                 "06020078"                 /* TTL 120 */
                 "0a09"                     /* system name, 9 bytes */
                 "73772d636f72652d31"       /* "sw-core-1" */
                 "0000",
                 b, cap);
}

static void l2_lldp(void **unused)
{
    uint8_t b[256];
    char out[64];
    size_t n = lldp_frame(b, sizeof(b));

    (void)unused;
    assert_int_equal(otw_l2name_lldp(b, n, out, sizeof(out)), 9);
    assert_string_equal(out, "sw-core-1");
    /* every truncation: never a name beyond the bytes, never a crash */
    for (size_t k = 0; k < n; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, b, k);
        size_t l = otw_l2name_lldp(cut, k, out, sizeof(out));
        free(cut);
        if (k < 31)     /* the name TLV's value ends at byte 31 */
            assert_int_equal(l, 0);
        else
            assert_string_equal(out, "sw-core-1");
    }
    /* a length field larger than the frame */
    b[21] = 0xff;
    assert_int_equal(otw_l2name_lldp(b, n, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    /* a small output buffer is cut */
    n = lldp_frame(b, sizeof(b));
    assert_int_equal(otw_l2name_lldp(b, n, out, 4), 3);
    assert_string_equal(out, "sw-");
}

static void l2_cdp(void **unused)
{
    uint8_t b[256];
    char out[64];
    /* crafted: version 2, ttl 180, checksum; Device ID "R1.lab"; Port ID */
    size_t n = unhex("02b40000"
                     "0001000a52312e6c6162"
                     "0003000b4661302f30",
                     b, sizeof(b));

    (void)unused;
    assert_int_equal(otw_l2name_cdp(b, n, out, sizeof(out)), 6);
    assert_string_equal(out, "R1.lab");
    for (size_t k = 0; k < 14; k++)
        assert_int_equal(otw_l2name_cdp(b, k, out, sizeof(out)), 0);
    /* a TLV length below its header's 4 bytes stops the walk */
    b[7] = 0x02;
    assert_int_equal(otw_l2name_cdp(b, n, out, sizeof(out)), 0);
}

static void l2_dcp(void **unused)
{
    uint8_t b[256];
    char out[64];
    /* crafted Identify response (FrameID feff, service 5 identify, type 1
     * response): device options block, then NameOfStation "plc-a1" with
     * BlockInfo 0000, padded to even */
    size_t n = unhex("feff0501000000010000"
                     "0018"
                     "02010008" "0000" "53372d313530"           /* type of station "S7-150" */
                     "02020008" "0000" "706c632d6131",          /* name of station "plc-a1" */
                     b, sizeof(b));

    (void)unused;
    assert_int_equal(otw_l2name_dcp(b, n, out, sizeof(out)), 6);
    assert_string_equal(out, "plc-a1");
    for (size_t k = 0; k < 36; k++)
        assert_int_equal(otw_l2name_dcp(b, k, out, sizeof(out)), 0);
    /* Hello carries the name too */
    b[0] = 0xfe;
    b[1] = 0xfc;
    assert_int_equal(otw_l2name_dcp(b, n, out, sizeof(out)), 6);
    /* an Identify request's name block is the name searched for */
    b[1] = 0xfe;
    assert_int_equal(otw_l2name_dcp(b, n, out, sizeof(out)), 0);
    /* a block length past the data */
    b[1] = 0xff;
    b[14] = 0x40;
    assert_int_equal(otw_l2name_dcp(b, n, out, sizeof(out)), 0);
}

static size_t dhcp_msg(uint8_t *b, const uint8_t chaddr[6], const char *host)
{
    size_t n = 240;

    memset(b, 0, 300);
    b[0] = 1;
    b[1] = 1;
    b[2] = 6;
    memcpy(b + 28, chaddr, 6);
    b[236] = 0x63;
    b[237] = 0x82;
    b[238] = 0x53;
    b[239] = 0x63;
    b[n++] = 53;
    b[n++] = 1;
    b[n++] = 3;
    b[n++] = 12;
    b[n++] = (uint8_t)strlen(host);
    memcpy(b + n, host, strlen(host));
    n += strlen(host);
    b[n++] = 255;
    return n;
}

static void l2_dhcp_nbns(void **unused)
{
    uint8_t b[512], m1[6], m2[6];
    char out[64];
    size_t n;

    (void)unused;
    mac("02:0a:c0:a8:0a:0a", m1);
    mac("02:0a:c0:a8:0a:01", m2);
    n = dhcp_msg(b, m1, "hmi01");
    assert_int_equal(otw_l2name_dhcp(b, n, m1, out, sizeof(out)), 5);
    assert_string_equal(out, "hmi01");
    /* relayed (the frame's sender is not the client): no name */
    assert_int_equal(otw_l2name_dhcp(b, n, m2, out, sizeof(out)), 0);
    /* option length past the end */
    assert_int_equal(otw_l2name_dhcp(b, n - 3, m1, out, sizeof(out)), 0);
    /* NetBIOS registration, tests/pcaps/noise/arkime-nbns.pcap frame 4: MDJR98<20> */
    n = unhex("00062900000100000000000120454e4545454b4643444a444943414341434143414341434143"
              "414341434143410000200001c00c00200001000493e000060000c0a8ef81",
              b, sizeof(b));
    assert_int_equal(otw_l2name_nbns(b, n, out, sizeof(out)), 6);
    assert_string_equal(out, "MDJR98");
    /* cut short: no name before NB_FLAGS (bytes 62-63) say it is unique */
    for (size_t k = 0; k < 64; k++)
        if (otw_l2name_nbns(b, k, out, sizeof(out)) != 0)
            fail_msg("name from %zu of %zu bytes", k, n);
    /* frame 2: WORKGROUP<00>, a group name (NB_FLAGS G bit): not a host's */
    n = unhex("00022900000100000000000120464845504643454c4548464345504646464143414341434143"
              "414341434141410000200001c00c00200001000493e000068000c0a8ef81",
              b, sizeof(b));
    assert_int_equal(otw_l2name_nbns(b, n, out, sizeof(out)), 0);
    /* frame 1: MDJR98<03>, the messenger name: not a host name */
    n = unhex("00042900000100000000000120454e4545454b4643444a444943414341434143414341434143"
              "414341434141440000200001c00c00200001000493e000060000c0a8ef81",
              b, sizeof(b));
    assert_int_equal(otw_l2name_nbns(b, n, out, sizeof(out)), 0);
}

struct l2sink {
    struct otw_l2_row rows[16];
    size_t n;
};

static void sink(void *ctx, const struct otw_l2_row *rows, size_t n)
{
    struct l2sink *s = ctx;

    for (size_t i = 0; i < n && s->n < 16; i++)
        s->rows[s->n++] = rows[i];
}

static const struct otw_l2_row *find_row(const struct l2sink *s, const char *kind)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rows[i].kind, kind) == 0)
            return &s->rows[i];
    return NULL;
}

/* The whole path: frame -> decode -> l2seen row with the name. */
static void l2seen_names(void **unused)
{
    static const uint8_t lldp_mc[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
    static const uint8_t cdp_mc[6] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc};
    struct l2sink s;
    struct otw_l2seen *t;
    struct otw_pkt p;
    struct pb f;
    uint8_t body[256];
    size_t n;
    const struct otw_l2_row *r;

    (void)unused;
    memset(&s, 0, sizeof(s));
    t = otw_l2seen_new(64, sink, &s);
    assert_non_null(t);
    /* LLDP in a VLAN-tagged frame */
    pb_init(&f);
    pb_eth(&f, lldp_mc, pb_mac_a, 0x8100);
    pb_vlan(&f, 0, 10, 0x88cc);
    n = lldp_frame(body, sizeof(body));
    pb_bytes(&f, body, n);
    assert_int_equal(otw_decode(1, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), OTW_DEC_L2);
    otw_l2seen_add(t, 1000, &p);
    /* the same frame cut by the snapshot length inside the name: counted, no name */
    assert_int_equal(otw_decode(1, f.b, (uint32_t)f.n - 6, (uint32_t)f.n, &p), OTW_DEC_L2);
    otw_l2seen_add(t, 500, &p);
    /* CDP: 802.3 length, LLC/SNAP 00000c 2000 */
    pb_init(&f);
    n = unhex("02b400000001000a52312e6c6162", body, sizeof(body));
    pb_eth(&f, cdp_mc, pb_mac_b, (uint16_t)(8 + n));
    pb_bytes(&f, "\xaa\xaa\x03\x00\x00\x0c\x20\x00", 8);
    pb_bytes(&f, body, n);
    assert_int_equal(otw_decode(1, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), OTW_DEC_L2);
    otw_l2seen_add(t, 2000, &p);
    /* PROFINET DCP identify response */
    pb_init(&f);
    n = unhex("feff0501000000010000000c" "02020008" "0000" "706c632d6131", body, sizeof(body));
    pb_eth(&f, pb_mac_b, pb_mac_a, 0x8892);
    pb_bytes(&f, body, n);
    assert_int_equal(otw_decode(1, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), OTW_DEC_L2);
    otw_l2seen_add(t, 3000, &p);
    /* NetBIOS registration broadcast (an IP packet the filter dropped) */
    pb_init(&f);
    pb_eth(&f, pb_mac_bcast, pb_mac_a, 0x0800);
    pb_ipv4(&f, IP4(192, 168, 239, 129), IP4(192, 168, 239, 255), 17);
    pb_udp(&f, 137, 137);
    n = unhex("00062900000100000000000120454e4545454b4643444a444943414341434143414341434143"
              "414341434143410000200001c00c00200001000493e000060000c0a8ef81",
              body, sizeof(body));
    pb_bytes(&f, body, n);
    pb_fix(&f);
    assert_int_equal(otw_decode(1, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), OTW_DEC_IP);
    otw_l2seen_add(t, 4000, &p);
    otw_l2seen_drain(t);
    otw_l2seen_free(t);

    assert_non_null(r = find_row(&s, "lldp"));
    assert_string_equal(r->name, "sw-core-1");
    assert_int_equal(r->packets, 2);
    assert_int_equal(r->vlan, 10);
    assert_non_null(r = find_row(&s, "cdp"));
    assert_string_equal(r->name, "R1.lab");
    assert_non_null(r = find_row(&s, "profinet"));
    assert_string_equal(r->name, "plc-a1");
    assert_non_null(r = find_row(&s, "bcast"));
    assert_string_equal(r->name, "MDJR98");
    assert_true(r->has_ip);
}

/* --- parser fields the inventory reads ------------------------------------------------- */

static void nbns_parser(void **unused)
{
    struct otw_flowinfo fi = {4, 17, 137, 137};
    struct prig *r;
    uint8_t b[512];
    size_t n;

    (void)unused;
    n = unhex("00062900000100000000000120454e4545454b4643444a444943414341434143414341434143"
              "414341434143410000200001c00c00200001000493e000060000c0a8ef81",
              b, sizeof(b));
    assert_int_equal(otw_parser_nbns.probe(b, n, 0, &fi), OTW_PROBE_YES);
    fi.sport = fi.dport = 53;
    assert_int_equal(otw_parser_nbns.probe(b, n, 0, &fi), OTW_PROBE_NO);
    fi.sport = fi.dport = 137;
    r = prig_new(&otw_parser_nbns, &fi);
    prig_feed(r, 0, b, n);
    assert_int_equal(otw_app_count_str(r->app, "nbns.registered", "MDJR98"), 1);
    assert_int_equal(otw_app_count_str(r->app, "nbns.query", "MDJR98<20>"), 1);
    assert_int_equal(otw_app_count_str(r->app, "nbns.opcode", "registration"), 1);
    /* node status response (crafted): names ENG-WS<00> unique, WORKGROUP<00> group */
    n = unhex("123484000000000100000000"
              "20434b4141414141414141414141414141414141414141414141414141414141410000"
              "21000100000000004102454e472d57"
              "53202020202020202020000400574f524b47"
              "524f55502020202020200084000000000000"
              "00",
              b, sizeof(b));
    prig_feed(r, 1, b, n);
    assert_int_equal(otw_app_count_str(r->app, "nbns.status_name", "ENG-WS"), 1);
    assert_int_equal(otw_app_count_str(r->app, "nbns.status_name", "WORKGROUP"), 0);
    /* garbage */
    memset(b, 0x41, 20);
    prig_feed(r, 0, b, 20);
    assert_int_equal(otw_app_event_count(r->app, "nbns.bad_header"), 1);
    prig_free(r);
}

static void s7_szl_identity(void **unused)
{
    struct prig *r = prig_new(&otw_parser_s7comm, NULL);
    uint8_t b[512];
    size_t n;

    (void)unused;
    /* crafted userdata response (type 8, group 4, sub 1: read_szl) with
     * SZL 0x0011: one 28-byte record, index 1, "6ES7 315-2EH14-0AB0 " */
    n = unhex("03000045" "02f080"
              "32070000" "0500" "000c" "0028"                  /* header: params 12, data 40 */
              "000112081284" "01" "00" "00" "00" "0000"        /* userdata params, type 8 */
              "ff090024" "0011" "0000" "001c" "0001"           /* data: SZL 0x0011, 1 record */
              "0001" "36455337203331352d32454831342d3041423020" "c000" "0001" "0001",
              b, sizeof(b));
    assert_int_equal(n, 69);
    prig_feed(r, 1, b, n);
    assert_int_equal(otw_app_count_str(r->app, "s7.order_number", "6ES7 315-2EH14-0AB0"), 1);
    prig_free(r);
}

/* --- observe, save, load ----------------------------------------------------------------- */

static void sess(struct otw_session *s, const char *c, const char *cm, uint16_t cport,
                 const char *sv, const char *sm, uint16_t sport, uint8_t proto, int64_t t)
{
    memset(s, 0, sizeof(*s));
    s->uid = (uint64_t)t;
    s->first_us = t;
    s->last_us = t + 1000000;
    s->ipver = 4;
    s->proto = proto;
    ip(c, s->src_ip);
    ip(sv, s->dst_ip);
    s->src_port = cport;
    s->dst_port = sport;
    mac(cm, s->src_mac);
    mac(sm, s->dst_mac);
    s->icmp_type = s->icmp_code = -1;
    s->state = OTW_ST_CLOSED;
    s->src.packets = 4;
    s->dst.packets = 3;
}

struct factfind {
    const char *kind, *value;
    uint64_t count;
    bool found;
};

static int on_fact(void *p, const struct otw_asset_fact_row *f)
{
    struct factfind *x = p;

    if (strcmp(f->kind, x->kind) == 0 && strcmp(f->value, x->value) == 0) {
        x->found = true;
        x->count = f->count;
    }
    return 0;
}

static uint64_t fact_count(const struct otw_assets *a, const char *key, const char *kind,
                           const char *value)
{
    uint8_t k[16], kl;
    struct factfind x = {kind, value, 0, false};

    assert_int_equal(otw_assets_parse_key(key, k, &kl), 0);
    otw_assets_each_fact(a, k, kl, on_fact, &x);
    return x.found ? x.count : 0;
}

struct hinfo {
    struct otw_asset_info h;
    char vendor[64];
};

static int on_info(void *p, const struct otw_asset_info *h)
{
    struct hinfo *x = p;

    x->h = *h;
    snprintf(x->vendor, sizeof(x->vendor), "%s", h->vendor ? h->vendor : "");
    return 0;
}

static int get(const struct otw_assets *a, const char *key, struct hinfo *x)
{
    uint8_t k[16], kl;

    assert_int_equal(otw_assets_parse_key(key, k, &kl), 0);
    memset(x, 0, sizeof(*x));
    return otw_assets_get(a, k, kl, on_info, x);
}

static void feed_plant(struct otw_assets *a, int64_t t)
{
    struct otw_session s;
    struct otw_sessinfo fi;
    struct otw_app *app;
    struct otw_l2_row row;

    /* SCADA polls the PLC (Modbus) */
    sess(&s, "192.168.10.20", "02:0a:c0:a8:0a:14", 40000, "192.168.10.30", "02:0a:c0:a8:0a:1e",
         502, 6, t);
    app = otw_app_new();
    otw_app_protocol(app, "modbus");
    s.app = app;
    otw_sessinfo_from_session(&fi, &s, 1);
    otw_assets_observe(a, &fi, &s);
    otw_app_free(app);
    /* ListIdentity answered by the PLC */
    sess(&s, "192.168.10.20", "02:0a:c0:a8:0a:14", 40001, "192.168.10.30", "02:0a:c0:a8:0a:1e",
         44818, 6, t);
    app = otw_app_new();
    otw_app_protocol(app, "enip");
    otw_app_strz(app, "enip.product_name", "1756-L71/B LOGIX5571");
    otw_app_int(app, "enip.vendor_id", 1);
    otw_app_strz(app, "enip.serial", "00c0ffee");
    s.app = app;
    otw_sessinfo_from_session(&fi, &s, 1);
    otw_assets_observe(a, &fi, &s);
    otw_app_free(app);
    /* DHCP: one client MAC, host name, ACK */
    sess(&s, "0.0.0.0", "00:11:22:40:00:01", 68, "255.255.255.255", "ff:ff:ff:ff:ff:ff", 67, 17,
         t);
    s.dst.packets = 0;
    app = otw_app_new();
    otw_app_protocol(app, "dhcp");
    otw_app_strz(app, "dhcp.client_mac", "00:11:22:40:00:01");
    otw_app_strz(app, "dhcp.hostname", "eng-ws1");
    otw_app_strz(app, "dhcp.assigned_ip", "192.168.10.50");
    s.app = app;
    otw_sessinfo_from_session(&fi, &s, 1);
    otw_assets_observe(a, &fi, &s);
    otw_app_free(app);
    /* DNS: one question, A answers; and a PTR */
    sess(&s, "192.168.10.50", "00:11:22:40:00:01", 5353, "192.168.10.1", "02:0a:c0:a8:0a:01", 53,
         17, t);
    app = otw_app_new();
    otw_app_protocol(app, "dns");
    otw_app_strz(app, "dns.query", "historian.plant.example");
    otw_app_strz(app, "dns.answer", "192.168.10.60");
    s.app = app;
    otw_sessinfo_from_session(&fi, &s, 1);
    otw_assets_observe(a, &fi, &s);
    otw_app_free(app);
    app = otw_app_new();
    otw_app_protocol(app, "dns");
    otw_app_strz(app, "dns.query", "30.10.168.192.in-addr.arpa");
    otw_app_strz(app, "dns.answer", "plc-a1.plant.example");
    s.app = app;
    otw_sessinfo_from_session(&fi, &s, 1);
    otw_assets_observe(a, &fi, &s);
    otw_app_free(app);
    /* the router talks to the vendor outside: its MAC must not become the vendor's */
    sess(&s, "192.168.10.20", "02:0a:c0:a8:0a:14", 40002, "203.0.113.10", "02:0a:c0:a8:0a:01",
         443, 6, t);
    otw_sessinfo_from_session(&fi, &s, 1);
    otw_assets_observe(a, &fi, &s);
    /* layer 2: ARP for the router, LLDP names the switch */
    l2row(&row, "02:0a:c0:a8:0a:01", "192.168.10.1", "arp", t);
    otw_assets_observe_l2(a, &row);
    l2row(&row, "00:11:22:33:4a:01", NULL, "lldp", t);
    snprintf(row.name, sizeof(row.name), "%s", "sw-core-1");
    otw_assets_observe_l2(a, &row);
}

static void check_plant(const struct otw_assets *a, uint64_t times)
{
    struct hinfo x;
    char buf[256];
    uint8_t k[16], kl;

    assert_int_equal(get(a, "192.168.10.30", &x), 0);
    assert_true(x.h.seen);
    assert_true(x.h.has_mac);
    assert_int_equal(x.h.sessions_in, 2 * times);
    assert_int_equal(fact_count(a, "192.168.10.30", "served", "tcp/502 modbus"), times);
    assert_int_equal(fact_count(a, "192.168.10.30", "served", "tcp/44818 enip"), times);
    assert_int_equal(fact_count(a, "192.168.10.30", "enip.product_name", "1756-L71/B LOGIX5571"),
                     times);
    assert_int_equal(fact_count(a, "192.168.10.30", "enip.serial", "00c0ffee"), times);
    assert_int_equal(fact_count(a, "192.168.10.30", "name.dns", "plc-a1.plant.example"), times);
    assert_int_equal(fact_count(a, "192.168.10.30", "point", "plant-a"), 2 * times);
    assert_int_equal(fact_count(a, "192.168.10.20", "used", "tcp/502 modbus"), times);
    assert_int_equal(get(a, "192.168.10.20", &x), 0);
    assert_int_equal(x.h.sessions_out, 3 * times);
    /* DHCP: the name is the MAC's, the ACK binds the address */
    assert_int_equal(fact_count(a, "00:11:22:40:00:01", "name.dhcp", "eng-ws1"), times);
    assert_int_equal(get(a, "192.168.10.50", &x), 0);
    assert_true(x.h.has_mac);
    assert_string_equal(x.vendor, "Big Vendor, Inc.");
    otw_ip_parse("192.168.10.50", k);
    assert_string_equal(otw_assets_names(a, k, 16, buf, sizeof(buf)), "eng-ws1");
    /* a DNS answer names an address never seen: known, not seen */
    assert_int_equal(get(a, "192.168.10.60", &x), 0);
    assert_false(x.h.seen);
    assert_int_equal(fact_count(a, "192.168.10.60", "name.dns", "historian.plant.example"), times);
    /* outside the plant: no MAC (it is the router's) */
    assert_int_equal(get(a, "203.0.113.10", &x), 0);
    assert_false(x.h.has_mac);
    assert_int_equal(get(a, "192.168.10.1", &x), 0);
    assert_true(x.h.has_mac);
    /* 0.0.0.0 and broadcast are no hosts */
    assert_int_equal(get(a, "0.0.0.0", &x), OTW_ENOTFOUND);
    assert_int_equal(get(a, "255.255.255.255", &x), OTW_ENOTFOUND);
    assert_int_equal(fact_count(a, "00:11:22:33:4a:01", "name.lldp", "sw-core-1"), times);
    assert_int_equal(get(a, "00:11:22:33:4a:01", &x), 0);
    assert_string_equal(x.vendor, "Small \"Quoted\" Ltd");
    assert_int_equal(otw_assets_parse_key("00:11:22:33:4a:01", k, &kl), 0);
    assert_true(otw_assets_seen(a, k, kl));
}

static int on_label_row(void *p, const struct otw_asset_label_row *l)
{
    (*(int *)p)++;
    (void)l;
    return 0;
}

static void round_trip(void **unused)
{
    char path[96] = "/tmp/otw-assets-XXXXXX";
    char db[64];
    int fd = mkstemp(path);
    struct otw_err err;
    struct otw_store *st;
    struct otw_assets *a;
    struct otw_asset_label_row l;
    struct otw_asset_readers rd = {.label = on_label_row};
    int64_t pid;
    uint8_t x[16];
    char buf[128];
    int nlab = 0;

    (void)unused;
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    snprintf(db, sizeof(db), "%s.db", path);
    st = otw_store_open(db, false, &err);
    assert_non_null(st);
    assert_int_equal(otw_store_point_id(st, "plant-a", &pid, &err), 0);
    assert_int_equal(pid, 1);
    /* first run: observe, save in a transaction */
    a = otw_assets_load(st, NULL, &err);
    assert_non_null(a);
    feed_plant(a, 1700000000000000LL);
    assert_int_equal(otw_store_txn_begin(st, &err), 0);
    assert_int_equal(otw_assets_save(a, st, &err), 0);
    assert_int_equal(otw_store_txn_commit(st, &err), 0);
    /* a second save with nothing new writes nothing (and fails nothing) */
    assert_int_equal(otw_assets_save(a, st, &err), 0);
    otw_assets_free(a);
    /* a label set in the store */
    memset(&l, 0, sizeof(l));
    ip("192.168.10.30", l.key);
    l.keylen = 16;
    snprintf(l.name, sizeof(l.name), "plc1");
    snprintf(l.role, sizeof(l.role), "PLC");
    l.updated_us = 1;
    assert_int_equal(otw_store_asset_label_set(st, &l, &err), 0);
    otw_store_close(st);

    /* second run: load sees it all; observing again adds up */
    st = otw_store_open(db, false, &err);
    assert_non_null(st);
    a = otw_assets_load(st, NULL, &err);
    assert_non_null(a);
    check_plant(a, 1);
    ip("192.168.10.30", x);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "plc1 (PLC)");
    feed_plant(a, 1700000100000000LL);
    assert_int_equal(otw_store_txn_begin(st, &err), 0);
    assert_int_equal(otw_assets_save(a, st, &err), 0);
    assert_int_equal(otw_store_txn_commit(st, &err), 0);
    check_plant(a, 2);
    otw_assets_free(a);
    a = otw_assets_load(st, NULL, &err);
    check_plant(a, 2);
    /* a session inside the known time span changes only counts: it is
     * saved all the same */
    {
        struct otw_session s;
        struct otw_sessinfo fi;
        struct hinfo h;
        /* a ping: no service, no point, no new time: only the counts move */
        sess(&s, "192.168.10.20", "02:0a:c0:a8:0a:14", 0, "192.168.10.30",
             "02:0a:c0:a8:0a:1e", 0, 1, 1700000000000000LL);
        s.icmp_type = 8;
        s.icmp_code = 0;
        otw_sessinfo_from_session(&fi, &s, 0);
        otw_assets_observe(a, &fi, &s);
        assert_int_equal(otw_store_txn_begin(st, &err), 0);
        assert_int_equal(otw_assets_save(a, st, &err), 0);
        assert_int_equal(otw_store_txn_commit(st, &err), 0);
        otw_assets_free(a);
        a = otw_assets_load(st, NULL, &err);
        assert_int_equal(get(a, "192.168.10.20", &h), 0);
        assert_int_equal(h.h.sessions_out, 7);
        assert_int_equal(get(a, "192.168.10.30", &h), 0);
        assert_int_equal(h.h.sessions_in, 5);
    }
    otw_assets_free(a);
    /* labels only: names without the facts */
    a = otw_assets_load_labels(st, NULL, &err);
    assert_non_null(a);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "plc1 (PLC)");
    assert_int_equal(fact_count(a, "192.168.10.30", "served", "tcp/502 modbus"), 0);
    otw_assets_free(a);
    /* unset, twice */
    assert_int_equal(otw_store_asset_label_unset(st, x, 16, &err), 0);
    assert_int_equal(otw_store_asset_label_unset(st, x, 16, &err), OTW_ENOTFOUND);
    assert_int_equal(otw_store_assets_read_labels(st, &rd, &nlab, &err), 0);
    assert_int_equal(nlab, 0);
    /* clear (rebuild) empties the inventory */
    assert_int_equal(otw_store_assets_clear(st, &err), 0);
    a = otw_assets_load(st, NULL, &err);
    assert_int_equal(get(a, "192.168.10.30", (struct hinfo[1]){0}), OTW_ENOTFOUND);
    otw_assets_free(a);
    otw_store_close(st);
    unlink(db);
    snprintf(path, sizeof(path), "%s-wal", db);
    unlink(path);
    snprintf(path, sizeof(path), "%s-shm", db);
    unlink(path);
}

/* Two DHCP clients' broadcasts share one session (0.0.0.0:68 -> 255.255.255.255:67):
 * the parser pairs each MAC with its own host name, and the inventory names both. */
static void dhcp_two_clients(void **unused)
{
    struct prig *r = prig_new(&otw_parser_dhcp, NULL);
    uint8_t b[512], m1[6], m2[6];
    size_t n;
    struct otw_err err;
    struct otw_assets *a = otw_assets_new(NULL, &err);
    struct otw_session s;
    struct otw_sessinfo fi;
    uint8_t key[16];
    char names[128];

    (void)unused;
    mac("02:0a:c0:a8:0a:0a", m1);
    mac("00:1b:1b:44:55:66", m2);
    n = dhcp_msg(b, m1, "hmi01");
    prig_feed(r, 0, b, n);
    n = dhcp_msg(b, m2, "plc-a1");
    prig_feed(r, 0, b, n);
    assert_int_equal(otw_app_count_str(r->app, "dhcp.client_name", "02:0a:c0:a8:0a:0a hmi01"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dhcp.client_name", "00:1b:1b:44:55:66 plc-a1"), 1);
    /* an ACK (op 2, message type 5, yiaddr 192.168.10.10) pairs MAC and address */
    n = dhcp_msg(b, m1, "hmi01");
    b[0] = 2;
    b[242] = 5;
    b[16] = 192, b[17] = 168, b[18] = 10, b[19] = 10;
    prig_feed(r, 1, b, n);
    assert_int_equal(otw_app_count_str(r->app, "dhcp.lease", "02:0a:c0:a8:0a:0a 192.168.10.10"), 1);
    sess(&s, "0.0.0.0", "02:0a:c0:a8:0a:0a", 68, "255.255.255.255", "ff:ff:ff:ff:ff:ff", 67, 17,
         1000000);
    otw_app_protocol(r->app, "dhcp");  /* the engine names the attached parser */
    s.app = r->app;
    otw_sessinfo_from_session(&fi, &s, 0);
    otw_assets_observe(a, &fi, &s);
    assert_string_equal(otw_assets_names(a, m1, 6, names, sizeof(names)), "hmi01");
    assert_string_equal(otw_assets_names(a, m2, 6, names, sizeof(names)), "plc-a1");
    ip("192.168.10.10", key);
    assert_string_equal(otw_assets_names(a, key, 16, names, sizeof(names)), "hmi01");
    otw_assets_free(a);
    prig_free(r);
}

/* DNS: the A answer's owner name (after a CNAME) with its address, and not
 * the name server addresses of the additional section. */
static void dns_resolved(void **unused)
{
    static const char rsp[] =   /* tests/pcaps/dns/arkime-dns-udp.pcap frame 2 */
        "e03981800001000200040004037777770667697468756203636f6d0000010001c00c00050001000007bc"
        "0002c010c01000010001000000040004c01efc80c01000020001000001480014036e7333037031360664"
        "796e656374036e657400c01000020001000001480006036e7332c04ec01000020001000001480006036e"
        "7334c04ec01000020001000001480006036e7331c04ec06a0001000100000e1000040a025f0cc04a0001"
        "000100000e1000040a025f0cc08e0001000100000e1000040a025f0cc07c0001000100000e1000040a02"
        "5f0c";
    struct prig *r = prig_new(&otw_parser_dns, NULL);
    uint8_t b[512];
    size_t n = unhex(rsp, b, sizeof(b));
    struct otw_err err;
    struct otw_assets *a = otw_assets_new(NULL, &err);
    struct otw_session s;
    struct otw_sessinfo fi;
    uint8_t x[16];
    char names[128];

    (void)unused;
    assert_int_equal(r->ps->parse(r->state, r->app, 1, b, n), (ssize_t)n);
    assert_int_equal(otw_app_count_str(r->app, "dns.resolved", "github.com 192.30.252.128"), 1);
    assert_int_equal(otw_app_count_str(r->app, "dns.resolved", NULL), 1);
    otw_app_protocol(r->app, "dns");
    sess(&s, "10.180.156.141", "00:1f:5b:ff:51:cb", 62563, "10.2.95.39", "00:00:0c:07:ac:01", 53,
         17, 1000000);
    s.app = r->app;
    otw_sessinfo_from_session(&fi, &s, 0);
    otw_assets_observe(a, &fi, &s);
    ip("192.30.252.128", x);
    assert_string_equal(otw_assets_names(a, x, 16, names, sizeof(names)),
                        "www.github.com, github.com");
    ip("10.2.95.12", x);
    assert_int_equal(get(a, "10.2.95.12", (struct hinfo[1]){0}), OTW_ENOTFOUND);
    otw_assets_free(a);
    prig_free(r);
}

/* Live capture: labels set by another process show after a refresh; an
 * unset falls back to the settings file. */
static void refresh_labels(void **unused)
{
    char db[] = "/tmp/otw-assets-refresh-XXXXXX";
    char side[64];
    int fd = mkstemp(db);
    struct otw_err err;
    struct otw_store *st, *other;
    struct otw_config *cfg = otw_config_new();
    struct otw_assets *a;
    struct otw_asset_label_row l;
    uint8_t x[16];
    char buf[128];

    (void)unused;
    assert_true(fd >= 0);
    close(fd);
    unlink(db);
    otw_config_set(cfg, "asset", "192.168.10.20 name=scada role=\"SCADA server\"", "t.conf:1");
    st = otw_store_open(db, false, &err);
    assert_non_null(st);
    a = otw_assets_load(st, cfg, &err);
    assert_non_null(a);
    ip("192.168.10.20", x);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "scada (SCADA server)");
    /* another process (the CLI) sets a name */
    other = otw_store_open(db, false, &err);
    memset(&l, 0, sizeof(l));
    memcpy(l.key, x, 16);
    l.keylen = 16;
    snprintf(l.name, sizeof(l.name), "scada-b");
    assert_int_equal(otw_store_asset_label_set(other, &l, &err), 0);
    ip("192.168.10.30", l.key);
    snprintf(l.name, sizeof(l.name), "plc9");
    snprintf(l.role, sizeof(l.role), "PLC");
    assert_int_equal(otw_store_asset_label_set(other, &l, &err), 0);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "scada (SCADA server)");
    assert_int_equal(otw_assets_refresh_labels(a, st, &err), 0);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "scada-b (SCADA server)");
    assert_string_equal(otw_assets_label(a, l.key, buf, sizeof(buf)), "plc9 (PLC)");
    /* and removes them again */
    assert_int_equal(otw_store_asset_label_unset(other, x, 16, &err), 0);
    assert_int_equal(otw_store_asset_label_unset(other, l.key, 16, &err), 0);
    assert_int_equal(otw_assets_refresh_labels(a, st, &err), 0);
    assert_string_equal(otw_assets_label(a, x, buf, sizeof(buf)), "scada (SCADA server)");
    assert_string_equal(otw_assets_label(a, l.key, buf, sizeof(buf)), "192.168.10.30");
    otw_store_close(other);
    otw_assets_free(a);
    otw_store_close(st);
    otw_config_free(cfg);
    unlink(db);
    snprintf(side, sizeof(side), "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", db);
    unlink(side);
}

/* A router's MAC with many addresses behind it binds none of them; a
 * host's own binding stays. */
static void router_mac(void **unused)
{
    struct otw_err err;
    struct otw_assets *a = otw_assets_new(NULL, &err);
    struct otw_session s;
    struct otw_sessinfo fi;
    struct hinfo x;
    char addr[32];

    (void)unused;
    for (int i = 1; i <= 6; i++) {
        snprintf(addr, sizeof(addr), "10.20.0.%d", i);
        sess(&s, "192.168.10.20", "02:0a:c0:a8:0a:14", 40000, addr, "02:0a:c0:a8:0a:01", 502,
             6, 1000000);
        otw_sessinfo_from_session(&fi, &s, 0);
        otw_assets_observe(a, &fi, &s);
    }
    assert_int_equal(get(a, "10.20.0.3", &x), 0);
    assert_false(x.h.has_mac);
    assert_int_equal(get(a, "192.168.10.20", &x), 0);
    assert_true(x.h.has_mac);
    otw_assets_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oui_longest_prefix), cmocka_unit_test(labels),
        cmocka_unit_test(label_errors),       cmocka_unit_test(l2_lldp),
        cmocka_unit_test(l2_cdp),             cmocka_unit_test(l2_dcp),
        cmocka_unit_test(l2_dhcp_nbns),       cmocka_unit_test(l2seen_names),
        cmocka_unit_test(nbns_parser),        cmocka_unit_test(s7_szl_identity),
        cmocka_unit_test(round_trip),         cmocka_unit_test(router_mac),
        cmocka_unit_test(dhcp_two_clients),   cmocka_unit_test(refresh_labels),
        cmocka_unit_test(dns_resolved),
    };
    int rc;

    snprintf(ieee_dir, sizeof(ieee_dir), "/tmp/otw-ieee-XXXXXX");
    if (mkdtemp(ieee_dir) == NULL)
        return 1;
    write_file(ieee_dir, "oui.csv",
               "Registry,Assignment,Organization Name,Organization Address\n"
               "MA-L,001122,\"Big Vendor, Inc.\",\"1 Road, Town\"\n"
               "MA-L,70B3D5,IEEE Registration Authority,445 Hoes Lane Piscataway NJ US 08554 \n"
               "MA-L,0012G4,Bad Hex,\n");
    write_file(ieee_dir, "mam.csv",
               "Registry,Assignment,Organization Name,Organization Address\n"
               "MA-M,0011223,Medium Co,Somewhere\n");
    write_file(ieee_dir, "oui36.csv",
               "Registry,Assignment,Organization Name,Organization Address\n"
               "MA-S,001122334,\"Small \"\"Quoted\"\" Ltd\",x\n"
               "MA-S,70B3D5F2F,TELEPLATFORMS,\"Polbina st., 3/1 Moscow  RU 109388 \"\n");
    write_file(ieee_dir, "iab.csv",
               "Registry,Assignment,Organization Name,Organization Address\n"
               "IAB,0050C27D5,DEUTA-WERKE GmbH,Paffrather Strasse 140\n");
    otw_mac_vendor_dir(ieee_dir);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    {
        const char *files[] = {"oui.csv", "mam.csv", "oui36.csv", "iab.csv"};
        char p[128];
        for (size_t i = 0; i < 4; i++) {
            snprintf(p, sizeof(p), "%s/%s", ieee_dir, files[i]);
            unlink(p);
        }
        rmdir(ieee_dir);
    }
    return rc;
}
