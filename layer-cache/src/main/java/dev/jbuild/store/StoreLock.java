package dev.jbuild.store;

/**
 * A held lock on the store (or on a part of it); closing it releases the hold. Closing twice is
 * harmless. Holds may be released from a thread other than the one that took them.
 */
public interface StoreLock extends AutoCloseable {
    /** True for the exclusive (prune) lock, false for a shared (build) hold. */
    boolean exclusive();

    @Override
    void close();
}
