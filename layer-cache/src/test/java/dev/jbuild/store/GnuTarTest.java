package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.store.LayerEntry.Type;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layers checked by the machine's GNU tar, and archives made by GNU tar read by LayerReader. */
class GnuTarTest {
    private static final Pattern LINE = Pattern.compile(
            "^(\\S{10}) (\\S+)/(\\S+)\\s+(\\d+|\\d+,\\s*\\d+) (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) (.*)$");

    @TempDir
    Path root;
    @TempDir
    Path work;
    Store store;
    String tar;

    @BeforeEach
    void setUp() throws Exception {
        store = Store.open(root);
        tar = TestData.gnuTar();
    }

    record Listed(String mode, String owner, String group, String size, String time, String name) {}

    private Map<String, Listed> list(Path tarFile, boolean numeric) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tar, "--full-time", "-tvf", tarFile.toString()));
        if (numeric) {
            cmd.add(1, "--numeric-owner");
        }
        TestData.Result r = TestData.run(null, cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), "tar -tvf failed: " + r.stderr());
        assertEquals("", r.stderr(), "tar must not warn");
        Map<String, Listed> out = new TreeMap<>();
        for (String line : r.stdout().split("\n")) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "unexpected tar -tv line: " + line);
            out.put(m.group(6).replaceAll(" (->|link to) .*", ""),
                    new Listed(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)));
        }
        return out;
    }

    /** The layer's blob decompressed to a plain tar file. */
    private Path plainTar(Layer layer) throws IOException {
        Path out = work.resolve(layer.digest().hex() + ".tar");
        try (InputStream in = switch (Compression.fromMediaType(layer.descriptor().mediaType())) {
            case GZIP -> new GZIPInputStream(store.blobs().open(layer.digest()));
            case ZSTD -> new com.github.luben.zstd.ZstdInputStream(store.blobs().open(layer.digest()));
            case NONE -> store.blobs().open(layer.digest());
        }) {
            Files.copy(in, out);
        }
        return out;
    }

    @Test
    void gnuTarListsNamesModesNumericOwnersAndLinks() throws Exception {
        Instant t = Instant.parse("2023-11-14T22:13:20.75Z");
        String longName = "deep/" + "n".repeat(120) + "/file.txt";
        List<LayerEntry> entries = List.of(
                LayerEntry.directory("deep", 0755, 0, 0, t),
                LayerEntry.directory("deep/" + "n".repeat(120), 0750, 0, 0, t),
                LayerEntry.file(longName, 0640, 3_000_000_000L, 12345, t, "long".getBytes(StandardCharsets.US_ASCII)),
                LayerEntry.file("bin/su", 04755, 0, 0, t, "su".getBytes(StandardCharsets.US_ASCII)),
                LayerEntry.directory("bin", 0755, 0, 0, t),
                LayerEntry.directory("tmp", 01777, 0, 0, t),
                LayerEntry.file("g", 02711, 1, 2, t, new byte[0]),
                LayerEntry.symlink("lib", "usr/lib", 0, 0, t),
                LayerEntry.symlink("far", "/" + "x".repeat(130), 0, 0, t),
                LayerEntry.hardlink("bin/su2", "bin/su", 04755, 0, 0, t),
                LayerEntry.device("dev/null", Type.CHAR_DEVICE, 0666, 0, 0, t, 1, 3),
                LayerEntry.fifo("fifo", 0600, 0, 0, t),
                LayerEntry.directory("dev", 0755, 0, 0, t));
        for (Compression c : Compression.values()) {
            Layer layer = LayerWriter.write(store.blobs(), entries, c, Instant.parse("2023-01-01T00:00:00Z"));
            Path plain = plainTar(layer);
            Map<String, Listed> numeric = list(plain, true);
            assertEquals(List.of("bin/", "bin/su", "bin/su2", "deep/", "deep/" + "n".repeat(120) + "/", longName,
                    "dev/", "dev/null", "far", "fifo", "g", "lib", "tmp/"), new ArrayList<>(numeric.keySet()));
            assertEquals(new Listed("-rw-r-----", "3000000000", "12345", "4", "2023-01-01 00:00:00", longName),
                    numeric.get(longName));
            assertEquals("-rwsr-xr-x", numeric.get("bin/su").mode());
            assertEquals("0", numeric.get("bin/su").owner());
            assertEquals("hrwsr-xr-x", numeric.get("bin/su2").mode());
            assertEquals("bin/su2 link to bin/su", numeric.get("bin/su2").name());
            assertEquals("drwxrwxrwt", numeric.get("tmp/").mode());
            assertEquals("drwxr-x---", numeric.get("deep/" + "n".repeat(120) + "/").mode());
            assertEquals("-rwx--s--x", numeric.get("g").mode());
            assertEquals("1", numeric.get("g").owner());
            assertEquals("2", numeric.get("g").group());
            assertEquals("lrwxrwxrwx", numeric.get("lib").mode());
            assertEquals("lib -> usr/lib", numeric.get("lib").name());
            assertEquals("far -> /" + "x".repeat(130), numeric.get("far").name());
            assertEquals("crw-rw-rw-", numeric.get("dev/null").mode());
            assertEquals("1,3", numeric.get("dev/null").size().replace(" ", ""));
            assertEquals("prw-------", numeric.get("fifo").mode());
            // Without --numeric-owner, the empty names make GNU tar show the numbers too.
            Map<String, Listed> named = list(plain, false);
            assertEquals("3000000000/12345", named.get(longName).owner() + "/" + named.get(longName).group());
            assertEquals("0/0", named.get("lib").owner() + "/" + named.get("lib").group());
        }
    }

    @Test
    void gnuTarExtractsTheContent() throws Exception {
        Instant t = Instant.parse("2021-06-01T12:00:00Z");
        byte[] big = TestData.pattern(9, 1_000_003);
        List<LayerEntry> entries = List.of(
                LayerEntry.directory("a", 0755, 0, 0, t),
                LayerEntry.file("a/big.bin", 0644, 0, 0, t, big),
                LayerEntry.file("a/ünï.txt", 0644, 0, 0, t, "utf".getBytes(StandardCharsets.UTF_8)),
                LayerEntry.symlink("a/link", "big.bin", 0, 0, t),
                LayerEntry.hardlink("a/hard", "a/big.bin", 0644, 0, 0, t));
        Layer layer = LayerWriter.write(store.blobs(), entries, Compression.GZIP, null);
        Path out = Files.createDirectory(work.resolve("x"));
        TestData.Result r = TestData.run(out, tar, "--no-same-owner", "-xf", plainTar(layer).toString());
        assertEquals(0, r.exit(), r.stderr());
        assertArrayEquals(big, Files.readAllBytes(out.resolve("a/big.bin")));
        assertArrayEquals(big, Files.readAllBytes(out.resolve("a/hard")));
        assertEquals("utf", Files.readString(out.resolve("a/ünï.txt")));
        assertEquals("big.bin", Files.readSymbolicLink(out.resolve("a/link")).toString());
        assertEquals(t, Files.getLastModifiedTime(out.resolve("a/big.bin"), LinkOption.NOFOLLOW_LINKS).toInstant());
    }

    @Test
    void layerReaderReadsArchivesMadeByGnuTar() throws Exception {
        Path src = Files.createDirectory(work.resolve("src"));
        String longDir = "d".repeat(80) + "/" + "e".repeat(80);
        Files.createDirectories(src.resolve(longDir));
        Files.write(src.resolve(longDir + "/f.txt"), "deep".getBytes(StandardCharsets.US_ASCII));
        Files.createSymbolicLink(src.resolve("l"), Path.of(longDir + "/f.txt"));
        Files.createSymbolicLink(src.resolve("long-link"), Path.of("t".repeat(150)));
        for (String format : List.of("gnu", "pax", "ustar-ish-gnu-default")) {
            Path archive = work.resolve(format + ".tar");
            List<String> cmd = new ArrayList<>(List.of(tar, "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
                    "-C", src.toString(), "-cf", archive.toString(), "."));
            if (!format.startsWith("ustar")) {
                cmd.add(1, "--format=" + format);
            }
            TestData.Result r = TestData.run(null, cmd.toArray(String[]::new));
            assertEquals(0, r.exit(), r.stderr());
            Map<String, LayerEntry> got = new TreeMap<>();
            Map<String, byte[]> content = new TreeMap<>();
            try (LayerReader reader = LayerReader.open(Files.newInputStream(archive), archive.toString())) {
                for (LayerEntry e; (e = reader.next()) != null;) {
                    got.put(e.path(), e);
                    content.put(e.path(), reader.content().readAllBytes());
                }
                assertEquals(dev.jbuild.oci.Digest.sha256(Files.readAllBytes(archive)), reader.diffId());
            }
            assertEquals(List.of("d".repeat(80), longDir, longDir + "/f.txt", "l", "long-link"),
                    new ArrayList<>(got.keySet()), format);
            assertEquals(Type.DIRECTORY, got.get(longDir).type());
            assertArrayEquals("deep".getBytes(StandardCharsets.US_ASCII), content.get(longDir + "/f.txt"));
            assertEquals("t".repeat(150), got.get("long-link").linkTarget());
            assertEquals(0, got.get("l").uid());
        }
    }
}
