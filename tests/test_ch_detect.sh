#!/usr/bin/env bash
# tests/test_ch_detect.sh - assets, baseline and alerts in the ClickHouse
# store give what the SQLite store gives (issue 8).
#
#   bash tests/test_ch_detect.sh <otwatch-binary> <source-dir>
#
# Starts a two-shard ClickHouse cluster (HTTP ports 19140 and 19150, data
# under a temporary directory), creates the schema on both servers, then
# runs one plant's story twice, once with a SQLite store and once with
# --store clickhouse://127.0.0.1:19140/... as sensor node `sensor1`:
#   a maintenance window with a rule; learn tests/testbed/normal.pcap;
#   approve everything; protecting mode; import the scenario captures
#   (two capture points); assets set/unset; a second window, a window
#   removed; an entry's category and note set, an entry removed; an alert
#   acknowledged, one resolved, one capture imported again (--force).
# and compares what the two stores show: `assets --format json`, `baseline
# show` (entries, devices), `baseline export`, `baseline window list`,
# `alerts --status all --format json` (kinds, hosts, counts, first/last,
# status, evidence, the English and Japanese sentences) and the alert
# tables in English and Japanese, leaving out only the store's ids.
# Then: a baseline exported from SQLite and imported into another
# ClickHouse database reads back the same; a second sensor (sensor2, the
# other server) sees the one plant-wide baseline and the first sensor's
# alerts, and its own alerts do not disturb them; ack of an unknown id,
# removing an unknown window and an unreachable server are clear errors.
# Prints `ok - ...` / `not ok - ...`, then `N passed, N failed`.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_ch_detect.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_ch_detect.sh OTWATCH-BINARY SOURCE-DIR}")
CAP=$SRC/tests/testbed
P1=19140 P2=19150
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-chdetect.XXXXXX")
cleanup() {
    bash "$SRC/tests/clickhouse/cluster.sh" stop "$W/ch" >/dev/null 2>&1
    [ -n "${KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1

PASS=0 FAIL=0
ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() {
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | head -n 40 | sed 's/^/    /'
    FAIL=$((FAIL + 1))
}
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }
# check NAME CMD...: ok when CMD succeeds, else not ok with its output
check() {
    local name=$1 o
    shift
    if o=$("$@" 2>&1); then ok "$name"; else notok "$name" "$o"; fi
}

for t in python3 clickhouse-server curl; do
    command -v "$t" >/dev/null 2>&1 || { notok "setup: $t is missing"; finish; }
done
if ! o=$(bash "$SRC/tests/clickhouse/cluster.sh" start "$W/ch" $P1 $P2 2>&1); then
    notok "setup: ClickHouse cluster" "$o"
    finish
fi
ok "setup: two-shard ClickHouse cluster on $P1/$P2"
U1=clickhouse://127.0.0.1:$P1/otw
U2=clickhouse://127.0.0.1:$P2/otw
check "store init on both servers" "$OTW" store init --cluster otwatch "$U1" "$U2"

# Settings: the mock plant's, plus the remote store's for the ClickHouse runs.
{
    cat "$SRC/testbed/plant.conf"
    echo 'asset = 203.0.113.66  name=c2 role="C2 server"'
} >plant.conf
cp plant.conf sq.conf
{ cat plant.conf; echo 'clickhouse.cluster = otwatch'; echo 'node = sensor1'; } >ch.conf
{ cat plant.conf; echo 'clickhouse.cluster = otwatch'; echo 'node = sensor2'; } >ch2.conf

# otw MODE ARGS...: otwatch with the store of MODE (sq, ch, ch2).
otw() {
    local m=$1
    shift
    case $m in
        sq) OTWATCH_CONFIG=$W/sq.conf "$OTW" "$@" --db "$W/sq.db" ;;
        ch) OTWATCH_CONFIG=$W/ch.conf "$OTW" "$@" --db "$W/ch.db" --store "$U1" ;;
        ch2) OTWATCH_CONFIG=$W/ch2.conf "$OTW" "$@" --db "$W/ch2.db" --store "$U2" ;;
    esac
}
# otwc MODE ARGS...: for the commands that take --config
otwc() {
    local m=$1 c
    shift
    case $m in sq) c=sq.conf ;; ch) c=ch.conf ;; ch2) c=ch2.conf ;; esac
    otw "$m" "$@" --config "$W/$c"
}

