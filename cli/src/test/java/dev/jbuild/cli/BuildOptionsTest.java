package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static dev.jbuild.cli.Cli.read;
import static dev.jbuild.cli.Cli.skopeoJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Build options end to end: --target, -q, --iidfile, --format docker, --compression. */
class BuildOptionsTest {
    static final Pattern ID = Pattern.compile("sha256:[a-f0-9]{64}");

    @TempDir
    Path tmp;

    @Test
    void targetBuildsOnlyTheStagesItNeeds() throws IOException {
        Path root = tmp.resolve("root");
        Path layout = tmp.resolve("layout");
        Cli.Result r = jbuild("--root", root, "-t", "app:1", "--target", "app", "-o", "type=oci,dest=" + layout,
                Cli.context("stages")).ok();
        // the broken stage (a missing file, a RUN) and the debug stage after the target never ran
        assertFalse(r.err().contains("[broken "), r.err());
        assertFalse(r.err().contains("[debug "), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("#\\d+ \\[deps \\d/\\d] COPY lib.txt /lib/lib.txt")), r.err());
        Path rootfs = Cli.umociUnpack(layout, "1", tmp.resolve("bundle"));
        assertEquals("library code\n", read(rootfs, "lib/lib.txt"));
        assertEquals("the application\n", read(rootfs, "app.txt"));
        assertFalse(Files.exists(rootfs.resolve("debug.txt")));
        JsonNode config = skopeoJson("inspect", "--config", "--raw", "oci:" + layout + ":1");
        assertEquals(List.of("/app"), ImageToolsTest.strings(config.path("config").path("Cmd")));
        // only the target's own steps are in its history
        assertEquals(3, config.path("history").size());
        assertEquals("COPY /lib /lib # buildkit", config.path("history").get(0).path("created_by").asText());

