package dev.jbuild.dockerfile.shell;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Outcome of {@link ShellLex#processWordWithMatches}: the expanded word, its field-split words,
 * and which referenced variables were set ({@code matched}) or unset ({@code unmatched}).
 * The sets keep first-reference order, which makes lint messages deterministic.
 */
public record ProcessResult(String result, List<String> words, Set<String> matched, Set<String> unmatched) {

    public ProcessResult {
        Objects.requireNonNull(result, "result");
        words = List.copyOf(words);
        matched = Collections.unmodifiableSet(new LinkedHashSet<>(matched));
        unmatched = Collections.unmodifiableSet(new LinkedHashSet<>(unmatched));
    }
}
