#!/usr/bin/env bash
# Runs every test (unit *Test, integration *IT, e2e *E2E) with the Maven Wrapper, then renders the kustomize
# bases under config/ (scripts/check-manifests.sh) when kubectl is installed. The README's test command.
# Installs a JDK 17 with apt-get if the machine has none (Debian), etcd (etcd-server, etcd-client:
# Debian's etcd 3.4) for the audit, recover and e2e tests, which run a real etcd (and etcdctl for the
# recover tests' snapshot save/restore) and fail without them, and Prometheus (Debian's prometheus:
# promtool and prometheus) for the monitoring tests in e2e/ (MonitoringRulesTest,
# MonitoringMetricsE2E), which fail without them.
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
if ! command -v promtool >/dev/null 2>&1 && [ -z "${PROMTOOL_BIN:-}" ]; then
  echo "no promtool found: installing prometheus (the monitoring tests run promtool and a real Prometheus)" >&2
  apt-get update -qq
  # the tests start their own Prometheus on a free port; the package's service (:9090), if it starts, is not used
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi
# -B keeps Surefire's "Tests run:" summary lines in the output.
./mvnw -B -ntp verify "$@"
# The kustomize bases under config/ must render (no cluster needed, only the kubectl binary).
if command -v kubectl >/dev/null 2>&1; then
  scripts/check-manifests.sh
else
  echo "check-manifests: skipped: kubectl not found"
fi
