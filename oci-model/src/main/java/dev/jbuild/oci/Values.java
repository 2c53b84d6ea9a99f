package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Normalisation shared by the records, so that a value read back from JSON equals the value written: Go's
 * {@code omitempty} makes "" and null, and [] and null, the same thing on the wire, so the records hold one form.
 */
final class Values {
    private Values() {}

    /**
     * Go's order for map keys: byte order of the UTF-8 encoding, which is Unicode code point order. Java's
     * {@code String.compareTo} differs from it only for keys mixing supplementary and U+E000..U+FFFF characters.
     */
    static final Comparator<String> GO_ORDER = Values::compareCodePoints;

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : List.copyOf(l);
    }

    static SortedMap<String, String> map(Map<String, String> m) {
        TreeMap<String, String> t = new TreeMap<>(GO_ORDER);
        if (m != null) {
            m.forEach((k, v) -> t.put(Objects.requireNonNull(k, "null key"),
                    Objects.requireNonNull(v, () -> "null value for " + k)));
        }
        return Collections.unmodifiableSortedMap(t);
    }

    static SortedSet<String> set(Collection<String> s) {
        TreeSet<String> t = new TreeSet<>(GO_ORDER);
        if (s != null) {
            s.forEach(e -> t.add(Objects.requireNonNull(e, "null element")));
        }
        return Collections.unmodifiableSortedSet(t);
    }

    /** Deep copies (JsonNode is mutable) and checks that no unknown field shadows a known one. */
    static SortedMap<String, JsonNode> unknown(Map<String, JsonNode> m, Set<String> known, String where) {
        TreeMap<String, JsonNode> t = new TreeMap<>(GO_ORDER);
        if (m != null) {
            m.forEach((k, v) -> {
                for (String name : known) {
                    if (name.equalsIgnoreCase(k)) {
                        throw new IllegalArgumentException(
                                "unknown field \"" + k + "\" of " + where + " is a known field (" + name + ")");
                    }
                }
                t.put(k, v == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : v.deepCopy());
            });
        }
        return Collections.unmodifiableSortedMap(t);
    }

    /** A copy the caller may mutate without changing the record. */
    static SortedMap<String, JsonNode> copyOf(Map<String, JsonNode> m) {
        TreeMap<String, JsonNode> t = new TreeMap<>(GO_ORDER);
        m.forEach((k, v) -> t.put(k, v.deepCopy()));
        return Collections.unmodifiableSortedMap(t);
    }
}
