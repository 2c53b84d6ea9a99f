package dev.jbuild.store;

import com.github.luben.zstd.ZstdOutputStream;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry.Type;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes deterministic layer tars: the same entries (in any order, with any sub-second times)
 * give byte-identical tars, hence equal diff-ids, and — for one compressor implementation —
 * byte-identical blobs.
 *
 * <p>The tar: entries sorted by the bytes of their UTF-8 path (so parents precede children);
 * headers in POSIX ustar layout written by commons-compress ({@code ustar\0} magic, version
 * {@code 00}); numeric uid/gid with empty user and group names; mode = permission bits only; mtime
 * in whole seconds, clamped to {@code SOURCE_DATE_EPOCH} when given; no atime/ctime; directories
 * named with a trailing '/'; hardlinks after their target; two zero blocks at the end and no
 * further padding (as Go's archive/tar). A PAX extended header precedes an entry only when it needs
 * one — a path or link target of 100 bytes or more or not ASCII, a uid/gid/device number beyond
 * 7 octal digits, an mtime before 1970 or beyond 11 octal digits, a size of 8 GiB or more, or
 * extended attributes ({@code SCHILY.xattr.*}, raw bytes) — with its records sorted by key.
 *
 * <p>jbuild encodes those PAX records itself rather than letting commons-compress do it, because
 * commons-compress keeps PAX values as UTF-8 strings (which corrupts binary xattr values such as
 * {@code security.capability}) in a HashMap (whose order is not specified). The header names it is
 * given are always below 100 bytes, so the stream never adds PAX records of its own; sizes of 8 GiB
 * and more are written base-256 in the header (star/GNU) besides the PAX {@code size} record.
 *
 * <p>The pipeline streams: tar → sha256 (the diff-id) → compressor → {@link BlobWriter} (the
 * blob digest); each file's content is opened once and copied with a fixed buffer, so layers of
 * any size pass through in constant memory.
 *
 * <p>Gzip output is compressed in parallel, in independent members (see {@link
 * ParallelGzipOutputStream}: fixed headers, the JDK's Deflater at {@link #GZIP_LEVEL}, the same bytes
 * for any number of threads) cut at the first tar entry boundary after 1 MiB, before a file of 1 MiB
 * or more and at every 1 MiB of its content, so that a member's bytes do not depend on what precedes
 * it; given the previous version of a layer, the members it shares with it are copied from that blob
 * ({@link GzipMemberIndex}) rather than compressed again, with the same result; zstd uses zstd-jni (bundled libzstd) at level 3, single-threaded, with a frame
 * checksum. Compressed bytes are reproducible for a given zlib/libzstd; the diff-id always is.
 */
public final class LayerWriter {
    private LayerWriter() {}

    /**
     * zlib's fastest level, as go-containerregistry (crane, ko) writes layers: on a Debian apt-get layer (90 MiB
     * of tar) it took a third of the default level's CPU time (1.6 s against 4.9 s) for a blob 4.7% larger.
     */
    static final int GZIP_LEVEL = Deflater.BEST_SPEED;

    static final int ZSTD_LEVEL = 3;
    private static final long MAX_OCTAL_ID = 07777777L;
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final int COPY_BUFFER = 256 * 1024;

    /** Byte order of UTF-8 paths ({@link PathOrder}). */
    public static final Comparator<String> PATH_ORDER = PathOrder.UTF8;

    /** Writes a layer with an OCI media type. */
    public static Layer write(BlobStore blobs, List<LayerEntry> entries, Compression compression,
            Instant sourceDateEpoch) throws IOException {
        return write(blobs, entries, compression, sourceDateEpoch, false);
    }

    /**
     * Writes the entries as a layer blob into {@code blobs} and records its diff-id there.
     *
     * @param sourceDateEpoch when not null, every mtime later than it becomes it
     * @param dockerMediaType use Docker schema 2 media types instead of OCI ones
     */
    public static Layer write(BlobStore blobs, List<LayerEntry> entries, Compression compression,
            Instant sourceDateEpoch, boolean dockerMediaType) throws IOException {
        return write(blobs, entries, compression, sourceDateEpoch, dockerMediaType, null);
    }

    /**
     * Writes a layer as {@link #write(BlobStore, List, Compression, Instant, boolean)} does, taking
     * the gzip members it has in common with {@code previous} (an earlier version of the same layer,
     * say the same COPY before a file changed; may be null) from that blob instead of compressing them
     * again. The blob is the same as without it.
     */
    public static Layer write(BlobStore blobs, List<LayerEntry> entries, Compression compression,
            Instant sourceDateEpoch, boolean dockerMediaType, Digest previous) throws IOException {
        List<LayerEntry> normalized = normalize(entries, sourceDateEpoch);
        Digest diffId;
        Blob blob;
        GzipMemberIndex.Reuse reuse = compression == Compression.GZIP && previous != null
                ? GzipMemberIndex.open(blobs, previous, GZIP_LEVEL) : null;
        ParallelGzipOutputStream gzip = null;
        try (BlobWriter bw = blobs.writer()) {
            OutputStream sink = new Streams.NonClosingOutputStream(bw);
            OutputStream compressor;
            switch (compression) {
                case GZIP -> compressor = gzip = ParallelGzipOutputStream.aligned(sink, GZIP_LEVEL,
                        reuse);
                case ZSTD -> {
                    ZstdOutputStream z = new ZstdOutputStream(sink, ZSTD_LEVEL);
                    z.setChecksum(true);
                    compressor = z;
                }
                case NONE -> compressor = sink;
                default -> throw new IllegalStateException(compression.toString());
            }
            try {
                dev.jbuild.oci.DigestingOutputStream uncompressed = new dev.jbuild.oci.DigestingOutputStream(compressor);
                writeNormalizedTar(uncompressed, normalized, gzip);
                diffId = uncompressed.digest();
                compressor.close();
            } catch (IOException | RuntimeException e) {
                if (gzip != null) {
                    gzip.abort();
                } else if (compressor != sink) {
                    try {
                        compressor.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
            blob = bw.commit();
        } finally {
            if (reuse != null) {
                reuse.close();
            }
        }
        if (gzip != null) {
            try {
                GzipMemberIndex.write(blobs, blob.digest(), gzip.members(), GZIP_LEVEL);
            } catch (IOException e) {
                // without its index the next version of this layer is compressed whole: slower, never wrong
            }
        }
        if (compression == Compression.NONE && !blob.digest().equals(diffId)) {
            throw new IllegalStateException("uncompressed layer digest " + blob.digest() + " != diff-id " + diffId);
        }
        blobs.recordDiffId(blob.digest(), diffId);
        return new Layer(new Descriptor(compression.mediaType(dockerMediaType), blob.digest(), blob.size()), diffId);
    }

    /**
     * Writes the uncompressed layer tar to {@code out} (not closed) after {@link #normalize
     * normalizing} the entries.
     */
    public static void writeTar(OutputStream out, List<LayerEntry> entries, Instant sourceDateEpoch) throws IOException {
        writeNormalizedTar(new Streams.NonClosingOutputStream(out), normalize(entries, sourceDateEpoch), null);
    }

    /**
     * The entries as they are written: sorted by path bytes, mtimes truncated to seconds and
     * clamped to {@code sourceDateEpoch}; in each group of hardlinked paths the first path in that
     * order becomes the file (with the content and metadata of the original target) and the others
     * hardlinks to it. Duplicate paths and hardlinks to paths missing from the list are
     * IllegalArgumentExceptions.
     */
    public static List<LayerEntry> normalize(List<LayerEntry> entries, Instant sourceDateEpoch) {
        Instant epoch = sourceDateEpoch == null ? null : Instant.ofEpochSecond(sourceDateEpoch.getEpochSecond());
        Map<String, LayerEntry> byPath = new HashMap<>();
        for (LayerEntry e : entries) {
            LayerEntry prev = byPath.put(e.path(), e);
            if (prev != null) {
                throw new IllegalArgumentException("duplicate layer path \"" + e.path() + "\"");
            }
        }
        // Hardlink groups: root target -> member paths.
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (LayerEntry e : entries) {
            if (e.type() == Type.HARDLINK) {
                String root = resolveLink(e, byPath);
                groups.computeIfAbsent(root, k -> new ArrayList<>()).add(e.path());
            }
        }
        Map<String, LayerEntry> rewritten = new HashMap<>();
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            LayerEntry target = byPath.get(g.getKey());
            List<String> members = new ArrayList<>(g.getValue());
            members.add(g.getKey());
            members.sort(PATH_ORDER);
            String first = members.get(0);
            if (target.type() != Type.FILE) {
                // Only files can trade places; other targets must already come first.
                if (!first.equals(target.path())) {
                    throw new IllegalArgumentException("hardlink \"" + first + "\" precedes its target \""
                            + target.path() + "\", a " + target.type());
                }
                for (String m : g.getValue()) {
                    rewritten.put(m, hardlinkTo(byPath.get(m), target, target.path()));
                }
                continue;
            }
            rewritten.put(first, target.withPath(first));
            for (String m : members) {
                if (!m.equals(first)) {
                    rewritten.put(m, hardlinkTo(byPath.get(m), target, first));
                }
            }
        }
        List<LayerEntry> out = new ArrayList<>(entries.size());
        for (LayerEntry e : entries) {
            LayerEntry r = rewritten.getOrDefault(e.path(), e);
            Instant t = Instant.ofEpochSecond(r.mtime().getEpochSecond());
            if (epoch != null && t.isAfter(epoch)) {
                t = epoch;
            }
            out.add(t.equals(r.mtime()) ? r : r.withMtime(t));
        }
        out.sort(ENTRY_ORDER);
        return out;
    }

    /**
     * By path, in {@link #PATH_ORDER}. A lambda of this class's, not {@code Comparator.comparing}'s: the AOT cache
     * did not keep the proxy of that JDK call site, which every layer write then spun at run time.
     */
    private static final Comparator<LayerEntry> ENTRY_ORDER = (a, b) -> PATH_ORDER.compare(a.path(), b.path());

    private static LayerEntry hardlinkTo(LayerEntry link, LayerEntry inode, String targetPath) {
        // A hardlink shares the inode: same mode, owner, times and xattrs as its target.
        return new LayerEntry(link.path(), Type.HARDLINK, inode.mode(), inode.uid(), inode.gid(), inode.mtime(), 0,
                targetPath, null, 0, 0, inode.xattrs());
    }

    private static String resolveLink(LayerEntry link, Map<String, LayerEntry> byPath) {
        Set<String> seen = new HashSet<>();
        LayerEntry cur = link;
        while (cur.type() == Type.HARDLINK) {
            if (!seen.add(cur.path())) {
                throw new IllegalArgumentException("hardlink cycle through \"" + link.path() + "\"");
            }
            LayerEntry next = byPath.get(cur.linkTarget());
            if (next == null) {
                throw new IllegalArgumentException("hardlink \"" + cur.path() + "\" -> \"" + cur.linkTarget()
                        + "\": the target is not in the layer");
            }
            cur = next;
        }
        return cur.path();
    }

    /** A buffer that can hand what it holds on without flushing the stream below (the gzip members' sink). */
    private static final class DrainableBuffer extends BufferedOutputStream {
        DrainableBuffer(OutputStream out, int size) {
            super(out, size);
        }

        void drain() throws IOException {
            if (count > 0) {
                out.write(buf, 0, count);
                count = 0;
            }
        }
    }

    /** Tells the gzip stream where tar entries start and where big files are cut (see {@link ParallelGzipOutputStream}). */
    private record Cuts(DrainableBuffer buffer, ParallelGzipOutputStream gzip) {
        void boundary() throws IOException {
            buffer.drain();
            gzip.entryBoundary();
        }

        void cut() throws IOException {
            buffer.drain();
            gzip.cut();
        }
    }

    private static void writeNormalizedTar(OutputStream out, List<LayerEntry> entries, ParallelGzipOutputStream gzip)
            throws IOException {
        DrainableBuffer buffered = new DrainableBuffer(out, COPY_BUFFER);
        // The tar's own 512-byte blocks reach the buffer as soon as they are full, so that at an entry boundary
        // everything before it has passed on once the buffer is drained.
        Cuts cuts = gzip == null ? null : new Cuts(buffered, gzip);
        // Header names are always < 100 bytes of printable ASCII (long or other ones go to our own PAX record); a size
        // of 8 GiB or more is base-256 in the header (and exact in the PAX record).
        TarWriter tar = new TarWriter(buffered);
        byte[] copyBuffer = new byte[COPY_BUFFER];
        try (SmallFileReadAhead ahead = SmallFileReadAhead.start(entries)) {
            for (int i = 0; i < entries.size(); i++) {
                LayerEntry e = entries.get(i);
                if (cuts != null) {
                    cuts.boundary();
                    if (e.type() == Type.FILE && e.size() >= ParallelGzipOutputStream.CHUNK) {
                        cuts.cut(); // a big file's members start with it, whatever precedes it
                    }
                }
                writeEntry(tar, e, copyBuffer, cuts, ahead, i);
            }
        }
        tar.finish(); // two zero records
        buffered.flush();
    }

    private static void writeEntry(TarWriter tar, LayerEntry e, byte[] buf, Cuts cuts,
            SmallFileReadAhead ahead, int index) throws IOException {
        String name = e.type() == Type.DIRECTORY ? e.path() + "/" : e.path();
        TreeMap<String, byte[]> pax = new TreeMap<>();
        String headerName = name;
        if (!fitsUstar(name)) {
            pax.put("path", name.getBytes(StandardCharsets.UTF_8));
            headerName = truncatedAscii(name, 99);
        }
        String headerLink = "";
        if (e.linkTarget() != null) {
            headerLink = e.linkTarget();
            if (!fitsUstar(headerLink)) {
                pax.put("linkpath", headerLink.getBytes(StandardCharsets.UTF_8));
                headerLink = truncatedAscii(headerLink, 99);
            }
        }
        long uid = e.uid();
        if (uid > MAX_OCTAL_ID) {
            pax.put("uid", ascii(Long.toString(uid)));
            uid = 0;
        }
        long gid = e.gid();
        if (gid > MAX_OCTAL_ID) {
            pax.put("gid", ascii(Long.toString(gid)));
            gid = 0;
        }
        long mtime = e.mtime().getEpochSecond();
        if (mtime < 0 || mtime > MAX_OCTAL_11) {
            pax.put("mtime", ascii(Long.toString(mtime)));
            mtime = 0;
        }
        if (e.size() > MAX_OCTAL_11) {
            pax.put("size", ascii(Long.toString(e.size())));
        }
        int devMajor = e.devMajor();
        int devMinor = e.devMinor();
        if (devMajor > MAX_OCTAL_ID) {
            pax.put("SCHILY.devmajor", ascii(Integer.toString(devMajor)));
            devMajor = 0;
        }
        if (devMinor > MAX_OCTAL_ID) {
            pax.put("SCHILY.devminor", ascii(Integer.toString(devMinor)));
            devMinor = 0;
        }
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
        }
        if (!pax.isEmpty()) {
            byte[] data = encodePax(pax);
            tar.putEntry(paxHeaderName(name), TarConstants.LF_PAX_EXTENDED_HEADER_LC, 0644, 0, 0, data.length, 0, "",
                    0, 0);
            tar.write(data);
            tar.closeEntry();
        }
        boolean device = e.type() == Type.CHAR_DEVICE || e.type() == Type.BLOCK_DEVICE;
        tar.putEntry(headerName, linkFlag(e.type()), e.mode() & 07777, uid, gid, e.type() == Type.FILE ? e.size() : 0,
                mtime, headerLink, device ? devMajor : 0, device ? devMinor : 0);
        if (ahead != null && SmallFileReadAhead.isSmall(e)) {
            tar.write(ahead.take(index)); // below a gzip chunk: no cut inside it
        } else if (e.type() == Type.FILE && e.size() > 0) {
            copyContent(tar, e, buf, cuts);
        } else if (e.type() == Type.FILE && e.content() != null) {
            // An empty file's source is still opened (and must be empty), so that "read once" holds for every file.
            copyContent(tar, e, buf, cuts);
        }
        tar.closeEntry();
    }

    private static void copyContent(TarWriter tar, LayerEntry e, byte[] buf, Cuts cuts) throws IOException {
        if (e.content() == null) {
            throw new IOException("layer entry \"" + e.path() + "\": a file of " + e.size() + " bytes has no content source");
        }
        long remaining = e.size();
        // A big file is cut every CHUNK bytes of its content (the header's blocks keep those cuts on block boundaries).
        long cutEvery = cuts != null && e.size() >= ParallelGzipOutputStream.CHUNK ? ParallelGzipOutputStream.CHUNK : 0;
        try (InputStream in = e.content().open()) {
            while (remaining > 0) {
                long done = e.size() - remaining;
                if (cutEvery > 0 && done > 0 && done % cutEvery == 0) {
                    cuts.cut();
                }
                long room = cutEvery > 0 ? cutEvery - done % cutEvery : Long.MAX_VALUE;
                int n = in.read(buf, 0, (int) Math.min(Math.min(buf.length, remaining), room));
                if (n < 0) {
                    throw contentEnded(e, e.size() - remaining);
                }
                tar.write(buf, 0, n);
                remaining -= n;
            }
            if (in.read() >= 0) {
                throw contentLonger(e);
            }
        }
    }

    /** A file whose content ended before its size: it changed while the layer was written. */
    static IOException contentEnded(LayerEntry e, long read) {
        return new IOException("layer entry \"" + e.path() + "\": content ended after " + read + " of " + e.size()
                + " bytes (did the file change while the layer was written?)");
    }

    /** A file whose content goes on past its size: it changed while the layer was written. */
    static IOException contentLonger(LayerEntry e) {
        return new IOException("layer entry \"" + e.path() + "\": content is longer than its size " + e.size()
                + " (did the file change while the layer was written?)");
    }

    private static byte linkFlag(Type t) {
        return switch (t) {
            case FILE -> TarConstants.LF_NORMAL;
            case DIRECTORY -> TarConstants.LF_DIR;
            case SYMLINK -> TarConstants.LF_SYMLINK;
            case HARDLINK -> TarConstants.LF_LINK;
            case FIFO -> TarConstants.LF_FIFO;
            case CHAR_DEVICE -> TarConstants.LF_CHR;
            case BLOCK_DEVICE -> TarConstants.LF_BLK;
        };
    }

    /** Fits the 100-byte ustar name field with room for a NUL, and is printable ASCII. */
    private static boolean fitsUstar(String s) {
        if (s.length() >= 100) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static String truncatedAscii(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c <= 0x7e ? c : '_');
        }
        return sb.toString();
    }

    /** As Go's archive/tar: {@code dir/PaxHeaders.0/base}, ASCII, below 100 bytes. */
    private static String paxHeaderName(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        int slash = n.lastIndexOf('/');
        String p = slash < 0 ? "PaxHeaders.0/" + n : n.substring(0, slash) + "/PaxHeaders.0/" + n.substring(slash + 1);
        return truncatedAscii(p, 99);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** PAX records {@code "<len> <key>=<value>\n"}, where len counts the whole record. */
    static byte[] encodePax(TreeMap<String, byte[]> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] k = r.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = r.getValue();
            int body = 1 + k.length + 1 + v.length + 1; // ' ' key '=' value '\n'
            int len = body + Integer.toString(body).length();
            if (Integer.toString(len).length() != Integer.toString(body).length()) {
                len = body + Integer.toString(len).length();
            }
            out.writeBytes(ascii(Integer.toString(len)));
            out.write(' ');
            out.writeBytes(k);
            out.write('=');
            out.writeBytes(v);
            out.write('\n');
        }
        return out.toByteArray();
    }
}
