package dev.jbuild.core.context;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The few pieces of Go's standard library whose exact behaviour the ignore-file rules depend on:
 * lexical path cleaning ({@code path.Clean} / {@code filepath.Clean} on Linux), {@code filepath.Dir}
 * and {@code strings.TrimSpace}.
 */
final class GoPath {
    private GoPath() {}

    /**
     * Lexically normalises a slash-separated path: repeated slashes collapse, {@code .} segments go,
     * {@code x/..} pairs cancel, {@code ..} directly under the root is dropped, a trailing slash is
     * removed (except for the root itself) and an empty result becomes {@code "."}.
     */
    static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        Deque<String> kept = new ArrayDeque<>();
        int leadingUps = 0; // ".." segments that could not be cancelled (relative paths only)
        int n = path.length();
        int i = 0;
        while (i < n) {
            int end = path.indexOf('/', i);
            if (end < 0) {
                end = n;
            }
            String seg = path.substring(i, end);
            i = end + 1;
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (!kept.isEmpty()) {
                    kept.removeLast();
                } else if (!rooted) {
                    leadingUps++;
                }
                continue;
            }
            kept.addLast(seg);
        }
        StringBuilder sb = new StringBuilder(n);
        if (rooted) {
            sb.append('/');
        }
        boolean first = true;
        for (int k = 0; k < leadingUps; k++) {
            if (!first) {
                sb.append('/');
            }
            sb.append("..");
            first = false;
        }
        for (Iterator<String> it = kept.iterator(); it.hasNext(); ) {
            if (!first) {
                sb.append('/');
            }
            sb.append(it.next());
            first = false;
        }
        if (sb.length() == 0) {
            return ".";
        }
        return sb.toString();
    }

    /** Everything before the last slash, cleaned; {@code "."} when there is no slash. */
    static String dir(String path) {
        int slash = path.lastIndexOf('/');
        return clean(path.substring(0, slash + 1));
    }

    /** Whether Go's {@code unicode.IsSpace} holds for the code point. */
    static boolean isSpace(int c) {
        if (c <= 0xFF) {
            return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0;
        }
        return c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** Go's {@code strings.TrimSpace}: strips Unicode white space (Go's definition) at both ends. */
    static String trimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int c = s.codePointAt(start);
            if (!isSpace(c)) {
                break;
            }
            start += Character.charCount(c);
        }
        while (end > start) {
            int c = s.codePointBefore(end);
            if (!isSpace(c)) {
                break;
            }
            end -= Character.charCount(c);
        }
        return s.substring(start, end);
    }
}
