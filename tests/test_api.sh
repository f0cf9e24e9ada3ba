#!/usr/bin/env bash
# tests/test_api.sh - the web server's security and its login API against a
# real `otwatch serve` (issue 7): nothing without login on any API route,
# CSRF tokens, roles, cookies, security headers, the UI served from the
# binary alone, bad requests, listening beyond loopback (TLS, admin
# required), and `otwatch capture --serve`.
#
#   bash tests/test_api.sh <otwatch-binary> <source-dir>
#
# The database comes from tests/web/make-db.sh (users alice/admin and
# victor/viewer). Servers listen on free ports in 18100-18199, on loopback
# (one TLS server on 0.0.0.0, reached via 127.0.0.1). The API routes to try
# come from `otwatch serve --list-routes`, so a new route is checked
# without touching this file. Needs curl, python3, sqlite3; openssl for the
# TLS checks; root and network namespaces for `capture --serve` (else that
# check says why it is skipped). Prints `ok - NAME` / `not ok - NAME: WHY`,
# then `N passed, N failed`; exits 1 when any check failed.
set -u

OTW=$(realpath "${1:?usage: test_api.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:-$(dirname "$0")/..}")
# shellcheck source=web/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/web/lib.sh"
SPIDS=()
NSS=()
# at exit (lib.sh's cleanup): the servers and network namespaces of this test
cleanup_extra() {
    exec 2>/dev/null
    for p in "${SPIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for ns in "${NSS[@]}"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
}
web_init api curl python3 sqlite3
chmod 755 "$W"

skip() { echo "ok - $1 # SKIP $2"; }
has() { grep -qF -- "$2" "$1" || fail "$3: '$2' not in: $(head -c 400 "$1" | tr '\n' '|')"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "$3: '$2' should not be in $1"; }

PW_A=alice-web-pass-1
PW_V=victor-web-pass-1
DB=$W/web.db

# --- the shared database --------------------------------------------------------------------

t_makedb() {
    bash "$SRC/tests/web/make-db.sh" "$OTW" "$SRC" "$DB" >mk.out 2>&1
    eq "$?" 0 "make-db.sh exit status (output: $(head -c 300 mk.out))" || return 1
    eq "$(wc -c <mk.out)" 0 "make-db.sh output" || return 1
    eq "$(sqlite3 "$DB" "SELECT name || '=' || role FROM users ORDER BY name" | tr '\n' ' ')" \
        "alice=admin victor=viewer " "users" || return 1
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM alerts")" -gt 5 ] || fail "no alerts in the database"
}
check "tests/web/make-db.sh: silent, users and alerts" t_makedb
t_html_pcap() {
    command -v tshark >/dev/null 2>&1 || return 0
    tshark -r "$SRC/tests/web/html-fields.pcap" -T fields -e dhcp.option.hostname -e http.host \
        -e tls.handshake.extensions_server_name 2>/dev/null >fields.txt
    has fields.txt "<script>alert(1)</script>" "DHCP host name" &&
        has fields.txt "<img src=x onerror=alert(2)>" "HTTP Host" &&
        has fields.txt "<b onmouseover=alert(4)>sni</b>" "TLS SNI"
}
check "html-fields.pcap carries HTML in DHCP host name, HTTP Host, TLS SNI (tshark)" t_html_pcap

# --- servers --------------------------------------------------------------------------------------

# serve_start LOG ARGS...: starts `otwatch serve ARGS --listen 127.0.0.1:PORT`
# unless ARGS have --listen (@PORT@ in ARGS becomes the port); sets SPID,
# PORT, BASE (TLS: TLSA, the curl options that trust cert.pem); waits until
# it answers (readiness, not a timing check).
TLSA=()
serve_start() {
    local log=$1 scheme=http host=127.0.0.1
    shift
    PORT=$(free_port 18100 18199)
    local args=("$@")
    printf '%s\n' "${args[@]}" | grep -qx -- --listen || args+=(--listen "127.0.0.1:$PORT")
    args=("${args[@]//@PORT@/$PORT}")
    printf '%s\n' "${args[@]}" | grep -q '^\[::1\]' && host='[::1]'
    TLSA=()
    if printf '%s\n' "${args[@]}" | grep -qx -- --tls-cert; then
        scheme=https
        TLSA=(--cacert "$W/cert.pem")
    fi
    "$SERVE_BIN" serve "${args[@]}" 2>"$log" &
    SPID=$!
    SPIDS+=("$SPID")
    BASE=$scheme://$host:$PORT
    wait_answer "$SPID" "$BASE/api/health" "${TLSA[@]}"
}
serve_stop() {   # sets STOP_RC
    kill -TERM "$SPID" 2>/dev/null
    wait "$SPID"
    STOP_RC=$?
}

