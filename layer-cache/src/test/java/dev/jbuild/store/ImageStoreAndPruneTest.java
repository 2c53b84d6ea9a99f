package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.MediaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreAndPruneTest {
    @TempDir
    Path root;
    Store store;

    @BeforeEach
    void open() throws IOException {
        store = Store.open(root);
    }

    private static Digest d(int i) {
        return Digest.sha256(new byte[] {(byte) i});
    }

    @Test
    void tagResolveUntag() throws IOException {
        ImageStore images = store.images();
        assertEquals(Map.of(), images.tags());
        assertEquals(Optional.empty(), images.resolve("docker.io/library/app:1"));
        images.tag("docker.io/library/app:1", d(1));
        images.tag("docker.io/library/app:latest", d(1));
        images.tag("localhost:5000/x/y@sha256", d(2));
        assertEquals(Optional.of(d(1)), images.resolve("docker.io/library/app:1"));
        images.tag("docker.io/library/app:1", d(3)); // retag
        assertEquals(Optional.of(d(3)), images.resolve("docker.io/library/app:1"));
        assertEquals(List.of("docker.io/library/app:1", "docker.io/library/app:latest", "localhost:5000/x/y@sha256"),
                new ArrayList<>(images.tags().keySet()));
        assertTrue(images.untag("docker.io/library/app:latest"));
        assertFalse(images.untag("docker.io/library/app:latest"));
        // persisted, and readable by a fresh Store
        assertEquals(new TreeMap<>(Map.of("docker.io/library/app:1", d(3), "localhost:5000/x/y@sha256", d(2))),
                Store.open(root).images().tags());
        String json = Files.readString(root.resolve("images.json"));
        assertTrue(json.contains("\"docker.io/library/app:1\" : \"" + d(3) + "\""), json);
        assertThrows(IllegalArgumentException.class, () -> images.tag("", d(1)));
        assertThrows(IllegalArgumentException.class, () -> images.tag("a\nb", d(1)));
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    @Timeout(120)
    void concurrentTaggingLosesNothing() throws Exception {
        int threads = 4;
        int per = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> fs = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int tt = t;
                Store s = Store.open(root);
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < per; i++) {
                        s.images().tag("img-" + tt + "-" + i, d(i));
                        // readers never see a torn file
                        s.images().tags();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * per, store.images().tags().size());
    }

    /** A little image: config + two layers, a manifest, an index; returns {index, manifest, config, layer1, layer2}. */
    private List<Object> image(int seed) throws IOException {
        Instant t = Instant.ofEpochSecond(1_600_000_000L);
        Layer l1 = LayerWriter.write(store.blobs(), List.of(LayerEntry.file("a" + seed, 0644, 0, 0, t,
                TestData.pattern(seed, 1000))), Compression.GZIP, null);
        Layer l2 = LayerWriter.write(store.blobs(), List.of(LayerEntry.file("b" + seed, 0644, 0, 0, t,
                TestData.pattern(seed + 100, 1000))), Compression.ZSTD, null);
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + l1.diffId() + "\",\"" + l2.diffId() + "\"]}}";
        Digest cfg = store.blobs().put(config.getBytes(StandardCharsets.UTF_8));
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaType.OCI_CONFIG + "\",\"digest\":\"" + cfg + "\",\"size\":" + config.length() + "},\"layers\":["
                + desc(l1) + "," + desc(l2) + "]}";
        Digest man = store.blobs().put(manifest.getBytes(StandardCharsets.UTF_8));
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + man + "\",\"size\":" + manifest.length() + "}]}";
        Digest idx = store.blobs().put(index.getBytes(StandardCharsets.UTF_8));
        return List.of(idx, man, cfg, l1, l2);
    }

    private static String desc(Layer l) {
        return "{\"mediaType\":\"" + l.descriptor().mediaType() + "\",\"digest\":\"" + l.digest() + "\",\"size\":"
                + l.descriptor().size() + "}";
    }

    @Test
    void pruneRemovesUnreachableAndKeepsReachable() throws IOException {
        List<Object> kept = image(1);
        List<Object> extra = image(2);
        List<Object> gone = image(3);
        Digest stray = store.blobs().put("stray".getBytes(StandardCharsets.UTF_8));
        store.images().tag("kept:1", (Digest) kept.get(0));
        for (List<Object> img : List.of(kept, extra, gone)) {
            store.snapshots().ensure((Layer) img.get(3));
            store.snapshots().ensure((Layer) img.get(4));
        }
        // a snapshot whose blob is gone but whose diff-id a reachable config lists survives too
        Layer l1 = (Layer) kept.get(3);

        PruneResult r = store.prune(Set.of((Digest) extra.get(1)));

        Set<Digest> reachable = new java.util.HashSet<>();
        for (List<Object> img : List.of(kept, extra)) {
            for (Object o : img.subList(img == extra ? 1 : 0, 5)) {
                reachable.add(o instanceof Layer l ? l.digest() : (Digest) o);
            }
        }
        for (Digest x : reachable) {
            assertTrue(store.blobs().has(x), "kept: " + x);
        }
        Set<Digest> removed = new java.util.TreeSet<>();
        removed.add(stray);
        removed.add((Digest) extra.get(0)); // the extra root was the manifest, its index is unreachable
        for (Object o : gone) {
            removed.add(o instanceof Layer l ? l.digest() : (Digest) o);
        }
        assertEquals(removed, r.removedBlobs());
        for (Digest x : removed) {
            assertFalse(store.blobs().has(x));
            assertTrue(store.blobs().diffId(x).isEmpty());
            assertFalse(Files.exists(store.blobs().memberIndexFile(x)), "no gzip member index outlives its blob");
        }
        assertEquals(Set.of(((Layer) gone.get(3)).diffId(), ((Layer) gone.get(4)).diffId()), r.removedSnapshots());
        assertTrue(store.snapshots().has(l1.diffId()));
        assertTrue(store.snapshots().has(((Layer) extra.get(4)).diffId()));
        assertFalse(store.snapshots().has(((Layer) gone.get(3)).diffId()));
        assertFalse(Files.exists(root.resolve("snapshots/" + ((Layer) gone.get(3)).diffId().hex() + ".lock")));
        assertTrue(r.bytesFreed() > 2000, "freed " + r.bytesFreed());

        // Prune is idempotent.
        PruneResult again = store.prune(Set.of((Digest) extra.get(1)));
        assertEquals(Set.of(), again.removedBlobs());
        assertEquals(0, again.bytesFreed());

        // Untag: everything but the extra root's closure goes.
        store.images().untag("kept:1");
        PruneResult last = store.prune(Set.of());
        assertEquals(Set.of(), Set.copyOf(store.blobs().list().toList()));
        assertEquals(List.of(), store.snapshots().list());
        assertTrue(last.removedBlobs().contains(l1.digest()));
        // Snapshots named directly as extra roots survive.
        Layer l = LayerWriter.write(store.blobs(), List.of(LayerEntry.directory("x", 0755, 0, 0, Instant.EPOCH)),
                Compression.GZIP, null);
        store.snapshots().ensure(l);
        PruneResult keepSnap = store.prune(Set.of(l.diffId()));
        assertEquals(Set.of(l.digest()), keepSnap.removedBlobs());
        assertTrue(store.snapshots().has(l.diffId()));
    }

    @Test
    void pruneKeepsSnapshotsListedInReachableConfigsWithoutTheIndex() throws IOException {
        List<Object> img = image(5);
        Layer l1 = (Layer) img.get(3);
        store.snapshots().ensure(l1);
        store.images().tag("t", (Digest) img.get(0));
        Files.delete(store.blobs().diffIdFile(l1.digest())); // index lost
        PruneResult r = store.prune(Set.of());
        assertEquals(Set.of(), r.removedSnapshots());
        assertTrue(store.snapshots().has(l1.diffId()));
    }

    @Test
    @Timeout(60)
    @SuppressWarnings("try") // held for its scope only
    void pruneWaitsForASharedLockInThisProcess() throws Exception {
        Digest unreferenced = store.blobs().put("being built".getBytes(StandardCharsets.UTF_8));
        StoreLock build = store.lockShared();
        assertFalse(build.exclusive());
        CompletableFuture<PruneResult> prune = CompletableFuture.supplyAsync(() -> {
            try {
                return Store.open(root).prune(Set.of());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> prune.get(500, TimeUnit.MILLISECONDS), "prune must block");
        assertTrue(store.blobs().has(unreferenced));
        // While blocked: new shared holds (other builds) still succeed.
        try (StoreLock other = store.lockShared()) {
            assertTrue(store.blobs().has(unreferenced));
        }
        assertThrows(IllegalStateException.class, () -> store.tryLockExclusive(Duration.ofMillis(50)),
                "the holder of a shared lock cannot upgrade it");
        assertEquals(Optional.empty(), CompletableFuture.supplyAsync(() -> {
            try {
                return store.tryLockExclusive(Duration.ofMillis(50));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(30, TimeUnit.SECONDS));
        build.close();
        build.close(); // harmless
        PruneResult r = prune.get(30, TimeUnit.SECONDS);
        assertEquals(Set.of(unreferenced), r.removedBlobs());
    }

    @Test
    @Timeout(120)
    void pruneWaitsForASharedLockInAnotherProcess() throws Exception {
        Digest unreferenced = store.blobs().put("built by the child".getBytes(StandardCharsets.UTF_8));
        try (TestData.Child child = new TestData.Child(List.of(), "shared", root.toString())) {
            child.expectLine("LOCKED", 60);
            assertEquals(Optional.empty(), store.tryLockExclusive(Duration.ofMillis(200)));
            CompletableFuture<PruneResult> prune = CompletableFuture.supplyAsync(() -> {
                try {
                    return store.prune(Set.of());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThrows(TimeoutException.class, () -> prune.get(500, TimeUnit.MILLISECONDS), "prune must block");
            assertTrue(store.blobs().has(unreferenced));
            child.sendLine("release");
            child.expectLine("RELEASED", 30);
            assertEquals(0, child.waitFor(30), child.stderr());
            assertEquals(Set.of(unreferenced), prune.get(60, TimeUnit.SECONDS).removedBlobs());
        }
    }

    @Test
    @Timeout(60)
    @SuppressWarnings("try") // held for its scope only
    void lockSemantics() throws Exception {
        try (StoreLock ex = store.lockExclusive()) {
            assertTrue(ex.exclusive());
            // re-entrant for the owner thread: a shared hold nests, and prune runs
            try (StoreLock nested = store.lockShared()) {
                assertTrue(nested.exclusive());
                store.blobs().put(new byte[] {1});
            }
            assertTrue(store.prune(Set.of()).removedBlobs().contains(Digest.sha256(new byte[] {1})));
            // another thread cannot get a shared hold meanwhile
            CountDownLatch got = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                try (StoreLock s = store.lockShared()) {
                    got.countDown();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            t.start();
            assertFalse(got.await(300, TimeUnit.MILLISECONDS));
            ex.close();
            assertTrue(got.await(30, TimeUnit.SECONDS));
            t.join();
        }
        try (StoreLock s = store.lockShared()) {
            assertThrows(IllegalStateException.class, store::lockExclusive, "no upgrade");
        }
        // a shared hold released by another thread
        StoreLock s = store.lockShared();
        Thread t = new Thread(s::close);
        t.start();
        t.join();
        assertTrue(store.tryLockExclusive(Duration.ofSeconds(10)).map(l -> {
            l.close();
            return true;
        }).orElse(false));
    }
}
