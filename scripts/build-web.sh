#!/usr/bin/env bash
# build-web.sh SRCDIR OUT.c - builds the UI (npm packages from web/package-lock.json,
# installed here when missing) into a temporary directory and embeds it as C.
# Run by CMake whenever a file under web/ changes.
set -euo pipefail
src=$1
out=$2
web="$src/web"
if [ ! -x "$web/node_modules/.bin/esbuild" ]; then
    echo "build-web.sh: installing the UI's npm packages (npm ci in web/)" >&2
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
node "$web/build.mjs" "$dist"
python3 "$src/scripts/embed-web.py" "$dist" "$out"
