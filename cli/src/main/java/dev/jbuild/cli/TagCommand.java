package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.store.Store;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbuild tag SOURCE TARGET}: another name for an image, as {@code docker tag}. */
@Command(name = "tag", mixinStandardHelpOptions = true,
        description = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.")
final class TagCommand extends StoreCommand {
    @Parameters(index = "0", paramLabel = "SOURCE_IMAGE[:TAG]", description = "A name, image id or digest in the store.")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET_IMAGE[:TAG]", description = "The new name.")
    String target;

    @Override
    int run(Store store) throws IOException, LocalImages.NotFound {
        ImageReference ref = LocalImages.tagReference(target);
        Digest d = new LocalImages(store).resolve(source);
        store.images().tag(ref.toString(), d);
        return 0;
    }
}
