package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.History;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerReader;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RUN steps in containers (the embedded helper), on a busybox image the test assembles from
 * Debian's busybox-static with a Dockerfile of its own.
 */
class RunBuildTest {
    static final Instant EPOCH = Instant.ofEpochSecond(1_700_000_000L);
    static final Path BUSYBOX = Path.of("/usr/bin/busybox");

    @TempDir
    Path tmp;
    Path ctx;
    Store store;
    final List<String> progress = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        if (!Files.isExecutable(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is missing: apt-get install busybox-static");
        }
        store = Store.open(tmp.resolve("root"));
        Path base = Files.createDirectories(tmp.resolve("base"));
        Files.createDirectories(base.resolve("bin"));
        Files.copy(BUSYBOX, base.resolve("bin/busybox"));
        Files.writeString(base.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(base.resolve("group"), "root:x:0:\napp:x:1000:\nstaff:x:50:app\nwheel:x:10:root,app\n");
        Files.writeString(base.resolve("Dockerfile"), "FROM scratch\nCOPY bin/busybox /bin/busybox\n"
                + "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCOPY passwd group /etc/\n"
                + "RUN mkdir -p /tmp /root /home/app && chmod 1777 /tmp && chown 1000:1000 /home/app\n");
        build(base, "FROM scratch\n", Map.of(), RunOptions.DEFAULT, "busybox:test");
        ctx = Files.createDirectories(tmp.resolve("ctx"));
    }

    BuildResult build(Path context, String ignoredDockerfile, Map<String, String> args, RunOptions run, String... tags)
            throws Exception {
        return new Builder(store).build(new BuildRequest(context, null, List.of(tags), args, null,
                Platform.parse("linux/amd64"), Compression.GZIP, false, EPOCH, progress::add, Map.of(), run));
    }

    BuildResult build(String dockerfile) throws Exception {
        return build(dockerfile, RunOptions.DEFAULT);
    }

    BuildResult build(String dockerfile, RunOptions run) throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return build(ctx, dockerfile, Map.of(), run);
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

    /** The entries of the image's last layer. */
    List<String> lastLayer(BuildResult r) throws IOException {
        List<Descriptor> layers = r.manifest().layers();
        List<String> paths = new ArrayList<>();
        try (LayerReader reader = LayerReader.open(store.blobs(), layers.get(layers.size() - 1).digest())) {
            for (LayerEntry e = reader.next(); e != null; e = reader.next()) {
                paths.add(e.path() + (e.type() == LayerEntry.Type.SYMLINK ? " -> " + e.linkTarget()
                        : e.type() == LayerEntry.Type.HARDLINK ? " link " + e.linkTarget() : ""));
            }
        }
        return paths;
    }

    @Test
    void writesDeletesReplacesAndLinksBecomeTheLayer() throws Exception {
        BuildResult first = build("FROM busybox:test\nRUN mkdir -p /data/old && echo a > /data/old/f && echo b > /data/keep"
                + " && echo gone > /data/gone\n");
        assertTrue(fs(first).containsKey("data/old/f"));
        build("FROM busybox:test\nRUN mkdir -p /data/old && echo a > /data/old/f && echo b > /data/keep"
                + " && echo gone > /data/gone\n");
        BuildResult r = build("FROM busybox:test\nRUN mkdir -p /data/old && echo a > /data/old/f && echo b > /data/keep"
                + " && echo gone > /data/gone\n"
                + "RUN rm /data/gone && rm -r /data/old && mkdir /data/old && echo new > /data/old/n"
                + " && ln /data/keep /data/hard && ln -s keep /data/soft && chmod 4755 /data/keep\n");
        List<String> layer = lastLayer(r);
        assertTrue(layer.contains("data/.wh.gone"), layer.toString());
        assertTrue(layer.contains("data/old/.wh..wh..opq"), "a replaced directory is opaque: " + layer);
        assertTrue(layer.contains("data/old/n"), layer.toString());
        assertTrue(layer.contains("data/soft -> keep"), layer.toString());
        assertTrue(layer.stream().anyMatch(l -> l.startsWith("data/keep link data/hard")
                || l.startsWith("data/hard link data/keep")), "hard links stay hard links: " + layer);
        Map<String, LayerEntry> fs = fs(r);
        assertNull(fs.get("data/gone"));
        assertNull(fs.get("data/old/f"));
        assertEquals("new\n", content(fs.get("data/old/n")));
        assertEquals(04755, fs.get("data/keep").mode());
        for (String mountPoint : List.of("proc", "sys", "dev", "etc/resolv.conf", "etc/hosts", "etc/hostname")) {
            assertFalse(layer.stream().anyMatch(l -> l.equals(mountPoint) || l.startsWith(mountPoint + "/")),
                    mountPoint + " must not be captured: " + layer);
        }
    }

    @Test
    void isolationFromTheHost() throws Exception {
        Path marker = Files.createTempFile("jbuild-host-marker-", "");
        try {
            BuildResult r = build("FROM busybox:test\nRUN test ! -e " + marker + " && echo pids $(ls /proc | grep -c '^[0-9]')"
                    + " && hostname && cat /etc/hosts\n");
            // The shell, its $(...) subshell, ls and grep, and perhaps an init: a handful, not the host's hundreds.
            assertTrue(progress.stream().anyMatch(l -> l.trim().matches("pids [1-6]")), "only the container's processes: "
                    + progress);
            assertTrue(progress.stream().anyMatch(l -> l.trim().equals(RunStep.HOSTNAME)), progress.toString());
            assertEquals(4, r.manifest().layers().size(), "a step that changes nothing adds no layer");
            assertTrue(r.config().history().get(r.config().history().size() - 1).emptyLayer());
        } finally {
            Files.delete(marker);
        }
    }

    @Test
    void lowerLayersAreNotChanged() throws Exception {
        build("FROM busybox:test\nRUN rm -rf /bin/ls /etc/passwd && echo changed > /etc/group\n");
        BuildResult again = build("FROM busybox:test\nRUN test -e /bin/ls && grep -q app /etc/passwd && grep -q staff /etc/group\n");
        assertEquals(again.config().history().size(), again.config().history().size());
    }

    @Test
    void failingStepReportsLineCommandExitCodeAndOutput() throws Exception {
        BuildException e = assertThrows(BuildException.class,
                () -> build("FROM busybox:test\n\nRUN echo first line; echo to stderr >&2; exit 3\n"));
        String m = e.getMessage();
        assertTrue(m.startsWith("Dockerfile:3: RUN echo first line; echo to stderr >&2; exit 3: process \"/bin/sh -c "
                + "echo first line; echo to stderr >&2; exit 3\" did not complete successfully: exit code: 3"), m);
        assertTrue(m.contains("first line") && m.contains("to stderr"), m);
    }

    @Test
    void environmentUserWorkdirShellAndBuildArgs() throws Exception {
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox:test\nENV A=1\nARG B=2\nWORKDIR /w/x\nUSER app\n"
                + "RUN echo \"env $A $B $(pwd) $(id -u):$(id -g) $(id -G)\"\nSHELL [\"/bin/sh\", \"-ec\"]\n"
                + "USER root\nRUN echo shell $0\n");
        BuildResult r = build(ctx, null, Map.of("B", "3"), RunOptions.DEFAULT);
        assertTrue(progress.stream().anyMatch(l -> l.trim().equals("env 1 3 /w/x 1000:1000 1000 10 50")),
                progress.toString());
        assertTrue(progress.stream().anyMatch(l -> l.trim().equals("shell /bin/sh")), progress.toString());
        List<History> h = r.config().history();
        assertTrue(h.stream().anyMatch(x -> x.createdBy().equals(
                "RUN |1 B=3 /bin/sh -c echo \"env $A $B $(pwd) $(id -u):$(id -g) $(id -G)\" # buildkit")),
                h.toString());
    }

