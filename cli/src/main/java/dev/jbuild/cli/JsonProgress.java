package dev.jbuild.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.core.progress.BuildSummary;
import dev.jbuild.core.progress.StepInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code --progress=rawjson}: one JSON object per line per event, for other tools. The schema is in
 * docs/progress.md: every object has {@code event} and {@code time}; step events carry the step's {@code id}.
 */
final class JsonProgress implements ProgressView {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintWriter err;
    private final java.util.Set<Integer> cached = new java.util.HashSet<>();

    JsonProgress(PrintWriter err) {
        this.err = err;
    }

    private ObjectNode event(String name) {
        ObjectNode n = JSON.createObjectNode();
        n.put("event", name);
        n.put("time", Instant.now().toString());
        return n;
    }

    private ObjectNode step(String name, StepInfo s) {
        ObjectNode n = event(name);
        n.put("id", s.id());
        return n;
    }

    private synchronized void emit(ObjectNode n) {
        try {
            err.println(JSON.writeValueAsString(n)); // no newline inside: strings are escaped
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        err.flush();
    }

    static double seconds(Duration d) {
        return Math.round(d.toNanos() / 1e6) / 1000.0;
    }

    @Override
    public void stepStarted(StepInfo s) {
        ObjectNode n = step("step_started", s);
        n.put("stage", s.stage());
        n.put("stageIndex", s.stageIndex());
        n.put("index", s.index());
        n.put("total", s.total());
        n.put("line", s.line());
        n.put("instruction", s.instruction());
        emit(n);
    }

    @Override
    public synchronized void stepCached(StepInfo s) {
        cached.add(s.id());
        emit(step("step_cached", s));
    }

    @Override
    public void stepMiss(StepInfo s, String reason) {
        emit(step("step_miss", s).put("reason", reason));
    }

    @Override
    public void stepOutput(StepInfo s, String line, boolean stderr) {
        emit(step("step_output", s).put("stream", stderr ? "stderr" : "stdout").put("line", line));
    }

    @Override
    public synchronized void stepDone(StepInfo s, Duration elapsed) {
        emit(step("step_done", s).put("cached", cached.remove(s.id())).put("seconds", seconds(elapsed)));
    }

    @Override
    public void stepFailed(StepInfo s, String error, Duration elapsed) {
        boolean cancelled = error.equals("cancelled");
        ObjectNode n = step("step_failed", s).put("cancelled", cancelled).put("seconds", seconds(elapsed));
        if (!cancelled) {
            n.put("error", error);
        }
        emit(n);
    }

    @Override
    public void message(String text) {
        emit(event("message").put("text", text));
    }

    @Override
    public void buildDone(BuildSummary b) {
        ObjectNode n = event("build_done");
        n.put("digest", b.manifestDigest());
        n.put("configDigest", b.configDigest());
        b.tags().forEach(n.putArray("tags")::add);
        n.put("steps", b.steps());
        n.put("cached", b.cached());
        n.put("ran", b.ran());
        n.put("seconds", seconds(b.elapsed()));
        emit(n);
    }

    @Override
    public void note(String text) {
        message(text);
    }

    @Override
    public void error(String message) {
        emit(event("error").put("message", message));
    }

    @Override
    public void close() {
        err.flush();
    }

    @Override
    public boolean textual() {
        return false;
    }
}
