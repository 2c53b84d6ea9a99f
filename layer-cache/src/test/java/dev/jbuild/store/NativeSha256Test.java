package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libcrypto's SHA-256 through our JNI library against the JDK's, over lengths around the block size, split
 * updates, single bytes, clones, resets, and through Digest.newSha256. CI installs OpenSSL (.ci/run): a machine
 * without it fails here rather than quietly testing the fallback.
 */
class NativeSha256Test {
    private static MessageDigest jdk() throws Exception {
        return MessageDigest.getInstance("SHA-256", "SUN");
    }

    @Test
    void libcryptoIsUsedHere() {
        assertNull(NativeSha256.unavailableBecause());
        assertTrue(NativeDigests.nativeSha256());
    }

    @Test
    void knownVectors() {
        NativeSha256 md = new NativeSha256();
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                HexFormat.of().formatHex(md.digest()));
        assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                HexFormat.of().formatHex(md.digest(
                        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void everyLengthAroundTheBlocksAndRandomSplits() throws Exception {
        Random random = new Random(42);
        byte[] data = new byte[1 << 20];
        random.nextBytes(data);
        MessageDigest expected = jdk();
        NativeSha256 md = new NativeSha256();
        for (int len = 0; len <= 300; len++) {
            assertArrayEquals(expected.digest(java.util.Arrays.copyOfRange(data, 7, 7 + len)), digestInPieces(md,
                    data, 7, len, random), "length " + len);
        }
        for (int len : new int[] {4096, 65535, 65536, 65537, data.length - 1}) {
            expected.update(data, 1, len);
            assertArrayEquals(expected.digest(), digestInPieces(md, data, 1, len, random), "length " + len);
        }
    }

    /** Feeds data[off, off + len) as random pieces: arrays of random sizes, empty ones and single bytes. */
    private static byte[] digestInPieces(MessageDigest md, byte[] data, int off, int len, Random random) {
        int end = off + len;
        while (off < end) {
            switch (random.nextInt(4)) {
                case 0 -> md.update(data[off++]);
                case 1 -> md.update(data, off, 0);
                default -> {
                    int n = Math.min(end - off, 1 + random.nextInt(200));
                    md.update(data, off, n);
                    off += n;
                }
            }
        }
        return md.digest();
    }

    @Test
    void aCloneGoesOnIndependentlyAndResetStartsOver() throws Exception {
        byte[] a = "the first part, ".getBytes(StandardCharsets.UTF_8);
        byte[] b = "then one ending".getBytes(StandardCharsets.UTF_8);
        byte[] c = "or another".getBytes(StandardCharsets.UTF_8);
        NativeSha256 md = new NativeSha256();
        md.update(a);
        md.update((byte) '!'); // pending in Java when cloned
        MessageDigest copy = (MessageDigest) md.clone();
        md.update(b);
        copy.update(c);
        MessageDigest j = jdk();
        j.update(a);
        j.update((byte) '!');
        MessageDigest jc = (MessageDigest) j.clone();
        j.update(b);
        jc.update(c);
        assertArrayEquals(j.digest(), md.digest());
        assertArrayEquals(jc.digest(), copy.digest());

        md.update(a);
        md.update((byte) 1);
        md.reset();
        md.update(b);
        assertArrayEquals(jdk().digest(b), md.digest());
    }

    @Test
    void digestIntoABufferChecksItsSize() throws Exception {
        NativeSha256 md = new NativeSha256();
        md.update(new byte[] {1, 2, 3});
        byte[] out = new byte[40];
        assertEquals(32, md.digest(out, 5, 32));
        byte[] expected = jdk().digest(new byte[] {1, 2, 3});
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 5, 37));
        assertThrows(DigestException.class, () -> md.digest(out, 0, 31));
        assertThrows(IllegalArgumentException.class, () -> md.update(new byte[4], 3, 2));
    }

    /**
     * The first SHA-256 of a JVM loads our library, which the first time for a user is extracted and checked with
     * a SHA-256 of its own: that one must not come back to NativeSha256, which is still loading it.
     */
    @Test
    void aDigestThatLoadsTheLibraryIsNativeAndRight(@TempDir Path tmp) throws Exception {
        TestData.Result r = TestData.run(tmp, "env", "XDG_CACHE_HOME=" + tmp.resolve("cache"),
                TestData.javaExecutable().toString(), "-cp", TestData.testClasspath(), ChildMain.class.getName(),
                "sha256-first", "-");
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
        assertEquals("CLASS NativeSha256\n"
                + "DIGEST sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
                + "AVAILABLE true\n", r.stdout());
        try (var cached = Files.list(tmp.resolve("cache/jbuild/native"))) {
            assertEquals(1, cached.count(), "the library was not extracted to the fresh cache");
        }
    }

    @Test
    void installedItServesNewSha256() {
        NativeDigests.install();
        try {
            assertTrue(Digest.newSha256() instanceof NativeSha256);
            assertEquals(Digest.fromMessageDigest(Digest.jdkSha256().digest(new byte[] {7})), Digest.sha256(new byte[] {7}));
        } finally {
            Digest.useSha256(null);
        }
        assertEquals("SUN", Digest.newSha256().getProvider().getName());
    }
}
