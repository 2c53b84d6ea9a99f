package dev.jbuild.gradle;

import dev.jbuild.registry.Credentials;
import dev.jbuild.registry.DockerConfig;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Store;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gradle.api.DefaultTask;
import org.gradle.api.GradleException;

/** What jbuildBuild and jbuildPush share: the settings, the store, and how registries are reached. */
public abstract class JbuildTask extends DefaultTask {
    JbuildExtension settings() {
        return getProject().getExtensions().getByType(JbuildExtension.class);
    }

    Store openStore() {
        File root = settings().getRoot();
        Path r = root != null ? root.toPath() : Store.defaultRoot();
        try {
            return Store.open(r);
        } catch (IOException e) {
            throw new GradleException("jbuild: cannot open the store " + r + ": " + e.getMessage(), e);
        }
    }

    /** The jbuild { credentials } first, then docker's config.json. */
    RegistryOptions registryOptions() {
        JbuildExtension s = settings();
        RegistryOptions.Builder b = RegistryOptions.builder().insecureRegistries(s.getInsecureRegistries())
                .dockerConfigDirectory(s.getDockerConfig() != null ? s.getDockerConfig().toPath()
                        : DockerConfig.defaultDir())
                .userAgent("jbuild-gradle-plugin");
        File ca = s.getCaCert();
        if (ca != null) {
            if (!ca.canRead()) {
                throw new GradleException("jbuild: caCert: cannot read " + ca);
            }
            b.caFile(ca.toPath());
        }
        for (Map.Entry<String, List<String>> e : s.getCredentials().entrySet()) {
            b.credentials(e.getKey(), Credentials.basic(e.getValue().get(0), e.getValue().get(1)));
        }
        return b.build();
    }

    void log(String line) {
        getLogger().lifecycle(line);
    }
}
