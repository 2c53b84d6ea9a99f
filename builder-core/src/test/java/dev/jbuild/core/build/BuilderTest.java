package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.jbuild.oci.ContainerConfig;
import dev.jbuild.oci.History;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds without RUN into a temporary store and checks the root filesystem and config BuildKit would give. */
class BuilderTest {
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

    void file(String path, String content) throws IOException {
        Path p = ctx.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    BuildResult build(String dockerfile, String... tags) throws Exception {
        return build(dockerfile, Map.of(), null, tags);
    }

    BuildResult build(String dockerfile, Map<String, String> args, String target, String... tags) throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return new Builder(store).build(new BuildRequest(ctx, null, List.of(tags), args, target,
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

    @Test
    void destinationRulesFilesDirectoriesAndTrailingSlash() throws Exception {
        file("a.txt", "A");
        file("b.txt", "B");
        file("dir/x.txt", "X");
        file("dir/sub/y.txt", "Y");
        BuildResult r = build("FROM scratch\nCOPY a.txt /file\nCOPY a.txt /into/\nCOPY dir /d\nCOPY dir/ /e/\n"
                + "COPY a.txt b.txt /many/\nCOPY *.txt /glob/\nWORKDIR /w\nCOPY a.txt rel\n");
        Map<String, LayerEntry> fs = fs(r);
        assertEquals("A", content(fs.get("file")));
        assertEquals("A", content(fs.get("into/a.txt")));
        assertEquals("X", content(fs.get("d/x.txt")), "a directory copies its contents");
        assertEquals("Y", content(fs.get("d/sub/y.txt")));
        assertNull(fs.get("d/dir"));
        assertEquals("X", content(fs.get("e/x.txt")));
        assertEquals("B", content(fs.get("many/b.txt")));
        assertEquals("A", content(fs.get("glob/a.txt")));
        assertEquals("B", content(fs.get("glob/b.txt")));
        assertEquals("A", content(fs.get("w/rel")), "a relative destination is below WORKDIR");
        assertEquals(LayerEntry.Type.DIRECTORY, fs.get("into").type());
        assertEquals(0, fs.get("file").uid());
    }

    @Test
    void copyIntoAnExistingDirectoryWithoutSlash() throws Exception {
        file("a.txt", "A");
        BuildResult r = build("FROM scratch\nCOPY a.txt /etc/\nCOPY a.txt /etc\n");
        assertEquals("A", content(fs(r).get("etc/a.txt")));
        assertEquals(LayerEntry.Type.DIRECTORY, fs(r).get("etc").type());
    }

    @Test
    void severalSourcesNeedADirectoryDestination() throws Exception {
        file("a.txt", "A");
        file("b.txt", "B");
        BuildException e = fails("FROM scratch\nCOPY a.txt b.txt /dst\n");
        assertTrue(e.getMessage().startsWith("Dockerfile:2: COPY a.txt b.txt /dst: When using COPY with more than one"),
                e.getMessage());
    }

    @Test
    void missingSourceNamesLineAndPath() throws Exception {
        BuildException e = fails("FROM scratch\n\nCOPY nope.txt /x\n");
        assertEquals("Dockerfile:3: COPY nope.txt /x: \"nope.txt\": not found in the build context", e.getMessage());
    }

    @Test
    void contextEscapesAreRefused() throws Exception {
        Files.createSymbolicLink(ctx.resolve("out"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(ctx.resolve("up"), Path.of("../.."));
        BuildException abs = fails("FROM scratch\nCOPY out /x\n");
        assertTrue(abs.getMessage().contains("\"out\" is a symlink to /etc/passwd, which is outside the build context"),
                abs.getMessage());
        BuildException up = fails("FROM scratch\nCOPY up/etc/passwd /x\n");
        assertTrue(up.getMessage().contains("outside the build context"), up.getMessage());
        BuildException dots = fails("FROM scratch\nCOPY ../x /x\n");
        assertTrue(dots.getMessage().contains("points outside the build context"), dots.getMessage());
    }

    @Test
    void symlinksInsideTheContextAreCopiedAsSymlinksAndTopLevelOnesFollowed() throws Exception {
        file("dir/real.txt", "R");
        Files.createSymbolicLink(ctx.resolve("dir/link"), Path.of("real.txt"));
        Files.createSymbolicLink(ctx.resolve("dir/abs"), Path.of("/etc/shadow"));
        Files.createSymbolicLink(ctx.resolve("top"), Path.of("dir/real.txt"));
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY dir /d/\nCOPY top /t\n"));
        assertEquals(LayerEntry.Type.SYMLINK, fs.get("d/link").type());
        assertEquals("real.txt", fs.get("d/link").linkTarget());
        assertEquals("/etc/shadow", fs.get("d/abs").linkTarget(), "a link inside is copied, never followed");
        assertEquals(LayerEntry.Type.FILE, fs.get("t").type());
        assertEquals("R", content(fs.get("t")));
    }

    @Test
    void dockerignoreHidesFiles() throws Exception {
        file("keep.txt", "K");
        file("secret.key", "S");
        file("logs/a.log", "L");
        file("logs/important.log", "I");
        file(".dockerignore", "*.key\nlogs\n!logs/important.log\n");
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY . /app/\n"));
        assertTrue(fs.containsKey("app/keep.txt"));
        assertFalse(fs.containsKey("app/secret.key"));
        assertFalse(fs.containsKey("app/logs/a.log"));
        assertTrue(fs.containsKey("app/logs/important.log"));
        assertTrue(fails("FROM scratch\nCOPY secret.key /x\n").getMessage().contains("not found"));
    }

    @Test
    void modesMtimesChownAndChmod() throws Exception {
        file("run.sh", "#!/bin/sh\n");
        Files.setPosixFilePermissions(ctx.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        file("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1001:1002::/home/app:/bin/sh\n");
        file("etc/group", "root:x:0:\nstaff:x:50:\n");
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY etc /etc\nCOPY run.sh /a\n"
                + "COPY --chown=app run.sh /b\nCOPY --chown=app:staff run.sh /c\nCOPY --chown=7 run.sh /d\n"
                + "COPY --chown=7:8 --chmod=0644 run.sh /e\nCOPY --chown=app run.sh /deep/er/f\n"));
        assertEquals(0750, fs.get("a").mode());
        assertEquals(1001, fs.get("b").uid());
        assertEquals(1002, fs.get("b").gid());
        assertEquals(50, fs.get("c").gid());
        assertEquals(7, fs.get("d").uid());
        assertEquals(7, fs.get("d").gid(), "a numeric user without group uses the same number");
        assertEquals(0644, fs.get("e").mode());
        assertEquals(8, fs.get("e").gid());
        assertEquals(1001, fs.get("deep/er").uid(), "created parents belong to the --chown user");
        BuildException bad = fails("FROM scratch\nCOPY etc /etc\nCOPY --chown=nobody run.sh /x\n");
        assertTrue(bad.getMessage().contains("unable to find user nobody"), bad.getMessage());
        BuildException chmod = fails("FROM scratch\nCOPY --chmod=999 run.sh /x\n");
        assertTrue(chmod.getMessage().contains("invalid chmod parameter: '999'"), chmod.getMessage());
    }

    @Test
    void excludeAndParents() throws Exception {
        file("src/a/x.java", "x");
        file("src/a/x.class", "c");
        file("src/b/y.java", "y");
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nCOPY --exclude=**/*.class --exclude=*.txt src /s/\n"
                + "COPY --parents src/a/x.java src/b/y.java /p/\nCOPY --parents ./src/./b/y.java /q/\n"));
        assertTrue(fs.containsKey("s/a/x.java"));
        assertFalse(fs.containsKey("s/a/x.class"));
        assertTrue(fs.containsKey("p/src/a/x.java"));
        assertTrue(fs.containsKey("p/src/b/y.java"));
        assertTrue(fs.containsKey("q/b/y.java"), "the /./ pivot drops what is before it");
    }

    @Test
    void heredocSources() throws Exception {
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nARG WHO=world\nCOPY <<EOF /hello\nhi $WHO\nEOF\n"
                + "COPY <<A <<'B' /many/\na $WHO\nA\nb $WHO\nB\n"));
        assertEquals("hi world\n", content(fs.get("hello")));
        assertEquals("a world\n", content(fs.get("many/A")));
        assertEquals("b $WHO\n", content(fs.get("many/B")));
        assertEquals(0644, fs.get("hello").mode());
    }

    @Test
    void addUnpacksLocalArchivesButNotOtherFiles() throws Exception {
        for (String kind : List.of("tar", "gz")) {
            Path p = ctx.resolve("arch." + kind);
            try (OutputStream raw = Files.newOutputStream(p);
                    OutputStream out = kind.equals("gz") ? new GZIPOutputStream(raw) : raw;
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                byte[] data = ("in " + kind).getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry("pkg/file.txt");
                e.setSize(data.length);
                e.setMode(0100640);
                tar.putArchiveEntry(e);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write("not a tar".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(ctx.resolve("plain.gz"), gz.toByteArray());
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD arch.tar /t/\nADD arch.gz /g\nADD plain.gz /p/\n"
                + "ADD --unpack=false arch.tar /keep/\nCOPY arch.tar /copied/\n"));
        assertEquals("in tar", content(fs.get("t/pkg/file.txt")));
        assertEquals(0640, fs.get("t/pkg/file.txt").mode());
        assertEquals("in gz", content(fs.get("g/pkg/file.txt")));
        assertEquals(LayerEntry.Type.FILE, fs.get("p/plain.gz").type());
        assertEquals(LayerEntry.Type.FILE, fs.get("keep/arch.tar").type());
        assertEquals(LayerEntry.Type.FILE, fs.get("copied/arch.tar").type());
    }

    @Test
    void addUnpacksEveryCompressionBuildkitDoes() throws Exception {
        Path tar = ctx.resolve("a.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            byte[] data = "inside".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("pkg/f.txt");
            e.setSize(data.length);
            out.putArchiveEntry(e);
            out.write(data);
            out.closeArchiveEntry();
        }
        org.apache.commons.compress.compressors.CompressorStreamFactory f =
                new org.apache.commons.compress.compressors.CompressorStreamFactory();
        for (String[] c : new String[][] {{"gz", "gz"}, {"bzip2", "bz2"}, {"xz", "xz"}, {"zstd", "zst"}}) {
            try (OutputStream out = f.createCompressorOutputStream(c[0], Files.newOutputStream(ctx.resolve("a.tar." + c[1])))) {
                Files.copy(tar, out);
            }
        }
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD a.tar /tar/\nADD a.tar.gz /gz/\n"
                + "ADD a.tar.bz2 /bz2/\nADD a.tar.xz /xz/\nADD a.tar.zst /zst/\n"));
        for (String d : List.of("tar", "gz", "bz2", "xz", "zst")) {
            assertEquals("inside", content(fs.get(d + "/pkg/f.txt")), d);
        }
    }

    /**
     * A .tar.gz of several gzip members (pigz, or gzip files put together) is unpacked whole, as Go's gzip reader
     * reads every member; and an archive of a format Docker does not unpack (lz4) is copied as the file it is.
     */
    @Test
    void addUnpacksEveryGzipMemberAndLeavesOtherFormatsPacked() throws Exception {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            for (String name : List.of("pkg/one.txt", "pkg/two.txt")) {
                byte[] data = name.getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(data.length);
                out.putArchiveEntry(e);
                out.write(data);
                out.closeArchiveEntry();
            }
        }
        byte[] t = tar.toByteArray();
        try (OutputStream out = Files.newOutputStream(ctx.resolve("members.tar.gz"))) {
            for (int[] part : new int[][] {{0, 700}, {700, t.length}}) { // the second entry's header in member two
                java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out) {
                    @Override
                    public void close() throws IOException {
                        finish(); // ends the member, keeps the file open for the next one
                    }
                };
                gz.write(t, part[0], part[1] - part[0]);
                gz.close();
            }
        }
        try (OutputStream out = new org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorOutputStream(
                Files.newOutputStream(ctx.resolve("a.tar.lz4")))) {
            out.write(t);
        }
        Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD members.tar.gz /m/\nADD a.tar.lz4 /l/\n"));
        assertEquals("pkg/one.txt", content(fs.get("m/pkg/one.txt")));
        assertEquals("pkg/two.txt", content(fs.get("m/pkg/two.txt")));
        assertEquals(LayerEntry.Type.FILE, fs.get("l/a.tar.lz4").type());
    }

    /** A copy of over 256 files looks its destinations up differently (CopyExecutor's fresh directories). */
    @Test
    void aBigCopyStillRefusesToPutAFileWhereTheImageHasADirectory() throws Exception {
        file("d/x/inner", "i");
        for (int i = 0; i < 300; i++) {
            file("big/f" + i, "f" + i);
        }
        file("big/x", "a file");
        BuildException e = fails("FROM scratch\nCOPY d /app\nCOPY big /app\n");
        assertTrue(e.getMessage().contains("cannot replace directory /app/x with a file"), e.getMessage());
        Map<String, LayerEntry> fresh = fs(build("FROM scratch\nCOPY d /app\nCOPY big /new\n"));
        assertEquals("a file", content(fresh.get("new/x")));
        assertEquals(LayerEntry.Type.DIRECTORY, fresh.get("app/x").type());
        assertEquals(302, fresh.keySet().stream().filter(p -> p.startsWith("new")).count()); // new, its 301 files
    }

    @Test
    void aDirectoryWhereAFileIsNeeded() throws Exception {
        file("a.txt", "A");
        file("dir/x", "X");
        BuildException onFile = fails("FROM scratch\nCOPY a.txt /f\nCOPY dir /f\n");
        assertEquals("Dockerfile:3: COPY dir /f: cannot copy directory \"dir\" to /f: it is a file, not a directory",
                onFile.getMessage());
        BuildException under = fails("FROM scratch\nCOPY a.txt /f\nCOPY a.txt /f/g\n");
        assertTrue(under.getMessage().contains("cannot copy to /f: it is not a directory"), under.getMessage());
        Files.createDirectories(ctx.resolve("df.d"));
        BuildException df = assertThrows(BuildException.class, () -> new Builder(store).build(new BuildRequest(ctx,
                ctx.resolve("df.d"), List.of(), Map.of(), null, Platform.parse("linux/amd64"), Compression.GZIP, false,
                EPOCH, null)));
        assertTrue(df.getMessage().endsWith(": is a directory, not a Dockerfile"), df.getMessage());
    }

    @Test
    void addFromUrlWithChecksum() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = "downloaded".getBytes(StandardCharsets.UTF_8);
        server.createContext("/files/tool.bin", ex -> {
            ex.getResponseHeaders().add("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/files/tool.bin";
            String sum = dev.jbuild.oci.Digest.sha256(body).toString();
            Map<String, LayerEntry> fs = fs(build("FROM scratch\nADD --checksum=" + sum + " " + url + " /opt/\n"));
            LayerEntry e = fs.get("opt/tool.bin");
            assertEquals("downloaded", content(e));
            assertEquals(0600, e.mode());
            assertEquals(Instant.ofEpochSecond(1_700_000_000L), e.mtime());
            BuildException bad = fails("FROM scratch\nADD --checksum=sha256:" + "0".repeat(64) + " " + url + " /x\n");
            assertTrue(bad.getMessage().contains("checksum mismatch"), bad.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void metadataInstructionsShapeTheConfig() throws Exception {
        BuildResult r = build("FROM scratch\nENV A=1\nENV B=$A C=2\nLABEL l=v\nUSER 1000:1000\nEXPOSE 80 53/udp\n"
                + "VOLUME /data\nSTOPSIGNAL SIGINT\nSHELL [\"/bin/bash\", \"-c\"]\nCMD echo hi\nENTRYPOINT [\"/e\"]\n"
                + "HEALTHCHECK --interval=30s CMD true\nONBUILD RUN echo child\nMAINTAINER me\n");
        ContainerConfig c = r.config().config();
        assertEquals(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1", "B=1", "C=2"),
                c.env());
        assertEquals(Map.of("l", "v"), c.labels());
        assertEquals("1000:1000", c.user());
        assertEquals(java.util.Set.of("80/tcp", "53/udp"), c.exposedPorts());
        assertEquals(java.util.Set.of("/data"), c.volumes());
        assertEquals("SIGINT", c.stopSignal());
        assertEquals(List.of("/e"), c.entrypoint());
        assertEquals(List.of("/bin/bash", "-c", "echo hi"), c.cmd(), "a CMD of the same stage survives ENTRYPOINT");
        assertEquals(List.of("CMD-SHELL", "true"), c.healthcheck().test());
        assertEquals(List.of("RUN echo child"), c.onBuild());
        assertEquals("me", r.config().author());
        assertEquals("2023-11-14T22:13:20Z", r.config().created());
        List<History> h = r.config().history();
        assertEquals("ENV B=1 C=2", h.get(1).createdBy());
        assertTrue(h.get(1).emptyLayer());
        assertEquals("CMD [\"/bin/bash\" \"-c\" \"echo hi\"]", h.get(8).createdBy());
        assertEquals("HEALTHCHECK {Test:[CMD-SHELL true] Interval:30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}",
                h.get(10).createdBy());
    }

    @Test
    void entrypointClearsAnInheritedCmd() throws Exception {
        build("FROM scratch\nCMD [\"run\"]\n", "withcmd:1");
        assertTrue(build("FROM withcmd:1\nENTRYPOINT [\"/e\"]\n").config().config().cmd().isEmpty());
    }

    @Test
    void workdirCreatesALayerOnlyWhenItCreatesADirectory() throws Exception {
        BuildResult r = build("FROM scratch\nWORKDIR /a/b\nWORKDIR c\nWORKDIR /a\nWORKDIR /\n");
        assertEquals(2, r.manifest().layers().size());
        assertEquals("/", r.config().config().workingDir());
        Map<String, LayerEntry> fs = fs(r);
        assertEquals(LayerEntry.Type.DIRECTORY, fs.get("a/b/c").type());
        List<History> h = r.config().history();
        assertEquals("WORKDIR /a/b", h.get(0).createdBy());
        assertFalse(h.get(0).emptyLayer());
        assertEquals("WORKDIR /a/b/c", h.get(1).createdBy());
        assertTrue(h.get(2).emptyLayer());
    }

    @Test
    void stagesTargetsAndCopyFrom() throws Exception {
        file("a.txt", "A");
        String df = "FROM scratch AS one\nCOPY a.txt /one.txt\n"
                + "FROM scratch AS broken\nCOPY missing.txt /x\n"
                + "FROM one AS two\nCOPY --from=one /one.txt /two.txt\nCOPY --from=0 /one.txt /zero.txt\n";
        Map<String, LayerEntry> fs = fs(build(df));
        assertTrue(fs.containsKey("one.txt"));
        assertTrue(fs.containsKey("two.txt"));
        assertTrue(fs.containsKey("zero.txt"));
        Map<String, LayerEntry> one = fs(build(df, Map.of(), "one"));
        assertFalse(one.containsKey("two.txt"));
        BuildException t = assertThrows(BuildException.class, () -> build(df, Map.of(), "nope"));
        assertEquals("target stage \"nope\" could not be found", t.getMessage());
        BuildException cycle = fails("FROM scratch AS a\nCOPY --from=b /x /x\nFROM scratch AS b\nCOPY --from=a /y /y\n");
        assertTrue(cycle.getMessage().startsWith("circular dependency between stages"), cycle.getMessage());
        BuildException unknown = fails("FROM scratch\nCOPY --from=nosuchimage /x /x\n");
        assertTrue(unknown.getMessage().contains("is not in the local store"), unknown.getMessage());
    }

    @Test
    void fromAnImageInTheStoreWithOnbuildTriggers() throws Exception {
        file("etc/passwd", "root:x:0:0::/root:/bin/sh\nsvc:x:500:500::/:/bin/sh\n");
        file("app.txt", "app");
        build("FROM scratch\nCOPY etc /etc\nENV PATH=/custom\nWORKDIR /srv\nUSER svc\nONBUILD COPY app.txt /srv/\n",
                "base:1");
        BuildResult child = build("FROM base:1\nCOPY --chown=svc app.txt /app2\n");
        Map<String, LayerEntry> fs = fs(child);
        assertTrue(fs.containsKey("etc/passwd"), "the base image's layers are there");
        assertTrue(fs.containsKey("srv/app.txt"), "the ONBUILD trigger ran");
        assertEquals(500, fs.get("app2").uid());
        ContainerConfig c = child.config().config();
        assertEquals(List.of("PATH=/custom"), c.env(), "a base with PATH gets no default PATH");
        assertTrue(c.onBuild().isEmpty(), "triggers are not inherited");
        assertEquals("/srv", c.workingDir());
        assertEquals(child.manifest().layers().size(), child.config().rootfs().diffIds().size());
    }

    @Test
    void baseLayersAreNotUnpackedWithoutARun() throws Exception {
        file("a.txt", "A");
        build("FROM scratch\nCOPY a.txt /a\n", "unpacked:base");
        BuildResult child = build("FROM unpacked:base\nCOPY a.txt /b\n");
        assertTrue(fs(child).containsKey("a"));
        assertTrue(store.snapshots().list().isEmpty(), "no layer snapshot for a build without RUN");
        assertTrue(store.rootfs().list().isEmpty(), "no rootfs snapshot for a build without RUN");
        assertEquals("A", content(fs(child).get("a")), "contents are unpacked on first read");
        // one unpack, into the rootfs snapshot a RUN would mount (the plain form only where that is impossible)
        assertEquals(1, store.rootfs().list().size() + store.snapshots().list().size());
    }

    @Test
    void runWithoutAShellIsAClearError() throws Exception {
        BuildException e = fails("FROM scratch\nRUN echo hi\n");
        assertTrue(e.getMessage().startsWith("Dockerfile:2: RUN echo hi: exec \"/bin/sh\""), e.getMessage());
    }

    @Test
    void failedBuildLeavesTagsAsTheyWere() throws Exception {
        file("a.txt", "A");
        BuildResult ok = build("FROM scratch\nCOPY a.txt /a\n", "app:1");
        assertThrows(BuildException.class, () -> build("FROM scratch\nCOPY a.txt /a\nCOPY gone /g\n", "app:1"));
        assertEquals(ok.manifestDescriptor().digest(),
                store.images().resolve("docker.io/library/app:1").orElseThrow());
    }

    @Test
    void reproducibleWithSourceDateEpochWhateverTheFileTimes() throws Exception {
        file("a.txt", "A");
        file("d/b.txt", "B");
        BuildResult first = build("FROM scratch\nCOPY . /app/\nWORKDIR /w\n");
        Files.setLastModifiedTime(ctx.resolve("a.txt"), java.nio.file.attribute.FileTime.from(Instant.now()));
        // Later than SOURCE_DATE_EPOCH, so clamped: only times after the epoch are rewritten, as in BuildKit.
        Files.setLastModifiedTime(ctx.resolve("d"), java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(999)));
        store = Store.open(tmp.resolve("root2"));
        BuildResult second = build("FROM scratch\nCOPY . /app/\nWORKDIR /w\n");
        assertEquals(first.manifestDescriptor().digest(), second.manifestDescriptor().digest());
        file("a.txt", "changed");
        assertNotEquals(first.manifestDescriptor().digest(), build("FROM scratch\nCOPY . /app/\nWORKDIR /w\n")
                .manifestDescriptor().digest());
    }
}
