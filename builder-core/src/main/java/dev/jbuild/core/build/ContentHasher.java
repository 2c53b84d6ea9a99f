package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import java.io.BufferedReader;
import java.io.BufferedWriter;
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
    }

    private record Known(Stamp stat, Digest digest) {}

    private final Path file;
    private final Map<String, Known> known = new java.util.concurrent.ConcurrentHashMap<>();
    /** Digests taken while a layer writer read the files (see {@link #capturing}), for this process only. */
    private final Map<String, Known> captured = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean dirty;

    ContentHasher(Path file) {
        this.file = file;
        load();
    }

    Digest digest(LayerEntry.ContentSource content) throws IOException {
        if (content instanceof ContentDigests.Known k) {
            return k.digest(); // an imported layer's file: hashed where the layer was made
        }
        if (content instanceof PathContent pc) {
            Path p = pc.path();
            Stamp st = pc.stamp() != null ? pc.stamp() : stat(p);
            String k = p.toString();
            Known prev = known.get(k);
            if (prev != null && prev.stat().equals(st)) {
                return prev.digest();
            }
            Known read = captured.get(k);
            if (read != null && read.stat().equals(st)) {
                return read.digest();
            }
            Digest d = hash(content);
            // A file modified within the mtime granularity right now could change again unseen: don't remember it.
            if (System.currentTimeMillis() - st.mtime() / 1_000_000 > 2_000) {
                known.put(k, new Known(st, d));
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
            String k = pc.path().toString();
            Known read = captured.get(k);
            if (read != null && read.stat().equals(pc.stamp())) {
                return read.digest();
            }
            Known prev = known.get(k);
            if (prev != null && prev.stat().equals(pc.stamp())) {
                return prev.digest();
            }
        }
        return null;
    }

    /** Whether every file among the entries has its digest without being read. */
    boolean allKnown(List<LayerEntry> entries) {
        for (LayerEntry e : entries) {
            if (e.content() instanceof PathContent pc) {
                Known prev = pc.stamp() == null ? null : known.get(pc.path().toString());
                if (prev == null || !prev.stat().equals(pc.stamp())) {
                    return false;
                }
            } else if (e.content() != null) {
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
                Known k = new Known(source.stamp(), Digest.fromMessageDigest(md.digest()));
                captured.put(source.path().toString(), k);
                if (System.currentTimeMillis() - source.stamp().mtime() / 1_000_000 > 2_000) {
                    known.put(source.path().toString(), k);
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

    private void load() {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\t", 6);
                if (f.length == 6) {
                    known.put(f[5], new Known(new Stamp(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                            Long.parseLong(f[3])), Digest.parse(f[4])));
                }
            }
        } catch (IOException | RuntimeException e) {
            known.clear(); // a damaged stat cache only costs re-reading the files
        }
    }

    synchronized void save() throws IOException {
        if (!dirty) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, Known> e : known.entrySet()) {
                Stamp s = e.getValue().stat();
                if (e.getKey().contains("\n")) {
                    continue;
                }
                w.write(s.size() + "\t" + s.mtime() + "\t" + s.ctime() + "\t" + s.inode() + "\t" + e.getValue().digest()
                        + "\t" + e.getKey() + "\n");
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
