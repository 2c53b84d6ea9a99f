package dev.jbuild.store;

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
 * The few Linux system calls the JDK lacks (through our JNI library, src/main/c/jbuild-posix.c): mknod, lchown, chmod with the
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

    private static final class Holder {
        static final Throwable FAILURE;
        static {
            Throwable failure = null;
            try {
                if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                    throw new UnsupportedOperationException("not Linux (" + System.getProperty("os.name") + ")");
                }
                if (!"64".equals(System.getProperty("sun.arch.data.model"))) {
                    throw new UnsupportedOperationException("a 64-bit JVM is required");
                }
                NativeLibraryFile.load("libjbuild-posix");
                PosixCalls.geteuid(); // links a native method now: a library without our symbols fails here
            } catch (Throwable t) { // IOException, UnsatisfiedLinkError (a noexec directory), ...
                failure = t;
            }
            FAILURE = failure;
        }
    }

    /** Whether the native calls work here (Linux, 64-bit, our library loaded). */
    static boolean available() {
        return Holder.FAILURE == null;
    }

    static void checkAvailable() throws IOException {
        c();
    }

    private static void c() throws IOException {
        if (Holder.FAILURE != null) {
            throw new IOException("native file-system calls are unavailable (overlay snapshots need Linux): "
                    + Holder.FAILURE, Holder.FAILURE);
        }
    }

    /** The result of a native call, or the IOException of its {@code -errno}. */
    private static long check(long r, String call, Path path) throws IOException {
        if (r < 0) {
            throw error((int) -r, call, path, null);
        }
        return r;
    }

    static int geteuid() throws IOException {
        c();
        return (int) PosixCalls.geteuid();
    }

    private static Charset pathCharset() {
        String enc = System.getProperty("sun.jnu.encoding");
        try {
            return enc == null ? StandardCharsets.UTF_8 : Charset.forName(enc);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The charset the JDK encodes and decodes file names with. */
    static final Charset PATH_CHARSET = pathCharset();

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

    static IOException error(int errno, String call, Path path, String other) {
        String text = call + ": " + strerror(errno) + " (errno " + errno + ")";
        FileSystemException ex = switch (errno) {
            case ENOENT -> new NoSuchFileException(path.toString(), other, text);
            case EEXIST -> new FileAlreadyExistsException(path.toString(), other, text);
            case EACCES, EPERM -> new AccessDeniedException(path.toString(), other, text);
            default -> new FileSystemException(path.toString(), other, text);
        };
        ex.initCause(new ErrnoException(errno));
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

        ErrnoException(int errno) {
            super("errno " + errno);
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
        c();
        check(PosixCalls.mknod(cpath(p), mode, makedev(major, minor)), "mknod", p);
    }

    /** lchown(2); ids are unsigned 32-bit. */
    static void lchown(Path p, long uid, long gid) throws IOException {
        if (uid < 0 || uid > 0xfffffffeL || gid < 0 || gid > 0xfffffffeL) {
            throw new FileSystemException(p.toString(), null, "uid/gid " + uid + ":" + gid + " out of range");
        }
        c();
        check(PosixCalls.lchown(cpath(p), (int) uid, (int) gid), "lchown", p);
    }

    /** chmod(2) with all of 07777. Follows symlinks: never call it on one. */
    static void chmod(Path p, int mode) throws IOException {
        c();
        check(PosixCalls.chmod(cpath(p), mode & 07777), "chmod", p);
    }

    /**
     * Removes a file or a directory tree (symlinks not followed, unreadable directories opened up); false when a
     * call failed, leaving the rest for the caller.
     */
    static boolean removeTree(Path p) {
        return available() && PosixCalls.removeTree(cpath(p)) == 0;
    }

    /** symlink(2) with the target's bytes unchanged (the JDK would normalise "a//b/" to "a/b"). */
    static void symlink(String target, Path link) throws IOException {
        c();
        check(PosixCalls.symlink(cstring(target.getBytes(StandardCharsets.UTF_8)), cpath(link)), "symlink", link);
    }

    /** readlink(2), the target's bytes decoded as UTF-8 and otherwise unchanged. */
    static String readlink(Path link) throws IOException {
        c();
        byte[] path = cpath(link);
        for (int size = 256; ; size *= 4) {
            byte[] buf = new byte[size];
            long n = check(PosixCalls.readlink(path, buf), "readlink", link);
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
        c();
        check(PosixCalls.utimensat(AT_FDCWD, cpath(p), t.getEpochSecond(), t.getNano(), t.getEpochSecond(), t.getNano(),
                AT_SYMLINK_NOFOLLOW), "utimensat", p);
    }

    private static final int O_RDONLY_DIRECTORY_NOFOLLOW_CLOEXEC = 0 | 0200000 | 0400000 | 02000000;
    private static final long FS_IOC_GETFLAGS = 0x80086601L;
    private static final long FS_IOC_SETFLAGS = 0x40086602L;
    static final int FS_TOPDIR_FL = 0x00020000;

    /**
     * Marks a directory as a top of directory hierarchies for ext2/3/4's Orlov allocator (chattr +T): its new
     * subdirectories go to block groups with many free inodes instead of next to their parent. False when the
     * file system has no such flag, or it cannot be set; a hint only.
     */
    static boolean setTopDir(Path dir) {
        if (!available()) {
            return false;
        }
        long fd = PosixCalls.open(cpath(dir), O_RDONLY_DIRECTORY_NOFOLLOW_CLOEXEC);
        if (fd < 0) {
            return false;
        }
        try {
            int[] flags = new int[1];
            if (PosixCalls.ioctlInt((int) fd, FS_IOC_GETFLAGS, flags) < 0) {
                return false; // not ext2/3/4 (ENOTTY, EOPNOTSUPP)
            }
            if ((flags[0] & FS_TOPDIR_FL) != 0) {
                return true;
            }
            flags[0] |= FS_TOPDIR_FL;
            return PosixCalls.ioctlInt((int) fd, FS_IOC_SETFLAGS, flags) == 0; // fails when not the owner
        } finally {
            PosixCalls.close((int) fd);
        }
    }

    /** Every extended attribute of {@code p} (not following a symlink), by name. */
    static Map<String, byte[]> listXattrs(Path p) throws IOException {
        c();
        byte[] path = cpath(p);
        TreeMap<String, byte[]> out = new TreeMap<>();
        byte[] list;
        while (true) {
            long size = PosixCalls.llistxattr(path, null);
            if (size == -EOPNOTSUPP) {
                return out; // the file system has no xattrs
            }
            check(size, "llistxattr", p);
            if (size == 0) {
                return out;
            }
            list = new byte[(int) size];
            long n = PosixCalls.llistxattr(path, list);
            if (n >= 0) {
                list = Arrays.copyOf(list, (int) n);
                break;
            }
            if (n != -ERANGE) {
                check(n, "llistxattr", p);
            }
            // grew meanwhile: again
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
        c();
        byte[] path = cpath(p);
        byte[] cn = cname(name);
        while (true) {
            long size = PosixCalls.lgetxattr(path, cn, null);
            if (size == -ENODATA || size == -EOPNOTSUPP) {
                return null;
            }
            check(size, "lgetxattr " + name, p);
            byte[] v = new byte[(int) size];
            if (size == 0) {
                return v;
            }
            long n = PosixCalls.lgetxattr(path, cn, v);
            if (n >= 0) {
                return n == size ? v : Arrays.copyOf(v, (int) n);
            }
            if (n == -ENODATA) {
                return null;
            }
            if (n != -ERANGE) {
                check(n, "lgetxattr " + name, p);
            }
            // grew meanwhile: again
        }
    }

    /** Sets an extended attribute (not following a symlink). */
    static void setXattr(Path p, String name, byte[] value) throws IOException {
        c();
        check(PosixCalls.lsetxattr(cpath(p), cname(name), value.length == 0 ? null : value, 0), "lsetxattr " + name, p);
    }

    static void removeXattr(Path p, String name) throws IOException {
        c();
        long r = PosixCalls.lremovexattr(cpath(p), cname(name));
        if (r != -ENODATA) {
            check(r, "lremovexattr " + name, p);
        }
    }
}
