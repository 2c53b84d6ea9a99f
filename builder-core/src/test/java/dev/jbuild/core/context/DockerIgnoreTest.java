package dev.jbuild.core.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading and locating ignore files ({@link DockerIgnore}), and the examples of Docker's
 * documentation of {@code .dockerignore} as path tables.
 */
class DockerIgnoreTest {

    private static List<String> read(String content) throws IgnoreFileException {
        return DockerIgnore.readPatterns(new StringReader(content), ".dockerignore");
    }

    // ------------------------------------------------------------------ ignorefile.ReadAll cases

    @Test
    void mobyReadAllExample() throws IgnoreFileException {
        String content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
        assertEquals(List.of("test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!"),
                read(content));
    }

    @Test
    void emptyInputHasNoPatterns() throws IgnoreFileException {
        assertEquals(List.of(), read(""));
        assertEquals(List.of(), read("\n\n\r\n  \t\n"));
        assertEquals(List.of(), read("# only a comment"));
    }

    @Test
    void commentsOnlyInColumnOne() throws IgnoreFileException {
        assertEquals(List.of("# not a comment", "a#b", "#x"), read("# comment\n # not a comment\na#b\n\t#x\n#"));
    }

    @Test
    void crlfLineEndings() throws IgnoreFileException {
        assertEquals(List.of("a", "b/c", "!d"), read("a\r\nb/c/\r\n\r\n# c\r\n!d\r\n"));
        assertEquals(List.of("a"), read("a\r"));
        // a bare CR is not a line break (Go's scanner only splits at LF)
        assertEquals(List.of("a\rb"), read("a\rb"));
    }

    @Test
    void utf8ByteOrderMarkOnlyAtTheStart() throws IgnoreFileException {
        assertEquals(List.of("foo", "\uFEFFbar"), read("\uFEFFfoo\n\uFEFFbar"));
        assertEquals(List.of("x"), read("\uFEFF# comment after the mark\nx"));
    }

