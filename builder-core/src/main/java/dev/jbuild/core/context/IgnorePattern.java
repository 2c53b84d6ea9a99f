package dev.jbuild.core.context;

/**
 * One compiled {@code .dockerignore} pattern, as moby's pattern matcher prepares it.
 *
 * <p>The cleaned pattern is classified the way moby classifies it, and each class is matched the
 * way moby matches it:
 * <ul>
 *   <li>{@link Kind#LITERAL}: no wildcard, class or escape; the path must equal the text;
 *   <li>{@link Kind#PREFIX}: a literal followed by a final {@code **} (e.g. {@code dir/**}); the
 *       path must start with the literal ({@code dir/**} therefore does not match {@code dir});
 *   <li>{@link Kind#SUFFIX}: {@code **} followed by a literal (e.g. <code>**&#47;foo</code>,
 *       {@code **.log}); the path must end with the literal, or equal it minus a leading slash;
 *   <li>{@link Kind#EXPRESSION}: everything else, translated to a regular expression: {@code *} is
 *       {@code [^/]*}, {@code ?} is {@code [^/]}, {@code **} followed by more pattern is
 *       <code>(.*&#47;)?</code> (a following slash is absorbed), a final {@code **} is {@code .*},
 *       {@code .+()$} are escaped, {@code \x} is passed on as the escape {@code \x}, and all other
 *       characters are copied unchanged, including {@code [ ] ^ | { }} (moby intends to
 *       escape {@code | { }} too, but a bitmap bug lets them through, so {@code a|b*}
 *       is an alternation and {@code a{2}*} a counted repetition); the result is
 *       {@code ^...$} and is read with Go's RE2 rules (see {@link PathRegex}).
 * </ul>
 * Instances are immutable.
 */
public final class IgnorePattern {

    static final String ILLEGAL_EXCLUSION = "illegal exclusion pattern: \"!\"";

    /** How a pattern is matched; see the class description. */
    public enum Kind { LITERAL, PREFIX, SUFFIX, EXPRESSION }

    private final String text;
    private final boolean exception;
    private final Kind kind;
    /** LITERAL: the text; PREFIX: text minus the final "**"; SUFFIX: text minus the leading "**". */
    private final String operand;
    /** SUFFIX pattern whose text starts with U+FEFF (operand then keeps the "**"): see {@link #suffixAfterMark}. */
    private final boolean markedSuffix;
    private final PathRegex regex;

    private IgnorePattern(String text, boolean exception, Kind kind, String operand, boolean markedSuffix,
            PathRegex regex) {
        this.text = text;
        this.exception = exception;
        this.kind = kind;
        this.operand = operand;
        this.markedSuffix = markedSuffix;
        this.regex = regex;
    }

    /**
     * Prepares one pattern exactly as moby's {@code patternmatcher.New} prepares each list element.
     * Returns {@code null} for a pattern that is blank after trimming (such entries are skipped).
     */
    static IgnorePattern parse(String raw) throws IgnoreFileException {
        String p = GoPath.trimSpace(raw);
        if (p.isEmpty()) {
            return null;
        }
        // The whole entry is cleaned before the '!' is looked at, as moby does.
        p = GoPath.clean(p);
        boolean exception = false;
        if (p.charAt(0) == '!') {
            if (p.length() == 1) {
                throw new IgnoreFileException(ILLEGAL_EXCLUSION, raw);
            }
            exception = true;
            p = p.substring(1);
        }
        if (!GlobSyntax.isValid(p)) {
            throw new IgnoreFileException("syntax error in pattern", raw);
        }
        return translate(p, exception, raw);
    }