# The python helpers: normalise outputs, find ids by what they stand for.
cat >"$W/norm.py" <<'EOF'
import json, re, sys

def lines(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]

def drop(o, keys):
    if isinstance(o, dict):
        return {k: drop(v, keys) for k, v in o.items() if k not in keys}
    if isinstance(o, list):
        return [drop(v, keys) for v in o]
    return o

def canon(o):
    return json.dumps(o, sort_keys=True, ensure_ascii=False)

cmd = sys.argv[1]
if cmd == "jsonl":          # JSON lines, store ids dropped, as a sorted list
    rows = []
    for r in lines(sys.argv[2]):
        if isinstance(r.get("evidence"), list):
            # session uids are each store's own: the number of links counts
            r["evidence"] = len(r["evidence"])
        rows.append(canon(drop(r, {"id", "status_time"})))
    print("\n".join(sorted(rows)))
elif cmd == "export":       # baseline export: ids dropped, lists sorted
    d = drop(json.load(open(sys.argv[2], encoding="utf-8")), {"id"})
    for k, v in d.items():
        if isinstance(v, list):
            d[k] = sorted(v, key=canon)
    print(json.dumps(d, sort_keys=True, indent=1, ensure_ascii=False))
elif cmd == "table":        # an alerts table: ids blanked, one block per alert, sorted
    blocks, cur = [], []
    for l in open(sys.argv[2], encoding="utf-8"):
        l = l.rstrip("\n")
        if l and not l.startswith(" "):
            if cur:
                blocks.append("\n".join(cur))
            cur = [re.sub(r"^\d+ +", "ID ", l)]
        else:
            cur.append(l)
    if cur:
        blocks.append("\n".join(cur))
    print("\n".join(sorted(blocks)))
elif cmd == "rules":        # window list: rule ids blanked
    for l in open(sys.argv[2], encoding="utf-8"):
        print(re.sub(r"rule \d+:", "rule N:", l.rstrip("\n")))
elif cmd == "entry":        # id of the entry CLIENT SERVER PORT APP in baseline show --format json
    for r in lines(sys.argv[2]):
        if r["client"] == sys.argv[3] and r["server"] == sys.argv[4] and \
                str(r["port"]) == sys.argv[5] and r["app"] == sys.argv[6]:
            print(r["id"])
            break
elif cmd == "alert":        # id of the first alert KIND [PORT] (by first seen)
    rs = [r for r in lines(sys.argv[2]) if r["kind"] == sys.argv[3] and
          (len(sys.argv) < 5 or str(r["port"]) == sys.argv[4])]
    rs.sort(key=lambda r: (r["first_seen"], r["src"] or "", r["dst"] or ""))
    if rs:
        print(rs[0]["id"])
elif cmd == "api":          # web API answers: store ids and times of changes dropped
    # (health: this node's own disk and database file)
    keys = {"id", "status_us", "created_us", "updated_us", "uid", "evidence", "generated_us",
            "health"}
    def walk(o):
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items() if k not in keys}
        if isinstance(o, list):
            return sorted((walk(v) for v in o), key=canon)
        return o
    d = walk(json.load(open(sys.argv[2], encoding="utf-8")))
    print(json.dumps(d, sort_keys=True, indent=1, ensure_ascii=False))
elif cmd == "summary":      # kind counts of alerts
    n = {}
    for r in lines(sys.argv[2]):
        n[r["kind"]] = n.get(r["kind"], 0) + 1
    print(" ".join("%s=%d" % kv for kv in sorted(n.items())))
EOF
norm() { python3 "$W/norm.py" "$@"; }

