package dev.jbuild.dockerfile.ast;

/**
 * A builder flag as BuildKit extracts it: quotes and escapes removed, variables not yet expanded,
 * e.g. {@code --from=build} or {@code --link}.
 */
public record Flag(String text, SourceRange range) {
    /** The name without the leading dashes: {@code from} for {@code --from=build}. */
    public String name() {
        int eq = text.indexOf('=');
        return text.substring(2, eq < 0 ? text.length() : eq);
    }

    /** The value after '=', or null for a bare {@code --flag}. */
    public String value() {
        int eq = text.indexOf('=');
        return eq < 0 ? null : text.substring(eq + 1);
    }
}
