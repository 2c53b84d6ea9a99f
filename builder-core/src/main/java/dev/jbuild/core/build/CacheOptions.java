package dev.jbuild.core.build;

import dev.jbuild.core.cache.CacheSpec;
import java.util.List;
import java.util.Set;

/**
 * How the build cache is used.
 *
 * @param noCache       {@code --no-cache}: run every step (results are still recorded)
 * @param noCacheStages {@code --no-cache-filter}: run every step of these stages (names or indexes)
 * @param explain       {@code --explain}: for each step that runs, say which input changed
 * @param from          {@code --cache-from}: caches to import (a registry, a directory, an image's inline cache)
 * @param to            {@code --cache-to}: where to export the cache of this build
 */
public record CacheOptions(boolean noCache, Set<String> noCacheStages, boolean explain, List<CacheSpec> from,
        List<CacheSpec> to) {
    public static final CacheOptions DEFAULT = new CacheOptions(false, Set.of(), false);

    public CacheOptions {
        noCacheStages = Set.copyOf(noCacheStages);
        from = from == null ? List.of() : List.copyOf(from);
        to = to == null ? List.of() : List.copyOf(to);
    }

    public CacheOptions(boolean noCache, Set<String> noCacheStages, boolean explain) {
        this(noCache, noCacheStages, explain, List.of(), List.of());
    }
}
