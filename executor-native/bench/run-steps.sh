#!/usr/bin/env bash
# Per-step overhead of the executors: runs `true` N times (default 50) with each installed runtime (native, and
# runc/crun when installed) on a busybox-static rootfs with a fresh upper dir each time; prints ms per step.
# Needs root for runc/crun (the native helper also runs unprivileged) and /usr/bin/busybox (busybox-static).
# Usage: executor-native/bench/run-steps.sh [ITERATIONS] [RUNTIME...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn -q -B -o -pl executor-native -am install -DskipTests >&2 || mvn -q -B -pl executor-native -am install -DskipTests >&2
mvn -q -B -o -pl executor-native test-compile >&2
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -q -B -o -pl executor-native dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime >&2 \
    || mvn -q -B -pl executor-native dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime >&2
exec java -cp "executor-native/target/classes:executor-native/target/test-classes:$(cat "$cp_file")" \
    dev.jbuild.executor.bench.StepBench "$@"
