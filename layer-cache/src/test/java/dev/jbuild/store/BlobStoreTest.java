package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {
    @TempDir
    Path root;

    private static List<Path> listDir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void layoutIsCreated() throws IOException {
        Store store = Store.open(root);
        for (String d : new String[] {"blobs/sha256", "diffids/sha256", "snapshots", "tmp"}) {
            assertTrue(Files.isDirectory(root.resolve(d)), d);
        }
        assertTrue(Files.isRegularFile(root.resolve("lock")));
        assertEquals(root.toRealPath(), store.root());
    }

    @Test
    void defaultRootFollowsTheEnvironment() {
        assertEquals(Paths.get("/x/root"), Store.defaultRoot(java.util.Map.of("JBUILD_ROOT", "/x/root",
                "XDG_DATA_HOME", "/xdg"), "/home/u"));
        assertEquals(Paths.get("/xdg/jbuild"), Store.defaultRoot(java.util.Map.of("XDG_DATA_HOME", "/xdg"), "/home/u"));
        assertEquals(Paths.get("/home/u/.local/share/jbuild"),
                Store.defaultRoot(java.util.Map.of("XDG_DATA_HOME", "relative"), "/home/u"));
        assertEquals(Paths.get("/home/u/.local/share/jbuild"), Store.defaultRoot(java.util.Map.of(), "/home/u"));
        assertTrue(Store.defaultRoot().isAbsolute() || System.getenv("JBUILD_ROOT") != null);
    }

    @Test
    void putOpenHasSizeListDelete() throws IOException {
        BlobStore blobs = Store.open(root).blobs();
        byte[] content = "hello blob".getBytes(StandardCharsets.UTF_8);
        Digest d = blobs.put(content);
        assertEquals(Digest.sha256(content), d);
        assertTrue(blobs.has(d));
        assertEquals(content.length, blobs.size(d));
        assertEquals(root.resolve("blobs/sha256/" + d.hex()), blobs.path(d));
        try (InputStream in = blobs.open(d)) {
            assertArrayEquals(content, in.readAllBytes());
        }
        assertArrayEquals(content, blobs.read(d));
        assertEquals(d, blobs.put(content), "putting again is a no-op");
        Digest other = blobs.put(new byte[0]);
        assertEquals(List.of(d, other).stream().sorted().toList(), blobs.list().toList());
        assertTrue(blobs.delete(d));
        assertFalse(blobs.delete(d));
        assertFalse(blobs.has(d));
        assertThrows(NoSuchFileException.class, () -> blobs.open(d));
        assertThrows(NoSuchFileException.class, () -> blobs.size(d));
        assertEquals(List.of(), listDir(root.resolve("tmp")), "no temp files left");
    }

    @Test
    void putStreamChecksTheExpectedDigest() throws IOException {
        BlobStore blobs = Store.open(root).blobs();
        byte[] content = TestData.pattern(1, 300_000);
        Blob b = blobs.put(new ByteArrayInputStream(content), Digest.sha256(content));
        assertEquals(new Blob(Digest.sha256(content), content.length), b);
        assertEquals("application/octet-stream", b.descriptor("application/octet-stream").mediaType());
        Digest wrong = Digest.sha256(new byte[] {1});
        IOException e = assertThrows(IOException.class, () -> blobs.put(new ByteArrayInputStream(new byte[] {2}), wrong));
        assertTrue(e.getMessage().contains(wrong.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(Digest.sha256(new byte[] {2}).toString()), e.getMessage());
        assertFalse(blobs.has(wrong));
        assertFalse(blobs.has(Digest.sha256(new byte[] {2})), "a refused blob is not stored under its real digest either");
        assertEquals(List.of(), listDir(root.resolve("tmp")));
    }

    @Test
    void verificationCatchesACorruptedBlob() throws IOException {
        BlobStore blobs = Store.open(root).blobs();
        byte[] content = TestData.pattern(2, 100_000);
        Digest d = blobs.put(content);
        byte[] corrupted = content.clone();
        corrupted[50_000] ^= 1;
        Files.write(blobs.path(d), corrupted);
        IOException e = assertThrows(IOException.class, () -> {
            try (InputStream in = blobs.open(d)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        });
        assertTrue(e.getMessage().contains(d.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(Digest.sha256(corrupted).toString()), e.getMessage());
        assertThrows(IOException.class, () -> blobs.read(d));
        // skip() digests too
        assertThrows(IOException.class, () -> {
            try (InputStream in = blobs.open(d)) {
                in.skip(Long.MAX_VALUE);
                in.read();
            }
        });
    }

    @Test
    void writerClosedWithoutCommitLeavesNothing() throws IOException {
        Store store = Store.open(root);
        byte[] content = TestData.pattern(3, 200_000);
        Path tmpFile;
        try (BlobWriter w = store.blobs().writer()) {
            w.write(content);
            w.flush();
            tmpFile = w.tempFile();
            assertTrue(Files.exists(tmpFile));
            assertEquals(content.length, w.size());
        }
        assertFalse(Files.exists(tmpFile));
        assertEquals(List.of(), store.blobs().list().toList());
        assertEquals(List.of(), listDir(root.resolve("tmp")));
        assertFalse(LockFile.of(root.resolve("lock"), false).heldByThisJvm(), "the writer's shared hold is released");
    }

    @Test
    void commitIsIdempotentAndWritesAfterCommitFail() throws IOException {
        BlobStore blobs = Store.open(root).blobs();
        byte[] content = "abc".getBytes(StandardCharsets.US_ASCII);
        try (BlobWriter w = blobs.writer()) {
            w.write(content);
            Blob b = w.commit();
            assertEquals(b, w.commit());
            assertThrows(IOException.class, () -> w.write(1));
        }
        try (BlobWriter w = blobs.writer()) {
            w.write(content);
            assertEquals(Digest.sha256(content), w.commit(Digest.sha256(content)).digest());
        }
        assertEquals(1, blobs.list().count());
        assertEquals(List.of(), listDir(root.resolve("tmp")));
    }

    @Test
    @Timeout(120)
    void concurrentWritersOfTheSameContentInThreads() throws Exception {
        Store store = Store.open(root);
        byte[] content = TestData.pattern(4, 1 << 20);
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Digest>> results = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    Digest last = null;
                    for (int k = 0; k < 5; k++) {
                        try (BlobWriter w = store.blobs().writer()) {
                            for (int off = 0; off < content.length; off += 8192) {
                                w.write(content, off, 8192);
                            }
                            last = w.commit().digest();
                        }
                    }
                    return last;
                }));
            }
            start.countDown();
            for (Future<Digest> f : results) {
                assertEquals(Digest.sha256(content), f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(content, store.blobs().read(Digest.sha256(content)));
        assertEquals(List.of(), listDir(root.resolve("tmp")));
    }

    @Test
    @Timeout(180)
    void concurrentWritersInTwoProcesses() throws Exception {
        Store store = Store.open(root);
        int size = 2 << 20;
        byte[] content = TestData.pattern(42, size);
        Digest expected = Digest.sha256(content);
        try (TestData.Child child = new TestData.Child(List.of(), "write", root.toString(), "42", "20", Integer.toString(size))) {
            for (int k = 0; k < 20; k++) {
                try (BlobWriter w = store.blobs().writer()) {
                    for (int off = 0; off < content.length; off += 65536) {
                        w.write(content, off, 65536);
                    }
                    assertEquals(expected, w.commit().digest());
                }
            }
            assertEquals("OK " + expected, child.expectLine("OK", 120));
            assertEquals(0, child.waitFor(60), child.stderr());
        }
        assertArrayEquals(content, store.blobs().read(expected));
        assertEquals(List.of(expected), store.blobs().list().toList());
        assertEquals(List.of(), listDir(root.resolve("tmp")));
    }

    @Test
    @Timeout(120)
    void killedWriterLeavesNoVisibleBlobAndTheNextOpenCleansTmp() throws Exception {
        Store.open(root);
        Path tmpFile;
        try (TestData.Child child = new TestData.Child(List.of(), "hang", root.toString())) {
            String line = child.expectLine("WRITING ", 60);
            tmpFile = Paths.get(line.substring("WRITING ".length()));
            assertTrue(Files.exists(tmpFile));
            assertEquals(1 << 20, Files.size(tmpFile));
            // While the writer lives, a new Store.open leaves its (locked) temp file alone.
            Store.open(root);
            assertTrue(Files.exists(tmpFile), "a live writer's temp file survives Store.open");
            child.process.destroyForcibly();
            assertTrue(child.process.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), listDir(root.resolve("blobs/sha256")), "no partial blob is visible");
        Store store = Store.open(root);
        assertFalse(Files.exists(tmpFile), "the next open removes the dead writer's temp file");
        assertEquals(List.of(), listDir(root.resolve("tmp")));
        assertEquals(List.of(), store.blobs().list().toList());
    }

    @Test
    void openDoesNotRemoveTempFilesOfLiveWritersInThisJvm() throws IOException {
        Store store = Store.open(root);
        try (BlobWriter w = store.blobs().writer()) {
            w.write(new byte[10]);
            w.flush();
            Store.open(root);
            assertTrue(Files.exists(w.tempFile()));
            w.write(new byte[10]);
            assertEquals(20, w.commit().size());
        }
    }

    @Test
    @Timeout(60)
    @SuppressWarnings("try") // held for its scope only
    void storesOpenedThroughASymlinkShareTheirLocks() throws Exception {
        Path real = Files.createDirectory(root.resolve("real"));
        Path link = Files.createSymbolicLink(root.resolve("link"), real);
        Store a = Store.open(real);
        Store b = Store.open(link);
        assertEquals(a.root(), b.root());
        try (StoreLock shared = a.lockShared()) {
            java.util.concurrent.CompletableFuture<Boolean> other = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return b.tryLockExclusive(java.time.Duration.ofMillis(100)).isPresent();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertFalse(other.get(30, TimeUnit.SECONDS));
        }
        try (StoreLock ex = b.tryLockExclusive(java.time.Duration.ofSeconds(10)).orElseThrow()) {
            assertTrue(ex.exclusive());
        }
    }
}
