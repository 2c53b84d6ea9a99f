package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.store.LayerEntry.Type;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LayerWriterTest {
    static final Instant T = Instant.parse("2023-11-14T22:13:20Z");

    @TempDir
    Path root;
    Store store;

    @BeforeEach
    void open() throws IOException {
        store = Store.open(root);
    }

    /** A representative layer; {@code nanos} varies the sub-second part of every mtime. */
    static List<LayerEntry> sample(int nanos) {
        Instant t = T.plusNanos(nanos);
        List<LayerEntry> l = new ArrayList<>();
        l.add(LayerEntry.directory("etc", 0755, 0, 0, t));
        l.add(LayerEntry.file("etc/hosts", 0644, 0, 0, t, "127.0.0.1 localhost\n".getBytes(StandardCharsets.US_ASCII)));
        l.add(LayerEntry.directory("usr", 0755, 0, 0, t));
        l.add(LayerEntry.directory("usr/bin", 0755, 0, 0, t));
        l.add(LayerEntry.file("usr/bin/tool", 04755, 0, 0, t, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII)));
        l.add(LayerEntry.symlink("usr/bin/alias", "tool", 0, 0, t));
        l.add(LayerEntry.directory("tmp", 01777, 0, 0, t));
        l.add(LayerEntry.directory("home", 0755, 0, 0, t));
        l.add(LayerEntry.directory("home/user", 0700, 1000, 1000, t));
        l.add(LayerEntry.file("home/user/.profile", 0600, 1000, 1000, t, "export A=1\n".getBytes(StandardCharsets.US_ASCII)));
        l.add(LayerEntry.file("empty", 0444, 0, 0, t, new byte[0]));
        l.add(LayerEntry.whiteout("var/lib/old", t));
        l.add(LayerEntry.directory("var", 0755, 0, 0, t));
        l.add(LayerEntry.directory("var/lib", 0755, 0, 0, t));
        return l;
    }

    private byte[] blobBytes(Layer layer) throws IOException {
        return Files.readAllBytes(store.blobs().path(layer.digest()));
    }

    static byte[] tarBytes(List<LayerEntry> entries, Instant epoch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerWriter.writeTar(out, entries, epoch);
        return out.toByteArray();
    }

    static List<TarArchiveEntry> commonsEntries(byte[] tar) throws IOException {
        List<TarArchiveEntry> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null;) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void orderAndSubSecondTimesDoNotMatter() throws IOException {
        List<LayerEntry> a = sample(0);
        List<LayerEntry> b = sample(123_456_789);
        Collections.reverse(b);
        List<LayerEntry> c = sample(999_999_999);
        Collections.shuffle(c, new java.util.Random(5));
        for (Compression comp : Compression.values()) {
            Layer la = LayerWriter.write(store.blobs(), a, comp, null);
            Layer lb = LayerWriter.write(store.blobs(), b, comp, null);
            Layer lc = LayerWriter.write(store.blobs(), c, comp, null);
            assertEquals(la, lb, comp.toString());
            assertEquals(la, lc, comp.toString());
            assertArrayEquals(blobBytes(la), blobBytes(lb));
            assertEquals(la.descriptor().size(), blobBytes(la).length);
            assertEquals(comp.mediaType(false), la.descriptor().mediaType());
        }
        // A different second does change the layer.
        List<LayerEntry> d = sample(0);
        d.set(0, d.get(0).withMtime(T.plusSeconds(1)));
        assertNotEquals(LayerWriter.write(store.blobs(), a, Compression.NONE, null).diffId(),
                LayerWriter.write(store.blobs(), d, Compression.NONE, null).diffId());
    }

    /** A gzip layer of many members, some reused from a previous version: its diff-id is still its tar's SHA-256. */
    @Test
    void aManyMemberGzipLayerHasTheDiffIdOfItsTar() throws IOException {
        java.util.Random random = new java.util.Random(7);
        List<LayerEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) { // small files: members cut at entry boundaries after 1 MiB
            byte[] b = new byte[random.nextInt(2000)];
            random.nextBytes(b);
            entries.add(LayerEntry.file(String.format("small/f%04d", i), 0644, 0, 0, T, b));
        }
        byte[] big = new byte[3 * ParallelGzipOutputStream.CHUNK + 12345]; // cut before it and at every MiB of it
        random.nextBytes(big);
        entries.add(LayerEntry.file("big", 0644, 0, 0, T, big));
        Layer gzip = LayerWriter.write(store.blobs(), entries, Compression.GZIP, null);
        assertEquals(Digest.sha256(tarBytes(entries, null)), gzip.diffId());
        assertEquals(gzip.diffId(), LayerWriter.write(store.blobs(), entries, Compression.NONE, null).diffId());
        // and when some members come from a previous version of the layer
        entries.set(10, LayerEntry.file("small/f0010", 0644, 0, 0, T, new byte[] {1, 2, 3}));
        Layer again = LayerWriter.write(store.blobs(), entries, Compression.GZIP, null, false, gzip.digest());
        assertEquals(Digest.sha256(tarBytes(entries, null)), again.diffId());
    }

    @Test
    void diffIdIsTheSameForEveryCompressionAndRecordedInTheIndex() throws IOException {
        List<LayerEntry> entries = sample(0);
        Layer none = LayerWriter.write(store.blobs(), entries, Compression.NONE, null);
        Layer gzip = LayerWriter.write(store.blobs(), entries, Compression.GZIP, null);
        Layer zstd = LayerWriter.write(store.blobs(), entries, Compression.ZSTD, null, true);
        assertEquals(none.diffId(), gzip.diffId());
        assertEquals(none.diffId(), zstd.diffId());
        assertEquals(none.diffId(), none.digest(), "an uncompressed layer's digest is its diff-id");
        assertEquals(Digest.sha256(tarBytes(entries, null)), none.diffId());
        assertNotEquals(gzip.digest(), zstd.digest());
        assertEquals(MediaType.OCI_LAYER, none.descriptor().mediaType());
        assertEquals(MediaType.OCI_LAYER_GZIP, gzip.descriptor().mediaType());
        assertEquals(MediaType.DOCKER_LAYER_ZSTD, zstd.descriptor().mediaType());
        for (Layer l : List.of(none, gzip, zstd)) {
            assertEquals(l.diffId(), store.blobs().diffId(l.digest()).orElseThrow());
        }
        try (InputStream in = new GZIPInputStream(store.blobs().open(gzip.digest()))) {
            assertArrayEquals(tarBytes(entries, null), in.readAllBytes());
        }
        try (InputStream in = new com.github.luben.zstd.ZstdInputStream(store.blobs().open(zstd.digest()))) {
            assertArrayEquals(tarBytes(entries, null), in.readAllBytes());
        }
    }

    @Test
    @Timeout(120)
    void anotherProcessWritesTheSameBytes() throws Exception {
        Path other = Files.createDirectory(root.resolve("other"));
        try (TestData.Child child = new TestData.Child(List.of("-Duser.name=someone-else", "-Duser.timezone=Asia/Kolkata",
                "-Dfile.encoding=ISO-8859-1"), "sample", other.toString())) {
            for (Compression c : Compression.values()) {
                Layer mine = LayerWriter.write(store.blobs(), sample(0), c, null);
                assertEquals(c + " " + mine.digest() + " " + mine.descriptor().size() + " " + mine.diffId(),
                        child.expectLine(c.toString(), 60));
            }
            assertEquals(0, child.waitFor(30), child.stderr());
        }
    }

    @Test
    void gzipHeaderIsFixed() throws IOException {
        Layer gzip = LayerWriter.write(store.blobs(), sample(0), Compression.GZIP, null);
        byte[] b = blobBytes(gzip);
        // magic, deflate, no flags (no name/comment/extra), MTIME 0, XFL 0, OS 255
        assertArrayEquals(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff},
                java.util.Arrays.copyOf(b, 10));
    }

    @Test
    void mediaTypes() {
        assertEquals(MediaType.DOCKER_LAYER_GZIP, Compression.GZIP.mediaType(true));
        assertEquals(MediaType.OCI_LAYER_GZIP, Compression.GZIP.mediaType(false));
        assertEquals(MediaType.DOCKER_LAYER, Compression.NONE.mediaType(true));
        assertEquals(MediaType.OCI_LAYER_ZSTD, Compression.ZSTD.mediaType(false));
        for (Compression c : Compression.values()) {
            assertEquals(c, Compression.fromMediaType(c.mediaType(true)));
            assertEquals(c, Compression.fromMediaType(c.mediaType(false)));
        }
        assertThrows(IllegalArgumentException.class, () -> Compression.fromMediaType(MediaType.OCI_MANIFEST));
    }

    @Test
    void sourceDateEpochClamps() throws IOException {
        Instant epoch = Instant.parse("2020-01-01T00:00:00Z");
        List<LayerEntry> entries = List.of(
                LayerEntry.file("new", 0644, 0, 0, Instant.parse("2024-05-05T10:00:00.5Z"), new byte[] {1}),
                LayerEntry.file("old", 0644, 0, 0, Instant.parse("2001-02-03T04:05:06.7Z"), new byte[] {2}),
                LayerEntry.directory("dir", 0755, 0, 0, Instant.parse("2030-01-01T00:00:00Z")));
        List<TarArchiveEntry> tar = commonsEntries(tarBytes(entries, epoch.plusMillis(900)));
        Map<String, Instant> times = new TreeMap<>();
        for (TarArchiveEntry e : tar) {
            times.put(e.getName(), e.getLastModifiedTime().toInstant());
        }
        assertEquals(Map.of("dir/", epoch, "new", epoch, "old", Instant.parse("2001-02-03T04:05:06Z")), times);
        // Without an epoch, times are kept (truncated).
        assertEquals(Instant.parse("2024-05-05T10:00:00Z"),
                commonsEntries(tarBytes(entries, null)).get(1).getLastModifiedTime().toInstant());
    }

    @Test
    void headersCarryNumericOwnersOnlyAndNoExtraTimes() throws IOException {
        byte[] tar = tarBytes(sample(5), null);
        assertEquals(0, tar.length % 512);
        int headers = 0;
        int pos = 0;
        while (pos + 512 <= tar.length) {
            byte[] h = java.util.Arrays.copyOfRange(tar, pos, pos + 512);
            if (isZero(h)) {
                break;
            }
            headers++;
            assertEquals("ustar\0", new String(h, 257, 6, StandardCharsets.US_ASCII));
            assertEquals("00", new String(h, 263, 2, StandardCharsets.US_ASCII));
            for (int i = 265; i < 329; i++) {
                assertEquals(0, h[i], "uname/gname must be empty at byte " + i);
            }
            for (int i = 345; i < 512; i++) {
                assertEquals(0, h[i], "prefix/atime/ctime area must be empty at byte " + i);
            }
            long size = Long.parseLong(new String(h, 124, 11, StandardCharsets.US_ASCII).trim(), 8);
            pos += 512 + (int) ((size + 511) / 512 * 512);
        }
        assertEquals(14, headers, "one header per entry, no PAX headers for ordinary entries");
        // the end: exactly two zero blocks, nothing after
        assertEquals(tar.length, pos + 1024);
        for (TarArchiveEntry e : commonsEntries(tar)) {
            assertEquals("", e.getUserName());
            assertEquals("", e.getGroupName());
            assertNull(e.getLastAccessTime());
            assertNull(e.getStatusChangeTime());
            assertTrue(e.getExtraPaxHeaders().isEmpty(), e.getName());
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void entriesAreSortedByPathBytesAndDirectoriesEndWithSlash() throws IOException {
        List<String> names = commonsEntries(tarBytes(sample(0), null)).stream().map(TarArchiveEntry::getName).toList();
        assertEquals(List.of("empty", "etc/", "etc/hosts", "home/", "home/user/", "home/user/.profile", "tmp/", "usr/",
                "usr/bin/", "usr/bin/alias", "usr/bin/tool", "var/", "var/lib/", "var/lib/.wh.old"), names);
        // byte order: '-' < '.' < '/' < 'A' < 'a' < non-ASCII
        List<LayerEntry> e = new ArrayList<>();
        for (String p : List.of("a/b", "a-b", "a.b", "a", "B", "é", "b")) {
            e.add(LayerEntry.file(p, 0644, 0, 0, T, new byte[0]));
        }
        List<String> sorted = LayerWriter.normalize(e, null).stream().map(LayerEntry::path).toList();
        assertEquals(List.of("B", "a", "a-b", "a.b", "a/b", "b", "é"), sorted);
    }

    @Test
    void longPathsBigIdsAndNonAsciiUsePax() throws IOException {
        String longDir = "d".repeat(60) + "/" + "e".repeat(60);
        String longFile = longDir + "/" + "f".repeat(120);
        String longTarget = "/opt/" + "t".repeat(150);
        List<LayerEntry> entries = List.of(
                LayerEntry.directory(longDir.substring(0, 60), 0755, 0, 0, T),
                LayerEntry.directory(longDir, 0755, 0, 0, T),
                LayerEntry.file(longFile, 0640, 3_000_000_000L, 4_000_000L, T, "x".getBytes(StandardCharsets.US_ASCII)),
                LayerEntry.symlink("link", longTarget, 0, 0, T),
                LayerEntry.file("ünïcödé.txt", 0644, 0, 0, T, new byte[] {1, 2}),
                LayerEntry.file("exactly99" + "x".repeat(90), 0644, 0, 0, T, new byte[0]),
                LayerEntry.file("exactly100" + "x".repeat(90), 0644, 0, 0, T, new byte[0]),
                LayerEntry.file("before1970", 0644, 0, 0, Instant.parse("1960-01-01T00:00:00Z"), new byte[0]));
        byte[] tar = tarBytes(entries, null);
        Map<String, TarArchiveEntry> byName = new LinkedHashMap<>();
        for (TarArchiveEntry e : commonsEntries(tar)) {
            byName.put(e.getName(), e);
        }
        assertTrue(byName.containsKey(longDir + "/"), byName.keySet().toString());
        TarArchiveEntry f = byName.get(longFile);
        assertEquals(3_000_000_000L, f.getLongUserId());
        assertEquals(4_000_000L, f.getLongGroupId());
        assertEquals(0640, f.getMode() & 07777);
        assertEquals(longTarget, byName.get("link").getLinkName());
        assertTrue(byName.containsKey("ünïcödé.txt"));
        assertTrue(byName.containsKey("exactly99" + "x".repeat(90)));
        assertTrue(byName.containsKey("exactly100" + "x".repeat(90)));
        assertEquals(Instant.parse("1960-01-01T00:00:00Z"), byName.get("before1970").getLastModifiedTime().toInstant());
        // And our own reader agrees.
        Layer layer = LayerWriter.write(store.blobs(), entries, Compression.GZIP, null);
        assertEquals(LayerWriter.normalize(entries, null), LayerReaderTest.readAll(store, layer));
    }

    @Test
    void xattrsAreBinarySafe() throws IOException {
        byte[] cap = {1, 0, 0, 2, (byte) 0x80, 0x20, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xfe, 0, 0, 0, 0, 0, 0};
        LayerEntry ping = LayerEntry.file("bin/ping", 0755, 0, 0, T, new byte[] {7})
                .withXattrs(Map.of("security.capability", cap, "user.comment", "héllo".getBytes(StandardCharsets.UTF_8)));
        Layer layer = LayerWriter.write(store.blobs(), List.of(ping), Compression.ZSTD, null);
        LayerEntry back = LayerReaderTest.readAll(store, layer).get(0);
        assertArrayEquals(cap, back.xattrs().get("security.capability"));
        assertEquals(ping, back);
        assertEquals(List.of("security.capability", "user.comment"), new ArrayList<>(back.xattrs().keySet()));
    }

    @Test
    void hardlinksComeAfterTheirTarget() throws IOException {
        // The caller says "a" is a hardlink to "z"; in byte order "a" comes first, so "a" becomes the file.
        List<LayerEntry> entries = List.of(
                LayerEntry.file("z", 0751, 5, 6, T, "content".getBytes(StandardCharsets.US_ASCII)),
                LayerEntry.hardlink("a", "z", 0644, 0, 0, T),
                LayerEntry.hardlink("m", "a", 0644, 0, 0, T));
        List<LayerEntry> n = LayerWriter.normalize(entries, null);
        assertEquals(Type.FILE, n.get(0).type());
        assertEquals("a", n.get(0).path());
        assertEquals(7, n.get(0).size());
        assertEquals(0751, n.get(0).mode());
        assertEquals(LayerEntry.hardlink("m", "a", 0751, 5, 6, T), n.get(1));
        assertEquals(LayerEntry.hardlink("z", "a", 0751, 5, 6, T), n.get(2));
        Layer layer = LayerWriter.write(store.blobs(), entries, Compression.NONE, null);
        assertEquals(n, LayerReaderTest.readAll(store, layer));
        // Same layer whichever path the caller made the file.
        List<LayerEntry> swapped = List.of(
                LayerEntry.file("a", 0751, 5, 6, T, "content".getBytes(StandardCharsets.US_ASCII)),
                LayerEntry.hardlink("z", "a", 0751, 5, 6, T),
                LayerEntry.hardlink("m", "z", 0751, 5, 6, T));
        assertEquals(layer, LayerWriter.write(store.blobs(), swapped, Compression.NONE, null));
        assertThrows(IllegalArgumentException.class, () -> LayerWriter.normalize(
                List.of(LayerEntry.hardlink("a", "missing", 0644, 0, 0, T)), null));
        assertThrows(IllegalArgumentException.class, () -> LayerWriter.normalize(
                List.of(LayerEntry.hardlink("a", "b", 0644, 0, 0, T), LayerEntry.hardlink("b", "a", 0644, 0, 0, T)), null));
    }

    @Test
    void invalidInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory("/abs", 0755, 0, 0, T));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory("dir/", 0755, 0, 0, T));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory("a/../b", 0755, 0, 0, T));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory("a//b", 0755, 0, 0, T));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory("./a", 0755, 0, 0, T));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.directory("a", 0100755, 0, 0, T));
        assertThrows(IllegalArgumentException.class, () -> LayerEntry.hardlink("a", "../b", 0644, 0, 0, T));
        assertThrows(IllegalArgumentException.class, () -> LayerWriter.normalize(List.of(
                LayerEntry.directory("a", 0755, 0, 0, T), LayerEntry.file("a", 0644, 0, 0, T, new byte[0])), null));
    }

    @Test
    void contentMustMatchTheDeclaredSizeAndNothingIsLeftBehind() throws IOException {
        LayerEntry shorter = LayerEntry.file("f", 0644, 0, 0, T, 10, () -> new ByteArrayInputStream(new byte[5]));
        IOException e = assertThrows(IOException.class,
                () -> LayerWriter.write(store.blobs(), List.of(shorter), Compression.GZIP, null));
        assertTrue(e.getMessage().contains("\"f\"") && e.getMessage().contains("5 of 10"), e.getMessage());
        LayerEntry longer = LayerEntry.file("g", 0644, 0, 0, T, 3, () -> new ByteArrayInputStream(new byte[5]));
        e = assertThrows(IOException.class, () -> LayerWriter.write(store.blobs(), List.of(longer), Compression.ZSTD, null));
        assertTrue(e.getMessage().contains("longer"), e.getMessage());
        assertEquals(0, store.blobs().list().count());
        try (var s = Files.list(root.resolve("tmp"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void eachFileIsOpenedOnceAndClosed() throws IOException {
        AtomicInteger opens = new AtomicInteger();
        AtomicInteger closes = new AtomicInteger();
        List<LayerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] c = TestData.pattern(i, 1000 * i);
            entries.add(LayerEntry.file("f" + i, 0644, 0, 0, T, c.length, () -> {
                opens.incrementAndGet();
                return new ByteArrayInputStream(c) {
                    @Override
                    public void close() {
                        closes.incrementAndGet();
                    }
                };
            }));
        }
        LayerWriter.write(store.blobs(), entries, Compression.GZIP, null);
        assertEquals(20, opens.get());
        assertEquals(20, closes.get());
    }

    @Test
    void devicesAndFifos() throws IOException {
        List<LayerEntry> entries = List.of(
                LayerEntry.device("dev/null", Type.CHAR_DEVICE, 0666, 0, 0, T, 1, 3),
                LayerEntry.device("dev/sda", Type.BLOCK_DEVICE, 0660, 0, 6, T, 8, 0),
                LayerEntry.device("dev/big", Type.CHAR_DEVICE, 0600, 0, 0, T, 4_000_000, 5_000_000),
                LayerEntry.fifo("run/fifo", 0600, 0, 0, T));
        Layer layer = LayerWriter.write(store.blobs(), entries, Compression.NONE, null);
        assertEquals(LayerWriter.normalize(entries, null), LayerReaderTest.readAll(store, layer));
    }

    @Test
    void emptyLayer() throws IOException {
        Layer layer = LayerWriter.write(store.blobs(), List.of(), Compression.NONE, null);
        assertEquals(1024, layer.descriptor().size());
        assertEquals(Digest.sha256(new byte[1024]), layer.diffId());
        assertEquals(List.of(), LayerReaderTest.readAll(store, layer));
    }

    @Test
    @Timeout(300)
    void aTwoHundredMegabyteFileStreamsThroughASmallHeap() throws Exception {
        long size = 200L * 1024 * 1024;
        try (TestData.Child child = new TestData.Child(List.of("-Xmx48m", "-XX:+UseSerialGC"), "biglayer",
                root.toString(), Long.toString(size))) {
            String ok = child.expectLine("OK", 240);
            assertEquals(0, child.waitFor(60), child.stderr());
            assertTrue(ok.contains("opens=1 "), ok);
            long maxHeap = Long.parseLong(ok.replaceAll(".*maxHeap=(\\d+).*", "$1"));
            assertTrue(maxHeap < size / 3, "the child's heap (" + maxHeap + ") must be far below the layer size");
        }
        // The layer is in the store (written by the child), and its diff-id was recorded.
        List<Digest> blobs = store.blobs().list().toList();
        assertEquals(1, blobs.size());
        assertTrue(store.blobs().diffId(blobs.get(0)).isPresent());
    }

    @Test
    void pathOrderIsTheOrderOfUtf8BytesForAnyStrings() {
        java.util.Random r = new java.util.Random(11);
        char[] alphabet = {'a', 'b', '/', '-', '.', '\u00e9', '\u20ac', '\ue000', '\uffff', '\ud83d', '\ude00', '\ud800',
                '\udfff'};
        for (int i = 0; i < 200_000; i++) {
            String a = randomString(r, alphabet);
            String b = r.nextInt(4) == 0 ? a + randomString(r, alphabet) : randomString(r, alphabet);
            int expected = Integer.signum(java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
                    b.getBytes(StandardCharsets.UTF_8)));
            assertEquals(expected, Integer.signum(LayerWriter.PATH_ORDER.compare(a, b)), a + " vs " + b);
        }
    }

    private static String randomString(java.util.Random r, char[] alphabet) {
        char[] c = new char[r.nextInt(5)];
        for (int i = 0; i < c.length; i++) {
            c[i] = alphabet[r.nextInt(alphabet.length)];
        }
        return new String(c);
    }

    /** A content source that counts its opens and closes, and can lie about its length. */
    private static final class Counted implements LayerEntry.ContentSource {
        final byte[] bytes;
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();

        Counted(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public InputStream open() {
            opens.incrementAndGet();
            return new ByteArrayInputStream(bytes) {
                @Override
                public void close() {
                    closes.incrementAndGet();
                }
            };
        }
    }

    /**
     * Many small files are read ahead of the tar writer (SmallFileReadAhead): the tar is the same, each file is
     * opened once and closed, and a file shorter or longer than its size fails the write naming that file.
     */
    @Test
    void manySmallFilesAreReadAheadOnceEachAndFailuresNameTheirFile() throws IOException {
        List<LayerEntry> entries = new ArrayList<>();
        List<Counted> sources = new ArrayList<>();
        entries.add(LayerEntry.directory("d", 0755, 0, 0, T));
        for (int i = 0; i < 300; i++) {
            byte[] b = ("file " + i + "\n").repeat(i % 5 == 0 ? 3000 : 1 + i % 3).getBytes(StandardCharsets.UTF_8);
            Counted c = new Counted(b);
            sources.add(c);
            entries.add(LayerEntry.file(String.format("d/f%03d", i), 0644, 0, 0, T, b.length, c));
        }
        byte[] big = new byte[SmallFileReadAhead.MAX_FILE + 1];
        entries.add(LayerEntry.file("d/zbig", 0644, 0, 0, T, big.length, new Counted(big)));
        byte[] tar = tarBytes(entries, null);
        List<TarArchiveEntry> read = commonsEntries(tar);
        assertEquals(entries.size(), read.size());
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            int i = 0;
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null;) {
                if (e.getName().startsWith("d/f")) {
                    assertArrayEquals(sources.get(i++).bytes, in.readAllBytes(), e.getName());
                }
            }
            assertEquals(300, i);
        }
        for (Counted c : sources) {
            assertEquals(1, c.opens.get());
            assertEquals(1, c.closes.get());
        }
        // fresh sources in another order: the same tar
        List<LayerEntry> again = new ArrayList<>();
        for (LayerEntry e : entries) {
            again.add(e.content() == null ? e : e.withContent(e.size(), new Counted(((Counted) e.content()).bytes)));
        }
        Collections.reverse(again);
        assertArrayEquals(tar, tarBytes(again, null));

        for (int lie : new int[] {-1, +1}) {
            List<LayerEntry> bad = new ArrayList<>(entries);
            LayerEntry victim = bad.get(150);
            bad.set(150, victim.withContent(victim.size() + lie, victim.content()));
            IOException e = assertThrows(IOException.class, () -> tarBytes(bad, null));
            assertTrue(e.getMessage().startsWith("layer entry \"" + victim.path() + "\": content "), e.getMessage());
        }
    }
}
