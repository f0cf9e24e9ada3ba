/*
 * api_baseline.c - the baseline of the web interface: its entries (the
 * plant's normal communications) with their review status, the mode, and
 * the maintenance windows with the rules saying what they restrict.
 *
 *   GET    /api/baseline?status=S&category=C&limit=N
 *                                       entries, counts, mode, windows
 *   POST   /api/baseline/approve        {"ids": [1, 2]} or {"all": true}  (admin)
 *   POST   /api/baseline/remove         {"ids": [1, 2]}                   (admin)
 *   PUT    /api/baseline/mode           {"mode": "learning"|"protecting"} (admin)
 *   POST   /api/baseline/windows        {"name": "ssh-maint", "schedule": "Tue 13:00-17:00"}
 *   DELETE /api/baseline/windows/{name}                                   (admin)
 *   POST   /api/baseline/windows/{name}/rules
 *                                       {"client": H, "server": H, "port": P, "app": A}
 *
 * The same rules as `otwatch baseline` (cli/cmd_baseline.c; both use
 * detect/bltext.c): a list of ids is one transaction, so one unknown id
 * changes nothing; rule hosts are "*", an address, a CIDR range or an asset
 * name; ports "tcp/22", "udp", "502" or "*". Hours of the week are plant
 * time. docs/API.md describes the JSON.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_alerts.h"
#include "detect/assets.h"
#include "detect/baseline.h"
#include "detect/bltext.h"
#include "detect/schedule.h"

#define LIST_DEFAULT 20000
#define LIST_MAX OTW_BL_MAX_ENTRIES
#define IDS_MAX 100000
#define SCHEDULE_MAX 255        /* struct otw_bl_window.schedule holds 256 */

static int bad(struct otw_http_resp *resp, const char *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A 400 "bad_argument" naming the argument. */
static int bad(struct otw_http_resp *resp, const char *arg, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", arg), "%s",
                          msg);
}

static json_t *entry_json(const struct otw_bl_entry *e, const struct otw_assets *as)
{
    json_t *o = json_object();
    char t[16], svc[32];

    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "client", otw_api_host_json(as, e->k.client, NULL));
    json_object_set_new(o, "server", otw_api_host_json(as, e->k.server, NULL));
    json_object_set_new(o, "transport",
                        json_string(otw_bl_transport_str(e->k.proto, t, sizeof(t))));
    json_object_set_new(o, "port", json_integer(e->k.port));
    json_object_set_new(o, "service", json_string(otw_bl_service_str(&e->k, svc, sizeof(svc))));
    json_object_set_new(o, "app", json_string(e->k.app));
    json_object_set_new(o, "class", json_string(otw_bl_class_str(e->k.ot_class)));
    json_object_set_new(o, "status", json_string(otw_bl_status_name(e->status)));
    json_object_set_new(o, "category", json_string(otw_bl_category_name(e->category)));
    json_object_set_new(o, "sessions", json_integer((json_int_t)e->sessions));
    json_object_set_new(o, "bytes", json_integer((json_int_t)e->bytes));
    json_object_set_new(o, "first_us", e->first_us ? json_integer(e->first_us) : json_null());
    json_object_set_new(o, "last_us", e->last_us ? json_integer(e->last_us) : json_null());
    json_object_set_new(o, "hours", otw_bl_hours_json(e->hours));
    json_object_set_new(o, "note", json_string(e->note));
    return o;
}

static json_t *rule_json(const struct otw_bl_rule *r)
{
    char p[32];

    return json_pack("{s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)r->id, "client", r->client,
                     "server", r->server, "port",
                     otw_bl_portspec_str(r->proto, r->port, p, sizeof(p)), "app",
                     r->app[0] ? r->app : "*");
}

static json_t *windows_json(const struct otw_bl_windows *ws)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < ws->nw; i++) {
        json_t *w = json_object(), *ra = json_array();

        json_object_set_new(w, "name", json_string(ws->w[i].name));
        json_object_set_new(w, "schedule", json_string(ws->w[i].schedule));
        for (size_t j = 0; j < ws->nr; j++)
            if (strcmp(ws->r[j].window, ws->w[i].name) == 0)
                json_array_append_new(ra, rule_json(&ws->r[j]));
        json_object_set_new(w, "rules", ra);
        json_array_append_new(arr, w);
    }
    return arr;
}

