package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The SHA-256 hook the packaged command sets (layer-cache's NativeDigests): every sha256 goes through it. */
class DigestTest {
    @Test
    void everySha256ComesFromTheInstalledFactory() throws Exception {
        AtomicInteger made = new AtomicInteger();
        Digest.useSha256(() -> {
            made.incrementAndGet();
            return Digest.jdkSha256();
        });
        try {
            byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
            Digest expected = Digest.parse("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            assertEquals(expected, Digest.sha256(abc));
            assertEquals(1, made.get());
            assertEquals("SHA-256", Digest.newMessageDigest("sha256").getAlgorithm());
            assertEquals(2, made.get());
            try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(abc), expected, 3)) {
                in.readAllBytes();
            }
            assertEquals(3, made.get(), "VerifyingInputStream took its digest elsewhere");
            try (DigestingOutputStream out = DigestingOutputStream.discarding()) {
                out.write(abc);
                assertEquals(expected, out.digest());
            }
            assertEquals(4, made.get(), "DigestingOutputStream took its digest elsewhere");
        } finally {
            Digest.useSha256(null);
        }
        MessageDigest jdk = Digest.newSha256();
        assertSame(MessageDigest.getInstance("SHA-256").getProvider(), jdk.getProvider());
    }

    @Test
    void sha512IsTheJdksAndOtherAlgorithmsAreRefused() {
        assertEquals("SHA-512", Digest.newMessageDigest("sha512").getAlgorithm());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Digest.newMessageDigest("md5"));
        assertEquals("unsupported digest algorithm: md5", e.getMessage());
    }
}
