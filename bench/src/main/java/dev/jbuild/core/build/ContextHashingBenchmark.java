package dev.jbuild.core.build;

import dev.jbuild.core.context.PatternMatcher;
import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Context hashing as a COPY of a W3-like context does it: walking the context (one stat per path)
 * and the content digest of every file through {@link ContentHasher}, cold (every file read) and
 * with the stat cache warm (the no-op rebuild: stats only).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ContextHashingBenchmark {
    @Param("5000")
    int files;

    private Path dir;
    private Path ctx;
    private Path warmCache;

    @Setup(Level.Trial)
    public void setUp() throws IOException, BuildException {
        dir = Files.createTempDirectory("jbuild-jmh-ctx");
        ctx = Files.createDirectories(dir.resolve("ctx"));
        for (int i = 0; i < files; i++) {
            Path d = Files.createDirectories(ctx.resolve(String.format("d%03d", i / 100)));
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < i % 20 + 5; j++) {
                sb.append("line ").append(j).append(" of file ").append(i).append('\n');
            }
            Files.writeString(d.resolve(String.format("f%05d.txt", i)), sb, StandardCharsets.UTF_8);
        }
        // Files younger than 2 s are never remembered by the stat cache.
        Files.walk(ctx).forEach(p -> p.toFile().setLastModified(System.currentTimeMillis() - 60_000));
        warmCache = dir.resolve("warm.tsv");
        ContentHasher warm = new ContentHasher(warmCache);
        for (LayerEntry e : new ContextFs(ctx, PatternMatcher.empty()).walk("")) {
            if (e.content() != null) {
                warm.digest(e.content());
            }
        }
        warm.save();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void hashAll(ContentHasher hasher, Blackhole bh) throws IOException, BuildException {
        // A ContextFs per call, as a build makes one: it keeps each walk for the build.
        List<LayerEntry> entries = new ContextFs(ctx, PatternMatcher.empty()).walk("");
        for (LayerEntry e : entries) {
            if (e.content() != null) {
                Digest d = hasher.digest(e.content());
                bh.consume(d);
            }
        }
    }

    /** Cold: no stat cache, every file is read and digested. */
    @Benchmark
    public void walkAndHashCold(Blackhole bh) throws IOException, BuildException {
        hashAll(new ContentHasher(dir.resolve("absent.tsv")), bh);
    }

    /** No-op rebuild: the stat cache answers every file (loading it included). */
    @Benchmark
    public void walkAndHashWarm(Blackhole bh) throws IOException, BuildException {
        hashAll(new ContentHasher(warmCache), bh);
    }
}
