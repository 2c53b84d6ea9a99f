package dev.jbuild.cli;

import dev.jbuild.store.NativeDigests;
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
import picocli.CommandLine.Model.CommandSpec;

/** The {@code jbuild} command. */
public final class Main implements java.util.concurrent.Callable<Integer> {
    /**
     * The subcommands, by name, in the order the usage lists them, each as a function that makes its model. They are
     * registered lazily: building the model of every command at each start, to run one, was time a short command
     * paid for nothing.
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("build", () -> new BuildCommand().spec);
        m.put("images", () -> new ImagesCommand().spec);
        m.put("history", () -> new HistoryCommand().spec);
        m.put("inspect", () -> new InspectCommand().spec);
        m.put("tag", () -> new TagCommand().spec);
        m.put("rmi", () -> new RmiCommand().spec);
        m.put("load", () -> new LoadCommand().spec);
        m.put("save", () -> new SaveCommand().spec);
        m.put("prune", () -> new PruneCommand().spec);
        m.put("fsck", () -> new FsckCommand().spec);
        m.put("pull", () -> new PullCommand().spec);
        m.put("push", () -> new PushCommand().spec);
        m.put("login", () -> new LoginCommand().spec);
        m.put("logout", () -> new LogoutCommand().spec);
        m.put("parse", () -> new ParseCommand().spec);
        // picocli's own annotated command, reflected over only when help is asked for. A lambda, not
        // CommandLine.HelpCommand::new: picocli's classes are Java 5 class files, which an AOT cache (JDK 25) leaves
        // out, and a method handle that names one directly crashes the JVM assembling the cache.
        m.put("help", () -> new CommandLine.HelpCommand());
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
    /** The top-level options that may precede a subcommand, each with its value. */
    private static final Set<String> GLOBAL_OPTIONS = Set.of("--root", "--config", "--insecure-registry", "--tls-ca-cert");

    /**
     * The arguments are top-level options of {@link Global} and then a subcommand (not help): {@code jbuild --root DIR
     * build ...}. picocli parses them the same without the build options of the bare {@code jbuild CONTEXT}, which it
     * would otherwise model at every start only to find them unused.
     */
    static boolean subcommandFirst(String[] args) {
        String first = firstWord(args);
        return first != null && SUBCOMMANDS.containsKey(first) && !first.equals("help");
    }

    /** The command the arguments name: a subcommand, or "build" for {@code jbuild [OPTIONS] CONTEXT}; else null. */
    static String command(String[] args) {
        String first = firstWord(args);
        return first == null ? null : SUBCOMMANDS.containsKey(first) ? first : "build";
    }

    /** The first argument that is not a top-level option or its value. */
    private static String firstWord(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (GLOBAL_OPTIONS.contains(a)) {
                i++; // its value
            } else if (!(a.startsWith("--") && a.indexOf('=') > 0
                    && GLOBAL_OPTIONS.contains(a.substring(0, a.indexOf('='))))) {
                return a;
            }
        }
        return null;
    }

    private static final String[] DESCRIPTION = {"A daemonless OCI image builder for Dockerfiles.",
        "jbuild [OPTIONS] CONTEXT builds CONTEXT/Dockerfile, as 'jbuild build' does."};

    /** {@code jbuild [--root DIR] [REGISTRY OPTIONS] SUBCOMMAND ...}: what comes before a subcommand. */
    static final class Global {
        final StoreOptions store = new StoreOptions();
        final RegistryFlags registry = new RegistryFlags();
        final CommandSpec spec = Specs.command(this, "jbuild", DESCRIPTION);

        Global() {
            store.addTo(spec);
            registry.addTo(spec);
        }
    }

    final BuildOptions build = new BuildOptions();
    final StoreOptions store = new StoreOptions();
    final CommandSpec spec = Specs.command(this, "jbuild", DESCRIPTION);

    Main() {
        build.addTo(spec);
        store.addTo(spec);
    }

    /**
     * This JVM runs the command line itself (not a test calling {@link #run}): an unprivileged one may re-run it in
     * a user namespace ({@link StoreOptions#open}).
     */
    static volatile boolean standalone;

    public static void main(String[] args) {
        standalone = true;
        // Before anything digests: bin/jbuild runs the JVM without C2 where libcrypto is there, and the JDK's
        // SHA-256 is only fast when C2 compiles it. Only here, not in run(): a build tool's JVM keeps the JDK's.
        NativeDigests.install();
        rootLocaleData();
        StartupWarmup.startFor(args);
        fastProcessLaunch();
        int status = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.out.flush();
        System.err.flush();
        if (status == 0 && onlyDaemonsLeft()) {
            // Returning ends the JVM as System.exit(0) would (shutdown hooks run, the status is 0), but
            // System.exit first asks for the "java.lang.Runtime" logger, whose lookup of a logging backend scans
            // the class path for services: it opens the jar, ~8 ms at the end of every command.
            return;
        }
        System.exit(status);
    }

    /** Whether every live thread but this one is a daemon: the JVM then ends when main returns. */
    static boolean onlyDaemonsLeft() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        if (n == threads.length) {
            return false; // more than it could hold: some unseen
        }
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            if (t != Thread.currentThread() && t.isAlive() && !t.isDaemon()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The JDK's root locale data instead of CLDR's, unless the user chose: nothing jbuild prints or writes depends on
     * the locale, and the first Calendar (Jackson's ObjectMapper makes one in its class initialiser) cost every build
     * ~10 ms of CLDR set-up (a Locale made for each of its ~900 language tags to find the first day of the week).
     * Only here, as a standalone command: a build tool's JVM keeps its own locale data.
     */
    static void rootLocaleData() {
        if (System.getProperty("java.locale.providers") == null) {
            System.setProperty("java.locale.providers", "SPI"); // no SPI providers installed: the root data
        }
    }

    /**
     * Every RUN step starts a helper process. JDK 17-20 start processes through an exec of jspawnhelper, which
     * then execs the program: vfork and a single exec (JDK 17's own mechanism before JDK 12) cost 1-2 ms less per
     * process here. Later JDKs deprecate VFORK (with a warning) and start processes faster anyway; a launch
     * mechanism the user chose is kept.
     */
    static void fastProcessLaunch() {
        if (Runtime.version().feature() < 21 && System.getProperty("jdk.lang.Process.launchMechanism") == null
                && System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
        }
    }

    /** Runs the command with the given streams and answers its exit status (in-process tests use this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl;
        StoreOptions store;
        RegistryFlags registry;
        if (subcommandFirst(args)) {
            Global global = new Global();
            cl = new CommandLine(global.spec, Specs.FACTORY);
            store = global.store;
            registry = global.registry;
        } else {
            Main main = new Main();
            cl = new CommandLine(main.spec, Specs.FACTORY);
            store = main.store;
            registry = main.build.registry;
        }
        addSubcommands(cl, args);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionStrategy(parsed -> {
            StoreOptions.inherited = store.root;
            RegistryFlags.inherited = registry;
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

    /**
     * The version of this build of jbuild ("unknown" when the resource is missing). The packaged command's launcher
     * names it ({@code -Djbuild.version}), which spares every command opening the jar to read the resource.
     */
    static String version() {
        String packaged = System.getProperty("jbuild.version");
        if (packaged != null && !packaged.isEmpty() && !packaged.startsWith("@")) {
            return packaged;
        }
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
