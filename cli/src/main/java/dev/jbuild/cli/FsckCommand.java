package dev.jbuild.cli;

import dev.jbuild.store.Store;
import dev.jbuild.store.StoreCheck;
import java.io.IOException;

/** {@code jbuild fsck}: re-reads the whole store and reports what is corrupt or dangling. */
final class FsckCommand extends StoreCommand {
    boolean repair;

    boolean quiet;

    FsckCommand() {
        super("fsck",
                "Check the store: re-digest every blob (and every layer's uncompressed tar against its diff-id), "
                        + "check that every tag's image and every build-cache entry's layer is there and that "
                        + "unpacked layers are complete.",
                "Exit status 0 when nothing is corrupt or dangling (leftovers of killed processes are listed but "
                        + "fine: the store removes them itself), 1 otherwise.",
                "--repair removes what is corrupt or dangling (waits for running builds first).");
        spec.addOption(Specs.option(boolean.class, () -> repair, v -> repair = v, "--repair")
                .description("Remove corrupt blobs, wrong diff-id records, damaged unpacked layers, build-cache"
                        + " entries whose layer is gone, and tags whose image is incomplete.").build());
        spec.addOption(Specs.option(boolean.class, () -> quiet, v -> quiet = v, "-q", "--quiet")
                .description("Print only the problems.").build());
    }

    @Override
    int run(Store store) throws IOException {
        StoreCheck.Report r = StoreCheck.run(store, repair);
        for (StoreCheck.Problem p : r.problems()) {
            (p.severity() == StoreCheck.Severity.LEFTOVER ? out() : err()).println(p);
        }
        if (!quiet) {
            out().printf("checked %d blobs (%d layers re-digested uncompressed), %d tags, %d build-cache entries,"
                    + " %d unpacked layers: %d corrupt, %d dangling, %d leftovers%n", r.blobs(), r.layers(), r.tags(),
                    r.steps(), r.snapshots(), r.problems(StoreCheck.Severity.CORRUPT).size(),
                    r.problems(StoreCheck.Severity.DANGLING).size(), r.problems(StoreCheck.Severity.LEFTOVER).size());
        }
        // After a repair, what was found is gone: the store is consistent again.
        return r.consistent() || repair ? 0 : 1;
    }
}
