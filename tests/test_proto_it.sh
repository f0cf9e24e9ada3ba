#!/usr/bin/env bash
# test_proto_it.sh - golden test of the IT parsers (ssh, tls, rdp, rdpeudp,
# smb, socks5) on tests/pcaps/{ssh,tls,rdp,smb}.
#
#   bash tests/test_proto_it.sh <otwatch-binary> <source-dir>
#
# Two kinds of checks per session (file + port pair):
#   1. expectations written by hand from reading the captures (EXPECT below);
#   2. a cross-check against tshark's own dissection: per session, the
#      counts otwatch reports must equal the counts computed from
#      `tshark -T fields`: SSH banners (ssh.protocol), TLS SNI, JA3, JA4
#      (recomputed here from tshark's cipher/extension/signature lists), TLS
#      version and clear-text alerts, RDP cookie / requested / selected /
#      failure, SMB1 and SMB2 request commands, dialect, NTLM user / domain /
#      host, tree connect paths, create file names, encrypted messages,
#      session setup outcome (nt_status).
# Known differences, and why, are in KNOWN below.
set -u
OTW=${1:?usage: test_proto_it.sh <otwatch-binary> <source-dir>}
SRC=${2:?usage: test_proto_it.sh <otwatch-binary> <source-dir>}
command -v tshark >/dev/null || { echo "tshark not installed: skipped"; exit 77; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cd "$SRC" || exit 1
PCAPS=$(ls tests/pcaps/ssh/*.pcap tests/pcaps/tls/*.pcap tests/pcaps/rdp/*.pcap tests/pcaps/smb/*.pcap)
"$OTW" import --db "$TMP/it.db" $PCAPS >"$TMP/import.log" 2>&1 || { cat "$TMP/import.log"; echo "0 passed, 1 failed"; exit 1; }
"$OTW" sessions --db "$TMP/it.db" --format json >"$TMP/sessions.json" 2>"$TMP/sessions.err" || {
    cat "$TMP/sessions.err"; echo "0 passed, 1 failed"; exit 1; }

TMP="$TMP" PCAPS="$PCAPS" python3 - <<'PY'
import collections, hashlib, json, os, subprocess, sys

TMP = os.environ["TMP"]
PCAPS = os.environ["PCAPS"].split()
passed = failed = 0

def ok(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)

# --- otwatch's view: (file, frozenset(ports)) -> {protocols, counts, events}
sessions = {}
for line in open(os.path.join(TMP, "sessions.json")):
    d = json.loads(line)
    key = (os.path.basename(d["otwatch.file"]), frozenset((d.get("source.port"), d.get("destination.port"))))
    s = sessions.setdefault(key, {"protocols": set(), "counts": collections.defaultdict(collections.Counter),
                                  "events": collections.Counter(), "sport": d.get("source.port")})
    s["protocols"].update(d.get("network.protocol") or [])
    for f, vals in (d.get("otwatch.counts") or {}).items():
        for v, n in vals.items():
            s["counts"][f][str(v)] += n
    for e, n in (d.get("otwatch.events") or {}).items():
        s["events"][e] += n

def counts(f, ports, field):
    s = sessions.get((f, frozenset(ports)))
    return dict(s["counts"].get(field, {})) if s else None

# --- 1. hand-written expectations -----------------------------------------
# (file, port pair): protocols, {field: {value: count}}, absent fields
EXPECT = [
    ("zeek-single-conn.pcap", (49244, 22), {"ssh"}, {
        "ssh.client": {"SSH-2.0-OpenSSH_3.8.1p1": 1}, "ssh.server": {"SSH-1.99-OpenSSH_3.9p1": 1},
        "ssh.kex": {"diffie-hellman-group-exchange-sha1": 1}, "ssh.host_key_alg": {"ssh-rsa": 1},
        "ssh.auth": {"success": 1}}),
    ("arkime-ssh2.pcap", (61672, 22), {"ssh"}, {
        "ssh.client": {"SSH-2.0-OpenSSH_5.3": 1}, "ssh.server": {"SSH-1.99-OpenSSH_3.9p1": 1},
        "ssh.auth": {"unknown": 1}}),
    # reverse SSH: the TCP responder (port 22) is the SSH client
    ("zeek-reverse-ssh.pcap", (48020, 22), {"ssh"}, {
        "ssh.client": {"SSH-2.0-AsyncSSH_2.8.1": 1}, "ssh.server": {"SSH-2.0-dropbear_2018.76": 1},
        "ssh.kex": {"curve25519-sha256": 1}}),
    ("zeek-tls-1.2-handshake-failure.pcap", (53525, 443), {"tls"}, {
        "tls.alert": {"handshake_failure": 1}, "tls.ja3": {"62bd27c43a9a4d7fcbc45d8c9e7e04dd": 1}}),
    ("arkime-tls13.pcap", (62510, 443), {"tls"}, {
        "tls.sni": {"blog.cloudflare.com": 1}, "tls.version": {"1.3": 1},
        "tls.alpn": {"h2": 1, "http/1.1": 1}}),
    ("arkime-openssl-tls1_2.pcap", (57413, 443), {"tls"}, {
        "tls.version": {"1.2": 1},
        "tls.cert_subject": {"CN=*.google.com,O=Google Inc,L=Mountain View,ST=California,C=US": 1},
        "tls.cert_issuer": {"CN=Google Internet Authority G2,O=Google Inc,C=US": 1},
        "tls.cert_not_before": {"2014-09-24T10:08:05Z": 1}, "tls.cert_not_after": {"2014-12-23T00:00:00Z": 1}}),
    ("zeek-ecdhe.pcap", (56981, 443), {"tls"}, {"tls.version": {"1.2": 1}, "tls.cipher_code": {"49172": 1}}),
    ("zeek-rdp-to-ssl.pcap", (49206, 3389), {"rdp", "tls"}, {
        "rdp.cookie": {"AWAKECODI": 1}, "rdp.requested": {"tls": 1, "credssp": 1},
        "rdp.selected": {"credssp": 1}, "tls.sni": {"192.168.1.150": 1}, "tls.version": {"1.0": 1},
        "tls.cert_subject": {"CN=WIN2K8R2.awakecoding.ath.cx": 1}}),
    ("zeek-rdp-proprietary-encryption.pcap", (1311, 3389), {"rdp"}, {
        "rdp.cookie": {"FTBCO\\A70": 1}, "rdp.failure": {"ssl_not_allowed_by_server": 1}}),
    ("zeek-rdp-proprietary-encryption.pcap", (1312, 3389), {"rdp"}, {
        "rdp.selected": {"standard_rdp": 1}, "rdp.client_name": {"FROG-POND": 1},
        "rdp.keyboard_layout": {"1033": 1}, "rdp.client_build": {"6000": 1}}),
    ("zeek-rdp-x509.pcap", (54990, 3389), {"rdp"}, {
        "rdp.cookie": {"JOHN-PC  ": 1}, "rdp.client_name": {"JOHN-PC-LAPTOP": 1}}),
    ("zeek-rdp-no-cookie-mstshash.pcap", (50204, 3389), {"rdp", "tls"}, {
        "rdp.selected": {"credssp_early_user_auth": 1}, "tls.version": {"1.2": 1}}),
    ("zeek-rdpeudp-handshake-success.pcap", (61291, 3389), {"rdpeudp"}, {}),
    # SOCKS5 on port 42356 carrying RDP to 10.0.0.1:3389
    ("arkime-socks5-rdp.pcap", (2276, 42356), {"socks5", "rdp"}, {
        "socks.target": {"10.0.0.1:3389": 1}, "socks.command": {"connect": 1}, "socks.reply": {"succeeded": 1},
        "rdp.cookie": {"XXX": 1}}),
    ("arkime-smb-smbclient.pcap", (41823, 445), {"smb"}, {
        "smb.dialect": {"NT LANMAN 1.0": 1}, "smb.share": {"\\\\LOCALHOST\\MP3": 1}, "smb.auth": {"success": 1}}),
    ("zeek-smb3.pcap", (38166, 445), {"smb"}, {
        "smb.dialect": {"3.0": 1}, "smb.ntlm_user": {"administrator": 1}, "smb.ntlm_domain": {"SUSE": 1},
        "smb.share": {"\\\\10.160.65.202\\IPC$": 1, "\\\\WS2016\\encrypted": 1}}),
    ("zeek-smb2readwrite.pcap", (49155, 445), {"smb"}, {"smb.command": {"read": 1, "write": 1}}),
    ("arkime-wireshark-smb-on-windows10.pcap", (49675, 445), {"smb"}, {
        "smb.ntlm_user": {"Willi Wireshark": 1}, "smb.dialect": {"3.1.1": 1}, "smb.auth": {"success": 1},
        "smb.filename": {"srvsvc": 1}}),
    ("arkime-wireshark-smb-on-windows10.pcap", (49674, 445), {"smb"}, {
        "smb.ntlm_user": {"Tim Tester": 1}, "smb.auth": {"failure": 1}}),
]
for f, ports, protos, fields in EXPECT:
    s = sessions.get((f, frozenset(ports)))
    ok(s is not None, "%s %s: session present" % (f, ports))
    if s is None:
        continue
    ok(protos <= s["protocols"], "%s %s: protocols %s in %s" % (f, ports, protos, sorted(s["protocols"])))
    for field, vals in fields.items():
        for v, n in vals.items():
            got = s["counts"].get(field, {}).get(v, 0)
            ok(got == n, "%s %s: %s=%r count %d, expected %d" % (f, ports, field, v, got, n))

# Every sshguess connection is a failed guess.
guess = [s for (f, p), s in sessions.items() if f == "zeek-sshguess.pcap"]
ok(len(guess) == 11, "zeek-sshguess.pcap: 11 sessions, got %d" % len(guess))
for s in guess:
    ok(dict(s["counts"].get("ssh.auth", {})) == {"failure": 1}, "sshguess: auth failure, got %s" % dict(s["counts"].get("ssh.auth", {})))
# HTTP sent to an SSH server is not SSH.
for (f, p), s in sessions.items():
    if f == "zeek-get-to-ssh-server.pcap":
        ok("ssh" not in s["protocols"], "get-to-ssh-server: not ssh, got %s" % sorted(s["protocols"]))

# --- 2. tshark cross-check --------------------------------------------------
# Decode-as for captures whose ports tshark does not know.
DECODE_AS = {"arkime-socks5-rdp.pcap": ["-d", "tcp.port==42356,socks"]}

def tshark(path, flt, fields):
    cmd = ["tshark", "-r", path, "-Y", flt, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=|"] + DECODE_AS.get(os.path.basename(path), [])
    for f in ["tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"] + fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        c = line.split("\t")
        c += [""] * (4 + len(fields) - len(c))
        sp, dp = (c[0], c[1]) if c[0] else (c[2], c[3])
        rows.append((frozenset((int(sp), int(dp))), int(sp), [x.split("|") if x else [] for x in c[4:]]))
    return rows

GREASE = {0x0a0a + 0x1010 * i for i in range(16)}
def hexint(x):
    return int(x, 16) if x.startswith("0x") else int(x)

def ja4(ciphers, exts, sigalgs, versions, alpn, has_sni):
    ciphers = [c for c in ciphers if c not in GREASE]
    exts = [e for e in exts if e not in GREASE]
    versions = [v for v in versions if v not in GREASE]
    v = max(versions) if versions else None
    vmap = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}
    ver = vmap.get(v, "13" if v and (v >> 8) == 0x7f else "00") if v else None
    if ver is None:
        ver = vmap.get(legacy[0], "00")
    a = alpn[0] if alpn else ""
    ac = (a[0] + a[-1]) if a and a[0].isalnum() and a[-1].isalnum() else (
        ("%02x" % ord(a[0]))[0] + ("%02x" % ord(a[-1]))[1] if a else "00")
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()[:12]
    b = h(",".join("%04x" % c for c in sorted(ciphers))) if ciphers else "0" * 12
    e2 = sorted(e for e in exts if e not in (0, 16))
    cs = ",".join("%04x" % e for e in e2)
    if sigalgs:
        cs += "_" + ",".join("%04x" % s for s in sigalgs)
    c = h(cs) if e2 else "0" * 12
    return "t%s%s%02d%02d%s_%s_%s" % (ver, "d" if has_sni else "i", min(len(ciphers), 99), min(len(exts), 99), ac, b, c)

ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
          42: "bad_certificate", 46: "certificate_unknown", 48: "unknown_ca", 70: "protocol_version",
          80: "internal_error", 112: "unrecognized_name"}
TLSVER = {0x0301: "1.0", 0x0302: "1.1", 0x0303: "1.2", 0x0304: "1.3", 0x0300: "ssl3"}
RDPPROTO = {0: "standard_rdp", 1: "tls", 2: "credssp", 4: "rdstls", 8: "credssp_early_user_auth", 16: "rdsaad"}
RDPFAIL = {1: "ssl_required_by_server", 2: "ssl_not_allowed_by_server", 3: "ssl_cert_not_on_server",
           4: "inconsistent_flags", 5: "hybrid_required_by_server", 6: "ssl_with_user_auth_required_by_server"}
SMB2CMD = ["negotiate", "session_setup", "logoff", "tree_connect", "tree_disconnect", "create", "close", "flush",
           "read", "write", "lock", "ioctl", "cancel", "echo", "query_directory", "change_notify", "query_info",
           "set_info", "oplock_break"]
SMB1CMD = {0x04: "close", 0x25: "transaction", 0x2b: "echo", 0x2d: "open_andx", 0x2e: "read_andx", 0x2f: "write_andx",
           0x32: "transaction2", 0x71: "tree_disconnect", 0x72: "negotiate", 0x73: "session_setup_andx",
           0x74: "logoff_andx", 0x75: "tree_connect_andx", 0xa2: "nt_create_andx"}
SMB2DIALECT = {0x0202: "2.0.2", 0x0210: "2.1", 0x0300: "3.0", 0x0302: "3.0.2", 0x0311: "3.1.1", 0x02ff: "2.x"}

# Known differences between otwatch and tshark, with the reason.
KNOWN = {
    # HTTP to an SSH server: tshark dissects the server's banner as SSH; for
    # otwatch the session is HTTP (the client spoke first), no ssh fields.
    ("zeek-get-to-ssh-server.pcap", "ssh"),
}

def compare(f, key, field, want):
    s = sessions.get((f, key))
    got = dict(s["counts"].get(field, {})) if s else {}
    want = {k: v for k, v in want.items() if v}
    ok(got == want, "tshark %s %s %s: otwatch %s, tshark %s" % (f, sorted(key), field, got, want))

for path in PCAPS:
    f = os.path.basename(path)
    kind = path.split("/")[-2]
    per = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    if kind == "ssh" and (f, "ssh") not in KNOWN:
        for key, sp, (proto,) in tshark(path, "ssh.protocol", ["ssh.protocol"]):
            s = sessions.get((f, key))
            if s is None:
                continue
            client_dir = sp == s["sport"]
            if s["events"].get("ssh.reversed_roles"):
                client_dir = not client_dir    # SSH roles, not TCP roles
            for v in proto:
                per[key]["ssh.client" if client_dir else "ssh.server"][v] += 1
        for key, c in per.items():
            for field in ("ssh.client", "ssh.server"):
                compare(f, key, field, c[field])
    if kind in ("tls", "rdp"):
        rows = tshark(path, "tls.handshake.type == 1 || tls.handshake.type == 2 || tls.alert_message.desc",
                      ["tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.ja3",
                       "tls.handshake.ciphersuite", "tls.handshake.extension.type", "tls.handshake.sig_hash_alg",
                       "tls.handshake.extensions.supported_version", "tls.handshake.extensions_alpn_str",
                       "tls.handshake.version", "tls.alert_message.desc", "tls.record.content_type"])
        for key, sp, (ht, sni, ja3, cip, ext, sig, sv, alpn, hv, alert, ctype) in rows:
            c = per[key]
            if "1" in ht:
                for v in sni: c["tls.sni"][v] += 1
                for v in ja3: c["tls.ja3"][v] += 1
                legacy = [hexint(x) for x in hv]
                c["tls.ja4"][ja4([hexint(x) for x in cip], [hexint(x) for x in ext], [hexint(x) for x in sig],
                                 [hexint(x) for x in sv], alpn, bool(sni))] += 1
                for v in alpn: c["tls.alpn"][v] += 1
            elif "2" in ht:
                v = hexint(sv[0]) if sv else hexint(hv[0])
                if (v >> 8) == 0x7f: v = 0x0304
                c["tls.version"][TLSVER.get(v, "unknown")] += 1
            for d in alert:
                c["tls.alert"][ALERTS.get(int(d), "unknown")] += 1
        for key, c in per.items():
            for field in ("tls.sni", "tls.ja3", "tls.ja4", "tls.alpn", "tls.version", "tls.alert"):
                compare(f, key, field, c[field])
    if kind == "rdp":
        per = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
        rows = tshark(path, "rdp.rt_cookie || rdp.negReq.requestedProtocols || rdp.negReq.selectedProtocol || rdp.negFailure.failureCode",
                      ["rdp.rt_cookie", "rdp.negReq.requestedProtocols", "rdp.negReq.selectedProtocol", "rdp.negFailure.failureCode"])
        for key, sp, (cookie, req, sel, fail) in rows:
            c = per[key]
            for v in cookie:
                if v.startswith("Cookie: mstshash="):
                    c["rdp.cookie"][v[len("Cookie: mstshash="):].rstrip("\r\n")] += 1
            for v in req:
                r = hexint(v)
                if r == 0: c["rdp.requested"]["standard_rdp"] += 1
                for bit, name in RDPPROTO.items():
                    if bit and r & bit: c["rdp.requested"][name] += 1
            for v in sel: c["rdp.selected"][RDPPROTO.get(hexint(v), "unknown")] += 1
            for v in fail: c["rdp.failure"][RDPFAIL.get(hexint(v), "unknown")] += 1
        for key, c in per.items():
            for field in ("rdp.cookie", "rdp.requested", "rdp.selected", "rdp.failure"):
                compare(f, key, field, c[field])
    if kind == "smb":
        per = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
        rows = tshark(path, "smb || smb2",
                      ["smb.cmd", "smb.flags.response", "smb2.cmd", "smb2.flags.response", "smb2.protocol_id",
                       "ntlmssp.auth.username", "ntlmssp.auth.domain", "ntlmssp.auth.hostname", "smb2.tree",
                       "smb2.filename", "smb2.dialect", "smb.path", "smb.file", "smb.dialect", "smb.dialect.index",
                       "smb2.nt_status", "smb.nt_status"])
        offered = {}
        for key, sp, (c1, r1, c2, r2, pid, user, dom, host, tree, fname, dialect, path1, file1, d1, di, st2, st1) in rows:
            c = per[key]
            # session setup outcome: final status of a SESSION_SETUP response
            for cmd, resp, st in list(zip(c2, r2, st2)) + ([(c1[0], r1[0], st1[0])] if c1 and r1 and st1 else []):
                if cmd in ("1", "0x73") and resp == "1" and st != "0xc0000016":
                    c["smb.auth"]["success" if hexint(st) == 0 else "failure"] += 1
            if c1 and r1 and r1[0] == "0":
                # the header command only: AndX followers (and the 0xff end mark) are not counted
                c["smb.command"][SMB1CMD.get(hexint(c1[0]), "other")] += 1
                if c1[0] == "0x75":   # path of TREE_CONNECT_ANDX (later frames carry it as a generated field)
                    for v in path1: c["smb.share"][v] += 1
                if c1[0] == "0x72":
                    offered[key] = d1
            if c1 and c1[0] == "0x72" and r1 and r1[0] == "1":
                for v in di:
                    if int(v) < len(offered.get(key, [])): c["smb.dialect"][offered[key][int(v)]] += 1
            # SMB2 compounds: one cmd/response pair per message
            for cmd, resp in zip(c2, r2):
                if resp == "0":
                    c["smb.command"][SMB2CMD[int(cmd)] if int(cmd) < len(SMB2CMD) else "unknown"] += 1
            if r2 and r2[0] == "0" and c2 and c2[0] == "3":
                for v in tree: c["smb.share"][v] += 1
            if r2 and r2[0] == "0" and c2 and c2[0] == "5":
                for v in fname:
                    if v: c["smb.filename"][v] += 1
            if r2 and r2[0] == "1":
                for v in dialect:
                    c["smb.dialect"][SMB2DIALECT.get(hexint(v), "unknown")] += 1
            for v in pid:
                if v == "0xfd534d42": c["smb.encrypted"]["1"] += 1
            for field, vals in (("smb.ntlm_user", user), ("smb.ntlm_domain", dom), ("smb.ntlm_host", host)):
                for v in vals:
                    if v and v != "NULL": c[field][v] += 1
        for key, c in per.items():
            for field in ("smb.command", "smb.share", "smb.filename", "smb.dialect", "smb.encrypted", "smb.auth",
                          "smb.ntlm_user", "smb.ntlm_domain", "smb.ntlm_host"):
                if field == "smb.command" and c[field].get("other"):
                    continue
                compare(f, key, field, c[field])

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
