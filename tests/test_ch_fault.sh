#!/usr/bin/env bash
# tests/test_ch_fault.sh - a ClickHouse server going away while a sensor
# writes to it (issue 8): the spool, `otwatch store drain`, and retries that
# never duplicate a row.
#
#   bash tests/test_ch_fault.sh <otwatch-binary> <source-dir>
#
# Real parts only: two clickhouse-server processes (tests/clickhouse/
# cluster.sh, HTTP ports 19220 and 19230, data under a mktemp directory),
# real otwatch imports of the committed captures. What reached ClickHouse is
# read back with curl on the HTTP interface, independently of otwatch, and
# compared with the same captures imported into a plain SQLite store (read
# with the sqlite3 tool).
#
# Server 1 is stopped in the middle of an import, without timing: the import
# of all the testbed captures runs under gdb with a breakpoint on
# otw_ch_file_find(), which the import calls at the start of each file; its
# second hit comes after the first file's otw_store_file_end() returned, that
# is after the first file's rows were sent (a file's end sends its batches
# and waits for the answer). There gdb runs a script that reads what
# ClickHouse has, stops server 1, and lets the import go on without further
# breakpoints: the rest goes to the spool. gdb stays attached to the end, so
# an ASan build runs it with detect_leaks=0 (LeakSanitizer cannot run under
# ptrace); every other import of this test runs without gdb, leak checks on.
#
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`;
# exits 1 when any check failed.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: test_ch_fault.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:?usage: test_ch_fault.sh OTWATCH-BINARY SOURCE-DIR}")
H1=19220 H2=19230
W=$(mktemp -d "${TMPDIR:-/tmp}/otw-chfault.XXXXXX")
CL="$SRC/tests/clickhouse/cluster.sh"
cleanup() { bash "$CL" stop "$W/ch" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
cd "$W" || exit 1

PASS=0 FAIL=0 WHY=""
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
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

for t in clickhouse-server curl sqlite3 gdb; do
    command -v $t >/dev/null 2>&1 || { echo "not ok - setup: $t is missing"; FAIL=1; finish; }
done

# q PORT SQL: runs SQL on the server at PORT (database otw), prints the answer
q() { curl -sS "http://127.0.0.1:$1/?database=otw" --data-binary "$2"; }
# what each sensor writes: its own config, its own SQLite file, server 1
conf() {    # conf FILE NODE [more lines...]
    local f=$1 node=$2
    shift 2
    { echo "clickhouse.cluster = otwatch"; echo "node = $node"; printf '%s\n' "$@"; } > "$f"
}
imp() {     # imp CONF DB PORT FILES...: import, status in RC, out/err in files
    local c=$1 db=$2 port=$3
    shift 3
    "$OTW" import --no-detect --config "$c" --store "clickhouse://127.0.0.1:$port/otw" \
        --db "$db" "$@" > out 2> err
    RC=$?
}
drain() {   # drain CONF DB PORT
    "$OTW" store drain --config "$1" --store "clickhouse://127.0.0.1:$3/otw" --db "$2" \
        > dout 2> derr
    DRC=$?
}
spooled() { find "$1" -maxdepth 1 -name '*.otwb' 2>/dev/null | wc -l; }
# spool_rows DIR TABLE: the rows the spooled batches of TABLE hold (their headers say)
spool_rows() {
    local f n=0 r
    for f in "$1"/*-"$2".otwb; do
        [ -f "$f" ] || continue
        r=$(head -c 2000 "$f" | sed -n 's/^rows //p' | head -1)
        n=$((n + ${r:-0}))
    done
    echo $n
}

# The captures: demo.pcap first (the file imported while server 1 is up),
# then every other testbed capture.
T=$SRC/tests/testbed
PCAPS=("$T/demo.pcap")
for p in "$T"/*.pcap; do [ "$p" = "$T/demo.pcap" ] || PCAPS+=("$p"); done
NF=${#PCAPS[@]}
NORMAL=$T/normal.pcap
[ "$NF" -ge 3 ] && [ -f "$NORMAL" ] ||
    { echo "not ok - setup: too few captures in $T"; FAIL=1; finish; }
if ! bash "$CL" start "$W/ch" $H1 $H2 > cl.log 2>&1; then
    echo "not ok - setup: the ClickHouse cluster did not start: $(tail -3 cl.log | tr '\n' '|')"
    FAIL=1
    finish
fi
for p in $H1 $H2; do
    "$OTW" store init --cluster otwatch --store "clickhouse://127.0.0.1:$p/otw" > init.out 2>&1 ||
        { echo "not ok - setup: store init on $p: $(cat init.out)"; FAIL=1; finish; }
done

# The reference: the same captures in a plain SQLite store.
"$OTW" import --no-detect --db ref.db "${PCAPS[@]}" > ref.out 2>&1 ||
    { echo "not ok - setup: SQLite import: $(cat ref.out)"; FAIL=1; finish; }
ref_rows() {    # ref_rows [SQL condition]: (community_id, start_us, packets), sorted
    sqlite3 ref.db "SELECT IFNULL(community_id,''), start_us, src_packets + dst_packets
                    FROM sessions ${1:-}" | tr '|' '\t' | sort
}
ref_rows > ref.tsv
ref_rows "WHERE file_id = (SELECT id FROM files WHERE path LIKE '%/demo.pcap')" > ref1.tsv
REF_N=$(wc -l < ref.tsv)
REF_N1=$(wc -l < ref1.tsv)
REF_L2=$(sqlite3 ref.db "SELECT SUM(packets) FROM l2_seen")
[ "$REF_N1" -gt 0 ] && [ "$REF_N1" -lt "$REF_N" ] ||
    { echo "not ok - setup: reference: $REF_N1 of $REF_N sessions in demo.pcap"; FAIL=1; finish; }

S1="WHERE start >= toDateTime(0) AND node = 's1'"   # a key column: FINAL on 18.16 wants one
L1="WHERE rid != 0 AND node = 's1'"
# What node s1 has in ClickHouse, read through the Distributed table from
# server 2 (so both shards answer), one row per session (FINAL).
ch_rows() {
    q $H2 "SELECT community_id, start_us, src_packets + dst_packets FROM sessions FINAL
           WHERE start >= toDateTime(0) AND node = '$1' FORMAT TSV" | sort
}
ch_count() {
    q $H2 "SELECT count() FROM sessions FINAL WHERE start >= toDateTime(0) AND node = '$1'"
}
# each file of node s1 in ClickHouse: path and its last status (1 = complete)
ch_files() {
    q $H2 "SELECT argMax(path, ver), argMax(status, ver) FROM files WHERE node = '$1'
           GROUP BY id HAVING argMax(deleted, ver) = 0 FORMAT TSV" | sort
}

# --- 1. server 1 stops in the middle of an import; the rest goes to the spool --
# What gdb runs when the import reaches the second file: reads what node s1
# has in ClickHouse now, then stops server 1.
{
    echo "H2=$H2"
    declare -f q ch_rows ch_files
    echo ': > reached'
    echo 'ch_rows s1 > before.tsv'
    echo 'ch_files s1 > before-files.tsv'
    printf 'bash %q stop-one %q 1 > stop.log 2>&1\n' "$CL" "$W/ch"
} > at-break.sh
{
    echo "set pagination off"
    echo "set confirm off"
    echo "set breakpoint pending off"
    echo "handle all nostop noprint pass"
    echo "break otw_ch_file_find"
    echo "ignore 1 1"           # the first file's look-up; stop at the second's
    printf 'commands 1\nsilent\nshell bash at-break.sh\ndelete\ncontinue\nend\n'
    printf 'run import --no-detect --config s1.conf --store clickhouse://127.0.0.1:%s/otw' $H1
    printf ' --db s1.db'
    printf ' %q' "${PCAPS[@]}"
    printf ' > out 2> err\n'
    printf 'if $_isvoid($_exitcode)\necho OTW-EXIT none\\n\nkill\n'
    printf 'else\nprintf "OTW-EXIT %%d\\n", $_exitcode\nend\n'
} > import.gdb
conf s1.conf s1
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    gdb -batch -nx -x import.gdb "$OTW" > gdb.log 2>&1 < /dev/null
RC=$(sed -n 's/^OTW-EXIT //p' gdb.log)
t_breakpoint() {
    [ -f reached ] ||
        { fail "the breakpoint was not reached: $(tail -c 600 gdb.log | tr '\n' '|')"; return 1; }
    eq "$(cat before-files.tsv)" "$(printf '%s\t1' "${PCAPS[0]}")" \
        "files of s1 in ClickHouse at the breakpoint" &&
        eq "$(wc -l < before.tsv)" "$REF_N1" "sessions of s1 at the breakpoint" &&
        { cmp -s before.tsv ref1.tsv ||
            fail "sessions differ: $(diff ref1.tsv before.tsv | head -5 | tr '\n' '|')"; } &&
        { ! curl -s -m 5 -o /dev/null "http://127.0.0.1:$H1/ping" ||
            fail "server 1 still answers after stop-one: $(cat stop.log)"; }
}
check "mid-import: the first file ($REF_N1 sessions) was in ClickHouse, then server 1 stopped" \
    t_breakpoint
t_import_spools() {
    eq "$RC" 0 "import exit status (stderr: $(head -c 400 err | tr '\n' '|'))" &&
        has out "imported $NF files" "import summary" &&
        has err "keeping what is written in the spool" "spool warning" &&
        eq "$(grep -c 'keeping what is written in the spool' err)" 1 "spool warnings (once)" &&
        eq "$(grep -c 'cannot tell whether files were imported before' err)" 1 \
            "look-up warnings (once)" &&
        has err "are waiting in the spool" "the spool's size at the end" &&
        [ "$(spooled s1.db.spool)" -gt 0 ] || fail "no spool files in s1.db.spool"
}
check "the import completes into the spool, one warning" t_import_spools
t_spool_files() {
    local f
    for f in s1.db.spool/*.otwb; do
        head -c 11 "$f" | grep -q "OTWSPOOL 1" || { fail "$f: no header"; return 1; }
    done
    ! ls -a s1.db.spool | grep -q '^\.tmp-' || fail "temporary files left in the spool"
}
check "spool files are whole (header, no temporary files left)" t_spool_files
t_spool_rest() {
    eq "$(spool_rows s1.db.spool sessions)" "$((REF_N - REF_N1))" \
        "session rows in the spool (every file but the first)"
}
check "the spool holds the sessions of the other $((NF - 1)) files" t_spool_rest

mkdir -p resend && cp s1.db.spool/*.otwb resend/
if ! bash "$CL" start-one "$W/ch" 1 > cl.log 2>&1; then
    echo "not ok - setup: restart: $(cat cl.log)"
    FAIL=$((FAIL + 1))
    finish
fi
ch_rows s1 > ch0.tsv
t_only_first() {
    eq "$(wc -l < ch0.tsv)" "$REF_N1" "sessions of s1 before the drain" &&
        { cmp -s ch0.tsv ref1.tsv || fail "sessions differ from the first file's"; } &&
        eq "$(ch_files s1)" "$(printf '%s\t1' "${PCAPS[0]}")" "files of s1 before the drain"
}
check "server 1 back: it has the first file, the rest only in the spool" t_only_first
drain s1.conf s1.db $H1
NSPOOL=$(ls resend | wc -l)
t_drain() {
    eq "$DRC" 0 "drain exit status ($(cat derr))" &&
        has dout "spool: $NSPOOL batches sent, 0 left" "drain summary" &&
        eq "$(spooled s1.db.spool)" 0 "spool files left"
}
check "store drain sends every spooled batch" t_drain
ch_rows s1 > ch.tsv
t_same_sessions() {
    eq "$(ch_count s1)" "$REF_N" "session count (FINAL)" &&
        { cmp -s ch.tsv ref.tsv ||
            fail "(community_id, start_us, packets) differ:" \
                "$(diff ref.tsv ch.tsv | head -5 | tr '\n' '|')"; }
}
check "every session exactly once, the same as the SQLite import ($REF_N)" t_same_sessions
# ... and as otwatch itself shows them: the JSON of every session, read
# through the cluster, the same as from the SQLite store (but the ids and the
# node's name, which only the ClickHouse rows have)
json_of() { sed 's/"otwatch.session_id":[0-9]*,//; s/,"observer.name":"[^"]*"//' | sort; }
"$OTW" sessions --db ref.db --format json 2> /dev/null | json_of > ref.json
OTWATCH_CONFIG=$W/s1.conf "$OTW" sessions --store "clickhouse://127.0.0.1:$H2/otw" --db s1.db \
    --format json 'observer.name == s1' 2> sj.err | json_of > ch.json
t_same_json() {
    eq "$(wc -l < ch.json)" "$REF_N" "sessions listed ($(head -c 300 sj.err))" &&
        { cmp -s ch.json ref.json ||
            fail "JSON differs: $(diff ref.json ch.json | head -3 | cut -c1-300 | tr '\n' '|')"; }
}
check "otwatch sessions through the cluster shows what the SQLite store shows" t_same_json
t_ids_unique() {
    eq "$(q $H2 "SELECT uniqExact(id) FROM sessions FINAL $S1")" \
        "$REF_N" "distinct ids"
}
check "session ids are unique" t_ids_unique
t_l2_same() {
    eq "$(q $H2 "SELECT sum(packets) FROM l2_seen FINAL $L1")" "$REF_L2" \
        "layer-2 packets"
}
check "layer-2 sightings sum to the SQLite store's" t_l2_same
t_files() {
    eq "$(ch_files s1)" "$(printf '%s\t1\n' "${PCAPS[@]}" | sort)" "files of s1 and their status"
}
check "all $NF files are recorded complete" t_files

# --- 2. the same batches sent again: no duplicates -----------------------------
# Merges stopped on server 1 while the batches go again, so the raw count
# below is exact (a background merge would fold the copies away: FINAL's job).
q $H1 "SYSTEM STOP MERGES" > merges.out 2>&1
cp resend/*.otwb s1.db.spool/
drain s1.conf s1.db $H1
RAW=$(q $H1 "SELECT count() FROM sessions_local WHERE node = 's1'")
q $H1 "SYSTEM START MERGES" >> merges.out 2>&1
t_resend() {
    eq "$(cat merges.out)" "" "SYSTEM STOP/START MERGES" &&
        eq "$DRC" 0 "drain exit status ($(cat derr))" &&
        has dout "spool: $NSPOOL batches sent, 0 left" "second drain" &&
        eq "$RAW" "$((2 * REF_N - REF_N1))" \
            "raw session rows on server 1 (the first file once, the others twice)"
}
check "a spooled batch sent twice is stored twice (raw)" t_resend
ch_rows s1 > ch2.tsv
t_no_dup() {
    eq "$(ch_count s1)" "$REF_N" "session count after resending" &&
        { cmp -s ch2.tsv ref.tsv || fail "sessions differ after resending"; } &&
        eq "$(q $H2 "SELECT sum(packets) FROM l2_seen FINAL WHERE rid != 0 AND node = 's1'")" \
            "$REF_L2" "layer-2 packets after resending"
}
check "...and read back once: no duplicate sessions or layer-2 counts" t_no_dup

# a second import of the same files is skipped (the file ids are the same)
imp s1.conf s1.db $H1 "${PCAPS[@]}"
t_dedup() {
    eq "$RC" 0 "exit status" && has out "$NF already imported" "summary" &&
        eq "$(ch_count s1)" "$REF_N" "session count"
}
check "importing the same files again: already imported" t_dedup

# --- 3. --force: the same ids again -----------------------------------------------
ids() { q $H2 "SELECT id FROM sessions FINAL $S1 ORDER BY id FORMAT TSV"; }
ids > ids1
imp s1.conf s1.db $H1 --force "${PCAPS[@]}"
ids > ids2
t_force() {
    eq "$RC" 0 "exit status ($(head -c 300 err))" && has out "imported $NF files" "summary" &&
        eq "$(wc -l < ids2)" "$REF_N" "sessions after --force" &&
        { cmp -s ids1 ids2 || fail "ids changed: $(diff ids1 ids2 | head -4 | tr '\n' '|')"; } &&
        eq "$(q $H2 "SELECT count(DISTINCT id) FROM files WHERE node = 's1'")" "$NF" "file ids"
}
check "import --force: the same session and file ids, no duplicates" t_force

# --- 4. a damaged spool file is reported and set aside --------------------------
conf s5.conf s5
mkdir -p s5.db.spool
f=$(ls resend | grep sessions | head -1)
cp "resend/$f" s5.db.spool/
BAD1=00000000000000000001-1-000000-sessions.otwb BAD2=00000000000000000002-1-000000-files.otwb
head -c 5000 "resend/$f" > "s5.db.spool/$BAD1"
printf 'this is not a spool file\n' > "s5.db.spool/$BAD2"
printf 'half written' > "s5.db.spool/.tmp-00000000000000000003-1-000000-files.otwb"
drain s5.conf s5.db $H1
t_damaged() {
    eq "$DRC" 0 "drain exit status ($(cat derr))" &&
        has derr "$BAD1: truncated or damaged" "truncated file named" &&
        has derr "$BAD2: not an otwatch spool file" "garbage file named" &&
        has dout "spool: 1 batches sent, 0 left" "the good file sent" || return 1
    [ -f "s5.db.spool/damaged/$BAD1" ] && [ -f "s5.db.spool/damaged/$BAD2" ] ||
        fail "damaged files not in s5.db.spool/damaged: $(ls -R s5.db.spool | tr '\n' ' ')"
}
check "damaged spool files: named, moved aside, the rest sent" t_damaged
t_tmp_ignored() {
    [ -f "s5.db.spool/.tmp-00000000000000000003-1-000000-files.otwb" ] ||
        fail "a temporary (unfinished) file was taken"
}
check "an unfinished temporary spool file is never sent" t_tmp_ignored

# --- 5. a full spool: loud, counted, the import finishes --------------------------
conf s6.conf s6 "clickhouse.spool = $W/full" "clickhouse.spool_max_mb = 1"
mkdir -p full
i=0
while [ "$(du -sb full | cut -f1)" -le 1100000 ]; do
    i=$((i + 1))
    cp "resend/$f" "full/0000000000000000000$i-1-000000-sessions.otwb"
done
before=$(du -sb full | cut -f1)
bash "$CL" stop-one "$W/ch" 1
imp s6.conf s6.db $H1 "${PCAPS[@]}"
t_full() {
    eq "$RC" 0 "exit status ($(head -c 300 err))" && has out "imported $NF files" "summary" &&
        has err "WARNING: DATA LOST" "loud warning" && has err "spool is full" "reason" &&
        eq "$(grep -c 'WARNING: DATA LOST' err)" 2 "loud lines (one, then the total at the end)" &&
        eq "$(du -sb full | cut -f1)" "$before" "spool size"
}
check "full spool: the batch is dropped loudly, the import finishes" t_full

# --- 6. unreachable and no spool at all: no crash ----------------------------------
: > afile
conf s7.conf s7 "clickhouse.spool = $W/afile/spool"
imp s7.conf s7.db $H1 "${PCAPS[@]}"
t_nospool() {
    [ "$RC" -lt 128 ] || { fail "crashed (status $RC)"; return 1; }
    eq "$RC" 0 "exit status" && has err "WARNING: DATA LOST" "loud warning" &&
        has err "$W/afile/spool" "spool named"
}
check "server down and the spool cannot be made: loud, no crash" t_nospool
# batches of at most clickhouse.batch_rows rows, none lost (server 1 is down:
# every batch is in the spool, where its header says how many rows it has)
conf s8.conf s8 "clickhouse.batch_rows = 500"
imp s8.conf s8.db $H1 "${PCAPS[@]}"
t_batch_rows() {
    local rows max sum
    rows=$(for f in s8.db.spool/*-sessions.otwb; do
        head -c 2000 "$f" | sed -n 's/^rows //p' | head -1
    done)
    max=$(echo "$rows" | sort -n | tail -1)
    sum=$(echo "$rows" | awk '{ s += $1 } END { print s + 0 }')
    eq "$RC" 0 "exit status" && [ "$max" -le 500 ] || { fail "a batch of $max rows"; return 1; }
    eq "$sum" "$REF_N" "rows in the spooled batches" &&
        [ "$(echo "$rows" | wc -l)" -ge 3 ] || fail "only $(echo "$rows" | wc -l) batches"
}
check "batches hold at most clickhouse.batch_rows rows, every row in one" t_batch_rows

drain s1.conf s1.db $H1
t_drain_down() {
    eq "$DRC" 0 "drain of an empty spool with the server down ($(cat derr))"
}
check "drain with nothing spooled and the server down is quiet" t_drain_down
cp resend/*.otwb s1.db.spool/
drain s1.conf s1.db $H1
t_drain_fail() {
    [ "$DRC" -ne 0 ] && [ "$DRC" -lt 128 ] || { fail "status $DRC"; return 1; }
    has derr "127.0.0.1:$H1" "names the server" &&
        eq "$(spooled s1.db.spool)" "$NSPOOL" "files kept"
}
check "drain with the server down fails clearly and keeps the spool" t_drain_fail

# --- 7. the other shard down: the sensor's own server still takes everything --------
bash "$CL" start-one "$W/ch" 1 > cl.log 2>&1 && bash "$CL" stop-one "$W/ch" 2 >> cl.log 2>&1
conf s9.conf s9
imp s9.conf s9.db $H1 "$NORMAL"
cp out out9 && cp err err9 && RC9=$RC
imp s9.conf s9.db $H1 "$NORMAL"
t_other_down() {
    eq "$RC9" 0 "first import ($(head -c 300 err9))" && has out9 "imported 1 file" "first import" &&
        eq "$(spooled s9.db.spool)" 0 "spooled batches" &&
        eq "$RC" 0 "second import" && has out "1 already imported" "second import" &&
        eq "$(q $H1 "SELECT count() FROM sessions_local FINAL WHERE start >= toDateTime(0) AND
                     node = 's9'")" "$(grep -c . <(sqlite3 ref.db "SELECT id FROM sessions
                     WHERE file_id = (SELECT id FROM files WHERE path LIKE '%/normal.pcap')"))" \
            "sessions of normal.pcap"
}
check "other shard down: the import goes to this server, a re-import is recognised" t_other_down


# --- 8. with detection, the server away: detection is off, the sessions are kept ---------
bash "$CL" stop-one "$W/ch" 1 >> cl.log 2>&1
conf s10.conf s10
"$OTW" import --config s10.conf --store "clickhouse://127.0.0.1:$H1/otw" --db s10.db \
    "$NORMAL" > out10 2> err10
RC10=$?
NSP10=$(spooled s10.db.spool)
bash "$CL" start-one "$W/ch" 1 >> cl.log 2>&1 && bash "$CL" start-one "$W/ch" 2 >> cl.log 2>&1
drain s10.conf s10.db $H1
t_detect_off() {
    eq "$RC10" 0 "import ($(head -c 300 err10))" && has out10 "imported 1 file" "import" &&
        has err10 "detection is OFF for this run" "the warning" &&
        [ "$NSP10" -gt 0 ] || { fail "${WHY:-nothing spooled}"; return 1; }
    eq "$DRC" 0 "drain ($(head -c 300 derr))" &&
        eq "$(q $H1 "SELECT count() FROM sessions_local FINAL WHERE start >= toDateTime(0) AND
                     node = 's10'")" "$(grep -c . <(sqlite3 ref.db "SELECT id FROM sessions
                     WHERE file_id = (SELECT id FROM files WHERE path LIKE '%/normal.pcap')"))" \
            "sessions of normal.pcap after the drain"
}
check "detection cannot read the store: it is off, loudly; the sessions are spooled and kept" \
    t_detect_off

finish
