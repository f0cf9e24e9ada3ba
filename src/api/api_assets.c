/*
 * api_assets.c - the asset inventory of the web interface, and the status
 * page's numbers (is capture keeping up, how big is the database).
 *
 *   GET    /api/assets?q=PATTERN&role=ROLE&all=1&limit=N
 *                           hosts as `otwatch assets list` lists them
 *   GET    /api/assets/{key}    one host (an IP or a MAC), everything
 *                           `otwatch assets show` shows
 *   PUT    /api/assets/{key}    {"name": "...", "role": "..."}  (admin)
 *   DELETE /api/assets/{key}    removes the name and role  (admin)
 *   GET    /api/status      interfaces, rates, database and packet files
 *
 * The listing, the filter and the summary of each host are the CLI's
 * (detect/assetlist.c); names and roles are changed as `assets set/unset`
 * change them. Names, vendors and identities come from packets: they are
 * JSON strings here and text nodes in the page, never markup.
 * docs/API.md describes the JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/timeutil.h"
#include "detect/assetlist.h"
#include "detect/assets.h"
#include "store/capstatus.h"

#define LIST_DEFAULT 5000
#define LIST_MAX 100000
#define HISTORY_MAX 64          /* bindings per host in the list */
#define STATUS_FILES 20         /* recent packet files and imported files */

/* --- JSON of one host ------------------------------------------------------------------ */

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v != NULL && v[0] != '\0')
        json_object_set_new(o, k, json_string(v));
}

static json_t *sources_json(unsigned s)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{OTW_BIND_ARP, "arp"}, {OTW_BIND_DHCP, "dhcp"}, {OTW_BIND_ND, "nd"},
                 {OTW_BIND_SESSION, "session"}, {OTW_BIND_L2, "l2"}};
    json_t *a = json_array();

    for (size_t i = 0; i < OTW_ARRAY_LEN(names); i++)
        if (s & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

struct bindctx {
    json_t *arr;
    size_t max, n;
    bool more;
};

static int on_binding(void *p, const struct otw_asset_binding_row *b)
{
    struct bindctx *c = p;
    char mac[24], ip[64];
    json_t *o;

    if (c->n == c->max) {
        c->more = true;
        return 1;
    }
    o = json_object();
    json_object_set_new(o, "mac", json_string(otw_mac_str(b->mac, mac, sizeof(mac))));
    json_object_set_new(o, "ip", json_string(otw_ip_str(b->ip, ip, sizeof(ip))));
    set_str(o, "vendor", otw_mac_vendor(b->mac));
    json_object_set_new(o, "seen_by", sources_json(b->sources));
    json_object_set_new(o, "count", json_integer((json_int_t)b->count));
    json_object_set_new(o, "first_us", json_integer(b->first_us));
    json_object_set_new(o, "last_us", json_integer(b->last_us));
    json_array_append_new(c->arr, o);
    c->n++;
    return 0;
}

/* The bindings (an IP's MACs or a MAC's IPs over time), oldest first. */
static json_t *history_json(const struct otw_assets *a, const struct otw_asset_info *h,
                            size_t max, bool *more)
{
    struct bindctx c = {json_array(), max, 0, false};

    otw_assets_each_binding(a, h->key, h->keylen, on_binding, &c);
    if (more != NULL)
        *more = c.more;
    return c.arr;
}

static json_t *host_json(const struct otw_assets *a, const struct otw_asset_info *h,
                         const struct otw_asset_summary *s)
{
    json_t *o = json_object();
    char key[64], mac[24];
    bool more = false;

    if (h->keylen == 16) {
        otw_ip_str(h->key, key, sizeof(key));
        json_object_set_new(o, "key", json_string(key));
        json_object_set_new(o, "ip", json_string(key));
        if (h->has_mac)
            json_object_set_new(o, "mac", json_string(otw_mac_str(h->mac, mac, sizeof(mac))));
    } else {
        otw_mac_str(h->key, key, sizeof(key));
        json_object_set_new(o, "key", json_string(key));
        json_object_set_new(o, "mac", json_string(key));
    }
    set_str(o, "vendor", h->vendor);
    set_str(o, "name", h->name);
    set_str(o, "role", h->role);
    set_str(o, "label_from", h->label_from);
    json_object_set_new(o, "names", otw_asset_list_json(s->names));
    json_object_set_new(o, "identity", otw_asset_list_json(s->ident));
    json_object_set_new(o, "served", otw_asset_list_json(s->served));
    json_object_set_new(o, "used", otw_asset_list_json(s->used));
    json_object_set_new(o, "points", otw_asset_list_json(s->points));
    json_object_set_new(o, "seen", json_boolean(h->seen));
    json_object_set_new(o, "first_us", h->seen ? json_integer(h->first_us) : json_null());
    json_object_set_new(o, "last_us", h->seen ? json_integer(h->last_us) : json_null());
    json_object_set_new(o, "sessions_out", json_integer((json_int_t)h->sessions_out));
    json_object_set_new(o, "sessions_in", json_integer((json_int_t)h->sessions_in));
    if (h->keylen == 6)
        json_object_set_new(o, "l2_packets", json_integer((json_int_t)h->packets));
    json_object_set_new(o, "history", history_json(a, h, HISTORY_MAX, &more));
    json_object_set_new(o, "history_more", json_boolean(more));
    return o;
}

/* --- shared steps ----------------------------------------------------------------------- */

static int bad(struct otw_http_resp *resp, const char *arg, const char *msg)
{
    return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", arg), "%s",
                          msg);
}

