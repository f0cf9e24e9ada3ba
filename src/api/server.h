/*
 * server.h - between the web server (server.c) and its login part (auth.c);
 * API handlers use http.h, not this.
 *
 * auth.c keeps the logged-in sessions and the failed-login counts in
 * memory (struct otw_auth, one per server, behind a mutex); server.c asks
 * it who a request's cookie belongs to before any handler runs, and gives
 * auth.c's handlers what they need of the connection (client address,
 * TLS, the session's token).
 */
#ifndef OTW_API_SERVER_H
#define OTW_API_SERVER_H
#include <stdbool.h>

#include "api/http.h"

#define OTW_SESSION_COOKIE "otw_session"
#define OTW_TOKEN_HEX 64        /* session and CSRF tokens: 32 random bytes in hex */

struct otw_auth;

/* One per server; NULL with err when out of memory. */
struct otw_auth *otw_auth_new(struct otw_err *err);
void otw_auth_free(struct otw_auth *a);
/* The session of a cookie's token: 1 with the user's name and the
 * session's CSRF token copied (its last use becomes now), 0 when there is
 * none or it expired (idle 8 h, 24 h in all). */
int otw_auth_session(struct otw_auth *a, const char *token, char name[65],
                     char csrf[OTW_TOKEN_HEX + 1]);
/* Ends every session of a user (removed, or a password changed) except
 * `keep` (a token, or NULL). */
void otw_auth_end_user(struct otw_auth *a, const char *name, const char *keep);

/* For auth.c's handlers. */
struct otw_auth *otw_api_auth(const struct otw_http_req *req);
/* The request's session token and CSRF token; NULL when not logged in. */
const char *otw_api_session_token(const struct otw_http_req *req);
const char *otw_api_session_csrf(const struct otw_http_req *req);
/* Whether the Host header names loopback (localhost, 127.x, [::1]). */
bool otw_api_host_loopback(const struct otw_http_req *req);
/* Whether the server speaks TLS (cookies get Secure). */
bool otw_api_tls(const struct otw_http_req *req);
/* The client's address as text ("127.0.0.1", "::1"); *loopback says
 * whether it is a loopback address. */
const char *otw_api_client(const struct otw_http_req *req, bool *loopback);

#endif
