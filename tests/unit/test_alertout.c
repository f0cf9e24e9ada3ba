/*
 * test_alertout.c - detect/alertout.c against real receivers: a unix
 * datagram socket in a temp dir, UDP and TCP sockets on 127.0.0.1, a real
 * file, and a small HTTP server run by the test in a thread (libcurl does
 * the real POST). Every message is parsed back with a parser written here
 * from the specs (RFC 5424 section 6, RFC 6587 3.4.1, the CEF rev. 25
 * escaping rules, JSON by jansson) and checked field by field.
 *
 * Collectors away: the TCP port is reserved and closed, the alert waits and
 * is retried; when a listener comes up it arrives once. Nothing here asserts
 * a duration: waits poll a condition with a generous limit.
 *
 * The alerts are filled by hand with hostile text: quotes, backslashes,
 * ']', '|', '=', newlines, control characters, invalid UTF-8, Japanese.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/config.h"
#include "core/session.h"
#include "core/timeutil.h"
#include "detect/alert.h"
#include "detect/alertout.h"
#include "otw_version.h"

/* 2024-05-01 12:00:00 UTC */
#define T0 1714564800000000LL
#define WAIT_MS 20000

static const char JA[] = "保守サーバ（maint）から PLC へ"
                         " Modbus の書き込みがありました。"
                         "作業予定か確認してください。";
static const char EN[] = "Modbus write from \"maint\" to plc]1 \\ x=1|2\nsecond\tline\x01.";
static const char LABEL[] = "maint \"srv\" [a\\b] x=y|z";
static const char DETAIL[] = "ports=502 note=\"q\" path=C:\\plc ]end\nline2\x01 ja=書込";

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls a condition; fails the test when it never holds. */
#define WAIT_FOR(cond)                                                                     \
    do {                                                                                   \
        int64_t end_ = mono_ms() + WAIT_MS;                                                \
        while (!(cond) && mono_ms() < end_)                                                \
            sleep_ms(10);                                                                  \
        assert_true(cond);                                                                 \
    } while (0)

/* Controls to spaces: what syslog MSG and SD values must show. */
static void ctl_space(const char *in, char *out, size_t len)
{
    size_t i;
    for (i = 0; in[i] && i + 1 < len; i++)
        out[i] = ((unsigned char)in[i] < 0x20 || in[i] == 0x7f) ? ' ' : in[i];
    out[i] = '\0';
}

static void mk_alert(struct otw_alert *a, int64_t id, int kind, int sev)
{
    memset(a, 0, sizeof(*a));
    a->id = id;
    a->kind = kind;
    a->severity = sev;
    a->status = OTW_AS_OPEN;
    snprintf(a->key, sizeof(a->key), "test|%lld", (long long)id);
    assert_int_equal(otw_ip_parse("192.168.10.40", a->src), 0);
    assert_int_equal(otw_ip_parse("192.168.10.30", a->dst), 0);
    a->has_src = a->has_dst = true;
    a->proto = 6;
    a->port = 502;
    a->count = 3;
    a->first_us = T0;
    a->last_us = T0 + 90 * 1000000LL;
    a->point_id = 1;
    snprintf(a->src_label, sizeof(a->src_label), "%s", LABEL);
    snprintf(a->dst_label, sizeof(a->dst_label), "plc (PLC)");
    snprintf(a->detail, sizeof(a->detail), "%s", DETAIL);
    snprintf(a->text[OTW_LANG_EN], sizeof(a->text[0]), "%s", EN);
    snprintf(a->text[OTW_LANG_JA], sizeof(a->text[0]), "%s", JA);
}

static struct otw_alertout_stats stats(struct otw_alertout *o)
{
    struct otw_alertout_stats st;
    otw_alertout_get_stats(o, &st);
    return st;
}

/* ---- what the sender thread reports ----------------------------------- */

struct logbuf {
    pthread_mutex_t mu;
    char text[32768];
    size_t n;
};

static void log_cb(void *ctx, const char *msg)
{
    struct logbuf *l = ctx;
    pthread_mutex_lock(&l->mu);
    int w = snprintf(l->text + l->n, sizeof(l->text) - l->n, "%s\n", msg);
    if (w > 0)
        l->n = OTW_MIN(l->n + (size_t)w, sizeof(l->text) - 1);
    pthread_mutex_unlock(&l->mu);
}

static bool log_has(struct logbuf *l, const char *s)
{
    bool r;
    pthread_mutex_lock(&l->mu);
    r = strstr(l->text, s) != NULL;
    pthread_mutex_unlock(&l->mu);
    return r;
}

/* ---- settings ----------------------------------------------------------- */

static struct otw_alertout *make(struct otw_config *c, struct logbuf *l)
{
    struct otw_err err = {{0}, -1};
    struct otw_alertout *o = otw_alertout_new(c, &err);
    if (o == NULL)
        fail_msg("otw_alertout_new: %s", err.msg);
    if (l != NULL) {
        pthread_mutex_init(&l->mu, NULL);
        l->n = 0;
        l->text[0] = '\0';
        otw_alertout_set_log(o, log_cb, l);
    }
    return o;
}

static void set(struct otw_config *c, const char *k, const char *v)
{
    assert_int_equal(otw_config_set(c, k, v, "test.conf:1"), 0);
}

/* ---- receivers ---------------------------------------------------------- */

