package dev.jbuild.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Gzip written as pigz does for a large input, but with members that stand alone: the input is cut
 * at fixed offsets into chunks of {@link #CHUNK} bytes and every chunk becomes one complete gzip
 * member: a fixed header (no name, no comment, MTIME 0, XFL 0, OS 255 "unknown" as Go's
 * compress/gzip writes, so that the bytes do not depend on the JDK's gzip framing), a raw deflate
 * stream from java.util.zip.Deflater (the JDK's zlib), CRC-32 and size. RFC 1952 lets members follow each other;
 * gunzip, Go's compress/gzip (hence containerd and the registries' clients) and
 * java.util.zip.GZIPInputStream read them as one stream. The chunks are deflated on a shared pool
 * of one thread per core and written in order, so the bytes do not depend on the number of threads.
 * An input of at most one chunk is a single member, as a streaming gzip writer makes.
 *
 * <p>A chunk whose first 64 KiB do not shrink by 2% at deflate's fastest level is stored (deflate
 * stored blocks) instead of compressed: already-compressed or random data then costs a copy and a
 * CRC rather than a full deflate pass that would not make it smaller, as zstd does for
 * incompressible blocks. The choice depends only on the chunk's bytes.
 *
 * <p>For layers ({@link LayerWriter}) the cuts are content-defined instead ({@link #aligned}): the
 * writer calls {@link #entryBoundary()} before every tar entry, and a member ends at the first entry
 * boundary after {@link #CHUNK} bytes; it calls {@link #cut()} before a file of {@link #CHUNK} bytes or
 * more and at every {@link #CHUNK} bytes of its content. A member then holds the same bytes whatever
 * came before it, so that a change to one file changes only its own member(s), and the members that
 * did not change can be taken compressed from the previous version of the layer ({@link
 * GzipMemberIndex}): each member's length, CRC-32 and place in the output are recorded ({@link
 * #members()}), and a member whose uncompressed bytes are those of one of the previous blob's members
 * (found by length and CRC-32, then inflated and compared byte for byte) is copied from there instead
 * of being deflated again. The bytes are the same either way (a member's compressed form depends
 * only on its uncompressed bytes), so an incremental write and a cold one give the same blob.
 *
 * <p>At most two chunks per thread are in flight, so memory stays bounded whatever the input size.
 * The members are written to the underlying stream by one thread of this stream's own, in order,
 * so that digesting and writing them overlaps producing the input. close() finishes the last member
 * and leaves the underlying stream open.
 */
final class ParallelGzipOutputStream extends OutputStream {
    /** Uncompressed bytes per member (deflate's 32 KiB window makes the cost of cutting small). */
    static final int CHUNK = 1 << 20;
    private static final int PROBE = 64 * 1024;
    private static final double STORE_ABOVE = 0.98;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, r -> {
        Thread t = new Thread(r, "jbuild-gzip");
        t.setDaemon(true);
        return t;
    });

    /** A member of the output: the length and CRC-32 of its uncompressed bytes, where it lies in the output. */
    record Member(int length, int crc, long offset, int compressedLength) {}

    /** A deflated member and what identifies its input. */
    private record Deflated(byte[] bytes, int length, int crc) {}

    /** In aligned mode a member is cut here even without a boundary (say, a giant PAX header): memory stays bounded. */
    static final int MAX_MEMBER = 4 * CHUNK;

    private final OutputStream out;
    private final int level;
    private final int chunkSize;
    /** Cut at entry boundaries (the caller says where) rather than at fixed offsets; members are recorded. */
    private final boolean aligned;
    /** The previous blob's members to copy instead of deflating; null when there is none. */
    private final GzipMemberIndex.Reuse reuse;
    /** The members written, in order (appended by the sink thread, read after close). */
    private final java.util.List<Member> written = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private long outOffset;
    private final ExecutorService pool;
    /** Writes the members in order on its own thread, so that the caller goes on producing input. */
    private ExecutorService sink;
    private final ArrayDeque<Future<?>> inFlight = new ArrayDeque<>();
    private final int maxInFlight;
    private volatile boolean failed;
    private byte[] chunk;
    private int filled;
    private boolean anyChunk;
    private boolean closed;

    ParallelGzipOutputStream(OutputStream out, int level) {
        this(out, level, CHUNK, POOL, THREADS);
    }

    ParallelGzipOutputStream(OutputStream out, int level, int chunkSize, ExecutorService pool, int threads) {
        this(out, level, chunkSize, pool, threads, false, null);
    }

    /** A layer's gzip: members cut where the caller says ({@link #entryBoundary}, {@link #cut}), reused from {@code reuse}. */
    static ParallelGzipOutputStream aligned(OutputStream out, int level, GzipMemberIndex.Reuse reuse) {
        return new ParallelGzipOutputStream(out, level, CHUNK, POOL, THREADS, true, reuse);
    }

    ParallelGzipOutputStream(OutputStream out, int level, int chunkSize, ExecutorService pool, int threads,
            boolean aligned, GzipMemberIndex.Reuse reuse) {
        this.out = out;
        this.level = level;
        this.chunkSize = chunkSize;
        this.pool = pool;
        this.maxInFlight = 2 * threads;
        this.aligned = aligned;
        this.reuse = reuse;
        this.chunk = new byte[aligned ? 64 * 1024 : chunkSize];
    }

    /** Aligned mode: a tar entry starts here; ends the member when it holds a chunk's worth. */
    void entryBoundary() throws IOException {
        if (aligned && filled >= chunkSize) {
            submit();
        }
    }

    /** Aligned mode: ends the member here (unless it is empty). */
    void cut() throws IOException {
        if (aligned && filled > 0) {
            submit();
        }
    }

    /** The members written, in order; complete after {@link #close()} (aligned mode only). */
    java.util.List<Member> members() {
        return java.util.List.copyOf(written);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("gzip stream closed");
        }
        while (len > 0) {
            if (aligned && filled == chunk.length && chunk.length < MAX_MEMBER) {
                chunk = Arrays.copyOf(chunk, Math.min(MAX_MEMBER, Math.max(chunk.length * 2, filled + len)));
            }
            int n = Math.min(len, chunk.length - filled);
            System.arraycopy(b, off, chunk, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == (aligned ? MAX_MEMBER : chunkSize)) {
                submit();
            }
        }
    }

    /**
     * Does nothing: it forces no member boundary (where members end depends only on the input), and the
     * stream below is written by the sink thread until {@link #close()}, which flushes it.
     */
    @Override
    public void flush() {
        // see above
    }

    private void submit() throws IOException {
        byte[] data = chunk;
        int length = filled;
        chunk = new byte[aligned ? Math.min(data.length, 2 * chunkSize) : chunkSize];
        filled = 0;
        anyChunk = true;
        if (sink == null) {
            sink = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "jbuild-gzip-sink");
                t.setDaemon(true);
                return t;
            });
        }
        Future<Deflated> compressed = pool.submit(() -> deflated(data, length));
        inFlight.add(sink.submit(() -> {
            Deflated m = compressed.get();
            if (!failed) {
                try {
                    emit(m);
                } catch (IOException | RuntimeException e) {
                    failed = true;
                    throw e;
                }
            }
            return null;
        }));
        while (inFlight.size() > maxInFlight) {
            await(inFlight.poll());
        }
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing a layer");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof ExecutionException inner ? inner.getCause() : e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException("compressing a layer chunk failed: " + c, c);
        }
    }

    /** Writes a member (on the sink thread, or the caller's for a lone member) and records where it went. */
    private void emit(Deflated m) throws IOException {
        out.write(m.bytes());
        if (aligned) {
            written.add(new Member(m.length(), m.crc(), outOffset, m.bytes().length));
        }
        outOffset += m.bytes().length;
    }

    /** The member of {@code data[0, length)}: copied from the previous blob when it has these bytes, else deflated. */
    private Deflated deflated(byte[] data, int length) {
        CRC32 crc = new CRC32();
        crc.update(data, 0, length);
        int crcValue = (int) crc.getValue();
        byte[] old = reuse == null ? null : reuse.find(data, length, crcValue);
        return new Deflated(old != null ? old : member(data, length, level, crcValue), length, crcValue);
    }

    /** One complete gzip member of {@code data[0, length)}. */
    static byte[] member(byte[] data, int length, int level) {
        CRC32 crc = new CRC32();
        crc.update(data, 0, length);
        return member(data, length, level, (int) crc.getValue());
    }

    /** The fixed member header: whatever the content, a member starts with these bytes. */
    static boolean startsWithHeader(byte[] member) {
        return member.length >= HEADER.length + 8 && Arrays.equals(member, 0, HEADER.length, HEADER, 0, HEADER.length);
    }

    private static byte[] member(byte[] data, int length, int level, int crcValue) {
        Deflater d = new Deflater(compressible(data, length) ? level : Deflater.NO_COMPRESSION, true);
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(length / 2 + 64);
            buf.writeBytes(HEADER);
            d.setInput(data, 0, length);
            d.finish();
            byte[] block = new byte[64 * 1024];
            while (!d.finished()) {
                int n = d.deflate(block, 0, block.length, Deflater.NO_FLUSH);
                buf.write(block, 0, n);
            }
            writeIntLe(buf, crcValue & 0xffffffffL);
            writeIntLe(buf, length & 0xffffffffL);
            return buf.toByteArray();
        } finally {
            d.end();
        }
    }

    /** Whether the chunk's first {@link #PROBE} bytes shrink by more than 2% at the fastest level. */
    private static boolean compressible(byte[] data, int length) {
        int n = Math.min(length, PROBE);
        if (n < 4096) {
            return true; // too little to judge, and cheap to compress anyway
        }
        Deflater probe = new Deflater(Deflater.BEST_SPEED, true);
        try {
            probe.setInput(data, 0, n);
            probe.finish();
            byte[] sink = new byte[n + 1024];
            int total = 0;
            while (!probe.finished()) {
                total += probe.deflate(sink, 0, sink.length);
            }
            return total < n * STORE_ABOVE;
        } finally {
            probe.end();
        }
    }

    private static void writeIntLe(ByteArrayOutputStream out, long v) {
        out.write((int) v);
        out.write((int) (v >>> 8));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 24));
    }

    /**
     * Writes the last member (an empty input still makes one) and waits for every chunk. An input
     * of one chunk is compressed on the caller's thread: small layers need no thread hand-off.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!anyChunk) {
                emit(deflated(chunk, filled));
            } else {
                if (filled > 0) {
                    submit();
                }
                while (!inFlight.isEmpty()) {
                    await(inFlight.poll());
                }
            }
            out.flush();
        } finally {
            if (sink != null) {
                sink.shutdownNow();
            }
        }
    }

    /** Drops the chunks in flight without writing them (after an error). */
    void abort() {
        closed = true;
        failed = true;
        for (Future<?> f : inFlight) {
            f.cancel(true);
        }
        inFlight.clear();
        if (sink != null) {
            sink.shutdownNow();
        }
    }
}
