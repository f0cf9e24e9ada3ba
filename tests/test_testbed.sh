#!/usr/bin/env bash
# tests/test_testbed.sh - checks the testbed's captures with tshark.
#
#   bash tests/test_testbed.sh [OTWATCH-BINARY] [SOURCE-DIR]
#
# (a) When run as root where network namespaces work, runs every scenario
#     (testbed/run all, about 5 minutes) and checks each fresh capture;
#     otherwise prints "skipped: <why>". OTW_TESTBED_LIVE=0 skips it too.
# (b) Always checks the committed captures in tests/testbed/ the same way.
#
# Every check compares a count taken from a capture with a bound, so a
# capture that lacks what its scenario claims fails. The last line is
# "N passed, N failed"; the exit status is non-zero if anything failed.
# The first argument (the otwatch binary) is not used: this tests the
# testbed, not the monitor.
set -euo pipefail

SRC=$(readlink -f "${2:-$(dirname "$0")/..}")
COMMITTED=$SRC/tests/testbed
PASSED=0 FAILED=0

# Addresses and MACs of testbed/run.
HMI=192.168.10.10 SCADA=192.168.10.20 PLC=192.168.10.30
MAINT=192.168.10.40 C2=203.0.113.66 VENDOR=203.0.113.10
MAINT_MAC=02:0a:c0:a8:0a:28
SCENARIOS=(normal normal2 scan_ssh c2_blocked c2_open rdp_night modbus_write arp_mitm)

pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$1"; }

# Counting is batched: one tshark pass per capture counts the frames of every
# display filter registered with "want" (io,stat with a 0 interval), and one
# more pass dumps the TCP fields that "distinct", "max_stream_bytes" and
# "unanswered_syn_streams" read. tshark starts slowly; this keeps the whole
# test to a couple of tshark runs per capture.
#
# want LABEL FILTER OP BOUND: the number of frames matching FILTER (no
# commas in it: io,stat splits on them).
LBL=() FLT=() VAL=() OPS=() BND=()
want() { LBL+=("$1"); FLT+=("$2"); VAL+=(""); OPS+=("$3"); BND+=("$4"); }
# expect LABEL VALUE OP BOUND: a value computed otherwise.
expect() { LBL+=("$1"); FLT+=(""); VAL+=("$2"); OPS+=("$3"); BND+=("$4"); }

# flush FILE: count all registered filters over FILE, then judge in order.
flush() {
	local f=$1 i args=() counts=()
	for i in "${!FLT[@]}"; do [[ -n ${FLT[$i]} ]] && args+=("${FLT[$i]}"); done
	if ((${#args[@]})); then
		local IFS=,
		# The last table row holds "| Frames | Bytes |" per filter.
		mapfile -t counts < <(tshark -n -r "$f" -q -z "io,stat,0,${args[*]}" 2>/dev/null |
			awk -F'|' '/<>/ { for (c = 3; c <= NF - 1; c += 2) { gsub(/ /, "", $c); print $c } }')
		unset IFS
	fi
	local k=0
	for i in "${!LBL[@]}"; do
		if [[ -n ${FLT[$i]} ]]; then VAL[$i]=${counts[$k]:-}; k=$((k + 1)); fi
		judge "${LBL[$i]}" "${VAL[$i]}" "${OPS[$i]}" "${BND[$i]}"
	done
	LBL=() FLT=() VAL=() OPS=() BND=()
}
judge() {
	local label=$1 actual=$2 op=$3 bound=$4
	local holds=0
	if [[ $actual =~ ^[0-9]+$ ]]; then
		case $op in
		-eq) ((actual == bound)) && holds=1 ;;
		-ge) ((actual >= bound)) && holds=1 ;;
		-gt) ((actual > bound)) && holds=1 ;;
		-le) ((actual <= bound)) && holds=1 ;;
		-lt) ((actual < bound)) && holds=1 ;;
		esac
	fi
	if ((holds)); then
		pass "$label: $actual $op $bound"
	else
		fail "$label: got '$actual', want $op $bound"
	fi
}

