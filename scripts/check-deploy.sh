#!/usr/bin/env bash
# The deployment checks: every overlay builds with kustomize, every rendered object and every
# Argo CD object validates strictly (core kinds against Kubernetes 1.32, ACK and Argo CD kinds
# against their CRDs), the workflows pass the GitHub workflow schema and actionlint, and the
# Dockerfiles pass hadolint. (The consistency test between manifests and code is a Rust test:
# tests/tests/deploy.) Images are built only in GitHub CI; there is no Docker engine here.
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a kustomize <<<"$(bash scripts/deploy-tools.sh)"
crds="${FOLIO_CRDS_DIR:-../shared/crds}"
[ -d "$crds" ] || { echo "check-deploy: no CRD schemas in $crds (set FOLIO_CRDS_DIR)" >&2; exit 1; }
scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for overlay in manifests/overlays/*/; do
    env=$(basename "$overlay")
    echo "== kustomize: $env"
    "${kustomize[@]}" "$overlay" >"$out/$env.yaml"
    python3 scripts/validate_manifests.py --crds "$crds" "$out/$env.yaml"
done
echo "== Argo CD objects"
python3 scripts/validate_manifests.py --crds "$crds" manifests/argocd/*.yaml

echo "== workflows"
python3 -m check_jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
actionlint -color .github/workflows/*.yml && echo "actionlint ($(actionlint --version | head -1)): clean"

echo "== Dockerfiles"
"$scripts_dir/hadolint" backend/Dockerfile lambda/Dockerfile
echo "hadolint: clean"
