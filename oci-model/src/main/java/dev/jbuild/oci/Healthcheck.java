package dev.jbuild.oci;

import java.time.Duration;
import java.util.List;

/**
 * Docker's {@code HEALTHCHECK} settings (a Docker extension that BuildKit also writes into OCI configs).
 * Durations go on the wire as integer nanoseconds; a zero duration or retry count means "inherit" and is
 * omitted. {@code test} is {@code []} (inherit), {@code ["NONE"]}, {@code ["CMD", args...]} or
 * {@code ["CMD-SHELL", command]}.
 */
public record Healthcheck(List<String> test, Duration interval, Duration timeout, Duration startPeriod,
        Duration startInterval, int retries) {
    public Healthcheck {
        test = Values.list(test);
        interval = interval == null ? Duration.ZERO : interval;
        timeout = timeout == null ? Duration.ZERO : timeout;
        startPeriod = startPeriod == null ? Duration.ZERO : startPeriod;
        startInterval = startInterval == null ? Duration.ZERO : startInterval;
    }

    /** {@code HEALTHCHECK NONE}: disables a health check inherited from the base image. */
    public static Healthcheck none() {
        return new Healthcheck(List.of("NONE"), null, null, null, null, 0);
    }
}
