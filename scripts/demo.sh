#!/usr/bin/env bash
# make demo: load the bundled capture of the mock control system into a fresh
# database and show what otwatch found in it. (When the web interface lands,
# this serves it on http://127.0.0.1:8005 instead.)
set -euo pipefail
otw=$1
db=$2
cd "$(dirname "$0")/.."
capture=""
for c in tests/testbed/demo.pcap tests/testbed/demo.pcap.gz tests/testbed/demo.pcapng; do
    [ -f "$c" ] && { capture=$c; break; }
done
rm -f "$db" "$db-wal" "$db-shm"
if [ -n "$capture" ]; then
    echo "== importing $capture (the mock control system: normal day plus attacks)"
    "$otw" import --db "$db" --point control-sw1 "$capture"
else
    echo "== the testbed capture is not there yet: importing the OT sample captures"
    "$otw" import --db "$db" --point samples tests/pcaps/modbus tests/pcaps/dnp3 \
        tests/pcaps/s7comm tests/pcaps/enip tests/pcaps/iec104 tests/pcaps/ssh
fi
echo
echo "== sessions, with the talk's filter (IPv4 unicast TCP/UDP only): first 40"
"$otw" sessions --db "$db" --limit 40 'network.type == ipv4 && ip.protocol == [tcp, udp]'
echo
echo "== hosts"
"$otw" hosts --db "$db" --limit 30
echo
echo "The database is $db. Try:"
echo "  $otw sessions --db $db 'port.dst == 22'"
echo "  $otw sessions --db $db --format json 'state == attempt' | head"
echo "  $otw fields"
