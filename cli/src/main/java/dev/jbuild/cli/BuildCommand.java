package dev.jbuild.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jbuild build}: the same as {@code jbuild [OPTIONS] CONTEXT}. */
final class BuildCommand implements Callable<Integer> {
    BuildOptions options = new BuildOptions();

    StoreOptions store = new StoreOptions();

    final CommandSpec spec;

    BuildCommand() {
        spec = Specs.command(this, "build", "Build an image from a Dockerfile.");
        options.addTo(spec);
        store.addTo(spec);
    }

    @Override
    public Integer call() {
        return BuildRunner.run(options, store, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
