package dev.jbuild.core.build;

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
}
