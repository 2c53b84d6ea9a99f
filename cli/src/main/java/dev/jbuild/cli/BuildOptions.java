package dev.jbuild.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The options of a build, shared by {@code jbuild build} and the bare {@code jbuild -t NAME CONTEXT}. */
final class BuildOptions {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CONTEXT", description = "The build context directory.")
    Path context;

    @Option(names = {"-t", "--tag"}, paramLabel = "NAME[:TAG]", description = "Tag the image in the local store (repeatable).")
    List<String> tags = new ArrayList<>();

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The Dockerfile (default: CONTEXT/Dockerfile).")
    Path file;

    @Option(names = "--build-arg", paramLabel = "KEY[=VALUE]",
            description = "A build arg; KEY alone takes the value of the environment variable (repeatable).")
    List<String> buildArgs = new ArrayList<>();

    @Option(names = "--target", paramLabel = "STAGE", description = "Build this stage instead of the last.")
    String target;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "The target platform (default: this machine's).")
    String platform;

    @Option(names = {"-o", "--output"}, paramLabel = "type=TYPE[,dest=PATH]",
            description = {"Also export the result: type=oci|docker|local|tar with dest=PATH, or",
                "type=image,name=REF[,name=REF2][,push=true] (type=registry: push=true) as buildx (repeatable)."})
    List<String> outputs = new ArrayList<>();

    @Option(names = "--push", description = "Push the image to its registry under every -t tag after the build.")
    boolean push;

    @Option(names = "--pull", description = "Check the registry of every image the build names for a newer version of"
            + " its tag, and pull it (images the local store lacks are always pulled).")
    boolean pull;

    @Mixin
    RegistryFlags registry = new RegistryFlags();

    @Option(names = "--compression", paramLabel = "gzip|zstd|none", defaultValue = "gzip",
            description = "Layer compression (default: gzip).")
    String compression;

    @Option(names = "--format", paramLabel = "oci|docker", defaultValue = "oci",
            description = "Image media types: OCI (default) or Docker schema 2.")
    String format;

    @Option(names = "--annotation", paramLabel = "KEY=VALUE", description = "An OCI annotation on the manifest (repeatable).")
    List<String> annotations = new ArrayList<>();

    @Option(names = "--runtime", paramLabel = "native|runc|crun|PATH", defaultValue = "native",
            description = "How RUN steps run: the embedded helper (default) or an OCI runtime.")
    String runtime;

    @Option(names = "--network", paramLabel = "default|host|none", defaultValue = "default",
            description = "The network of RUN steps that do not set --network (default: the host's).")
    String network;

    @Option(names = "--secret", paramLabel = "id=ID[,src=FILE|,env=VAR]",
            description = "A secret for RUN --mount=type=secret (repeatable); never stored in the image.")
    List<String> secrets = new ArrayList<>();

    @Option(names = "--ssh", paramLabel = "ID[=SOCKET]",
            description = "An SSH agent socket for RUN --mount=type=ssh (default: $SSH_AUTH_SOCK).")
    List<String> ssh = new ArrayList<>();

    @Option(names = "--allow", paramLabel = "ENTITLEMENT", description = "Allow an entitlement: security.insecure (RUN --security=insecure), network.host (RUN --network=host).")
    List<String> allow = new ArrayList<>();

    @Option(names = "--no-cache", description = "Run every step; the results still go into the cache.")
    boolean noCache;

    @Option(names = "--no-cache-filter", paramLabel = "STAGE[,STAGE]",
            description = "Run every step of these stages (names or indexes).")
    List<String> noCacheFilter = new ArrayList<>();

    @Option(names = "--cache-from", paramLabel = "type=registry,ref=REF|type=local,src=DIR|IMAGE",
            description = "Import a cache: a cache artifact in a registry or a directory, or an image's inline"
                    + " cache (repeatable). Layers are fetched only when a step needs them.")
    List<String> cacheFrom = new ArrayList<>();

    @Option(names = "--cache-to", paramLabel = "type=registry,ref=REF|type=local,dest=DIR|type=inline",
            description = "Export this build's cache (repeatable); mode=min (the image's steps, default) or mode=max"
                    + " (every stage's), mounts=true (RUN --mount=type=cache directories too), ignore-error=true.")
    List<String> cacheTo = new ArrayList<>();

    @Option(names = "--explain", description = "For every step that runs, say which input differs from the cache.")
    boolean explain;

    @Option(names = {"-q", "--quiet"}, description = "Print only the image id.")
    boolean quiet;

    @Option(names = "--progress", paramLabel = "auto|tty|plain|quiet|rawjson", defaultValue = "auto",
            description = {"How to show the build on stderr: tty (a live view), plain (one line per event), quiet,",
                "rawjson (one JSON event per line); auto (default): tty on a terminal, else plain."})
    String progress;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N",
            description = "Build at most N stages at once (default: the number of processors).")
    Integer jobs;

    @Option(names = "--metadata-file", paramLabel = "FILE",
            description = "Write the image digest, its names and every step (cached or not, its time) as JSON to FILE.")
    Path metadataFile;

    @Option(names = "--iidfile", paramLabel = "FILE", description = "Write the image id to FILE.")
    Path iidfile;
}
