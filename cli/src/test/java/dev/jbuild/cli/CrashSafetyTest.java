package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Digest;
import dev.jbuild.registry.FaultProxy;
import dev.jbuild.registry.RegistryServer;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: jbuild, in a JVM of its own, is killed with SIGKILL at many points of a build that pulls its base
 * image from a registry (through the test's {@link FaultProxy}), copies a 4 MB file, runs a RUN step, and pushes
 * the result — all on one store, kill after kill. After every kill: no process of the build (the RUN step, the
 * sandbox helper) and no mount of the store is left, {@code jbuild fsck} finds nothing corrupt or dangling, and
 * the registry holds either no manifest for the push or one whose blobs are all there. After every round of kills
 * the next build of the same Dockerfile succeeds with the digest a lone build gives (SOURCE_DATE_EPOCH), and its
 * push leaves that digest in the registry.
 *
 * <p>Kill points: at the Nth rename(2) of the build (strace injects the SIGKILL: every commit of a blob, a
 * diff-id record, a snapshot, a step-cache entry, images.json), with the pull stalled half-way through the base
 * layer, with a push stalled half-way through a PATCH, during the RUN step, while the 4 MB layer is being written,
 * and at random delays across the build's duration. The default run tries a sample; the {@code long} tag (Maven
 * profile {@code reliability}) tries every rename and many random delays. The counts go to
 * {@code target/reliability/crash-points.txt}.
 */
class CrashSafetyTest {
    static final String EPOCH = "1700000000";

    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    static FaultProxy proxy;
    static String baseLayerHex;

    @TempDir
    Path tmp;

    private Path store;
    private Path ctx;
    private String marker;
    private Digest reference;
    private final List<String> points = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private int round;

    @BeforeAll
    static void baseImageInTheRegistry() throws Exception {
        proxy = new FaultProxy(REGISTRY.port());
        Path seed = Files.createTempDirectory("jbuild-crash-seed-");
        try {
            jbuild("load", "--root", seed, "-i", RegistryFixtures.busyboxLayout()).ok();
            jbuild("tag", "--root", seed, "busybox", REGISTRY.host() + "/crash/base:1").ok();
            jbuild("push", "--root", seed, REGISTRY.host() + "/crash/base:1").ok();
            List<Path> layers = RunFixtures.layers(RegistryFixtures.busyboxLayout());
            baseLayerHex = layers.get(layers.size() - 1).getFileName().toString();
        } finally {
            RunFixtures.deleteTree(seed);
        }
    }

