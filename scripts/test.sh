#!/usr/bin/env bash
# Runs every test (unit *Test, integration *IT, e2e *E2E) with the Maven Wrapper, then renders the kustomize
# bases under config/ (scripts/check-manifests.sh) when kubectl is installed. The README's test command.
# Installs a JDK 17 with apt-get if the machine has none (Debian), and etcd (etcd-server, etcd-client:
# Debian's etcd 3.4) for the audit, recover and e2e tests, which run a real etcd (and etcdctl, for the
# snapshot save/restore of the recover tests) and fail without them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v javac >/dev/null 2>&1; then
  echo "no JDK found: installing openjdk-17-jdk-headless" >&2
  apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
fi
if { ! command -v etcd >/dev/null 2>&1 || ! command -v etcdctl >/dev/null 2>&1; } \
    && [ -z "${ETCD_BIN:-}" ]; then
  echo "no etcd or etcdctl found: installing etcd-server etcd-client (the audit, recover and e2e tests run a real etcd)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null
fi
# -B keeps Surefire's "Tests run:" summary lines in the output.
./mvnw -B -ntp verify "$@"
# The kustomize bases under config/ must render (no cluster needed, only the kubectl binary).
if command -v kubectl >/dev/null 2>&1; then
  scripts/check-manifests.sh
else
  echo "check-manifests: skipped: kubectl not found"
fi
