package dev.jbuild.core.expand;

import dev.jbuild.core.instructions.Instruction;
import dev.jbuild.core.instructions.Stage;
import java.util.List;
import java.util.Map;

/**
 * A stage with every variable expanded as BuildKit expands it at dispatch time.
 *
 * @param baseName     the FROM image or stage after meta-ARG expansion
 * @param platform     the FROM --platform after expansion, or null when not given
 * @param instructions the stage's instructions, same types, expanded values
 * @param env          the environment at the end of the stage as RUN sees it (ENV and ARG values)
 * @param imageEnv     the environment at the end of the stage that goes into the image (ENV only)
 * @param buildArgs    the ARGs in scope at the end of the stage, name to value
 */
public record ExpandedStage(
        Stage stage,
        String baseName,
        String platform,
        List<Instruction> instructions,
        Map<String, String> env,
        Map<String, String> imageEnv,
        Map<String, String> buildArgs) {

    public ExpandedStage {
        instructions = List.copyOf(instructions);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        imageEnv = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(imageEnv));
        buildArgs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(buildArgs));
    }
}
