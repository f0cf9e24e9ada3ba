/*
 * test_detect.c - the detection engine driven with hand-made session
 * records and layer-2 rows on a real SQLite file: every detector's edges
 * (thresholds exactly at and one below, the scan window's start, the
 * answered share, outbound classes at the byte threshold, ARP change and
 * back, quiet hours across midnight in a non-UTC plant zone and across a
 * DST change, maintenance windows), aggregation (one alert, its count,
 * first/last seen, a live update counted once), the hold that folds a
 * scanner's new ports into its scan, learning mode's silence, and a file's
 * share taken back out of the alerts.
 *
 * Each test works on its own database file in a fresh temporary directory;
 * alerts are read back from the store, as `otwatch alerts` reads them.
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

#include "core/config.h"
#include "core/session.h"
#include "detect/detect.h"
#include "detect/schedule.h"
#include "proto/app.h"
#include "proto/proto.h"
#include "store/store.h"

#define SEC 1000000LL
/* Friday 2026-11-27 09:20:00 +09:00 */
#define T0 (1795738800LL * SEC)

#define HMI "192.168.10.10"
#define SCADA "192.168.10.20"
#define PLC "192.168.10.30"
#define MAINT "192.168.10.40"
#define C2 "203.0.113.66"

struct fx {
    char dir[64];
    char db[128];
    struct otw_store *st;
    struct otw_config *cfg;
    struct otw_detect *d;
    uint64_t uid;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct otw_err e;

