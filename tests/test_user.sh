#!/usr/bin/env bash
# tests/test_user.sh - end-to-end checks of `otwatch user` (issue 7, point 4):
# accounts with roles, Argon2id password hashes, passwords never in argv or
# in clear in the database.
#
#   bash tests/test_user.sh <otwatch-binary> <source-dir>
#
# Passwords come on stdin (not a terminal). The database is read back with
# the sqlite3 tool, independently of otwatch. Prints `ok - NAME` /
# `not ok - NAME: WHY`, then `N passed, N failed`; exits 1 when any check failed.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_user.sh OTWATCH-BINARY SOURCE-DIR}")
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-user.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

PASS=0 FAIL=0 WHY=""
command -v sqlite3 >/dev/null 2>&1 || { echo "not ok - setup: sqlite3 is missing"; echo "0 passed, 1 failed"; exit 1; }

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
has() { grep -qF -- "$2" "$1" || fail "$3: '$2' not in: $(head -c 600 "$1" | tr '\n' '|')"; }

DB=$W/users.db
# u PASSWORD ARGS...: runs `otwatch user ARGS --db DB` with PASSWORD on stdin;
# stdout in out, stderr in err, status in RC
u() {
    local pw=$1
    shift
    printf '%s\n' "$pw" | "$OTW" user "$@" --db "$DB" >out 2>err
    RC=$?
}
sq() { sqlite3 "$DB" "$@"; }

PW_A='Adm1n-secret-XYZZY-42'
PW_V='viewer pass phrase 7'
PW_N='brand-new-Passw0rd!'

# --- add and list ----------------------------------------------------------------------
t_add_admin() {
    u "$PW_A" add alice --role admin
    eq "$RC" 0 "exit status" || return 1
    has err "added alice (admin)" "message"
}
check "add an admin, password from stdin" t_add_admin
t_add_viewer() {
    u "$PW_V" add bob.v@plant
    eq "$RC" 0 "exit status" || return 1
    eq "$(sq "SELECT role FROM users WHERE name = 'bob.v@plant'")" viewer "default role"
}
check "add a viewer (default role)" t_add_viewer
t_list_table() {
    u "" list
    eq "$RC" 0 "exit status" || return 1
    eq "$(awk 'NR > 1 {print $1 "=" $2}' out | tr '\n' ' ')" "alice=admin bob.v@plant=viewer " \
       "table rows"
}
check "list as a table shows both with roles" t_list_table
t_list_json() {
    u "" list --format json
    eq "$RC" 0 "exit status" || return 1
    eq "$(wc -l <out)" 2 "lines" || return 1
    python3 - out <<'PY' || fail "json: $(cat out)"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [(r["name"], r["role"]) for r in rows] == [("alice", "admin"), ("bob.v@plant", "viewer")]
assert all("hash" not in r for r in rows)
PY
}
check "list as JSON lines shows both with roles, no hash" t_list_json
t_hash_form() {
    eq "$(sq "SELECT count(*) FROM users WHERE hash LIKE '\$argon2id\$%'")" 2 "argon2id hashes"
}
check "stored hashes are Argon2id strings" t_hash_form

# --- check -----------------------------------------------------------------------------
t_check_right() {
    u "$PW_A" check alice
    eq "$RC" 0 "exit status" || return 1
    u "$PW_V" check bob.v@plant
    eq "$RC" 0 "viewer exit status"
}
check "check accepts the right password" t_check_right
t_check_wrong() {
    u "${PW_A}x" check alice
    eq "$RC" 1 "exit status" || return 1
    has err "wrong password" "message" || return 1
    u "$PW_V" check alice
    eq "$RC" 1 "another user's password"
}
check "check rejects a wrong password" t_check_wrong
t_check_unknown() {
    u "$PW_A" check nobody
    eq "$RC" 1 "exit status" || return 1
    has err "no user 'nobody'" "message"
}
check "check of an unknown user fails" t_check_unknown
t_same_pw() {
    u "$PW_V" add carol
    eq "$RC" 0 "add carol" || return 1
    local h1 h2
    h1=$(sq "SELECT hash FROM users WHERE name = 'bob.v@plant'")
    h2=$(sq "SELECT hash FROM users WHERE name = 'carol'")
    [ -n "$h1" ] && [ "$h1" != "$h2" ] || fail "same password, same hash: $h1"
}
check "two users with the same password have different hashes (salt)" t_same_pw

# --- passwd, role, remove --------------------------------------------------------------
t_passwd() {
    local before after
    before=$(sq "SELECT hash FROM users WHERE name = 'carol'")
    u "$PW_N" passwd carol
    eq "$RC" 0 "exit status" || return 1
    after=$(sq "SELECT hash FROM users WHERE name = 'carol'")
    [ "$before" != "$after" ] || fail "hash unchanged" || return 1
    u "$PW_V" check carol
    eq "$RC" 1 "old password" || return 1
    u "$PW_N" check carol
    eq "$RC" 0 "new password"
}
check "passwd changes the password (old fails, new works)" t_passwd
t_passwd_unknown() {
    u "$PW_N" passwd nobody
    eq "$RC" 1 "exit status" || return 1
    has err "no user 'nobody'" "message"
}
check "passwd of an unknown user fails" t_passwd_unknown
t_role() {
    u "" role carol admin
    eq "$RC" 0 "exit status" || return 1
    eq "$(sq "SELECT role FROM users WHERE name = 'carol'")" admin "role" || return 1
    u "" role carol viewer
    eq "$(sq "SELECT role FROM users WHERE name = 'carol'")" viewer "role back"
}
check "role changes the role" t_role
t_remove() {
    u "" remove carol
    eq "$RC" 0 "exit status" || return 1
    eq "$(sq "SELECT count(*) FROM users WHERE name = 'carol'")" 0 "row" || return 1
    u "$PW_N" check carol
    eq "$RC" 1 "check after removal" || return 1
    u "" remove carol
    eq "$RC" 1 "removing again" || return 1
    has err "no user 'carol'" "message"
}
check "remove deletes the user" t_remove

