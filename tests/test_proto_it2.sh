#!/usr/bin/env bash
# test_proto_it2.sh - golden test of the it2 parsers (DNS, HTTP, DHCP,
# Telnet; NTP, SNMP, FTP and the OT identification parsers have no capture
# under tests/pcaps and are covered by tests/unit/test_proto_it2.c).
#
#   bash tests/test_proto_it2.sh <otwatch-binary> <source-dir>
#
# Per capture: `otwatch import` into a fresh database, `otwatch sessions
# --format json`, then
#   1. hard-coded expectations per session, written from reading the capture
#      with tshark (-V, -x): protocol identified, field counts, events;
#   2. a cross-check against tshark's own dissection, per session (the
#      unordered 5-tuple), frames that tshark flags as TCP retransmissions
#      left out (otwatch reassembles them away), DNS quoted inside ICMP
#      errors left out (not a session's payload):
#      - DNS: counts of dns.qry.name (lower-cased) and dns.qry.type in every
#        message, both directions (otwatch: dns.query, dns.qtype_code), and
#        dns.flags.rcode of responses (otwatch: dns.rcode by name);
#      - HTTP: counts of http.request.method (otwatch: http.method) and
#        http.response.code (otwatch: http.status), http.host values;
#      - DHCP: counts of dhcp.option.dhcp (otwatch: dhcp.msg_type by name);
#      and every session in which tshark finds these must be identified as
#      the protocol by otwatch, and no other session may be.
# Differences that are tshark's own (or another stage's) are listed in
# KNOWN below with the reason.
set -u
OTW=${1:?usage: test_proto_it2.sh <otwatch> <source-dir>}
SRC=${2:?usage: test_proto_it2.sh <otwatch> <source-dir>}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if ! command -v tshark >/dev/null; then
    echo "tshark not installed"; echo "0 passed, 1 failed"; exit 1
fi

CAPS="dns/arkime-dns-tcp.pcap dns/arkime-dns-udp.pcap dns/zeek-dns53.pcap
dns/zeek-pcapng-multi-interface.pcapng ipv6/arkime-v6.pcap ipv6/arkime-v6-http.pcap
ipv6/zeek-ipv6-fragmented-dns.pcap icmp/zeek-communityid-icmp6.pcap
icmp/zeek-icmp-destunreach-udp.pcap modbus/zeek-modbusSmall.pcap scan/zeek-nmap-vsn.pcap
http/arkime-http-simple-get.pcap http/zeek-get.pcap vlan/arkime-twovlan.pcap
vlan/zeek-http-qinq-0.pcap vlan/zeek-http-vlan-0.pcap vlan/zeek-mixed-vlan-mpls.pcap
ssh/zeek-get-to-ssh-server.pcap modbus/zeek-modbus-and-non-modbus-p502.pcap
tcp/arkime-wireshark-retrans.pcap tcp/zeek-retransmit-timeout.pcapng tcp/arkime-long-session.pcap
noise/arkime-wireshark-dhcp.pcap noise/arkime-nbns.pcap"

for c in $CAPS; do
    f="$SRC/tests/pcaps/$c"
    b=$(basename "$f"); b=${b%.*}
    "$OTW" import --db "$TMP/$b.db" "$f" >"$TMP/$b.import" 2>&1 || echo "import failed: $f" >&2
    "$OTW" sessions --db "$TMP/$b.db" --format json >"$TMP/$b.json" 2>"$TMP/$b.err" || echo "sessions failed: $f" >&2
done

python3 - "$SRC" "$TMP" $CAPS <<'PYEOF'
import collections, json, os, subprocess, sys

src, tmp, caps = sys.argv[1], sys.argv[2], sys.argv[3:]
passed = failed = 0

def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL', what)

def base(c):
    return os.path.splitext(os.path.basename(c))[0]

def sessions(name):
    path = os.path.join(tmp, name + '.json')
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]

