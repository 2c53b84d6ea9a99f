package dev.jbuild.core.instructions;

import java.util.List;

/**
 * A build stage: its FROM and the instructions up to the next FROM. {@code name} is the
 * lower-cased AS name or null; {@code index} is its position, which {@code --from=N} refers to.
 */
public record Stage(int index, Instruction.From from, List<Instruction> instructions) {
    public Stage {
        instructions = List.copyOf(instructions);
    }

    public String name() {
        return from.stageName();
    }

    /** The name other stages and {@code --target} use: the AS name, else the index. */
    public String displayName() {
        return from.stageName() != null ? from.stageName() : "stage-" + index;
    }
}
