package dev.jbuild.core.build;

/**
 * A build that cannot proceed, with a message that names the Dockerfile line and the path or
 * stage at fault ({@code Dockerfile:7: COPY app.jar /app/: "app.jar": not found in the build context}).
 */
public final class BuildException extends Exception {
    private static final long serialVersionUID = 1L;

    public BuildException(String message) {
        super(message);
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
