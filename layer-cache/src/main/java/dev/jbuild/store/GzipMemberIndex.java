package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The side index of a gzip layer blob that {@link LayerWriter} wrote: per member, the length and
 * CRC-32 of its uncompressed bytes and its offset and length in the blob
 * ({@code members/sha256/<blob hex>}). The next version of the layer (the same step after a change)
 * copies the members it has in common from the blob instead of deflating them again.
 *
 * <p>Only ever an optimisation: an index that is missing, damaged (its CRC-32), written by another
 * runtime or compression level (whose deflate may give other bytes), or that does not tile its
 * blob exactly is ignored; a member is copied only when the old member, inflated, gives exactly the
 * new member's bytes (length and CRC-32 only find the candidates), so that neither a damaged index
 * nor a damaged blob can put wrong bytes into a layer. Otherwise the member is deflated, as a cold
 * write would. Inflating to compare costs a fraction of deflating.
 */
final class GzipMemberIndex {
    private static final int MAGIC = 0x4a42475a; // "JBGZ"
    private static final int VERSION = 1;
    private static final int RECORD = 4 + 4 + 8 + 4;

    private GzipMemberIndex() {}

    /** What the compressed bytes of a member depend on besides its input: the runtime's zlib, the level, the cutting. */
    static String producer(int level) {
        return "java " + System.getProperty("java.runtime.version") + " " + System.getProperty("java.vendor")
                + " level " + level + " chunk " + ParallelGzipOutputStream.CHUNK;
    }

    /** Records the members of a blob just committed (if no index is there yet). */
    static void write(BlobStore blobs, Digest blob, List<ParallelGzipOutputStream.Member> members, int level)
            throws IOException {
        Path file = blobs.memberIndexFile(blob);
        if (Files.exists(file)) {
            return;
        }
        Files.createDirectories(file.getParent());
        Fs.writeAtomically(blobs.tmpDir(), file, encode(members, producer(level)));
    }

    static byte[] encode(List<ParallelGzipOutputStream.Member> members, String producer) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64 + members.size() * RECORD);
        DataOutputStream out = new DataOutputStream(buf);
        try {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(producer);
            out.writeInt(members.size());
            for (ParallelGzipOutputStream.Member m : members) {
                out.writeInt(m.length());
                out.writeInt(m.crc());
                out.writeLong(m.offset());
                out.writeInt(m.compressedLength());
            }
            CRC32 crc = new CRC32();
            crc.update(buf.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return buf.toByteArray();
    }

    /**
     * The members of {@code blob} to copy from, or null when there is no usable index (or no blob).
     * Close it after the write.
     */
    static Reuse open(BlobStore blobs, Digest blob, int level) {
        byte[] b;
        long blobSize;
        try {
            b = Files.readAllBytes(blobs.memberIndexFile(blob));
            blobSize = blobs.size(blob);
        } catch (IOException e) {
            return null;
        }
        Map<Long, List<ParallelGzipOutputStream.Member>> byKey = decode(b, producer(level), blobSize);
        if (byKey == null) {
            return null;
        }
        try {
            return new Reuse(FileChannel.open(blobs.path(blob), StandardOpenOption.READ), byKey);
        } catch (IOException e) {
            return null;
        }
    }

    private static long key(int length, int crc) {
        return ((long) length << 32) | (crc & 0xffffffffL);
    }

    /** The members by uncompressed length and CRC-32, or null unless the index reads back whole and tiles a blob of that size. */
    static Map<Long, List<ParallelGzipOutputStream.Member>> decode(byte[] b, String producer, long blobSize) {
        try {
            if (b.length < 16) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(b);
            CRC32 crc = new CRC32();
            crc.update(b, 0, b.length - 4);
            if ((int) crc.getValue() != in.getInt(b.length - 4) || in.getInt() != MAGIC || in.getInt() != VERSION) {
                return null;
            }
            byte[] name = new byte[in.getShort() & 0xffff];
            in.get(name);
            if (!new String(name, java.nio.charset.StandardCharsets.UTF_8).equals(producer)) {
                return null; // another zlib or level could deflate the same bytes differently
            }
            int n = in.getInt();
            if (n < 0 || (long) n * RECORD != b.length - 4 - in.position()) {
                return null;
            }
            Map<Long, List<ParallelGzipOutputStream.Member>> out = new HashMap<>();
            long expected = 0;
            for (int i = 0; i < n; i++) {
                ParallelGzipOutputStream.Member m = new ParallelGzipOutputStream.Member(in.getInt(), in.getInt(),
                        in.getLong(), in.getInt());
                if (m.offset() != expected || m.compressedLength() < 18 || m.length() < 0
                        || m.length() > ParallelGzipOutputStream.MAX_MEMBER) {
                    return null;
                }
                expected += m.compressedLength();
                out.computeIfAbsent(key(m.length(), m.crc()), k -> new java.util.ArrayList<>(1)).add(m);
            }
            return expected == blobSize ? out : null;
        } catch (RuntimeException damaged) {
            return null;
        }
    }

    /** The previous blob's members, open for copying. */
    static final class Reuse implements Closeable {
        private final FileChannel blob;
        private final Map<Long, List<ParallelGzipOutputStream.Member>> byKey;

        Reuse(FileChannel blob, Map<Long, List<ParallelGzipOutputStream.Member>> byKey) {
            this.blob = blob;
            this.byKey = byKey;
        }

        /**
         * The compressed bytes of a previous member whose content is exactly {@code data[0, length)}
         * (of CRC-32 {@code crc}), or null. Thread-safe: positional reads.
         */
        byte[] find(byte[] data, int length, int crc) {
            List<ParallelGzipOutputStream.Member> candidates = byKey.get(key(length, crc));
            if (candidates == null) {
                return null;
            }
            for (ParallelGzipOutputStream.Member m : candidates) {
                byte[] b = read(m);
                if (b != null && inflatesTo(b, data, length, crc)) {
                    return b;
                }
            }
            return null;
        }

        private byte[] read(ParallelGzipOutputStream.Member m) {
            ByteBuffer bytes = ByteBuffer.allocate(m.compressedLength());
            try {
                long pos = m.offset();
                while (bytes.hasRemaining()) {
                    int r = blob.read(bytes, pos);
                    if (r < 0) {
                        return null;
                    }
                    pos += r;
                }
            } catch (IOException e) {
                return null;
            }
            return bytes.array();
        }

        /** Whether the member is one of ours (header, then one raw deflate stream, CRC-32 and length) of exactly these bytes. */
        static boolean inflatesTo(byte[] member, byte[] data, int length, int crc) {
            if (!ParallelGzipOutputStream.startsWithHeader(member)) {
                return false;
            }
            java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
            try {
                int header = 10;
                inf.setInput(member, header, member.length - header - 8);
                byte[] out = new byte[64 * 1024];
                int pos = 0;
                while (!inf.finished()) {
                    int n = inf.inflate(out);
                    if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                        return false;
                    }
                    if (pos + n > length || !java.util.Arrays.equals(out, 0, n, data, pos, pos + n)) {
                        return false;
                    }
                    pos += n;
                }
                if (pos != length || inf.getRemaining() != 0) {
                    return false;
                }
            } catch (java.util.zip.DataFormatException e) {
                return false;
            } finally {
                inf.end();
            }
            ByteBuffer trailer = ByteBuffer.wrap(member, member.length - 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            return trailer.getInt() == crc && trailer.getInt() == length;
        }

        @Override
        public void close() throws IOException {
            blob.close();
        }
    }
}
