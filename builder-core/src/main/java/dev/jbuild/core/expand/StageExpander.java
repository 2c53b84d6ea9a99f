package dev.jbuild.core.expand;

import dev.jbuild.core.instructions.Instruction;
import dev.jbuild.core.instructions.Instruction.KeyValue;
import dev.jbuild.core.instructions.Instruction.SourceContent;
import dev.jbuild.core.instructions.MountParser;
import dev.jbuild.core.instructions.Stage;
import dev.jbuild.core.instructions.Stages;
import dev.jbuild.dockerfile.DockerfileSyntaxException;
import dev.jbuild.dockerfile.ast.SourceRange;
import dev.jbuild.dockerfile.shell.EnvGetter;
import dev.jbuild.dockerfile.shell.ShellLex;
import dev.jbuild.dockerfile.shell.ShellSyntaxException;
import dev.jbuild.oci.Platform;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Expands variables in a Dockerfile's stages with BuildKit's rules (dockerfile2llb/convert.go):
 * <ul>
 *   <li>FROM image names and {@code --platform} see only the global args: the automatic platform
 *       ARGs and the meta ARGs declared before the first FROM (overridden by build args);</li>
 *   <li>inside a stage, ADD COPY ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR and RUN mounts see
 *       the stage's environment: ENV values and the ARGs declared so far in the stage (or inherited
 *       from a parent stage); an ARG without a default re-imports a global arg of the same name;</li>
 *   <li>each instruction is expanded against the environment before it, so that
 *       {@code ENV a=1 b=$a} reads the old {@code a}.</li>
 * </ul>
 * Not thread-safe.
 */
public final class StageExpander {
    private final Stages stages;
    private final Map<String, String> buildArgValues;
    private final Map<String, String> globalArgs;
    private final ShellLex lex;
    private final ShellLex rawLex = new ShellLex('\\').skipProcessQuotes(true);

    /**
     * @param buildArgs   the {@code --build-arg} values (a null value means "not given")
     * @param build       the platform of the machine that builds
     * @param target      the platform the image is for
     * @param targetStage the stage being built, for TARGETSTAGE (null: the last)
     */
    public StageExpander(Stages stages, Map<String, String> buildArgs, Platform build, Platform target,
            String targetStage) {
        this.stages = stages;
        this.lex = new ShellLex(stages.escape());
        this.buildArgValues = new LinkedHashMap<>();
        buildArgs.forEach((k, v) -> {
            if (v != null) {
                buildArgValues.put(k, v);
            }
        });
        this.globalArgs = globalArgs(build, target, targetStage == null ? lastStageName() : targetStage);
    }

    private String lastStageName() {
        Stage last = stages.stages().get(stages.stages().size() - 1);
        return last.name() == null ? "default" : last.name();
    }

