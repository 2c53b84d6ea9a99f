package dev.jbuild.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * What the RUN integration tests ({@code Run*Test}) share: the busybox base image made by
 * {@code testdata/base-images/busybox.sh} (Debian's busybox-static; a missing package fails the
 * test with how to install it), a listing of a root filesystem that {@code umoci} unpacked (every
 * path with its type, mode, owner, link target, device numbers, content and hard-link group), the
 * layers of an OCI layout, and child JVMs running {@code jbuild} as the launcher does.
 */
final class RunFixtures {
    private RunFixtures() {}

    /** The CLI module's directory (surefire runs the tests there). */
    static final Path MODULE = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    static final Path REPO = MODULE.getParent();
    static final Path BASE_IMAGES = REPO.resolve("testdata/base-images");

    private static Path busybox;
    private static Map<String, String> busyboxTree;

    // ---- the busybox base image ---------------------------------------------------------------

    /** An OCI layout of the busybox image (docker.io/library/busybox:latest), made once per JVM under target/. */
    static synchronized Path busyboxLayout() throws IOException {
        if (busybox == null) {
            Path out = MODULE.resolve("target/run-fixtures/busybox");
            Files.createDirectories(out.getParent());
            Cli.Result r = Cli.tool("bash", BASE_IMAGES.resolve("busybox.sh").toString(), out.toString());
            if (r.status() != 0) {
                fail("testdata/base-images/busybox.sh failed (status " + r.status() + "); the RUN tests need Debian's"
                        + " busybox-static: apt-get install busybox-static (.ci/run does so)\n" + r.out() + r.err());
            }
            busybox = out;
        }
        return busybox;
    }

    /** {@code jbuild load -i} the busybox image into the store ROOT. */
    static void loadBusybox(Path root) throws IOException {
        Cli.Result r = Cli.jbuild("load", "--root", root, "-i", busyboxLayout()).ok();
        assertTrue(r.out().contains("Loaded image: busybox:latest"), r.out());
    }

    /** The busybox image's tree as umoci unpacks it from busybox.sh's layout (not from anything jbuild wrote). */
    static synchronized Map<String, String> busyboxTree() throws IOException {
        if (busyboxTree == null) {
            Path bundle = Files.createTempDirectory("jbuild-run-busybox-bundle-");
            try {
                busyboxTree = Map.copyOf(tree(Cli.umociUnpack(busyboxLayout(), "latest", bundle.resolve("b"))));
            } finally {
                deleteTree(bundle);
            }
            assertTrue(busyboxTree.containsKey("bin/busybox") && busyboxTree.containsKey("etc/passwd"),
                    "the busybox image has /bin/busybox and /etc/passwd");
        }
        return new TreeMap<>(busyboxTree);
    }

    // ---- listing an unpacked root filesystem --------------------------------------------------

