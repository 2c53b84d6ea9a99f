package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Layer;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Push and pull against a plain-HTTP docker-registry on loopback. */
class PlainRegistryTest {
    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    @TempDir
    Path tmp;

    private final Recorder recorder = new Recorder();

    private RegistryClient client(RegistryOptions.Builder b) {
        return new RegistryClient(b.dockerConfigDirectory(tmp.resolve("docker")).certsDirectory(tmp.resolve("certs.d"))
                .interceptor(recorder).build());
    }

    private RegistryClient client() {
        return client(RegistryOptions.builder());
    }

    private Store store(String name) throws IOException {
        return Store.open(tmp.resolve(name));
    }

    private ImageReference ref(String repoAndTag) {
        return ImageReference.parse(REGISTRY.host() + "/" + repoAndTag);
    }

    /**
     * A loopback registry that answers plain HTTP as a registry does is used over plain HTTP without a TLS probe (a
     * handshake would cost an EC key pair at every cold start), whoever asks, first or again.
     */
    @Test
    void aPlainHttpLoopbackRegistryIsUsedWithoutATlsProbe() throws Exception {
        Store src = store("noprobe-src");
        TestImages.Image img = TestImages.simple(src, 7, 1);
        try (RegistryClient c = client(RegistryOptions.builder())) {
            c.push(ref("noprobe/app:1"), img.manifest(), src);
        }
        assertTrue(recorder.calls.stream().noneMatch(x -> x.scheme().equals("https")), recorder.calls.toString());
        assertEquals("/v2/", recorder.calls.get(0).path(), recorder.calls.toString());
        recorder.calls.clear();
        try (RegistryClient c = client(RegistryOptions.builder())) {
            PullResult pulled = c.pull(ref("noprobe/app:1"), Platform.parse("linux/amd64"), store("noprobe-dst"));
            assertEquals(img.manifest(), pulled.manifestDigest());
        }
        assertTrue(recorder.calls.stream().noneMatch(x -> x.scheme().equals("https")), recorder.calls.toString());
    }

    @Test
    void pushThenPullIsByteIdentical() throws Exception {
        Store src = store("src");
        TestImages.Image img = TestImages.simple(src, 1, 3);
        try (RegistryClient c = client()) {
            PushResult pushed = c.push(ref("roundtrip/app:1.0"), img.manifest(), src);
            assertEquals(img.manifest(), pushed.manifestDigest());
            assertEquals(4, pushed.blobsUploaded());
            assertEquals(0, pushed.blobsExisting());
            assertEquals(List.of("1.0"), pushed.tags());
            assertEquals(REGISTRY.host() + "/roundtrip/app@" + img.manifest(), pushed.reference().toString());
            // plain HTTP from the first request, as for any loopback registry that answers it
            assertEquals(List.of(), recorder.matching(x -> x.scheme().equals("https")));

            Store dst = store("dst");
            PullResult pulled = c.pull(ref("roundtrip/app:1.0"), Platform.parse("linux/amd64"), dst);
            assertEquals(img.manifest(), pulled.manifestDigest());
            assertNull(pulled.indexDigest());
            assertEquals(4, pulled.blobsDownloaded());
            assertEquals(0, pulled.blobsPresent());
            assertEquals(Platform.parse("linux/amd64"), pulled.platform());
            TestImages.assertSameBlobs(src, dst, img);
            assertEquals(img.manifest(), dst.images().resolve(ref("roundtrip/app:1.0").toString()).orElseThrow());
            for (Descriptor l : img.parsed().layers()) {
                assertEquals(src.blobs().diffId(l.digest()), dst.blobs().diffId(l.digest()), "diff-id recorded");
            }
        }
    }

