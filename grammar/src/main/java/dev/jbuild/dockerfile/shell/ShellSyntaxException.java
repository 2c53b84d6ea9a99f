package dev.jbuild.dockerfile.shell;

/**
 * A word could not be expanded. The message has BuildKit's exact shape,
 * {@code failed to process "<word>": <reason>}, because users and tests compare against it.
 */
public final class ShellSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String word;
    private final String reason;

    /** An error not tied to expanding one word; {@code message} is used verbatim. */
    public ShellSyntaxException(String message) {
        super(message);
        this.word = null;
        this.reason = message;
    }

    /** An expansion error in BuildKit's format: {@code failed to process "<word>": <reason>}. */
    public ShellSyntaxException(String word, String reason) {
        super("failed to process " + Runes.quote(word) + ": " + reason);
        this.word = word;
        this.reason = reason;
    }

    /** The word that was being processed, as passed in; null for errors not tied to one word. */
    public String word() {
        return word;
    }

    /** The message without the {@code failed to process} prefix, e.g. {@code syntax error: missing '}'}. */
    public String reason() {
        return reason;
    }
}
