package dev.jbuild.maven;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** {@code target/jbuild/image.digest}: the manifest digest of the image jbuild:build made, for jbuild:push. */
final class ImageDigest {
    private ImageDigest() {}

    static void write(Path file, String digest) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".image.digest", ".tmp");
        Files.writeString(tmp, digest + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The digest in {@code file}; IOException when it is missing or holds no digest. */
    static Digest read(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8).trim();
        try {
            return Digest.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " holds no image digest: \"" + s + "\"");
        }
    }
}
