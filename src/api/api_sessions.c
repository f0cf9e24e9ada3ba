/*
 * api_sessions.c - the sessions part of the JSON API: listing sessions with
 * a query expression (keyset paging, capped counts), one session with every
 * field, the packets of one session or of a whole result as a pcap file,
 * the field catalog for completion, and checking an expression.
 *
 *   GET /api/sessions?expr=&since=&until=&sort=&desc=1&limit=50&after=CURSOR
 *   GET /api/sessions/count?expr=&since=&until=
 *   GET /api/sessions/{id}          GET /api/sessions/{id}/pcap
 *   GET /api/pcap?expr=&since=&until=
 *   GET /api/fields                 GET /api/query/check?expr=
 *   GET /api/node/pcap?ids=ID,ID... or ?expr=&since=&until=   (another node)
 *
 * Paging through millions of rows is keyset paging: the cursor names the
 * last row's sort value and id, and the next page is the rows after it in
 * the order (store.h, struct otw_session_query.after), which the sort
 * column's index walks directly, where a large OFFSET would count through
 * every skipped row. Counts stop at COUNT_CAP ("more than 10,000").
 *
 * Expressions are parsed by query/query.c and compiled with bound values by
 * the store: SQL metacharacters in them are either a syntax error or part of
 * a string compared literally. A syntax error comes back as
 * {"error": {"code": "query_syntax", "kind": ..., "column": N, "args": {...},
 * "suggest": [...]}} for the UI to word in the user's language.
 *
 * Packets with several nodes (issue 8, cli/pcap_nodes.c): a session another
 * node saw has its packets there; the downloads fetch them from that
 * sensor's serve (sensor.NAME), a sensor that cannot answer is a 502
 * "sensor" error naming it. /api/node/pcap is that sensor side: no login
 * but the shared sensor.token (server.c, OTW_ACCESS_NODE), and only the
 * packets of this node's own sessions, from its own files.
 *
 * Names and roles of hosts come from the asset labels, loaded per request
 * on the request's thread (the store handle is per thread too): nothing is
 * shared between requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/api_alerts.h"
#include "cli/output.h"
#include "core/session.h"
#include "detect/assets.h"
#include "query/fields.h"
#include "query/query.h"
#include "store/store.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 1000
#define MAX_OFFSET 100000               /* beyond this, page with cursors */
#define COUNT_CAP 10000
#define PCAP_MAX_SESSIONS 100000        /* whole-result download */

/* --- arguments ------------------------------------------------------------------- */

/* A syntax error of an expression as the API reports it (400). */
static int query_error(struct otw_http_resp *resp, const char *expr, const struct otw_qerr *qe)
{
    json_t *d = json_object(), *args = json_object(), *sug = json_array();

    for (size_t i = 0; i < qe->nargs; i++)
        json_object_set_new(args, qe->args[i].name, json_string(qe->args[i].value));
    for (size_t i = 0; i < qe->nsuggest; i++)
        json_array_append_new(sug, json_string(qe->suggest[i]));
    json_object_set_new(d, "kind", json_string(qe->kind != NULL ? qe->kind : "internal"));
    json_object_set_new(d, "column", json_integer(qe->column));
    json_object_set_new(d, "args", args);
    json_object_set_new(d, "suggest", sug);
    (void)expr;
    return otw_http_error(resp, 400, "query_syntax", d, "%s", qe->msg);
}

/* Parses the "expr" argument (absent or blank: everything). 0, or the
 * response is filled and OTW_ESYNTAX returned. */
static int parse_expr(const struct otw_http_req *req, struct otw_http_resp *resp,
                      struct otw_query **q)
{
    const char *expr = otw_http_arg(req, "expr");
    struct otw_qerr qe;
    int rc;

    *q = NULL;
    if (expr == NULL)
        expr = "";
    rc = otw_query_parse(expr, q, &qe);
    if (rc == OTW_ESYNTAX) {
        query_error(resp, expr, &qe);
        return rc;
    }
    if (rc != 0) {
        otw_http_error(resp, 500, "internal", NULL, "out of memory");
        return rc;
    }
    return 0;
}

