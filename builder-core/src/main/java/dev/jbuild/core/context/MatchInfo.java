package dev.jbuild.core.context;

import java.util.Arrays;

/**
 * What a directory's evaluation learned, handed to the evaluation of its children by
 * {@link PatternMatcher#matchesUsingParentResults}: for each pattern, whether it matched the
 * directory (or was inherited as matched from an ancestor). Immutable.
 *
 * <p>{@link #none()} carries no knowledge; with it, a path's ancestors are examined directly, which is
 * what a walker should pass for entries at the top of the context.
 */
public final class MatchInfo {
    private static final MatchInfo NONE = new MatchInfo(new boolean[0]);

    private final boolean[] matched;

    MatchInfo(boolean[] matched) {
        this.matched = matched;
    }

    /** No knowledge about ancestors. */
    public static MatchInfo none() {
        return NONE;
    }

    /** Whether this carries per-pattern results. */
    public boolean isKnown() {
        return matched.length != 0;
    }

    int size() {
        return matched.length;
    }

    boolean matched(int pattern) {
        return matched[pattern];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MatchInfo && Arrays.equals(matched, ((MatchInfo) o).matched);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(matched);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("MatchInfo[");
        for (boolean b : matched) {
            sb.append(b ? '1' : '0');
        }
        return sb.append(']').toString();
    }
}
