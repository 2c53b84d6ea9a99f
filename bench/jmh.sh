#!/usr/bin/env bash
# bench/jmh.sh [JMH OPTIONS] — the JMH benchmarks of the hot paths (bench/src/main/java): context
# hashing (ContextHashingBenchmark), sha256, parallel gzip, zstd, tar writing, whole layers and the
# overlay diff (LayerBenchmark). Builds bench/target/benchmarks.jar when missing, then runs it, e.g.
#   bench/jmh.sh                          every benchmark
#   bench/jmh.sh LayerBenchmark.gzip -p data=random -f 1 -wi 2 -i 3
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/bench/target/benchmarks.jar"
if [ ! -f "$jar" ]; then
    (cd "$root" && mvn -B -q -DskipTests -pl bench -am package) >&2
fi
exec java -jar "$jar" "$@"
