#!/usr/bin/env bash
# Regional backlog drain (issue 6): a hospital gateway whose delivery to the platform is paused
# (an outage) queues SIZE changes (Patients and Encounters written through its FHIR API); then a
# medbridge in the platform profile is started, delivery resumed, and the time until the queue
# is empty measured, with both processes' resident memory sampled every half second while it
# drains (the sender reads the queue in slices from the store; nothing is held for the backlog).
# usage: bench/run-regional.sh [SIZE=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100000}
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$dir"' EXIT
now() { date +%s.%N; }
port_of() {
  for _ in $(seq 200); do
    p=$(grep -o 'HTTP listening on 127.0.0.1:[0-9]*' "$1" | sed 's/.*://' || true)
    [ -n "$p" ] && { echo "$p"; return; }
    sleep 0.1
  done
  cat "$1" >&2; exit 1
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
pending() {
  sqlite3 -cmd '.timeout 5000' "$dir/hospital.db" \
    "SELECT COUNT(*) FROM deliveries WHERE state = 'pending'"
}
serve() {  # name, then --set pairs
  local name=$1; shift
  ./build/medbridge serve --config config/medbridge.json --set mllp.port=0 --set dicom.port=0 \
    --set "store.url=sqlite:$dir/$name.db" --set "dataDir=$dir/$name" "$@" >"$dir/$name.log" 2>&1 &
  pids+=($!)
}
platform_port=$((20000 + RANDOM % 10000))
serve hospital --set http.port=0 --set "regional.urls=http://127.0.0.1:$platform_port/fhir" \
  --set regional.resourceTypes=Patient,Encounter
hospital=${pids[0]}
hport=$(port_of "$dir/hospital.log")
curl -sf -X POST "http://127.0.0.1:$hport/admin/deliveries/pause" >/dev/null
t0=$(now)
/usr/bin/python3 bench/regional_load.py "$hport" "$size"
t1=$(now)
queued=$(pending)
echo "== medbridge $(./build/medbridge version | cut -d' ' -f2): $queued changes queued in $(echo "$t1 - $t0" | bc -l | xargs printf '%.1f') s while paused"
serve platform --set profile=platform --set "http.port=$platform_port"
platform=${pids[1]}
port_of "$dir/platform.log" >/dev/null
min_rss=999999999; max_rss=0; pmax=0
t2=$(now)
curl -sf -X POST "http://127.0.0.1:$hport/admin/deliveries/resume" >/dev/null
while true; do
  r=$(rss "$hospital"); pr=$(rss "$platform")
  (( r < min_rss )) && min_rss=$r; (( r > max_rss )) && max_rss=$r; (( pr > pmax )) && pmax=$pr
  left=$(pending)
  [ "$left" = 0 ] && break
  sleep 0.5
done
t3=$(now)
secs=$(echo "$t3 - $t2" | bc -l)
sent=$(sqlite3 "$dir/hospital.db" "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'")
versions=$(sqlite3 "$dir/platform.db" "SELECT COUNT(*) FROM resource_versions")
printf 'drained %d changes in %.1f s: %.0f changes/s; on the platform: %d versions\n' \
  "$sent" "$secs" "$(echo "$sent / $secs" | bc -l)" "$versions"
printf 'hospital RSS while draining: %d-%d MB; platform RSS at most %d MB\n' \
  $((min_rss / 1024)) $((max_rss / 1024)) $((pmax / 1024))
