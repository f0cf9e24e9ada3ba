/*
 * timeutil.c - parsing and printing times and counts for people.
 */
#include "core/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

int64_t otw_now_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Reads n digits as a number; -1 if they are not all digits. */
static long num(const char *s, size_t n)
{
    long v = 0;

    if (!all_digits(s, n))
        return -1;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int parse_span(const char *s, int64_t now_us, int64_t *out)
{
    const char *p = s;
    char *end;
    long long v;
    int64_t unit;

    if (*p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    v = strtoll(p, &end, 10);
    if (end == p || v < 0 || v > 100000000)
        return -1;
    switch (*end) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return -1;
    }
    if (end[1] != '\0')
        return -1;
    *out = now_us - (int64_t)v * unit * 1000000;
    return 0;
}

int otw_time_parse(const char *s, int64_t now_us, int64_t *out_us)
{
    size_t n = strlen(s);
    struct tm tm;
    long y, mo, d, h = 0, mi = 0, se = 0;
    int64_t frac_us = 0, off_s = 0;
    const char *p;

    if (n == 0 || n > 64)
        return -1;
    if (parse_span(s, now_us, out_us) == 0)
        return 0;
    /* unix seconds, optionally with a fraction */
    p = s;
    while (isdigit((unsigned char)*p))
        p++;
    if (p != s && (*p == '\0' || *p == '.') && (p - s) >= 9) {
        long long sec = strtoll(s, NULL, 10);
        if (*p == '.') {
            int64_t scale = 100000;
            for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
                frac_us += (*p - '0') * scale;
            if (*p != '\0')
                return -1;
        }
        *out_us = (int64_t)sec * 1000000 + frac_us;
        return 0;
    }
    /* YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|(+|-)HH:MM] */
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    y = num(s, 4);
    mo = num(s + 5, 2);
    d = num(s + 8, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    p = s + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (strlen(p) < 5 || p[2] != ':')
            return -1;
        h = num(p, 2);
        mi = num(p + 3, 2);
        p += 5;
        if (*p == ':') {
            se = num(p + 1, 2);
            p += 3;
            if (*p == '.') {
                int64_t scale = 100000;
                for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
                    frac_us += (*p - '0') * scale;
            }
        }
        if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
            return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            long oh, om;
            if (strlen(p) != 6 || p[3] != ':')
                return -1;
            oh = num(p + 1, 2);
            om = num(p + 4, 2);
            if (oh < 0 || om < 0 || oh > 23 || om > 59)
                return -1;
            off_s = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
            p += 6;
        }
    }
    if (*p != '\0')
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = (int)y - 1900;
    tm.tm_mon = (int)mo - 1;
    tm.tm_mday = (int)d;
    tm.tm_hour = (int)h;
    tm.tm_min = (int)mi;
    tm.tm_sec = (int)se;
    *out_us = ((int64_t)timegm(&tm) - off_s) * 1000000 + frac_us;
    return 0;
}

const char *otw_time_format(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    long frac = (long)(us - (int64_t)t * 1000000);
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    return buf;
}

const char *otw_time_format_short(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

const char *otw_fmt_si(double v, char *buf, size_t len)
{
    if (v >= 1e9)
        snprintf(buf, len, "%.2f G", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, len, "%.2f M", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, len, "%.1f k", v / 1e3);
    else
        snprintf(buf, len, "%.0f", v);
    return buf;
}

const char *otw_fmt_bytes(uint64_t v, char *buf, size_t len)
{
    if (v >= 10ull * 1000 * 1000 * 1000)
        snprintf(buf, len, "%.0f GB", (double)v / 1e9);
    else if (v >= 1000ull * 1000 * 1000)
        snprintf(buf, len, "%.1f GB", (double)v / 1e9);
    else if (v >= 1000ull * 1000)
        snprintf(buf, len, "%.1f MB", (double)v / 1e6);
    else if (v >= 10000)
        snprintf(buf, len, "%.0f kB", (double)v / 1e3);
    else
        snprintf(buf, len, "%llu B", (unsigned long long)v);
    return buf;
}
