package dev.jbuild.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.JsonReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The build cache's index: a step's key (a digest of everything the step depends on) to its
 * result, the layer it produced. Each entry also keeps its parent key and its inputs by name, so
 * that a miss can be explained against the entries that share its parent. Entries are small JSON
 * files written atomically; several processes may read and write at once.
 *
 * <pre>
 *   steps/&lt;key hex&gt;.json                                the entry
 *   steps/by-parent/&lt;p&gt;/&lt;parent hex&gt;.&lt;key hex&gt;            a marker: the children of a key, in one of
 *                                                      16 buckets (p: the parent's first hex digit)
 *   steps/by-parent/&lt;parent hex&gt;/&lt;key hex&gt;               the same, as stores made before the buckets
 *   steps/by-instruction/&lt;p&gt;/&lt;parent hex&gt;.&lt;i hex&gt;        the latest entry after a parent with an instruction
 *                                                      (i: the instruction's sha256), replaced at each put
 *   steps/by-memo/&lt;p&gt;/&lt;memo hex&gt;                         the key a step had when everything its inputs are
 *                                                      made from was the same (see {@link #memo})
 * </pre>
 *
 * <p>A marker is a hard link to its entry (an empty file where links fail): a new file or directory
 * costs an inode, which on some file systems is the dearest part of recording a step, where a link
 * into a bucket directory made once costs none.</p>
 */
public final class StepCache {
    /** One input of a step: a name ("file app/Main.java", "build arg VERSION"), its digest, and a value safe to show. */
    public record Input(String name, Digest digest, String display) {}

    /**
     * @param layer   the layer the step produced, or null when it changed nothing
     * @param diffId  the layer's diff-id, or null
     * @param created when the layer was made (RFC 3339, as an image's history holds it), or null (no layer, or an
     *                entry written before entries kept it): a cached layer keeps its time in the images built on it,
     *                as BuildKit's do, so that a rebuild from the cache gives the same image
     */
    public record Entry(Digest key, Digest parent, String instruction, List<Input> inputs, Descriptor layer,
            Digest diffId, String created) {
        public Entry {
            inputs = List.copyOf(inputs);
        }

        public Entry(Digest key, Digest parent, String instruction, List<Input> inputs, Descriptor layer,
                Digest diffId) {
            this(key, parent, instruction, inputs, layer, diffId, null);
        }
    }

    private final Store store;
    private final Path dir;

    StepCache(Store store, Path dir) {
        this.store = store;
        this.dir = dir;
    }

    public Optional<Entry> get(Digest key) throws IOException {
        byte[] b = entryBytes(key);
        if (b == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(read(StoreJson.tree(b)));
        } catch (RuntimeException | IOException e) {
            return Optional.empty(); // a damaged entry is a miss, never a wrong hit
        }
    }

    /**
     * The entry as a cache hit needs it: its layer, without its inputs, which only explaining a miss reads. A
     * COPY's entry has an input per file; building the tree of a thousand of them cost a no-op build ~7 ms of
     * its critical path, and even streaming past them ~4 ms: entries now hold their layer first, and the
     * reading stops there.
     */
    public Optional<Entry> hit(Digest key) throws IOException {
        byte[] b = entryBytes(key);
        if (b == null) {
            return Optional.empty();
        }
        return head(b);
    }

    /** An entry's key, parent, instruction and layer, without its inputs; empty when it does not read. */
    private static Optional<Entry> head(byte[] b) {
        try {
            JsonReader in = new JsonReader(b);
            in.beginObject();
            String k = null, parent = null, instruction = null, diffId = null, created = null;
            String mediaType = null, digest = null;
            long size = -1;
            fields:
            while (in.hasNext()) {
                String field = in.nextName();
                switch (field) {
                    case "key" -> k = in.nextString();
                    case "parent" -> parent = in.nextString();
                    case "instruction" -> instruction = in.nextString();
                    case "diffId" -> diffId = in.nextString();
                    case "created" -> created = in.nextString();
                    case "inputs" -> {
                        if (digest != null && diffId != null) {
                            break fields; // entries write their layer first: the rest is the inputs
                        }
                        in.skipValue(); // no layer, or an entry written before the layer came first
                    }
                    case "layer" -> {
                        in.beginObject();
                        while (in.hasNext()) {
                            switch (in.nextName()) {
                                case "mediaType" -> mediaType = in.nextString();
                                case "digest" -> digest = in.nextString();
                                case "size" -> size = in.nextLong();
                                default -> in.skipValue();
                            }
                        }
                    }
                    default -> in.skipValue();
                }
            }
            Descriptor layer = digest == null ? null : new Descriptor(mediaType, Digest.parse(digest), size);
            return Optional.of(new Entry(Digest.parse(k), parent == null ? null : Digest.parse(parent),
                    instruction == null ? "" : instruction, List.of(), layer,
                    layer == null ? null : Digest.parse(diffId), created));
        } catch (RuntimeException e) {
            return Optional.empty(); // a damaged entry is a miss, never a wrong hit
        }
    }

    /** The entry file's bytes, or null when there is none. */
    private byte[] entryBytes(Digest key) throws IOException {
        try {
            return Files.readAllBytes(dir.resolve(key.hex() + ".json"));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    public void put(Entry e) throws IOException {
        Files.createDirectories(dir);
        // Atomic (temp file + rename) but not fsynced: an entry lost in a crash is only a miss, and a
        // torn one reads as a miss too; syncing cost a quarter of a RUN true step.
        Path tmp = store.tmpDir().resolve(Fs.tempName("step"));
        Files.write(tmp, bytes(e));
        Path entry = dir.resolve(e.key().hex() + ".json");
        Files.move(tmp, entry, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        if (e.parent() != null) {
            Path bucket = bucket(e.parent());
            if (!Files.isDirectory(bucket)) {
                Files.createDirectories(bucket);
            }
            Path marker = bucket.resolve(e.parent().hex() + "." + e.key().hex());
            if (!Files.exists(marker, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createLink(marker, entry);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another build recorded the same step
                } catch (UnsupportedOperationException | java.nio.file.FileSystemException noLinks) {
                    try {
                        Files.createFile(marker);
                    } catch (java.nio.file.FileAlreadyExistsException raced) {
                        // another build recorded the same step
                    }
                }
            }
            markInstruction(e, entry);
        }
    }

    private Path bucket(Digest parent) {
        return dir.resolve("by-parent").resolve(parent.hex().substring(0, 1));
    }

    private Path instructionMarker(Digest parent, String instruction) {
        return dir.resolve("by-instruction").resolve(parent.hex().substring(0, 1)).resolve(parent.hex() + "."
                + Digest.sha256(instruction.getBytes(StandardCharsets.UTF_8)).hex());
    }

    /**
     * Points the (parent, instruction) marker at this entry: link, then rename over the old marker, so that a
     * reader sees the previous entry or this one, never a torn file.
     */
    private void markInstruction(Entry e, Path entry) throws IOException {
        Path marker = instructionMarker(e.parent(), e.instruction());
        if (!Files.isDirectory(marker.getParent())) {
            Files.createDirectories(marker.getParent());
        }
        Path tmp = store.tmpDir().resolve(Fs.tempName("mark"));
        try {
            Files.createLink(tmp, entry);
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException noLinks) {
            Files.copy(entry, tmp);
        }
        try {
            Files.move(tmp, marker, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Whether an entry after {@code parent} with this instruction was recorded (since stores have kept the marker):
     * one file lookup, however many entries the parent has. A step whose file changed a hundred times has a hundred
     * siblings; reading them all to learn this cost every incremental build more the longer a store was used.
     */
    public boolean hasInstruction(Digest parent, String instruction) {
        return Files.exists(instructionMarker(parent, instruction), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** The entry most recently recorded after {@code parent} with this instruction, while it is in the cache. */
    public Optional<Entry> latest(Digest parent, String instruction) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(instructionMarker(parent, instruction));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        // Without its inputs: only the layer is wanted (for a COPY, a thousand inputs cost ~7 ms to read).
        Optional<Entry> head = head(b);
        if (head.isEmpty()) {
            return Optional.empty();
        }
        Entry e = head.get();
        // The marker outlives an entry that fsck --repair or a prune removed: only a live entry counts.
        boolean live = e.instruction().equals(instruction) && parent.equals(e.parent())
                && Files.exists(dir.resolve(e.key().hex() + ".json"));
        return live ? Optional.of(e) : Optional.empty();
    }

    /**
     * The key of the step remembered for a memo: a digest, made by the builder, of everything that determines a step's
     * inputs (for a {@code COPY --from}: its instruction, its parent's key, and the layers of both stages), so that a
     * rebuild can look its result up without computing the inputs. Empty when there is none, or when the step's entry
     * is no longer in the cache.
     */
    public Optional<Digest> memo(Digest memo) {
        byte[] b;
        try {
            b = Files.readAllBytes(memoPath(memo));
        } catch (IOException none) {
            return Optional.empty();
        }
        Digest key;
        try {
            key = new Digest("sha256", new String(b, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException damaged) {
            return Optional.empty();
        }
        return Files.exists(dir.resolve(key.hex() + ".json")) ? Optional.of(key) : Optional.empty();
    }

    /** Remembers the key a step had for a memo ({@link #memo}), replacing what was remembered. */
    public void putMemo(Digest memo, Digest key) throws IOException {
        Path file = memoPath(memo);
        if (!Files.isDirectory(file.getParent())) {
            Files.createDirectories(file.getParent());
        }
        Path tmp = store.tmpDir().resolve(Fs.tempName("memo"));
        Files.write(tmp, key.hex().getBytes(StandardCharsets.US_ASCII));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private Path memoPath(Digest memo) {
        return dir.resolve("by-memo").resolve(memo.hex().substring(0, 1)).resolve(memo.hex());
    }

    /** The entries recorded after a parent key, for explaining a miss. */
    public List<Entry> children(Digest parent) throws IOException {
        Set<String> keys = new java.util.TreeSet<>();
        Path bucket = bucket(parent);
        if (Files.isDirectory(bucket)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(bucket, parent.hex() + ".*")) {
                for (Path p : ds) {
                    keys.add(p.getFileName().toString().substring(parent.hex().length() + 1));
                }
            }
        }
        Path legacy = dir.resolve("by-parent").resolve(parent.hex());
        if (Files.isDirectory(legacy)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(legacy)) {
                for (Path p : ds) {
                    keys.add(p.getFileName().toString());
                }
            }
        }
        List<Entry> out = new ArrayList<>();
        for (String hex : keys) {
            if (hex.matches("[0-9a-f]{64}")) {
                get(new Digest("sha256", hex)).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Forgets every entry (prune --all): the layers they kept become garbage. */
    public void clear() throws IOException {
        if (Files.isDirectory(dir)) {
            Path trash = store.tmpDir().resolve(Fs.tempName("steps"));
            Files.move(dir, trash);
            Fs.deleteTree(trash);
        }
    }

    /** The layers every entry refers to: garbage collection keeps them. */
    public Set<Digest> layers() throws IOException {
        Set<Digest> out = new HashSet<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                get(new Digest("sha256", name.substring(0, name.length() - 5))).ifPresent(e -> {
                    if (e.layer() != null) {
                        out.add(e.layer().digest());
                    }
                });
            }
        }
        return out;
    }

    /** An entry as JSON, as stored here and in an exported cache (see the builder's cache export). */
    public static ObjectNode toJson(Entry e) {
        try {
            return (ObjectNode) StoreJson.tree(bytes(e)); // one writer for the file and the document
        } catch (IOException impossible) {
            throw new java.io.UncheckedIOException(impossible);
        }
    }

    /** An entry from {@link #toJson}; IllegalArgumentException (or another RuntimeException) when malformed. */
    public static Entry fromJson(JsonNode n) {
        return read(n);
    }

    /** The entry's JSON, generated without building a tree (a COPY has an input per file). */
    static byte[] bytes(Entry e) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 + 128 * e.inputs().size());
        try (com.fasterxml.jackson.core.JsonGenerator g = StoreJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("key", e.key().toString());
            if (e.parent() != null) {
                g.writeStringField("parent", e.parent().toString());
            }
            g.writeStringField("instruction", e.instruction());
            if (e.layer() != null) {
                g.writeObjectFieldStart("layer");
                g.writeStringField("mediaType", e.layer().mediaType());
                g.writeStringField("digest", e.layer().digest().toString());
                g.writeNumberField("size", e.layer().size());
                g.writeEndObject();
                g.writeStringField("diffId", e.diffId().toString());
            }
            if (e.created() != null) {
                g.writeStringField("created", e.created()); // before the inputs, which a hit does not read
            }
            g.writeArrayFieldStart("inputs");
            for (Input i : e.inputs()) {
                g.writeStartObject();
                g.writeStringField("name", i.name());
                g.writeStringField("digest", i.digest().toString());
                if (i.display() != null) {
                    g.writeStringField("display", i.display());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static Entry read(JsonNode n) {
        List<Input> inputs = new ArrayList<>();
        for (JsonNode in : n.path("inputs")) {
            inputs.add(new Input(in.path("name").asText(), Digest.parse(in.path("digest").asText()),
                    in.has("display") ? in.path("display").asText() : null));
        }
        Descriptor layer = null;
        Digest diffId = null;
        if (n.has("layer")) {
            JsonNode l = n.path("layer");
            layer = new Descriptor(l.path("mediaType").asText(), Digest.parse(l.path("digest").asText()),
                    l.path("size").asLong());
            diffId = Digest.parse(n.path("diffId").asText());
        }
        return new Entry(Digest.parse(n.path("key").asText()),
                n.has("parent") ? Digest.parse(n.path("parent").asText()) : null, n.path("instruction").asText(),
                inputs, layer, diffId, n.hasNonNull("created") ? n.path("created").asText() : null);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
