#!/usr/bin/env bash
# PACS benchmarks (issue 5), all peers on the same files in the same run:
#  1. C-STORE ingest from storescu over ASSOCIATIONS parallel associations of (a) SMALL instances
#     of 0.5 MB (512x512x16 bit) spread over studies of 100 and (b) one CT series of SLICES
#     slices, into medbridge (fsync of file and directory before success), dcmtk's storescp
#     (--fork, never fsyncs) and Orthanc (SyncStorageArea true).
#  2. Retrieve of a RETRIEVE-instance study from Orthanc: getscu directly, then medbridge's
#     $fetch-images by C-GET and by C-MOVE (of another patient's study of the same size),
#     answered once every instance is fsync'd and indexed.
# Orthanc listens on every interface, so everything runs in a network namespace with only
# loopback (root). Nagle is off for every peer (TCP_NODELAY=1).
# usage: bench/run-dicom.sh [SMALL=200] [SLICES=64] [RETRIEVE=100] [ASSOCIATIONS=4]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MEDBRIDGE_IN_NETNS:-}" ]; then
  exec unshare --net -- env MEDBRIDGE_IN_NETNS=1 bash -c 'ip link set lo up && exec bash "$0" "$@"' \
    "$0" "$@"
fi
small=${1:-200}
slices=${2:-64}
retrieve=${3:-100}
assoc=${4:-4}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export TCP_NODELAY=1
now() { date +%s.%N; }
wait_port() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1" >&2
  exit 1
}

