package dev.jbuild.core.build;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Manifest;
import dev.jbuild.store.LayerEntry;
import java.util.List;

/**
 * A built image, its blobs already in the store.
 *
 * @param manifestDescriptor the manifest blob (what tags point at)
 * @param imageId            the config digest, docker's image id
 * @param rootfs             the final root filesystem (for {@code --output type=local|tar})
 * @param scratch            files the rootfs reads from until {@link #close()}; null when none
 */
public record BuildResult(Descriptor manifestDescriptor, Manifest manifest, ImageConfig config, Digest imageId,
        List<String> tags, List<LayerEntry> rootfs, java.nio.file.Path scratch) implements AutoCloseable {

    /**
     * Removes the build's scratch files (unpacked archives, downloads) that {@link #rootfs} may
     * read from: close after exporting.
     */
    @Override
    public void close() {
        if (scratch != null) {
            Builder.deleteRecursively(scratch);
        }
    }
}
