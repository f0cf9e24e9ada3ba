#!/usr/bin/env bash
# Runs the libFuzzer targets for a short budget each: the capture reader and
# every application parser, seeded from the test captures. The targets exist
# only in the sanitizer build (cmake -DOTW_FUZZ=ON, as 'make test' does);
# elsewhere this says so and passes. A crash input is copied to
# tests/fuzz/found/; once fixed, move it to tests/fuzz/regress/ (named
# TARGET--what) where it is run first on every test run.
# usage: test_fuzz.sh OTWATCH SRCDIR    env: FUZZ_SECONDS (per target, default 6)
set -uo pipefail
otw=$1
src=$2
bin=$(dirname "$otw")
secs=${FUZZ_SECONDS:-6}
if [ ! -x "$bin/fuzz_parser" ] || [ ! -x "$bin/fuzz_reader" ]; then
    echo "skipped: the fuzz targets are built only in the sanitizer build (make test runs them there)"
    echo "0 passed, 0 failed"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
mapfile -t pcaps < <(find "$src/tests/pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
python3 "$src/tests/fuzz/make_seeds.py" "$work/seeds" "${pcaps[@]}"

run() {  # name, binary, corpus dirs...
    local name=$1 exe=$2
    shift 2
    mkdir -p "$work/corpus-$name" "$work/crash-$name"
    if "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="$work/crash-$name/" "$work/corpus-$name" "$@" \
        >"$work/$name.log" 2>&1; then
        echo "ok - fuzz $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$name.log" | grep -o '[0-9]*$' || echo '?') runs)"
        pass=$((pass + 1))
    else
        echo "not ok - fuzz $name: crash, input kept:"
        ls "$work/crash-$name"
        tail -40 "$work/$name.log"
        for f in "$work/crash-$name"/*; do
            [ -f "$f" ] && { mkdir -p "$src/tests/fuzz/found"; cp "$f" "$src/tests/fuzz/found/${name#parser-[0-9]*-}--$(basename "$f")"; }
        done
        fail=$((fail + 1))
    fi
}

# Regression inputs first: each must run clean. Named TARGET--anything,
# TARGET being "reader" or a parser name (names may hold one dash).
for f in "$src"/tests/fuzz/regress/*; do
    [ -f "$f" ] || continue
    base=$(basename "$f")
    case "$base" in
        reader--*) exe="$bin/fuzz_reader"; export -n OTW_FUZZ_PARSER ;;
        *) exe="$bin/fuzz_parser"; export OTW_FUZZ_PARSER="${base%%--*}" ;;
    esac
    if "$exe" "$f" >/dev/null 2>&1; then pass=$((pass + 1)); else echo "not ok - regression $f"; fail=$((fail + 1)); fi
done
unset OTW_FUZZ_PARSER

run reader "$bin/fuzz_reader" "$src/tests/bad" "$src/tests/pcaps/dns" "$src/tests/pcaps/icmp"
while read -r idx name; do
    export OTW_FUZZ_PARSER=$idx
    run "parser-$idx-$name" "$bin/fuzz_parser" "$work/seeds"
done < <(OTW_FUZZ_LIST=1 "$bin/fuzz_parser")
unset OTW_FUZZ_PARSER
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
