/*
 * auth.c - who may use the web interface (otw_routes_auth): logging in and
 * out, the first administrator, each user's language, the administration
 * of users, and the login sessions server.c checks on every request.
 *
 * Sessions: a random 32-byte token (hex) in the cookie otw_session
 * (HttpOnly, SameSite=Strict, Secure under TLS) and a second random token
 * for CSRF, which the page sends back in X-CSRF-Token. Both live only in
 * this process's memory (SESS_MAX of them, the least recently used goes
 * first); a session ends after 8 h unused or 24 h in all, at logout, when
 * its user is removed or gets a new password. A new login always gets new
 * tokens.
 *
 * Passwords: checked with crypto_pwhash_str_verify (Argon2id, libsodium;
 * the hashes `otwatch user` writes). An unknown user is checked against a
 * dummy hash so both failures take as long and answer the same 401
 * "bad_login". After FAIL_FREE failures for one user from one address,
 * that pair is locked out for 30 s, doubling with each further failure up
 * to 15 min (429 "too_many_attempts"); a success clears it. An address
 * trying many names is locked out the same way after FAIL_FREE_ADDR
 * failures in all.
 *
 * Users: the rules of names, roles and passwords are the store's
 * (otw_user_name_ok and friends, shared with `otwatch user`). Changes that
 * could leave no admin, and the first-run set-up, run one at a time under
 * users_mu.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/server.h"
#include "store/store.h"

#define SESS_MAX 1024
#define IDLE_US (8LL * 3600 * 1000000)
#define LIFE_US (24LL * 3600 * 1000000)
#define FAIL_MAX 1024
#define FAIL_FREE 5                     /* failures of one name from one address before a lockout */
#define FAIL_FREE_ADDR 20               /* failures of any names from one address */
#define LOCK_US (30LL * 1000000)        /* the first lockout; doubles */
#define LOCK_MAX_US (15LL * 60 * 1000000)
#define FAIL_FORGET_US (3600LL * 1000000)

struct sess {
    bool used;
    char token[OTW_TOKEN_HEX + 1];
    char csrf[OTW_TOKEN_HEX + 1];
    char name[OTW_USER_NAME_MAX + 1];
    int64_t created_us, used_us;
};

/* Failed logins of one user name from one address. */
struct fail {
    char key[OTW_USER_NAME_MAX + 2 + 64];   /* "name address" */
    unsigned n;
    int64_t last_us;
};

struct otw_auth {
    pthread_mutex_t mu;                 /* sessions and failures */
    pthread_mutex_t users_mu;           /* set-up and admin-count-sensitive changes */
    struct sess s[SESS_MAX];
    struct fail f[FAIL_MAX];
    char dummy[crypto_pwhash_STRBYTES]; /* what unknown users are checked against */
};

static int64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void random_hex(char out[OTW_TOKEN_HEX + 1])
{
    unsigned char b[OTW_TOKEN_HEX / 2];

    randombytes_buf(b, sizeof(b));
    sodium_bin2hex(out, OTW_TOKEN_HEX + 1, b, sizeof(b));
    sodium_memzero(b, sizeof(b));
}

static int hash_password(const char *pw, size_t len, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : OTW_ENOMEM;
}

struct otw_auth *otw_auth_new(struct otw_err *err)
{
    struct otw_auth *a = calloc(1, sizeof(*a));
    char pw[OTW_TOKEN_HEX + 1];

    if (a == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->users_mu, NULL);
    random_hex(pw);
    if (hash_password(pw, strlen(pw), a->dummy) != 0) {
        otw_err_set(err, -1, "out of memory (password hashing)");
        otw_auth_free(a);
        return NULL;
    }
    return a;
}

void otw_auth_free(struct otw_auth *a)
{
    if (a == NULL)
        return;
    pthread_mutex_destroy(&a->mu);
    pthread_mutex_destroy(&a->users_mu);
    sodium_memzero(a, sizeof(*a));
    free(a);
}

/* --- sessions --------------------------------------------------------------------------------- */

