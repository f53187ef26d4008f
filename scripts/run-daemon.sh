#!/usr/bin/env bash
# Builds the daemon if needed and runs it on its embedded KMaaS (development default).
# Extra arguments go to `serve`, e.g.: scripts/run-daemon.sh --log-format text
set -euo pipefail
cd "$(dirname "$0")/.."
jar=plugin-daemon/target/kms-plugin.jar
if [ ! -f "$jar" ] || [ -n "$(find plugin-daemon/src plugin-daemon/pom.xml pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -B -q -ntp -pl plugin-daemon -am package -DskipTests
fi
# AppCDS (JDK 17): the first run after a build writes a class archive at exit, later runs map it;
# start-up to the first Status drops by about a third (docs/BENCHMARKS.md). RUN_DAEMON_CDS=off: none.
archive=plugin-daemon/target/kms-plugin.jsa
cds=()
if [ "${RUN_DAEMON_CDS:-on}" != off ]; then
  if [ -f "$archive" ] && [ "$archive" -nt "$jar" ]; then
    cds=("-XX:SharedArchiveFile=$archive")
  else
    rm -f "$archive"
    cds=("-XX:ArchiveClassesAtExit=$archive" "-Xlog:cds=off")
  fi
fi
exec java "${cds[@]}" -jar "$jar" serve "$@"
