package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --runtime=runc} and {@code --runtime=crun} give the same image, byte for byte, as the embedded helper
 * for deterministic Dockerfiles built with SOURCE_DATE_EPOCH: the same image id, manifest digest and OCI layout
 * tar. (runc and crun must be installed: .ci/run installs them; a missing one fails with an install hint.)
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunRuntimesTest {
    static final List<String> RUNTIMES = List.of("native", "runc", "crun");
    static final String EPOCH = "1700000000";

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"run-steps", "run-runtimes"})
    void everyRuntimeGivesTheSameImage(String context) throws Exception {
        Map<String, String> ids = new LinkedHashMap<>();
        Map<String, byte[]> tars = new LinkedHashMap<>();
        for (String runtime : RUNTIMES) {
            Path root = tmp.resolve("root-" + runtime);
            RunFixtures.loadBusybox(root);
            Path tar = tmp.resolve(runtime + ".tar");
            Cli.Result r = jbuild("--root", root, "-q", "-t", "same:1", "--runtime=" + runtime,
                    "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH, "-o", "type=oci,dest=" + tar, Cli.context(context));
            r.ok();
            ids.put(runtime, r.out().strip() + " "
                    + Cli.JSON.readTree(root.resolve("images.json").toFile()).path("tags").path("docker.io/library/same:1").asText());
            tars.put(runtime, Files.readAllBytes(tar));
        }
        if (!ids.get("native").equals(ids.get("runc")) || !ids.get("native").equals(ids.get("crun"))) {
            // show how the trees differ
            StringBuilder b = new StringBuilder("image id and manifest digest per runtime: " + ids + "\n");
            Map<String, String> nativeTree = unpack("native");
            for (String rt : List.of("runc", "crun")) {
                try {
                    RunFixtures.assertTree(nativeTree, unpack(rt), rt + "'s image (expected: native's)");
                } catch (AssertionError e) {
                    b.append(e.getMessage()).append('\n');
                }
            }
            throw new AssertionError(b.toString());
        }
        assertArrayEquals(tars.get("native"), tars.get("runc"), "the OCI layout tars of native and runc");
        assertArrayEquals(tars.get("native"), tars.get("crun"), "the OCI layout tars of native and crun");

        if (context.equals("run-runtimes")) {
            Path layout = Files.createDirectories(tmp.resolve("layout"));
            Cli.ok("tar", "-xf", tmp.resolve("native.tar").toString(), "-C", layout.toString());
            Path rootfs = Cli.umociUnpack(layout, "1", tmp.resolve("bundle"));
            assertEquals("from the context\n", Files.readString(rootfs.resolve("app/from-bind")));
            assertEquals("hello /root /app\n", Files.readString(rootfs.resolve("app/env")));
            assertEquals("t\n", Files.readString(rootfs.resolve("app/tmpfs-listing")));
            assertEquals("c\n", Files.readString(rootfs.resolve("app/cache-seen")));
            assertEquals("heredoc\n", Files.readString(rootfs.resolve("app/heredoc")));
            assertEquals("1000 1000 /home/app\n", Files.readString(rootfs.resolve("home/app/ids")));
            try (var files = Files.list(rootfs.resolve("app"))) {
                assertEquals(List.of("cache-seen", "env", "from-bind", "heredoc", "input.txt", "tmpfs-listing"),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), "/app: no mount point left behind");
            }
        }
    }

    private Map<String, String> unpack(String runtime) throws Exception {
        Path layout = Files.createDirectories(tmp.resolve("layout-" + runtime));
        Cli.ok("tar", "-xf", tmp.resolve(runtime + ".tar").toString(), "-C", layout.toString());
        return RunFixtures.tree(Cli.umociUnpack(layout, "1", tmp.resolve("bundle-" + runtime)));
    }
}
