package dev.jbuild.oci;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Passes bytes through while counting them and hashing them with sha256, so that a blob's descriptor (digest
 * and size) comes out of the one pass that writes it; chain two for a layer's diff ID and compressed digest.
 */
public class DigestingOutputStream extends FilterOutputStream {
    private final MessageDigest sha256 = Digest.newSha256();
    private long size;

    public DigestingOutputStream(OutputStream out) {
        super(out);
    }

    /** A stream that only digests, for content that need not be kept. */
    public static DigestingOutputStream discarding() {
        return new DigestingOutputStream(OutputStream.nullOutputStream());
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        sha256.update((byte) b);
        size++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        sha256.update(b, off, len);
        size += len;
    }

    /** The digest of what has been written so far; writing may go on afterwards. */
    public Digest digest() {
        try {
            return Digest.fromMessageDigest(((MessageDigest) sha256.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 MessageDigest cannot be cloned", e);
        }
    }

    /** Bytes written so far. */
    public long size() {
        return size;
    }

    /** A descriptor of what has been written, with the given media type. */
    public Descriptor descriptor(String mediaType) {
        return new Descriptor(mediaType, digest(), size);
    }
}
