package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Small stream adapters for the layer pipeline. */
final class Streams {
    private Streams() {}

    /** Digests what is read through it. */
    static final class DigestingInputStream extends java.io.FilterInputStream {
        private final MessageDigest md = Digest.newSha256();
        private long count;

        DigestingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                md.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                md.update(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[8192];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        Digest digest() {
            return Digest.fromMessageDigest(md.digest());
        }

        long count() {
            return count;
        }
    }

    /** close() flushes but leaves the underlying stream open. */
    static final class NonClosingOutputStream extends FilterOutputStream {
        NonClosingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /**
     * A gzip member with a fixed header: no file name, no comment, MTIME 0, XFL 0, OS 255
     * ("unknown", as Go's compress/gzip writes; java.util.zip.GZIPOutputStream writes OS 0 before
     * JDK 16 and 255 since), so the output does not depend on the JDK's gzip framing. The deflate
     * stream itself is java.util.zip.Deflater's (the JDK's zlib). close() finishes the member and
     * leaves the underlying stream open.
     */
    static final class GzipOutputStream extends OutputStream {
        private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
        private final OutputStream out;
        private final Deflater deflater;
        private final CRC32 crc = new CRC32();
        private final byte[] buf = new byte[64 * 1024];
        private long inputSize;
        private boolean finished;

        GzipOutputStream(OutputStream out, int level) throws IOException {
            this.out = out;
            this.deflater = new Deflater(level, true);
            out.write(HEADER);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (finished) {
                throw new IOException("gzip stream finished");
            }
            if (len == 0) {
                return;
            }
            crc.update(b, off, len);
            inputSize += len;
            deflater.setInput(b, off, len);
            while (!deflater.needsInput()) {
                int n = deflater.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
                if (n > 0) {
                    out.write(buf, 0, n);
                }
            }
        }

        /** Writing is buffered by the deflater; flush() does not force a deflate block (that would change the output). */
        @Override
        public void flush() throws IOException {
            out.flush();
        }

        void finish() throws IOException {
            if (finished) {
                return;
            }
            finished = true;
            try {
                deflater.finish();
                while (!deflater.finished()) {
                    int n = deflater.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
                    if (n > 0) {
                        out.write(buf, 0, n);
                    }
                }
                writeIntLe(crc.getValue());
                writeIntLe(inputSize & 0xffffffffL);
                out.flush();
            } finally {
                deflater.end();
            }
        }

        /** Releases the deflater without finishing (after an error). */
        void abort() {
            finished = true;
            deflater.end();
        }

        private void writeIntLe(long v) throws IOException {
            out.write(new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
        }

        @Override
        public void close() throws IOException {
            finish();
        }
    }
}
