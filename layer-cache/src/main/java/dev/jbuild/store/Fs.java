package dev.jbuild.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** File-system helpers shared by the stores: temp names that carry the owner's pid, atomic writes, fsync, tree removal. */
public final class Fs {
    private Fs() {}

    static final long PID = ProcessHandle.current().pid();
    private static final Pattern TEMP_NAME = Pattern.compile("(.*)\\.(\\d+)\\.([0-9a-f]{16})");
    /** Temp files of a live process (or of another pid namespace) older than this are abandoned. */
    static final Duration ABANDONED_AGE = Duration.ofHours(24);

    /**
     * {@code prefix.<pid>.<16 hex>}: unique, and tells a later cleaner who made it. Every such file is created
     * exclusively in the store's own directories, so the name needs no secret randomness; a SecureRandom cost each
     * process ~7 ms of JCA provider set-up.
     */
    static String tempName(String prefix) {
        return prefix + "." + PID + "." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /**
     * A new empty file in {@code dir}, mode 0600, named {@code prefix.<pid>.<16 hex>suffix} and created exclusively:
     * what {@code Files.createTempFile} gives, for a directory of jbuild's own. Not that method: its first call seeds
     * a SecureRandom, whose JCA providers' set-up cost ~10 ms of the first RUN step of every build.
     */
    public static Path newTempFile(Path dir, String prefix, String suffix) throws IOException {
        while (true) {
            Path p = dir.resolve(tempName(prefix).concat(suffix));
            try {
                return Files.createFile(p, OWNER_ONLY);
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // another name
            }
        }
    }

    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY =
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    /** The pid in a {@link #tempName}, or -1 when the name is not one. */
    static long tempOwner(String name) {
        Matcher m = TEMP_NAME.matcher(name);
        if (!m.matches()) {
            return -1;
        }
        try {
            return Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The prefix of a {@link #tempName}, or null. */
    static String tempPrefix(String name) {
        Matcher m = TEMP_NAME.matcher(name);
        return m.matches() ? m.group(1) : null;
    }

    static boolean processAlive(long pid) {
        if (pid == PID) {
            return true;
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Whether a temp file or directory looks abandoned: made by a process that no longer runs, or
     * older than {@link #ABANDONED_AGE}. Callers add their own lock checks.
     */
    static boolean abandoned(Path p, String name) {
        long pid = tempOwner(name);
        if (pid > 0 && pid != PID && !processAlive(pid)) {
            return true;
        }
        try {
            FileTime t = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
            return t.toInstant().isBefore(Instant.now().minus(ABANDONED_AGE));
        } catch (IOException e) {
            return false;
        }
    }

    /** fsync a directory so that a rename into it is durable; best effort (not every file system allows it). */
    static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some file systems refuse to open or sync directories; the rename is still atomic
        }
    }

    /** Atomically replaces {@code target} with {@code bytes} (temp file in {@code tmpDir}, fsync, rename). */
    static void writeAtomically(Path tmpDir, Path target, byte[] bytes) throws IOException {
        Path tmp = tmpDir.resolve(tempName("write"));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            moveAtomically(tmp, target);
            fsyncDir(target.getParent());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the store needs " + from.getParent() + " and " + to.getParent()
                    + " on one file system (atomic rename): " + e.getMessage(), e);
        }
    }

    /**
     * Deletes a tree without following symbolic links; makes directories writable first (for
     * unpacked layers with read-only directories). Missing is fine.
     */
    public static void deleteTree(Path root) throws IOException {
        // Natively first: a readdir and an unlink per entry, where the walk below also stats each one and makes
        // a Path of it (a RUN's 1,000 files took the build's end ~30 ms). What the native removal leaves (a
        // failure) is removed below, which names the path that could not be.
        if (Posix.removeTree(root) || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                try {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
                    if (!perms.containsAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.OWNER_EXECUTE))) {
                        perms.addAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                                PosixFilePermission.OWNER_EXECUTE));
                        Files.setPosixFilePermissions(dir, perms);
                    }
                } catch (UnsupportedOperationException | IOException ignored) {
                    // delete anyway; a failure below names the path
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                if (exc instanceof java.nio.file.AccessDeniedException
                        && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    // A directory its owner may not read (mode 0000 in a rootfs snapshot made without root).
                    Files.setPosixFilePermissions(file, EnumSet.of(PosixFilePermission.OWNER_READ,
                            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
                    deleteTree(file);
                    return FileVisitResult.CONTINUE;
                }
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                try {
                    Files.deleteIfExists(dir);
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException("cannot delete " + dir + ": not empty (written to concurrently?)", e);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Total size of the regular files under {@code root} (no links followed); 0 when missing. */
    static long treeSize(Path root) {
        long[] total = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
        return total[0];
    }
}