static int udp_open(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static int unix_open(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    assert_true(strlen(path) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* One datagram, or fails after WAIT_MS. */
static size_t dgram(int fd, char *buf, size_t len)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t r;

    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    r = recv(fd, buf, len - 1, 0);
    assert_true(r > 0);
    buf[r] = '\0';
    return (size_t)r;
}

static int tcp_listen_on(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    return fd;
}

/* A free port: bound, noted, closed (so nobody listens there yet). */
static int free_port(void)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = tcp_listen_on(0), port;

    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

struct tcpcol {
    int lfd, cfd;
    char buf[300000];
    size_t n;
};

static void tcpcol_up(struct tcpcol *t, int port)
{
    t->lfd = tcp_listen_on(port);
    t->cfd = -1;
    t->n = 0;
}

static void tcpcol_down(struct tcpcol *t)
{
    if (t->cfd >= 0)
        close(t->cfd);
    if (t->lfd >= 0)
        close(t->lfd);
    t->cfd = t->lfd = -1;
}

/* The next RFC 6587 octet-counted frame: its length, or -1 when the sender
 * closed the connection first. Checks the framing strictly. */
static long tcp_frame(struct tcpcol *t, char *out, size_t outlen, int wait_ms)
{
    for (;;) {
        size_t i = 0;
        unsigned long len = 0;
        struct pollfd p;
        ssize_t r;

        while (i < t->n && t->buf[i] >= '0' && t->buf[i] <= '9' && i < 7)
            len = len * 10 + (unsigned long)(t->buf[i++] - '0');
        if (i < t->n) {
            assert_true(i > 0);             /* MSG-LEN = NONZERO-DIGIT *DIGIT */
            assert_true(t->buf[0] != '0');
            assert_int_equal(t->buf[i], ' ');
            if (t->n >= i + 1 + len) {
                assert_true(len < outlen);
                memcpy(out, t->buf + i + 1, len);
                out[len] = '\0';
                memmove(t->buf, t->buf + i + 1 + len, t->n - i - 1 - len);
                t->n -= i + 1 + len;
                return (long)len;
            }
        }
        if (t->cfd < 0) {
            p = (struct pollfd){.fd = t->lfd, .events = POLLIN};
            assert_int_equal(poll(&p, 1, wait_ms), 1);
            t->cfd = accept(t->lfd, NULL, NULL);
            assert_true(t->cfd >= 0);
        }
        p = (struct pollfd){.fd = t->cfd, .events = POLLIN};
        if (poll(&p, 1, wait_ms) != 1)
            fail_msg("no frame within %d ms", wait_ms);
        r = read(t->cfd, t->buf + t->n, sizeof(t->buf) - t->n);
        if (r == 0)
            return -1;
        assert_true(r > 0);
        t->n += (size_t)r;
    }
}

/* ---- an RFC 5424 parser (section 6 ABNF), strict ----------------------- */

struct sdp {
    char name[40];
    char value[2048];
};

struct r5424 {
    int pri, version;
    char ts[64], host[300], app[64], procid[160], msgid[64], sdid[64];
    struct sdp p[40];
    int np;
    bool bom;
    char msg[70000];
};

static const char *sdp_get(const struct r5424 *r, const char *name)
{
    for (int i = 0; i < r->np; i++)
        if (strcmp(r->p[i].name, name) == 0)
            return r->p[i].value;
    return NULL;
}

/* A header field: 1..max PRINTUSASCII, then SP. */
static int field(const char **pp, char *out, size_t max)
{
    const char *p = *pp;
    size_t n = 0;

    while (*p > 32 && *p < 127) {
        if (n >= max)
            return -1;
        out[n++] = *p++;
    }
    out[n] = '\0';
    if (n == 0 || *p != ' ')
        return -1;
    *pp = p + 1;
    return 0;
}

static bool sd_name_char(char c)
{
    return c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
}

static int parse5424(const char *m, struct r5424 *r)
{
    const char *p = m;
    char *end;
    size_t n;

    memset(r, 0, sizeof(*r));
    if (*p++ != '<')
        return -1;
    r->pri = (int)strtol(p, &end, 10);
    if (end == p || end - p > 3 || *end != '>' || r->pri < 0 || r->pri > 191)
        return -2;
    p = end + 1;
    r->version = (int)strtol(p, &end, 10);
    if (end == p || *end != ' ')
        return -3;
    p = end + 1;
    if (field(&p, r->ts, 48) || field(&p, r->host, 255) || field(&p, r->app, 48) ||
        field(&p, r->procid, 128) || field(&p, r->msgid, 32))
        return -4;
    if (*p == '-') {
        p++;
    } else {
        if (*p++ != '[')
            return -5;
        for (n = 0; sd_name_char(*p) && n < 32;)
            r->sdid[n++] = *p++;
        if (n == 0)
            return -6;
        while (*p == ' ') {
            struct sdp *q = &r->p[r->np];
            p++;
            for (n = 0; sd_name_char(*p) && n < 32;)
                q->name[n++] = *p++;
            if (n == 0 || *p++ != '=' || *p++ != '"')
                return -7;
            for (n = 0; *p != '"'; ) {
                if (*p == '\0' || *p == ']' || n + 2 >= sizeof(q->value))
                    return -8;      /* an unescaped ']' is not allowed in a value */
                if (*p == '\\') {
                    if (p[1] != '"' && p[1] != '\\' && p[1] != ']')
                        return -9;  /* we never write a lone backslash */
                    p++;
                }
                q->value[n++] = *p++;
            }
            p++;
            if (++r->np == (int)OTW_ARRAY_LEN(r->p))
                return -10;
        }
        if (*p++ != ']')
            return -11;
    }
    if (*p == '\0')
        return 0;
    if (*p++ != ' ')
        return -12;
    if (strncmp(p, "\xef\xbb\xbf", 3) == 0) {
        r->bom = true;
        p += 3;
    }
    snprintf(r->msg, sizeof(r->msg), "%s", p);
    return 0;
}

/* RFC 3339 as RFC 5424 6.2.3 allows it, here always UTC with microseconds. */
static void check_ts(const char *ts, int64_t lo, int64_t hi)
{
    int64_t t;

    assert_int_equal(strlen(ts), 27);
    assert_int_equal(ts[4], '-');
    assert_int_equal(ts[10], 'T');
    assert_int_equal(ts[19], '.');
    assert_int_equal(ts[26], 'Z');
    assert_int_equal(otw_time_parse(ts, 0, &t), 0);
    assert_true(t >= lo - 1 && t <= hi + 1);
}

/* ---- a CEF parser ------------------------------------------------------- */

struct cef {
    char h[8][512];
    struct {
        char k[40];
        char v[4096];
    } e[40];
    int ne;
};

static const char *cef_get(const struct cef *c, const char *k)
{
    for (int i = 0; i < c->ne; i++)
        if (strcmp(c->e[i].k, k) == 0)
            return c->e[i].v;
    return NULL;
}

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* Does an extension key and an unescaped '=' start at p? */
static bool key_at(const char *p)
{
    const char *q = p;
    while (key_char(*q))
        q++;
    return q > p && *q == '=';
}

static int parse_cef(const char *m, struct cef *c)
{
    const char *p = m;

    memset(c, 0, sizeof(*c));
    if (strncmp(p, "CEF:", 4) != 0)
        return -1;
    p += 4;
    for (int f = 0; f < 7; f++) {
        size_t n = 0;
        while (*p != '|') {
            if (*p == '\0' || *p == '\n' || *p == '\r' || n + 2 >= sizeof(c->h[f]))
                return -2;
            if (*p == '\\') {
                if (p[1] != '|' && p[1] != '\\')
                    return -3;
                p++;
            }
            c->h[f][n++] = *p++;
        }
        p++;
    }
    while (*p != '\0') {
        size_t n = 0;
        if (!key_at(p))
            return -4;
        while (*p != '=')
            c->e[c->ne].k[n++] = *p++;
        p++;
        n = 0;
        while (*p != '\0' && !(*p == ' ' && key_at(p + 1))) {
            char ch = *p;
            if (ch == '\n' || ch == '\r' || ch == '=' || n + 2 >= sizeof(c->e[0].v))
                return -5;          /* raw newlines and '=' must be escaped */
            if (ch == '\\') {
                switch (p[1]) {
                case '\\': ch = '\\'; break;
                case '=': ch = '='; break;
                case 'n': ch = '\n'; break;
                case 'r': ch = '\r'; break;
                default: return -6;
                }
                p++;
            }
            c->e[c->ne].v[n++] = ch;
            p++;
        }
        if (*p == ' ')
            p++;
        if (++c->ne == (int)OTW_ARRAY_LEN(c->e))
            return -7;
    }
    return 0;
}

/* ---- a tiny HTTP server ------------------------------------------------- */

struct http {
    int lfd, port;
    pthread_t thread;
    pthread_mutex_t mu;
    bool stop;
    int status[16];
    int nstatus;
    int nreq;
    struct {
        char head[4096];
        char body[8192];
    } req[16];
};

static bool http_stopped(struct http *h)
{
    bool s;
    pthread_mutex_lock(&h->mu);
    s = h->stop;
    pthread_mutex_unlock(&h->mu);
    return s;
}

static void *http_main(void *arg)
{
    struct http *h = arg;

    while (!http_stopped(h)) {
        struct pollfd p = {.fd = h->lfd, .events = POLLIN};
        char buf[16384], resp[128];
        size_t n = 0;
        char *eoh = NULL, *cl;
        long blen = 0;
        int fd, status;

        if (poll(&p, 1, 50) != 1)
            continue;
        if ((fd = accept(h->lfd, NULL, NULL)) < 0)
            continue;
        for (;;) {
            ssize_t r;
            buf[n] = '\0';
            if (eoh == NULL && (eoh = strstr(buf, "\r\n\r\n")) != NULL) {
                cl = strcasestr(buf, "\r\nContent-Length:");
                blen = cl ? strtol(cl + 17, NULL, 10) : 0;
            }
            if (eoh != NULL && n >= (size_t)(eoh + 4 - buf) + (size_t)blen)
                break;
            p = (struct pollfd){.fd = fd, .events = POLLIN};
            if (n + 1 >= sizeof(buf) || poll(&p, 1, 5000) != 1 ||
                (r = read(fd, buf + n, sizeof(buf) - 1 - n)) <= 0)
                break;
            n += (size_t)r;
        }
        pthread_mutex_lock(&h->mu);
        status = h->status[OTW_MIN(h->nreq, h->nstatus - 1)];
        if (eoh != NULL && h->nreq < 16) {
            snprintf(h->req[h->nreq].head, sizeof(h->req[0].head), "%.*s",
                     (int)(eoh - buf), buf);
            snprintf(h->req[h->nreq].body, sizeof(h->req[0].body), "%.*s", (int)blen, eoh + 4);
            h->nreq++;
        }
        pthread_mutex_unlock(&h->mu);
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status);
        if (write(fd, resp, strlen(resp)) < 0)
            (void)0;
        close(fd);
    }
    return NULL;
}

static void http_start(struct http *h, const int *status, int n)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);

    memset(h, 0, sizeof(*h));
    pthread_mutex_init(&h->mu, NULL);
    memcpy(h->status, status, (size_t)n * sizeof(int));
    h->nstatus = n;
    h->lfd = tcp_listen_on(0);
    assert_int_equal(getsockname(h->lfd, (struct sockaddr *)&sa, &sl), 0);
    h->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&h->thread, NULL, http_main, h), 0);
}

