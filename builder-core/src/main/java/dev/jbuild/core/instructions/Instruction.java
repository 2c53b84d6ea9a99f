package dev.jbuild.core.instructions;

import dev.jbuild.dockerfile.ast.SourceRange;
import java.time.Duration;
import java.util.List;

/**
 * A Dockerfile instruction with its flags validated and its arguments in typed form, as BuildKit's
 * instructions package produces them. Values are as written: variables are expanded later, per
 * stage, by {@link dev.jbuild.core.expand.StageExpander}, which returns instructions of the same
 * types with expanded values.
 */
public sealed interface Instruction {
    /** Where the instruction stands in its Dockerfile. */
    SourceRange range();

    /** The instruction as written (logical line, continuations joined), for history and messages. */
    String source();

    /** The keyword in upper case. */
    String name();

    record KeyValue(String key, String value, boolean noDelimiter) {}

    /** {@code ARG key[=value]}: value is null when there is no default. */
    record ArgDefinition(String key, String value) {}

    /** A heredoc used as a COPY/ADD source: the file's name and content. */
    record SourceContent(String path, String data, boolean expand) {}

    /** A heredoc attached to RUN: written to a file and run, or fed to the command's stdin. */
    record InlineFile(String name, String data, boolean chomp) {}

    /**
     * A RUN, CMD or ENTRYPOINT command line. {@code prependShell} is true for shell form: the
     * single string is run through the stage's SHELL.
     */
    record CommandLine(List<String> args, boolean prependShell, List<InlineFile> files) {
        public CommandLine {
            args = List.copyOf(args);
            files = List.copyOf(files);
        }
    }

    /** FROM: starts a stage. {@code stageName} is lower-cased, null when there is no AS. */
    record From(String baseName, String stageName, String platform, SourceRange range, String source)
            implements Instruction {
        public String name() {
            return "FROM";
        }
    }

    record Run(CommandLine command, List<Mount> mounts, String network, String security, List<String> devices,
            List<String> mountFlags, SourceRange range, String source) implements Instruction {
        public Run {
            mounts = List.copyOf(mounts);
            devices = List.copyOf(devices);
            mountFlags = List.copyOf(mountFlags);
        }

        public String name() {
            return "RUN";
        }
    }

    record Cmd(CommandLine command, SourceRange range, String source) implements Instruction {
        public String name() {
            return "CMD";
        }
    }

    /** ENTRYPOINT; an empty exec form ({@code ENTRYPOINT []}) has null args and clears it. */
    record Entrypoint(CommandLine command, SourceRange range, String source) implements Instruction {
        public String name() {
            return "ENTRYPOINT";
        }
    }

    record Shell(List<String> shell, SourceRange range, String source) implements Instruction {
        public Shell {
            shell = List.copyOf(shell);
        }

        public String name() {
            return "SHELL";
        }
    }

    record Env(List<KeyValue> env, SourceRange range, String source) implements Instruction {
        public Env {
            env = List.copyOf(env);
        }

        public String name() {
            return "ENV";
        }
    }

    record Label(List<KeyValue> labels, SourceRange range, String source) implements Instruction {
        public Label {
            labels = List.copyOf(labels);
        }

        public String name() {
            return "LABEL";
        }
    }

    record Maintainer(String maintainer, SourceRange range, String source) implements Instruction {
        public String name() {
            return "MAINTAINER";
        }
    }

    /**
     * ADD. {@code keepGitDir} and {@code unpack} are null when the flag was not given (the default
     * then depends on the source).
     */
    record Add(List<String> sources, List<SourceContent> contents, String destination, String chown, String chmod,
            boolean link, Boolean keepGitDir, String checksum, Boolean unpack, List<String> excludes,
            SourceRange range, String source) implements Instruction {
        public Add {
            sources = List.copyOf(sources);
            contents = List.copyOf(contents);
            excludes = List.copyOf(excludes);
        }

        public String name() {
            return "ADD";
        }
    }

    /** COPY; {@code from} is the stage name, index or image reference of {@code --from}, or "". */
    record Copy(List<String> sources, List<SourceContent> contents, String destination, String from, String chown,
            String chmod, boolean link, boolean parents, List<String> excludes, SourceRange range, String source)
            implements Instruction {
        public Copy {
            sources = List.copyOf(sources);
            contents = List.copyOf(contents);
            excludes = List.copyOf(excludes);
        }

        public String name() {
            return "COPY";
        }
    }

    record Arg(List<ArgDefinition> args, SourceRange range, String source) implements Instruction {
        public Arg {
            args = List.copyOf(args);
        }

        public String name() {
            return "ARG";
        }
    }

    /** EXPOSE; ports sorted as BuildKit sorts them, each word possibly several after expansion. */
    record Expose(List<String> ports, SourceRange range, String source) implements Instruction {
        public Expose {
            ports = List.copyOf(ports);
        }

        public String name() {
            return "EXPOSE";
        }
    }

    record User(String user, SourceRange range, String source) implements Instruction {
        public String name() {
            return "USER";
        }
    }

    record Volume(List<String> volumes, SourceRange range, String source) implements Instruction {
        public Volume {
            volumes = List.copyOf(volumes);
        }

        public String name() {
            return "VOLUME";
        }
    }

    record StopSignal(String signal, SourceRange range, String source) implements Instruction {
        public String name() {
            return "STOPSIGNAL";
        }
    }

    record Workdir(String path, SourceRange range, String source) implements Instruction {
        public String name() {
            return "WORKDIR";
        }
    }

    /**
     * HEALTHCHECK. {@code test} is {@code ["NONE"]}, {@code ["CMD", args...]} (exec form) or
     * {@code ["CMD-SHELL", command]}; zero durations mean "inherit the default".
     */
    record Healthcheck(List<String> test, Duration interval, Duration timeout, Duration startPeriod,
            Duration startInterval, int retries, SourceRange range, String source) implements Instruction {
        public Healthcheck {
            test = List.copyOf(test);
        }

        public String name() {
            return "HEALTHCHECK";
        }
    }

    /** ONBUILD: the trigger is kept as text (with its heredocs) and parsed when the image is used. */
    record Onbuild(String expression, SourceRange range, String source) implements Instruction {
        public String name() {
            return "ONBUILD";
        }
    }
}
