package dev.jbuild.store;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * SHA-256 computed by the system's libcrypto through our JNI library (src/main/c/jbuild-sha256.c), for a JVM that
 * runs without C2: the JDK's own SHA-256 is fast only as a C2 intrinsic. {@link NativeDigests} makes it what
 * {@code Digest.newSha256()} gives in the packaged command.
 *
 * <p>Single bytes are gathered in Java and passed on with the next array, so that a stream written byte by byte
 * does not cost a native call per byte.
 */
final class NativeSha256 extends MessageDigest implements Cloneable {
    private static final class Holder {
        static final int CTX_SIZE;
        static final Throwable FAILURE;
        static {
            int size = 0;
            Throwable failure = null;
            if (!Posix.available()) {
                failure = new UnsupportedOperationException("our JNI library is not loaded");
            } else {
                try {
                    size = link();
                    if (size <= 0) failure = new UnsupportedOperationException("no libcrypto with SHA256_Update");
                } catch (LinkageError e) {
                    failure = e;
                }
            }
            CTX_SIZE = size;
            FAILURE = failure;
        }
    }

    private byte[] ctx = new byte[Holder.CTX_SIZE];
    private byte[] pending = new byte[64];
    private int pendingLength;

    NativeSha256() {
        super("SHA-256");
        if (!available()) throw new IllegalStateException("native SHA-256 unavailable", Holder.FAILURE);
        init(ctx);
    }

    /** Whether libcrypto's SHA-256 can be used here (Linux, our library loaded, libcrypto found). */
    static boolean available() {
        // CTX_SIZE too: a digest asked for while Holder initialises (loading our library) sees it still 0
        return Holder.FAILURE == null && Holder.CTX_SIZE > 0;
    }

    /** Why it cannot be used, or null. */
    static Throwable unavailableBecause() {
        return Holder.FAILURE;
    }

    @Override
    protected int engineGetDigestLength() {
        return 32;
    }

    @Override
    protected void engineUpdate(byte input) {
        if (pendingLength == pending.length) flush();
        pending[pendingLength++] = input;
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
        Objects.checkFromIndexSize(offset, len, input.length);
        if (pendingLength > 0) flush();
        if (len > 0) update(ctx, input, offset, len);
    }

    @Override
    protected byte[] engineDigest() {
        if (pendingLength > 0) flush();
        byte[] out = new byte[32];
        finish(ctx, out);
        return out;
    }

    @Override
    protected int engineDigest(byte[] buf, int offset, int len) throws DigestException {
        if (len < 32) throw new DigestException("a SHA-256 digest needs 32 bytes, not " + len);
        Objects.checkFromIndexSize(offset, 32, buf.length);
        System.arraycopy(engineDigest(), 0, buf, offset, 32);
        return 32;
    }

    @Override
    protected void engineReset() {
        pendingLength = 0;
        init(ctx);
    }

    @Override
    public Object clone() throws CloneNotSupportedException {
        NativeSha256 copy = (NativeSha256) super.clone();
        copy.ctx = ctx.clone();
        copy.pending = pending.clone();
        return copy;
    }

    private void flush() {
        update(ctx, pending, 0, pendingLength);
        pendingLength = 0;
    }

    /** Opens libcrypto; answers the size of a context, or 0 when libcrypto or its SHA-256 is missing. */
    private static native int link();

    private static native void init(byte[] ctx);

    private static native void update(byte[] ctx, byte[] data, int offset, int length);

    /** The digest into {@code out}, and the context initialised again. */
    private static native void finish(byte[] ctx, byte[] out);
}
