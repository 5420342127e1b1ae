#!/usr/bin/env bash
# API fuzzing. First the request bodies (a long property run, then cargo-fuzz); then
# Schemathesis (pinned) generates requests from the OpenAPI document `folio serve` publishes,
# for every operation, as a signed-in user (scripts/fuzz/folio_hooks.py), and checks each response against the document: no 5xx, only documented statuses, content types, headers
# and bodies, invalid input refused. It all runs in a network namespace with nothing but
# loopback (bubblewrap), so a generated URL can reach nothing, public or private.
#
# The one check left out is positive_data_acceptance: JSON Schema cannot say what makes a URL
# renderable or an email deliverable, so schema-valid junk is rightly refused with a 422, which
# the document lists for those operations.
set -euo pipefail
cd "$(dirname "$0")/.."

inside() {
    local data port=18765
    data=$(mktemp -d)
    FOLIO_ADDR="127.0.0.1:$port" FOLIO_DATA_DIR="$data" FOLIO_RENDER_CONCURRENCY=1 \
        FOLIO_SIGNUP_MAX_PER_IP=1000000 FOLIO_SIGNIN_MAX_FAILURES=1000000 RUST_LOG=warn \
        "$folio" serve >"$data/folio.log" 2>&1 &
    local server=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
        sleep 0.1
    done
    local status=0 hooks="$PWD/scripts/fuzz"
    # From the scratch folder: Schemathesis keeps its own files where it runs.
    (cd "$data" && FOLIO_FUZZ_BASE="http://127.0.0.1:$port" SCHEMATHESIS_HOOKS=folio_hooks PYTHONPATH="$hooks" \
        schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
        --checks all --exclude-checks positive_data_acceptance \
        --max-time "$budget" --workers 1 --no-color --generation-database=:memory:) || status=$?
    kill "$server"
    wait "$server" || true
    if grep -q "panicked" "$data/folio.log"; then
        echo "fuzz-api: folio panicked:" >&2
        grep -B2 -A10 "panicked" "$data/folio.log" >&2
        status=1
    fi
    return "$status"
}

if [ "${1:-}" = "--inside" ]; then
    inside
    exit
fi
if ! python3 -c 'import schemathesis' >/dev/null 2>&1; then
    echo "fuzz-api: installing schemathesis from PyPI" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'schemathesis==4.32.5' >&2
fi
# First the request bodies alone, many more cases than the ordinary test run takes.
PROPTEST_CASES="${FOLIO_FUZZ_BODY_CASES:-20000}" cargo test --quiet -p folio-backend --lib any_request_body
# Then coverage-guided: cargo-fuzz (libFuzzer, AddressSanitizer) over the same bodies for a
# minute, from seeds and a dictionary of the options' words (core/fuzz). It needs a nightly
# toolchain, which this script cannot fetch: without one, the property run above stands alone.
if cargo +nightly --version >/dev/null 2>&1; then
    command -v cargo-fuzz >/dev/null 2>&1 || cargo install --quiet --locked cargo-fuzz
    corpus=$(mktemp -d)
    log="$corpus.log"
    if (cd core && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/../target}-fuzz" cargo +nightly fuzz run request_body \
        "$corpus" fuzz/seeds/request_body -- -max_total_time="${FOLIO_FUZZ_RUN_SECONDS:-60}" -dict=fuzz/json.dict) >"$log" 2>&1; then
        echo "fuzz-api: cargo-fuzz $(grep -E '^Done [0-9]+ runs' "$log"), no crash"
    else
        echo "fuzz-api: cargo-fuzz found a crash (its input is in core/fuzz/artifacts):" >&2
        tail -40 "$log" >&2
        exit 1
    fi
else
    echo "fuzz-api: no nightly toolchain here, so no cargo-fuzz run; the property run above covers the bodies" >&2
fi
cargo build --quiet --workspace --bins
export budget="${FOLIO_FUZZ_SECONDS:-150}"
export folio="${CARGO_TARGET_DIR:-$PWD/target}/debug/folio"
exec bwrap --dev-bind / / --unshare-net --die-with-parent bash "$0" --inside
