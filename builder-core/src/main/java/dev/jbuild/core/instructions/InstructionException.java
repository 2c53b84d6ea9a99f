package dev.jbuild.core.instructions;

/** A reason an instruction is invalid; the parser turns it into a located DockerfileSyntaxException. */
final class InstructionException extends Exception {
    private static final long serialVersionUID = 1L;

    InstructionException(String message) {
        super(message);
    }
}
