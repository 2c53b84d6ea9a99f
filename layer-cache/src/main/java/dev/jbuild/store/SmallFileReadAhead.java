package dev.jbuild.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Reads the small files of a layer ahead of the tar writer, on a thread of its own, in the order the writer takes
 * them. A layer of many small files (a RUN that generated a thousand, a context's sources) is bound by the system
 * calls that open, read and close each one, ~30 us a file on the 2-core machine the benchmarks run on, while the
 * writer's own work (headers, the diff-id digest, compression) waits; reading on another core overlaps the two.
 *
 * <p>Each file is read through its content source exactly as the writer would read it: opened once, {@code size}
 * bytes, then the end, then closed (a capturing source records its digest on close). A failure is the writer's when
 * it reaches that file, with the message it would have given. At most {@link #BUDGET} bytes wait to be written.</p>
 */
final class SmallFileReadAhead implements AutoCloseable {
    /** Files up to this size are read ahead. */
    static final int MAX_FILE = 64 * 1024;
    /** Below this many small files, starting a thread costs more than it saves. */
    static final int MIN_FILES = 64;
    private static final int BUDGET = 4 << 20;

    private final List<LayerEntry> entries;
    /** By entry index: the content (byte[]), its failure (IOException), or null while not read. */
    private final Object[] slots;
    private final Semaphore budget = new Semaphore(BUDGET);
    private final Thread thread;
    private volatile boolean closed;

    private SmallFileReadAhead(List<LayerEntry> entries) {
        this.entries = entries;
        this.slots = new Object[entries.size()];
        this.thread = new Thread(this::run, "jbuild-layer-read-ahead");
        thread.setDaemon(true);
    }

    /** A read-ahead for these entries, started; null when they hold too few small files to be worth one. */
    static SmallFileReadAhead start(List<LayerEntry> entries) {
        int small = 0;
        for (LayerEntry e : entries) {
            if (isSmall(e) && ++small >= MIN_FILES) {
                SmallFileReadAhead r = new SmallFileReadAhead(entries);
                r.thread.start();
                return r;
            }
        }
        return null;
    }

    static boolean isSmall(LayerEntry e) {
        return e.type() == LayerEntry.Type.FILE && e.content() != null && e.size() <= MAX_FILE;
    }

    private void run() {
        for (int i = 0; i < slots.length && !closed; i++) {
            LayerEntry e = entries.get(i);
            if (!isSmall(e)) {
                continue;
            }
            int size = (int) e.size();
            try {
                budget.acquire(size);
            } catch (InterruptedException interrupted) {
                return;
            }
            Object result;
            try {
                result = read(e);
            } catch (IOException | RuntimeException failure) {
                result = failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
            }
            synchronized (this) {
                slots[i] = result;
                notifyAll();
            }
        }
    }

    /** The file's bytes, read as {@code LayerWriter.copyContent} reads them. */
    static byte[] read(LayerEntry e) throws IOException {
        byte[] b = new byte[(int) e.size()];
        try (InputStream in = e.content().open()) {
            int n = in.readNBytes(b, 0, b.length);
            if (n < b.length) {
                throw new IOException("layer entry \"" + e.path() + "\": content ended after " + n + " of " + e.size()
                        + " bytes (did the file change while the layer was written?)");
            }
            if (in.read() >= 0) {
                throw new IOException("layer entry \"" + e.path() + "\": content is longer than its size " + e.size()
                        + " (did the file change while the layer was written?)");
            }
        }
        return b;
    }

    /** The content of the small file at {@code index}, waiting for it to be read; its failure is thrown here. */
    byte[] take(int index) throws IOException {
        Object r;
        synchronized (this) {
            while ((r = slots[index]) == null) {
                if (!thread.isAlive()) {
                    throw new IOException("layer entry \"" + entries.get(index).path() + "\" was not read ahead");
                }
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while writing a layer");
                }
            }
            slots[index] = null;
        }
        if (r instanceof IOException e) {
            throw e;
        }
        byte[] b = (byte[]) r;
        budget.release(b.length);
        return b;
    }

    /** Stops reading ahead (the writer is done or failed); waits for the thread, so no file is open after. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
