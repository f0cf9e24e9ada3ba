/*
 * alertout.c - alert outputs: syslog (RFC 5424 or CEF), a JSON-lines file,
 * an HTTP webhook. The writer thread hands alerts over with
 * otw_alertout_send(); a sender thread owns every socket, the file and the
 * libcurl handle, so a slow or absent collector never holds up capture.
 *
 *   writer thread                         sender thread
 *   otw_alertout_send()                   loop:
 *     min_severity filter                   due held updates -> queues
 *     update limit (1/min per alert) ---->  per output: head of its queue ->
 *     copy -> one ring per output             format -> deliver; on failure
 *     (full: dropped, counted)                retry later with backoff
 *                                           reports on stderr (1/min/output)
 *
 * An alert is copied once and shared by the outputs' rings (a reference
 * count under the mutex). Each output keeps its own ring so that a syslog
 * collector that is away never costs the JSON-lines file an alert.
 *
 * Formats (docs/OUTPUTS.md has examples):
 *   RFC 5424 (section 6): <PRI>1 TIMESTAMP HOSTNAME otwatch PROCID MSGID [SD] MSG
 *     SD-ID otwatch@32473; PARAM-VALUE escapes '"', '\' and ']' (6.3.3).
 *     MSG is UTF-8 with a BOM when it is not plain ASCII (6.4).
 *   CEF (ArcSight "Implementing ArcSight CEF" rev. 25) as the MSG of an
 *     RFC 5424 header with no SD: CEF:0|otwatch|otwatch|VER|KIND|TITLE|SEV|ext
 *     header fields escape '|' and '\'; extension values '=' and '\', and
 *     newlines become \n / \r.
 *   Transports: unix datagram (/dev/log), UDP (RFC 5426: one message per
 *     datagram), TCP (RFC 6587 3.4.1 octet counting: "LEN SP MSG").
 *   JSON lines: one compact object per line, appended with one write(2);
 *     the file is reopened when it was renamed or removed (inode check).
 *   Webhook: POST of the same object, application/json, keep-alive; 2xx is
 *     delivered, 408/429/5xx and transport errors are retried, any other
 *     status is a refusal (reported, not retried).
 *
 * Text from the network (labels, details) is never trusted: invalid UTF-8
 * becomes U+FFFD, control characters become spaces (or the escapes a format
 * defines), and every message is bounded.
 */
#include "detect/alertout.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/session.h"
#include "core/timeutil.h"
#include "otw_version.h"

/* The example Private Enterprise Number of RFC 5612: otwatch has none of its
 * own yet. Changing it changes every SD-ID collectors may match on. */
#define SD_ID "otwatch@32473"

#define MAX_OUTPUTS 10              /* 8 syslog destinations, the file, the webhook */
#define MAX_SYSLOG 8
#define UPDATE_GAP_MS 60000         /* updates of one alert: at most one per minute */
#define REPORT_GAP_MS 60000         /* problems of one output: one report per minute */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 60000
#define CONNECT_TIMEOUT_MS 5000
#define RATE_SLOTS 4096             /* alerts whose last send time is remembered */
#define RATE_PROBE 16
#define MSG_CAP 70000               /* > the largest alert.syslog.max_size, + framing */
#define SD_LABEL_MAX 200            /* bytes of an escaped label in the SD */
#define SD_DETAIL_MAX 600

enum { OUT_SYSLOG, OUT_JSONL, OUT_WEBHOOK };
enum { SL_UNIX, SL_UDP, SL_TCP };
enum { FMT_RFC5424, FMT_CEF };
enum { LANG_EN = 1, LANG_JA = 2, LANG_BOTH = 3 };
enum { SENT = 0, RETRY = -1, REFUSED = -2 };

/* One alert as queued; shared by the outputs' rings and the update table. */
struct item {
    struct otw_alert a;
    bool opened;
    int64_t at_us;                  /* when it was handed over (the syslog TIMESTAMP) */
    int refs;                       /* under o->mu */
};

struct out {
    int kind;
    char name[320];                 /* for reports: "syslog tcp://host:514"; no secrets */
    /* the queue (under o->mu) */
    struct item **ring;
    size_t head, n;
    /* schedule and counts (under o->mu) */
    int64_t retry_at, backoff;
    bool failing, fail_reported;
    int64_t last_fail_report, last_loss_report;
    uint64_t attempts_failed_run;   /* failed attempts since the last delivery */
    uint64_t sent, failures, dropped, rejected;
    uint64_t drop_unrep, rej_unrep;
    char error[300];                /* the last failure (written by the sender thread) */
    char refusal[300];              /* the last refusal (under o->mu) */
    /* syslog (sender thread) */
    int transport;
    char host[256], port[8];
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    int fd;
    /* JSON lines (sender thread) */
    char *file;
    int jfd;
    dev_t dev;
    ino_t ino;
    /* webhook (sender thread) */
    char *url;
    struct curl_slist *hdrs;
    CURL *curl;
    char curl_err[CURL_ERROR_SIZE];
};

/* When an alert was last sent, and its newest update waiting for the minute. */
struct rate {
    bool used;
    int64_t id;
    uint64_t keyh;
    int64_t last;                   /* monotonic ms */
    struct item *pending;
};

struct otw_alertout {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started, stop;
    int64_t deadline;               /* drain ends (monotonic ms), when stop */
    _Atomic int64_t abort_at;       /* a transfer in progress gives up then (0: never) */

    struct out out[MAX_OUTPUTS];
    int nout;
    size_t qcap;

    /* settings */
    int format, facility, lang, min_sev;
    char hostname[256];
    int64_t max_size;
    long timeout_ms;
    bool tls_verify;
    char *ca_file;

    /* the update limit (under mu) */
    struct rate *rate;
    size_t npending;

    uint64_t accepted, filtered, held;
    otw_alertout_log_fn log;
    void *log_ctx;

    /* sender thread's buffers */
    char msg[MSG_CAP];
    char frame[MSG_CAP + 16];
};

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- bounded text ------------------------------------------------------ */

/* A string builder over a fixed array: what does not fit is left out (at a
 * character boundary) and `full` says so. Always NUL-terminated. */
struct sb {
    char *p;
    size_t n, cap;
    bool full;
};

static void sb_init(struct sb *b, char *mem, size_t cap)
{
    b->p = mem;
    b->n = 0;
    b->cap = cap;
    b->full = false;
    mem[0] = '\0';
}

