package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code jbuild rmi NAME...}: removes tags, as {@code docker rmi} does ({@code Untagged: ...});
 * the blobs stay until {@code jbuild prune}. An image id removes every tag of the image (with
 * {@code -f} when there are several, as docker asks).
 */
final class RmiCommand extends StoreCommand {
    private static final Pattern ID = Pattern.compile("(sha256:)?[a-f0-9]{4,64}");

    List<String> refs = new ArrayList<>();

    boolean force;

    RmiCommand() {
        super("rmi",
                "Remove image tags from the local store.",
                "The content is freed by 'jbuild prune'.");
        Specs.addPositional(spec, Specs.listParameter(() -> refs, v -> refs = v)
                .arity("1..*")
                .paramLabel("IMAGE")
                .description("A name, or an image id."));
        spec.addOption(Specs.option(boolean.class, () -> force, v -> force = v, "-f", "--force")
                .description("Untag every name of an image given by id.").build());
    }

    @Override
    int run(Store store) throws IOException {
        LocalImages images = new LocalImages(store);
        int status = 0;
        for (String r : refs) {
            try {
                for (String untagged : untag(store, images, r)) {
                    out().println("Untagged: " + LocalImages.familiar(untagged));
                }
            } catch (LocalImages.NotFound | IllegalArgumentException e) {
                err().println("jbuild: " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    private List<String> untag(Store store, LocalImages images, String r) throws IOException, LocalImages.NotFound {
        ImageReference ref = null;
        try {
            ref = ImageReference.parse(r);
        } catch (IllegalArgumentException e) {
            if (!ID.matcher(r).matches()) {
                throw e;
            }
        }
        if (ref != null && ref.digest() == null && store.images().untag(ref.toString())) {
            return List.of(ref.toString());
        }
        if (ref != null && ref.digest() == null && !ID.matcher(r).matches()) {
            throw new LocalImages.NotFound("No such image: " + r + (r.equals(ref.toString()) ? "" : " (" + ref
                    + ")") + ": it is not tagged in the local store");
        }
        Digest d = images.resolve(r);
        List<String> tags = images.tagsOf(d);
        if (tags.isEmpty()) {
            throw new LocalImages.NotFound("image " + r + " has no tags to remove");
        }
        if (tags.size() > 1 && !force) {
            throw new LocalImages.NotFound("conflict: unable to delete " + r + " (must be forced) - image is "
                    + "referenced in multiple repositories: " + String.join(", ", tags.stream()
                            .map(LocalImages::familiar).toList()));
        }
        List<String> removed = new ArrayList<>();
        for (String t : tags) {
            if (store.images().untag(t)) {
                removed.add(t);
            }
        }
        return removed;
    }
}
