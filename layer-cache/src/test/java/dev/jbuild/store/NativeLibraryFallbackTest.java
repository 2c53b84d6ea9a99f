package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a JVM loads the native-call library from when the user's cache directory is on a noexec mount (the
 * library cannot be mapped from there): a private temporary directory, removed once loaded; and when that
 * is noexec too, no native calls and the same clear error as on a system without them.
 */
class NativeLibraryFallbackTest {
    @TempDir
    Path tmp;

    private static void mountNoexec(Path dir) throws Exception {
        TestData.Result r = TestData.run(null, "mount", "-t", "tmpfs", "-o", "noexec,size=4m,mode=0700", "tmpfs", dir.toString());
        assertEquals(0, r.exit(), r.stderr());
    }

    private static void umount(Path dir) throws Exception {
        TestData.run(null, "umount", dir.toString());
    }

    private TestData.Result child(Path cache, Path javaTmp) throws IOException, InterruptedException {
        return TestData.run(tmp, "env", "XDG_CACHE_HOME=" + cache, TestData.javaExecutable().toString(),
                "-Djava.io.tmpdir=" + javaTmp, "-cp", TestData.testClasspath(), ChildMain.class.getName(), "posix", "-");
    }

    @Test
    void aNoexecCacheFallsBackToAPrivateTemporaryDirectory() throws Exception {
        Overlay.requireRoot();
        Path noexec = Files.createDirectory(tmp.resolve("noexec"));
        Path javaTmp = Files.createDirectory(tmp.resolve("javatmp"));
        mountNoexec(noexec);
        try {
            TestData.Result r = child(noexec, javaTmp);
            assertEquals(0, r.exit(), r.stdout() + r.stderr());
            assertTrue(r.stdout().startsWith("AVAILABLE true\nEUID 0\n"), r.stdout());
            String mapped = r.stdout().lines().filter(l -> l.startsWith("MAPPED ")).findFirst().orElse("MAPPED none");
            assertTrue(mapped.startsWith("MAPPED " + javaTmp + "/jbuild-native-") && mapped.endsWith(" (deleted)"), mapped);
            try (var left = Files.list(javaTmp)) {
                assertEquals(List.of(), left.toList(), "the temporary library was left behind");
            }
            // the cache was tried first: the library was written there, it just could not be mapped
            try (var cached = Files.list(noexec.resolve("jbuild/native"))) {
                assertEquals(1, cached.count());
            }
        } finally {
            umount(noexec);
        }
    }

    @Test
    void withNowhereToLoadFromTheNativeCallsAreUnavailableWithAClearError() throws Exception {
        Overlay.requireRoot();
        Path noexec = Files.createDirectory(tmp.resolve("noexec"));
        mountNoexec(noexec);
        try {
            Path javaTmp = Files.createDirectory(noexec.resolve("tmp"));
            TestData.Result r = child(noexec, javaTmp);
            assertEquals(0, r.exit(), r.stdout() + r.stderr());
            assertTrue(r.stdout().startsWith("AVAILABLE false\nERROR native file-system calls are unavailable"
                    + " (overlay snapshots need Linux): "), r.stdout());
            assertTrue(r.stdout().contains("failed to map segment"), r.stdout());
            try (var left = Files.list(javaTmp)) {
                assertEquals(List.of(), left.toList(), "the temporary library was left behind");
            }
        } finally {
            umount(noexec);
        }
    }
}
