package dev.jbuild.dockerfile;

/**
 * A Dockerfile that BuildKit would reject. Unchecked so that it can leave ANTLR's lexer actions;
 * {@link DockerfileParser} always attaches the source name before it reaches a caller, so the
 * message reads {@code FILE:LINE:COL: reason}.
 */
public final class DockerfileSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String reason;
    private final int line;
    private final int column;

    public DockerfileSyntaxException(String reason, int line, int column) {
        this(null, reason, line, column);
    }

    public DockerfileSyntaxException(String source, String reason, int line, int column) {
        super(format(source, reason, line, column));
        this.source = source;
        this.reason = reason;
        this.line = line;
        this.column = column;
    }

    private static String format(String source, String reason, int line, int column) {
        StringBuilder sb = new StringBuilder();
        sb.append(source == null ? "Dockerfile" : source);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        return sb.append(": ").append(reason).toString();
    }

    public DockerfileSyntaxException withSource(String newSource) {
        DockerfileSyntaxException e = new DockerfileSyntaxException(newSource, reason, line, column);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The file name, or null when not known. */
    public String source() {
        return source;
    }

    /** The message without the location. */
    public String reason() {
        return reason;
    }

    /** 1-based line, 0 when the error is about the whole file. */
    public int line() {
        return line;
    }

    /** 1-based column, 0 when not known. */
    public int column() {
        return column;
    }
}
