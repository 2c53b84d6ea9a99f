package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.registry.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --cache-to} / {@code --cache-from} end to end: a build exports its cache (to the test registry, a directory,
 * or inline in the image), and a build on another, empty store imports it and gets every step CACHED, RUN steps
 * included, with the same image digest; a changed input misses from that step on; a cache mount's content travels
 * with {@code mounts=true}; secrets never reach the cache.
 */
class CacheExportTest {
    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    static final String USER = "bob";
    static final String PASSWORD = "cache-password-5e2a";

    @RegisterExtension
    static final RegistryServer AUTH = RegistryServer.htpasswd(USER, PASSWORD);

    private static final String EPOCH = "SOURCE_DATE_EPOCH=1700000000";

    @TempDir
    Path tmp;

    private String ref(String repoAndTag) {
        return REGISTRY.host() + "/" + repoAndTag;
    }

    /** The busybox base, pushed once, so that every empty store pulls it as a fresh CI machine would. */
    private String base() throws IOException {
        Path root = tmp.resolve("busybox-store");
        String image = ref("base/busybox:1");
        if (!Files.exists(root)) {
            jbuild("load", "--root", root, "-i", RegistryFixtures.busyboxLayout()).ok();
            jbuild("tag", "--root", root, "busybox", image).ok();
            jbuild("push", "--root", root, image).ok();
        }
        return image;
    }

    /** A two-stage build: a builder stage (COPY, RUN), and the image (COPY --from, COPY, RUN). */
    private Path twoStages() throws IOException {
        Path ctx = tmp.resolve("ctx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + base() + " AS builder\n"
                + "COPY lib.txt /src/lib.txt\n"
                + "RUN cat /src/lib.txt > /src/built && echo builder-ran\n"
                + "FROM " + base() + "\n"
                + "COPY --from=builder /src/built /built\n"
                + "COPY app.txt /app.txt\n"
                + "RUN cat /built /app.txt > /final && echo final-ran\n");
        Files.writeString(ctx.resolve("lib.txt"), "lib 1\n");
        Files.writeString(ctx.resolve("app.txt"), "app 1\n");
        return ctx;
    }

    private Cli.Result build(Path root, Path ctx, String... more) {
        List<Object> args = new ArrayList<>(List.of("--root", root, "--build-arg", EPOCH));
        args.addAll(List.of(more));
        args.add(ctx);
        return jbuild(args.toArray()).ok();
    }

    private static String imageId(Cli.Result r) {
        Matcher m = Pattern.compile("writing image (sha256:[0-9a-f]{64}) done").matcher(r.err());
        assertTrue(m.find(), r.err());
        return m.group(1);
    }

