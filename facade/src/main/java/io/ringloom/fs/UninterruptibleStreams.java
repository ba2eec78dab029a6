package io.ringloom.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.Objects;

/**
 * The streams of {@code Files.newInputStream} and {@code Files.newOutputStream}
 * over Ringloom's channel, uninterruptible as the JDK makes them for its own
 * channel ({@code FileSystemProvider.newInputStream} calls
 * {@code FileChannelImpl.setUninterruptible()}, after which a read or write
 * neither looks at nor clears the interrupt status and never closes the
 * channel on interrupt).
 *
 * <p>Ringloom's channel has no such mode (yet), so each call here takes the
 * interrupt status off the thread, calls the channel, and puts it back
 * ({@link Uninterruptible}): an
 * interrupt raised before the call, the common case (a thread that was
 * interrupted and then reads a file while it winds down), is kept and does not
 * close the stream. An interrupt that arrives while the call is in the
 * kernel still closes the channel ({@code ClosedByInterruptException}); only
 * an uninterruptible mode in the channel itself closes that window.
 *
 * <p>The JDK's stream ({@code sun.nio.ch.ChannelInputStream}) is matched for
 * {@code available} and {@code skip} on a file: both by size and position.
 *
 * <p>{@code Files.readAllBytes} (and so {@code readString}) sets its own
 * channel uninterruptible too; {@link #channel} is the same for Ringloom's.
 */
final class UninterruptibleStreams {
    private UninterruptibleStreams() {}

    static InputStream in(FileChannel ch) {
        return new In(ch);
    }

    static OutputStream out(FileChannel ch) {
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
            return Uninterruptible.call(() -> ch.read(buf));
        }

        @Override
        public int available() throws IOException {
            return Uninterruptible.call(() -> (int) Math.min(Integer.MAX_VALUE, Math.max(0, ch.size() - ch.position())));
        }

        @Override
        public synchronized long skip(long n) throws IOException {
            return Uninterruptible.call(() -> {
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
            });
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
            Uninterruptible.call(() -> {
                while (buf.hasRemaining()) ch.write(buf);
                return null;
            });
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** An uninterruptible view of {@code ch}, for the channel {@code Files.readAllBytes} reads. */
    static SeekableByteChannel channel(FileChannel ch) {
        return new Channel(ch);
    }

    private record Channel(FileChannel ch) implements SeekableByteChannel {
        @Override
        public int read(ByteBuffer dst) throws IOException {
            return Uninterruptible.call(() -> ch.read(dst));
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return Uninterruptible.call(() -> ch.write(src));
        }

        @Override
        public long position() throws IOException {
            return Uninterruptible.call(ch::position);
        }

        @Override
        public SeekableByteChannel position(long newPosition) throws IOException {
            Uninterruptible.call(() -> ch.position(newPosition));
            return this;
        }

        @Override
        public long size() throws IOException {
            return Uninterruptible.call(ch::size);
        }

        @Override
        public SeekableByteChannel truncate(long size) throws IOException {
            Uninterruptible.call(() -> ch.truncate(size));
            return this;
        }

        @Override
        public boolean isOpen() {
            return ch.isOpen();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
