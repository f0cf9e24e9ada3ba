/*
 * schedule.c - plant time and weekly schedules (see schedule.h).
 *
 * The plant's zone is kept process-wide. A fixed offset ("+09:00", "UTC")
 * is applied by arithmetic, which is exact and needs no zone files; an IANA
 * name goes through the C library (TZ + tzset(), then localtime_r()), which
 * applies tzdata's daylight-saving rules. glibc quietly treats an unknown
 * name as UTC, so a name is checked against the zone files first: a typo in
 * plant.timezone is an error, not nine hours of wrong windows.
 *
 * Beware POSIX TZ signs: "UTC-09" means nine hours EAST of Greenwich. We
 * never hand a user's offset to TZ as such; "+09:00" becomes "<+0900>-09:00".
 *
 * A schedule is a list of spans, each a set of weekdays and a time range
 * in plant wall-clock time, minutes [start, end). A span whose end is not
 * after its start crosses midnight and belongs to the day it starts on:
 * "Fri 22:00-06:00" holds Friday 22:00 to Saturday 05:59. Wall-clock
 * semantics mean that on the day clocks go forward a window inside the
 * skipped hour does not happen, and on the day they go back a window inside
 * the repeated hour is open both times.
 */
#include "detect/schedule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* The plant zone: process-wide, set once at start-up (before threads). */
static struct {
    char name[64];          /* as given, "" for the process's TZ */
    bool fixed;             /* fixed offset: arithmetic, no libc */
    int offset_s;           /* east of UTC */
} plant;

static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const day_long[7] = {"monday", "tuesday", "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};

/* "+09:00", "-05:30", "+0900", "+9", "UTC+09:00", "GMT-3"; ISO sign (east
 * positive). 0 and *off, or -1. */
static int parse_offset(const char *s, int *off)
{
    int sign, h = 0, m = 0, nd = 0;

    if (strncasecmp(s, "UTC", 3) == 0 || strncasecmp(s, "GMT", 3) == 0)
        s += 3;
    if (*s != '+' && *s != '-')
        return -1;
    sign = *s++ == '-' ? -1 : 1;
    while (isdigit((unsigned char)*s) && nd < 2) {
        h = h * 10 + (*s++ - '0');
        nd++;
    }
    if (nd == 0)
        return -1;
    if (*s == ':')
        s++;
    if (*s != '\0') {
        if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != '\0')
            return -1;
        m = (s[0] - '0') * 10 + (s[1] - '0');
    }
    if (h > 14 || m > 59 || (h == 14 && m > 0))
        return -1;
    *off = sign * (h * 3600 + m * 60);
    return 0;
}

