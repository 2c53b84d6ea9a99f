package dev.jbuild.core.output;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.MediaType;
import dev.jbuild.registry.BlobSources;
import dev.jbuild.registry.ProgressListener;
import dev.jbuild.registry.PushResult;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Pushes an image of the store to a repository, reporting docker push's lines: the repository, one line per layer
 * as it finishes ({@code Pushed}, {@code Layer already exists}, {@code Mounted from REPO}), then
 * {@code TAG: digest: sha256:... size: N} per tag. What the CLI's push and build, and the Maven plugin, share.
 */
public final class ImagePusher {
    private ImagePusher() {}

    /**
     * Pushes {@code digest} of the store to {@code repository} under {@code tags} (by digest when empty); the
     * lines go to {@code lines} (none when null), which may be called from several threads at once.
     */
    public static PushResult push(RegistryOptions options, Store store, ImageReference repository, List<String> tags,
            Digest digest, Consumer<String> lines) throws IOException {
        ProgressListener listener = ProgressListener.NONE;
        if (lines != null) {
            lines.accept("The push refers to repository [" + repository.name() + "]");
            BlobSources sources = BlobSources.of(store);
            listener = new ProgressListener() {
                @Override
                public void finished(Descriptor blob, Outcome outcome) {
                    if (!MediaType.isLayer(blob.mediaType())) {
                        return;
                    }
                    String what = switch (outcome) {
                        case EXISTS -> "Layer already exists";
                        case MOUNTED -> "Mounted from " + mountSource(sources, blob.digest(), repository);
                        default -> "Pushed";
                    };
                    synchronized (lines) {
                        lines.accept(shortId(blob.digest()) + ": " + what);
                    }
                }
            };
        }
        PushResult r;
        try (RegistryClient client = new RegistryClient(options.toBuilder()
                .progressListener(listener).build())) {
            r = client.push(repository.withTag(null).withDigest(null), tags, digest, store);
        }
        if (lines != null) {
            if (tags.isEmpty()) {
                lines.accept("digest: " + r.manifestDigest() + " size: " + r.manifest().size());
            }
            for (String t : tags) {
                lines.accept(t + ": digest: " + r.manifestDigest() + " size: " + r.manifest().size());
            }
        }
        return r;
    }

    /** The short id docker shows for a blob: 12 hex digits. */
    public static String shortId(Digest d) {
        return d.hex().substring(0, Math.min(12, d.hex().length()));
    }

    /** The repository a mount most likely came from (the pusher tries the most recent source first). */
    private static String mountSource(BlobSources sources, Digest d, ImageReference target) {
        try {
            for (BlobSources.Source s : sources.sources(d)) {
                if (s.registry().equals(target.registry()) && !s.repository().equals(target.repository())) {
                    return s.repository();
                }
            }
        } catch (IOException e) {
            // only for the message
        }
        return "another repository";
    }
}