# req METHOD PATH [BODY] [curl args...]: CODE, body in b.out, headers in h.out
req() {
    local m=$1 p=$2 body=${3-} 
    shift 2
    [ $# -gt 0 ] && shift
    local a=(-s -g -o b.out -D h.out -w '%{http_code}' -X "$m" "${TLSA[@]}")
    [ -n "$body" ] && a+=(--data-binary "$body")
    CODE=$(curl "${a[@]}" "$@" "$BASE$p")
}
J=(-H 'Content-Type: application/json')
A=()
ALICE_CSRF="" VICTOR_CSRF=""
code_is() {   # EXPECTED-CODE EXPECTED-ERROR-CODE WHAT
    eq "$CODE" "$1" "$3: HTTP status" || return 1
    [ -z "${2-}" ] || eq "$(jv b.out "d['error']['code']")" "$2" "$3: error code"
}
jv() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
hdr() { tr -d '\r' <h.out | awk -v k="$(echo "$1" | tr A-Z a-z)" 'BEGIN{FS=": "} tolower($1)==k {sub(/^[^:]*: /,""); print}'; }

# login NAME PASSWORD JAR: logs in; CSRF set from the answer (this test's own,
# not lib.sh's: the checks read the login answer's headers in h.out)
login() {
    req POST /api/login "{\"user\":\"$1\",\"password\":\"$2\"}" "${J[@]}" -c "$3"
    CSRF=$(jv b.out "d['csrf']")
    [ "$CODE" = 200 ] || fail "login $1: HTTP $CODE $(head -c 200 b.out)"
}

# The binary alone in an empty directory: it must need nothing beside it.
mkdir -p "$W/bin" "$W/empty"
cp "$OTW" "$W/bin/otwatch"
SERVE_BIN=$W/bin/otwatch
cd "$W/empty" || exit 1

t_start() {
    serve_start "$W/serve.log" --db "$DB" --config "$DB.conf" ||
        fail "serve did not start: $(head -c 400 "$W/serve.log")"
    local i   # the line follows the start: it may come just after the first answer
    for i in $(seq 1 100); do
        grep -qF "otwatch: serving" "$W/serve.log" && break
        sleep 0.1
    done
    has "$W/serve.log" "otwatch: serving http://127.0.0.1:$PORT/ (database $DB)" "start message"
}
check "serve starts from an empty directory (binary copied alone), says where" t_start

# --- the UI's files -----------------------------------------------------------------------------

CSP_WANT="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
sec_headers() {   # WHAT API?
    eq "$(hdr Content-Security-Policy)" "$CSP_WANT" "$1: CSP" || return 1
    hdr Content-Security-Policy | grep -q "unsafe-" && { fail "$1: CSP allows unsafe-*"; return 1; }
    eq "$(hdr X-Content-Type-Options)" nosniff "$1: X-Content-Type-Options" || return 1
    eq "$(hdr X-Frame-Options)" DENY "$1: X-Frame-Options" || return 1
    eq "$(hdr Referrer-Policy)" no-referrer "$1: Referrer-Policy" || return 1
    if [ "${2:-}" = api ]; then
        eq "$(hdr Cache-Control)" no-store "$1: Cache-Control" || return 1
    fi
}
t_static() {
    req GET /
    code_is 200 "" "/" || return 1
    hdr Content-Type | grep -q '^text/html' || { fail "/ is $(hdr Content-Type)"; return 1; }
    has b.out '<script' "index.html" || return 1
    # no inline script: every <script> has a src
    python3 - b.out <<'EOF' || { fail "index.html has an inline <script> or on* attribute"; return 1; }
import re, sys
h = open(sys.argv[1]).read()
tags = re.findall(r"<script\b[^>]*>", h, re.I)
assert tags and all("src=" in t for t in tags)
assert not re.search(r"\son[a-z]+\s*=", h, re.I)
EOF
    sec_headers "/" || return 1
    cp b.out index.html
    req GET /index.html
    cmp -s b.out index.html || fail "/index.html differs from /"
}
check "static: / is index.html, scripts only by src, security headers" t_static
t_assets() {
    for f in app.js app.css; do
        req GET "/$f"
        code_is 200 "" "/$f" || return 1
        [ "$(wc -c <b.out)" -gt 200 ] || { fail "/$f is $(wc -c <b.out) bytes"; return 1; }
        grep -q "src=\"/$f\"\|href=\"/$f\"" index.html || { fail "index.html does not load /$f"; return 1; }
        sec_headers "/$f" || return 1
    done
    req GET /app.js
    hdr Content-Type | grep -q javascript || fail "app.js type $(hdr Content-Type)"
}
check "static: /app.js and /app.css served from the binary, with headers" t_assets
t_static_404() {
    req GET /nothing-here.html
    code_is 404 not_found "unknown file" || return 1
    sec_headers "404" || return 1
    req POST / '{}' "${J[@]}"
    code_is 405 "" "POST /"
}
check "static: unknown path 404, POST 405" t_static_404
t_bad_host() {
    req GET / "" -H "Host: evil.example:$PORT"
    code_is 400 bad_host "Host evil.example on /" || return 1
    req POST /api/setup '{"user":"evil","password":"evil-password-1"}' "${J[@]}" -H "Host: evil.example"
    code_is 400 bad_host "Host evil.example on setup" || return 1
    local h
    for h in "localhost:$PORT" "127.0.0.2" "LOCALHOST" "[::1]:$PORT"; do
        req GET /api/health "" -H "Host: $h"
        code_is 200 "" "Host $h" || return 1
    done
}
check "a loopback server turns away other Host names (DNS rebinding): 400 bad_host" t_bad_host

# --- every API route needs a login --------------------------------------------------------------

"$SERVE_BIN" serve --list-routes >routes.txt 2>&1
t_routes() {
    eq "$?" 0 "--list-routes" || return 1
    for r in "POST /api/login public" "GET /api/me viewer" "PUT /api/me viewer" \
             "GET /api/users admin" "DELETE /api/users/{} admin" "GET /api/setup public"; do
        grep -qx "$r" routes.txt || { fail "route '$r' not listed"; return 1; }
    done
    [ "$(wc -l <routes.txt)" -ge 11 ] || fail "only $(wc -l <routes.txt) routes"
}
check "serve --list-routes lists the routes of every table" t_routes
path_of() { echo "$1" | sed 's/{}/1/g'; }
t_all_401() {
    local m p a n=0 bad=""
    while read -r m p a; do
        # node: other nodes' packet requests, by token (tests/test_ch_web.sh)
        [ "$a" = public ] || [ "$a" = node ] && continue
        req "$m" "$(path_of "$p")" '{}' "${J[@]}"
        n=$((n + 1))
        if [ "$CODE" != 401 ] || [ "$(jv b.out "d['error']['code']")" != login_required ]; then
            bad+="$m $p -> $CODE; "
        fi
    done <routes.txt
    [ -z "$bad" ] || { fail "$bad"; return 1; }
    [ "$n" -ge 5 ] || fail "only $n routes tried"
}
check "every non-public API route answers 401 login_required without login" t_all_401
t_bad_cookie() {
    req GET /api/me "" -H "Cookie: otw_session=$(printf '%064d' 0)"
    code_is 401 login_required "made-up token" || return 1
    req GET /api/me "" -H "Cookie: otw_session=../../etc/passwd"
    code_is 401 login_required "garbage cookie"
}
check "a made-up or garbage session cookie is not a login" t_bad_cookie

# --- login, me, logout ------------------------------------------------------------------------------

t_login() {
    login alice "$PW_A" alice.jar || return 1
    local c
    c=$(hdr Set-Cookie)
    echo "$c" | grep -Eq '^otw_session=[0-9a-f]{64}; ' || { fail "cookie value: $c"; return 1; }
    for f in "Path=/" "HttpOnly" "SameSite=Strict"; do
        echo "$c" | grep -q "; $f" || { fail "cookie lacks $f: $c"; return 1; }
    done
    echo "$c" | grep -q Secure && { fail "Secure on plain http: $c"; return 1; }
    eq "$(jv b.out "d['user']['name'], d['user']['role'], d['user']['admin']")" \
        "('alice', 'admin', True)" "answer" || return 1
    echo "$CSRF" | grep -Eq '^[0-9a-f]{64}$' || fail "csrf token '$CSRF'"
    ALICE_CSRF=$CSRF
    A=(-b alice.jar -H "X-CSRF-Token: $ALICE_CSRF")
}
check "login: cookie HttpOnly, SameSite=Strict, Path=/, 64 hex; user and CSRF token" t_login
t_me() {
    req GET /api/me "" -b alice.jar
    code_is 200 "" "me" || return 1
    sec_headers "/api/me" api || return 1
    eq "$(jv b.out "d['user']['name'], d['csrf']")" "('alice', '$ALICE_CSRF')" "me"
}
check "me: the user and the session's CSRF token; API headers (no-store)" t_me
t_bad_login() {
    req POST /api/login "{\"user\":\"alice\",\"password\":\"wrong-password-1\"}" "${J[@]}"
    code_is 401 bad_login "wrong password" || return 1
    hasnt h.out "otw_session=" "cookie on failure" || return 1
    cp b.out wrong.json
    req POST /api/login "{\"user\":\"nobody-here\",\"password\":\"wrong-password-1\"}" "${J[@]}"
    code_is 401 bad_login "unknown user" || return 1
    cmp -s b.out wrong.json || { fail "unknown user and wrong password answer differently"; return 1; }
    req POST /api/login '{"user":"alice"}' "${J[@]}"
    code_is 400 bad_argument "no password" || return 1
    req POST /api/login '{"user":"alice","password":' "${J[@]}"
    code_is 400 bad_json "broken JSON" || return 1
    req POST /api/login "{\"user\":\"alice\",\"password\":\"$PW_A\"}" -H 'Content-Type: text/plain'
    code_is 415 unsupported_media_type "text/plain"
}
check "bad logins: 401 bad_login alike for wrong password and unknown user; 400; 415" t_bad_login

# --- CSRF ---------------------------------------------------------------------------------------------------

t_csrf() {
    req PUT /api/me '{"lang":"en"}' "${J[@]}" -b alice.jar
    code_is 403 csrf "no X-CSRF-Token" || return 1
    req PUT /api/me '{"lang":"en"}' "${J[@]}" -b alice.jar -H "X-CSRF-Token: $(printf '%064d' 0)"
    code_is 403 csrf "wrong token" || return 1
    req PUT /api/me '{"lang":"en"}' "${J[@]}" -b alice.jar -H "X-CSRF-Token: ${ALICE_CSRF:0:63}"
    code_is 403 csrf "short token" || return 1
    req PUT /api/me '{"lang":"en"}' "${J[@]}" -b alice.jar -H "X-CSRF-Token: $ALICE_CSRF"
    code_is 200 "" "right token"
}
check "CSRF: missing, wrong, short token 403 csrf; the right one passes" t_csrf
t_csrf_all() {
    local m p a bad="" n=0
    while read -r m p a; do
        [ "$a" = public ] || [ "$m" = GET ] && continue
        req "$m" "$(path_of "$p")" '{}' "${J[@]}" -b alice.jar
        n=$((n + 1))
        [ "$CODE" = 403 ] && [ "$(jv b.out "d['error']['code']")" = csrf ] || bad+="$m $p -> $CODE; "
    done <routes.txt
    [ -z "$bad" ] || { fail "$bad"; return 1; }
    [ "$n" -ge 4 ] || fail "only $n state-changing routes"
}
check "every state-changing route refuses a logged-in request without the CSRF token" t_csrf_all
t_other_csrf() {
    login victor "$PW_V" victor.jar || return 1
    VICTOR_CSRF=$CSRF
    req PUT /api/me '{"lang":"en"}' "${J[@]}" -b victor.jar -H "X-CSRF-Token: $ALICE_CSRF"
    code_is 403 csrf "another session's token"
}
check "CSRF: another session's token is refused" t_other_csrf

# --- roles ------------------------------------------------------------------------------------------------------

t_viewer() {
    local m p a bad="" n=0
    req GET /api/me "" -b victor.jar
    eq "$(jv b.out "d['user']['role'], d['user']['admin']")" "('viewer', False)" "victor" || return 1
    while read -r m p a; do
        [ "$a" = admin ] || continue
        req "$m" "$(path_of "$p")" '{}' "${J[@]}" -b victor.jar -H "X-CSRF-Token: $VICTOR_CSRF"
        n=$((n + 1))
        [ "$CODE" = 403 ] && [ "$(jv b.out "d['error']['code']")" = forbidden ] || bad+="$m $p -> $CODE; "
    done <routes.txt
    [ -z "$bad" ] || { fail "$bad"; return 1; }
    req POST /api/users '{"name":"mallory","role":"admin","password":"mallory-pass-1"}' "${J[@]}" \
        -b victor.jar -H "X-CSRF-Token: $VICTOR_CSRF"
    code_is 403 forbidden "viewer adds a user" || return 1
    eq "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE name = 'mallory'")" 0 "mallory in the db"
}
check "viewer: 403 forbidden on every admin route (user add too), nothing changed" t_viewer

