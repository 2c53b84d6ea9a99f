package dev.jbuild.cli;

import dev.jbuild.core.progress.StepInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code --progress=plain}: one line per event, stable for logs, in BuildKit's plain format: {@code #N [STAGE i/n]
 * INSTRUCTION}, then {@code #N CACHED}, the step's output as {@code #N SECONDS LINE}, and {@code #N DONE 0.3s} or
 * {@code #N ERROR: MESSAGE}. Lines of parallel steps alternate but never mix: each line is written whole.
 */
final class PlainProgress implements ProgressView {
    private final PrintWriter err;
    private final Map<Integer, Long> started = new HashMap<>();
    private final java.util.Set<Integer> cached = new java.util.HashSet<>();
    private boolean first = true;

    PlainProgress(PrintWriter err) {
        this.err = err;
    }

    static String label(StepInfo s) {
        return s.label();
    }

    static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    private synchronized void line(String text) {
        err.println(text);
        err.flush();
    }

    @Override
    public synchronized void stepStarted(StepInfo step) {
        started.put(step.id(), System.nanoTime());
        if (!first) {
            err.println();
        }
        first = false;
        line("#" + step.id() + " " + label(step));
    }

    @Override
    public synchronized void stepCached(StepInfo step) {
        cached.add(step.id());
        line("#" + step.id() + " CACHED");
    }

    @Override
    public void stepMiss(StepInfo step, String reason) {
        line("#" + step.id() + " miss: " + reason);
    }

    @Override
    public synchronized void stepOutput(StepInfo step, String text, boolean stderr) {
        long t0 = started.getOrDefault(step.id(), System.nanoTime());
        line(String.format(java.util.Locale.ROOT, "#%d %.3f %s", step.id(), (System.nanoTime() - t0) / 1e9, text));
    }

    @Override
    public synchronized void stepDone(StepInfo step, Duration elapsed) {
        started.remove(step.id());
        if (!cached.remove(step.id())) { // BuildKit says CACHED or DONE, not both
            line("#" + step.id() + " DONE " + seconds(elapsed));
        }
    }

    @Override
    public void stepFailed(StepInfo step, String error, Duration elapsed) {
        line("#" + step.id() + (error.equals("cancelled") ? " CANCELED" : " ERROR: " + firstLine(error)));
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void message(String text) {
        line(text);
    }

    @Override
    public void note(String text) {
        line(text);
    }

    @Override
    public void error(String message) {
        line("jbuild: " + message);
    }

    @Override
    public void close() {
        err.flush();
    }
}
