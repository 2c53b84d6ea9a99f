package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.store.LayerEntry.Type;
import dev.jbuild.store.RootfsSnapshots.Capabilities;
import dev.jbuild.store.RootfsSnapshots.OverlayXattrs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rootfs snapshots as overlay lower dirs and upper-dir diffs, with real overlay mounts. */
class UpperDiffTest {
    static final Instant T = Instant.parse("2022-02-02T02:02:02Z");
    static final Instant T1 = Instant.parse("2021-01-01T01:01:01Z");

    @TempDir
    Path base;
    Store store;

    @BeforeEach
    void open() throws IOException {
        Overlay.requireRoot();
        store = Store.open(base.resolve("store"));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The base layer of the image. */
    static List<LayerEntry> layer1() {
        return List.of(
                LayerEntry.directory("bin", 0755, 0, 0, T1),
                LayerEntry.file("bin/a", 0755, 0, 0, T1, b("a")),
                LayerEntry.hardlink("bin/b", "bin/a", 0755, 0, 0, T1),
                LayerEntry.file("bin/su", 04755, 0, 0, T1, b("su")),
                LayerEntry.file("bin/tool", 0755, 0, 0, T1, b("tool")),
                LayerEntry.directory("data", 0755, 0, 0, T1),
                LayerEntry.file("data/x", 0644, 0, 0, T1, b("x")),
                LayerEntry.directory("etc", 0755, 0, 0, T1),
                LayerEntry.file("etc/passwd", 0644, 0, 0, T1, b("root:x:0:0::/root:/bin/sh\n")),
                LayerEntry.file("etc/old", 0644, 0, 0, T1, b("old")),
                LayerEntry.file("etc/old2", 0644, 0, 0, T1, b("old2")),
                LayerEntry.file("etc/motd", 0644, 0, 0, T1, b("motd")),
                LayerEntry.file("etc/unchanged", 0644, 0, 0, T1, b("same")),
                LayerEntry.directory("home", 0755, 0, 0, T1),
                LayerEntry.directory("home/app", 0700, 1000, 1000, T1),
                LayerEntry.file("home/app/file", 0600, 1000, 1000, T1, b("mine")),
                LayerEntry.directory("opt", 0755, 0, 0, T1),
                LayerEntry.directory("opt/app", 0755, 0, 0, T1),
                LayerEntry.file("opt/app/lower-only", 0644, 0, 0, T1, b("lower")),
                LayerEntry.directory("srv", 0755, 0, 0, T1),
                LayerEntry.directory("srv/data", 0750, 33, 33, T1),
                LayerEntry.file("srv/data/one", 0640, 33, 33, T1, b("1")),
                LayerEntry.directory("srv/data/sub", 0750, 33, 33, T1),
                LayerEntry.file("srv/data/sub/two", 0640, 33, 33, T1, b("2")),
                LayerEntry.directory("tmp", 01777, 0, 0, T1),
                LayerEntry.directory("usr", 0755, 0, 0, T1),
                LayerEntry.directory("usr/bin", 0755, 0, 0, T1),
                LayerEntry.file("usr/bin/prog", 0755, 0, 0, T1, b("prog")),
                LayerEntry.directory("usr/share", 0755, 0, 0, T1),
                LayerEntry.directory("usr/share/doc", 0755, 0, 0, T1),
                LayerEntry.file("usr/share/doc/readme", 0644, 0, 0, T1, b("doc")),
                LayerEntry.directory("var", 0755, 0, 0, T1),
                LayerEntry.directory("var/cache", 0755, 0, 0, T1),
                LayerEntry.file("var/cache/c", 0644, 0, 0, T1, b("c")));
    }

    /** A second image layer: a whiteout, an opaque directory, a new file. */
    static List<LayerEntry> layer2() {
        return List.of(
                LayerEntry.directory("etc", 0755, 0, 0, T1),
                LayerEntry.whiteout("etc/old2", T),
                LayerEntry.directory("opt", 0755, 0, 0, T1),
                LayerEntry.directory("opt/app", 0755, 0, 0, T),
                LayerEntry.file("opt/app/" + LayerEntry.OPAQUE_WHITEOUT, 0, 0, 0, T, new byte[0]),
                LayerEntry.file("opt/app/new", 0644, 0, 0, T, b("new")),
                LayerEntry.directory("usr", 0755, 0, 0, T1),
                LayerEntry.directory("usr/share", 0755, 0, 0, T1),
                LayerEntry.whiteout("usr/share/doc", T),
                LayerEntry.file("l2file", 0644, 0, 0, T, b("l2")));
    }

    private List<Path> lowers(List<Layer> layers) throws IOException {
        List<Path> out = new ArrayList<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            out.add(store.rootfs().ensure(layers.get(i)));
        }
        return out;
    }