/* The stored mode ("learning" when none was set). */
static int get_mode(struct otw_store *st, char *mode, size_t len, struct otw_err *err)
{
    int r = otw_store_bl_meta_get(st, "mode", mode, len, err);

    if (r < 0)
        return r;
    if (r == 0)
        snprintf(mode, len, "%s", otw_bl_mode_name(OTW_BL_LEARNING));
    return 0;
}

/* --- GET /api/baseline ------------------------------------------------------------------- */

static int h_show(struct otw_http_req *req, struct otw_http_resp *resp)
{
    const char *sarg = otw_http_arg(req, "status"), *carg = otw_http_arg(req, "category");
    struct otw_bl_entry *v = NULL;
    struct otw_bl_windows ws = {NULL, 0, 0, NULL, 0, 0};
    struct otw_assets *as;
    struct otw_store *st;
    struct otw_err err;
    size_t n = 0, counts[3] = {0, 0, 0};
    int status = -1, category = -1;
    int64_t limit, shown = 0;
    bool more = false;
    char mode[32];
    json_t *out, *items;

    if (otw_http_arg_int(req, resp, "limit", LIST_DEFAULT, 1, LIST_MAX, &limit) != 0)
        return 0;
    if (sarg != NULL && sarg[0] != '\0' && (status = otw_bl_status_parse(sarg)) < 0)
        return bad(resp, "status", "status takes learned, approved or new");
    if (carg != NULL && carg[0] != '\0' && (category = otw_bl_category_parse(carg)) < 0)
        return bad(resp, "category", "category takes operational or maintenance");
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    if (get_mode(st, mode, sizeof(mode), &err) != 0 ||
        otw_bl_entries_sorted(st, &v, &n, &err) != 0 || otw_bl_windows_load(st, &ws, &err) != 0) {
        free(v);
        otw_bl_windows_free(&ws);
        return otw_http_store_error(resp, &err);
    }
    as = otw_assets_load_labels(st, otw_api_config(req), &err);   /* none: plain addresses */
    items = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct otw_bl_entry *e = &v[i];

        if (e->status >= 0 && e->status < 3)
            counts[e->status]++;
        if ((status >= 0 && e->status != status) || (category >= 0 && e->category != category))
            continue;
        if (shown == limit) {
            more = true;
            continue;
        }
        json_array_append_new(items, entry_json(e, as));
        shown++;
    }
    out = json_object();
    json_object_set_new(out, "mode", json_string(mode));
    json_object_set_new(out, "timezone", json_string(otw_plant_tz()));
    json_object_set_new(out, "counts",
                        json_pack("{s:I,s:I,s:I,s:I}", "all", (json_int_t)n, "learned",
                                  (json_int_t)counts[OTW_BL_LEARNED], "approved",
                                  (json_int_t)counts[OTW_BL_APPROVED], "new",
                                  (json_int_t)counts[OTW_BL_NEW]));
    json_object_set_new(out, "items", items);
    json_object_set_new(out, "more", json_boolean(more));
    json_object_set_new(out, "windows", windows_json(&ws));
    otw_assets_free(as);
    otw_bl_windows_free(&ws);
    free(v);
    return otw_http_json(resp, 200, out);
}

/* --- approve, remove ---------------------------------------------------------------------- */

static int id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* {"ids": [...]}: positive integers, each once (sorted). *ids malloc'd.
 * 0, or -1 after a 400. */
static int parse_ids(struct otw_http_resp *resp, json_t *body, int64_t **ids, size_t *n)
{
    json_t *arr = json_object_get(body, "ids"), *v;
    size_t i, m = 0;

    *ids = NULL;
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        bad(resp, "ids", "give \"ids\": a list of entry ids");
        return -1;
    }
    if (json_array_size(arr) > IDS_MAX) {
        bad(resp, "ids", "too many ids in one request");
        return -1;
    }
    *ids = calloc(json_array_size(arr), sizeof(**ids));
    if (*ids == NULL) {
        otw_http_error(resp, 500, "internal", NULL, "out of memory");
        return -1;
    }
    json_array_foreach(arr, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            free(*ids);
            *ids = NULL;
            bad(resp, "ids", "entry ids are positive integers");
            return -1;
        }
        (*ids)[m++] = json_integer_value(v);
    }
    qsort(*ids, m, sizeof(**ids), id_cmp);
    *n = 0;
    for (i = 0; i < m; i++)
        if (i == 0 || (*ids)[i] != (*ids)[i - 1])
            (*ids)[(*n)++] = (*ids)[i];
    return 0;
}

