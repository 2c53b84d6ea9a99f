package dev.jbuild.cli;

import dev.jbuild.registry.DockerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jbuild logout [REGISTRY]}: removes the stored credentials, as {@code docker logout} does. */
final class LogoutCommand implements Callable<Integer> {
    String server;

    Path config;

    final CommandSpec spec;

    LogoutCommand() {
        spec = Specs.command(this, "logout",
                "Log out from a registry (default: Docker Hub): remove its credentials from docker's config.json "
                        + "(and its credential helper).");
        Specs.addPositional(spec, Specs.parameter(String.class, () -> server, v -> server = v)
                .index("0")
                .arity("0..1")
                .paramLabel("REGISTRY")
                .description("host[:port] (default: docker.io)."));
        spec.addOption(Specs.option(Path.class, () -> config, v -> config = v, "--config")
                .paramLabel("DIR")
                .description("The location of docker's client config.json (default: $DOCKER_CONFIG, else"
                        + " ~/.docker).").build());
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            String host = Registries.registryHost(server);
            DockerConfig dc = DockerConfig.load(config != null ? config
                    : RegistryFlags.inherited != null ? RegistryFlags.inherited.configDirectory() : DockerConfig.defaultDir());
            String shown = DockerConfig.serverAddress(host);
            boolean helper = dc.helperName(host).isPresent();
            if (!helper && dc.credentials(host).isEmpty()) {
                out.println("Not logged in to " + shown);
                return 0;
            }
            out.println("Removing login credentials for " + shown);
            dc.erase(host);
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            err.println("jbuild: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
