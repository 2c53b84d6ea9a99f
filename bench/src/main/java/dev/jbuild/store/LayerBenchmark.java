package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
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

/**
 * The layer pipeline's parts, each alone and together: sha256 digesting, gzip (parallel members)
 * and zstd compression of 16 MiB of text-like or random data, tar writing of many small files
 * (uncompressed), a whole layer into a store, and the overlay diff of an upper directory.
 * Throughput in operations per second; one operation of sha256, gzipParallel or zstd is 16 MiB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LayerBenchmark {
    private static final int SIZE = 16 << 20;

    /** text: compresses about 4:1; random: incompressible (stored by the gzip writer). */
    @Param({"text", "random"})
    String data;

    private byte[] input;
    private Path dir;
    private Store store;
    private List<LayerEntry> smallFiles;
    private Path upper;

    /** Discards bytes (the cost of a sink, not of a disk). */
    private static final class Null extends OutputStream {
        long n;

        @Override
        public void write(int b) {
            n++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            n += len;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        input = new byte[SIZE];
        if (data.equals("random")) {
            new Random(42).nextBytes(input);
        } else {
            StringBuilder sb = new StringBuilder();
            Random r = new Random(42);
            while (sb.length() < SIZE) {
                sb.append("usr/lib/x86_64-linux-gnu/lib").append(r.nextInt(5000)).append(".so.").append(r.nextInt(9))
                        .append(" 0755 root:root ").append(r.nextLong()).append('\n');
            }
            System.arraycopy(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, input, 0, SIZE);
        }
        dir = Files.createTempDirectory("jbuild-jmh-layer");
        store = Store.open(dir.resolve("store"));
        smallFiles = new ArrayList<>();
        Path files = Files.createDirectories(dir.resolve("files"));
        upper = Files.createDirectories(dir.resolve("upper"));
        Instant t = Instant.ofEpochSecond(1_700_000_000L);
        for (int i = 0; i < 2000; i++) {
            byte[] content = java.util.Arrays.copyOfRange(input, i * 512, i * 512 + 100 + i % 400);
            Path f = files.resolve("f" + i);
            Files.write(f, content);
            Files.createDirectories(upper.resolve("d" + i / 100));
            Files.write(upper.resolve("d" + i / 100).resolve("f" + i), content);
            smallFiles.add(LayerEntry.file("app/d" + i / 100 + "/f" + i, 0644, 0, 0, t, content.length,
                    () -> Files.newInputStream(f)));
        }
        for (int i = 0; i < 20; i++) {
            smallFiles.add(LayerEntry.directory("app/d" + i, 0755, 0, 0, t));
        }
        smallFiles.add(LayerEntry.directory("app", 0755, 0, 0, t));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public Digest sha256() {
        MessageDigest md = Digest.newSha256();
        md.update(input);
        return Digest.fromMessageDigest(md.digest());
    }

    @Benchmark
    public long gzipParallel() throws IOException {
        Null sink = new Null();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(sink, Deflater.DEFAULT_COMPRESSION)) {
            gz.write(input);
        }
        return sink.n;
    }

    @Benchmark
    public long zstd() throws IOException {
        Null sink = new Null();
        try (com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(sink,
                LayerWriter.ZSTD_LEVEL)) {
            z.setChecksum(true);
            z.write(input);
        }
        return sink.n;
    }

    /** 2,000 small files and 21 directories as an uncompressed tar (headers, padding, sorting). */
    @Benchmark
    public long tarSmallFiles() throws IOException {
        Null sink = new Null();
        LayerWriter.writeTar(sink, smallFiles, null);
        return sink.n;
    }

    /** The whole pipeline into a store: tar, diff-id, gzip, blob digest, temp file, fsync, rename. */
    @Benchmark
    public Layer layerGzip() throws IOException {
        return LayerWriter.write(store.blobs(), smallFiles, Compression.GZIP, null);
    }

    @Benchmark
    public Layer layerZstd() throws IOException {
        return LayerWriter.write(store.blobs(), smallFiles, Compression.ZSTD, null);
    }

    /** The overlay diff of an upper directory of 2,000 new files (nothing known below). */
    @Benchmark
    public List<LayerEntry> upperDiff() throws IOException {
        return UpperDiff.entries(upper, null, null);
    }
}
