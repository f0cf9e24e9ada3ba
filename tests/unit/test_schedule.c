/*
 * test_schedule.c - plant time and maintenance window schedules: window
 * edges (start inclusive, end exclusive), spans crossing midnight, whole
 * days, daylight-saving transitions (Europe/Berlin, America/New_York, from
 * the system's tzdata), fixed offsets with their signs, and the messages
 * for bad input.
 *
 * Instants are written in UTC and converted with the project's own time
 * parser, so each case says exactly which instant it is about.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/timeutil.h"
#include "detect/schedule.h"

static int64_t at(const char *utc)
{
    int64_t us;

    assert_int_equal(otw_time_parse(utc, 0, &us), 0);
    return us;
}

static void set_tz(const char *tz)
{
    struct otw_err e;

    memset(&e, 0, sizeof(e));
    assert_int_equal(otw_plant_tz_set(tz, &e), 0);
    assert_string_equal(otw_plant_tz(), tz);
}

static struct otw_schedule *sched(const char *text)
{
    struct otw_schedule *s = NULL;
    struct otw_err e;

    memset(&e, 0, sizeof(e));
    assert_int_equal(otw_schedule_parse(text, &s, &e), 0);
    assert_non_null(s);
    return s;
}

static void test_fixed_offsets(void **state)
{
    struct otw_local l;

    (void)state;
    /* the testbed's normal capture: Friday 09:20 in the plant (+09:00) */
    set_tz("+09:00");
    otw_plant_local(at("2026-11-27T00:20:00Z"), &l);
    assert_int_equal(l.wday, 4);
    assert_int_equal(l.hour, 9);
    assert_int_equal(l.min, 20);
    assert_int_equal(l.utc_offset_s, 9 * 3600);
    assert_int_equal(otw_plant_how(at("2026-11-27T00:20:00Z")), 4 * 24 + 9);
    /* the day changes at local midnight: 15:00Z Sunday is Monday 00:00 */
    assert_int_equal(otw_plant_how(at("2026-11-29T15:00:00Z")), 0);
    assert_int_equal(otw_plant_how(at("2026-11-29T14:59:59Z")), 167);
    /* west of UTC: -05:30 */
    set_tz("-05:30");
    otw_plant_local(at("2026-11-27T05:29:00Z"), &l);
    assert_int_equal(l.wday, 3);        /* Thursday 23:59 */
    assert_int_equal(l.hour, 23);
    assert_int_equal(l.min, 59);
    assert_int_equal(l.utc_offset_s, -(5 * 3600 + 1800));
    /* "UTC+09:00" is ISO's sign (east), not POSIX TZ's */
    set_tz("UTC+09:00");
    otw_plant_local(at("2026-11-27T00:20:00Z"), &l);
    assert_int_equal(l.hour, 9);
    set_tz("UTC");
    otw_plant_local(at("2026-11-27T00:20:00Z"), &l);
    assert_int_equal(l.hour, 0);
    assert_int_equal(l.utc_offset_s, 0);
    /* before 1970 too (floor division) */
    otw_plant_local(-3600 * 1000000LL, &l);     /* 1969-12-31T23:00:00Z */
    assert_int_equal(l.wday, 2);        /* Wednesday */
    assert_int_equal(l.hour, 23);
    /* an IANA name with a fixed offset agrees with the arithmetic */
    set_tz("Asia/Tokyo");
    otw_plant_local(at("2026-11-27T00:20:00Z"), &l);
    assert_int_equal(l.wday, 4);
    assert_int_equal(l.hour, 9);
    assert_int_equal(l.utc_offset_s, 9 * 3600);
}

static void test_bad_zones(void **state)
{
    static const char *const bad[] = {"Mars/Olympus", "+15:00", "+09:60", "09:00", "+",
                                      "../../etc/passwd", "/etc/localtime", "Asia/Tokyo "};
    struct otw_err e;

    (void)state;
    set_tz("+09:00");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        assert_int_equal(otw_plant_tz_set(bad[i], &e), OTW_EINVAL);
        assert_non_null(strstr(e.msg, "unknown time zone"));
        assert_non_null(strstr(e.msg, bad[i]));
        /* a bad setting leaves the zone as it was */
        assert_string_equal(otw_plant_tz(), "+09:00");
    }
}

