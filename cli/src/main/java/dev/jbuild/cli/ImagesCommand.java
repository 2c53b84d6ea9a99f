package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code jbuild images}: the tagged images of the store, as {@code docker images} lists them. */
final class ImagesCommand extends StoreCommand {
    String filter;

    boolean quiet;

    boolean noTrunc;

    ImagesCommand() {
        super("images", "List the images in the local store.");
        Specs.addPositional(spec, Specs.parameter(String.class, () -> filter, v -> filter = v)
                .index("0")
                .arity("0..1")
                .paramLabel("REPOSITORY[:TAG]")
                .description("Only this repository (and tag)."));
        spec.addOption(Specs.option(boolean.class, () -> quiet, v -> quiet = v, "-q", "--quiet")
                .description("Print only the image ids.").build());
        spec.addOption(Specs.option(boolean.class, () -> noTrunc, v -> noTrunc = v, "--no-trunc")
                .description("Show full image ids.").build());
    }

    private record Row(String repository, String tag, String id, String created, String size) {}

    @Override
    int run(Store store) throws IOException {
        ImageReference want = null;
        boolean wantTag = false;
        if (filter != null) {
            want = ImageReference.parse(filter);
            String afterSlash = filter.substring(filter.lastIndexOf('/') + 1);
            wantTag = afterSlash.contains(":");
        }
        LocalImages images = new LocalImages(store);
        Instant now = Instant.now();
        Map<Digest, LocalImages.Image> cache = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Digest> e : store.images().tags().entrySet()) {
            ImageReference ref;
            try {
                ref = ImageReference.parse(e.getKey());
            } catch (IllegalArgumentException bad) {
                err().println("jbuild: warning: ignoring the tag " + e.getKey() + ": " + bad.getMessage());
                continue;
            }
            if (want != null && (!want.name().equals(ref.name()) || wantTag && !java.util.Objects.equals(want.tag(), ref.tag()))) {
                continue;
            }
            LocalImages.Image img = cache.get(e.getValue());
            if (img == null) {
                try {
                    img = images.read(e.getValue());
                } catch (IOException | RuntimeException broken) {
                    err().println("jbuild: warning: " + ref.familiar() + ": cannot read " + e.getValue() + ": "
                            + broken.getMessage());
                    continue;
                }
                cache.put(e.getValue(), img);
            }
            String id = noTrunc ? img.id().toString() : img.id().shortHex();
            rows.add(new Row(ref.familiarName(), ref.tag() != null ? ref.tag() : "<none>", id,
                    Units.ago(img.config().created(), now), Units.humanSize(img.size())));
        }
        rows.sort(Comparator.comparing(Row::repository).thenComparing(Row::tag));
        if (quiet) {
            for (Row r : rows) {
                out().println(r.id());
            }
            return 0;
        }
        Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        for (Row r : rows) {
            t.add(r.repository(), r.tag(), r.id(), r.created(), r.size());
        }
        t.print(out());
        return 0;
    }
}