/* An IANA name that the zone files have. */
static bool zone_exists(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    struct stat sb;

    if (name[0] == '/' || strstr(name, "..") != NULL)
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
            return false;
    snprintf(path, sizeof(path), "%s/%s", dir != NULL && dir[0] ? dir : "/usr/share/zoneinfo",
             name);
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int otw_plant_tz_set(const char *tz, struct otw_err *err)
{
    int off;
    char posix[64];

    if (tz == NULL || tz[0] == '\0') {
        plant.name[0] = '\0';
        plant.fixed = false;
        tzset();
        return 0;
    }
    if (strlen(tz) >= sizeof(plant.name)) {
        otw_err_set(err, -1, "time zone '%.40s...' is too long", tz);
        return OTW_EINVAL;
    }
    if (strcasecmp(tz, "UTC") == 0 || strcasecmp(tz, "GMT") == 0 || strcmp(tz, "Z") == 0) {
        off = 0;
    } else if (parse_offset(tz, &off) != 0) {
        if (!zone_exists(tz)) {
            otw_err_set(err, -1,
                        "unknown time zone '%s': give an IANA name such as Asia/Tokyo or "
                        "Europe/Berlin, UTC, or an offset such as +09:00 (east of UTC "
                        "positive)",
                        tz);
            return OTW_EINVAL;
        }
        if (setenv("TZ", tz, 1) != 0) {
            otw_err_set(err, -1, "cannot set the time zone");
            return OTW_ENOMEM;
        }
        tzset();
        snprintf(plant.name, sizeof(plant.name), "%s", tz);
        plant.fixed = false;
        return 0;
    }
    /* POSIX TZ counts west of UTC as positive: +09:00 is "<+0900>-09:00". */
    snprintf(posix, sizeof(posix), "<%c%02d%02d>%c%02d:%02d", off < 0 ? '-' : '+',
             abs(off) / 3600, abs(off) % 3600 / 60, off <= 0 ? '+' : '-', abs(off) / 3600,
             abs(off) % 3600 / 60);
    if (setenv("TZ", posix, 1) != 0) {
        otw_err_set(err, -1, "cannot set the time zone");
        return OTW_ENOMEM;
    }
    tzset();
    snprintf(plant.name, sizeof(plant.name), "%s", tz);
    plant.fixed = true;
    plant.offset_s = off;
    return 0;
}

const char *otw_plant_tz(void)
{
    return plant.name;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void otw_plant_local(int64_t us, struct otw_local *out)
{
    int64_t secs = floor_div(us, 1000000);

    if (plant.fixed) {
        int64_t t = secs + plant.offset_s;
        int64_t days = floor_div(t, 86400);
        int64_t sod = t - days * 86400;

        /* 1970-01-01 was a Thursday: 3 counting from Monday. */
        out->wday = (int)(((days % 7) + 7 + 3) % 7);
        out->hour = (int)(sod / 3600);
        out->min = (int)(sod % 3600 / 60);
        out->sec = (int)(sod % 60);
        out->utc_offset_s = plant.offset_s;
    } else {
        time_t tt = (time_t)secs;
        struct tm tm;

        if (localtime_r(&tt, &tm) == NULL) {
            memset(out, 0, sizeof(*out));
            return;
        }
        out->wday = (tm.tm_wday + 6) % 7;
        out->hour = tm.tm_hour;
        out->min = tm.tm_min;
        out->sec = tm.tm_sec;
        out->utc_offset_s = (int)tm.tm_gmtoff;
    }
}

int otw_plant_how(int64_t us)
{
    struct otw_local l;

    otw_plant_local(us, &l);
    return l.wday * 24 + l.hour;
}

const char *otw_how_str(int how, char *buf, size_t len)
{
    if (how < 0 || how >= 168)
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, "%s %02d", day_names[how / 24], how % 24);
    return buf;
}

int otw_how_parse(const char *s)
{
    int d, h;

    for (d = 0; d < 7; d++)
        if (strncasecmp(s, day_names[d], 3) == 0 && s[3] == ' ')
            break;
    if (d == 7 || !isdigit((unsigned char)s[4]) || !isdigit((unsigned char)s[5]) || s[6])
        return -1;
    h = (s[4] - '0') * 10 + (s[5] - '0');
    return h < 24 ? d * 24 + h : -1;
}

/* --- schedules --------------------------------------------------------------- */

#define MAX_SPANS 32

struct span {
    uint8_t days;           /* bit d: weekday d (0 = Monday) */
    int16_t start, end;     /* minutes of the day; end may be <= start (crosses midnight) */
};

struct otw_schedule {
    struct span s[MAX_SPANS];
    int n;
    char text[512];
};

struct sparse {
    const char *text;       /* the whole schedule, for messages */
    const char *p;
    struct otw_err *err;
};

static void skip_ws(struct sparse *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

/* A word of letters at p: its length. */
static size_t word_len(const char *p)
{
    size_t n = 0;

    while (isalpha((unsigned char)p[n]))
        n++;
    return n;
}

static int bad(struct sparse *ps, const char *what, size_t n)
{
    int w = (int)(n > 0 ? n : strcspn(ps->p, " ,;"));

    if (w == 0)
        w = (int)strlen(ps->p);
    if (w > 40)
        w = 40;
    if (*ps->p == '\0')
        otw_err_set(ps->err, -1, "schedule '%s': ends early: expected %s", ps->text, what);
    else
        otw_err_set(ps->err, -1, "schedule '%s': '%.*s' is not %s", ps->text, w, ps->p, what);
    return OTW_EINVAL;
}

static int expected(struct sparse *ps, const char *what)
{
    if (*ps->p == '\0')
        otw_err_set(ps->err, -1, "schedule '%s': ends early: expected %s", ps->text, what);
    else
        otw_err_set(ps->err, -1, "schedule '%s': expected %s at '%.20s'", ps->text, what, ps->p);
    return OTW_EINVAL;
}

/* One weekday name; -1 if the word is none. */
static int day_of(const char *p, size_t n)
{
    for (int d = 0; d < 7; d++) {
        if (n == 3 && strncasecmp(p, day_names[d], 3) == 0)
            return d;
        if (n == strlen(day_long[d]) && strncasecmp(p, day_long[d], n) == 0)
            return d;
    }
    return -1;
}

static const char DAYS_WANTED[] =
    "a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun, a range such as Mon-Fri, daily, weekdays or "
    "weekends)";

/* days := item (',' item)*, item := day ['-' day] | daily | weekdays | weekends */
static int parse_days(struct sparse *ps, uint8_t *mask)
{
    *mask = 0;
    for (;;) {
        size_t n;
        int a, b;

        skip_ws(ps);
        n = word_len(ps->p);
        if (n == 5 && strncasecmp(ps->p, "daily", 5) == 0) {
            *mask |= 0x7f;
            ps->p += n;
        } else if (n == 8 && strncasecmp(ps->p, "weekdays", 8) == 0) {
            *mask |= 0x1f;
            ps->p += n;
        } else if (n == 8 && strncasecmp(ps->p, "weekends", 8) == 0) {
            *mask |= 0x60;
            ps->p += n;
        } else {
            if ((a = day_of(ps->p, n)) < 0)
                return bad(ps, DAYS_WANTED, n);
            ps->p += n;
            b = a;
            if (*ps->p == '-') {
                ps->p++;
                n = word_len(ps->p);
                if ((b = day_of(ps->p, n)) < 0)
                    return bad(ps, DAYS_WANTED, n);
                ps->p += n;
            }
            /* Fri-Mon wraps over the weekend */
            for (int d = a;; d = (d + 1) % 7) {
                *mask |= (uint8_t)(1u << d);
                if (d == b)
                    break;
            }
        }
        /* after a comma, a word is another day ("Sat,Sun"); anything else
         * is left for the caller */
        if (*ps->p == ',' && isalpha((unsigned char)ps->p[1 + strspn(ps->p + 1, " \t")])) {
            ps->p++;
            continue;
        }
        return 0;
    }
}

/* HH:MM, 00:00 .. 24:00 (24:00 only where allowed). */
static int parse_hm(struct sparse *ps, int16_t *min, bool allow_24)
{
    const char *p = ps->p;
    int h, m;
    static const char WANT[] = "a time (HH:MM, 00:00 to 24:00)";

    if (!isdigit((unsigned char)p[0]))
        return bad(ps, WANT, strcspn(p, " ,;-"));
    h = p[0] - '0';
    p++;
    if (isdigit((unsigned char)*p))
        h = h * 10 + (*p++ - '0');
    if (*p != ':' || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
        isdigit((unsigned char)p[3]))
        return bad(ps, WANT, strcspn(ps->p, " ,;-"));
    m = (p[1] - '0') * 10 + (p[2] - '0');
    if (h > 24 || m > 59 || (h == 24 && (m != 0 || !allow_24)))
        return bad(ps, allow_24 ? WANT : "a start time (HH:MM, 00:00 to 23:59)",
                   strcspn(ps->p, " ,;-"));
    *min = (int16_t)(h * 60 + m);
    ps->p = p + 3;
    return 0;
}

static void days_text(uint8_t mask, char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    if (mask == 0x7f) {
        snprintf(buf, len, "daily");
        return;
    }
    for (int d = 0; d < 7;) {
        int e = d;

        if (!(mask & (1u << d))) {
            d++;
            continue;
        }
        while (e + 1 < 7 && (mask & (1u << (e + 1))))
            e++;
        if (e - d >= 2)
            o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s-%s", o ? "," : "",
                                  day_names[d], day_names[e]);
        else
            for (int k = d; k <= e; k++)
                o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "",
                                      day_names[k]);
        d = e + 1;
    }
}

