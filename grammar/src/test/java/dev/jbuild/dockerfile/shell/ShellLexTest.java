package dev.jbuild.dockerfile.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Behaviour the BuildKit vector files do not pin down, re-derived from BuildKit's lex_test.go and lex.go. */
class ShellLexTest {

    private static final Duration QUICK = Duration.ofSeconds(10);

    private static EnvGetter env(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return EnvGetter.of(m);
    }

    private static String word(String input, EnvGetter env) throws ShellSyntaxException {
        return new ShellLex('\\').processWord(input, env);
    }

    private static String reason(ShellLex lex, String input, EnvGetter env) {
        return assertThrows(ShellSyntaxException.class, () -> lex.processWord(input, env),
                () -> "expected an error for " + input).reason();
    }

    private static String reason(String input, EnvGetter env) {
        return reason(new ShellLex('\\'), input, env);
    }

    // ---- TestProcessWithMatches / TestProcessWithMatchesPlatform -------------------------------

    private static DynamicTest matches(String input, Map<String, String> vars, String expected,
                                       Set<String> matched, Set<String> unmatched) {
        return dynamicTest(input + " -> " + expected, () -> {
            ProcessResult r = new ShellLex('\\').processWordWithMatches(input, EnvGetter.of(vars));
            assertEquals(expected, r.result());
            assertEquals(matched, r.matched(), "matched");
            assertEquals(unmatched, r.unmatched(), "unmatched");
        });
    }

    private static DynamicTest matchError(String input, Map<String, String> vars) {
        return dynamicTest(input + " -> error", () -> assertThrows(ShellSyntaxException.class,
                () -> new ShellLex('\\').processWordWithMatches(input, EnvGetter.of(vars))));
    }

    @TestFactory
    List<DynamicTest> processWithMatches() {
        Map<String, String> fooBar = Map.of("FOO", "xxx", "BAR", "");
        Map<String, String> none = Map.of();
        return List.of(
                matches("x", Map.of("DUMMY", "dummy"), "x", Set.of(), Set.of()),
                matches("x ${UNUSED}", Map.of("DUMMY", "dummy"), "x ", Set.of(), Set.of("UNUSED")),
                matches("x ${FOO}", Map.of("FOO", "y"), "x y", Set.of("FOO"), Set.of()),
                matches("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", fooBar, "xxx  ccc", Set.of("FOO", "BAR"), Set.of("BAZ")),
                matches("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", fooBar, "xxx bbb ccc", Set.of("FOO", "BAR"),
                        Set.of("BAZ")),
                matches("${FOO:-}", fooBar, "xxx", Set.of("FOO"), Set.of()),
                matches("${FOO:-}", none, "", Set.of(), Set.of("FOO")),
                matches("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", fooBar, "aaa bbb ", Set.of("FOO", "BAR"), Set.of("BAZ")),
                matches("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", fooBar, "aaa  ", Set.of("FOO", "BAR"), Set.of("BAZ")),
                matches("${FOO?aaa}", fooBar, "xxx", Set.of("FOO"), Set.of()),
                matches("${BAR?bbb}", fooBar, "", Set.of("BAR"), Set.of()),
                matchError("${BAZ?ccc}", fooBar),
                matches("${FOO:?aaa}", fooBar, "xxx", Set.of("FOO"), Set.of()),
                matchError("${BAR:?bbb}", fooBar),
                matchError("${BAZ:?ccc}", fooBar),
                matchError("${BAZ:?}", fooBar),
                matchError("${FOO=aaa}", fooBar),
                matchError("${FOO=:aaa}", fooBar),
                matchError("${FOO=}", none),
                // regex metacharacters are literal; \} keeps the brace from closing ${}
                matches("${FOO#()[]{\\}^$.\\*\\?|\\\\}", Map.of("FOO", "()[]{}^$.*?|\\x"), "x", Set.of("FOO"), Set.of()),
                matches("${FOO%%\\**}", Map.of("FOO", "xx**"), "xx", Set.of("FOO"), Set.of()),
                matches("${FOO#*x*y}", Map.of("FOO", "xxyy"), "y", Set.of("FOO"), Set.of()),
                matches("${FOO#*}", Map.of("FOO", "xxyy"), "xxyy", Set.of("FOO"), Set.of()),
                matches("${FOO#$BAR}", Map.of("FOO", "xxyy", "BAR", "x"), "xyy", Set.of("FOO", "BAR"), Set.of()),
                matches("${FOO#$BAR}", Map.of("FOO", "xxyy", "BAR", ""), "xxyy", Set.of("FOO", "BAR"), Set.of()),
                matches("${FOO#}", Map.of("FOO", "xxyy"), "xxyy", Set.of("FOO"), Set.of()),
                matches("${FOO##*x}", Map.of("FOO", "xxyy"), "yy", Set.of("FOO"), Set.of()),
                matches("${FOO##}", Map.of("FOO", "xxyy"), "xxyy", Set.of("FOO"), Set.of()),
                matches("${FOO#?\\?}", Map.of("FOO", "???y"), "?y", Set.of("FOO"), Set.of()),
                matches("${ABC:-.}${FOO%x}${ABC:-.}", Map.of("FOO", "xxyy"), ".xxyy.", Set.of("FOO"), Set.of("ABC")),
                matches("${FOO%%\\**\\*}", Map.of("FOO", "a***yy*"), "a", Set.of("FOO"), Set.of()),
                matches("${FOO%}", Map.of("FOO", "xxyy"), "xxyy", Set.of("FOO"), Set.of()),
                matches("${FOO%%$BAR}", Map.of("FOO", "xxyy", "BAR", ""), "xxyy", Set.of("FOO", "BAR"), Set.of()),
                matchError("${FOO:#}", none),
                matchError("${FOO:##}", none),
                matchError("${FOO:%}", none),
                matchError("${FOO:%%}", none),
                matches("${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", Map.of("FOO", "/foo*/*/*.txt", "NEEDLE", "\\*/"),
                        "/foo.*/*.txt - /foo..*.txt", Set.of("FOO", "NEEDLE"), Set.of()),
                matches("${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", Map.of("FOO", "/tmp/tmp/bar.txt", "NEEDLE", "/tmp"),
                        "/tmp/bar.txt - /bar.txt", Set.of("FOO", "NEEDLE"), Set.of()),
                matches("${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
                        Map.of("FOO", "/a/foo/b/c.txt", "NEEDLE", "/?/", "REPLACEMENT", "/"),
                        "/foo/b/c.txt - /foo/c.txt", Set.of("FOO", "NEEDLE", "REPLACEMENT"), Set.of()),
                matches("${FOO/$NEEDLE/$REPLACEMENT}",
                        Map.of("FOO", "http://google.de", "NEEDLE", "http://", "REPLACEMENT", "https://"),
                        "https://google.de", Set.of("FOO", "NEEDLE", "REPLACEMENT"), Set.of()),
                matches("${FOO//\\//\\/}", Map.of("FOO", "/tmp/foo.txt"), "\\/tmp\\/foo.txt", Set.of("FOO"), Set.of()),
                matches("${FOO/$BAR/ww}", Map.of("FOO", "xxyy", "BAR", ""), "wwxxyy", Set.of("FOO", "BAR"), Set.of()),
                matchError("${FOO//ww}", Map.of("FOO", "xxyy")),
                matchError("${FOO//}", Map.of("FOO", "xxyy")),
                matches("${FOO///}", Map.of("FOO", "xxyy"), "xxyy", Set.of("FOO"), Set.of()),
                matches("${FOO///}", none, "", Set.of(), Set.of("FOO")),
                // positional and special parameters are looked up (and so reported) like any name
                matches("$1${2}$@$#", none, "", Set.of(), Set.of("1", "2", "@", "#")));
    }

