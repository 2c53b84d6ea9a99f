package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SOURCE_DATE_EPOCH makes a build reproducible: the same Dockerfile built from two copies of its
 * context whose files have different mtimes (both later than the epoch, as a checkout's are), into
 * two different stores, gives the same manifest digest and an OCI layout tar that is the same byte
 * for byte — whether the epoch comes as a build arg or from the environment. File times are
 * clamped as BuildKit's rewrite-timestamp clamps them: a time later than the epoch becomes the
 * epoch, an earlier one is kept.
 */
class ReproducibleBuildTest {
    static final String EPOCH = "1700000000";

    @TempDir
    Path tmp;

    @Test
    void sameDigestAndSameTarFromContextsWithDifferentMtimes() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Cli.copyTree(Cli.context("files"), a);
        Cli.copyTree(Cli.context("files"), b);
        touchAll(a, Instant.parse("2024-02-03T04:05:06Z"), 0);
        touchAll(b, Instant.parse("2025-05-06T07:08:09.123456789Z"), 977);
        assertNotEquals(Files.getLastModifiedTime(a.resolve("hello.txt")), Files.getLastModifiedTime(b.resolve("hello.txt")));

        Path tarA = tmp.resolve("a.tar");
        Path tarB = tmp.resolve("b.tar");
        String idA = jbuild("--root", tmp.resolve("root-a"), "-q", "-t", "repro:1", "--build-arg",
                "SOURCE_DATE_EPOCH=" + EPOCH, "-o", "type=oci,dest=" + tarA, a).ok().out().strip();
        String idB = jbuild("--root", tmp.resolve("root-b"), "-q", "-t", "repro:1", "--build-arg",
                "SOURCE_DATE_EPOCH=" + EPOCH, "-o", "type=oci,dest=" + tarB, b).ok().out().strip();
        assertEquals(idA, idB, "image ids");
        assertEquals(manifestDigest(tmp.resolve("root-a")), manifestDigest(tmp.resolve("root-b")), "manifest digests");
        assertArrayEquals(Files.readAllBytes(tarA), Files.readAllBytes(tarB), "the OCI layout tars");

        // the same from the environment, in another process (the launcher's way: java -cp ... Main)
        Path tarC = tmp.resolve("c.tar");
        Path rootC = tmp.resolve("root-c");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--root", rootC.toString(), "-q",
                "-t", "repro:1", "-o", "type=oci,dest=" + tarC, b.toString());
        pb.environment().put("SOURCE_DATE_EPOCH", EPOCH);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(5, TimeUnit.MINUTES);
        assertEquals(0, p.exitValue(), out);
        assertEquals(idA, out.strip());
        assertEquals(manifestDigest(tmp.resolve("root-a")), manifestDigest(rootC));
        assertArrayEquals(Files.readAllBytes(tarA), Files.readAllBytes(tarC), "the OCI layout tar, epoch from the env");

        // and it is a valid layout
        Path layout = tmp.resolve("layout");
        Files.createDirectories(layout);
        Cli.ok("tar", "-xf", tarA.toString(), "-C", layout.toString());
        Cli.validateLayout(layout);
        JsonNode info = Cli.skopeoJson("inspect", "oci-archive:" + tarA + ":1");
        assertEquals("2023-11-14T22:13:20Z", info.path("Created").asText());
    }

    @Test
    void fileTimesAreClampedToTheEpoch() throws IOException {
        Path ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY old.txt new.txt /\n");
        Files.writeString(ctx.resolve("old.txt"), "old\n");
        Files.writeString(ctx.resolve("new.txt"), "new\n");
        Instant old = Instant.parse("2001-02-03T04:05:06Z");
        Files.setLastModifiedTime(ctx.resolve("old.txt"), FileTime.from(old));
        Path layout = tmp.resolve("layout");
        jbuild("--root", tmp.resolve("root"), "-q", "-t", "times", "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH,
                "-o", "type=oci,dest=" + layout, ctx).ok();
        Path rootfs = Cli.umociUnpack(layout, "latest", tmp.resolve("bundle"));
        assertEquals(old, Files.getLastModifiedTime(rootfs.resolve("old.txt")).toInstant());
        assertEquals(Instant.ofEpochSecond(Long.parseLong(EPOCH)),
                Files.getLastModifiedTime(rootfs.resolve("new.txt")).toInstant());
    }

    @Test
    void withoutAnEpochTheCreationTimeIsNow() {
        Path root = tmp.resolve("root");
        Instant before = Instant.now().minusSeconds(1);
        jbuild("--root", root, "-q", "-t", "now", "--target", "app", Cli.context("stages")).ok();
        JsonNode inspect = jbuild("inspect", "--root", root, "now").ok().json();
        Instant created = Instant.parse(inspect.get(0).path("Config").path("created").asText());
        assertEquals(true, !created.isBefore(before) && !created.isAfter(Instant.now()), created.toString());
    }

    private static String manifestDigest(Path root) throws IOException {
        return Cli.JSON.readTree(root.resolve("images.json").toFile()).path("tags").path("docker.io/library/repro:1")
                .asText();
    }

    /** Sets every file's mtime (not following symlinks), {@code step} seconds apart in walk order. */
    private static void touchAll(Path dir, Instant base, long step) throws IOException {
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted().forEach(all::add);
        }
        long i = 0;
        for (Path p : all) {
            FileTime t = FileTime.from(base.plusSeconds(step * i++));
            if (Files.isSymbolicLink(p)) {
                continue; // Java cannot set a symlink's own mtime; its target's is set
            }
            Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(t, t, null);
        }
    }
}
