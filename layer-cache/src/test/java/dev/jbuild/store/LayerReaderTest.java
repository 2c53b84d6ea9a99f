package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry.Type;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerReaderTest {
    @TempDir
    Path root;
    Store store;

    @BeforeEach
    void open() throws IOException {
        store = Store.open(root);
    }

    /** All entries of a stored layer (checking the diff-id on the way). */
    static List<LayerEntry> readAll(Store store, Layer layer) throws IOException {
        List<LayerEntry> out = new ArrayList<>();
        try (LayerReader r = LayerReader.open(store.blobs(), layer.digest())) {
            for (LayerEntry e; (e = r.next()) != null;) {
                out.add(e);
            }
            assertEquals(layer.diffId(), r.diffId());
        }
        return out;
    }

    @Test
    void readsBackWhatWasWrittenWithContent() throws IOException {
        List<LayerEntry> entries = LayerWriterTest.sample(0);
        for (Compression c : Compression.values()) {
            Layer layer = LayerWriter.write(store.blobs(), entries, c, null);
            List<LayerEntry> expected = LayerWriter.normalize(entries, null);
            Map<String, byte[]> contents = new HashMap<>();
            List<LayerEntry> got = new ArrayList<>();
            try (LayerReader r = LayerReader.open(store.blobs(), layer.digest())) {
                assertEquals(c, r.compression());
                assertThrows(IllegalStateException.class, r::diffId);
                for (LayerEntry e; (e = r.next()) != null;) {
                    got.add(e);
                    contents.put(e.path(), r.content().readAllBytes());
                }
                assertEquals(layer.diffId(), r.diffId());
                assertEquals(null, r.next());
            }
            assertEquals(expected, got);
            for (LayerEntry e : expected) {
                byte[] want = e.type() == Type.FILE ? e.content().open().readAllBytes() : new byte[0];
                assertArrayEquals(want, contents.get(e.path()), e.path());
            }
        }
    }

    @Test
    void skippingContentWorks() throws IOException {
        List<LayerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            entries.add(LayerEntry.file("f" + i, 0644, 0, 0, LayerWriterTest.T, TestData.pattern(i, 777 * i + 1)));
        }
        Layer layer = LayerWriter.write(store.blobs(), entries, Compression.GZIP, null);
        try (LayerReader r = LayerReader.open(store.blobs(), layer.digest())) {
            int n = 0;
            for (LayerEntry e; (e = r.next()) != null; n++) {
                if (n % 2 == 0) {
                    r.content().read(new byte[3]); // partially read
                }
            }
            assertEquals(10, n);
            assertEquals(layer.diffId(), r.diffId());
        }
    }

    @Test
    void corruptBlobIsReported() throws IOException {
        Layer layer = LayerWriter.write(store.blobs(), LayerWriterTest.sample(0), Compression.NONE, null);
        Path p = store.blobs().path(layer.digest());
        byte[] b = Files.readAllBytes(p);
        b[b.length - 1] = 1; // in the end padding: the tar still parses, the digest does not match
        Files.write(p, b);
        IOException e = assertThrows(IOException.class, () -> readAll(store, layer));
        assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
    }

    static byte[] rawTar(List<TarArchiveEntry> entries, Map<String, byte[]> contents) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            for (TarArchiveEntry e : entries) {
                byte[] c = contents.getOrDefault(e.getName(), new byte[0]);
                if (e.isFile()) {
                    e.setSize(c.length);
                }
                tar.putArchiveEntry(e);
                if (e.isFile()) {
                    tar.write(c);
                }
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    static TarArchiveEntry raw(String name, byte type) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setModTime(0);
        return e;
    }

    static TarArchiveEntry rawLink(String name, byte type, String target) {
        TarArchiveEntry e = raw(name, type);
        e.setLinkName(target);
        return e;
    }

    private List<LayerEntry> read(byte[] tar) throws IOException {
        List<LayerEntry> out = new ArrayList<>();
        try (LayerReader r = LayerReader.open(new ByteArrayInputStream(tar), "test-layer")) {
            for (LayerEntry e; (e = r.next()) != null;) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void pathsAreCleaned() throws IOException {
        byte[] tar = rawTar(List.of(raw("./", TarConstants.LF_DIR), raw("./a/", TarConstants.LF_DIR),
                raw("a//b/./c", TarConstants.LF_NORMAL), raw("a/x/../d", TarConstants.LF_NORMAL),
                rawLink("a/h", TarConstants.LF_LINK, "./a//b/./c"), raw("old-style-dir/", TarConstants.LF_NORMAL)), Map.of());
        List<String> paths = read(tar).stream().map(e -> e.type() + " " + e.path()
                + (e.linkTarget() == null ? "" : " -> " + e.linkTarget())).toList();
        assertEquals(List.of("DIRECTORY a", "FILE a/b/c", "FILE a/d", "HARDLINK a/h -> a/b/c", "DIRECTORY old-style-dir"), paths);
    }

    @Test
    void escapingPathsAreRejectedWithLayerAndPath() throws IOException {
        for (String bad : List.of("../x", "a/../../x", "/abs", "/", "..")) {
            byte[] tar = rawTar(List.of(raw("ok", TarConstants.LF_NORMAL), raw(bad, TarConstants.LF_NORMAL)), Map.of());
            LayerFormatException e = assertThrows(LayerFormatException.class, () -> read(tar), bad);
            assertTrue(e.getMessage().startsWith("layer test-layer: entry \"" + bad + "\""), e.getMessage());
            assertEquals(bad, e.entryPath());
        }
        byte[] tar = rawTar(List.of(rawLink("h", TarConstants.LF_LINK, "../../etc/passwd")), Map.of());
        LayerFormatException e = assertThrows(LayerFormatException.class, () -> read(tar));
        assertTrue(e.getMessage().contains("hardlink target"), e.getMessage());
        // symlink targets are data: kept verbatim
        byte[] sym = rawTar(List.of(rawLink("s", TarConstants.LF_SYMLINK, "../../etc/passwd")), Map.of());
        assertEquals("../../etc/passwd", read(sym).get(0).linkTarget());
    }

    @Test
    void garbageIsALayerFormatError() {
        byte[] junk = "this is not a tar archive at all".repeat(40).getBytes(StandardCharsets.US_ASCII);
        LayerFormatException e = assertThrows(LayerFormatException.class, () -> read(junk));
        assertTrue(e.getMessage().contains("test-layer") && e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void paxRecordsFromOtherWritersAreApplied() throws IOException {
        java.util.TreeMap<String, byte[]> records = new java.util.TreeMap<>();
        records.put("path", ("much/longer/" + "p".repeat(200)).getBytes(StandardCharsets.US_ASCII));
        records.put("mtime", "1700000000.25".getBytes(StandardCharsets.US_ASCII));
        records.put("uid", "123456789".getBytes(StandardCharsets.US_ASCII));
        records.put("SCHILY.xattr.user.k", "v".getBytes(StandardCharsets.US_ASCII));
        records.put("LIBARCHIVE.xattr.user.b64", "AAEC".getBytes(StandardCharsets.US_ASCII));
        byte[] pax = LayerWriter.encodePax(records);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry x = raw("PaxHeaders/short", TarConstants.LF_PAX_EXTENDED_HEADER_LC);
            x.setSize(pax.length);
            tar.putArchiveEntry(x);
            tar.write(pax);
            tar.closeArchiveEntry();
            TarArchiveEntry f = raw("short", TarConstants.LF_NORMAL);
            f.setSize(0);
            tar.putArchiveEntry(f);
            tar.closeArchiveEntry();
        }
        LayerEntry e = read(out.toByteArray()).get(0);
        assertEquals("much/longer/" + "p".repeat(200), e.path());
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 250_000_000), e.mtime());
        assertEquals(123456789L, e.uid());
        assertArrayEquals("v".getBytes(StandardCharsets.US_ASCII), e.xattrs().get("user.k"));
        assertArrayEquals(new byte[] {0, 1, 2}, e.xattrs().get("user.b64"));
        // GNU long names (commons-compress LONGFILE_GNU)
        byte[] gnu = rawTar(List.of(rawLink("x".repeat(150), TarConstants.LF_SYMLINK, "y".repeat(160))), Map.of());
        LayerEntry g = read(gnu).get(0);
        assertEquals("x".repeat(150), g.path());
        assertEquals("y".repeat(160), g.linkTarget());
    }

    @Test
    void paxEncodingLengths() {
        java.util.TreeMap<String, byte[]> r = new java.util.TreeMap<>();
        r.put("path", "x".repeat(89).getBytes(StandardCharsets.US_ASCII)); // 1+4+1+89+1 = 96 -> 98 (2 digits)
        r.put("linkpath", "y".repeat(87).getBytes(StandardCharsets.US_ASCII)); // 1+8+1+87+1 = 98 -> 101 (3 digits)
        String s = new String(LayerWriter.encodePax(r), StandardCharsets.US_ASCII);
        assertEquals("101 linkpath=" + "y".repeat(87) + "\n98 path=" + "x".repeat(89) + "\n", s);
    }

    @Test
    void digestOfUncompressedStreamIsTheDiffIdEvenWithoutAStore() throws IOException {
        byte[] tar = LayerWriterTest.tarBytes(LayerWriterTest.sample(0), null);
        try (LayerReader r = LayerReader.open(new ByteArrayInputStream(tar), "x")) {
            while (r.next() != null) {
                // consume
            }
            assertEquals(Digest.sha256(tar), r.diffId());
        }
    }
}
