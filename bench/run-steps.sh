#!/usr/bin/env bash
# The fixed cost of a RUN step: a Dockerfile of STEPS (default 50) `RUN true` steps FROM busybox,
# built cold (a fresh store per build, the busybox image loaded first and not timed) with each
# runtime jbuild has here (native, runc, crun), REPS (default 3) times; prints the median wall time
# and the milliseconds per step, and buildah's on the same Dockerfile when buildah is installed.
#
# Usage: bench/run-steps.sh [STEPS] [REPS]      (as root: runc and crun need it, as does buildah here)
#        JBUILD_JAR=path/to/jbuild.jar bench/run-steps.sh ...   (time that jar instead of this checkout's)
#        RUNTIMES="native" BUILDAH=0 bench/run-steps.sh ...      (only those jbuild runtimes; no buildah)
#
# ms/step is (T(STEPS) - T(1)) / (STEPS - 1): the cost each extra step adds, without the JVM's start,
# the Dockerfile parse and the image commit that every build pays once. total/STEPS is printed too.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
steps="${1:-50}"
reps="${2:-3}"
[ "$steps" -ge 2 ] || { echo "run-steps.sh: STEPS must be at least 2" >&2; exit 2; }

# By default the packaged command as users run it (cli/target/jbuild/bin/jbuild: its JVM, start-up archive and
# options), rebuilt by ./jbuild when a source changed (not timed). JBUILD_JAR=PATH times another jar instead, with
# plain `java [JBUILD_JAVA_OPTS] -jar` (how old and new code are alternated).
if [ -n "${JBUILD_JAR:-}" ]; then
    jar="$(cd "$(dirname "$JBUILD_JAR")" && pwd)/$(basename "$JBUILD_JAR")"
    java_opts=(${JBUILD_JAVA_OPTS:-})
    jbuild_cmd=(java "${java_opts[@]}" -jar "$jar")
else
    ./jbuild --version >/dev/null
    jbuild_cmd=("$root/cli/target/jbuild/bin/jbuild")
fi

# lowercase (hex): buildah names the image it pulls from the layout after its path, and image names are lowercase
work="${TMPDIR:-/tmp}/jbuild-bench-run.$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -m 0700 "$work"
cleanup() {
    # buildah's overlay storage may hold mounts; unmount before deleting
    if command -v buildah >/dev/null 2>&1 && [ -d "$work/buildah-root" ]; then
        buildah --root "$work/buildah-root" --runroot "$work/buildah-runroot" rm --all >/dev/null 2>&1 || true
        buildah --root "$work/buildah-root" --runroot "$work/buildah-runroot" rmi --all --force >/dev/null 2>&1 || true
        for m in $(awk -v w="$work" 'index($2, w "/") == 1 { print $2 }' /proc/self/mounts | sort -r); do
            umount -l "$m" 2>/dev/null || true
        done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

testdata/base-images/busybox.sh "$work/busybox" >/dev/null
mkdir -p "$work/ctx1" "$work/ctxN"
printf 'FROM busybox\nRUN true\n' >"$work/ctx1/Dockerfile"
{
    echo "FROM busybox"
    for _ in $(seq 1 "$steps"); do echo "RUN true"; done
} >"$work/ctxN/Dockerfile"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# column N: the Nth field of each "wall cpu" line
column() { awk -v c="$1" '{ print $c }'; }

# jbuild_build RUNTIME CTX: "WALL CPU" in ms of one cold build into a fresh store; CPU is the user +
# system time of jbuild and every process it waited for (the helper, the step's commands), from
# /usr/bin/time when installed (else "-")
jbuild_build() {
    local runtime="$1" ctx="$2" store
    store="$(mktemp -d "$work/store.XXXXXX")"
    "${jbuild_cmd[@]}" load --root "$store" -i "$work/busybox" >/dev/null
    local t0 t1 cpu=-
    t0=$(now_ms)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%U %S' -o "$work/cpu" \
            "${jbuild_cmd[@]}" --root "$store" --runtime="$runtime" -q -t bench "$ctx" >/dev/null
        t1=$(now_ms)
        cpu=$(tail -n1 "$work/cpu" | awk '{ printf "%d", ($1 + $2) * 1000 }')
    else
        "${jbuild_cmd[@]}" --root "$store" --runtime="$runtime" -q -t bench "$ctx" >/dev/null
        t1=$(now_ms)
    fi
    rm -rf "$store"
    echo "$((t1 - t0)) $cpu"
}

has_runtime() {
    [ "$1" = native ] && return 0
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ] || [ -x "/sbin/$1" ]
}

echo "RUN step fixed cost: $steps x 'RUN true' FROM busybox, a cold store per build, median of $reps"
if [ -n "${JBUILD_JAR:-}" ]; then
    jvm="$(java -version 2>&1 | head -n1)"