static int http_nreq(struct http *h)
{
    int n;
    pthread_mutex_lock(&h->mu);
    n = h->nreq;
    pthread_mutex_unlock(&h->mu);
    return n;
}

static void http_stop(struct http *h)
{
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    close(h->lfd);
}

/* ---- temp dirs ---------------------------------------------------------- */

/* A server the test started (rsyslogd, python3) and the test's temp dir,
 * ended and removed by the teardown even when an assertion failed. */
static pid_t server_pid;
static char server_dir[64];

static int end_server(void **state)
{
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    server_pid = 0;
    if (server_dir[0] != '\0') {
        char cmd[100];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", server_dir);
        if (system(cmd) != 0)
            return -1;
    }
    server_dir[0] = '\0';
    return 0;
}

static void tmpdir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/otw-ao-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(server_dir, sizeof(server_dir), "%s", dir);
}

static void rmdir_all(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- the checks shared by the syslog tests ------------------------------ */

/* What MSG must be for language "both": EN / JA, controls as spaces. */
static void expect_msg_both(char *out, size_t len)
{
    char en[800];
    ctl_space(EN, en, sizeof(en));
    snprintf(out, len, "%s / %s", en, JA);
}

static void check_5424(const char *m, int facility, const char *host, int64_t lo, int64_t hi)
{
    struct r5424 *r = calloc(1, sizeof(*r));
    char tmp[1200], pid[32];
    int rc;

    assert_non_null(r);
    rc = parse5424(m, r);
    if (rc != 0)
        fail_msg("not RFC 5424 (%d): %s", rc, m);
    assert_int_equal(r->pri, facility * 8 + 3);    /* high -> 3 (error) */
    assert_int_equal(r->version, 1);
    check_ts(r->ts, lo, hi);
    assert_string_equal(r->host, host);
    assert_string_equal(r->app, "otwatch");
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    assert_string_equal(r->procid, pid);
    assert_string_equal(r->msgid, "ot_write");
    assert_string_equal(r->sdid, "otwatch@32473");
    assert_string_equal(sdp_get(r, "event"), "opened");
    assert_string_equal(sdp_get(r, "id"), "42");
    assert_string_equal(sdp_get(r, "kind"), "ot_write");
    assert_string_equal(sdp_get(r, "severity"), "high");
    assert_string_equal(sdp_get(r, "src"), "192.168.10.40");
    assert_string_equal(sdp_get(r, "dst"), "192.168.10.30");
    assert_string_equal(sdp_get(r, "proto"), "tcp");
    assert_string_equal(sdp_get(r, "port"), "502");
    assert_string_equal(sdp_get(r, "count"), "3");
    assert_string_equal(sdp_get(r, "first"), "2024-05-01T12:00:00.000000Z");
    assert_string_equal(sdp_get(r, "last"), "2024-05-01T12:01:30.000000Z");
    /* '"', '\' and ']' came back through the escapes; controls are spaces. */
    assert_string_equal(sdp_get(r, "src_label"), LABEL);
    assert_string_equal(sdp_get(r, "dst_label"), "plc (PLC)");
    ctl_space(DETAIL, tmp, sizeof(tmp));
    assert_string_equal(sdp_get(r, "detail"), tmp);
    assert_null(sdp_get(r, "mac"));
    assert_true(r->bom);                /* Japanese in MSG: UTF-8 with its BOM */
    expect_msg_both(tmp, sizeof(tmp));
    assert_string_equal(r->msg, tmp);
    free(r);
}

/* ---- tests -------------------------------------------------------------- */

/* RFC 5424 to a unix datagram socket (as /dev/log), field by field. */
static void test_rfc5424_unix(void **state)
{
    char dir[64], path[128], *buf = malloc(70000);
    struct otw_config *c = otw_config_new();
    struct otw_alertout *o;
    struct otw_alert a;
    int64_t lo, hi;
    int fd;

    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/log", dir);
    snprintf(buf, 200, "unix:%s", path);
    set(c, "alert.syslog", buf);
    set(c, "alert.syslog.facility", "local3");
    set(c, "alert.syslog.hostname", "sensor-1");
    o = make(c, NULL);
    mk_alert(&a, 42, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    lo = otw_now_us();
    otw_alertout_send(o, &a, true);
    hi = otw_now_us();
    /* no socket yet (syslogd not started): retried until there is one */
    WAIT_FOR(stats(o).failures >= 1);
    fd = unix_open(path);
    dgram(fd, buf, 70000);
    check_5424(buf, 19, "sensor-1", lo, hi);
    WAIT_FOR(stats(o).delivered == 1);
    otw_alertout_free(o, 1000);
    otw_config_free(c);
    close(fd);
    rmdir_all(dir);
    free(buf);
}

/* RFC 5424 over UDP (RFC 5426: one message per datagram); defaults:
 * facility local0 and this machine's host name; an update, then an IPv6
 * alert with a MAC and no port, in English only. */
static void test_rfc5424_udp(void **state)
{
    char spec[64], host[256] = "", *buf = malloc(70000);
    struct otw_config *c = otw_config_new();
    struct r5424 *r = calloc(1, sizeof(*r));
    struct otw_alertout *o;
    struct otw_alert a;
    int64_t lo, hi;
    int fd, port;

    (void)state;
    fd = udp_open(&port);
    snprintf(spec, sizeof(spec), "udp://127.0.0.1:%d", port);
    set(c, "alert.syslog", spec);
    o = make(c, NULL);
    gethostname(host, sizeof(host) - 1);
    mk_alert(&a, 42, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    lo = otw_now_us();
    otw_alertout_send(o, &a, true);
    hi = otw_now_us();
    dgram(fd, buf, 70000);
    check_5424(buf, 16, host, lo, hi);

    /* IPv6, a MAC, no port, no labels, language en (a new handle). */
    otw_alertout_free(o, 1000);
    set(c, "alert.language", "en");
    o = make(c, NULL);
    mk_alert(&a, 43, OTW_AK_NEW_DEVICE, OTW_SEV_CRITICAL);
    assert_int_equal(otw_ip_parse("fe80::1:2", a.src), 0);
    a.has_dst = false;
    a.port = 0;
    a.proto = 0;
    a.has_mac = true;
    assert_int_equal(otw_mac_parse("02:0a:c0:a8:0a:63", a.mac), 0);
    a.src_label[0] = a.dst_label[0] = a.detail[0] = '\0';
    snprintf(a.text[0], sizeof(a.text[0]), "A new device.");
    otw_alertout_send(o, &a, false);
    dgram(fd, buf, 70000);
    assert_int_equal(parse5424(buf, r), 0);
    assert_int_equal(r->pri, 16 * 8 + 2);               /* critical -> 2 */
    assert_string_equal(r->msgid, "new_device");
    assert_string_equal(sdp_get(r, "event"), "update");
    assert_string_equal(sdp_get(r, "src"), "fe80::1:2");
    assert_string_equal(sdp_get(r, "mac"), "02:0a:c0:a8:0a:63");
    assert_null(sdp_get(r, "dst"));
    assert_null(sdp_get(r, "port"));
    assert_null(sdp_get(r, "proto"));
    assert_null(sdp_get(r, "src_label"));
    assert_false(r->bom);                               /* ASCII: no BOM */
    assert_string_equal(r->msg, "A new device.");
    otw_alertout_free(o, 1000);
    otw_config_free(c);
    close(fd);
    free(r);
    free(buf);
}

/* CEF over TCP: two alerts, two octet-counted frames on one connection. */
static void test_cef_tcp_framing(void **state)
{
    struct tcpcol *t = calloc(1, sizeof(*t));
    struct otw_config *c = otw_config_new();
    struct r5424 *r = calloc(1, sizeof(*r));
    struct cef *cf = calloc(1, sizeof(*cf));
    char spec[64], *buf = malloc(70000), want[1200];
    struct otw_alertout *o;
    struct otw_alert a;
    int port = free_port();

    (void)state;
    tcpcol_up(t, port);
    snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%d", port);
    set(c, "alert.syslog", spec);
    set(c, "alert.syslog.format", "cef");
    o = make(c, NULL);
    mk_alert(&a, 42, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    otw_alertout_send(o, &a, true);
    mk_alert(&a, 43, OTW_AK_PORT_SCAN, OTW_SEV_MEDIUM);
    a.count = 1234567;
    otw_alertout_send(o, &a, false);

    assert_true(tcp_frame(t, buf, 70000, WAIT_MS) > 0);
    assert_int_equal(parse5424(buf, r), 0);
    assert_int_equal(r->pri, 16 * 8 + 3);
    assert_string_equal(r->msgid, "ot_write");
    assert_int_equal(r->np, 0);                         /* no SD: "-" */
    assert_false(r->bom);                               /* MSG starts with "CEF:" */
    if (parse_cef(r->msg, cf) != 0)
        fail_msg("not CEF: %s", r->msg);
    assert_string_equal(cf->h[0], "0");
    assert_string_equal(cf->h[1], "otwatch");
    assert_string_equal(cf->h[2], "otwatch");
    assert_string_equal(cf->h[3], OTW_VERSION);
    assert_string_equal(cf->h[4], "ot_write");
    assert_string_equal(cf->h[5], otw_alert_kind_title(OTW_AK_OT_WRITE, OTW_LANG_EN));
    assert_string_equal(cf->h[6], "8");
    assert_string_equal(cef_get(cf, "act"), "opened");
    assert_string_equal(cef_get(cf, "externalId"), "42");
    assert_string_equal(cef_get(cf, "src"), "192.168.10.40");
    assert_string_equal(cef_get(cf, "dst"), "192.168.10.30");
    assert_string_equal(cef_get(cf, "dpt"), "502");
    assert_string_equal(cef_get(cf, "proto"), "TCP");
    assert_string_equal(cef_get(cf, "cnt"), "3");
    assert_string_equal(cef_get(cf, "start"), "1714564800000");
    assert_string_equal(cef_get(cf, "end"), "1714564890000");
    assert_string_equal(cef_get(cf, "cs2"), LABEL);     /* '=' '|' '\' survive */
    /* Newlines are kept as \n escapes; other controls become spaces. */
    snprintf(want, sizeof(want), "%s", DETAIL);
    *strchr(want, '\x01') = ' ';
    assert_string_equal(cef_get(cf, "cs4"), want);
    snprintf(want, sizeof(want), "%s / %s", EN, JA);
    *strchr(want, '\x01') = ' ';
    *strchr(want, '\t') = ' ';
    assert_string_equal(cef_get(cf, "msg"), want);

    assert_true(tcp_frame(t, buf, 70000, WAIT_MS) > 0);
    assert_int_equal(parse5424(buf, r), 0);
    assert_int_equal(r->pri, 16 * 8 + 4);               /* medium -> 4 */
    assert_int_equal(parse_cef(r->msg, cf), 0);
    assert_string_equal(cf->h[4], "port_scan");
    assert_string_equal(cf->h[6], "5");
    assert_string_equal(cef_get(cf, "act"), "update");
    assert_string_equal(cef_get(cf, "cnt"), "1234567");

    /* IPv6 goes to c6a2/c6a3, not src/dst (IPv4 in CEF) */
    mk_alert(&a, 44, OTW_AK_NEW_PEER, OTW_SEV_LOW);
    assert_int_equal(otw_ip_parse("2001:db8::40", a.src), 0);
    assert_int_equal(otw_ip_parse("2001:db8::30", a.dst), 0);
    a.proto = 17;
    otw_alertout_send(o, &a, true);
    assert_true(tcp_frame(t, buf, 70000, WAIT_MS) > 0);
    assert_int_equal(parse5424(buf, r), 0);
    assert_int_equal(parse_cef(r->msg, cf), 0);
    assert_null(cef_get(cf, "src"));
    assert_null(cef_get(cf, "dst"));
    assert_string_equal(cef_get(cf, "c6a2"), "2001:db8::40");
    assert_string_equal(cef_get(cf, "c6a2Label"), "Source IPv6 Address");
    assert_string_equal(cef_get(cf, "c6a3"), "2001:db8::30");
    assert_string_equal(cef_get(cf, "proto"), "UDP");
    assert_string_equal(cf->h[6], "3");

    /* Stopping closes the connection: nothing more came. */
    otw_alertout_free(o, 2000);
    assert_int_equal(tcp_frame(t, buf, 70000, WAIT_MS), -1);
    tcpcol_down(t);
    otw_config_free(c);
    free(t);
    free(r);
    free(cf);
    free(buf);
}

/* A TCP collector that is away: the alert waits and is retried; when the
 * collector comes up it arrives once; then the collector restarts. */
static void test_tcp_down_then_up(void **state)
{
    struct tcpcol *t = calloc(1, sizeof(*t));
    struct otw_config *c = otw_config_new();
    struct r5424 *r = calloc(1, sizeof(*r));
    struct logbuf *l = calloc(1, sizeof(*l));
    char spec[64], *buf = malloc(70000);
    struct otw_alertout *o;
    struct otw_alert a;
    uint64_t failures;
    int port = free_port();

    (void)state;
    snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%d", port);
    set(c, "alert.syslog", spec);
    o = make(c, l);
    mk_alert(&a, 1, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).failures >= 2);
    assert_int_equal(stats(o).waiting, 1);
    WAIT_FOR(log_has(l, "ALERT OUTPUT PROBLEM: syslog tcp://127.0.0.1:"));
    assert_true(log_has(l, "Connection refused"));

    tcpcol_up(t, port);
    assert_true(tcp_frame(t, buf, 70000, WAIT_MS) > 0);
    assert_int_equal(parse5424(buf, r), 0);
    assert_string_equal(sdp_get(r, "id"), "1");
    WAIT_FOR(stats(o).delivered == 1);
    WAIT_FOR(log_has(l, "delivering again"));
    mk_alert(&a, 2, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    otw_alertout_send(o, &a, true);
    assert_true(tcp_frame(t, buf, 70000, WAIT_MS) > 0);
    assert_int_equal(parse5424(buf, r), 0);
    assert_string_equal(sdp_get(r, "id"), "2");         /* not 1 again */

    /* The collector restarts: its connection and listener go away. */
    tcpcol_down(t);
    failures = stats(o).failures;
    mk_alert(&a, 3, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).failures > failures);
    tcpcol_up(t, port);
    assert_true(tcp_frame(t, buf, 70000, WAIT_MS) > 0);
    assert_int_equal(parse5424(buf, r), 0);
    assert_string_equal(sdp_get(r, "id"), "3");
    mk_alert(&a, 4, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    otw_alertout_send(o, &a, true);
    assert_true(tcp_frame(t, buf, 70000, WAIT_MS) > 0);
    assert_int_equal(parse5424(buf, r), 0);
    assert_string_equal(sdp_get(r, "id"), "4");
    otw_alertout_free(o, 2000);
    assert_int_equal(tcp_frame(t, buf, 70000, WAIT_MS), -1);   /* no duplicate followed */
    tcpcol_down(t);
    otw_config_free(c);
    free(t);
    free(r);
    free(l);
    free(buf);
}

/* A full queue drops the newest alerts, counts and reports them; the ones
 * queued arrive in order once the collector is up. */
static void test_queue_full_drops(void **state)
{
    struct tcpcol *t = calloc(1, sizeof(*t));
    struct otw_config *c = otw_config_new();
    struct r5424 *r = calloc(1, sizeof(*r));
    struct logbuf *l = calloc(1, sizeof(*l));
    char spec[64], *buf = malloc(70000), id[8];
    struct otw_alertout_stats st;
    struct otw_alertout *o;
    struct otw_alert a;
    int port = free_port();

    (void)state;
    snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%d", port);
    set(c, "alert.syslog", spec);
    set(c, "alert.queue", "4");
    o = make(c, l);
    for (int i = 1; i <= 10; i++) {
        mk_alert(&a, i, OTW_AK_NEW_PEER, OTW_SEV_MEDIUM);
        otw_alertout_send(o, &a, true);
    }
    st = stats(o);
    assert_int_equal(st.accepted, 10);
    assert_int_equal(st.dropped, 6);
    assert_int_equal(st.waiting, 4);
    WAIT_FOR(log_has(l, "alert(s) DROPPED (queue of 4 full)"));

    tcpcol_up(t, port);
    for (int i = 1; i <= 4; i++) {
        assert_true(tcp_frame(t, buf, 70000, WAIT_MS) > 0);
        assert_int_equal(parse5424(buf, r), 0);
        snprintf(id, sizeof(id), "%d", i);
        assert_string_equal(sdp_get(r, "id"), id);
    }
    WAIT_FOR(stats(o).delivered == 4);
    otw_alertout_free(o, 2000);
    assert_int_equal(tcp_frame(t, buf, 70000, WAIT_MS), -1);
    st = stats(NULL);
    assert_int_equal(st.outputs, 0);
    tcpcol_down(t);
    otw_config_free(c);
    free(t);
    free(r);
    free(l);
    free(buf);
}

static json_t *read_jsonl(const char *path, int *nlines)
{
    FILE *f = fopen(path, "r");
    json_t *arr = json_array();
    char line[16384];

    *nlines = 0;
    if (f == NULL)
        return arr;
    while (fgets(line, sizeof(line), f) != NULL) {
        json_error_t e;
        json_t *j;
        size_t n = strlen(line);
        assert_true(n > 0 && line[n - 1] == '\n');      /* whole lines only */
        j = json_loads(line, 0, &e);
        if (j == NULL)
            fail_msg("%s line %d is not JSON: %s", path, *nlines + 1, e.text);
        json_array_append_new(arr, j);
        (*nlines)++;
    }
    fclose(f);
    return arr;
}

static const char *jstr(json_t *o, const char *path1, const char *path2)
{
    json_t *v = json_object_get(o, path1);
    if (v != NULL && path2 != NULL)
        v = json_object_get(v, path2);
    return json_string_value(v);
}

/* JSON lines: one valid object per line, text exact (Japanese, quotes,
 * newlines, controls escaped by JSON), and the file followed through a
 * rename (rotation) and a removal. */
static void test_jsonl_and_rotation(void **state)
{
    char dir[64], path[128], rot[140];
    struct otw_config *c = otw_config_new();
    struct otw_alertout *o;
    struct otw_alert a;
    json_t *arr, *j;
    int n;

    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
    set(c, "alert.jsonl", path);
    o = make(c, NULL);
    mk_alert(&a, 42, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    snprintf(a.detail, sizeof(a.detail), "%s", "bad utf8: \xff\xfe \xc0\xaf \xe3\x81");
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).delivered == 1);
    arr = read_jsonl(path, &n);
    assert_int_equal(n, 1);
    j = json_array_get(arr, 0);
    assert_string_equal(jstr(j, "event", NULL), "opened");
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 42);
    assert_string_equal(jstr(j, "kind", NULL), "ot_write");
    assert_string_equal(jstr(j, "severity", NULL), "high");
    assert_string_equal(jstr(j, "status", NULL), "open");
    assert_string_equal(jstr(j, "src", NULL), "192.168.10.40");
    assert_string_equal(jstr(j, "dst", NULL), "192.168.10.30");
    assert_string_equal(jstr(j, "proto", NULL), "tcp");
    assert_int_equal(json_integer_value(json_object_get(j, "port")), 502);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 3);
    assert_string_equal(jstr(j, "first_seen", NULL), "2024-05-01T12:00:00.000000Z");
    assert_string_equal(jstr(j, "last_seen", NULL), "2024-05-01T12:01:30.000000Z");
    assert_string_equal(jstr(j, "src_label", NULL), LABEL);
    assert_string_equal(jstr(j, "key", NULL), "test|42");
    assert_string_equal(jstr(j, "text", "en"), EN);     /* exact, controls included */
    assert_string_equal(jstr(j, "text", "ja"), JA);
    assert_string_equal(jstr(j, "title", "en"),
                        otw_alert_kind_title(OTW_AK_OT_WRITE, OTW_LANG_EN));
    assert_string_equal(jstr(j, "title", "ja"),
                        otw_alert_kind_title(OTW_AK_OT_WRITE, OTW_LANG_JA));
    /* each invalid byte became U+FFFD */
    assert_string_equal(jstr(j, "detail", NULL),
                        "bad utf8: \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                        "\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(arr);

    /* logrotate's rename: the next alert goes to a new file by the name */
    snprintf(rot, sizeof(rot), "%s.1", path);
    assert_int_equal(rename(path, rot), 0);
    mk_alert(&a, 43, OTW_AK_NEW_PEER, OTW_SEV_LOW);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).delivered == 2);
    arr = read_jsonl(path, &n);
    assert_int_equal(n, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "id")), 43);
    json_decref(arr);
    arr = read_jsonl(rot, &n);
    assert_int_equal(n, 1);
    json_decref(arr);

    /* removed: created again */
    assert_int_equal(unlink(path), 0);
    mk_alert(&a, 44, OTW_AK_NEW_PEER, OTW_SEV_LOW);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).delivered == 3);
    arr = read_jsonl(path, &n);
    assert_int_equal(n, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "id")), 44);
    json_decref(arr);
    otw_alertout_free(o, 1000);
    otw_config_free(c);
    rmdir_all(dir);
}

