package dev.jbuild.gradle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.registry.RegistryServer;
import dev.jbuild.testdata.SampleBuilds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dev.jbuild Gradle plugin in real Gradle builds (Debian's gradle package) of testdata/gradle/app: the jar
 * `gradle jar` made, copied onto busybox with a RUN step over it. The plugin and what it needs come from the
 * repository maven-invoker-plugin filled under target/; Gradle's own state stays under target/ too.
 */
class GradlePluginIT {
    static final Path MODULE = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    static final Path WORK = MODULE.resolve("target/it");
    static final String VERSION = SampleBuilds.required("jbuild.it.version");

    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    static String base;

    @BeforeAll
    static void pushBusybox() throws Exception {
        base = SampleBuilds.pushBusybox(MODULE.resolve("target/it-fixtures"), REGISTRY.host());
    }

    /** {@code gradle ARGS} in a fresh copy of the sample for {@code caseName}. */
    static SampleBuilds.Result gradle(Path project, String... args) throws Exception {
        Path docker = project.resolveSibling("docker-config");
        Files.createDirectories(docker);
        List<String> cmd = new ArrayList<>(List.of("gradle", "--no-daemon", "--console=plain", "--offline",
                "-Pjbuild.version=" + VERSION,
                "-Pit.pluginRepo=" + Path.of(SampleBuilds.required("jbuild.it.repo")).toUri(),
                "-Pit.outerRepo=" + Path.of(SampleBuilds.required("jbuild.it.outerRepo")).toUri(),
                "-Pit.registry=" + REGISTRY.host(), "-Pit.base=" + base,
                "-Pjbuild.root=" + project.resolveSibling("jbuild-root"), "-Pjbuild.dockerConfig=" + docker));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>();
        env.put("GRADLE_USER_HOME", WORK.resolve("gradle-home").toString());
        env.put("JBUILD_ROOT", null);
        env.put("GRADLE_OPTS", null);
        env.put("JAVA_OPTS", null);
        return SampleBuilds.run(cmd, project, env, 5);
    }

    static Path sample(String caseName) throws Exception {
        return SampleBuilds.copy("gradle/app", WORK.resolve(caseName).resolve("app"));
    }

    @Test
    void jbuildPushBuildsTheJarIntoAnImageAndPushesItsTags() throws Exception {
        Path project = sample("push");
        SampleBuilds.Result r = gradle(project, "jbuildPush").ok();
        // Gradle 4's plain console names each task as ":NAME" on a line of its own
        int jar = r.log().indexOf("\n:jar\n");
        int build = r.log().indexOf("\n:jbuildBuild\n");
        int push = r.log().indexOf("\n:jbuildPush\n");
        assertTrue(jar >= 0 && build > jar && push > build, r.log());
        String digest = Files.readString(project.resolve("build/jbuild/image.digest")).trim();
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
        assertTrue(r.log().contains("jbuild: image " + digest), r.log());
        assertTrue(r.log().contains("The push refers to repository [" + REGISTRY.host() + "/samples/gradle-app]"),
                r.log());

        SampleBuilds.assertSampleImage(project.resolve("build/image"), digest,
                Files.readAllBytes(project.resolve("build/libs/gradle-app-1.0.jar")));
        for (String tag : List.of("1.0", "latest")) {
            JsonNode remote = SampleBuilds.inspect("docker://" + REGISTRY.host() + "/samples/gradle-app:" + tag,
                    "--tls-verify=false");
            assertEquals(digest, remote.path("Digest").asText(), tag + ": " + remote);
        }
    }

    @Test
    void skipLeavesTheImageAloneAndHelpListsTheTasks() throws Exception {
        Path project = sample("skip");
        SampleBuilds.Result r = gradle(project, "-Pjbuild.skip=true", "jbuildPush", "jbuildHelp").ok();
        assertTrue(Files.exists(project.resolve("build/libs/gradle-app-1.0.jar")), "the jar was built");
        assertTrue(r.log().contains("\n:jbuildBuild SKIPPED\n"), r.log());
        assertTrue(r.log().contains("\n:jbuildPush SKIPPED\n"), r.log());
        assertEquals(2, r.count("jbuild: skipped (jbuild.skip)"), r.log());
        assertFalse(Files.exists(project.resolve("build/jbuild")), "no digest file");
        assertFalse(Files.exists(project.resolve("build/image")), "no output");
        assertFalse(Files.exists(project.resolveSibling("jbuild-root")), "the store was not even opened");
        for (String task : List.of("jbuildBuild", "jbuildPush", "jbuildHelp", "-Pjbuild.skip")) {
            assertTrue(r.log().contains(task), task + " in the help:\n" + r.log());
        }
    }

    @Test
    void aFailingRunStepFailsTheBuildWithItsLineAndOutput() throws Exception {
        Path project = sample("fail");
        SampleBuilds.Result r = gradle(project, "-Pjbuild.dockerfile=Dockerfile.fail", "jbuildBuild").failed();
        assertTrue(r.log().contains("Execution failed for task ':jbuildBuild'"), r.log());
        assertTrue(r.log().contains(project.resolve("Dockerfile.fail") + ":3: RUN echo \"checking the config\" && cat"
                + " /etc/no-such-config: process"), r.log());
        assertTrue(r.log().contains("did not complete successfully: exit code: 1"), r.log());
        assertTrue(r.count("cat: can't open '/etc/no-such-config': No such file or directory") >= 2, r.log());
        assertFalse(Files.exists(project.resolve("build/jbuild/image.digest")), "no digest for a failed build");
    }
}
