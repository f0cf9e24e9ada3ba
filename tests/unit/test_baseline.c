/*
 * test_baseline.c - the baseline in memory and in a real SQLite file: the
 * keys a session makes, the category guess, learning and saving, loading
 * back, protecting mode (new entries, known counts untouched, periodic
 * updates ignored), a reviewer's approval surviving a save, relearning the
 * same sessions (absorb) changing nothing, maintenance window rules, the
 * approved operational set of the ot-operational filter, and the query
 * fields `baseline` / `baseline.category` compiled against the real tables.
 *
 * Each test works on its own database file in a fresh temporary directory.
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

#include "capture/filter.h"
#include "core/session.h"
#include "decode/pkt.h"
#include "detect/baseline.h"
#include "detect/schedule.h"
#include "detect/sessinfo.h"
#include "query/query.h"
#include "store/store.h"

#define SEC 1000000LL
/* Friday 2026-11-27 09:20:00 +09:00 (the testbed's normal capture) */
#define T0 (1795738800LL * SEC)

struct fx {
    char dir[64];
    char db[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct otw_err e;

    snprintf(f->dir, sizeof(f->dir), "/tmp/otw-bl-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
    if (otw_plant_tz_set("+09:00", &e) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[192];

    snprintf(p, sizeof(p), "%s/t.db", f->dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/t.db-wal", f->dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/t.db-shm", f->dir);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void ip(const char *s, uint8_t out[16])
{
    assert_int_equal(otw_ip_parse(s, out), 0);
}

static void mac(const char *s, uint8_t out[6])
{
    assert_int_equal(otw_mac_parse(s, out), 0);
}

/* A finished session client -> server. */
static struct otw_sessinfo sess(const char *c, const char *s, uint8_t proto, uint16_t port,
                                const char *app, unsigned classes, int64_t t)
{
    struct otw_sessinfo fi;

    memset(&fi, 0, sizeof(fi));
    ip(c, fi.client);
    ip(s, fi.server);
    fi.ipver = 4;
    fi.proto = proto;
    fi.client_port = 40000;
    fi.server_port = port;
    fi.first_us = t;
    fi.last_us = t + 2 * SEC;
    fi.c_bytes = 600;
    fi.s_bytes = 400;
    fi.answered = true;
    fi.icmp_type = -1;
    snprintf(fi.app, sizeof(fi.app), "%s", app);
    fi.ot_classes = classes;
    mac("02:0a:c0:a8:0a:14", fi.client_mac);
    mac("02:0a:c0:a8:0a:1e", fi.server_mac);
    return fi;
}

static struct otw_store *open_rw(struct fx *f)
{
    struct otw_err e;
    struct otw_store *st = otw_store_open(f->db, false, &e);

    if (st == NULL)
        fail_msg("open: %s", e.msg);
    return st;
}

static void save(struct otw_baseline *b, struct otw_store *st)
{
    struct otw_err e;

    assert_int_equal(otw_store_txn_begin(st, &e), 0);
    if (otw_baseline_save(b, st, &e) != 0)
        fail_msg("save: %s", e.msg);
    assert_int_equal(otw_store_txn_commit(st, &e), 0);
}

static struct otw_baseline *load(struct otw_store *st)
{
    struct otw_err e;
    struct otw_baseline *b = otw_baseline_load(st, &e);

    if (b == NULL)
        fail_msg("load: %s", e.msg);
    return b;
}

static void test_keys(void **state)
{
    struct otw_bl_key k[OTW_OTC_COUNT + 1], k2[OTW_OTC_COUNT + 1];
    struct otw_sessinfo fi = sess("192.168.10.20", "192.168.10.30", 6, 502, "modbus",
                                  OTW_OTC_READ | OTW_OTC_WRITE, T0);
    uint8_t a[16];

    (void)state;
    /* one key per class, the server port, the app */
    assert_int_equal(otw_bl_keys_of(&fi, k), 2);
    assert_int_equal(k[0].ot_class, OTW_OTC_READ);
    assert_int_equal(k[1].ot_class, OTW_OTC_WRITE);
    assert_int_equal(k[0].port, 502);
    assert_int_equal(k[0].proto, 6);
    assert_string_equal(k[0].app, "modbus");
    ip("192.168.10.20", a);
    assert_memory_equal(k[0].client, a, 16);
    /* the same session gives byte-identical keys (padding zeroed) */
    memset(k2, 0xa5, sizeof(k2));
    assert_int_equal(otw_bl_keys_of(&fi, k2), 2);
    assert_memory_equal(k, k2, 2 * sizeof(k[0]));
    /* no class: one key with class 0 */
    fi.ot_classes = 0;
    assert_int_equal(otw_bl_keys_of(&fi, k), 1);
    assert_int_equal(k[0].ot_class, 0);
    /* all five classes */
    fi.ot_classes = 0x1f;
    assert_int_equal(otw_bl_keys_of(&fi, k), 5);
    /* ICMP and IGMP: port 0 whatever stands in for ports; noise still counts */
    fi = sess("192.168.10.20", "192.168.10.1", 1, 2048, "", 0, T0);
    fi.noise = true;
    assert_int_equal(otw_bl_keys_of(&fi, k), 1);
    assert_int_equal(k[0].port, 0);
    fi.proto = 2;
    assert_int_equal(otw_bl_keys_of(&fi, k), 1);
    assert_int_equal(k[0].port, 0);
    /* UDP keeps its port */
    fi = sess("192.168.10.10", "224.0.0.251", 17, 5353, "dns", 0, T0);
    assert_int_equal(otw_bl_keys_of(&fi, k), 1);
    assert_int_equal(k[0].port, 5353);
}

static void test_category_guess(void **state)
{
    struct otw_bl_key k;

    (void)state;
    memset(&k, 0, sizeof(k));
    k.proto = 6;
    k.port = 502;
    snprintf(k.app, sizeof(k.app), "modbus");
    k.ot_class = OTW_OTC_WRITE;
    assert_int_equal(otw_bl_guess_category(&k), OTW_BL_OPERATIONAL);
    k.ot_class = OTW_OTC_PROGRAM;
    assert_int_equal(otw_bl_guess_category(&k), OTW_BL_MAINTENANCE);
    k.ot_class = OTW_OTC_CONTROL;
    assert_int_equal(otw_bl_guess_category(&k), OTW_BL_MAINTENANCE);
    k.ot_class = 0;
    k.port = 22;
    snprintf(k.app, sizeof(k.app), "ssh");
    assert_int_equal(otw_bl_guess_category(&k), OTW_BL_MAINTENANCE);
    /* RDP on a port of its own, named by its parser */
    k.port = 13389;
    snprintf(k.app, sizeof(k.app), "rdp");
    assert_int_equal(otw_bl_guess_category(&k), OTW_BL_MAINTENANCE);
    /* no parser named it: the port decides */
    k.app[0] = '\0';
    k.port = 3389;
    assert_int_equal(otw_bl_guess_category(&k), OTW_BL_MAINTENANCE);
    k.port = 20295;
    assert_int_equal(otw_bl_guess_category(&k), OTW_BL_OPERATIONAL);
}

static void test_learn_save_load(void **state)
{
    struct fx *f = *state;
    struct otw_store *st = open_rw(f);
    struct otw_baseline *b = load(st);
    struct otw_sessinfo fi;
    struct otw_bl_key k[OTW_OTC_COUNT + 1];
    struct otw_baseline_stats s;
    struct otw_l2_row row;
    const struct otw_bl_entry *e;
    uint8_t c[16], sv[16], m[6], m2[6];
    char buf[8];

    assert_int_equal(otw_baseline_mode(b), OTW_BL_LEARNING);   /* fresh database */
    assert_false(otw_baseline_ready(b));
    /* 3 polls (read + write), 1 ssh, 1 ping; one periodic update (ignored) */
    for (int i = 0; i < 3; i++) {
        fi = sess("192.168.10.20", "192.168.10.30", 6, 502, "modbus",
                  OTW_OTC_READ | OTW_OTC_WRITE, T0 + i * 60 * SEC);
        otw_baseline_observe(b, &fi);
    }
    fi.update = true;
    otw_baseline_observe(b, &fi);
    fi = sess("192.168.10.40", "192.168.10.20", 6, 22, "ssh", 0, T0 + 3600 * SEC);
    otw_baseline_observe(b, &fi);
    fi = sess("192.168.10.20", "192.168.10.1", 1, 0, "", 0, T0);
    fi.noise = true;
    otw_baseline_observe(b, &fi);
    memset(&row, 0, sizeof(row));
    mac("02:0a:c0:a8:0a:01", row.mac);
    ip("192.168.10.1", row.ip);
    row.has_ip = true;
    snprintf(row.kind, sizeof(row.kind), "arp");
    row.first_us = T0;
    row.last_us = T0 + 10 * SEC;
    row.packets = 4;
    otw_baseline_observe_l2(b, &row);
    save(b, st);
    otw_baseline_free(b);
    otw_store_close(st);

    /* a new handle, as the next run of otwatch */
    st = open_rw(f);
    b = load(st);
    otw_baseline_get_stats(b, &s);
    assert_int_equal(s.entries, 4);
    assert_int_equal(s.known, 4);
    assert_int_equal(s.arp, 1);
    assert_int_equal(s.macs, 3);      /* .20, .30 from sessions; .01 from ARP */
    assert_int_equal(s.ips, 4);       /* .1 .20 .30 .40, from sessions and ARP */
    assert_int_equal(s.hours_covered, 2);   /* Fri 09 and Fri 10 */
    assert_true(otw_baseline_ready(b));
    fi = sess("192.168.10.20", "192.168.10.30", 6, 502, "modbus", OTW_OTC_WRITE, T0);
    assert_int_equal(otw_bl_keys_of(&fi, k), 1);
    e = otw_baseline_find(b, &k[0]);
    assert_non_null(e);
    assert_true(e->id > 0);
    assert_int_equal(e->sessions, 3);
    assert_int_equal(e->bytes, 3000);
    assert_int_equal(e->status, OTW_BL_LEARNED);
    assert_int_equal(e->category, OTW_BL_OPERATIONAL);
    assert_int_equal(e->first_us, T0);
    assert_int_equal(e->last_us, T0 + 122 * SEC);
    assert_int_equal(e->hours[4 * 24 + 9], 3);
    assert_string_equal(otw_how_str(4 * 24 + 9, buf, sizeof(buf)), "Fri 09");
    ip("192.168.10.20", c);
    ip("192.168.10.30", sv);
    assert_true(otw_baseline_knows_pair(b, c, sv));
    assert_true(otw_baseline_knows_pair(b, sv, c));     /* either direction */
    assert_true(otw_baseline_knows_port(b, c, sv, 6, 502));
    assert_false(otw_baseline_knows_port(b, sv, c, 6, 502));
    assert_false(otw_baseline_knows_port(b, c, sv, 6, 503));
    assert_true(otw_baseline_knows_class(b, c, sv, "modbus", OTW_OTC_WRITE));
    assert_false(otw_baseline_knows_class(b, c, sv, "modbus", OTW_OTC_PROGRAM));
    assert_true(otw_baseline_hour_covered(b, 4 * 24 + 9));
    assert_true(otw_baseline_hour_covered(b, 4 * 24 + 10));
    assert_false(otw_baseline_hour_covered(b, 4 * 24 + 11));
    /* the ssh entry guessed maintenance */
    fi = sess("192.168.10.40", "192.168.10.20", 6, 22, "ssh", 0, T0);
    otw_bl_keys_of(&fi, k);
    assert_int_equal(otw_baseline_find(b, &k[0])->category, OTW_BL_MAINTENANCE);
    /* devices */
    mac("02:0a:c0:a8:0a:14", m);
    assert_true(otw_baseline_knows_mac(b, m));
    mac("02:0a:c0:a8:0a:99", m);
    assert_false(otw_baseline_knows_mac(b, m));
    assert_true(otw_baseline_knows_ip(b, sv));
    ip("192.168.10.99", c);
    assert_false(otw_baseline_knows_ip(b, c));
    ip("192.168.10.1", c);
    assert_true(otw_baseline_arp_mac(b, c, m));
    mac("02:0a:c0:a8:0a:01", m2);
    assert_memory_equal(m, m2, 6);
    ip("192.168.10.30", c);
    assert_false(otw_baseline_arp_mac(b, c, m));
    otw_baseline_free(b);
    otw_store_close(st);
}

static void test_protecting(void **state)
{
    struct fx *f = *state;
    struct otw_store *st = open_rw(f);
    struct otw_baseline *b = load(st);
    struct otw_sessinfo fi, nw;
    struct otw_bl_key k[OTW_OTC_COUNT + 1];
    const struct otw_bl_entry *e;
    struct otw_err err;
    uint8_t c[16];

    fi = sess("192.168.10.20", "192.168.10.30", 6, 502, "modbus", OTW_OTC_READ, T0);
    otw_baseline_observe(b, &fi);
    save(b, st);
    otw_baseline_free(b);
    assert_int_equal(otw_store_bl_meta_set(st, "mode", "protecting", &err), 0);
    b = load(st);
    assert_int_equal(otw_baseline_mode(b), OTW_BL_PROTECTING);
    /* known: counts stay as learned */
    otw_baseline_observe(b, &fi);
    otw_bl_keys_of(&fi, k);
    assert_int_equal(otw_baseline_find(b, &k[0])->sessions, 1);
    /* unknown: recorded as new, counted, but not known to the detectors */
    nw = sess("192.168.10.40", "192.168.10.30", 6, 502, "modbus", OTW_OTC_WRITE, T0);
    otw_baseline_observe(b, &nw);
    otw_baseline_observe(b, &nw);
    nw.update = true;
    otw_baseline_observe(b, &nw);           /* periodic update: ignored */
    otw_bl_keys_of(&nw, k);
    assert_null(otw_baseline_find(b, &k[0]));
    e = otw_baseline_lookup(b, &k[0]);
    assert_non_null(e);
    assert_int_equal(e->status, OTW_BL_NEW);
    assert_int_equal(e->sessions, 2);
    assert_false(otw_baseline_knows_pair(b, nw.client, nw.server));
    assert_false(otw_baseline_knows_port(b, nw.client, nw.server, 6, 502));
    /* no devices are learned while protecting */
    ip("192.168.10.40", c);
    assert_false(otw_baseline_knows_ip(b, c));
    save(b, st);
    otw_baseline_free(b);
    b = load(st);
    e = otw_baseline_lookup(b, &k[0]);
    assert_non_null(e);
    assert_int_equal(e->status, OTW_BL_NEW);
    assert_int_equal(e->sessions, 2);
    assert_null(otw_baseline_find(b, &k[0]));
    otw_baseline_free(b);
    otw_store_close(st);
}

static void test_people_win(void **state)
{
    struct fx *f = *state;
    struct otw_store *st = open_rw(f);
    struct otw_baseline *b = load(st), *again;
    struct otw_sessinfo fi = sess("192.168.10.10", "192.168.10.20", 6, 20295, "tls", 0, T0);
    struct otw_bl_key k[OTW_OTC_COUNT + 1];
    struct otw_bl_entry e;
    struct otw_err err;

    otw_baseline_observe(b, &fi);
    save(b, st);
    otw_bl_keys_of(&fi, k);
    /* a reviewer approves it and writes a note, in another process */
    assert_int_equal(otw_store_bl_entry_set(st, otw_baseline_find(b, &k[0])->id, OTW_BL_APPROVED,
                                            OTW_BL_MAINTENANCE, "HMI link", &err),
                     0);
    /* the running engine (its copy still says learned) saves new counts */
    otw_baseline_observe(b, &fi);
    save(b, st);
    assert_int_equal(otw_store_bl_entry_get(st, otw_baseline_find(b, &k[0])->id, &e, &err), 1);
    assert_int_equal(e.status, OTW_BL_APPROVED);
    assert_int_equal(e.category, OTW_BL_MAINTENANCE);
    assert_string_equal(e.note, "HMI link");
    assert_int_equal(e.sessions, 2);
    /* unknown ids are an error with a message */
    assert_int_equal(otw_store_bl_entry_set(st, 9999, OTW_BL_APPROVED, -1, NULL, &err),
                     OTW_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no baseline entry 9999"));
    assert_int_equal(otw_store_bl_entry_delete(st, 9999, &err), OTW_ENOTFOUND);
    /* relearning the same sessions changes nothing (absorb takes the larger) */
    again = otw_baseline_new();
    otw_baseline_observe(again, &fi);
    otw_baseline_observe(again, &fi);
    otw_baseline_absorb(b, again);
    otw_baseline_absorb(b, again);
    assert_int_equal(otw_baseline_find(b, &k[0])->sessions, 2);
    otw_baseline_observe(again, &fi);
    otw_baseline_absorb(b, again);
    assert_int_equal(otw_baseline_find(b, &k[0])->sessions, 3);
    otw_baseline_free(again);
    otw_baseline_free(b);
    otw_store_close(st);
}

static void test_absorb_new(void **state)
{
    struct fx *f = *state;
    struct otw_store *st = open_rw(f);
    struct otw_baseline *b, *fresh;
    struct otw_sessinfo fi = sess("192.168.10.40", "192.168.10.30", 6, 502, "modbus",
                                  OTW_OTC_WRITE, T0);
    struct otw_bl_key k[OTW_OTC_COUNT + 1];
    struct otw_err err;

    assert_int_equal(otw_store_bl_meta_set(st, "mode", "protecting", &err), 0);
    b = load(st);
    otw_baseline_observe(b, &fi);           /* new */
    save(b, st);
    otw_baseline_free(b);
    /* `baseline learn` over the period: the new entry becomes learned */
    b = load(st);
    fresh = otw_baseline_new();
    otw_baseline_observe(fresh, &fi);
    otw_baseline_absorb(b, fresh);
    otw_bl_keys_of(&fi, k);
    assert_non_null(otw_baseline_find(b, &k[0]));
    assert_true(otw_baseline_knows_port(b, fi.client, fi.server, 6, 502));
    save(b, st);
    otw_baseline_free(b);
    otw_baseline_free(fresh);
    b = load(st);
    assert_int_equal(otw_baseline_find(b, &k[0])->status, OTW_BL_LEARNED);
    otw_baseline_free(b);
    otw_store_close(st);
}

static void test_windows(void **state)
{
    struct fx *f = *state;
    struct otw_store *st = open_rw(f);
    struct otw_baseline *b;
    struct otw_bl_window w = {"ssh-maint", "Tue 13:00-17:00"};
    struct otw_bl_rule r;
    struct otw_sessinfo fi;
    struct otw_err err;
    uint8_t lo[16], hi[16], x[16];
    /* Tuesday 2026-11-24 14:00 +09:00 = 05:00Z; Friday 09:20 is T0 */
    int64_t tue = T0 - 3 * 86400 * SEC + (4 * 3600 + 40 * 60) * SEC;

    assert_int_equal(otw_store_bl_window_put(st, &w, &err), 0);
    memset(&r, 0, sizeof(r));
    snprintf(r.window, sizeof(r.window), "ssh-maint");
    snprintf(r.client, sizeof(r.client), "192.168.10.40");
    snprintf(r.server, sizeof(r.server), "192.168.10.0/24");
    r.proto = 6;
    r.port = 22;
    snprintf(r.app, sizeof(r.app), "*");
    assert_int_equal(otw_store_bl_rule_add(st, &r, &err), 0);
    assert_true(r.id > 0);
    /* a rule for a window that does not exist */
    snprintf(r.window, sizeof(r.window), "nope");
    assert_int_equal(otw_store_bl_rule_add(st, &r, &err), OTW_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no maintenance window 'nope'"));
    b = load(st);
    fi = sess("192.168.10.40", "192.168.10.20", 6, 22, "ssh", 0, tue);
    assert_non_null(otw_baseline_window_of(b, &fi));
    assert_string_equal(otw_baseline_window_of(b, &fi), "ssh-maint");
    assert_true(otw_baseline_window_open(b, "ssh-maint", tue));
    assert_false(otw_baseline_window_open(b, "ssh-maint", T0));
    assert_false(otw_baseline_window_open(b, "other", tue));
    /* other client, other port, other direction: not restricted */
    fi = sess("192.168.10.10", "192.168.10.20", 6, 22, "ssh", 0, tue);
    assert_null(otw_baseline_window_of(b, &fi));
    fi = sess("192.168.10.40", "192.168.10.20", 6, 23, "telnet", 0, tue);
    assert_null(otw_baseline_window_of(b, &fi));
    fi = sess("192.168.10.40", "10.0.0.1", 6, 22, "ssh", 0, tue);
    assert_null(otw_baseline_window_of(b, &fi));
    otw_baseline_free(b);
    /* removing the window takes its rules along */
    assert_int_equal(otw_store_bl_window_delete(st, "ssh-maint", &err), 0);
    assert_int_equal(otw_store_bl_window_delete(st, "ssh-maint", &err), OTW_ENOTFOUND);
    b = load(st);
    fi = sess("192.168.10.40", "192.168.10.20", 6, 22, "ssh", 0, tue);
    assert_null(otw_baseline_window_of(b, &fi));
    otw_baseline_free(b);
    otw_store_close(st);
    /* CIDR ranges */
    assert_int_equal(otw_bl_host_parse("192.168.10.0/24", lo, hi), 0);
    ip("192.168.10.0", x);
    assert_memory_equal(lo, x, 16);
    ip("192.168.10.255", x);
    assert_memory_equal(hi, x, 16);
    assert_int_equal(otw_bl_host_parse("fe80::/10", lo, hi), 0);
    ip("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", x);
    assert_memory_equal(hi, x, 16);
    assert_int_equal(otw_bl_host_parse("192.168.10.0/33", lo, hi), OTW_EINVAL);
    assert_int_equal(otw_bl_host_parse("scada", lo, hi), OTW_EINVAL);
    assert_int_equal(otw_bl_host_parse("10.0.0.1/", lo, hi), OTW_EINVAL);
}

/* The ot-operational filter and query fields: approved operational only. */
static void test_operational(void **state)
{
    struct fx *f = *state;
    struct otw_store *st = open_rw(f);
    struct otw_baseline *b = load(st);
    struct otw_sessinfo poll = sess("192.168.10.20", "192.168.10.30", 6, 502, "modbus",
                                    OTW_OTC_READ, T0);
    struct otw_sessinfo ssh = sess("192.168.10.40", "192.168.10.20", 6, 22, "ssh", 0, T0);
    struct otw_sessinfo hmi = sess("192.168.10.10", "192.168.10.20", 6, 20295, "tls", 0, T0);
    struct otw_bl_key k[OTW_OTC_COUNT + 1];
    struct otw_bl_flowset *fs;
    struct otw_filter *flt;
    struct otw_pkt p;
    struct otw_err err;

    otw_baseline_observe(b, &poll);
    otw_baseline_observe(b, &ssh);
    otw_baseline_observe(b, &hmi);
    save(b, st);
    /* approve the poll (operational) and the ssh (maintenance); hmi stays learned */
    otw_bl_keys_of(&poll, k);
    assert_int_equal(otw_store_bl_entry_set(st, otw_baseline_find(b, &k[0])->id,
                                            OTW_BL_APPROVED, -1, NULL, &err), 0);
    otw_bl_keys_of(&ssh, k);
    assert_int_equal(otw_store_bl_entry_set(st, otw_baseline_find(b, &k[0])->id,
                                            OTW_BL_APPROVED, -1, NULL, &err), 0);
    otw_baseline_free(b);
    b = load(st);
    fs = otw_baseline_flowset(b);
    assert_int_equal(otw_bl_flowset_size(fs), 1);
    assert_true(otw_bl_flowset_has(fs, poll.client, poll.server, 6, 502));
    assert_false(otw_bl_flowset_has(fs, poll.server, poll.client, 6, 502));
    assert_false(otw_bl_flowset_has(fs, ssh.client, ssh.server, 6, 22));
    assert_false(otw_bl_flowset_has(fs, hmi.client, hmi.server, 6, 20295));
    otw_bl_flowset_free(fs);

    /* the capture-time preset, on decoded packets both ways */
    flt = otw_filter_new();
    assert_int_equal(otw_filter_add(flt, "ot-operational", &err), 0);
    assert_true(otw_filter_needs_baseline(flt));
    assert_true(otw_filter_active(flt));
    memset(&p, 0, sizeof(p));
    p.ipver = 4;
    p.proto = 6;
    p.flags = OTW_PF_PORTS;
    memcpy(p.src_ip, poll.client, 16);
    memcpy(p.dst_ip, poll.server, 16);
    p.sport = 40000;
    p.dport = 502;
    /* no baseline handed over yet: everything is kept */
    assert_true(otw_filter_match(flt, NULL, &p));
    assert_int_equal(otw_filter_set_baseline(flt, b), 1);
    assert_false(otw_filter_match(flt, NULL, &p));          /* request */
    memcpy(p.src_ip, poll.server, 16);
    memcpy(p.dst_ip, poll.client, 16);
    p.sport = 502;
    p.dport = 40000;
    assert_false(otw_filter_match(flt, NULL, &p));          /* reply */
    p.sport = 503;
    assert_true(otw_filter_match(flt, NULL, &p));           /* another port */
    memcpy(p.src_ip, ssh.client, 16);
    memcpy(p.dst_ip, ssh.server, 16);
    p.sport = 40000;
    p.dport = 22;
    assert_true(otw_filter_match(flt, NULL, &p));           /* maintenance stays */
    memset(&p, 0, sizeof(p));                               /* not IP (ARP) */
    assert_true(otw_filter_match(flt, NULL, &p));
    otw_filter_free(flt);
    otw_baseline_free(b);
    otw_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_category_guess),
        cmocka_unit_test_setup_teardown(test_learn_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protecting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_people_win, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absorb_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operational, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