    @Test
    void dockerSchema2ZstdAndUncompressedLayersRoundTrip() throws Exception {
        Store src = store("src");
        List<Layer> dockerLayers = List.of(TestImages.layer(src, 21, 2, 4000, Compression.GZIP, true),
                TestImages.layer(src, 22, 2, 4000, Compression.GZIP, true));
        TestImages.Image docker = TestImages.image(src, Platform.parse("linux/arm64"), true, dockerLayers);
        List<Layer> ociLayers = List.of(TestImages.layer(src, 23, 2, 4000, Compression.ZSTD, false),
                TestImages.layer(src, 24, 2, 4000, Compression.NONE, false));
        TestImages.Image oci = TestImages.image(src, Platform.parse("linux/amd64"), false, ociLayers);
        try (RegistryClient c = client()) {
            c.push(ref("formats/docker:1"), docker.manifest(), src);
            c.push(ref("formats/oci:1"), oci.manifest(), src);
            Store dst = store("dst");
            PullResult pd = c.pull(ref("formats/docker:1"), Platform.parse("linux/arm64"), dst);
            assertEquals(MediaType.DOCKER_MANIFEST, pd.manifestDescriptor().mediaType());
            PullResult po = c.pull(ref("formats/oci:1"), Platform.parse("linux/amd64"), dst);
            assertEquals(MediaType.OCI_MANIFEST, po.manifestDescriptor().mediaType());
            TestImages.assertSameBlobs(src, dst, docker);
            TestImages.assertSameBlobs(src, dst, oci);
            Layer raw = ociLayers.get(1);
            assertEquals(raw.diffId(), dst.blobs().diffId(raw.digest()).orElseThrow());
            assertEquals(ociLayers.get(0).diffId(), dst.blobs().diffId(ociLayers.get(0).digest()).orElseThrow());
        }
    }

    @Test
    void secondPushOnlyChecksAndSecondPullFetchesNothing() throws Exception {
        Store src = store("src");
        TestImages.Image img = TestImages.simple(src, 3, 2);
        try (RegistryClient c = client()) {
            c.push(ref("again/app:1"), img.manifest(), src);
            recorder.clear();
            PushResult again = c.push(ref("again/app:2"), img.manifest(), src);
            assertEquals(0, again.blobsUploaded());
            assertEquals(3, again.blobsExisting());
            assertEquals(0, recorder.count("POST", "/blobs/uploads/"), "no upload started: " + recorder.calls);
            assertEquals(3, recorder.count("HEAD", "/blobs/sha256:"));

            Store dst = store("dst");
            c.pull(ref("again/app:1"), Platform.parse("linux/amd64"), dst);
            recorder.clear();
            PullResult second = c.pull(ref("again/app:2"), Platform.parse("linux/amd64"), dst);
            assertEquals(0, second.blobsDownloaded());
            assertEquals(3, second.blobsPresent());
            assertEquals(0, recorder.count("GET", "/blobs/sha256:"), "no blob fetched: " + recorder.calls);
        }
    }

    @Test
    void pullsInParallelAndPushesInParallel() throws Exception {
        Store src = store("src");
        TestImages.Image img = TestImages.simple(src, 4, 5);
        recorder.uploadDelayMillis = 150;
        try (RegistryClient c = client(RegistryOptions.builder().parallelism(3))) {
            c.push(ref("parallel/app:1"), img.manifest(), src);
            assertTrue(recorder.maxInFlightUploads >= 2, "uploads overlapped: " + recorder.maxInFlightUploads);
            assertTrue(recorder.maxInFlightUploads <= 3, "at most parallelism uploads at once");
        }
    }

