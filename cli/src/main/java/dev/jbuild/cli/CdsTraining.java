package dev.jbuild.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jbuild.oci.Digest;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workload that the class-data sharing archive of the packaged command (lib/jbuild.jsa) is
 * dumped from when the CLI is packaged ({@code java -XX:ArchiveClassesAtExit=... -cp jbuild.jar
 * dev.jbuild.cli.CdsTraining CONTEXT WORKDIR}): the commands a user runs most, in this process —
 * a build from nothing and again from the cache, the image commands, save and load, and a pull and
 * a push against a minimal in-process registry on loopback — so that the classes they load are
 * mapped from the archive instead of being read from the jar, verified and linked at every start.
 * Every command must succeed: a training that silently broke would leave the archive thin.
 */
final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws Exception {
        Path context = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Path root = work.resolve("root");
        String image = "cds-training:1";
        dev.jbuild.store.NativeDigests.install(); // as Main.main does
        Main.rootLocaleData();
        // Main.main asks this at every start (this process is root or not, whatever the answer): a class that the
        // cache lacks is read from the jar, whose directory of 6,000 entries the JVM then reads (~15 ms).
        dev.jbuild.executor.UserNamespace.wanted();
        // the thread a command starts, for a first build: with the registry client's set-up
        StartupWarmup.startFor(new String[] {"--root", root.toString(), "build"}).join();
        run("--root", root, "build", "-q", "-t", image, context);
        run("--root", root, "build", "-q", "-t", image, "--compression", "zstd", context);
        run("--root", root, "build", "-q", "-t", image, context);
        run("--root", root, "images");
        run("--root", root, "inspect", image);
        run("--root", root, "history", image);
        run("--root", root, "parse", "-f", context.resolve("Dockerfile"));
        run("--root", root, "save", "-o", work.resolve("image.tar"), image);
        run("--root", work.resolve("loaded"), "load", "-i", work.resolve("image.tar"));
        Registry registry = new Registry(Store.open(root));
        try {
            String remote = "127.0.0.1:" + registry.port() + "/cds/training:1";
            run("--root", work.resolve("pulled"), "pull", "--insecure-registry", "127.0.0.1", remote);
            run("--root", work.resolve("pulled"), "push", "--insecure-registry", "127.0.0.1", remote);
            trainBigMultiStageBuild(work, remote);
        } finally {
            registry.stop();
        }
        System.exit(0);
    }

    /**
     * What the one-file training context never reaches, though users' builds do at every start: a base image from a
     * registry, two stages and {@code COPY --from}, a context big enough for the parallel walk and key (3,000 files
     * in 30 directories), a no-op rebuild of it, and a RUN step. Each lambda and string concatenation that runs here
     * is linked in the AOT cache; one that first runs in a user's build is spun then (the JDK's class-file and
     * method-handle code, which C1 then compiles: a third of the compiles of a no-op build before this).
     */
    private static void trainBigMultiStageBuild(Path work, String remote) throws IOException {
        Path context = Files.createDirectories(work.resolve("big"));
        for (int d = 0; d < 30; d++) {
            Path dir = Files.createDirectories(context.resolve("files/d" + d));
            for (int f = 0; f < 100; f++) {
                Files.writeString(dir.resolve("f" + f + ".txt"), "file " + d + "/" + f + "\n");
            }
        }
        Files.writeString(context.resolve("Dockerfile"), "FROM " + remote + " AS gen\n"
                + "COPY files/ /files/\n"
                + "FROM " + remote + "\n"
                + "COPY --from=gen /files /copied\n"
                + "COPY files/d1 /again/\n");
        Path root = work.resolve("big-root");
        for (int i = 0; i < 2; i++) { // cold, then a no-op
            run("--root", root, "build", "-q", "--insecure-registry", "127.0.0.1", "-t", "cds-big:1", context);
        }
        // A RUN step as far as the training image allows: it has no programs, so the step fails once the sandbox
        // is set up (or earlier where namespaces are not allowed); the status is not what is trained.
        Path runContext = Files.createDirectories(work.resolve("run"));
        Files.writeString(runContext.resolve("Dockerfile"), "FROM " + remote + "\nRUN [\"/cds-training\"]\n");
        quietly("--root", root, "build", "-q", "--insecure-registry", "127.0.0.1", runContext);
        trainRunSteps(work, remote);
    }

    /**
     * A RUN step that makes files, built and then rebuilt after a change before it (W2's incremental build): the
     * base image pulled and unpacked for the RUN as it comes, the upper directory's diff, the RUN's layer, a COPY
     * --from of it and the reuse of a previous layer's gzip members.
     * It needs a program for the image, and takes the machine's busybox when there is one (static on Debian's
     * busybox-static, which CI installs); without one, or where RUN steps cannot run, the builds fail and train only
     * what came before (their status is not what is trained). Lambdas and string concatenations that first run in
     * a user's build are spun there, with the JDK's class-file API: W2's incremental build spun eight.
     */
    private static void trainRunSteps(Path work, String remote) throws IOException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            return;
        }
        Path context = Files.createDirectories(work.resolve("run-steps"));
        Path root = work.resolve("run-root"); // a store of its own: its first build pulls and unpacks the base for RUN
        Files.copy(busybox, context.resolve("busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(context.resolve("Dockerfile"), "FROM " + remote + " AS gen\n"
                + "COPY busybox /bin/busybox\n"
                + "COPY seed.txt /seed.txt\n"
                + "RUN [\"/bin/busybox\", \"sh\", \"-c\", \"mkdir /out && i=0 && while [ $i -lt 300 ]; do"
                + " echo $i > /out/f$i.txt; i=$((i+1)); done\"]\n"
                + "FROM " + remote + "\n"
                + "COPY --from=gen /out /data\n");
        for (int seed = 1; seed <= 2; seed++) {
            Files.writeString(context.resolve("seed.txt"), "seed " + seed + "\n");
            quietly("--root", root, "build", "-q", "--insecure-registry", "127.0.0.1", "-t", "cds-run:1", context);
        }
    }

    /** Runs a command whose status and output do not matter to the training. */
    private static void quietly(Object... args) {
        Main.run(strings(args), new PrintWriter(Writer.nullWriter()), new PrintWriter(Writer.nullWriter()));
    }

    private static void run(Object... args) {
        String[] a = strings(args);
        PrintWriter err = new PrintWriter(System.err, true);
        int status = Main.run(a, new PrintWriter(Writer.nullWriter()), err);
        if (status != 0) {
            throw new IllegalStateException("class-data sharing training: jbuild " + String.join(" ", a)
                    + " exited with " + status);
        }
    }

    private static String[] strings(Object... args) {
        List<String> a = new ArrayList<>();
        for (Object o : args) {
            a.add(o.toString());
        }
        return a.toArray(String[]::new);
    }

    /**
     * Just enough of the distribution API for one image: its manifest by tag or digest and its
     * blobs (from the training store), monolithic uploads and manifest puts (kept in memory).
     */
    private static final class Registry {
        private final HttpServer server;
        private final Store store;
        private final Digest manifest;
        private final Map<String, byte[]> uploaded = new ConcurrentHashMap<>();

        Registry(Store store) throws IOException {
            this.store = store;
            this.manifest = store.images().tags().values().iterator().next();
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/v2/", this::handle);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        void stop() {
            server.stop(0);
        }

        private void handle(HttpExchange x) throws IOException {
            try (x) {
                String path = x.getRequestURI().getPath();
                String method = x.getRequestMethod();
                String repo = "/v2/cds/training/";
                if (path.equals("/v2/")) {
                    send(x, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), null);
                } else if (path.startsWith(repo + "manifests/")) {
                    String ref = path.substring((repo + "manifests/").length());
                    if (method.equals("PUT")) {
                        byte[] body = x.getRequestBody().readAllBytes();
                        x.getResponseHeaders().add("Location", path);
                        send(x, 201, null, new byte[0], Digest.sha256(body));
                    } else if (ref.equals("1") || ref.equals(manifest.toString())) {
                        byte[] m = Files.readAllBytes(store.blobs().path(manifest));
                        send(x, 200, mediaType(m), m, manifest);
                    } else {
                        send(x, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}"
                                .getBytes(StandardCharsets.UTF_8), null);
                    }
                } else if (path.equals(repo + "blobs/uploads/") && method.equals("POST")) {
                    x.getResponseHeaders().add("Location", repo + "blobs/uploads/u" + uploaded.size());
                    x.getResponseHeaders().add("Range", "0-0");
                    send(x, 202, null, new byte[0], null);
                } else if (path.startsWith(repo + "blobs/uploads/") && method.equals("PUT")) {
                    String q = x.getRequestURI().getQuery();
                    String digest = q.substring(q.indexOf("digest=") + 7).split("&")[0];
                    uploaded.put(digest, x.getRequestBody().readAllBytes());
                    x.getResponseHeaders().add("Location", repo + "blobs/" + digest);
                    send(x, 201, null, new byte[0], Digest.parse(digest));
                } else if (path.startsWith(repo + "blobs/")) {
                    Digest d = Digest.parse(path.substring((repo + "blobs/").length()));
                    byte[] b = uploaded.get(d.toString());
                    if (b == null && store.blobs().has(d) && !method.equals("HEAD")) {
                        b = Files.readAllBytes(store.blobs().path(d));
                    }
                    if (b == null) {
                        send(x, 404, null, new byte[0], null); // a push uploads what the registry lacks
                    } else {
                        send(x, 200, "application/octet-stream", b, d);
                    }
                } else {
                    send(x, 404, null, new byte[0], null);
                }
            }
        }

        private static String mediaType(byte[] manifest) {
            String json = new String(manifest, StandardCharsets.UTF_8);
            int i = json.indexOf("\"mediaType\"");
            int start = json.indexOf('"', json.indexOf(':', i) + 1) + 1;
            return json.substring(start, json.indexOf('"', start));
        }

        private static void send(HttpExchange x, int status, String type, byte[] body, Digest digest)
                throws IOException {
            if (type != null) {
                x.getResponseHeaders().add("Content-Type", type);
            }
            if (digest != null) {
                x.getResponseHeaders().add("Docker-Content-Digest", digest.toString());
            }
            x.getResponseHeaders().add("Docker-Distribution-API-Version", "registry/2.0");
            if (x.getRequestMethod().equals("HEAD")) {
                x.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
                x.sendResponseHeaders(status, -1);
                return;
            }
            x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                x.getResponseBody().write(body);
            }
        }
    }
}
