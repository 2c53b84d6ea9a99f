package dev.jbuild.dockerfile.shell;

/**
 * Character classes and quoting as Go's {@code unicode} and {@code strconv} packages define them.
 * Java's own predicates differ at the edges (e.g. NBSP is a Go space but not a Java whitespace),
 * and those edges decide field splitting and error text.
 */
final class Runes {

    private Runes() {
    }

    static boolean isSpace(int c) {
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
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == '"' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (isPrint(c)) {
                b.appendCodePoint(c);
            } else {
                switch (c) {
                    case 0x07 -> b.append("\\a");
                    case '\b' -> b.append("\\b");
                    case '\f' -> b.append("\\f");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    case 0x0B -> b.append("\\v");
                    default -> {
                        if (c < ' ' || c == 0x7F) {
                            b.append("\\x").append(hex(c, 2));
                        } else if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                            b.append("\\ufffd"); // not encodable as UTF-8, so Go never sees it as a rune
                        } else if (c < 0x10000) {
                            b.append("\\u").append(hex(c, 4));
                        } else {
                            b.append("\\U").append(hex(c, 8));
                        }
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String hex(int c, int width) {
        String h = Integer.toHexString(c);
        return "0".repeat(Math.max(0, width - h.length())) + h;
    }

    /** Categories L, M, N, P, S plus ASCII space. */
    private static boolean isPrint(int c) {
        if (c < 0x7F) {
            return c >= ' ';
        }
        switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                    Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                    Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION,
                    Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                    Character.OTHER_SYMBOL:
                return true;
            default:
                return false;
        }
    }
}
