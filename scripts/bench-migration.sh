#!/usr/bin/env bash
# Benchmark of the operator's storage migration (docs/BENCHMARKS.md, "Migration at scale"): for each
# size, MigrationEngine and the naive way (one LIST without limit, one UPDATE per object) each run
# in a -Xmx512m JVM against a freshly seeded paging mock API server in another process. Prints a
# Markdown table. Not part of scripts/test.sh or CI; a benchmark, it never fails on slow numbers.
#   scripts/bench-migration.sh                  # 10000 and 100000 Secrets
#   SIZES="10000 30000" scripts/bench-migration.sh
#   WORKERS=8 QPS=100000 PAGE=500 BENCH_XMX=512m SERVER_XMX=3g
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 100000"}
WORKERS=${WORKERS:-8}
QPS=${QPS:-100000}
PAGE=${PAGE:-500}
BENCH_XMX=${BENCH_XMX:-512m}
SERVER_XMX=${SERVER_XMX:-3g}

./mvnw -B -q -ntp -o -pl operator -am test-compile
cpfile=$(mktemp)
./mvnw -B -q -ntp -o -pl operator dependency:build-classpath -Dmdep.outputFile="$cpfile" >/dev/null
cp="operator/target/test-classes:operator/target/classes:$(cat "$cpfile")"
rm -f "$cpfile"

work=$(mktemp -d)
server_pid=
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; }
trap 'cleanup; rm -rf "$work"' EXIT

run() { # size mode -> RESULT line
  local n=$1 mode=$2 url=
  java -Xmx"$SERVER_XMX" -cp "$cp" dev.sds.kms.operator.bench.PagingApiServerMain "$n" \
    >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    url=$(sed -n 's/^URL //p' "$work/server.out")
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
    sleep 0.2
  done
  [ -n "$url" ] || { echo "server did not start" >&2; exit 1; }
  echo "# $mode n=$n: server $(cat "$work/server.err" | tail -1), $url" >&2
  java -Xmx"$BENCH_XMX" -cp "$cp" dev.sds.kms.operator.bench.MigrationBench \
    "$url" "$mode" "$n" "$WORKERS" "$QPS" "$PAGE" 2>"$work/bench.err" | grep '^RESULT' \
    || { echo "RESULT mode=$mode n=$n error=$(grep -m1 -E 'Error|Exception' "$work/bench.err" | tr ' ' '_')"; }
  cleanup
  server_pid=
}

results=()
for n in $SIZES; do
  for mode in engine naive; do
    line=$(run "$n" "$mode")
    echo "$line" >&2
    results+=("$line")
  done
done

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
echo
echo "Machine: nproc $(nproc), $(java -version 2>&1 | head -1), load average at end $(cut -d' ' -f1-3 /proc/loadavg);"
echo "workers $WORKERS, qps $QPS, page size $PAGE, migrating JVM -Xmx$BENCH_XMX"
echo
echo "| Secrets | way    | objects/s | seconds | peak heap after GC | peak heap sampled | LIST pages | UPDATEs | GETs | migrated |"
echo "|--------:|--------|----------:|--------:|-------------------:|------------------:|-----------:|--------:|-----:|---------:|"
for line in "${results[@]}"; do
  if [ -n "$(field "$line" error)" ]; then
    printf '| %7s | %-6s | failed: %s |\n' "$(field "$line" n)" "$(field "$line" mode)" "$(field "$line" error)"
  else
    printf '| %7s | %-6s | %9s | %7s | %14s MiB | %13s MiB | %10s | %7s | %4s | %8s |\n' \
      "$(field "$line" n)" "$(field "$line" mode)" "$(field "$line" objPerSec)" "$(field "$line" seconds)" \
      "$(field "$line" peakAfterGcMiB)" "$(field "$line" peakUsedMiB)" "$(field "$line" lists)" \
      "$(field "$line" puts)" "$(field "$line" gets)" "$(field "$line" migrated)"
  fi
done