# step CMD...: runs a step of the story quietly; says which failed
step() {
    local o
    o=$("$@" 2>&1) || { echo "failed: ${*#$OTW }"; printf '%s\n' "$o" | tail -n 5; return 1; }
}
# story MODE: the same plant, step by step; every step must succeed.
story() {
    local m=$1 s p id o
    step otwc "$m" baseline window set maintenance "daily 09:00-10:00" || return 1
    step otwc "$m" baseline window rule maintenance --client 192.168.10.40 --port tcp/22 || return 1
    step otwc "$m" import -q --point ctrl-sw1 "$CAP/normal.pcap" || return 1
    step otwc "$m" baseline approve --all || return 1
    step otwc "$m" baseline mode protecting || return 1
    for s in scan_ssh c2_blocked c2_open modbus_write rdp_night arp_mitm; do
        p=ctrl-sw1
        case $s in rdp_night | arp_mitm) p=ctrl-sw2 ;; esac
        step otwc "$m" import -q --point $p "$CAP/$s.pcap" || return 1
    done
    step otwc "$m" assets set fe80::a:c0ff:fea8:a01 --name rtr-v6 --role "router, IPv6" || return 1
    step otwc "$m" assets set 36:ca:51:a3:16:7f --name cam1 --role camera || return 1
    step otwc "$m" assets set 192.168.10.1 --name fw-old || return 1
    step otwc "$m" assets unset 192.168.10.1 || return 1
    step otwc "$m" baseline window set night "daily 01:00-03:00" || return 1
    step otwc "$m" baseline window rule night --client 192.168.10.40 --server 192.168.10.10 \
        --port tcp/3389 || return 1
    step otwc "$m" baseline window set spare "Mon 10:00-11:00" || return 1
    step otwc "$m" baseline window rule spare --client '*' --port tcp/80 || return 1
    step otwc "$m" baseline window remove spare || return 1
    otwc "$m" baseline show --format json >"$m.bl0.json" || return 1
    id=$(norm entry "$m.bl0.json" 192.168.10.40 192.168.10.10 3389 rdp)
    [ -n "$id" ] || { echo "not found: baseline entry maint -> hmi 3389 rdp"; return 1; }
    step otwc "$m" baseline set "$id" --category maintenance --note "vendor remote desktop" ||
        return 1
    id=$(norm entry "$m.bl0.json" 192.168.10.10 203.0.113.66 4444 "")
    [ -n "$id" ] || { echo "not found: baseline entry 192.168.10.10 203.0.113.66 4444"; return 1; }
    step otwc "$m" baseline remove "$id" || return 1
    otw "$m" alerts --status all --format json >"$m.al0.json" || return 1
    id=$(norm alert "$m.al0.json" port_scan)
    [ -n "$id" ] || { echo "not found: alert port_scan"; return 1; }
    step otw "$m" alerts ack "$id" --by tanaka --note "ticket 4711" || return 1
    id=$(norm alert "$m.al0.json" outbound_blocked 443)
    [ -n "$id" ] || { echo "not found: alert outbound_blocked 443"; return 1; }
    step otw "$m" alerts resolve "$id" --by suzuki || return 1
    id=$(norm alert "$m.al0.json" off_hours)
    [ -n "$id" ] || { echo "not found: alert off_hours"; return 1; }
    step otw "$m" alerts resolve "$id" || return 1
    # c2_blocked again: its share comes out of its alerts first; the
    # resolved one absorbs nothing (a new alert opens)
    step otwc "$m" import -q --force --point ctrl-sw1 "$CAP/c2_blocked.pcap" || return 1
}

for m in sq ch; do
    if o=$(story $m 2>&1); then ok "story: $m"; else notok "story: $m" "$o"; fi
done

# outputs MODE: every view compared
outputs() {
    local m=$1
    otwc "$m" assets --format json >"$m.assets.json" &&
        otwc "$m" baseline show --format json >"$m.bl.json" &&
        otwc "$m" baseline show --devices --format json >"$m.dev.json" &&
        otwc "$m" baseline export >"$m.export.json" &&
        otwc "$m" baseline window list >"$m.win.txt" &&
        otw "$m" alerts --status all --format json >"$m.alerts.json" &&
        otw "$m" alerts --status all --lang en >"$m.alerts.en.txt" &&
        otw "$m" alerts --status all --lang ja >"$m.alerts.ja.txt"
}
for m in sq ch; do
    check "outputs: $m" outputs $m
done

# same WHAT NORM SUFFIX: the normalised outputs of both stores are equal
same() {
    local what=$1 how=$2 suf=$3 d
    norm "$how" "sq.$suf" >"sq.$suf.n"
    norm "$how" "ch.$suf" >"ch.$suf.n"
    if [ ! -s "sq.$suf.n" ]; then
        notok "$what: the SQLite store shows nothing"
    elif d=$(diff "sq.$suf.n" "ch.$suf.n"); then
        ok "$what: the same in both stores ($(wc -l <"sq.$suf.n") lines)"
    else
        notok "$what: differs (< sqlite, > clickhouse)" "$d"
    fi
}
compare_all() {
    local p=$1
    same "${p}assets --format json" jsonl assets.json
    same "${p}baseline show" jsonl bl.json
    same "${p}baseline show --devices" jsonl dev.json
    same "${p}baseline export" export export.json
    same "${p}baseline window list" rules win.txt
    same "${p}alerts --format json" jsonl alerts.json
    same "${p}alerts table, English" table alerts.en.txt
    same "${p}alerts table, Japanese" table alerts.ja.txt
}
compare_all ""

