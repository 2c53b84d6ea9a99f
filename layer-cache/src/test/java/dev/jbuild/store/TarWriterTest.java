package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;
import org.junit.jupiter.api.Test;

/**
 * {@link TarWriter} against commons-compress's TarArchiveOutputStream as LayerWriter had it set up (record size 512,
 * POSIX long names, STAR big numbers, no PAX for non-ASCII names): the same bytes, entry for entry, so that a layer
 * keeps its digest.
 */
class TarWriterTest {
    private static final byte[] TYPES = {TarConstants.LF_NORMAL, TarConstants.LF_DIR, TarConstants.LF_SYMLINK,
        TarConstants.LF_LINK, TarConstants.LF_FIFO, TarConstants.LF_CHR, TarConstants.LF_BLK,
        TarConstants.LF_PAX_EXTENDED_HEADER_LC};

    /** One entry as both writers get it. */
    private record Spec(String name, byte type, int mode, long uid, long gid, byte[] content, long mtime, String link,
            int devMajor, int devMinor) {}

    @Test
    void writesWhatCommonsCompressWrote() throws IOException {
        Random r = new Random(20261123);
        for (int archive = 0; archive < 50; archive++) {
            int n = r.nextInt(40);
            Spec[] specs = new Spec[n];
            for (int i = 0; i < n; i++) {
                specs[i] = random(r);
            }
            assertArrayEquals(commons(specs), ours(specs), "archive " + archive);
        }
        assertArrayEquals(commons(), ours()); // an empty layer: the two end records
    }

    @Test
    void bigSizesAreBase256AsStarModeWroteThem() throws IOException {
        for (long size : new long[] {077777777777L, 077777777777L + 1, 8L << 30, 1L << 40, Long.MAX_VALUE}) {
            TarArchiveEntry te = entry(new Spec("big.bin", TarConstants.LF_NORMAL, 0644, 0, 0, new byte[0], 1700000000L,
                    "", 0, 0));
            te.setSize(size);
            byte[] expected = new byte[512];
            te.writeEntryHeader(expected, ZipEncodingHelper.getZipEncoding("UTF-8"), true);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new TarWriter(out).putEntry("big.bin", TarConstants.LF_NORMAL, 0644, 0, 0, size, 1700000000L, "", 0, 0);
            assertArrayEquals(expected, out.toByteArray(), "size " + size);
        }
    }

    @Test
    void refusesContentThatDoesNotMatchItsHeader() throws IOException {
        TarWriter w = new TarWriter(new ByteArrayOutputStream());
        w.putEntry("f", TarConstants.LF_NORMAL, 0644, 0, 0, 3, 0, "", 0, 0);
        assertThrows(IOException.class, () -> w.write(new byte[4]));
        w.write(new byte[2]);
        assertThrows(IOException.class, w::closeEntry);
        w.write(new byte[1]);
        w.closeEntry();
        assertThrows(IllegalArgumentException.class,
                () -> w.putEntry("g", TarConstants.LF_NORMAL, 0644, 010000000, 0, 0, 0, "", 0, 0));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter open = new TarWriter(out);
        open.putEntry("d/", TarConstants.LF_DIR, 0755, 0, 0, 0, 0, "", 0, 0);
        assertThrows(IllegalStateException.class, open::finish);
        assertEquals(512, out.size());
    }

    private static Spec random(Random r) {
        byte type = TYPES[r.nextInt(TYPES.length)];
        String alphabet = "abcxyz0189 ._-/~+=@ABCZ";
        StringBuilder name = new StringBuilder();
        int len = 1 + r.nextInt(r.nextBoolean() ? 10 : 99);
        for (int i = 0; i < len; i++) {
            name.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        if (name.charAt(name.length() - 1) == '/') {
            name.setCharAt(name.length() - 1, 'a'); // only a directory's name ends with a slash (LayerWriter's rule)
        }
        if (type == TarConstants.LF_DIR && name.length() < 99) {
            name.append('/');
        }
        StringBuilder link = new StringBuilder();
        if (type == TarConstants.LF_SYMLINK || type == TarConstants.LF_LINK) {
            int l = 1 + r.nextInt(99);
            for (int i = 0; i < l; i++) {
                link.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
        }
        boolean content = type == TarConstants.LF_NORMAL || type == TarConstants.LF_PAX_EXTENDED_HEADER_LC;
        byte[] data = new byte[content ? r.nextInt(3) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 600 : 5000) : 0];
        r.nextBytes(data);
        boolean device = type == TarConstants.LF_CHR || type == TarConstants.LF_BLK;
        return new Spec(name.toString(), type, r.nextInt(010000), r.nextInt(3) == 0 ? 0 : r.nextInt(0x200000),
                r.nextInt(3) == 0 ? 0 : r.nextInt(0x200000), data, r.nextInt(3) == 0 ? 0 : (long) (r.nextDouble() * 077777777777L),
                link.toString(), device ? r.nextInt(0x200000) : 0, device ? r.nextInt(0x200000) : 0);
    }

    private static TarArchiveEntry entry(Spec s) {
        TarArchiveEntry te = new TarArchiveEntry(s.name(), s.type(), true);
        te.setMode(s.mode());
        te.setUserId(s.uid());
        te.setGroupId(s.gid());
        te.setUserName("");
        te.setGroupName("");
        te.setLastModifiedTime(FileTime.from(java.time.Instant.ofEpochSecond(s.mtime())));
        te.setSize(s.content().length);
        te.setLinkName(s.link());
        if (s.type() == TarConstants.LF_CHR || s.type() == TarConstants.LF_BLK) {
            te.setDevMajor(s.devMajor());
            te.setDevMinor(s.devMinor());
        }
        return te;
    }

    private static byte[] commons(Spec... specs) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, TarConstants.DEFAULT_RCDSIZE, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
        tar.setAddPaxHeadersForNonAsciiNames(false);
        for (Spec s : specs) {
            tar.putArchiveEntry(entry(s));
            tar.write(s.content());
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.flush();
        return out.toByteArray();
    }

    private static byte[] ours(Spec... specs) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(out);
        for (Spec s : specs) {
            tar.putEntry(s.name(), s.type(), s.mode(), s.uid(), s.gid(), s.content().length, s.mtime(), s.link(),
                    s.devMajor(), s.devMinor());
            tar.write(s.content());
            tar.closeEntry();
        }
        tar.finish();
        return out.toByteArray();
    }
}
