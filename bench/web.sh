#!/usr/bin/env bash
# bench/web.sh - how fast the web interface answers on a big database: the
# first page of filtered session queries (GET /api/sessions?expr=...&limit=50)
# and the one-day connection graph (GET /api/graph), each the best of RUNS
# timed with curl's time_total against a real `otwatch serve`, printed in
# milliseconds against the 100 ms target; beside each, in the same run, the
# sqlite3 tool running the equivalent SQL on the same file (the reference:
# SQLite itself, without HTTP, JSON, names or statuses) and the ratio.
#
# The database: bench/gen-sessions.c (built here against the build's
# libotwcore.a) makes SESSIONS sessions over DAYS days of a plausible plant
# (about 200 hosts: Modbus/S7/EtherNet/IP pollers with hour-long records, OPC
# UA, and many short IT sessions - DNS, proxy, SMB, Kerberos, printing,
# SNMP and ping from the NMS, multicast, broadcast, IPv6), with a baseline of
# the first 14 days, asset names and two open alerts; see its top comment.
# It is kept between runs (DB, with DB.stamp saying how it was made).
#
# Then (IMPORT=1, the default) what the graph costs imports: bench/out/
# modbus-2m-31536000s.pcap (about 346,000 session records; made by bench/import.sh's
# generator when missing) imported into a fresh database with and without
# the covering index sessions_graph and the triggers that keep graph_hours,
# alternating, best of IMPORT_RUNS (wall and CPU time).
#
# Usage: bench/web.sh
# Environment: BUILD (build directory, default ./build), OTWATCH
#   ($BUILD/otwatch), DB (/tmp/otw-10m.db), SESSIONS (10000000), DAYS (90),
#   SEED (1), RUNS (5), PORT (default: the first free of 18399 down to 18390), IMPORT (1),
#   IMPORT_RUNS (2), OUT (bench/out)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
BUILD=${BUILD:-$root/build}
OTWATCH=${OTWATCH:-$BUILD/otwatch}
DB=${DB:-/tmp/otw-10m.db}
SESSIONS=${SESSIONS:-10000000}
DAYS=${DAYS:-90}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
IMPORT=${IMPORT:-1}
IMPORT_RUNS=${IMPORT_RUNS:-2}
OUT=${OUT:-$here/out}
mkdir -p "$OUT"

log() { printf '%s\n' "$*" >&2; }
die() { log "web.sh: $*"; exit 1; }

for tool in curl sqlite3 cc pkg-config python3; do
    command -v "$tool" >/dev/null || die "$tool is needed (apt-get install curl sqlite3 gcc pkg-config python3)"
done
[ -x "$OTWATCH" ] || die "no otwatch at $OTWATCH (build first, or set BUILD= / OTWATCH=)"
[ -f "$BUILD/libotwcore.a" ] || die "no $BUILD/libotwcore.a (build first, or set BUILD=)"

# ---- the database ------------------------------------------------------------------

gen=$OUT/gen-sessions
if [ ! -x "$gen" ] || [ "$here/gen-sessions.c" -nt "$gen" ] || [ "$BUILD/libotwcore.a" -nt "$gen" ]; then
    log "building $gen"
    # shellcheck disable=SC2046
    cc -O2 -std=gnu11 -Wall -Wextra -Wshadow -I"$root/src" -I"$BUILD/gen" -o "$gen" \
        "$here/gen-sessions.c" "$BUILD/libotwcore.a" \
        $(pkg-config --libs sqlite3 libpcap jansson zlib libcrypto libxxhash libcurl libsodium \
          libmicrohttpd) -lpthread -lm
fi
stamp="sessions=$SESSIONS days=$DAYS seed=$SEED gen=$(sha1sum <"$here/gen-sessions.c" | cut -c1-12)"
if [ -f "$DB" ] && [ -f "$DB.stamp" ] && [ "$(cat "$DB.stamp")" = "$stamp" ]; then
    log "reusing $DB ($(tail -1 "$DB.gen" 2>/dev/null || true))"
