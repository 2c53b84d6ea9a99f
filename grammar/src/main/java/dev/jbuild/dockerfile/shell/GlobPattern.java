package dev.jbuild.dockerfile.shell;

import java.util.Arrays;

/**
 * The glob patterns of {@code ${V#p}}, {@code ${V%p}} and {@code ${V/p/r}}.
 *
 * <p>BuildKit turns a pattern into a Go regular expression ({@code *} to {@code .*} or
 * {@code .*?}, {@code ?} to {@code .}) and takes Go's leftmost-first match. Rather than build a
 * {@link java.util.regex.Pattern} — whose backtracking goes exponential on inputs like
 * {@code *a*a*a*b} that Go handles in linear time — the pattern is compiled to a tiny program and
 * run on a Pike VM that ranks threads the way a backtracker would. That gives Go's exact match
 * spans in O(value length × pattern length) time. Like Go's {@code .}, neither wildcard matches
 * {@code \n}.
 *
 * <p>Instances hold scratch state, so each belongs to a single expansion.
 */
final class GlobPattern {

    private static final byte LIT = 0;
    private static final byte ANY = 1;
    private static final byte STAR = 2;
    private static final byte MATCH = 3;

    private final byte[] ops;
    private final int[] lits;
    private final boolean greedy;
    private Threads current;
    private Threads next;
    private int matchStart;
    private int matchEnd;

    private GlobPattern(byte[] ops, int[] lits, boolean greedy) {
        this.ops = ops;
        this.lits = lits;
        this.greedy = greedy;
    }

    /** Bad pattern; {@link #pattern} is the text as compiled (reversed for suffix trimming, as in BuildKit). */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;
        final String pattern;

