#!/usr/bin/env bash
# Benchmarks of the daemon (docs/BENCHMARKS.md): overhead against a do-nothing KMS v2 server,
# KMaaS over HTTPS with and without added latency, start-up time and memory with no JVM options,
# the shipped ones (jvm.options) and those plus AppCDS. Takes about seven minutes; not part of
# scripts/test.sh or CI.
#   scripts/bench.sh                 # everything
#   DURATION=10s scripts/bench.sh    # longer measurements per target and operation
set -euo pipefail
cd "$(dirname "$0")/.."
jar=plugin-daemon/target/kms-plugin.jar
if [ ! -f "$jar" ] || [ -n "$(find plugin-daemon/src plugin-daemon/pom.xml pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -B -q -ntp -pl plugin-daemon -am package -DskipTests
fi
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
CONCURRENCY=${CONCURRENCY:-16}
RUNS=${RUNS:-9}

echo "## Machine"
echo "- nproc: $(nproc)"
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "- JDK: $(java -version 2>&1 | head -2 | tail -1)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo

echo "## Overhead against the baseline"
echo "java -jar $jar bench-report --concurrency $CONCURRENCY --duration $DURATION --warmup $WARMUP"
echo
java -jar "$jar" bench-report --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" \
  2>"${BENCH_PROGRESS:-/dev/null}"
echo

echo "## Start-up and memory (median of $RUNS runs; shipped = plugin-daemon/target/jvm.options)"
echo
python3 scripts/bench_startup.py "$jar" "$RUNS"
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
