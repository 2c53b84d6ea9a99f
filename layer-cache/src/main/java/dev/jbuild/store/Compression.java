package dev.jbuild.store;

import dev.jbuild.oci.MediaType;

/** How a layer blob is compressed. */
public enum Compression {
    GZIP, ZSTD, NONE;

    /** The layer media type: OCI's, or Docker schema 2's when {@code dockerFormat}. */
    public String mediaType(boolean dockerFormat) {
        return switch (this) {
            case GZIP -> dockerFormat ? MediaType.DOCKER_LAYER_GZIP : MediaType.OCI_LAYER_GZIP;
            case ZSTD -> dockerFormat ? MediaType.DOCKER_LAYER_ZSTD : MediaType.OCI_LAYER_ZSTD;
            case NONE -> dockerFormat ? MediaType.DOCKER_LAYER : MediaType.OCI_LAYER;
        };
    }

    /** The compression a layer media type declares; IllegalArgumentException for a non-layer type. */
    public static Compression fromMediaType(String mediaType) {
        if (!MediaType.isLayer(mediaType)) {
            throw new IllegalArgumentException("not a layer media type: " + mediaType);
        }
        if (mediaType.endsWith("+gzip") || mediaType.endsWith(".gzip")) {
            return GZIP;
        }
        if (mediaType.endsWith("+zstd") || mediaType.endsWith(".zstd")) {
            return ZSTD;
        }
        if (mediaType.endsWith(".tar")) {
            return NONE;
        }
        throw new IllegalArgumentException("unsupported layer media type: " + mediaType);
    }
}
