package dev.jbuild.cli;

import dev.jbuild.registry.DockerConfig;
import dev.jbuild.registry.ProgressListener;
import dev.jbuild.registry.RegistryOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How registries are reached, for build, pull, push and login: {@code --insecure-registry}, {@code --tls-ca-cert}
 * and {@code --config} (docker's client configuration directory, else {@code $DOCKER_CONFIG}, else
 * {@code ~/.docker}). TLS certificates of {@code /etc/docker/certs.d/HOST:PORT/} are used as docker uses them.
 */
final class RegistryFlags {
    List<String> insecureRegistries = new ArrayList<>();

    Path caCert;

    Path config;

    /** Adds the registry options to a command. */
    void addTo(CommandSpec spec) {
        spec.addOption(Specs.listOption(() -> insecureRegistries, v -> insecureRegistries = v, "--insecure-registry")
                .paramLabel("HOST[:PORT]")
                .description("A registry (or CIDR range) reached without verifying its TLS certificate, or over plain"
                        + " HTTP when it does not speak TLS (repeatable; loopback registries may always use plain"
                        + " HTTP).").build());
        spec.addOption(Specs.option(Path.class, () -> caCert, v -> caCert = v, "--tls-ca-cert").paramLabel("FILE")
                .description("PEM CA certificates to trust for registries, besides the system's and certs.d's.")
                .build());
        spec.addOption(Specs.option(Path.class, () -> config, v -> config = v, "--config").paramLabel("DIR")
                .description("The location of docker's client config.json (default: $DOCKER_CONFIG, else ~/.docker).")
                .build());
    }

    /**
     * {@code jbuild --config DIR SUBCOMMAND} (docker's global option's place): the top-level values, for
     * subcommands not given their own.
     */
    static volatile RegistryFlags inherited;

    private RegistryFlags parent() {
        RegistryFlags p = inherited;
        return p == this ? null : p;
    }

    /** The configuration directory: {@code --config}, else {@code $DOCKER_CONFIG}, else {@code ~/.docker}. */
    Path configDirectory() {
        RegistryFlags p = parent();
        Path c = config != null ? config : p != null ? p.config : null;
        return c != null ? c : DockerConfig.defaultDir();
    }

    /** The client options; IllegalArgumentException for an unreadable CA file. */
    RegistryOptions options(ProgressListener listener) {
        RegistryFlags p = parent();
        Path caCert = this.caCert != null ? this.caCert : p != null ? p.caCert : null;
        RegistryOptions.Builder b = RegistryOptions.builder().insecureRegistries(insecureRegistries)
                .dockerConfigDirectory(configDirectory()).progressListener(listener)
                .userAgent("jbuild/" + Main.version());
        if (p != null) {
            b.insecureRegistries(p.insecureRegistries);
        }
        if (caCert != null) {
            if (!Files.isReadable(caCert)) {
                throw new IllegalArgumentException("--tls-ca-cert: cannot read " + caCert);
            }
            b.caFile(caCert);
        }
        return b.build();
    }
}
