/*
 * pcap_nodes.c - the packets of sessions that other nodes saw (issue 8).
 *
 * With a store shared by several nodes (ClickHouse), a session row says
 * which node saw it, and its packets stay on that node: in the capture
 * file it imported, or in its live packet files. The central viewer (its
 * `serve`, and `otwatch pcap`) asks each sensor for the packets of its
 * sessions, as Arkime's viewers do:
 *
 *   GET https://SENSOR/api/node/pcap?ids=ID,ID,...        (at most 128)
 *   GET https://SENSOR/api/node/pcap?expr=E&since=S&until=U (a large result)
 *   Authorization: Bearer <sensor.token>
 *
 * The sensor answers with the pcap that `otwatch pcap` would write there
 * (api_sessions.c, h_node_pcap: its own sessions only). Each sensor's
 * answer goes to a temporary file first, so that a sensor failing half-way
 * is an error (502 naming it) rather than a cut file; one answer is passed
 * on byte for byte, several (and this node's own part) are merged in time
 * order (otw_pcap_merge). libcurl checks the sensor's TLS certificate
 * (sensor.ca for a private CA or a self-signed certificate); redirects are
 * not followed; the token never goes anywhere but the configured URL.
 *
 * Sessions of this node, and rows without a node (a SQLite-only store),
 * are written from this node's files as otw_pcap_write() always did.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/reader.h"
#include "cli/output.h"
#include "query/query.h"
#include "store/store.h"

#define IDS_PER_REQUEST 128     /* the sensor's limit (api_sessions.c NODE_MAX_IDS) */
#define ERR_BODY_MAX 4096
#define COPY_BUF 65536

struct part {
    char node[64];
    bool local;
    int64_t *ids;
    size_t nids, cap;
    char path[4096];            /* temporary file of its packets ("" none yet) */
};

struct collect {
    struct part *parts;
    size_t n, cap;
    const char *self;
    uint64_t total;
    bool oom;
};

static void nwarn(const struct otw_pcap_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void nwarn(const struct otw_pcap_out *o, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (o->warn != NULL)
        o->warn(o->warn_ctx, msg);
    else
        fprintf(stderr, "otwatch pcap: %s\n", msg);
}

static int on_row(void *ctx, const struct otw_session_row *row)
{
    struct collect *c = ctx;
    const char *node = row->node[0] != '\0' ? row->node : c->self;
    struct part *p = NULL;

    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->parts[i].node, node) == 0) {
            p = &c->parts[i];
            break;
        }
    if (p == NULL) {
        if (c->n == c->cap) {
            size_t nc = c->cap ? c->cap * 2 : 8;
            struct part *np = realloc(c->parts, nc * sizeof(*np));

            if (np == NULL) {
                c->oom = true;
                return 1;
            }
            c->parts = np;
            c->cap = nc;
        }
        p = &c->parts[c->n++];
        memset(p, 0, sizeof(*p));
        snprintf(p->node, sizeof(p->node), "%s", node);
        p->local = strcmp(node, c->self) == 0;
    }
    if (p->nids == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        int64_t *ni = realloc(p->ids, nc * sizeof(*ni));

        if (ni == NULL) {
            c->oom = true;
            return 1;
        }
        p->ids = ni;
        p->cap = nc;
    }
    p->ids[p->nids++] = row->id;
    c->total++;
    return 0;
}

/* this node first, then the sensors by name: the same order every time */
static int part_cmp(const void *a, const void *b)
{
    const struct part *x = a, *y = b;

    if (x->local != y->local)
        return x->local ? -1 : 1;
    return strcmp(x->node, y->node);
}

/* A temporary file (its name in path, removed by the caller). */
static FILE *temp_file(char *path, size_t len, struct otw_err *err)
{
    const char *dir = getenv("TMPDIR");
    FILE *f;
    int fd;

    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    snprintf(path, len, "%s/otwatch-node-XXXXXX", dir);
    fd = mkstemp(path);
    if (fd < 0 || (f = fdopen(fd, "w+b")) == NULL) {
        otw_err_set(err, -1, "temporary file in %s: %s", dir, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(path);
        }
        path[0] = '\0';
        return NULL;
    }
    return f;
}

