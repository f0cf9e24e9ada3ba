#!/usr/bin/env python3
"""Golden test: otwatch's sessions against tshark's conversations.

For every capture given, imports it into a fresh database and compares the
TCP and UDP sessions with what tshark sees in the same file:

  * conversations and frames per direction from `tshark -q -z conv,tcp -z conv,udp`
    (tshark prints frame counts exactly but abbreviates bytes: "349 kB");
  * exact bytes per direction by summing frame.len of tshark's per-frame
    dissection of the same conversations (`-T fields`).

otwatch records of one split session (idle timeout, maximum length) are
summed per 5-tuple, and so are tshark conversations with the same 5-tuple
(port reuse gives several). Differences that are tshark's own are listed in
tests/golden/tshark-known.txt as "file: reason"; a file listed there that
no longer differs is reported too, so the list stays true.

usage: compare_tshark.py OTWATCH KNOWN_FILE PCAP...
exit 0 when every file agrees (or differs only as listed).
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

CONV_LINE = re.compile(
    r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(\d+)\s")


def split_ep(ep):
    host, port = ep.rsplit(":", 1)
    return (host, int(port))


def tshark_conv(path):
    """{(transport, frozenset(eps)): {ep: frames_sent}} from -z conv."""
    out = subprocess.run(
        ["tshark", "-n", "-r", path, "-q", "-z", "conv,tcp", "-z", "conv,udp"],
        capture_output=True, text=True, check=False).stdout
    res = collections.defaultdict(lambda: collections.Counter())
    transport = None
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            transport = "tcp"
        elif line.startswith("UDP Conversations"):
            transport = "udp"
        m = CONV_LINE.match(line)
        if m and transport:
            a, b = split_ep(m.group(1)), split_ep(m.group(2))
            # columns: "<-" is frames B->A, "->" is frames A->B
            b_to_a, a_to_b = int(m.group(3)), int(m.group(4))
            key = (transport, frozenset([a, b]))
            res[key][a] += a_to_b
            res[key][b] += b_to_a
    return res


def tshark_bytes(path):
    """{(transport, frozenset(eps)): {ep: [frames, bytes]}} from per-frame fields."""
    fields = ["frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
              "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"]
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=f",
           "-E", "separator=\t", "-Y", "tcp || udp"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    res = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
    for line in out.splitlines():
        v = line.split("\t")
        if len(v) < 9:
            continue
        flen = int(v[0])
        src = v[1] or v[3]
        dst = v[2] or v[4]
        if v[5]:
            transport, sp, dp = "tcp", int(v[5]), int(v[6])
        elif v[7]:
            transport, sp, dp = "udp", int(v[7]), int(v[8])
        else:
            continue
        key = (transport, frozenset([(src, sp), (dst, dp)]))
        res[key][(src, sp)][0] += 1
        res[key][(src, sp)][1] += flen
    return res


def otwatch_sessions(otw, path):
    """{(transport, frozenset(eps)): {ep: [frames, bytes]}} from otwatch."""
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "t.db")
        imp = subprocess.run([otw, "import", "-q", "--db", db, path],
                             capture_output=True, text=True, check=False)
        out = subprocess.run([otw, "sessions", "--db", db, "--format", "json", "--limit", "0"],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError("otwatch sessions failed: " + out.stderr.strip())
    res = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
    for line in out.stdout.splitlines():
        s = json.loads(line)
        t = s.get("network.transport")
        if t not in ("tcp", "udp"):
            continue
        a = (s["source.ip"], s["source.port"])
        b = (s["destination.ip"], s["destination.port"])
        key = (t, frozenset([a, b]))
        res[key][a][0] += s["source.packets"]
        res[key][a][1] += s["source.bytes"]
        res[key][b][0] += s["destination.packets"]
        res[key][b][1] += s["destination.bytes"]
    return res, imp.returncode


def fmt_key(key):
    t, eps = key
    e = sorted(eps)
    if len(e) == 1:
        e = e * 2
    return "%s %s:%d <-> %s:%d" % (t, e[0][0], e[0][1], e[1][0], e[1][1])


def compare(otw, path):
    """Returns a list of difference strings (empty: agree)."""
    diffs = []
    conv = tshark_conv(path)
    tb = tshark_bytes(path)
    ours, _ = otwatch_sessions(otw, path)
    keys = set(conv) | set(ours)
    for key in sorted(keys, key=fmt_key):
        if key not in ours:
            diffs.append("only in tshark: " + fmt_key(key))
            continue
        if key not in conv:
            diffs.append("only in otwatch: " + fmt_key(key))
            continue
        for ep in key[1]:
            want_frames = conv[key][ep]
            got_frames, got_bytes = ours[key][ep]
            if want_frames != got_frames:
                diffs.append("%s: frames from %s:%d: tshark %d, otwatch %d"
                             % (fmt_key(key), ep[0], ep[1], want_frames, got_frames))
            want_bytes = tb.get(key, {}).get(ep, [0, 0])[1]
            want_bframes = tb.get(key, {}).get(ep, [0, 0])[0]
            # Byte totals are compared where tshark's per-frame view counts
            # the same frames as its conversation table.
            if want_bframes == want_frames and want_bytes != got_bytes:
                diffs.append("%s: bytes from %s:%d: tshark %d, otwatch %d"
                             % (fmt_key(key), ep[0], ep[1], want_bytes, got_bytes))
            elif want_bframes != want_frames:
                diffs.append("%s: tshark's frame view and conversation table disagree "
                             "for %s:%d (%d vs %d frames): bytes not compared"
                             % (fmt_key(key), ep[0], ep[1], want_bframes, want_frames))
    return diffs, len(conv)


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    otw, known_file = sys.argv[1], sys.argv[2]
    known = {}
    with open(known_file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(":")
                known[name.strip()] = reason.strip()
    passed = failed = 0
    for path in sys.argv[3:]:
        name = os.path.relpath(path, os.path.join(os.path.dirname(known_file), "..", "pcaps"))
        try:
            diffs, nconv = compare(otw, path)
        except Exception as e:  # a crash of either tool is a failure of this file
            diffs, nconv = ["error: %s" % e], 0
        if not diffs and name not in known:
            passed += 1
            print("ok    %s (%d conversations)" % (name, nconv))
        elif diffs and name in known:
            passed += 1
            print("known %s: %s (%d differences)" % (name, known[name], len(diffs)))
            for d in diffs[:5]:
                print("        " + d)
        elif diffs:
            failed += 1
            print("FAIL  %s" % name)
            for d in diffs[:20]:
                print("        " + d)
            if len(diffs) > 20:
                print("        ... %d more" % (len(diffs) - 20))
        else:
            failed += 1
            print("FAIL  %s: listed in %s but no longer differs: remove it"
                  % (name, os.path.basename(known_file)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
