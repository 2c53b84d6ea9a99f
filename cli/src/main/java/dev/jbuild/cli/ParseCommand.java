package dev.jbuild.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.core.expand.ExpandedStage;
import dev.jbuild.core.expand.StageExpander;
import dev.jbuild.core.instructions.Instruction;
import dev.jbuild.core.instructions.Stage;
import dev.jbuild.core.instructions.Stages;
import dev.jbuild.dockerfile.DockerfileParser;
import dev.jbuild.dockerfile.DockerfileSyntaxException;
import dev.jbuild.dockerfile.ast.Directive;
import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.dockerfile.ast.ParseWarning;
import dev.jbuild.dockerfile.ast.SourceRange;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import dev.jbuild.oci.Platform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jbuild parse}: prints a Dockerfile's AST as BuildKit dumps it, or its typed instructions as JSON. */
final class ParseCommand implements Callable<Integer> {
    enum Format { dump, json }

    String fileOption;

    String fileParameter;

    Format format;

    boolean expand;

    List<String> buildArgs = new ArrayList<>();

    String platform;

    String target;

    final CommandSpec spec;

    ParseCommand() {
        spec = Specs.command(this, "parse",
                "Parse a Dockerfile and print its syntax tree.",
                "The default format is BuildKit's AST dump (one S-expression per instruction); --format=json prints "
                        + "the typed instructions, stage by stage, with their source ranges.",
                "A syntax error exits with status 1 and prints FILE:LINE:COL: message on stderr.");
        spec.addOption(Specs.option(String.class, () -> fileOption, v -> fileOption = v, "-f", "--file")
                .paramLabel("FILE")
                .description("The Dockerfile ('-' for standard input).").build());
        Specs.addPositional(spec, Specs.parameter(String.class, () -> fileParameter, v -> fileParameter = v)
                .arity("0..1")
                .paramLabel("FILE")
                .description("The Dockerfile (default: ./Dockerfile)."));
        spec.addOption(Specs.option(Format.class, () -> format, v -> format = v, "--format")
                .paramLabel("FORMAT")
                .defaultValue("dump")
                .description("dump (default) or json.").build());
        spec.addOption(Specs.option(boolean.class, () -> expand, v -> expand = v, "--expand")
                .description("With --format=json: expand variables as a build does (FROM lines with the global args,"
                        + " each stage with its ARGs and ENVs). The ENV of base images is not known to parse and"
                        + " counts as empty.").build());
        spec.addOption(Specs.listOption(() -> buildArgs, v -> buildArgs = v, "--build-arg")
                .paramLabel("KEY[=VALUE]")
                .description("A build arg for --expand; KEY alone takes the value of the environment"
                        + " variable.").build());
        spec.addOption(Specs.option(String.class, () -> platform, v -> platform = v, "--platform")
                .paramLabel("OS/ARCH[/VARIANT]")
                .description("The target platform for --expand (default: this machine's).").build());
        spec.addOption(Specs.option(String.class, () -> target, v -> target = v, "--target")
                .paramLabel("STAGE")
                .description("The target stage for --expand (TARGETSTAGE).").build());
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (fileOption != null && fileParameter != null) {
            err.println("jbuild parse: give the Dockerfile either as -f FILE or as FILE, not both");
            return 2;
        }
        String file = fileOption != null ? fileOption : fileParameter != null ? fileParameter : "Dockerfile";
        byte[] content;
        try {
            content = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            err.println(file + ": no such file");
            return 1;
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            return 1;
        }
        String name = file.equals("-") ? "<stdin>" : file;
        if (expand && format != Format.json) {
            err.println("jbuild parse: --expand needs --format=json");
            return 2;
        }
        Platform targetPlatform;
        try {
            targetPlatform = platform == null ? Platform.host() : Platform.parse(platform);
        } catch (IllegalArgumentException e) {
            err.println("jbuild parse: --platform: " + e.getMessage());
            return 2;
        }
        try {
            Dockerfile df = DockerfileParser.parse(name, content);
            if (format == Format.dump) {
                out.print(df.dump());
            } else {
                Stages stages = Stages.of(df);
                List<ExpandedStage> expanded = null;
                if (expand) {
                    if (target != null && stages.find(target) == null) {
                        err.println(name + ": target stage \"" + target + "\" could not be found");
                        return 1;
                    }
                    expanded = new StageExpander(stages, buildArgMap(), Platform.host(), targetPlatform,
                            target == null ? null : stages.find(target).displayName()).expandAll();
                }
                out.println(json(df, stages, expanded));
            }
            for (ParseWarning w : df.warnings()) {
                err.println(name + ":" + w.range().startLine() + ": warning: " + w.message());
            }
            out.flush();
            return 0;
        } catch (DockerfileSyntaxException e) {
            err.println(e.getMessage());
            return 1;
        }
    }

    private Map<String, String> buildArgMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String a : buildArgs) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                String v = System.getenv(a);
                if (v != null) {
                    map.put(a, v);
                }
            } else {
                map.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        return map;
    }

    private static String json(Dockerfile df, Stages stages, List<ExpandedStage> expanded) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        ObjectNode root = mapper.createObjectNode();
        root.put("file", df.source());
        root.put("escape", String.valueOf(df.escape()));
        ObjectNode directives = root.putObject("directives");
        for (Directive d : df.directives()) {
            directives.put(d.name(), d.value());
        }
        ArrayNode meta = root.putArray("metaArgs");
        for (Instruction.Arg a : stages.metaArgs()) {
            meta.add(instruction(mapper, a));
        }
        ArrayNode stageArray = root.putArray("stages");
        for (Stage s : stages.stages()) {
            ObjectNode sn = stageArray.addObject();
            ExpandedStage ex = expanded == null ? null : expanded.get(s.index());
            sn.put("index", s.index());
            if (s.name() != null) {
                sn.put("name", s.name());
            } else {
                sn.putNull("name");
            }
            sn.set("from", instruction(mapper, ex == null ? s.from() : ex.stage().from()));
            ArrayNode ins = sn.putArray("instructions");
            for (Instruction i : ex == null ? s.instructions() : ex.instructions()) {
                ins.add(instruction(mapper, i));
            }
            if (ex != null) {
                sn.set("env", mapper.valueToTree(ex.imageEnv()));
                sn.set("buildArgs", mapper.valueToTree(ex.buildArgs()));
            }
        }
        ArrayNode warnings = root.putArray("warnings");
        for (ParseWarning w : df.warnings()) {
            ObjectNode wn = warnings.addObject();
            wn.put("rule", w.rule());
            wn.put("message", w.message());
            wn.set("range", range(mapper, w.range()));
        }
        return mapper.writeValueAsString(root);
    }

    /** Every record component in declaration order, with the instruction's name first. */
    private static ObjectNode instruction(ObjectMapper mapper, Instruction i) {
        ObjectNode n = mapper.createObjectNode();
        n.put("instruction", i.name());
        for (RecordComponent c : i.getClass().getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(i);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (value instanceof SourceRange r) {
                n.set(c.getName(), range(mapper, r));
            } else if (value instanceof Duration d) {
                n.put(c.getName(), d.toString());
            } else if (value instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Duration) {
                n.set(c.getName(), mapper.valueToTree(list.stream().map(Object::toString).toList()));
            } else {
                n.set(c.getName(), mapper.valueToTree(value));
            }
        }
        return n;
    }

    private static ObjectNode range(ObjectMapper mapper, SourceRange r) {
        ObjectNode n = mapper.createObjectNode();
        n.put("startLine", r.startLine());
        n.put("startColumn", r.startColumn());
        n.put("endLine", r.endLine());
        return n;
    }
}
