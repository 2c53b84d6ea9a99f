package dev.jbuild.cli;

import dev.jbuild.core.progress.BuildListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * How {@code jbuild build} shows a build on stderr ({@code --progress}): the builder's events, the command's own
 * notes ("exported oci to DIR"), and the error that ends a failed build.
 */
interface ProgressView extends BuildListener, AutoCloseable {
    /** A line of the command's own, after or around the build. */
    void note(String text);

    /** The error a failed build ends with (one message, perhaps of several lines). */
    void error(String message);

    /** Ends a live display (final redraw); what comes after is printed plainly. */
    @Override
    void close();

    /** Whether registry progress (a --push) may be printed on stderr as text. */
    default boolean textual() {
        return true;
    }

    /** The modes of {@code --progress}. */
    enum Mode {
        AUTO, TTY, PLAIN, QUIET, RAWJSON;

        static Mode parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--progress must be auto, tty, plain, quiet or rawjson, not \""
                        + s + "\"");
            }
        }
    }

    /** The view for a mode; {@code auto} is tty when stderr is a terminal, else plain. */
    static ProgressView of(Mode mode, PrintWriter err) {
        return switch (mode) {
            case AUTO -> Terminal.stderrIsTerminal() ? new TtyProgress(err, Terminal.columns()) : new PlainProgress(err);
            case TTY -> new TtyProgress(err, Terminal.columns());
            case PLAIN -> new PlainProgress(err);
            case QUIET -> new QuietProgress(err);
            case RAWJSON -> new JsonProgress(err);
        };
    }
}
