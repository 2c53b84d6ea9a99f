package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache on a big context (20,000 small files and a big one, as the W3 benchmark): a no-op
 * rebuild hits, every kind of change misses (a content change whose mtime was put back too), the
 * layer an incremental build writes from the previous one is the layer a cold build writes, and a
 * damaged stat cache costs only re-reading.
 */
class BigContextCacheTest {
    static final Instant EPOCH = Instant.ofEpochSecond(1_700_000_000L);
    static final int FILES = 20_000;

    @TempDir
    Path tmp;
    Path ctx;
    List<String> progress;

    @BeforeEach
    void setUp() throws IOException {
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
        // Old like the rest: COPY . copies it, and a file modified within the stat cache's two-second caution window
        // is not remembered, so a no-op build that follows within two seconds would make no memo.
        Files.setLastModifiedTime(Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY . /app\n"), old);
        for (int i = 0; i < FILES; i++) {
            Path d = ctx.resolve(String.format("data/small/d%03d", i / 100));
            if (i % 100 == 0) {
                Files.createDirectories(d);
            }
            Path f = d.resolve(String.format("f%05d.txt", i));
            Files.writeString(f, "line of file " + i + "\n".repeat(1 + i % 7));
            Files.setLastModifiedTime(f, old); // older than the stat cache's two-second caution window
        }
        byte[] big = new byte[5 << 19]; // 2.5 MiB: cut into several gzip members inside the file
        new Random(3).nextBytes(big);
        Path b = Files.createDirectories(ctx.resolve("data/big")).resolve("blob.bin");
        Files.write(b, big);
        Files.setLastModifiedTime(b, old);
    }

    BuildResult build(Store store) throws Exception {
        progress = new ArrayList<>();
        return new Builder(store).build(new BuildRequest(ctx, null, List.of("big:test"), Map.of(), null,
                Platform.parse("linux/amd64"), Compression.GZIP, false, EPOCH, progress::add, Map.of(),
                RunOptions.DEFAULT, null, false, new CacheOptions(false, Set.of(), true)));
    }

    long cached() {
        return progress.stream().filter(l -> l.trim().equals("CACHED")).count();
    }

    List<String> misses() {
        return progress.stream().filter(l -> l.trim().startsWith("miss: ")).map(l -> l.trim().substring(6)).toList();
    }

    /** The manifest digest a build from an empty store gives for the context as it is now. */
    Digest cold() throws Exception {
        Path root = Files.createTempDirectory(tmp, "cold");
        return build(Store.open(root)).manifestDescriptor().digest();
    }

    static byte[] content(BuildResult r, String path) throws IOException {
        for (LayerEntry e : r.rootfs()) {
            if (e.path().equals(path)) {
                try (InputStream in = e.content().open()) {
                    return in.readAllBytes();
                }
            }
        }
        throw new AssertionError(path + " not in the image");
    }

    @Test
    void everyChangeMissesAndTheIncrementalLayerIsTheColdOne() throws Exception {
        Store store = Store.open(tmp.resolve("root"));
        Digest first = build(store).manifestDescriptor().digest();
        // The cold build remembered the COPY's inputs by its fingerprint (CopyMemo): its files were digested as the
        // layer was written, and are all in the stat cache. The no-op keys from that memo, to the same hit.
        try (var s = Files.list(store.root().resolve("statcache"))) {
            assertEquals(1, s.filter(p -> p.getFileName().toString().endsWith(".copies")).count());
        }

        BuildResult noop = build(store);
        assertEquals(1, cached(), progress.toString());
        assertEquals(first, noop.manifestDescriptor().digest());
        assertTrue(noop.rootfs().size() > FILES, "the files of a cached layer are there when asked for");
        assertArrayEquals("line of file 7\n".getBytes(StandardCharsets.UTF_8), content(noop,
                "app/data/small/d000/f00007.txt"));
        // Without the memo, the no-op keys from the files, to the same hit. Every change below then misses with the
        // memo there.
        try (var s = Files.list(store.root().resolve("statcache"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".copies")).toList()) {
                Files.delete(p);
            }
        }
        BuildResult withoutMemo = build(store);
        assertEquals(1, cached(), progress.toString());
        assertEquals(first, withoutMemo.manifestDescriptor().digest());

        // The same size and mtime, other bytes: only the ctime (and the bytes) tell.
        Path f = ctx.resolve("data/small/d100/f10000.txt");
        FileTime mtime = Files.getLastModifiedTime(f);
        byte[] before = Files.readAllBytes(f);
        byte[] after = before.clone();
        after[0] = (byte) 'L';
        Files.write(f, after);
        Files.setLastModifiedTime(f, mtime);
        BuildResult changed = build(store);
        assertEquals(0, cached(), progress.toString());
        assertEquals("files app/data changed", misses().get(0));
        assertArrayEquals(after, content(changed, "app/data/small/d100/f10000.txt"));
        Digest incremental = changed.manifestDescriptor().digest();
        assertNotEquals(first, incremental);
        assertEquals(cold(), incremental, "written from the previous layer, the same image as from scratch");

        Files.setPosixFilePermissions(ctx.resolve("data/small/d150/f15000.txt"),
                PosixFilePermissions.fromString("rwx------"));
        build(store);
        assertEquals(0, cached(), "a mode change misses: " + progress);

        Path added = ctx.resolve("data/small/d199/new.txt");
        Files.writeString(added, "new\n");
        Files.setLastModifiedTime(added, mtime);
        build(store);
        assertEquals(0, cached(), "an added file misses: " + progress);

        Files.delete(ctx.resolve("data/small/d050/f05000.txt"));
        Digest removed = build(store).manifestDescriptor().digest();
        assertEquals(0, cached(), "a removed file misses: " + progress);
        assertEquals(cold(), removed);

        assertEquals(removed, build(store).manifestDescriptor().digest());
        assertEquals(1, cached(), "and then it hits again: " + progress);
        // ...by the memo of its walk, which is in the step cache now (Builder.contextCopyMemo).
        try (Stream<Path> m = Files.walk(store.root().resolve("steps/by-memo"))) {
            assertTrue(m.anyMatch(Files::isRegularFile), "no memo of the COPY's walk");
        }

        // What the walk does not list: the context's own directory, whose mode /app takes.
        Files.setPosixFilePermissions(ctx, PosixFilePermissions.fromString("rwx------"));
        Digest rootMode = build(store).manifestDescriptor().digest();
        assertEquals(0, cached(), "a mode change of the context's directory misses: " + progress);
        assertEquals(cold(), rootMode);
        Files.setPosixFilePermissions(ctx, PosixFilePermissions.fromString("rwxr-xr-x"));
        // A .dockerignore that leaves out a directory (and itself): the walk has 100 files fewer.
        Files.writeString(ctx.resolve(".dockerignore"), ".dockerignore\ndata/small/d001\n");
        Digest ignored = build(store).manifestDescriptor().digest();
        assertEquals(0, cached(), "a directory left out misses: " + progress);
        assertEquals(cold(), ignored);
        Files.delete(ctx.resolve(".dockerignore"));
        assertEquals(removed, build(store).manifestDescriptor().digest());
        assertEquals(1, cached(), "and as it was, it hits: " + progress);

        aDamagedStatCacheCostsOnlyReadingTheFilesAgain(store, removed);
    }

