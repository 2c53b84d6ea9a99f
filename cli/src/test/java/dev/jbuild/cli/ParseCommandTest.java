package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** {@code jbuild parse} as a user runs it, in-process through the same entry point as the launcher. */
class ParseCommandTest {
    record Result(int status, String out, String err) {}

    static Result jbuild(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(status, out.toString(), err.toString());
    }

    static Path shared(String relative) {
        String dir = System.getProperty("jbuild.shared.dir");
        if (dir == null) {
            throw new IllegalStateException("system property jbuild.shared.dir is not set (run the tests through Maven)");
        }
        Path p = Path.of(dir, relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("missing shared test data: " + p);
        }
        return p;
    }

    @TestFactory
    Stream<DynamicTest> parseDumpsEveryConformanceCaseAsBuildkit() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(shared("conformance/buildkit/parser/testfiles"))) {
            cases = s.sorted().toList();
        }
        assertEquals(33, cases.size());
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            Result r = jbuild("parse", "-f", dir.resolve("Dockerfile").toString());
            assertEquals(0, r.status(), r.err());
            assertEquals(Files.readString(dir.resolve("result")), r.out());
        }));
    }

    @Test
    void syntaxErrorExitsOneWithFileLineColumn(@TempDir Path dir) throws IOException {
        Path df = dir.resolve("Dockerfile");
        Files.writeString(df, "FROM busybox\n\nCMD [\"ok\", 7]\n");
        Result r = jbuild("parse", df.toString());
        assertEquals(1, r.status());
        assertEquals(df + ":3:12: when using JSON array syntax, arrays must be comprised of strings only\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void unknownInstructionIsReportedWithASuggestionInJsonMode(@TempDir Path dir) throws IOException {
        Path df = dir.resolve("Dockerfile");
        Files.writeString(df, "FROM busybox\n  COPPY a b\n");
        Result r = jbuild("parse", "--format=json", df.toString());
        assertEquals(1, r.status());
        assertEquals(df + ":2:3: unknown instruction: COPPY (did you mean COPY?)\n", r.err());
    }

    @Test
    void unknownFlagIsReportedWithASuggestion(@TempDir Path dir) throws IOException {
        Path df = dir.resolve("Dockerfile");
        Files.writeString(df, "FROM busybox\nCOPY --chmown=1 a b\n");
        Result r = jbuild("parse", "--format", "json", "-f", df.toString());
        assertEquals(1, r.status());
        assertEquals(df + ":2:6: unknown flag: --chmown (did you mean chown?)\n", r.err());
    }

    @Test
    void jsonShowsStagesAndTypedInstructionsWithRanges(@TempDir Path dir) throws IOException {
        Path df = dir.resolve("Dockerfile");
        Files.writeString(df, "# syntax=docker/dockerfile:1\nARG BASE=busybox\nFROM $BASE AS build\n"
                + "RUN --mount=type=cache,target=/root/.m2 \\\n    echo hi\nFROM scratch\nCOPY --from=build /a /b\n");
        Result r = jbuild("parse", "--format=json", df.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals("docker/dockerfile:1", root.path("directives").path("syntax").asText());
        assertEquals("BASE", root.path("metaArgs").get(0).path("args").get(0).path("key").asText());
        JsonNode build = root.path("stages").get(0);
        assertEquals("build", build.path("name").asText());
        assertEquals("$BASE", build.path("from").path("baseName").asText());
        JsonNode run = build.path("instructions").get(0);
        assertEquals("RUN", run.path("instruction").asText());
        assertEquals("cache", run.path("mounts").get(0).path("type").asText());
        assertEquals("/root/.m2", run.path("mounts").get(0).path("target").asText());
        assertEquals(4, run.path("range").path("startLine").asInt());
        assertEquals(5, run.path("range").path("endLine").asInt());
        JsonNode copy = root.path("stages").get(1).path("instructions").get(0);
        assertEquals("build", copy.path("from").asText());
        assertEquals("/b", copy.path("destination").asText());
    }

    @Test
    void versionAndHelp() {
        Result v = jbuild("--version");
        assertEquals(0, v.status());
        assertTrue(v.out().matches("jbuild \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\n"), v.out());
        Result h = jbuild("--help");
        assertEquals(0, h.status());
        assertTrue(h.out().contains("parse"), h.out());
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        Result r = jbuild("parse", dir.resolve("nope").toString());
        assertEquals(1, r.status());
        assertEquals(dir.resolve("nope") + ": no such file\n", r.err());
    }

    @Test
    void expandShowsWhatABuildWouldSee() throws IOException {
        Path df = Path.of(System.getProperty("user.dir")).getParent().resolve("testdata/dockerfiles/multistage/Dockerfile");
        Result r = jbuild("parse", "--format=json", "--expand", "--build-arg", "VERSION=2.5", "--platform",
                "linux/arm64", df.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        JsonNode last = root.path("stages").get(1);
        assertEquals("busybox:latest", last.path("from").path("baseName").asText());
        JsonNode label = last.path("instructions").get(1);
        assertEquals("LABEL", label.path("instruction").asText());
        assertEquals("2.5", label.path("labels").get(0).path("value").asText());
        JsonNode motd = last.path("instructions").get(3);
        assertEquals("Built by jbuild 2.5\n", motd.path("contents").get(0).path("data").asText());
        assertEquals("2.5", last.path("buildArgs").path("VERSION").asText());
    }

    @Test
    void expandNeedsJson(@TempDir Path dir) throws IOException {
        Path df = dir.resolve("Dockerfile");
        Files.writeString(df, "FROM scratch\n");
        Result r = jbuild("parse", "--expand", df.toString());
        assertEquals(2, r.status());
        assertEquals("jbuild parse: --expand needs --format=json\n", r.err());
    }
}
