package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbuild.oci.History;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Platform;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BuildKit's rules for the times of history entries without one (its image exporter's), case by case. */
class HistoryTimesTest {
    private static final String NOW = "2026-11-23T00:00:00Z";

    /** Fills entries timed as given (null: a metadata entry, untimed) and answers their times, then the image's. */
    private static List<String> fill(String... times) {
        List<History> h = new ArrayList<>();
        for (String t : times) {
            h.add(new History(t, "step", null, null, t == null));
        }
        ImageConfig c = HistoryTimes.fill(ImageConfig.forPlatform(Platform.parse("linux/amd64")).withHistory(h), NOW);
        List<String> out = new ArrayList<>(c.history().stream().map(History::created).toList());
        out.add(c.created());
        return out;
    }

    @Test
    void metadataBeforeTheFirstNewLayerHasThatLayersTime() {
        assertEquals(Arrays.asList("t0", "t1", "t5", "t5", "t5", "t5"), fill("t0", "t1", null, "t5", null));
    }

    @Test
    void metadataAfterALayerHasTheLatestLayersTime() {
        assertEquals(Arrays.asList("t0", "t5", "t5", "t5"), fill("t0", "t5", null));
    }

    @Test
    void theFirstUntimedEntryTakesTheFirstLayerAfterIt() {
        // BuildKit's rule, odd as it is: the first CMD has the time of the layer after it
        assertEquals(Arrays.asList("t0", "t5", "t7", "t7", "t7", "t7"), fill("t0", "t5", null, "t7", null));
    }

    @Test
    void onlyMetadataOnABaseHasTheBasesLastTime() {
        assertEquals(Arrays.asList("t0", "t1", "t1", "t1", "t1"), fill("t0", "t1", null, null));
    }

    @Test
    void nothingTimedAtAllHasNow() {
        assertEquals(Arrays.asList(NOW, NOW, NOW), fill(null, null));
        assertEquals(List.of(NOW), fill());
    }
}