else
    log "generating $DB: $SESSIONS sessions over $DAYS days ..."
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.stamp"
    t0=$(date +%s)
    "$gen" -o "$DB" -n "$SESSIONS" -d "$DAYS" -s "$SEED" 2>"$DB.gen" || { cat "$DB.gen" >&2; exit 1; }
    echo "generated in $(($(date +%s) - t0)) s" >>"$DB.gen"
    echo "$stamp" >"$DB.stamp"
    log "  $(tail -1 "$DB.gen")"
fi
# a schema this otwatch knows (a read-only open refuses any other)
"$OTWATCH" baseline mode --db "$DB" >/dev/null || die "$DB: not this otwatch's schema: remove it to regenerate"

# ---- the server -----------------------------------------------------------------------

W=$(mktemp -d "${TMPDIR:-/tmp}/otw-webbench.XXXXXX")
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    "$OTWATCH" user remove bench --db "$DB" >/dev/null 2>&1 || true
    rm -rf "$W"
}
trap cleanup EXIT

PASSWORD=bench-password-$$-$RANDOM
"$OTWATCH" user remove bench --db "$DB" >/dev/null 2>&1 || true
printf '%s\n' "$PASSWORD" | "$OTWATCH" user add bench --role viewer --db "$DB" >/dev/null 2>"$W/user.err" ||
    die "cannot add the bench user: $(cat "$W/user.err")"

BASE=""
for port in ${PORT:-$(seq 18399 -1 18390)}; do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && continue     # someone else's
    "$OTWATCH" serve --listen "127.0.0.1:$port" --db "$DB" >"$W/serve.out" 2>"$W/serve.err" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/api/me"; then BASE="http://127.0.0.1:$port"; break; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$BASE" ] && break
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
done
[ -n "$BASE" ] || die "otwatch serve did not start: $(tail -3 "$W/serve.err")"
curl -s -o /dev/null -c "$W/jar" -X POST -H 'Content-Type: application/json' \
    --data "{\"user\":\"bench\",\"password\":\"$PASSWORD\"}" "$BASE/api/login"

# ---- timing ----------------------------------------------------------------------------