# --- 1. expectations written from the captures ------------------------------
# (capture, source port, destination port) -> checks. 'proto': the protocol
# otwatch must identify (None: none of dns/http/dhcp/telnet); 'counts':
# {field: {value: n}} exactly; 'values': {field: [distinct values]} exactly;
# 'events': {event: n} exactly (omitted: no check; {}: none at all).
EXPECT = {
    ('arkime-dns-tcp', 49342, 53): dict(proto='dns', counts={
        'dns.query': {'google.com': 2}, 'dns.qtype': {'a': 2}, 'dns.rcode': {'noerror': 1}},
        values={'dns.answer': ['74.125.228.%d' % i for i in [32, 33, 34, 35, 36, 37, 38, 39,
                                                            40, 41, 46]]}, events={}),
    ('arkime-dns-tcp', 49343, 53): dict(proto='dns', counts={
        'dns.query': {'aol.com': 2}, 'dns.rcode': {'noerror': 1}}, events={}),
    ('arkime-dns-udp', 62563, 53): dict(proto='dns', counts={
        'dns.query': {'www.github.com': 2}, 'dns.qtype': {'a': 2},
        'dns.answer': {'github.com': 1, '192.30.252.128': 1}}, events={}),
    ('arkime-dns-udp', 5353, 53): dict(proto='dns', counts={
        'dns.query': {'10.100.10.10.in-addr.arpa': 1}, 'dns.qtype': {'any': 1}},
        values={'dns.rcode': []}, events={}),
    ('zeek-dns53', 53, 53): dict(proto='dns', counts={
        'dns.query': {'us.v27.distributed.net': 1}, 'dns.rcode': {'noerror': 1}}, events={}),
    ('zeek-pcapng-multi-interface', None, 53): dict(proto='dns'),
    # mDNS over IPv6 (ff02::fb)
    ('arkime-v6-http', 5353, 5353): dict(proto='dns', counts={
        'dns.query': {'linux.local': 3,
                      '1.e.6.0.8.9.e.c.7.d.9.3.9.9.9.0.0.0.0.0.d.2.0.1.8.f.6.0.1.0.0.2.ip6.arpa': 3},
        'dns.qtype': {'any': 6}, 'dns.rcode': {'noerror': 5}}, events={}),
    ('arkime-v6-http', 59201, 80): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.status': {'200': 1}, 'http.uri': {'/': 1},
        'http.host': {'cl-1985.ham-01.de.sixxs.net': 1},
        'http.user_agent': {'Lynx/2.8.6rel.2 libwww-FM/2.14 SSL-MM/1.4.1 OpenSSL/0.9.8b': 1}},
        events={}),
    ('zeek-nmap-vsn', 64480, 53): dict(proto='dns', counts={
        'dns.qtype': {'ptr': 12}, 'dns.rcode': {'nxdomain': 6}}, events={}),
    ('arkime-http-simple-get', 61450, 80): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.status': {'403': 1}, 'http.uri': {'/': 1},
        'http.host': {'xxxxxxxxxxxxx.xxx.com': 1}}, events={}),
    ('zeek-get', 59856, 80): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.status': {'200': 1},
        'http.uri': {'/download/CHANGES.bro-aux.txt': 1}, 'http.host': {'bro.org': 1},
        'http.user_agent': {'Wget/1.14 (darwin12.2.0)': 1}}, events={}),
    ('zeek-http-vlan-0', 59856, 80): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.status': {'200': 1}, 'http.host': {'bro.org': 1}},
        events={}),
    ('zeek-http-qinq-0', 59856, 80): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.status': {'200': 1}, 'http.host': {'bro.org': 1}},
        events={}),
    # the capture ends in the middle of the response body
    ('arkime-twovlan', 54422, 80): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.host': {'xxxxxxx.xxx.xxx': 1}, 'http.status': {'200': 1},
        'http.user_agent': {'Wget/1.15 (linux-gnu)': 1}}, events={}),
    # MPLS: wget; an HTTP/0.9 "GET /" answered by a bare document; Telnet
    ('zeek-mixed-vlan-mpls', 56730, 80): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.status': {'200': 1}, 'http.host': {'www.icir.org': 1},
        'http.user_agent': {'Wget/1.10': 1}}, events={}),
    ('zeek-mixed-vlan-mpls', 50343, 80): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.uri': {'/': 1}}, values={'http.status': []}, events={}),
    ('zeek-mixed-vlan-mpls', 11001, 23): dict(proto='telnet', counts={
        'telnet.option': {'echo': 1, 'suppress_go_ahead': 1, 'naws': 1,
                          'remote_flow_control': 1, 'terminal_type': 1}},
        values={'telnet.user': []}, events={}),
    # HTTP to an SSH server on tcp/22: the server answers with its banner
    ('zeek-get-to-ssh-server', 44338, 22): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.host': {'128.3.50.246': 1}},
        values={'http.status': []}),
    # zgrab sending HTTP to tcp/502
    ('zeek-modbus-and-non-modbus-p502', 60293, 502): dict(proto='http', counts={
        'http.method': {'GET': 1}, 'http.uri': {'/': 1},
        'http.user_agent': {'Mozilla/5.0 zgrab/0.x': 1}}),
    # keep-alive POSTs with chunked answers; retransmitted answers count once
    # (an empty Host header is not recorded)
    ('arkime-wireshark-retrans', 59221, 4000): dict(proto='http', counts={
        'http.method': {'POST': 4}, 'http.status': {'200': 4}, 'http.uri': {'/exhmedmx': 4},
        'http.user_agent': {'Nokia-eheprb/1': 4}}, values={'http.host': []}, events={}),
    # "GET\r\n" alone: no target, not HTTP (tshark agrees)
    ('arkime-long-session', 54869, 80): dict(proto=None),
    ('arkime-wireshark-dhcp', 68, 67): dict(proto='dhcp', counts={
        'dhcp.msg_type': {'discover': 1, 'request': 1},
        'dhcp.client_mac': {'00:0b:82:01:fc:42': 2},
        'dhcp.requested_ip': {'0.0.0.0': 1, '192.168.0.10': 1}}, events={}),
    ('arkime-wireshark-dhcp', 67, 68): dict(proto='dhcp', counts={
        'dhcp.msg_type': {'offer': 1, 'ack': 1}, 'dhcp.assigned_ip': {'192.168.0.10': 1}},
        events={}),
    # NetBIOS name service has DNS's format but is not DNS
    ('arkime-nbns', 137, 137): dict(proto=None),
}

