#!/usr/bin/env bash
# The test peers that come from Debian rather than npm: Orthanc (with its DICOMweb plugin) as a
# real PACS, libxml2's xmllint as the HTML parser that reads the generated referral form. Its package would start a service on 4242/8042 on every interface: it is installed
# with a policy-rc.d that forbids starting services, and a running instance is stopped. The tests
# run their own Orthanc inside a loopback-only network namespace (tests/CMakeLists.txt).
set -euo pipefail
packages=(orthanc orthanc-dicomweb libxml2-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  guard=/usr/sbin/policy-rc.d
  placed=""
  if [ ! -e "$guard" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$guard" >/dev/null
    $sudo_cmd chmod +x "$guard"
    placed=1
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" || {
    [ -n "$placed" ] && $sudo_cmd rm -f "$guard"
    exit 1
  }
  [ -n "$placed" ] && $sudo_cmd rm -f "$guard"
fi
# The packaged service must not be running (it would hold 4242/8042 on every interface).
if command -v service >/dev/null 2>&1 && service orthanc status >/dev/null 2>&1; then
  $sudo_cmd service orthanc stop || true
fi
