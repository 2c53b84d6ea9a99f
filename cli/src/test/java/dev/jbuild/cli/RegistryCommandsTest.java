package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Digest;
import dev.jbuild.registry.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbuild pull}, {@code jbuild push}, and builds that pull their base images and push their results, against
 * a real registry (Debian's {@code docker-registry} on 127.0.0.1, plain HTTP, as registry-client's tests start it);
 * what jbuild pushed is checked with {@code skopeo}, mounts in the registry's own log.
 */
class RegistryCommandsTest {
    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    @TempDir
    Path tmp;

    private static final Pattern DIGEST_LINE = Pattern.compile("(?m)^(\\S+): digest: (sha256:[0-9a-f]{64}) size: (\\d+)$");

    private String ref(String repoAndTag) {
        return REGISTRY.host() + "/" + repoAndTag;
    }

    /** A context whose Dockerfile is {@code dockerfile}, with a file app.txt. */
    private Path context(String name, String dockerfile) throws IOException {
        Path ctx = tmp.resolve("ctx-" + name);
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        Files.writeString(ctx.resolve("app.txt"), "app " + name + "\n");
        return ctx;
    }

    /** A store with the busybox base image, pushed as REF: that is how the other stores get it. */
    private Path busyboxPushedAs(String repoAndTag) throws IOException {
        Path root = tmp.resolve("busybox-store");
        if (!Files.exists(root.resolve("images.json"))
                || !Files.readString(root.resolve("images.json")).contains("busybox")) {
            jbuild("load", "--root", root, "-i", RegistryFixtures.busyboxLayout()).ok();
        }
        jbuild("tag", "--root", root, "busybox", ref(repoAndTag)).ok();
        jbuild("push", "--root", root, ref(repoAndTag)).ok();
        return root;
    }

    private static String skopeoDigest(String reference) {
        return Cli.skopeoJson("inspect", "--tls-verify=false", "docker://" + reference).path("Digest").asText();
    }

    private static Matcher digestLine(String out) {
        Matcher m = DIGEST_LINE.matcher(out);
        assertTrue(m.find(), "a digest line in:\n" + out);
        return m;
    }