    snprintf(f->dir, sizeof(f->dir), "/tmp/otw-det-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
    if (otw_plant_tz_set("+09:00", &e) != 0)
        return -1;
    f->st = otw_store_open(f->db, false, &e);
    f->cfg = otw_config_new();
    f->uid = 1000;
    *state = f;
    return f->st != NULL && f->cfg != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[192];

    otw_detect_free(f->d);
    otw_store_close(f->st);
    otw_config_free(f->cfg);
    snprintf(p, sizeof(p), "rm -rf %s", f->dir);
    if (system(p) != 0)
        return -1;
    free(f);
    return 0;
}

static void set(struct fx *f, const char *k, const char *v)
{
    assert_int_equal(otw_config_set(f->cfg, k, v, "test"), 0);
}

/* A new engine on the current store (the previous one is saved first). */
static void engine(struct fx *f)
{
    struct otw_err e;

    otw_detect_free(f->d);
    f->d = otw_detect_new(f->st, f->cfg, &e);
    if (f->d == NULL)
        fail_msg("otw_detect_new: %s", e.msg);
}

/* Decides what is held and commits the engine's alerts and baseline. */
static void save(struct fx *f)
{
    struct otw_err e;

    otw_detect_finish(f->d);
    assert_int_equal(otw_store_txn_begin(f->st, &e), 0);
    if (otw_detect_save(f->d, f->st, &e) != 0)
        fail_msg("otw_detect_save: %s", e.msg);
    assert_int_equal(otw_store_txn_commit(f->st, &e), 0);
}

static void protecting(struct fx *f)
{
    struct otw_err e;

    save(f);
    assert_int_equal(otw_store_bl_meta_set(f->st, "mode", "protecting", &e), 0);
    engine(f);
}

static void mac_of(const char *ip, uint8_t mac[6])
{
    uint8_t a[16];

    assert_int_equal(otw_ip_parse(ip, a), 0);
    mac[0] = 0x02;
    mac[1] = 0x0a;
    memcpy(mac + 2, a + 12, 4);
}

struct sp {
    const char *c, *s;
    int proto;
    int port;
    int64_t t, dur;
    int state;
    uint64_t cb, sb;        /* bytes each way; payload = bytes / 2 */
    const char *app;
    const char *ot_class;   /* with app */
    int fc;
    bool update;
    uint64_t uid;           /* 0: a new one */
};

/* Feeds one record; returns its uid. */
static uint64_t feed(struct fx *f, const struct sp *p)
{
    struct otw_session s;

    memset(&s, 0, sizeof(s));
    s.uid = p->uid ? p->uid : ++f->uid;
    s.first_us = p->t;
    s.last_us = p->t + p->dur;
    s.ipver = 4;
    s.proto = (uint8_t)(p->proto ? p->proto : 6);
    assert_int_equal(otw_ip_parse(p->c, s.src_ip), 0);
    assert_int_equal(otw_ip_parse(p->s, s.dst_ip), 0);
    s.src_port = s.proto == 1 ? 0 : 40000;
    s.dst_port = (uint16_t)(s.proto == 1 ? 0 : p->port);
    s.icmp_type = s.icmp_code = -1;
    if (s.proto == 1) {
        s.icmp_type = 8;
        s.icmp_code = 0;
    }
    mac_of(s.src_ip[12] == 203 ? "192.168.10.1" : p->c, s.src_mac);     /* routed */
    mac_of(p->s, s.dst_mac);
    if (otw_ip_is_v4(s.dst_ip) && s.dst_ip[12] == 203)
        mac_of("192.168.10.1", s.dst_mac);      /* routed */
    s.state = (uint8_t)p->state;
    s.src.packets = 1 + p->cb / 100;
    s.src.bytes = p->cb ? p->cb : 60;
    s.src.payload = p->cb / 2;
    if (p->state != OTW_ST_ATTEMPT) {
        s.dst.packets = 1 + p->sb / 100;
        s.dst.bytes = p->sb ? p->sb : 60;
        s.dst.payload = p->sb / 2;
    }
    s.end_reason = (uint8_t)(p->update ? OTW_END_OPEN : OTW_END_CLOSED);
    if (p->app != NULL) {
        s.app = otw_app_new();
        otw_app_protocol(s.app, p->app);
        if (p->ot_class != NULL)
            otw_app_strz(s.app, "ot.class", p->ot_class);
        if (p->fc)
            otw_app_int(s.app, "modbus.func_code", p->fc);
    }
    otw_detect_session(f->d, &s, 0);
    otw_app_free(s.app);
    return s.uid;
}

/* A short SSH-like session with data both ways. */
static uint64_t ssh(struct fx *f, const char *c, const char *s, int64_t t)
{
    struct sp p = {.c = c, .s = s, .port = 22, .t = t, .dur = SEC / 2,
                   .state = OTW_ST_CLOSED, .cb = 4000, .sb = 3800, .app = "ssh"};
    return feed(f, &p);
}

static uint64_t probe(struct fx *f, const char *c, const char *s, int port, int64_t t,
                      int state)
{
    struct sp p = {.c = c, .s = s, .port = port, .t = t, .state = state};
    return feed(f, &p);
}

struct got {
    struct otw_alert a[64];
    int n;
};

static int collect(void *ctx, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    struct got *g = ctx;

    (void)m;
    if (g->n < 64)
        g->a[g->n++] = *a;
    return 0;
}

static void alerts(struct fx *f, struct got *g)
{
    struct otw_alert_query q;
    struct otw_err e;

    memset(g, 0, sizeof(*g));
    memset(&q, 0, sizeof(q));
    q.status = -1;
    q.kind = -1;
    assert_int_equal(otw_store_alerts_query(f->st, &q, collect, g, &e), 0);
}

static int count_kind(const struct got *g, int kind)
{
    int n = 0;

    for (int i = 0; i < g->n; i++)
        n += g->a[i].kind == kind;
    return n;
}

static const struct otw_alert *find_kind(const struct got *g, int kind)
{
    for (int i = 0; i < g->n; i++)
        if (g->a[i].kind == kind)
            return &g->a[i];
    fail_msg("no %s alert among %d", otw_alert_kind_name(kind), g->n);
    return NULL;
}

static bool detail_has(const struct otw_alert *a, const char *kv)
{
    const char *p = strstr(a->detail, kv);
    size_t n = strlen(kv);

    return p != NULL && (p == a->detail || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0');
}

/* ---- scans and sweeps ----------------------------------------------------------------- */

static void scan(struct fx *f, int ports, int64_t t, int64_t step, int answered)
{
    for (int i = 0; i < ports; i++)
        probe(f, MAINT, SCADA, 1000 + i, t + i * step,
              i < answered ? OTW_ST_RESET : OTW_ST_REJECTED);
}

static void test_scan_threshold(void **state)
{
    struct fx *f = *state;
    struct got g;

    engine(f);
    scan(f, 19, T0, SEC / 10, 0);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
    probe(f, MAINT, SCADA, 2000, T0 + 2 * SEC, OTW_ST_REJECTED);     /* the 20th port */
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].kind, OTW_AK_PORT_SCAN);
    assert_int_equal(g.a[0].count, 20);
    assert_int_equal(g.a[0].first_us, T0);
    assert_int_equal(g.a[0].last_us, T0 + 2 * SEC);
    assert_true(detail_has(&g.a[0], "nports=20"));
    assert_true(detail_has(&g.a[0], "targets=" SCADA));
    /* the scan goes on: the same alert counts on */
    probe(f, MAINT, SCADA, 2001, T0 + 3 * SEC, OTW_ST_REJECTED);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].count, 21);
}