/* Only the members of allowed in the body object; 0, or -1 after a 400. */
static int check_body(struct otw_http_req *req, struct otw_http_resp *resp,
                      const char *const *allowed, const char *expect)
{
    const char *k;
    json_t *v;

    if (!json_is_object(req->json)) {
        bad(resp, "body", "expected a JSON object %s", expect);
        return -1;
    }
    json_object_foreach(req->json, k, v) {
        bool ok = false;

        for (const char *const *a = allowed; *a != NULL; a++)
            ok = ok || strcmp(*a, k) == 0;
        if (!ok) {
            bad(resp, "body", "unexpected member \"%s\"", k);
            return -1;
        }
    }
    return 0;
}

static int change(struct otw_http_req *req, struct otw_http_resp *resp, bool approve)
{
    static const char *const akeys[] = {"ids", "all", NULL};
    static const char *const rkeys[] = {"ids", NULL};
    struct otw_store *st;
    struct otw_err err;
    int64_t *ids = NULL;
    size_t n = 0;
    json_t *all;
    int r;

    if (check_body(req, resp, approve ? akeys : rkeys,
                   approve ? "{\"ids\": [...]} or {\"all\": true}" : "{\"ids\": [...]}") != 0)
        return 0;
    all = json_object_get(req->json, "all");
    if (all != NULL && !json_is_boolean(all))
        return bad(resp, "all", "all is true or false");
    if (json_is_true(all) && json_object_get(req->json, "ids") != NULL)
        return bad(resp, "ids", "give ids or all, not both");
    if (!json_is_true(all) && parse_ids(resp, req->json, &ids, &n) != 0)
        return 0;
    if ((st = otw_api_store(req, &err)) == NULL) {
        free(ids);
        return otw_http_store_error(resp, &err);
    }
    if (json_is_true(all)) {
        uint64_t changed = 0;

        if (otw_store_txn_begin(st, &err) != 0 ||
            otw_store_bl_approve_all(st, &changed, &err) != 0) {
            otw_store_file_abort(st);
            return otw_http_store_error(resp, &err);
        }
        if (otw_store_txn_commit(st, &err) != 0)
            return otw_http_store_error(resp, &err);
        return otw_http_json(resp, 200, json_pack("{s:I}", "approved", (json_int_t)changed));
    }
    r = otw_bl_entries_apply(st, ids, n, approve, &err);
    free(ids);
    if (r == OTW_ENOTFOUND)
        return otw_http_error(resp, 404, "not_found", NULL, "%s; nothing was changed", err.msg);
    if (r != 0)
        return otw_http_store_error(resp, &err);
    return otw_http_json(resp, 200,
                         json_pack("{s:I}", approve ? "approved" : "removed", (json_int_t)n));
}

static int h_approve(struct otw_http_req *req, struct otw_http_resp *resp)
{
    return change(req, resp, true);
}

static int h_remove(struct otw_http_req *req, struct otw_http_resp *resp)
{
    return change(req, resp, false);
}

/* --- mode ------------------------------------------------------------------------------------ */

static int any_known(void *ctx, const struct otw_bl_entry *e)
{
    if (e->status == OTW_BL_LEARNED || e->status == OTW_BL_APPROVED) {
        *(bool *)ctx = true;
        return 1;
    }
    return 0;
}

