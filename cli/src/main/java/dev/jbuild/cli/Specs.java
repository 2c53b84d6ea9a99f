package dev.jbuild.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Range;

/**
 * The command line's model, written as code with picocli's programmatic API. picocli can build the same model from
 * annotations, and did: every start then parsed the annotations of each option class, defined a proxy class per
 * annotation type, scanned the commands for annotated methods and set fields through core reflection, whose method
 * handles no AOT cache holds. That was about 60 ms of the main thread of every build (wall-clock profile of a no-op
 * build of the packaged command); a model made of builders costs a few.
 */
final class Specs {
    private Specs() {}

    /**
     * What picocli makes objects with. Not its default factory, whose class initialiser looks for Groovy's Closure
     * class: a class that is not there is looked up in the jar, whose directory of 6,000 entries the JVM then reads
     * at every start, where every class a command needs comes from the AOT cache or the archive. The commands are
     * built here, so picocli only makes the collections of repeatable options (as its default factory does: the
     * interfaces' usual implementations) and what a spec names by class, which these specs do not.
     */
    static final CommandLine.IFactory FACTORY = new CommandLine.IFactory() {
        @Override
        @SuppressWarnings("unchecked")
        public <K> K create(Class<K> cls) throws Exception {
            Object made;
            if (cls == java.util.List.class || cls == java.util.Collection.class) {
                made = new java.util.ArrayList<>();
            } else if (cls == java.util.SortedSet.class || cls == java.util.NavigableSet.class) {
                made = new java.util.TreeSet<>();
            } else if (cls == java.util.Set.class) {
                made = new java.util.LinkedHashSet<>();
            } else if (cls == java.util.Queue.class || cls == java.util.Deque.class) {
                made = new java.util.ArrayDeque<>();
            } else if (cls == java.util.SortedMap.class || cls == java.util.NavigableMap.class) {
                made = new java.util.TreeMap<>();
            } else if (cls == java.util.Map.class) {
                made = new java.util.LinkedHashMap<>();
            } else {
                return cls.getDeclaredConstructor().newInstance();
            }
            return (K) made;
        }
    };

    /**
     * A command that runs {@code command}'s {@code call()}, with {@code -h/--help} and {@code -V/--version} (what
     * {@code mixinStandardHelpOptions} adds; that mixin is itself annotated, so it is written out here).
     */
    static CommandSpec command(Object command, String name, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command, FACTORY);
        spec.name(name);
        spec.usageMessage().description(description);
        spec.versionProvider(new Main.Version());
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        return spec;
    }

    /** An option of type {@code type} whose value lives where {@code get} and {@code set} reach. */
    static <V> OptionSpec.Builder option(Class<V> type, Supplier<V> get, Consumer<V> set, String... names) {
        Binding<V> b = new Binding<>(get, set);
        OptionSpec.Builder o = OptionSpec.builder(names).type(type).getter(b).setter(b).initialValue(get.get());
        return type == Path.class ? o.converters(PathConverter.INSTANCE) : o;
    }

    /**
     * Paths as picocli's built-in conversion makes them ({@code Paths.get}), without its reflective call: the first
     * {@code Method.invoke} of a JVM spins method handles that no AOT cache holds, ~6 ms of every build's main thread.
     */
    private static final class PathConverter implements CommandLine.ITypeConverter<Path> {
        static final PathConverter INSTANCE = new PathConverter();

        @Override
        public Path convert(String value) {
            return Path.of(value);
        }
    }

    /** A repeatable option, each occurrence one more string. */
    static OptionSpec.Builder listOption(Supplier<List<String>> get, Consumer<List<String>> set, String... names) {
        Binding<List<String>> b = new Binding<>(get, set);
        return OptionSpec.builder(names).type(List.class).auxiliaryTypes(String.class).getter(b).setter(b)
                .initialValue(get.get());
    }

    /** A positional parameter of type {@code type}. */
    static <V> PositionalParamSpec.Builder parameter(Class<V> type, Supplier<V> get, Consumer<V> set) {
        Binding<V> b = new Binding<>(get, set);
        PositionalParamSpec.Builder p = PositionalParamSpec.builder().type(type).getter(b).setter(b)
                .initialValue(get.get());
        return type == Path.class ? p.converters(PathConverter.INSTANCE) : p;
    }

    /**
     * Adds a positional parameter, required unless its arity lets it be absent: what picocli's annotations make of
     * it, which a builder leaves to its caller.
     */
    static void addPositional(CommandSpec spec, PositionalParamSpec.Builder parameter) {
        Range arity = parameter.arity();
        spec.addPositional(parameter.required(arity == null || arity.min() > 0).build());
    }

    /** The positional parameters from here on, each one more string. */
    static PositionalParamSpec.Builder listParameter(Supplier<List<String>> get, Consumer<List<String>> set) {
        Binding<List<String>> b = new Binding<>(get, set);
        return PositionalParamSpec.builder().type(List.class).auxiliaryTypes(String.class).getter(b).setter(b)
                .initialValue(get.get());
    }

    /**
     * A field as picocli reads and writes it. picocli's getter and setter are generic methods, which a lambda
     * cannot implement, hence this class around a pair of lambdas.
     */
    private static final class Binding<V> implements IGetter, ISetter {
        private final Supplier<V> get;
        private final Consumer<V> set;

        Binding(Supplier<V> get, Consumer<V> set) {
            this.get = get;
            this.set = set;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) get.get();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            T old = get();
            set.accept((V) value);
            return old;
        }
    }
}
