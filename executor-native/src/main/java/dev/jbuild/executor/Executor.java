package dev.jbuild.executor;

import java.io.IOException;

/**
 * Runs one build step's process in a fresh container whose root is an overlay of read-only layers and a writable
 * upper dir (the step's changes). Implementations: the embedded native helper ({@code "native"}, the default) and
 * OCI runtimes ({@code "runc"}, {@code "crun"} or a path to a runtime binary); get one from
 * {@link Executors#forName}. Instances are thread-safe: several steps may run at once.
 */
public interface Executor {
    /**
     * Runs one process in a fresh container and waits for it. Output is streamed to {@code output} as it comes.
     *
     * <p>When the calling thread is interrupted, the container is killed (all its processes) and an
     * {@link java.io.InterruptedIOException} is thrown, with the thread's interrupt status set again. When
     * {@link ExecSpec#timeout()} passes, the container is killed and the result says {@link ExecResult#timedOut()}.
     *
     * @throws IOException when the container could not be set up or the command could not be started (the message
     *     names the failing step and the system's reason, e.g. {@code exec "foo": executable file not found in $PATH})
     */
    ExecResult run(ExecSpec spec, OutputSink output) throws IOException;

    /** {@code "native"}, {@code "runc"}, {@code "crun"}, or the file name of the runtime binary. */
    String name();
}
