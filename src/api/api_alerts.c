/*
 * api_alerts.c - the alerts of the web interface: list them (filtered by
 * status, kind and time), show one with its evidence sessions, and
 * acknowledge, resolve or reopen one (admins only; the server checks the
 * role and the CSRF token before these handlers run).
 *
 *   GET  /api/alerts?status=open|acknowledged|resolved|active|any&kind=&since=&until=&limit=
 *   GET  /api/alerts/{id}                 the alert and its evidence sessions
 *   POST /api/alerts/{id}/ack             {"note": "..."} (optional)
 *   POST /api/alerts/{id}/resolve
 *   POST /api/alerts/{id}/reopen
 *
 * The same store calls as `otwatch alerts` (cli/cmd_alerts.c); the sentences
 * are the ones detection wrote in both languages (detect/explain.c), so the
 * page shows the user's language without asking again. docs/API.md has the
 * JSON.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_alerts.h"
#include "cli/output.h"
#include "core/timeutil.h"
#include "detect/alertjson.h"
#include "detect/assets.h"

#define LIST_DEFAULT 500
#define LIST_MAX 10000
#define TARGETS_MAX 32          /* hosts named from a scan's or spoof's detail */
#define NOTE_MAX 255            /* struct otw_alert_meta.status_note holds 256 */

/* --- JSON of hosts and alerts (shared with api_daily.c) --------------------- */

struct mac_find {
    uint8_t mac[6];
    bool found;
};

static int on_asset_mac(void *ctx, const struct otw_asset_info *h)
{
    struct mac_find *f = ctx;

    if (h->keylen == 16 && h->has_mac) {
        memcpy(f->mac, h->mac, 6);
        f->found = true;
    }
    return 0;
}

json_t *otw_api_host_json(const struct otw_assets *as, const uint8_t ip[16], const uint8_t *mac)
{
    json_t *o = json_object();
    char buf[64];
    const char *name = NULL, *role = NULL;
    struct mac_find mf;

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "ip", json_string(otw_ip_str(ip, buf, sizeof(buf))));
    memset(&mf, 0, sizeof(mf));
    if (mac != NULL) {
        memcpy(mf.mac, mac, 6);
        mf.found = true;
    } else if (as != NULL) {
        otw_assets_get(as, ip, 16, on_asset_mac, &mf);
    }
    if (mf.found)
        json_object_set_new(o, "mac", json_string(otw_mac_str(mf.mac, buf, sizeof(buf))));
    if (as != NULL && otw_assets_name_role(as, ip, &name, &role)) {
        if (name != NULL)
            json_object_set_new(o, "name", json_string(name));
        if (role != NULL)
            json_object_set_new(o, "role", json_string(role));
    }
    return o;
}

static void add_host(json_t *hosts, const struct otw_assets *as, const uint8_t ip[16],
                     const char *side)
{
    json_t *h = otw_api_host_json(as, ip, NULL);

    if (h == NULL)
        return;
    json_object_set_new(h, "side", json_string(side));
    json_array_append_new(hosts, h);
}

/* Hosts a detail names in a list ("targets=ip,ip,..." of scans, "claimed=" of
 * ARP spoofing): added as targets, each address once, capped. */
static void add_listed_hosts(json_t *hosts, const struct otw_assets *as, json_t *detail,
                             const char *key, const struct otw_alert *a)
{
    json_t *v = json_object_get(detail, key);
    char buf[512], *save = NULL;
    int n = 0;

    if (!json_is_string(v))
        return;
    snprintf(buf, sizeof(buf), "%s", json_string_value(v));
    for (char *t = strtok_r(buf, ",", &save); t != NULL && n < TARGETS_MAX;
         t = strtok_r(NULL, ",", &save)) {
        uint8_t ip[16];
        if (otw_ip_parse(t, ip) != 0)
            continue;   /* "..." where the list was cut */
        if ((a->has_src && memcmp(ip, a->src, 16) == 0) ||
            (a->has_dst && memcmp(ip, a->dst, 16) == 0))
            continue;
        add_host(hosts, as, ip, "dst");
        n++;
    }
}

