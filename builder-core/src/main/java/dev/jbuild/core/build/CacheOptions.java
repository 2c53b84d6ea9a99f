package dev.jbuild.core.build;

import java.util.Set;

/**
 * How the build cache is used.
 *
 * @param noCache       {@code --no-cache}: run every step (results are still recorded)
 * @param noCacheStages {@code --no-cache-filter}: run every step of these stages (names or indexes)
 * @param explain       {@code --explain}: for each step that runs, say which input changed
 */
public record CacheOptions(boolean noCache, Set<String> noCacheStages, boolean explain) {
    public static final CacheOptions DEFAULT = new CacheOptions(false, Set.of(), false);

    public CacheOptions {
        noCacheStages = Set.copyOf(noCacheStages);
    }
}