static void test_edges(void **state)
{
    struct otw_schedule *s;

    (void)state;
    set_tz("+09:00");
    /* Tuesday 2026-11-24, 13:00-17:00 local = 04:00-08:00Z */
    s = sched("Tue 13:00-17:00");
    assert_false(otw_schedule_contains(s, at("2026-11-24T03:59:59Z")));
    assert_true(otw_schedule_contains(s, at("2026-11-24T04:00:00Z")));
    assert_true(otw_schedule_contains(s, at("2026-11-24T07:59:59Z")));
    assert_false(otw_schedule_contains(s, at("2026-11-24T08:00:00Z")));
    /* the same hours on Wednesday are outside */
    assert_false(otw_schedule_contains(s, at("2026-11-25T05:00:00Z")));
    /* and on the Tuesday a week later inside */
    assert_true(otw_schedule_contains(s, at("2026-12-01T05:00:00Z")));
    otw_schedule_free(s);

    s = sched("Mon-Fri 09:00-10:00, Tue 13:00-17:00");
    assert_string_equal(otw_schedule_text(s), "Mon-Fri 09:00-10:00, Tue 13:00-17:00");
    assert_true(otw_schedule_contains(s, at("2026-11-27T00:20:00Z")));    /* Fri 09:20 */
    assert_false(otw_schedule_contains(s, at("2026-11-28T00:20:00Z")));   /* Sat 09:20 */
    assert_true(otw_schedule_contains(s, at("2026-11-24T05:00:00Z")));    /* Tue 14:00 */
    assert_false(otw_schedule_contains(s, at("2026-11-23T05:00:00Z")));   /* Mon 14:00 */
    otw_schedule_free(s);
}

static void test_midnight(void **state)
{
    struct otw_schedule *s;

    (void)state;
    set_tz("+09:00");
    /* Friday 22:00 .. Saturday 06:00 (Fri 2026-11-27 22:00 = 13:00Z) */
    s = sched("Fri 22:00-06:00");
    assert_false(otw_schedule_contains(s, at("2026-11-27T12:59:59Z")));   /* Fri 21:59:59 */
    assert_true(otw_schedule_contains(s, at("2026-11-27T13:00:00Z")));    /* Fri 22:00 */
    assert_true(otw_schedule_contains(s, at("2026-11-27T15:00:00Z")));    /* Sat 00:00 */
    assert_true(otw_schedule_contains(s, at("2026-11-27T20:59:59Z")));    /* Sat 05:59:59 */
    assert_false(otw_schedule_contains(s, at("2026-11-27T21:00:00Z")));   /* Sat 06:00 */
    /* the span belongs to Friday: Saturday evening and Friday morning are out */
    assert_false(otw_schedule_contains(s, at("2026-11-28T13:30:00Z")));   /* Sat 22:30 */
    assert_false(otw_schedule_contains(s, at("2026-11-26T20:00:00Z")));   /* Fri 05:00 */
    otw_schedule_free(s);

    /* daily: Sunday night runs into Monday morning */
    s = sched("daily 22:00-06:00");
    assert_string_equal(otw_schedule_text(s), "daily 22:00-06:00");
    assert_true(otw_schedule_contains(s, at("2026-11-29T18:00:00Z")));    /* Mon 03:00 */
    assert_false(otw_schedule_contains(s, at("2026-11-30T03:00:00Z")));   /* Mon 12:00 */
    otw_schedule_free(s);

    /* whole days */
    s = sched("Sat,Sun 00:00-24:00");
    assert_string_equal(otw_schedule_text(s), "Sat,Sun 00:00-24:00");
    assert_false(otw_schedule_contains(s, at("2026-11-27T14:59:59Z")));   /* Fri 23:59:59 */
    assert_true(otw_schedule_contains(s, at("2026-11-27T15:00:00Z")));    /* Sat 00:00 */
    assert_true(otw_schedule_contains(s, at("2026-11-29T14:59:59Z")));    /* Sun 23:59:59 */
    assert_false(otw_schedule_contains(s, at("2026-11-29T15:00:00Z")));   /* Mon 00:00 */
    otw_schedule_free(s);

    /* a day range across the weekend, full names, weekdays */
    s = sched("friday-mon 08:00-09:00; weekdays 12:00-12:30");
    assert_string_equal(otw_schedule_text(s), "Mon,Fri-Sun 08:00-09:00, Mon-Fri 12:00-12:30");
    assert_true(otw_schedule_contains(s, at("2026-11-29T23:30:00Z")));    /* Mon 08:30 */
    assert_false(otw_schedule_contains(s, at("2026-11-24T23:30:00Z")));   /* Wed 08:30 */
    assert_true(otw_schedule_contains(s, at("2026-11-25T03:15:00Z")));    /* Wed 12:15 */
    otw_schedule_free(s);
}

