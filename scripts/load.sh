#!/usr/bin/env bash
# The load run: `folio-load` drives mixed traffic (sign-ins, lists, requests, downloads,
# deletes, open event streams) at a real `folio serve` for FOLIO_LOAD_SECONDS (60), then checks
# that there was no 5xx and no connection error and that every accepted job ended. Inside a
# network namespace with nothing but loopback: the pages it renders are its own.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --workspace --bins
bin="${CARGO_TARGET_DIR:-$PWD/target}/debug"
exec bwrap --dev-bind / / --unshare-net --die-with-parent \
    "$bin/folio-load" --folio "$bin/folio" --seconds "${FOLIO_LOAD_SECONDS:-60}" --users "${FOLIO_LOAD_USERS:-6}"
