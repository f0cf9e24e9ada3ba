/*
 * ch_client.c - ClickHouse's HTTP interface through libcurl: statements,
 * RowBinary inserts, JSONEachRow answers parsed line by line; SQL literals
 * and RowBinary values. See ch_client.h.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/ch_client.h"

/* --- buffers --------------------------------------------------------------- */

static bool sb_grow(struct otw_sb *b, size_t more)
{
    size_t cap;
    char *p;

    if (b->oom)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    if ((p = realloc(b->p, cap)) == NULL) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void otw_sb_add(struct otw_sb *b, const void *p, size_t n)
{
    if (!sb_grow(b, n))
        return;
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void otw_sb_puts(struct otw_sb *b, const char *s)
{
    otw_sb_add(b, s, strlen(s));
}

void otw_sb_printf(struct otw_sb *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void otw_sb_str(struct otw_sb *b, const void *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = s;

    if (!sb_grow(b, n * 4 + 2))
        return;
    b->p[b->len++] = '\'';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = p[i];

        if (ch == '\\' || ch == '\'') {
            b->p[b->len++] = '\\';
            b->p[b->len++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            b->p[b->len++] = '\\';
            b->p[b->len++] = 'x';
            b->p[b->len++] = hex[ch >> 4];
            b->p[b->len++] = hex[ch & 15];
        } else {
            b->p[b->len++] = (char)ch;
        }
    }
    b->p[b->len++] = '\'';
    b->p[b->len] = '\0';
}

void otw_sb_blob(struct otw_sb *b, const void *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = p;

    if (!sb_grow(b, n * 2 + 10))
        return;
    memcpy(b->p + b->len, "unhex('", 7);
    b->len += 7;
    for (size_t i = 0; i < n; i++) {
        b->p[b->len++] = hex[u[i] >> 4];
        b->p[b->len++] = hex[u[i] & 15];
    }
    b->p[b->len++] = '\'';
    b->p[b->len++] = ')';
    b->p[b->len] = '\0';
}

void otw_sb_reset(struct otw_sb *b)
{
    b->len = 0;
    b->oom = false;
    if (b->p != NULL)
        b->p[0] = '\0';
}

void otw_sb_free(struct otw_sb *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* --- RowBinary ---------------------------------------------------------------- */

void otw_rb_u8(struct otw_sb *b, uint8_t v)
{
    otw_sb_add(b, &v, 1);
}

void otw_rb_u16(struct otw_sb *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

    otw_sb_add(b, x, 2);
}

void otw_rb_u32(struct otw_sb *b, uint32_t v)
{
    uint8_t x[4];

    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    otw_sb_add(b, x, 4);
}

void otw_rb_u64(struct otw_sb *b, uint64_t v)
{
    uint8_t x[8];

    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    otw_sb_add(b, x, 8);
}

void otw_rb_i64(struct otw_sb *b, int64_t v)
{
    otw_rb_u64(b, (uint64_t)v);
}

void otw_rb_varuint(struct otw_sb *b, uint64_t v)
{
    uint8_t x[10];
    size_t n = 0;

    do {
        x[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            x[n] |= 0x80;
        n++;
    } while (v != 0);
    otw_sb_add(b, x, n);
}

void otw_rb_str(struct otw_sb *b, const void *s, size_t n)
{
    otw_rb_varuint(b, n);
    otw_sb_add(b, s, n);
}

void otw_rb_fixed(struct otw_sb *b, const void *p, size_t n, size_t width)
{
    static const uint8_t zero[64];

    if (n > width)
        n = width;
    otw_sb_add(b, p, n);
    while (n < width) {
        size_t k = OTW_MIN(width - n, sizeof(zero));

        otw_sb_add(b, zero, k);
        n += k;
    }
}

void otw_rb_datetime(struct otw_sb *b, int64_t us)
{
    int64_t s = us / 1000000;

    if (s < 0)
        s = 0;
    if (s > UINT32_MAX)
        s = UINT32_MAX;
    otw_rb_u32(b, (uint32_t)s);
}

/* --- URL ------------------------------------------------------------------------- */

int otw_ch_url_parse(const char *uri, struct otw_ch_url *u, struct otw_err *err)
{
    const char *p, *colon, *slash;
    size_t hl;
    char *end;
    long port;

    memset(u, 0, sizeof(*u));
    if (strncmp(uri, "clickhouse://", 13) == 0) {
        p = uri + 13;
    } else if (strncmp(uri, "clickhouses://", 14) == 0) {
        p = uri + 14;
        u->tls = true;
    } else {
        otw_err_set(err, -1, "store '%s': expected clickhouse://HOST:PORT/DB", uri);
        return OTW_EINVAL;
    }
    if (strchr(p, '@') != NULL) {
        otw_err_set(err, -1,
                    "store '%s': no user or password in the URL; set clickhouse.user and "
                    "clickhouse.password in the config file or OTWATCH_CH_USER and "
                    "OTWATCH_CH_PASSWORD",
                    uri);
        return OTW_EINVAL;
    }
    slash = strchr(p, '/');
    if (slash == NULL || slash[1] == '\0') {
        otw_err_set(err, -1, "store '%s': no database name (clickhouse://HOST:PORT/DB)", uri);
        return OTW_EINVAL;
    }
    colon = memchr(p, ':', (size_t)(slash - p));
    if (p[0] == '[') {                      /* [::1]:8123 */
        const char *rb = memchr(p, ']', (size_t)(slash - p));

        colon = rb != NULL && rb[1] == ':' ? rb + 1 : NULL;
    }
    hl = (size_t)((colon ? colon : slash) - p);
    if (hl == 0 || hl >= sizeof(u->host)) {
        otw_err_set(err, -1, "store '%s': bad host", uri);
        return OTW_EINVAL;
    }
    memcpy(u->host, p, hl);
    u->port = u->tls ? 8443 : 8123;
    if (colon != NULL) {
        port = strtol(colon + 1, &end, 10);
        if (end != slash || port < 1 || port > 65535) {
            otw_err_set(err, -1, "store '%s': bad port", uri);
            return OTW_EINVAL;
        }
        u->port = (int)port;
    }
    p = slash + 1;
    if (strlen(p) >= sizeof(u->db)) {
        otw_err_set(err, -1, "store '%s': database name too long", uri);
        return OTW_EINVAL;
    }
    for (const char *q = p; *q; q++) {
        if (!isalnum((unsigned char)*q) && *q != '_') {
            otw_err_set(err, -1,
                        "store '%s': the database name may have letters, digits and '_' only",
                        uri);
            return OTW_EINVAL;
        }
    }
    snprintf(u->db, sizeof(u->db), "%s", p);
    return 0;
}

/* --- the connection ------------------------------------------------------------- */

struct otw_chc {
    CURL *curl;
    struct otw_ch_url url;
    char base[512];         /* http://host:port/?settings (SQL names db.table itself) */
    char user[64], password[128];
    long timeout;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct otw_chc *otw_chc_new(const struct otw_ch_url *u, const char *user, const char *password,
                            struct otw_err *err)
{
    struct otw_chc *c;

    pthread_once(&curl_once, curl_init_once);
    if ((c = calloc(1, sizeof(*c))) == NULL || (c->curl = curl_easy_init()) == NULL) {
        free(c);
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    c->url = *u;
    c->timeout = 300;
    snprintf(c->base, sizeof(c->base),
             "%s://%s%s%s:%d/?output_format_json_quote_64bit_integers=0",
             u->tls ? "https" : "http", strchr(u->host, ':') && u->host[0] != '[' ? "[" : "",
             u->host, strchr(u->host, ':') && u->host[0] != '[' ? "]" : "", u->port);
    snprintf(c->user, sizeof(c->user), "%s", user ? user : "");
    snprintf(c->password, sizeof(c->password), "%s", password ? password : "");
    return c;
}

void otw_chc_free(struct otw_chc *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

void otw_chc_set_timeout(struct otw_chc *c, long seconds)
{
    c->timeout = seconds;
}

/* One request's answer. */
struct answer {
    long status;
    struct otw_sb body;     /* an error's text, or the partial line being parsed */
    otw_chc_row_cb cb;      /* NULL: keep the whole body (errors, statements) */
    void *ctx;
    int cb_rc;              /* what cb returned to stop */
    bool bad_row;           /* a line that is not JSON (an exception mid-stream) */
    char bad[512];
};

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
    struct answer *a = arg;
    size_t len = size * n;
    int code;

    if (len > 5 && memcmp(buf, "HTTP/", 5) == 0 && sscanf(buf, "HTTP/%*s %d", &code) == 1)
        a->status = code;
    return len;
}

static int feed_line(struct answer *a, const char *line, size_t len)
{
    json_error_t je;
    json_t *row;
    int rc;

    if (len == 0)
        return 0;
    row = json_loadb(line, len, 0, &je);
    if (row == NULL || !json_is_object(row)) {
        json_decref(row);
        a->bad_row = true;
        snprintf(a->bad, sizeof(a->bad), "%.*s", (int)OTW_MIN(len, sizeof(a->bad) - 1), line);
        return -1;
    }
    rc = a->cb(a->ctx, row);
    json_decref(row);
    if (rc != 0) {
        a->cb_rc = rc;
        return -1;
    }
    return 0;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
    struct answer *a = arg;
    size_t len = size * n, start = 0;

    if (a->cb == NULL || a->status != 200) {
        if (a->body.len < 65536)
            otw_sb_add(&a->body, buf, len);
        return len;
    }
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (a->body.len > 0) {
            otw_sb_add(&a->body, buf + start, i - start);
            if (a->body.oom || feed_line(a, a->body.p, a->body.len) != 0)
                return 0;
            otw_sb_reset(&a->body);
        } else if (feed_line(a, buf + start, i - start) != 0) {
            return 0;
        }
        start = i + 1;
    }
    otw_sb_add(&a->body, buf + start, len - start);
    return a->body.oom ? 0 : len;
}

/* Fills err with the server's error: "clickhouse HOST:PORT: Code: N, text". */
static int server_error(struct otw_chc *c, const char *text, size_t len, struct otw_err *err)
{
    char msg[400];
    size_t n = 0;
    const char *code = NULL;
    char *q;
    bool noschema;

    for (size_t i = 0; i + 5 < len; i++) {
        if (memcmp(text + i, "Code:", 5) == 0) {
            code = text + i;
            break;
        }
    }
    if (code == NULL)
        code = text;
    len -= (size_t)(code - text);
    while (n < len && n < sizeof(msg) - 1 && code[n] != '\n') {
        msg[n] = isprint((unsigned char)code[n]) ? code[n] : '?';
        n++;
    }
    msg[n] = '\0';
    /* 18.16 says "Code: 81, e.displayText() = DB::Exception: TEXT, e.what() = ...". */
    if ((q = strstr(msg, ", e.what() = ")) != NULL)
        *q = '\0';
    if ((q = strstr(msg, "e.displayText() = ")) != NULL)
        memmove(q, q + 18, strlen(q + 18) + 1);
    n = strlen(msg);
    /* 60 unknown table, 81 unknown database: the schema was not made. */
    noschema = n >= 9 && (memcmp(msg, "Code: 60,", 9) == 0 || memcmp(msg, "Code: 81,", 9) == 0);
    /* 279: another server of the cluster (a shard) did not answer; the lines
     * after the first say which: "... Connection refused (HOST:PORT), ...". */
    if (n >= 10 && memcmp(msg, "Code: 279,", 10) == 0) {
        const char *end = code + len, *p = memchr(code, '\n', len), *e;
        char shard[128] = "";

        for (; p != NULL && p < end && (p = memchr(p, '(', (size_t)(end - p))) != NULL; p++) {
            size_t w;

            if ((e = memchr(p, ')', (size_t)(end - p))) == NULL)
                break;
            w = (size_t)(e - p);    /* "(HOST:PORT" */
            if (w > 3 && w < sizeof(shard) && memchr(p, ':', w) != NULL &&
                memchr(p, ' ', w) == NULL) {
                memcpy(shard, p + 1, w - 1);
                shard[w - 1] = '\0';
                break;
            }
        }
        otw_err_set(err, -1,
                    "clickhouse %s:%d: a shard of the cluster did not answer (%s), so there is no "
                    "whole answer: start that server again (Code: 279)",
                    c->url.host, c->url.port, shard[0] ? shard : "the server did not say which");
        return OTW_ESTORE;
    }
    otw_err_set(err, -1, "clickhouse %s:%d: %s%s", c->url.host, c->url.port,
                n ? msg : "error without text",
                noschema ? " (run `otwatch store init` on every ClickHouse server first)" : "");
    return OTW_ESTORE;
}

/* POSTs body to base + extra (URL-encoded query parameters). */
static int request(struct otw_chc *c, const char *extra, const void *body, size_t len,
                   struct answer *a, struct otw_err *err)
{
    struct otw_sb url = {0};
    CURLcode cc;
    char ebuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = NULL;
    int rc = 0;

    otw_sb_puts(&url, c->base);
    if (extra != NULL)
        otw_sb_puts(&url, extra);
    if (url.oom) {
        otw_sb_free(&url);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    curl_easy_reset(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_URL, url.p);
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    hdr = curl_slist_append(hdr, "Content-Type: application/octet-stream");
    hdr = curl_slist_append(hdr, "Expect:");
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, c->timeout);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->user[0] != '\0') {
        curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c->curl, CURLOPT_USERNAME, c->user);
        curl_easy_setopt(c->curl, CURLOPT_PASSWORD, c->password);
    }
    cc = curl_easy_perform(c->curl);
    curl_slist_free_all(hdr);
    otw_sb_free(&url);
    if (a->cb_rc != 0)
        return a->cb_rc;
    if (a->bad_row)
        return server_error(c, a->bad, strlen(a->bad), err);
    if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && a->status != 200)) {
        otw_err_set(err, -1, "clickhouse %s:%d: %s", c->url.host, c->url.port,
                    ebuf[0] ? ebuf : curl_easy_strerror(cc));
        return OTW_EIO;
    }
    if (a->status != 200)
        rc = server_error(c, a->body.p ? a->body.p : "", a->body.len, err);
    else if (a->cb != NULL && a->body.len > 0 && feed_line(a, a->body.p, a->body.len) != 0)
        rc = a->cb_rc ? a->cb_rc : server_error(c, a->bad, strlen(a->bad), err);
    return rc;
}

int otw_chc_exec(struct otw_chc *c, const char *sql, struct otw_err *err)
{
    struct answer a = {0};
    int rc = request(c, NULL, sql, strlen(sql), &a, err);

    otw_sb_free(&a.body);
    return rc;
}

int otw_chc_insert_rowbinary(struct otw_chc *c, const char *table, const char *columns,
                             const void *body, size_t len, struct otw_err *err)
{
    struct answer a = {0};
    struct otw_sb q = {0}, extra = {0};
    char *esc;
    int rc;

    otw_sb_printf(&q, "INSERT INTO %s (%s) FORMAT RowBinary", table, columns);
    esc = q.oom ? NULL : curl_easy_escape(c->curl, q.p, (int)q.len);
    if (esc == NULL) {
        otw_sb_free(&q);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    otw_sb_printf(&extra, "&query=%s", esc);
    curl_free(esc);
    rc = extra.oom ? OTW_ENOMEM : request(c, extra.p, body, len, &a, err);
    otw_sb_free(&q);
    otw_sb_free(&extra);
    otw_sb_free(&a.body);
    return rc;
}

int otw_chc_query(struct otw_chc *c, const char *sql, otw_chc_row_cb cb, void *ctx,
                  struct otw_err *err)
{
    struct answer a = {.cb = cb, .ctx = ctx};
    struct otw_sb q = {0};
    int rc;

    otw_sb_printf(&q, "%s FORMAT JSONEachRow", sql);
    rc = q.oom ? OTW_ENOMEM : request(c, NULL, q.p, q.len, &a, err);
    otw_sb_free(&q);
    otw_sb_free(&a.body);
    return rc;
}

static int version_row(void *ctx, json_t *row)
{
    char *buf = ((char **)ctx)[0];
    size_t len = (size_t)((char **)ctx)[1];

    snprintf(buf, len, "%s", otw_chj_str(row, "v"));
    return 0;
}

int otw_chc_version(struct otw_chc *c, char *buf, size_t len, struct otw_err *err)
{
    void *ctx[2] = {buf, (void *)len};

    if (len > 0)
        buf[0] = '\0';
    return otw_chc_query(c, "SELECT version() AS v", version_row, ctx, err);
}

/* --- answers ------------------------------------------------------------------------ */

int64_t otw_chj_int(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);

    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_string(v))
        return strtoll(json_string_value(v), NULL, 10);
    return 0;
}

const char *otw_chj_str(json_t *row, const char *key)
{
    const char *s = json_string_value(json_object_get(row, key));

    return s ? s : "";
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

size_t otw_chj_hex(json_t *row, const char *key, uint8_t *out, size_t max)
{
    const char *s = otw_chj_str(row, key);
    size_t n = strlen(s) / 2;

    if (strlen(s) % 2 != 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return n;
}