static void test_scan_window_start(void **state)
{
    struct fx *f = *state;
    struct got g;

    /* 19 ports at T0, the 20th exactly 60 s later: the first is still in */
    engine(f);
    scan(f, 19, T0, 0, 0);
    probe(f, MAINT, SCADA, 2000, T0 + 60 * SEC, OTW_ST_REJECTED);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_PORT_SCAN), 1);

    /* ... one microsecond later they have left the window */
    probe(f, HMI, PLC, 1, T0, OTW_ST_REJECTED);
    for (int i = 2; i <= 19; i++)
        probe(f, HMI, PLC, i, T0, OTW_ST_REJECTED);
    probe(f, HMI, PLC, 20, T0 + 60 * SEC + 1, OTW_ST_REJECTED);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_PORT_SCAN), 1);
}

static void test_scan_answered_share(void **state)
{
    struct fx *f = *state;
    struct got g;

    engine(f);
    scan(f, 20, T0, SEC / 10, 5);          /* 25% answered: not "mostly unanswered" */
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
    for (int i = 0; i < 20; i++)            /* 20% answered: at the bound */
        probe(f, HMI, PLC, 1000 + i, T0 + i * SEC / 10, i < 4 ? OTW_ST_RESET : OTW_ST_ATTEMPT);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].kind, OTW_AK_PORT_SCAN);
}

static void test_host_sweep(void **state)
{
    struct fx *f = *state;
    struct got g;
    char ip[32];

    engine(f);
    for (int i = 0; i < 9; i++) {
        struct sp p = {.c = MAINT, .s = ip, .proto = 1, .t = T0 + i * SEC,
                       .state = OTW_ST_ATTEMPT};
        snprintf(ip, sizeof(ip), "192.168.10.%d", 100 + i);
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
    {
        struct sp p = {.c = MAINT, .s = "192.168.10.200", .port = 80, .t = T0 + 10 * SEC,
                       .state = OTW_ST_ATTEMPT};
        feed(f, &p);    /* the 10th host (a TCP probe this time) */
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].kind, OTW_AK_HOST_SWEEP);
    assert_int_equal(g.a[0].count, 10);
    assert_true(detail_has(&g.a[0], "nhosts=10"));
}

/* ---- authentication bursts ------------------------------------------------------------ */

static void test_auth_burst(void **state)
{
    struct fx *f = *state;
    struct got g;

    engine(f);
    for (int i = 0; i < 4; i++)
        ssh(f, MAINT, SCADA, T0 + i * SEC);
    /* not logins: no data (a scan's connect), too long */
    probe(f, MAINT, SCADA, 22, T0 + 5 * SEC, OTW_ST_RESET);
    {
        struct sp p = {.c = MAINT, .s = SCADA, .port = 22, .t = T0 + 6 * SEC, .dur = 31 * SEC,
                       .state = OTW_ST_CLOSED, .cb = 4000, .sb = 4000, .app = "ssh"};
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
    /* the 5th short login, 120 s after the first: still in the window */
    ssh(f, MAINT, SCADA, T0 + 120 * SEC);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].kind, OTW_AK_AUTH_BURST);
    assert_int_equal(g.a[0].count, 5);
    assert_int_equal(g.a[0].port, 22);
    assert_int_equal(g.a[0].first_us, T0);
    assert_true(detail_has(&g.a[0], "app=ssh"));
    /* the burst goes on: each new login counts once */
    ssh(f, MAINT, SCADA, T0 + 121 * SEC);
    ssh(f, MAINT, SCADA, T0 + 122 * SEC);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].count, 7);
    assert_int_equal(g.a[0].last_us, T0 + 122 * SEC + SEC / 2);
}

/* ---- outbound ------------------------------------------------------------------------- */

