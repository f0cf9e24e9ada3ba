/*
 * test_sqlite_query.c - query expressions compiled to SQL and run against a
 * real in-memory SQLite database with the sessions schema and a handful of
 * rows; each case checks which row ids match. That is the outcome that
 * matters: either-side addresses, CIDR on IPv4 and IPv6, lists, wildcards,
 * negation with missing values, times as spans, and values full of SQL
 * metacharacters that must match nothing and break nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "core/session.h"
#include "query/query.h"
#include "store/sqlite_query.h"

static const char schema[] =
    "CREATE TABLE points(id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
    "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT, sha256 BLOB);"
    "CREATE TABLE sessions(id INTEGER PRIMARY KEY, start_us INTEGER, end_us INTEGER,"
    " ipver INTEGER, proto INTEGER, src_ip BLOB, src_port INTEGER, dst_ip BLOB,"
    " dst_port INTEGER, src_mac BLOB, dst_mac BLOB, vlan1 INTEGER, vlan2 INTEGER,"
    " src_packets INTEGER, src_bytes INTEGER, src_payload INTEGER, src_flags INTEGER,"
    " dst_packets INTEGER, dst_bytes INTEGER, dst_payload INTEGER, dst_flags INTEGER,"
    " state TEXT, icmp_type INTEGER, icmp_code INTEGER, community_id TEXT, protocols TEXT,"
    " segment INTEGER, continued INTEGER, end_reason TEXT,"
    " point_id INTEGER REFERENCES points(id), file_id INTEGER REFERENCES files(id),"
    " protocol_guess TEXT);"
    "CREATE TABLE session_fields(session_id INTEGER, field TEXT, value, count INTEGER);"
    /* parser fields: session 1 wrote and read, 6 only read; 3 had a port guess */
    "INSERT INTO session_fields VALUES (1, 'ot.class', 'write', 3), (1, 'ot.class', 'read', 9),"
    " (6, 'ot.class', 'read', 2), (1, 'other.num', 7, 1);"
    "CREATE INDEX sessions_src_ip ON sessions(src_ip);"
    "CREATE INDEX sessions_dst_ip ON sessions(dst_ip);"
    /* the baseline fields look up this table (sqlite_baseline.c has the real one) */
    "CREATE TABLE baseline_entries(client BLOB, server BLOB, proto INTEGER, port INTEGER,"
    " rank INTEGER);"
    "INSERT INTO points VALUES (1, 'boundary-fw'), (2, 'control-sw1');"
    "INSERT INTO files VALUES (1, '/data/day1/a.pcap', NULL), (2, '/data/day2/b.pcap', NULL),"
    " (3, '/tmp/it''s [odd] 100%_x.pcap', NULL);";

#define T0 1714521600LL             /* 2024-05-01T00:00:00Z */
#define US 1000000LL
#define SYN OTW_TCP_SYN
#define ACK OTW_TCP_ACK
#define FIN OTW_TCP_FIN
#define RST OTW_TCP_RST

struct row {
    int64_t start_us, end_us;
    int ipver, proto;
    const char *src, *dst;
    int sport, dport;
    const char *smac, *dmac;
    int vlan1, vlan2;       /* -1: NULL */
    int64_t spk, sby, spl, dpk, dby, dpl;
    int sfl, dfl;
    const char *state;
    int icmp_type, icmp_code;   /* -1: NULL */
    const char *cid, *protocols;
    int segment, continued;
    const char *end;
    int point, file;        /* 0: NULL */
};

