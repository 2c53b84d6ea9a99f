package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged command (target/jbuild, after {@code package}): which JVM bin/jbuild starts, with which of its
 * start-up archives, and that a cache it cannot use changes nothing but the speed. The JVM's own record says
 * what happened: {@code -XshowSettings:properties} its java.home, {@code -Xlog:class+load} whether the command's
 * classes came mapped from an archive ("shared objects file") or were loaded from the jar.
 */
class PackagedCommandIT {
    private static final Path DIST = Path.of(System.getProperty("jbuild.dist", "target/jbuild")).toAbsolutePath();
    private static final String VERSION_LINE = "jbuild " + Main.version() + "\n";

    @TempDir
    Path tmp;

    record Run(int status, String out, String err, String classLoads) {
        String javaHome() {
            Matcher m = Pattern.compile("(?m)^\\s*java\\.home = (.*)$").matcher(err);
            return m.find() ? m.group(1).strip() : null;
        }

        /** Where the JVM took the class of the command's entry point from. */
        String mainSource() {
            return source("dev.jbuild.cli.Main");
        }

        /** Where the JVM took the class NAME from: "shared objects file..." (an archive), the jar, or "not loaded". */
        String source(String name) {
            return classLoads.lines().filter(l -> l.contains(" " + name + " source: ")).findFirst()
                    .map(l -> l.substring(l.indexOf(" source: ") + 9)).orElse("not loaded");
        }
    }

    /** bin/jbuild of DIST with ARGS, its environment less JBUILD_JAVA/JAVA_HOME/JBUILD_JAVA_OPTS, plus ENV. */
    private Run jbuild(Path dist, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return jbuild(List.of(), dist, env, args);
    }

