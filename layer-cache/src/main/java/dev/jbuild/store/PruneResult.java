package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What {@link Store#prune} removed: blob digests, snapshot diff-ids, and the bytes freed (blob
 * sizes plus the regular files of removed snapshots).
 */
public record PruneResult(SortedSet<Digest> removedBlobs, SortedSet<Digest> removedSnapshots, long bytesFreed) {
    public PruneResult {
        removedBlobs = Collections.unmodifiableSortedSet(new TreeSet<>(removedBlobs));
        removedSnapshots = Collections.unmodifiableSortedSet(new TreeSet<>(removedSnapshots));
    }
}
