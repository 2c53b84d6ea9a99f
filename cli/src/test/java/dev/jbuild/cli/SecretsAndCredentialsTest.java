package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.registry.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret mount's content and a registry password (and its base64 form in config.json) appear nowhere jbuild
 * writes: not in its stdout or stderr — of a build that uses the secret and pushes with the password, of a push
 * refused for a wrong password, of a build whose secret-using step fails — nor in the history, {@code inspect},
 * any file of the store (layers decompressed), the OCI layout's blobs (decompressed) or the registry's storage.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SecretsAndCredentialsTest {
    static final String USER = "builder";
    static final String PASSWORD = "pw-" + UUID.randomUUID();

    @RegisterExtension
    static final RegistryServer AUTH = RegistryServer.htpasswd(USER, PASSWORD);

    @TempDir
    Path tmp;

    private Path dockerConfig(String name, String password) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(UTF_8));
        Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"" + AUTH.host() + "\":{\"auth\":\"" + auth + "\"}}}");
        return dir;
    }

    private Cli.Result run(Object... args) throws Exception {
        return RunFixtures.run(new ProcessBuilder(RunFixtures.jbuildCommand(args)));
    }

    @Test
    void neitherTheSecretNorThePasswordReachAnyOutput() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        String secret = "secret-" + UUID.randomUUID();
        String wrong = "wrong-" + UUID.randomUUID();
        Path secretFile = tmp.resolve("secret.txt");
        Files.writeString(secretFile, secret);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\n"
                + "RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /len && echo used the secret\n"
                + "ARG FAIL=no\n"
                + "RUN --mount=type=secret,id=tok test \"$FAIL\" = no || { echo failing after reading; exit 3; }\n");
        Path good = dockerConfig("good", PASSWORD);
        Path bad = dockerConfig("bad", wrong);
        Path layout = tmp.resolve("layout");
        String image = AUTH.host() + "/sec/app:1";

        List<Cli.Result> outputs = new ArrayList<>();
        Cli.Result pushed = run("--root", root, "--config", good, "--secret", "id=tok,src=" + secretFile, "-t", image,
                "--push", "-o", "type=oci,dest=" + layout, ctx);
        assertEquals(0, pushed.status(), pushed.out() + pushed.err());
        assertTrue((pushed.out() + pushed.err()).contains("digest: sha256:"), pushed.out() + pushed.err());
        outputs.add(pushed);

        Cli.Result refused = run("push", "--root", root, "--config", bad, image);
        assertNotEquals(0, refused.status(), "a wrong password is refused");
        assertTrue(refused.err().contains(AUTH.host()), "the error names the registry: " + refused.err());
        outputs.add(refused);

        Cli.Result failed = run("--root", root, "--config", good, "--secret", "id=tok,src=" + secretFile,
                "--build-arg", "FAIL=yes", "-t", "sec-failed", ctx);
        assertNotEquals(0, failed.status());
        assertTrue(failed.err().contains("exit code: 3") || failed.err().contains("3"), failed.err());
        outputs.add(failed);
        outputs.add(jbuild("history", "--root", root, "--no-trunc", image).ok());
        outputs.add(jbuild("inspect", "--root", root, image).ok());

        // the step read the secret: its length is in the image
        Path rootfs = Cli.umociUnpack(layout, "1", tmp.resolve("bundle"));
        assertEquals(secret.length() + "\n", Files.readString(rootfs.resolve("len")));

        List<String> needles = List.of(secret, PASSWORD, wrong,
                Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(UTF_8)),
                Base64.getEncoder().encodeToString((USER + ":" + wrong).getBytes(UTF_8)));
        for (Cli.Result r : outputs) {
            for (String n : needles) {
                assertFalse(r.out().contains(n) || r.err().contains(n), "a secret in jbuild's output:\n" + r.out() + r.err());
            }
        }
        int files = 0;
        for (Path dir : List.of(root, layout, AUTH.log().getParent().resolve("data"))) {
            files += RunMountsTest.assertNotIn(dir, needles).size();
        }
        assertTrue(files > 10, "the scan read the store, the layout and the registry: " + files + " files");
        assertFalse(RunFixtures.contains(Files.readAllBytes(AUTH.log()), secret.getBytes(UTF_8)), "the registry's log");
    }
}
