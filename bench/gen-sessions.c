/*
 * gen-sessions.c - makes a large otwatch database of plausible plant
 * sessions for the web benchmark (bench/web.sh): 10 million sessions over
 * 90 days by default, in a few minutes.
 *
 * Not part of otwatch: bench/web.sh builds it against build/libotwcore.a.
 * The schema is the store's own: the database is created and migrated by
 * otw_store_open(); sessions are then bulk-loaded with the store's column
 * list while the secondary indexes are dropped, and the indexes are
 * re-created from the very CREATE INDEX statements the migrations wrote
 * (sorting once is much faster than 10 million random index inserts); the
 * triggers that keep the hourly graph are dropped and re-created the same
 * way, and the store sums the hourly graph afterwards
 * (otw_store_graph_rebuild). The baseline, inventory, asset labels and
 * alerts go through the store API. No ANALYZE:
 * the query planner sees what it sees in a real database.
 *
 * The plant (about 200 hosts; plant time +09:00):
 *
 *   10.10.0.1-8      router, NTP, NMS (SNMP polls, pings), DNS/AD, patch
 *                    server, antivirus, jump host, web proxy
 *   10.10.1.11-14    SCADA servers: hold Modbus/TCP (30 PLCs) and S7 (20
 *                    PLCs) connections open all day (records of one hour)
 *   10.10.1.21-26    HMIs: OPC UA to two SCADA servers, long sessions
 *   10.10.1.31-32    historians: EtherNet/IP to 15 PLCs, OPC UA to SCADA
 *   10.10.1.41-42    engineering workstations: short Modbus/S7 reads and a
 *                    few writes, SSH/RDP maintenance, ENIP broadcasts
 *   10.10.2.101-130  Modbus PLCs; 10.10.3.101-120 S7 PLCs; 10.10.4.101-115
 *                    EtherNet/IP PLCs and drives
 *   10.20.1.10-109   office PCs: DNS, proxy, SMB, Kerberos/LDAP, printing,
 *                    SSDP/mDNS multicast, NetBIOS/DHCP broadcast, IPv6 ND
 *   10.20.0.10-11    file server, domain controller; 10.20.2.10-14 printers
 *   200 Internet servers behind the proxy (198.51.100.0/24)
 *
 * Office traffic follows office hours (weekdays 08-18 plant time). On the
 * last day a contractor laptop (10.10.1.99) scans the PLCs and an HMI talks
 * to 203.0.113.66: new edges with open alerts. The baseline is what the
 * first 14 days saw, approved (SSH/RDP/EWS as maintenance).
 *
 * Usage: gen-sessions -o DB [-n SESSIONS] [-d DAYS] [-s SEED]
 */
#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/commid.h"
#include "core/common.h"
#include "core/session.h"
#include "detect/alert.h"
#include "store/store.h"

#define END_SEC 1795132800LL        /* 2026-11-20T00:00:00Z: the data ends here */
#define HOUR_US 3600000000LL
#define LEARN_DAYS 14
#define INCIDENTS (30 * 10 + 4 * 6)     /* sessions of incidents() */

