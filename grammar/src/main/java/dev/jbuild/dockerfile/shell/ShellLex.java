package dev.jbuild.dockerfile.shell;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Shell-word lexer and expander for Dockerfile instructions, behaving exactly like BuildKit's
 * {@code frontend/dockerfile/shell} lexer: quotes, the escape character, {@code $V} / {@code ${V}}
 * and the {@code ${V<op>word}} operators {@code :- - :+ + :? ? # ## % %% / //}.
 *
 * <p>Mutable and not thread-safe: the option setters change this instance and return it.
 * Each call keeps its working state to itself, so once configured an instance may be reused
 * (and shared, provided nobody calls a setter any more).
 */
public final class ShellLex {

    private final char escapeToken;
    private boolean rawQuotes;
    private boolean rawEscapes;
    private boolean skipProcessQuotes;
    private boolean skipUnsetEnv;

    /**
     * @param escapeToken the Dockerfile escape character, {@code '\\'} or {@code '`'}
     */
    public ShellLex(char escapeToken) {
        if (Character.isSurrogate(escapeToken)) {
            throw new IllegalArgumentException("escape token must be a complete character");
        }
        this.escapeToken = escapeToken;
    }

    /** Keep quote characters in the output (heredoc detection compares quoted and unquoted forms). */
    public ShellLex rawQuotes(boolean v) {
        rawQuotes = v;
        return this;
    }

    /** Keep escape characters in the output instead of consuming them. */
    public ShellLex rawEscapes(boolean v) {
        rawEscapes = v;
        return this;
    }

    /** Treat quotes as ordinary characters (used for instructions that expand raw text). */
    public ShellLex skipProcessQuotes(boolean v) {
        skipProcessQuotes = v;
        return this;
    }

    /** Leave references to unset variables as written instead of expanding them to nothing. */
    public ShellLex skipUnsetEnv(boolean v) {
        skipUnsetEnv = v;
        return this;
    }

    public char escapeToken() {
        return escapeToken;
    }

    public boolean isRawQuotes() {
        return rawQuotes;
    }

    public boolean isRawEscapes() {
        return rawEscapes;
    }

    public boolean isSkipProcessQuotes() {
        return skipProcessQuotes;
    }

    public boolean isSkipUnsetEnv() {
        return skipUnsetEnv;
    }

    /** Expands {@code word} as one word; blanks are kept as they are. */
    public String processWord(String word, EnvGetter env) throws ShellSyntaxException {
        return start(word, env, false, false).result();
    }

    /** Expands {@code word} and splits it into fields; blanks from unquoted expansions split too. */
    public List<String> processWords(String word, EnvGetter env) throws ShellSyntaxException {
        return Collections.unmodifiableList(start(word, env, true, false).words());
    }

    /** Like {@link #processWord}, also reporting which variables were referenced, set or unset. */
    public ProcessResult processWordWithMatches(String word, EnvGetter env) throws ShellSyntaxException {
        Expansion x = start(word, env, true, true);
        return new ProcessResult(x.result(), x.words(), x.matched(), x.unmatched());
    }

    private Expansion start(String word, EnvGetter env, boolean words, boolean capture)
            throws ShellSyntaxException {
        Objects.requireNonNull(word, "word");
        Objects.requireNonNull(env, "env");
        return new Expansion(this, word, env, words, capture).run();
    }

    @Override
    public String toString() {
        return "ShellLex[escape=" + escapeToken + ", rawQuotes=" + rawQuotes + ", rawEscapes=" + rawEscapes
                + ", skipProcessQuotes=" + skipProcessQuotes + ", skipUnsetEnv=" + skipUnsetEnv + "]";
    }
}
