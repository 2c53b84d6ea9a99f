package dev.jbuild.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.dockerfile.ast.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The 422 Docker Official Images Dockerfiles in shared/corpus: BuildKit builds them all, so must we parse them. */
class CorpusParseTest {
    private static final Set<String> KEYWORDS = Set.of("add", "arg", "cmd", "copy", "entrypoint", "env", "expose",
            "from", "healthcheck", "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume",
            "workdir");

    static List<Path> corpus() throws IOException {
        try (Stream<Path> s = Files.walk(SharedData.path("corpus/dockerfiles"))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void corpusIsComplete() throws IOException {
        assertEquals(422, corpus().size());
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusFileParses() throws IOException {
        return corpus().stream().map(p -> DynamicTest.dynamicTest(p.getParent().getFileName() + "/" + p.getFileName(),
                () -> {
                    Dockerfile df = DockerfileParser.parse(p);
                    String text = Files.readString(p);
                    long froms = df.instructions().stream().filter(n -> n.command().equals("from")).count();
                    assertEquals(countFromLines(text), froms, "FROM count");
                    for (Node n : df.instructions()) {
                        assertTrue(KEYWORDS.contains(n.command()), "unknown instruction " + n.keyword() + " at " + n.range());
                    }
                    String first = df.instructions().get(0).command();
                    assertTrue(first.equals("from") || first.equals("arg"), "first instruction is " + first);
                }));
    }

    /** An independent count: physical lines that start (after indentation) with FROM and are not inside a RUN. */
    private static long countFromLines(String text) {
        long n = 0;
        boolean continued = false;
        for (String line : text.split("\n", -1)) {
            String t = line.strip();
            if (!continued && t.regionMatches(true, 0, "FROM ", 0, 5)) {
                n++;
            }
            if (t.startsWith("#") && continued) {
                continue;
            }
            continued = t.endsWith("\\");
        }
        return n;
    }
}
