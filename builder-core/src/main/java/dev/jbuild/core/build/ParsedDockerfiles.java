package dev.jbuild.core.build;

import dev.jbuild.dockerfile.DockerfileCodec;
import dev.jbuild.dockerfile.DockerfileParser;
import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.oci.Digest;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The AST of the Dockerfile a build parsed last time from the same path, kept in the store
 * ({@code dockerfiles/<sha256 of the path>}: the digest of what was parsed, then the encoded AST). A rebuild
 * whose Dockerfile did not change decodes it instead of parsing: in a fresh JVM the parser builds its prediction
 * tables from nothing, ~20 ms of every build of a ten-line file.
 *
 * <p>What was parsed: the parser's build ({@link DockerfileCodec#PARSER_BUILD}), the name errors give the file, and
 * its bytes; an AST is only ever read for exactly those. One file per Dockerfile path, so the store keeps one AST
 * for each Dockerfile it builds, however often it is edited.</p>
 */
final class ParsedDockerfiles {
    private ParsedDockerfiles() {}

    static Dockerfile parse(Store store, Path dockerfile, String name, byte[] content) {
        if (DockerfileCodec.PARSER_BUILD.isEmpty()) {
            return DockerfileParser.parse(name, content);
        }
        byte[] id = id(name, content);
        Path file = store.root().resolve("dockerfiles").resolve(Digest.sha256(
                dockerfile.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8)).hex());
        try {
            byte[] kept = Files.readAllBytes(file);
            if (kept.length > id.length && Arrays.equals(kept, 0, id.length, id, 0, id.length)) {
                return DockerfileCodec.decode(Arrays.copyOfRange(kept, id.length, kept.length));
            }
        } catch (IOException | IllegalArgumentException noneOrDamaged) {
            // parsed as if none were kept
        }
        Dockerfile df = DockerfileParser.parse(name, content);
        try {
            byte[] ast = DockerfileCodec.encode(df);
            byte[] out = Arrays.copyOf(id, id.length + ast.length);
            System.arraycopy(ast, 0, out, id.length, ast.length);
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "."
                    + Thread.currentThread().getId() + ".tmp");
            try {
                Files.write(tmp, out);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | UnsupportedOperationException notKept) {
            // a store that cannot keep it (read-only, full): the next build parses again
        }
        return df;
    }

    private static byte[] id(String name, byte[] content) {
        MessageDigest md = Digest.newSha256();
        for (byte[] part : new byte[][] {DockerfileCodec.PARSER_BUILD.getBytes(StandardCharsets.UTF_8),
                name.getBytes(StandardCharsets.UTF_8), content}) {
            md.update(Integer.toString(part.length).getBytes(StandardCharsets.US_ASCII));
            md.update((byte) ':');
            md.update(part);
        }
        return md.digest();
    }
}
