package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Digests of file contents for cache keys, with a stat cache kept in the store: a file whose
 * size, mtime, ctime and inode are unchanged is not read again, so re-hashing an unchanged
 * context costs only the stats. ctime catches a content change that restored the mtime.
 * Thread-safe: parallel stages hash through one instance.
 */
final class ContentHasher {
    /** What identifies a file's content version without reading it: size, mtime and ctime in ns, inode. */
    record Stamp(long size, long mtime, long ctime, long inode) {
        /** The stamp in the attributes of a {@code unix:*} read (one stat call). */
        static Stamp of(Map<String, Object> unix) {
            return new Stamp((Long) unix.get("size"),
                    ((FileTime) unix.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS),
                    ((FileTime) unix.get("ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS),
                    ((Number) unix.get("ino")).longValue());
        }

        // Written out: compared 20,000 times per no-op build, and the record's generated equals goes through
        // method handles that the build's C1-only code does not inline.
        @Override
        public boolean equals(Object o) {
            return o instanceof Stamp s && s.size == size && s.mtime == mtime && s.ctime == ctime && s.inode == inode;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(size) * 31 + Long.hashCode(mtime);
        }
    }

    /** A stamp and the sha256 of the content it stood for; the Digest is made when asked for. */
    static final class Known {
        private final Stamp stat;
        private final byte[] sha256;
        private volatile Digest digest;

        Known(Stamp stat, byte[] sha256) {
            this.stat = stat;
            this.sha256 = sha256;
        }

        Known(Stamp stat, Digest digest) {
            this(stat, java.util.HexFormat.of().parseHex(digest.hex()));
            this.digest = digest;
        }

        Stamp stat() {
            return stat;
        }

        byte[] sha256() {
            return sha256;
        }

        Digest digest() {
            Digest d = digest;
            if (d == null) {
                d = Digest.fromMessageDigest(sha256);
                digest = d;
            }
            return d;
        }
    }

    private final Path file;
    /**
     * The stat cache, read on a thread of its own from construction on: the build parses the Dockerfile
     * and sets up its base image meanwhile, and needs the stamps only at its first COPY.
     */
    private final java.util.concurrent.FutureTask<Map<String, Known>> loading;
    private volatile Map<String, Known> known;
    /** Digests taken while a layer writer read the files (see {@link #capturing}), for this process only. */
    private final Map<String, Known> captured = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean dirty;

    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();

    ContentHasher(Path file) {
        this(file, true);
    }

    /** @param now whether to start reading the stat cache now, else at {@link #prepare} or at its first use */
    ContentHasher(Path file, boolean now) {
        this.file = file;
        this.loading = new java.util.concurrent.FutureTask<>(this::load);
        if (now) {
            prepare();
        }
    }

    /** Starts reading the stat cache on a thread of its own, unless that has started. */
    void prepare() {
        if (started.compareAndSet(false, true)) {
            Thread t = new Thread(loading, "jbuild-statcache");
            t.setDaemon(true);
            t.start();
        }
    }

    Digest digest(LayerEntry.ContentSource content) throws IOException {
        if (content instanceof ContentDigests.Known k) {
            return k.digest(); // an imported layer's file: hashed where the layer was made
        }
        if (content instanceof PathContent pc) {
            Stamp st = pc.stamp() != null ? pc.stamp() : stat(pc.path());
            Known found = lookup(pc, st);
            if (found != null) {
                return found.digest();
            }
            String k = pc.path().toString();
            Digest d = hash(content);
            // A file modified within the mtime granularity right now could change again unseen: don't remember it.
            if (System.currentTimeMillis() - st.mtime() / 1_000_000 > 2_000) {
                known().put(k, new Known(st, d));
                dirty = true;
            }
            return d;
        }
        return hash(content);
    }

    /**
     * The digest of a context file's content if this hasher already has it for the file's stamp
     * (hashed for a key or captured while a layer was written), else null; never reads the file.
     */
    Digest knownDigest(LayerEntry.ContentSource content) {
        if (content instanceof ContentDigests.Known k) {
            return k.digest();
        }
        if (content instanceof PathContent pc && pc.stamp() != null) {
            Known memo = pc.known;
            if (memo != null) {
                return memo.digest();
            }
            String k = pc.path().toString();
            Known read = captured.get(k);
            if (read != null && read.stat().equals(pc.stamp())) {
                return remember(pc, read).digest();
            }
            Known prev = known().get(k);
            if (prev != null && prev.stat().equals(pc.stamp())) {
                return remember(pc, prev).digest();
            }
        }
        return null;
    }

    /** What the stat cache or this build's layer writes know for the file at this stamp, or null. */
    private Known lookup(PathContent pc, Stamp st) {
        Known memo = pc.known;
        if (memo != null) {
            return memo;
        }
        String k = pc.path().toString();
        Known prev = known().get(k);
        if (prev != null && prev.stat().equals(st)) {
            return remember(pc, prev);
        }
        Known read = captured.get(k);
        if (read != null && read.stat().equals(st)) {
            return remember(pc, read);
        }
        return null;
    }

    /** Keeps a stat cache answer on the content it is for, when it is for that content's own stamp. */
    private static Known remember(PathContent pc, Known k) {
        if (pc.stamp() != null && k.stat().equals(pc.stamp())) {
            pc.known = k;
        }
        return k;
    }

    /**
     * Appends "sha256:HEX" of the content, as {@link #digest} gives it, without making a Digest
     * when the stat cache has it (the key of a 20,000-file COPY appends one per file).
     */
    void appendDigest(StringBuilder sb, LayerEntry.ContentSource content) throws IOException {
        if (content instanceof PathContent pc) {
            Known memo = lookup(pc, pc.stamp() != null ? pc.stamp() : stat(pc.path()));
            if (memo != null) {
                sb.append("sha256:");
                byte[] b = memo.sha256();
                for (byte x : b) {
                    sb.append(HEX[(x >> 4) & 0xf]).append(HEX[x & 0xf]);
                }
                return;
            }
        }
        Digest d = digest(content);
        sb.append(d.algorithm()).append(':').append(d.hex());
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /**
     * Whether every file among the entries has its digest without being read: a context file in the stat cache, or
     * a file of a layer whose digests were kept or taken as it was written ({@link ContentDigests.Known}). A big
     * COPY's entries are looked up in parallel, in slices ({@link Workers}): 20,000 stat-cache lookups on every no-op
     * build of a big context.
     */
    boolean allKnown(List<LayerEntry> entries) throws IOException {
        int slice = 2000;
        if (entries.size() <= slice) {
            return allKnown(entries, 0, entries.size());
        }
        int slices = (entries.size() + slice - 1) / slice;
        try {
            return Workers.call(() -> java.util.stream.IntStream.range(0, slices).parallel()
                    .allMatch(i -> allKnown(entries, i * slice, Math.min(entries.size(), (i + 1) * slice))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false; // the caller then reads the files, which notices the interrupt
        }
    }

    private boolean allKnown(List<LayerEntry> entries, int from, int to) {
        for (LayerEntry e : entries.subList(from, to)) {
            if (e.content() instanceof PathContent pc) {
                if (pc.known != null) {
                    continue;
                }
                Known prev = pc.stamp() == null ? null : known().get(pc.path().toString());
                if (prev == null || !prev.stat().equals(pc.stamp())) {
                    return false;
                }
                pc.known = prev;
            } else if (e.content() != null && !(e.content() instanceof ContentDigests.Known)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The entries with each context file's content digested as it is read, for a layer written
     * before its cache key is known: the file is read once, by the layer writer, and {@link
     * #digest} then answers from what it saw. A digest is kept only when the whole file was read
     * (its size as stamped, then the end), so the key describes exactly the bytes in the layer.
     */
    List<LayerEntry> capturing(List<LayerEntry> entries) {
        List<LayerEntry> out = new ArrayList<>(entries.size());
        for (LayerEntry e : entries) {
            if (e.content() instanceof PathContent pc && pc.stamp() != null) {
                out.add(e.withContent(e.size(), () -> new Capture(pc, Files.newInputStream(pc.path()))));
            } else {
                out.add(e);
            }
        }
        return out;
    }

    /** Digests what is read through it; on close, records the digest if the stamped size was read to the end. */
    private final class Capture extends java.io.FilterInputStream {
        private final PathContent source;
        private final MessageDigest md = Digest.newSha256();
        private long count;
        private boolean ended;

        Capture(PathContent source, InputStream in) {
            super(in);
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                ended = true;
            } else {
                md.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                ended = true;
            } else {
                md.update(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) {
            return 0; // every byte must pass through the digest
        }

        @Override
        public void close() throws IOException {
            super.close();
            if (ended && count == source.stamp().size()) {
                Known k = new Known(source.stamp(), md.digest());
                captured.put(source.path().toString(), k);
                if (System.currentTimeMillis() - source.stamp().mtime() / 1_000_000 > 2_000) {
                    known().put(source.path().toString(), k);
                    dirty = true;
                }
            }
        }
    }

    private static Digest hash(LayerEntry.ContentSource content) throws IOException {
        MessageDigest md = Digest.newSha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = content.open()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return Digest.fromMessageDigest(md.digest());
    }

    static final String STAMP_ATTRIBUTES = "unix:size,lastModifiedTime,ctime,ino";

    private static Stamp stat(Path p) throws IOException {
        return Stamp.of(Files.readAttributes(p, STAMP_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS));
    }

    /*
     * The stat cache file: "JBSC", version, entry count, then per entry the path (int length, UTF-8),
     * size, mtime, ctime, inode (longs) and the 32 bytes of the sha256; a CRC-32 of everything before
     * it ends the file. Binary so that loading the stamps of a 20,000-file context costs milliseconds
     * (the text form's split/parse was a fifth of a no-op build). Anything that does not read back
     * exactly (another version, a torn or damaged file) is dropped whole: it only costs re-reading.
     */
    private static final int MAGIC = 0x4a425343; // "JBSC"
    private static final int VERSION = 2;

    private Map<String, Known> load() {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            return new java.util.concurrent.ConcurrentHashMap<>(); // none yet (or unreadable): every file is read once
        }
        try {
            return decode(b);
        } catch (RuntimeException damaged) {
            return new java.util.concurrent.ConcurrentHashMap<>(); // a damaged one only costs re-reading the files
        }
    }

    private Map<String, Known> known() {
        Map<String, Known> k = known;
        if (k == null) {
            prepare();
            synchronized (this) {
                if (known == null) {
                    boolean interrupted = false;
                    while (known == null) {
                        try {
                            known = loading.get();
                        } catch (InterruptedException e) {
                            interrupted = true; // the load finishes on its own; wait for it
                        } catch (java.util.concurrent.ExecutionException e) {
                            known = new java.util.concurrent.ConcurrentHashMap<>(); // costs only re-reading
                        }
                    }
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
                k = known;
            }
        }
        return k;
    }

    /** The entries of a stat cache file; IllegalArgumentException (or another RuntimeException) when damaged. */
    static Map<String, Known> decode(byte[] b) {
        if (b.length < 16) {
            throw new IllegalArgumentException("stat cache too short");
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 0, b.length - 4);
        if ((int) crc.getValue() != getInt(b, b.length - 4)) {
            throw new IllegalArgumentException("stat cache checksum mismatch");
        }
        if (getInt(b, 0) != MAGIC || getInt(b, 4) != VERSION) {
            throw new IllegalArgumentException("not a stat cache of this version");
        }
        int n = getInt(b, 8);
        if (n < 0 || n > (b.length - 16) / 68) {
            throw new IllegalArgumentException("stat cache entry count " + n);
        }
        // Plain array reads: the build's code is C1-compiled, where ByteBuffer's accessors cost several times more.
        // Straight into the concurrent map the build uses, sized for all of them: filling a HashMap first and copying
        // it over cost as much again. An entry is read by a method of its own, which C1 compiles after a few hundred
        // of the 20,000 calls; this loop alone would run interpreted to the end.
        Map<String, Known> out = new java.util.concurrent.ConcurrentHashMap<>(n); // sized for n entries at its load factor
        int at = 12;
        int end = b.length - 4;
        for (int i = 0; i < n; i++) {
            at = decodeEntry(b, at, end, i, out);
        }
        if (at != end) {
            throw new IllegalArgumentException("stat cache has trailing bytes");
        }
        return out;
    }

    /** Puts the entry at AT into OUT; the offset after it. */
    private static int decodeEntry(byte[] b, int at, int end, int i, Map<String, Known> out) {
        int len = getInt(b, at);
        if (len < 0 || len > end - at - 4 - 64) {
            throw new IllegalArgumentException("stat cache entry " + i + " runs past the end");
        }
        String path = new String(b, at + 4, len, StandardCharsets.UTF_8);
        at += 4 + len;
        Stamp st = new Stamp(getLong(b, at), getLong(b, at + 8), getLong(b, at + 16), getLong(b, at + 24));
        out.put(path, new Known(st, java.util.Arrays.copyOfRange(b, at + 32, at + 64)));
        return at + 64;
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static long getLong(byte[] b, int at) {
        return (long) getInt(b, at) << 32 | (getInt(b, at + 4) & 0xffffffffL);
    }

    static byte[] encode(Map<String, Known> entries) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(entries.size() * 120 + 16);
        java.io.DataOutputStream out = new java.io.DataOutputStream(buf);
        try {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(entries.size());
            for (Map.Entry<String, Known> e : entries.entrySet()) {
                byte[] path = e.getKey().getBytes(StandardCharsets.UTF_8);
                Stamp s = e.getValue().stat();
                out.writeInt(path.length);
                out.write(path);
                out.writeLong(s.size());
                out.writeLong(s.mtime());
                out.writeLong(s.ctime());
                out.writeLong(s.inode());
                out.write(e.getValue().sha256());
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            byte[] body = buf.toByteArray();
            crc.update(body);
            out.writeInt((int) crc.getValue());
        } catch (IOException impossible) {
            throw new java.io.UncheckedIOException(impossible);
        }
        return buf.toByteArray();
    }

    synchronized void save() throws IOException {
        if (!dirty) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        Files.write(tmp, encode(known()));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