static void test_dst_berlin(void **state)
{
    struct otw_schedule *s, *t;
    struct otw_local l;

    (void)state;
    set_tz("Europe/Berlin");
    /* spring: Sunday 2026-03-29, 02:00 CET becomes 03:00 CEST at 01:00Z */
    otw_plant_local(at("2026-03-29T00:59:59Z"), &l);
    assert_int_equal(l.hour, 1);
    assert_int_equal(l.utc_offset_s, 3600);
    otw_plant_local(at("2026-03-29T01:00:00Z"), &l);
    assert_int_equal(l.wday, 6);
    assert_int_equal(l.hour, 3);
    assert_int_equal(l.utc_offset_s, 7200);
    s = sched("Sun 03:00-04:00");
    assert_false(otw_schedule_contains(s, at("2026-03-29T00:59:59Z")));   /* 01:59:59 CET */
    assert_true(otw_schedule_contains(s, at("2026-03-29T01:00:00Z")));    /* 03:00 CEST */
    assert_false(otw_schedule_contains(s, at("2026-03-29T02:00:00Z")));   /* 04:00 CEST */
    /* the skipped hour never happens */
    t = sched("Sun 02:00-03:00");
    for (int64_t us = at("2026-03-28T22:00:00Z"); us < at("2026-03-29T04:00:00Z");
         us += 60 * 1000000LL)
        assert_false(otw_schedule_contains(t, us));
    /* the week before, in winter time, 02:00 CET is 01:00Z */
    assert_true(otw_schedule_contains(t, at("2026-03-22T01:00:00Z")));
    assert_false(otw_schedule_contains(s, at("2026-03-22T01:00:00Z")));
    otw_schedule_free(s);

    /* autumn: Sunday 2026-10-25, 03:00 CEST becomes 02:00 CET at 01:00Z:
     * 02:00-03:00 happens twice and the window is open both times */
    otw_plant_local(at("2026-10-25T00:30:00Z"), &l);
    assert_int_equal(l.hour, 2);
    assert_int_equal(l.utc_offset_s, 7200);
    otw_plant_local(at("2026-10-25T01:30:00Z"), &l);
    assert_int_equal(l.hour, 2);
    assert_int_equal(l.utc_offset_s, 3600);
    assert_false(otw_schedule_contains(t, at("2026-10-24T23:59:59Z")));   /* 01:59:59 CEST */
    assert_true(otw_schedule_contains(t, at("2026-10-25T00:00:00Z")));    /* 02:00 CEST */
    assert_true(otw_schedule_contains(t, at("2026-10-25T01:30:00Z")));    /* 02:30 CET */
    assert_false(otw_schedule_contains(t, at("2026-10-25T02:00:00Z")));   /* 03:00 CET */
    assert_int_equal(otw_plant_how(at("2026-10-25T00:30:00Z")), 6 * 24 + 2);
    assert_int_equal(otw_plant_how(at("2026-10-25T01:30:00Z")), 6 * 24 + 2);
    otw_schedule_free(t);
}