static bool sb_put(struct sb *b, const char *s, size_t len)
{
    if (b->full || b->n + len + 1 > b->cap) {
        b->full = true;
        return false;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
    return true;
}

static void sb_puts(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (len >= 0)
        sb_put(b, tmp, OTW_MIN((size_t)len, sizeof(tmp) - 1));
}

/* Decodes one code point; a byte that does not start a valid, shortest
 * UTF-8 sequence (or a surrogate, or past U+10FFFF) is U+FFFD on its own. */
static uint32_t utf8_next(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp;
    uint32_t c = p[0], min;
    int len;

    if (c < 0x80) {
        *pp = p + 1;
        return c;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, c &= 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, c &= 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, c &= 0x07, min = 0x10000;
    } else {
        *pp = p + 1;
        return 0xfffd;
    }
    if (end - p < len)
        goto bad;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            goto bad;
        c = (c << 6) | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        goto bad;
    *pp = p + len;
    return c;
bad:
    *pp = p + 1;
    return 0xfffd;
}

static size_t utf8_put(char *d, uint32_t c)
{
    if (c < 0x80) {
        d[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        d[0] = (char)(0xc0 | (c >> 6));
        d[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        d[0] = (char)(0xe0 | (c >> 12));
        d[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        d[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | (c >> 18));
    d[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    d[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* How text is escaped for where it goes. */
enum esc {
    ESC_JSON,       /* clean UTF-8 only; jansson escapes the rest */
    ESC_MSG,        /* syslog MSG: controls -> space */
    ESC_SD,         /* RFC 5424 PARAM-VALUE: '"' '\' ']' -> \x; controls -> space */
    ESC_CEF_HDR,    /* CEF header field: '|' '\' -> \x; controls -> space */
    ESC_CEF_EXT,    /* CEF extension value: '=' '\' -> \x; CR LF -> \r \n; controls -> space */
    ESC_ASCII,      /* syslog header field (PRINTUSASCII): anything else -> '_' */
};

static bool is_control(uint32_t c)
{
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029;
}

/* Appends s escaped for `mode`, at most `max` bytes of it (0: no limit
 * beyond the buffer); an escape and its character are never split. */
static void sb_text(struct sb *b, const char *s, enum esc mode, size_t max)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    size_t start = b->n;

    while (p < end) {
        uint32_t c = utf8_next(&p, end);
        char tmp[8];
        size_t len = 0;

        if (mode == ESC_ASCII) {
            tmp[len++] = (c > 0x20 && c < 0x7f) ? (char)c : '_';
        } else if (is_control(c)) {
            if (mode == ESC_JSON && c != 0x2028 && c != 0x2029) {
                len = utf8_put(tmp, c);
            } else if (mode == ESC_CEF_EXT && (c == '\n' || c == '\r')) {
                tmp[len++] = '\\';
                tmp[len++] = c == '\n' ? 'n' : 'r';
            } else {
                tmp[len++] = ' ';
            }
        } else {
            if ((mode == ESC_SD && (c == '"' || c == '\\' || c == ']')) ||
                (mode == ESC_CEF_HDR && (c == '|' || c == '\\')) ||
                (mode == ESC_CEF_EXT && (c == '=' || c == '\\')))
                tmp[len++] = '\\';
            len += utf8_put(tmp + len, c);
        }
        if (max > 0 && b->n - start + len > max)
            return;
        if (!sb_put(b, tmp, len))
            return;
    }
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* ---- names -------------------------------------------------------------- */

static const struct otw_tok ipprotos[] = {
    {1, "icmp"}, {6, "tcp"}, {17, "udp"}, {58, "ipv6-icmp"}, {132, "sctp"}, {0, NULL},
};

static const char *proto_name(int p, char *buf, size_t len)
{
    const char *s = otw_tok_str(ipprotos, p, NULL);

    if (s != NULL)
        return s;
    snprintf(buf, len, "%d", p);
    return buf;
}

static const char *kind_name(int kind)
{
    const char *s = otw_alert_kind_name(kind);

    return s != NULL && *s != '\0' ? s : "alert";
}

static const char *sev_name(int sev)
{
    const char *s = otw_severity_name(sev);

    return s != NULL && *s != '\0' ? s : "unknown";
}

static const char *title(int kind, int lang)
{
    const char *s = otw_alert_kind_title(kind, lang);

    return s != NULL && *s != '\0' ? s : kind_name(kind);
}

/* RFC 5424 6.2.1 severities: critical 2, error 3, warning 4, notice 5. */
static int syslog_severity(int sev)
{
    switch (sev) {
    case OTW_SEV_CRITICAL: return 2;
    case OTW_SEV_HIGH: return 3;
    case OTW_SEV_MEDIUM: return 4;
    default: return 5;
    }
}

/* CEF severity 0-10. */
static int cef_severity(int sev)
{
    switch (sev) {
    case OTW_SEV_CRITICAL: return 10;
    case OTW_SEV_HIGH: return 8;
    case OTW_SEV_MEDIUM: return 5;
    default: return 3;
    }
}

static const struct otw_tok facilities[] = {
    {0, "kern"}, {1, "user"}, {2, "mail"}, {3, "daemon"}, {4, "auth"}, {5, "syslog"},
    {6, "lpr"}, {7, "news"}, {8, "uucp"}, {9, "cron"}, {10, "authpriv"}, {11, "ftp"},
    {12, "ntp"}, {13, "security"}, {13, "audit"}, {14, "console"}, {15, "clock"},
    {16, "local0"}, {17, "local1"}, {18, "local2"}, {19, "local3"}, {20, "local4"},
    {21, "local5"}, {22, "local6"}, {23, "local7"}, {0, NULL},
};

/* The sentence(s) the settings ask for, or a plain one when the alert has
 * none (otw_alert_explain() was not run). */
static void sb_message(struct sb *b, const struct otw_alert *a, int lang, enum esc mode)
{
    bool en = (lang & LANG_EN) && a->text[OTW_LANG_EN][0] != '\0';
    bool ja = (lang & LANG_JA) && a->text[OTW_LANG_JA][0] != '\0';

    if (!en && !ja) {
        char tmp[600];
        int l = lang == LANG_JA ? OTW_LANG_JA : OTW_LANG_EN;

        snprintf(tmp, sizeof(tmp), "%s: %s -> %s (%llu)", title(a->kind, l),
                 a->src_label[0] ? a->src_label : "-", a->dst_label[0] ? a->dst_label : "-",
                 (unsigned long long)a->count);
        sb_text(b, tmp, mode, 0);
        return;
    }
    if (en)
        sb_text(b, a->text[OTW_LANG_EN], mode, 0);
    if (en && ja)
        sb_puts(b, " / ");
    if (ja)
        sb_text(b, a->text[OTW_LANG_JA], mode, 0);
}

/* ---- formats ------------------------------------------------------------ */

/* HEADER of RFC 5424 6.2 up to and including MSGID and a space. */
static void sb_5424_header(struct otw_alertout *o, struct sb *b, const struct item *it)
{
    char ts[40];

    sb_printf(b, "<%d>1 %s ", o->facility * 8 + syslog_severity(it->a.severity),
              otw_time_format(it->at_us, ts, sizeof(ts)));
    sb_text(b, o->hostname, ESC_ASCII, 255);
    sb_printf(b, " otwatch %ld ", (long)getpid());
    sb_text(b, kind_name(it->a.kind), ESC_ASCII, 32);
    sb_puts(b, " ");
}

static void sd_param(struct sb *b, const char *name, const char *value, size_t max)
{
    sb_printf(b, " %s=\"", name);
    sb_text(b, value, ESC_SD, max);
    sb_puts(b, "\"");
}

static void format_5424(struct otw_alertout *o, struct sb *b, const struct item *it)
{
    const struct otw_alert *a = &it->a;
    char tmp[64];
    size_t msg_at;

    sb_5424_header(o, b, it);
    sb_puts(b, "[" SD_ID);
    sd_param(b, "event", it->opened ? "opened" : "update", 0);
    snprintf(tmp, sizeof(tmp), "%lld", (long long)a->id);
    sd_param(b, "id", tmp, 0);
    sd_param(b, "kind", kind_name(a->kind), 0);
    sd_param(b, "severity", sev_name(a->severity), 0);
    if (a->has_src)
        sd_param(b, "src", otw_ip_str(a->src, tmp, sizeof(tmp)), 0);
    if (a->has_dst)
        sd_param(b, "dst", otw_ip_str(a->dst, tmp, sizeof(tmp)), 0);
    if (a->has_mac)
        sd_param(b, "mac", otw_mac_str(a->mac, tmp, sizeof(tmp)), 0);
    if (a->proto != 0)
        sd_param(b, "proto", proto_name(a->proto, tmp, sizeof(tmp)), 0);
    if (a->port != 0) {
        snprintf(tmp, sizeof(tmp), "%u", a->port);
        sd_param(b, "port", tmp, 0);
    }
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)a->count);
    sd_param(b, "count", tmp, 0);
    if (a->first_us != 0)
        sd_param(b, "first", otw_time_format(a->first_us, tmp, sizeof(tmp)), 0);
    if (a->last_us != 0)
        sd_param(b, "last", otw_time_format(a->last_us, tmp, sizeof(tmp)), 0);
    if (a->src_label[0])
        sd_param(b, "src_label", a->src_label, SD_LABEL_MAX);
    if (a->dst_label[0])
        sd_param(b, "dst_label", a->dst_label, SD_LABEL_MAX);
    if (a->detail[0])
        sd_param(b, "detail", a->detail, SD_DETAIL_MAX);
    sb_puts(b, "] ");
    /* MSG-UTF8 = BOM UTF-8-STRING (6.4), but only when it is not plain
     * ASCII, which every receiver reads the same way without one: the BOM
     * is written first (so its room is kept) and taken out again. */
    msg_at = b->n;
    sb_puts(b, "\xef\xbb\xbf");
    sb_message(b, a, o->lang, ESC_MSG);
    if (b->n >= msg_at + 3 && is_ascii(b->p + msg_at + 3)) {
        memmove(b->p + msg_at, b->p + msg_at + 3, b->n - msg_at - 3 + 1);
        b->n -= 3;
    }
}

static void cef_ext(struct sb *b, const char *key, const char *value)
{
    sb_printf(b, "%s%s=", b->p[b->n - 1] == '|' ? "" : " ", key);
    sb_text(b, value, ESC_CEF_EXT, 0);
}

static void format_cef(struct otw_alertout *o, struct sb *b, const struct item *it)
{
    const struct otw_alert *a = &it->a;
    char tmp[64];

    sb_5424_header(o, b, it);
    sb_puts(b, "- CEF:0|otwatch|otwatch|");
    sb_text(b, OTW_VERSION, ESC_CEF_HDR, 0);
    sb_puts(b, "|");
    sb_text(b, kind_name(a->kind), ESC_CEF_HDR, 0);
    sb_puts(b, "|");
    sb_text(b, title(a->kind, o->lang == LANG_JA ? OTW_LANG_JA : OTW_LANG_EN), ESC_CEF_HDR, 0);
    sb_printf(b, "|%d|", cef_severity(a->severity));
    cef_ext(b, "act", it->opened ? "opened" : "update");
    snprintf(tmp, sizeof(tmp), "%lld", (long long)a->id);
    cef_ext(b, "externalId", tmp);
    snprintf(tmp, sizeof(tmp), "%lld", (long long)(it->at_us / 1000));
    cef_ext(b, "rt", tmp);
    /* src/dst are IPv4 in CEF; IPv6 goes to the custom IPv6 fields that
     * ArcSight names "Source/Destination IPv6 Address". */
    if (a->has_src) {
        bool v4 = otw_ip_is_v4(a->src);
        cef_ext(b, v4 ? "src" : "c6a2", otw_ip_str(a->src, tmp, sizeof(tmp)));
        if (!v4)
            cef_ext(b, "c6a2Label", "Source IPv6 Address");
    }
    if (a->has_dst) {
        bool v4 = otw_ip_is_v4(a->dst);
        cef_ext(b, v4 ? "dst" : "c6a3", otw_ip_str(a->dst, tmp, sizeof(tmp)));
        if (!v4)
            cef_ext(b, "c6a3Label", "Destination IPv6 Address");
    }
    if (a->has_mac)
        cef_ext(b, "smac", otw_mac_str(a->mac, tmp, sizeof(tmp)));
    if (a->port != 0) {
        snprintf(tmp, sizeof(tmp), "%u", a->port);
        cef_ext(b, "dpt", tmp);
    }
    if (a->proto != 0) {
        char up[16];
        const char *s = proto_name(a->proto, tmp, sizeof(tmp));
        size_t i;
        for (i = 0; s[i] && i + 1 < sizeof(up); i++)
            up[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
        up[i] = '\0';
        cef_ext(b, "proto", up);
    }
    snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)a->count);
    cef_ext(b, "cnt", tmp);
    if (a->first_us != 0) {
        snprintf(tmp, sizeof(tmp), "%lld", (long long)(a->first_us / 1000));
        cef_ext(b, "start", tmp);
    }
    if (a->last_us != 0) {
        snprintf(tmp, sizeof(tmp), "%lld", (long long)(a->last_us / 1000));
        cef_ext(b, "end", tmp);
    }
    cef_ext(b, "cs1Label", "severity");
    cef_ext(b, "cs1", sev_name(a->severity));
    if (a->src_label[0]) {
        cef_ext(b, "cs2Label", "source");
        cef_ext(b, "cs2", a->src_label);
    }
    if (a->dst_label[0]) {
        cef_ext(b, "cs3Label", "destination");
        cef_ext(b, "cs3", a->dst_label);
    }
    if (a->detail[0]) {
        cef_ext(b, "cs4Label", "detail");
        cef_ext(b, "cs4", a->detail);
    }
    sb_puts(b, " msg=");
    sb_message(b, a, o->lang, ESC_CEF_EXT);
}

/* Sets obj[key] to s made valid UTF-8; nothing when s is empty. */
static void jset_str(json_t *obj, const char *key, const char *s, bool always)
{
    char tmp[2400];
    struct sb b;

    if (!always && s[0] == '\0')
        return;
    sb_init(&b, tmp, sizeof(tmp));
    sb_text(&b, s, ESC_JSON, 0);
    json_object_set_new(obj, key, json_stringn(tmp, b.n));
}

static json_t *lang_obj(int lang, const char *en, const char *ja)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    if (lang & LANG_EN)
        jset_str(o, "en", en, true);
    if (lang & LANG_JA)
        jset_str(o, "ja", ja, true);
    return o;
}

/* The JSON object of the file and the webhook; NULL when out of memory.
 * The caller frees the string. */
static char *format_json(struct otw_alertout *o, const struct item *it)
{
    const struct otw_alert *a = &it->a;
    json_t *j = json_object();
    char tmp[64], *s;

    if (j == NULL)
        return NULL;
    json_object_set_new(j, "event", json_string(it->opened ? "opened" : "update"));
    json_object_set_new(j, "id", json_integer(a->id));
    jset_str(j, "kind", kind_name(a->kind), true);
    jset_str(j, "severity", sev_name(a->severity), true);
    if (otw_alert_status_name(a->status) != NULL)
        jset_str(j, "status", otw_alert_status_name(a->status), false);
    jset_str(j, "time", otw_time_format(it->at_us, tmp, sizeof(tmp)), true);
    jset_str(j, "host", o->hostname, true);
    if (a->has_src)
        jset_str(j, "src", otw_ip_str(a->src, tmp, sizeof(tmp)), true);
    jset_str(j, "src_label", a->src_label, false);
    if (a->has_dst)
        jset_str(j, "dst", otw_ip_str(a->dst, tmp, sizeof(tmp)), true);
    jset_str(j, "dst_label", a->dst_label, false);
    if (a->has_mac)
        jset_str(j, "mac", otw_mac_str(a->mac, tmp, sizeof(tmp)), true);
    if (a->proto != 0)
        jset_str(j, "proto", proto_name(a->proto, tmp, sizeof(tmp)), true);
    if (a->port != 0)
        json_object_set_new(j, "port", json_integer(a->port));
    json_object_set_new(j, "count",
                        json_integer((json_int_t)OTW_MIN(a->count, (uint64_t)INT64_MAX)));
    if (a->first_us != 0)
        jset_str(j, "first_seen", otw_time_format(a->first_us, tmp, sizeof(tmp)), true);
    if (a->last_us != 0)
        jset_str(j, "last_seen", otw_time_format(a->last_us, tmp, sizeof(tmp)), true);
    if (a->point_id != 0)
        json_object_set_new(j, "point_id", json_integer(a->point_id));
    jset_str(j, "detail", a->detail, false);
    jset_str(j, "key", a->key, false);
    json_object_set_new(j, "title", lang_obj(o->lang, title(a->kind, OTW_LANG_EN),
                                             title(a->kind, OTW_LANG_JA)));
    if (a->text[0][0] || a->text[1][0]) {
        json_object_set_new(j, "text", lang_obj(o->lang, a->text[OTW_LANG_EN],
                                                a->text[OTW_LANG_JA]));
    } else {
        struct sb b;
        char m[700];
        sb_init(&b, m, sizeof(m));
        sb_message(&b, a, o->lang, ESC_JSON);
        jset_str(j, "message", m, true);
    }
    s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* ---- transports (sender thread) ----------------------------------------- */

static void set_error(struct out *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct out *u, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(u->error, sizeof(u->error), fmt, ap);
    va_end(ap);
}

/* Milliseconds an attempt may still take: `want`, or less when a drain
 * deadline is near; 0 when it has passed. */
static int64_t allowance(struct otw_alertout *o, int64_t want)
{
    int64_t at = atomic_load(&o->abort_at), now;

    if (at == 0)
        return want;
    now = mono_ms();
    return at <= now ? 0 : OTW_MIN(want, at - now);
}

/* Waits for `events` on fd in short slices, so a drain deadline set
 * meanwhile is honoured. 1 ready, 0 timed out, -1 error. */
static int wait_fd(struct otw_alertout *o, int fd, short events, int64_t want)
{
    int64_t end = mono_ms() + want;

    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = events};
        int64_t left = allowance(o, end - mono_ms());
        int rc;

        if (left <= 0)
            return 0;
        rc = poll(&pfd, 1, (int)OTW_MIN(left, 200));
        if (rc > 0)
            return 1;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

static void sl_close(struct out *u)
{
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
}

static int sl_connect(struct otw_alertout *o, struct out *u)
{
    struct addrinfo hints, *res = NULL, *ai;
    int rc, fd = -1;

    if (u->transport == SL_UNIX) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};

        memcpy(sun.sun_path, u->path, strlen(u->path) + 1);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
            set_error(u, "%s: %s", u->path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        u->fd = fd;
        return 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = u->transport == SL_UDP ? SOCK_DGRAM : SOCK_STREAM;
    rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0) {
        set_error(u, "cannot resolve %s: %s", u->host, gai_strerror(rc));
        return -1;
    }
    set_error(u, "%s: no address", u->host);
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            set_error(u, "socket: %s", strerror(errno));
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            rc = wait_fd(o, fd, POLLOUT, CONNECT_TIMEOUT_MS);
            if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            set_error(u, "connect: %s", rc == 0 ? "timed out" : strerror(soerr ? soerr : errno));
        } else {
            set_error(u, "connect: %s", strerror(errno));
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return -1;
    u->fd = fd;
    return 0;
}

/* A TCP collector that closed its side (or reset) is noticed before a
 * message is written into a connection nobody reads. */
static bool sl_tcp_alive(struct out *u)
{
    char tmp[512];

    for (;;) {
        ssize_t r = recv(u->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
        if (r > 0)
            continue;           /* collectors send nothing; discard */
        if (r == 0)
            return false;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
}

static int sl_send(struct otw_alertout *o, struct out *u, const char *msg, size_t len)
{
    const char *p;
    size_t left;

    if (u->fd >= 0 && u->transport == SL_TCP && !sl_tcp_alive(u))
        sl_close(u);
    if (u->fd < 0 && sl_connect(o, u) < 0)
        return RETRY;
    if (u->transport != SL_TCP) {
        if (send(u->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
            return SENT;
        if (errno == EMSGSIZE) {
            set_error(u, "message of %zu bytes too long for the socket", len);
            return REFUSED;
        }
        set_error(u, "send: %s", strerror(errno));
        /* ECONNREFUSED: the collector (or /dev/log's daemon) is gone; a
         * new socket finds the new one. */
        sl_close(u);
        return RETRY;
    }
    /* RFC 6587 3.4.1: octet-counting framing, MSG-LEN SP SYSLOG-MSG. */
    {
        int hl = snprintf(o->frame, sizeof(o->frame), "%zu ", len);
        memcpy(o->frame + hl, msg, len);
        p = o->frame;
        left = (size_t)hl + len;
    }
    while (left > 0) {
        ssize_t w = send(u->fd, p, left, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            left -= (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(o, u->fd, POLLOUT, CONNECT_TIMEOUT_MS) > 0)
                continue;
            set_error(u, "send: timed out (the collector does not read)");
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else {
            set_error(u, "send: %s", w < 0 ? strerror(errno) : "nothing written");
        }
        sl_close(u);        /* the whole message again on a new connection */
        return RETRY;
    }
    return SENT;
}

static void jl_close(struct out *u)
{
    if (u->jfd >= 0)
        close(u->jfd);
    u->jfd = -1;
}

static int jl_open(struct out *u)
{
    struct stat st;

    u->jfd = open(u->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (u->jfd < 0) {
        set_error(u, "cannot open %s: %s", u->file, strerror(errno));
        return -1;
    }
    if (fstat(u->jfd, &st) == 0) {
        u->dev = st.st_dev;
        u->ino = st.st_ino;
    }
    return 0;
}

static int jl_write(struct out *u, const char *line, size_t len)
{
    struct stat st;
    size_t done = 0;
    off_t at;

    /* Renamed or removed (logrotate): write to a new file by the name. */
    if (u->jfd >= 0 && (stat(u->file, &st) != 0 || st.st_ino != u->ino || st.st_dev != u->dev))
        jl_close(u);
    if (u->jfd < 0 && jl_open(u) < 0)
        return RETRY;
    at = lseek(u->jfd, 0, SEEK_END);
    while (done < len) {
        ssize_t w = write(u->jfd, line + done, len - done);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        set_error(u, "write %s: %s", u->file, w < 0 ? strerror(errno) : "nothing written");
        /* No half line stays behind to spoil the next one. */
        if (done > 0 && at >= 0 && ftruncate(u->jfd, at) != 0)
            set_error(u, "write %s: %s (and a part of a line stayed)", u->file,
                      strerror(errno));
        jl_close(u);
        return RETRY;
    }
    return SENT;
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    (void)ptr;
    (void)ctx;
    return size * nmemb;
}

static int wh_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    struct otw_alertout *o = ctx;
    int64_t at = atomic_load(&o->abort_at);

    (void)dt, (void)dn, (void)ut, (void)un;
    return at != 0 && mono_ms() >= at;
}

static int wh_post(struct otw_alertout *o, struct out *u, const char *body, size_t len)
{
    CURLcode rc;
    long code = 0;
    int64_t t = allowance(o, o->timeout_ms);

    if (t <= 0) {
        set_error(u, "stopped before sending");
        return RETRY;
    }
    if (u->curl == NULL) {
        u->curl = curl_easy_init();
        if (u->curl == NULL) {
            set_error(u, "cannot start libcurl");
            return RETRY;
        }
        curl_easy_setopt(u->curl, CURLOPT_URL, u->url);
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(u->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
        curl_easy_setopt(u->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(u->curl, CURLOPT_HTTPHEADER, u->hdrs);
        curl_easy_setopt(u->curl, CURLOPT_USERAGENT, "otwatch/" OTW_VERSION);
        curl_easy_setopt(u->curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(u->curl, CURLOPT_SSL_VERIFYPEER, o->tls_verify ? 1L : 0L);
        curl_easy_setopt(u->curl, CURLOPT_SSL_VERIFYHOST, o->tls_verify ? 2L : 0L);
        if (o->ca_file != NULL)
            curl_easy_setopt(u->curl, CURLOPT_CAINFO, o->ca_file);
        curl_easy_setopt(u->curl, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(u->curl, CURLOPT_ERRORBUFFER, u->curl_err);
        curl_easy_setopt(u->curl, CURLOPT_XFERINFOFUNCTION, wh_progress);
        curl_easy_setopt(u->curl, CURLOPT_XFERINFODATA, o);
        curl_easy_setopt(u->curl, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(u->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(u->curl, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(u->curl, CURLOPT_TIMEOUT_MS, (long)t);
    curl_easy_setopt(u->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)OTW_MIN(t, CONNECT_TIMEOUT_MS));
    u->curl_err[0] = '\0';
    rc = curl_easy_perform(u->curl);
    if (rc != CURLE_OK) {
        set_error(u, "%s%s%s", curl_easy_strerror(rc), u->curl_err[0] ? ": " : "",
                  u->curl_err);
        return RETRY;
    }
    curl_easy_getinfo(u->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300)
        return SENT;
    if (code == 408 || code == 429 || code >= 500) {
        set_error(u, "HTTP %ld", code);
        return RETRY;
    }
    set_error(u, "HTTP %ld: the receiver refused the alert (not retried)", code);
    return REFUSED;
}

/* Formats and delivers one alert to one output. */
static int deliver(struct otw_alertout *o, struct out *u, const struct item *it)
{
    struct sb b;
    char *s;
    int rc;

    switch (u->kind) {
    case OUT_SYSLOG:
        sb_init(&b, o->msg, (size_t)o->max_size + 1);
        if (o->format == FMT_CEF)
            format_cef(o, &b, it);
        else
            format_5424(o, &b, it);
        return sl_send(o, u, b.p, b.n);
    case OUT_JSONL:
    case OUT_WEBHOOK:
        s = format_json(o, it);
        if (s == NULL) {
            set_error(u, "out of memory");
            return RETRY;
        }
        if (u->kind == OUT_JSONL) {
            size_t len = strlen(s);
            char *line = realloc(s, len + 2);
            if (line == NULL) {
                free(s);
                set_error(u, "out of memory");
                return RETRY;
            }
            line[len] = '\n';
            line[len + 1] = '\0';
            rc = jl_write(u, line, len + 1);
            free(line);
        } else {
            rc = wh_post(o, u, s, strlen(s));
            free(s);
        }
        return rc;
    }
    return REFUSED;
}

/* ---- queues (under o->mu) ----------------------------------------------- */

static void unref(struct item *it)
{
    if (it != NULL && --it->refs <= 0)
        free(it);
}

/* Puts it on every output's ring; a full ring drops it for that output. */
static void enqueue(struct otw_alertout *o, struct item *it)
{
    it->refs++;             /* hold it while it is handed out */
    for (int i = 0; i < o->nout; i++) {
        struct out *u = &o->out[i];
        if (u->n == o->qcap) {
            u->dropped++;
            u->drop_unrep++;
            continue;
        }
        u->ring[(u->head + u->n) % o->qcap] = it;
        u->n++;
        it->refs++;
    }
    o->accepted++;
    unref(it);
}

static uint64_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;        /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The update-limit entry of an alert, made if needed. The table is probed
 * from the alert's hash over a window of RATE_PROBE slots; when the window is
 * full, the entry sent longest ago without an update waiting is reused (which
 * costs at most one early update). NULL when all of them have one waiting:
 * the alert is then not limited. */
static struct rate *rate_get(struct otw_alertout *o, const struct otw_alert *a, int64_t now)
{
    uint64_t kh = a->id == 0 ? key_hash(a->key) : 0;
    uint64_t h = (kh ^ (uint64_t)a->id) * 0x9e3779b97f4a7c15ULL;
    struct rate *free_slot = NULL, *old = NULL;

    for (size_t k = 0; k < RATE_PROBE; k++) {
        struct rate *r = &o->rate[(size_t)((h >> 32) + k) % RATE_SLOTS];
        if (!r->used) {
            if (free_slot == NULL)
                free_slot = r;
            continue;
        }
        if (r->id == a->id && r->keyh == kh)
            return r;
        if (r->pending == NULL && (old == NULL || r->last < old->last))
            old = r;
    }
    if (free_slot == NULL) {
        if (old == NULL)
            return NULL;
        free_slot = old;
    }
    free_slot->used = true;
    free_slot->id = a->id;
    free_slot->keyh = kh;
    free_slot->last = now - UPDATE_GAP_MS - 1;
    free_slot->pending = NULL;
    return free_slot;
}

/* Updates whose minute is over (all of them when stopping) go to the
 * queues; *wake is lowered to the next one due. */
static void release_pending(struct otw_alertout *o, int64_t now, int64_t *wake)
{
    if (o->npending == 0)
        return;
    for (size_t i = 0; i < RATE_SLOTS; i++) {
        struct rate *r = &o->rate[i];
        struct item *it;

        if (!r->used || r->pending == NULL)
            continue;
        if (!o->stop && now < r->last + UPDATE_GAP_MS) {
            *wake = OTW_MIN(*wake, r->last + UPDATE_GAP_MS);
            continue;
        }
        it = r->pending;
        r->pending = NULL;
        r->last = now;
        o->npending--;
        enqueue(o, it);
        unref(it);          /* the table's reference */
    }
}

/* ---- reports ------------------------------------------------------------ */

/* A report line for an output, when one is due (under o->mu). Failures
 * and lost alerts have a minute each, so that a loss is said at once even
 * right after a failure was. */
static bool report_line(struct otw_alertout *o, struct out *u, int64_t now, int64_t *wake,
                        char *line, size_t len)
{
    struct sb b;
    bool fail_due = u->failing, loss_due = u->drop_unrep > 0 || u->rej_unrep > 0;

    if (fail_due && u->last_fail_report != 0 && now < u->last_fail_report + REPORT_GAP_MS) {
        *wake = OTW_MIN(*wake, u->last_fail_report + REPORT_GAP_MS);
        fail_due = false;
    }
    if (loss_due && u->last_loss_report != 0 && now < u->last_loss_report + REPORT_GAP_MS) {
        *wake = OTW_MIN(*wake, u->last_loss_report + REPORT_GAP_MS);
        loss_due = false;
    }
    if (!fail_due && !loss_due)
        return false;
    sb_init(&b, line, len);
    sb_printf(&b, "ALERT OUTPUT PROBLEM: %s: ", u->name);
    if (u->failing)
        sb_printf(&b, "%s (failed attempts: %llu; retrying); ", u->error,
                  (unsigned long long)u->attempts_failed_run);
    if (loss_due && u->drop_unrep > 0)
        sb_printf(&b, "%llu alert(s) DROPPED (queue of %zu full) since the last report; ",
                  (unsigned long long)u->drop_unrep, o->qcap);
    if (loss_due && u->rej_unrep > 0)
        sb_printf(&b, "%llu alert(s) refused by the receiver (%s); ",
                  (unsigned long long)u->rej_unrep, u->refusal);
    sb_printf(&b, "%zu waiting, %llu delivered, %llu dropped in all", u->n,
              (unsigned long long)u->sent, (unsigned long long)u->dropped);
    if (fail_due) {
        u->fail_reported = true;
        u->last_fail_report = now;
    }
    if (loss_due) {
        u->drop_unrep = 0;
        u->rej_unrep = 0;
        u->last_loss_report = now;
    }
    *wake = OTW_MIN(*wake, now + REPORT_GAP_MS);
    return true;
}

static void say(otw_alertout_log_fn fn, void *ctx, const char *msg)
{
    if (fn != NULL)
        fn(ctx, msg);
    else
        fprintf(stderr, "otwatch: %s\n", msg);
}

/* ---- the sender thread -------------------------------------------------- */

static void timed_wait(struct otw_alertout *o, int64_t wake_ms)
{
    struct timespec ts;

    ts.tv_sec = wake_ms / 1000;
    ts.tv_nsec = (wake_ms % 1000) * 1000000;
    pthread_cond_timedwait(&o->cv, &o->mu, &ts);
}

static void *sender(void *arg)
{
    struct otw_alertout *o = arg;
    char line[1200];

    pthread_mutex_lock(&o->mu);
    for (;;) {
        int64_t now = mono_ms(), wake = now + REPORT_GAP_MS;
        bool worked = false, empty = true;

        release_pending(o, now, &wake);
        for (int i = 0; i < o->nout; i++) {
            struct out *u = &o->out[i];
            struct item *it;
            bool recovered = false;
            int rc;

            if (u->n == 0)
                continue;
            if (u->retry_at > now) {
                wake = OTW_MIN(wake, u->retry_at);
                empty = false;
                continue;
            }
            if (o->stop && now >= o->deadline) {
                empty = false;
                continue;
            }
            it = u->ring[u->head];
            pthread_mutex_unlock(&o->mu);
            rc = deliver(o, u, it);
            pthread_mutex_lock(&o->mu);
            now = mono_ms();
            worked = true;
            if (rc == RETRY) {
                u->failures++;
                u->attempts_failed_run++;
                u->failing = true;
                u->backoff = u->backoff ? OTW_MIN(u->backoff * 2, BACKOFF_MAX_MS)
                                        : BACKOFF_MIN_MS;
                u->retry_at = now + u->backoff;
                continue;
            }
            u->ring[u->head] = NULL;
            u->head = (u->head + 1) % o->qcap;
            u->n--;
            unref(it);
            if (rc == SENT) {
                u->sent++;
            } else {
                u->rejected++;
                u->rej_unrep++;
                memcpy(u->refusal, u->error, sizeof(u->refusal));
            }
            recovered = u->failing && u->fail_reported;
            u->failing = false;
            u->fail_reported = false;
            u->backoff = 0;
            u->retry_at = 0;
            if (recovered) {
                otw_alertout_log_fn fn = o->log;
                void *ctx = o->log_ctx;
                snprintf(line, sizeof(line), "alert output %s: delivering again (failed attempts: "
                         "%llu)", u->name, (unsigned long long)u->attempts_failed_run);
                pthread_mutex_unlock(&o->mu);
                say(fn, ctx, line);
                pthread_mutex_lock(&o->mu);
            }
            u->attempts_failed_run = 0;
        }
        now = mono_ms();
        for (int i = 0; i < o->nout; i++) {
            if (report_line(o, &o->out[i], now, &wake, line, sizeof(line))) {
                otw_alertout_log_fn fn = o->log;
                void *ctx = o->log_ctx;
                pthread_mutex_unlock(&o->mu);
                say(fn, ctx, line);
                pthread_mutex_lock(&o->mu);
            }
            if (o->out[i].n > 0)
                empty = false;
        }
        if (o->stop) {
            if ((empty && o->npending == 0) || now >= o->deadline)
                break;
            wake = OTW_MIN(wake, o->deadline);
        }
        if (worked)
            continue;
        timed_wait(o, wake);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

/* ---- settings ----------------------------------------------------------- */

static int bad(struct otw_err *err, const char *where, const char *key, const char *value,
               const char *what)
{
    otw_err_set(err, -1, "%s: %s: expected %s, not '%s'", where[0] ? where : "settings", key,
                what, value);
    return OTW_EINVAL;
}

static int bad_cfg(const struct otw_config *cfg, struct otw_err *err, const char *key,
                   const char *what)
{
    return bad(err, otw_config_where(cfg, key), key, otw_config_get(cfg, key), what);
}

/* "unix:PATH", "udp://HOST[:PORT]", "tcp://HOST[:PORT]"; HOST may be
 * "[IPv6]". The port defaults to 514 (RFC 5426; RFC 6587 has none, and
 * collectors mostly listen on 514 for TCP too). */
static int parse_syslog(struct out *u, const char *v)
{
    const char *h, *colon;
    size_t hl;
    long port;
    bool v6;

    if (strncmp(v, "unix:", 5) == 0) {
        const char *p = v + 5;
        if (strncmp(p, "//", 2) == 0)
            p += 2;
        if (*p != '/' || strlen(p) >= sizeof(u->path))
            return -1;
        u->transport = SL_UNIX;
        memcpy(u->path, p, strlen(p) + 1);
        snprintf(u->name, sizeof(u->name), "syslog unix:%s", p);
        return 0;
    }
    if (strncmp(v, "udp://", 6) == 0)
        u->transport = SL_UDP;
    else if (strncmp(v, "tcp://", 6) == 0)
        u->transport = SL_TCP;
    else
        return -1;
    h = v + 6;
    if (*h == '[') {
        const char *e = strchr(h, ']');
        if (e == NULL)
            return -1;
        hl = (size_t)(e - h - 1);
        h++;
        colon = e[1] == ':' ? e + 1 : NULL;
        if (e[1] != '\0' && e[1] != ':')
            return -1;
    } else {
        colon = strchr(h, ':');
        hl = colon ? (size_t)(colon - h) : strlen(h);
    }
    if (hl == 0 || hl >= sizeof(u->host))
        return -1;
    for (size_t i = 0; i < hl; i++)
        if (h[i] == '/' || h[i] == '@' || h[i] == ' ' || h[i] == '?')
            return -1;
    memcpy(u->host, h, hl);
    u->host[hl] = '\0';
    port = 514;
    if (colon != NULL) {
        char *end;
        port = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
            return -1;
    }
    snprintf(u->port, sizeof(u->port), "%ld", port);
    v6 = memchr(h, ':', hl) != NULL;
    snprintf(u->name, sizeof(u->name), "syslog %s://%s%.*s%s:%ld",
             u->transport == SL_UDP ? "udp" : "tcp", v6 ? "[" : "", (int)hl, h, v6 ? "]" : "",
             port);
    return 0;
}

struct cfg_ctx {
    struct otw_alertout *o;
    struct otw_err *err;
    int nsyslog;
};

static struct out *add_out(struct otw_alertout *o, int kind)
{
    struct out *u = &o->out[o->nout++];

    u->kind = kind;
    u->fd = -1;
    u->jfd = -1;
    return u;
}

static int cfg_syslog(void *ctx, const char *key, const char *value, const char *where)
{
    struct cfg_ctx *c = ctx;
    struct out *u;

    if (value[0] == '\0' || !strcasecmp(value, "off") || !strcasecmp(value, "none"))
        return 0;
    if (c->nsyslog == MAX_SYSLOG) {
        otw_err_set(c->err, -1, "%s: %s: at most %d syslog destinations", where, key,
                    MAX_SYSLOG);
        return OTW_EINVAL;
    }
    u = add_out(c->o, OUT_SYSLOG);
    if (parse_syslog(u, value) < 0)
        return bad(c->err, where, key, value,
                   "unix:/PATH, udp://HOST[:PORT] or tcp://HOST[:PORT]");
    c->nsyslog++;
    return 0;
}

static int cfg_header(void *ctx, const char *key, const char *value, const char *where)
{
    struct cfg_ctx *c = ctx;
    const char *colon = strchr(value, ':');
    struct curl_slist *l;

    if (colon == NULL || colon == value)
        goto bad;
    for (const char *p = value; p < colon; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *p) != NULL))
            goto bad;
    for (const char *p = colon; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            goto bad;
    l = curl_slist_append(c->o->out[c->o->nout - 1].hdrs, value);
    if (l == NULL) {
        otw_err_set(c->err, -1, "%s: %s: out of memory", where, key);
        return OTW_ENOMEM;
    }
    c->o->out[c->o->nout - 1].hdrs = l;
    return 0;
bad:
    /* The value may hold a token: it is not repeated in the message. */
    otw_err_set(c->err, -1, "%s: %s: expected 'Name: value' (a header name, a colon, a value "
                "without control characters)", where, key);
    return OTW_EINVAL;
}

static const char *known_keys[] = {
    "alert.syslog", "alert.syslog.format", "alert.syslog.facility", "alert.syslog.hostname",
    "alert.syslog.max_size", "alert.jsonl", "alert.webhook", "alert.webhook.header",
    "alert.webhook.timeout", "alert.webhook.tls_verify", "alert.webhook.ca_file",
    "alert.language", "alert.min_severity", "alert.queue", NULL,
};

/* A misspelt key of ours must not leave an output silently off. */
static int cfg_known(void *ctx, const char *key, const char *value, const char *where)
{
    struct cfg_ctx *c = ctx;

    (void)value;
    if (strncmp(key, "alert.syslog.", 13) != 0 && strncmp(key, "alert.webhook.", 14) != 0 &&
        strncmp(key, "alert.jsonl.", 12) != 0)
        return 0;
    for (int i = 0; known_keys[i] != NULL; i++)
        if (strcmp(key, known_keys[i]) == 0)
            return 0;
    otw_err_set(c->err, -1, "%s: unknown setting %s (docs/OUTPUTS.md lists the alert.* keys)",
                where, key);
    return OTW_EINVAL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int cfg_webhook(struct otw_alertout *o, const struct otw_config *cfg,
                       struct cfg_ctx *c, const char *url)
{
    struct out *u;
    CURLU *cu;
    char *scheme = NULL, *host = NULL, *port = NULL;
    const char *k = "alert.webhook";
    int rc = 0;

    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        otw_err_set(c->err, -1, "%s: %s: libcurl does not start: %s",
                    otw_config_where(cfg, k), k, curl_easy_strerror(curl_init_rc));
        return OTW_EINVAL;
    }
    u = add_out(o, OUT_WEBHOOK);
    cu = curl_url();
    if (cu == NULL)
        return OTW_ENOMEM;
    if (curl_url_set(cu, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(cu, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) || !host[0]) {
        rc = bad_cfg(cfg, c->err, k, "an http:// or https:// URL");
        goto out;
    }
    curl_url_get(cu, CURLUPART_PORT, &port, 0);
    /* The name in reports leaves out the path and query (they may hold a token). */
    snprintf(u->name, sizeof(u->name), "webhook %s://%s%s%s", scheme, host, port ? ":" : "",
             port ? port : "");
    u->url = strdup(url);
    u->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    if (u->hdrs != NULL)
        u->hdrs = curl_slist_append(u->hdrs, "Expect:");      /* no 100-continue wait */
    if (u->url == NULL || u->hdrs == NULL) {
        rc = OTW_ENOMEM;
        goto out;
    }
    rc = otw_config_each(cfg, "alert.webhook.header", cfg_header, c);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(cu);
    return rc;
}

static const struct otw_tok langs[] = {
    {LANG_EN, "en"}, {LANG_JA, "ja"}, {LANG_BOTH, "both"}, {0, NULL},
};
static const struct otw_tok sevs[] = {
    {OTW_SEV_LOW, "low"}, {OTW_SEV_MEDIUM, "medium"}, {OTW_SEV_HIGH, "high"},
    {OTW_SEV_CRITICAL, "critical"}, {0, NULL},
};

static int tok_parse(const struct otw_tok *t, const char *s)
{
    for (; t->s != NULL; t++)
        if (strcasecmp(t->s, s) == 0)
            return t->v;
    return -1;
}

static int load(struct otw_alertout *o, const struct otw_config *cfg, struct otw_err *err)
{
    struct cfg_ctx c = {.o = o, .err = err};
    const char *v;
    int64_t n;
    bool b;
    int rc;

    if ((rc = otw_config_each(cfg, "alert.", cfg_known, &c)) != 0)
        return rc;

    o->lang = LANG_BOTH;
    if ((v = otw_config_get(cfg, "alert.language")) != NULL &&
        (o->lang = tok_parse(langs, v)) < 0)
        return bad_cfg(cfg, err, "alert.language", "en, ja or both");
    o->min_sev = OTW_SEV_LOW;
    if ((v = otw_config_get(cfg, "alert.min_severity")) != NULL &&
        (o->min_sev = tok_parse(sevs, v)) < 0)
        return bad_cfg(cfg, err, "alert.min_severity", "low, medium, high or critical");
    if ((rc = otw_config_int(cfg, "alert.queue", 1000, 1, 1000000, &n, err)) != 0)
        return rc;
    o->qcap = (size_t)n;

    o->format = FMT_RFC5424;
    if ((v = otw_config_get(cfg, "alert.syslog.format")) != NULL) {
        if (!strcasecmp(v, "rfc5424"))
            o->format = FMT_RFC5424;
        else if (!strcasecmp(v, "cef"))
            o->format = FMT_CEF;
        else
            return bad_cfg(cfg, err, "alert.syslog.format", "rfc5424 or cef");
    }
    o->facility = 16;       /* local0: a site routes it without touching system logs */
    if ((v = otw_config_get(cfg, "alert.syslog.facility")) != NULL) {
        char *end;
        long f = strtol(v, &end, 10);
        if (end != v && *end == '\0' && f >= 0 && f <= 23)
            o->facility = (int)f;
        else if ((o->facility = tok_parse(facilities, v)) < 0)
            return bad_cfg(cfg, err, "alert.syslog.facility",
                           "a facility name (local0 ... local7, daemon, auth, security, "
                           "user, ...) or a number from 0 to 23");
    }
    if ((v = otw_config_get(cfg, "alert.syslog.hostname")) != NULL) {
        size_t l = strlen(v);
        bool ok = l > 0 && l <= 255;
        for (size_t i = 0; ok && i < l; i++)
            ok = v[i] > 0x20 && v[i] < 0x7f;
        if (!ok)
            return bad_cfg(cfg, err, "alert.syslog.hostname",
                           "1 to 255 printable ASCII characters without spaces");
        memcpy(o->hostname, v, l + 1);
    } else if (gethostname(o->hostname, sizeof(o->hostname) - 1) != 0 || !o->hostname[0]) {
        snprintf(o->hostname, sizeof(o->hostname), "-");
    }
    if ((rc = otw_config_int(cfg, "alert.syslog.max_size", 8192, 2048, 65000, &o->max_size,
                             err)) != 0)
        return rc;
    if ((rc = otw_config_each(cfg, "alert.syslog", cfg_syslog, &c)) != 0)
        return rc;

    if ((v = otw_config_get(cfg, "alert.jsonl")) != NULL && v[0] != '\0' &&
        strcasecmp(v, "off") != 0) {
        struct out *u = add_out(o, OUT_JSONL);
        u->file = strdup(v);
        if (u->file == NULL)
            return OTW_ENOMEM;
        snprintf(u->name, sizeof(u->name), "JSON-lines file %s", v);
        /* Opened now, so a wrong directory or permission is said at start. */
        if (jl_open(u) < 0) {
            otw_err_set(err, -1, "%s: alert.jsonl: %s", otw_config_where(cfg, "alert.jsonl"),
                        u->error);
            return OTW_EINVAL;
        }
    }

    if ((rc = otw_config_int(cfg, "alert.webhook.timeout", 10, 1, 300, &n, err)) != 0)
        return rc;
    o->timeout_ms = (long)n * 1000;
    if ((rc = otw_config_bool(cfg, "alert.webhook.tls_verify", true, &b, err)) != 0)
        return rc;
    o->tls_verify = b;
    if ((v = otw_config_get(cfg, "alert.webhook.ca_file")) != NULL) {
        if (access(v, R_OK) != 0) {
            otw_err_set(err, -1, "%s: alert.webhook.ca_file: cannot read %s: %s",
                        otw_config_where(cfg, "alert.webhook.ca_file"), v, strerror(errno));
            return OTW_EINVAL;
        }
        if ((o->ca_file = strdup(v)) == NULL)
            return OTW_ENOMEM;
    }
    if ((v = otw_config_get(cfg, "alert.webhook")) != NULL && v[0] != '\0' &&
        strcasecmp(v, "off") != 0) {
        if ((rc = cfg_webhook(o, cfg, &c, v)) != 0)
            return rc;
    } else if (otw_config_get(cfg, "alert.webhook.header") != NULL) {
        otw_err_set(err, -1, "%s: alert.webhook.header: set, but alert.webhook (the URL) is not",
                    otw_config_where(cfg, "alert.webhook.header"));
        return OTW_EINVAL;
    }
    return 0;
}

/* ---- the interface ------------------------------------------------------ */

static void destroy(struct otw_alertout *o)
{
    for (int i = 0; i < o->nout; i++) {
        struct out *u = &o->out[i];
        for (size_t k = 0; k < u->n; k++)
            unref(u->ring[(u->head + k) % o->qcap]);
        free(u->ring);
        sl_close(u);
        jl_close(u);
        free(u->file);
        free(u->url);
        curl_slist_free_all(u->hdrs);
        if (u->curl != NULL)
            curl_easy_cleanup(u->curl);
    }
    if (o->rate != NULL)
        for (size_t i = 0; i < RATE_SLOTS; i++)
            unref(o->rate[i].pending);
    free(o->rate);
    free(o->ca_file);
    pthread_cond_destroy(&o->cv);
    pthread_mutex_destroy(&o->mu);
    free(o);
}

struct otw_alertout *otw_alertout_new(const struct otw_config *cfg, struct otw_err *err)
{
    struct otw_alertout *o = calloc(1, sizeof(*o));
    pthread_condattr_t ca;
    sigset_t all, old;
    int rc;

    if (o == NULL) {
        otw_err_set(err, -1, "alert outputs: out of memory");
        return NULL;
    }
    pthread_mutex_init(&o->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&o->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&o->abort_at, 0);
    if ((rc = load(o, cfg, err)) != 0) {
        if (rc == OTW_ENOMEM)
            otw_err_set(err, -1, "alert outputs: out of memory");
        goto fail;
    }
    if (o->nout == 0)
        return o;
    o->rate = calloc(RATE_SLOTS, sizeof(*o->rate));
    if (o->rate == NULL)
        goto nomem;
    for (int i = 0; i < o->nout; i++)
        if ((o->out[i].ring = calloc(o->qcap, sizeof(struct item *))) == NULL)
            goto nomem;
    /* The sender thread takes no signals: SIGINT/SIGTERM reach the threads
     * that act on them, and a write to a collector that went away gives EPIPE
     * (even inside libcurl's TLS), never a SIGPIPE that ends the process. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&o->thread, NULL, sender, o);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        otw_err_set(err, -1, "alert outputs: cannot start the sender thread: %s", strerror(rc));
        goto fail;
    }
    o->started = true;
    return o;
nomem:
    otw_err_set(err, -1, "alert outputs: out of memory");
fail:
    destroy(o);
    return NULL;
}

void otw_alertout_set_log(struct otw_alertout *o, otw_alertout_log_fn fn, void *ctx)
{
    if (o == NULL)
        return;
    pthread_mutex_lock(&o->mu);
    o->log = fn;
    o->log_ctx = ctx;
    pthread_mutex_unlock(&o->mu);
}

void otw_alertout_send(struct otw_alertout *o, const struct otw_alert *a, bool opened)
{
    struct item *it;
    struct rate *r;
    int64_t now;

    if (o == NULL || a == NULL || o->nout == 0)
        return;
    if (a->severity < o->min_sev) {
        pthread_mutex_lock(&o->mu);
        o->filtered++;
        pthread_mutex_unlock(&o->mu);
        return;
    }
    it = malloc(sizeof(*it));
    pthread_mutex_lock(&o->mu);
    if (it == NULL) {
        for (int i = 0; i < o->nout; i++) {
            o->out[i].dropped++;
            o->out[i].drop_unrep++;
        }
        goto out;
    }
    memcpy(&it->a, a, sizeof(*a));
    it->opened = opened;
    it->at_us = otw_now_us();
    it->refs = 0;
    now = mono_ms();
    r = rate_get(o, a, now);
    if (r != NULL && !opened && now < r->last + UPDATE_GAP_MS) {
        /* Within its minute: wait, replacing an older waiting update. */
        if (r->pending != NULL) {
            unref(r->pending);
            o->held++;
        } else {
            o->npending++;
        }
        it->refs = 1;
        r->pending = it;
        goto out;
    }
    if (r != NULL) {
        if (r->pending != NULL) {
            /* (Re)opened: newer than the update that waited. */
            unref(r->pending);
            r->pending = NULL;
            o->npending--;
            o->held++;
        }
        r->last = now;
    }
    enqueue(o, it);
out:
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

void otw_alertout_get_stats(struct otw_alertout *o, struct otw_alertout_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (o == NULL)
        return;
    pthread_mutex_lock(&o->mu);
    st->outputs = (unsigned)o->nout;
    st->accepted = o->accepted;
    st->filtered = o->filtered;
    st->held = o->held;
    for (int i = 0; i < o->nout; i++) {
        st->delivered += o->out[i].sent;
        st->failures += o->out[i].failures;
        st->dropped += o->out[i].dropped;
        st->rejected += o->out[i].rejected;
        st->waiting += o->out[i].n;
    }
    pthread_mutex_unlock(&o->mu);
}

void otw_alertout_free(struct otw_alertout *o, int timeout_ms)
{
    otw_alertout_log_fn fn;
    void *ctx;

    if (o == NULL)
        return;
    if (o->started) {
        pthread_mutex_lock(&o->mu);
        o->stop = true;
        o->deadline = mono_ms() + OTW_MAX(timeout_ms, 0);
        atomic_store(&o->abort_at, o->deadline);
        for (int i = 0; i < o->nout; i++)
            o->out[i].retry_at = 0;         /* one more try now */
        pthread_cond_signal(&o->cv);
        pthread_mutex_unlock(&o->mu);
        pthread_join(o->thread, NULL);
    }
    fn = o->log;
    ctx = o->log_ctx;
    for (int i = 0; i < o->nout; i++) {
        struct out *u = &o->out[i];
        char line[800];

        if (u->n == 0)
            continue;
        u->dropped += u->n;
        snprintf(line, sizeof(line), "ALERT OUTPUT PROBLEM: %s: %zu alert(s) NOT DELIVERED at "
                 "stop (%s)", u->name, u->n, u->error[0] ? u->error : "no time left");
        say(fn, ctx, line);
    }
    destroy(o);
}
