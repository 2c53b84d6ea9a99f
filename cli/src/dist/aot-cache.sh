#!/bin/sh
# Run at package time (cli/pom.xml): aot-cache.sh DIST TRAINING_CONTEXT WORKDIR
#
# Makes DIST/lib/jbuild.aot, an ahead-of-time cache (JEP 483/514/515: classes loaded and linked,
# lambda forms resolved, method profiles) of the same CdsTraining workload as lib/jbuild.jsa, with
# a JDK 25 or later, and DIST/lib/jbuild.java, the java that made it: bin/jbuild runs that java
# with the cache, and never pairs the cache with another JVM. Java 17 stays the floor: without a
# JDK 25 this says so and makes nothing, and bin/jbuild runs with the class-data sharing archive.
#
# The JDK: $JBUILD_AOT_JAVA (a java binary or a JDK directory; "none" makes no cache), else the
# newest JDK of 25 or later under /usr/lib/jvm. A training command that fails fails the packaging
# (the cache would silently miss what it skipped); a JVM that cannot assemble the cache only
# leaves it out.
set -eu
dist="$1"; context="$2"; work="$3"
lib="$dist/lib"
rm -f "$lib/jbuild.aot" "$lib/jbuild.java"

major() { # the feature release of the JDK at $1 (its release file), or 0
    v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null || true)"
    echo "${v:-0}"
}

java=""
case "${JBUILD_AOT_JAVA:-}" in
    none) echo "aot-cache: JBUILD_AOT_JAVA=none, no AOT cache"; exit 0 ;;
    "") best=0
        for home in /usr/lib/jvm/*/; do
            home="${home%/}"
            [ -L "$home" ] && continue # the versioned directory, not its aliases
            m="$(major "$home")"
            if [ "$m" -ge 25 ] && [ "$m" -gt "$best" ] && [ -x "$home/bin/java" ]; then
                best="$m"; java="$home/bin/java"
            fi
        done ;;
    *) if [ -d "$JBUILD_AOT_JAVA" ]; then java="$JBUILD_AOT_JAVA/bin/java"; else java="$JBUILD_AOT_JAVA"; fi
       [ "$(major "$(dirname "$(dirname "$java")")")" -ge 25 ] \
           || { echo "aot-cache: JBUILD_AOT_JAVA=$JBUILD_AOT_JAVA is not a JDK 25 or later" >&2; exit 1; } ;;
esac
if [ -z "$java" ]; then
    echo "aot-cache: no JDK 25 or later under /usr/lib/jvm (JBUILD_AOT_JAVA names one): no AOT cache; bin/jbuild uses the CDS archive"
    exit 0
fi

# The options that shape the cache are bin/jbuild's: the serial collector (the cached heap objects
# are laid out for it) and native access for the unnamed module (layer-cache's JNI library, zstd-jni).
opts="-XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -Xlog:aot*=off -Xlog:cds*=off"
rm -rf "$work"
# shellcheck disable=SC2086
"$java" -XX:AOTMode=record -XX:AOTConfiguration="$work.aotconf" $opts -Djbuild.native="$lib/native" \
    -cp "$lib/jbuild.jar" dev.jbuild.cli.CdsTraining "$context" "$work"
# shellcheck disable=SC2086
if "$java" -XX:AOTMode=create -XX:AOTConfiguration="$work.aotconf" -XX:AOTCache="$lib/jbuild.aot" $opts \
        -cp "$lib/jbuild.jar" && [ -s "$lib/jbuild.aot" ]; then
    printf '%s\n' "$java" > "$lib/jbuild.java"
    echo "aot-cache: made $lib/jbuild.aot with $java"
else
    rm -f "$lib/jbuild.aot"
    echo "aot-cache: $java could not assemble the AOT cache; bin/jbuild uses the CDS archive" >&2
fi
rm -rf "$work" "$work.aotconf"
