#!/usr/bin/env bash
# The full test run, as `make test` and CI invoke it. Installs and starts whatever the tests need
# that is missing (as root on Debian), then runs the linters and every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
bash scripts/lambda-tools.sh
FOLIO_TEST_MYSQL_URL=$(bash scripts/mariadb.sh)
export FOLIO_TEST_MYSQL_URL
FOLIO_TEST_MOTO_URL=$(bash scripts/moto.sh)
export FOLIO_TEST_MOTO_URL
FOLIO_KUSTOMIZE=$(bash scripts/deploy-tools.sh)
export FOLIO_KUSTOMIZE

timings=()
# Runs one suite under a heading and records how long it took; the table is printed at the end.
suite() {
    local name=$1
    shift
    echo "== $name"
    local started=$SECONDS
    "$@"
    timings+=("$(printf '%5ds  %s' $((SECONDS - started)) "$name")")
}

suite "lint" bash -c 'cargo fmt --all --check && cargo clippy --workspace --all-targets -- -D warnings'
suite "deployment: kustomize, schemas, workflows, Dockerfiles" bash scripts/check-deploy.sh
# The Lambda-shaped test runs on its own, so its time is its own.
suite "tests" cargo test --workspace -- --skip lambda_sandbox
suite "lambda: bootstrap under a Lambda runtime API, in a Lambda-like sandbox" \
    cargo test --workspace --test system lambda_sandbox
suite "frontend: types, component tests, build, browser test" bash scripts/frontend.sh

echo "== timings"
printf '%s\n' "${timings[@]}"
