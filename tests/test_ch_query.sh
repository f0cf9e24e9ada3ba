#!/usr/bin/env bash
# tests/test_ch_query.sh - the query language on the ClickHouse store gives
# what it gives on SQLite (issue 8: "one compiler, two dialects, the same
# results"). Two real clickhouse-server processes on loopback
# (tests/clickhouse/cluster.sh: cluster `otwatch`, one shard each), started
# here and stopped at exit.
#
#   bash tests/test_ch_query.sh <otwatch-binary> <source-dir>
#
# Captures of tests/testbed and tests/pcaps are imported through two sensors
# (sensor-1 writes to server 1 with capture point plant-a, sensor-2 to
# server 2 with plant-b) into the cluster, and the same captures with the
# same points into one SQLite file. Then, each against the other:
#   - `otwatch sessions EXPR --format json` for more than 60 expressions (every
#     field type and operator: addresses and CIDR ranges, port lists, !=,
#     ranges, patterns, EXISTS!, parser fields, protocols, state, times,
#     file, point, node, and/or/not nesting): the same rows (sorted, without
#     the store's own session id and node), and most expressions match some;
#   - --since/--until windows;
#   - sorting by many fields both ways: the same sequence of sort values;
#   - the web API's pages (GET /api/sessions as the sessions page asks):
#     offset pages and cursor pages give the same sort values as SQLite's,
#     together every session once, and the same counts;
#   - `otwatch hosts` (json) the same;
#   - syntax errors: the same message and exit status; the baseline fields
#     give the same count (tests/test_ch_baseline_query.sh tests them), a
#     sort by them says it is not available on ClickHouse (a clear error).
# Ports: ClickHouse 19100-19102 and 19110-19112 (CHQ_P1/CHQ_P2 override),
# otwatch serve 18600-18619.
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_ch_query.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_ch_query.sh OTWATCH-BINARY SOURCE-DIR}")
CLUSTER=$SRC/tests/clickhouse/cluster.sh
P1=${CHQ_P1:-19100} P2=${CHQ_P2:-19110}
U1=clickhouse://127.0.0.1:$P1/otwq
U2=clickhouse://127.0.0.1:$P2/otwq

# check, fail, eq, setup_fail, finish, free_port, wait_answer, login, api
. "$SRC/tests/web/lib.sh"
cleanup_extra() {
    [ -n "${REF_PID:-}" ] && kill "$REF_PID" 2>/dev/null && wait "$REF_PID" 2>/dev/null
    bash "$CLUSTER" stop "$W/ch" >/dev/null 2>&1
}
web_init chq clickhouse-server clickhouse-client curl python3
# the tests' own settings only
unset OTWATCH_STORE OTWATCH_NODE OTWATCH_CH_USER OTWATCH_CH_PASSWORD OTWATCH_CONFIG OTWATCH_DB

