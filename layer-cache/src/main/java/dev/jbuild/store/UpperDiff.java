package dev.jbuild.store;

import dev.jbuild.store.LayerEntry.Type;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The layer a container step produced: the entries of an overlayfs upper directory, as a layer
 * diff needs them, ready for {@link LayerWriter#write}.
 *
 * <p>The walk never follows symlinks. It yields:
 * <ul>
 *   <li>new and changed files, directories, symlinks (target bytes unchanged), FIFOs and device
 *       nodes, with their permission bits including setuid/setgid/sticky, numeric owners (mapped
 *       through an {@link IdMap} when the container ran in a user namespace), mtimes, and portable
 *       extended attributes ({@code security.capability}, {@code user.*} except
 *       {@code user.overlay.*}; never {@code trusted.*});</li>
 *   <li>hard links: paths of the upper directory that share an inode are one file and HARDLINK
 *       entries to it, the first path in {@link LayerWriter#PATH_ORDER} being the file;</li>
 *   <li>an overlay whiteout (a character device 0/0, or an empty file with the
 *       {@code trusted.overlay.whiteout} / {@code user.overlay.whiteout} xattr) as a
 *       {@code .wh.NAME} entry;</li>
 *   <li>an opaque directory ({@code trusted.overlay.opaque=y} or {@code user.overlay.opaque=y}) as
 *       its entry plus a {@code .wh..wh..opq} entry inside it;</li>
 *   <li>the parent directories of every entry (overlay copied them up, so the upper directory has
 *       them, with their current metadata).</li>
 * </ul>
 * What the upper directory has but did not change is left out, as BuildKit's overlay differ does:
 * a directory that exists below with the same mode, owner and portable xattrs (its mtime is not
 * compared: creating and removing a file inside changes it) unless something inside it is in the
 * layer; a non-directory identical below (type, mode, owner, xattrs, mtime, size, link target,
 * device numbers, and content when the lower entry has a content source) unless it is hard-linked
 * within the upper directory. Paths in {@code dropIfUnchanged} — mount points the executor
 * created — are left out when they are an empty regular file or a directory with nothing of the
 * layer inside, and the layers below do not have them. Sockets are left out (tar has none).
 *
 * <p>FILE entries read the upper directory's files when the layer is written: keep it until
 * then, and unchanged.
 *
 * <p><b>Mount options.</b> The diff is only right for an upper directory whose every file is
 * whole: overlay must be mounted with {@code redirect_dir=off} or {@code redirect_dir=nofollow}
 * (a renamed directory otherwise leaves only a redirect xattr in the upper directory) and
 * {@code metacopy=off} (a metadata-only copy-up otherwise leaves a file without its data), which
 * are the kernel's defaults unless the module or kernel was configured otherwise — so pass them
 * explicitly, with {@code index=off}: {@link RootfsSnapshots.OverlayXattrs#mountOptions()} has
 * the exact string. The walk refuses an upper directory that has
 * {@code overlay.redirect} or {@code overlay.metacopy} xattrs. With redirect_dir=off, renaming a
 * directory that came from a lower layer fails with EXDEV inside the container, and tools
 * ({@code mv}) fall back to copying, as in Docker's overlay2.
 *
 * <p>File names must be valid in the JVM's file-name encoding (UTF-8): a name that is not is an
 * error, and so is a name starting with {@code .wh.} that is not a whiteout (a layer cannot
 * carry it: readers would take it for one).
 */
public final class UpperDiff {
    private UpperDiff() {}

    private static final String[] OVERLAY_PREFIXES = {"trusted.overlay.", "user.overlay."};

    /** {@link #entries(Path, Set, Function, IdMap, IdMap)} without a user namespace. */
    public static List<LayerEntry> entries(Path upperDir, Set<String> dropIfUnchanged,
            Function<String, LayerEntry> lower) throws IOException {
        return entries(upperDir, dropIfUnchanged, lower, IdMap.IDENTITY, IdMap.IDENTITY);
    }

    /**
     * The layer entries of an upper directory, sorted in {@link LayerWriter#PATH_ORDER}.
     *
     * @param upperDir        the overlay upper directory (unmounted, or at least quiescent)
     * @param dropIfUnchanged paths the executor created only as mount points, absolute in the
     *                        container ("/proc", "/etc/resolv.conf") or layer-style ("proc"); may be null
     * @param lower           the entry a path (layer-style: "etc/passwd", no leading slash) has in
     *                        the merged layers below, or null; may itself be null (nothing known below)
     * @param uids            maps the upper directory's (host) uids to the container's
     * @param gids            maps the upper directory's (host) gids to the container's
     */
    public static List<LayerEntry> entries(Path upperDir, Set<String> dropIfUnchanged,
            Function<String, LayerEntry> lower, IdMap uids, IdMap gids) throws IOException {
        return entries(upperDir, dropIfUnchanged, lower, uids, gids, DirectoryListing.available());
    }

    /** As above; {@code nativeListing}: list directories with the native call (else the JDK's stat per file). */
    static List<LayerEntry> entries(Path upperDir, Set<String> dropIfUnchanged, Function<String, LayerEntry> lower,
            IdMap uids, IdMap gids, boolean nativeListing) throws IOException {
        Path upper = upperDir.toAbsolutePath();
        if (!Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(upper.toString(), null, "not an upper directory");
        }
        Set<String> drop = new HashSet<>();
        if (dropIfUnchanged != null) {
            for (String d : dropIfUnchanged) {
                String c = clean(d);
                if (!c.isEmpty()) {
                    drop.add(c);
                }
            }
        }
        Function<String, LayerEntry> below = lower == null ? p -> null : lower;

        List<Node> nodes = walk(upper, uids, gids, nativeListing);
        Map<List<Long>, List<Node>> inodes = new HashMap<>();
        for (Node n : nodes) {
            if (n.type != Type.DIRECTORY && !n.whiteout && n.nlink > 1) {
                inodes.computeIfAbsent(List.of(n.dev, n.ino), k -> new ArrayList<>()).add(n);
            }
        }
        // Children before parents: a directory is in the layer when something inside it is.
        List<Node> order = new ArrayList<>(nodes);
        order.sort((a, b) -> LayerWriter.PATH_ORDER.compare(b.path, a.path));
        for (Node n : order) {
            n.emit = decide(n, drop, below, inodes);
            if (n.emit && n.parent != null) {
                n.parent.childEmitted = true;
            }
        }

        List<LayerEntry> out = new ArrayList<>();
        Set<Node> linked = new HashSet<>();
        for (List<Node> group : inodes.values()) {
            if (group.size() < 2) {
                continue;
            }
            group.sort((a, b) -> LayerWriter.PATH_ORDER.compare(a.path, b.path));
            Node first = group.get(0);
            LayerEntry file = toEntry(first);
            out.add(file);
            for (Node n : group.subList(1, group.size())) {
                out.add(new LayerEntry(n.path, Type.HARDLINK, file.mode(), file.uid(), file.gid(), file.mtime(), 0,
                        first.path, null, 0, 0, file.xattrs()));
            }
            linked.addAll(group);
        }
        for (Node n : nodes) {
            if (!n.emit || linked.contains(n)) {
                continue;
            }
            if (n.whiteout) {
                out.add(LayerEntry.whiteout(n.path, n.mtime));
                continue;
            }
            out.add(toEntry(n));
            if (n.opaque) {
                out.add(LayerEntry.file(n.path + "/" + LayerEntry.OPAQUE_WHITEOUT, 0, 0, 0, n.mtime, new byte[0]));
            }
        }
        out.sort((a, b) -> LayerWriter.PATH_ORDER.compare(a.path(), b.path()));
        return out;
    }

    /**
     * Whether an upper directory is as it was made, so that another step may use it: no entries, MODE
     * (permission bits), the owner of REFERENCE (a directory made by the same process) and no extended
     * attributes but overlay's own (the uuid it records on an upper root) — nothing a step could have left
     * in it, its root's attributes included.
     */
    public static boolean pristine(Path upperDir, Path reference, int mode) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(upperDir)) {
            if (ds.iterator().hasNext()) {
                return false;
            }
        }
        Map<String, Object> a = Files.readAttributes(upperDir, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        Map<String, Object> r = Files.readAttributes(reference, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
        return (((Integer) a.get("mode")) & 07777) == mode && a.get("uid").equals(r.get("uid"))
                && a.get("gid").equals(r.get("gid"))
                && Posix.listXattrs(upperDir).keySet().stream().allMatch(UpperDiff::overlayPrivate);
    }

    private static boolean overlayPrivate(String xattr) {
        for (String prefix : OVERLAY_PREFIXES) {
            if (xattr.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** One path of the upper directory. */
    private static final class Node {
        String path;
        Path abs;
        Node parent;
        Type type;
        int mode;
        long uid;
        long gid;
        long dev;
        long ino;
        long rdev;
        int nlink;
        long size;
        Instant mtime;
        Map<String, byte[]> xattrs;
        boolean whiteout;
        boolean opaque;
        boolean childEmitted;
        boolean emit;
    }

    private static List<Node> walk(Path upper, IdMap uids, IdMap gids, boolean fast) throws IOException {
        List<Node> out = new ArrayList<>();
        Deque<Node> dirs = new ArrayDeque<>();
        Node root = new Node();
        root.path = "";
        root.abs = upper;
        dirs.push(root);
        while (!dirs.isEmpty()) {
            Node d = dirs.pop();
            if (fast) {
                for (DirectoryListing.DiffEntry c : DirectoryListing.listForDiff(d.abs)) {
                    Path abs = d.abs.resolve(c.name());
                    if (!c.validName()) {
                        throw new IOException("upper directory: the name of " + abs
                                + " is not valid in the file-name encoding (UTF-8); a layer cannot store it");
                    }
                    Node n = node(c, abs, d.path.isEmpty() ? c.name() : d.path + "/" + c.name(), uids, gids);
                    if (n != null) {
                        add(n, d, c.name(), out, dirs);
                    }
                }
                continue;
            }
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d.abs)) {
                for (Path c : ds) {
                    children.add(c);
                }
            }
            for (Path c : children) {
                String name = c.getFileName().toString();
                if (!Path.of(name).equals(c.getFileName())) {
                    throw new IOException("upper directory: the name of " + c
                            + " is not valid in the file-name encoding (UTF-8); a layer cannot store it");
                }
                Node n = stat(c, d.path.isEmpty() ? name : d.path + "/" + name, uids, gids);
                if (n != null) {
                    add(n, d, name, out, dirs);
                }
            }
        }
        return out;
    }

    private static void add(Node n, Node dir, String name, List<Node> out, Deque<Node> dirs) throws IOException {
        n.parent = dir.path.isEmpty() ? null : dir;
        if (name.startsWith(LayerEntry.WHITEOUT_PREFIX) && !n.whiteout) {
            throw new IOException("upper directory: \"/" + n.path + "\": a file named " + LayerEntry.WHITEOUT_PREFIX
                    + "* cannot be stored in a layer (image readers would take it for a whiteout)");
        }
        out.add(n);
        if (n.type == Type.DIRECTORY) {
            dirs.push(n);
        }
    }

    /**
     * A node from the native listing (one call per directory: a RUN that wrote a thousand files cost a thousand
     * stats through the JDK's attribute map and a thousand llistxattr calls); null for a socket. Extended attributes
     * are read only for the entries that have some.
     */
    private static Node node(DirectoryListing.DiffEntry c, Path abs, String path, IdMap uids, IdMap gids)
            throws IOException {
        Node n = new Node();
        n.path = path;
        n.abs = abs;
        n.mode = c.mode() & 07777;
        n.uid = uids.toInside(c.uid());
        n.gid = gids.toInside(c.gid());
        n.dev = c.dev();
        n.ino = c.ino();
        n.rdev = c.rdev();
        n.nlink = (int) c.nlink();
        n.size = c.size();
        n.mtime = Instant.ofEpochSecond(c.mtimeSeconds(), c.mtimeNanos());
        return typed(n, c.mode(), c.hasXattrs() ? Posix.listXattrs(abs) : Map.of());
    }

    private static Node stat(Path p, String path, IdMap uids, IdMap gids) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,dev,ino,rdev,nlink,size,lastModifiedTime",
                LinkOption.NOFOLLOW_LINKS);
        Node n = new Node();
        n.path = path;
        n.abs = p;
        int mode = (Integer) a.get("mode");
        n.mode = mode & 07777;
        n.uid = uids.toInside(Integer.toUnsignedLong((Integer) a.get("uid")));
        n.gid = gids.toInside(Integer.toUnsignedLong((Integer) a.get("gid")));
        n.dev = (Long) a.get("dev");
        n.ino = (Long) a.get("ino");
        n.rdev = (Long) a.get("rdev");
        n.nlink = (Integer) a.get("nlink");
        n.size = (Long) a.get("size");
        n.mtime = ((FileTime) a.get("lastModifiedTime")).toInstant();
        return typed(n, mode, null);
    }

    /** The node's type, whiteout and opaque marks and portable xattrs; {@code all} null: read them. */
    private static Node typed(Node n, int mode, Map<String, byte[]> all) throws IOException {
        String path = n.path;
        switch (mode & Posix.S_IFMT) {
            case Posix.S_IFREG -> n.type = Type.FILE;
            case Posix.S_IFDIR -> n.type = Type.DIRECTORY;
            case Posix.S_IFLNK -> n.type = Type.SYMLINK;
            case Posix.S_IFIFO -> n.type = Type.FIFO;
            case Posix.S_IFCHR -> n.type = Type.CHAR_DEVICE;
            case Posix.S_IFBLK -> n.type = Type.BLOCK_DEVICE;
            default -> {
                return null;
            }
        }
        if (all == null) {
            all = Posix.listXattrs(n.abs);
        }
        for (String prefix : OVERLAY_PREFIXES) {
            if (all.containsKey(prefix + "redirect") || all.containsKey(prefix + "metacopy")) {
                throw new IOException("upper directory: \"/" + path + "\" has the overlay xattr " + prefix
                        + (all.containsKey(prefix + "redirect") ? "redirect" : "metacopy")
                        + ": the overlay was mounted with redirect_dir or metacopy on, and its upper directory"
                        + " is not a complete diff (mount with redirect_dir=off,metacopy=off)");
            }
        }
        n.whiteout = n.type == Type.CHAR_DEVICE && n.rdev == 0
                || n.type == Type.FILE && n.size == 0
                        && (all.containsKey("trusted.overlay.whiteout") || all.containsKey("user.overlay.whiteout"));
        n.opaque = n.type == Type.DIRECTORY
                && (Arrays.equals(all.get("trusted.overlay.opaque"), new byte[] {'y'})
                        || Arrays.equals(all.get("user.overlay.opaque"), new byte[] {'y'}));
        TreeMap<String, byte[]> portable = new TreeMap<>();
        for (Map.Entry<String, byte[]> x : all.entrySet()) {
            if (RootfsUnpacker.portableXattr(x.getKey())) {
                portable.put(x.getKey(), x.getValue());
            }
        }
        n.xattrs = portable;
        return n;
    }

    private static boolean decide(Node n, Set<String> drop, Function<String, LayerEntry> below,
            Map<List<Long>, List<Node>> inodes) throws IOException {
        if (n.whiteout) {
            return true;
        }
        if (n.type == Type.DIRECTORY) {
            if (n.opaque || n.childEmitted) {
                return true;
            }
            LayerEntry lo = below.apply(n.path);
            if (lo == null) {
                return !drop.contains(n.path);
            }
            return !(lo.type() == Type.DIRECTORY && sameMetadata(n, lo));
        }
        List<Node> group = n.nlink > 1 ? inodes.get(List.of(n.dev, n.ino)) : null;
        if (group != null && group.size() > 1) {
            return true;
        }
        LayerEntry lo = below.apply(n.path);
        if (lo == null) {
            return !(drop.contains(n.path) && n.type == Type.FILE && n.size == 0);
        }
        return !sameNonDirectory(n, lo);
    }

    private static boolean sameMetadata(Node n, LayerEntry lo) {
        if (n.mode != lo.mode() || n.uid != lo.uid() || n.gid != lo.gid()) {
            return false;
        }
        Map<String, byte[]> lx = new TreeMap<>();
        lo.xattrs().forEach((k, v) -> {
            if (RootfsUnpacker.portableXattr(k)) {
                lx.put(k, v);
            }
        });
        if (lx.size() != n.xattrs.size()) {
            return false;
        }
        for (Map.Entry<String, byte[]> x : n.xattrs.entrySet()) {
            if (!Arrays.equals(x.getValue(), lx.get(x.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameNonDirectory(Node n, LayerEntry lo) throws IOException {
        if (lo.type() != n.type || !sameMetadata(n, lo) || !lo.mtime().equals(n.mtime)) {
            return false;
        }
        switch (n.type) {
            case FILE -> {
                return lo.size() == n.size && sameContent(n, lo);
            }
            case SYMLINK -> {
                return Posix.readlink(n.abs).equals(lo.linkTarget());
            }
            case CHAR_DEVICE, BLOCK_DEVICE -> {
                return Posix.major(n.rdev) == lo.devMajor() && Posix.minor(n.rdev) == lo.devMinor();
            }
            default -> {
                return true;
            }
        }
    }

    /** Compares the bytes; without a lower content source the file counts as changed. */
    private static boolean sameContent(Node n, LayerEntry lo) throws IOException {
        if (lo.content() == null) {
            return false;
        }
        try (InputStream a = new BufferedInputStream(Files.newInputStream(n.abs, LinkOption.NOFOLLOW_LINKS), 65536);
                InputStream b = new BufferedInputStream(lo.content().open(), 65536)) {
            byte[] ba = new byte[65536];
            byte[] bb = new byte[65536];
            while (true) {
                int ra = a.readNBytes(ba, 0, ba.length);
                int rb = b.readNBytes(bb, 0, bb.length);
                if (ra != rb || !Arrays.equals(ba, 0, ra, bb, 0, rb)) {
                    return false;
                }
                if (ra < ba.length) {
                    return true;
                }
            }
        }
    }

    private static LayerEntry toEntry(Node n) throws IOException {
        Path abs = n.abs;
        return switch (n.type) {
            case FILE -> new LayerEntry(n.path, Type.FILE, n.mode, n.uid, n.gid, n.mtime, n.size, null,
                    () -> Files.newInputStream(abs, LinkOption.NOFOLLOW_LINKS), 0, 0, n.xattrs);
            case DIRECTORY -> new LayerEntry(n.path, Type.DIRECTORY, n.mode, n.uid, n.gid, n.mtime, 0, null, null, 0, 0,
                    n.xattrs);
            case SYMLINK -> new LayerEntry(n.path, Type.SYMLINK, n.mode, n.uid, n.gid, n.mtime, 0, Posix.readlink(abs),
                    null, 0, 0, n.xattrs);
            case FIFO -> new LayerEntry(n.path, Type.FIFO, n.mode, n.uid, n.gid, n.mtime, 0, null, null, 0, 0, n.xattrs);
            case CHAR_DEVICE, BLOCK_DEVICE -> new LayerEntry(n.path, n.type, n.mode, n.uid, n.gid, n.mtime, 0, null,
                    null, Posix.major(n.rdev), Posix.minor(n.rdev), n.xattrs);
            case HARDLINK -> throw new IllegalStateException();
        };
    }

    /** "/a//b/" and "a/b" are both "a/b"; "/" is "". */
    private static String clean(String p) {
        StringBuilder sb = new StringBuilder();
        for (String c : p.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