    /** The merged metadata of the layers below, as the builder's file tree has it. */
    private Function<String, LayerEntry> lowerEntries(List<Layer> layers) throws IOException {
        Map<String, LayerEntry> tree = new TreeMap<>();
        for (Layer l : layers) {
            store.snapshots().ensure(l);
            for (LayerEntry e : store.snapshots().entries(l.diffId())) {
                String name = e.name();
                String parent = e.parent();
                if (e.isOpaqueWhiteout()) {
                    tree.keySet().removeIf(p -> p.startsWith(parent + "/"));
                } else if (e.isWhiteout()) {
                    String t = (parent.isEmpty() ? "" : parent + "/") + name.substring(4);
                    tree.keySet().removeIf(p -> p.equals(t) || p.startsWith(t + "/"));
                } else {
                    tree.put(e.path(), e);
                }
            }
        }
        return tree::get;
    }

    @Test
    void rootfsSnapshotsMergeWithWhiteoutsOpaqueDirsAndExactOwners() throws Exception {
        List<Layer> image = List.of(
                LayerWriter.write(store.blobs(), layer1(), Compression.GZIP, null),
                LayerWriter.write(store.blobs(), layer2(), Compression.GZIP, null));
        checkMerged(image, lowers(image), OverlayXattrs.TRUSTED);
    }

    @Test
    void userXattrSnapshotsMergeWithTheUserxattrOption() throws Exception {
        store.rootfs().forceCapabilities(new Capabilities(OverlayXattrs.USER, true, true));
        List<Layer> image = List.of(
                LayerWriter.write(store.blobs(), layer1(), Compression.GZIP, null),
                LayerWriter.write(store.blobs(), layer2(), Compression.GZIP, null));
        checkMerged(image, lowers(image), OverlayXattrs.USER);
    }

    private void checkMerged(List<Layer> image, List<Path> lowers, OverlayXattrs option) throws Exception {
        try (Overlay o = Overlay.mount(base.resolve("mnt"), lowers, option)) {
            Path m = o.merged;
            assertFalse(Files.exists(m.resolve("etc/old2"), LinkOption.NOFOLLOW_LINKS), "whiteout hides the lower file");
            assertTrue(Files.exists(m.resolve("etc/old")));
            assertEquals(Set.of("new"), names(m.resolve("opt/app")), "opaque directory hides the lower content");
            assertFalse(Files.exists(m.resolve("usr/share/doc"), LinkOption.NOFOLLOW_LINKS), "whiteout hides a directory");
            assertEquals(Posix.S_IFREG | 04755, RootfsSnapshotsTest.mode(m.resolve("bin/su")));
            assertEquals("1000:1000", RootfsSnapshotsTest.owner(m.resolve("home/app/file")));
            assertEquals(Posix.S_IFDIR | 0700, RootfsSnapshotsTest.mode(m.resolve("home/app")));
            assertEquals(Posix.S_IFDIR | 01777, RootfsSnapshotsTest.mode(m.resolve("tmp")));
            // The whole merged tree is what an OCI reader makes of the layers.
            TreeMap<String, String> merged = Overlay.describe(m, Set.of());
            Path applied = Files.createDirectories(base.resolve("applied"));
            Overlay.apply(store, applied, uncompressed(image));
            assertEquals(Overlay.describe(applied, Set.of()), merged);
        }
    }

