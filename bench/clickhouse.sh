#!/usr/bin/env bash
# bench/clickhouse.sh - SQLite and ClickHouse side by side (issue 8):
#
#   1. the one-day connection graph on 10 million sessions: GET /api/graph
#      of a real `otwatch serve`, best of RUNS (curl time_total, after a
#      warm-up), once on the SQLite file and once on a two-shard ClickHouse
#      cluster holding the SAME sessions, with the ratio; the two answers
#      (hosts, edges, sessions) must agree;
#   2. sessions per second inserted from one sensor: `otwatch import` of a
#      session-heavy capture into a fresh SQLite file and into a fresh
#      ClickHouse database (through the cluster settings, as a sensor
#      writes), best of IMPORT_RUNS, with and without detection.
#
# The 10 million sessions: bench/gen-sessions.c's database, made as
# bench/web.sh makes it (same stamp, so either script reuses the other's
# file). ClickHouse gets the same rows: the sqlite3 tool writes every session
# as one TSV line (addresses and MACs in hex, parser fields as arrays), a
# hard link puts the file in each server's user_files, and each server loads
# its half (sessions of even ids as node sensor-1 on server 1, odd ids as
# sensor-2 on server 2) with INSERT INTO sessions_local SELECT ... FROM
# file(...). The cluster's data is kept between runs in CH_DIR (with a stamp
# of the database and the schema); its servers run only while this script
# does (tests/clickhouse/cluster.sh, HTTP ports 19200 and 19210).
#
# Usage: bench/clickhouse.sh
# Environment: BUILD (./build), OTWATCH ($BUILD/otwatch), DB (/tmp/otw-10m.db),
#   SESSIONS (10000000), DAYS (90), SEED (1), RUNS (5), IMPORT (1),
#   IMPORT_RUNS (2), CAP (bench/out/modbus-2m-31536000s.pcap), OUT (bench/out),
#   CH_DIR (/tmp/otw-ch-bench), CH1 (19200), CH2 (19210), PORT (18719)
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
CAP=${CAP:-$OUT/modbus-2m-31536000s.pcap}
CH_DIR=${CH_DIR:-/tmp/otw-ch-bench}
CH1=${CH1:-19200}
CH2=${CH2:-19210}
PORT=${PORT:-18719}
CLUSTER=$root/tests/clickhouse/cluster.sh
mkdir -p "$OUT"
export LC_ALL=C TZ=UTC
unset OTWATCH_STORE OTWATCH_NODE OTWATCH_CONFIG OTWATCH_DB

log() { printf '%s\n' "$*" >&2; }
die() { log "clickhouse.sh: $*"; exit 1; }

for tool in curl sqlite3 cc pkg-config python3 clickhouse-server clickhouse-client; do
    command -v "$tool" >/dev/null || die "$tool is needed (make test installs it: scripts/install-deps.sh)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
[ -x "$OTWATCH" ] || die "no otwatch at $OTWATCH (build first, or set BUILD= / OTWATCH=)"
[ -f "$BUILD/libotwcore.a" ] || die "no $BUILD/libotwcore.a (build first, or set BUILD=)"

# ---- the SQLite database (as bench/web.sh makes it) -------------------------------------

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
    log "reusing $DB"
else
    log "generating $DB: $SESSIONS sessions over $DAYS days ..."
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.stamp"
    t0=$(date +%s)
    "$gen" -o "$DB" -n "$SESSIONS" -d "$DAYS" -s "$SEED" 2>"$DB.gen" || { cat "$DB.gen" >&2; exit 1; }
    echo "generated in $(($(date +%s) - t0)) s" >>"$DB.gen"
    echo "$stamp" >"$DB.stamp"
fi
"$OTWATCH" baseline mode --store sqlite --db "$DB" >/dev/null ||
    die "$DB: not this otwatch's schema: remove it to regenerate"

# ---- the ClickHouse cluster ---------------------------------------------------------------

