package dev.jbuild.cli;

import static dev.jbuild.cli.RunFixtures.assertTree;
import static dev.jbuild.cli.RunFixtures.dir;
import static dev.jbuild.cli.RunFixtures.file;
import static dev.jbuild.cli.RunFixtures.symlink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A whole build by an unprivileged user: the tests run as root (as CI does), so this one creates the user
 * {@code jbuild-test} when it is missing (useradd gives it a /etc/subuid range) and runs {@code jbuild load} and
 * {@code jbuild build} in JVMs of their own under {@code setpriv --reuid=jbuild-test}, with a copy of the test
 * classpath, the store and the context in a directory the user owns. jbuild re-runs itself as root of a user
 * namespace that maps the user's subordinate ids (or the user alone when it has none). The steps write as root and
 * as other users inside the container; umoci (as root) unpacks the image, whose owners are those inside the
 * container.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunUnprivilegedTest {
    static final String USER = "jbuild-test";

    /**
     * The smallest unprivileged build with a step: it succeeds, in a user namespace mapping the user's subuid range,
     * and leaves no scratch directory; a failing step then fails the build with the step's own error.
     */
    @Test
    void anUnprivilegedBuildWithAStepSucceedsAndAFailingStepSaysWhy() throws Exception {
        int uid = ensureUser();
        Path base = Files.createTempDirectory(Path.of("/tmp"), "jbuild-run-unprivileged-");
        try {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            String cp = copyClassPath(base.resolve("cp"));
            Path busybox = base.resolve("busybox");
            Cli.copyTree(RunFixtures.busyboxLayout(), busybox);
            Path ctx = Files.createDirectories(base.resolve("ctx"));
            Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN cat /proc/self/uid_map > /uid_map\n");
            Path home = Files.createDirectories(base.resolve("home"));
            Path root = base.resolve("root");
            Path layout = base.resolve("layout");
            Cli.ok("chown", "-R", USER + ":", base.toString());
            Cli.Result load = asUser(cp, home, "load", "--root", root, "-i", busybox);
            assertEquals(0, load.status(), load.out() + load.err());
            Cli.Result build = asUser(cp, home, "--root", root, "-t", "unprivileged", "-o", "type=oci,dest=" + layout, ctx);
            assertEquals(0, build.status(), build.out() + build.err());
            Path rootfs = Cli.umociUnpack(layout, "latest", base.resolve("bundle"));
            String uidMap = Files.readString(rootfs.resolve("uid_map"));
            assertEquals(List.of(List.of("0", String.valueOf(uid), "1"), List.of("1", subUidStart(), "65536")),
                    uidMap.strip().lines().map(l -> List.of(l.strip().split("\\s+"))).toList(),
                    "container root is the user, ids 1... its subordinate uids: " + uidMap);
            assertEquals(List.of(), scratchDirs(root), "the build's scratch directory is gone");

            Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN mkdir -p /a/b && touch /a/b/c && chown -R 1234 /a"
                    + " && echo the-last-words && exit 3\n");
            Cli.Result failed = asUser(cp, home, "--root", root, ctx);
            assertEquals(1, failed.status(), failed.out() + failed.err());
            assertTrue(failed.err().contains("did not complete successfully: exit code: 3")
                    && failed.err().contains("the-last-words"), "the step's error: " + failed.err());
            assertTrue(!failed.err().contains("Exception"), "no cleanup exception: " + failed.err());
            assertEquals(List.of(), scratchDirs(root), "the failed build's scratch directory is gone");
        } finally {
            RunFixtures.deleteTree(base);
        }
    }

    @Test
    void anUnprivilegedUserBuildsAnImageWithStepsAsSeveralUsers() throws Exception {
        int uid = ensureUser();

        // outside the JUnit temp dir (mode 0700, under root's), owned by the user
        Path base = Files.createTempDirectory(Path.of("/tmp"), "jbuild-run-unprivileged-");
        try {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            String cp = copyClassPath(base.resolve("cp"));
            Path busybox = base.resolve("busybox");
            Cli.copyTree(RunFixtures.busyboxLayout(), busybox);
            Path ctx = base.resolve("ctx");
            Cli.copyTree(Cli.context("run-unprivileged"), ctx);
            Path home = Files.createDirectories(base.resolve("home"));
            Path root = base.resolve("root");
            Path layout = base.resolve("layout");
            Cli.ok("chown", "-R", USER + ":", base.toString());

            Cli.Result load = asUser(cp, home, "load", "--root", root, "-i", busybox);
            assertEquals(0, load.status(), load.out() + load.err());
            Cli.Result build = asUser(cp, home, "--root", root, "-t", "unprivileged", "-o", "type=oci,dest=" + layout, ctx);
            assertEquals(0, build.status(), build.out() + build.err());
            assertEquals(uid, (Integer) Files.getAttribute(root.resolve("images.json"), "unix:uid"),
                    "the store was written by " + USER);

            Map<String, String> expected = RunFixtures.busyboxTree();
            expected.put("data", dir("0755", "0:0"));
            expected.put("data/by-root", file("0644", "0:0", "root\n") + " inode=#data/by-root");
            expected.put("data/hardlink", file("0644", "0:0", "root\n") + " inode=#data/by-root");
            expected.put("data/root-uid", file("0644", "0:0", "0\n"));
            expected.put("data/chowned", file("0700", "1234:5678", "x\n"));
            expected.put("data/link", symlink("0:0", "by-root"));
            expected.put("data/shared", dir("1777", "0:0"));
            expected.put("data/shared/by-nobody", file("0644", "65534:65534", "nobody\n"));
            expected.put("data/fifo", "fifo 0644 0:0");
            expected.put("home/app/by-app", file("0644", "1000:1000", "app\n"));
            assertTree(expected, RunFixtures.tree(Cli.umociUnpack(layout, "latest", base.resolve("bundle"))),
                    "the image " + USER + " built");
        } finally {
            RunFixtures.deleteTree(base);
        }
    }

    /**
     * A user without subordinate ids: the namespace maps it alone, to root, so steps run as root (with the image's
     * supplementary groups left out, as runc does) and a step as another user says what is missing.
     */
    @Test
    void aUserWithoutSubordinateIdsBuildsAsItsOwnRoot() throws Exception {
        int uid = ensureUserWithoutSubordinateIds();
        Path base = Files.createTempDirectory(Path.of("/tmp"), "jbuild-run-unprivileged-");
        try {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            String cp = copyClassPath(base.resolve("cp"));
            Path busybox = base.resolve("busybox");
            Cli.copyTree(RunFixtures.busyboxLayout(), busybox);
            Path ctx = Files.createDirectories(base.resolve("ctx"));
            Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN cat /proc/self/uid_map > /uid_map"
                    + " && mkdir /data && echo x > /data/f\n");
            Path home = Files.createDirectories(base.resolve("home"));
            Path root = base.resolve("root");
            Path layout = base.resolve("layout");
            Cli.ok("chown", "-R", NO_SUBIDS_USER + ":", base.toString());
            Cli.Result load = asUser(NO_SUBIDS_USER, cp, home, "load", "--root", root, "-i", busybox);
            assertEquals(0, load.status(), load.out() + load.err());
            Cli.Result build = asUser(NO_SUBIDS_USER, cp, home, "--root", root, "-t", "nosub", "-o", "type=oci,dest=" + layout,
                    ctx);
            assertEquals(0, build.status(), build.out() + build.err());
            Path rootfs = Cli.umociUnpack(layout, "latest", base.resolve("bundle"));
            assertEquals(List.of("0", String.valueOf(uid), "1"),
                    List.of(Files.readString(rootfs.resolve("uid_map")).strip().split("\\s+")), "the user alone, as root");
            Map<String, String> tree = RunFixtures.tree(rootfs);
            assertEquals(dir("0755", "0:0"), tree.get("data"));
            assertEquals(file("0644", "0:0", "x\n"), tree.get("data/f"));
            assertEquals(List.of(), scratchDirs(root), "the build's scratch directory is gone");

            Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nUSER app\nRUN id\n");
            Cli.Result asApp = asUser(NO_SUBIDS_USER, cp, home, "--root", root, ctx);
            assertEquals(1, asApp.status(), asApp.out() + asApp.err());
            assertTrue(asApp.err().contains("Dockerfile:3") && asApp.err().contains("not mapped in the user namespace"),
                    asApp.err());
        } finally {
            RunFixtures.deleteTree(base);
        }
    }

    static final String NO_SUBIDS_USER = "jbuild-nosub";

    /** Creates the user when missing and takes its subordinate id ranges away; answers its uid. */
    static int ensureUserWithoutSubordinateIds() throws Exception {
        ensureUser(); // asserts root
        if (Cli.tool("id", "-u", NO_SUBIDS_USER).status() != 0) {
            Cli.tool("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", NO_SUBIDS_USER);
        }
        for (String kind : List.of("subuid", "subgid")) {
            for (String line : Files.readAllLines(Path.of("/etc/" + kind))) {
                String[] f = line.split(":");
                if (f.length == 3 && f[0].equals(NO_SUBIDS_USER)) {
                    long start = Long.parseLong(f[1]);
                    String range = start + "-" + (start + Long.parseLong(f[2]) - 1);
                    Cli.ok("usermod", kind.equals("subuid") ? "--del-subuids" : "--del-subgids", range, NO_SUBIDS_USER);
                }
            }
        }
        return Integer.parseInt(Cli.ok("id", "-u", NO_SUBIDS_USER).out().strip());
    }

    static List<Path> scratchDirs(Path root) throws Exception {
        try (var s = Files.list(root.resolve("tmp"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("build.")).toList();
        }
    }

    /** The first subordinate uid of the user (useradd gives it 65536 of them). */
    static String subUidStart() throws Exception {
        for (String line : Files.readAllLines(Path.of("/etc/subuid"))) {
            String[] f = line.split(":");
            if (f.length == 3 && f[0].equals(USER)) {
                assertEquals("65536", f[2], line);
                return f[1];
            }
        }
        throw new AssertionError("no /etc/subuid range for " + USER);
    }

    /** Creates the user when missing (useradd gives it an /etc/subuid range); answers its uid. */
    static int ensureUser() {
        assertEquals("root", System.getProperty("user.name"), "this test runs as root (as CI does) to become " + USER);
        if (Cli.tool("id", "-u", USER).status() != 0) {
            Cli.Result add = Cli.tool("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", USER);
            if (add.status() != 0 && Cli.tool("id", "-u", USER).status() != 0) {
                fail("useradd " + USER + " failed: " + add.out() + add.err());
            }
        }
        return Integer.parseInt(Cli.ok("id", "-u", USER).out().strip());
    }

    /** {@code jbuild ARGS} as the unprivileged user, in a JVM of its own. */
    static Cli.Result asUser(String cp, Path home, Object... args) throws Exception {
        return asUser(USER, cp, home, args);
    }

    /** {@code jbuild ARGS} as USER, in a JVM of its own. */
    static Cli.Result asUser(String user, String cp, Path home, Object... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "--",
                RunFixtures.javaBinary(), "-XX:-UsePerfData", "-cp", cp, Main.class.getName()));
        for (Object a : args) {
            cmd.add(String.valueOf(a));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().put("HOME", home.toString());
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        return RunFixtures.run(pb);
    }

    /** Copies the test classpath where the user can read it (root's ~/.m2 is not readable by others). */
    static String copyClassPath(Path dir) throws Exception {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : RunFixtures.classPath().split(File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            Path p = Path.of(e);
            Path copy = dir.resolve((i++) + "-" + p.getFileName());
            if (Files.isDirectory(p)) {
                Cli.copyTree(p, copy);
            } else if (Files.isRegularFile(p)) {
                Files.copy(p, copy, StandardCopyOption.COPY_ATTRIBUTES);
            } else {
                continue;
            }
            entries.add(copy.toString());
        }
        assertTrue(entries.size() > 3, "a classpath: " + entries);
        return String.join(File.pathSeparator, entries);
    }
}