/* --- asking a sensor -------------------------------------------------------------- */

static size_t on_data(char *ptr, size_t size, size_t n, void *ctx)
{
    return fwrite(ptr, 1, size * n, (FILE *)ctx);
}

/* The "message" of a JSON error answer (the sensor's words), or "". */
static void answer_message(FILE *f, long start, char *msg, size_t len)
{
    char buf[ERR_BODY_MAX + 1];
    size_t n;
    json_t *j, *m;

    msg[0] = '\0';
    if (fflush(f) != 0 || fseek(f, start, SEEK_SET) != 0)
        return;
    n = fread(buf, 1, ERR_BODY_MAX, f);
    buf[n] = '\0';
    j = json_loadb(buf, n, 0, NULL);
    m = json_object_get(json_object_get(j, "error"), "message");
    if (json_is_string(m))
        snprintf(msg, len, "%s", json_string_value(m));
    json_decref(j);
}

static bool capture_magic(FILE *f)
{
    uint8_t m[4];

    if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0 || fread(m, 1, 4, f) != 4)
        return false;
    return (m[0] == 0xd4 && m[1] == 0xc3 && m[2] == 0xb2 && m[3] == 0xa1) ||
           (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0xc3 && m[3] == 0xd4) ||
           (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1) ||
           (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d) ||
           (m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d && m[3] == 0x0a);
}

/* One request to the sensor of p, its answer appended to f. 1: packets;
 * 0: the sensor has none of them (warned); <0: failure (err). */
static int ask_sensor(const struct part *p, const char *url, const char *args, FILE *f,
                      struct otw_pcap_out *o, struct otw_err *err)
{
    const struct otw_store_remote *r = otw_store_remote_get();
    struct curl_slist *hdr = NULL;
    char ebuf[CURL_ERROR_SIZE] = "", msg[600], auth[160];
    char *full = NULL;
    size_t ul = strlen(url);
    long status = 0, start = ftell(f);
    CURLcode cc;
    CURL *c;
    int rc = OTW_EIO;

    while (ul > 0 && url[ul - 1] == '/')
        ul--;
    if ((full = malloc(ul + strlen(args) + 32)) == NULL) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    snprintf(full, ul + strlen(args) + 32, "%.*s/api/node/pcap?%s", (int)ul, url, args);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", r->sensor_token);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if ((c = curl_easy_init()) == NULL || (hdr = curl_slist_append(NULL, auth)) == NULL) {
        otw_err_set(err, -1, "out of memory");
        rc = OTW_ENOMEM;
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (r->sensor_ca[0] != '\0')
        curl_easy_setopt(c, CURLOPT_CAINFO, r->sensor_ca);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    /* a large answer may take long (the sensor reads its files before it
     * answers); one that stalls for ten minutes is given up */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 600L);
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        otw_err_set(err, -1, "sensor %s (%.*s): %s%s", p->node, (int)ul, url,
                    ebuf[0] ? ebuf : curl_easy_strerror(cc),
                    cc == CURLE_PEER_FAILED_VERIFICATION
                        ? " (a self-signed or private certificate: give its CA with "
                          "sensor.ca = FILE)"
                        : "");
        goto out;
    }
    if (status != 200) {
        /* the error's JSON is what was appended */
        answer_message(f, start, msg, sizeof(msg));
        if (status == 404) {
            /* err says why, for when no node has packets */
            otw_err_set(err, -1, "sensor %s: %s", p->node, msg[0] ? msg : "no packets");
            nwarn(o, "%s", err->msg);
            rc = 0;
        } else if (status == 401) {
            otw_err_set(err, -1, "sensor %s (%.*s) refused the request (HTTP 401): this node's "
                        "sensor.token is not the sensor's", p->node, (int)ul, url);
        } else {
            otw_err_set(err, -1, "sensor %s (%.*s) answered HTTP %ld%s%s", p->node, (int)ul, url,
                        status, msg[0] ? ": " : "", msg);
        }
        goto out;
    }
    if (!capture_magic(f)) {
        otw_err_set(err, -1, "sensor %s (%.*s) answered, but not with a capture file: is it an "
                    "otwatch serve?", p->node, (int)ul, url);
        goto out;
    }
    rc = 1;