# --- users (admin) -------------------------------------------------------------------------------------------------

t_users() {
    req GET /api/users "" "${A[@]}"
    code_is 200 "" "list" || return 1
    eq "$(jv b.out "sorted((u['name'], u['role']) for u in d['items'])")" \
        "[('alice', 'admin'), ('victor', 'viewer')]" "list" || return 1
    hasnt b.out argon2 "hash in the list" || return 1
    req POST /api/users '{"name":"carol","role":"viewer","password":"carol-pass-123"}' "${J[@]}" "${A[@]}"
    code_is 201 "" "add carol" || return 1
    req POST /api/users '{"name":"carol","role":"viewer","password":"carol-pass-123"}' "${J[@]}" "${A[@]}"
    code_is 409 user_exists "add carol again" || return 1
    req POST /api/users '{"name":"bad name!","password":"carol-pass-123"}' "${J[@]}" "${A[@]}"
    code_is 400 bad_name "bad name" || return 1
    req POST /api/users '{"name":"dave","password":"short"}' "${J[@]}" "${A[@]}"
    code_is 400 bad_password "short password" || return 1
    req POST /api/users '{"name":"dave","role":"root","password":"dave-pass-1234"}' "${J[@]}" "${A[@]}"
    code_is 400 bad_role "bad role" || return 1
    printf '%s\n' carol-pass-123 | "$OTW" user check carol --db "$DB" >/dev/null 2>&1 ||
        { fail "otwatch user check carol: the API's hash is not the CLI's"; return 1; }
    login carol carol-pass-123 carol.jar || return 1
    req PUT /api/users/carol '{"password":"carol-new-pass-1"}' "${J[@]}" "${A[@]}"
    code_is 200 "" "new password" || return 1
    req GET /api/me "" -b carol.jar
    code_is 401 login_required "carol's session after a password change" || return 1
    req PUT /api/users/carol '{"role":"admin"}' "${J[@]}" "${A[@]}"
    code_is 200 "" "make carol admin" || return 1
    eq "$(sqlite3 "$DB" "SELECT role FROM users WHERE name = 'carol'")" admin "role in db" || return 1
    req PUT /api/users/nobody '{"role":"admin"}' "${J[@]}" "${A[@]}"
    code_is 404 not_found "unknown user" || return 1
    req DELETE /api/users/carol '{}' "${J[@]}" "${A[@]}"
    code_is 200 "" "remove carol" || return 1
    eq "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE name = 'carol'")" 0 "carol in db"
}
check "users: list (no hashes), add, exists 409, bad name/password/role 400, password, role, remove" t_users
t_last_admin() {
    req DELETE /api/users/alice '{}' "${J[@]}" "${A[@]}"
    code_is 409 last_admin "remove the last admin" || return 1
    req PUT /api/users/alice '{"role":"viewer"}' "${J[@]}" "${A[@]}"
    code_is 409 last_admin "demote the last admin" || return 1
    eq "$(sqlite3 "$DB" "SELECT role FROM users WHERE name = 'alice'")" admin "alice's role"
}
check "users: the last admin can be neither removed nor demoted (409 last_admin)" t_last_admin