static const struct row rows[] = {
    /* 1: Modbus poll, VLAN 10, the day's first */
    {(T0 + 36000) * US, (T0 + 36030) * US + 500000, 4, 6, "10.0.0.5", "10.0.0.10", 40000, 502,
     "00:11:22:33:44:55", "66:77:88:99:aa:bb", 10, -1, 10, 1000, 100, 8, 800, 80,
     SYN | ACK, SYN | ACK | FIN, "established", -1, -1, "1:abc", " modbus ", 0, 0, "closed", 1,
     1},
    /* 2: SSH the other way, reset, starts exactly at midnight of the 2nd */
    {(T0 + 86400) * US, (T0 + 86401) * US, 4, 6, "10.0.0.10", "10.0.0.5", 1234, 22,
     "66:77:88:99:aa:bb", "00:11:22:33:44:55", -1, -1, 1, 60, 0, 1, 60, 0, SYN, RST | ACK,
     "reset", -1, -1, "1:def", "", 0, 0, "closed", 2, 2},
    /* 3: mDNS broadcast, QinQ 100/20, the last microsecond of the 1st */
    {(T0 + 86400) * US - 1, (T0 + 86400) * US, 4, 17, "192.168.1.77", "192.168.1.255", 5353,
     5353, "00:aa:00:aa:00:aa", "ff:ff:ff:ff:ff:ff", 100, 20, 1, 90, 48, 0, 0, 0, 0, 0,
     "attempt", -1, -1, "1:ghi", " mdns ", 0, 0, "idle", 1, 1},
    /* 4: ICMPv6 neighbour solicitation, no point, odd file name */
    {(T0 - 1) * US, T0 * US - 1, 6, 58, "fe80::1", "ff02::1:ff00:2", 0, 0, "00:bb:00:bb:00:bb",
     "33:33:ff:00:00:02", -1, -1, 1, 86, 32, 0, 0, 0, 0, 0, "attempt", 135, 0, "1:jkl", "", 0, 0,
     "eof", 0, 3},
    /* 5: TLS+RDP over IPv6, second segment of a split session */
    {(T0 + 2 * 86400 + 43200) * US, (T0 + 2 * 86400 + 43201) * US, 6, 6, "2001:db8::5",
     "2001:db8:1::9", 443, 3389, "00:cc:00:cc:00:cc", "00:dd:00:dd:00:dd", -1, -1, 3, 300,
     200, 3, 300, 200, ACK, ACK, "timeout", -1, -1, "1:mno", " tls rdp ", 1, 1, "split", 2,
     2},
    /* 6: RDP attempt rejected */
    {(T0 + 36030) * US, (T0 + 36031) * US, 4, 6, "10.0.0.5", "172.16.0.1", 50000, 3389,
     "00:11:22:33:44:55", "00:ee:00:ee:00:ee", -1, -1, 1, 60, 0, 1, 60, 0, SYN, RST | ACK,
     "rejected", -1, -1, "1:pqr", " modbus tls ", 0, 0, "closed", 1, 1},
};

static sqlite3 *db;

static void bind_ip(sqlite3_stmt *s, int i, const char *txt)
{
    uint8_t ip[16];

    assert_int_equal(otw_ip_parse(txt, ip), 0);
    assert_int_equal(sqlite3_bind_blob(s, i, ip, 16, SQLITE_TRANSIENT), SQLITE_OK);
}

static void bind_mac(sqlite3_stmt *s, int i, const char *txt)
{
    uint8_t mac[6];

    assert_int_equal(otw_mac_parse(txt, mac), 0);
    assert_int_equal(sqlite3_bind_blob(s, i, mac, 6, SQLITE_TRANSIENT), SQLITE_OK);
}

