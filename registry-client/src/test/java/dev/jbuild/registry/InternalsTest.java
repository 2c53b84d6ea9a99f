package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Challenges, error bodies, ranges, retry timing, loopback and insecure matching, PEM keys. */
class InternalsTest {
    @TempDir
    Path tmp;

    @Test
    void parsesChallenges() {
        Auth.Challenge c = Auth.parse(List.of("Bearer realm=\"https://auth.example.com/token\",service=\"registry"
                + ".example.com\",scope=\"repository:a/b:pull,push repository:c:pull\",error=\"insufficient_scope\""));
        assertTrue(c.bearer());
        assertEquals("https://auth.example.com/token", c.realm());
        assertEquals("registry.example.com", c.service());
        assertEquals(List.of("repository:a/b:pull,push", "repository:c:pull"), c.scopes());
        Auth.Challenge basic = Auth.parse(List.of("Basic realm=\"Registry Realm\""));
        assertTrue(basic.basic());
        assertEquals("Registry Realm", basic.realm());
        assertTrue(Auth.parse(List.of("Basic realm=x", "Bearer realm=\"r\"")).bearer(), "Bearer preferred");
        assertNull(Auth.parse(List.of("Negotiate")));
        assertEquals("a\"b", Auth.parse(List.of("Bearer realm=\"a\\\"b\"")).realm());
    }

    @Test
    void readsErrorBodies() {
        ErrorBody b = ErrorBody.parse(("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\","
                + "\"detail\":{}},{\"code\":\"DENIED\",\"message\":\"no\"}]}").getBytes(StandardCharsets.UTF_8));
        assertEquals("MANIFEST_UNKNOWN", b.code());
        assertEquals("MANIFEST_UNKNOWN: manifest unknown; DENIED: no", b.describe());
        assertEquals("invalid_grant: bad", ErrorBody.parse("{\"error\":\"invalid_grant\",\"error_description\":\"bad\"}"
                .getBytes(StandardCharsets.UTF_8)).describe());
        assertEquals("incorrect username or password", ErrorBody.parse("{\"details\":\"incorrect username or password\"}"
                .getBytes(StandardCharsets.UTF_8)).describe());
        assertEquals("upstream down", ErrorBody.parse("upstream down\nmore".getBytes(StandardCharsets.UTF_8)).describe());
        assertEquals("", ErrorBody.parse("<html><body>502</body></html>".getBytes(StandardCharsets.UTF_8)).describe());
        assertEquals("", ErrorBody.parse(new byte[0]).describe());
    }

    @Test
    void readsUploadRanges() {
        assertEquals(1048575, Pusher.rangeEnd("0-1048575"));
        assertEquals(99, Pusher.rangeEnd("bytes=0-99"));
        assertEquals(-1, Pusher.rangeEnd("0-0"), "distribution's 0-0 is read as nothing received");
        assertEquals(-1, Pusher.rangeEnd(null));
        assertEquals(-1, Pusher.rangeEnd("garbage"));
        assertEquals(-1, Pusher.rangeEnd("5-10"));
    }

