package dev.jbuild.dockerfile.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile words for the shell-word expander: random soups of quotes, escapes and every {@code ${...}} form, with
 * both escape characters, in every mode — only {@link ShellSyntaxException} may escape; and pathological words
 * (deep nesting, 1 MB words, glob patterns that backtrack exponentially in a backtracking regex engine) stay
 * cheap: the timeouts bound them far above what linear work needs.
 */
class ShellLexFuzzTest {
    private static final String[] PIECES = {
        "$", "${", "}", "{", "$V", "${V}", "${E}", "${U}", "${V:-", "${V-", "${V:+", "${V+", "${V:?", "${V?", "${V#",
        "${V##", "${V%", "${V%%", "${V/", "${V//", "/", "*", "?", "[", "]", "\\", "`", "'", "\"", " ", "\t", "\n",
        "a", "b", "-", ":", "#", "%", "é", "\uD83D\uDE00", "\uD800", "\u0000", "$(", ")", "${#V}", "${V:1:2}", "=",
    };

    @Test
    @Timeout(60)
    void randomWordsOnlyEverFailWithASyntaxError() {
        Random random = new Random(1122L);
        Map<String, String> m = new LinkedHashMap<>();
        m.put("V", "value with spaces *and* stars");
        m.put("E", "");
        EnvGetter env = EnvGetter.of(m);
        int ok = 0;
        int rejected = 0;
        for (int i = 0; i < 30_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(30);
            for (int j = 0; j < n; j++) {
                sb.append(PIECES[random.nextInt(PIECES.length)]);
            }
            String word = sb.toString();
            ShellLex lex = new ShellLex(random.nextBoolean() ? '\\' : '`').rawQuotes(random.nextBoolean())
                    .rawEscapes(random.nextBoolean()).skipProcessQuotes(random.nextBoolean())
                    .skipUnsetEnv(random.nextBoolean());
            try {
                lex.processWord(word, env);
                lex.processWords(word, env);
                lex.processWordWithMatches(word, env);
                ok++;
            } catch (ShellSyntaxException e) {
                rejected++;
            } catch (RuntimeException | StackOverflowError e) {
                fail("word " + quote(word) + " threw " + e, e);
            }
        }
        assertTrue(ok > 1000 && rejected > 100, "generator too narrow: " + ok + " ok, " + rejected + " rejected");
    }

    private static String quote(String s) {
        return dev.jbuild.dockerfile.ast.GoQuote.quote(s);
    }

    @Test
    @Timeout(30)
    void pathologicalWordsStayCheap() throws ShellSyntaxException {
        EnvGetter env = EnvGetter.of(Map.of("V", "a".repeat(30_000), "W", "x"));
        ShellLex lex = new ShellLex('\\');
        // a 1 MB word
        String big = "x".repeat(1 << 20);
        assertEquals(big.length(), lex.processWord(big, env).length());
        assertEquals(1 << 19, lex.processWord("$W".repeat(1 << 19), env).length());
        // glob patterns that take exponential time in a backtracking engine (RE2/J is linear)
        String evil = "*a".repeat(40) + "b";
        assertEquals(30_000, lex.processWord("${V/" + evil + "/z}", env).length());
        assertEquals(30_000, lex.processWord("${V#" + evil + "}", env).length());
        assertEquals(30_000, lex.processWord("${V%%" + evil + "}", env).length());
        // deep nesting of defaults: an answer or a syntax error, never a stack overflow
        String deep = "${W:-".repeat(20_000) + "x" + "}".repeat(20_000);
        try {
            assertEquals("x", lex.processWord(deep, env));
        } catch (ShellSyntaxException e) {
            assertTrue(e.getMessage() != null);
        } catch (StackOverflowError e) {
            fail("20,000 nested ${W:-...} overflowed the stack");
        }
        // many quotes
        assertEquals(100_000, lex.processWord("'a'\"b\"".repeat(50_000), env).length());
    }
}
