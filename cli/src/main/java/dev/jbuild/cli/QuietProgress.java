package dev.jbuild.cli;

import java.io.PrintWriter;

/** {@code --progress=quiet} (and {@code -q}): nothing but the error of a failed build. */
final class QuietProgress implements ProgressView {
    private final PrintWriter err;

    QuietProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void note(String text) { }

    @Override
    public void error(String message) {
        err.println("jbuild: " + message);
        err.flush();
    }

    @Override
    public void close() { }

    @Override
    public boolean textual() {
        return false;
    }
}