    /**
     * Every path under ROOT (relative, the root itself left out) mapped to one line: {@code dir 0755 0:0},
     * {@code file 0644 0:0 "text\n"} (or {@code size=N sha256=HEX} for binary or long content),
     * {@code symlink 0:0 -> TARGET}, {@code fifo 0644 0:0}, {@code char 0644 0:0 1,3}; a file with more than one
     * name in the tree ends with {@code inode=#FIRST}, FIRST being the smallest of its names.
     */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        Map<Object, List<String>> inodes = new HashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) {
                    visit(dir);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                visit(file);
                return FileVisitResult.CONTINUE;
            }

            private void visit(Path p) throws IOException {
                String rel = root.relativize(p).toString();
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,ino,nlink,rdev,size",
                        LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                String owner = Cli.owner(root, rel);
                String perm = String.format("%04o", mode & 07777);
                int type = mode & 0170000;
                String line;
                switch (type) {
                    case 0040000 -> line = "dir " + perm + " " + owner;
                    case 0120000 -> line = "symlink " + owner + " -> " + Files.readSymbolicLink(p);
                    case 0010000 -> line = "fifo " + perm + " " + owner;
                    case 0140000 -> line = "socket " + perm + " " + owner;
                    case 0020000, 0060000 -> {
                        long rdev = (Long) a.get("rdev");
                        long major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL);
                        long minor = (rdev & 0xff) | ((rdev >> 12) & ~0xffL);
                        line = (type == 0020000 ? "char " : "block ") + perm + " " + owner + " " + major + "," + minor;
                    }
                    case 0100000 -> {
                        line = "file " + perm + " " + owner + " " + content(Files.readAllBytes(p));
                        if ((Integer) a.get("nlink") > 1) {
                            inodes.computeIfAbsent(a.get("ino"), k -> new ArrayList<>()).add(rel);
                        }
                    }
                    default -> throw new AssertionError("unknown file type " + Integer.toOctalString(type) + " of " + p);
                }
                m.put(rel, line);
            }
        });
        for (List<String> names : inodes.values()) {
            if (names.size() > 1) {
                String first = names.stream().sorted().findFirst().orElseThrow();
                for (String n : names) {
                    m.put(n, m.get(n) + " inode=#" + first);
                }
            }
        }
        return m;
    }

    /** A file's content in a listing: short printable text quoted (newlines as \n), else its size and digest. */
    static String content(byte[] b) {
        boolean text = b.length <= 80;
        for (int i = 0; text && i < b.length; i++) {
            text = b[i] == '\n' || (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\');
        }
        if (text) {
            return "\"" + new String(b, UTF_8).replace("\n", "\\n") + "\"";
        }
        return "size=" + b.length + " sha256=" + sha256(b);
    }

    static String file(String perm, String owner, String text) {
        return "file " + perm + " " + owner + " " + content(text.getBytes(UTF_8));
    }

    static String dir(String perm, String owner) {
        return "dir " + perm + " " + owner;
    }

    static String symlink(String owner, String target) {
        return "symlink " + owner + " -> " + target;
    }

    /** Removes PATH and everything below it from a listing. */
    static void removeTree(Map<String, String> tree, String path) {
        tree.keySet().removeIf(k -> k.equals(path) || k.startsWith(path + "/"));
    }

    /** Compares two listings, showing only the lines that differ when they do. */
    static void assertTree(Map<String, String> expected, Map<String, String> actual, String what) {
        if (expected.equals(actual)) {
            return;
        }
        StringBuilder b = new StringBuilder(what).append(" differs from the expected tree:\n");
        TreeMap<String, String> all = new TreeMap<>(expected);
        all.putAll(actual);
        for (String k : all.keySet()) {
            String e = expected.get(k);
            String a = actual.get(k);
            if (e == null) {
                b.append("  unexpected ").append(k).append(": ").append(a).append('\n');
            } else if (a == null) {
                b.append("  missing    ").append(k).append(": ").append(e).append('\n');
            } else if (!e.equals(a)) {
                b.append("  changed    ").append(k).append(":\n      expected ").append(e).append("\n      actual   ")
                        .append(a).append('\n');
            }
        }
        fail(b.toString());
    }

    // ---- an OCI layout's layers ---------------------------------------------------------------

    /** The manifest of the one image in an OCI layout. */
    static JsonNode manifest(Path layout) throws IOException {
        JsonNode index = Cli.JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(1, index.path("manifests").size(), "one image in " + layout);
        return Cli.JSON.readTree(blob(layout, index.path("manifests").get(0).path("digest").asText()).toFile());
    }

    static JsonNode config(Path layout) throws IOException {
        return Cli.JSON.readTree(blob(layout, manifest(layout).path("config").path("digest").asText()).toFile());
    }

    static Path blob(Path layout, String digest) {
        int colon = digest.indexOf(':');
        return layout.resolve("blobs").resolve(digest.substring(0, colon)).resolve(digest.substring(colon + 1));
    }

    /** The layer blobs of the layout's image, bottom first. */
    static List<Path> layers(Path layout) throws IOException {
        List<Path> out = new ArrayList<>();
        for (JsonNode l : manifest(layout).path("layers")) {
            out.add(blob(layout, l.path("digest").asText()));
        }
        return out;
    }

    /** The entry names of a (gzip) layer tar as GNU tar lists them. */
    static List<String> tarNames(Path layer) {
        return Cli.ok("tar", "-tzf", layer.toString()).out().lines().toList();
    }

    /** A blob's bytes, gunzipped when it is gzip. */
    static byte[] uncompressed(Path blob) throws IOException {
        byte[] raw = Files.readAllBytes(blob);
        if (raw.length > 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                return in.readAllBytes();
            }
        }
        return raw;
    }

    // ---- child processes ----------------------------------------------------------------------

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The test classpath (surefire's own list when it runs the tests through a manifest-only jar). */
    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** {@code java -cp TESTCLASSPATH dev.jbuild.cli.Main ARGS}: jbuild in a JVM of its own, as the launcher runs it. */
    static List<String> jbuildCommand(Object... args) {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-XX:-UsePerfData", "-cp", classPath(), Main.class.getName()));
        for (Object a : args) {
            cmd.add(String.valueOf(a));
        }
        return cmd;
    }

    /** Runs a process to its end (at most 10 minutes): status, stdout, stderr. */
    static Cli.Result run(ProcessBuilder pb) throws IOException, InterruptedException {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = new Thread(() -> {
            try (InputStream in = p.getErrorStream()) {
                in.transferTo(err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        t.start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", pb.command()) + ": timed out");
        }
        t.join();
        return new Cli.Result(p.exitValue(), new String(out, UTF_8), err.toString(UTF_8));
    }

    /** PIDs of the processes whose command line (arguments joined by spaces) contains NEEDLE, this JVM excluded. */
    static List<Long> pidsWith(String needle) throws IOException {
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), UTF_8).replace('\0', ' ');
                    long pid = Long.parseLong(p.getFileName().toString());
                    if (pid != self && cmd.contains(needle)) {
                        pids.add(pid);
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return pids;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(Path p) throws IOException {
        return sha256(Files.readAllBytes(p));
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
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

    /** Whether HAYSTACK contains NEEDLE. */
    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    static String[] strings(Object... args) {
        return Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
    }
}
