#!/usr/bin/env bash
# tests/test_cli.sh - end-to-end checks of the otwatch command line (issue 2).
#
#   bash tests/test_cli.sh <otwatch-binary> <source-dir>
#
# Every check runs the real binary on real captures (tests/pcaps/), on the
# crafted bad files (tests/bad/) or on files made here from good captures, and
# compares a real outcome: exit status, messages, rows in the database (read
# with the sqlite3 CLI), the output of `otwatch sessions`, and where an
# independent tool can say what is right, tshark/editcap/capinfos.
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`; exits 1
# when any check failed. Needs sqlite3 and python3; the tshark checks are
# skipped (and say so) when tshark is missing.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_cli.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:-$(dirname "$0")/..}")
P=$SRC/tests/pcaps
BAD=$SRC/tests/bad
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-cli.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

PASS=0 FAIL=0 WHY=""
HAVE_TSHARK=0
command -v tshark >/dev/null 2>&1 && command -v editcap >/dev/null 2>&1 && HAVE_TSHARK=1
for t in sqlite3 python3 gzip; do
    command -v "$t" >/dev/null 2>&1 || { echo "not ok - setup: $t is missing"; echo "0 passed, 1 failed"; exit 1; }
done

# --- helpers --------------------------------------------------------------------

# check NAME FUNCTION [ARGS]: the function returns 0 when the outcome is right,
# else sets WHY and returns 1.
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

skip() { echo "ok - $1 # SKIP $2"; PASS=$((PASS + 1)); }

fail() { WHY="$*"; return 1; }

# eq GOT WANT WHAT
eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

# has FILE TEXT WHAT: FILE contains TEXT (fixed string)
has() { grep -qF -- "$2" "$1" || fail "$3: '$2' not in: $(head -c 600 "$1" | tr '\n' '|')"; }

# otw OUT ERR ARGS...: runs otwatch, stdout to OUT, stderr to ERR, status in RC
otw() {
    local out=$1 err=$2
    shift 2
    "$OTW" "$@" >"$out" 2>"$err"
    RC=$?
}

# no_crash ERR: the last run ended by itself, without a sanitizer report
no_crash() {
    [ "$RC" -lt 128 ] || fail "killed by signal $((RC - 128))"
    if grep -qE 'Sanitizer|runtime error:' "$1"; then
        fail "sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error:' "$1" | tr '\n' '|')"
    fi
}

q() { sqlite3 -batch -noheader "$1" "$2"; }

integrity_ok() {
    local r
    r=$(q "$1" 'PRAGMA integrity_check' 2>&1)
    eq "$r" "ok" "integrity_check of $1"
}

# What a session is, independent of ids, file and import order.
SIG="SELECT hex(src_ip), src_port, hex(dst_ip), dst_port, proto, src_packets, dst_packets,
            src_bytes, dst_bytes, start_us, end_us, state, IFNULL(community_id,'')
     FROM sessions"
sig() { q "$1" "$SIG ${2:-} ORDER BY 1,2,3,4,5,10"; }

nsessions() { q "$1" "SELECT count(*) FROM sessions ${2:-}"; }

# import DB ARGS...: a quiet import that must succeed
import_ok() {
    local db=$1
    shift
    otw imp.out imp.err import --no-progress --db "$db" "$@"
    [ "$RC" -eq 0 ] || fail "import $* into $db: exit $RC: $(tr '\n' '|' <imp.err)"
}

# pcap_prefix FILE CUT: prints "BOUNDARY COUNT" for a classic pcap cut to CUT
# bytes: the end of the last whole record and the number of whole records.
pcap_prefix() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()[:int(sys.argv[2])]
e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
off, n = 24, 0
while off + 16 <= len(d):
    caplen = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
    if off + 16 + caplen > len(d):
        break
    off += 16 + caplen
    n += 1
print(off, n)
EOF
}

# pcapng_prefix FILE CUT: same for little-endian pcapng; COUNT counts EPBs.
pcapng_prefix() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()[:int(sys.argv[2])]
off, n = 0, 0
while off + 12 <= len(d):
    t, ln = struct.unpack('<II', d[off:off + 8])
    if off + ln > len(d):
        break
    if t == 6:
        n += 1
    off += ln
print(off, n)
EOF
}

# ======================================================================= 1. bad input

GOOD=$P/modbus/zeek-modbusSmall.pcap     # 166 packets, 19 sessions
GOOD2=$P/dnp3/zeek-dnp3.pcap             # 214 packets

# A pcap cut inside a record: error names file and offset of the cut record;
# the sessions equal those of the whole-record prefix.
t_trunc_pcap() {
    local cut b n
    cut=$(( $(stat -c %s "$GOOD") * 6 / 10 ))
    head -c "$cut" "$GOOD" >cut.pcap
    read -r b n < <(pcap_prefix cut.pcap "$cut")
    [ "$b" -lt "$cut" ] || fail "test setup: cut at $cut falls on a record boundary"
    head -c "$b" "$GOOD" >prefix.pcap
    import_ok ref-cut.db prefix.pcap || return 1
    otw o e import --no-progress --db cut.db cut.pcap
    no_crash e || return 1
    eq "$RC" 1 "exit status" || return 1
    has e "cut.pcap" "stderr names the file" || return 1
    has e "offset $b" "stderr gives the byte offset of the cut record" || return 1
    eq "$(q cut.db 'SELECT packets FROM files')" "$n" "packets kept (whole records before the cut)" || return 1
    [ "$(nsessions cut.db)" -gt 0 ] || fail "no sessions kept" || return 1
    eq "$(sig cut.db)" "$(sig ref-cut.db)" "sessions vs the whole-record prefix" || return 1
    eq "$(q cut.db 'SELECT status FROM files')" damaged "files.status" || return 1
    has <(q cut.db 'SELECT error FROM files') "offset $b" "files.error" || return 1
    integrity_ok cut.db
}

# The same for pcapng (made from the good pcap with editcap -F pcapng).
t_trunc_pcapng() {
    local cut b n
    [ "$HAVE_TSHARK" = 1 ] || { WHY="needs editcap"; return 1; }
    editcap -F pcapng "$GOOD" whole.pcapng 2>/dev/null || fail "editcap -F pcapng failed" || return 1
    cut=$(( $(stat -c %s whole.pcapng) * 6 / 10 ))
    head -c "$cut" whole.pcapng >cut.pcapng
    read -r b n < <(pcapng_prefix cut.pcapng "$cut")
    [ "$b" -lt "$cut" ] || fail "test setup: cut on a block boundary" || return 1
    head -c "$b" whole.pcapng >prefix.pcapng
    # independent count of what is readable: tshark reads the whole blocks
    eq "$(tshark -r cut.pcapng -T fields -e frame.number 2>/dev/null | wc -l)" "$n" \
        "tshark's count of readable packets" || return 1
    import_ok ref-cutng.db prefix.pcapng || return 1
    otw o e import --no-progress --db cutng.db cut.pcapng
    no_crash e || return 1
    eq "$RC" 1 "exit status" || return 1
    has e "cut.pcapng" "stderr names the file" || return 1
    has e "offset $b" "stderr gives the byte offset" || return 1
    eq "$(q cutng.db 'SELECT packets FROM files')" "$n" "packets kept" || return 1
    [ "$(nsessions cutng.db)" -gt 0 ] || fail "no sessions kept" || return 1
    eq "$(sig cutng.db)" "$(sig ref-cutng.db)" "sessions vs the whole-block prefix" || return 1
    eq "$(q cutng.db 'SELECT status FROM files')" damaged "files.status" || return 1
    integrity_ok cutng.db
}

# A gzip stream cut in half: what decompressed before the cut is kept.
t_trunc_gzip() {
    local full cut b n
    gzip -c "$GOOD" >full.pcap.gz
    full=$(stat -c %s full.pcap.gz)
    head -c $((full / 2)) full.pcap.gz >cut.pcap.gz
    gzip -dc cut.pcap.gz >plain-part.pcap 2>/dev/null
    read -r b n < <(pcap_prefix plain-part.pcap "$(stat -c %s plain-part.pcap)")
    [ "$n" -gt 0 ] || fail "test setup: nothing decompresses" || return 1
    head -c "$b" "$GOOD" >prefix-gz.pcap
    import_ok ref-gz.db prefix-gz.pcap || return 1
    otw o e import --no-progress --db gz.db cut.pcap.gz
    no_crash e || return 1
    eq "$RC" 1 "exit status" || return 1
    has e "cut.pcap.gz" "stderr names the file" || return 1
    has e "gzip" "stderr says the gzip stream is damaged" || return 1
    has e "offset" "stderr gives an offset" || return 1
    eq "$(q gz.db 'SELECT packets FROM files')" "$n" "packets kept (whole records gunzip gives)" || return 1
    eq "$(sig gz.db)" "$(sig ref-gz.db)" "sessions vs the whole-record prefix" || return 1
    eq "$(q gz.db 'SELECT status FROM files')" damaged "files.status" || return 1
    integrity_ok gz.db
}

# bad_file NAME RC OFFSET PACKETS STATUS MESSAGE: one crafted file of tests/bad.
# OFFSET "-" when the message has none; PACKETS/STATUS "-" when no files row.
bad_file() {
    local f=$BAD/$1 want_rc=$2 off=$3 pk=$4 st=$5 msg=$6 db=bad-$1.db
    otw o e import --no-progress --db "$db" "$f"
    no_crash e || return 1
    eq "$RC" "$want_rc" "exit status" || return 1
    has e "$f" "stderr names the file" || return 1
    [ "$off" = - ] || has e "offset $off" "stderr gives the offset" || return 1
    has e "$msg" "message" || return 1
    if [ "$st" = - ]; then
        eq "$(q "$db" 'SELECT count(*) FROM files')" 0 "files rows for a file that cannot be opened" || return 1
    else
        eq "$(q "$db" 'SELECT status FROM files')" "$st" "files.status" || return 1
        eq "$(q "$db" 'SELECT packets FROM files')" "$pk" "packets kept" || return 1
        if [ "$st" = damaged ]; then
            has <(q "$db" 'SELECT error FROM files') "$msg" "files.error" || return 1
        fi
    fi
    integrity_ok "$db"
}

t_bad_magic()   { bad_file bad-magic.pcap 1 - - - "not a pcap or pcapng file"; }
t_bad_text()    { bad_file text.pcap 1 - - - "looks like text"; }
t_bad_empty()   { bad_file empty.pcap 1 - - - "empty file"; }
t_bad_short()   { bad_file short-header.pcap 1 - - - "header cut short"; }
t_bad_256k()    { bad_file over-256k.pcap 1 100 1 damaged "claims 300000 bytes, more than 262144"; }
t_bad_blocklen(){ bad_file bad-blocklen.pcapng 1 140 1 damaged "bad length 30"; }
t_bad_trailer() { bad_file bad-trailer.pcapng 1 140 1 damaged "trailing length 88 differs"; }
t_bad_iface()   { bad_file bad-iface.pcapng 1 140 1 damaged "refers to interface 3"; }
t_bad_tr_pcap() { bad_file trunc-last.pcap 1 1050 9 damaged "truncated record"; }
t_bad_tr_ng()   { bad_file trunc-last.pcapng 1 348 2 damaged "truncated record"; }
t_bad_tr_gz()   { bad_file trunc.pcap.gz 1 7480 86 damaged "damaged gzip stream"; }
# A record longer than the snapshot length is read whole (as libpcap and
# Wireshark do) with a warning naming file and offset: not a failure, so the
# exit status is 0 and the file complete (tests/bad/README.md).
t_bad_snaplen() { bad_file over-snaplen.pcap 0 24 2 complete "more than the snapshot length 64"; }
t_bad_caplen()  { bad_file caplen-over-len.pcap 0 24 2 complete "original length of 60"; }

t_bad_missing() {
    otw o e import --no-progress --db miss.db "$W/no/such/file.pcap"
    no_crash e || return 1
    eq "$RC" 1 "exit status" || return 1
    has e "$W/no/such/file.pcap" "stderr names the path" || return 1
    has e "No such file or directory" "stderr says why"
}

# All the bad files and a missing path between two good files in one run:
# both good files are imported whole, the run says some input failed.
t_bad_mixed() {
    import_ok alone1.db "$GOOD" || return 1
    import_ok alone2.db "$GOOD2" || return 1
    otw o e import --no-progress --db mixed.db "$GOOD" "$BAD"/*.pcap "$BAD"/*.pcapng \
        "$BAD"/*.gz "$W/missing.pcap" "$GOOD2"
    no_crash e || return 1
    eq "$RC" 1 "exit status" || return 1
    eq "$(sig mixed.db "WHERE file_id = (SELECT id FROM files WHERE path = '$GOOD')")" \
        "$(sig alone1.db)" "sessions of the first good file" || return 1
    eq "$(sig mixed.db "WHERE file_id = (SELECT id FROM files WHERE path = '$GOOD2')")" \
        "$(sig alone2.db)" "sessions of the last good file" || return 1
    eq "$(q mixed.db "SELECT group_concat(status) FROM files WHERE path IN ('$GOOD', '$GOOD2')")" \
        "complete,complete" "status of the good files" || return 1
    eq "$(q mixed.db "SELECT count(*) FROM files WHERE status = 'damaged'")" \
        "$(grep -c 'kept the .* packets read before the fault' e)" "damaged files vs messages" || return 1
    grep -qE '^imported [0-9]+ files, [0-9]+ with errors:' o || fail "summary line: $(tail -1 o)" || return 1
    integrity_ok mixed.db
}

# A directory given as a file is walked, not read as a capture.
t_bad_dir_as_file() {
    mkdir -p asdir/inner && cp "$GOOD" asdir/inner/g.pcap
    otw o e import --no-progress --db asdir.db asdir
    no_crash e || return 1
    eq "$RC" 0 "exit status" || return 1
    eq "$(nsessions asdir.db)" "$(nsessions alone1.db)" "sessions of the file inside"
}

# ======================================================================= 2. dedup

t_dedup_twice() {
    import_ok dd.db "$GOOD" || return 1
    local n
    n=$(nsessions dd.db)
    [ "$n" -gt 0 ] || fail "no sessions" || return 1
    otw o e import --no-progress --db dd.db "$GOOD"
    no_crash e || return 1
    eq "$RC" 0 "exit status of the second import" || return 1
    has o "already imported" "second run says so" || return 1
    eq "$(nsessions dd.db)" "$n" "session count after importing twice"
}

t_dedup_copy() {
    cp "$GOOD" other-name.pcap
    otw o e import --no-progress --db dd.db other-name.pcap
    no_crash e || return 1
    eq "$RC" 0 "exit status" || return 1
    has o "already imported" "a renamed copy is recognised" || return 1
    eq "$(nsessions dd.db)" "$(nsessions alone1.db)" "session count"
}

t_dedup_force() {
    otw o e import --no-progress --db dd.db --force "$GOOD"
    no_crash e || return 1
    eq "$RC" 0 "exit status" || return 1
    grep -q "already imported" o && fail "--force still skipped: $(head -1 o)" && return 1
    grep -qE "$GOOD: pcap, 166 packets" o || fail "no per-file line: $(head -1 o)" || return 1
    eq "$(nsessions dd.db)" "$(nsessions alone1.db)" "session count after --force" || return 1
    eq "$(sig dd.db)" "$(sig alone1.db)" "sessions after --force" || return 1
    eq "$(q dd.db 'SELECT count(*) FROM files')" 1 "files rows" || return 1
    # the file imported again is still known by its content
    eq "$(q dd.db 'SELECT hex(hash) FROM files')" "$(q alone1.db 'SELECT hex(hash) FROM files')" \
        "files.hash after --force" || return 1
    otw o e import --no-progress --db dd.db "$GOOD"
    has o "already imported" "a plain import after --force" || return 1
    eq "$(nsessions dd.db)" "$(nsessions alone1.db)" "session count after --force, then a plain import" || return 1
    integrity_ok dd.db
}

t_dedup_gzip() {
    gzip -c "$GOOD" >good.pcap.gz
    otw o e import --no-progress --db dd.db good.pcap.gz
    no_crash e || return 1
    eq "$RC" 0 "exit status" || return 1
    grep -q "already imported" o && fail "gzip copy taken for the same file" && return 1
    eq "$(q dd.db "SELECT format FROM files WHERE path = 'good.pcap.gz'")" "pcap+gzip" "format" || return 1
    eq "$(sig dd.db "WHERE file_id = (SELECT id FROM files WHERE path = 'good.pcap.gz')")" \
        "$(sig alone1.db)" "sessions of the gzip copy vs the plain file"
}

# --copy: the database references a copy kept in DIR, which otwatch pcap reads
# even when the original is gone.
t_copy() {
    cp "$GOOD" orig-copy-src.pcap
    import_ok cp.db --copy "$W/kept" orig-copy-src.pcap || return 1
    [ -f "$W/kept/orig-copy-src.pcap" ] || fail "no copy in the --copy directory" || return 1
    cmp -s "$GOOD" "$W/kept/orig-copy-src.pcap" || fail "the copy differs" || return 1
    eq "$(q cp.db "SELECT path FROM files")" "$W/kept/orig-copy-src.pcap" "stored path" || return 1
    rm orig-copy-src.pcap
    "$OTW" pcap --db cp.db -o copy-out.pcap 'ip.protocol == tcp' 2>/dev/null ||
        fail "otwatch pcap from the copy failed" || return 1
    [ -s copy-out.pcap ] || fail "otwatch pcap wrote nothing"
}

# ======================================================================= 3. --point

t_point() {
    import_ok pt.db --point boundary-fw "$GOOD" || return 1
    import_ok pt.db --point control-sw1 "$GOOD2" || return 1
    eq "$(q pt.db 'SELECT group_concat(name) FROM (SELECT name FROM points ORDER BY name)')" \
        "boundary-fw,control-sw1" "points table" || return 1
    eq "$(q pt.db "SELECT count(*) FROM sessions s LEFT JOIN points p ON p.id = s.point_id
                   WHERE p.name IS NOT CASE s.file_id WHEN 1 THEN 'boundary-fw' ELSE 'control-sw1' END")" \
        0 "sessions with the wrong point" || return 1
    otw a.json e sessions --db pt.db 'point == boundary-fw' --format json
    eq "$RC" 0 "exit status of sessions" || return 1
    eq "$(wc -l <a.json)" "$(nsessions alone1.db)" "sessions at boundary-fw" || return 1
    otw b.json e sessions --db pt.db 'point == control-sw1' --format json
    eq "$(wc -l <b.json)" "$(nsessions alone2.db)" "sessions at control-sw1" || return 1
    python3 - a.json b.json <<'EOF' || fail "otwatch.point/otwatch.file in JSON do not match the query"
import json, sys
for fn, point, f in ((sys.argv[1], 'boundary-fw', 'modbusSmall'), (sys.argv[2], 'control-sw1', 'dnp3')):
    for line in open(fn):
        s = json.loads(line)
        assert s['otwatch.point'] == point and f in s['otwatch.file'], s
EOF
    [ -z "$WHY" ] || return 1
    otw o e sessions --db pt.db 'point == control-*' --format csv
    eq "$(($(wc -l <o) - 1))" "$(nsessions alone2.db)" "wildcard on point"
}

# ======================================================================= 4. directories

t_dir() {
    mkdir -p tree/b-sub/deeper tree/a-sub
    cp "$P/dns/arkime-dns-udp.pcap" tree/z.pcap
    cp "$P/dns/zeek-dns53.pcap" tree/b-sub/m.pcap
    gzip -c "$P/http/zeek-get.pcap" >tree/b-sub/deeper/n.pcap.gz
    cp "$P/tcp/zeek-syn.pcap" tree/a-sub/c.cap
    cp "$P/dns/zeek-pcapng-multi-interface.pcapng" tree/e.PCAPNG
    cp "$P/icmp/zeek-5-pings.pcap" tree/pings.bin          # not a capture name
    echo "notes" >tree/notes.txt
    echo "not a capture" >tree/readme.md
    otw o e import --no-progress --db tree.db tree
    no_crash e || return 1
    eq "$RC" 0 "exit status" || return 1
    local want got
    want="tree/a-sub/c.cap tree/b-sub/deeper/n.pcap.gz tree/b-sub/m.pcap tree/e.PCAPNG tree/z.pcap"
    got=$(grep -oE '^tree/[^:]+' o | tr '\n' ' ' | sed 's/ $//')
    eq "$got" "$want" "files in order (recursive, sorted, capture names only)" || return 1
    local pk ss
    pk=$(q tree.db 'SELECT sum(packets) FROM files')
    ss=$(nsessions tree.db)
    eq "$pk" $((5 + 1 + 14 + 1 + 6)) "packets in files table (capinfos counts)" || return 1
    grep -qE "^imported 5 files: $pk packets, $ss sessions in [0-9.]+ s .* into tree.db$" o ||
        fail "summary line: $(tail -1 o)" || return 1
    grep -qE "^tree/e.PCAPNG: pcapng, 6 packets, [0-9]+ sessions" o || fail "per-file line: $(grep PCAPNG o)"
}

# ======================================================================= 5. filters

NOISE=("$P/icmp/zeek-communityid-icmp6.pcap" "$P"/noise/*.pcap)

t_filter_otbasic() {
    import_ok nofilter.db "${NOISE[@]}" "$GOOD" || return 1
    import_ok otb.db --filter ot-basic "${NOISE[@]}" "$GOOD" || return 1
    # without the filter these captures do make the sessions the preset drops
    local bad="proto NOT IN (6, 17) OR ipver != 4
               OR substr(hex(dst_mac), 2, 1) IN ('1','3','5','7','9','B','D','F')
               OR substr(hex(dst_ip), 25, 1) = 'E' OR hex(dst_ip) LIKE '%FFFFFFFF'"
    [ "$(nsessions nofilter.db "WHERE $bad")" -gt 0 ] ||
        fail "test setup: the captures have no ICMP/IPv6/multicast/broadcast sessions" || return 1
    eq "$(nsessions otb.db "WHERE $bad")" 0 "ICMP/IPv6/multicast/broadcast sessions left" || return 1
    local gid
    gid="WHERE file_id = (SELECT id FROM files WHERE path = '$GOOD')"
    eq "$(sig otb.db "$gid")" "$(sig alone1.db)" "the unicast TCP/UDP capture keeps every session" || return 1
    # dropped layer-2 traffic is still counted
    local k
    for k in dhcp lldp; do
        [ "$(q otb.db "SELECT IFNULL(sum(packets),0) FROM l2_seen WHERE kind = '$k'")" -gt 0 ] ||
            fail "l2_seen has no $k packets: $(q otb.db 'SELECT kind, sum(packets) FROM l2_seen GROUP BY 1' | tr '\n' ' ')" ||
            return 1
    done
    integrity_ok otb.db
}

t_filter_l2_arp() {
    local f=$P/arp/zeek-communityid-arp.pcap
    import_ok arp.db --filter ot-basic "$f" || return 1
    local got want
    got=$(q arp.db "SELECT lower(hex(mac)), lower(hex(ip)), packets FROM l2_seen WHERE kind = 'arp'" |
        python3 -c '
import sys, ipaddress
for l in sys.stdin:
    mac, ip, n = l.strip().split("|")
    mac = ":".join(mac[i:i+2] for i in range(0, 12, 2))
    a = ipaddress.ip_address(bytes.fromhex(ip))
    a = a.ipv4_mapped or a
    print(mac, a, n)' | sort)
    [ -n "$got" ] || fail "no arp rows in l2_seen" || return 1
    if [ "$HAVE_TSHARK" = 1 ]; then
        want=$(tshark -r "$f" -Y arp -T fields -e arp.src.hw_mac -e arp.src.proto_ipv4 2>/dev/null |
            sort | uniq -c | awk '{print $2, $3, $1}' | sort)
        eq "$got" "$want" "l2_seen ARP MAC/IP/packets vs tshark arp.src.*"
    else
        eq "$(echo "$got" | awk '{s += $3} END {print s}')" 6 "ARP packets counted"
    fi
}

t_filter_bpf() {
    import_ok all3.db "$GOOD" "$P/modbus/zeek-modbus-and-non-modbus-p502.pcap" "$P/dns/arkime-dns-udp.pcap" || return 1
    import_ok bpf.db --filter 'tcp port 502' "$GOOD" "$P/modbus/zeek-modbus-and-non-modbus-p502.pcap" \
        "$P/dns/arkime-dns-udp.pcap" || return 1
    [ "$(nsessions bpf.db)" -gt 0 ] || fail "no sessions" || return 1
    eq "$(nsessions bpf.db 'WHERE NOT (proto = 6 AND (src_port = 502 OR dst_port = 502))')" 0 \
        "sessions not on tcp/502" || return 1
    eq "$(sig bpf.db)" "$(sig all3.db 'WHERE proto = 6 AND (src_port = 502 OR dst_port = 502)')" \
        "the tcp/502 sessions, unchanged"
}

# The VLAN trap: the preset decides on the decoded packet, so tagged traffic
# (here VLAN id 0) still passes.
t_filter_vlan() {
    local f=$P/vlan/zeek-http-vlan-0.pcap
    import_ok vlan.db --filter ot-basic "$f" || return 1
    import_ok vlan0.db "$f" || return 1
    eq "$(nsessions vlan.db 'WHERE proto = 6 AND dst_port = 80')" 1 "HTTP session kept" || return 1
    eq "$(sig vlan.db)" "$(sig vlan0.db)" "sessions as without the filter"
}

t_filter_bad_bpf() {
    otw o e import --no-progress --db badbpf.db --filter 'tcp port' "$GOOD"
    no_crash e || return 1
    eq "$RC" 2 "exit status" || return 1
    has e "tcp port" "message quotes the filter" || return 1
    has e "bad filter" "message says what is wrong" || return 1
    [ ! -s badbpf.db ] || [ "$(nsessions badbpf.db)" = 0 ] || fail "sessions imported despite the bad filter"
}

t_filters_cmd() {
    otw o e filters
    eq "$RC" 0 "exit status" || return 1
    grep -qE '^ *ot-basic ' o || fail "ot-basic not listed: $(tr '\n' '|' <o)" || return 1
    has o "IPv4 unicast TCP and UDP" "what ot-basic keeps"
}

# ======================================================================= 6. sessions

SDB=s.db
SFILES=("$P/modbus/zeek-modbus-and-non-modbus-p502.pcap" "$P/dnp3/zeek-dnp3.pcap" "$P/http/zeek-get.pcap"
        "$P/ipv6/zeek-communityid-ipv6.pcap" "$P/dns/arkime-dns-udp.pcap" "$P/tcp/arkime-long-session.pcap")

t_sessions_json() {
    import_ok $SDB "${SFILES[@]}" || return 1
    otw all.json e sessions --db $SDB --format json
    no_crash e || return 1
    eq "$RC" 0 "exit status" || return 1
    eq "$(wc -l <all.json)" "$(nsessions $SDB)" "JSON lines vs sessions rows" || return 1
    local r
    r=$(python3 - all.json  2>&1 <<'EOF'
import json, re, sys
keys = ['source.ip', 'source.port', 'destination.ip', 'destination.port', 'network.transport',
        'network.bytes', 'network.packets', 'network.community_id', 'event.start', 'event.end',
        'otwatch.session_id', 'otwatch.state', 'otwatch.file']
ts = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$')
for i, line in enumerate(open(sys.argv[1]), 1):
    s = json.loads(line)
    miss = [k for k in keys if k not in s]
    if miss:
        sys.exit(f'line {i}: missing {miss}')
    for k in ('event.start', 'event.end'):
        if not ts.match(s[k]):
            sys.exit(f'line {i}: {k} = {s[k]!r} is not RFC 3339 UTC')
    if s['network.bytes'] != s['source.bytes'] + s['destination.bytes']:
        sys.exit(f'line {i}: network.bytes is not the sum of both directions')
    if s['network.packets'] != s['source.packets'] + s['destination.packets']:
        sys.exit(f'line {i}: network.packets is not the sum of both directions')
EOF
    ) || fail "$r"
}

# event.start/end and the byte counts of a one-session capture, against tshark
t_sessions_vs_tshark() {
    [ "$HAVE_TSHARK" = 1 ] || { WHY="no tshark"; return 1; }
    local f=$P/http/zeek-get.pcap r
    otw o e sessions --db $SDB 'file == *zeek-get.pcap' --format json
    eq "$(wc -l <o)" 1 "sessions of zeek-get.pcap" || return 1
    tshark -r "$f" -T fields -e frame.time_epoch -e frame.len -e ip.src 2>/dev/null >ts.txt
    r=$(python3 - o ts.txt  2>&1 <<'EOF'
import json, sys, datetime
s = json.loads(open(sys.argv[1]).read())
rows = [l.split('\t') for l in open(sys.argv[2]).read().splitlines()]
def iso(t):
    sec, frac = t.split('.')
    d = datetime.datetime.fromtimestamp(int(sec), datetime.timezone.utc)
    return d.strftime('%Y-%m-%dT%H:%M:%S') + '.' + frac[:6] + 'Z'
want = {'event.start': iso(rows[0][0]), 'event.end': iso(rows[-1][0]),
        'network.packets': len(rows), 'network.bytes': sum(int(r[1]) for r in rows),
        'source.ip': rows[0][2]}
bad = {k: (s.get(k), v) for k, v in want.items() if s.get(k) != v}
if bad:
    sys.exit(f'(got, tshark): {bad}')
EOF
    ) || fail "$r"
}

t_sessions_csv() {
    otw all.csv e sessions --db $SDB --format csv
    eq "$RC" 0 "exit status" || return 1
    local r
    r=$(python3 - all.csv all.json  2>&1 <<'EOF'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
js = [json.loads(l) for l in open(sys.argv[2])]
head = rows[0]
for k in ('source.ip', 'destination.port', 'network.bytes', 'event.start', 'otwatch.state'):
    if k not in head:
        sys.exit(f'header lacks {k}: {head}')
if len(rows) - 1 != len(js):
    sys.exit(f'{len(rows) - 1} CSV rows, {len(js)} JSON lines')
for r, j in zip(rows[1:], js):
    d = dict(zip(head, r))
    for k in ('otwatch.session_id', 'source.ip', 'network.bytes', 'event.start', 'otwatch.state'):
        if str(j[k]) != d[k]:
            sys.exit(f'{k}: CSV {d[k]!r}, JSON {j[k]!r}')
EOF
    ) || fail "$r"
}

t_sessions_table() {
    otw o e sessions --db $SDB
    eq "$RC" 0 "exit status" || return 1
    head -1 o | grep -qE 'START.*SOURCE.*DESTINATION.*STATE' || fail "no header: $(head -1 o)" || return 1
    eq "$(tail -1 o)" "($(nsessions $SDB) sessions)" "last line" || return 1
    eq "$(($(wc -l <o) - 2))" "$(nsessions $SDB)" "table rows"
}

# expr EXPR PYTHON-PREDICATE: the sessions EXPR selects are exactly those of
# all.json for which the predicate (on dict s) holds, and they are neither
# none nor all.
expr_check() {
    local e=$1 pred=$2 r
    otw x.json x.err sessions --db $SDB "$e" --format json
    no_crash x.err || return 1
    eq "$RC" 0 "exit status for '$e' ($(tr '\n' '|' <x.err))" || return 1
    r=$(python3 - all.json x.json "$pred"  2>&1 <<'EOF'
import json, sys, ipaddress, fnmatch
allj = [json.loads(l) for l in open(sys.argv[1])]
got = sorted(json.loads(l)['otwatch.session_id'] for l in open(sys.argv[2]))
ip = ipaddress.ip_address
net = ipaddress.ip_network
want = sorted(s['otwatch.session_id'] for s in allj if eval(sys.argv[3]))
if not want or len(want) == len(allj):
    sys.exit(f'test setup: predicate selects {len(want)} of {len(allj)}')
if got != want:
    sys.exit(f'got ids {got}, want {want}')
EOF
    ) || fail "'$e': $r"
}

t_expr_and()      { expr_check 'ip.src == 10.0.0.8 && port.dst == 20000' \
                    's["source.ip"] == "10.0.0.8" and s.get("destination.port") == 20000'; }
t_expr_cidr()     { expr_check 'source.ip == 10.0.0.0/24' \
                    'ip(s["source.ip"]) in net("10.0.0.0/24")'; }
t_expr_either_dst() { expr_check 'ip == 10.0.0.3' '"10.0.0.3" in (s["source.ip"], s["destination.ip"])'; }
t_expr_either_src() { expr_check 'ip == 10.0.0.9' '"10.0.0.9" in (s["source.ip"], s["destination.ip"])'; }
t_expr_ipv6()     { expr_check 'ip == 2607:f8b0:400c:c03::1a' \
                    'ip("2607:f8b0:400c:c03::1a") in (ip(s["source.ip"]), ip(s["destination.ip"]))'; }
t_expr_list()     { expr_check 'port.dst == [53, 25]' 's.get("destination.port") in (53, 25)'; }
t_expr_ne()       { expr_check 'port.dst != 502' 's.get("destination.port") != 502'; }
t_expr_ne_either(){ expr_check 'ip != 10.0.0.3' '"10.0.0.3" not in (s["source.ip"], s["destination.ip"])'; }
t_expr_wildcard() { expr_check 'file == *dnp3*' 'fnmatch.fnmatchcase(s["otwatch.file"], "*dnp3*")'; }
t_expr_or_paren() { expr_check '(state == reset || state == timeout) && !(port.dst == 20000)' \
                    's["otwatch.state"] in ("reset", "timeout") and s.get("destination.port") != 20000'; }
t_expr_ecs()      { expr_check 'destination.port == 502 && network.transport == tcp' \
                    's.get("destination.port") == 502 and s["network.transport"] == "tcp"'; }

t_expr_syntax() {
    local e='ip.src == && port.dst == 502'
    otw o e sessions --db $SDB "$e"
    no_crash e || return 1
    eq "$RC" 2 "exit status" || return 1
    [ ! -s o ] || fail "output on stdout: $(head -1 o)" || return 1
    local r
    r=$(python3 - e "$e"  2>&1 <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
expr = sys.argv[2]
for i, l in enumerate(lines[:-1]):
    if l.endswith(expr):
        indent = len(l) - len(expr)
        caret = lines[i + 1]
        if caret.strip() != '^':
            sys.exit(f'no caret line under the expression: {caret!r}')
        col = caret.index('^') - indent
        if col != expr.index('&&'):
            sys.exit(f'caret at column {col}, the error is at column {expr.index("&&")}')
        break
else:
    sys.exit(f'expression not echoed: {lines}')
EOF
    ) || fail "$r"
}

t_expr_unknown_field() {
    otw o e sessions --db $SDB 'ip.srcc == 1.2.3.4'
    no_crash e || return 1
    eq "$RC" 2 "exit status" || return 1
    has e "ip.srcc" "names the unknown field" || return 1
    grep -qE 'did you mean.*\bip\.src\b' e || fail "no suggestion of ip.src: $(tr '\n' '|' <e)"
}

t_since_until() {
    local s='2004-10-11 14:00' u='2004-10-11 16:00' r
    otw o e sessions --db $SDB --since "$s" --until "$u" --format json
    eq "$RC" 0 "exit status ($(tr '\n' '|' <e))" || return 1
    # the sessions overlapping [since, until)
    r=$(python3 - all.json o "$s" "$u"  2>&1 <<'EOF'
import json, sys, datetime
def t(x):
    return datetime.datetime.fromisoformat(x.replace('Z', '+00:00'))
since = datetime.datetime.fromisoformat(sys.argv[3] + '+00:00')
until = datetime.datetime.fromisoformat(sys.argv[4] + '+00:00')
allj = [json.loads(l) for l in open(sys.argv[1])]
got = sorted(json.loads(l)['otwatch.session_id'] for l in open(sys.argv[2]))
want = sorted(s['otwatch.session_id'] for s in allj
              if t(s['event.end']) >= since and t(s['event.start']) < until)
if not want or len(want) == len(allj):
    sys.exit(f'test setup: {len(want)} of {len(allj)}')
if got != want:
    sys.exit(f'got {got}, want {want}')
EOF
    ) || fail "$r" || return 1
    otw o e sessions --db $SDB --since 2030-01-01 --format csv
    eq "$(wc -l <o)" 1 "sessions after 2030 (header only)"
}

t_sort_limit() {
    local want got
    want=$(python3 -c '
import json, sys
js = [json.loads(l) for l in open("all.json")]
print(max(js, key=lambda s: s["network.bytes"])["otwatch.session_id"])')
    otw o e sessions --db $SDB --sort bytes --desc --limit 1 --format json
    eq "$RC" 0 "exit status" || return 1
    eq "$(wc -l <o)" 1 "rows with --limit 1" || return 1
    got=$(python3 -c 'import json; print(json.loads(open("o").read())["otwatch.session_id"])')
    eq "$got" "$want" "session id of the biggest session"
}

t_community_id_zeek() {
    otw o e sessions --db $SDB 'ip.src == 2001:470:e5bf:dead:4957:2174:e82c:4887 && port.src == 63943 && port.dst == 25' --format json
    eq "$(wc -l <o)" 1 "sessions" || return 1
    eq "$(python3 -c 'import json; print(json.loads(open("o").read())["network.community_id"])')" \
        "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" "Community ID (Zeek baseline)"
}

# Every Community ID of a few captures (TCP, UDP, ICMP, ICMPv6, IPv6) against
# tshark's communityid post-dissector.
t_community_id_tshark() {
    [ "$HAVE_TSHARK" = 1 ] || { WHY="no tshark"; return 1; }
    local f got want
    for f in ipv6/zeek-communityid-ipv6.pcap icmp/zeek-communityid-icmp.pcap \
             icmp/zeek-communityid-icmp6.pcap dns/arkime-dns-udp.pcap modbus/zeek-modbusSmall.pcap; do
        rm -f cid.db*
        import_ok cid.db "$P/$f" || return 1
        got=$(q cid.db 'SELECT DISTINCT community_id FROM sessions WHERE community_id IS NOT NULL' | sort)
        want=$(tshark --enable-protocol communityid -r "$P/$f" -T fields -e communityid 2>/dev/null |
            grep . | sort -u)
        [ -n "$got" ] || fail "$f: no Community IDs" || return 1
        eq "$got" "$want" "$f: Community IDs vs tshark" || return 1
    done
}

t_hosts_fields() {
    otw o e hosts --db $SDB
    eq "$RC" 0 "hosts exit status" || return 1
    has o "10.0.0.3" "hosts lists 10.0.0.3" || return 1
    otw o e fields
    eq "$RC" 0 "fields exit status" || return 1
    grep -qE '^ *ip\.src .*source\.ip' o || fail "fields lacks ip.src/source.ip: $(head -3 o | tr '\n' '|')"
}

# ======================================================================= 7. states

state_of() {  # FILE [IMPORT-OPTIONS]: "state:packets" per record, oldest first
    local f=$1 db
    shift
    db=st-$(basename "$f").db
    rm -f "$db"*
    import_ok "$db" "$@" "$f" || return 1
    q "$db" "SELECT group_concat(x, ' ') FROM (SELECT state || ':' || (src_packets + dst_packets) AS x
             FROM sessions ORDER BY start_us)"
}

t_state_syn()    { eq "$(state_of "$P/tcp/zeek-syn.pcap")" "attempt:1" "records"; }
t_state_synack() { eq "$(state_of "$P/tcp/zeek-syn-synack.pcap")" "established:2" "records"; }
# In zeek-syn-then-rst the RST comes from the originator (1.1.1.1 -> 1.1.1.2,
# Zeek calls it RSTOS0), so the SYN was never answered: attempt. `rejected`
# (SYN answered by the responder's RST) is checked on the scan below.
t_state_syn_rst() {
    eq "$(state_of "$P/tcp/zeek-syn-then-rst.pcap")" "attempt:2" "records" || return 1
    eq "$(q st-zeek-syn-then-rst.pcap.db 'SELECT src_packets, dst_packets FROM sessions')" "2|0" \
        "both packets from the originator"
}
t_state_long_split() {
    local n
    n=$(capinfos -c -M "$P/tcp/arkime-long-session.pcap" 2>/dev/null | awk '/Number of packets/ {print $NF}')
    [ -n "$n" ] || n=5
    eq "$(state_of "$P/tcp/arkime-long-session.pcap")" "timeout:3 reset:2" "records (600 s idle timeout)" || return 1
    eq "$(q st-arkime-long-session.pcap.db 'SELECT sum(src_packets + dst_packets) FROM sessions')" "$n" \
        "packets over all records"
}
t_state_long_whole() {
    eq "$(state_of "$P/tcp/arkime-long-session.pcap" --tcp-timeout 1000)" "reset:5" "records with --tcp-timeout 1000"
}
t_state_scan() {
    state_of "$P/scan/ndpi-tcp_scan.pcapng" >/dev/null || return 1
    local db=st-ndpi-tcp_scan.pcapng.db
    # rejected: the responder answered the SYN with a RST (flags: 0x02 SYN, 0x04 RST, 0x10 ACK)
    [ "$(nsessions $db "WHERE state = 'rejected' AND dst_flags & 4 AND NOT dst_flags & 2")" -gt 0 ] ||
        fail "no rejected sessions" || return 1
    eq "$(nsessions $db "WHERE state = 'rejected' AND NOT dst_flags & 4")" 0 "rejected without a RST" || return 1
    # the handshakes that completed (SYN-ACK answered) are established, later reset
    [ "$(nsessions $db "WHERE dst_flags & 18 = 18 AND state IN ('established', 'closed', 'reset')")" -gt 0 ] ||
        fail "no completed handshakes: $(q $db 'SELECT state, count(*) FROM sessions GROUP BY 1' | tr '\n' ' ')" ||
        return 1
    eq "$(nsessions $db "WHERE dst_flags & 18 = 18 AND state IN ('attempt', 'rejected')")" 0 \
        "answered handshakes stored as attempt/rejected"
}

# ======================================================================= 8. help

t_help() {
    local c opts o
    for c in import sessions hosts fields filters; do
        otw o e "$c" --help
        eq "$RC" 0 "'$c --help' exit status" || return 1
        has o "usage: otwatch $c" "'$c --help' usage line" || return 1
        case $c in
        import)   opts="--db --point --filter --force --tcp-timeout --udp-timeout --max-session" ;;
        sessions) opts="--db --since --until --format --limit --sort --desc" ;;
        hosts)    opts="--db --since --until --format --limit" ;;
        fields)   opts="--format" ;;
        filters)  opts="ot-basic" ;;
        esac
        for o in $opts; do
            has o "$o" "'$c --help' mentions $o" || return 1
        done
    done
    otw o e --help
    eq "$RC" 0 "'otwatch --help' exit status" || return 1
    for c in import sessions hosts fields filters; do
        has o "$c" "'otwatch --help' lists $c" || return 1
    done
}

t_unknown() {
    otw o e frobnicate
    eq "$RC" 2 "unknown command exit status" || return 1
    has e "frobnicate" "message names the command" || return 1
    otw o e import --no-such-option x.pcap
    eq "$RC" 2 "unknown option exit status" || return 1
    otw o e import --db u.db
    eq "$RC" 2 "import without files exit status" || return 1
    otw o e sessions --db $SDB --format yaml
    eq "$RC" 2 "unknown --format exit status"
}

# ======================================================================= 9. signals

t_sigint() {
    cc -O2 -o gen "$SRC/bench/gen_modbus.c" 2>gen.err || fail "cannot build gen_modbus: $(head -3 gen.err)" || return 1
    ./gen -n 3000000 -o big.pcap >/dev/null 2>&1 || fail "gen_modbus failed" || return 1
    # SIGINT ~0.3 s in; should the import be done by then (a fast machine),
    # again into a new database with less time.
    local pid delay
    for delay in 0.3 0.1 0.03; do
        rm -f int.db*
        "$OTW" import --no-progress --db int.db big.pcap >int.out 2>int.err &
        pid=$!
        sleep "$delay"
        kill -INT "$pid" 2>/dev/null
        wait "$pid"
        RC=$?
        no_crash int.err || return 1
        [ "$(q int.db 'SELECT status FROM files' 2>/dev/null)" = complete ] || break
    done
    [ "$RC" -le 1 ] || fail "exit status $RC" || return 1
    integrity_ok int.db || return 1
    eq "$(q int.db 'SELECT status FROM files')" interrupted \
        "files.status (the import took under 0.3 s? $(tr '\n' '|' <int.out))" || return 1
    local partial
    partial=$(nsessions int.db)
    otw o e import --no-progress --db int.db big.pcap
    no_crash e || return 1
    eq "$RC" 0 "exit status of the second import ($(tr '\n' '|' <e))" || return 1
    grep -q "already imported" o && fail "interrupted file taken as imported" && return 1
    eq "$(q int.db 'SELECT status, packets FROM files')" "complete|3000000" "files row after the second import" || return 1
    import_ok fresh.db big.pcap || return 1
    eq "$(nsessions int.db)" "$(nsessions fresh.db)" "sessions vs a fresh import (interrupted run had $partial)" || return 1
    eq "$(sig int.db)" "$(sig fresh.db)" "sessions vs a fresh import" || return 1
    integrity_ok int.db || return 1
    # and a third, plain import knows the file
    otw o e import --no-progress --db int.db big.pcap
    has o "already imported" "third import" || return 1
    eq "$(nsessions int.db)" "$(nsessions fresh.db)" "sessions after a third import" || return 1
    rm -f big.pcap
}

# ======================================================================= run

check "bad: pcap truncated in the last record"        t_trunc_pcap
if [ "$HAVE_TSHARK" = 1 ]; then
    check "bad: pcapng truncated in the last block"   t_trunc_pcapng
else
    skip "bad: pcapng truncated in the last block" "no editcap/tshark"
fi
check "bad: gzip stream cut short"                    t_trunc_gzip
check "bad: tests/bad/bad-magic.pcap"                 t_bad_magic
check "bad: tests/bad/text.pcap"                      t_bad_text
check "bad: tests/bad/empty.pcap"                     t_bad_empty
check "bad: tests/bad/short-header.pcap"              t_bad_short
check "bad: tests/bad/over-256k.pcap"                 t_bad_256k
check "bad: tests/bad/over-snaplen.pcap (warning)"    t_bad_snaplen
check "bad: tests/bad/caplen-over-len.pcap (warning)" t_bad_caplen
check "bad: tests/bad/bad-blocklen.pcapng"            t_bad_blocklen
check "bad: tests/bad/bad-trailer.pcapng"             t_bad_trailer
check "bad: tests/bad/bad-iface.pcapng"               t_bad_iface
check "bad: tests/bad/trunc-last.pcap"                t_bad_tr_pcap
check "bad: tests/bad/trunc-last.pcapng"              t_bad_tr_ng
check "bad: tests/bad/trunc.pcap.gz"                  t_bad_tr_gz
check "bad: nonexistent path"                         t_bad_missing
check "bad: bad files among good ones"                t_bad_mixed
check "bad: a directory given as a file is walked"    t_bad_dir_as_file
check "dedup: same file twice"                        t_dedup_twice
check "dedup: renamed copy"                           t_dedup_copy
check "dedup: --force re-imports without duplicates"  t_dedup_force
check "dedup: gzip copy is a new file, same sessions" t_dedup_gzip
check "import --copy: the copy is referenced and read back" t_copy
check "point: tagged, queried, told apart"            t_point
check "import: directory walk and summary"            t_dir
check "filter: ot-basic drops ICMP/IPv6/mcast/bcast"  t_filter_otbasic
check "filter: dropped ARP counted in l2_seen"        t_filter_l2_arp
check "filter: BPF tcp port 502"                      t_filter_bpf
check "filter: ot-basic keeps VLAN-tagged traffic"    t_filter_vlan
check "filter: bad BPF"                               t_filter_bad_bpf
check "filters: lists ot-basic"                       t_filters_cmd
check "sessions: JSON lines with ECS keys"            t_sessions_json
if [ "$HAVE_TSHARK" = 1 ]; then
    check "sessions: times and counts vs tshark"      t_sessions_vs_tshark
    check "sessions: Community IDs vs tshark"         t_community_id_tshark
else
    skip "sessions: times and counts vs tshark" "no tshark"
    skip "sessions: Community IDs vs tshark" "no tshark"
fi
check "sessions: CSV matches JSON"                    t_sessions_csv
check "sessions: table"                               t_sessions_table
check "expr: ip.src && port.dst"                      t_expr_and
check "expr: CIDR"                                    t_expr_cidr
check "expr: ip either side (destination)"            t_expr_either_dst
check "expr: ip either side (source)"                 t_expr_either_src
check "expr: IPv6 address"                            t_expr_ipv6
check "expr: list"                                    t_expr_list
check "expr: !="                                      t_expr_ne
check "expr: ip != (neither side)"                    t_expr_ne_either
check "expr: wildcard on file"                        t_expr_wildcard
check "expr: || ! parentheses"                        t_expr_or_paren
check "expr: ECS names"                               t_expr_ecs
check "expr: syntax error points at the column"       t_expr_syntax
check "expr: unknown field suggests ip.src"           t_expr_unknown_field
check "sessions: --since/--until"                     t_since_until
check "sessions: --sort bytes --desc --limit 1"       t_sort_limit
check "sessions: Community ID (Zeek baseline)"        t_community_id_zeek
check "hosts and fields"                              t_hosts_fields
check "state: SYN only -> attempt"                    t_state_syn
check "state: SYN then originator RST -> attempt"     t_state_syn_rst
check "state: SYN, SYN-ACK -> established"            t_state_synack
check "state: 908 s idle splits at the 600 s timeout" t_state_long_split
check "state: --tcp-timeout 1000 keeps one record"    t_state_long_whole
check "state: scan has rejected and completed"        t_state_scan
check "help: every command"                           t_help
check "usage errors exit 2"                           t_unknown
check "signal: SIGINT during import"                  t_sigint

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