json_t *otw_api_alert_json(const struct otw_alert *a, const struct otw_alert_meta *m,
                           const struct otw_assets *as)
{
    json_t *o = json_object(), *hosts = json_array(), *detail;
    char buf[64];

    if (o == NULL || hosts == NULL) {
        json_decref(o);
        json_decref(hosts);
        return NULL;
    }
    detail = otw_alert_detail_json(a->detail);
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "kind", json_string(otw_alert_kind_name(a->kind)));
    json_object_set_new(o, "title",
                        json_pack("{s:s, s:s}", "en", otw_alert_kind_title(a->kind, OTW_LANG_EN),
                                  "ja", otw_alert_kind_title(a->kind, OTW_LANG_JA)));
    json_object_set_new(o, "severity", json_string(otw_severity_name(a->severity)));
    json_object_set_new(o, "status", json_string(otw_alert_status_name(a->status)));
    json_object_set_new(o, "count", json_integer((json_int_t)a->count));
    json_object_set_new(o, "first_us", json_integer(a->first_us));
    json_object_set_new(o, "last_us", json_integer(a->last_us));
    if (a->has_src)
        add_host(hosts, as, a->src, "src");
    if (a->has_dst)
        add_host(hosts, as, a->dst, "dst");
    add_listed_hosts(hosts, as, detail, "targets", a);
    add_listed_hosts(hosts, as, detail, "claimed", a);
    json_object_set_new(o, "hosts", hosts);
    json_object_set_new(o, "src_label", json_string(a->src_label));
    json_object_set_new(o, "dst_label", json_string(a->dst_label));
    if (a->has_mac)
        json_object_set_new(o, "mac", json_string(otw_mac_str(a->mac, buf, sizeof(buf))));
    if (a->proto != 0)
        json_object_set_new(o, "proto", json_string(otw_out_transport(a->proto, buf,
                                                                      sizeof(buf))));
    if (a->port != 0)
        json_object_set_new(o, "port", json_integer(a->port));
    json_object_set_new(o, "detail", detail != NULL ? detail : json_object());
    json_object_set_new(o, "explanation",
                        json_pack("{s:s, s:s}", "en", a->text[OTW_LANG_EN], "ja",
                                  a->text[OTW_LANG_JA]));
    if (m != NULL && m->status_us != 0) {
        json_object_set_new(o, "status_us", json_integer(m->status_us));
        json_object_set_new(o, "status_by", json_string(m->status_by));
        json_object_set_new(o, "note", json_string(m->status_note));
    }
    return o;
}

/* --- request helpers ------------------------------------------------------------ */

/* Names and roles for the hosts of a response; NULL (addresses only) when
 * they cannot be read: a listing without names beats no listing. */
static struct otw_assets *labels(struct otw_http_req *req, struct otw_store *st)
{
    struct otw_err err;

    return otw_assets_load_labels(st, otw_api_config(req), &err);
}

/* A time argument: microseconds since the epoch, or anything `otwatch
 * sessions --since` takes (RFC 3339, a date, "-2h"). 0 when absent. */
static int time_arg(struct otw_http_req *req, struct otw_http_resp *resp, const char *name,
                    int64_t *out)
{
    const char *v = otw_http_arg(req, name);
    char *end;
    long long n;

    *out = 0;
    if (v == NULL || v[0] == '\0')
        return 0;
    n = strtoll(v, &end, 10);
    if (*end == '\0' && n > 0 && n < INT64_MAX) {
        *out = n;
        return 0;
    }
    if (otw_time_parse(v, otw_now_us(), out) == 0)
        return 0;
    otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", name),
                   "%s: not a time (microseconds since the epoch, or RFC 3339)", name);
    return OTW_EINVAL;
}

