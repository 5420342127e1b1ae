#!/usr/bin/env bash
# Installs the Debian packages Folio's tests and renderer use when any is missing:
# Chromium (the renderer), poppler-utils (tests read PDFs back with pdftotext), and a C
# toolchain with pkg-config for the crates that build C code.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -gt 0 ]; then
    echo "system-deps.sh: installing ${missing[*]}" >&2
    [ "$(id -u)" = 0 ] || { echo "system-deps.sh: run as root, or install: ${missing[*]}" >&2; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
