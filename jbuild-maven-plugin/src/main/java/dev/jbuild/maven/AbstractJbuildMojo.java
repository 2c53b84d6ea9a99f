package dev.jbuild.maven;

import dev.jbuild.registry.DockerConfig;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Store;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/** What the build and push goals share: the project, the store, how registries are reached, and skip. */
abstract class AbstractJbuildMojo extends AbstractMojo {
    /** The project property that holds the digest of the image jbuild:build made (its manifest digest). */
    static final String DIGEST_PROPERTY = "jbuild.image.digest";
    /** The project property that holds the image id (its config digest), as {@code docker images} shows it. */
    static final String ID_PROPERTY = "jbuild.image.id";

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    MavenSession session;

    @Parameter(defaultValue = "${settings}", readonly = true, required = true)
    Settings settings;

    @Component
    SettingsDecrypter settingsDecrypter;

    /** Skip the goal. */
    @Parameter(property = "jbuild.skip", defaultValue = "false")
    boolean skip;

    /**
     * The names to tag the image with ({@code NAME[:TAG]}, e.g. {@code registry.example.com/team/app:${project.version}});
     * jbuild:push pushes every one. User property: comma-separated.
     */
    @Parameter(property = "jbuild.tags")
    List<String> tags = new ArrayList<>();

    /**
     * Registries ({@code HOST[:PORT]} or a CIDR range) reached without verifying their TLS certificate, or over
     * plain HTTP when they do not speak TLS (loopback registries may always use plain HTTP). User property:
     * comma-separated.
     */
    @Parameter(property = "jbuild.insecureRegistries")
    List<String> insecureRegistries = new ArrayList<>();

    /** PEM CA certificates to trust for registries, besides the system's and /etc/docker/certs.d's. */
    @Parameter(property = "jbuild.caCert")
    File caCert;

    /**
     * The directory of docker's {@code config.json}, for the credentials settings.xml does not give (default:
     * {@code $DOCKER_CONFIG}, else {@code ~/.docker}).
     */
    @Parameter(property = "jbuild.dockerConfig")
    File dockerConfig;

    /**
     * jbuild's state directory: the image store and build cache, shared with the {@code jbuild} command (default:
     * {@code $JBUILD_ROOT}, else {@code $XDG_DATA_HOME/jbuild}, else {@code ~/.local/share/jbuild}).
     */
    @Parameter(property = "jbuild.root")
    File root;

    /** Where the digest of the built image is written. */
    @Parameter(property = "jbuild.digestFile", defaultValue = "${project.build.directory}/jbuild/image.digest")
    File digestFile;

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("jbuild: skipped (jbuild.skip)");
            return;
        }
        run();
    }

    abstract void run() throws MojoExecutionException, MojoFailureException;

    Store openStore() throws MojoExecutionException {
        Path r = root != null ? root.toPath() : Store.defaultRoot();
        try {
            return Store.open(r);
        } catch (IOException e) {
            throw new MojoExecutionException("jbuild: cannot open the store " + r + ": " + e.getMessage(), e);
        }
    }

    /** How registries are reached: settings.xml's server credentials first, then docker's config.json. */
    RegistryOptions registryOptions() throws MojoExecutionException {
        RegistryOptions.Builder b = RegistryOptions.builder().insecureRegistries(insecureRegistries)
                .dockerConfigDirectory(dockerConfig != null ? dockerConfig.toPath() : DockerConfig.defaultDir())
                .userAgent("jbuild-maven-plugin/" + version());
        if (caCert != null) {
            if (!Files.isReadable(caCert.toPath())) {
                throw new MojoExecutionException("jbuild: caCert: cannot read " + caCert);
            }
            b.caFile(caCert.toPath());
        }
        ServerCredentials.addTo(b, settings, settingsDecrypter, getLog());
        return b.build();
    }

    /** A user property (command line -D, then the session's system properties); null when unset. */
    String userProperty(String name) {
        Properties user = session.getUserProperties();
        String v = user.getProperty(name);
        return v != null ? v : session.getSystemProperties().getProperty(name);
    }

    private static String version() {
        Package p = AbstractJbuildMojo.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
