package dev.jbuild.core.build;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The JDK's choice of a logging backend, made ahead of the step that needs it. The first process a JVM starts
 * (ProcessBuilder logs each start) and the first JUL logger (OkHttp's) make the JDK look for a logging provider
 * on the class path: it opens the jar, whose directory of 6,000 entries costs ~12 ms of CPU, on the step's thread.
 * A build that will run a RUN step or pull has that done by a thread of its own, while the step gets ready.
 */
final class LoggingBackend {
    private LoggingBackend() {}

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    /** Starts the lookup (once per JVM); it changes nothing a build could see but when the jar is read. */
    static void anticipate() {
        if (STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(new Lookup(), "jbuild-logging-backend");
            t.setDaemon(true);
            t.start();
        }
    }

    /** A class, not a lambda: one that the AOT cache lacks is spun at run time. */
    private static final class Lookup implements Runnable {
        @Override
        public void run() {
            // the logger ProcessBuilder.start asks for; the lookup of the backend is the same for every name
            System.getLogger("java.lang.ProcessBuilder");
        }
    }
}
