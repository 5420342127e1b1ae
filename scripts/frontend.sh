#!/usr/bin/env bash
# The SPA's checks: install its locked dependencies when they changed; its API types must be
# what openapi-typescript makes of openapi.json (which the API tests hold to the served
# document); ESLint and Prettier; type-check, component tests (Vitest), production build, then
# the browser test (Playwright on the system Chromium) against the real backend.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
committed=$(mktemp)
cp src/api-schema.ts "$committed"
npm run --silent types >/dev/null
if ! cmp -s "$committed" src/api-schema.ts; then
    echo "frontend: src/api-schema.ts was not generated from openapi.json; run npm run types and commit it" >&2
    exit 1
fi
npm run --silent lint
npm run --silent typecheck
npm test --silent
npm run --silent build
npm run --silent e2e