        // without --target the last stage is built, and its RUN (no shell in scratch) fails naming the line
        Cli.Result all = jbuild("--root", root, "-q", "-t", "app:2", Cli.context("stages"));
        assertEquals(1, all.status());
        assertTrue(all.err().startsWith("jbuild: Dockerfile:16: RUN echo there is no shell in scratch: exec \"/bin/sh\""),
                all.err());
        // --target broken fails at its missing file
        Cli.Result broken = jbuild("--root", root, "-q", "--target", "broken", Cli.context("stages"));
        assertEquals(1, broken.status());
        assertTrue(broken.err().contains("Dockerfile:3: COPY does-not-exist.txt /:"), broken.err());
        assertTrue(broken.err().contains("does-not-exist.txt"), broken.err());
        Cli.Result missing = jbuild("--root", root, "-q", "--target", "nosuch", Cli.context("stages"));
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("\"nosuch\""), missing.err());
    }

    @Test
    void quietPrintsOnlyTheImageIdAndIidfileHasIt() throws IOException {
        Path iid = tmp.resolve("iid.txt");
        Path layout = tmp.resolve("layout");
        Cli.Result r = jbuild("--root", tmp.resolve("root"), "-q", "--iidfile", iid, "--target", "app",
                "-o", "type=oci,dest=" + layout, "-t", "quiet", Cli.context("stages")).ok();
        assertTrue(ID.matcher(r.out()).lookingAt(), r.out());
        String id = r.out().strip();
        assertEquals(id + "\n", r.out(), "-q prints the id and nothing else");
        assertEquals("", r.err(), "-q prints no progress");
        assertEquals(id, Files.readString(iid), "--iidfile holds the id, without a newline");
        JsonNode raw = skopeoJson("inspect", "--raw", "oci:" + layout + ":latest");
        assertEquals(id, raw.path("config").path("digest").asText(), "the image id is the config digest");
    }

    @Test
    void formatDockerWritesDockerMediaTypes() throws IOException {
        Path layout = tmp.resolve("layout");
        Path root = tmp.resolve("root");
        jbuild("--root", root, "-q", "--format", "docker", "-t", "docker-format", "-o", "type=oci,dest=" + layout,
                Cli.context("files")).ok();
        // (the layout's only image: skopeo before 1.10 looks up ref.name only among OCI media types)
        JsonNode raw = skopeoJson("inspect", "--raw", "oci:" + layout);
        assertEquals("application/vnd.docker.distribution.manifest.v2+json", raw.path("mediaType").asText());
        assertEquals("application/vnd.docker.container.image.v1+json", raw.path("config").path("mediaType").asText());
        assertEquals(12, raw.path("layers").size());
        for (JsonNode l : raw.path("layers")) {
            assertEquals("application/vnd.docker.image.rootfs.diff.tar.gzip", l.path("mediaType").asText());
        }
        JsonNode info = skopeoJson("inspect", "oci:" + layout);
        assertEquals(12, info.path("Layers").size());
        Cli.validateLayout(layout);
        Cli.validateStore(root);
        JsonNode inspect = jbuild("inspect", "--root", root, "docker-format").ok().json();
        assertEquals("application/vnd.docker.distribution.manifest.v2+json", inspect.get(0).path("MediaType").asText());
    }

    @ParameterizedTest
    @CsvSource({"zstd, application/vnd.oci.image.layer.v1.tar+zstd", "none, application/vnd.oci.image.layer.v1.tar",
        "gzip, application/vnd.oci.image.layer.v1.tar+gzip"})
    void compression(String compression, String mediaType) throws IOException {
        Path layout = tmp.resolve("layout");
        Path root = tmp.resolve("root");
        jbuild("--root", root, "-q", "--compression", compression, "-t", "c:" + compression,
                "-o", "type=oci,dest=" + layout, Cli.context("files")).ok();
        JsonNode raw = skopeoJson("inspect", "--raw", "oci:" + layout + ":" + compression);
        for (JsonNode l : raw.path("layers")) {
            assertEquals(mediaType, l.path("mediaType").asText());
        }
        Cli.validateLayout(layout);
        Path rootfs = Cli.umociUnpack(layout, compression, tmp.resolve("bundle"));
        assertEquals("Welcome to version 1.0\n", read(rootfs, "etc/motd"));
        assertEquals("alpha from the archive\n", read(rootfs, "extracted/archive/a.txt"));
        assertEquals("2000:3000", Cli.owner(rootfs, "owned/svc.txt"));
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        Cli.Result r = jbuild("--root", tmp.resolve("root"), "--compression", "lz4", Cli.context("stages"));
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--compression must be gzip, zstd or none"), r.err());
        r = jbuild("--root", tmp.resolve("root"), "--format", "v1", Cli.context("stages"));
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--format must be oci or docker"), r.err());
    }

    /**
     * EXPOSE with a port range: BuildKit's parsePortSpec expands {@code 8000-8002/udp} into one
     * exposed port per number (ExposedPorts and the history message).
     */
    @Test
    void exposeExpandsPortRangesAsBuildkit() throws IOException {
        Path ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nEXPOSE 8000-8002/udp 80\n");
        Path layout = tmp.resolve("layout");
        jbuild("--root", tmp.resolve("root"), "-q", "-o", "type=oci,dest=" + layout, "-t", "ports", ctx).ok();
        JsonNode config = skopeoJson("inspect", "--config", "--raw", "oci:" + layout + ":latest");
        assertEquals(List.of("80/tcp", "8000/udp", "8001/udp", "8002/udp"),
                ImageToolsTest.fieldNames(config.path("config").path("ExposedPorts")));
        assertEquals("EXPOSE [80/tcp 8000/udp 8001/udp 8002/udp]",
                config.path("history").get(0).path("created_by").asText());
    }

    /** COPY --chmod takes symbolic modes too in BuildKit (convert_copy.go: mode.Parse). */
    @Test
    void chmodAcceptsSymbolicModesAsBuildkit() throws IOException {
        Path ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("a.txt"), "a\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY --chmod=u=rwx,go=rx a.txt /a.txt\n");
        Path layout = tmp.resolve("layout");
        jbuild("--root", tmp.resolve("root"), "-q", "-o", "type=oci,dest=" + layout, "-t", "chmod", ctx).ok();
        Path rootfs = Cli.umociUnpack(layout, "latest", tmp.resolve("bundle"));
        assertEquals("755", Cli.mode(rootfs, "a.txt"));
    }
}
