#!/usr/bin/env bash
# tests/test_api_inventory.sh - the Assets, Baseline and Status parts of the
# JSON API (issue 7) against a real `otwatch serve` on loopback.
#
#   bash tests/test_api_inventory.sh <otwatch-binary> <source-dir>
#
# The database comes from tests/web/make-db.sh (testbed captures: a learned
# and approved baseline in protecting mode, the scenarios' new entries, an
# unknown host whose names are HTML; users alice (admin) and victor
# (viewer)). Every API answer is checked against the independent path: the
# CLI (`otwatch assets --format json`, `assets show`, `baseline export`,
# `baseline show`, `baseline window list`, `baseline mode`, `status --format
# json`) or the sqlite3 tool, and every change against its real outcome
# read back the same way: a name set through the API is listed by
# `otwatch assets`, an approval shows in `baseline show`, a mode change in
# `baseline mode`, a window in `baseline window list`. A viewer gets 403 on
# every change and nothing changes; bad input gets 400 with a code and
# changes nothing; names with HTML and quotes are stored and returned
# verbatim as JSON strings.
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`;
# exits 1 when any check failed. Needs curl, python3 and sqlite3.
set -u
unset OTWATCH_CONFIG OTWATCH_DB

OTW=$(realpath "${1:?usage: test_api_inventory.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_api_inventory.sh OTWATCH-BINARY SOURCE-DIR}")
# shellcheck source=web/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/web/lib.sh"
web_init apiinv curl python3 sqlite3

# --- the database and the server ---------------------------------------------------------
make_db
CLI=(--db "$DB" --config "$CONF")
start_server 18400 18449 --db "$DB" --config "$CONF"
U=$BASE
API_OUT=$W/out.json     # api WHO METHOD PATH [BODY] (lib.sh): the answer in out.json, the status in CODE
login admin alice alice-web-pass-1 || setup_fail "log-in failed: $WHY"
login viewer victor victor-web-pass-1 || setup_fail "log-in failed: $WHY"

# jq-like: py EXPR reads out.json as j and prints EXPR
py() { python3 -c "import json,sys; j=json.load(open('out.json')); print($1)"; }

# --- assets ------------------------------------------------------------------------------------
cat >"$W/cmp_assets.py" <<'EOF'
# API list (out.json) vs `otwatch assets --format json` (cli.jsonl): the same
# hosts in the same order, each with the same facts.
import datetime, json, sys
def us(s):
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond
api = json.load(open("out.json"))["items"]
cli = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(api) != len(cli):
    sys.exit("API lists %d hosts, the CLI %d" % (len(api), len(cli)))
if not cli:
    sys.exit("no host at all")
for a, c in zip(api, cli):
    want = {
        "ip": c.get("host.ip"), "mac": c.get("host.mac"), "vendor": c.get("otwatch.vendor"),
        "name": c.get("host.name"), "role": c.get("otwatch.role"),
        "names": c.get("host.hostname", []), "identity": c.get("otwatch.identity", []),
        "served": c.get("otwatch.served", []), "used": c.get("otwatch.used", []),
        "points": c.get("otwatch.points", []),
        "sessions_out": c["otwatch.sessions_out"], "sessions_in": c["otwatch.sessions_in"],
        "first_us": us(c["event.start"]) if "event.start" in c else None,
        "last_us": us(c["event.end"]) if "event.end" in c else None,
    }
    for k, v in want.items():
        if a.get(k) != v:
            sys.exit("%s: %s is %r in the API, %r in the CLI" % (a.get("key"), k, a.get(k), v))
    if a["key"] != (a.get("ip") or a.get("mac")):
        sys.exit("%s: key is not the address" % a["key"])
EOF

t_assets_list() {
    api admin GET /api/assets
    eq "$CODE" 200 "GET /api/assets" || return 1
    "$OTW" assets "${CLI[@]}" --format json >cli.jsonl || return 1
    python3 "$W/cmp_assets.py" cli.jsonl >cmp.err 2>&1 || fail "$(cat cmp.err)"
}
check "GET /api/assets lists what 'otwatch assets' lists" t_assets_list

t_assets_filter() {
    local q
    for q in 192.168.10.0/24 plc 02:0a:c0:a8:0a:1e 203.0.113.66; do
        api admin GET "/api/assets?q=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))" "$q")"
        eq "$CODE" 200 "q=$q" || return 1
        "$OTW" assets "${CLI[@]}" "$q" --format json >cli.jsonl || return 1
        python3 "$W/cmp_assets.py" cli.jsonl >cmp.err 2>&1 || { fail "q=$q: $(cat cmp.err)"; return 1; }
    done
    api admin GET "/api/assets?q=10.0.0.0/99"
    eq "$CODE" 400 "a bad range" || return 1
    eq "$(py 'j["error"]["code"]')" bad_argument "error code"
}
check "filters (range, text, MAC, IP) as 'otwatch assets PATTERN'; a bad range is 400" t_assets_filter

t_asset_show() {
    api admin GET /api/assets/192.168.10.10
    eq "$CODE" 200 "GET /api/assets/192.168.10.10" || return 1
    "$OTW" assets show 192.168.10.10 "${CLI[@]}" --format json >show.json || return 1
    python3 - <<'EOF' || fail "$(cat cmp.err)"
import json, sys
a = json.load(open("out.json")); c = json.load(open("show.json"))
err = open("cmp.err", "w")
def bad(m): err.write(m); sys.exit(1)
if a["ip"] != c["host.ip"] or a.get("mac") != c.get("host.mac"): bad("address/MAC differ")
if a.get("name") != c.get("host.name") or a.get("role") != c.get("otwatch.role"): bad("labels differ")
cf = {k: sorted(x["value"] for x in v) for k, v in c["otwatch.facts"].items() if k != "mac"}
af = {k: sorted(x["value"] for x in v) for k, v in a["facts"].items()}
if cf != af: bad("facts differ: %r vs %r" % (af, cf))
cm = {k: sorted(x["value"] for x in v) for k, v in c["otwatch.facts"].get("mac", {}).items()}
am = {k: sorted(x["value"] for x in v) for k, v in a.get("mac_facts", {}).items()}
if cm != am: bad("MAC facts differ: %r vs %r" % (am, cm))
cb = [(b["mac"], b["ip"], b["count"]) for b in c["otwatch.bindings"]]
ab = [(b["mac"], b["ip"], b["count"]) for b in a["history"]]
if cb != ab or not ab: bad("bindings differ: %r vs %r" % (ab, cb))
EOF
    api admin GET /api/assets/02:0a:c0:a8:0a:1e
    eq "$CODE" 200 "GET a MAC" || return 1
    eq "$(py 'j["mac"]')" 02:0a:c0:a8:0a:1e "the MAC's key" || return 1
    api admin GET /api/assets/10.99.99.99
    eq "$CODE" 404 "an address never seen" || return 1
    api admin GET /api/assets/not-an-address
    eq "$CODE" 400 "not an address"
}
check "GET /api/assets/{key}: what 'assets show' shows; unknown 404, bad 400" t_asset_show

# The CLI's view of one host: "name|role" (empty when none).
cli_label() {
    "$OTW" assets "${CLI[@]}" "$1" --format json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
r = [x for x in rows if x.get("host.ip") == sys.argv[1] or x.get("host.mac") == sys.argv[1]]
print("%s|%s" % (r[0].get("host.name", ""), r[0].get("otwatch.role", "")) if r else "missing")' "$1"
}

# The label `assets show KEY` shows: "name|role".
cli_show_label() {
    "$OTW" assets show "$1" "${CLI[@]}" --format json | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%s|%s" % (r.get("host.name", ""), r.get("otwatch.role", "")))'
}

HTML_NAME='<img src=x onerror="alert(1)">'\''&amp;'
t_asset_set() {
    local body
    body=$(python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "role": "<b>PLC</b>"}))' "$HTML_NAME")
    api admin PUT /api/assets/192.168.10.50 "$body"
    eq "$CODE" 200 "PUT" || return 1
    eq "$(py 'j["name"]')" "$HTML_NAME" "the answer's name" || return 1
    eq "$(cli_label 192.168.10.50)" "$HTML_NAME|<b>PLC</b>" "otwatch assets after the PUT" || return 1
    api admin GET /api/assets/192.168.10.50
    eq "$(py 'j["name"]')" "$HTML_NAME" "GET returns the name verbatim" || return 1
    eq "$(py 'j["label_from"]')" "assets set" "label_from" || return 1
    # the raw JSON holds it as a JSON string, escaped only as JSON escapes
    grep -qF '"name": "<img src=x onerror=\"alert(1)\">'"'"'&amp;"' out.json ||
        grep -qF '"name":"<img src=x onerror=\"alert(1)\">'"'"'&amp;"' out.json ||
        { fail "raw JSON: $(head -c 300 out.json)"; return 1; }
    # role only: the name stays
    api admin PUT /api/assets/192.168.10.50 '{"role":"test bench"}'
    eq "$CODE" 200 "PUT role" || return 1
    eq "$(cli_label 192.168.10.50)" "$HTML_NAME|test bench" "role changed, name kept" || return 1
    # null removes one of them
    api admin PUT /api/assets/192.168.10.50 '{"name":null}'
    eq "$(cli_label 192.168.10.50)" "|test bench" "name removed" || return 1
    # a MAC key (`assets show MAC` shows its own label)
    api admin PUT /api/assets/02:0a:c0:a8:0a:32 '{"name":"bench-mac"}'
    eq "$CODE" 200 "PUT on a MAC" || return 1
    eq "$(cli_show_label 02:0a:c0:a8:0a:32)" "bench-mac|" "MAC label in 'assets show'" || return 1
    api admin DELETE /api/assets/02:0a:c0:a8:0a:32
    eq "$CODE" 200 "DELETE on a MAC" || return 1
    eq "$(cli_show_label 02:0a:c0:a8:0a:32)" "|" "MAC label gone from 'assets show'"
}
check "PUT /api/assets/{key}: stored as 'assets set' stores it (HTML and quotes verbatim)" t_asset_set

t_asset_unset() {
    api admin DELETE /api/assets/192.168.10.50
    eq "$CODE" 200 "DELETE" || return 1
    eq "$(cli_label 192.168.10.50)" "|" "otwatch assets after the DELETE" || return 1
    api admin DELETE /api/assets/192.168.10.50
    eq "$CODE" 404 "DELETE again" || return 1
    # a label from the settings file: 404 saying so, and it stays
    api admin DELETE /api/assets/192.168.10.30
    eq "$CODE" 404 "DELETE of a settings-file label" || return 1
    eq "$(py 'j["error"]["settings_file"]')" True "settings_file detail" || return 1
    eq "$(cli_label 192.168.10.30)" "plc|PLC" "settings label kept"
}
check "DELETE /api/assets/{key}: removed as 'assets unset' removes it" t_asset_unset

t_asset_bad() {
    local long b
    long=$(printf 'x%.0s' $(seq 1 64))
    before=$(cli_label 192.168.10.40)
    for b in '{"name":"a\u0001b"}' '{"name":"tab\there"}' "{\"name\":\"$long\"}" '{"name":5}' \
             '{"role":["x"]}' '{"colour":"red"}' '{}' '[1,2]' '"name"' '{"name":"nul\u0000x"}'; do
        api admin PUT /api/assets/192.168.10.40 "$b"
        [ "$CODE" = 400 ] || { fail "body $b: status $CODE, not 400"; return 1; }
        py 'j["error"]["code"]' >/dev/null 2>&1 || { fail "body $b: no error code: $(head -c 200 out.json)"; return 1; }
    done
    for k in 224.0.0.1 255.255.255.255 0.0.0.0 01:00:5e:00:00:01 nonsense 1.2.3.4.5; do
        api admin PUT "/api/assets/$k" '{"name":"x"}'
        [ "$CODE" = 400 ] || { fail "key $k: status $CODE, not 400"; return 1; }
    done
    eq "$(cli_label 192.168.10.40)" "$before" "nothing changed"
}
check "bad asset input: 400 with an error code (control characters, length, types, keys)" t_asset_bad

# --- baseline -------------------------------------------------------------------------------
t_baseline_get() {
    api admin GET '/api/baseline?limit=200000'
    eq "$CODE" 200 "GET /api/baseline" || return 1
    "$OTW" baseline export "${CLI[@]}" >export.json || return 1
    "$OTW" baseline show "${CLI[@]}" --format json >show.jsonl || return 1
    python3 - <<'EOF' 2>cmp.err || fail "$(tail -2 cmp.err)"
import datetime, json, sys
def us(s):
    if s is None: return None
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000 + d.microsecond
a = json.load(open("out.json")); x = json.load(open("export.json"))
show = {json.dumps([e["client"], e["server"], e["transport"], e["port"], e["app"], e["class"]]): e["id"]
        for e in map(json.loads, open("show.jsonl"))}
assert a["mode"] == x["mode"], (a["mode"], x["mode"])
assert not a["more"]
assert len(a["items"]) == len(x["entries"]) > 0, (len(a["items"]), len(x["entries"]))
for e, c in zip(a["items"], x["entries"]):
    k = json.dumps([c["client"], c["server"], c["transport"], c["port"], c["app"], c["class"]])
    got = [e["client"]["ip"], e["server"]["ip"], e["transport"], e["port"], e["app"], e["class"],
           e["status"], e["category"], e["sessions"], e["bytes"], e["first_us"], e["last_us"],
           e["hours"], e["note"], e["id"]]
    want = [c["client"], c["server"], c["transport"], c["port"], c["app"], c["class"],
            c["status"], c["category"], c["sessions"], c["bytes"], us(c["first_seen"]),
            us(c["last_seen"]), c["hours"], c["note"], show[k]]
    assert got == want, (got, want)
n = {s: sum(1 for c in x["entries"] if c["status"] == s) for s in ("learned", "approved", "new")}
assert a["counts"] == dict(n, all=len(x["entries"])), (a["counts"], n)
aw = [{"name": w["name"], "schedule": w["schedule"],
       "rules": [{k: r[k] for k in ("client", "server", "port", "app")} for r in w["rules"]]}
      for w in a["windows"]]
assert aw == x["windows"], (aw, x["windows"])
# host labels from the settings file
lab = {e["server"]["ip"]: e["server"].get("name") for e in a["items"]}
assert lab.get("192.168.10.30") == "plc", lab.get("192.168.10.30")
EOF
    api admin GET '/api/baseline?status=new&category=operational&limit=3'
    eq "$CODE" 200 "filtered" || return 1
    eq "$(py 'len(j["items"]), j["more"], set(e["status"] for e in j["items"])')" "3 True {'new'}" "status=new limit=3" || return 1
    api admin GET '/api/baseline?status=bogus'
    eq "$CODE" 400 "bad status"
}
check "GET /api/baseline: entries, counts, mode and windows as 'baseline export' has them" t_baseline_get

# status of entry ID in `baseline show` ("gone" when absent)
cli_status() {
    "$OTW" baseline show "${CLI[@]}" --format json | python3 -c '
import json, sys
s = {str(e["id"]): e["status"] for e in map(json.loads, sys.stdin)}
print(" ".join(s.get(i, "gone") for i in sys.argv[1:]))' "$@"
}
NEW_IDS=$(curl -s -b "$W/admin.jar" "$U/api/baseline?status=new&limit=5" | python3 -c 'import json,sys; print(" ".join(str(e["id"]) for e in json.load(sys.stdin)["items"]))')
set -- $NEW_IDS
ID1=${1:-0} ID2=${2:-0} ID3=${3:-0} ID4=${4:-0} ID5=${5:-0}

t_approve() {
    [ "$ID5" != 0 ] || { fail "fewer than 5 new entries: $NEW_IDS"; return 1; }
    api admin POST /api/baseline/approve "{\"ids\":[$ID1,$ID2,$ID1]}"
    eq "$CODE" 200 "approve" || return 1
    eq "$(py 'j["approved"]')" 2 "approved count" || return 1
    eq "$(cli_status "$ID1" "$ID2" "$ID3")" "approved approved new" "baseline show after approve" || return 1
    # one unknown id: 404 and nothing changed
    api admin POST /api/baseline/approve "{\"ids\":[$ID3,99999999]}"
    eq "$CODE" 404 "approve with an unknown id" || return 1
    eq "$(cli_status "$ID3")" "new" "nothing changed"
}
check "POST /api/baseline/approve: 'baseline show' says approved; one unknown id changes nothing" t_approve

t_remove() {
    api admin POST /api/baseline/remove "{\"ids\":[$ID4]}"
    eq "$CODE" 200 "remove" || return 1
    eq "$(cli_status "$ID4" "$ID5")" "gone new" "baseline show after remove" || return 1
    api admin POST /api/baseline/remove "{\"ids\":[$ID4,$ID5]}"
    eq "$CODE" 404 "remove of a removed id" || return 1
    eq "$(cli_status "$ID5")" "new" "nothing changed"
}
check "POST /api/baseline/remove: gone from 'baseline show'; unknown id changes nothing" t_remove

t_baseline_bad() {
    local b
    for b in '{}' '{"ids":[]}' '{"ids":["1"]}' '{"ids":[0]}' '{"ids":[-3]}' '{"ids":[1.5]}' \
             '{"ids":5}' '{"all":"yes"}' '{"ids":[1],"all":true}' '{"ids":[1],"x":1}' '[1]'; do
        api admin POST /api/baseline/approve "$b"
        [ "$CODE" = 400 ] || { fail "approve $b: status $CODE"; return 1; }
    done
    api admin POST /api/baseline/remove '{"all":true}'
    eq "$CODE" 400 "remove all is not offered" || return 1
    for b in '{}' '{"mode":"sleeping"}' '{"mode":1}' '{"mode":"learning","x":1}'; do
        api admin PUT /api/baseline/mode "$b"
        [ "$CODE" = 400 ] || { fail "mode $b: status $CODE"; return 1; }
    done
    eq "$(cli_status "$ID3" "$ID5")" "new new" "nothing changed" || return 1
    eq "$("$OTW" baseline mode "${CLI[@]}")" protecting "mode unchanged"
}
check "bad baseline input: 400, nothing changed" t_baseline_bad

t_mode() {
    api admin PUT /api/baseline/mode '{"mode":"learning"}'
    eq "$CODE" 200 "to learning" || return 1
    eq "$(py 'j["was"]')" protecting "was" || return 1
    eq "$("$OTW" baseline mode "${CLI[@]}")" learning "CLI after the change" || return 1
    api admin GET /api/baseline
    eq "$(py 'j["mode"]')" learning "GET after the change" || return 1
    api admin PUT /api/baseline/mode '{"mode":"protecting"}'
    eq "$("$OTW" baseline mode "${CLI[@]}")" protecting "CLI after changing back"
}
check "PUT /api/baseline/mode: the CLI sees the mode" t_mode

cli_windows() { "$OTW" baseline window list "${CLI[@]}" --format json; }
t_windows() {
    api admin POST /api/baseline/windows '{"name":"vendor-rdp","schedule":"tue 13:00-17:00, Thu 08:00-09:30"}'
    eq "$CODE" 200 "add window" || return 1
    eq "$(py 'j["schedule"]')" "Tue 13:00-17:00, Thu 08:00-09:30" "normalised schedule" || return 1
    cli_windows | grep -qF '{"name":"vendor-rdp","schedule":"Tue 13:00-17:00, Thu 08:00-09:30","rules":[]}' ||
        { fail "CLI window list: $(cli_windows | tr '\n' ' ')"; return 1; }
    # a rule with an asset name (resolved to its address, as the CLI does)
    api admin POST /api/baseline/windows/vendor-rdp/rules '{"client":"vendor","server":"192.168.10.0/24","port":"tcp/3389","app":"rdp"}'
    eq "$CODE" 200 "add rule" || return 1
    eq "$(py 'j["client"]')" 203.0.113.10 "name resolved" || return 1
    cli_windows | grep -qF '"rules":[{"client":"203.0.113.10","server":"192.168.10.0/24","port":"tcp/3389","app":"rdp"}]' ||
        { fail "CLI rules: $(cli_windows | tr '\n' ' ')"; return 1; }
    # changing the schedule keeps the rules
    api admin POST /api/baseline/windows '{"name":"vendor-rdp","schedule":"Wed 10:00-11:00"}'
    cli_windows | grep -qF '{"name":"vendor-rdp","schedule":"Wed 10:00-11:00","rules":[{"client":"203.0.113.10"' ||
        { fail "schedule change: $(cli_windows | tr '\n' ' ')"; return 1; }
    api admin GET /api/baseline
    eq "$(py '[w["schedule"] for w in j["windows"] if w["name"] == "vendor-rdp"]')" "['Wed 10:00-11:00']" "GET shows it" || return 1
    api admin DELETE /api/baseline/windows/vendor-rdp
    eq "$CODE" 200 "remove window" || return 1
    cli_windows | grep -q vendor-rdp && { fail "still listed by the CLI"; return 1; }
    api admin DELETE /api/baseline/windows/vendor-rdp
    eq "$CODE" 404 "remove again"
}
check "windows and rules: the CLI lists what the API added; removed ones are gone" t_windows

t_windows_bad() {
    local b before
    before=$(cli_windows)
    for b in '{"name":"x y","schedule":"Tue 13:00-14:00"}' '{"name":"<b>","schedule":"Tue 13:00-14:00"}' \
             '{"name":"ok","schedule":"Tuesday 25:00"}' '{"name":"ok"}' '{"schedule":"Tue 13:00-14:00"}' \
             '{"name":"ok","schedule":"Tue 13:00-14:00","x":1}' '{"name":"ok","schedule":7}'; do
        api admin POST /api/baseline/windows "$b"
        [ "$CODE" = 400 ] || { fail "window $b: status $CODE"; return 1; }
    done
    api admin POST /api/baseline/windows '{"name":"ok","schedule":"Tuesday 25:00"}'
    eq "$(py 'j["error"]["code"]')" bad_schedule "schedule error code" || return 1
    for b in '{"port":"tcp/99999"}' '{"port":"icmp/5"}' '{"client":"no-such-asset"}' '{"app":"a b"}' \
             '{"server":"1.2.3.4/40"}' '{"client":5}'; do
        api admin POST /api/baseline/windows/maintenance/rules "$b"
        [ "$CODE" = 400 ] || { fail "rule $b: status $CODE"; return 1; }
    done
    api admin POST /api/baseline/windows/no-such-window/rules '{"port":"tcp/22"}'
    eq "$CODE" 404 "rule of a missing window" || return 1
    eq "$(cli_windows)" "$before" "nothing changed"
}
check "bad window input: 400 (bad_schedule for schedules), missing window 404, nothing changed" t_windows_bad

t_approve_all() {
    api admin POST /api/baseline/approve '{"all":true}'
    eq "$CODE" 200 "approve all" || return 1
    n=$(py 'j["approved"]')
    [ "$n" -gt 0 ] || { fail "approved $n"; return 1; }
    eq "$("$OTW" baseline show "${CLI[@]}" --status new --format json | wc -l)" 0 "no new entry left in the CLI"
}

# --- viewers ---------------------------------------------------------------------------------
t_viewer() {
    local before_b before_w before_a
    before_b=$("$OTW" baseline export "${CLI[@]}")
    before_a=$(cli_label 192.168.10.40)
    api viewer GET /api/assets
    eq "$CODE" 200 "viewer reads assets" || return 1
    api viewer GET /api/baseline
    eq "$CODE" 200 "viewer reads the baseline" || return 1
    api viewer GET /api/status
    eq "$CODE" 200 "viewer reads the status" || return 1
    api viewer GET /api/assets/192.168.10.40
    eq "$CODE" 200 "viewer reads one asset" || return 1
    for c in "PUT /api/assets/192.168.10.40 {\"name\":\"v\"}" "DELETE /api/assets/192.168.10.30 {}" \
             "POST /api/baseline/approve {\"ids\":[$ID3]}" "POST /api/baseline/approve {\"all\":true}" \
             "POST /api/baseline/remove {\"ids\":[$ID3]}" "PUT /api/baseline/mode {\"mode\":\"learning\"}" \
             "POST /api/baseline/windows {\"name\":\"v\",\"schedule\":\"Mon\\u002001:00-02:00\"}" \
             "DELETE /api/baseline/windows/maintenance {}" \
             "POST /api/baseline/windows/maintenance/rules {\"port\":\"tcp/23\"}"; do
        set -- $c
        api viewer "$1" "$2" "$3"
        [ "$CODE" = 403 ] || { fail "viewer $1 $2: status $CODE"; return 1; }
        eq "$(py 'j["error"]["code"]')" forbidden "viewer $1 $2 code" || return 1
    done
    eq "$("$OTW" baseline export "${CLI[@]}")" "$before_b" "baseline unchanged" || return 1
    eq "$(cli_label 192.168.10.40)" "$before_a" "asset label unchanged"
}
check "a viewer reads but gets 403 on every change, and nothing changes" t_viewer
check "POST /api/baseline/approve {all}: no new entry left in 'baseline show'" t_approve_all

t_anon() {
    local p
    for p in /api/assets /api/assets/192.168.10.10 /api/baseline /api/status; do
        c=$(curl -s -o /dev/null -w '%{http_code}' "$U$p")
        [ "$c" = 401 ] || { fail "GET $p without login: $c"; return 1; }
    done
    c=$(curl -s -o /dev/null -w '%{http_code}' -b "$W/admin.jar" -X PUT -H 'Content-Type: application/json' \
        -d '{"name":"nocsrf"}' "$U/api/assets/192.168.10.40")
    [ "$c" = 403 ] || { fail "PUT without the CSRF token: $c"; return 1; }
    [ "$(cli_label 192.168.10.40)" != "nocsrf|" ] || fail "changed without the CSRF token"
}
check "no login: 401; no CSRF token: refused" t_anon

# --- status ---------------------------------------------------------------------------------
t_status() {
    local now=$(($(date +%s) * 1000000)) st
    st=$((now - 600000000))
    # statistics as `otwatch capture` stores them, written independently
    sqlite3 "$DB" "INSERT INTO capture_stats(ts_us, point_id, iface, received, dropped, ifdropped, started_us) VALUES
        ($((now - 300000000)), NULL, 'eth1', 10000, 0, 0, $st),
        ($((now - 120000000)), NULL, 'eth1', 40000, 5, 1, $st),
        ($((now - 60000000)), NULL, 'eth1', 52000, 17, 3, $st),
        ($((now - 60000000)), NULL, 'eth2', 700, 0, 0, $((now - 90000000)));
        INSERT INTO pcap_files(path, iface, linktype, first_us, last_us, bytes, packets, created_us)
        VALUES ('$W/p1.pcap', 'eth1', 1, $((now - 500000000)), $((now - 400000000)), 1000000, 900, $((now - 500000000))),
               ('$W/p2.pcap', 'eth1', 1, $((now - 400000000)), $((now - 60000000)), 2500000, 2100, $((now - 400000000)));" ||
        { fail "sqlite3 insert"; return 1; }
    api admin GET /api/status
    eq "$CODE" 200 "GET /api/status" || return 1
    "$OTW" status --db "$DB" --format json >status.json || return 1
    sqlite3 "$DB" "SELECT count(*) FROM sessions; SELECT count(*) FROM files;" >counts.txt
    python3 - "$DB" <<'EOF' 2>cmp.err || fail "$(tail -2 cmp.err)"
import json, os, sys
a = json.load(open("out.json")); c = json.load(open("status.json"))
sessions, files = [int(x) for x in open("counts.txt").read().split()]
assert a["sessions"] == sessions, (a["sessions"], sessions)
assert len(a["imported_files"]) == min(files, 20), (len(a["imported_files"]), files)
assert a["database"]["bytes"] == os.stat(sys.argv[1]).st_size, a["database"]
assert a["database"]["bytes"] == c["database"]["bytes"]
ai = {i["interface"]: i for i in a["interfaces"]}
ci = {i["interface"]: i for i in c["interfaces"]}
assert sorted(ai) == sorted(ci) == ["eth1", "eth2"], (sorted(ai), sorted(ci))
for k in ci:
    for f in ("received", "dropped", "ifdropped"):
        assert ai[k][f] == ci[k][f], (k, f, ai[k][f], ci[k][f])
    assert abs(ai[k]["drop_percent"] - ci[k]["drop_percent"]) < 1e-9, k
    assert (ai[k]["packets_per_second"] is None) == (ci[k]["packets_per_second"] is None), k
    if ci[k]["packets_per_second"] is not None:
        assert abs(ai[k]["packets_per_second"] - ci[k]["packets_per_second"]) < 1e-6, k
# eth1: the rate over the last minute: (52000 - 40000) / 60 s; drops
# (kernel + interface) ((17 + 3) - (5 + 1)) / 60 s
assert abs(ai["eth1"]["packets_per_second"] - 200.0) < 1e-6, ai["eth1"]
assert abs(ai["eth1"]["drops_per_second"] - 14 / 60) < 1e-6, ai["eth1"]
pf = a["packet_files"]; cp = c["packet_files"]
assert pf["files"] == cp["files"] == 2 and pf["bytes"] == cp["bytes"] == 3500000, (pf, cp)
assert pf["packets"] == 3000
assert [os.path.basename(f["path"]) for f in a["pcap_files"]] == ["p2.pcap", "p1.pcap"], a["pcap_files"]
EOF
}
check "GET /api/status: interfaces, rates, database, packet files as 'otwatch status'" t_status

finish
