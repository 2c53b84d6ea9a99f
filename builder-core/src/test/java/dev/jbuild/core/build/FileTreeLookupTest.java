package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tree whose pending layers answer single paths from their indexes' tables answers every path as the same tree
 * with the layers applied whole: random stacks of layers with files, directories, links, whiteouts, opaque
 * directories and files in place of directories.
 */
class FileTreeLookupTest {
    private static final Instant T = Instant.ofEpochSecond(1_700_000_000L);
    private static final String[] NAMES = {"a", "b", "a-b", "c.d", "-x", ".wh.a", ".wh.b", ".wh.-x", ".wh..wh..opq"};

    @TempDir
    Path root;

    @Test
    void lookupsAnswerAsTheAppliedLayers() throws Exception {
        Random random = new Random(42);
        int stacks = 0;
        int lookedUp = 0;
        int orderBound = 0;
        for (int s = 0; s < 300; s++) {
            FileTree whole = new FileTree();
            FileTree looked = new FileTree();
            TreeSet<String> paths = new TreeSet<>();
            boolean allLookups = true;
            int layers = 1 + random.nextInt(4);
            for (int l = 0; l < layers; l++) {
                List<LayerEntry> layer = randomLayer(random);
                for (LayerEntry e : layer) {
                    paths.add(e.path());
                    String name = FileTree.baseName(e.path());
                    if (name.startsWith(".wh.")) {
                        String target = FileTree.join(FileTree.parent(e.path()), name.substring(4));
                        paths.add(target);
                        paths.add(FileTree.join(target, "a"));
                    }
                }
                Digest diffId = Digest.sha256(("stack " + s + " layer " + l).getBytes(StandardCharsets.UTF_8));
                LayerIndex.write(root, diffId, layer, null);
                List<LayerEntry> read = LayerIndex.read(root, diffId);
                assertNotNull(read);
                whole.apply(read);
                LayerIndex.Lookup index = LayerIndex.lookup(root, diffId);
                if (index == null) {
                    orderBound++;
                    allLookups = false;
                    looked.applyLater(() -> read);
                    continue;
                }
                for (LayerEntry e : read) {
                    assertEquals(e, index.find(e.path()), "every entry is found");
                }
                assertNull(index.find("no/such"));
                looked.applyLater(() -> read, new FileTree.Lookup() {
                    @Override
                    public LayerEntry find(String path) {
                        return index.find(path);
                    }

                    @Override
                    public boolean hasWhiteouts() {
                        return index.hasWhiteouts();
                    }
                });
            }
            if (allLookups) {
                stacks++;
            }
            List<String> asked = new ArrayList<>(paths);
            asked.add("");
            asked.add("zz");
            asked.add("a/zz/a");
            for (String p : asked) {
                assertEquals(whole.get(p), looked.get(p), "stack " + s + ", path \"" + p + "\"");
                assertEquals(whole.isDirectory(p), looked.isDirectory(p), "stack " + s + ", path \"" + p + "\"");
                assertEquals(resolved(whole, p), resolved(looked, p), "stack " + s + ", path \"" + p + "\"");
                lookedUp++;
            }
            // Read whole at last: the same entries.
            assertEquals(List.copyOf(whole.all()), List.copyOf(looked.all()), "stack " + s);
        }
        assertTrue(stacks > 150 && orderBound > 10, stacks + " stacks looked up, " + orderBound
                + " layers whose whiteouts depend on order, " + lookedUp + " paths");
    }

    private static String resolved(FileTree tree, String path) {
        try {
            return tree.resolve(path, true);
        } catch (IllegalStateException loop) {
            return loop.getMessage();
        }
    }

    /** Up to a dozen entries over three levels of a few names: collisions, whiteouts and shadowing are common. */
    private static List<LayerEntry> randomLayer(Random random) {
        Map<String, LayerEntry> out = new LinkedHashMap<>();
        int n = 1 + random.nextInt(12);
        for (int i = 0; i < n; i++) {
            int depth = 1 + random.nextInt(3);
            String path = "";
            for (int d = 0; d < depth; d++) {
                // the last name a whiteout one time in five
                String name = d == depth - 1 && random.nextInt(5) == 0 ? NAMES[5 + random.nextInt(NAMES.length - 5)]
                        : NAMES[random.nextInt(5)];
                path = FileTree.join(path, name);
            }
            String name = FileTree.baseName(path);
            LayerEntry e;
            if (name.startsWith(".wh.")) {
                e = LayerEntry.file(path, 0, 0, 0, T, 0, (LayerEntry.ContentSource) null);
            } else {
                e = switch (random.nextInt(4)) {
                    case 0 -> LayerEntry.file(path, 0644, 0, 0, T, 1 + random.nextInt(9), (LayerEntry.ContentSource) null);
                    case 1 -> LayerEntry.symlink(path, random.nextBoolean() ? "a" : "/b/a", 0, 0, T);
                    default -> LayerEntry.directory(path, 0755, random.nextInt(2), 0, T);
                };
            }
            out.putIfAbsent(path, e);
        }
        return new ArrayList<>(out.values());
    }

    @Test
    void nothingAtOrBelowSeesEntriesWhoseParentsTheLayerLeftOut() {
        FileTree t = new FileTree();
        t.apply(List.of(LayerEntry.directory("a/b", 0755, 0, 0, T), LayerEntry.file("ab", 0644, 0, 0, T, new byte[0])));
        assertFalse(t.nothingAtOrBelow("a"), "a/b is below a, though a has no entry");
        assertFalse(t.nothingAtOrBelow("a/b"));
        assertFalse(t.nothingAtOrBelow("ab"));
        assertFalse(t.nothingAtOrBelow(""));
        assertTrue(t.nothingAtOrBelow("a/b/c"));
        assertTrue(t.nothingAtOrBelow("c"));
        assertTrue(t.nothingAtOrBelow("a/c"));
        assertTrue(new FileTree().nothingAtOrBelow(""));
    }
}