    /** Whether a step printed LINE (plain progress: {@code #N SECONDS LINE}). */
    private static boolean output(String err, String line) {
        return err.lines().anyMatch(l -> l.matches("#\\d+ [0-9.]+ " + Pattern.quote(line)));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    private static String manifestDigest(Path root, String image) {
        JsonNode info = jbuild("inspect", "--root", root, image).ok().json();
        JsonNode one = info.isArray() ? info.get(0) : info;
        assertTrue(one.path("Digest").asText().startsWith("sha256:"), info.toString());
        return one.path("Digest").asText();
    }

    @Test
    void registryCacheModeMaxGivesAnEmptyStoreEveryStepAndTheSameImage() throws IOException {
        Path ctx = twoStages();
        String cache = ref("cache/app:buildcache");
        Cli.Result first = build(tmp.resolve("a"), ctx, "-t", "app:1",
                "--cache-to", "type=registry,ref=" + cache + ",mode=max");
        assertTrue(output(first.err(), "builder-ran") && output(first.err(), "final-ran"), first.err());
        assertTrue(first.err().contains("exported cache to " + cache + " (mode=max): 5 steps"), first.err());

        // skopeo sees an OCI artifact whose config is the step index
        JsonNode raw = Cli.JSON.readTree(Cli.ok("skopeo", "inspect", "--tls-verify=false", "--raw",
                "docker://" + cache).out());
        assertEquals("application/vnd.jbuild.cache.v1", raw.path("artifactType").asText(), raw.toString());
        assertEquals("application/vnd.jbuild.cache.config.v1+json", raw.path("config").path("mediaType").asText());

        // a fresh machine: an empty store, only --cache-from
        Path fresh = tmp.resolve("b");
        String again = ref("cache/again:1");
        Cli.Result second = build(fresh, ctx, "-t", "app:1", "--cache-from", "type=registry,ref=" + cache,
                "--cache-to", "type=registry,ref=" + again + ",mode=max");
        assertFalse(output(second.err(), "builder-ran"), second.err());
        assertFalse(output(second.err(), "final-ran"), second.err());
        assertEquals(5, count(second.err(), " CACHED\n"), second.err());
        assertEquals(imageId(first), imageId(second));
        assertEquals(manifestDigest(tmp.resolve("a"), "app:1"), manifestDigest(fresh, "app:1"));
        // lazily: only the image's three layers are fetched; the builder stage's layers never are (their headers
        // and file digests came with the cache, so COPY --from computes its key without them)
        assertEquals(3, count(second.err(), "  fetched layer "), second.err());
        assertTrue(Cli.validateStore(fresh) > 0, "the fresh store's image is complete");
        // its own mode=max export mounted the layer it never fetched from the first cache's repository
        assertTrue(second.err().contains("exported cache to " + again + " (mode=max): 5 steps"), second.err());
        assertTrue(Pattern.compile("\"POST /v2/cache/again/blobs/uploads/\\?mount=sha256%3A[0-9a-f]{64}"
                + "&from=cache(%2F|/)app HTTP/1\\.1\" 201 ").matcher(REGISTRY.logText()).find(),
                "a cross-repository mount in the registry log");
        Cli.Result chained = build(tmp.resolve("b2"), ctx, "--cache-from", again);
        assertEquals(5, count(chained.err(), " CACHED\n"), chained.err());
        assertEquals(imageId(first), imageId(chained));

        // a changed input misses only from that step on
        Files.writeString(ctx.resolve("app.txt"), "app 2\n");
        Cli.Result third = build(tmp.resolve("c"), ctx, "-t", "app:2", "--explain", "--cache-from", cache);
        assertTrue(third.err().contains(" miss: file app.txt changed\n"), third.err());
        assertFalse(output(third.err(), "builder-ran"), third.err());
        assertTrue(output(third.err(), "final-ran"), third.err());
        assertEquals(3, count(third.err(), " CACHED\n"), third.err());
    }

    @Test
    void modeMinCarriesOnlyTheImagesSteps() throws IOException {
        Path ctx = twoStages();
        String cache = ref("cache/min:1");
        build(tmp.resolve("a"), ctx, "--cache-to", "type=registry,ref=" + cache);
        Cli.Result second = build(tmp.resolve("b"), ctx, "--cache-from", "type=registry,ref=" + cache);
        assertTrue(second.err().contains("importing cache from " + cache + ": 3 steps"), second.err());
        // the builder stage's steps are not in a mode=min cache: they run, and the image's steps, whose keys
        // depend only on content, hit
        assertTrue(output(second.err(), "builder-ran"), second.err());
        assertFalse(output(second.err(), "final-ran"), second.err());
        assertEquals(3, count(second.err(), " CACHED\n"), second.err());
    }

    @Test
    void localCacheDirectoryIsAnOciLayoutAndCarriesCacheMounts() throws IOException {
        Path ctx = tmp.resolve("mctx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + base() + "\n"
                + "COPY app.txt /app.txt\n"
                + "RUN --mount=type=secret,id=tok --mount=type=cache,target=/var/cache/thing"
                + " echo seen: $(cat /var/cache/thing/log 2>/dev/null || echo nothing)"
                + " && cat /app.txt >> /var/cache/thing/log && wc -c < /run/secrets/tok > /secret-size\n");
        Files.writeString(ctx.resolve("app.txt"), "v1\n");
        Path secret = tmp.resolve("secret");
        Files.writeString(secret, "TOPSECRET-4711\n");
        Path dir = tmp.resolve("cache-dir");

        Cli.Result first = build(tmp.resolve("a"), ctx, "--secret", "id=tok,src=" + secret,
                "--cache-to", "type=local,dest=" + dir + ",mounts=true");
        assertTrue(output(first.err(), "seen: nothing"), first.err());
        assertTrue(Files.isRegularFile(dir.resolve("oci-layout")), "an OCI layout");
        JsonNode index = Cli.JSON.readTree(dir.resolve("index.json").toFile());
        assertEquals(1, index.path("manifests").size(), index.toString());
        assertTrue(first.err().contains(", 1 cache mounts"), first.err());

        // nothing of the secret in any blob of the cache, compressed or not
        try (Stream<Path> blobs = Files.list(dir.resolve("blobs/sha256"))) {
            for (Path b : blobs.toList()) {
                String text = new String(RunFixtures.uncompressed(b), StandardCharsets.ISO_8859_1);
                assertFalse(text.contains("TOPSECRET"), "the secret is in " + b);
            }
        }

        // an empty store: every step hits, same image
        Cli.Result second = build(tmp.resolve("b"), ctx, "--secret", "id=tok,src=" + secret,
                "--cache-from", "type=local,src=" + dir);
        assertFalse(second.err().matches("(?s).*#\\d+ [0-9.]+ seen:.*"), second.err());
        assertEquals(2, count(second.err(), " CACHED\n"), second.err());
        assertEquals(imageId(first), imageId(second));

        // a changed input on yet another empty store: the RUN runs, and finds the cache mount's content
        Files.writeString(ctx.resolve("app.txt"), "v2\n");
        Cli.Result third = build(tmp.resolve("c"), ctx, "--secret", "id=tok,src=" + secret,
                "--cache-from", "type=local,src=" + dir, "--cache-to", "type=local,dest=" + dir + ",mounts=true");
        assertTrue(output(third.err(), "seen: v1"), "the cache mount came with the cache:\n" + third.err());
        assertTrue(third.err().contains("cache mount /var/cache/thing restored"), third.err());

        // and the mount's new content went back into the directory
        Cli.Result fourth = build(tmp.resolve("d"), ctx, "--secret", "id=tok,src=" + secret, "--no-cache",
                "--cache-from", "type=local,src=" + dir);
        assertTrue(output(fourth.err(), "seen: v1 v2"), fourth.err());
    }

    @Test
    void inlineCacheRidesInTheImageConfig() throws IOException {
        Path ctx = twoStages();
        String image = ref("inline/app:1");
        Cli.Result first = build(tmp.resolve("a"), ctx, "-t", image, "--push", "--cache-to", "type=inline");
        // --raw: skopeo's parsed view drops fields it does not know
        JsonNode config = Cli.JSON.readTree(Cli.ok("skopeo", "inspect", "--tls-verify=false", "--raw", "--config",
                "docker://" + image).out());
        JsonNode inline = config.path("dev.jbuild.cache.v1");
        assertEquals(1, inline.path("schemaVersion").asInt(), config.toString());
        assertEquals(3, inline.path("steps").size(), inline.toString());

        Cli.Result second = build(tmp.resolve("b"), ctx, "-t", image, "--cache-from", image,
                "--cache-to", "type=inline");
        assertTrue(second.err().contains("importing cache from " + image + " (inline): 3 steps"), second.err());
        assertFalse(output(second.err(), "final-ran"), second.err());
        assertEquals(imageId(first), imageId(second));
    }

    @Test
    void badSpecsAreUsageErrorsAndAMissingCacheIsAWarning() throws IOException {
        Path ctx = twoStages();
        Cli.Result bad = jbuild("--root", tmp.resolve("a"), "--cache-to", "type=registry", ctx);
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("invalid --cache-to \"type=registry\": ref= is missing"), bad.err());
        Cli.Result mode = jbuild("--root", tmp.resolve("a"), "--cache-to", "type=local,dest=x,mode=all", ctx);
        assertEquals(2, mode.status());
        assertTrue(mode.err().contains("mode must be min or max"), mode.err());

        Cli.Result missing = build(tmp.resolve("a"), ctx, "--cache-from", "type=local,src=" + tmp.resolve("none"),
                "--cache-from", ref("cache/none:1"));
        assertTrue(missing.err().contains("WARNING: no cache at " + tmp.resolve("none")), missing.err());
        assertTrue(missing.err().contains("WARNING: no cache at " + ref("cache/none:1")), missing.err());
    }

