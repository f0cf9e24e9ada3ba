/*
 * server.c - the web server of `otwatch serve` and `otwatch capture
 * --serve`: libmicrohttpd with its own thread pool, the UI's files
 * (compiled in), and the front door of the JSON API (http.h, api.h).
 *
 *   a connection, in one of MHD's threads -> on_request():
 *     the body is gathered (at most BODY_MAX bytes: 413 "too_large")
 *     /api/...   the route: method + pattern ({} = one segment) in
 *                otw_api_tables (404 "not_found", 405 "method_not_allowed")
 *                -> the login cookie's session (auth.c) -> the user, read
 *                   again from the store each time (a removed user or a
 *                   changed role counts at once)
 *                -> not logged in: 401 "login_required"; not GET and no
 *                   right X-CSRF-Token: 403 "csrf"; a viewer on an admin
 *                   route: 403 "forbidden"
 *                -> not GET: Content-Type application/json (415), the body
 *                   parsed (400 "bad_json")
 *                -> the handler fills a response: JSON or a file
 *     else       an embedded file (webassets.h): "/" is /index.html;
 *                anything else unknown is 404
 *   Every answer carries the security headers (a CSP without inline
 *   script, nosniff, no framing, no referrer; HSTS under TLS); API answers
 *   are not cached.
 *
 * Threads: MHD's pool (--threads) runs the handlers. Each thread opens its
 * own store handle on first use (a pthread key; closed when the thread
 * ends, at otw_api_stop). The sessions live in auth.c behind a mutex; the
 * settings are read once at start and only read after that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/server.h"
#include "api/webassets.h"
#include "core/config.h"
#include "detect/schedule.h"
#include "store/store.h"

#define DEFAULT_LISTEN "127.0.0.1:8005"
#define DEFAULT_THREADS 4
#define MAX_THREADS 64
#define BODY_MAX (1024 * 1024)          /* request bodies: 413 above */
#define PEM_MAX (1024 * 1024)           /* certificate and key files */
#define CONN_LIMIT 256
#define CONN_TIMEOUT_S 60

static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

/* Every route table (api.h), walked in this order for each /api/ request. */
const struct otw_route *const otw_api_tables[] = {
    otw_routes_auth, otw_routes_sessions, otw_routes_graph, otw_routes_assets,
    otw_routes_alerts, otw_routes_baseline, otw_routes_daily, NULL,
};

struct otw_api {
    struct MHD_Daemon *d;
    char *db;
    char *config_path;              /* NULL: no settings file */
    struct otw_config *config;
    char *pcap_dir;
    bool tls;
    char *cert, *key;               /* PEM text; the key is wiped at stop */
    size_t key_len;
    pthread_key_t store_key;        /* each thread's store handle */
    bool store_key_made;
    struct otw_auth *auth;
    bool loopback_only;             /* listening on a loopback address */
    char mhd_msg[256];              /* MHD's last message while starting */
    bool started;
};

/* One request, from its first call to on_completed(). */
struct reqctx {
    struct otw_api *api;
    struct MHD_Connection *conn;
    char *body;                     /* NUL-terminated */
    size_t len, cap;
    bool too_large;
    char *parbuf;                   /* what the route's {} matched */
    bool logged_in;
    char token[OTW_TOKEN_HEX + 1];
    char csrf[OTW_TOKEN_HEX + 1];
    struct otw_http_user user;
    char client[INET6_ADDRSTRLEN];
};

/* --- addresses ------------------------------------------------------------------------------ */

struct listen_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    bool v6;
    bool loopback;
    bool any;                       /* 0.0.0.0 or [::] */
};

static bool v4_loopback(const struct in_addr *a)
{
    return (ntohl(a->s_addr) >> 24) == 127;
}

static bool v6_loopback(const struct in6_addr *a)
{
    if (IN6_IS_ADDR_LOOPBACK(a))
        return true;
    if (IN6_IS_ADDR_V4MAPPED(a)) {
        struct in_addr v4;
        memcpy(&v4, &a->s6_addr[12], 4);
        return v4_loopback(&v4);
    }
    return false;
}

/*
 * Whether a Host header names this machine's loopback: localhost,
 * 127.x.x.x or [::1], with or without a port. A page of another site
 * whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its
 * own name, so it is turned away before it reaches a loopback-only server
 * or the first-run set-up.
 */
