package dev.jbuild.core.instructions;

/** A reason an instruction is invalid; the parser turns it into a located DockerfileSyntaxException. */
final class InstructionException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Where the fault is when narrower than the instruction (a flag), else null. */
    private final transient dev.jbuild.dockerfile.ast.SourceRange at;

    InstructionException(String message) {
        this(message, null);
    }

    InstructionException(String message, dev.jbuild.dockerfile.ast.SourceRange at) {
        super(message);
        this.at = at;
    }

    dev.jbuild.dockerfile.ast.SourceRange at() {
        return at;
    }
}