    private static IgnorePattern translate(String p, boolean exception, String raw) throws IgnoreFileException {
        StringBuilder re = new StringBuilder(p.length() * 2 + 8).append('^');
        Kind kind = Kind.LITERAL;
        int n = p.length();
        int i = 0;
        // Go's text/scanner silently drops a byte order mark at the very start of its input.
        if (n > 0 && p.charAt(0) == '\uFEFF') {
            i = 1;
        }
        for (int index = 0; i < n; index++) {
            int c = p.codePointAt(i);
            i += Character.charCount(c);
            if (c == '*') {
                if (i < n && p.charAt(i) == '*') {
                    i++;
                    if (i < n && p.charAt(i) == '/') {
                        i++;
                    }
                    if (i == n) {
                        if (kind == Kind.LITERAL) {
                            kind = Kind.PREFIX;
                        } else {
                            re.append(".*");
                            kind = Kind.EXPRESSION;
                        }
                    } else {
                        re.append("(.*/)?");
                        kind = Kind.EXPRESSION;
                    }
                    if (index == 0) {
                        kind = Kind.SUFFIX;
                    }
                } else {
                    re.append("[^/]*");
                    kind = Kind.EXPRESSION;
                }
            } else if (c == '?') {
                re.append("[^/]");
                kind = Kind.EXPRESSION;
            } else if (c == '.' || c == '+' || c == '(' || c == ')' || c == '$') {
                // moby means to escape ".+()|{}$" but its lookup table only works below code 64, so
                // '|', '{' and '}' reach the expression unescaped (alternation, counted repetition)
                re.append('\\').append((char) c);
            } else if (c == '\\') {
                if (i < n) {
                    int escaped = p.codePointAt(i);
                    i += Character.charCount(escaped);
                    re.append('\\').appendCodePoint(escaped);
                    kind = Kind.EXPRESSION;
                } else {
                    re.append('\\');
                }
            } else if (c == '[' || c == ']') {
                re.append((char) c);
                kind = Kind.EXPRESSION;
            } else {
                re.appendCodePoint(c);
            }
        }
        switch (kind) {
            case LITERAL:
                return new IgnorePattern(p, exception, kind, p, false, null);
            case PREFIX:
                return new IgnorePattern(p, exception, kind, p.substring(0, p.length() - 2), false, null);
            case SUFFIX: {
                boolean marked = p.charAt(0) == '\uFEFF';
                return new IgnorePattern(p, exception, kind, p.substring(marked ? 1 : 2), marked, null);
            }
            default: {
                re.append('$');
                try {
                    return new IgnorePattern(p, exception, kind, null, false, PathRegex.compile(re.toString()));
                } catch (PathRegex.SyntaxError e) {
                    IgnoreFileException ex = new IgnoreFileException("syntax error in pattern", raw);
                    ex.initCause(e);
                    throw ex;
                }
            }
        }
    }

    /** The cleaned pattern without its leading {@code !}. */
    public String text() {
        return text;
    }

    /** Whether this is a {@code !} exception (re-inclusion) pattern. */
    public boolean exception() {
        return exception;
    }

    /** How the pattern is matched. */
    public Kind kind() {
        return kind;
    }

    /** The pattern as it could be written back into an ignore file. */
    @Override
    public String toString() {
        return exception ? "!" + text : text;
    }

    // ------------------------------------------------------------------ matching

    /** Does the pattern match exactly this path (no parent directories considered). */
    boolean matchesPath(String path) {
        switch (kind) {
            case LITERAL:
                return path.equals(operand);
            case PREFIX:
                return path.startsWith(operand);
            case SUFFIX:
                return suffixMatchesAt(path, path.length());
            default:
                return regex.find(path);
        }
    }

    /**
     * Does the pattern match {@code path} or one of its ancestors, the ancestors being
     * {@code path[0:cut]} for each cut (ascending).
     */
    boolean matchesPathOrPrefixes(String path, int[] cuts) {
        switch (kind) {
            case LITERAL:
                if (path.equals(operand)) {
                    return true;
                }
                for (int cut : cuts) {
                    if (cut == operand.length()) {
                        return path.startsWith(operand);
                    }
                }
                return false;
            case PREFIX:
                // any ancestor that starts with the literal makes the path start with it as well
                return path.startsWith(operand);
            case SUFFIX:
                if (suffixMatchesAt(path, path.length())) {
                    return true;
                }
                for (int cut : cuts) {
                    if (suffixMatchesAt(path, cut)) {
                        return true;
                    }
                }
                return false;
            default:
                return regex.findInPrefixes(path, cuts);
        }
    }

    /** The SUFFIX test applied to {@code path[0:end]}. */
    private boolean suffixMatchesAt(String path, int end) {
        if (markedSuffix) {
            return suffixAfterMark(path, end);
        }
        int start = end - operand.length();
        if (start >= 0 && path.regionMatches(start, operand, 0, operand.length())) {
            return true;
        }
        // "**/foo" also matches "foo" itself
        return !operand.isEmpty() && operand.charAt(0) == '/' && end == operand.length() - 1
                && path.regionMatches(0, operand, 1, end);
    }

    /**
     * moby strips the first two bytes of a SUFFIX pattern; when the pattern starts with U+FEFF
     * (bytes EF BB BF) that leaves the byte BF followed by the rest of the text, "**" included. A
     * valid UTF-8 path ends with those bytes when it ends with that rest and the character before it
     * is encoded with a final byte of BF, i.e. is non-ASCII with its low six bits all set.
     */
    private boolean suffixAfterMark(String path, int end) {
        int start = end - operand.length();
        if (start <= 0 || !path.regionMatches(start, operand, 0, operand.length())) {
            return false;
        }
        int before = path.codePointBefore(start);
        return before >= 0x80 && (before & 0x3F) == 0x3F;
    }

    /**
     * Conservative: {@code false} only if the pattern cannot match any path that starts with
     * {@code prefix} (a directory path followed by '/').
     */
    boolean mayMatchBelow(String prefix) {
        switch (kind) {
            case LITERAL:
                return operand.startsWith(prefix);
            case PREFIX:
                return prefix.startsWith(operand) || operand.startsWith(prefix);
            case SUFFIX:
                return true;
            default:
                return regex.mayMatchSomethingStartingWith(prefix);
        }
    }
}
