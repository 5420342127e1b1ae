#!/usr/bin/env bash
# Starts moto (local S3, SQS and DynamoDB APIs) on 127.0.0.1:5000 for the AWS-mode tests,
# installing it first when missing. Leaves a running server alone. Prints the endpoint.
set -euo pipefail

port="${FOLIO_MOTO_PORT:-5000}"
endpoint="http://127.0.0.1:${port}"

# The server extra brings flask; `python3 -m moto.server` needs no console-script shim on PATH.
if ! python3 -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1; then
    echo "installing moto[server] from PyPI" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6' >&2
fi

up() { python3 -c "import urllib.request,sys; urllib.request.urlopen('$endpoint/moto-api/', timeout=1)" 2>/dev/null; }

if ! up; then
    log="${TMPDIR:-/tmp}/folio-moto.log"
    # Its request recorder (the IAM test reads it) writes a file; never into the checkout.
    export MOTO_RECORDER_FILEPATH="${TMPDIR:-/tmp}/folio-moto-recording"
    # A daemon holding none of this script's descriptors: `$(bash scripts/moto.sh)` returns only
    # once every holder of its stdout is gone, and CI's own output must not stay open either.
    # Matched by its own pid file: by executable alone, any python3 running (a test's web
    # server) would pass for moto, and moto would never start.
    start-stop-daemon --start --background --chdir "${TMPDIR:-/tmp}" --output "$log" \
        --pidfile "${TMPDIR:-/tmp}/folio-moto-${port}.pid" --make-pidfile \
        --exec "$(python3 -c 'import sys; print(sys.executable)')" -- \
        -m moto.server -H 127.0.0.1 -p "$port"
    for _ in $(seq 1 100); do
        up && break
        sleep 0.2
    done
    up || { echo "moto did not start; see $log" >&2; exit 1; }
fi
echo "$endpoint"
