#!/usr/bin/env bash
# tests/test_detect.sh - detection against the testbed's oracles (issue 6).
#
#   bash tests/test_detect.sh <otwatch-binary> <source-dir> [SCENARIO...]
#
# For every testbed/scenarios/NAME.expect with a `baseline` line: a fresh
# database learns the baseline's capture (learning mode), `otwatch baseline
# mode protecting`, then NAME's capture is imported and `otwatch alerts
# --format json --status all` must be exactly what the .expect lists: every
# `alert` line matched by an alert (kind, hosts, proto/port, key=value
# bounds) and every alert matched by a line (`noalert`: none at all).
# The settings the test writes come from the .expect: plant.timezone from
# `tz`, asset names and roles from `host`, maintenance windows from `window`
# and the flows they restrict from `restrict` (set with `otwatch baseline
# window set/rule`). The learning import itself must raise no alert where its
# .expect says `noalert`. The demo learns from its own first phases (cut
# with editcap at the phase boundary, `learn baseline phases=`).
# Then: importing a scenario again (--force) keeps the alerts and their
# counts; `alerts ack` / `resolve` change the status; a resolved alert does
# not absorb a new occurrence.
# Prints `ok - NAME` / `not ok - NAME` with every mismatch, then
# `N passed, N failed`; exits 1 when any check failed. Needs python3 and
# sqlite3; editcap (wireshark-common) for the demo.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_detect.sh OTWATCH-BINARY SOURCE-DIR [SCENARIO...]}")
SRC=$(realpath "${2:-$(dirname "$0")/..}")
shift 2 2>/dev/null || shift $#
ONLY=("$@")
SCN=$SRC/testbed/scenarios
CAP=$SRC/tests/testbed
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-detect.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

PASS=0 FAIL=0
for t in python3 sqlite3; do
    command -v "$t" >/dev/null 2>&1 || { echo "not ok - setup: $t is missing"; echo "0 passed, 1 failed"; exit 1; }
done

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /'; FAIL=$((FAIL + 1)); }

# The .expect reader and the matcher.
cat >"$W/expect.py" <<'EOF'
import ipaddress, json, re, sys

def parse(path):
    e = {"hosts": {}, "roles": {}, "windows": {}, "restrict": [], "alerts": [],
         "noalert": False, "baseline": None, "learn": False, "phases": [], "tz": "+00:00",
         "learn_phases": None}
    for raw in open(path, encoding="utf-8"):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        k, a = line[0], line[1:]
        if k == "host":
            e["hosts"][a[0]] = a[1]
            e["roles"][a[0]] = a[2].replace("-", " ")
        elif k == "tz":
            e["tz"] = a[0]
        elif k == "window":
            e["windows"][a[0]] = a[1]
        elif k == "restrict":
            e["restrict"].append(a)
        elif k == "alert":
            e["alerts"].append(a)
        elif k == "noalert":
            e["noalert"] = True
        elif k == "baseline":
            e["baseline"] = a[0]
        elif k == "learn":
            e["learn"] = True
            for w in a[1:]:
                if w.startswith("phases="):
                    e["learn_phases"] = w[7:].split(",")
        elif k == "phase":
            e["phases"].append(a[0])
        elif k == "scenario":
            e["name"] = a[0]
        elif k == "capture":
            e["capture"] = a[0]
    return e

def host(e, s):
    return e["hosts"].get(s, s)

PP = re.compile(r"^(tcp|udp|icmp|sctp|\d+)/\d+$")

def settings(e):
    out = ["plant.timezone = %s" % e["tz"]]
    for n, ip in e["hosts"].items():
        out.append('asset = %s name=%s role="%s"' % (ip, n, e["roles"][n]))
    return "\n".join(out) + "\n"

def split_alert(e, a):
    kind, rest = a[0], a[1:]
    src = host(e, rest[0]) if rest else None
    dst = pp = None
    kv = {}
    for w in rest[1:]:
        if "=" in w:
            k, v = w.split("=", 1)
            kv[k] = v
        elif PP.match(w):
            pp = w
        else:
            dst = host(e, w)
    return kind, src, dst, pp, kv

