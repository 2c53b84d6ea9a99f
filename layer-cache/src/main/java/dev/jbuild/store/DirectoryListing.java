package dev.jbuild.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A directory's entries with what one lstat gives, in one native call per directory: the build context is walked this
 * way on every build, and 20,000 files through {@code Files.readAttributes}' attribute map cost several times the
 * stats themselves. Names are decoded as the JDK decodes file names (a byte sequence that is not valid in that
 * encoding gives U+FFFD, as in a {@link Path}).
 */
public final class DirectoryListing {
    private DirectoryListing() {}

    /** One entry: its name, st_mode (type and permission bits), size, mtime and ctime in ns, and inode. */
    public record Entry(String name, int mode, long size, long mtimeNanos, long ctimeNanos, long inode) {}

    /** Whether the native listing works here (Linux, the library loaded). */
    public static boolean available() {
        return Posix.available();
    }

    /**
     * One entry as a layer diff needs it: its lstat and whether it has extended attributes; {@code validName} is
     * false when the name's bytes are not valid in the file-name encoding (the name then holds U+FFFD).
     */
    public record DiffEntry(String name, boolean validName, int mode, long uid, long gid, long dev, long ino, long rdev,
            long nlink, long size, long mtimeSeconds, int mtimeNanos, boolean hasXattrs) {}

    /** The entries of {@code dir} for a layer diff, unsorted, as {@link #list} gives them. */
    public static List<DiffEntry> listForDiff(Path dir) throws IOException {
        byte[] packed = packed(dir, PosixCalls::listDirectoryForDiff);
        Charset names = Posix.PATH_CHARSET;
        ByteBuffer b = ByteBuffer.wrap(packed).order(ByteOrder.nativeOrder());
        List<DiffEntry> out = new ArrayList<>();
        while (b.hasRemaining()) {
            int nl = Short.toUnsignedInt(b.getShort());
            int at = b.position();
            String name = new String(packed, at, nl, names);
            byte[] again = name.getBytes(names);
            boolean valid = java.util.Arrays.equals(again, 0, again.length, packed, at, at + nl);
            b.position(at + nl);
            int mode = b.getInt();
            long uid = Integer.toUnsignedLong(b.getInt());
            long gid = Integer.toUnsignedLong(b.getInt());
            long dev = b.getLong();
            long ino = b.getLong();
            long rdev = b.getLong();
            long nlink = b.getLong();
            long size = b.getLong();
            long mtime = b.getLong();
            int mtimeNanos = b.getInt();
            int xattrs = b.getInt();
            b.position(b.position() + xattrs);
            out.add(new DiffEntry(name, valid, mode, uid, gid, dev, ino, rdev, nlink, size, mtime, mtimeNanos,
                    xattrs > 0));
        }
        return out;
    }

    /** The entries of {@code dir}, unsorted, without "." and ".."; an entry gone before its stat is left out. */
    public static List<Entry> list(Path dir) throws IOException {
        byte[] packed = packed(dir, PosixCalls::listDirectory);
        ByteBuffer b = ByteBuffer.wrap(packed).order(ByteOrder.nativeOrder());
        List<Entry> out = new ArrayList<>();
        while (b.hasRemaining()) {
            out.add(next(b, packed));
        }
        return out;
    }

    /**
     * The entry at the buffer's position, which moves past it. A method of its own so that C1 compiles it within the
     * first few hundred entries of a walk: a loop over one directory's hundred entries would run interpreted.
     */
    private static Entry next(ByteBuffer b, byte[] packed) {
        int nl = Short.toUnsignedInt(b.getShort());
        String name = new String(packed, b.position(), nl, Posix.PATH_CHARSET);
        b.position(b.position() + nl);
        int mode = b.getInt();
        long size = b.getLong();
        long mtime = b.getLong() * 1_000_000_000L + Integer.toUnsignedLong(b.getInt());
        long ctime = b.getLong() * 1_000_000_000L + Integer.toUnsignedLong(b.getInt());
        long ino = b.getLong();
        return new Entry(name, mode, size, mtime, ctime, ino);
    }

    private interface Listing {
        byte[] list(byte[] path, int[] err);
    }

    /** A native listing's packed entries; the failure, with its errno, as an IOException. */
    private static byte[] packed(Path dir, Listing listing) throws IOException {
        Posix.checkAvailable();
        int[] err = new int[1];
        byte[] packed = listing.list(Posix.cpath(dir), err);
        if (packed == null) {
            throw Posix.error(err[0], "opendir", dir, null);
        }
        return packed;
    }
}
