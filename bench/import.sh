#!/usr/bin/env bash
# bench/import.sh - how fast `otwatch import` reads a capture into SQLite,
# measured next to `tcpdump -r FILE -w /dev/null` on the same file in the
# same run (tcpdump's bare read-and-copy is the reference: no decode past
# the pcap record, no state).
#
# It builds bench/gen_modbus.c, generates bench/out/modbus-5m.pcap (~5M
# packets of Modbus/TCP polling, a day of a small plant; kept between runs
# unless the options or the generator change) and a 1M-packet file, then
# runs each tool RUNS times per file and keeps the best wall time. Peak RSS
# is the largest of the runs (GNU time's %M). The 1M file is there to show
# that otwatch's memory follows the number of live sessions, not packets.
# The result is a Markdown table for the README.
#
# Usage: bench/import.sh
# Environment: OTWATCH (default ./build/otwatch), PACKETS (5000000),
#              SMALL (1000000), RUNS (3), SEED (1), OUT (bench/out)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
OTWATCH=${OTWATCH:-$root/build/otwatch}
PACKETS=${PACKETS:-5000000}
SMALL=${SMALL:-1000000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
OUT=${OUT:-$here/out}
mkdir -p "$OUT"

log() { printf '%s\n' "$*" >&2; }

# ---- tools ---------------------------------------------------------------

apt_install() {
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    for _ in $(seq 1 30); do
        if DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y \
            --no-install-recommends "$@" >/dev/null 2>"$OUT/apt.err"; then
            return 0
        fi
        if grep -q 'lock' "$OUT/apt.err"; then   # dpkg busy: wait and retry
            sleep 10
            continue
        fi
        "${sudo[@]}" apt-get update >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y \
            --no-install-recommends "$@" >/dev/null 2>"$OUT/apt.err" && return 0
        sleep 10
    done
    log "import.sh: could not install $*:"; cat "$OUT/apt.err" >&2
    return 1
}

command -v tcpdump >/dev/null || [ -x /usr/sbin/tcpdump ] || apt_install tcpdump
[ -x /usr/bin/time ] || apt_install time
command -v cc >/dev/null || apt_install gcc libc6-dev
TCPDUMP=$(command -v tcpdump || echo /usr/sbin/tcpdump)

# ---- the capture ---------------------------------------------------------

gen=$OUT/gen_modbus
if [ ! -x "$gen" ] || [ "$here/gen_modbus.c" -nt "$gen" ]; then
    log "building $gen"
    cc -O2 -Wall -Wextra -o "$gen" "$here/gen_modbus.c"
fi

label() {   # 5000000 -> 5m, 250000 -> 250k
    local n=$1
    if [ $((n % 1000000)) -eq 0 ]; then echo "$((n / 1000000))m"
    elif [ $((n % 1000)) -eq 0 ]; then echo "$((n / 1000))k"
    else echo "$n"; fi
}

# make_capture N: prints the file name; generates it unless an identical one
# (same packets, seed and generator source) is already there.
make_capture() {
    local n=$1 f stamp
    f=$OUT/modbus-$(label "$n").pcap
    stamp="packets=$n seed=$SEED gen=$(sha1sum <"$here/gen_modbus.c" | cut -c1-12)"
    if [ -f "$f" ] && [ -f "$f.stamp" ] && [ "$(cat "$f.stamp")" = "$stamp" ]; then
        log "reusing $f ($(head -1 "$f.gen" 2>/dev/null))"
    else
        log "generating $f ..."
        rm -f "$f" "$f.stamp"
        "$gen" -n "$n" -s "$SEED" -o "$f" 2>"$f.gen"
        echo "$stamp" >"$f.stamp"
        log "  $(cat "$f.gen")"
    fi
    echo "$f"
}

big=$(make_capture "$PACKETS")
small=$(make_capture "$SMALL")

# ---- timing --------------------------------------------------------------
#
# The two tools run alternately, RUNS rounds, so a busy moment on a shared
# machine hits both alike; each keeps its best wall time. Peak RSS is the
# largest max RSS (GNU time's %M) over its runs.

db=$OUT/bench.db
fresh_db() { rm -f "$db" "$db-wal" "$db-shm" "$db-journal"; }

commas() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta'; }
pps() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }' | commas; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

# run_once TAG CMD...: sets NS (wall nanoseconds) and KB (max RSS); output in
# $OUT/TAG.{out,err}; returns CMD's status.
run_once() {
    local tag=$1 t0 t1 rc=0; shift
    t0=$(date +%s%N)
    /usr/bin/time -f %M -o "$OUT/$tag.time" "$@" >"$OUT/$tag.out" 2>"$OUT/$tag.err" || rc=$?
    t1=$(date +%s%N)
    NS=$((t1 - t0))
    KB=$(tail -1 "$OUT/$tag.time")
    return "$rc"
}

rows=()
notes=()
declare -A rate
have_otw=1
if [ ! -x "$OTWATCH" ]; then
    have_otw=0
    notes+=("otwatch: $OTWATCH not found (set OTWATCH=)")
fi

