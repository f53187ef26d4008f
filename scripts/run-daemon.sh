#!/usr/bin/env bash
# Builds the daemon if needed and runs it on its embedded KMaaS (development default), with the
# shipped JVM settings (plugin-daemon/target/jvm.options, from plugin-daemon/src/main/dist) and
# AppCDS: after each build the first run makes the class archive (make-cds-archive.sh, a few
# seconds), later runs map it; start-up to the first Status drops by about a third
# (docs/BENCHMARKS.md). RUN_DAEMON_CDS=off: no archive.
# Extra arguments go to `serve`, e.g.: scripts/run-daemon.sh --log-format text
set -euo pipefail
cd "$(dirname "$0")/.."
target=plugin-daemon/target
jar=$target/kms-plugin.jar
if [ ! -f "$jar" ] || [ -n "$(find plugin-daemon/src plugin-daemon/pom.xml pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -B -q -ntp -pl plugin-daemon -am package -DskipTests
fi
archive=$target/kms-plugin.jsa
cds=()
if [ "${RUN_DAEMON_CDS:-on}" != off ]; then
  if [ ! -f "$archive" ] || [ "$jar" -nt "$archive" ] || [ "$target/jvm.options" -nt "$archive" ]; then
    sh "$target/make-cds-archive.sh" "$target" >&2
  fi
  cds=("-XX:SharedArchiveFile=$archive")
fi
exec java "@$target/jvm.options" "${cds[@]}" -jar "$jar" serve "$@"
