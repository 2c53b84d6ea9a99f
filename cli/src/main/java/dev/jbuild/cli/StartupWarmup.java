package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.OciJson;
import java.nio.charset.StandardCharsets;

/**
 * Work that every build pays once per process, started on a second thread while the main thread parses the command
 * line and the Dockerfile: Jackson's class initialisation (its ObjectMapper builds a Calendar, which loads locale
 * data; its parser initialises BigDecimal, which computes large powers of ten), the deserialisers of the OCI records,
 * and the bootstrap of record equality, which the stage threads need first. Nothing here has an effect a command
 * could see: it fills the same caches the command would fill. (A third thread warming the Dockerfile parser was
 * tried: on two cores it made no-op builds slower.)
 */
final class StartupWarmup {
    private StartupWarmup() {}

    /** The commands that read OCI JSON (build, push, pull...): not --version, --help or a usage error. */
    static void startFor(String[] args) {
        for (String a : args) {
            if (a.equals("--version") || a.equals("-V") || a.equals("--help") || a.equals("-h")) {
                return;
            }
        }
        if (args.length == 0) {
            return;
        }
        Thread t = new Thread(StartupWarmup::run, "jbuild-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static final String CONFIG = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"A=1\"]},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"history\":[{\"created\":\"2024-01-01T00:00:00Z\","
            + "\"created_by\":\"x\"}]}";

    /** The warm-up itself (package-private: CdsTraining runs it, so that its classes are in the archives). */
    static void run() {
        try {
            Digest d = Digest.sha256(CONFIG.getBytes(StandardCharsets.UTF_8));
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + d
                    + "\",\"size\":1},\"layers\":[]}";
            OciJson.tree(manifest.getBytes(StandardCharsets.UTF_8));
            Manifest m = OciJson.read(manifest.getBytes(StandardCharsets.UTF_8), Manifest.class);
            OciJson.read(CONFIG.getBytes(StandardCharsets.UTF_8), ImageConfig.class);
            m.config().digest().equals(d);
            m.config().hashCode();
        } catch (RuntimeException | LinkageError e) {
            // Warming is optional: whatever fails here fails again, and is reported, where the command does it.
        }
    }
}
