package dev.jbuild.core.instructions;

import dev.jbuild.dockerfile.DockerfileSyntaxException;
import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.dockerfile.ast.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Dockerfile split into its meta ARGs (those before the first FROM) and its stages, every
 * instruction typed and validated.
 */
public record Stages(String source, char escape, List<Instruction.Arg> metaArgs, List<Stage> stages) {
    public Stages {
        metaArgs = List.copyOf(metaArgs);
        stages = List.copyOf(stages);
    }

    public static Stages of(Dockerfile dockerfile) {
        String source = dockerfile.source();
        List<Instruction.Arg> metaArgs = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        Instruction.From from = null;
        List<Instruction> current = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (Node node : dockerfile.instructions()) {
            Instruction ins = InstructionParser.parse(node, source);
            if (ins instanceof Instruction.From f) {
                if (from != null) {
                    stages.add(new Stage(stages.size(), from, current));
                }
                if (f.stageName() != null && names.putIfAbsent(f.stageName(), stages.size()) != null) {
                    throw new DockerfileSyntaxException(source, "duplicate stage name \"" + f.stageName() + "\"",
                            f.range().startLine(), f.range().startColumn());
                }
                from = f;
                current = new ArrayList<>();
            } else if (from == null) {
                if (ins instanceof Instruction.Arg a) {
                    metaArgs.add(a);
                } else {
                    throw new DockerfileSyntaxException(source, "no build stage in current context",
                            ins.range().startLine(), ins.range().startColumn());
                }
            } else {
                current.add(ins);
            }
        }
        if (from == null) {
            throw new DockerfileSyntaxException(source, "dockerfile contains no stages to build", 0, 0);
        }
        stages.add(new Stage(stages.size(), from, current));
        return new Stages(source, dockerfile.escape(), metaArgs, stages);
    }

    /** The stage a name or index refers to (as {@code --from} and {@code --target} do), or null. */
    public Stage find(String nameOrIndex) {
        String n = nameOrIndex.toLowerCase(java.util.Locale.ROOT);
        for (Stage s : stages) {
            if (n.equals(s.name())) {
                return s;
            }
        }
        try {
            int i = Integer.parseInt(nameOrIndex);
            return i >= 0 && i < stages.size() ? stages.get(i) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