out:
    explicit_bzero(auth, sizeof(auth));
    curl_slist_free_all(hdr);
    if (c != NULL)
        curl_easy_cleanup(c);
    free(full);
    return rc;
}

/* One request to the sensor of p, its answer in a new temporary file
 * (path). 1: packets; 0: none (err says why); <0 error. */
static int request(const struct part *p, const char *url, const char *args, char *path,
                   size_t len, struct otw_pcap_out *o, struct otw_err *err)
{
    FILE *f = temp_file(path, len, err);
    int rc;

    if (f == NULL)
        return OTW_EIO;
    rc = ask_sensor(p, url, args, f, o, err);
    if (fclose(f) != 0 && rc > 0) {
        otw_err_set(err, -1, "temporary file: %s", strerror(errno));
        rc = OTW_EIO;
    }
    return rc;
}

/* "ids=A,B,C[&pcapng=1]" of ids[from, to) into a new string (NULL: out of memory). */
static char *ids_args(const int64_t *ids, size_t from, size_t to, bool pcapng)
{
    size_t len = 32 + (to - from) * 21, k;
    char *a = malloc(len);

    if (a == NULL)
        return NULL;
    k = (size_t)snprintf(a, len, "ids=");
    for (size_t i = from; i < to; i++)
        k += (size_t)snprintf(a + k, len - k, "%s%lld", i > from ? "," : "", (long long)ids[i]);
    if (pcapng)
        snprintf(a + k, len - k, "&pcapng=1");
    return a;
}

/* The packets of a sensor's part into its temporary file (p->path): one
 * request for at most 128 ids; the expression and range for a larger whole
 * result; else (a --limit, an offset) the ids 128 at a time, their answers
 * merged. 1: packets; 0: none (err says why); <0 error. */
static int fetch_part(struct part *p, const struct otw_session_query *sq,
                      struct otw_pcap_out *o, struct otw_err *err)
{
    const char *url = otw_store_sensor_url(p->node);
    bool no_expr = sq->expr == NULL || sq->expr->root == NULL;
    bool whole = (o->expr != NULL || no_expr) && sq->limit <= 0 && sq->offset <= 0 &&
                 sq->after == NULL;
    size_t nreq = (p->nids + IDS_PER_REQUEST - 1) / IDS_PER_REQUEST, got = 0;
    char (*paths)[4096] = NULL;
    const char **pp = NULL;
    char *args = NULL;
    int rc = 0;