static void bind_opt(sqlite3_stmt *s, int i, int v)
{
    if (v < 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int(s, i, v);
}

static int setup(void **state)
{
    sqlite3_stmt *s;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
        "INSERT INTO sessions VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", -1, &s, NULL), SQLITE_OK);
    for (size_t r = 0; r < OTW_ARRAY_LEN(rows); r++) {
        const struct row *x = &rows[r];
        int i = 1;

        sqlite3_reset(s);
        sqlite3_bind_int64(s, i++, x->start_us);
        sqlite3_bind_int64(s, i++, x->end_us);
        sqlite3_bind_int(s, i++, x->ipver);
        sqlite3_bind_int(s, i++, x->proto);
        bind_ip(s, i++, x->src);
        sqlite3_bind_int(s, i++, x->sport);
        bind_ip(s, i++, x->dst);
        sqlite3_bind_int(s, i++, x->dport);
        bind_mac(s, i++, x->smac);
        bind_mac(s, i++, x->dmac);
        bind_opt(s, i++, x->vlan1);
        bind_opt(s, i++, x->vlan2);
        sqlite3_bind_int64(s, i++, x->spk);
        sqlite3_bind_int64(s, i++, x->sby);
        sqlite3_bind_int64(s, i++, x->spl);
        sqlite3_bind_int(s, i++, x->sfl);
        sqlite3_bind_int64(s, i++, x->dpk);
        sqlite3_bind_int64(s, i++, x->dby);
        sqlite3_bind_int64(s, i++, x->dpl);
        sqlite3_bind_int(s, i++, x->dfl);
        sqlite3_bind_text(s, i++, x->state, -1, SQLITE_STATIC);
        bind_opt(s, i++, x->icmp_type);
        bind_opt(s, i++, x->icmp_code);
        sqlite3_bind_text(s, i++, x->cid, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, i++, x->protocols, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, i++, x->segment);
        sqlite3_bind_int(s, i++, x->continued);
        sqlite3_bind_text(s, i++, x->end, -1, SQLITE_STATIC);
        bind_opt(s, i++, x->point ? x->point : -1);
        bind_opt(s, i++, x->file ? x->file : -1);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    }
    sqlite3_finalize(s);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(db);
    db = NULL;
    return 0;
}

static char ids[256];
static char lastsql[1 << 16];

/* Runs expr and returns the matching ids, "1,2,6" ("" for none). The SELECT
 * joins points and files (as the store does) and puts a parameter of its own
 * before the clause, so first_index and name resolution are exercised. */
static const char *ids_of(const char *expr)
{
    struct otw_query *q = NULL;
    struct otw_qerr qe;
    struct otw_err err;
    struct otw_sqlq w;
    sqlite3_stmt *s = NULL;
    char *sql;
    size_t o = 0;
    int rc;

    if (otw_query_parse(expr, &q, &qe) != 0)
        fail_msg("'%s' did not parse: col %d: %s", expr, qe.column, qe.msg);
    rc = otw_sqlq_compile(q, &w, &err);
    if (rc != 0)
        fail_msg("'%s' did not compile: %s", expr, err.msg);
    snprintf(lastsql, sizeof(lastsql), "%s", w.where);
    sql = sqlite3_mprintf("SELECT sessions.id FROM sessions"
                          " LEFT JOIN points ON points.id = sessions.point_id"
                          " LEFT JOIN files ON files.id = sessions.file_id"
                          " WHERE sessions.id > ? AND (%s) ORDER BY sessions.id", w.where);
    assert_non_null(sql);
    rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        fail_msg("'%s': %s\nSQL: %s", expr, sqlite3_errmsg(db), sql);
    sqlite3_free(sql);
    assert_int_equal(sqlite3_bind_parameter_count(s), (int)w.nbinds + 1);
    sqlite3_bind_int(s, 1, 0);
    assert_int_equal(otw_sqlq_bind(s, &w, 2), 0);
    ids[0] = '\0';
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        o += (size_t)snprintf(ids + o, sizeof(ids) - o, "%s%lld", o ? "," : "",
                              (long long)sqlite3_column_int64(s, 0));
    if (rc != SQLITE_DONE)
        fail_msg("'%s': step: %s", expr, sqlite3_errmsg(db));
    sqlite3_finalize(s);
    otw_sqlq_free(&w);
    otw_query_free(q);
    return ids;
}

#define MATCH(expr, want)                                                               \
    do {                                                                                 \
        const char *got_ = ids_of(expr);                                                 \
        if (strcmp(got_, (want)) != 0)                                                   \
            fail_msg("'%s': matched [%s], want [%s]\nWHERE %s", (expr), got_, (want),   \
                     lastsql);                                                           \
    } while (0)

