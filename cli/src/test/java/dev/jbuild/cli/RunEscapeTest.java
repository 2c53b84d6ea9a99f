package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a RUN step tries in order to get out of its box, with the native executor, in a JVM of jbuild's own: it
 * cannot write through {@code /proc/self/exe} or any {@code /proc/PID/exe} to a binary of the host (the sandbox
 * helper and the JVM stay byte for byte), it inherits no file descriptor of jbuild (only 0, 1 and 2, none naming
 * the store, a jar or a lock), and a process it leaves in the background does not outlive the step. (Host files,
 * host processes and lower layers: {@link RunStepsTest}.)
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunEscapeTest {
    @TempDir
    Path tmp;

    @Test
    void noEscapeThroughProcExeOpenDescriptorsOrBackgroundProcesses() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        String secs = String.valueOf(700_000 + (int) (Math.random() * 90_000));
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\n"
                + "RUN mkdir /seen; ls /proc/self/fd > /seen/fds;"
                + " for f in /proc/self/fd/*; do readlink $f; done > /seen/fd-targets;"
                + " for p in /proc/[0-9]*; do readlink $p/exe; done > /seen/exes 2>/dev/null;"
                + " for p in /proc/self /proc/[0-9]*; do (printf x >> $p/exe) 2>/dev/null && echo wrote $p; done"
                + " > /seen/exe-writes; true\n"
                + "RUN (sleep " + secs + " > /dev/null 2>&1 &) ; nohup sleep " + secs + " > /dev/null 2>&1 & echo started\n");
        Path java = Path.of(RunFixtures.javaBinary()).toRealPath();
        String javaBefore = RunFixtures.sha256(java);
        Path layout = tmp.resolve("layout");
        Cli.Result r = RunFixtures.run(new ProcessBuilder(RunFixtures.jbuildCommand("--root", root, "-t", "escape",
                "-o", "type=oci,dest=" + layout, ctx)));
        assertEquals(0, r.status(), r.out() + r.err());
        try {
            Path rootfs = Cli.umociUnpack(layout, "latest", tmp.resolve("bundle"));
            // descriptors: the step's shell got 0, 1, 2 (ls's own directory fd shows as a 3rd) and nothing of jbuild
            List<String> fds = Files.readAllLines(rootfs.resolve("seen/fds"));
            assertTrue(fds.size() <= 4 && fds.containsAll(List.of("0", "1", "2")), "descriptors " + fds);
            String targets = Files.readString(rootfs.resolve("seen/fd-targets"));
            for (String leak : List.of(root.toString(), ".jar", "lock", "jbuild")) {
                assertFalse(targets.contains(leak), "a descriptor of jbuild (" + leak + ") in the step:\n" + targets);
            }
            String exes = Files.readString(rootfs.resolve("seen/exes"));
            assertFalse(exes.contains("java") || exes.contains("jbuild-sandbox"), "a host binary is a step's exe:\n" + exes);
            assertEquals("", Files.readString(rootfs.resolve("seen/exe-writes")), "writes through /proc/PID/exe");
            assertEquals(javaBefore, RunFixtures.sha256(java), "the JVM's binary is unchanged");
            try (Stream<Path> helpers = Files.list(root.resolve("bin"))) {
                for (Path h : helpers.filter(p -> p.getFileName().toString().startsWith("jbuild-sandbox-")
                        && !p.getFileName().toString().endsWith(".tmp")).toList()) {
                    String name = h.getFileName().toString();
                    String hex = name.substring("jbuild-sandbox-".length());
                    assertEquals(hex, RunFixtures.sha256(h), "the sandbox helper " + h + " is unchanged (its name is its digest)");
                }
            }
            // background processes of the step died with it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!RunFixtures.pidsWith("sleep " + secs).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of(), RunKillTest.processes(secs), "a step's background process outlived the build");
        } finally {
            List<Long> left = new ArrayList<>(RunFixtures.pidsWith("sleep " + secs));
            left.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
        }
        jbuild("images", "--root", root).ok();
    }
}
