package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry.Type;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
    static final Instant T = Instant.parse("2022-02-02T02:02:02Z");

    @TempDir
    Path base;
    Path root;
    Path outside;
    Store store;

    @BeforeEach
    void open() throws IOException {
        root = Files.createDirectory(base.resolve("store"));
        outside = Files.createDirectory(base.resolve("outside"));
        store = Store.open(root);
    }

    private static List<Path> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).sorted().toList();
        }
    }

    @Test
    void unpacksFilesDirectoriesLinksAndWhiteouts() throws IOException {
        byte[] secret = "top secret".getBytes(StandardCharsets.US_ASCII);
        byte[] cap = {1, 0, 0, 2, (byte) 0x80, 0, 0, 0};
        List<LayerEntry> entries = List.of(
                LayerEntry.directory("etc", 0755, 0, 0, T),
                LayerEntry.file("etc/shadow", 0000, 0, 42, T, secret),
                LayerEntry.directory("ro", 0555, 0, 0, T),
                LayerEntry.file("ro/file", 0444, 0, 0, T, new byte[] {1}),
                LayerEntry.file("bin/ping", 04755, 0, 0, T, new byte[] {2, 3}).withXattrs(Map.of("security.capability", cap)),
                LayerEntry.hardlink("bin/ping6", "bin/ping", 04755, 0, 0, T),
                LayerEntry.symlink("bin/sh", "/bin/busybox", 0, 0, T),
                LayerEntry.symlink("dangling", "../../../nowhere", 0, 0, T),
                LayerEntry.whiteout("usr/share/doc", T),
                LayerEntry.file("var/" + LayerEntry.OPAQUE_WHITEOUT, 0, 0, 0, T, new byte[0]),
                LayerEntry.device("dev/null", Type.CHAR_DEVICE, 0666, 0, 0, T, 1, 3),
                LayerEntry.fifo("run/initctl", 0600, 0, 0, T),
                LayerEntry.file("home/u/odd\tname,with=chars%", 0640, 1000, 1000, T.plusNanos(5), new byte[] {9}));
        Layer layer = LayerWriter.write(store.blobs(), entries, Compression.GZIP, null);
        Path fs = store.snapshots().ensure(layer);
        assertEquals(root.resolve("snapshots/" + layer.diffId().hex() + "/fs"), fs);
        assertTrue(store.snapshots().has(layer.diffId()));
        assertEquals(List.of(layer.diffId()), store.snapshots().list());

        assertArrayEquals(secret, Files.readAllBytes(fs.resolve("etc/shadow")), "readable although mode 0000");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fs.resolve("etc/shadow"))));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(fs.resolve("ro"))));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(fs.resolve("bin/ping"))),
                "setuid is not applied on disk");
        assertEquals(T, Files.getLastModifiedTime(fs.resolve("etc/shadow")).toInstant());
        assertEquals(T, Files.getLastModifiedTime(fs.resolve("etc")).toInstant());
        assertEquals(Files.readAttributes(fs.resolve("bin/ping"), "unix:ino"),
                Files.readAttributes(fs.resolve("bin/ping6"), "unix:ino"), "hardlinks are links");
        assertTrue(Files.isSymbolicLink(fs.resolve("bin/sh")));
        assertEquals("/bin/busybox", Files.readSymbolicLink(fs.resolve("bin/sh")).toString());
        assertTrue(Files.isSymbolicLink(fs.resolve("dangling")));
        assertTrue(Files.isRegularFile(fs.resolve("usr/share/.wh.doc"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(0, Files.size(fs.resolve("usr/share/.wh.doc")));
        assertTrue(Files.isRegularFile(fs.resolve("var/.wh..wh..opq")));
        assertTrue(Files.isRegularFile(fs.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS), "device placeholder");
        assertEquals(0, Files.size(fs.resolve("dev/null")));

        // Metadata round trip: exactly the entries the layer has, in archive order.
        List<LayerEntry> meta = store.snapshots().entries(layer.diffId());
        assertEquals(LayerWriter.normalize(entries, null), meta);
        LayerEntry shadow = meta.stream().filter(e -> e.path().equals("etc/shadow")).findFirst().orElseThrow();
        assertEquals(0, shadow.mode());
        assertEquals(42, shadow.gid());
        try (InputStream in = shadow.content().open()) {
            assertArrayEquals(secret, in.readAllBytes());
        }
        LayerEntry ping = meta.stream().filter(e -> e.path().equals("bin/ping")).findFirst().orElseThrow();
        assertEquals(04755, ping.mode());
        assertArrayEquals(cap, ping.xattrs().get("security.capability"));
        assertTrue(meta.stream().filter(LayerEntry::isWhiteout).map(LayerEntry::path).toList()
                .containsAll(List.of("usr/share/.wh.doc", "var/.wh..wh..opq")));
        // The metadata can rebuild the very same layer.
        assertEquals(layer, LayerWriter.write(store.blobs(), meta, Compression.GZIP, null));

        // Second ensure is a no-op returning the same path; the diff-id index knows the blob.
        assertEquals(fs, store.snapshots().ensure(layer.diffId(), layer.digest()));
        assertEquals(layer.diffId(), store.blobs().diffId(layer.digest()).orElseThrow());
        assertTrue(tree(root.resolve("tmp")).isEmpty());
    }

    @Test
    void duplicateEntriesFollowTarSemantics() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            put(tar, "d/", TarConstants.LF_DIR, null, null);
            put(tar, "d/f", TarConstants.LF_NORMAL, "one", null);
            put(tar, "d/f", TarConstants.LF_NORMAL, "two", null);
            put(tar, "x", TarConstants.LF_DIR, null, null);
            put(tar, "x/child", TarConstants.LF_NORMAL, "c", null);
            put(tar, "x", TarConstants.LF_SYMLINK, null, "d");
        }
        Digest blob = store.blobs().put(out.toByteArray());
        Digest diffId = Digest.sha256(out.toByteArray());
        Path fs = store.snapshots().ensure(diffId, blob);
        assertEquals("two", Files.readString(fs.resolve("d/f")));
        assertTrue(Files.isSymbolicLink(fs.resolve("x")));
        assertEquals(List.of("d", "d/f", "x"), store.snapshots().entries(diffId).stream().map(LayerEntry::path).sorted().toList());
    }

    private static void put(TarArchiveOutputStream tar, String name, byte type, String content, String link) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setModTime(0);
        if (link != null) {
            e.setLinkName(link);
        }
        byte[] c = content == null ? new byte[0] : content.getBytes(StandardCharsets.US_ASCII);
        e.setSize(type == TarConstants.LF_NORMAL ? c.length : 0);
        tar.putArchiveEntry(e);
        if (type == TarConstants.LF_NORMAL) {
            tar.write(c);
        }
        tar.closeArchiveEntry();
    }

    /** A tar with arbitrary (unvalidated) entries: name, type, content or link target. */
    private Digest hostile(String[][] entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (String[] e : entries) {
                byte type = (byte) e[1].charAt(0);
                put(tar, e[0], type, type == TarConstants.LF_NORMAL ? e[2] : null,
                        type == TarConstants.LF_SYMLINK || type == TarConstants.LF_LINK ? e[2] : null);
            }
        }
        return store.blobs().put(out.toByteArray());
    }

    private void assertRefused(Digest blob, String entryPath) throws IOException {
        Digest diffId = Digest.sha256(store.blobs().read(blob));
        LayerFormatException e = assertThrows(LayerFormatException.class, () -> store.snapshots().ensure(diffId, blob));
        assertTrue(e.getMessage().contains("layer " + blob), e.getMessage());
        assertEquals(entryPath, e.entryPath(), e.getMessage());
        assertFalse(store.snapshots().has(diffId));
        assertFalse(Files.exists(store.snapshots().path(diffId)));
        assertEquals(List.of(), tree(outside), "nothing was written outside the snapshot");
        try (Stream<Path> s = Files.list(root.resolve("snapshots"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "the temp directory is gone");
        }
    }

    @Test
    void hostileLayersWriteNothingOutsideTheSnapshot() throws IOException {
        String out = outside.toString();
        // a symlink to a directory outside, then a file below it
        assertRefused(hostile(new String[][] {{"a", "2", out}, {"a/passwd", "0", "pwned"}}), "a/passwd");
        // the same through a relative symlink climbing out of the snapshot
        assertRefused(hostile(new String[][] {{"rel", "2", "../../../../../../../../.." + out},
            {"rel/passwd", "0", "pwned"}}), "rel/passwd");
        // a symlink to a directory inside the snapshot is refused too (the layer must not write through links)
        assertRefused(hostile(new String[][] {{"real", "5", ""}, {"in", "2", "real"}, {"in/f", "0", "x"}}), "in/f");
        // .. and absolute names
        assertRefused(hostile(new String[][] {{"ok", "0", "fine"}, {"../x", "0", "pwned"}}), "../x");
        assertRefused(hostile(new String[][] {{"/abs", "0", "pwned"}}), "/abs");
        assertRefused(hostile(new String[][] {{"a/../../x", "0", "pwned"}}), "a/../../x");
        // a hardlink to a file outside
        assertRefused(hostile(new String[][] {{"h", "1", "../../outside/x"}}), "h");
        // a hardlink through a symlinked directory
        assertRefused(hostile(new String[][] {{"s", "2", out}, {"h", "1", "s/x"}}), "h");
        // a file replacing a symlink must not write through it
        Files.writeString(outside.resolve("target"), "original");
        Digest blob = hostile(new String[][] {{"f", "2", outside.resolve("target").toString()}, {"f", "0", "pwned"}});
        Digest diffId = Digest.sha256(store.blobs().read(blob));
        Path fs = store.snapshots().ensure(diffId, blob);
        assertEquals("pwned", Files.readString(fs.resolve("f")));
        assertFalse(Files.isSymbolicLink(fs.resolve("f")));
        assertEquals("original", Files.readString(outside.resolve("target")));
        Files.delete(outside.resolve("target"));
        assertEquals(List.of(), tree(outside));
    }

    @Test
    void diffIdMismatchIsRefused() throws IOException {
        Layer layer = LayerWriter.write(store.blobs(), LayerWriterTest.sample(0), Compression.GZIP, null);
        Digest wrong = Digest.sha256(new byte[] {1});
        LayerFormatException e = assertThrows(LayerFormatException.class, () -> store.snapshots().ensure(wrong, layer.digest()));
        assertTrue(e.getMessage().contains(layer.diffId().toString()) && e.getMessage().contains(wrong.toString()), e.getMessage());
        assertFalse(store.snapshots().has(wrong));
    }

    @Test
    @Timeout(120)
    void concurrentCallersUnpackOnce() throws Exception {
        List<LayerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            entries.add(LayerEntry.file("f" + i, 0644, 0, 0, T, TestData.pattern(i, 5000)));
        }
        Layer layer = LayerWriter.write(store.blobs(), entries, Compression.ZSTD, null);
        int n = 6;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Path>> results = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                // separate Store objects, as separate processes would have
                Store s = Store.open(root);
                results.add(pool.submit(() -> {
                    go.await();
                    return s.snapshots().ensure(layer);
                }));
            }
            go.countDown();
            for (Future<Path> f : results) {
                assertEquals(store.snapshots().fs(layer.diffId()), f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(200, store.snapshots().entries(layer.diffId()).size());
        assertEquals(List.of(layer.diffId()), store.snapshots().list());
    }

    @Test
    void metadataEscaping() {
        for (String s : List.of("plain", "tab\there", "new\nline", "pct%20", "a,b=c", "ünï", "\u007f")) {
            assertEquals(s, SnapshotStore.unescape(SnapshotStore.escape(s)));
            assertFalse(SnapshotStore.escape(s).contains("\t") || SnapshotStore.escape(s).contains("\n"));
        }
    }
}