    @Test
    void processWithMatchesPlatform() throws ShellSyntaxException {
        String release = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
        ShellLex lex = new ShellLex('\\');
        assertEquals("something-v1.2.3.linux-arm-v7.tar.gz", lex.processWordWithMatches(release,
                env("VERSION", "v1.2.3", "TARGETOS", "linux", "TARGETARCH", "arm", "TARGETVARIANT", "v7")).result());
        assertEquals("something-v1.2.3.linux-arm64.tar.gz", lex.processWordWithMatches(release,
                env("VERSION", "v1.2.3", "TARGETOS", "linux", "TARGETARCH", "arm64", "TARGETVARIANT", "")).result());
        ProcessResult r = lex.processWordWithMatches(release,
                env("VERSION", "v1.2.3", "TARGETOS", "linux", "TARGETARCH", "arm64"));
        assertEquals("something-v1.2.3.linux-arm64.tar.gz", r.result());
        assertEquals(List.of("VERSION", "TARGETOS", "TARGETARCH"), List.copyOf(r.matched()), "first-reference order");
        assertEquals(Set.of("TARGETVARIANT"), r.unmatched());
    }

    @Test
    void processWordWithMatchesAlsoSplitsWords() throws ShellSyntaxException {
        ProcessResult r = new ShellLex('\\').processWordWithMatches("a ${FOO-x  y} 'b c'", env());
        assertEquals("a x  y b c", r.result());
        assertEquals(List.of("a", "x", "y", "b c"), r.words());
        assertEquals(Set.of("FOO"), r.unmatched());
    }

    // ---- TestShellParserMandatoryEnvVars ------------------------------------------------------

    @Test
    void mandatoryEnvVars() throws ShellSyntaxException {
        EnvGetter set = env("VAR", "plain", "ARG", "x");
        EnvGetter empty = env("VAR", "", "ARG", "x");
        EnvGetter unset = env("ARG", "x");
        String noEmpty = "${VAR:?message here$ARG}";
        String noUnset = "${VAR?message here$ARG}";

        assertEquals("plain", word(noEmpty, set));
        assertEquals("VAR: message herex", reason(noEmpty, empty));
        assertEquals("VAR: message herex", reason(noEmpty, unset));

        assertEquals("plain", word(noUnset, set));
        assertEquals("", word(noUnset, empty));
        ShellSyntaxException e = assertThrows(ShellSyntaxException.class,
                () -> new ShellLex('\\').processWord(noUnset, unset));
        assertEquals("failed to process \"${VAR?message here$ARG}\": VAR: message herex", e.getMessage());
        assertEquals(noUnset, e.word());

        assertEquals("VAR: is not allowed to be unset", reason("${VAR?}", unset));
        assertEquals("VAR: is not allowed to be unset", reason("${VAR:?}", unset));
        assertEquals("VAR: is not allowed to be empty", reason("${VAR:?}", empty));
    }

