package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.OciJson;
import java.nio.charset.StandardCharsets;

/**
 * Work that every build pays once per process, started on a second thread while the main thread parses the command
 * line and the Dockerfile: the JDK's NIO library, the first digest (libcrypto's loading), the JSON reader and the
 * OCI records' codecs, Jackson's generator, and the bootstrap of record equality, which the stage threads need
 * first. Nothing here has an effect a command could see: it fills the same caches the command would fill. (A third thread warming the Dockerfile parser was
 * tried: on two cores it made no-op builds slower.)
 */
final class StartupWarmup {
    private StartupWarmup() {}

    /** The commands that read OCI JSON (build, push, pull...): not --version, --help or a usage error. */
    static Thread startFor(String[] args) {
        for (String a : args) {
            if (a.equals("--version") || a.equals("-V") || a.equals("--help") || a.equals("-h")) {
                return null;
            }
        }
        if (args.length == 0) {
            return null;
        }
        // A class, not a method reference: CdsTraining starts the thread here too, but a lambda that the AOT cache
        // lacks is spun at run time, and the first one makes the main thread set up the JDK's class-file API.
        Thread t = new Thread(new Task(), "jbuild-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    private static final class Task implements Runnable {
        @Override
        public void run() {
            StartupWarmup.run();
        }
    }

    private static final String CONFIG = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"A=1\"]},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"history\":[{\"created\":\"2024-01-01T00:00:00Z\","
            + "\"created_by\":\"x\"}]}";

    /** The warm-up itself (package-private: CdsTraining runs it, so that its classes are in the archives). */
    static void run() {
        try {
            // The JDK's NIO library, loaded by the first file channel (~6 ms): the main thread's first read of the
            // store or the Dockerfile would load it.
            try (java.nio.channels.FileChannel ignored =
                    java.nio.channels.FileChannel.open(java.nio.file.Path.of("/dev/null"))) {
                // only opened
            } catch (java.io.IOException e) {
                // no /dev/null: the command loads it when it first reads a file
            }
            Digest d = Digest.sha256(CONFIG.getBytes(StandardCharsets.UTF_8));
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + d
                    + "\",\"size\":1},\"layers\":[]}";
            OciJson.tree(manifest.getBytes(StandardCharsets.UTF_8));
            Manifest m = OciJson.read(manifest.getBytes(StandardCharsets.UTF_8), Manifest.class);
            OciJson.read(CONFIG.getBytes(StandardCharsets.UTF_8), ImageConfig.class);
            m.config().digest().equals(d);
            m.config().hashCode();
            OciJson.write(m); // the generator, as the build writes its config and manifest
        } catch (RuntimeException | LinkageError e) {
            // Warming is optional: whatever fails here fails again, and is reported, where the command does it.
        }
    }
}