static void test_outbound_classes(void **state)
{
    struct fx *f = *state;
    struct got g;
    const struct otw_alert *a;

    set(f, "detect.outbound_data_bytes", "1000000");
    engine(f);
    {
        struct sp p = {.c = HMI, .s = C2, .port = 4444, .t = T0, .state = OTW_ST_ATTEMPT};
        feed(f, &p);
        p.t += 5 * SEC;
        feed(f, &p);
    }
    {
        /* exactly at the threshold each way: answered, not data-transfer */
        struct sp p = {.c = HMI, .s = C2, .port = 443, .t = T0, .dur = SEC,
                       .state = OTW_ST_CLOSED, .cb = 1000000, .sb = 1000000};
        feed(f, &p);
    }
    {
        /* inbound from outside is not outbound */
        struct sp p = {.c = "203.0.113.10", .s = MAINT, .port = 22, .t = T0,
                       .state = OTW_ST_CLOSED, .cb = 3000, .sb = 3000};
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 2);
    a = find_kind(&g, OTW_AK_OUTBOUND_BLOCKED);
    assert_int_equal(a->count, 2);
    assert_int_equal(a->port, 4444);
    assert_int_equal(a->last_us, T0 + 5 * SEC);
    a = find_kind(&g, OTW_AK_OUTBOUND_CONNECTED);
    assert_true(detail_has(a, "class=answered"));
    assert_int_equal(a->severity, OTW_SEV_HIGH);
    /* one more byte (another session on the same port): data-transfer */
    {
        struct sp p = {.c = HMI, .s = C2, .port = 443, .t = T0 + 10 * SEC, .dur = SEC,
                       .state = OTW_ST_CLOSED, .cb = 1, .sb = 1};
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    a = find_kind(&g, OTW_AK_OUTBOUND_CONNECTED);
    assert_int_equal(count_kind(&g, OTW_AK_OUTBOUND_CONNECTED), 1);
    assert_int_equal(a->count, 2);
    assert_true(detail_has(a, "class=data-transfer"));
    assert_true(detail_has(a, "bytes_out=1000001"));
    assert_int_equal(a->severity, OTW_SEV_CRITICAL);
    assert_non_null(strstr(a->text[OTW_LANG_EN], "compromised"));
}

static void test_live_update_counted_once(void **state)
{
    struct fx *f = *state;
    struct got g;
    uint64_t uid;

    engine(f);
    {
        struct sp p = {.c = HMI, .s = C2, .port = 443, .t = T0, .dur = 10 * SEC,
                       .state = OTW_ST_ESTABLISHED, .cb = 500, .sb = 500, .update = true};
        uid = feed(f, &p);
        save(f);    /* live: an alert as soon as the first update is seen */
        alerts(f, &g);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.a[0].count, 1);
        p.uid = uid;
        p.dur = 20 * SEC;
        p.cb = p.sb = 900;
        feed(f, &p);
        p.update = false;       /* the final record */
        p.dur = 25 * SEC;
        p.state = OTW_ST_CLOSED;
        p.cb = p.sb = 1000;
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].count, 1);
    assert_int_equal(g.a[0].last_us, T0 + 25 * SEC);
    assert_true(detail_has(&g.a[0], "bytes_out=1000"));
}

/* ---- novelty, hold and fold ----------------------------------------------------------- */

/* The plant's normal: SCADA polls the PLC (reads and writes), the HMI talks
 * to SCADA, maintenance SSH to SCADA. */
static void learn_normal(struct fx *f)
{
    engine(f);
    for (int i = 0; i < 3; i++) {
        struct sp p = {.c = SCADA, .s = PLC, .port = 502, .t = T0 + i * SEC, .dur = SEC,
                       .state = OTW_ST_CLOSED, .cb = 800, .sb = 600, .app = "modbus",
                       .ot_class = i == 2 ? "write" : "read", .fc = i == 2 ? 6 : 3};
        feed(f, &p);
    }
    {
        struct sp p = {.c = HMI, .s = SCADA, .port = 20295, .t = T0, .dur = 20 * SEC,
                       .state = OTW_ST_CLOSED, .cb = 8000, .sb = 8000, .app = "tls"};
        feed(f, &p);
    }
    ssh(f, MAINT, SCADA, T0 + 16 * SEC);
    {
        /* the router answers pings (noise: it teaches the devices, no peers) */
        struct sp p = {.c = MAINT, .s = "192.168.10.1", .proto = 1, .t = T0,
                       .state = OTW_ST_ESTABLISHED, .cb = 98, .sb = 98};
        feed(f, &p);
    }
    protecting(f);
}

static void test_new_peer_port_and_fold(void **state)
{
    struct fx *f = *state;
    struct got g;
    const struct otw_alert *a;

    learn_normal(f);
    /* one new port on a known pair, from a host that does not scan */
    probe(f, HMI, SCADA, 8080, T0 + 3600 * SEC, OTW_ST_CLOSED);
    /* a new peer on two ports: one alert listing both */
    probe(f, HMI, PLC, 443, T0 + 3600 * SEC, OTW_ST_REJECTED);
    probe(f, HMI, PLC, 4444, T0 + 3601 * SEC, OTW_ST_REJECTED);
    /* maint scans SCADA (a known peer): its new ports fold into the scan */
    scan(f, 25, T0 + 3610 * SEC, SEC / 100, 1);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_PORT_SCAN), 1);
    assert_int_equal(count_kind(&g, OTW_AK_NEW_PORT), 1);
    a = find_kind(&g, OTW_AK_NEW_PORT);
    assert_int_equal(a->port, 8080);
    assert_int_equal(count_kind(&g, OTW_AK_NEW_PEER), 1);
    a = find_kind(&g, OTW_AK_NEW_PEER);
    assert_true(detail_has(a, "ports=tcp/443,tcp/4444"));
    assert_int_equal(a->count, 2);
    assert_int_equal(g.n, 3);
}

