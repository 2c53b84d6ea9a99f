package dev.jbuild.oci;

import java.io.ByteArrayOutputStream;

/**
 * Makes Jackson's JSON bytes escape strings exactly as Go's {@code encoding/json.Marshal} does (Go 1.22 and
 * later), so that the JSON jbuild writes has the same bytes, and so the same digest, as a Go tool writing the
 * same content. Jackson, configured in {@link OciJson}, already writes {@code " \ \b \f \n \r \t} short, other
 * C0 controls as &#92;u00XX in lower-case hex, and everything else (DEL, all non-ASCII, supplementary
 * characters) as raw UTF-8, as Go does. What Go adds is its HTML-safe escaping: {@code <}, {@code >}, {@code &}
 * as &#92;u003c, &#92;u003e, &#92;u0026 and U+2028/U+2029 as &#92;u2028/&#92;u2029. This pass adds it, as
 * Go's {@code json.HTMLEscape} does: those bytes can occur in JSON only inside strings, so replacing them
 * anywhere is safe.
 */
final class GoEscaping {
    private GoEscaping() {}

    static byte[] htmlEscape(byte[] json) {
        int i = 0;
        while (i < json.length && !needsEscape(json, i)) {
            i++;
        }
        if (i == json.length) {
            return json;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 32);
        out.write(json, 0, i);
        for (; i < json.length; i++) {
            byte b = json[i];
            if (b == '<' || b == '>' || b == '&') {
                writeEscape(out, b & 0xff);
            } else if (isLineOrParagraphSeparator(json, i)) {
                writeEscape(out, (json[i + 2] & 0xff) == 0xa8 ? 0x2028 : 0x2029);
                i += 2;
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    private static boolean needsEscape(byte[] json, int i) {
        byte b = json[i];
        return b == '<' || b == '>' || b == '&' || isLineOrParagraphSeparator(json, i);
    }

    /** U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8. */
    private static boolean isLineOrParagraphSeparator(byte[] json, int i) {
        return (json[i] & 0xff) == 0xe2 && i + 2 < json.length && (json[i + 1] & 0xff) == 0x80
                && ((json[i + 2] & 0xff) == 0xa8 || (json[i + 2] & 0xff) == 0xa9);
    }

    private static void writeEscape(ByteArrayOutputStream out, int c) {
        String hex = "0123456789abcdef";
        out.write('\\');
        out.write('u');
        out.write(hex.charAt((c >> 12) & 0xf));
        out.write(hex.charAt((c >> 8) & 0xf));
        out.write(hex.charAt((c >> 4) & 0xf));
        out.write(hex.charAt(c & 0xf));
    }
}
