package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry.Type;
import dev.jbuild.store.RootfsSnapshots.Capabilities;
import dev.jbuild.store.RootfsSnapshots.OverlayXattrs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class RootfsSnapshotsTest {
    static final Instant T = Instant.parse("2022-02-02T02:02:02Z");
    static final Instant T2 = Instant.parse("2023-03-03T03:03:03Z");
    /** A v2 file capability: effective, cap_net_raw permitted. */
    static final byte[] CAP = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    @TempDir
    Path base;
    Path root;
    Path outside;
    Store store;

    @BeforeEach
    void open() throws IOException {
        Overlay.requireRoot();
        root = Files.createDirectory(base.resolve("store"));
        outside = Files.createDirectory(base.resolve("outside"));
        store = Store.open(root);
    }

    static Map<String, Object> stat(Path p) throws IOException {
        return Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    }

    static int mode(Path p) throws IOException {
        return (Integer) stat(p).get("mode");
    }

    static String owner(Path p) throws IOException {
        Map<String, Object> a = stat(p);
        return a.get("uid") + ":" + a.get("gid");
    }

    static Instant mtime(Path p) throws IOException {
        return ((FileTime) stat(p).get("lastModifiedTime")).toInstant();
    }

    static List<LayerEntry> everything() {
        return List.of(
                LayerEntry.directory("bin", 0755, 0, 0, T),
                LayerEntry.file("bin/su", 04755, 0, 0, T, "su".getBytes(StandardCharsets.US_ASCII)),
                LayerEntry.hardlink("bin/su2", "bin/su", 04755, 0, 0, T),
                LayerEntry.file("bin/ping", 0755, 0, 0, T, new byte[] {1}).withXattrs(Map.of(
                        "security.capability", CAP, "user.comment", "hi".getBytes(StandardCharsets.US_ASCII),
                        "trusted.overlay.redirect", "/etc".getBytes(StandardCharsets.US_ASCII),
                        "trusted.evil", new byte[] {1}, "user.overlay.opaque", new byte[] {'y'})),
                LayerEntry.file("bin/sg", 02711, 0, 42, T, new byte[0]),
                LayerEntry.symlink("bin/sh", "busybox", 0, 0, T),
                LayerEntry.symlink("odd", "a//b/", 1000, 1000, T2),
                LayerEntry.directory("tmp", 01777, 0, 0, T),
                LayerEntry.directory("ro", 0555, 0, 0, T2),
                LayerEntry.file("ro/file", 0444, 0, 0, T, new byte[] {2}),
                LayerEntry.directory("locked", 0000, 0, 0, T),
                LayerEntry.file("locked/secret", 0000, 0, 0, T, new byte[] {3}),
                LayerEntry.directory("home", 0755, 0, 0, T),
                LayerEntry.directory("home/app", 02750, 1000, 1001, T).withXattrs(Map.of("user.dir", new byte[] {7})),
                LayerEntry.file("home/app/notes", 0640, 1000, 1001, T2, "n".getBytes(StandardCharsets.US_ASCII)),
                LayerEntry.directory("dev", 0755, 0, 0, T),
                LayerEntry.device("dev/null", Type.CHAR_DEVICE, 0666, 0, 0, T, 1, 3),
                LayerEntry.device("dev/sda", Type.BLOCK_DEVICE, 0660, 0, 6, T, 8, 0),
                LayerEntry.fifo("dev/initctl", 0600, 5, 5, T),
                LayerEntry.directory("etc", 0755, 0, 0, T),
                LayerEntry.whiteout("etc/gone", T),
                LayerEntry.directory("opt", 0755, 0, 0, T),
                LayerEntry.directory("opt/app", 0700, 7, 7, T),
                LayerEntry.file("opt/app/" + LayerEntry.OPAQUE_WHITEOUT, 0, 0, 0, T, new byte[0]),
                LayerEntry.file("opt/app/kept", 0644, 0, 0, T, new byte[] {4}),
                // Both a whiteout and a directory of this layer: the directory, opaque.
                LayerEntry.whiteout("both", T),
                LayerEntry.directory("both", 0711, 0, 0, T),
                LayerEntry.file("both/x", 0644, 0, 0, T, new byte[] {5}),
                // Both a whiteout and a file: the file.
                LayerEntry.whiteout("etc/motd", T),
                LayerEntry.file("etc/motd", 0644, 0, 0, T, "hello".getBytes(StandardCharsets.US_ASCII)),
                // A whiteout in a directory the layer does not list, and a file in one.
                LayerEntry.whiteout("usr/share/doc", T),
                LayerEntry.file("var/lib/x", 0600, 3, 3, T, new byte[] {6}),
                // AUFS metadata: ignored.
                LayerEntry.directory(".wh..wh.plnk", 0700, 0, 0, T),
                LayerEntry.file(".wh..wh.plnk/123.456", 0644, 0, 0, T, new byte[0]));
    }

    @Test
    void unpacksExactOwnersModesDevicesXattrsAndOverlayWhiteouts() throws IOException {
        Layer layer = LayerWriter.write(store.blobs(), everything(), Compression.GZIP, null);
        RootfsSnapshots rootfs = store.rootfs();
        assertTrue(rootfs.exactOwners());
        assertTrue(rootfs.devices());
        assertEquals(OverlayXattrs.TRUSTED, rootfs.overlayXattrs());
        Path fs = store.snapshots().ensureRootfs(layer);
        assertEquals(root.resolve("rootfs/" + layer.diffId().hex() + "/root"), fs);
        assertEquals(fs, rootfs.path(layer.diffId()));
        assertTrue(rootfs.has(layer.diffId()));
        assertEquals(List.of(layer.diffId()), rootfs.list());
        assertEquals(new RootfsSnapshots.Info(fs, OverlayXattrs.TRUSTED, true, true, false), rootfs.info(layer.diffId()));
        assertEquals(0700, mode(root.resolve("rootfs")) & 07777, "other users never reach setuid files");
        assertEquals(0500, mode(fs.getParent()) & 07777);

        assertEquals(Posix.S_IFREG | 04755, mode(fs.resolve("bin/su")));
        assertEquals("0:0", owner(fs.resolve("bin/su")));
        assertEquals(T, mtime(fs.resolve("bin/su")));
        assertEquals(stat(fs.resolve("bin/su")).get("ino"), stat(fs.resolve("bin/su2")).get("ino"));
        assertEquals(Posix.S_IFREG | 02711, mode(fs.resolve("bin/sg")));
        assertEquals("0:42", owner(fs.resolve("bin/sg")));
        Map<String, byte[]> x = Posix.listXattrs(fs.resolve("bin/ping"));
        assertEquals(Set.of("security.capability", "user.comment"), x.keySet(), "trusted.* and user.overlay.* never applied");
        assertArrayEquals(CAP, x.get("security.capability"));
        assertEquals("busybox", Posix.readlink(fs.resolve("bin/sh")));
        assertEquals("a//b/", Posix.readlink(fs.resolve("odd")), "symlink targets are kept byte for byte");
        assertEquals("1000:1000", owner(fs.resolve("odd")));
        assertEquals(T2, mtime(fs.resolve("odd")));
        assertEquals(Posix.S_IFDIR | 01777, mode(fs.resolve("tmp")));
        assertEquals(Posix.S_IFDIR | 0555, mode(fs.resolve("ro")));
        assertEquals(T2, mtime(fs.resolve("ro")));
        assertEquals(Posix.S_IFDIR, mode(fs.resolve("locked")));
        assertEquals(Posix.S_IFREG, mode(fs.resolve("locked/secret")));
        assertEquals(Posix.S_IFDIR | 02750, mode(fs.resolve("home/app")));
        assertEquals("1000:1001", owner(fs.resolve("home/app")));
        assertArrayEquals(new byte[] {7}, Posix.getXattr(fs.resolve("home/app"), "user.dir"));
        assertEquals(T2, mtime(fs.resolve("home/app/notes")));
        assertEquals(T, mtime(fs.resolve("home/app")), "directory times are set after their children");

        Map<String, Object> devNull = stat(fs.resolve("dev/null"));
        assertEquals(Posix.S_IFCHR | 0666, (Integer) devNull.get("mode"));
        assertEquals(Posix.makedev(1, 3), (Long) devNull.get("rdev"));
        assertEquals(Posix.S_IFBLK | 0660, mode(fs.resolve("dev/sda")));
        assertEquals("0:6", owner(fs.resolve("dev/sda")));
        assertEquals(Posix.S_IFIFO | 0600, mode(fs.resolve("dev/initctl")));
        assertEquals("5:5", owner(fs.resolve("dev/initctl")));

        assertWhiteout(fs.resolve("etc/gone"));
        assertFalse(Files.exists(fs.resolve("etc/.wh.gone"), LinkOption.NOFOLLOW_LINKS));
        assertWhiteout(fs.resolve("usr/share/doc"));
        assertEquals(Posix.S_IFDIR | 0755, mode(fs.resolve("usr/share")), "implicit parents are 0755");
        assertEquals(Instant.EPOCH, mtime(fs.resolve("usr")));
        assertArrayEquals(new byte[] {'y'}, Posix.getXattr(fs.resolve("opt/app"), "trusted.overlay.opaque"));
        assertFalse(Files.exists(fs.resolve("opt/app/" + LayerEntry.OPAQUE_WHITEOUT), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isRegularFile(fs.resolve("opt/app/kept"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("7:7", owner(fs.resolve("opt/app")));
        assertNull(Posix.getXattr(fs.resolve("opt"), "trusted.overlay.opaque"));
        assertEquals(Posix.S_IFDIR | 0711, mode(fs.resolve("both")));
        assertArrayEquals(new byte[] {'y'}, Posix.getXattr(fs.resolve("both"), "trusted.overlay.opaque"));
        assertTrue(Files.isRegularFile(fs.resolve("both/x")));
        assertEquals("hello", Files.readString(fs.resolve("etc/motd")));
        assertEquals("3:3", owner(fs.resolve("var/lib/x")));
        assertFalse(Files.exists(fs.resolve(".wh..wh.plnk"), LinkOption.NOFOLLOW_LINKS));
        try (Stream<Path> s = Files.list(root.resolve("rootfs"))) {
            assertEquals(List.of(layer.diffId().hex(), layer.diffId().hex() + ".lock"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temp or probe leftovers");
        }
        assertEquals(layer.diffId(), store.blobs().diffId(layer.digest()).orElseThrow());
    }

    static void assertWhiteout(Path p) throws IOException {
        Map<String, Object> a = stat(p);
        assertEquals(Posix.S_IFCHR, (Integer) a.get("mode") & Posix.S_IFMT, p + " is a character device");
        assertEquals(0L, a.get("rdev"), p + " is 0/0");
    }

    @Test
    @Timeout(120)
    void concurrentCallersUnpackOnce() throws Exception {
        List<LayerEntry> entries = new ArrayList<>();
        entries.add(LayerEntry.directory("d", 0755, 0, 0, T));
        for (int i = 0; i < 300; i++) {
            entries.add(LayerEntry.file("d/f" + i, 0644, i, i, T, TestData.pattern(i, 1000)));
        }
        Layer layer = LayerWriter.write(store.blobs(), entries, Compression.GZIP, null);
        // Two Store objects on one root, as two builds in one JVM would have.
        Store other = Store.open(root);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Store s = i % 2 == 0 ? store : other;
                results.add(pool.submit(() -> {
                    start.await();
                    return s.rootfs().ensure(layer);
                }));
            }
            start.countDown();
            Path first = results.get(0).get();
            for (Future<Path> f : results) {
                assertEquals(first, f.get());
            }
            assertEquals(1, store.rootfs().unpacks.get() + other.rootfs().unpacks.get(), "unpacked exactly once");
            assertEquals(300, Files.list(first.resolve("d")).count());
            assertEquals("299:299", owner(first.resolve("d/f299")));
        } finally {
            pool.shutdownNow();
        }
    }

    private Digest rawLayer(TarBody body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            body.write(tar);
        }
        return store.blobs().put(out.toByteArray());
    }

    interface TarBody {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    static void put(TarArchiveOutputStream tar, String name, byte type, String content, String link) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(type == TarConstants.LF_DIR ? 0755 : 0644);
        if (link != null) {
            e.setLinkName(link);
        }
        byte[] b = content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    @Test
    void hostileLayersNeverWriteOutsideAndLeaveNothing() throws Exception {
        String escape = outside.toString();
        List<TarBody> bodies = List.of(
                tar -> {
                    put(tar, "a", TarConstants.LF_SYMLINK, null, escape);
                    put(tar, "a/passwd", TarConstants.LF_NORMAL, "pwned", null);
                },
                tar -> {
                    put(tar, "a", TarConstants.LF_SYMLINK, null, escape);
                    put(tar, "a/.wh.x", TarConstants.LF_NORMAL, "", null);
                },
                tar -> {
                    put(tar, "a", TarConstants.LF_SYMLINK, null, escape);
                    put(tar, "a/.wh..wh..opq", TarConstants.LF_NORMAL, "", null);
                },
                tar -> {
                    put(tar, "l", TarConstants.LF_SYMLINK, null, escape);
                    put(tar, "h", TarConstants.LF_LINK, null, "l/x");
                },
                tar -> {
                    put(tar, "d", TarConstants.LF_DIR, null, null);
                    put(tar, "h", TarConstants.LF_LINK, null, "d");
                },
                tar -> put(tar, "../escape", TarConstants.LF_NORMAL, "x", null),
                tar -> put(tar, "d/.wh..", TarConstants.LF_NORMAL, "", null));
        for (TarBody body : bodies) {
            Digest blob = rawLayer(body);
            Digest diffId = blob; // uncompressed: the blob is the tar
            assertThrows(LayerFormatException.class, () -> store.rootfs().ensure(diffId, blob));
            assertFalse(store.rootfs().has(diffId));
        }
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written outside");
        }
        try (Stream<Path> s = Files.list(root.resolve("rootfs"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "no temp leftovers");
        }
        assertTrue(store.rootfs().list().isEmpty());
    }

    @Test
    void aWrongDiffIdIsRefused() throws IOException {
        Layer layer = LayerWriter.write(store.blobs(), List.of(LayerEntry.directory("d", 0755, 0, 0, T)),
                Compression.GZIP, null);
        Digest wrong = Digest.sha256(new byte[] {1});
        LayerFormatException e = assertThrows(LayerFormatException.class,
                () -> store.rootfs().ensure(wrong, layer.digest()));
        assertTrue(e.getMessage().contains("not the diff-id"), e.getMessage());
        assertFalse(store.rootfs().has(wrong));
    }

    @Test
    void pruneRemovesUnreferencedRootfsSnapshots() throws IOException {
        Layer kept = LayerWriter.write(store.blobs(), List.of(LayerEntry.directory("k", 0755, 0, 0, T)),
                Compression.GZIP, null);
        Layer dropped = LayerWriter.write(store.blobs(), List.of(
                LayerEntry.directory("locked", 0000, 0, 0, T),
                LayerEntry.file("locked/f", 04755, 0, 0, T, new byte[] {1})), Compression.GZIP, null);
        store.rootfs().ensure(kept);
        store.rootfs().ensure(dropped);
        PruneResult r = store.prune(Set.of(kept.digest()));
        assertTrue(r.removedSnapshots().contains(dropped.diffId()));
        assertFalse(r.removedSnapshots().contains(kept.diffId()));
        assertEquals(List.of(kept.diffId()), store.rootfs().list());
        assertFalse(Files.exists(root.resolve("rootfs/" + dropped.diffId().hex())));
        assertFalse(Files.exists(root.resolve("rootfs/" + dropped.diffId().hex() + ".lock")));
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void withoutPrivilegesOwnersAndDevicesAreLeftOutAndOpaqueUsesUserXattrs() throws IOException {
        Layer layer = LayerWriter.write(store.blobs(), everything(), Compression.GZIP, null);
        RootfsSnapshots rootfs = store.rootfs();
        Path exact = rootfs.ensure(layer);
        rootfs.forceCapabilities(new Capabilities(OverlayXattrs.USER, false, false));
        assertFalse(rootfs.exactOwners());
        assertFalse(rootfs.devices());
        assertEquals(OverlayXattrs.USER, rootfs.overlayXattrs());
        Path fs = rootfs.ensure(layer);
        assertEquals(root.resolve("rootfs/" + layer.diffId().hex() + "-u/root"), fs, "a variant of its own");
        assertEquals(new RootfsSnapshots.Info(fs, OverlayXattrs.USER, false, false, false), rootfs.info(layer.diffId()));
        assertEquals("0:0", owner(fs.resolve("home/app/notes")), "the unpacking user's");
        assertEquals(Posix.S_IFREG | 04755, mode(fs.resolve("bin/su")));
        assertFalse(Files.exists(fs.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(fs.resolve("dev/sda"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(Posix.S_IFIFO | 0600, mode(fs.resolve("dev/initctl")));
        assertWhiteout(fs.resolve("etc/gone"));
        assertArrayEquals(new byte[] {'y'}, Posix.getXattr(fs.resolve("opt/app"), "user.overlay.opaque"));
        assertNull(Posix.getXattr(fs.resolve("opt/app"), "trusted.overlay.opaque"));
        assertTrue(Files.isDirectory(exact), "the exact variant is untouched");
        assertEquals(List.of(layer.diffId()), rootfs.list());
        assertTrue(store.rootfs().delete(layer.diffId()) > 0);
        assertFalse(Files.exists(exact) || Files.exists(fs));
    }
}