    @Test
    void pushesABuiltImageThatSkopeoReadsByteForByte() throws IOException {
        Path root = tmp.resolve("root");
        Path ctx = context("push", "FROM scratch\nCOPY app.txt /app.txt\nLABEL org.example.test=push\nCMD [\"/app\"]\n");
        String image = ref("push/app:1.0");
        jbuild("--root", root, "-q", "-t", image, ctx).ok();

        Cli.Result push = jbuild("push", "--root", root, image).ok();
        assertTrue(push.out().startsWith("The push refers to repository [" + REGISTRY.host() + "/push/app]\n"),
                push.out());
        assertTrue(push.out().contains(": Pushed\n"), push.out());
        Matcher m = digestLine(push.out());
        assertEquals("1.0", m.group(1));
        String digest = m.group(2);
        long size = Long.parseLong(m.group(3));

        // skopeo sees the manifest we have, byte for byte, and the config we built
        String raw = Cli.ok("skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + image).out();
        assertEquals(digest, Digest.sha256(raw.getBytes(StandardCharsets.UTF_8)).toString());
        assertEquals(size, raw.getBytes(StandardCharsets.UTF_8).length);
        JsonNode local = jbuild("inspect", "--root", root, image).ok().json();
        assertTrue(local.toString().contains(digest), "jbuild inspect shows the pushed digest: " + local);
        JsonNode info = Cli.skopeoJson("inspect", "--tls-verify=false", "docker://" + image);
        assertEquals(digest, info.path("Digest").asText());
        assertEquals("push", info.path("Labels").path("org.example.test").asText());
        assertEquals(1, info.path("Layers").size());
        JsonNode config = Cli.skopeoJson("inspect", "--tls-verify=false", "--config", "docker://" + image);
        assertEquals("/app", config.path("config").path("Cmd").path(0).asText());

        // a second push only checks
        Cli.Result again = jbuild("push", "--root", root, image).ok();
        assertTrue(again.out().contains(": Layer already exists\n"), again.out());
        assertFalse(again.out().contains(": Pushed"), again.out());
        assertEquals(digest, digestLine(again.out()).group(2));

        // -q: only the reference with its digest
        Cli.Result quiet = jbuild("push", "--root", root, "-q", image).ok();
        assertEquals(REGISTRY.host() + "/push/app:1.0@" + digest + "\n", quiet.out());
    }

    @Test
    void buildPullsAMissingBaseImageAndRunsOnItsLayers() throws IOException {
        busyboxPushedAs("base/busybox:1");
        Path root = tmp.resolve("other-store");
        assertFalse(Files.exists(root), "a store that never saw busybox");
        Path ctx = context("from-pulled", "FROM " + ref("base/busybox:1") + "\n"
                + "RUN echo built on pulled layers > /proof && cat /proof && wc -l < /etc/passwd\n"
                + "COPY app.txt /app.txt\n");
        Path out = tmp.resolve("rootfs");
        Cli.Result r = jbuild("--root", root, "-t", "pulled-app", "-o", "type=local,dest=" + out, ctx).ok();
        assertTrue(r.err().contains("pulling " + ref("base/busybox:1") + "\n"), r.err());
        assertTrue(r.err().contains("pulled " + ref("base/busybox:1") + ": sha256:"), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("#\\d+ [0-9.]+ built on pulled layers")), "the RUN ran in the pulled rootfs:\n" + r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("#\\d+ [0-9.]+ 3")), "busybox's /etc/passwd has 3 lines:\n" + r.err());
        assertEquals("built on pulled layers\n", Files.readString(out.resolve("proof")));
        assertTrue(Files.isRegularFile(out.resolve("bin/busybox")), "the base's files are in the result");
        // the base is now in the store, tagged as pulled, and a second build does not pull it again
        Cli.Result images = jbuild("images", "--root", root).ok();
        assertTrue(images.out().contains(REGISTRY.host() + "/base/busybox"), images.out());
        Cli.Result second = jbuild("--root", root, "-t", "pulled-app", ctx).ok();
        assertFalse(second.err().contains("pulling"), second.err());
    }

    @Test
    void copyFromAnImageAndRunMountFromAnImagePullThemToo() throws IOException {
        busyboxPushedAs("base/tools:1");
        Path root = tmp.resolve("copy-store");
        Path ctx = context("copy-from", "FROM scratch AS first\nCOPY --from=" + ref("base/tools:1")
                + " /etc/passwd /passwd\n"
                + "FROM " + ref("base/tools:1") + "\n"
                + "RUN --mount=type=bind,from=" + ref("base/tools:1") + ",source=/etc,target=/mnt/etc "
                + "cp /mnt/etc/group /group-copy\n"
                + "COPY --from=first /passwd /passwd-copy\n");
        Path out = tmp.resolve("copy-rootfs");
        Cli.Result r = jbuild("--root", root, "-o", "type=local,dest=" + out, ctx).ok();
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("pulling ")).count(), "pulled once:\n" + r.err());
        assertTrue(Files.readString(out.resolve("group-copy")).contains("extra:x:1001:app"));
        assertTrue(Files.readString(out.resolve("passwd-copy")).startsWith("root:x:0:0"));
    }

    @Test
    void pullCommandPrintsWhatDockerPrints() throws IOException {
        busyboxPushedAs("pull/busybox:1");
        Path root = tmp.resolve("pull-store");
        Cli.Result first = jbuild("pull", "--root", root, ref("pull/busybox:1")).ok();
        List<String> lines = first.out().lines().toList();
        assertEquals("1: Pulling from pull/busybox", lines.get(0), first.out());
        assertTrue(lines.get(1).matches("[0-9a-f]{12}: Pull complete"), first.out());
        assertTrue(lines.get(2).matches("Digest: sha256:[0-9a-f]{64}"), first.out());
        assertEquals("Status: Downloaded newer image for " + ref("pull/busybox:1"), lines.get(3));
        assertEquals(ref("pull/busybox:1"), lines.get(4));
        assertEquals(5, lines.size(), first.out());
        assertEquals(lines.get(2).substring("Digest: ".length()), skopeoDigest(ref("pull/busybox:1")));

        Cli.Result again = jbuild("pull", "--root", root, ref("pull/busybox:1")).ok();
        assertTrue(again.out().contains(": Already exists\n"), again.out());
        assertTrue(again.out().contains("Status: Image is up to date for " + ref("pull/busybox:1") + "\n"),
                again.out());

        // no tag: latest, as docker says; -q: only the reference
        busyboxPushedAs("pull/busybox:latest");
        Cli.Result latest = jbuild("pull", "--root", root, ref("pull/busybox")).ok();
        assertTrue(latest.out().startsWith("Using default tag: latest\nlatest: Pulling from pull/busybox\n"),
                latest.out());
        assertEquals(ref("pull/busybox:latest") + "\n", jbuild("pull", "--root", root, "-q",
                ref("pull/busybox")).ok().out());

        // by digest
        String digest = lines.get(2).substring("Digest: ".length());
        Cli.Result byDigest = jbuild("pull", "--root", tmp.resolve("digest-store"), ref("pull/busybox@" + digest)).ok();
        assertTrue(byDigest.out().startsWith(digest + ": Pulling from pull/busybox\n"), byDigest.out());

        // the pulled image runs RUN
        Path ctx = context("after-pull", "FROM " + ref("pull/busybox:1") + "\nRUN echo ran\n");
        assertTrue(jbuild("--root", root, ctx).ok().err().lines().anyMatch(l -> l.matches("#\\d+ \\d+\\.\\d+ ran")));
    }

    @Test
    void pullFlagPicksUpARepushedTag() throws IOException {
        Path source = busyboxPushedAs("moving/base:1");
        Path root = tmp.resolve("builder-store");
        Path ctx = context("moving", "FROM " + ref("moving/base:1") + "\n"
                + "RUN (cat /version 2>/dev/null || echo none) > /seen\n");
        Path out1 = tmp.resolve("out1");
        Cli.Result first = jbuild("--root", root, "-o", "type=local,dest=" + out1, ctx).ok();
        assertTrue(first.err().contains("pulling " + ref("moving/base:1")), first.err());
        assertEquals("none\n", Files.readString(out1.resolve("seen")));

        // the tag moves: a new image pushed under it from the other store
        Path v2 = context("v2", "FROM busybox\nRUN echo v2 > /version\n");
        jbuild("--root", source, "-t", ref("moving/base:1"), "--push", v2).ok();

        // without --pull, the local tag is used
        Path out2 = tmp.resolve("out2");
        Cli.Result second = jbuild("--root", root, "-o", "type=local,dest=" + out2, ctx).ok();
        assertFalse(second.err().contains("pulling"), second.err());
        assertEquals("none\n", Files.readString(out2.resolve("seen")));

        // with --pull, the registry is asked, and the new image pulled
        Path out3 = tmp.resolve("out3");
        Cli.Result third = jbuild("--root", root, "--pull", "-o", "type=local,dest=" + out3, ctx).ok();
        assertTrue(third.err().contains("pulling " + ref("moving/base:1") + " (the tag moved)"), third.err());
        assertEquals("v2\n", Files.readString(out3.resolve("seen")));

        // and when it has not moved again, nothing is pulled
        Cli.Result fourth = jbuild("--root", root, "--pull", ctx).ok();
        assertTrue(fourth.err().contains(ref("moving/base:1") + ": image is up to date (sha256:"), fourth.err());
        assertFalse(fourth.err().contains("pulling"), fourth.err());
    }

    @Test
    void pushFlagPushesEveryTag() throws IOException {
        Path root = tmp.resolve("root");
        Path ctx = context("push-flag", "FROM scratch\nCOPY app.txt /\n");
        Cli.Result r = jbuild("--root", root, "-t", ref("flag/one:1"), "-t", ref("flag/one:2"), "-t",
                ref("flag/two"), "--push", ctx).ok();
        assertTrue(r.err().contains("The push refers to repository [" + REGISTRY.host() + "/flag/one]"), r.err());
        assertTrue(r.err().contains("The push refers to repository [" + REGISTRY.host() + "/flag/two]"), r.err());
        Matcher m = DIGEST_LINE.matcher(r.err());
        List<String> tags = new java.util.ArrayList<>();
        String digest = null;
        while (m.find()) {
            tags.add(m.group(1));
            digest = m.group(2);
        }
        assertEquals(List.of("1", "2", "latest"), tags, r.err());
        assertEquals(digest, skopeoDigest(ref("flag/one:1")));
        assertEquals(digest, skopeoDigest(ref("flag/one:2")));
        assertEquals(digest, skopeoDigest(ref("flag/two:latest")));
        // the two tags of one repository went up in one push: the blobs once
        assertEquals(1, r.err().lines().filter(l -> l.endsWith(": Pushed")).count(), r.err());

        // --push without a tag is an error before anything is built
        Cli.Result untagged = jbuild("--root", root, "--push", ctx);
        assertEquals(2, untagged.status());
        assertTrue(untagged.err().startsWith("jbuild: push needs a name"), untagged.err());
    }

    @Test
    void outputTypeImageWithPushAsBuildx() throws IOException {
        Path root = tmp.resolve("root");
        Path ctx = context("output-image", "FROM scratch\nCOPY app.txt /\n");
        jbuild("--root", root, "-q", "--output", "type=image,name=" + ref("out/a:1") + ",name="
                + ref("out/b:2") + ",push=true", ctx).ok();
        String a = skopeoDigest(ref("out/a:1"));
        assertEquals(a, skopeoDigest(ref("out/b:2")));
        // the names are tags in the local store too
        Cli.Result images = jbuild("images", "--root", root).ok();
        assertTrue(images.out().contains(REGISTRY.host() + "/out/a"), images.out());
        assertTrue(images.out().contains(REGISTRY.host() + "/out/b"), images.out());
        assertTrue(jbuild("inspect", "--root", root, ref("out/a:1")).ok().out().contains(a));

        // buildx's quoted list of names, and type=registry (push=true implied) using the -t tags
        jbuild("--root", root, "-q", "-o", "type=image,\"name=" + ref("out/c:1") + "," + ref("out/d:1")
                + "\",push=true", ctx).ok();
        assertEquals(skopeoDigest(ref("out/c:1")), skopeoDigest(ref("out/d:1")));
        String e = jbuild("--root", root, "-q", "-t", ref("out/e:1"), "-o", "type=registry", ctx).ok().out().trim();
        assertTrue(jbuild("inspect", "--root", root, ref("out/e:1")).ok().out().contains(e));
        assertTrue(jbuild("inspect", "--root", root, ref("out/e:1")).ok().out().contains(skopeoDigest(ref("out/e:1"))));

        // push=false only names it
        String local = jbuild("--root", root, "-q", "-o", "type=image,name=" + ref("out/local:1") + ",push=false", ctx)
                .ok().out().trim();
        assertTrue(jbuild("inspect", "--root", root, ref("out/local:1")).ok().out().contains(local));
        assertTrue(Cli.tool("skopeo", "inspect", "--tls-verify=false", "docker://" + ref("out/local:1")).status() != 0,
                "push=false pushes nothing");

        Cli.Result noName = jbuild("--root", root, "-o", "type=image,push=true", ctx);
        assertEquals(2, noName.status());
        assertTrue(noName.err().startsWith("jbuild: output type=image needs name="), noName.err());
    }

    @Test
    void aSecondPushToAnotherRepositoryMountsTheBlobs() throws IOException {
        Path root = tmp.resolve("root");
        Path ctx = context("mount", "FROM scratch\nCOPY app.txt /\nCOPY Dockerfile /\n");
        jbuild("--root", root, "-q", "-t", ref("mount/one:1"), ctx).ok();
        Cli.Result first = jbuild("push", "--root", root, ref("mount/one:1")).ok();
        assertEquals(2, first.out().lines().filter(l -> l.endsWith(": Pushed")).count(), first.out());

        jbuild("tag", "--root", root, ref("mount/one:1"), ref("mount/two:1")).ok();
        Cli.Result second = jbuild("push", "--root", root, ref("mount/two:1")).ok();
        assertEquals(2, second.out().lines().filter(l -> l.endsWith(": Mounted from mount/one")).count(),
                second.out());
        assertFalse(second.out().contains(": Pushed"), second.out());
        assertEquals(digestLine(first.out()).group(2), digestLine(second.out()).group(2));

        // the registry's own log: the two layers and the config were mounted (201), nothing uploaded to mount/two
        String log = REGISTRY.logText();
        Matcher mounts = Pattern.compile("\"POST /v2/mount/two/blobs/uploads/\\?mount=sha256%3A[0-9a-f]{64}"
                + "&from=mount(%2F|/)one HTTP/1\\.1\" 201 ").matcher(log);
        int n = 0;
        while (mounts.find()) {
            n++;
        }
        assertEquals(3, n, "3 mounts (2 layers, the config) in the registry log");
        assertFalse(Pattern.compile("\"(PATCH|PUT) /v2/mount/two/blobs/uploads/").matcher(log).find(),
                "no upload to mount/two");
        assertEquals(digestLine(second.out()).group(2), skopeoDigest(ref("mount/two:1")));
    }

    @Test
    void pushAllTagsPushesTheRepositorysTags() throws IOException {
        Path root = tmp.resolve("root");
        Path one = context("all-1", "FROM scratch\nCOPY app.txt /\n");
        Path two = context("all-2", "FROM scratch\nCOPY app.txt /\n");
        jbuild("--root", root, "-q", "-t", ref("all/app:1"), "-t", ref("all/app:one"), one).ok();
        jbuild("--root", root, "-q", "-t", ref("all/app:2"), two).ok();
        jbuild("--root", root, "-q", "-t", ref("all/other:1"), two).ok();
        Cli.Result r = jbuild("push", "--root", root, "--all-tags", ref("all/app")).ok();
        Matcher m = DIGEST_LINE.matcher(r.out());
        List<String> tags = new java.util.ArrayList<>();
        while (m.find()) {
            tags.add(m.group(1));
        }
        assertEquals(List.of("1", "one", "2"), tags, r.out());
        assertEquals(skopeoDigest(ref("all/app:1")), skopeoDigest(ref("all/app:one")));
        assertTrue(Cli.tool("skopeo", "inspect", "--tls-verify=false", "docker://" + ref("all/other:1")).status() != 0,
                "other repositories are not pushed");
        Cli.Result withTag = jbuild("push", "--root", root, "-a", ref("all/app:1"));
        assertEquals(1, withTag.status());
        assertEquals("jbuild: tag can't be used with --all-tags/-a\n", withTag.err());
    }

    @Test
    void failuresAreOneLineNamingRegistryRepositoryAndStatus() throws IOException {
        Path root = tmp.resolve("root");
        Cli.Result unknown = jbuild("pull", "--root", root, ref("nosuch/repo:1.0"));
        assertEquals(1, unknown.status());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
        assertTrue(unknown.err().startsWith("jbuild: pull " + ref("nosuch/repo:1.0") + ": fetch manifest 1.0: HTTP 404"),
                unknown.err());

        Cli.Result notLocal = jbuild("push", "--root", root, ref("nosuch/local:1"));
        assertEquals(1, notLocal.status());
        assertEquals("jbuild: An image does not exist locally with the tag: " + ref("nosuch/local:1") + "\n",
                notLocal.err());

        // FROM an image that is nowhere: the Dockerfile line, the reference and the registry's answer
        Path ctx = context("missing-base", "FROM scratch AS a\nCOPY app.txt /\n\nFROM " + ref("nosuch/base:3")
                + "\nCOPY app.txt /\n");
        Cli.Result build = jbuild("--root", root, "-q", "-t", "victim", ctx);
        assertEquals(1, build.status());
        assertEquals(1, build.err().lines().count(), build.err());
        assertTrue(build.err().startsWith("jbuild: Dockerfile:4: FROM " + ref("nosuch/base:3") + ": image \""
                + ref("nosuch/base:3") + "\" is not in the local store and could not be pulled: pull "
                + ref("nosuch/base:3") + ": fetch manifest 3: HTTP 404 Not Found"), build.err());

        // nothing listens: a connection failure, after the retries, still one line
        int port = RegistryServer.freePort();
        jbuild("--root", root, "-q", "-t", "127.0.0.1:" + port + "/x/y:1", context("dead", "FROM scratch\n"
                + "COPY app.txt /\n")).ok();
        Cli.Result dead = jbuild("push", "--root", root, "127.0.0.1:" + port + "/x/y:1");
        assertEquals(1, dead.status());
        assertTrue(dead.err().startsWith("jbuild: push 127.0.0.1:" + port + "/x/y:1: connect to 127.0.0.1:" + port),
                dead.err());
        assertEquals(1, dead.err().lines().count(), dead.err());
    }

    @Test
    void aSinglePlatformImageIsPulledForAnyPlatformAndBadOptionsAreErrors() throws IOException {
        busyboxPushedAs("plat/busybox:1");
        Path root = tmp.resolve("root");
        jbuild("pull", "--root", root, "--platform", "linux/arm64", ref("plat/busybox:1")).ok();
        Cli.Result bad = jbuild("pull", "--root", root, "--platform", "linux/", ref("plat/busybox:1"));
        assertEquals(1, bad.status());
        assertTrue(bad.err().startsWith("jbuild: --platform: "), bad.err());
        Cli.Result ca = jbuild("pull", "--root", root, "--tls-ca-cert", tmp.resolve("nope.pem"), ref("plat/busybox:1"));
        assertEquals(1, ca.status());
        assertEquals("jbuild: --tls-ca-cert: cannot read " + tmp.resolve("nope.pem") + "\n", ca.err());
    }
}
