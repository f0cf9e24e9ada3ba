/*
 * http.c - HTTP/1.x over TCP on any port (RFC 9112).
 *
 * Proto stage: identified by its first line, never by its port (a GET to
 * tcp/22 or tcp/502 is HTTP). Each direction is a small state machine:
 * header block, then the body skipped by Content-Length or by chunks
 * (RFC 9112 section 7.1) or until close, then the next message, so
 * pipelined and keep-alive requests are all seen. Bodies are never
 * buffered: they are skipped by counting.
 *
 * Counting: http.method, http.host, http.uri, http.user_agent once per
 * request (to-server); http.status once per response (to-client), the
 * same as tshark's http.request.method and http.response.code.
 *
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   status-line  = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 *   header lines, then an empty line; LF alone is accepted as the end of
 *   a line (RFC 9112 section 2.2).
 */
#include <string.h>
#include <strings.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define HTTP_HDR_MAX (16 * 1024)    /* a header block longer than this is garbage */
#define HTTP_LINE_MAX 1024          /* chunk-size and trailer lines */

enum {
    HS_HEADERS = 0, /* expecting a request/status line and headers */
    HS_BODY,        /* skipping `left` body bytes */
    HS_CHUNK_SIZE,  /* expecting a chunk-size line */
    HS_CHUNK_DATA,  /* skipping `left` chunk bytes, then CRLF */
    HS_CHUNK_CRLF,
    HS_TRAILERS,    /* trailer lines until an empty one */
    HS_OPAQUE,      /* until close: body without length, tunnel, or garbage */
};

struct http_dir {
    uint8_t st;
    uint64_t left;
};

struct http_state {
    struct http_dir d[2];
    uint64_t head_bits;     /* FIFO of outstanding requests: bit set = HEAD or CONNECT */
    uint8_t nreq;           /* outstanding requests in the FIFO (max 64) */
    uint8_t connect;        /* last dequeued request was CONNECT */
};

/* Methods: RFC 9110 section 9, WebDAV (RFC 4918) and the patch method. */
static const char *const http_methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT",
    "SEARCH", "SUBSCRIBE", "NOTIFY", "MKCALENDAR", NULL,
};

/* The method at p (len bytes) followed by SP, or NULL. */
static const char *http_method(const uint8_t *p, size_t len, size_t *mlen)
{
    for (int i = 0; http_methods[i]; i++) {
        size_t n = strlen(http_methods[i]);
        if (len > n && p[n] == ' ' && memcmp(p, http_methods[i], n) == 0) {
            *mlen = n;
            return http_methods[i];
        }
    }
    return NULL;
}

static int is_version(const uint8_t *p, size_t len)
{
    return len >= 8 && memcmp(p, "HTTP/1.", 7) == 0 && (p[7] == '0' || p[7] == '1');
}

/*
 * Probe: "METHOD SP target SP HTTP/1.x" up to the end of the first line,
 * or a status line "HTTP/1.x SP ddd". MORE while the line is incomplete.
 */
static int http_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    size_t mlen, i;

    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        if (len < 13)
            return OTW_PROBE_MORE;
        if (!is_version(p, len) || p[8] != ' ')
            return OTW_PROBE_NO;
        for (i = 9; i < 12; i++)
            if (p[i] < '0' || p[i] > '9')
                return OTW_PROBE_NO;
        return p[12] == ' ' || p[12] == '\r' || p[12] == '\n' ? OTW_PROBE_YES : OTW_PROBE_NO;
    }
    if (len < 5 && memcmp(p, "HTTP/", len) == 0)
        return OTW_PROBE_MORE;
    if (http_method(p, len, &mlen) == NULL) {
        /* A prefix of a method: wait for more */
        for (int m = 0; http_methods[m]; m++) {
            size_t n = strlen(http_methods[m]);
            if (len <= n && memcmp(p, http_methods[m], len) == 0)
                return OTW_PROBE_MORE;
        }
        return OTW_PROBE_NO;
    }
    /* target: visible characters up to SP (or the line end for 0.9) */
    for (i = mlen + 1; i < len && p[i] != ' ' && p[i] != '\r' && p[i] != '\n'; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7F)
            return OTW_PROBE_NO;
    if (i == mlen + 1 && i < len)
        return OTW_PROBE_NO;    /* empty target */
    /* HTTP/0.9 (RFC 1945 section 4.1): "GET SP target CRLF", no version */
    if (i < len && (p[i] == '\r' || p[i] == '\n'))
        return mlen == 3 && p[0] == 'G' && i > mlen + 1 ? OTW_PROBE_YES : OTW_PROBE_NO;
    if (i + 9 > len)
        return len < OTW_PROBE_BYTES ? OTW_PROBE_MORE : OTW_PROBE_NO;
    return is_version(p + i + 1, len - i - 1) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

