package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** docker-registry over TLS with a CA and certificates made by the test (BouncyCastle). */
class TlsRegistryTest {
    static final TestPki PKI = TestPki.create("jbuild-test-ca");

    @RegisterExtension
    static final RegistryServer REGISTRY = RegistryServer.tls(PKI, false);

    @RegisterExtension
    static final RegistryServer MUTUAL = RegistryServer.tls(PKI, true);

    @TempDir
    Path tmp;

    private final Recorder recorder = new Recorder();

    private RegistryOptions.Builder options() {
        return RegistryOptions.builder().dockerConfigDirectory(tmp.resolve("docker"))
                .certsDirectory(tmp.resolve("certs.d")).interceptor(recorder)
                .retryPolicy(new RetryPolicy(2, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(10),
                        java.time.Duration.ofSeconds(5)));
    }

    private void roundTrip(RegistryOptions options, RegistryServer server, String repo) throws Exception {
        Store src = Store.open(tmp.resolve("src-" + repo.replace('/', '-')));
        TestImages.Image img = TestImages.simple(src, repo.hashCode(), 2);
        ImageReference ref = ImageReference.parse(server.host() + "/" + repo + ":1");
        try (RegistryClient c = new RegistryClient(options)) {
            c.push(ref, img.manifest(), src);
            Store dst = Store.open(tmp.resolve("dst-" + repo.replace('/', '-')));
            PullResult p = c.pull(ref, Platform.parse("linux/amd64"), dst);
            assertEquals(img.manifest(), p.manifestDigest());
            TestImages.assertSameBlobs(src, dst, img);
        }
        assertTrue(recorder.calls.stream().allMatch(x -> x.scheme().equals("https")), recorder.calls.toString());
    }

    /**
     * A memo that says plain HTTP (the registry spoke it once) for a registry that now speaks TLS: the plain request is
     * refused, the client goes back to TLS with its certificate checks, and the memo is dropped.
     */
    @Test
    void aStalePlainHttpMemoFallsBackToVerifiedTls() throws Exception {
        Path ca = TestPki.write(tmp.resolve("ca.pem"), TestPki.pem(PKI.ca));
        Path memo = Files.createDirectories(tmp.resolve("memo"));
        Path file = memo.resolve(java.net.URLEncoder.encode(REGISTRY.host(), StandardCharsets.UTF_8) + ".http");
        Files.createFile(file);
        Store src = Store.open(tmp.resolve("memo-src"));
        TestImages.Image img = TestImages.simple(src, 11, 1);
        ImageReference ref = ImageReference.parse(REGISTRY.host() + "/tls/memo:1");
        try (RegistryClient c = new RegistryClient(options().caFile(ca).endpointMemo(memo).build())) {
            c.push(ref, img.manifest(), src);
        }
        assertFalse(Files.exists(file), "the stale memo is dropped");
        assertTrue(recorder.calls.stream().filter(x -> x.scheme().equals("http")).allMatch(x -> x.path().equals("/v2/")),
                recorder.calls.toString());
        assertTrue(recorder.calls.stream().anyMatch(x -> x.scheme().equals("https") && x.method().equals("PUT")),
                recorder.calls.toString());
        // with no CA for it, the stale memo does not turn into plain HTTP either
        Files.createFile(file);
        recorder.calls.clear();
        try (RegistryClient c = new RegistryClient(options().endpointMemo(memo).build())) {
            assertThrows(RegistryException.class, () -> c.push(ref, img.manifest(), src));
        }
        assertTrue(recorder.calls.stream().noneMatch(x -> x.scheme().equals("http") && !x.path().equals("/v2/")),
                recorder.calls.toString());
    }

    @Test
    void trustsTheRegistryThroughTheCaFileOption() throws Exception {
        Path ca = TestPki.write(tmp.resolve("ca.pem"), TestPki.pem(PKI.ca));
        roundTrip(options().caFile(ca).build(), REGISTRY, "tls/cafile");
    }

