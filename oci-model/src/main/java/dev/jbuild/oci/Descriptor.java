package dev.jbuild.oci;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An OCI content descriptor: what a blob is, its digest and size; optionally its platform (in an
 * index) and annotations (sorted, so that serialisation is deterministic).
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform,
        Map<String, String> annotations) {
    public Descriptor {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + digest);
        }
        annotations = annotations == null || annotations.isEmpty() ? Map.of()
                : java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null, Map.of());
    }

    /** Written out: see Digest's equals. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Descriptor d && d.size == size && Objects.equals(d.digest, digest)
                && Objects.equals(d.mediaType, mediaType) && Objects.equals(d.platform, platform)
                && d.annotations.equals(annotations);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(digest) * 31 + Long.hashCode(size);
    }

    public Descriptor withAnnotations(Map<String, String> newAnnotations) {
        return new Descriptor(mediaType, digest, size, platform, newAnnotations);
    }

    public Descriptor withPlatform(Platform newPlatform) {
        return new Descriptor(mediaType, digest, size, newPlatform, annotations);
    }

    public Descriptor withMediaType(String newMediaType) {
        return new Descriptor(newMediaType, digest, size, platform, annotations);
    }
}
