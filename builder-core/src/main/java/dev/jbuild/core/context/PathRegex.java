package dev.jbuild.core.context;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A small regular-expression engine that accepts the expressions moby's pattern translator produces
 * and interprets them with the meaning Go's {@code regexp} package (RE2 syntax, Perl flags, no
 * multi-line, no dot-matches-newline) gives them.
 *
 * <p>Why not {@link java.util.regex.Pattern}: the translator copies some pattern text straight into
 * the expression ({@code [}, {@code ]}, {@code ^} and whatever follows a backslash), so the exact
 * RE2 reading matters, and a backtracking engine degrades exponentially on stacked <code>(.*&#47;)?</code>
 * groups (<code>**&#47;**&#47;**...</code>). Here the expression is parsed into a tree, compiled into a
 * Thompson automaton and simulated breadth-first: matching is {@code O(text length x program size)}.
 *
 * <p>Supported: literals; {@code .}; {@code ^} {@code $} {@code \A} {@code \z} {@code \b}
 * {@code \B}; bracket classes with ranges, {@code ^} negation, POSIX {@code [:name:]} groups, Perl
 * {@code \d \s \w} (and upper-case negations) and Unicode general categories {@code \pX}/{@code \PX};
 * escapes {@code \a \f \t \n \r \v}, octal, {@code \xHH}, {@code \x{H...}}, escaped punctuation;
 * {@code \Q...\E}; groups; alternation; {@code *}, {@code +}, {@code ?} and counted repetition
 * {@code {n}}, {@code {n,}}, {@code {n,m}} (a lazy suffix is accepted and irrelevant for a yes/no
 * match; a brace that does not form a valid count is a literal, as in RE2). Anything RE2 would
 * refuse is refused with {@link SyntaxError}, including programs larger than RE2's size limit.
 */
final class PathRegex {

    /** The expression is not valid RE2 syntax (in Go, {@code regexp.Compile} would fail). */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- program

    private static final byte RUNE = 0;
    private static final byte SET = 1;
    private static final byte ANY_BUT_NEWLINE = 2;
    private static final byte ASSERT = 3;
    private static final byte FORK = 4;
    private static final byte GOTO = 5;
    private static final byte ACCEPT = 6;

    private static final int AT_TEXT_START = 0;
    private static final int AT_TEXT_END = 1;
    private static final int AT_WORD_EDGE = 2;
    private static final int NOT_WORD_EDGE = 3;

    /** No character: before the first or after the last one. */
    private static final int NONE = -1;

    /** RE2's bound on a compiled program (128 MiB of 40-byte instructions). */
    private static final int MAX_PROGRAM = (128 << 20) / 40;

    /** RE2's bound on a repetition count. */
    private static final int MAX_REPEAT = 1000;

    private final byte[] code;
    private final int[] x;
    private final int[] y;
    private final IntPredicate[] sets;
    private final boolean startsAnchored;
    private final String source;

    private PathRegex(byte[] code, int[] x, int[] y, IntPredicate[] sets, String source) {
        this.code = code;
        this.x = x;
        this.y = y;
        this.sets = sets;
        this.source = source;
        this.startsAnchored = code[0] == ASSERT && x[0] == AT_TEXT_START;
    }

    static PathRegex compile(String expr) throws SyntaxError {
        Node tree = new Parser(expr).parseWhole();
        Emitter e = new Emitter();
        e.emit(tree);
        e.add(ACCEPT, 0, 0, null);
        return new PathRegex(e.code(), e.xs(), e.ys(), e.sets(), expr);
    }

    @Override
    public String toString() {
        return source;
    }

    // ---------------------------------------------------------------- matching

    /** Go's {@code MatchString}: does any substring of {@code text} match. */
    boolean find(String text) {
        return findInPrefixes(text, null);
    }

    /**
     * Whether the expression matches {@code text} itself or any prefix {@code text[0:cut]} for a cut
     * in {@code cuts} (ascending char offsets at code point boundaries, each at most the length). A
     * single left-to-right pass answers all of them.
     */
    boolean findInPrefixes(String text, int[] cuts) {
        Sim sim = new Sim(code.length);
        sim.seed(0);
        int n = text.length();
        int nextCut = 0;
        int prev = NONE;
        int i = 0;
        while (true) {
            boolean atCut = false;
            while (cuts != null && nextCut < cuts.length && cuts[nextCut] <= i) {
                atCut |= cuts[nextCut] == i;
                nextCut++;
            }
            if (atCut || i == n) {
                // Pretend the text ends here.
                if (sim.close(prev, NONE, false)) {
                    return true;
                }
                if (i == n) {
                    return false;
                }
            }
            int c = text.codePointAt(i);
            if (sim.close(prev, c, true)) {
                // a match ending here with more text to come is a match within the whole text
                return true;
            }
            sim.step(c);
            if (!startsAnchored) {
                sim.seed(0);
            }
            if (sim.dead()) {
                return false;
            }
            prev = c;
            i += Character.charCount(c);
        }
    }

    /**
     * Conservative test used to decide whether a walker may skip a directory: {@code false} only when
     * no string that starts with {@code prefix} can match.
     */
    boolean mayMatchSomethingStartingWith(String prefix) {
        if (!startsAnchored) {
            return true;
        }
        Sim sim = new Sim(code.length);
        sim.seed(0);
        int prev = NONE;
        int i = 0;
        int n = prefix.length();
        while (i < n) {
            int c = prefix.codePointAt(i);
            if (sim.close(prev, c, true)) {
                return true;
            }
            sim.step(c);
            if (sim.dead()) {
                return false;
            }
            prev = c;
            i += Character.charCount(c);
        }
        return true;
    }

    private static boolean isWordChar(int c) {
        return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean holds(int kind, int prev, int next) {
        switch (kind) {
            case AT_TEXT_START:
                return prev == NONE;
            case AT_TEXT_END:
                return next == NONE;
            case AT_WORD_EDGE:
                return isWordChar(prev) != isWordChar(next);
            case NOT_WORD_EDGE:
                return isWordChar(prev) == isWordChar(next);
            default:
                throw new IllegalStateException();
        }
    }

    /**
     * Breadth-first simulation state. "Pending" threads sit right after a consumed character (or at
     * the start); closing them under the empty transitions for given surroundings yields the "ready"
     * threads, whose next instruction consumes a character.
     */
    private final class Sim {
        private final int[] pending;
        private final int[] pendingMark;
        private int pendingGen = 1;
        int pendingCount;
        private final int[] ready;
        private int readyCount;
        private final int[] visited;
        private int visitGen;
        private final int[] stack;

        Sim(int size) {
            pending = new int[size];
            pendingMark = new int[size];
            ready = new int[size];
            visited = new int[size];
            stack = new int[size];
        }

        void seed(int pc) {
            if (pendingMark[pc] != pendingGen) {
                pendingMark[pc] = pendingGen;
                pending[pendingCount++] = pc;
            }
        }

        boolean dead() {
            return pendingCount == 0;
        }

        /**
         * Follows the empty transitions from the pending threads, given the characters before and
         * after the current position. Returns whether the accepting instruction is reachable; with
         * {@code keep} the consuming instructions reached become the ready set for {@link #step}.
         * Without it (used to ask "what if the text ended here") nothing is modified.
         */
        boolean close(int prev, int next, boolean keep) {
            int gen = ++visitGen;
            if (keep) {
                readyCount = 0;
            }
            boolean accepted = false;
            int sp = 0;
            for (int k = 0; k < pendingCount; k++) {
                int pc = pending[k];
                if (visited[pc] != gen) {
                    visited[pc] = gen;
                    stack[sp++] = pc;
                }
            }
            while (sp > 0) {
                int pc = stack[--sp];
                int to = -1;
                int alt = -1;
                switch (code[pc]) {
                    case FORK:
                        to = x[pc];
                        alt = y[pc];
                        break;
                    case GOTO:
                        to = x[pc];
                        break;
                    case ASSERT:
                        if (holds(x[pc], prev, next)) {
                            to = pc + 1;
                        }
                        break;
                    case ACCEPT:
                        accepted = true;
                        break;
                    default:
                        if (keep) {
                            ready[readyCount++] = pc;
                        }
                        break;
                }
                if (to >= 0 && visited[to] != gen) {
                    visited[to] = gen;
                    stack[sp++] = to;
                }
                if (alt >= 0 && visited[alt] != gen) {
                    visited[alt] = gen;
                    stack[sp++] = alt;
                }
            }
            return accepted;
        }

        /** Moves every ready thread that accepts {@code c} past it; the rest die. */
        void step(int c) {
            pendingGen++;
            pendingCount = 0;
            for (int k = 0; k < readyCount; k++) {
                int pc = ready[k];
                boolean ok;
                switch (code[pc]) {
                    case RUNE:
                        ok = x[pc] == c;
                        break;
                    case SET:
                        ok = sets[pc].test(c);
                        break;
                    case ANY_BUT_NEWLINE:
                        ok = c != '\n';
                        break;
                    default:
                        ok = false;
                        break;
                }
                if (ok) {
                    seed(pc + 1);
                }
            }
        }
    }

    // ---------------------------------------------------------------- tree

    private abstract static class Node {}

    private static final class Rune extends Node {
        final int c;

        Rune(int c) {
            this.c = c;
        }
    }

    private static final class Set extends Node {
        final IntPredicate test;

        Set(IntPredicate test) {
            this.test = test;
        }
    }

    private static final class AnyButNewline extends Node {}

    private static final class Assert extends Node {
        final int kind;

        Assert(int kind) {
            this.kind = kind;
        }
    }

    private static final class Seq extends Node {
        final List<Node> parts;

        Seq(List<Node> parts) {
            this.parts = parts;
        }
    }

    private static final class Either extends Node {
        final List<Node> choices;

        Either(List<Node> choices) {
            this.choices = choices;
        }
    }

    /** {@code body} repeated between {@code min} and {@code max} times; {@code max} -1 is unbounded. */
    private static final class Loop extends Node {
        final Node body;
        final int min;
        final int max;

        Loop(Node body, int min, int max) {
            this.body = body;
            this.min = min;
            this.max = max;
        }
    }

    // ---------------------------------------------------------------- emitter

    private static final class Emitter {
        private byte[] code = new byte[16];
        private int[] xs = new int[16];
        private int[] ys = new int[16];
        private IntPredicate[] sets = new IntPredicate[16];
        private int size;

        int add(byte op, int a, int b, IntPredicate set) throws SyntaxError {
            if (size >= MAX_PROGRAM) {
                throw new SyntaxError("expression too large");
            }
            if (size == code.length) {
                int cap = size * 2;
                code = java.util.Arrays.copyOf(code, cap);
                xs = java.util.Arrays.copyOf(xs, cap);
                ys = java.util.Arrays.copyOf(ys, cap);
                sets = java.util.Arrays.copyOf(sets, cap);
            }
            code[size] = op;
            xs[size] = a;
            ys[size] = b;
            sets[size] = set;
            return size++;
        }

        void emit(Node n) throws SyntaxError {
            if (n instanceof Rune) {
                add(RUNE, ((Rune) n).c, 0, null);
            } else if (n instanceof Set) {
                add(SET, 0, 0, ((Set) n).test);
            } else if (n instanceof AnyButNewline) {
                add(ANY_BUT_NEWLINE, 0, 0, null);
            } else if (n instanceof Assert) {
                add(ASSERT, ((Assert) n).kind, 0, null);
            } else if (n instanceof Seq) {
                for (Node part : ((Seq) n).parts) {
                    emit(part);
                }
            } else if (n instanceof Either) {
                List<Node> choices = ((Either) n).choices;
                List<Integer> exits = new ArrayList<>();
                for (int k = 0; k < choices.size() - 1; k++) {
                    int fork = add(FORK, size + 1, 0, null);
                    emit(choices.get(k));
                    exits.add(add(GOTO, 0, 0, null));
                    ys[fork] = size;
                }
                emit(choices.get(choices.size() - 1));
                for (int jump : exits) {
                    xs[jump] = size;
                }
            } else if (n instanceof Loop) {
                Loop loop = (Loop) n;
                // x{n,m} is emitted as n copies of x followed by m-n optional copies (x{n,}: by x*)
                for (int k = 0; k < loop.min; k++) {
                    emit(loop.body);
                }
                if (loop.max < 0) {
                    int fork = add(FORK, size + 1, 0, null);
                    emit(loop.body);
                    add(GOTO, fork, 0, null);
                    ys[fork] = size;
                } else {
                    for (int k = loop.min; k < loop.max; k++) {
                        int fork = add(FORK, size + 1, 0, null);
                        emit(loop.body);
                        ys[fork] = size;
                    }
                }
            } else {
                throw new IllegalStateException(String.valueOf(n));
            }
        }

        byte[] code() {
            return java.util.Arrays.copyOf(code, size);
        }

        int[] xs() {
            return java.util.Arrays.copyOf(xs, size);
        }

        int[] ys() {
            return java.util.Arrays.copyOf(ys, size);
        }

        IntPredicate[] sets() {
            return java.util.Arrays.copyOf(sets, size);
        }
    }

    // ---------------------------------------------------------------- parser

    private static final IntPredicate DIGIT = c -> c >= '0' && c <= '9';
    private static final IntPredicate SPACE =
            c -> c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
    private static final IntPredicate WORD = PathRegex::isWordChar;

    private static IntPredicate range(int lo, int hi) {
        return c -> c >= lo && c <= hi;
    }

    private static IntPredicate anyOf(IntPredicate... parts) {
        return c -> {
            for (IntPredicate p : parts) {
                if (p.test(c)) {
                    return true;
                }
            }
            return false;
        };
    }

    /** POSIX bracket groups as RE2 defines them (ASCII only). */
    private static IntPredicate posixGroup(String name) {
        switch (name) {
            case "alnum":
                return anyOf(DIGIT, range('A', 'Z'), range('a', 'z'));
            case "alpha":
                return anyOf(range('A', 'Z'), range('a', 'z'));
            case "ascii":
                return range(0, 0x7F);
            case "blank":
                return c -> c == '\t' || c == ' ';
            case "cntrl":
                return c -> (c >= 0 && c <= 0x1F) || c == 0x7F;
            case "digit":
                return DIGIT;
            case "graph":
                return range('!', '~');
            case "lower":
                return range('a', 'z');
            case "print":
                return range(' ', '~');
            case "punct":
                return anyOf(range('!', '/'), range(':', '@'), range('[', '`'), range('{', '~'));
            case "space":
                return c -> c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r' || c == ' ';
            case "upper":
                return range('A', 'Z');
            case "word":
                return WORD;
            case "xdigit":
                return anyOf(DIGIT, range('A', 'F'), range('a', 'f'));
            default:
                return null;
        }
    }

    /** Perl class escapes ({@code \d} and friends), or {@code null}. */
    private static IntPredicate perlGroup(char letter) {
        switch (letter) {
            case 'd':
                return DIGIT;
            case 'D':
                return DIGIT.negate();
            case 's':
                return SPACE;
            case 'S':
                return SPACE.negate();
            case 'w':
                return WORD;
            case 'W':
                return WORD.negate();
            default:
                return null;
        }
    }

    /**
     * Unicode general categories by Go's names. Only one-letter names are reachable from translated
     * patterns (the translator escapes the braces a longer name would need); the two-letter ones are
     * here for completeness. Scripts are not reachable at all and are not supported.
     */
    private static IntPredicate unicodeGroup(String name) {
        if (name.equals("Any")) {
            return c -> true;
        }
        int[] types;
        switch (name) {
            case "C": types = new int[] {Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE,
                    Character.SURROGATE}; break;
            case "Cc": types = new int[] {Character.CONTROL}; break;
            case "Cf": types = new int[] {Character.FORMAT}; break;
            case "Co": types = new int[] {Character.PRIVATE_USE}; break;
            case "Cs": types = new int[] {Character.SURROGATE}; break;
            case "L": types = new int[] {Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER, Character.MODIFIER_LETTER, Character.OTHER_LETTER}; break;
            case "Ll": types = new int[] {Character.LOWERCASE_LETTER}; break;
            case "Lm": types = new int[] {Character.MODIFIER_LETTER}; break;
            case "Lo": types = new int[] {Character.OTHER_LETTER}; break;
            case "Lt": types = new int[] {Character.TITLECASE_LETTER}; break;
            case "Lu": types = new int[] {Character.UPPERCASE_LETTER}; break;
            case "M": types = new int[] {Character.NON_SPACING_MARK, Character.ENCLOSING_MARK,
                    Character.COMBINING_SPACING_MARK}; break;
            case "Mc": types = new int[] {Character.COMBINING_SPACING_MARK}; break;
            case "Me": types = new int[] {Character.ENCLOSING_MARK}; break;
            case "Mn": types = new int[] {Character.NON_SPACING_MARK}; break;
            case "N": types = new int[] {Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER}; break;
            case "Nd": types = new int[] {Character.DECIMAL_DIGIT_NUMBER}; break;
            case "Nl": types = new int[] {Character.LETTER_NUMBER}; break;
            case "No": types = new int[] {Character.OTHER_NUMBER}; break;
            case "P": types = new int[] {Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION, Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION}; break;
            case "Pc": types = new int[] {Character.CONNECTOR_PUNCTUATION}; break;
            case "Pd": types = new int[] {Character.DASH_PUNCTUATION}; break;
            case "Pe": types = new int[] {Character.END_PUNCTUATION}; break;
            case "Pf": types = new int[] {Character.FINAL_QUOTE_PUNCTUATION}; break;
            case "Pi": types = new int[] {Character.INITIAL_QUOTE_PUNCTUATION}; break;
            case "Po": types = new int[] {Character.OTHER_PUNCTUATION}; break;
            case "Ps": types = new int[] {Character.START_PUNCTUATION}; break;
            case "S": types = new int[] {Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                    Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL}; break;
            case "Sc": types = new int[] {Character.CURRENCY_SYMBOL}; break;
            case "Sk": types = new int[] {Character.MODIFIER_SYMBOL}; break;
            case "Sm": types = new int[] {Character.MATH_SYMBOL}; break;
            case "So": types = new int[] {Character.OTHER_SYMBOL}; break;
            case "Z": types = new int[] {Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR}; break;
            case "Zl": types = new int[] {Character.LINE_SEPARATOR}; break;
            case "Zp": types = new int[] {Character.PARAGRAPH_SEPARATOR}; break;
            case "Zs": types = new int[] {Character.SPACE_SEPARATOR}; break;
            default: return null;
        }
        int[] wanted = types;
        return c -> {
            int t = Character.getType(c);
            for (int w : wanted) {
                if (t == w) {
                    return true;
                }
            }
            return false;
        };
    }

    private static int hexValue(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean isAlnum(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static final class Parser {
        private final String s;
        private final int n;
        private int pos;

        Parser(String s) {
            this.s = s;
            this.n = s.length();
        }

        Node parseWhole() throws SyntaxError {
            Node tree = parseChoices();
            if (pos < n) {
                // only an unbalanced ')' stops the top level early
                throw new SyntaxError("unexpected ): " + s);
            }
            return tree;
        }

        private Node parseChoices() throws SyntaxError {
            List<Node> choices = new ArrayList<>();
            choices.add(parseSequence());
            while (pos < n && s.charAt(pos) == '|') {
                pos++;
                choices.add(parseSequence());
            }
            return choices.size() == 1 ? choices.get(0) : new Either(choices);
        }

        private Node parseSequence() throws SyntaxError {
            List<Node> items = new ArrayList<>();
            boolean lastWasRepeat = false;
            while (pos < n) {
                char ch = s.charAt(pos);
                if (ch == '|' || ch == ')') {
                    break;
                }
                boolean repeat = false;
                switch (ch) {
                    case '(': {
                        if (pos + 1 < n && s.charAt(pos + 1) == '?') {
                            // flag groups: the translator never emits an unescaped '(' followed by '?'
                            throw new SyntaxError("unsupported group syntax: " + s.substring(pos));
                        }
                        pos++;
                        Node inner = parseChoices();
                        if (pos >= n || s.charAt(pos) != ')') {
                            throw new SyntaxError("missing closing ): " + s);
                        }
                        pos++;
                        items.add(inner);
                        break;
                    }
                    case '^':
                        pos++;
                        items.add(new Assert(AT_TEXT_START));
                        break;
                    case '$':
                        pos++;
                        items.add(new Assert(AT_TEXT_END));
                        break;
                    case '.':
                        pos++;
                        items.add(new AnyButNewline());
                        break;
                    case '[':
                        items.add(parseClass());
                        break;
                    case '*':
                    case '+':
                    case '?': {
                        pos++;
                        int min = ch == '+' ? 1 : 0;
                        int max = ch == '?' ? 1 : -1;
                        repeatLast(items, min, max, lastWasRepeat);
                        repeat = true;
                        break;
                    }
                    case '{': {
                        int[] count = parseCount();
                        if (count == null) {
                            pos++;
                            items.add(new Rune('{'));
                            break;
                        }
                        repeatLast(items, count[0], count[1], lastWasRepeat);
                        repeat = true;
                        break;
                    }
                    case '\\':
                        parseBackslash(items);
                        break;
                    default: {
                        int c = s.codePointAt(pos);
                        pos += Character.charCount(c);
                        items.add(new Rune(c));
                        break;
                    }
                }
                lastWasRepeat = repeat;
            }
            return items.size() == 1 ? items.get(0) : new Seq(items);
        }

        /** Applies a repetition operator (just consumed) to the last item. */
        private void repeatLast(List<Node> items, int min, int max, boolean lastWasRepeat) throws SyntaxError {
            if (pos < n && s.charAt(pos) == '?') {
                pos++; // lazy form; irrelevant to whether a match exists
            }
            if (lastWasRepeat) {
                throw new SyntaxError("invalid nested repetition operator: " + s);
            }
            if (items.isEmpty()) {
                throw new SyntaxError("missing argument to repetition operator: " + s);
            }
            Node body = items.remove(items.size() - 1);
            items.add(new Loop(body, min, max));
        }

        /**
         * At '{': parses {@code {n}}, {@code {n,}} or {@code {n,m}} and returns {min, max} (max -1
         * when open), leaving {@code pos} after the '}'; returns {@code null} without moving when
         * the text is not a count (the brace is then a literal).
         */
        private int[] parseCount() throws SyntaxError {
            int start = pos;
            int i = pos + 1;
            int[] first = parseNumber(i);
            if (first == null) {
                return null;
            }
            int min = first[0];
            int max;
            i = first[1];
            if (i >= n) {
                return null;
            }
            if (s.charAt(i) != ',') {
                max = min;
            } else {
                i++;
                if (i >= n) {
                    return null;
                }
                if (s.charAt(i) == '}') {
                    max = -1;
                } else {
                    int[] second = parseNumber(i);
                    if (second == null) {
                        return null;
                    }
                    max = second[0];
                    i = second[1];
                    if (max < 0) {
                        min = -1; // too big
                    }
                }
            }
            if (i >= n || s.charAt(i) != '}') {
                return null;
            }
            i++;
            if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
                throw new SyntaxError("invalid repeat count: " + s.substring(start, i));
            }
            pos = i;
            return new int[] {min, max};
        }

        /** Decimal digits at {@code i} without a superfluous leading zero: {value (-1 if huge), end}. */
        private int[] parseNumber(int i) {
            if (i >= n || s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
            if (n - i >= 2 && s.charAt(i) == '0' && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '9') {
                return null;
            }
            int value = 0;
            int j = i;
            while (j < n && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
                if (value >= 0) {
                    value = value >= 100_000_000 ? -1 : value * 10 + (s.charAt(j) - '0');
                }
                j++;
            }
            return new int[] {value, j};
        }

        private void parseBackslash(List<Node> items) throws SyntaxError {
            if (pos + 1 < n) {
                char next = s.charAt(pos + 1);
                switch (next) {
                    case 'A':
                        pos += 2;
                        items.add(new Assert(AT_TEXT_START));
                        return;
                    case 'z':
                        pos += 2;
                        items.add(new Assert(AT_TEXT_END));
                        return;
                    case 'b':
                        pos += 2;
                        items.add(new Assert(AT_WORD_EDGE));
                        return;
                    case 'B':
                        pos += 2;
                        items.add(new Assert(NOT_WORD_EDGE));
                        return;
                    case 'C':
                        throw new SyntaxError("invalid escape sequence: \\C");
                    case 'Q': {
                        // everything up to \E (or the end of the expression) is literal text
                        int stop = s.indexOf("\\E", pos + 2);
                        int litEnd = stop < 0 ? n : stop;
                        for (int i = pos + 2; i < litEnd; ) {
                            int c = s.codePointAt(i);
                            items.add(new Rune(c));
                            i += Character.charCount(c);
                        }
                        pos = stop < 0 ? n : stop + 2;
                        return;
                    }
                    case 'p':
                    case 'P':
                        items.add(new Set(parseUnicodeGroup()));
                        return;
                    default: {
                        IntPredicate perl = perlGroup(next);
                        if (perl != null) {
                            pos += 2;
                            items.add(new Set(perl));
                            return;
                        }
                    }
                }
            }
            items.add(new Rune(parseEscape()));
        }

        /** At a backslash followed by 'p' or 'P'. */
        private IntPredicate parseUnicodeGroup() throws SyntaxError {
            int start = pos;
            boolean negate = s.charAt(pos + 1) == 'P';
            int i = pos + 2;
            String name;
            if (i >= n) {
                name = "";
            } else if (s.charAt(i) != '{') {
                int c = s.codePointAt(i);
                name = new String(Character.toChars(c));
                i += Character.charCount(c);
            } else {
                int close = s.indexOf('}', start);
                if (close < 0) {
                    throw new SyntaxError("invalid character class range: " + s.substring(start));
                }
                name = s.substring(start + 3, close);
                i = close + 1;
            }
            if (!name.isEmpty() && name.charAt(0) == '^') {
                negate = !negate;
                name = name.substring(1);
            }
            IntPredicate group = unicodeGroup(name);
            if (group == null) {
                throw new SyntaxError("invalid character class range: " + s.substring(start, i));
            }
            pos = i;
            return negate ? group.negate() : group;
        }

        /** At a backslash; returns the single character it denotes. */
        private int parseEscape() throws SyntaxError {
            int start = pos;
            if (pos + 1 >= n) {
                throw new SyntaxError("trailing backslash at end of expression");
            }
            int c = s.codePointAt(pos + 1);
            pos += 1 + Character.charCount(c);
            if (c >= '1' && c <= '7') {
                if (pos >= n || s.charAt(pos) < '0' || s.charAt(pos) > '7') {
                    throw invalidEscape(start);
                }
            }
            if (c >= '0' && c <= '7') {
                int value = c - '0';
                for (int k = 1; k < 3 && pos < n && s.charAt(pos) >= '0' && s.charAt(pos) <= '7'; k++) {
                    value = value * 8 + (s.charAt(pos) - '0');
                    pos++;
                }
                return value;
            }
            switch (c) {
                case 'x':
                    return parseHex(start);
                case 'a':
                    return 7;
                case 'f':
                    return '\f';
                case 'n':
                    return '\n';
                case 'r':
                    return '\r';
                case 't':
                    return '\t';
                case 'v':
                    return 0x0B;
                default:
                    if (c < 0x80 && !isAlnum(c)) {
                        return c;
                    }
                    throw invalidEscape(start);
            }
        }

        private int parseHex(int start) throws SyntaxError {
            if (pos >= n) {
                throw invalidEscape(start);
            }
            int c = s.codePointAt(pos);
            pos += Character.charCount(c);
            if (c == '{') {
                int digits = 0;
                long value = 0;
                while (true) {
                    if (pos >= n) {
                        throw invalidEscape(start);
                    }
                    int d = s.codePointAt(pos);
                    pos += Character.charCount(d);
                    if (d == '}') {
                        break;
                    }
                    int v = hexValue(d);
                    if (v < 0) {
                        throw invalidEscape(start);
                    }
                    value = value * 16 + v;
                    if (value > Character.MAX_CODE_POINT) {
                        throw invalidEscape(start);
                    }
                    digits++;
                }
                if (digits == 0) {
                    throw invalidEscape(start);
                }
                return (int) value;
            }
            int hi = hexValue(c);
            int lo = -1;
            if (pos < n) {
                int d = s.codePointAt(pos);
                pos += Character.charCount(d);
                lo = hexValue(d);
            }
            if (hi < 0 || lo < 0) {
                throw invalidEscape(start);
            }
            return hi * 16 + lo;
        }

        private SyntaxError invalidEscape(int start) {
            return new SyntaxError("invalid escape sequence: " + s.substring(start, Math.min(pos, n)));
        }

        /** At '['. */
        private Node parseClass() throws SyntaxError {
            int open = pos;
            pos++;
            boolean negated = false;
            if (pos < n && s.charAt(pos) == '^') {
                negated = true;
                pos++;
            }
            List<IntPredicate> members = new ArrayList<>();
            boolean first = true;
            while (pos >= n || s.charAt(pos) != ']' || first) {
                first = false;
                if (n - pos > 2 && s.charAt(pos) == '[' && s.charAt(pos + 1) == ':') {
                    int close = s.indexOf(":]", pos + 2);
                    if (close >= 0) {
                        String whole = s.substring(pos, close + 2);
                        String name = s.substring(pos + 2, close);
                        boolean neg = name.startsWith("^");
                        IntPredicate group = posixGroup(neg ? name.substring(1) : name);
                        if (group == null) {
                            throw new SyntaxError("invalid character class range: " + whole);
                        }
                        members.add(neg ? group.negate() : group);
                        pos = close + 2;
                        continue;
                    }
                }
                if (pos + 1 < n && s.charAt(pos) == '\\') {
                    char letter = s.charAt(pos + 1);
                    if (letter == 'p' || letter == 'P') {
                        members.add(parseUnicodeGroup());
                        continue;
                    }
                    IntPredicate perl = perlGroup(letter);
                    if (perl != null) {
                        pos += 2;
                        members.add(perl);
                        continue;
                    }
                }
                int rangeStart = pos;
                int lo = classChar(open);
                int hi = lo;
                if (n - pos >= 2 && s.charAt(pos) == '-' && s.charAt(pos + 1) != ']') {
                    pos++;
                    hi = classChar(open);
                    if (hi < lo) {
                        throw new SyntaxError("invalid character class range: " + s.substring(rangeStart, pos));
                    }
                }
                members.add(range(lo, hi));
            }
            pos++; // the closing ']'
            IntPredicate union = anyOf(members.toArray(new IntPredicate[0]));
            return new Set(negated ? union.negate() : union);
        }

        private int classChar(int open) throws SyntaxError {
            if (pos >= n) {
                throw new SyntaxError("missing closing ]: " + s.substring(open));
            }
            if (s.charAt(pos) == '\\') {
                return parseEscape();
            }
            int c = s.codePointAt(pos);
            pos += Character.charCount(c);
            return c;
        }
    }
}
