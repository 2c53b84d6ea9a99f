package dev.jbuild.registry;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One operation's conversation with one repository of a registry: requests authorised for the operation's
 * scopes, a single re-authentication after a 401, and the retry policy for idempotent steps (connection
 * failures, 429 with Retry-After, 5xx).
 */
final class Session {
    final Transport transport;
    final Auth auth;
    final Transport.Endpoint endpoint;
    final String repository;
    final Failures failures;
    final List<String> scopes;

    Session(Transport transport, Auth auth, Transport.Endpoint endpoint, String repository, Failures failures,
            List<String> scopes) {
        this.transport = transport;
        this.auth = auth;
        this.endpoint = endpoint;
        this.repository = repository;
        this.failures = failures;
        this.scopes = List.copyOf(scopes);
    }

    static String pullScope(String repository) {
        return "repository:" + repository + ":pull";
    }

    static String pushScope(String repository) {
        return "repository:" + repository + ":pull,push";
    }

    /** {@code /v2/REPOSITORY/PATH} on the registry. */
    HttpUrl url(String path) {
        return endpoint.v2(repository + "/" + path);
    }

    RetryPolicy policy() {
        return transport.options().retryPolicy();
    }

    /** {@link #exchange} with a connection failure turned into a RegistryException. */
    Response send(String action, Supplier<Request.Builder> request, List<String> withScopes, boolean retryable)
            throws RegistryException {
        try {
            return exchange(action, request, withScopes, retryable);
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw failures.of(action, e);
        }
    }

    Response send(String action, Supplier<Request.Builder> request, boolean retryable) throws RegistryException {
        return send(action, request, scopes, retryable);
    }

    /**
     * Sends a request, built afresh for each attempt, and returns the response whatever its status (the caller
     * checks it). When {@code retryable}, connection failures, 429 and 5xx are retried as the policy says. A
     * connection failure that is not retried is thrown as it is (a plain IOException), so that an upload can
     * resume; authentication failures are RegistryExceptions.
     */
    Response exchange(String action, Supplier<Request.Builder> request, List<String> withScopes, boolean retryable)
            throws IOException {
        RetryPolicy policy = policy();
        long start = System.nanoTime();
        boolean reauthenticated = false;
        for (int attempt = 1;; attempt++) {
            Request.Builder rb = request.get();
            auth.authorize(endpoint, rb, withScopes, failures);
            Response r;
            try {
                r = endpoint.client().newCall(rb.build()).execute();
            } catch (IOException e) {
                Duration wait = retryable ? Transport.waitBefore(policy, attempt, start, null) : null;
                if (wait == null) {
                    throw e;
                }
                Transport.sleep(wait);
                continue;
            }
            if (r.code() == 401 && !reauthenticated) {
                if (auth.unauthorized(endpoint, r, withScopes)) {
                    r.close();
                    reauthenticated = true;
                    attempt--;
                    continue;
                }
            }
            if (retryable && (r.code() == 429 || r.code() >= 500 && r.code() != 501 && r.code() != 505)) {
                Duration wait = Transport.waitBefore(policy, attempt, start, r);
                if (wait != null) {
                    r.close();
                    Transport.sleep(wait);
                    continue;
                }
            }
            return r;
        }
    }
}
