package dev.jbuild.dockerfile.shell;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One pass of {@link ShellLex} over one word.
 *
 * <p>The grammar nests (a word holds {@code ${…}}, whose default is again a word, and so on).
 * BuildKit recurses for that; here each nesting level is a {@link Frame} on an explicit stack,
 * so no input can exhaust the Java thread stack. A frame either finishes with its text or pushes
 * a child and is resumed later with the child's text.
 */
final class Expansion {

    static final int EOF = -1;

    private final String src;
    private final int end;
    private int pos;
    private final char esc;
    private final boolean rawQuotes;
    private final boolean skipQuotes;
    private final boolean skipUnset;
    /** Current escape mode; pattern and trim words switch it on for their extent. */
    private boolean rawEscapes;
    private final EnvGetter env;
    private final boolean collectWords;
    private final Set<String> matched;
    private final Set<String> unmatched;
    /**
     * Field-splitting buffer shared by every nesting level and cleared whenever a nested word
     * starts, exactly as in BuildKit. It means a partial field before a {@code ${V:-…}} is lost
     * in multi-word mode ({@code foo${X:-bar}} splits to {@code [bar]}); kept for parity.
     */
    private final StringBuilder wordBuf = new StringBuilder();
    private final ArrayDeque<Frame> stack = new ArrayDeque<>();

    private String result;
    private List<String> words;

    Expansion(ShellLex lex, String src, EnvGetter env, boolean collectWords, boolean capture) {
        this.src = src;
        this.end = src.length();
        // Go's text scanner, which BuildKit reads words with, drops a leading byte-order mark.
        this.pos = end > 0 && src.charAt(0) == '\uFEFF' ? 1 : 0;
        this.esc = lex.escapeToken();
        this.rawQuotes = lex.isRawQuotes();
        this.rawEscapes = lex.isRawEscapes();
        this.skipQuotes = lex.isSkipProcessQuotes();
        this.skipUnset = lex.isSkipUnsetEnv();
        this.env = env;
        this.collectWords = collectWords;
        this.matched = capture ? new LinkedHashSet<>() : null;
        this.unmatched = capture ? new LinkedHashSet<>() : null;
    }

    String result() {
        return result;
    }

    List<String> words() {
        return words;
    }

    Set<String> matched() {
        return matched;
    }

    Set<String> unmatched() {
        return unmatched;
    }

    Expansion run() throws ShellSyntaxException {
        stack.push(new WordFrame(EOF, rawEscapes, true));
        String value = null;
        try {
            while (true) {
                String out = stack.peek().resume(value);
                if (out == null) {
                    value = null; // a child was pushed; start it
                    continue;
                }
                stack.pop();
                if (stack.isEmpty()) {
                    result = out;
                    return this;
                }
                value = out;
            }
        } catch (Failure f) {
            String reason = f.getMessage();
            stack.pop(); // the frame that failed
            while (!stack.isEmpty()) {
                reason = stack.pop().childFailed(reason);
            }
            throw new ShellSyntaxException(src, reason);
        }
    }

    /** Internal error carrier; only its message survives into {@link ShellSyntaxException}. */
    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private abstract static class Frame {
        /**
         * Continues this frame. {@code child} is null on first entry and otherwise the text of
         * the child that just finished. Returns this frame's text, or null after pushing a child.
         */
        abstract String resume(String child) throws Failure;

        /** Lets a frame reword an error raised below it while the stack unwinds. */
        String childFailed(String reason) {
            return reason;
        }
    }

    private int peek() {
        return pos < end ? src.codePointAt(pos) : EOF;
    }

    private int next() {
        if (pos >= end) {
            return EOF;
        }
        int c = src.codePointAt(pos);
        pos += Character.charCount(c);
        return c;
    }

    private String lookup(String name) {
        String v = env.get(name);
        if (matched != null) {
            (v != null ? matched : unmatched).add(name);
        }
        return v;
    }

