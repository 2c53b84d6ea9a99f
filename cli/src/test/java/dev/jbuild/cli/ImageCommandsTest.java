package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** images, history, inspect, tag, rmi and prune on a store holding a built image. */
class ImageCommandsTest {
    @TempDir
    Path tmp;

    Path root;
    String id;

    @BeforeEach
    void build() {
        root = tmp.resolve("root");
        id = jbuild("--root", root, "-q", "-t", "app:1.0", "--target", "app", "--build-arg",
                "SOURCE_DATE_EPOCH=1700000000", Cli.context("stages")).ok().out().strip();
    }

    @Test
    void imagesListsTagsSortedWithDockersColumns() {
        jbuild("tag", "--root", root, "app:1.0", "registry.example.com:5000/team/app").ok();
        jbuild("tag", "--root", root, "app:1.0", "app:0.9").ok();
        List<String> lines = jbuild("images", "--root", root).ok().out().lines().toList();
        assertEquals(4, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches("REPOSITORY +TAG +IMAGE ID +CREATED +SIZE"), lines.get(0));
        String shortId = id.substring("sha256:".length(), "sha256:".length() + 12);
        assertTrue(lines.get(1).matches("app +0\\.9 +" + shortId + " +\\d+ years ago +[\\d.]+k?B"), lines.get(1));
        assertTrue(lines.get(2).matches("app +1\\.0 +" + shortId + " +\\d+ years ago +[\\d.]+k?B"), lines.get(2));
        assertTrue(lines.get(3).matches("registry\\.example\\.com:5000/team/app +latest +" + shortId + " .*"),
                lines.get(3));
        // columns line up (docker's tabwriter)
        int tagColumn = lines.get(0).indexOf("TAG");
        for (String l : lines) {
            assertTrue(l.charAt(tagColumn - 1) == ' ' && l.charAt(tagColumn) != ' ', l);
        }
        assertEquals(List.of(shortId, shortId, shortId), jbuild("images", "--root", root, "-q").ok().out().lines().toList());
        assertEquals(List.of(id), jbuild("images", "--root", root, "-q", "--no-trunc", "app:1.0").ok().out().lines().toList());
        assertEquals(3, jbuild("images", "--root", root, "app").ok().out().lines().count());
    }

    @Test
    void imageSizeIsLayersPlusConfig() throws IOException {
        JsonNode inspect = jbuild("inspect", "--root", root, "app:1.0").ok().json().get(0);
        long size = inspect.path("Manifest").path("config").path("size").asLong();
        for (JsonNode l : inspect.path("Manifest").path("layers")) {
            size += l.path("size").asLong();
        }
        assertEquals(size, inspect.path("Size").asLong());
        String line = jbuild("images", "--root", root).ok().out().lines().toList().get(1);
        assertTrue(line.endsWith("   " + Units.humanSize(size)), line + " (" + size + ")");
    }

    @Test
    void historyNewestFirst() {
        List<String> lines = jbuild("history", "--root", root, "app:1.0").ok().out().lines().toList();
        assertEquals(4, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches("IMAGE +CREATED +CREATED BY +SIZE +COMMENT"), lines.get(0));
        String shortId = id.substring(7, 19);
        assertTrue(lines.get(1).matches(shortId + " +\\d+ years ago +CMD \\[\"/app\"\\] +0B +buildkit\\.dockerfile\\.v0"),
                lines.get(1));
        assertTrue(lines.get(2).matches("<missing> +\\d+ years ago +COPY app\\.txt /app\\.txt # buildkit +\\d+B +buildkit.*"),
                lines.get(2));
        assertTrue(lines.get(3).matches("<missing> +.*COPY /lib /lib # buildkit +[1-9]\\d*B +.*"), lines.get(3));
        assertEquals(List.of(shortId, "<missing>", "<missing>"),
                jbuild("history", "--root", root, "-q", "app:1.0").ok().out().lines().toList());
        // by id too
        assertEquals(lines, jbuild("history", "--root", root, shortId).ok().out().lines().toList());
    }

