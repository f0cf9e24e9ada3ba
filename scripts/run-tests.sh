#!/usr/bin/env bash
# Runs the whole suite in the normal build and in the ASan+UBSan build, and
# ends with one line: "N passed, N failed".
set -uo pipefail
total_pass=0
total_fail=0
first=1
for b in "$@"; do
    echo "=== tests in $b ==="
    # The testbed test runs no otwatch code: once is enough.
    exclude=()
    [ "$first" -eq 1 ] || exclude=(-E 'script/test_testbed')
    first=0
    log=$(mktemp)
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$b" --output-on-failure -j 2 --timeout 1200 "${exclude[@]}" 2>&1 | tee "$log"
    pass=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$log" || true)
    fail=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*|Failed|Timeout|Not Run)' "$log" || true)
    total_pass=$((total_pass + pass))
    total_fail=$((total_fail + fail))
    rm -f "$log"
done
echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
