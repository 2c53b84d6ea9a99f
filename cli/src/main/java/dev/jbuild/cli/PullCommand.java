package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.registry.ProgressListener;
import dev.jbuild.registry.PullResult;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;

/** {@code jbuild pull NAME[:TAG|@DIGEST]}: an image from its registry into the store, as {@code docker pull}. */
final class PullCommand extends StoreCommand {
    String name;

    String platform;

    boolean quiet;

    RegistryFlags registry = new RegistryFlags();

    PullCommand() {
        super("pull",
                "Download an image from a registry into the local store.",
                "The manifest for the platform is chosen from a multi-platform image; every blob is verified; blobs "
                        + "the store has are not downloaded again.");
        Specs.addPositional(spec, Specs.parameter(String.class, () -> name, v -> name = v)
                .index("0")
                .paramLabel("NAME[:TAG|@DIGEST]")
                .description("The image (busybox means docker.io/library/busybox:latest)."));
        spec.addOption(Specs.option(String.class, () -> platform, v -> platform = v, "--platform")
                .paramLabel("OS/ARCH[/VARIANT]")
                .description("The platform to pull (default: this machine's).").build());
        spec.addOption(Specs.option(boolean.class, () -> quiet, v -> quiet = v, "-q", "--quiet")
                .description("Print only the image's reference.").build());
        registry.addTo(spec);
    }

    @Override
    int run(Store store) throws IOException, Failure {
        ImageReference ref = ImageReference.parse(name.trim());
        PrintWriter out = out();
        if (ref.tag() == null && ref.digest() == null) {
            ref = ref.withTag(ImageReference.DEFAULT_TAG);
        }
        if (!quiet && !Registries.tagGiven(name)) {
            out.println("Using default tag: " + ImageReference.DEFAULT_TAG);
        }
        Platform p;
        try {
            p = platform == null ? Platform.host() : Platform.parse(platform);
        } catch (IllegalArgumentException e) {
            throw new Failure("--platform: " + e.getMessage());
        }
        Optional<Digest> before = store.images().resolve(ref.toString());
        if (!quiet) {
            out.println((ref.digest() != null ? ref.digest().toString() : ref.tag()) + ": Pulling from "
                    + ref.repository());
            out.flush();
        }
        PullResult r;
        ProgressListener listener = quiet ? ProgressListener.NONE : Registries.pullListener(out);
        try (RegistryClient client = new RegistryClient(registry.options(listener))) {
            r = client.pull(ref, p, store);
        }
        if (!quiet) {
            out.println("Digest: " + r.repoDigest());
            out.println("Status: " + (before.isPresent() && before.get().equals(r.manifestDigest())
                    ? "Image is up to date for " : "Downloaded newer image for ") + ref.familiar());
        }
        out.println(ref);
        return 0;
    }
}