/* Updates: at most one a minute per alert; the newest waiting one is sent
 * at stop; an update of an alert not seen before goes at once. */
static void test_update_limit(void **state)
{
    char dir[64], path[128];
    struct otw_config *c = otw_config_new();
    struct otw_alertout *o;
    struct otw_alert a;
    int64_t seen7[8] = {0}, seen8[8] = {0};
    json_t *arr;
    size_t i;
    int n;

    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
    set(c, "alert.jsonl", path);
    o = make(c, NULL);
    mk_alert(&a, 9, OTW_AK_VOLUME, OTW_SEV_LOW);
    otw_alertout_send(o, &a, false);
    WAIT_FOR(stats(o).delivered == 1);
    for (int k = 1; k <= 3; k++) {
        mk_alert(&a, 7, OTW_AK_NEW_PEER, OTW_SEV_LOW);
        a.count = (uint64_t)k;
        otw_alertout_send(o, &a, k == 1);
    }
    mk_alert(&a, 8, OTW_AK_NEW_PORT, OTW_SEV_LOW);
    a.count = 1;
    otw_alertout_send(o, &a, true);
    a.count = 5;
    otw_alertout_send(o, &a, false);
    WAIT_FOR(stats(o).delivered == 3);
    assert_int_equal(stats(o).held, 1);                 /* count 2 replaced by 3 */
    otw_alertout_free(o, 2000);
    arr = read_jsonl(path, &n);
    assert_int_equal(n, 5);
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *j = json_array_get(arr, i);
        int64_t id = json_integer_value(json_object_get(j, "id"));
        int64_t cnt = json_integer_value(json_object_get(j, "count"));
        bool opened = strcmp(jstr(j, "event", NULL), "opened") == 0;
        if (id == 7)
            seen7[cnt] += opened ? 1 : 10;
        else if (id == 8)
            seen8[cnt] += opened ? 1 : 10;
        else
            assert_int_equal(id, 9);
    }
    assert_int_equal(seen7[1], 1);      /* opened */
    assert_int_equal(seen7[2], 0);      /* never sent */
    assert_int_equal(seen7[3], 10);     /* the newest update, at stop */
    assert_int_equal(seen8[1], 1);
    assert_int_equal(seen8[5], 10);
    json_decref(arr);
    otw_config_free(c);
    rmdir_all(dir);
}

