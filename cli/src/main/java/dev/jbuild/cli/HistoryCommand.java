package dev.jbuild.cli;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.History;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jbuild history IMAGE}: the config's history, newest first, as {@code docker history}
 * shows it. A step that made a layer shows the layer's (stored) size; an {@code empty_layer}
 * step shows 0B. The newest step shows the image id, earlier ones {@code <missing>}.
 */
final class HistoryCommand extends StoreCommand {
    private static final int CREATED_BY_WIDTH = 45;

    String ref;

    boolean noTrunc;

    boolean quiet;

    HistoryCommand() {
        super("history", "Show the history of an image.");
        Specs.addPositional(spec, Specs.parameter(String.class, () -> ref, v -> ref = v)
                .index("0")
                .paramLabel("IMAGE")
                .description("A name, image id or digest."));
        spec.addOption(Specs.option(boolean.class, () -> noTrunc, v -> noTrunc = v, "--no-trunc")
                .description("Do not truncate the output.").build());
        spec.addOption(Specs.option(boolean.class, () -> quiet, v -> quiet = v, "-q", "--quiet")
                .description("Only show image ids.").build());
    }

    @Override
    int run(Store store) throws IOException, LocalImages.NotFound {
        LocalImages.Image img = new LocalImages(store).get(ref);
        List<History> history = img.config().history();
        List<Descriptor> layers = img.manifest().layers();
        List<String[]> rows = new ArrayList<>();
        Instant now = Instant.now();
        int layer = 0;
        for (History h : history) {
            long size = 0;
            if (!h.emptyLayer() && layer < layers.size()) {
                size = layers.get(layer++).size();
            }
            String createdBy = h.createdBy() == null ? "" : h.createdBy().replace('\t', ' ');
            if (!noTrunc) {
                createdBy = ellipsis(createdBy, CREATED_BY_WIDTH);
            }
            rows.add(new String[] {"<missing>", Units.ago(h.created(), now), createdBy, Units.humanSize(size),
                h.comment() == null ? "" : h.comment()});
        }
        if (history.isEmpty()) {
            rows.add(new String[] {"", Units.ago(img.config().created(), now), "", Units.humanSize(img.size()), ""});
        }
        rows.get(rows.size() - 1)[0] = noTrunc ? img.id().toString() : img.id().shortHex();
        Table t = new Table("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
        for (int i = rows.size() - 1; i >= 0; i--) {
            if (quiet) {
                out().println(rows.get(i)[0]);
            } else {
                t.add(rows.get(i));
            }
        }
        if (!quiet) {
            t.print(out());
        }
        return 0;
    }

    /** The docker CLI's Ellipsis: at most {@code max} characters, the last one "…" when cut. */
    static String ellipsis(String s, int max) {
        int n = s.codePointCount(0, s.length());
        if (n <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "…";
    }
}
