package dev.jbuild.registry;

import java.io.IOException;
import okhttp3.Response;

/**
 * Builds the exceptions of one operation ({@code pull REGISTRY/REPO:TAG}, ...): each names the registry, the
 * repository, the action and, for an HTTP failure, the status and the registry's error; every message is
 * scrubbed of the secrets the client knows.
 */
final class Failures {
    private final String operation;
    private final String registry;
    private final String repository;
    private final Redactor redactor;
    private final Auth auth;

    Failures(String operation, String registry, String repository, Redactor redactor, Auth auth) {
        this.operation = operation;
        this.registry = registry;
        this.repository = repository;
        this.redactor = redactor;
        this.auth = auth;
    }

    String registry() {
        return registry;
    }

    String repository() {
        return repository;
    }

    String operation() {
        return operation;
    }

    /** A failure with no HTTP response (connection, TLS, I/O). */
    RegistryException of(String action, IOException cause) {
        if (cause instanceof RegistryException re) {
            return re;
        }
        String m = cause.getMessage();
        String what = cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return new RegistryException(redactor.scrub(operation + ": " + action + ": " + what), registry, repository,
                action, 0, null, null, cause);
    }

    /** A failure found by the client (verification, unexpected content). */
    RegistryException of(String action, String detail) {
        return new RegistryException(redactor.scrub(operation + ": " + action + ": " + detail), registry, repository,
                action, 0, null, null, null);
    }

    /** A failure the registry answered with; reads the error body and closes the response. */
    RegistryException of(String action, Response r) {
        int status = r.code();
        String reason = reason(r);
        ErrorBody body = ErrorBody.read(r);
        StringBuilder m = new StringBuilder(operation).append(": ").append(action).append(": HTTP ").append(status);
        if (!reason.isEmpty()) {
            m.append(' ').append(reason);
        }
        String d = body.describe();
        if (!d.isEmpty()) {
            m.append(": ").append(d);
        }
        if ((status == 401 || status == 403) && auth != null) {
            m.append(auth.hint(registry));
        }
        return new RegistryException(redactor.scrub(m.toString()), registry, repository, action, status,
                body.code(), redactor.scrub(body.message()), null);
    }

    static String reason(Response r) {
        String m = r.message();
        if (m != null && !m.isBlank()) {
            return m;
        }
        return switch (r.code()) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Payload Too Large";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
    }
}