W=$(mktemp -d "${TMPDIR:-/tmp}/otw-chbench.XXXXXX")
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    "$OTWATCH" user remove bench --store sqlite --db "$DB" >/dev/null 2>&1 || true
    bash "$CLUSTER" stop "$CH_DIR" >/dev/null 2>&1 || true
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 143' INT TERM HUP

U1=clickhouse://127.0.0.1:$CH1/otw
U2=clickhouse://127.0.0.1:$CH2/otw
# chq N SQL: clickhouse-client on server N
chq() {
    local port=$((CH1 + 1))
    [ "$1" = 2 ] && port=$((CH2 + 1))
    clickhouse-client --host 127.0.0.1 --port "$port" --max_execution_time 3600 -q "$2"
}
schema_sum=$(sha1sum <"$root/src/store/ch_schema.c" | cut -c1-12)
ch_stamp="$stamp schema=$schema_sum"
bash "$CLUSTER" stop "$CH_DIR" >/dev/null 2>&1 || true
if [ -f "$CH_DIR/stamp" ] && [ "$(cat "$CH_DIR/stamp")" = "$ch_stamp" ]; then
    log "reusing the ClickHouse data in $CH_DIR"
    bash "$CLUSTER" start "$CH_DIR" "$CH1" "$CH2" || die "the ClickHouse servers did not start"
else
    rm -rf "$CH_DIR"
    bash "$CLUSTER" start "$CH_DIR" "$CH1" "$CH2" || die "the ClickHouse servers did not start"
    "$OTWATCH" store init --cluster otwatch "$U1" "$U2" >&2 || die "store init failed"
    log "exporting $DB's sessions as TSV ..."
    t0=$(date +%s)
    tsv=$CH_DIR/n1/user_files/sessions.tsv
    # parser fields per session as ClickHouse array literals (the values are plain words)
    sqlite3 -readonly -batch -noheader "$DB" >"$tsv" <<'SQL'
CREATE TEMP TABLE sf (session_id INTEGER PRIMARY KEY, fn, fi, fv, fs, fc);
INSERT INTO temp.sf SELECT session_id,
  '[' || group_concat(quote(field), ',') || ']',
  '[' || group_concat(typeof(value) = 'integer', ',') || ']',
  '[' || group_concat(CASE WHEN typeof(value) = 'integer' THEN value ELSE 0 END, ',') || ']',
  '[' || group_concat(CASE WHEN typeof(value) = 'integer' THEN '''''' ELSE quote(value) END, ',') || ']',
  '[' || group_concat(count, ',') || ']'
  FROM session_fields GROUP BY session_id;
.mode tabs
SELECT s.start_us, s.end_us, s.id, ifnull(p.name, ''), s.ipver, s.proto, hex(s.src_ip), s.src_port,
  hex(s.dst_ip), s.dst_port, ifnull(hex(s.src_mac), ''), ifnull(hex(s.dst_mac), ''),
  ifnull(s.vlan1, -1), ifnull(s.vlan2, -1), s.src_packets, s.src_bytes, s.src_payload, s.src_flags,
  s.dst_packets, s.dst_bytes, s.dst_payload, s.dst_flags, s.state, ifnull(s.icmp_type, -1),
  ifnull(s.icmp_code, -1), ifnull(s.community_id, ''), s.protocols, ifnull(s.protocol_guess, ''),
  s.segment, s.continued, ifnull(s.end_reason, ''), ifnull(s.uid, 0),
  ifnull(f.fn, '[]'), ifnull(f.fi, '[]'), ifnull(f.fv, '[]'), ifnull(f.fs, '[]'), ifnull(f.fc, '[]')
