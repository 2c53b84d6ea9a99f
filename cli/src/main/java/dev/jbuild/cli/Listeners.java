package dev.jbuild.cli;

import dev.jbuild.core.progress.BuildListener;
import dev.jbuild.core.progress.BuildSummary;
import dev.jbuild.core.progress.StepInfo;
import java.time.Duration;
import java.util.List;

/** Sends each event to several listeners (the progress view and the metadata file), in order. */
final class Listeners implements BuildListener {
    private final List<BuildListener> all;

    Listeners(BuildListener... all) {
        this.all = List.of(all);
    }

    @Override
    public void stepStarted(StepInfo step) {
        all.forEach(l -> l.stepStarted(step));
    }

    @Override
    public void stepCached(StepInfo step) {
        all.forEach(l -> l.stepCached(step));
    }

    @Override
    public void stepMiss(StepInfo step, String reason) {
        all.forEach(l -> l.stepMiss(step, reason));
    }

    @Override
    public void stepOutput(StepInfo step, String line, boolean stderr) {
        all.forEach(l -> l.stepOutput(step, line, stderr));
    }

    @Override
    public void stepDone(StepInfo step, Duration elapsed) {
        all.forEach(l -> l.stepDone(step, elapsed));
    }

    @Override
    public void stepFailed(StepInfo step, String error, Duration elapsed) {
        all.forEach(l -> l.stepFailed(step, error, elapsed));
    }

    @Override
    public void message(String text) {
        all.forEach(l -> l.message(text));
    }

    @Override
    public void buildDone(BuildSummary summary) {
        all.forEach(l -> l.buildDone(summary));
    }
}
