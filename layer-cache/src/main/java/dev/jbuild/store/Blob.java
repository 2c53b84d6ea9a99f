package dev.jbuild.store;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;

/** A committed blob: its digest and size, ready for a {@link Descriptor}. */
public record Blob(Digest digest, long size) {
    public Descriptor descriptor(String mediaType) {
        return new Descriptor(mediaType, digest, size);
    }
}