/* since/until: microseconds since the epoch (the API's times), or a time as
 * the CLI takes it (2024-05-01, "2024-05-01 13:45", RFC 3339; unix seconds
 * must then be written as a time, since a bare integer means microseconds). */
static int parse_time_arg(const struct otw_http_req *req, struct otw_http_resp *resp,
                          const char *name, int64_t *out)
{
    const char *s = otw_http_arg(req, name);
    int64_t lo, hi;
    char *end;
    long long v;

    *out = 0;
    if (s == NULL || s[0] == '\0')
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno == 0 && *end == '\0' && end != s && v >= 0) {
        *out = v;
        return 0;
    }
    if (otw_query_parse_time(s, &lo, &hi) == 0) {
        *out = lo;
        return 0;
    }
    otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "name", name),
                   "%s is not a time: give microseconds since the epoch or e.g. "
                   "2024-05-01T13:45:00Z", name);
    return OTW_EINVAL;
}

/* The query common to the list and the downloads: expr, since, until. */
static int parse_filter(const struct otw_http_req *req, struct otw_http_resp *resp,
                        struct otw_session_query *sq, struct otw_query **q)
{
    memset(sq, 0, sizeof(*sq));
    if (parse_expr(req, resp, q) != 0 || parse_time_arg(req, resp, "since", &sq->since_us) != 0 ||
        parse_time_arg(req, resp, "until", &sq->until_us) != 0)
        return OTW_EINVAL;
    sq->expr = *q;
    return 0;
}

/* The store's error: a bad sort field is the caller's, the rest a 500. */
static int store_error(struct otw_http_resp *resp, int rc, const struct otw_err *err)
{
    if (rc == OTW_EINVAL || rc == OTW_ESYNTAX)
        return otw_http_error(resp, 400, "bad_sort", NULL, "%s", err->msg);
    return otw_http_store_error(resp, err);
}

static struct otw_assets *labels(struct otw_http_req *req, struct otw_store *st)
{
    struct otw_err err;
    struct otw_assets *a = otw_assets_load_labels(st, otw_api_config(req), &err);

    /* without names the answer is still right: addresses only */
    if (a == NULL)
        fprintf(stderr, "otwatch serve: asset labels: %s\n", err.msg);
    return a;
}

/* --- cursors ------------------------------------------------------------------------- */

/* A cursor is printable and opaque to the client:
 *   v1~FIELD~a|d~TYPE~VALUE~ID
 * TYPE n (null), i (integer, VALUE decimal), t (text) or b (blob), VALUE in
 * hex for t and b. The sort field and direction are in it, so a cursor of
 * another order is refused rather than giving a wrong page. */
