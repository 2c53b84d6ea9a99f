package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;

/**
 * Progress of blob transfers, for a CLI's progress display. Called from transfer threads, so implementations
 * must be thread-safe; they must not block.
 */
public interface ProgressListener {
    /** What happened to a blob. */
    enum Outcome {
        /** Pull: it was already in the local store. Push: the registry already had it. */
        EXISTS,
        /** Push: mounted from another repository of the registry, without upload. */
        MOUNTED,
        DOWNLOADED,
        UPLOADED
    }

    ProgressListener NONE = new ProgressListener() { };

    /** A transfer of {@code blob} begins. */
    default void started(Descriptor blob) {}

    /** {@code bytes} more bytes of {@code blob} went over the wire (a retried range counts again). */
    default void transferred(Descriptor blob, long bytes) {}

    default void finished(Descriptor blob, Outcome outcome) {}
}