def in_net(ip, net):
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(net, strict=False)
    except ValueError:
        return False

def alert_ports(al):
    ports = set()
    if al.get("proto") and al.get("port"):
        ports.add("%s/%s" % (al["proto"], al["port"]))
    d = al.get("detail", {})
    for p in str(d.get("ports", "")).split(","):
        if p:
            ports.add(p)
    return ports

def targets(al):
    t = [x for x in str(al.get("detail", {}).get("targets", "")).split(",") if x and x != "..."]
    return t or ([al["dst"]] if al.get("dst") else [])

def why_not(e, line, al):
    """None when the alert matches the .expect line, else the reason."""
    kind, src, dst, pp, kv = split_alert(e, line)
    d = al.get("detail", {})
    if al["kind"] != kind:
        return "kind"
    if src is not None and al.get("src") != src:
        return "src %s != %s" % (al.get("src"), src)
    if dst is not None:
        if "/" in dst:
            t = targets(al)
            if not t or not all(in_net(x, dst) for x in t):
                return "targets %s not in %s" % (t, dst)
        elif al.get("dst") != dst:
            return "dst %s != %s" % (al.get("dst"), dst)
    if pp is not None and pp not in alert_ports(al):
        return "port %s not in %s" % (pp, sorted(alert_ports(al)))
    for k, v in kv.items():
        if k == "min_ports":
            if int(d.get("nports", 0)) < int(v):
                return "nports %s < %s" % (d.get("nports"), v)
        elif k == "min_sessions":
            if al["count"] < int(v):
                return "count %s < %s" % (al["count"], v)
        elif k == "min_bytes_each_way":
            if int(d.get("bytes_out", 0)) < int(v) or int(d.get("bytes_in", 0)) < int(v):
                return "bytes %s/%s < %s" % (d.get("bytes_out"), d.get("bytes_in"), v)
        elif k == "claimed":
            want = sorted(host(e, x) for x in v.split(","))
            got = sorted(x for x in str(d.get("claimed", "")).split(",") if x)
            if want != got:
                return "claimed %s != %s" % (got, want)
        elif k == "fc":
            want = sorted(v.split(","))
            got = sorted(x for x in str(d.get("fc", "")).split(",") if x)
            if want != got:
                return "fc %s != %s" % (got, want)
        elif k == "mac":
            if al.get("mac") != v and str(d.get("mac")) != v:
                return "mac %s != %s" % (al.get("mac"), v)
        elif str(d.get(k)) != v:
            return "%s=%s != %s" % (k, d.get(k), v)
    return None

def show(al):
    pp = "%s/%s" % (al.get("proto"), al.get("port")) if al.get("port") else (al.get("proto") or "")
    return "%s %s -> %s %s count=%s %s" % (al["kind"], al.get("src_label") or al.get("src"),
                                           al.get("dst_label") or al.get("dst"), pp,
                                           al["count"], json.dumps(al.get("detail", {})))

def match(e, alerts):
    """Mismatch messages: lines no alert matches, alerts no line matches."""
    msgs = []
    used = set()
    for line in e["alerts"]:
        hit = [i for i, al in enumerate(alerts) if why_not(e, line, al) is None]
        if not hit:
            near = [(why_not(e, line, al), al) for al in alerts
                    if al["kind"] == split_alert(e, line)[0]]
            msg = "missing: alert %s" % " ".join(line)
            for r, al in near[:3]:
                msg += "\n    nearest: %s (%s)" % (show(al), r)
            msgs.append(msg)
        used.update(hit)
    for i, al in enumerate(alerts):
        if i not in used:
            msgs.append("unexpected: %s\n    %s" % (show(al), al["text"]["en"]))
    return msgs

if __name__ == "__main__":
    cmd = sys.argv[1]
    e = parse(sys.argv[2])
    if cmd == "settings":
        sys.stdout.write(settings(e))
    elif cmd == "field":
        v = e.get(sys.argv[3])
        if isinstance(v, list):
            print("\n".join(" ".join(x) if isinstance(x, list) else x for x in v))
        elif isinstance(v, dict):
            print("\n".join("%s %s" % kv for kv in v.items()))
        elif v is not None and v is not False:
            print(v if v is not True else "yes")
    elif cmd == "host":
        print(host(e, sys.argv[3]))
    elif cmd == "match":
        alerts = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
        if e["noalert"] and not e["alerts"]:
            msgs = ["unexpected: %s\n    %s" % (show(al), al["text"]["en"]) for al in alerts]
        else:
            msgs = match(e, alerts)
        print("\n".join(msgs))
        sys.exit(1 if msgs else 0)