    @Test
    void resolveAndPullByDigest() throws Exception {
        Store src = store("src");
        TestImages.Image img = TestImages.simple(src, 5, 1);
        try (RegistryClient c = client()) {
            c.push(ref("bydigest/app:latest"), img.manifest(), src);
            Descriptor d = c.resolve(ref("bydigest/app"), Platform.parse("linux/amd64"));
            assertEquals(img.manifest(), d.digest());
            assertEquals(MediaType.OCI_MANIFEST, d.mediaType());
            assertEquals(img.manifestBytes().length, d.size());

            ImageReference byDigest = ref("bydigest/app@" + img.manifest());
            Store dst = store("dst");
            PullResult p = c.pull(byDigest, Platform.parse("linux/amd64"), dst);
            assertEquals(img.manifest(), p.manifestDigest());
            assertEquals(img.manifest(), dst.images().resolve(byDigest.toString()).orElseThrow());

            Digest missing = Digest.sha256("nothing".getBytes(StandardCharsets.UTF_8));
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.pull(ref("bydigest/app@" + missing), Platform.parse("linux/amd64"), dst));
            assertEquals(404, e.status());
            assertTrue(e.isNotFound());
            assertEquals("MANIFEST_UNKNOWN", e.errorCode());
        }
    }

    @Test
    void indexPullPicksThePlatformAndListsThePlatformsWhenNoneMatches() throws Exception {
        Store src = store("src");
        List<TestImages.Image> images = new ArrayList<>();
        List<Platform> platforms = List.of(new Platform("linux", "amd64", ""), new Platform("linux", "arm64", "v8"),
                new Platform("linux", "arm", "v6"), new Platform("linux", "arm", "v5"));
        long seed = 40;
        for (Platform p : platforms) {
            images.add(TestImages.image(src, p, false,
                    List.of(TestImages.layer(src, seed++, 1, 1000, Compression.GZIP, false))));
        }
        Digest index = TestImages.index(src, false, images, platforms);
        try (RegistryClient c = client()) {
            PushResult pushed = c.push(ref("multi/app:1"), index, src);
            assertEquals(MediaType.OCI_INDEX, pushed.manifest().mediaType());
            assertEquals(4, pushed.blobsUploaded() + pushed.blobsExisting() - 4, "4 configs and 4 layers");

            Store dst = store("dst");
            PullResult arm64 = c.pull(ref("multi/app:1"), Platform.parse("linux/arm64"), dst);
            assertEquals(images.get(1).manifest(), arm64.manifestDigest());
            assertEquals(index, arm64.indexDigest());
            assertEquals(index, arm64.repoDigest());
            assertEquals("v8", arm64.manifestDescriptor().platform().variant());
            TestImages.assertSameBlobs(src, dst, images.get(1));
            assertEquals(images.get(1).manifest(), dst.images().resolve(ref("multi/app:1").toString()).orElseThrow());

            // arm/v7 is not there: v6 is the best fallback (not v5)
            Descriptor v7 = c.resolve(ref("multi/app:1"), Platform.parse("linux/arm/v7"));
            assertEquals(images.get(2).manifest(), v7.digest());
            assertEquals(images.get(0).manifest(), c.resolve(ref("multi/app:1"), Platform.parse("amd64")).digest());

            NoMatchingPlatformException e = assertThrows(NoMatchingPlatformException.class,
                    () -> c.pull(ref("multi/app:1"), Platform.parse("linux/s390x"), dst));
            assertEquals(Platform.parse("linux/s390x"), e.requested());
            assertEquals(platforms, e.available());
            assertTrue(e.getMessage().contains("no matching manifest for linux/s390x"), e.getMessage());
            assertTrue(e.getMessage().contains("linux/amd64, linux/arm64/v8, linux/arm/v6, linux/arm/v5"),
                    e.getMessage());
            assertTrue(e.getMessage().contains(REGISTRY.host() + "/multi/app:1"), e.getMessage());

            // A Docker manifest list works the same
            Digest list = TestImages.index(src, true, List.of(images.get(0), images.get(1)), platforms.subList(0, 2));
            c.push(ref("multi/list:1"), list, src);
            assertEquals(images.get(1).manifest(),
                    c.resolve(ref("multi/list:1"), Platform.parse("linux/arm64/v8")).digest());
        }
    }

    @Test
    void dockerManifestListPullPicksThePlatform() throws Exception {
        Store src = store("src");
        List<Platform> platforms = List.of(Platform.parse("linux/amd64"), Platform.parse("linux/arm/v7"));
        List<TestImages.Image> images = new ArrayList<>();
        long seed = 60;
        for (Platform p : platforms) {
            images.add(TestImages.image(src, p, true,
                    List.of(TestImages.layer(src, seed++, 1, 1000, Compression.GZIP, true))));
        }
        Digest list = TestImages.index(src, true, images, platforms);
        try (RegistryClient c = client()) {
            c.push(ref("dockerlist/app:1"), list, src);
            Store dst = store("dst");
            PullResult p = c.pull(ref("dockerlist/app:1"), Platform.parse("linux/arm"), dst);
            assertEquals(images.get(1).manifest(), p.manifestDigest());
            assertEquals(MediaType.DOCKER_MANIFEST, p.manifestDescriptor().mediaType());
            TestImages.assertSameBlobs(src, dst, images.get(1));
        }
    }

    @Test
    void crossRepositoryMountUploadsNothing() throws Exception {
        Store src = store("src");
        TestImages.Image img = TestImages.simple(src, 7, 3);
        try (RegistryClient c = client()) {
            c.push(ref("mount/source:1"), img.manifest(), src);
            recorder.clear();
            PushResult second = c.push(ref("mount/target:1"), img.manifest(), src);
            assertEquals(4, second.blobsMounted(), recorder.calls.toString());
            assertEquals(0, second.blobsUploaded());
            List<Recorder.Call> mounts = recorder.matching(x -> x.is("POST", "/mount/target/blobs/uploads/"));
            assertEquals(4, mounts.size());
            for (Recorder.Call m : mounts) {
                assertEquals("mount/source", m.queryParameter("from"));
                assertNotNull(m.queryParameter("mount"));
                assertEquals(201, m.status(), "the registry mounted it");
            }
            assertEquals(0, recorder.count("PATCH", "/blobs/uploads/"));
            assertEquals(0, recorder.count("PUT", "/blobs/uploads/"));

            // A store that pulled the image knows where its blobs came from and mounts them too.
            Store pulledStore = store("pulled");
            c.pull(ref("mount/source:1"), Platform.parse("linux/amd64"), pulledStore);
            recorder.clear();
            PushResult third = c.push(ref("mount/third:1"), img.manifest(), pulledStore);
            assertEquals(4, third.blobsMounted());
            assertEquals(0, recorder.count("PATCH", "/blobs/uploads/") + recorder.count("PUT", "/blobs/uploads/"));

            // A stale record (the source repository lost the blob) falls back to an upload.
            Store other = store("other");
            TestImages.Image fresh = TestImages.simple(other, 8, 1);
            for (Descriptor d : fresh.blobs()) {
                BlobSources.of(other).record(d.digest(), REGISTRY.host(), "mount/nowhere");
            }
            PushResult fourth = c.push(ref("mount/fourth:1"), fresh.manifest(), other);
            assertEquals(0, fourth.blobsMounted());
            assertEquals(2, fourth.blobsUploaded());
        }
    }

    @Test
    void chunkedUploadOfAMultiMegabyteBlob() throws Exception {
        Store src = store("src");
        Layer big = TestImages.layer(src, 9, 1, 5 * 1024 * 1024 + 12345, Compression.NONE, false);
        TestImages.Image img = TestImages.image(src, Platform.parse("linux/amd64"), false, List.of(big));
        long chunk = 1024 * 1024;
        try (RegistryClient c = client(RegistryOptions.builder().chunkSize(chunk))) {
            PushResult r = c.push(ref("chunked/app:1"), img.manifest(), src);
            assertEquals(2, r.blobsUploaded());
            List<Recorder.Call> patches = recorder.matching(x -> x.method().equals("PATCH"));
            long size = big.descriptor().size();
            assertEquals((size + chunk - 1) / chunk, patches.size());
            long expect = 0;
            for (Recorder.Call p : patches) {
                long end = Math.min(expect + chunk, size) - 1;
                assertEquals(expect + "-" + end, p.contentRange());
                assertEquals(202, p.status());
                expect = end + 1;
            }
            // the config went in one PUT, the big layer's upload ended with an empty PUT
            assertEquals(2, recorder.count("PUT", "/blobs/uploads/"));
            Store dst = store("dst");
            c.pull(ref("chunked/app:1"), Platform.parse("linux/amd64"), dst);
            TestImages.assertSameBlobs(src, dst, img);
        }
    }

    @Test
    void skopeoReadsWhatWasPushedAndWeReadWhatSkopeoCopied() throws Exception {
        Store src = store("src");
        TestImages.Image img = TestImages.simple(src, 11, 2);
        try (RegistryClient c = client()) {
            c.push(ref("skopeo/app:1"), img.manifest(), src);

            String raw = run("skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + REGISTRY.host()
                    + "/skopeo/app:1");
            assertEquals(img.manifest(), Digest.sha256(raw.getBytes(StandardCharsets.UTF_8)),
                    "skopeo sees the manifest we pushed, byte for byte");
            JsonNode info = new ObjectMapper().readTree(run("skopeo", "inspect", "--tls-verify=false",
                    "docker://" + REGISTRY.host() + "/skopeo/app:1"));
            assertEquals(img.manifest().toString(), info.path("Digest").asText());
            assertEquals("amd64", info.path("Architecture").asText());
            assertEquals(2, info.path("Layers").size());

            Path layout = tmp.resolve("oci-layout");
            run("skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                    "docker://" + REGISTRY.host() + "/skopeo/app:1", "oci:" + layout + ":app");
            for (Descriptor d : img.blobs()) {
                Path blob = layout.resolve("blobs/sha256/" + d.digest().hex());
                assertEquals(-1L, Files.mismatch(src.blobs().path(d.digest()), blob), "skopeo copied " + d.digest());
            }

            run("skopeo", "--insecure-policy", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                    "docker://" + REGISTRY.host() + "/skopeo/app:1", "docker://" + REGISTRY.host() + "/skopeo/copy:2");
            Store dst = store("dst");
            PullResult p = c.pull(ref("skopeo/copy:2"), Platform.parse("linux/amd64"), dst);
            assertEquals(img.manifest(), p.manifestDigest());
            TestImages.assertSameBlobs(src, dst, img);
        }
    }

    @Test
    void failuresNameRegistryRepositoryActionAndTheRegistryError() throws Exception {
        Store dst = store("dst");
        try (RegistryClient c = client()) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.pull(ref("nosuch/repo:1.0"), Platform.parse("linux/amd64"), dst));
            assertEquals(404, e.status());
            assertEquals(REGISTRY.host(), e.registry());
            assertEquals("nosuch/repo", e.repository());
            assertEquals("fetch manifest 1.0", e.action());
            assertTrue(List.of("MANIFEST_UNKNOWN", "NAME_UNKNOWN").contains(e.errorCode()), e.errorCode());
            assertEquals("pull " + REGISTRY.host() + "/nosuch/repo:1.0: fetch manifest 1.0: HTTP 404 Not Found: "
                    + e.errorCode() + ": " + e.errorMessage(), e.getMessage());

            Store empty = store("empty");
            Digest nothing = Digest.sha256(new byte[] {1});
            RegistryException missing = assertThrows(RegistryException.class,
                    () -> c.push(ref("nosuch/push:1"), nothing, empty));
            assertTrue(missing.getMessage().contains("not in the local store"), missing.getMessage());
        }
        // Nothing listens there: a connection failure, named, after the retries.
        int port = RegistryServer.freePort();
        try (RegistryClient c = client(RegistryOptions.builder().retryPolicy(new RetryPolicy(2,
                java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(10), java.time.Duration.ofSeconds(5))))) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.pull(ImageReference.parse("127.0.0.1:" + port + "/x/y:1"), Platform.parse("linux/amd64"),
                            dst));
            assertEquals(0, e.status());
            assertTrue(e.getMessage().startsWith("pull 127.0.0.1:" + port + "/x/y:1: connect to 127.0.0.1:" + port),
                    e.getMessage());
        }
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + new String(err, StandardCharsets.UTF_8));
        return new String(out, StandardCharsets.UTF_8);
    }
}
