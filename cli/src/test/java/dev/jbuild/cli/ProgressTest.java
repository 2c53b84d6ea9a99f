package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --progress=plain|rawjson|tty|quiet and --metadata-file, on real builds with a RUN step. */
class ProgressTest {
    static final String EPOCH = "SOURCE_DATE_EPOCH=1700000000";
    @TempDir
    Path tmp;
    Path root;
    Path ctx;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("app.txt"), "v1\n");
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox AS build
                COPY app.txt /src/
                RUN echo line-one && echo line-two >&2 && cp /src/app.txt /out.txt

                FROM busybox
                ENV MODE=test
                COPY --from=build /out.txt /out.txt
                """);
    }

    @Test
    void plainPrintsOneLinePerEventAndCachedOnARebuild() throws IOException {
        String first = jbuild("--root", root, "--progress=plain", "-t", "p:1", ctx).ok().err();
        List<String> lines = first.lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.matches("#\\d+ \\[build 1/3] FROM busybox")), first);
        assertTrue(first.lines().anyMatch(l -> l.matches("#\\d+ \\[build 3/3] RUN echo line-one .*")), first);
        assertTrue(first.lines().anyMatch(l -> l.matches("#\\d+ \\d+\\.\\d{3} line-one")), first);
        assertTrue(first.lines().anyMatch(l -> l.matches("#\\d+ \\d+\\.\\d{3} line-two")), first);
        assertTrue(first.lines().anyMatch(l -> l.matches("#\\d+ DONE \\d+\\.\\ds")), first);
        assertFalse(first.contains("CACHED"), first);
        assertTrue(first.contains("\nnaming to docker.io/library/p:1 done\n"), first);

        String again = jbuild("--root", root, "--progress=plain", "-t", "p:1", ctx).ok().err();
        // COPY and RUN of build, COPY --from of the last stage: each "#N CACHED" right after its header
        List<String> cached = again.lines().filter(l -> l.matches("#\\d+ CACHED")).toList();
        assertEquals(3, cached.size(), again);
        assertFalse(again.lines().anyMatch(l -> l.matches("#\\d+ \\d+\\.\\d{3} line-one")),
                "a cached RUN does not run:\n" + again);
        for (String c : cached) {
            String id = c.substring(0, c.indexOf(' '));
            assertFalse(again.contains(id + " DONE"), "CACHED or DONE, not both:\n" + again);
        }
    }

    @Test
    void rawjsonWritesOneEventPerLine() throws IOException {
        String err = jbuild("--root", root, "--progress=rawjson", "--explain", "-t", "j:1", ctx).ok().err();
        List<JsonNode> events = new ArrayList<>();
        for (String l : err.lines().toList()) {
            events.add(Cli.JSON.readTree(l)); // every line is a JSON object
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode e : events) {
            assertTrue(e.path("time").asText().endsWith("Z"), e.toString());
            counts.merge(e.path("event").asText(), 1, Integer::sum);
        }
        assertEquals(5, counts.get("step_started"), counts.toString()); // FROM, COPY, RUN; FROM, COPY --from
        assertEquals(5, counts.get("step_done"), counts.toString());
        assertEquals(1, counts.get("build_done"), counts.toString());
        assertFalse(counts.containsKey("step_cached"), counts.toString());
        assertTrue(counts.get("step_miss") >= 3, counts.toString());
        JsonNode run = events.stream().filter(e -> e.path("event").asText().equals("step_started")
                && e.path("instruction").asText().startsWith("RUN ")).findFirst().orElseThrow();
        assertEquals("build", run.path("stage").asText());
        assertEquals(3, run.path("index").asInt());
        assertEquals(3, run.path("total").asInt());
        assertEquals(3, run.path("line").asInt());
        int id = run.path("id").asInt();
        assertTrue(events.stream().anyMatch(e -> e.path("event").asText().equals("step_output")
                && e.path("id").asInt() == id && e.path("line").asText().equals("line-two")
                && e.path("stream").asText().equals("stderr")), err);
        JsonNode done = events.stream().filter(e -> e.path("event").asText().equals("build_done")).findFirst()
                .orElseThrow();
        assertEquals(5, done.path("steps").asInt());
        assertEquals(0, done.path("cached").asInt());
        assertEquals(List.of("docker.io/library/j:1"), List.of(done.path("tags").get(0).asText()));
        JsonNode inspect = Cli.JSON.readTree(jbuild("inspect", "--root", root, "j:1").ok().out()).get(0);
        assertEquals(inspect.path("Id").asText(), done.path("configDigest").asText());
        assertEquals(inspect.path("Digest").asText(), done.path("digest").asText());

        String again = jbuild("--root", root, "--progress=rawjson", "-t", "j:1", ctx).ok().err();
        long hits = again.lines().map(l -> {
            try {
                return Cli.JSON.readTree(l);
            } catch (IOException e) {
                throw new AssertionError(l, e);
            }
        }).filter(e -> e.path("event").asText().equals("step_done") && e.path("cached").asBoolean()).count();
        assertEquals(3, hits, again);
    }

    @Test
    void metadataFileHasTheDigestsNamesAndEveryStep() throws IOException {
        Path meta = tmp.resolve("out/meta.json");
        Path iid = tmp.resolve("iid");
        jbuild("--root", root, "-q", "--build-arg", EPOCH, "--metadata-file", meta, "--iidfile", iid, "-t", "m:1", "-t",
                "m:latest2", ctx).ok();
        JsonNode m = Cli.JSON.readTree(meta.toFile());
        assertEquals(Files.readString(iid), m.path("containerimage.config.digest").asText());
        String digest = m.path("containerimage.digest").asText();
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), m.toString());
        assertEquals(digest, m.path("containerimage.descriptor").path("digest").asText());
        assertEquals("docker.io/library/m:1,docker.io/library/m:latest2", m.path("image.name").asText());
        assertEquals(digest, Cli.JSON.readTree(jbuild("inspect", "--root", root, "m:1").ok().out()).get(0)
                .path("Digest").asText());
        JsonNode steps = m.path("steps");
        assertEquals(5, steps.size(), steps.toString());
        String[][] expected = {
            {"build", "1", "FROM busybox"},
            {"build", "2", "COPY app.txt /src/"},
            {"build", "3", "RUN echo line-one && echo line-two >&2 && cp /src/app.txt /out.txt"},
            {"stage-1", "5", "FROM busybox"},
            {"stage-1", "7", "COPY --from=build /out.txt /out.txt"}};
        for (int i = 0; i < expected.length; i++) {
            JsonNode s = steps.get(i);
            assertEquals(expected[i][0], s.path("stage").asText(), s.toString());
            assertEquals(Integer.parseInt(expected[i][1]), s.path("line").asInt(), s.toString());
            assertEquals(expected[i][2], s.path("instruction").asText(), s.toString());
            assertFalse(s.path("cached").asBoolean(), s.toString());
            assertTrue(s.path("seconds").isNumber(), s.toString());
        }
        assertTrue(steps.get(2).path("seconds").asDouble() > 0, steps.toString());

        // a rebuild: the same image, every step but FROM from the cache
        Files.writeString(ctx.resolve("other.txt"), "not used\n");
        jbuild("--root", root, "-q", "--build-arg", EPOCH, "--metadata-file", meta, "-t", "m:1", ctx).ok();
        JsonNode again = Cli.JSON.readTree(meta.toFile());
        assertEquals(digest, again.path("containerimage.digest").asText());
        assertEquals("docker.io/library/m:1", again.path("image.name").asText());
        List<Boolean> cached = new ArrayList<>();
        again.path("steps").forEach(s -> cached.add(s.path("cached").asBoolean()));
        assertEquals(List.of(false, true, true, false, true), cached);
    }

    @Test
    void ttyDrawsALiveViewAndEndsWithASummary() throws IOException {
        Cli.Result r = jbuild("--root", root, "--progress=tty", "-t", "t:1", ctx).ok();
        String err = r.err();
        assertTrue(err.contains("\u001b["), "ANSI cursor movement:\n" + err);
        assertTrue(err.contains("[+] Building "), err);
        assertTrue(err.contains(" => [build 3/3] RUN echo line-one"), err);
        String digest = Cli.JSON.readTree(jbuild("inspect", "--root", root, "t:1").ok().out()).get(0)
                .path("Digest").asText();
        assertTrue(java.util.regex.Pattern.compile("Built in \\d+\\.\\ds: 5 steps, 0 cached, 5 ran; image sha256:[0-9a-f]{64}\n")
                .matcher(err).find(), err);
        assertTrue(err.contains("; image " + digest + "\n"), err);
        String again = jbuild("--root", root, "--progress=tty", "-t", "t:1", ctx).ok().err();
        assertTrue(again.contains(" => CACHED [build 3/3] RUN echo line-one"), again);
        assertTrue(again.contains(": 5 steps, 3 cached, 2 ran; image "), again);
    }

    @Test
    void quietPrintsOnlyTheImageIdAndErrors() throws IOException {
        Cli.Result r = jbuild("--root", root, "--progress=quiet", "-t", "q:1", ctx).ok();
        assertEquals("", r.err());
        assertTrue(r.out().matches("sha256:[0-9a-f]{64}\n"), r.out());
        Cli.Result bad = jbuild("--root", root, "--progress=fancy", ctx);
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--progress must be auto, tty, plain, quiet or rawjson"), bad.err());
    }
}