# best_http PATH ARG=VALUE...: sets MS to the best time_total of RUNS in ms (after one
# warm-up); the last answer in $W/body, its status in CODE.
CODE="" MS=""
best_http() {
    local path=$1 best="" t a args=()
    shift
    for a in "$@"; do args+=(--data-urlencode "$a"); done
    for i in $(seq 0 "$RUNS"); do
        t=$(curl -s -G -o "$W/body" -w '%{http_code} %{time_total}' -b "$W/jar" "${args[@]}" "$BASE$path")
        CODE=${t% *}
        t=${t#* }
        [ "$i" -eq 0 ] && continue      # warm-up: the page cache, the thread's store handle
        best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
    done
    MS=$(awk -v s="$best" 'BEGIN { printf "%.1f", s * 1000 }')
}

# best_sql SQL: best of RUNS "Run Time: real" of the sqlite3 tool in ms (after a warm-up)
best_sql() {
    local sql=$1
    # the rows go to /dev/null, the timer's lines still to stdout
    { echo ".timer on"; echo ".output /dev/null"; for _ in $(seq 0 "$RUNS"); do echo "$sql"; done; } |
        sqlite3 -readonly "$DB" 2>&1 |
        awk '/^Run Time/ { n++; if (n == 1) next; t = $4 * 1000; if (best == "" || t < best) best = t }
             END { printf "%.1f", best }'
}

max_start=$(sqlite3 -readonly "$DB" 'SELECT max(start_us) FROM sessions')
total=$(sqlite3 -readonly "$DB" 'SELECT count(*) FROM sessions')
day_since=$((max_start + 1 - 86400000000))
day_until=$((max_start + 1))
day_rows=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM sessions WHERE start_us >= $day_since AND start_us < $day_until")

rows=()
target() { awk -v m="$1" 'BEGIN { print (m < 100) ? "yes" : "NO" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
# sqlite3's timer shows milliseconds: below 1 it says 0
refms() { awk -v b="$1" 'BEGIN { if (b > 0) print b; else print "< 1" }'; }

# row NAME HTTP-MS REF-MS ANSWER
row() { rows+=("| $1 | $2 | $(target "$2") | $(refms "$3") | $(ratio "$2" "$3") | $4 |"); }

# the sessions page: newest first, 50 rows (the sessions helper's endpoint)
sess() {
    local name=$1 expr=$2 where=$3 ms ref n
    best_http /api/sessions "expr=$expr" limit=50
    ms=$MS
    if [ "$CODE" != 200 ]; then
        rows+=("| sessions: $name | n/a (HTTP $CODE) | | | | |")
        return
    fi
    n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$W/body" 2>/dev/null || echo "?")
    ref=$(best_sql "SELECT * FROM sessions WHERE $where ORDER BY start_us DESC, id DESC LIMIT 50;")
    row "sessions: \`${expr:-(all)}\`" "$ms" "$ref" "$n rows"
}
log "timing (best of $RUNS; load average $(cut -d' ' -f1 /proc/loadavg)) ..."
load_start=$(cut -d' ' -f1 /proc/loadavg)
sess "all" "" "1"
sess "port" "port.dst == 502" "dst_port = 502"
sess "host" "ip.src == 10.20.1.15" "src_ip = x'00000000000000000000ffff0a14010f'"
sess "subnet" "ip.dst == 10.10.2.0/24 && port.dst == 502" \
    "dst_ip BETWEEN x'00000000000000000000ffff0a0a0200' AND x'00000000000000000000ffff0a0a02ff' AND dst_port = 502"
sess "field" "modbus.func == write_single_register" \
    "id IN (SELECT session_id FROM session_fields WHERE field = 'modbus.func' AND value = 'write_single_register')"
sess "rare" "port.dst == 3389 && ip.src == 10.10.0.7" \
    "dst_port = 3389 AND src_ip = x'00000000000000000000ffff0a0a0007'"

# the graph: the last day of data; the reference is SQLite's own GROUP BY of the same rows
graph_ref() {
    best_sql "SELECT src_ip, dst_ip, proto, CASE WHEN proto IN (6,17,132) THEN dst_port ELSE 0 END,
 protocols, count(*), sum(src_bytes + dst_bytes), min(start_us), max(end_us) FROM sessions
 WHERE start_us >= $day_since AND start_us < $day_until AND ($1) GROUP BY 1, 2, 3, 4, 5;"
}
# gr NAME REFERENCE-WHERE ARG=VALUE...
gr() {
    local name=$1 where=$2 ms n ref
    shift 2
    best_http /api/graph "$@"
    ms=$MS
    [ "$CODE" = 200 ] || { rows+=("| graph: $name | n/a (HTTP $CODE) | | | | |"); return; }
    n=$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); print("%d hosts, %d of %d edges, %d sessions" % (len(g["nodes"]), len(g["edges"]), g["edges_total"], g["sessions"]))' "$W/body")
    ref=$(graph_ref "$where")
    row "graph: $name" "$ms" "$ref" "$n"
}
gr "one day" 1 weight=sessions
gr "one day, by bytes, hide ICMP/IPv6/multicast/broadcast" 1 weight=bytes hide=icmp,ipv6,multicast,broadcast
gr "one day, hide approved operational" 1 hide=operational
gr "one day, \`port.dst == 502\`" "dst_port = 502" "expr=port.dst == 502"
gr "one day, \`ip == 10.20.1.0/24\`" \
    "src_ip BETWEEN x'00000000000000000000ffff0a140100' AND x'00000000000000000000ffff0a1401ff' OR dst_ip BETWEEN x'00000000000000000000ffff0a140100' AND x'00000000000000000000ffff0a1401ff'" \
    "expr=ip == 10.20.1.0/24"
load_end=$(cut -d' ' -f1 /proc/loadavg)
plan=$(sqlite3 -readonly "$DB" "EXPLAIN QUERY PLAN SELECT src_ip, dst_ip, proto, dst_port, protocols, dst_mac, src_bytes + dst_bytes, start_us, end_us FROM sessions WHERE start_us >= 1 AND start_us < 2" | tail -1 | sed 's/^[^A-Z]*//')

# ---- the import cost of the graph index ---------------------------------------------------

imp_rows=()
if [ "$IMPORT" = 1 ]; then
    [ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
    cap=$OUT/modbus-2m-31536000s.pcap
    if [ ! -f "$cap" ]; then
        log "generating $cap ..."
        cc -O2 -Wall -Wextra -o "$OUT/gen_modbus" "$here/gen_modbus.c"
        "$OUT/gen_modbus" -n 2000000 -d 31536000 -s 1 -o "$cap" 2>"$cap.gen"
    fi
    idb=$W/import.db
    declare -A best_wall best_cpu
    cat "$cap" >/dev/null
    log "import cost of the graph's index and triggers (best of $IMPORT_RUNS, alternating) ..."
    for _ in $(seq 1 "$IMPORT_RUNS"); do
        for variant in with without; do
            rm -f "$idb" "$idb-wal" "$idb-shm"
            "$OTWATCH" baseline mode learning --db "$idb" >/dev/null    # creates the schema
            [ "$variant" = with ] || sqlite3 "$idb" 'DROP INDEX sessions_graph;
                DROP TRIGGER graph_hours_ins; DROP TRIGGER graph_hours_del; DROP TRIGGER graph_hours_upd;'
            t0=$(date +%s%N)
            /usr/bin/time -f '%U %S' -o "$W/import.time" "$OTWATCH" import -q --db "$idb" "$cap" \
                >/dev/null 2>"$W/import.err" || die "import failed: $(tail -2 "$W/import.err")"
            t=$((($(date +%s%N) - t0) / 1000000))
            c=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$W/import.time")
            { [ -n "${best_wall[$variant]:-}" ] && [ "${best_wall[$variant]}" -le "$t" ]; } || best_wall[$variant]=$t
            { [ -n "${best_cpu[$variant]:-}" ] && [ "${best_cpu[$variant]}" -le "$c" ]; } || best_cpu[$variant]=$c
        done
    done
    isess=$(sqlite3 "$idb" 'SELECT count(*) FROM sessions')
    imp_rows+=("| without (schema 9's indexes) | ${best_wall[without]} | ${best_cpu[without]} |")
    imp_rows+=("| with sessions_graph and the graph_hours triggers | ${best_wall[with]} | ${best_cpu[with]} |")
    imp_note=$(awk -v a="${best_wall[with]}" -v b="${best_wall[without]}" -v c="${best_cpu[with]}" \
        -v d="${best_cpu[without]}" 'BEGIN { printf "%+.0f%% wall time, %+.0f%% CPU time", (a - b) * 100 / b, (c - d) * 100 / d }')
fi

# ---- report ----------------------------------------------------------------------------------

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo
echo "otwatch web API on $(basename "$DB"): $total sessions over $DAYS days, $day_rows in the last day;"
echo "best of $RUNS (curl time_total, after a warm-up; $(date -u +%Y-%m-%d), ${cpu:-unknown CPU}, $(nproc) CPUs, load average $load_start -> $load_end)"
echo
echo "| query | otwatch ms | < 100 ms | sqlite3 ms | ratio | answer |"
echo "|---|---:|:-:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
echo
echo "sqlite3: the sqlite3 tool on the same file, in the same run: for sessions the same
 filter as SQL, newest 50; for the graph SQLite's own GROUP BY of the day's records (what
 otwatch would do without graph_hours)."
echo "graph scan of the partial hours (and with an expression): $plan"
echo "graph_hours rows in the last day: $(sqlite3 -readonly "$DB" "SELECT count(*) FROM graph_hours WHERE hour >= $day_since / 3600000000 AND hour < $day_until / 3600000000")"
echo "database: $(grep -E '^(baseline|done|indexes)' "$DB.gen" | tr '\n' ' ')"
if [ "$IMPORT" = 1 ]; then
    echo
    echo "import of $(basename "$cap") ($isess sessions), best of $IMPORT_RUNS:"
    echo
    echo "| schema | import ms (wall) | CPU ms (user + sys) |"
    echo "|---|---:|---:|"
    printf '%s\n' "${imp_rows[@]}"
    echo
    echo "the graph's index and hourly table cost $imp_note on import"
fi
if awk -v l="$load_start" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }'; then
    echo "note: the machine was busy (load $load_start on $(nproc) CPUs): times are noisy, rerun when idle"
fi
