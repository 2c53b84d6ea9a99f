package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry.Type;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Unpacked layers: {@code snapshots/<diff-id hex>/fs/} holds the layer's files and
 * {@code snapshots/<diff-id hex>/entries} its metadata. A snapshot is unpacked once, into a temp
 * directory beside it, and renamed into place when complete (so it is either absent or whole);
 * concurrent callers for one layer, in this process or others, wait for the first and reuse its
 * result.
 *
 * <p>On disk, without root: regular files and directories get the entry's permission bits (only
 * 0777, plus u+rw for files and u+rwx for directories so the store's owner can always read and
 * delete them; setuid/setgid/sticky are never applied); symlinks are symlinks (never followed);
 * hardlinks are hard links within the snapshot (a copy when linking fails); FIFOs and devices are
 * empty placeholder files; whiteouts ({@code .wh.*}) are kept as the empty marker files they are.
 * Owners, exact modes, times, link targets, device numbers and xattrs are in {@code entries},
 * which {@link #entries} reads back; that metadata, not the file system, is authoritative.
 *
 * <p>Unpacking never writes outside the snapshot: paths are cleaned and validated by
 * {@link LayerReader} (absolute paths and {@code ..} escapes are errors), every parent directory
 * of an entry must be a real directory of the snapshot — an entry below a symlink (say {@code a
 * -> /etc} followed by {@code a/passwd}) is a {@link LayerFormatException} — and nothing is opened
 * through a symlink. A layer with such an entry is not unpacked at all: the partial temp directory
 * is deleted and the error names the layer and the entry.
 */
public final class SnapshotStore {
    static final String ENTRIES_MAGIC = "jbuild-snapshot-entries 1";

    private final Store store;
    private final Path dir;

    SnapshotStore(Store store) {
        this.store = store;
        this.dir = store.path("snapshots");
    }

    /** The snapshot directory of a diff-id (containing {@code fs/} and {@code entries}). */
    public Path path(Digest diffId) {
        return dir.resolve(diffId.hex());
    }

    /** The unpacked file system of a diff-id. */
    public Path fs(Digest diffId) {
        return path(diffId).resolve("fs");
    }

    public boolean has(Digest diffId) {
        return Files.isRegularFile(path(diffId).resolve("entries"), LinkOption.NOFOLLOW_LINKS);
    }

    /** {@link #ensure(Digest, Digest)} for a layer written or pulled earlier. */
    public Path ensure(Layer layer) throws IOException {
        return ensure(layer.diffId(), layer.digest());
    }

    /**
     * The unpacked file system of the layer, unpacking the blob {@code blobDigest} first unless a
     * snapshot of {@code diffId} exists. The blob digest and the diff-id are both verified.
     */
    @SuppressWarnings("try") // held for its scope only
    public Path ensure(Digest diffId, Digest blobDigest) throws IOException {
        Path snap = path(diffId);
        if (has(diffId)) {
            return snap.resolve("fs");
        }
        try (StoreLock hold = store.lockShared();
                StoreLock layerLock = layerLock(diffId).exclusive()) {
            if (has(diffId)) {
                return snap.resolve("fs");
            }
            removeStaleTemps(diffId);
            Path tmp = dir.resolve(Fs.tempName(".tmp-" + diffId.hex()));
            try {
                Files.createDirectory(tmp);
                Path fs = tmp.resolve("fs");
                Files.createDirectory(fs);
                List<LayerEntry> entries;
                try (LayerReader reader = LayerReader.open(store.blobs(), blobDigest)) {
                    entries = new Unpacker(blobDigest.toString(), fs).unpack(reader);
                    Digest actual = reader.diffId();
                    if (!actual.equals(diffId)) {
                        throw new LayerFormatException(blobDigest.toString(), null,
                                "its uncompressed content has digest " + actual + ", not the diff-id " + diffId);
                    }
                }
                writeEntries(tmp.resolve("entries"), entries);
                if (Files.exists(snap, LinkOption.NOFOLLOW_LINKS)) {
                    // An incomplete leftover (no entries file) cannot be produced by this code; replace it.
                    moveToTrash(snap);
                }
                Fs.moveAtomically(tmp, snap);
                Fs.fsyncDir(dir);
            } finally {
                Fs.deleteTree(tmp);
            }
            store.blobs().recordDiffId(blobDigest, diffId);
            return snap.resolve("fs");
        }
    }

    /**
     * The layer unpacked as an overlay lower directory ({@link RootfsSnapshots#ensure(Layer)}):
     * exact owners, modes, times, links, devices and xattrs, whiteouts in overlay's format. It
     * is shared by every build and must never be written.
     */
    public Path ensureRootfs(Layer layer) throws IOException {
        return store.rootfs().ensure(layer);
    }

    /**
     * The metadata of a snapshot's entries, in archive order (the last of duplicate paths). FILE
     * entries carry a content source reading the unpacked file (not following links).
     */
    public List<LayerEntry> entries(Digest diffId) throws IOException {
        Path f = path(diffId).resolve("entries");
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(f.toString(), null, "no snapshot of " + diffId);
        }
        if (lines.isEmpty() || !lines.get(0).equals(ENTRIES_MAGIC)) {
            throw new IOException(f + ": not a snapshot metadata file (version mismatch?)");
        }
        Path fs = fs(diffId);
        List<LayerEntry> out = new ArrayList<>(lines.size() - 1);
        for (int i = 1; i < lines.size(); i++) {
            try {
                out.add(parseLine(lines.get(i), fs));
            } catch (RuntimeException e) {
                throw new IOException(f + ":" + (i + 1) + ": corrupt snapshot metadata: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The diff-ids of every snapshot, sorted. */
    public List<Digest> list() throws IOException {
        List<Digest> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.length() == 64 && Files.isRegularFile(p.resolve("entries"), LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        out.add(new Digest("sha256", n));
                    } catch (IllegalArgumentException ignored) {
                        // not ours
                    }
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Removes a snapshot (first renamed away, so it is never seen half-deleted); returns the
     * bytes of its regular files, or -1 when there was none. The caller must know that nobody
     * uses it ({@link Store#prune} does this under the exclusive lock).
     */
    public long delete(Digest diffId) throws IOException {
        Path snap = path(diffId);
        if (!Files.exists(snap, LinkOption.NOFOLLOW_LINKS)) {
            return -1;
        }
        long size = Fs.treeSize(snap);
        moveToTrash(snap);
        return size;
    }

    private void moveToTrash(Path snap) throws IOException {
        Path trash = store.tmpDir().resolve(Fs.tempName("trash"));
        Fs.moveAtomically(snap, trash);
        Fs.deleteTree(trash);
    }

    LockFile layerLock(Digest diffId) {
        return LockFile.of(dir.resolve(diffId.hex() + ".lock"), true);
    }

    Path dir() {
        return dir;
    }

    /** Temp directories of this layer: stale, since we hold its lock. */
    private void removeStaleTemps(Digest diffId) throws IOException {
        String prefix = ".tmp-" + diffId.hex();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + ".*")) {
            for (Path p : ds) {
                if (prefix.equals(Fs.tempPrefix(p.getFileName().toString()))) {
                    Fs.deleteTree(p);
                }
            }
        }
    }

    // ---- unpacking -------------------------------------------------------------------------

    private static final class Unpacker {
        private final String layer;
        private final Path root;
        private final Set<String> realDirs = new HashSet<>();
        private final LinkedHashMap<String, LayerEntry> entries = new LinkedHashMap<>();
        private final byte[] buffer = new byte[64 * 1024];

        Unpacker(String layer, Path root) {
            this.layer = layer;
            this.root = root;
        }

        List<LayerEntry> unpack(LayerReader reader) throws IOException {
            for (LayerEntry e; (e = reader.next()) != null;) {
                unpackOne(e, reader);
            }
            // Directory times last: creating their children changed them.
            for (LayerEntry e : entries.values()) {
                if (e.type() == Type.DIRECTORY) {
                    setTimes(root.resolve(e.path()), e.mtime());
                }
            }
            return new ArrayList<>(entries.values());
        }

        private void unpackOne(LayerEntry e, LayerReader reader) throws IOException {
            Path target = parentsChecked(e.path());
            BasicFileAttributes existing = lstat(target);
            if (existing != null) {
                if (e.type() == Type.DIRECTORY && existing.isDirectory()) {
                    applyMode(target, e.mode(), true);
                    entries.remove(e.path());
                    entries.put(e.path(), e);
                    return;
                }
                if (existing.isDirectory()) {
                    Fs.deleteTree(target);
                    String prefix = e.path() + "/";
                    entries.keySet().removeIf(p -> p.startsWith(prefix));
                    realDirs.clear();
                } else {
                    Files.delete(target);
                }
                realDirs.remove(e.path());
                entries.remove(e.path());
            }
            switch (e.type()) {
                case DIRECTORY -> {
                    Files.createDirectory(target);
                    applyMode(target, e.mode(), true);
                    realDirs.add(e.path());
                }
                case FILE -> {
                    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        InputStream in = reader.content();
                        for (int n; (n = in.read(buffer)) >= 0;) {
                            out.write(buffer, 0, n);
                        }
                    }
                    applyMode(target, e.mode(), false);
                    setTimes(target, e.mtime());
                }
                case SYMLINK -> {
                    Path linkTarget;
                    try {
                        linkTarget = Paths.get(e.linkTarget());
                    } catch (java.nio.file.InvalidPathException ex) {
                        throw new LayerFormatException(layer, e.path(), "invalid symlink target: " + ex.getMessage());
                    }
                    Files.createSymbolicLink(target, linkTarget);
                }
                case HARDLINK -> {
                    Path source = existingChecked(e);
                    try {
                        Files.createLink(target, source);
                    } catch (IOException | UnsupportedOperationException ex) {
                        Files.copy(source, target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
                case FIFO, CHAR_DEVICE, BLOCK_DEVICE -> {
                    // Not creatable without privileges; an empty placeholder, the entry says what it is.
                    Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS).close();
                    applyMode(target, e.mode(), false);
                }
            }
            entries.put(e.path(), e);
        }

        /** The entry's location, after making sure each parent is a real directory of the snapshot (creating missing ones). */
        private Path parentsChecked(String path) throws IOException {
            String[] comps = path.split("/");
            Path cur = root;
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < comps.length - 1; i++) {
                if (i > 0) {
                    prefix.append('/');
                }
                prefix.append(comps[i]);
                cur = cur.resolve(comps[i]);
                String p = prefix.toString();
                if (realDirs.contains(p)) {
                    continue;
                }
                BasicFileAttributes a = lstat(cur);
                if (a == null) {
                    Files.createDirectory(cur); // implicit parent: not an entry of the layer
                } else if (a.isSymbolicLink()) {
                    throw new LayerFormatException(layer, path, "parent \"" + p
                            + "\" is a symlink in this layer; refusing to write through it");
                } else if (!a.isDirectory()) {
                    throw new LayerFormatException(layer, path, "parent \"" + p + "\" is not a directory");
                }
                realDirs.add(p);
            }
            Path target = root.resolve(path);
            if (!target.normalize().startsWith(root)) {
                throw new LayerFormatException(layer, path, "escapes the snapshot");
            }
            return target;
        }

        /** The hardlink's source: an existing non-directory of the snapshot, reached through real directories only. */
        private Path existingChecked(LayerEntry e) throws IOException {
            String t = e.linkTarget();
            String[] comps = t.split("/");
            Path cur = root;
            for (int i = 0; i < comps.length - 1; i++) {
                cur = cur.resolve(comps[i]);
                BasicFileAttributes a = lstat(cur);
                if (a == null || !a.isDirectory() || a.isSymbolicLink()) {
                    throw new LayerFormatException(layer, e.path(), "hardlink target \"" + t
                            + "\" is not inside the layer (missing, or below a symlink)");
                }
            }
            Path source = root.resolve(t);
            BasicFileAttributes a = lstat(source);
            if (a == null || a.isDirectory()) {
                throw new LayerFormatException(layer, e.path(), "hardlink target \"" + t
                        + "\" is " + (a == null ? "missing" : "a directory"));
            }
            return source;
        }

        private static BasicFileAttributes lstat(Path p) throws IOException {
            try {
                return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        private static void applyMode(Path p, int mode, boolean directory) throws IOException {
            int m = (mode & 0777) | (directory ? 0700 : 0600);
            Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
            PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
            };
            for (int i = 0; i < 9; i++) {
                if ((m & (1 << i)) != 0) {
                    perms.add(order[i]);
                }
            }
            try {
                Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).setPermissions(perms);
            } catch (UnsupportedOperationException | NullPointerException ignored) {
                // not a POSIX file system: the metadata still has the mode
            }
        }

        private static void setTimes(Path p, Instant mtime) {
            try {
                Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(FileTime.from(mtime), null, null);
            } catch (IOException | RuntimeException ignored) {
                // times on disk are a convenience; the metadata has them
            }
        }
    }

    // ---- metadata file -----------------------------------------------------------------------

    static void writeEntries(Path file, List<LayerEntry> entries) throws IOException {
        StringBuilder sb = new StringBuilder(entries.size() * 64 + 32);
        sb.append(ENTRIES_MAGIC).append('\n');
        for (LayerEntry e : entries) {
            sb.append(typeChar(e.type())).append('\t')
                    .append(Integer.toOctalString(e.mode())).append('\t')
                    .append(e.uid()).append('\t')
                    .append(e.gid()).append('\t')
                    .append(formatTime(e.mtime())).append('\t')
                    .append(e.size()).append('\t')
                    .append(e.devMajor()).append('\t')
                    .append(e.devMinor()).append('\t')
                    .append(escape(e.path())).append('\t')
                    .append(e.linkTarget() == null ? "" : escape(e.linkTarget())).append('\t');
            Iterator<Map.Entry<String, byte[]>> it = e.xattrs().entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, byte[]> x = it.next();
                sb.append(escape(x.getKey())).append('=').append(Base64.getEncoder().encodeToString(x.getValue()));
                if (it.hasNext()) {
                    sb.append(',');
                }
            }
            sb.append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("snapshot metadata " + file + " already exists", e);
        }
    }

    private static LayerEntry parseLine(String line, Path fs) {
        String[] f = line.split("\t", -1);
        if (f.length != 11) {
            throw new IllegalArgumentException("expected 11 fields, found " + f.length);
        }
        Type type = parseType(f[0]);
        int mode = Integer.parseInt(f[1], 8);
        long uid = Long.parseLong(f[2]);
        long gid = Long.parseLong(f[3]);
        Instant mtime = parseTime(f[4]);
        long size = Long.parseLong(f[5]);
        int major = Integer.parseInt(f[6]);
        int minor = Integer.parseInt(f[7]);
        String path = unescape(f[8]);
        String link = f[9].isEmpty() ? null : unescape(f[9]);
        Map<String, byte[]> xattrs = new TreeMap<>();
        if (!f[10].isEmpty()) {
            for (String kv : f[10].split(",")) {
                int eq = kv.indexOf('=');
                xattrs.put(unescape(kv.substring(0, eq)), Base64.getDecoder().decode(kv.substring(eq + 1)));
            }
        }
        LayerEntry.ContentSource content = null;
        if (type == Type.FILE) {
            Path file = fs.resolve(path);
            content = () -> Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        }
        return new LayerEntry(path, type, mode, uid, gid, mtime, size, link, content, major, minor, xattrs);
    }

    private static char typeChar(Type t) {
        return switch (t) {
            case FILE -> 'f';
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case HARDLINK -> 'h';
            case FIFO -> 'p';
            case CHAR_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
        };
    }

    private static Type parseType(String s) {
        return switch (s) {
            case "f" -> Type.FILE;
            case "d" -> Type.DIRECTORY;
            case "l" -> Type.SYMLINK;
            case "h" -> Type.HARDLINK;
            case "p" -> Type.FIFO;
            case "c" -> Type.CHAR_DEVICE;
            case "b" -> Type.BLOCK_DEVICE;
            default -> throw new IllegalArgumentException("unknown type " + s);
        };
    }

    private static String formatTime(Instant t) {
        return t.getNano() == 0 ? Long.toString(t.getEpochSecond())
                : t.getEpochSecond() + "." + String.format(java.util.Locale.ROOT, "%09d", t.getNano());
    }

    private static Instant parseTime(String s) {
        int dot = s.indexOf('.');
        if (dot < 0) {
            return Instant.ofEpochSecond(Long.parseLong(s));
        }
        return Instant.ofEpochSecond(Long.parseLong(s.substring(0, dot)), Long.parseLong(s.substring(dot + 1)));
    }

    /** Percent-escapes '%', ',', '=', control characters and DEL; everything else stays UTF-8. */
    static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' || c == ',' || c == '=' || c < 0x20 || c == 0x7f) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                sb.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
