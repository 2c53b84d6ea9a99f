package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.StepCache;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CopyMemo}: the fingerprint changes with everything a COPY's key depends on (and with a file's stamp, which
 * stands for its content), a COPY with content no stamp describes has none, and the memo file reads back, keeps only
 * the newest and is ignored when damaged.
 */
class CopyMemoTest {
    @TempDir
    Path tmp;

    private static final Instant T = Instant.ofEpochSecond(1_700_000_000L);

    private static LayerEntry file(String path, ContentHasher.Stamp stamp) {
        return LayerEntry.file(path, 0644, 0, 0, T, stamp.size(), new PathContent(Path.of("/ctx/" + path), stamp));
    }

    private static List<LayerEntry> entries() {
        List<LayerEntry> l = new ArrayList<>();
        l.add(LayerEntry.directory("app", 0755, 0, 0, T));
        l.add(file("app/a.txt", new ContentHasher.Stamp(10, 1_000, 2_000, 77)));
        l.add(file("app/b.txt", new ContentHasher.Stamp(20, 1_000, 2_000, 78)));
        l.add(LayerEntry.symlink("app/link", "a.txt", 0, 0, T));
        return l;
    }

    private static Digest changed(int index, UnaryOperator<LayerEntry> change) {
        List<LayerEntry> l = entries();
        l.set(index, change.apply(l.get(index)));
        return CopyMemo.fingerprint(l);
    }

    @Test
    void theFingerprintFollowsEveryInputOfTheKey() {
        Digest base = CopyMemo.fingerprint(entries());
        assertNotNull(base);
        assertEquals(base, CopyMemo.fingerprint(entries()));
        List<Digest> others = List.of(
                changed(1, e -> file("app/a.txt", new ContentHasher.Stamp(10, 1_001, 2_000, 77))), // mtime
                changed(1, e -> file("app/a.txt", new ContentHasher.Stamp(10, 1_000, 2_001, 77))), // ctime only
                changed(1, e -> file("app/a.txt", new ContentHasher.Stamp(10, 1_000, 2_000, 99))), // another inode
                changed(1, e -> file("app/a.txt", new ContentHasher.Stamp(11, 1_000, 2_000, 77))), // size
                changed(1, e -> e.withMode(0600)),
                changed(1, e -> e.withOwner(1000, 0)),
                changed(1, e -> e.withOwner(0, 1000)),
                changed(1, e -> e.withPath("app/c.txt")),
                changed(1, e -> e.withContent(e.size(), new PathContent(Path.of("/elsewhere/a.txt"),
                        ((PathContent) e.content()).stamp()))),
                changed(3, e -> LayerEntry.symlink("app/link", "b.txt", 0, 0, T)),
                changed(0, e -> e.withMode(0700)));
        for (Digest d : others) {
            assertNotEquals(base, d);
        }
        assertEquals(others.size(), others.stream().distinct().count(), "each change gives its own fingerprint");
        List<LayerEntry> fewer = entries();
        fewer.remove(2);
        assertNotEquals(base, CopyMemo.fingerprint(fewer));
        // mtimes of the copies are not in the key, so not in the fingerprint either
        assertEquals(base, changed(0, e -> e.withMtime(T.plusSeconds(5))));
    }

    /** A big COPY is fingerprinted in slices, in parallel: any entry of any slice counts, and in its place. */
    @Test
    void everySliceOfABigCopyCounts() {
        List<LayerEntry> big = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            big.add(file("app/f" + i, new ContentHasher.Stamp(i, 1_000, 2_000, i)));
        }
        Digest base = CopyMemo.fingerprint(big);
        assertEquals(base, CopyMemo.fingerprint(new ArrayList<>(big)));
        for (int at : new int[] {0, 2499, 2500, 4999, 5999}) {
            List<LayerEntry> l = new ArrayList<>(big);
            l.set(at, file("app/f" + at, new ContentHasher.Stamp(at, 1_001, 2_000, at)));
            assertNotEquals(base, CopyMemo.fingerprint(l), "entry " + at);
        }
        List<LayerEntry> swapped = new ArrayList<>(big);
        java.util.Collections.swap(swapped, 10, 5000);
        assertNotEquals(base, CopyMemo.fingerprint(swapped), "the order counts");
        List<LayerEntry> unstamped = new ArrayList<>(big);
        unstamped.set(4000, LayerEntry.file("app/x", 0644, 0, 0, T, 1, () -> java.io.InputStream.nullInputStream()));
        assertNull(CopyMemo.fingerprint(unstamped), "a file no stamp describes: no fingerprint");
    }

    @Test
    void contentNoStampDescribesHasNoFingerprint() {
        List<LayerEntry> l = entries();
        l.add(LayerEntry.file("app/heredoc", 0644, 0, 0, T, "x".getBytes(StandardCharsets.UTF_8)));
        assertNull(CopyMemo.fingerprint(l));
        List<LayerEntry> unstamped = entries();
        unstamped.add(LayerEntry.file("app/u", 0644, 0, 0, T, 1, new PathContent(Path.of("/ctx/u"), null)));
        assertNull(CopyMemo.fingerprint(unstamped));
    }

    @Test
    void theMemoReadsBackKeepsTheNewestAndIgnoresDamage() throws Exception {
        Path statCache = tmp.resolve("statcache/ctx");
        CopyMemo memo = new CopyMemo(statCache);
        List<Digest> fps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Digest fp = Digest.sha256(("fp " + i).getBytes(StandardCharsets.UTF_8));
            fps.add(fp);
            memo.put(fp, List.of(new StepCache.Input("files app/d" + i, Digest.sha256(new byte[] {(byte) i}), null)));
        }
        memo.save();
        CopyMemo again = new CopyMemo(statCache);
        assertNull(again.get(fps.get(0)), "only the newest eight are kept");
        assertNull(again.get(fps.get(1)));
        for (int i = 2; i < 10; i++) {
            List<StepCache.Input> in = again.get(fps.get(i));
            assertEquals(1, in.size());
            assertEquals("files app/d" + i, in.get(0).name());
            assertEquals(Digest.sha256(new byte[] {(byte) i}), in.get(0).digest());
        }
        Path file = tmp.resolve("statcache/ctx.copies");
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> CopyMemo.decode(b));
        Files.write(file, b);
        assertNull(new CopyMemo(statCache).get(fps.get(9)), "a damaged memo is no memo");
    }
}