static bool expired(const struct sess *s, int64_t now)
{
    return now - s->used_us > IDLE_US || now - s->created_us > LIFE_US;
}

int otw_auth_session(struct otw_auth *a, const char *token, char name[65],
                     char csrf[OTW_TOKEN_HEX + 1])
{
    int64_t now = mono_us();
    int found = 0;

    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < SESS_MAX; i++) {
        struct sess *s = &a->s[i];
        if (!s->used || sodium_memcmp(s->token, token, OTW_TOKEN_HEX) != 0)
            continue;
        if (expired(s, now)) {
            sodium_memzero(s, sizeof(*s));
            break;
        }
        s->used_us = now;
        memcpy(name, s->name, sizeof(s->name));
        memcpy(csrf, s->csrf, sizeof(s->csrf));
        found = 1;
        break;
    }
    pthread_mutex_unlock(&a->mu);
    return found;
}

/* A new session for name: its tokens copied out. */
static void session_new(struct otw_auth *a, const char *name, char token[OTW_TOKEN_HEX + 1],
                        char csrf[OTW_TOKEN_HEX + 1])
{
    int64_t now = mono_us();
    struct sess *slot = NULL;

    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < SESS_MAX; i++) {
        struct sess *s = &a->s[i];
        if (!s->used || expired(s, now)) {
            slot = s;
            break;
        }
        if (slot == NULL || s->used_us < slot->used_us)
            slot = s;                   /* full: the least recently used goes */
    }
    memset(slot, 0, sizeof(*slot));
    slot->used = true;
    random_hex(slot->token);
    random_hex(slot->csrf);
    snprintf(slot->name, sizeof(slot->name), "%s", name);
    slot->created_us = slot->used_us = now;
    memcpy(token, slot->token, sizeof(slot->token));
    memcpy(csrf, slot->csrf, sizeof(slot->csrf));
    pthread_mutex_unlock(&a->mu);
}

static void session_end(struct otw_auth *a, const char *token)
{
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < SESS_MAX; i++)
        if (a->s[i].used && sodium_memcmp(a->s[i].token, token, OTW_TOKEN_HEX) == 0)
            sodium_memzero(&a->s[i], sizeof(a->s[i]));
    pthread_mutex_unlock(&a->mu);
}

void otw_auth_end_user(struct otw_auth *a, const char *name, const char *keep)
{
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < SESS_MAX; i++) {
        struct sess *s = &a->s[i];
        if (s->used && strcmp(s->name, name) == 0 &&
            (keep == NULL || sodium_memcmp(s->token, keep, OTW_TOKEN_HEX) != 0))
            sodium_memzero(s, sizeof(*s));
    }
    pthread_mutex_unlock(&a->mu);
}

/* --- failed logins ---------------------------------------------------------------------------- */

/* How long (µs) the key is still locked out after `limit` failures; 0: not. */
static int64_t fail_locked(struct otw_auth *a, const char *key, unsigned limit)
{
    int64_t now = mono_us(), left = 0;

    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < FAIL_MAX; i++) {
        struct fail *f = &a->f[i];
        if (f->n < limit || strcmp(f->key, key) != 0)
            continue;
        int64_t lock = LOCK_US << OTW_MIN(f->n - limit, 10u);
        lock = OTW_MIN(lock, LOCK_MAX_US);
        if (now - f->last_us < lock)
            left = lock - (now - f->last_us);
        break;
    }
    pthread_mutex_unlock(&a->mu);
    return left;
}

/* Counts a failure; returns the pair's count. */
static unsigned fail_note(struct otw_auth *a, const char *key)
{
    int64_t now = mono_us();
    struct fail *slot = NULL;
    unsigned n;

    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < FAIL_MAX; i++) {
        struct fail *f = &a->f[i];
        if (f->n > 0 && strcmp(f->key, key) == 0) {
            slot = f;
            break;
        }
    }
    if (slot == NULL) {
        for (size_t i = 0; i < FAIL_MAX; i++) {
            struct fail *f = &a->f[i];
            if (f->n == 0 || now - f->last_us > FAIL_FORGET_US) {
                slot = f;
                break;
            }
            if (slot == NULL || f->last_us < slot->last_us)
                slot = f;
        }
        memset(slot, 0, sizeof(*slot));
        snprintf(slot->key, sizeof(slot->key), "%s", key);
    } else if (now - slot->last_us > FAIL_FORGET_US) {
        slot->n = 0;
    }
    n = ++slot->n;
    slot->last_us = now;
    pthread_mutex_unlock(&a->mu);
    return n;
}