# tcp_dump FILE: one line per TCP or Modbus frame, into $TCPF:
#   stream src dst dstport syn ack len func_code
tcp_dump() {
	tshark -n -r "$1" -Y tcp -T fields -e tcp.stream -e ip.src -e ip.dst -e tcp.dstport \
		-e tcp.flags.syn -e tcp.flags.ack -e tcp.len -e modbus.func_code \
		2>/dev/null | tr -d '\r' >"$TCPF" || true
}
# distinct AWK-CONDITION FIELD-NUMBER: distinct values of a field among
# the frames of $TCPF meeting the condition (fields as $1..$8 above).
distinct() { awk -F'\t' "($1) && \$$2 != \"\" { print \$$2 }" "$TCPF" | sort -u | grep -c . || true; }
# syn_ports SRC: distinct destination ports of SYNs from SRC.
syn_ports() { distinct "\$2 == \"$1\" && \$5 == \"1\" && \$6 == \"0\"" 4; }
# ssh_sessions SRC DST: TCP sessions to DST:22 that carried data.
ssh_sessions() { distinct "\$2 == \"$1\" && \$3 == \"$2\" && \$4 == \"22\" && \$7 > 0" 1; }
# max_stream_bytes A B: over the TCP streams between A and B, the largest
# min(payload client->server, payload server->client), where the client is
# the sender of the SYN. Shows "MBs flowed both ways".
max_stream_bytes() {
	awk -F'\t' -v a="$1" -v b="$2" '
		!(($2 == a && $3 == b) || ($2 == b && $3 == a)) { next }
		$5 == "1" && $6 == "0" { client[$1] = $2 }
		{ if ($2 == client[$1]) up[$1] += $7; else down[$1] += $7 }
		END { best = 0
		      for (s in client) { m = up[s] < down[s] ? up[s] : down[s]; if (m > best) best = m }
		      print best + 0 }' "$TCPF"
}
# unanswered_syn_streams ADDR: streams to or from ADDR with a SYN but no SYN-ACK.
unanswered_syn_streams() {
	awk -F'\t' -v a="$1" '
		$2 != a && $3 != a { next }
		$5 == "1" && $6 == "0" { syn[$1] = 1 }
		$5 == "1" && $6 == "1" { synack[$1] = 1 }
		END { n = 0; for (s in syn) if (!(s in synack)) n++; print n }' "$TCPF"
}
# local_hour FILE: plant-local (UTC+9) hour of the first packet.
local_hour() {
	local t
	t=$(capinfos -T -r -S -a "$1" 2>/dev/null | awk '{print $NF}' | cut -d. -f1) || true
	[[ $t =~ ^[0-9]+$ ]] || { echo x; return; }
	echo $((((t + 9 * 3600) % 86400) / 3600))
}

# Operation and noise: present in every capture of the plant.
check_common() {
	local n=$1
	want "$n: Modbus queries SCADA -> PLC:502" "ip.src==$SCADA && ip.dst==$PLC && tcp.dstport==502 && mbtcp" -ge 10
	want "$n: Modbus responses PLC:502 -> SCADA" "ip.src==$PLC && ip.dst==$SCADA && tcp.srcport==502 && mbtcp" -ge 10
	expect "$n: Modbus function codes SCADA uses (1 3 4 6)" \
		"$(distinct "\$2 == \"$SCADA\" && \$4 == \"502\" && \$8 ~ /^(1|3|4|6)$/" 8)" -eq 4
	want "$n: TLS records HMI -> SCADA:20295" "ip.src==$HMI && ip.dst==$SCADA && tcp.dstport==20295 && tls.record" -ge 5
	want "$n: TLS records SCADA:20295 -> HMI" "ip.src==$SCADA && ip.dst==$HMI && tcp.srcport==20295 && tls.record" -ge 5
	want "$n: 502/20295 payload only between the right hosts" \
		"((tcp.port==502 && !(ip.addr==$PLC)) || (tcp.port==20295 && !(ip.addr==$SCADA))) && tcp.len>0" -eq 0
	want "$n: noise ICMP echo" "icmp.type==8" -ge 1
	want "$n: noise IPv6 link-local/ND/MLD" "icmpv6.type==133 || icmpv6.type==135 || icmpv6.type==136 || icmpv6.type==143" -ge 1
	want "$n: noise ARP" "arp" -ge 2
	want "$n: noise IGMP" "igmp" -ge 1
	want "$n: noise mDNS" "mdns" -ge 1
	want "$n: noise SSDP" "ssdp" -ge 1
	want "$n: noise NetBIOS name service" "nbns" -ge 1
	want "$n: noise DHCP" "dhcp" -ge 1
	want "$n: no IPv4 address outside the testbed's ranges" "ip && !((ip.src==192.168.10.0/24 || ip.src==203.0.113.0/24 || ip.src==198.51.100.0/24 || ip.src==0.0.0.0) && (ip.dst==192.168.10.0/24 || ip.dst==203.0.113.0/24 || ip.dst==198.51.100.0/24 || ip.dst==224.0.0.0/4 || ip.dst==255.255.255.255))" -eq 0
}

