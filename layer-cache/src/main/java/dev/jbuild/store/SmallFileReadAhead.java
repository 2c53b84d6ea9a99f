package dev.jbuild.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Reads the small files of a layer ahead of the tar writer, on two threads of their own, in the order the writer
 * takes them. A layer of many small files (a RUN that generated a thousand, a context's sources) is bound by the system
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
    /** By entry index: the reader that reads it. */
    private final int[] readerOf;
    /**
     * One budget per reader: a reader only waits for bytes it read itself, all of which come before the file the
     * writer waits for, so the writer always gets it (a shared budget could be full of another reader's files).
     */
    private final Semaphore[] budgets;
    private final Thread[] threads;
    private volatile boolean closed;

    private SmallFileReadAhead(List<LayerEntry> entries, int readers) {
        this.entries = entries;
        this.slots = new Object[entries.size()];
        this.readerOf = new int[entries.size()];
        this.budgets = new Semaphore[readers];
        this.threads = new Thread[readers];
        int n = 0;
        for (int i = 0; i < entries.size(); i++) {
            if (isSmall(entries.get(i))) {
                readerOf[i] = n++ % readers;
            }
        }
        for (int r = 0; r < readers; r++) {
            int reader = r;
            budgets[r] = new Semaphore(BUDGET / readers);
            threads[r] = new Thread(() -> run(reader), "jbuild-layer-read-ahead-" + r);
            threads[r].setDaemon(true);
        }
    }

    /** A read-ahead for these entries, started; null when they hold too few small files to be worth one. */
    static SmallFileReadAhead start(List<LayerEntry> entries) {
        int small = 0;
        for (LayerEntry e : entries) {
            if (isSmall(e) && ++small >= MIN_FILES) {
                // Two readers: on two cores the writer mostly waits for them, and one could not keep up.
                SmallFileReadAhead r = new SmallFileReadAhead(entries,
                        Math.min(2, Runtime.getRuntime().availableProcessors()));
                for (Thread t : r.threads) {
                    t.start();
                }
                return r;
            }
        }
        return null;
    }

    static boolean isSmall(LayerEntry e) {
        return e.type() == LayerEntry.Type.FILE && e.content() != null && e.size() <= MAX_FILE;
    }

    private void run(int reader) {
        for (int i = 0; i < slots.length && !closed; i++) {
            LayerEntry e = entries.get(i);
            if (!isSmall(e) || readerOf[i] != reader) {
                continue;
            }
            int size = (int) e.size();
            try {
                budgets[reader].acquire(size);
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
                throw LayerWriter.contentEnded(e, n);
            }
            if (in.read() >= 0) {
                throw LayerWriter.contentLonger(e);
            }
        }
        return b;
    }

    /** The content of the small file at {@code index}, waiting for it to be read; its failure is thrown here. */
    byte[] take(int index) throws IOException {
        Object r;
        synchronized (this) {
            while ((r = slots[index]) == null) {
                if (!threads[readerOf[index]].isAlive()) {
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
        budgets[readerOf[index]].release(b.length);
        return b;
    }

    /** Stops reading ahead (the writer is done or failed); waits for the threads, so no file is open after. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            t.interrupt();
        }
        ReadAheadInputStream.joinAll(threads);
    }
}
