#!/usr/bin/env bash
# Runs every test (unit *Test and integration *IT) with the Maven Wrapper. The README's test command.
# Installs a JDK 17 with apt-get if the machine has none (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v javac >/dev/null 2>&1; then
  echo "no JDK found: installing openjdk-17-jdk-headless" >&2
  apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
fi
# -B keeps Surefire's "Tests run:" summary lines in the output.
exec ./mvnw -B -ntp verify "$@"