static void test_addresses(void **state)
{
    (void)state;
    MATCH("ip == 10.0.0.5", "1,2,6");
    MATCH("ip.src == 10.0.0.5", "1,6");
    MATCH("source.ip == 10.0.0.5 && destination.ip == 10.0.0.10", "1");
    MATCH("ip != 10.0.0.5", "3,4,5");
    MATCH("ip.src == 10.0.0.0/8", "1,2,6");
    MATCH("ip == 192.168.1.0/24", "3");
    MATCH("ip == 172.16.0.0/12", "6");
    MATCH("ip == 0.0.0.0/0", "1,2,3,6");
    MATCH("ip == ::/0", "1,2,3,4,5,6");
    MATCH("ip == 2001:db8::/32", "5");
    MATCH("ip.dst == 2001:db8:1::/48", "5");
    MATCH("ip.src == 2001:db8:1::/48", "");
    MATCH("ip == fe80::/10", "4");
    MATCH("ip == [10.0.0.10, fe80::/10]", "1,2,4");
    MATCH("ip != [10.0.0.0/8, 2001:db8::/32]", "3,4");
    MATCH("mac == 00:11:22:33:44:55", "1,2,6");
    MATCH("mac.dst == ff-ff-ff-ff-ff-ff", "3");
    MATCH("mac.src != 00:11:22:33:44:55", "2,3,4,5");
}

static void test_numbers(void **state)
{
    (void)state;
    MATCH("port.dst == [22, 3389]", "2,5,6");
    MATCH("port == 502", "1");
    MATCH("port != 502", "2,3,4,5,6");
    MATCH("port.dst >= 3389", "3,5,6");
    MATCH("port < 100", "2,4");
    MATCH("port == EXISTS!", "1,2,3,5,6");
    MATCH("ip.protocol == udp", "3");
    MATCH("network.transport == ipv6-icmp", "4");
    MATCH("ip.protocol == [6, 17]", "1,2,3,5,6");
    MATCH("network.type == ipv6", "4,5");
    MATCH("icmp.type == 135 && icmp.code == 0", "4");
    MATCH("icmp.type != 135", "1,2,3,5,6");
    MATCH("icmp.type == EXISTS!", "4");
    MATCH("packets > 10", "1");
    MATCH("network.packets == 18", "1");
    MATCH("bytes.src == 1000 && bytes.dst == 800", "1");
    MATCH("bytes >= 600", "1,5");
    MATCH("bytes == 1800", "1");
    MATCH("databytes > 150", "1,5");
    MATCH("databytes.src == 48", "3");
    MATCH("duration >= 30", "1");
    MATCH("duration == 0", "3,4");
    MATCH("id == [2, 4]", "2,4");
    MATCH("id > 4", "5,6");
    MATCH("segment == 1 && continued == true && end == split", "5");
    MATCH("continued == false", "1,2,3,4,6");
    MATCH("vlan == 10", "1");
    MATCH("vlan == 20", "3");
    MATCH("network.vlan.id == [20, 10]", "1,3");
    /* no VLAN is "not 10": != and ! agree and keep sessions without the field */
    MATCH("vlan != 10", "2,3,4,5,6");
    MATCH("!(vlan == 10)", "2,3,4,5,6");
    MATCH("!(vlan != 10)", "1");
    MATCH("vlan == EXISTS!", "1,3");
    MATCH("vlan != EXISTS!", "2,4,5,6");
    MATCH("vlan < 50", "1,3");
}

