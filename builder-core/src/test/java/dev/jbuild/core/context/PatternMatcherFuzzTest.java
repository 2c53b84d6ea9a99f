package dev.jbuild.core.context;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile .dockerignore files: random pattern soups either compile or fail with {@link IgnoreFileException}, and a
 * compiled matcher answers for any path without another exception; patterns that backtrack exponentially in a
 * backtracking regex engine ({@code *a*a*a...b}, many {@code **}) and 1 MB paths stay cheap.
 */
class PatternMatcherFuzzTest {
    private static final String[] PIECES = {
        "*", "**", "?", "[", "]", "[!", "[^", "-", "\\", "/", "!", "a", "b", ".", "..", "./", " ", "é", "{", "}", ",",
        "[a-", "z]", "#", "\t",
    };

    @Test
    @Timeout(60)
    void randomPatternsCompileOrFailCleanlyAndNeverThrowWhenMatching() {
        Random random = new Random(2211L);
        int compiled = 0;
        int rejected = 0;
        for (int i = 0; i < 10_000; i++) {
            List<String> patterns = new ArrayList<>();
            for (int p = 0, n = 1 + random.nextInt(4); p < n; p++) {
                patterns.add(soup(random, 1 + random.nextInt(12)));
            }
            PatternMatcher m;
            try {
                m = PatternMatcher.compile(patterns);
                compiled++;
            } catch (IgnoreFileException e) {
                rejected++;
                continue;
            } catch (RuntimeException | StackOverflowError e) {
                fail("patterns " + patterns + " threw " + e, e);
                return;
            }
            for (int k = 0; k < 5; k++) {
                String path = soup(random, 1 + random.nextInt(10)).replace("!", "").replace("\\", "");
                try {
                    m.matches(path);
                } catch (RuntimeException | StackOverflowError e) {
                    fail("patterns " + patterns + " on path \"" + path + "\" threw " + e, e);
                }
            }
        }
        assertTrue(compiled > 1000 && rejected > 10, "generator too narrow: " + compiled + " compiled, " + rejected + " rejected");
    }

    private static String soup(Random random, int n) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < n; j++) {
            sb.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    @Test
    @Timeout(30)
    void pathologicalPatternsAndPathsStayCheap() throws IgnoreFileException {
        // Paths as the file system allows them (PATH_MAX 4096 bytes, NAME_MAX 255); patterns without limit: a
        // .dockerignore line may be a megabyte.
        PatternMatcher m = PatternMatcher.compile(List.of("*a".repeat(50) + "b", "**/".repeat(200) + "x",
                "!" + "?".repeat(1000), "c".repeat(1 << 20)));
        String longName = "a".repeat(255);
        String deep = "d/".repeat(2_000) + "y";
        // moby's semantics match every parent of a path too: 2,000 components against "**/" x 200 is the
        // worst here (about half a second a path on a busy machine), a few times over.
        for (int i = 0; i < 5; i++) {
            assertFalse(m.matches(longName));
            assertFalse(m.matches(deep));
            assertTrue(m.matches("d/".repeat(2_000) + "x"));
        }
    }
}