EOF
X() { python3 "$W/expect.py" "$@"; }

# Maintenance windows and what they restrict, from the .expect.
set_windows() {   # EXPECT DB
    local exp=$1 db=$2 name span client server port
    while read -r name span; do
        [ -n "$name" ] || continue
        "$OTW" baseline window set --db "$db" "$name" "daily $span" >/dev/null || return 1
    done < <(X field "$exp" windows)
    while read -r name client server port; do
        [ -n "$name" ] || continue
        local args=(--port "$port")
        [ "$client" = "*" ] || args+=(--client "$(X host "$exp" "$client")")
        [ "$server" = "*" ] || args+=(--server "$(X host "$exp" "$server")")
        "$OTW" baseline window rule --db "$db" "$name" "${args[@]}" >/dev/null || return 1
    done < <(X field "$exp" restrict)
}

alerts_json() {   # DB OUT
    "$OTW" alerts --db "$1" --status all --format json >"$2"
}

# judge NAME: prints mismatches, returns 0 when the alerts are right.
run_scenario() {
    local name=$1 exp=$SCN/$1.expect base db learn_cap judge_cap out
    base=$(X field "$exp" baseline)
    db=$W/$name.db
    X settings "$exp" >"$W/$name.conf"
    rm -f "$db"*
    learn_cap=$CAP/$base.pcap
    judge_cap=$CAP/$name.pcap
    if [ "$name" = demo ]; then
        # learn from the phases the .expect names, judge what follows
        cut_demo "$exp" || return 1
        learn_cap=$W/demo-learn.pcap
        judge_cap=$W/demo-judge.pcap
    fi
    set_windows "$exp" "$db" || { echo "could not set the maintenance windows"; return 1; }
    "$OTW" import -q --db "$db" --config "$W/$name.conf" "$learn_cap" >/dev/null || return 1
    "$OTW" baseline mode --db "$db" protecting >/dev/null || return 1
    "$OTW" import -q --db "$db" --config "$W/$name.conf" "$judge_cap" >/dev/null || return 1
    alerts_json "$db" "$W/$name.json" || return 1
    X match "$exp" "$W/$name.json"
}

# demo: packets before the first phase after the learned ones are learned.
cut_demo() {
    local exp=$1 first next
    command -v editcap >/dev/null 2>&1 || { echo "editcap is missing"; return 1; }
    next=$(python3 - "$exp" "$CAP/demo.pcap" <<'EOF'
import sys, subprocess, datetime
sys.path.insert(0, sys.argv[0].rsplit("/", 1)[0])
exp = open(sys.argv[1]).read().split("\n")
tz = "+00:00"; phases = []; learn = []
for l in exp:
    w = l.split("#")[0].split()
    if not w: continue
    if w[0] == "tz": tz = w[1]
    if w[0] == "phase": phases.append(w[1])
    if w[0] == "learn":
        for x in w[1:]:
            if x.startswith("phases="): learn = x[7:].split(",")
after = [p for p in phases if p not in learn]
first = subprocess.run(["capinfos", "-a", "-T", "-r", "-S", sys.argv[2]], capture_output=True, text=True).stdout.split()
t0 = float(first[-1])
sign = 1 if tz[0] == "+" else -1
off = sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
local0 = datetime.datetime.utcfromtimestamp(t0 + off)
h, m, s = map(int, after[0].split(":"))
cut = local0.replace(hour=h, minute=m, second=s) - datetime.timedelta(seconds=off)
print(int((cut - datetime.datetime(1970, 1, 1)).total_seconds()))
EOF
)
    [ -n "$next" ] || { echo "cannot find the demo's phase boundary"; return 1; }
    editcap -B "$(date -u -d "@$next" '+%Y-%m-%d %H:%M:%S')" "$CAP/demo.pcap" "$W/demo-learn.pcap" &&
        editcap -A "$(date -u -d "@$next" '+%Y-%m-%d %H:%M:%S')" "$CAP/demo.pcap" "$W/demo-judge.pcap"
}

