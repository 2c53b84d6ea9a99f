package dev.jbuild.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Mark and sweep over the store; run by {@link Store#prune} under the exclusive store lock.
 *
 * <p>Roots: every tagged digest and the caller's extra roots. From each root blob that looks like
 * JSON (first byte '{', at most {@value #MAX_JSON} bytes) the collector follows, generically, the
 * descriptors in {@code config}, {@code layers[]}, {@code manifests[]} and {@code subject}. A
 * snapshot survives when its diff-id belongs to a reachable layer blob (by the {@code diffids}
 * index), is listed in a reachable config's {@code rootfs.diff_ids}, or is itself an extra root.
 * Then the unreachable blobs, their diff-id records and the other snapshots (file snapshots and
 * rootfs snapshots alike) go, and so do all temp files (no writer can be running while the
 * exclusive lock is held).
 */
final class GarbageCollector {
    static final int MAX_JSON = 8 * 1024 * 1024;
    private final Store store;

    GarbageCollector(Store store) {
        this.store = store;
    }

    PruneResult collect(Set<Digest> extraRoots) throws IOException {
        BlobStore blobs = store.blobs();
        SnapshotStore snapshots = store.snapshots();
        Set<Digest> reachable = new HashSet<>();
        Set<Digest> keepDiffIds = new HashSet<>();
        Deque<Digest> work = new ArrayDeque<>(store.images().readLocked().values());
        work.addAll(extraRoots);
        // Layers the build cache refers to stay, so that a later build can reuse them.
        Set<Digest> cached = store.steps().layers();
        work.addAll(cached);
        keepDiffIds.addAll(extraRoots);
        while (!work.isEmpty()) {
            Digest d = work.pop();
            if (!reachable.add(d) || !blobs.has(d)) {
                continue;
            }
            JsonNode json = readJson(blobs, d);
            if (json == null) {
                continue;
            }
            addDescriptor(json.get("config"), work);
            addDescriptors(json.get("layers"), work);
            addDescriptors(json.get("manifests"), work);
            addDescriptor(json.get("subject"), work);
            JsonNode rootfs = json.get("rootfs");
            if (rootfs != null && rootfs.get("diff_ids") != null && rootfs.get("diff_ids").isArray()) {
                for (JsonNode id : rootfs.get("diff_ids")) {
                    parse(id.asText(null)).ifPresent(keepDiffIds::add);
                }
            }
        }
        for (Digest d : reachable) {
            blobs.diffId(d).ifPresent(keepDiffIds::add);
        }

        TreeSet<Digest> removedBlobs = new TreeSet<>();
        long freed = 0;
        List<Digest> all = blobs.list().toList();
        for (Digest d : all) {
            if (reachable.contains(d)) {
                continue;
            }
            long size;
            try {
                size = blobs.size(d);
            } catch (NoSuchFileException e) {
                continue;
            }
            if (blobs.delete(d)) {
                removedBlobs.add(d);
                freed += size;
            }
        }
        removeOrphanDiffIdRecords(blobs);

        TreeSet<Digest> removedSnapshots = new TreeSet<>();
        for (Digest id : snapshots.list()) {
            if (keepDiffIds.contains(id)) {
                continue;
            }
            long size = snapshots.delete(id);
            if (size >= 0) {
                removedSnapshots.add(id);
                freed += size;
                Files.deleteIfExists(snapshots.dir().resolve(id.hex() + ".lock"));
            }
        }
        cleanSnapshotDir(snapshots, keepDiffIds);
        freed += store.rootfs().prune(keepDiffIds, removedSnapshots);
        store.cleanTmp(true);
        return new PruneResult(removedBlobs, removedSnapshots, freed);
    }

    /** Leftover temp directories, incomplete snapshots and lock files of absent snapshots. */
    private static void cleanSnapshotDir(SnapshotStore snapshots, Set<Digest> keep) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots.dir())) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(".tmp-")) {
                    Fs.deleteTree(p);
                } else if (n.endsWith(".lock")) {
                    String hex = n.substring(0, n.length() - ".lock".length());
                    if (!Files.exists(snapshots.dir().resolve(hex), LinkOption.NOFOLLOW_LINKS)
                            && !LockFile.of(p, true).heldByThisJvm()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private static void removeOrphanDiffIdRecords(BlobStore blobs) throws IOException {
        removeOrphanRecords(blobs, blobs.diffIdDir().resolve("sha256"));
        removeOrphanRecords(blobs, blobs.memberIndexDir().resolve("sha256")); // gzip member indexes, same naming
    }

    private static void removeOrphanRecords(BlobStore blobs, Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                Digest d;
                try {
                    d = new Digest("sha256", n);
                } catch (IllegalArgumentException e) {
                    continue;
                }
                if (!blobs.has(d)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static JsonNode readJson(BlobStore blobs, Digest d) throws IOException {
        long size = blobs.size(d);
        if (size > MAX_JSON || size < 2) {
            return null;
        }
        try (InputStream in = blobs.open(d)) {
            byte[] head = in.readNBytes(64);
            int i = 0;
            while (i < head.length && Character.isWhitespace(head[i])) {
                i++;
            }
            if (i >= head.length || head[i] != '{') {
                return null; // a layer or other binary blob: not read further
            }
            byte[] rest = in.readAllBytes(); // reaching the end verifies the digest
            byte[] bytes = new byte[head.length + rest.length];
            System.arraycopy(head, 0, bytes, 0, head.length);
            System.arraycopy(rest, 0, bytes, head.length, rest.length);
            try {
                JsonNode n = StoreJson.Lenient.MAPPER.readTree(bytes);
                return n != null && n.isObject() ? n : null;
            } catch (IOException notJson) {
                return null;
            }
        }
    }

    private static void addDescriptors(JsonNode array, Deque<Digest> work) {
        if (array != null && array.isArray()) {
            for (JsonNode n : array) {
                addDescriptor(n, work);
            }
        }
    }

    private static void addDescriptor(JsonNode desc, Deque<Digest> work) {
        if (desc != null && desc.isObject() && desc.get("digest") != null) {
            parse(desc.get("digest").asText(null)).ifPresent(work::push);
        }
    }

    private static java.util.Optional<Digest> parse(String s) {
        if (s == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Digest.parse(s));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }
}
