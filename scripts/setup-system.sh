#!/usr/bin/env bash
# Install the Debian packages the full test suite uses: PostgreSQL (a real server for the
# database tests), YAZ (a real SRU client), Zebra (the SRU benchmark's reference), Chromium
# (browser tests) and poppler-utils (PDF pages rendered to PNG). Skips what is installed.
set -euo pipefail
PACKAGES=(postgresql yaz idzebra-2.0 chromium poppler-utils)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
