package dev.jbuild.dockerfile.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * BuildKit's {@code envVarTest} vectors ({@code PLATFORM|INPUT|EXPECTED}), run through
 * {@link ShellLex#processWord} as BuildKit's TestShellParser4EnvVars does on Unix.
 */
class EnvVarConformanceTest {

    private static final String FILE = "conformance/buildkit/shell/envVarTest";
    /** Number of A and U vectors in the file; a shorter read means it was truncated. */
    private static final int MIN_VECTORS = 228;

    @TestFactory
    List<DynamicTest> envVarTest() {
        List<String> lines = SharedConformance.readLines(FILE);
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("PWD", "/home");
        vars.put("SHELL", "bash");
        vars.put("KOREAN", "\uD55C\uAD6D\uC5B4"); // 한국어
        vars.put("NULL", "");
        EnvGetter env = EnvGetter.of(vars);
        ShellLex lex = new ShellLex('\\');

        List<DynamicTest> tests = new ArrayList<>();
        AtomicInteger executed = new AtomicInteger();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            if (line.startsWith("#")) {
                continue;
            }
            line = SharedConformance.trimSpace(line);
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\\|", -1);
            if (fields.length != 3) {
                fail(FILE + ":" + lineNo + ": expected PLATFORM|INPUT|EXPECTED, got " + line);
            }
            String platform = SharedConformance.trimSpace(fields[0]);
            String input = SharedConformance.trimSpace(fields[1]);
            String expected = SharedConformance.trimSpace(fields[2]);
            switch (platform) {
                case "W":
                    continue; // Windows-only: case-insensitive variable names
                case "A":
                case "U":
                    break;
                default:
                    fail(FILE + ":" + lineNo + ": invalid platform tag '" + platform + "' (must be W, A or U)");
            }
            String name = "line " + lineNo + ": " + input + " -> " + expected;
            tests.add(DynamicTest.dynamicTest(name, () -> {
                executed.incrementAndGet();
                if (expected.equals("error")) {
                    assertThrows(ShellSyntaxException.class, () -> lex.processWord(input, env),
                            () -> "input " + input + " at line " + lineNo);
                } else {
                    assertEquals(expected, lex.processWord(input, env), "input " + input + " at line " + lineNo);
                }
            }));
        }
        int built = tests.size();
        assertTrue(built >= MIN_VECTORS, "only " + built + " A/U vectors read from " + FILE + ", expected >= "
                + MIN_VECTORS);
        tests.add(DynamicTest.dynamicTest("all " + built + " vectors ran", () ->
                assertEquals(built, executed.get(), "vectors executed")));
        return tests;
    }
}
