package dev.jbuild.core.output;

import dev.jbuild.core.build.BuildException;
import dev.jbuild.core.build.BuildRequest;
import dev.jbuild.core.build.BuildResult;
import dev.jbuild.core.build.Builder;
import dev.jbuild.core.build.CacheOptions;
import dev.jbuild.core.build.RunOptions;
import dev.jbuild.core.build.SourceDateEpoch;
import dev.jbuild.core.cache.CacheSpec;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.Platform;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A build as the build-tool plugins (Maven, Gradle) run it: build into the store, write the outputs, record the
 * image's manifest digest in a file for a later push, then push when asked; every line of progress goes to one
 * log. The CLI, which prints docker's own lines, drives the same parts itself.
 */
public final class ImageBuild {
    private ImageBuild() {}

    /**
     * A build as a plugin's user configures it, every value as the CLI's flag takes it.
     *
     * @param platforms   at most one platform ({@code OS/ARCH[/VARIANT]}); none: this machine's
     * @param outputs     {@code --output} values
     * @param cacheFrom   {@code --cache-from} values
     * @param cacheTo     {@code --cache-to} values
     * @param compression gzip, zstd or none
     * @param runtime     native, runc, crun or the path of an OCI runtime
     */
    public record Parameters(Path context, Path dockerfile, List<String> tags, Map<String, String> buildArgs,
            String target, List<String> platforms, boolean push, List<String> outputs, List<String> cacheFrom,
            List<String> cacheTo, boolean noCache, boolean pull, String compression, String runtime) {
        public Parameters {
            tags = List.copyOf(tags);
            buildArgs = Map.copyOf(buildArgs);
            platforms = platforms.stream().map(String::trim).filter(x -> !x.isEmpty()).distinct().toList();
            outputs = List.copyOf(outputs);
            cacheFrom = List.copyOf(cacheFrom);
            cacheTo = List.copyOf(cacheTo);
        }

        /**
         * The request, outputs and publication of this build; IllegalArgumentException naming the parameter for a
         * bad value.
         */
        public Plan plan(RegistryOptions registry, Consumer<String> progress) {
            if (platforms.size() > 1) {
                throw new IllegalArgumentException("platforms lists " + platforms
                        + ": jbuild builds one platform per build (give one, or none for this machine's)");
            }
            Platform platform;
            try {
                platform = platforms.isEmpty() ? Platform.host() : Platform.parse(platforms.get(0));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("platforms: " + e.getMessage(), e);
            }
            List<OutputSpec> specs = new ArrayList<>();
            for (String o : outputs) {
                specs.add(OutputSpec.parse(o));
            }
            List<CacheSpec> from = new ArrayList<>();
            for (String c : cacheFrom) {
                from.add(CacheSpec.parseFrom(c));
            }
            List<CacheSpec> to = new ArrayList<>();
            for (String c : cacheTo) {
                to.add(CacheSpec.parseTo(c));
            }
            Compression layers;
            try {
                layers = Compression.valueOf(compression.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("compression must be gzip, zstd or none, not \"" + compression
                        + "\"", e);
            }
            if (!Files.isDirectory(context)) {
                throw new IllegalArgumentException("the context directory " + context + " does not exist");
            }
            if (!Files.isRegularFile(dockerfile)) {
                throw new IllegalArgumentException("the Dockerfile " + dockerfile + " does not exist");
            }
            Publication publication = Publication.of(tags, push, specs);
            BuildRequest request = new BuildRequest(context, dockerfile, publication.tags(), buildArgs, target,
                    platform, layers, false, SourceDateEpoch.of(buildArgs), progress, Map.of(),
                    new RunOptions(runtime, "default", Map.of(), Map.of(), Set.of()), registry, pull,
                    new CacheOptions(noCache, Set.of(), false, from, to));
            return new Plan(request, specs, publication);
        }
    }

    /** A checked build: what to build, where its outputs go, what it is named and pushed as. */
    public record Plan(BuildRequest request, List<OutputSpec> outputs, Publication publication) {}

    /** What a build made: the manifest digest (what registries call the image digest), the image id, the tags. */
    public record Result(Digest digest, Digest imageId, List<String> tags) {
        public Result {
            tags = List.copyOf(tags);
        }
    }

    /**
     * Builds the plan's request, exports its outputs, writes the digest to {@code digestFile} and pushes the
     * publication's pushes with {@code registry}.
     */
    public static Result run(Store store, Plan plan, RegistryOptions registry, Path digestFile, Consumer<String> log)
            throws BuildException, IOException {
        BuildRequest request = plan.request();
        List<OutputSpec> outputs = plan.outputs();
        Publication publication = plan.publication();
        BuildResult result = new Builder(store).build(request);
        try (result) {
            Exporter exporter = new Exporter(store, request.sourceDateEpoch());
            for (OutputSpec spec : outputs) {
                exporter.export(spec, result);
                if (spec.dest() != null) {
                    log.accept("jbuild: exported " + spec.type() + " to " + spec.dest());
                }
            }
        }
        Digest digest = result.manifestDescriptor().digest();
        writeDigest(digestFile, digest);
        log.accept("jbuild: image " + digest + " (id " + result.imageId() + ")");
        for (String t : result.tags()) {
            log.accept("jbuild: tagged " + t);
        }
        push(store, digest, publication, registry, log);
        return new Result(digest, result.imageId(), result.tags());
    }

    /** Pushes {@code digest} of the store as {@code publication} says, docker push's lines going to {@code log}. */
    public static void push(Store store, Digest digest, Publication publication, RegistryOptions registry,
            Consumer<String> log) throws IOException {
        if (!publication.pushes().isEmpty() && !store.blobs().has(digest)) {
            throw new IOException("the image " + digest + " is not in the store " + store.root()
                    + ": build it first, with the same store");
        }
        for (Publication.Push p : publication.pushes()) {
            ImagePusher.push(registry, store, p.repository(), p.tags(), digest, log);
        }
    }

    /** Writes the digest file (replacing it whole, so a reader never sees half of one). */
    public static void writeDigest(Path file, Digest digest) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".image.digest", ".tmp");
        Files.writeString(tmp, digest + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The digest a build wrote to {@code file}; IOException when it is missing or holds none. */
    public static Digest readDigest(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("no image to push: " + file + " is missing (build the image first)");
        }
        String s = Files.readString(file, StandardCharsets.UTF_8).trim();
        try {
            return Digest.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " holds no image digest: \"" + s + "\"");
        }
    }
}
