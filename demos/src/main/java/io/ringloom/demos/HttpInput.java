package io.ringloom.demos;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One connection's input, buffered for reading HTTP/1.1 message heads: a head is
 * found by scanning the buffer for CRLF CRLF after each bulk read, and the bytes
 * after it (a body, the next pipelined request) stay buffered for the next call.
 * Before, ringhttp read a head one {@code read()} at a time from a
 * {@code BufferedInputStream}, taking its lock and a {@code ByteArrayOutputStream}'s
 * monitor per byte: a pinned profile put that at 8% of the server's CPU
 * (docs/DESIGN.md, "Socket I/O on the ring"). Used by one thread at a time.
 */
final class HttpInput extends InputStream {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    /** The length of CR LF CR LF, the end of a head. */
    private static final int HEAD_END_SIZE = 4;

    private final InputStream raw;
    /** Holds a whole head of up to {@link RingHttp#MAX_HEAD} bytes. */
    private final byte[] buf = new byte[RingHttp.MAX_HEAD];
    /** The next unread byte of {@link #buf}. */
    private int pos;
    /** The end of the buffered bytes of {@link #buf}. */
    private int limit;

    HttpInput(InputStream raw) {
        this.raw = Objects.requireNonNull(raw);
    }

    /**
     * Reads a message head up to and including its blank line (CRLF CRLF), as ISO-8859-1;
     * null at a clean EOF before its first byte.
     *
     * @throws RingHttp.BadRequest 431 for a head over {@link RingHttp#MAX_HEAD} bytes,
     *         400 at an EOF inside a head
     */
    String readHead() throws IOException {
        int from = pos;   // no head end starts before this
        while (true) {
            int end = headEnd(from);
            if (end >= 0) {
                String head = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
                pos = end;
                return head;
            }
            if (limit - pos == buf.length) {
                throw new RingHttp.BadRequest(431, "Request Header Fields Too Large",
                        "request head over " + RingHttp.MAX_HEAD + " bytes");
            }
            from = Math.max(pos, limit - (HEAD_END_SIZE - 1));
            if (limit == buf.length) {
                from -= pos;
                compact();
            }
            int n = raw.read(buf, limit, buf.length - limit);
            if (n < 0) {
                if (limit == pos) return null;
                throw new RingHttp.BadRequest(400, "Bad Request", "incomplete request");
            }
            limit += n;
        }
    }

    /** The index just past the first CR LF CR LF starting at or after {@code from}, or -1. */
    private int headEnd(int from) {
        for (int i = from, last = limit - HEAD_END_SIZE; i <= last; i++) {
            if (buf[i] == CR && buf[i + 1] == LF && buf[i + 2] == CR && buf[i + 3] == LF) return i + HEAD_END_SIZE;
        }
        return -1;
    }

    /** Moves the unread bytes to the front of the buffer. */
    private void compact() {
        System.arraycopy(buf, pos, buf, 0, limit - pos);
        limit -= pos;
        pos = 0;
    }

    @Override
    public int read() throws IOException {
        while (pos == limit) {
            pos = limit = 0;
            int n = raw.read(buf, 0, buf.length);
            if (n < 0) return -1;
            limit = n;
        }
        return buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        if (pos == limit) return raw.read(b, off, len);
        int n = Math.min(len, limit - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) return 0;
        if (pos == limit) return raw.skip(n);
        int k = (int) Math.min(n, limit - pos);
        pos += k;
        return k;
    }

    @Override
    public int available() throws IOException {
        return limit - pos + raw.available();
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }
}
