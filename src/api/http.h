/*
 * http.h - the contract between the web server (server.c, auth.c) and the
 * JSON API handlers (api_*.c). Nothing here names libmicrohttpd: a handler
 * sees one parsed request and fills one response.
 *
 *   browser --HTTPS/HTTP--> libmicrohttpd thread pool --> server.c
 *        server.c: static files (embedded), security headers, body limit,
 *                  login cookie -> user, role check, CSRF check, JSON parse
 *        --> route table (api.h) --> handler(req, resp) --> JSON / file
 *
 * Conventions of the API (docs/API.md is the user's description):
 *   - JSON in and out (jansson). Times are integers, microseconds since the
 *     epoch, named *_us; the browser shows them in its own time zone.
 *   - A host is {"ip": "192.168.10.20", "mac": "...", "name": "scada",
 *     "role": "SCADA server"} (name/role/mac only when known).
 *   - Lists are {"items": [...], "more": bool, ...}.
 *   - Errors are {"error": {"code": "query_syntax", "message": "English
 *     text", ...details}}: the UI translates by code (and shows details such
 *     as "column"); message is for curl users and logs.
 *   - State changes are POST (or PUT/DELETE) with a JSON body; they need the
 *     session's CSRF token in the X-CSRF-Token header (server.c checks it
 *     before the handler runs) and Content-Type: application/json.
 */
#ifndef OTW_HTTP_H
#define OTW_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/common.h"

struct otw_store;
struct otw_config;
struct otw_api;         /* the server: settings, users' sessions (server.c) */

/* The logged-in user of a request. */
struct otw_http_user {
    char name[65];
    char role[16];      /* "admin" or "viewer" */
    char lang[8];       /* "en" or "ja": remembered per user (users.lang) */
    bool admin;
};

#define OTW_HTTP_MAX_PARAMS 4

struct otw_http_req {
    const char *method;             /* "GET", "POST", "PUT", "DELETE" */
    const char *path;               /* "/api/alerts/12/ack" (no query string) */
    const char *params[OTW_HTTP_MAX_PARAMS];   /* what each {} of the route matched */
    const char *body;               /* request body, NUL-terminated ("" when none) */
    size_t body_len;
    json_t *json;                   /* the body parsed (POST/PUT/DELETE with a body), or NULL */
    const struct otw_http_user *user;   /* NULL only on OTW_ACCESS_PUBLIC routes */
    struct otw_api *api;
    void *conn;                     /* server.c's: for otw_http_arg() */
};

struct otw_http_resp {
    int status;                     /* 200 unless set */
    char *body;                     /* malloc'd, freed by the server */
    size_t len;
    const char *ctype;              /* static string; default application/json */
    int fd;                         /* >= 0: send this file instead of body (server closes it) */
    int64_t fd_size;
    char filename[128];             /* non-empty: Content-Disposition: attachment */
    char set_cookie[512];           /* non-empty: a Set-Cookie header (auth.c) */
};

/* A query-string argument ("/api/sessions?expr=...&limit=50"), decoded; NULL when absent. */
const char *otw_http_arg(const struct otw_http_req *req, const char *name);
/* A request header ("X-CSRF-Token"; any case); NULL when absent. */
const char *otw_http_header(const struct otw_http_req *req, const char *name);
/* An integer argument: def when absent; OTW_EINVAL (after filling resp with
 * a 400 "bad_argument" error naming it) when not an integer in [min, max]. */
int otw_http_arg_int(const struct otw_http_req *req, struct otw_http_resp *resp, const char *name,
                     int64_t def, int64_t min, int64_t max, int64_t *out);

/* Fills resp with JSON (takes the reference of j). Returns 0. */
int otw_http_json(struct otw_http_resp *resp, int status, json_t *j);
/* Fills resp with {"error": {"code": code, "message": printf(fmt, ...)}} plus
 * the members of details (may be NULL; its reference is taken). Returns 0. */
int otw_http_error(struct otw_http_resp *resp, int status, const char *code, json_t *details,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Sends an open file (a pcap built in a temporary file): resp takes fd. */
int otw_http_file(struct otw_http_resp *resp, int fd, int64_t size, const char *ctype,
                  const char *filename);

/* The calling thread's store handle (opened on first use, kept for the
 * thread's life; SQLite handles are per thread). NULL with err on failure. */
struct otw_store *otw_api_store(struct otw_http_req *req, struct otw_err *err);
/* The settings file the server was started with (NULL: none). */
const struct otw_config *otw_api_config(const struct otw_http_req *req);
const char *otw_api_config_path(const struct otw_http_req *req);
/* The packet directory (--pcap-dir) for packet downloads; NULL: the store's default. */
const char *otw_api_pcap_dir(const struct otw_http_req *req);

/* Fills resp with a 500 "store" error from err. Returns 0. */
int otw_http_store_error(struct otw_http_resp *resp, const struct otw_err *err);

/* Who may call a route. */
enum otw_access {
    OTW_ACCESS_VIEWER = 0,  /* any logged-in user */
    OTW_ACCESS_ADMIN,       /* admins only: 403 "forbidden" for viewers */
    OTW_ACCESS_PUBLIC,      /* no login (login itself, first-run set-up, health) */
    OTW_ACCESS_NODE,        /* another node (issue 8): no login; the header
                             * "Authorization: Bearer <sensor.token>" (compared in
                             * constant time), else 401 "node_token"; 403
                             * "node_requests_off" when this node has no sensor.token */
};

typedef int (*otw_http_handler)(struct otw_http_req *req, struct otw_http_resp *resp);

/* One route: method and a pattern where {} matches one path segment
 * ("/api/alerts/{}/ack"). Tables end with a {NULL} entry. */
struct otw_route {
    const char *method;
    const char *pattern;
    enum otw_access access;
    otw_http_handler fn;
};

#endif
