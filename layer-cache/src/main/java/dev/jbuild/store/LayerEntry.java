package dev.jbuild.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One entry of a layer tar.
 *
 * @param path       relative, '/'-separated, no leading or trailing slash, no empty, "." or ".." component
 * @param type       what it is
 * @param mode       permission bits including setuid, setgid and sticky ({@code 07777}); no file-type bits
 * @param uid        numeric owner (names are never written)
 * @param gid        numeric group
 * @param mtime      modification time (the writer truncates it to whole seconds)
 * @param size       content length for {@link Type#FILE}, 0 for every other type
 * @param linkTarget the target of a symlink (any string) or of a hardlink (a path of this layer); null otherwise
 * @param content    the content of a FILE (opened once, must yield exactly {@code size} bytes); null
 *                   for other types, and in entries read back from a layer or a snapshot's metadata
 *                   unless documented otherwise
 * @param devMajor   device major number (character and block devices)
 * @param devMinor   device minor number
 * @param xattrs     extended attributes, sorted by name; values are raw bytes
 */
public record LayerEntry(String path, Type type, int mode, long uid, long gid, Instant mtime, long size,
        String linkTarget, ContentSource content, int devMajor, int devMinor, Map<String, byte[]> xattrs) {

    /** Entry types, as tar knows them. */
    public enum Type {
        FILE, DIRECTORY, SYMLINK, HARDLINK, FIFO, CHAR_DEVICE, BLOCK_DEVICE
    }

    /** The content of a file entry; called once per layer write, and the stream is closed after use. */
    @FunctionalInterface
    public interface ContentSource {
        InputStream open() throws IOException;
    }

    /** The prefix of a whiteout marker's name (OCI image spec, "Whiteouts"). */
    public static final String WHITEOUT_PREFIX = ".wh.";
    /** The name of the opaque-directory marker. */
    public static final String OPAQUE_WHITEOUT = ".wh..wh..opq";

    public LayerEntry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mtime, "mtime");
        checkPath(path);
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException(path + ": mode " + Integer.toOctalString(mode)
                    + " has bits beyond 07777 (give permission bits only)");
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException(path + ": negative uid/gid " + uid + ":" + gid);
        }
        if (devMajor < 0 || devMinor < 0) {
            throw new IllegalArgumentException(path + ": negative device numbers");
        }
        if (type == Type.FILE) {
            if (size < 0) {
                throw new IllegalArgumentException(path + ": negative size " + size);
            }
        } else if (size != 0) {
            throw new IllegalArgumentException(path + ": a " + type + " entry has no content, size must be 0");
        }
        if (type == Type.SYMLINK || type == Type.HARDLINK) {
            if (linkTarget == null || linkTarget.isEmpty()) {
                throw new IllegalArgumentException(path + ": a " + type + " needs a link target");
            }
            if (linkTarget.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(path + ": NUL in link target");
            }
            if (type == Type.HARDLINK) {
                checkPath(linkTarget);
            }
        } else if (linkTarget != null) {
            throw new IllegalArgumentException(path + ": a " + type + " has no link target");
        }
        if (content != null && type != Type.FILE) {
            throw new IllegalArgumentException(path + ": only FILE entries have content");
        }
        if (xattrs == null || xattrs.isEmpty()) {
            xattrs = NO_XATTRS; // nearly every entry: no map to build
        } else {
            xattrs = copyXattrs(path, xattrs);
        }
    }

    private static final Map<String, byte[]> NO_XATTRS = Collections.unmodifiableSortedMap(new TreeMap<>());

    private static Map<String, byte[]> copyXattrs(String path, Map<String, byte[]> xattrs) {
        TreeMap<String, byte[]> x = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
            String k = Objects.requireNonNull(e.getKey(), "xattr name");
            if (k.isEmpty() || k.indexOf('\0') >= 0 || k.indexOf('=') >= 0) {
                throw new IllegalArgumentException(path + ": invalid xattr name \"" + k + "\"");
            }
            x.put(k, Objects.requireNonNull(e.getValue(), "xattr value").clone());
        }
        return Collections.unmodifiableSortedMap(x); // sorted by name
    }

    /** Throws IllegalArgumentException unless {@code path} is a clean relative path as described above. */
    public static void checkPath(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("empty layer path");
        }
        if (path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("layer path \"" + path + "\" must be relative, without leading or trailing '/'");
        }
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("layer path \"" + path + "\" contains NUL");
        }
        // A scan rather than split("/"): every entry of every layer passes here.
        int start = 0;
        int n = path.length();
        while (start <= n) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = n;
            }
            int len = end - start;
            if (len == 0 || (len == 1 && path.charAt(start) == '.')
                    || (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
                throw new IllegalArgumentException("layer path \"" + path + "\" is not clean (empty, '.' or '..' component)");
            }
            start = end + 1;
        }
    }

    public static LayerEntry directory(String path, int mode, long uid, long gid, Instant mtime) {
        return new LayerEntry(path, Type.DIRECTORY, mode, uid, gid, mtime, 0, null, null, 0, 0, null);
    }

    public static LayerEntry file(String path, int mode, long uid, long gid, Instant mtime, long size, ContentSource content) {
        return new LayerEntry(path, Type.FILE, mode, uid, gid, mtime, size, null, content, 0, 0, null);
    }

    /** A file with in-memory content (small files, tests). */
    public static LayerEntry file(String path, int mode, long uid, long gid, Instant mtime, byte[] content) {
        byte[] copy = content.clone();
        return file(path, mode, uid, gid, mtime, copy.length, () -> new ByteArrayInputStream(copy));
    }

    /** A symlink; its mode is 0777, as on Linux. */
    public static LayerEntry symlink(String path, String target, long uid, long gid, Instant mtime) {
        return new LayerEntry(path, Type.SYMLINK, 0777, uid, gid, mtime, 0, target, null, 0, 0, null);
    }

    /** A hardlink to {@code target}, another path of the same layer. */
    public static LayerEntry hardlink(String path, String target, int mode, long uid, long gid, Instant mtime) {
        return new LayerEntry(path, Type.HARDLINK, mode, uid, gid, mtime, 0, target, null, 0, 0, null);
    }

    public static LayerEntry fifo(String path, int mode, long uid, long gid, Instant mtime) {
        return new LayerEntry(path, Type.FIFO, mode, uid, gid, mtime, 0, null, null, 0, 0, null);
    }

    public static LayerEntry device(String path, Type type, int mode, long uid, long gid, Instant mtime, int major, int minor) {
        if (type != Type.CHAR_DEVICE && type != Type.BLOCK_DEVICE) {
            throw new IllegalArgumentException("not a device type: " + type);
        }
        return new LayerEntry(path, type, mode, uid, gid, mtime, 0, null, null, major, minor, null);
    }

    /** A whiteout marker deleting {@code deletedPath} of a lower layer. */
    public static LayerEntry whiteout(String deletedPath, Instant mtime) {
        int slash = deletedPath.lastIndexOf('/');
        String p = slash < 0 ? WHITEOUT_PREFIX + deletedPath
                : deletedPath.substring(0, slash + 1) + WHITEOUT_PREFIX + deletedPath.substring(slash + 1);
        return file(p, 0, 0, 0, mtime, new byte[0]);
    }

    public LayerEntry withPath(String newPath) {
        return new LayerEntry(newPath, type, mode, uid, gid, mtime, size, linkTarget, content, devMajor, devMinor, xattrs);
    }

    public LayerEntry withMtime(Instant newMtime) {
        return new LayerEntry(path, type, mode, uid, gid, newMtime, size, linkTarget, content, devMajor, devMinor, xattrs);
    }

    public LayerEntry withMode(int newMode) {
        return new LayerEntry(path, type, newMode, uid, gid, mtime, size, linkTarget, content, devMajor, devMinor, xattrs);
    }

    public LayerEntry withOwner(long newUid, long newGid) {
        return new LayerEntry(path, type, mode, newUid, newGid, mtime, size, linkTarget, content, devMajor, devMinor, xattrs);
    }

    public LayerEntry withXattrs(Map<String, byte[]> newXattrs) {
        return new LayerEntry(path, type, mode, uid, gid, mtime, size, linkTarget, content, devMajor, devMinor,
                newXattrs == null ? null : new TreeMap<>(newXattrs));
    }

    public LayerEntry withContent(long newSize, ContentSource newContent) {
        return new LayerEntry(path, type, mode, uid, gid, mtime, newSize, linkTarget, newContent, devMajor, devMinor, xattrs);
    }

    /** The last path component. */
    public String name() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    /** The parent path, "" for a top-level entry. */
    public String parent() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** A whiteout marker ({@code .wh.<name>}, including the opaque marker). */
    public boolean isWhiteout() {
        return name().startsWith(WHITEOUT_PREFIX);
    }

    public boolean isOpaqueWhiteout() {
        return name().equals(OPAQUE_WHITEOUT);
    }

    /** Equality ignores {@link #content} and compares xattr values by content. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LayerEntry e)) {
            return false;
        }
        if (!(path.equals(e.path) && type == e.type && mode == e.mode && uid == e.uid && gid == e.gid
                && mtime.equals(e.mtime) && size == e.size && Objects.equals(linkTarget, e.linkTarget)
                && devMajor == e.devMajor && devMinor == e.devMinor && xattrs.size() == e.xattrs.size())) {
            return false;
        }
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            byte[] other = e.xattrs.get(x.getKey());
            if (other == null || !Arrays.equals(x.getValue(), other)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(path, type, mode, uid, gid, mtime, size, linkTarget, devMajor, devMinor);
        for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
            h = 31 * h + x.getKey().hashCode() * 17 + Arrays.hashCode(x.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(type).append(' ').append(path).append(" mode=0").append(Integer.toOctalString(mode))
                .append(' ').append(uid).append(':').append(gid).append(" mtime=").append(mtime);
        if (type == Type.FILE) {
            sb.append(" size=").append(size);
        }
        if (linkTarget != null) {
            sb.append(" -> ").append(linkTarget);
        }
        if (type == Type.CHAR_DEVICE || type == Type.BLOCK_DEVICE) {
            sb.append(" dev=").append(devMajor).append(',').append(devMinor);
        }
        if (!xattrs.isEmpty()) {
            sb.append(" xattrs=").append(xattrs.keySet());
        }
        return sb.toString();
    }
}
