package dev.jbuild.store;

/**
 * The native methods of src/main/c/jbuild-posix.c, one per C library call {@link Posix} makes. Each returns the
 * call's result, or {@code -errno} when it failed; byte-array paths and names are NUL-terminated, a null buffer
 * is passed as NULL. Only {@link Posix} calls these, after {@link NativeLibraryFile} loaded the library.
 */
final class PosixCalls {
    private PosixCalls() {}

    static native long mknod(byte[] path, int mode, long dev);

    static native long lchown(byte[] path, int uid, int gid);

    static native long chmod(byte[] path, int mode);

    /** Removes a file or a directory tree without following symlinks: 0, or -errno of the first failure. */
    static native long removeTree(byte[] path);

    static native long symlink(byte[] target, byte[] linkpath);

    /** Fills {@code buf} (its whole length) with the target's bytes, not NUL-terminated. */
    static native long readlink(byte[] path, byte[] buf);

    static native long utimensat(int dirfd, byte[] path, long atimeSec, long atimeNsec, long mtimeSec,
            long mtimeNsec, int flags);

    /** {@code value} null asks for the size. */
    static native long lgetxattr(byte[] path, byte[] name, byte[] value);

    /** {@code list} null asks for the size. */
    static native long llistxattr(byte[] path, byte[] list);

    /** The whole of {@code value} (null: empty) is the attribute's value. */
    static native long lsetxattr(byte[] path, byte[] name, byte[] value, int flags);

    static native long lremovexattr(byte[] path, byte[] name);

    /** Unsigned: a non-negative long. */
    static native long geteuid();

    static native long open(byte[] path, int flags);

    static native long close(int fd);

    /** ioctl(2) with a pointer to {@code arg[0]}, read and written. */
    static native long ioctlInt(int fd, long request, int[] arg);

    /**
     * A directory's entries with their lstat, packed (see {@code listDirectory} in the C source and {@link
     * DirectoryListing}); null on failure, with errno in {@code err[0]}.
     */
    static native byte[] listDirectory(byte[] path, int[] err);

    /**
     * A directory's entries for a layer diff, packed (see {@code listDirectoryForDiff} in the C source and {@link
     * DirectoryListing#listForDiff}); null on failure, with errno in {@code err[0]}.
     */
    static native byte[] listDirectoryForDiff(byte[] path, int[] err);
}
