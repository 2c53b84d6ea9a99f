package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directories under which a store makes whole trees (unpacked layers, builds' scratch) carry ext4's
 * top-directory hint (chattr +T) where the file system has it, so that each tree gets a block group of its own.
 */
class StoreLayoutTest {
    @TempDir
    Path dir;

    @Test
    void treeParentsAreTopDirectoriesOnExt4() throws Exception {
        Path root = dir.resolve("store");
        Store store = Store.open(root);
        store.rootfs().capabilities(); // makes rootfs/
        boolean ext = Files.getFileStore(dir).type().matches("ext[234]");
        for (Path p : new Path[] {root, root.resolve("snapshots"), root.resolve("tmp"), root.resolve("rootfs")}) {
            assertTrue(Files.isDirectory(p), p.toString());
            if (ext) {
                assertTrue(lsattrFlags(p).contains("T"), p + ": " + lsattrFlags(p));
            }
        }
        // idempotent: opening again keeps the store as it was
        Store.open(root);
        assertEquals(ext, Posix.setTopDir(root));
    }

    private static String lsattrFlags(Path p) throws IOException, InterruptedException {
        Process proc = new ProcessBuilder("lsattr", "-d", p.toString()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, proc.waitFor(), out);
        return out.split("\\s+")[0];
    }
}
