package dev.jbuild.store;

import com.github.luben.zstd.ZstdInputStream;
import dev.jbuild.oci.MediaType;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

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

    /** The compression of a stream, by its magic bytes (the stream must support mark/reset). */
    public static Compression detect(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] m = in.readNBytes(4);
        in.reset();
        if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f
                && (m[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }

    /** The uncompressed content of a stream compressed this way. */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case ZSTD -> new ZstdInputStream(in);
            case NONE -> in;
        };
    }
}
