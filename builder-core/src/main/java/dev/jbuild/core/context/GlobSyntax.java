package dev.jbuild.core.context;

/**
 * Syntax check equivalent to the error result of Go's {@code filepath.Match(pattern, ".")} on Linux,
 * which moby's pattern matcher uses to reject malformed patterns up front.
 *
 * <p>Grammar enforced: {@code *} and {@code ?} are free; {@code \} must be followed by a character;
 * {@code [} opens a class with an optional leading {@code ^}, at least one item, and a closing
 * {@code ]}; a class item is a character or {@code \}-escaped character, optionally followed by
 * {@code -} and another one; an unescaped {@code -} or {@code ]} cannot start an item, and an item
 * must not end the pattern. A reversed range such as {@code [z-a]} passes this check (Go accepts it
 * here; it is the regular-expression stage that refuses it).
 */
final class GlobSyntax {
    private GlobSyntax() {}

    /** Returns {@code true} when Go's matcher would accept the pattern's syntax. */
    static boolean isValid(String p) {
        int n = p.length();
        int i = 0;
        while (i < n) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (i + 1 >= n) {
                    return false;
                }
                i = skipCodePoint(p, i + 1);
            } else if (c == '[') {
                i++;
                if (i < n && p.charAt(i) == '^') {
                    i++;
                }
                int items = 0;
                while (true) {
                    if (i < n && p.charAt(i) == ']' && items > 0) {
                        i++;
                        break;
                    }
                    i = classChar(p, i);
                    if (i < 0) {
                        return false;
                    }
                    if (p.charAt(i) == '-') {
                        i = classChar(p, i + 1);
                        if (i < 0) {
                            return false;
                        }
                    }
                    items++;
                }
            } else {
                i = skipCodePoint(p, i);
            }
        }
        return true;
    }

    /**
     * Consumes one class character starting at {@code i}; returns the index after it, or -1 when the
     * class is malformed there. A successful return always leaves at least one character unread.
     */
    private static int classChar(String p, int i) {
        int n = p.length();
        if (i >= n) {
            return -1;
        }
        char c = p.charAt(i);
        if (c == '-' || c == ']') {
            return -1;
        }
        if (c == '\\') {
            i++;
            if (i >= n) {
                return -1;
            }
        }
        i = skipCodePoint(p, i);
        return i >= n ? -1 : i;
    }

    private static int skipCodePoint(String p, int i) {
        return i + Character.charCount(p.codePointAt(i));
    }
}