static void fail_clear(struct otw_auth *a, const char *key)
{
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < FAIL_MAX; i++)
        if (a->f[i].n > 0 && strcmp(a->f[i].key, key) == 0)
            memset(&a->f[i], 0, sizeof(a->f[i]));
    pthread_mutex_unlock(&a->mu);
}

/* --- answers ---------------------------------------------------------------------------------- */

static json_t *user_json(const struct otw_user *u)
{
    return json_pack("{s:s,s:s,s:s,s:I,s:I}", "name", u->name, "role", u->role, "lang",
                     strcmp(u->lang, "ja") == 0 ? "ja" : "en", "created_us",
                     (json_int_t)u->created_us, "updated_us", (json_int_t)u->updated_us);
}

/* {"user": {name, role, lang, admin}, "csrf": token} */
static int me_answer(struct otw_http_resp *resp, int status, const char *name, const char *role,
                     const char *lang, const char *csrf)
{
    return otw_http_json(resp, status,
                         json_pack("{s:{s:s,s:s,s:s,s:b},s:s}", "user", "name", name, "role",
                                   role, "lang", lang, "admin", strcmp(role, "admin") == 0,
                                   "csrf", csrf));
}

static void set_cookie(struct otw_http_req *req, struct otw_http_resp *resp, const char *token)
{
    snprintf(resp->set_cookie, sizeof(resp->set_cookie),
             "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", OTW_SESSION_COOKIE,
             token ? token : "", token ? "" : "; Max-Age=0", otw_api_tls(req) ? "; Secure" : "");
}

/* A string member of the request's JSON object; NULL when absent or not a string. */
static const char *jstr(const struct otw_http_req *req, const char *key, size_t *len)
{
    json_t *v = json_is_object(req->json) ? json_object_get(req->json, key) : NULL;

    if (!json_is_string(v))
        return NULL;
    if (len != NULL)
        *len = json_string_length(v);
    return json_string_value(v);
}

static bool jhas(const struct otw_http_req *req, const char *key)
{
    return json_is_object(req->json) && json_object_get(req->json, key) != NULL;
}

/* Wipes a password inside the parsed request (jansson's own copy). */
static void wipe(const char *s, size_t len)
{
    if (s != NULL)
        sodium_memzero((char *)s, len);
}

static int need_object(const struct otw_http_req *req, struct otw_http_resp *resp)
{
    if (json_is_object(req->json))
        return 0;
    otw_http_error(resp, 400, "bad_json", NULL, "expected a JSON object in the body");
    return OTW_EINVAL;
}

/* A new password's checks and hash; 0 or an error answer filled. */
static int new_hash(struct otw_http_resp *resp, const char *pw, size_t len,
                    char hash[crypto_pwhash_STRBYTES])
{
    if (pw == NULL || !otw_user_password_ok(len) || memchr(pw, '\0', len) != NULL) {
        otw_http_error(resp, 400, "bad_password", NULL,
                       "the password must be %d to %d bytes (no NUL)", OTW_USER_PASSWORD_MIN,
                       OTW_USER_PASSWORD_MAX);
        return OTW_EINVAL;
    }
    if (hash_password(pw, len, hash) != 0) {
        otw_http_error(resp, 500, "internal", NULL, "hashing the password failed (out of memory)");
        return OTW_ENOMEM;
    }
    return 0;
}

static int bad_name(struct otw_http_resp *resp)
{
    return otw_http_error(resp, 400, "bad_name", NULL,
                          "a user name is 1 to %d characters of A-Z a-z 0-9 . _ @ -",
                          OTW_USER_NAME_MAX);
}

