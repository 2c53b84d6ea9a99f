package dev.jbuild.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Store;
import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/**
 * Where an exported cache lives: a registry repository or an OCI layout directory. It holds one manifest: a cache
 * artifact (artifactType {@value CacheDocument#ARTIFACT_TYPE}, config = the {@link CacheDocument}, layers = the
 * step layers, their header indexes and the cache mounts) or, read only, an image whose config carries inline
 * cache. Blobs are fetched one at a time, when a step needs them.
 */
abstract class CacheLocation implements Closeable {
    /** A manifest or index document. */
    record Doc(String mediaType, byte[] bytes) {}

    /** What was found: the document, and whether it came from an image's config (inline) or a cache artifact. */
    record Found(CacheDocument document, boolean inline) {}

    abstract String describe();

    /** The top-level manifest or index, or empty when there is none (nothing exported there yet). */
    abstract Optional<Doc> top() throws IOException;

    /** A manifest an index lists. */
    abstract Doc manifest(Descriptor d) throws IOException;

    /** Copies one blob into the store, verified (a no-op when the store has it). */
    abstract void fetch(Descriptor blob, Store store) throws IOException;

    /** Publishes the manifest {@code manifest} of the store, with every blob it references. */
    abstract void write(Store store, Descriptor manifest) throws IOException;

    @Override
    public void close() {}

    /** The cache found here for {@code platform}, or empty (with no error) when there is none. */
    Optional<Found> read(Store store, Platform platform) throws IOException {
        Optional<Doc> top = top();
        if (top.isEmpty()) {
            return Optional.empty();
        }
        Doc doc = top.get();
        if (MediaType.isIndex(doc.mediaType())) {
            Descriptor chosen = choose(OciJson.read(doc.bytes(), ImageIndex.class), platform);
            if (chosen == null) {
                return Optional.empty();
            }
            doc = manifest(chosen);
        }
        if (!MediaType.isManifest(doc.mediaType())) {
            throw new IllegalArgumentException("unsupported manifest media type " + doc.mediaType());
        }
        Manifest m = OciJson.read(doc.bytes(), Manifest.class);
        String type = m.config().mediaType();
        if (CacheDocument.CONFIG_MEDIA_TYPE.equals(type)) {
            return Optional.of(new Found(CacheDocument.parse(config(store, m)), false));
        }
        if (MediaType.OCI_CONFIG.equals(type) || MediaType.DOCKER_CONFIG.equals(type)) {
            JsonNode inline = OciJson.read(config(store, m), ImageConfig.class).unknownFields()
                    .get(CacheDocument.INLINE_FIELD);
            if (inline == null) {
                return Optional.empty();
            }
            return Optional.of(new Found(CacheDocument.parse(inline), true));
        }
        throw new IllegalArgumentException("neither a jbuild cache nor an image (config media type " + type + ")");
    }

    private byte[] config(Store store, Manifest m) throws IOException {
        if (m.config().size() > 64L << 20) {
            throw new IllegalArgumentException("the cache config is larger than 64 MiB");
        }
        fetch(m.config(), store);
        return store.blobs().read(m.config().digest());
    }

    /** A cache artifact in an index, else the image manifest for the platform (or the only one). */
    private Descriptor choose(ImageIndex index, Platform platform) {
        Descriptor only = null;
        for (Descriptor d : index.manifests()) {
            if (CacheDocument.ARTIFACT_TYPE.equals(d.annotations().get("dev.jbuild.artifactType"))) {
                return d;
            }
            Platform p = d.platform();
            if (p != null && p.os().equals(platform.os()) && p.architecture().equals(platform.architecture())) {
                return d;
            }
            only = index.manifests().size() == 1 ? d : null;
        }
        return only;
    }
}
