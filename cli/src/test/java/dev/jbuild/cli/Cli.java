package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciLayout;
import dev.jbuild.oci.OciSchemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the CLI integration tests share: jbuild run in-process through {@link Main#run}, the
 * external tools (skopeo, umoci) run as processes — a missing tool fails the test, it never skips
 * it — the testdata contexts, and the OCI schema checks of what jbuild wrote.
 */
final class Cli {
    private Cli() {}

    static final ObjectMapper JSON = new ObjectMapper();

    record Result(int status, String out, String err) {
        Result ok() {
            assertEquals(0, status, () -> "jbuild failed (status " + status + ")\nstdout:\n" + out + "\nstderr:\n" + err);
            return this;
        }

        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out, e);
            }
        }
    }

    /** {@code jbuild ARGS} in this JVM, as the launcher runs it. */
    static Result jbuild(Object... args) {
        String[] a = Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(a, new PrintWriter(out), new PrintWriter(err));
        return new Result(status, out.toString(), err.toString());
    }

    /** A testdata context: {@code testdata/contexts/NAME} of this checkout. */
    static Path context(String name) {
        Path p = Path.of(System.getProperty("user.dir")).getParent().resolve("testdata/contexts").resolve(name);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("missing testdata context " + p);
        }
        return p;
    }

    // ---- external tools ----------------------------------------------------------------------

    /** Runs a tool we did not write; a tool that is not installed fails the test with how to install it. */
    static Result tool(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return fail(command[0] + " is not installed (or not on PATH), and these tests check jbuild's images with it:"
                    + " install it, e.g. 'apt-get install " + command[0] + "' (.ci/run does so): " + e.getMessage());
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread t = new Thread(() -> copy(p.getErrorStream(), err));
            t.start();
            copy(p.getInputStream(), out);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return fail(String.join(" ", command) + ": timed out");
            }
            t.join();
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tool that must succeed. */
    static Result ok(String... command) {
        Result r = tool(command);
        assertEquals(0, r.status(), () -> String.join(" ", command) + " failed (status " + r.status() + ")\nstdout:\n"
                + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    static JsonNode skopeoJson(String... args) {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
        cmd.addAll(List.of(args));
        return ok(cmd.toArray(String[]::new)).json();
    }

    /**
     * {@code umoci unpack --image LAYOUT:TAG BUNDLE} (rootless unless we are root); answers the
     * bundle's rootfs. umoci releases without zstd support get a gzip copy made by skopeo first.
     */
    static Path umociUnpack(Path layout, String tag, Path bundle) {
        List<String> cmd = new ArrayList<>(List.of("umoci", "unpack"));
        if (!isRoot()) {
            cmd.add("--rootless");
        }
        cmd.addAll(List.of("--image", layout + ":" + tag, bundle.toString()));
        Result r = tool(cmd.toArray(String[]::new));
        if (r.status() != 0 && r.err().contains("not correct mediatype") && r.err().contains("zstd")) {
            // umoci before 0.5 cannot read zstd layers: have skopeo (which can) recompress them.
            Path gz = bundle.resolveSibling(bundle.getFileName() + "-gzip-layout");
            ok("skopeo", "--insecure-policy", "copy", "--dest-compress", "--dest-compress-format", "gzip",
                    "oci:" + layout + ":" + tag, "oci:" + gz + ":" + tag);
            cmd.set(cmd.indexOf(layout + ":" + tag), gz + ":" + tag);
            r = tool(cmd.toArray(String[]::new));
        }
        Result fin = r;
        assertEquals(0, r.status(), () -> "umoci unpack failed:\n" + fin.out() + fin.err());
        return bundle.resolve("rootfs");
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    // ---- the unpacked root filesystem ---------------------------------------------------------

    /** uid and gid of a file umoci unpacked (from its rootless xattr when not root). */
    static int[] owner(Path p) throws IOException {
        if (isRoot()) {
            return new int[] {(Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)};
        }
        // umoci --rootless keeps owners in user.rootlesscontainers: protobuf {1: uid, 2: gid}, absent for 0:0.
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (v == null || !v.list().contains("rootlesscontainers")) {
            return new int[] {0, 0};
        }
        ByteBuffer b = ByteBuffer.allocate(v.size("rootlesscontainers"));
        v.read("rootlesscontainers", b);
        b.flip();
        int[] ids = {0, 0};
        while (b.hasRemaining()) {
            int tag = b.get() & 0xff;
            long value = 0;
            for (int shift = 0;; shift += 7) {
                int x = b.get() & 0xff;
                value |= (long) (x & 0x7f) << shift;
                if (x < 0x80) {
                    break;
                }
            }
            if (tag == 0x08) {
                ids[0] = (int) value;
            } else if (tag == 0x10) {
                ids[1] = (int) value;
            }
        }
        return ids;
    }

    static String owner(Path root, String path) throws IOException {
        int[] o = owner(root.resolve(path));
        return o[0] + ":" + o[1];
    }

    /** Permission bits as octal text, e.g. "755". */
    static String mode(Path root, String path) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(root.resolve(path), LinkOption.NOFOLLOW_LINKS);
        int m = 0;
        PosixFilePermission[] order = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE
        for (int i = 0; i < order.length; i++) {
            if (perms.contains(order[i])) {
                m |= 1 << (8 - i);
            }
        }
        return Integer.toOctalString(m);
    }

    static String read(Path root, String path) throws IOException {
        return Files.readString(root.resolve(path));
    }

    // ---- files -------------------------------------------------------------------------------

    /** Copies a directory tree (merging into what is there), symlinks as symlinks, keeping permissions. */
    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                Files.deleteIfExists(target);
                if (Files.isSymbolicLink(file)) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(file));
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    // ---- OCI documents -----------------------------------------------------------------------

    /**
     * Validates an OCI image layout directory with the image-spec schemas: oci-layout, index.json,
     * and every manifest, index and config reachable from it. Answers how many documents it checked.
     */
    static int validateLayout(Path layout) throws IOException {
        OciSchemas schemas = OciSchemas.shared();
        schemas.assertValid(OciLayout.FILE, Files.readAllBytes(layout.resolve(OciLayout.FILE)));
        byte[] index = Files.readAllBytes(layout.resolve(OciLayout.INDEX_FILE));
        schemas.assertValid(MediaType.OCI_INDEX, index);
        int n = 2;
        for (JsonNode d : JSON.readTree(index).path("manifests")) {
            n += validateTree(d, digest -> Files.readAllBytes(layout.resolve(OciLayout.blobPath(digest))));
        }
        return n;
    }

    interface Blobs {
        byte[] read(Digest d) throws IOException;
    }

    /** Validates a descriptor's document and everything below it; answers the count. */
    static int validateTree(JsonNode descriptor, Blobs blobs) throws IOException {
        OciSchemas schemas = OciSchemas.shared();
        String mediaType = descriptor.path("mediaType").asText();
        byte[] bytes = blobs.read(Digest.parse(descriptor.path("digest").asText()));
        assertEquals(descriptor.path("size").asLong(), bytes.length, "size of " + descriptor);
        assertEquals(descriptor.path("digest").asText(), Digest.sha256(bytes).toString());
        schemas.assertValid(mediaType, bytes);
        JsonNode doc = JSON.readTree(bytes);
        assertEquals(mediaType, doc.path("mediaType").asText(), "the document's mediaType is its descriptor's");
        int n = 1;
        if (MediaType.isIndex(mediaType)) {
            for (JsonNode d : doc.path("manifests")) {
                n += validateTree(d, blobs);
            }
        } else {
            JsonNode config = doc.path("config");
            byte[] c = blobs.read(Digest.parse(config.path("digest").asText()));
            assertEquals(config.path("size").asLong(), c.length);
            schemas.assertValid(config.path("mediaType").asText(), c);
            n++;
        }
        return n;
    }

    /** Validates every tagged image of a store (manifest or index, and configs). */
    static int validateStore(Path root) throws IOException {
        JsonNode tags = JSON.readTree(root.resolve("images.json").toFile()).path("tags");
        int n = 0;
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) tags::fields) {
            Digest d = Digest.parse(e.getValue().asText());
            byte[] bytes = Files.readAllBytes(root.resolve("blobs").resolve(d.algorithm()).resolve(d.hex()));
            String mediaType = JSON.readTree(bytes).path("mediaType").asText();
            var descriptor = JSON.createObjectNode().put("mediaType", mediaType).put("digest", d.toString())
                    .put("size", bytes.length);
            n += validateTree(descriptor,
                    digest -> Files.readAllBytes(root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex())));
        }
        return n;
    }
}
