package dev.jbuild.core.build;

import dev.jbuild.oci.History;
import dev.jbuild.oci.ImageConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The times of an image's history and of the image, as BuildKit's image exporter gives them: an entry with a layer
 * has the time the layer was made (for a cached layer, when it was first made), and an entry without one, which the
 * build leaves without a time, gets the time of the first layer made after the first such entry, or else of the
 * latest layer before it; the image's time is its last entry's. So a build whose steps all come from the cache
 * gives the image it gave before, with the same digest, where stamping everything "now" made a new image (and a new
 * config, manifest and tag write) at every no-op build.
 */
final class HistoryTimes {
    private HistoryTimes() {}

    /**
     * The config with every history entry timed and its own time set; {@code now} stands in where no entry has a
     * time at all (a FROM scratch image of metadata only, which BuildKit leaves without one).
     */
    static ImageConfig fill(ImageConfig config, String now) {
        List<History> history = config.history();
        // The time of the first timed entry after the first untimed one; if none follows, of the last timed one.
        String time = null;
        boolean untimedSeen = false;
        for (History h : history) {
            if (h.created() != null) {
                time = h.created();
                if (untimedSeen) {
                    break;
                }
            } else {
                untimedSeen = true;
            }
        }
        if (time == null) {
            time = now;
        }
        // Untimed entries take that time until a timed entry after them moves it on.
        List<History> out = new ArrayList<>(history.size());
        untimedSeen = false;
        for (History h : history) {
            if (h.created() != null) {
                if (untimedSeen) {
                    time = h.created();
                }
                out.add(h);
            } else {
                untimedSeen = true;
                out.add(new History(time, h.createdBy(), h.author(), h.comment(), h.emptyLayer()));
            }
        }
        String imageTime = out.isEmpty() ? now : out.get(out.size() - 1).created();
        return config.withHistory(out).withCreated(imageTime);
    }
}
