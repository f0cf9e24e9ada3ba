/*
 * timeutil.h - times as people type them and as RFC 3339 prints them.
 * All times are microseconds since the epoch, UTC.
 */
#ifndef OTW_TIMEUTIL_H
#define OTW_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Accepts RFC 3339 ("2024-05-01T13:00:00Z", "...+09:00", fractions),
 * "2024-05-01" (midnight UTC), "2024-05-01 13:00[:00]" (UTC), unix seconds
 * ("1714568400", "1714568400.25"), and a span back from now_us ("-2h", "30m",
 * "7d", "90s", "1w"). Returns 0, or -1 if the text is none of these. */
int otw_time_parse(const char *s, int64_t now_us, int64_t *out_us);
/* "2024-05-01T13:00:00.123456Z"; buf >= 32 bytes. */
const char *otw_time_format(int64_t us, char *buf, size_t len);
/* "2024-05-01 13:00:00" (UTC, to the second); buf >= 20 bytes. */
const char *otw_time_format_short(int64_t us, char *buf, size_t len);
int64_t otw_now_us(void);
/* "1.2 M", "34.5 k", "950" */
const char *otw_fmt_si(double v, char *buf, size_t len);
/* "1.5 MB", "12 kB", "900 B" */
const char *otw_fmt_bytes(uint64_t v, char *buf, size_t len);

#endif