# --- every scenario with a baseline ----------------------------------------------

for exp in "$SCN"/*.expect; do
    name=$(basename "$exp" .expect)
    if [ ${#ONLY[@]} -gt 0 ] && ! printf '%s\n' "${ONLY[@]}" | grep -qx "$name"; then
        continue
    fi
    if [ "$(X field "$exp" learn)" = yes ] && [ "$name" != demo ]; then
        # the learning capture itself: nothing but learning
        db=$W/learn-$name.db
        X settings "$exp" >"$W/$name.conf"
        set_windows "$exp" "$db" >/dev/null 2>&1
        if "$OTW" import -q --db "$db" --config "$W/$name.conf" "$CAP/$name.pcap" >/dev/null &&
            alerts_json "$db" "$W/learn-$name.json" &&
            msgs=$(X match "$exp" "$W/learn-$name.json"); then
            ok "$name: learning raises no alert"
        else
            notok "$name: learning raises no alert" "$msgs"
        fi
    fi
    [ -n "$(X field "$exp" baseline)" ] || [ "$name" = demo ] || continue
    if msgs=$(run_scenario "$name" 2>&1); then
        ok "$name: alerts as $name.expect says ($(wc -l <"$W/$name.json") alerts)"
    else
        notok "$name: alerts as $name.expect says" "$msgs"
    fi
done

# --- importing again, acknowledging, resolving ------------------------------------

if [ ${#ONLY[@]} -eq 0 ] && [ -f "$W/scan_ssh.json" ]; then
    db=$W/scan_ssh.db
    summary() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l); print(a["kind"], a["src"], a["dst"], a["port"], a["count"], a["status"])
' "$1" | sort; }
    "$OTW" import -q --force --db "$db" --config "$W/scan_ssh.conf" "$CAP/scan_ssh.pcap" >/dev/null
    alerts_json "$db" "$W/again.json"
    if [ "$(summary "$W/scan_ssh.json")" = "$(summary "$W/again.json")" ] && [ -s "$W/again.json" ]; then
        ok "import --force again: same alerts, same counts"
    else
        notok "import --force again: same alerts, same counts" \
            "$(diff <(summary "$W/scan_ssh.json") <(summary "$W/again.json"))"
    fi
    ev=$(sqlite3 "$db" "SELECT COUNT(*) FROM alert_evidence e LEFT JOIN sessions s ON s.uid = e.uid WHERE s.uid IS NULL")
    if [ "$ev" = 0 ]; then
        ok "evidence links point at stored sessions after --force"
    else
        notok "evidence links point at stored sessions after --force" "$ev dangling links"
    fi
    id=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][0]["id"])' "$W/again.json")
    "$OTW" alerts ack --db "$db" "$id" --by tester --note "looked at it" >/dev/null
    st=$("$OTW" alerts show --db "$db" "$id" --format json | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["status"], a["status_by"], a["status_note"])')
    if [ "$st" = "acknowledged tester looked at it" ]; then
        ok "alerts ack: status acknowledged, by and note kept"
    else
        notok "alerts ack: status acknowledged, by and note kept" "got: $st"
    fi
    n_open=$("$OTW" alerts --db "$db" --format json | wc -l)
    n_all=$(wc -l <"$W/again.json")
    if [ "$n_open" = $((n_all - 1)) ]; then
        ok "alerts (default --status open) leaves the acknowledged one out"
    else
        notok "alerts (default --status open) leaves the acknowledged one out" "open $n_open of $n_all"
    fi
    "$OTW" alerts resolve --db "$db" "$id" >/dev/null
    st=$("$OTW" alerts --db "$db" --status resolved --format json | python3 -c 'import json,sys; print([json.loads(l)["id"] for l in sys.stdin])')
    if [ "$st" = "[$id]" ]; then
        ok "alerts resolve: listed under --status resolved"
    else
        notok "alerts resolve: listed under --status resolved" "got: $st"
    fi
    # The same causes an hour later (another file): open alerts absorb them
    # (counts double), the resolved one absorbs nothing: a new one opens.
    if command -v editcap >/dev/null 2>&1; then
        editcap -t 3600 "$CAP/scan_ssh.pcap" "$W/later.pcap" >/dev/null
        "$OTW" import -q --db "$db" --config "$W/scan_ssh.conf" "$W/later.pcap" >/dev/null
        alerts_json "$db" "$W/later.json"
        msg=$(python3 - "$W/again.json" "$W/later.json" "$id" <<'EOF'
import json, sys
before = [json.loads(l) for l in open(sys.argv[1])]
after = [json.loads(l) for l in open(sys.argv[2])]
rid = int(sys.argv[3])
key = lambda a: (a["kind"], a["src"], a["dst"], a["port"])
byid = {a["id"]: a for a in after}
bad = []
for b in before:
    a = byid.get(b["id"])
    if a is None:
        bad.append("alert %d is gone" % b["id"]); continue
    if b["id"] == rid:
        if a["count"] != b["count"] or a["status"] != "resolved":
            bad.append("resolved alert %d changed: %s %s" % (rid, a["status"], a["count"]))
        new = [x for x in after if key(x) == key(b) and x["id"] != rid]
        if len(new) != 1 or new[0]["status"] != "open" or new[0]["count"] != b["count"]:
            bad.append("no new open alert for the resolved cause: %s" % new)
    elif a["count"] != 2 * b["count"]:
        bad.append("%s %s: count %d, expected %d" % (a["kind"], a["dst"], a["count"], 2 * b["count"]))
print("\n".join(bad))
EOF
)
        if [ -z "$msg" ]; then
            ok "the same causes again: open alerts count on, a resolved one stays closed"
        else
            notok "the same causes again: open alerts count on, a resolved one stays closed" "$msg"
        fi
    fi
    if "$OTW" alerts ack --db "$db" 999999 >/dev/null 2>&1; then
        notok "alerts ack of an unknown id fails" "exit 0"
    else
        ok "alerts ack of an unknown id fails"
    fi
    out=$("$OTW" alerts --db "$db" --status all --lang ja 2>&1)
    if printf '%s' "$out" | grep -q 'してください'; then
        ok "alerts --lang ja speaks Japanese"
    else
        notok "alerts --lang ja speaks Japanese" "$(printf '%s' "$out" | head -3)"
    fi
fi

# --- switching detection off -------------------------------------------------------

if [ ${#ONLY[@]} -eq 0 ]; then
    for how in --no-detect config; do
        db=$W/off-${how#--}.db
        cfg=$W/off.conf
        printf 'detect.enabled = %s\n' "$([ "$how" = config ] && echo no || echo yes)" >"$cfg"
        args=(--config "$cfg")
        [ "$how" = --no-detect ] && args+=(--no-detect)
        "$OTW" import -q --db "$db" "${args[@]}" "$CAP/c2_blocked.pcap" >/dev/null
        n=$(sqlite3 "$db" "SELECT (SELECT COUNT(*) FROM alerts) + (SELECT COUNT(*) FROM baseline_entries)" 2>&1)
        s=$(sqlite3 "$db" "SELECT COUNT(*) FROM sessions")
        if [ "$n" = 0 ] && [ "$s" -gt 0 ]; then
            ok "detection off ($how): sessions stored, no alert, nothing learned"
        else
            notok "detection off ($how): sessions stored, no alert, nothing learned" \
                "alerts + baseline entries: $n, sessions: $s"
        fi
    done
    printf 'detect.scan_min_port = 5\n' >"$W/typo.conf"
    if out=$("$OTW" import -q --db "$W/typo.db" --config "$W/typo.conf" "$CAP/normal.pcap" 2>&1); then
        notok "a misspelt detect.* setting is an error" "exit 0: $out"
    elif printf '%s' "$out" | grep -q "typo.conf:1: unknown setting 'detect.scan_min_port'"; then
        ok "a misspelt detect.* setting is an error naming its line"
    else
        notok "a misspelt detect.* setting is an error naming its line" "$out"
    fi
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
