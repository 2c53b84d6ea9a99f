package dev.jbuild.core.instructions;

import dev.jbuild.core.instructions.Instruction.ArgDefinition;
import dev.jbuild.core.instructions.Instruction.CommandLine;
import dev.jbuild.core.instructions.Instruction.InlineFile;
import dev.jbuild.core.instructions.Instruction.KeyValue;
import dev.jbuild.core.instructions.Instruction.SourceContent;
import dev.jbuild.dockerfile.DockerfileSyntaxException;
import dev.jbuild.dockerfile.HeredocWord;
import dev.jbuild.dockerfile.ast.Arg;
import dev.jbuild.dockerfile.ast.Flag;
import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.dockerfile.ast.Node;
import dev.jbuild.dockerfile.ast.SourceRange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * AST node to typed instruction, with BuildKit's validation and messages
 * (frontend/dockerfile/instructions/parse.go). Errors name the file, line and column.
 */
public final class InstructionParser {
    public static final Set<String> INSTRUCTIONS = Set.of("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE",
            "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
            "WORKDIR");
    private static final Pattern STAGE_NAME = Pattern.compile("[a-z][a-z0-9-_.]*");
    private static final Pattern ONBUILD_PREFIX = Pattern.compile("(?i)^[\\t\\n\\f\\r ]*ONBUILD[\\t\\n\\f\\r ]*");

    private InstructionParser() {}

    /** Parses one node; {@code source} names the Dockerfile in error messages. */
    public static Instruction parse(Node node, String source) {
        try {
            return parse(node);
        } catch (InstructionException e) {
            SourceRange r = e.at() != null ? e.at() : node.range();
            throw new DockerfileSyntaxException(source, e.getMessage(), r.startLine(), r.startColumn());
        }
    }

