package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** docker-registry with htpasswd Basic authentication (bcrypt hash written by the test). */
class BasicAuthRegistryTest {
    static final String USER = "alice";
    static final String PASSWORD = "s3cret-Pa55word-for-tests";

    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.htpasswd(USER, PASSWORD);

    @TempDir
    Path tmp;

    private final Recorder recorder = new Recorder();

    private RegistryClient client(Path dockerConfig) {
        return new RegistryClient(RegistryOptions.builder().dockerConfigDirectory(dockerConfig)
                .certsDirectory(tmp.resolve("certs.d")).credentialHelperPath(List.of(tmp.resolve("bin")))
                .interceptor(recorder).build());
    }

    private Path configWithAuth(String password) throws Exception {
        Path dir = tmp.resolve("docker");
        Files.createDirectories(dir);
        String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"" + REGISTRY.host() + "\":{\"auth\":\"" + auth
                + "\"}},\"psFormat\":\"table\"}");
        return dir;
    }

    private ImageReference ref(String s) {
        return ImageReference.parse(REGISTRY.host() + "/" + s);
    }

    @Test
    void pushAndPullWithTheAuthsOfConfigJson() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 1, 2);
        try (RegistryClient c = client(configWithAuth(PASSWORD))) {
            c.push(ref("basic/app:1"), img.manifest(), src);
            Store dst = Store.open(tmp.resolve("dst"));
            c.pull(ref("basic/app:1"), Platform.parse("linux/amd64"), dst);
            TestImages.assertSameBlobs(src, dst, img);
        }
        // after the ping's challenge every request carries the credentials: no 401 round trips
        List<Recorder.Call> unauthorized = recorder.matching(x -> x.status() == 401);
        assertEquals(1, unauthorized.size(), unauthorized.toString());
        assertEquals("/v2/", unauthorized.get(0).path());
    }

    @Test
    void loginThroughACredentialHelperThenPushPullAndLogout() throws Exception {
        Secrets.fakeHelper(tmp.resolve("bin"), "jbtest");
        Path dir = tmp.resolve("docker");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"credHelpers\":{\"" + REGISTRY.host() + "\":\"jbtest\"}}");
        Credentials creds = Credentials.basic(USER, PASSWORD);
        try (RegistryClient c = client(dir)) {
            c.login(REGISTRY.host(), creds);
        }
        DockerConfig config = DockerConfig.load(dir, List.of(tmp.resolve("bin")));
        config.store(REGISTRY.host(), creds);
        String file = Files.readString(dir.resolve("config.json"));
        assertTrue(!file.contains(PASSWORD) && file.contains("credHelpers"), file);

        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 2, 1);
        try (RegistryClient c = client(dir)) {
            c.push(ref("helper/app:1"), img.manifest(), src);
            Store dst = Store.open(tmp.resolve("dst"));
            c.pull(ref("helper/app:1"), Platform.parse("linux/amd64"), dst);
        }
        assertEquals(List.of("store", "get"), Files.readAllLines(tmp.resolve("bin/helper.log")),
                "credentials fetched from the helper once per client");

        assertTrue(DockerConfig.load(dir, List.of(tmp.resolve("bin"))).erase(REGISTRY.host()));
        try (RegistryClient c = client(dir)) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.pull(ref("helper/app:1"),
                    Platform.parse("linux/amd64"), Store.open(tmp.resolve("dst2"))));
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("(no credentials for " + REGISTRY.host() + " in "
                    + dir.resolve("config.json") + ": log in first)"), e.getMessage());
        }
    }

    @Test
    void aWrongPasswordIsAClearErrorThatLeaksNoCredentials() throws Exception {
        String wrong = "not-the-Pa55word";
        try (RegistryClient c = client(configWithAuth(wrong))) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.pull(ref("basic/app:1"),
                    Platform.parse("linux/amd64"), Store.open(tmp.resolve("dst"))));
            assertEquals(401, e.status());
            assertTrue(e.isAuthenticationFailure());
            assertEquals("UNAUTHORIZED", e.errorCode());
            assertEquals("pull " + REGISTRY.host() + "/basic/app:1: fetch manifest 1: HTTP 401 Unauthorized: "
                    + "UNAUTHORIZED: authentication required (the credentials for " + REGISTRY.host() + " from "
                    + tmp.resolve("docker/config.json") + " were refused, or lack the rights for this)", e.getMessage());
            Secrets.assertAbsent(e, USER, wrong);

            RegistryException login = assertThrows(RegistryException.class,
                    () -> c.login(REGISTRY.host(), Credentials.basic(USER, "another-Wrong-one")));
            assertEquals(401, login.status());
            assertTrue(login.getMessage().startsWith("login " + REGISTRY.host() + ": log in: HTTP 401"),
                    login.getMessage());
            Secrets.assertAbsent(login, USER, "another-Wrong-one");
        }
    }

    @Test
    void withoutCredentialsTheErrorSaysSo() throws Exception {
        try (RegistryClient c = client(tmp.resolve("empty-docker-config"))) {
            Store src = Store.open(tmp.resolve("src"));
            TestImages.Image img = TestImages.simple(src, 3, 1);
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.push(ref("basic/noauth:1"), img.manifest(), src));
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("no credentials for " + REGISTRY.host()), e.getMessage());
            assertTrue(e.getMessage().startsWith("push " + REGISTRY.host() + "/basic/noauth:1: check blob sha256:"),
                    e.getMessage());
        }
    }

    @Test
    void credentialsGivenInTheOptionsComeBeforeConfigJson() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 4, 1);
        // config.json holds a wrong password: the given credentials (as settings.xml gives them) must win
        RegistryOptions options = RegistryOptions.builder().dockerConfigDirectory(configWithAuth("wrong-Pa55"))
                .certsDirectory(tmp.resolve("certs.d")).credentialHelperPath(List.of(tmp.resolve("bin")))
                .credentials("https://" + REGISTRY.host() + "/v2/", Credentials.basic(USER, PASSWORD)).build();
        assertEquals(Credentials.basic(USER, PASSWORD), options.credentials(REGISTRY.host()).orElseThrow());
        assertTrue(options.credentials("127.0.0.1:1").isEmpty());
        assertTrue(!options.toString().contains(PASSWORD), options.toString());
        try (RegistryClient c = new RegistryClient(options)) {
            c.push(ref("given/app:1"), img.manifest(), src);
            c.pull(ref("given/app:1"), Platform.parse("linux/amd64"), Store.open(tmp.resolve("dst")));
        }
        RegistryOptions others = options.toBuilder().credentials("127.0.0.1:1", Credentials.basic(USER, PASSWORD))
                .dockerConfigDirectory(tmp.resolve("empty-docker-config")).build();
        try (RegistryClient c = new RegistryClient(RegistryOptions.builder()
                .dockerConfigDirectory(tmp.resolve("empty-docker-config"))
                .credentials("127.0.0.1:1", Credentials.basic(USER, PASSWORD)).build())) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.pull(ref("given/app:1"), Platform.parse("linux/amd64"), Store.open(tmp.resolve("dst2"))));
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("no credentials for " + REGISTRY.host() + " in the given credentials or "),
                    e.getMessage());
        }
        assertEquals(Credentials.basic(USER, PASSWORD), others.credentials(REGISTRY.host()).orElseThrow(),
                "toBuilder keeps the credentials given before");
    }
}