# What the story did must show (so equal outputs are not equally empty).
n=$(norm summary ch.alerts.json)
case $n in
    *arp_spoof=1*port_scan=1*) ok "alerts raised in ClickHouse: $n" ;;
    *) notok "alerts raised in ClickHouse: $n" ;;
esac
check "ClickHouse: ack and resolve kept (by, status)" python3 - "$W/ch.alerts.json" <<'EOF'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
st = {}
for r in rs:
    st.setdefault((r["kind"], r["port"]), []).append(r["status"])
assert st[("port_scan", None)] == ["acknowledged"], st
# resolved, then its file imported again: the file's share taken out left
# it empty (removed), and the occurrences opened a new alert
assert st[("outbound_blocked", 443)] == ["open"], st
assert "resolved" in st[("off_hours", 3389)], st
assert all(len(r["evidence"]) <= 100 for r in rs)
assert any(len(r["evidence"]) == 100 for r in rs), "no alert with 100 evidence links"
EOF
check "ClickHouse: labels, note, removed entry and window" python3 - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
a = [json.loads(l) for l in open(w + "/ch.assets.json")]
by = {r.get("host.ip") or r.get("host.mac"): r for r in a}
assert by["fe80::a:c0ff:fea8:a01"]["host.name"] == "rtr-v6", by["fe80::a:c0ff:fea8:a01"]
assert by["fe80::a:c0ff:fea8:a01"]["otwatch.role"] == "router, IPv6"
assert by["36:ca:51:a3:16:7f"]["host.name"] == "cam1", by["36:ca:51:a3:16:7f"]
assert by["192.168.10.1"]["host.name"] == "router", by["192.168.10.1"]
assert {"ctrl-sw1", "ctrl-sw2"} <= set(p for r in a for p in r.get("otwatch.points", []))
e = [json.loads(l) for l in open(w + "/ch.bl.json")]
rdp = [r for r in e if r["client"] == "192.168.10.40" and r["server"] == "192.168.10.10" and
       r["port"] == 3389 and r["app"] == "rdp"]
assert rdp and rdp[0]["category"] == "maintenance" and rdp[0]["note"] == "vendor remote desktop"
# removed, then c2_blocked imported again: new again, with that file's 2 sessions only
c2 = [r for r in e if r["server"] == "203.0.113.66" and r["port"] == 4444]
assert len(c2) == 1 and c2[0]["sessions"] == 2 and c2[0]["status"] == "new", c2
assert [r for r in e if r["status"] == "new"], "no new entries"
x = json.load(open(w + "/ch.export.json"))
assert x["mode"] == "protecting"
assert sorted(v["name"] for v in x["windows"]) == ["maintenance", "night"], x["windows"]
EOF

# The alert's evidence sessions come from the sessions table.
id=$(norm alert ch.alerts.json outbound_connected 443)
if o=$(otw ch alerts show "$id" 2>&1) && printf '%s\n' "$o" | grep -q "203.0.113.66:443"; then
    ok "alerts show: evidence sessions read from ClickHouse"
else
    notok "alerts show: evidence sessions read from ClickHouse" "$o"
fi

# Every row of these tables on both servers sent a second time (as a batch
# sent again after a lost answer, or from the spool): nothing changes.
dup=0
for t in assets asset_facts asset_bindings asset_labels baseline_entries baseline_decisions \
    baseline_devices baseline_windows baseline_rules baseline_meta alerts alert_status \
    alert_evidence alert_files; do
    for p in $P1 $P2; do
        curl -sf "http://127.0.0.1:$p/" \
            --data-binary "INSERT INTO otw.${t}_local SELECT * FROM otw.${t}_local" || dup=1
    done
done
n=$(curl -sf "http://127.0.0.1:$P1/" --data-binary "SELECT count() FROM otw.assets")
if [ $dup -eq 0 ] && [ "${n:-0}" -gt 0 ] && outputs ch; then
    ok "every row stored twice ($n asset rows now)"
    compare_all "rows twice: "