/* --- login, logout, me ------------------------------------------------------------------------ */

static int h_login(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_auth *a = otw_api_auth(req);
    size_t pwlen = 0;
    const char *name = jstr(req, "user", NULL), *pw = jstr(req, "password", &pwlen), *addr;
    char key[sizeof(((struct fail *)0)->key)], akey[sizeof(key)];
    char token[OTW_TOKEN_HEX + 1], csrf[OTW_TOKEN_HEX + 1];
    struct otw_store *st;
    struct otw_user u;
    struct otw_err err;
    bool loopback, ok;
    int64_t left;
    int r;

    if (name == NULL)
        name = jstr(req, "name", NULL);
    if (name == NULL || pw == NULL) {
        wipe(pw, pwlen);
        return otw_http_error(resp, 400, "bad_argument", NULL,
                              "give {\"user\": NAME, \"password\": PASSWORD}");
    }
    addr = otw_api_client(req, &loopback);
    snprintf(key, sizeof(key), "%.64s %s", name, addr);
    snprintf(akey, sizeof(akey), "* %s", addr);     /* '*' is in no user name */
    left = OTW_MAX(fail_locked(a, key, FAIL_FREE), fail_locked(a, akey, FAIL_FREE_ADDR));
    if (left > 0) {
        wipe(pw, pwlen);
        return otw_http_error(resp, 429, "too_many_attempts",
                              json_pack("{s:I}", "retry_after_s",
                                        (json_int_t)((left + 999999) / 1000000)),
                              "too many failed logins: try again in %lld s",
                              (long long)((left + 999999) / 1000000));
    }
    otw_err_clear(&err);
    if ((st = otw_api_store(req, &err)) == NULL) {
        wipe(pw, pwlen);
        return otw_http_store_error(resp, &err);
    }
    memset(&u, 0, sizeof(u));
    r = otw_user_name_ok(name) ? otw_store_user_get(st, name, &u, &err) : OTW_ENOTFOUND;
    if (r != 0 && r != OTW_ENOTFOUND) {
        wipe(pw, pwlen);
        return otw_http_store_error(resp, &err);
    }
    /* The same work whether the user exists or not. */
    ok = crypto_pwhash_str_verify(r == 0 ? u.hash : a->dummy, pw,
                                  OTW_MIN(pwlen, (size_t)OTW_USER_PASSWORD_MAX)) == 0 &&
         r == 0 && pwlen <= OTW_USER_PASSWORD_MAX;
    wipe(pw, pwlen);
    sodium_memzero(u.hash, sizeof(u.hash));
    if (!ok) {
        unsigned n = fail_note(a, key);
        if (fail_note(a, akey) >= FAIL_FREE_ADDR)
            n = OTW_MAX(n, (unsigned)FAIL_FREE);
        if (n >= FAIL_FREE) {
            char who[80];
            size_t j = 0;
            for (size_t i = 0; name[i] && j + 1 < sizeof(who) && i < 64; i++)
                who[j++] = (name[i] > 0x20 && name[i] < 0x7f) ? name[i] : '?';
            who[j] = '\0';
            fprintf(stderr, "otwatch serve: %u failed logins for '%s' from %s: locked out for "
                    "a while\n", n, who, addr);
        }
        return otw_http_error(resp, 401, "bad_login", NULL, "wrong user name or password");
    }
    fail_clear(a, key);
    if (otw_api_session_token(req) != NULL)     /* no session fixation: always new tokens */
        session_end(a, otw_api_session_token(req));
    session_new(a, u.name, token, csrf);
    set_cookie(req, resp, token);
    sodium_memzero(token, sizeof(token));
    r = me_answer(resp, 200, u.name, u.role, strcmp(u.lang, "ja") == 0 ? "ja" : "en", csrf);
    sodium_memzero(csrf, sizeof(csrf));
    return r;
}