/* The alert id of "/api/alerts/{id}...": a positive integer, else 400. */
static int id_param(struct otw_http_req *req, struct otw_http_resp *resp, int64_t *id)
{
    const char *s = req->params[0];
    char *end;
    long long v;

    if (s == NULL || s[0] < '0' || s[0] > '9') {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "id"),
                       "alert id: not a number");
        return OTW_EINVAL;
    }
    v = strtoll(s, &end, 10);
    if (*end != '\0' || v <= 0 || v == LLONG_MAX) {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "id"),
                       "alert id: not a positive number");
        return OTW_EINVAL;
    }
    *id = v;
    return 0;
}

struct list_ctx {
    json_t *items;
    const struct otw_assets *as;
    int64_t limit;
    bool more;
};

static int on_alert(void *ctx, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    struct list_ctx *c = ctx;
    json_t *o;

    if (c->limit > 0 && (int64_t)json_array_size(c->items) >= c->limit) {
        c->more = true;
        return 1;
    }
    o = otw_api_alert_json(a, m, c->as);
    if (o == NULL)
        return OTW_ENOMEM;
    json_array_append_new(c->items, o);
    return 0;
}

static json_t *kinds_json(void)
{
    json_t *k = json_array();

    for (int i = 0; i < OTW_AK__COUNT; i++)
        json_array_append_new(k, json_pack("{s:s, s:{s:s, s:s}}", "name", otw_alert_kind_name(i),
                                           "title", "en", otw_alert_kind_title(i, OTW_LANG_EN),
                                           "ja", otw_alert_kind_title(i, OTW_LANG_JA)));
    return k;
}

/* --- handlers -------------------------------------------------------------------- */

static int h_list(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_alert_query q;
    struct list_ctx c;
    struct otw_store *st;
    struct otw_err err;
    const char *status = otw_http_arg(req, "status"), *kind = otw_http_arg(req, "kind");
    int64_t limit;
    int rc;

    memset(&q, 0, sizeof(q));
    memset(&c, 0, sizeof(c));
    q.kind = -1;
    if (status == NULL || status[0] == '\0' || !strcmp(status, "open"))
        q.status = OTW_AS_OPEN;
    else if (!strcmp(status, "acknowledged"))
        q.status = OTW_AS_ACKNOWLEDGED;
    else if (!strcmp(status, "resolved"))
        q.status = OTW_AS_RESOLVED;
    else if (!strcmp(status, "active"))
        q.status = -2;
    else if (!strcmp(status, "any") || !strcmp(status, "all"))
        q.status = -1;
    else
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument",
                                                                   "status"),
                              "status: open, acknowledged, resolved, active or any");
    if (kind != NULL && kind[0] != '\0' && (q.kind = otw_alert_kind_parse(kind)) < 0)
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "kind"),
                              "kind: not an alert kind (see docs/ALERTS.md)");
    if (time_arg(req, resp, "since", &q.since_us) != 0 ||
        time_arg(req, resp, "until", &q.until_us) != 0)
        return 0;
    if (otw_http_arg_int(req, resp, "limit", LIST_DEFAULT, 1, LIST_MAX, &limit) != 0)
        return 0;
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    q.limit = limit + 1;
    c.limit = limit;
    c.items = json_array();
    c.as = labels(req, st);
    rc = otw_store_alerts_query(st, &q, on_alert, &c, &err);
    otw_assets_free((struct otw_assets *)c.as);
    if (rc != 0) {
        json_decref(c.items);
        return otw_http_store_error(resp, &err);
    }
    return otw_http_json(resp, 200, json_pack("{s:o, s:b, s:o}", "items", c.items, "more",
                                              c.more, "kinds", kinds_json()));
}

/* --- one alert with its evidence ------------------------------------------------- */

struct one_ctx {
    json_t *alert;
    const struct otw_assets *as;
};

static int on_one(void *ctx, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    struct one_ctx *c = ctx;

    c->alert = otw_api_alert_json(a, m, c->as);
    return c->alert == NULL ? OTW_ENOMEM : 1;
}

/* An endpoint of a session; names are added by name_endpoints(). */
static json_t *endpoint_json(const uint8_t ip[16], uint16_t port, const uint8_t mac[6],
                             bool has_port)
{
    static const uint8_t zero[6];
    json_t *h = otw_api_host_json(NULL, ip, memcmp(mac, zero, 6) ? mac : NULL);

    if (h != NULL && has_port)
        json_object_set_new(h, "port", json_integer(port));
    return h;
}