/* The inventory with the server's settings (names and roles of `asset`
 * lines); NULL after filling resp. */
static struct otw_assets *load(struct otw_http_req *req, struct otw_http_resp *resp,
                               struct otw_store **stp)
{
    struct otw_err err;
    struct otw_store *st = otw_api_store(req, &err);
    struct otw_assets *a;

    if (st == NULL) {
        otw_http_store_error(resp, &err);
        return NULL;
    }
    a = otw_assets_load(st, otw_api_config(req), &err);
    if (a == NULL) {
        otw_http_store_error(resp, &err);
        return NULL;
    }
    if (stp != NULL)
        *stp = st;
    return a;
}

/* The {} of the route as a key; 0, or -1 after a 400. */
static int key_of(struct otw_http_req *req, struct otw_http_resp *resp, uint8_t key[16],
                  uint8_t *kl)
{
    const char *k = req->params[0];

    if (k == NULL || otw_assets_parse_key(k, key, kl) != 0) {
        bad(resp, "key", "not an IP address or a MAC (aa:bb:cc:dd:ee:ff)");
        return -1;
    }
    return 0;
}

/* --- GET /api/assets ------------------------------------------------------------------- */

struct listctx {
    const struct otw_assets *a;
    json_t *items;
    int64_t limit, n;
    bool more;
};

static int on_host(void *p, const struct otw_asset_info *h, const struct otw_asset_summary *s)
{
    struct listctx *c = p;

    if (c->n == c->limit) {
        c->more = true;
        return 1;
    }
    json_array_append_new(c->items, host_json(c->a, h, s));
    c->n++;
    return 0;
}

static int h_list(struct otw_http_req *req, struct otw_http_resp *resp)
{
    const char *q = otw_http_arg(req, "q"), *role = otw_http_arg(req, "role");
    const char *all = otw_http_arg(req, "all");
    struct otw_asset_filter f;
    struct listctx c;
    struct otw_assets *a;
    struct otw_err err;
    json_t *out;
    int64_t limit;
    int rc;

    if (otw_http_arg_int(req, resp, "limit", LIST_DEFAULT, 1, LIST_MAX, &limit) != 0)
        return 0;
    if ((q != NULL && strlen(q) > 256) || (role != NULL && strlen(role) > 256))
        return bad(resp, q != NULL && strlen(q) > 256 ? "q" : "role", "too long");
    if (all != NULL && strcmp(all, "0") != 0 && strcmp(all, "1") != 0)
        return bad(resp, "all", "all takes 0 or 1");
    if (otw_asset_filter_init(&f, q, role, all != NULL && strcmp(all, "1") == 0, &err) != 0)
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "q"),
                              "%s", err.msg);
    if ((a = load(req, resp, NULL)) == NULL)
        return 0;
    memset(&c, 0, sizeof(c));
    c.a = a;
    c.items = json_array();
    c.limit = limit;
    rc = otw_assets_list(a, &f, on_host, &c);
    otw_assets_free(a);
    if (rc != 0 && !c.more) {
        json_decref(c.items);
        return otw_http_error(resp, 500, "internal", NULL, "out of memory");
    }
    out = json_object();
    json_object_set_new(out, "items", c.items);
    json_object_set_new(out, "more", json_boolean(c.more));
    return otw_http_json(resp, 200, out);
}

