package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry.Type;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Test support: overlay mounts, file-tree descriptions, and layers applied with GNU tar. */
final class Overlay implements AutoCloseable {
    final Path merged;
    final Path upper;
    final Path work;
    private boolean mounted;

    private Overlay(Path merged, Path upper, Path work) {
        this.merged = merged;
        this.upper = upper;
        this.work = work;
    }

    static void requireRoot() throws IOException {
        if (Posix.geteuid() != 0) {
            fail("these tests need root (overlay mounts, mknod, chown); run them as root");
        }
    }

    /** Mounts lowers (top first) with a fresh upper and work dir under {@code base}, for snapshots of this format. */
    static Overlay mount(Path base, List<Path> lowers, RootfsSnapshots.OverlayXattrs format) throws Exception {
        Path upper = Files.createDirectories(base.resolve("upper"));
        Path work = Files.createDirectories(base.resolve("work"));
        Path merged = Files.createDirectories(base.resolve("merged"));
        String opts = "lowerdir=" + lowers.stream().map(Path::toString).collect(Collectors.joining(":"))
                + ",upperdir=" + upper + ",workdir=" + work + "," + format.mountOptions();
        Overlay o = new Overlay(merged, upper, work);
        mountRaw(opts, merged);
        o.mounted = true;
        return o;
    }

    static void mountRaw(String opts, Path merged) throws Exception {
        TestData.Result r = TestData.run(null, "mount", "-t", "overlay", "overlay", "-o", opts, merged.toString());
        assertEquals(0, r.exit(), "mount -t overlay -o " + opts + ": " + r.stderr());
    }

    void unmount() throws IOException, InterruptedException {
        if (mounted) {
            TestData.Result r = TestData.run(null, "umount", merged.toString());
            assertEquals(0, r.exit(), "umount: " + r.stderr());
            mounted = false;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            unmount();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while unmounting " + merged);
        }
    }

    // ---- tree descriptions -----------------------------------------------------------------------

    /**
     * Every path below {@code root} (no links followed) described as text: type, mode, owner,
     * size, content digest, link target, device numbers, portable xattrs, mtime (seconds), and
     * the other paths sharing its inode. Directory mtimes are left out for {@code noDirTime}.
     */
    static TreeMap<String, String> describe(Path root, Set<String> noDirTime) throws IOException {
        TreeMap<String, Map<String, Object>> stats = new TreeMap<>();
        walk(root, "", stats);
        Map<Long, List<String>> byIno = new TreeMap<>();
        stats.forEach((p, a) -> {
            if (((Integer) a.get("mode") & Posix.S_IFMT) != Posix.S_IFDIR) {
                byIno.computeIfAbsent((Long) a.get("ino"), k -> new ArrayList<>()).add(p);
            }
        });
        TreeMap<String, String> out = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> s : stats.entrySet()) {
            String p = s.getKey();
            Map<String, Object> a = s.getValue();
            Path abs = root.resolve(p);
            int mode = (Integer) a.get("mode");
            int fmt = mode & Posix.S_IFMT;
            StringBuilder sb = new StringBuilder();
            sb.append(switch (fmt) {
                case Posix.S_IFDIR -> 'd';
                case Posix.S_IFREG -> 'f';
                case Posix.S_IFLNK -> 'l';
                case Posix.S_IFIFO -> 'p';
                case Posix.S_IFCHR -> 'c';
                case Posix.S_IFBLK -> 'b';
                default -> '?';
            });
            sb.append(' ').append(Integer.toOctalString(mode & 07777));
            sb.append(' ').append(Integer.toUnsignedLong((Integer) a.get("uid"))).append(':')
                    .append(Integer.toUnsignedLong((Integer) a.get("gid")));
            if (fmt == Posix.S_IFREG) {
                sb.append(" size=").append(a.get("size"));
                sb.append(" sha=").append(Digest.sha256(Files.readAllBytes(abs)).hex(), 0, 12);
            }
            if (fmt == Posix.S_IFLNK) {
                sb.append(" -> ").append(Posix.readlink(abs));
            }
            if (fmt == Posix.S_IFCHR || fmt == Posix.S_IFBLK) {
                long rdev = (Long) a.get("rdev");
                sb.append(" dev=").append(Posix.major(rdev)).append(',').append(Posix.minor(rdev));
            }
            if (fmt != Posix.S_IFLNK && !(fmt == Posix.S_IFDIR && noDirTime.contains(p))) {
                sb.append(" mtime=").append(((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond());
            }
            Map<String, byte[]> x = Posix.listXattrs(abs);
            x.forEach((k, v) -> {
                if (RootfsUnpacker.portableXattr(k)) {
                    sb.append(' ').append(k).append('=').append(HexFormat.of().formatHex(v));
                }
            });
            if (fmt != Posix.S_IFDIR) {
                List<String> group = byIno.get((Long) a.get("ino"));
                if (group.size() > 1) {
                    sb.append(" links=").append(group);
                }
            }
            out.put(p, sb.toString());
        }
        return out;
    }

    private static void walk(Path dir, String rel, Map<String, Map<String, Object>> out) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(rel.isEmpty() ? "." : rel))) {
            for (Path c : ds) {
                String p = rel.isEmpty() ? c.getFileName().toString() : rel + "/" + c.getFileName();
                Map<String, Object> a = Files.readAttributes(dir.resolve(p), "unix:*", LinkOption.NOFOLLOW_LINKS);
                out.put(p, a);
                if (((Integer) a.get("mode") & Posix.S_IFMT) == Posix.S_IFDIR) {
                    walk(dir, p, out);
                }
            }
        }
    }

    // ---- applying layers ---------------------------------------------------------------------------

    /**
     * Applies uncompressed layers in order to {@code dir} as an OCI image reader does: each
     * layer's whiteouts delete from what is there, paths it replaces are removed, then GNU tar
     * extracts it (owners, modes, xattrs), whiteout markers excluded.
     */
    static void apply(Store store, Path dir, List<Layer> layers) throws Exception {
        String tar = TestData.gnuTar();
        for (Layer layer : layers) {
            List<LayerEntry> entries = new ArrayList<>();
            try (LayerReader r = LayerReader.open(store.blobs(), layer.digest())) {
                for (LayerEntry e; (e = r.next()) != null;) {
                    entries.add(e);
                }
            }
            for (LayerEntry e : entries) {
                Path parent = e.parent().isEmpty() ? dir : dir.resolve(e.parent());
                if (e.isOpaqueWhiteout()) {
                    if (Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
                        try (Stream<Path> s = Files.list(parent)) {
                            for (Path c : s.toList()) {
                                Fs.deleteTree(c);
                            }
                        }
                    }
                } else if (e.isWhiteout()) {
                    Fs.deleteTree(parent.resolve(e.name().substring(LayerEntry.WHITEOUT_PREFIX.length())));
                } else {
                    Path t = dir.resolve(e.path());
                    boolean isDir = Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS);
                    if (Files.exists(t, LinkOption.NOFOLLOW_LINKS) && (e.type() != Type.DIRECTORY || !isDir)) {
                        Fs.deleteTree(t);
                    }
                }
            }
            Path plain = store.blobs().path(layer.digest());
            TestData.Result r = TestData.run(dir, tar, "-x", "-p", "--same-owner", "--numeric-owner", "--xattrs",
                    "--xattrs-include=user.*", "--xattrs-include=security.capability", "--exclude=.wh.*",
                    "-f", plain.toString());
            assertEquals(0, r.exit(), "tar -x: " + r.stderr());
        }
    }
}
