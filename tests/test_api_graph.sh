#!/usr/bin/env bash
# tests/test_api_graph.sh - the connections graph API (GET /api/graph, issue 7)
# against a real `otwatch serve` on loopback, checked against independent
# counts.
#
#   bash tests/test_api_graph.sh <otwatch-binary> <source-dir>
#
# The database is tests/web/make-db.sh's (the testbed's normal capture
# learned and approved, then the scenario captures imported in protecting
# mode; users alice (admin) and victor (viewer)). The server listens on a
# free port of 18300-18389. Checks:
#   - nothing without login (401);
#   - the edges of scenario 1 (scan_ssh.pcap, selected by the expression
#     `file == *scan_ssh.pcap`) against tshark: every TCP connection (tshark's
#     tcp.stream) grouped by SYN sender, receiver and port gives the sessions
#     and frame bytes of the TCP edges; the bytes of every IP frame are the
#     bytes of all edges;
#   - every edge and host of the whole database against the sqlite3 tool's own
#     GROUP BY over the sessions table (sessions, bytes, first/last), so that
#     the aggregation, the default range (the last day of data) and the hide
#     toggles (ICMP, IPv6, multicast and broadcast by address or MAC) are
#     each checked against SQL the test writes itself;
#   - statuses: scenario 1's learned normal edges are baseline, its new ones
#     new or alerting, exactly as `otwatch baseline show` and `otwatch alerts`
#     (open alerts) say; hide=operational removes exactly the approved
#     operational communications of `otwatch baseline show`;
#   - an expression filters (port.dst == 502), each edge's "expr" selects its
#     sessions in `otwatch sessions`, weight=bytes orders by bytes, limit
#     truncates to the heaviest edges and says so;
#   - the hourly table graph_hours equals the sessions grouped per hour,
#     also after `import --force` and after records are updated (as live
#     capture replaces open sessions) and deleted;
#   - bad arguments get 400 with the right error code; SQL metacharacters in
#     an expression are harmless.
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`; exits 1
# when any check failed. Needs curl, python3, sqlite3 and tshark. No timing
# is checked (bench/web.sh measures).
set -u

OTW=$(realpath "${1:?usage: test_api_graph.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_api_graph.sh OTWATCH-BINARY SOURCE-DIR}")
# shellcheck source=web/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/web/lib.sh"
web_init apigraph curl python3 sqlite3 tshark

# --- the database and the server ---------------------------------------------
make_db
SCAN=$SRC/tests/testbed/scan_ssh.pcap
# 18390-18399 are bench/web.sh's
start_server 18300 18389 --db "$DB" --config "$CONF"

# graph OUT ARG=VALUE...: GET /api/graph as victor (the viewer), arguments
# URL-encoded; the body goes to $W/OUT, the status to CODE.
graph() {
    local out=$1 a args=()
    shift
    for a in "$@"; do args+=(--data-urlencode "$a"); done
    CODE=$(curl -s -G -o "$W/$out" -w '%{http_code}' -b "$W/victor.jar" "${args[@]}" \
        "$BASE/api/graph")
}
ALL=(since=0 until=9000000000000000 limit=10000)

t_login_needed() {
    CODE=$(curl -s -o "$W/anon" -w '%{http_code}' "$BASE/api/graph")
    eq "$CODE" 401 "status without login" || return 1
    grep -q '"nodes"' "$W/anon" && fail "the graph was served without login"
    return 0
}
check "nothing without login" t_login_needed

check "the viewer logs in" login victor victor victor-web-pass-1

# The independent checks are in Python: json in, messages out.
PY=$W/check.py
cat >"$PY" <<'EOF'
import collections, ipaddress, json, subprocess, sys

PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58, "sctp": 132, "igmp": 2, "gre": 47,
         "esp": 50, "ah": 51, "ospf": 89, "pim": 103, "vrrp": 112}

def load(path):
    return json.load(open(path))

def ip16(s):
    a = ipaddress.ip_address(s)
    return (ipaddress.IPv6Address("::ffff:" + s) if a.version == 4 else a).packed

def key(e):
    return (e["source"], e["target"], e["proto"], e["port"], e["app"])

def die(msg):
    print(msg)
    sys.exit(1)

def shape(g):
    """every edge's ends are hosts; hosts total their edges; statuses known"""
    nodes = {n["id"]: n for n in g["nodes"]}
    tot = collections.Counter()
    for e in g["edges"]:
        if e["source"] not in nodes or e["target"] not in nodes:
            die("edge %s has an end that is not a host" % e["id"])
        if e["status"] not in ("baseline", "new", "alerting"):
            die("edge %s: status %r" % (e["id"], e["status"]))
        tot[e["source"]] += e["sessions"]
        if e["target"] != e["source"]:
            tot[e["target"]] += e["sessions"]
    if not g["truncated"]:
        for n in g["nodes"]:
            if n["sessions"] != tot[n["id"]]:
                die("host %s: %d sessions, its edges say %d" % (n["id"], n["sessions"], tot[n["id"]]))
    for n in g["nodes"]:
        if n["status"] not in ("baseline", "new", "alerting"):
            die("host %s: status %r" % (n["id"], n["status"]))

def sql_edges(db, since, until, where="1"):
    """the test's own aggregation of the sessions table"""
    q = ("SELECT hex(src_ip), hex(dst_ip), proto,"
         " CASE WHEN proto IN (6, 17, 132) THEN dst_port ELSE 0 END, trim(protocols),"
         " count(*), sum(src_bytes + dst_bytes), min(start_us), max(end_us) FROM sessions"
         " WHERE start_us >= %d AND start_us < %d AND (%s) GROUP BY 1, 2, 3, 4, 5"
         % (since, until, where))
    out = subprocess.run(["sqlite3", "-separator", "|", db, q], capture_output=True, text=True,
                         check=True).stdout
    res = {}
    for line in out.splitlines():
        s, d, p, port, app, n, b, f, l = line.split("|")
        def txt(h):
            raw = bytes.fromhex(h)
            a = ipaddress.IPv6Address(raw)
            return str(a.ipv4_mapped) if a.ipv4_mapped else str(a)
        res[(txt(s), txt(d), int(p), int(port), app)] = (int(n), int(b), int(f), int(l))
    return res

def same_edges(g, expect, what):
    got = {key(e): (e["sessions"], e["bytes"], e["first_us"], e["last_us"]) for e in g["edges"]}
    if got != expect:
        miss = [k for k in expect if k not in got][:3]
        extra = [k for k in got if k not in expect][:3]
        diff = [(k, got[k], expect[k]) for k in got if k in expect and got[k] != expect[k]][:3]
        die("%s: %d edges, expected %d; missing %s; extra %s; differ %s"
            % (what, len(got), len(expect), miss, extra, diff))

# ---- SQL conditions of the hide classes (blob bytes as hex) ----
V4 = "substr(hex(%s), 1, 24) = '00000000000000000000FFFF'"
HIDE_SQL = {
    "icmp": "proto IN (1, 58)",
    "ipv6": "NOT (" + V4 % "src_ip" + ")",
    "multicast": "((" + V4 % "dst_ip" + " AND substr(hex(dst_ip), 25, 1) = 'E')"
                 " OR (NOT (" + V4 % "dst_ip" + ") AND substr(hex(dst_ip), 1, 2) = 'FF')"
                 " OR (length(dst_mac) = 6 AND instr('13579BDF', substr(hex(dst_mac), 2, 1)) > 0"
                 " AND hex(dst_mac) != 'FFFFFFFFFFFF'))",
    "broadcast": "(hex(dst_ip) = '00000000000000000000FFFFFFFFFFFF'"
                 " OR hex(dst_mac) = 'FFFFFFFFFFFF')",
}

def baseline_best(db, otw):
    """(client, server, proto, port) -> best rank: status rank * 2 + category"""
    out = subprocess.run([otw, "baseline", "show", "--db", db, "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    srank = {"approved": 0, "learned": 1, "new": 2}
    best = {}
    for line in out.splitlines():
        if not line.strip():
            continue
        b = json.loads(line)
        t = b["transport"]
        k = (b["client"], b["server"], PROTO[t] if t in PROTO else int(t), b["port"])
        r = srank[b["status"]] * 2 + (b["category"] == "maintenance")
        best[k] = min(best.get(k, 99), r)
    return best

def open_alerts(db, otw):
    out = subprocess.run([otw, "alerts", "--db", db, "--format", "json", "--status", "open"],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]

def expected_status(e, best, alerts):
    for a in alerts:
        s, d = a.get("src"), a.get("dst")
        if not s or not d or s == "-" or d == "-":
            continue
        if {s, d} != {e["source"], e["target"]} or not (
                (s == e["source"] and d == e["target"]) or (s == e["target"] and d == e["source"])):
            continue
        ap = a.get("proto")
        if ap and (PROTO[ap] if ap in PROTO else int(ap)) != e["proto"]:
            continue
        if a.get("port") and a["port"] != e["port"]:
            continue
        return "alerting"
    r = best.get((e["source"], e["target"], e["proto"], e["port"]))
    return "baseline" if r is not None and r // 2 <= 1 else "new"

def main():
    cmd = sys.argv[1]
    if cmd == "shape":
        shape(load(sys.argv[2]))
    elif cmd == "tshark":
        # scan_ssh.pcap: tcp streams grouped by SYN sender / receiver / port
        g = load(sys.argv[2])
        out = subprocess.run(
            ["tshark", "-r", sys.argv[3], "-T", "fields", "-E", "separator=|",
             "-e", "frame.len", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
             "-e", "tcp.stream", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack", "-e", "tcp.dstport"],
            capture_output=True, text=True, check=True).stdout
        streams = {}
        ipbytes = 0
        for line in out.splitlines():
            ln, s4, d4, s6, d6, st, syn, ack, dport = line.split("|")
            src, dst = (s4, d4) if s4 else (s6, d6)
            if not src:
                continue            # not IP (ARP, LLDP ...)
            ipbytes += int(ln)
            if st == "":
                continue
            x = streams.setdefault(st, {"bytes": 0, "key": None})
            x["bytes"] += int(ln)
            if syn in ("1", "True") and ack in ("0", "False") and x["key"] is None:
                x["key"] = (src.split(",")[0], dst.split(",")[0], 6, int(dport))
        exp = collections.defaultdict(lambda: [0, 0])
        for x in streams.values():
            if x["key"] is None:
                die("a TCP stream without a SYN in the capture: the check assumes none")
            exp[x["key"]][0] += 1
            exp[x["key"]][1] += x["bytes"]
        got = collections.defaultdict(lambda: [0, 0])
        for e in g["edges"]:
            if e["proto"] == 6:
                k = (e["source"], e["target"], 6, e["port"])
                got[k][0] += e["sessions"]
                got[k][1] += e["bytes"]
        if dict(got) != dict(exp):
            diff = [(k, got.get(k), exp.get(k)) for k in set(got) | set(exp)
                    if got.get(k) != exp.get(k)][:4]
            die("TCP edges differ from tshark (%d vs %d): %s" % (len(got), len(exp), diff))
        total = sum(e["bytes"] for e in g["edges"])
        if total != ipbytes:
            die("bytes of all edges %d, tshark's IP frames %d" % (total, ipbytes))
        print("%d TCP edges, %d sessions, %d bytes" % (len(exp), sum(v[0] for v in exp.values()),
                                                        ipbytes))
    elif cmd == "sql":
        # sql GRAPH DB [HIDE,..] [WHERE]: the edges equal the test's own GROUP BY
        g = load(sys.argv[2])
        hides = [h for h in (sys.argv[4] if len(sys.argv) > 4 else "").split(",") if h]
        where = sys.argv[5] if len(sys.argv) > 5 else "1"
        conds = [where] + ["NOT " + HIDE_SQL[h] for h in hides]
        exp = sql_edges(sys.argv[3], g["since_us"], g["until_us"],
                        " AND ".join("(%s)" % c for c in conds))
        same_edges(g, exp, "hide=" + ",".join(hides))
        removed = sum(v[0] for v in sql_edges(sys.argv[3], g["since_us"], g["until_us"],
                                              "NOT (" + " AND ".join("(%s)" % c for c in conds)
                                              + ")").values()) if hides else 0
        if hides and removed == 0:
            die("hide=%s: the database has nothing to hide, the check proves nothing" % hides)
        print("%d edges (%d sessions hidden)" % (len(exp), removed))
    elif cmd == "hours":
        # graph_hours equals the test's own per-hour GROUP BY of the sessions
        db = sys.argv[2]
        mine = ("SELECT start_us / 3600000000, src_ip, dst_ip, proto,"
                " CASE WHEN proto IN (6, 17, 132) THEN dst_port ELSE 0 END, protocols,"
                " (CASE WHEN %s THEN 1 ELSE 0 END) + (CASE WHEN %s THEN 2 ELSE 0 END),"
                " count(*), sum(src_bytes + dst_bytes), min(start_us), max(end_us)"
                " FROM sessions GROUP BY 1, 2, 3, 4, 5, 6, 7"
                % (HIDE_SQL["multicast"], HIDE_SQL["broadcast"]))
        theirs = ("SELECT hour, src_ip, dst_ip, proto, port, protocols, dkind, sessions, bytes,"
                  " first_us, last_us FROM graph_hours")
        q = ("SELECT (SELECT count(*) FROM (%s EXCEPT %s)), (SELECT count(*) FROM (%s EXCEPT %s)),"
             " (SELECT count(*) FROM graph_hours)" % (mine, theirs, theirs, mine))
        out = subprocess.run(["sqlite3", db, q], capture_output=True, text=True, check=True).stdout
        a, b, n = (int(x) for x in out.strip().split("|"))
        if a or b or not n:
            die("graph_hours: %d rows missing or different, %d extra (of %d)" % (a, b, n))
        print("%d hourly rows agree" % n)
    elif cmd == "lastday":
        g = load(sys.argv[2])
        mx = int(subprocess.run(["sqlite3", sys.argv[3], "SELECT max(start_us) FROM sessions"],
                                capture_output=True, text=True, check=True).stdout)
        if g["until_us"] != mx + 1 or g["since_us"] != mx + 1 - 86400 * 10**6:
            die("range [%d, %d), expected the last day before %d" % (g["since_us"],
                                                                    g["until_us"], mx + 1))
    elif cmd == "status":
        g = load(sys.argv[2])
        best = baseline_best(sys.argv[3], sys.argv[4])
        alerts = open_alerts(sys.argv[3], sys.argv[4])
        c = collections.Counter()
        for e in g["edges"]:
            want = expected_status(e, best, alerts)
            if e["status"] != want:
                die("edge %s is %s, expected %s" % (e["id"], e["status"], want))
            c[e["status"]] += 1
        # hosts: named by an open alert; else known to the baseline (a device
        # of the learning period, read with sqlite3, or an end of an approved
        # or learned entry); else new
        out = subprocess.run(["sqlite3", sys.argv[3],
                              "SELECT DISTINCT hex(ip) FROM baseline_devices WHERE kind != 0"],
                             capture_output=True, text=True, check=True).stdout
        known = set()
        for h in out.split():
            a = ipaddress.IPv6Address(bytes.fromhex(h))
            known.add(str(a.ipv4_mapped) if a.ipv4_mapped else str(a))
        out = subprocess.run([sys.argv[4], "baseline", "show", "--db", sys.argv[3], "--format",
                              "json"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            b = json.loads(line) if line.strip() else None
            if b and b["status"] in ("approved", "learned"):
                known.update((b["client"], b["server"]))
        named = {x for a in alerts for x in (a.get("src"), a.get("dst")) if x and x != "-"}
        for n in g["nodes"]:
            want = "alerting" if n["ip"] in named else "baseline" if n["ip"] in known else "new"
            if n["status"] != want:
                die("host %s is %s, expected %s" % (n["ip"], n["status"], want))
        wanted = {"baseline": ("192.168.10.20", "192.168.10.30", 6, 502),
                  "baseline ": ("192.168.10.10", "192.168.10.20", 6, 20295)}
        for st, k in wanted.items():
            if not any((e["source"], e["target"], e["proto"], e["port"]) == k
                       and e["status"] == st.strip() for e in g["edges"]):
                die("the learned edge %s is not %s" % (k, st.strip()))
        v = [e for e in g["edges"] if (e["source"], e["target"], e["port"]) ==
             ("203.0.113.10", "192.168.10.40", 22)]
        if not v or v[0]["status"] == "baseline":
            die("vendor -> maint tcp/22 is not new or alerting: %s" % v)
        scan = [e for e in g["edges"] if e["source"] == "192.168.10.40"
                and e["status"] == "new"]
        if len(scan) < 50:
            die("only %d new edges from maint (the port scan)" % len(scan))
        print(dict(c))
    elif cmd == "operational":
        g0, g1 = load(sys.argv[2]), load(sys.argv[3])
        best = baseline_best(sys.argv[4], sys.argv[5])
        gone = {key(e) for e in g0["edges"]} - {key(e) for e in g1["edges"]}
        want = {key(e) for e in g0["edges"]
                if best.get((e["source"], e["target"], e["proto"], e["port"])) == 0}
        if not want:
            die("no approved operational edge to hide: the check proves nothing")
        if gone != want:
            die("hidden %d edges, expected %d: %s" % (len(gone), len(want),
                                                      list(gone ^ want)[:3]))
        kept = {key(e): e for e in g1["edges"]}
        for e in g0["edges"]:
            if key(e) in kept and kept[key(e)]["sessions"] != e["sessions"]:
                die("edge %s changed" % e["id"])
        print("%d approved operational edges hidden" % len(want))
    elif cmd == "filter":
        g, gall = load(sys.argv[2]), load(sys.argv[3])
        want = {key(e): e["sessions"] for e in gall["edges"] if e["proto"] == 6 and e["port"] == 502}
        got = {key(e): e["sessions"] for e in g["edges"]}
        if not want or got != want:
            die("port.dst == 502: %s, expected %s" % (got, want))
    elif cmd == "order":
        g, top = load(sys.argv[2]), load(sys.argv[3])
        w = [e["bytes"] for e in g["edges"]]
        if w != sorted(w, reverse=True):
            die("weight=bytes: edges not in bytes order")
        if [key(e) for e in top["edges"]] != [key(e) for e in g["edges"][:5]]:
            die("limit=5 is not the 5 heaviest")
        if not top["truncated"] or top["edges_total"] != len(g["edges"]):
            die("limit=5: truncated %s, edges_total %s" % (top["truncated"], top["edges_total"]))
        if g["truncated"]:
            die("the full graph says truncated")
    elif cmd == "exprs":
        # each edge's expr selects its sessions in `otwatch sessions`
        g = load(sys.argv[2])
        db, otw = sys.argv[3], sys.argv[4]
        picked = {}
        for e in g["edges"]:
            kind = (e["proto"], bool(e["app"]))
            picked.setdefault(kind, e)
        for e in list(picked.values())[:8]:
            out = subprocess.run([otw, "sessions", "--db", db, "--format", "json",
                                  "file == *scan_ssh.pcap && (" + e["expr"] + ")"],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                die("otwatch sessions %r: %s" % (e["expr"], out.stderr.strip()))
            n = sum(1 for l in out.stdout.splitlines() if l.strip())
            if n != e["sessions"]:
                die("%r selects %d sessions, the edge has %d" % (e["expr"], n, e["sessions"]))
        print("%d edge expressions" % len(picked))

main()
EOF

# --- the default range ---------------------------------------------------------
t_default() {
    graph default.json
    eq "$CODE" 200 "status" || return 1
    python3 "$PY" lastday "$W/default.json" "$DB" >"$W/msg" || fail "$(cat "$W/msg")" || return 1
    python3 "$PY" shape "$W/default.json" >"$W/msg" || fail "$(cat "$W/msg")" || return 1
    python3 "$PY" sql "$W/default.json" "$DB" >"$W/msg" || fail "$(cat "$W/msg")"
}
check "default range is the last day of data; edges as SQL groups them" t_default

# --- scenario 1 against tshark ---------------------------------------------------
t_tshark() {
    graph scan.json "${ALL[@]}" 'expr=file == *scan_ssh.pcap'
    eq "$CODE" 200 "status" || return 1
    python3 "$PY" shape "$W/scan.json" >"$W/msg" || fail "$(cat "$W/msg")" || return 1
    python3 "$PY" tshark "$W/scan.json" "$SCAN" >"$W/msg" || fail "$(cat "$W/msg")" || return 1
    python3 "$PY" sql "$W/scan.json" "$DB" "" \
        "file_id IN (SELECT id FROM files WHERE path GLOB '*scan_ssh.pcap')" >"$W/msg" ||
        fail "$(cat "$W/msg")"
}
check "scenario 1: TCP edges and bytes equal tshark's count" t_tshark

t_status() {
    python3 "$PY" status "$W/scan.json" "$DB" "$OTW" >"$W/msg" || fail "$(cat "$W/msg")"
}
check "scenario 1: learned edges baseline, new ones new or alerting; hosts likewise" \
    t_status

t_exprs() {
    python3 "$PY" exprs "$W/scan.json" "$DB" "$OTW" >"$W/msg" || fail "$(cat "$W/msg")"
}
check "each edge's expression selects its sessions (otwatch sessions)" t_exprs

# --- hide toggles -----------------------------------------------------------------
graph all.json "${ALL[@]}"
for h in icmp ipv6 multicast broadcast; do
    eval "t_hide_$h() {
        graph hide-$h.json \"\${ALL[@]}\" hide=$h
        eq \"\$CODE\" 200 status || return 1
        python3 \"\$PY\" sql \"\$W/hide-$h.json\" \"\$DB\" $h >\"\$W/msg\" || fail \"\$(cat \"\$W/msg\")\"
    }"
    check "hide=$h removes exactly its sessions" "t_hide_$h"
done
t_hide_all() {
    graph hide-all.json "${ALL[@]}" hide=icmp,ipv6,multicast,broadcast
    eq "$CODE" 200 status || return 1
    python3 "$PY" sql "$W/hide-all.json" "$DB" icmp,ipv6,multicast,broadcast >"$W/msg" ||
        fail "$(cat "$W/msg")"
}
check "the four hide toggles together" t_hide_all
t_hide_ops() {
    graph hide-ops.json "${ALL[@]}" hide=operational
    eq "$CODE" 200 status || return 1
    python3 "$PY" operational "$W/all.json" "$W/hide-ops.json" "$DB" "$OTW" >"$W/msg" ||
        fail "$(cat "$W/msg")"
}
check "hide=operational removes exactly the approved operational edges" t_hide_ops

# --- expression, weight, limit ---------------------------------------------------------
t_filter() {
    graph f502.json "${ALL[@]}" 'expr=port.dst == 502'
    eq "$CODE" 200 status || return 1
    python3 "$PY" filter "$W/f502.json" "$W/all.json" >"$W/msg" || fail "$(cat "$W/msg")"
}
check "an expression filters the sessions" t_filter
t_order() {
    graph bytes.json "${ALL[@]}" weight=bytes
    graph top5.json since=0 until=9000000000000000 weight=bytes limit=5
    eq "$CODE" 200 status || return 1
    python3 "$PY" order "$W/bytes.json" "$W/top5.json" >"$W/msg" || fail "$(cat "$W/msg")"
}
check "weight=bytes orders by bytes; limit keeps the heaviest and says truncated" t_order

# --- bad input ---------------------------------------------------------------------------
# bad ARG=VALUE CODE [ERROR-CODE]
bad() {
    local arg=$1 want=$2 ecode=${3:-bad_argument}
    graph bad.json "$arg"
    eq "$CODE" "$want" "$arg" || return 1
    grep -q "\"code\": *\"$ecode\"" "$W/bad.json" || fail "$arg: no $ecode error: $(head -c 300 "$W/bad.json")"
}
t_bad() {
    bad weight=packets 400 || return 1
    bad hide=icmp,smtp 400 || return 1
    bad limit=0 400 || return 1
    bad limit=abc 400 || return 1
    bad limit=10001 400 || return 1
    bad since=yesterday 400 || return 1
    bad 'expr=ip.scr == 1.2.3.4' 400 query_syntax || return 1
    bad 'expr=port.dst = 502' 400 query_syntax || return 1
    graph bad.json since=2000 until=1000
    eq "$CODE" 400 "since after until"
}
check "bad arguments: 400 with the error code" t_bad
t_sql_meta() {
    local before after
    before=$(sqlite3 "$DB" 'SELECT count(*) FROM sessions')
    bad "expr=ip.src == 1.2.3.4'; DROP TABLE sessions; --" 400 query_syntax || return 1
    graph meta.json "${ALL[@]}" "expr=file == \"x'); DROP TABLE sessions; --\""
    eq "$CODE" 200 "a quoted string with SQL in it" || return 1
    grep -q '"edges": *\[\]' "$W/meta.json" || fail "a file named so matched: $(head -c 200 "$W/meta.json")" || return 1
    after=$(sqlite3 "$DB" 'SELECT count(*) FROM sessions')
    eq "$after" "$before" "sessions after"
}
check "SQL metacharacters in an expression are harmless" t_sql_meta

# --- the hourly table stays exact ------------------------------------------------------
t_hours() {
    python3 "$PY" hours "$DB" >"$W/msg" || fail "$(cat "$W/msg")"
}
check "graph_hours equals the sessions grouped per hour" t_hours
t_force() {
    "$OTW" import --force -q --db "$DB" --config "$CONF" "$SCAN" >"$W/force.out" 2>&1 ||
        fail "import --force: $(tail -2 "$W/force.out")" || return 1
    python3 "$PY" hours "$DB" >"$W/msg" || fail "after import --force: $(cat "$W/msg")" || return 1
    graph force.json "${ALL[@]}"
    eq "$CODE" 200 status || return 1
    python3 "$PY" sql "$W/force.json" "$DB" >"$W/msg" || fail "$(cat "$W/msg")"
}
check "import --force: the hourly table and the graph stay exact" t_force
t_update() {
    # what live capture does to a record still open: the same row, later end,
    # more bytes, a protocol found, a new MAC; and a record deleted
    sqlite3 "$DB" "UPDATE sessions SET end_us = end_us + 7000000, dst_bytes = dst_bytes + 1000,
        protocols = ' modbus ' WHERE id IN (SELECT id FROM sessions ORDER BY id LIMIT 40);
        UPDATE sessions SET dst_mac = x'01005e000001' WHERE id IN (SELECT id FROM sessions
        WHERE proto = 6 ORDER BY id DESC LIMIT 3);
        UPDATE sessions SET start_us = start_us - 3600000000 WHERE id = (SELECT max(id) FROM sessions);
        DELETE FROM sessions WHERE id IN (SELECT id FROM sessions ORDER BY start_us LIMIT 5);" ||
        fail "sqlite3 update" || return 1
    python3 "$PY" hours "$DB" >"$W/msg" || fail "after updates: $(cat "$W/msg")" || return 1
    graph upd.json "${ALL[@]}" hide=multicast
    eq "$CODE" 200 status || return 1
    python3 "$PY" sql "$W/upd.json" "$DB" multicast >"$W/msg" || fail "$(cat "$W/msg")"
}
check "updated and deleted records (live capture): the graph stays exact" t_update

t_alive() {
    graph end.json
    eq "$CODE" 200 "the server still answers"
}
check "the server is still up" t_alive

finish
