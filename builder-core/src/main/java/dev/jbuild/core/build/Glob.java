package dev.jbuild.core.build;

/**
 * Go's {@code path.Match} for one path segment, which BuildKit uses for COPY/ADD source wildcards:
 * {@code *} and {@code ?} never match '/', {@code [...]} classes with ranges and {@code ^}
 * negation, {@code \} escapes.
 */
final class Glob {
    private Glob() {}

    static boolean hasMeta(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} matches {@code pattern}; IllegalArgumentException for a malformed pattern. */
    static boolean matches(String pattern, String name) {
        return match(pattern, 0, name, 0);
    }

    private static boolean match(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                while (pi < p.length() && p.charAt(pi) == '*') {
                    pi++;
                }
                if (pi == p.length()) {
                    return s.indexOf('/', si) < 0;
                }
                for (int k = si; k <= s.length(); k++) {
                    if (match(p, pi, s, k)) {
                        return true;
                    }
                    if (k < s.length() && s.charAt(k) == '/') {
                        return false;
                    }
                }
                return false;
            }
            if (si >= s.length()) {
                validateRest(p, pi);
                return false;
            }
            char sc = s.charAt(si);
            if (c == '?') {
                if (sc == '/') {
                    return false;
                }
                pi++;
                si++;
            } else if (c == '[') {
                int end = classEnd(p, pi);
                if (sc == '/' || !classMatches(p, pi + 1, end, sc)) {
                    return false;
                }
                pi = end + 1;
                si++;
            } else if (c == '\\') {
                if (pi + 1 >= p.length()) {
                    throw new IllegalArgumentException("syntax error in pattern");
                }
                if (p.charAt(pi + 1) != sc) {
                    return false;
                }
                pi += 2;
                si++;
            } else {
                if (c != sc) {
                    return false;
                }
                pi++;
                si++;
            }
        }
        return si == s.length();
    }

    private static void validateRest(String p, int pi) {
        for (int i = pi; i < p.length(); i++) {
            if (p.charAt(i) == '[') {
                i = classEnd(p, i);
            } else if (p.charAt(i) == '\\' && ++i >= p.length()) {
                throw new IllegalArgumentException("syntax error in pattern");
            }
        }
    }

    private static int classEnd(String p, int open) {
        int i = open + 1;
        if (i < p.length() && p.charAt(i) == '^') {
            i++;
        }
        boolean first = true;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == ']' && !first) {
                return i;
            }
            if (c == '\\') {
                i++;
            }
            first = false;
            i++;
        }
        throw new IllegalArgumentException("syntax error in pattern");
    }

    private static boolean classMatches(String p, int from, int end, char c) {
        boolean negate = from < end && p.charAt(from) == '^';
        int i = negate ? from + 1 : from;
        boolean matched = false;
        while (i < end) {
            char lo = p.charAt(i);
            if (lo == '\\') {
                lo = p.charAt(++i);
            }
            i++;
            char hi = lo;
            if (i + 1 < end && p.charAt(i) == '-') {
                hi = p.charAt(i + 1);
                if (hi == '\\') {
                    hi = p.charAt(i + 2);
                    i++;
                }
                i += 2;
                if (hi < lo) {
                    throw new IllegalArgumentException("syntax error in pattern");
                }
            }
            if (lo <= c && c <= hi) {
                matched = true;
            }
        }
        return matched != negate;
    }
}