# The files, dealt round-robin into one directory per association.
make_set() {  # name count patient studies
  /usr/bin/python3 bench/make-dicom.py "$work/$1" "$2" 512 "$3" "$4"
  local i=0
  for a in $(seq "$assoc"); do mkdir -p "$work/$1/a$a"; done
  for f in "$work/$1"/*.dcm; do
    mv "$f" "$work/$1/a$((i % assoc + 1))/"
    i=$((i + 1))
  done
}
make_set small "$small" BENCH1 $(((small + 99) / 100))
make_set ct "$slices" BENCH2 1
mb_small=$(du -sm "$work/small" | cut -f1)
mb_ct=$(du -sm "$work/ct" | cut -f1)

# medbridge, storescp and Orthanc, each on its own port.
mkdir -p "$work/mb" "$work/scp" "$work/orthanc"
./build/medbridge serve --config config/medbridge.json --set mllp.port=0 --set http.port=18080 \
  --set dicom.port=11112 --set "store.url=sqlite:$work/mb/db.sqlite" --set "dataDir=$work/mb/data" \
  --set dicom.peers.ORTHANC.host=127.0.0.1 --set dicom.peers.ORTHANC.port=4242 \
  --set dicom.peers.ORTHANC.patientIdSystem=urn:oid:1.2.156.112604.1.2.1.2 \
  --set dicom.peers.ORTHANCMOVE.host=127.0.0.1 --set dicom.peers.ORTHANCMOVE.port=4242 \
  --set dicom.peers.ORTHANCMOVE.retrieve=move \
  --set dicom.peers.ORTHANCMOVE.patientIdSystem=urn:oid:1.2.156.112604.1.2.1.2 \
  --set dicom.peers.ORTHANC.retrieve=get >"$work/mb/log" 2>&1 &
pids+=($!)
storescp --fork -od "$work/scp" -aet STORESCP 11113 >"$work/scp.log" 2>&1 &
pids+=($!)
cat >"$work/orthanc.json" <<EOF
{"Name": "bench", "StorageDirectory": "$work/orthanc/storage", "IndexDirectory": "$work/orthanc/index",
 "HttpPort": 8042, "DicomPort": 4242, "DicomAet": "ORTHANC", "RemoteAccessAllowed": false,
 "AuthenticationEnabled": false, "DicomCheckCalledAet": false, "SyncStorageArea": true,
 "StorageCompression": false, "Plugins": [], "ConcurrentJobs": 2,
 "DicomModalities": {"medbridge": {"AET": "MEDBRIDGE", "Host": "127.0.0.1", "Port": 11112}}}
EOF
Orthanc "$work/orthanc.json" >"$work/orthanc.log" 2>&1 &
pids+=($!)
wait_port 11112
wait_port 11113
wait_port 4242

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

# Sends a set to one peer over the associations in parallel; prints seconds. Dirty pages of
# the runs before (storescp never fsyncs) are written out first, so no peer pays for another.
send() {  # set aet port
  local start senders=()
  sync
  start=$(now)
  for a in $(seq "$assoc"); do
    storescu -aec "$2" +sd 127.0.0.1 "$3" "$work/$1/a$a" >>"$work/storescu.log" 2>&1 &
    senders+=($!)
  done
  for s in "${senders[@]}"; do wait "$s" || { echo "storescu to $2 failed" >&2; exit 1; }; done
  calc "$(now) - $start"
}

report() {  # label set count mb seconds-medbridge seconds-storescp seconds-orthanc
  printf '%s: %d instances, %d MB\n' "$1" "$3" "$4"
  for peer in medbridge:$5 storescp:$6 orthanc:$7; do
    local name=${peer%%:*} s=${peer#*:}
    printf '  %-9s %7.2f s  %8.1f instances/s  %7.1f MB/s\n' "$name" "$s" \
      "$(calc "$3 / $s")" "$(calc "$4 / $s")"
  done
  printf '  medbridge / Orthanc: %.2fx   medbridge / storescp: %.2fx (instances/s)\n' \
    "$(calc "$7 / $5")" "$(calc "$6 / $5")"
}

for set in small ct; do
  count=$([ $set = small ] && echo "$small" || echo "$slices")
  mb=$([ $set = small ] && echo "$mb_small" || echo "$mb_ct")
  t_mb=$(send $set MEDBRIDGE 11112)
  t_scp=$(send $set STORESCP 11113)
  t_or=$(send $set ORTHANC 4242)
  report "C-STORE ingest ($set)" $set "$count" "$mb" "$t_mb" "$t_scp" "$t_or"
done
stored=$(sqlite3 "$work/mb/db.sqlite" "SELECT COUNT(*) FROM dicom_instances")
[ "$stored" -eq $((small + slices)) ] || { echo "medbridge stored $stored instances" >&2; exit 1; }

# Retrieve: RETRIEVE-instance studies in Orthanc, of two patients (one fetched by C-GET, one by
# C-MOVE, so neither fetch replaces what the other brought), pulled directly and through medbridge.
make_set study "$retrieve" BENCH3 1
make_set study4 "$retrieve" BENCH4 1
for set in study study4; do
  for a in $(seq "$assoc"); do
    storescu -aec ORTHANC +sd 127.0.0.1 4242 "$work/$set/a$a" >>"$work/storescu.log" 2>&1
  done
done
uid=$(dcmdump -q -s +P 0020,000d "$(ls "$work"/study/a1/*.dcm | head -1)" | sed 's/.*\[\(.*\)\].*/\1/')
mkdir -p "$work/get"
sync
start=$(now)
getscu -aet MEDBRIDGE -aec ORTHANC -od "$work/get" -k 0008,0052=STUDY -k "0020,000d=$uid" 127.0.0.1 4242 \
  >>"$work/getscu.log" 2>&1
t_get=$(calc "$(now) - $start")
[ "$(ls "$work/get" | wc -l)" -eq "$retrieve" ] || { echo "getscu got $(ls "$work/get" | wc -l)" >&2; exit 1; }
for p in 3 4; do
  curl -sf -X PUT -H 'Content-Type: application/fhir+json' "http://127.0.0.1:18080/fhir/Patient/bench$p" \
    -d "{\"resourceType\":\"Patient\",\"id\":\"bench$p\",\"identifier\":[{\"system\":\"urn:oid:1.2.156.112604.1.2.1.2\",\"value\":\"BENCH$p\"}]}" >/dev/null
done
fetch() {  # peer patient
  local start
  sync
  start=$(now)
  curl -sf -X POST -H 'Content-Type: application/fhir+json' \
    "http://127.0.0.1:18080/fhir/Patient/$2/\$fetch-images" \
    -d "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"peer\",\"valueString\":\"$1\"}]}" \
    >"$work/fetch.json"
  calc "$(now) - $start"
}
t_fetch_get=$(fetch ORTHANC bench3)
grep -q "\"valueInteger\":$retrieve" "$work/fetch.json" || { cat "$work/fetch.json"; exit 1; }
t_fetch_move=$(fetch ORTHANCMOVE bench4)
grep -q "\"valueInteger\":$retrieve" "$work/fetch.json" || { cat "$work/fetch.json"; exit 1; }
printf 'Retrieve of a %d-instance study from Orthanc:\n' "$retrieve"
printf '  getscu directly            %7.2f s\n' "$t_get"
printf '  $fetch-images by C-GET     %7.2f s  (%.2fx getscu)\n' "$t_fetch_get" "$(calc "$t_fetch_get / $t_get")"
printf '  $fetch-images by C-MOVE    %7.2f s  (%.2fx getscu)\n' "$t_fetch_move" "$(calc "$t_fetch_move / $t_get")"