# --- errors ----------------------------------------------------------------------------
t_dup() {
    local before
    before=$(sq "SELECT hash FROM users WHERE name = 'alice'")
    u "$PW_N" add alice
    eq "$RC" 1 "exit status" || return 1
    has err "user 'alice' already exists" "message" || return 1
    eq "$(sq "SELECT hash || role FROM users WHERE name = 'alice'")" "${before}admin" "unchanged"
}
check "adding an existing user: exit 1, message, nothing changed" t_dup
t_bad_name() {
    local n
    for n in 'bad name' 'semi;colon' '' "$(printf 'a%.0s' {1..65})" "x'--"; do
        u "$PW_N" add "$n"
        eq "$RC" 2 "exit status for '$n'" || return 1
        has err "bad user name" "message for '$n'" || return 1
    done
    u "$PW_N" add "$(printf 'a%.0s' {1..64})"
    eq "$RC" 0 "64 characters are fine"
}
check "bad names: exit 2 with message" t_bad_name
t_short_pw() {
    u "123456789" add dave
    eq "$RC" 2 "exit status" || return 1
    has err "password too short" "message" || return 1
    u "" add dave
    eq "$RC" 2 "empty password" || return 1
    "$OTW" user add dave --db "$DB" </dev/null >out 2>err
    eq "$?" 2 "no input" || return 1
    has err "no password given" "message for no input" || return 1
    eq "$(sq "SELECT count(*) FROM users WHERE name = 'dave'")" 0 "not added"
}
check "short or missing password: exit 2 with message" t_short_pw
t_long_pw() {
    u "$(head -c 1025 /dev/zero | tr '\0' x)" add dave
    eq "$RC" 2 "1025 bytes" || return 1
    has err "password too long" "message" || return 1
    u "$(head -c 1024 /dev/zero | tr '\0' y)" add dave
    eq "$RC" 0 "1024 bytes are fine" || return 1
    u "$(head -c 1024 /dev/zero | tr '\0' y)" check dave
    eq "$RC" 0 "and check"
}
check "password longer than 1024 bytes: exit 2" t_long_pw
t_bad_role() {
    u "$PW_N" add erin --role root
    eq "$RC" 2 "add exit status" || return 1
    has err "unknown role 'root'" "message" || return 1
    u "" role alice superuser
    eq "$RC" 2 "role exit status" || return 1
    has err "unknown role 'superuser'" "role message" || return 1
    eq "$(sq "SELECT role FROM users WHERE name = 'alice'")" admin "unchanged"
}
check "unknown role: exit 2 with message" t_bad_role
t_pw_arg() {
    u "$PW_N" add frank "$PW_N"
    eq "$RC" 2 "exit status" || return 1
    has err "takes one user name" "message" || return 1
    u "" list --format csv
    eq "$RC" 2 "bad format" || return 1
    u "" frobnicate
    eq "$RC" 2 "unknown action"
}
check "usage errors: password as argument, bad format, unknown action" t_pw_arg

# --- secrecy ---------------------------------------------------------------------------
t_argv() {
    # every otwatch invocation above got the password on stdin only; the
    # binary accepts no argument that could carry one (t_pw_arg), so ps
    # never shows it. Check a live process's argv too.
    local fifo=$W/pw.fifo pid
    mkfifo "$fifo"
    "$OTW" user add gina --db "$DB" <"$fifo" >out 2>err &
    pid=$!
    exec 3>"$fifo"
    # the child may still be the shell between fork and exec: wait for
    # otwatch itself (it then blocks reading the fifo)
    local args="" i
    for i in $(seq 200); do
        args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
        case "$args" in *"user add gina"*) break ;; esac
        sleep 0.05
    done
    printf '%s\n' "$PW_N" >&3
    exec 3>&-
    wait "$pid"
    eq "$?" 0 "add gina" || return 1
    case "$args" in
        *"$PW_N"*) fail "password in argv: $args" ;;
        *"user add gina"*) return 0 ;;
        *) fail "could not read argv: '$args'" ;;
    esac
}
check "the password is not in the process's argv" t_argv
t_not_clear() {
    sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    local f
    for f in "$DB" "$DB-wal"; do
        [ -f "$f" ] || continue
        for p in "$PW_A" "$PW_V" "$PW_N"; do
            ! grep -qaF -- "$p" "$f" || fail "'$p' in clear in $f" || return 1
        done
    done
    return 0
}
check "no password in clear in the database files" t_not_clear

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