    /**
     * BuildKit's predefined proxy ARGs given as build args: RUN sees them in its environment
     * without an ARG line, and (undeclared) they stay out of the image history and cache keys.
     * Names match case-insensitively, as BuildKit matches them.
     */
    public Map<String, String> proxyEnv() {
        Map<String, String> out = new LinkedHashMap<>();
        buildArgValues.forEach((k, v) -> {
            String lower = k.toLowerCase(java.util.Locale.ROOT);
            if (lower.equals("http_proxy") || lower.equals("https_proxy") || lower.equals("ftp_proxy")
                    || lower.equals("no_proxy") || lower.equals("all_proxy")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The stage's {@code FROM --platform} with the global args expanded, or null when not given. */
    public Platform platform(Stage stage) {
        Instruction.From from = stage.from();
        if (from.platform().isEmpty()) {
            return null;
        }
        String value = word(from.platform(), globalArgs, from.range());
        if (value.isEmpty()) {
            throw error("empty platform value from expression " + from.platform(), from.range());
        }
        try {
            return Platform.parse(value);
        } catch (IllegalArgumentException e) {
            throw error("failed to parse platform " + from.platform() + ": " + e.getMessage(), from.range());
        }
    }

    /** The stage's FROM image or stage name with the global args expanded. */
    public String baseName(Stage stage) {
        Instruction.From from = stage.from();
        String baseName = word(from.baseName(), globalArgs, from.range());
        if (baseName.isEmpty()) {
            throw error("base name (" + from.baseName() + ") should not be blank", from.range());
        }
        return baseName;
    }

    /**
     * Expands every stage in order, each FROM an earlier stage starting from that stage's state and
     * each FROM an image from an empty environment (the image's own ENV is not known here).
     */
    public List<ExpandedStage> expandAll() {
        List<ExpandedStage> out = new ArrayList<>();
        for (Stage s : stages.stages()) {
            Stage parent = stages.find(baseName(s));
            ExpandedStage p = parent != null && parent.index() < s.index() ? out.get(parent.index()) : null;
            out.add(expand(s, p, List.of()));
        }
        return out;
    }

    /** The args FROM lines see: automatic platform ARGs, then meta ARGs. */
    public Map<String, String> globalArgs() {
        return java.util.Collections.unmodifiableMap(globalArgs);
    }

    private Map<String, String> globalArgs(Platform build, Platform target, String targetStage) {
        Map<String, String> args = new LinkedHashMap<>();
        String[][] defaults = {
            {"BUILDPLATFORM", build.format()},
            {"BUILDOS", build.os()},
            {"BUILDOSVERSION", ""},
            {"BUILDARCH", build.architecture()},
            {"BUILDVARIANT", build.variant()},
            {"TARGETPLATFORM", target.format()},
            {"TARGETOS", target.os()},
            {"TARGETOSVERSION", ""},
            {"TARGETARCH", target.architecture()},
            {"TARGETVARIANT", target.variant()},
            {"TARGETSTAGE", targetStage},
        };
        for (String[] kv : defaults) {
            args.put(kv[0], buildArgValues.getOrDefault(kv[0], kv[1]));
        }
        for (Instruction.Arg arg : stages.metaArgs()) {
            for (Instruction.ArgDefinition def : arg.args()) {
                String value = buildArgValues.get(def.key());
                if (value == null && def.value() != null) {
                    value = word(def.value(), args, arg.range());
                }
                if (value != null) {
                    args.remove(def.key());
                    args.put(def.key(), value);
                }
            }
        }
        return args;
    }

    /**
     * Expands one stage.
     *
     * @param parent       the expanded stage this one is FROM, or null for an image or scratch
     * @param baseImageEnv the base image's config Env ("K=V" entries) when it is an image
     */
    public ExpandedStage expand(Stage stage, ExpandedStage parent, List<String> baseImageEnv) {
        Instruction.From from = stage.from();
        String baseName = baseName(stage);
        Platform parsed = platform(stage);
        String platform = parsed == null ? null : parsed.format();
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> imageEnv = new LinkedHashMap<>();
        Map<String, String> args = new LinkedHashMap<>();
        if (parent != null) {
            env.putAll(parent.env());
            imageEnv.putAll(parent.imageEnv());
            args.putAll(parent.buildArgs());
        } else if (baseImageEnv != null) {
            for (String kv : baseImageEnv) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                String v = eq < 0 ? "" : kv.substring(eq + 1);
                env.put(k, v);
                imageEnv.put(k, v);
            }
        }
        Instruction.From expandedFrom = new Instruction.From(baseName, from.stageName(),
                platform == null ? "" : platform, from.range(), from.source());
        List<Instruction> out = new ArrayList<>();
        for (Instruction ins : stage.instructions()) {
            out.add(expandOne(ins, env, imageEnv, args));
        }
        Stage expandedStage = new Stage(stage.index(), expandedFrom, stage.instructions());
        return new ExpandedStage(expandedStage, baseName, platform, out, env, imageEnv, args);
    }

    private Instruction expandOne(Instruction ins, Map<String, String> env, Map<String, String> imageEnv,
            Map<String, String> args) {
        SourceRange r = ins.range();
        // One snapshot for the whole instruction: later pairs do not see earlier ones.
        Map<String, String> snapshot = new LinkedHashMap<>(env);
        if (ins instanceof Instruction.Arg a) {
            List<Instruction.ArgDefinition> defs = new ArrayList<>();
            for (Instruction.ArgDefinition def : a.args()) {
                String value;
                if (buildArgValues.containsKey(def.key())) {
                    value = buildArgValues.get(def.key());
                } else if (def.value() != null) {
                    value = word(def.value(), env, r);
                } else {
                    value = globalArgs.get(def.key());
                }
                if (value != null) {
                    env.remove(def.key());
                    env.put(def.key(), value);
                }
                args.put(def.key(), value);
                defs.add(new Instruction.ArgDefinition(def.key(), value));
            }
            return new Instruction.Arg(defs, r, a.source());
        }
        if (ins instanceof Instruction.Env e) {
            List<KeyValue> pairs = new ArrayList<>();
            for (KeyValue kv : e.env()) {
                pairs.add(new KeyValue(word(kv.key(), snapshot, r), word(kv.value(), snapshot, r), kv.noDelimiter()));
            }
            for (KeyValue kv : pairs) {
                env.remove(kv.key());
                env.put(kv.key(), kv.value());
                imageEnv.remove(kv.key());
                imageEnv.put(kv.key(), kv.value());
            }
            return new Instruction.Env(pairs, r, e.source());
        }
        if (ins instanceof Instruction.Label l) {
            List<KeyValue> pairs = new ArrayList<>();
            for (KeyValue kv : l.labels()) {
                pairs.add(new KeyValue(word(kv.key(), snapshot, r), word(kv.value(), snapshot, r), kv.noDelimiter()));
            }
            return new Instruction.Label(pairs, r, l.source());
        }
        if (ins instanceof Instruction.Copy c) {
            checkFromHasNoVariables(c.from(), r);
            return new Instruction.Copy(words(c.sources(), snapshot, r), contents(c.contents(), snapshot, r),
                    word(c.destination(), snapshot, r), c.from(), word(c.chown(), snapshot, r),
                    word(c.chmod(), snapshot, r), c.link(), c.parents(), c.excludes(), r, c.source());
        }
        if (ins instanceof Instruction.Add a) {
            return new Instruction.Add(words(a.sources(), snapshot, r), contents(a.contents(), snapshot, r),
                    word(a.destination(), snapshot, r), word(a.chown(), snapshot, r), word(a.chmod(), snapshot, r),
                    a.link(), a.keepGitDir(), word(a.checksum(), snapshot, r), a.unpack(), a.excludes(), r,
                    a.source());
        }
        if (ins instanceof Instruction.Workdir w) {
            return new Instruction.Workdir(word(w.path(), snapshot, r), r, w.source());
        }
        if (ins instanceof Instruction.User u) {
            return new Instruction.User(word(u.user(), snapshot, r), r, u.source());
        }
        if (ins instanceof Instruction.Volume v) {
            return new Instruction.Volume(words(v.volumes(), snapshot, r), r, v.source());
        }
        if (ins instanceof Instruction.StopSignal s) {
            return new Instruction.StopSignal(word(s.signal(), snapshot, r), r, s.source());
        }
        if (ins instanceof Instruction.Expose e) {
            List<String> ports = new ArrayList<>();
            for (String p : e.ports()) {
                try {
                    ports.addAll(lex.processWords(p, EnvGetter.of(snapshot)));
                } catch (ShellSyntaxException ex) {
                    throw error(ex.getMessage(), r);
                }
            }
            return new Instruction.Expose(ports, r, e.source());
        }
        if (ins instanceof Instruction.Run run) {
            List<dev.jbuild.core.instructions.Mount> mounts = new ArrayList<>();
            for (String m : run.mountFlags()) {
                try {
                    mounts.add(MountParser.parse(m, w -> word(w, snapshot, r)));
                } catch (IllegalArgumentException ex) {
                    throw error(ex.getMessage(), r);
                }
            }
            return new Instruction.Run(run.command(), mounts, run.network(), run.security(), run.devices(),
                    run.mountFlags(), r, run.source());
        }
        // CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER and ONBUILD are not expanded by the builder.
        return ins;
    }

    private void checkFromHasNoVariables(String from, SourceRange r) {
        if (from.isEmpty()) {
            return;
        }
        if (!word(from, Map.of(), r).equals(from)) {
            throw error("variable expansion is not supported for --from, define a new stage with FROM using ARG "
                    + "from global scope as a workaround", r);
        }
    }

    private List<SourceContent> contents(List<SourceContent> contents, Map<String, String> env, SourceRange r) {
        List<SourceContent> out = new ArrayList<>();
        for (SourceContent c : contents) {
            if (!c.expand()) {
                out.add(c);
                continue;
            }
            try {
                out.add(new SourceContent(c.path(), rawLex.processWord(c.data(), EnvGetter.of(env)), true));
            } catch (ShellSyntaxException e) {
                throw error(e.getMessage(), r);
            }
        }
        return out;
    }

    private List<String> words(List<String> values, Map<String, String> env, SourceRange r) {
        List<String> out = new ArrayList<>(values.size());
        for (String v : values) {
            out.add(word(v, env, r));
        }
        return out;
    }

    private String word(String value, Map<String, String> env, SourceRange r) {
        if (value.isEmpty()) {
            return value;
        }
        try {
            return lex.processWord(value, EnvGetter.of(env));
        } catch (ShellSyntaxException e) {
            throw error(e.getMessage(), r);
        }
    }

    private DockerfileSyntaxException error(String message, SourceRange r) {
        return new DockerfileSyntaxException(stages.source(), message, r.startLine(), r.startColumn());
    }
}
