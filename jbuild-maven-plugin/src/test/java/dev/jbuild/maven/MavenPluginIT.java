package dev.jbuild.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.registry.RegistryServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
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
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    @RegisterExtension
    static final RegistryServer AUTH_REGISTRY = RegistryServer.htpasswd(USER, PASSWORD);

    static String base;

    @BeforeAll
    static void pushBusybox() throws Exception {
        Path layout = MavenRun.MODULE.resolve("target/it-fixtures/busybox");
        MavenRun.deleteRecursively(layout);
        Files.createDirectories(layout.getParent());
        MavenRun.Result made = MavenRun.tool(List.of("bash",
                MavenRun.TESTDATA.resolve("base-images/busybox.sh").toString(), layout.toString()));
        if (made.status() != 0) {
            fail("testdata/base-images/busybox.sh failed; the tests need Debian's busybox-static (apt-get install"
                    + " busybox-static; .ci/run does so):\n" + made.log());
        }
        base = REGISTRY.host() + "/library/busybox:latest";
        MavenRun.tool(List.of("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":latest",
                "docker://" + base)).ok();
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
        MavenRun.Result r = MavenRun.mvn(project, settings, args(props(project, REGISTRY.host()), "deploy")).ok();

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

        // the OCI layout output, as skopeo sees it: the built digest, the version label, busybox + COPY + RUN
        JsonNode oci = JSON.readTree(MavenRun.tool(List.of("skopeo", "inspect",
                "oci:" + project.resolve("target/image"))).ok().log());
        assertEquals(digest, oci.path("Digest").asText(), oci.toString());
        assertEquals("1.0", oci.path("Labels").path("org.opencontainers.image.version").asText(), oci.toString());
        assertEquals(3, oci.path("Layers").size(), oci.toString());

        // the COPY layer holds the jar Maven built; the RUN layer what the step computed from it
        byte[] jar = Files.readAllBytes(project.resolve("target/app-1.0.jar"));
        List<Map<String, byte[]>> layers = layers(project.resolve("target/image"));
        assertEquals(3, layers.size());
        assertTrue(java.util.Arrays.equals(jar, layers.get(1).get("app/app.jar")), "the COPY layer has the jar");
        String sum = new String(layers.get(2).get("app/app.jar.sha256"), StandardCharsets.UTF_8);
        assertEquals(sha256(jar) + "  /app/app.jar\n", sum);
        assertEquals("dev/jbuild/sample/App.class\n",
                new String(layers.get(2).get("app/classes.txt"), StandardCharsets.UTF_8));

        // both tags reached the registry, naming the same image
        for (String tag : List.of("1.0", "latest")) {
            JsonNode remote = JSON.readTree(MavenRun.tool(List.of("skopeo", "inspect", "--tls-verify=false",
                    "docker://" + REGISTRY.host() + "/samples/app:" + tag)).ok().log());
            assertEquals(digest, remote.path("Digest").asText(), tag + ": " + remote);
        }
    }

    @Test
    void skipLeavesTheImageAloneAndHelpListsTheGoals() throws Exception {
        Path project = MavenRun.copySample("app", "skip");
        Path settings = MavenRun.settings(project.getParent(), "");
        MavenRun.Result r = MavenRun.mvn(project, settings,
                args(props(project, REGISTRY.host()), "-Djbuild.skip=true", "package", "jbuild:push", "jbuild:help"))
                .ok();
        assertTrue(Files.exists(project.resolve("target/app-1.0.jar")), "the rest of the build ran");
        assertEquals(2, count(r.log(), "[INFO] jbuild: skipped (jbuild.skip)"), r.log());
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
        MavenRun.Result r = MavenRun.mvn(project, settings,
                args(props(project, REGISTRY.host()), "-Djbuild.dockerfile=Dockerfile.fail", "package")).failed();
        assertTrue(r.log().contains("BUILD FAILURE"), r.log());
        assertTrue(r.log().contains(project.resolve("Dockerfile.fail") + ":3: RUN echo \"checking the config\" && cat"
                + " /etc/no-such-config: process"), r.log());
        assertTrue(r.log().contains("did not complete successfully: exit code: 1"), r.log());
        // the step's own output, in the progress and again in the failure
        assertTrue(count(r.log(), "checking the config") >= 3, r.log());
        assertEquals(2, count(r.log(), "cat: can't open '/etc/no-such-config': No such file or directory"), r.log());
        assertFalse(Files.exists(project.resolve("target/jbuild/image.digest")), "no digest for a failed build");
    }

    @Test
    void settingsXmlServerCredentialsReachARegistryWithAuthentication() throws Exception {
        Path project = MavenRun.copySample("app", "auth");
        Path dir = project.getParent();
        // Maven's own encryption: a master password in settings-security.xml, the server password encrypted with it
        String master = encrypted(MavenRun.tool(List.of("mvn", "-B", "-q", "--encrypt-master-password",
                "master-Secret-1")).ok().log());
        Path security = dir.resolve("settings-security.xml");
        Files.writeString(security, "<settingsSecurity><master>" + master + "</master></settingsSecurity>\n");
        String encrypted = encrypted(MavenRun.tool(List.of("mvn", "-B", "-q", "-Dsettings.security=" + security,
                "--encrypt-password", PASSWORD)).ok().log());
        assertFalse(encrypted.contains(PASSWORD), encrypted);

        // without a server entry (and an empty config.json) the push is refused, naming the registry; that build
        // also exports its cache (cacheTo), which the next build, on an empty store, imports (cacheFrom)
        Path cache = dir.resolve("cache");
        List<String> props = args(props(project, AUTH_REGISTRY.host()), "-Dsettings.security=" + security);
        MavenRun.Result refused = MavenRun.mvn(project, MavenRun.settings(dir.resolve("no-server"), ""),
                args(props, "-Djbuild.cacheTo=type=local,dest=" + cache, "package", "jbuild:push")).failed();
        assertTrue(refused.log().contains("401"), refused.log());
        assertTrue(refused.log().contains("no credentials for " + AUTH_REGISTRY.host()), refused.log());
        assertTrue(Files.isRegularFile(cache.resolve("index.json")), "the cache was exported");

        Path settings = MavenRun.settings(dir, "<server><id>" + AUTH_REGISTRY.host() + "</id><username>" + USER
                + "</username><password>" + encrypted + "</password></server>");
        List<String> fresh = new java.util.ArrayList<>(props);
        fresh.replaceAll(a -> a.startsWith("-Djbuild.root=") ? a + "-2" : a);
        MavenRun.Result r = MavenRun.mvn(project, settings,
                args(fresh, "-Djbuild.cacheFrom=type=local,src=" + cache, "package", "jbuild:push")).ok();
        assertFalse(r.log().contains(PASSWORD), "the password never reaches the log");
        assertTrue(Files.isDirectory(project.resolveSibling("jbuild-root-2")), r.log());
        assertTrue(r.log().contains("/app/classes.txt\n[INFO]   CACHED\n"), "the RUN step came from the imported cache:\n"
                + r.log());
        String digest = Files.readString(project.resolve("target/jbuild/image.digest")).trim();
        JsonNode remote = JSON.readTree(MavenRun.tool(List.of("skopeo", "inspect", "--tls-verify=false",
                "--creds", USER + ":" + PASSWORD, "docker://" + AUTH_REGISTRY.host() + "/samples/app:1.0")).ok().log());
        assertEquals(digest, remote.path("Digest").asText(), remote.toString());
    }

    /** The {@code {...}} that mvn --encrypt-password printed (it may add terminal escapes around it). */
    private static String encrypted(String out) {
        Matcher m = Pattern.compile("\\{[A-Za-z0-9+/=]+}").matcher(out);
        assertTrue(m.find(), out);
        return m.group();
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Each layer of the layout's one image: its regular files by path. */
    private static List<Map<String, byte[]>> layers(Path layout) throws IOException {
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(1, index.path("manifests").size(), index.toString());
        JsonNode manifest = JSON.readTree(blob(layout, index.path("manifests").get(0).path("digest").asText()).toFile());
        List<Map<String, byte[]>> out = new java.util.ArrayList<>();
        for (JsonNode l : manifest.path("layers")) {
            assertTrue(l.path("mediaType").asText().endsWith("tar+gzip"), l.toString());
            Map<String, byte[]> files = new LinkedHashMap<>();
            try (InputStream in = Files.newInputStream(blob(layout, l.path("digest").asText()));
                    TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    if (e.isFile()) {
                        ByteArrayOutputStream b = new ByteArrayOutputStream();
                        tar.transferTo(b);
                        files.put(e.getName().replaceFirst("^\\./", ""), b.toByteArray());
                    }
                }
            }
            out.add(files);
        }
        return out;
    }

    private static Path blob(Path layout, String digest) {
        Matcher m = Pattern.compile("sha256:([0-9a-f]{64})").matcher(digest);
        assertTrue(m.matches(), digest);
        return layout.resolve("blobs/sha256/" + m.group(1));
    }
}
