package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.dockerfile.DockerfileCodec;
import dev.jbuild.dockerfile.DockerfileParser;
import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParsedDockerfilesTest {
    @TempDir
    Path tmp;

    @Test
    void aRebuildReadsTheKeptAstOnlyForTheSameBytesAndName() throws Exception {
        Store store = Store.open(tmp.resolve("store"));
        Path file = tmp.resolve("Dockerfile");
        byte[] text = "FROM busybox\nRUN echo hi\n".getBytes(StandardCharsets.UTF_8);
        Dockerfile parsed = ParsedDockerfiles.parse(store, file, "Dockerfile", text);
        assertEquals(DockerfileParser.parse("Dockerfile", text), parsed);
        List<Path> kept;
        try (Stream<Path> s = Files.list(store.root().resolve("dockerfiles"))) {
            kept = s.toList();
        }
        assertEquals(1, kept.size(), kept.toString());

        // Swap the kept AST for another one under the same id: what the next parse returns shows it was read.
        byte[] b = Files.readAllBytes(kept.get(0));
        Dockerfile other = DockerfileParser.parse("Dockerfile", "FROM other\n");
        byte[] swapped = concat(Arrays.copyOf(b, 32), DockerfileCodec.encode(other));
        Files.write(kept.get(0), swapped);
        assertEquals(other, ParsedDockerfiles.parse(store, file, "Dockerfile", text), "the kept AST is read");

        // Another name, other bytes: parsed (and kept in its place); a damaged file: parsed.
        assertEquals(DockerfileParser.parse("df", text), ParsedDockerfiles.parse(store, file, "df", text));
        byte[] changed = "FROM busybox\nRUN echo ho\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(DockerfileParser.parse("Dockerfile", changed),
                ParsedDockerfiles.parse(store, file, "Dockerfile", changed));
        byte[] good = Files.readAllBytes(kept.get(0));
        Files.write(kept.get(0), Arrays.copyOf(good, good.length - 3));
        assertEquals(DockerfileParser.parse("Dockerfile", changed),
                ParsedDockerfiles.parse(store, file, "Dockerfile", changed));
        assertTrue(Arrays.equals(good, Files.readAllBytes(kept.get(0))), "the damaged file was replaced");
        try (Stream<Path> s = Files.list(store.root().resolve("dockerfiles"))) {
            assertEquals(1, s.count(), "one file per Dockerfile path, no temp files left");
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
