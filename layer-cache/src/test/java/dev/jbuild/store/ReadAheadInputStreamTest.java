package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {
    @Test
    void givesTheSourcesBytesInOrder() throws IOException {
        Random r = new Random(7);
        for (int size : new int[] {0, 1, ReadAheadInputStream.CHUNK - 1, ReadAheadInputStream.CHUNK,
                ReadAheadInputStream.CHUNK * 3 + 17, ReadAheadInputStream.CHUNK * (ReadAheadInputStream.DEPTH + 5)}) {
            byte[] data = new byte[size];
            r.nextBytes(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), "test")) {
                // reads of every size, single bytes among them
                byte[] buf = new byte[1 + r.nextInt(100_000)];
                while (true) {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    out.write(b);
                    int n = in.read(buf, 0, 1 + r.nextInt(buf.length));
                    if (n < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                }
                assertEquals(-1, in.read());
            }
            assertArrayEquals(data, out.toByteArray(), "size " + size);
        }
    }

    @Test
    void aFailureOfTheSourceIsThrownWhereTheReaderReachesIt() throws IOException {
        IOException broken = new IOException("disk on fire");
        InputStream source = new InputStream() {
            int left = ReadAheadInputStream.CHUNK + 10;

            @Override
            public int read() throws IOException {
                if (left-- > 0) {
                    return 'x';
                }
                throw broken;
            }
        };
        try (InputStream in = new ReadAheadInputStream(source, "test")) {
            byte[] first = in.readNBytes(ReadAheadInputStream.CHUNK);
            assertEquals(ReadAheadInputStream.CHUNK, first.length, "the bytes before the failure come first");
            assertSame(broken, assertThrows(IOException.class, in::readAllBytes));
        }
    }

    @Test
    void closingStopsTheThreadThoughItsSourceHasMore() throws Exception {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'y';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 'y');
                return len;
            }
        };
        ReadAheadInputStream in = new ReadAheadInputStream(endless, "read-ahead-close-test");
        assertEquals('y', in.read());
        long start = System.nanoTime();
        in.close();
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "close returned");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("read-ahead-close-test")),
                "the thread ended");
    }
}
