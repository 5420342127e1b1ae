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

# Figures for BENCHMARKS.md, each against its peer in one run: the renderer and the whole
# embedded pipeline against a Playwright script on the same Chromium, the file listing against
# a bare axum handler (wrk), `folio serve` at rest, and AWS mode's event streams on moto.
bench:
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	cd bench/playwright && npm ci --no-audit --no-fund
	bash scripts/moto.sh >/dev/null
	cargo build --release -p folio-backend --bin folio --example api_bench --example e2e_bench --example events_bench
	cargo run --release -p folio-render --example render_bench
	cargo run --release -p folio-backend --example e2e_bench
	cargo run --release -p folio-backend --example api_bench
	cargo run --release -p folio-backend --example events_bench

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
