package dev.jbuild.core.context;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Decides which context paths a list of {@code .dockerignore} patterns excludes, with the semantics
 * of moby's {@code patternmatcher} package (used by BuildKit, the docker CLI and kaniko).
 *
 * <p>Rules, in short: patterns are trimmed and lexically cleaned; a leading {@code !} makes an
 * exception that re-includes; patterns are evaluated in order and the last one that matches a path
 * decides; a pattern matches a path when it matches the path itself or any of its parent
 * directories, so excluding a directory excludes everything under it. {@code *} and {@code ?} never
 * cross a {@code /}; {@code **} spans any number of directories (including none); {@code [...]}
 * classes take {@code ^} (not {@code !}) for negation; {@code \} escapes. See {@link IgnorePattern}
 * for the exact matching of each kind of pattern.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class PatternMatcher {
    private static final PatternMatcher EMPTY = new PatternMatcher(List.of());

    private final List<IgnorePattern> patterns;
    private final boolean exclusions;

    private PatternMatcher(List<IgnorePattern> patterns) {
        this.patterns = patterns;
        boolean any = false;
        for (IgnorePattern p : patterns) {
            any |= p.exception();
        }
        this.exclusions = any;
    }

    /** A matcher without patterns: nothing is excluded. */
    public static PatternMatcher empty() {
        return EMPTY;
    }

    /**
     * Compiles patterns as moby's {@code patternmatcher.New} does: each entry is trimmed (blank ones
     * are skipped) and cleaned, a leading {@code !} marks an exception, and the syntax is checked.
     *
     * @throws IgnoreFileException for a lone {@code "!"} or a malformed pattern ({@code [},
     *     {@code a[}, {@code [^}, a trailing {@code \}, {@code [z-a]}, ...). moby reports the latter
     *     kind partly at construction and partly on first use; here everything is reported up front.
     */
    public static PatternMatcher compile(List<String> patterns) throws IgnoreFileException {
        List<IgnorePattern> compiled = new ArrayList<>(patterns.size());
        for (String raw : patterns) {
            IgnorePattern p = IgnorePattern.parse(Objects.requireNonNull(raw, "pattern"));
            if (p != null) {
                compiled.add(p);
            }
        }
        return compiled.isEmpty() ? EMPTY : new PatternMatcher(Collections.unmodifiableList(compiled));
    }

    /** Whether any exception ({@code !}) pattern is present; if not, excluded directories can always be pruned. */
    public boolean exclusions() {
        return exclusions;
    }

    /** The compiled patterns, in order. */
    public List<IgnorePattern> patterns() {
        return patterns;
    }

    /**
     * Whether {@code relativePath} ('/'-separated, relative to the context root) is excluded, taking
     * its parent directories into account (moby's {@code MatchesOrParentMatches}). The path is
     * cleaned first; the context root itself ({@code "."}, {@code ""}) is never excluded.
     */
    public boolean matches(String relativePath) {
        if (patterns.isEmpty()) {
            return false; // no .dockerignore: walking a large context must not clean every path for nothing
        }
        String file = GoPath.clean(relativePath);
        if (file.equals(".")) {
            return false;
        }
        Ancestry ancestry = new Ancestry(file);
        boolean matched = false;
        for (IgnorePattern p : patterns) {
            // an exception only matters once something matched, an inclusion only while nothing has
            if (p.exception() != matched) {
                continue;
            }
            if (ancestry.matches(p)) {
                matched = !p.exception();
            }
        }
        return matched;
    }

    /**
     * The incremental form used while walking a tree (moby's {@code MatchesUsingParentResults}): the
     * caller passes the {@link MatchInfo} obtained for the path's parent directory, so each pattern
     * is tested against the path alone; patterns that matched the parent count as matching. With
     * {@link MatchInfo#none()} the parents are examined directly, as {@link #matches} does.
     *
     * <p>The path is used as given (a clean '/'-separated relative path is expected). Results agree
     * with {@link #matches} except in the corner cases where moby's incremental algorithm itself
     * differs from its non-incremental one (a pattern skipped for a directory because it could not
     * change that directory's result is not inherited by the children); this method reproduces moby.
     *
     * @throws IllegalArgumentException if {@code parentInfo} came from a matcher with a different
     *     number of patterns
     */
    public MatchResult matchesUsingParentResults(String path, MatchInfo parentInfo) {
        Objects.requireNonNull(path, "path");
        boolean known = parentInfo.isKnown();
        if (known && parentInfo.size() != patterns.size()) {
            throw new IllegalArgumentException("wrong number of values in parent match info: "
                    + parentInfo.size() + " for " + patterns.size() + " patterns");
        }
        boolean[] hits = new boolean[patterns.size()];
        Ancestry ancestry = null;
        boolean matched = false;
        for (int i = 0; i < hits.length; i++) {
            IgnorePattern p = patterns.get(i);
            boolean hit = known && parentInfo.matched(i);
            if (!hit) {
                if (p.exception() != matched) {
                    continue;
                }
                if (known) {
                    hit = p.matchesPath(path);
                } else {
                    if (ancestry == null) {
                        ancestry = new Ancestry(path);
                    }
                    hit = ancestry.matches(p);
                }
            }
            hits[i] = hit;
            if (hit) {
                matched = !p.exception();
            }
        }
        return new MatchResult(matched, hits.length == 0 ? MatchInfo.none() : new MatchInfo(hits));
    }

    /**
     * Whether some exception pattern could match a path inside directory {@code dir} (or a deeper
     * one). When this is {@code false} and the directory itself is excluded, nothing below it can be
     * re-included and a walker may skip the whole subtree; the answer errs on the side of
     * {@code true}. With no exception patterns at all this is always {@code false}.
     */
    public boolean mayReincludeBelow(String dir) {
        if (!exclusions) {
            return false;
        }
        String d = GoPath.clean(dir);
        if (d.equals(".")) {
            return true;
        }
        String prefix = d.equals("/") ? "/" : d + "/";
        for (IgnorePattern p : patterns) {
            if (p.exception() && p.mayMatchBelow(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Convenience for walkers: {@code true} when directory {@code dir}, whose own result is
     * {@code dirResult}, is excluded and nothing below it can be re-included.
     */
    public boolean canSkipDirectory(String dir, MatchResult dirResult) {
        return dirResult.excluded() && !mayReincludeBelow(dir);
    }

    @Override
    public String toString() {
        return "PatternMatcher" + patterns;
    }

    /**
     * A path and its ancestors as moby enumerates them: the parent is {@code filepath.Dir(path)}; if
     * it is not "." it is split at '/' and every leading run of segments is an ancestor.
     */
    private static final class Ancestry {
        private final String path;
        /** Ancestors as prefix lengths of {@code path}, or {@code null} when they are not prefixes. */
        private final int[] cuts;
        /** Ancestors as strings, only when they are not prefixes (unclean input). */
        private final List<String> detached;

        Ancestry(String path) {
            this.path = path;
            String parent = GoPath.dir(path);
            if (parent.equals(".")) {
                cuts = new int[0];
                detached = null;
                return;
            }
            int count = 1;
            for (int i = 0; i < parent.length(); i++) {
                if (parent.charAt(i) == '/') {
                    count++;
                }
            }
            int[] ends = new int[count];
            int k = 0;
            for (int i = 0; i < parent.length(); i++) {
                if (parent.charAt(i) == '/') {
                    ends[k++] = i;
                }
            }
            ends[k] = parent.length();
            if (path.startsWith(parent)) {
                cuts = ends;
                detached = null;
            } else {
                cuts = null;
                List<String> list = new ArrayList<>(count);
                for (int end : ends) {
                    list.add(parent.substring(0, end));
                }
                detached = list;
            }
        }

        boolean matches(IgnorePattern p) {
            if (cuts != null) {
                return cuts.length == 0 ? p.matchesPath(path) : p.matchesPathOrPrefixes(path, cuts);
            }
            if (p.matchesPath(path)) {
                return true;
            }
            for (String ancestor : detached) {
                if (p.matchesPath(ancestor)) {
                    return true;
                }
            }
            return false;
        }
    }
}
