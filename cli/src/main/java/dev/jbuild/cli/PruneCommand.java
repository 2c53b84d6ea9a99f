package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.PruneResult;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.util.Set;

/** {@code jbuild prune}: removes every blob and snapshot that no tag and no build-cache entry needs. */
final class PruneCommand extends StoreCommand {
    boolean force;

    boolean all;

    PruneCommand() {
        super("prune",
                "Remove the blobs and unpacked layers that no tagged image and no build-cache entry uses.",
                "--all also empties the build cache. Waits for running builds to finish first.");
        spec.addOption(Specs.option(boolean.class, () -> force, v -> force = v, "-f", "--force")
                .description("Accepted for docker compatibility (jbuild never prompts).").build());
        spec.addOption(Specs.option(boolean.class, () -> all, v -> all = v, "-a", "--all")
                .description("Also remove the build cache (the next builds run every step).").build());
    }

    @Override
    int run(Store store) throws IOException {
        if (all) {
            store.steps().clear();
        }
        PruneResult r = store.prune(Set.of());
        if (!r.removedBlobs().isEmpty()) {
            out().println("Deleted blobs:");
            for (Digest d : r.removedBlobs()) {
                out().println("deleted: " + d);
            }
            out().println();
        }
        if (!r.removedSnapshots().isEmpty()) {
            out().println("Deleted unpacked layers:");
            for (Digest d : r.removedSnapshots()) {
                out().println("deleted: " + d);
            }
            out().println();
        }
        out().println("Total reclaimed space: " + Units.humanSize(r.bytesFreed(), 4));
        return 0;
    }
}