static bool host_loopback(const char *h)
{
    char name[64];
    size_t n;

    if (h == NULL)
        return false;
    if (h[0] == '[') {
        struct in6_addr a;
        n = strcspn(h + 1, "]");
        if (h[1 + n] != ']' || n >= sizeof(name) || (h[2 + n] != '\0' && h[2 + n] != ':'))
            return false;
        memcpy(name, h + 1, n);
        name[n] = '\0';
        return inet_pton(AF_INET6, name, &a) == 1 && v6_loopback(&a);
    }
    n = strcspn(h, ":");
    if (n == 0 || n >= sizeof(name))
        return false;
    memcpy(name, h, n);
    name[n] = '\0';
    if (strcasecmp(name, "localhost") == 0 || strcasecmp(name, "localhost.") == 0)
        return true;
    {
        struct in_addr a;
        return inet_pton(AF_INET, name, &a) == 1 && v4_loopback(&a);
    }
}

/* "127.0.0.1:8005", "[::1]:8005", "0.0.0.0:8443", "localhost:8005". */
static int parse_listen(const char *s, struct listen_addr *la, struct otw_err *err)
{
    char host[64];
    const char *port, *end;
    size_t hl;
    char *pe;
    long p;

    memset(la, 0, sizeof(*la));
    if (s[0] == '[') {
        end = strchr(s, ']');
        if (end == NULL || end[1] != ':')
            goto bad;
        hl = (size_t)(end - s - 1);
        port = end + 2;
        s++;
        la->v6 = true;
    } else {
        end = strrchr(s, ':');
        if (end == NULL || strchr(s, ':') != end)
            goto bad;
        hl = (size_t)(end - s);
        port = end + 1;
    }
    if (hl == 0 || hl >= sizeof(host))
        goto bad;
    memcpy(host, s, hl);
    host[hl] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    errno = 0;
    p = strtol(port, &pe, 10);
    if (port[0] < '0' || port[0] > '9' || *pe != '\0' || errno != 0 || p < 1 || p > 65535)
        goto bad;
    if (la->v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&la->ss;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            goto bad;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)p);
        la->len = sizeof(*a);
        la->loopback = v6_loopback(&a->sin6_addr);
        la->any = IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&la->ss;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            goto bad;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)p);
        la->len = sizeof(*a);
        la->loopback = v4_loopback(&a->sin_addr);
        la->any = a->sin_addr.s_addr == htonl(INADDR_ANY);
    }
    return 0;
bad:
    otw_err_set(err, -1, "--listen '%.100s': expected ADDRESS:PORT with a numeric address and a "
                "port 1-65535, e.g. 127.0.0.1:8005, [::1]:8005 or 0.0.0.0:8443", s);
    return OTW_EINVAL;
}

