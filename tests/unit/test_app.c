/*
 * test_app.c - the per-session collection of parser values (proto/app.c):
 * counting, caps, and marks that let a repeated PDU be counted again.
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

static const char F[] = "test.field";
static const char G[] = "test.other";

static void counts_and_dup(void **unused)
{
    struct otw_app *a = otw_app_new(), *d;

    (void)unused;
    otw_app_strz(a, F, "x");
    otw_app_strz(a, F, "y");
    otw_app_strz(a, F, "x");
    otw_app_int(a, G, 7);
    otw_app_int(a, G, 7);
    otw_app_event(a, "test.event");
    assert_int_equal(otw_app_count_str(a, F, "x"), 2);
    assert_int_equal(otw_app_count_str(a, F, "y"), 1);
    assert_int_equal(otw_app_count_str(a, F, NULL), 3);
    assert_int_equal(otw_app_count_int(a, G, 7), 2);
    assert_int_equal(otw_app_event_count(a, "test.event"), 1);
    d = otw_app_dup(a);
    otw_app_reset_values(a);
    assert_int_equal(otw_app_count_str(a, F, NULL), 0);
    assert_int_equal(otw_app_count_str(d, F, "x"), 2);
    otw_app_free(d);
    otw_app_free(a);
}

/* A mark taken while values are found by the hint, by the full scan, or
 * newly added must repeat all of them. */
static void mark_every_path(void **unused)
{
    struct otw_app *a = otw_app_new();
    struct otw_app_mark m;

    (void)unused;
    otw_app_strz(a, F, "x");
    otw_app_strz(a, F, "y");        /* the hint now points at y */
    otw_app_int(a, G, 1);
    otw_app_int(a, G, 2);           /* and at 2 */
    otw_app_mark_begin(a, &m);
    otw_app_strz(a, F, "x");        /* found by the scan */
    otw_app_strz(a, F, "x");        /* found by the hint */
    otw_app_int(a, G, 1);           /* scan */
    otw_app_strz(a, F, "new");      /* added */
    otw_app_mark_end(a);
    assert_true(m.ok);
    assert_int_equal(m.n, 4);
    assert_true(otw_app_mark_repeat(a, &m));
    assert_int_equal(otw_app_count_str(a, F, "x"), 5);
    assert_int_equal(otw_app_count_int(a, G, 1), 3);
    assert_int_equal(otw_app_count_str(a, F, "new"), 2);
    assert_int_equal(otw_app_count_str(a, F, "y"), 1);
    /* values reset (next segment): the mark is stale */
    otw_app_reset_values(a);
    assert_false(otw_app_mark_repeat(a, &m));
    /* an event inside a mark makes it unusable */
    otw_app_mark_begin(a, &m);
    otw_app_strz(a, F, "x");
    otw_app_event(a, "test.bad");
    otw_app_mark_end(a);
    assert_false(otw_app_mark_repeat(a, &m));
    assert_int_equal(otw_app_count_str(a, F, "x"), 1);
    otw_app_free(a);
}

static void caps(void **unused)
{
    struct otw_app *a = otw_app_new();
    char v[16], big[OTW_APP_MAX_VALUE_LEN + 50];

    (void)unused;
    for (int i = 0; i < OTW_APP_MAX_VALUES + 10; i++) {
        snprintf(v, sizeof(v), "v%d", i);
        otw_app_strz(a, F, v);
    }
    assert_int_equal(a->nvalues, OTW_APP_MAX_VALUES);
    assert_int_equal(a->dropped, 10);
    otw_app_reset_values(a);
    memset(big, 'b', sizeof(big));
    otw_app_str(a, F, big, sizeof(big));
    assert_int_equal(a->values[0].slen, OTW_APP_MAX_VALUE_LEN);
    for (int i = 0; i < OTW_APP_MAX_PROTOCOLS + 3; i++)
        otw_app_protocol(a, i % 2 ? "p1" : "p0");
    assert_int_equal(a->nprotocols, 2);
    otw_app_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_and_dup),
        cmocka_unit_test(mark_every_path),
        cmocka_unit_test(caps),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
