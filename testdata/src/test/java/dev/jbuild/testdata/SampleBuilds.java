package dev.jbuild.testdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * What the build-tool plugins' integration tests share (jbuild-maven-plugin's and jbuild-gradle-plugin's): fresh
 * copies of the sample projects under {@code testdata/maven} and {@code testdata/gradle}, processes run as a user
 * runs them, the busybox base image, and the layers of an OCI layout read without jbuild.
 */
public final class SampleBuilds {
    private SampleBuilds() {}

    public static final ObjectMapper JSON = new ObjectMapper();

    /** A finished process: its exit status and its output (stdout and stderr, interleaved). */
    public record Result(int status, String log) {
        public Result ok() {
            if (status != 0) {
                fail("exited with " + status + ":\n" + log);
            }
            return this;
        }

        public Result failed() {
            if (status == 0) {
                fail("should have failed:\n" + log);
            }
            return this;
        }

        /** How often {@code what} occurs in the output. */
        public int count(String what) {
            int n = 0;
            for (int i = log.indexOf(what); i >= 0; i = log.indexOf(what, i + 1)) {
                n++;
            }
            return n;
        }
    }

    /** A system property failsafe sets; IllegalStateException when the test was not run through it. */
    public static String required(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException("system property " + name + " is unset: run the *IT tests through "
                    + "`mvn verify` (failsafe sets it)");
        }
        return v;
    }

    /** The testdata directory (failsafe's {@code jbuild.testdata}). */
    public static Path testdata() {
        return Path.of(required("jbuild.testdata"));
    }

    /** A fresh copy of {@code testdata/SAMPLE} in {@code dest} (the sample stays clean), without build outputs. */
    public static Path copy(String sample, Path dest) throws IOException {
        Path src = testdata().resolve(sample);
        deleteRecursively(dest);
        Files.createDirectories(dest);
        try (var paths = Files.walk(src)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path rel = src.relativize(p);
                String first = rel.getNameCount() > 0 ? rel.getName(0).toString() : "";
                if (first.equals("target") || first.equals("build") || first.equals(".gradle")) {
                    continue;
                }
                Path to = dest.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return dest;
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /**
     * Runs {@code cmd} in {@code dir} with {@code env} added to (null values removed from) this environment, its
     * output in a log file beside {@code dir}; fails the test after {@code minutes}.
     */
    public static Result run(List<String> cmd, Path dir, Map<String, String> env, int minutes)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir.toAbsolutePath().getParent(), "run-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            fail(cmd + " did not finish in " + minutes + " minutes:\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), "$ " + String.join(" ", cmd) + "\n" + Files.readString(log));
    }

    /** Runs a tool in the current directory: its output and status. */
    public static Result tool(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(cmd + " did not finish");
        }
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8));
    }

    /**
     * Makes the busybox image with {@code base-images/busybox.sh} and copies it with skopeo to
     * {@code REGISTRY/library/busybox:latest} (a loopback registry over plain HTTP); returns that reference.
     */
    public static String pushBusybox(Path work, String registry) throws IOException, InterruptedException {
        Path layout = work.resolve("busybox");
        deleteRecursively(layout);
        Files.createDirectories(work);
        Result made = tool(List.of("bash", testdata().resolve("base-images/busybox.sh").toString(),
                layout.toString()));
        if (made.status() != 0) {
            fail("testdata/base-images/busybox.sh failed; the tests need Debian's busybox-static (apt-get install"
                    + " busybox-static; .ci/run does so):\n" + made.log());
        }
        String ref = registry + "/library/busybox:latest";
        tool(List.of("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":latest", "docker://" + ref))
                .ok();
        return ref;
    }

    /** {@code skopeo inspect} of an OCI layout ({@code oci:DIR}) or a registry image over plain HTTP. */
    public static JsonNode inspect(String transportAndRef, String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "inspect"));
        cmd.addAll(List.of(options));
        cmd.add(transportAndRef);
        return JSON.readTree(tool(cmd).ok().log());
    }

    /** Each layer of the OCI layout's one image: its regular files by path. */
    public static List<Map<String, byte[]>> layers(Path layout) throws IOException {
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(1, index.path("manifests").size(), index.toString());
        JsonNode manifest = JSON.readTree(blob(layout, index.path("manifests").get(0).path("digest").asText())
                .toFile());
        List<Map<String, byte[]>> out = new ArrayList<>();
        for (JsonNode l : manifest.path("layers")) {
            assertTrue(l.path("mediaType").asText().endsWith("tar+gzip"), l.toString());
            Map<String, byte[]> files = new LinkedHashMap<>();
            try (InputStream in = Files.newInputStream(blob(layout, l.path("digest").asText()));
                    TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    if (e.isFile()) {
                        ByteArrayOutputStream b = new ByteArrayOutputStream();
                        tar.transferTo(b);
                        files.put(e.getName().replaceFirst("^\\./", ""), b.toByteArray());
                    }
                }
            }
            out.add(files);
        }
        return out;
    }

    private static Path blob(Path layout, String digest) {
        Matcher m = Pattern.compile("sha256:([0-9a-f]{64})").matcher(digest);
        assertTrue(m.matches(), digest);
        return layout.resolve("blobs/sha256/" + m.group(1));
    }

    /**
     * Checks the image the sample app's Dockerfile makes, in the OCI layout {@code layout}: {@code digest}, the
     * version label, busybox + COPY + RUN layers, the COPY layer holding {@code jar}, the RUN layer its checksum
     * and class listing.
     */
    public static void assertSampleImage(Path layout, String digest, byte[] jar) throws Exception {
        JsonNode oci = inspect("oci:" + layout);
        assertEquals(digest, oci.path("Digest").asText(), oci.toString());
        assertEquals("1.0", oci.path("Labels").path("org.opencontainers.image.version").asText(), oci.toString());
        assertEquals(3, oci.path("Layers").size(), oci.toString());
        List<Map<String, byte[]>> layers = layers(layout);
        assertTrue(java.util.Arrays.equals(jar, layers.get(1).get("app/app.jar")), "the COPY layer has the jar");
        String sum = new String(layers.get(2).get("app/app.jar.sha256"), StandardCharsets.UTF_8);
        String hex = java.util.HexFormat.of().formatHex(sha256(jar));
        assertEquals(hex + "  /app/app.jar\n", sum);
        assertEquals("dev/jbuild/sample/App.class\n",
                new String(layers.get(2).get("app/classes.txt"), StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
