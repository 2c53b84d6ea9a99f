package dev.jbuild.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Digest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code jbuild fsck}: checks that the store is consistent, by reading everything in it.
 *
 * <ul>
 *   <li>every blob is re-digested; a layer blob with a diff-id record is also decompressed and
 *       its tar re-digested against the record;</li>
 *   <li>{@code images.json} parses, and every tag's manifest (or index), and everything it
 *       references (configs, layers, child manifests), is in the store;</li>
 *   <li>every step-cache entry parses and its layer is in the store with the diff-id it names;</li>
 *   <li>every file snapshot's metadata parses and each regular file it lists is there with its
 *       size; every rootfs snapshot has its lower directory.</li>
 * </ul>
 *
 * <p>What a killed process may leave — temp files, half-unpacked snapshot directories, blobs no
 * tag needs (a pull cut short) — is not a problem: the next open and {@link Store#prune} remove
 * them. They are counted as {@link Severity#LEFTOVER}. Everything else found is
 * {@link Severity#CORRUPT} (wrong content) or {@link Severity#DANGLING} (a reference to
 * something absent).
 *
 * <p>The check holds a shared hold on the store (a prune cannot run meanwhile, builds can);
 * {@code repair} holds it exclusively and removes what is corrupt or dangling: corrupt blobs,
 * wrong diff-id records, damaged snapshots, step entries whose layer is gone, and tags whose
 * image is incomplete (their images cannot be used anyway; pull or build them again).
 */
public final class StoreCheck {
    /** How bad a finding is. */
    public enum Severity {
        /** Content that does not match its name (a blob's digest, a diff-id, a snapshot). */
        CORRUPT,
        /** A reference to something that is not in the store. */
        DANGLING,
        /** What a killed process leaves and the store cleans up by itself. */
        LEFTOVER
    }

    /** One finding: what, where (a path in the store or a tag), and whether repair removed it. */
    public record Problem(Severity severity, String subject, String message, boolean repaired) {
        @Override
        public String toString() {
            return severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + subject + ": " + message
                    + (repaired ? " (removed)" : "");
        }
    }

    /** What was checked, and the findings. */
    public record Report(int blobs, int layers, int tags, int steps, int snapshots, List<Problem> problems) {
        public Report {
            problems = List.copyOf(problems);
        }

        /** True when nothing is corrupt or dangling (leftovers are fine). */
        public boolean consistent() {
            return problems.stream().allMatch(p -> p.severity() == Severity.LEFTOVER);
        }

        public List<Problem> problems(Severity s) {
            return problems.stream().filter(p -> p.severity() == s).toList();
        }
    }

    private final Store store;
    private final boolean repair;
    private final List<Problem> problems = new ArrayList<>();
    /** The blobs found corrupt, by digest (so that references to them are not also reported as fine). */
    private final Map<Digest, Boolean> blobOk = new HashMap<>();
    /** The diff-ids computed from the layer blobs that have a record. */
    private final Map<Digest, Digest> diffIds = new HashMap<>();

    private StoreCheck(Store store, boolean repair) {
        this.store = store;
        this.repair = repair;
    }

    /** Checks the store; with {@code repair}, removes what is corrupt or dangling (under the exclusive lock). */
    @SuppressWarnings("try") // held for its scope only
    public static Report run(Store store, boolean repair) throws IOException {
        try (StoreLock hold = repair ? store.lockExclusive() : store.lockShared()) {
            return new StoreCheck(store, repair).check();
        }
    }

    private Report check() throws IOException {
        int layers = checkBlobs();
        int tags = checkTags();
        int steps = checkSteps();
        int snapshots = checkSnapshots();
        checkLeftovers();
        return new Report(blobOk.size(), layers, tags, steps, snapshots, problems);
    }

    // ---- blobs and diff-ids --------------------------------------------------------------------

    private int checkBlobs() throws IOException {
        BlobStore blobs = store.blobs();
        int layers = 0;
        for (Digest d : blobs.list().toList()) {
            Path p = blobs.path(d);
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                problem(Severity.CORRUPT, rel(p), "not a regular file", () -> Fs.deleteTree(p));
                blobOk.put(d, false);
                continue;
            }
            Optional<Digest> diffId = blobs.diffId(d);
            Digest actual;
            Digest actualDiffId = null;
            try {
                if (diffId.isPresent()) {
                    Digest[] both = digestLayer(p, d.algorithm());
                    actual = both[0];
                    actualDiffId = both[1];
                    layers++;
                } else {
                    actual = digestFile(p, d.algorithm());
                }
            } catch (IOException e) {
                // Unreadable, or a layer that does not decompress: its digest says whether the blob is damaged.
                actual = digestFile(p, d.algorithm());
                if (actual.equals(d)) {
                    problem(Severity.CORRUPT, rel(blobs.diffIdFile(d)), "the blob has a diff-id record but is not"
                            + " a readable layer: " + e.getMessage(), () -> Files.deleteIfExists(blobs.diffIdFile(d)));
                    blobOk.put(d, true);
                    continue;
                }
            }
            if (!actual.equals(d)) {
                problem(Severity.CORRUPT, rel(p), "content has digest " + actual, () -> blobs.delete(d));
                blobOk.put(d, false);
                continue;
            }
            blobOk.put(d, true);
            if (actualDiffId != null) {
                diffIds.put(d, actualDiffId);
            }
            if (actualDiffId != null && !actualDiffId.equals(diffId.get())) {
                problem(Severity.CORRUPT, rel(blobs.diffIdFile(d)), "records diff-id " + diffId.get()
                        + " but the layer uncompresses to " + actualDiffId,
                        () -> Files.deleteIfExists(blobs.diffIdFile(d)));
            }
        }
        Path dir = blobs.diffIdDir().resolve("sha256");
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (n.matches("[0-9a-f]{64}") && !blobOk.containsKey(new Digest("sha256", n))) {
                        // prune removes these; a blob deleted before its record is the only way to get one
                        problems.add(new Problem(Severity.LEFTOVER, rel(p), "diff-id record of an absent blob", false));
                    }
                }
            }
        }
        return layers;
    }

    private static Digest digestFile(Path p, String algorithm) throws IOException {
        MessageDigest md = BlobStore.messageDigest(algorithm);
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[256 * 1024];
            for (int n; (n = in.read(buf)) >= 0;) {
                md.update(buf, 0, n);
            }
        }
        return new Digest(algorithm, java.util.HexFormat.of().formatHex(md.digest()));
    }

    /** The blob's digest and the digest of its uncompressed content, in one read. */
    private static Digest[] digestLayer(Path p, String algorithm) throws IOException {
        MessageDigest md = BlobStore.messageDigest(algorithm);
        MessageDigest tar = BlobStore.messageDigest("sha256");
        try (InputStream file = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
                InputStream digesting = new java.security.DigestInputStream(file, md);
                BufferedInputStream buffered = new BufferedInputStream(digesting, 64 * 1024);
                InputStream plain = Compression.detect(buffered).decompress(buffered);
                OutputStream sink = new java.security.DigestOutputStream(OutputStream.nullOutputStream(), tar)) {
            plain.transferTo(sink);
            buffered.transferTo(OutputStream.nullOutputStream()); // bytes after the compressed stream count too
        }
        java.util.HexFormat hex = java.util.HexFormat.of();
        return new Digest[] {new Digest(algorithm, hex.formatHex(md.digest())), new Digest("sha256", hex.formatHex(tar.digest()))};
    }

    // ---- tags ----------------------------------------------------------------------------------

    private int checkTags() throws IOException {
        SortedMap<String, Digest> tags;
        try {
            tags = store.images().tags();
        } catch (IOException e) {
            // Written atomically, images.json cannot be torn; this is damage from outside.
            problems.add(new Problem(Severity.CORRUPT, "images.json", e.getMessage(), false));
            return 0;
        }
        for (Map.Entry<String, Digest> t : tags.entrySet()) {
            List<String> missing = new ArrayList<>();
            walk(t.getValue(), missing, 0);
            if (!missing.isEmpty()) {
                String ref = t.getKey();
                problem(Severity.DANGLING, "tag " + ref, "its image is incomplete: " + String.join(", ", missing),
                        () -> store.images().untag(ref));
            }
        }
        return tags.size();
    }

    /** Follows a manifest or index to everything it references, collecting what is absent or corrupt. */
    private void walk(Digest d, List<String> missing, int depth) throws IOException {
        Boolean ok = blobOk.get(d);
        if (ok == null || !ok) {
            missing.add(d + (ok == null ? " is missing" : " is corrupt"));
            return;
        }
        if (depth > 4 || store.blobs().size(d) > GarbageCollector.MAX_JSON) {
            return;
        }
        JsonNode n;
        try {
            n = StoreJson.Lenient.MAPPER.readTree(store.blobs().read(d));
        } catch (IOException e) {
            if (depth == 0) {
                missing.add(d + " is not a manifest: " + e.getMessage());
            }
            return;
        }
        if (n == null || !n.isObject()) {
            return;
        }
        for (String field : new String[] {"config", "subject"}) {
            child(n.get(field), missing, depth, false);
        }
        for (JsonNode l : n.path("layers")) {
            child(l, missing, depth, false);
        }
        for (JsonNode m : n.path("manifests")) {
            child(m, missing, depth, true);
        }
    }

    private void child(JsonNode desc, List<String> missing, int depth, boolean follow) throws IOException {
        if (desc == null || !desc.isObject() || !desc.path("digest").isTextual()) {
            return;
        }
        Digest d;
        try {
            d = Digest.parse(desc.path("digest").asText());
        } catch (IllegalArgumentException e) {
            missing.add("bad digest \"" + desc.path("digest").asText() + "\"");
            return;
        }
        if (follow) {
            // An index names every platform; a pull fetches one, so absent children are expected.
            if (Boolean.TRUE.equals(blobOk.get(d))) {
                walk(d, missing, depth + 1);
            } else if (Boolean.FALSE.equals(blobOk.get(d))) {
                missing.add(d + " is corrupt");
            }
            return;
        }
        Boolean ok = blobOk.get(d);
        if (ok == null || !ok) {
            missing.add(d + (ok == null ? " is missing" : " is corrupt"));
        }
    }

    // ---- the step cache ------------------------------------------------------------------------

    private int checkSteps() throws IOException {
        Path dir = store.path("steps");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : ds) {
                n++;
                String name = p.getFileName().toString();
                String hex = name.substring(0, name.length() - ".json".length());
                Optional<StepCache.Entry> e = hex.matches("[0-9a-f]{64}")
                        ? store.steps().get(new Digest("sha256", hex)) : Optional.empty();
                if (e.isEmpty()) {
                    // A damaged entry reads as a miss, never a wrong hit; still, it should not be there.
                    problem(Severity.CORRUPT, rel(p), "not a step-cache entry", () -> Files.deleteIfExists(p));
                    continue;
                }
                StepCache.Entry entry = e.get();
                if (!entry.key().hex().equals(hex)) {
                    problem(Severity.CORRUPT, rel(p), "holds the entry of " + entry.key(), () -> Files.deleteIfExists(p));
                    continue;
                }
                if (entry.layer() == null) {
                    continue;
                }
                Digest layer = entry.layer().digest();
                Boolean ok = blobOk.get(layer);
                if (ok == null || !ok) {
                    problem(Severity.DANGLING, rel(p), "its layer " + layer + (ok == null ? " is missing" : " is corrupt"),
                            () -> Files.deleteIfExists(p));
                    continue;
                }
                Digest actual = diffIds.get(layer);
                if (actual != null && !actual.equals(entry.diffId())) {
                    problem(Severity.CORRUPT, rel(p), "names diff-id " + entry.diffId() + " for " + layer
                            + ", which uncompresses to " + actual, () -> Files.deleteIfExists(p));
                }
            }
        }
        return n;
    }

    // ---- snapshots -----------------------------------------------------------------------------

    private int checkSnapshots() throws IOException {
        SnapshotStore snaps = store.snapshots();
        int n = 0;
        for (Digest id : snaps.list()) {
            n++;
            String error = snapshotError(snaps, id);
            if (error != null) {
                problem(Severity.CORRUPT, rel(snaps.path(id)), error, () -> snaps.delete(id));
            }
        }
        RootfsSnapshots rootfs = store.rootfs();
        Path dir = store.path("rootfs");
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (name.matches("[0-9a-f]{64}(-[a-z]+)?") && Files.isRegularFile(p.resolve("info"), LinkOption.NOFOLLOW_LINKS)) {
                        n++;
                        if (!Files.isDirectory(p.resolve("root"), LinkOption.NOFOLLOW_LINKS)) {
                            Digest id = new Digest("sha256", name.substring(0, 64));
                            problem(Severity.CORRUPT, rel(p), "complete but without its root directory",
                                    () -> rootfs.delete(id));
                        }
                    } else if (name.startsWith(".tmp-")) {
                        problems.add(new Problem(Severity.LEFTOVER, rel(p), "unfinished unpacking", false));
                    }
                }
            }
        }
        return n;
    }

    /** What is wrong with a file snapshot, or null. */
    private static String snapshotError(SnapshotStore snaps, Digest id) {
        List<LayerEntry> entries;
        try {
            entries = snaps.entries(id);
        } catch (IOException e) {
            return e.getMessage();
        }
        Path fs = snaps.fs(id);
        for (LayerEntry e : entries) {
            if (e.type() != LayerEntry.Type.FILE) {
                continue;
            }
            try {
                BasicFileAttributes a = Files.readAttributes(fs.resolve(e.path()), BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile() || a.size() != e.size()) {
                    return e.path() + ": " + (a.isRegularFile() ? a.size() + " bytes, the layer has " + e.size()
                            : "not a regular file");
                }
            } catch (NoSuchFileException ex) {
                return e.path() + ": missing";
            } catch (IOException ex) {
                return e.path() + ": " + ex.getMessage();
            }
        }
        return null;
    }

    // ---- leftovers -----------------------------------------------------------------------------

    private void checkLeftovers() throws IOException {
        for (String d : new String[] {"tmp", "snapshots"}) {
            Path dir = store.path(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (d.equals("tmp") ? !BlobWriter.isLive(p) && Fs.abandoned(p, name)
                            : name.startsWith(".tmp-") && Fs.abandoned(p, name)) {
                        problems.add(new Problem(Severity.LEFTOVER, rel(p), "left by a process that ended", false));
                    }
                }
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private interface Fix {
        void run() throws IOException;
    }

    private void problem(Severity s, String subject, String message, Fix fix) throws IOException {
        if (repair) {
            fix.run();
        }
        problems.add(new Problem(s, subject, message, repair));
    }

    private String rel(Path p) {
        return store.root().relativize(p).toString();
    }
}