    if (url == NULL) {
        otw_err_set(err, -1, "sensor %s is not configured: add `sensor.%s = https://HOST:PORT` "
                    "(its otwatch serve) and sensor.token to this node's settings", p->node,
                    p->node);
        return OTW_EIO;
    }
    if (otw_store_remote_get()->sensor_token[0] == '\0') {
        otw_err_set(err, -1, "sensor %s: no sensor.token in this node's settings (the secret "
                    "the sensors' serve checks)", p->node);
        return OTW_EIO;
    }
    if (p->nids <= IDS_PER_REQUEST) {
        args = ids_args(p->ids, 0, p->nids, o->pcapng);
    } else if (whole) {
        char *e = curl_easy_escape(NULL, no_expr ? "" : o->expr, 0);
        size_t len = e != NULL ? strlen(e) + 96 : 0;

        if (e != NULL && (args = malloc(len)) != NULL)
            snprintf(args, len, "expr=%s&since=%lld&until=%lld%s", e, (long long)sq->since_us,
                     (long long)sq->until_us, o->pcapng ? "&pcapng=1" : "");
        curl_free(e);
    }
    if (p->nids <= IDS_PER_REQUEST || whole) {
        if (args == NULL) {
            otw_err_set(err, -1, "out of memory");
            return OTW_ENOMEM;
        }
        rc = request(p, url, args, p->path, sizeof(p->path), o, err);
        free(args);
        return rc;
    }
    /* several requests of 128 ids, merged */
    paths = calloc(nreq, sizeof(*paths));
    pp = calloc(nreq, sizeof(*pp));
    if (paths == NULL || pp == NULL) {
        otw_err_set(err, -1, "out of memory");
        rc = OTW_ENOMEM;
        goto out;
    }
    for (size_t q = 0; q < nreq; q++) {
        size_t from = q * IDS_PER_REQUEST;

        if ((args = ids_args(p->ids, from, OTW_MIN(p->nids, from + IDS_PER_REQUEST),
                             o->pcapng)) == NULL) {
            otw_err_set(err, -1, "out of memory");
            rc = OTW_ENOMEM;
            goto out;
        }
        rc = request(p, url, args, paths[q], sizeof(paths[q]), o, err);
        free(args);
        if (rc < 0)
            goto out;
        if (rc > 0)
            pp[got++] = paths[q];
    }
    rc = 0;
    if (got > 0) {
        struct otw_pcap_out mo = *o;
        FILE *f = temp_file(p->path, sizeof(p->path), err);

        if (f == NULL) {
            rc = OTW_EIO;
            goto out;
        }
        rc = otw_pcap_merge(pp, got, f, &mo, err);
        if (fclose(f) != 0 && rc == 0) {
            otw_err_set(err, -1, "temporary file: %s", strerror(errno));
            rc = OTW_EIO;
        }
        rc = rc == 0 ? 1 : rc == OTW_ENOTFOUND ? 0 : rc;
    }
out:
    for (size_t q = 0; paths != NULL && q < nreq; q++)
        if (paths[q][0] != '\0')
            unlink(paths[q]);
    free(paths);
    free(pp);
    return rc;
}

/* --- the whole --------------------------------------------------------------------- */

