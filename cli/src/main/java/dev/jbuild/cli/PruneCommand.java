package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.PruneResult;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jbuild prune}: removes every blob and snapshot that no tag and no build-cache entry needs. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Remove the blobs and unpacked layers that no tagged image and no build-cache entry uses.",
            "--all also empties the build cache. Waits for running builds to finish first."})
final class PruneCommand extends StoreCommand {
    @Option(names = {"-f", "--force"}, description = "Accepted for docker compatibility (jbuild never prompts).")
    boolean force;

    @Option(names = {"-a", "--all"}, description = "Also remove the build cache (the next builds run every step).")
    boolean all;

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
