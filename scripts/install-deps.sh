#!/usr/bin/env bash
# Installs the Debian packages otwatch builds and tests with, when missing.
# Non-interactive; runs apt-get update only when something must be installed.
set -euo pipefail
pkgs=(build-essential clang cmake pkg-config
      libpcap-dev libsqlite3-dev libjansson-dev zlib1g-dev libssl-dev libxxhash-dev
      libcurl4-openssl-dev libsodium-dev rsyslog openssl libmicrohttpd-dev
      chromium fonts-ipafont-gothic
      libcmocka-dev tshark tcpdump python3 sqlite3 iproute2 iputils-ping curl procps gdb
      tzdata ieee-data
      clickhouse-server clickhouse-client)
# clickhouse-server: the ClickHouse tests start their own servers as plain
# processes on loopback ports (tests/clickhouse/cluster.sh); the package's
# own service is not used.
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The web interface is bundled with npm (web/package.json); any Node.js with
# npm does (Debian's, or one the machine already has).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "otwatch needs these Debian packages: ${missing[*]}" >&2
    echo "run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture: answer no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
for attempt in 1 2 3; do
    if apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/otwatch-apt.log 2>&1; then
        exit 0
    fi
    apt-get update >>/tmp/otwatch-apt.log 2>&1 || true
    sleep $((attempt * 5))
done
echo "apt-get install failed; see /tmp/otwatch-apt.log" >&2
tail -20 /tmp/otwatch-apt.log >&2
exit 1
