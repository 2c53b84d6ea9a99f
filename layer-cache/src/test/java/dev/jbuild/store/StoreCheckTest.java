package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.MediaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreCheck} (jbuild fsck): a consistent store has no findings; each kind of damage made by hand —
 * a blob's bytes changed, a wrong diff-id record, a tag or a step entry whose layer is gone, a snapshot
 * file truncated or missing, a torn step entry — is found, named, and removed by a repair, after which the
 * store checks clean.
 */
class StoreCheckTest {
    @TempDir
    Path root;
    Store store;
    Layer l1;
    Layer l2;
    Digest config;
    Digest manifest;

    @BeforeEach
    void image() throws IOException {
        store = Store.open(root);
        Instant t = Instant.ofEpochSecond(1_600_000_000L);
        l1 = LayerWriter.write(store.blobs(), List.of(LayerEntry.file("a", 0644, 0, 0, t, TestData.pattern(1, 5000))),
                Compression.GZIP, null);
        l2 = LayerWriter.write(store.blobs(), List.of(LayerEntry.file("b", 0644, 0, 0, t, TestData.pattern(2, 5000))),
                Compression.ZSTD, null);
        String cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + l1.diffId() + "\",\"" + l2.diffId() + "\"]}}";
        config = store.blobs().put(cfg.getBytes(StandardCharsets.UTF_8));
        String man = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaType.OCI_CONFIG + "\",\"digest\":\"" + config + "\",\"size\":" + cfg.length() + "},\"layers\":["
                + desc(l1) + "," + desc(l2) + "]}";
        manifest = store.blobs().put(man.getBytes(StandardCharsets.UTF_8));
        store.images().tag("example.com/app:1", manifest);
        store.steps().put(new StepCache.Entry(Digest.sha256(new byte[] {1}), null, "RUN x", List.of(), l2.descriptor(),
                l2.diffId()));
        store.snapshots().ensure(l1);
    }

    private static String desc(Layer l) {
        return "{\"mediaType\":\"" + l.descriptor().mediaType() + "\",\"digest\":\"" + l.digest() + "\",\"size\":"
                + l.descriptor().size() + "}";
    }

    private StoreCheck.Report check() throws IOException {
        return StoreCheck.run(store, false);
    }

    private void assertRepairedThenClean(String expectedSubject) throws IOException {
        StoreCheck.Report found = check();
        assertFalse(found.consistent(), "damage is found");
        assertTrue(found.problems().stream().anyMatch(p -> p.subject().contains(expectedSubject)),
                () -> "a finding about " + expectedSubject + ": " + found.problems());
        StoreCheck.Report repaired = StoreCheck.run(store, true);
        assertTrue(repaired.problems().stream().allMatch(p -> p.repaired() || p.severity() == StoreCheck.Severity.LEFTOVER),
                repaired.problems().toString());
        StoreCheck.Report after = check();
        assertTrue(after.consistent(), () -> "clean after the repair: " + after.problems());
    }

    @Test
    void aConsistentStoreHasNoFindings() throws IOException {
        StoreCheck.Report r = check();
        assertEquals(List.of(), r.problems());
        assertEquals(4, r.blobs());
        assertEquals(2, r.layers(), "both layers re-digested uncompressed");
        assertEquals(1, r.tags());
        assertEquals(1, r.steps());
        assertEquals(1, r.snapshots());
        assertTrue(r.consistent());
    }

    @Test
    void aBlobWithChangedBytesIsCorruptAndItsTagDangles() throws IOException {
        Path p = store.blobs().path(l1.digest());
        byte[] b = Files.readAllBytes(p);
        b[b.length / 2] ^= 1;
        Files.write(p, b);
        StoreCheck.Report r = check();
        assertEquals(List.of("blobs/sha256/" + l1.digest().hex()),
                r.problems(StoreCheck.Severity.CORRUPT).stream().map(StoreCheck.Problem::subject).toList());
        assertEquals(List.of("tag example.com/app:1"),
                r.problems(StoreCheck.Severity.DANGLING).stream().map(StoreCheck.Problem::subject).toList());
        assertRepairedThenClean(l1.digest().hex());
        assertFalse(store.blobs().has(l1.digest()));
        assertTrue(store.images().tags().isEmpty(), "the incomplete image's tag is removed");
    }

    @Test
    void aTruncatedBlobIsCorrupt() throws IOException {
        Path p = store.blobs().path(config);
        Files.write(p, java.util.Arrays.copyOf(Files.readAllBytes(p), 10));
        assertRepairedThenClean(config.hex());
    }

    @Test
    void aWrongDiffIdRecordIsCorrupt() throws IOException {
        Files.writeString(store.blobs().diffIdFile(l2.digest()), l1.diffId() + "\n");
        StoreCheck.Report r = check();
        assertEquals(1, r.problems(StoreCheck.Severity.CORRUPT).size(), r.problems().toString());
        assertTrue(r.problems().get(0).message().contains("uncompresses to " + l2.diffId()), r.problems().toString());
    }

    @Test
    void aStepEntryWhoseLayerIsGoneDangles() throws IOException {
        Files.delete(store.blobs().path(l2.digest()));
        StoreCheck.Report r = check();
        assertTrue(r.problems(StoreCheck.Severity.DANGLING).stream()
                .anyMatch(p -> p.subject().startsWith("steps/") && p.message().contains(l2.digest() + " is missing")),
                r.problems().toString());
        assertRepairedThenClean("steps/");
    }

    @Test
    void aTornStepEntryIsFound() throws IOException {
        Path entry = root.resolve("steps").resolve(Digest.sha256(new byte[] {1}).hex() + ".json");
        Files.write(entry, java.util.Arrays.copyOf(Files.readAllBytes(entry), 20));
        assertRepairedThenClean("steps/");
    }

    @Test
    void aSnapshotWithATruncatedOrMissingFileIsCorrupt() throws IOException {
        Path a = store.snapshots().fs(l1.diffId()).resolve("a");
        Files.write(a, new byte[10]);
        assertRepairedThenClean("snapshots/" + l1.diffId().hex());
        assertFalse(store.snapshots().has(l1.diffId()));
        store.snapshots().ensure(l1);
        Files.delete(store.snapshots().fs(l1.diffId()).resolve("a"));
        assertRepairedThenClean("snapshots/" + l1.diffId().hex());
    }

    @Test
    void aTagOfAMissingManifestDangles() throws IOException {
        store.images().tag("example.com/gone:1", Digest.sha256(new byte[] {9}));
        assertRepairedThenClean("tag example.com/gone:1");
        assertEquals(List.of("example.com/app:1"), List.copyOf(store.images().tags().keySet()));
    }

    @Test
    void leftoversOfAKilledProcessAreNotCorruption() throws IOException {
        // what a SIGKILLed unpacker leaves: a temp directory named after a process that no longer runs
        Path tmp = root.resolve("snapshots").resolve(".tmp-" + l2.diffId().hex() + ".999999999.0123456789abcdef");
        Files.createDirectories(tmp.resolve("fs"));
        // and an unreferenced blob (a pull cut short after the layer, before the manifest)
        store.blobs().put("orphan".getBytes(StandardCharsets.UTF_8));
        StoreCheck.Report r = check();
        assertTrue(r.consistent(), r.problems().toString());
        assertEquals(1, r.problems(StoreCheck.Severity.LEFTOVER).size(), r.problems().toString());
    }
}
