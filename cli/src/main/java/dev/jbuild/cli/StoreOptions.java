package dev.jbuild.cli;

import dev.jbuild.executor.UserNamespace;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;
import picocli.CommandLine.Model.CommandSpec;

/** {@code --root}: the state directory (default $JBUILD_ROOT, $XDG_DATA_HOME/jbuild or ~/.local/share/jbuild). */
final class StoreOptions {
    Path root;

    /** Adds {@code --root} to a command. */
    void addTo(CommandSpec spec) {
        spec.addOption(Specs.option(Path.class, () -> root, v -> root = v, "--root").paramLabel("DIR")
                .description("The state directory (default: $JBUILD_ROOT, else $XDG_DATA_HOME/jbuild, else"
                        + " ~/.local/share/jbuild).").build());
    }

    /** {@code jbuild --root DIR SUBCOMMAND}: the top-level value, for subcommands not given their own. */
    static volatile Path inherited;

    /**
     * The store. An unprivileged jbuild first re-runs its whole command line as root of a user namespace (see
     * {@link UserNamespace}), before it reads or writes anything, and exits with that run's status: every file of
     * the store is then made in the same id mapping, whichever command made it.
     */
    Store open() throws IOException {
        Path r = root != null ? root : inherited;
        Path dir = r != null ? r : Store.defaultRoot();
        if (Main.standalone && UserNamespace.wanted()) {
            OptionalInt status = UserNamespace.rerun(dir);
            if (status.isPresent()) {
                System.out.flush();
                System.err.flush();
                System.exit(status.getAsInt());
            }
            // no user namespace here: on without one (a RUN step then says why it cannot run)
        }
        return Store.open(dir);
    }
}
