package dev.jbuild.core.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;

/**
 * The threads that split one step's per-file work (the context walk, the digests of a big COPY's key): a no-op
 * build of a 20,000-file context runs that work on its critical path while the other cores idle. The common pool
 * is not used because it has one thread fewer than the cores (one on a two-core machine) and its caller waits
 * instead of helping. Idle threads end after a while; they are daemons.
 */
final class Workers {
    private Workers() {}

    static final ForkJoinPool POOL = new ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
            ForkJoinPool.defaultForkJoinWorkerThreadFactory, null, false);

    /**
     * Runs TASK on the pool (the parallel streams in it then use the pool's threads) and waits for its result. What
     * the task throws is thrown here as it was, an UncheckedIOException as its IOException.
     */
    static <T> T call(Callable<T> task) throws IOException, InterruptedException {
        try {
            return POOL.submit(task).get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /**
     * Throws F as it is when it is an IOException or unchecked, an UncheckedIOException as its IOException, and
     * anything else inside an IOException (declared as returned, so that a caller can write {@code throw rethrow(f)}).
     */
    static IOException rethrow(Throwable f) throws IOException {
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof UncheckedIOException u) {
            throw u.getCause();
        }
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof Error err) {
            throw err;
        }
        throw new IOException(f);
    }
}