int otw_schedule_parse(const char *text, struct otw_schedule **out, struct otw_err *err)
{
    struct otw_schedule *s;
    struct sparse ps = {text, text, err};
    size_t o = 0;

    *out = NULL;
    if (text == NULL || text[strspn(text, " \t")] == '\0') {
        otw_err_set(err, -1, "empty schedule: write e.g. 'Mon-Fri 09:00-17:00' or "
                             "'Tue 13:00-17:00, daily 22:00-06:00'");
        return OTW_EINVAL;
    }
    if (strlen(text) > 400) {
        otw_err_set(err, -1, "schedule is too long (at most 400 characters)");
        return OTW_EINVAL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    for (;;) {
        struct span sp;
        char dt[64];

        if (s->n == MAX_SPANS) {
            otw_err_set(err, -1, "schedule '%s': too many spans (at most %d)", text, MAX_SPANS);
            goto fail;
        }
        if (parse_days(&ps, &sp.days) != 0)
            goto fail;
        skip_ws(&ps);
        if (ps.p[0] == '\0' || !isdigit((unsigned char)ps.p[0])) {
            expected(&ps, "a time range such as 09:00-17:00 after the days");
            goto fail;
        }
        if (parse_hm(&ps, &sp.start, false) != 0)
            goto fail;
        if (*ps.p != '-') {
            expected(&ps, "'-' between the start and end times (09:00-17:00)");
            goto fail;
        }
        ps.p++;
        if (parse_hm(&ps, &sp.end, true) != 0)
            goto fail;
        if (sp.end == sp.start) {
            otw_err_set(err, -1,
                        "schedule '%s': a span starts and ends at the same time (for the whole "
                        "day write 00:00-24:00)",
                        text);
            goto fail;
        }
        s->s[s->n++] = sp;
        days_text(sp.days, dt, sizeof(dt));
        o += (size_t)snprintf(s->text + o, o < sizeof(s->text) ? sizeof(s->text) - o : 0,
                              "%s%s %02d:%02d-%02d:%02d", o ? ", " : "", dt, sp.start / 60,
                              sp.start % 60, sp.end / 60, sp.end % 60);
        skip_ws(&ps);
        if (*ps.p == '\0')
            break;
        if (*ps.p != ',' && *ps.p != ';') {
            expected(&ps, "',' before the next span (Mon 09:00-10:00, Tue 13:00-17:00)");
            goto fail;
        }
        ps.p++;
        skip_ws(&ps);
        if (*ps.p == '\0')
            break;      /* a trailing comma is harmless */
    }
    *out = s;
    return 0;
fail:
    free(s);
    return OTW_EINVAL;
}

void otw_schedule_free(struct otw_schedule *s)
{
    free(s);
}

bool otw_schedule_contains(const struct otw_schedule *s, int64_t us)
{
    struct otw_local l;
    int m, prev;

    if (s == NULL)
        return false;
    otw_plant_local(us, &l);
    m = l.hour * 60 + l.min;
    prev = (l.wday + 6) % 7;
    for (int i = 0; i < s->n; i++) {
        const struct span *sp = &s->s[i];

        if (sp->end > sp->start) {
            if ((sp->days & (1u << l.wday)) && m >= sp->start && m < sp->end)
                return true;
        } else {
            /* crosses midnight: the evening part on its own day, the
             * morning part on the day after */
            if ((sp->days & (1u << l.wday)) && m >= sp->start)
                return true;
            if ((sp->days & (1u << prev)) && m < sp->end)
                return true;
        }
    }
    return false;
}

const char *otw_schedule_text(const struct otw_schedule *s)
{
    return s != NULL ? s->text : "";
}
