package dev.jbuild.store;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;

/**
 * A stored layer: the descriptor of its (compressed) blob, and its diff-id, the sha256 of the
 * uncompressed tar (what an image config's {@code rootfs.diff_ids} lists).
 */
public record Layer(Descriptor descriptor, Digest diffId) {
    /** The blob digest. */
    public Digest digest() {
        return descriptor.digest();
    }
}
