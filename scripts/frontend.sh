#!/usr/bin/env bash
# The SPA's checks: install its locked dependencies when they changed; generate its API types
# from openapi.json (which the API tests hold to the served document) and type-check; ESLint
# and Prettier; component tests (Vitest), production build, then the browser test (Playwright
# on the system Chromium) against the real backend.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
npm run --silent typecheck
npm run --silent lint
npm test --silent
npm run --silent build
npm run --silent e2e