static void test_hold_until_time_passes(void **state)
{
    struct fx *f = *state;
    struct got g;

    set(f, "detect.hold", "60");
    learn_normal(f);
    probe(f, HMI, SCADA, 8080, T0 + 3600 * SEC, OTW_ST_CLOSED);
    /* 59 s of session time later: still held, nothing to save */
    ssh(f, MAINT, SCADA, T0 + 3659 * SEC);
    {
        struct otw_err e;
        assert_int_equal(otw_store_txn_begin(f->st, &e), 0);
        assert_int_equal(otw_detect_save(f->d, f->st, &e), 0);
        assert_int_equal(otw_store_txn_commit(f->st, &e), 0);
    }
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_NEW_PORT), 0);
    /* 60 s: decided */
    otw_detect_tick(f->d, T0 + 3660 * SEC);
    {
        struct otw_err e;
        assert_int_equal(otw_store_txn_begin(f->st, &e), 0);
        assert_int_equal(otw_detect_save(f->d, f->st, &e), 0);
        assert_int_equal(otw_store_txn_commit(f->st, &e), 0);
    }
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_NEW_PORT), 1);
}

static void test_ot_write(void **state)
{
    struct fx *f = *state;
    struct got g;
    const struct otw_alert *a;

    learn_normal(f);
    /* SCADA writes as always: nothing; maint writes: one alert, both codes */
    {
        struct sp p = {.c = SCADA, .s = PLC, .port = 502, .t = T0 + 3600 * SEC, .dur = SEC,
                       .state = OTW_ST_CLOSED, .cb = 800, .sb = 600, .app = "modbus",
                       .ot_class = "write", .fc = 6};
        feed(f, &p);
        p.c = MAINT;
        feed(f, &p);
        p.fc = 5;
        p.t += SEC;
        feed(f, &p);
        p.ot_class = "read";
        p.fc = 3;
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_OT_WRITE), 1);
    a = find_kind(&g, OTW_AK_OT_WRITE);
    assert_true(detail_has(a, "fc=5,6"));
    assert_true(detail_has(a, "app=modbus"));
    assert_int_equal(a->count, 2);
    assert_int_equal(count_kind(&g, OTW_AK_NEW_PEER), 1);     /* maint -> plc */
    assert_int_equal(g.n, 2);
}

static void test_learning_is_silent(void **state)
{
    struct fx *f = *state;
    struct got g;

    engine(f);      /* a fresh baseline learns */
    probe(f, HMI, PLC, 443, T0, OTW_ST_CLOSED);
    {
        struct sp p = {.c = MAINT, .s = PLC, .port = 502, .t = T0, .state = OTW_ST_CLOSED,
                       .cb = 100, .sb = 100, .app = "modbus", .ot_class = "write", .fc = 6};
        feed(f, &p);
    }
    /* behaviour still alerts while learning */
    {
        struct sp p = {.c = HMI, .s = C2, .port = 443, .t = T0, .state = OTW_ST_ATTEMPT};
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].kind, OTW_AK_OUTBOUND_BLOCKED);
}

static void test_new_device(void **state)
{
    struct fx *f = *state;
    struct got g;
    const struct otw_alert *a;

    learn_normal(f);
    probe(f, "192.168.10.77", SCADA, 20295, T0 + 3600 * SEC, OTW_ST_REJECTED);
    /* external addresses are not devices */
    probe(f, "203.0.113.10", MAINT, 22, T0 + 3600 * SEC, OTW_ST_REJECTED);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_NEW_DEVICE), 1);
    a = find_kind(&g, OTW_AK_NEW_DEVICE);
    assert_true(a->has_mac);
    assert_true(detail_has(a, "ip=192.168.10.77"));
    assert_non_null(strstr(a->detail, "vendor="));
}

static void tls(struct fx *f, int64_t t)
{
    struct sp p = {.c = HMI, .s = SCADA, .port = 20295, .t = t, .dur = SEC,
                   .state = OTW_ST_CLOSED, .cb = 800, .sb = 800, .app = "tls"};
    feed(f, &p);
}