/* --- GET /api/assets/{key} ------------------------------------------------------------- */

struct showctx {
    const struct otw_assets *a;
    json_t *o;
    json_t *facts;
};

static int on_fact(void *p, const struct otw_asset_fact_row *f)
{
    struct showctx *c = p;
    json_t *arr = json_object_get(c->facts, f->kind);

    if (arr == NULL) {
        arr = json_array();
        json_object_set_new(c->facts, f->kind, arr);
    }
    json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:I}", "value", f->value, "count",
                                         (json_int_t)f->count, "first_us",
                                         (json_int_t)f->first_us, "last_us",
                                         (json_int_t)f->last_us));
    return 0;
}

static int on_show(void *p, const struct otw_asset_info *h)
{
    struct showctx *c = p;
    struct otw_asset_summary s;

    otw_asset_summarize(c->a, h, &s);
    c->o = host_json(c->a, h, &s);
    /* every binding, not only the first ones */
    json_object_set_new(c->o, "history", history_json(c->a, h, SIZE_MAX, NULL));
    json_object_set_new(c->o, "history_more", json_false());
    c->facts = json_object();
    otw_assets_each_fact(c->a, h->key, h->keylen, on_fact, c);
    json_object_set_new(c->o, "facts", c->facts);
    if (h->keylen == 16 && h->has_mac) {
        c->facts = json_object();
        otw_assets_each_fact(c->a, h->mac, 6, on_fact, c);
        json_object_set_new(c->o, "mac_facts", c->facts);
    }
    return 0;
}

static int h_show(struct otw_http_req *req, struct otw_http_resp *resp)
{
    uint8_t key[16], kl;
    struct showctx c;
    struct otw_assets *a;
    int rc;

    if (key_of(req, resp, key, &kl) != 0)
        return 0;
    if ((a = load(req, resp, NULL)) == NULL)
        return 0;
    memset(&c, 0, sizeof(c));
    c.a = a;
    rc = otw_assets_get(a, key, kl, on_show, &c);
    otw_assets_free(a);
    if (rc == OTW_ENOTFOUND || c.o == NULL)
        return otw_http_error(resp, 404, "not_found",
                              json_pack("{s:s}", "key", req->params[0]),
                              "%s is not in the inventory", req->params[0]);
    return otw_http_json(resp, 200, c.o);
}

/* --- PUT, DELETE /api/assets/{key} ------------------------------------------------------- */

/* A name or role of the body: absent (NULL), a string (checked), or null
 * (""): removed. 0, or -1 after a 400. */
static int label_arg(struct otw_http_resp *resp, json_t *body, const char *k, const char **out)
{
    json_t *v = json_object_get(body, k);
    const char *s;
    struct otw_err err;

    *out = NULL;
    if (v == NULL)
        return 0;
    if (json_is_null(v)) {
        *out = "";
        return 0;
    }
    if (!json_is_string(v)) {
        bad(resp, k, "must be a string (or null to remove it)");
        return -1;
    }
    s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        bad(resp, k, "must not hold a NUL character");
        return -1;
    }
    if (s[0] != '\0' && otw_assets_check_text(k, s, &err) != 0) {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", k), "%s",
                       err.msg);
        return -1;
    }
    *out = s;
    return 0;
}