static int copy_file(const char *path, FILE *out, struct otw_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(COPY_BUF);
    size_t n;
    int rc = 0;

    if (f == NULL || buf == NULL) {
        otw_err_set(err, -1, "temporary file: %s", f == NULL ? strerror(errno) : "out of memory");
        rc = f == NULL ? OTW_EIO : OTW_ENOMEM;
        goto out;
    }
    while ((n = fread(buf, 1, COPY_BUF, f)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            otw_err_set(err, -1, "writing: %s", strerror(errno));
            rc = OTW_EIO;
            goto out;
        }
    if (ferror(f)) {
        otw_err_set(err, -1, "temporary file: %s", strerror(errno));
        rc = OTW_EIO;
    }
out:
    if (f != NULL)
        fclose(f);
    free(buf);
    return rc;
}

static void no_warn(void *ctx, const char *path, uint64_t offset, const char *msg)
{
    OTW_UNUSED(ctx);
    OTW_UNUSED(path);
    OTW_UNUSED(offset);
    OTW_UNUSED(msg);
}

static uint64_t count_packets(const char *path)
{
    struct otw_err err;
    struct otw_rec rec;
    struct otw_reader *r = otw_reader_open(path, no_warn, NULL, &err);
    uint64_t n = 0;

    if (r == NULL)
        return 0;
    while (otw_reader_next(r, &rec, &err) == 1)
        n++;
    otw_reader_free(r);
    return n;
}

int otw_pcap_write_nodes(struct otw_store *st, const struct otw_session_query *sq, FILE *out,
                         struct otw_pcap_out *o, struct otw_err *err)
{
    struct collect cc;
    struct otw_session_query q = *sq;
    const char **paths = NULL;
    size_t npaths = 0;
    char why[sizeof(err->msg)] = "";
    int rc;

    o->failed_node[0] = '\0';
    /* this node's SQLite file alone: every session is this node's */
    if (otw_store_remote_get()->uri[0] == '\0')
        return otw_pcap_write(st, sq, out, o, err);
    memset(&cc, 0, sizeof(cc));
    cc.self = otw_store_node();
    o->sessions = o->packets = 0;
    o->too_many = false;
    otw_err_clear(err);
    q.skip_app = true;
    if (o->max_sessions > 0 && (q.limit <= 0 || q.limit > o->max_sessions))
        q.limit = o->max_sessions + 1;
    rc = otw_store_sessions_query(st, &q, on_row, &cc, err);
    if (rc == 0 && cc.oom) {
        otw_err_set(err, -1, "out of memory after %llu sessions: select fewer",
                    (unsigned long long)cc.total);
        rc = OTW_ENOMEM;
    }
    if (rc != 0)
        goto out;
    if (cc.n == 0 || (cc.n == 1 && cc.parts[0].local)) {
        /* nothing of other nodes: as always */
        rc = otw_pcap_write(st, sq, out, o, err);
        goto out;
    }
    if (o->max_sessions > 0 && (int64_t)cc.total > o->max_sessions) {
        otw_err_set(err, -1, "more than %lld sessions match: select fewer",
                    (long long)o->max_sessions);
        o->too_many = true;
        rc = OTW_EINVAL;
        goto out;
    }
    o->sessions = cc.total;
    qsort(cc.parts, cc.n, sizeof(*cc.parts), part_cmp);
    if ((paths = calloc(cc.n, sizeof(*paths))) == NULL) {
        otw_err_set(err, -1, "out of memory");
        rc = OTW_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < cc.n; i++) {
        struct part *p = &cc.parts[i];
        int r;

        if (p->local) {
            struct otw_pcap_out lo = *o;
            FILE *f = temp_file(p->path, sizeof(p->path), err);

            if (f == NULL) {
                rc = OTW_EIO;
                goto out;
            }
            lo.only_node = cc.self;
            r = otw_pcap_write(st, sq, f, &lo, err);
            if (fclose(f) != 0 && r == 0) {
                otw_err_set(err, -1, "temporary file: %s", strerror(errno));
                r = OTW_EIO;
            }
            if (r == OTW_ENOTFOUND) {
                nwarn(o, "this node (%s): %s", cc.self, err->msg);
                snprintf(why, sizeof(why), "%s: %.400s", cc.self, err->msg);
                r = 0;
            } else if (r == 0) {
                r = 1;
            }
        } else {
            r = fetch_part(p, sq, o, err);
            if (r < 0)
                snprintf(o->failed_node, sizeof(o->failed_node), "%s", p->node);
        }
        if (r < 0) {
            rc = r;
            goto out;
        }
        if (r > 0) {
            paths[npaths++] = p->path;
        } else if (!p->local) {
            snprintf(why, sizeof(why), "%s", err->msg);
        }
    }
    otw_err_clear(err);
    if (npaths == 0) {
        if (cc.n == 1)
            otw_err_set(err, -1, "%s", why);
        else
            otw_err_set(err, -1, "nothing written: no packets of the %llu matching sessions are "
                        "left on any of their nodes (%s)", (unsigned long long)cc.total, why);
        rc = OTW_ENOTFOUND;
    } else if (npaths == 1) {
        /* one node's answer as it is (the bytes `otwatch pcap` writes there) */
        rc = copy_file(paths[0], out, err);
        if (rc == 0)
            o->packets = count_packets(paths[0]);
    } else {
        rc = otw_pcap_merge(paths, npaths, out, o, err);
    }
out:
    for (size_t i = 0; i < cc.n; i++) {
        if (cc.parts[i].path[0] != '\0')
            unlink(cc.parts[i].path);
        free(cc.parts[i].ids);
    }
    free(cc.parts);
    free(paths);
    return rc;
}
