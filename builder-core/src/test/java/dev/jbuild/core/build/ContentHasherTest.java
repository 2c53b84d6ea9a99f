package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.core.context.PatternMatcher;
import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentHasherTest {
    @TempDir
    Path dir;

    private LayerEntry contextFile(String name, String content) throws IOException, BuildException {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Path f = ctx.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        for (LayerEntry e : new ContextFs(ctx, PatternMatcher.empty()).walk("")) {
            if (e.path().equals(name)) {
                return e;
            }
        }
        throw new AssertionError(name + " not walked");
    }

    @Test
    void aFileReadThroughTheCaptureIsNeverReadAgain() throws Exception {
        LayerEntry e = contextFile("a.txt", "hello, layer\n");
        ContentHasher hasher = new ContentHasher(dir.resolve("stat.tsv"));
        assertFalse(hasher.allKnown(List.of(e)));
        LayerEntry captured = hasher.capturing(List.of(e)).get(0);
        try (InputStream in = captured.content().open()) {
            in.readAllBytes();
        }
        Files.delete(dir.resolve("ctx/a.txt")); // a second read would now fail
        assertEquals(Digest.sha256("hello, layer\n".getBytes(StandardCharsets.UTF_8)), hasher.digest(e.content()));
        assertTrue(hasher.allKnown(List.of(e)));
        // ... and the stat cache remembers it for the next build
        hasher.save();
        assertTrue(new ContentHasher(dir.resolve("stat.tsv")).allKnown(List.of(e)));
    }

    @Test
    void aPartialReadRecordsNothing() throws Exception {
        LayerEntry e = contextFile("b.txt", "0123456789");
        ContentHasher hasher = new ContentHasher(dir.resolve("stat.tsv"));
        try (InputStream in = hasher.capturing(List.of(e)).get(0).content().open()) {
            in.readNBytes(4);
        }
        assertFalse(hasher.allKnown(List.of(e)));
        Files.delete(dir.resolve("ctx/b.txt"));
        assertThrows(NoSuchFileException.class, () -> hasher.digest(e.content()));
    }

    @Test
    void theStatCacheReadsBackExactlyAndAnythingElseIsDropped() throws Exception {
        Map<String, ContentHasher.Known> m = new java.util.HashMap<>();
        m.put("/ctx/a.txt", new ContentHasher.Known(new ContentHasher.Stamp(3, 11, 12, 13),
                Digest.sha256("abc".getBytes(StandardCharsets.UTF_8))));
        m.put("/ctx/\u00e9t\u00e9.txt", new ContentHasher.Known(new ContentHasher.Stamp(0, -1, Long.MAX_VALUE, 1),
                Digest.sha256(new byte[0])));
        byte[] b = ContentHasher.encode(m);
        Map<String, ContentHasher.Known> back = ContentHasher.decode(b);
        assertEquals(m.keySet(), back.keySet());
        for (String k : m.keySet()) {
            assertEquals(m.get(k).stat(), back.get(k).stat());
            assertEquals(m.get(k).digest(), back.get(k).digest());
        }
        for (int i = 0; i < b.length; i += 7) {
            byte[] damaged = b.clone();
            damaged[i] ^= 0x20;
            assertThrows(RuntimeException.class, () -> ContentHasher.decode(damaged), "byte " + i);
        }
        assertThrows(RuntimeException.class, () -> ContentHasher.decode(java.util.Arrays.copyOf(b, b.length - 1)));

        // The text form of earlier versions is no stat cache of this one: every file is read once more.
        Path old = dir.resolve("old.tsv");
        Files.writeString(old, "3\t11\t12\t13\t" + Digest.sha256(new byte[0]) + "\t/ctx/a.txt\n");
        LayerEntry e = contextFile("c.txt", "abc");
        assertFalse(new ContentHasher(old).allKnown(List.of(e)));
    }
}
