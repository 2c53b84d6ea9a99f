package dev.jbuild.core.instructions;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean …?" hints with BuildKit's rule: the closest option under edit distance 3. */
public final class Suggest {
    private Suggest() {}

    /** The closest option, or null when none is close enough or the value is an exact match. */
    public static String closest(String value, Collection<String> options, boolean caseSensitive) {
        String v = caseSensitive ? value : value.toLowerCase(Locale.ROOT);
        String match = null;
        int best = 3;
        for (String option : options.stream().sorted().toList()) {
            String o = caseSensitive ? option : option.toLowerCase(Locale.ROOT);
            if (v.equals(o)) {
                return null;
            }
            int d = distance(v, o);
            if (d < best) {
                best = d;
                match = caseSensitive ? o : matchCase(o, value);
            }
        }
        return match;
    }

    /** The message with " (did you mean X?)" appended when there is a close option. */
    public static String wrap(String message, String value, Collection<String> options, boolean caseSensitive) {
        String match = closest(value, options, caseSensitive);
        return match == null ? message : message + " (did you mean " + match + "?)";
    }

    private static String matchCase(String option, String original) {
        if (original.equals(original.toLowerCase(Locale.ROOT))) {
            return option.toLowerCase(Locale.ROOT);
        }
        if (original.equals(original.toUpperCase(Locale.ROOT))) {
            return option.toUpperCase(Locale.ROOT);
        }
        return option;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
