package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build FROM a Debian bookworm base ({@code testdata/base-images/debian-bookworm.sh}: debootstrap --variant=minbase
 * from the mirror apt is configured with here) whose RUN installs curl with apt-get: the image has /usr/bin/curl,
 * and curl runs in a later step. The base layout is made once and kept under target/ (keyed by the scripts' hash),
 * so repeated local runs skip debootstrap; CI runs it once. Needs root, debootstrap and the network path to the
 * Debian mirror; prints how long each part took.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class RunDebianTest {
    @TempDir
    Path tmp;

    @Test
    void aptGetInstallsCurlInADebianBookwormImage() throws Exception {
        long t0 = System.nanoTime();
        Path debian = debianLayout();
        long t1 = System.nanoTime();
        Path root = tmp.resolve("root");
        jbuild("load", "--root", root, "-i", debian).ok();
        long t2 = System.nanoTime();
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM debian:bookworm
                RUN apt-get update && apt-get install -y --no-install-recommends curl
                RUN curl --version > /curl-version
                """);
        Path layout = tmp.resolve("layout");
        Cli.Result build = jbuild("--root", root, "-t", "curl:bookworm", "-o", "type=oci,dest=" + layout, ctx);
        long t3 = System.nanoTime();
        build.ok();
        assertTrue(build.err().contains("Setting up curl"), "apt-get's output is streamed:\n" + build.err());

        Path rootfs = Cli.umociUnpack(layout, "bookworm", tmp.resolve("bundle"));
        long t4 = System.nanoTime();
        Path curl = rootfs.resolve("usr/bin/curl");
        assertTrue(Files.isRegularFile(curl), "/usr/bin/curl in the image");
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(curl)));
        assertEquals("0:0", Cli.owner(rootfs, "usr/bin/curl"));
        String version = Files.readString(rootfs.resolve("curl-version"));
        assertTrue(version.startsWith("curl 7.88."), "curl --version in a later step:\n" + version);

        // the step's layer holds what apt installed, not what the container was given
        List<Path> layers = RunFixtures.layers(layout);
        assertEquals(3, layers.size(), "the base, apt-get's layer, curl --version's layer");
        List<String> names = RunFixtures.tarNames(layers.get(1)).stream()
                .map(n -> n.startsWith("./") ? n.substring(2) : n).toList();
        assertTrue(names.contains("usr/bin/curl"), "curl is in apt-get's layer");
        assertTrue(names.stream().anyMatch(n -> n.startsWith("var/lib/dpkg/info/curl.")), "dpkg's record of curl");
        for (String n : names) {
            assertFalse(n.matches("etc/(resolv\\.conf|hosts|hostname)|(dev|proc|sys)/.*"), "apt-get's layer holds " + n);
        }

        System.out.printf("RunDebianTest: base image %s %.1f s, load %.1f s, build (apt-get update + install curl,"
                + " curl --version) %.1f s, umoci unpack %.1f s%n", debianMade ? "made in" : "cached, checked in",
                secs(t1 - t0), secs(t2 - t1), secs(t3 - t2), secs(t4 - t3));
    }

    static boolean debianMade;

    static double secs(long nanos) {
        return nanos / 1e9;
    }

    /**
     * The bookworm layout: target/run-fixtures/debian-bookworm-HASH, HASH from debian-bookworm.sh and oci-layout.sh,
     * made by the script when missing (into a temporary sibling, then renamed, so a killed run leaves no half layout).
     */
    static synchronized Path debianLayout() throws IOException {
        byte[] script = Files.readAllBytes(RunFixtures.BASE_IMAGES.resolve("debian-bookworm.sh"));
        byte[] common = Files.readAllBytes(RunFixtures.BASE_IMAGES.resolve("oci-layout.sh"));
        String hash = RunFixtures.sha256((RunFixtures.sha256(script) + RunFixtures.sha256(common)).getBytes(UTF_8))
                .substring(0, 16);
        Path dir = RunFixtures.MODULE.resolve("target/run-fixtures/debian-bookworm-" + hash);
        if (Files.isRegularFile(dir.resolve("index.json"))) {
            return dir;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            fail("testdata/base-images/debian-bookworm.sh needs root (debootstrap), as CI runs the tests");
        }
        if (Cli.tool("sh", "-c", "command -v debootstrap").status() != 0) {
            fail("debootstrap is not installed, and this test makes its Debian base image with it:"
                    + " apt-get install debootstrap (.ci/run does so)");
        }
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        RunFixtures.deleteTree(partial);
        Files.createDirectories(partial.getParent());
        Cli.Result r = Cli.tool("bash", RunFixtures.BASE_IMAGES.resolve("debian-bookworm.sh").toString(), partial.toString());
        if (r.status() != 0) {
            fail("testdata/base-images/debian-bookworm.sh failed (status " + r.status() + "):\n" + r.out() + r.err());
        }
        Files.move(partial, dir);
        debianMade = true;
        return dir;
    }
}
