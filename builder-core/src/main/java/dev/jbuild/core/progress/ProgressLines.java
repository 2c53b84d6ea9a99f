package dev.jbuild.core.progress;

import java.util.function.Consumer;

/**
 * Events as the plain lines a {@code Consumer<String>} progress receives: {@code [STAGE i/n] INSTRUCTION}, then
 * {@code   CACHED}, {@code   miss: REASON} or the step's output lines indented by two spaces.
 */
public final class ProgressLines implements BuildListener {
    private final Consumer<String> out;

    public ProgressLines(Consumer<String> out) {
        this.out = out;
    }

    @Override
    public void stepStarted(StepInfo step) {
        out.accept(step.label());
    }

    @Override
    public void stepCached(StepInfo step) {
        out.accept("  CACHED");
    }

    @Override
    public void stepMiss(StepInfo step, String reason) {
        out.accept("  miss: " + reason);
    }

    @Override
    public void stepOutput(StepInfo step, String line, boolean stderr) {
        out.accept("  " + line);
    }

    @Override
    public void message(String text) {
        out.accept(text);
    }
}