# --- setup -------------------------------------------------------------------------------------------------------------

t_setup_done() {
    req GET /api/setup
    code_is 200 "" "GET setup" || return 1
    eq "$(jv b.out "d['needed']")" False "needed" || return 1
    req POST /api/setup '{"user":"eve","password":"eve-password-1"}' "${J[@]}"
    code_is 403 setup_done "setup with users" || return 1
    eq "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE name = 'eve'")" 0 "eve in db"
}
check "setup: not needed and refused (403 setup_done) when users exist" t_setup_done

# --- language ------------------------------------------------------------------------------------------------------------

t_lang() {
    req PUT /api/me '{"lang":"ja"}' "${J[@]}" -b victor.jar -H "X-CSRF-Token: $VICTOR_CSRF"
    code_is 200 "" "set ja" || return 1
    eq "$(jv b.out "d['user']['lang']")" ja "answer" || return 1
    req PUT /api/me '{"lang":"xx"}' "${J[@]}" -b victor.jar -H "X-CSRF-Token: $VICTOR_CSRF"
    code_is 400 bad_lang "lang xx" || return 1
    req POST /api/logout '{}' "${J[@]}" -b victor.jar -H "X-CSRF-Token: $VICTOR_CSRF"
    code_is 200 "" "logout" || return 1
    hdr Set-Cookie | grep -q 'Max-Age=0' || { fail "logout does not clear the cookie"; return 1; }
    req GET /api/me "" -b victor.jar
    code_is 401 login_required "the old cookie after logout" || return 1
    login victor "$PW_V" victor.jar || return 1
    VICTOR_CSRF=$CSRF
    eq "$(jv b.out "d['user']['lang']")" ja "lang after login" || return 1
    eq "$(sqlite3 "$DB" "SELECT lang FROM users WHERE name = 'victor'")" ja "lang in db"
}
check "lang: PUT /api/me kept across logout and login (and in the db); bad lang 400; logout ends the cookie" t_lang