static int h_logout(struct otw_http_req *req, struct otw_http_resp *resp)
{
    const char *token = otw_api_session_token(req);

    if (token != NULL)
        session_end(otw_api_auth(req), token);
    set_cookie(req, resp, NULL);
    return otw_http_json(resp, 200, json_pack("{s:b}", "ok", 1));
}

static int h_me(struct otw_http_req *req, struct otw_http_resp *resp)
{
    return me_answer(resp, 200, req->user->name, req->user->role, req->user->lang,
                     otw_api_session_csrf(req));
}

static int h_me_put(struct otw_http_req *req, struct otw_http_resp *resp)
{
    const char *lang = jstr(req, "lang", NULL);
    struct otw_store *st;
    struct otw_err err;

    if (need_object(req, resp) != 0)
        return 0;
    if (lang == NULL || (strcmp(lang, "en") != 0 && strcmp(lang, "ja") != 0))
        return otw_http_error(resp, 400, "bad_lang", NULL, "lang is \"en\" or \"ja\"");
    otw_err_clear(&err);
    if ((st = otw_api_store(req, &err)) == NULL ||
        otw_store_user_set_lang(st, req->user->name, lang, &err) != 0)
        return otw_http_store_error(resp, &err);
    return me_answer(resp, 200, req->user->name, req->user->role, lang,
                     otw_api_session_csrf(req));
}

static int h_health(struct otw_http_req *req, struct otw_http_resp *resp)
{
    OTW_UNUSED(req);
    return otw_http_json(resp, 200, json_pack("{s:b}", "ok", 1));
}

/* --- the first administrator ------------------------------------------------------------------ */

static int h_setup_get(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_store *st;
    struct otw_err err;
    int64_t n = 0;

    otw_err_clear(&err);
    if ((st = otw_api_store(req, &err)) == NULL || otw_store_users_count(st, NULL, &n, &err) != 0)
        return otw_http_store_error(resp, &err);
    return otw_http_json(resp, 200, json_pack("{s:b}", "needed", n == 0));
}

static int h_setup(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_auth *a = otw_api_auth(req);
    size_t pwlen = 0;
    const char *name = jstr(req, "user", NULL), *pw = jstr(req, "password", &pwlen);
    char hash[crypto_pwhash_STRBYTES];
    struct otw_store *st;
    struct otw_user u;
    struct otw_err err;
    bool loopback;
    int64_t n = 0;
    int rc = 0;

    if (name == NULL)
        name = jstr(req, "name", NULL);
    otw_err_clear(&err);
    pthread_mutex_lock(&a->users_mu);
    if ((st = otw_api_store(req, &err)) == NULL || otw_store_users_count(st, NULL, &n, &err) != 0) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    if (n > 0) {
        otw_http_error(resp, 403, "setup_done", NULL,
                       "the set-up is done: users exist; log in (an admin adds users)");
        goto out;
    }
    otw_api_client(req, &loopback);
    if (!loopback || !otw_api_host_loopback(req)) {
        otw_http_error(resp, 403, "not_loopback", NULL,
                       "the first admin can only be created from this machine (a browser "
                       "on http://127.0.0.1 or [::1]), or with: otwatch user add NAME "
                       "--role admin");
        goto out;
    }
    if (need_object(req, resp) != 0)
        goto out;
    if (name == NULL || !otw_user_name_ok(name)) {
        bad_name(resp);
        goto out;
    }
    if (new_hash(resp, pw, pwlen, hash) != 0)
        goto out;
    rc = otw_store_user_add(st, name, "admin", hash, &err);
    sodium_memzero(hash, sizeof(hash));
    if (rc != 0 || otw_store_user_get(st, name, &u, &err) != 0) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    fprintf(stderr, "otwatch serve: first admin '%s' created from this machine\n", u.name);
    otw_http_json(resp, 201, json_pack("{s:o}", "user", user_json(&u)));
out:
    pthread_mutex_unlock(&a->users_mu);
    wipe(pw, pwlen);
    return 0;
}

/* --- users (admins only) ---------------------------------------------------------------------- */

static int list_one(void *ctx, const struct otw_user *u)
{
    return json_array_append_new(ctx, user_json(u)) == 0 ? 0 : OTW_ENOMEM;
}

