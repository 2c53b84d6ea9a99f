package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * testdata/base-images/busybox.sh: a reproducible layout whose layer, unpacked as an overlay lower
 * directory, runs busybox in a chroot, and whose step diffs are what the step did.
 */
class BaseImagesTest {
    static final Path SCRIPTS = Path.of(System.getProperty("user.dir")).resolveSibling("testdata").resolve("base-images");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path base;

    private static String build(Path out) throws Exception {
        TestData.Result r = TestData.run(null, SCRIPTS.resolve("busybox.sh").toString(), out.toString());
        assertEquals(0, r.exit(), "busybox.sh failed (apt-get install busybox-static?): " + r.stderr());
        return r.stdout().trim();
    }

    @Test
    @Timeout(300)
    void theBusyboxImageIsReproducibleAndRunsFromARootfsSnapshot() throws Exception {
        Overlay.requireRoot();
        String first = build(base.resolve("one"));
        assertEquals(first, build(base.resolve("two")), "same digest on every run");
        assertEquals(first, build(base.resolve("one")), "an existing layout is replaced");
        Path layout = base.resolve("one");

        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        JsonNode desc = index.path("manifests").get(0);
        assertEquals(first, desc.path("digest").asText());
        assertEquals("docker.io/library/busybox:latest", desc.path("annotations").path("io.containerd.image.name").asText());
        assertEquals("latest", desc.path("annotations").path("org.opencontainers.image.ref.name").asText());
        JsonNode manifest = JSON.readTree(layout.resolve("blobs/sha256/" + first.substring(7)).toFile());
        JsonNode config = JSON.readTree(layout.resolve("blobs/sha256/"
                + manifest.path("config").path("digest").asText().substring(7)).toFile());
        JsonNode layerDesc = manifest.path("layers").get(0);

        // Into a store, as `jbuild load` would put it.
        Store store = Store.open(base.resolve("store"));
        Digest blob = store.blobs().put(Files.readAllBytes(
                layout.resolve("blobs/sha256/" + layerDesc.path("digest").asText().substring(7))));
        Digest diffId = Digest.parse(config.path("rootfs").path("diff_ids").get(0).asText());
        Layer layer = new Layer(new Descriptor(layerDesc.path("mediaType").asText(), blob, layerDesc.path("size").asLong()),
                diffId);
        store.snapshots().ensure(layer);
        Map<String, LayerEntry> entries = new TreeMap<>();
        store.snapshots().entries(diffId).forEach(e -> entries.put(e.path(), e));
        assertEquals(0755, entries.get("bin/busybox").mode());
        assertEquals(Type.SYMLINK, entries.get("bin/sh").type());
        assertEquals("busybox", entries.get("bin/sh").linkTarget());
        assertEquals(01777, entries.get("tmp").mode());
        assertEquals(0700, entries.get("root").mode());
        assertEquals(1000, entries.get("home/app").uid());
        assertEquals(1000, entries.get("home/app").gid());
        assertEquals(0, entries.get("etc/passwd").uid());
        assertTrue(Files.readString(store.snapshots().fs(diffId).resolve("etc/group")).contains("extra:x:1001:app"));
        assertEquals("[\"sh\"]", config.path("config").path("Cmd").toString());

        Path lower = store.rootfs().ensure(layer);
        Path upper;
        try (Overlay o = Overlay.mount(base.resolve("mnt"), List.of(lower), store.rootfs().overlayXattrs())) {
            upper = o.upper;
            TestData.Result r = TestData.run(null, "chroot", o.merged.toString(), "/bin/sh", "-c",
                    "id app; ls -ldn /tmp /root /home/app | cut -c1-10,11-30; echo made > /made; rm /etc/group;"
                            + " mkdir -p /srv/a && ln /made /srv/a/link && chmod 4711 /made");
            assertEquals(0, r.exit(), r.stderr());
            assertTrue(r.stdout().contains("uid=1000(app) gid=1000(app) groups=1000(app),1001(extra)"), r.stdout());
            assertTrue(r.stdout().contains("drwxrwxrwt"), r.stdout());
            assertTrue(r.stdout().contains("drwx------"), r.stdout());
        }
        List<LayerEntry> step = UpperDiff.entries(upper, Set.of(), p -> entries.get(p));
        assertEquals(List.of("etc", "etc/.wh.group", "made", "srv", "srv/a", "srv/a/link"),
                step.stream().map(LayerEntry::path).toList());
        LayerEntry made = step.get(2);
        assertEquals(04711, made.mode());
        try (var in = made.content().open()) {
            assertArrayEquals("made\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), in.readAllBytes());
        }
        assertEquals(Type.HARDLINK, step.get(5).type());
        assertEquals("made", step.get(5).linkTarget());
    }
}