check_normal() {
	local n=$1
	expect "$n: scheduled maintenance SSH maintenance -> SCADA" "$(ssh_sessions $MAINT $SCADA)" -eq 1
	expect "$n: TCP ports the maintenance server opens (SSH only)" "$(syn_ports $MAINT)" -eq 1
	want "$n: nothing to or from the internet" "ip.addr==203.0.113.0/24 || ip.addr==198.51.100.0/24" -eq 0
}
check_normal2() {
	local n=$1
	want "$n: no maintenance SSH" "tcp.port==22" -eq 0
	want "$n: SCADA restarts: Modbus connections" "ip.src==$SCADA && tcp.dstport==502 && tcp.flags.syn==1 && tcp.flags.ack==0" -ge 2
	want "$n: HMI link restarts: TLS ClientHellos" "ip.src==$HMI && tcp.dstport==20295 && tls.handshake.type==1" -ge 2
	want "$n: nothing to or from the internet" "ip.addr==203.0.113.0/24 || ip.addr==198.51.100.0/24" -eq 0
}
check_scan_ssh() {
	local n=$1
	expect "$n: SSH sessions vendor -> maintenance server" "$(ssh_sessions $VENDOR $MAINT)" -ge 1
	expect "$n: distinct TCP ports probed from the maintenance server" "$(syn_ports $MAINT)" -ge 100
	expect "$n: hosts probed from the maintenance server" \
		"$(distinct "\$2 == \"$MAINT\" && \$5 == \"1\" && \$6 == \"0\"" 3)" -ge 4
	expect "$n: SSH sessions maintenance -> SCADA" "$(ssh_sessions $MAINT $SCADA)" -ge 5
}
check_c2_blocked() {
	local n=$1
	want "$n: SYNs HMI -> C2:443" "ip.src==$HMI && ip.dst==$C2 && tcp.dstport==443 && tcp.flags.syn==1 && tcp.flags.ack==0" -ge 3
	want "$n: SYNs HMI -> C2:4444" "ip.src==$HMI && ip.dst==$C2 && tcp.dstport==4444 && tcp.flags.syn==1 && tcp.flags.ack==0" -ge 3
	expect "$n: unanswered connection attempts to C2" "$(unanswered_syn_streams $C2)" -ge 4
	want "$n: SYN-ACKs from C2" "ip.src==$C2 && tcp.flags.syn==1 && tcp.flags.ack==1" -eq 0
	want "$n: any packet from C2" "ip.src==$C2" -eq 0
}
check_c2_open() {
	local n=$1
	want "$n: SYN-ACKs from C2" "ip.src==$C2 && tcp.flags.syn==1 && tcp.flags.ack==1" -ge 1
	expect "$n: payload bytes each way, largest HMI<->C2 session" "$(max_stream_bytes $HMI $C2)" -gt 1000000
	want "$n: reverse shell: data from C2:4444" "ip.src==$C2 && tcp.srcport==4444 && tcp.len>0" -ge 1
}
check_rdp_night() {
	local n=$1 f=$2
	expect "$n: SSH sessions maintenance -> HMI (the RDP forward)" "$(ssh_sessions $MAINT $HMI)" -ge 1
	want "$n: RDP connection requests maintenance -> HMI:3389" \
		"ip.src==$MAINT && ip.dst==$HMI && tcp.dstport==3389 && rdp.rt_cookie" -ge 1
	want "$n: RDP data HMI:3389 -> maintenance" "ip.src==$HMI && tcp.srcport==3389 && tcp.len>0" -ge 10
	expect "$n: plant-local hour of the first packet (night)" "$(local_hour "$f")" -lt 5
	expect "$n: editcap shift recorded in .meta" \
		"$(grep -c '^editcap_shift_seconds=-\?[0-9]' "${f%.pcap}.meta" 2>/dev/null || true)" -eq 1
}
check_modbus_write() {
	local n=$1
	want "$n: Modbus writes maintenance -> PLC (FC 5/6)" \
		"ip.src==$MAINT && ip.dst==$PLC && tcp.dstport==502 && (modbus.func_code==5 || modbus.func_code==6)" -ge 3
	want "$n: PLC answers the maintenance server" "ip.src==$PLC && ip.dst==$MAINT && tcp.srcport==502 && mbtcp" -ge 4
}
check_arp_mitm() {
	local n=$1
	want "$n: ARP replies from the maintenance MAC claiming SCADA's IP" \
		"arp.opcode==2 && eth.src==$MAINT_MAC && arp.src.proto_ipv4==$SCADA" -ge 3
	want "$n: ARP replies from the maintenance MAC claiming the PLC's IP" \
		"arp.opcode==2 && eth.src==$MAINT_MAC && arp.src.proto_ipv4==$PLC" -ge 3
	want "$n: SCADA -> PLC frames sent to the maintenance MAC" \
		"ip.src==$SCADA && ip.dst==$PLC && tcp.port==502 && eth.dst==$MAINT_MAC" -ge 5
	want "$n: ... and relayed by it" "ip.src==$SCADA && ip.dst==$PLC && tcp.port==502 && eth.src==$MAINT_MAC" -ge 5
}
check_demo() {
	local n=$1 f=$2 dur
	check_common "$n"
	expect "$n: SSH sessions maintenance -> SCADA (scheduled + guesses)" "$(ssh_sessions $MAINT $SCADA)" -ge 6
	expect "$n: distinct TCP ports probed from the maintenance server" "$(syn_ports $MAINT)" -ge 100
	expect "$n: unanswered connection attempts to C2" "$(unanswered_syn_streams $C2)" -ge 4
	expect "$n: payload bytes each way, largest HMI<->C2 session" "$(max_stream_bytes $HMI $C2)" -gt 1000000
	dur=$(capinfos -T -r -u "$f" 2>/dev/null | awk '{print $NF}' | cut -d. -f1) || true
	expect "$n: seconds spanned (a working day)" "${dur:-x}" -ge 28800
}