static void test_volume(void **state)
{
    struct fx *f = *state;
    struct got g;

    set(f, "detect.volume_factor", "10");
    set(f, "detect.volume_min_sessions", "20");
    learn_normal(f);      /* HMI -> SCADA: one session in its peak hour */
    for (int i = 0; i < 10; i++)
        tls(f, T0 + 7200 * SEC + i * SEC);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);     /* 10 = factor x peak: not above */
    for (int i = 10; i < 20; i++)
        tls(f, T0 + 7200 * SEC + i * SEC);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);     /* 20 sessions: above 10x and at the minimum */
    assert_int_equal(g.a[0].kind, OTW_AK_VOLUME);
}

/* ---- hours and windows ---------------------------------------------------------------- */

static void rdp(struct fx *f, int64_t t)
{
    struct sp p = {.c = MAINT, .s = HMI, .port = 3389, .t = t, .dur = 8 * SEC,
                   .state = OTW_ST_CLOSED, .cb = 9000, .sb = 60000, .app = "rdp"};
    feed(f, &p);
}

static void test_quiet_hours_midnight(void **state)
{
    struct fx *f = *state;
    struct got g;
    /* local (+09:00) 21:59 Friday = 12:59 UTC */
    int64_t t2159 = T0 + (12 * 3600 + 39 * 60) * SEC;

    set(f, "detect.quiet_hours", "daily 22:00-06:00");
    learn_normal(f);
    rdp(f, t2159);
    rdp(f, t2159 + 8 * 3600 * SEC + 60 * SEC);      /* 06:00 Saturday: day again */
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_OFF_HOURS), 0);
    rdp(f, t2159 + 60 * SEC);                       /* 22:00 */
    rdp(f, t2159 + 8 * 3600 * SEC);                 /* 05:59 Saturday, across midnight */
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_OFF_HOURS), 1);
    assert_int_equal(find_kind(&g, OTW_AK_OFF_HOURS)->count, 2);
    assert_true(detail_has(find_kind(&g, OTW_AK_OFF_HOURS), "reason=quiet-hours"));
}

static void test_quiet_hours_dst(void **state)
{
    struct fx *f = *state;
    struct got g;
    struct otw_err e;
    /* 2026-03-28 04:30 UTC = 05:30 CET (quiet); 2026-03-29 04:30 UTC = 06:30 CEST (day) */
    int64_t sat = 1774672200LL * SEC, sun = sat + 86400 * SEC;

    assert_int_equal(otw_plant_tz_set("Europe/Berlin", &e), 0);
    set(f, "detect.quiet_hours", "daily 22:00-06:00");
    learn_normal(f);
    rdp(f, sun);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_OFF_HOURS), 0);
    rdp(f, sat);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_OFF_HOURS), 1);
    otw_plant_tz_set("+09:00", &e);
}

static void test_unusual_hour(void **state)
{
    struct fx *f = *state;
    struct got g;
    int64_t h = 3600 * SEC;

    set(f, "detect.hours_min_sessions", "20");
    engine(f);
    for (int i = 0; i < 20; i++)        /* HMI -> SCADA, 20 sessions at 09:20 */
        tls(f, T0 + i * SEC);
    ssh(f, MAINT, SCADA, T0 + 3 * h);   /* 12:20 is covered too, by other traffic */
    protecting(f);
    tls(f, T0 + h);                     /* 10:20: next to its hour, not covered */
    tls(f, T0 + 4 * h);                 /* 13:20: not covered */
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
    tls(f, T0 + 3 * h);                 /* 12:20: covered, never ran then */
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].kind, OTW_AK_OFF_HOURS);
    assert_true(detail_has(&g.a[0], "reason=unusual-hour"));
}

static void test_unusual_hour_needs_history(void **state)
{
    struct fx *f = *state;
    struct got g;
    int64_t h = 3600 * SEC;

    set(f, "detect.hours_min_sessions", "20");
    engine(f);
    for (int i = 0; i < 19; i++)        /* one session short of a rhythm */
        tls(f, T0 + i * SEC);
    ssh(f, MAINT, SCADA, T0 + 3 * h);
    protecting(f);
    tls(f, T0 + 3 * h);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
}

static void test_unusual_hour_needs_rhythm(void **state)
{
    struct fx *f = *state;
    struct got g;
    int64_t h = 3600 * SEC;

    engine(f);
    for (int i = 0; i < 10; i++)        /* 20 sessions, two an hour: scattered */
        for (int k = 0; k < 2; k++)
            tls(f, T0 + i * h + k * SEC);
    for (int i = 0; i < 24; i++)        /* every hour of the day covered by other traffic */
        ssh(f, MAINT, SCADA, T0 + i * h + 30 * 60 * SEC);
    protecting(f);
    tls(f, T0 + 15 * h);                /* covered, never ran then (nor either side) */
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
}

