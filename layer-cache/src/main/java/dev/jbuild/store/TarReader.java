package dev.jbuild.store;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A minimal streaming tar reader for layers: ustar, GNU (long names and links, base-256
 * numbers) and PAX (local and global headers). Unlike commons-compress's reader it keeps PAX
 * values as bytes, so binary extended attributes ({@code SCHILY.xattr.*}) survive. Paths are
 * returned raw (cleaning and validation are {@link LayerReader}'s job). GNU sparse files and
 * multi-volume archives are rejected.
 */
final class TarReader {
    /** Largest PAX / GNU long-name payload accepted (hostile archives cannot make us buffer more). */
    private static final int MAX_META = 8 * 1024 * 1024;

    /** One header, with PAX and GNU extensions applied. */
    record Header(String name, char type, long mode, long uid, long gid, Instant mtime, long size, String linkName,
            long devMajor, long devMinor, TreeMap<String, byte[]> xattrs, long offset) {}

    private final InputStream in;
    private final byte[] block = new byte[512];
    private final byte[] skipBuffer = new byte[8192];
    private final Map<String, byte[]> globalPax = new HashMap<>();
    private long offset;
    private long remaining;
    private long padding;
    private boolean ended;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** Bytes consumed so far. */
    long offset() {
        return offset;
    }

    /** The next entry, or null at the end of the archive. */
    Header next() throws IOException {
        if (ended) {
            return null;
        }
        skipRest();
        Map<String, byte[]> pax = new HashMap<>();
        String gnuLongName = null;
        String gnuLongLink = null;
        while (true) {
            long headerOffset = offset;
            if (!readBlock(true)) {
                ended = true; // end of stream without the zero blocks: accepted, as Go's archive/tar does
                return null;
            }
            if (isZero(block)) {
                ended = true;
                return null;
            }
            verifyChecksum(headerOffset);
            char type = (char) (block[156] & 0xff);
            long size = parseNumeric(124, 12, "size", headerOffset);
            if (size < 0) {
                throw new IOException("tar header at offset " + headerOffset + ": negative size");
            }
            switch (type) {
                case 'x', 'g' -> {
                    byte[] data = readMeta(size, headerOffset);
                    Map<String, byte[]> records = parsePax(data, headerOffset);
                    if (type == 'g') {
                        globalPax.putAll(records);
                        globalPax.values().removeIf(v -> v.length == 0);
                    } else {
                        pax.putAll(records);
                    }
                    continue;
                }
                case 'L' -> {
                    gnuLongName = cString(readMeta(size, headerOffset), 0, (int) size);
                    continue;
                }
                case 'K' -> {
                    gnuLongLink = cString(readMeta(size, headerOffset), 0, (int) size);
                    continue;
                }
                case 'S' -> throw new IOException("tar entry at offset " + headerOffset + ": GNU sparse files are not supported");
                case 'M' -> throw new IOException("tar entry at offset " + headerOffset + ": multi-volume archives are not supported");
                case 'V' -> {
                    remaining = size;
                    padding = pad(size);
                    skipRest();
                    continue;
                }
                default -> {
                    // a real entry
                }
            }
            Map<String, byte[]> eff = new HashMap<>(globalPax);
            eff.putAll(pax);
            eff.values().removeIf(v -> v.length == 0); // an empty value unsets the key (POSIX)
            for (String k : eff.keySet()) {
                if (k.startsWith("GNU.sparse.")) {
                    throw new IOException("tar entry at offset " + headerOffset + ": GNU sparse files are not supported");
                }
            }
            String magic = new String(block, 257, 6, StandardCharsets.US_ASCII);
            boolean gnu = magic.equals("ustar ") && block[263] == ' ';
            boolean posix = magic.equals("ustar\0");
            String name = cString(block, 0, 100);
            if (posix) {
                String prefix = cString(block, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            if (gnuLongName != null) {
                name = gnuLongName;
            }
            String link = gnuLongLink != null ? gnuLongLink : cString(block, 157, 100);
            long mode = parseNumeric(100, 8, "mode", headerOffset);
            long uid = parseNumeric(108, 8, "uid", headerOffset);
            long gid = parseNumeric(116, 8, "gid", headerOffset);
            Instant mtime = Instant.ofEpochSecond(parseNumeric(136, 12, "mtime", headerOffset));
            long devMajor = 0;
            long devMinor = 0;
            if (posix || gnu) {
                devMajor = parseNumeric(329, 8, "devmajor", headerOffset);
                devMinor = parseNumeric(337, 8, "devminor", headerOffset);
            }
            TreeMap<String, byte[]> xattrs = new TreeMap<>();
            for (Map.Entry<String, byte[]> r : eff.entrySet()) {
                String k = r.getKey();
                byte[] v = r.getValue();
                switch (k) {
                    case "path" -> name = utf8(v);
                    case "linkpath" -> link = utf8(v);
                    case "size" -> size = paxLong(k, v, headerOffset);
                    case "uid" -> uid = paxLong(k, v, headerOffset);
                    case "gid" -> gid = paxLong(k, v, headerOffset);
                    case "mtime" -> mtime = paxTime(v, headerOffset);
                    case "SCHILY.devmajor" -> devMajor = paxLong(k, v, headerOffset);
                    case "SCHILY.devminor" -> devMinor = paxLong(k, v, headerOffset);
                    default -> {
                        if (k.startsWith("SCHILY.xattr.")) {
                            xattrs.put(k.substring("SCHILY.xattr.".length()), v);
                        }
                    }
                }
            }
            for (Map.Entry<String, byte[]> r : eff.entrySet()) {
                // libarchive's form: name URL-encoded, value base64; SCHILY wins when both are present.
                if (r.getKey().startsWith("LIBARCHIVE.xattr.")) {
                    String xname = java.net.URLDecoder.decode(r.getKey().substring("LIBARCHIVE.xattr.".length()),
                            StandardCharsets.UTF_8);
                    try {
                        xattrs.putIfAbsent(xname, Base64.getDecoder().decode(r.getValue()));
                    } catch (IllegalArgumentException e) {
                        throw new IOException("tar entry at offset " + headerOffset + ": bad base64 in " + r.getKey());
                    }
                }
            }
            if (size < 0) {
                throw new IOException("tar entry \"" + name + "\" at offset " + headerOffset + ": negative size");
            }
            remaining = size;
            padding = pad(size);
            return new Header(name, type, mode, uid, gid, mtime, size, link, devMajor, devMinor, xattrs, headerOffset);
        }
    }

    /** The unread content of the current entry; reading past its end returns -1. Closing it does nothing. */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                if (remaining <= 0) {
                    return -1;
                }
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("tar archive truncated inside an entry");
                }
                remaining--;
                offset++;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (remaining <= 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("tar archive truncated inside an entry");
                }
                remaining -= n;
                offset += n;
                return n;
            }

            @Override
            public int available() throws IOException {
                return (int) Math.min(remaining, in.available());
            }
        };
    }

    private void skipRest() throws IOException {
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
    }

    private void skipFully(long n) throws IOException {
        byte[] buf = skipBuffer;
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new EOFException("tar archive truncated (" + n + " bytes missing at offset " + offset + ")");
            }
            n -= r;
            offset += r;
        }
    }

    private static long pad(long size) {
        long rem = size % 512;
        return rem == 0 ? 0 : 512 - rem;
    }

    /** Reads one 512-byte block; false at a clean end of stream (when allowed). */
    private boolean readBlock(boolean eofAllowed) throws IOException {
        int done = 0;
        while (done < 512) {
            int r = in.read(block, done, 512 - done);
            if (r < 0) {
                if (done == 0 && eofAllowed) {
                    return false;
                }
                throw new EOFException("tar archive truncated inside a header at offset " + offset);
            }
            done += r;
        }
        offset += 512;
        return true;
    }

    private byte[] readMeta(long size, long headerOffset) throws IOException {
        if (size > MAX_META) {
            throw new IOException("tar extension header at offset " + headerOffset + " is too large (" + size + " bytes)");
        }
        byte[] data = new byte[(int) size];
        int done = 0;
        while (done < data.length) {
            int r = in.read(data, done, data.length - done);
            if (r < 0) {
                throw new EOFException("tar archive truncated inside an extension header at offset " + headerOffset);
            }
            done += r;
        }
        offset += size;
        skipFully(pad(size));
        return data;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private void verifyChecksum(long headerOffset) throws IOException {
        long stored;
        try {
            stored = parseOctal(148, 8);
        } catch (NumberFormatException e) {
            throw new IOException("not a tar archive, or corrupt: bad header checksum field at offset " + headerOffset);
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < 512; i++) {
            int v = (i >= 148 && i < 156) ? ' ' : block[i];
            unsigned += v & 0xff;
            signed += (i >= 148 && i < 156) ? ' ' : block[i];
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("not a tar archive, or corrupt: bad header checksum at offset " + headerOffset);
        }
    }

    private long parseNumeric(int off, int len, String field, long headerOffset) throws IOException {
        if ((block[off] & 0x80) != 0) {
            // base-256 (GNU / star): two's complement big-endian, first byte 0x80 (positive) or 0xff (negative)
            byte[] bytes = new byte[len];
            System.arraycopy(block, off, bytes, 0, len);
            if (bytes[0] == (byte) 0x80) {
                bytes[0] = 0;
            }
            BigInteger v = new BigInteger(bytes);
            if (v.bitLength() > 63) {
                throw new IOException("tar header at offset " + headerOffset + ": " + field + " out of range");
            }
            return v.longValue();
        }
        try {
            return parseOctal(off, len);
        } catch (NumberFormatException e) {
            throw new IOException("tar header at offset " + headerOffset + ": invalid " + field + " field");
        }
    }

    private long parseOctal(int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end && (block[i] == ' ' || block[i] == 0)) {
            i++;
        }
        long v = 0;
        boolean any = false;
        for (; i < end; i++) {
            byte c = block[i];
            if (c == ' ' || c == 0) {
                break;
            }
            if (c < '0' || c > '7') {
                throw new NumberFormatException();
            }
            v = (v << 3) + (c - '0');
            any = true;
        }
        return any ? v : 0;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] v) {
        return new String(v, StandardCharsets.UTF_8);
    }

    private static long paxLong(String key, byte[] v, long headerOffset) throws IOException {
        try {
            return Long.parseLong(new String(v, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            throw new IOException("tar entry at offset " + headerOffset + ": invalid PAX " + key);
        }
    }

    private static Instant paxTime(byte[] v, long headerOffset) throws IOException {
        try {
            BigDecimal d = new BigDecimal(new String(v, StandardCharsets.US_ASCII).trim());
            BigDecimal secs = d.setScale(0, java.math.RoundingMode.FLOOR);
            long nanos = d.subtract(secs).movePointRight(9).setScale(0, java.math.RoundingMode.DOWN).longValueExact();
            return Instant.ofEpochSecond(secs.longValueExact(), nanos);
        } catch (ArithmeticException | NumberFormatException | java.time.DateTimeException e) {
            throw new IOException("tar entry at offset " + headerOffset + ": invalid PAX mtime");
        }
    }

    /** Parses {@code "<len> <key>=<value>\n"} records; values stay bytes. An empty value (kept as an empty array) unsets the key. */
    static Map<String, byte[]> parsePax(byte[] data, long headerOffset) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            if (data[pos] == 0) {
                break; // some writers pad with NULs
            }
            int sp = pos;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, pos, sp - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("tar PAX header at offset " + headerOffset + ": invalid record length");
            }
            if (len <= sp - pos + 1 || pos + len > data.length || data[pos + len - 1] != '\n') {
                throw new IOException("tar PAX header at offset " + headerOffset + ": malformed record");
            }
            int eq = sp + 1;
            while (eq < pos + len && data[eq] != '=') {
                eq++;
            }
            if (eq >= pos + len - 1) {
                throw new IOException("tar PAX header at offset " + headerOffset + ": record without '='");
            }
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, pos + len - 1);
            out.put(key, value);
            pos += len;
        }
        return out;
    }
}
