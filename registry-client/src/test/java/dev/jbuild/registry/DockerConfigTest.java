package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json: auths, identity tokens, credsStore and credHelpers through the helper protocol. */
class DockerConfigTest {
    @TempDir
    Path tmp;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private DockerConfig write(String json) throws IOException {
        Files.writeString(tmp.resolve("config.json"), json);
        return DockerConfig.load(tmp, List.of(tmp.resolve("bin")));
    }

    @Test
    void readsAuthsInEveryForm() throws Exception {
        DockerConfig c = write("{\"auths\":{"
                + "\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hubuser:hubpass") + "\"},"
                + "\"https://registry.example.com/v2/\":{\"auth\":\"" + b64("u:p:with:colons") + "\"},"
                + "\"tokens.example.com\":{\"auth\":\"" + b64("someone:") + "\",\"identitytoken\":\"idtok\"},"
                + "\"old.example.com\":{\"username\":\"x\",\"password\":\"y\"},"
                + "\"empty.example.com\":{}}}");
        assertEquals(Optional.of(Credentials.basic("hubuser", "hubpass")), c.credentials("docker.io"));
        assertEquals(Optional.of(Credentials.basic("u", "p:with:colons")), c.credentials("registry.example.com"));
        Credentials t = c.credentials("tokens.example.com").orElseThrow();
        assertTrue(t.hasIdentityToken());
        assertEquals("idtok", t.identityToken());
        assertEquals("someone", t.username());
        assertEquals(Optional.of(Credentials.basic("x", "y")), c.credentials("old.example.com"));
        assertEquals(Optional.empty(), c.credentials("empty.example.com"));
        assertEquals(Optional.empty(), c.credentials("other.example.com"));
        assertEquals(Optional.empty(), DockerConfig.load(tmp.resolve("missing")).credentials("docker.io"));
    }

    @Test
    void storeKeepsOtherFieldsAndWritesAnOwnerOnlyFile() throws Exception {
        DockerConfig c = write("{\"psFormat\":\"table {{.ID}}\",\"proxies\":{\"default\":{\"httpProxy\":\"x\"}},"
                + "\"auths\":{\"https://registry.example.com\":{\"auth\":\"" + b64("old:old") + "\"}}}");
        c.store("registry.example.com", Credentials.basic("new", "pw"));
        c.store("docker.io", Credentials.basic("hub", "hubpw"));
        JsonNode n = new ObjectMapper().readTree(tmp.resolve("config.json").toFile());
        assertEquals("table {{.ID}}", n.path("psFormat").asText());
        assertEquals("x", n.path("proxies").path("default").path("httpProxy").asText());
        assertEquals(b64("new:pw"), n.path("auths").path("registry.example.com").path("auth").asText());
        assertFalse(n.path("auths").has("https://registry.example.com"), "the old entry for the host is replaced");
        assertEquals(b64("hub:hubpw"), n.path("auths").path(DockerConfig.DOCKER_HUB_SERVER).path("auth").asText());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                tmp.resolve("config.json"))));
        DockerConfig again = DockerConfig.load(tmp);
        assertEquals(Optional.of(Credentials.basic("new", "pw")), again.credentials("registry.example.com"));
        assertTrue(again.erase("registry.example.com"));
        assertFalse(again.erase("registry.example.com"));
        assertEquals(Optional.empty(), DockerConfig.load(tmp).credentials("registry.example.com"));
        assertEquals(Optional.of(Credentials.basic("hub", "hubpw")), DockerConfig.load(tmp).credentials("docker.io"));

        c.store("ids.example.com", Credentials.identityToken("me", "the-token"));
        JsonNode id = new ObjectMapper().readTree(tmp.resolve("config.json").toFile()).path("auths")
                .path("ids.example.com");
        assertEquals("the-token", id.path("identitytoken").asText());
        assertEquals(b64("me:"), id.path("auth").asText());
    }

    @Test
    void credsStoreAndCredHelpersUseTheHelperProtocol() throws Exception {
        Secrets.fakeHelper(tmp.resolve("bin"), "all");
        Secrets.fakeHelper(tmp.resolve("bin"), "special");
        DockerConfig c = write("{\"credsStore\":\"all\",\"credHelpers\":{\"special.example.com:5000\":\"special\"}}");
        assertEquals(Optional.of("all"), c.helperName("registry.example.com"));
        assertEquals(Optional.of("special"), c.helperName("special.example.com:5000"));

        c.store("registry.example.com", Credentials.basic("u1", "p1"));
        c.store("special.example.com:5000", Credentials.identityToken("", "tok"));
        c.store("docker.io", Credentials.basic("hub", "hp"));
        String file = Files.readString(tmp.resolve("config.json"));
        assertFalse(file.contains("p1") || file.contains("tok") || file.contains("hp"), file);

        DockerConfig r = DockerConfig.load(tmp, List.of(tmp.resolve("bin")));
        assertEquals(Optional.of(Credentials.basic("u1", "p1")), r.credentials("registry.example.com"));
        assertEquals("tok", r.credentials("special.example.com:5000").orElseThrow().identityToken());
        assertEquals(Optional.of(Credentials.basic("hub", "hp")), r.credentials("docker.io"));
        assertTrue(Files.exists(tmp.resolve("bin/store/https___index_docker_io_v1_")),
                "Docker Hub is stored under docker's key");
        assertEquals(Optional.empty(), r.credentials("unknown.example.com"));

        r.erase("registry.example.com");
        assertEquals(Optional.empty(), DockerConfig.load(tmp, List.of(tmp.resolve("bin")))
                .credentials("registry.example.com"));
    }

    @Test
    void aMissingHelperIsNamed() throws Exception {
        DockerConfig c = write("{\"credsStore\":\"nosuchhelper\"}");
        IOException e = assertThrows(IOException.class, () -> c.credentials("registry.example.com"));
        assertTrue(e.getMessage().contains("docker-credential-nosuchhelper not found"), e.getMessage());
    }

    @Test
    void credentialsNeverShowTheirSecrets() {
        Credentials c = Credentials.basic("user", "hunter2-password");
        assertFalse(c.toString().contains("hunter2"), c.toString());
        assertTrue(c.toString().contains("user"));
        Credentials t = Credentials.identityToken("", "tok-123456");
        assertFalse(t.toString().contains("tok-123456"), t.toString());
    }

    @Test
    void invalidFilesAreNamed() throws Exception {
        IOException e = assertThrows(IOException.class, () -> write("{not json"));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        DockerConfig c = write("{\"auths\":{\"r.example.com\":{\"auth\":\"!!!\"}}}");
        IOException bad = assertThrows(IOException.class, () -> c.credentials("r.example.com"));
        assertTrue(bad.getMessage().contains("not valid base64"), bad.getMessage());
    }
}