check_dir() { # DIR LABEL
	local d=$1 label=$2 s
	echo "== $label: $d"
	for s in "${SCENARIOS[@]}"; do check_capture "$d/$s.pcap" "$label/$s"; done
}

# check_capture FILE LABEL/SCENARIO: the common checks and the scenario's own.
check_capture() {
	local f=$1 n=$2 s=${2##*/}
	if [[ ! -s $f ]]; then
		fail "$n: capture $f missing or empty"
		return
	fi
	tcp_dump "$f"
	if [[ $s != demo ]]; then check_common "$n"; fi
	"check_$s" "$n" "$f"
	flush "$f"
}

if ! command -v tshark >/dev/null 2>&1; then
	if ((EUID == 0)); then
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tshark >/dev/null 2>&1 || true
	fi
	command -v tshark >/dev/null 2>&1 || { echo "tshark is needed"; echo "0 passed, 1 failed"; exit 1; }
fi
WORK=$(mktemp -d /tmp/otw-testbed-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
TCPF=$WORK/tcp.tsv

# (a) live
why=
if [[ ${OTW_TESTBED_LIVE:-1} == 0 ]]; then why="OTW_TESTBED_LIVE=0"
elif ((EUID != 0)); then why="not root"
elif ! ip netns list >/dev/null 2>&1; then why="ip netns does not work here"
elif ! ip netns add otw-probe 2>/dev/null; then why="cannot create a network namespace"
else ip netns del otw-probe; fi
if [[ -n $why ]]; then
	echo "skipped: live testbed run ($why); checking the committed captures only"
else
	out=$WORK/live
	mkdir -p "$out"
	echo "== live: testbed/run all (a few minutes)"
	start=$SECONDS
	if "$SRC/testbed/run" -o "$out" all >"$out/run.log" 2>&1; then
		pass "live: testbed/run all finished in $((SECONDS - start))s"
	else
		fail "live: testbed/run all failed; last lines:"
		tail -15 "$out/run.log" | sed 's/^/     /'
	fi
	check_dir "$out" live
fi

# (b) committed
check_dir "$COMMITTED" committed
check_capture "$COMMITTED/demo.pcap" committed/demo
total=$(cat "$COMMITTED"/*.pcap 2>/dev/null | wc -c)
expect "committed: total size of the captures (bytes, a few MB)" "$total" -le 12000000
expect "committed: README beside the captures" "$(test -s "$COMMITTED/README.md" && echo 1 || echo 0)" -eq 1
flush /dev/null

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
