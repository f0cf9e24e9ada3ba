#!/usr/bin/env bash
# Golden test: sessions from every capture under tests/pcaps agree with tshark's
# conversations (tests/golden/compare_tshark.py says how).
# usage: test_golden_tshark.sh OTWATCH SRCDIR
set -euo pipefail
otw=$1
src=$2
command -v tshark >/dev/null || { echo "tshark is missing: make test installs it"; exit 1; }
mapfile -t files < <(find "$src/tests/pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
[ "${#files[@]}" -gt 50 ] || { echo "expected the test captures under tests/pcaps, found ${#files[@]}"; exit 1; }
exec python3 "$src/tests/golden/compare_tshark.py" "$otw" "$src/tests/golden/tshark-known.txt" "${files[@]}"
