#!/usr/bin/env bash
# jbuild as a peer of the shared harness (../shared/bench/run-bench.sh): runs the packaged
# command (cli/target/jbuild/bin/jbuild, with its class-data sharing archive) and appends
# "workload command peak-RSS-KiB seconds" to $JBUILD_RSS_LOG when set, so that compare.sh can
# report the peak RSS of every workload.
#   jbuild-peer.sh build -t TAG -f DOCKERFILE CONTEXT | jbuild-peer.sh push TAG
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${JBUILD_BIN:-$root/cli/target/jbuild/bin/jbuild}"
store="${JBUILD_BENCH_ROOT:-/tmp/bench-jbuild/root}"
if [ -z "${JBUILD_RSS_LOG:-}" ]; then
    exec "$bin" --root "$store" "$@"
fi
# The workload is the repository of the tag (127.0.0.1:5000/bench/<workload>:jbuild).
workload=unknown
for a in "$@"; do
    case "$a" in */bench/*:*) workload="${a##*/bench/}"; workload="${workload%%:*}" ;; esac
done
stats="$(mktemp)"
trap 'rm -f "$stats"' EXIT
status=0
/usr/bin/time -f '%M %e' -o "$stats" "$bin" --root "$store" "$@" || status=$?
printf '%s\t%s\t%s\n' "$workload" "$1" "$(cat "$stats" | tail -1 | tr ' ' '\t')" >> "$JBUILD_RSS_LOG"
exit "$status"
