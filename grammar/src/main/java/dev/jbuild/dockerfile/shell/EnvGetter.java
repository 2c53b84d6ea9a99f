package dev.jbuild.dockerfile.shell;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Variable lookup used during expansion; distinguishes unset ({@code null}) from set-but-empty. */
public interface EnvGetter {

    /** Returns the value of {@code name}, or {@code null} when it is unset. */
    String get(String name);

    /** Names of the variables this getter defines. */
    Set<String> keys();

    /**
     * Live, read-only view over {@code m}. Keys iterate in the map's own order, so pass a
     * {@link java.util.LinkedHashMap} to keep insertion order. A key mapped to {@code null}
     * counts as unset.
     */
    static EnvGetter of(Map<String, String> m) {
        Objects.requireNonNull(m, "m");
        Set<String> keys = Collections.unmodifiableSet(m.keySet());
        return new EnvGetter() {
            @Override
            public String get(String name) {
                return m.get(name);
            }

            @Override
            public Set<String> keys() {
                return keys;
            }
        };
    }

    /** A getter in which every variable is unset. */
    static EnvGetter empty() {
        return EmptyEnv.INSTANCE;
    }
}

/** Holder so {@link EnvGetter#empty()} returns one shared instance. */
enum EmptyEnv implements EnvGetter {
    INSTANCE;

    @Override
    public String get(String name) {
        return null;
    }

    @Override
    public Set<String> keys() {
        return Set.of();
    }
}