static char *cursor_make(const char *field, bool desc, const struct otw_sortv *v, int64_t id)
{
    size_t n = strlen(field) + 2 * v->len + 96;
    char *c = malloc(n), *p;
    int k;

    if (c == NULL)
        return NULL;
    k = snprintf(c, n, "v1~%s~%c~", field, desc ? 'd' : 'a');
    p = c + k;
    switch (v->type) {
    case OTW_SORTV_INT: p += snprintf(p, n - (size_t)(p - c), "i~%" PRId64, v->i); break;
    case OTW_SORTV_TEXT:
    case OTW_SORTV_BLOB:
        *p++ = v->type == OTW_SORTV_TEXT ? 't' : 'b';
        *p++ = '~';
        for (size_t i = 0; i < v->len && i < sizeof(v->b); i++)
            p += snprintf(p, 3, "%02x", v->b[i]);
        break;
    default: p += snprintf(p, n - (size_t)(p - c), "n~"); break;
    }
    snprintf(p, n - (size_t)(p - c), "~%" PRId64, id);
    return c;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Parses a cursor for sort field `field` (its catalog name) and direction. */
static int cursor_parse(const char *c, const char *field, bool desc, struct otw_sortv *v,
                        int64_t *id)
{
    char fld[128], dir, type;
    const char *p, *q;
    size_t fl;
    char *end;

    memset(v, 0, sizeof(*v));
    if (strncmp(c, "v1~", 3) != 0)
        return -1;
    p = c + 3;
    q = strchr(p, '~');
    if (q == NULL || (fl = (size_t)(q - p)) == 0 || fl >= sizeof(fld))
        return -1;
    memcpy(fld, p, fl);
    fld[fl] = '\0';
    if (strcmp(fld, field) != 0)
        return -1;
    p = q + 1;
    dir = *p;
    if ((dir != 'a' && dir != 'd') || p[1] != '~' || (dir == 'd') != desc)
        return -1;
    p += 2;
    type = *p;
    if (p[0] == '\0' || p[1] != '~')
        return -1;
    p += 2;
    q = strchr(p, '~');
    if (q == NULL)
        return -1;
    switch (type) {
    case 'n':
        if (q != p)
            return -1;
        v->type = OTW_SORTV_NULL;
        break;
    case 'i':
        errno = 0;
        v->i = strtoll(p, &end, 10);
        if (errno != 0 || end != q || end == p)
            return -1;
        v->type = OTW_SORTV_INT;
        break;
    case 't':
    case 'b':
        if ((q - p) % 2 != 0 || (size_t)(q - p) / 2 > sizeof(v->b))
            return -1;
        for (const char *h = p; h < q; h += 2) {
            int a = hexval((unsigned char)h[0]), b = hexval((unsigned char)h[1]);
            if (a < 0 || b < 0)
                return -1;
            v->b[v->len++] = (uint8_t)(a * 16 + b);
        }
        v->type = type == 't' ? OTW_SORTV_TEXT : OTW_SORTV_BLOB;
        break;
    default:
        return -1;
    }
    errno = 0;
    *id = strtoll(q + 1, &end, 10);
    if (errno != 0 || *end != '\0' || end == q + 1)
        return -1;
    return 0;
}

/* --- a session as JSON -------------------------------------------------------------- */

static bool has_ports(const struct otw_session *s)
{
    return s->icmp_type < 0 && (s->proto == 6 || s->proto == 17 || s->proto == 132);
}

static json_t *endpoint_json(const struct otw_assets *as, const struct otw_session *s, bool src)
{
    static const uint8_t zero[6];
    const uint8_t *mac = src ? s->src_mac : s->dst_mac;
    const struct otw_dir_stats *d = src ? &s->src : &s->dst;
    json_t *h = otw_api_host_json(as, src ? s->src_ip : s->dst_ip,
                                  memcmp(mac, zero, 6) != 0 ? mac : NULL);

    if (h == NULL)
        return NULL;
    /* the session's own MAC, not the inventory's guess */
    if (memcmp(mac, zero, 6) == 0)
        json_object_del(h, "mac");
    json_object_set_new(h, "port", has_ports(s) ? json_integer(src ? s->src_port : s->dst_port)
                                                : json_null());
    json_object_set_new(h, "packets", json_integer((json_int_t)d->packets));
    json_object_set_new(h, "bytes", json_integer((json_int_t)d->bytes));
    json_object_set_new(h, "payload_bytes", json_integer((json_int_t)d->payload));
    return h;
}

/* A JSON string of stored text that may not be UTF-8. */
static json_t *text_json(const char *s)
{
    json_t *v = json_string(s);

    return v != NULL ? v : json_stringn_nocheck(s, strlen(s));
}

/* The list form of a session (docs/API.md "Sessions"). */
static json_t *session_json(const struct otw_session_row *r, const struct otw_assets *as)
{
    const struct otw_session *s = &r->s;
    json_t *o = json_object(), *protos = json_array();
    char buf[16], tmp[sizeof(r->protocols)];
    char *save = NULL, *tok;

    if (o == NULL || protos == NULL) {
        json_decref(o);
        json_decref(protos);
        return NULL;
    }
    snprintf(tmp, sizeof(tmp), "%s", r->protocols);
    for (tok = strtok_r(tmp, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
        json_array_append_new(protos, text_json(tok));
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "community_id", r->community_id[0] ? text_json(r->community_id)
                                                               : json_null());
    json_object_set_new(o, "start_us", json_integer(s->first_us));
    json_object_set_new(o, "end_us", json_integer(s->last_us));
    json_object_set_new(o, "ip_version", json_integer(s->ipver));
    json_object_set_new(o, "transport",
                        json_string(otw_out_transport(s->proto, buf, sizeof(buf))));
    json_object_set_new(o, "source", endpoint_json(as, s, true));
    json_object_set_new(o, "destination", endpoint_json(as, s, false));
    json_object_set_new(o, "packets", json_integer((json_int_t)(s->src.packets + s->dst.packets)));
    json_object_set_new(o, "bytes", json_integer((json_int_t)(s->src.bytes + s->dst.bytes)));
    json_object_set_new(o, "state", json_string(otw_state_name(s->state)));
    if (s->icmp_type >= 0) {
        json_object_set_new(o, "icmp_type", json_integer(s->icmp_type));
        json_object_set_new(o, "icmp_code", json_integer(s->icmp_code));
    }
    json_object_set_new(o, "protocols", protos);
    json_object_set_new(o, "protocol_guess",
                        r->protocol_guess[0] ? text_json(r->protocol_guess) : json_null());
    json_object_set_new(o, "point", r->point[0] ? text_json(r->point) : json_null());
    json_object_set_new(o, "file", r->file[0] ? text_json(r->file) : json_null());
    return o;
}

/* --- GET /api/sessions ------------------------------------------------------------ */

struct list_ctx {
    json_t *items;
    const struct otw_assets *as;
    int64_t want;           /* page size: one more row says "more" */
    int64_t n;
    struct otw_sortv last;
    int64_t last_id;
    bool more, oom;
};

static int on_list_row(void *p, const struct otw_session_row *r)
{
    struct list_ctx *lc = p;
    json_t *o;

    if (lc->n == lc->want) {
        lc->more = true;
        return 1;
    }
    o = session_json(r, lc->as);
    if (o == NULL || json_array_append_new(lc->items, o) != 0) {
        lc->oom = true;
        return 1;
    }
    lc->last = r->sortv;
    lc->last_id = r->id;
    lc->n++;
    return 0;
}

static int h_sessions(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_session_query sq;
    struct otw_query *q = NULL;
    struct otw_store *st;
    struct otw_assets *as = NULL;
    struct otw_sortv after;
    struct list_ctx lc;
    struct otw_err err;
    const struct otw_field *sf;
    const char *sort = otw_http_arg(req, "sort"), *cur = otw_http_arg(req, "after");
    int64_t limit, desc, offset, count_on;
    json_t *out = NULL;
    int rc;

    memset(&lc, 0, sizeof(lc));
    if (parse_filter(req, resp, &sq, &q) != 0)
        goto out;
    if (otw_http_arg_int(req, resp, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, &limit) != 0 ||
        otw_http_arg_int(req, resp, "desc", 0, 0, 1, &desc) != 0 ||
        otw_http_arg_int(req, resp, "offset", 0, 0, MAX_OFFSET, &offset) != 0 ||
        otw_http_arg_int(req, resp, "count", 1, 0, 1, &count_on) != 0)
        goto out;
    if (sort == NULL || sort[0] == '\0')
        sort = "starttime";
    sf = otw_fields_find(sort);
    if (sf == NULL || sf->id == OTW_F_APP || (sf->flags & OTW_FF_EITHER)) {
        otw_http_error(resp, 400, "bad_sort", json_pack("{s:s}", "field", sort),
                       "cannot sort by '%s'", sort);
        goto out;
    }
    sq.sort_field = sf->name;
    sq.sort_desc = desc != 0;
    sq.limit = limit + 1;
    sq.skip_app = true;
    if (cur != NULL && cur[0] != '\0') {
        if (cursor_parse(cur, sf->name, sq.sort_desc, &after, &sq.after_id) != 0) {
            otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "name", "after"),
                           "the page cursor does not belong to this sort order");
            goto out;
        }
        sq.after = &after;
    } else {
        sq.offset = offset;
    }
    st = otw_api_store(req, &err);
    if (st == NULL) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    as = labels(req, st);
    lc.items = json_array();
    lc.as = as;
    lc.want = limit;
    out = json_object();
    if (lc.items == NULL || out == NULL) {
        otw_http_error(resp, 500, "internal", NULL, "out of memory");
        goto out;
    }
    rc = otw_store_sessions_query(st, &sq, on_list_row, &lc, &err);
    if (rc != 0) {
        store_error(resp, rc, &err);
        goto out;
    }
    if (lc.oom) {
        otw_http_error(resp, 500, "internal", NULL, "out of memory");
        goto out;
    }
    json_object_set(out, "items", lc.items);
    json_object_set_new(out, "more", json_boolean(lc.more));
    if (lc.more) {
        char *c = cursor_make(sf->name, sq.sort_desc, &lc.last, lc.last_id);

        json_object_set_new(out, "next", c != NULL ? json_string(c) : json_null());
        free(c);
    } else {
        json_object_set_new(out, "next", json_null());
    }
    json_object_set_new(out, "sort", json_string(sf->name));
    json_object_set_new(out, "desc", json_boolean(sq.sort_desc));
    if (count_on) {
        int64_t n;

        rc = otw_store_sessions_count(st, &sq, COUNT_CAP, &n, &err);
        if (rc != 0) {
            store_error(resp, rc, &err);
            goto out;
        }
        json_object_set_new(out, "count", json_integer(n > COUNT_CAP ? COUNT_CAP : n));
        json_object_set_new(out, "count_capped", json_boolean(n > COUNT_CAP));
    }
    otw_http_json(resp, 200, out);
    out = NULL;
out:
    json_decref(out);
    json_decref(lc.items);
    otw_assets_free(as);
    otw_query_free(q);
    return 0;
}

