package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The entry headers of a layer this store wrote, kept beside it so that a cache hit learns the
 * layer's files without inflating and hashing the whole blob. A missing or damaged index only
 * means reading the layer itself.
 */
public final class LayerIndex {
    /**
     * 2: version 1's records (sorted by path, as {@link LayerWriter#normalize} leaves them), then a table of the
     * records' offsets and flags, so that one path can be looked up without reading the others ({@link Lookup}).
     */
    private static final int VERSION = 2;
    private static final int FLAG_WHITEOUTS = 1;
    /** Whiteouts that remove nothing of their own layer: applying the layer does not depend on the order of its entries. */
    private static final int FLAG_ORDER_FREE = 2;

    private LayerIndex() {}

    public static Path path(Path storeRoot, Digest diffId) {
        return storeRoot.resolve("layerindex").resolve(diffId.hex());
    }

    static void write(Path storeRoot, Digest diffId, List<LayerEntry> entries, Instant epoch) throws IOException {
        Path file = path(storeRoot, diffId);
        if (Files.exists(file)) {
            return;
        }
        Files.createDirectories(file.getParent());
        // pid and thread: two stages of one build may index the same layer at once
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(VERSION);
            List<LayerEntry> normalized = LayerWriter.normalize(entries, epoch);
            out.writeInt(normalized.size());
            int[] offsets = new int[normalized.size()];
            int i = 0;
            for (LayerEntry e : normalized) {
                offsets[i++] = out.size();
                out.writeUTF(e.path());
                out.writeByte(e.type().ordinal());
                out.writeInt(e.mode());
                out.writeLong(e.uid());
                out.writeLong(e.gid());
                out.writeLong(e.mtime().getEpochSecond());
                out.writeLong(e.size());
                out.writeUTF(e.linkTarget() == null ? "\u0000" : e.linkTarget());
                out.writeInt(e.devMajor());
                out.writeInt(e.devMinor());
                out.writeInt(e.xattrs().size());
                for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                    out.writeUTF(x.getKey());
                    out.writeInt(x.getValue().length);
                    out.write(x.getValue());
                }
            }
            int table = out.size();
            out.writeInt(flags(normalized));
            for (int offset : offsets) {
                out.writeInt(offset);
            }
            out.writeInt(table);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Whether the sorted entries hold whiteouts, and whether any whiteout removes an entry of the same layer that
     * sorts before it (or an opaque marker a child that does): a layer applied in order then differs from one looked
     * up path by path, which assumes a whiteout hides only the layers below.
     */
    static int flags(List<LayerEntry> sorted) {
        List<String> paths = new ArrayList<>(sorted.size());
        for (LayerEntry e : sorted) {
            paths.add(e.path());
        }
        int flags = FLAG_ORDER_FREE;
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            int slash = path.lastIndexOf('/');
            String name = path.substring(slash + 1);
            if (!name.startsWith(".wh.")) {
                continue;
            }
            flags |= FLAG_WHITEOUTS;
            String dir = slash < 0 ? "" : path.substring(0, slash);
            if (name.equals(".wh..wh..opq")) {
                // removes what is under dir: nothing of this layer may sort before the marker there
                int first = dir.isEmpty() ? 0 : lowerBound(paths, dir + "/");
                if (first < i) {
                    flags &= ~FLAG_ORDER_FREE;
                }
            } else {
                String target = dir.isEmpty() ? name.substring(4) : dir + "/" + name.substring(4);
                int at = lowerBound(paths, target);
                if (at < i && at < paths.size() && (paths.get(at).equals(target)
                        || paths.get(at).startsWith(target + "/"))) {
                    flags &= ~FLAG_ORDER_FREE;
                }
                int under = lowerBound(paths, target + "/");
                if (under < i && under < paths.size() && paths.get(under).startsWith(target + "/")) {
                    flags &= ~FLAG_ORDER_FREE;
                }
            }
        }
        return flags;
    }

    /** The first index whose path sorts at or after {@code key}. */
    private static int lowerBound(List<String> sorted, String key) {
        int lo = 0;
        int hi = sorted.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (dev.jbuild.store.PathOrder.compare(sorted.get(mid), key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * One layer's entries looked up by path from its index, decoded only where the search goes:
     * a stage on a big base image that looks at a few paths (a COPY's destination) need not read its 10,000 entries.
     * Only for an index with the table, of a layer whose application does not depend on its entries' order.
     */
    public static final class Lookup {
        private final Path file;
        private final long size;
        private final int count;
        private final int table;
        private final boolean whiteouts;
        /** The index's bytes, read on the first lookup: a cache hit whose files nothing looks at reads none. */
        private java.nio.ByteBuffer buf;

        private Lookup(Path file, long size, int count, int table, boolean whiteouts) {
            this.file = file;
            this.size = size;
            this.count = count;
            this.table = table;
            this.whiteouts = whiteouts;
        }

        private synchronized java.nio.ByteBuffer bytes() {
            if (buf == null) {
                byte[] b;
                try {
                    // Read, not mapped: a first mapping costs a no-op build ~20 ms of reflective set-up in the JDK,
                    // where reading even a 20,000-entry index takes about a millisecond.
                    b = Files.readAllBytes(file);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                if (b.length != size) {
                    throw new IllegalStateException(file + ": the layer index changed while it was read");
                }
                buf = java.nio.ByteBuffer.wrap(b);
            }
            return buf;
        }

        /** Whether the layer holds any whiteout (if not, a lookup need not look for one). */
        public boolean hasWhiteouts() {
            return whiteouts;
        }

        /** The entry at this path (headers only: no content), or null. */
        public LayerEntry find(String path) {
            java.nio.ByteBuffer buf = bytes();
            int lo = 0;
            int hi = count - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int at = buf.getInt(table + 4 + 4 * mid);
                int c = dev.jbuild.store.PathOrder.compare(utf(buf, at), path);
                if (c < 0) {
                    lo = mid + 1;
                } else if (c > 0) {
                    hi = mid - 1;
                } else {
                    return record(buf, at);
                }
            }
            return null;
        }

        private static String utf(java.nio.ByteBuffer buf, int at) {
            int n = buf.getShort(at) & 0xffff;
            byte[] b = new byte[n];
            buf.get(at + 2, b);
            return modifiedUtf8(b);
        }

        /** The record at an offset, read by the code that reads the whole index. */
        private LayerEntry record(java.nio.ByteBuffer buf, int at) {
            java.nio.ByteBuffer b = buf.slice(at, table - at);
            java.io.InputStream bytes = new java.io.InputStream() {
                @Override
                public int read() {
                    return b.hasRemaining() ? b.get() & 0xff : -1;
                }

                @Override
                public int read(byte[] to, int off, int len) {
                    if (!b.hasRemaining()) {
                        return -1;
                    }
                    int n = Math.min(len, b.remaining());
                    b.get(to, off, n);
                    return n;
                }
            };
            try {
                return readRecord(new DataInputStream(bytes), LayerEntry.Type.values());
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("a damaged layer index record at " + at, e);
            }
        }
    }

    private static String modifiedUtf8(byte[] b) {
        boolean ascii = true;
        for (byte x : b) {
            if (x <= 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        byte[] framed = new byte[b.length + 2];
        framed[0] = (byte) (b.length >>> 8);
        framed[1] = (byte) b.length;
        System.arraycopy(b, 0, framed, 2, b.length);
        try {
            return DataInputStream.readUTF(new DataInputStream(new java.io.ByteArrayInputStream(framed)));
        } catch (IOException e) {
            throw new IllegalArgumentException("a damaged layer index path", e);
        }
    }

    /**
     * The lookup of a layer's index, or null when there is none, it is of version 1 (no table), or its layer's
     * whiteouts depend on order.
     */
    static Lookup lookup(Path storeRoot, Digest diffId) {
        Path file = path(storeRoot, diffId);
        // Only the header and the table's flags now; the records when a path is looked up.
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            if (size < 16 || size > Integer.MAX_VALUE) {
                return null;
            }
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(8);
            java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate(4);
            if (ch.read(head, 0) != 8 || ch.read(tail, size - 4) != 4) {
                return null;
            }
            if (head.getInt(0) != VERSION) {
                return null;
            }
            int count = head.getInt(4);
            int table = tail.getInt(0);
            if (count < 0 || table < 8 || (long) table + 4 + 4L * count + 4 != size) {
                return null;
            }
            java.nio.ByteBuffer flags = java.nio.ByteBuffer.allocate(4);
            if (ch.read(flags, table) != 4 || (flags.getInt(0) & FLAG_ORDER_FREE) == 0) {
                return null;
            }
            return new Lookup(file, size, count, table, (flags.getInt(0) & FLAG_WHITEOUTS) != 0);
        } catch (IOException | RuntimeException noneOrDamaged) {
            return null;
        }
    }

    /**
     * Installs an index that came from elsewhere (an imported cache) when this store has none; one that does not
     * read back is dropped, so that the layer itself is read instead.
     */
    public static void install(Path storeRoot, Digest diffId, byte[] index) throws IOException {
        Path file = path(storeRoot, diffId);
        if (Files.exists(file)) {
            return;
        }
        Files.createDirectories(file.getParent());
        // A unique name: stages built in parallel may install the same index at once.
        Path tmp = dev.jbuild.store.Fs.newTempFile(file.getParent(), file.getFileName().toString(), ".in");
        Files.write(tmp, index);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (read(storeRoot, diffId) == null) {
            Files.deleteIfExists(file);
        }
    }

    /** The headers, or null when there is no (readable) index. Contents are left to the caller. */
    static List<LayerEntry> read(Path storeRoot, Digest diffId) {
        Path file = path(storeRoot, diffId);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int version = in.readInt();
            if (version != 1 && version != VERSION) {
                return null;
            }
            int n = in.readInt();
            List<LayerEntry> out = new ArrayList<>(n);
            LayerEntry.Type[] types = LayerEntry.Type.values();
            for (int i = 0; i < n; i++) {
                out.add(readRecord(in, types));
            }
            return out;
        } catch (NoSuchFileException | EOFException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static LayerEntry readRecord(DataInputStream in, LayerEntry.Type[] types) throws IOException {
        String path = in.readUTF();
        LayerEntry.Type type = types[in.readByte()];
        int mode = in.readInt();
        long uid = in.readLong();
        long gid = in.readLong();
        Instant mtime = Instant.ofEpochSecond(in.readLong());
        long size = in.readLong();
        String link = in.readUTF();
        int major = in.readInt();
        int minor = in.readInt();
        int nx = in.readInt();
        Map<String, byte[]> xattrs = new java.util.TreeMap<>();
        for (int j = 0; j < nx; j++) {
            String k = in.readUTF();
            byte[] v = new byte[in.readInt()];
            in.readFully(v);
            xattrs.put(k, v);
        }
        return new LayerEntry(path, type, mode, uid, gid, mtime, type == LayerEntry.Type.FILE ? size : 0,
                link.equals("\u0000") ? null : link, null, major, minor, xattrs);
    }
}
