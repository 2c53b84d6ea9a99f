package dev.jbuild.core.context;

import java.util.Objects;

/**
 * Outcome of {@link PatternMatcher#matchesUsingParentResults}: whether the path is excluded from the
 * context, and the {@link MatchInfo} to pass when evaluating the path's children. Immutable.
 */
public final class MatchResult {
    private final boolean excluded;
    private final MatchInfo info;

    MatchResult(boolean excluded, MatchInfo info) {
        this.excluded = excluded;
        this.info = info;
    }

    /** {@code true} when the ignore rules exclude the path. */
    public boolean excluded() {
        return excluded;
    }

    /** The state to hand to this path's children. */
    public MatchInfo info() {
        return info;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MatchResult)) {
            return false;
        }
        MatchResult other = (MatchResult) o;
        return excluded == other.excluded && info.equals(other.info);
    }

    @Override
    public int hashCode() {
        return Objects.hash(excluded, info);
    }

    @Override
    public String toString() {
        return "MatchResult[excluded=" + excluded + ", " + info + "]";
    }
}