    @Test
    void byteOrderMarkAndCrlfFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(".dockerignore");
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = "# generated on Windows\r\nnode_modules\r\n*.log\r\n!keep.log\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[bom.length + body.length];
        System.arraycopy(bom, 0, all, 0, bom.length);
        System.arraycopy(body, 0, all, bom.length, body.length);
        Files.write(file, all);
        assertEquals(List.of("node_modules", "*.log", "!keep.log"), DockerIgnore.readPatterns(file));
    }

    @Test
    void whitespaceIsGoUnicodeWhitespace() throws IgnoreFileException {
        assertEquals(List.of("foo", "x", "bar"), read("\u00A0foo\u3000\n\u0085x\n\t bar \u000B"));
    }

    @Test
    void patternsAreCleaned() throws IgnoreFileException {
        assertEquals(List.of("b", "a/b", "/", "!x", "!x", "../x", "x", "!/", "!!", "a/b"),
                read("./a/../b/\na//b\n/\n!./x\n!  /x/\n../x\n/../x\n! /\n!!\n//a/./b//"));
    }

    @Test
    void malformedPatternNamesFileAndLine() {
        IgnoreFileException e = assertThrows(IgnoreFileException.class,
                () -> DockerIgnore.readPatterns(new StringReader("ok\n\n# comment\nbad[\nlater"), "ctx/.dockerignore"));
        assertEquals("ctx/.dockerignore", e.source());
        assertEquals(4, e.line());
        assertEquals("bad[", e.pattern());
        assertTrue(e.getMessage().startsWith("ctx/.dockerignore:4: "), e.getMessage());

        e = assertThrows(IgnoreFileException.class, () -> read("a\r\n!b\\"));
        assertEquals(2, e.line());
        e = assertThrows(IgnoreFileException.class, () -> read("[z-a]"));
        assertEquals(1, e.line());
    }

    @Test
    void loneExclamationMarkIsKeptButDoesNotCompile() throws IgnoreFileException {
        List<String> patterns = read("docs\n!\n");
        assertEquals(List.of("docs", "!"), patterns);
        assertThrows(IgnoreFileException.class, () -> PatternMatcher.compile(patterns));
    }

    @Test
    void overlongLinesAreRejectedAsDockerDoes() throws IgnoreFileException {
        String longest = "a".repeat(65535);
        assertEquals(List.of(longest), read(longest));
        assertEquals(List.of(longest, "b"), read(longest + "\nb"));
        IgnoreFileException e = assertThrows(IgnoreFileException.class, () -> read("x\n" + "a".repeat(65536)));
        assertEquals(2, e.line());
        // the CR of a CRLF counts towards the limit
        assertThrows(IgnoreFileException.class, () -> read(longest + "\r\n"));
        // the limit is in UTF-8 bytes
        assertThrows(IgnoreFileException.class, () -> read("\u00E9".repeat(32768)));
    }

    // ------------------------------------------------------------------ locating the ignore file

    @Test
    void dockerfileSpecificIgnoreFileWins(@TempDir Path dir) throws IOException {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Path build = Files.createDirectories(dir.resolve("build"));
        Path dockerfile = Files.writeString(build.resolve("app.Dockerfile"), "FROM scratch\n");
        Files.writeString(context.resolve(".dockerignore"), "a\n");
        Path specific = Files.writeString(build.resolve("app.Dockerfile.dockerignore"), "b\n");
        assertEquals(Optional.of(specific), DockerIgnore.locate(context, dockerfile));
    }

    @Test
    void defaultDockerfileInContextGetsItsOwnIgnoreFileFirst(@TempDir Path context) throws IOException {
        Files.writeString(context.resolve(".dockerignore"), "a\n");
        Path specific = Files.writeString(context.resolve("Dockerfile.dockerignore"), "");
        assertEquals(Optional.of(specific), DockerIgnore.locate(context, null));
        assertEquals(Optional.of(specific), DockerIgnore.locate(context, context.resolve("Dockerfile")));
    }

    @Test
    void contextIgnoreFileIsTheFallback(@TempDir Path dir) throws IOException {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Path general = Files.writeString(context.resolve(".dockerignore"), "a\n");
        assertEquals(Optional.of(general), DockerIgnore.locate(context, context.resolve("Dockerfile")));
        assertEquals(Optional.of(general), DockerIgnore.locate(context, dir.resolve("elsewhere/Dockerfile")));
        // an ignore file for another Dockerfile name does not apply
        Files.writeString(context.resolve("other.Dockerfile.dockerignore"), "b\n");
        assertEquals(Optional.of(general), DockerIgnore.locate(context, context.resolve("Dockerfile")));
    }

    @Test
    void noIgnoreFile(@TempDir Path context) throws IOException, IgnoreFileException {
        assertEquals(Optional.empty(), DockerIgnore.locate(context, context.resolve("Dockerfile")));
        assertEquals(List.of(), DockerIgnore.loadPatterns(context, null));
        assertFalse(DockerIgnore.loadMatcher(context, null).matches("anything"));
        // directories with those names are not ignore files
        Files.createDirectories(context.resolve(".dockerignore"));
        Files.createDirectories(context.resolve("Dockerfile.dockerignore"));
        assertEquals(Optional.empty(), DockerIgnore.locate(context, null));
    }

    @Test
    void loadMatcherEndToEnd(@TempDir Path context) throws IOException, IgnoreFileException {
        Files.writeString(context.resolve(".dockerignore"), "# deps\nnode_modules\n*.log\n!important.log\n");
        PatternMatcher pm = DockerIgnore.loadMatcher(context, null);
        assertTrue(pm.matches("node_modules/x/y.js"));
        assertTrue(pm.matches("debug.log"));
        assertFalse(pm.matches("important.log"));
        assertFalse(pm.matches("sub/debug.log"));
        assertFalse(pm.matches("src/main.js"));

        Files.writeString(context.resolve(".dockerignore"), "ok\n[oops\n");
        IgnoreFileException e = assertThrows(IgnoreFileException.class, () -> DockerIgnore.loadMatcher(context, null));
        assertEquals(2, e.line());
        assertTrue(e.source().endsWith(".dockerignore"));
    }

    // ------------------------------------------------------------------ the documentation's examples

    /** Checks each path against the rules, through both the direct and the incremental matcher. */
    private static void assertTable(String ignoreFile, Map<String, Boolean> excluded) throws IgnoreFileException {
        PatternMatcher pm = PatternMatcher.compile(read(ignoreFile));
        for (Map.Entry<String, Boolean> row : excluded.entrySet()) {
            String path = row.getKey();
            assertEquals(row.getValue(), pm.matches(path), "matches " + path);
            MatchInfo info = MatchInfo.none();
            List<String> parts = Arrays.asList(path.split("/"));
            List<String> prefix = new ArrayList<>();
            for (int i = 0; i < parts.size() - 1; i++) {
                prefix.add(parts.get(i));
                info = pm.matchesUsingParentResults(String.join("/", prefix), info).info();
            }
            assertEquals(row.getValue(), pm.matchesUsingParentResults(path, info).excluded(), "walk " + path);
        }
    }

    @Test
    void docsTempInImmediateSubdirectory() throws IgnoreFileException {
        assertTable("# comment\n*/temp*", Map.of(
                "somedir/temporary.txt", true,
                "somedir/temp", true,
                "somedir/temp/inside.txt", true,
                "temp", false,
                "temporary.txt", false,
                "somedir/subdir/temporary.txt", false,
                "somedir/xtemp", false));
    }

    @Test
    void docsTempTwoLevelsDown() throws IgnoreFileException {
        assertTable("*/*/temp*", Map.of(
                "somedir/subdir/temporary.txt", true,
                "somedir/temporary.txt", false,
                "a/b/c/temp", false,
                "temp", false));
    }

    @Test
    void docsTempWithOneCharacter() throws IgnoreFileException {
        assertTable("temp?", Map.of(
                "tempa", true,
                "tempb", true,
                "tempa/file", true,
                "temp", false,
                "tempab", false,
                "dir/tempa", false));
    }

    @Test
    void docsAllGoFilesEverywhere() throws IgnoreFileException {
        assertTable("**/*.go", Map.of(
                "main.go", true,
                "cmd/tool/main.go", true,
                "a/b/c/d.go", true,
                "go.mod", false,
                "cmd/tool/README.md", false,
                "main.gox", false));
    }

    @Test
    void docsMarkdownExceptReadme() throws IgnoreFileException {
        assertTable("*.md\n!README.md", Map.of(
                "README.md", false,
                "CHANGELOG.md", true,
                "docs/guide.md", false,
                "main.go", false));
    }

    @Test
    void docsReadmesExceptTheSecretOne() throws IgnoreFileException {
        assertTable("*.md\n!README*.md\nREADME-secret.md", Map.of(
                "README.md", false,
                "README-dev.md", false,
                "README-secret.md", true,
                "CONTRIBUTING.md", true));
    }

    @Test
    void docsLastMatchingLineWins() throws IgnoreFileException {
        assertTable("*.md\nREADME-secret.md\n!README*.md", Map.of(
                "README.md", false,
                "README-secret.md", false,
                "CONTRIBUTING.md", true));
    }

    @Test
    void docsIncludeOnlyWhatIsListed() throws IgnoreFileException {
        assertTable("*\n!src\n!Dockerfile", Map.of(
                "src/main.c", false,
                "src", false,
                "Dockerfile", false,
                "README.md", true,
                "build/out.o", true,
                ".dockerignore", true));
    }

    @Test
    void docsLeadingSlashIsTheContextRoot() throws IgnoreFileException {
        for (String file : List.of("/foo/bar", "foo/bar")) {
            assertTable(file, Map.of(
                    "foo/bar", true,
                    "foo/bar/baz", true,
                    "x/foo/bar", false,
                    "foo", false,
                    "bar", false));
        }
    }

    @Test
    void docsDotPatternIsIgnored() throws IgnoreFileException {
        assertTable(".\n./", Map.of(
                "a", false,
                "a/b", false,
                ".git", false));
    }

    @Test
    void docsExcludeEverythingWithDoubleStar() throws IgnoreFileException {
        assertTable("**", Map.of(
                "a", true,
                "a/b/c", true,
                ".hidden", true));
    }

    @Test
    void docsDirectoryExcludedWithException() throws IgnoreFileException {
        assertTable("docs\n!docs/README.md", Map.of(
                "docs/README.md", false,
                "docs/other.md", true,
                "docs/sub/README.md", true,
                "docs", true));
    }
}
