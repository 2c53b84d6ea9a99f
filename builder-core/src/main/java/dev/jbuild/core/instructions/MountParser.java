package dev.jbuild.core.instructions;

import java.util.function.UnaryOperator;

/** Parses a {@code --mount} value with an expander, for the stage expander in another package. */
public final class MountParser {
    private MountParser() {}

    /** @throws IllegalArgumentException with BuildKit's message when the mount is invalid */
    public static Mount parse(String value, UnaryOperator<String> expander) {
        try {
            return Mount.parse(value, expander);
        } catch (InstructionException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
