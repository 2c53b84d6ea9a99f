package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planner: independent stages run at once (two stages that each sleep 2 s take about the time of one), --jobs 1
 * runs them one after the other, the image is the same whatever the schedule, stages the target does not need
 * never run, and a failing stage cancels the others (their containers killed, nothing left mounted).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ParallelStagesTest {
    static final String EPOCH = "SOURCE_DATE_EPOCH=1700000000";

    @TempDir
    Path tmp;
    Path root;
    Path ctx;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox AS a
                ARG S=0
                RUN sleep $S && echo a > /a.txt

                FROM busybox AS b
                ARG S=0
                RUN sleep $S && echo b > /b.txt

                FROM busybox AS unused
                RUN echo this stage is not needed && exit 9

                FROM busybox
                COPY --from=a /a.txt /a.txt
                COPY --from=b /b.txt /b.txt
                """);
    }

    /** Builds with --no-cache; answers the wall time in seconds and the metadata file. */
    private Timed build(String jobs, String sleep) throws IOException {
        Path meta = tmp.resolve("meta-" + jobs + "-" + sleep + ".json");
        long t0 = System.nanoTime();
        Cli.Result r = jbuild("--root", root, "--progress=plain", "--no-cache", "--jobs", jobs, "--build-arg",
                "S=" + sleep, "--build-arg", EPOCH, "--metadata-file", meta, "-t", "parallel:" + jobs, ctx).ok();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Timed(seconds, Cli.JSON.readTree(meta.toFile()), r.err());
    }

    private record Timed(double seconds, JsonNode metadata, String log) {}

    @Test
    void independentStagesRunAtOnceAndTheImageDoesNotDependOnTheSchedule() throws IOException {
        build("4", "0"); // warm: the base layer's snapshot, the JIT

        Timed parallel = build("4", "2");
        assertTrue(parallel.seconds() < 3.5, "two stages that sleep 2 s each, at once, took " + parallel.seconds()
                + " s:\n" + parallel.log());
        assertFalse(parallel.log().contains("not needed"), "the unused stage never runs:\n" + parallel.log());

        Timed serial = build("1", "2");
        System.out.printf("parallel stages: --jobs 4 %.2f s, --jobs 1 %.2f s%n", parallel.seconds(), serial.seconds());
        assertTrue(serial.seconds() >= 4, "with --jobs 1 the two sleeps follow each other, yet took only "
                + serial.seconds() + " s");

        String digest = parallel.metadata().path("containerimage.digest").asText();
        assertTrue(digest.startsWith("sha256:"), parallel.metadata().toString());
        assertEquals(digest, serial.metadata().path("containerimage.digest").asText(),
                "the same image with --jobs 1 and --jobs 4");
        assertEquals(parallel.metadata().path("containerimage.config.digest"),
                serial.metadata().path("containerimage.config.digest"));
        // the steps are listed in build order whatever the schedule
        assertEquals(parallel.metadata().path("steps").toString().replaceAll("\"seconds\":[0-9.E-]+", ""),
                serial.metadata().path("steps").toString().replaceAll("\"seconds\":[0-9.E-]+", ""));
    }

    @Test
    void aFailingStageCancelsTheOthersAndReportsItsError() throws Exception {
        String secs = String.valueOf(1000 + ThreadLocalRandom.current().nextInt(1, 900_000));
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox AS slow
                RUN echo slow started && sleep %s

                FROM busybox AS fails
                RUN sleep 1 && echo failing && exit 3

                FROM busybox
                COPY --from=slow /etc/passwd /slow
                COPY --from=fails /etc/passwd /fails
                """.formatted(secs));
        long t0 = System.nanoTime();
        Cli.Result r = jbuild("--root", root, "--progress=plain", "--jobs", "4", "-t", "cancelled", ctx);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, r.status(), r.err());
        assertTrue(seconds < 60, "the sleeping stage was cancelled, not waited for: " + seconds + " s");
        String last = r.err().substring(r.err().lastIndexOf("jbuild: "));
        assertTrue(last.startsWith("jbuild: Dockerfile:5: RUN sleep 1 && echo failing && exit 3: process"), r.err());
        assertTrue(last.contains("exit code: 3"), last);
        assertTrue(r.err().contains(" CANCELED"), "the sleeping step is shown cancelled:\n" + r.err());
        assertEquals(List.of(), RunKillTest.processes("sleep " + secs), "the cancelled step's processes");
        long pid = ProcessHandle.current().pid();
        assertEquals(List.of(), RunKillTest.buildMounts(root, pid), "mounts left by the build");
        assertEquals(List.of(), RunKillTest.buildDirs(root, pid), "the build's scratch directory");
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("build.")).toList());
        }
        assertTrue(jbuild("images", "--root", root, "-q", "cancelled").ok().out().isEmpty(), "no image");
    }
}
