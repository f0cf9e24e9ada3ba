#!/bin/bash
# build.sh - builds the libFuzzer targets (not part of the CMake build).
#   bash tests/fuzz/build.sh            -> build/fuzz/fuzz_reader
#   build/fuzz/fuzz_reader -max_total_time=120 build/fuzz/corpus tests/pcaps/*/ tests/bad/
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$src/build/fuzz}
mkdir -p "$out" "$out/corpus"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I"$src/src" \
      "$src/tests/fuzz/fuzz_reader.c" "$src/src/capture/reader.c" "$src/src/core/common.c" \
      -lz -o "$out/fuzz_reader"
echo "built $out/fuzz_reader"
