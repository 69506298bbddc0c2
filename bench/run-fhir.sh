#!/usr/bin/env bash
# FHIR REST benchmark: medbridge (fresh SQLite store, WAL, synchronous=FULL) and, as the reference
# peer, Medplum's FHIR router over its in-memory repository (bench/peers, Node with
# --experimental-websocket), each loaded with SIZE resources through transaction Bundles and then
# read and searched by THREADS keep-alive clients for SECONDS each, one server at a time.
# usage: bench/run-fhir.sh [SIZE=100000] [THREADS=4] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100000}
threads=${2:-4}
seconds=${3:-10}
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$dir"' EXIT
./build/medbridge serve --config config/medbridge.json --set mllp.port=0 --set http.port=0 --set dicom.port=0 \
  --set "store.url=sqlite:$dir/medbridge.db" --set "dataDir=$dir/data" >"$dir/log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 100); do
  port=$(grep -o 'HTTP listening on 127.0.0.1:[0-9]*' "$dir/log" | sed 's/.*://' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$dir/log"; exit 1; }
echo "== medbridge $(./build/medbridge version | cut -d' ' -f2), SIZE=$size"
./build/bench/medbridge_fhir_load "$port" "$size" "$threads" "$seconds"
echo "store: $(du -sh "$dir/medbridge.db" | cut -f1)"
kill -TERM "${pids[0]}"; wait "${pids[0]}" || true
(cd bench/peers && [ -d node_modules/@medplum/fhir-router ] || npm ci --no-audit --no-fund >/dev/null)
peer_port=$((20000 + RANDOM % 10000))
node --experimental-websocket bench/peers/medplum-fhir.js "$peer_port" >"$dir/peer.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$dir/peer.log" && break; sleep 0.1; done
echo "== Medplum fhir-router $(node -p "require('./bench/peers/node_modules/@medplum/fhir-router/package.json').version") (MemoryRepository, Node $(node --version)), SIZE=$size"
./build/bench/medbridge_fhir_load "$peer_port" "$size" "$threads" "$seconds"
