#!/usr/bin/env bash
# Builds the daemon if needed and runs it on its embedded KMaaS (development default).
# Extra arguments go to `serve`, e.g.: scripts/run-daemon.sh --log-format text
set -euo pipefail
cd "$(dirname "$0")/.."
jar=plugin-daemon/target/kms-plugin.jar
if [ ! -f "$jar" ] || [ -n "$(find plugin-daemon/src plugin-daemon/pom.xml pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -B -q -ntp -pl plugin-daemon -am package -DskipTests
fi
exec java -jar "$jar" serve "$@"
