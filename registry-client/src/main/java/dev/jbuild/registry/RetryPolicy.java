package dev.jbuild.registry;

import java.time.Duration;

/**
 * How often and how long an idempotent registry step is retried after a connection failure, a 429 or a 5xx:
 * at most {@code maxAttempts} attempts in all, waiting {@code initialBackoff}, then twice as long each time up
 * to {@code maxBackoff} (a 429's or 503's {@code Retry-After} replaces the computed wait), and never starting
 * an attempt once {@code maxElapsed} has passed since the first.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxElapsed) {
    /** 5 attempts, 250 ms doubling to at most 8 s, within 2 minutes. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8),
            Duration.ofMinutes(2));
    /** One attempt, no retry. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || maxElapsed.isNegative()) {
            throw new IllegalArgumentException("retry durations must not be negative");
        }
    }

    /** The wait before attempt {@code attempt + 1}, after {@code attempt} (1-based) failed. */
    public Duration backoff(int attempt) {
        long ms = initialBackoff.toMillis();
        for (int i = 1; i < attempt && ms < maxBackoff.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
    }
}
