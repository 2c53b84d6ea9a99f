package dev.jbuild.maven;

import dev.jbuild.core.output.ImagePusher;
import dev.jbuild.core.output.Publication;
import dev.jbuild.oci.Digest;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;
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
            throw new MojoExecutionException("jbuild: " + e.getMessage() + " (set tags)");
        }
        Digest digest = builtDigest();
        RegistryOptions registry = registryOptions();
        Store store = openStore();
        try {
            if (!store.blobs().has(digest)) {
                throw new MojoExecutionException("jbuild: the image " + digest + " is not in the store " + store.root()
                        + ": run jbuild:build first, with the same root");
            }
            for (Publication.Push p : publication.pushes()) {
                push(registry, store, p, digest, getLog());
            }
        } catch (RegistryException e) {
            throw new MojoFailureException("jbuild: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MojoExecutionException("jbuild: " + e, e);
        }
    }

    private Digest builtDigest() throws MojoExecutionException {
        String fromBuild = project.getProperties().getProperty(DIGEST_PROPERTY);
        if (fromBuild != null) {
            return Digest.parse(fromBuild);
        }
        if (!Files.exists(digestFile.toPath())) {
            throw new MojoExecutionException("jbuild: no image to push: " + digestFile
                    + " is missing (run jbuild:build first, e.g. mvn package jbuild:push)");
        }
        try {
            return ImageDigest.read(digestFile.toPath());
        } catch (IOException e) {
            throw new MojoExecutionException("jbuild: " + e.getMessage(), e);
        }
    }

    /** Pushes one repository's tags, docker push's lines going to the log. */
    static void push(RegistryOptions registry, Store store, Publication.Push p, Digest digest, Log log)
            throws IOException {
        ImagePusher.push(registry, store, p.repository(), p.tags(), digest, line -> log.info(line));
    }
}