static int h_mode(struct otw_http_req *req, struct otw_http_resp *resp)
{
    static const char *const keys[] = {"mode", NULL};
    struct otw_store *st;
    struct otw_err err;
    json_t *v, *out;
    char was[32];
    bool known = false;
    int mode;

    if (check_body(req, resp, keys, "{\"mode\": \"learning\" or \"protecting\"}") != 0)
        return 0;
    v = json_object_get(req->json, "mode");
    if (!json_is_string(v) || (mode = otw_bl_mode_parse(json_string_value(v))) < 0)
        return bad(resp, "mode", "mode is learning or protecting");
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    if (get_mode(st, was, sizeof(was), &err) != 0)
        return otw_http_store_error(resp, &err);
    if (otw_store_txn_begin(st, &err) != 0 ||
        otw_store_bl_meta_set(st, "mode", otw_bl_mode_name(mode), &err) != 0) {
        otw_store_file_abort(st);
        return otw_http_store_error(resp, &err);
    }
    if (otw_store_txn_commit(st, &err) != 0)
        return otw_http_store_error(resp, &err);
    out = json_pack("{s:s,s:s}", "mode", otw_bl_mode_name(mode), "was", was);
    if (mode == OTW_BL_PROTECTING && otw_store_bl_entries(st, any_known, &known, &err) >= 0 &&
        !known)
        /* every communication will be new: the page says so */
        json_object_set_new(out, "warning", json_string("baseline_empty"));
    return otw_http_json(resp, 200, out);
}

/* --- windows ------------------------------------------------------------------------------- */

/* A string member: absent -> def; else a string shorter than max without
 * control characters. 0, or -1 after a 400. */
static int str_member(struct otw_http_resp *resp, json_t *body, const char *k, const char *def,
                      size_t max, const char **out)
{
    json_t *v = json_object_get(body, k);
    const char *s;

    *out = def;
    if (v == NULL || (json_is_null(v) && def != NULL))
        return def != NULL ? 0 : (bad(resp, k, "\"%s\" is missing", k), -1);
    if (!json_is_string(v)) {
        bad(resp, k, "\"%s\" must be a string", k);
        return -1;
    }
    s = json_string_value(v);
    if (strlen(s) != json_string_length(v) || strlen(s) > max || !otw_bl_text_ok(s)) {
        bad(resp, k, "\"%s\" is too long or holds control characters", k);
        return -1;
    }
    *out = s;
    return 0;
}

static int h_window_set(struct otw_http_req *req, struct otw_http_resp *resp)
{
    static const char *const keys[] = {"name", "schedule", NULL};
    struct otw_bl_window w;
    struct otw_schedule *sch;
    struct otw_store *st;
    struct otw_err err;
    const char *name, *text;

    if (check_body(req, resp, keys, "{\"name\": ..., \"schedule\": ...}") != 0 ||
        str_member(resp, req->json, "name", NULL, 63, &name) != 0 ||
        str_member(resp, req->json, "schedule", NULL, SCHEDULE_MAX, &text) != 0)
        return 0;
    if (!otw_bl_window_name_ok(name))
        return bad(resp, "name", "%s", OTW_BL_WINDOW_NAME_RULE);
    if (otw_schedule_parse(text, &sch, &err) != 0)
        return otw_http_error(resp, 400, "bad_schedule",
                              json_pack("{s:s}", "argument", "schedule"), "%s", err.msg);
    memset(&w, 0, sizeof(w));
    snprintf(w.name, sizeof(w.name), "%s", name);
    snprintf(w.schedule, sizeof(w.schedule), "%s", otw_schedule_text(sch));
    otw_schedule_free(sch);
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    if (otw_store_txn_begin(st, &err) != 0 || otw_store_bl_window_put(st, &w, &err) != 0) {
        otw_store_file_abort(st);
        return otw_http_store_error(resp, &err);
    }
    if (otw_store_txn_commit(st, &err) != 0)
        return otw_http_store_error(resp, &err);
    return otw_http_json(resp, 200,
                         json_pack("{s:s,s:s,s:s}", "name", w.name, "schedule", w.schedule,
                                   "timezone", otw_plant_tz()));
}

static int h_window_remove(struct otw_http_req *req, struct otw_http_resp *resp)
{
    const char *name = req->params[0];
    struct otw_store *st;
    struct otw_err err;
    int r;

    if (name == NULL || !otw_bl_window_name_ok(name))
        return bad(resp, "name", "%s", OTW_BL_WINDOW_NAME_RULE);
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    if ((r = otw_store_txn_begin(st, &err)) == 0)
        r = otw_store_bl_window_delete(st, name, &err);
    if (r != 0) {
        otw_store_file_abort(st);
        if (r == OTW_ENOTFOUND)
            return otw_http_error(resp, 404, "not_found", json_pack("{s:s}", "name", name),
                                  "no maintenance window %s", name);
        return otw_http_store_error(resp, &err);
    }
    if (otw_store_txn_commit(st, &err) != 0)
        return otw_http_store_error(resp, &err);
    return otw_http_json(resp, 200, json_pack("{s:s,s:b}", "name", name, "removed", 1));
}

