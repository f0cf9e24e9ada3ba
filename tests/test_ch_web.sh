#!/usr/bin/env bash
# tests/test_ch_web.sh - the web interface over a ClickHouse store (issue 8):
# packets fetched from the sensors that keep them, the connections graph and
# the daily figures summed by ClickHouse, the sessions API.
#
#   bash tests/test_ch_web.sh <otwatch-binary> <source-dir>
#
# Real processes only: two clickhouse-server (tests/clickhouse/cluster.sh,
# cluster `otwatch`, HTTP ports 19160 and 19170), `store init` on both; two
# sensors, OTWATCH_NODE=sensor-a and sensor-b, each with its own --db and
# settings, importing different committed captures of tests/testbed/ through
# different servers (sensor-a: server 1, sensor-b: server 2), each running
# `otwatch serve` on loopback with TLS (a self-signed certificate made here)
# and the shared sensor.token; a central `otwatch serve --store` with its own
# --db (users made with `otwatch user add`) and sensor.NAME / sensor.ca
# settings; a SQLite store of the same captures (`otwatch serve` too) as the
# reference. Through the central API (login and CSRF as tests/web/lib.sh):
#   - a session of sensor-a and one of sensor-b download byte-identical to
#     `otwatch pcap` run on that sensor (capinfos and tshark count the same
#     packets); `otwatch pcap --store` on the central node does the same;
#   - a whole-result download holds the packets of both sensors (count = the
#     sum of the sensors' own), merged in time order; with more than 128
#     sessions of a sensor, asked by expression (the API) or by ids 128 at a
#     time (`otwatch pcap --limit`), the same packets;
#   - a sensor answers 401 to a wrong or missing token, 403 when it has no
#     token, 400 to malformed ids; serve refuses a token under 16 characters;
#   - the central: 502 naming the sensor when it is stopped (the other
#     sensor's packets still come); 404 no_packets saying which sensor and
#     why when the sensor's capture file is gone; `otwatch pcap` there names
#     the sensor for a wrong token, a certificate it cannot verify (no
#     sensor.ca) and a sensor that is not configured;
#   - /api/graph (with hide flags and expressions) and /api/daily's traffic
#     on ClickHouse equal those of the SQLite store; /api/sessions rows equal;
#   - every server stops with exit 0 and no sanitizer report.
# Ports: ClickHouse 19160-19162 and 19170-19172, otwatch serve 18660-18699.
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`.
set -u

OTW=$(realpath "${1:?usage: test_ch_web.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_ch_web.sh OTWATCH-BINARY SOURCE-DIR}")
# shellcheck source=tests/web/lib.sh
. "$SRC/tests/web/lib.sh"
# the test's own settings only: no store, node or settings file of the caller
unset OTWATCH_STORE OTWATCH_NODE OTWATCH_CH_USER OTWATCH_CH_PASSWORD OTWATCH_CONFIG OTWATCH_DB \
    OTWATCH_SENSOR_TOKEN

CLUSTER=$SRC/tests/clickhouse/cluster.sh
CAP=$SRC/tests/testbed
P1=19160 P2=19170
U1=clickhouse://127.0.0.1:$P1/otw
U2=clickhouse://127.0.0.1:$P2/otw
CAPS_A="normal modbus_write c2_open"      # sensor-a, through server 1
CAPS_B="scan_ssh normal2 arp_mitm"        # sensor-b, through server 2
TOKEN=sensor-token-$$-$RANDOM-0123456789abcdef
PIDS_A="" PIDS_B="" PID_C="" PID_R=""

cleanup_extra() {
    local p
    for p in $PIDS_A $PIDS_B $PID_C $PID_R; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    bash "$CLUSTER" stop "$W/ch" >/dev/null 2>&1
}
web_init ch-web clickhouse-server curl python3 capinfos tshark openssl

has() { grep -qF -- "$2" "$1" || fail "$3: '$2' not in: $(head -c 600 "$1" | tr '\n' '|')"; }
# json FILE EXPR: a Python expression of the parsed file d
jv() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
npackets() {
    capinfos -M -c "$1" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}'
}
urlq() { python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
tpackets() { tshark -r "$1" 2>/dev/null | wc -l; }

# --- set-up ------------------------------------------------------------------------------------

bash "$CLUSTER" start "$W/ch" $P1 $P2 >"$W/cluster.log" 2>&1 ||
    setup_fail "cluster.sh start: $(tail -n 3 "$W/cluster.log" | tr '\n' ' ')"
for u in $U1 $U2; do
    "$OTW" store init --store "$u" --cluster otwatch >"$W/init.log" 2>&1 ||
        setup_fail "store init $u: $(tail -n 3 "$W/init.log" | tr '\n' ' ')"
done

# A certificate for 127.0.0.1, which the sensors serve with and the central
# trusts through sensor.ca only.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >"$W/openssl.log" 2>&1 ||
    setup_fail "openssl: $(tail -n 2 "$W/openssl.log" | tr '\n' ' ')"

for s in a b; do
    printf 'clickhouse.cluster = otwatch\nsensor.token = %s\n' "$TOKEN" >"$W/$s.conf"
done
# sensor NAME ARGS...: the otwatch of sensor-NAME with its server, database and settings
ARGS_A=(--store "$U1" --db "$W/a.db" --config "$W/a.conf")
ARGS_B=(--store "$U2" --db "$W/b.db" --config "$W/b.conf")
sensor() {
    local s=$1
    shift
    if [ "$s" = a ]; then
        OTWATCH_NODE=sensor-a "$OTW" "$@" "${ARGS_A[@]}"
    else
        OTWATCH_NODE=sensor-b "$OTW" "$@" "${ARGS_B[@]}"
    fi
}
# copies, so that one can be moved away (a sensor without the packets)
mkdir -p "$W/caps" && for c in $CAPS_A $CAPS_B; do cp "$CAP/$c.pcap" "$W/caps/"; done ||
    setup_fail "copying the captures"
for c in $CAPS_A; do
    sensor a import -q "$W/caps/$c.pcap" >"$W/import.log" 2>&1 ||
        setup_fail "sensor-a import $c: $(tail -n 3 "$W/import.log" | tr '\n' ' ')"
done
for c in $CAPS_B; do
    sensor b import -q "$W/caps/$c.pcap" >"$W/import.log" 2>&1 ||
        setup_fail "sensor-b import $c: $(tail -n 3 "$W/import.log" | tr '\n' ' ')"
done
# the reference: the same captures in one SQLite file
for c in $CAPS_A $CAPS_B; do
    "$OTW" import -q --db "$W/ref.db" "$W/caps/$c.pcap" >"$W/import.log" 2>&1 ||
        setup_fail "SQLite import $c: $(tail -n 3 "$W/import.log" | tr '\n' ' ')"
done

# start_serve VAR-PID VAR-PORT SCHEME CURL-ARGS -- COMMAND...: `serve` on a free port (COMMAND
# is run as a program, not a shell function, so that its process id is the server's)
start_serve() {
    local pv=$1 portv=$2 scheme=$3 port pid
    local -a cargs=()
    shift 3
    while [ "$1" != -- ]; do cargs+=("$1"); shift; done
    shift
    for _ in 1 2 3 4 5; do
        port=$(free_port 18660 18699)
        [ -n "$port" ] || setup_fail "no free port in 18660-18699"
        "$@" --listen "127.0.0.1:$port" >>"$W/serve-$pv.out" 2>>"$W/serve-$pv.err" &
        pid=$!
        if wait_answer "$pid" "$scheme://127.0.0.1:$port/api/health" "${cargs[@]}"; then
            printf -v "$pv" %s "$pid"
            printf -v "$portv" %s "$port"
            return 0
        fi
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    setup_fail "serve did not start: $(tail -n 3 "$W/serve-$pv.err" | tr '\n' ' ')"
}
TLS=(--tls-cert "$W/cert.pem" --tls-key "$W/key.pem")
start_serve PIDS_A PORT_A https --cacert "$W/cert.pem" -- \
    env OTWATCH_NODE=sensor-a "$OTW" serve "${ARGS_A[@]}" "${TLS[@]}"
start_serve PIDS_B PORT_B https --cacert "$W/cert.pem" -- \
    env OTWATCH_NODE=sensor-b "$OTW" serve "${ARGS_B[@]}" "${TLS[@]}"

{
    printf 'clickhouse.cluster = otwatch\nsensor.token = %s\n' "$TOKEN"
    printf 'sensor.ca = %s\n' "$W/cert.pem"
    printf 'sensor.sensor-a = https://127.0.0.1:%s\n' "$PORT_A"
    printf 'sensor.sensor-b = https://127.0.0.1:%s/\n' "$PORT_B"
} >"$W/c.conf"
for u in alice:admin victor:viewer; do
    printf '%s\n' "${u%%:*}-central-pass-1" |
        "$OTW" user add "${u%%:*}" --role "${u##*:}" --db "$W/c.db" >"$W/user.log" 2>&1 ||
        setup_fail "user add: $(tail -n 2 "$W/user.log" | tr '\n' ' ')"
    printf '%s\n' "${u%%:*}-central-pass-1" |
        "$OTW" user add "${u%%:*}" --role "${u##*:}" --db "$W/ref.db" >"$W/user.log" 2>&1 ||
        setup_fail "user add: $(tail -n 2 "$W/user.log" | tr '\n' ' ')"
done
ARGS_C=(--store "$U1" --db "$W/c.db" --config "$W/c.conf")
central() { OTWATCH_NODE=central "$OTW" "$@" "${ARGS_C[@]}"; }
start_serve PID_C PORT_C http -- env OTWATCH_NODE=central "$OTW" serve "${ARGS_C[@]}"
start_serve PID_R PORT_R http -- "$OTW" serve --db "$W/ref.db"
C=http://127.0.0.1:$PORT_C
R=http://127.0.0.1:$PORT_R
SA=https://127.0.0.1:$PORT_A
SB=https://127.0.0.1:$PORT_B

BASE=$R
login ref alice alice-central-pass-1 || setup_fail "login on the SQLite serve: $WHY"
BASE=$C
login cen victor victor-central-pass-1 || setup_fail "login on the central serve: $WHY"
# on BASE=$R for the reference: capi WHO PATH (GET), body in $W/out
capi() { BASE=$1 api "$2" GET "$3"; }

# every session on both: the rows of the sessions API
rows() {   # rows BASE WHO OUT: every session row, sorted, without the store's own id
    capi "$1" "$2" "/api/sessions?limit=1000&count=1" || return 1
    [ "$CODE" = 200 ] || { fail "sessions on $1: HTTP $CODE $(head -c 300 "$API_OUT")"; return 1; }
    python3 - "$API_OUT" "$3" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = []
for r in d["items"]:
    r.pop("id", None)
    r.pop("node", None)
    rows.append(json.dumps(r, sort_keys=True))
rows.sort()
json.dump({"rows": rows, "count": d.get("count"), "more": d["more"]}, open(sys.argv[2], "w"),
          indent=1)
EOF
}

# --- sessions ------------------------------------------------------------------------------------

t_sessions() {
    rows "$R" ref rows-ref.json && rows "$C" cen rows-ch.json || return 1
    local n
    n=$(jv rows-ref.json 'len(d["rows"])')
    [ "$n" -gt 100 ] || { fail "only $n rows"; return 1; }
    cmp -s rows-ref.json rows-ch.json ||
        fail "rows differ: $(diff rows-ref.json rows-ch.json | head -c 600 | tr '\n' '|')"
}
check "sessions API: the same rows (and count) on ClickHouse as on SQLite" t_sessions

# a session of each sensor: the id of the first session of one of its files
session_of() {   # session_of FILE-BASENAME -> prints the central's id of one of its sessions
    capi "$C" cen "/api/sessions?limit=1&expr=$(urlq "file == *$1.pcap && ip.protocol == tcp")"
    [ "$CODE" = 200 ] && jv "$API_OUT" 'd["items"][0]["id"]'
}
ID_A=$(session_of normal 2>/dev/null) ID_B=$(session_of scan_ssh 2>/dev/null)
t_ids() {
    [ -n "$ID_A" ] && [ -n "$ID_B" ] ||
        fail "no session of sensor-a ('$ID_A') or sensor-b ('$ID_B'): $(head -c 300 "$API_OUT")"
}
check "the central lists sessions of both sensors" t_ids

# --- packets from the sensors ------------------------------------------------------------------

t_one() {   # t_one a|b ID
    local s=$1 id=$2 n
    capi "$C" cen "/api/sessions/$id/pcap"
    [ "$CODE" = 200 ] || { fail "HTTP $CODE $(head -c 300 "$API_OUT")"; return 1; }
    cp "$API_OUT" "central-$s.pcap"
    sensor "$s" pcap -o "sensor-$s.pcap" "id == $id" 2>"pcap-$s.err" ||
        { fail "otwatch pcap on sensor-$s: $(head -c 300 "pcap-$s.err")"; return 1; }
    cmp -s "central-$s.pcap" "sensor-$s.pcap" ||
        { fail "not byte-identical to the sensor's"; return 1; }
    n=$(npackets "central-$s.pcap")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { fail "no packets ($n)"; return 1; }
    eq "$(npackets "sensor-$s.pcap")" "$n" "capinfos" || return 1
    eq "$(tpackets "central-$s.pcap")" "$(tpackets "sensor-$s.pcap")" "tshark"
}
check "a session of sensor-a downloads from the central as its otwatch pcap writes it" \
    t_one a "$ID_A"
check "a session of sensor-b downloads from the central as its otwatch pcap writes it" \
    t_one b "$ID_B"

t_cli_central() {
    central pcap -o cli-a.pcap "id == $ID_A" 2>cli.err ||
        { fail "$(head -c 300 cli.err)"; return 1; }
    cmp -s cli-a.pcap sensor-a.pcap || fail "otwatch pcap on the central differs from the sensor's"
}
check "otwatch pcap --store on the central node fetches from the sensor too" t_cli_central

t_whole() {
    local na nb n
    capi "$C" cen "/api/pcap"
    [ "$CODE" = 200 ] || { fail "HTTP $CODE $(head -c 300 "$API_OUT")"; return 1; }
    cp "$API_OUT" whole.pcap
    sensor a pcap -o all-a.pcap 'node == sensor-a' 2>pa.err ||
        { fail "sensor-a: $(head -c 300 pa.err)"; return 1; }
    sensor b pcap -o all-b.pcap 'node == sensor-b' 2>pb.err ||
        { fail "sensor-b: $(head -c 300 pb.err)"; return 1; }
    na=$(npackets all-a.pcap) nb=$(npackets all-b.pcap) n=$(npackets whole.pcap)
    [ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || { fail "sensor counts $na, $nb"; return 1; }
    eq "$n" "$((na + nb))" "packets of the whole result (sensor-a $na + sensor-b $nb)" || return 1
    eq "$(tpackets whole.pcap)" "$((na + nb))" "tshark count" || return 1
    # the packets of both, merged in time order (the captures themselves
    # are not quite in time order: a merge of the two as they are)
    python3 - whole.pcap all-a.pcap all-b.pcap >merge.out 2>&1 <<'EOF' ||
import heapq, struct, sys
def records(path):
    b = open(path, "rb").read()
    if struct.unpack("<I", b[:4])[0] != 0xa1b2c3d4:
        sys.exit("%s: not a little-endian classic pcap" % path)
    out, o = [], 24
    while o < len(b):
        sec, usec, cap, ln = struct.unpack("<IIII", b[o:o + 16])
        out.append((sec * 1000000 + usec, b[o:o + 16 + cap]))
        o += 16 + cap
    return out
w, a, b = (records(p) for p in sys.argv[1:4])
want = list(heapq.merge(a, b, key=lambda r: r[0]))
if [r[1] for r in w] != [r[1] for r in want]:
    sys.exit("not the merge in time order of the sensors' packets (%d vs %d records)"
             % (len(w), len(want)))
EOF
        { fail "$(head -c 300 merge.out)"; return 1; }
}
check "a whole-result download merges both sensors' packets in time order (count = sum)" t_whole

# more than 128 sessions of a sensor: the sensor gets the expression (the API), or the ids 128 at
# a time (`otwatch pcap --limit`); the same packets either way
E='ip.protocol == tcp'
t_large() {
    local na nb n
    capi "$C" cen "/api/sessions/count?expr=$(urlq "node == sensor-b && $E")"
    [ "$(jv "$API_OUT" 'd["count"]')" -gt 300 ] ||
        { fail "too few sessions: $(cat "$API_OUT")"; return 1; }
    capi "$C" cen "/api/pcap?expr=$(urlq "$E")"
    [ "$CODE" = 200 ] || { fail "HTTP $CODE $(head -c 300 "$API_OUT")"; return 1; }
    cp "$API_OUT" large.pcap
    sensor a pcap -o la.pcap "node == sensor-a && $E" 2>pa.err &&
        sensor b pcap -o lb.pcap "node == sensor-b && $E" 2>pb.err ||
        { fail "on the sensors: $(cat pa.err pb.err | head -c 300)"; return 1; }
    na=$(npackets la.pcap) nb=$(npackets lb.pcap) n=$(npackets large.pcap)
    eq "$n" "$((na + nb))" "packets (sensor-a $na + sensor-b $nb)" || return 1
    central pcap --limit 100000 -o large-cli.pcap "$E" 2>cli.err ||
        { fail "otwatch pcap --limit: $(head -c 300 cli.err)"; return 1; }
    python3 - large.pcap large-cli.pcap >cmp.out 2>&1 <<'EOF' ||
import struct, sys
def records(path):
    b = open(path, "rb").read()
    out, o = [], 24
    while o < len(b):
        cap = struct.unpack("<I", b[o + 8:o + 12])[0]
        out.append(b[o:o + 16 + cap])
        o += 16 + cap
    return out
a, b = records(sys.argv[1]), records(sys.argv[2])
if sorted(a) != sorted(b):
    sys.exit("%d records by expression, %d by ids" % (len(a), len(b)))
EOF
        { fail "$(head -c 300 cmp.out)"; return 1; }
}
check "more than 128 sessions per sensor: by expression and by ids, the same packets" t_large

# --- the sensor's door -------------------------------------------------------------------------

t_token() {
    local c
    c=$(curl -s -o t.out -w '%{http_code}' --cacert "$W/cert.pem" "$SA/api/node/pcap?ids=$ID_A")
    eq "$c" 401 "no token" || return 1
    eq "$(jv t.out 'd["error"]["code"]')" node_token "code" || return 1
    c=$(curl -s -o t.out -w '%{http_code}' --cacert "$W/cert.pem" \
        -H "Authorization: Bearer ${TOKEN}x" "$SA/api/node/pcap?ids=$ID_A")
    eq "$c" 401 "wrong token" || return 1
    c=$(curl -s -o t.out -w '%{http_code}' --cacert "$W/cert.pem" \
        -H "Authorization: Bearer ${TOKEN:0:20}" "$SA/api/node/pcap?ids=$ID_A")
    eq "$c" 401 "a prefix of the token" || return 1
    c=$(curl -s -o t.out -w '%{http_code}' --cacert "$W/cert.pem" -b "$W/cen.jar" \
        "$SA/api/node/pcap?ids=$ID_A")
    eq "$c" 401 "a user's cookie is no token" || return 1
    c=$(curl -s -o t.out -w '%{http_code}' --cacert "$W/cert.pem" \
        -H "Authorization: Bearer $TOKEN" "$SA/api/node/pcap?ids=$ID_A")
    eq "$c" 200 "the right token" || return 1
    cmp -s t.out sensor-a.pcap || fail "the sensor's answer is not its otwatch pcap"
}
check "a sensor answers packet requests only with the token (401 without, or wrong)" t_token
t_token_central() {
    local rc
    OTWATCH_SENSOR_TOKEN=${TOKEN}-other central pcap -o x.pcap "id == $ID_A" 2>tok.err
    rc=$?
    eq "$rc" 1 "exit status" || return 1
    has tok.err "sensor sensor-a" "names the sensor" || return 1
    has tok.err "401" "says it was refused"
}
check "otwatch pcap on the central with a token the sensor does not know: refused, named" \
    t_token_central
t_bad_ids() {
    local c
    local many
    many=$(seq -s , 1 129)
    for q in "ids=" "ids=1,x" "ids=-5" "ids=1;DROP" "ids=1,,2" "ids=99999999999999999999" \
             "ids=$many"; do
        c=$(curl -s -o t.out -w '%{http_code}' --cacert "$W/cert.pem" \
            -H "Authorization: Bearer $TOKEN" "$SA/api/node/pcap?$q")
        eq "$c" 400 "$q" || return 1
    done
}
check "a sensor refuses malformed id lists (400)" t_bad_ids
t_no_token_sensor() {
    local c
    # the reference serve has no sensor.token: it takes no packet requests
    c=$(curl -s -o t.out -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        "$R/api/node/pcap?ids=1")
    eq "$c" 403 "no token configured" || return 1
    eq "$(jv t.out 'd["error"]["code"]')" node_requests_off "code"
}
check "a node without sensor.token refuses packet requests (403)" t_no_token_sensor
t_short_token() {
    local rc
    OTWATCH_SENSOR_TOKEN=short "$OTW" serve --db "$W/short.db" --listen 127.0.0.1:18699 \
        >short.out 2>&1
    rc=$?
    eq "$rc" 2 "exit status" || return 1
    has short.out "sensor.token is too short" "message"
}
check "serve refuses a sensor.token shorter than 16 characters" t_short_token

t_ca() {
    grep -v '^sensor.ca' "$W/c.conf" >noca.conf
    OTWATCH_NODE=central "$OTW" pcap --store "$U1" --db "$W/c.db" --config noca.conf \
        -o x.pcap "id == $ID_A" 2>ca.err
    eq "$?" 1 "exit status" || return 1
    has ca.err "sensor sensor-a" "names the sensor" || return 1
    has ca.err "sensor.ca" "says how to trust the certificate"
}
check "without sensor.ca the sensor's self-signed certificate is refused, clearly" t_ca
t_unconfigured() {
    grep -v '^sensor.sensor-b' "$W/c.conf" >nob.conf
    OTWATCH_NODE=central "$OTW" pcap --store "$U1" --db "$W/c.db" --config nob.conf \
        -o x.pcap "id == $ID_B" 2>nob.err
    eq "$?" 1 "exit status" || return 1
    has nob.err "sensor sensor-b is not configured" "message"
}
check "otwatch pcap names a sensor that is not configured" t_unconfigured

# --- graph and daily figures: ClickHouse = SQLite -----------------------------------------------

SINCE=1795651200000000      # 2026-11-26 00:00 UTC
UNTIL=1795824000000000      # 2026-11-28 00:00 UTC
graph_eq() {   # graph_eq QUERY: the central's graph equals the reference's (but status, names)
    capi "$R" ref "/api/graph?$1" && cp "$API_OUT" g-ref.json
    [ "$CODE" = 200 ] || { fail "SQLite graph: HTTP $CODE $(head -c 300 g-ref.json)"; return 1; }
    capi "$C" cen "/api/graph?$1" && cp "$API_OUT" g-ch.json
    [ "$CODE" = 200 ] || { fail "ClickHouse graph: HTTP $CODE $(head -c 300 g-ch.json)"; return 1; }
    python3 - g-ref.json g-ch.json >g.diff 2>&1 <<'EOF' ||
import json, sys
def norm(p):
    d = json.load(open(p))
    e = sorted((x["id"], x["sessions"], x["bytes"], x["first_us"], x["last_us"], x["expr"])
               for x in d["edges"])
    n = sorted((x["ip"], x["sessions"], x["bytes"]) for x in d["nodes"])
    return {"edges": e, "nodes": n, "sessions": d["sessions"], "edges_total": d["edges_total"]}
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if not a["edges"]:
    print("no edges")
    sys.exit(1)
for k in a:
    if a[k] != b[k]:
        print(k, "differs:", str(a[k])[:200], "||", str(b[k])[:200])
        sys.exit(1)
EOF
        { fail "$1: $(head -c 600 g.diff | tr '\n' '|')"; return 1; }
}
t_graph() {
    local q
    for q in "since=$SINCE&until=$UNTIL" "since=$SINCE&until=$UNTIL&hide=icmp,ipv6" \
             "since=$SINCE&until=$UNTIL&hide=multicast,broadcast" \
             "since=1795742400123456&until=1795760000654321&hide=broadcast" \
             "since=$SINCE&until=$UNTIL&expr=ip.protocol%20%3D%3D%20udp" \
             "since=$SINCE&until=$UNTIL&expr=port.dst%20%3D%3D%20%5B22%2C%20502%5D" ""; do
        graph_eq "$q" || return 1
    done
}
check "connections graph: the same edges and hosts on ClickHouse as on SQLite" t_graph
t_daily() {
    local d
    for d in 2026-11-27 "2026-11-27&tz=-540&top=3"; do
        capi "$R" ref "/api/daily?day=$d" && cp "$API_OUT" d-ref.json
        [ "$CODE" = 200 ] ||
            { fail "SQLite daily: HTTP $CODE $(head -c 300 d-ref.json)"; return 1; }
        capi "$C" cen "/api/daily?day=$d" && cp "$API_OUT" d-ch.json
        [ "$CODE" = 200 ] ||
            { fail "ClickHouse daily: HTTP $CODE $(head -c 300 d-ch.json)"; return 1; }
        python3 - d-ref.json d-ch.json >d.diff 2>&1 <<'EOF' ||
import json, sys
def norm(p):
    d = json.load(open(p))
    t = dict(d["traffic"])
    t["hosts"] = [(h["host"]["ip"], h["sessions"], h["bytes"], h["hourly_sessions"],
                   h["hourly_bytes"]) for h in t["hosts"]]
    return {"traffic": t, "last_data_us": d["last_data_us"]}
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if not a["traffic"]["hosts"]:
    print("no hosts")
    sys.exit(1)
if a != b:
    print(str(a)[:250], "||", str(b)[:250])
    sys.exit(1)
EOF
            { fail "$d: $(head -c 600 d.diff | tr '\n' '|')"; return 1; }
    done
}
check "daily check: the same traffic per host and hour on ClickHouse as on SQLite" t_daily

t_gone() {
    mv "$W/caps/normal.pcap" "$W/normal.moved" || { fail "mv"; return 1; }
    capi "$C" cen "/api/sessions/$ID_A/pcap"
    mv "$W/normal.moved" "$W/caps/normal.pcap"
    eq "$CODE" 404 "a session whose capture file is gone from its sensor" || return 1
    eq "$(jv "$API_OUT" 'd["error"]["code"]')" no_packets "code" || return 1
    has "$API_OUT" "sensor-a" "message names the sensor" || return 1
    has "$API_OUT" "moved or deleted" "message says why"
}
check "a sensor without the packets: 404 no_packets saying which sensor and why" t_gone

# --- a sensor away -----------------------------------------------------------------------------

kill "$PIDS_B" 2>/dev/null && wait "$PIDS_B" 2>/dev/null
PIDS_B=""
t_stopped() {
    capi "$C" cen "/api/sessions/$ID_B/pcap"
    eq "$CODE" 502 "one session of the stopped sensor" || return 1
    eq "$(jv "$API_OUT" 'd["error"]["code"], d["error"]["sensor"]')" "('sensor', 'sensor-b')" \
        "error" || return 1
    has "$API_OUT" "sensor sensor-b (https://127.0.0.1:$PORT_B)" "message" || return 1
    capi "$C" cen "/api/pcap"
    eq "$CODE" 502 "the whole result" || return 1
    has "$API_OUT" "sensor-b" "whole result's message" || return 1
    capi "$C" cen "/api/sessions/$ID_A/pcap"
    eq "$CODE" 200 "sensor-a still answers" || return 1
    cmp -s "$API_OUT" sensor-a.pcap || fail "sensor-a's packets differ"
}
check "a stopped sensor: 502 naming it; the other sensor's packets still come" t_stopped
t_alive() {
    kill -0 "$PID_C" 2>/dev/null || fail "the central serve died: $(tail -n 3 "$W/serve-PID_C.err")"
}
check "the central serve is still running" t_alive

t_clean_stop() {
    local p rc bad=""
    for p in PIDS_A PID_C PID_R; do
        kill "${!p}" 2>/dev/null
        wait "${!p}" 2>/dev/null
        rc=$?
        [ "$rc" = 0 ] || bad+="$p exit $rc; "
        printf -v "$p" %s ""
    done
    if grep -lE 'Sanitizer|runtime error' "$W"/serve-*.err >san.txt 2>/dev/null; then
        bad+="sanitizer reports in $(tr '\n' ' ' <san.txt): "
        bad+=$(grep -hE 'Sanitizer|runtime error' "$W"/serve-*.err | head -c 300)
    fi
    [ -z "$bad" ] || fail "$bad"
}
check "the servers stop cleanly (exit 0, no sanitizer report)" t_clean_stop

finish
