package io.ringloom.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * The byte streams of a {@link RingSocketChannel} in blocking mode, with a
 * read time-out: for its socket adaptor ({@code SocketChannel.socket()}),
 * which throws the channel's exceptions as the JDK's adaptor does, and for
 * {@link RingSocketImpl} ({@code java.net.Socket}), which throws what
 * {@code NioSocketImpl} throws ({@link #forSocketImpl}).
 */
final class ChannelStreams {
    private ChannelStreams() {}

    /** How a stream reports an exception of the channel. */
    @FunctionalInterface
    interface Translation {
        IOException apply(IOException e);
    }

    /** The channel's own exceptions, as {@code sun.nio.ch.SocketInputStream} throws them. */
    static final Translation AS_CHANNEL = e -> e;

    /**
     * {@code NioSocketImpl}'s: an interrupt is an {@link InterruptedIOException},
     * which {@code java.net.Socket} turns into "Closed by interrupt" (closing the
     * socket) for a virtual thread; a close, before or during the call, is
     * "Socket closed"; any other {@code IOException} that is not a
     * {@code SocketException} (a write's "Broken pipe") becomes one with its
     * message ({@code NioSocketImpl.asSocketException}).
     */
    static final Translation AS_SOCKET_IMPL = ChannelStreams::forSocketImpl;

    static IOException forSocketImpl(IOException e) {
        IOException t;
        if (e instanceof ClosedByInterruptException) {
            t = new InterruptedIOException();
        } else if (e instanceof AsynchronousCloseException || e instanceof ClosedChannelException) {
            t = new SocketException("Socket closed");
        } else if (e instanceof SocketException || e instanceof InterruptedIOException) {
            return e;
        } else {
            t = new SocketException(e.getMessage());
        }
        t.initCause(e);
        return t;
    }

    /**
     * The input stream. With {@link #AS_SOCKET_IMPL} it keeps
     * {@code NioSocketImpl}'s legacy rule: once a read answered end-of-stream,
     * every later read answers -1, even after the socket was closed.
     */
    static InputStream in(RingSocketChannel ch, IntSupplier timeoutMillis, Translation translation) {
        return new InputStream() {
            /** Set by a read that answered -1 (socket impl streams only). */
            private volatile boolean eof;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n > 0 ? one[0] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) return 0;
                boolean socketImpl = translation == AS_SOCKET_IMPL;   // NioSocketImpl's rules, not the adaptor's
                if (socketImpl && eof) return -1;
                try {
                    int n = ch.read(ByteBuffer.wrap(b, off, len), timeoutMillis.getAsInt(), socketImpl);
                    if (n < 0 && socketImpl) eof = true;
                    return n;
                } catch (IOException e) {
                    throw translation.apply(e);
                }
            }

            @Override
            public int available() throws IOException {
                try {
                    return ch.available();
                } catch (IOException e) {
                    throw translation.apply(e);
                }
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    static OutputStream out(RingSocketChannel ch, Translation translation) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                // Nothing to write: done, whatever the socket's state, as NioSocketImpl.write and
                // SocketChannelImpl.blockingWriteFully do (found by the socket fuzzing, seed 59462754129).
                if (len == 0) return;
                try {
                    ch.writeFully(ByteBuffer.wrap(b, off, len), translation == AS_SOCKET_IMPL);
                } catch (IOException e) {
                    throw translation.apply(e);
                }
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }
}
