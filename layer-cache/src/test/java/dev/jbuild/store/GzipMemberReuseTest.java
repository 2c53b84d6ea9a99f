package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gzip layers are cut at tar entry boundaries so that a later version of a layer can copy the
 * members it shares with an earlier one: the result must be the blob a cold write gives, and
 * nothing damaged (index or blob) may reach it.
 */
class GzipMemberReuseTest {
    private static final Instant T = Instant.parse("2024-01-02T03:04:05Z");
    private static final int LEVEL = LayerWriter.GZIP_LEVEL;

    @TempDir
    Path dir;

    /** 3,000 small text files around a 2.5 MiB random file (cut inside); {@code changed} gets one more line. */
    private static List<LayerEntry> context(int changed) {
        List<LayerEntry> l = new ArrayList<>();
        l.add(LayerEntry.directory("app", 0755, 0, 0, T));
        l.add(LayerEntry.directory("app/big", 0755, 0, 0, T));
        byte[] big = new byte[5 * ParallelGzipOutputStream.CHUNK / 2];
        new Random(7).nextBytes(big);
        l.add(LayerEntry.file("app/big/blob.bin", 0644, 0, 0, T, big));
        for (int d = 0; d < 30; d++) {
            l.add(LayerEntry.directory(String.format("app/small/d%02d", d), 0755, 0, 0, T));
        }
        l.add(LayerEntry.directory("app/small", 0755, 0, 0, T));
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < 5 + i % 20; j++) {
                sb.append("line ").append(j).append(" of file ").append(i).append('\n');
            }
            if (i == changed) {
                sb.append("changed\n");
            }
            l.add(LayerEntry.file(String.format("app/small/d%02d/f%05d.txt", i / 100, i), 0644, 0, 0, T,
                    sb.toString().getBytes(StandardCharsets.US_ASCII)));
        }
        return l;
    }

    private static Store store(Path p) throws IOException {
        return Store.open(p);
    }

    private static byte[] bytes(Store s, Layer l) throws IOException {
        return Files.readAllBytes(s.blobs().path(l.digest()));
    }

    private static List<ParallelGzipOutputStream.Member> members(Store s, Layer l) throws IOException {
        byte[] b = Files.readAllBytes(s.blobs().memberIndexFile(l.digest()));
        Map<Long, List<ParallelGzipOutputStream.Member>> m = GzipMemberIndex.decode(b, GzipMemberIndex.producer(LEVEL),
                s.blobs().size(l.digest()));
        assertNotNull(m, "the index reads back");
        List<ParallelGzipOutputStream.Member> all = new ArrayList<>();
        m.values().forEach(all::addAll);
        all.sort((a, c) -> Long.compare(a.offset(), c.offset()));
        return all;
    }

    private static byte[] inflate(byte[] blob, ParallelGzipOutputStream.Member m) throws Exception {
        Inflater inf = new Inflater(true);
        inf.setInput(blob, (int) m.offset() + 10, m.compressedLength() - 18);
        byte[] out = new byte[m.length()];
        int n = 0;
        while (!inf.finished()) {
            n += inf.inflate(out, n, out.length - n);
        }
        inf.end();
        assertEquals(m.length(), n);
        return out;
    }

    @Test
    void anIncrementalWriteGivesTheColdBlobAndCopiesAllButTheChangedMembers() throws Exception {
        Store a = store(dir.resolve("a"));
        Layer v1 = LayerWriter.write(a.blobs(), context(-1), Compression.GZIP, null, false);
        Layer v2 = LayerWriter.write(a.blobs(), context(1500), Compression.GZIP, null, false, v1.digest());
        Store b = store(dir.resolve("b"));
        Layer cold = LayerWriter.write(b.blobs(), context(1500), Compression.GZIP, null, false);
        assertEquals(cold, v2, "the same layer whether written from scratch or from the previous version");
        assertArrayEquals(bytes(b, cold), bytes(a, v2));
        assertNotEquals(v1.digest(), v2.digest());
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(a.blobs().path(v2.digest())))) {
            assertEquals(v2.diffId(), Digest.sha256(in.readAllBytes()), "the members form the layer's tar");
        }

        // Every member but the one holding the changed file is found, verified, in the previous blob.
        List<ParallelGzipOutputStream.Member> members = members(a, v2);
        assertTrue(members.size() >= 6, "a big file and 3 MB of small ones make several members: " + members.size());
        byte[] blob2 = bytes(a, v2);
        int found = 0;
        try (GzipMemberIndex.Reuse reuse = GzipMemberIndex.open(a.blobs(), v1.digest(), LEVEL)) {
            assertNotNull(reuse);
            for (ParallelGzipOutputStream.Member m : members) {
                if (reuse.find(inflate(blob2, m), m.length(), m.crc()) != null) {
                    found++;
                }
            }
        }
        assertTrue(found >= members.size() - 1 && found < members.size(),
                found + " of " + members.size() + " members in common with the previous version");
    }

    @Test
    void aDamagedIndexIsIgnored() throws Exception {
        Store a = store(dir.resolve("a"));
        Layer v1 = LayerWriter.write(a.blobs(), context(-1), Compression.GZIP, null, false);
        Path index = a.blobs().memberIndexFile(v1.digest());
        byte[] b = Files.readAllBytes(index);
        b[b.length / 2] ^= 0x10;
        Files.write(index, b);
        assertNull(GzipMemberIndex.open(a.blobs(), v1.digest(), LEVEL));
        Layer v2 = LayerWriter.write(a.blobs(), context(3), Compression.GZIP, null, false, v1.digest());
        Layer cold = LayerWriter.write(store(dir.resolve("b")).blobs(), context(3), Compression.GZIP, null, false);
        assertEquals(cold, v2);
    }

    @Test
    void anIndexOfAnotherProducerIsIgnored() throws Exception {
        Store a = store(dir.resolve("a"));
        Layer v1 = LayerWriter.write(a.blobs(), context(-1), Compression.GZIP, null, false);
        byte[] b = Files.readAllBytes(a.blobs().memberIndexFile(v1.digest()));
        assertNotNull(GzipMemberIndex.decode(b, GzipMemberIndex.producer(LEVEL), a.blobs().size(v1.digest())));
        assertNull(GzipMemberIndex.decode(b, GzipMemberIndex.producer(9), a.blobs().size(v1.digest())),
                "another level may deflate differently");
        assertNull(GzipMemberIndex.decode(b, GzipMemberIndex.producer(LEVEL), a.blobs().size(v1.digest()) + 1),
                "an index must tile its blob");
    }

    @Test
    void aDamagedPreviousBlobNeverReachesTheNewLayer() throws Exception {
        Store a = store(dir.resolve("a"));
        Layer v1 = LayerWriter.write(a.blobs(), context(-1), Compression.GZIP, null, false);
        // Damage the middle of every member, keeping headers and trailers: the index still matches, the bytes don't.
        Path blob = a.blobs().path(v1.digest());
        byte[] b = Files.readAllBytes(blob);
        for (ParallelGzipOutputStream.Member m : members(a, v1)) {
            int at = (int) (m.offset() + m.compressedLength() / 2);
            b[at] ^= 0x5a;
        }
        blob.toFile().setWritable(true);
        Files.write(blob, b);
        Layer v2 = LayerWriter.write(a.blobs(), context(1500), Compression.GZIP, null, false, v1.digest());
        Layer cold = LayerWriter.write(store(dir.resolve("b")).blobs(), context(1500), Compression.GZIP, null, false);
        assertEquals(cold, v2, "every damaged member was compressed again");
    }

    @Test
    void membersStartAtEntryBoundariesOrEveryChunkOfABigFile() throws Exception {
        Store a = store(dir.resolve("a"));
        Layer v1 = LayerWriter.write(a.blobs(), context(-1), Compression.GZIP, null, false);
        byte[] blob = bytes(a, v1);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        List<Long> starts = new ArrayList<>();
        for (ParallelGzipOutputStream.Member m : members(a, v1)) {
            starts.add((long) tar.size());
            tar.writeBytes(inflate(blob, m));
            ByteBuffer trailer = ByteBuffer.wrap(blob, (int) (m.offset() + m.compressedLength() - 8), 8)
                    .order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(m.crc(), trailer.getInt());
            assertEquals(m.length(), trailer.getInt());
        }
        byte[] t = tar.toByteArray();
        assertEquals(v1.diffId(), Digest.sha256(t));
        // the big file's header is the fourth block (app/, app/big/ before it); its content follows.
        long bigContent = 3 * 512;
        for (long s : starts) {
            boolean inBig = s > bigContent && s < bigContent + 5L * ParallelGzipOutputStream.CHUNK / 2;
            if (inBig) {
                assertEquals(0, (s - bigContent) % ParallelGzipOutputStream.CHUNK, "big file cut at " + s);
            } else {
                String magic = new String(t, (int) s + 257, 5, StandardCharsets.US_ASCII);
                assertEquals("ustar", magic, "member at " + s + " starts with a tar header");
            }
        }
    }
}