static void test_names(void **state)
{
    (void)state;
    MATCH("state == established", "1");
    MATCH("otwatch.state != [reset, timeout]", "1,3,4,6");
    MATCH("tcpflags.src == syn", "1,2,6");
    MATCH("tcpflags.dst == rst", "2,6");
    MATCH("tcpflags.dst == [fin, rst]", "1,2,6");
    MATCH("tcpflags.dst != rst", "1,3,4,5");
    MATCH("tcpflags.src == syn && tcpflags.dst == rst", "2,6");
    MATCH("tcpflags.src == EXISTS!", "1,2,5,6");
    MATCH("protocols == modbus", "1,6");
    MATCH("network.protocol == tls", "5,6");
    MATCH("protocols == [mdns, rdp]", "3,5");
    MATCH("protocols != modbus", "2,3,4,5");
    MATCH("protocols == mod*", "1,6");
    MATCH("protocols == *s", "1,3,5,6");
    MATCH("protocols == m*s", "1,3,6");
    /* a wildcard matches one name, never across two */
    MATCH("protocols == tls*rdp", "");
    MATCH("protocols == *", "1,3,5,6");
    MATCH("protocols == EXISTS!", "1,3,5,6");
    MATCH("protocols != EXISTS!", "2,4");
    MATCH("community_id == '1:abc'", "1");
    MATCH("community_id == '1:?[bd]?'", "");   /* [ is literal, not a class */
    MATCH("community_id == 1:?e?", "2");
    MATCH("end == closed && state != reset", "1,6");
    /* parser fields live in session_fields, one row per distinct value */
    MATCH("ot.class == write", "1");
    MATCH("ot.class == read", "1,6");
    MATCH("ot.class == [write, control]", "1");
    MATCH("ot.class != write", "2,3,4,5,6");
    MATCH("ot.class == wr*", "1");
    MATCH("ot.class == EXISTS!", "1,6");
    MATCH("!(ot.class == EXISTS!)", "2,3,4,5");
    MATCH("ot.class == read && !(ot.class == write)", "6");
    MATCH("ot.class == \"x' OR 1=1 --\"", "");
}

static void test_points_files(void **state)
{
    (void)state;
    MATCH("point == boundary-fw", "1,3,6");
    MATCH("otwatch.point != boundary-fw", "2,4,5");
    MATCH("point == [boundary-fw, control*]", "1,2,3,5,6");
    MATCH("point == Boundary-FW", "");
    MATCH("point == EXISTS!", "1,2,3,5,6");
    MATCH("point != EXISTS!", "4");
    MATCH("file == *day1*", "1,3,6");
    MATCH("file == /data/*", "1,2,3,5,6");
    MATCH("file == /data/day?/b.pcap", "2,5");
    MATCH("file == \"/tmp/it's [odd] 100%_x.pcap\"", "4");
    MATCH("file == \"*[odd]*\"", "4");
    MATCH("file == *100%_x*", "4");
    MATCH("file == *100%%*", "");
    MATCH("file == *_*", "4");
    MATCH("file == \"*\\*\"", "");
    MATCH("otwatch.file != *day1*", "2,4,5");
}

static void test_times(void **state)
{
    (void)state;
    MATCH("starttime == 2024-05-01", "1,3,6");
    MATCH("starttime < 2024-05-01", "4");
    MATCH("starttime <= 2024-05-01", "1,3,4,6");
    MATCH("starttime > 2024-05-01", "2,5");
    MATCH("starttime >= 2024-05-02", "2,5");
    MATCH("starttime == \"2024-05-01 10:00\"", "1,6");
    MATCH("event.start == 2024-05-01T10:00:00Z", "1");
    MATCH("event.start == 2024-05-01T12:00:00+02:00", "1");
    MATCH("starttime == 1714557600", "1");
    MATCH("starttime >= 1714557600.5", "2,3,5,6");
    MATCH("stoptime < 2024-05-01", "4");
    MATCH("event.end == [2024-04-30, 2024-05-03]", "4,5");
}

static void test_logic(void **state)
{
    (void)state;
    MATCH("(ip.src == 10.0.0.0/8 || ip == 2001:db8::/32) && !(port.dst == 502) &&"
          " protocols != modbus", "2,5");
    MATCH("port == 22 || port == 502 && ip.src == 10.0.0.10", "2");
    MATCH("(port == 22 || port == 502) && ip.src == 10.0.0.5", "1");
    MATCH("!!ip == 10.0.0.5", "1,2,6");
    MATCH("", "1,2,3,4,5,6");
}

