package dev.jbuild.store;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The few Linux system calls the JDK lacks (through JNA): mknod, lchown, chmod with the
 * setuid/setgid/sticky bits, symlink and readlink on raw bytes, utimensat without following
 * links, and the {@code l*xattr} family. Paths are encoded as the JDK encodes them
 * ({@code sun.jnu.encoding}). Failures are IOExceptions (FileSystemException subclasses) naming
 * the path, the call and errno's text; {@link #errno(IOException)} recovers the number.
 */
final class Posix {
    private Posix() {}

    static final int S_IFMT = 0170000;
    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int S_IFDIR = 0040000;
    static final int S_IFBLK = 0060000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ERANGE = 34;
    static final int ENODATA = 61;
    static final int EOPNOTSUPP = 95;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;

    /** The C library, each call throwing LastErrorException on -1. */
    interface LibC extends Library {
        int mknod(byte[] path, int mode, long dev) throws LastErrorException;

        int lchown(byte[] path, int uid, int gid) throws LastErrorException;

        int chmod(byte[] path, int mode) throws LastErrorException;

        int symlink(byte[] target, byte[] linkpath) throws LastErrorException;

        long readlink(byte[] path, byte[] buf, long size) throws LastErrorException;

        int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

        long lgetxattr(byte[] path, byte[] name, byte[] value, long size) throws LastErrorException;

        long llistxattr(byte[] path, byte[] list, long size) throws LastErrorException;

        int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags) throws LastErrorException;

        int lremovexattr(byte[] path, byte[] name) throws LastErrorException;

        int geteuid();

        int open(byte[] path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int ioctl(int fd, long request, int[] arg) throws LastErrorException;
    }

