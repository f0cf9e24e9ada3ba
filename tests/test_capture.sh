#!/usr/bin/env bash
# End-to-end test of live capture: `otwatch capture` on one end of a veth
# pair joining two network namespaces, with real TCP, UDP and ICMP traffic
# between them; tcpdump captures the same interface at the same time and
# tshark counts its packets per 5-tuple for comparison.
#
#   bash tests/test_capture.sh OTWATCH SRCDIR
#
# Needs root and network namespaces; otherwise prints "skipped: <why>" and
# exits 0. Traffic stays inside the two namespaces (10.99.77.0/24).
set -u

OTW=$(readlink -f "${1:?usage: test_capture.sh OTWATCH SRCDIR}")
SRC=${2:-.}

skip() { echo "skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces and packet capture)"
for t in ip tcpdump tshark python3 sqlite3 ping curl; do
    command -v "$t" >/dev/null 2>&1 || skip "needs $t"
done

SUF=$$
NSA=otwc-a$SUF
NSB=otwc-b$SUF
VA=otwc-va
VB=otwc-vb
IPA=10.99.77.1
IPB=10.99.77.2
T=$(mktemp -d /tmp/otwc-test.XXXXXX)
chmod 755 "$T"
PIDS=()

cleanup() {
    exec 2>/dev/null   # no "Killed" job notices from the servers
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    ip netns pids "$NSA" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns pids "$NSB" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

if ! ip netns add "$NSA" 2>/dev/null; then
    skip "cannot create network namespaces"
fi
ip netns add "$NSB" || skip "cannot create network namespaces"
ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" || skip "cannot create veth"
for ns in "$NSA" "$NSB"; do
    # no IPv6: its neighbour discovery would only add noise to the counts
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip -n "$NSA" addr add $IPA/24 dev $VA
ip -n "$NSB" addr add $IPB/24 dev $VB
ip -n "$NSA" link set $VA up
ip -n "$NSB" link set $VB up
A() { ip netns exec "$NSA" "$@"; }
B() { ip netns exec "$NSB" "$@"; }
sleep 0.5
A ping -c 1 -W 2 $IPB >/dev/null 2>&1 || skip "veth between namespaces does not pass traffic"

pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# Waits until FILE contains TEXT (at most SECS seconds).
wait_for() {
    local file=$1 text=$2 secs=$3 i
    for ((i = 0; i < secs * 10; i++)); do
        grep -q -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# Starts otwatch capture in namespace B: start_capture LOG ARGS...; sets CAP_PID.
start_capture() {
    local log=$1; shift
    # ip netns exec runs otwatch in this very process: $! is otwatch's pid
    ip netns exec "$NSB" "$OTW" capture -i $VB --stats-interval 5 "$@" 2>"$log" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    if ! wait_for "$log" "capturing" 10; then
        echo "--- $log"; cat "$log"
        return 1
    fi
    sleep 0.3
}

stop_capture() {   # stop_capture -> sets CAP_RC
    kill -TERM "$CAP_PID"
    wait "$CAP_PID"
    CAP_RC=$?
}

# --- servers in namespace B -----------------------------------------------------------
cat >"$T/udp_echo.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
EOF
cat >"$T/udp_client.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(int(sys.argv[3])):
    s.sendto(b"hello %d" % i, (sys.argv[1], int(sys.argv[2])))
    s.recvfrom(2048)
EOF
cat >"$T/tcp_sink.py" <<'EOF'
import socket, sys, threading
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(8)
def serve(c):
    with c:
        while True:
            d = c.recv(4096)
            if not d:
                return
            c.sendall(d)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
cat >"$T/tcp_long.py" <<'EOF'
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
end = time.time() + float(sys.argv[3])
while time.time() < end:
    c.sendall(b"poll\n")
    c.recv(100)
    time.sleep(0.5)
c.close()
EOF
ip netns exec "$NSB" python3 -m http.server 8080 --bind $IPB >/dev/null 2>&1 &
PIDS+=($!)
ip netns exec "$NSB" python3 "$T/udp_echo.py" $IPB 5300 &
PIDS+=($!)
ip netns exec "$NSB" python3 "$T/tcp_sink.py" $IPB 9000 &
PIDS+=($!)
sleep 1

sessions_json() { "$OTW" sessions --db "$1" --format json "${@:2}" 2>/dev/null; }

# === 1. sessions against tcpdump; a long connection seen while open =====================
DB1=$T/run1.db
ip netns exec "$NSB" tcpdump -i $VB -U -n -w "$T/td.pcap" 2>"$T/tcpdump.log" &
TD_PID=$!
PIDS+=("$TD_PID")
wait_for "$T/tcpdump.log" "listening on" 10 || bad "tcpdump did not start"
# Detection runs live too: with only A's address inside the plant, B is
# "outside", so A's answered connections to it are outbound_connected alerts,
# which must be there while the capture still runs.
echo "plant.networks = $IPA/32" >"$T/plant.conf"
if ! start_capture "$T/cap1.log" --db "$DB1" --user root --pcap-dir "$T/pcap1" \
    --config "$T/plant.conf"; then
    bad "otwatch capture did not start"
    echo "$pass passed, $fail failed"
    exit 1
fi
check "start log names the interface and its link type" \
    grep -q "interface $VB: link type EN10MB" "$T/cap1.log"
check "start log says root is kept" grep -q "privileges are NOT dropped" "$T/cap1.log"

long_t0=$(date +%s)
ip netns exec "$NSA" python3 "$T/tcp_long.py" $IPB 9000 25 &
LONG_PID=$!
for i in 1 2 3; do A curl -s -o /dev/null http://$IPB:8080/; done
A python3 "$T/udp_client.py" $IPB 5300 4
A python3 "$T/udp_client.py" $IPB 5300 2
A ping -c 5 -i 0.2 -q $IPB >/dev/null

# The long connection must appear while still open (updates every 10 s).
seen_open=""
for ((i = 0; i < 40; i++)); do
    if sessions_json "$DB1" 'port.dst == 9000' | grep -q '"otwatch.end_reason":"open"'; then
        seen_open=$(($(date +%s) - long_t0))
        break
    fi
    sleep 0.5
done
if [ -n "$seen_open" ] && [ "$seen_open" -le 15 ]; then
    ok "open TCP session visible after ${seen_open}s while still open"
else
    bad "open TCP session not visible within 15 s (seen: '${seen_open}')"
fi
# ... and so must its alert, raised from the open record, before it ends.
alert_live=""
for ((i = 0; i < 20; i++)); do
    kill -0 "$LONG_PID" 2>/dev/null || break
    if "$OTW" alerts --db "$DB1" --format json 2>/dev/null | python3 -c "
import json, sys
sys.exit(0 if any(a['kind'] == 'outbound_connected' and a['port'] == 9000
                  for a in (json.loads(l) for l in sys.stdin if l.strip())) else 1)"; then
        alert_live=yes
        break
    fi
    sleep 0.5
done
check "live: outbound_connected alert for the open connection while it is still open" \
    [ "$alert_live" = yes ]
wait "$LONG_PID"
sleep 7   # close linger (5 s) + a commit
n9000=$(sessions_json "$DB1" 'port.dst == 9000' | wc -l)
check "long connection: exactly one row after it closed (got $n9000)" [ "$n9000" -eq 1 ]
check "long connection: the final record replaced the open one" \
    bash -c "'$OTW' sessions --db '$DB1' --format json 'port.dst == 9000' | grep -q '\"otwatch.end_reason\":\"closed\"'"
stop_capture
check "SIGTERM: exit status 0 (got $CAP_RC)" [ "$CAP_RC" -eq 0 ]
check "stop log has the summary" grep -q "stopped:" "$T/cap1.log"
"$OTW" alerts --db "$DB1" --format json >"$T/alerts1.json" 2>/dev/null
check "live: one outbound_connected alert per server port (8080, 5300, 9000), counted per session" \
    python3 -c "
import json, sys
al = [json.loads(l) for l in open('$T/alerts1.json') if l.strip()]
got = {a['port']: a['count'] for a in al if a['kind'] == 'outbound_connected'}
want = {8080: 3, 5300: 2, 9000: 1}
print('alerts', got, 'want', want)
sys.exit(0 if all(got.get(p) == n for p, n in want.items()) else 1)"
kill -INT "$TD_PID"
wait "$TD_PID" 2>/dev/null

sessions_json "$DB1" >"$T/s1.json"
tshark -r "$T/td.pcap" -n -T fields -E separator='|' -E occurrence=f \
    -e ip.proto -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e udp.srcport \
    -e udp.dstport -e icmp.type -Y ip >"$T/td.txt" 2>/dev/null
python3 - "$T/td.txt" "$T/s1.json" >"$T/cmp.txt" <<'EOF'
import json, sys
def key(proto, a, ap, b, bp):
    return (proto,) + tuple(sorted([(a, ap), (b, bp)]))
ref = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("|")
    proto, src, dst = int(f[0]), f[1], f[2]
    if proto == 6:
        k = key("tcp", src, int(f[3]), dst, int(f[4]))
    elif proto == 17:
        k = key("udp", src, int(f[5]), dst, int(f[6]))
    elif proto == 1 and f[7] in ("0", "8"):
        k = key("icmp-echo", src, 0, dst, 0)
    else:
        continue
    ref[k] = ref.get(k, 0) + 1
got, rows = {}, {}
for line in open(sys.argv[2]):
    s = json.loads(line)
    t = s["network.transport"]
    if t in ("tcp", "udp"):
        k = key(t, s["source.ip"], s["source.port"], s["destination.ip"], s["destination.port"])
    elif t == "icmp" and s.get("otwatch.icmp.type") in (0, 8):
        k = key("icmp-echo", s["source.ip"], 0, s["destination.ip"], 0)
    else:
        continue
    got[k] = got.get(k, 0) + s["source.packets"] + s["destination.packets"]
    rows[k] = rows.get(k, 0) + 1
bad = 0
for k in sorted(ref):
    g = got.get(k)
    st = "ok" if g == ref[k] and rows.get(k) == 1 else "MISMATCH"
    if st != "ok":
        bad += 1
    print(st, k, "tcpdump", ref[k], "otwatch", g, "rows", rows.get(k))
for k in sorted(set(got) - set(ref)):
    bad += 1
    print("EXTRA", k, got[k])
kinds = set(k[0] for k in ref)
print("kinds", " ".join(sorted(kinds)), "keys", len(ref), "bad", bad)
EOF
cat "$T/cmp.txt"
check "per-5-tuple packet counts equal tcpdump's, one row per session" \
    grep -q " bad 0$" "$T/cmp.txt"
check "tcp, udp and icmp sessions all compared" grep -q "^kinds icmp-echo tcp udp keys" "$T/cmp.txt"
check "http sessions: 3 closed on port 8080" \
    [ "$(sessions_json "$DB1" 'port.dst == 8080 && state == closed' | wc -l)" -eq 3 ]
check "udp sessions established on port 5300" \
    [ "$(sessions_json "$DB1" 'port.dst == 5300 && state == established' | wc -l)" -eq 2 ]
# otwatch pcap gives back exactly the packets tcpdump saw on the same
# interface for these sessions (bytes of every packet, in order).
"$OTW" pcap --db "$DB1" -o "$T/otw.pcap" "ip == $IPB && (port.dst == [8080, 5300, 9000] || ip.protocol == icmp)" \
    2>"$T/pcap.err"
check "otwatch pcap wrote a valid pcap" capinfos "$T/otw.pcap"
python3 - "$T/otw.pcap" "$T/td.pcap" "$IPB" >"$T/pcapcmp.txt" <<'EOF2'
import struct, sys
def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        out = []
        while True:
            h = f.read(16)
            if len(h) < 16:
                return out
            _, _, cap, _ = struct.unpack(e + "IIII", h)
            out.append(f.read(cap))
def wanted(pkt, ipb):
    # Ethernet + IPv4; to or from ipb; TCP 8080/5300/9000, UDP 5300, or ICMP
    if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
        return False
    ip = pkt[14:]
    src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
    if ipb not in (src, dst):
        return False
    proto, ihl = ip[9], (ip[0] & 15) * 4
    if proto == 1:
        return True
    if proto in (6, 17) and len(ip) >= ihl + 4:
        sp, dp = struct.unpack(">HH", ip[ihl:ihl + 4])
        return bool({sp, dp} & {8080, 5300, 9000})
    return False
ours = packets(sys.argv[1])
ref = [p for p in packets(sys.argv[2]) if wanted(p, sys.argv[3])]
print("otwatch", len(ours), "tcpdump", len(ref), "same" if ours == ref else "DIFFERENT")
EOF2
cat "$T/pcapcmp.txt"
check "otwatch pcap returns exactly tcpdump's packets of those sessions" grep -q " same$" "$T/pcapcmp.txt"
"$OTW" status --db "$DB1" --format json >"$T/status.json"
check "status: the interface with received > 0" python3 -c "
import json,sys
d = json.load(open('$T/status.json'))
i = [x for x in d['interfaces'] if x['interface'] == '$VB']
sys.exit(0 if i and i[0]['received'] > 0 and i[0]['dropped'] == 0 else 1)"
check "status: packet files counted" python3 -c "
import json,sys
d = json.load(open('$T/status.json'))
sys.exit(0 if d['packet_files'] and d['packet_files']['files'] > 0 else 1)"
"$OTW" status --db "$DB1" >"$T/status.txt"
check "status table lists the interface" grep -q "^$VB " "$T/status.txt"

# === 2. privilege drop to nobody (the default when there is no user otwatch) ===========
if getent passwd nobody >/dev/null && ! getent passwd otwatch >/dev/null; then
    D2=$T/nobody
    mkdir "$D2"
    chown nobody "$D2"
    if start_capture "$T/cap2.log" --db "$D2/run2.db" --pcap-dir "$D2/pcap"; then
        user=$(ps -o user= -p "$CAP_PID" | tr -d ' ')
        check "privilege drop: runs as nobody (ps says '$user')" [ "$user" = nobody ]
        check "privilege drop: log says so" grep -q "running as user nobody" "$T/cap2.log"
        A curl -s -o /dev/null http://$IPB:8080/
        sleep 1
        stop_capture
        check "privilege drop: SIGTERM exit 0 (got $CAP_RC)" [ "$CAP_RC" -eq 0 ]
        check "privilege drop: database owned by nobody" \
            [ "$(stat -c %U "$D2/run2.db")" = nobody ]
        check "privilege drop: the session was stored" \
            [ "$(sessions_json "$D2/run2.db" 'port.dst == 8080' | wc -l)" -eq 1 ]
        nfiles=$(find "$D2/pcap" -type f -user nobody -name '*.pcap*' | wc -l)
        check "privilege drop: packet files written as nobody ($nfiles)" [ "$nfiles" -gt 0 ]
    else
        bad "capture as nobody did not start"
    fi
else
    echo "note: privilege drop test skipped (user otwatch exists or no nobody)"
fi

# === 3. kill -9 under traffic, integrity, restart ======================================
DB3=$T/run3.db
touch "$T/traffic.on"
(
    while [ -e "$T/traffic.on" ]; do
        A curl -s -o /dev/null --max-time 2 http://$IPB:8080/ 2>/dev/null
        A python3 "$T/udp_client.py" $IPB 5300 1 2>/dev/null
    done
) &
TRAFFIC_PID=$!
PIDS+=("$TRAFFIC_PID")
if start_capture "$T/cap3.log" --db "$DB3" --user root; then
    sleep 10
    sessions_json "$DB3" | python3 -c '
import json, sys
for l in sys.stdin:
    s = json.loads(l)
    if s["otwatch.end_reason"] != "open":
        print(s["network.community_id"], s["event.start"])' | sort >"$T/before.txt"
    nbefore=$(wc -l <"$T/before.txt")
    kill -9 "$CAP_PID"
    wait "$CAP_PID" 2>/dev/null
    check "crash: sessions were committed before kill -9 ($nbefore)" [ "$nbefore" -gt 5 ]
    check "crash: PRAGMA integrity_check is ok" \
        [ "$(sqlite3 "$DB3" 'PRAGMA integrity_check')" = ok ]
    sessions_json "$DB3" | python3 -c '
import json, sys
for l in sys.stdin:
    s = json.loads(l)
    print(s["network.community_id"], s["event.start"])' | sort >"$T/after.txt"
    missing=$(comm -23 "$T/before.txt" "$T/after.txt" | wc -l)
    check "crash: every session committed before the kill is there (missing $missing)" \
        [ "$missing" -eq 0 ]
    restart_t=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    sleep 1
    if start_capture "$T/cap4.log" --db "$DB3" --user root; then
        sleep 8
        nnew=$(sessions_json "$DB3" --since "$restart_t" 'port.dst == 8080' | wc -l)
        check "crash: after restart capture goes on ($nnew new http sessions)" [ "$nnew" -gt 0 ]
        stop_capture
        check "crash: restarted capture stops with exit 0 (got $CAP_RC)" [ "$CAP_RC" -eq 0 ]
        check "crash: integrity_check ok after the restart" \
            [ "$(sqlite3 "$DB3" 'PRAGMA integrity_check')" = ok ]
    else
        bad "restart after kill -9 did not start"
    fi
else
    bad "capture for the crash test did not start"
fi
rm -f "$T/traffic.on"
wait "$TRAFFIC_PID" 2>/dev/null

# === 4. configuration file; the command line overrides it =============================
cat >"$T/otwatch.conf" <<EOF
# test configuration
interface = otwc-nonexistent
db = $T/from-config.db
filter = "tcp port 8080"
stats-interval = 5
parsers = no
EOF
if start_capture "$T/cap5.log" --config "$T/otwatch.conf" --user root; then
    check "config: settings file named in the log" grep -q "settings from $T/otwatch.conf" "$T/cap5.log"
    check "config: filter and parsers from the file" \
        grep -q "filter: (tcp port 8080); application parsers off" "$T/cap5.log"
    A curl -s -o /dev/null http://$IPB:8080/
    A python3 "$T/udp_client.py" $IPB 5300 1
    sleep 1
    stop_capture
    check "config: exit 0 (got $CAP_RC)" [ "$CAP_RC" -eq 0 ]
    check "config: db from the file; filter kept tcp 8080 only" \
        [ "$(sessions_json "$T/from-config.db" | wc -l)" -eq 1 ]
else
    bad "capture with a configuration file did not start"
fi

# === 5. drops are seen: otwatch stopped (SIGSTOP) with a 1 MB buffer under a ping flood ===
DB6=$T/drops.db
if start_capture "$T/cap6.log" --db "$DB6" --user root --buffer 1 --stats-interval 2; then
    kill -STOP "$CAP_PID"
    A timeout 3 ping -f -q $IPB >/dev/null 2>&1
    kill -CONT "$CAP_PID"
    wait_for "$T/cap6.log" "WARNING: $VB: [0-9]* packets dropped by the kernel" 10
    check "drops: a warning names the interface and the kernel drops" \
        grep -q "WARNING: $VB: [1-9][0-9]* packets dropped by the kernel" "$T/cap6.log"
    stop_capture
    check "drops: exit 0 (got $CAP_RC)" [ "$CAP_RC" -eq 0 ]
    check "drops: status shows dropped > 0" python3 -c "
import json, subprocess, sys
d = json.loads(subprocess.check_output(['$OTW', 'status', '--db', '$DB6', '--format', 'json']))
sys.exit(0 if d['interfaces'][0]['dropped'] > 0 else 1)"
    check "drops: the status table warns" bash -c "'$OTW' status --db '$DB6' | grep -q 'WARNING: packets were dropped'"
else
    bad "capture for the drop test did not start"
fi

# === 6. usage errors ====================================================================
"$OTW" capture --db "$T/x.db" >/dev/null 2>&1
check "no interface: exit 2" [ $? -eq 2 ]
printf 'interface = %s\nbogus = 1\n' $VB >"$T/bad.conf"
"$OTW" capture --config "$T/bad.conf" >/dev/null 2>"$T/badconf.err"
check "unknown config key: exit 2 with file:line" \
    bash -c "[ $? -eq 2 ] && grep -q 'bad.conf:2: unknown setting' '$T/badconf.err'"
B "$OTW" capture -i otwc-none --db "$T/x.db" --user root >/dev/null 2>"$T/noif.err"
check "missing interface: exit 1 with a clear message" \
    bash -c "[ $? -eq 1 ] && grep -q 'no such interface' '$T/noif.err'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
