#!/usr/bin/env bash
# make demo: load the bundled capture of the mock control system into a fresh
# database, show what otwatch found in it, and serve the web interface on
# http://127.0.0.1:8005 (Ctrl-C stops it). Two users are made, an admin and a
# viewer, with new random passwords printed here.
# env: DEMO_LISTEN (default 127.0.0.1:8005), DEMO_SERVE=0 to load and not serve
set -euo pipefail
otw=$1
db=$2
cd "$(dirname "$0")/.."
listen=${DEMO_LISTEN:-127.0.0.1:8005}
# The captures the database points to (for packet downloads) stay beside it.
keep="${db%.db}-pcap"

serve() {
    local apw vpw
    apw=$(openssl rand -base64 12 | tr -d '/+=' | cut -c1-14)
    vpw=$(openssl rand -base64 12 | tr -d '/+=' | cut -c1-14)
    printf '%s\n' "$apw" | "$otw" user add admin --role admin --db "$db" >/dev/null
    printf '%s\n' "$vpw" | "$otw" user add viewer --role viewer --db "$db" >/dev/null
    [ "${DEMO_SERVE:-1}" = 0 ] && return 0
    echo
    echo "== web interface: http://$listen/"
    echo "   log in as admin / $apw  (or viewer / $vpw, read-only)"
    echo "   Ctrl-C stops it."
    exec "$otw" serve --listen "$listen" --db "$db" --config "$conf"
}
capture=""
for c in tests/testbed/demo.pcap tests/testbed/demo.pcap.gz tests/testbed/demo.pcapng; do
    [ -f "$c" ] && { capture=$c; break; }
done
rm -rf "$db" "$db-wal" "$db-shm" "$keep"
mkdir -p "$keep"
conf=testbed/plant.conf
if [ -n "$capture" ] && command -v editcap >/dev/null 2>&1 && command -v tshark >/dev/null 2>&1; then
    # The demo is a day at the plant (docs/TESTBED.md): 08:00 start-up and
    # 09:30 scheduled maintenance are normal; from 10:40 the attacks come.
    # Learn the morning, then protect and judge the rest of the day.
    tmp=$keep
    first=$(tshark -r "$capture" -c 1 -T fields -e frame.time_epoch 2>/dev/null)
    day=$(TZ=Asia/Tokyo date -d "@${first%.*}" +%F)
    cut=$(TZ=UTC date -d "$day 10:40:00 +0900" '+%Y-%m-%d %H:%M:%S')
    TZ=UTC editcap -B "$cut" "$capture" "$tmp/morning.pcap"
    TZ=UTC editcap -A "$cut" "$capture" "$tmp/day.pcap"
    echo "== learning the plant's normal from the morning (08:00-10:00 plant time)"
    "$otw" import --db "$db" --config "$conf" --point control-sw1 "$tmp/morning.pcap"
    "$otw" baseline approve --all --db "$db" >/dev/null
    "$otw" baseline window set maintenance "daily 09:00-10:00" --db "$db"
    "$otw" baseline window rule maintenance --client 192.168.10.40 --port tcp/22 --db "$db"
    "$otw" baseline mode protecting --db "$db"
    echo
    echo "== the rest of the day, judged against it"
    "$otw" import --db "$db" --config "$conf" --point control-sw1 "$tmp/day.pcap"
    echo
    echo "== alerts"
    "$otw" alerts --db "$db" --lang en
    echo
    echo "== アラート (日本語)"
    "$otw" alerts --db "$db" --lang ja
    echo
    echo "== assets"
    "$otw" assets --db "$db" --config "$conf"
    echo
    echo "The database is $db. Try:"
    echo "  $otw alerts show 1 --db $db"
    echo "  $otw baseline show --db $db"
    echo "  $otw sessions --db $db 'port.dst == 22'"
    echo "  $otw fields"
    serve
    exit 0
fi
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
conf=/dev/null
serve
