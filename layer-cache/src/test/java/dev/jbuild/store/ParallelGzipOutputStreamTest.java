package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ParallelGzipOutputStreamTest {
    private static final int CHUNK = 64 * 1024;
    private static final ExecutorService ONE = Executors.newSingleThreadExecutor();
    private static final ExecutorService FOUR = Executors.newFixedThreadPool(4);

    @AfterAll
    static void stop() {
        ONE.shutdownNow();
        FOUR.shutdownNow();
    }

    private static byte[] gzip(byte[] data, ExecutorService pool, int threads, int writeSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, Deflater.DEFAULT_COMPRESSION, CHUNK, pool,
                threads)) {
            for (int off = 0; off < data.length; off += writeSize) {
                gz.write(data, off, Math.min(writeSize, data.length - off));
            }
        }
        return out.toByteArray();
    }

    private static byte[] text(int size) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < size; i++) {
            sb.append("line ").append(i).append(" of a compressible layer\n");
        }
        return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static int members(byte[] gz) throws IOException {
        // Every member starts with the fixed 10-byte header; count them by decoding member after member.
        int count = 0;
        int off = 0;
        while (off < gz.length) {
            assertEquals(0x1f, gz[off] & 0xff, "member " + count + " header at " + off);
            assertEquals(0x8b, gz[off + 1] & 0xff);
            java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
            inf.setInput(gz, off + 10, gz.length - off - 10);
            byte[] sink = new byte[CHUNK];
            try {
                while (!inf.finished()) {
                    inf.inflate(sink);
                }
            } catch (java.util.zip.DataFormatException e) {
                throw new IOException(e);
            }
            off = gz.length - inf.getRemaining() + 8; // CRC-32 and ISIZE follow the deflate stream
            inf.end();
            count++;
        }
        return count;
    }

    @Test
    void roundTripsAtEveryChunkBoundary() throws IOException {
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + CHUNK / 2}) {
            byte[] data = text(size);
            byte[] gz = gzip(data, FOUR, 4, 8191);
            assertArrayEquals(data, gunzip(gz), "size " + size);
            assertEquals(Math.max(1, (size + CHUNK - 1) / CHUNK), members(gz), "members for size " + size);
        }
    }

    @Test
    void sameBytesForAnyThreadCountAndWriteSize() throws IOException {
        byte[] data = new byte[5 * CHUNK + 123];
        System.arraycopy(text(3 * CHUNK), 0, data, 0, 3 * CHUNK);
        System.arraycopy(random(2 * CHUNK + 123, 7), 0, data, 3 * CHUNK, 2 * CHUNK + 123);
        byte[] a = gzip(data, ONE, 1, data.length);
        byte[] b = gzip(data, FOUR, 4, 1000);
        byte[] c = gzip(data, FOUR, 4, 1);
        assertArrayEquals(a, b);
        assertArrayEquals(a, c);
        assertArrayEquals(data, gunzip(a));
    }

    @Test
    void oneChunkIsOneMemberWithTheFixedHeader() throws IOException {
        byte[] data = text(1000);
        byte[] gz = gzip(data, ONE, 1, 100);
        assertArrayEquals(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff},
                java.util.Arrays.copyOf(gz, 10));
        // The same deflate stream as one Deflater over the whole input.
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        byte[] raw = new byte[4096];
        int n = d.deflate(raw);
        d.end();
        assertArrayEquals(java.util.Arrays.copyOf(raw, n), java.util.Arrays.copyOfRange(gz, 10, gz.length - 8));
    }

    @Test
    void incompressibleChunksAreStoredAndCompressibleOnesShrink() throws IOException {
        byte[] noise = random(4 * CHUNK, 1);
        byte[] gzNoise = gzip(noise, FOUR, 4, CHUNK);
        // Stored blocks: 5 bytes per 64 KiB block plus 18 of framing per member, never a deflated size.
        assertTrue(gzNoise.length <= noise.length + 4 * (18 + 5 * 2), "stored size " + gzNoise.length);
        assertTrue(gzNoise.length >= noise.length, "random data cannot shrink: " + gzNoise.length);
        assertArrayEquals(noise, gunzip(gzNoise));
        byte[] words = text(4 * CHUNK);
        assertTrue(gzip(words, FOUR, 4, CHUNK).length < words.length / 4);
    }

    @Test
    void gunzipReadsTheMembersAsOneStream() throws Exception {
        byte[] data = text(3 * CHUNK + 77);
        java.nio.file.Path f = java.nio.file.Files.createTempFile("members", ".gz");
        try {
            java.nio.file.Files.write(f, gzip(data, FOUR, 4, 4096));
            Process p = new ProcessBuilder("gzip", "-dc", f.toString()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertEquals(0, p.waitFor());
            assertArrayEquals(data, out);
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }
}
