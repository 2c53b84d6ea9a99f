package dev.jbuild.executor;

/**
 * Receives a container's output as it comes. An executor never calls a sink from two threads at once (the
 * one reader polls both, in the order the output came as far as two pipes can tell), so implementations need no
 * locking of their own. The array is reused after the call returns: copy what you keep.
 */
public interface OutputSink {
    void stdout(byte[] b, int off, int len);

    void stderr(byte[] b, int off, int len);

    /** A sink that drops everything. */
    static OutputSink discard() {
        return new OutputSink() {
            @Override
            public void stdout(byte[] b, int off, int len) {}

            @Override
            public void stderr(byte[] b, int off, int len) {}
        };
    }
}
