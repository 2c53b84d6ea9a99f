package dev.jbuild.core.build;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.registry.PullResult;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Layer;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Images as FROM, {@code COPY --from} and {@code RUN --mount from=} use them: config, layers and root filesystem,
 * from the local store; with registry options, an image the store lacks is pulled first (for the platform asked
 * for), and with {@code pull} a tag is checked against its registry and pulled again when it moved.
 */
final class ImageSource {
    record Image(String reference, Digest manifestDigest, ImageConfig config, List<Descriptor> layers, FileTree tree) {}

    private final Store store;
    private final RegistryOptions registry;
    private final boolean pull;
    private final Consumer<String> progress;

    ImageSource(Store store) {
        this(store, null, false, s -> { });
    }

    /**
     * @param registry null: the local store only
     * @param pull     check every tag against its registry ({@code --pull})
     * @param progress receives "pulling REF" and the like
     */
    ImageSource(Store store, RegistryOptions registry, boolean pull, Consumer<String> progress) {
        this.store = store;
        this.registry = registry;
        this.pull = pull;
        this.progress = progress;
    }

    /** The image of a tag or digest reference, pulled first when needed; an error says what is there instead. */
    Image load(String name, Platform want) throws BuildException, IOException {
        return load(name, want, layer -> null);
    }

    /**
     * {@link #load(String, Platform)}, handing each layer (its blob in the store) to UNPACK before its entries are
     * read, which reads the whole layer the first time. UNPACK answers the unpack it started in the background, or
     * null: a layer being unpacked gets its entries from that unpack, when the tree is first read.
     */
    Image load(String name, Platform want,
            java.util.function.Function<Layer, java.util.concurrent.Future<?>> unpack)
            throws BuildException, IOException {
        Digest manifestDigest = resolve(name, want);
        byte[] json = store.blobs().read(manifestDigest);
        JsonNode node = OciJson.tree(json);
        String mediaType = node.path("mediaType").asText("");
        if (MediaType.isIndex(mediaType) || node.has("manifests")) {
            ImageIndex index = OciJson.read(json, ImageIndex.class);
            Descriptor chosen = null;
            List<String> available = new ArrayList<>();
            for (Descriptor d : index.manifests()) {
                if (d.platform() == null) {
                    continue;
                }
                available.add(d.platform().format());
                if (chosen == null && d.platform().os().equals(want.os())
                        && d.platform().architecture().equals(want.architecture())
                        && (want.variant().isEmpty() || d.platform().variant().equals(want.variant()))) {
                    chosen = d;
                }
            }
            if (chosen == null) {
                throw new BuildException("image " + name + " has no manifest for " + want.format()
                        + "; it has " + String.join(", ", available));
            }
            manifestDigest = chosen.digest();
            json = store.blobs().read(manifestDigest);
        }
        Manifest manifest = OciJson.read(json, Manifest.class);
        ImageConfig config = OciJson.read(store.blobs().read(manifest.config().digest()), ImageConfig.class);
        List<Digest> diffIds = config.rootfs() == null ? List.of() : config.rootfs().diffIds();
        if (diffIds.size() != manifest.layers().size()) {
            throw new BuildException("image " + name + " is inconsistent: " + manifest.layers().size()
                    + " layers but " + diffIds.size() + " diff ids");
        }
        FileTree tree = new FileTree();
        for (int i = 0; i < manifest.layers().size(); i++) {
            Descriptor d = manifest.layers().get(i);
            if (!store.blobs().has(d.digest())) {
                throw new BuildException("image " + name + ": layer " + d.digest() + " is missing from the store");
            }
            Layer layer = new Layer(d, diffIds.get(i));
            java.util.concurrent.Future<?> unpacking = unpack.apply(layer);
            // A layer read before has its index: its entries are looked up path by path, and read whole only if
            // something reads the tree whole (a stage that only COPYs onto the image looks at a few paths).
            FileTree.Lookup lookup = LayerFiles.lookup(store, layer, LayerFiles.Fetch.NONE);
            if (lookup != null) {
                tree.applyLater(() -> LayerFiles.entries(store, layer), lookup);
            } else if (unpacking != null) {
                // Being unpacked for a RUN, which waits for it anyway: the unpack writes the index as it goes, so
                // the tree reads that instead of reading the blob a second time meanwhile.
                tree.applyLater(() -> {
                    await(unpacking);
                    return LayerFiles.entries(store, layer);
                });
            } else {
                tree.apply(LayerFiles.entries(store, layer));
            }
        }
        return new Image(name, manifestDigest, config, manifest.layers(), tree);
    }

