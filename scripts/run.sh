#!/usr/bin/env bash
# Installs what is missing, builds, and runs the gateway on its embedded default (SQLite,
# config/medbridge.json), then feeds it the sample HL7 v2 messages from samples/hl7v2.
# Ctrl-C (SIGINT) or SIGTERM stops it gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
config=config/medbridge.json
mllp_port=$(grep -o '"port": *[0-9]*' "$config" | sed -n 2p | grep -o '[0-9]*$')
http_port=$(grep -o '"port": *[0-9]*' "$config" | sed -n 1p | grep -o '[0-9]*$')
./build/medbridge serve --config "$config" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' INT TERM
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$http_port/health" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || exit 1
  sleep 0.1
done
echo "medbridge is up: http://127.0.0.1:$http_port/health, MLLP on 127.0.0.1:$mllp_port"
for f in samples/hl7v2/*.hl7; do
  exec 3<>"/dev/tcp/127.0.0.1/$mllp_port"
  printf '\x0b%s\x1c\x0d' "$(cat "$f")" >&3
  ack=""
  IFS= read -r -d $'\x1c' -t 10 ack <&3 || true
  ack=$(printf '%s' "$ack" | tr '\r' '\n' | grep '^MSA' || true)
  exec 3>&-
  echo "sample $(basename "$f"): ${ack:-no ACK}"
done
echo "samples sent; metrics at http://127.0.0.1:$http_port/metrics"
wait $pid
