package dev.jbuild.store;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The tar stream of a layer: POSIX ustar headers in 512-byte records, each entry's content padded to a record, two
 * zero records at the end. The bytes are those commons-compress's {@code TarArchiveOutputStream} wrote for the
 * headers {@link LayerWriter} gives (record size 512, STAR big numbers, names and link names of printable ASCII
 * under 100 bytes, empty owner names), so that layers keep their digests; {@code TarWriterTest} compares the two.
 *
 * <p>Why not commons-compress: a header cost it a name encoder, a field map and a checksum pass over objects, and
 * its first one initialised commons-io's FileTimes, whose constants initialise BigDecimal, which on JDK 25 computes
 * 5^65536 in its class initialiser (~15 ms of CPU): together half of the CPU of writing W2's 1,000-file RUN layer.
 */
final class TarWriter {
    static final int RECORD = 512;
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final long MAX_OCTAL_11 = 077777777777L;

    private final OutputStream out;
    private final byte[] header = new byte[RECORD];
    /** Content bytes the current entry's header promised and not yet written. */
    private long remaining;
    /** Content bytes of the current entry, for its padding. */
    private long size;
    private String current;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    /**
     * Writes an entry's header. {@code name} and {@code link}: printable ASCII under 100 bytes (longer or other names
     * go to a PAX record first); {@code size}: the content that follows (0 but for a file or a PAX record).
     */
    void putEntry(String name, byte type, int mode, long uid, long gid, long size, long mtime, String link,
            int devMajor, int devMinor) throws IOException {
        if (current != null) {
            throw new IllegalStateException("entry \"" + current + "\" is not closed");
        }
        byte[] h = header;
        java.util.Arrays.fill(h, (byte) 0);
        ascii(name, h, 0, 100);
        octal(mode, h, 100, 8);
        octal(uid, h, 108, 8);
        octal(gid, h, 116, 8);
        number(size, h, 124, 12);
        number(mtime, h, 136, 12);
        java.util.Arrays.fill(h, 148, 156, (byte) ' '); // the checksum counts its own field as spaces
        h[156] = type;
        ascii(link, h, 157, 100);
        ascii("ustar", h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        // owner and group names (265, 32 bytes each) stay empty
        octal(devMajor, h, 329, 8);
        octal(devMinor, h, 337, 8);
        // the prefix and the STAR times stay zero
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        // six octal digits, a NUL and a space, as ustar writers do
        octalDigits(sum, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        out.write(h);
        this.size = size;
        this.remaining = size;
        this.current = name;
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (len > remaining) {
            throw new IOException("tar entry \"" + current + "\": " + len + " bytes written past the " + size
                    + " bytes of its header");
        }
        out.write(b, off, len);
        remaining -= len;
    }

    void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    /** Ends the entry: its content must be complete; pads it to a record. */
    void closeEntry() throws IOException {
        if (remaining != 0) {
            throw new IOException("tar entry \"" + current + "\" closed with " + remaining + " of its " + size
                    + " bytes not written");
        }
        int pad = (int) ((RECORD - size % RECORD) % RECORD);
        if (pad > 0) {
            out.write(ZEROS, 0, pad);
        }
        current = null;
    }

    /** The end of the archive: two zero records. */
    void finish() throws IOException {
        if (current != null) {
            throw new IllegalStateException("entry \"" + current + "\" is not closed");
        }
        out.write(ZEROS, 0, RECORD);
        out.write(ZEROS, 0, RECORD);
    }

    private static final byte[] ZEROS = new byte[RECORD];

    private static void ascii(String s, byte[] h, int at, int length) {
        int n = Math.min(s.length(), length);
        for (int i = 0; i < n; i++) {
            h[at + i] = (byte) s.charAt(i);
        }
    }

    /** Octal digits with leading zeros, then a space: the field's last byte. */
    private static void octal(long v, byte[] h, int at, int length) {
        if (v < 0 || v > MAX_OCTAL_7) {
            throw new IllegalArgumentException("tar header field out of range: " + v);
        }
        octalDigits(v, h, at, length - 1);
        h[at + length - 1] = ' ';
    }

    /** A 12-byte number: octal when it fits 11 digits, else base-256 (the STAR/GNU form: 0x80, then big-endian). */
    private static void number(long v, byte[] h, int at, int length) {
        if (v >= 0 && v <= MAX_OCTAL_11) {
            octalDigits(v, h, at, length - 1);
            h[at + length - 1] = ' ';
            return;
        }
        if (v < 0) {
            throw new IllegalArgumentException("tar header field out of range: " + v);
        }
        for (int i = length - 1; i >= 1; i--) {
            h[at + i] = (byte) v;
            v >>>= 8;
        }
        h[at] = (byte) 0x80;
    }

    private static void octalDigits(long v, byte[] h, int at, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            h[at + i] = (byte) ('0' + (v & 7));
            v >>>= 3;
        }
    }
}
