package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Killing jbuild in the middle of a RUN step ({@code RUN sleep N}, in a JVM of its own): with SIGTERM
 * ({@link Process#destroy}) or SIGKILL ({@link Process#destroyForcibly}), with each runtime, no process of the
 * step survives and no mount of the build is left in the host's mount table; what a SIGKILLed jbuild leaves behind
 * (its build directory in the store's tmp/, its run directory, an OCI runtime's state and cgroups) is gone after
 * the next jbuild run on the same store.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RunKillTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"native, SIGTERM", "native, SIGKILL", "runc, SIGKILL", "crun, SIGKILL"})
    void killingJbuildMidStepLeavesNothingBehind(String runtime, String signal) throws Exception {
        killMidStep(runtime, signal);
    }

    @ParameterizedTest(name = "{0} with SIGTERM")
    @ValueSource(strings = {"runc", "crun"})
    void sigtermWithAnOciRuntimeLeavesNothingBehind(String runtime) throws Exception {
        killMidStep(runtime, "SIGTERM");
    }

    private void killMidStep(String runtime, String signal) throws Exception {
        try {
            check(runtime, signal);
        } finally {
            cleanUp();
        }
    }

    private String secs;
    private Path root;

    /** Removes what a failed check leaves: the step's processes, and the runtimes' containers (with their cgroups). */
    private void cleanUp() throws Exception {
        if (secs != null) {
            for (long p : RunFixtures.pidsWith(secs)) {
                ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        Path runtimes = root == null ? null : root.resolve("runtime");
        if (runtimes != null && Files.isDirectory(runtimes)) {
            try (Stream<Path> names = Files.list(runtimes)) {
                for (Path rt : names.toList()) {
                    try (Stream<Path> ids = Files.list(rt)) {
                        for (Path id : ids.filter(Files::isDirectory).toList()) {
                            Cli.tool(rt.getFileName().toString(), "--root", rt.toString(), "delete", "-f",
                                    id.getFileName().toString());
                        }
                    }
                }
            }
        }
    }

    private void check(String runtime, String signal) throws Exception {
        root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        secs = String.valueOf(1000 + ThreadLocalRandom.current().nextInt(1, 900_000));
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo started && sleep " + secs + "\n");
        Path log = tmp.resolve("jbuild.log");
        Process jvm = new ProcessBuilder(RunFixtures.jbuildCommand("--root", root, "--runtime=" + runtime, "-t", "killed", ctx))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long pid = jvm.pid();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (RunFixtures.pidsWith("sleep " + secs).isEmpty()) {
                assertTrue(jvm.isAlive(), () -> "jbuild ended before its step started:\n" + read(log));
                assertTrue(System.nanoTime() < deadline, () -> "the step did not start in 60 s:\n" + read(log));
                Thread.sleep(20);
            }
            assertEquals(List.of(), buildMounts(root, pid), "the host's mount table shows none of the step's mounts");
            assertTrue(buildDirs(root, pid).size() == 1, "the build has its directory in tmp/");
        } finally {
            if (signal.equals("SIGTERM")) {
                jvm.destroy();
            } else {
                jvm.destroyForcibly();
            }
        }
        assertTrue(jvm.waitFor(60, TimeUnit.SECONDS), "jbuild did not exit after " + signal);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!RunFixtures.pidsWith(secs).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(List.of(), processes(secs), "processes of the step after " + signal + " of jbuild");
        assertEquals(List.of(), buildMounts(root, pid), "mounts of the build after " + signal + " of jbuild");
        if (signal.equals("SIGTERM")) {
            assertTrue(jvm.exitValue() != 0, "a killed build does not succeed");
        }

        // the next run on the same store cleans up whatever the killed one left
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo next > /next\n");
        jbuild("--root", root, "-q", "--runtime=" + runtime, "-t", "next", ctx).ok();
        assertEquals(List.of(), buildDirs(root, pid), "the killed build's directories in " + root.resolve("tmp"));
        assertEquals(List.of(), runDirs(pid), "the killed JVM's run directories");
        assertEquals(List.of(), runtimeLeftovers(root, pid), "the OCI runtime's state and cgroups of the killed build");
        assertEquals(List.of(), buildMounts(root, pid));
        assertTrue(jbuild("images", "--root", root, "-q", "killed").ok().out().isEmpty(), "no image of the killed build");
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Processes whose command line mentions the step's unique number, with their command lines. */
    static List<String> processes(String secs) throws IOException {
        List<String> out = new ArrayList<>();
        for (long p : RunFixtures.pidsWith(secs)) {
            try {
                out.add(p + ": " + Files.readString(Path.of("/proc", String.valueOf(p), "cmdline")).replace('\0', ' '));
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return out;
    }

    /** Lines of the host's /proc/self/mountinfo that name the store or the JVM's run directory. */
    static List<String> buildMounts(Path root, long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(root.toString()) || l.contains("jbuild-exec-" + pid + "-")).toList();
    }

    /** The store's tmp/build.PID.* directories. */
    static List<Path> buildDirs(Path root, long pid) throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("build." + pid + ".")).toList();
        }
    }

    /** The executor's per-JVM run directories (jbuild-exec-PID-*) of the killed JVM, wherever they are. */
    static List<Path> runDirs(long pid) throws IOException {
        List<Path> out = new ArrayList<>();
        List<Path> parents = new ArrayList<>(List.of(Path.of("/dev/shm")));
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            parents.add(Path.of(xdg));
        }
        for (Path parent : parents) {
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (Stream<Path> s = Files.list(parent)) {
                s.filter(p -> p.getFileName().toString().startsWith("jbuild-exec-" + pid + "-")).forEach(out::add);
            }
        }
        return out;
    }

    /** The runtimes' container state under the store and cgroups named after the killed JVM's containers. */
    static List<Path> runtimeLeftovers(Path root, long pid) throws IOException {
        List<Path> out = new ArrayList<>();
        String prefix = "jbuild-exec-" + pid + "-";
        Path runtimes = root.resolve("runtime");
        if (Files.isDirectory(runtimes)) {
            try (Stream<Path> s = Files.walk(runtimes, 2)) {
                s.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(out::add);
            }
        }
        Path cgroup = Path.of("/sys/fs/cgroup");
        try (Stream<Path> s = Files.walk(cgroup, 3)) {
            s.filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith(prefix)).forEach(out::add);
        } catch (java.io.UncheckedIOException ignored) {
            // a cgroup vanished during the walk
        }
        return out;
    }
}
