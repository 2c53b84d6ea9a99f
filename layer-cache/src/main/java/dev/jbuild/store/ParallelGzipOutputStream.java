package dev.jbuild.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
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

    private final OutputStream out;
    private final int level;
    private final int chunkSize;
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
        this.out = out;
        this.level = level;
        this.chunkSize = chunkSize;
        this.pool = pool;
        this.maxInFlight = 2 * threads;
        this.chunk = new byte[chunkSize];
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
            int n = Math.min(len, chunkSize - filled);
            System.arraycopy(b, off, chunk, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == chunkSize) {
                submit();
            }
        }
    }

    /** Does not force a member boundary: where members end depends only on the input offsets. */
    @Override
    public void flush() throws IOException {
        out.flush();
    }

    private void submit() throws IOException {
        byte[] data = chunk;
        int length = filled;
        chunk = new byte[chunkSize];
        filled = 0;
        anyChunk = true;
        if (sink == null) {
            sink = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "jbuild-gzip-sink");
                t.setDaemon(true);
                return t;
            });
        }
        Future<byte[]> compressed = pool.submit(() -> member(data, length, level));
        inFlight.add(sink.submit(() -> {
            byte[] m = compressed.get();
            if (!failed) {
                try {
                    out.write(m);
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

    /** One complete gzip member of {@code data[0, length)}. */
    static byte[] member(byte[] data, int length, int level) {
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
            CRC32 crc = new CRC32();
            crc.update(data, 0, length);
            writeIntLe(buf, crc.getValue());
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
                out.write(member(chunk, filled, level));
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
