package dev.jbuild.dockerfile.shell;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * The glob patterns of {@code ${V#p}}, {@code ${V%p}} and {@code ${V/p/r}}, handled as BuildKit's
 * {@code convertShellPatternToRegex} handles them: the pattern becomes a Go regular expression
 * ({@code *} is {@code .*}, or {@code .*?} for the shortest match; {@code ?} is {@code .}; regex
 * metacharacters are escaped) and Go's leftmost-first match decides. The expression is run by
 * RE2/J, a port of Go's {@code regexp} package: same syntax, same match spans, linear time. As in
 * Go, {@code .} does not match {@code \n}, so neither wildcard does.
 *
 * <p>Instances are immutable.
 */
final class GlobPattern {

    private final Pattern regex;

    private GlobPattern(Pattern regex) {
        this.regex = regex;
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

    /** An unanchored pattern, as {@code ${V/p/r}} uses it. */
    static GlobPattern compile(String pattern, boolean greedy) throws SyntaxException {
        return new GlobPattern(compileRegex(pattern, greedy, false));
    }

    /**
     * BuildKit's {@code convertShellPatternToRegex}: {@code \*}, {@code \?} and {@code \\} stay
     * escaped (literals), a backslash before {@code '}'} or {@code /} is dropped, any other escape
     * is an error. A leading U+FEFF is skipped because Go's text scanner, which BuildKit reads the
     * pattern with, discards an initial byte-order mark.
     */
    static String toRegex(String pattern, boolean greedy, boolean anchored) throws SyntaxException {
        int n = pattern.length();
        StringBuilder out = new StringBuilder(n + 4);
        if (anchored) {
            out.append('^');
        }
        String star = greedy ? ".*" : ".*?";
        int i = n > 0 && pattern.charAt(0) == '\uFEFF' ? 1 : 0;
        while (i < n) {
            int c = pattern.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '*':
                    out.append(star);
                    continue;
                case '?':
                    out.append('.');
                    continue;
                case '\\': {
                    if (i < n && (pattern.charAt(i) == '}' || pattern.charAt(i) == '/')) {
                        continue;
                    }
                    out.append('\\');
                    int e = i < n ? pattern.codePointAt(i) : -1;
                    if (e >= 0) {
                        i += Character.charCount(e);
                    }
                    if (e != '*' && e != '?' && e != '\\') {
                        throw new SyntaxException(pattern, "invalid escape '\\" + Runes.runeString(e) + "'");
                    }
                    c = e;
                    break;
                }
                case '[': case ']': case '{': case '}': case '.': case '+': case '(': case ')': case '|':
                case '^': case '$':
                    out.append('\\');
                    break;
                default:
                    break;
            }
            out.appendCodePoint(c);
        }
        return out.toString();
    }

    private static Pattern compileRegex(String pattern, boolean greedy, boolean anchored) throws SyntaxException {
        String expr = toRegex(pattern, greedy, anchored);
        try {
            return Pattern.compile(expr);
        } catch (PatternSyntaxException e) {
            // Not expected: every metacharacter is escaped. Reported the way BuildKit would.
            throw new SyntaxException(pattern, e.getMessage());
        }
    }

    /** {@code ${V#p}} / {@code ${V##p}}: drop the prefix the anchored pattern matches. */
    static String trimPrefix(String pattern, String value, boolean greedy) throws SyntaxException {
        Matcher m = compileRegex(pattern, greedy, true).matcher(value);
        return m.find() ? value.substring(m.end()) : value;
    }

    /**
     * {@code ${V%p}} / {@code ${V%%p}}. BuildKit reverses both pattern and value and trims a
     * prefix, so "shortest" means the lazy-star match of the reversed pattern; doing the same
     * keeps results (and error texts, which show the reversed pattern) identical.
     */
    static String trimSuffix(String pattern, String value, boolean greedy) throws SyntaxException {
        String reversed = new StringBuilder(value).reverse().toString(); // keeps surrogate pairs intact
        Matcher m = compileRegex(reversePattern(pattern), greedy, true).matcher(reversed);
        return m.find() ? value.substring(0, value.length() - m.end()) : value;
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

    /** {@code ${V/p/r}}: the first match (Go's {@code FindStringIndex}) replaced by {@code replacement} taken literally. */
    String replaceFirst(String value, String replacement) {
        Matcher m = regex.matcher(value);
        if (!m.find()) {
            return value;
        }
        return value.substring(0, m.start()) + replacement + value.substring(m.end());
    }

    /**
     * {@code ${V//p/r}} with the semantics of Go's {@code Regexp.ReplaceAllString}: an empty
     * match right after a previous match is not replaced, and the replacement is expanded as Go's
     * {@code Regexp.Expand} does ({@code $0}/{@code ${0}} is the match, {@code $$} a dollar, any other
     * {@code $name} nothing). RE2/J finds the matches; its own replacement syntax is Java's, not
     * Go's, so the loop and the expansion are Go's, written out here.
     */
    String replaceAll(String value, String template) {
        int n = value.length();
        boolean expand = template.indexOf('$') >= 0;
        Matcher m = regex.matcher(value);
        StringBuilder out = null;
        int lastEnd = 0;
        int searchPos = 0;
        while (searchPos <= n && m.find(searchPos)) {
            int a = m.start();
            int b = m.end();
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
}
