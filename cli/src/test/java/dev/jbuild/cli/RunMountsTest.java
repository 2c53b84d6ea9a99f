package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static dev.jbuild.cli.RunFixtures.assertTree;
import static dev.jbuild.cli.RunFixtures.dir;
import static dev.jbuild.cli.RunFixtures.file;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RUN --mount on the busybox image: cache mounts persist across builds in the store and never reach the image;
 * secrets (--secret id=X,src=FILE and env=VAR) reach the step and nothing else — no layer blob, no config or
 * history, no file of the store, no output of jbuild.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunMountsTest {
    @TempDir
    Path tmp;

    @Test
    void cacheMountsPersistAcrossBuildsAndStayOutOfTheImage() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        jbuild("--root", root, "-q", "-t", "cache:1", "--build-arg", "ROUND=1", Cli.context("run-cache")).ok();
        Path layout = tmp.resolve("layout");
        jbuild("--root", root, "-q", "-t", "cache:2", "--build-arg", "ROUND=2", "-o", "type=oci,dest=" + layout,
                Cli.context("run-cache")).ok();

        Map<String, String> expected = RunFixtures.busyboxTree();
        expected.put("seen", file("0644", "0:0", "round 1\nround 2\n"));
        expected.put("owned-stat", file("0644", "0:0", "1000:1001 750\n"));
        expected.put("owned-rounds", file("0644", "0:0", "1\n2\n"));
        expected.put("locked-rounds", file("0644", "0:0", "1\n2\n"));
        expected.put("home-seen", file("0644", "0:0", "in-cache-1\nin-cache-2\n"));
        // the image's own /home/app, untouched: owned by app, empty
        assertEquals(dir("0755", "1000:1000"), expected.get("home/app"));
        assertTree(expected, RunFixtures.tree(Cli.umociUnpack(layout, "2", tmp.resolve("bundle"))),
                "the second build's image");
        for (Path layer : RunFixtures.layers(layout).subList(1, RunFixtures.layers(layout).size())) {
            for (String name : RunFixtures.tarNames(layer)) {
                assertFalse(name.matches("(\\./)?(var|owned|locked|home/app/in-cache-.*)(/.*)?"),
                        "a cache mount's path in a layer: " + name);
            }
        }
    }

    @Test
    void secretsReachTheStepAndNothingElse() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        String fileSecret = "file-secret-" + UUID.randomUUID();
        String envSecret = "env-secret-" + UUID.randomUUID();
        Path secretFile = tmp.resolve("secret.txt");
        Files.writeString(secretFile, fileSecret);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        Path layout = tmp.resolve("layout");
        Path archive = tmp.resolve("image.tar");

        // a JVM of its own: env=VAR reads jbuild's environment
        ProcessBuilder pb = new ProcessBuilder(RunFixtures.jbuildCommand("--root", root, "-t", "secrets",
                "--secret", "id=filesecret,src=" + secretFile, "--secret", "id=envsecret,env=JBUILD_TEST_TOKEN",
                "-o", "type=oci,dest=" + layout, "-o", "type=docker,dest=" + archive, Cli.context("run-secrets")));
        pb.environment().put("JBUILD_TEST_TOKEN", envSecret);
        Cli.Result r = RunFixtures.run(pb);
        assertEquals(0, r.status(), r.out() + r.err());

        // the steps saw the secrets
        Map<String, String> expected = RunFixtures.busyboxTree();
        String fileSum = RunFixtures.sha256(fileSecret.getBytes(UTF_8)) + "\n";
        String envSum = RunFixtures.sha256(envSecret.getBytes(UTF_8)) + "\n";
        expected.put("file.sum", file("0644", "0:0", fileSum));
        expected.put("file.stat", file("0644", "0:0", "400 0:0\n"));
        expected.put("env.sum", file("0644", "0:0", envSum));
        expected.put("target.sum", file("0644", "0:0", fileSum));
        expected.put("target.stat", file("0644", "0:0", "440 1000:1001\n"));
        expected.put("envfile.sum", file("0644", "0:0", envSum));
        expected.put("both", file("0644", "0:0", "ok\n"));
        expected.put("optional", file("0644", "0:0", "absent\n"));
        // ... and left nothing behind: no /run/secrets, no /etc/app, no /s
        assertTree(expected, RunFixtures.tree(Cli.umociUnpack(layout, "latest", tmp.resolve("bundle"))),
                "the secrets image");

        // nowhere: jbuild's output, the history, every file of the store (layers gunzipped), the exports
        List<String> secrets = List.of(fileSecret, envSecret);
        for (String s : secrets) {
            assertFalse(r.out().contains(s) || r.err().contains(s), "a secret in jbuild's output:\n" + r.out() + r.err());
        }
        Cli.Result history = jbuild("history", "--root", root, "--no-trunc", "secrets").ok();
        Cli.Result inspect = jbuild("inspect", "--root", root, "secrets").ok();
        for (String s : secrets) {
            assertFalse(history.out().contains(s), history.out());
            assertFalse(inspect.out().contains(s), inspect.out());
        }
        Path unpackedArchive = Files.createDirectories(tmp.resolve("archive"));
        Cli.ok("tar", "-xf", archive.toString(), "-C", unpackedArchive.toString());
        List<String> scanned = new ArrayList<>();
        for (Path dir : List.of(root, layout, archive, unpackedArchive)) {
            scanned.addAll(assertNotIn(dir, secrets));
        }
        assertTrue(scanned.stream().anyMatch(p -> p.contains("blobs/sha256")), "scanned the store's blobs: " + scanned);
    }

    /** Fails when any file under PATH (or PATH itself), gunzipped when it is gzip, contains one of the secrets. */
    static List<String> assertNotIn(Path path, List<String> secrets) throws IOException {
        List<String> files = new ArrayList<>();
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                files.add(f.toString());
                byte[] raw = Files.readAllBytes(f);
                byte[] plain = RunFixtures.uncompressed(f);
                for (String s : secrets) {
                    byte[] needle = s.getBytes(UTF_8);
                    assertFalse(RunFixtures.contains(raw, needle) || RunFixtures.contains(plain, needle),
                            "a secret is in " + f);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return files;
    }
}
