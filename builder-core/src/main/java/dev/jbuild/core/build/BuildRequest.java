package dev.jbuild.core.build;

import dev.jbuild.oci.Platform;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Compression;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What to build.
 *
 * @param dockerfile      the Dockerfile, or null for {@code CONTEXT/Dockerfile}
 * @param tags            references to tag the result with in the local store (may be empty)
 * @param buildArgs       {@code --build-arg} values, already taken from the environment where asked
 * @param target          the stage to build, or null for the last
 * @param platform        the target platform
 * @param dockerFormat    Docker schema 2 media types instead of OCI
 * @param sourceDateEpoch SOURCE_DATE_EPOCH: clamps file times and fixes every timestamp; null when unset
 * @param progress        receives one line per step
 * @param annotations     OCI annotations for the manifest ({@code --annotation}); not with dockerFormat
 * @param run             how RUN steps run (runtime, network, secrets, ssh, entitlements)
 * @param registry        how to reach registries: an image that FROM, {@code COPY --from} or {@code RUN --mount from=}
 *                        names and the local store lacks is pulled with these options; null: the local store only
 * @param pull            {@code --pull}: every image named by tag is checked against its registry, and pulled again
 *                        when the tag moved (needs {@code registry})
 * @param cache           how the build cache is used ({@code --no-cache}, {@code --no-cache-filter}, {@code --explain})
 */
public record BuildRequest(Path context, Path dockerfile, List<String> tags, Map<String, String> buildArgs,
        String target, Platform platform, Compression compression, boolean dockerFormat, Instant sourceDateEpoch,
        Consumer<String> progress, Map<String, String> annotations, RunOptions run, RegistryOptions registry,
        boolean pull, CacheOptions cache) {
    public BuildRequest {
        cache = cache == null ? CacheOptions.DEFAULT : cache;
        tags = List.copyOf(tags);
        buildArgs = Map.copyOf(buildArgs);
        progress = progress == null ? s -> { } : progress;
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        run = run == null ? RunOptions.DEFAULT : run;
        if (pull && registry == null) {
            throw new IllegalArgumentException("pull needs registry options");
        }
    }

    public BuildRequest(Path context, Path dockerfile, List<String> tags, Map<String, String> buildArgs,
            String target, Platform platform, Compression compression, boolean dockerFormat, Instant sourceDateEpoch,
            Consumer<String> progress, Map<String, String> annotations, RunOptions run, RegistryOptions registry,
            boolean pull) {
        this(context, dockerfile, tags, buildArgs, target, platform, compression, dockerFormat, sourceDateEpoch,
                progress, annotations, run, registry, pull, CacheOptions.DEFAULT);
    }

    /** A build that uses only images of the local store (no registry). */
    public BuildRequest(Path context, Path dockerfile, List<String> tags, Map<String, String> buildArgs,
            String target, Platform platform, Compression compression, boolean dockerFormat, Instant sourceDateEpoch,
            Consumer<String> progress, Map<String, String> annotations, RunOptions run) {
        this(context, dockerfile, tags, buildArgs, target, platform, compression, dockerFormat, sourceDateEpoch,
                progress, annotations, run, null, false);
    }

    public BuildRequest(Path context, Path dockerfile, List<String> tags, Map<String, String> buildArgs,
            String target, Platform platform, Compression compression, boolean dockerFormat, Instant sourceDateEpoch,
            Consumer<String> progress, Map<String, String> annotations) {
        this(context, dockerfile, tags, buildArgs, target, platform, compression, dockerFormat, sourceDateEpoch,
                progress, annotations, RunOptions.DEFAULT);
    }

    public BuildRequest(Path context, Path dockerfile, List<String> tags, Map<String, String> buildArgs,
            String target, Platform platform, Compression compression, boolean dockerFormat, Instant sourceDateEpoch,
            Consumer<String> progress) {
        this(context, dockerfile, tags, buildArgs, target, platform, compression, dockerFormat, sourceDateEpoch,
                progress, Map.of());
    }

    public Path dockerfilePath() {
        return dockerfile != null ? dockerfile : context.resolve("Dockerfile");
    }
}
