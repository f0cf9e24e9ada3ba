/*
 * store_daily.h - what the daily check page (api/api_daily.c) asks of the
 * store beyond the other headers: the traffic of the busiest hosts hour by
 * hour over one day, and where the database lives on disk (its size and the
 * free space of its filesystem). SQLite: sqlite_daily.c. Included by store.h.
 */
#ifndef OTW_STORE_DAILY_H
#define OTW_STORE_DAILY_H

#include "core/common.h"

struct otw_store;

/* The traffic of one host in one hour of a range: the sessions it took
 * part in (as source, or as destination of TCP, UDP or SCTP) that started
 * in the hour, and their bytes both ways. Sessions count where they started
 * (a session that started the day before is not in this day), so the sum
 * over the hours of a host equals what `otwatch hosts --since S --until U
 * 'starttime >= S && starttime < U'` reports for it (sessions out + in,
 * bytes out + in). */
struct otw_host_hour {
    uint8_t ip[16];
    int hour;                   /* 0 .. nhours - 1 */
    uint64_t sessions, bytes;
    uint64_t total_sessions, total_bytes;   /* the host's over the whole range */
};
typedef int (*otw_host_hour_cb)(void *ctx, const struct otw_host_hour *h);

/* Totals of a range: sessions started in it, their bytes, distinct hosts
 * (counted as above). */
struct otw_range_totals {
    uint64_t sessions, bytes, hosts;
};

/* The `top` hosts with the most bytes in [since_us, until_us) (hours counted
 * from since_us), busiest first, each host's hours in order (hours without
 * traffic are not reported); totals (may be NULL) gets the range's totals.
 * top <= 0: every host. */
int otw_store_host_hours(struct otw_store *st, int64_t since_us, int64_t until_us, int64_t top,
                         otw_host_hour_cb cb, void *ctx, struct otw_range_totals *totals,
                         struct otw_err *err);

/* The database file of the store ("" for an in-memory one): valid while
 * the store is open. */
const char *otw_store_path(struct otw_store *st);

#endif
