/*
 * test_reader.c - capture/reader.c against capinfos and tshark, crafted
 * pcapng files with mixed link types, and every bad-input file in tests/bad/.
 *
 * Run from the source directory (ctest does): paths are relative to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>
#include <cmocka.h>

#include "capture/reader.h"

/* ---- helpers ------------------------------------------------------------ */

struct warns {
    int n;
    char last[512];
};

static void on_warn(void *ctx, const char *path, uint64_t offset, const char *msg)
{
    struct warns *w = ctx;

    (void)path;
    (void)offset;
    w->n++;
    snprintf(w->last, sizeof(w->last), "%s", msg);
}

#define KEEP 8

/* What reading a whole file gave. */
struct result {
    int open_ok;
    int rc;                     /* last otw_reader_next() result */
    uint64_t n;
    uint64_t bytes;             /* sum of caplen */
    struct otw_rec first[KEEP]; /* data pointers not kept valid */
    struct otw_rec last;
    struct otw_err err;
    struct warns warns;
    char format[32];
    uint64_t file_pos;
};

static void read_all(const char *path, struct result *res)
{
    struct otw_reader *r;
    struct otw_rec rec;

    memset(res, 0, sizeof(*res));
    r = otw_reader_open(path, on_warn, &res->warns, &res->err);
    if (r == NULL)
        return;
    res->open_ok = 1;
    snprintf(res->format, sizeof(res->format), "%s", otw_reader_format(r));
    while ((res->rc = otw_reader_next(r, &rec, &res->err)) > 0) {
        assert_non_null(rec.data);
        assert_true(rec.caplen <= OTW_MAX_RECORD);
        assert_true(rec.len >= rec.caplen);
        if (res->n < KEEP)
            res->first[res->n] = rec;
        res->last = rec;
        res->n++;
        res->bytes += rec.caplen;
        assert_int_equal(rec.index, res->n);
    }
    /* After the end or an error, the reader keeps saying so. */
    assert_int_equal(otw_reader_next(r, &rec, NULL), res->rc);
    res->file_pos = otw_reader_file_pos(r);
    otw_reader_free(r);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* Little byte-builder for crafted files. */
struct bb {
    uint8_t b[8192];
    size_t n;
    int be;
};

static void put8(struct bb *b, uint8_t v)
{
    assert_true(b->n < sizeof(b->b));
    b->b[b->n++] = v;
}

static void put16(struct bb *b, uint16_t v)
{
    if (b->be) {
        put8(b, (uint8_t)(v >> 8));
        put8(b, (uint8_t)v);
    } else {
        put8(b, (uint8_t)v);
        put8(b, (uint8_t)(v >> 8));
    }
}

static void put32(struct bb *b, uint32_t v)
{
    if (b->be) {
        put16(b, (uint16_t)(v >> 16));
        put16(b, (uint16_t)v);
    } else {
        put16(b, (uint16_t)v);
        put16(b, (uint16_t)(v >> 16));
    }
}

static void put_fill(struct bb *b, uint8_t v, size_t n)
{
    while (n-- > 0)
        put8(b, v);
}

static void write_tmp(const struct bb *b, char *path, size_t cap)
{
    int fd;

    snprintf(path, cap, "/tmp/otw-test-reader-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b->b, b->n), (ssize_t)b->n);
    close(fd);
}

/* pcapng block helpers: start writes type and a placeholder length, end pads
 * the body to 4 bytes and writes both lengths. */
static size_t ng_start(struct bb *b, uint32_t type)
{
    size_t at = b->n;

    put32(b, type);
    put32(b, 0);
    return at;
}

static void ng_end(struct bb *b, size_t at)
{
    uint32_t len;
    size_t save;

    while ((b->n - at) % 4 != 0)
        put8(b, 0);
    len = (uint32_t)(b->n - at + 4);
    put32(b, len);
    save = b->n;
    b->n = at + 4;
    put32(b, len);
    b->n = save;
}

static void ng_shb(struct bb *b)
{
    size_t at = ng_start(b, 0x0a0d0d0a);

    put32(b, 0x1a2b3c4d);
    put16(b, 1);
    put16(b, 0);
    put32(b, 0xffffffff);
    put32(b, 0xffffffff);
    ng_end(b, at);
}

/* IDB with optional if_tsresol (tsresol < 0: none) and if_tsoffset. */
static void ng_idb(struct bb *b, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    size_t at = ng_start(b, 1);

    put16(b, linktype);
    put16(b, 0);
    put32(b, snaplen);
    /* an option we do not know, to be skipped */
    put16(b, 2);        /* if_name */
    put16(b, 5);
    put_fill(b, 'x', 5);
    put_fill(b, 0, 3);
    if (tsresol >= 0) {
        put16(b, 9);
        put16(b, 1);
        put8(b, (uint8_t)tsresol);
        put_fill(b, 0, 3);
    }
    if (tsoffset != 0) {
        uint64_t v = (uint64_t)tsoffset;

        put16(b, 14);
        put16(b, 8);
        if (b->be) {
            put32(b, (uint32_t)(v >> 32));
            put32(b, (uint32_t)v);
        } else {
            put32(b, (uint32_t)v);
            put32(b, (uint32_t)(v >> 32));
        }
    }
    put16(b, 0);
    put16(b, 0);
    ng_end(b, at);
}

static void ng_epb(struct bb *b, uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t len, uint8_t fill)
{
    size_t at = ng_start(b, 6);

    put32(b, iface);
    put32(b, (uint32_t)(ts >> 32));
    put32(b, (uint32_t)ts);
    put32(b, caplen);
    put32(b, len);
    put_fill(b, fill, caplen);
    ng_end(b, at);
}

/* ---- the sample captures against capinfos ------------------------------- */

/* Expected values from:
 *   capinfos -T -r -c -d -M $(find tests/pcaps -name '*.pcap*' | sort)
 * (packets, data bytes = sum of captured lengths). */
static const struct {
    const char *path;
    uint64_t packets;
    uint64_t bytes;
} samples[] = {
    {"tests/pcaps/arp/arkime-cloudshark-arp.pcap", 6, 400},
    {"tests/pcaps/arp/zeek-arp-leak.pcap", 6, 4252},
    {"tests/pcaps/arp/zeek-arp-who-has.pcap", 2, 102},
    {"tests/pcaps/arp/zeek-communityid-arp.pcap", 6, 324},
    {"tests/pcaps/arp/zeek-linuxsll-arp.pcap", 12, 744},
    {"tests/pcaps/arp/zeek-snap-arp.pcapng", 4, 240},
    {"tests/pcaps/bacnet/arkime-bacnet-stack-services.pcap", 113, 12682},
    {"tests/pcaps/dnp3/arkime-dnp3_synthetic.pcap", 20, 1231},
    {"tests/pcaps/dnp3/zeek-dnp3.pcap", 214, 15342},
    {"tests/pcaps/dnp3/zeek-dnp3_file_read.pcap", 30, 2985},
    {"tests/pcaps/dnp3/zeek-dnp3_select_operate.pcap", 13, 888},
    {"tests/pcaps/dnp3/zeek-dnp3_udp_read.pcap", 23, 5408},
    {"tests/pcaps/dnp3/zeek-dnp3_write.pcap", 10, 624},
    {"tests/pcaps/dns/arkime-dns-tcp.pcap", 20, 2017},
    {"tests/pcaps/dns/arkime-dns-udp.pcap", 5, 752},
    {"tests/pcaps/dns/zeek-dns53.pcap", 1, 475},
    {"tests/pcaps/dns/zeek-pcapng-multi-interface.pcapng", 6, 798},
    {"tests/pcaps/enip/ndpi-cip_io.pcap", 4, 296},
    {"tests/pcaps/enip/ndpi-ethernetIP.pcap", 100, 17384},
    {"tests/pcaps/http/arkime-http-simple-get.pcap", 16, 6465},
    {"tests/pcaps/http/zeek-get.pcap", 14, 6087},
    {"tests/pcaps/icmp/arkime-bigendian.pcap", 2, 196},
    {"tests/pcaps/icmp/zeek-5-pings.pcap", 10, 980},
    {"tests/pcaps/icmp/zeek-communityid-icmp.pcap", 12, 888},
    {"tests/pcaps/icmp/zeek-communityid-icmp6.pcap", 49, 4548},
    {"tests/pcaps/icmp/zeek-icmp-destunreach-udp.pcap", 1, 194},
    {"tests/pcaps/icmp/zeek-icmp-timeexceeded.pcap", 1, 74},
    {"tests/pcaps/iec104/ndpi-IEC104.pcap", 15, 1431},
    {"tests/pcaps/iec104/zeekpkg-iec104.pcap", 105, 8431},
    {"tests/pcaps/ipv6/arkime-v6-http.pcap", 55, 8255},
    {"tests/pcaps/ipv6/arkime-v6.pcap", 161, 25651},
    {"tests/pcaps/ipv6/zeek-communityid-ipv6.pcap", 17, 1532},
    {"tests/pcaps/ipv6/zeek-ipv6-fragmented-dns.pcap", 8, 4620},
    {"tests/pcaps/modbus/arkime-modbus.pcap", 1237, 134599},
    {"tests/pcaps/modbus/zeek-4SICS-GeekLounge-151022-min.pcap", 2, 377},
    {"tests/pcaps/modbus/zeek-modbus-and-non-modbus-p502.pcap", 86, 6014},
    {"tests/pcaps/modbus/zeek-modbus-eit.pcap", 4, 265},
    {"tests/pcaps/modbus/zeek-modbusBig.pcap", 13622, 970680},
    {"tests/pcaps/modbus/zeek-modbusSmall.pcap", 166, 12198},
    {"tests/pcaps/noise/arkime-igmp.pcap", 29, 1590},
    {"tests/pcaps/noise/arkime-nbns.pcap", 62, 8567},
    {"tests/pcaps/noise/arkime-wireshark-dhcp.pcap", 4, 1312},
    {"tests/pcaps/noise/arkime-wireshark-lldp.pcap", 3, 595},
    {"tests/pcaps/rdp/arkime-socks5-rdp.pcap", 10, 668},
    {"tests/pcaps/rdp/zeek-rdp-no-cookie-mstshash.pcap", 20, 4004},
    {"tests/pcaps/rdp/zeek-rdp-proprietary-encryption.pcap", 542, 134214},
    {"tests/pcaps/rdp/zeek-rdp-to-ssl.pcap", 658, 124430},
    {"tests/pcaps/rdp/zeek-rdp-x509.pcap", 15, 2871},
    {"tests/pcaps/rdp/zeek-rdpeudp-handshake-success.pcap", 10, 5013},
    {"tests/pcaps/s7comm/arkime-s7comm_synthetic.pcap", 40, 2830},
    {"tests/pcaps/s7comm/ndpi-s7comm.pcap", 55, 5260},
    {"tests/pcaps/scan/ndpi-tcp_scan.pcapng", 30, 1772},
    {"tests/pcaps/scan/zeek-nmap-vsn.pcap", 547, 24420},
    {"tests/pcaps/smb/arkime-smb-smbclient.pcap", 34, 3929},
    {"tests/pcaps/smb/arkime-wireshark-smb-on-windows10.pcap", 125, 27119},
    {"tests/pcaps/smb/zeek-smb2readwrite.pcap", 56, 19850},
    {"tests/pcaps/smb/zeek-smb3.pcap", 54, 13676},
    {"tests/pcaps/ssh/arkime-ssh2.pcap", 22, 3752},
    {"tests/pcaps/ssh/zeek-get-to-ssh-server.pcap", 9, 1230},
    {"tests/pcaps/ssh/zeek-reverse-ssh.pcap", 74, 11166},
    {"tests/pcaps/ssh/zeek-single-conn.pcap", 94, 18355},
    {"tests/pcaps/ssh/zeek-sshguess.pcap", 431, 84001},
    {"tests/pcaps/tcp/arkime-long-session.pcap", 5, 313},
    {"tests/pcaps/tcp/arkime-wireshark-retrans.pcap", 108, 30384},
    {"tests/pcaps/tcp/zeek-retransmit-timeout.pcapng", 3, 198},
    {"tests/pcaps/tcp/zeek-syn-synack.pcap", 2, 152},
    {"tests/pcaps/tcp/zeek-syn-then-rst.pcap", 2, 108},
    {"tests/pcaps/tcp/zeek-syn.pcap", 1, 78},
    {"tests/pcaps/tls/arkime-openssl-tls1_2.pcap", 20, 6234},
    {"tests/pcaps/tls/arkime-tls13.pcap", 6, 2205},
    {"tests/pcaps/tls/zeek-ecdhe.pcap", 28, 7038},
    {"tests/pcaps/tls/zeek-tls-1.2-handshake-failure.pcap", 11, 931},
    {"tests/pcaps/vlan/arkime-dot1ad.pcap", 2, 100},
    {"tests/pcaps/vlan/arkime-twovlan.pcap", 6, 4917},
    {"tests/pcaps/vlan/zeek-http-qinq-0.pcap", 14, 6199},
    {"tests/pcaps/vlan/zeek-http-vlan-0.pcap", 14, 6143},
    {"tests/pcaps/vlan/zeek-mixed-vlan-mpls.pcap", 47, 16403},
    {"tests/pcaps/vlan/zeek-vlan-pcp-dei.pcapng", 9, 522},
};

static void test_all_samples(void **state)
{
    struct result res;
    size_t i;

    (void)state;
    for (i = 0; i < OTW_ARRAY_LEN(samples); i++) {
        read_all(samples[i].path, &res);
        if (!res.open_ok || res.rc != 0)
            fail_msg("%s: %s", samples[i].path, res.err.msg);
        if (res.n != samples[i].packets || res.bytes != samples[i].bytes)
            fail_msg("%s: %llu packets %llu bytes, capinfos says %llu and %llu", samples[i].path,
                     (unsigned long long)res.n, (unsigned long long)res.bytes,
                     (unsigned long long)samples[i].packets, (unsigned long long)samples[i].bytes);
        assert_int_equal(res.warns.n, 0);
    }
}

/* Timestamps and lengths from:
 *   tshark -r FILE -T fields -e frame.number -e frame.interface_id \
 *          -e frame.time_epoch -e frame.cap_len -e frame.len
 * (first, second and last rows). */
static void test_bigendian(void **state)
{
    struct result res;

    (void)state;
    read_all("tests/pcaps/icmp/arkime-bigendian.pcap", &res);
    assert_true(res.open_ok);
    assert_int_equal(res.rc, 0);
    assert_string_equal(res.format, "pcap");
    assert_int_equal(res.n, 2);
    assert_int_equal(res.first[0].ts_us, 1335958313152630LL);
    assert_int_equal(res.first[1].ts_us, 1335958317529201LL);
    assert_int_equal(res.first[0].caplen, 98);
    assert_int_equal(res.first[0].len, 98);
    assert_int_equal(res.first[0].linktype, OTW_LT_ETHERNET);
    assert_int_equal(res.first[0].offset, 24);
    assert_int_equal(res.first[1].offset, 24 + 16 + 98);
}

static void test_nanosecond(void **state)
{
    struct result res;

    (void)state;
    read_all("tests/pcaps/ssh/zeek-get-to-ssh-server.pcap", &res);
    assert_true(res.open_ok);
    assert_int_equal(res.rc, 0);
    assert_string_equal(res.format, "pcap-ns");
    assert_int_equal(res.n, 9);
    assert_int_equal(res.first[0].ts_us, 1770126425732560LL);
    assert_int_equal(res.first[1].ts_us, 1770126425733357LL);
    assert_int_equal(res.last.ts_us, 1770126426041811LL);
    assert_int_equal(res.first[0].caplen, 74);
    assert_int_equal(res.last.caplen, 60);
}

static void test_pcapng_multi_interface(void **state)
{
    struct result res;

    (void)state;
    read_all("tests/pcaps/dns/zeek-pcapng-multi-interface.pcapng", &res);
    assert_true(res.open_ok);
    assert_int_equal(res.rc, 0);
    assert_string_equal(res.format, "pcapng");
    assert_int_equal(res.n, 6);
    /* 1767663089.500330493: nanoseconds, floored to microseconds */
    assert_int_equal(res.first[0].ts_us, 1767663089500330LL);
    assert_int_equal(res.first[0].iface, 0);
    assert_int_equal(res.first[0].caplen, 96);
    assert_int_equal(res.first[1].ts_us, 1767663089514291LL);
    assert_int_equal(res.first[1].caplen, 214);
    assert_int_equal(res.first[2].iface, 1);
    assert_int_equal(res.first[2].ts_us, 1767663437111897LL);
    assert_int_equal(res.last.iface, 1);
    assert_int_equal(res.last.ts_us, 1767663437140942LL);
    assert_int_equal(res.last.caplen, 182);
    assert_int_equal(res.last.linktype, OTW_LT_ETHERNET);
}

/* A gzip copy, named without .gz: same records as the plain file. */
static void test_gzip(void **state)
{
    const char *src = "tests/pcaps/modbus/zeek-modbusSmall.pcap";
    char path[64];
    struct result plain, gz;
    struct stat st;
    gzFile out;
    FILE *in;
    char chunk[4096];
    size_t k;
    int fd;

    (void)state;
    snprintf(path, sizeof(path), "/tmp/otw-test-reader-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    out = gzdopen(fd, "wb9");
    assert_non_null(out);
    in = fopen(src, "rb");
    assert_non_null(in);
    while ((k = fread(chunk, 1, sizeof(chunk), in)) > 0)
        assert_int_equal(gzwrite(out, chunk, (unsigned)k), (int)k);
    fclose(in);
    assert_int_equal(gzclose(out), Z_OK);

    read_all(src, &plain);
    read_all(path, &gz);
    assert_true(gz.open_ok);
    assert_int_equal(gz.rc, 0);
    assert_string_equal(gz.format, "pcap+gzip");
    /* capinfos -c: 166 packets; tshark: first 1400547199.329569, last 1400547255.173919 */
    assert_int_equal(gz.n, 166);
    assert_int_equal(gz.bytes, plain.bytes);
    assert_int_equal(gz.first[0].ts_us, 1400547199329569LL);
    assert_int_equal(gz.last.ts_us, 1400547255173919LL);
    assert_int_equal(gz.last.offset, plain.last.offset);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(gz.file_pos, (uint64_t)st.st_size);
    unlink(path);
}

/* ---- crafted files ------------------------------------------------------ */

/* Two sections. Section 1 (little-endian): Ethernet (microseconds), raw IP
 * (nanoseconds, if_tsoffset 100 s), Linux SLL (2^-10 s); EPBs on each, an SPB,
 * an obsolete PB, an NRB, an ISB and an unknown block in between. Section 2
 * (big-endian): its interface 0 is raw IPv4 (10^-3 s); the first section's
 * interfaces are forgotten. */
static void test_pcapng_mixed_linktypes(void **state)
{
    struct bb b;
    char path[64];
    struct result res;
    size_t at;

    (void)state;
    memset(&b, 0, sizeof(b));
    ng_shb(&b);
    ng_idb(&b, OTW_LT_ETHERNET, 65535, -1, 0);
    ng_idb(&b, OTW_LT_RAW, 0, 9, 100);
    ng_epb(&b, 0, 1700000000123456ULL, 60, 60, 0xe0);
    ng_epb(&b, 1, 1700000000123456789ULL, 40, 1500, 0x45);
    at = ng_start(&b, 4);       /* NRB: skipped */
    put_fill(&b, 0, 12);
    ng_end(&b, at);
    ng_idb(&b, OTW_LT_LINUX_SLL, 0, 0x80 | 10, 0);
    ng_epb(&b, 2, 1024ULL * 1700000000ULL + 512, 20, 20, 0x11);
    at = ng_start(&b, 3);       /* SPB: interface 0, origlen 80, snaplen 65535 */
    put32(&b, 80);
    put_fill(&b, 0xab, 80);
    ng_end(&b, at);
    at = ng_start(&b, 2);       /* obsolete PB on interface 1 */
    put16(&b, 1);
    put16(&b, 0);
    put32(&b, 0);
    put32(&b, 5000);            /* 5000 ns + 100 s offset */
    put32(&b, 28);
    put32(&b, 28);
    put_fill(&b, 0x45, 28);
    ng_end(&b, at);
    at = ng_start(&b, 5);       /* ISB: skipped */
    put_fill(&b, 0, 12);
    ng_end(&b, at);
    at = ng_start(&b, 0x12345);  /* unknown: skipped with one warning */
    put_fill(&b, 0, 4);
    ng_end(&b, at);
    b.be = 1;
    ng_shb(&b);
    ng_idb(&b, OTW_LT_IPV4, 0, 3, 0);
    ng_epb(&b, 0, 1700000001999ULL, 24, 24, 0x45);
    write_tmp(&b, path, sizeof(path));

    read_all(path, &res);
    unlink(path);
    assert_true(res.open_ok);
    if (res.rc != 0)
        fail_msg("%s", res.err.msg);
    assert_int_equal(res.n, 6);
    assert_int_equal(res.warns.n, 1);
    assert_contains(res.warns.last, "unknown type 0x00012345");

    assert_int_equal(res.first[0].linktype, OTW_LT_ETHERNET);
    assert_int_equal(res.first[0].iface, 0);
    assert_int_equal(res.first[0].ts_us, 1700000000123456LL);
    assert_int_equal(res.first[0].caplen, 60);
    assert_int_equal(res.first[0].offset, 28 + 36 + 56); /* SHB, IDB, IDB with 2 more options */

    assert_int_equal(res.first[1].linktype, OTW_LT_RAW);
    assert_int_equal(res.first[1].iface, 1);
    assert_int_equal(res.first[1].ts_us, 1700000000123456LL + 100000000LL);
    assert_int_equal(res.first[1].caplen, 40);
    assert_int_equal(res.first[1].len, 1500);

    assert_int_equal(res.first[2].linktype, OTW_LT_LINUX_SLL);
    assert_int_equal(res.first[2].iface, 2);
    assert_int_equal(res.first[2].ts_us, 1700000000500000LL);

    assert_int_equal(res.first[3].linktype, OTW_LT_ETHERNET);   /* SPB */
    assert_int_equal(res.first[3].iface, 0);
    assert_int_equal(res.first[3].caplen, 80);
    assert_int_equal(res.first[3].len, 80);

    assert_int_equal(res.first[4].linktype, OTW_LT_RAW);        /* PB */
    assert_int_equal(res.first[4].iface, 1);
    assert_int_equal(res.first[4].ts_us, 100000005LL);
    assert_int_equal(res.first[4].caplen, 28);

    assert_int_equal(res.first[5].linktype, OTW_LT_IPV4);       /* section 2 */
    assert_int_equal(res.first[5].iface, 0);
    assert_int_equal(res.first[5].ts_us, 1700000001999000LL);
    assert_int_equal(res.first[5].caplen, 24);
}

/* Big-endian nanosecond pcap and the "modified" pcap, built here. */
static void test_pcap_variants(void **state)
{
    struct bb b;
    char path[64];
    struct result res;

    (void)state;
    memset(&b, 0, sizeof(b));
    b.be = 1;
    put32(&b, 0xa1b23c4d);
    put16(&b, 2);
    put16(&b, 4);
    put32(&b, 0);
    put32(&b, 0);
    put32(&b, 65535);
    put32(&b, 0x04000000u | (2u << 28) | OTW_LT_ETHERNET); /* FCS of 2 words */
    put32(&b, 1700000000);
    put32(&b, 999999999);
    put32(&b, 64);
    put32(&b, 64);
    put_fill(&b, 0, 64);
    write_tmp(&b, path, sizeof(path));
    read_all(path, &res);
    assert_true(res.open_ok);
    assert_int_equal(res.rc, 0);
    assert_string_equal(res.format, "pcap-ns");
    assert_int_equal(res.n, 1);
    assert_int_equal(res.first[0].linktype, OTW_LT_ETHERNET);
    assert_int_equal(res.first[0].ts_us, 1700000000999999LL);
    {
        struct otw_err e;
        struct otw_reader *r = otw_reader_open(path, NULL, NULL, &e);

        assert_non_null(r);
        assert_int_equal(otw_reader_fcs_len(r, 0), 4);
        otw_reader_free(r);
    }
    unlink(path);

    memset(&b, 0, sizeof(b));
    put32(&b, 0xa1b2cd34);
    put16(&b, 2);
    put16(&b, 4);
    put32(&b, 0);
    put32(&b, 0);
    put32(&b, 65535);
    put32(&b, OTW_LT_LINUX_SLL);
    for (int i = 0; i < 3; i++) {
        put32(&b, 1700000000u + (uint32_t)i);
        put32(&b, 7);
        put32(&b, 30);
        put32(&b, 30);
        put_fill(&b, 0xee, 8);  /* ifindex, protocol, pkt_type, pad */
        put_fill(&b, (uint8_t)i, 30);
    }
    write_tmp(&b, path, sizeof(path));
    read_all(path, &res);
    unlink(path);
    assert_true(res.open_ok);
    assert_int_equal(res.rc, 0);
    assert_string_equal(res.format, "pcap-modified");
    assert_int_equal(res.n, 3);
    assert_int_equal(res.last.ts_us, 1700000002000007LL);
    assert_int_equal(res.last.linktype, OTW_LT_LINUX_SLL);
    assert_int_equal(res.last.offset, 24 + 2 * (24 + 30));
}

/* Many records spanning several buffer refills, with large records near the
 * 256 KiB limit: offsets stay exact and nothing is lost at a refill. */
static void test_refill(void **state)
{
    static uint8_t rec[OTW_MAX_RECORD];
    char path[64];
    struct otw_reader *r;
    struct otw_rec out;
    struct otw_err err;
    FILE *f;
    uint64_t off = 24, i;
    int fd;
    const uint32_t n = 400;

    (void)state;
    snprintf(path, sizeof(path), "/tmp/otw-test-reader-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    {
        uint32_t h[6] = {0xa1b2c3d4, 0x00040002, 0, 0, OTW_MAX_RECORD, 1};

        fwrite(h, 4, 6, f);     /* host order: this test runs little-endian */
    }
    for (i = 0; i < n; i++) {
        uint32_t caplen = (uint32_t)(i % 7 == 0 ? OTW_MAX_RECORD - i : 60 + i * 37 % 1400);
        uint32_t h[4] = {(uint32_t)i, 0, caplen, caplen};

        memset(rec, (int)(i & 0xff), caplen);
        fwrite(h, 4, 4, f);
        fwrite(rec, 1, caplen, f);
    }
    fclose(f);
    r = otw_reader_open(path, NULL, NULL, &err);
    assert_non_null(r);
    for (i = 0; i < n; i++) {
        uint32_t caplen = (uint32_t)(i % 7 == 0 ? OTW_MAX_RECORD - i : 60 + i * 37 % 1400);

        assert_int_equal(otw_reader_next(r, &out, &err), 1);
        assert_int_equal(out.caplen, caplen);
        assert_int_equal(out.offset, off);
        assert_int_equal(out.data[0], i & 0xff);
        assert_int_equal(out.data[caplen - 1], i & 0xff);
        off += 16 + caplen;
    }
    assert_int_equal(otw_reader_next(r, &out, &err), 0);
    assert_int_equal(otw_reader_file_pos(r), off);
    otw_reader_free(r);
    unlink(path);
}

/* A block we skip (here a 3 MiB custom block) may be larger than the read
 * buffer: it is skipped across refills, its trailing length still checked,
 * and the records around it come back. */
static void test_big_skipped_block(void **state)
{
    static uint8_t zero[64 * 1024];
    const uint32_t big = 3u * 1024u * 1024u;
    struct bb b;
    char path[64];
    struct result res;
    FILE *f;
    uint32_t k, w[3];

    (void)state;
    memset(&b, 0, sizeof(b));
    ng_shb(&b);
    ng_idb(&b, OTW_LT_ETHERNET, 0, -1, 0);
    ng_epb(&b, 0, 1, 60, 60, 1);
    write_tmp(&b, path, sizeof(path));
    f = fopen(path, "ab");
    assert_non_null(f);
    w[0] = 0x00000bad;  /* custom block, host order = little-endian section */
    w[1] = big;
    w[2] = 32473;       /* PEN */
    fwrite(w, 4, 3, f);
    for (k = 12; k < big - 4; k += (uint32_t)sizeof(zero))
        fwrite(zero, 1, OTW_MIN((uint32_t)sizeof(zero), big - 4 - k), f);
    fwrite(&big, 4, 1, f);
    memset(&b, 0, sizeof(b));
    ng_epb(&b, 0, 2, 70, 70, 2);
    fwrite(b.b, 1, b.n, f);
    fclose(f);

    read_all(path, &res);
    assert_true(res.open_ok);
    if (res.rc != 0)
        fail_msg("%s", res.err.msg);
    assert_int_equal(res.n, 2);
    assert_int_equal(res.warns.n, 0);
    assert_int_equal(res.last.caplen, 70);
    assert_int_equal(res.last.offset, res.first[0].offset + 92 + big);

    /* the same file cut inside the big block */
    assert_int_equal(truncate(path, (off_t)(res.first[0].offset + 92 + big / 2)), 0);
    read_all(path, &res);
    unlink(path);
    assert_int_equal(res.n, 1);
    assert_int_equal(res.rc, OTW_ETRUNC);
    assert_contains(res.err.msg, "needs 3145728 bytes");
}

/* ---- bad input: tests/bad/ (see tests/bad/README.md) -------------------- */

static const struct {
    const char *file;
    int opens;          /* 0: otw_reader_open fails */
    uint64_t records;   /* returned before the fault */
    int rc;             /* the final otw_reader_next() result */
    int warnings;
    const char *msg1;   /* substrings of the message */
    const char *msg2;
} bad[] = {
    {"trunc-last.pcap", 1, 9, OTW_ETRUNC, 0, "truncated record at offset 1050",
     "(needs 114 bytes, 104 present)"},
    {"trunc-last.pcapng", 1, 2, OTW_ETRUNC, 0, "truncated record at offset 348",
     "(needs 104 bytes, 94 present)"},
    {"bad-magic.pcap", 0, 0, 0, 0, "not a pcap or pcapng file: starts with 0x00010203", NULL},
    {"over-snaplen.pcap", 1, 2, 0, 1, NULL, NULL},
    {"caplen-over-len.pcap", 1, 2, 0, 1, NULL, NULL},
    {"over-256k.pcap", 1, 1, OTW_EFORMAT, 0, "record at offset 100 claims 300000 bytes, more than 262144",
     NULL},
    {"empty.pcap", 0, 0, 0, 0, "empty file, no capture header", NULL},
    {"text.pcap", 0, 0, 0, 0, "not a pcap or pcapng file: starts with 0x54686973 (looks like text)", NULL},
    {"bad-blocklen.pcapng", 1, 1, OTW_EFORMAT, 0, "block at offset 140", "bad length 30"},
    {"trunc.pcap.gz", 1, 86, OTW_EFORMAT, 0, "damaged gzip stream: unexpected end of file",
     "at offset 7480 (uncompressed offset)"},
    {"short-header.pcap", 0, 0, 0, 0, "pcap file header cut short (needs 24 bytes, 10 present)", NULL},
    {"bad-iface.pcapng", 1, 1, OTW_EFORMAT, 0, "packet block at offset 140 refers to interface 3", NULL},
    {"bad-trailer.pcapng", 1, 1, OTW_EFORMAT, 0,
     "block at offset 140: trailing length 88 differs from leading length 92", NULL},
};

static void test_bad_files(void **state)
{
    char path[256];
    struct result res;
    size_t i;

    (void)state;
    for (i = 0; i < OTW_ARRAY_LEN(bad); i++) {
        snprintf(path, sizeof(path), "tests/bad/%s", bad[i].file);
        read_all(path, &res);
        if (res.open_ok != bad[i].opens)
            fail_msg("%s: opened %d, expected %d (%s)", path, res.open_ok, bad[i].opens, res.err.msg);
        if (res.n != bad[i].records || res.rc != bad[i].rc || res.warns.n != bad[i].warnings)
            fail_msg("%s: %llu records rc %d warnings %d, expected %llu %d %d (%s)", path,
                     (unsigned long long)res.n, res.rc, res.warns.n,
                     (unsigned long long)bad[i].records, bad[i].rc, bad[i].warnings, res.err.msg);
        if (bad[i].msg1 == NULL)
            continue;
        assert_contains(res.err.msg, path);     /* names the file */
        assert_contains(res.err.msg, bad[i].msg1);
        if (bad[i].msg2 != NULL)
            assert_contains(res.err.msg, bad[i].msg2);
    }
    read_all("tests/bad/over-snaplen.pcap", &res);
    assert_contains(res.warns.last, "more than the snapshot length 64");
    assert_int_equal(res.first[0].caplen, 100);
    read_all("tests/bad/caplen-over-len.pcap", &res);
    assert_int_equal(res.first[0].caplen, 80);
    assert_int_equal(res.first[0].len, 80);
}

static void test_unreadable(void **state)
{
    struct result res;

    (void)state;
    read_all("tests/bad/no-such-file.pcap", &res);
    assert_false(res.open_ok);
    assert_contains(res.err.msg, "tests/bad/no-such-file.pcap: cannot open: No such file or directory");
    read_all("tests/bad", &res);
    assert_false(res.open_ok);
    assert_contains(res.err.msg, "tests/bad: is a directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_samples),
        cmocka_unit_test(test_bigendian),
        cmocka_unit_test(test_nanosecond),
        cmocka_unit_test(test_pcapng_multi_interface),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_pcapng_mixed_linktypes),
        cmocka_unit_test(test_pcap_variants),
        cmocka_unit_test(test_refill),
        cmocka_unit_test(test_big_skipped_block),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_unreadable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
