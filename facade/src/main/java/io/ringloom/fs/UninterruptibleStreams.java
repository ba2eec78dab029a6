package io.ringloom.fs;

import io.ringloom.internal.RingFileChannelImpl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * The streams of {@code Files.newInputStream} and {@code Files.newOutputStream}
 * over Ringloom's channel, made uninterruptible
 * ({@link RingFileChannelImpl#setUninterruptible()}) as the JDK's provider
 * makes its own ({@code FileChannelImpl.setUninterruptible()}):
 * an interrupt, raised before a call or while it is blocked, neither ends the
 * call nor closes the stream, and stays set; a close from another thread still
 * ends a blocked call. The streams call the channel and nothing else.
 *
 * <p>The JDK's stream ({@code sun.nio.ch.ChannelInputStream}) is matched for
 * {@code available} and {@code skip} on a file: both by size and position.
 */
final class UninterruptibleStreams {
    private UninterruptibleStreams() {}

    /** An input stream over {@code ch}, which it makes uninterruptible. */
    static InputStream in(RingFileChannelImpl ch) {
        ch.setUninterruptible();
        return new In(ch);
    }

    /** An output stream over {@code ch}, which it makes uninterruptible. */
    static OutputStream out(RingFileChannelImpl ch) {
        ch.setUninterruptible();
        return new Out(ch);
    }

    private static final class In extends InputStream {
        /** The channel read from; closed with the stream. */
        private final FileChannel ch;
        /** For read(): one byte. Guarded by this stream's monitor, as the JDK's. */
        private byte[] one;

        In(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public synchronized int read() throws IOException {
            if (one == null) one = new byte[1];
            int n = read(one, 0, 1);
            return n == 1 ? one[0] & 0xff : -1;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) return 0;
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            return ch.read(buf);
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(Integer.MAX_VALUE, Math.max(0, ch.size() - ch.position()));
        }

        @Override
        public synchronized long skip(long n) throws IOException {
            long pos = ch.position();
            long newPos;
            if (n > 0) {
                newPos = pos + n;
                long size = ch.size();
                if (newPos < 0 || newPos > size) newPos = size;
            } else {
                newPos = Long.max(pos + n, 0);
            }
            ch.position(newPos);
            return newPos - pos;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private static final class Out extends OutputStream {
        /** The channel written to; closed with the stream. */
        private final FileChannel ch;
        /** For write(int): one byte. Guarded by this stream's monitor. */
        private byte[] one;

        Out(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            if (one == null) one = new byte[1];
            one[0] = (byte) b;
            write(one, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) ch.write(buf);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
