package dev.jbuild.maven;

import dev.jbuild.testdata.SampleBuilds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs real {@code mvn} on a sample project, as a user would: the plugin comes from the repository that
 * maven-invoker-plugin's install goal filled under target/ (never ~/.m2, which other builds share), and what else
 * the build needs is read from the outer build's local repository (as a file:// repository, so it is not written
 * to) or Maven Central.
 */
final class MavenRun {
    private MavenRun() {}

    static final Path MODULE = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    static final Path IT_REPO = Path.of(SampleBuilds.required("jbuild.it.repo"));
    static final Path OUTER_REPO = Path.of(SampleBuilds.required("jbuild.it.outerRepo"));
    static final String VERSION = SampleBuilds.required("jbuild.it.version");

    /**
     * settings.xml for the sample builds: the outer local repository as a read-only remote, and {@code servers}
     * (already XML) as given.
     */
    static Path settings(Path dir, String servers) throws IOException {
        String repo = "<id>outer-local</id><url>" + OUTER_REPO.toUri() + "</url>"
                + "<releases><enabled>true</enabled><checksumPolicy>ignore</checksumPolicy></releases>"
                + "<snapshots><enabled>false</enabled></snapshots>";
        Path file = dir.resolve("settings.xml");
        Files.createDirectories(dir);
        Files.writeString(file, "<settings>\n"
                + "  <servers>" + servers + "</servers>\n"
                + "  <profiles><profile><id>it</id>\n"
                + "    <repositories><repository>" + repo + "</repository></repositories>\n"
                + "    <pluginRepositories><pluginRepository>" + repo + "</pluginRepository></pluginRepositories>\n"
                + "  </profile></profiles>\n"
                + "  <activeProfiles><activeProfile>it</activeProfile></activeProfiles>\n"
                + "</settings>\n", StandardCharsets.UTF_8);
        return file;
    }

    /** {@code mvn -B ARGS} in {@code project}. */
    static SampleBuilds.Result mvn(Path project, Path settings, List<String> args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-s", settings.toString(),
                "-Dmaven.repo.local=" + IT_REPO, "-Djbuild.version=" + VERSION));
        cmd.addAll(args);
        // The sample's build must not see the outer build's options, nor a store named by the environment.
        Map<String, String> env = new HashMap<>();
        env.put("MAVEN_OPTS", null);
        env.put("MAVEN_ARGS", null);
        env.put("JBUILD_ROOT", null);
        return SampleBuilds.run(cmd, project, env, 5);
    }

    /** A fresh copy of {@code testdata/maven/NAME} under target/it/CASE. */
    static Path copySample(String name, String caseName) throws IOException {
        return SampleBuilds.copy("maven/" + name, MODULE.resolve("target/it").resolve(caseName).resolve(name));
    }
}
