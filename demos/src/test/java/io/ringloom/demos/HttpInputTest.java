package io.ringloom.demos;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HttpInputTest {
    /** A stream that answers each read with at most the next of {@code sizes} bytes (cycled). */
    private static final class Chunked extends InputStream {
        private final byte[] data;
        private final int[] sizes;
        private int pos;
        private int turn;

        Chunked(String data, int... sizes) {
            this.data = data.getBytes(StandardCharsets.ISO_8859_1);
            this.sizes = sizes;
        }

        @Override
        public int read() {
            return pos == data.length ? -1 : data[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == data.length) return -1;
            int n = Math.min(Math.min(len, sizes[turn++ % sizes.length]), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void headsArriveWholeWhateverTheReadsSizes() throws IOException {
        String stream = GET + "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" + GET;
        for (int[] sizes : new int[][] {{1}, {2}, {3}, {4}, {5, 1}, {7}, {1000}}) {
            HttpInput in = new HttpInput(new Chunked(stream, sizes));
            assertEquals(GET, in.readHead());
            assertEquals("POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\n", in.readHead());
            assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), in.readNBytes(3), "the body after a head stays buffered");
            assertEquals(GET, in.readHead());
            assertNull(in.readHead(), "a clean EOF between heads");
        }
    }

    @Test
    void aHeadEndsAtTheFirstBlankLine() throws IOException {
        HttpInput in = new HttpInput(new Chunked("A\r\r\n\r\r\n\r\nB\n\r\n\r\n", 1));
        assertEquals("A\r\r\n\r\r\n\r\n", in.readHead());
        assertEquals("B\n\r\n\r\n", in.readHead());
        assertNull(in.readHead());
    }

    @Test
    void manyPipelinedHeadsPastTheBufferKeepTheirBytes() throws IOException {
        Random random = new Random(42);
        StringBuilder stream = new StringBuilder();
        List<String> heads = new ArrayList<>();
        for (int i = 0; stream.length() < 10 * RingHttp.MAX_HEAD; i++) {
            String head = "GET /" + i + " HTTP/1.1\r\nX: " + "y".repeat(random.nextInt(3000)) + "\r\n\r\n";
            heads.add(head);
            stream.append(head);
        }
        HttpInput in = new HttpInput(new Chunked(stream.toString(), 4093, 1, 8192, 17));
        for (String head : heads) assertEquals(head, in.readHead());
        assertNull(in.readHead());
    }

    @Test
    void aHeadOfExactlyTheLimitIsAcceptedAndOneByteMoreIs431() throws IOException {
        String prefix = "GET / HTTP/1.1\r\nX: ";
        String exact = prefix + "a".repeat(RingHttp.MAX_HEAD - prefix.length() - 4) + "\r\n\r\n";
        assertEquals(RingHttp.MAX_HEAD, exact.length());
        // the second head fills the buffer only after the first one's bytes are moved out
        HttpInput in = new HttpInput(new Chunked(GET + exact, 1000, RingHttp.MAX_HEAD));
        assertEquals(GET, in.readHead());
        assertEquals(exact, in.readHead());

        String over = prefix + "a".repeat(RingHttp.MAX_HEAD - prefix.length() - 3) + "\r\n\r\n";
        RingHttp.BadRequest e = assertThrows(RingHttp.BadRequest.class, () -> new HttpInput(new Chunked(over, 3000)).readHead());
        assertEquals(431, e.status);
    }

    @Test
    void anEofInsideAHeadIs400() {
        RingHttp.BadRequest e = assertThrows(RingHttp.BadRequest.class,
                () -> new HttpInput(new ByteArrayInputStream("GET / HTTP/1.1\r\n\r".getBytes(StandardCharsets.US_ASCII))).readHead());
        assertEquals(400, e.status);
    }

    @Test
    void readsAndSkipsTakeBufferedBytesFirst() throws IOException {
        HttpInput in = new HttpInput(new Chunked(GET + "0123456789", 1000));
        assertEquals(GET, in.readHead());
        assertEquals(2, in.skip(2));
        assertEquals('2', in.read());
        byte[] rest = new byte[20];
        assertEquals(7, in.read(rest, 0, 20));
        assertEquals("3456789", new String(rest, 0, 7, StandardCharsets.US_ASCII));
        assertEquals(-1, in.read());
    }
}
