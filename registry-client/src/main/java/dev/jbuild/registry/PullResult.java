package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.Platform;

/**
 * A pulled image, now in the store and tagged there as {@code reference.toString()}.
 *
 * @param reference        the reference pulled (fully qualified)
 * @param manifestDescriptor the platform manifest stored and tagged (its platform set when chosen from an index)
 * @param indexDigest      the digest of the index the manifest was chosen from, or null (not stored)
 * @param manifest         the manifest
 * @param config           the image config
 * @param blobsDownloaded  config and layer blobs fetched
 * @param blobsPresent     config and layer blobs that were already in the store
 * @param bytesDownloaded  bytes of blobs fetched
 */
public record PullResult(ImageReference reference, Descriptor manifestDescriptor, Digest indexDigest, Manifest manifest,
        ImageConfig config, int blobsDownloaded, int blobsPresent, long bytesDownloaded) {
    public Digest manifestDigest() {
        return manifestDescriptor.digest();
    }

    /** The image id as docker shows it: the config digest. */
    public Digest imageId() {
        return manifest.config().digest();
    }

    /** The platform the image's config declares (which, for a single-platform image, may differ from the one asked for). */
    public Platform platform() {
        return config.platform();
    }

    /** The digest that names the image in the registry: the index's when there was one, else the manifest's. */
    public Digest repoDigest() {
        return indexDigest != null ? indexDigest : manifestDescriptor.digest();
    }
}
