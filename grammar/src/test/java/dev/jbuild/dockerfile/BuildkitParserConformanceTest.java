package dev.jbuild.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.dockerfile.ast.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** BuildKit's own parser test files (shared/conformance/buildkit/parser), as its parser_test.go runs them. */
class BuildkitParserConformanceTest {
    private static final Path ROOT = SharedData.path("conformance/buildkit/parser");

    private static List<Path> cases(String dir) throws IOException {
        try (Stream<Path> s = Files.list(ROOT.resolve(dir))) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    @Test
    void allCasesPresent() throws IOException {
        assertEquals(33, cases("testfiles").size());
        assertEquals(4, cases("testfiles-negative").size());
    }

    @TestFactory
    Stream<DynamicTest> positiveCasesDumpAsBuildkit() throws IOException {
        return cases("testfiles").stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Dockerfile df = DockerfileParser.parse(dir.resolve("Dockerfile"));
            String expected = Files.readString(dir.resolve("result"), StandardCharsets.UTF_8);
            assertEquals(expected, df.dump());
        }));
    }

    @TestFactory
    Stream<DynamicTest> negativeCasesAreRejected() throws IOException {
        return cases("testfiles-negative").stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(),
                () -> assertThrows(DockerfileSyntaxException.class,
                        () -> DockerfileParser.parse(dir.resolve("Dockerfile")))));
    }

    @Test
    void lineNumbersMatchBuildkit() throws IOException {
        Dockerfile df = DockerfileParser.parse(ROOT.resolve("testfile-line/Dockerfile"));
        assertEquals(5, df.range().startLine());
        assertEquals(31, df.range().endLine());
        List<Node> nodes = df.instructions();
        assertEquals(3, nodes.size());
        int[][] expected = {{5, 5}, {11, 12}, {17, 31}};
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i][0], nodes.get(i).range().startLine(), "start of child " + i);
            assertEquals(expected[i][1], nodes.get(i).range().endLine(), "end of child " + i);
        }
    }
}
