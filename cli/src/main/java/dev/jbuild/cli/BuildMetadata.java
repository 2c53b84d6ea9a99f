package dev.jbuild.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.core.build.BuildResult;
import dev.jbuild.core.progress.BuildListener;
import dev.jbuild.core.progress.StepInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --metadata-file}: what buildx writes there ({@code containerimage.digest},
 * {@code containerimage.config.digest}, {@code containerimage.descriptor}, {@code image.name}) and a {@code steps}
 * list: one object per step in build order (stages in Dockerfile order, steps in stage order, whatever the parallel
 * schedule was), with its stage, line, instruction, whether it came from the cache, and its time.
 */
final class BuildMetadata implements BuildListener {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private record Step(StepInfo info, boolean cached, double seconds) {}

    private final List<Step> steps = new ArrayList<>();
    private final Set<Integer> cached = new HashSet<>();

    @Override
    public synchronized void stepCached(StepInfo step) {
        cached.add(step.id());
    }

    @Override
    public synchronized void stepDone(StepInfo step, Duration elapsed) {
        steps.add(new Step(step, cached.remove(step.id()), JsonProgress.seconds(elapsed)));
    }

    synchronized void write(Path file, BuildResult result) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("containerimage.config.digest", result.imageId().toString());
        ObjectNode desc = root.putObject("containerimage.descriptor");
        desc.put("mediaType", result.manifestDescriptor().mediaType());
        desc.put("digest", result.manifestDescriptor().digest().toString());
        desc.put("size", result.manifestDescriptor().size());
        root.put("containerimage.digest", result.manifestDescriptor().digest().toString());
        if (!result.tags().isEmpty()) {
            root.put("image.name", String.join(",", result.tags())); // buildx: the names, comma-separated
        }
        ArrayNode list = root.putArray("steps");
        steps.stream().sorted(Comparator.comparingInt((Step s) -> s.info().stageIndex())
                .thenComparingInt(s -> s.info().index())).forEach(s -> {
                    ObjectNode n = list.addObject();
                    n.put("stage", s.info().stage());
                    n.put("stageIndex", s.info().stageIndex());
                    n.put("index", s.info().index());
                    n.put("line", s.info().line());
                    n.put("instruction", s.info().instruction());
                    n.put("cached", s.cached());
                    n.put("seconds", s.seconds());
                });
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, JSON.writeValueAsBytes(root));
    }
}
