package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static dev.jbuild.cli.Cli.mode;
import static dev.jbuild.cli.Cli.ok;
import static dev.jbuild.cli.Cli.owner;
import static dev.jbuild.cli.Cli.read;
import static dev.jbuild.cli.Cli.skopeoJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds {@code testdata/contexts/files} once (every instruction a build without RUN has) and
 * checks the result with tools jbuild did not write: skopeo reads the OCI layout, the
 * docker-archive and the config; umoci unpacks the root filesystem, whose files, modes, owners
 * and links are then checked; every document is validated against the OCI schemas.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageToolsTest {
    static final String EPOCH = "1700000000";
    static final String CREATED = "2023-11-14T22:13:20Z";

    Path tmp;
    Path root;
    Path layout;
    Path dockerTar;
    Path rootfs;
    String imageId;
    String manifestDigest;

    @BeforeAll
    void build(@TempDir Path tmp) throws IOException {
        this.tmp = tmp;
        root = tmp.resolve("root");
        layout = tmp.resolve("layout");
        dockerTar = tmp.resolve("files.tar");
        Path iid = tmp.resolve("iid");
        Cli.Result r = jbuild("--root", root, "-t", "files:test", "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH,
                "--iidfile", iid, "-o", "type=oci,dest=" + layout, "-o", "type=docker,dest=" + dockerTar,
                Cli.context("files")).ok();
        imageId = Files.readString(iid);
        assertTrue(r.err().contains("writing image " + imageId + " done"), r.err());
        JsonNode tags = Cli.JSON.readTree(root.resolve("images.json").toFile()).path("tags");
        manifestDigest = tags.path("docker.io/library/files:test").asText();
        rootfs = Cli.umociUnpack(layout, "test", tmp.resolve("bundle"));
    }

    @Test
    void skopeoReadsTheOciLayout() {
        JsonNode info = skopeoJson("inspect", "oci:" + layout + ":test");
        assertEquals(manifestDigest, info.path("Digest").asText());
        assertEquals(CREATED, info.path("Created").asText());
        assertEquals("linux", info.path("Os").asText());
        assertEquals(12, info.path("Layers").size());
        JsonNode raw = skopeoJson("inspect", "--raw", "oci:" + layout + ":test");
        assertEquals("application/vnd.oci.image.manifest.v1+json", raw.path("mediaType").asText());
        assertEquals("application/vnd.oci.image.config.v1+json", raw.path("config").path("mediaType").asText());
        assertEquals(imageId, raw.path("config").path("digest").asText());
        for (JsonNode l : raw.path("layers")) {
            assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", l.path("mediaType").asText());
        }
    }

    @Test
    void skopeoReadsTheDockerArchive() {
        JsonNode info = skopeoJson("inspect", "docker-archive:" + dockerTar + ":files:test");
        assertEquals(12, info.path("Layers").size());
        assertEquals(CREATED, info.path("Created").asText());
        JsonNode config = skopeoJson("inspect", "--config", "--raw", "docker-archive:" + dockerTar);
        assertEquals("app", config.path("config").path("User").asText());
        // the archive carries the very config the store has: same image id
        String raw = ok("skopeo", "inspect", "--raw", "docker-archive:" + dockerTar).out();
        assertTrue(raw.contains(imageId), raw);
    }

    @Test
    void configHasWhatTheDockerfileSays() {
        JsonNode config = skopeoJson("inspect", "--config", "--raw", "oci:" + layout + ":test");
        assertEquals(CREATED, config.path("created").asText());
        assertEquals("linux", config.path("os").asText());
        JsonNode c = config.path("config");
        assertEquals(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_HOME=/opt/app",
                "LANG=C.UTF-8"), strings(c.path("Env")));
        assertEquals(List.of("/usr/local/bin/greet"), strings(c.path("Entrypoint")));
        assertEquals(List.of("/bin/sh", "-c", "echo $APP_HOME"), strings(c.path("Cmd")));
        assertTrue(c.path("ArgsEscaped").asBoolean());
        assertEquals("/home/app/data", c.path("WorkingDir").asText());
        assertEquals("app", c.path("User").asText());
        assertEquals(List.of("53/udp", "8080/tcp"), fieldNames(c.path("ExposedPorts")));
        assertEquals(List.of("/data", "/var/log/app"), fieldNames(c.path("Volumes")));
        assertEquals(Map.of("org.example.version", "1.0", "maintainer", "jbuild tests"), map(c.path("Labels")));
        assertEquals("SIGTERM", c.path("StopSignal").asText());
        JsonNode hc = c.path("Healthcheck");
        assertEquals(List.of("CMD", "/usr/local/bin/greet", "health"), strings(hc.path("Test")));
        assertEquals(30_000_000_000L, hc.path("Interval").asLong());
        assertEquals(5_000_000_000L, hc.path("Timeout").asLong());
        assertEquals(3, hc.path("Retries").asInt());
        assertFalse(hc.has("StartPeriod"), "zero durations are omitted");
        assertEquals(List.of("COPY . /onbuild/"), strings(c.path("OnBuild")));
        assertEquals(12, config.path("rootfs").path("diff_ids").size());
    }

    @Test
    void historyIsBuildkits() {
        JsonNode config = skopeoJson("inspect", "--config", "--raw", "oci:" + layout + ":test");
        List<String> createdBy = new ArrayList<>();
        List<Boolean> empty = new ArrayList<>();
        for (JsonNode h : config.path("history")) {
            createdBy.add(h.path("created_by").asText());
            empty.add(h.path("empty_layer").asBoolean(false));
            assertEquals(CREATED, h.path("created").asText());
            assertEquals("buildkit.dockerfile.v0", h.path("comment").asText());
        }
        assertEquals(List.of(
                "COPY etc/passwd etc/group /etc/ # buildkit",
                "ARG VERSION=1.0",
                "LABEL org.example.version=1.0 maintainer=jbuild tests",
                "ENV APP_HOME=/opt/app LANG=C.UTF-8",
                "WORKDIR /opt/app/work",
                "COPY hello.txt link-to-hello ./ # buildkit",
                "COPY app/ /opt/app/ # buildkit",
                "COPY --chown=1234:5678 hello.txt /owned/numeric.txt # buildkit",
                "COPY --chown=app hello.txt /owned/app.txt # buildkit",
                "COPY --chown=svc:web --chmod=0640 hello.txt /owned/svc.txt # buildkit",
                "ADD archive.tar.gz /extracted/ # buildkit",
                "COPY <<EOF /etc/motd # buildkit",
                "COPY --chmod=0755 <<SCRIPT /usr/local/bin/greet # buildkit",
                "COPY . /ctx/ # buildkit",
                "USER app",
                "WORKDIR /home/app/data",
                "EXPOSE [53/udp 8080/tcp]", // BuildKit sorts the words of EXPOSE before parsing them
                "VOLUME [/data /var/log/app]",
                "STOPSIGNAL SIGTERM",
                "HEALTHCHECK {Test:[CMD /usr/local/bin/greet health] Interval:30s Timeout:5s StartPeriod:0s "
                        + "StartInterval:0s Retries:3}",
                "ENTRYPOINT [\"/usr/local/bin/greet\"]",
                "CMD [\"/bin/sh\" \"-c\" \"echo $APP_HOME\"]"), createdBy);
        assertEquals(List.of(false, true, true, true, false, false, false, false, false, false, false, false, false,
                false, true, false, true, true, true, true, true, true), empty);
        // docker history pairs entries with layers by skipping the empty ones
        assertEquals(config.path("rootfs").path("diff_ids").size(), empty.stream().filter(e -> !e).count());
    }

    @Test
    void filesCopiedFromTheContext() throws IOException {
        assertEquals("hello from the context\n", read(rootfs, "opt/app/work/hello.txt"));
        assertEquals("644", mode(rootfs, "opt/app/work/hello.txt"));
        assertEquals("0:0", owner(rootfs, "opt/app/work/hello.txt"));
        // a symlink named as a COPY source is followed ...
        assertFalse(Files.isSymbolicLink(rootfs.resolve("opt/app/work/link-to-hello")));
        assertEquals("hello from the context\n", read(rootfs, "opt/app/work/link-to-hello"));
        // ... one inside a copied directory is kept
        assertTrue(Files.isSymbolicLink(rootfs.resolve("ctx/link-to-hello")));
        assertEquals("hello.txt", Files.readSymbolicLink(rootfs.resolve("ctx/link-to-hello")).toString());
        // a directory's contents, the executable bit kept
        assertEquals("#!/bin/sh\necho \"starting $APP_HOME\"\n", read(rootfs, "opt/app/bin/start.sh"));
        assertEquals("755", mode(rootfs, "opt/app/bin/start.sh"));
        assertEquals("644", mode(rootfs, "opt/app/config/settings.conf"));
        assertEquals("level=info\nport=8080\n", read(rootfs, "opt/app/config/settings.conf"));
        assertEquals("755", mode(rootfs, "opt/app/bin"));
        assertEquals("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app user:/home/app:/bin/sh\n"
                + "svc:x:2000:2001:service:/srv:/sbin/nologin\n", read(rootfs, "etc/passwd"));
    }

    @Test
    void dockerignoreIsHonoured() throws IOException {
        assertTrue(Files.isRegularFile(Cli.context("files").resolve("debug.log")), "the context has debug.log");
        assertTrue(Files.isRegularFile(Cli.context("files").resolve("secret/token")), "the context has secret/");
        assertFalse(Files.exists(rootfs.resolve("ctx/debug.log"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(rootfs.resolve("ctx/secret"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("kept despite *.log\n", read(rootfs, "ctx/keep.log"));
        assertEquals("hello from the context\n", read(rootfs, "ctx/hello.txt"));
        assertEquals("755", mode(rootfs, "ctx/app/bin/start.sh"));
        // COPY does not unpack archives
        assertEquals(Files.size(Cli.context("files").resolve("archive.tar.gz")), Files.size(rootfs.resolve("ctx/archive.tar.gz")));
    }

    @Test
    void chownWithNumericIdsAndNamesFromTheImagesPasswd() throws IOException {
        assertEquals("1234:5678", owner(rootfs, "owned/numeric.txt"));
        assertEquals("644", mode(rootfs, "owned/numeric.txt"));
        // the user alone: its primary group from /etc/passwd
        assertEquals("1000:1000", owner(rootfs, "owned/app.txt"));
        // user and group names: /etc/passwd and /etc/group
        assertEquals("2000:3000", owner(rootfs, "owned/svc.txt"));
        assertEquals("640", mode(rootfs, "owned/svc.txt"));
        assertEquals("hello from the context\n", read(rootfs, "owned/svc.txt"));
        // the destination directory COPY created belongs to the --chown owner, as in BuildKit
        assertEquals("1234:5678", owner(rootfs, "owned"));
    }

    @Test
    void workdirCreatesDirectories() throws IOException {
        assertTrue(Files.isDirectory(rootfs.resolve("opt/app/work"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("755", mode(rootfs, "opt/app/work"));
        assertEquals("0:0", owner(rootfs, "opt/app/work"));
        // after USER app, WORKDIR creates what is missing as that user
        assertTrue(Files.isDirectory(rootfs.resolve("home/app/data"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("1000:1000", owner(rootfs, "home/app/data"));
        assertEquals("1000:1000", owner(rootfs, "home"));
        assertEquals("755", mode(rootfs, "home/app/data"));
    }

    @Test
    void addExtractsALocalArchive() throws IOException {
        assertEquals("alpha from the archive\n", read(rootfs, "extracted/archive/a.txt"));
        assertEquals("beta from the archive\n", read(rootfs, "extracted/archive/sub/b.txt"));
        assertEquals("600", mode(rootfs, "extracted/archive/sub/b.txt"));
        assertEquals("755", mode(rootfs, "extracted/archive/run.sh"));
        assertTrue(Files.isSymbolicLink(rootfs.resolve("extracted/archive/link")));
        assertEquals("a.txt", Files.readSymbolicLink(rootfs.resolve("extracted/archive/link")).toString());
        assertEquals("0:0", owner(rootfs, "extracted/archive/a.txt"));
        assertFalse(Files.exists(rootfs.resolve("extracted/archive.tar.gz")));
    }

    @Test
    void heredocFiles() throws IOException {
        // unquoted delimiter: variables expanded
        assertEquals("Welcome to version 1.0\n", read(rootfs, "etc/motd"));
        assertEquals("644", mode(rootfs, "etc/motd"));
        // quoted delimiter, <<-: no expansion, leading tabs stripped, --chmod applied
        assertEquals("#!/bin/sh\necho \"hello $1\"\n", read(rootfs, "usr/local/bin/greet"));
        assertEquals("755", mode(rootfs, "usr/local/bin/greet"));
        assertEquals("755", mode(rootfs, "usr/local/bin"));
    }

    @Test
    void everyDocumentFollowsTheOciSchemas() throws IOException {
        assertTrue(Cli.validateLayout(layout) >= 4);
        assertTrue(Cli.validateStore(root) >= 2);
    }

    @Test
    void layoutIndexNamesTheImage() throws IOException {
        JsonNode index = Cli.JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(1, index.path("manifests").size());
        JsonNode m = index.path("manifests").get(0);
        assertEquals(manifestDigest, m.path("digest").asText());
        assertEquals("docker.io/library/files:test", m.path("annotations").path("io.containerd.image.name").asText());
        assertEquals("test", m.path("annotations").path("org.opencontainers.image.ref.name").asText());
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<String> fieldNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static Map<String, String> map(JsonNode object) {
        Map<String, String> out = new TreeMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
