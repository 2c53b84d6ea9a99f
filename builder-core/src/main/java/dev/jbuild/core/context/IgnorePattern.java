package dev.jbuild.core.context;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;

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
 *       {@code ^...$}. It is run with RE2/J, a port of Go's {@code regexp} package: the same RE2
 *       syntax (bar three parser differences, evened out by {@link #forRe2j}), the same matches as
 *       moby's {@code regexp.MatchString}, in linear time.
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
    /** EXPRESSION: moby's regular expression. */
    private final Pattern regex;
    /**
     * EXPRESSION exceptions: an expression matching exactly the prefixes of the strings {@link #regex}
     * matches (see {@link PrefixClosure}), or {@code null} when none was built.
     */
    private final Pattern prefixes;
    /**
     * EXPRESSION: moby's expression with its final {@code $} widened to {@code (?:/|$)}, which finds
     * in one pass whether the expression matches a path or one of the ancestors that end before a
     * '/' of it (see {@link #matchesPathOrPrefixes}); {@code null} when that rewrite would not be
     * exact (the expression uses {@code \z}, or its final {@code $} is quoted by {@code \Q}).
     */
    private final Pattern regexOrAncestor;

    private IgnorePattern(String text, boolean exception, Kind kind, String operand, boolean markedSuffix,
            Pattern regex, Pattern prefixes, Pattern regexOrAncestor) {
        this.text = text;
        this.exception = exception;
        this.kind = kind;
        this.operand = operand;
        this.markedSuffix = markedSuffix;
        this.regex = regex;
        this.prefixes = prefixes;
        this.regexOrAncestor = regexOrAncestor;
    }

    /**
     * Go's limit on a compiled expression (regexp/syntax: 128 MiB of 40-byte instructions); larger
     * ones fail with "expression too large". Only counted repetitions ({@code a{1000}}) get near it.
     */
    private static final int GO_MAX_PROGRAM = (128 << 20) / 40;

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
        // Only exceptions are asked whether they may match below a directory.
        PrefixClosure closure = exception ? new PrefixClosure() : null;
        int classEnd = -1; // while i < classEnd the closure has the whole bracket expression already
        Kind kind = Kind.LITERAL;
        int n = p.length();
        int i = 0;
        // Go's text/scanner silently drops a byte order mark at the very start of its input.
        if (n > 0 && p.charAt(0) == '\uFEFF') {
            i = 1;
        }
        for (int index = 0; i < n; index++) {
            boolean inClass = i < classEnd;
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
                            unit(closure, ".*", inClass);
                        }
                    } else {
                        re.append("(.*/)?");
                        kind = Kind.EXPRESSION;
                        if (closure != null) {
                            if (inClass) {
                                closure.fail();
                            } else {
                                closure.anyDirectories();
                            }
                        }
                    }
                    if (index == 0) {
                        kind = Kind.SUFFIX;
                    }
                } else {
                    re.append("[^/]*");
                    kind = Kind.EXPRESSION;
                    unit(closure, "[^/]*", inClass);
                }
            } else if (c == '?') {
                re.append("[^/]");
                kind = Kind.EXPRESSION;
                unit(closure, "[^/]", inClass);
            } else if (c == '.' || c == '+' || c == '(' || c == ')' || c == '$') {
                // moby means to escape ".+()|{}$" but its lookup table only works below code 64, so
                // '|', '{' and '}' reach the expression unescaped (alternation, counted repetition)
                re.append('\\').append((char) c);
                unit(closure, "\\" + (char) c, inClass);
            } else if (c == '\\') {
                if (i < n) {
                    int escaped = p.codePointAt(i);
                    i += Character.charCount(escaped);
                    re.append('\\').appendCodePoint(escaped);
                    kind = Kind.EXPRESSION;
                    // RE2 reads a backslash before ASCII punctuation as that character; anything
                    // else (\d, \b, \Q, \x41, ...) is beyond what the closure follows
                    if (escaped < 0x80 && !Character.isLetterOrDigit(escaped)) {
                        unit(closure, "\\" + (char) escaped, inClass);
                    } else if (closure != null) {
                        closure.fail();
                    }
                } else {
                    re.append('\\');
                    if (closure != null) {
                        closure.fail();
                    }
                }
            } else if (c == '[' || c == ']') {
                re.append((char) c);
                kind = Kind.EXPRESSION;
                if (closure != null && !inClass) {
                    if (c == ']') {
                        closure.unit("]");
                    } else {
                        classEnd = PrefixClosure.plainClassEnd(p, i);
                        if (classEnd < 0) {
                            closure.fail();
                        } else {
                            closure.unit(p.substring(i - 1, classEnd));
                        }
                    }
                }
            } else {
                re.appendCodePoint(c);
                if (closure != null && !inClass) {
                    if (c == '|' || c == '{' || c == '}') {
                        closure.fail();
                    } else {
                        closure.unit(c == '^' ? "^" : new String(Character.toChars(c)));
                    }
                }
            }
        }
        switch (kind) {
            case LITERAL:
                return new IgnorePattern(p, exception, kind, p, false, null, null, null);
            case PREFIX:
                return new IgnorePattern(p, exception, kind, p.substring(0, p.length() - 2), false, null, null,
                        null);
            case SUFFIX: {
                boolean marked = p.charAt(0) == '\uFEFF';
                return new IgnorePattern(p, exception, kind, p.substring(marked ? 1 : 2), marked, null, null,
                        null);
            }
            default: {
                String body = re.toString();
                re.append('$');
                String expr = forRe2j(re.toString());
                Pattern regex;
                try {
                    regex = expr == null ? null : Pattern.compile(expr);
                } catch (PatternSyntaxException e) {
                    IgnoreFileException ex = new IgnoreFileException("syntax error in pattern", raw);
                    ex.initCause(e);
                    throw ex;
                }
                if (regex == null || regex.programSize() > GO_MAX_PROGRAM) {
                    throw new IgnoreFileException("syntax error in pattern", raw);
                }
                return new IgnorePattern(p, exception, kind, null, false, regex,
                        closure == null ? null : closure.compile(), orAncestor(body));
            }
        }
    }

    /**
     * Adapts moby's expression to the three places where RE2/J 1.8 reads RE2 syntax differently from
     * Go's regexp package:
     * <ul>
     *   <li>a backslash before a non-ASCII character: Go refuses it ("invalid escape sequence"),
     *       RE2/J takes it as the character; {@code null} is returned, i.e. the pattern is refused;
     *   <li>a literal '{' followed by a counted repetition (<code>{{2}</code>): Go repeats the '{',
     *       RE2/J calls it a nested repetition; the '{' is written <code>\{</code>;
     *   <li><code>[:]</code> inside a bracket expression: RE2/J looks for the closing <code>:]</code>
     *       of a POSIX class from the '[' and so refuses a class named <code>[:]</code>, while Go
     *       looks after the <code>[:</code> and, finding none, takes '[' as a character; that '['
     *       is written <code>\[</code>.
     * </ul>
     * The rewritten characters mean the same to Go. Text inside {@code \Q...\E} is left alone, as
     * both parsers take it literally. Every backslash in moby's expression starts a two-character
     * escape, so a pairwise scan finds the escapes.
     */
    private static String forRe2j(String re) {
        int n = re.length();
        StringBuilder out = new StringBuilder(n + 8);
        int i = 0;
        while (i < n) {
            char c = re.charAt(i);
            if (c == '\\' && i + 1 < n) {
                if (re.charAt(i + 1) >= 0x80) {
                    return null;
                }
                int end = i + 2;
                if (re.charAt(i + 1) == 'Q') {
                    // literal text up to the next \E (or the end), found as Go's parser finds it
                    int e = re.indexOf("\\E", end);
                    end = e < 0 ? n : e + 2;
                }
                out.append(re, i, end);
                i = end;
            } else if (c == '[') {
                i = copyClass(re, i, out);
                if (i < 0) {
                    return null;
                }
            } else {
                out.append(c == '{' && i + 1 < n && re.charAt(i + 1) == '{' ? "\\{" : String.valueOf(c));
                i++;
            }
        }
        return out.toString();
    }

    /**
     * At the '[' that opens a bracket expression: copies it, read item by item as Go's parser reads
     * it, and returns the index after it (-1 if Go refuses an escape in it).
     */
    private static int copyClass(String re, int i, StringBuilder out) {
        int n = re.length();
        out.append('[');
        i++;
        if (i < n && re.charAt(i) == '^') {
            out.append('^');
            i++;
        }
        boolean first = true; // a ']' there is a character
        while (i < n && (re.charAt(i) != ']' || first)) {
            first = false;
            if (i + 2 < n && re.startsWith("[:", i)) {
                int close = re.indexOf(":]", i + 2);
                if (close >= 0) {
                    out.append(re, i, close + 2); // a POSIX class (or, for both parsers, an error)
                    i = close + 2;
                    continue;
                }
                if (re.charAt(i + 2) == ']') {
                    out.append('\\'); // "[:]" with no ":]" after it: '[' is a character
                }
            }
            boolean classEscape = re.charAt(i) == '\\' && i + 1 < n && "dDsSwWpP".indexOf(re.charAt(i + 1)) >= 0;
            i = copyClassChar(re, i, out);
            if (i < 0) {
                return -1;
            }
            if (!classEscape && i + 1 < n && re.charAt(i) == '-' && re.charAt(i + 1) != ']') {
                out.append('-');
                i = copyClassChar(re, i + 1, out);
                if (i < 0) {
                    return -1;
                }
            }
        }
        if (i < n) {
            out.append(']');
            i++;
        }
        return i;
    }

    /** Copies one character of a bracket expression, or one escape; -1 if Go refuses the escape. */
    private static int copyClassChar(String re, int i, StringBuilder out) {
        int n = re.length();
        int end;
        if (re.charAt(i) != '\\' || i + 1 == n) {
            end = i + Character.charCount(re.codePointAt(i));
        } else {
            char e = re.charAt(i + 1);
            if (e >= 0x80) {
                return -1;
            }
            end = i + 2;
            if ((e == 'x' || e == 'p' || e == 'P') && end < n && re.charAt(end) == '{') {
                int close = re.indexOf('}', end);
                end = close < 0 ? n : close + 1;
            } else if (e == 'x') {
                end = Math.min(n, end + 2);
            } else if ((e == 'p' || e == 'P') && end < n) {
                end += Character.charCount(re.codePointAt(end));
            } else if (e >= '0' && e <= '7') {
                while (end < n && end < i + 4 && re.charAt(end) >= '0' && re.charAt(end) <= '7') {
                    end++;
                }
            }
        }
        out.append(re, i, end);
        return end;
    }

    /**
     * Builds {@link #regexOrAncestor} from moby's expression without its final {@code $}. The final
     * {@code $} ends the last top-level alternative only, and the other alternatives, not anchored at
     * the end, match a prefix of a path only if they match the path; so widening that {@code $} to
     * {@code (?:/|$)} matches a path exactly when the expression matches the path or a prefix of it
     * that ends before a '/'. The two differ only for {@code \z} (the end of a prefix is not the end
     * of the path) and when an unterminated {@code \Q} makes the final {@code $} a literal character.
     */
    private static Pattern orAncestor(String body) {
        int n = body.length();
        for (int i = 0; i < n; i++) {
            if (body.charAt(i) != '\\' || i + 1 >= n) {
                continue;
            }
            char next = body.charAt(++i);
            if (next == 'z') {
                return null;
            }
            if (next == 'Q') {
                int end = body.indexOf("\\E", i + 1);
                if (end < 0) {
                    return null;
                }
                i = end + 1;
            }
        }
        String expr = forRe2j(body + "(?:/|$)");
        try {
            return expr == null ? null : Pattern.compile(expr);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    /** Whether {@code cuts} are exactly the offsets of the '/' characters in {@code path}. */
    private static boolean cutsAreSlashes(String path, int[] cuts) {
        int k = 0;
        for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
            if (k == cuts.length || cuts[k] != i) {
                return false;
            }
            k++;
        }
        return k == cuts.length;
    }

    /** Adds a piece of the expression to the closure, unless it lies inside a bracket expression. */
    private static void unit(PrefixClosure closure, String piece, boolean inClass) {
        if (closure != null && !inClass) {
            closure.unit(piece);
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
                return regex.matcher(path).find();
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
            default: {
                if (regexOrAncestor != null && cutsAreSlashes(path, cuts)) {
                    return regexOrAncestor.matcher(path).find();
                }
                Matcher m = regex.matcher(path);
                if (m.find()) {
                    return true;
                }
                for (int cut : cuts) {
                    if (m.reset(path.subSequence(0, cut)).find()) {
                        return true;
                    }
                }
                return false;
            }
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
                return prefixes == null || prefixes.matcher(prefix).matches();
        }
    }

    /**
     * Builds, beside moby's expression, one that matches exactly the prefixes of the strings moby's
     * expression matches, to answer {@link #mayMatchBelow}. moby's expression is a sequence of
     * pieces {@code u1 u2 ... uk} (a character, a bracket expression, {@code [^/]*}, <code>(.*&#47;)?</code>,
     * ...); its prefixes are matched by {@code (?:u1(?:u2(?:...)?)?)?}, where each piece that matches
     * at most one character, or any run of characters of one class, stands for its own prefixes, and
     * <code>(.*&#47;)?</code> becomes <code>(?:.*|(?:.*&#47;)?...)</code>. Pieces whose reading by
     * RE2 would need more care ({@code |}, counted repetition, backslash classes and assertions,
     * POSIX classes and wildcards inside brackets) give up: the pattern is then assumed to possibly
     * match below any directory.
     */
    private static final class PrefixClosure {
        /** Deeper nesting is not worth compiling: such a pattern is treated as matching anywhere. */
        private static final int MAX_PIECES = 256;

        private final StringBuilder open = new StringBuilder("^");
        private final List<String> close = new ArrayList<>();
        private boolean failed;

        void unit(String piece) {
            open.append("(?:").append(piece);
            close.add(")?");
        }

        void anyDirectories() {
            open.append("(?:.*|(?:.*/)?");
            close.add(")");
        }

        void fail() {
            failed = true;
        }

        Pattern compile() {
            if (failed || close.size() > MAX_PIECES) {
                return null;
            }
            StringBuilder re = new StringBuilder(open);
            for (int k = close.size() - 1; k >= 0; k--) {
                re.append(close.get(k));
            }
            try {
                return Pattern.compile(re.append('$').toString());
            } catch (PatternSyntaxException e) {
                return null;
            }
        }

        /**
         * For a bracket expression whose '[' ends just before {@code from}: the index after its
         * closing ']' when the glob and RE2 see the same bracket expression, which moby copies
         * unchanged (only plain characters, '-' and a leading '^'), else -1.
         */
        static int plainClassEnd(String p, int from) {
            int i = from;
            if (i < p.length() && p.charAt(i) == '^') {
                i++;
            }
            int first = i;
            for (; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c == ']' && i > first) {
                    return i + 1;
                }
                if ("[]\\*?.+()$".indexOf(c) >= 0) {
                    return -1;
                }
            }
            return -1;
        }
    }
}
