package dev.jbuild.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.registry.RegistryServer;
import dev.jbuild.testdata.SampleBuilds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * jbuild-maven-plugin in real Maven builds of testdata/maven/app (a Java application whose Dockerfile copies the
 * jar `mvn package` made onto busybox and runs a RUN step over it). The base image is busybox.sh's, pushed with
 * skopeo to a loopback registry the build pulls it from; images are checked with skopeo and by reading their
 * layers, never through jbuild.
 */
class MavenPluginIT {
    static final String USER = "maven-user";
    static final String PASSWORD = "Pa55-from-settings-xml";

    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    @RegisterExtension
    static final RegistryServer AUTH_REGISTRY = RegistryServer.htpasswd(USER, PASSWORD);

    static String base;

    @BeforeAll
    static void pushBusybox() throws Exception {
        base = SampleBuilds.pushBusybox(MavenRun.MODULE.resolve("target/it-fixtures"), REGISTRY.host());
    }

    /** The -D options every sample build gets: its registry, base image, and a store and docker config of its own. */
    static List<String> props(Path project, String registry) throws IOException {
        Path docker = project.resolveSibling("docker-config");
        Files.createDirectories(docker);
        return List.of("-Dit.registry=" + registry, "-Dit.base=" + base,
                "-Djbuild.root=" + project.resolveSibling("jbuild-root"), "-Djbuild.dockerConfig=" + docker);
    }

