package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.registry.PushResult;
import dev.jbuild.registry.ProgressListener;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code jbuild push NAME[:TAG]}: a tagged image of the store to its registry, as {@code docker push}. */
final class PushCommand extends StoreCommand {
    String name;

    boolean allTags;

    boolean quiet;

    RegistryFlags registry = new RegistryFlags();

    PushCommand() {
        super("push",
                "Upload an image of the local store to a registry.",
                "Blobs the registry has are skipped, blobs of another repository of the registry are mounted, the "
                        + "others uploaded in parallel; then the manifest, under the tag.");
        Specs.addPositional(spec, Specs.parameter(String.class, () -> name, v -> name = v)
                .index("0")
                .paramLabel("NAME[:TAG]")
                .description("The tag to push (default tag: latest)."));
        spec.addOption(Specs.option(boolean.class, () -> allTags, v -> allTags = v, "-a", "--all-tags")
                .description("Push every tag of the repository in the local store.").build());
        spec.addOption(Specs.option(boolean.class, () -> quiet, v -> quiet = v, "-q", "--quiet")
                .description("Print only the pushed reference with its digest.").build());
        registry.addTo(spec);
    }

    @Override
    int run(Store store) throws IOException, Failure {
        ImageReference ref = ImageReference.parse(name.trim());
        RegistryOptions options = registry.options(ProgressListener.NONE);
        ImageReference repo = new ImageReference(ref.registry(), ref.repository(), null, null);
        if (allTags) {
            if (Registries.tagGiven(name)) {
                throw new Failure("tag can't be used with --all-tags/-a");
            }
            // one push per image, with all of its tags
            Map<Digest, List<String>> byImage = new LinkedHashMap<>();
            for (Map.Entry<String, Digest> e : store.images().tags().entrySet()) {
                ImageReference t;
                try {
                    t = ImageReference.parse(e.getKey());
                } catch (IllegalArgumentException ex) {
                    continue;
                }
                if (t.name().equals(repo.name()) && t.tag() != null && t.digest() == null) {
                    byImage.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(t.tag());
                }
            }
            if (byImage.isEmpty()) {
                throw new Failure("An image does not exist locally with the tag: " + repo.familiarName());
            }
            for (Map.Entry<Digest, List<String>> e : byImage.entrySet()) {
                push(options, store, repo, e.getValue(), e.getKey());
            }
            return 0;
        }
        if (ref.tag() == null && ref.digest() == null) {
            ref = ref.withTag(ImageReference.DEFAULT_TAG);
        }
        if (!quiet && !Registries.tagGiven(name)) {
            out().println("Using default tag: " + ImageReference.DEFAULT_TAG);
        }
        Optional<Digest> local = ref.digest() != null && ref.tag() == null && store.blobs().has(ref.digest())
                ? Optional.of(ref.digest()) : store.images().resolve(ref.toString());
        if (local.isEmpty()) {
            throw new Failure("An image does not exist locally with the tag: " + ref.familiar());
        }
        push(options, store, repo, ref.tag() == null ? List.of() : List.of(ref.tag()), local.get());
        return 0;
    }

    private void push(RegistryOptions options, Store store, ImageReference repo, List<String> tags, Digest digest)
            throws IOException {
        PushResult r = Registries.push(options, store, repo, tags, digest, quiet ? null : out());
        if (quiet) {
            for (String t : tags.isEmpty() ? java.util.Collections.<String>singletonList(null) : tags) {
                out().println(repo.name() + (t == null ? "" : ":" + t) + "@" + r.manifestDigest());
            }
        }
    }
}