else
    jvm="the packaged command on $(cat "$root/cli/target/jbuild/lib/jbuild.java" 2>/dev/null || echo "the java on PATH")"
fi
echo "($(nproc) cores, $(uname -r), $jvm)"
printf '%-22s %12s %12s %14s %16s %14s\n' "builder" "T($steps) ms" "T(1) ms" "ms/step" "total/$steps ms" "CPU ms/step"

names=()
per_step=()
# report NAME T(STEPS) T(1) [CPU(STEPS) CPU(1)]: CPU ms/step is the median CPU times' difference per step
report() {
    local name="$1" tn="$2" t1="$3" cn="${4:--}" c1="${5:--}"
    awk -v n="$name" -v s="$steps" -v tn="$tn" -v t1="$t1" -v cn="$cn" -v c1="$c1" \
        'BEGIN { cpu = (cn == "-" || c1 == "-") ? "-" : sprintf("%.1f", (cn - c1) / (s - 1))
                 printf "%-22s %12d %12d %14.1f %16.1f %14s\n", n, tn, t1, (tn - t1) / (s - 1), tn / s, cpu }'
    names+=("$name")
    per_step+=("$(awk -v s="$steps" -v tn="$tn" -v t1="$t1" 'BEGIN { printf "%.3f", (tn - t1) / (s - 1) }')")
}

for runtime in ${RUNTIMES:-native runc crun}; do
    if ! has_runtime "$runtime"; then
        echo "jbuild --runtime=$runtime: not installed (apt-get install $runtime), skipped"
        continue
    fi
    jbuild_build "$runtime" "$work/ctx1" >/dev/null # warm the page cache and extract the helper once
    rn=$(for _ in $(seq 1 "$reps"); do jbuild_build "$runtime" "$work/ctxN"; done)
    r1=$(for _ in $(seq 1 "$reps"); do jbuild_build "$runtime" "$work/ctx1"; done)
    cn=-; c1=-
    if [ -x /usr/bin/time ]; then
        cn=$(column 2 <<<"$rn" | median); c1=$(column 2 <<<"$r1" | median)
    fi
    report "jbuild --runtime=$runtime" "$(column 1 <<<"$rn" | median)" "$(column 1 <<<"$r1" | median)" "$cn" "$c1"
done

if [ "${BUILDAH:-1}" = 0 ]; then
    echo "buildah: not timed (BUILDAH=0)"
elif command -v buildah >/dev/null 2>&1; then
    # buildah's default runtime here is crun, which refuses this machine's hybrid cgroup layout: runc when installed
    buildah_runtime=()
    for r in "$(command -v runc 2>/dev/null || true)" /usr/sbin/runc /usr/local/sbin/runc; do
        if [ -n "$r" ] && [ -x "$r" ]; then buildah_runtime=(--runtime "$r"); break; fi
    done
    # buildah_build CTX: one build with a fresh storage (busybox pulled from the same layout first, not timed)
    buildah_build() {
        local ctx="$1" b=(buildah --root "$work/buildah-root" --runroot "$work/buildah-runroot" --storage-driver overlay)
        "${b[@]}" rmi --all --force >/dev/null 2>&1 || true
        local id
        id=$("${b[@]}" pull -q "oci:$work/busybox:latest")
        "${b[@]}" tag "$id" docker.io/library/busybox:latest >/dev/null
        local t0 t1
        t0=$(now_ms)
        "${b[@]}" build "${buildah_runtime[@]}" --pull=never --layers=false -q -t bench -f "$ctx/Dockerfile" "$ctx" >/dev/null
        t1=$(now_ms)
        echo $((t1 - t0))
    }
    buildah_build "$work/ctx1" >/dev/null
    tn=$(for _ in $(seq 1 "$reps"); do buildah_build "$work/ctxN"; done | median)
    t1=$(for _ in $(seq 1 "$reps"); do buildah_build "$work/ctx1"; done | median)
    report "buildah $(buildah --version | awk '{ print $3 }')${buildah_runtime[1]:+ ($(basename "${buildah_runtime[1]}"))}" "$tn" "$t1"
    buildah_step="${per_step[${#per_step[@]} - 1]}"
    echo "buildah's ms/step divided by each jbuild runtime's (how many times faster per step):"
    for i in $(seq 0 $((${#names[@]} - 2))); do
        awk -v n="${names[$i]}" -v b="$buildah_step" -v j="${per_step[$i]}" \
            'BEGIN { if (j > 0) printf "  %-22s %6.1fx\n", n, b / j; else printf "  %-22s  (no per-step cost measured)\n", n }'
    done
else
    echo "buildah: not installed (apt-get install buildah), so no comparison in this run"
fi