/* alert.min_severity leaves out low alerts; alert.language = ja. */
static void test_min_severity_and_language(void **state)
{
    char dir[64], path[128];
    struct otw_config *c = otw_config_new();
    struct otw_alertout *o;
    struct otw_alert a;
    json_t *arr, *j;
    int n;

    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/a.jsonl", dir);
    set(c, "alert.jsonl", path);
    set(c, "alert.min_severity", "high");
    set(c, "alert.language", "ja");
    o = make(c, NULL);
    mk_alert(&a, 1, OTW_AK_NEW_PEER, OTW_SEV_MEDIUM);
    otw_alertout_send(o, &a, true);
    mk_alert(&a, 2, OTW_AK_OUTBOUND_CONNECTED, OTW_SEV_CRITICAL);
    otw_alertout_send(o, &a, true);
    otw_alertout_free(o, 2000);
    arr = read_jsonl(path, &n);
    assert_int_equal(n, 1);
    j = json_array_get(arr, 0);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 2);
    assert_string_equal(jstr(j, "text", "ja"), JA);
    assert_null(jstr(j, "text", "en"));
    json_decref(arr);
    otw_config_free(c);
    rmdir_all(dir);
}

/* Webhook: HTTP 500 is retried (the same body twice), 400 is a refusal
 * (not retried), 200 delivers; the header and Content-Type are sent. */