    @Test
    void heredocs() throws Exception {
        BuildResult r = build("FROM busybox:test\nRUN <<EOF\necho one > /one\necho two > /two\nEOF\n"
                + "RUN <<EOF\n#!/bin/sh\necho script $0 > /three\nEOF\nRUN cat <<EOF > /four\nfour $HOME\nEOF\n");
        Map<String, LayerEntry> fs = fs(r);
        assertEquals("one\n", content(fs.get("one")));
        assertEquals("two\n", content(fs.get("two")));
        assertEquals("script /dev/pipes/EOF\n", content(fs.get("three")));
        assertEquals("four /root\n", content(fs.get("four")));
    }

    @Test
    void cacheMountsPersistAcrossBuildsAndStayOutOfTheImage() throws Exception {
        String df = "FROM busybox:test\nRUN --mount=type=cache,target=/var/cache/x echo run >> /var/cache/x/log"
                + " && wc -l < /var/cache/x/log > /count\n";
        build(df);
        // The step itself would hit the build cache; --no-cache makes it run again over the same cache mount.
        Files.writeString(ctx.resolve("Dockerfile"), df);
        BuildResult second = new Builder(store).build(new BuildRequest(ctx, null, List.of(), Map.of(), null,
                Platform.parse("linux/amd64"), Compression.GZIP, false, EPOCH, progress::add, Map.of(),
                RunOptions.DEFAULT, null, false, new CacheOptions(true, Set.of(), false)));
        assertEquals("2\n", content(fs(second).get("count")));
        assertFalse(fs(second).containsKey("var/cache/x/log"));
    }