    private static Instruction parse(Node node) throws InstructionException {
        List<String> args = args(node);
        BuildFlags flags = new BuildFlags(node.flags());
        SourceRange range = node.range();
        String src = node.original().strip();
        switch (node.command()) {
            case "env" -> {
                flags.parse();
                return new Instruction.Env(keyValues(args, "ENV"), range, src);
            }
            case "maintainer" -> {
                exactlyOne(args, "MAINTAINER");
                flags.parse();
                return new Instruction.Maintainer(args.get(0), range, src);
            }
            case "label" -> {
                flags.parse();
                return new Instruction.Label(keyValues(args, "LABEL"), range, src);
            }
            case "add" -> {
                atLeastTwo(args, "ADD");
                flags.string("chown").string("chmod").bool("link").bool("keep-git-dir").string("checksum")
                        .bool("unpack").strings("exclude").parse();
                Sources s = sources(node, args, "ADD");
                return new Instruction.Add(s.paths, s.contents, s.destination, flags.string("chown", ""),
                        flags.string("chmod", ""), flags.isTrue("link"), flags.optionalBool("keep-git-dir"),
                        flags.string("checksum", ""), flags.optionalBool("unpack"), flags.list("exclude"), range, src);
            }
            case "copy" -> {
                atLeastTwo(args, "COPY");
                flags.string("chown").string("from").string("chmod").bool("link").strings("exclude").bool("parents")
                        .parse();
                Sources s = sources(node, args, "COPY");
                return new Instruction.Copy(s.paths, s.contents, s.destination, flags.string("from", ""),
                        flags.string("chown", ""), flags.string("chmod", ""), flags.isTrue("link"),
                        flags.isTrue("parents"), flags.list("exclude"), range, src);
            }
            case "from" -> {
                String stageName = stageName(args);
                flags.string("platform").parse();
                return new Instruction.From(args.get(0), stageName, flags.string("platform", ""), range, src);
            }
            case "onbuild" -> {
                if (args.isEmpty()) {
                    throw atLeastOne("ONBUILD");
                }
                flags.parse();
                String trigger = args.get(0).strip().toUpperCase(Locale.ROOT);
                if (trigger.equals("ONBUILD")) {
                    throw new InstructionException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
                }
                if (trigger.equals("MAINTAINER") || trigger.equals("FROM")) {
                    throw new InstructionException(trigger + " isn't allowed as an ONBUILD trigger");
                }
                StringBuilder expression = new StringBuilder(ONBUILD_PREFIX.matcher(node.original()).replaceAll(""));
                for (Heredoc h : node.heredocs()) {
                    expression.append('\n').append(h.content()).append(h.name());
                }
                return new Instruction.Onbuild(expression.toString(), range, src);
            }
            case "workdir" -> {
                exactlyOne(args, "WORKDIR");
                flags.parse();
                return new Instruction.Workdir(args.get(0), range, src);
            }
            case "run" -> {
                flags.strings("mount").string("network").string("security").strings("device").parse();
                List<Mount> mounts = new ArrayList<>();
                for (String m : flags.list("mount")) {
                    // BuildKit checks only the structure before expansion; read the values literally
                    // when they need none, so that the typed form shows them.
                    Mount structural = Mount.parse(m, null);
                    try {
                        mounts.add(Mount.parse(m, w -> w));
                    } catch (InstructionException needsExpansion) {
                        mounts.add(structural);
                    }
                }
                String network = flags.string("network", "default");
                if (!Set.of("default", "none", "host").contains(network)) {
                    throw new InstructionException("invalid network mode \"" + network + "\"");
                }
                String security = flags.string("security", "sandbox");
                if (!Set.of("sandbox", "insecure").contains(security)) {
                    throw new InstructionException("security \"" + security + "\" is not valid");
                }
                return new Instruction.Run(commandLine(node, args, false), mounts, network, security,
                        flags.list("device"), flags.list("mount"), range, src);
            }
            case "cmd" -> {
                flags.parse();
                return new Instruction.Cmd(commandLine(node, args, false), range, src);
            }
            case "entrypoint" -> {
                flags.parse();
                return new Instruction.Entrypoint(commandLine(node, args, true), range, src);
            }
            case "healthcheck" -> {
                return healthcheck(node, args, flags, range, src);
            }
            case "expose" -> {
                if (args.isEmpty()) {
                    throw atLeastOne("EXPOSE");
                }
                flags.parse();
                List<String> ports = new ArrayList<>(args);
                ports.sort(null);
                return new Instruction.Expose(ports, range, src);
            }
            case "user" -> {
                exactlyOne(args, "USER");
                flags.parse();
                return new Instruction.User(args.get(0), range, src);
            }
            case "volume" -> {
                if (args.isEmpty()) {
                    throw atLeastOne("VOLUME");
                }
                flags.parse();
                List<String> volumes = new ArrayList<>();
                for (String v : args) {
                    if (v.strip().isEmpty()) {
                        throw new InstructionException("VOLUME specified can not be an empty string");
                    }
                    volumes.add(v.strip());
                }
                return new Instruction.Volume(volumes, range, src);
            }
            case "stopsignal" -> {
                exactlyOne(args, "STOPSIGNAL");
                flags.parse();
                return new Instruction.StopSignal(args.get(0), range, src);
            }
            case "arg" -> {
                if (args.isEmpty()) {
                    throw atLeastOne("ARG");
                }
                flags.parse();
                List<ArgDefinition> defs = new ArrayList<>();
                for (String a : args) {
                    int eq = a.indexOf('=');
                    if (eq == 0) {
                        throw new InstructionException("ARG names can not be blank");
                    }
                    defs.add(eq < 0 ? new ArgDefinition(a, null) : new ArgDefinition(a.substring(0, eq), a.substring(eq + 1)));
                }
                return new Instruction.Arg(defs, range, src);
            }
            case "shell" -> {
                flags.parse();
                List<String> shell = jsonArgs(args, node.json());
                if (shell.isEmpty()) {
                    throw atLeastOne("SHELL");
                }
                if (!node.json()) {
                    throw new InstructionException("SHELL requires the arguments to be in JSON form");
                }
                return new Instruction.Shell(shell, range, src);
            }
            default -> {
                List<String> names = INSTRUCTIONS.stream().toList();
                throw new InstructionException(
                        Suggest.wrap("unknown instruction: " + node.keyword(), node.keyword(), names, false));
            }
        }
    }

    /** BuildKit's nodeArgs: the argument values, and for ONBUILD the trigger's keyword and arguments. */
    private static List<String> args(Node node) {
        List<String> out = new ArrayList<>();
        if (node.child() != null) {
            out.add(node.child().keyword());
            out.addAll(args(node.child()));
        }
        for (Arg a : node.args()) {
            out.add(a.value());
        }
        return out;
    }

    private static List<String> jsonArgs(List<String> args, boolean json) {
        if (args.isEmpty()) {
            return List.of();
        }
        return json ? args : List.of(String.join(" ", args));
    }

    private static CommandLine commandLine(Node node, List<String> args, boolean emptyAsNull) {
        List<InlineFile> files = new ArrayList<>();
        for (Heredoc h : node.heredocs()) {
            files.add(new InlineFile(h.name(), h.content(), h.chomp()));
        }
        List<String> cmd = jsonArgs(args, node.json());
        if (emptyAsNull && cmd.isEmpty()) {
            cmd = null;
        }
        return new CommandLine(cmd == null ? List.of() : cmd, !node.json(), files);
    }

