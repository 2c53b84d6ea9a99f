package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.registry.RegistryServer;
import dev.jbuild.registry.TestPki;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbuild login} and {@code logout} against a registry with htpasswd Basic authentication, docker's
 * config.json they write and erase (in {@code $DOCKER_CONFIG}, or {@code --config}), pushes and pulls with the
 * stored credentials; and the TLS transport options against a registry with a certificate of the test's own CA.
 */
class RegistryLoginTest {
    static final String USER = "alice";
    static final String PASSWORD = "correct-horse-battery-staple";
    static final String WRONG = "wrong-password-7d1e";

    @RegisterExtension
    static final RegistryServer AUTH = RegistryServer.htpasswd(USER, PASSWORD);

    static final TestPki PKI = TestPki.create("jbuild-cli-test-ca");

    @RegisterExtension
    static final RegistryServer TLS = RegistryServer.tls(PKI, false);

    @TempDir
    Path tmp;

    /** jbuild in a child JVM (the test's class path), with extra environment and standard input. */
    private static Cli.Result child(Map<String, String> env, String stdin, Object... args) throws IOException,
            InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(Main.class.getName());
        for (Object a : args) {
            cmd.add(String.valueOf(a));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = new Thread(() -> {
            try (InputStream e = p.getErrorStream()) {
                e.transferTo(err);
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        t.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "jbuild timed out");
        t.join();
        return new Cli.Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }

    /** jbuild login in this JVM with {@code stdin} as standard input. */
    private static Cli.Result loginWithStdin(String stdin, Object... args) {
        InputStream saved = LoginCommand.stdin;
        LoginCommand.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        try {
            return jbuild(args);
        } finally {
            LoginCommand.stdin = saved;
        }
    }

    private static void assertNoSecret(Cli.Result r) {
        for (String secret : List.of(PASSWORD, WRONG, base64(USER + ":" + PASSWORD), base64(USER + ":" + WRONG))) {
            assertFalse(r.out().contains(secret) || r.err().contains(secret), "a secret in the output:\n" + r.out()
                    + r.err());
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private Path image(Path root, String ref) throws IOException {
        Path ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
        Files.writeString(ctx.resolve("a.txt"), "a\n");
        jbuild("--root", root, "-q", "-t", ref, ctx).ok();
        return ctx;
    }

    @Test
    void loginStoresCredentialsInDockerConfigThatPushUsesAndLogoutErases() throws Exception {
        Path dockerConfig = tmp.resolve("docker-config");
        Map<String, String> env = Map.of("DOCKER_CONFIG", dockerConfig.toString());
        Path root = tmp.resolve("root");
        String ref = AUTH.host() + "/private/app:1";
        image(root, ref);

        // without credentials the registry refuses: one line naming registry, repository and status
        Cli.Result refused = jbuild("push", "--root", root, "--config", dockerConfig, ref);
        assertEquals(1, refused.status());
        assertTrue(refused.err().startsWith("jbuild: push " + ref + ": "), refused.err());
        assertTrue(refused.err().contains("401"), refused.err());
        assertEquals(1, refused.err().lines().count(), refused.err());

        // login in a child process: $DOCKER_CONFIG, the password on standard input
        Cli.Result login = child(env, PASSWORD + "\n", "login", "-u", USER, "--password-stdin", AUTH.host());
        assertEquals(0, login.status(), login.err());
        assertEquals("Login Succeeded\n", login.out());
        assertTrue(login.err().contains("WARNING! Your password will be stored unencrypted in "
                + dockerConfig.resolve("config.json")), login.err());
        assertNoSecret(login);
        Path file = dockerConfig.resolve("config.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        JsonNode config = Cli.JSON.readTree(file.toFile());
        assertEquals(base64(USER + ":" + PASSWORD), config.path("auths").path(AUTH.host()).path("auth").asText());

        // push and pull with the stored credentials (--config naming the same directory)
        Cli.Result push = jbuild("push", "--root", root, "--config", dockerConfig, ref).ok();
        assertTrue(push.out().contains("1: digest: sha256:"), push.out());
        jbuild("pull", "--root", tmp.resolve("pulled"), "--config", dockerConfig, ref).ok();
        // and a build that pulls its base from the registry that needs them
        Path ctx = tmp.resolve("ctx2");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + ref + "\nCOPY Dockerfile /\n");
        Cli.Result build = jbuild("--root", tmp.resolve("built"), "--config", dockerConfig, "-t",
                AUTH.host() + "/private/derived:1", "--push", ctx).ok();
        assertTrue(build.err().contains("pulling " + ref), build.err());
        assertTrue(build.err().contains("1: digest: sha256:"), build.err());
        assertNoSecret(build);

        // logout erases the entry; a second logout says so
        Cli.Result logout = child(env, null, "logout", AUTH.host());
        assertEquals(0, logout.status(), logout.err());
        assertEquals("Removing login credentials for " + AUTH.host() + "\n", logout.out());
        config = Cli.JSON.readTree(file.toFile());
        assertFalse(config.path("auths").has(AUTH.host()), config.toString());
        assertFalse(Files.readString(file).contains(base64(USER + ":" + PASSWORD)));
        Cli.Result again = jbuild("logout", "--config", dockerConfig, AUTH.host()).ok();
        assertEquals("Not logged in to " + AUTH.host() + "\n", again.out());
        Cli.Result afterLogout = jbuild("push", "--root", root, "--config", dockerConfig, ref);
        assertEquals(1, afterLogout.status());
        assertTrue(afterLogout.err().contains("401"), afterLogout.err());
    }

    @Test
    void aWrongPasswordIsAClearErrorWithoutThePassword() throws IOException {
        Path dockerConfig = tmp.resolve("docker-config");
        Cli.Result wrong = loginWithStdin(WRONG + "\n", "login", "--config", dockerConfig, "-u", USER,
                "--password-stdin", AUTH.host());
        assertEquals(1, wrong.status());
        assertEquals("", wrong.out());
        assertEquals(1, wrong.err().lines().count(), wrong.err());
        assertTrue(wrong.err().startsWith("jbuild: login " + AUTH.host() + ": "), wrong.err());
        assertTrue(wrong.err().contains("401 Unauthorized"), wrong.err());
        assertNoSecret(wrong);
        assertFalse(Files.exists(dockerConfig.resolve("config.json")), "nothing stored");

        // -p works too (with docker's warning); https:// and a path are stripped from the registry name
        Cli.Result withP = jbuild("login", "--config", dockerConfig, "-u", USER, "-p", PASSWORD,
                "http://" + AUTH.host() + "/v2/");
        assertEquals(0, withP.status(), withP.err());
        assertTrue(withP.err().startsWith("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n"),
                withP.err());
        assertTrue(Cli.JSON.readTree(dockerConfig.resolve("config.json").toFile()).path("auths").has(AUTH.host()));

        // a later wrong login leaves the stored credentials alone; other fields of config.json are kept
        String before = Files.readString(dockerConfig.resolve("config.json"));
        Cli.Result wrongAgain = loginWithStdin(WRONG, "login", "--config", dockerConfig, "-u", USER,
                "--password-stdin", AUTH.host());
        assertEquals(1, wrongAgain.status());
        assertEquals(before, Files.readString(dockerConfig.resolve("config.json")));
    }

    @Test
    void loginWithoutAPasswordNeedsATerminalAndStdinNeedsAUser() throws Exception {
        Path dockerConfig = tmp.resolve("docker-config");
        Cli.Result noTty = child(Map.of("DOCKER_CONFIG", dockerConfig.toString()), null, "login", "-u", USER,
                AUTH.host());
        assertEquals(1, noTty.status());
        assertTrue(noTty.err().startsWith("jbuild: cannot perform an interactive login from a non TTY device"),
                noTty.err());
        Cli.Result noUser = loginWithStdin(PASSWORD, "login", "--config", dockerConfig, "--password-stdin",
                AUTH.host());
        assertEquals(1, noUser.status());
        assertEquals("jbuild: must provide --username with --password-stdin\n", noUser.err());
        Cli.Result both = loginWithStdin(PASSWORD, "login", "--config", dockerConfig, "-u", USER, "-p", PASSWORD,
                "--password-stdin", AUTH.host());
        assertEquals(1, both.status());
        assertNoSecret(both);
        assertFalse(Files.exists(dockerConfig.resolve("config.json")));
    }

    @Test
    void storedCredentialsAreReusedByABareLogin() throws IOException {
        Path dockerConfig = tmp.resolve("docker-config");
        loginWithStdin(PASSWORD, "login", "--config", dockerConfig, "-u", USER, "--password-stdin", AUTH.host()).ok();
        // --config before the subcommand, where docker's global option goes
        Cli.Result bare = jbuild("--config", dockerConfig, "login", AUTH.host()).ok();
        assertEquals("Authenticating with existing credentials...\nLogin Succeeded\n", bare.out());
        assertEquals("Removing login credentials for " + AUTH.host() + "\n",
                jbuild("--config", dockerConfig, "logout", AUTH.host()).ok().out());
    }

    @Test
    void tlsRegistryWithTheCaCertOptionOrAsInsecure() throws IOException {
        Path root = tmp.resolve("root");
        String ref = TLS.host() + "/tls/app:1";
        image(root, ref);
        Path config = tmp.resolve("empty-docker-config");

        // 127.0.0.1 may use plain HTTP, but a registry that speaks TLS must present a trusted certificate
        Cli.Result untrusted = jbuild("push", "--root", root, "--config", config, ref);
        assertEquals(1, untrusted.status());
        assertTrue(untrusted.err().startsWith("jbuild: push " + ref + ": "), untrusted.err());
        assertEquals(1, untrusted.err().lines().count(), untrusted.err());

        Path ca = TestPki.write(tmp.resolve("ca.pem"), TestPki.pem(PKI.ca));
        Cli.Result trusted = jbuild("push", "--root", root, "--config", config, "--tls-ca-cert", ca, ref).ok();
        String digest = trusted.out().lines().filter(l -> l.startsWith("1: digest: ")).findFirst().orElseThrow()
                .split(" ")[2];
        String pulled = jbuild("pull", "--root", tmp.resolve("pulled"), "--config", config, "--insecure-registry",
                TLS.host(), ref).ok().out();
        assertTrue(pulled.contains("Digest: " + digest + "\n"), pulled);
        String viaSkopeo = Cli.skopeoJson("inspect", "--tls-verify=false", "docker://" + ref).path("Digest").asText();
        assertEquals(digest, viaSkopeo);
    }
}
