#!/usr/bin/env bash
# The full test run, as `make test` and CI invoke it. Installs and starts whatever the tests need
# that is missing (as root on Debian), then runs the linters and every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
FOLIO_TEST_MYSQL_URL=$(bash scripts/mariadb.sh)
export FOLIO_TEST_MYSQL_URL
FOLIO_TEST_MOTO_URL=$(bash scripts/moto.sh)
export FOLIO_TEST_MOTO_URL
FOLIO_KUSTOMIZE=$(bash scripts/deploy-tools.sh)
export FOLIO_KUSTOMIZE

echo "== lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== deployment: kustomize, schemas, workflows, Dockerfiles"
bash scripts/check-deploy.sh

echo "== tests"
cargo test --workspace

echo "== frontend: types, component tests, build, browser test"
bash scripts/frontend.sh