    /** The same, run under the command PREFIX (such as strace). */
    private Run jbuild(List<String> prefix, Path dist, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(tmp, "class-load", ".log");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(dist.resolve("bin/jbuild").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JBUILD_JAVA");
        pb.environment().remove("JAVA_HOME");
        pb.environment().put("JBUILD_JAVA_OPTS", "-XshowSettings:properties -Xlog:class+load:file=" + log);
        pb.environment().putAll(env);
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bin/jbuild did not finish");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err), Files.readString(log));
    }

    /** The stderr of a run less the settings that -XshowSettings printed (all of them indented or a heading). */
    private static String ownErr(Run r) {
        return r.err().lines().filter(l -> !l.isBlank() && !l.startsWith(" ") && !l.equals("Property settings:"))
                .map(l -> l + "\n").reduce("", String::concat);
    }

    /**
     * The JDK that src/dist/aot-cache.sh makes the cache with: $JBUILD_AOT_JAVA, else the newest JDK of 25 or later
     * under /usr/lib/jvm; empty when there is none.
     */
    private static Optional<Path> aotJava() throws IOException {
        String env = System.getenv("JBUILD_AOT_JAVA");
        if (env != null && !env.isEmpty()) {
            if (env.equals("none")) {
                return Optional.empty();
            }
            Path p = Path.of(env);
            return Optional.of(Files.isDirectory(p) ? p.resolve("bin/java") : p);
        }
        Path best = null;
        int bestMajor = 0;
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : homes.toList()) {
                if (Files.isSymbolicLink(home) || !Files.isRegularFile(home.resolve("release"))) {
                    continue;
                }
                Matcher m = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(Files.readString(home.resolve("release")));
                int major = m.find() ? Integer.parseInt(m.group(1)) : 0;
                if (major >= 25 && major > bestMajor && Files.isExecutable(home.resolve("bin/java"))) {
                    best = home.resolve("bin/java");
                    bestMajor = major;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    private static String testJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void startsTheJdkOfItsAotCacheWithTheCacheWhateverJavaHomeSays() throws Exception {
        Optional<Path> aot = aotJava();
        Path cache = DIST.resolve("lib/jbuild.aot");
        if (aot.isEmpty()) {
            // no JDK 25 at package time: no cache, and the command runs on Java 17+ with the CDS archive
            assertFalse(Files.exists(cache), "an AOT cache without a JDK 25 to make it");
            Run r = jbuild(DIST, Map.of(), "--version");
            assertEquals(0, r.status(), r.err());
            assertEquals(VERSION_LINE, r.out());
            return;
        }
        assertTrue(Files.size(cache) > 0, "packaging with " + aot.get() + " made no AOT cache");
        assertEquals(aot.get().toString(), Files.readString(DIST.resolve("lib/jbuild.java")).strip());
        Path home = aot.get().getParent().getParent();
        // JAVA_HOME names another JDK: the cache's own is still the one started
        Run r = jbuild(DIST, Map.of("JAVA_HOME", System.getProperty("java.home")), "--version");
        assertEquals(0, r.status(), r.err());
        assertEquals(VERSION_LINE, r.out(), "nothing but the version on stdout");
        assertEquals("", ownErr(r), "nothing on stderr but what -XshowSettings printed");
        assertEquals(home.toRealPath().toString(), Path.of(r.javaHome()).toRealPath().toString());
        assertTrue(r.mainSource().startsWith("shared objects file"),
                "with the AOT cache the command's classes are mapped, not loaded: " + r.mainSource());
        // picocli's too: lib/jbuild.jar holds them as Java 8 class files, which the cache can hold (Java 5 ones not)
        assertTrue(r.source("picocli.CommandLine").startsWith("shared objects file"),
                "picocli was loaded from the jar, not the AOT cache: " + r.source("picocli.CommandLine"));
    }

    @Test
    void aBuildFromTheAotCacheAndAgainFromTheStepCache() throws Exception {
        Path context = Path.of(System.getProperty("user.dir"), "src/dist/cds-training");
        Path root = tmp.resolve("root");
        // The cold build opens a new store, whose directory hints need the native calls (PosixCalls): they load
        // without running anything (JNA, used before, ran `ldconfig -p` to find libc, ~25 ms of every build).
        Path execs = tmp.resolve("execs");
        Run cold = jbuild(List.of("strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=execve,openat", "-o", execs.toString()),
                DIST, Map.of(), "--root", root.toString(), "build", "-q", "-t", "packaged:1", context.toString());
        assertEquals(0, cold.status(), cold.err());
        assertTrue(cold.classLoads().contains(" dev.jbuild.store.PosixCalls source: "), "the cold build made no native call");
        List<String> programs = Files.readAllLines(execs).stream().filter(l -> l.contains("execve(\""))
                .map(l -> l.substring(l.indexOf("execve(\"") + 8, l.indexOf('"', l.indexOf("execve(\"") + 8))).toList();
        int java = programs.indexOf(programs.stream().filter(p -> p.endsWith("/java")).findFirst().orElse(""));
        assertTrue(java >= 0, "strace saw no exec of java: " + programs);
        assertEquals(List.of(), programs.subList(java + 1, programs.size()), "the JVM of a build without RUN ran programs");
        // Its digests are libcrypto's (NativeDigests), so the JVM runs without C2 (bin/jbuild), which the JDK's own
        // SHA-256 needs to be fast.
        List<String> trace = Files.readAllLines(execs);
        assertTrue(trace.stream().anyMatch(l -> l.contains("execve(\"") && l.contains("/java\"")
                && l.contains("\"-XX:TieredStopAtLevel=1\"")), "java did not run with C1 alone");
        assertTrue(trace.stream().anyMatch(l -> l.contains("openat(") && l.contains("/libcrypto.so.")
                && l.matches(".*\\) = [0-9]+$")), "the build did not open libcrypto");
        assertTrue(cold.classLoads().contains(" dev.jbuild.store.NativeSha256 source: "), "no native SHA-256");
        // The native library is loaded from lib/native, where packaging put it: not extracted from the jar.
        String nativeDir = DIST.resolve("lib/native").toRealPath().toString();
        assertTrue(trace.stream().anyMatch(l -> l.contains("openat(") && l.contains("\"" + nativeDir + "/libjbuild-posix-linux-")
                && l.matches(".*\\) = [0-9]+$")), "the build did not load lib/native/libjbuild-posix-linux-*.so");
        assertFalse(trace.stream().anyMatch(l -> l.contains("openat(") && l.contains("/jbuild/native/")),
                "the build extracted its native library from the jar");
        assertTrue(cold.out().matches("sha256:[0-9a-f]{64}\n"), cold.out());
        assertEquals("", ownErr(cold));
        Path againOpens = tmp.resolve("again-opens");
        Run again = jbuild(List.of("strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=openat", "-o", againOpens.toString()),
                DIST, Map.of(), "--root", root.toString(), "build", "-q", "-t", "packaged:1", context.toString());
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().matches("sha256:[0-9a-f]{64}\n"), again.out());
        assertTrue(again.mainSource().startsWith("shared objects file"), again.mainSource());
        if (aotJava().isPresent()) {
            // Every class comes from the AOT cache, and nothing else is read from the jar (resources, service
            // lookups): opening it reads its directory of 6,000 entries, ~12 ms of CPU.
            String jar = DIST.resolve("lib/jbuild.jar").toRealPath().toString();
            List<String> jarOpens = Files.readAllLines(againOpens).stream()
                    .filter(l -> l.contains("openat(") && l.contains("\"" + jar + "\"")).toList();
            assertEquals(List.of(), jarOpens, "a no-op build from the AOT cache opened the jar");
        }
        // A no-op build never touches the exporter's tar code. Asked of a JVM on the CDS archive, which loads classes
        // as they are needed: one with the AOT cache loads every class of the cache at start.
        Path noopExecs = tmp.resolve("noop-execs");
        Run noop = jbuild(List.of("strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=execve", "-o", noopExecs.toString()),
                DIST, Map.of("JBUILD_JAVA", testJava()),
                "--root", root.toString(), "build", "-q", "-t", "packaged:1", context.toString());
        assertEquals(0, noop.status(), noop.err());
        assertTrue(noop.classLoads().contains(" dev.jbuild.cli.BuildRunner source: "), "no build ran");
        assertFalse(noop.classLoads().contains("org.apache.commons.compress.archivers.tar.TarArchiveOutputStream"),
                "a build without -o loaded the tar writer");
        // The context is listed by the native library (one call per directory instead of a JDK attribute map per
        // file), and loading it runs nothing.
        assertTrue(noop.classLoads().contains(" dev.jbuild.store.PosixCalls source: "),
                "the no-op build listed its context without the native library");
        List<String> noopPrograms = Files.readAllLines(noopExecs).stream().filter(l -> l.contains("execve(\""))
                .map(l -> l.substring(l.indexOf("execve(\"") + 8, l.indexOf('"', l.indexOf("execve(\"") + 8))).toList();
        int noopJava = noopPrograms.indexOf(noopPrograms.stream().filter(p -> p.endsWith("/java")).findFirst().orElse(""));
        assertTrue(noopJava >= 0, "strace saw no exec of java: " + noopPrograms);
        assertEquals(List.of(), noopPrograms.subList(noopJava + 1, noopPrograms.size()), "the JVM of a no-op build ran programs");
    }

    @Test
    void jbuildJavaChoosesTheJvmAndTheCdsArchiveServesIt() throws Exception {
        Run r = jbuild(DIST, Map.of("JBUILD_JAVA", testJava()), "--version");
        assertEquals(0, r.status(), r.err());
        assertEquals(VERSION_LINE, r.out());
        assertEquals("", ownErr(r));
        assertEquals(Path.of(System.getProperty("java.home")).toRealPath().toString(),
                Path.of(r.javaHome()).toRealPath().toString());
        // the packaging dumped lib/jbuild.jsa with this JDK (the one running Maven and these tests)
        assertTrue(r.mainSource().startsWith("shared objects file"), "the CDS archive was not used: " + r.mainSource());
        assertTrue(r.source("picocli.CommandLine").startsWith("shared objects file"),
                "picocli was loaded from the jar, not the CDS archive: " + r.source("picocli.CommandLine"));
    }

    private static int majorVersion(byte[] classFile) {
        return (classFile[6] & 0xff) << 8 | (classFile[7] & 0xff);
    }

    /**
     * lib/jbuild.jar is the shaded jar (target/jbuild.jar) entry for entry, every entry stored, with its class files
     * older than Java 6 (picocli's Java 5 ones: no stack map frames, which the archives need) upgraded to Java 8.
     */
    @Test
    void theJarIsTheShadedJarStoredWithEveryClassFileOfJava6OrLater() throws Exception {
        int upgraded = 0;
        try (ZipFile packaged = new ZipFile(DIST.resolve("lib/jbuild.jar").toFile());
             ZipFile shaded = new ZipFile(DIST.resolveSibling("jbuild.jar").toFile())) {
            List<? extends ZipEntry> entries = Collections.list(packaged.entries());
            List<? extends ZipEntry> originals = Collections.list(shaded.entries());
            assertEquals(originals.size(), entries.size());
            for (int i = 0; i < entries.size(); i++) {
                ZipEntry entry = entries.get(i);
                ZipEntry original = originals.get(i);
                String name = entry.getName();
                assertEquals(original.getName(), name, "entry " + i);
                assertEquals(original.getTime(), entry.getTime(), name);
                assertEquals(ZipEntry.STORED, entry.getMethod(), name + " is compressed");
                byte[] data = packaged.getInputStream(entry).readAllBytes();
                byte[] before = shaded.getInputStream(original).readAllBytes();
                boolean classFile = name.endsWith(".class") && data.length >= 8;
                if (classFile) {
                    assertTrue(majorVersion(data) >= 50, name + " is a class file of version " + majorVersion(data));
                }
                if (classFile && majorVersion(before) < 50) {
                    assertEquals(52, majorVersion(data), name);
                    upgraded++;
                } else {
                    assertTrue(Arrays.equals(before, data), name + " differs from the shaded jar's");
                }
            }
            try (var in = packaged.getInputStream(packaged.getEntry("picocli/CommandLine.class"))) {
                assertEquals(52, majorVersion(in.readNBytes(8)));
            }
        }
        assertTrue(upgraded >= 200, "only " + upgraded + " class files upgraded: are picocli's among them?");
    }

    /** Picocli's help and usage-error paths (the bulk of its code, and upgraded), on each JVM bin/jbuild may run. */
    @Test
    void helpAndUsageErrorsWorkWithTheUpgradedPicocli() throws Exception {
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("JBUILD_JAVA", testJava()))) {
            Run help = jbuild(DIST, env, "--help");
            assertEquals(0, help.status(), help.err());
            assertTrue(help.out().startsWith("Usage: jbuild [-hqV]"), help.out());
            assertTrue(help.out().contains("  -V, --version              Print version information and exit.\n"),
                    help.out());
            assertTrue(help.out().contains("\n  help     Display help information about the specified command.\n"),
                    help.out());

            Run unknown = jbuild(DIST, env, "build", "--bogus");
            assertEquals(2, unknown.status(), unknown.err());
            assertEquals("", unknown.out());
            assertTrue(ownErr(unknown).startsWith("Unknown option: '--bogus'\nUsage: jbuild build [-hqV]"),
                    unknown.err());

            Run badValue = jbuild(DIST, env, "build", "-j=many", tmp.toString());
            assertEquals(2, badValue.status(), badValue.err());
            assertTrue(ownErr(badValue).startsWith("Invalid value for option '--jobs': 'many' is not an int\n"),
                    badValue.err());
        }
    }

