package dev.jbuild.core.progress;

import java.time.Duration;
import java.util.List;

/**
 * The end of a successful build.
 *
 * @param manifestDigest the image manifest's digest
 * @param configDigest   the image config's digest (docker's image id)
 * @param tags           the references the image was tagged with
 * @param steps          how many steps the build ran or found in the cache
 * @param cached         how many of them came from the cache
 * @param elapsed        the build's wall time
 */
public record BuildSummary(String manifestDigest, String configDigest, List<String> tags, int steps, int cached,
        Duration elapsed) {
    public BuildSummary {
        tags = List.copyOf(tags);
    }

    public int ran() {
        return steps - cached;
    }
}
