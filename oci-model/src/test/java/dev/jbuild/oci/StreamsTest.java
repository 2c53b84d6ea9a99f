package dev.jbuild.oci;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class StreamsTest {
    private static final Digest EMPTY =
            Digest.parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /** sha256("abc"), FIPS 180-2 example. */
    private static final Digest ABC =
            Digest.parse("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    private static final byte[] ABC_BYTES = "abc".getBytes(UTF_8);

    @Test
    void digestsKnownInputs() throws IOException {
        DigestingOutputStream empty = DigestingOutputStream.discarding();
        empty.close();
        assertEquals(EMPTY, empty.digest());
        assertEquals(0, empty.size());

        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (DigestingOutputStream out = new DigestingOutputStream(sink)) {
            out.write('a');
            out.write("bc".getBytes(UTF_8), 0, 2);
            assertEquals(ABC, out.digest());
            assertEquals(3, out.size());
            out.write(new byte[0]);
            assertEquals(ABC, out.digest(), "digest() may be called mid-stream and again");
            assertEquals(new Descriptor(MediaType.OCI_LAYER, ABC, 3), out.descriptor(MediaType.OCI_LAYER));
        }
        assertArrayEquals(ABC_BYTES, sink.toByteArray());
        assertEquals(Digest.sha256(new byte[0]), EMPTY);
    }

    @Test
    void digestsLargeInputLikeMessageDigest() throws IOException {
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        DigestingOutputStream out = DigestingOutputStream.discarding();
        for (int off = 0; off < big.length; off += 4093) {
            out.write(big, off, Math.min(4093, big.length - off));
        }
        assertEquals(Digest.sha256(big), out.digest());
        assertEquals(big.length, out.size());
        try (InputStream in = new VerifyingInputStream(new ByteArrayInputStream(big), Digest.sha256(big), big.length)) {
            assertArrayEquals(big, in.readAllBytes());
        }
    }

    @Test
    void verifiesMatchingContent() throws IOException {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(ABC_BYTES),
                new Descriptor(MediaType.OCI_LAYER, ABC, 3));
        assertEquals('a', in.read());
        assertFalse(in.verified());
        assertArrayEquals("bc".getBytes(UTF_8), in.readAllBytes());
        assertTrue(in.verified());
        assertEquals(-1, in.read());
        assertEquals(3, in.size());

        VerifyingInputStream empty = new VerifyingInputStream(InputStream.nullInputStream(), EMPTY, 0);
        assertEquals(-1, empty.read());
        assertTrue(empty.verified());

        VerifyingInputStream anySize = new VerifyingInputStream(new ByteArrayInputStream(ABC_BYTES), ABC, -1);
        assertArrayEquals(ABC_BYTES, anySize.readAllBytes());
        assertTrue(anySize.verified());
    }

    @Test
    void digestMismatchFailsAtEndNamingBoth() {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream("abd".getBytes(UTF_8)), ABC, 3);
        VerifyingInputStream.VerificationException e =
                assertThrows(VerifyingInputStream.VerificationException.class, in::readAllBytes);
        assertTrue(e.getMessage().contains(ABC.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(Digest.sha256("abd".getBytes(UTF_8)).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("3 bytes"), e.getMessage());
        assertEquals(ABC, e.expectedDigest());
        assertEquals(Digest.sha256("abd".getBytes(UTF_8)), e.actualDigest());
        assertThrows(IOException.class, in::read, "a failed stream keeps failing");
        assertFalse(in.verified());
    }

    @Test
    void tooFewBytesFailAtEnd() {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream("ab".getBytes(UTF_8)), ABC, 3);
        VerifyingInputStream.VerificationException e =
                assertThrows(VerifyingInputStream.VerificationException.class, in::readAllBytes);
        assertTrue(e.getMessage().contains("shorter than expected"), e.getMessage());
        assertTrue(e.getMessage().contains("(3 bytes)") && e.getMessage().contains("(2 bytes)"), e.getMessage());
        assertEquals(2, e.actualSize());
        assertEquals(3, e.expectedSize());
    }

    @Test
    void tooManyBytesFailAsSoonAsTheyArrive() throws IOException {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream("abcd".getBytes(UTF_8)), ABC, 3);
        assertEquals('a', in.read());
        assertEquals('b', in.read());
        assertEquals('c', in.read());
        VerifyingInputStream.VerificationException e =
                assertThrows(VerifyingInputStream.VerificationException.class, in::read);
        assertTrue(e.getMessage().contains("longer than expected"), e.getMessage());
        assertNull(e.actualDigest());
        assertEquals(4, e.actualSize());
    }

    @Test
    void rightDigestWrongDeclaredSizeFails() {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(ABC_BYTES), ABC, 4);
        assertThrows(VerifyingInputStream.VerificationException.class, in::readAllBytes);
    }

    @Test
    void skippedBytesAreVerifiedToo() throws IOException {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream("abd".getBytes(UTF_8)), ABC, 3);
        assertEquals(3, in.skip(3));
        assertThrows(VerifyingInputStream.VerificationException.class, in::read);

        VerifyingInputStream ok = new VerifyingInputStream(new ByteArrayInputStream(ABC_BYTES), ABC, 3);
        assertEquals(2, ok.skip(2));
        assertEquals('c', ok.read());
        assertEquals(-1, ok.read());
        assertTrue(ok.verified());
        assertFalse(ok.markSupported());
    }

    @Test
    void sha512IsVerifiedWithItsOwnAlgorithm() throws IOException {
        Digest sha512 = Digest.parse("sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(ABC_BYTES), sha512, 3);
        assertArrayEquals(ABC_BYTES, in.readAllBytes());
        assertTrue(in.verified());
    }
}
