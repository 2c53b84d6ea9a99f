package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight builds of overlapping Dockerfiles (the same base, the same first COPY and RUN, then steps shared by some of
 * them), each in a JVM of its own, started at once on one store, while {@code jbuild prune} runs again and again
 * in other JVMs beside them: every build succeeds with the digest the same Dockerfile gives built alone, prune
 * removes nothing they need (every tagged image is whole: {@code jbuild fsck} finds nothing dangling), and what
 * prune may remove once they are done it removes.
 */
class ConcurrentBuildsTest {
    static final int BUILDS = 8;

    @TempDir
    Path tmp;

    private Path context(int i) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx-" + i));
        Files.writeString(ctx.resolve("shared.txt"), "shared by all\n");
        Files.writeString(ctx.resolve("part.txt"), "part " + (i % 3) + "\n");
        Files.writeString(ctx.resolve("own.txt"), "own " + i + "\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\n"
                + "COPY shared.txt /shared.txt\n"
                + "RUN echo common > /common && sleep 0.2\n"
                + "COPY part.txt /part.txt\n"
                + "RUN echo " + (i % 4) + " > /variant\n"
                + "COPY own.txt /own.txt\n");
        return ctx;
    }

    private static List<Object> args(Path root, int i, Path ctx) {
        return List.of("--root", root, "-q", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", "-t", "concurrent:" + i, ctx);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void eightBuildsAtOnceWithPruneBesideThemGiveTheLoneDigests() throws Exception {
        List<Path> contexts = new ArrayList<>();
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < BUILDS; i++) {
            contexts.add(context(i));
            // alone: a store of its own for each build
            Path root = tmp.resolve("alone-" + i);
            RunFixtures.loadBusybox(root);
            alone.add(jbuild(args(root, i, contexts.get(i)).toArray()).ok().out().strip());
            RunFixtures.deleteTree(root);
        }
        assertEquals(BUILDS, alone.stream().distinct().count(), "eight different images: " + alone);

        Path root = tmp.resolve("shared");
        RunFixtures.loadBusybox(root);
        List<Process> builds = new ArrayList<>();
        for (int i = 0; i < BUILDS; i++) {
            List<String> cmd = RunFixtures.jbuildCommand(args(root, i, contexts.get(i)).toArray());
            builds.add(new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out-" + i).toFile())
                    .redirectError(tmp.resolve("err-" + i).toFile()).redirectInput(new File("/dev/null")).start());
        }
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger prunes = new AtomicInteger();
        List<String> pruneFailures = new ArrayList<>();
        Thread pruner = new Thread(() -> {
            try {
                while (!done.get()) {
                    Cli.Result r = RunFixtures.run(new ProcessBuilder(RunFixtures.jbuildCommand("prune", "--root", root)));
                    if (r.status() != 0) {
                        synchronized (pruneFailures) {
                            pruneFailures.add(r.err());
                        }
                    }
                    prunes.incrementAndGet();
                }
            } catch (Exception e) {
                synchronized (pruneFailures) {
                    pruneFailures.add(e.toString());
                }
            }
        }, "pruner");
        pruner.start();
        try {
            for (int i = 0; i < BUILDS; i++) {
                Process p = builds.get(i);
                assertTrue(p.waitFor(5, TimeUnit.MINUTES), "build " + i + " ended");
                int n = i;
                assertEquals(0, p.exitValue(), () -> "build " + n + " failed:\n" + read(tmp.resolve("err-" + n)));
                assertEquals(alone.get(i), read(tmp.resolve("out-" + i)).strip(), "the image of build " + i);
            }
        } finally {
            done.set(true);
            pruner.join(TimeUnit.MINUTES.toMillis(2));
            builds.forEach(Process::destroyForcibly);
        }
        assertEquals(List.of(), pruneFailures, "prune beside the builds");
        assertTrue(prunes.get() >= 1, "prune ran beside the builds");

        Cli.Result fsck = jbuild("fsck", "--root", root);
        assertEquals(0, fsck.status(), fsck.out() + fsck.err());
        for (int i = 0; i < BUILDS; i++) {
            // what the tags need is there, whole: an OCI layout of each image can be written and validated
            Path layout = tmp.resolve("layout-" + i);
            jbuild("save", "--root", root, "--format", "oci", "-o", tmp.resolve("image-" + i + ".tar"), "concurrent:" + i).ok();
            Files.createDirectories(layout);
            Cli.ok("tar", "-xf", tmp.resolve("image-" + i + ".tar").toString(), "-C", layout.toString());
            Cli.validateLayout(layout);
        }
        // and the same builds again are all cache hits with the same images
        for (int i = 0; i < BUILDS; i++) {
            assertEquals(alone.get(i), jbuild(args(root, i, contexts.get(i)).toArray()).ok().out().strip());
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