/* ---- random numbers: xorshift64*, reproducible from the seed ---------- */

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static uint32_t rndn(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

/* ---- hosts --------------------------------------------------------------- */

enum cls {
    C_ROUTER, C_NTP, C_NMS, C_DNS, C_PATCH, C_AV, C_JUMP, C_PROXY,
    C_SCADA, C_HMI, C_HIST, C_EWS, C_MB, C_S7, C_ENIP,
    C_PC, C_FILE, C_DC, C_PRN, C_EXT, C_LAPTOP, C_C2, C__COUNT
};

struct host {
    uint8_t ip[16];
    uint8_t mac[6];
    enum cls cls;
    char name[32];
    const char *role;
};

#define MAX_HOSTS 512
static struct host hosts[MAX_HOSTS];
static int nhosts;
static int first_of[C__COUNT], count_of[C__COUNT];

static void v4(uint8_t ip[16], int a, int b, int c, int d)
{
    memset(ip, 0, 16);
    ip[10] = ip[11] = 0xff;
    ip[12] = (uint8_t)a;
    ip[13] = (uint8_t)b;
    ip[14] = (uint8_t)c;
    ip[15] = (uint8_t)d;
}

static void add_hosts(enum cls c, int n, int a, int b, int cc, int d0, const char *name,
                      const char *role, const uint8_t oui[3])
{
    first_of[c] = nhosts;
    count_of[c] = n;
    for (int i = 0; i < n; i++) {
        struct host *h = &hosts[nhosts++];
        v4(h->ip, a, b, cc, d0 + i);
        h->cls = c;
        if (oui != NULL)
            memcpy(h->mac, oui, 3);
        else {
            h->mac[0] = 0x02;     /* locally administered */
            h->mac[1] = 0x42;
            h->mac[2] = (uint8_t)c;
        }
        h->mac[3] = (uint8_t)b;
        h->mac[4] = (uint8_t)cc;
        h->mac[5] = (uint8_t)(d0 + i);
        if (name != NULL) {
            if (n > 1)
                snprintf(h->name, sizeof(h->name), "%s%02d", name, i + 1);
            else
                snprintf(h->name, sizeof(h->name), "%s", name);
        }
        h->role = role;
    }
}

static const uint8_t OUI_SCHNEIDER[3] = {0x00, 0x80, 0xf4};
static const uint8_t OUI_SIEMENS[3] = {0x00, 0x1b, 0x1b};
static const uint8_t OUI_ROCKWELL[3] = {0x00, 0x1d, 0x9c};
static const uint8_t ROUTER_MAC[6] = {0x00, 0x1e, 0x49, 0x10, 0x00, 0x01};

static void make_plant(void)
{
    add_hosts(C_ROUTER, 1, 10, 10, 0, 1, "core-fw", "router", NULL);
    add_hosts(C_NTP, 1, 10, 10, 0, 2, "ntp", "time server", NULL);
    add_hosts(C_NMS, 1, 10, 10, 0, 3, "nms", "network monitoring", NULL);
    add_hosts(C_DNS, 1, 10, 10, 0, 4, "ot-dc", "DNS / domain controller", NULL);
    add_hosts(C_PATCH, 1, 10, 10, 0, 5, "wsus", "patch server", NULL);
    add_hosts(C_AV, 1, 10, 10, 0, 6, "av", "antivirus server", NULL);
    add_hosts(C_JUMP, 1, 10, 10, 0, 7, "jump", "jump host", NULL);
    add_hosts(C_PROXY, 1, 10, 10, 0, 8, "proxy", "web proxy", NULL);
    add_hosts(C_SCADA, 4, 10, 10, 1, 11, "scada", "SCADA server", NULL);
    add_hosts(C_HMI, 6, 10, 10, 1, 21, "hmi", "HMI", NULL);
    add_hosts(C_HIST, 2, 10, 10, 1, 31, "hist", "historian", NULL);
    add_hosts(C_EWS, 2, 10, 10, 1, 41, "ews", "engineering workstation", NULL);
    add_hosts(C_MB, 30, 10, 10, 2, 101, "plc-mb", "PLC", OUI_SCHNEIDER);
    add_hosts(C_S7, 20, 10, 10, 3, 101, "plc-s7", "PLC", OUI_SIEMENS);
    add_hosts(C_ENIP, 15, 10, 10, 4, 101, "plc-ab", "PLC", OUI_ROCKWELL);
    add_hosts(C_PC, 100, 10, 20, 1, 10, NULL, NULL, NULL);
    add_hosts(C_FILE, 1, 10, 20, 0, 10, "files", "file server", NULL);
    add_hosts(C_DC, 1, 10, 20, 0, 11, "office-dc", "DNS / domain controller", NULL);
    add_hosts(C_PRN, 5, 10, 20, 2, 10, "printer", "printer", NULL);
    add_hosts(C_EXT, 200, 198, 51, 100, 1, NULL, NULL, NULL);
    add_hosts(C_LAPTOP, 1, 10, 10, 1, 99, NULL, NULL, NULL);
    add_hosts(C_C2, 1, 203, 0, 113, 66, NULL, NULL, NULL);
}

static struct host *pick(enum cls c)
{
    return &hosts[first_of[c] + (int)rndn((uint32_t)count_of[c])];
}

static struct host *nth(enum cls c, int i)
{
    return &hosts[first_of[c] + i % count_of[c]];
}

/* ---- one record ------------------------------------------------------------ */

struct field {
    const char *name;
    bool is_int;
    int64_t i;
    char s[64];
    int64_t count;
};

struct rec {
    struct otw_session s;
    const char *proto_name;     /* application protocol or NULL */
    struct field f[3];
    int nf;
};

static struct rec *recs;
static size_t nrecs, caprecs;

static struct rec *new_rec(const struct host *c, const struct host *sv, int proto, int dport,
                           int64_t t, int64_t dur, const char *app)
{
    struct rec *r;

    if (nrecs == caprecs) {
        caprecs = caprecs ? caprecs * 2 : 65536;
        recs = realloc(recs, caprecs * sizeof(*recs));
        if (recs == NULL) {
            fprintf(stderr, "gen-sessions: out of memory\n");
            exit(1);
        }
    }
    r = &recs[nrecs++];
    memset(r, 0, sizeof(*r));
    r->s.first_us = t;
    r->s.last_us = t + dur;
    r->s.ipver = otw_ip_is_v4(sv->ip) ? 4 : 6;
    r->s.proto = (uint8_t)proto;
    memcpy(r->s.src_ip, c->ip, 16);
    memcpy(r->s.dst_ip, sv->ip, 16);
    if (proto == 6 || proto == 17) {
        r->s.src_port = (uint16_t)(32768 + rndn(28000));
        r->s.dst_port = (uint16_t)dport;
    }
    memcpy(r->s.src_mac, c->cls == C_EXT || c->cls == C_C2 ? ROUTER_MAC : c->mac, 6);
    memcpy(r->s.dst_mac, sv->cls == C_EXT || sv->cls == C_C2 ? ROUTER_MAC : sv->mac, 6);
    r->s.icmp_type = r->s.icmp_code = -1;
    r->s.state = proto == 6 ? OTW_ST_CLOSED : OTW_ST_ESTABLISHED;
    r->s.end_reason = proto == 6 ? OTW_END_CLOSED : OTW_END_IDLE;
    r->s.src.packets = 1 + rndn(6);
    r->s.dst.packets = 1 + rndn(6);
    r->s.src.bytes = r->s.src.packets * (60 + rndn(200));
    r->s.dst.bytes = r->s.dst.packets * (60 + rndn(900));
    r->s.src.payload = r->s.src.bytes / 2;
    r->s.dst.payload = r->s.dst.bytes / 2;
    if (proto == 6) {
        r->s.src.tcp_flags = OTW_TCP_SYN | OTW_TCP_ACK | OTW_TCP_PSH | OTW_TCP_FIN;
        r->s.dst.tcp_flags = OTW_TCP_SYN | OTW_TCP_ACK | OTW_TCP_PSH | OTW_TCP_FIN;
    }
    r->proto_name = app;
    return r;
}

static void add_str(struct rec *r, const char *name, const char *v, int64_t count)
{
    struct field *f = &r->f[r->nf++];
    f->name = name;
    snprintf(f->s, sizeof(f->s), "%s", v);
    f->count = count;
}

static void add_int(struct rec *r, const char *name, int64_t v, int64_t count)
{
    struct field *f = &r->f[r->nf++];
    f->name = name;
    f->is_int = true;
    f->i = v;
    f->count = count;
}

/* ---- long sessions: one record per hour per pair ----------------------------- */

struct pair {
    struct host *c, *s;
    int port;
    const char *app;
    uint16_t sport;
    uint16_t segment;
};

#define MAX_PAIRS 256
static struct pair pairs[MAX_PAIRS];
static int npairs;

static void add_pair(struct host *c, struct host *s, int port, const char *app)
{
    struct pair *p = &pairs[npairs++];
    p->c = c;
    p->s = s;
    p->port = port;
    p->app = app;
    p->sport = (uint16_t)(40000 + rndn(20000));
}

static void make_pairs(void)
{
    for (int i = 0; i < count_of[C_MB]; i++)
        add_pair(nth(C_SCADA, i), nth(C_MB, i), 502, "modbus");
    for (int i = 0; i < count_of[C_S7]; i++)
        add_pair(nth(C_SCADA, i), nth(C_S7, i), 102, "s7comm");
    for (int i = 0; i < count_of[C_HMI]; i++) {
        add_pair(nth(C_HMI, i), nth(C_SCADA, i), 4840, "opcua");
        add_pair(nth(C_HMI, i), nth(C_SCADA, i + 1), 4840, "opcua");
    }
    for (int h = 0; h < count_of[C_HIST]; h++) {
        for (int i = 0; i < count_of[C_ENIP]; i++)
            add_pair(nth(C_HIST, h), nth(C_ENIP, i), 44818, "enip");
        for (int i = 0; i < count_of[C_SCADA]; i++)
            add_pair(nth(C_HIST, h), nth(C_SCADA, i), 4840, "opcua");
    }
}

static void long_hour(int64_t hour_us)
{
    for (int i = 0; i < npairs; i++) {
        struct pair *p = &pairs[i];
        struct rec *r = new_rec(p->c, p->s, 6, p->port, hour_us + (int64_t)rndn(2000000),
                                HOUR_US - 3000000, p->app);
        uint64_t polls = 3400 + rndn(400);

        r->s.src_port = p->sport;
        r->s.state = OTW_ST_ESTABLISHED;
        r->s.segment = p->segment++;
        r->s.continued = 1;
        r->s.end_reason = OTW_END_SPLIT;
        r->s.src.packets = polls * 2;
        r->s.dst.packets = polls;
        r->s.src.bytes = polls * (66 + 12) + polls * 54;
        r->s.dst.bytes = polls * (66 + 9 + 2 * (1 + rndn(20)));
        r->s.src.payload = polls * 12;
        r->s.dst.payload = r->s.dst.bytes - polls * 66;
        r->s.src.tcp_flags = r->s.dst.tcp_flags = OTW_TCP_ACK | OTW_TCP_PSH;
        if (strcmp(p->app, "modbus") == 0) {
            add_str(r, "modbus.func", "read_holding_registers", (int64_t)polls);
            add_int(r, "modbus.unit", 1, (int64_t)polls);
        } else if (strcmp(p->app, "s7comm") == 0) {
            add_str(r, "s7.func", "read_var", (int64_t)polls);
        }
        /* the connection is re-established now and then */
        if (rndn(48) == 0) {
            p->sport = (uint16_t)(40000 + rndn(20000));
            p->segment = 0;
            r->s.continued = 0;
            r->s.state = OTW_ST_CLOSED;
            r->s.end_reason = OTW_END_CLOSED;
        }
    }
}

/* ---- short sessions ------------------------------------------------------------ */

static const char *const names[] = {"portal", "mail", "erp", "wiki", "update", "time",
                                    "cdn", "crl", "login", "files"};

static void short_one(int64_t t, bool office)
{
    uint32_t k = rndn(1000);
    struct rec *r;
    struct host *c, *s;
    char buf[64];

    /* Outside office hours, most office kinds are rarer: fall to plant kinds. */
    if (!office && k < 600 && rndn(3) != 0)
        k = 600 + rndn(400);
    if (k < 200) {                      /* DNS: office PCs to the office DC */
        c = pick(C_PC);
        r = new_rec(c, &hosts[first_of[C_DC]], 17, 53, t, 2000 + rndn(20000), "dns");
        r->s.src.packets = r->s.dst.packets = 1;
        snprintf(buf, sizeof(buf), "%s.example.co.jp", names[rndn(10)]);
        add_str(r, "dns.query", buf, 1);
    } else if (k < 330) {               /* PCs to the proxy */
        c = pick(C_PC);
        r = new_rec(c, &hosts[first_of[C_PROXY]], 6, 8080, t, 200000 + rndn(30000000), "http");
        snprintf(buf, sizeof(buf), "%s.example.com", names[rndn(10)]);
        add_str(r, "http.host", buf, 1);
        r->s.dst.bytes *= 20;
    } else if (k < 400) {               /* the proxy to the Internet */
        s = pick(C_EXT);
        r = new_rec(&hosts[first_of[C_PROXY]], s, 6, 443, t, 200000 + rndn(30000000), "tls");
        r->s.dst.bytes *= 20;
    } else if (k < 470) {               /* SMB to the file server */
        r = new_rec(pick(C_PC), &hosts[first_of[C_FILE]], 6, 445, t, 1000000 + rndn(60000000),
                    "smb");
        r->s.dst.bytes *= 50;
    } else if (k < 520) {               /* Kerberos / LDAP */
        r = new_rec(pick(C_PC), &hosts[first_of[C_DC]], rndn(2) ? 6 : 17, rndn(2) ? 88 : 389,
                    t, 10000 + rndn(200000), NULL);
    } else if (k < 540) {               /* printing */
        c = pick(C_PC);
        r = new_rec(c, nth(C_PRN, (int)(c->ip[15] % 5)), 6, 9100, t, 1000000 + rndn(9000000),
                    NULL);
        r->s.src.bytes *= 100;
    } else if (k < 570) {               /* SSDP / mDNS multicast from PCs */
        static struct host ssdp, mdns;
        v4(ssdp.ip, 239, 255, 255, 250);
        v4(mdns.ip, 224, 0, 0, 251);
        memcpy(ssdp.mac, (uint8_t[6]){0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa}, 6);
        memcpy(mdns.mac, (uint8_t[6]){0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}, 6);
        if (rndn(2))
            r = new_rec(pick(C_PC), &ssdp, 17, 1900, t, 3000000, "ssdp");
        else
            r = new_rec(pick(C_PC), &mdns, 17, 5353, t, 1000, NULL);
        r->s.dst.packets = r->s.dst.bytes = r->s.dst.payload = 0;
        r->s.state = OTW_ST_ATTEMPT;
        if (r->proto_name != NULL && strcmp(r->proto_name, "ssdp") == 0)
            r->proto_name = NULL;   /* no SSDP parser */
    } else if (k < 590) {               /* NetBIOS / DHCP broadcasts */
        static struct host nb, dhcp;
        v4(nb.ip, 10, 20, 255, 255);
        v4(dhcp.ip, 255, 255, 255, 255);
        memset(nb.mac, 0xff, 6);
        memset(dhcp.mac, 0xff, 6);
        if (rndn(2))
            r = new_rec(pick(C_PC), &nb, 17, 137, t, 1500000, "nbns");
        else
            r = new_rec(pick(C_PC), &dhcp, 17, 67, t, 4000, "dhcp");
        r->s.dst.packets = r->s.dst.bytes = r->s.dst.payload = 0;
        r->s.state = OTW_ST_ATTEMPT;
    } else if (k < 600) {               /* IPv6: neighbour discovery, mDNS */
        static struct host a, b, allr;
        struct host *pc = pick(C_PC);
        memset(a.ip, 0, 16);
        a.ip[0] = 0xfe;
        a.ip[1] = 0x80;
        memcpy(a.ip + 10, pc->mac, 6);
        memcpy(a.mac, pc->mac, 6);
        memset(b.ip, 0, 16);
        b.ip[0] = 0xff;
        b.ip[1] = 0x02;
        b.ip[15] = 0xfb;
        memcpy(b.mac, (uint8_t[6]){0x33, 0x33, 0, 0, 0, 0xfb}, 6);
        memset(allr.ip, 0, 16);
        allr.ip[0] = 0xff;
        allr.ip[1] = 0x02;
        allr.ip[15] = 0x02;
        memcpy(allr.mac, (uint8_t[6]){0x33, 0x33, 0, 0, 0, 0x02}, 6);
        if (rndn(2)) {
            r = new_rec(&a, &b, 17, 5353, t, 1000, "dns");
        } else {
            r = new_rec(&a, &allr, 58, 0, t, 1000, NULL);
            r->s.icmp_type = 133;
            r->s.icmp_code = 0;
        }
        r->s.dst.packets = r->s.dst.bytes = r->s.dst.payload = 0;
        r->s.state = OTW_ST_ATTEMPT;
    } else if (k < 780) {               /* NMS: SNMP of every plant device */
        int first = first_of[C_ROUTER];
        int n = first_of[C_PRN] + count_of[C_PRN] - first;
        s = &hosts[first + (int)rndn((uint32_t)n)];
        if (s->cls == C_NMS)
            s = &hosts[first_of[C_ROUTER]];
        r = new_rec(&hosts[first_of[C_NMS]], s, 17, 161, t, 3000 + rndn(30000), "snmp");
        r->s.src.packets = r->s.dst.packets = 1;
    } else if (k < 870) {               /* NMS: pings */
        int first = first_of[C_ROUTER];
        int n = first_of[C_PRN] + count_of[C_PRN] - first;
        s = &hosts[first + (int)rndn((uint32_t)n)];
        if (s->cls == C_NMS)
            s = &hosts[first_of[C_ROUTER]];
        r = new_rec(&hosts[first_of[C_NMS]], s, 1, 0, t, 1000 + rndn(3000), NULL);
        r->s.icmp_type = 8;
        r->s.icmp_code = 0;
        r->s.src.packets = r->s.dst.packets = 1;
        r->s.src.bytes = r->s.dst.bytes = 98;
    } else if (k < 910) {               /* NTP from plant servers */
        int first = first_of[C_SCADA];
        int n = first_of[C_EWS] + count_of[C_EWS] - first;
        r = new_rec(&hosts[first + (int)rndn((uint32_t)n)], &hosts[first_of[C_NTP]], 17, 123, t,
                    1000 + rndn(2000), "ntp");
        r->s.src.packets = r->s.dst.packets = 1;
        r->s.src.bytes = r->s.dst.bytes = 90;
    } else if (k < 940) {               /* plant DNS */
        int first = first_of[C_SCADA];
        int n = first_of[C_EWS] + count_of[C_EWS] - first;
        r = new_rec(&hosts[first + (int)rndn((uint32_t)n)], &hosts[first_of[C_DNS]], 17, 53, t,
                    1000 + rndn(5000), "dns");
        r->s.src.packets = r->s.dst.packets = 1;
        add_str(r, "dns.query", "ntp.plant.local", 1);
    } else if (k < 960) {               /* patches and antivirus updates */
        int first = first_of[C_SCADA];
        int n = first_of[C_EWS] + count_of[C_EWS] - first;
        bool av = rndn(2);
        r = new_rec(&hosts[first + (int)rndn((uint32_t)n)],
                    &hosts[first_of[av ? C_AV : C_PATCH]], 6, av ? 443 : 8530, t,
                    500000 + rndn(20000000), av ? "tls" : "http");
        r->s.dst.bytes *= 100;
    } else if (k < 980) {               /* engineering: short Modbus/S7 sessions */
        struct host *ews = pick(C_EWS);
        if (rndn(2)) {
            r = new_rec(ews, pick(C_MB), 6, 502, t, 200000 + rndn(5000000), "modbus");
            if (rndn(20) == 0)
                add_str(r, "modbus.func", "write_single_register", 1 + rndn(3));
            add_str(r, "modbus.func", "read_holding_registers", 1 + rndn(40));
        } else {
            r = new_rec(ews, pick(C_S7), 6, 102, t, 200000 + rndn(5000000), "s7comm");
            add_str(r, "s7.func", "read_var", 1 + rndn(40));
        }
    } else if (k < 990) {               /* maintenance: SSH and RDP */
        bool rdp = rndn(2);
        struct host *from = rndn(3) ? &hosts[first_of[C_JUMP]] : pick(C_EWS);
        int first = first_of[C_SCADA];
        int n = first_of[C_HIST] + count_of[C_HIST] - first;
        r = new_rec(from, &hosts[first + (int)rndn((uint32_t)n)], 6, rdp ? 3389 : 22, t,
                    60000000 + rndn(1800000000), rdp ? "rdp" : "ssh");
        r->s.src.bytes *= 200;
        r->s.dst.bytes *= 500;
    } else {                            /* ENIP ListIdentity broadcast from the EWS */
        static struct host bc;
        v4(bc.ip, 10, 10, 255, 255);
        memset(bc.mac, 0xff, 6);
        r = new_rec(pick(C_EWS), &bc, 17, 44818, t, 2000000, "enip");
        add_str(r, "enip.command", "list_identity", 1);
        r->s.dst.packets = r->s.dst.bytes = r->s.dst.payload = 0;
        r->s.state = OTW_ST_ATTEMPT;
    }
}

/* The last day's incidents: a scan of the PLCs, an HMI calling out. */
static void incidents(int64_t hour_us, int hour_index)
{
    struct host *lap = &hosts[first_of[C_LAPTOP]];

    if (hour_index == 3) {              /* 12:00 plant time */
        static const int ports[] = {21, 22, 23, 80, 102, 443, 502, 3389, 5900, 44818};
        int64_t t = hour_us + 600000000LL;
        for (int i = 0; i < count_of[C_MB]; i++)
            for (size_t p = 0; p < OTW_ARRAY_LEN(ports); p++) {
                struct rec *r = new_rec(lap, nth(C_MB, i), 6, ports[p], t, 1000, NULL);
                bool open = ports[p] == 502 || ports[p] == 80;
                t += 2000;
                r->s.src.packets = 1;
                r->s.dst.packets = 1;
                r->s.src.bytes = r->s.dst.bytes = 60;
                r->s.src.payload = r->s.dst.payload = 0;
                r->s.state = open ? OTW_ST_CLOSED : OTW_ST_REJECTED;
                r->s.src.tcp_flags = OTW_TCP_SYN;
                r->s.dst.tcp_flags = open ? OTW_TCP_SYN | OTW_TCP_ACK : OTW_TCP_RST | OTW_TCP_ACK;
            }
    }
    if (hour_index >= 5 && hour_index < 9) {
        for (int i = 0; i < 6; i++) {
            struct rec *r = new_rec(nth(C_HMI, 2), &hosts[first_of[C_C2]], 6, 443,
                                    hour_us + i * 600000000LL, 5000000, "tls");
            r->s.dst.bytes *= 3;
            r->s.src.bytes *= 40;
        }
    }
}

/* ---- the learning period's baseline ------------------------------------------------ */

struct blkey {
    uint8_t c[16], s[16];
    uint8_t proto;
    uint16_t port;
    const char *app;
    uint64_t sessions, bytes;
    int64_t first, last;
    bool used;
};

#define BL_SLOTS 65536
static struct blkey *bl;

static void bl_observe(const struct rec *r)
{
    uint64_t h = 1469598103934665603ULL;
    const uint8_t *p;
    uint16_t port = r->s.proto == 6 || r->s.proto == 17 ? r->s.dst_port : 0;

    for (p = r->s.src_ip; p < r->s.src_ip + 16; p++)
        h = (h ^ *p) * 1099511628211ULL;
    for (p = r->s.dst_ip; p < r->s.dst_ip + 16; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h = (h ^ r->s.proto) * 1099511628211ULL;
    h = (h ^ port) * 1099511628211ULL;
    for (uint32_t i = 0; i < BL_SLOTS; i++) {
        struct blkey *k = &bl[(h + i) % BL_SLOTS];
        if (!k->used) {
            k->used = true;
            memcpy(k->c, r->s.src_ip, 16);
            memcpy(k->s, r->s.dst_ip, 16);
            k->proto = r->s.proto;
            k->port = port;
            k->app = r->proto_name;
            k->first = r->s.first_us;
        }
        if (memcmp(k->c, r->s.src_ip, 16) == 0 && memcmp(k->s, r->s.dst_ip, 16) == 0 &&
            k->proto == r->s.proto && k->port == port) {
            k->sessions++;
            k->bytes += r->s.src.bytes + r->s.dst.bytes;
            k->last = r->s.last_us;
            return;
        }
    }
}

/* ---- writing ---------------------------------------------------------------------- */

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    return (x->s.first_us > y->s.first_us) - (x->s.first_us < y->s.first_us);
}

static sqlite3 *db;
static sqlite3_stmt *ins, *insf;

static void die_sql(const char *what)
{
    fprintf(stderr, "gen-sessions: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void exec(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "gen-sessions: %s: %s\n", sql, msg ? msg : "?");
        exit(1);
    }
}

static uint64_t uid_next = 1;

static void write_recs(uint64_t *fields)
{
    qsort(recs, nrecs, sizeof(*recs), cmp_rec);
    for (size_t i = 0; i < nrecs; i++) {
        struct rec *r = &recs[i];
        const struct otw_session *s = &r->s;
        char cid[64], protos[48];
        sqlite3_int64 sid;

        otw_commid_v1(s, 0, cid, sizeof(cid));
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_int64(ins, 1, s->first_us);
        sqlite3_bind_int64(ins, 2, s->last_us);
        sqlite3_bind_int(ins, 3, s->ipver);
        sqlite3_bind_int(ins, 4, s->proto);
        sqlite3_bind_blob(ins, 5, s->src_ip, 16, SQLITE_STATIC);
        sqlite3_bind_int(ins, 6, s->src_port);
        sqlite3_bind_blob(ins, 7, s->dst_ip, 16, SQLITE_STATIC);
        sqlite3_bind_int(ins, 8, s->dst_port);
        sqlite3_bind_blob(ins, 9, s->src_mac, 6, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 10, s->dst_mac, 6, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 13, (int64_t)s->src.packets);
        sqlite3_bind_int64(ins, 14, (int64_t)s->src.bytes);
        sqlite3_bind_int64(ins, 15, (int64_t)s->src.payload);
        sqlite3_bind_int(ins, 16, s->src.tcp_flags);
        sqlite3_bind_int64(ins, 17, (int64_t)s->dst.packets);
        sqlite3_bind_int64(ins, 18, (int64_t)s->dst.bytes);
        sqlite3_bind_int64(ins, 19, (int64_t)s->dst.payload);
        sqlite3_bind_int(ins, 20, s->dst.tcp_flags);
        sqlite3_bind_text(ins, 21, otw_state_name(s->state), -1, SQLITE_STATIC);
        if (s->icmp_type >= 0) {
            sqlite3_bind_int(ins, 22, s->icmp_type);
            sqlite3_bind_int(ins, 23, s->icmp_code);
        }
        sqlite3_bind_text(ins, 24, cid, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 25, s->segment);
        sqlite3_bind_int(ins, 26, s->continued);
        sqlite3_bind_text(ins, 27, otw_end_name(s->end_reason), -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 28, 1);
        if (r->proto_name != NULL)
            snprintf(protos, sizeof(protos), " %s ", r->proto_name);
        else
            protos[0] = '\0';
        sqlite3_bind_text(ins, 30, protos, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 32, (int64_t)uid_next++);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die_sql("storing a session");
        sid = sqlite3_last_insert_rowid(db);
        for (int k = 0; k < r->nf; k++) {
            sqlite3_reset(insf);
            sqlite3_bind_int64(insf, 1, sid);
            sqlite3_bind_text(insf, 2, r->f[k].name, -1, SQLITE_STATIC);
            if (r->f[k].is_int)
                sqlite3_bind_int64(insf, 3, r->f[k].i);
            else
                sqlite3_bind_text(insf, 3, r->f[k].s, -1, SQLITE_STATIC);
            sqlite3_bind_int64(insf, 4, r->f[k].count);
            if (sqlite3_step(insf) != SQLITE_DONE)
                die_sql("storing a field");
            (*fields)++;
        }
    }
    nrecs = 0;
}

/* ---- after the sessions: baseline, labels, alerts through the store API ------------ */

static void store_extras(const char *path, int64_t last_day_us)
{
    struct otw_err err = {0};
    struct otw_store *st = otw_store_open(path, false, &err);
    size_t nbl = 0;

    if (st == NULL || otw_store_graph_rebuild(st, &err) != 0 ||
        otw_store_txn_begin(st, &err) != 0) {
        fprintf(stderr, "gen-sessions: %s\n", err.msg);
        exit(1);
    }
    for (uint32_t i = 0; i < BL_SLOTS; i++) {
        struct blkey *k = &bl[i];
        struct otw_bl_entry e;
        uint16_t port = k->port;

        if (!k->used)
            continue;
        memset(&e, 0, sizeof(e));
        memcpy(e.k.client, k->c, 16);
        memcpy(e.k.server, k->s, 16);
        e.k.proto = k->proto;
        e.k.port = port;
        snprintf(e.k.app, sizeof(e.k.app), "%s", k->app ? k->app : "");
        e.status = OTW_BL_APPROVED;
        e.category = port == 22 || port == 3389 ||
                     ((port == 502 || port == 102) && k->sessions < 2000)
                         ? OTW_BL_MAINTENANCE : OTW_BL_OPERATIONAL;
        e.sessions = k->sessions;
        e.bytes = k->bytes;
        e.first_us = k->first;
        e.last_us = k->last;
        if (otw_store_bl_entry_put(st, &e, &err) != 0)
            goto fail;
        nbl++;
    }
    if (otw_store_bl_meta_set(st, "mode", "protecting", &err) != 0)
        goto fail;
    {
        /* the inventory: one row per plant address, its MAC binding */
        static struct otw_asset_row rows[MAX_HOSTS];
        static struct otw_asset_binding_row binds[MAX_HOSTS];
        struct otw_asset_batch b = {rows, 0, NULL, 0, binds, 0};
        for (int i = 0; i < nhosts; i++) {
            if (hosts[i].cls == C_EXT || hosts[i].cls == C_C2)
                continue;
            memcpy(rows[b.nrows].key, hosts[i].ip, 16);
            rows[b.nrows].keylen = 16;
            rows[b.nrows].first_us = last_day_us - (int64_t)(LEARN_DAYS * 86400LL * 1000000);
            rows[b.nrows].last_us = last_day_us + 86400LL * 1000000 - 1;
            rows[b.nrows].sessions_out = rows[b.nrows].sessions_in = 1;
            b.nrows++;
            memcpy(binds[b.nbindings].mac, hosts[i].mac, 6);
            memcpy(binds[b.nbindings].ip, hosts[i].ip, 16);
            binds[b.nbindings].sources = OTW_BIND_ARP | OTW_BIND_SESSION;
            binds[b.nbindings].count = 1;
            binds[b.nbindings].first_us = rows[b.nrows - 1].first_us;
            binds[b.nbindings].last_us = rows[b.nrows - 1].last_us;
            b.nbindings++;
        }
        if (otw_store_assets_put(st, &b, &err) != 0)
            goto fail;
    }
    for (int i = 0; i < nhosts; i++) {
        struct otw_asset_label_row l;
        if (hosts[i].name[0] == '\0')
            continue;
        memset(&l, 0, sizeof(l));
        memcpy(l.key, hosts[i].ip, 16);
        l.keylen = 16;
        snprintf(l.name, sizeof(l.name), "%s", hosts[i].name);
        snprintf(l.role, sizeof(l.role), "%s", hosts[i].role ? hosts[i].role : "");
        l.updated_us = last_day_us;
        if (otw_store_asset_label_set(st, &l, &err) != 0)
            goto fail;
    }
    {
        struct otw_alert a;
        memset(&a, 0, sizeof(a));
        a.kind = OTW_AK_PORT_SCAN;
        a.severity = OTW_SEV_HIGH;
        a.status = OTW_AS_OPEN;
        snprintf(a.key, sizeof(a.key), "scan 10.10.1.99");
        memcpy(a.src, hosts[first_of[C_LAPTOP]].ip, 16);
        memcpy(a.dst, nth(C_MB, 0)->ip, 16);
        a.has_src = a.has_dst = true;
        snprintf(a.src_label, sizeof(a.src_label), "10.10.1.99");
        snprintf(a.dst_label, sizeof(a.dst_label), "plc-mb01 (PLC)");
        snprintf(a.detail, sizeof(a.detail), "window_s=60 targets=10.10.2.101,10.10.2.102,"
                 "10.10.2.103 nhosts=30 nports=10 probes=300");
        a.count = 300;
        a.first_us = last_day_us + 3 * HOUR_US;
        a.last_us = a.first_us + 600000000LL;
        otw_alert_explain(&a);
        if (otw_store_alert_put(st, &a, 0, 300, &err) != 0)
            goto fail;
        memset(&a, 0, sizeof(a));
        a.kind = OTW_AK_OUTBOUND_CONNECTED;
        a.severity = OTW_SEV_HIGH;
        a.status = OTW_AS_OPEN;
        snprintf(a.key, sizeof(a.key), "outbound 10.10.1.23 203.0.113.66");
        memcpy(a.src, nth(C_HMI, 2)->ip, 16);
        memcpy(a.dst, hosts[first_of[C_C2]].ip, 16);
        a.has_src = a.has_dst = true;
        a.proto = 6;
        a.port = 443;
        snprintf(a.src_label, sizeof(a.src_label), "hmi03 (HMI)");
        snprintf(a.dst_label, sizeof(a.dst_label), "203.0.113.66");
        snprintf(a.detail, sizeof(a.detail), "class=data-transfer bytes_out=1000000");
        a.count = 24;
        a.first_us = last_day_us + 5 * HOUR_US;
        a.last_us = last_day_us + 9 * HOUR_US;
        otw_alert_explain(&a);
        if (otw_store_alert_put(st, &a, 0, 24, &err) != 0)
            goto fail;
    }
    if (otw_store_txn_commit(st, &err) != 0)
        goto fail;
    otw_store_close(st);
    fprintf(stderr, "baseline: %zu approved entries (first %d days); labels and 2 open alerts\n",
            nbl, LEARN_DAYS);
    return;
fail:
    fprintf(stderr, "gen-sessions: %s\n", err.msg);
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    uint64_t n = 10000000, fields = 0, written = 0;
    int days = 90, opt;
    const char *out = NULL;
    struct otw_err err = {0};
    struct otw_store *st;
    char **idx = NULL;
    int nidx = 0;
    sqlite3_stmt *q;
    double t0 = now_s(), t1;
    int64_t start_us, hours;
    double short_per_weight, acc = 0;
    double total_weight = 0;

    rng = 1;
    while ((opt = getopt(argc, argv, "n:d:s:o:")) != -1) {
        switch (opt) {
        case 'n': n = strtoull(optarg, NULL, 10); break;
        case 'd': days = atoi(optarg); break;
        case 's': rng = strtoull(optarg, NULL, 10) * 0x9e3779b97f4a7c15ULL + 1; break;
        case 'o': out = optarg; break;
        default: goto usage;
        }
    }
    if (out == NULL || days < LEARN_DAYS + 1 || days > 3650 || n < 100000)
        goto usage;

    /* The store makes the schema. */
    if ((st = otw_store_open(out, false, &err)) == NULL) {
        fprintf(stderr, "gen-sessions: %s\n", err.msg);
        return 1;
    }
    otw_store_close(st);
    if (sqlite3_open(out, &db) != SQLITE_OK)
        die_sql("opening");
    /* Bulk load: no journal (a failed run leaves a file to throw away), big cache. */
    exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;"
         " PRAGMA temp_store=MEMORY");
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sessions", -1, &q, NULL) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW)
        die_sql("counting");
    if (sqlite3_column_int64(q, 0) != 0) {
        fprintf(stderr, "gen-sessions: %s already holds sessions: give a new file\n", out);
        return 1;
    }
    sqlite3_finalize(q);
    exec("INSERT OR IGNORE INTO points(id, name) VALUES (1, 'plant-core')");

    /* Drop the secondary indexes and the triggers (graph_hours is summed
     * afterwards by the store), remembering their exact definitions. */
    if (sqlite3_prepare_v2(db,
                "SELECT name, sql, type FROM sqlite_master WHERE type IN ('index', 'trigger')"
                " AND sql IS NOT NULL AND tbl_name IN ('sessions', 'session_fields')",
                -1, &q, NULL) != SQLITE_OK)
        die_sql("reading the schema");
    while (sqlite3_step(q) == SQLITE_ROW) {
        idx = realloc(idx, (size_t)(nidx + 1) * 2 * sizeof(*idx));
        idx[2 * nidx] = strdup((const char *)sqlite3_column_text(q, 0));
        idx[2 * nidx + 1] = strdup((const char *)sqlite3_column_text(q, 1));
        nidx++;
    }
    sqlite3_finalize(q);
    exec("BEGIN");
    for (int i = 0; i < nidx; i++) {
        char sql[300];
        snprintf(sql, sizeof(sql), "DROP %s \"%s\"",
                 strncmp(idx[2 * i + 1], "CREATE TRIGGER", 14) == 0 ? "TRIGGER" : "INDEX",
                 idx[2 * i]);
        exec(sql);
    }
    if (sqlite3_prepare_v2(db,
                "INSERT INTO sessions(start_us, end_us, ipver, proto, src_ip, src_port, dst_ip,"
                " dst_port, src_mac, dst_mac, vlan1, vlan2, src_packets, src_bytes, src_payload,"
                " src_flags, dst_packets, dst_bytes, dst_payload, dst_flags, state, icmp_type,"
                " icmp_code, community_id, segment, continued, end_reason, point_id, file_id,"
                " protocols, protocol_guess, uid)"
                " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,"
                "?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32)", -1, &ins, NULL)
            != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                "INSERT INTO session_fields(session_id, field, value, count) VALUES (?1,?2,?3,?4)",
                -1, &insf, NULL) != SQLITE_OK)
        die_sql("preparing");

    make_plant();
    make_pairs();
    bl = calloc(BL_SLOTS, sizeof(*bl));
    hours = (int64_t)days * 24;
    start_us = (END_SEC - (int64_t)days * 86400) * 1000000LL;

    /* Short sessions share what the long ones leave, by hour weight. */
    for (int64_t h = 0; h < hours; h++) {
        int64_t local = (start_us / 1000000 + h * 3600 + 9 * 3600);
        int wday = (int)((local / 86400 + 4) % 7);   /* 1970-01-01 was a Thursday */
        int hod = (int)(local % 86400 / 3600);
        total_weight += (wday >= 1 && wday <= 5 && hod >= 8 && hod < 18) ? 4.0 : 1.0;
    }
    if ((uint64_t)(npairs * hours) + 1000 > n) {
        fprintf(stderr, "gen-sessions: %llu sessions are too few for %d days\n",
                (unsigned long long)n, days);
        return 1;
    }
    short_per_weight = (double)(n - (uint64_t)(npairs * hours) - INCIDENTS) / total_weight;

    for (int64_t h = 0; h < hours; h++) {
        int64_t hour_us = start_us + h * HOUR_US;
        int64_t local = hour_us / 1000000 + 9 * 3600;
        int wday = (int)((local / 86400 + 4) % 7);
        int hod = (int)(local % 86400 / 3600);
        bool office = wday >= 1 && wday <= 5 && hod >= 8 && hod < 18;
        long k;

        long_hour(hour_us);
        acc += short_per_weight * (office ? 4.0 : 1.0);
        k = (long)acc;
        acc -= (double)k;
        if (h == hours - 1)             /* the remainder, so the count is exact */
            k = (long)(n - written - nrecs);
        for (long i = 0; i < k; i++)
            short_one(hour_us + (int64_t)(rnd() % (uint64_t)HOUR_US), office);
        if (h >= hours - 24)
            incidents(hour_us, (int)(h - (hours - 24)));
        if (h < (int64_t)LEARN_DAYS * 24)
            for (size_t i = 0; i < nrecs; i++)
                bl_observe(&recs[i]);
        written += nrecs;
        write_recs(&fields);
        if (h % (24 * 10) == 0 && h > 0)
            fprintf(stderr, "  day %lld: %llu sessions, %.0f s\n", (long long)(h / 24),
                    (unsigned long long)written, now_s() - t0);
    }
    exec("COMMIT");
    t1 = now_s();
    fprintf(stderr, "%llu sessions, %llu fields, %d days ending %s in %.0f s; indexing ...\n",
            (unsigned long long)written, (unsigned long long)fields, days, "2026-11-20T00:00Z",
            t1 - t0);
    exec("BEGIN");
    for (int i = 0; i < nidx; i++) {
        exec(idx[2 * i + 1]);
        free(idx[2 * i]);
        free(idx[2 * i + 1]);
    }
    exec("COMMIT");
    fprintf(stderr, "indexes and triggers re-created in %.0f s\n", now_s() - t1);
    free(idx);
    sqlite3_finalize(ins);
    sqlite3_finalize(insf);
    exec("PRAGMA journal_mode=WAL");    /* as the store keeps it */
    sqlite3_close(db);
    store_extras(out, start_us + (int64_t)(days - 1) * 86400 * 1000000LL);
    free(bl);
    free(recs);
    fprintf(stderr, "done in %.0f s\n", now_s() - t0);
    return 0;
usage:
    fprintf(stderr, "usage: gen-sessions -o NEW.db [-n SESSIONS (>= 100000)] [-d DAYS (>= %d)] "
                    "[-s SEED]\n", LEARN_DAYS + 1);
    return 2;
}