else
    notok "every row stored twice" "dup=$dup n=$n"
fi

# assets rebuild: the inventory emptied and filled again from the sessions
# and layer-2 sightings of each store.
if o=$(otwc sq assets rebuild 2>&1 && otwc ch assets rebuild 2>&1 &&
    otwc sq assets --format json 2>&1 >sq.assets.json &&
    otwc ch assets --format json 2>&1 >ch.assets.json); then
    same "assets after rebuild" jsonl assets.json
else
    notok "assets rebuild" "$o"
fi

# The web API reads the same through both stores (users stay in each
# node's SQLite file): alerts, one alert with its sessions, an alert
# acknowledged through the API, assets, the baseline, the daily check.
serve_api() {
    local m=$1 port pid
    printf '%s\n' 'api-test-pass-1' | otw "$m" user add admin1 --role admin >/dev/null 2>&1 ||
        return 1
    for port in $(seq 18640 18659); do
        otw "$m" serve --listen "127.0.0.1:$port" >"$m.serve.out" 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do
            curl -sf -o /dev/null "http://127.0.0.1:$port/api/health" && break
            kill -0 $pid 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 $pid 2>/dev/null; then
            python3 - "http://127.0.0.1:$port" "$W/$m" "$W/$m.al0.json" <<'EOF2'
import http.cookiejar, json, sys, urllib.request
base, out, al = sys.argv[1], sys.argv[2], sys.argv[3]
jar = http.cookiejar.CookieJar()
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
def call(method, path, body=None, csrf=None):
    h = {"Content-Type": "application/json"}
    if csrf:
        h["X-CSRF-Token"] = csrf
    r = urllib.request.Request(base + path, method=method, headers=h,
                               data=json.dumps(body).encode() if body is not None else None)
    return json.load(op.open(r))
csrf = call("POST", "/api/login", {"user": "admin1", "password": "api-test-pass-1"})["csrf"]
items = call("GET", "/api/alerts?status=any")["items"]
c2 = [a for a in items if a["kind"] == "outbound_connected" and a["port"] == 4444][0]
call("POST", "/api/alerts/%d/ack" % c2["id"], {"note": "through the API"}, csrf)
res = {"alerts": call("GET", "/api/alerts?status=any"),
       "one": call("GET", "/api/alerts/%d" % c2["id"]),
       "assets": call("GET", "/api/assets"),
       "baseline": call("GET", "/api/baseline"),
       "daily": call("GET", "/api/daily?date=2026-11-27")}
json.dump(res, open(out + ".api.json", "w"))
EOF2
            local rc=$?
            kill $pid 2>/dev/null
            wait $pid 2>/dev/null
            return $rc
        fi
        wait $pid 2>/dev/null
    done
    return 1
}
if serve_api sq && serve_api ch; then
    ok "web API answered on both stores"
    norm api sq.api.json >sq.api.n
    norm api ch.api.json >ch.api.n
    if d=$(diff sq.api.n ch.api.n); then
        ok "web API: the same through both stores ($(wc -l <sq.api.n) lines)"
    else
        notok "web API: differs (< sqlite, > clickhouse)" "$d"
    fi
else
    notok "web API" "$(tail -n 5 sq.serve.out ch.serve.out 2>/dev/null)"
fi

# A baseline exported from SQLite, imported into another ClickHouse
# database (replacing what was there), reads back the same.
check "store init of a second database" "$OTW" store init --cluster otwatch \
    clickhouse://127.0.0.1:$P1/otw2 clickhouse://127.0.0.1:$P2/otw2
U3=clickhouse://127.0.0.1:$P1/otw2
bl3() {
    OTWATCH_CONFIG=$W/ch.conf "$OTW" baseline "$@" --db "$W/ch3.db" --store "$U3" \
        --config "$W/ch.conf"
}
if bl3 window set old "Sun 00:00-01:00" >/dev/null 2>&1 &&
    bl3 import "$W/sq.export.json" >/dev/null 2>&1 &&
    bl3 export >ch3.export.json 2>&1; then
    norm export sq.export.json >a.n
    norm export ch3.export.json >b.n
    if d=$(diff a.n b.n); then
        ok "baseline import into ClickHouse: export the same"
    else
        notok "baseline import into ClickHouse: export differs" "$d"
    fi
else
    notok "baseline import into ClickHouse" "$(cat ch3.export.json 2>/dev/null)"
fi