# --- failed logins lock out -----------------------------------------------------------------------------------------------

t_lockout() {
    local i
    req POST /api/users '{"name":"lockme","password":"lockme-pass-1"}' "${J[@]}" "${A[@]}"
    code_is 201 "" "add lockme" || return 1
    for i in 1 2 3 4 5; do
        req POST /api/login '{"user":"lockme","password":"not-the-password"}' "${J[@]}"
        code_is 401 bad_login "failure $i" || return 1
    done
    req POST /api/login '{"user":"lockme","password":"lockme-pass-1"}' "${J[@]}"
    code_is 429 too_many_attempts "right password while locked out" || return 1
    [ "$(jv b.out "d['error']['retry_after_s']")" -gt 0 ] || { fail "no retry_after_s"; return 1; }
    login victor "$PW_V" victor2.jar
}
check "5 failed logins lock that user out (429, even with the right password); others still log in" t_lockout

t_lockout_addr() {
    local i
    serve_start "$W/lock.log" --db "$DB" || { fail "$(cat "$W/lock.log")"; return 1; }
    for i in $(seq 1 20); do
        req POST /api/login "{\"user\":\"guess$i\",\"password\":\"not-the-password\"}" "${J[@]}"
        code_is 401 bad_login "guess $i" || return 1
    done
    req POST /api/login "{\"user\":\"victor\",\"password\":\"$PW_V\"}" "${J[@]}"
    code_is 429 too_many_attempts "a real user from the address that guessed 20 names" || return 1
    serve_stop
}
# --- bad requests -------------------------------------------------------------------------------------------------------------