static int h_users(struct otw_http_req *req, struct otw_http_resp *resp)
{
    json_t *items = json_array();
    struct otw_store *st;
    struct otw_err err;

    otw_err_clear(&err);
    if ((st = otw_api_store(req, &err)) == NULL || otw_store_users_list(st, list_one, items,
                                                                        &err) != 0) {
        json_decref(items);
        return otw_http_store_error(resp, &err);
    }
    return otw_http_json(resp, 200, json_pack("{s:o,s:b}", "items", items, "more", 0));
}

static int h_user_add(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_auth *a = otw_api_auth(req);
    size_t pwlen = 0;
    const char *name = jstr(req, "name", NULL), *role = jstr(req, "role", NULL);
    const char *pw = jstr(req, "password", &pwlen);
    char hash[crypto_pwhash_STRBYTES];
    struct otw_store *st;
    struct otw_user u;
    struct otw_err err;
    int r;

    if (name == NULL)
        name = jstr(req, "user", NULL);
    if (need_object(req, resp) != 0)
        goto out;
    if (name == NULL || !otw_user_name_ok(name)) {
        bad_name(resp);
        goto out;
    }
    if (jhas(req, "role") && (role == NULL || !otw_user_role_ok(role))) {
        otw_http_error(resp, 400, "bad_role", NULL, "role is \"admin\" or \"viewer\"");
        goto out;
    }
    if (role == NULL)
        role = "viewer";
    otw_err_clear(&err);
    if ((st = otw_api_store(req, &err)) == NULL) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    r = otw_store_user_get(st, name, &u, &err);
    if (r == 0) {
        otw_http_error(resp, 409, "user_exists", NULL, "user '%s' already exists", name);
        goto out;
    }
    if (r != OTW_ENOTFOUND) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    if (new_hash(resp, pw, pwlen, hash) != 0)
        goto out;
    pthread_mutex_lock(&a->users_mu);
    r = otw_store_user_add(st, name, role, hash, &err);
    pthread_mutex_unlock(&a->users_mu);
    sodium_memzero(hash, sizeof(hash));
    if (r == OTW_EEXIST)
        otw_http_error(resp, 409, "user_exists", NULL, "user '%s' already exists", name);
    else if (r != 0 || otw_store_user_get(st, name, &u, &err) != 0)
        otw_http_store_error(resp, &err);
    else
        otw_http_json(resp, 201, json_pack("{s:o}", "user", user_json(&u)));
out:
    wipe(pw, pwlen);
    return 0;
}

/* 1 when name is the only admin, 0 not, <0 error (answer filled). */
static int last_admin(struct otw_store *st, const struct otw_user *u, struct otw_http_resp *resp)
{
    struct otw_err err;
    int64_t n = 0;

    if (strcmp(u->role, "admin") != 0)
        return 0;
    otw_err_clear(&err);
    if (otw_store_users_count(st, "admin", &n, &err) != 0) {
        otw_http_store_error(resp, &err);
        return OTW_ESTORE;
    }
    if (n <= 1) {
        otw_http_error(resp, 409, "last_admin", NULL,
                       "'%s' is the last admin: make another user admin first", u->name);
        return 1;
    }
    return 0;
}

