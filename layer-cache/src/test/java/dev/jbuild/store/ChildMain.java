package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;

/** Entry point of the child JVMs the tests start (a second jbuild process). */
public final class ChildMain {
    private ChildMain() {}

    @SuppressWarnings("try") // held for its scope only
    public static void main(String[] args) throws Exception {
        Path root = Paths.get(args[1]);
        switch (args[0]) {
            case "write" -> {
                // write <root> <seed> <count> <size>: the same content, count times
                Store store = Store.open(root);
                byte[] content = TestData.pattern(Long.parseLong(args[2]), Integer.parseInt(args[4]));
                Digest d = null;
                for (int i = 0; i < Integer.parseInt(args[3]); i++) {
                    try (BlobWriter w = store.blobs().writer()) {
                        for (int off = 0; off < content.length; off += 4096) {
                            w.write(content, off, Math.min(4096, content.length - off));
                        }
                        d = w.commit().digest();
                    }
                }
                System.out.println("OK " + d);
            }
            case "hang" -> {
                // hang <root>: a writer that never finishes
                Store store = Store.open(root);
                BlobWriter w = store.blobs().writer();
                w.write(TestData.pattern(7, 1 << 20));
                w.flush();
                System.out.println("WRITING " + w.tempFile());
                System.out.flush();
                Thread.sleep(600_000);
            }
            case "shared" -> {
                // shared <root>: hold a shared lock until stdin has a line (or closes)
                Store store = Store.open(root);
                try (StoreLock l = store.lockShared()) {
                    System.out.println("LOCKED");
                    System.out.flush();
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                }
                System.out.println("RELEASED");
            }
            case "biglayer" -> {
                // biglayer <root> <size>: a layer with one generated file of <size> bytes, written and read back
                Store store = Store.open(root);
                long size = Long.parseLong(args[2]);
                int[] opens = {0};
                LayerEntry big = LayerEntry.file("big.bin", 0644, 0, 0, Instant.ofEpochSecond(1_700_000_000L), size,
                        () -> {
                            opens[0]++;
                            return TestData.generated(size);
                        });
                MessageDigest expected = Digest.newSha256();
                try (InputStream in = TestData.generated(size)) {
                    byte[] buf = new byte[65536];
                    for (int n; (n = in.read(buf)) >= 0;) {
                        expected.update(buf, 0, n);
                    }
                }
                Layer layer = LayerWriter.write(store.blobs(), List.of(
                        LayerEntry.directory("d", 0755, 0, 0, Instant.EPOCH), big), Compression.GZIP, null);
                long heapAfterWrite = usedHeap();
                MessageDigest actual = Digest.newSha256();
                long read = 0;
                try (LayerReader r = LayerReader.open(store.blobs(), layer.digest())) {
                    for (LayerEntry e; (e = r.next()) != null;) {
                        if (e.path().equals("big.bin")) {
                            byte[] buf = new byte[65536];
                            InputStream in = r.content();
                            for (int n; (n = in.read(buf)) >= 0;) {
                                actual.update(buf, 0, n);
                                read += n;
                            }
                        }
                    }
                    if (!r.diffId().equals(layer.diffId())) {
                        throw new AssertionError("diff-id " + r.diffId() + " != " + layer.diffId());
                    }
                }
                if (read != size || !MessageDigest.isEqual(expected.digest(), actual.digest())) {
                    throw new AssertionError("content differs after reading back (" + read + " bytes)");
                }
                System.out.println("OK opens=" + opens[0] + " maxHeap=" + Runtime.getRuntime().maxMemory()
                        + " usedAfterWrite=" + heapAfterWrite + " blobSize=" + layer.descriptor().size());
            }
            case "sample" -> {
                // sample <root>: the sample layer in every compression, for cross-process reproducibility
                Store store = Store.open(root);
                for (Compression c : Compression.values()) {
                    Layer l = LayerWriter.write(store.blobs(), LayerWriterTest.sample(0), c, null);
                    System.out.println(c + " " + l.digest() + " " + l.descriptor().size() + " " + l.diffId());
                }
            }
            case "rootless" -> rootless(root);
            case "posix" -> {
                // posix <unused>: whether the native calls load, and from which file (or why not)
                System.out.println("AVAILABLE " + Posix.available());
                try {
                    System.out.println("EUID " + Posix.geteuid());
                } catch (java.io.IOException e) {
                    System.out.println("ERROR " + e.getMessage());
                }
                java.nio.file.Files.readAllLines(Path.of("/proc/self/maps")).stream()
                        .filter(l -> l.contains("libjbuild-posix")).findFirst()
                        .ifPresent(l -> System.out.println("MAPPED " + l.substring(l.indexOf('/'))));
            }
            case "sha256-first" -> {
                // sha256-first <unused>: NativeDigests installed, a digest is the JVM's first use of the library
                NativeDigests.install();
                MessageDigest md = Digest.newSha256();
                System.out.println("CLASS " + md.getClass().getSimpleName());
                System.out.println("DIGEST " + Digest.fromMessageDigest(md.digest("abc".getBytes(StandardCharsets.UTF_8))));
                System.out.println("AVAILABLE " + Posix.available());
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * rootless <root>: run as an unprivileged user: rootfs snapshots of an image, mounted by
     * overlay in a user namespace (userxattr), a step's changes diffed, then a prune.
     */
    private static void rootless(Path root) throws Exception {
        Store store = Store.open(root);
        RootfsSnapshots rootfs = store.rootfs();
        System.out.println("CAPS owners=" + rootfs.exactOwners() + " devices=" + rootfs.devices()
                + " xattrs=" + rootfs.overlayXattrs());
        Layer l1 = LayerWriter.write(store.blobs(), UpperDiffTest.layer1(), Compression.GZIP, null);
        Layer l2 = LayerWriter.write(store.blobs(), UpperDiffTest.layer2(), Compression.GZIP, null);
        Layer odd = LayerWriter.write(store.blobs(), RootfsSnapshotsTest.everything(), Compression.GZIP, null);
        Path r1 = rootfs.ensure(l1);
        Path r2 = rootfs.ensure(l2);
        rootfs.ensure(odd);
        System.out.println("INFO " + rootfs.info(l2.diffId()).overlayXattrs() + " " + rootfs.info(l2.diffId()).exactOwners());
        Path mnt = java.nio.file.Files.createDirectories(root.resolve("mnt"));
        Path upper = java.nio.file.Files.createDirectories(mnt.resolve("upper"));
        Path work = java.nio.file.Files.createDirectories(mnt.resolve("work"));
        Path merged = java.nio.file.Files.createDirectories(mnt.resolve("merged"));
        String m = merged.toString();
        String script = "set -e\n"
                + "mount -t overlay overlay -o lowerdir=" + r2 + ":" + r1 + ",upperdir=" + upper + ",workdir=" + work
                + "," + rootfs.overlayXattrs().mountOptions() + " " + m + "\n"
                + "echo \"LS $(ls " + m + "/opt/app)\"\n"
                + "test ! -e " + m + "/etc/old2 && echo HIDDEN old2\n"
                + "test ! -e " + m + "/usr/share/doc && echo HIDDEN doc\n"
                + "echo \"SU $(stat -c '%a %u' " + m + "/bin/su)\"\n"
                + "rm " + m + "/etc/old\n"
                + "echo step > " + m + "/new.txt\n"
                + "rm -r " + m + "/opt/app\n"
                + "mkdir " + m + "/opt/app\n"
                + "echo y > " + m + "/opt/app/y\n"
                + "umount " + m + "\n";
        Process p = new ProcessBuilder("unshare", "-Urm", "sh", "-c", script).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        System.out.print(out);
        System.out.println("EXIT " + p.waitFor());
        IdMap map = IdMap.of(0, Posix.geteuid(), 1);
        for (LayerEntry e : UpperDiff.entries(upper, java.util.Set.of(), null, map, map)) {
            System.out.println("ENTRY " + e.path() + " " + e.uid() + ":" + e.gid());
        }
        PruneResult pr = store.prune(java.util.Set.of());
        System.out.println("PRUNED " + pr.removedSnapshots().size() + " left=" + rootfs.list().size());
        System.out.println("DONE");
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