    // ---- error texts ---------------------------------------------------------------------------

    @Test
    void errorMessagesMatchBuildKit() {
        EnvGetter foo = env("FOO", "xxyy");
        assertEquals("failed to process \"${a\": unsupported modifier (\uFFFD) in substitution",
                assertThrows(ShellSyntaxException.class, () -> word("${a", foo)).getMessage());
        assertEquals("syntax error: missing '}'", reason("${", foo));
        assertEquals("syntax error: missing '}'", reason("${aaa:-bbb", foo));
        assertEquals("syntax error: missing '}'", reason("${aaa:", foo));
        assertEquals("syntax error: bad substitution", reason("he${}", foo));
        assertEquals("syntax error: bad substitution", reason("${:-x}", foo));
        assertEquals("syntax error: bad substitution", reason("${{x}", foo));
        assertEquals("unexpected end of statement while looking for matching single-quote", reason("'abc", foo));
        assertEquals("unexpected end of statement while looking for matching double-quote", reason("\"abc", foo));
        assertEquals("syntax error: missing '/' in ${}", reason("${FOO/x", foo));
        assertEquals("syntax error: missing '}'", reason("${FOO/x/y", foo));
        assertEquals("unsupported modifier (:=) in substitution", reason("${FOO:=x}", foo));
        assertEquals("unsupported modifier (=) in substitution", reason("${FOO=x}", foo));
        assertEquals("unsupported modifier (:Y) in substitution", reason("${FOO:YY}", foo));
        assertEquals("unsupported modifier (.) in substitution", reason("${.}", foo));
        assertEquals("unsupported modifier (:#) in substitution", reason("${FOO:#x}", foo));
        assertEquals("invalid pattern (\\x) in substitution: invalid escape '\\x'", reason("${FOO#\\x}", foo));
        // suffix patterns are reported reversed, as BuildKit compiles them reversed
        assertEquals("invalid pattern (\\xa) in substitution: invalid escape '\\x'", reason("${FOO%a\\x}", foo));
        assertEquals("invalid pattern (a\\) in substitution: invalid escape '\\\uFFFD'",
                reason("${FOO#$P}", env("FOO", "a", "P", "a\\")));
        assertEquals("invalid pattern (\\x) in substitution: invalid escape '\\x'", reason("${FOO/\\x/y}", foo));
        // errors below a ${...} pass through unless the input ran out
        assertEquals("syntax error: bad substitution", reason("${a:-${}}", foo));
        assertEquals("b: oops", reason("${a:-${b?oops}}", foo));
        assertEquals("syntax error: missing '}'", reason("${a:-${b?oops}", foo));
        assertEquals("syntax error: missing '/' in ${}", reason("${a/${b", foo));
        // the word is quoted like Go's %q
        assertEquals("failed to process \"\\t\\\"a\\\\${\": syntax error: missing '}'",
                assertThrows(ShellSyntaxException.class, () -> word("\t\"a\\${", foo)).getMessage()
                        .replace("unexpected end of statement while looking for matching double-quote",
                                "syntax error: missing '}'"));
        assertEquals("failed to process \"한\\u00a0\\x01\\U000e0001${\": syntax error: missing '}'",
                assertThrows(ShellSyntaxException.class, () -> word("한\u00a0\u0001\uDB40\uDC01${", foo))
                        .getMessage());
    }

    @Test
    void singleArgumentExceptionKeepsMessage() {
        ShellSyntaxException e = new ShellSyntaxException("plain message");
        assertEquals("plain message", e.getMessage());
        assertEquals("plain message", e.reason());
        assertNull(e.word());
    }

    // ---- escape token ---------------------------------------------------------------------------