        SyntaxException(String pattern, String message) {
            super(message, null, false, false);
            this.pattern = pattern;
        }
    }

    /**
     * Compiles with BuildKit's rules: {@code \*}, {@code \?} and {@code \\} are literals, a
     * backslash before {@code '}'} or {@code /} is dropped, any other escape is an error.
     * A leading U+FEFF is skipped because Go's text scanner, which BuildKit reads the pattern
     * with, discards an initial byte-order mark.
     */
    static GlobPattern compile(String pattern, boolean greedy) throws SyntaxException {
        int n = pattern.length();
        byte[] ops = new byte[n + 1];
        int[] lits = new int[n + 1];
        int size = 0;
        int i = n > 0 && pattern.charAt(0) == '\uFEFF' ? 1 : 0;
        while (i < n) {
            int c = pattern.codePointAt(i);
            i += Character.charCount(c);
            if (c == '*') {
                if (size == 0 || ops[size - 1] != STAR) { // adjacent stars match the same spans as one
                    ops[size++] = STAR;
                }
                continue;
            }
            if (c == '?') {
                ops[size++] = ANY;
                continue;
            }
            if (c == '\\') {
                if (i < n && (pattern.charAt(i) == '}' || pattern.charAt(i) == '/')) {
                    continue;
                }
                int e = i < n ? pattern.codePointAt(i) : -1;
                if (e >= 0) {
                    i += Character.charCount(e);
                }
                if (e != '*' && e != '?' && e != '\\') {
                    throw new SyntaxException(pattern, "invalid escape '\\" + Runes.runeString(e) + "'");
                }
                c = e;
            }
            ops[size] = LIT;
            lits[size++] = c;
        }
        ops[size++] = MATCH;
        return new GlobPattern(Arrays.copyOf(ops, size), Arrays.copyOf(lits, size), greedy);
    }

    /** {@code ${V#p}} / {@code ${V##p}}: drop the prefix the anchored pattern matches. */
    static String trimPrefix(String pattern, String value, boolean greedy) throws SyntaxException {
        GlobPattern g = compile(pattern, greedy);
        return g.search(value, 0, true) ? value.substring(g.matchEnd) : value;
    }

    /**
     * {@code ${V%p}} / {@code ${V%%p}}. BuildKit reverses both pattern and value and trims a
     * prefix, so "shortest" means the lazy-star match of the reversed pattern; doing the same
     * keeps results (and error texts, which show the reversed pattern) identical.
     */
    static String trimSuffix(String pattern, String value, boolean greedy) throws SyntaxException {
        GlobPattern g = compile(reversePattern(pattern), greedy);
        String reversed = new StringBuilder(value).reverse().toString(); // keeps surrogate pairs intact
        return g.search(reversed, 0, true) ? value.substring(0, value.length() - g.matchEnd) : value;
    }

    /** Reverses by code point but keeps each backslash in front of the character it escapes. */
    static String reversePattern(String pattern) {
        int[] in = pattern.codePoints().toArray();
        int last = in.length - 1;
        int[] out = new int[in.length];
        for (int i = 0; i <= last; ) {
            int o = last - i;
            if (in[i] == '\\' && i != last) {
                out[o - 1] = '\\';
                out[o] = in[i + 1];
                i += 2;
            } else {
                out[o] = in[i];
                i++;
            }
        }
        return new String(out, 0, out.length);
    }

    /** {@code ${V/p/r}}: first match replaced by {@code replacement} taken literally. */
    String replaceFirst(String value, String replacement) {
        if (!search(value, 0, false)) {
            return value;
        }
        return value.substring(0, matchStart) + replacement + value.substring(matchEnd);
    }

    /**
     * {@code ${V//p/r}} with the semantics of Go's {@code Regexp.ReplaceAllString}: an empty
     * match right after a previous match is not replaced, and {@code $0}/{@code ${0}}/{@code $$}
     * in the replacement are expanded (other {@code $name} references expand to nothing).
     */
    String replaceAll(String value, String template) {
        int n = value.length();
        boolean expand = template.indexOf('$') >= 0;
        StringBuilder out = null;
        int lastEnd = 0;
        int searchPos = 0;
        while (searchPos <= n && search(value, searchPos, false)) {
            int a = matchStart;
            int b = matchEnd;
            if (out == null) {
                out = new StringBuilder(n + template.length() + 16);
            }
            out.append(value, lastEnd, a);
            if (b > lastEnd || a == 0) {
                if (expand) {
                    expandTemplate(out, template, value, a, b);
                } else {
                    out.append(template);
                }
            }
            lastEnd = b;
            if (b > searchPos) {
                searchPos = b;
            } else {
                searchPos += searchPos < n ? Character.charCount(value.codePointAt(searchPos)) : 1;
            }
        }
        if (out == null) {
            return value;
        }
        return out.append(value, lastEnd, n).toString();
    }

    /** Go's {@code Regexp.expand} for a regexp whose only group is the whole match. */
    private static void expandTemplate(StringBuilder out, String t, String src, int a, int b) {
        int n = t.length();
        int i = 0;
        while (i < n) {
            int dollar = t.indexOf('$', i);
            if (dollar < 0) {
                break;
            }
            out.append(t, i, dollar);
            i = dollar + 1;
            if (i < n && t.charAt(i) == '$') {
                out.append('$');
                i++;
                continue;
            }
            int j = i;
            boolean brace = j < n && t.charAt(j) == '{';
            if (brace) {
                j++;
            }
            int nameStart = j;
            while (j < n) {
                int c = t.codePointAt(j);
                if (!Runes.isNameChar(c)) {
                    break;
                }
                j += Character.charCount(c);
            }
            if (j == nameStart || (brace && (j >= n || t.charAt(j) != '}'))) {
                out.append('$'); // malformed reference stays literal
                continue;
            }
            boolean zero = j - nameStart == 1 && t.charAt(nameStart) == '0';
            i = brace ? j + 1 : j;
            if (zero) {
                out.append(src, a, b);
            }
        }
        out.append(t, i, n);
    }

    /**
     * Finds the leftmost-first match starting at or after {@code from} (exactly at it when
     * anchored) and stores its span in matchStart/matchEnd.
     */
    private boolean search(String s, int from, boolean anchored) {
        if (current == null) {
            current = new Threads(ops.length);
            next = new Threads(ops.length);
        }
        Threads clist = current;
        Threads nlist = next;
        clist.clear();
        boolean matched = false;
        int n = s.length();
        int i = from;
        while (true) {
            if (!matched && (!anchored || i == from)) {
                if (!anchored && clist.size == 0 && ops[0] == LIT) {
                    int j = s.indexOf(lits[0], i); // no live thread: skip to where one can start
                    if (j < 0) {
                        break;
                    }
                    i = j;
                }
                add(clist, 0, i); // lowest priority: later starts lose to earlier ones
            }
            if (clist.size == 0) {
                break;
            }
            int c = i < n ? s.codePointAt(i) : -1;
            nlist.clear();
            for (int k = 0; k < clist.size; k++) {
                int pc = clist.pcs[k];
                int start = clist.starts[k];
                byte op = ops[pc];
                if (op == MATCH) {
                    matched = true;
                    matchStart = start;
                    matchEnd = i;
                    break; // threads ranked below a match can never win
                }
                if (op == LIT) {
                    if (c == lits[pc]) {
                        add(nlist, pc + 1, start);
                    }
                } else if (c >= 0 && c != '\n') {
                    add(nlist, op == STAR ? pc : pc + 1, start);
                }
            }
            if (c < 0) {
                break;
            }
            Threads t = clist;
            clist = nlist;
            nlist = t;
            i += Character.charCount(c);
        }
        return matched;
    }

    /** Adds a thread and its epsilon successors in backtracking priority order. */
    private void add(Threads list, int pc, int start) {
        if (!list.mark(pc)) {
            return;
        }
        if (ops[pc] != STAR) {
            list.append(pc, start);
            return;
        }
        // pc + 1 is never a STAR (runs are merged), so one level of closure suffices.
        if (greedy) {
            list.append(pc, start);
            if (list.mark(pc + 1)) {
                list.append(pc + 1, start);
            }
        } else {
            if (list.mark(pc + 1)) {
                list.append(pc + 1, start);
            }
            list.append(pc, start);
        }
    }

    /** An ordered thread list with O(1) membership via generation stamps. */
    private static final class Threads {
        final int[] pcs;
        final int[] starts;
        final int[] seen;
        int size;
        int stamp;

        Threads(int capacity) {
            pcs = new int[capacity];
            starts = new int[capacity];
            seen = new int[capacity];
        }

        void clear() {
            size = 0;
            if (++stamp == Integer.MAX_VALUE) {
                Arrays.fill(seen, 0);
                stamp = 1;
            }
        }

        boolean mark(int pc) {
            if (seen[pc] == stamp) {
                return false;
            }
            seen[pc] = stamp;
            return true;
        }

        void append(int pc, int start) {
            pcs[size] = pc;
            starts[size] = start;
            size++;
        }
    }
}