static int on_session(void *ctx, const struct otw_session_row *r)
{
    json_t *arr = ctx, *o, *protos;
    const struct otw_session *s = &r->s;
    bool ports = s->proto == 6 || s->proto == 17 || s->proto == 132;
    char buf[1024], *save = NULL;

    o = json_object();
    protos = json_array();
    if (o == NULL || protos == NULL) {
        json_decref(o);
        json_decref(protos);
        return OTW_ENOMEM;
    }
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "start_us", json_integer(s->first_us));
    json_object_set_new(o, "end_us", json_integer(s->last_us));
    json_object_set_new(o, "src", endpoint_json(s->src_ip, s->src_port, s->src_mac, ports));
    json_object_set_new(o, "dst", endpoint_json(s->dst_ip, s->dst_port, s->dst_mac, ports));
    json_object_set_new(o, "proto", json_string(otw_out_transport(s->proto, buf, sizeof(buf))));
    snprintf(buf, sizeof(buf), "%s", r->protocols);
    for (char *t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save))
        json_array_append_new(protos, json_string(t));
    json_object_set_new(o, "protocols", protos);
    json_object_set_new(o, "state", json_string(otw_state_name(s->state)));
    json_object_set_new(o, "packets", json_integer((json_int_t)(s->src.packets +
                                                                 s->dst.packets)));
    json_object_set_new(o, "bytes", json_integer((json_int_t)(s->src.bytes + s->dst.bytes)));
    if (r->community_id[0] != '\0')
        json_object_set_new(o, "community_id", json_string(r->community_id));
    if (r->point[0] != '\0')
        json_object_set_new(o, "point", json_string(r->point));
    json_array_append_new(arr, o);
    return 0;
}

static int count_uid(void *ctx, uint64_t uid)
{
    OTW_UNUSED(uid);
    (*(uint64_t *)ctx)++;
    return 0;
}

/* Names the endpoints of evidence sessions (the row callback has no room
 * for the labels, so they are added afterwards). */
static void name_endpoints(json_t *sessions, const struct otw_assets *as)
{
    size_t i;
    json_t *s;

    if (as == NULL)
        return;
    json_array_foreach(sessions, i, s) {
        for (int k = 0; k < 2; k++) {
            json_t *h = json_object_get(s, k ? "dst" : "src");
            uint8_t ip[16];
            const char *name, *role;
            if (!json_is_object(h) ||
                otw_ip_parse(json_string_value(json_object_get(h, "ip")), ip) != 0 ||
                !otw_assets_name_role(as, ip, &name, &role))
                continue;
            if (name != NULL)
                json_object_set_new(h, "name", json_string(name));
            if (role != NULL)
                json_object_set_new(h, "role", json_string(role));
        }
    }
}

/* Fills resp with the alert `id` (with its evidence when `evidence`); 404
 * when there is none. */
static int send_alert(struct otw_http_req *req, struct otw_http_resp *resp, struct otw_store *st,
                      int64_t id, bool evidence)
{
    struct otw_alert_query q;
    struct one_ctx c;
    struct otw_err err;
    struct otw_assets *as;
    json_t *sessions = NULL;
    uint64_t nuid = 0;
    int rc;

    memset(&q, 0, sizeof(q));
    memset(&c, 0, sizeof(c));
    q.status = -1;
    q.kind = -1;
    q.id = id;
    as = labels(req, st);
    c.as = as;
    rc = otw_store_alerts_query(st, &q, on_one, &c, &err);
    if (rc != 0)
        goto fail;
    if (c.alert == NULL) {
        otw_assets_free(as);
        return otw_http_error(resp, 404, "not_found", json_pack("{s:I}", "id", (json_int_t)id),
                              "no alert with id %lld", (long long)id);
    }
    if (evidence) {
        sessions = json_array();
        rc = otw_store_alert_sessions(st, id, on_session, sessions, &err);
        if (rc == 0)
            rc = otw_store_alert_evidence(st, id, count_uid, &nuid, &err);
        if (rc != 0)
            goto fail;
        name_endpoints(sessions, as);
        json_object_set_new(c.alert, "sessions", sessions);
        /* evidence links are capped per alert (the count goes on); some of
         * the linked sessions may be gone (retention, a file forgotten) */
        json_object_set_new(c.alert, "evidence_linked", json_integer((json_int_t)nuid));
        json_object_set_new(c.alert, "evidence_max", json_integer(OTW_ALERT_EVIDENCE_MAX));
    }
    otw_assets_free(as);
    return otw_http_json(resp, 200, c.alert);
fail:
    otw_assets_free(as);
    json_decref(c.alert);
    json_decref(sessions);
    return otw_http_store_error(resp, &err);
}