    @Test
    void bindAndTmpfsMounts() throws Exception {
        Files.writeString(ctx.resolve("input.txt"), "from context\n");
        BuildResult r = build("FROM busybox:test\nRUN --mount=type=bind,target=/src cat /src/input.txt > /copied"
                + " && ! touch /src/new 2>/dev/null\nRUN --mount=type=bind,target=/src,rw touch /src/new && test -e /src/new\n"
                + "RUN --mount=type=tmpfs,target=/scratch echo x > /scratch/y && test -e /scratch/y\n");
        Map<String, LayerEntry> fs = fs(r);
        assertEquals("from context\n", content(fs.get("copied")));
        assertFalse(fs.containsKey("src/new"));
        assertFalse(fs.containsKey("scratch/y"));
    }

    @Test
    void secretsNeverReachALayerOrTheHistory() throws Exception {
        Path secretFile = tmp.resolve("token");
        String value = "s3cr3t-" + System.nanoTime();
        Files.writeString(secretFile, value);
        RunOptions run = new RunOptions("native", "default",
                Map.of("tok", new RunOptions.Secret(secretFile, null)), Map.of(), Set.of());
        // The Dockerfile holds only the value's digest: the history must not, and does not, learn the value.
        String hex = dev.jbuild.oci.Digest.sha256(value.getBytes(StandardCharsets.UTF_8)).hex();
        BuildResult r = build("FROM busybox:test\nRUN --mount=type=secret,id=tok test \"$(sha256sum < /run/secrets/tok"
                + " | cut -d' ' -f1)\" = " + hex + " && echo checked > /ok\n"
                + "RUN --mount=type=secret,id=tok,env=TOKEN test \"$(printf %s \"$TOKEN\" | sha256sum | cut -d' ' -f1)\" = "
                + hex + "\n", run);
        assertTrue(fs(r).containsKey("ok"));
        for (Descriptor d : r.manifest().layers()) {
            try (LayerReader reader = LayerReader.open(store.blobs(), d.digest())) {
                for (LayerEntry e = reader.next(); e != null; e = reader.next()) {
                    assertFalse(e.path().contains("secrets"), e.path());
                    if (e.type() == LayerEntry.Type.FILE) {
                        String text = new String(reader.content().readAllBytes(), StandardCharsets.ISO_8859_1);
                        assertFalse(text.contains(value), "secret value in " + e.path());
                    }
                }
            }
        }
        assertFalse(new String(dev.jbuild.oci.OciJson.write(r.config()), StandardCharsets.UTF_8).contains(value));
        assertFalse(String.join("\n", progress).contains(value));
        BuildException missing = assertThrows(BuildException.class,
                () -> build("FROM busybox:test\nRUN --mount=type=secret,id=other,required cat /run/secrets/other\n"));
        assertTrue(missing.getMessage().contains("secret other is required"), missing.getMessage());
    }