    /** A copy of the packaged command whose archives no longer match its jar (a relocated, rebuilt package). */
    private Path copyOfDist() throws IOException {
        Path copy = tmp.resolve("dist");
        for (String f : List.of("bin/jbuild", "lib/jbuild.jar", "lib/jbuild.jsa", "lib/jbuild-compiler.json")) {
            Files.createDirectories(copy.resolve(f).getParent());
            Files.copy(DIST.resolve(f), copy.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
        }
        return copy;
    }

    @Test
    void aCacheThatCannotBeUsedIsIgnoredSilently() throws Exception {
        Path copy = copyOfDist();
        String java = aotJava().map(Path::toString).orElse(testJava());
        // a damaged cache, paired with its JDK
        Files.write(copy.resolve("lib/jbuild.aot"), "not an AOT cache".getBytes(StandardCharsets.UTF_8));
        Files.writeString(copy.resolve("lib/jbuild.java"), java + "\n");
        Run damaged = jbuild(copy, Map.of(), "--version");
        assertEquals(0, damaged.status(), damaged.err());
        assertEquals(VERSION_LINE, damaged.out());
        assertEquals("", ownErr(damaged), "a cache the JVM rejects is rejected silently");
        assertEquals(Path.of(java).getParent().getParent().toRealPath().toString(),
                Path.of(damaged.javaHome()).toRealPath().toString());

        // the cache names a JDK that is gone: the java of JAVA_HOME runs, with the CDS archive (not the cache)
        Files.writeString(copy.resolve("lib/jbuild.java"), tmp.resolve("no-such-jdk/bin/java") + "\n");
        Run gone = jbuild(copy, Map.of("JAVA_HOME", System.getProperty("java.home")), "--version");
        assertEquals(0, gone.status(), gone.err());
        assertEquals(VERSION_LINE, gone.out());
        assertEquals("", ownErr(gone));
        assertEquals(Path.of(System.getProperty("java.home")).toRealPath().toString(),
                Path.of(gone.javaHome()).toRealPath().toString());

        // no cache at all (a JDK 17 packaging): the same
        Files.delete(copy.resolve("lib/jbuild.aot"));
        Files.delete(copy.resolve("lib/jbuild.java"));
        Run none = jbuild(copy, Map.of("JAVA_HOME", System.getProperty("java.home")), "--version");
        assertEquals(0, none.status(), none.err());
        assertEquals(VERSION_LINE, none.out());
        assertEquals("", ownErr(none));
    }
}
