package dev.jbuild.gradle;

import dev.jbuild.core.output.ImageBuild;
import dev.jbuild.core.output.Publication;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.util.List;
import org.gradle.api.GradleException;
import org.gradle.api.tasks.TaskAction;

/** jbuildPush: pushes the image jbuildBuild made (build/jbuild/image.digest) to the registry of each tag. */
public class PushTask extends JbuildTask {
    @TaskAction
    public void push() {
        JbuildExtension s = settings();
        try {
            Publication publication = Publication.of(s.getTags(), true, List.of());
            Digest digest = ImageBuild.readDigest(s.getDigestFile().toPath());
            ImageBuild.push(openStore(), digest, publication, registryOptions(), this::log);
        } catch (IllegalArgumentException e) {
            throw new GradleException("jbuild: " + e.getMessage() + " (set jbuild { tags })", e);
        } catch (IOException e) {
            throw new GradleException("jbuild: " + e.getMessage(), e);
        }
    }
}
