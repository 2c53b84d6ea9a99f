package dev.jbuild.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The order of layer paths: their UTF-8 bytes. A class of its own, not LayerWriter's: a no-op build looks paths up
 * in layer indexes in this order, and loading LayerWriter would load the tar writer with it.
 */
public final class PathOrder {
    private PathOrder() {}

    public static final Comparator<String> UTF8 = PathOrder::compare;

    /**
     * The order of the strings' UTF-8 bytes, without encoding them (a layer of 20,000 paths is sorted on
     * every write): away from surrogates, UTF-16 code unit order is code point order, which UTF-8 keeps.
     * Where a surrogate decides (a pair, or an unpaired one that encodes as '?'), the bytes are compared.
     */
    public static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (Character.isSurrogate(x) || Character.isSurrogate(y) || (i > 0 && Character.isSurrogate(a.charAt(i - 1)))) {
                    return bytewise(a, b);
                }
                return x < y ? -1 : 1;
            }
        }
        if (n > 0 && Character.isSurrogate(a.charAt(n - 1))) {
            return bytewise(a, b);
        }
        return Integer.compare(a.length(), b.length());
    }

    private static int bytewise(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