static int h_set(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_asset_label_row row;
    const char *name, *role, *k;
    struct otw_store *st;
    struct otw_err err;
    uint8_t key[16], kl;
    json_t *v, *out;

    if (key_of(req, resp, key, &kl) != 0)
        return 0;
    if (!json_is_object(req->json))
        return bad(resp, "body", "expected a JSON object {\"name\": ..., \"role\": ...}");
    json_object_foreach(req->json, k, v) {
        if (strcmp(k, "name") != 0 && strcmp(k, "role") != 0)
            return bad(resp, "body", "only \"name\" and \"role\" may be given");
    }
    if (label_arg(resp, req->json, "name", &name) != 0 ||
        label_arg(resp, req->json, "role", &role) != 0)
        return 0;
    if (name == NULL && role == NULL)
        return bad(resp, "body", "give \"name\", \"role\" or both");
    if (otw_asset_key_check(req->params[0], key, kl, &err) != 0)
        return otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", "key"),
                              "%s", err.msg);
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    memset(&row, 0, sizeof(row));
    if (otw_asset_label_update(st, key, kl, name, role, &row, &err) != 0)
        return otw_http_store_error(resp, &err);
    out = json_object();
    json_object_set_new(out, "key", json_string(req->params[0]));
    json_object_set_new(out, "name", row.name[0] ? json_string(row.name) : json_null());
    json_object_set_new(out, "role", row.role[0] ? json_string(row.role) : json_null());
    return otw_http_json(resp, 200, out);
}

static int h_unset(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_store *st;
    struct otw_err err;
    uint8_t key[16], kl;
    int r;

    if (key_of(req, resp, key, &kl) != 0)
        return 0;
    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    r = otw_store_asset_label_unset(st, key, kl, &err);
    if (r == OTW_ENOTFOUND) {
        struct otw_assets *a = otw_assets_load_labels(st, otw_api_config(req), &err);
        const char *name, *role;
        bool from_file = a != NULL && kl == 16 && otw_assets_name_role(a, key, &name, &role);

        otw_assets_free(a);
        return otw_http_error(resp, 404, "not_found",
                              json_pack("{s:s,s:b}", "key", req->params[0], "settings_file",
                                        from_file),
                              from_file ? "the name and role of %s come from the settings "
                                          "file: edit its `asset` line"
                                        : "no name or role was given to %s",
                              req->params[0]);
    }
    if (r != 0)
        return otw_http_store_error(resp, &err);
    return otw_http_json(resp, 200,
                         json_pack("{s:s,s:b}", "key", req->params[0], "removed", 1));
}

/* --- GET /api/status ------------------------------------------------------------------- */

struct pfring {
    struct otw_pcapfile v[STATUS_FILES];
    size_t n, next;
};

static int on_pcapfile(void *ctx, const struct otw_pcapfile *f)
{
    struct pfring *r = ctx;

    /* oldest first: keep the last STATUS_FILES */
    r->v[r->next] = *f;
    r->next = (r->next + 1) % STATUS_FILES;
    if (r->n < STATUS_FILES)
        r->n++;
    return 0;
}

static int on_file(void *ctx, const struct otw_file_info *f)
{
    json_t *arr = ctx;
    json_t *o = json_object();

    json_object_set_new(o, "path", json_string(f->path));
    set_str(o, "point", f->point);
    json_object_set_new(o, "format", json_string(f->format));
    json_object_set_new(o, "bytes", json_integer(f->size));
    json_object_set_new(o, "status", json_string(otw_file_status_name(f->status)));
    set_str(o, "error", f->error);
    json_object_set_new(o, "imported_us", json_integer(f->imported_at_us));
    json_object_set_new(o, "packets", json_integer((json_int_t)f->packets));
    json_object_set_new(o, "sessions", json_integer((json_int_t)f->sessions));
    json_object_set_new(o, "first_us", f->first_us ? json_integer(f->first_us) : json_null());
    json_object_set_new(o, "last_us", f->last_us ? json_integer(f->last_us) : json_null());
    json_array_append_new(arr, o);
    return 0;
}

static json_t *rate_json(double r)
{
    return r < 0 ? json_null() : json_real(r);
}