alive() {
    kill -0 "$SPID" 2>/dev/null || { fail "the server died"; return 1; }
    req GET /api/health
    code_is 200 "" "health after $1"
}
t_huge() {
    head -c 3000000 /dev/zero | tr '\0' x >big.bin
    CODE=$(curl -s -o b.out -w '%{http_code}' -X PUT "${J[@]}" "${A[@]}" --data-binary @big.bin "$BASE/api/me")
    code_is 413 too_large "3 MB body" || return 1
    CODE=$(curl -s -o b.out -w '%{http_code}' -X PUT "${J[@]}" "${A[@]}" -H 'Transfer-Encoding: chunked' \
        --data-binary @big.bin "$BASE/api/me")
    code_is 413 too_large "3 MB chunked body" || return 1
    alive "huge bodies"
}
check "huge bodies (declared and chunked): 413 too_large" t_huge
t_bad_bodies() {
    req PUT /api/me '{"lang": "ja",' "${J[@]}" "${A[@]}"
    code_is 400 bad_json "cut JSON" || return 1
    req PUT /api/me $'\xff\xfe{]' "${J[@]}" "${A[@]}"
    code_is 400 bad_json "binary" || return 1
    req PUT /api/me '{"lang":"ja"}' "${A[@]}" -H 'Content-Type: application/x-www-form-urlencoded'
    code_is 415 unsupported_media_type "form content type" || return 1
    req PUT /api/me '{"lang":"ja"}' "${A[@]}" -H 'Content-Type:'
    code_is 415 unsupported_media_type "no content type" || return 1
    req PUT /api/me '"ja"' "${J[@]}" "${A[@]}"
    code_is 400 "" "a JSON string, not an object" || return 1
    alive "bad bodies"
}
check "bad JSON 400 bad_json, wrong or no Content-Type 415" t_bad_bodies
t_paths() {
    local p
    for p in /../../etc/passwd /%2e%2e/%2e%2e/etc/passwd /..%2f..%2fetc%2fpasswd \
             /index.html%00.js /app.js%00 /%00 '/api/../../etc/passwd' /api/users/%00 \
             /api/users/..%2f..%2fetc%2fpasswd /api/nothing /api/me/ /api; do
        req GET "$p" "" --path-as-is "${A[@]}"
        case "$CODE" in 400|404|405) ;; *) fail "$p -> $CODE"; return 1 ;; esac
        hasnt b.out "root:" "$p" || return 1
    done
    req DELETE /api/me '{}' "${J[@]}" "${A[@]}"
    code_is 405 method_not_allowed "DELETE /api/me" || return 1
    hdr Allow | grep -q GET || { fail "no Allow header"; return 1; }
    req PATCH /api/me '{}' "${J[@]}" "${A[@]}"
    code_is 405 method_not_allowed "PATCH" || return 1
    req TRACE / 
    code_is 405 "" "TRACE" || return 1
    alive "odd paths"
}
check "path traversal, %00, unknown paths: 4xx (never a file); wrong methods 405" t_paths
t_long_url() {
    CODE=$(curl -s -o b.out -w '%{http_code}' "$BASE/api/sessions?expr=$(head -c 100000 /dev/zero | tr '\0' a)")
    case "$CODE" in 4*) ;; *) fail "100 kB URL -> $CODE"; return 1 ;; esac
    CODE=$(curl -s -o b.out -w '%{http_code}' -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)" "$BASE/")
    case "$CODE" in 4*) ;; *) fail "100 kB header -> $CODE"; return 1 ;; esac
    alive "overlong URL and header"
}
check "overlong URL and header: 4xx" t_long_url
t_garbage() {
    python3 - "$PORT" <<'EOF' || { fail "raw socket script failed"; return 1; }
import os, socket, sys
port = int(sys.argv[1])
random_bytes = os.urandom(20000)
cases = [random_bytes, b"\x00" * 5000, b"GET / HTTP/1.1\r\nHost: x\r\n" + b"A" * 70000,
         b"GET /\x00/ HTTP/1.1\r\n\r\n", b"POST /api/login HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
         b"POST /api/login HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
         b"POST /api/login HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
         b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + random_bytes[:500],
         b"GET / HTTP/9.9\r\n\r\n", b"\r\n\r\n\r\n", b"G" * 100000]
for c in cases:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(c)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
# a connection that sends half a request and goes away
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"us")
s.close()
EOF
    alive "raw garbage"
}
check "raw garbage on the socket: the server answers (or closes) and stays up" t_garbage

t_parallel() {
    local i bad=0 pids=()
    for i in $(seq 1 40); do
        curl -s -o "par$i.out" -w '%{http_code}\n' -b alice.jar "$BASE/api/me" >"par$i.code" &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in $(seq 1 40); do
        [ "$(cat "par$i.code")" = 200 ] && grep -q '"alice"' "par$i.out" || bad=$((bad + 1))
    done
    eq "$bad" 0 "requests not answered 200 with alice" || return 1
    alive "40 parallel requests"
}
check "40 parallel requests on one session: all answered" t_parallel
t_in_use() {
    "$SERVE_BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" >/dev/null 2>inuse.err
    eq "$?" 1 "exit status" || return 1
    has inuse.err "Address already in use" "message"
}
check "a second server on the same port: exit 1, 'Address already in use'" t_in_use

# --- nothing secret in the log ------------------------------------------------------------------

t_log() {
    local t
    for t in "$PW_A" "$PW_V" carol-pass-123 lockme-pass-1 "$ALICE_CSRF"; do
        hasnt "$W/serve.log" "$t" "serve.log" || return 1
    done
    t=$(awk '$6 == "otw_session" {print $7}' "$W/empty/alice.jar")
    [ -n "$t" ] || { fail "no token in alice.jar"; return 1; }
    hasnt "$W/serve.log" "$t" "serve.log"
}
check "no passwords, session or CSRF tokens in the server's log" t_log
t_stop() {
    serve_stop
    eq "$STOP_RC" 0 "exit status on SIGTERM" || return 1
    has "$W/serve.log" "stopping" "log"
}
check "SIGTERM: serve exits 0" t_stop

check "20 failed logins with any names from one address lock that address out (429)" t_lockout_addr

# --- a new database: created, first admin from loopback ---------------------------------------

t_new_db() {
    serve_start "$W/new.log" --db "$W/new/none.db" && { fail "started with a missing directory"; return 1; }
    mkdir -p "$W/new"
    serve_start "$W/new.log" --db "$W/new/fresh.db" --threads 1 || { fail "$(cat "$W/new.log")"; return 1; }
    [ -f "$W/new/fresh.db" ] || { fail "database not created"; return 1; }
    req GET /api/setup
    eq "$(jv b.out "d['needed']")" True "needed" || return 1
    req POST /api/setup '{"user":"root admin","password":"first-admin-pw"}' "${J[@]}"
    code_is 400 bad_name "bad name" || return 1
    req POST /api/setup '{"user":"first","password":"short"}' "${J[@]}"
    code_is 400 bad_password "short password" || return 1
    req POST /api/setup '{"user":"first","password":"first-admin-pw"}' "${J[@]}"
    code_is 201 "" "setup" || return 1
    eq "$(sqlite3 "$W/new/fresh.db" "SELECT role FROM users WHERE name = 'first'")" admin "role" || return 1
    req POST /api/setup '{"user":"second","password":"second-admin-pw"}' "${J[@]}"
    code_is 403 setup_done "second setup" || return 1
    login first first-admin-pw first.jar || return 1
    serve_stop
}
check "a missing database is created (--threads 1); setup from loopback makes the first admin, once" t_new_db

