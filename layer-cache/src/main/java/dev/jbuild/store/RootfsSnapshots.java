package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Layers unpacked for use as overlayfs lower directories ({@code lowerdir=}): exact owners
 * (lchown), full modes including setuid/setgid/sticky, nanosecond mtimes, symlinks with their
 * target bytes unchanged, hard links, FIFOs and device nodes (mknod), portable extended
 * attributes ({@code security.capability} on regular files, {@code user.*} except
 * {@code user.overlay.*} on files and directories; every other namespace, {@code trusted.*} in
 * particular, is never applied from a layer), and the layer's OCI whiteouts converted to
 * overlayfs' own format:
 * <ul>
 *   <li>{@code .wh.NAME} becomes a character device 0/0 named NAME (mode 0, owned by the
 *       unpacking user) — unless this layer itself has NAME: a file of the layer stays (it hides
 *       the lower one anyway), a directory of the layer becomes opaque;</li>
 *   <li>{@code .wh..wh..opq} in a directory sets {@code trusted.overlay.opaque=y} on it (or
 *       {@code user.overlay.opaque=y}, see {@link OverlayXattrs}); at the layer's root, where
 *       overlay ignores it, it is also recorded in {@link Info#opaqueRoot()}, and
 *       {@link #lowerDirs} leaves the layers below out;</li>
 *   <li>other {@code .wh..wh.*} entries (AUFS metadata) and anything below a {@code .wh.*}
 *       directory are skipped.</li>
 * </ul>
 * Directories a layer implies without an entry are created 0755, owned by the unpacking user,
 * with mtime 0 (in the merged view such a directory hides the attributes of the same directory in
 * lower layers, as with Docker's overlay2 driver).
 *
 * <h2>Layout and life cycle</h2>
 * <pre>
 * root/rootfs/                        0700: other users can never reach the setuid binaries and device nodes below
 *   &lt;diff-id hex&gt;[-VARIANT]/          0500, renamed into place when complete
 *     root/                           the lower directory ({@link #ensure} returns it)
 *     info                            how it was made ({@link #info})
 *   &lt;name&gt;.lock                       per-snapshot unpack lock
 *   .tmp-&lt;name&gt;.&lt;pid&gt;.&lt;random&gt;/      unpacking in progress (or abandoned; removed by the next unpacker and by prune)
 * </pre>
 * A snapshot is unpacked once, into a temp directory, and renamed into place complete (it is
 * either absent or whole); concurrent callers in this and other processes wait for the first
 * (a lock file per snapshot) and reuse its result. The variant suffix is absent for snapshots
 * made with all capabilities (root in the initial user namespace: trusted xattrs, exact owners,
 * device nodes); any other process makes and uses its own variant (for instance {@code -u}: user
 * xattrs, no owners, no devices), so that a mount never mixes formats. {@link Store#prune} removes
 * the snapshots of layers that no tag needs, like the file snapshots of {@link SnapshotStore}.
 *
 * <h2>Never write into a snapshot</h2>
 * These directories are shared, read-only, by every build and every container of this store,
 * concurrently: nothing may ever write below {@code root/} — use them only as overlay lower
 * directories (overlayfs never writes to its lower layers) or read them. The snapshot directory
 * is made read-only (0500), which stops accidental renames and deletions by non-root processes;
 * root bypasses permissions, so the protection against a root process writing below it is this
 * contract only.
 *
 * <h2>Hostile layers</h2>
 * Unpacking never writes outside the snapshot, by the rules of {@link SnapshotStore}: paths are
 * cleaned and validated by {@link LayerReader}, every parent of an entry must be a real directory
 * unpacked by this layer (a path below a symlink is a {@link LayerFormatException}), nothing is
 * opened, chmod-ed or chown-ed through a symlink, and hard links must point at non-directories of
 * the same layer. A bad layer leaves nothing behind.
 *
 * <h2>Without root</h2>
 * {@link #exactOwners()} is false when this process cannot chown to arbitrary ids (a normal user):
 * every file then belongs to the unpacking user, and the layer's real owners are only in its
 * metadata ({@link SnapshotStore#entries}). Device nodes cannot be made either ({@link #devices()}
 * false: they are left out of the snapshot), {@code security.capability} is not applied, and
 * opaque directories use {@code user.overlay.opaque} (the executor must then mount with
 * {@code userxattr}, Linux 5.11+: {@link OverlayXattrs#mountOptions()}). Whiteouts stay character devices 0/0, which Linux 5.8+ lets
 * any user create; the {@code user.overlay.whiteout} xattr form is not used. An executor running
 * the build in a user namespace that maps container root to the unpacking user sees every lower
 * file as owned by root; {@link UpperDiff} maps the ids of the upper directory back through an
 * {@link IdMap}, and files the container only copied up keep the unpacking user's id there — so a
 * build without root cannot record the lower owners of files it changes unless its executor
 * restores them from the metadata.
 *
 * <p>The jbuild command avoids all that: run by a user, it re-runs itself as root of a user
 * namespace that maps the user's subordinate ids (see the executor's {@code UserNamespace}). There
 * this process can chown to every mapped id, so snapshots have exact owners (variant {@code -uo}:
 * user xattrs, owners, no devices), the containers share this namespace, and upper directories
 * read in the container's ids ({@link IdMap#IDENTITY}).
 */
public final class RootfsSnapshots {
    static final String INFO_MAGIC = "jbuild-rootfs 1";
    private static final Pattern NAME = Pattern.compile("([0-9a-f]{64})(-[a-z]+)?");

    /** Where overlay keeps its own attributes (opaque directories) in a snapshot. */
    public enum OverlayXattrs {
        /** {@code trusted.overlay.*}: overlay's default; setting them needs CAP_SYS_ADMIN in the initial user namespace. */
        TRUSTED("trusted.overlay."),
        /** {@code user.overlay.*}: overlay mounted with the {@code userxattr} option (Linux 5.11+), for user namespaces. */
        USER("user.overlay.");

        private final String prefix;

        OverlayXattrs(String prefix) {
            this.prefix = prefix;
        }

        /** {@code trusted.overlay.} or {@code user.overlay.}. */
        public String prefix() {
            return prefix;
        }

        /** The opaque-directory attribute ({@code <prefix>opaque}, value {@code y}). */
        public String opaque() {
            return prefix + "opaque";
        }

        /**
         * The overlay mount options for these snapshots and a correct {@link UpperDiff}, to follow
         * {@code lowerdir=...,upperdir=...,workdir=...}: {@code redirect_dir=off,metacopy=off,index=off},
         * and for USER {@code userxattr,redirect_dir=nofollow,metacopy=off,index=off} (the kernel
         * refuses userxattr with redirect_dir=off, which still follows redirects).
         */
        public String mountOptions() {
            return this == USER ? "userxattr,redirect_dir=nofollow,metacopy=off,index=off"
                    : "redirect_dir=off,metacopy=off,index=off";
        }
    }

    /**
     * How a snapshot was made.
     *
     * @param path          the lower directory
     * @param overlayXattrs where its opaque markers are; mount with {@link OverlayXattrs#mountOptions()}
     * @param exactOwners   files have the layer's owners (false: the unpacking user's)
     * @param devices       device nodes were created (false: left out)
     * @param opaqueRoot    the layer has {@code .wh..wh..opq} at its root: it hides every layer
     *                      below, which overlay cannot say inside a lower directory (it ignores an
     *                      opaque mark on a layer's root) — leave the layers below out of the mount
     *                      ({@link #lowerDirs} does)
     */
    public record Info(Path path, OverlayXattrs overlayXattrs, boolean exactOwners, boolean devices,
            boolean opaqueRoot) {}

    /** What this process can do; probed once per store. */
    record Capabilities(OverlayXattrs xattrs, boolean owners, boolean devices) {
        String variant() {
            if (xattrs == OverlayXattrs.TRUSTED && owners && devices) {
                return "";
            }
            return "-" + (xattrs == OverlayXattrs.TRUSTED ? "t" : "u") + (owners ? "o" : "") + (devices ? "d" : "");
        }
    }

    private final Store store;
    private final Path dir;
    private volatile Capabilities capabilities;
    /** Unpacks done by this object (tests check "once"). */
    final AtomicInteger unpacks = new AtomicInteger();

    RootfsSnapshots(Store store) {
        this.store = store;
        this.dir = store.path("rootfs");
    }

    /**
     * The root of a complete snapshot of the layer in any variant, or null: for reading a file's bytes, which every
     * variant holds alike (they differ in how owners and whiteouts are kept). Unlike {@link #ensure}, it needs no
     * probe of this process's capabilities, so a no-op build that reads /etc/passwd does not pay for one.
     */
    public Path existing(Digest diffId) throws IOException {
        Path plain = dir.resolve(diffId.hex());
        if (complete(plain)) {
            return plain.resolve("root");
        }
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, diffId.hex() + "-*")) {
            for (Path p : ds) {
                if (NAME.matcher(p.getFileName().toString()).matches() && complete(p)) {
                    return p.resolve("root");
                }
            }
        }
        return null;
    }

    /** {@link #ensure(Digest, Digest)} for a layer written or pulled earlier. */
    public Path ensure(Layer layer) throws IOException {
        return ensure(layer.diffId(), layer.digest(), null);
    }

    /**
     * {@link #ensure(Layer)}; when this call unpacks the layer, {@code headers} then receives its entries (without
     * contents), so that whoever needs them does not read the blob a second time.
     */
    public Path ensure(Layer layer, java.util.function.Consumer<List<LayerEntry>> headers) throws IOException {
        return ensure(layer.diffId(), layer.digest(), headers);
    }

    public Path ensure(Digest diffId, Digest blobDigest) throws IOException {
        return ensure(diffId, blobDigest, null);
    }

    /**
     * The overlay lower directory of the layer, unpacking the blob {@code blobDigest} first unless
     * this process's variant of the snapshot exists. The blob digest and the diff-id are verified.
     * The result must never be written (see the class comment).
     */
    @SuppressWarnings("try") // held for its scope only
    private Path ensure(Digest diffId, Digest blobDigest, java.util.function.Consumer<List<LayerEntry>> headers)
            throws IOException {
        String name = name(diffId);
        Path snap = dir.resolve(name);
        if (complete(snap)) {
            return snap.resolve("root");
        }
        ensureDir();
        try (StoreLock hold = store.lockShared();
                StoreLock lock = LockFile.of(dir.resolve(name + ".lock"), true).exclusive()) {
            if (complete(snap)) {
                return snap.resolve("root");
            }
            removeStaleTemps(name);
            Path tmp = dir.resolve(Fs.tempName(".tmp-" + name));
            boolean opaqueRoot;
            List<LayerEntry> entries = headers == null ? null : new ArrayList<>();
            try {
                Files.createDirectory(tmp);
                Posix.chmod(tmp, 0700);
                Path root = tmp.resolve("root");
                Files.createDirectory(root);
                Posix.chmod(root, 0755);
                Capabilities caps = capabilities();
                try (LayerReader reader = LayerReader.openReadAhead(store.blobs(), blobDigest)) {
                    RootfsUnpacker unpacker = new RootfsUnpacker(blobDigest.toString(), root, caps);
                    unpacker.unpack(reader, entries);
                    opaqueRoot = unpacker.opaqueRoot();
                    Digest actual = reader.diffId();
                    if (!actual.equals(diffId)) {
                        throw new LayerFormatException(blobDigest.toString(), null,
                                "its uncompressed content has digest " + actual + ", not the diff-id " + diffId);
                    }
                }
                writeInfo(tmp.resolve("info"), caps, opaqueRoot);
                if (Files.exists(snap, LinkOption.NOFOLLOW_LINKS)) {
                    trash(snap); // an incomplete leftover (no info): this code never makes one
                }
                Posix.chmod(tmp, 0500);
                Fs.moveAtomically(tmp, snap);
                Fs.fsyncDir(dir);
                unpacks.incrementAndGet();
            } finally {
                if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
                    Posix.chmod(tmp, 0700);
                    Fs.deleteTree(tmp);
                }
            }
            store.blobs().recordDiffId(blobDigest, diffId);
            if (headers != null) {
                headers.accept(entries);
            }
            return snap.resolve("root");
        }
    }

    /** The lower directory of this process's variant of the snapshot (whether or not it exists). */
    public Path path(Digest diffId) throws IOException {
        return dir.resolve(name(diffId)).resolve("root");
    }

    /** Whether this process's variant of the snapshot exists. */
    public boolean has(Digest diffId) throws IOException {
        return complete(dir.resolve(name(diffId)));
    }

    /** How this process's variant of the snapshot was made; NoSuchFileException when there is none. */
    public Info info(Digest diffId) throws IOException {
        Path snap = dir.resolve(name(diffId));
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(snap.resolve("info"), StandardCharsets.UTF_8)) {
            String first = in.readLine();
            if (!INFO_MAGIC.equals(first)) {
                throw new IOException(snap.resolve("info") + ": not a rootfs snapshot description");
            }
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(snap.toString(), null, "no rootfs snapshot of " + diffId);
        }
        return new Info(snap.resolve("root"),
                OverlayXattrs.valueOf(p.getProperty("overlay-xattrs", "TRUSTED")),
                Boolean.parseBoolean(p.getProperty("exact-owners")), Boolean.parseBoolean(p.getProperty("devices")),
                Boolean.parseBoolean(p.getProperty("opaque-root")));
    }

    /**
     * The overlay {@code lowerdir} list of an image's layers: each layer's snapshot (made when
     * missing), top first, as overlay wants them — without the layers below the topmost layer
     * whose root is opaque (see {@link Info#opaqueRoot()}).
     *
     * @param layers the image's layers, bottom first (as a manifest lists them)
     */
    public List<Path> lowerDirs(List<Layer> layers) throws IOException {
        List<Path> out = new ArrayList<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            out.add(ensure(l));
            if (info(l.diffId()).opaqueRoot()) {
                break;
            }
        }
        return out;
    }

    /**
     * Whether snapshots made by this process have the layers' exact owners: true when it may
     * chown to any id (root, or a user namespace that maps every id used). See the class comment
     * for what false means.
     */
    public boolean exactOwners() throws IOException {
        return capabilities().owners();
    }

    /** Whether snapshots made by this process have the layers' device nodes. */
    public boolean devices() throws IOException {
        return capabilities().devices();
    }

    /** Where snapshots made by this process mark opaque directories, hence how to mount them. */
    public OverlayXattrs overlayXattrs() throws IOException {
        return capabilities().xattrs();
    }

    /** The diff-ids that have a snapshot (of any variant), sorted. */
    public List<Digest> list() throws IOException {
        TreeSet<Digest> out = new TreeSet<>();
        for (Path p : snapshotDirs()) {
            Matcher m = NAME.matcher(p.getFileName().toString());
            if (m.matches()) {
                out.add(new Digest("sha256", m.group(1)));
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * Removes every variant of a layer's snapshot; returns the bytes of their regular files, or -1
     * when there was none. The caller must know that nobody uses it (no mount of it exists):
     * {@link Store#prune} does this under the exclusive store lock.
     */
    public long delete(Digest diffId) throws IOException {
        long total = -1;
        for (Path p : snapshotDirs()) {
            Matcher m = NAME.matcher(p.getFileName().toString());
            if (m.matches() && m.group(1).equals(diffId.hex())) {
                total = Math.max(total, 0) + Fs.treeSize(p);
                trash(p);
                Files.deleteIfExists(dir.resolve(p.getFileName() + ".lock"));
            }
        }
        return total;
    }

    /** Garbage collection (under the exclusive lock): snapshots not in {@code keep}, temp dirs, stale locks. */
    long prune(Set<Digest> keep, Set<Digest> removed) throws IOException {
        long freed = 0;
        for (Digest d : list()) {
            if (!keep.contains(d)) {
                long size = delete(d);
                if (size >= 0) {
                    removed.add(d);
                    freed += size;
                }
            }
        }
        if (!Files.isDirectory(dir)) {
            return freed;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(".tmp-") || n.startsWith(".probe")) {
                    makeOwnerWritable(p);
                    Fs.deleteTree(p);
                } else if (n.endsWith(".lock")) {
                    String snap = n.substring(0, n.length() - ".lock".length());
                    if (!Files.exists(dir.resolve(snap), LinkOption.NOFOLLOW_LINKS)
                            && !LockFile.of(p, true).heldByThisJvm()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        return freed;
    }

    // ---- internals ------------------------------------------------------------------------------

    private String name(Digest diffId) throws IOException {
        if (!diffId.algorithm().equals("sha256")) {
            throw new IllegalArgumentException("diff-ids are sha256 digests, not " + diffId);
        }
        return diffId.hex() + capabilities().variant();
    }

    private static boolean complete(Path snap) {
        return Files.isRegularFile(snap.resolve("info"), LinkOption.NOFOLLOW_LINKS);
    }

    private List<Path> snapshotDirs() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (NAME.matcher(p.getFileName().toString()).matches() && complete(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    private void ensureDir() throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
        }
        Posix.setTopDir(dir); // each snapshot's tree in a block group of its own (see Store#open)
        // Other users must never reach the setuid binaries and device nodes of the snapshots.
        if ((((Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777) != 0700) {
            Posix.chmod(dir, 0700);
        }
    }

    private void removeStaleTemps(String name) throws IOException {
        String prefix = ".tmp-" + name;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + ".*")) {
            for (Path p : ds) {
                if (prefix.equals(Fs.tempPrefix(p.getFileName().toString()))) {
                    makeOwnerWritable(p);
                    Fs.deleteTree(p);
                }
            }
        }
    }

    private void trash(Path snap) throws IOException {
        makeOwnerWritable(snap); // moving a directory to another parent needs write access to it
        Path trash = store.tmpDir().resolve(Fs.tempName("trash"));
        Fs.moveAtomically(snap, trash);
        Fs.deleteTree(trash);
    }

    private static void makeOwnerWritable(Path p) {
        try {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                Posix.chmod(p, 0700);
            }
        } catch (IOException ignored) {
            // the delete reports what it cannot remove
        }
    }

    private static void writeInfo(Path file, Capabilities caps, boolean opaqueRoot) throws IOException {
        String text = INFO_MAGIC + "\n"
                + "overlay-xattrs=" + caps.xattrs().name() + "\n"
                + "exact-owners=" + caps.owners() + "\n"
                + "devices=" + caps.devices() + "\n"
                + "opaque-root=" + opaqueRoot + "\n";
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("rootfs snapshot description " + file + " already exists", e);
        }
    }

    /** For tests: act as a process with fewer privileges. */
    void forceCapabilities(Capabilities caps) {
        capabilities = caps;
    }

    /**
     * Probes, once, what this process may do in the store's file system: chown to another id,
     * set a trusted xattr, create a device node, and create an overlay whiteout (required).
     */
    @SuppressWarnings("try") // held for its scope only
    Capabilities capabilities() throws IOException {
        Capabilities c = capabilities;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (capabilities != null) {
                return capabilities;
            }
            ensureDir();
            Path probe = dir.resolve(Fs.tempName(".probe"));
            // Held so that a prune (which removes abandoned probes) cannot run meanwhile.
            try (StoreLock hold = store.lockShared()) {
                Files.createDirectory(probe);
                try {
                    Path f = Files.createFile(probe.resolve("f"));
                    boolean owners;
                    try {
                        Posix.lchown(f, 1, 1);
                        owners = true;
                    } catch (IOException e) {
                        owners = false;
                    }
                    OverlayXattrs xattrs;
                    try {
                        Posix.setXattr(probe, "trusted.jbuild.probe", new byte[] {'y'});
                        xattrs = OverlayXattrs.TRUSTED;
                    } catch (IOException e) {
                        xattrs = OverlayXattrs.USER;
                        try {
                            Posix.setXattr(probe, "user.jbuild.probe", new byte[] {'y'});
                        } catch (IOException noXattrs) {
                            throw new IOException("the store's file system (" + dir + ") supports no extended attributes,"
                                    + " which overlay needs for opaque directories: " + noXattrs.getMessage(), noXattrs);
                        }
                    }
                    boolean devices;
                    try {
                        Posix.mknod(probe.resolve("null"), Posix.S_IFCHR | 0600, 1, 3);
                        devices = true;
                    } catch (IOException e) {
                        devices = false;
                    }
                    try {
                        Posix.mknod(probe.resolve("wh"), Posix.S_IFCHR, 0, 0);
                    } catch (IOException e) {
                        throw new IOException("cannot create overlay whiteouts (character devices 0/0) in " + dir
                                + ": that needs root or Linux 5.8+, and a file system that allows device nodes: "
                                + e.getMessage(), e);
                    }
                    capabilities = new Capabilities(xattrs, owners, devices);
                    return capabilities;
                } finally {
                    Fs.deleteTree(probe);
                }
            }
        }
    }

    Path dir() {
        return dir;
    }
}
