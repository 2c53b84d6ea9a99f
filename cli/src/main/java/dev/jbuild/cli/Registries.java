package dev.jbuild.cli;

import dev.jbuild.core.output.ImagePusher;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.MediaType;
import dev.jbuild.registry.DockerConfig;
import dev.jbuild.registry.ProgressListener;
import dev.jbuild.registry.PushResult;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;

/** What pull, push, login and the build's --push share: docker's progress lines and registry names. */
final class Registries {
    private Registries() {}

    private static final Set<String> DOCKER_HUB_HOSTS = Set.of("docker.io", "index.docker.io",
            "registry-1.docker.io", "registry.hub.docker.com");

    /** Whether the user wrote a tag or digest ({@link ImageReference#parse} adds {@code latest} when not). */
    static boolean tagGiven(String input) {
        String s = input.trim();
        return s.contains("@") || s.substring(s.lastIndexOf('/') + 1).contains(":");
    }

    /** The short id docker shows for a blob: 12 hex digits. */
    static String shortId(Digest d) {
        return ImagePusher.shortId(d);
    }

    /**
     * A registry as login and logout name it: {@code host[:port]} without scheme or path, lower case; Docker Hub's
     * names (and docker's {@code https://index.docker.io/v1/}) as {@code docker.io}; none means Docker Hub.
     */
    static String registryHost(String s) {
        if (s == null || s.isBlank()) {
            return ImageReference.DOCKER_HUB;
        }
        String h = DockerConfig.hostOf(s.trim());
        if (h.isEmpty()) {
            throw new IllegalArgumentException("invalid registry \"" + s + "\"");
        }
        return DOCKER_HUB_HOSTS.contains(h) ? ImageReference.DOCKER_HUB : h;
    }

    /** docker pull's lines: "ID: Already exists" / "ID: Pull complete", one per layer as it finishes. */
    static ProgressListener pullListener(PrintWriter out) {
        return new ProgressListener() {
            @Override
            public void finished(Descriptor blob, Outcome outcome) {
                if (!MediaType.isLayer(blob.mediaType())) {
                    return;
                }
                String what = outcome == Outcome.EXISTS ? "Already exists" : "Pull complete";
                synchronized (out) {
                    out.println(shortId(blob.digest()) + ": " + what);
                    out.flush();
                }
            }
        };
    }

    /**
     * Pushes {@code digest} of the store to {@code repository} under {@code tags} (by digest when empty), printing
     * docker push's lines on {@code out} (none when null).
     */
    static PushResult push(RegistryOptions options, Store store, ImageReference repository, List<String> tags,
            Digest digest, PrintWriter out) throws IOException {
        return ImagePusher.push(options, store, repository, tags, digest, out == null ? null : line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        });
    }
}
