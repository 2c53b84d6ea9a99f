package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import java.util.List;

/**
 * A pushed image.
 *
 * @param reference     the pushed name with the manifest digest ({@code registry/repo@sha256:...})
 * @param manifest      the top-level manifest (or index) pushed
 * @param tags          the tags it was put under (none when pushed by digest only)
 * @param blobsUploaded blobs uploaded
 * @param blobsMounted  blobs mounted from another repository of the registry
 * @param blobsExisting blobs the repository already had
 * @param bytesUploaded bytes of blob content sent (a resent range counts again)
 */
public record PushResult(ImageReference reference, Descriptor manifest, List<String> tags, int blobsUploaded,
        int blobsMounted, int blobsExisting, long bytesUploaded) {
    public PushResult {
        tags = List.copyOf(tags);
    }

    public Digest manifestDigest() {
        return manifest.digest();
    }
}
