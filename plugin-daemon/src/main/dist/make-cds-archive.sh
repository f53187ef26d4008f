#!/bin/sh
# Writes the daemon's AppCDS archive, kms-plugin.jsa, beside kms-plugin.jar and jvm.options in DIR
# (default: this script's folder): starts the daemon once with the shipped settings on a throw-away
# socket and embedded-KMaaS state file, waits until `kms-plugin probe` passes (Status, Encrypt,
# Decrypt), stops it; at exit the JVM archives the classes it loaded. JDK 17 has no
# -XX:+AutoCreateSharedArchive (JDK 19), hence this step. The archive maps only with the same JDK
# build and the same jar (a stale one is ignored with a warning); run it again after upgrading
# either. Use it as:
#   java @DIR/jvm.options -XX:SharedArchiveFile=DIR/kms-plugin.jsa -jar DIR/kms-plugin.jar serve
# Used by plugin-daemon/Dockerfile (/app) and scripts/bench_startup.py; see docs/BENCHMARKS.md.
#   sh make-cds-archive.sh [DIR]
set -eu
dir=$(cd "${1:-$(dirname "$0")}" && pwd)
jar=$dir/kms-plugin.jar
archive=$dir/kms-plugin.jsa
work=$(mktemp -d)
pid=
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
rm -f "$archive"
java @"$dir/jvm.options" -XX:ArchiveClassesAtExit="$archive" -Xlog:cds*=error -jar "$jar" serve \
  --bind "unix://$work/kms.sock" --state-file "$work/kmaas.json" --http-address 127.0.0.1:0 \
  --log-level error &
pid=$!
tries=0
until java @"$dir/jvm.options" -jar "$jar" probe --endpoint "unix://$work/kms.sock" >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "make-cds-archive: the daemon exited before it answered" >&2
    exit 1
  fi
  tries=$((tries + 1))
  if [ "$tries" -ge 120 ]; then
    echo "make-cds-archive: no answer from the daemon within 120 tries" >&2
    exit 1
  fi
  sleep 1
done
kill -TERM "$pid"
wait "$pid" || true # 143 after SIGTERM
pid=
if [ ! -s "$archive" ]; then
  echo "make-cds-archive: the JVM did not write $archive" >&2
  exit 1
fi
echo "make-cds-archive: wrote $archive ($(du -k "$archive" | cut -f1) KiB)"