    @AfterAll
    static void closeProxy() throws IOException {
        proxy.close();
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void survivesSigkillAtChosenPointsAndASample() throws Exception {
        setUp();
        // First: later pushes mount the layers from the repositories pushed to before, with no PATCH to stall.
        killDuringPush();
        long buildMillis = loneBuildInAProcess();
        killDuringPull();
        killDuringRun();
        killWhileWritingTheLayer();
        for (int n : new int[] {1, 7, 14}) {
            if (!killAtRename(n)) {
                break;
            }
        }
        Random random = new Random(Long.getLong("jbuild.crash.seed", System.nanoTime()));
        // Builds after the first are quicker (a warm page cache): aim at the first half of one.
        killAfter(random.nextInt((int) buildMillis / 2), random);
        finish();
    }

    @Test
    @Tag("long")
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void survivesSigkillAtEveryCommitAndManyRandomDelays() throws Exception {
        setUp();
        long buildMillis = loneBuildInAProcess();
        for (int n = 1; killAtRename(n); n++) {
            // every rename until the build gets through without reaching the Nth
        }
        long seed = Long.getLong("jbuild.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int i = 0; i < 12; i++) {
            killAfter(random.nextInt((int) buildMillis), random);
        }
        finish();
    }

    // ---- set-up ---------------------------------------------------------------------------------

    private void setUp() throws Exception {
        store = tmp.resolve("store");
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        marker = "crash-marker-" + System.nanoTime();
        byte[] big = new byte[4 * 1024 * 1024];
        new Random(42).nextBytes(big);
        Files.write(ctx.resolve("big.bin"), big);
        Files.writeString(ctx.resolve("small.txt"), "small\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + proxy.host() + "/crash/base:1\n"
                + "COPY big.bin /big.bin\n"
                + "RUN echo " + marker + " >/dev/null && sleep 0.5 && echo run > /run.txt\n"
                + "COPY small.txt /small.txt\n");
        // The digest a lone build gives, in a store of its own.
        Path alone = tmp.resolve("alone");
        build(alone, "ref").ok();
        reference = manifestDigest(alone, proxy.host() + "/crash/ref:1");
    }

    private Cli.Result build(Path root, String repo, Object... more) {
        List<Object> args = new ArrayList<>(List.of("--root", root, "-q", "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH,
                "-t", proxy.host() + "/crash/" + repo + ":1"));
        args.addAll(List.of(more));
        args.add(ctx);
        return jbuild(args.toArray());
    }

    private List<String> processArgs(String repo) {
        return RunFixtures.jbuildCommand("--root", store, "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH,
                "-t", proxy.host() + "/crash/" + repo + ":1", "--push", ctx);
    }

    /** The whole build in a JVM of its own, killed by nobody: its digest is the lone build's; its time scales the random delays. */
    private long loneBuildInAProcess() throws Exception {
        String repo = nextRepo();
        long t0 = System.nanoTime();
        Cli.Result r = RunFixtures.run(new ProcessBuilder(processArgs(repo)));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(0, r.status(), r.out() + r.err());
        assertEquals(reference, manifestDigest(store, proxy.host() + "/crash/" + repo + ":1"), "a build in a process");
        assertEquals(reference.toString(), registryDigest(repo), "the pushed manifest");
        reset();
        return millis;
    }

    private String nextRepo() {
        return "out-" + (++round);
    }

    // ---- kill points ----------------------------------------------------------------------------

    private void killDuringPush() throws Exception {
        String repo = nextRepo();
        // Blobs below the chunk size go up in one PUT (monolithic upload): stall that one half-way.
        proxy.stallNext("PUT", "/crash/" + repo + "/blobs/uploads/", 1);
        Process p = start(processArgs(repo), List.of());
        boolean stalled = awaitStall(p);
        kill(p);
        proxy.stallNext(null, null, 0);
        assertTrue(stalled, "the push reached a PATCH: " + proxy.log());
        checkAfterKill("push stalled mid-upload", repo, p);
        complete(repo);
    }

    private void killDuringPull() throws Exception {
        String repo = nextRepo();
        proxy.stallNext("GET", "/crash/base/blobs/sha256:" + baseLayerHex, 1);
        Process p = start(processArgs(repo), List.of());
        boolean stalled = awaitStall(p);
        kill(p);
        proxy.stallNext(null, null, 0);
        assertTrue(stalled, "the pull fetched the base layer: " + proxy.log());
        checkAfterKill("pull stalled mid-layer", repo, p);
        complete(repo);
    }

    private static boolean awaitStall(Process p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (p.isAlive() && System.nanoTime() < deadline) {
            if (proxy.awaitStall(50, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    private void killDuringRun() throws Exception {
        String repo = nextRepo();
        Process p = start(processArgs(repo), List.of());
        boolean running = waitFor(p, () -> !RunFixtures.pidsWith(marker).isEmpty());
        kill(p);
        assertTrue(running, "the RUN step started");
        checkAfterKill("during the RUN step", repo, p);
        complete(repo);
    }

    private void killWhileWritingTheLayer() throws Exception {
        String repo = nextRepo();
        Process p = start(processArgs(repo), List.of());
        // The 4 MB layer of COPY big.bin (random bytes: gzip keeps its size) is a blob temp file growing in tmp/.
        boolean writing = waitFor(p, () -> growingBlob(2 * 1024 * 1024));
        kill(p);
        assertTrue(writing, "the layer was being written");
        checkAfterKill("writing the 4 MB layer", repo, p);
        complete(repo);
    }

    /** Kills at the Nth rename(2) of the build; false when the build made fewer renames (it succeeded). */
    private boolean killAtRename(int n) throws Exception {
        String repo = nextRepo();
        // strace counts per thread (jbuild commits from its main thread), and its --seccomp-bpf mode misses the
        // JVM's renames, so it stops at every syscall: slower, still a few seconds a build.
        List<String> strace = List.of("strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename", "-e",
                "inject=rename:signal=SIGKILL:when=" + n);
        Process p = start(processArgs(repo), strace);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the build ended");
        if (p.exitValue() == 0) {
            points.add("rename #" + n + ": not reached (the build makes " + (n - 1) + " renames)");
            reset();
            return false;
        }
        checkAfterKill("at rename #" + n, repo, p);
        complete(repo);
        return true;
    }

    private void killAfter(int millis, Random random) throws Exception {
        String repo = nextRepo();
        Process p = start(processArgs(repo), List.of());
        boolean alive = !p.waitFor(millis, TimeUnit.MILLISECONDS);
        kill(p);
        if (!alive) {
            points.add("after " + millis + " ms: not reached (the build had ended)");
            reset();
            if (millis > 200) {
                killAfter(millis / 2, random); // this build was quicker than the measured one: aim earlier
            }
            return;
        }
        checkAfterKill("after " + millis + " ms", repo, p);
        // Half the time, kill the next build too before one completes: leftovers of two kills at once.
        if (random.nextBoolean()) {
            Process again = start(processArgs(repo), List.of());
            int second = random.nextInt(Math.max(1, millis));
            boolean aliveAgain = !again.waitFor(second, TimeUnit.MILLISECONDS);
            kill(again);
            if (aliveAgain) {
                checkAfterKill("after " + millis + " ms, then again after " + second + " ms", repo, again);
            }
        }
        complete(repo);
    }

    // ---- checks ---------------------------------------------------------------------------------

    private Process start(List<String> jbuildArgs, List<String> prefix) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(jbuildArgs);
        Path log = tmp.resolve("build-" + round + ".log");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the killed jbuild exited");
    }

    private interface Condition {
        boolean holds() throws IOException;
    }

    /** Polls until the condition holds (true) or the process ended or 2 minutes passed (false). */
    private static boolean waitFor(Process p, Condition c) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (p.isAlive() && System.nanoTime() < deadline) {
            if (c.holds()) {
                return true;
            }
            Thread.sleep(2);
        }
        return false;
    }

    private boolean growingBlob(long minSize) throws IOException {
        Path t = store.resolve("tmp");
        if (!Files.isDirectory(t)) {
            return false;
        }
        try (Stream<Path> s = Files.list(t)) {
            return s.anyMatch(f -> {
                try {
                    return f.getFileName().toString().startsWith("blob.") && Files.size(f) >= minSize;
                } catch (IOException gone) {
                    return false;
                }
            });
        }
    }

    /** What must hold after a kill; a failure is recorded (with the build's output) and the run goes on. */
    private void checkAfterKill(String point, String repo, Process p) throws Exception {
        List<String> problems = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<Long> left;
        while (!(left = leftProcesses()).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!left.isEmpty()) {
            problems.add("processes left: " + RunKillTest.processes(marker) + " " + left);
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
        List<String> mounts = RunKillTest.buildMounts(store, p.pid());
        if (!mounts.isEmpty()) {
            problems.add("mounts left: " + mounts);
        }
        Cli.Result fsck = jbuild("fsck", "--root", store);
        if (fsck.status() != 0) {
            problems.add("fsck: " + fsck.err() + fsck.out());
        }
        String pushed = registryCompleteness(repo);
        if (pushed != null) {
            problems.add(pushed);
        }
        if (problems.isEmpty()) {
            points.add(point + ": survived");
        } else {
            String log = Files.readString(tmp.resolve("build-" + round + ".log"));
            points.add(point + ": FAILED " + problems);
            failures.add(point + ": " + problems + "\nbuild output:\n" + log);
        }
    }

    /** Processes of the build: the RUN step's (by its marker) and the store's sandbox helper. */
    private List<Long> leftProcesses() throws IOException {
        List<Long> out = new ArrayList<>(RunFixtures.pidsWith(marker));
        out.addAll(RunFixtures.pidsWith(store.resolve("bin").toString()));
        return out;
    }

    /** The next build of the same Dockerfile on the killed builds' store: it succeeds, with the lone build's digest, pushed. */
    private void complete(String repo) throws Exception {
        Cli.Result r = build(store, repo, "--push");
        if (r.status() != 0) {
            failures.add("the build after the kill (" + repo + ") failed:\n" + r.out() + r.err());
        } else {
            Digest d = manifestDigest(store, proxy.host() + "/crash/" + repo + ":1");
            if (!d.equals(reference)) {
                failures.add("the build after the kill (" + repo + ") gave " + d + ", a lone build " + reference);
            }
            String pushed = registryDigest(repo);
            if (!reference.toString().equals(pushed)) {
                failures.add("the registry has " + pushed + " for " + repo + ", not " + reference);
            }
        }
        Cli.Result fsck = jbuild("fsck", "--root", store);
        if (fsck.status() != 0) {
            failures.add("fsck after the completed build (" + repo + "): " + fsck.err() + fsck.out());
        }
        reset();
    }

    /** Untags everything and prunes the build cache too, so that the next build pulls, copies, runs and pushes again. */
    private void reset() throws IOException {
        Store s = Store.open(store);
        for (String tag : s.images().tags().keySet()) {
            s.images().untag(tag);
        }
        jbuild("prune", "--root", store, "--all").ok();
    }

    private void finish() throws IOException {
        long survived = points.stream().filter(s -> s.endsWith(": survived")).count();
        long tried = points.stream().filter(s -> !s.contains("not reached")).count();
        String summary = "kill points tried: " + tried + ", survived: " + survived + "\n" + String.join("\n", points) + "\n";
        Path out = RunFixtures.MODULE.resolve("target/reliability");
        Files.createDirectories(out);
        Files.writeString(out.resolve("crash-points-" + (tried > 20 ? "long" : "default") + ".txt"), summary);
        System.out.println(summary);
        assertEquals(List.of(), failures, summary);
        assertTrue(tried >= 8, summary);
    }

    // ---- digests --------------------------------------------------------------------------------

    private static Digest manifestDigest(Path root, String ref) {
        JsonNode n = jbuild("inspect", "--root", root, ref).ok().json();
        return Digest.parse(n.get(0).path("Digest").asText());
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ACCEPT = "application/vnd.oci.image.manifest.v1+json,"
            + "application/vnd.docker.distribution.manifest.v2+json,application/vnd.oci.image.index.v1+json";

    /** The digest of the manifest the registry has for REPO:1, or null. */
    private static String registryDigest(String repo) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + REGISTRY.host() + "/v2/crash/"
                + repo + "/manifests/1")).header("Accept", ACCEPT).build(), HttpResponse.BodyHandlers.ofByteArray());
        return r.statusCode() == 200 ? Digest.sha256(r.body()).toString() : null;
    }

    /** Null when the registry has no manifest for REPO:1 or has every blob it names; else what is missing. */
    private static String registryCompleteness(String repo) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + REGISTRY.host() + "/v2/crash/"
                + repo + "/manifests/1")).header("Accept", ACCEPT).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            return "registry answered " + r.statusCode() + " for the manifest of " + repo;
        }
        JsonNode m = Cli.JSON.readTree(new String(r.body(), StandardCharsets.UTF_8));
        List<String> digests = new ArrayList<>();
        digests.add(m.path("config").path("digest").asText());
        m.path("layers").forEach(l -> digests.add(l.path("digest").asText()));
        for (String d : digests) {
            HttpResponse<Void> h = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + REGISTRY.host() + "/v2/crash/"
                    + repo + "/blobs/" + d)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
            if (h.statusCode() != 200) {
                return "the registry has the manifest of " + repo + " but not its blob " + d + " (" + h.statusCode() + ")";
            }
        }
        return null;
    }
}
