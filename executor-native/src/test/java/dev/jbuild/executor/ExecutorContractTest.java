package dev.jbuild.executor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The executor contract, for every runtime this machine has: "native" (the embedded helper) always, "runc" and
 * "crun". A runtime that is not installed fails its tests with an install hint; it is never skipped.
 *
 * <p>The tests run as root (as CI does); one of them starts a JVM as an unprivileged user (created with useradd
 * when missing) to check the native helper's user namespace. The rootfs is two busybox-static layers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExecutorContractTest {
    static final List<String> RUNTIMES = List.of("native", "runc", "crun");
    static final String BUSYBOX = "/usr/bin/busybox";
    static final String UNPRIVILEGED_USER = "jbuild-test";
    static final List<String> APPLETS = List.of("sh", "echo", "cat", "ls", "id", "hostname", "ps", "mkdir", "rm",
            "touch", "ln", "sleep", "wget", "ip", "grep", "head", "wc", "test", "stat", "pwd", "kill", "env", "true",
            "false", "sort", "tr", "cut");

    @TempDir static Path shared;
    static Path lowerTop, lowerBottom, stateDir;
    static final Map<String, Executor> EXECUTORS = new ConcurrentHashMap<>();
    static Map<String, String> lowerSnapshot;

    @TempDir Path tmp;
    Path upper, work;

    static Stream<String> runtimes() {
        return RUNTIMES.stream();
    }

    @BeforeAll
    static void rootfs() throws Exception {
        assertEquals(0L, uid(), "the executor contract tests run as root (as CI does)");
        Path busybox = Path.of(BUSYBOX);
        assertTrue(Files.isExecutable(busybox), BUSYBOX + " is missing: install busybox-static (apt-get install busybox-static)");
        assertTrue(isStatic(busybox), BUSYBOX + " is not statically linked: install busybox-static (apt-get install busybox-static)");

        lowerBottom = Files.createDirectories(shared.resolve("lower-bottom"));
        Files.createDirectories(lowerBottom.resolve("bin"));
        Files.copy(busybox, lowerBottom.resolve("bin/busybox"));
        for (String a : APPLETS) Files.createSymbolicLink(lowerBottom.resolve("bin").resolve(a), Path.of("busybox"));
        Path etc = Files.createDirectories(lowerBottom.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/sh
                tester:x:1000:1000:tester:/home/tester:/bin/sh
                nobody:x:65534:65534:nobody:/nonexistent:/bin/false
                """);
        Files.writeString(etc.resolve("group"), """
                root:x:0:
                tester:x:1000:
                audio:x:2000:tester
                video:x:3000:tester
                nogroup:x:65534:
                """);
        Files.writeString(etc.resolve("layer"), "bottom\n");
        Files.writeString(etc.resolve("bottom-only"), "b\n");
        Files.writeString(etc.resolve("lower-file"), "to be deleted\n");
        Files.createDirectories(lowerBottom.resolve("data"));
        Files.writeString(lowerBottom.resolve("data/old.txt"), "old\n");
        Files.createDirectories(lowerBottom.resolve("root"));
        Files.createDirectories(lowerBottom.resolve("tmp"));
        Files.setPosixFilePermissions(lowerBottom.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));

        lowerTop = Files.createDirectories(shared.resolve("lower-top"));
        Files.createDirectories(lowerTop.resolve("etc"));
        Files.writeString(lowerTop.resolve("etc/layer"), "top\n");

        stateDir = Files.createDirectories(shared.resolve("state"));
        lowerSnapshot = snapshot(lowerTop, lowerBottom);
    }

    @AfterAll
    static void lowersUnchanged() throws IOException {
        assertEquals(lowerSnapshot, snapshot(lowerTop, lowerBottom), "the lower dirs were changed");
    }

    @BeforeEach
    void dirs() throws IOException {
        upper = Files.createDirectories(tmp.resolve("upper"));
        work = Files.createDirectories(tmp.resolve("work"));
    }

    // ------------------------------------------------------------------ the contract

    @ParameterizedTest
    @MethodSource("runtimes")
    void exitCodes(String runtime) throws Exception {
        assertEquals(0, run(runtime, spec("true")).code());
        assertEquals(3, run(runtime, spec("sh", "-c", "exit 3")).code());
        // Killed by a signal: 128+N. Under the native helper the command is PID 2 (below a tiny init) and its own
        // SIGKILL kills it; under runc/crun it is PID 1, which nothing in its own PID namespace can kill (as with
        // docker run), so the shell goes on. The executor's own kills (timeout, SIGTERM) give 137 everywhere.
        int selfKilled = run(runtime, spec("sh", "-c", "kill -9 $$; exit 7")).code();
        assertEquals(runtime.equals("native") ? 128 + 9 : 7, selfKilled);
        assertEquals(128 + 9, run(runtime, spec("sh", "-c", "sh -c 'kill -9 $$'; exit $?")).code());
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void stdoutAndStderrAreStreamedSeparately(String runtime) throws Exception {
        Run r = run(runtime, spec("sh", "-c", "echo out; echo err >&2; sleep 1; echo late"));
        assertEquals(0, r.code());
        assertEquals("out\nlate\n", r.out());
        assertEquals("err\n", r.err());
        long streamedAhead = r.returnedAt() - r.firstStdoutAt();
        assertTrue(streamedAhead >= TimeUnit.MILLISECONDS.toNanos(700),
                "the first line reached the sink only " + streamedAhead / 1_000_000 + " ms before the end");
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void envAndWorkingDirectory(String runtime) throws Exception {
        Run r = run(runtime, spec("sh", "-c", "echo \"$FOO|$BAR\"; pwd")
                .env("PATH=/bin", "FOO=foo value", "BAR=multi\nline")
                .cwd("/work/sub/"));
        assertEquals("foo value|multi\nline\n/work/sub\n", r.out());
        assertTrue(r.created().containsAll(List.of("/work", "/work/sub")), r.created().toString());
        assertTrue(Files.isDirectory(upper.resolve("work/sub")));

        Run existing = run(runtime, spec("pwd").cwd("/etc"));
        assertEquals("/etc\n", existing.out());
        assertFalse(existing.created().contains("/etc"), existing.created().toString());
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void userAndGroups(String runtime) throws Exception {
        Run r = run(runtime, spec("sh", "-c", "id -u; id -g; id -G; id").user(1000, 1000, 2000L, 3000L));
        List<String> lines = r.out().lines().toList();
        assertEquals("1000", lines.get(0));
        assertEquals("1000", lines.get(1));
        List<String> groups = Arrays.asList(lines.get(2).split(" "));
        assertTrue(groups.containsAll(List.of("2000", "3000")), lines.get(2));
        assertFalse(groups.contains("0"), lines.get(2));
        assertTrue(lines.get(3).startsWith("uid=1000(tester) gid=1000(tester)"), lines.get(3));

        assertEquals("0\n0\n0\n", run(runtime, spec("sh", "-c", "id -u; id -g; id -G")).out());
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void hostname(String runtime) throws Exception {
        Run r = run(runtime, spec("sh", "-c", "hostname; cat /etc/hostname").hostname("step-host"));
        assertEquals("step-host\nstep-host\n", r.out());
        assertMountPoint(runtime, r, "/etc/hostname");
    }

    /**
     * A mount point the image lacks leaves nothing in the layer unannounced: the native helper makes it in a
     * layer of its own, never in the upper directory; a runtime that makes it in the upper directory reports it.
     */
    private void assertMountPoint(String runtime, Run r, String path) {
        boolean inUpper = Files.exists(upper.resolve(path.substring(1)), LinkOption.NOFOLLOW_LINKS);
        if (runtime.equals("native")) {
            assertFalse(inUpper, path + " was made in the upper directory");
            assertFalse(r.created().contains(path), r.created().toString());
        } else {
            assertTrue(r.created().contains(path), r.created().toString());
        }
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void ownPidNamespace(String runtime) throws Exception {
        Run r = run(runtime, spec("sh", "-c", "echo $$; ls /proc | grep '^[0-9]*$'"));
        List<String> lines = r.out().lines().toList();
        int self = Integer.parseInt(lines.get(0));
        assertTrue(self == 1 || self == 2, "the command's pid is " + self);
        List<Integer> pids = lines.subList(1, lines.size()).stream().map(Integer::parseInt).toList();
        assertTrue(pids.contains(self), pids.toString());
        assertTrue(pids.size() <= 4 && pids.stream().allMatch(p -> p < 20),
                "processes other than the container's are visible: " + pids);
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void hostFilesAreNotVisible(String runtime) throws Exception {
        Path marker = Files.createTempFile(Path.of("/tmp"), "jbuild-host-marker-", "");
        try {
            Run r = run(runtime, spec("sh", "-c", "test -e " + marker + " && echo visible || echo hidden; ls /"));
            assertTrue(r.out().startsWith("hidden\n"), r.out());
            assertFalse(r.out().contains("work\n"), r.out()); // host's /work
        } finally {
            Files.delete(marker);
        }
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void writesLandInTheUpperDir(String runtime) throws Exception {
        Run r = run(runtime, spec("sh", "-c", "echo new > /new.txt && rm /etc/lower-file && rm -r /data && mkdir /data"
                + " && echo n > /data/new.txt && echo changed >> /etc/layer && cat /etc/layer /etc/bottom-only"));
        assertEquals(0, r.code(), r.err());
        assertEquals("top\nchanged\nb\n", r.out());
        assertEquals("new\n", Files.readString(upper.resolve("new.txt")));
        assertTrue(OverlayUpper.isWhiteout(upper.resolve("etc/lower-file")), "no whiteout for the deleted lower file");
        assertEquals(List.of("/data"), OverlayUpper.opaqueDirectories(upper, stateDir));
        assertEquals("n\n", Files.readString(upper.resolve("data/new.txt")));
        assertFalse(Files.exists(upper.resolve("data/old.txt"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("top\nchanged\n", Files.readString(upper.resolve("etc/layer")));
        assertEquals(lowerSnapshot, snapshot(lowerTop, lowerBottom), "the lower dirs were changed");
    }

    @Test
    void nativeMountPointsTheImageLacksShowTheImagesEtcAndLeaveTheUpperEmpty() throws Exception {
        // an image whose /etc is 0750, owned by 7:8, with an old mtime, and lacks /etc/hostname, /proc, /sys, /dev
        Path lower = Files.createDirectories(tmp.resolve("lower-etc"));
        Path etc = Files.createDirectories(lower.resolve("etc"));
        Files.writeString(etc.resolve("motd"), "hi\n");
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setAttribute(etc, "unix:uid", 7);
        Files.setAttribute(etc, "unix:gid", 8);
        Files.setLastModifiedTime(etc, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
        Run r = run("native", spec("sh", "-c", "stat -c '%a %u %g %Y' /etc; cat /etc/hostname; ls /etc | tr '\\n' ' '")
                .lowerDirs(List.of(lower, lowerBottom)).hostname("h"));
        assertEquals(0, r.code(), r.err());
        // lowerBottom's /etc is below: the merged /etc has both layers' files, with the top layer's attributes
        assertTrue(r.out().startsWith("750 7 8 1000000000\nh\n"), r.out());
        assertTrue(r.out().contains("motd") && r.out().contains("passwd") && r.out().contains("hostname"), r.out());
        try (Stream<Path> left = Files.list(upper)) {
            assertEquals(List.of(), left.toList(), "the upper directory holds what the command changed only");
        }
        assertEquals(List.of(), r.created());

        // a write into /etc copies it up with the image's attributes, not the stub layer's own
        Run w = run("native", spec("sh", "-c", "echo x > /etc/new").lowerDirs(List.of(lower, lowerBottom)).hostname("h"));
        assertEquals(0, w.code(), w.err());
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(upper.resolve("etc"))));
        assertEquals(7, Files.getAttribute(upper.resolve("etc"), "unix:uid"));
        assertFalse(Files.exists(upper.resolve("etc/hostname"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void nativeMountPointsUnderASymlinkedEtcAreMadeWhereItPoints() throws Exception {
        Path lower = Files.createDirectories(tmp.resolve("lower-link"));
        Files.createDirectories(lower.resolve("usr/etc"));
        Files.createSymbolicLink(lower.resolve("etc"), Path.of("usr/etc"));
        Run r = run("native", spec("sh", "-c", "cat /etc/hostname; test -L /etc && echo link")
                .lowerDirs(List.of(lower, lowerBottom)).hostname("h"));
        assertEquals("h\nlink\n", r.out(), r.err());
        assertTrue(r.created().contains("/etc/hostname"), r.created().toString());
        assertTrue(Files.isRegularFile(upper.resolve("usr/etc/hostname"), LinkOption.NOFOLLOW_LINKS));
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void upperAndWorkDirsCanBeUsedAgain(String runtime) throws Exception {
        ExecSpec first = spec("sh", "-c", "echo one > /state").upperDir(upper).workDir(work).build();
        assertEquals(0, executor(runtime).run(first, OutputSink.discard()).exitCode());
        Sink sink = new Sink();
        ExecSpec second = spec("cat", "/state").upperDir(upper).workDir(work).build();
        ExecResult r = executor(runtime).run(second, sink);
        assertEquals(0, r.exitCode(), sink.err.toString(UTF_8));
        assertEquals("one\n", sink.out.toString(UTF_8));
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void procSysAndDev(String runtime) throws Exception {
        Run r = run(runtime, spec("sh", "-c", String.join("; ",
                "test -r /proc/self/status && echo proc",
                "touch /sys/x 2>/dev/null && echo sys-writable || echo sys-ro",
                "grep ' /sys ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1",
                "echo x > /dev/null && echo null",
                "head -c 3 /dev/zero | wc -c",
                "head -c 4 /dev/urandom | wc -c",
                "test -c /dev/full && test -c /dev/random && test -c /dev/tty && echo devices",
                "test -d /dev/pts && test -c /dev/pts/ptmx && echo pts",
                "test -d /dev/shm && echo shm",
                "test -e /dev/fd/0 && echo fd")));
        assertEquals("proc\nsys-ro\nro\nnull\n3\n4\ndevices\npts\nshm\nfd\n", r.out(), r.err());
        for (String p : List.of("/proc", "/sys", "/dev")) {
            assertMountPoint(runtime, r, p);
        }
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void resolvConfAndHostsAreTheGivenFiles(String runtime) throws Exception {
        Path resolv = Files.writeString(tmp.resolve("resolv.conf"), "nameserver 192.0.2.53\n");
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 localhost\n192.0.2.1 buildhost\n");
        Run r = run(runtime, spec("sh", "-c",
                "cat /etc/resolv.conf /etc/hosts; echo x >> /etc/hosts 2>/dev/null && echo hosts-rw || echo hosts-ro")
                .resolvConf(resolv).hosts(hosts));
        assertEquals("nameserver 192.0.2.53\n127.0.0.1 localhost\n192.0.2.1 buildhost\nhosts-ro\n", r.out());
        assertMountPoint(runtime, r, "/etc/resolv.conf");
        assertMountPoint(runtime, r, "/etc/hosts");
        assertFalse(r.created().contains("/etc"), r.created().toString());
        if (!runtime.equals("native")) {
            assertEquals(0, Files.size(upper.resolve("etc/resolv.conf")), "the mount point is an empty file");
        } else {
            assertFalse(Files.exists(upper.resolve("etc"), LinkOption.NOFOLLOW_LINKS), "/etc was copied up");
        }
        assertEquals("127.0.0.1 localhost\n192.0.2.1 buildhost\n", Files.readString(hosts));
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void networkNoneHasOnlyLoopback(String runtime) throws Exception {
        try (HttpServer server = new HttpServer()) {
            // (busybox 1.35's wget -T crashes: no timeout option; inside the namespace the port is closed anyway)
            Run r = run(runtime, spec("sh", "-c", "ip -o link; wget -q -O - http://127.0.0.1:" + server.port()
                    + "/ && echo reached || echo unreachable").network(Network.NONE));
            List<String> lines = r.out().lines().toList();
            assertEquals(2, lines.size(), r.out());
            assertTrue(lines.get(0).matches("1: lo: <LOOPBACK,UP,LOWER_UP>.*"), lines.get(0));
            assertEquals("unreachable", lines.get(1));
            assertTrue(r.err().contains("can't connect to remote host (127.0.0.1): Connection refused"), r.err());
        }
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void networkHostReachesTheHost(String runtime) throws Exception {
        try (HttpServer server = new HttpServer()) {
            Run r = run(runtime, spec("wget", "-q", "-O", "-", "http://127.0.0.1:" + server.port() + "/")
                    .network(Network.HOST));
            assertEquals(0, r.code(), r.err());
            assertEquals("hello\n", r.out());
        }
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void dockerDefaultCapabilities(String runtime) throws Exception {
        Map<String, String> root = caps(run(runtime, spec("grep", "^Cap", "/proc/self/status")).out());
        assertEquals("00000000a80425fb", root.get("CapBnd"));
        assertEquals("00000000a80425fb", root.get("CapEff"));
        assertEquals("00000000a80425fb", root.get("CapPrm"));
        assertEquals("0000000000000000", root.get("CapInh"));
        assertEquals("0000000000000000", root.get("CapAmb"));

        Map<String, String> user = caps(run(runtime, spec("grep", "^Cap", "/proc/self/status").user(1000, 1000)).out());
        assertEquals("00000000a80425fb", user.get("CapBnd"));
        assertEquals("0000000000000000", user.get("CapEff"));
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void insecureHasAllCapabilities(String runtime) throws Exception {
        String hostBnd = caps(Files.readString(Path.of("/proc/self/status"))).get("CapBnd");
        Run r = run(runtime, spec("sh", "-c", "grep ^Cap /proc/self/status; grep ' /sys ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1")
                .insecure(true));
        Map<String, String> c = caps(r.out());
        assertEquals(hostBnd, c.get("CapBnd"));
        assertEquals(hostBnd, c.get("CapEff"));
        assertTrue(r.out().endsWith("rw\n"), "/sys is not writable: " + r.out());
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void bindMounts(String runtime) throws Exception {
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        Files.writeString(ro.resolve("hello.txt"), "hello\n");
        Path rw = Files.createDirectories(tmp.resolve("rw"));
        Run r = run(runtime, spec("sh", "-c", "cat /mnt/ro/hello.txt; touch /mnt/ro/x 2>/dev/null && echo ro-writable"
                + " || echo ro-denied; echo w > /mnt/rw/written && echo rw-ok")
                .mount(Mount.bind(ro, "/mnt/ro", true))
                .mount(Mount.bind(rw, "/mnt/rw", false)));
        assertEquals("hello\nro-denied\nrw-ok\n", r.out(), r.err());
        assertEquals("w\n", Files.readString(rw.resolve("written")));
        assertFalse(Files.exists(ro.resolve("x")));
        assertFalse(Files.exists(upper.resolve("mnt/rw/written")));
        assertTrue(r.created().containsAll(List.of("/mnt", "/mnt/ro", "/mnt/rw")), r.created().toString());
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void tmpfsMount(String runtime) throws Exception {
        Run r = run(runtime, spec("sh", "-c", "stat -c %a /scratch; echo data > /scratch/f && cat /scratch/f;"
                + " grep ' /scratch ' /proc/self/mounts | cut -d' ' -f1,3")
                .mount(Mount.tmpfs("/scratch", 1 << 20, 0700)));
        assertEquals("700\ndata\ntmpfs tmpfs\n", r.out(), r.err());
        assertTrue(r.created().contains("/scratch"), r.created().toString());
        assertFalse(Files.exists(upper.resolve("scratch/f")));
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void scratchRootfsWithoutLayers(String runtime) throws Exception {
        Run r = run(runtime, spec("/bin/busybox", "sh", "-c", "/bin/busybox ls /")
                .lowerDirs(List.of())
                .mount(Mount.bind(Path.of(BUSYBOX), "/bin/busybox", true)));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().toList().containsAll(List.of("bin", "dev", "etc", "proc", "sys")), r.out());
        assertTrue(r.created().containsAll(List.of("/proc", "/sys", "/dev", "/etc", "/etc/hostname", "/bin", "/bin/busybox")),
                r.created().toString());
        assertEquals(0, Files.size(upper.resolve("bin/busybox")));
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void lowerDirsAreTopFirst(String runtime) throws Exception {
        assertEquals("top\nb\n", run(runtime, spec("cat", "/etc/layer", "/etc/bottom-only")).out());
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void missingExecutableCannotStart(String runtime) throws Exception {
        IOException e = assertThrows(IOException.class, () -> run(runtime, spec("no-such-command")));
        assertTrue(e.getMessage().contains("no-such-command") && e.getMessage().contains("not found"), e.getMessage());
        IOException e2 = assertThrows(IOException.class, () -> run(runtime, spec("/bin/no-such-file")));
        assertTrue(e2.getMessage().contains("/bin/no-such-file"), e2.getMessage());
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void interruptKillsTheContainer(String runtime) throws Exception {
        String secs = uniqueSleep();
        CompletableFuture<Object> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                done.complete(run(runtime, spec("sleep", secs)));
            } catch (Throwable e) {
                done.complete(e);
            }
        });
        t.start();
        awaitProcess("sleep", secs);
        t.interrupt();
        Object outcome = done.get(30, TimeUnit.SECONDS);
        assertTrue(outcome instanceof InterruptedIOException, "run() ended with " + outcome);
        assertEquals(List.of(), pidsOf("sleep", secs), "the container's process survived");
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void sigtermToTheHelperKillsTheContainer(String runtime) throws Exception {
        String secs = uniqueSleep();
        CompletableFuture<Object> done = new CompletableFuture<>();
        new Thread(() -> {
            try {
                done.complete(run(runtime, spec("sleep", secs)));
            } catch (Throwable e) {
                done.complete(e);
            }
        }).start();
        long sleepPid = awaitProcess("sleep", secs);
        long helper = helperAncestor(sleepPid);
        assertTrue(ProcessHandle.of(helper).orElseThrow().destroy(), "could not send SIGTERM");
        Object outcome = done.get(30, TimeUnit.SECONDS);
        assertTrue(outcome instanceof Run, "run() ended with " + outcome);
        assertEquals(128 + 9, ((Run) outcome).code());
        assertEquals(List.of(), pidsOf("sleep", secs), "the container's process survived");
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void timeoutKillsTheContainer(String runtime) throws Exception {
        String secs = uniqueSleep();
        long t0 = System.nanoTime();
        Run r = run(runtime, spec("sleep", secs).timeout(Duration.ofSeconds(1)));
        assertTrue(r.result().timedOut());
        assertEquals(128 + 9, r.code());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15));
        assertEquals(List.of(), pidsOf("sleep", secs), "the container's process survived");
    }

    @ParameterizedTest
    @MethodSource("runtimes")
    void sigkilledJvmLeavesNoProcess(String runtime) throws Exception {
        String secs = uniqueSleep();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process jvm = new ProcessBuilder(javaBinary(), "-XX:-UsePerfData", "-cp", cp, ContainerMain.class.getName(), runtime,
                stateDir.toString(), lowerTop + ":" + lowerBottom, upper.toString(), work.toString(), "sleep", secs)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("jvm.log").toFile())
                .start();
        try {
            awaitProcess("sleep", secs);
        } catch (AssertionError e) {
            jvm.destroyForcibly();
            throw new AssertionError(e.getMessage() + "\n" + Files.readString(tmp.resolve("jvm.log")), e);
        }
        jvm.destroyForcibly();
        assertTrue(jvm.waitFor(30, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!pidsOf("sleep", secs).isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(List.of(), pidsOf("sleep", secs), "the container outlived its SIGKILLed JVM");
        // its scratch dir (on a tmpfs) goes when the next JVM's executor starts
        String stale = "jbuild-exec-" + jvm.pid() + "-";
        Path parent = RunDir.scratch(Files.createDirectories(tmp.resolve("next-state"))).getParent();
        try (Stream<Path> s = Files.list(parent)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(stale)).toList());
        }
    }

    // ------------------------------------------------------------------ not per runtime

    @Test
    void unprivilegedUserRunsInAUserNamespace() throws Exception {
        if (exec("id", "-u", UNPRIVILEGED_USER).code != 0) {
            Exec add = exec("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", UNPRIVILEGED_USER);
            if (add.code != 0 && exec("id", "-u", UNPRIVILEGED_USER).code != 0) fail("useradd failed: " + add.out);
        }
        long uid = Long.parseLong(exec("id", "-u", UNPRIVILEGED_USER).out.strip());
        // outside the JUnit temp dir (mode 0700), owned by the user
        Path base = Files.createTempDirectory(Path.of("/tmp"), "jbuild-unprivileged-");
        try {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path lower = base.resolve("lower");
            copyTree(lowerBottom, lower);
            Path u = Files.createDirectories(base.resolve("upper"));
            Path w = Files.createDirectories(base.resolve("work"));
            Path state = Files.createDirectories(base.resolve("state"));
            assertEquals(0, exec("chown", "-R", UNPRIVILEGED_USER + ":", base.toString()).code);
            // the module's classes and oci-model's (SandboxHelper checks the helper it writes with oci-model's Digest)
            String cp = classDir(ContainerMain.class) + ":" + classDir(Executor.class) + ":"
                    + classDir(dev.jbuild.oci.Digest.class);
            ProcessBuilder pb = new ProcessBuilder("setpriv", "--reuid=" + UNPRIVILEGED_USER, "--regid=" + UNPRIVILEGED_USER,
                    "--init-groups", "--", javaBinary(), "-XX:-UsePerfData", "-cp", cp, ContainerMain.class.getName(), "native",
                    state.toString(), lower.toString(), u.toString(), w.toString(),
                    "sh", "-c", "id -u; id -g; echo hi > /by-unprivileged").redirectErrorStream(true);
            pb.environment().put("HOME", base.toString());
            Exec r = exec(pb);
            assertEquals(0, r.code, r.out);
            assertEquals("started\n0\n0\nexit=0\n", r.out);
            Path written = u.resolve("by-unprivileged");
            assertEquals("hi\n", Files.readString(written));
            assertEquals((int) uid, Files.getAttribute(written, "unix:uid"), "owner on the host");
        } finally {
            deleteTree(base);
        }
    }

    @Test
    void helperIsExtractedVerifiedAndRepaired() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Executor ex = Executors.forName("native", state);
        assertEquals("native", ex.name());
        String sha = SandboxHelper.expectedSha256();
        Path helper = state.resolve("bin/jbuild-sandbox-" + sha);
        assertTrue(Files.isRegularFile(helper));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(helper)));
        assertEquals(sha, SandboxHelper.sha256(helper));

        Files.write(helper, "#!/bin/sh\necho tampered\n".getBytes(UTF_8)); // size and mtime change
        Path u = Files.createDirectories(tmp.resolve("u2")), w = Files.createDirectories(tmp.resolve("w2"));
        Sink sink = new Sink();
        ExecResult r = ex.run(ExecSpec.builder().lowerDirs(List.of(lowerTop, lowerBottom)).upperDir(u).workDir(w)
                .args("echo", "ok").env("PATH=/bin").build(), sink);
        assertEquals(0, r.exitCode());
        assertEquals("ok\n", sink.out.toString(UTF_8));
        assertEquals(sha, SandboxHelper.sha256(helper));
    }

    @Test
    void unknownRuntimesAreClearErrors() {
        IOException e = assertThrows(IOException.class, () -> Executors.forName("nosuchruntime", stateDir));
        assertTrue(e.getMessage().contains("unknown runtime"), e.getMessage());
        IOException e2 = assertThrows(IOException.class, () -> Executors.forName("/no/such/runtime", stateDir));
        assertTrue(e2.getMessage().contains("/no/such/runtime"), e2.getMessage());
    }

    // ------------------------------------------------------------------ helpers

    record Run(ExecResult result, String out, String err, long firstStdoutAt, long returnedAt) {
        int code() {
            return result.exitCode();
        }

        List<String> created() {
            return result.createdPaths();
        }
    }

    static final class Sink implements OutputSink {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        volatile long firstStdoutAt;

        @Override
        public void stdout(byte[] b, int off, int len) {
            if (out.size() == 0) firstStdoutAt = System.nanoTime();
            out.write(b, off, len);
        }

        @Override
        public void stderr(byte[] b, int off, int len) {
            err.write(b, off, len);
        }
    }

    ExecSpec.Builder spec(String... args) {
        return ExecSpec.builder()
                .lowerDirs(List.of(lowerTop, lowerBottom))
                .upperDir(upper)
                .workDir(work)
                .args(args)
                .env("PATH=/bin", "HOME=/root");
    }

    Run run(String runtime, ExecSpec.Builder spec) throws IOException {
        // a fresh upper/work per run of a test that runs several times
        boolean used;
        try (Stream<Path> entries = Files.list(upper)) {
            used = entries.findAny().isPresent();
        }
        if (used) {
            Path next = Files.createTempDirectory(tmp, "run");
            upper = Files.createDirectories(next.resolve("upper"));
            work = Files.createDirectories(next.resolve("work"));
            spec.upperDir(upper).workDir(work);
        }
        Sink sink = new Sink();
        ExecResult r = executor(runtime).run(spec.build(), sink);
        return new Run(r, sink.out.toString(UTF_8), sink.err.toString(UTF_8), sink.firstStdoutAt, System.nanoTime());
    }

    static Executor executor(String runtime) throws IOException {
        Executor ex = EXECUTORS.get(runtime);
        if (ex == null) {
            ex = Executors.forName(runtime, stateDir); // a missing runtime fails here, with an install hint
            EXECUTORS.put(runtime, ex);
        }
        assertEquals(runtime, ex.name());
        return ex;
    }

    static Map<String, String> caps(String status) {
        Map<String, String> m = new TreeMap<>();
        for (String line : status.lines().toList()) {
            if (!line.startsWith("Cap")) continue;
            String[] kv = line.split(":\\s*");
            m.put(kv[0], kv[1].strip());
        }
        return m;
    }

    static String uniqueSleep() {
        return String.valueOf(900_000 + ThreadLocalRandom.current().nextInt(90_000));
    }

    /** PIDs of processes whose argv is exactly ARGV. */
    static List<Long> pidsOf(String... argv) throws IOException {
        byte[] want = (String.join("\0", argv) + "\0").getBytes(UTF_8);
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                try {
                    if (Arrays.equals(Files.readAllBytes(p.resolve("cmdline")), want))
                        pids.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return pids;
    }

    static long awaitProcess(String... argv) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<Long> p = pidsOf(argv);
            if (!p.isEmpty()) return p.get(0);
            Thread.sleep(10);
        }
        throw new AssertionError("no process " + String.join(" ", argv) + " appeared");
    }

    /** The outermost jbuild-sandbox process above PID (for "run", the helper above the container's init). */
    static long helperAncestor(long pid) throws IOException {
        long found = -1;
        for (long p = pid; p > 1; p = ppid(p)) {
            String exe = new String(Files.readAllBytes(Path.of("/proc", String.valueOf(p), "cmdline")), UTF_8).split("\0", 2)[0];
            if (Path.of(exe).getFileName().toString().startsWith("jbuild-sandbox-")) found = p;
            else if (found > 0) break;
        }
        if (found < 0) throw new AssertionError("no jbuild-sandbox above " + pid);
        return found;
    }

    static long ppid(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("PPid:")) return Long.parseLong(line.substring(5).strip());
        }
        throw new IOException("no PPid for " + pid);
    }

    static long uid() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static String classDir(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** An ELF file without a PT_INTERP program header. */
    static boolean isStatic(Path elf) throws IOException {
        byte[] b = Files.readAllBytes(elf);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (b.length < 64 || b[0] != 0x7f || b[1] != 'E' || b[4] != 2) return false;
        long phoff = bb.getLong(0x20);
        int phentsize = bb.getShort(0x36) & 0xffff, phnum = bb.getShort(0x38) & 0xffff;
        for (int i = 0; i < phnum; i++) if (bb.getInt((int) phoff + i * phentsize) == 3) return false;
        return true;
    }

    record Exec(int code, String out) {}

    static Exec exec(String... cmd) throws Exception {
        return exec(new ProcessBuilder(cmd).redirectErrorStream(true));
    }

    static Exec exec(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Exec(p.exitValue(), out);
    }

    /** path -> type and content digest, for every entry of the dirs. */
    static Map<String, String> snapshot(Path... dirs) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (Path dir : dirs) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.toList()) {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    String v;
                    if (a.isSymbolicLink()) v = "link " + Files.readSymbolicLink(p);
                    else if (a.isDirectory()) v = "dir " + a.lastModifiedTime();
                    else v = "file " + a.lastModifiedTime() + " " + digest(p);
                    m.put(dir.getFileName() + "/" + dir.relativize(p), v);
                }
            }
        }
        return m;
    }

    static String digest(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) Files.createSymbolicLink(t, Files.readSymbolicLink(p));
                else if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A one-page HTTP server on 127.0.0.1 of the host, for the network tests (bounded: closes with the test). */
    static final class HttpServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread thread;

        HttpServer() throws IOException {
            socket = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
            thread = new Thread(() -> {
                for (int i = 0; i < 16 && !socket.isClosed(); i++) {
                    try (Socket s = socket.accept()) {
                        s.setSoTimeout(5000);
                        InputStream in = s.getInputStream();
                        // read the request head
                        int state = 0;
                        while (state < 4) {
                            int c = in.read();
                            if (c < 0) break;
                            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
                        }
                        OutputStream out = s.getOutputStream();
                        out.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n".getBytes(UTF_8));
                        out.flush();
                    } catch (IOException e) {
                        // closed
                    }
                }
            }, "test-http");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

}