static void test_dst_new_york(void **state)
{
    struct otw_schedule *s;
    struct otw_local l;

    (void)state;
    set_tz("America/New_York");
    /* spring: Sunday 2026-03-08, 02:00 EST becomes 03:00 EDT at 07:00Z */
    otw_plant_local(at("2026-03-08T06:59:59Z"), &l);
    assert_int_equal(l.hour, 1);
    assert_int_equal(l.utc_offset_s, -5 * 3600);
    otw_plant_local(at("2026-03-08T07:00:00Z"), &l);
    assert_int_equal(l.hour, 3);
    assert_int_equal(l.utc_offset_s, -4 * 3600);
    /* a window crossing midnight across the change: Sat 23:00 - Sun 03:30 */
    s = sched("Sat 23:00-03:30");
    assert_true(otw_schedule_contains(s, at("2026-03-08T04:00:00Z")));    /* Sat 23:00 EST */
    assert_true(otw_schedule_contains(s, at("2026-03-08T07:29:59Z")));    /* Sun 03:29:59 EDT */
    assert_false(otw_schedule_contains(s, at("2026-03-08T07:30:00Z")));   /* Sun 03:30 EDT */
    otw_schedule_free(s);
    /* autumn: Sunday 2026-11-01, 02:00 EDT becomes 01:00 EST at 06:00Z */
    s = sched("Sun 01:00-02:00");
    assert_false(otw_schedule_contains(s, at("2026-11-01T04:59:59Z")));   /* 00:59:59 EDT */
    assert_true(otw_schedule_contains(s, at("2026-11-01T05:30:00Z")));    /* 01:30 EDT */
    assert_true(otw_schedule_contains(s, at("2026-11-01T06:30:00Z")));    /* 01:30 EST */
    assert_false(otw_schedule_contains(s, at("2026-11-01T07:00:00Z")));   /* 02:00 EST */
    otw_schedule_free(s);
    set_tz("+09:00");
}

static void bad_schedule(const char *text, const char *want)
{
    struct otw_schedule *s = (struct otw_schedule *)1;
    struct otw_err e;

    memset(&e, 0, sizeof(e));
    assert_int_equal(otw_schedule_parse(text, &s, &e), OTW_EINVAL);
    assert_null(s);
    if (strstr(e.msg, want) == NULL)
        fail_msg("schedule '%s': message '%s' lacks '%s'", text, e.msg, want);
}

static void test_bad_schedules(void **state)
{
    (void)state;
    bad_schedule("", "empty schedule");
    bad_schedule("   ", "empty schedule");
    bad_schedule("Mox 09:00-10:00", "'Mox' is not a day");
    bad_schedule("09:00-10:00", "is not a day");
    bad_schedule("Mon 25:00-26:00", "'25:00' is not a start time");
    bad_schedule("Mon 09:00-24:30", "'24:30' is not a time");
    bad_schedule("Mon 24:00-01:00", "'24:00' is not a start time");
    bad_schedule("Mon 9h-10h", "is not a time");
    bad_schedule("Mon 09:00", "ends early: expected '-'");
    bad_schedule("Mon", "ends early: expected a time range");
    bad_schedule("Mon-Fry 09:00-10:00", "'Fry' is not a day");
    bad_schedule("Mon 09:00-09:00", "starts and ends at the same time");
    bad_schedule("Mon 09:00-10:00 Tue 11:00-12:00", "expected ',' before the next span");
    bad_schedule("Mon, 09:00-10:00", "expected a time range");
    bad_schedule("Sat,Sunday,Moon 00:00-24:00", "'Moon' is not a day");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_offsets), cmocka_unit_test(test_bad_zones),
        cmocka_unit_test(test_edges),         cmocka_unit_test(test_midnight),
        cmocka_unit_test(test_dst_berlin),    cmocka_unit_test(test_dst_new_york),
        cmocka_unit_test(test_bad_schedules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