FROM sessions s LEFT JOIN points p ON p.id = s.point_id LEFT JOIN temp.sf f ON f.session_id = s.id;
SQL
    ln "$tsv" "$CH_DIR/n2/user_files/sessions.tsv"
    log "  $(wc -l <"$tsv") lines, $(du -h "$tsv" | cut -f1) in $(($(date +%s) - t0)) s; loading both shards ..."
    structure="start_us Int64, end_us Int64, id UInt64, point String, ipver UInt8, proto UInt8,
 src_ip String, src_port UInt16, dst_ip String, dst_port UInt16, src_mac String, dst_mac String,
 vlan1 Int32, vlan2 Int32, src_packets UInt64, src_bytes UInt64, src_payload UInt64,
 src_flags UInt16, dst_packets UInt64, dst_bytes UInt64, dst_payload UInt64, dst_flags UInt16,
 state String, icmp_type Int16, icmp_code Int16, community_id String, protocols String,
 protocol_guess String, segment UInt32, continued UInt8, end_reason String, uid UInt64,
 f_name Array(String), f_isint Array(UInt8), f_int Array(Int64), f_str Array(String),
 f_count Array(UInt64)"
    t0=$(date +%s)
    for n in 1 2; do
        chq "$n" "INSERT INTO otw.sessions_local (start, start_us, end_us, id, ver, node, point,
 file_id, file, uid, ipver, proto, src_ip, src_port, dst_ip, dst_port, src_mac, dst_mac, vlan1,
 vlan2, src_packets, src_bytes, src_payload, src_flags, dst_packets, dst_bytes, dst_payload,
 dst_flags, state, icmp_type, icmp_code, community_id, protocols, protocol_guess, segment,
 continued, end_reason, f_name, f_isint, f_int, f_str, f_count, e_name, e_count)
SELECT toDateTime(intDiv(start_us, 1000000)), start_us, end_us, id, 1, 'sensor-$n', point, 0, '',
 uid, ipver, proto, toFixedString(unhex(src_ip), 16), src_port, toFixedString(unhex(dst_ip), 16),
 dst_port, if(src_mac = '', NULL, toFixedString(unhex(src_mac), 6)),
 if(dst_mac = '', NULL, toFixedString(unhex(dst_mac), 6)),
 if(vlan1 < 0, NULL, toUInt16(vlan1)), if(vlan2 < 0, NULL, toUInt16(vlan2)),
 src_packets, src_bytes, src_payload, src_flags, dst_packets, dst_bytes, dst_payload, dst_flags,
 state, if(icmp_type < 0, NULL, toUInt8(icmp_type)), if(icmp_code < 0, NULL, toUInt8(icmp_code)),
 community_id, protocols, protocol_guess, segment, continued, end_reason,
 f_name, f_isint, f_int, f_str, f_count, emptyArrayString(), emptyArrayUInt64()
FROM file('sessions.tsv', 'TSV', '$(printf '%s' "$structure" | tr '\n' ' ')') WHERE id % 2 = $((n - 1))" ||
            die "loading server $n failed"
    done
    rm -f "$tsv" "$CH_DIR/n2/user_files/sessions.tsv"
    # init again: notes the longest record per day of what was loaded (session_spans)
    "$OTWATCH" store init --cluster otwatch "$U1" "$U2" >&2 || die "store init failed"
    log "  loaded in $(($(date +%s) - t0)) s"
    echo "$ch_stamp" >"$CH_DIR/stamp"
fi
total=$(sqlite3 -readonly "$DB" 'SELECT count(*) FROM sessions')
n1=$(chq 1 "SELECT count() FROM otw.sessions_local")
n2=$(chq 2 "SELECT count() FROM otw.sessions_local")
[ "$((n1 + n2))" = "$total" ] || die "ClickHouse holds $n1 + $n2 sessions, SQLite $total: remove $CH_DIR"
parts=$(chq 1 "SELECT count() FROM system.parts WHERE database = 'otw' AND table = 'sessions_local' AND active")/$(chq 2 "SELECT count() FROM system.parts WHERE database = 'otw' AND table = 'sessions_local' AND active")
disk=$(chq 1 "SELECT formatReadableSize(sum(bytes_on_disk)) FROM system.parts WHERE database = 'otw' AND table = 'sessions_local' AND active")/$(chq 2 "SELECT formatReadableSize(sum(bytes_on_disk)) FROM system.parts WHERE database = 'otw' AND table = 'sessions_local' AND active")