static int h_status(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_session_query q;
    struct otw_capstatus *s;
    struct pfring *ring;
    struct otw_store *st;
    struct otw_err err;
    json_t *out, *ifs, *files, *pfs;
    const char *db;
    int64_t nsess = 0;

    if ((st = otw_api_store(req, &err)) == NULL)
        return otw_http_store_error(resp, &err);
    s = malloc(sizeof(*s));
    ring = calloc(1, sizeof(*ring));
    if (s == NULL || ring == NULL) {
        free(s);
        free(ring);
        return otw_http_error(resp, 500, "internal", NULL, "out of memory");
    }
    db = otw_store_path(st);
    memset(&q, 0, sizeof(q));
    files = json_array();
    if (otw_capstatus_read(st, db, s, &err) != 0 ||
        otw_store_sessions_count(st, &q, 0, &nsess, &err) != 0 ||
        otw_store_files_recent(st, STATUS_FILES, on_file, files, &err) != 0) {
        free(s);
        free(ring);
        json_decref(files);
        return otw_http_store_error(resp, &err);
    }
    out = json_object();
    json_object_set_new(out, "now_us", json_integer(otw_now_us()));
    json_object_set_new(out, "database",
                        json_pack("{s:s,s:I,s:I}", "path", db, "bytes",
                                  (json_int_t)s->db_bytes, "wal_bytes",
                                  (json_int_t)s->wal_bytes));
    json_object_set_new(out, "sessions", json_integer(nsess));
    ifs = json_array();
    for (int i = 0; i < s->nifs; i++) {
        const struct otw_iface_status *r = &s->ifs[i];
        json_t *o = json_object();

        json_object_set_new(o, "interface", json_string(r->c.iface));
        set_str(o, "point", r->c.point);
        json_object_set_new(o, "received", json_integer((json_int_t)r->c.received));
        json_object_set_new(o, "dropped", json_integer((json_int_t)r->c.dropped));
        json_object_set_new(o, "ifdropped", json_integer((json_int_t)r->c.ifdropped));
        json_object_set_new(o, "drop_percent", json_real(r->drop_pct));
        json_object_set_new(o, "packets_per_second", rate_json(r->pps));
        json_object_set_new(o, "drops_per_second", rate_json(r->drops_ps));
        json_object_set_new(o, "time_us", json_integer(r->c.ts_us));
        json_object_set_new(o, "started_us", json_integer(r->c.started_us));
        json_object_set_new(o, "rate_since_us",
                            json_integer(r->has_base ? r->base.ts_us : r->c.started_us));
        json_array_append_new(ifs, o);
    }
    json_object_set_new(out, "interfaces", ifs);
    if (s->pf_ok && s->pf_count > 0)
        json_object_set_new(out, "packet_files",
                            json_pack("{s:I,s:I,s:I,s:I,s:I}", "files", (json_int_t)s->pf_count,
                                      "bytes", (json_int_t)s->pf_bytes, "packets",
                                      (json_int_t)s->pf_packets, "first_us",
                                      (json_int_t)s->pf_first, "last_us",
                                      (json_int_t)s->pf_last));
    else
        json_object_set_new(out, "packet_files", json_null());
    /* the latest packet files, newest first */
    pfs = json_array();
    if (s->pf_ok &&
        otw_store_pcapfiles_between(st, 0, INT64_MAX, NULL, false, on_pcapfile, ring, &err) == 0) {
        for (size_t i = 0; i < ring->n; i++) {
            const struct otw_pcapfile *f =
                &ring->v[(ring->next + STATUS_FILES - 1 - i) % STATUS_FILES];
            json_t *o = json_object();

            json_object_set_new(o, "path", json_string(f->path));
            set_str(o, "point", f->point);
            set_str(o, "interface", f->iface);
            json_object_set_new(o, "bytes", json_integer((json_int_t)f->bytes));
            json_object_set_new(o, "packets", json_integer((json_int_t)f->packets));
            json_object_set_new(o, "first_us",
                                f->first_us ? json_integer(f->first_us) : json_null());
            json_object_set_new(o, "last_us",
                                f->last_us ? json_integer(f->last_us) : json_null());
            json_object_set_new(o, "created_us", json_integer(f->created_us));
            json_array_append_new(pfs, o);
        }
    }
    json_object_set_new(out, "pcap_files", pfs);
    json_object_set_new(out, "imported_files", files);
    free(s);
    free(ring);
    return otw_http_json(resp, 200, out);
}

const struct otw_route otw_routes_assets[] = {
    {"GET", "/api/assets", OTW_ACCESS_VIEWER, h_list},
    {"GET", "/api/assets/{}", OTW_ACCESS_VIEWER, h_show},
    {"PUT", "/api/assets/{}", OTW_ACCESS_ADMIN, h_set},
    {"DELETE", "/api/assets/{}", OTW_ACCESS_ADMIN, h_unset},
    {"GET", "/api/status", OTW_ACCESS_VIEWER, h_status},
    {NULL, NULL, 0, NULL},
};
