#!/usr/bin/env bash
# tests/test_api_sessions.sh - the sessions part of the JSON API against a
# real `otwatch serve` (issue 7): lists and counts, keyset paging, sorting,
# the session detail, pcap downloads, the field catalog, expression errors,
# SQL metacharacters, HTML in packet fields.
#
#   bash tests/test_api_sessions.sh <otwatch-binary> <source-dir>
#
# The database is the shared web test database (tests/web/make-db.sh). The
# independent paths are the CLI (`otwatch sessions --format json`, `otwatch
# pcap`: separate code above the store), tshark (conversations, packet
# counts, the HTML field values) and the sqlite3 tool. The server listens on
# a free port in 18200-18299 on loopback. Prints `ok - NAME` / `not ok -
# NAME: WHY`, then `N passed, N failed`; exits 1 when any check failed.
set -u

OTW=$(realpath "${1:?usage: test_api_sessions.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_api_sessions.sh OTWATCH-BINARY SOURCE-DIR}")
# shellcheck source=web/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/web/lib.sh"
web_init apisess curl python3 tshark sqlite3

# --- the database and the server ---------------------------------------------------------

make_db
export OTWATCH_CONFIG=$CONF     # the CLI sees the same names and roles
start_server 18200 18299 --db "$DB" --config "$CONF"

# GET PATH [curl args...]: body in body.json, status in ST
get() {
    local path=$1
    shift
    ST=$(curl -s -b victor.jar -o body.json -w '%{http_code}' "$@" "$BASE$path")
}
# getq PATH NAME=VALUE...: GET with URL-encoded query arguments
getq() {
    local path=$1 a args=()
    shift
    for a in "$@"; do args+=(--data-urlencode "$a"); done
    ST=$(curl -s -b victor.jar -o body.json -w '%{http_code}' -G "${args[@]}" "$BASE$path")
}
# jq-like reads of body.json with Python
js() { python3 -c "import json,sys; d=json.load(open('body.json')); print($1)"; }

t_login_needed() {
    ST=$(curl -s -o body.json -w '%{http_code}' "$BASE/api/sessions")
    eq "$ST" 401 "sessions without login" || return 1
    ST=$(curl -s -o body.json -w '%{http_code}' "$BASE/api/sessions/1/pcap")
    eq "$ST" 401 "pcap without login" || return 1
    ST=$(curl -s -o body.json -w '%{http_code}' "$BASE/api/fields")
    eq "$ST" 401 "fields without login"
}
check "nothing without login (sessions, pcap, fields)" t_login_needed

login victor victor victor-web-pass-1 || setup_fail "login as victor (viewer): $WHY"

# --- lists against the CLI ------------------------------------------------------------------

# All pages of a query through the cursors, into pages.json: {"ids": [...],
# "items": [...], "pages": N, "count": first page's count}. Args: limit
# then NAME=VALUE query arguments.
cat >pager.py <<'EOF'
import json, subprocess, sys
base, limit = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
out = {"ids": [], "items": [], "pages": 0, "count": None, "capped": None}
after = None
while True:
    cmd = ["curl", "-s", "-b", "victor.jar", "-G", base + "/api/sessions",
           "--data-urlencode", "limit=" + limit]
    for a in args:
        cmd += ["--data-urlencode", a]
    if after is not None:
        cmd += ["--data-urlencode", "after=" + after, "--data-urlencode", "count=0"]
    d = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)
    if "error" in d:
        print(json.dumps(d)); sys.exit(1)
    if out["pages"] == 0:
        out["count"], out["capped"] = d.get("count"), d.get("count_capped")
    out["pages"] += 1
    out["items"] += d["items"]
    out["ids"] += [s["id"] for s in d["items"]]
    if len(d["items"]) > int(limit) or (d["more"] and not d["items"]):
        print("bad page size"); sys.exit(1)
    if not d["more"]:
        if d["next"] is not None:
            print("next without more"); sys.exit(1)
        break
    after = d["next"]
    if out["pages"] > 100000:
        print("endless paging"); sys.exit(1)
json.dump(out, open("pages.json", "w"))
EOF

# cli EXPR [options]: the CLI's JSON lines into cli.json
cli() {
    local e=$1
    shift
    "$OTW" sessions --db "$DB" --format json "$@" -- "$e" >cli.json 2>cli.err
}