static void test_webhook(void **state)
{
    static const int statuses[] = {500, 200, 400, 200};
    struct otw_config *c = otw_config_new();
    struct http *h = calloc(1, sizeof(*h));
    struct logbuf *l = calloc(1, sizeof(*l));
    struct otw_alertout *o;
    struct otw_alert a;
    json_error_t e;
    json_t *j;
    char url[128];

    (void)state;
    http_start(h, statuses, 4);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook?token=s3cret", h->port);
    set(c, "alert.webhook", url);
    set(c, "alert.webhook.header", "Authorization: Bearer abc123");
    set(c, "alert.webhook.timeout", "5");
    o = make(c, l);
    mk_alert(&a, 42, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).delivered == 1);
    assert_int_equal(stats(o).failures, 1);
    assert_int_equal(http_nreq(h), 2);
    assert_true(log_has(l, "HTTP 500"));
    assert_false(log_has(l, "s3cret"));                 /* the URL's query is not logged */
    for (int i = 0; i < 2; i++) {
        assert_non_null(strstr(h->req[i].head, "POST /hook?token=s3cret HTTP/1.1\r\n"));
        assert_non_null(strcasestr(h->req[i].head, "\r\nContent-Type: application/json"));
        assert_non_null(strcasestr(h->req[i].head, "\r\nAuthorization: Bearer abc123"));
    }
    assert_string_equal(h->req[0].body, h->req[1].body);
    j = json_loads(h->req[0].body, 0, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 42);
    assert_string_equal(jstr(j, "text", "ja"), JA);
    assert_string_equal(jstr(j, "src_label", NULL), LABEL);
    json_decref(j);

    mk_alert(&a, 43, OTW_AK_NEW_PEER, OTW_SEV_LOW);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).rejected == 1);
    WAIT_FOR(log_has(l, "refused"));
    mk_alert(&a, 44, OTW_AK_NEW_PEER, OTW_SEV_LOW);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).delivered == 2);
    assert_int_equal(http_nreq(h), 4);                  /* 43 was not sent again */
    j = json_loads(h->req[3].body, 0, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 44);
    json_decref(j);
    otw_alertout_free(o, 2000);
    http_stop(h);
    otw_config_free(c);
    free(h);
    free(l);
}

/* All outputs at once with the largest, oddest text: every message within
 * alert.syslog.max_size, valid UTF-8, parseable; nothing crashes. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

static void test_odd_text_bounded(void **state)
{
    char dir[64], path[128], spec[64], *buf = malloc(70000);
    struct otw_config *c = otw_config_new();
    struct r5424 *r = calloc(1, sizeof(*r));
    struct cef *cf = calloc(1, sizeof(*cf));
    struct otw_alertout *o;
    struct otw_alert a;
    json_t *arr;
    unsigned seed = 7;
    int fd, port, n;
    size_t len;

    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/a.jsonl", dir);
    fd = udp_open(&port);
    snprintf(spec, sizeof(spec), "udp://127.0.0.1:%d", port);
    set(c, "alert.syslog", spec);
    set(c, "alert.syslog.max_size", "2048");
    set(c, "alert.jsonl", path);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            set(c, "alert.syslog.format", "cef");
        o = make(c, NULL);
        for (int k = 0; k < 20; k++) {
            mk_alert(&a, 100 + k, k % OTW_AK__COUNT, 1 + k % 4);
            /* random bytes, NUL excepted, and full-length Japanese */
            for (size_t i = 0; i + 1 < sizeof(a.detail); i++)
                a.detail[i] = (char)(1 + (seed = seed * 1103515245 + 12345) % 255);
            a.detail[sizeof(a.detail) - 1] = '\0';
            for (size_t i = 0; i + 1 < sizeof(a.src_label); i++)
                a.src_label[i] = (char)(1 + (seed = seed * 1103515245 + 12345) % 255);
            a.src_label[sizeof(a.src_label) - 1] = '\0';
            a.text[0][0] = '\0';
            for (size_t i = 0; i + sizeof(JA) <= sizeof(a.text[1]); i += sizeof(JA) - 1)
                memcpy(a.text[1] + i, JA, sizeof(JA));
            memcpy(a.text[0], "]\"\\|=\r\n", 8);
            if (k == 3)
                a.kind = 999;           /* out of range: names still print */
            otw_alertout_send(o, &a, k % 2 == 0);
            len = dgram(fd, buf, 70000);
            assert_true(len <= 2048);
            assert_true(valid_utf8((unsigned char *)buf, len));
            if (parse5424(buf, r) != 0)
                fail_msg("round %d alert %d: not RFC 5424: %s", round, k, buf);
            if (round == 1 && parse_cef(r->msg, cf) != 0)
                fail_msg("round %d alert %d: not CEF: %s", round, k, r->msg);
        }
        WAIT_FOR(stats(o).delivered == 40);
        otw_alertout_free(o, 2000);
        arr = read_jsonl(path, &n);                     /* each line parsed */
        assert_int_equal(n, 20 * (round + 1));
        json_decref(arr);
    }
    otw_config_free(c);
    close(fd);
    rmdir_all(dir);
    free(r);
    free(cf);
    free(buf);
}