    /** Waits for a background unpack; whether it failed does not matter here (the entries are read another way). */
    private static void await(java.util.concurrent.Future<?> unpacking) throws java.io.InterruptedIOException {
        try {
            unpacking.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while a base layer was unpacked");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
            // the entries come from the blob instead
        }
    }

    private Digest resolve(String name, Platform want) throws BuildException, IOException {
        ImageReference ref;
        try {
            ref = ImageReference.parse(name);
        } catch (IllegalArgumentException e) {
            throw new BuildException("invalid image reference \"" + name + "\": " + e.getMessage());
        }
        if (ref.tag() == null && ref.digest() == null) {
            ref = ref.withTag(ImageReference.DEFAULT_TAG);
        }
        if (ref.digest() != null && store.blobs().has(ref.digest())) {
            // content addressed: what the store has is what the registry would send
            return ref.digest();
        }
        Optional<Digest> local = store.images().resolve(ref.toString());
        if (registry == null) {
            if (local.isEmpty()) {
                throw new BuildException("image \"" + name + "\" (" + ref + ") is not in the local store; "
                        + "load it with 'jbuild load' or pull it with 'jbuild pull'");
            }
            return local.get();
        }
        if (local.isPresent() && (!pull || ref.digest() != null)) {
            return local.get();
        }
        LoggingBackend.anticipate(); // OkHttp's first logger, while its client gets ready
        try (RegistryClient client = new RegistryClient(registry)) {
            if (local.isPresent()) {
                Descriptor remote = client.resolve(ref, want);
                if (sameImage(local.get(), remote.digest())) {
                    progress.accept(ref + ": image is up to date (" + remote.digest() + ")");
                    return local.get();
                }
            }
            progress.accept("pulling " + ref + (local.isPresent() ? " (the tag moved)" : ""));
            PullResult r = client.pull(ref, want, store);
            progress.accept("pulled " + ref + ": " + r.manifestDigest() + ", " + r.blobsDownloaded() + " blob"
                    + (r.blobsDownloaded() == 1 ? "" : "s") + " (" + size(r.bytesDownloaded()) + ") downloaded, "
                    + r.blobsPresent() + " already present");
            return r.manifestDigest();
        } catch (RegistryException e) {
            throw new BuildException("image \"" + name + "\" " + (local.isPresent()
                    ? "could not be checked for a newer version (--pull): " : "is not in the local store and could not "
                    + "be pulled: ") + e.getMessage(), e);
        } catch (IOException e) {
            throw new BuildException("image \"" + name + "\": pull " + ref + ": " + (e.getMessage() != null
                    ? e.getMessage() : e.toString()), e);
        }
    }

    /** The local tag's target is the registry's manifest, or an index that lists it. */
    private boolean sameImage(Digest local, Digest remote) throws IOException {
        if (local.equals(remote)) {
            return true;
        }
        if (!store.blobs().has(local)) {
            return false;
        }
        JsonNode node = OciJson.tree(store.blobs().read(local));
        if (MediaType.isIndex(node.path("mediaType").asText("")) || node.has("manifests")) {
            for (JsonNode m : node.path("manifests")) {
                if (remote.toString().equals(m.path("digest").asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String size(long bytes) {
        if (bytes < 1_000_000) {
            return String.format(java.util.Locale.ROOT, "%.1f kB", bytes / 1000.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
