package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StepCache}: entries read back, the children of a parent are found whichever bucket or older
 * layout records them, and recording a step makes no new directory once its bucket exists.
 */
class StepCacheTest {
    @TempDir
    Path root;

    private static Digest d(String s) {
        return Digest.sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    private static StepCache.Entry entry(Digest key, Digest parent, String instruction) {
        return new StepCache.Entry(key, parent, instruction, List.of(new StepCache.Input("env A", d("a"), "1")),
                null, null);
    }

    @Test
    void childrenOfAParentAreItsEntriesOnly() throws IOException {
        Store store = Store.open(root);
        Digest p1 = d("parent 1"), p2 = d("parent 2");
        store.steps().put(entry(d("k1"), p1, "RUN a"));
        store.steps().put(entry(d("k2"), p1, "RUN b"));
        store.steps().put(entry(d("k3"), p2, "RUN c"));
        store.steps().put(entry(d("k4"), null, "FROM x"));
        assertEquals(List.of("RUN a", "RUN b"),
                store.steps().children(p1).stream().map(StepCache.Entry::instruction).sorted().toList());
        assertEquals(List.of("RUN c"), store.steps().children(p2).stream().map(StepCache.Entry::instruction).toList());
        assertEquals(List.of(), store.steps().children(d("nobody")));
        assertEquals("FROM x", store.steps().get(d("k4")).orElseThrow().instruction());
        // recording the same step again keeps one child
        store.steps().put(entry(d("k1"), p1, "RUN a"));
        assertEquals(2, store.steps().children(p1).size());
    }

    @Test
    void childrenRecordedInTheOlderLayoutAreFound() throws IOException {
        Store store = Store.open(root);
        Digest parent = d("parent");
        store.steps().put(entry(d("new"), parent, "RUN new"));
        store.steps().put(entry(d("old"), null, "RUN old"));
        Path legacy = Files.createDirectories(root.resolve("steps/by-parent").resolve(parent.hex()));
        Files.createFile(legacy.resolve(d("old").hex()));
        assertEquals(List.of("RUN new", "RUN old"),
                store.steps().children(parent).stream().map(StepCache.Entry::instruction).sorted().toList());
    }

    @Test
    void aStepAfterTheFirstInItsBucketMakesNoDirectory() throws IOException {
        Store store = Store.open(root);
        Digest parent = d("parent");
        store.steps().put(entry(d("k1"), parent, "RUN a"));
        long dirs;
        try (var s = Files.walk(root.resolve("steps"))) {
            dirs = s.filter(Files::isDirectory).count();
        }
        store.steps().put(entry(d("k2"), parent, "RUN b"));
        try (var s = Files.walk(root.resolve("steps"))) {
            assertEquals(dirs, s.filter(Files::isDirectory).count());
        }
        Path marker = root.resolve("steps/by-parent").resolve(parent.hex().substring(0, 1))
                .resolve(parent.hex() + "." + d("k2").hex());
        assertTrue(Files.isRegularFile(marker));
        assertEquals(Files.readAttributes(root.resolve("steps").resolve(d("k2").hex() + ".json"), "unix:ino").get("ino"),
                Files.readAttributes(marker, "unix:ino").get("ino"), "the marker is a link to its entry, no new inode");
    }

    @Test
    void theLatestEntryOfAParentAndInstructionIsOneLookupAway() throws IOException {
        Store store = Store.open(root);
        Digest parent = d("parent");
        assertFalse(store.steps().hasInstruction(parent, "COPY a /a"));
        assertTrue(store.steps().latest(parent, "COPY a /a").isEmpty());
        store.steps().put(entry(d("v1"), parent, "COPY a /a"));
        store.steps().put(entry(d("other"), parent, "RUN b"));
        store.steps().put(entry(d("v2"), parent, "COPY a /a"));
        store.steps().put(entry(d("elsewhere"), d("parent 2"), "COPY a /a"));
        assertTrue(store.steps().hasInstruction(parent, "COPY a /a"));
        assertFalse(store.steps().hasInstruction(parent, "COPY b /b"));
        assertEquals(d("v2"), store.steps().latest(parent, "COPY a /a").orElseThrow().key());
        assertEquals(d("other"), store.steps().latest(parent, "RUN b").orElseThrow().key());
        assertEquals(d("elsewhere"), store.steps().latest(d("parent 2"), "COPY a /a").orElseThrow().key());
        // an entry removed since (fsck --repair) is not answered from its marker
        Files.delete(root.resolve("steps").resolve(d("v2").hex() + ".json"));
        assertTrue(store.steps().latest(parent, "COPY a /a").isEmpty());
        // the markers are not entries: fsck counts the three entries left
        StoreCheck.Report report = StoreCheck.run(store, false);
        assertEquals(3, report.steps(), report.toString());
    }

    @Test
    void aHitReadsTheLayerAndSkipsTheInputs() throws IOException {
        Store store = Store.open(root);
        Digest parent = d("parent");
        List<StepCache.Input> inputs = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            inputs.add(new StepCache.Input("file app/f" + i, d("f" + i), null));
        }
        dev.jbuild.oci.Descriptor layer = new dev.jbuild.oci.Descriptor(
                "application/vnd.oci.image.layer.v1.tar+gzip", d("blob"), 1234);
        store.steps().put(new StepCache.Entry(d("k"), parent, "COPY . /app", inputs, layer, d("diff")));
        store.steps().put(new StepCache.Entry(d("empty"), parent, "ENV A=1", List.of(), null, null));
        StepCache.Entry full = store.steps().get(d("k")).orElseThrow();
        StepCache.Entry hit = store.steps().hit(d("k")).orElseThrow();
        assertEquals(1000, full.inputs().size());
        assertEquals(new StepCache.Entry(full.key(), full.parent(), full.instruction(), List.of(), full.layer(),
                full.diffId()), hit);
        assertEquals(layer, hit.layer());
        StepCache.Entry noLayer = store.steps().hit(d("empty")).orElseThrow();
        assertEquals(null, noLayer.layer());
        assertEquals(null, noLayer.diffId());
        assertTrue(store.steps().hit(d("nothing")).isEmpty());
        Path file = root.resolve("steps").resolve(d("k").hex() + ".json");
        byte[] b = Files.readAllBytes(file);
        String json = new String(b, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.indexOf("\"layer\"") < json.indexOf("\"inputs\""), "the layer comes first: " + json.substring(0, 300));
        // Damage past the layer leaves what a hit needs (the key's result); damage before it is a miss.
        Files.write(file, java.util.Arrays.copyOf(b, b.length / 2));
        assertEquals(hit, store.steps().hit(d("k")).orElseThrow());
        Files.write(file, java.util.Arrays.copyOf(b, json.indexOf("\"diffId\"") + 12));
        assertTrue(store.steps().hit(d("k")).isEmpty(), "an entry torn before its layer's end is a miss");

        // An entry written before the layer came first (inputs, then layer) hits with its layer.
        com.fasterxml.jackson.databind.node.ObjectNode old = new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode now = StepCache.toJson(full);
        old.set("key", now.get("key"));
        old.set("parent", now.get("parent"));
        old.set("instruction", now.get("instruction"));
        old.set("inputs", now.get("inputs"));
        old.set("layer", now.get("layer"));
        old.set("diffId", now.get("diffId"));
        Files.write(file, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(old));
        assertEquals(hit, store.steps().hit(d("k")).orElseThrow());
        assertEquals(full, store.steps().get(d("k")).orElseThrow());
    }

    /** Entries are generated as a stream: the same JSON as the tree that toJson gives (the cache document's form). */
    @Test
    void anEntryIsWrittenAsItsTreeWouldBe() throws IOException {
        dev.jbuild.oci.Descriptor layer = new dev.jbuild.oci.Descriptor(
                "application/vnd.oci.image.layer.v1.tar+gzip", d("blob"), 1234);
        List<StepCache.Entry> entries = List.of(
                new StepCache.Entry(d("k"), d("p"), "COPY \"a\u00e9\" /b", List.of(new StepCache.Input("file a", d("a"),
                        null), new StepCache.Input("build arg X", d("x"), "X=<1>")), layer, d("diff")),
                new StepCache.Entry(d("k2"), null, "FROM scratch", List.of(), null, null));
        for (StepCache.Entry e : entries) {
            assertEquals(new String(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(
                    StepCache.toJson(e)), java.nio.charset.StandardCharsets.UTF_8),
                    new String(StepCache.bytes(e), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(e, StepCache.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    StepCache.bytes(e))));
        }
    }
}