/* --- GET /api/sessions/count ------------------------------------------------------ */

/* The count alone (the UI shows the first page first, then the count). */
static int h_sessions_count(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_session_query sq;
    struct otw_query *q = NULL;
    struct otw_store *st;
    struct otw_err err;
    int64_t n;
    int rc;

    if (parse_filter(req, resp, &sq, &q) != 0)
        goto out;
    st = otw_api_store(req, &err);
    if (st == NULL) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    rc = otw_store_sessions_count(st, &sq, COUNT_CAP, &n, &err);
    if (rc != 0) {
        store_error(resp, rc, &err);
        goto out;
    }
    otw_http_json(resp, 200, json_pack("{s:I, s:b}", "count",
                                       (json_int_t)(n > COUNT_CAP ? COUNT_CAP : n),
                                       "count_capped", n > COUNT_CAP));
out:
    otw_query_free(q);
    return 0;
}

/* --- GET /api/sessions/{id} ---------------------------------------------------------- */

/* A session id from the path: digits only, so the expression made of it is
 * ours ("id == 123"). */
static int path_id(const struct otw_http_req *req, struct otw_http_resp *resp, int64_t *id)
{
    const char *s = req->params[0];
    char *end;
    long long v;

    /* 19 digits: the ids of a shared store use 63 bits (ch_int.h) */
    if (s == NULL || s[0] < '0' || s[0] > '9' || strlen(s) > 19)
        goto bad;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0)
        goto bad;
    *id = v;
    return 0;