/* A rule host of the body resolved as the CLI does; 0, or -1 after a 400. */
static int rule_host(struct otw_http_req *req, struct otw_http_resp *resp, struct otw_store *st,
                     const char *k, char *out, size_t len)
{
    const char *s;
    int n, r;

    if (str_member(resp, req->json, k, "*", 63, &s) != 0)
        return -1;
    if (s[0] == '\0')
        s = "*";
    r = otw_bl_host_resolve(st, otw_api_config(req), s, out, len, &n);
    if (r == OTW_EEXIST) {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s,s:i}", "argument", k,
                                                            "addresses", n),
                       "%s '%s': the asset name is on %d addresses; give the address", k, s, n);
        return -1;
    }
    if (r != 0) {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", k),
                       "%s '%s': not an address, a CIDR range, * or an asset name", k, s);
        return -1;
    }
    return 0;
}

static int h_rule_add(struct otw_http_req *req, struct otw_http_resp *resp)
{
    static const char *const keys[] = {"client", "server", "port", "app", NULL};
    const char *name = req->params[0], *port, *app;
    struct otw_bl_rule r;
    struct otw_store *st;
    struct otw_err err;
    int rc;

    if (name == NULL || !otw_bl_window_name_ok(name))
        return bad(resp, "name", "%s", OTW_BL_WINDOW_NAME_RULE);
    if (check_body(req, resp, keys, "{\"client\", \"server\", \"port\", \"app\"}") != 0 ||
        str_member(resp, req->json, "port", "*", 31, &port) != 0 ||
        str_member(resp, req->json, "app", "*", 63, &app) != 0)
        return 0;
    memset(&r, 0, sizeof(r));
    snprintf(r.window, sizeof(r.window), "%s", name);
    if (otw_bl_portspec_parse(port, &r.proto, &r.port, &err) != 0)
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "port"),
                              "port %s", err.msg);
    if (app[0] == '\0')
        app = "*";
    if (!otw_bl_app_ok(app))
        return bad(resp, "app", "app '%s': a protocol name such as ssh, rdp, modbus, or *", app);
    snprintf(r.app, sizeof(r.app), "%s", app);
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    if (rule_host(req, resp, st, "client", r.client, sizeof(r.client)) != 0 ||
        rule_host(req, resp, st, "server", r.server, sizeof(r.server)) != 0)
        return 0;
    if ((rc = otw_store_txn_begin(st, &err)) == 0)
        rc = otw_store_bl_rule_add(st, &r, &err);
    if (rc != 0) {
        otw_store_file_abort(st);
        if (rc == OTW_ENOTFOUND)
            return otw_http_error(resp, 404, "not_found", json_pack("{s:s}", "name", name),
                                  "no maintenance window %s", name);
        return otw_http_store_error(resp, &err);
    }
    if (otw_store_txn_commit(st, &err) != 0)
        return otw_http_store_error(resp, &err);
    return otw_http_json(resp, 200, rule_json(&r));
}

const struct otw_route otw_routes_baseline[] = {
    {"GET", "/api/baseline", OTW_ACCESS_VIEWER, h_show},
    {"POST", "/api/baseline/approve", OTW_ACCESS_ADMIN, h_approve},
    {"POST", "/api/baseline/remove", OTW_ACCESS_ADMIN, h_remove},
    {"PUT", "/api/baseline/mode", OTW_ACCESS_ADMIN, h_mode},
    {"POST", "/api/baseline/windows", OTW_ACCESS_ADMIN, h_window_set},
    {"DELETE", "/api/baseline/windows/{}", OTW_ACCESS_ADMIN, h_window_remove},
    {"POST", "/api/baseline/windows/{}/rules", OTW_ACCESS_ADMIN, h_rule_add},
    {NULL, NULL, 0, NULL},
};
