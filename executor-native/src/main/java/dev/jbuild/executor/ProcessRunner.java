package dev.jbuild.executor;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts a helper process, streams its stdout and stderr to a sink from one pooled reader thread, and waits for
 * it. The reader polls both pipes (reading only what is available, stdout first), so the sink gets the output in
 * the order it was written as far as two pipes can tell, and is never called concurrently. It waits for the
 * helper until the timeout (then SIGTERM, which the helper turns into SIGKILL of the whole container), or until
 * the calling thread is interrupted (the same, then {@link InterruptedIOException}). A helper that does not exit within 10 s of SIGTERM gets SIGKILL (its
 * container follows through PR_SET_PDEATHSIG).
 */
final class ProcessRunner {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jbuild-exec-output-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** Helpers that are running, for {@link #stopAll}. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    record Outcome(int exitCode, boolean timedOut, String stderrTail) {}

    private interface Chunk {
        void accept(byte[] b, int off, int len);
    }

    private ProcessRunner() {}

    static Outcome run(ProcessBuilder pb, OutputSink sink, Duration timeout) throws IOException {
        Process p = pb.start();
        LIVE.add(p);
        try {
            return await(p, sink, timeout);
        } finally {
            LIVE.remove(p);
        }
    }

    /**
     * At JVM exit (before the run directories are removed): SIGTERM to the running helpers, which kill (and, for
     * OCI runtimes, delete) their containers, then waits for them, up to 10 s, before SIGKILL. The helpers need
     * their run directories (the runtime's pid file and log) until they exit.
     */
    static void stopAll() {
        List<Process> live = List.copyOf(LIVE);
        if (live.isEmpty()) return;
        for (Process p : live) p.destroy();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Process p : live) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

    private static Outcome await(Process p, OutputSink sink, Duration timeout) throws IOException {
        Tail tail = new Tail(2048);
        // Wakes the reader as soon as the helper is gone: a step is often over before the reader's next poll.
        CountDownLatch exited = new CountDownLatch(1);
        Future<RuntimeException> out = READERS.submit(() -> pump(p, sink, tail, exited));
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
        exited.countDown();
        RuntimeException sinkFailure = join(out);
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: the container was killed");
        }
        if (sinkFailure != null) throw sinkFailure;
        return new Outcome(code, timedOut, tail.text());
    }

    /**
     * Reads both streams to the end from one thread: while the process runs, whatever is available (stdout first,
     * so that a burst on stdout is delivered before a later line on stderr), sleeping briefly when there is none;
     * once it has exited (EXITED is counted down), to the end of each. A sink that throws is not called again (the output is drained, the
     * error returned).
     */
    private static RuntimeException pump(Process p, OutputSink sink, Tail tail, CountDownLatch exited) {
        RuntimeException[] failure = {null};
        Chunk out = (b, o, l) -> sink.stdout(b, o, l);
        Chunk err = (b, o, l) -> {
            tail.add(b, o, l);
            sink.stderr(b, o, l);
        };
        InputStream stdout = p.getInputStream(), stderr = p.getErrorStream();
        byte[] buf = new byte[64 * 1024];
        boolean outDone = false, errDone = false;
        long idleMs = 0;
        try (stdout; stderr) {
            while (!outDone || !errDone) {
                if (!outDone && available(stdout) > 0) {
                    outDone = readOnce(stdout, buf, available(stdout), out, failure);
                    idleMs = 0;
                    continue;
                }
                if (!errDone && available(stderr) > 0) {
                    errDone = readOnce(stderr, buf, available(stderr), err, failure);
                    idleMs = 0;
                    continue;
                }
                if (!p.isAlive()) {
                    // the helper is gone: what is left is in the pipes (or held by the JDK); read to the end
                    if (!outDone) outDone = readOnce(stdout, buf, buf.length, out, failure);
                    else errDone = readOnce(stderr, buf, buf.length, err, failure);
                    continue;
                }
                idleMs = Math.min(idleMs + 1, 10);
                try {
                    exited.await(idleMs, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    // a pooled thread: nobody interrupts it; keep reading
                }
            }
        } catch (IOException e) {
            // closing failed: nothing more to read
        }
        return failure[0];
    }

    private static int available(InputStream in) {
        try {
            return in.available();
        } catch (IOException e) {
            return 0; // closed: the next read reports the end
        }
    }

    /** One read of up to MAX bytes (at least 1) into BUF, delivered to CHUNK; true at the end of the stream. */
    private static boolean readOnce(InputStream in, byte[] buf, int max, Chunk chunk, RuntimeException[] failure) {
        int n;
        try {
            n = in.read(buf, 0, Math.max(1, Math.min(max, buf.length)));
        } catch (IOException e) {
            return true; // the stream closed under us: nothing more to read
        }
        if (n < 0) return true;
        if (n > 0 && failure[0] == null) {
            try {
                chunk.accept(buf, 0, n);
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }
        return false;
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