bad:
    otw_http_error(resp, 404, "not_found", NULL, "no such session");
    return OTW_EINVAL;
}

static int id_query(int64_t id, struct otw_query **q)
{
    char e[48];

    snprintf(e, sizeof(e), "id == %lld", (long long)id);
    return otw_query_parse(e, q, NULL);
}

struct detail_ctx {
    const struct otw_assets *as;
    json_t *out;
};

static int on_detail_row(void *p, const struct otw_session_row *r)
{
    struct detail_ctx *dc = p;

    dc->out = json_object();
    if (dc->out != NULL) {
        json_object_set_new(dc->out, "session", session_json(r, dc->as));
        /* every field, as `otwatch sessions --format json` prints it */
        json_object_set_new(dc->out, "fields", otw_out_session_json(r, dc->as));
    }
    return 1;
}

static int h_session(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_session_query sq;
    struct otw_query *q = NULL;
    struct otw_store *st;
    struct otw_assets *as = NULL;
    struct detail_ctx dc = {NULL, NULL};
    struct otw_err err;
    int64_t id;
    int rc;

    if (path_id(req, resp, &id) != 0)
        return 0;
    memset(&sq, 0, sizeof(sq));
    if (id_query(id, &q) != 0) {
        otw_http_error(resp, 500, "internal", NULL, "out of memory");
        goto out;
    }
    sq.expr = q;
    sq.limit = 1;
    st = otw_api_store(req, &err);
    if (st == NULL) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    as = labels(req, st);
    dc.as = as;
    rc = otw_store_sessions_query(st, &sq, on_detail_row, &dc, &err);
    if (rc != 0) {
        store_error(resp, rc, &err);
        goto out;
    }
    if (dc.out == NULL) {
        otw_http_error(resp, 404, "not_found", NULL, "no session %lld", (long long)id);
        goto out;
    }
    otw_http_json(resp, 200, dc.out);
    dc.out = NULL;
out:
    json_decref(dc.out);
    otw_assets_free(as);
    otw_query_free(q);
    return 0;
}

