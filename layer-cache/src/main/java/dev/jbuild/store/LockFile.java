package dev.jbuild.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A reader/writer lock that works between the threads of this JVM and between processes: an
 * advisory {@link FileLock} on a file, held once per JVM, with in-process counting on top.
 *
 * <p>POSIX record locks belong to the process, and closing any descriptor of a file drops all of
 * the process's locks on it; so there is exactly one {@link LockFile} (and at most one open
 * channel) per lock file per JVM, taken from a registry. Acquisition polls {@code tryLock} with a
 * back-off rather than blocking in {@code lock()}, so that timeouts work and an interrupt never
 * closes the shared channel.
 *
 * <p>Shared holds are re-entrant and may be released from any thread. A thread holding the
 * exclusive lock may take it again or take a shared hold (both count as nested exclusive holds). A
 * thread holding a shared hold cannot upgrade to exclusive: that throws IllegalStateException
 * instead of dead-locking.
 */
final class LockFile {
    private static final Map<Path, LockFile> REGISTRY = new ConcurrentHashMap<>();

    private final Path file;
    private final boolean closeWhenIdle;
    private FileChannel channel;
    private FileLock fileLock;
    private int shared;
    private final Map<Thread, Integer> sharedHolders = new HashMap<>();
    private Thread exclusiveOwner;
    private int exclusiveDepth;
    private boolean acquiring;

    private LockFile(Path file, boolean closeWhenIdle) {
        this.file = file;
        this.closeWhenIdle = closeWhenIdle;
    }

    /**
     * The lock on {@code file} (created on first use). {@code closeWhenIdle} closes the file's
     * descriptor whenever nobody in this JVM holds the lock (for the many per-layer lock files).
     */
    static LockFile of(Path file, boolean closeWhenIdle) {
        Path key = file.toAbsolutePath().normalize();
        try {
            Path parent = key.getParent();
            if (parent != null) {
                key = parent.toRealPath().resolve(key.getFileName());
            }
        } catch (IOException e) {
            // the directory does not exist yet: opening the lock will report it
        }
        return REGISTRY.computeIfAbsent(key, k -> new LockFile(k, closeWhenIdle));
    }

    Path file() {
        return file;
    }

    /** Blocks until a shared hold is granted. */
    StoreLock shared() throws IOException {
        return acquire(true, null);
    }

    /** Blocks until the exclusive hold is granted. */
    StoreLock exclusive() throws IOException {
        return acquire(false, null);
    }

    /** The hold, or null when it was not granted within {@code timeout}. */
    StoreLock tryAcquire(boolean sharedMode, Duration timeout) throws IOException {
        return acquire(sharedMode, timeout == null ? Duration.ZERO : timeout);
    }

    private StoreLock acquire(boolean sharedMode, Duration timeout) throws IOException {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        Thread me = Thread.currentThread();
        synchronized (this) {
            while (true) {
                if (exclusiveOwner == me) {
                    exclusiveDepth++;
                    return new Hold(this, false, me);
                }
                if (!sharedMode && sharedHolders.containsKey(me)) {
                    throw new IllegalStateException("this thread holds a shared lock on " + file
                            + " and cannot upgrade it to an exclusive lock");
                }
                if (!acquiring && exclusiveOwner == null) {
                    if (sharedMode && shared > 0) {
                        shared++;
                        sharedHolders.merge(me, 1, Integer::sum);
                        return new Hold(this, true, me);
                    }
                    if (shared == 0) {
                        acquiring = true;
                        break;
                    }
                }
                if (!waitUntil(deadline)) {
                    return null;
                }
            }
        }
        FileLock got = null;
        try {
            got = pollFileLock(sharedMode, deadline);
        } finally {
            synchronized (this) {
                acquiring = false;
                if (got != null) {
                    fileLock = got;
                    if (sharedMode) {
                        shared = 1;
                        sharedHolders.merge(me, 1, Integer::sum);
                    } else {
                        exclusiveOwner = me;
                        exclusiveDepth = 1;
                    }
                } else {
                    closeIfIdle();
                }
                notifyAll();
            }
        }
        return got == null ? null : new Hold(this, sharedMode, me);
    }

    private boolean waitUntil(long deadline) throws InterruptedIOException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return false;
        }
        try {
            long millis = Math.max(1, Math.min(remaining / 1_000_000, 60_000));
            wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the lock " + file);
        }
        return true;
    }

    private FileLock pollFileLock(boolean sharedMode, long deadline) throws IOException {
        long sleep = 2;
        while (true) {
            FileChannel ch;
            synchronized (this) {
                if (channel == null || !channel.isOpen()) {
                    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE);
                }
                ch = channel;
            }
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, sharedMode);
            if (l != null) {
                return l;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return null;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(sleep, remaining / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the lock " + file);
            }
            sleep = Math.min(sleep * 2, 100);
        }
    }

    private synchronized void release(Hold hold) throws IOException {
        if (hold.shared) {
            shared--;
            sharedHolders.computeIfPresent(hold.thread, (t, n) -> n == 1 ? null : n - 1);
            if (shared == 0) {
                releaseFileLock();
            }
        } else {
            exclusiveDepth--;
            if (exclusiveDepth == 0) {
                exclusiveOwner = null;
                releaseFileLock();
            }
        }
        notifyAll();
    }

    private void releaseFileLock() throws IOException {
        FileLock l = fileLock;
        fileLock = null;
        try {
            if (l != null && l.isValid()) {
                l.release();
            }
        } finally {
            closeIfIdle();
        }
    }

    private void closeIfIdle() {
        if (closeWhenIdle && fileLock == null && !acquiring && channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing is held through it
            }
            channel = null;
        }
    }

    /** True when this JVM holds the lock in any mode (for assertions and diagnostics). */
    synchronized boolean heldByThisJvm() {
        return shared > 0 || exclusiveOwner != null;
    }

    private static final class Hold implements StoreLock {
        private final LockFile lock;
        private final boolean shared;
        private final Thread thread;
        private boolean closed;

        Hold(LockFile lock, boolean shared, Thread thread) {
            this.lock = lock;
            this.shared = shared;
            this.thread = thread;
        }

        @Override
        public boolean exclusive() {
            return !shared;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            try {
                lock.release(this);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot release the lock " + lock.file, e);
            }
        }
    }
}
