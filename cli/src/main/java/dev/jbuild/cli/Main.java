package dev.jbuild.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jbuild} command. */
@Command(
        name = "jbuild",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"A daemonless OCI image builder for Dockerfiles.",
            "jbuild [OPTIONS] CONTEXT builds CONTEXT/Dockerfile, as 'jbuild build' does."},
        subcommands = {BuildCommand.class, ImagesCommand.class, HistoryCommand.class, InspectCommand.class,
            TagCommand.class, RmiCommand.class, LoadCommand.class, SaveCommand.class, PruneCommand.class, FsckCommand.class,
            PullCommand.class, PushCommand.class, LoginCommand.class, LogoutCommand.class, ParseCommand.class, CommandLine.HelpCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    BuildOptions build = new BuildOptions();

    @CommandLine.Mixin
    StoreOptions store = new StoreOptions();

    /**
     * This JVM runs the command line itself (not a test calling {@link #run}): an unprivileged one may re-run it in
     * a user namespace ({@link StoreOptions#open}).
     */
    static volatile boolean standalone;

    public static void main(String[] args) {
        standalone = true;
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command with the given streams and answers its exit status (in-process tests use this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionStrategy(parsed -> {
            StoreOptions.inherited = main.store.root;
            RegistryFlags.inherited = main.build.registry;
            return new CommandLine.RunLast().execute(parsed);
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    @Override
    public Integer call() {
        if (build.context == null && build.tags.isEmpty() && build.file == null) {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 0;
        }
        return BuildRunner.run(build, store, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The version of this build of jbuild ("unknown" when the resource is missing). */
    static String version() {
        Properties p = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jbuild " + version()};
        }
    }
}