# --- listening beyond loopback -------------------------------------------------------------------------

if command -v openssl >/dev/null 2>&1; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout "$W/key.pem" -out "$W/cert.pem" -subj /CN=localhost \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout "$W/key2.pem" -out "$W/cert2.pem" -subj /CN=other >/dev/null 2>&1
fi
HAVE_TLS=false
[ -s "$W/cert.pem" ] && [ -s "$W/key2.pem" ] && HAVE_TLS=true

# refuse ARGS... -> exit 2 and its message in refuse.err
refuse() { "$SERVE_BIN" serve "$@" >/dev/null 2>refuse.err; RC=$?; }
t_usage() {
    local l
    for l in 127.0.0.1 127.0.0.1:0 127.0.0.1:99999 ::1:8005 '[::1]' 'x.y:80' '127.0.0.1:80a' ''; do
        refuse --db "$DB" --listen "$l"
        eq "$RC" 2 "--listen '$l'" || return 1
        has refuse.err "--listen" "message for '$l'" || return 1
    done
    refuse --db "$DB" --threads 0
    eq "$RC" 2 "--threads 0" || return 1
    refuse --db "$DB" --bogus
    eq "$RC" 2 "--bogus"
}
check "bad --listen, --threads, options: exit 2 with a message" t_usage
t_no_tls() {
    PORT=$(free_port 18100 18199)
    refuse --db "$DB" --listen "0.0.0.0:$PORT"
    eq "$RC" 2 "exit" || return 1
    has refuse.err "without TLS" "message" || return 1
    has refuse.err "--tls-cert" "message"
}
check "beyond loopback without TLS: refused, exit 2, says --tls-cert" t_no_tls
if $HAVE_TLS; then
    sqlite3 "$DB" ".backup '$W/noadmin.db'"
    "$OTW" user remove alice --db "$W/noadmin.db" >/dev/null 2>&1
    t_no_admin() {
        PORT=$(free_port 18100 18199)
        refuse --db "$W/noadmin.db" --listen "0.0.0.0:$PORT" --tls-cert "$W/cert.pem" --tls-key "$W/key.pem"
        eq "$RC" 2 "exit" || return 1
        has refuse.err "otwatch user add NAME --role admin" "message"
    }
    check "beyond loopback without an admin user: refused, exit 2, says otwatch user add" t_no_admin
    t_bad_tls() {
        PORT=$(free_port 18100 18199)
        refuse --db "$DB" --listen "0.0.0.0:$PORT" --tls-cert "$W/nothere.pem" --tls-key "$W/key.pem"
        eq "$RC" 2 "missing cert" || return 1
        has refuse.err "nothere.pem" "message" || return 1
        refuse --db "$DB" --listen "0.0.0.0:$PORT" --tls-cert "$W/key.pem" --tls-key "$W/key.pem"
        eq "$RC" 2 "key as cert" || return 1
        has refuse.err "not a PEM certificate" "message" || return 1
        refuse --db "$DB" --listen "0.0.0.0:$PORT" --tls-cert "$W/cert.pem" --tls-key "$W/key2.pem"
        eq "$RC" 2 "other key" || return 1
        has refuse.err "does not belong" "message" || return 1
        refuse --db "$DB" --listen "0.0.0.0:$PORT" --tls-cert "$W/cert.pem"
        eq "$RC" 2 "cert without key"
    }
    check "TLS files missing, not PEM, not matching, alone: exit 2 with a message" t_bad_tls
    t_tls() {
        serve_start "$W/tls.log" --db "$DB" --listen "0.0.0.0:@PORT@" --tls-cert "$W/cert.pem" \
            --tls-key "$W/key.pem" || { fail "$(cat "$W/tls.log")"; return 1; }
        local i
        for i in $(seq 1 100); do
            grep -qF "serving" "$W/tls.log" && break
            sleep 0.1
        done
        has "$W/tls.log" "serving https://0.0.0.0:$PORT/" "start message" || return 1
        req GET /
        code_is 200 "" "https /" || return 1
        sec_headers "https /" || return 1
        hdr Strict-Transport-Security | grep -q 'max-age=' || { fail "no HSTS on /"; return 1; }
        login alice "$PW_A" tls.jar || return 1
        hdr Set-Cookie | grep -q '; Secure' || { fail "no Secure: $(hdr Set-Cookie)"; return 1; }
        hdr Strict-Transport-Security | grep -q 'max-age=' || { fail "no HSTS on the API"; return 1; }
        CODE=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/")
        [ "$CODE" != 200 ] || fail "plain http answered 200 on the TLS port"
    }
    check "TLS on 0.0.0.0 (via 127.0.0.1, curl --cacert): works, Secure cookie, HSTS" t_tls
    # The first admin only from this machine: with no users left (removed with
    # the CLI while the server runs), a setup from a non-loopback address of
    # this host is refused, and allowed from 127.0.0.1.
    HOSTIP=$(python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("192.0.2.1", 9)); print(s.getsockname()[0])
