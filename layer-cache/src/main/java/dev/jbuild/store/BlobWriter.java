package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes one blob: an OutputStream that computes the sha256 and size of what passes through while
 * writing it to a temp file in {@code tmp/} (locked, so that no other process's cleanup removes
 * it). {@link #commit()} fsyncs and renames it atomically to {@code blobs/sha256/<hex>}; closing
 * without committing deletes the temp file. Not thread-safe (one writer per thread).
 */
public final class BlobWriter extends OutputStream {
    /** Temp files of live writers in this JVM: cleanup must not even open them (POSIX locks die with any close). */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    private final BlobStore store;
    private final Path tmp;
    private final StoreLock hold;
    private final FileChannel channel;
    private final FileLock fileLock;
    private final MessageDigest sha256 = Digest.newSha256();
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private long size;
    private Blob committed;
    private boolean closed;

    private BlobWriter(BlobStore store, Path tmp, StoreLock hold, FileChannel channel, FileLock fileLock) {
        this.store = store;
        this.tmp = tmp;
        this.hold = hold;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    static BlobWriter create(BlobStore store, Path tmpDir, StoreLock hold) throws IOException {
        Path tmp = tmpDir.resolve(Fs.tempName("blob"));
        LIVE.add(tmp);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                throw new IOException("cannot lock the new temp file " + tmp);
            }
            return new BlobWriter(store, tmp, hold, ch, l);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            Files.deleteIfExists(tmp);
            LIVE.remove(tmp);
            hold.close();
            throw e;
        }
    }

    static boolean isLive(Path p) {
        return LIVE.contains(p);
    }

    /** Bytes written so far. */
    public long size() {
        return size;
    }

    /** The temp file being written (for diagnostics). */
    public Path tempFile() {
        return tmp;
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (!buffer.hasRemaining()) {
            drain();
        }
        buffer.put((byte) b);
        sha256.update((byte) b);
        size++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        sha256.update(b, off, len);
        size += len;
        if (len >= buffer.capacity()) {
            drain();
            ByteBuffer direct = ByteBuffer.wrap(b, off, len);
            while (direct.hasRemaining()) {
                channel.write(direct);
            }
            return;
        }
        if (len > buffer.remaining()) {
            drain();
        }
        buffer.put(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        drain();
    }

    private void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private void ensureOpen() throws IOException {
        if (closed || committed != null) {
            throw new IOException("blob writer " + tmp.getFileName() + " is " + (committed != null ? "committed" : "closed"));
        }
    }

    /** Commits the blob under the sha256 of what was written; idempotent when it already exists. */
    public Blob commit() throws IOException {
        return commit(null);
    }

    /**
     * Commits the blob, refusing (and discarding it) unless its digest is {@code expected} (when
     * not null). A second call returns the first result.
     */
    public Blob commit(Digest expected) throws IOException {
        if (committed != null) {
            return committed;
        }
        ensureOpen();
        if (expected != null && !expected.algorithm().equals("sha256")) {
            close();
            throw new IllegalArgumentException("only sha256 blobs can be written, not " + expected);
        }
        try {
            drain();
            Digest digest = Digest.fromMessageDigest(sha256.digest());
            if (expected != null && !expected.equals(digest)) {
                throw new IOException("blob content does not match its digest: expected " + expected + ", got " + digest
                        + " (" + size + " bytes)");
            }
            channel.force(true);
            Path target = store.path(digest);
            if (!(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == size)) {
                Fs.moveAtomically(tmp, target);
                Fs.fsyncDir(target.getParent());
            }
            committed = new Blob(digest, size);
            return committed;
        } finally {
            finish();
        }
    }

    /** Discards the blob unless it was committed. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        finish();
    }

    private void finish() throws IOException {
        closed = true;
        try {
            try {
                if (fileLock.isValid()) {
                    fileLock.release();
                }
            } finally {
                channel.close();
            }
        } finally {
            try {
                // After a commit that found the blob already present the temp file is still there.
                Files.deleteIfExists(tmp);
            } finally {
                LIVE.remove(tmp);
                hold.close();
            }
        }
    }
}