/* --- pcap downloads ---------------------------------------------------------------- */

static void pcap_warn(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "otwatch serve: pcap: %s\n", msg);
}

/* An unnamed temporary file (gone when closed). */
static int tmpfile_fd(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int fd;

    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    snprintf(path, sizeof(path), "%s/otwatch-pcap-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* send_pcap's flags */
enum {
    PCAP_NODE_REQUEST = 1,      /* another node asks: this node's sessions only, never passed on */
    PCAP_NG = 2,                /* always pcapng */
};

/* Writes the packets of sq into a temporary file and sends it. expr: the
 * expression's text (for the sensors of a large result). */
static int send_pcap(struct otw_http_req *req, struct otw_http_resp *resp,
                     const struct otw_session_query *sq, int64_t max, const char *base,
                     const char *expr, unsigned flags)
{
    struct otw_pcap_out po;
    struct otw_store *st;
    struct otw_err err;
    struct stat sb;
    FILE *f = NULL;
    uint32_t magic = 0;
    char name[96];
    int fd = -1, fd2, rc;

    st = otw_api_store(req, &err);
    if (st == NULL)
        return otw_http_store_error(resp, &err);
    fd = tmpfile_fd();
    fd2 = fd >= 0 ? dup(fd) : -1;
    f = fd2 >= 0 ? fdopen(fd2, "w+b") : NULL;
    if (f == NULL) {
        if (fd2 >= 0)
            close(fd2);
        if (fd >= 0)
            close(fd);
        return otw_http_error(resp, 500, "internal", NULL, "temporary file: %s",
                              strerror(errno));
    }
    memset(&po, 0, sizeof(po));
    po.max_sessions = max;
    po.warn = pcap_warn;
    po.pcapng = (flags & PCAP_NG) != 0;
    if (flags & PCAP_NODE_REQUEST) {
        po.only_node = otw_store_node();
        rc = otw_pcap_write(st, sq, f, &po, &err);
    } else {
        po.expr = expr != NULL && expr[0] != '\0' ? expr : NULL;
        rc = otw_pcap_write_nodes(st, sq, f, &po, &err);
    }
    if (fflush(f) != 0 && rc == 0) {
        rc = OTW_EIO;
        otw_err_set(&err, -1, "temporary file: %s", strerror(errno));
    }
    fclose(f);
    if (rc != 0) {
        close(fd);
        if (po.failed_node[0] != '\0')
            return otw_http_error(resp, 502, "sensor",
                                  json_pack("{s:s}", "sensor", po.failed_node), "%s", err.msg);
        if (po.too_many)
            return otw_http_error(resp, 400, "too_many_sessions",
                                  json_pack("{s:I}", "limit", (json_int_t)max), "%s", err.msg);
        if (rc == OTW_ENOTFOUND && po.sessions == 0)
            return otw_http_error(resp, 404, "not_found", NULL, "%s", err.msg);
        if (rc == OTW_ENOTFOUND)
            return otw_http_error(resp, 404, "no_packets", NULL, "%s", err.msg);
        if (rc == OTW_ESTORE)
            return otw_http_store_error(resp, &err);
        return otw_http_error(resp, 500, "internal", NULL, "%s", err.msg);
    }
    if (fstat(fd, &sb) != 0 || lseek(fd, 0, SEEK_SET) != 0 ||
        read(fd, &magic, sizeof(magic)) != (ssize_t)sizeof(magic) ||
        lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return otw_http_error(resp, 500, "internal", NULL, "temporary file: %s",
                              strerror(errno));
    }
    /* pcapng (several link types) is named so */
    snprintf(name, sizeof(name), "%s.%s", base, magic == 0x0A0D0D0A ? "pcapng" : "pcap");
    return otw_http_file(resp, fd, (int64_t)sb.st_size, "application/vnd.tcpdump.pcap", name);
}

static int h_session_pcap(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_session_query sq;
    struct otw_query *q = NULL;
    char base[64];
    int64_t id;

    if (path_id(req, resp, &id) != 0)
        return 0;
    memset(&sq, 0, sizeof(sq));
    if (id_query(id, &q) != 0)
        return otw_http_error(resp, 500, "internal", NULL, "out of memory");
    sq.expr = q;
    snprintf(base, sizeof(base), "session-%lld", (long long)id);
    send_pcap(req, resp, &sq, 1, base, NULL, 0);
    otw_query_free(q);
    return 0;
}

static int h_pcap(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_session_query sq;
    struct otw_query *q = NULL;

    if (parse_filter(req, resp, &sq, &q) == 0)
        send_pcap(req, resp, &sq, PCAP_MAX_SESSIONS, "otwatch-sessions", otw_http_arg(req, "expr"),
                  0);
    otw_query_free(q);
    return 0;
}

/* --- GET /api/node/pcap: another node asks for packets ------------------------------- */

#define NODE_MAX_IDS 128    /* 128 ids of 19 digits stay below the 4096 bytes of an expression */

/* ids=ID,ID,...: decimal session ids (positive, 63 bits) into
 * "id == [ID, ID]": our own text, made from the numbers read. */
static char *ids_expr(const char *ids)
{
    size_t n = strlen(ids), k, count = 0, cap = n * 2 + 16;
    const char *p = ids;
    char *e;

    if (n == 0 || n > NODE_MAX_IDS * 20 || (e = malloc(cap)) == NULL)
        return NULL;
    k = (size_t)snprintf(e, cap, "id == [");
    for (;;) {
        char *end;
        long long v;

        if (*p < '1' || *p > '9')
            break;
        errno = 0;
        v = strtoll(p, &end, 10);
        if (errno != 0 || v <= 0 || (*end != ',' && *end != '\0') || ++count > NODE_MAX_IDS)
            break;
        k += (size_t)snprintf(e + k, cap - k, "%s%lld", count > 1 ? ", " : "", v);
        if (*end == '\0') {
            snprintf(e + k, cap - k, "]");
            return e;
        }
        p = end + 1;
    }
    free(e);
    return NULL;
}

static int h_node_pcap(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_session_query sq;
    struct otw_query *q = NULL;
    const char *ids = otw_http_arg(req, "ids");
    struct otw_qerr qe;
    int64_t ng;
    char *e;

    if (otw_http_arg_int(req, resp, "pcapng", 0, 0, 1, &ng) != 0)
        return 0;
    if (ids == NULL) {
        /* an expression and range, as /api/pcap */
        if (parse_filter(req, resp, &sq, &q) == 0)
            send_pcap(req, resp, &sq, PCAP_MAX_SESSIONS, "otwatch-node", NULL,
                      PCAP_NODE_REQUEST | (ng ? PCAP_NG : 0));
        otw_query_free(q);
        return 0;
    }
    if ((e = ids_expr(ids)) == NULL)
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "name", "ids"),
                              "ids: 1 to %d session ids (decimal), separated by commas",
                              NODE_MAX_IDS);
    memset(&sq, 0, sizeof(sq));
    if (otw_query_parse(e, &q, &qe) != 0) {
        free(e);
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "name", "ids"),
                              "ids: %s", qe.msg);
    }
    free(e);
    sq.expr = q;
    send_pcap(req, resp, &sq, NODE_MAX_IDS, "otwatch-node", NULL,
              PCAP_NODE_REQUEST | (ng ? PCAP_NG : 0));
    otw_query_free(q);
    return 0;
}

