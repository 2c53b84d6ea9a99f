package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.store.Store;
import java.io.IOException;

/** {@code jbuild tag SOURCE TARGET}: another name for an image, as {@code docker tag}. */
final class TagCommand extends StoreCommand {
    String source;

    String target;

    TagCommand() {
        super("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.");
        Specs.addPositional(spec, Specs.parameter(String.class, () -> source, v -> source = v)
                .index("0")
                .paramLabel("SOURCE_IMAGE[:TAG]")
                .description("A name, image id or digest in the store."));
        Specs.addPositional(spec, Specs.parameter(String.class, () -> target, v -> target = v)
                .index("1")
                .paramLabel("TARGET_IMAGE[:TAG]")
                .description("The new name."));
    }

    @Override
    int run(Store store) throws IOException, LocalImages.NotFound {
        ImageReference ref = LocalImages.tagReference(target);
        Digest d = new LocalImages(store).resolve(source);
        store.images().tag(ref.toString(), d);
        return 0;
    }
}