    /** glibc before 2.33 exports mknod only as {@code __xmknod}. */
    interface OldMknod extends Library {
        int __xmknod(int ver, byte[] path, int mode, long[] dev) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC C;
        static final Throwable FAILURE;
        static {
            LibC c = null;
            Throwable failure = null;
            try {
                if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                    throw new UnsupportedOperationException("not Linux (" + System.getProperty("os.name") + ")");
                }
                if (Native.LONG_SIZE != 8) {
                    throw new UnsupportedOperationException("a 64-bit JVM is required");
                }
                c = Native.load("c", LibC.class);
            } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ...
                failure = t;
            }
            C = c;
            FAILURE = failure;
        }
    }

    /** Whether the native calls work here (Linux, 64-bit, JNA loaded). */
    static boolean available() {
        return Holder.C != null;
    }

    private static LibC c() throws IOException {
        if (Holder.C == null) {
            throw new IOException("native file-system calls are unavailable (overlay snapshots need Linux): "
                    + Holder.FAILURE, Holder.FAILURE);
        }
        return Holder.C;
    }

    static int geteuid() throws IOException {
        return c().geteuid();
    }

    private static Charset pathCharset() {
        String enc = System.getProperty("sun.jnu.encoding");
        try {
            return enc == null ? StandardCharsets.UTF_8 : Charset.forName(enc);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    private static final Charset PATH_CHARSET = pathCharset();

    /** NUL-terminated bytes of a path, as the JDK passes it to the kernel. */
    static byte[] cpath(Path p) {
        return cstring(p.toString().getBytes(PATH_CHARSET));
    }

    private static byte[] cstring(byte[] b) {
        return Arrays.copyOf(b, b.length + 1);
    }

    private static byte[] cname(String xattr) {
        return cstring(xattr.getBytes(StandardCharsets.UTF_8));
    }

    static IOException error(LastErrorException e, String call, Path path, String other) {
        int errno = e.getErrorCode();
        String text = call + ": " + strerror(errno) + " (errno " + errno + ")";
        FileSystemException ex = switch (errno) {
            case ENOENT -> new NoSuchFileException(path.toString(), other, text);
            case EEXIST -> new FileAlreadyExistsException(path.toString(), other, text);
            case EACCES, EPERM -> new AccessDeniedException(path.toString(), other, text);
            default -> new FileSystemException(path.toString(), other, text);
        };
        ex.initCause(new ErrnoException(errno, e));
        return ex;
    }

    /** The errno of an IOException made here, or 0. */
    static int errno(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ErrnoException ee) {
                return ee.errno;
            }
        }
        return 0;
    }

    /** Carries errno as the cause of the FileSystemExceptions thrown here. */
    static final class ErrnoException extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        ErrnoException(int errno, Throwable cause) {
            super("errno " + errno, cause);
            this.errno = errno;
        }
    }

    private static String strerror(int errno) {
        return switch (errno) {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case EACCES -> "Permission denied";
            case EEXIST -> "File exists";
            case EINVAL -> "Invalid argument";
            case ERANGE -> "Numerical result out of range";
            case ENODATA -> "No data available";
            case EOPNOTSUPP -> "Operation not supported";
            case 18 -> "Invalid cross-device link";
            case 20 -> "Not a directory";
            case 21 -> "Is a directory";
            case 28 -> "No space left on device";
            case 30 -> "Read-only file system";
            case 31 -> "Too many links";
            case 36 -> "File name too long";
            case 40 -> "Too many levels of symbolic links";
            default -> "error";
        };
    }

    // ---- calls ------------------------------------------------------------------------------

    /** Linux's dev_t encoding (glibc's makedev). */
    static long makedev(long major, long minor) {
        return ((major & 0xfffL) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xffL) | ((minor & ~0xffL) << 12);
    }

    static int major(long dev) {
        return (int) (((dev >>> 8) & 0xfffL) | ((dev >>> 32) & ~0xfffL));
    }

    static int minor(long dev) {
        return (int) ((dev & 0xffL) | ((dev >>> 12) & ~0xffL));
    }

    /** mknod(2): {@code mode} includes the file type ({@link #S_IFCHR}, ...). */
    static void mknod(Path p, int mode, int major, int minor) throws IOException {
        LibC c = c();
        byte[] path = cpath(p);
        long dev = makedev(major, minor);
        try {
            c.mknod(path, mode, dev);
        } catch (UnsatisfiedLinkError old) {
            try {
                Native.load("c", OldMknod.class).__xmknod(0, path, mode, new long[] {dev});
            } catch (LastErrorException e) {
                throw error(e, "mknod", p, null);
            }
        } catch (LastErrorException e) {
            throw error(e, "mknod", p, null);
        }
    }

    /** lchown(2); ids are unsigned 32-bit. */
    static void lchown(Path p, long uid, long gid) throws IOException {
        if (uid < 0 || uid > 0xfffffffeL || gid < 0 || gid > 0xfffffffeL) {
            throw new FileSystemException(p.toString(), null, "uid/gid " + uid + ":" + gid + " out of range");
        }
        try {
            c().lchown(cpath(p), (int) uid, (int) gid);
        } catch (LastErrorException e) {
            throw error(e, "lchown", p, null);
        }
    }

    /** chmod(2) with all of 07777. Follows symlinks: never call it on one. */
    static void chmod(Path p, int mode) throws IOException {
        try {
            c().chmod(cpath(p), mode & 07777);
        } catch (LastErrorException e) {
            throw error(e, "chmod", p, null);
        }
    }

    /** symlink(2) with the target's bytes unchanged (the JDK would normalise "a//b/" to "a/b"). */
    static void symlink(String target, Path link) throws IOException {
        try {
            c().symlink(cstring(target.getBytes(StandardCharsets.UTF_8)), cpath(link));
        } catch (LastErrorException e) {
            throw error(e, "symlink", link, null);
        }
    }

    /** readlink(2), the target's bytes decoded as UTF-8 and otherwise unchanged. */
    static String readlink(Path link) throws IOException {
        LibC c = c();
        byte[] path = cpath(link);
        for (int size = 256; ; size *= 4) {
            byte[] buf = new byte[size];
            long n;
            try {
                n = c.readlink(path, buf, size);
            } catch (LastErrorException e) {
                throw error(e, "readlink", link, null);
            }
            if (n < size) {
                return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
            }
            if (size > 1 << 20) {
                throw new FileSystemException(link.toString(), null, "readlink: target too long");
            }
        }
    }

    /** Sets atime and mtime to {@code t} (nanoseconds kept) without following a symlink. */
    static void lutimes(Path p, Instant t) throws IOException {
        long[] times = {t.getEpochSecond(), t.getNano(), t.getEpochSecond(), t.getNano()};
        try {
            c().utimensat(AT_FDCWD, cpath(p), times, AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException e) {
            throw error(e, "utimensat", p, null);
        }
    }

    private static final int O_RDONLY_DIRECTORY_NOFOLLOW_CLOEXEC = 0 | 0200000 | 0400000 | 02000000;
    private static final long FS_IOC_GETFLAGS = 0x80086601L;
    private static final long FS_IOC_SETFLAGS = 0x40086602L;
    private static final int FS_TOPDIR_FL = 0x00020000;

    /**
     * Marks a directory as a top of directory hierarchies for ext2/3/4's Orlov allocator (chattr +T): its new
     * subdirectories go to block groups with many free inodes instead of next to their parent. False when the
     * file system has no such flag, or it cannot be set; a hint only.
     */
    static boolean setTopDir(Path dir) {
        if (!available()) {
            return false;
        }
        LibC c = Holder.C;
        int fd;
        try {
            fd = c.open(cpath(dir), O_RDONLY_DIRECTORY_NOFOLLOW_CLOEXEC);
        } catch (LastErrorException e) {
            return false;
        }
        try {
            int[] flags = new int[1];
            c.ioctl(fd, FS_IOC_GETFLAGS, flags);
            if ((flags[0] & FS_TOPDIR_FL) != 0) {
                return true;
            }
            flags[0] |= FS_TOPDIR_FL;
            c.ioctl(fd, FS_IOC_SETFLAGS, flags);
            return true;
        } catch (LastErrorException e) {
            return false; // not ext2/3/4 (ENOTTY, EOPNOTSUPP), or not the owner
        } finally {
            try {
                c.close(fd);
            } catch (LastErrorException ignored) {
                // nothing to do
            }
        }
    }

    /** Every extended attribute of {@code p} (not following a symlink), by name. */
    static Map<String, byte[]> listXattrs(Path p) throws IOException {
        LibC c = c();
        byte[] path = cpath(p);
        TreeMap<String, byte[]> out = new TreeMap<>();
        byte[] list;
        while (true) {
            long size;
            try {
                size = c.llistxattr(path, null, 0);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == EOPNOTSUPP) {
                    return out; // the file system has no xattrs
                }
                throw error(e, "llistxattr", p, null);
            }
            if (size == 0) {
                return out;
            }
            list = new byte[(int) size];
            try {
                long n = c.llistxattr(path, list, size);
                list = Arrays.copyOf(list, (int) n);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != ERANGE) {
                    throw error(e, "llistxattr", p, null);
                }
                // grew meanwhile: again
            }
        }
        int start = 0;
        for (int i = 0; i < list.length; i++) {
            if (list[i] == 0) {
                if (i > start) {
                    String name = new String(list, start, i - start, StandardCharsets.UTF_8);
                    byte[] v = getXattr(p, name);
                    if (v != null) {
                        out.put(name, v);
                    }
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** One extended attribute, or null when absent. */
    static byte[] getXattr(Path p, String name) throws IOException {
        LibC c = c();
        byte[] path = cpath(p);
        byte[] cn = cname(name);
        while (true) {
            long size;
            try {
                size = c.lgetxattr(path, cn, null, 0);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ENODATA || e.getErrorCode() == EOPNOTSUPP) {
                    return null;
                }
                throw error(e, "lgetxattr " + name, p, null);
            }
            byte[] v = new byte[(int) size];
            if (size == 0) {
                return v;
            }
            try {
                long n = c.lgetxattr(path, cn, v, size);
                return n == size ? v : Arrays.copyOf(v, (int) n);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ENODATA) {
                    return null;
                }
                if (e.getErrorCode() != ERANGE) {
                    throw error(e, "lgetxattr " + name, p, null);
                }
            }
        }
    }

    /** Sets an extended attribute (not following a symlink). */
    static void setXattr(Path p, String name, byte[] value) throws IOException {
        try {
            c().lsetxattr(cpath(p), cname(name), value.length == 0 ? null : value, value.length, 0);
        } catch (LastErrorException e) {
            throw error(e, "lsetxattr " + name, p, null);
        }
    }

    static void removeXattr(Path p, String name) throws IOException {
        try {
            c().lremovexattr(cpath(p), cname(name));
        } catch (LastErrorException e) {
            if (e.getErrorCode() != ENODATA) {
                throw error(e, "lremovexattr " + name, p, null);
            }
        }
    }
}
