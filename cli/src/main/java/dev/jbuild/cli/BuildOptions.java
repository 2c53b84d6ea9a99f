package dev.jbuild.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** The options of a build, shared by {@code jbuild build} and the bare {@code jbuild -t NAME CONTEXT}. */
final class BuildOptions {
    Path context;

    List<String> tags = new ArrayList<>();

    Path file;

    List<String> buildArgs = new ArrayList<>();

    String target;

    String platform;

    List<String> outputs = new ArrayList<>();

    boolean push;

    boolean pull;

    RegistryFlags registry = new RegistryFlags();

    String compression;

    String format;

    List<String> annotations = new ArrayList<>();

    String runtime;

    String network;

    List<String> secrets = new ArrayList<>();

    List<String> ssh = new ArrayList<>();

    List<String> allow = new ArrayList<>();

    boolean noCache;

    List<String> noCacheFilter = new ArrayList<>();

    List<String> cacheFrom = new ArrayList<>();

    List<String> cacheTo = new ArrayList<>();

    boolean explain;

    boolean quiet;

    String progress;

    Integer jobs;

    Path metadataFile;

    Path iidfile;

    /** Adds these options to a command. */
    void addTo(CommandSpec spec) {
        Specs.addPositional(spec, Specs.parameter(Path.class, () -> context, v -> context = v)
                .index("0")
                .arity("0..1")
                .paramLabel("CONTEXT")
                .description("The build context directory."));
        spec.addOption(Specs.listOption(() -> tags, v -> tags = v, "-t", "--tag")
                .paramLabel("NAME[:TAG]")
                .description("Tag the image in the local store (repeatable).").build());
        spec.addOption(Specs.option(Path.class, () -> file, v -> file = v, "-f", "--file")
                .paramLabel("FILE")
                .description("The Dockerfile (default: CONTEXT/Dockerfile).").build());
        spec.addOption(Specs.listOption(() -> buildArgs, v -> buildArgs = v, "--build-arg")
                .paramLabel("KEY[=VALUE]")
                .description("A build arg; KEY alone takes the value of the environment variable"
                        + " (repeatable).").build());
        spec.addOption(Specs.option(String.class, () -> target, v -> target = v, "--target")
                .paramLabel("STAGE")
                .description("Build this stage instead of the last.").build());
        spec.addOption(Specs.option(String.class, () -> platform, v -> platform = v, "--platform")
                .paramLabel("OS/ARCH[/VARIANT]")
                .description("The target platform (default: this machine's).").build());
        spec.addOption(Specs.listOption(() -> outputs, v -> outputs = v, "-o", "--output")
                .paramLabel("type=TYPE[,dest=PATH]")
                .description("Also export the result: type=oci|docker|local|tar with dest=PATH, or",
                        "type=image,name=REF[,name=REF2][,push=true] (type=registry: push=true) as buildx (repeatable).")
                .build());
        spec.addOption(Specs.option(boolean.class, () -> push, v -> push = v, "--push")
                .description("Push the image to its registry under every -t tag after the build.").build());
        spec.addOption(Specs.option(boolean.class, () -> pull, v -> pull = v, "--pull")
                .description("Check the registry of every image the build names for a newer version of its tag, and"
                        + " pull it (images the local store lacks are always pulled).").build());
        registry.addTo(spec);
        spec.addOption(Specs.option(String.class, () -> compression, v -> compression = v, "--compression")
                .paramLabel("gzip|zstd|none")
                .defaultValue("gzip")
                .description("Layer compression (default: gzip).").build());
        spec.addOption(Specs.option(String.class, () -> format, v -> format = v, "--format")
                .paramLabel("oci|docker")
                .defaultValue("oci")
                .description("Image media types: OCI (default) or Docker schema 2.").build());
        spec.addOption(Specs.listOption(() -> annotations, v -> annotations = v, "--annotation")
                .paramLabel("KEY=VALUE")
                .description("An OCI annotation on the manifest (repeatable).").build());
        spec.addOption(Specs.option(String.class, () -> runtime, v -> runtime = v, "--runtime")
                .paramLabel("native|runc|crun|PATH")
                .defaultValue("native")
                .description("How RUN steps run: the embedded helper (default) or an OCI runtime.").build());
        spec.addOption(Specs.option(String.class, () -> network, v -> network = v, "--network")
                .paramLabel("default|host|none")
                .defaultValue("default")
                .description("The network of RUN steps that do not set --network (default: the host's).").build());
        spec.addOption(Specs.listOption(() -> secrets, v -> secrets = v, "--secret")
                .paramLabel("id=ID[,src=FILE|,env=VAR]")
                .description("A secret for RUN --mount=type=secret (repeatable); never stored in the image.").build());
        spec.addOption(Specs.listOption(() -> ssh, v -> ssh = v, "--ssh")
                .paramLabel("ID[=SOCKET]")
                .description("An SSH agent socket for RUN --mount=type=ssh (default: $SSH_AUTH_SOCK).").build());
        spec.addOption(Specs.listOption(() -> allow, v -> allow = v, "--allow")
                .paramLabel("ENTITLEMENT")
                .description("Allow an entitlement: security.insecure (RUN --security=insecure), network.host (RUN"
                        + " --network=host).").build());
        spec.addOption(Specs.option(boolean.class, () -> noCache, v -> noCache = v, "--no-cache")
                .description("Run every step; the results still go into the cache.").build());
        spec.addOption(Specs.listOption(() -> noCacheFilter, v -> noCacheFilter = v, "--no-cache-filter")
                .paramLabel("STAGE[,STAGE]")
                .description("Run every step of these stages (names or indexes).").build());
        spec.addOption(Specs.listOption(() -> cacheFrom, v -> cacheFrom = v, "--cache-from")
                .paramLabel("type=registry,ref=REF|type=local,src=DIR|IMAGE")
                .description("Import a cache: a cache artifact in a registry or a directory, or an image's inline"
                        + " cache (repeatable). Layers are fetched only when a step needs them.").build());
        spec.addOption(Specs.listOption(() -> cacheTo, v -> cacheTo = v, "--cache-to")
                .paramLabel("type=registry,ref=REF|type=local,dest=DIR|type=inline")
                .description("Export this build's cache (repeatable); mode=min (the image's steps, default) or"
                        + " mode=max (every stage's), mounts=true (RUN --mount=type=cache directories too),"
                        + " ignore-error=true.").build());
        spec.addOption(Specs.option(boolean.class, () -> explain, v -> explain = v, "--explain")
                .description("For every step that runs, say which input differs from the cache.").build());
        spec.addOption(Specs.option(boolean.class, () -> quiet, v -> quiet = v, "-q", "--quiet")
                .description("Print only the image id.").build());
        spec.addOption(Specs.option(String.class, () -> progress, v -> progress = v, "--progress")
                .paramLabel("auto|tty|plain|quiet|rawjson")
                .defaultValue("auto")
                .description("How to show the build on stderr: tty (a live view), plain (one line per event), quiet,",
                        "rawjson (one JSON event per line); auto (default): tty on a terminal, else plain.").build());
        spec.addOption(Specs.option(Integer.class, () -> jobs, v -> jobs = v, "-j", "--jobs")
                .paramLabel("N")
                .description("Build at most N stages at once (default: the number of processors).").build());
        spec.addOption(Specs.option(Path.class, () -> metadataFile, v -> metadataFile = v, "--metadata-file")
                .paramLabel("FILE")
                .description("Write the image digest, its names and every step (cached or not, its time) as JSON to"
                        + " FILE.").build());
        spec.addOption(Specs.option(Path.class, () -> iidfile, v -> iidfile = v, "--iidfile")
                .paramLabel("FILE")
                .description("Write the image id to FILE.").build());
    }
}
