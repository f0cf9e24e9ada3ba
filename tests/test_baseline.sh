#!/usr/bin/env bash
# tests/test_baseline.sh - end-to-end checks of `otwatch baseline` (issue 6)
# and the ot-operational preset, on the testbed's normal capture.
#
#   bash tests/test_baseline.sh <otwatch-binary> <source-dir>
#
# Expectations come from the capture itself where an independent tool can
# say them: tshark finds the Modbus requests (FC 6 writes, FC 1/3/4 reads)
# and ARP senders, python3 computes the plant-local hour of the week, and
# `otwatch sessions` with plain address/port expressions counts what the
# preset must leave out. Prints `ok - NAME` / `not ok - NAME: WHY`, then
# `N passed, N failed`; exits 1 when any check failed.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_baseline.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:-$(dirname "$0")/..}")
PCAP=$SRC/tests/testbed/normal.pcap
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-bl.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

PASS=0 FAIL=0 WHY=""
for t in tshark python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "not ok - setup: $t is missing"; echo "0 passed, 1 failed"; exit 1; }
done

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
hasnt() { ! grep -qF -- "$2" "$1" || fail "$3: '$2' unexpectedly in $1"; }

# otw OUT ERR ARGS...: runs otwatch, stdout to OUT, stderr to ERR, status in RC
otw() {
    local out=$1 err=$2
    shift 2
    "$OTW" "$@" >"$out" 2>"$err"
    RC=$?
}

printf 'plant.timezone = +09:00\n' >plant.conf
DB=$W/plant.db
B=(--db "$DB" --config "$W/plant.conf")
# the number in "(N sessions)" of `otwatch sessions`
nsess() { "$OTW" sessions --db "${DB2:-$DB}" --limit 0 "$@" | sed -n 's/^(\([0-9]*\) sessions\{0,1\})$/\1/p'; }

# --- learning ------------------------------------------------------------------------

# Sessions stored without detection, so that `learn` does all the learning.
t_learn() {
    otw o e import --db "$DB" --config plant.conf --no-detect "$PCAP"
    [ "$RC" = 0 ] || { fail "import: rc $RC: $(cat e)"; return; }
    TOTAL=$(nsess)
    [ -n "$TOTAL" ] && [ "$TOTAL" -gt 10 ] || { fail "sessions: '$TOTAL'"; return; }
    otw o e baseline learn "${B[@]}"
    eq "$RC" 0 "learn rc ($(cat e))" || return
    has o "learned from $TOTAL sessions" "learn summary" || return
    has o "mode learning" "default mode on a fresh database"
}
check "baseline learn from stored sessions (counts all stored sessions)" t_learn

# FC 6 requests from the SCADA server to the PLC, as tshark sees them: each
# (client, server) pair must have a modbus write entry; FC 1/3/4 a read entry.
t_modbus_entries() {
    local pairs n=0
    "$OTW" baseline show "${B[@]}" --format csv >show.csv || { fail "show failed"; return; }
    pairs=$(tshark -r "$PCAP" -Y 'modbus.func_code == 6 && tcp.dstport == 502' -T fields \
        -e ip.src -e ip.dst 2>/dev/null | sort -u)
    [ -n "$pairs" ] || { fail "tshark found no FC 6 request"; return; }
    while read -r c s; do
        has show.csv ",$c,$s,$c,$s,tcp,502,modbus,write," "write entry $c -> $s" || return
        n=$((n + 1))
    done <<<"$pairs"
    eq "$(echo "$pairs" | head -1)" "$(printf '192.168.10.20\t192.168.10.30')" "the SCADA server writes" || return
    pairs=$(tshark -r "$PCAP" -Y '(modbus.func_code == 1 || modbus.func_code == 3 ||
        modbus.func_code == 4) && tcp.dstport == 502' -T fields -e ip.src -e ip.dst 2>/dev/null |
        sort -u)
    [ -n "$pairs" ] || { fail "tshark found no FC 1/3/4 request"; return; }
    while read -r c s; do
        has show.csv ",$c,$s,$c,$s,tcp,502,modbus,read," "read entry $c -> $s" || return
    done <<<"$pairs"
    # no other host wrote to the PLC
    eq "$(grep -c ',tcp,502,modbus,write,' show.csv)" "$n" "write entries"
}
check "show: SCADA -> PLC tcp/502 modbus read and write entries (tshark's FC 6 / FC 1,3,4)" t_modbus_entries

t_table() {
    "$OTW" baseline show "${B[@]}" >show.txt || { fail "show"; return; }
    has show.txt "tcp/502   modbus   write" "table row" || return
    has show.txt "maintenance 192.168.10.40" "ssh guessed maintenance" || return
    has show.txt "0 approved" "summary"
}
check "show as a table: service, app, class, category guess" t_table

