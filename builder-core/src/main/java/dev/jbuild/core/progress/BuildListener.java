package dev.jbuild.core.progress;

import java.time.Duration;

/**
 * What a build reports while it runs: the events a progress display or a metadata file is made of. A step is
 * {@link #stepStarted started}, then either {@link #stepCached cached} and {@link #stepDone done}, or it runs (with
 * {@link #stepOutput output} lines and, with {@code --explain}, a {@link #stepMiss reason}) and is done or
 * {@link #stepFailed failed}.
 *
 * <p>Stages build in parallel; the builder serialises its calls (one at a time, each output event a whole line), so
 * implementations need no locking of their own for these events.
 */
public interface BuildListener {
    /** Listens to nothing. */
    BuildListener NONE = new BuildListener() { };

    default void stepStarted(StepInfo step) { }

    /** The step's result came from the build cache. */
    default void stepCached(StepInfo step) { }

    /** Why the step could not use the cache ({@code --explain}). */
    default void stepMiss(StepInfo step, String reason) { }

    /** One line the step's process wrote, without its newline; {@code stderr} says which stream. */
    default void stepOutput(StepInfo step, String line, boolean stderr) { }

    default void stepDone(StepInfo step, Duration elapsed) { }

    default void stepFailed(StepInfo step, String error, Duration elapsed) { }

    /** A note that belongs to no step: "pulling REF" and the like. */
    default void message(String text) { }

    /** The build succeeded: its image and counts. */
    default void buildDone(BuildSummary summary) { }
}