static void window(struct fx *f)
{
    struct otw_bl_window w;
    struct otw_bl_rule r;
    struct otw_err e;

    memset(&w, 0, sizeof(w));
    snprintf(w.name, sizeof(w.name), "maintenance");
    snprintf(w.schedule, sizeof(w.schedule), "daily 09:00-10:00");
    assert_int_equal(otw_store_bl_window_put(f->st, &w, &e), 0);
    memset(&r, 0, sizeof(r));
    snprintf(r.window, sizeof(r.window), "maintenance");
    snprintf(r.client, sizeof(r.client), MAINT);
    snprintf(r.server, sizeof(r.server), "*");
    r.proto = 6;
    r.port = 22;
    assert_int_equal(otw_store_bl_rule_add(f->st, &r, &e), 0);
}

static void test_off_window(void **state)
{
    struct fx *f = *state;
    struct got g;
    /* T0 is 09:20 local; 09:59:59 and 10:00:00 */
    int64_t t0959 = T0 + (39 * 60 + 59) * SEC, t1000 = T0 + 40 * 60 * SEC;
    const struct otw_alert *a;

    window(f);
    learn_normal(f);
    ssh(f, MAINT, SCADA, t0959);
    probe(f, MAINT, HMI, 22, t1000, OTW_ST_RESET);  /* a connect that carried nothing */
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_OFF_WINDOW), 0);
    ssh(f, MAINT, SCADA, t1000);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_OFF_WINDOW), 1);
    a = find_kind(&g, OTW_AK_OFF_WINDOW);
    assert_true(detail_has(a, "window=maintenance"));
    assert_int_equal(a->count, 1);
    /* judged by its window only: no off_hours for it even at night */
    ssh(f, MAINT, SCADA, T0 + 15 * 3600 * SEC);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_OFF_HOURS), 0);
    assert_int_equal(find_kind(&g, OTW_AK_OFF_WINDOW)->count, 2);
}

/* ---- ARP ------------------------------------------------------------------------------- */

static void arp(struct fx *f, const char *mac_host, const char *ip, int64_t t, uint64_t packets)
{
    struct otw_l2_row r;

    memset(&r, 0, sizeof(r));
    mac_of(mac_host, r.mac);
    assert_int_equal(otw_ip_parse(ip, r.ip), 0);
    r.has_ip = true;
    snprintf(r.kind, sizeof(r.kind), "arp");
    r.first_us = t;
    r.last_us = t + SEC;
    r.packets = packets;
    otw_detect_l2(f->d, &r, 1);
}

static void test_arp(void **state)
{
    struct fx *f = *state;
    struct got g;
    const struct otw_alert *a;

    engine(f);
    arp(f, SCADA, SCADA, T0, 3);
    arp(f, PLC, PLC, T0, 3);
    arp(f, MAINT, MAINT, T0, 3);
    protecting(f);
    /* true bindings again: nothing */
    arp(f, SCADA, SCADA, T0 + 100 * SEC, 2);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
    /* maint claims SCADA and the PLC */
    arp(f, MAINT, MAINT, T0 + 200 * SEC, 1);
    arp(f, MAINT, SCADA, T0 + 200 * SEC, 5);
    arp(f, MAINT, PLC, T0 + 201 * SEC, 4);
    save(f);
    alerts(f, &g);
    assert_int_equal(count_kind(&g, OTW_AK_IP_MAC_CHANGE), 2);
    assert_int_equal(count_kind(&g, OTW_AK_ARP_SPOOF), 1);
    a = find_kind(&g, OTW_AK_ARP_SPOOF);
    assert_true(detail_has(a, "claimed=" SCADA "," PLC));
    assert_true(detail_has(a, "mac=02:0a:c0:a8:0a:28"));
    assert_true(a->has_src);
    assert_int_equal(a->count, 9);
    /* and back: the true MACs claim their addresses; nothing new, counts stay */
    arp(f, SCADA, SCADA, T0 + 300 * SEC, 2);
    arp(f, PLC, PLC, T0 + 300 * SEC, 2);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(find_kind(&g, OTW_AK_ARP_SPOOF)->count, 9);
}

/* ---- store: a file's share -------------------------------------------------------------- */

