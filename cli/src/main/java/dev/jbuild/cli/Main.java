package dev.jbuild.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jbuild} command. */
@Command(
        name = "jbuild",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"A daemonless OCI image builder for Dockerfiles.",
            "jbuild [OPTIONS] CONTEXT builds CONTEXT/Dockerfile, as 'jbuild build' does."})
public final class Main implements java.util.concurrent.Callable<Integer> {
    /**
     * The subcommands, by name, in the order the usage lists them. They are registered lazily: picocli
     * instantiates and reflects over every registered command class when the command line is built,
     * and doing that for all of them was a large part of the start-up of every short command.
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("build", BuildCommand::new);
        m.put("images", ImagesCommand::new);
        m.put("history", HistoryCommand::new);
        m.put("inspect", InspectCommand::new);
        m.put("tag", TagCommand::new);
        m.put("rmi", RmiCommand::new);
        m.put("load", LoadCommand::new);
        m.put("save", SaveCommand::new);
        m.put("prune", PruneCommand::new);
        m.put("fsck", FsckCommand::new);
        m.put("pull", PullCommand::new);
        m.put("push", PushCommand::new);
        m.put("login", LoginCommand::new);
        m.put("logout", LogoutCommand::new);
        m.put("parse", ParseCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return m;
    }

    /**
     * Registers every subcommand whose name is among the arguments (a name that is really an option's value
     * only adds a command picocli never selects, so the parse is the same as with all of them), or all of them
     * when the usage may list them: no arguments, help asked for, or nothing named.
     */
    static void addSubcommands(CommandLine cl, String[] args) {
        boolean all = args.length == 0;
        Set<String> named = new LinkedHashSet<>();
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help") || a.equals("help")) {
                all = true;
            }
            if (SUBCOMMANDS.containsKey(a)) {
                named.add(a);
            }
        }
        for (Map.Entry<String, Supplier<Object>> e : SUBCOMMANDS.entrySet()) {
            if (all || named.contains(e.getKey())) {
                cl.addSubcommand(e.getKey(), e.getValue().get());
            }
        }
    }
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
        addSubcommands(cl, args);
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
