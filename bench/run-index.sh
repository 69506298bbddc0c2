#!/usr/bin/env bash
# Patient-index benchmark: loads PATIENTS master patients (two identifiers each) and their FHIR
# Patients into a fresh SQLite store and times PIXm and name + birth-date search in process,
# then starts build/medbridge serve on that store and times the same lookups over HTTP.
# usage: bench/run-index.sh [PATIENTS=50000]
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-50000}
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
./build/bench/medbridge_index_bench load "$patients" "$dir" keep
./build/medbridge serve --config config/medbridge.json --set mllp.port=0 --set http.port=0 --set dicom.port=0 \
  --set "store.url=sqlite:$dir/medbridge-index-bench.db" --set "dataDir=$dir/data" >"$dir/log" 2>&1 &
pid=$!
port=""
for _ in $(seq 600); do
  port=$(grep -o 'HTTP listening on 127.0.0.1:[0-9]*' "$dir/log" | sed 's/.*://' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$dir/log"; exit 1; }
./build/bench/medbridge_index_bench http "$port" "$patients"
