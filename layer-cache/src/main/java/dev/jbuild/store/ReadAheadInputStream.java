package dev.jbuild.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stream read ahead on a thread of its own, in chunks, at most {@link #DEPTH} of them waiting: the source's work
 * (inflating a layer and digesting what comes out) then runs beside the reader's (creating the files of an unpack),
 * on another core. A base layer's unpack spent ~45% of its time inflating.
 *
 * <p>Whatever the source throws is thrown by the read that reaches it. {@link #close} stops the thread and waits for
 * it, but does not close the source: its owner does, once no thread reads it.</p>
 */
final class ReadAheadInputStream extends InputStream {
    static final int CHUNK = 256 * 1024;
    static final int DEPTH = 8;
    private static final Object END = new Object();

    private final InputStream source;
    private final BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(DEPTH);
    private final Thread thread;
    private volatile boolean closed;
    private byte[] current;
    private int pos;
    private boolean ended;

    ReadAheadInputStream(InputStream source, String threadName) {
        this.source = source;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (!closed) {
                byte[] b = new byte[CHUNK];
                int n = source.readNBytes(b, 0, CHUNK);
                if (n > 0) {
                    put(n == CHUNK ? b : Arrays.copyOf(b, n));
                }
                if (n < CHUNK) {
                    put(END);
                    return;
                }
            }
        } catch (IOException e) {
            put(e);
        } catch (RuntimeException e) {
            put(new IOException(e.getMessage(), e));
        }
    }

    /** Hands a chunk (or the end, or a failure) over, unless the reader is gone. */
    private void put(Object o) {
        try {
            while (!closed) {
                if (chunks.offer(o, 100, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed: nobody reads any more
        }
    }

    /** Whether there are bytes in {@link #current}; false at the end. */
    private boolean fill() throws IOException {
        while (current == null || pos == current.length) {
            if (ended) {
                return false;
            }
            Object o;
            try {
                o = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading a layer");
            }
            if (o == END) {
                ended = true;
                return false;
            }
            if (o instanceof IOException e) {
                ended = true;
                throw e;
            }
            current = (byte[]) o;
            pos = 0;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length - pos;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        chunks.clear(); // a producer waiting to hand a chunk over sees the room, then that it is closed
        joinAll(thread);
    }

    /** Waits for the threads to end, an interrupt meanwhile kept for the caller (so no thread outlives its owner). */
    static void joinAll(Thread... threads) {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