# ---- the two viewers ------------------------------------------------------------------------

PASSWORD=bench-password-$$-$RANDOM
printf 'node = viewer\nstore = %s\nclickhouse.cluster = otwatch\n' "$U1" >"$W/viewer.conf"
"$OTWATCH" user remove bench --store sqlite --db "$DB" >/dev/null 2>&1 || true
printf '%s\n' "$PASSWORD" | "$OTWATCH" user add bench --role viewer --store sqlite --db "$DB" >/dev/null ||
    die "cannot add the bench user to $DB"
printf '%s\n' "$PASSWORD" | "$OTWATCH" user add bench --role viewer --store sqlite --db "$W/viewer.db" \
    >/dev/null || die "cannot add the bench user to the viewer's database"

# serve BACKEND: starts `otwatch serve` on PORT for sqlite or clickhouse; BASE, SERVER_PID
BASE=""
serve() {
    local args=(--db "$DB" --store sqlite) env=()
    [ "$1" = clickhouse ] && args=(--db "$W/viewer.db") && env=(OTWATCH_CONFIG="$W/viewer.conf")
    BASE=""
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && die "port $PORT is taken (set PORT=)"
    env "${env[@]}" "$OTWATCH" serve --listen "127.0.0.1:$PORT" "${args[@]}" >"$W/serve.out" 2>"$W/serve.err" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$PORT/api/me"; then BASE="http://127.0.0.1:$PORT"; break; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$BASE" ] || die "otwatch serve ($1) did not start: $(tail -3 "$W/serve.err")"
    curl -s -o /dev/null -c "$W/jar" -X POST -H 'Content-Type: application/json' \
        --data "{\"user\":\"bench\",\"password\":\"$PASSWORD\"}" "$BASE/api/login"
}
unserve() {
    kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# best_http PATH ARG=VALUE...: MS = the best time_total of RUNS in ms (after a warm-up);
# the last answer in $W/body, its status in CODE
CODE="" MS=""
best_http() {
    local path=$1 best="" t a args=()
    shift
    for a in "$@"; do args+=(--data-urlencode "$a"); done
    for i in $(seq 0 "$RUNS"); do
        t=$(curl -s -G -o "$W/body" -w '%{http_code} %{time_total}' -b "$W/jar" "${args[@]}" "$BASE$path")
        CODE=${t% *}
        t=${t#* }
        [ "$i" -eq 0 ] && continue
        best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
    done
    MS=$(awk -v s="$best" 'BEGIN { printf "%.1f", s * 1000 }')
}
answer() {
    python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); print("%d hosts, %d of %d edges, %d sessions" % (len(g["nodes"]), len(g["edges"]), g["edges_total"], g["sessions"]))' "$W/body" 2>/dev/null || echo "unreadable: $(head -c 200 "$W/body")"
}
ratio() {
    case "$1$2" in *[!0-9.]*|"") echo "n/a"; return ;; esac
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# the last day of data, as the page asks when it gives no range
max_start=$(sqlite3 -readonly "$DB" 'SELECT max(start_us) FROM sessions')
day_since=$((max_start + 1 - 86400000000))
day_until=$((max_start + 1))
day_rows=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM sessions WHERE start_us >= $day_since AND start_us < $day_until")
graphs=("one day (no range given: the newest start is looked up)|weight=sessions"
        "one day, since/until given|weight=sessions|since=$day_since|until=$day_until" "one day, by bytes, hide ICMP/IPv6/multicast/broadcast|weight=bytes|hide=icmp,ipv6,multicast,broadcast" "one day, \`port.dst == 502\`|expr=port.dst == 502")
declare -A ms ans
load_start=$(cut -d' ' -f1 /proc/loadavg)
for backend in sqlite clickhouse; do
    log "timing the graph on $backend (best of $RUNS) ..."
    serve "$backend"
    for g in "${graphs[@]}"; do
        IFS='|' read -r -a parts_ <<<"$g"
        best_http /api/graph "${parts_[@]:1}"
        if [ "$CODE" = 200 ]; then
            ms[$backend,${parts_[0]}]=$MS
            ans[$backend,${parts_[0]}]=$(answer)
        else
            ms[$backend,${parts_[0]}]="n/a"
            ans[$backend,${parts_[0]}]="HTTP $CODE: $(head -c 200 "$W/body")"
        fi
    done
    unserve
done
# the same day straight from clickhouse-client: the server's own time for the GROUP BY
# best_ch SQL: the best wall time in ms of RUNS runs of SQL by clickhouse-client (after a warm-up)
best_ch() {
    local best="" t t0
    for i in $(seq 0 "$RUNS"); do
        t0=$(date +%s%N)
        chq 1 "$1 FORMAT Null" >/dev/null
        t=$((($(date +%s%N) - t0) / 1000000))
        [ "$i" -eq 0 ] && continue
        { [ -n "$best" ] && [ "$best" -le "$t" ]; } || best=$t
    done
    echo "$best"
}
ch_ref=$(best_ch "SELECT src_ip, dst_ip, proto, if(proto IN (6, 17, 132), dst_port, 0) AS port, protocols,
 count() AS n, sum(src_bytes + dst_bytes) AS b, min(start_us) AS f, max(end_us) AS l
 FROM otw.sessions FINAL WHERE start >= toDateTime(intDiv($day_since, 1000000))
 AND start_us >= $day_since AND start_us < $day_until GROUP BY src_ip, dst_ip, proto, port, protocols")
ch_span=$(best_ch "SELECT count() AS n, min(start_us) AS f, max(start_us) AS l FROM otw.sessions
 WHERE start >= toDateTime(0)")
load_end=$(cut -d' ' -f1 /proc/loadavg)

# ---- sessions per second from one sensor ------------------------------------------------------

imp_rows=()
if [ "$IMPORT" = 1 ]; then
    if [ ! -f "$CAP" ]; then
        log "generating $CAP ..."
        cc -O2 -Wall -Wextra -o "$OUT/gen_modbus" "$here/gen_modbus.c"
        "$OUT/gen_modbus" -n 2000000 -d 31536000 -s 1 -o "$CAP" 2>"$CAP.gen"
    fi
    UI=clickhouse://127.0.0.1:$CH1/otwins
    printf 'node = sensor-1\nstore = %s\nclickhouse.cluster = otwatch\n' "$UI" >"$W/sensor.conf"
    cat "$CAP" >/dev/null
    declare -A best_wall best_cpu nsess
    log "import of $(basename "$CAP") (best of $IMPORT_RUNS, alternating) ..."
    for _ in $(seq 1 "$IMPORT_RUNS"); do
        for variant in "sqlite --no-detect" "clickhouse --no-detect" "sqlite detect" "clickhouse detect"; do
            backend=${variant% *} det=${variant#* }
            dargs=()
            [ "$det" = --no-detect ] && dargs=(--no-detect)
            idb=$W/import.db
            rm -rf "$idb" "$idb-wal" "$idb-shm" "$idb.spool"
            env=(OTWATCH_CONFIG=/dev/null) sargs=(--store sqlite)
            if [ "$backend" = clickhouse ]; then
                for n in 1 2; do chq "$n" "DROP DATABASE IF EXISTS otwins"; done
                "$OTWATCH" store init --cluster otwatch "$UI" "clickhouse://127.0.0.1:$CH2/otwins" \
                    >/dev/null || die "store init of otwins failed"
                env=(OTWATCH_CONFIG="$W/sensor.conf") sargs=()
            fi
            t0=$(date +%s%N)
            env "${env[@]}" /usr/bin/time -f '%U %S' -o "$W/import.time" "$OTWATCH" import -q \
                "${sargs[@]}" "${dargs[@]}" --db "$idb" "$CAP" >/dev/null 2>"$W/import.err" ||
                die "import ($variant) failed: $(tail -2 "$W/import.err")"
            t=$((($(date +%s%N) - t0) / 1000000))
            c=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$W/import.time")
            if [ "$backend" = clickhouse ]; then
                [ ! -d "$idb.spool" ] || [ -z "$(ls -A "$idb.spool")" ] || die "import ($variant) spooled"
                nsess[$variant]=$(chq 1 "SELECT count() FROM otwins.sessions FINAL WHERE start >= toDateTime(0)")
            else
                nsess[$variant]=$(sqlite3 "$idb" 'SELECT count(*) FROM sessions')
            fi
            { [ -n "${best_wall[$variant]:-}" ] && [ "${best_wall[$variant]}" -le "$t" ]; } || best_wall[$variant]=$t
            { [ -n "${best_cpu[$variant]:-}" ] && [ "${best_cpu[$variant]}" -le "$c" ]; } || best_cpu[$variant]=$c
        done
    done
    for n in 1 2; do chq "$n" "DROP DATABASE IF EXISTS otwins"; done
    rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", n * 1000 / ms }'; }
    for det in --no-detect detect; do
        s="sqlite $det" c="clickhouse $det"
        [ "${nsess[$s]}" = "${nsess[$c]}" ] || log "warning: $det: SQLite has ${nsess[$s]} sessions, ClickHouse ${nsess[$c]}"
        imp_rows+=("| ${det/--no-detect/sessions only (--no-detect)} | ${nsess[$s]} / ${nsess[$c]} | ${best_wall[$s]} | ${best_wall[$c]} | $(rate "${nsess[$s]}" "${best_wall[$s]}") | $(rate "${nsess[$c]}" "${best_wall[$c]}") | $(ratio "${best_wall[$c]}" "${best_wall[$s]}") | ${best_cpu[$s]} / ${best_cpu[$c]} |")
    done
    imp_rows[1]=${imp_rows[1]/| detect |/| with detection (default) |}
fi

# ---- report ------------------------------------------------------------------------------------

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo
echo "SQLite ($(basename "$DB")) and a two-shard ClickHouse $(chq 1 'SELECT version()') cluster"
echo "($n1 + $n2 sessions, $parts active parts, $disk on disk) holding the same $total sessions over"
echo "$DAYS days, $day_rows in the last day; $(date -u +%Y-%m-%d), ${cpu:-unknown CPU}, $(nproc) CPUs,"
echo "load average $load_start -> $load_end. GET /api/graph of \`otwatch serve\`, best of $RUNS"
echo "(curl time_total, after a warm-up):"
echo
echo "| graph | SQLite ms | ClickHouse ms | ClickHouse / SQLite | SQLite answer | ClickHouse answer |"
echo "|---|---:|---:|---:|---|---|"
for g in "${graphs[@]}"; do
    k=${g%%|*}
    echo "| $k | ${ms[sqlite,$k]} | ${ms[clickhouse,$k]} | $(ratio "${ms[clickhouse,$k]}" "${ms[sqlite,$k]}") | ${ans[sqlite,$k]} | ${ans[clickhouse,$k]} |"
done
echo
echo "clickhouse-client, best of $RUNS: the day's GROUP BY over the Distributed table (FINAL) $ch_ref ms;"
echo "the span of all sessions (count, min and max of start_us: what the graph asks first when no"
echo "range is given) $ch_span ms"
if [ "$IMPORT" = 1 ]; then
    echo
    echo "\`otwatch import\` of $(basename "$CAP") from one sensor into a fresh SQLite file and a fresh"
    echo "ClickHouse database (sensor-1 writing to server 1, cluster settings), best of $IMPORT_RUNS:"
    echo
    echo "| import | sessions (SQLite / CH) | SQLite ms | ClickHouse ms | SQLite sessions/s | ClickHouse sessions/s | CH / SQLite time | CPU ms (SQLite / CH) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${imp_rows[@]}"
fi
if awk -v l="$load_start" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }'; then
    echo "note: the machine was busy (load $load_start on $(nproc) CPUs): times are noisy, rerun when idle"
fi
