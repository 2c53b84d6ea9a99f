package dev.jbuild.cli;

import dev.jbuild.registry.DockerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jbuild logout [REGISTRY]}: removes the stored credentials, as {@code docker logout} does. */
@Command(name = "logout", mixinStandardHelpOptions = true,
        description = "Log out from a registry (default: Docker Hub): remove its credentials from docker's config.json"
                + " (and its credential helper).")
final class LogoutCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "REGISTRY", description = "host[:port] (default: docker.io).")
    String server;

    @Option(names = "--config", paramLabel = "DIR",
            description = "The location of docker's client config.json (default: $DOCKER_CONFIG, else ~/.docker).")
    Path config;

    @Spec
    CommandSpec spec;

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
