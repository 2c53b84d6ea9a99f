package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Layer;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerWriter;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Issue 4's benchmark (not a test): push and pull of an image of 5 layers (500 MB by default) to and from a local
 * docker-registry, timed against {@code skopeo copy} doing the same (an OCI layout of the same image pushed to a
 * second, empty registry, then copied back). Run by {@code registry-client/bench/push-pull.sh [TOTAL_MB]}.
 * jbuild runs in this JVM after a small warm-up; skopeo's times include its process start.
 */
public final class PushPullBenchmark {
    private PushPullBenchmark() {}

    public static void main(String[] args) throws Exception {
        long totalMb = args.length > 0 ? Long.parseLong(args[0]) : 500;
        int layers = 5;
        long layerBytes = totalMb * 1024 * 1024 / layers;
        Path work = Files.createTempDirectory("jbuild-push-pull-bench-");
        try (RegistryServer ours = RegistryServer.plain(); RegistryServer theirs = RegistryServer.plain()) {
            ours.start();
            theirs.start();
            System.out.printf("building an image of %d layers of %d MB (uncompressed random data)...%n", layers,
                    layerBytes / (1024 * 1024));
            Store src = Store.open(work.resolve("src"));
            List<Layer> ls = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                ls.add(layer(src, i, layerBytes));
            }
            TestImages.Image img = TestImages.image(src, Platform.parse("linux/amd64"), false, ls);
            Path layout = ociLayout(src, img, work.resolve("layout"));
            TestImages.Image warm = TestImages.simple(src, 99, 2);

            RegistryOptions options = RegistryOptions.builder().dockerConfigDirectory(work.resolve("docker"))
                    .certsDirectory(work.resolve("certs.d")).build();
            double push;
            double pull;
            try (RegistryClient c = new RegistryClient(options)) {
                c.push(ImageReference.parse(ours.host() + "/warmup:1"), warm.manifest(), src);
                c.pull(ImageReference.parse(ours.host() + "/warmup:1"), Platform.parse("linux/amd64"),
                        Store.open(work.resolve("warm")));
                ImageReference ref = ImageReference.parse(ours.host() + "/bench/app:1");
                long t0 = System.nanoTime();
                c.push(ref, img.manifest(), src);
                push = seconds(t0);
                Store dst = Store.open(work.resolve("dst"));
                t0 = System.nanoTime();
                c.pull(ref, Platform.parse("linux/amd64"), dst);
                pull = seconds(t0);
            }
            long t0 = System.nanoTime();
            run("skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + layout + ":bench",
                    "docker://" + theirs.host() + "/bench/app:1");
            double skopeoPush = seconds(t0);
            t0 = System.nanoTime();
            run("skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false",
                    "docker://" + theirs.host() + "/bench/app:1", "oci:" + work.resolve("skopeo-dst") + ":bench");
            double skopeoPull = seconds(t0);

            double mb = totalMb;
            System.out.printf("%-6s %10s %10s %12s %12s %8s%n", "", "jbuild s", "skopeo s", "jbuild MB/s",
                    "skopeo MB/s", "ratio");
            System.out.printf("%-6s %10.2f %10.2f %12.1f %12.1f %8.2f%n", "push", push, skopeoPush, mb / push,
                    mb / skopeoPush, push / skopeoPush);
            System.out.printf("%-6s %10.2f %10.2f %12.1f %12.1f %8.2f%n", "pull", pull, skopeoPull, mb / pull,
                    mb / skopeoPull, pull / skopeoPull);
            System.out.printf("ratio = jbuild time / skopeo time (below 1: jbuild is faster)%n");
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** A layer of one file of {@code size} generated (incompressible) bytes, streamed. */
    private static Layer layer(Store store, long seed, long size) throws IOException {
        LayerEntry f = LayerEntry.file("data/blob-" + seed, 0644, 0, 0, TestImages.EPOCH, size, () -> generated(seed, size));
        return LayerWriter.write(store.blobs(), List.of(LayerEntry.directory("data", 0755, 0, 0, TestImages.EPOCH), f),
                Compression.NONE, TestImages.EPOCH, false);
    }

    private static InputStream generated(long seed, long size) {
        SplittableRandom r = new SplittableRandom(seed);
        return new InputStream() {
            long left = size;

            @Override
            public int read() {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left) & ~7;
                if (n == 0) {
                    n = (int) Math.min(len, left);
                }
                for (int i = 0; i < n; i += 8) {
                    long v = r.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        b[off + i + j] = (byte) (v >>> (8 * j));
                    }
                }
                left -= n;
                return n;
            }
        };
    }

    /** The image as an OCI layout for skopeo (blobs hard-linked from the store). */
    private static Path ociLayout(Store store, TestImages.Image img, Path dir) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        List<Digest> all = new ArrayList<>();
        all.add(img.manifest());
        for (Descriptor d : img.blobs()) {
            all.add(d.digest());
        }
        for (Digest d : all) {
            Path target = blobs.resolve(d.hex());
            if (!Files.exists(target)) {
                Files.createLink(target, store.blobs().path(d));
            }
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + dev.jbuild.oci.MediaType.OCI_MANIFEST + "\",\"digest\":\"" + img.manifest() + "\",\"size\":"
                + img.manifestBytes().length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"bench\"}}]}",
                StandardCharsets.UTF_8);
        return dir;
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed");
        }
    }
}
