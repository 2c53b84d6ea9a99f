package dev.jbuild.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Local tags: reference -&gt; manifest (or index) digest, kept in {@code images.json}
 * ({@code {"tags": {"<reference>": "sha256:..."}}}, sorted). Updates run under the exclusive
 * {@code images.lock} (threads and processes) and replace the file atomically (temp file, fsync,
 * rename), so readers, which take no lock, never see a torn file. References are opaque strings
 * here; the caller normalises them.
 */
public final class ImageStore {
    private final Store store;
    private final Path file;
    private final LockFile lock;

    ImageStore(Store store) {
        this.store = store;
        this.file = store.path("images.json");
        this.lock = LockFile.of(store.path("images.lock"), false);
    }

    /** Points {@code reference} at {@code manifestDigest} (replacing an earlier target). */
    public void tag(String reference, Digest manifestDigest) throws IOException {
        checkReference(reference);
        update(tags -> !manifestDigest.equals(tags.put(reference, manifestDigest)));
    }

    /** Removes the tag; false when there was none. */
    public boolean untag(String reference) throws IOException {
        checkReference(reference);
        boolean[] removed = {false};
        update(tags -> removed[0] = tags.remove(reference) != null);
        return removed[0];
    }

    public Optional<Digest> resolve(String reference) throws IOException {
        return Optional.ofNullable(read().get(reference));
    }

    /** Every tag, sorted by reference. */
    public SortedMap<String, Digest> tags() throws IOException {
        return Collections.unmodifiableSortedMap(read());
    }

    private interface Change {
        /** Applies the change; true when the file must be rewritten. */
        boolean apply(TreeMap<String, Digest> tags);
    }

    @SuppressWarnings("try") // held for its scope only
    private void update(Change change) throws IOException {
        try (StoreLock hold = store.lockShared(); StoreLock l = lock.exclusive()) {
            TreeMap<String, Digest> tags = read();
            if (change.apply(tags)) {
                write(tags);
            }
        }
    }

    /** Reads the tags under the images lock (used by prune, which must not race a tag update). */
    @SuppressWarnings("try") // held for its scope only
    TreeMap<String, Digest> readLocked() throws IOException {
        try (StoreLock l = lock.exclusive()) {
            return read();
        }
    }

    private TreeMap<String, Digest> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        }
        TreeMap<String, Digest> tags = new TreeMap<>();
        JsonNode root;
        try {
            root = StoreJson.tree(bytes);
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode t = root == null ? null : root.get("tags");
        if (t == null || !t.isObject()) {
            throw new IOException(file + ": no \"tags\" object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                tags.put(e.getKey(), Digest.parse(e.getValue().asText()));
            } catch (IllegalArgumentException ex) {
                throw new IOException(file + ": tag \"" + e.getKey() + "\": " + ex.getMessage(), ex);
            }
        }
        return tags;
    }

    private void write(TreeMap<String, Digest> tags) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 + 100 * tags.size());
        try (com.fasterxml.jackson.core.JsonGenerator g = StoreJson.FACTORY.createGenerator(out)) {
            g.useDefaultPrettyPrinter(); // for people who read the file
            g.writeStartObject();
            g.writeObjectFieldStart("tags");
            for (Map.Entry<String, Digest> e : tags.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue().toString());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        out.write('\n');
        Fs.writeAtomically(store.tmpDir(), file, out.toByteArray());
    }

    private static void checkReference(String reference) {
        if (reference == null || reference.isEmpty() || reference.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("invalid image reference \"" + reference + "\"");
        }
    }
}