# Compares pages.json with cli.json: same ids in the same order, and each
# item's addresses, ports, MACs, names, roles, counts, state, protocols and
# times equal to the CLI's ECS fields.
cat >cmp.py <<'EOF'
import json, sys, datetime
p = json.load(open("pages.json"))
c = [json.loads(l) for l in open("cli.json") if l.strip()]
ids = [r["otwatch.session_id"] for r in c]
if p["ids"] != ids:
    print("ids differ: api %d %s... cli %d %s..." % (len(p["ids"]), p["ids"][:5], len(ids), ids[:5]))
    sys.exit(1)
if len(set(ids)) != len(ids):
    print("a session twice"); sys.exit(1)
def us(t):
    d = datetime.datetime.strptime(t.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")
    return int((d - datetime.datetime(1970, 1, 1)).total_seconds()) * 1000000 + d.microsecond
for a, r in zip(p["items"], c):
    want = {
        "start_us": us(r["event.start"]), "end_us": us(r["event.end"]),
        "transport": r["network.transport"], "state": r["otwatch.state"],
        "protocols": r.get("network.protocol", []), "file": r.get("otwatch.file"),
        "community_id": r.get("network.community_id"), "packets": r["network.packets"],
        "bytes": r["network.bytes"],
    }
    for side in ("source", "destination"):
        h = a[side]
        want_h = {"ip": r[side + ".ip"], "port": r.get(side + ".port"), "mac": r.get(side + ".mac"),
                  "name": r.get(side + ".name"), "role": r.get(side + ".role"),
                  "packets": r[side + ".packets"], "bytes": r[side + ".bytes"]}
        got_h = {k: h.get(k) for k in want_h}
        if got_h != want_h:
            print("session %d %s: api %s cli %s" % (a["id"], side, got_h, want_h)); sys.exit(1)
    got = {k: a.get(k) for k in want}
    if got != want:
        print("session %d: api %s cli %s" % (a["id"], got, want)); sys.exit(1)
if p["count"] is not None and p["count"] != len(ids) and not p["capped"]:
    print("count %s, rows %d" % (p["count"], len(ids))); sys.exit(1)
EOF

EXPRS=(
    ''
    'protocols == modbus'
    'ip.src == 192.168.10.20 && port.dst == 502'
    'port.dst == [22, 3389] && state != established'
    'ip == 203.0.113.0/24 || !(ip.protocol == tcp)'
    'modbus.func == write_single_register'
    'ip.dst == 192.168.10.30 && ip.protocol == tcp && bytes > 1000'
)
t_lists() {
    local e
    for e in "${EXPRS[@]}"; do
        cli "$e" || { fail "CLI failed on '$e': $(cat cli.err)"; return 1; }
        python3 pager.py "$BASE" 37 "expr=$e" >pager.out || { fail "paging '$e': $(cat pager.out)"; return 1; }
        python3 cmp.py >cmp.out || { fail "'$e': $(cat cmp.out)"; return 1; }
        [ "$(wc -l <cli.json)" -gt 0 ] ||
            { fail "'$e' matched nothing: the check would be empty"; return 1; }
    done
}
check "lists and counts equal otwatch sessions --format json (${#EXPRS[@]} expressions, all pages)" t_lists

t_time_range() {
    # the second half of the data: since/until as microseconds and as text
    local lo hi mid
    getq /api/sessions sort=starttime limit=1 count=0 || return 1
    lo=$(js 'd["items"][0]["start_us"]')
    getq /api/sessions sort=starttime desc=1 limit=1 count=0
    hi=$(js 'd["items"][0]["start_us"]')
    mid=$(( (lo + hi) / 2 ))
    cli '' --since "$(date -u -d "@$((mid / 1000000))" +%Y-%m-%dT%H:%M:%SZ)" ||
        { fail "CLI --since: $(cat cli.err)"; return 1; }
    python3 pager.py "$BASE" 100 "since=$(( (mid / 1000000) * 1000000 ))" >pager.out ||
        { fail "paging: $(cat pager.out)"; return 1; }
    python3 cmp.py >cmp.out || { fail "since (us): $(cat cmp.out)"; return 1; }
    [ "$(wc -l <cli.json)" -gt 0 ] || { fail "nothing after the middle"; return 1; }
    python3 pager.py "$BASE" 100 "since=$(date -u -d "@$((mid / 1000000))" +%Y-%m-%dT%H:%M:%SZ)" \
        >pager.out || { fail "paging: $(cat pager.out)"; return 1; }
    python3 cmp.py >cmp.out || { fail "since (text): $(cat cmp.out)"; return 1; }
    cli '' --until "$(date -u -d "@$((mid / 1000000))" +%Y-%m-%dT%H:%M:%SZ)"
    python3 pager.py "$BASE" 100 "until=$(( (mid / 1000000) * 1000000 ))" >pager.out ||
        { fail "paging: $(cat pager.out)"; return 1; }
    python3 cmp.py >cmp.out || { fail "until: $(cat cmp.out)"; return 1; }
    # overlap with a window, counted by sqlite3 from the columns themselves
    local a=$(( lo + (hi - lo) / 3 )) b=$(( lo + 2 * (hi - lo) / 3 )) want
    want=$(sqlite3 "$DB" "SELECT count(*) FROM sessions WHERE end_us >= $a AND start_us < $b")
    getq /api/sessions "since=$a" "until=$b" limit=1
    eq "$(js 'd["count"]')" "$want" "sessions overlapping [$a, $b) (sqlite3)" || return 1
    getq /api/sessions/count "since=$a" "until=$b"
    eq "$(js 'd["count"]')" "$want" "/api/sessions/count" || return 1
    [ "$want" -gt 0 ] || fail "the window is empty"
}
check "time range (since/until as microseconds and as text) equals the CLI's and sqlite3's count" t_time_range

# Sorting: every page in order equals the CLI's --sort (the id breaks ties in both).
t_sort() {
    local f d
    for f in starttime port.dst bytes ip.src point protocols icmp.type protocol_guess duration; do
        for d in 0 1; do
            if [ $d = 1 ]; then cli '' --sort "$f" --desc; else cli '' --sort "$f"; fi ||
                { fail "CLI --sort $f: $(cat cli.err)"; return 1; }
            python3 pager.py "$BASE" 300 "sort=$f" "desc=$d" >pager.out ||
                { fail "paging sort=$f desc=$d: $(cat pager.out)"; return 1; }
            python3 cmp.py >cmp.out || { fail "sort=$f desc=$d: $(cat cmp.out)"; return 1; }
        done
    done
}
check "sort by 9 fields both ways (NULLs in icmp.type, protocol_guess, point), paged with cursors: the CLI's order, each session once" t_sort

t_offset() {
    cli '' --sort bytes --desc || return 1
    getq /api/sessions sort=bytes desc=1 offset=40 limit=10
    eq "$ST" 200 "status" || return 1
    eq "$(js '[s["id"] for s in d["items"]]')" \
        "$(python3 -c "import json; print([json.loads(l)['otwatch.session_id'] for l in open('cli.json')][40:50])")" \
        "offset 40 limit 10"
}
check "offset paging gives the CLI's rows 41-50" t_offset

t_cursor_bad() {
    getq /api/sessions sort=starttime limit=5
    local next
    next=$(js 'd["next"]')
    getq /api/sessions sort=bytes "after=$next"
    eq "$ST" 400 "a cursor of another sort order" || return 1
    eq "$(js 'd["error"]["code"]')" bad_argument "code" || return 1
    for c in 'garbage' 'v1~starttime~a~i~x~1' 'v1~starttime~a~t~zz~1' "v1~starttime~a~i~1~1'--"; do
        getq /api/sessions "after=$c"
        eq "$ST" 400 "cursor '$c'" || return 1
    done
    for s in 'ip' 'modbus.func' 'nosuch' 'starttime; DROP TABLE sessions'; do
        getq /api/sessions "sort=$s"
        eq "$ST" 400 "sort=$s" || return 1
        eq "$(js 'd["error"]["code"]')" bad_sort "sort=$s code" || return 1
    done
    for a in limit=0 limit=1001 limit=x desc=2 offset=-1; do
        getq /api/sessions "$a"
        eq "$ST" 400 "$a" || return 1
    done
}
check "bad cursors, sort fields and limits: 400 with a code" t_cursor_bad

# tshark's conversations as the independent count: sessions of one capture.
t_tshark_conv() {
    local f e n_api n_ts
    for f in normal scan_ssh c2_open; do
        for e in tcp udp; do
            n_ts=$(tshark -r "$SRC/tests/testbed/$f.pcap" -q -z "conv,$e" 2>/dev/null |
                grep -c '<->')
            getq /api/sessions "expr=file == *testbed/$f.pcap && ip.protocol == $e" limit=1
            n_api=$(js 'd["count"]')
            eq "$n_api" "$n_ts" "$f.pcap $e conversations (tshark -z conv,$e)" || return 1
        done
    done
}
check "counts equal tshark's TCP and UDP conversations of three captures" t_tshark_conv

# --- detail -------------------------------------------------------------------------------

t_detail() {
    local id
    getq /api/sessions 'expr=modbus.func == write_single_register' limit=1
    id=$(js 'd["items"][0]["id"]')
    [ -n "$id" ] || { fail "no Modbus write session"; return 1; }
    get "/api/sessions/$id"
    eq "$ST" 200 "status" || return 1
    cli "id == $id" || return 1
    python3 - "$id" >cmp.out <<'EOF' || { fail "$(cat cmp.out)"; return 1; }
import json, sys
d = json.load(open("body.json"))
c = json.loads(open("cli.json").readline())
if d["fields"] != c:
    diff = {k: (d["fields"].get(k), c.get(k)) for k in set(d["fields"]) | set(c)
            if d["fields"].get(k) != c.get(k)}
    print("fields differ from the CLI's JSON: %s" % diff); sys.exit(1)
if "write_single_register" not in c.get("modbus.func", []):
    print("no parser field in the detail"); sys.exit(1)
if d["session"]["id"] != int(sys.argv[1]):
    print("wrong session"); sys.exit(1)
EOF
    get /api/sessions/999999999
    eq "$ST" 404 "unknown id" || return 1
    for bad in 0 -1 abc 1x "1%20OR%201=1"; do
        get "/api/sessions/$bad"
        eq "$ST" 404 "id '$bad'" || return 1
    done
}
check "detail: every field as otwatch sessions --format json, parser fields included; 404s" t_detail

# --- pcap ---------------------------------------------------------------------------------

pkts() { tshark -r "$1" 2>/dev/null | wc -l; }

t_pcap_one() {
    local id want
    getq /api/sessions 'expr=protocols == modbus' limit=1
    id=$(js 'd["items"][0]["id"]')
    want=$(js 'd["items"][0]["packets"]')
    curl -s -b victor.jar -D hdr.txt -o one.pcap "$BASE/api/sessions/$id/pcap"
    grep -qi '^content-disposition: attachment; filename="session-'"$id"'.pcap"' hdr.txt ||
        { fail "no attachment header: $(tr '\r\n' '  ' <hdr.txt)"; return 1; }
    "$OTW" pcap --db "$DB" -o cli.pcap "id == $id" 2>/dev/null || { fail "otwatch pcap"; return 1; }
    eq "$(pkts one.pcap)" "$(pkts cli.pcap)" "packets (tshark) vs otwatch pcap" || return 1
    eq "$(pkts one.pcap)" "$want" "packets (tshark) vs the session's count" || return 1
    cmp -s one.pcap cli.pcap || { fail "bytes differ from otwatch pcap"; return 1; }
    capinfos -t one.pcap 2>/dev/null | grep -q 'pcap' || { fail "capinfos: not a pcap"; return 1; }
}
check "pcap of one session: valid pcap, packet count as tshark, otwatch pcap and the session" t_pcap_one

t_pcap_all() {
    local e='ip.src == 192.168.10.20 && protocols == modbus'
    curl -s -b victor.jar -G -D hdr.txt -o all.pcap --data-urlencode "expr=$e" "$BASE/api/pcap"
    grep -q '^HTTP/1.1 200' hdr.txt || { fail "status $(head -1 hdr.txt)"; return 1; }
    "$OTW" pcap --db "$DB" -o cli.pcap "$e" 2>/dev/null || { fail "otwatch pcap"; return 1; }
    [ "$(pkts all.pcap)" -gt 0 ] || { fail "no packets"; return 1; }
    eq "$(pkts all.pcap)" "$(pkts cli.pcap)" "packets vs otwatch pcap" || return 1
    cmp -s all.pcap cli.pcap || { fail "bytes differ from otwatch pcap"; return 1; }
    # the packets tshark finds with the same filter in the source captures
    local n=0 f
    for f in $(sqlite3 "$DB" "SELECT DISTINCT f.path FROM sessions s JOIN files f ON f.id = s.file_id
               WHERE s.protocols LIKE '% modbus %' AND hex(s.src_ip) = '00000000000000000000FFFFC0A80A14'"); do
        n=$((n + $(tshark -r "$f" -Y 'ip.src == 192.168.10.20 && tcp.dstport == 502 ||
            ip.dst == 192.168.10.20 && tcp.srcport == 502' 2>/dev/null | wc -l)))
    done
    eq "$(pkts all.pcap)" "$n" "packets vs tshark's filter on the source captures"
}
check "pcap of a whole result: as otwatch pcap and as tshark filters the source captures" t_pcap_all

t_pcap_errors() {
    getq /api/pcap 'expr=ip.src == 10.99.99.99'
    eq "$ST" 404 "no match" || return 1
    eq "$(js 'd["error"]["code"]')" not_found "code" || return 1
    getq /api/pcap 'expr=ip.src == '
    eq "$ST" 400 "bad expression" || return 1
    eq "$(js 'd["error"]["code"]')" query_syntax "code" || return 1
    get /api/sessions/999999999/pcap
    eq "$ST" 404 "unknown session" || return 1
}
check "pcap errors: no match 404, bad expression 400, unknown session 404" t_pcap_errors

# --- fields -------------------------------------------------------------------------------

t_fields() {
    get /api/fields
    eq "$ST" 200 "status" || return 1
    "$OTW" fields --format json >fields.cli || return 1
    python3 - >cmp.out <<'EOF' || { fail "$(cat cmp.out)"; return 1; }
import json, re, sys
api = json.load(open("body.json"))["items"]
cli = [json.loads(l) for l in open("fields.cli")]
if [f["name"] for f in api] != [f["name"] for f in cli]:
    print("names differ: %d vs %d" % (len(api), len(cli))); sys.exit(1)
for a, c in zip(api, cli):
    for k in ("ecs", "type", "meaning", "values", "either_side", "ecs_standard"):
        if a[k] != c[k]:
            print("%s: %s differs" % (a["name"], k)); sys.exit(1)
    ja = a.get("meaning_ja", "")
    if ja == a["meaning"] or not re.search("[\u3040-\u30ff\u4e00-\u9fff]", ja):
        print("%s: no Japanese meaning (%r)" % (a["name"], ja)); sys.exit(1)
print(len(api))
EOF
    [ "$(cat cmp.out)" -gt 200 ] || fail "only $(cat cmp.out) fields"
}
check "fields: the CLI's catalog, every field with a Japanese meaning" t_fields

# --- expression errors --------------------------------------------------------------------

# expr | kind | column | an arg "name=value" (or -)
ERRS=(
    'ip.scr == 10.0.0.1|unknown_field|1|field=ip.scr'
    'ip.src = 10.0.0.1|single_equals|8|-'
    'port.dst == abc|bad_value|13|value=abc'
    'port.dst == 70000|out_of_range|13|max=65535'
    "ip.src == 10.0.0.1 && (port.dst == 502|paren_expected|39|open_column=23"
    'http.host == "abc|unclosed_string|14|quote="'
    'port.dst == 502 &&|field_expected|19|found='
    'port.dst == 502 & ip.src == 1.2.3.4|combine_operator|17|op=&&'
    'state < established|operator_not_applicable|7|op=<'
    'port.dst == 502 port.src == 1|connective_expected|17|found=port.src'
    'ip.src == 10.0.0.1/33|bad_prefix|11|value=10.0.0.1/33'
)
t_errors() {
    local line e kind col arg
    for line in "${ERRS[@]}"; do
        IFS='|' read -r e kind col arg <<<"$line"
        for path in /api/query/check /api/sessions; do
            getq "$path" "expr=$e"
            eq "$ST" 400 "$path '$e'" || return 1
            python3 - "$kind" "$col" "$arg" >cmp.out <<'EOF2' || { fail "$path '$e': $(cat cmp.out)"; return 1; }
import json, sys
e = json.load(open("body.json"))["error"]
kind, col, arg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
got = (e["code"], e["kind"], e["column"])
if got != ("query_syntax", kind, col):
    print("got %s, want %s" % (got, ("query_syntax", kind, col))); sys.exit(1)
if arg != "-":
    k, v = arg.split("=", 1)
    if e["args"].get(k) != v:
        print("args %s, want %s=%s" % (e["args"], k, v)); sys.exit(1)
EOF2
        done
    done
    getq /api/query/check 'expr=ip.scr == 1.2.3.4'
    eq "$(js '",".join(d["error"]["suggest"])')" "ip.src,ip.dst" "suggestions" || return 1
    getq /api/query/check 'expr=ip.src == 10.0.0.0/8 && port.dst == 502'
    eq "$ST" 200 "a good expression" || return 1
    eq "$(js 'd["ok"]')" True "ok"
}
check "syntax errors carry kind, column and args (${#ERRS[@]} errors, check and sessions)" t_errors

# --- SQL metacharacters and HTML ---------------------------------------------------------------

t_sql() {
    local before after e n
    before=$(sqlite3 "$DB" 'SELECT count(*) FROM sessions; SELECT count(*) FROM users;' | tr '\n' ' ')
    # literal strings: 200 and nothing matches (no such text in the data)
    for e in "http.host == \"x' OR '1'='1\"" "http.host == \"a\\\") OR 1=1 --\"" \
             "file == \"*' OR ''='\"" "tls.sni == \"%\"" "community_id == \"1;DROP TABLE sessions\"" \
             "dhcp.hostname == \"'; DELETE FROM users; --\"" "point == \"/*\" || point == \"*/\""; do
        getq /api/sessions "expr=$e"
        eq "$ST" 200 "'$e'" || return 1
        eq "$(js 'd["count"]')" 0 "'$e' matches" || return 1
    done
    # not the language: a clean syntax error
    for e in "ip.src == 1.2.3.4; DROP TABLE sessions" "port.dst == 502 -- comment" \
             "port.dst == 502 /* x */" "' UNION SELECT * FROM users --" \
             "port.dst == 502) OR (1 == 1" "1=1" "port.dst == 502 UNION SELECT name FROM users" \
             "ip.src == 1.2.3.4 || 1 == 1"; do
        getq /api/sessions "expr=$e"
        eq "$ST" 400 "'$e'" || return 1
        eq "$(js 'd["error"]["code"]')" query_syntax "'$e' code" || return 1
        getq /api/pcap "expr=$e"
        eq "$ST" 400 "pcap '$e'" || return 1
    done
    # a wildcard pattern with quotes inside matches only what it says
    getq /api/sessions "expr=file == \"*normal.pcap' OR 'a'='a\""
    eq "$ST" 200 "quoted pattern" || return 1
    eq "$(js 'd["count"]')" 0 "quoted pattern with quotes" || return 1
    getq /api/sessions "expr=file == *normal.pcap' OR 'a'='a"
    eq "$ST" 400 "unquoted pattern with quotes" || return 1
    after=$(sqlite3 "$DB" 'SELECT count(*) FROM sessions; SELECT count(*) FROM users;' | tr '\n' ' ')
    eq "$after" "$before" "sessions and users after the payloads" || return 1
    [ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
}
check "SQL metacharacters: literal matches or syntax errors, the database untouched" t_sql

t_html() {
    local want got id
    # the values as tshark reads them from the capture
    tshark -r "$SRC/tests/web/html-fields.pcap" -T fields -e dhcp.option.hostname -e http.host \
        -e http.user_agent -e tls.handshake.extensions_server_name 2>/dev/null |
        tr '\t' '\n' | grep -v '^$' | sort >want.txt
    [ "$(wc -l <want.txt)" -eq 4 ] || { fail "tshark found $(wc -l <want.txt) values"; return 1; }
    : >got.txt
    for id in $(curl -s -b victor.jar -G --data-urlencode 'expr=ip == 192.168.10.50 || mac == 02:0a:c0:a8:0a:32' \
                "$BASE/api/sessions" |
                python3 -c 'import json,sys; print(" ".join(str(s["id"]) for s in json.load(sys.stdin)["items"]))'); do
        curl -s -b victor.jar -D hdr.txt -o body.json "$BASE/api/sessions/$id"
        grep -qi '^content-type: application/json' hdr.txt || { fail "not JSON"; return 1; }
        # raw text: the markup is inside JSON strings (a JSON parser gives it back as text)
        js '"\n".join(v for k in ("dhcp.hostname", "http.host", "http.user_agent", "tls.sni") for v in d["fields"].get(k, []))' >>got.txt
    done
    grep -v '^$' got.txt | sort >got2.txt
    cmp -s want.txt got2.txt || { fail "values differ: $(tr '\n' '|' <got2.txt) vs $(tr '\n' '|' <want.txt)"; return 1; }
    getq /api/sessions 'expr=dhcp.hostname == "<script>alert(1)</script>"'
    eq "$(js 'd["count"]')" 1 "the DHCP session found by its HTML host name"
}
check "HTML in packet fields comes back as JSON string data, equal to tshark's values" t_html

kill "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
finish