    /** The same layers without compression (GNU tar reads the blob files directly). */
    private List<Layer> uncompressed(List<Layer> layers) throws IOException {
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            store.snapshots().ensure(l);
            List<LayerEntry> entries = store.snapshots().entries(l.diffId());
            Layer plain = LayerWriter.write(store.blobs(), entries, Compression.NONE, null);
            assertEquals(l.diffId(), plain.diffId());
            out.add(plain);
        }
        return out;
    }

    static Set<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void theUpperDirectoryIsTheLayerOfTheStep() throws Exception {
        List<Layer> image = List.of(
                LayerWriter.write(store.blobs(), layer1(), Compression.GZIP, null),
                LayerWriter.write(store.blobs(), layer2(), Compression.GZIP, null));
        byte[] cap = RootfsSnapshotsTest.CAP;
        TreeMap<String, String> merged;
        Set<String> upperDirs = new TreeSet<>();
        List<LayerEntry> entries;
        Path upper;
        try (Overlay o = Overlay.mount(base.resolve("mnt"), lowers(image), OverlayXattrs.TRUSTED)) {
            Path m = o.merged;
            upper = o.upper;
            // What an executor does before the step: mount points that the image lacks.
            Files.createDirectory(m.resolve("proc"));
            Files.createDirectory(m.resolve("sys"));
            Files.createFile(m.resolve("etc/resolv.conf"));
            // The step.
            Files.write(m.resolve("new.txt"), b("new file"));
            Posix.setXattr(m.resolve("new.txt"), "user.comment", b("hello"));
            Files.createDirectories(m.resolve("newdir/sub"));
            Files.write(m.resolve("newdir/sub/f"), b("deep"));
            Files.write(m.resolve("etc/passwd"), b("root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"));
            Files.delete(m.resolve("etc/old"));
            Fs.deleteTree(m.resolve("var/cache"));
            Fs.deleteTree(m.resolve("srv/data"));
            Files.createDirectory(m.resolve("srv/data"));
            Files.write(m.resolve("srv/data/fresh"), b("fresh"));
            Fs.deleteTree(m.resolve("data"));
            Files.write(m.resolve("data"), b("now a file"));
            Files.delete(m.resolve("etc/motd"));
            Files.createDirectory(m.resolve("etc/motd"));
            Files.createLink(m.resolve("bin/tool2"), m.resolve("bin/tool"));
            Files.createLink(m.resolve("new-link.txt"), m.resolve("new.txt"));
            Posix.symlink("new.txt", m.resolve("link"));
            Posix.symlink("a//b/", m.resolve("odd"));
            Posix.chmod(m.resolve("usr/bin/prog"), 04755);
            Posix.lchown(m.resolve("home/app/file"), 1001, 1002);
            Posix.chmod(m.resolve("etc/unchanged"), 0644); // a copy-up that changes nothing
            Files.createDirectories(m.resolve("run"));
            Posix.mknod(m.resolve("run/fifo"), Posix.S_IFIFO | 0600, 0, 0);
            Posix.chmod(m.resolve("run/fifo"), 0620);
            Posix.mknod(m.resolve("dev-null"), Posix.S_IFCHR | 0666, 1, 3);
            Files.write(m.resolve("usr/bin/ping"), b("ping"));
            Posix.chmod(m.resolve("usr/bin/ping"), 0755);
            Posix.setXattr(m.resolve("usr/bin/ping"), "security.capability", cap);
            Files.write(m.resolve("usr/share/tmpfile"), b("t"));
            Files.delete(m.resolve("usr/share/tmpfile")); // usr/share only gets a new mtime
            merged = Overlay.describe(m, Set.of());
        }
        // Directories the upper dir has but the diff leaves out changed their mtime only.
        try (var s = Files.walk(upper)) {
            s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !p.equals(upper))
                    .forEach(p -> upperDirs.add(upper.relativize(p).toString()));
        }
        entries = UpperDiff.entries(upper, Set.of("/proc", "/sys", "/etc/resolv.conf"), lowerEntries(image));
        Map<String, LayerEntry> byPath = new TreeMap<>();
        for (LayerEntry e : entries) {
            byPath.put(e.path(), e);
        }
        // The entries themselves.
        assertFalse(byPath.containsKey("proc") || byPath.containsKey("sys") || byPath.containsKey("etc/resolv.conf"),
                "mount points are dropped: " + byPath.keySet());
        assertFalse(byPath.containsKey("etc/unchanged"), "an unchanged copy-up is not in the layer");
        assertFalse(byPath.containsKey("usr/share"), "a directory whose mtime alone changed is not in the layer");
        assertTrue(byPath.get("etc/.wh.old").isWhiteout());
        assertTrue(byPath.get("var/.wh.cache").isWhiteout());
        assertEquals(Type.DIRECTORY, byPath.get("srv/data").type());
        assertNotNull(byPath.get("srv/data/" + LayerEntry.OPAQUE_WHITEOUT), "a replaced directory is opaque");
        assertNull(byPath.get("srv/data/one"));
        assertNotNull(byPath.get("etc/motd/" + LayerEntry.OPAQUE_WHITEOUT), "a directory over a deleted file is opaque");
        assertEquals(Type.FILE, byPath.get("data").type());
        assertEquals(Type.FILE, byPath.get("bin/tool").type(), "copied up to be linked");
        assertEquals(Type.HARDLINK, byPath.get("bin/tool2").type());
        assertEquals("bin/tool", byPath.get("bin/tool2").linkTarget());
        assertEquals(Type.FILE, byPath.get("new-link.txt").type(), "the first path in order is the file");
        assertEquals(Type.HARDLINK, byPath.get("new.txt").type());
        assertEquals("new-link.txt", byPath.get("new.txt").linkTarget());
        assertArrayEquals(b("hello"), byPath.get("new-link.txt").xattrs().get("user.comment"));
        assertEquals("a//b/", byPath.get("odd").linkTarget());
        assertEquals(04755, byPath.get("usr/bin/prog").mode());
        assertEquals(1001, byPath.get("home/app/file").uid());
        assertEquals(1002, byPath.get("home/app/file").gid());
        assertEquals(Type.DIRECTORY, byPath.get("home/app").type(), "parents are included");
        assertEquals(1000, byPath.get("home/app").uid());
        assertEquals(0700, byPath.get("home/app").mode());
        assertEquals(Type.FIFO, byPath.get("run/fifo").type());
        assertEquals(0620, byPath.get("run/fifo").mode());
        assertEquals(Type.CHAR_DEVICE, byPath.get("dev-null").type());
        assertEquals(1, byPath.get("dev-null").devMajor());
        assertEquals(3, byPath.get("dev-null").devMinor());
        assertArrayEquals(cap, byPath.get("usr/bin/ping").xattrs().get("security.capability"));
        for (LayerEntry e : entries) {
            for (String k : e.xattrs().keySet()) {
                assertFalse(k.startsWith("trusted.") || k.startsWith("user.overlay."), e.toString());
            }
        }

        // Written as a layer and applied on top of the image, it gives the tree the overlay showed.
        Layer step = LayerWriter.write(store.blobs(), entries, Compression.NONE, null);
        Path applied = Files.createDirectories(base.resolve("applied"));
        List<Layer> all = new ArrayList<>(uncompressed(image));
        all.add(step);
        Overlay.apply(store, applied, all);
        Set<String> noDirTime = new HashSet<>(upperDirs);
        noDirTime.removeAll(byPath.keySet());
        noDirTime.add("proc");
        noDirTime.add("sys");
        TreeMap<String, String> expected = new TreeMap<>(merged);
        expected.keySet().removeAll(Set.of("proc", "sys", "etc/resolv.conf"));
        assertEquals(withoutTimes(expected, noDirTime), withoutTimes(Overlay.describe(applied, noDirTime), noDirTime));

        // And the same layer again from the same upper dir: the diff is deterministic.
        Layer again = LayerWriter.write(store.blobs(),
                UpperDiff.entries(upper, Set.of("proc", "sys", "etc/resolv.conf"), lowerEntries(image)),
                Compression.NONE, null);
        assertEquals(step.diffId(), again.diffId());
    }

    private static TreeMap<String, String> withoutTimes(TreeMap<String, String> tree, Set<String> noDirTime) {
        TreeMap<String, String> out = new TreeMap<>();
        tree.forEach((k, v) -> out.put(k, noDirTime.contains(k) ? v.replaceAll(" mtime=\\d+", "") : v));
        return out;
    }

    @Test
    void aLayerWithAnOpaqueRootHidesEveryLayerBelow() throws Exception {
        List<Layer> image = List.of(
                LayerWriter.write(store.blobs(), layer1(), Compression.GZIP, null),
                LayerWriter.write(store.blobs(), layer2(), Compression.GZIP, null),
                LayerWriter.write(store.blobs(), List.of(
                        LayerEntry.file(LayerEntry.OPAQUE_WHITEOUT, 0, 0, 0, T, new byte[0]),
                        LayerEntry.file("only", 0644, 0, 0, T, b("only"))), Compression.GZIP, null),
                LayerWriter.write(store.blobs(), List.of(LayerEntry.file("top", 0644, 0, 0, T, b("top"))),
                        Compression.GZIP, null));
        List<Path> lowers = store.rootfs().lowerDirs(image);
        assertEquals(List.of(store.rootfs().path(image.get(3).diffId()), store.rootfs().path(image.get(2).diffId())),
                lowers);
        assertTrue(store.rootfs().info(image.get(2).diffId()).opaqueRoot());
        assertFalse(store.rootfs().info(image.get(3).diffId()).opaqueRoot());
        try (Overlay o = Overlay.mount(base.resolve("mnt"), lowers, OverlayXattrs.TRUSTED)) {
            assertEquals(Set.of("only", "top"), names(o.merged));
            Path applied = Files.createDirectories(base.resolve("applied"));
            Overlay.apply(store, applied, uncompressed(image));
            assertEquals(Overlay.describe(applied, Set.of()), Overlay.describe(o.merged, Set.of()));
        }
    }

    @Test
    void onlyMountPointsGiveAnEmptyLayer() throws Exception {
        List<Layer> image = List.of(LayerWriter.write(store.blobs(), layer1(), Compression.GZIP, null));
        Path upper;
        try (Overlay o = Overlay.mount(base.resolve("mnt"), lowers(image), OverlayXattrs.TRUSTED)) {
            upper = o.upper;
            Files.createDirectories(o.merged.resolve("run/secrets"));
            Files.createFile(o.merged.resolve("etc/hosts"));
            Files.createDirectory(o.merged.resolve("dev"));
        }
        assertTrue(Files.exists(upper.resolve("etc/hosts")));
        assertEquals(List.of(), UpperDiff.entries(upper, Set.of("/run", "/run/secrets/", "/etc/hosts", "/dev"),
                lowerEntries(image)));
        // Without the list, they are what the step made.
        assertEquals(List.of("dev", "etc", "etc/hosts", "run", "run/secrets"),
                UpperDiff.entries(upper, null, lowerEntries(image)).stream().map(LayerEntry::path).toList());
    }

    @Test
    void anUpperDirOfARedirectingOverlayIsRefused() throws Exception {
        List<Layer> image = List.of(LayerWriter.write(store.blobs(), layer1(), Compression.GZIP, null));
        Path mnt = base.resolve("mnt");
        Path upper = Files.createDirectories(mnt.resolve("upper"));
        Path work = Files.createDirectories(mnt.resolve("work"));
        Path merged = Files.createDirectories(mnt.resolve("merged"));
        Overlay.mountRaw("lowerdir=" + lowers(image).get(0) + ",upperdir=" + upper + ",workdir=" + work
                + ",redirect_dir=on,index=off", merged);
        try {
            Files.move(merged.resolve("srv/data"), merged.resolve("srv/moved"));
        } finally {
            assertEquals(0, TestData.run(null, "umount", merged.toString()).exit());
        }
        IOException e = assertThrows(IOException.class, () -> UpperDiff.entries(upper, Set.of(), lowerEntries(image)));
        assertTrue(e.getMessage().contains("redirect_dir=off"), e.getMessage());
    }

    @Test
    void whiteoutsOpaqueMarkersIdsAndNamesInAHandMadeUpperDir() throws Exception {
        Path upper = Files.createDirectories(base.resolve("upper"));
        Files.createDirectories(upper.resolve("a/b"));
        Posix.mknod(upper.resolve("a/gone"), Posix.S_IFCHR, 0, 0);
        Files.createFile(upper.resolve("a/xgone"));
        Posix.setXattr(upper.resolve("a/xgone"), "user.overlay.whiteout", new byte[0]);
        Posix.setXattr(upper.resolve("a/b"), "user.overlay.opaque", b("y"));
        Posix.setXattr(upper.resolve("a"), "trusted.overlay.origin", b("whatever"));
        Posix.setXattr(upper.resolve("a"), "user.overlay.impure", b("y"));
        Files.write(upper.resolve("a/b/f"), b("f"));
        Posix.lchown(upper.resolve("a/b/f"), 100_000 + 33, 100_000 + 44);
        Posix.lchown(upper.resolve("a/b"), 100_000, 100_000);
        Posix.lchown(upper.resolve("a"), 5, 5); // not mapped: the overflow id
        Posix.lutimes(upper.resolve("a/b/f"), T.plusNanos(123));
        IdMap map = IdMap.parse("         0     100000      65536\n");
        List<LayerEntry> entries = UpperDiff.entries(upper, Set.of(), p -> null, map, map);
        Map<String, LayerEntry> byPath = new HashMap<>();
        entries.forEach(e -> byPath.put(e.path(), e));
        assertEquals(List.of("a", "a/.wh.gone", "a/.wh.xgone", "a/b", "a/b/.wh..wh..opq", "a/b/f"),
                entries.stream().map(LayerEntry::path).toList());
        assertEquals(IdMap.OVERFLOW_ID, byPath.get("a").uid());
        assertTrue(byPath.get("a").xattrs().isEmpty(), "overlay's own xattrs never go into a layer");
        assertEquals(0, byPath.get("a/b").uid());
        assertEquals(33, byPath.get("a/b/f").uid());
        assertEquals(44, byPath.get("a/b/f").gid());
        assertEquals(T.plusNanos(123), byPath.get("a/b/f").mtime());
        assertEquals(100_033, map.toOutside(33));
        assertEquals(-1, map.toOutside(70_000));

        // the native listing and the JDK's stat per file see the same
        Files.createDirectories(upper.resolve("c"));
        Files.writeString(upper.resolve("c/capable"), "x");
        Posix.setXattr(upper.resolve("c/capable"), "user.a", b("cap"));
        Posix.setXattr(upper.resolve("c/capable"), "user.note", b("n"));
        Files.createSymbolicLink(upper.resolve("c/link"), Path.of("capable"));
        Files.createLink(upper.resolve("c/hard"), upper.resolve("c/capable"));
        Posix.mknod(upper.resolve("c/fifo"), Posix.S_IFIFO | 0640, 0, 0);
        Posix.mknod(upper.resolve("c/null"), Posix.S_IFCHR | 0666, 1, 3);
        assertEquals(describe(UpperDiff.entries(upper, Set.of(), p -> null, map, map, false)),
                describe(UpperDiff.entries(upper, Set.of(), p -> null, map, map, true)));
        LayerEntry capable = UpperDiff.entries(upper, Set.of(), p -> null, map, map, true).stream()
                .filter(x -> x.path().equals("c/capable")).findFirst().orElseThrow();
        assertEquals(Set.of("user.a", "user.note"), capable.xattrs().keySet());

        // a name that is not UTF-8 cannot go into a layer, whichever listing finds it
        Path odd = Files.createDirectories(base.resolve("odd"));
        Process touch = new ProcessBuilder("sh", "-c", "touch \"$1/$(printf 'bad\\377name')\"", "sh", odd.toString())
                .inheritIO().start();
        assertEquals(0, touch.waitFor());
        for (boolean nativeListing : new boolean[] {false, true}) {
            IOException bad = assertThrows(IOException.class,
                    () -> UpperDiff.entries(odd, Set.of(), p -> null, map, map, nativeListing));
            assertTrue(bad.getMessage().contains("not valid in the file-name encoding"), bad.getMessage());
        }

        Files.write(upper.resolve(".wh.sneaky"), b("x"));
        IOException e = assertThrows(IOException.class, () -> UpperDiff.entries(upper, Set.of(), null));
        assertTrue(e.getMessage().contains(".wh."), e.getMessage());
    }

    @Test
    void anUpperDirIsPristineOnlyAsItWasMade() throws IOException {
        Path ref = Files.createDirectories(base.resolve("ref"));
        Path u = Files.createDirectories(base.resolve("pristine"));
        Posix.chmod(u, 0755);
        assertTrue(UpperDiff.pristine(u, ref, 0755));
        // overlay's own xattr on an upper root (its uuid) leaves it reusable
        Posix.setXattr(u, "trusted.overlay.uuid", new byte[16]);
        assertTrue(UpperDiff.pristine(u, ref, 0755));
        Posix.chmod(u, 0700);
        assertFalse(UpperDiff.pristine(u, ref, 0755), "a changed mode");
        Posix.chmod(u, 0755);
        Posix.setXattr(u, "user.note", new byte[] {'x'});
        assertFalse(UpperDiff.pristine(u, ref, 0755), "an xattr a step set");
        Posix.removeXattr(u, "user.note");
        Posix.lchown(u, 12, 34);
        assertFalse(UpperDiff.pristine(u, ref, 0755), "another owner");
        Posix.lchown(u, 0, 0);
        Files.writeString(u.resolve("f"), "x");
        assertFalse(UpperDiff.pristine(u, ref, 0755), "an entry");
    }

    /** What a layer takes from each entry, as text (content sources compare by identity). */
    private static String describe(List<LayerEntry> entries) {
        StringBuilder sb = new StringBuilder();
        for (LayerEntry e : entries) {
            Map<String, String> x = new java.util.TreeMap<>();
            e.xattrs().forEach((k, v) -> x.put(k, new String(v, java.nio.charset.StandardCharsets.ISO_8859_1)));
            sb.append(e.path()).append(' ').append(e.type()).append(' ').append(Integer.toOctalString(e.mode()))
                    .append(' ').append(e.uid()).append(':').append(e.gid()).append(' ').append(e.size()).append(' ')
                    .append(e.linkTarget()).append(' ').append(x).append(' ').append(e.mtime()).append(' ')
                    .append(e.devMajor()).append(',').append(e.devMinor()).append('\n');
        }
        return sb.toString();
    }
}
