package dev.jbuild.maven;

import dev.jbuild.core.output.ImageBuild;
import dev.jbuild.core.output.Publication;
import dev.jbuild.oci.Digest;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import java.io.IOException;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Pushes the image jbuild:build made (the digest of {@code jbuild.image.digest}, else of
 * {@code target/jbuild/image.digest}) to the registry of each of its tags. Credentials come from settings.xml's
 * {@code <server>} whose id is the registry, then docker's {@code config.json}.
 */
@Mojo(name = "push", defaultPhase = LifecyclePhase.DEPLOY, threadSafe = true)
public class PushMojo extends AbstractJbuildMojo {
    @Override
    void run() throws MojoExecutionException, MojoFailureException {
        Publication publication;
        try {
            publication = Publication.of(tags, true, List.of());
        } catch (IllegalArgumentException e) {
            throw new MojoExecutionException("jbuild: " + e.getMessage() + " (set tags)", e);
        }
        RegistryOptions registry = registryOptions();
        try {
            String fromBuild = project.getProperties().getProperty(DIGEST_PROPERTY);
            Digest digest = fromBuild != null ? Digest.parse(fromBuild) : ImageBuild.readDigest(digestFile.toPath());
            ImageBuild.push(openStore(), digest, publication, registry, line -> getLog().info(line));
        } catch (RegistryException e) {
            throw new MojoFailureException("jbuild: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MojoExecutionException("jbuild: " + e.getMessage(), e);
        }
    }
}