/* Values full of SQL match nothing, break nothing, and never reach the text. */
static void test_injection(void **state)
{
    static const char *const evil[] = {
        "file == \"'; DROP TABLE sessions; --\"",
        "community_id == \"x' OR '1'='1\"",
        "point == \"boundary-fw' OR 1=1 --\"",
        "state != established && file == \"\\\") OR 1=1 --\"",
        "protocols == \"'\"",
        "protocols == \"'*\"",
        "protocols == \"x\\\"]'*\"",
        "file == \"%\"",
        "community_id == '1:abc\\'; DELETE FROM sessions; --'",
    };
    sqlite3_stmt *s;

    (void)state;
    for (size_t i = 0; i < OTW_ARRAY_LEN(evil); i++) {
        MATCH(evil[i], "");
        assert_null(strstr(lastsql, "DROP"));
        assert_null(strstr(lastsql, "'1'"));
        assert_null(strstr(lastsql, "DELETE"));
        assert_null(strstr(lastsql, "%"));
    }
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sessions", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 6);
    sqlite3_finalize(s);
    MATCH("ip == 10.0.0.5", "1,2,6");
}

static void test_sql_shape(void **state)
{
    struct otw_query *q = NULL;
    struct otw_qerr qe;
    struct otw_err err;
    struct otw_sqlq w;
    sqlite3_stmt *s;
    char *sql;
    bool indexed = false;

    (void)state;
    ids_of("port.dst == [22, 3389]");
    assert_string_equal(lastsql, "sessions.dst_port IN (?, ?)");
    ids_of("ip.src == 10.0.0.0/8");
    assert_string_equal(lastsql, "(sessions.src_ip BETWEEN ? AND ?)");
    ids_of("ip != 10.0.0.5");
    assert_string_equal(lastsql, "(((sessions.src_ip = ? OR sessions.dst_ip = ?)) IS NOT 1)");
    ids_of("point == boundary-fw");
    assert_string_equal(lastsql,
                        "sessions.point_id IN (SELECT id FROM points WHERE name = ?)");

    /* the CIDR query uses the address index */
    assert_int_equal(otw_query_parse("ip.src == 10.0.0.0/8", &q, &qe), 0);
    assert_int_equal(otw_sqlq_compile(q, &w, &err), 0);
    sql = sqlite3_mprintf("EXPLAIN QUERY PLAN SELECT id FROM sessions WHERE %s", w.where);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(otw_sqlq_bind(s, &w, 1), 0);
    while (sqlite3_step(s) == SQLITE_ROW)
        if (strstr((const char *)sqlite3_column_text(s, 3), "sessions_src_ip") != NULL)
            indexed = true;
    assert_true(indexed);
    sqlite3_finalize(s);
    sqlite3_free(sql);
    otw_sqlq_free(&w);
    otw_query_free(q);

    /* NULL and empty queries match everything */
    assert_int_equal(otw_sqlq_compile(NULL, &w, &err), 0);
    assert_string_equal(w.where, "1");
    assert_int_equal(w.nbinds, 0);
    otw_sqlq_free(&w);
    otw_sqlq_free(&w);      /* freed twice: a no-op */
}

