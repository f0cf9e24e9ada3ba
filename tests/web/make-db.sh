#!/usr/bin/env bash
# tests/web/make-db.sh - the shared test database of the web tests (issue 7).
#
#   bash tests/web/make-db.sh OTWATCH-BINARY SOURCE-DIR OUT.db
#
# Made like tests/test_detect.sh makes its databases, with the mock plant's
# settings (testbed/plant.conf, plus the testbed's maintenance window):
#   1. learn tests/testbed/normal.pcap (learning mode), approve every entry,
#      switch to protecting mode;
#   2. import the scenario captures (scan_ssh, c2_blocked, c2_open,
#      modbus_write, rdp_night, arp_mitm): their alerts and new entries;
#   3. import tests/web/html-fields.pcap: an unknown host 192.168.10.50 whose
#      DHCP host name, HTTP Host / User-Agent and TLS SNI are HTML
#      (tests/web/html-fields.py says which);
#   4. add the users
#        alice   admin   password  alice-web-pass-1
#        victor  viewer  password  victor-web-pass-1
#      (passwords on stdin, never in argv).
# Writes OUT.db (replaced when it exists) and OUT.db.conf (the settings it
# was made with: give it to `otwatch serve --config`). Prints nothing on
# success; on failure prints what failed and exits 1. Nothing is cached
# outside OUT; temporary files are removed.
set -u
export LC_ALL=C TZ=UTC

OTW=$(realpath "${1:?usage: make-db.sh OTWATCH-BINARY SOURCE-DIR OUT.db}")
SRC=$(realpath "${2:?usage: make-db.sh OTWATCH-BINARY SOURCE-DIR OUT.db}")
OUT=${3:?usage: make-db.sh OTWATCH-BINARY SOURCE-DIR OUT.db}
CAP=$SRC/tests/testbed
SCENARIOS="scan_ssh c2_blocked c2_open modbus_write rdp_night arp_mitm"

die() { echo "make-db.sh: $*" >&2; exit 1; }
# run CMD...: quiet unless it fails
run() {
    local o
    o=$("$@" 2>&1) || die "failed: ${*##*/} ($(printf '%s' "$o" | tail -n 3 | tr '\n' ' '))"
}

rm -f "$OUT" "$OUT-wal" "$OUT-shm" "$OUT-journal" "$OUT.conf"
{
    cat "$SRC/testbed/plant.conf"
    echo 'asset = 203.0.113.66  name=c2 role="C2 server"'
} >"$OUT.conf" || die "cannot write $OUT.conf"
DB=(--db "$OUT")
CONF=(--config "$OUT.conf")

run "$OTW" baseline window set "${DB[@]}" maintenance "daily 09:00-10:00"
run "$OTW" baseline window rule "${DB[@]}" maintenance --client 192.168.10.40 --port tcp/22
run "$OTW" import -q "${DB[@]}" "${CONF[@]}" "$CAP/normal.pcap"
run "$OTW" baseline approve "${DB[@]}" --all
run "$OTW" baseline mode "${DB[@]}" protecting
for s in $SCENARIOS; do
    run "$OTW" import -q "${DB[@]}" "${CONF[@]}" "$CAP/$s.pcap"
done
run "$OTW" import -q "${DB[@]}" "${CONF[@]}" "$SRC/tests/web/html-fields.pcap"

printf '%s\n' 'alice-web-pass-1' | run "$OTW" user add alice --role admin "${DB[@]}" || exit 1
printf '%s\n' 'victor-web-pass-1' | run "$OTW" user add victor --role viewer "${DB[@]}" || exit 1
exit 0
