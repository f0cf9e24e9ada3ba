#!/usr/bin/env bash
# tests/test_api_alerts.sh - the alerts and daily check API (issue 7) against
# a real `otwatch serve` on loopback, checked against the CLI as the
# independent path.
#
#   bash tests/test_api_alerts.sh <otwatch-binary> <source-dir>
#
# The database is tests/web/make-db.sh's (the testbed's normal capture
# learned and approved, then the scenario captures imported in protecting
# mode; users alice (admin) and victor (viewer)). The server listens on a
# free port of 18450-18499. Checks:
#   - GET /api/alerts lists the alerts `otwatch alerts --format json` lists
#     (ids, kind, severity, status, count, times, hosts with names and roles,
#     port/proto), with both explanations equal to what `otwatch alerts show
#     --lang en|ja` prints; status and kind filters, limit and "more";
#   - GET /api/alerts/ID: its evidence sessions are sessions of the store
#     (`otwatch sessions 'id == N'`) between the alert's hosts;
#   - ack / resolve / reopen by the admin change what the CLI shows (status,
#     status_by = the user, note); the viewer gets 403 and changes nothing;
#     bad ids 400, unknown ids 404, bad notes 400;
#   - GET /api/daily: new devices, new communications and alerts of the day
#     as `otwatch assets`, `baseline show --status new` and `alerts` filtered
#     by time give them; per-host traffic as `otwatch hosts` counts the
#     sessions that started in the day (--since/--until and a starttime
#     expression); a day boundary in another time zone; capture health from a
#     capture_stats row written with sqlite3; bad days and offsets 400.
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`; exits 1
# when any check failed. Needs curl, python3 and sqlite3.
set -u

OTW=$(realpath "${1:?usage: test_api_alerts.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_api_alerts.sh OTWATCH-BINARY SOURCE-DIR}")
# shellcheck source=web/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/web/lib.sh"
web_init apialerts curl python3 sqlite3

# --- the database and the server ---------------------------------------------
make_db
CLI=(--db "$DB")
start_server 18450 18499 --db "$DB" --config "$CONF"

# The test's independent checks are in Python: json in, messages out.
PY=$W/check.py
cat >"$PY" <<'EOF'
import datetime, json, subprocess, sys

def us(t):
    """RFC 3339 of the CLI -> microseconds."""
    d = datetime.datetime.strptime(t.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(round(d.timestamp() * 1e6))

def jl(path):
    return [json.loads(l) for l in open(path) if l.strip()]

def hosts_of(api_alert, side):
    return [h for h in api_alert["hosts"] if h["side"] == side]

def label(h):
    if h.get("name") and h.get("role"):
        return "%s (%s)" % (h["name"], h["role"])
    if h.get("name"):
        return h["name"]
    if h.get("role"):
        return "(%s) %s" % (h["role"], h["ip"])
    return h["ip"]

def cmp_alert(a, c):
    """Differences between an API alert and the CLI's JSON line of it."""
    d = []
    for k in ("id", "kind", "severity", "status", "count"):
        if a[k] != c[k]:
            d.append("%s %r != %r" % (k, a[k], c[k]))
    if a["first_us"] != us(c["first_seen"]) or a["last_us"] != us(c["last_seen"]):
        d.append("times")
    if a["explanation"] != c["text"]:
        d.append("explanation")
    if a["title"]["en"] != c["title"]:
        d.append("title")
    src = hosts_of(a, "src")
    if (src[0]["ip"] if src else None) != c["src"]:
        d.append("src %s != %s" % (src, c["src"]))
    if src and label(src[0]) != c["src_label"]:
        d.append("src label %s != %s" % (label(src[0]), c["src_label"]))
    dst = hosts_of(a, "dst")
    if c["dst"] is not None and (not dst or dst[0]["ip"] != c["dst"] or
                                 label(dst[0]) != c["dst_label"]):
        d.append("dst %s != %s" % (dst, c["dst"]))
    if c["dst"] is None and c["detail"].get("targets"):
        want = [t for t in c["detail"]["targets"].split(",") if t != "..."]
        if [h["ip"] for h in dst] != want:
            d.append("targets %s != %s" % ([h["ip"] for h in dst], want))
        if ", ".join(label(h) for h in dst) != c["dst_label"]:
            d.append("target labels")
    if a.get("proto") != c["proto"] or a.get("port") != c["port"]:
        d.append("proto/port")
    if a["detail"] != c["detail"]:
        d.append("detail")
    if a.get("status_by", None) != c.get("status_by", None) or \
       a.get("note", None) != c.get("status_note", None):
        d.append("status_by/note")
    return d

cmd = sys.argv[1]
if cmd == "alerts":
    # api.json cli.jsonl: the same alerts in the same order, field by field
    api = json.load(open(sys.argv[2]))["items"]
    cli = jl(sys.argv[3])
    if [a["id"] for a in api] != [c["id"] for c in cli]:
        print("ids %s != %s" % ([a["id"] for a in api], [c["id"] for c in cli]))
        sys.exit(1)
    bad = ["%d: %s" % (a["id"], ", ".join(cmp_alert(a, c))) for a, c in zip(api, cli)
           if cmp_alert(a, c)]
    if bad:
        print("; ".join(bad))
        sys.exit(1)
    print(len(api))
elif cmd == "ids":
    print(" ".join(str(a["id"]) for a in json.load(open(sys.argv[2]))["items"]))
elif cmd == "get":
    # get FILE EXPR: a Python expression over j
    j = json.load(open(sys.argv[2]))
    print(eval(sys.argv[3]))
elif cmd == "evidence":
    # evidence alert.json OTW DB CLI_EVIDENCE: every session is the store's and
    # has the alert's source (and destination or a target) as an endpoint
    a = json.load(open(sys.argv[2]))
    otw, db = sys.argv[3], sys.argv[4]
    linked = json.loads(sys.argv[5])
    if a["evidence_linked"] != len(linked):
        print("evidence_linked %s != %d" % (a["evidence_linked"], len(linked)))
        sys.exit(1)
    if not a["sessions"] or len(a["sessions"]) > len(linked):
        print("%d sessions for %d links" % (len(a["sessions"]), len(linked)))
        sys.exit(1)
    src = [h["ip"] for h in hosts_of(a, "src")]
    dst = [h["ip"] for h in hosts_of(a, "dst")]
    for s in a["sessions"]:
        out = subprocess.run([otw, "sessions", "--db", db, "--format", "json",
                              "id == %d" % s["id"]], capture_output=True, text=True).stdout
        rows = [json.loads(l) for l in out.splitlines() if l.strip()]
        if len(rows) != 1:
            print("session %d: %d rows in the CLI" % (s["id"], len(rows)))
            sys.exit(1)
        r = rows[0]
        ends = {r["source.ip"], r["destination.ip"]}
        if s["src"]["ip"] != r["source.ip"] or s["dst"]["ip"] != r["destination.ip"] or \
           s["start_us"] != us(r["event.start"]) or s["end_us"] != us(r["event.end"]) or \
           s["proto"] != r["network.transport"] or \
           s["src"].get("port") != r.get("source.port") or \
           s["dst"].get("port") != r.get("destination.port"):
            print("session %d differs from the CLI: %s / %s" % (s["id"], s, r))
            sys.exit(1)
        if src and not (set(src) & ends):
            print("session %d: %s not among %s" % (s["id"], src, ends))
            sys.exit(1)
        if dst and not (set(dst) & ends):
            print("session %d: none of %s among %s" % (s["id"], dst, ends))
            sys.exit(1)
    print(len(a["sessions"]))
elif cmd == "daily":
    # daily daily.json assets.jsonl baseline.jsonl alerts.jsonl hosts.jsonl NSESSIONS
    d = json.load(open(sys.argv[2]))
    lo, hi = d["since_us"], d["until_us"]
    inday = lambda t: lo <= us(t) < hi
    msgs = []
    # new devices: the CLI's listing, first seen in the day
    want = sorted(x.get("host.ip") or x.get("host.mac") for x in jl(sys.argv[3])
                  if x.get("event.start") and inday(x["event.start"]))
    got = sorted(x.get("ip") or x.get("mac") for x in d["new"]["assets"])
    if got != want or d["new"]["assets_total"] != len(want):
        msgs.append("new devices %s != %s" % (got, want))
    want = sorted(x["id"] for x in jl(sys.argv[4]) if inday(x["first_seen"]))
    got = sorted(x["id"] for x in d["new"]["communications"])
    if got != want[:50] or d["new"]["communications_total"] != len(want):
        msgs.append("new communications %s != %s" % (got, want))
    al = jl(sys.argv[5])
    want = sorted(x["id"] for x in al if inday(x["first_seen"]))
    got = sorted(x["id"] for x in d["new"]["alerts"])
    if got != want or d["new"]["alerts_total"] != len(want):
        msgs.append("alerts of the day %s != %s" % (got, want))
    opn = [x for x in al if x["status"] == "open"]
    if d["alerts"]["open"] != len(opn):
        msgs.append("open %s != %d" % (d["alerts"]["open"], len(opn)))
    for sev in ("critical", "high", "medium", "low"):
        n = len([x for x in opn if x["severity"] == sev])
        if d["alerts"]["by_severity"][sev] != n:
            msgs.append("open %s %s != %d" % (sev, d["alerts"]["by_severity"][sev], n))
    ack = len([x for x in al if x["status"] == "acknowledged"])
    if d["alerts"]["acknowledged"] != ack:
        msgs.append("acknowledged %s != %d" % (d["alerts"]["acknowledged"], ack))
    rank = {"critical": 4, "high": 3, "medium": 2, "low": 1}
    top = sorted([x for x in opn], key=lambda x: (-rank[x["severity"]], -us(x["last_seen"])))[:5]
    if [x["id"] for x in d["alerts"]["top"]] != [x["id"] for x in top]:
        msgs.append("top alerts %s != %s" % ([x["id"] for x in d["alerts"]["top"]],
                                             [x["id"] for x in top]))
    # traffic: per host as `otwatch hosts --since --until` counts it
    hosts = {x["host.ip"]: x for x in jl(sys.argv[6])}
    tr = d["traffic"]
    if tr["hosts_total"] != len(hosts):
        msgs.append("hosts_total %s != %d" % (tr["hosts_total"], len(hosts)))
    if tr["sessions"] != int(sys.argv[7]):
        msgs.append("sessions %s != %s" % (tr["sessions"], sys.argv[7]))
    if len(tr["hosts"]) != min(10, len(hosts)):
        msgs.append("%d hosts shown of %d" % (len(tr["hosts"]), len(hosts)))
    busiest = sorted(hosts.values(), key=lambda x: -(x["otwatch.bytes_out"] + x["otwatch.bytes_in"]))
    for h in tr["hosts"]:
        c = hosts.get(h["host"]["ip"])
        if c is None:
            msgs.append("%s not in hosts" % h["host"]["ip"])
            continue
        n = c["otwatch.sessions_out"] + c["otwatch.sessions_in"]
        b = c["otwatch.bytes_out"] + c["otwatch.bytes_in"]
        if h["sessions"] != n or h["bytes"] != b:
            msgs.append("%s: %s sessions %s bytes != %d %d" % (h["host"]["ip"], h["sessions"],
                                                              h["bytes"], n, b))
        if sum(h["hourly_sessions"]) != n or sum(h["hourly_bytes"]) != b or \
           len(h["hourly_sessions"]) != 24:
            msgs.append("%s: the hours do not add up" % h["host"]["ip"])
    if tr["hosts"] and tr["hosts"][0]["bytes"] != (busiest[0]["otwatch.bytes_out"] +
                                                   busiest[0]["otwatch.bytes_in"]):
        msgs.append("the first host is not the busiest")
    if msgs:
        print("; ".join(msgs))
        sys.exit(1)
    print("%d devices, %d communications, %d alerts, %d hosts" % (
        len(d["new"]["assets"]), d["new"]["communications_total"], len(d["new"]["alerts"]),
        len(tr["hosts"])))
EOF

check "admin logs in" login alice alice alice-web-pass-1
check "viewer logs in" login victor victor victor-web-pass-1

# --- listing ------------------------------------------------------------------------
list_matches() {   # list_matches QUERY CLI-ARGS...
    local q=$1
    shift
    api victor GET "/api/alerts?$q"
    [ "$CODE" = 200 ] || { fail "HTTP $CODE: $(head -c 300 "$W/out")"; return; }
    cp "$W/out" "$W/list.json"
    "$OTW" alerts "${CLI[@]}" --format json "$@" >"$W/cli.jsonl" || { fail "CLI failed"; return; }
    N=$(python3 "$PY" alerts "$W/list.json" "$W/cli.jsonl") || fail "$N"
}
check "list of every alert = otwatch alerts --status all" list_matches "status=any&limit=10000" --status all
NALL=$N
check "there are alerts to check (>= 10)" test "${NALL:-0}" -ge 10
check "default list = open alerts = otwatch alerts" list_matches "" 
check "kind filter = otwatch alerts --kind new_peer" list_matches "status=any&kind=new_peer" --status all --kind new_peer
check "time filter = otwatch alerts --since --until" \
    list_matches "status=any&since=2026-11-27T01:00:00Z&until=2026-11-27T05:00:00Z" \
    --status all --since 2026-11-27T01:00:00Z --until 2026-11-27T05:00:00Z
check "microsecond times = RFC 3339 times" \
    list_matches "status=any&since=1795741200000000&until=1795755600000000" \
    --status all --since 2026-11-27T01:00:00Z --until 2026-11-27T05:00:00Z

limit_more() {
    api victor GET "/api/alerts?status=any&limit=2"
    eq "$CODE" 200 "status" || return
    eq "$(python3 "$PY" get "$W/out" 'len(j["items"]), j["more"]')" "(2, True)" "items, more" || return
    api victor GET "/api/alerts?status=any&limit=10000"
    eq "$(python3 "$PY" get "$W/out" 'j["more"], len(j["kinds"])')" "(False, 16)" "more, kinds"
}
check "limit and more" limit_more

# The sentences are the CLI's in both languages: `alerts show --lang` prints them.
sentences() {
    local id lang text
    api victor GET "/api/alerts?status=any&limit=10000"
    for id in $(python3 "$PY" ids "$W/out" | tr ' ' '\n' | head -n 6); do
        api victor GET "/api/alerts/$id"
        for lang in en ja; do
            text=$(python3 "$PY" get "$W/out" "j['explanation']['$lang']")
            "$OTW" alerts show "$id" "${CLI[@]}" --lang "$lang" >"$W/show.txt" || {
                fail "alerts show $id"; return; }
            [ -n "$text" ] && [ "$(sed -n 3p "$W/show.txt" | sed 's/^      //')" = "$text" ] ||
                { fail "alert $id ($lang): '$text' not what the CLI prints"; return; }
        done
    done
}
check "explanations in English and Japanese = otwatch alerts show --lang" sentences

bad_list() {
    local q
    for q in "status=bogus" "kind=bogus" "limit=0" "limit=abc" "since=yesterday-ish"; do
        api victor GET "/api/alerts?$q"
        [ "$CODE" = 400 ] || { fail "$q: HTTP $CODE"; return; }
        eq "$(python3 "$PY" get "$W/out" 'j["error"]["code"]')" bad_argument "$q" || return
    done
}
check "bad filters: 400 bad_argument" bad_list

# --- one alert and its evidence ---------------------------------------------------
evidence() {
    local id=$1 ev
    api victor GET "/api/alerts/$id"
    eq "$CODE" 200 "HTTP" || return
    cp "$W/out" "$W/alert.json"
    ev=$("$OTW" alerts show "$id" "${CLI[@]}" --format json |
         python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["evidence"]))')
    N=$(python3 "$PY" evidence "$W/alert.json" "$OTW" "$DB" "$ev") || fail "$N"
}
api victor GET "/api/alerts?status=any&kind=port_scan"
SCAN=$(python3 "$PY" ids "$W/out" | cut -d' ' -f1)
api victor GET "/api/alerts?status=any&kind=outbound_connected"
OUTB=$(python3 "$PY" ids "$W/out" | cut -d' ' -f1)
api victor GET "/api/alerts?status=any&kind=ot_write"
WRITE=$(python3 "$PY" ids "$W/out" | cut -d' ' -f1)
check "port scan alert ($SCAN): evidence sessions are the store's, from the scanner to its targets" evidence "${SCAN:-0}"
check "outbound alert ($OUTB): evidence sessions between the HMI and the C2" evidence "${OUTB:-0}"
check "OT write alert ($WRITE): evidence sessions between maint and the PLC" evidence "${WRITE:-0}"
names() {
    api victor GET "/api/alerts/${WRITE:-0}"
    eq "$(python3 "$PY" get "$W/out" '[(h["side"], h["ip"], h.get("name"), h.get("role"), "mac" in h) for h in j["hosts"]]')" \
       "[('src', '192.168.10.40', 'maint', 'maintenance server', True), ('dst', '192.168.10.30', 'plc', 'PLC', True)]" \
       "hosts" || return
    eq "$(python3 "$PY" get "$W/out" 'j["proto"], j["port"], j["sessions"][0]["src"]["name"], j["sessions"][0]["dst"]["role"]')" \
       "('tcp', 502, 'maint', 'PLC')" "port and evidence names"
}
check "hosts by name and role (with MAC), port, named evidence endpoints" names

bad_ids() {
    local p
    for p in abc 0 -1 12x 99999999999999999999 1.5; do
        api victor GET "/api/alerts/$p"
        [ "$CODE" = 400 ] || { fail "/api/alerts/$p: HTTP $CODE"; return; }
    done
    api victor GET "/api/alerts/999999"
    eq "$CODE" 404 "/api/alerts/999999" || return
    eq "$(python3 "$PY" get "$W/out" 'j["error"]["code"]')" not_found "code"
}
check "bad ids 400, unknown id 404" bad_ids

# --- acknowledge, resolve, reopen ------------------------------------------------
cli_status() {   # cli_status ID -> "status by note"
    "$OTW" alerts show "$1" "${CLI[@]}" --format json |
        python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["status"], a.get("status_by", "-"), a.get("status_note", "-"))'
}
ID=${WRITE:-0}
viewer_refused() {
    local before
    before=$(cli_status "$ID")
    api victor POST "/api/alerts/$ID/ack" '{"note":"viewer was here"}'
    eq "$CODE" 403 "viewer ack" || return
    eq "$(python3 "$PY" get "$W/out" 'j["error"]["code"]')" forbidden "code" || return
    api victor POST "/api/alerts/$ID/resolve"
    eq "$CODE" 403 "viewer resolve" || return
    eq "$(cli_status "$ID")" "$before" "CLI status after the viewer's tries"
}
check "viewer: ack and resolve refused (403 forbidden), nothing changed" viewer_refused
no_csrf() {
    curl -s -o "$W/out" -w '%{http_code}' -b "$W/alice.jar" -X POST \
        -H 'Content-Type: application/json' --data '{}' "$BASE/api/alerts/$ID/ack" >"$W/code"
    eq "$(cat "$W/code")" 403 "without X-CSRF-Token" || return
    eq "$(cli_status "$ID" | cut -d' ' -f1)" open "CLI status"
}
check "admin without the CSRF token: refused, nothing changed" no_csrf
ack() {
    api alice POST "/api/alerts/$ID/ack" '{"note":"checking the PLC values, ticket 4711"}'
    eq "$CODE" 200 "HTTP" || return
    eq "$(python3 "$PY" get "$W/out" 'j["id"], j["status"], j["status_by"], j["note"], j["status_us"] > 0')" \
       "($ID, 'acknowledged', 'alice', 'checking the PLC values, ticket 4711', True)" "answer" || return
    eq "$(cli_status "$ID")" "acknowledged alice checking the PLC values, ticket 4711" "CLI"
}
check "admin acknowledges: the CLI shows acknowledged by alice with the note" ack
check "the list agrees with the CLI after the change" list_matches "status=any&limit=10000" --status all
check "status=acknowledged lists it (= otwatch alerts --status acknowledged)" \
    list_matches "status=acknowledged" --status acknowledged
resolve() {
    api alice POST "/api/alerts/$ID/resolve" '{}'
    eq "$CODE" 200 "HTTP" || return
    eq "$(python3 "$PY" get "$W/out" 'j["status"], j["status_by"]')" "('resolved', 'alice')" "answer" || return
    eq "$(cli_status "$ID" | cut -d' ' -f1,2)" "resolved alice" "CLI"
}
check "admin resolves (no note): the CLI shows resolved by alice" resolve
reopen() {
    api alice POST "/api/alerts/$ID/reopen"
    eq "$CODE" 200 "HTTP" || return
    eq "$(cli_status "$ID" | cut -d' ' -f1,2)" "open alice" "CLI"
}
check "admin reopens: open again" reopen
bad_changes() {
    local long
    long=$(python3 -c 'print("x" * 256)')
    api alice POST "/api/alerts/999999/ack"
    eq "$CODE" 404 "unknown id" || return
    api alice POST "/api/alerts/abc/resolve"
    eq "$CODE" 400 "bad id" || return
    api alice POST "/api/alerts/$ID/ack" "{\"note\":\"$long\"}"
    eq "$CODE" 400 "256-byte note" || return
    api alice POST "/api/alerts/$ID/ack" '{"note":42}'
    eq "$CODE" 400 "number note" || return
    api alice POST "/api/alerts/$ID/ack" '{"note":"a\u0001b"}'
    eq "$CODE" 400 "control character" || return
    api alice POST "/api/alerts/$ID/ack" '[1]'
    eq "$CODE" 400 "array body" || return
    eq "$(cli_status "$ID" | cut -d' ' -f1)" open "CLI status after refused changes"
}
check "bad changes: 404 / 400, nothing changed" bad_changes

# --- the daily check --------------------------------------------------------------
"$OTW" assets "${CLI[@]}" --config "$CONF" --format json >"$W/assets.jsonl"
"$OTW" baseline show "${CLI[@]}" --status new --format json >"$W/newcomms.jsonl"
daily() {   # daily QUERY EXPECTED-DAY
    local since until started n
    api victor GET "/api/daily?$1"
    eq "$CODE" 200 "HTTP ($(head -c 300 "$W/out"))" || return
    cp "$W/out" "$W/daily.json"
    eq "$(python3 "$PY" get "$W/daily.json" 'j["day"]')" "$2" "day" || return
    since=$(python3 "$PY" get "$W/daily.json" 'j["since_us"] // 1000000')
    until=$(python3 "$PY" get "$W/daily.json" 'j["until_us"] // 1000000')
    "$OTW" alerts "${CLI[@]}" --status all --format json >"$W/alerts.jsonl"
    # the day's sessions are those that started in it
    started="starttime >= $since && starttime < $until"
    "$OTW" hosts "${CLI[@]}" --since "$since" --until "$until" --format json "$started" \
        >"$W/hosts.jsonl"
    n=$("$OTW" sessions "${CLI[@]}" --since "$since" --until "$until" --format json "$started" |
        wc -l)
    N=$(python3 "$PY" daily "$W/daily.json" "$W/assets.jsonl" "$W/newcomms.jsonl" \
        "$W/alerts.jsonl" "$W/hosts.jsonl" "$n") || fail "$N"
}
check "daily, default day (the last with data, +09:00) = the CLI's" daily "tz=-540" 2026-11-27
check "  it has new devices, communications, alerts and traffic" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["new"]["assets"] and d["new"]["communications"] and d["new"]["alerts"] and d["traffic"]["hosts"] and d["alerts"]["top"]))' "$W/daily.json"
check "daily, 2026-11-26 in UTC (the night's RDP only) = the CLI's" daily "day=2026-11-26&tz=0" 2026-11-26
check "  a day boundary: only the night's hosts" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ips={h["host"]["ip"] for h in d["traffic"]["hosts"]}; sys.exit(not (ips and "203.0.113.66" not in ips and d["since_us"] == 1795651200000000))' "$W/daily.json"
check "daily, 2026-11-27 in UTC = the CLI's" daily "day=2026-11-27&tz=0" 2026-11-27
check "daily, a day without data: nothing new" daily "day=2026-11-20&tz=-540" 2026-11-20
check "  and says so" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["new"]["assets_total"] == 0 and d["traffic"]["hosts"] == [] and d["traffic"]["sessions"] == 0 and d["prev_day"] == "2026-11-19" and d["next_day"] == "2026-11-21"))' "$W/daily.json"

health() {
    local size
    sqlite3 "$DB" "INSERT INTO capture_stats(ts_us, iface, received, dropped, ifdropped, started_us)
                   VALUES (1795744800000000, 'eth1', 100000, 250, 50, 1795741200000000)" ||
        { fail "sqlite3"; return; }
    api victor GET "/api/daily?tz=-540"
    eq "$CODE" 200 "HTTP" || return
    eq "$(python3 "$PY" get "$W/out" '[(i["interface"], i["received"], i["dropped"], i["ifdropped"], round(i["drop_percent"], 3)) for i in j["health"]["interfaces"]]')" \
       "[('eth1', 100000, 250, 50, 0.3)]" "interfaces" || return
    size=$(stat -c %s "$DB")
    eq "$(python3 "$PY" get "$W/out" 'j["health"]["database"]["bytes"]')" "$size" "database bytes" || return
    eq "$(python3 "$PY" get "$W/out" 'j["health"]["database"]["fs_free_bytes"] > 0 and j["health"]["database"]["fs_total_bytes"] >= j["health"]["database"]["fs_free_bytes"]')" \
       True "filesystem space" || return
    eq "$(python3 "$PY" get "$W/out" 'j["health"]["packets"]["files"]')" 0 "packet files (imports only)"
}
check "capture health: drops of a stored capture_stats row, database size, free space" health

bad_daily() {
    local q
    for q in "day=2026-02-29" "day=2026-02-30" "day=2026-13-01" "day=2026-11-27x" "day=+026-11-27" "day=27-11-2026" "day=2026-11-2" "day=abcd-ef-gh" \
             "tz=100000" "tz=abc" "top=0" "top=1000"; do
        api victor GET "/api/daily?$q"
        [ "$CODE" = 400 ] || { fail "$q: HTTP $CODE"; return; }
        eq "$(python3 "$PY" get "$W/out" 'j["error"]["code"]')" bad_argument "$q" || return
    done
}
check "daily: bad days and offsets 400 bad_argument" bad_daily
day_range() {   # day_range QUERY "since until" (microseconds)
    api victor GET "/api/daily?$1"
    eq "$CODE" 200 "HTTP" || return
    eq "$(python3 "$PY" get "$W/out" 'j["since_us"], j["until_us"]')" "$2" "$1"
}
# 2026-11-27 00:00 at +09:00 = 2026-11-26T15:00Z; at -05:00 = 2026-11-27T05:00Z
check "daily: the day in the browser's zone (+09:00)" day_range "day=2026-11-27&tz=-540" \
    "(1795705200000000, 1795791600000000)"
check "daily: the day in the browser's zone (-05:00)" day_range "day=2026-11-27&tz=300" \
    "(1795755600000000, 1795842000000000)"
check "daily: a leap day" day_range "day=2028-02-29&tz=0" "(1835395200000000, 1835481600000000)"
top_hosts() {
    api victor GET "/api/daily?tz=-540&top=3"
    eq "$(python3 "$PY" get "$W/out" 'len(j["traffic"]["hosts"]), j["traffic"]["hosts_total"] > 3')" \
       "(3, True)" "top=3"
}
check "daily: top=3 hosts of more" top_hosts
not_logged_in() {
    curl -s -o "$W/out" -w '%{http_code}' "$BASE/api/alerts" >"$W/code"
    eq "$(cat "$W/code")" 401 "alerts" || return
    curl -s -o "$W/out" -w '%{http_code}' "$BASE/api/daily" >"$W/code"
    eq "$(cat "$W/code")" 401 "daily"
}
check "without logging in: 401" not_logged_in
server_alive() {
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the server died: $(tail -n 5 "$W/serve.err" | tr '\n' ' ')"
}
check "the server is still running" server_alive
# Stopped the way a service manager stops it: it must exit cleanly (with the
# ASan build: no leak, no sanitizer report from any of the calls above).
server_stops() {
    local rc
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID"
    rc=$?
    SERVER_PID=""
    if grep -qE "Sanitizer|runtime error" "$W/serve.err"; then
        fail "$(grep -m 3 -E "Sanitizer|runtime error|#[0-9] " "$W/serve.err" | tr '\n' ' ')"
        return
    fi
    eq "$rc" 0 "exit status"
}
check "the server stops cleanly (no sanitizer report)" server_stops

finish
