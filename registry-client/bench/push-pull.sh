#!/usr/bin/env bash
# Issue 4's benchmark: push and pull of an image of 5 layers (TOTAL_MB, 500 by default) to and from a local
# docker-registry (plain HTTP on loopback), timed against `skopeo copy` doing the same; prints the ratios.
# Needs docker-registry and skopeo (apt-get install docker-registry skopeo), and about 6 x TOTAL_MB of disk in TMPDIR.
# Usage: registry-client/bench/push-pull.sh [TOTAL_MB]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn -q -B -pl registry-client -am install -DskipTests >&2
mvn -q -B -pl registry-client test-compile >&2
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -q -B -pl registry-client dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >&2
exec java ${JBUILD_BENCH_JAVA_OPTS:-} -cp "registry-client/target/classes:registry-client/target/test-classes:$(cat "$cp_file")" \
    dev.jbuild.registry.PushPullBenchmark "${1:-500}"