# A second sensor, writing to the other server: one plant-wide baseline,
# the first sensor's alerts visible, its own alerts beside them.
n1=$(wc -l <ch.bl.json)
n2=$(otwc ch2 baseline show --format json 2>&1 | wc -l)
m2=$(otwc ch2 baseline mode 2>&1)
if [ "$n1" = "$n2" ] && [ "$m2" = protecting ]; then
    ok "sensor2 sees the shared baseline ($n2 entries, $m2)"
else
    notok "sensor2 sees the shared baseline" "sensor1 $n1 entries, sensor2 $n2; mode '$m2'"
fi
if otwc ch2 import -q --point ctrl-sw3 "$CAP/scan_ssh.pcap" >/dev/null 2>&1 &&
    otw ch2 alerts --status all --format json >ch2.alerts.json 2>&1 &&
    otw ch alerts --status all --format json >ch1b.alerts.json 2>&1 &&
    otwc ch assets --format json >ch1b.assets.json 2>&1; then
    check "sensor2: its alerts beside sensor1's, ids unique, sensor1's unchanged, its point" \
        python3 - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
rd = lambda p: [json.loads(l) for l in open(w + "/" + p)]
before, s2, s1 = rd("ch.alerts.json"), rd("ch2.alerts.json"), rd("ch1b.alerts.json")
ids = [r["id"] for r in s2]
assert len(ids) == len(set(ids)), "duplicate ids"
assert all(0 < i < 2 ** 53 for i in ids), "ids beyond 53 bits"
old = {r["id"]: r for r in before}
assert all(i in ids for i in old), "sensor1's alerts missing"
assert len(s2) > len(before), "sensor2 raised nothing"
assert sorted(json.dumps(r, sort_keys=True) for r in s1) == \
    sorted(json.dumps(r, sort_keys=True) for r in s2), "the two servers read differently"
# sensor2's capture point, numbered by sensor2 only, shows by name on sensor1
pts = set(p for r in rd("ch1b.assets.json") for p in r.get("otwatch.points", []))
assert {"ctrl-sw1", "ctrl-sw2", "ctrl-sw3"} <= pts, pts
for r in before:
    assert json.dumps(old[r["id"]], sort_keys=True) == json.dumps(
        [x for x in s2 if x["id"] == r["id"]][0], sort_keys=True)
EOF
else
    notok "sensor2: import into the other server"
fi

# Errors: clear messages, no crash.
# fails NAME PATTERN CMD...: CMD must fail (exit 1-127) with PATTERN in what it says
fails() {
    local name=$1 pat=$2 o rc
    shift 2
    o=$("$@" 2>&1)
    rc=$?
    if [ $rc -ge 1 ] && [ $rc -lt 128 ] && printf '%s' "$o" | grep -qi -- "$pat"; then
        ok "$name"
    else
        notok "$name" "exit $rc: $o"
    fi
}
fails "ack of an unknown id: says so" "no alert" otw ch alerts ack 12345
fails "remove of an unknown window: says so" "no maintenance window" \
    otwc ch baseline window remove nosuch
fails "unreachable server: an error naming it" "clickhouse" \
    env OTWATCH_CONFIG="$W/ch.conf" "$OTW" alerts --db "$W/chx.db" \
    --store clickhouse://127.0.0.1:1/otw
fails "unset of a host without a label: says so" "no name or role" \
    otwc ch assets unset 10.99.99.99

# The second server down: reads through the cluster fail with a message
# naming ClickHouse (no partial answer), and work again once it is back.
if bash "$SRC/tests/clickhouse/cluster.sh" stop-one "$W/ch" 2 >/dev/null 2>&1; then
    o=$(otw ch alerts --status all 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && printf '%s' "$o" | grep -qi "clickhouse"; then
        ok "a shard down: alerts fail, saying why"
    else
        notok "a shard down: alerts" "rc=$rc $o"
    fi
    bash "$SRC/tests/clickhouse/cluster.sh" start-one "$W/ch" 2 >/dev/null 2>&1
    n=$(otw ch alerts --status all --format json 2>&1 | wc -l)
    if [ "$n" -eq "$(wc -l <ch2.alerts.json)" ]; then
        ok "the shard back: all $n alerts again"
    else
        notok "the shard back" "$n alerts, expected $(wc -l <ch2.alerts.json)"
    fi
else
    notok "stopping the second server"
fi

finish
