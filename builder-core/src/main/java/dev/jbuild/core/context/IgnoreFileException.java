package dev.jbuild.core.context;

/**
 * A malformed ignore pattern, an illegal lone {@code "!"} exclusion, or an ignore file that cannot
 * be read the way Docker reads it.
 *
 * <p>When the problem comes from a file, {@link #source()} names the file and {@link #line()} is the
 * 1-based physical line; otherwise {@code source()} is {@code null} and {@code line()} is 0.
 */
public final class IgnoreFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String pattern;
    private final String reason;

    /** A problem not tied to a file position (for example a pattern handed straight to the matcher). */
    public IgnoreFileException(String reason, String pattern) {
        this(null, 0, reason, pattern);
    }

    /** A problem at {@code line} of {@code source}; {@code pattern} may be {@code null}. */
    public IgnoreFileException(String source, int line, String reason, String pattern) {
        super(describe(source, line, reason, pattern));
        this.source = source;
        this.line = line;
        this.reason = reason;
        this.pattern = pattern;
    }

    /** Re-attributes a pattern-level problem to a position in an ignore file. */
    IgnoreFileException at(String source, int line) {
        IgnoreFileException located = new IgnoreFileException(source, line, reason, pattern);
        located.initCause(this);
        return located;
    }

    private static String describe(String source, int line, String reason, String pattern) {
        StringBuilder sb = new StringBuilder();
        if (source != null) {
            sb.append(source);
            if (line > 0) {
                sb.append(':').append(line);
            }
            sb.append(": ");
        }
        sb.append(reason);
        if (pattern != null) {
            sb.append(" (pattern \"").append(pattern).append("\")");
        }
        return sb.toString();
    }

    /** The ignore file's name as given by the caller, or {@code null}. */
    public String source() {
        return source;
    }

    /** The 1-based line in {@link #source()}, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** The offending pattern, or {@code null} when the problem is not a single pattern. */
    public String pattern() {
        return pattern;
    }

    /** The bare reason, without position or pattern. */
    public String reason() {
        return reason;
    }
}
