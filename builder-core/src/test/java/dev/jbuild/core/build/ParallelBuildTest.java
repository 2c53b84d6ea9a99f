package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.core.progress.BuildListener;
import dev.jbuild.core.progress.StepInfo;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stages built at once share one store, one step cache and one stat cache: stages that write the very same layers
 * at the same moment give the image a one-at-a-time build gives, and every step's events arrive whole and in order.
 */
class ParallelBuildTest {
    static final Instant EPOCH = Instant.ofEpochSecond(1_700_000_000L);

    @TempDir
    Path tmp;

    /** Four stages with the same steps (the same layers, written concurrently), and a last stage copying from each. */
    private Path context() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        byte[] big = new byte[3 << 20];
        new Random(42).nextBytes(big);
        Files.write(ctx.resolve("big.bin"), big);
        Files.writeString(ctx.resolve("small.txt"), "small\n");
        StringBuilder df = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            df.append("FROM scratch AS s").append(i).append('\n')
                    .append("WORKDIR /w\n")
                    .append("COPY big.bin small.txt ./\n")
                    .append("COPY small.txt /own-").append(i).append(".txt\n");
        }
        df.append("FROM scratch\n");
        for (int i = 0; i < 4; i++) {
            df.append("COPY --from=s").append(i).append(" / /from-").append(i).append("/\n");
        }
        Files.writeString(ctx.resolve("Dockerfile"), df.toString());
        return ctx;
    }

    private BuildResult build(Store store, Path ctx, int jobs, BuildListener listener) throws Exception {
        return new Builder(store, jobs).build(new BuildRequest(ctx, null, List.of("p:1"), Map.of(), null,
                Platform.parse("linux/amd64"), Compression.GZIP, false, EPOCH, null, Map.of(), RunOptions.DEFAULT,
                null, false, CacheOptions.DEFAULT), listener);
    }

    /** Checks that each step starts, then is done, once, with nothing of another step's in between of its own. */
    static final class Recorder implements BuildListener {
        final Map<Integer, List<String>> byStep = new HashMap<>();
        final List<String> all = new ArrayList<>();
        int cached;

        private void add(StepInfo s, String what) {
            byStep.computeIfAbsent(s.id(), k -> new ArrayList<>()).add(what);
            all.add(s.stage() + " " + s.index() + "/" + s.total() + " " + what);
        }

        @Override
        public void stepStarted(StepInfo s) {
            add(s, "started");
        }

        @Override
        public void stepCached(StepInfo s) {
            cached++;
            add(s, "cached");
        }

        @Override
        public void stepDone(StepInfo s, Duration d) {
            add(s, "done");
        }
    }

    @Test
    void stagesWritingTheSameLayersAtOnceGiveTheImageOfASerialBuild() throws Exception {
        Path ctx = context();
        BuildResult serial = build(Store.open(tmp.resolve("serial")), ctx, 1, BuildListener.NONE);
        for (int round = 0; round < 3; round++) {
            Store store = Store.open(tmp.resolve("parallel-" + round));
            Recorder events = new Recorder();
            BuildResult parallel = build(store, ctx, 4, events);
            assertEquals(serial.manifestDescriptor().digest(), parallel.manifestDescriptor().digest(), "round " + round);
            assertEquals(4 * 4 + 1 + 4, events.byStep.size(), events.all.toString());
            for (List<String> e : events.byStep.values()) {
                // A stage that reaches a step after an identical stage recorded it takes it from the cache.
                assertTrue(e.equals(List.of("started", "done")) || e.equals(List.of("started", "cached", "done")),
                        events.all.toString());
            }
            // and again on the same store: every step but FROM from the cache, the same image
            Recorder again = new Recorder();
            BuildResult rebuilt = build(store, ctx, 4, again);
            assertEquals(serial.manifestDescriptor().digest(), rebuilt.manifestDescriptor().digest());
            assertEquals(4 * 3 + 4, again.cached, again.all.toString());
            for (List<String> e : again.byStep.values()) {
                assertTrue(e.equals(List.of("started", "done")) || e.equals(List.of("started", "cached", "done")),
                        again.all.toString());
            }
        }
    }
}