# The hour of the week of the first write, in plant time (+09:00), by python.
t_hours() {
    local ts how
    "$OTW" baseline export "${B[@]}" >e1.json || { fail "export"; return; }
    ts=$(tshark -r "$PCAP" -Y 'modbus.func_code == 6 && tcp.dstport == 502' -T fields \
        -e frame.time_epoch 2>/dev/null | head -1)
    how=$(python3 -c "
import datetime as d,sys
t=d.datetime.fromtimestamp(float('$ts'), d.timezone(d.timedelta(hours=9)))
print(t.strftime('%a %H'))")
    python3 - "$how" <<'EOF' || { fail "hours: $(cat py.err 2>/dev/null)"; return; }
import json, sys
doc = json.load(open('e1.json'))
how = sys.argv[1]
w = [e for e in doc['entries'] if e['transport'] == 'tcp' and e['port'] == 502
     and e['class'] == 'write']
assert w and how in w[0]['hours'], (how, w)
assert how in doc['hours_covered'], (how, doc['hours_covered'])
assert doc['timezone'] == '+09:00'
EOF
}
check "hour-of-week profile and covered hours in plant time" t_hours

# ARP senders as tshark sees them are the learned IP <-> MAC bindings.
t_arp() {
    tshark -r "$PCAP" -Y 'arp && arp.src.proto_ipv4 != 0.0.0.0' -T fields \
        -e arp.src.proto_ipv4 -e arp.src.hw_mac 2>/dev/null | sort -u >arp.tshark
    [ -s arp.tshark ] || { fail "tshark found no ARP"; return; }
    python3 -c "
import json
d = json.load(open('e1.json'))['devices']['arp']
for a in sorted(d, key=lambda a: a['ip']): print(a['ip'] + '\t' + a['mac'])" | sort >arp.ours
    cmp -s arp.tshark arp.ours || fail "ARP bindings differ: $(diff arp.tshark arp.ours | tr '\n' '|')"
}
check "devices: ARP bindings equal tshark's ARP senders" t_arp

t_relearn() {
    otw o e baseline learn "${B[@]}"
    eq "$RC" 0 "learn again" || return
    has o "(0 of them added to the baseline)" "nothing added" || return
    "$OTW" baseline export "${B[@]}" >e1b.json
    cmp -s e1.json e1b.json || fail "relearning the same sessions changed the baseline"
}
check "learning the same sessions twice changes nothing" t_relearn

# An import in learning mode learns by itself (detection calls the
# baseline for every record): the same baseline as `learn` from storage.
t_import_learns() {
    local D=$W/imported.db
    otw o e import --db "$D" --config plant.conf "$PCAP"
    eq "$RC" 0 "import with detection ($(cat e))" || return
    "$OTW" baseline export --db "$D" --config plant.conf >imp.json 2>/dev/null
    cmp -s e1.json imp.json || fail "import-time learning differs from baseline learn: $(diff e1.json imp.json | head -20 | tr '\n' '|')"
}
check "import in learning mode learns the same baseline as 'baseline learn'" t_import_learns

t_learn_empty() {
    otw o e baseline learn "${B[@]}" --since 2030-01-01
    eq "$RC" 1 "rc" || return
    has e "nothing to learn" "message"
}
check "learn with nothing in range: exit 1, says so" t_learn_empty

t_learn_file_point() {
    otw o e baseline learn "${B[@]}" --file "$PCAP"
    eq "$RC" 0 "--file ($(cat e))" || return
    has o "learned from $TOTAL sessions" "--file learns that file's sessions" || return
    otw o e baseline learn "${B[@]}" --point nope
    eq "$RC" 1 "--point of no session" || return
    has e "no stored session matches --point nope" "message" || return
    otw o e baseline learn "${B[@]}" --file "$PCAP" --point x
    eq "$RC" 2 "--file and --point" || return
    otw o e baseline learn "${B[@]}" --since 2026-11-28 --until 2026-11-27
    eq "$RC" 2 "--until before --since"
}
check "learn --file, --point and bad option combinations" t_learn_file_point

# --- export / import ------------------------------------------------------------------

t_roundtrip() {
    otw o e baseline import "${B[@]}" e1.json
    eq "$RC" 0 "import ($(cat e))" || return
    "$OTW" baseline export "${B[@]}" e2.json 2>/dev/null
    cmp -s e1.json e2.json || { fail "export -> import -> export differs"; return; }
    otw o e baseline import "${B[@]}" --merge e1.json
    eq "$RC" 0 "import --merge" || return
    "$OTW" baseline export "${B[@]}" >e3.json
    cmp -s e1.json e3.json || fail "merging the same file changed the baseline"
}
check "export -> import -> export is identical (replace and merge)" t_roundtrip

# A file that is not right changes nothing and says where it is wrong.
bad_import() {
    local file=$1 want=$2 before
    "$OTW" baseline export "${B[@]}" >before.json
    otw o e baseline import "${B[@]}" "$file"
    eq "$RC" 1 "rc for $file" || return
    has e "$want" "message" || return
    "$OTW" baseline export "${B[@]}" >after.json
    cmp -s before.json after.json || fail "a failed import changed the baseline"
}
t_bad_json() {
    printf '{"entries": [\n  {"client": 1,,}\n]}\n' >bad1.json
    bad_import bad1.json "bad1.json:2:" || return
    python3 -c "
import json
d = json.load(open('e1.json'))
i = [k for k, e in enumerate(d['entries']) if e['transport'] == 'tcp'][0]
open('tcpix', 'w').write(str(i))
d['entries'][i]['port'] = 'x'
json.dump(d, open('bad2.json', 'w'))
d['entries'][i]['port'] = 502; d['entries'][i]['catgory'] = 'x'
json.dump(d, open('bad3.json', 'w'))
d = json.load(open('e1.json'))
d['entries'].append(d['entries'][5])
json.dump(d, open('bad4.json', 'w'))
d['entries'].pop(); d['windows'] = [{'name': 'w', 'schedule': 'Tue 25:00-26:00'}]
json.dump(d, open('bad5.json', 'w'))
d['windows'] = []; d['entries'][0]['client'] = '300.1.1.1'
json.dump(d, open('bad6.json', 'w'))"
    local i
    i=$(cat tcpix)
    bad_import bad2.json "bad2.json: entries[$i].port: expected an integer from 0 to 65535" || return
    bad_import bad3.json "entries[$i]: unknown key 'catgory'" || return
    bad_import bad4.json "the same communication as entries[5]" || return
    bad_import bad5.json "windows[0].schedule: schedule 'Tue 25:00-26:00'" || return
    bad_import bad6.json "entries[0].client: '300.1.1.1' is not an IP address" || return
    bad_import missing.json "missing.json" || return
    echo '[1, 2]' >bad7.json
    bad_import bad7.json "expected an object"
}
check "import of bad files: exit 1, file: path: message, nothing changed" t_bad_json

# --- approve, remove, set ------------------------------------------------------------

id_of() {   # id_of PATTERN: the id of the first csv row containing PATTERN
    "$OTW" baseline show "${B[@]}" --format csv | grep -F -- "$1" | head -1 | cut -d, -f1
}

t_approve_remove() {
    local ssh n0 n1 dns
    ssh=$(id_of ',192.168.10.40,192.168.10.20,tcp,22,ssh,')
    [ -n "$ssh" ] || { fail "no ssh entry"; return; }
    otw o e baseline approve "${B[@]}" "$ssh"
    eq "$RC" 0 "approve" || return
    "$OTW" baseline show "${B[@]}" --status approved --format csv >appr.csv
    eq "$(($(wc -l <appr.csv) - 1))" 1 "approved entries" || return
    has appr.csv "$ssh,approved,maintenance,192.168.10.40,192.168.10.20" "the ssh entry" || return
    # one unknown id: exit 1, and the known one is not changed either
    dns=$(id_of ',udp,5353,dns,')
    otw o e baseline approve "${B[@]}" "$dns" 99999
    eq "$RC" 1 "unknown id rc" || return
    has e "no baseline entry 99999" "unknown id message" || return
    "$OTW" baseline show "${B[@]}" --status approved --format csv >appr2.csv
    cmp -s appr.csv appr2.csv || { fail "a failed approve changed entries"; return; }
    otw o e baseline approve "${B[@]}" abc
    eq "$RC" 2 "non-numeric id rc" || return
    has e "'abc' is not an entry id" "message" || return
    n0=$("$OTW" baseline show "${B[@]}" --format csv | wc -l)
    otw o e baseline remove "${B[@]}" "$dns"
    eq "$RC" 0 "remove" || return
    n1=$("$OTW" baseline show "${B[@]}" --format csv | wc -l)
    eq "$n1" "$((n0 - 1))" "entries after remove" || return
    otw o e baseline remove "${B[@]}" "$dns"
    eq "$RC" 1 "removing again" || return
    has e "no baseline entry $dns" "message"
}
check "approve and remove by id; unknown and bad ids" t_approve_remove

t_set() {
    local id
    id=$(id_of ',192.168.10.10,192.168.10.20,tcp,20295,')
    otw o e baseline set "${B[@]}" "$id" --category maintenance --note 'HMI, link'
    eq "$RC" 0 "set ($(cat e))" || return
    "$OTW" baseline show "${B[@]}" --format csv | grep "^$id," >row.csv
    has row.csv ",maintenance," "category" || return
    has row.csv '"HMI, link"' "note (quoted in CSV)" || return
    otw o e baseline set "${B[@]}" "$id" --category sometimes
    eq "$RC" 2 "bad category rc" || return
    has e "operational or maintenance" "message" || return
    "$OTW" baseline set "${B[@]}" "$id" --category operational --note '' >/dev/null
}
check "set category and note; bad category" t_set

# --- windows --------------------------------------------------------------------------

t_windows() {
    otw o e baseline window set "${B[@]}" ssh-maint Tue 13:00-17:00
    eq "$RC" 0 "window set ($(cat e))" || return
    has o "window ssh-maint: Tue 13:00-17:00 (plant time, +09:00)" "set output" || return
    otw o e baseline window rule "${B[@]}" ssh-maint --client 192.168.10.40 \
        --server 192.168.10.20 --port tcp/22 --app ssh
    eq "$RC" 0 "window rule ($(cat e))" || return
    otw o e baseline window list "${B[@]}"
    has o "ssh-maint: Tue 13:00-17:00" "list" || return
    has o "client 192.168.10.40 -> server 192.168.10.20, port tcp/22, app ssh" "rule" || return
    otw o e baseline window set "${B[@]}" x 'Tue 25:00-26:00'
    eq "$RC" 2 "bad schedule rc" || return
    has e "'25:00' is not a start time" "bad schedule message" || return
    otw o e baseline window rule "${B[@]}" nope --port tcp/22
    eq "$RC" 1 "rule for a missing window rc" || return
    has e "no maintenance window 'nope'" "message" || return
    otw o e baseline window rule "${B[@]}" ssh-maint --port tcp/99999
    eq "$RC" 2 "bad port rc" || return
    has e "'tcp/99999' is not a port" "message" || return
    otw o e baseline window rule "${B[@]}" ssh-maint --client nosuchhost
    eq "$RC" 2 "bad host rc" || return
    has e "not an address, a CIDR range, * or an asset name" "message" || return
    # windows travel with export/import
    "$OTW" baseline export "${B[@]}" w1.json 2>/dev/null
    has w1.json '"schedule": "Tue 13:00-17:00"' "export" || return
    has w1.json '"port": "tcp/22"' "export rule" || return
    "$OTW" baseline import "${B[@]}" w1.json >/dev/null
    "$OTW" baseline export "${B[@]}" w2.json 2>/dev/null
    cmp -s w1.json w2.json || { fail "windows do not round-trip"; return; }
    otw o e baseline window remove "${B[@]}" ssh-maint
    eq "$RC" 0 "remove" || return
    otw o e baseline window remove "${B[@]}" ssh-maint
    eq "$RC" 1 "remove again rc" || return
    otw o e baseline window list "${B[@]}"
    has o "(0 windows)" "empty list"
}
check "maintenance windows: set, rule, list, remove, bad input, export" t_windows

# Names and roles from the settings' asset lines label hosts, and name
# hosts in window rules (resolved to their addresses).
t_labels() {
    printf '%s\n' 'plant.timezone = +09:00' 'asset = 192.168.10.20 name=scada role="SCADA server"' \
        'asset = 192.168.10.40 name=maint' >named.conf
    local N=(--db "$DB" --config "$W/named.conf")
    "$OTW" baseline show "${N[@]}" --category maintenance >lab.txt
    has lab.txt "maint                 scada (SCADA server)  tcp/22" "labels in show" || return
    "$OTW" baseline window set "${N[@]}" m 'Tue 13:00-17:00' >/dev/null || { fail "set"; return; }
    otw o e baseline window rule "${N[@]}" m --client maint --server scada --port tcp/22
    eq "$RC" 0 "rule by asset names ($(cat e))" || return
    has o "client 192.168.10.40 -> server 192.168.10.20, port tcp/22" "resolved" || return
    "$OTW" baseline window remove "${N[@]}" m >/dev/null
}
check "asset names label hosts and name rule hosts" t_labels

# --- mode -----------------------------------------------------------------------------

t_mode() {
    otw o e baseline mode "${B[@]}"
    eq "$(cat o)" learning "default mode" || return
    otw o e baseline mode "${B[@]}" protecting
    eq "$RC" 0 "set" || return
    has o "mode: protecting (was learning)" "message" || return
    eq "$("$OTW" baseline mode "${B[@]}")" protecting "mode after" || return
    "$OTW" baseline export "${B[@]}" >m.json
    has m.json '"mode": "protecting"' "export" || return
    otw o e baseline mode "${B[@]}" guarding
    eq "$RC" 2 "bad mode rc" || return
    has e "learning or protecting" "message" || return
    "$OTW" baseline mode "${B[@]}" learning >/dev/null
    eq "$("$OTW" baseline mode "${B[@]}")" learning "back to learning"
}
check "mode: learning by default, protecting, back" t_mode

t_usage() {
    otw o e baseline frobnicate
    eq "$RC" 2 "unknown command" || return
    has e "unknown command 'frobnicate'" "message" || return
    otw o e baseline --help
    eq "$RC" 0 "help" || return
    has o "otwatch baseline window rule" "examples" || return
    otw o e baseline show --db "$W/nowhere.db"
    eq "$RC" 1 "missing database" || return
    otw o e baseline learn "${B[@]}" --tz Mars/Olympus
    eq "$RC" 2 "bad zone rc" || return
    has e "unknown time zone 'Mars/Olympus'" "message"
}
check "usage errors: unknown command, help, missing database, bad zone" t_usage

# --- the ot-operational preset --------------------------------------------------------

# Approve only the SCADA -> PLC Modbus entries: the preset must leave out
# exactly the sessions on that client, server and port.
t_preset_query() {
    local ids got want
    "$OTW" baseline import "${B[@]}" e1.json >/dev/null      # all learned again
    ids=$("$OTW" baseline show "${B[@]}" --format csv |
        grep -F ',192.168.10.20,192.168.10.30,192.168.10.20,192.168.10.30,tcp,502,' | cut -d, -f1)
    [ -n "$ids" ] || { fail "no modbus entries"; return; }
    # shellcheck disable=SC2086
    "$OTW" baseline approve "${B[@]}" $ids >/dev/null || { fail "approve"; return; }
    want=$((TOTAL - $(nsess 'ip.src == 192.168.10.20 && ip.dst == 192.168.10.30 && port.dst == 502 && ip.protocol == tcp')))
    got=$(nsess --filter ot-operational)
    eq "$got" "$want" "sessions --filter ot-operational" || return
    [ "$got" -lt "$TOTAL" ] || { fail "nothing left out"; return; }
    got=$(nsess '!(baseline == approved && baseline.category == operational)')
    eq "$got" "$want" "the same as an expression" || return
    eq "$(nsess 'baseline == none')" 0 "every stored session has an entry" || return
    # combined with an expression of one's own
    eq "$(nsess --filter ot-operational 'port.dst == 502')" 0 "ANDed with an expression"
}
check "sessions --filter ot-operational leaves out exactly the approved operational flows" t_preset_query

# Everything approved: only what matches maintenance entries stays, at
# query time and, in a second database, at capture (import) time.
t_preset_all() {
    local expr="" got want
    "$OTW" baseline approve "${B[@]}" --all >/dev/null
    "$OTW" baseline show "${B[@]}" --category maintenance --format csv | tail -n +2 >maint.csv
    [ -s maint.csv ] || { fail "no maintenance entries"; return; }
    while IFS=, read -r _ _ _ c s _ _ t p _; do
        expr="${expr:+$expr || }(ip.src == $c && ip.dst == $s && ip.protocol == $t && port.dst == $p)"
    done <maint.csv
    want=$(nsess "$expr")
    got=$(nsess --filter ot-operational)
    eq "$got" "$want" "query preset with all approved" || return
    [ "$got" -gt 0 ] || { fail "the maintenance session is gone too"; return; }
    "$OTW" baseline export "${B[@]}" appr.json 2>/dev/null
    DB2=$W/capture.db
    "$OTW" baseline import --db "$DB2" --config plant.conf appr.json >/dev/null || { fail "import baseline"; return; }
    otw o e import --db "$DB2" --config plant.conf --filter ot-operational "$PCAP"
    eq "$RC" 0 "import with the preset ($(cat e))" || return
    eq "$(nsess)" "$want" "sessions stored with --filter ot-operational" || return
    eq "$(nsess 'port.dst == 502')" 0 "no Modbus polling stored"
    DB2=""
}
check "ot-operational with everything approved: query time and capture time agree" t_preset_all

t_filters_list() {
    "$OTW" filters >f.txt
    has f.txt "ot-operational" "otwatch filters" || return
    "$OTW" fields >fl.txt
    has fl.txt "baseline.category" "otwatch fields"
}
check "otwatch filters and fields list the preset and the fields" t_filters_list

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