/* Offset just past the empty line ending the header block, or 0. */
static size_t http_header_end(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        const uint8_t *nl = memchr(p + i, '\n', len - i);
        if (nl == NULL)
            return 0;
        i = (size_t)(nl - p);
        if (i + 1 < len && p[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Case-insensitive "Name:" at the start of a header line; value trimmed. */
static int header_is(const uint8_t *l, size_t n, const char *name, const uint8_t **v, size_t *vlen)
{
    size_t k = strlen(name);

    if (n <= k || l[k] != ':' || strncasecmp((const char *)l, name, k) != 0)
        return 0;
    l += k + 1;
    n -= k + 1;
    while (n && (*l == ' ' || *l == '\t'))
        l++, n--;
    while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
        n--;
    *v = l;
    *vlen = n;
    return 1;
}

/* Decimal, no sign; -1 if not a number or too big. */
static int64_t dec(const uint8_t *p, size_t n)
{
    int64_t v = 0;

    if (n == 0 || n > 15)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int contains_ci(const uint8_t *p, size_t n, const char *w)
{
    size_t k = strlen(w);

    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp((const char *)p + i, w, k) == 0)
            return 1;
    return 0;
}

/*
 * One header block (hlen bytes, complete). Sets the direction's next
 * state. Returns 0, or -1 when the first line is not HTTP.
 */
static int http_message(struct http_state *st, struct otw_app *app, int dir, const uint8_t *p,
                        size_t hlen)
{
    struct http_dir *d = &st->d[dir];
    const uint8_t *line = p, *end = p + hlen, *v;
    size_t n, vlen, mlen = 0;
    int64_t clen = -1, status = 0;
    int chunked = 0, is_head = 0, is_connect = 0, upgrade = 0;
    const char *method = NULL;

    /* first line */
    {
        const uint8_t *nl = memchr(line, '\n', hlen);
        n = (size_t)(nl - line);
        if (n && line[n - 1] == '\r')
            n--;
    }
    if (dir == OTW_DIR_TO_SERVER) {
        const uint8_t *sp;
        size_t ulen;

        method = http_method(line, n, &mlen);
        if (method == NULL)
            return -1;
        sp = memchr(line + mlen + 1, ' ', n - mlen - 1);
        if (sp == NULL && method[0] == 'G' && n > mlen + 1) {
            /* HTTP/0.9: no headers, the answer is the document until close */
            otw_app_strz(app, "http.method", method);
            otw_app_str(app, "http.uri", (const char *)line + mlen + 1, n - mlen - 1);
            st->d[OTW_DIR_TO_CLIENT].st = HS_OPAQUE;
            d->st = HS_HEADERS;
            return 0;
        }
        if (sp == NULL || !is_version(sp + 1, (size_t)(line + n - sp - 1)))
            return -1;
        ulen = (size_t)(sp - (line + mlen + 1));
        otw_app_strz(app, "http.method", method);
        otw_app_str(app, "http.uri", (const char *)line + mlen + 1, ulen);
        is_head = method[0] == 'H' && method[1] == 'E';
        is_connect = method[0] == 'C' && method[1] == 'O' && method[2] == 'N';
    } else {
        if (n < 12 || !is_version(line, n) || line[8] != ' ')
            return -1;
        status = dec(line + 9, 3);
        if (status < 0 || (n > 12 && line[12] != ' '))
            return -1;
        otw_app_int(app, "http.status", status);
    }
    line += n;
    while (line < end && *line != '\n')
        line++;
    line++;
    /* header lines */
    while (line < end) {
        const uint8_t *nl = memchr(line, '\n', (size_t)(end - line));
        n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        if (n && line[n - 1] == '\r')
            n--;
        if (n == 0)
            break;
        if (dir == OTW_DIR_TO_SERVER && header_is(line, n, "Host", &v, &vlen)) {
            if (vlen)           /* an empty Host (allowed, RFC 9110 7.2) says nothing */
                otw_app_str(app, "http.host", (const char *)v, vlen);
        } else if (dir == OTW_DIR_TO_SERVER && header_is(line, n, "User-Agent", &v, &vlen)) {
            if (vlen)
                otw_app_str(app, "http.user_agent", (const char *)v, vlen);
        }
        else if (header_is(line, n, "Content-Length", &v, &vlen)) {
            clen = dec(v, vlen);
            if (clen < 0)
                otw_app_event(app, "http.bad_content_length");
        } else if (header_is(line, n, "Transfer-Encoding", &v, &vlen))
            chunked = contains_ci(v, vlen, "chunked");
        else if (header_is(line, n, "Upgrade", &v, &vlen))
            upgrade = 1;
        line = nl ? nl + 1 : end;
    }

    if (dir == OTW_DIR_TO_SERVER) {
        /* remember HEAD/CONNECT for the matching response */
        if (st->nreq < 64) {
            if (is_head || is_connect)
                st->head_bits |= (uint64_t)1 << st->nreq;
            st->nreq++;
        }
        if (is_connect)
            st->connect = 1;
        if (chunked)
            d->st = HS_CHUNK_SIZE;
        else if (clen > 0) {
            d->st = HS_BODY;
            d->left = (uint64_t)clen;
        } else
            d->st = HS_HEADERS;
        return 0;
    }

    /* response: which request does it answer? (1xx are interim) */
    {
        int req_head = 0;

        if (status >= 200 && st->nreq) {
            req_head = (int)(st->head_bits & 1);
            st->head_bits >>= 1;
            st->nreq--;
        }
        if (status == 101 || (req_head && st->connect && status >= 200 && status < 300) ||
            (upgrade && status == 101)) {
            d->st = HS_OPAQUE;      /* protocol switched: not HTTP any more */
            st->d[OTW_DIR_TO_SERVER].st = HS_OPAQUE;
            return 0;
        }
        if (req_head || (status >= 100 && status < 200) || status == 204 || status == 304)
            d->st = HS_HEADERS;
        else if (chunked)
            d->st = HS_CHUNK_SIZE;
        else if (clen >= 0) {
            d->st = clen ? HS_BODY : HS_HEADERS;
            d->left = (uint64_t)clen;
        } else
            d->st = HS_OPAQUE;      /* body until close (RFC 9112 6.3 point 8) */
    }
    return 0;
}

/* One line (to LF) at p: its length including the LF, or 0 if incomplete. */
static size_t line_len(const uint8_t *p, size_t len)
{
    const uint8_t *nl = memchr(p, '\n', OTW_MIN(len, (size_t)HTTP_LINE_MAX));
    return nl ? (size_t)(nl - p) + 1 : 0;
}

static ssize_t http_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct http_state *st = state;
    struct http_dir *d = &st->d[dir];
    size_t off = 0;

    while (off < len) {
        const uint8_t *q = p + off;
        size_t left = len - off, n;

        switch (d->st) {
        case HS_OPAQUE:
            return (ssize_t)len;
        case HS_BODY:
        case HS_CHUNK_DATA:
            n = (size_t)OTW_MIN((uint64_t)left, d->left);
            d->left -= n;
            off += n;
            if (d->left == 0)
                d->st = d->st == HS_BODY ? HS_HEADERS : HS_CHUNK_CRLF;
            break;
        case HS_CHUNK_CRLF:
            if (q[0] == '\n') {
                off += 1;
            } else if (left < 2) {
                return (ssize_t)off;
            } else if (q[0] == '\r' && q[1] == '\n') {
                off += 2;
            } else {
                otw_app_event(app, "http.bad_chunk");
                d->st = HS_OPAQUE;
                break;
            }
            d->st = HS_CHUNK_SIZE;
            break;
        case HS_CHUNK_SIZE: {
            uint64_t size = 0;
            size_t i, digits = 0;

            n = line_len(q, left);
            if (n == 0) {
                if (left >= HTTP_LINE_MAX) {
                    otw_app_event(app, "http.bad_chunk");
                    d->st = HS_OPAQUE;
                    break;
                }
                return (ssize_t)off;
            }
            for (i = 0; i < n; i++) {
                uint8_t c = q[i];
                int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (h < 0)
                    break;
                if (++digits > 15)
                    break;
                size = size * 16 + (uint64_t)h;
            }
            if (digits == 0 || digits > 15 ||
                (q[i] != ';' && q[i] != '\r' && q[i] != '\n' && q[i] != ' ' && q[i] != '\t')) {
                otw_app_event(app, "http.bad_chunk");
                d->st = HS_OPAQUE;
                break;
            }
            off += n;
            if (size == 0) {
                d->st = HS_TRAILERS;
            } else {
                d->st = HS_CHUNK_DATA;
                d->left = size;
            }
            break;
        }
        case HS_TRAILERS:
            n = line_len(q, left);
            if (n == 0) {
                if (left >= HTTP_LINE_MAX) {
                    otw_app_event(app, "http.bad_chunk");
                    d->st = HS_OPAQUE;
                    break;
                }
                return (ssize_t)off;
            }
            off += n;
            if (n == 1 || (n == 2 && q[0] == '\r'))
                d->st = HS_HEADERS;
            break;
        case HS_HEADERS:
        default:
            /* blank lines between messages are tolerated (RFC 9112 2.2) */
            if (q[0] == '\r' || q[0] == '\n') {
                off++;
                break;
            }
            n = http_header_end(q, OTW_MIN(left, (size_t)HTTP_HDR_MAX));
            if (n == 0) {
                if (left >= HTTP_HDR_MAX) {
                    otw_app_event(app, "http.header_too_long");
                    d->st = HS_OPAQUE;
                    break;
                }
                return (ssize_t)off;
            }
            if (http_message(st, app, dir, q, n) < 0) {
                otw_app_event(app, dir == OTW_DIR_TO_SERVER ? "http.bad_request"
                                                            : "http.bad_response");
                d->st = HS_OPAQUE;
                break;
            }
            off += n;
            break;
        }
    }
    return (ssize_t)off;
}

static void http_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct http_state *st = state;
    struct http_dir *d = &st->d[dir];

    /* Inside a body the gap just eats part of it; elsewhere we are lost. */
    if ((d->st == HS_BODY || d->st == HS_CHUNK_DATA) && lost < d->left) {
        d->left -= lost;
        return;
    }
    otw_app_event(app, "http.gap");
    d->st = HS_OPAQUE;
}

static const struct otw_pfield http_fields[] = {
    {"http.method", OTW_PF_STR, "request method (GET, POST, ...)"},
    {"http.host", OTW_PF_STR, "Host header of a request"},
    {"http.uri", OTW_PF_STR, "request target, capped"},
    {"http.user_agent", OTW_PF_STR, "User-Agent header of a request"},
    {"http.status", OTW_PF_INT, "response status code"},
    {NULL, 0, NULL},
};

static const char *const http_events[] = {
    "http.bad_request", "http.bad_response", "http.header_too_long", "http.bad_chunk",
    "http.bad_content_length", "http.gap", NULL,
};

const struct otw_parser otw_parser_http = {
    .name = "http",
    .desc = "HTTP/1.x",
    .transports = OTW_PT_TCP,
    .ports = (const uint16_t[]){80, 8080, 8000, 0},
    .probe = http_probe,
    .state_size = sizeof(struct http_state),
    .parse = http_parse,
    .gap = http_gap,
    .fields = http_fields,
    .events = http_events,
};