/* The largest expressions the parser lets through still compile and run. */
static void test_big(void **state)
{
    char *big = malloc(OTW_QUERY_MAX_LEN + 1);
    size_t o = 0;

    (void)state;
    /* 500 comparisons in one chain: the SQL is a balanced tree */
    for (int i = 0; i < 500; i++)
        o += (size_t)snprintf(big + o, 16, "%sid==%d", i ? "||" : "", i % 7);
    MATCH(big, "1,2,3,4,5,6");
    /* a list of 256 CIDR ranges on both sides */
    o = (size_t)snprintf(big, 16, "ip==[");
    for (int i = 0; i < OTW_QUERY_MAX_LIST; i++)
        o += (size_t)snprintf(big + o, 16, "%s%d.0.0.0/8", i ? "," : "", i);
    o += (size_t)snprintf(big + o, 4, "]");
    MATCH(big, "1,2,3,6");
    /* 32 levels of ! */
    o = 0;
    for (int i = 0; i < OTW_QUERY_MAX_DEPTH; i++)
        big[o++] = '!';
    snprintf(big + o, 32, "ip == 10.0.0.5");
    MATCH(big, "1,2,6");     /* an even number of ! cancels out */
    /* 32 levels alternating ! and ( || ) */
    o = 0;
    for (int i = 0; i < OTW_QUERY_MAX_DEPTH / 2; i++)
        o += (size_t)snprintf(big + o, 32, "!(port == %d || ", i + 1000);
    o += (size_t)snprintf(big + o, 32, "vlan == 10");
    for (int i = 0; i < OTW_QUERY_MAX_DEPTH / 2; i++)
        big[o++] = ')';
    big[o] = '\0';
    MATCH(big, "1");        /* 16 negations cancel out */
    free(big);
}

static void test_order_by(void **state)
{
    char buf[256];
    struct otw_err err;
    sqlite3_stmt *s;
    char *sql;
    size_t o = 0;

    (void)state;
    assert_int_equal(otw_sqlq_order_by("port.dst", true, buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "sessions.dst_port DESC, sessions.id DESC");
    assert_int_equal(otw_sqlq_order_by(NULL, false, buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "sessions.start_us ASC, sessions.id ASC");
    assert_int_equal(otw_sqlq_order_by("otwatch.point", false, buf, sizeof(buf), &err), 0);
    sql = sqlite3_mprintf("SELECT id FROM sessions ORDER BY %s", buf);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    ids[0] = '\0';
    while (sqlite3_step(s) == SQLITE_ROW)
        o += (size_t)snprintf(ids + o, sizeof(ids) - o, "%s%d", o ? "," : "",
                              sqlite3_column_int(s, 0));
    assert_string_equal(ids, "4,1,3,6,2,5");    /* NULL first, then by name */
    sqlite3_finalize(s);
    sqlite3_free(sql);
    /* every session field but the either-side ones sorts (parser fields,
     * many values per session, do not) */
    assert_int_equal(otw_sqlq_order_by("ot.class", false, buf, sizeof(buf), &err), OTW_EINVAL);
    for (int id = 0; id < OTW_F_APP; id++) {
        const struct otw_field *f = otw_fields_get(id);
        int rc = otw_sqlq_order_by(f->name, false, buf, sizeof(buf), &err);

        if (f->flags & OTW_FF_EITHER && id != OTW_F_VLAN) {
            assert_int_equal(rc, OTW_EINVAL);
            assert_non_null(strstr(err.msg, "either side"));
            continue;
        }
        assert_int_equal(rc, 0);
        sql = sqlite3_mprintf("SELECT id FROM sessions ORDER BY %s", buf);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
        sqlite3_finalize(s);
        sqlite3_free(sql);
    }
    assert_int_equal(otw_sqlq_order_by("port.dts", false, buf, sizeof(buf), &err), OTW_EINVAL);
    assert_string_equal(err.msg, "unknown sort field 'port.dts' (did you mean: port.dst, "
                                 "port.src, port?); 'otwatch fields' lists them");
    assert_int_equal(otw_sqlq_order_by("port.dst", false, buf, 10, &err), OTW_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),    cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_names),        cmocka_unit_test(test_points_files),
        cmocka_unit_test(test_times),        cmocka_unit_test(test_logic),
        cmocka_unit_test(test_injection),    cmocka_unit_test(test_sql_shape),
        cmocka_unit_test(test_big),          cmocka_unit_test(test_order_by),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
