package dev.jbuild.cli;

import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.OciJson;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Work that every build pays once per process, started on a second thread while the main thread parses the command
 * line and the Dockerfile: the JDK's NIO library, the first digest (libcrypto's loading), the JSON reader and the
 * OCI records' codecs, Jackson's generator, and the bootstrap of record equality, which the stage threads need
 * first; then, for a command that will likely pull or push, the JDK's set-up for the registry client. Nothing here
 * has an effect a command could see: it fills the same caches the command would fill. (A third thread warming the
 * Dockerfile parser was tried: on two cores it made no-op builds slower.)
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
        Thread t = new Thread(new Task(args), "jbuild-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    private static final class Task implements Runnable {
        private final String[] args;

        Task(String[] args) {
            this.args = args.clone();
        }

        @Override
        public void run() {
            StartupWarmup.run();
            try {
                if (registryLikely(args)) {
                    // In the order the first pull needs them: its client, its first URL, OkHttp's first logger.
                    RegistryClient.warmUpJdk();
                    java.util.logging.LogManager.getLogManager();
                }
            } catch (RuntimeException | LinkageError e) {
                // optional, as above
            }
        }
    }

    /**
     * Whether the command will talk to a registry before anything else: a push or a pull, or the first build of a
     * store (on a new machine, a CI runner's fresh store), whose base images must come from a registry. A guess from
     * the command line alone, made while the main thread parses it: a wrong one costs this thread ~30 ms of CPU
     * once, and a store's later builds, which pull only when a base changes, leave the work to the first request.
     */
    static boolean registryLikely(String[] args) {
        String command = Main.command(args);
        Path root = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--root") && i + 1 < args.length) {
                root = Path.of(args[++i]);
            } else if (args[i].startsWith("--root=")) {
                root = Path.of(args[i].substring("--root=".length()));
            }
        }
        if ("push".equals(command) || "pull".equals(command)) {
            return true;
        }
        return "build".equals(command) && !Files.isDirectory(root != null ? root : Store.defaultRoot());
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
