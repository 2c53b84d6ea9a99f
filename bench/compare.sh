#!/usr/bin/env bash
# bench/compare.sh [WORKLOAD...] — times jbuild and the peer builders installed here on the shared
# workloads (../shared/bench: W1 tiny, W2 multistage, W3 big context, W4 debian apt) over cold /
# no-op / incremental / push, in one run, alternating builders workload by workload, and writes
# the medians, jbuild's ratio to each peer and jbuild's peak RSS to bench/RESULTS.md.
#
# It calls the shared harness (registry.sh, bases.sh, run-bench.sh, peers.sh) rather than copying
# it; jbuild joins it as a custom peer through run-bench.sh's BUILDER_CMD/PUSH_CMD/WIPE_CMD contract
# (bench/jbuild-peer.sh, which also records the peak RSS of every jbuild process).
#
# Environment:
#   PEERS    the peers besides jbuild (default: every peer of `peers.sh list` whose tools are installed)
#   RUNS     timed runs per scenario (default 3; COLD_RUNS defaults to RUNS)
#   OUT      where the report goes (default bench/RESULTS.md; "-" = stdout only)
#   SHARED   the shared harness (default ../shared/bench beside the checkout)
#   KEEP=1   add to the results already in RESULTS_DIR (re-measure some workloads: the newest rows win)
# Run as root (RUN steps, dockerd and buildah need it). The peers' setup is the harness's:
# `../shared/bench/setup.sh` installs them; dockerd is started when a docker peer is asked for
# and stopped again at the end if this script started it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
shared="${SHARED:-$(cd "$root/../shared/bench" && pwd)}"
export RUNS="${RUNS:-3}"
export RESULTS_DIR="${RESULTS_DIR:-/tmp/bench-results-jbuild}"
out="${OUT:-$here/RESULTS.md}"
workloads=("$@"); ((${#workloads[@]})) || workloads=(W1-tiny W2-multistage W3-bigctx W4-debian-apt)

installed() { # peer -> 0 when its tools are on this machine
    case "$1" in
        buildah-*) command -v buildah >/dev/null ;;
        podman-*) command -v podman >/dev/null && command -v runc >/dev/null ;;
        docker-*) command -v dockerd >/dev/null && [ -x /usr/bin/docker ] ;;
        *) return 1 ;;
    esac
}
if [ -z "${PEERS+x}" ]; then
    PEERS=""
    for p in $("$shared/peers.sh" list); do installed "$p" && PEERS+="$p "; done
fi
command -v hyperfine >/dev/null || { echo "compare.sh: hyperfine is missing; run $shared/setup.sh" >&2; exit 1; }

echo "compare.sh: building jbuild (jar and class-data archive)" >&2
(cd "$root" && mvn -B -q -DskipTests -pl cli -am package) >&2
# The package step just wrote ~100 MB (jar, AOT cache, archive) and a Maven JVM has just exited: the first
# workload measured (jbuild's W1) ran while that was written back. Measure the builder, not its packaging: flush,
# then let the command read its files once, as the peers' daemons and binaries already are.
sync
"$root/cli/target/jbuild/bin/jbuild" --version >/dev/null
sleep 5

[ "${KEEP:-}" = 1 ] || rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"
"$shared/registry.sh" start
"$shared/bases.sh" all
# The status is read whole before it is matched: with pipefail, `peers.sh status | grep -q` fails when grep stops
# reading at its match (SIGPIPE), and dockerd was never stopped at the end.
dockerd_up() {
    local status
    status="$("$shared/peers.sh" status 2>/dev/null || true)"
    grep -q '^dockerd running' <<<"$status"
}
docker_was_up=0
dockerd_up && docker_was_up=1

# The machine's load while we measure: one /proc/loadavg sample every 10 s.
(while sleep 10; do echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)"; done) >> "$RESULTS_DIR/load.txt" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
[ -f "$RESULTS_DIR/start.txt" ] || { date -u +%FT%TZ; uptime; } > "$RESULTS_DIR/start.txt"
echo "$(git -C "$root" describe --always --dirty) (${workloads[*]})" >> "$RESULTS_DIR/rev.txt"

jbuild_peer() {
    BUILDER_CMD="$here/jbuild-peer.sh build --insecure-registry $REG_ADDR" \
    PUSH_CMD="$here/jbuild-peer.sh push --insecure-registry $REG_ADDR" \
    WIPE_CMD="rm -rf /tmp/bench-jbuild" \
    JBUILD_BIN="$root/cli/target/jbuild/bin/jbuild" JBUILD_BENCH_ROOT=/tmp/bench-jbuild/root \
    JBUILD_RSS_LOG="$RESULTS_DIR/jbuild-rss.tsv" \
        "$shared/run-bench.sh" jbuild "$1"
}
export REG_ADDR="${REG_ADDR:-127.0.0.1:5000}"
# Each builder starts on a settled machine: the one before it may leave hundreds of MB to write back (W3's context
# and layers, W4's Debian) and its daemon busy. jbuild's W2 no-op measured 0.23 s (min 0.20) in the full run at
# 1550ef4, where it came right after the W1 runs of BuildKit and Buildah, and 0.12-0.16 s in runs of jbuild alone.
# Every builder, jbuild included, gets the same pause.
settle() {
    sync
    sleep "${SETTLE:-3}"
}
for w in "${workloads[@]}"; do
    settle
    jbuild_peer "$w"
    for p in $PEERS; do
        settle
        ( unset BUILDER_CMD PUSH_CMD WIPE_CMD; "$shared/run-bench.sh" "$p" "$w" )
    done
done
{ date -u +%FT%TZ; uptime; } > "$RESULTS_DIR/end.txt"
kill $sampler 2>/dev/null || true

if [ "$docker_was_up" = 0 ] && dockerd_up; then
    "$shared/peers.sh" stop-docker
fi
python3 "$here/render-results.py" "$RESULTS_DIR" "$root" "$PEERS" > "$RESULTS_DIR/RESULTS.md"
if [ "$out" = - ]; then
    cat "$RESULTS_DIR/RESULTS.md"
else
    # The notes written by hand below the marker survive a re-run.
    marker='<!-- notes: written by hand, kept by compare.sh -->'
    notes=""
    [ -f "$out" ] && notes="$(sed -n "/^$marker\$/,\$p" "$out")"
    cat "$RESULTS_DIR/RESULTS.md" > "$out"
    if [ -n "$notes" ]; then printf '\n%s\n' "$notes" >> "$out"; else printf '\n%s\n' "$marker" >> "$out"; fi
    echo "compare.sh: wrote $out" >&2
fi