except OSError:
    pass' 2>/dev/null)
    if [ -n "$HOSTIP" ] && [ "${HOSTIP#127.}" = "$HOSTIP" ] &&
        curl -s -o /dev/null --max-time 5 -k "https://$HOSTIP:$PORT/api/health"; then
        t_not_loopback() {
            "$OTW" user remove victor --db "$DB" >/dev/null 2>&1
            "$OTW" user remove lockme --db "$DB" >/dev/null 2>&1
            "$OTW" user remove alice --db "$DB" >/dev/null 2>&1
            eq "$(sqlite3 "$DB" "SELECT count(*) FROM users")" 0 "users left" || return 1
            CODE=$(curl -s -o b.out -w '%{http_code}' -k "${J[@]}" \
                -d '{"user":"evil","password":"evil-password-1"}' "https://$HOSTIP:$PORT/api/setup")
            code_is 403 not_loopback "setup from $HOSTIP" || return 1
            eq "$(sqlite3 "$DB" "SELECT count(*) FROM users")" 0 "users after" || return 1
            req POST /api/setup '{"user":"evil","password":"evil-password-1"}' "${J[@]}" \
                -H "Host: attacker.example:$PORT"
            code_is 403 not_loopback "setup from 127.0.0.1 naming another host" || return 1
            req POST /api/setup '{"user":"alice","password":"alice-web-pass-1"}' "${J[@]}"
            code_is 201 "" "setup from 127.0.0.1"
        }
        check "setup from a non-loopback address ($HOSTIP), or naming another host, refused: 403 not_loopback" t_not_loopback
    else
        skip "setup from a non-loopback address refused" "this host has no non-loopback address to connect from"
    fi
    serve_stop
else
    skip "TLS checks" "openssl is missing"
fi

t_ipv6() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null ||
        return 0
    serve_start "$W/v6.log" --db "$DB" --listen "[::1]:@PORT@" || { fail "$(cat "$W/v6.log")"; return 1; }
    CODE=$(curl -s -g -o b.out -w '%{http_code}' "http://[::1]:$PORT/api/setup")
    code_is 200 "" "[::1]" || return 1
    serve_stop
    eq "$STOP_RC" 0 "exit"
}
check "IPv6: --listen [::1]:PORT serves" t_ipv6

# --- capture --serve ------------------------------------------------------------------------------------------

t_capture_serve() {
    local ns=otwapi$$ cap rc
    NSS+=("$ns")
    ip netns add "$ns" || { fail "ip netns add"; return 1; }
    ip -n "$ns" link set lo up
    ip -n "$ns" link add va type veth peer name vb || { fail "veth"; return 1; }
    ip -n "$ns" addr add 10.99.78.1/24 dev va
    ip -n "$ns" link set va up
    ip -n "$ns" link set vb up
    sqlite3 "$DB" ".backup '$W/cap.db'"
    printf '%s\n' "$PW_A" | "$OTW" user add alice --role admin --db "$W/cap.db" >/dev/null 2>&1
    PORT=$(free_port 18100 18199)
    ip netns exec "$ns" "$OTW" capture -i vb --db "$W/cap.db" --serve "127.0.0.1:$PORT" \
        --stats-interval 5 2>"$W/cap.log" &
    cap=$!
    SPIDS+=("$cap")
    BASE=http://127.0.0.1:$PORT
    local i ok=false
    for i in $(seq 1 300); do
        ip netns exec "$ns" curl -s -o /dev/null "$BASE/api/health" && { ok=true; break; }
        kill -0 "$cap" 2>/dev/null || break
        sleep 0.1
    done
    $ok || { fail "no answer: $(tail -5 "$W/cap.log")"; return 1; }
    for i in $(seq 1 100); do
        grep -qF "serving" "$W/cap.log" && break
        sleep 0.1
    done
    has "$W/cap.log" "serving http://127.0.0.1:$PORT/" "log" || return 1
    # pings out of va to a made-up neighbour at vb's MAC: vb sees them
    ip -n "$ns" neigh add 10.99.78.2 lladdr \
        "$(ip -n "$ns" -o link show vb | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" dev va
    ip netns exec "$ns" ping -c 3 -i 0.2 -W 1 10.99.78.2 >/dev/null 2>&1
    CODE=$(ip netns exec "$ns" curl -s -o b.out -D h.out -w '%{http_code}' -c cap.jar "${J[@]}" \
        -d "{\"user\":\"alice\",\"password\":\"$PW_A\"}" "$BASE/api/login")
    code_is 200 "" "login through capture --serve" || return 1
    CODE=$(ip netns exec "$ns" curl -s -o b.out -w '%{http_code}' -b cap.jar "$BASE/api/me")
    code_is 200 "" "me" || return 1
    kill -TERM "$cap"
    wait "$cap"
    rc=$?
    eq "$rc" 0 "capture exit status on SIGTERM" || return 1
    "$OTW" sessions --db "$W/cap.db" 'ip == 10.99.78.1' --format json >caps.json 2>&1
    grep -q '"10.99.78.1"' caps.json || fail "the capture stored no session of the pings: $(head -c 200 caps.json)"
}
if [ "$(id -u)" -ne 0 ]; then
    skip "capture --serve" "needs root (a veth in a network namespace to capture on)"
elif ! command -v ip >/dev/null 2>&1 || ! ip netns add "otwapi-probe$$" 2>/dev/null; then
    skip "capture --serve" "cannot create network namespaces here"
else
    ip netns del "otwapi-probe$$"
    check "capture --serve: captures and serves in one process; login works; SIGTERM exits 0" t_capture_serve
fi

finish
