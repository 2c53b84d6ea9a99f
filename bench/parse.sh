#!/usr/bin/env bash
# Parse throughput benchmark: Dockerfiles per second over the shared corpus, and the median time
# to parse a 1,000-line Dockerfile once warm. Usage: bench/parse.sh [CORPUS_DIR] [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -q -B -pl grammar -am test-compile >&2
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -q -B -pl grammar dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime >&2
exec java -cp "grammar/target/classes:grammar/target/test-classes:$(cat "$cp_file")" \
    dev.jbuild.dockerfile.bench.ParseBenchmark "${1:-$root/../shared/corpus/dockerfiles}" "${2:-5}"