    @Test
    void trustsTheRegistryThroughCertsD() throws Exception {
        TestPki.write(tmp.resolve("certs.d").resolve(REGISTRY.host()).resolve("ca.crt"), TestPki.pem(PKI.ca));
        roundTrip(options().build(), REGISTRY, "tls/certsd");
    }

    @Test
    void anUntrustedCertificateFailsClearlyAndNeverFallsBackToPlainHttp() throws Exception {
        Store dst = Store.open(tmp.resolve("dst"));
        try (RegistryClient c = new RegistryClient(options().build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.pull(
                    ImageReference.parse(REGISTRY.host() + "/tls/untrusted:1"), Platform.parse("linux/amd64"), dst));
            assertEquals(0, e.status());
            assertTrue(e.getMessage().contains("connect to " + REGISTRY.host() + " over TLS"), e.getMessage());
            assertTrue(e.getMessage().contains(tmp.resolve("certs.d").resolve(REGISTRY.host()).resolve("ca.crt")
                    .toString()), e.getMessage());
            assertTrue(e.getMessage().contains("insecure registry"), e.getMessage());
        }
        assertTrue(recorder.calls.stream().noneMatch(x -> x.scheme().equals("http")), recorder.calls.toString());
    }

    @Test
    void anInsecureRegistryIsReachedWithoutVerification() throws Exception {
        roundTrip(options().insecureRegistry(REGISTRY.host()).build(), REGISTRY, "tls/insecure");
        roundTrip(options().insecureRegistry("127.0.0.0/8").build(), REGISTRY, "tls/insecurecidr");
    }

    @Test
    void presentsTheClientCertificateOfCertsD() throws Exception {
        TestPki.Issued client = PKI.client();
        Path dir = tmp.resolve("certs.d").resolve(MUTUAL.host());
        TestPki.write(dir.resolve("ca.crt"), TestPki.pem(PKI.ca));
        TestPki.write(dir.resolve("client.cert"), TestPki.pem(client.certificate()));
        TestPki.write(dir.resolve("client.key"), TestPki.sec1Pem(client.key())); // BEGIN EC PRIVATE KEY, as openssl writes
        roundTrip(options().build(), MUTUAL, "tls/mutual");
    }

    @Test
    void withoutTheClientCertificateTheMutualTlsRegistryRefuses() throws Exception {
        TestPki.write(tmp.resolve("certs.d").resolve(MUTUAL.host()).resolve("ca.crt"), TestPki.pem(PKI.ca));
        try (RegistryClient c = new RegistryClient(options().build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.resolve(
                    ImageReference.parse(MUTUAL.host() + "/tls/nocert:1"), Platform.parse("linux/amd64")));
            assertTrue(e.getMessage().startsWith("resolve " + MUTUAL.host() + "/tls/nocert:1: connect to "
                    + MUTUAL.host()), e.getMessage());
        }
    }

    @Test
    void aClientKeyWithoutItsCertificateIsAConfigurationError() throws Exception {
        Path dir = tmp.resolve("certs.d").resolve(REGISTRY.host());
        TestPki.write(dir.resolve("ca.crt"), TestPki.pem(PKI.ca));
        TestPki.write(dir.resolve("client.key"), TestPki.pkcs8Pem(PKI.client().key().getPrivate()));
        try (RegistryClient c = new RegistryClient(options().build())) {
            RegistryException e = assertThrows(RegistryException.class, () -> c.resolve(
                    ImageReference.parse(REGISTRY.host() + "/tls/x:1"), Platform.parse("linux/amd64")));
            assertTrue(e.getMessage().contains("configure TLS for " + REGISTRY.host()), e.getMessage());
            assertTrue(e.getMessage().contains("has no certificate client.cert"), e.getMessage());
        }
        assertEquals(List.of(), recorder.calls);
    }
}