    @Test
    void anAuthenticatedRegistryCacheHoldsNoCredentials() throws IOException {
        Path ctx = tmp.resolve("actx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY app.txt /app.txt\n");
        Files.writeString(ctx.resolve("app.txt"), "authenticated\n");
        Path config = tmp.resolve("docker-config");
        Files.createDirectories(config);
        String auth = java.util.Base64.getEncoder().encodeToString((USER + ":" + PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        Files.writeString(config.resolve("config.json"), "{\"auths\":{\"" + AUTH.host() + "\":{\"auth\":\"" + auth
                + "\"}}}");
        String cache = AUTH.host() + "/cache/auth:1";
        Cli.Result first = build(tmp.resolve("a"), ctx, "--config", config.toString(),
                "--cache-to", "type=registry,ref=" + cache + ",mode=max");
        Cli.Result second = build(tmp.resolve("b"), ctx, "--config", config.toString(), "--cache-from", cache);
        assertEquals(1, count(second.err(), " CACHED\n"), second.err());
        assertEquals(imageId(first), imageId(second));

        // without credentials the cache is a warning, and the build runs
        Path none = Files.createDirectories(tmp.resolve("no-config"));
        Cli.Result third = build(tmp.resolve("c"), ctx, "--config", none.toString(), "--cache-from", cache);
        assertTrue(third.err().contains("WARNING: cache " + cache + " not imported: "), third.err());
        assertEquals(0, count(third.err(), " CACHED\n"), third.err());

        // nothing the registry stored holds the credentials
        try (Stream<Path> files = Files.walk(AUTH.log().getParent().resolve("data"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = new String(RunFixtures.uncompressed(f), StandardCharsets.ISO_8859_1);
                assertFalse(text.contains(PASSWORD) || text.contains(auth), "credentials in " + f);
            }
        }
    }

    @Test
    void aFailedExportFailsTheBuildUnlessIgnoreError() throws IOException {
        Path ctx = tmp.resolve("ectx");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY app.txt /app.txt\n");
        Files.writeString(ctx.resolve("app.txt"), "x\n");
        String nowhere = "127.0.0.1:" + RegistryServer.freePort() + "/cache/x:1";
        Cli.Result failed = jbuild("--root", tmp.resolve("a"), "--cache-to", "type=registry,ref=" + nowhere, ctx);
        assertEquals(1, failed.status(), failed.err());
        assertTrue(failed.err().contains("jbuild: exporting cache to " + nowhere + ": "), failed.err());
        Cli.Result ignored = jbuild("--root", tmp.resolve("a"), "--cache-to",
                "type=registry,ref=" + nowhere + ",ignore-error=true", ctx).ok();
        assertTrue(ignored.err().contains("WARNING: cache not exported to " + nowhere + ": "), ignored.err());
    }
}
