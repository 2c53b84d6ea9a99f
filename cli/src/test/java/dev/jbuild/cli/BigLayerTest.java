package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.registry.RegistryServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource use: jbuild, in a JVM limited to a 256 MB heap, builds an image with a 2 GB layer (a file of
 * incompressible bytes) and pushes it to a registry. It succeeds (an OutOfMemoryError would end the JVM), its
 * peak heap after garbage collections (from the JVM's own GC log) stays below 256 MB, the store holds one copy of
 * the layer (plus small metadata), and the registry has the layer whole. Long: runs under -Preliability.
 */
@Tag("long")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BigLayerTest {
    static final long SIZE = 2L << 30;

    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    @TempDir
    Path tmp;

    @Test
    void aTwoGigabyteLayerIsBuiltAndPushedWithA256MegabyteHeap() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        writeIncompressible(ctx.resolve("big.bin"), SIZE);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY big.bin /big.bin\n");
        Path root = tmp.resolve("root");
        Path gcLog = tmp.resolve("gc.log");
        String image = REGISTRY.host() + "/big/layer:1";
        List<String> cmd = new ArrayList<>(RunFixtures.jbuildCommand("--root", root, "--compression", "zstd", "-t", image,
                "--push", ctx));
        cmd.addAll(1, List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + gcLog));
        long t0 = System.nanoTime();
        Cli.Result r = RunFixtures.run(new ProcessBuilder(cmd));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue((r.out() + r.err()).contains("digest: sha256:"), r.out() + r.err());

        long peakAfterGc = peakHeapAfterGc(Files.readString(gcLog));
        assertTrue(peakAfterGc < 256L << 20, "heap after GC peaked at " + (peakAfterGc >> 20) + " MB");
        long store = treeSize(root);
        assertTrue(store < SIZE + (SIZE / 100) + (64L << 20), "the store holds one copy of the layer: " + store + " bytes");
        long registry = treeSize(REGISTRY.log().getParent().resolve("data"));
        assertTrue(registry > SIZE && registry < 2 * SIZE, "the registry has the layer once: " + registry + " bytes");
        System.out.println("2 GB layer: built and pushed in " + seconds + " s, peak heap after GC " + (peakAfterGc >> 20)
                + " MB, store " + (store >> 20) + " MB");
        Files.createDirectories(RunFixtures.MODULE.resolve("target/reliability"));
        Files.writeString(RunFixtures.MODULE.resolve("target/reliability/big-layer.txt"), "seconds=" + seconds
                + "\npeakHeapAfterGcMB=" + (peakAfterGc >> 20) + "\nstoreMB=" + (store >> 20) + "\n");
    }

    /** Bytes from a fast PRNG: nothing compresses them, so the pushed layer is 2 GB too. */
    private static void writeIncompressible(Path file, long size) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buf.capacity()) {
                buf.clear();
                while (buf.hasRemaining()) {
                    buf.putLong(random.nextLong());
                }
                out.write(buf.array());
            }
        }
    }

    /** The largest "NNNM->MMMM(" heap-after-collection figure of a unified GC log, in bytes. */
    static long peakHeapAfterGc(String log) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)").matcher(log);
        long peak = 0;
        int found = 0;
        while (m.find()) {
            peak = Math.max(peak, Long.parseLong(m.group(2)) << 20);
            found++;
        }
        assertTrue(found > 0, "no collections in the GC log:\n" + log);
        return peak;
    }

    private static long treeSize(Path root) throws IOException {
        long[] total = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                total[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
