package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Builds that must fail ({@code testdata/contexts/errors/Dockerfile.*}): exit status 1, one line
 * on stderr naming the Dockerfile, its line and the path, stage or image at fault; and the tag the
 * build asked for still points where it pointed before.
 */
class BuildErrorsTest {
    @TempDir
    Path tmp;

    Path root;
    byte[] tagsBefore;

    @BeforeEach
    void goodBuildFirst() throws IOException {
        root = tmp.resolve("root");
        jbuild("--root", root, "-q", "-t", "victim", Cli.context("errors")).ok();
        tagsBefore = Files.readAllBytes(root.resolve("images.json"));
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("missing-source", 3,
                        "COPY nothere.txt /: \"nothere.txt\": not found in the build context"),
                Arguments.of("bad-chown", 3, "COPY --chown=nobody:nogroup a.txt /b.txt: unable to find user nobody"),
                Arguments.of("bad-chmod", 3, "COPY --chmod=999 a.txt /b.txt: invalid chmod parameter: '999'"),
                Arguments.of("unknown-from", 5, "COPY --from=nosuchstage /a.txt /b.txt: image \"nosuchstage\""),
                Arguments.of("unknown-image", 1, "FROM nosuchimage:1.0: image \"nosuchimage:1.0\""),
                Arguments.of("run", 3, "RUN echo hello > /hello.txt: exec \"/bin/sh\": No such file or directory"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void failsNamingTheLineAndLeavesTagsAlone(String name, int line, String message) throws IOException {
        Path dockerfile = Cli.context("errors").resolve("Dockerfile." + name);
        Cli.Result r = jbuild("--root", root, "-q", "-t", "victim", "-t", "newtag", "-f", dockerfile,
                Cli.context("errors"));
        assertEquals(1, r.status(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        String expected = "jbuild: " + dockerfile + ":" + line + ": " + message;
        assertTrue(r.err().startsWith(expected), "expected\n  " + expected + "\nbut got\n  " + r.err());
        assertEquals(new String(tagsBefore), Files.readString(root.resolve("images.json")), "tags unchanged");

        // the same without -q: progress lines, then the error as the last line
        Cli.Result loud = jbuild("--root", root, "-t", "victim", "-f", dockerfile, Cli.context("errors"));
        assertEquals(1, loud.status());
        String last = loud.err().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith(expected), last);
        assertEquals(new String(tagsBefore), Files.readString(root.resolve("images.json")), "tags unchanged");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void theDefaultDockerfileNameIsShortInMessages(String name, int line, String message) throws IOException {
        // copied as CONTEXT/Dockerfile, the message names "Dockerfile" as BuildKit does
        Path ctx = tmp.resolve("ctx-" + name);
        Cli.copyTree(Cli.context("errors"), ctx);
        Files.copy(ctx.resolve("Dockerfile." + name), ctx.resolve("Dockerfile"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Cli.Result r = jbuild("--root", root, "-q", "-t", "victim", ctx);
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("jbuild: Dockerfile:" + line + ": " + message), r.err());
        assertEquals(new String(tagsBefore), Files.readString(root.resolve("images.json")), "tags unchanged");
    }
}
