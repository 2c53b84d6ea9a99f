package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A JNI library shipped in the jar as {@code dev/jbuild/store/NAME-linux-<os.arch>.so} with its SHA-256 beside it
 * ({@code .so.sha256}, both written by the Maven build), loaded with {@link System#load}, which needs a file.
 *
 * <p>The file is written once per user, not once per process: {@code $XDG_CACHE_HOME/jbuild/native/NAME-<sha256>.so}
 * (else {@code ~/.cache/jbuild/native}), through a temporary file renamed into place, in a directory that must be
 * the user's own (owned by the process's user or root, writable by no one else, not a symbolic link), so no other
 * user can plant a library there; it is compared with the jar's copy before every load, and a file that does not
 * match is replaced. When that directory cannot be used (no home, read-only, someone else's) or its
 * library does not load (a noexec mount), the library goes into a fresh private temporary directory for this
 * process alone and is deleted once loaded (the mapping outlives the name). The packaged command ships the library
 * beside the jar as well, and loads that copy ({@link #INSTALLED_DIR_PROPERTY}).
 */
final class NativeLibraryFile {
    private NativeLibraryFile() {}

    /**
     * The directory where a packaged jbuild keeps its native files beside the jar ({@code lib/native}, named by the
     * command's launcher): files there are loaded as they are, as trusted as the jar itself. Reading a resource
     * opens the jar, whose directory of 6,000 entries costs ~12 ms of CPU at every start, where every class comes
     * from the AOT cache.
     */
    static final String INSTALLED_DIR_PROPERTY = "jbuild.native";

    /** The installed copy of file {@code name}, or null when there is none (no such directory, not packaged). */
    static Path installed(String name) {
        String dir = System.getProperty(INSTALLED_DIR_PROPERTY);
        if (dir == null || dir.isEmpty()) {
            return null;
        }
        Path p = Path.of(dir, name);
        return Files.isRegularFile(p) ? p : null;
    }

    /** Loads library {@code name} (such as {@code libjbuild-posix}) of this jar. */
    static void load(String name) throws IOException {
        Path installed = installed(Library.resource(name));
        if (installed != null) {
            try {
                System.load(installed.toString());
                return;
            } catch (UnsatisfiedLinkError e) {
                // a noexec mount, say: the jar's copy, extracted as below, may still load
            }
        }
        Library lib = Library.of(name);
        Throwable cached;
        try {
            Path dir = userCacheDir();
            System.load(extract(lib, dir).toString());
            return;
        } catch (Exception | UnsatisfiedLinkError e) { // InvalidPathException, UnsupportedOperationException too
            cached = e;
        }
        Path dir = Files.createTempDirectory("jbuild-native-"); // random name, mode 0700
        try {
            Path file = extract(lib, dir);
            try {
                System.load(file.toString());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException | UnsatisfiedLinkError e) {
            e.addSuppressed(cached);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    /** A library resource: its name in the jar and the SHA-256 the build recorded. */
    record Library(String name, String resource, String sha256) {
        /** The library's file name in the jar (and in an installed directory). */
        static String resource(String name) {
            // String.concat, not +: each new shape of an indy concatenation spins method handles, several ms of a
            // build's start that no archive holds (errors may use +)
            return name.concat("-linux-").concat(System.getProperty("os.arch").toLowerCase(Locale.ROOT)).concat(".so");
        }

        static Library of(String name) throws IOException {
            String resource = resource(name);
            try (InputStream in = NativeLibraryFile.class.getResourceAsStream(resource.concat(".sha256"))) {
                if (in == null) {
                    throw new IOException("this jbuild has no " + name + " library for linux-"
                            + System.getProperty("os.arch") + " (resource dev/jbuild/store/" + resource + " is missing)");
                }
                String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
                String sha = text.length() >= 64 ? text.substring(0, 64).toLowerCase(Locale.ROOT) : text;
                try {
                    return new Library(name, resource, new Digest("sha256", sha).hex());
                } catch (IllegalArgumentException e) {
                    throw new IOException("bad checksum resource for " + resource + ": " + text, e);
                }
            }
        }

        /** The library's bytes in the jar. */
        byte[] bytes() throws IOException {
            try (InputStream in = NativeLibraryFile.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("resource dev/jbuild/store/" + resource + " is missing");
                }
                return in.readAllBytes();
            }
        }

        String fileName() {
            return name.concat("-").concat(sha256).concat(".so");
        }
    }

    /** The per-user directory of extracted libraries, created 0700 when missing. */
    static Path userCacheDir() throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && xdg.startsWith("/")
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("jbuild").resolve("native");
    }

    /**
     * The verified library file in {@code dir}, written when missing or different. {@code dir} is created (0700)
     * when missing, and refused when another user could write to it.
     */
    static Path extract(Library lib, Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        checkPrivate(dir);
        Path target = dir.resolve(lib.fileName());
        byte[] bytes = lib.bytes();
        // compared, not hashed: the first SHA-256 of a JVM costs tens of milliseconds (the security providers)
        if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Arrays.equals(bytes, Files.readAllBytes(target))) {
            return target;
        }
        // The JDK's SHA-256: Digest.newSha256 may be NativeDigests', whose library this is.
        if (!lib.sha256.equals(Digest.fromMessageDigest(Digest.jdkSha256().digest(bytes)).hex())) {
            throw new IOException(lib.resource + " in the jar does not match its checksum (a corrupt jar?)");
        }
        Path tmp = Files.createTempFile(dir, "." + lib.name + "-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, bytes);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /** Refuses a directory that is a symbolic link, belongs to another user, or that others may write to. */
    static void checkPrivate(Path dir) throws IOException {
        Map<String, Object> attrs = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) attrs.get("uid");
        int mode = (Integer) attrs.get("mode");
        // /proc/self belongs to the process's effective user
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (owner != self && owner != 0) {
            throw new IOException(dir + " belongs to uid " + owner + ", not to this user (" + self + ")");
        }
        if ((mode & 0170000) != 0040000) {
            throw new IOException(dir + " is not a directory");
        }
        if ((mode & 0022) != 0) {
            throw new IOException(dir + " is writable by other users (mode " + Integer.toOctalString(mode & 07777) + ")");
        }
    }
}
