package dev.jbuild.core.build;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * A stream decompressed by its first bytes: gzip, bzip2, xz or zstd, the formats Docker's ADD unpacks and image
 * layers use, every member or frame to the end (a layer jbuild writes is many gzip members, as pigz writes them, and
 * Go's readers read them all); anything else as it is. Not commons-compress's CompressorStreamFactory: it read only
 * a gzip stream's first member (a saved image's layers came out cut at 1 MiB), unpacked formats Docker does not (a
 * .tar.lz4 ADD is copied, not unpacked, by Docker), and linking it at every start loaded a class from the jar (its
 * Brotli stream, whose library is not there, so the AOT cache cannot hold it).
 */
public final class Decompression {
    private Decompression() {}

    /** The stream decompressed, or as it is (buffered) when it is not compressed in one of the four formats. */
    public static InputStream of(InputStream raw) throws IOException {
        InputStream in = raw.markSupported() ? raw : new BufferedInputStream(raw);
        in.mark(8);
        byte[] m = in.readNBytes(6);
        in.reset();
        if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
            return new GzipCompressorInputStream(in, true);
        }
        if (m.length >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') {
            return new BZip2CompressorInputStream(in, true);
        }
        if (m.length >= 6 && (m[0] & 0xff) == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z'
                && m[5] == 0) {
            return new XZCompressorInputStream(in, true);
        }
        if (m.length >= 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f
                && (m[3] & 0xff) == 0xfd) {
            return new ZstdCompressorInputStream(in);
        }
        return in;
    }
}
