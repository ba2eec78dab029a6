package io.ringloom.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What {@link RingSocket} runs on, chosen once when the socket is made:
 * {@link RingStreamSocket} (a carrier's ring) or {@link JdkStreamSocket} (the
 * JDK's {@code SocketChannel}, where no ring serves the socket). The front
 * checks arguments and its own open flag; an implementation does the rest and
 * throws as the JDK's blocking {@code SocketChannel} does.
 */
interface StreamSocketImpl {
    boolean usesRing();

    /** {@code address} is resolved; {@code timeoutMillis} 0 waits for ever. */
    void connect(InetSocketAddress address, int timeoutMillis) throws IOException;

    /** {@code timeoutMillis} 0 waits for ever; on time-out throws {@code SocketTimeoutException}. */
    int read(ByteBuffer dst, int timeoutMillis) throws IOException;

    /** Writes all of {@code src}. */
    int write(ByteBuffer src) throws IOException;

    void setTcpNoDelay(boolean on) throws IOException;

    boolean getTcpNoDelay();

    void shutdownInput() throws IOException;

    void shutdownOutput() throws IOException;

    /** Whether a connect completed (the front adds its open flag). */
    boolean isConnected();

    InetSocketAddress remoteAddress() throws IOException;

    InetSocketAddress localAddress() throws IOException;

    /** The front's {@code implCloseChannel}: once, after its open flag is cleared. */
    void close() throws IOException;

    /** {@code "unconnected"} or {@code "connected to "} the peer, for the front's {@code toString}. */
    String connectionString();
}
