package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.StepCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key inputs of a big COPY from the context, remembered by a fingerprint of what it copies: each entry's
 * destination path, kind, mode, owner, size and link target, and each file's source path and stamp (size, mtime,
 * ctime, inode). The inputs are a function of exactly that and of the files' digests, which the stat cache answers
 * from the same stamps, so an equal fingerprint gives equal inputs. A memo is only made when every file's digest
 * came from the stat cache ({@link ContentHasher#allKnown}): it trusts the stamps no more than the stat cache does.
 *
 * <p>Why: a no-op build of a 20,000-file context looked every file up in the stat cache and then described each one
 * for the key (a string per file, digested by group), ~75 ms of its critical path; the fingerprint reads no map and
 * builds no strings. Kept beside the context's stat cache (its file name + {@code .copies}), the newest few only.</p>
 */
final class CopyMemo {
    /** COPYs smaller than this key as fast as a memo is read. */
    static final int MIN_ENTRIES = 2000;
    private static final int KEEP = 8;
    private static final int MAGIC = 0x4a42434d; // "JBCM"
    /** 2: fingerprints digest slices of entries (see {@link #fingerprint}); a memo of version 1 is not read. */
    private static final int VERSION = 2;

    private final Path file;
    private Map<Digest, List<StepCache.Input>> memos;
    private boolean dirty;

    CopyMemo(Path statCacheFile) {
        this.file = statCacheFile.resolveSibling(statCacheFile.getFileName() + ".copies");
    }

    /**
     * The fingerprint of a COPY's entries, or null when one of them is not a context file with a stamp or a
     * directory or link (a heredoc, a download or an archive's file, whose content no stamp describes).
     *
     * <p>Each slice of {@link #SLICE} entries is digested on its own (on the {@link Workers}), and the fingerprint
     * is the digest of the slices' digests: on the critical path of every no-op build of a big context, a single
     * pass over 20,000 entries cost ~50 ms. Each entry's fields go into a buffer that is digested when full, not in
     * two or three small updates of their own.</p>
     */
    static Digest fingerprint(List<LayerEntry> entries) {
        int slices = (entries.size() + SLICE - 1) / SLICE;
        byte[][] digests = new byte[slices][];
        boolean[] unstamped = new boolean[1];
        java.util.function.IntConsumer slice = i -> {
            byte[] d = fingerprint(entries, i * SLICE, Math.min(entries.size(), (i + 1) * SLICE));
            if (d == null) {
                unstamped[0] = true;
            } else {
                digests[i] = d;
            }
        };
        if (slices <= 1) {
            for (int i = 0; i < slices; i++) {
                slice.accept(i);
            }
        } else {
            try {
                Workers.call(() -> {
                    java.util.stream.IntStream.range(0, slices).parallel().forEach(slice);
                    return null;
                });
            } catch (IOException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return null; // no memo: the COPY is keyed from its files
            }
        }
        if (unstamped[0]) {
            return null;
        }
        MessageDigest md = Digest.newSha256();
        for (byte[] d : digests) {
            md.update(d);
        }
        return Digest.fromMessageDigest(md.digest());
    }

    /** Entries per slice of the fingerprint. */
    private static final int SLICE = 2500;

    /** The digest of the entries from FROM to TO, or null when one has no stamp (see {@link #fingerprint}). */
    private static byte[] fingerprint(List<LayerEntry> entries, int from, int to) {
        Slice slice = new Slice();
        for (int i = from; i < to; i++) {
            if (!slice.add(entries.get(i))) {
                return null;
            }
        }
        return slice.digest();
    }

    /**
     * One slice's digest, an entry at a time. The work per entry is a method of its own: the build's code is compiled
     * by C1 only, whose thresholds compile a method called 20,000 times within its first few hundred calls, but not a
     * loop that runs 2,500 times per call (a slice's loop ran interpreted, ~40 ms of CPU in W3's no-op build).
     */
    private static final class Slice {
        private final MessageDigest md = Digest.newSha256();
        private byte[] buf = new byte[64 * 1024];
        private int at;

        /** Adds an entry; false when it has content that no stamp describes. */
        boolean add(LayerEntry e) {
            ContentHasher.Stamp stamp = null;
            byte[] source = null;
            if (e.content() instanceof PathContent pc && pc.stamp() != null) {
                stamp = pc.stamp();
                source = pc.path().toString().getBytes(StandardCharsets.UTF_8);
            } else if (e.content() != null) {
                return false;
            }
            byte[] path = e.path().getBytes(StandardCharsets.UTF_8);
            byte[] link = e.linkTarget() == null ? null : e.linkTarget().getBytes(StandardCharsets.UTF_8);
            int need = 64 + path.length + (source == null ? 0 : 16 + source.length) + (link == null ? 0 : 8 + link.length);
            if (buf.length - at < need) {
                md.update(buf, 0, at);
                at = 0;
                if (buf.length < need) {
                    buf = new byte[need];
                }
            }
            byte[] b = buf;
            int a = at;
            a = putLong(b, a, path.length);
            a = putLong(b, a, ((long) e.type().ordinal() << 32) | (e.mode() & 0xffffffffL));
            a = putLong(b, a, e.uid());
            a = putLong(b, a, e.gid());
            a = putLong(b, a, e.size());
            a = putLong(b, a, stamp == null ? -1 : stamp.mtime());
            a = putLong(b, a, stamp == null ? -1 : stamp.ctime());
            a = putLong(b, a, stamp == null ? -1 : stamp.inode());
            System.arraycopy(path, 0, b, a, path.length);
            a += path.length;
            if (source != null) {
                a = putLong(b, a, source.length);
                a = putLong(b, a, stamp.size());
                System.arraycopy(source, 0, b, a, source.length);
                a += source.length;
            }
            if (link != null) {
                a = putLong(b, a, -2 - link.length);
                System.arraycopy(link, 0, b, a, link.length);
                a += link.length;
            }
            at = a;
            return true;
        }

        byte[] digest() {
            md.update(buf, 0, at);
            return md.digest();
        }
    }

    private static int putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
        return at + 8;
    }

    /** Whether a memo file is kept for this context (not reading it). */
    boolean exists() {
        return Files.isRegularFile(file);
    }

    /** Whether no memo is kept for this context. */
    synchronized boolean isEmpty() {
        return memos().isEmpty();
    }

    /** The inputs remembered for this fingerprint, or null. */
    synchronized List<StepCache.Input> get(Digest fingerprint) {
        return memos().get(fingerprint);
    }

    synchronized void put(Digest fingerprint, List<StepCache.Input> inputs) {
        Map<Digest, List<StepCache.Input>> m = memos();
        m.remove(fingerprint);
        m.put(fingerprint, List.copyOf(inputs));
        while (m.size() > KEEP) {
            m.remove(m.keySet().iterator().next());
        }
        dirty = true;
    }

    private Map<Digest, List<StepCache.Input>> memos() {
        if (memos == null) {
            memos = new LinkedHashMap<>();
            try {
                memos.putAll(decode(Files.readAllBytes(file)));
            } catch (IOException | RuntimeException noneOrDamaged) {
                // none yet, or damaged: the COPY is keyed from the files, as without a memo
            }
        }
        return memos;
    }

    synchronized void save() throws IOException {
        if (!dirty) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.write(tmp, encode(memos));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        dirty = false;
    }

    static byte[] encode(Map<Digest, List<StepCache.Input>> memos) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(buf);
        try {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(memos.size());
            for (Map.Entry<Digest, List<StepCache.Input>> m : memos.entrySet()) {
                out.writeUTF(m.getKey().toString());
                out.writeInt(m.getValue().size());
                for (StepCache.Input i : m.getValue()) {
                    out.writeUTF(i.name());
                    out.writeUTF(i.digest().toString());
                }
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(buf.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException impossible) {
            throw new java.io.UncheckedIOException(impossible);
        }
        return buf.toByteArray();
    }

    /** The memos of a file; a RuntimeException when it is damaged or of another version. */
    static Map<Digest, List<StepCache.Input>> decode(byte[] b) {
        if (b.length < 16) {
            throw new IllegalArgumentException("copy memo too short");
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(b, 0, b.length - 4);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
        if (bb.getInt(b.length - 4) != (int) crc.getValue()) {
            throw new IllegalArgumentException("copy memo checksum mismatch");
        }
        java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(b, 0, b.length - 4));
        try {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IllegalArgumentException("not a copy memo of this version");
            }
            int n = in.readInt();
            Map<Digest, List<StepCache.Input>> out = new LinkedHashMap<>();
            for (int k = 0; k < n; k++) {
                Digest fp = Digest.parse(in.readUTF());
                int count = in.readInt();
                if (count < 0 || count > b.length) {
                    throw new IllegalArgumentException("copy memo input count " + count);
                }
                List<StepCache.Input> inputs = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    inputs.add(new StepCache.Input(in.readUTF(), Digest.parse(in.readUTF()), null));
                }
                out.put(fp, inputs);
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException("copy memo has trailing bytes");
            }
            return out;
        } catch (IOException truncated) {
            throw new IllegalArgumentException("copy memo truncated", truncated);
        }
    }
}
