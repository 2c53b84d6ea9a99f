package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile contexts and archives: whatever a context or an ADD archive holds, COPY and ADD copy it correctly,
 * refuse it with an error naming it, or leave it out as docker does — never follow it out of the context, never
 * put an entry outside the destination, never hang. (Symlinks to /etc/passwd and ../.. are in
 * {@link BuilderTest#contextEscapesAreRefused}; hostile pulled layers in layer-cache's SnapshotStoreTest and
 * RootfsSnapshotsTest.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HostileInputTest {
    static final Instant EPOCH = Instant.ofEpochSecond(1_700_000_000L);

    @TempDir
    Path tmp;
    Path ctx;
    Store store;

    @BeforeEach
    void setUp() throws IOException {
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        store = Store.open(tmp.resolve("root"));
    }

    BuildResult build(String dockerfile) throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return new Builder(store).build(new BuildRequest(ctx, null, List.of(), Map.of(), null,
                Platform.parse("linux/amd64"), Compression.GZIP, false, EPOCH, null));
    }

    BuildException fails(String dockerfile) {
        return assertThrows(BuildException.class, () -> build(dockerfile));
    }

    static Map<String, LayerEntry> fs(BuildResult r) {
        Map<String, LayerEntry> m = new TreeMap<>();
        for (LayerEntry e : r.rootfs()) {
            m.put(e.path(), e);
        }
        return m;
    }

    static String content(LayerEntry e) throws IOException {
        try (InputStream in = e.content().open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ---- contexts -------------------------------------------------------------------------------

    @Test
    void symlinkLoopsAreCopiedAsLinksAndFollowingOneIsAClearError() throws Exception {
        Files.createDirectories(ctx.resolve("dir"));
        Files.createSymbolicLink(ctx.resolve("dir/self"), Path.of("self"));
        Files.createSymbolicLink(ctx.resolve("dir/a"), Path.of("b"));
        Files.createSymbolicLink(ctx.resolve("dir/b"), Path.of("a"));
        Files.createSymbolicLink(ctx.resolve("dir/up"), Path.of(".."));
        Files.createSymbolicLink(ctx.resolve("loop"), Path.of("loop"));
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY dir /d/\n"));
        assertEquals("self", fs.get("d/self").linkTarget());
        assertEquals("b", fs.get("d/a").linkTarget());
        assertEquals("..", fs.get("d/up").linkTarget(), "a link to a parent is copied, not walked");
        assertEquals(LayerEntry.Type.SYMLINK, fs.get("d/up").type());
        BuildException e = fails("FROM scratch\nCOPY loop /x\n");
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
        assertTrue(e.getMessage().startsWith("Dockerfile:2"), e.getMessage());
    }

    @Test
    void fifosAndSocketsInTheContextAreNeverRead() throws Exception {
        Files.writeString(ctx.resolve("real.txt"), "real");
        Files.createDirectories(ctx.resolve("d"));
        Process mkfifo = new ProcessBuilder("mkfifo", ctx.resolve("d/pipe").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(ctx.resolve("d/sock")));
            // Reading the FIFO would block forever (nobody writes to it): the test's timeout would say so.
            Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY . /app/\n"));
            assertEquals("real", content(fs.get("app/real.txt")));
            LayerEntry pipe = fs.get("app/d/pipe");
            assertTrue(pipe == null || pipe.type() == LayerEntry.Type.FIFO, "the FIFO is a FIFO or left out: " + pipe);
            assertFalse(fs.containsKey("app/d/sock") && fs.get("app/d/sock").type() == LayerEntry.Type.FILE,
                    "a socket never becomes a file");
            BuildException e = fails("FROM scratch\nCOPY d/pipe /p\n");
            assertTrue(e.getMessage().contains("pipe"), e.getMessage());
        }
    }

    @Test
    void namesWithNewlinesAndNonUtf8BytesAreCopiedOrNamedInTheError() throws Exception {
        Files.writeString(ctx.resolve("line\nbreak.txt"), "newline");
        // A name that is not UTF-8 (0xff) can only be made below the JDK, by the shell.
        Process p = new ProcessBuilder("sh", "-c", "printf bad > \"$(printf 'bad\\377name')\"")
                .directory(ctx.toFile()).start();
        assertEquals(0, p.waitFor());
        try {
            Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY . /app/\n"));
            assertEquals("newline", content(fs.get("app/line\nbreak.txt")));
            // copied: under a name that is the file's (whatever the JDK decodes it to), with its content
            assertTrue(fs.values().stream().anyMatch(e -> e.path().startsWith("app/bad") && e.type() == LayerEntry.Type.FILE),
                    fs.keySet().toString());
        } catch (BuildException e) {
            assertTrue(e.getMessage().contains("bad"), "the error names the file: " + e.getMessage());
        }
    }

    @Test
    void aFileGrowingWhileItIsCopiedGivesAWholeEntryOrAClearError() throws Exception {
        Path grow = ctx.resolve("grow.log");
        Files.write(grow, new byte[1 << 20]);
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(grow, java.nio.file.StandardOpenOption.APPEND)) {
                byte[] chunk = new byte[4096];
                while (!stop.get()) {
                    out.write(chunk);
                }
            } catch (IOException ignored) {
                // the test ends
            }
        });
        writer.start();
        try {
            for (int i = 0; i < 3; i++) {
                try {
                    Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY grow.log /g" + i + "\n"));
                    LayerEntry e = fs.get("g" + i);
                    try (InputStream in = e.content().open()) {
                        assertEquals(e.size(), in.transferTo(OutputStream.nullOutputStream()), "content is its size");
                    }
                } catch (BuildException e) {
                    assertTrue(e.getMessage().startsWith("Dockerfile:2"), e.getMessage());
                    assertTrue(e.getMessage().contains("g" + i) && e.getMessage().contains("change"), e.getMessage());
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    /** What a COPY put in its layer is what the built filesystem gives, whatever the context file does afterwards. */
    @Test
    void aContextFileChangedAfterItsCopyDoesNotReachTheBuiltFilesystem() throws Exception {
        Path f = ctx.resolve("f.txt");
        Files.writeString(f, "first");
        BuildResult cold = build("FROM scratch\nCOPY f.txt /f\n");
        BuildResult cached = build("FROM scratch\nCOPY f.txt /f\n");
        Files.writeString(f, "other"); // the same size, so only the content tells
        for (BuildResult r : List.of(cold, cached)) {
            try (InputStream in = fs(r).get("f").content().open()) {
                assertEquals("first", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    /** Long (under -Preliability): about two minutes on a busy two-core machine, a few passes over 100,000 inodes. */
    @Test
    @org.junit.jupiter.api.Tag("long")
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aHundredThousandFiles() throws Exception {
        Path many = Files.createDirectories(ctx.resolve("many"));
        for (int d = 0; d < 100; d++) {
            Path dir = Files.createDirectory(many.resolve("d" + d));
            for (int f = 0; f < 1000; f++) {
                Files.write(dir.resolve("f" + f), new byte[] {(byte) f});
            }
        }
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY many /m/\n"));
        assertEquals(100_000, fs.values().stream().filter(e -> e.type() == LayerEntry.Type.FILE).count());
        assertEquals(100, fs.values().stream().filter(e -> e.type() == LayerEntry.Type.DIRECTORY).count() - 1);
    }

    // ---- archives (ADD auto-extract) ------------------------------------------------------------

    interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private void archive(String name, Entries entries) throws IOException {
        try (OutputStream raw = Files.newOutputStream(ctx.resolve(name));
                OutputStream out = name.endsWith(".gz") ? new GZIPOutputStream(raw) : raw;
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            entries.write(tar);
        }
    }

    private static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream tar, String name, byte type, String target) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    /** Every entry of the result lies below DEST and none names a parent directory. */
    private static void assertAllBelow(Map<String, LayerEntry> fs, String dest) {
        for (String p : fs.keySet()) {
            assertFalse(List.of(p.split("/")).contains(".."), p);
            assertTrue(p.equals(dest) || p.startsWith(dest + "/") || dest.startsWith(p + "/"), "outside " + dest + ": " + p);
        }
    }

    /** The build either refuses the archive naming it, or keeps everything below DEST. */
    private void refusedOrContained(String archive, String dest) throws Exception {
        try {
            assertAllBelow(fs(build("FROM scratch\nADD " + archive + " /" + dest + "/\n")), dest);
        } catch (BuildException e) {
            assertTrue(e.getMessage().contains(archive), "the error names the archive: " + e.getMessage());
        }
    }

    @Test
    void dotDotEntriesNeverLeaveTheDestination() throws Exception {
        archive("dots.tar", tar -> {
            file(tar, "ok.txt", "ok");
            file(tar, "../../escape.txt", "escaped");
            file(tar, "a/../../../escape2.txt", "escaped");
        });
        refusedOrContained("dots.tar", "dst");
    }

    @Test
    void absolutePathsStayBelowTheDestination() throws Exception {
        archive("abs.tar", tar -> file(tar, "/etc/evil", "evil"));
        try {
            Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD abs.tar /dst/\n"));
            assertAllBelow(fs, "dst");
            assertEquals("evil", content(fs.get("dst/etc/evil")), "as docker does: the path is taken below the destination");
        } catch (BuildException e) {
            assertTrue(e.getMessage().contains("abs.tar"), e.getMessage());
        }
    }

    @Test
    void aFileThroughASymlinkOfTheArchiveIsNotWrittenThroughIt() throws Exception {
        archive("through.tar", tar -> {
            link(tar, "link", TarConstants.LF_SYMLINK, "/etc");
            file(tar, "link/passwd", "root::0:0::/:/bin/sh\n");
            link(tar, "up", TarConstants.LF_SYMLINK, "../../..");
            file(tar, "up/escape.txt", "escaped");
        });
        try {
            Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD through.tar /dst/\n"));
            assertAllBelow(fs, "dst");
            for (String p : fs.keySet()) {
                String parent = p.contains("/") ? p.substring(0, p.lastIndexOf('/')) : "";
                LayerEntry up = fs.get(parent);
                assertFalse(up != null && up.type() == LayerEntry.Type.SYMLINK, "an entry below the symlink " + parent + ": " + p);
            }
        } catch (BuildException e) {
            assertTrue(e.getMessage().contains("through.tar"), e.getMessage());
        }
    }

    @Test
    void hardLinksToOutsideAreRefused() throws Exception {
        archive("hard.tar", tar -> {
            file(tar, "inside.txt", "inside");
            link(tar, "ok", TarConstants.LF_LINK, "inside.txt");
            link(tar, "passwd", TarConstants.LF_LINK, "../../../../etc/passwd");
        });
        try {
            Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD hard.tar /dst/\n"));
            assertAllBelow(fs, "dst");
            LayerEntry pw = fs.get("dst/passwd");
            assertTrue(pw == null || !"root".equals(pw.type() == LayerEntry.Type.FILE ? content(pw).substring(0, 4) : ""),
                    "the host's /etc/passwd never becomes content");
            if (pw != null && pw.type() == LayerEntry.Type.HARDLINK) {
                assertFalse(pw.linkTarget().contains(".."), pw.linkTarget());
            }
        } catch (BuildException e) {
            assertTrue(e.getMessage().contains("hard.tar"), e.getMessage());
        }
    }

    @Test
    void deviceNodesAreLayerEntriesNeverHostDevices() throws Exception {
        archive("dev.tar", tar -> {
            TarArchiveEntry e = new TarArchiveEntry("null", TarConstants.LF_CHR, true);
            e.setDevMajor(1);
            e.setDevMinor(3);
            e.setMode(0666);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            TarArchiveEntry b = new TarArchiveEntry("sda", TarConstants.LF_BLK, true);
            b.setDevMajor(8);
            b.setDevMinor(0);
            tar.putArchiveEntry(b);
            tar.closeArchiveEntry();
        });
        try {
            Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD dev.tar /dev2/\n"));
            assertAllBelow(fs, "dev2");
            for (LayerEntry e : fs.values()) {
                assertFalse(e.type() == LayerEntry.Type.FILE && e.path().endsWith("sda"), "a block device is never read");
            }
        } catch (BuildException e) {
            assertTrue(e.getMessage().contains("dev.tar"), e.getMessage());
        }
    }

    @Test
    void aGzipBombIsStreamedNotHeld() throws Exception {
        // 256 MB of zeros in a 256 KB gzip: the build streams it (this JVM's heap would not hold many of it).
        archive("bomb.tar.gz", tar -> {
            TarArchiveEntry e = new TarArchiveEntry("zeros", true);
            long size = 256L << 20;
            e.setSize(size);
            tar.putArchiveEntry(e);
            byte[] zeros = new byte[1 << 20];
            for (long left = size; left > 0; left -= zeros.length) {
                tar.write(zeros);
            }
            tar.closeArchiveEntry();
        });
        assertTrue(Files.size(ctx.resolve("bomb.tar.gz")) < (1 << 20));
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD bomb.tar.gz /b/\n"));
        assertEquals(256L << 20, fs.get("b/zeros").size());
    }

    /**
     * Sparse entries (GNU tar's old format and PAX 1.0, as GNU tar writes them for a 256 MB file with two 4-byte
     * extents) are read as their full length: the holes become zeros, the data lands at its offsets, and nothing of
     * the archive's sparse maps leaks into names or other entries.
     */
    @Test
    void hugeSparseFilesAreExpandedInPlace() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("sparse-src"));
        long size = 256L << 20;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(src.resolve("holes"),
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("head".getBytes(StandardCharsets.US_ASCII)), 100L << 20);
            ch.write(java.nio.ByteBuffer.wrap("tail".getBytes(StandardCharsets.US_ASCII)), size - 4);
        }
        for (String format : List.of("gnu", "pax")) {
            String name = "sparse-" + format + ".tar";
            Process p = new ProcessBuilder("tar", "--sparse", "--format=" + format, "-cf", ctx.resolve(name).toString(),
                    "-C", src.toString(), "holes").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "tar: " + out);
            assertTrue(Files.size(ctx.resolve(name)) < (1 << 20), "the archive is sparse: " + Files.size(ctx.resolve(name)));

            Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD " + name + " /s/\n"));
            assertEquals(java.util.Set.of("s", "s/holes"), fs.keySet(), format);
            LayerEntry holes = fs.get("s/holes");
            assertEquals(size, holes.size(), format);
            try (InputStream in = holes.content().open()) {
                in.skipNBytes(100L << 20);
                assertEquals("head", new String(in.readNBytes(4), StandardCharsets.US_ASCII), format);
                byte[] buf = new byte[1 << 16];
                long zeros = 0;
                long left = size - (100L << 20) - 8;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != 0) {
                            throw new AssertionError(format + ": a hole reads as non-zero at " + (size - left + i));
                        }
                    }
                    left -= n;
                    zeros += n;
                }
                assertEquals(size - (100L << 20) - 8, zeros);
                assertEquals("tail", new String(in.readNBytes(4), StandardCharsets.US_ASCII), format);
                assertEquals(-1, in.read(), format);
            }
        }
    }
}
