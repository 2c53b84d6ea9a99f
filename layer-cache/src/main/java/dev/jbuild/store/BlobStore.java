package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Content-addressed blobs under {@code blobs/<algorithm>/<hex>}. A blob file only ever appears by
 * an atomic rename of complete content whose digest was computed while writing it, so a process
 * killed at any point never leaves a partial blob visible. Reads verify the digest.
 *
 * <p>It also keeps the layer index {@code diffids/sha256/<blob hex>}: a layer blob's diff-id
 * (the sha256 of its uncompressed tar), recorded by {@link LayerWriter} and {@link SnapshotStore};
 * and for the gzip layers it wrote, {@code members/sha256/<blob hex>} ({@link GzipMemberIndex}).
 */
public final class BlobStore {
    private final Store store;
    private final Path dir;
    private final Path diffIds;

    BlobStore(Store store) {
        this.store = store;
        this.dir = store.path("blobs");
        this.diffIds = store.path("diffids");
    }

    /** Where the blob is (or would be) stored. Read it through {@link #open} to have it verified. */
    public Path path(Digest digest) {
        return dir.resolve(digest.algorithm()).resolve(digest.hex());
    }

    public boolean has(Digest digest) {
        return Files.isRegularFile(path(digest), LinkOption.NOFOLLOW_LINKS);
    }

    /** The blob's size; NoSuchFileException when it is not in the store. */
    public long size(Digest digest) throws IOException {
        try {
            return Files.size(path(digest));
        } catch (NoSuchFileException e) {
            throw notFound(digest);
        }
    }

    /**
     * Opens the blob for reading. The digest is verified as the stream is read: reaching the end
     * of a blob whose content does not match throws an IOException naming the blob and both
     * digests. (A caller that stops reading early gets no verification.)
     */
    public InputStream open(Digest digest) throws IOException {
        Path p = path(digest);
        InputStream in;
        try {
            in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw notFound(digest);
        }
        // The size on disk is what a complete blob has; a truncated or altered file fails the digest.
        return new dev.jbuild.oci.VerifyingInputStream(in, digest, Files.size(p));
    }

    /** The whole blob, verified (for manifests and configs; not for layers). */
    public byte[] read(Digest digest) throws IOException {
        try (InputStream in = open(digest)) {
            return in.readAllBytes();
        }
    }

    /**
     * A writer for a new blob. It holds a shared hold on the store lock until committed or
     * closed, so a prune cannot run meanwhile. Use with try-with-resources and call
     * {@link BlobWriter#commit()} before the end of the block.
     */
    public BlobWriter writer() throws IOException {
        StoreLock hold = store.lockShared();
        return BlobWriter.create(this, store.tmpDir(), hold);
    }

    /** Stores {@code content}, returning its digest (a no-op when it is already stored). */
    public Digest put(byte[] content) throws IOException {
        Digest d = Digest.sha256(content);
        if (has(d) && sizeOrMinus(d) == content.length) {
            return d;
        }
        try (BlobWriter w = writer()) {
            w.write(content);
            return w.commit(d).digest();
        }
    }

    /**
     * Stores what {@code in} yields (to its end), refusing it unless its digest is
     * {@code expected} (when not null). Does not close {@code in}.
     */
    public Blob put(InputStream in, Digest expected) throws IOException {
        try (BlobWriter w = writer()) {
            in.transferTo(w);
            return w.commit(expected);
        }
    }

    /** Removes the blob (and its diff-id record); false when it was not there. */
    public boolean delete(Digest digest) throws IOException {
        Files.deleteIfExists(diffIdFile(digest));
        return Files.deleteIfExists(path(digest));
    }

    /** Every stored blob, sorted. */
    public Stream<Digest> list() throws IOException {
        List<Digest> out = new ArrayList<>();
        try (DirectoryStream<Path> algs = Files.newDirectoryStream(dir)) {
            for (Path alg : algs) {
                if (!Files.isDirectory(alg, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(alg)) {
                    for (Path p : ds) {
                        try {
                            out.add(new Digest(alg.getFileName().toString(), p.getFileName().toString()));
                        } catch (IllegalArgumentException ignored) {
                            // not a blob (a stray file); prune leaves it alone too
                        }
                    }
                }
            }
        }
        Collections.sort(out);
        return out.stream();
    }

    /** The diff-id recorded for a layer blob, if any. */
    public Optional<Digest> diffId(Digest blob) throws IOException {
        try {
            String s = Files.readString(diffIdFile(blob), StandardCharsets.US_ASCII).trim();
            return Optional.of(Digest.parse(s));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a torn record cannot happen (atomic writes); a hand-edited one is ignored
        }
    }

    /** Records that the layer blob {@code blob} uncompresses to a tar with digest {@code diffId}. */
    @SuppressWarnings("try") // held for its scope only
    public void recordDiffId(Digest blob, Digest diffId) throws IOException {
        Optional<Digest> known = diffId(blob);
        if (known.isPresent() && known.get().equals(diffId)) {
            return;
        }
        try (StoreLock ignored = store.lockShared()) {
            Path f = diffIdFile(blob);
            Files.createDirectories(f.getParent());
            Fs.writeAtomically(store.tmpDir(), f, (diffId + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    Path diffIdFile(Digest blob) {
        return diffIds.resolve(blob.algorithm()).resolve(blob.hex());
    }

    Path diffIdDir() {
        return diffIds;
    }

    /** The gzip member index of a layer blob this store wrote ({@link GzipMemberIndex}). */
    Path memberIndexFile(Digest blob) {
        return memberIndexDir().resolve(blob.algorithm()).resolve(blob.hex());
    }

    Path memberIndexDir() {
        return store.path("members");
    }

    Path tmpDir() {
        return store.tmpDir();
    }

    private long sizeOrMinus(Digest d) {
        try {
            return Files.size(path(d));
        } catch (IOException e) {
            return -1;
        }
    }

    private NoSuchFileException notFound(Digest digest) {
        return new NoSuchFileException(path(digest).toString(), null, "blob " + digest + " is not in the store");
    }

    static MessageDigest messageDigest(String algorithm) {
        return Digest.newMessageDigest(algorithm);
    }
}