MINE = ('dns', 'http', 'dhcp', 'telnet')

def counts(s, field):
    return {str(k): v for k, v in s.get('otwatch.counts', {}).get(field, {}).items()}

for (cap, sp, dp), exp in EXPECT.items():
    # sessions with payload (a port may be reused after a refused attempt)
    ss = [s for s in sessions(cap) if (sp is None or s.get('source.port') == sp)
          and s.get('destination.port') == dp
          and s.get('otwatch.source.payload_bytes', 0) + s.get('otwatch.destination.payload_bytes', 0)]
    what = '%s %s->%s' % (cap, sp, dp)
    check(len(ss) > 0, what + ': session present')
    for s in ss:
        protos = s.get('network.protocol', [])
        if exp.get('proto'):
            check(exp['proto'] in protos, '%s: protocol %s in %s' % (what, exp['proto'], protos))
        else:
            check(not any(p in protos for p in MINE), '%s: not identified (%s)' % (what, protos))
        for field, want in exp.get('counts', {}).items():
            got = counts(s, field)
            check(got == want, '%s: counts %s = %s, want %s' % (what, field, got, want))
        for field, want in exp.get('values', {}).items():
            got = sorted(str(v) for v in s.get(field, []))
            check(got == sorted(want), '%s: values %s = %s, want %s' % (what, field, got, want))
        if 'events' in exp:
            got = s.get('otwatch.events', {})
            check(got == exp['events'], '%s: events %s, want %s' % (what, got, exp['events']))

# --- 2. cross-check with tshark ------------------------------------------------
RCODES = {0: 'noerror', 1: 'formerr', 2: 'servfail', 3: 'nxdomain', 4: 'notimp', 5: 'refused',
          6: 'yxdomain', 7: 'yxrrset', 8: 'nxrrset', 9: 'notauth', 10: 'notzone'}
DHCP = {1: 'discover', 2: 'offer', 3: 'request', 4: 'decline', 5: 'ack', 6: 'nak',
        7: 'release', 8: 'inform'}
# (capture, protocol or field) -> reason: tshark and otwatch differ for a
# reason that is not the parser's; that protocol or field is not compared.
KNOWN = {
    # The answer to the second query comes in IPv6 fragments: tshark
    # reassembles them, otwatch's decoder does not reassemble IP fragments.
    ('zeek-ipv6-fragmented-dns', 'dns'): 'IPv6 fragment reassembly (decode stage)',
    # tshark dissects tcp/22 as SSH by its port; the client sent HTTP.
    ('zeek-get-to-ssh-server', 'http'): 'tshark chooses the dissector by port',
    # The capture ends inside the response body; tshark, reassembling the
    # whole message first, never shows the status line. otwatch reads the
    # header when it is complete.
    ('arkime-twovlan', 'http.status'): 'tshark shows a response only when its body is complete',
}
# per protocol, the fields compared (absent on one side = must be absent on the other)
XFIELDS = {'dns': ['dns.query', 'dns.qtype_code', 'dns.rcode'],
           'http': ['http.method', 'http.status', 'http.host'],
           'dhcp': ['dhcp.msg_type']}

