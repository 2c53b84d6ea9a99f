package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jbuild fsck}: exit 0 on a built store, 1 naming a damaged blob and the tag it breaks, 0 after --repair. */
class FsckCommandTest {
    @TempDir
    Path tmp;

    @Test
    void findsADamagedLayerAndRepairsTheStore() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("a.txt"), "a".repeat(10_000));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY a.txt /a.txt\n");
        Path root = tmp.resolve("root");
        jbuild("--root", root, "-q", "-t", "fsck:1", ctx).ok();
        Cli.Result clean = jbuild("fsck", "--root", root).ok();
        assertTrue(clean.out().contains("0 corrupt, 0 dangling"), clean.out());

        String layer = jbuild("inspect", "--root", root, "fsck:1").ok().json().get(0).path("Manifest").path("layers")
                .get(0).path("digest").asText();
        Path blob = root.resolve("blobs/sha256").resolve(Digest.parse(layer).hex());
        byte[] b = Files.readAllBytes(blob);
        b[b.length / 2] ^= 0x20;
        Files.write(blob, b);

        Cli.Result damaged = jbuild("fsck", "--root", root);
        assertEquals(1, damaged.status(), damaged.out() + damaged.err());
        assertTrue(damaged.err().contains("corrupt: blobs/sha256/" + Digest.parse(layer).hex()), damaged.err());
        assertTrue(damaged.err().contains("dangling: tag docker.io/library/fsck:1"), damaged.err());

        Cli.Result repaired = jbuild("fsck", "--root", root, "--repair");
        assertEquals(0, repaired.status(), repaired.out() + repaired.err());
        assertTrue(repaired.err().contains("(removed)"), repaired.err());
        jbuild("fsck", "--root", root).ok();
        // the damaged image is gone; building again brings it back whole
        jbuild("--root", root, "-q", "-t", "fsck:1", ctx).ok();
        jbuild("fsck", "--root", root).ok();
    }
}