    @Test
    void historyTruncatesLongStepsUnlessNoTrunc() throws IOException {
        Path ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx);
        String label = "a.very.long.label.key=" + "x".repeat(60);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nLABEL " + label + "\n");
        jbuild("--root", root, "-q", "-t", "long", ctx).ok();
        String row = jbuild("history", "--root", root, "long").ok().out().lines().toList().get(1);
        assertTrue(row.contains("LABEL a.very.long.label.key=xxxxxxxxxxxxxxxx…"), row);
        assertFalse(row.contains("x".repeat(30)), row);
        String full = jbuild("history", "--root", root, "--no-trunc", "long").ok().out().lines().toList().get(1);
        assertTrue(full.contains("LABEL " + label), full);
        assertTrue(full.startsWith("sha256:"), full);
    }

    @Test
    void inspectShowsManifestConfigAndTags() throws IOException {
        jbuild("tag", "--root", root, "app:1.0", "other").ok();
        Cli.Result r = jbuild("inspect", "--root", root, "app:1.0").ok();
        assertTrue(r.out().startsWith("[\n    {\n        \"Id\": \"" + id + "\""), r.out());
        JsonNode o = r.json().get(0);
        assertEquals(id, o.path("Id").asText());
        assertEquals(List.of("app:1.0", "other:latest"), ImageToolsTest.strings(o.path("RepoTags")));
        String digest = o.path("Digest").asText();
        assertEquals(digest, Cli.JSON.readTree(root.resolve("images.json").toFile()).path("tags")
                .path("docker.io/library/app:1.0").asText());
        // the manifest and config are the stored bytes
        byte[] manifest = Files.readAllBytes(root.resolve("blobs/sha256").resolve(Digest.parse(digest).hex()));
        assertEquals(Cli.JSON.readTree(manifest), o.path("Manifest"));
        byte[] config = Files.readAllBytes(root.resolve("blobs/sha256").resolve(Digest.parse(id).hex()));
        assertEquals(Cli.JSON.readTree(config), o.path("Config"));
        assertEquals("application/vnd.oci.image.manifest.v1+json", o.path("MediaType").asText());
        // by id, by abbreviated id, by digest
        for (String ref : new String[] {id, id.substring(7), id.substring(7, 19), digest}) {
            assertEquals(id, jbuild("inspect", "--root", root, ref).ok().json().get(0).path("Id").asText(), ref);
        }
        Cli.Result missing = jbuild("inspect", "--root", root, "app:1.0", "nosuch:tag");
        assertEquals(1, missing.status());
        assertEquals("jbuild: No such image: nosuch:tag (docker.io/library/nosuch:tag)\n", missing.err());
        assertEquals(1, missing.json().size(), "the images found are still printed");
    }

    @Test
    void tagNormalisesNamesAndRmiUntags() throws IOException {
        jbuild("tag", "--root", root, "app:1.0", "docker.io/library/copy").ok();
        jbuild("tag", "--root", root, "index.docker.io/library/app:1.0", "team/copy:v2").ok();
        JsonNode tags = Cli.JSON.readTree(root.resolve("images.json").toFile()).path("tags");
        String digest = tags.path("docker.io/library/app:1.0").asText();
        assertEquals(digest, tags.path("docker.io/library/copy:latest").asText());
        assertEquals(digest, tags.path("docker.io/team/copy:v2").asText());

        Cli.Result r = jbuild("rmi", "--root", root, "copy", "docker.io/team/copy:v2").ok();
        assertEquals("Untagged: copy:latest\nUntagged: team/copy:v2\n", r.out());
        tags = Cli.JSON.readTree(root.resolve("images.json").toFile()).path("tags");
        assertEquals(1, tags.size(), tags.toString());

        Cli.Result again = jbuild("rmi", "--root", root, "copy");
        assertEquals(1, again.status());
        assertEquals("", again.out());
        assertTrue(again.err().startsWith("jbuild: No such image: copy (docker.io/library/copy:latest)"), again.err());

        Cli.Result bad = jbuild("tag", "--root", root, "nosuch", "x");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("No such image: nosuch"), bad.err());
        Cli.Result badName = jbuild("tag", "--root", root, "app:1.0", "Bad:Name");
        assertEquals(1, badName.status());
        assertTrue(badName.err().contains("\"Bad:Name\""), badName.err());
        assertEquals(1, badName.err().lines().count(), badName.err());
    }

    @Test
    void rmiByIdNeedsForceWhenTheImageHasSeveralNames() {
        jbuild("tag", "--root", root, "app:1.0", "second").ok();
        String shortId = id.substring(7, 19);
        Cli.Result r = jbuild("rmi", "--root", root, shortId);
        assertEquals(1, r.status());
        assertTrue(r.err().contains("must be forced"), r.err());
        assertEquals("Untagged: app:1.0\nUntagged: second:latest\n", jbuild("rmi", "--root", root, "-f", shortId).ok().out());
    }

    @Test
    void pruneRemovesWhatNoTagNeeds() throws IOException {
        long blobs = countBlobs();
        // everything is in use (the deps stage's layer is the very layer app copies from it)
        Cli.Result nothing = jbuild("prune", "--root", root).ok();
        assertEquals("Total reclaimed space: 0B\n", nothing.out());
        assertEquals(blobs, countBlobs());

        // a second image sharing the layers, then the first untagged: only what is no one's goes
        Path ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM app:1.0\nLABEL second=yes\n");
        String second = jbuild("--root", root, "-q", "-t", "second", ctx).ok().out().strip();
        jbuild("rmi", "--root", root, "app:1.0").ok();
        Cli.Result partial = jbuild("prune", "--root", root).ok();
        List<String> deleted = partial.out().lines().filter(l -> l.startsWith("deleted: ")).toList();
        assertTrue(deleted.contains("deleted: " + id), partial.out());
        assertEquals(2, deleted.size(), "the first image's manifest and config: " + partial.out());
        Cli.validateStore(root);
        assertEquals(second, jbuild("inspect", "--root", root, "second").ok().json().get(0).path("Id").asText());

        jbuild("rmi", "--root", root, "second").ok();
        Cli.Result r = jbuild("prune", "--root", root).ok();
        assertTrue(r.out().contains("deleted: " + second + "\n"), r.out());
        assertTrue(r.out().matches("(?s).*\nTotal reclaimed space: \\d+(\\.\\d+)?k?B\n"), r.out());
        assertTrue(countBlobs() > 0, "the build cache keeps the layers it can reuse");
        jbuild("prune", "--root", root, "--all").ok();
        assertEquals(0, countBlobs(), "--all empties the build cache too");
        assertEquals("", jbuild("images", "--root", root, "-q").ok().out());
        // the store still works
        jbuild("--root", root, "-q", "-t", "again", "--target", "app", Cli.context("stages")).ok();
    }

    @Test
    void errorsAreOneLine() {
        Cli.Result r = jbuild("history", "--root", root, "nosuch");
        assertEquals(1, r.status());
        assertEquals("jbuild: No such image: nosuch (docker.io/library/nosuch:latest)\n", r.err());
        r = jbuild("inspect", "--root", root, "UPPER");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("\"UPPER\""), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void humanUnitsAsDocker() {
        assertEquals("0B", Units.humanSize(0));
        assertEquals("999B", Units.humanSize(999));
        assertEquals("1kB", Units.humanSize(1000));
        assertEquals("1.23kB", Units.humanSize(1234));
        assertEquals("12.3MB", Units.humanSize(12_345_678));
        assertEquals("1e+03kB", Units.humanSize(999_999)); // Go's %.3g, as docker prints it
        assertEquals("1.205kB", Units.humanSize(1205, 4));
        assertEquals("Less than a second", Units.humanDuration(Duration.ZERO));
        assertEquals("About a minute", Units.humanDuration(Duration.ofSeconds(90)));
        assertEquals("2 hours", Units.humanDuration(Duration.ofMinutes(110)));
        assertEquals("3 weeks", Units.humanDuration(Duration.ofDays(25)));
        assertEquals("2 years", Units.humanDuration(Duration.ofDays(800)));
    }

    private long countBlobs() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("blobs/sha256"))) {
            return s.count();
        }
    }
}
