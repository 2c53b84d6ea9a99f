package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Layer;
import dev.jbuild.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken connections and overloaded registries, through the test's fault-injecting proxy in front of a plain
 * docker-registry: chunked uploads resume from the registry's offset, 429 and 5xx are retried.
 */
class ResumeAndRetryTest {
    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.plain();

    @TempDir
    Path tmp;

    private final Recorder recorder = new Recorder();
    private FaultProxy proxy;
    private static final long CHUNK = 1024 * 1024;

    @BeforeEach
    void startProxy() throws Exception {
        proxy = new FaultProxy(REGISTRY.port());
    }

    @AfterEach
    void stopProxy() throws Exception {
        proxy.close();
    }

    private RegistryClient client(RetryPolicy policy) {
        return new RegistryClient(RegistryOptions.builder().dockerConfigDirectory(tmp.resolve("docker"))
                .certsDirectory(tmp.resolve("certs.d")).chunkSize(CHUNK).retryPolicy(policy)
                .interceptor(recorder).build());
    }

    private static final RetryPolicy FAST = new RetryPolicy(4, Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofSeconds(30));

    private ImageReference viaProxy(String repo) {
        return ImageReference.parse(proxy.host() + "/" + repo);
    }

    private TestImages.Image bigImage(Store src, long seed) throws Exception {
        Layer big = TestImages.layer(src, seed, 1, 5 * 1024 * 1024 + 777, Compression.NONE, false);
        return TestImages.image(src, Platform.parse("linux/amd64"), false, List.of(big));
    }

