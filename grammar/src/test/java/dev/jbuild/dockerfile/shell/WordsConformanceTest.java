package dev.jbuild.dockerfile.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * BuildKit's {@code wordsTest} vectors ({@code INPUT | W1,W2,...} plus {@code ENV k=v} lines),
 * run through {@link ShellLex#processWords} as BuildKit's TestShellParser4Words does.
 */
class WordsConformanceTest {

    private static final String FILE = "conformance/buildkit/shell/wordsTest";
    private static final int MIN_VECTORS = 24;

    @TestFactory
    List<DynamicTest> wordsTest() {
        List<String> lines = SharedConformance.readLines(FILE);
        Map<String, String> vars = new LinkedHashMap<>();
        ShellLex lex = new ShellLex('\\');

        List<DynamicTest> tests = new ArrayList<>();
        AtomicInteger executed = new AtomicInteger();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            if (line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("ENV ")) {
                String kv = SharedConformance.trimLeftSpaces(line.substring(3));
                int eq = kv.indexOf('=');
                if (eq < 0) {
                    vars.put(kv, "");
                } else {
                    vars.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                continue;
            }
            String[] parts = line.split("\\|", -1);
            if (parts.length != 2) {
                fail(FILE + ":" + lineNo + ": expected exactly one '|' in: " + line);
            }
            String input = SharedConformance.trimSpace(parts[0]);
            List<String> expected = Arrays.asList(SharedConformance.trimLeftSpaces(parts[1]).split(",", -1));
            EnvGetter env = EnvGetter.of(new LinkedHashMap<>(vars)); // snapshot: later ENV lines must not leak back
            String name = "line " + lineNo + ": " + input + " -> " + expected;
            tests.add(DynamicTest.dynamicTest(name, () -> {
                executed.incrementAndGet();
                if (expected.equals(List.of("error"))) {
                    assertThrows(ShellSyntaxException.class, () -> lex.processWords(input, env),
                            () -> "input " + input + " at line " + lineNo);
                } else {
                    assertEquals(expected, lex.processWords(input, env), "input " + input + " at line " + lineNo);
                }
            }));
        }
        int built = tests.size();
        assertTrue(built >= MIN_VECTORS, "only " + built + " vectors read from " + FILE + ", expected >= "
                + MIN_VECTORS);
        tests.add(DynamicTest.dynamicTest("all " + built + " vectors ran", () ->
                assertEquals(built, executed.get(), "vectors executed")));
        return tests;
    }
}