FIELDS = ['frame.number', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'tcp.srcport',
          'tcp.dstport', 'udp.srcport', 'udp.dstport', 'dns.qry.name', 'dns.qry.type',
          'dns.flags.response', 'dns.flags.rcode', 'http.request.method', 'http.response.code',
          'http.host', 'dhcp.option.dhcp']

def tshark(path):
    cmd = ['tshark', '-n', '-r', path, '-Y',
           '(dns or mdns or http.request or http.response or dhcp) and not icmp and not icmpv6 '
           'and not tcp.analysis.retransmission and not tcp.analysis.fast_retransmission '
           'and not nbns',
           '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|']
    for f in FIELDS:
        cmd += ['-e', f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split('\t')))
        src = v['ip.src'] or v['ipv6.src']
        dst = v['ip.dst'] or v['ipv6.dst']
        tr = 'tcp' if v['tcp.srcport'] else 'udp'
        sp = v['tcp.srcport'] or v['udp.srcport']
        dp = v['tcp.dstport'] or v['udp.dstport']
        yield (tr, frozenset([(src, sp), (dst, dp)])), v

def split(x):
    return [p for p in x.split('|') if p != ''] if x else []

def key_of(s):
    return (s.get('network.transport'),
            frozenset([(s.get('source.ip'), str(s.get('source.port'))),
                       (s.get('destination.ip'), str(s.get('destination.port')))]))

for cap in caps:
    name = base(cap)
    path = os.path.join(src, 'tests', 'pcaps', cap)
    want = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for key, v in tshark(path):
        w = want[key]
        # a response's rcode and every message's questions; one frame may
        # hold several DNS messages over TCP (aggregated with |)
        for q in split(v['dns.qry.name']):
            w['dns.query'][q.lower()] += 1
        for t in split(v['dns.qry.type']):
            w['dns.qtype_code'][str(int(t))] += 1
        resp = split(v['dns.flags.response'])
        rc = split(v['dns.flags.rcode'])
        for r, c in zip(resp, rc):
            if r in ('1', 'True'):
                w['dns.rcode'][RCODES.get(int(c), 'other')] += 1
        for m in split(v['http.request.method']):
            w['http.method'][m] += 1
        for c in split(v['http.response.code']):
            w['http.status'][c] += 1
        for h in split(v['http.host']):
            w['http.host'][h] += 1
        for t in split(v['dhcp.option.dhcp']):
            w['dhcp.msg_type'][DHCP.get(int(t), 'other')] += 1
    # sessions by 5-tuple; a 5-tuple reused over time gives several sessions,
    # whose counts are summed
    got = collections.defaultdict(lambda: {'protocols': set(), 'counts': collections.defaultdict(collections.Counter)})
    for s in sessions(name):
        g = got[key_of(s)]
        g['protocols'].update(s.get('network.protocol', []))
        for field, c in s.get('otwatch.counts', {}).items():
            for v, n in c.items():
                g['counts'][field][str(v)] += n
    for key, w in want.items():
        what = '%s %s %s' % (name, key[0], sorted(key[1]))
        proto = ('dns' if ('dns.query' in w or 'dns.rcode' in w) else
                 'http' if ('http.method' in w or 'http.status' in w) else 'dhcp')
        if (name, proto) in KNOWN:
            continue
        check(key in got, what + ': session present')
        if key not in got:
            continue
        g = got[key]
        check(proto in g['protocols'],
              '%s: tshark sees %s, otwatch says %s' % (what, proto, sorted(g['protocols'])))
        for field in XFIELDS[proto]:
            if (name, field) in KNOWN:
                continue
            mine, theirs = dict(g['counts'].get(field, {})), dict(w.get(field, {}))
            check(mine == theirs, '%s: %s otwatch %s, tshark %s' % (what, field, mine, theirs))
    # no session of ours where tshark sees nothing of that protocol
    for key, g in got.items():
        for p in ('dns', 'http', 'dhcp'):
            if p in g['protocols'] and (name, p) not in KNOWN:
                w = want.get(key, {})
                check(any(f.startswith(p + '.') for f in w),
                      '%s %s: otwatch says %s, tshark sees none' % (name, sorted(key[1]), p))

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
PYEOF