    @Test
    void droppedConnectionMidPatchResumesFromTheRegistryOffset() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = bigImage(src, 1);
        long size = img.parsed().layers().get(0).size();
        proxy.dropPatch = 3; // the third PATCH breaks after half its body; the registry never sees it
        try (RegistryClient c = client(FAST)) {
            PushResult r = c.push(viaProxy("resume/app:1"), img.manifest(), src);
            assertEquals(2, r.blobsUploaded());
            assertTrue(proxy.log.stream().anyMatch(l -> l.startsWith("DROP PATCH")), proxy.log.toString());

            List<Recorder.Call> patches = recorder.matching(x -> x.method().equals("PATCH"));
            assertEquals(-1, patches.get(2).status(), "the third PATCH failed: " + patches);
            assertEquals(2 * CHUNK + "-" + (3 * CHUNK - 1), patches.get(2).contentRange());
            // the client asked the registry where the upload stands, and went on from its offset (2 MiB), not 0
            List<Recorder.Call> status = recorder.matching(x -> x.method().equals("GET")
                    && x.path().contains("/blobs/uploads/"));
            assertEquals(1, status.size(), recorder.calls.toString());
            assertEquals(204, status.get(0).status());
            assertEquals(2 * CHUNK + "-" + (3 * CHUNK - 1), patches.get(3).contentRange());
            assertEquals(202, patches.get(3).status());
            assertEquals((size + CHUNK - 1) / CHUNK + 1, patches.size(), "one PATCH resent, none restarted");
            assertEquals(2, recorder.count("POST", "/blobs/uploads/"), "one upload session per blob, no restart");

            Store dst = Store.open(tmp.resolve("dst"));
            c.pull(viaProxy("resume/app:1"), Platform.parse("linux/amd64"), dst);
            TestImages.assertSameBlobs(src, dst, img);
        }
    }

    @Test
    void registryThatKeptPartOfABrokenPatchStillGetsTheWholeBlob() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = bigImage(src, 2);
        proxy.dropPatch = 2;
        proxy.forwardHalfBeforeDrop = true; // the registry receives half of the PATCH, then the connection dies
        try (RegistryClient c = client(FAST)) {
            PushResult r = c.push(viaProxy("resume/partial:1"), img.manifest(), src);
            assertEquals(2, r.blobsUploaded());
            assertTrue(proxy.log.stream().anyMatch(l -> l.contains("(forwarded)")), proxy.log.toString());
            // The client asked for the upload's status; distribution 2.8 had cancelled the upload (its size no
            // longer matched the offset in our upload URL), so the client started a new upload of that blob.
            assertEquals(1, recorder.matching(x -> x.method().equals("GET") && x.path().contains("/blobs/uploads/"))
                    .size(), recorder.calls.toString());
            assertEquals(3, recorder.count("POST", "/blobs/uploads/"), recorder.calls.toString());
            Store dst = Store.open(tmp.resolve("dst"));
            c.pull(viaProxy("resume/partial:1"), Platform.parse("linux/amd64"), dst);
            TestImages.assertSameBlobs(src, dst, img);
        }
    }

    @Test
    void aBlobDownloadBrokenMidwayGoesOnWithARangeRequest() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = bigImage(src, 5);
        String layer = img.parsed().layers().get(0).digest().toString();
        long size = img.parsed().layers().get(0).size();
        try (RegistryClient c = client(FAST)) {
            c.push(viaProxy("resume/download:1"), img.manifest(), src);
            proxy.cutResponsePathPart = "/blobs/" + layer;
            proxy.cutResponsesLeft.set(1);
            recorder.clear();
            Store dst = Store.open(tmp.resolve("dst"));
            PullResult p = c.pull(viaProxy("resume/download:1"), Platform.parse("linux/amd64"), dst);
            TestImages.assertSameBlobs(src, dst, img);
            assertTrue(proxy.log.stream().anyMatch(l -> l.startsWith("CUT")), proxy.log.toString());
            List<Recorder.Call> gets = recorder.matching(x -> x.is("GET", "/blobs/" + layer));
            assertEquals(2, gets.size(), gets.toString());
            assertEquals(null, gets.get(0).range());
            assertEquals("bytes=" + size / 2 + "-", gets.get(1).range(), "went on from where the body broke");
            assertEquals(206, gets.get(1).status());
            assertTrue(p.bytesDownloaded() < size + 1000 + size / 10, "did not fetch the blob twice: "
                    + p.bytesDownloaded());
        }
    }

    @Test
    void tooManyRequestsIsRetriedAfterRetryAfter() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 3, 1);
        try (RegistryClient c = client(FAST)) {
            c.push(viaProxy("retry/app:1"), img.manifest(), src);
            proxy.failNext("GET", "/manifests/1", 429, "1", 1);
            recorder.clear();
            long start = System.nanoTime();
            Store dst = Store.open(tmp.resolve("dst"));
            c.pull(viaProxy("retry/app:1"), Platform.parse("linux/amd64"), dst);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 950, "waited for Retry-After: 1 (" + ms + " ms)");
            List<Recorder.Call> gets = recorder.matching(x -> x.is("GET", "/manifests/1"));
            assertEquals(2, gets.size());
            assertEquals(429, gets.get(0).status());
            assertEquals(200, gets.get(1).status());

            proxy.failNext("GET", "/blobs/sha256:", 503, null, 2);
            Store dst2 = Store.open(tmp.resolve("dst2"));
            c.pull(viaProxy("retry/app:1"), Platform.parse("linux/amd64"), dst2);
            TestImages.assertSameBlobs(src, dst2, img);
        }
    }

    @Test
    void persistentServerErrorsFailAfterTheRetriesWithTheRegistryError() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 4, 1);
        try (RegistryClient c = client(FAST)) {
            c.push(viaProxy("retry/broken:1"), img.manifest(), src);
            proxy.failNext("GET", "/manifests/1", 503, null, 100);
            recorder.clear();
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.pull(viaProxy("retry/broken:1"), Platform.parse("linux/amd64"),
                            Store.open(tmp.resolve("dst"))));
            assertEquals(503, e.status());
            assertEquals(4, recorder.count("GET", "/manifests/1"), "maxAttempts attempts");
            assertEquals("pull " + proxy.host() + "/retry/broken:1: fetch manifest 1: HTTP 503 Injected: "
                    + "TOOMANYREQUESTS: injected fault", e.getMessage());
        }
    }

    /**
     * 500 and 502 without Retry-After, once on the blob upload's closing PUT and twice on the manifest PUT, are
     * transient: the push succeeds, and no manifest PUT reaches the registry before every blob PUT succeeded.
     */
    @Test
    void serverErrorsWithoutRetryAfterOnAPushAreRetriedAndTheManifestComesLast() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = TestImages.simple(src, 6, 2);
        try (RegistryClient c = client(FAST)) {
            proxy.failNext("PUT", "/blobs/uploads/", 500, null, 1);
            c.push(viaProxy("retry/nohint:1"), img.manifest(), src);
            assertTrue(proxy.log().stream().anyMatch(l -> l.startsWith("FAULT 500 PUT")), proxy.log().toString());

            proxy.failNext("PUT", "/manifests/", 502, null, 2);
            TestImages.Image other = TestImages.simple(src, 7, 2);
            recorder.clear();
            c.push(viaProxy("retry/nohint:2"), other.manifest(), src);
            List<Recorder.Call> puts = recorder.matching(x -> x.is("PUT", "/manifests/"));
            assertEquals(List.of(502, 502, 201), puts.stream().map(Recorder.Call::status).toList());
            int firstManifest = recorder.calls.indexOf(puts.get(0));
            int lastBlob = -1;
            for (int i = 0; i < recorder.calls.size(); i++) {
                Recorder.Call call = recorder.calls.get(i);
                if ((call.is("PUT", "/blobs/uploads/") || call.is("POST", "/blobs/uploads/")
                        || call.is("HEAD", "/blobs/")) && call.status() < 300) {
                    lastBlob = i;
                }
            }
            assertTrue(lastBlob >= 0 && lastBlob < firstManifest, recorder.calls.toString());

            Store dst = Store.open(tmp.resolve("dst"));
            c.pull(viaProxy("retry/nohint:2"), Platform.parse("linux/amd64"), dst);
            TestImages.assertSameBlobs(src, dst, other);
        }
    }

    /**
     * A download that stalls for longer than the read timeout fails the attempt, and the retry (through a healthy
     * connection) finishes the pull; a stall on every attempt fails with one error naming the registry.
     */
    @Test
    void aStallLongerThanTheReadTimeoutIsRetriedThenFailsClearly() throws Exception {
        Store src = Store.open(tmp.resolve("src"));
        TestImages.Image img = bigImage(src, 8);
        RegistryOptions opts = RegistryOptions.builder().dockerConfigDirectory(tmp.resolve("docker"))
                .certsDirectory(tmp.resolve("certs.d")).chunkSize(CHUNK).retryPolicy(FAST)
                .readTimeout(Duration.ofMillis(700)).interceptor(recorder).build();
        try (RegistryClient c = new RegistryClient(opts)) {
            c.push(viaProxy("retry/stall:1"), img.manifest(), src);

            proxy.stallNext("GET", "/blobs/sha256:", 1);
            Store dst = Store.open(tmp.resolve("dst"));
            c.pull(viaProxy("retry/stall:1"), Platform.parse("linux/amd64"), dst);
            TestImages.assertSameBlobs(src, dst, img);
            assertTrue(proxy.log().stream().anyMatch(l -> l.startsWith("STALL response of GET")), proxy.log().toString());

            proxy.stallNext("GET", "/blobs/sha256:", 100);
            Store dst2 = Store.open(tmp.resolve("dst2"));
            RegistryException e = assertThrows(RegistryException.class,
                    () -> c.pull(viaProxy("retry/stall:1"), Platform.parse("linux/amd64"), dst2));
            assertTrue(e.getMessage().startsWith("pull " + proxy.host() + "/retry/stall:1"), e.getMessage());
            for (Descriptor layer : img.parsed().layers()) {
                assertFalse(dst2.blobs().has(layer.digest()), "no partial layer stored under its digest");
            }
        }
    }
}
