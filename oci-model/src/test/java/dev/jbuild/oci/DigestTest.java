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

    /** Digest and Descriptor write out equals and hashCode (a record's bootstrap at first use costs start-up). */
    @Test
    void digestAndDescriptorAreEqualByEveryComponent() {
        Digest a = Digest.sha256(new byte[] {1});
        Digest b = Digest.parse(a.toString());
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        org.junit.jupiter.api.Assertions.assertNotEquals(a, Digest.sha256(new byte[] {2}));
        org.junit.jupiter.api.Assertions.assertNotEquals(a, new Digest("sha512", "0".repeat(128)));
        org.junit.jupiter.api.Assertions.assertNotEquals(a, a.toString());

        Platform linux = new Platform("linux", "amd64", null);
        Descriptor d = new Descriptor("m", a, 5, linux, java.util.Map.of("k", "v"));
        Descriptor same = new Descriptor("m", b, 5, new Platform("linux", "amd64", null),
                new java.util.HashMap<>(java.util.Map.of("k", "v")));
        assertEquals(d, same);
        assertEquals(d.hashCode(), same.hashCode());
        for (Descriptor other : java.util.List.of(new Descriptor("n", a, 5, linux, java.util.Map.of("k", "v")),
                new Descriptor("m", Digest.sha256(new byte[] {2}), 5, linux, java.util.Map.of("k", "v")),
                new Descriptor("m", a, 6, linux, java.util.Map.of("k", "v")),
                new Descriptor("m", a, 5, null, java.util.Map.of("k", "v")),
                new Descriptor("m", a, 5, linux, java.util.Map.of("k", "w")))) {
            org.junit.jupiter.api.Assertions.assertNotEquals(d, other, other.toString());
        }
        assertEquals(new Descriptor(null, null, 0), new Descriptor(null, null, 0));
    }

    @Test
    void sha512IsTheJdksAndOtherAlgorithmsAreRefused() {
        assertEquals("SHA-512", Digest.newMessageDigest("sha512").getAlgorithm());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Digest.newMessageDigest("md5"));
        assertEquals("unsupported digest algorithm: md5", e.getMessage());
    }
}
