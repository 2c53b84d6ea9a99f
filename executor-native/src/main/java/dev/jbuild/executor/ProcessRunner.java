package dev.jbuild.executor;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts a helper process, streams its stdout and stderr to a sink from two pooled reader threads (taking turns
 * on a lock, so the sink is never called concurrently), and waits for it: until the timeout (then SIGTERM, which
 * the helper turns into SIGKILL of the whole container), or until the calling thread is interrupted (the same,
 * then {@link InterruptedIOException}). A helper that does not exit within 10 s of SIGTERM gets SIGKILL (its
 * container follows through PR_SET_PDEATHSIG).
 */
final class ProcessRunner {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jbuild-exec-output-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    record Outcome(int exitCode, boolean timedOut, String stderrTail) {}

    private interface Chunk {
        void accept(byte[] b, int off, int len);
    }

    private ProcessRunner() {}

    static Outcome run(ProcessBuilder pb, OutputSink sink, Duration timeout) throws IOException {
        Process p = pb.start();
        Object turn = new Object();
        Tail tail = new Tail(2048);
        Future<RuntimeException> out = READERS.submit(() -> pump(p.getInputStream(), turn, sink::stdout));
        Future<RuntimeException> err = READERS.submit(() -> pump(p.getErrorStream(), turn, (b, o, l) -> {
            tail.add(b, o, l);
            sink.stderr(b, o, l);
        }));
        boolean timedOut = false, interrupted = false;
        try {
            if (timeout == null) {
                p.waitFor();
            } else if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                timedOut = true;
                p.destroy();
            }
        } catch (InterruptedException e) {
            interrupted = true;
            p.destroy();
        }
        int code;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    p.destroyForcibly();
                    code = p.waitFor();
                    break;
                }
                if (p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    code = p.exitValue();
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true; // keep waiting: the container must be gone when run() returns
            }
        }
        RuntimeException sinkFailure = join(out);
        RuntimeException e2 = join(err);
        if (sinkFailure == null) sinkFailure = e2;
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: the container was killed");
        }
        if (sinkFailure != null) throw sinkFailure;
        return new Outcome(code, timedOut, tail.text());
    }

    /** Reads to the end; a sink that throws is not called again (the output is drained, the error returned). */
    private static RuntimeException pump(InputStream in, Object turn, Chunk chunk) {
        RuntimeException failure = null;
        byte[] buf = new byte[64 * 1024];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                if (failure != null) continue;
                try {
                    synchronized (turn) {
                        chunk.accept(buf, 0, n);
                    }
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
        } catch (IOException e) {
            // the stream closed under us: nothing more to read
        }
        return failure;
    }

    private static RuntimeException join(Future<RuntimeException> f) {
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** The last bytes of stderr, for error messages. */
    private static final class Tail {
        private final byte[] buf;
        private int len;

        Tail(int cap) {
            buf = new byte[cap];
        }

        synchronized void add(byte[] b, int off, int n) {
            if (n >= buf.length) {
                System.arraycopy(b, off + n - buf.length, buf, 0, buf.length);
                len = buf.length;
                return;
            }
            int keep = Math.min(len, buf.length - n);
            System.arraycopy(buf, len - keep, buf, 0, keep);
            System.arraycopy(b, off, buf, keep, n);
            len = keep + n;
        }

        synchronized String text() {
            return new String(buf, 0, len, StandardCharsets.UTF_8).strip();
        }
    }
}
