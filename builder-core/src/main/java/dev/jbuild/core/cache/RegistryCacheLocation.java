package dev.jbuild.core.cache;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.util.Optional;

/** A cache in a registry repository, under a tag ({@code type=registry,ref=REF}), or an image's inline cache. */
final class RegistryCacheLocation extends CacheLocation {
    private final ImageReference ref;
    private final RegistryClient client;

    RegistryCacheLocation(String ref, RegistryOptions options) {
        ImageReference r;
        try {
            r = ImageReference.parse(ref);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid cache reference \"" + ref + "\": " + e.getMessage());
        }
        if (r.tag() == null && r.digest() == null) {
            r = r.withTag(ImageReference.DEFAULT_TAG);
        }
        this.ref = r;
        this.client = new RegistryClient(options);
    }

    ImageReference reference() {
        return ref;
    }

    @Override
    String describe() {
        return ref.toString();
    }

    @Override
    Optional<Doc> top() throws IOException {
        try {
            RegistryClient.ManifestDocument d = client.manifest(ref);
            return Optional.of(new Doc(d.mediaType(), d.bytes()));
        } catch (RegistryException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    Doc manifest(Descriptor d) throws IOException {
        RegistryClient.ManifestDocument m = client.manifest(ref.withTag(null).withDigest(d.digest()));
        return new Doc(m.mediaType(), m.bytes());
    }

    @Override
    void fetch(Descriptor blob, Store store) throws IOException {
        client.fetchBlob(ref, blob, store);
    }

    @Override
    void write(Store store, Descriptor manifest) throws IOException {
        if (ref.tag() == null) {
            throw new IllegalArgumentException("--cache-to " + ref + ": the reference needs a tag, not a digest");
        }
        client.push(ref, manifest.digest(), store);
    }

    @Override
    public void close() {
        client.close();
    }
}
