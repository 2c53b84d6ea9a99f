package dev.jbuild.gradle;

import dev.jbuild.core.build.BuildException;
import dev.jbuild.core.output.ImageBuild;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Store;
import java.io.IOException;
import org.gradle.api.GradleException;
import org.gradle.api.tasks.TaskAction;

/**
 * jbuildBuild: builds the Dockerfile into jbuild's store, tags it, writes the outputs, pushes when asked, and
 * records the digest in {@code build/jbuild/image.digest} and the extra property {@code jbuild.image.digest}.
 */
public class BuildTask extends JbuildTask {
    @TaskAction
    public void build() {
        JbuildExtension s = settings();
        RegistryOptions registry = registryOptions();
        ImageBuild.Plan plan;
        try {
            plan = new ImageBuild.Parameters(s.getContextDirectory().toPath(), s.getDockerfile().toPath(),
                    s.getTags(), s.getBuildArgs(), s.getTarget(), s.getPlatforms(), s.isPush(), s.getOutputs(),
                    s.getCacheFrom(), s.getCacheTo(), s.isNoCache(), s.isPull(), s.getCompression(), s.getRuntime())
                    .plan(registry, this::log);
        } catch (IllegalArgumentException e) {
            throw new GradleException("jbuild: " + e.getMessage(), e);
        }
        Store store = openStore();
        log("jbuild: building " + s.getDockerfile() + " (context " + s.getContextDirectory() + ")");
        try {
            ImageBuild.Result r = ImageBuild.run(store, plan, registry, s.getDigestFile().toPath(), this::log);
            getProject().getExtensions().getExtraProperties().set("jbuild.image.digest", r.digest().toString());
            getProject().getExtensions().getExtraProperties().set("jbuild.image.id", r.imageId().toString());
        } catch (BuildException | RegistryException e) {
            // The message names the Dockerfile line, and for RUN the step's last lines of output.
            throw new GradleException("jbuild: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GradleException("jbuild: " + e, e);
        }
    }
}