/* ---- cross-check with an independent parser: rsyslog ------------------- */

#define RSYSLOGD "/usr/sbin/rsyslogd"

static const char RS_CONF[] =
    "global(workDirectory=\"%s\")\n"
    "module(load=\"imtcp\")\n"
    "module(load=\"mmpstrucdata\")\n"
    "template(name=\"t\" type=\"list\") {\n"
    "  constant(value=\"{\")\n"
    "  property(outname=\"pri\" name=\"pri\" format=\"jsonf\") constant(value=\",\")\n"
    "  property(outname=\"version\" name=\"protocol-version\" format=\"jsonf\")\n"
    "  constant(value=\",\")\n"
    "  property(outname=\"ts\" name=\"timereported\" dateFormat=\"rfc3339\" format=\"jsonf\")\n"
    "  constant(value=\",\")\n"
    "  property(outname=\"host\" name=\"hostname\" format=\"jsonf\") constant(value=\",\")\n"
    "  property(outname=\"app\" name=\"app-name\" format=\"jsonf\") constant(value=\",\")\n"
    "  property(outname=\"procid\" name=\"procid\" format=\"jsonf\") constant(value=\",\")\n"
    "  property(outname=\"msgid\" name=\"msgid\" format=\"jsonf\") constant(value=\",\")\n"
    "  property(outname=\"msg\" name=\"msg\" format=\"jsonf\") constant(value=\",\")\n"
    "  constant(value=\"\\\"sd\\\":\") property(name=\"$!rfc5424-sd\")\n"
    "  constant(value=\"}\\n\")\n"
    "}\n"
    "ruleset(name=\"r\") {\n"
    "  action(type=\"mmpstrucdata\" sd_name.lowercase=\"off\")\n"
    "  action(type=\"omfile\" file=\"%s/out\" template=\"t\")\n"
    "}\n"
    "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"%d\" ruleset=\"r\")\n";

