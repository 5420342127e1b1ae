# The two commands a newcomer needs: `make run` and `make test`.
.PHONY: run test lint bench

# The embedded default: SQLite and local files under ./data, on http://127.0.0.1:8080, with the
# SPA (built first when its sources changed). Installs Chromium and its fonts when missing, so
# the first PDF comes from the real engine, not the text-only fallback.
run: frontend/dist/index.html
	bash scripts/system-deps.sh
	cargo run --release -p folio-backend --bin folio -- serve

frontend/dist/index.html: frontend/package-lock.json frontend/index.html frontend/vite.config.ts frontend/openapi.json $(shell find frontend/src frontend/public -type f 2>/dev/null)
	cd frontend && npm ci --no-audit --no-fund && npm run build

# Everything CI checks: installs and starts what the tests need (MariaDB), then lint and tests.
test:
	bash scripts/test.sh

# Figures for BENCHMARKS.md: the renderer, then the whole embedded pipeline, each against a
# Playwright script on the same Chromium.
bench:
	cd bench/playwright && npm ci --no-audit --no-fund
	cargo run --release -p folio-render --example render_bench
	cargo run --release -p folio-backend --example e2e_bench

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