    static List<String> args(List<String> props, String... more) {
        List<String> all = new java.util.ArrayList<>(props);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void deployBuildsTheJarIntoAnImageAndPushesItsTags() throws Exception {
        Path project = MavenRun.copySample("app", "deploy");
        Path settings = MavenRun.settings(project.getParent(), "");
        SampleBuilds.Result r = MavenRun.mvn(project, settings, args(props(project, REGISTRY.host()), "deploy")).ok();

        // jbuild:build ran in package, jbuild:push in deploy, each reporting through Maven's log
        int build = r.log().indexOf("--- jbuild-maven-plugin:" + MavenRun.VERSION + ":build (default)");
        int push = r.log().indexOf("--- jbuild-maven-plugin:" + MavenRun.VERSION + ":push (default)");
        int install = r.log().indexOf("--- maven-install-plugin");
        assertTrue(build > 0 && install > build && push > install, r.log());
        String digest = Files.readString(project.resolve("target/jbuild/image.digest")).trim();
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
        assertTrue(r.log().contains("[INFO] jbuild: image " + digest), r.log());
        assertTrue(r.log().contains("[INFO] The push refers to repository [" + REGISTRY.host() + "/samples/app]"),
                r.log());
        assertTrue(r.log().contains("[INFO] 1.0: digest: " + digest), r.log());

        // the OCI layout output: the built digest, busybox + the jar Maven built + what the RUN step made of it
        SampleBuilds.assertSampleImage(project.resolve("target/image"), digest,
                Files.readAllBytes(project.resolve("target/app-1.0.jar")));

        // both tags reached the registry, naming the same image
        for (String tag : List.of("1.0", "latest")) {
            JsonNode remote = SampleBuilds.inspect("docker://" + REGISTRY.host() + "/samples/app:" + tag,
                    "--tls-verify=false");
            assertEquals(digest, remote.path("Digest").asText(), tag + ": " + remote);
        }
    }

    @Test
    void skipLeavesTheImageAloneAndHelpListsTheGoals() throws Exception {
        Path project = MavenRun.copySample("app", "skip");
        Path settings = MavenRun.settings(project.getParent(), "");
        SampleBuilds.Result r = MavenRun.mvn(project, settings,
                args(props(project, REGISTRY.host()), "-Djbuild.skip=true", "package", "jbuild:push", "jbuild:help"))
                .ok();
        assertTrue(Files.exists(project.resolve("target/app-1.0.jar")), "the rest of the build ran");
        assertEquals(2, r.count("[INFO] jbuild: skipped (jbuild.skip)"), r.log());
        assertFalse(Files.exists(project.resolve("target/jbuild")), "no digest file");
        assertFalse(Files.exists(project.resolve("target/image")), "no output");
        assertFalse(Files.exists(project.resolveSibling("jbuild-root")), "the store was not even opened");
        for (String goal : List.of("jbuild:build", "jbuild:push", "jbuild:help")) {
            assertTrue(r.log().contains(goal), goal + " in the help:\n" + r.log());
        }
        assertTrue(r.log().contains("jbuild.skip"), r.log());
    }

    @Test
    void aFailingRunStepFailsTheBuildWithItsLineAndOutput() throws Exception {
        Path project = MavenRun.copySample("app", "fail");
        Path settings = MavenRun.settings(project.getParent(), "");
        SampleBuilds.Result r = MavenRun.mvn(project, settings,
                args(props(project, REGISTRY.host()), "-Djbuild.dockerfile=Dockerfile.fail", "package")).failed();
        assertTrue(r.log().contains("BUILD FAILURE"), r.log());
        assertTrue(r.log().contains(project.resolve("Dockerfile.fail") + ":3: RUN echo \"checking the config\" && cat"
                + " /etc/no-such-config: process"), r.log());
        assertTrue(r.log().contains("did not complete successfully: exit code: 1"), r.log());
        // the step's own output, in the progress and again in the failure
        assertTrue(r.count("checking the config") >= 3, r.log());
        assertEquals(2, r.count("cat: can't open '/etc/no-such-config': No such file or directory"), r.log());
        assertFalse(Files.exists(project.resolve("target/jbuild/image.digest")), "no digest for a failed build");
    }

    @Test
    void settingsXmlServerCredentialsReachARegistryWithAuthentication() throws Exception {
        Path project = MavenRun.copySample("app", "auth");
        Path dir = project.getParent();
        // Maven's own encryption: a master password in settings-security.xml, the server password encrypted with it
        String master = encrypted(SampleBuilds.tool(List.of("mvn", "-B", "-q", "--encrypt-master-password",
                "master-Secret-1")).ok().log());
        Path security = dir.resolve("settings-security.xml");
        Files.writeString(security, "<settingsSecurity><master>" + master + "</master></settingsSecurity>\n");
        String encrypted = encrypted(SampleBuilds.tool(List.of("mvn", "-B", "-q", "-Dsettings.security=" + security,
                "--encrypt-password", PASSWORD)).ok().log());
        assertFalse(encrypted.contains(PASSWORD), encrypted);

        // without a server entry (and an empty config.json) the push is refused, naming the registry; that build
        // also exports its cache (cacheTo), which the next build, on an empty store, imports (cacheFrom)
        Path cache = dir.resolve("cache");
        List<String> props = args(props(project, AUTH_REGISTRY.host()), "-Dsettings.security=" + security);
        SampleBuilds.Result refused = MavenRun.mvn(project, MavenRun.settings(dir.resolve("no-server"), ""),
                args(props, "-Djbuild.cacheTo=type=local,dest=" + cache, "package", "jbuild:push")).failed();
        assertTrue(refused.log().contains("401"), refused.log());
        assertTrue(refused.log().contains("no credentials for " + AUTH_REGISTRY.host()), refused.log());
        assertTrue(Files.isRegularFile(cache.resolve("index.json")), "the cache was exported");

        Path settings = MavenRun.settings(dir, "<server><id>" + AUTH_REGISTRY.host() + "</id><username>" + USER
                + "</username><password>" + encrypted + "</password></server>");
        List<String> fresh = new java.util.ArrayList<>(props);
        fresh.replaceAll(a -> a.startsWith("-Djbuild.root=") ? a + "-2" : a);
        SampleBuilds.Result r = MavenRun.mvn(project, settings,
                args(fresh, "-Djbuild.cacheFrom=type=local,src=" + cache, "package", "jbuild:push")).ok();
        assertFalse(r.log().contains(PASSWORD), "the password never reaches the log");
        assertTrue(Files.isDirectory(project.resolveSibling("jbuild-root-2")), r.log());
        assertTrue(r.log().contains("/app/classes.txt\n[INFO]   CACHED\n"), "the RUN step came from the imported cache:\n"
                + r.log());
        String digest = Files.readString(project.resolve("target/jbuild/image.digest")).trim();
        JsonNode remote = SampleBuilds.inspect("docker://" + AUTH_REGISTRY.host() + "/samples/app:1.0",
                "--tls-verify=false", "--creds", USER + ":" + PASSWORD);
        assertEquals(digest, remote.path("Digest").asText(), remote.toString());
    }

    /** The {@code {...}} that mvn --encrypt-password printed (it may add terminal escapes around it). */
    private static String encrypted(String out) {
        Matcher m = Pattern.compile("\\{[A-Za-z0-9+/=]+}").matcher(out);
        assertTrue(m.find(), out);
        return m.group();
    }

}
