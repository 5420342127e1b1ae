#!/usr/bin/env bash
# The full test run, as `make test` and CI invoke it. Installs and starts whatever the tests need
# that is missing (as root on Debian), then runs the linters and every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every step has a time limit well inside CI's 90 minutes, so a step that hangs fails under its
# own name instead of silently eating the whole run.
step() { # seconds, command...
    local limit=$1
    shift
    timeout --kill-after=30 "$limit" "$@" || {
        local status=$?
        [ "$status" -eq 124 ] && echo "test.sh: '$*' did not finish within ${limit}s" >&2
        return "$status"
    }
}

step 600 bash scripts/system-deps.sh
step 600 bash scripts/lambda-tools.sh
FOLIO_TEST_MYSQL_URL=$(step 300 bash scripts/mariadb.sh)
export FOLIO_TEST_MYSQL_URL
FOLIO_TEST_MOTO_URL=$(step 600 bash scripts/moto.sh)
export FOLIO_TEST_MOTO_URL
FOLIO_KUSTOMIZE=$(step 600 bash scripts/deploy-tools.sh)
export FOLIO_KUSTOMIZE

# Property tests take this many cases each, unless told otherwise (the fuzz suite takes more).
export PROPTEST_CASES="${PROPTEST_CASES:-256}"

timings=()
# Runs one suite under a heading, within its time limit, and records how long it took; the
# table is printed at the end. The limits leave room for a build from an empty cache.
suite() { # name, seconds, command...
    local name=$1 limit=$2
    shift 2
    echo "== $name"
    local started=$SECONDS
    step "$limit" "$@"
    timings+=("$(printf '%5ds  %s' $((SECONDS - started)) "$name")")
}

suite "lint" 900 bash -c 'cargo fmt --all --check && cargo clippy --workspace --all-targets -- -D warnings'
suite "deployment: kustomize, schemas, workflows, Dockerfiles" 300 bash scripts/check-deploy.sh
# The Lambda-shaped test runs on its own, so its time is its own.
suite "tests" 1800 cargo test --workspace -- --skip lambda_sandbox
suite "lambda: bootstrap under a Lambda runtime API, in a Lambda-like sandbox" 600 \
    cargo test --workspace --test system lambda_sandbox
suite "frontend: types, component tests, build, browser test" 600 bash scripts/frontend.sh
# Run alone, after the others, so their figures are their own. It takes ~260 s warm (a 150 s
# Schemathesis budget, a 60 s cargo-fuzz run, 20,000 body cases); the limit leaves room for
# installing Schemathesis and building the fuzz target on a new machine.
suite "fuzz: Schemathesis on the served OpenAPI document, in a loopback-only namespace" 600 \
    bash scripts/fuzz-api.sh
suite "load: 60 s of mixed traffic at folio serve, in a loopback-only namespace" 300 bash scripts/load.sh

echo "== timings"
printf '%s\n' "${timings[@]}"
