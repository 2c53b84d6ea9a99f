package dev.jbuild.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Reads a blob while checking it against its descriptor: content from a registry or a cache is trusted only
 * once its digest and size match. Too many bytes fail as soon as they arrive; a wrong digest or too few bytes
 * fail at end of stream, so a consumer must read to the end (a stream closed early is not verified). After a
 * failure every read throws again, so a caller cannot mistake a bad blob for a short good one.
 */
public class VerifyingInputStream extends FilterInputStream {
    private final Digest expected;
    private final long expectedSize;
    private final MessageDigest md;
    private long size;
    private Digest actual;
    private VerificationException failure;

    /** Thrown when content does not match its descriptor; names both digests and sizes. */
    public static final class VerificationException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Digest expectedDigest;
        private final transient Digest actualDigest;
        private final long expectedSize;
        private final long actualSize;

        VerificationException(String message, Digest expectedDigest, Digest actualDigest, long expectedSize,
                long actualSize) {
            super(message);
            this.expectedDigest = expectedDigest;
            this.actualDigest = actualDigest;
            this.expectedSize = expectedSize;
            this.actualSize = actualSize;
        }

        public Digest expectedDigest() {
            return expectedDigest;
        }

        /** Null when the stream failed before its end (too many bytes). */
        public Digest actualDigest() {
            return actualDigest;
        }

        public long expectedSize() {
            return expectedSize;
        }

        /** Bytes seen when the failure was found. */
        public long actualSize() {
            return actualSize;
        }
    }

    /** Checks digest and size; a negative {@code expectedSize} means the size is unknown and not checked. */
    public VerifyingInputStream(InputStream in, Digest expected, long expectedSize) {
        super(in);
        this.expected = expected;
        this.expectedSize = expectedSize;
        this.md = Digest.newMessageDigest(expected.algorithm());
    }

    public VerifyingInputStream(InputStream in, Descriptor descriptor) {
        this(in, descriptor.digest(), descriptor.size());
    }


    @Override
    public int read() throws IOException {
        checkFailed();
        int b = in.read();
        if (b < 0) {
            atEnd();
        } else {
            md.update((byte) b);
            size++;
            checkSize();
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkFailed();
        int n = in.read(b, off, len);
        if (n < 0) {
            atEnd();
        } else if (n > 0) {
            md.update(b, off, n);
            size += n;
            checkSize();
        }
        return n;
    }

    /** Skipped bytes are read and hashed too: nothing goes unverified. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 8192)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // not supported: re-reading would be hashed twice
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    /** True once the stream reached its end and matched. */
    public boolean verified() {
        return actual != null && failure == null;
    }

    /** Bytes read so far. */
    public long size() {
        return size;
    }

    private void checkFailed() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    private void checkSize() throws IOException {
        if (expectedSize >= 0 && size > expectedSize) {
            failure = new VerificationException("content of " + expected + " is longer than expected: more than "
                    + expectedSize + " bytes (read " + size + " so far)", expected, null, expectedSize, size);
            throw failure;
        }
    }

    private void atEnd() throws IOException {
        if (actual != null) {
            return;
        }
        actual = new Digest(expected.algorithm(), java.util.HexFormat.of().formatHex(md.digest()));
        boolean sizeOk = expectedSize < 0 || size == expectedSize;
        if (!sizeOk || !actual.equals(expected)) {
            String what = !sizeOk ? (size < expectedSize ? "shorter than expected" : "longer than expected")
                    : "digest mismatch";
            failure = new VerificationException("content verification failed (" + what + "): expected " + expected
                    + " (" + (expectedSize < 0 ? "any size" : expectedSize + " bytes") + "), got " + actual
                    + " (" + size + " bytes)", expected, actual, expectedSize, size);
            throw failure;
        }
    }
}
