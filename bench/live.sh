#!/usr/bin/env bash
# bench/live.sh - how fast live capture can go without the kernel dropping
# packets: bench/out/modbus-1m.pcap (made by bench/import.sh) is replayed
# with tcpreplay into a veth pair between two network namespaces at rising
# rates, once with `otwatch capture` on the far end and once with
# `tcpdump -w FILE` (the reference: capture straight to disk, no decoding),
# both with the same 64 MiB kernel buffer. For each tool the result is the
# highest rate at which the kernel dropped nothing.
#
# otwatch's drops come from its stored capture statistics (`otwatch status`,
# pcap_stats at stop), tcpdump's from its own "dropped by kernel" line.
# The rate achieved is tcpreplay's own "Rated: ... pps" figure (at high
# targets the sender itself may not reach the target).
#
# Needs root, network namespaces and tcpreplay (Debian package tcpreplay).
# Not a test: prints a Markdown table.
#
# Usage: bench/live.sh
# Environment: OTWATCH (default ./build/otwatch), PCAP (bench/out/modbus-1m.pcap),
#              RATES ("50000 100000 200000 400000 800000 top"), BUFFER_MB (64),
#              PARSERS (1: with application parsers; 0: --no-parsers)
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
OTWATCH=$(readlink -f "${OTWATCH:-$root/build/otwatch}")
PCAP=${PCAP:-$here/out/modbus-1m.pcap}
RATES=${RATES:-"50000 100000 200000 400000 800000 top"}
BUFFER_MB=${BUFFER_MB:-64}
PARSERS=${PARSERS:-1}

die() { echo "bench/live.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, capture)"
command -v tcpreplay >/dev/null || die "needs tcpreplay (apt-get install tcpreplay)"
command -v tcpdump >/dev/null || die "needs tcpdump"
[ -x "$OTWATCH" ] || die "no otwatch binary at $OTWATCH (set OTWATCH=)"
[ -f "$PCAP" ] || die "no $PCAP: run bench/import.sh first"

NSA=otwc-bench-a$$
NSB=otwc-bench-b$$
T=$(mktemp -d /tmp/otwc-bench.XXXXXX)
cleanup() {
    ip netns pids "$NSA" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns pids "$NSB" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
ip netns add "$NSA" && ip netns add "$NSB" || die "cannot create network namespaces"
ip link add otwc-ta netns "$NSA" type veth peer name otwc-tb netns "$NSB" || die "no veth"
for ns in "$NSA" "$NSB"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NSA" link set otwc-ta up
ip -n "$NSB" link set otwc-tb up
sleep 0.5

packets=$(tcpdump -r "$PCAP" -n -q 2>/dev/null | wc -l)

wait_for() {
    local file=$1 text=$2 i
    for ((i = 0; i < 100; i++)); do
        grep -q -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# replay RATE -> prints tcpreplay's achieved pps
replay() {
    local rate=$1 how
    if [ "$rate" = top ]; then how=(--topspeed); else how=(--pps="$rate"); fi
    ip netns exec "$NSA" tcpreplay -i otwc-ta "${how[@]}" "$PCAP" >"$T/replay.out" 2>&1
    sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p' "$T/replay.out" |
        head -1
}

# One otwatch run at RATE: prints "achieved received dropped ifdropped"
run_otwatch() {
    local rate=$1 db=$T/otw-$1.db pid achieved extra=()
    [ "$PARSERS" = 1 ] || extra=(--no-parsers)
    ip netns exec "$NSB" "$OTWATCH" capture -i otwc-tb --db "$db" --user root \
        --buffer "$BUFFER_MB" --stats-interval 3600 "${extra[@]}" 2>"$T/otw.log" &
    pid=$!
    wait_for "$T/otw.log" capturing || { cat "$T/otw.log" >&2; die "otwatch did not start"; }
    sleep 0.5
    achieved=$(replay "$rate")
    sleep 1.5
    kill -TERM "$pid"
    wait "$pid"
    "$OTWATCH" status --db "$db" --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)["interfaces"][0]
print(sys.argv[1], d["received"], d["dropped"], d["ifdropped"])' "${achieved:-?}"
}

run_tcpdump() {
    local rate=$1 pid achieved recv drop ifdrop
    ip netns exec "$NSB" tcpdump -i otwc-tb -n -B $((BUFFER_MB * 1024)) -s 262144 \
        -w "$T/td.pcap" 2>"$T/td.log" &
    pid=$!
    wait_for "$T/td.log" "listening on" || die "tcpdump did not start"
    sleep 0.5
    achieved=$(replay "$rate")
    sleep 1.5
    kill -INT "$pid"
    wait "$pid"
    recv=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$T/td.log")
    drop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$T/td.log")
    ifdrop=$(sed -n 's/^\([0-9]*\) packets dropped by interface.*/\1/p' "$T/td.log")
    rm -f "$T/td.pcap"
    echo "${achieved:-?} ${recv:-?} ${drop:-?} ${ifdrop:-0}"
}

echo "# live capture: $PCAP ($packets packets), buffer $BUFFER_MB MB, parsers $PARSERS" >&2
echo "# $(nproc) CPUs, $(uname -r), $("$OTWATCH" --version), $(tcpdump --version 2>&1 | head -1)" >&2
best_otw=0
best_td=0
printf '| target pps | tool | achieved pps | received | dropped by kernel | dropped by interface |\n'
printf '|---|---|---|---|---|---|\n'
for rate in $RATES; do
    read -r a r d i <<<"$(run_otwatch "$rate")"
    printf '| %s | otwatch | %s | %s | %s | %s |\n' "$rate" "$a" "$r" "$d" "$i"
    if [ "$d" = 0 ] && [ "$i" = 0 ]; then
        best_otw=$(python3 -c "print(max(float('$best_otw'), float('$a' if '$a' != '?' else 0)))")
    fi
    read -r a r d i <<<"$(run_tcpdump "$rate")"
    printf '| %s | tcpdump -w | %s | %s | %s | %s |\n' "$rate" "$a" "$r" "$d" "$i"
    if [ "$d" = 0 ] && [ "$i" = 0 ]; then
        best_td=$(python3 -c "print(max(float('$best_td'), float('$a' if '$a' != '?' else 0)))")
    fi
done
printf '\nhighest rate with zero kernel drops: otwatch %.0f pps, tcpdump -w %.0f pps\n' \
    "$best_otw" "$best_td"
