#!/usr/bin/env bash
# Installs what the Lambda-shaped system test needs when missing: bubblewrap (Debian), which
# gives bootstrap a sandbox like Lambda's without Docker, and cargo-lambda (PyPI, which ships
# its binary), whose `cargo lambda watch --only-lambda-apis` serves the Lambda runtime API.
set -euo pipefail

if ! command -v bwrap >/dev/null 2>&1; then
    echo "lambda-tools: installing bubblewrap" >&2
    [ "$(id -u)" = 0 ] || { echo "lambda-tools: run as root, or install bubblewrap" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
fi

if ! cargo lambda --version >/dev/null 2>&1; then
    echo "lambda-tools: installing cargo-lambda from PyPI" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'cargo-lambda==1.9.2' >&2
    # Cargo finds subcommands on PATH or in its own bin folder; pip's scripts folder may be on
    # neither (pyenv shims appear only after a rehash), so link it where cargo looks.
    if ! cargo lambda --version >/dev/null 2>&1; then
        scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
        mkdir -p "${CARGO_HOME:-$HOME/.cargo}/bin"
        ln -sf "$scripts/cargo-lambda" "${CARGO_HOME:-$HOME/.cargo}/bin/cargo-lambda"
    fi
fi
cargo lambda --version >/dev/null 2>&1 || { echo "lambda-tools: cargo lambda does not run" >&2; exit 1; }
