package dev.jbuild.dockerfile.shell;

/**
 * Character classes and quoting as Go's {@code unicode} and {@code strconv} packages define them.
 * Java's own predicates differ at the edges (e.g. NBSP is a Go space but not a Java whitespace),
 * and those edges decide field splitting and error text.
 */
public final class Runes {

    private Runes() {
    }

    /** Go's unicode.IsSpace. */
    public static boolean isSpace(int c) {
        if (c <= 0xFF) {
            return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0;
        }
        return c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** Unicode category Nd (same definition as Go's unicode.IsDigit). */
    static boolean isDigit(int c) {
        return c <= 0xFF ? c >= '0' && c <= '9' : Character.isDigit(c);
    }

    /** Unicode category L (same definition as Go's unicode.IsLetter). */
    static boolean isLetter(int c) {
        return Character.isLetter(c);
    }

    static boolean isNameChar(int c) {
        return c == '_' || isLetter(c) || isDigit(c);
    }

    /** The text Go's {@code string(rune)} gives; EOF and other invalid runes become U+FFFD. */
    static String runeString(int c) {
        return c < 0 || !Character.isValidCodePoint(c) ? "\uFFFD" : new String(Character.toChars(c));
    }

    /** Go's {@code %q} for strings, so error messages match BuildKit byte for byte. */
    static String quote(String s) {
        return dev.jbuild.dockerfile.ast.GoQuote.quote(s);
    }
}
