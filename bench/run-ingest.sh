#!/usr/bin/env bash
# Durable MLLP ingest benchmark: starts build/medbridge on a fresh store (SQLite, WAL,
# synchronous=FULL, ACK after commit) and drives it with 8 connections.
# Afterwards it waits until every message is mapped and prints how long that took.
# usage: bench/run-ingest.sh [MESSAGES_PER_CONNECTION=500] [CONNECTIONS=8] [--set key=value]...
set -euo pipefail
cd "$(dirname "$0")/.."
per=${1:-500}
connections=${2:-8}
shift $(( $# < 2 ? $# : 2 ))
dir=$(mktemp -d)
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
./build/medbridge serve --config config/medbridge.json --set mllp.port=0 --set http.port=0 --set dicom.port=0 \
  --set "store.url=sqlite:$dir/medbridge.db" --set "dataDir=$dir/data" "$@" >"$dir/log" 2>&1 &
pid=$!
mllp=""
for _ in $(seq 100); do
  mllp=$(grep -o 'MLLP listening on 127.0.0.1:[0-9]*' "$dir/log" | sed 's/.*://' || true)
  [ -n "$mllp" ] && break
  sleep 0.1
done
[ -n "$mllp" ] || { cat "$dir/log"; exit 1; }
http=$(grep -o 'HTTP listening on 127.0.0.1:[0-9]*' "$dir/log" | sed 's/.*://')
./build/bench/medbridge_mllp_load "$mllp" "$connections" "$per"
start=$(date +%s%N)
for _ in $(seq 6000); do
  depth=$(curl -fsS "http://127.0.0.1:$http/metrics" | awk '/^medbridge_queue_depth/ {print $2}')
  [ "$depth" = "0" ] && break
  sleep 0.05
done
echo "all mapped $(( ($(date +%s%N) - start) / 1000000 )) ms after the last ACK (queue depth $depth)"