static int h_user_change(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_auth *a = otw_api_auth(req);
    const char *name = req->params[0];
    size_t pwlen = 0;
    const char *role = jstr(req, "role", NULL), *pw = jstr(req, "password", &pwlen);
    char hash[crypto_pwhash_STRBYTES];
    struct otw_store *st;
    struct otw_user u;
    struct otw_err err;
    int r;

    if (need_object(req, resp) != 0)
        goto out;
    if (!jhas(req, "role") && !jhas(req, "password")) {
        otw_http_error(resp, 400, "bad_argument", NULL, "give \"role\" and/or \"password\"");
        goto out;
    }
    if (jhas(req, "role") && (role == NULL || !otw_user_role_ok(role))) {
        otw_http_error(resp, 400, "bad_role", NULL, "role is \"admin\" or \"viewer\"");
        goto out;
    }
    if (jhas(req, "password") && new_hash(resp, pw, pwlen, hash) != 0)
        goto out;
    otw_err_clear(&err);
    pthread_mutex_lock(&a->users_mu);
    if ((st = otw_api_store(req, &err)) == NULL) {
        otw_http_store_error(resp, &err);
        goto unlock;
    }
    r = otw_user_name_ok(name) ? otw_store_user_get(st, name, &u, &err) : OTW_ENOTFOUND;
    if (r == OTW_ENOTFOUND) {
        otw_http_error(resp, 404, "not_found", NULL, "no user '%.64s'", name);
        goto unlock;
    }
    if (r != 0) {
        otw_http_store_error(resp, &err);
        goto unlock;
    }
    if (role != NULL && strcmp(role, "viewer") == 0 && last_admin(st, &u, resp) != 0)
        goto unlock;
    if (role != NULL && otw_store_user_set_role(st, name, role, &err) != 0) {
        otw_http_store_error(resp, &err);
        goto unlock;
    }
    if (pw != NULL) {
        if (otw_store_user_set_password(st, name, hash, &err) != 0) {
            otw_http_store_error(resp, &err);
            goto unlock;
        }
        otw_auth_end_user(a, name, otw_api_session_token(req));     /* others log in again */
    }
    if (otw_store_user_get(st, name, &u, &err) != 0)
        otw_http_store_error(resp, &err);
    else
        otw_http_json(resp, 200, json_pack("{s:o}", "user", user_json(&u)));
unlock:
    pthread_mutex_unlock(&a->users_mu);
out:
    sodium_memzero(hash, sizeof(hash));
    wipe(pw, pwlen);
    return 0;
}

static int h_user_remove(struct otw_http_req *req, struct otw_http_resp *resp)
{
    struct otw_auth *a = otw_api_auth(req);
    const char *name = req->params[0];
    struct otw_store *st;
    struct otw_user u;
    struct otw_err err;
    int r;

    otw_err_clear(&err);
    pthread_mutex_lock(&a->users_mu);
    if ((st = otw_api_store(req, &err)) == NULL) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    r = otw_user_name_ok(name) ? otw_store_user_get(st, name, &u, &err) : OTW_ENOTFOUND;
    if (r == OTW_ENOTFOUND) {
        otw_http_error(resp, 404, "not_found", NULL, "no user '%.64s'", name);
        goto out;
    }
    if (r != 0) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    if (last_admin(st, &u, resp) != 0)
        goto out;
    if (otw_store_user_remove(st, name, &err) != 0) {
        otw_http_store_error(resp, &err);
        goto out;
    }
    otw_auth_end_user(a, name, NULL);
    otw_http_json(resp, 200, json_pack("{s:b,s:s}", "ok", 1, "removed", name));
out:
    pthread_mutex_unlock(&a->users_mu);
    return 0;
}

const struct otw_route otw_routes_auth[] = {
    {"GET", "/api/health", OTW_ACCESS_PUBLIC, h_health},
    {"POST", "/api/login", OTW_ACCESS_PUBLIC, h_login},
    {"POST", "/api/logout", OTW_ACCESS_VIEWER, h_logout},
    {"GET", "/api/me", OTW_ACCESS_VIEWER, h_me},
    {"PUT", "/api/me", OTW_ACCESS_VIEWER, h_me_put},
    {"GET", "/api/setup", OTW_ACCESS_PUBLIC, h_setup_get},
    {"POST", "/api/setup", OTW_ACCESS_PUBLIC, h_setup},
    {"GET", "/api/users", OTW_ACCESS_ADMIN, h_users},
    {"POST", "/api/users", OTW_ACCESS_ADMIN, h_user_add},
    {"PUT", "/api/users/{}", OTW_ACCESS_ADMIN, h_user_change},
    {"DELETE", "/api/users/{}", OTW_ACCESS_ADMIN, h_user_remove},
    {NULL, NULL, OTW_ACCESS_VIEWER, NULL},
};
