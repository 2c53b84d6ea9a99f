package dev.jbuild.cli;

import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --root}: the state directory (default $JBUILD_ROOT, $XDG_DATA_HOME/jbuild or ~/.local/share/jbuild). */
final class StoreOptions {
    @Option(names = "--root", paramLabel = "DIR",
            description = "The state directory (default: $JBUILD_ROOT, else $XDG_DATA_HOME/jbuild, else ~/.local/share/jbuild).")
    Path root;

    /** {@code jbuild --root DIR SUBCOMMAND}: the top-level value, for subcommands not given their own. */
    static volatile Path inherited;

    Store open() throws IOException {
        Path r = root != null ? root : inherited;
        return Store.open(r != null ? r : Store.defaultRoot());
    }
}
