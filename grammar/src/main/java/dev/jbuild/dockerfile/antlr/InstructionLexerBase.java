package dev.jbuild.dockerfile.antlr;

import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.Lexer;

/**
 * Run-time state of {@link InstructionLexer}: the escape character picks the flag mode, a lone
 * {@code --} ends the flags, and after ONBUILD the arguments are lexed as a nested instruction.
 * Not thread-safe; one instance is reused for every line of a Dockerfile.
 */
public abstract class InstructionLexerBase extends Lexer {
    private char escape = '\\';
    private boolean nested;
    private boolean flagsEnded;
    private boolean jsonDisabled;

    protected InstructionLexerBase(CharStream input) {
        super(input);
    }

    public void setEscape(char escape) {
        this.escape = escape;
    }

    /**
     * Lexes every '[' as text, so the line can only be shell form. For arguments nested deeper than
     * a recursive descent can follow: Go's JSON decoder also gives up (at depth 10,000) and
     * BuildKit then falls back to shell form.
     */
    public void setJsonDisabled(boolean disabled) {
        this.jsonDisabled = disabled;
    }

    protected boolean jsonDisabled() {
        return jsonDisabled;
    }

    @Override
    public void reset() {
        super.reset();
        nested = false;
        flagsEnded = false;
    }

    protected void keyword() {
        nested = false;
        flagsEnded = false;
        mode(escape == '`' ? InstructionLexer.FLAGS_BACKTICK : InstructionLexer.FLAGS_BACKSLASH);
    }

    protected void nestedInstruction() {
        nested = true;
    }

    /** BuildKit keeps reading flags only while the next word starts with "--". */
    protected void afterSpace() {
        if (!flagsEnded && _input.LA(1) == '-' && _input.LA(2) == '-') {
            return;
        }
        mode(nested ? DEFAULT_MODE : InstructionLexer.ARGS);
    }

    protected void flag() {
        if (getText().equals("--")) {
            setType(InstructionLexer.DASHDASH);
            flagsEnded = true;
        } else {
            setType(InstructionLexer.FLAG);
        }
    }
}
