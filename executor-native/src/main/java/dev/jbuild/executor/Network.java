package dev.jbuild.executor;

/** The network a step's container sees ({@code RUN --network=host|none}). */
public enum Network {
    /** The host's network namespace. */
    HOST,
    /** A network namespace of its own with only {@code lo}, up. */
    NONE
}
