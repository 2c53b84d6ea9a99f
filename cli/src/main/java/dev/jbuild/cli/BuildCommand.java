package dev.jbuild.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code jbuild build}: the same as {@code jbuild [OPTIONS] CONTEXT}. */
@Command(name = "build", mixinStandardHelpOptions = true, description = "Build an image from a Dockerfile.")
final class BuildCommand implements Callable<Integer> {
    @Mixin
    BuildOptions options = new BuildOptions();

    @Mixin
    StoreOptions store = new StoreOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return BuildRunner.run(options, store, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