    @Test
    void backtickEscapeToken() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('`');
        EnvGetter e = env("PWD", "/home");
        assertEquals("he$PWD", lex.processWord("he`$PWD", e));
        assertEquals("he\\/home", lex.processWord("he\\$PWD", e));
        assertEquals("he`/home", lex.processWord("he``$PWD", e));
        assertEquals("a\"b", lex.processWord("\"a`\"b\"", e));
        assertEquals("a\\", lex.processWord("\"a\\\"", e));
        assertEquals("a`b", lex.processWord("\"a``b\"", e));
        assertEquals("a`xb", lex.processWord("\"a`xb\"", e));
        assertEquals("a", lex.processWord("a`", e));
        assertEquals("'", lex.processWord("`'", e));
        assertEquals("a`", lex.processWord("'a`'", e));
        assertEquals("a}b", lex.processWord("${X:-a`}b}", e));
        assertEquals("C:\\dir\\file", lex.processWord("C:\\dir\\file", e));
        assertEquals(List.of("a b", "c"), lex.processWords("a` b c", e));
        // trim patterns keep the escape char, but the glob syntax only knows backslash
        assertEquals("*x", lex.processWord("${V#`*}", env("V", "*x")));
        assertEquals("*x", lex.processWord("${V#`*}", env("V", "`*x")));
        assertEquals("x", lex.processWord("${V#\\*}", env("V", "*x")));
    }

    @Test
    void backslashEscapes() throws ShellSyntaxException {
        EnvGetter e = env("A", "x");
        assertEquals("a b", word("a\\ b", e));
        assertEquals("$A", word("\\$A", e));
        assertEquals("\\n", word("\"\\n\"", e)); // not escapable inside double quotes
        assertEquals("\\\n", word("\"\\\n\"", e)); // nor is a newline (BuildKit's list is \" $ and the escape)
        assertEquals("\n", word("\\\n", e));
        assertEquals("ab", word("a\\b", e));
    }

    // ---- the trim and replace operators ---------------------------------------------------------

    @Test
    void trimOperatorsShortestAndLongest() throws ShellSyntaxException {
        EnvGetter e = env("V", "a/b/c");
        assertEquals("b/c", word("${V#*/}", e));
        assertEquals("c", word("${V##*/}", e));
        assertEquals("a/b", word("${V%/*}", e));
        assertEquals("a", word("${V%%/*}", e));
        assertEquals("b/c", word("${V#??}", e));
        assertEquals("a/b/c", word("${V#x*}", e));
        assertEquals("a/b/c", word("${V%*}", e));
        assertEquals("", word("${V%%*}", e));
        assertEquals("", word("${V##*}", e));
        assertEquals("", word("${U#*}", e));
        assertEquals("/b/c", word("${V#\"a\"}", e)); // quotes are removed from the pattern word
        assertEquals("b", word("${V:+${V#*/}}", env("V", "a/b")));
    }

    @Test
    void wildcardsStopAtNewline() throws ShellSyntaxException {
        EnvGetter e = env("V", "a\nb", "NL", "\n");
        assertEquals("a\nb", word("${V#*b}", e));
        assertEquals("a\nb", word("${V#a?b}", e));
        assertEquals("\nb", word("${V##*}", e));
        assertEquals("a\n", word("${V%%*}", e));
        assertEquals("x\nx", word("${V//?/x}", e));
        assertEquals("b", word("${V#a$NL}", e));
        assertEquals("a-b", word("${V/$NL/-}", e));
    }

    @Test
    void replaceFollowsGoReplaceAllString() throws ShellSyntaxException {
        assertEquals("-a-b-c-", word("${V//$E/-}", env("V", "abc", "E", "")));
        assertEquals("-", word("${V//*/-}", env("V", "abc")));
        assertEquals("-", word("${V/*/-}", env("V", "abc")));
        assertEquals("---", word("${V//?/-}", env("V", "abc")));
        assertEquals("-", word("${V//*/-}", env("V", "")));
        assertEquals("-", word("${U//*/-}", env()));
        assertEquals("-\n-", word("${V//*b/-}", env("V", "abab\nbb")));
        // # and % are literals here, unlike bash
        assertEquals("ax", word("${V/#a/x}", env("V", "a#a")));
        assertEquals("ax", word("${V/%a/x}", env("V", "a%a")));
    }

    @Test
    void replaceAllExpandsGoTemplates() throws ShellSyntaxException {
        assertEquals("f<o><o>", word("${V//o/$R}", env("V", "foo", "R", "<$0>")));
        assertEquals("f<$0>o", word("${V/o/$R}", env("V", "foo", "R", "<$0>")), "single replace is literal");
        assertEquals("f$$", word("${V//o/$R}", env("V", "foo", "R", "$$")));
        assertEquals("fo!o!", word("${V//o/$R}", env("V", "foo", "R", "${0}!")));
        assertEquals("f", word("${V//o/$R}", env("V", "foo", "R", "$1")));
        assertEquals("f", word("${V//o/$R}", env("V", "foo", "R", "$x")));
        assertEquals("f", word("${V//o/$R}", env("V", "foo", "R", "$0a")));
        assertEquals("f", word("${V//o/$R}", env("V", "foo", "R", "$00")));
        assertEquals("f$$", word("${V//o/$R}", env("V", "foo", "R", "$")));
        assertEquals("f${0${0", word("${V//o/$R}", env("V", "foo", "R", "${0")));
        assertEquals("f$-$-", word("${V//o/$R}", env("V", "foo", "R", "$-")));
        assertEquals("f$", word("${V//o/$}", env("V", "fo")), "a lone $ in the lexer stays literal");
    }

    @Test
    void unicodeValuesAndPatterns() throws ShellSyntaxException {
        EnvGetter k = env("K", "한국어");
        assertEquals("국어", word("${K#한}", k));
        assertEquals("한국", word("${K%어}", k));
        assertEquals("한-어", word("${K/국/-}", k));
        assertEquals("어", word("${K##*국}", k));
        assertEquals("x", word("${E#?}", env("E", "🖖x")));
        assertEquals("x", word("${E%?}", env("E", "x🖖")));
        assertEquals("...", word("${E//?/.}", env("E", "a🖖b")));
        assertEquals("b", word("${E#*🖖}", env("E", "a🖖b")));
        assertEquals("🖖b", word("${E#\\?}", env("E", "?🖖b")));
        assertEquals("v", word("$한국어", env("한국어", "v")));
        ProcessResult r = new ShellLex('\\').processWordWithMatches("a$١b", env());
        assertEquals("ab", r.result()); // Arabic-Indic digit one is a positional parameter, as in Go
        assertEquals(Set.of("١"), r.unmatched());
    }

    @Test
    void byteOrderMarkAtStartIsDropped() throws ShellSyntaxException {
        // Go's text/scanner discards a leading U+FEFF; BuildKit reads both words and patterns with it.
        assertEquals("abc", word("\uFEFFabc", env()));
        assertEquals("a\uFEFFb", word("a\uFEFFb", env()));
        assertEquals("b", word("${V#$P}", env("V", "ab", "P", "\uFEFFa")));
    }

    // ---- field splitting --------------------------------------------------------------------------

    @Test
    void fieldSplittingUsesGoWhiteSpace() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('\\');
        assertEquals(List.of("a", "b"), lex.processWords("a\u00a0b", env()));
        assertEquals(List.of("a", "b"), lex.processWords("a\u2003b", env()));
        assertEquals(List.of("a\u001cb"), lex.processWords("a\u001cb", env()));
        assertEquals(List.of("x", "y"), lex.processWords("$V", env("V", "x\u00a0y")));
        assertEquals(List.of(), lex.processWords("", env()));
        assertEquals(List.of(), lex.processWords("  ''  \"\" ", env()), "empty quotes make no field");
        assertEquals(List.of("a", "b"), lex.processWords("''  a b", env()));
        assertEquals(List.of("<<  EOF", "x"), lex.processWords("<<  EOF x", env()));
    }

    @Test
    void sharedWordBufferQuirk() throws ShellSyntaxException {
        // BuildKit clears its one field buffer whenever a nested word starts, so a partial field
        // just before ${V<op>word} is dropped in multi-word mode. The single-word result is intact.
        ShellLex lex = new ShellLex('\\');
        assertEquals(List.of("abc"), lex.processWords("foo${X:-abc}", env()));
        assertEquals(List.of("abc"), lex.processWords("foo\"${X:-abc}\"", env()));
        assertEquals(List.of("a", "bc"), lex.processWords("a ${X:-b}c", env()));
        assertEquals(List.of("foox"), lex.processWords("foo${X}", env("X", "x")));
        assertEquals("fooabc", lex.processWord("foo${X:-abc}", env()));
        assertEquals(List.of("RUN", "${X:-a}"), new ShellLex('\\').rawQuotes(true).rawEscapes(true)
                .skipUnsetEnv(true).processWords("RUN <<EOF${X:-a}", EnvGetter.empty()));
        assertEquals(List.of("COPY", "<<EOF", "${X:-y}"), new ShellLex('\\').rawQuotes(true).rawEscapes(true)
                .skipUnsetEnv(true).processWords("COPY <<EOF /dest/$HOME/${X:-y}", EnvGetter.empty()));
    }

    // ---- modes ------------------------------------------------------------------------------------

    @Test
    void rawEscapes() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('\\').rawEscapes(true);
        assertEquals("a\\ b\\$c", lex.processWord("a\\ b\\$c", env("c", "C")));
        // inside double quotes a non-escapable char gets the escape written twice, as in BuildKit
        assertEquals("d\\\\e\\\"f", lex.processWord("\"d\\e\\\"f\"", env()));
        assertEquals("a\\", lex.processWord("a\\", env()));
        assertEquals(List.of("a\\ b", "c"), lex.processWords("a\\ b c", env()));
    }

    @Test
    void rawQuotes() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('\\').rawQuotes(true);
        assertEquals(List.of("'a b'", "\"c x\""), lex.processWords("'a b' \"c $A\"", env("A", "x")));
        assertEquals("'a'\"b\"", lex.processWord("'a'\"b\"", env()));
        assertThrows(ShellSyntaxException.class, () -> lex.processWord("'a", env()));
    }

    @Test
    void skipUnsetEnv() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('\\').skipUnsetEnv(true);
        EnvGetter e = env("S", "set", "E", "");
        assertEquals("$U", lex.processWord("$U", e));
        assertEquals("${U}", lex.processWord("${U}", e));
        assertEquals("set", lex.processWord("$S", e));
        assertEquals("set", lex.processWord("${S}", e));
        assertEquals("$1", lex.processWord("$1", e));
        assertEquals("${U:-x}", lex.processWord("${U:-x}", e));
        assertEquals("${U-x}", lex.processWord("${U-x}", e));
        assertEquals("${U:+x}", lex.processWord("${U:+x}", e));
        assertEquals("${U?}", lex.processWord("${U?}", e), "no error for unset mandatory vars");
        assertEquals("${U:?msg}", lex.processWord("${U:?msg}", e));
        assertEquals("${U#a*}", lex.processWord("${U#a*}", e));
        assertEquals("${U##a*}", lex.processWord("${U##a*}", e));
        assertEquals("${U%%a*}", lex.processWord("${U%%a*}", e));
        assertEquals("${U/a/b}", lex.processWord("${U/a/b}", e));
        assertEquals("${U/a/b}", lex.processWord("${U//a/b}", e), "BuildKit writes back a single slash");
        assertEquals("${U:x}", lex.processWord("${U:x}", e), "bad operator on an unset var passes through");
        assertEquals("unsupported modifier (:x) in substitution", reason(lex, "${S:x}", e));
        assertEquals("${U:-$V}", lex.processWord("${U:-$V}", e));
        assertEquals("${U:-$x}", lex.processWord("${U:-\\$x}", e), "escapes inside the word are consumed");
        assertEquals("d", lex.processWord("${E:-d}", e));
        assertEquals("", lex.processWord("${E}", e));
    }

    @Test
    void skipProcessQuotes() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('\\').skipProcessQuotes(true);
        assertEquals("'x' \"x\" '", lex.processWord("'$A' \"$A\" \\'", env("A", "x")));
        assertEquals("'unterminated", lex.processWord("'unterminated", env()));
        assertEquals(List.of("'a", "b'"), lex.processWords("'a b'", env()));
    }

    @Test
    void heredocDetectionOnInstructionLines() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('\\').rawQuotes(true).rawEscapes(true).skipUnsetEnv(true);
        Map<String, List<String>> cases = new LinkedHashMap<>();
        cases.put("RUN <<EOF", List.of("RUN", "<<EOF"));
        cases.put("RUN <<-EOF", List.of("RUN", "<<-EOF"));
        cases.put("RUN <<- EOF", List.of("RUN", "<<-", "EOF"));
        cases.put("RUN << -EOF", List.of("RUN", "<< -EOF"));
        cases.put("RUN <<'EOF'", List.of("RUN", "<<'EOF'"));
        cases.put("RUN 4<<EOF", List.of("RUN", "4<<EOF"));
        cases.put("RUN <<EOF <<EOF2", List.of("RUN", "<<EOF", "<<EOF2"));
        cases.put("RUN '<<EOF'", List.of("RUN", "'<<EOF'"));
        cases.put("RUN \"<<EOF\"", List.of("RUN", "\"<<EOF\""));
        cases.put("RUN <<\t EOF cat", List.of("RUN", "<<\t EOF", "cat"));
        cases.put("COPY <<EOF /dest/$HOME/${X}", List.of("COPY", "<<EOF", "/dest/$HOME/${X}"));
        cases.put("RUN python3 <<\"EOF\" > out\\ file", List.of("RUN", "python3", "<<\"EOF\"", ">", "out\\ file"));
        cases.put("RUN cat <EOF", List.of("RUN", "cat", "<EOF"));
        cases.put("RUN <<EOF\\\"", List.of("RUN", "<<EOF\\\""));
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            assertEquals(c.getValue(), lex.processWords(c.getKey(), EnvGetter.empty()), c.getKey());
        }
        assertThrows(ShellSyntaxException.class, () -> lex.processWords("RUN <<'EOF", EnvGetter.empty()));
    }

    @Test
    void heredocWordQuotedAndUnquoted() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('\\').skipUnsetEnv(true);
        String[][] cases = {
                // word, plain, raw
                {"EOF", "EOF", "EOF"},
                {"'EOF'", "EOF", "'EOF'"},
                {"\"EOF\"", "EOF", "\"EOF\""},
                {"EO\"F\"", "EOF", "EO\"F\""},
                {"$EOF", "$EOF", "$EOF"},
                {"${EOF}", "${EOF}", "${EOF}"},
                {"\\EOF", "EOF", "EOF"},
        };
        for (String[] c : cases) {
            assertEquals(List.of(c[1]), lex.rawQuotes(false).processWords(c[0], EnvGetter.empty()), c[0]);
            assertEquals(List.of(c[2]), lex.rawQuotes(true).processWords(c[0], EnvGetter.empty()), c[0]);
        }
        assertEquals(List.of("EOF", "sh"), lex.rawQuotes(false).processWords("EOF sh", EnvGetter.empty()));
        for (String bad : List.of("'EOF", "\"EOF", "EOF'", "EOF\"")) {
            assertThrows(ShellSyntaxException.class, () -> lex.rawQuotes(false).processWords(bad, EnvGetter.empty()));
            assertThrows(ShellSyntaxException.class, () -> lex.rawQuotes(true).processWords(bad, EnvGetter.empty()));
        }
    }

    // ---- API ---------------------------------------------------------------------------------------

    @Test
    void envGetterIsAView() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("B", "1");
        m.put("A", "2");
        EnvGetter g = EnvGetter.of(m);
        assertEquals(List.of("B", "A"), List.copyOf(g.keys()));
        m.put("C", "");
        assertEquals("", g.get("C"));
        assertNull(g.get("D"));
        assertThrows(UnsupportedOperationException.class, () -> g.keys().remove("A"));
        assertNull(EnvGetter.empty().get("PATH"));
        assertTrue(EnvGetter.empty().keys().isEmpty());
        assertSame(EnvGetter.empty(), EnvGetter.empty());
    }

    @Test
    void lexerIsReusableAfterErrors() throws ShellSyntaxException {
        ShellLex lex = new ShellLex('\\');
        assertSame(lex, lex.rawQuotes(false).rawEscapes(false).skipProcessQuotes(false).skipUnsetEnv(false));
        assertThrows(ShellSyntaxException.class, () -> lex.processWord("${a:-${b:-", env()));
        assertEquals("x y", lex.processWord("${a:-x} y", env()));
        assertEquals(List.of("x", "y"), lex.processWords("${a:-x} y", env()));
        ProcessResult r = lex.processWordWithMatches("$A", env("A", "1"));
        assertEquals(Set.of("A"), r.matched());
        assertEquals(Set.of(), lex.processWordWithMatches("x", env("A", "1")).matched(), "no carry-over");
    }

    // ---- pathological input ------------------------------------------------------------------------

    @Test
    void megabyteWords() {
        assertTimeout(QUICK, () -> {
            ShellLex lex = new ShellLex('\\');
            String plain = "a".repeat(1 << 20);
            assertEquals(plain, lex.processWord(plain, env()));
            assertEquals(List.of(plain), lex.processWords(plain, env()));

            String spaced = "ab ".repeat(350_000);
            assertEquals(350_000, lex.processWords(spaced, env()).size());

            String mixed = "'q'\\e\"d$A\"$A".repeat(100_000);
            assertEquals("qed11".repeat(100_000), lex.processWord(mixed, env("A", "1")));

            String vars = "$A".repeat(500_000);
            assertEquals("x".repeat(500_000), lex.processWord(vars, env("A", "x")));
        });
    }

    @Test
    void megabyteValuesThroughPatterns() {
        assertTimeout(QUICK, () -> {
            String big = "ab".repeat(1 << 19);
            EnvGetter e = env("V", big);
            assertEquals("bb".repeat(1 << 19), word("${V//a/b}", e));
            assertEquals("", word("${V##*b}", e));
            assertEquals(big.substring(1), word("${V#*a}", e));
            assertEquals(big.substring(0, big.length() - 1), word("${V%b*}", e));
            assertEquals("a", word("${V%%b*}", e));
            assertEquals(big, word("${V#*c}", e));
            assertEquals("X", word("${V/*/X}", e));
        });
    }

    @Test
    void manyWildcardsDoNotBacktrack() {
        // A backtracking regex engine needs ~n^8 steps here; the glob VM is linear in the value.
        assertTimeout(QUICK, () -> {
            EnvGetter e = env("V", "a".repeat(100_000));
            String stars = "*a*a*a*a*a*a*a*a*b";
            assertEquals("a".repeat(100_000), word("${V#" + stars + "}", e));
            assertEquals("a".repeat(100_000), word("${V##" + stars + "}", e));
            assertEquals("a".repeat(100_000), word("${V%" + stars + "}", e));
            assertEquals("a".repeat(100_000), word("${V%%" + stars + "}", e));
            assertEquals("a".repeat(100_000), word("${V//" + stars + "/x}", e));
        });
    }

    private static String nestedDefaults(int depth, String inner) {
        return "${a:-".repeat(depth) + inner + "}".repeat(depth);
    }

    @Test
    void deepNestingIsIterative() {
        assertTimeout(QUICK, () -> {
            assertEquals("x", word(nestedDefaults(10_000, "x"), env()));
            assertEquals(List.of("x", "y"), new ShellLex('\\').processWords(nestedDefaults(10_000, "x y"), env()));
            assertEquals("x", word("\"${a:-".repeat(10_000) + "x" + "}\"".repeat(10_000), env()));
            assertEquals("syntax error: missing '}'", reason("${a:-".repeat(10_000) + "x", env()));
            assertEquals("b: deep", reason(nestedDefaults(10_000, "${b?deep}"), env()));
        });
    }

    @Test
    void deepNestingFitsInATinyStack() throws InterruptedException {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                outcome.set(word(nestedDefaults(200_000, "deep"), env()));
            } catch (Throwable ex) {
                outcome.set(ex);
            }
        }, "small-stack", 128 * 1024);
        t.start();
        t.join(QUICK.toMillis());
        assertEquals("deep", outcome.get());
    }

    // ---- glob matcher vs. the regex BuildKit would build --------------------------------------------

    @Nested
    class GlobAgainstRegex {

        private static final String[] PATTERN_TOKENS = {
            "a", "b", "\n", "*", "*", "?", "\\*", "\\?", "\\\\", "\\x", "é", "🖖", ".", "(", "$", "\\}", "\\/",
        };
        private static final String[] VALUE_TOKENS = {"a", "b", "a", "b", "\n", "*", "?", "\\", "é", "🖖", ".", "("};

        /** BuildKit's convertShellPatternToRegex, for java.util.regex; null when BuildKit would reject it. */
        private String toRegex(String pattern, boolean greedy, boolean anchored) {
            StringBuilder out = new StringBuilder(anchored ? "^" : "");
            int[] cps = pattern.codePoints().toArray();
            for (int i = 0; i < cps.length; i++) {
                int c = cps[i];
                if (c == '*') {
                    out.append(greedy ? ".*" : ".*?");
                    continue;
                }
                if (c == '?') {
                    out.append('.');
                    continue;
                }
                if (c == '\\') {
                    if (i + 1 < cps.length && (cps[i + 1] == '}' || cps[i + 1] == '/')) {
                        continue;
                    }
                    if (i + 1 >= cps.length || (cps[i + 1] != '*' && cps[i + 1] != '?' && cps[i + 1] != '\\')) {
                        return null;
                    }
                    c = cps[++i];
                    out.append('\\');
                } else if ("[]{}.+()|^$".indexOf(c) >= 0) {
                    out.append('\\');
                }
                out.appendCodePoint(c);
            }
            return out.toString();
        }

        private String reverse(String s) {
            return new StringBuilder(s).reverse().toString();
        }

        private String reversePattern(String p) {
            List<String> units = new ArrayList<>();
            int[] cps = p.codePoints().toArray();
            for (int i = 0; i < cps.length; i++) {
                if (cps[i] == '\\' && i + 1 < cps.length) {
                    units.add(new String(cps, i, 2));
                    i++;
                } else {
                    units.add(new String(cps, i, 1));
                }
            }
            StringBuilder b = new StringBuilder();
            for (int i = units.size() - 1; i >= 0; i--) {
                b.append(units.get(i));
            }
            return b.toString();
        }

        private String refTrimPrefix(String p, String v, boolean greedy) {
            String re = toRegex(p, greedy, true);
            if (re == null) {
                return null;
            }
            Matcher m = Pattern.compile(re, Pattern.UNIX_LINES).matcher(v);
            return m.find() ? v.substring(m.end()) : v;
        }

        private String refTrimSuffix(String p, String v, boolean greedy) {
            String r = refTrimPrefix(reversePattern(p), reverse(v), greedy);
            return r == null ? null : reverse(r);
        }

        private String refReplace(String p, String v, String repl, boolean all) {
            String re = toRegex(p, true, false);
            if (re == null) {
                return null;
            }
            Matcher m = Pattern.compile(re, Pattern.UNIX_LINES).matcher(v);
            if (!all) {
                return m.find() ? v.substring(0, m.start()) + repl + v.substring(m.end()) : v;
            }
            StringBuilder out = new StringBuilder();
            int last = 0;
            int pos = 0;
            while (pos <= v.length() && m.find(pos)) {
                out.append(v, last, m.start());
                if (m.end() > last || m.start() == 0) {
                    out.append(repl);
                }
                last = m.end();
                pos = m.end() > pos ? m.end() : pos + (pos < v.length() ? Character.charCount(v.codePointAt(pos)) : 1);
            }
            return out.append(v, last, v.length()).toString();
        }

        private String random(Random rnd, String[] tokens, int max) {
            StringBuilder b = new StringBuilder();
            int n = rnd.nextInt(max + 1);
            for (int i = 0; i < n; i++) {
                b.append(tokens[rnd.nextInt(tokens.length)]);
            }
            return b.toString();
        }

        private String run(String op, String p, String v) {
            Map<String, String> m = new HashMap<>();
            m.put("V", v);
            m.put("P", p);
            try {
                return new ShellLex('\\').processWord("${V" + op + "$P" + (op.startsWith("/") ? "/-}" : "}"),
                        EnvGetter.of(m));
            } catch (ShellSyntaxException e) {
                assertTrue(e.reason().startsWith("invalid pattern ("), e.getMessage());
                return null;
            }
        }

        @Test
        void randomPatternsAgree() {
            Random rnd = new Random(20240611);
            for (int i = 0; i < 20_000; i++) {
                String p = random(rnd, PATTERN_TOKENS, 6);
                String v = random(rnd, VALUE_TOKENS, 10);
                String ctx = "pattern " + Runes.quote(p) + " value " + Runes.quote(v);
                assertEquals(refTrimPrefix(p, v, false), run("#", p, v), "# " + ctx);
                assertEquals(refTrimPrefix(p, v, true), run("##", p, v), "## " + ctx);
                assertEquals(refTrimSuffix(p, v, false), run("%", p, v), "% " + ctx);
                assertEquals(refTrimSuffix(p, v, true), run("%%", p, v), "%% " + ctx);
                assertEquals(refReplace(p, v, "-", false), run("/", p, v), "/ " + ctx);
                assertEquals(refReplace(p, v, "-", true), run("//", p, v), "// " + ctx);
            }
        }

        /** The expressions are BuildKit's, character for character (as printed by its Go code). */
        @Test
        void expressionsAreBuildKits() throws GlobPattern.SyntaxException {
            assertEquals("a.*?.\\*\\.\\[x\\]", GlobPattern.toRegex("a*?\\*.[x]", false, false));
            assertEquals("^a.*?.\\*\\.\\[x\\]", GlobPattern.toRegex("a*?\\*.[x]", false, true));
            assertEquals("a.*.\\*\\.\\[x\\]", GlobPattern.toRegex("a*?\\*.[x]", true, false));
            assertEquals("^a.*.\\*\\.\\[x\\]", GlobPattern.toRegex("a*?\\*.[x]", true, true));
            assertEquals("^a\\}b/c\\{1\\}\\|\\(\\^\\$\\)\\+\\\\",
                    GlobPattern.toRegex("a\\}b\\/c{1}|(^$)+\\\\", true, true));
            assertEquals("^.*?x", GlobPattern.toRegex("\uFEFF*x", false, true));
            GlobPattern.SyntaxException e = assertThrows(GlobPattern.SyntaxException.class,
                    () -> GlobPattern.toRegex("a\\q", true, true));
            assertEquals("invalid escape '\\q'", e.getMessage());
        }

        @Test
        void reversePatternKeepsEscapesInFront() {
            assertEquals("c\\*a", GlobPattern.reversePattern("a\\*c"));
            assertEquals("b\\a\\\\", GlobPattern.reversePattern("\\\\\\ab"));
            assertEquals("\\ba", GlobPattern.reversePattern("ab\\"));
            assertEquals("🖖\\🚀👽", GlobPattern.reversePattern("👽\\🚀🖖"));
            assertEquals("b\\\\", GlobPattern.reversePattern("\\\\b"));
        }
    }
}