    /** (One context for both: making 20,000 files is most of what these cost.) */
    void aDamagedStatCacheCostsOnlyReadingTheFilesAgain(Store store, Digest first) throws Exception {
        List<Path> caches;
        try (Stream<Path> s = Files.list(store.root().resolve("statcache"))) {
            caches = s.filter(p -> !p.getFileName().toString().endsWith(".copies")).toList();
        }
        assertEquals(1, caches.size());
        // without the COPY's memo, which would key it without the stat cache
        Files.delete(caches.get(0).resolveSibling(caches.get(0).getFileName() + ".copies"));
        byte[] b = Files.readAllBytes(caches.get(0));
        assertTrue(b.length > FILES * 64, "a stamp and digest per file");
        b[b.length / 2] ^= 0x01; // inside some file's stamp or digest
        Files.write(caches.get(0), b);
        assertEquals(first, build(store).manifestDescriptor().digest());
        assertEquals(1, cached(), progress.toString());

        Files.deleteIfExists(caches.get(0).resolveSibling(caches.get(0).getFileName() + ".copies"));
        Files.write(caches.get(0), java.util.Arrays.copyOf(b, b.length / 3)); // torn
        assertEquals(first, build(store).manifestDescriptor().digest());
        assertEquals(1, cached(), progress.toString());
    }
}