    @Test
    void retryTiming() {
        RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(350), Duration.ofSeconds(10));
        assertEquals(Duration.ofMillis(100), p.backoff(1));
        assertEquals(Duration.ofMillis(200), p.backoff(2));
        assertEquals(Duration.ofMillis(350), p.backoff(3));
        assertEquals(Duration.ofMillis(350), p.backoff(10));
        assertNull(Transport.waitBefore(p, 5, System.nanoTime(), null), "no sixth attempt");
        assertEquals(Duration.ofMillis(100), Transport.waitBefore(p, 1, System.nanoTime(), null));
        RetryPolicy shortBudget = new RetryPolicy(5, Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(1));
        assertNull(Transport.waitBefore(shortBudget, 1, System.nanoTime(), null), "beyond maxElapsed");
        assertEquals(Duration.ofSeconds(3), Transport.retryAfter("3"));
        assertNull(Transport.retryAfter("soon"));
        assertNull(Transport.retryAfter(null));
        Duration d = Transport.retryAfter(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30)));
        assertTrue(d.getSeconds() >= 28 && d.getSeconds() <= 30, d.toString());
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO,
                Duration.ZERO));
    }

    @Test
    void loopbackAndInsecureRegistries() {
        assertTrue(Transport.isLoopback("localhost:5000"));
        assertTrue(Transport.isLoopback("127.0.0.1:5000"));
        assertTrue(Transport.isLoopback("127.1.2.3"));
        assertTrue(Transport.isLoopback("[::1]:5000"));
        assertFalse(Transport.isLoopback("registry.example.com"));
        assertFalse(Transport.isLoopback("10.0.0.1:5000"));
        try (Transport t = new Transport(RegistryOptions.builder().insecureRegistry("registry.example.com:5000")
                .insecureRegistry("10.0.0.0/8").insecureRegistry("http://other.example.com/").build())) {
            assertTrue(t.isInsecure("registry.example.com:5000"));
            assertFalse(t.isInsecure("registry.example.com:5001"));
            assertTrue(t.isInsecure("10.1.2.3:443"));
            assertFalse(t.isInsecure("11.1.2.3"));
            assertTrue(t.isInsecure("other.example.com"));
            assertFalse(t.isInsecure("docker.io"));
        }
        assertEquals("registry-1.docker.io", Transport.apiHost("docker.io"));
        assertEquals("ghcr.io", Transport.apiHost("ghcr.io"));
    }

    @Test
    void readsPrivateKeysInTheirUsualPemForms() throws Exception {
        KeyPair ec = TestPki.ecKey();
        PrivateKey k1 = Tls.readPrivateKey(TestPki.write(tmp.resolve("ec-pkcs8.key"), TestPki.pkcs8Pem(ec.getPrivate())));
        assertEquals(ec.getPrivate(), k1);
        PrivateKey k2 = Tls.readPrivateKey(TestPki.write(tmp.resolve("ec-sec1.key"), TestPki.sec1Pem(ec)));
        assertTrue(java.util.Arrays.equals(ec.getPrivate().getEncoded(), k2.getEncoded())
                || ((java.security.interfaces.ECPrivateKey) ec.getPrivate()).getS()
                        .equals(((java.security.interfaces.ECPrivateKey) k2).getS()));
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair rsa = g.generateKeyPair();
        PrivateKey k3 = Tls.readPrivateKey(TestPki.write(tmp.resolve("rsa.key"), TestPki.rsaPkcs1Pem(rsa)));
        assertEquals(((java.security.interfaces.RSAPrivateKey) rsa.getPrivate()).getPrivateExponent(),
                ((java.security.interfaces.RSAPrivateKey) k3).getPrivateExponent());
        assertTrue(TestPki.rsaPkcs1Pem(rsa).contains("BEGIN RSA PRIVATE KEY"));
        java.io.IOException none = assertThrows(java.io.IOException.class,
                () -> Tls.readPrivateKey(TestPki.write(tmp.resolve("none.key"), "nothing")));
        assertTrue(none.getMessage().contains("no PEM private key"), none.getMessage());
        TestPki pki = TestPki.create("x");
        assertEquals(List.of(pki.ca, pki.ca), Tls.readCertificates(TestPki.write(tmp.resolve("two.pem"),
                "comment\n" + TestPki.pem(pki.ca) + "between\n" + TestPki.pem(pki.ca))));
    }

    @Test
    void redactsEverySecretItHasSeen() {
        Redactor r = new Redactor();
        r.add(Credentials.basic("user", "pa55word"));
        r.add("eyJhbGciOiJFUzI1NiJ9.token");
        String b64 = java.util.Base64.getEncoder().encodeToString("user:pa55word".getBytes(StandardCharsets.UTF_8));
        assertEquals("a <redacted> b <redacted> c <redacted>",
                r.scrub("a pa55word b " + b64 + " c eyJhbGciOiJFUzI1NiJ9.token"));
    }
}
