#!/usr/bin/env bash
# tests/test_ch_baseline_query.sh - the query fields `baseline` and
# `baseline.category` (and `--filter ot-operational`) find the same
# sessions on the ClickHouse store as on SQLite (issue 8).
#
#   bash tests/test_ch_baseline_query.sh <otwatch-binary> <source-dir>
#
# Starts a two-shard ClickHouse cluster (HTTP ports 19240 and 19250, data
# under a temporary directory) and runs one plant's story on a SQLite store
# and on the cluster, the cluster's captures split between two sensors
# (sensor1 writes to the first server, sensor2 to the second; the baseline
# is the plant's one):
#   learn normal.pcap; approve everything; learn normal2.pcap and the
#   DNP3 and IEC 104 captures of tests/pcaps (learned entries); one
#   approved and one learned entry set to maintenance;
#   protecting mode; import the scenario captures (new entries); one
#   approved entry removed (its sessions have none).
# Then the baselines must be equal (`baseline show`), and for each of the
# expressions below `otwatch sessions EXPR --format json` must list the
# same sessions on both stores (read through the Distributed tables); each
# expression marked + must match some sessions but not all. Also
# `--filter ot-operational` alone and with an expression, `otwatch hosts`
# with a baseline expression, the clear error of a sort by baseline on
# ClickHouse, and an emptied baseline (`baseline import` without --merge of
# an empty baseline) seen by the queries.
# Prints `ok - ...` / `not ok - ...`, then `N passed, N failed`.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_ch_baseline_query.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_ch_baseline_query.sh OTWATCH-BINARY SOURCE-DIR}")
CAP=$SRC/tests/testbed
# learned after the approval (new communications while still learning)
LEARN2=("$SRC"/tests/pcaps/dnp3/*.pcap "$SRC"/tests/pcaps/iec104/*.pcap)
P1=19240 P2=19250
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-chblq.XXXXXX")
cleanup() {
    bash "$SRC/tests/clickhouse/cluster.sh" stop "$W/ch" >/dev/null 2>&1
    [ -n "${KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1
unset OTWATCH_STORE OTWATCH_NODE OTWATCH_CH_USER OTWATCH_CH_PASSWORD OTWATCH_CONFIG OTWATCH_DB

PASS=0 FAIL=0
ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() {
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | head -n 20 | sed 's/^/    /'
    FAIL=$((FAIL + 1))
}
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }
check() {
    local name=$1 o
    shift
    if o=$("$@" 2>&1); then ok "$name"; else notok "$name" "$o"; fi
}

for t in python3 clickhouse-server curl; do
    command -v "$t" >/dev/null 2>&1 || { notok "setup: $t is missing"; finish; }
done
for s in normal normal2 scan_ssh c2_blocked c2_open modbus_write rdp_night arp_mitm; do
    [ -f "$CAP/$s.pcap" ] || { notok "setup: $CAP/$s.pcap is missing"; finish; }
done
[ "${#LEARN2[@]}" -ge 4 ] && [ -f "${LEARN2[0]}" ] ||
    { notok "setup: tests/pcaps/dnp3 and iec104 captures are missing"; finish; }
if ! o=$(bash "$SRC/tests/clickhouse/cluster.sh" start "$W/ch" $P1 $P2 2>&1); then
    notok "setup: ClickHouse cluster" "$o"
    finish
fi
ok "setup: two-shard ClickHouse cluster on $P1/$P2"
U1=clickhouse://127.0.0.1:$P1/otwb
U2=clickhouse://127.0.0.1:$P2/otwb
check "store init on both servers" "$OTW" store init --cluster otwatch "$U1" "$U2"

cp "$SRC/testbed/plant.conf" sq.conf
{ cat sq.conf; echo 'clickhouse.cluster = otwatch'; echo 'node = sensor1'; } >ch.conf
{ cat sq.conf; echo 'clickhouse.cluster = otwatch'; echo 'node = sensor2'; } >ch2.conf

# otw MODE ARGS...: otwatch with the store of MODE (sq, ch: sensor1, ch2: sensor2)
otw() {
    local m=$1
    shift
    case $m in
        sq) OTWATCH_CONFIG=$W/sq.conf "$OTW" "$@" --db "$W/sq.db" ;;
        ch) OTWATCH_CONFIG=$W/ch.conf "$OTW" "$@" --db "$W/ch.db" --store "$U1" ;;
        ch2) OTWATCH_CONFIG=$W/ch2.conf "$OTW" "$@" --db "$W/ch2.db" --store "$U2" ;;
    esac
}

cat >"$W/norm.py" <<'EOF'
import json, sys

def lines(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]

cmd = sys.argv[1]
if cmd == "sessions":       # sessions --format json: store ids and node dropped, sorted
    drop = {"otwatch.session_id", "observer.name"}
    rows = [json.dumps({k: v for k, v in r.items() if k not in drop}, sort_keys=True)
            for r in lines(sys.argv[2])]
    print("\n".join(sorted(rows)))
elif cmd == "baseline":     # baseline show --format json: key, status, category, sorted
    rows = ["%s %s %s %s %s %s %s" % (r["client"], r["server"], r["transport"], r["port"],
                                      r["app"], r["status"], r["category"])
            for r in lines(sys.argv[2])]
    print("\n".join(sorted(rows)))
elif cmd == "pick":         # pick FILE STATUS N: key (client server port app) of the
    # entry with the Nth most sessions among those alone on their session key
    # (client, server, transport, port), so that its status is its sessions'
    es = lines(sys.argv[2])
    n = {}
    for r in es:
        k = (r["client"], r["server"], r["transport"], r["port"])
        n[k] = n.get(k, 0) + 1
    rs = [r for r in es if r["status"] == sys.argv[3] and
          n[(r["client"], r["server"], r["transport"], r["port"])] == 1]
    rs.sort(key=lambda r: (-r["sessions"], r["client"], r["server"], r["port"], r["app"]))
    r = rs[int(sys.argv[4])]
    print(r["client"], r["server"], r["port"], r["app"] or "-")
elif cmd == "entry":        # entry FILE CLIENT SERVER PORT APP: its id
    for r in lines(sys.argv[2]):
        if [r["client"], r["server"], str(r["port"]), r["app"] or "-"] == sys.argv[3:7]:
            print(r["id"])
            break
EOF
norm() { python3 "$W/norm.py" "$@"; }

step() {
    local o
    o=$("$@" 2>&1) || { echo "failed: ${*#$OTW }"; printf '%s\n' "$o" | tail -n 5; return 1; }
}
# entry_do MODE KEY ARGS...: baseline set ARGS (or remove, ARGS = remove) on the entry KEY
entry_do() {
    local m=$1 key=$2 id
    shift 2
    otw "$m" baseline show --format json --config "$W/$m.conf" >"$m.blk.json" || return 1
    # shellcheck disable=SC2086
    id=$(norm entry "$m.blk.json" $key)
    [ -n "$id" ] || { echo "$m: no baseline entry $key"; return 1; }
    if [ "$1" = remove ]; then
        step otw "$m" baseline remove "$id" --config "$W/$m.conf"
    else
        step otw "$m" baseline set "$id" "$@" --config "$W/$m.conf"
    fi
}
# story MODE: the plant, step by step. The cluster's captures go through two
# sensors (S2: the second one), SQLite's all into the one file.
story() {
    local m=$1 s2=$1 s
    [ "$m" = ch ] && s2=ch2
    step otw "$m" import -q --point ctrl-sw1 "$CAP/normal.pcap" --config "$W/$m.conf" || return 1
    step otw "$m" baseline approve --all --config "$W/$m.conf" || return 1
    step otw "$s2" import -q --point ctrl-sw2 "$CAP/normal2.pcap" "${LEARN2[@]}" \
        --config "$W/$s2.conf" || return 1
    entry_do "$m" "$MAINT_APPROVED" --category maintenance || return 1
    entry_do "$m" "$MAINT_LEARNED" --category maintenance || return 1
    step otw "$m" baseline mode protecting --config "$W/$m.conf" || return 1
    for s in scan_ssh c2_blocked modbus_write; do
        step otw "$m" import -q --point ctrl-sw1 "$CAP/$s.pcap" --config "$W/$m.conf" || return 1
    done
    for s in c2_open rdp_night arp_mitm; do
        step otw "$s2" import -q --point ctrl-sw2 "$CAP/$s.pcap" --config "$W/$s2.conf" ||
            return 1
    done
    # removed last: its sessions have no entry (none)
    entry_do "$m" "$REMOVED" remove || return 1
}

# Which entries to change: chosen on a scratch SQLite store after the two
# learning captures (the same entries on both stores, by their key).
t_pick() {
    OTWATCH_CONFIG=$W/sq.conf "$OTW" import -q --point ctrl-sw1 "$CAP/normal.pcap" \
        --db "$W/pick.db" >/dev/null || return 1
    OTWATCH_CONFIG=$W/sq.conf "$OTW" baseline approve --all --db "$W/pick.db" >/dev/null ||
        return 1
    OTWATCH_CONFIG=$W/sq.conf "$OTW" import -q --point ctrl-sw2 "$CAP/normal2.pcap" \
        "${LEARN2[@]}" --db "$W/pick.db" >/dev/null || return 1
    OTWATCH_CONFIG=$W/sq.conf "$OTW" baseline show --format json --db "$W/pick.db" \
        >pick.json || return 1
    norm pick pick.json approved 0 && norm pick pick.json learned 0 &&
        norm pick pick.json approved 1
}
MAINT_APPROVED="" MAINT_LEARNED="" REMOVED=""
if o=$(t_pick 2>&1); then
    MAINT_APPROVED=$(norm pick pick.json approved 0)
    MAINT_LEARNED=$(norm pick pick.json learned 0)
    REMOVED=$(norm pick pick.json approved 1)
    ok "entries to change: maintenance $MAINT_APPROVED / $MAINT_LEARNED, removed $REMOVED"
else
    notok "entries to change (approved and learned ones after normal2.pcap)" "$o"
    finish
fi
for m in sq ch; do
    if o=$(story $m 2>&1); then ok "story: $m"; else notok "story: $m" "$o"; finish; fi
done

# The ground: the same baseline and the same sessions in both stores.
t_same_baseline() {
    local m d
    for m in sq ch; do
        otw $m baseline show --format json --config "$W/$m.conf" >"$m.bl.json" || return 1
        norm baseline "$m.bl.json" >"$m.bl.n"
    done
    d=$(diff sq.bl.n ch.bl.n) || { echo "$d"; return 1; }
    for s in approved learned new; do
        grep -q " $s operational$" sq.bl.n || { echo "no $s operational entry"; return 1; }
    done
    grep -q " approved maintenance$" sq.bl.n && grep -q " learned maintenance$" sq.bl.n ||
        { echo "no maintenance entries"; return 1; }
}
check "baseline show: the same entries, statuses and categories in both stores" t_same_baseline
t_same_sessions() {
    otw sq sessions --format json --limit 0 >sq.all.json &&
        otw ch sessions --format json --limit 0 >ch.all.json || return 1
    norm sessions sq.all.json >sq.all.n && norm sessions ch.all.json >ch.all.n
    cmp -s sq.all.n ch.all.n || { diff sq.all.n ch.all.n | head -5; return 1; }
    [ "$(wc -l <sq.all.n)" -gt 100 ] || { echo "only $(wc -l <sq.all.n) sessions"; return 1; }
}
check "every session the same in both stores" t_same_sessions
TOTAL=$(wc -l <sq.all.n)

# Expressions: `+` must match some sessions but not all; `~` any number but 0;
# `-` may match none. (<, <=, >, >= do not apply to these enum fields: a
# syntax error in both stores, before any SQL.)
cat >exprs.txt <<'EOF'
+ baseline == approved
+ baseline == learned
+ baseline == new
+ baseline == none
+ baseline != approved
+ baseline != none
+ baseline == [learned, new]
+ baseline != [approved, none]
~ baseline == EXISTS!
+ baseline.category == operational
+ baseline.category == maintenance
+ baseline.category == none
+ baseline.category != operational
+ baseline.category == [maintenance, none]
+ baseline.category != [operational, maintenance]
+ otwatch.baseline == approved && otwatch.baseline.category == maintenance
+ baseline == learned && baseline.category == maintenance
+ !(baseline == approved && baseline.category == operational)
+ !(baseline == none) && port.dst == 502
+ baseline == none && port.dst != 502
+ baseline == new || protocols == modbus
+ (baseline == [approved, learned] || port.dst == 22) && !(baseline.category == maintenance)
+ baseline == none && baseline.category == none
- baseline == none && baseline.category != none
+ ip.protocol == udp && baseline != new
EOF
n=0
while read -r kind expr; do
    n=$((n + 1))
    if ! otw sq sessions "$expr" --format json --limit 0 >"sq.$n.json" 2>"sq.$n.err"; then
        notok "sessions '$expr': SQLite failed" "$(cat "sq.$n.err")"
        continue
    fi
    if ! otw ch sessions "$expr" --format json --limit 0 \
        >"ch.$n.json" 2>"ch.$n.err"; then
        notok "sessions '$expr': ClickHouse failed" "$(cat "ch.$n.err")"
        continue
    fi
    norm sessions "sq.$n.json" >"sq.$n.n"
    norm sessions "ch.$n.json" >"ch.$n.n"
    c=$(grep -c . "sq.$n.n")
    if ! cmp -s "sq.$n.n" "ch.$n.n"; then
        notok "sessions '$expr': differ (SQLite $c, ClickHouse $(grep -c . "ch.$n.n"))" \
            "$(diff "sq.$n.n" "ch.$n.n" | head -4 | cut -c1-200)"
    elif [ "$kind" = + ] && { [ "$c" -eq 0 ] || [ "$c" -eq "$TOTAL" ]; }; then
        notok "sessions '$expr': $c of $TOTAL sessions (some but not all expected)"
    elif [ "$kind" = "~" ] && [ "$c" -eq 0 ]; then
        notok "sessions '$expr': no sessions"
    else
        ok "sessions '$expr': the same $c of $TOTAL"
    fi
done <exprs.txt

# --filter ot-operational (alone and with an expression): the same, and it
# is what its expansion matches.
t_filter() {
    local e=$1 m
    for m in sq ch; do
        # shellcheck disable=SC2086
        otw $m sessions $e --filter ot-operational --format json --limit 0 \
            >"$m.f.json" || return 1
        norm sessions "$m.f.json" >"$m.f.n"
    done
    cmp -s sq.f.n ch.f.n || { diff sq.f.n ch.f.n | head -4 | cut -c1-200; return 1; }
    c=$(grep -c . sq.f.n)
    [ "$c" -gt 0 ] && [ "$c" -lt "$TOTAL" ] || { echo "$c of $TOTAL sessions"; return 1; }
    echo "$c"
}
if o=$(t_filter "" 2>&1); then
    ok "sessions --filter ot-operational: the same $o of $TOTAL"
    # the expansion's own listing (expression 24 above) is the same set
    ix=$(grep -n '^+ !(baseline == approved && baseline.category == operational)$' exprs.txt |
        cut -d: -f1)
    if cmp -s sq.f.n "sq.$ix.n"; then ok "--filter ot-operational is its expansion"
    else notok "--filter ot-operational is not its expansion"; fi
else
    notok "sessions --filter ot-operational" "$o"
fi
if o=$(t_filter "port.dst==502" 2>&1); then
    ok "sessions 'port.dst == 502' --filter ot-operational: the same $o"
else
    notok "sessions 'port.dst == 502' --filter ot-operational" "$o"
fi

# otwatch hosts with a baseline expression: the same summary.
t_hosts() {
    local m
    for m in sq ch; do
        otw $m hosts 'baseline == [new, none]' >"$m.hosts.txt" || return 1
    done
    cmp -s sq.hosts.txt ch.hosts.txt || { diff sq.hosts.txt ch.hosts.txt | head -6; return 1; }
    [ "$(grep -c . sq.hosts.txt)" -gt 2 ] || { cat sq.hosts.txt; return 1; }
}
check "hosts 'baseline == [new, none]': the same" t_hosts

# Sorting by baseline: SQLite sorts, ClickHouse says it cannot (exit 1, no crash).
t_sort() {
    local o rc
    otw sq sessions --sort baseline --limit 5 >/dev/null || { echo "SQLite sort failed"; return 1; }
    o=$(otw ch sessions --sort baseline.category --limit 5 2>&1)
    rc=$?
    [ "$rc" -eq 1 ] || { echo "exit $rc: $o"; return 1; }
    case $o in
        *"cannot sort by baseline.category: not available with the ClickHouse store"*) ;;
        *) echo "$o"; return 1 ;;
    esac
}
check "sort by baseline.category on ClickHouse: a clear error" t_sort

# An emptied baseline (import of an empty one without --merge): every
# session is `none` on both stores.
t_emptied() {
    local m c
    printf '{"entries": []}\n' >empty.json
    for m in sq ch; do
        otw $m baseline import empty.json --config "$W/$m.conf" >/dev/null || return 1
        otw $m sessions 'baseline == none && baseline.category == none' --format json \
            --limit 0 >"$m.e.json" || return 1
        c=$(grep -c . "$m.e.json")
        [ "$c" -eq "$TOTAL" ] || { echo "$m: $c of $TOTAL sessions"; return 1; }
        c=$(otw $m sessions 'baseline != none' --format json --limit 0 |
            grep -c .)
        [ "$c" -eq 0 ] || { echo "$m: $c sessions not none"; return 1; }
    done
}
check "emptied baseline: every session is none on both stores" t_emptied

finish