T=$SRC/tests/testbed P=$SRC/tests/pcaps
HALF1=("$T/normal.pcap" "$T/modbus_write.pcap" "$T/scan_ssh.pcap" "$T/rdp_night.pcap"
       "$T/arp_mitm.pcap" "$P"/modbus/*.pcap "$P"/s7comm/*.pcap "$P"/vlan/*.pcap*
       "$P"/icmp/*.pcap)
HALF2=("$T/normal2.pcap" "$T/c2_blocked.pcap" "$T/c2_open.pcap" "$T/demo.pcap"
       "$P"/dnp3/*.pcap "$P"/tls/*.pcap* "$P"/ipv6/*.pcap "$P"/http/*.pcap "$P"/iec104/*.pcap
       "$P"/enip/*.pcap "$P"/dns/*.pcap*)
for f in "${HALF1[@]}" "${HALF2[@]}"; do
    [ -f "$f" ] || setup_fail "capture $f is missing"
done

bash "$CLUSTER" start "$W/ch" "$P1" "$P2" >"$W/cluster.out" 2>&1 ||
    setup_fail "the ClickHouse servers did not start: $(tail -5 "$W/cluster.out" | tr '\n' '|')"

printf 'node = sensor-1\nstore = %s\nclickhouse.cluster = otwatch\n' "$U1" >sensor1.conf
printf 'node = sensor-2\nstore = %s\nclickhouse.cluster = otwatch\n' "$U2" >sensor2.conf
printf 'node = viewer\nstore = %s\nclickhouse.cluster = otwatch\n' "$U1" >viewer.conf
printf 'node = viewer\n' >ref.conf

# --- the data -------------------------------------------------------------------------------
t_setup() {
    local rc
    for u in "$U1" "$U2"; do
        "$OTW" store init --cluster otwatch --store "$u" >out 2>err
        eq "$?" 0 "store init $u: $(cat err)" || return 1
    done
    OTWATCH_CONFIG=$W/sensor1.conf "$OTW" import -q --db s1.db --point plant-a "${HALF1[@]}" \
        >out 2>err
    eq "$?" 0 "sensor-1 import: $(tail -3 err)" || return 1
    OTWATCH_CONFIG=$W/sensor2.conf "$OTW" import -q --db s2.db --point plant-b "${HALF2[@]}" \
        >out 2>err
    eq "$?" 0 "sensor-2 import: $(tail -3 err)" || return 1
    "$OTW" import -q --db ref.db --point plant-a "${HALF1[@]}" >out 2>err &&
        "$OTW" import -q --db ref.db --point plant-b "${HALF2[@]}" >out 2>err
    rc=$?
    eq "$rc" 0 "SQLite import: $(tail -3 err)"
}
check "store init on both servers; the captures through two sensors and into SQLite" t_setup

# ref OUT ARGS / chv OUT ARGS: otwatch ARGS on SQLite / through the cluster
# (the viewer's settings); stdout in OUT, stderr in OUT.err
ref() {
    local out=$1
    shift
    OTWATCH_CONFIG=$W/ref.conf "$OTW" "$@" --db ref.db >"$out" 2>"$out.err"
}
chv() {
    local out=$1
    shift
    OTWATCH_CONFIG=$W/viewer.conf "$OTW" "$@" --db viewer.db >"$out" 2>"$out.err"
}

# norm IN [keep]: JSON lines without the store's own keys, each with sorted
# keys; the lines sorted unless `keep`
norm() {
    python3 - "$@" <<'PY'
import json, sys
drop = {"otwatch.session_id", "observer.name"}
rows = []
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line)
        rows.append(json.dumps({k: v for k, v in r.items() if k not in drop}, sort_keys=True))
if len(sys.argv) < 3:
    rows.sort()
sys.stdout.write("".join(r + "\n" for r in rows))
PY
}

TOTAL=0
t_all_same() {
    ref ref.json sessions --format json --limit 0 || fail "SQLite: $(cat ref.json.err)" || return 1
    chv ch.json sessions --format json --limit 0 || fail "cluster: $(cat ch.json.err)" || return 1
    TOTAL=$(wc -l <ref.json)
    [ "$TOTAL" -gt 500 ] || fail "only $TOTAL sessions" || return 1
    norm ref.json >a.norm && norm ch.json >b.norm || fail "JSON unreadable" || return 1
    cmp -s a.norm b.norm ||
        fail "differ: $(diff a.norm b.norm | head -3 | cut -c1-300 | tr '\n' '|')"
}
check "every session is the same on both stores (the expressions' ground)" t_all_same

# Expressions: `+ EXPR` must match some sessions but not all, `~ EXPR` some (all
# too), `- EXPR` may match none.
cat >exprs.txt <<'EOF'
+ ip.src == 192.168.10.20
+ ip == 192.168.10.0/24
+ ip.dst == 10.0.0.0/8 || ip.dst == 172.16.0.0/12
+ ip != 192.168.10.0/24
+ ip == [192.168.10.20, 10.0.0.0/8, fe80::/10]
+ ip.src == ::/0 && network.type == ipv6
+ source.ip == 192.168.10.0/24 && destination.ip != 192.168.10.0/24
+ port.dst == 502
+ port.dst == [22, 80, 443, 3389, 20000]
+ port != [502, 53]
+ port.src > 1024 && port.src <= 65535
+ port.dst < 1024
+ port == EXISTS!
+ !(port == EXISTS!)
+ mac == EXISTS!
+ !(mac == EXISTS!)
+ mac.dst == [01:00:5e:00:00:fb, 02:0a:c0:a8:0a:14]
+ mac != 02:0a:c0:a8:0a:01
+ ip.protocol == [tcp, udp]
+ ip.protocol == icmp || network.transport == ipv6-icmp
+ network.type == ipv4
+ packets > 10
+ packets.src <= 2
+ bytes >= 10000 && bytes.dst < 100000
+ databytes == 0
+ databytes.src > 0 && databytes.dst == 0
+ tcpflags.src == syn && !(tcpflags.dst == syn)
+ tcpflags.dst == [rst, fin]
+ tcpflags.src != ack
+ vlan == EXISTS!
+ vlan != 10
- vlan == [10, 20, 100]
+ vlan > 5
+ community_id == 1:a*
~ community_id == EXISTS!
- community_id == ""
+ state == established
+ state != [established, closed]
+ state == [attempt, rejected, reset, timeout]
+ protocols == modbus
+ protocols == [modbus, tls, dnp3]
+ protocols == m*s || protocols == *7*
+ protocols != modbus
+ protocols == EXISTS!
+ !(protocols == EXISTS!)
+ protocol_guess == EXISTS!
+ protocol_guess == *s*
+ protocol_guess != modbus
+ icmp.type == 8
+ icmp.type == EXISTS! && icmp.code != 0
+ icmp.type != 8
+ starttime >= 2024-01-01
+ starttime < 2010-01-01
+ stoptime > "2000-01-01 00:00"
+ duration > 5
+ duration == 0
~ segment == 0 && continued == false
+ end == [eof, idle]
+ end != eof
+ point == plant-a
~ point == plant-*
+ point == *-b
+ point != plant-a
+ file == *modbus*
+ file == *.pcap && !(file == *testbed*)
+ file != *s7*
- file == *\*
+ modbus.func_code == 3
+ modbus.func_code == [5, 6, 15, 16]
+ modbus.func_code > 4
+ modbus.func == read*
+ modbus.func == EXISTS!
+ modbus.unit != 1
+ !(modbus.func == EXISTS!) && port.dst == 502
+ dnp3.func == EXISTS!
+ s7.rosctr == [job, ack_data]
+ tls.sni == EXISTS!
+ tls.sni == *.*
+ ot.class == write
+ ot.class != read
+ protocols == modbus && (modbus.func_code == 3 || !(ot.class == read))
+ (ip.src == 192.168.10.0/24 || ip.dst == 10.0.0.0/8) && !(port.dst == 502 || state == established)
+ !(!(ip == 10.0.0.0/8) && !(vlan == EXISTS!))
+ ((port.dst == 22 || port.dst == 3389) && state != established) || !(dnp3.func == read)
EOF

NEXPR=0 NHIT=0
t_expressions() {
    local mark e n bad=""
    NEXPR=0 NHIT=0
    while IFS= read -r line; do
        mark=${line%% *} e=${line#* }
        NEXPR=$((NEXPR + 1))
        ref r.json sessions --format json --limit 0 "$e" ||
            { bad="$bad | SQLite '$e': $(head -c 200 r.json.err)"; continue; }
        chv c.json sessions --format json --limit 0 "$e" ||
            { bad="$bad | cluster '$e': $(head -c 200 c.json.err)"; continue; }
        norm r.json >r.norm && norm c.json >c.norm || { bad="$bad | '$e': JSON"; continue; }
        n=$(wc -l <r.norm)
        if ! cmp -s r.norm c.norm; then
            bad="$bad | '$e': SQLite $n rows, cluster $(wc -l <c.norm)"
        elif [ "$n" -gt 0 ]; then
            NHIT=$((NHIT + 1))
        elif [ "$mark" != - ]; then
            bad="$bad | '$e' matched nothing (the test data should have some)"
        fi
        [ "$n" -lt "$TOTAL" ] || [ "$mark" != + ] ||
            bad="$bad | '$e' matched every session (the test cannot tell)"
    done <exprs.txt
    [ "$NEXPR" -ge 60 ] || fail "only $NEXPR expressions" || return 1
    [ -z "$bad" ] || fail "${bad# | }"
}
check "expressions give the same rows on both stores (see exprs.txt)" t_expressions
echo "# $NEXPR expressions, $NHIT of them matched sessions"

# node: each sensor's sessions say its name; on SQLite every session is this node's
t_node() {
    local n1 n2
    chv c.json sessions --format json --limit 0 'node == sensor-1' || fail "$(cat c.json.err)" ||
        return 1
    ref r.json sessions --format json --limit 0 'point == plant-a' || fail "$(cat r.json.err)" ||
        return 1
    norm c.json >c.norm && norm r.json >r.norm || fail "JSON" || return 1
    n1=$(wc -l <c.norm)
    [ "$n1" -gt 0 ] && cmp -s c.norm r.norm ||
        fail "node == sensor-1 ($n1) is not point == plant-a ($(wc -l <r.norm))" || return 1
    python3 -c '
import json, sys
nodes = {json.loads(l).get("observer.name") for l in open(sys.argv[1])}
sys.exit(0 if nodes == {"sensor-1"} else 1)' c.json || fail "observer.name of those rows" ||
        return 1
    chv c.json sessions --format json --limit 0 'node == sensor-? && !(node == sensor-2)' &&
        norm c.json >c2.norm && cmp -s c.norm c2.norm || fail "node pattern" || return 1
    chv c.json sessions --format json --limit 0 'node == EXISTS!' || return 1
    eq "$(wc -l <c.json)" "$TOTAL" "node == EXISTS! on the cluster" || return 1
    ref r.json sessions --format json --limit 0 'node == viewer' || return 1
    eq "$(wc -l <r.json)" "$TOTAL" "node == viewer (this node) on SQLite" || return 1
    ref r.json sessions --format json --limit 0 'node == sensor-1' || return 1
    eq "$(wc -l <r.json)" 0 "node == sensor-1 on SQLite (another node)" || return 1
    grep -q observer.name r.json ref.json && fail "SQLite rows name a node" && return 1
    chv c.txt sessions --limit 3 || fail "table: $(cat c.txt.err)" || return 1
    n2=$(grep -c ' sensor-[12]$' c.txt)
    head -1 c.txt | grep -q 'POINT  *NODE$' && [ "$n2" = 3 ] ||
        fail "table without a NODE column: $(head -2 c.txt | tr '\n' '|')"
}
check "node: sensor-1's sessions are plant-a's; SQLite's are this node's" t_node

# time windows: --since/--until select the sessions overlapping them
t_windows() {
    local w bad=""
    for w in "--since 2015-01-01" "--until 2012-06-01" "--since 2000-01-01 --until 2016-01-01" \
             "--since 2024-05-01T10:00:00Z --until 2024-05-01T11:00:00Z"; do
        # shellcheck disable=SC2086
        ref r.json sessions --format json --limit 0 $w 'ip.protocol == [tcp, udp]' &&
            chv c.json sessions --format json --limit 0 $w 'ip.protocol == [tcp, udp]' ||
            { bad="$bad | $w: $(cat r.json.err c.json.err | head -c 200)"; continue; }
        norm r.json >r.norm && norm c.json >c.norm
        cmp -s r.norm c.norm || bad="$bad | $w: SQLite $(wc -l <r.norm), cluster $(wc -l <c.norm)"
    done
    [ -z "$bad" ] || fail "${bad# | }"
}
check "--since/--until windows: the same sessions" t_windows

# sortkey FIELD IN: the sort value of each row, one per line, in order
sortkey() {
    python3 - "$@" <<'PY'
import json, sys, datetime
field, path = sys.argv[1], sys.argv[2]
def t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
keys = {"starttime": "event.start", "stoptime": "event.end", "bytes": "network.bytes",
        "packets.src": "source.packets", "databytes.dst": "otwatch.destination.payload_bytes",
        "ip.src": "source.ip", "ip.dst": "destination.ip", "mac.src": "source.mac",
        "vlan": "network.vlan.id", "state": "otwatch.state", "protocols": "network.protocol",
        "community_id": "network.community_id", "icmp.type": "otwatch.icmp.type",
        "point": "otwatch.point", "file": "otwatch.file", "end": "otwatch.end_reason",
        "protocol_guess": "otwatch.protocol_guess", "segment": "otwatch.segment"}
for line in open(path):
    r = json.loads(line)
    if field == "duration":
        d = t(r["event.end"]) - t(r["event.start"])
        print(d.days * 86400 * 10**6 + d.seconds * 10**6 + d.microseconds)
    else:
        print(json.dumps(r.get(keys[field])))
PY
}
t_sorting() {
    local f d bad="" n=0
    for f in starttime stoptime bytes packets.src databytes.dst ip.src ip.dst mac.src vlan state \
             protocols community_id icmp.type point file end protocol_guess segment duration; do
        for d in "" --desc; do
            # shellcheck disable=SC2086
            ref r.json sessions --format json --limit 0 --sort "$f" $d &&
                chv c.json sessions --format json --limit 0 --sort "$f" $d ||
                { bad="$bad | $f $d: $(cat r.json.err c.json.err | head -c 200)"; continue; }
            sortkey "$f" r.json >r.keys && sortkey "$f" c.json >c.keys ||
                { bad="$bad | $f $d: JSON"; continue; }
            [ "$(sort -u r.keys | wc -l)" -gt 1 ] || bad="$bad | $f: one value only"
            cmp -s r.keys c.keys || bad="$bad | $f $d: order differs at line $(cmp r.keys c.keys |
                awk '{print $NF}')"
            n=$((n + 1))
        done
    done
    [ -z "$bad" ] || fail "${bad# | }"
    echo "# $n sorted listings compared"
}
check "sorting by 19 fields both ways: the same order of values" t_sorting

t_sort_errors() {
    local f
    for f in port ot.class ip.scr; do
        ref r.txt sessions --sort "$f"
        local rr=$?
        chv c.txt sessions --sort "$f"
        local rc=$?
        eq "$rc/$(cat c.txt.err)" "$rr/$(cat r.txt.err)" "--sort $f" || return 1
        [ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "--sort $f: exit $rc" || return 1
    done
}
check "sorts that cannot be: the same error on both" t_sort_errors

# --- the web API's pages (the sessions page) ---------------------------------------------------
REF_PID=""
t_serve() {
    printf 'victor-chq-pass-1\n' | "$OTW" user add victor --role viewer --db ref.db >out 2>err &&
        printf 'victor-chq-pass-1\n' | OTWATCH_CONFIG=$W/viewer.conf "$OTW" user add victor \
            --role viewer --db viewer.db >out 2>err || fail "user add: $(cat err)" || return 1
    OTWATCH_CONFIG=$W/ref.conf start_server 18600 18609 --db ref.db
    REF_PID=$SERVER_PID REF_BASE=$BASE SERVER_PID=""
    login refv victor victor-chq-pass-1 || return 1
    OTWATCH_CONFIG=$W/viewer.conf start_server 18610 18619 --db viewer.db
    CH_BASE=$BASE
    login chv victor victor-chq-pass-1
}
check "otwatch serve on SQLite and on the cluster" t_serve

# pages WHO BASE OUT SORT DESC MODE EXPR LIMIT: every page of GET /api/sessions
# (MODE offset: offset=0,limit,2*limit...; cursor: after=next), the items
# one per line in OUT, and the count of the first page on stdout
pages() {
    python3 - "$W/$1.jar" "$2" "$3" "$4" "$5" "$6" "$7" "$8" <<'PY'
import json, subprocess, sys
jar, base, out, sort, desc, mode, expr, limit = sys.argv[1:]
limit, offset, after, items, count = int(limit), 0, None, [], None
while True:
    args = ["curl", "-s", "-b", jar, "-G", base + "/api/sessions", "--data-urlencode",
            "expr=" + expr, "--data-urlencode", "sort=" + sort, "--data-urlencode", "desc=" + desc,
            "--data-urlencode", "limit=%d" % limit,
            "--data-urlencode", "count=%d" % (count is None)]
    if mode == "offset":
        args += ["--data-urlencode", "offset=%d" % offset]
    elif after:
        args += ["--data-urlencode", "after=" + after]
    page = json.loads(subprocess.run(args, capture_output=True, check=True).stdout)
    if "items" not in page:
        sys.exit("no items: %s" % json.dumps(page)[:300])
    if count is None:
        count = page.get("count")
    items += page["items"]
    if not page["more"]:
        break
    offset += limit
    after = page["next"]
with open(out, "w") as f:
    for it in items:
        f.write(json.dumps(it, sort_keys=True) + "\n")
print(count)
PY
}
# apikey SORT FILE: the sort values of the items in order
apikey() {
    python3 - "$1" "$2" <<'PY'
import json, sys
f, path = sys.argv[1], sys.argv[2]
for line in open(path):
    r = json.loads(line)
    v = {"starttime": r["start_us"], "bytes": r["bytes"], "packets": r["packets"],
         "ip.src": r["source"]["ip"], "state": r["state"], "protocols": r["protocols"],
         "community_id": r["community_id"], "point": r["point"], "file": r["file"],
         "duration": r["end_us"] - r["start_us"], "icmp.type": r.get("icmp_type"),
         "mac.src": r["source"].get("mac"),
         "protocol_guess": r["protocol_guess"]}[f]
    print(json.dumps(v))
PY
}
# the items without their ids, sorted
apinorm() {
    python3 -c '
import json, sys
rows = []
for l in open(sys.argv[1]):
    r = json.loads(l); r.pop("id")
    rows.append(json.dumps(r, sort_keys=True))
print("\n".join(sorted(rows)))' "$1"
}
t_api_pages() {
    local s d m e l bad="" n=0
    # sort values absent (NULL) in some rows: icmp.type, mac.src; cursors on them
    for s in starttime bytes ip.src protocols duration icmp.type "udp bytes" "mac mac.src"; do
        e="ip.protocol == icmp || port.dst == [502, 20000, 102, 2404, 44818]" l=25
        case $s in
        udp*) e="ip.protocol == udp" s=${s#udp } ;;
        mac*) e="!(mac == EXISTS!) || port.dst == [102, 2404]" s=${s#mac } l=5 ;;
        esac
        for d in 0 1; do
            for m in offset cursor; do
                pagelisting "$s" "$d" "$m" "$e" "$l" || continue
                n=$((n + 1))
            done
        done
    done
    # everything, a few big pages
    pagelisting starttime 0 cursor "" 1000 && pagelisting bytes 1 offset "" 1000 && n=$((n + 2))
    [ "$(wc -l <c.items)" = "$TOTAL" ] || bad="$bad | all: $(wc -l <c.items) of $TOTAL"
    [ -z "$bad" ] || fail "$(echo "${bad# | }" | cut -c1-800)"
    echo "# $n paged listings compared"
}
# pagelisting SORT DESC MODE EXPR LIMIT: one listing, page by page, on both
pagelisting() {
    local s=$1 d=$2 m=$3 e=$4 l=$5 cr cc
    cr=$(pages refv "$REF_BASE" r.items "$s" "$d" "$m" "$e" "$l") &&
        cc=$(pages chv "$CH_BASE" c.items "$s" "$d" "$m" "$e" "$l") ||
        { bad="$bad | $s $d $m '$e': request failed"; return 1; }
    [ "$(wc -l <r.items)" -gt "$l" ] || bad="$bad | $s $d $m '$e': less than two pages"
    [ "$cr" = "$cc" ] || bad="$bad | $s $d $m '$e': count $cr vs $cc"
    apikey "$s" r.items >r.keys && apikey "$s" c.items >c.keys
    cmp -s r.keys c.keys || bad="$bad | $s $d $m '$e': the order differs"
    apinorm r.items >r.norm && apinorm c.items >c.norm
    cmp -s r.norm c.norm || bad="$bad | $s $d $m '$e': not the same sessions"
    [ "$(wc -l <c.items)" = "$cc" ] ||
        bad="$bad | $s $d $m '$e': $(wc -l <c.items) items, count $cc"
}
check "the sessions page's paging (offset and cursor) and counts: the same on both" t_api_pages

count_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["count"])' "$1"; }
t_api_errors() {
    local e
    for e in "ip.scr == 1" "port.dst == [1," "baseline == learned"; do
        curl -s -b "$W/refv.jar" -G -o r.body -w '%{http_code}' --data-urlencode "expr=$e" \
            "$REF_BASE/api/sessions" >r.code
        curl -s -b "$W/chv.jar" -G -o c.body -w '%{http_code}' --data-urlencode "expr=$e" \
            "$CH_BASE/api/sessions" >c.code
        case $e in
        baseline*) { [ "$(cat r.code)" = 200 ] && [ "$(cat c.code)" = 200 ] ||
            fail "$e: $(cat r.code) / $(cat c.code) $(head -c 300 c.body)"; } &&
            eq "$(count_of c.body)" "$(count_of r.body)" "$e: count" || return 1 ;;
        *) eq "$(cat c.code) $(cat c.body)" "$(cat r.code) $(cat r.body)" "$e" || return 1 ;;
        esac
    done
    # a sort by baseline: SQLite sorts, the cluster cannot
    curl -s -b "$W/refv.jar" -G -o r.body -w '%{http_code}' --data-urlencode "sort=baseline" \
        "$REF_BASE/api/sessions" >r.code
    curl -s -b "$W/chv.jar" -G -o c.body -w '%{http_code}' --data-urlencode "sort=baseline" \
        "$CH_BASE/api/sessions" >c.code
    [ "$(cat r.code)" = 200 ] && [ "$(cat c.code)" = 400 ] &&
        grep -q "cannot sort by baseline: not available with the ClickHouse store" c.body ||
        fail "sort=baseline: $(cat r.code) / $(cat c.code) $(head -c 300 c.body)"
}
check "the API's expression errors: the same; baseline: the same count, no sort by it there" \
    t_api_errors

# --- hosts ---------------------------------------------------------------------------------------
t_hosts() {
    local e bad=""
    for e in "" "protocols == modbus" "ip == 192.168.10.0/24 || vlan == EXISTS!"; do
        ref r.json hosts --format json "$e" && chv c.json hosts --format json "$e" ||
            { bad="$bad | '$e': $(cat r.json.err c.json.err | head -c 200)"; continue; }
        [ "$(wc -l <r.json)" -gt 1 ] || bad="$bad | '$e': $(wc -l <r.json) hosts"
        cmp -s r.json c.json || bad="$bad | '$e': $(diff r.json c.json | head -3 | cut -c1-300 |
            tr '\n' '|')"
    done
    ref r.json hosts --format json --limit 5 && chv c.json hosts --format json --limit 5 &&
        [ "$(wc -l <c.json)" = 5 ] && cmp -s r.json c.json || bad="$bad | --limit 5"
    [ -z "$bad" ] || fail "${bad# | }"
}
check "otwatch hosts: the same summary on both" t_hosts

# --- errors --------------------------------------------------------------------------------------
t_errors() {
    local e rr rc
    for e in "ip.scr == 10.0.0.1" "port.dst == 70000" "ip.src == 10.0.0.300" "state == bogus" \
             "(port.dst == 1" "port.dst == [1, 2" "protocols > modbus" \
             "starttime == tomorrow-ish"; do
        ref r.txt sessions "$e"
        rr=$?
        chv c.txt sessions "$e"
        rc=$?
        eq "$rc $(cat c.txt.err)" "$rr $(cat r.txt.err)" "'$e'" || return 1
        [ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "'$e': exit $rc" || return 1
    done
    ref r.txt sessions 'baseline == learned' --format json --limit 0 &&
        chv c.txt sessions 'baseline == learned' --format json --limit 0 ||
        fail "baseline == learned: $(cat r.txt.err c.txt.err)" || return 1
    [ "$(wc -l <r.txt)" -gt 0 ] && eq "$(wc -l <c.txt)" "$(wc -l <r.txt)" "baseline == learned" ||
        return 1
    chv c.txt sessions --sort baseline
    rc=$?
    [ "$rc" = 1 ] &&
        grep -q "cannot sort by baseline: not available with the ClickHouse store" c.txt.err ||
        fail "sort by baseline on the cluster: exit $rc, $(cat c.txt.err)"
}
check "syntax errors: the same message and exit status; baseline: the same, no sort by it" t_errors

finish
