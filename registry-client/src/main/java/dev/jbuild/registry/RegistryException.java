package dev.jbuild.registry;

import java.io.IOException;

/**
 * A registry operation failed. The message names the registry, the repository, the action and, when the
 * registry answered, the HTTP status with the registry's error code and message from its JSON error body, e.g.
 * {@code pull 127.0.0.1:5000/app:1.0: fetch manifest 1.0: HTTP 404 Not Found: MANIFEST_UNKNOWN: manifest
 * unknown}. It never contains credentials or tokens.
 */
public class RegistryException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String registry;
    private final String repository;
    private final String action;
    private final int status;
    private final String errorCode;
    private final String errorMessage;

    RegistryException(String message, String registry, String repository, String action, int status,
            String errorCode, String errorMessage, Throwable cause) {
        super(message, cause);
        this.registry = registry;
        this.repository = repository;
        this.action = action;
        this.status = status;
        this.errorCode = errorCode;
        this.errorMessage = errorMessage;
    }

    /** The registry host ({@code host[:port]}) as the reference names it. */
    public String registry() {
        return registry;
    }

    /** The repository, or null for a registry-wide step (login). */
    public String repository() {
        return repository;
    }

    /** What was being done, e.g. {@code fetch manifest 1.0} or {@code upload blob sha256:...}. */
    public String action() {
        return action;
    }

    /** The HTTP status, or 0 when there was no response (connection, TLS or verification failure). */
    public int status() {
        return status;
    }

    /** The first error code of the registry's JSON error body ({@code MANIFEST_UNKNOWN}, ...), or null. */
    public String errorCode() {
        return errorCode;
    }

    /** The registry's message for {@link #errorCode()}, or null. */
    public String errorMessage() {
        return errorMessage;
    }

    /** True for 401 and 403: the credentials are missing, wrong, or lack the rights. */
    public boolean isAuthenticationFailure() {
        return status == 401 || status == 403;
    }

    /** True for 404 (an unknown repository, tag, manifest or blob). */
    public boolean isNotFound() {
        return status == 404;
    }
}
