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
        recorder.calls.clear();
        try (RegistryClient c = new RegistryClient(options)) {
            c.push(ref, img.manifest(), src);
            Store dst = Store.open(tmp.resolve("dst-" + repo.replace('/', '-')));
            PullResult p = c.pull(ref, Platform.parse("linux/amd64"), dst);
            assertEquals(img.manifest(), p.manifestDigest());
            TestImages.assertSameBlobs(src, dst, img);
        }
        onlyTheRefusedProbeWentOverPlainHttp(recorder.calls);
    }

    /**
     * A loopback registry may be asked over plain HTTP first (that is what such registries mostly speak); one that
     * speaks TLS gets nothing over plain HTTP but that probe: an unauthenticated GET /v2/, which it refuses.
     */
    static void onlyTheRefusedProbeWentOverPlainHttp(List<Recorder.Call> calls) {
        List<Recorder.Call> plain = calls.stream().filter(x -> x.scheme().equals("http")).toList();
        assertTrue(plain.size() <= 1, calls.toString());
        assertTrue(plain.stream().allMatch(x -> x.method().equals("GET") && x.path().equals("/v2/") && x.status() == 400
                && !x.authorized()), calls.toString());
    }

    /**
     * A loopback registry that speaks TLS: the plain-HTTP probe of /v2/ is refused, and the client goes on over TLS
     * with its certificate checks; without a CA for it the push fails and nothing but the probe went over plain HTTP.
     */
    @Test
    void aLoopbackTlsRegistryRefusesThePlainProbeAndIsUsedOverVerifiedTls() throws Exception {
        Path ca = TestPki.write(tmp.resolve("ca.pem"), TestPki.pem(PKI.ca));
        Store src = Store.open(tmp.resolve("probe-src"));
        TestImages.Image img = TestImages.simple(src, 11, 1);
        ImageReference ref = ImageReference.parse(REGISTRY.host() + "/tls/probe:1");
        try (RegistryClient c = new RegistryClient(options().caFile(ca).build())) {
            c.push(ref, img.manifest(), src);
        }
        assertEquals(1, recorder.calls.stream().filter(x -> x.scheme().equals("http")).count(), recorder.calls.toString());
        onlyTheRefusedProbeWentOverPlainHttp(recorder.calls);
        assertTrue(recorder.calls.stream().anyMatch(x -> x.scheme().equals("https") && x.method().equals("PUT")),
                recorder.calls.toString());
        recorder.calls.clear();
        try (RegistryClient c = new RegistryClient(options().build())) {
            assertThrows(RegistryException.class, () -> c.push(ref, img.manifest(), src));
        }
        onlyTheRefusedProbeWentOverPlainHttp(recorder.calls);
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
        onlyTheRefusedProbeWentOverPlainHttp(recorder.calls);
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