# measure FILE PACKETS: one row per tool.
measure() {
    local f=$1 n=$2 name best_t= best_o= best_n= peak_t=0 peak_o=0 peak_n=0 rc_t=0 rc_o=0 rc_n=0 nice_n
    name=$(basename "$f")
    nice_n=$(commas <<<"$n")
    cat "$f" >/dev/null     # same page-cache state for both tools
    for _ in $(seq 1 "$RUNS"); do
        if [ "$rc_t" -eq 0 ]; then
            if run_once tcpdump "$TCPDUMP" -r "$f" -w /dev/null; then
                { [ -n "$best_t" ] && [ "$best_t" -le "$NS" ]; } || best_t=$NS
                [ "$KB" -le "$peak_t" ] || peak_t=$KB
            else
                rc_t=$?
            fi
        fi
        if [ "$have_otw" -eq 1 ] && [ "$rc_o" -eq 0 ]; then
            fresh_db    # a second import of the same file would be skipped
            if run_once otwatch "$OTWATCH" import --db "$db" "$f"; then
                { [ -n "$best_o" ] && [ "$best_o" -le "$NS" ]; } || best_o=$NS
                [ "$KB" -le "$peak_o" ] || peak_o=$KB
            else
                rc_o=$?
            fi
        fi
        if [ "$have_otw" -eq 1 ] && [ "$rc_n" -eq 0 ]; then
            fresh_db
            if run_once otwatch-np "$OTWATCH" import --no-parsers --db "$db" "$f"; then
                { [ -n "$best_n" ] && [ "$best_n" -le "$NS" ]; } || best_n=$NS
                [ "$KB" -le "$peak_n" ] || peak_n=$KB
            else
                rc_n=$?
            fi
        fi
    done

    if [ "$rc_t" -ne 0 ]; then
        rows+=("| $name | $nice_n | tcpdump -r -w /dev/null | failed ($rc_t) | n/a | n/a |")
        notes+=("tcpdump on $name: $(tail -1 "$OUT/tcpdump.err")")
    else
        rate[tcpdump,$name]=$(awk -v n="$n" -v ns="$best_t" 'BEGIN { printf "%.0f", n / ns * 1e9 }')
        rows+=("| $name | $nice_n | tcpdump -r -w /dev/null | $(secs "$best_t") | $(pps "$n" "$(secs "$best_t")") | $(mib "$peak_t") |")
    fi
    if [ "$have_otw" -eq 0 ]; then
        rows+=("| $name | $nice_n | otwatch import | n/a | n/a | n/a |")
    elif [ "$rc_o" -ne 0 ]; then
        rows+=("| $name | $nice_n | otwatch import | failed ($rc_o) | n/a | n/a |")
        notes+=("otwatch on $name: $(grep -v '^$' "$OUT/otwatch.err" | tail -1)")
    else
        rate[otwatch,$name]=$(awk -v n="$n" -v ns="$best_o" 'BEGIN { printf "%.0f", n / ns * 1e9 }')
        rows+=("| $name | $nice_n | otwatch import | $(secs "$best_o") | $(pps "$n" "$(secs "$best_o")") | $(mib "$peak_o") |")
        if [ "$rc_n" -eq 0 ] && [ -n "$best_n" ]; then
            rows+=("| $name | $nice_n | otwatch import --no-parsers | $(secs "$best_n") | $(pps "$n" "$(secs "$best_n")") | $(mib "$peak_n") |")
            notes+=("parsers on $name: $(awk -v a="$best_o" -v b="$best_n" 'BEGIN { printf "%+.0f%% import time (with %.3f s, without %.3f s; target at most +30%%)", (a - b) * 100 / b, a / 1e9, b / 1e9 }')")
        fi
        local summary
        summary=$(cat "$OUT/otwatch.out" "$OUT/otwatch.err" | grep -v '^$' | tail -1 || true)
        [ -z "$summary" ] || notes+=("otwatch on $name said: $summary")
    fi
}

# sessions_in DB: how many sessions `otwatch sessions` lists, or nothing.
sessions_in() {
    local out lines
    if out=$("$OTWATCH" sessions --db "$1" --format csv --limit 100000000 2>/dev/null) ||
       out=$("$OTWATCH" sessions --db "$1" --format csv 2>/dev/null); then
        lines=$(printf '%s\n' "$out" | grep -c . || true)
        # a header line has no address in it
        if [ "$lines" -gt 0 ] && ! printf '%s\n' "$out" | head -1 |
                grep -Eq '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+|[0-9a-f]*:[0-9a-f]*:'; then
            lines=$((lines - 1))
        fi
        echo "$lines"
    fi
}

load_start=$(cut -d' ' -f1 /proc/loadavg)
log "timing (best of $RUNS, tools alternating; load average $load_start) ..."
measure "$big" "$PACKETS"
big_db_sessions=
if [ "$have_otw" -eq 1 ] && [ -f "$db" ]; then
    big_db_sessions=$(sessions_in "$db")    # the big file's last import
fi
measure "$small" "$SMALL"
fresh_db

# ---- report --------------------------------------------------------------

bname=$(basename "$big")
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo
load_end=$(cut -d' ' -f1 /proc/loadavg)
echo "otwatch import vs tcpdump, best of $RUNS runs ($(date -u +%Y-%m-%d), ${cpu:-unknown CPU}, $(nproc) CPUs, load average $load_start -> $load_end)"
echo
echo "| capture | packets | command | best s | packets/s | peak RSS MiB |"
echo "|---|---:|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
if [ -n "${rate[otwatch,$bname]:-}" ] && [ -n "${rate[tcpdump,$bname]:-}" ]; then
    awk -v o="${rate[otwatch,$bname]}" -v t="${rate[tcpdump,$bname]}" -v f="$bname" \
        'BEGIN { printf "otwatch/tcpdump on %s: %.2f\n", f, o / t }'
fi
echo "$bname: $(awk -v b="$(stat -c %s "$big")" 'BEGIN { printf "%.0f", b / 1e6 }') MB; generator: $(cat "$big.gen")"
[ -z "$big_db_sessions" ] || echo "sessions stored from $bname: $big_db_sessions"
if awk -v l="$load_start" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }'; then
    notes+=("the machine was busy (load $load_start on $(nproc) CPUs): times are noisy, rerun when idle")
fi
for n in "${notes[@]}"; do echo "note: $n"; done
