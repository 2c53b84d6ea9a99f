package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static dev.jbuild.cli.RunFixtures.assertTree;
import static dev.jbuild.cli.RunFixtures.dir;
import static dev.jbuild.cli.RunFixtures.file;
import static dev.jbuild.cli.RunFixtures.symlink;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RUN steps on the busybox image (testdata/base-images/busybox.sh), with the embedded helper: what they write,
 * delete, replace, link, chmod and chown becomes layers whose unpacked tree — by umoci, from jbuild's OCI export —
 * is exactly the expected one; a step cannot see the host's files or processes and cannot change a lower layer;
 * a failing step is reported with the Dockerfile line, the command, the exit code and its last lines of output.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunStepsTest {
    static final String EPOCH = "1700000000";
    static final String L = "l".repeat(100);
    static final String M = "m".repeat(100);
    static final String N = "n".repeat(100);

    @TempDir
    Path tmp;

    /** What testdata/contexts/run-steps/Dockerfile makes of the busybox tree. */
    static Map<String, String> expectedTree() throws IOException {
        Map<String, String> t = RunFixtures.busyboxTree();
        // the base image's own files that step 2 changes
        RunFixtures.removeTree(t, "root");
        assertTrue(t.containsKey("bin/vi"), "busybox has vi");
        t.remove("bin/vi");
        assertEquals(dir("1777", "0:0"), t.get("tmp"));
        t.put("tmp", dir("0777", "0:0"));
        assertEquals(file("0644", "0:0", baseGroup()), t.get("etc/group"));
        t.put("etc/group", file("0644", "0:0", baseGroup() + "extra2:x:1002:\n"));
        // step 3, as app
        t.put("home/app/by-app", file("0644", "1000:1000", "by-app\n"));
        t.put("home/app/d", dir("0755", "1000:1000"));
        t.put("home/app/id", file("0644", "1000:1000", "app:app /home/app\n"));
        // /w, after every step
        t.put("w", dir("0755", "0:0"));
        t.put("w/dangling", symlink("0:0", "/does/not/exist"));
        t.put("w/dir2file", file("0644", "0:0", "now-a-file\n"));
        t.put("w/emptied", dir("0755", "0:0"));
        t.put("w/empty", file("0644", "1000:1001", ""));
        t.put("w/exec", file("4755", "0:0", "#!/bin/sh\necho run\n"));
        t.put("w/fifo", "fifo 0644 0:0");
        t.put("w/file2dir", dir("0755", "0:0"));
        t.put("w/file2dir/in", file("0644", "0:0", "inside\n"));
        t.put("w/hl-a", file("0644", "0:0", "shared\n") + " inode=#w/hl-a");
        t.put("w/hl-b", file("0644", "0:0", "shared\n") + " inode=#w/hl-a");
        t.put("w/long", dir("0755", "0:0"));
        t.put("w/long/" + L, dir("0755", "0:0"));
        t.put("w/long/" + L + "/" + M, dir("0755", "0:0"));
        t.put("w/long/" + L + "/" + M + "/" + N, file("0644", "0:0", "deep\n"));
        t.put("w/lower-hl", file("0644", "0:0", "lower\nmore\n") + " inode=#w/lower-hl");
        t.put("w/lower-hl2", file("0644", "0:0", "lower\nmore\n") + " inode=#w/lower-hl");
        t.put("w/null", "char 0644 0:0 1,3");
        t.put("w/opaque", dir("0755", "0:0"));
        t.put("w/opaque/new", file("0644", "0:0", "new\n"));
        t.put("w/renamed", dir("0755", "0:0"));
        t.put("w/renamed/here", file("0644", "0:0", "here\n"));
        t.put("w/renamed/sub", dir("0755", "0:0"));
        t.put("w/renamed/sub/f", file("0644", "0:0", "a\n"));
        t.put("w/setgid", dir("2750", "0:0"));
        t.put("w/sticky", dir("1777", "0:0"));
        t.put("w/sym-abs", symlink("0:0", "/w/dir"));
        t.put("w/sym-rel", symlink("1000:1000", "dir/sub/f"));
        t.put("w/with space", file("0644", "0:0", "spaced\n"));
        return t;
    }

    /** /etc/group as busybox.sh writes it. */
    static String baseGroup() {
        return "root:x:0:\nextra:x:1001:app\napp:x:1000:\nnogroup:x:65534:\n";
    }

    @Test
    void stepsBecomeLayersThatUnpackToExactlyTheExpectedTree() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        Path layout = tmp.resolve("layout");
        jbuild("--root", root, "-t", "run-steps:1", "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH,
                "-o", "type=oci,dest=" + layout, Cli.context("run-steps")).ok();
        Cli.validateLayout(layout);
        Path rootfs = Cli.umociUnpack(layout, "1", tmp.resolve("bundle"));
        assertTree(expectedTree(), RunFixtures.tree(rootfs), "the unpacked run-steps image");

        // one layer per step that changed something: the base, steps 1-4; step 5 (RUN true) is an empty layer
        List<Path> layers = RunFixtures.layers(layout);
        assertEquals(5, layers.size(), "layers");
        JsonNode history = RunFixtures.config(layout).path("history");
        List<String> runs = new ArrayList<>();
        for (JsonNode h : history) {
            if (h.path("created_by").asText().startsWith("RUN ")) {
                runs.add(h.path("created_by").asText() + (h.path("empty_layer").asBoolean() ? " (empty)" : ""));
            }
        }
        assertEquals(5, runs.size(), runs.toString());
        assertEquals("RUN /bin/sh -c true # buildkit (empty)", runs.get(4));
        for (int i = 0; i < 4; i++) {
            assertFalse(runs.get(i).endsWith("(empty)"), runs.get(i));
        }

        // the whiteouts of step 2, as the OCI layer format spells them (GNU tar reads the layer)
        List<String> step2 = RunFixtures.tarNames(layers.get(2));
        for (String wh : List.of("w/.wh.gone", "w/opaque/.wh..wh..opq", "w/emptied/.wh.e", "w/.wh.dir", ".wh.root",
                "bin/.wh.vi")) {
            assertTrue(step2.contains(wh) || step2.contains("./" + wh), "whiteout " + wh + " in step 2's layer: " + step2);
        }
        // ... and they took effect in the unpacked tree (checked above): nothing of /w/gone, /w/opaque/old*, /root
        assertFalse(Files.exists(rootfs.resolve("w/gone")));
        assertFalse(Files.exists(rootfs.resolve("w/opaque/old1")));
        assertFalse(Files.exists(rootfs.resolve("root")));

        // no RUN layer carries what the container was given (resolv.conf, hosts, hostname, /dev, /proc, /sys,
        // mount points) nor overlayfs's own xattrs
        for (int i = 1; i < layers.size(); i++) {
            for (String name : RunFixtures.tarNames(layers.get(i))) {
                String n = name.startsWith("./") ? name.substring(2) : name;
                assertFalse(n.equals("etc/resolv.conf") || n.equals("etc/hosts") || n.equals("etc/hostname")
                        || n.matches("(dev|proc|sys|run)(/.*)?"), "layer " + i + " holds " + name);
            }
            byte[] tar = RunFixtures.uncompressed(layers.get(i));
            for (String x : List.of("trusted.overlay", "user.overlay")) {
                assertFalse(RunFixtures.contains(tar, x.getBytes(UTF_8)), "layer " + i + " holds an xattr " + x);
            }
        }
    }

    @Test
    void aStepCannotChangeALowerLayer() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        jbuild("--root", root, "-q", "-t", "run-steps:1", Cli.context("run-steps")).ok();
        // the rootfs snapshots the steps mount as their lower layers (a layer is unpacked there once)
        Map<String, String> snapshots = storeTree(root.resolve("rootfs"));
        assertFalse(snapshots.isEmpty(), "the build unpacked its layers into the store");
        // other steps that change the same files, on the same (shared, read-only) snapshots
        Path ctx2 = Files.createDirectories(tmp.resolve("ctx2"));
        Files.writeString(ctx2.resolve("Dockerfile"), """
                FROM busybox
                RUN rm -rf /etc/passwd /etc/group /root /home/app/* /bin/vi && chmod 0700 /tmp && chown -R 1000:1000 /home && touch /bin/sh
                """);
        jbuild("--root", root, "-q", "-t", "run-steps:2", ctx2).ok();
        assertEquals(snapshots, storeTree(root.resolve("rootfs")), "the store's layer snapshots after a second build");

        // a second image from the same base sees the base's files as they were
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox
                RUN cat /etc/group > /group-copy && stat -c '%a %u:%g' /tmp /root > /modes && test -L /bin/vi
                """);
        Path layout = tmp.resolve("layout");
        jbuild("--root", root, "-q", "-t", "after", "-o", "type=oci,dest=" + layout, ctx).ok();
        Map<String, String> expected = RunFixtures.busyboxTree();
        expected.put("group-copy", file("0644", "0:0", baseGroup()));
        expected.put("modes", file("0644", "0:0", "1777 0:0\n700 0:0\n"));
        assertTree(expected, RunFixtures.tree(Cli.umociUnpack(layout, "latest", tmp.resolve("bundle"))),
                "an image built from busybox after run-steps");
    }

    @Test
    void aStepSeesNeitherTheHostsFilesNorItsProcesses() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        String marker = "host-marker-" + UUID.randomUUID();
        Path inTmp = Path.of("/tmp", marker);
        Files.writeString(inTmp, "host\n");
        Files.writeString(tmp.resolve(marker), "host\n");
        String secs = String.valueOf(800_000 + (int) (Math.random() * 90_000));
        Process sleeper = new ProcessBuilder("sleep", secs).start();
        try {
            Path ctx = Files.createDirectories(tmp.resolve("ctx"));
            Files.writeString(ctx.resolve("Dockerfile"), """
                    FROM busybox
                    ARG MARKER
                    RUN mkdir /seen \\
                     && find / \\( -path /proc -o -path /sys \\) -prune -o -name "$MARKER" -print > /seen/found \\
                     && ls -A /tmp > /seen/tmp \\
                     && for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done > /seen/ps \\
                     && hostname > /seen/hostname \\
                     && cat /etc/hostname > /seen/etc-hostname \\
                     && if touch /proc/sysrq-trigger 2>/dev/null || mkdir /sys/x 2>/dev/null; then echo writable; else echo read-only; fi > /seen/sys
                    """);
            Path layout = tmp.resolve("layout");
            jbuild("--root", root, "-q", "-t", "iso", "--build-arg", "MARKER=" + marker, "-o", "type=oci,dest=" + layout,
                    ctx).ok();
            Path rootfs = Cli.umociUnpack(layout, "latest", tmp.resolve("bundle"));
            assertEquals("", Files.readString(rootfs.resolve("seen/found")), "the host's marker files are not visible");
            assertEquals("", Files.readString(rootfs.resolve("seen/tmp")), "/tmp is the image's (empty) /tmp");
            String ps = Files.readString(rootfs.resolve("seen/ps"));
            assertFalse(ps.contains(secs), "a host process is visible:\n" + ps);
            assertFalse(ps.contains("java"), "the host's JVM is visible:\n" + ps);
            assertTrue(ps.lines().filter(l -> !l.isBlank()).count() <= 6, "only the step's processes:\n" + ps);
            assertEquals("buildkitsandbox\n", Files.readString(rootfs.resolve("seen/hostname")));
            assertEquals("buildkitsandbox\n", Files.readString(rootfs.resolve("seen/etc-hostname")));
            assertEquals("read-only\n", Files.readString(rootfs.resolve("seen/sys")));
            assertFalse(Files.exists(rootfs.resolve("etc/hostname")), "/etc/hostname is not captured");
        } finally {
            sleeper.destroyForcibly();
            Files.deleteIfExists(inTmp);
        }
    }

    @Test
    void aFailingStepReportsItsLineCommandExitCodeAndLastLines() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        Cli.Result r = jbuild("--root", root, "-t", "fails", Cli.context("run-fail"));
        assertEquals(1, r.status(), r.out() + r.err());
        String err = r.err();
        String command = "for i in $(seq 1 30); do echo out-$i; done; exit 7";
        String message = "jbuild: Dockerfile:5: RUN " + command + ": process \"/bin/sh -c " + command
                + "\" did not complete successfully: exit code: 7";
        assertTrue(err.contains(message), "expected\n" + message + "\nin\n" + err);
        String tail = err.substring(err.indexOf(message) + message.length());
        StringBuilder last = new StringBuilder("\n---- last lines of output ----");
        for (int i = 19; i <= 30; i++) {
            last.append("\nout-").append(i);
        }
        assertEquals(last + "\n", tail, "the last 12 lines of the step's output follow the message");
        assertTrue(err.lines().anyMatch(l -> l.matches("#\\d+ \\d+\\.\\d{3} out-1")),
                "the whole output was streamed as it came:\n" + err);
        assertFalse(err.contains("never-runs"), "the build stops at the failing step");
        assertEquals("", jbuild("images", "--root", root, "-q", "fails").ok().out(), "no image is tagged");
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("build.")).toList(),
                    "the failed build's scratch directory is removed");
        }
    }

    /** The last thing a failing command prints (its error, on stderr) is among the last lines reported. */
    @Test
    void aFailingStepsLastStderrLineIsInTheLastLines() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        for (int i = 0; i < 5; i++) {
            Cli.Result r = jbuild("--root", root, "-t", "fails", "-f", Cli.context("run-fail").resolve("Dockerfile.stderr"),
                    Cli.context("run-fail"));
            assertEquals(1, r.status(), r.out() + r.err());
            String tail = r.err().substring(r.err().indexOf("---- last lines of output ----"));
            assertTrue(tail.endsWith("error-on-stderr\n"), "run " + i + ": the last line written is the last reported:\n" + tail);
        }
    }

    static final String USERS_DOCKERFILE = """
            FROM busybox
            RUN mkdir /g && echo for-extra > /g/extra-only && chown 0:1001 /g/extra-only && chmod 0040 /g/extra-only \\
             && id > /g/root-id
            USER app
            RUN cat /g/extra-only > /tmp/read-by-app && id -G > /tmp/app-groups && id > /tmp/app-id
            USER 1000:1001
            RUN id > /tmp/numeric-id
            USER nobody
            RUN id > /tmp/nobody-id
            """;

    /** A user's supplementary groups (from the image's /etc/group) take effect in its RUN steps. */
    @Test
    void userStepsHaveTheUsersSupplementaryGroups() throws Exception {
        Path rootfs = buildUsers();
        assertEquals("for-extra\n", Files.readString(rootfs.resolve("tmp/read-by-app")), "app reads a file of group extra");
        assertTrue(List.of(Files.readString(rootfs.resolve("tmp/app-groups")).strip().split(" ")).contains("1001"));
    }

    /**
     * The groups of a RUN step as BuildKit gives them: the primary group is also a supplementary group (BuildKit's
     * executor/oci/user.go ensureAdditionalGids, since moby/buildkit a0ef27c59, v0.12), so {@code id} shows it.
     */
    @Test
    void userStepsHaveBuildKitsGroupList() throws Exception {
        Path rootfs = buildUsers();
        assertEquals("uid=0(root) gid=0(root) groups=0(root)\n", Files.readString(rootfs.resolve("g/root-id")));
        assertEquals("uid=1000(app) gid=1000(app) groups=1000(app),1001(extra)\n",
                Files.readString(rootfs.resolve("tmp/app-id")));
        assertEquals("uid=1000(app) gid=1001(extra) groups=1001(extra)\n", Files.readString(rootfs.resolve("tmp/numeric-id")));
        assertEquals("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n",
                Files.readString(rootfs.resolve("tmp/nobody-id")));
    }

    private Path buildUsers() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), USERS_DOCKERFILE);
        Path layout = tmp.resolve("layout");
        jbuild("--root", root, "-q", "-t", "users", "-o", "type=oci,dest=" + layout, ctx).ok();
        return Cli.umociUnpack(layout, "latest", tmp.resolve("bundle"));
    }

    /** path -> type, mode, owner and content digest of everything under DIR (the store's snapshots). */
    static Map<String, String> storeTree(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (Files.isDirectory(dir)) {
            m.putAll(RunFixtures.tree(dir));
        }
        return m;
    }
}
