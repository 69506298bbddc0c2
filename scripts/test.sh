#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit, integration and e2e on the
# RelWithDebInfo build, then the unit tests again under ASan/UBSan. Prints per-label times.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/corpus/hl7v2 ]; then
  echo "the shared corpus (../shared/corpus/hl7v2) must sit beside this checkout" >&2
  exit 1
fi
start=$(date +%s)
bash scripts/install-deps.sh
bash scripts/install-test-peers.sh
(cd tests/integration/peers && npm ci --no-audit --no-fund --loglevel=error)
bash scripts/build.sh
(cd build && ctest -j2 -L 'unit|integration|e2e' --output-on-failure --timeout 900)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMEDBRIDGE_SANITIZE=ON -DMEDBRIDGE_BENCH=OFF >/dev/null
cmake --build build-asan -j"$(nproc)" --target medbridge_unit_tests
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest -j2 -L unit --output-on-failure)
echo "all tests passed in $(( $(date +%s) - start )) s"
