package dev.jbuild.core.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Behaviour of {@link PatternMatcher}, re-deriving the cases of moby's patternmatcher tests (and of
 * the Go filepath.Match tests moby borrows) as tables. Every case is checked three ways: the
 * parent-aware {@link PatternMatcher#matches}, the incremental walk (parents first, each one's
 * {@link MatchInfo} handed to the next), and the incremental form without parent information.
 */
class PatternMatcherTest {

    // ------------------------------------------------------------------ helpers

    private static PatternMatcher compile(String... patterns) throws IgnoreFileException {
        return PatternMatcher.compile(Arrays.asList(patterns));
    }

    /** The parent directories of a path as moby enumerates them (filepath.Dir, split at '/'). */
    private static List<String> ancestors(String path) {
        List<String> out = new ArrayList<>();
        String parent = GoPath.dir(path);
        if (parent.equals(".")) {
            return out;
        }
        String[] parts = parent.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            out.add(String.join("/", Arrays.copyOfRange(parts, 0, i + 1)));
        }
        return out;
    }

    /** Walks the path's parents first, feeding each result's MatchInfo to the next step. */
    private static boolean walk(PatternMatcher pm, String path) {
        MatchInfo info = MatchInfo.none();
        for (String dir : ancestors(path)) {
            info = pm.matchesUsingParentResults(dir, info).info();
        }
        return pm.matchesUsingParentResults(path, info).excluded();
    }

    private static void assertAllForms(PatternMatcher pm, String path, boolean expected, String desc) {
        assertEquals(expected, pm.matches(path), "matches " + desc);
        assertEquals(expected, walk(pm, path), "incremental walk " + desc);
        assertEquals(expected, pm.matchesUsingParentResults(path, MatchInfo.none()).excluded(),
                "incremental without parent info " + desc);
    }

    private static Arguments c(String pattern, String path, boolean excluded) {
        return Arguments.of(pattern, path, excluded);
    }

    // ------------------------------------------------------------------ moby TestMatches

    static Stream<Arguments> mobyMatches() {
        return Stream.of(
                c("**", "file", true),
                c("**", "file/", true),
                c("**/", "file", true),
                c("**/", "file/", true),
                c("**", "/", true),
                c("**/", "/", true),
                c("**", "dir/file", true),
                c("**/", "dir/file", true),
                c("**", "dir/file/", true),
                c("**/", "dir/file/", true),
                c("**/**", "dir/file", true),
                c("**/**", "dir/file/", true),
                c("dir/**", "dir/file", true),
                c("dir/**", "dir/file/", true),
                c("dir/**", "dir/dir2/file", true),
                c("dir/**", "dir/dir2/file/", true),
                c("**/dir", "dir", true),
                c("**/dir", "dir/file", true),
                c("**/dir2/*", "dir/dir2/file", true),
                c("**/dir2/*", "dir/dir2/file/", true),
                c("**/dir2/**", "dir/dir2/dir3/file", true),
                c("**/dir2/**", "dir/dir2/dir3/file/", true),
                c("**file", "file", true),
                c("**file", "dir/file", true),
                c("**/file", "dir/file", true),
                c("**file", "dir/dir/file", true),
                c("**/file", "dir/dir/file", true),
                c("**/file*", "dir/dir/file", true),
                c("**/file*", "dir/dir/file.txt", true),
                c("**/file*txt", "dir/dir/file.txt", true),
                c("**/file*.txt", "dir/dir/file.txt", true),
                c("**/file*.txt*", "dir/dir/file.txt", true),
                c("**/**/*.txt", "dir/dir/file.txt", true),
                c("**/**/*.txt2", "dir/dir/file.txt", false),
                c("**/*.txt", "file.txt", true),
                c("**/**/*.txt", "file.txt", true),
                c("a**/*.txt", "a/file.txt", true),
                c("a**/*.txt", "a/dir/file.txt", true),
                c("a**/*.txt", "a/dir/dir/file.txt", true),
                c("a/*.txt", "a/dir/file.txt", false),
                c("a/*.txt", "a/file.txt", true),
                c("a/*.txt**", "a/file.txt", true),
                c("a[b-d]e", "ae", false),
                c("a[b-d]e", "ace", true),
                c("a[b-d]e", "aae", false),
                c("a[^b-d]e", "aze", true),
                c(".*", ".foo", true),
                c(".*", "foo", false),
                c("abc.def", "abcdef", false),
                c("abc.def", "abc.def", true),
                c("abc.def", "abcZdef", false),
                c("abc?def", "abcZdef", true),
                c("abc?def", "abcdef", false),
                c("a\\\\", "a\\", true),
                c("**/foo/bar", "foo/bar", true),
                c("**/foo/bar", "dir/foo/bar", true),
                c("**/foo/bar", "dir/dir2/foo/bar", true),
                c("abc/**", "abc", false),
                c("abc/**", "abc/def", true),
                c("abc/**", "abc/def/ghi", true),
                c("**/.foo", ".foo", true),
                c("**/.foo", "bar.foo", false),
                c("a(b)c/def", "a(b)c/def", true),
                c("a(b)c/def", "a(b)c/xyz", false),
                c("a.|)$(}+{bc", "a.|)$(}+{bc", true),
                c("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true),
                c("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true),
                // the case moby only runs on POSIX systems
                c("a\\*b", "a*b", true));
    }

    @Test
    void mobyTableHasAllCases() {
        // 67 portable cases plus the one moby only runs on POSIX systems
        assertEquals(67 + 1, mobyMatches().count());
    }

    @ParameterizedTest(name = "[{index}] {0} ~ {1} -> {2}")
    @MethodSource("mobyMatches")
    void mobySinglePatternCases(String pattern, String path, boolean excluded) throws IgnoreFileException {
        assertAllForms(compile(pattern), path, excluded, "(pattern=" + pattern + ", path=" + path + ")");
    }

    static Stream<Arguments> mobyMultiPattern() {
        return Stream.of(
                Arguments.of(List.of("**", "!util/docker/web"), "util/docker/web/foo", false),
                Arguments.of(List.of("**", "!util/docker/web", "util/docker/web/foo"), "util/docker/web/foo", true),
                Arguments.of(List.of("**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"),
                        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false),
                Arguments.of(List.of("**", "!dist/*.whl"),
                        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false));
    }

    @ParameterizedTest(name = "[{index}] {0} ~ {1} -> {2}")
    @MethodSource("mobyMultiPattern")
    void mobyMultiPatternCases(List<String> patterns, String path, boolean excluded) throws IgnoreFileException {
        assertAllForms(PatternMatcher.compile(patterns), path, excluded, "(patterns=" + patterns + ", path=" + path + ")");
    }

    // ------------------------------------------------------------------ Go filepath.Match cases

    static Stream<Arguments> goMatchCases() {
        return Stream.of(
                c("abc", "abc", true),
                c("*", "abc", true),
                c("*c", "abc", true),
                c("a*", "a", true),
                c("a*", "abc", true),
                c("a*", "ab/c", true),
                c("a*/b", "abc/b", true),
                c("a*/b", "a/c/b", false),
                c("a*b*c*d*e*/f", "axbxcxdxe/f", true),
                c("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
                c("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
                c("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
                c("a*b?c*x", "abxbbxdbxebxczzx", true),
                c("a*b?c*x", "abxbbxdbxebxczzy", false),
                c("ab[c]", "abc", true),
                c("ab[b-d]", "abc", true),
                c("ab[e-g]", "abc", false),
                c("ab[^c]", "abc", false),
                c("ab[^b-d]", "abc", false),
                c("ab[^e-g]", "abc", true),
                c("a\\*b", "a*b", true),
                c("a\\*b", "ab", false),
                c("a?b", "a\u263Ab", true),
                c("a[^a]b", "a\u263Ab", true),
                c("a???b", "a\u263Ab", false),
                c("a[^a][^a][^a]b", "a\u263Ab", false),
                c("[a-\u03B6]*", "\u03B1", true),
                c("*[a-\u03B6]", "A", false),
                c("a?b", "a/b", false),
                c("a*b", "a/b", false),
                c("[\\]a]", "]", true),
                c("[\\-]", "-", true),
                c("[x\\-]", "x", true),
                c("[x\\-]", "-", true),
                c("[x\\-]", "z", false),
                c("[\\-x]", "x", true),
                c("[\\-x]", "-", true),
                c("[\\-x]", "a", false),
                c("*x", "xxx", true));
    }

    @ParameterizedTest(name = "[{index}] {0} ~ {1} -> {2}")
    @MethodSource("goMatchCases")
    void goFilepathMatchCases(String pattern, String path, boolean excluded) throws IgnoreFileException {
        assertAllForms(compile(pattern), path, excluded, "(pattern=" + pattern + ", path=" + path + ")");
    }

    /** The Go Match cases that must fail with ErrBadPattern. */
    static Stream<String> goBadPatterns() {
        return Stream.of("[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[",
                // and a few more in the same spirit
                "a\\", "[a", "[a-", "[\\", "[^]", "x/[", "**/[", "!a[", "ok/*[");
    }

    @ParameterizedTest
    @MethodSource("goBadPatterns")
    void malformedPatternsAreRejected(String pattern) {
        IgnoreFileException e = assertThrows(IgnoreFileException.class, () -> compile(pattern));
        assertEquals("syntax error in pattern", e.reason());
        assertEquals(pattern, e.pattern());
    }

    /**
     * Patterns Go's filepath.Match accepts but Go's regexp refuses after moby's translation (moby
     * fails on the first evaluation; this implementation fails at compile time).
     */
    @ParameterizedTest
    @MethodSource
    void patternsRefusedByTheExpressionStage(String pattern) {
        assertThrows(IgnoreFileException.class, () -> compile(pattern));
    }

    static Stream<String> patternsRefusedByTheExpressionStage() {
        return Stream.of("[Local-Only]/", "[z-a]", "x\\y*", "\\1", "[\\b]", "a\\C", "\\E", "\\p", "\\pX",
                "a{1001}*", "[[:foo:]]");
    }

    /**
     * RE2/J runs moby's expressions; where it reads RE2 syntax differently from Go's regexp the
     * expression is adapted, so the results are Go's (each checked against moby's code run by Go).
     */
    @Test
    void expressionsAreReadAsGoReadsThem() throws IgnoreFileException {
        // a literal '{' before a counted repetition: Go repeats the '{' (RE2/J: nested repetition)
        assertAllForms(compile("a{{2}*"), "a{{x", true, "");
        assertAllForms(compile("a{{2}*"), "a{{/x", true, "");
        assertAllForms(compile("a{{2}*"), "a{x", false, "");
        // "[:]" in brackets with no ":]" after it: '[' is a character (RE2/J: bad POSIX class "[:]")
        assertAllForms(compile("a[[:]b"), "a[b", true, "");
        assertAllForms(compile("a[[:]b"), "a:b", true, "");
        assertAllForms(compile("a[[:]b"), "ab", false, "");
        assertAllForms(compile("x[\\d-[:]]"), "x5]", true, "");
        assertAllForms(compile("x[\\d-[:]]"), "x[]", true, "");
        assertAllForms(compile("x[\\d-[:]]"), "xa]", false, "");
        // Go refuses a backslash before a non-ASCII character (RE2/J takes the character), except
        // inside \Q...\E
        assertThrows(IgnoreFileException.class, () -> compile("\\\u00e9"));
        assertThrows(IgnoreFileException.class, () -> compile("[\\\u00e9]"));
        assertAllForms(compile("\\Q\\\u00e9"), "\\\u00e9$", true, "");
    }

    // ------------------------------------------------------------------ moby's other tests

    @Test
    void wildcardMatchesEverythingAtTheTop() throws IgnoreFileException {
        assertTrue(compile("*").matches("fileutils.go"));
    }

    @Test
    void simplePattern() throws IgnoreFileException {
        assertTrue(compile("*.go").matches("fileutils.go"));
    }

    @Test
    void exceptionBeforeInclusionHasNoEffect() throws IgnoreFileException {
        assertAllForms(compile("!fileutils.go", "*.go"), "fileutils.go", true, "");
    }

    @Test
    void exceptionAfterInclusionReincludes() throws IgnoreFileException {
        assertAllForms(compile("*.go", "!fileutils.go"), "fileutils.go", false, "");
    }

    @Test
    void folderExclusionWithException() throws IgnoreFileException {
        assertAllForms(compile("docs", "!docs/README.md"), "docs/README.md", false, "");
        assertAllForms(compile("docs/", "!docs/README.md"), "docs/README.md", false, "");
        assertAllForms(compile("docs/*", "!docs/README.md"), "docs/README.md", false, "");
        // the rest of the folder stays excluded
        assertAllForms(compile("docs", "!docs/README.md"), "docs/other.md", true, "");
        assertAllForms(compile("docs", "!docs/README.md"), "docs", true, "");
    }

    @Test
    void lastMatchingPatternWins() throws IgnoreFileException {
        PatternMatcher pm = compile("*.md", "!README*.md", "README-secret.md");
        assertAllForms(pm, "README.md", false, "");
        assertAllForms(pm, "README-secret.md", true, "");
        assertAllForms(pm, "CHANGES.md", true, "");
        pm = compile("*.md", "README-secret.md", "!README*.md");
        assertAllForms(pm, "README-secret.md", false, "");
    }

    @Test
    void theContextRootNeverMatches() throws IgnoreFileException {
        PatternMatcher pm = compile("*.go", "**", "*", ".");
        assertFalse(pm.matches("."));
        assertFalse(pm.matches(""));
        assertFalse(pm.matches("./"));
        assertFalse(pm.matches("a/.."));
    }

    @Test
    void theDotPatternNeverMatches() throws IgnoreFileException {
        PatternMatcher pm = compile(".");
        assertEquals(IgnorePattern.Kind.LITERAL, pm.patterns().get(0).kind());
        for (String path : List.of("a", "a/b", ".a", "a/.b")) {
            assertFalse(pm.matches(path), path);
            assertFalse(walk(pm, path), path);
        }
        assertFalse(pm.matches("."));
        assertFalse(pm.matches("./a"));
        assertFalse(compile("./").matches("x"));
    }

    @Test
    void loneExclamationMarkIsAnError() {
        IgnoreFileException e = assertThrows(IgnoreFileException.class, () -> compile("!"));
        assertEquals("illegal exclusion pattern: \"!\"", e.reason());
        assertThrows(IgnoreFileException.class, () -> compile("docs", "  !  "));
        // "!/" cleans to "!" before the mark is examined, as in moby
        assertThrows(IgnoreFileException.class, () -> compile("!/"));
    }

    @Test
    void noPatternsMatchNothing() throws IgnoreFileException {
        PatternMatcher pm = PatternMatcher.compile(List.of());
        assertFalse(pm.matches("/any/path/there"));
        assertFalse(pm.exclusions());
        assertFalse(pm.matchesUsingParentResults("a", MatchInfo.none()).excluded());
    }

    @Test
    void malformedBracketIsAnError() {
        assertThrows(IgnoreFileException.class, () -> compile("["));
    }

    @Test
    void cleaningAndTrimming() throws IgnoreFileException {
        assertEquals(2, compile("docs", "config").patterns().size());
        assertEquals(2, compile("docs", "config", "", "   ").patterns().size());
        assertTrue(compile("docs", "!docs/README.md").exclusions());
        assertTrue(compile("docs", "  !docs/README.md").exclusions());
        assertTrue(compile("docs", "!docs/README.md  ").exclusions());
        assertFalse(compile("docs", "config").exclusions());
        PatternMatcher pm = compile("./a/./b/../c/", "!x//y/");
        assertEquals("a/c", pm.patterns().get(0).text());
        assertEquals("x/y", pm.patterns().get(1).text());
        assertTrue(pm.patterns().get(1).exception());
        assertEquals("!x/y", pm.patterns().get(1).toString());
        assertFalse(compile("/foo/bar").matches("foo/bar"), "a leading '/' is only removed by the file reader");
        assertTrue(compile("./foo/bar").matches("foo/bar"));
    }

    /** moby's TestCompile: how each pattern is classified. */
    @Test
    void patternKinds() throws IgnoreFileException {
        Object[][] table = {
            {"*", IgnorePattern.Kind.EXPRESSION},
            {"file*", IgnorePattern.Kind.EXPRESSION},
            {"*file", IgnorePattern.Kind.EXPRESSION},
            {"a*/b", IgnorePattern.Kind.EXPRESSION},
            {"**", IgnorePattern.Kind.SUFFIX},
            {"**/**", IgnorePattern.Kind.EXPRESSION},
            {"dir/**", IgnorePattern.Kind.PREFIX},
            {"**/dir", IgnorePattern.Kind.SUFFIX},
            {"**/dir2/*", IgnorePattern.Kind.EXPRESSION},
            {"**/dir2/**", IgnorePattern.Kind.EXPRESSION},
            {"**file", IgnorePattern.Kind.SUFFIX},
            {"**/file*txt", IgnorePattern.Kind.EXPRESSION},
            {"**/**/*.txt", IgnorePattern.Kind.EXPRESSION},
            {"a[b-d]e", IgnorePattern.Kind.EXPRESSION},
            {".*", IgnorePattern.Kind.EXPRESSION},
            {"abc.def", IgnorePattern.Kind.LITERAL},
            {"abc?def", IgnorePattern.Kind.EXPRESSION},
            {"**/foo/bar", IgnorePattern.Kind.SUFFIX},
            {"a(b)c/def", IgnorePattern.Kind.LITERAL},
            {"a.|)$(}+{bc", IgnorePattern.Kind.LITERAL},
            {"dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", IgnorePattern.Kind.LITERAL},
        };
        for (Object[] row : table) {
            assertEquals(row[1], compile((String) row[0]).patterns().get(0).kind(), (String) row[0]);
        }
    }

    // ------------------------------------------------------------------ quirks reproduced from moby

    static Stream<Arguments> mobyQuirks() {
        return Stream.of(
                // '!' does not negate a class (only '^' does): "[!a]" is the set {'!', 'a'}
                c("[!a]", "!", true),
                c("[!a]", "a", true),
                c("[!a]", "b", false),
                // a negated class can match '/'
                c("a[^x]b", "a/b", true),
                // '|' reaches the regular expression unescaped: "^a|b[^/]*$" (either alternative)
                c("a|b*", "a", true),
                c("a|b*", "ab/c", true),
                c("a|b*", "x/b", true),
                c("a|b*", "c", false),
                // ...but a pattern without wildcards is compared literally
                c("a|b", "a|b", true),
                c("a|b", "a", false),
                // so do braces: "a{2}*" is "^a{2}[^/]*$"
                c("a{2}*", "aab", true),
                c("a{2}*", "a", false),
                c("a{2}*", "a{2}", false),
                // a backslash escape is handed to the expression as is
                c("\\d*", "1x", true),
                c("\\d*", "d", false),
                // "*" inside brackets is translated like any other star: "[*]" is "^[[^/]*]$"
                c("[*]", "*", false),
                c("[*]", "]", true),
                c("[*]", "^^]", true),
                // an unescaped '^' is an anchor inside an expression, a character in a literal
                c("^foo*", "foobar", true),
                c("^foo", "^foo", true),
                c("^foo", "foo", false),
                // the leading '/' is not stripped by the matcher; "**" patterns still match it
                c("**", "/abs", true),
                // a byte order mark at the start of a wildcard pattern is ignored...
                c("\uFEFFfoo*", "foobar", true),
                // ...but not in a literal one
                c("\uFEFFfoo", "foo", false),
                c("\uFEFFfoo", "\uFEFFfoo", true),
                // ...and a "**" suffix pattern behind one compares raw bytes: EF BB BF "**x" minus
                // two bytes is BF "**x", which "\u00BF**x" (C2 BF ...) happens to end with
                c("\uFEFF**x", "\u00BF**x", true),
                c("\uFEFF**x", "a**x", false),
                c("\uFEFF**x", "x", false),
                // dot does not match a newline, a negated class does
                c("**/**", "a\nb", false),
                c("a?b", "a\nb", true));
    }

    @ParameterizedTest(name = "[{index}] {0} ~ {1} -> {2}")
    @MethodSource("mobyQuirks")
    void quirksAreReproduced(String pattern, String path, boolean excluded) throws IgnoreFileException {
        assertAllForms(compile(pattern), path, excluded, "(pattern=" + pattern + ", path=" + path + ")");
    }

    /**
     * moby's incremental algorithm does not record a pattern that was skipped for a directory
     * (because it could not change that directory's result); a child then only tests it against its
     * own path. This makes the walk differ from {@code matches} here, and moby's walk is reproduced.
     */
    @Test
    void incrementalQuirk() throws IgnoreFileException {
        PatternMatcher pm = compile("a", "!a/x", "a");
        assertTrue(pm.matches("a/x"));
        assertFalse(walk(pm, "a/x"));
        assertTrue(pm.matchesUsingParentResults("a/x", MatchInfo.none()).excluded());
    }

    // ------------------------------------------------------------------ incremental API contract

    @Test
    void matchInfoFromAnotherMatcherIsRejected() throws IgnoreFileException {
        MatchInfo info = compile("a", "b").matchesUsingParentResults("a", MatchInfo.none()).info();
        assertTrue(info.isKnown());
        PatternMatcher other = compile("a");
        assertThrows(IllegalArgumentException.class, () -> other.matchesUsingParentResults("a/b", info));
    }

    @Test
    void parentResultsAreInherited() throws IgnoreFileException {
        PatternMatcher pm = compile("build", "!build/keep/**");
        MatchResult build = pm.matchesUsingParentResults("build", MatchInfo.none());
        assertTrue(build.excluded());
        MatchResult keep = pm.matchesUsingParentResults("build/keep", build.info());
        assertTrue(keep.excluded(), "build/keep itself is not matched by build/keep/**");
        assertFalse(pm.matchesUsingParentResults("build/keep/a", keep.info()).excluded());
        assertTrue(pm.matchesUsingParentResults("build/other", build.info()).excluded());
    }

    // ------------------------------------------------------------------ pruning excluded directories

    @Test
    void pruningDecisions() throws IgnoreFileException {
        PatternMatcher noExceptions = compile("node_modules", "**/*.log");
        assertFalse(noExceptions.exclusions());
        assertFalse(noExceptions.mayReincludeBelow("node_modules"));

        PatternMatcher pm = compile("node_modules", "build", "!build/keep.txt", "!**/*.md", "vendor", "!vendor/a*/x");
        MatchResult nm = pm.matchesUsingParentResults("node_modules", MatchInfo.none());
        assertTrue(nm.excluded());
        // "**/*.md" could re-include node_modules/README.md
        assertTrue(pm.mayReincludeBelow("node_modules"));

        PatternMatcher literalOnly = compile("node_modules", "build", "!build/keep.txt", "!buildx");
        assertFalse(literalOnly.mayReincludeBelow("node_modules"));
        assertTrue(literalOnly.mayReincludeBelow("build"));
        assertFalse(literalOnly.mayReincludeBelow("buil"));
        assertTrue(literalOnly.canSkipDirectory("node_modules",
                literalOnly.matchesUsingParentResults("node_modules", MatchInfo.none())));
        assertFalse(literalOnly.canSkipDirectory("build",
                literalOnly.matchesUsingParentResults("build", MatchInfo.none())));

        PatternMatcher wild = compile("vendor", "!vendor/a*/x", "!other/**");
        assertTrue(wild.mayReincludeBelow("vendor"));
        assertTrue(wild.mayReincludeBelow("vendor/abc"));
        assertFalse(wild.mayReincludeBelow("vendor/b"));
        assertTrue(wild.mayReincludeBelow("other"));
        assertTrue(wild.mayReincludeBelow("other/deep/er"));
        assertFalse(wild.mayReincludeBelow("others"));
        assertTrue(wild.mayReincludeBelow("."));
    }

    /** An exception the pruning test cannot follow is assumed to re-include anywhere. */
    @Test
    void pruningAssumesTheWorstForExpressionsItCannotFollow() throws IgnoreFileException {
        // '|' reaches Go's regexp unescaped: "^vendor/a[^/]*|b$" also matches any path ending in "b"
        PatternMatcher pm = compile("vendor", "!vendor/a*|b");
        assertTrue(pm.mayReincludeBelow("vendor/x"));
        assertFalse(pm.matches("vendor/x/b"));
        assertTrue(pm.matches("vendor/x/c"));
        // a backslash class is not followed either
        assertTrue(compile("vendor", "!vendor/\\d*").mayReincludeBelow("vendor/x"));
        // while a pattern made of wildcards, brackets and plain characters is
        assertFalse(compile("vendor", "!vendor/[ab]?/*.md").mayReincludeBelow("vendor/c"));
        assertTrue(compile("vendor", "!vendor/[ab]?/*.md").mayReincludeBelow("vendor/bc"));
        assertFalse(compile("vendor", "!vendor/[ab]?/*.md").mayReincludeBelow("vendor/bc/d"));
    }

    /**
     * Soundness of the pruning test: whenever a directory is excluded and
     * {@link PatternMatcher#mayReincludeBelow} says nothing below can come back, every descendant is
     * indeed excluded, both by the walk and by {@code matches}.
     */
    @Test
    void pruningNeverHidesAReincludedPath() throws IgnoreFileException {
        String[] segs = {"a", "b", "*", "**", "?", "[ab]", "a*", "*.go", "c", "[^a]", "a?"};
        String[] names = {"a", "b", "c", "a.go", "ab", "b.go"};
        Random rnd = new Random(20240611L);
        int pruned = 0;
        for (int round = 0; round < 3000; round++) {
            List<String> patterns = new ArrayList<>();
            int count = 1 + rnd.nextInt(5);
            for (int k = 0; k < count; k++) {
                StringBuilder p = new StringBuilder(rnd.nextInt(10) < 4 ? "!" : "");
                int depth = 1 + rnd.nextInt(3);
                for (int d = 0; d < depth; d++) {
                    p.append(d == 0 ? "" : "/").append(segs[rnd.nextInt(segs.length)]);
                }
                patterns.add(p.toString());
            }
            PatternMatcher pm = PatternMatcher.compile(patterns);
            String dir = names[rnd.nextInt(names.length)] + (rnd.nextBoolean() ? "/" + names[rnd.nextInt(names.length)] : "");
            MatchInfo info = MatchInfo.none();
            for (String anc : ancestors(dir)) {
                info = pm.matchesUsingParentResults(anc, info).info();
            }
            MatchResult dirResult = pm.matchesUsingParentResults(dir, info);
            if (!pm.canSkipDirectory(dir, dirResult)) {
                continue;
            }
            pruned++;
            for (int k = 0; k < 20; k++) {
                StringBuilder child = new StringBuilder(dir);
                int depth = 1 + rnd.nextInt(3);
                for (int d = 0; d < depth; d++) {
                    child.append('/').append(names[rnd.nextInt(names.length)]);
                }
                String path = child.toString();
                assertTrue(walk(pm, path), patterns + " " + path);
                if (pm.matches(dir)) {
                    assertTrue(pm.matches(path), patterns + " " + path);
                }
            }
        }
        assertTrue(pruned > 100, "the property was exercised " + pruned + " times");
    }

    // ------------------------------------------------------------------ pathological input

    @Test
    void stackedDoubleStarsStayLinear() throws IgnoreFileException {
        PatternMatcher pm = compile("**/**/**/**/**/**/**/**/**/**/x");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sb.append(i == 0 ? "" : "/").append("dir").append(i);
        }
        String deep = sb.toString();
        assertFalse(pm.matches(deep));
        assertFalse(walk(pm, deep));
        assertTrue(pm.matches(deep + "/x"));
        assertTrue(pm.matches(deep + "/x/below"));
        assertTrue(walk(pm, deep + "/x"));
        assertFalse(pm.matches(deep + "/xx"));
    }

    @Test
    void manyStarsStayLinear() throws IgnoreFileException {
        PatternMatcher pm = compile("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "**/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
        String as = "a".repeat(5000);
        assertFalse(pm.matches(as));
        assertFalse(pm.matches(as + "/" + as));
        assertTrue(pm.matches(as + "b"));
        assertTrue(pm.matches("d/" + as + "b"));
    }
}