static pid_t spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *f = fopen(log, "a");
        if (f != NULL) {
            dup2(fileno(f), 1);
            dup2(fileno(f), 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int run(char *const argv[], const char *log)
{
    int st;
    pid_t pid = spawn(argv, log);

    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* rsyslog's RFC 5424 parser (pmrfc5424, with mmpstrucdata for the SD) reads
 * our line, octet-counted over TCP, to the same fields. A reference line
 * from util-linux's `logger --rfc5424` through the same rsyslog first shows
 * that the harness reads what it should. */
static void test_rsyslog_crosscheck(void **state)
{
    char dir[64], conf[128], out[128], log[128], spec[64], portstr[8], pid[32], host[256] = "";
    char want[1200];
    struct otw_config *c = otw_config_new();
    struct otw_alertout *o;
    struct otw_alert a;
    json_t *arr = NULL, *j, *sd;
    int port = free_port(), n = 0;
    FILE *f;

    (void)state;
    if (access(RSYSLOGD, X_OK) != 0)
        fail_msg(RSYSLOGD " is missing: scripts/install-deps.sh installs rsyslog");
    tmpdir(dir, sizeof(dir));
    snprintf(conf, sizeof(conf), "%s/rs.conf", dir);
    snprintf(out, sizeof(out), "%s/out", dir);
    snprintf(log, sizeof(log), "%s/rs.log", dir);
    f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f, RS_CONF, dir, dir, port);
    fclose(f);
    {
        char pidf[128];
        char *argv[] = {RSYSLOGD, "-n", "-f", conf, "-i", pidf, NULL};
        snprintf(pidf, sizeof(pidf), "%s/rs.pid", dir);
        server_pid = spawn(argv, log);
    }

    /* the reference, sent until rsyslog listens */
    snprintf(portstr, sizeof(portstr), "%d", port);
    {
        char *argv[] = {"/usr/bin/logger", "--rfc5424", "-n", "127.0.0.1", "-P", portstr,
                        "-T", "--octet-count", "-t", "otwatch", "--msgid", "ot_write",
                        "--sd-id", "ref@32473", "--sd-param", "a=\"q\\\"b\\\\c\\]d\"",
                        "ref \xe6\x97\xa5\xe6\x9c\xac", NULL};
        int64_t end = mono_ms() + WAIT_MS;
        while (run(argv, log) != 0 && mono_ms() < end)
            sleep_ms(50);
    }
    WAIT_FOR((json_decref(arr), arr = read_jsonl(out, &n), n == 1));
    j = json_array_get(arr, 0);
    assert_string_equal(jstr(j, "version", NULL), "1");
    assert_string_equal(jstr(j, "app", NULL), "otwatch");
    assert_string_equal(jstr(j, "msgid", NULL), "ot_write");
    assert_string_equal(jstr(json_object_get(j, "sd"), "ref@32473", "a"), "q\"b\\c]d");
    assert_string_equal(jstr(j, "msg", NULL), "ref \xe6\x97\xa5\xe6\x9c\xac");

    /* ours */
    snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%d", port);
    set(c, "alert.syslog", spec);
    o = make(c, NULL);
    mk_alert(&a, 42, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    otw_alertout_send(o, &a, true);
    mk_alert(&a, 43, OTW_AK_NEW_PEER, OTW_SEV_LOW);
    otw_alertout_send(o, &a, false);
    WAIT_FOR((json_decref(arr), arr = read_jsonl(out, &n), n == 3));
    otw_alertout_free(o, 2000);

    gethostname(host, sizeof(host) - 1);
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    j = json_array_get(arr, 1);
    assert_string_equal(jstr(j, "pri", NULL), "131");
    assert_string_equal(jstr(j, "version", NULL), "1");
    assert_string_equal(jstr(j, "host", NULL), host);
    assert_string_equal(jstr(j, "app", NULL), "otwatch");
    assert_string_equal(jstr(j, "procid", NULL), pid);
    assert_string_equal(jstr(j, "msgid", NULL), "ot_write");
    sd = json_object_get(json_object_get(j, "sd"), "otwatch@32473");
    assert_non_null(sd);
    assert_string_equal(jstr(sd, "id", NULL), "42");
    assert_string_equal(jstr(sd, "kind", NULL), "ot_write");
    assert_string_equal(jstr(sd, "severity", NULL), "high");
    assert_string_equal(jstr(sd, "src", NULL), "192.168.10.40");
    assert_string_equal(jstr(sd, "dst", NULL), "192.168.10.30");
    assert_string_equal(jstr(sd, "port", NULL), "502");
    assert_string_equal(jstr(sd, "count", NULL), "3");
    assert_string_equal(jstr(sd, "src_label", NULL), LABEL);
    ctl_space(DETAIL, want, sizeof(want));
    assert_string_equal(jstr(sd, "detail", NULL), want);
    /* rsyslog keeps the BOM in msg */
    expect_msg_both(want + 3, sizeof(want) - 3);
    memcpy(want, "\xef\xbb\xbf", 3);
    assert_string_equal(jstr(j, "msg", NULL), want);
    j = json_array_get(arr, 2);
    assert_string_equal(jstr(j, "pri", NULL), "133");   /* local0, low -> notice */
    sd = json_object_get(json_object_get(j, "sd"), "otwatch@32473");
    assert_string_equal(jstr(sd, "event", NULL), "update");
    assert_string_equal(jstr(sd, "id", NULL), "43");
    json_decref(arr);
    otw_config_free(c);
}

/* ---- TLS: the webhook verifies certificates by default ----------------- */

static const char HTTPS_PY[] =
    "import http.server, os, ssl, sys\n"
    "d = sys.argv[1]\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_POST(self):\n"
    "        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))\n"
    "        with open(d + '/bodies', 'ab') as f:\n"
    "            f.write(body + b'\\n')\n"
    "        self.send_response(200)\n"
    "        self.send_header('Content-Length', '0')\n"
    "        self.end_headers()\n"
    "    def log_message(self, *a):\n"
    "        pass\n"
    "s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "ctx.load_cert_chain(d + '/c.pem', d + '/k.pem')\n"
    "s.socket = ctx.wrap_socket(s.socket, server_side=True)\n"
    "open(d + '/port.tmp', 'w').write(str(s.server_port))\n"
    "os.rename(d + '/port.tmp', d + '/port')\n"
    "s.serve_forever()\n";

static int read_int_file(const char *path)
{
    FILE *f = fopen(path, "r");
    int v = -1;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%d", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

/* A self-signed certificate (openssl req) on an HTTPS server (python3's
 * http.server + ssl): refused by default, nothing reaches the server;
 * delivered with alert.webhook.ca_file naming the certificate. */
static void test_webhook_tls_verify(void **state)
{
    char dir[64], path[160], key[160], crt[160], url[128], logf[160];
    struct otw_config *c = otw_config_new();
    struct logbuf *l = calloc(1, sizeof(*l));
    struct otw_alertout *o;
    struct otw_alert a;
    json_t *arr;
    int port = -1, n;
    FILE *f;

    (void)state;
    tmpdir(dir, sizeof(dir));
    snprintf(key, sizeof(key), "%s/k.pem", dir);
    snprintf(crt, sizeof(crt), "%s/c.pem", dir);
    snprintf(logf, sizeof(logf), "%s/log", dir);
    {
        char *argv[] = {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1", NULL};
        if (access(argv[0], X_OK) != 0)
            fail_msg("/usr/bin/openssl is missing: scripts/install-deps.sh installs it");
        assert_int_equal(run(argv, logf), 0);
    }
    snprintf(path, sizeof(path), "%s/https.py", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(HTTPS_PY, f);
    fclose(f);
    {
        char *argv[] = {"/usr/bin/python3", path, dir, NULL};
        server_pid = spawn(argv, logf);
    }
    snprintf(path, sizeof(path), "%s/port", dir);
    WAIT_FOR((port = read_int_file(path)) > 0);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/hook", port);
    snprintf(path, sizeof(path), "%s/bodies", dir);

    set(c, "alert.webhook", url);
    o = make(c, l);
    mk_alert(&a, 42, OTW_AK_OT_WRITE, OTW_SEV_HIGH);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).failures >= 1);
    WAIT_FOR(log_has(l, "certificate"));
    otw_alertout_free(o, 0);
    assert_int_equal(access(path, F_OK), -1);          /* nothing was posted */

    set(c, "alert.webhook.ca_file", crt);
    o = make(c, l);
    otw_alertout_send(o, &a, true);
    WAIT_FOR(stats(o).delivered == 1);
    otw_alertout_free(o, 2000);
    arr = read_jsonl(path, &n);
    assert_int_equal(n, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "id")), 42);
    json_decref(arr);
    otw_config_free(c);
    free(l);
}

/* Bad settings: NULL and a message naming the place and the key. */
static void test_bad_settings(void **state)
{
    static const struct {
        const char *key, *value, *want;
    } cases[] = {
        {"alert.syslog", "syslog.example:514", "test.conf:1: alert.syslog: expected unix:"},
        {"alert.syslog", "udp://:514", "alert.syslog: expected"},
        {"alert.syslog", "udp://collector:0", "alert.syslog: expected"},
        {"alert.syslog", "tcp://collector:99999", "alert.syslog: expected"},
        {"alert.syslog", "tcp://[::1:514", "alert.syslog: expected"},
        {"alert.syslog", "unix:dev/log", "alert.syslog: expected"},
        {"alert.syslog.format", "json", "alert.syslog.format: expected rfc5424 or cef"},
        {"alert.syslog.facility", "local9", "alert.syslog.facility: expected a facility"},
        {"alert.syslog.facility", "24", "alert.syslog.facility: expected"},
        {"alert.syslog.hostname", "a b", "alert.syslog.hostname: expected"},
        {"alert.syslog.max_size", "100", "alert.syslog.max_size: expected a whole number"},
        {"alert.syslog.fromat", "cef", "unknown setting alert.syslog.fromat"},
        {"alert.language", "fr", "alert.language: expected en, ja or both"},
        {"alert.min_severity", "urgent", "alert.min_severity: expected low, medium"},
        {"alert.queue", "0", "alert.queue: expected a whole number from 1"},
        {"alert.jsonl", "/nonexistent-otw/x.jsonl", "alert.jsonl: cannot open"},
        {"alert.webhook", "ftp://example.org/x", "alert.webhook: expected an http:// or"},
        {"alert.webhook", "not a url", "alert.webhook: expected an http://"},
        {"alert.webhook.timeout", "0", "alert.webhook.timeout: expected"},
        {"alert.webhook.tls_verify", "maybe", "alert.webhook.tls_verify: expected yes or no"},
        {"alert.webhook.ca_file", "/nonexistent-otw.pem", "alert.webhook.ca_file: cannot read"},
        {"alert.webhook.header", "X-Token: t0ken", "alert.webhook (the URL) is not"},
    };

    (void)state;
    for (size_t i = 0; i < OTW_ARRAY_LEN(cases); i++) {
        struct otw_config *c = otw_config_new();
        struct otw_err err = {{0}, -1};
        set(c, cases[i].key, cases[i].value);
        assert_null(otw_alertout_new(c, &err));
        if (strstr(err.msg, cases[i].want) == NULL)
            fail_msg("%s = %s: got '%s', want '%s'", cases[i].key, cases[i].value, err.msg,
                     cases[i].want);
        otw_config_free(c);
    }
    /* A bad header does not repeat its value (it may be a token). */
    {
        struct otw_config *c = otw_config_new();
        struct otw_err err = {{0}, -1};
        set(c, "alert.webhook", "https://siem.example/hook");
        set(c, "alert.webhook.header", "Bad Name: t0psecret");
        assert_null(otw_alertout_new(c, &err));
        assert_non_null(strstr(err.msg, "alert.webhook.header: expected 'Name: value'"));
        assert_null(strstr(err.msg, "t0psecret"));
        otw_config_free(c);
    }
    /* Nothing configured: a handle with no outputs; sending is a no-op. */
    {
        struct otw_config *c = otw_config_new();
        struct otw_err err = {{0}, -1};
        struct otw_alertout *o;
        struct otw_alert a;
        set(c, "alert.syslog", "off");
        set(c, "detect.scan_window", "60");     /* not ours: ignored */
        o = otw_alertout_new(c, &err);
        assert_non_null(o);
        mk_alert(&a, 1, OTW_AK_NEW_PEER, OTW_SEV_HIGH);
        otw_alertout_send(o, &a, true);
        assert_int_equal(stats(o).outputs, 0);
        assert_int_equal(stats(o).accepted, 0);
        otw_alertout_free(o, 0);
        otw_alertout_free(NULL, 0);
        otw_config_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_rfc5424_unix, end_server),
        cmocka_unit_test_teardown(test_rfc5424_udp, end_server),
        cmocka_unit_test_teardown(test_cef_tcp_framing, end_server),
        cmocka_unit_test_teardown(test_tcp_down_then_up, end_server),
        cmocka_unit_test_teardown(test_queue_full_drops, end_server),
        cmocka_unit_test_teardown(test_jsonl_and_rotation, end_server),
        cmocka_unit_test_teardown(test_update_limit, end_server),
        cmocka_unit_test_teardown(test_min_severity_and_language, end_server),
        cmocka_unit_test_teardown(test_webhook, end_server),
        cmocka_unit_test_teardown(test_odd_text_bounded, end_server),
        cmocka_unit_test_teardown(test_rsyslog_crosscheck, end_server),
        cmocka_unit_test_teardown(test_webhook_tls_verify, end_server),
        cmocka_unit_test_teardown(test_bad_settings, end_server),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
