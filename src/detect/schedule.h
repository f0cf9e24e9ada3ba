/*
 * schedule.h - plant time and schedules.
 *
 * The plant's time zone is process-wide (plant.timezone in the settings:
 * an IANA name such as "Asia/Tokyo", "UTC", or a fixed offset "+09:00"), so
 * hour-of-week profiles, learned hours and maintenance windows are all in
 * the plant's local time, daylight saving included (the C library's zone
 * rules from tzdata).
 *
 * A schedule is a list of weekly spans: "Mon-Fri 09:00-10:00, Tue 13:00-17:00",
 * "Sat,Sun 00:00-24:00", "daily 22:00-06:00" (a span may cross midnight: it
 * belongs to the day it starts on). Days: Mon..Sun (or full names), ranges
 * (Fri-Mon wraps), daily, weekdays, weekends. Start inclusive, end
 * exclusive, to the minute, in plant wall-clock time.
 *
 * Threads: otw_plant_tz_set() changes the process's TZ; call it at start-up
 * before any thread reads plant time.
 */
#ifndef OTW_SCHEDULE_H
#define OTW_SCHEDULE_H

#include "core/common.h"

/* Sets the plant time zone; NULL or "" keeps the process's TZ (local time). */
int otw_plant_tz_set(const char *tz, struct otw_err *err);
/* The zone as set ("Asia/Tokyo", "+09:00", or "" for the process's). */
const char *otw_plant_tz(void);

/* Plant-local broken-down time of a UTC microsecond timestamp. */
struct otw_local {
    int wday;       /* 0 = Monday .. 6 = Sunday */
    int hour, min, sec;
    int utc_offset_s;
};
void otw_plant_local(int64_t us, struct otw_local *out);
/* Hour of the week in plant time: 0 = Monday 00:00-00:59 .. 167 = Sunday 23h. */
int otw_plant_how(int64_t us);
/* "Mon 09" for hour of the week 9 (buf >= 8); and back (-1 if not one). */
const char *otw_how_str(int how, char *buf, size_t len);
int otw_how_parse(const char *s);

struct otw_schedule;
/* Parses a schedule; OTW_EINVAL with a message naming the bad part. */
int otw_schedule_parse(const char *text, struct otw_schedule **out, struct otw_err *err);
void otw_schedule_free(struct otw_schedule *s);
/* Whether the instant is inside the schedule (plant time). */
bool otw_schedule_contains(const struct otw_schedule *s, int64_t us);
/* Normalised text ("Mon-Fri 09:00-10:00, Tue 13:00-17:00"). */
const char *otw_schedule_text(const struct otw_schedule *s);

#endif
