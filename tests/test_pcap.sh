#!/usr/bin/env bash
# tests/test_pcap.sh - `otwatch pcap` and the packet store (issue 5, points
# 3 and 4).
#
#   bash tests/test_pcap.sh <otwatch-binary> <source-dir>
#
# Imported captures: `otwatch pcap EXPR` must return exactly the packets that
# tshark selects from the original file for the same sessions (same bytes,
# same timestamps, same lengths, in time order), as a valid pcap (capinfos).
# Then the failure cases: a capture moved after import, a capture cut in the
# middle of a record (as kill -9 leaves one), output to a terminal.
# Live packet files: a small driver (tests/pcapstore_drive.c, built here
# against the build's libotwcore.a) feeds a capture into pcapstore/ in a
# loop with a tiny directory limit, and, when root, into a small tmpfs that
# fills up: retention removes old files, writing goes on, no crash, the store
# marks the deleted files, and `otwatch pcap` says the packets are gone.
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_pcap.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:-$(dirname "$0")/..}")
P=$SRC/tests/pcaps
TB=$SRC/tests/testbed
BUILD=$(dirname "$OTW")
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-pcap.XXXXXX")
MNT=""
cleanup() {
    [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1

PASS=0 FAIL=0 WHY=""
for t in sqlite3 python3 tshark capinfos; do
    command -v "$t" >/dev/null 2>&1 || { echo "not ok - setup: $t is missing"; echo "0 passed, 1 failed"; exit 1; }
done

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
eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
has() { grep -qF -- "$2" "$1" || fail "$3: '$2' not in: $(head -c 600 "$1" | tr '\n' '|')"; }
q() { sqlite3 -batch -noheader "$1" "$2"; }

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

# Per packet: "ts_us caplen len md5(bytes)" of a classic pcap or a pcapng,
# read independently of otwatch's reader; "ERROR ..." when the file is bad.
cat >pcapsum.py <<'EOF'
import hashlib, struct, sys

def classic(d):
    m = d[:4]
    e = '<' if m in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    ns = struct.unpack(e + 'I', m)[0] == 0xa1b23c4d
    off = 24
    while off + 16 <= len(d):
        s, f, cl, ln = struct.unpack(e + 'IIII', d[off:off + 16])
        if off + 16 + cl > len(d):
            break
        us = s * 1000000 + (f // 1000 if ns else f)
        yield us, cl, ln, d[off + 16:off + 16 + cl]
        off += 16 + cl

def ng(d):
    off, e, res = 0, '<', []
    while off + 12 <= len(d):
        t = struct.unpack(e + 'I', d[off:off + 4])[0]
        if t == 0x0A0D0D0A:
            e = '<' if d[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
            res = []
        bl = struct.unpack(e + 'I', d[off + 4:off + 8])[0]
        if bl < 12 or off + bl > len(d):
            break
        b = d[off:off + bl]
        if t == 1:
            res.append(1000000)         # microseconds unless if_tsresol says otherwise
            o = 16
            while o + 4 <= bl - 4:
                c, l = struct.unpack(e + 'HH', b[o:o + 4])
                if c == 0:
                    break
                if c == 9:
                    r = b[o + 4]
                    res[-1] = 2 ** (r & 0x7f) if r & 0x80 else 10 ** r
                o += 4 + ((l + 3) & ~3)
        elif t == 6:
            i, hi, lo, cl, ln = struct.unpack(e + 'IIIII', b[8:28])
            ts = (hi << 32) | lo
            yield ts * 1000000 // res[i], cl, ln, b[28:28 + cl]
        off += bl

d = open(sys.argv[1], 'rb').read()
gen = ng(d) if d[:4] == b'\x0a\x0d\x0d\x0a' else classic(d)
for us, cl, ln, data in gen:
    print(us, cl, ln, hashlib.md5(data).hexdigest())
EOF
psum() { python3 "$W/pcapsum.py" "$1"; }

# same_packets OURS REF WHAT: identical packets in the same order.
same_packets() {
    psum "$1" >a.sum
    psum "$2" >b.sum
    [ -s b.sum ] || fail "$3: the reference selection is empty" || return 1
    cmp -s a.sum b.sum || fail "$3: $(wc -l <a.sum) packets vs tshark's $(wc -l <b.sum); first difference: $(diff a.sum b.sum | head -4 | tr '\n' '|')"
}

# same_set OURS REF WHAT: the same packets (as a multiset), ours in time order.
same_set() {
    psum "$1" >a.sum
    psum "$2" | sort >b.sum
    [ -s b.sum ] || fail "$3: the reference selection is empty" || return 1
    sort -s -n -k1,1 a.sum | cmp -s - a.sum || fail "$3: output not in time order" || return 1
    sort a.sum | cmp -s - b.sum || fail "$3: $(wc -l <a.sum) packets vs tshark's $(wc -l <b.sum): $(sort a.sum | diff - b.sum | head -4 | tr '\n' '|')"
}

valid_pcap() {
    capinfos -t "$1" >ci.out 2>&1 || fail "capinfos rejects $1: $(tr '\n' '|' <ci.out)" || return 1
    grep -qE 'pcap|Wireshark/tcpdump' ci.out || fail "$1 is not a pcap: $(tr '\n' '|' <ci.out)"
}

# --- imported captures -----------------------------------------------------------------

FILES="$P/modbus/zeek-modbusSmall.pcap $P/tcp/arkime-long-session.pcap
       $P/tcp/zeek-retransmit-timeout.pcapng $P/ipv6/arkime-v6-http.pcap
       $P/icmp/zeek-5-pings.pcap $P/vlan/zeek-http-vlan-0.pcap $P/dns/$(ls "$P/dns" | head -1)
       $TB/normal.pcap $TB/modbus_write.pcap $TB/c2_open.pcap"
DB=$W/imp.db
import_all() {
    otw imp.out imp.err import --no-progress --db "$DB" $FILES
    [ "$RC" -eq 0 ] || fail "import: exit $RC: $(tr '\n' '|' <imp.err)"
}
check "import the test captures" import_all

# The tshark filter and our expression for one 5-tuple.
tuple_filters() {   # ipver proto a pa b pb
    local ip=ip
    [ "$1" = 6 ] && ip=ipv6
    local tp=tcp
    [ "$2" = 17 ] && tp=udp
    TF="$ip.addr==$3 && $ip.addr==$5 && $tp.port==$4 && $tp.port==$6 && !icmp && !icmpv6"
    EX="ip.protocol == $2 && ((ip.src == $3 && port.src == $4 && ip.dst == $5 && port.dst == $6) || (ip.src == $5 && port.src == $6 && ip.dst == $3 && port.dst == $4))"
}

# Python turns the stored 16-byte addresses into text.
tuples_of() {   # file: up to 3 distinct TCP/UDP tuples of sessions from it, plus the busiest
    q "$DB" "SELECT s.ipver, s.proto, hex(s.src_ip), s.src_port, hex(s.dst_ip), s.dst_port
             FROM sessions s JOIN files f ON f.id = s.file_id
             WHERE f.path = '$1' AND s.proto IN (6, 17) AND s.src_port > 0
             GROUP BY 1,2,3,4,5,6 ORDER BY max(s.src_packets + s.dst_packets) DESC, 3, 4 LIMIT 3" |
        python3 -c '
import ipaddress, sys
for l in sys.stdin:
    v, p, a, pa, b, pb = l.strip().split("|")
    A, B = (ipaddress.ip_address(bytes.fromhex(x)) for x in (a, b))
    if v == "4":
        A, B = A.ipv4_mapped, B.ipv4_mapped
    print(v, p, A, pa, B, pb)'
}

single_session() {  # file v p a pa b pb
    local f=$1
    shift
    tuple_filters "$@"
    tshark -r "$f" -Y "$TF" -F pcap -w ref.pcap >/dev/null 2>&1
    otw out.pcap err.txt pcap --db "$DB" "file == $f && ($EX)"
    no_crash err.txt || return 1
    [ "$RC" -eq 0 ] || fail "exit $RC: $(tr '\n' '|' <err.txt)" || return 1
    valid_pcap out.pcap || return 1
    same_packets out.pcap ref.pcap "$(basename "$f") $3:$4-$5:$6"
}

for f in $FILES; do
    n=0
    while read -r v p a pa b pb; do
        n=$((n + 1))
        check "single session $(basename "$f") #$n ($a:$pa $b:$pb)" single_session "$f" "$v" "$p" "$a" "$pa" "$b" "$pb"
    done < <(tuples_of "$f")
done

# A whole selection across several files: every port-502 packet of them.
whole_modbus() {
    : >ref.list
    for f in $FILES; do
        tshark -r "$f" -Y '(tcp.port==502 || udp.port==502) && !icmp && !icmpv6' -F pcap -w r1.pcap >/dev/null 2>&1
        psum r1.pcap >>ref.list
    done
    otw out.pcap err.txt pcap --db "$DB" 'port == 502'
    no_crash err.txt || return 1
    [ "$RC" -eq 0 ] || fail "exit $RC: $(tr '\n' '|' <err.txt)" || return 1
    valid_pcap out.pcap || return 1
    psum out.pcap >a.sum
    sort -s -n -k1,1 a.sum | cmp -s - a.sum || fail "output not in time order" || return 1
    sort ref.list >b.sum
    sort a.sum | cmp -s - b.sum || fail "$(wc -l <a.sum) packets vs tshark's $(wc -l <b.sum)"
}
check "whole selection: port 502 over all files, merged in time order" whole_modbus

# Every session of one file: all of its IP packets that tshark sees as IP.
whole_file() {  # file
    tshark -r "$1" -Y 'ip || ipv6' -F pcap -w ref.pcap >/dev/null 2>&1
    otw out.pcap err.txt pcap --db "$DB" "file == $1"
    no_crash err.txt || return 1
    [ "$RC" -eq 0 ] || fail "exit $RC: $(tr '\n' '|' <err.txt)" || return 1
    same_packets out.pcap ref.pcap "all sessions of $(basename "$1")"
}
# Every capture we have, each alone: all of its sessions' packets are all
# of its IP packets (fragments, VLANs, ICMP errors, IPv6 ... included).
whole_file_alone() {  # file
    rm -f "$W/one.db"
    otw imp.out imp.err import --no-progress --db "$W/one.db" "$1"
    tshark -r "$1" -Y 'ip || ipv6' -F pcap -w ref.pcap >/dev/null 2>&1
    if [ "$(psum ref.pcap | wc -l)" = 0 ]; then
        otw out.pcap err.txt pcap --db "$W/one.db" "file == $1"
        eq "$RC" 1 "exit status without IP packets" || return 1
        return 0
    fi
    otw out.pcap err.txt pcap --db "$W/one.db" "file == $1"
    no_crash err.txt || return 1
    [ "$RC" -eq 0 ] || fail "exit $RC: $(tr '\n' '|' <err.txt)" || return 1
    same_packets out.pcap ref.pcap "all sessions of $(basename "$1")"
}
while read -r f; do
    check "whole file: $(basename "$f") = tshark 'ip || ipv6'" whole_file_alone "$f"
done < <(find "$P" "$TB" -name '*.pcap' -o -name '*.pcapng' | sort)

# Two link types in one selection: pcapng with one interface per link type.
mixed_linktypes() {
    # normal.pcap as raw IP (link type 101): the Ethernet headers cut off.
    python3 - "$TB/normal.pcap" "$W/raw.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
out = bytearray(d[:20] + struct.pack('<I', 101))
off = 24
while off + 16 <= len(d):
    s, f, cl, ln = struct.unpack('<IIII', d[off:off + 16])
    fr = d[off + 16:off + 16 + cl]
    if cl > 14 and fr[12:14] == b'\x08\x00':
        out += struct.pack('<IIII', s + 86400, f, cl - 14, ln - 14) + fr[14:]
    off += 16 + cl
open(sys.argv[2], 'wb').write(out)
PY
    otw imp.out imp.err import --no-progress --db "$W/mix.db" "$TB/normal.pcap" "$W/raw.pcap"
    [ "$RC" -eq 0 ] || fail "import: $(tr '\n' '|' <imp.err)" || return 1
    otw out.pcap err.txt pcap --db "$W/mix.db" 'port == 502'
    no_crash err.txt || return 1
    [ "$RC" -eq 0 ] || fail "exit $RC: $(tr '\n' '|' <err.txt)" || return 1
    has err.txt "pcapng" "the choice is said" || return 1
    capinfos out.pcap >ci.out 2>&1 || fail "capinfos: $(tr '\n' '|' <ci.out)" || return 1
    has ci.out "pcapng" "file type" || return 1
    local want got
    want=$(( $(tshark -r "$TB/normal.pcap" -Y 'tcp.port==502' 2>/dev/null | wc -l) * 2 ))
    got=$(tshark -r out.pcap 2>/dev/null | wc -l)
    eq "$got" "$want" "packets" || return 1
    eq "$(tshark -r out.pcap -T fields -e frame.encap_type 2>/dev/null | sort -u | wc -l)" 2 "link types"
}
check "two link types: pcapng, one interface per link type" mixed_linktypes

icmp_pings() {
    local f=$P/icmp/zeek-5-pings.pcap
    tshark -r "$f" -Y 'icmp' -F pcap -w ref.pcap >/dev/null 2>&1
    otw out.pcap err.txt pcap --db "$DB" "file == $f && ip.protocol == icmp"
    [ "$RC" -eq 0 ] || fail "exit $RC: $(tr '\n' '|' <err.txt)" || return 1
    same_packets out.pcap ref.pcap "ICMP echo requests and replies"
}
check "ICMP: requests and replies are one session" icmp_pings

# The long session is split in segments: one segment's packets only.
one_segment() {
    local f=$P/tcp/arkime-long-session.pcap s e n
    read -r s e n < <(q "$DB" "SELECT start_us, end_us, src_packets + dst_packets FROM sessions s
                                JOIN files f ON f.id = s.file_id WHERE f.path = '$f'
                                ORDER BY src_packets + dst_packets DESC LIMIT 1" | tr '|' ' ')
    local id
    id=$(q "$DB" "SELECT s.id FROM sessions s JOIN files f ON f.id = s.file_id
                  WHERE f.path = '$f' AND start_us = $s AND end_us = $e LIMIT 1")
    otw out.pcap err.txt pcap --db "$DB" "id == $id"
    [ "$RC" -eq 0 ] || fail "exit $RC: $(tr '\n' '|' <err.txt)" || return 1
    eq "$(psum out.pcap | wc -l)" "$n" "packets of session $id" || return 1
    psum out.pcap | awk -v s="$s" -v e="$e" '$1 < s || $1 > e { bad = 1 } END { exit bad }' ||
        fail "packets outside [$s, $e]"
}
check "a session record's packets only (time range of the record)" one_segment

output_option() {
    otw o.txt err.txt pcap --db "$DB" -o opt.pcap "port == 502"
    [ "$RC" -eq 0 ] || fail "exit $RC" || return 1
    [ ! -s o.txt ] || fail "-o also wrote to standard output" || return 1
    valid_pcap opt.pcap
}
check "-o FILE" output_option

refuse_tty() {
    command -v script >/dev/null 2>&1 || { WHY="no script(1)"; return 0; }
    script -qec "$OTW pcap --db $DB 'port == 502'" /dev/null >tty.out 2>&1
    RC=$?
    [ "$RC" -eq 2 ] || fail "exit $RC, expected 2" || return 1
    has tty.out "terminal" "message"
}
check "refuses to write binary to a terminal" refuse_tty

no_match() {
    otw out.pcap err.txt pcap --db "$DB" 'port == 4'
    eq "$RC" 1 "exit status" && has err.txt "no session matches" "message"
}
check "no matching session: exit 1 with a message" no_match

moved_file() {
    cp "$P/modbus/zeek-modbusSmall.pcap" "$W/moving.pcap"
    otw imp.out imp.err import --no-progress --db "$W/mv.db" "$W/moving.pcap"
    [ "$RC" -eq 0 ] || fail "import: exit $RC" || return 1
    mv "$W/moving.pcap" "$W/moved-away.pcap"
    otw out.pcap err.txt pcap --db "$W/mv.db" 'port == 502'
    no_crash err.txt || return 1
    eq "$RC" 1 "exit status" || return 1
    has err.txt "moving.pcap" "file named" && has err.txt "moved or deleted" "message"
}
check "a capture moved after import: said clearly, exit 1" moved_file

# A capture that ends inside a record (what kill -9 leaves): the packets
# before the cut are written, with a warning.
partial_record() {
    local f=$W/cut.pcap size
    cp "$TB/normal.pcap" "$f"
    otw imp.out imp.err import --no-progress --db "$W/cut.db" "$f"
    [ "$RC" -eq 0 ] || fail "import: exit $RC" || return 1
    size=$(stat -c %s "$f")
    truncate -s $((size / 2 + 7)) "$f"
    tshark -r "$f" -Y 'ip || ipv6' -F pcap -w ref.pcap >/dev/null 2>&1
    otw out.pcap err.txt pcap --db "$W/cut.db" "file == $f"
    no_crash err.txt || return 1
    eq "$RC" 0 "exit status: $(tr '\n' '|' <err.txt)" || return 1
    has err.txt "warning" "warning about the cut" || return 1
    same_packets out.pcap ref.pcap "packets before the cut"
}
check "a capture cut inside a record: the packets before it" partial_record

# --- live packet files (pcapstore/) --------------------------------------------------------

LIB=$(find "$BUILD" -maxdepth 2 -name libotwcore.a | head -1)
DRIVE=""
build_driver() {
    [ -n "$LIB" ] || fail "libotwcore.a not found next to $OTW" || return 1
    local cc=${CC:-cc} flags=""
    # A sanitizer build's library needs the same runtime.
    if nm "$LIB" 2>/dev/null | grep -q '__asan_'; then
        flags="-fsanitize=address,undefined"
        command -v clang >/dev/null 2>&1 && cc=clang
    fi
    $cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O1 $flags -I"$SRC/src" -I"$BUILD/gen" \
        -o "$W/drive" "$SRC/tests/pcapstore_drive.c" "$LIB" \
        $(pkg-config --libs libpcap sqlite3 jansson zlib libcrypto libxxhash libcurl libsodium libmicrohttpd) -lpthread -lm \
        >cc.out 2>&1 || fail "building tests/pcapstore_drive.c: $(head -c 800 cc.out | tr '\n' '|')" || return 1
    DRIVE=$W/drive
}
check "build the pcapstore driver" build_driver

# drive DB DIR ARGS: feeds a capture into pcapstore (see pcapstore_drive.c).
drive() {
    "$DRIVE" "$@" >drive.out 2>drive.err
    RC=$?
}

live_retention() {
    [ -n "$DRIVE" ] || fail "no driver" || return 1
    mkdir -p "$W/pk"
    # 40 rounds of normal.pcap (~60 kB each) into files of at most 64 kB, the
    # directory kept under 300 kB.
    drive --db "$W/live.db" --dir "$W/pk" --point site1 --iface eth0 --rounds 40 \
        --max-file 65536 --dir-limit 307200 "$TB/normal.pcap"
    no_crash drive.err || return 1
    [ "$RC" -eq 0 ] || fail "driver exit $RC: $(tail -c 600 drive.err | tr '\n' '|')" || return 1
    local bytes files deleted kept
    bytes=$(du -cb "$W"/pk/*.pcap | tail -1 | cut -f1)
    [ "$bytes" -le 307200 ] || fail "directory holds $bytes bytes, limit 307200" || return 1
    files=$(ls "$W"/pk/*.pcap | wc -l)
    kept=$(q "$W/live.db" "SELECT count(*) FROM pcap_files WHERE deleted_us IS NULL")
    deleted=$(q "$W/live.db" "SELECT count(*) FROM pcap_files WHERE deleted_us IS NOT NULL")
    eq "$kept" "$files" "files on disk vs rows not deleted" || return 1
    [ "$deleted" -gt 0 ] || fail "no file marked deleted" || return 1
    for f in "$W"/pk/*.pcap; do
        case $(basename "$f") in
        site1-eth0-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]-*.pcap) ;;
        *) fail "file name $(basename "$f")"; return 1 ;;
        esac
        capinfos "$f" >/dev/null 2>&1 || fail "capinfos rejects $f" || return 1
    done
    # The packets still kept are exactly the input's (last rounds), byte for byte.
    psum "$(ls "$W"/pk/*.pcap | tail -1)" 2>/dev/null | head -3 | cut -d' ' -f2- >k.sum
    psum "$TB/normal.pcap" | cut -d' ' -f2- >n.sum
    grep -qxFf k.sum n.sum || fail "stored packets differ from the input"
}
check "pcapstore: size rotation, naming, retention by directory size" live_retention

# otwatch pcap on live sessions: sessions written into the same database by
# the driver (--sessions) whose files are partly deleted.
live_pcap() {
    [ -n "$DRIVE" ] || fail "no driver" || return 1
    local n
    n=$(q "$W/live.db" "SELECT count(*) FROM sessions WHERE file_id IS NULL OR file_id = 0")
    [ "$n" -gt 0 ] || fail "the driver stored no live sessions" || return 1
    otw out.pcap err.txt pcap --db "$W/live.db" 'port == 502'
    no_crash err.txt || return 1
    has err.txt "deleted by retention" "message about deleted packets" || return 1
    [ "$RC" -eq 0 ] || fail "exit $RC: $(tr '\n' '|' <err.txt)" || return 1
    valid_pcap out.pcap || return 1
    # What is written is port-502 packets of the input, each time-ordered.
    psum out.pcap | cut -d' ' -f2- | sort -u >o.sum
    tshark -r "$TB/normal.pcap" -Y 'tcp.port==502' -F pcap -w r.pcap >/dev/null 2>&1
    psum r.pcap | cut -d' ' -f2- | sort -u >r.sum
    [ -z "$(comm -23 o.sum r.sum)" ] || fail "packets that are not port 502 packets of the input"
}
check "otwatch pcap on live sessions whose files were partly deleted" live_pcap

all_deleted() {
    [ -n "$DRIVE" ] || fail "no driver" || return 1
    local id
    id=$(q "$W/live.db" "SELECT id FROM sessions WHERE end_us <
             (SELECT min(first_us) FROM pcap_files WHERE deleted_us IS NULL) LIMIT 1")
    [ -n "$id" ] || fail "no session lies wholly before the kept files" || return 1
    otw out.pcap err.txt pcap --db "$W/live.db" "id == $id"
    no_crash err.txt || return 1
    eq "$RC" 1 "exit status (nothing left to write)" || return 1
    has err.txt "deleted by retention" "message"
}
check "otwatch pcap when every file of the sessions was deleted: exit 1" all_deleted

# Disk full: a 8 MB tmpfs as packet directory (root only), no directory limit,
# so the disk fills and writes fail with ENOSPC; the free-space floor is set
# above what is free, so retention must delete old files.
disk_full() {
    [ -n "$DRIVE" ] || fail "no driver" || return 1
    MNT=$W/tmpfs
    mkdir -p "$MNT"
    mount -t tmpfs -o size=8m otwtest "$MNT" 2>mnt.err || { MNT=""; fail "mount: $(cat mnt.err)"; return 1; }
    # --min-free 1: no floor to speak of, and no ticks, so only full 1 MiB
    # buffers are written and the disk really fills (ENOSPC).
    drive --db "$W/full.db" --dir "$MNT" --point p --iface eth1 --rounds 400 \
        --max-file 3000000 --min-free 1 --tick-secs 0 --fill "$TB/normal.pcap"
    no_crash drive.err || return 1
    [ "$RC" -eq 0 ] || fail "driver exit $RC: $(tail -c 600 drive.err | tr '\n' '|')" || return 1
    local deleted written lost errors
    deleted=$(q "$W/full.db" "SELECT count(*) FROM pcap_files WHERE deleted_us IS NOT NULL")
    [ "$deleted" -gt 0 ] || fail "no file deleted by retention" || return 1
    written=$(sed -n 's/^written \([0-9]*\).*/\1/p' drive.out)
    lost=$(sed -n 's/.* lost \([0-9]*\).*/\1/p' drive.out)
    errors=$(sed -n 's/.* errors \([0-9]*\).*/\1/p' drive.out)
    [ "${errors:-0}" -gt 0 ] || fail "the disk never filled: $(cat drive.out)" || return 1
    [ "${written:-0}" -gt 100000 ] || fail "only ${written:-0} packets written: $(cat drive.out)" || return 1
    # Writing went on after the disk filled: the newest file has packets.
    local last
    last=$(ls -t "$MNT"/*.pcap | head -1)
    [ "$(psum "$last" | wc -l)" -gt 0 ] || fail "the newest file is empty" || return 1
    grep -q "no space\|No space" drive.err || [ "${lost:-0}" -eq 0 ] ||
        fail "packets lost without a message" || return 1
    # Logged once per failure episode, not per packet.
    local said
    said=$(grep -c 'No space' drive.err)
    [ "$said" -ge 1 ] && [ "$said" -le "$errors" ] && [ "$said" -le 20 ] ||
        fail "'No space' said $said times for $errors write errors" || return 1
    otw out.pcap err.txt pcap --db "$W/full.db" 'port == 502'
    no_crash err.txt || return 1
    has err.txt "deleted by retention" "otwatch pcap says packets were deleted"
}
if [ "$(id -u)" = 0 ]; then
    check "disk full on a small tmpfs: retention, writing goes on, store knows" disk_full
else
    skip "disk full on a small tmpfs" "needs root to mount a tmpfs"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
