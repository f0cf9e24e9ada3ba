# tests/web/lib.sh - the harness the web API tests share (tests/test_api*.sh,
# issue 7). Sourced, never run: a test sets OTW (the otwatch binary) and SRC
# (the source directory), then
#
#   . "$(dirname "${BASH_SOURCE[0]}")/web/lib.sh"
#
# and has:
#   web_init TAG TOOL...  a temporary directory W (otw-TAG.XXXXXX) that is the
#                         current directory and is removed at exit, after the
#                         server (SERVER_PID) is stopped and the test's own
#                         cleanup_extra function, when it defines one, has run;
#                         every TOOL must be on PATH (else a setup failure)
#   check NAME CMD...     runs CMD: `ok - NAME`, or `not ok - NAME: WHY` (WHY
#                         is what CMD gave fail, else "failed"); counts in
#                         PASS and FAIL
#   fail WHY...           sets WHY and returns 1
#   eq GOT WANT WHAT      fails with "WHAT: expected 'WANT', got 'GOT'"
#   setup_fail WHY...     `not ok - setup: WHY`, counted as a failure; finish
#   finish                prints `N passed, N failed`; exits 1 when any check
#                         failed, else 0
#   make_db               DB=$W/web.db and CONF=$DB.conf from
#                         tests/web/make-db.sh (users alice/admin and
#                         victor/viewer); its failure is a setup failure
#   free_port LO HI       prints a port of LO..HI nobody listens on (random
#                         start: parallel runs rarely collide); nothing if none
#   wait_answer PID URL [CURL-ARGS...]
#                         returns 0 once URL answers, 1 when PID is gone first
#                         or after 30 s (readiness, never a timing check)
#   start_server LO HI [SERVE-ARGS...]
#                         `otwatch serve SERVE-ARGS --listen 127.0.0.1:PORT` on
#                         a free port of LO..HI (another port when that one was
#                         taken meanwhile), stdout in $W/serve.out, stderr in
#                         $W/serve.err; once it answers sets PORT, BASE
#                         (http://127.0.0.1:PORT) and SERVER_PID; a setup
#                         failure when it does not start
#   login WHO USER PASSWORD
#                         logs USER in with the cookie jar $W/WHO.jar and keeps
#                         the CSRF token of /api/me in $W/WHO.csrf; returns 1
#                         (with WHY) when that fails
#   api WHO METHOD PATH [BODY]
#                         a call as WHO (its jar; on anything but GET a JSON
#                         BODY, default {}, and WHO's CSRF token): the status in
#                         CODE, the body in the file API_OUT (default $W/out)
# LC_ALL=C and TZ=UTC are exported. bash, set -u.
# shellcheck shell=bash disable=SC2034
set -u
export LC_ALL=C TZ=UTC

PASS=0 FAIL=0 WHY=""
SERVER_PID=""
CODE=""

check() {
    local name=$1
    shift
    WHY=""
    if "$@"; then
        echo "ok - $name"
        PASS=$((PASS + 1))
    else
        echo "not ok - $name: ${WHY:-failed}"
        FAIL=$((FAIL + 1))
    fi
}
fail() { WHY="$*"; return 1; }
eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
    exit $?
}
setup_fail() {
    echo "not ok - setup: $*"
    FAIL=$((FAIL + 1))
    finish
}

web_cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    declare -F cleanup_extra >/dev/null && cleanup_extra
    rm -rf "$W"
}
web_init() {
    local tag=$1 t
    shift
    W=$(mktemp -d "${TMPDIR:-/tmp}/otw-$tag.XXXXXX") || { echo "not ok - setup: mktemp"; exit 1; }
    API_OUT=$W/out
    trap web_cleanup EXIT
    cd "$W" || exit 1
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || setup_fail "$t is missing"
    done
}

make_db() {
    DB=$W/web.db
    CONF=$DB.conf
    bash "$SRC/tests/web/make-db.sh" "$OTW" "$SRC" "$DB" >"$W/make-db.log" 2>&1 ||
        setup_fail "make-db.sh: $(tail -n 3 "$W/make-db.log" | tr '\n' ' ')"
}

free_port() {
    python3 - "$1" "$2" <<'EOF'
import random, socket, sys
ports = list(range(int(sys.argv[1]), int(sys.argv[2]) + 1))
k = random.randrange(len(ports))
for p in ports[k:] + ports[:k]:
    s = socket.socket()
    try:
        s.bind(("0.0.0.0", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
}

wait_answer() {
    local pid=$1 url=$2
    shift 2
    for _ in $(seq 1 300); do
        curl -s -g -o /dev/null "$@" "$url" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

start_server() {
    local lo=$1 hi=$2
    shift 2
    for _ in 1 2 3 4 5; do
        PORT=$(free_port "$lo" "$hi")
        [ -n "$PORT" ] || setup_fail "no free port in $lo-$hi"
        "$OTW" serve "$@" --listen "127.0.0.1:$PORT" >"$W/serve.out" 2>"$W/serve.err" &
        SERVER_PID=$!
        BASE=http://127.0.0.1:$PORT
        wait_answer "$SERVER_PID" "$BASE/api/health" && return 0
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=""
    done
    setup_fail "otwatch serve did not start: $(tail -n 3 "$W/serve.err" | tr '\n' ' ')"
}

api() {
    local who=$1 method=$2 path=$3 body=${4:-}
    local args=(-s -o "$API_OUT" -w '%{http_code}' -b "$W/$who.jar" -c "$W/$who.jar" -X "$method")
    if [ "$method" != GET ]; then
        args+=(-H "Content-Type: application/json" -H "X-CSRF-Token: $(cat "$W/$who.csrf" 2>/dev/null)"
               --data-binary "${body:-{\}}")
    fi
    CODE=$(curl "${args[@]}" "$BASE$path")
}
login() {
    local who=$1 user=$2 pw=$3
    rm -f "$W/$who.jar" "$W/$who.csrf"
    api "$who" POST /api/login "{\"user\":\"$user\",\"password\":\"$pw\"}"
    [ "$CODE" = 200 ] || { fail "login $user: HTTP $CODE $(head -c 200 "$API_OUT")"; return 1; }
    api "$who" GET /api/me
    [ "$CODE" = 200 ] || { fail "/api/me as $user: HTTP $CODE"; return 1; }
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$API_OUT" \
        >"$W/$who.csrf" 2>/dev/null || { fail "no CSRF token for $user"; return 1; }
}
