#!/usr/bin/env bash
# tests/test_browser.sh - the web interface in a real browser (issue 7): log-in,
# sessions query, session detail and pcap download, connection graph,
# Japanese with no English left, alerts as admin and as viewer, HTML in
# packet fields, users, first-run set-up, console and CSP errors.
#
#   bash tests/test_browser.sh <otwatch-binary> <source-dir>
#
# Runs tests/browser/run.mjs with Node against a real `otwatch serve` on a
# free port in 18500-18599, with Debian's chromium (headless) driven by
# playwright-core from web/node_modules. Screenshots of every page in
# English and Japanese are saved in ${OTW_ARTIFACTS:-<build dir>/artifacts}/
# screenshots/ and their paths printed. A missing chromium is installed when
# running as root (apt-get); when it cannot be, the test FAILS (never skips).
# Prints `ok - NAME` / `not ok - NAME: WHY`, then `N passed, N failed`;
# exits 1 when any check failed.
set -u
export LC_ALL=C.UTF-8

OTW=$(realpath "${1:?usage: test_browser.sh OTWATCH-BINARY SOURCE-DIR}")
SRC=$(realpath "${2:-$(dirname "$0")/..}")
CHROMIUM=${OTW_CHROMIUM:-/usr/bin/chromium}

setup_fail() {
    echo "not ok - setup: $*"
    echo "0 passed, 1 failed"
    exit 1
}

command -v node >/dev/null 2>&1 || setup_fail "node is missing (Debian package nodejs)"
for t in capinfos bash; do
    command -v "$t" >/dev/null 2>&1 || setup_fail "$t is missing (capinfos: Debian package wireshark-common)"
done

if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "# installing chromium (apt-get)"
        for attempt in 1 2 3; do
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
                chromium fonts-ipafont-gothic >/tmp/otw-browser-apt.log 2>&1 && break
            apt-get update >>/tmp/otw-browser-apt.log 2>&1 || true
            sleep $((attempt * 5))
        done
    fi
    [ -x "$CHROMIUM" ] || setup_fail "$CHROMIUM is missing and could not be installed (apt-get install chromium)"
fi

if [ ! -f "$SRC/web/node_modules/playwright-core/package.json" ]; then
    echo "# installing the UI's npm packages (npm ci in web/)"
    (cd "$SRC/web" && npm ci --no-audit --no-fund --loglevel=error) >/dev/null 2>&1 ||
        setup_fail "playwright-core is missing from web/node_modules and npm ci failed"
fi

exec node "$SRC/tests/browser/run.mjs" "$OTW" "$SRC"
