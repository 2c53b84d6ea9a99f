package dev.jbuild.core.progress;

import java.time.Duration;

/** Passes events on one at a time, whatever thread sends them: parallel stages never interleave a display's lines. */
public final class SerialListener implements BuildListener {
    private final BuildListener next;

    public SerialListener(BuildListener next) {
        this.next = next;
    }

    @Override
    public synchronized void stepStarted(StepInfo step) {
        next.stepStarted(step);
    }

    @Override
    public synchronized void stepCached(StepInfo step) {
        next.stepCached(step);
    }

    @Override
    public synchronized void stepMiss(StepInfo step, String reason) {
        next.stepMiss(step, reason);
    }

    @Override
    public synchronized void stepOutput(StepInfo step, String line, boolean stderr) {
        next.stepOutput(step, line, stderr);
    }

    @Override
    public synchronized void stepDone(StepInfo step, Duration elapsed) {
        next.stepDone(step, elapsed);
    }

    @Override
    public synchronized void stepFailed(StepInfo step, String error, Duration elapsed) {
        next.stepFailed(step, error, elapsed);
    }

    @Override
    public synchronized void message(String text) {
        next.message(text);
    }

    @Override
    public synchronized void buildDone(BuildSummary summary) {
        next.buildDone(summary);
    }
}
