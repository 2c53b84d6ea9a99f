#!/bin/sh
# jbuild as a peer of the shared harness (../shared/bench/run-bench.sh): runs the packaged
# command (cli/target/jbuild/bin/jbuild, with its class-data sharing archive) and appends
# "workload command peak-RSS-KiB seconds" to $JBUILD_RSS_LOG when set, so that compare.sh can
# report the peak RSS of every workload.
#   jbuild-peer.sh build -t TAG -f DOCKERFILE CONTEXT | jbuild-peer.sh push TAG
# The harness times this script with the command: it is sh, not bash, and /usr/bin/time appends
# the row itself (no temporary file, no pipeline; compare.sh names the command in JBUILD_BIN), ~2 ms of the
# timed run instead of ~14.
set -eu
bin="${JBUILD_BIN:-}"
if [ -z "$bin" ]; then
    bin="$(cd "$(dirname "$0")/.." && pwd)/cli/target/jbuild/bin/jbuild"
fi
store="${JBUILD_BENCH_ROOT:-/tmp/bench-jbuild/root}"
if [ -z "${JBUILD_RSS_LOG:-}" ]; then
    exec "$bin" --root "$store" "$@"
fi
# The workload is the repository of the tag (127.0.0.1:5000/bench/<workload>:jbuild).
workload=unknown
for a in "$@"; do
    case "$a" in */bench/*:*) workload="${a##*/bench/}"; workload="${workload%%:*}" ;; esac
done
# A failed command adds a "Command exited with non-zero status" line, which render-results.py skips.
exec /usr/bin/time -a -o "$JBUILD_RSS_LOG" -f "$workload\t$1\t%M\t%e" "$bin" --root "$store" "$@"