static void test_forget_file(void **state)
{
    struct fx *f = *state;
    struct got g;
    struct otw_err e;

    engine(f);
    otw_detect_set_file(f->d, 7);
    {
        struct sp p = {.c = HMI, .s = C2, .port = 443, .t = T0, .state = OTW_ST_ATTEMPT};
        feed(f, &p);
    }
    save(f);
    engine(f);      /* a later run aggregates into the same alert */
    otw_detect_set_file(f->d, 8);
    {
        struct sp p = {.c = HMI, .s = C2, .port = 443, .t = T0 + SEC, .state = OTW_ST_ATTEMPT};
        feed(f, &p);
        p.t += SEC;
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].count, 3);
    assert_int_equal(otw_store_alerts_forget_file(f->st, 8, &e), 0);
    alerts(f, &g);
    assert_int_equal(g.a[0].count, 1);
    assert_int_equal(otw_store_alerts_forget_file(f->st, 7, &e), 0);
    alerts(f, &g);
    assert_int_equal(g.n, 0);
}

static void test_resolved_while_running(void **state)
{
    struct fx *f = *state;
    struct got g;
    struct otw_err e;
    struct sp p = {.c = HMI, .s = C2, .port = 443, .t = T0, .state = OTW_ST_ATTEMPT};

    engine(f);      /* one engine throughout, as a live capture */
    feed(f, &p);
    p.t += SEC;
    feed(f, &p);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    /* someone resolves it (otwatch alerts resolve) while the engine runs */
    assert_int_equal(otw_store_alert_set_status(f->st, g.a[0].id, OTW_AS_RESOLVED, "op", NULL,
                                                &e), 0);
    p.t = T0 + 100 * SEC;
    feed(f, &p);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 2);
    for (int i = 0; i < 2; i++) {
        if (g.a[i].status == OTW_AS_RESOLVED) {
            assert_int_equal(g.a[i].count, 2);
        } else {
            assert_int_equal(g.a[i].status, OTW_AS_OPEN);
            assert_int_equal(g.a[i].count, 1);
            assert_int_equal(g.a[i].first_us, T0 + 100 * SEC);
        }
    }
    /* and the new one counts on */
    p.t = T0 + 200 * SEC;
    feed(f, &p);
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.a[0].status == OTW_AS_OPEN ? g.a[0].count : g.a[1].count, 2);
}

static void test_bad_settings(void **state)
{
    struct fx *f = *state;
    struct otw_detect_config c;
    struct otw_err e;

    otw_detect_config_default(&c);
    set(f, "detect.scan_min_port", "5");        /* a typo */
    assert_int_equal(otw_detect_config_load(&c, f->cfg, &e), OTW_EINVAL);
    assert_non_null(strstr(e.msg, "detect.scan_min_port"));
    otw_config_free(f->cfg);
    f->cfg = otw_config_new();
    set(f, "plant.networks", "10.0.0.0/33");
    assert_int_equal(otw_detect_config_load(&c, f->cfg, &e), OTW_EINVAL);
    otw_config_free(f->cfg);
    f->cfg = otw_config_new();
    set(f, "detect.quiet_hours", "someday 25:00-26:00");
    assert_int_equal(otw_detect_config_load(&c, f->cfg, &e), OTW_EINVAL);
    otw_config_free(f->cfg);
    f->cfg = otw_config_new();
    set(f, "plant.networks", "10.0.0.0/8, 192.168.10.0/24");
    set(f, "detect.scan_min_ports", "100");
    assert_int_equal(otw_detect_config_load(&c, f->cfg, &e), 0);
    assert_int_equal(c.scan_min_ports, 100);
}

static void test_plant_networks(void **state)
{
    struct fx *f = *state;
    struct got g;

    /* with the plant defined as 192.168.10.0/24, 10.1.2.3 is outside */
    set(f, "plant.networks", "192.168.10.0/24");
    engine(f);
    {
        struct sp p = {.c = HMI, .s = "10.1.2.3", .port = 443, .t = T0, .state = OTW_ST_ATTEMPT};
        feed(f, &p);
        p.s = "192.168.10.99";
        feed(f, &p);
    }
    save(f);
    alerts(f, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.a[0].kind, OTW_AK_OUTBOUND_BLOCKED);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_scan_threshold),
        T(test_scan_window_start),
        T(test_scan_answered_share),
        T(test_host_sweep),
        T(test_auth_burst),
        T(test_outbound_classes),
        T(test_live_update_counted_once),
        T(test_new_peer_port_and_fold),
        T(test_hold_until_time_passes),
        T(test_ot_write),
        T(test_learning_is_silent),
        T(test_new_device),
        T(test_volume),
        T(test_quiet_hours_midnight),
        T(test_quiet_hours_dst),
        T(test_unusual_hour),
        T(test_unusual_hour_needs_history),
        T(test_unusual_hour_needs_rhythm),
        T(test_off_window),
        T(test_arp),
        T(test_forget_file),
        T(test_resolved_while_running),
        T(test_bad_settings),
        T(test_plant_networks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
