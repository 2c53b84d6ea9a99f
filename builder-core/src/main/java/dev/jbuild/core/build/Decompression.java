package dev.jbuild.core.build;

import dev.jbuild.store.Compression;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * An archive that ADD unpacks, decompressed by its first bytes: gzip and zstd as layers are ({@link Compression},
 * every member or frame to the end, as Go's readers read them), bzip2 and xz besides, the formats Docker's ADD
 * unpacks; anything else as it is. Not commons-compress's CompressorStreamFactory: it read only a gzip stream's first
 * member, unpacked formats Docker does not (a .tar.lz4 ADD is copied, not unpacked, by Docker), and linking it at
 * every start loaded a class from the jar (its Brotli stream, whose library is not there, so the AOT cache cannot
 * hold it).
 */
final class Decompression {
    private Decompression() {}

    /** The stream decompressed, or as it is when it is not compressed in one of the four formats. */
    static InputStream of(BufferedInputStream in) throws IOException {
        Compression layerLike = Compression.detect(in);
        if (layerLike != Compression.NONE) {
            return layerLike.decompress(in);
        }
        in.mark(8);
        byte[] m = in.readNBytes(6);
        in.reset();
        if (m.length >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') {
            return new BZip2CompressorInputStream(in, true);
        }
        if (m.length >= 6 && (m[0] & 0xff) == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z'
                && m[5] == 0) {
            return new XZCompressorInputStream(in, true);
        }
        return in;
    }
}
