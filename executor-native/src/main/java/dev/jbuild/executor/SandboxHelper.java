package dev.jbuild.executor;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The native helper {@code jbuild-sandbox}, built from src/main/c by the Maven build and shipped in the jar as
 * {@code dev/jbuild/executor/jbuild-sandbox-linux-<os.arch>} with its SHA-256 beside it. It is extracted once
 * into {@code <stateDir>/bin/jbuild-sandbox-<sha256>} (written to a temporary file, then renamed into place,
 * mode 0755) and verified before every use: the SHA-256 is computed when the file's size, modification time or
 * inode changed since the last verification in this JVM; a file that does not match is replaced.
 */
final class SandboxHelper {
    static final String RESOURCE_PREFIX = "jbuild-sandbox-linux-";

    private record Verified(long size, FileTime mtime, Object fileKey) {
        // Written out: a record's generated equals is linked on first call, ~7 ms of every build's first RUN.
        @Override
        public boolean equals(Object o) {
            return o instanceof Verified v && size == v.size && mtime.equals(v.mtime)
                    && java.util.Objects.equals(fileKey, v.fileKey);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(size) * 31 + mtime.hashCode();
        }
    }

    private static final Map<Path, Verified> VERIFIED = new ConcurrentHashMap<>();
    private static volatile String expectedSha;

    private SandboxHelper() {}

    static String resourceName() {
        return RESOURCE_PREFIX + System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    }

    /** The SHA-256 (hex) of the helper in this jar. */
    static String expectedSha256() throws IOException {
        String sha = expectedSha;
        if (sha != null) return sha;
        try (InputStream in = SandboxHelper.class.getResourceAsStream(resourceName() + ".sha256")) {
            if (in == null) throw missing();
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            sha = text.split("\\s+")[0].toLowerCase(Locale.ROOT);
            if (!sha.matches("[0-9a-f]{64}")) throw new IOException("bad checksum resource for " + resourceName() + ": " + text);
        }
        expectedSha = sha;
        return sha;
    }

    private static IOException missing() {
        return new IOException("this jbuild has no native helper for linux-" + System.getProperty("os.arch")
                + " (resource dev/jbuild/executor/" + resourceName() + " is missing); use --runtime=runc");
    }

    /**
     * The helper that a packaged jbuild keeps beside its jar, in the directory its launcher names with
     * {@code -Djbuild.native} ({@code lib/native}): as trusted as the jar, run as it is. Neither the jar (whose
     * directory of 6,000 entries costs ~12 ms of CPU to open) nor the helper is read then.
     */
    private static Path installed() {
        String dir = System.getProperty("jbuild.native");
        if (dir == null || dir.isEmpty()) {
            return null;
        }
        Path p = Path.of(dir, resourceName());
        return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
    }

    /** The verified helper binary under {@code stateDir}, extracted when missing or corrupt (or the installed one). */
    static Path ensure(Path stateDir) throws IOException {
        if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"))
            throw new IOException("the native executor runs on Linux only");
        Path installed = installed();
        if (installed != null) {
            return installed;
        }
        String sha = expectedSha256();
        Path bin = stateDir.toAbsolutePath().resolve("bin");
        Path target = bin.resolve("jbuild-sandbox-" + sha);
        if (Files.isRegularFile(target)) {
            BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class);
            Verified now = new Verified(a.size(), a.lastModifiedTime(), a.fileKey());
            if (now.equals(VERIFIED.get(target)) && Files.isExecutable(target)) return target;
            if (sha.equals(sha256(target)) && Files.isExecutable(target)) {
                VERIFIED.put(target, now);
                return target;
            }
        }
        VERIFIED.remove(target);
        byte[] bytes;
        try (InputStream in = SandboxHelper.class.getResourceAsStream(resourceName())) {
            if (in == null) throw missing();
            bytes = in.readAllBytes();
        }
        if (!sha.equals(sha256(bytes)))
            throw new IOException("the native helper in the jar does not match its checksum (a corrupt jar?)");
        Files.createDirectories(bin);
        Path tmp = Files.createTempFile(bin, ".jbuild-sandbox-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
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
        BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class);
        if (!sha.equals(sha256(target))) throw new IOException("could not write a verified helper to " + target);
        VERIFIED.put(target, new Verified(a.size(), a.lastModifiedTime(), a.fileKey()));
        return target;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        return Digest.newSha256();
    }
}
