package dev.jbuild.core.build;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Runs a build's stages, each on a thread of its own, at most {@code jobs} of them working at once. A stage starts
 * when the stage it builds on is done; a stage that needs another one's files later ({@code COPY --from},
 * {@code RUN --mount from=}) {@link #await}s it at that step, giving up its work slot while it waits, so that
 * waiting never holds a slot a dependency needs (no dead-lock even with one job).
 *
 * <p>The first failure cancels the rest: a stage in a RUN step (or waiting) is interrupted, which kills the step's
 * container; a stage between steps stops at its next step. {@link #finish} returns only when every stage thread has
 * ended, and throws the first failure. Only blocking sections marked {@link #interruptibly} are ever interrupted:
 * an interrupt elsewhere could close a file channel the store shares between threads.
 */
final class StageScheduler {
    /** A stage's work. */
    interface Work {
        void run() throws Exception;
    }

    /** A blocking section that a cancellation may interrupt. */
    interface Blocking<T> {
        T call() throws Exception;
    }

    /** Thrown in a stage that stops because another one failed: never reported. */
    static final class Cancelled extends InterruptedIOException {
        Cancelled() {
            super("cancelled: another stage failed");
        }
    }

    private record Task(int id, int after, String name, Work work, CompletableFuture<Void> done) {}

    private final Semaphore slots;
    private final Map<Integer, Task> tasks = new LinkedHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Set<Thread> interruptible = new HashSet<>();
    private final ThreadLocal<Boolean> holdsSlot = ThreadLocal.withInitial(() -> false);
    private Throwable failure;
    private boolean cancelled;

    StageScheduler(int jobs) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, not " + jobs);
        }
        this.slots = new Semaphore(jobs, true);
    }

    /** Adds a stage that starts once stage {@code after} is done (-1: at once). Call before {@link #start}. */
    void add(int id, int after, String name, Work work) {
        tasks.put(id, new Task(id, after, name, work, new CompletableFuture<>()));
    }

    /** Starts every stage, in the order added (stages added first get the first slots). */
    void start() {
        for (Task t : tasks.values()) {
            Thread th = new Thread(() -> runTask(t), "jbuild-stage-" + t.name());
            th.setDaemon(true);
            threads.add(th);
        }
        threads.forEach(Thread::start);
    }

    private void runTask(Task t) {
        try {
            if (t.after() >= 0) {
                waitFor(t.after());
            }
            interruptibly(() -> {
                slots.acquire();
                return null;
            });
            holdsSlot.set(true);
            try {
                checkCancelled();
                t.work().run();
            } finally {
                if (holdsSlot.get()) {
                    holdsSlot.set(false);
                    slots.release();
                }
            }
            t.done().complete(null);
        } catch (Throwable e) {
            fail(e); // first: a stage waiting for this one must find the build cancelled when it wakes
            t.done().completeExceptionally(e);
        }
    }

    /**
     * From a stage's work: waits until stage {@code id} is done, without holding a work slot meanwhile; throws
     * {@link Cancelled} when the build is cancelled.
     */
    void await(int id) throws BuildException, IOException {
        Task t = tasks.get(id);
        if (t == null) {
            throw new IllegalStateException("stage " + id + " is not part of this build");
        }
        if (t.done().isDone()) {
            waitFor(id);
            return;
        }
        boolean held = holdsSlot.get();
        if (held) {
            holdsSlot.set(false);
            slots.release();
        }
        try {
            waitFor(id);
        } finally {
            if (held) {
                interruptibly(() -> {
                    slots.acquire();
                    return null;
                });
                holdsSlot.set(true);
            }
        }
    }

    private void waitFor(int id) throws BuildException, IOException {
        CompletableFuture<Void> f = tasks.get(id).done();
        interruptibly(() -> {
            try {
                return f.get();
            } catch (ExecutionException e) {
                throw new Cancelled(); // that stage's failure is the one reported
            }
        });
    }

    /**
     * Runs a blocking section that a cancellation interrupts (a RUN step's container is killed then). Throws
     * {@link Cancelled} when the build was cancelled before or during it.
     */
    <T> T interruptibly(Blocking<T> section) throws BuildException, IOException {
        Thread me = Thread.currentThread();
        synchronized (this) {
            if (cancelled) {
                throw new Cancelled();
            }
            interruptible.add(me);
        }
        try {
            return section.call();
        } catch (InterruptedException | InterruptedIOException e) {
            if (isCancelled()) {
                throw new Cancelled();
            }
            throw e instanceof InterruptedIOException io ? io : new InterruptedIOException("interrupted");
        } catch (BuildException | IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            synchronized (this) {
                interruptible.remove(me);
                // An interrupt that came while leaving must not reach a later file channel operation.
                Thread.interrupted();
            }
        }
    }

    /** Throws {@link Cancelled} when another stage failed: called between steps. */
    void checkCancelled() throws Cancelled {
        if (isCancelled()) {
            throw new Cancelled();
        }
    }

    synchronized boolean isCancelled() {
        return cancelled;
    }

    private void fail(Throwable e) {
        synchronized (this) {
            if (cancelled) {
                return; // a consequence of the first failure, or a stage that stopped for it
            }
            failure = e;
            cancelled = true;
            for (Thread t : interruptible) {
                t.interrupt();
            }
        }
    }

    /**
     * Waits until every stage has ended; throws the first failure. When the calling thread is interrupted, cancels
     * the stages, waits for them to end, and throws InterruptedIOException.
     */
    void finish() throws BuildException, IOException {
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                    fail(new InterruptedIOException("the build was interrupted"));
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable f;
        synchronized (this) {
            f = failure;
        }
        if (f == null) {
            return;
        }
        if (f instanceof BuildException b) {
            throw b;
        }
        throw Workers.rethrow(f);
    }
}
