#!/usr/bin/env bash
# Parse + map per core: medbridge (Google Benchmark, one thread) and, from the same run, the npm
# HL7 v2 parsers simple-hl7 and hl7-standard parsing the same files (bench/peers, npm ci first).
# usage: bench/run-parse.sh [SECONDS_PER_CASE=1]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1}
(cd bench/peers && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)
./build/bench/medbridge_parse_map_bench --benchmark_min_time="$seconds" 2>/dev/null | grep -E '^(parse|Benchmark)'
for f in ADT-A01-01 ADT-A01-zh ORU-R01-zh; do
  node bench/peers/parse.js "tests/golden/hl7v2/$f.hl7" "$seconds"
done
