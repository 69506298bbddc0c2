#!/usr/bin/env bash
# Installs what medbridge needs to build and test on Debian 12, only what is missing.
set -euo pipefail
# python3-pydicom only for its DICOM sample files (tests).
packages=(build-essential cmake pkg-config libpoco-dev rapidjson-dev libssl-dev libsqlite3-dev sqlite3
          libxml2-dev libpq-dev libgtest-dev libbenchmark-dev curl openssl python3-stdnum
          libdcmtk-dev dcmtk python3-pydicom)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