static int h_show(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_store *st;
    struct otw_err err;
    int64_t id;

    if (id_param(req, resp, &id) != 0)
        return 0;
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    return send_alert(req, resp, st, id, true);
}

/* --- status changes ------------------------------------------------------------ */

/* The optional note of a status change: a string of at most NOTE_MAX bytes
 * without control characters. NULL note when absent. */
static int note_arg(struct otw_http_req *req, struct otw_http_resp *resp, const char **note)
{
    json_t *v;

    *note = NULL;
    if (req->json == NULL)
        return 0;
    if (!json_is_object(req->json)) {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "body"),
                       "the body must be a JSON object");
        return OTW_EINVAL;
    }
    v = json_object_get(req->json, "note");
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) > NOTE_MAX) {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "note"),
                       "note: a text of at most %d bytes", NOTE_MAX);
        return OTW_EINVAL;
    }
    for (const unsigned char *p = (const unsigned char *)json_string_value(v); *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "note"),
                           "note: no control characters");
            return OTW_EINVAL;
        }
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "note"),
                       "note: no NUL characters");
        return OTW_EINVAL;
    }
    *note = json_string_value(v);
    return 0;
}

static int set_status(struct otw_http_req *req, struct otw_http_resp *resp, int status)
{
    struct otw_store *st;
    struct otw_err err;
    const char *note;
    int64_t id;
    int rc;

    if (id_param(req, resp, &id) != 0 || note_arg(req, resp, &note) != 0)
        return 0;
    if (req->user == NULL || !req->user->admin)     /* the server checks too */
        return otw_http_error(resp, 403, "forbidden", NULL, "only an administrator may do this");
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    rc = otw_store_alert_set_status(st, id, status, req->user->name, note, &err);
    if (rc == OTW_ENOTFOUND)
        return otw_http_error(resp, 404, "not_found", json_pack("{s:I}", "id", (json_int_t)id),
                              "no alert with id %lld", (long long)id);
    if (rc != 0)
        return otw_http_store_error(resp, &err);
    return send_alert(req, resp, st, id, false);
}

static int h_ack(struct otw_http_req *req, struct otw_http_resp *resp)
{
    return set_status(req, resp, OTW_AS_ACKNOWLEDGED);
}

static int h_resolve(struct otw_http_req *req, struct otw_http_resp *resp)
{
    return set_status(req, resp, OTW_AS_RESOLVED);
}

static int h_reopen(struct otw_http_req *req, struct otw_http_resp *resp)
{
    return set_status(req, resp, OTW_AS_OPEN);
}

const struct otw_route otw_routes_alerts[] = {
    {"GET", "/api/alerts", OTW_ACCESS_VIEWER, h_list},
    {"GET", "/api/alerts/{}", OTW_ACCESS_VIEWER, h_show},
    {"POST", "/api/alerts/{}/ack", OTW_ACCESS_ADMIN, h_ack},
    {"POST", "/api/alerts/{}/resolve", OTW_ACCESS_ADMIN, h_resolve},
    {"POST", "/api/alerts/{}/reopen", OTW_ACCESS_ADMIN, h_reopen},
    {NULL, NULL, 0, NULL},
};