    /** {@code <<} plus following blanks stays glued to the next field so heredoc markers survive splitting. */
    private String heredocPrefix() {
        pos++;
        if (pos >= end || src.charAt(pos) != '<') {
            return "<";
        }
        pos++;
        int blanksFrom = pos;
        while (pos < end) {
            char c = src.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\r') {
                break;
            }
            pos++;
        }
        return "<<" + src.substring(blanksFrom, pos);
    }

    private String singleQuoted() throws Failure {
        int open = pos++;
        int close = src.indexOf('\'', pos);
        if (close < 0) {
            pos = end;
            throw new Failure("unexpected end of statement while looking for matching single-quote");
        }
        pos = close + 1;
        return rawQuotes ? src.substring(open, pos) : src.substring(open + 1, close);
    }

    /** Positional ({@code 0}, {@code 12}) and special ({@code @ * # ? - $ !}) names, or an identifier. */
    private String readName() {
        int from = pos;
        int c = peek();
        if (c == EOF) {
            return "";
        }
        if (Runes.isDigit(c)) {
            while (c != EOF && Runes.isDigit(c)) {
                pos += Character.charCount(c);
                c = peek();
            }
            return src.substring(from, pos);
        }
        switch (c) {
            case '@', '*', '#', '?', '-', '$', '!':
                pos++;
                return src.substring(from, pos);
            default:
                break;
        }
        while (c != EOF && Runes.isNameChar(c)) {
            pos += Character.charCount(c);
            c = peek();
        }
        return src.substring(from, pos);
    }

    /** Collects field-split words for one nesting level (see {@link #wordBuf}). */
    private final class Words {
        private List<String> list;
        private boolean inWord;

        void space() {
            if (inWord && wordBuf.length() != 0) {
                flush();
                inWord = false;
            }
        }

        void raw(int c) {
            wordBuf.appendCodePoint(c);
            inWord = true;
        }

        void raw(CharSequence s, int from, int to) {
            wordBuf.append(s, from, to);
            inWord = true;
        }

        void raw(String s) {
            wordBuf.append(s);
            inWord = true;
        }

        /** Expanded variable text: unquoted, so blanks in it split fields. */
        void split(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Runes.isSpace(c)) {
                    space();
                } else {
                    wordBuf.append(c);
                    inWord = true;
                }
            }
        }

        List<String> finish() {
            if (wordBuf.length() > 0) {
                flush();
                inWord = false;
            }
            return list == null ? List.of() : list;
        }

        private void flush() {
            if (list == null) {
                list = new ArrayList<>();
            }
            list.add(wordBuf.toString());
            wordBuf.setLength(0);
        }
    }

    /** Unquoted text up to {@code stop} (or the end of input for the top level). */
    private final class WordFrame extends Frame {
        private final int stop;
        private final boolean top;
        private final boolean toggledRaw;
        private final StringBuilder out = new StringBuilder();
        private final Words words;
        private boolean childIsDollar;

        WordFrame(int stop, boolean raw, boolean top) {
            this.stop = stop;
            this.top = top;
            wordBuf.setLength(0);
            words = collectWords ? new Words() : null;
            toggledRaw = raw != rawEscapes;
            if (toggledRaw) {
                rawEscapes = raw;
            }
        }

        @Override
        String resume(String child) throws Failure {
            if (child != null) {
                out.append(child);
                if (words != null) {
                    if (childIsDollar) {
                        words.split(child);
                    } else {
                        words.raw(child);
                    }
                }
            }
            while (pos < end) {
                char ch = src.charAt(pos);
                if (ch == stop) {
                    pos++;
                    return finish();
                }
                if (ch == '$') {
                    childIsDollar = true;
                    stack.push(new DollarFrame());
                    return null;
                }
                if (ch == '<') {
                    String t = heredocPrefix();
                    out.append(t);
                    if (words != null) {
                        words.raw(t);
                    }
                    continue;
                }
                if (!skipQuotes && ch == '\'') {
                    String t = singleQuoted();
                    out.append(t);
                    if (words != null) {
                        words.raw(t);
                    }
                    continue;
                }
                if (!skipQuotes && ch == '"') {
                    childIsDollar = false;
                    stack.push(new DoubleQuoteFrame());
                    return null;
                }
                if (ch == esc) {
                    pos++;
                    if (rawEscapes) {
                        out.append(ch);
                        if (words != null) {
                            words.raw(ch);
                        }
                    }
                    int c = next();
                    if (c == EOF) {
                        break; // a trailing escape is dropped
                    }
                    out.appendCodePoint(c);
                    if (words != null) {
                        words.raw(c);
                    }
                    continue;
                }
                if (words != null && Runes.isSpace(ch)) {
                    pos++;
                    out.append(ch);
                    words.space();
                    continue;
                }
                int runEnd = pos + 1;
                while (runEnd < end && isPlain(src.charAt(runEnd))) {
                    runEnd++;
                }
                out.append(src, pos, runEnd);
                if (words != null) {
                    words.raw(src, pos, runEnd);
                }
                pos = runEnd;
            }
            if (stop != EOF) {
                throw new Failure("unexpected end of statement while looking for matching " + (char) stop);
            }
            return finish();
        }

        private boolean isPlain(char ch) {
            return ch != stop && ch != '$' && ch != '<' && ch != esc
                    && (skipQuotes || (ch != '\'' && ch != '"'))
                    && (words == null || !Runes.isSpace(ch));
        }

        private String finish() {
            if (toggledRaw) {
                rawEscapes = !rawEscapes;
            }
            if (words != null) {
                List<String> w = words.finish();
                if (top) {
                    Expansion.this.words = w;
                }
            }
            return out.toString();
        }
    }

    /** Double-quoted text: only {@code $} expands, and the escape char only escapes {@code " $} and itself. */
    private final class DoubleQuoteFrame extends Frame {
        private final StringBuilder out = new StringBuilder();

        DoubleQuoteFrame() {
            pos++;
            if (rawQuotes) {
                out.append('"');
            }
        }

        @Override
        String resume(String child) throws Failure {
            if (child != null) {
                out.append(child);
            }
            while (true) {
                if (pos >= end) {
                    throw new Failure("unexpected end of statement while looking for matching double-quote");
                }
                char ch = src.charAt(pos);
                if (ch == '"') {
                    pos++;
                    if (rawQuotes) {
                        out.append('"');
                    }
                    return out.toString();
                }
                if (ch == '$') {
                    stack.push(new DollarFrame());
                    return null;
                }
                if (ch == esc) {
                    pos++;
                    if (rawEscapes) {
                        out.append(ch);
                    }
                    if (pos >= end) {
                        continue;
                    }
                    char n = src.charAt(pos);
                    if (n == '"' || n == '$' || n == esc) {
                        pos++;
                        out.append(n);
                    } else {
                        out.append(ch);
                    }
                    continue;
                }
                int runEnd = pos + 1;
                while (runEnd < end) {
                    char c = src.charAt(runEnd);
                    if (c == '"' || c == '$' || c == esc) {
                        break;
                    }
                    runEnd++;
                }
                out.append(src, pos, runEnd);
                pos = runEnd;
            }
        }
    }

    /** {@code $NAME}, {@code ${NAME}} and {@code ${NAME<op>word}}. */
    private final class DollarFrame extends Frame {
        private static final int START = 0;
        private static final int WORD = 1;
        private static final int PATTERN = 2;
        private static final int REPLACEMENT = 3;

        private int phase = START;
        private String name;
        private int op;
        private String opText;
        private boolean colon;
        private boolean replaceAll;
        private String pattern;

        @Override
        String resume(String child) throws Failure {
            switch (phase) {
                case START:
                    return start();
                case WORD:
                    return applyOperator(child);
                case PATTERN:
                    pattern = child;
                    phase = REPLACEMENT;
                    stack.push(new WordFrame('}', true, false));
                    return null;
                default:
                    return substitute(child);
            }
        }

        @Override
        String childFailed(String reason) {
            if (pos < end) {
                return reason;
            }
            return phase == PATTERN ? "syntax error: missing '/' in ${}" : "syntax error: missing '}'";
        }

        private String start() throws Failure {
            pos++; // '$'
            if (pos >= end || src.charAt(pos) != '{') {
                String n = readName();
                if (n.isEmpty()) {
                    return "$";
                }
                String v = lookup(n);
                if (v == null) {
                    return skipUnset ? "$" + n : "";
                }
                return v;
            }
            pos++; // '{'
            int c = peek();
            if (c == EOF) {
                throw new Failure("syntax error: missing '}'");
            }
            if (c == '{' || c == '}' || c == ':') {
                throw new Failure("syntax error: bad substitution");
            }
            name = readName();
            c = next();
            opText = Runes.runeString(c);
            switch (c) {
                case '}': {
                    String v = lookup(name);
                    if (v == null) {
                        return skipUnset ? "${" + name + "}" : "";
                    }
                    return v;
                }
                case ':':
                    // Whatever follows the colon is taken as the operator; bad ones fail after
                    // their word is read, as in BuildKit.
                    colon = true;
                    c = next();
                    opText += Runes.runeString(c);
                    return beginWord(c);
                case '+', '-', '?', '#', '%':
                    return beginWord(c);
                case '/':
                    replaceAll = pos < end && src.charAt(pos) == '/';
                    if (replaceAll) {
                        pos++;
                    }
                    phase = PATTERN;
                    stack.push(new WordFrame('/', true, false));
                    return null;
                default:
                    throw new Failure("unsupported modifier (" + opText + ") in substitution");
            }
        }

        private String beginWord(int c) throws Failure {
            op = c;
            boolean trim = c == '#' || c == '%';
            if (colon && trim) {
                throw new Failure("unsupported modifier (" + opText + ") in substitution");
            }
            phase = WORD;
            // Trim patterns keep escapes so the glob compiler can tell \* from *.
            stack.push(new WordFrame('}', trim, false));
            return null;
        }

        private String applyOperator(String word) throws Failure {
            String v = lookup(name);
            boolean set = v != null;
            if (!set) {
                if (skipUnset) {
                    return "${" + name + opText + word + "}";
                }
                v = "";
            }
            boolean missing = !set || (colon && v.isEmpty());
            switch (op) {
                case '-':
                    return missing ? word : v;
                case '+':
                    return missing ? "" : word;
                case '?':
                    if (!set) {
                        throw new Failure(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                    }
                    if (colon && v.isEmpty()) {
                        throw new Failure(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                    }
                    return v;
                case '#':
                case '%': {
                    boolean longest = !word.isEmpty() && word.charAt(0) == op;
                    String p = longest ? word.substring(1) : word;
                    try {
                        return op == '%'
                                ? GlobPattern.trimSuffix(p, v, longest)
                                : GlobPattern.trimPrefix(p, v, longest);
                    } catch (GlobPattern.SyntaxException e) {
                        throw invalidPattern(e);
                    }
                }
                default:
                    throw new Failure("unsupported modifier (" + opText + ") in substitution");
            }
        }

        private String substitute(String replacement) throws Failure {
            String v = lookup(name);
            if (v == null) {
                if (skipUnset) {
                    // BuildKit writes one slash back even for //; reproduced as is.
                    return "${" + name + "/" + pattern + "/" + replacement + "}";
                }
                v = "";
            }
            GlobPattern g;
            try {
                g = GlobPattern.compile(pattern, true);
            } catch (GlobPattern.SyntaxException e) {
                throw invalidPattern(e);
            }
            return replaceAll ? g.replaceAll(v, replacement) : g.replaceFirst(v, replacement);
        }

        private Failure invalidPattern(GlobPattern.SyntaxException e) {
            return new Failure("invalid pattern (" + e.pattern + ") in substitution: " + e.getMessage());
        }
    }
}
