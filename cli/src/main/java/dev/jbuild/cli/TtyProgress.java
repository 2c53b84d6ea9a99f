package dev.jbuild.cli;

import dev.jbuild.core.progress.BuildSummary;
import dev.jbuild.core.progress.StepInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --progress=tty}: a live view redrawn in place with ANSI escapes. Finished steps scroll up as one line each
 * ({@code => CACHED [stage 2/4] COPY ... 0.0s}); below them, a header with the elapsed time and the running steps,
 * each with its elapsed time and the last lines of its output, redrawn ten times a second. At the end, a summary:
 * steps, cache hits and misses, time and image digest.
 */
final class TtyProgress implements ProgressView {
    static final int TAIL = 6;
    private static final String CLEAR_TO_END = "\u001b[J";

    private final PrintWriter err;
    private final int columns;
    private final long start = System.nanoTime();
    private final Map<Integer, Running> running = new LinkedHashMap<>();
    private final List<String> pending = new ArrayList<>();
    private final Thread ticker;
    private int drawn;
    private int done;
    private BuildSummary summary;
    private boolean closed;

    private static final class Running {
        final StepInfo step;
        final long start = System.nanoTime();
        final Deque<String> tail = new ArrayDeque<>();
        boolean cached;

        Running(StepInfo step) {
            this.step = step;
        }
    }

    TtyProgress(PrintWriter err, int columns) {
        this.err = err;
        this.columns = columns;
        this.ticker = new Thread(this::tick, "jbuild-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    private void tick() {
        while (true) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                redraw();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public synchronized void stepStarted(StepInfo step) {
        running.put(step.id(), new Running(step));
        redraw();
    }

    @Override
    public synchronized void stepCached(StepInfo step) {
        Running r = running.get(step.id());
        if (r != null) {
            r.cached = true;
        }
    }

    @Override
    public synchronized void stepMiss(StepInfo step, String reason) {
        pending.add(" => " + PlainProgress.label(step) + ": runs, " + reason);
    }

    @Override
    public synchronized void stepOutput(StepInfo step, String line, boolean stderr) {
        Running r = running.get(step.id());
        if (r != null) {
            r.tail.addLast(line);
            if (r.tail.size() > TAIL) {
                r.tail.removeFirst();
            }
        }
    }

    @Override
    public synchronized void stepDone(StepInfo step, Duration elapsed) {
        Running r = running.remove(step.id());
        done++;
        pending.add(" => " + (r != null && r.cached ? "CACHED " : "") + PlainProgress.label(step) + "  "
                + PlainProgress.seconds(elapsed));
        redraw();
    }

    @Override
    public synchronized void stepFailed(StepInfo step, String error, Duration elapsed) {
        Running r = running.remove(step.id());
        boolean cancelled = error.equals("cancelled");
        pending.add(" => " + (cancelled ? "CANCELED " : "ERROR ") + PlainProgress.label(step) + "  "
                + PlainProgress.seconds(elapsed));
        if (!cancelled && r != null) {
            for (String l : r.tail) {
                pending.add(" => => # " + l);
            }
        }
        redraw();
    }

    @Override
    public synchronized void message(String text) {
        pending.add(text);
        redraw();
    }

    @Override
    public synchronized void buildDone(BuildSummary s) {
        summary = s;
    }

    @Override
    public synchronized void note(String text) {
        message(text);
    }

    @Override
    public synchronized void error(String message) {
        close();
        err.println("jbuild: " + message);
        err.flush();
    }

    /** Stops the live view: the finished lines stay, the live region goes, and the summary follows. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ticker.interrupt();
        erase();
        flushPending();
        if (summary != null) {
            err.println(String.format(java.util.Locale.ROOT, "Built in %.1fs: %d steps, %d cached, %d ran; image %s",
                    summary.elapsed().toMillis() / 1000.0, summary.steps(), summary.cached(), summary.ran(),
                    summary.manifestDigest()));
        }
        err.flush();
    }

    /** Moves the cursor back to the top of the live region and clears it. */
    private void erase() {
        if (drawn > 0) {
            err.print("\r\u001b[" + drawn + "A" + CLEAR_TO_END); // up to the region's first row, clear below
            drawn = 0;
        }
    }

    private void flushPending() {
        for (String l : pending) {
            err.println(fit(l));
        }
        pending.clear();
    }

    private void redraw() {
        if (closed) {
            return;
        }
        erase();
        flushPending();
        List<String> live = new ArrayList<>();
        live.add(String.format(java.util.Locale.ROOT, "[+] Building %.1fs (%d/%d)", (System.nanoTime() - start) / 1e9,
                done, done + running.size()));
        long now = System.nanoTime();
        for (Running r : running.values()) {
            live.add(String.format(java.util.Locale.ROOT, " => %s  %.1fs", PlainProgress.label(r.step),
                    (now - r.start) / 1e9));
            for (String l : r.tail) {
                live.add(" => => # " + l);
            }
        }
        for (String l : live) {
            err.println(fit(l));
        }
        drawn = live.size();
        err.flush();
    }

    /** One terminal row: longer lines would wrap and break the count of rows to redraw. */
    private String fit(String line) {
        String clean = line.replace('\t', ' ').replaceAll("\\p{Cntrl}", "");
        return clean.length() < columns ? clean : clean.substring(0, columns - 1);
    }
}
