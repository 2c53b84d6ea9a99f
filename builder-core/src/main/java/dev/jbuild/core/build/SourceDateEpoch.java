package dev.jbuild.core.build;

import java.time.Instant;
import java.util.Map;

/** SOURCE_DATE_EPOCH as BuildKit takes it: the build arg, else the environment variable. */
public final class SourceDateEpoch {
    private SourceDateEpoch() {}

    /** The time, or null when unset; IllegalArgumentException when it is not a number of seconds. */
    public static Instant of(Map<String, String> buildArgs) {
        String v = buildArgs.get("SOURCE_DATE_EPOCH");
        if (v == null) {
            v = System.getenv("SOURCE_DATE_EPOCH");
        }
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return Instant.ofEpochSecond(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SOURCE_DATE_EPOCH must be a number of seconds, not \"" + v + "\"");
        }
    }
}
