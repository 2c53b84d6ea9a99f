package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rootless path for real: a child JVM running as the unprivileged user 65534 makes rootfs
 * snapshots (no owners, no devices, user.overlay xattrs, whiteouts by mknod), mounts them with
 * overlay in a user namespace, diffs a step's upper directory through an IdMap, and prunes.
 */
class RootlessTest {
    static final int NOBODY = 65534;

    @TempDir
    Path base;

    @Test
    @Timeout(180)
    void anUnprivilegedUserMakesSnapshotsThatOverlayMountsInAUserNamespace() throws Exception {
        Overlay.requireRoot();
        TestData.Result probe = TestData.run(null, "setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "unshare", "-Urm", "true");
        assertEquals(0, probe.exit(), "this test needs setpriv and unprivileged user namespaces: " + probe.stderr());
        Posix.chmod(base, 0755);
        // The class path, copied where the unprivileged user can read it.
        Path cp = Files.createDirectory(base.resolve("cp"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : TestData.testClasspath().split(java.io.File.pathSeparator)) {
            Path src = Path.of(e);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = cp.resolve((i++) + "-" + src.getFileName());
            copyTree(src, dst);
            entries.add(dst.toString());
        }
        makeReadable(cp);
        Path tmp = Files.createDirectory(base.resolve("tmp"));
        Path root = Files.createDirectory(base.resolve("store"));
        Posix.lchown(tmp, NOBODY, NOBODY);
        Posix.lchown(root, NOBODY, NOBODY);
        List<String> cmd = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                TestData.javaExecutable().toString(), "-Djava.io.tmpdir=" + tmp,
                "-cp", String.join(java.io.File.pathSeparator, entries), ChildMain.class.getName(), "rootless",
                root.toString());
        TestData.Result r = TestData.run(base, cmd.toArray(String[]::new));
        String out = r.stdout();
        assertEquals(0, r.exit(), out + r.stderr());
        assertTrue(out.contains("CAPS owners=false devices=false xattrs=USER\n"), out);
        assertTrue(out.contains("INFO USER false\n"), out);
        assertTrue(out.contains("LS new\n"), "opaque directory honoured: " + out);
        assertTrue(out.contains("HIDDEN old2\n") && out.contains("HIDDEN doc\n"), "whiteouts honoured: " + out);
        assertTrue(out.contains("SU 4755 0\n"), "setuid kept, owner is the namespace's root: " + out);
        assertTrue(out.contains("EXIT 0\n"), out);
        List<String> diff = out.lines().filter(l -> l.startsWith("ENTRY ")).toList();
        assertEquals(List.of("ENTRY etc 0:0", "ENTRY etc/.wh.old 0:0", "ENTRY new.txt 0:0", "ENTRY opt 0:0",
                "ENTRY opt/app 0:0", "ENTRY opt/app/.wh..wh..opq 0:0", "ENTRY opt/app/y 0:0"), diff, out);
        assertTrue(out.contains("PRUNED 3 left=0\n"), "snapshots with 0000 directories are removed too: " + out);
        assertTrue(out.endsWith("DONE\n"), out);
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        if (Files.isRegularFile(src)) {
            Files.copy(src, dst);
            return;
        }
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                Files.createDirectories(dst.resolve(src.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.copy(f, dst.resolve(src.relativize(f).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void makeReadable(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path f : s.toList()) {
                Posix.chmod(f, Files.isDirectory(f) ? 0755 : 0644);
            }
        }
    }
}
