#!/usr/bin/env bash
# tests/test_assets.sh - end-to-end checks of the asset inventory (issue 6
# point 1): `otwatch assets` list/show/set/unset/rebuild, names and roles
# from a settings file and from `assets set` in sessions/hosts/assets, and
# the inventory cross-checked against tshark on the committed captures:
# every address and MAC that sent a packet, vendors against Debian's
# ieee-data read independently here, LLDP system names, DHCP host names,
# NetBIOS names, BACnet I-Am identities, DNS names; layer-2 names kept when
# a filter drops broadcast and multicast; bad input gets exit 2 and a clear
# message.
#
#   bash tests/test_assets.sh <otwatch-binary> <source-dir>
#
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`.
set -u
export LC_ALL=C TZ=UTC
unset OTWATCH_CONFIG OTWATCH_DB

OTW=$(realpath "${1:?usage: test_assets.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:-$(dirname "$0")/..}")
P=$SRC/tests/pcaps
TB=$SRC/tests/testbed
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-assets.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

PASS=0 FAIL=0 WHY=""
for t in sqlite3 python3 tshark; do
    command -v "$t" >/dev/null 2>&1 || { echo "not ok - setup: $t is missing"; echo "0 passed, 1 failed"; exit 1; }
done
[ -r /usr/share/ieee-data/oui.csv ] || { echo "not ok - setup: ieee-data is missing"; echo "0 passed, 1 failed"; exit 1; }

check() {
    local name=$1
    shift
    WHY=""
    if "$@"; then
        echo "ok - $name"
        PASS=$((PASS + 1))
    else
        echo "not ok - $name: ${WHY:-failed}"
        FAIL=$((FAIL + 1))
    fi
}
fail() { WHY="$*"; return 1; }
eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
has() { grep -qF -- "$2" "$1" || fail "$3: '$2' not in: $(head -c 600 "$1" | tr '\n' '|')"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "$3: '$2' should not be in: $(head -c 600 "$1" | tr '\n' '|')"; }
otw() {
    local out=$1 err=$2
    shift 2
    "$OTW" "$@" >"$out" 2>"$err"
    RC=$?
}
no_crash() {
    [ "$RC" -lt 128 ] || fail "killed by signal $((RC - 128))"
    if grep -qE 'Sanitizer|runtime error:' "$1"; then
        fail "sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error:' "$1" | tr '\n' '|')"
    fi
}
# usage_err DESCRIPTION EXPECTED-TEXT ARGS...: exit 2, message on stderr, no crash
usage_err() {
    local what=$1 text=$2
    shift 2
    otw o e "$@"
    no_crash e || return 1
    eq "$RC" 2 "$what: exit status" || return 1
    has e "$text" "$what: message"
}

# A crafted capture for the OT identities no committed capture has: an
# EtherNet/IP ListIdentity request and reply (the bytes of the parser unit
# tests), and an S7 connection reading SZL 0x0011 (module identification)
# and 0x001c (component identification). tshark is the oracle below.
cat >gen_ident.py <<'PYEOF'
import struct, sys
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip4(a): return bytes(int(x) for x in a.split('.'))
def frame(smac, dmac, sip, dip, proto, l4):
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, ip4(sip), ip4(dip))
    iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
    return bytes.fromhex(dmac.replace(':', '')) + bytes.fromhex(smac.replace(':', '')) + b'\x08\x00' + iph + l4
def udp(sp, dp, data): return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data
def tcp(sp, dp, seq, ack, flags, data=b''):
    return struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
t = [1700000000.0]
def put(fr):
    t[0] += 0.01
    sec = int(t[0]); us = int((t[0] - sec) * 1e6)
    out.append(struct.pack('<IIII', sec, us, len(fr), len(fr)) + fr)
HMI, PLC, PLC2 = ('02:0a:c0:a8:0a:14', '192.168.10.20'), ('00:00:bc:11:22:33', '192.168.10.30'), ('00:1b:1b:44:55:66', '192.168.10.31')
# EtherNet/IP ListIdentity, request and reply (bytes of tests/unit/test_proto_ot2.c)
req = bytes.fromhex('630000000000000000000000000000000000000000000000')
rsp = bytes.fromhex('63003c00000000000000000000000000000000000000000001000c00360001000002af12c0a80a0a0000000000'
                    '00000001000e003700140b6030eeffc00014313735362d4c36312f42204c4f4749583535363103')
put(frame(HMI[0], PLC[0], HMI[1], PLC[1], 17, udp(50000, 44818, req)))
put(frame(PLC[0], HMI[0], PLC[1], HMI[1], 17, udp(44818, 50000, rsp)))
# S7comm: handshake, COTP CR/CC, setup, read_szl 0x0011 and 0x001c and their answers
c, s = 1000, 5000
def cs(data):
    global c
    put(frame(HMI[0], PLC2[0], HMI[1], PLC2[1], 6, tcp(50001, 102, c, s, 0x18, data))); c += len(data)
def sc(data):
    global s
    put(frame(PLC2[0], HMI[0], PLC2[1], HMI[1], 6, tcp(102, 50001, s, c, 0x18, data))); s += len(data)
put(frame(HMI[0], PLC2[0], HMI[1], PLC2[1], 6, tcp(50001, 102, c - 1, 0, 0x02)))
put(frame(PLC2[0], HMI[0], PLC2[1], HMI[1], 6, tcp(102, 50001, s - 1, c, 0x12)))
put(frame(HMI[0], PLC2[0], HMI[1], PLC2[1], 6, tcp(50001, 102, c, s, 0x10)))
cs(bytes.fromhex('0300001611e00000000700c1020100c2020102c0010a'))
sc(bytes.fromhex('0300001611d00007000300c0010ac1020100c2020102'))
cs(bytes.fromhex('0300001902f08032010000020000080000f0000001000101e0'))
sc(bytes.fromhex('0300001b02f080320300000200000800000000f0000001000100f0'))
def szl_req(ref, szl, idx):
    par = bytes.fromhex('000112041144010' + '0')
    dat = bytes.fromhex('ff090004') + struct.pack('!HH', szl, idx)
    s7 = struct.pack('!BBHHHH', 0x32, 7, 0, ref, len(par), len(dat)) + par + dat
    return struct.pack('!BBH', 3, 0, 7 + len(s7)) + b'\x02\xf0\x80' + s7
def szl_rsp(ref, szl, idx, recs):
    par = bytes.fromhex('000112081284010000000000')
    body = struct.pack('!HHHH', szl, idx, len(recs[0]), len(recs)) + b''.join(recs)
    dat = struct.pack('!BBH', 0xff, 9, len(body)) + body
    s7 = struct.pack('!BBHHHH', 0x32, 7, 0, ref, len(par), len(dat)) + par + dat
    return struct.pack('!BBH', 3, 0, 7 + len(s7)) + b'\x02\xf0\x80' + s7
cs(szl_req(3, 0x0011, 1))
sc(szl_rsp(3, 0x0011, 1, [struct.pack('!H', 1) + b'6ES7 315-2EH14-0AB0 ' + bytes.fromhex('c00000010001')]))
cs(szl_req(4, 0x001c, 0))
def r1c(i, text, n=32): return struct.pack('!H', i) + text.ljust(n, b'\0')
sc(szl_rsp(4, 0x001c, 0, [r1c(1, b'Line 3 station'), r1c(2, b'CPU 315-2 PN/DP'), r1c(5, b'S C-X4U421302009'), r1c(7, b'CPU 315-2 PN/DP')]))
open(sys.argv[1], 'wb').write(b''.join(out))
PYEOF
python3 gen_ident.py ot-ident.pcap || { echo "not ok - setup: cannot write ot-ident.pcap"; echo "0 passed, 1 failed"; exit 1; }

# The captures: the testbed, and public ones with names and identities
# (Ethernet link type; tests/pcaps/SOURCES.md says where they come from).
FILES="$TB/normal.pcap $TB/arp_mitm.pcap $TB/modbus_write.pcap $TB/scan_ssh.pcap
 $P/noise/arkime-nbns.pcap $P/noise/arkime-wireshark-dhcp.pcap $P/noise/arkime-wireshark-lldp.pcap
 $P/noise/arkime-igmp.pcap $P/bacnet/arkime-bacnet-stack-services.pcap
 $P/dns/arkime-dns-udp.pcap $P/dns/zeek-dns53.pcap $P/arp/arkime-cloudshark-arp.pcap
 $P/enip/ndpi-ethernetIP.pcap $W/ot-ident.pcap"
# shellcheck disable=SC2086
"$OTW" import -q --db inv.db $FILES >import.out 2>import.err || { echo "not ok - setup: import failed: $(cat import.err)"; echo "0 passed, 1 failed"; exit 1; }

# --- the inventory against tshark -------------------------------------------------------

t_rebuild() {
    otw imp.json e assets --db inv.db --format json
    eq "$RC" 0 "assets after import" || return 1
    otw o e assets rebuild --db inv.db
    no_crash e || return 1
    eq "$RC" 0 "rebuild exit status ($(cat e))" || return 1
    has o "rebuilt from" "rebuild summary" || return 1
    otw all.json e assets --db inv.db --format json
    eq "$RC" 0 "assets --format json" || return 1
    [ "$(wc -l <all.json)" -gt 20 ] || fail "only $(wc -l <all.json) hosts" || return 1
    # a second rebuild gives the same inventory
    otw o e assets rebuild --db inv.db
    otw all2.json e assets --db inv.db --format json
    cmp -s all.json all2.json || fail "second rebuild differs: $(diff all.json all2.json | head -3)"
}

# When import runs detection (the writer calls otw_assets_observe), the
# inventory it built equals the one rebuilt from the stored rows.
t_import_equals_rebuild() {
    "$OTW" import --help | grep -q -- --no-detect || { echo "# import has no detection: nothing to compare"; return 0; }
    # a scanner's services are capped (64 per host): which ones are kept
    # depends on the order sessions arrive, so long lists are left out
    python3 - imp.json all.json <<'EOF' || { fail "import-time and rebuilt inventories differ: $(diff imp.json all.json | head -4 | cut -c1-300)"; return 1; }
import json, sys
def load(f):
    out = []
    for l in open(f):
        h = json.loads(l)
        for k in ('otwatch.used', 'otwatch.served'):
            if len(h.get(k, [])) >= 32:
                h[k] = 'capped'
        out.append(h)
    return out
if load(sys.argv[1]) != load(sys.argv[2]):
    sys.exit(1)
EOF
}

# Addresses: exactly those that sent a packet (tshark ip.src, ipv6.src,
# ARP sender), multicast, broadcast and unspecified aside. MACs: a session
# record keeps the first packet's MAC pair, so the model built here from
# tshark's packets is: per conversation, the first packet's source MAC, and
# its destination MAC when the other side answered; plus the sender of
# every frame that is not IP.
t_vs_tshark_hosts() {
    local r
    # shellcheck disable=SC2086
    r=$(python3 - all.json $FILES 2>&1 <<'EOF'
import json, subprocess, sys, ipaddress
inv = [json.loads(l) for l in open(sys.argv[1])]
ips = {h['host.ip'] for h in inv if 'host.ip' in h}
macs = {h['host.mac'] for h in inv if 'host.mac' in h}
want_ips, want_macs = set(), set()
def unicast(m):
    return m and not int(m[:2], 16) & 1 and m != '00:00:00:00:00:00'
fields = ['ip.src', 'ipv6.src', 'arp.src.proto_ipv4', 'eth.src', 'eth.dst', 'ip.dst', 'ipv6.dst',
          'ip.proto', 'ipv6.nxt', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport']
for f in sys.argv[2:]:
    cmd = ['tshark', '-r', f, '-T', 'fields', '-E', 'occurrence=f']
    for x in fields:
        cmd += ['-e', x]
    conv = {}
    for line in subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines():
        v = dict(zip(fields, line.split('\t')))
        for a in (v['ip.src'], v['ipv6.src'], v['arp.src.proto_ipv4']):
            if not a:
                continue
            x = ipaddress.ip_address(a)
            if not (x.is_unspecified or x.is_multicast or a == '255.255.255.255'):
                want_ips.add(str(x))
        src = v['ip.src'] or v['ipv6.src']
        if not src:
            if unicast(v['eth.src']):
                want_macs.add(v['eth.src'])
            continue
        dst = v['ip.dst'] or v['ipv6.dst']
        sp = v['tcp.srcport'] or v['udp.srcport']
        dp = v['tcp.dstport'] or v['udp.dstport']
        key = (v['ip.proto'] or v['ipv6.nxt'], frozenset([(src, sp), (dst, dp)]))
        if key not in conv:
            conv[key] = [(src, sp), v['eth.src'], v['eth.dst'], False]
        elif conv[key][0] != (src, sp):
            conv[key][3] = True
    for first, smac, dmac, answered in conv.values():
        if unicast(smac):
            want_macs.add(smac)
        if answered and unicast(dmac):
            want_macs.add(dmac)
bad = []
if ips != want_ips:
    bad.append(f'addresses only in otwatch {sorted(ips - want_ips)}, only in tshark {sorted(want_ips - ips)}')
if macs != want_macs:
    bad.append(f'MACs only in otwatch {sorted(macs - want_macs)}, only in tshark {sorted(want_macs - macs)}')
if bad:
    sys.exit('; '.join(bad))
print(len(ips), 'addresses,', len(macs), 'MACs')
EOF
    ) || fail "$r" || return 1
    echo "# $r, as tshark's packets say"
}

# Vendors: the longest registered prefix (MA-S/IAB 36 bits, MA-M 28, MA-L
# 24) from /usr/share/ieee-data, read here with Python's csv module.
t_vendors() {
    local r
    r=$(python3 - all.json 2>&1 <<'EOF'
import csv, json, sys
reg = {}
for f, n in (('oui.csv', 6), ('mam.csv', 7), ('oui36.csv', 9), ('iab.csv', 9)):
    try:
        for row in csv.reader(open('/usr/share/ieee-data/' + f, encoding='utf-8', errors='replace')):
            if len(row) >= 3 and len(row[1]) == n and row[0] != 'Registry':
                reg[row[1].upper()] = row[2].strip()
    except FileNotFoundError:
        pass
def vendor(mac):
    h = mac.replace(':', '').upper()
    if int(h[:2], 16) & 2:
        return '(locally administered)'
    for n in (9, 7, 6):
        if h[:n] in reg:
            return reg[h[:n]]
    return None
inv = [json.loads(l) for l in open(sys.argv[1])]
bad, n = [], 0
for h in inv:
    if 'host.mac' not in h:
        continue
    want, got = vendor(h['host.mac']), h.get('otwatch.vendor')
    if want != got:
        bad.append(f"{h['host.mac']}: {got!r}, ieee-data {want!r}")
    n += want is not None
if bad:
    sys.exit('; '.join(bad[:5]))
if n < 10:
    sys.exit(f'only {n} vendors found')
print(n)
EOF
    ) || fail "$r" || return 1
    echo "# $r MACs with the ieee-data vendor"
}

# facts KEY KIND: the values of one kind of fact of a host, sorted, one a line
facts() {
    "$OTW" assets show "$1" --db inv.db --format json | python3 -c '
import json, sys
o = json.load(sys.stdin)
f = o.get("otwatch.facts", {})
vals = [x["value"] for x in f.get(sys.argv[1], [])] + [x["value"] for x in f.get("mac", {}).get(sys.argv[1], [])]
print("\n".join(sorted(set(vals))))' "$2"
}

t_lldp_names() {
    local mac name n=0
    while IFS=$'\t' read -r mac name; do
        [ -n "$name" ] || continue
        eq "$(facts "$mac" name.lldp)" "$name" "LLDP system name of $mac" || return 1
        n=$((n + 1))
    done < <(tshark -r "$P/noise/arkime-wireshark-lldp.pcap" -Y lldp -T fields -e eth.src -e lldp.tlv.system.name 2>/dev/null)
    [ "$n" -eq 2 ] || fail "$n LLDP names checked, expected 2"
}

t_dhcp_names() {
    local mac name n=0
    while IFS=$'\t' read -r mac name; do
        eq "$(facts "$mac" name.dhcp)" "$name" "DHCP host name of $mac" || return 1
        n=$((n + 1))
    done < <(tshark -r "$TB/modbus_write.pcap" -Y 'dhcp.option.hostname && dhcp.type == 1' -T fields -E occurrence=f -e dhcp.hw.mac_addr -e dhcp.option.hostname 2>/dev/null | sort -u)
    [ "$n" -ge 1 ] || fail "no DHCP host name in the capture"
}

# NetBIOS: the unique workstation/server names (<00>, <20>) a host registered.
t_nbns_names() {
    local ip want got
    ip=$(tshark -r "$P/noise/arkime-nbns.pcap" -Y 'nbns.flags.opcode == 5' -T fields -e ip.src 2>/dev/null | sort -u)
    want=$(tshark -r "$P/noise/arkime-nbns.pcap" -Y 'nbns.flags.opcode == 5 && nbns.flags.response == 0 && nbns.nb_flags.group == 0' -T fields -e nbns.name 2>/dev/null |
        sed -n 's/^\([^<]*\)<\(00\|20\)>.*/\1/p' | sed 's/ *$//' | sort -u)
    got=$(facts "$ip" name.nbns)
    eq "$got" "$want" "NetBIOS names of $ip" || return 1
    [ -n "$want" ] || fail "no name in the capture"
}

t_bacnet_identity() {
    local ip inst vend n=0
    while IFS=$'\t' read -r ip inst vend; do
        eq "$(facts "$ip" bacnet.device_instance)" "$inst" "I-Am device instance of $ip" || return 1
        eq "$(facts "$ip" bacnet.vendor_id)" "$vend" "I-Am vendor id of $ip" || return 1
        n=$((n + 1))
    done < <(tshark -r "$P/bacnet/arkime-bacnet-stack-services.pcap" -Y 'ip && bacapp.unconfirmed_service == 0' -T fields -E occurrence=f -e ip.src -e bacapp.instance_number -e bacapp.vendor_identifier 2>/dev/null | sort -u)
    [ "$n" -eq 2 ] || fail "$n I-Am senders checked, expected 2"
}

t_enip_identity() {
    local ip name serial n=0
    while IFS=$'\t' read -r ip name serial; do
        eq "$(facts "$ip" enip.product_name)" "$name" "ListIdentity product name of $ip" || return 1
        eq "$(facts "$ip" enip.serial)" "${serial#0x}" "ListIdentity serial of $ip" || return 1
        n=$((n + 1))
    done < <(tshark -r ot-ident.pcap -Y enip.lir.name -T fields -E occurrence=f -e ip.src -e enip.lir.name -e enip.lir.serial 2>/dev/null)
    [ "$n" -eq 1 ] || fail "$n ListIdentity replies checked, expected 1"
}

t_s7_identity() {
    local ip v sys mod ser typ
    ip=$(tshark -r ot-ident.pcap -Y 's7comm.szl.xy11.0001.anz' -T fields -e ip.src 2>/dev/null)
    v=$(tshark -r ot-ident.pcap -Y 's7comm.szl.xy11.0001.anz' -T fields -e s7comm.szl.xy11.0001.anz 2>/dev/null | sed 's/ *$//')
    [ -n "$ip" ] && [ -n "$v" ] || fail "tshark sees no SZL 0x0011 answer" || return 1
    eq "$(facts "$ip" s7.order_number)" "$v" "order number of $ip" || return 1
    IFS=$'\t' read -r sys mod ser typ < <(tshark -r ot-ident.pcap -Y 's7comm.szl.001c.0002.name' -T fields -e s7comm.szl.001c.0001.name -e s7comm.szl.001c.0002.name -e s7comm.szl.001c.0005.serialn -e s7comm.szl.001c.0007.cputypname 2>/dev/null)
    eq "$(facts "$ip" s7.system_name)" "$sys" "automation system name" || return 1
    eq "$(facts "$ip" s7.module_name)" "$mod" "module name" || return 1
    eq "$(facts "$ip" s7.serial)" "$ser" "serial number" || return 1
    eq "$(facts "$ip" s7.module_type)" "$typ" "module type name"
}

# DNS: every name the inventory gives an address is, in one answer tshark
# shows, the question or a record's owner name with that A/AAAA address, or
# the answer of a PTR question on it.
t_dns_names() {
    local r
    "$OTW" assets --db inv.db --format json --all >dns.json
    r=$(python3 - dns.json "$P/dns/arkime-dns-udp.pcap" "$P/dns/zeek-dns53.pcap" 2>&1 <<'EOF'
import json, subprocess, sys
pairs = set()
for f in sys.argv[2:]:
    out = subprocess.run(['tshark', '-r', f, '-Y', 'dns.flags.response == 1', '-T', 'fields',
                          '-e', 'dns.qry.name', '-e', 'dns.a', '-e', 'dns.aaaa', '-e', 'dns.ptr.domain_name',
                          '-e', 'dns.resp.name'],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        q, a, aaaa, ptr, owners = (line.split('\t') + ['', '', '', '', ''])[:5]
        # the question's name, or the owner name of a record in the same answer
        for name in [q] + owners.split(','):
            for x in (a + ',' + aaaa).split(','):
                if x and name:
                    pairs.add((name.lower(), x))
        if ptr and q.endswith('.in-addr.arpa'):
            ip = '.'.join(reversed(q[:-len('.in-addr.arpa')].split('.')))
            for p in ptr.split(','):
                pairs.add((p.lower(), ip))
n, bad = 0, []
for h in (json.loads(l) for l in open(sys.argv[1])):
    if 'host.ip' not in h:
        continue
    for name in h.get('host.hostname', []):
        if '.' not in name:
            continue    # NetBIOS/DHCP names are checked elsewhere
        n += 1
        if (name.lower(), h['host.ip']) not in pairs:
            bad.append(f"{h['host.ip']} = {name}")
if bad:
    sys.exit('not answers: ' + '; '.join(bad[:5]))
if n < 10:
    sys.exit(f'only {n} DNS names')
print(n)
EOF
    ) || fail "$r" || return 1
    echo "# $r DNS names, each an answer tshark shows"
}

# IP changes over time: the HMI got another address by DHCP in the
# modbus_write scenario; `assets show MAC` lists both with first/last seen.
t_ip_history() {
    local mac ip
    mac=$(tshark -r "$TB/modbus_write.pcap" -Y 'dhcp.type == 2 && dhcp.option.dhcp == 5' -T fields -e dhcp.hw.mac_addr 2>/dev/null | head -1)
    ip=$(tshark -r "$TB/modbus_write.pcap" -Y 'dhcp.option.dhcp == 5' -T fields -e dhcp.ip.your 2>/dev/null | head -1)
    [ -n "$mac" ] && [ -n "$ip" ] || fail "no DHCP ACK in the capture" || return 1
    otw o e assets show "$mac" --db inv.db
    eq "$RC" 0 "assets show $mac" || return 1
    has o "addresses of this MAC over time" "history heading" || return 1
    grep -E "^ +$mac +$ip +.*dhcp" o >/dev/null || fail "no DHCP binding $mac $ip in: $(tr '\n' '|' <o)" || return 1
    grep -E "^ +$mac +192\.168\.10\.10 +.*arp" o >/dev/null || fail "no ARP binding for 192.168.10.10: $(tr '\n' '|' <o)"
}

# --- layer 2 through a filter that drops broadcast and multicast -----------------------

t_l2_filtered() {
    local n
    otw o e import -q --db l2.db --filter ot-basic "$P/noise/arkime-wireshark-lldp.pcap" "$P/noise/arkime-nbns.pcap" "$TB/modbus_write.pcap"
    eq "$RC" 0 "import --filter ot-basic ($(cat e))" || return 1
    n=$(sqlite3 l2.db "select count(*) from sessions where dst_ip = x'00000000000000000000ffffc0a8efff'")
    eq "$n" 0 "NetBIOS broadcasts kept as sessions by ot-basic" || return 1
    eq "$(sqlite3 l2.db "select group_concat(name, '|') from (select distinct name from l2_seen where name <> '' order by name)")" \
        "HMI01|MDJR98|ProCurve Switch 2600-8-PWR|Summit300-48" "l2_seen names" || return 1
    otw o e assets rebuild --db l2.db
    eq "$RC" 0 "rebuild" || return 1
    otw o e assets show 192.168.239.129 --db l2.db
    has o "MDJR98" "NetBIOS name through l2_seen" || return 1
    otw o e assets show 00:01:30:f9:ad:a0 --db l2.db
    has o "Summit300-48" "LLDP name through l2_seen" || return 1
    has o "Extreme Networks" "vendor of the switch" || return 1
    otw o e assets show 02:0a:c0:a8:0a:0a --db l2.db
    has o "HMI01" "DHCP host name through l2_seen"
}

# --- names and roles ------------------------------------------------------------------

cat >plant.conf <<'EOF'
# the plant's hosts
plant.timezone = +09:00
asset = 192.168.10.20 name=scada role="SCADA server"
asset = 02:0a:c0:a8:0a:1e name=plc1 role=PLC
asset = 192.168.10.10 role=HMI
EOF

t_names_sessions() {
    otw o e sessions --db inv.db 'ip.dst == 192.168.10.30 && port.dst == 502' --limit 3
    eq "$RC" 0 "sessions without settings" || return 1
    hasnt o "(plc1)" "no label without settings" || return 1
    OTWATCH_CONFIG=$W/plant.conf otw o e sessions --db inv.db 'ip.src == 192.168.10.20 && ip.dst == 192.168.10.30 && port.dst == 502' --limit 3
    eq "$RC" 0 "sessions with settings ($(cat e))" || return 1
    has o "192.168.10.30:502 (plc1)" "PLC named by its MAC, next to the address" || return 1
    has o "(scada)" "SCADA named by its address" || return 1
    OTWATCH_CONFIG=$W/plant.conf otw s.json e sessions --db inv.db 'ip.src == 192.168.10.20 && port.dst == 502' --format json
    python3 - s.json <<'EOF' || { fail "JSON names: $(head -c 300 s.json)"; return 1; }
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows, 'no rows'
for r in rows:
    assert r['source.name'] == 'scada' and r['source.role'] == 'SCADA server', r
    if r['destination.ip'] == '192.168.10.30':
        assert r['destination.name'] == 'plc1' and r['destination.role'] == 'PLC', r
EOF
    OTWATCH_CONFIG=$W/plant.conf otw s.csv e sessions --db inv.db 'ip.src == 192.168.10.10' --format csv --limit 2
    python3 - s.csv <<'EOF' || { fail "CSV names: $(head -c 300 s.csv)"; return 1; }
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert rows and all(r['source.role'] == 'HMI' and r['source.name'] == '' for r in rows), rows[:1]
EOF
}

t_names_hosts() {
    otw o e hosts --db inv.db --config plant.conf
    eq "$RC" 0 "hosts --config" || return 1
    grep -E '^192\.168\.10\.20 +02:0a:c0:a8:0a:14 +scada \(SCADA server\)' o >/dev/null ||
        fail "hosts line of scada: $(grep 192.168.10.20 o)" || return 1
    grep -E '^192\.168\.10\.30 .*plc1 \(PLC\)' o >/dev/null || fail "hosts line of plc: $(grep 192.168.10.30 o)" || return 1
    otw o e hosts --db inv.db --config plant.conf --format json
    has o '"host.ip":"192.168.10.20","host.mac":"02:0a:c0:a8:0a:14","host.name":"scada","otwatch.role":"SCADA server"' "hosts JSON"
}

t_names_assets() {
    otw o e assets --db inv.db --config plant.conf --role plc
    eq "$RC" 0 "assets --role" || return 1
    eq "$(grep -c '^192' o)" 1 "hosts with role PLC" || return 1
    has o "plc1 (PLC)" "PLC row" || return 1
    otw o e assets show 192.168.10.20 --db inv.db --config plant.conf
    has o "scada (SCADA server)  [from plant.conf:3]" "where the name comes from" || return 1
    otw o e assets list scada --db inv.db --config plant.conf --format csv
    eq "$(wc -l <o)" 2 "search by name: header and one row" || return 1
    has o "192.168.10.20,02:0a:c0:a8:0a:14,(locally administered),scada,SCADA server" "CSV row"
}

t_set_unset() {
    otw o e assets set 192.168.10.40 --name maint --role "maintenance server" --db inv.db
    eq "$RC" 0 "set ($(cat e))" || return 1
    eq "$(sqlite3 inv.db "select name || '/' || role from asset_labels where key = x'00000000000000000000ffffc0a80a28'")" "maint/maintenance server" "stored label" || return 1
    # --role alone keeps the name
    otw o e assets set 192.168.10.40 --role "engineering workstation" --db inv.db
    otw o e assets show 192.168.10.40 --db inv.db
    has o "maint (engineering workstation)  [from assets set]" "role changed, name kept" || return 1
    otw o e sessions --db inv.db 'ip.src == 192.168.10.40' --limit 1
    has o "192.168.10.40" "session of maint" || return 1
    grep -qE '192\.168\.10\.40(:[0-9]+)? \(maint\)' o || fail "sessions label from assets set: $(tr '\n' '|' <o)" || return 1
    # the database's word wins over the settings file
    otw o e assets set 192.168.10.20 --name scada-a --db inv.db
    otw o e assets show 192.168.10.20 --db inv.db --config plant.conf
    has o "scada-a (SCADA server)  [from assets set]" "set overrides the file" || return 1
    otw o e assets unset 192.168.10.20 --db inv.db
    eq "$RC" 0 "unset" || return 1
    otw o e assets show 192.168.10.20 --db inv.db --config plant.conf
    has o "scada (SCADA server)  [from plant.conf:3]" "back to the file's name" || return 1
    otw o e assets unset 192.168.10.20 --db inv.db --config plant.conf
    eq "$RC" 1 "unset of a name from the file" || return 1
    has e "comes from the settings file" "message points to the file" || return 1
    otw o e assets unset 192.168.10.99 --db inv.db
    eq "$RC" 1 "unset of nothing" || return 1
    has e "no name or role was given to 192.168.10.99" "message"
}

# --- bad input --------------------------------------------------------------------------

t_bad_input() {
    usage_err "bad IP" "'192.168.10.300' is not an IP address or a MAC" assets set 192.168.10.300 --name x --db inv.db || return 1
    usage_err "short MAC" "is not an IP address or a MAC" assets set 02:0a:c0:a8:0a --name x --db inv.db || return 1
    usage_err "neither name nor role" "give --name NAME, --role ROLE or both" assets set 192.168.10.20 --db inv.db || return 1
    usage_err "empty name" "--name must be 1 to 63 characters" assets set 192.168.10.20 --name "" --db inv.db || return 1
    usage_err "long role" "--role must be 1 to 63" assets set 192.168.10.20 --role "$(printf 'r%.0s' $(seq 70))" --db inv.db || return 1
    usage_err "control character" "control character" assets set 192.168.10.20 --name "$(printf 'a\tb')" --db inv.db || return 1
    usage_err "group MAC" "group MAC" assets set 01:00:5e:00:00:01 --name x --db inv.db || return 1
    usage_err "broadcast" "not a host's address" assets set 255.255.255.255 --name x --db inv.db || return 1
    usage_err "unknown subcommand" "unknown subcommand 'frobnicate'" assets frobnicate --db inv.db || return 1
    usage_err "format" "--format takes table, json or csv" assets --format xml --db inv.db || return 1
    usage_err "bad range" "'10.0.0.0/40' is not an address range" assets 10.0.0.0/40 --db inv.db || return 1
    usage_err "rebuild argument" "takes no arguments" assets rebuild x --db inv.db || return 1
    usage_err "show without key" "give one IP address or MAC" assets show --db inv.db || return 1
    printf 'asset = 192.168.10.20 name="SCADA server\n' >bad1.conf
    usage_err "unterminated quote" "bad1.conf:1: asset: unterminated quote" assets --db inv.db --config bad1.conf || return 1
    printf '# x\n\nasset = 192.168.10.20 colour=red\n' >bad2.conf
    OTWATCH_CONFIG=$W/bad2.conf otw o e sessions --db inv.db --limit 1
    no_crash e || return 1
    eq "$RC" 2 "sessions with a bad settings file" || return 1
    has e "bad2.conf:3: asset: unknown attribute 'colour'" "sessions message" || return 1
    printf 'asset = 02:0a:c0:a8:0a:zz role=PLC\n' >bad3.conf
    usage_err "bad MAC in the file" "bad3.conf:1: asset: '02:0a:c0:a8:0a:zz' is not an IP address or a MAC" hosts --db inv.db --config bad3.conf || return 1
    otw o e assets --db inv.db --config does-not-exist.conf
    eq "$RC" 2 "missing --config file" || return 1
    has e "does-not-exist.conf" "names the file" || return 1
    otw o e assets show 10.99.99.99 --db inv.db
    eq "$RC" 1 "show of an unknown host" || return 1
    has e "10.99.99.99 is not in the inventory" "message" || return 1
    otw o e assets --db nothing-here.db
    eq "$RC" 1 "no database" || return 1
    has e "no database at nothing-here.db" "message"
}

check "rebuild from sessions and l2_seen (twice, same)"      t_rebuild
check "import-time inventory equals the rebuilt one"         t_import_equals_rebuild
check "addresses and MACs, as tshark's packets say"          t_vs_tshark_hosts
check "vendors: longest prefix in ieee-data"                 t_vendors
check "LLDP system names (tshark)"                           t_lldp_names
check "DHCP host names (tshark)"                             t_dhcp_names
check "NetBIOS names (tshark)"                               t_nbns_names
check "BACnet I-Am identities (tshark)"                      t_bacnet_identity
check "EtherNet/IP ListIdentity (tshark)"                    t_enip_identity
check "S7 SZL identification (tshark)"                       t_s7_identity
check "DNS names are answers (tshark)"                       t_dns_names
check "IP changes over time (DHCP, ARP)"                     t_ip_history
check "layer-2 names when the filter drops broadcast"        t_l2_filtered
check "names and roles in sessions (table, JSON, CSV)"       t_names_sessions
check "names and roles in hosts"                             t_names_hosts
check "names and roles in assets (--role, show, search)"     t_names_assets
check "assets set / unset"                                   t_set_unset
check "bad input: exit 2 and a clear message"               t_bad_input

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