    @Test
    void networkNoneHasOnlyLoopback() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] b = "reached".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            build("FROM busybox:test\nRUN wget -q -O /got " + url + "\n");
            BuildException none = assertThrows(BuildException.class,
                    () -> build("FROM busybox:test\nRUN --network=none wget -q -O /got " + url + "\n"));
            assertTrue(none.getMessage().contains("exit code"), none.getMessage());
            assertFalse(none.getMessage().contains("Segmentation") || none.getMessage().contains("exit code: 139"),
                    "wget must fail to connect, not crash: " + none.getMessage());
            build("FROM busybox:test\nRUN --network=none test \"$(ls /sys/class/net)\" = lo\n");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void insecureNeedsTheEntitlement() throws Exception {
        BuildException e = assertThrows(BuildException.class,
                () -> build("FROM busybox:test\nRUN --security=insecure true\n"));
        assertTrue(e.getMessage().contains("--allow security.insecure"), e.getMessage());
        build("FROM busybox:test\nRUN --security=insecure true\n",
                new RunOptions("native", "default", Map.of(), Map.of(), Set.of("security.insecure")));
    }

    /** As BuildKit: an exec on the host network by request needs network.host; the default network does not. */
    @Test
    void hostNetworkNeedsTheEntitlement() throws Exception {
        BuildException e = assertThrows(BuildException.class,
                () -> build("FROM busybox:test\nRUN true\nRUN --network=host true\n"));
        assertTrue(e.getMessage().contains("Dockerfile:3") && e.getMessage().contains("RUN --network=host needs the build"
                + " to be started with --allow network.host"), e.getMessage());
        BuildException byBuild = assertThrows(BuildException.class, () -> build("FROM busybox:test\nRUN true\n",
                new RunOptions("native", "host", Map.of(), Map.of(), Set.of())));
        assertTrue(byBuild.getMessage().contains("the build's --network=host needs the build to be started with"
                + " --allow network.host"), byBuild.getMessage());
        build("FROM busybox:test\nRUN --network=host true\n",
                new RunOptions("native", "default", Map.of(), Map.of(), Set.of("network.host")));
        build("FROM busybox:test\nRUN --network=host true\nRUN --network=none true\n",
                new RunOptions("native", "host", Map.of(), Map.of(), Set.of("network.host")));
    }
    /**
     * A RUN layer's file digests are taken while the layer is written and kept beside its index: the same file that
     * {@link ContentDigests#of} computes from the blob, so a re-run's {@code COPY --from} key needs no snapshot read.
     */
    @Test
    void aRunLayerKeepsTheDigestsOfItsFiles() throws Exception {
        BuildResult r = build("FROM busybox:test\nRUN mkdir /out && echo a > /out/a && echo bb > /out/b"
                + " && : > /out/empty && ln -s a /out/link && ln /out/a /out/hard\n");
        List<Digest> diffIds = r.config().rootfs().diffIds();
        Digest diffId = diffIds.get(diffIds.size() - 1);
        Digest blob = r.manifest().layers().get(diffIds.size() - 1).digest();
        Path sums = ContentDigests.path(store.root(), diffId);
        String kept = Files.readString(sums);
        assertTrue(kept.contains(Digest.sha256("bb\n".getBytes(StandardCharsets.UTF_8)).hex() + "\tout/b\n"), kept);
        Files.delete(sums);
        assertEquals(new String(ContentDigests.of(store, blob, diffId), StandardCharsets.UTF_8), kept);
    }

    /**
     * A COPY --from of a RUN's files keys them, in the build that ran the RUN, with the digests taken as the RUN's layer
     * was written (not by reading the files again); a rebuild, whose RUN is cached, keys them from the digests kept
     * beside the layer. The two must agree, or every rebuild would miss; and a RUN that ran again with the same output
     * leaves the COPY cached.
     */
    @Test
    void copyFromARunKeysTheFilesAsARebuildDoes() throws Exception {
        String df = "FROM busybox:test AS gen\nARG V\nRUN echo \"$V\" > /dev/null && mkdir /out && echo a > /out/a"
                + " && echo bb > /out/b && ln -s a /out/link && ln /out/a /out/hard\n"
                + "FROM busybox:test\nCOPY --from=gen /out /data\n";
        Files.writeString(ctx.resolve("Dockerfile"), df);
        BuildResult first = build(ctx, df, Map.of("V", "1"), RunOptions.DEFAULT);
        assertEquals(0, cached(), progress.toString());
        progress.clear();
        BuildResult again = build(ctx, df, Map.of("V", "1"), RunOptions.DEFAULT);
        assertEquals(2, cached(), "the RUN and the COPY --from: " + progress);
        assertEquals(first.imageId(), again.imageId());
        progress.clear();
        BuildResult rerun = build(ctx, df, Map.of("V", "2"), RunOptions.DEFAULT);
        assertEquals(1, cached(), "the RUN ran again, with the same files: the COPY --from hits " + progress);
        assertEquals(first.manifest().layers(), rerun.manifest().layers());
        assertEquals("bb\n", content(fs(rerun).get("data/b")));
    }

    /**
     * A base image this store has not read before (pulled or loaded: no index, no snapshot) is unpacked for the RUN,
     * and its layers' indexes come from that unpack, the same bytes as reading the layers writes.
     */
    @Test
    void theUnpackForARunIndexesTheBaseLayers() throws Exception {
        Path indexes = store.root().resolve("layerindex");
        java.util.Map<Path, byte[]> before = new TreeMap<>();
        try (var s = Files.list(indexes)) {
            for (Path p : s.filter(p -> !p.getFileName().toString().contains(".")).toList()) {
                before.put(p, Files.readAllBytes(p));
            }
        }
        assertTrue(before.size() >= 4, before.keySet().toString());
        try (var s = Files.list(indexes)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        dev.jbuild.store.Fs.deleteTree(store.root().resolve("rootfs"));
        progress.clear();
        build("FROM busybox:test\nRUN test -f /etc/passwd && echo ok > /ok\n");
        for (java.util.Map.Entry<Path, byte[]> e : before.entrySet()) {
            if (Files.exists(e.getKey())) {
                assertArrayEquals(e.getValue(), Files.readAllBytes(e.getKey()), e.getKey().toString());
            }
        }
        for (dev.jbuild.oci.Digest diffId : build("FROM busybox:test\n").config().rootfs().diffIds()) {
            assertArrayEquals(before.get(indexes.resolve(diffId.hex())), Files.readAllBytes(indexes.resolve(diffId.hex())),
                    "the base layer " + diffId + " is indexed again");
        }
    }

    /**
     * A rebuild's COPY --from finds its step key by a memo of its own and its source's layers, without reading the
     * source's files; a stage whose key now gives another layer (its RUN ran again under --no-cache-filter and wrote
     * other bytes) is not covered by the memo: the COPY is keyed from the new files and copies them.
     */
    @Test
    void copyFromMemoFollowsTheSourceLayersNotTheSourceKey() throws Exception {
        String df = "FROM busybox:test AS gen\nRUN mkdir /out && cat /proc/sys/kernel/random/uuid > /out/id\n"
                + "FROM busybox:test\nCOPY --from=gen /out /data\n";
        Files.writeString(ctx.resolve("Dockerfile"), df);
        BuildResult first = build(ctx, df, Map.of(), RunOptions.DEFAULT);
        Path memos = store.root().resolve("steps/by-memo");
        assertTrue(Files.isDirectory(memos), "a memo is kept for the COPY --from");
        progress.clear();
        BuildResult again = build(ctx, df, Map.of(), RunOptions.DEFAULT);
        assertEquals(2, cached(), "the RUN and the COPY --from: " + progress);
        assertEquals(first.imageId(), again.imageId());

        progress.clear();
        BuildResult rerun = new Builder(store).build(new BuildRequest(ctx, null, List.of(), Map.of(), null,
                Platform.parse("linux/amd64"), Compression.GZIP, false, EPOCH, progress::add, Map.of(),
                RunOptions.DEFAULT, null, false, new CacheOptions(false, Set.of("gen"), false)));
        assertEquals(0, cached(), "the RUN ran again and wrote another id, so the COPY --from missed: " + progress);
        String before = content(fs(first).get("data/id"));
        String after = content(fs(rerun).get("data/id"));
        assertNotEquals(before, after);

        // The RUN's key now gives the new layer: a rebuild copies the new id, from the cache.
        progress.clear();
        BuildResult last = build(ctx, df, Map.of(), RunOptions.DEFAULT);
        assertEquals(2, cached(), progress.toString());
        assertEquals(after, content(fs(last).get("data/id")));
        assertEquals(rerun.imageId(), last.imageId());
    }

    /**
     * A hard link in a stage's files stays a hard link when its file is copied with it, and becomes a file with the
     * linked content when it is copied without it (a single file, or a directory that does not hold the file).
     */
    @Test
    void copyFromKeepsHardLinksWithinWhatItCopies() throws Exception {
        BuildResult r = build("FROM busybox:test AS gen\nRUN mkdir -p /out/sub && echo a > /out/a && ln /out/a /out/hard"
                + " && ln /out/a /out/sub/hard\n"
                + "FROM busybox:test\nCOPY --from=gen /out /data\nCOPY --from=gen /out/hard /single\n"
                + "COPY --from=gen /out/sub /sub\nRUN [ \"$(cat /data/hard /single /sub/hard)\" = \"$(printf 'a\\na\\na')\" ]"
                + " && [ \"$(stat -c %i /data/a)\" = \"$(stat -c %i /data/hard)\" ]"
                + " && [ \"$(stat -c %i /data/a)\" != \"$(stat -c %i /single)\" ]\n");
        Map<String, LayerEntry> fs = fs(r);
        assertEquals(LayerEntry.Type.FILE, fs.get("single").type());
        assertEquals("a\n", content(fs.get("single")));
        assertEquals(LayerEntry.Type.FILE, fs.get("sub/hard").type());
        assertEquals("a\n", content(fs.get("sub/hard")));
        LayerEntry hard = fs.get("data/hard");
        assertEquals(LayerEntry.Type.HARDLINK, hard.type(), hard.toString());
        assertEquals("data/a", hard.linkTarget());
    }

    long cached() {
        return progress.stream().filter(l -> l.trim().equals("CACHED")).count();
    }
}
