package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-registry with token authentication against the test's own token service (JWTs signed with an EC key
 * whose certificate the registry's rootcertbundle holds).
 */
class TokenAuthRegistryTest {
    static final String USER = "bob";
    static final String PASSWORD = "t0ken-Service-password";
    static final TokenServer TOKENS = tokens();

    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.token(TOKENS);

    @TempDir
    Path tmp;

    private final Recorder recorder = new Recorder();

    private static TokenServer tokens() {
        try {
            TokenServer t = new TokenServer();
            t.addUser(USER, PASSWORD);
            return t;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stopTokens() {
        TOKENS.close();
    }

    @BeforeEach
    void reset() {
        TOKENS.requests.clear();
        TOKENS.expiresIn = 300;
        TOKENS.nextTokenUntrusted = false;
    }

    private Path config(String entry) throws Exception {
        Path dir = tmp.resolve("docker");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"" + REGISTRY.host() + "\":" + entry + "}}");
        return dir;
    }

    private Path passwordConfig(String password) throws Exception {
        return config("{\"auth\":\"" + Base64.getEncoder().encodeToString((USER + ":" + password)
                .getBytes(StandardCharsets.UTF_8)) + "\"}");
    }

    private RegistryClient client(Path dockerConfig) {
        return new RegistryClient(RegistryOptions.builder().dockerConfigDirectory(dockerConfig)
                .certsDirectory(tmp.resolve("certs.d")).interceptor(recorder).build());
    }

    private ImageReference ref(String s) {
        return ImageReference.parse(REGISTRY.host() + "/" + s);
    }

    @Test
    void pushAndPullAskForTheRightScopesOnceEach() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 1, 3);
        try (RegistryClient c = client(passwordConfig(PASSWORD))) {
            c.push(ref("token/app:1"), img.manifest(), src);
            assertEquals(List.of(List.of("repository:token/app:pull,push")), TOKENS.scopes(),
                    "one token for the whole push, with pull,push");
            Store dst = Store.open(tmp.resolve("dst"));
            c.pull(ref("token/app:1"), Platform.parse("linux/amd64"), dst);
            TestImages.assertSameBlobs(src, dst, img);
        }
        assertEquals(List.of(List.of("repository:token/app:pull,push"), List.of("repository:token/app:pull")),
                TOKENS.scopes());
        for (TokenServer.TokenRequest r : TOKENS.requests) {
            assertEquals("GET", r.method());
            assertEquals(USER, r.user());
            assertEquals(TOKENS.service(), r.service());
        }
        // the ping's challenge was the only 401: tokens were fetched before the requests that needed them
        assertEquals(1, recorder.matching(x -> x.status() == 401).size(), recorder.calls.toString());
    }

    @Test
    void aMountAsksForPullOnTheSourceRepositoryToo() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 2, 2);
        try (RegistryClient c = client(passwordConfig(PASSWORD))) {
            c.push(ref("token/source:1"), img.manifest(), src);
            TOKENS.requests.clear();
            PushResult r = c.push(ref("token/target:1"), img.manifest(), src);
            assertEquals(3, r.blobsMounted());
            assertEquals(0, r.blobsUploaded());
        }
        assertTrue(TOKENS.scopes().contains(List.of("repository:token/source:pull",
                "repository:token/target:pull,push")), TOKENS.scopes().toString());
        assertEquals(2, TOKENS.requests.size(), "one token for the checks and manifests, one for the mounts: "
                + TOKENS.scopes());
    }

    @Test
    void anExpiredTokenIsReplaced() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 3, 1);
        TOKENS.expiresIn = 3;
        try (RegistryClient c = client(passwordConfig(PASSWORD))) {
            c.push(ref("token/expiry:1"), img.manifest(), src);
            c.resolve(ref("token/expiry:1"), Platform.parse("linux/amd64"));
            assertEquals(2, TOKENS.requests.size(), TOKENS.scopes().toString());
            Thread.sleep(3200);
            c.resolve(ref("token/expiry:1"), Platform.parse("linux/amd64"));
            assertEquals(3, TOKENS.requests.size(), "the expired pull token was fetched again");
        }
    }

    @Test
    void aTokenTheRegistryRefusesIsFetchedAgainOnce() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 4, 1);
        try (RegistryClient c = client(passwordConfig(PASSWORD))) {
            c.push(ref("token/refused:1"), img.manifest(), src);
            TOKENS.requests.clear();
            recorder.clear();
            TOKENS.nextTokenUntrusted = true;
            c.resolve(ref("token/refused:1"), Platform.parse("linux/amd64"));
            assertEquals(2, TOKENS.requests.size());
            List<Recorder.Call> gets = recorder.matching(x -> x.is("GET", "/manifests/1"));
            assertEquals(List.of(401, 200), gets.stream().map(Recorder.Call::status).toList());
        }
    }

    @Test
    void anIdentityTokenIsExchangedWithAnOAuthRefreshGrant() throws Exception {
        String refresh = TOKENS.issueRefreshToken(USER);
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 5, 1);
        try (RegistryClient c = client(config("{\"identitytoken\":\"" + refresh + "\"}"))) {
            c.push(ref("token/identity:1"), img.manifest(), src);
        }
        TokenServer.TokenRequest r = TOKENS.requests.get(0);
        assertEquals("POST", r.method());
        assertEquals("refresh_token", r.grantType());
        assertEquals(USER, r.user());
        assertEquals(List.of("repository:token/identity:pull,push"), r.scopes());
    }

    @Test
    void aWrongPasswordFailsAtTheTokenServiceAndLeaksNothing() throws Exception {
        String wrong = "Wrong-t0ken-password";
        try (RegistryClient c = client(passwordConfig(wrong))) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.pull(ref("token/app:1"), Platform.parse("linux/amd64"), Store.open(tmp.resolve("d"))));
            assertEquals(401, e.status());
            assertTrue(e.getMessage().startsWith("pull " + REGISTRY.host() + "/token/app:1: authenticate with the "
                    + "token service " + TOKENS.realm() + ": HTTP 401 Unauthorized: incorrect username or password"),
                    e.getMessage());
            assertTrue(e.getMessage().contains(Redactor.MASK), "the service's echo of the password was redacted: "
                    + e.getMessage());
            Secrets.assertAbsent(e, USER, wrong);

            RegistryException login = assertThrows(RegistryException.class,
                    () -> c.login(REGISTRY.host(), Credentials.basic(USER, "Other-wrong-pw")));
            assertEquals(401, login.status());
            Secrets.assertAbsent(login, USER, "Other-wrong-pw");
            c.login(REGISTRY.host(), Credentials.basic(USER, PASSWORD));
        }
    }

    @Test
    void anonymousAccessIsRefusedWithAHint() throws Exception {
        try (RegistryClient c = client(tmp.resolve("no-config"))) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.resolve(ref("token/app:1"), Platform.parse("linux/amd64")));
            assertEquals(401, e.status());
            assertEquals("UNAUTHORIZED", e.errorCode());
            assertTrue(e.getMessage().contains("no credentials for " + REGISTRY.host()), e.getMessage());
        }
        assertFalse(TOKENS.requests.isEmpty());
        assertTrue(TOKENS.requests.stream().allMatch(r -> r.user() == null), "anonymous token requests");
    }
}
