package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.History;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build cache: exact hits, misses on every kind of input change, and the explanation of each miss. */
class CacheTest {
    static final Instant EPOCH = Instant.ofEpochSecond(1_700_000_000L);

    @TempDir
    Path tmp;
    Path ctx;
    Store store;
    List<String> progress;

    @BeforeEach
    void setUp() throws Exception {
        store = Store.open(tmp.resolve("root"));
        Path base = Files.createDirectories(tmp.resolve("base/bin"));
        Files.copy(Path.of("/usr/bin/busybox"), base.resolve("busybox"));
        Files.writeString(tmp.resolve("base/Dockerfile"), "FROM scratch\nCOPY bin/busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n");
        build(tmp.resolve("base"), Map.of(), CacheOptions.DEFAULT, "busybox:cache");
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("app.txt"), "v1\n");
        Files.writeString(ctx.resolve("other.txt"), "other\n");
        Files.writeString(ctx.resolve(".dockerignore"), "*.log\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:cache\nARG V=1\nCOPY app.txt /app/\n"
                + "RUN cat /app/app.txt > /app/out && echo $V >> /app/out\nCOPY other.txt /app/\n");
    }

    BuildResult build(Path context, Map<String, String> args, CacheOptions cache, String... tags) throws Exception {
        return build(context, args, cache, EPOCH, tags);
    }

    BuildResult build(Path context, Map<String, String> args, CacheOptions cache, Instant epoch, String... tags)
            throws Exception {
        progress = new ArrayList<>();
        return new Builder(store).build(new BuildRequest(context, null, List.of(tags), args, null,
                Platform.parse("linux/amd64"), Compression.GZIP, false, epoch, progress::add, Map.of(),
                RunOptions.DEFAULT, null, false, cache));
    }

    /** The config as stored (not the result's record): what an export or a push would carry. */
    ImageConfig config(BuildResult r) throws Exception {
        return OciJson.read(store.blobs().read(r.manifest().config().digest()), ImageConfig.class);
    }

    BuildResult build() throws Exception {
        return build(ctx, Map.of(), new CacheOptions(false, Set.of(), true));
    }

    long cached() {
        return progress.stream().filter(l -> l.trim().equals("CACHED")).count();
    }

    List<String> misses() {
        return progress.stream().filter(l -> l.trim().startsWith("miss: ")).map(l -> l.trim().substring(6)).toList();
    }

    @Test
    void unchangedRebuildHitsEveryStepAndGivesTheSameImage() throws Exception {
        BuildResult first = build();
        assertEquals(0, cached());
        BuildResult second = build();
        assertEquals(3, cached(), progress.toString());
        assertEquals(first.manifestDescriptor().digest(), second.manifestDescriptor().digest());
    }

    /**
     * Without SOURCE_DATE_EPOCH, a layer's history entry has the time the layer was made, and a cached one keeps it
     * (as with BuildKit): an unchanged rebuild gives the same image, and a changed step a new time from there on.
     */
    @Test
    void rebuildsWithoutAnEpochKeepTheTimesOfCachedLayers() throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:cache\nENV A=1\nCOPY app.txt /app/\n"
                + "RUN cat /app/app.txt > /app/out\nCOPY other.txt /app/\nCMD [\"cat\"]\n");
        BuildResult first = build(ctx, Map.of(), CacheOptions.DEFAULT, (Instant) null);
        Thread.sleep(5);
        BuildResult second = build(ctx, Map.of(), CacheOptions.DEFAULT, (Instant) null);
        assertEquals(3, cached(), progress.toString());
        assertEquals(first.manifestDescriptor().digest(), second.manifestDescriptor().digest());
        ImageConfig c1 = config(first);
        List<History> h1 = c1.history();
        assertEquals(7, h1.size(), h1.toString()); // the base's COPY and RUN, then ENV, COPY, RUN, COPY, CMD
        String made = h1.get(3).created();
        assertTrue(Instant.parse(made).isAfter(EPOCH.plusSeconds(86400L * 365 * 2)), made); // this build's time
        for (int i = 2; i < 7; i++) {
            assertEquals(made, h1.get(i).created(), "entry " + i + ": " + h1); // ENV: the first new layer's time
        }
        assertEquals(made, c1.created());

        Files.writeString(ctx.resolve("other.txt"), "changed\n");
        Thread.sleep(5);
        BuildResult third = build(ctx, Map.of(), CacheOptions.DEFAULT, (Instant) null);
        assertEquals(2, cached(), progress.toString());
        List<History> h3 = config(third).history();
        assertEquals(h1.subList(0, 5), h3.subList(0, 5)); // the cached steps keep their times
        String remade = h3.get(5).created();
        assertTrue(Instant.parse(remade).isAfter(Instant.parse(made)), made + " then " + remade);
        assertEquals(remade, h3.get(6).created()); // CMD: the latest layer's time
        assertEquals(remade, config(third).created());
    }

    @Test
    void contentChangeMissesFromTheFirstAffectedStepAndSaysWhy() throws Exception {
        build();
        Files.writeString(ctx.resolve("app.txt"), "v2\n");
        build();
        assertEquals(0, cached(), progress.toString());
        assertEquals("file app/app.txt changed", misses().get(0));
        assertEquals("a step before it ran", misses().get(1));
    }

    @Test
    void timesAndIgnoredFilesDoNotMiss() throws Exception {
        build();
        Files.setLastModifiedTime(ctx.resolve("app.txt"), FileTime.from(Instant.now().plusSeconds(60)));
        Files.writeString(ctx.resolve("debug.log"), "noise\n");
        build();
        assertEquals(3, cached(), progress.toString());
    }

    @Test
    void modeChangeMisses() throws Exception {
        build();
        Files.setPosixFilePermissions(ctx.resolve("other.txt"), PosixFilePermissions.fromString("rwx------"));
        build();
        assertEquals(2, cached(), progress.toString());
        assertEquals("file app/other.txt changed", misses().get(0));
    }

    @Test
    void buildArgChangeMissesTheRunAndNamesValues() throws Exception {
        build();
        build(ctx, Map.of("V", "2"), new CacheOptions(false, Set.of(), true));
        assertEquals(1, cached(), "the COPY before the RUN still hits: " + progress);
        assertEquals("build arg V changed 1 \u2192 2", misses().get(0));
    }

    @Test
    void dockerfileEditsBelowKeepTheStepsAbove() throws Exception {
        build();
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:cache\nARG V=1\nCOPY app.txt /app/\n"
                + "RUN cat /app/app.txt > /app/out && echo $V >> /app/out\nCOPY other.txt /app/copied-elsewhere/\n");
        build();
        assertEquals(2, cached(), progress.toString());
        assertTrue(misses().get(0).startsWith("the instruction changed (was: COPY other.txt /app/"), misses().toString());
    }

    @Test
    void dockerfileEditsAboveMissFromTheEditedStepOnly() throws Exception {
        build();
        // lines that move the steps without changing them: every step still hits
        Files.writeString(ctx.resolve("Dockerfile"), "# a comment\n\nFROM busybox:cache\nLABEL added=above\nARG V=1\n"
                + "COPY app.txt /app/\nRUN cat /app/app.txt > /app/out && echo $V >> /app/out\nCOPY other.txt /app/\n");
        build();
        assertEquals(3, cached(), progress.toString());
        // an edit of the first step: it and every step below it run
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:cache\nARG V=1\nCOPY app.txt /app/moved.txt\n"
                + "RUN cat /app/moved.txt > /app/out && echo $V >> /app/out\nCOPY other.txt /app/\n");
        build();
        assertEquals(0, cached(), progress.toString());
        assertTrue(misses().get(0).startsWith("the instruction changed (was: COPY app.txt /app/"), misses().toString());
        assertEquals(List.of("a step before it ran", "a step before it ran"), misses().subList(1, 3));
    }

    @Test
    void aNewBaseImageDigestMissesEveryStep() throws Exception {
        BuildResult first = build();
        // the same tag now names another image: a base with one more file
        Files.writeString(tmp.resolve("base/extra.txt"), "extra\n");
        Files.writeString(tmp.resolve("base/Dockerfile"), "FROM scratch\nCOPY bin/busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCOPY extra.txt /\n");
        build(tmp.resolve("base"), Map.of(), CacheOptions.DEFAULT, "busybox:cache");
        BuildResult second = build();
        assertEquals(0, cached(), progress.toString());
        assertEquals("no earlier build of this step", misses().get(0));
        assertTrue(!first.manifestDescriptor().digest().equals(second.manifestDescriptor().digest()));
        // and back: the first base's steps are still in the cache
        Files.writeString(tmp.resolve("base/Dockerfile"), "FROM scratch\nCOPY bin/busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n");
        build(tmp.resolve("base"), Map.of(), CacheOptions.DEFAULT, "busybox:cache");
        BuildResult third = build();
        assertEquals(3, cached(), progress.toString());
        assertEquals(first.manifestDescriptor().digest(), third.manifestDescriptor().digest());
    }

    @Test
    void noCacheRunsEverythingAndNoCacheFilterOnlyItsStage() throws Exception {
        build();
        build(ctx, Map.of(), new CacheOptions(true, Set.of(), true));
        assertEquals(0, cached());
        assertEquals("the cache is disabled for this stage", misses().get(0));
        build(ctx, Map.of(), new CacheOptions(false, Set.of("other"), false));
        assertEquals(3, cached());
    }

    @Test
    void pruneKeepsWhatTheCacheReferences() throws Exception {
        build();
        store.prune(Set.of());
        build();
        assertEquals(3, cached(), progress.toString());
    }
}