    private static Instruction healthcheck(Node node, List<String> args, BuildFlags flags, SourceRange range,
            String src) throws InstructionException {
        if (args.isEmpty()) {
            throw atLeastOne("HEALTHCHECK");
        }
        String type = args.get(0).toUpperCase(Locale.ROOT);
        List<String> rest = args.subList(1, args.size());
        if (type.equals("NONE")) {
            if (!rest.isEmpty()) {
                throw new InstructionException("HEALTHCHECK NONE takes no arguments");
            }
            return new Instruction.Healthcheck(List.of("NONE"), Duration.ZERO, Duration.ZERO, Duration.ZERO,
                    Duration.ZERO, 0, range, src);
        }
        flags.string("interval").string("timeout").string("start-period").string("start-interval").string("retries")
                .parse();
        if (!type.equals("CMD")) {
            throw new InstructionException("Unknown type \"" + type + "\" in HEALTHCHECK (try CMD)");
        }
        List<String> cmd = jsonArgs(rest, node.json());
        if (cmd.isEmpty()) {
            throw new InstructionException("Missing command after HEALTHCHECK CMD");
        }
        List<String> test = new ArrayList<>();
        test.add(node.json() ? "CMD" : "CMD-SHELL");
        test.addAll(cmd);
        int retries = 0;
        String r = flags.string("retries", "");
        if (!r.isEmpty()) {
            long v;
            try {
                v = Long.parseLong(r);
            } catch (NumberFormatException e) {
                throw new InstructionException("strconv.ParseInt: parsing \"" + r + "\": invalid syntax");
            }
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new InstructionException("strconv.ParseInt: parsing \"" + r + "\": value out of range");
            }
            if (v < 0) {
                throw new InstructionException("--retries cannot be negative (" + v + ")");
            }
            retries = (int) v;
        }
        return new Instruction.Healthcheck(test, interval(flags, "interval"), interval(flags, "timeout"),
                interval(flags, "start-period"), interval(flags, "start-interval"), retries, range, src);
    }

    private static Duration interval(BuildFlags flags, String name) throws InstructionException {
        String s = flags.string(name, "");
        if (s.isEmpty()) {
            return Duration.ZERO;
        }
        Duration d = GoDuration.parse(s);
        if (d.isZero()) {
            return d;
        }
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new InstructionException("Interval \"" + name + "\" cannot be less than 1ms");
        }
        return d;
    }

    private static String stageName(List<String> args) throws InstructionException {
        if (args.size() == 3 && args.get(1).equalsIgnoreCase("as")) {
            String name = args.get(2).toLowerCase(Locale.ROOT);
            if (!STAGE_NAME.matcher(name).matches()) {
                throw new InstructionException("invalid name for build stage: \"" + args.get(2)
                        + "\", name can't start with a number or contain symbols");
            }
            return name;
        }
        if (args.size() != 1) {
            throw new InstructionException("FROM requires either one or three arguments");
        }
        return null;
    }

    private record Sources(List<String> paths, List<SourceContent> contents, String destination) {}

    private static Sources sources(Node node, List<String> args, String command) throws InstructionException {
        String dest = args.get(args.size() - 1);
        if (HeredocWord.parseOrNull(dest) != null) {
            throw new InstructionException(command + " cannot accept a heredoc as a destination");
        }
        Map<String, Heredoc> byName = new HashMap<>();
        for (Heredoc h : node.heredocs()) {
            byName.put(h.name(), h);
        }
        List<String> paths = new ArrayList<>();
        List<SourceContent> contents = new ArrayList<>();
        for (String src : args.subList(0, args.size() - 1)) {
            Heredoc word = HeredocWord.parseOrNull(src);
            if (word != null) {
                Heredoc body = byName.get(word.name());
                String content = body == null ? "" : body.content();
                if (word.chomp()) {
                    content = content.replaceAll("(?m)^\\t+", "");
                }
                contents.add(new SourceContent(word.name(), content, word.expand()));
            } else {
                paths.add(src);
            }
        }
        return new Sources(paths, contents, dest);
    }

    private static List<KeyValue> keyValues(List<String> args, String command) throws InstructionException {
        if (args.isEmpty()) {
            throw atLeastOne(command);
        }
        if (args.size() % 3 != 0) {
            throw new InstructionException("Bad input to " + command + ", too many arguments");
        }
        List<KeyValue> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 3) {
            if (args.get(i).isEmpty()) {
                throw new InstructionException(command + " names can not be blank");
            }
            out.add(new KeyValue(args.get(i), args.get(i + 1), args.get(i + 2).isEmpty()));
        }
        return out;
    }

    private static void exactlyOne(List<String> args, String command) throws InstructionException {
        if (args.size() != 1) {
            throw new InstructionException(command + " requires exactly one argument");
        }
    }

    private static void atLeastTwo(List<String> args, String command) throws InstructionException {
        if (args.size() < 2) {
            throw new InstructionException(command
                    + " requires at least two arguments, but only one was provided. Destination could not be determined");
        }
    }

    private static InstructionException atLeastOne(String command) {
        return new InstructionException(command + " requires at least one argument");
    }
}