/* --- GET /api/fields, GET /api/query/check -------------------------------------------- */

static int h_fields(struct otw_http_req *req, struct otw_http_resp *resp)
{
    size_t n;
    const struct otw_field *fs = otw_fields_all(&n);
    json_t *items = json_array();

    (void)req;
    for (size_t i = 0; i < n; i++) {
        const struct otw_field *f = &fs[i];
        json_t *vals = json_array();
        const char *ja = otw_fields_meaning_ja(f->name);

        for (const struct otw_tok *t = f->names; t != NULL && t->s != NULL; t++)
            json_array_append_new(vals, json_string(t->s));
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:s, s:s}", "name", f->name,
                             "ecs", f->ecs, "type", otw_ftype_name(f->type), "ecs_standard",
                             !(f->flags & OTW_FF_NOECS), "either_side",
                             (f->flags & OTW_FF_EITHER) != 0, "sortable",
                             f->id != OTW_F_APP && !(f->flags & OTW_FF_EITHER), "values", vals,
                             "meaning", f->meaning, "meaning_ja", ja != NULL ? ja : f->meaning));
    }
    return otw_http_json(resp, 200, json_pack("{s:o, s:b}", "items", items, "more", 0));
}

static int h_query_check(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_query *q = NULL;
    char dump[1024];

    if (parse_expr(req, resp, &q) != 0)
        return 0;
    otw_query_dump(q, dump, sizeof(dump));
    otw_query_free(q);
    return otw_http_json(resp, 200, json_pack("{s:b, s:s}", "ok", 1, "tree", dump));
}

const struct otw_route otw_routes_sessions[] = {
    {"GET", "/api/sessions", OTW_ACCESS_VIEWER, h_sessions},
    {"GET", "/api/sessions/count", OTW_ACCESS_VIEWER, h_sessions_count},  /* before {} */
    {"GET", "/api/sessions/{}", OTW_ACCESS_VIEWER, h_session},
    {"GET", "/api/sessions/{}/pcap", OTW_ACCESS_VIEWER, h_session_pcap},
    {"GET", "/api/pcap", OTW_ACCESS_VIEWER, h_pcap},
    {"GET", "/api/fields", OTW_ACCESS_VIEWER, h_fields},
    {"GET", "/api/query/check", OTW_ACCESS_VIEWER, h_query_check},
    {"GET", "/api/node/pcap", OTW_ACCESS_NODE, h_node_pcap},
    {NULL, NULL, 0, NULL},
};
