package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry.Type;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads the entries of a layer blob in archive order. The compression (gzip, zstd or none) is
 * detected from the first bytes. Each entry comes as a {@link LayerEntry} without a content
 * source; a file's content is {@link #content()} until the next call to {@link #next()}.
 *
 * <p>Paths are cleaned ({@code a//b/./c} becomes {@code a/b/c}, {@code a/../b} becomes {@code b},
 * directories lose their trailing '/'); an entry whose path is absolute or climbs out of the
 * layer with {@code ..} — or a hardlink whose target does — is a {@link LayerFormatException}
 * naming the layer and the entry. The root entry ({@code ./}) is skipped. Symlink targets are
 * returned verbatim (they are data, not paths to write through). Names are decoded as UTF-8.
 *
 * <p>Opened from a {@link BlobStore}, the blob digest is verified, and {@link #diffId()} (the
 * sha256 of the uncompressed tar) becomes available, once {@link #next()} has returned null (the
 * reader then reads the stream to its end).
 */
public final class LayerReader implements Closeable {
    private final String name;
    private final InputStream raw;
    private final Compression compression;
    private final InputStream decompressed;
    private final Streams.DigestingInputStream digesting;
    /** What the tar is read from: the digesting stream, or a read-ahead of it ({@link #openReadAhead}). */
    private final InputStream tarStream;
    private final TarReader tar;
    private Digest diffId;
    private boolean done;

    private LayerReader(String name, InputStream raw, boolean readAhead) throws IOException {
        this.name = name;
        BufferedInputStream buffered = new BufferedInputStream(raw, 64 * 1024);
        this.raw = buffered;
        this.compression = Compression.detect(buffered);
        this.decompressed = compression.decompress(buffered);
        this.digesting = new Streams.DigestingInputStream(decompressed);
        this.tarStream = readAhead ? new ReadAheadInputStream(digesting, "jbuild-layer-inflate") : digesting;
        this.tar = new TarReader(tarStream);
    }

    /**
     * {@link #open(BlobStore, Digest)}, the blob inflated and digested on a thread of its own, ahead of the reader:
     * for an unpack, whose file writes then overlap the inflating.
     */
    public static LayerReader openReadAhead(BlobStore blobs, Digest blob) throws IOException {
        return open(blobs, blob, true);
    }

    /** Reads the layer blob {@code blob} from the store (verifying its digest). */
    public static LayerReader open(BlobStore blobs, Digest blob) throws IOException {
        return open(blobs, blob, false);
    }

    private static LayerReader open(BlobStore blobs, Digest blob, boolean readAhead) throws IOException {
        InputStream in = blobs.open(blob);
        try {
            return new LayerReader(blob.toString(), in, readAhead);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Reads a layer from any stream (closed by {@link #close()}); {@code name} appears in errors. */
    public static LayerReader open(InputStream in, String name) throws IOException {
        return new LayerReader(name, in, false);
    }

    /** The compression detected. */
    public Compression compression() {
        return compression;
    }

    /** The next entry, or null at the end of the layer. */
    public LayerEntry next() throws IOException {
        if (done) {
            return null;
        }
        while (true) {
            TarReader.Header h;
            try {
                h = tar.next();
            } catch (LayerFormatException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new LayerFormatException(name, null, e.getMessage(), e);
            }
            if (h == null) {
                finish();
                return null;
            }
            LayerEntry e = toEntry(h);
            if (e != null) {
                return e;
            }
        }
    }

    /** The content of the current entry (empty unless it is a FILE); valid until {@link #next()}. */
    public InputStream content() {
        return tar.content();
    }

    /** The sha256 of the uncompressed tar; available once {@link #next()} returned null. */
    public Digest diffId() {
        if (diffId == null) {
            throw new IllegalStateException("the diff-id is known once the whole layer has been read");
        }
        return diffId;
    }

    private void finish() throws IOException {
        done = true;
        try {
            // The tar ends with zero blocks the reader need not consume; they are part of the diff-id.
            tarStream.transferTo(java.io.OutputStream.nullOutputStream());
            diffId = digesting.digest(); // the read-ahead, if any, reached the end and stopped: no race
            // Drive the blob stream to its end so the store verifies the blob digest.
            raw.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new LayerFormatException(name, null, e.getMessage(), e);
        }
    }

    private LayerEntry toEntry(TarReader.Header h) throws LayerFormatException {
        String rawName = h.name();
        Type type;
        switch (h.type()) {
            case '0', '\0', '7' -> type = rawName.endsWith("/") ? Type.DIRECTORY : Type.FILE;
            case '1' -> type = Type.HARDLINK;
            case '2' -> type = Type.SYMLINK;
            case '3' -> type = Type.CHAR_DEVICE;
            case '4' -> type = Type.BLOCK_DEVICE;
            case '5', 'D' -> type = Type.DIRECTORY;
            case '6' -> type = Type.FIFO;
            default -> throw new LayerFormatException(name, rawName, "unsupported tar entry type '" + h.type() + "'");
        }
        String path = clean(rawName, rawName, "path");
        if (path.isEmpty()) {
            return null; // the root directory itself
        }
        String link = null;
        if (type == Type.HARDLINK) {
            link = clean(rawName, h.linkName(), "hardlink target \"" + h.linkName() + "\"");
            if (link.isEmpty()) {
                throw new LayerFormatException(name, rawName, "hardlink to the layer root");
            }
        } else if (type == Type.SYMLINK) {
            link = h.linkName();
            if (link.isEmpty()) {
                throw new LayerFormatException(name, rawName, "symlink without a target");
            }
        }
        if (h.uid() < 0 || h.gid() < 0) {
            throw new LayerFormatException(name, rawName, "negative uid/gid");
        }
        if (h.devMajor() < 0 || h.devMajor() > Integer.MAX_VALUE || h.devMinor() < 0 || h.devMinor() > Integer.MAX_VALUE) {
            throw new LayerFormatException(name, rawName, "device number out of range");
        }
        boolean device = type == Type.CHAR_DEVICE || type == Type.BLOCK_DEVICE;
        try {
            return new LayerEntry(path, type, (int) (h.mode() & 07777), h.uid(), h.gid(), h.mtime(),
                    type == Type.FILE ? h.size() : 0, link, null, device ? (int) h.devMajor() : 0,
                    device ? (int) h.devMinor() : 0, h.xattrs());
        } catch (IllegalArgumentException e) {
            throw new LayerFormatException(name, rawName, e.getMessage(), e);
        }
    }

    /**
     * Cleans an archive path lexically; "" for the root. Absolute paths and paths climbing above
     * the root are errors.
     */
    private String clean(String entry, String p, String what) throws LayerFormatException {
        if (p.startsWith("/")) {
            throw new LayerFormatException(name, entry, what + " is absolute");
        }
        Deque<String> parts = new ArrayDeque<>();
        for (String c : p.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (parts.isEmpty()) {
                    throw new LayerFormatException(name, entry, what + " escapes the layer root with '..'");
                }
                parts.removeLast();
                continue;
            }
            parts.addLast(c);
        }
        return String.join("/", parts);
    }

    @Override
    public void close() throws IOException {
        try {
            if (tarStream != digesting) {
                tarStream.close(); // stops the read-ahead thread before its source is closed
            }
        } finally {
            try {
                decompressed.close();
            } finally {
                raw.close();
            }
        }
    }
}
