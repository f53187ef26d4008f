#!/usr/bin/env bash
# Renders the kustomize bases under config/ with `kubectl kustomize` (no cluster needed) and fails
# when one does not build. config/default is what `kubectl apply -k config/default` installs.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v kubectl >/dev/null 2>&1; then
  echo "check-manifests: kubectl not found" >&2
  exit 1
fi
status=0
for dir in config/default config/crd config/rbac config/manager config/samples config/monitoring e2e/kind; do
  if [[ "$dir" == config/samples && ! -f "$dir/kustomization.yaml" ]]; then
    continue
  fi
  if out=$(kubectl kustomize "$dir" 2>&1); then
    echo "ok   $dir ($(grep -c '^kind:' <<<"$out") objects)"
  else
    echo "FAIL $dir: $out" >&2
    status=1
  fi
done
exit $status