/* A bound, listening, non-blocking socket; -1 with err. */
static int open_listener(const struct listen_addr *la, const char *text, struct otw_err *err)
{
    int fd = socket(la->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int on = 1, off = 0;

    if (fd < 0) {
        otw_err_set(err, -1, "cannot listen on %s: %s", text, strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (la->v6)     /* [::] takes IPv4 too; a specific address only itself */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, la->any ? &off : &on, sizeof(on));
    if (bind(fd, (const struct sockaddr *)&la->ss, la->len) != 0 || listen(fd, 128) != 0) {
        otw_err_set(err, -1, "cannot listen on %s: %s", text, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* --- TLS files -------------------------------------------------------------------------------- */

/* The whole file, NUL-terminated, in *out (freed by the caller). */
static int read_pem(const char *what, const char *path, char **out, size_t *len,
                    struct otw_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n;

    *out = NULL;
    if (f == NULL) {
        otw_err_set(err, -1, "%s %s: cannot read: %s", what, path, strerror(errno));
        return OTW_EINVAL;
    }
    buf = malloc(PEM_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    n = fread(buf, 1, PEM_MAX + 1, f);
    if (ferror(f) || n > PEM_MAX || n == 0) {
        otw_err_set(err, -1, "%s %s: %s", what, path,
                    ferror(f) ? strerror(errno)
                              : n == 0 ? "empty file" : "too large for a PEM file");
        sodium_memzero(buf, PEM_MAX + 1);
        free(buf);
        fclose(f);
        return OTW_EINVAL;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    OTW_UNUSED(buf);
    OTW_UNUSED(size);
    OTW_UNUSED(rwflag);
    OTW_UNUSED(u);
    return -1;
}

/* The certificate and key parse as PEM and belong together. */
static int check_pem(const char *cert, const char *cert_path, const char *key, size_t key_len,
                     const char *key_path, struct otw_err *err)
{
    BIO *b = BIO_new_mem_buf(cert, -1), *k = BIO_new_mem_buf(key, (int)key_len);
    X509 *x = NULL;
    EVP_PKEY *pk = NULL;
    int rc = OTW_EINVAL;

    if (b == NULL || k == NULL) {
        otw_err_set(err, -1, "out of memory");
        rc = OTW_ENOMEM;
        goto out;
    }
    if ((x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) == NULL) {
        otw_err_set(err, -1, "--tls-cert %s: not a PEM certificate (-----BEGIN CERTIFICATE-----)",
                    cert_path);
        goto out;
    }
    if ((pk = PEM_read_bio_PrivateKey(k, NULL, no_passphrase, NULL)) == NULL) {
        otw_err_set(err, -1, "--tls-key %s: not a PEM private key without a passphrase "
                    "(-----BEGIN PRIVATE KEY-----)", key_path);
        goto out;
    }
    if (X509_check_private_key(x, pk) != 1) {
        otw_err_set(err, -1, "--tls-key %s does not belong to the certificate %s", key_path,
                    cert_path);
        goto out;
    }
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(pk);
    BIO_free(b);
    BIO_free(k);
    ERR_clear_error();
    return rc;
}

/* Reads and checks both files; on success *cert and *key hold them. */
static int load_tls(const struct otw_serve_opts *o, char **cert, char **key, size_t *key_len,
                    struct otw_err *err)
{
    size_t clen;
    int rc;

    *cert = *key = NULL;
    if ((rc = read_pem("--tls-cert", o->tls_cert, cert, &clen, err)) != 0)
        return rc;
    if ((rc = read_pem("--tls-key", o->tls_key, key, key_len, err)) == 0)
        rc = check_pem(*cert, o->tls_cert, *key, *key_len, o->tls_key, err);
    if (rc != 0) {
        free(*cert);
        if (*key != NULL) {
            sodium_memzero(*key, *key_len);
            free(*key);
        }
        *cert = *key = NULL;
    }
    return rc;
}

/* --- checks before starting ------------------------------------------------------------------ */

int otw_api_check(const struct otw_serve_opts *o, struct otw_err *err)
{
    const char *listen = o->listen ? o->listen : DEFAULT_LISTEN;
    struct listen_addr la;
    struct otw_store *st;
    int64_t admins = 0;
    int rc;

    if ((rc = parse_listen(listen, &la, err)) != 0)
        return rc;
    if (o->db == NULL || o->db[0] == '\0') {
        otw_err_set(err, -1, "no database given");
        return OTW_EINVAL;
    }
    if (o->threads < 0 || o->threads > MAX_THREADS) {
        otw_err_set(err, -1, "--threads takes 1 to %d, not %d", MAX_THREADS, o->threads);
        return OTW_EINVAL;
    }
    if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
        otw_err_set(err, -1, "--tls-cert and --tls-key go together: give both or neither");
        return OTW_EINVAL;
    }
    if (o->tls_cert != NULL) {
        char *cert, *key;
        size_t klen;

        if ((rc = load_tls(o, &cert, &key, &klen, err)) != 0)
            return rc == OTW_ENOMEM ? rc : OTW_EINVAL;
        free(cert);
        sodium_memzero(key, klen);
        free(key);
    } else if (!la.loopback) {
        otw_err_set(err, -1, "refusing to listen on %s (beyond this machine) without TLS: give "
                    "--tls-cert FILE and --tls-key FILE (PEM), or listen on 127.0.0.1", listen);
        return OTW_EINVAL;
    }
    /* Created (empty) when missing, so the interface shows nothing rather than failing. */
    if (otw_store_remote_get()->sensor_token[0] != '\0' &&
        strlen(otw_store_remote_get()->sensor_token) < 16) {
        otw_err_set(err, -1, "sensor.token is too short to keep the packets safe: give at least "
                    "16 characters (e.g. the output of `openssl rand -hex 32`)");
        return OTW_EINVAL;
    }
    if ((st = otw_store_open(o->db, false, err)) == NULL)
        return OTW_ESTORE;
    rc = otw_store_users_count(st, "admin", &admins, err);
    otw_store_close(st);
    if (rc != 0)
        return rc;
    if (!la.loopback && admins == 0) {
        otw_err_set(err, -1, "refusing to listen on %s (beyond this machine): the database %s "
                    "has no admin user yet, so anyone could set one up. Create one first: "
                    "otwatch user add NAME --role admin --db %s", listen, o->db, o->db);
        return OTW_EINVAL;
    }
    return 0;
}

/* --- responses -------------------------------------------------------------------------------- */

int otw_http_json(struct otw_http_resp *resp, int status, json_t *j)
{
    free(resp->body);
    resp->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    resp->status = status;
    resp->ctype = NULL;
    if (resp->body == NULL) {       /* out of memory (or no value) */
        resp->status = 500;
        resp->body = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
    }
    resp->len = resp->body ? strlen(resp->body) : 0;
    return 0;
}

int otw_http_error(struct otw_http_resp *resp, int status, const char *code, json_t *details,
                   const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    json_t *e = json_object();

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (e != NULL && details != NULL && json_is_object(details))
        json_object_update(e, details);
    json_decref(details);
    if (e != NULL) {
        json_object_set_new(e, "code", json_string(code));
        json_object_set_new(e, "message", json_string(msg));
    }
    return otw_http_json(resp, status, e ? json_pack("{s:o}", "error", e) : NULL);
}

int otw_http_store_error(struct otw_http_resp *resp, const struct otw_err *err)
{
    return otw_http_error(resp, 500, "store", NULL, "database: %s", err->msg);
}

int otw_http_file(struct otw_http_resp *resp, int fd, int64_t size, const char *ctype,
                  const char *filename)
{
    size_t j = 0;

    if (resp->fd >= 0)
        close(resp->fd);
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
    resp->fd = fd;
    resp->fd_size = size;
    resp->ctype = ctype;
    resp->filename[0] = '\0';
    /* Only harmless characters reach the header. */
    for (size_t i = 0; filename != NULL && filename[i] && j + 1 < sizeof(resp->filename); i++) {
        char c = filename[i];
        resp->filename[j++] = (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789._-", c) && c) ? c : '_';
    }
    resp->filename[j] = '\0';
    return 0;
}

/* --- what handlers ask of a request ----------------------------------------------------------- */

const char *otw_http_arg(const struct otw_http_req *req, const char *name)
{
    const struct reqctx *x = req->conn;

    return MHD_lookup_connection_value(x->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *otw_http_header(const struct otw_http_req *req, const char *name)
{
    const struct reqctx *x = req->conn;

    return MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, name);
}

int otw_http_arg_int(const struct otw_http_req *req, struct otw_http_resp *resp, const char *name,
                     int64_t def, int64_t min, int64_t max, int64_t *out)
{
    const char *s = otw_http_arg(req, name);
    char *end;
    long long v;

    if (s == NULL || s[0] == '\0') {
        *out = def;
        return 0;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < min || v > max) {
        otw_http_error(resp, 400, "bad_argument", json_pack("{s:s}", "argument", name),
                       "%s: expected an integer from %lld to %lld", name, (long long)min,
                       (long long)max);
        return OTW_EINVAL;
    }
    *out = v;
    return 0;
}

static void close_store(void *p)
{
    otw_store_close(p);
}

struct otw_store *otw_api_store(struct otw_http_req *req, struct otw_err *err)
{
    struct otw_api *api = req->api;
    struct otw_store *st = pthread_getspecific(api->store_key);

    if (st != NULL)
        return st;
    if ((st = otw_store_open(api->db, false, err)) == NULL)
        return NULL;
    if (pthread_setspecific(api->store_key, st) != 0) {
        otw_store_close(st);
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    return st;
}

const struct otw_config *otw_api_config(const struct otw_http_req *req)
{
    return req->api->config;
}

const char *otw_api_config_path(const struct otw_http_req *req)
{
    return req->api->config_path;
}

const char *otw_api_pcap_dir(const struct otw_http_req *req)
{
    return req->api->pcap_dir;
}

struct otw_auth *otw_api_auth(const struct otw_http_req *req)
{
    return req->api->auth;
}

const char *otw_api_session_token(const struct otw_http_req *req)
{
    const struct reqctx *x = req->conn;

    return x->logged_in ? x->token : NULL;
}

const char *otw_api_session_csrf(const struct otw_http_req *req)
{
    const struct reqctx *x = req->conn;

    return x->logged_in ? x->csrf : NULL;
}

bool otw_api_host_loopback(const struct otw_http_req *req)
{
    return host_loopback(otw_http_header(req, "Host"));
}

bool otw_api_tls(const struct otw_http_req *req)
{
    return req->api->tls;
}

const char *otw_api_client(const struct otw_http_req *req, bool *loopback)
{
    struct reqctx *x = req->conn;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(x->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    *loopback = false;
    snprintf(x->client, sizeof(x->client), "?");
    if (sa != NULL && sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, x->client, sizeof(x->client));
        *loopback = v4_loopback(&a->sin_addr);
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, x->client, sizeof(x->client));
        *loopback = v6_loopback(&a->sin6_addr);
    }
    return x->client;
}

/* --- sending ---------------------------------------------------------------------------------- */

/* For the log: at most 200 printable characters of s. */
static void printable(char *dst, size_t len, const char *s)
{
    size_t j = 0;

    for (size_t i = 0; s[i] && j + 1 < len && i < 200; i++)
        dst[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    dst[j] = '\0';
}

/* One line on stderr for a server-side failure (never a body, a cookie or a password). */
static void log_failure(const char *method, const char *url, const struct otw_http_resp *resp)
{
    char p[256], m[16];
    const char *msg = "";
    json_t *j = resp->body ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;

    if (j != NULL)
        msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    printable(p, sizeof(p), url);
    printable(m, sizeof(m), method);
    fprintf(stderr, "otwatch serve: %s %s: %d %s\n", m, p, resp->status, msg ? msg : "");
    json_decref(j);
}

static void security_headers(struct MHD_Response *r, const struct otw_api *api, bool is_api)
{
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Cache-Control", is_api ? "no-store" : "no-cache");
    if (api->tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

/* Queues resp (and frees what it holds). */
static enum MHD_Result send_resp(struct reqctx *x, struct otw_http_resp *resp, bool is_api,
                                 const char *allow)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (resp->fd >= 0) {
        r = MHD_create_response_from_fd64((uint64_t)OTW_MAX(resp->fd_size, 0), resp->fd);
        if (r == NULL)
            close(resp->fd);
        resp->fd = -1;
        free(resp->body);
        resp->body = NULL;
    } else if (resp->body != NULL) {
        r = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
        if (r == NULL)
            free(resp->body);
        resp->body = NULL;
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", resp->ctype ? resp->ctype : "application/json");
    security_headers(r, x->api, is_api);
    if (resp->filename[0]) {
        char cd[200];
        snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", resp->filename);
        MHD_add_response_header(r, "Content-Disposition", cd);
    }
    if (resp->set_cookie[0])
        MHD_add_response_header(r, "Set-Cookie", resp->set_cookie);
    if (allow != NULL)
        MHD_add_response_header(r, "Allow", allow);
    ret = MHD_queue_response(x->conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct reqctx *x, bool is_api, int status, const char *code,
                                  const char *msg, const char *allow)
{
    struct otw_http_resp resp = {.status = status, .fd = -1};

    otw_http_error(&resp, status, code, NULL, "%s", msg);
    return send_resp(x, &resp, is_api, allow);
}

/* --- the API ---------------------------------------------------------------------------------- */

/* pattern ("/api/alerts/{}/ack") against path; {} takes one non-empty segment. */
static bool match(const char *pat, const char *path, char *buf, size_t buflen,
                  const char **params)
{
    size_t used = 0;
    int np = 0;

    while (*pat && *path) {
        if (pat[0] == '{' && pat[1] == '}') {
            size_t n = strcspn(path, "/");
            if (n == 0 || np >= OTW_HTTP_MAX_PARAMS || used + n + 1 > buflen)
                return false;
            memcpy(buf + used, path, n);
            buf[used + n] = '\0';
            params[np++] = buf + used;
            used += n + 1;
            pat += 2;
            path += n;
        } else if (*pat++ != *path++) {
            return false;
        }
    }
    return *pat == '\0' && *path == '\0';
}

static bool is_json_type(const char *ct)
{
    static const char want[] = "application/json";
    size_t n = sizeof(want) - 1;

    if (ct == NULL || strncasecmp(ct, want, n) != 0)
        return false;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static bool hex_token(const char *s)
{
    return s != NULL && strlen(s) == OTW_TOKEN_HEX &&
           strspn(s, "0123456789abcdef") == OTW_TOKEN_HEX;
}

/* The session of the request's cookie, if any: fills x->user. 0, or <0 (store error in err). */
static int find_user(struct reqctx *x, struct otw_http_req *req, struct otw_err *err)
{
    const char *cookie = MHD_lookup_connection_value(x->conn, MHD_COOKIE_KIND, OTW_SESSION_COOKIE);
    char name[65];
    struct otw_store *st;
    struct otw_user u;
    int rc;

    if (!hex_token(cookie) || otw_auth_session(x->api->auth, cookie, name, x->csrf) != 1)
        return 0;
    if ((st = otw_api_store(req, err)) == NULL)
        return OTW_ESTORE;
    rc = otw_store_user_get(st, name, &u, err);
    if (rc == OTW_ENOTFOUND) {          /* removed while logged in */
        otw_auth_end_user(x->api->auth, name, NULL);
        return 0;
    }
    if (rc != 0)
        return rc;
    memset(&x->user, 0, sizeof(x->user));
    snprintf(x->user.name, sizeof(x->user.name), "%s", u.name);
    snprintf(x->user.role, sizeof(x->user.role), "%s", u.role);
    snprintf(x->user.lang, sizeof(x->user.lang), "%s", strcmp(u.lang, "ja") == 0 ? "ja" : "en");
    x->user.admin = strcmp(u.role, "admin") == 0;
    snprintf(x->token, sizeof(x->token), "%s", cookie);
    x->logged_in = true;
    req->user = &x->user;
    sodium_memzero(&u, sizeof(u));
    return 0;
}

/*
 * A request of another node (OTW_ACCESS_NODE: a central viewer asking this
 * sensor for packets): the shared secret sensor.token as a bearer token.
 * Both sides are hashed first, so the comparison takes the same time
 * whatever the length or the first differing byte. 0 accepted, 401 wrong
 * or missing (logged with the client's address), 403 no token set here.
 */
static int node_auth(struct reqctx *x)
{
    const char *want = otw_store_remote_get()->sensor_token;
    const char *h = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Authorization");
    unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
    struct otw_http_req req = {.api = x->api, .conn = x};
    bool loop;

    if (want[0] == '\0')
        return 403;
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
        for (h += 7; *h == ' '; h++)
            ;
        crypto_generichash(a, sizeof(a), (const unsigned char *)h, strlen(h), NULL, 0);
        crypto_generichash(b, sizeof(b), (const unsigned char *)want, strlen(want), NULL, 0);
        if (sodium_memcmp(a, b, sizeof(a)) == 0)
            return 0;
    }
    fprintf(stderr, "otwatch serve: packet request from %s refused: %s token\n",
            otw_api_client(&req, &loop), h == NULL ? "no" : "wrong");
    return 401;
}

static enum MHD_Result api_request(struct reqctx *x, const char *url, const char *method)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    const struct otw_route *route = NULL;
    struct otw_http_req req;
    struct otw_http_resp resp = {.status = 200, .fd = -1};
    struct otw_err err;
    char allow[64] = "";
    size_t buflen = strlen(url) + OTW_HTTP_MAX_PARAMS + 1;
    bool changes = strcmp(m, "GET") != 0;
    enum MHD_Result ret;
    int rc;

    memset(&req, 0, sizeof(req));
    if ((x->parbuf = malloc(buflen)) == NULL)
        return MHD_NO;
    for (const struct otw_route *const *t = otw_api_tables; *t && route == NULL; t++) {
        for (const struct otw_route *r = *t; r->method != NULL; r++) {
            const char *params[OTW_HTTP_MAX_PARAMS] = {NULL};
            if (!match(r->pattern, url, x->parbuf, buflen, params))
                continue;
            if (strcmp(r->method, m) == 0) {
                route = r;
                memcpy(req.params, params, sizeof(params));
                break;
            }
            if (strlen(allow) + strlen(r->method) + 3 < sizeof(allow) &&
                strstr(allow, r->method) == NULL)
                snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
                         allow[0] ? ", " : "", r->method);
        }
    }
    if (route == NULL) {
        if (allow[0])
            return send_error(x, true, 405, "method_not_allowed", "this method is not allowed here",
                              allow);
        return send_error(x, true, 404, "not_found", "no such API path", NULL);
    }
    req.method = m;
    req.path = url;
    req.body = x->body ? x->body : "";
    req.body_len = x->len;
    req.api = x->api;
    req.conn = x;

    otw_err_clear(&err);
    if (route->access == OTW_ACCESS_NODE) {
        int na = node_auth(x);

        if (na == 403)
            return send_error(x, true, 403, "node_requests_off",
                              "this node takes no packet requests from other nodes "
                              "(no sensor.token in its settings)", NULL);
        if (na != 0)
            return send_error(x, true, 401, "node_token",
                              "missing or wrong \"Authorization: Bearer\" token (sensor.token)",
                              NULL);
    } else if (find_user(x, &req, &err) != 0) {
        otw_http_store_error(&resp, &err);
        goto send;
    }
    if (route->access == OTW_ACCESS_VIEWER || route->access == OTW_ACCESS_ADMIN) {
        if (req.user == NULL)
            return send_error(x, true, 401, "login_required", "log in first (POST /api/login)",
                              NULL);
        if (changes) {
            const char *t = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "X-CSRF-Token");
            if (t == NULL || strlen(t) != OTW_TOKEN_HEX ||
                sodium_memcmp(t, x->csrf, OTW_TOKEN_HEX) != 0)
                return send_error(x, true, 403, "csrf",
                                  "missing or wrong X-CSRF-Token header (GET /api/me gives it)",
                                  NULL);
        }
        if (route->access == OTW_ACCESS_ADMIN && !x->user.admin)
            return send_error(x, true, 403, "forbidden", "only an admin may do this", NULL);
    }
    if (changes) {
        json_error_t je;
        if (!is_json_type(MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Content-Type")))
            return send_error(x, true, 415, "unsupported_media_type",
                              "send the body as Content-Type: application/json", NULL);
        if (x->len > 0 && (req.json = json_loadb(x->body, x->len, 0, &je)) == NULL) {
            otw_http_error(&resp, 400, "bad_json",
                           json_pack("{s:i,s:i}", "line", je.line, "column", je.column),
                           "the body is not JSON: %s", je.text);
            goto send;
        }
    }
    rc = route->fn(&req, &resp);
    json_decref(req.json);
    if (rc < 0 && resp.body == NULL && resp.fd < 0)
        otw_http_error(&resp, 500, "internal", NULL, "the request failed (%d)", rc);
send:
    if (resp.status >= 500)
        log_failure(method, url, &resp);
    ret = send_resp(x, &resp, true, NULL);
    return ret;
}

/* --- the UI's files --------------------------------------------------------------------------- */

static enum MHD_Result static_request(struct reqctx *x, const char *url, const char *method)
{
    const char *path = strcmp(url, "/") == 0 ? "/index.html" : url;
    struct otw_http_resp resp = {.status = 200, .fd = -1};
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_error(x, false, 405, "method_not_allowed", "only GET here", "GET, HEAD");
    for (const struct otw_webasset *a = otw_webassets; a->path != NULL; a++) {
        if (strcmp(a->path, path) != 0)
            continue;
        r = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, "Content-Type", a->ctype);
        security_headers(r, x->api, false);
        ret = MHD_queue_response(x->conn, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    otw_http_error(&resp, 404, "not_found", NULL, "no such file");
    return send_resp(x, &resp, false, NULL);
}

/* --- libmicrohttpd's callbacks ---------------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    struct otw_api *api = cls;
    struct reqctx *x = *con_cls;
    bool is_api;

    OTW_UNUSED(version);
    is_api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
    if (x == NULL) {                /* the headers are in; the body (if any) follows */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");

        if ((x = calloc(1, sizeof(*x))) == NULL)
            return MHD_NO;
        x->api = api;
        x->conn = conn;
        *con_cls = x;
        if (cl != NULL && strtoull(cl, NULL, 10) > BODY_MAX) {
            x->too_large = true;
            return send_error(x, is_api, 413, "too_large", "the request body is too large", NULL);
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        size_t n = *upload_size;

        *upload_size = 0;
        if (x->too_large)
            return MHD_YES;
        if (x->len + n > BODY_MAX) {
            x->too_large = true;
            free(x->body);
            x->body = NULL;
            x->len = x->cap = 0;
            return MHD_YES;
        }
        if (x->len + n + 1 > x->cap) {
            size_t cap = OTW_MAX(x->cap * 2, x->len + n + 1);
            char *b = realloc(x->body, OTW_MIN(cap, (size_t)BODY_MAX + 1));
            if (b == NULL)
                return MHD_NO;
            x->body = b;
            x->cap = OTW_MIN(cap, (size_t)BODY_MAX + 1);
        }
        memcpy(x->body + x->len, upload, n);
        x->len += n;
        x->body[x->len] = '\0';
        return MHD_YES;
    }
    if (x->too_large)
        return send_error(x, is_api, 413, "too_large", "the request body is too large", NULL);
    if (api->loopback_only) {
        const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
        if (host != NULL && !host_loopback(host))
            return send_error(x, is_api, 400, "bad_host", "this server answers only to "
                              "localhost, 127.0.0.1 or [::1] in the Host header", NULL);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "POST") != 0 &&
        strcmp(method, "PUT") != 0 && strcmp(method, "DELETE") != 0)
        return send_error(x, is_api, 405, "method_not_allowed", "this method is not allowed",
                          "GET, HEAD, POST, PUT, DELETE");
    return is_api ? api_request(x, url, method) : static_request(x, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct reqctx *x = *con_cls;

    OTW_UNUSED(cls);
    OTW_UNUSED(conn);
    OTW_UNUSED(toe);
    if (x == NULL)
        return;
    if (x->body != NULL) {          /* may hold a password */
        sodium_memzero(x->body, x->cap);
        free(x->body);
    }
    free(x->parbuf);
    sodium_memzero(x, sizeof(*x));
    free(x);
    *con_cls = NULL;
}

/*
 * Percent-decoding of the path and the query arguments, as MHD's own but
 * for two things: '+' is a space (URLSearchParams writes spaces so), and
 * %00 stays as it is: a NUL would cut the string short, so that
 * "/index.html%00.js" would name /index.html.
 */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    char *w = s;
    const char *r = s;

    OTW_UNUSED(cls);
    OTW_UNUSED(conn);
    while (*r) {
        int hi, lo;
        if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 &&
            (hi | lo) != 0) {
            *w++ = (char)(hi << 4 | lo);
            r += 3;
        } else if (*r == '+') {
            *w++ = ' ';
            r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct otw_api *api = cls;

    if (api->started)               /* bad clients are not news */
        return;
    vsnprintf(api->mhd_msg, sizeof(api->mhd_msg), fmt, ap);
    api->mhd_msg[strcspn(api->mhd_msg, "\n")] = '\0';
}

/* --- start and stop --------------------------------------------------------------------------- */

static int load_config(struct otw_api *api, const char *path, struct otw_err *err)
{
    bool must = true;

    if ((api->config = otw_config_new()) == NULL) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    if (path == NULL || path[0] == '\0') {
        path = getenv("OTWATCH_CONFIG");
        if (path == NULL || path[0] == '\0') {
            path = OTW_DEFAULT_CONFIG;
            must = false;
        }
    }
    if (!must && access(path, F_OK) != 0)
        return 0;                   /* no settings file: defaults */
    if ((api->config_path = strdup(path)) == NULL) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    return otw_config_load(api->config, path, must, err);
}

struct otw_api *otw_api_start(const struct otw_serve_opts *o, struct otw_err *err)
{
    const char *listen = o->listen ? o->listen : DEFAULT_LISTEN;
    struct otw_api *api;
    struct listen_addr la;
    struct MHD_OptionItem ops[16];
    unsigned threads = o->threads > 0 ? (unsigned)o->threads : DEFAULT_THREADS;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    sigset_t block, old;
    int fd, n = 0;

    if (sodium_init() < 0) {
        otw_err_set(err, -1, "libsodium failed to initialise");
        return NULL;
    }
    if (otw_api_check(o, err) != 0 || parse_listen(listen, &la, err) != 0)
        return NULL;
    if ((api = calloc(1, sizeof(*api))) == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    if ((api->db = strdup(o->db)) == NULL ||
        (o->pcap_dir != NULL && (api->pcap_dir = strdup(o->pcap_dir)) == NULL)) {
        otw_err_set(err, -1, "out of memory");
        goto fail;
    }
    if (load_config(api, o->config, err) != 0)
        goto fail;
    if (o->set_plant_tz &&
        otw_plant_tz_set(otw_config_get(api->config, "plant.timezone"), err) != 0)
        goto fail;
    if ((api->auth = otw_auth_new(err)) == NULL)
        goto fail;
    if (pthread_key_create(&api->store_key, close_store) != 0) {
        otw_err_set(err, -1, "cannot create a thread key");
        goto fail;
    }
    api->store_key_made = true;
    if (o->tls_cert != NULL) {
        if (load_tls(o, &api->cert, &api->key, &api->key_len, err) != 0)
            goto fail;
        api->tls = true;
        flags |= MHD_USE_TLS;
    }
    if ((fd = open_listener(&la, listen, err)) < 0)
        goto fail;

    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
    if (threads > 1)
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, threads, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT_S, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, api};
    if (api->tls) {
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, api->cert};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, api->key};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                           (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"};
    }
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* MHD's threads inherit this mask: Ctrl-C and SIGTERM go to the main
     * thread, which stops the server; a peer closing a socket early must
     * not kill the process (SIGPIPE). */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    api->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, api, MHD_OPTION_ARRAY, ops,
                              MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (api->d == NULL) {
        close(fd);
        otw_err_set(err, -1, "cannot start the web server on %s%s%s", listen,
                    api->mhd_msg[0] ? ": " : "", api->mhd_msg);
        goto fail;
    }
    api->loopback_only = la.loopback;
    api->started = true;
    return api;
fail:
    otw_api_stop(api);
    return NULL;
}

void otw_api_stop(struct otw_api *api)
{
    if (api == NULL)
        return;
    if (api->d != NULL)
        MHD_stop_daemon(api->d);    /* joins the threads: their store handles close */
    if (api->store_key_made)
        pthread_key_delete(api->store_key);
    otw_auth_free(api->auth);
    otw_config_free(api->config);
    if (api->key != NULL) {
        sodium_memzero(api->key, api->key_len);
        free(api->key);
    }
    free(api->cert);
    free(api->config_path);
    free(api->pcap_dir);
    free(api->db);
    free(api);
}
