package io.ringloom.net;

import io.ringloom.internal.IoDispatcher;
import io.ringloom.rings.carrier.CarrierScheduler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.util.Objects;

/**
 * A TCP socket whose blocking calls go through the ring of the carrier the
 * caller runs on: connect, read (RECV, with a linked timeout for
 * {@link #setSoTimeout}), write (SEND until all is written), shutdown.
 * Behaves as the JDK's blocking {@code SocketChannel}: interrupt closes it and
 * throws {@code ClosedByInterruptException}; a close while a call is blocked
 * ends that call with {@code AsynchronousCloseException}. Called from a thread
 * off the pool it uses the pool it was created on.
 *
 * <p>A socket created where no ring can serve it (off every pool, or in
 * fallback mode) is the JDK's {@code SocketChannel} underneath: plain
 * blocking syscalls would hold a virtual thread's carrier, which the JDK's
 * channel avoids with its poller.
 */
public final class RingSocket extends AbstractInterruptibleChannel implements ByteChannel {
    /** This channel's open flag and begin/end, for the implementation. */
    private final ChannelFront front = new ChannelFront(this, this::begin, this::end);
    /** Chosen once, when the socket is made. */
    private final StreamSocketImpl impl;
    /** A read waits at most this long (0: no limit); any thread may set it. */
    private volatile int soTimeoutMillis;

    private RingSocket() throws IOException {
        CarrierScheduler home = IoDispatcher.scheduler();
        this.impl = home == null ? new JdkStreamSocket(front, SocketChannel.open()) : new RingStreamSocket(front, home);
    }

    /** A channel the JDK accepted (the server socket itself is a JDK one). */
    RingSocket(SocketChannel accepted) {
        this.impl = new JdkStreamSocket(front, accepted);
    }

    /** An fd accepted through a ring; off-pool callers will use the accepting caller's pool. */
    RingSocket(int fdVal, InetSocketAddress remote) {
        this.impl = new RingStreamSocket(front, IoDispatcher.scheduler(), fdVal, remote);
    }

    /** An unconnected socket; {@link #connect} makes its fd. */
    public static RingSocket open() throws IOException {
        return new RingSocket();
    }

    /** Whether this socket's calls go through a carrier's ring (false: the JDK's channel underneath). */
    public boolean usesRing() {
        return impl.usesRing();
    }

    /** A socket connected to {@code remote}. */
    public static RingSocket open(SocketAddress remote) throws IOException {
        RingSocket s = new RingSocket();
        s.connect(remote);
        return s;
    }

    public void connect(SocketAddress address) throws IOException {
        connect(address, 0);
    }

    /**
     * Connects, waiting at most {@code timeoutMillis} (0: no limit); on time-out
     * throws {@link SocketTimeoutException} and the socket is closed, as
     * {@code java.net.Socket.connect} does. A failed connect closes it too, as
     * {@code SocketChannel.connect} does.
     */
    public void connect(SocketAddress address, int timeoutMillis) throws IOException {
        Objects.requireNonNull(address, "address");
        if (timeoutMillis < 0) throw new IllegalArgumentException("timeout can't be negative");
        if (!(address instanceof InetSocketAddress isa)) throw new UnsupportedAddressTypeException();
        if (isa.isUnresolved()) throw new UnresolvedAddressException();
        if (!isOpen()) throw new ClosedChannelException();
        impl.connect(isa, timeoutMillis);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        if (dst.isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
        return impl.read(dst, soTimeoutMillis);
    }

    /** Writes all of {@code src}, as a blocking {@code SocketChannel} does. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        return impl.write(src);
    }

    /** A read waits at most this long, then throws {@link SocketTimeoutException}; the socket stays usable. */
    public void setSoTimeout(int millis) throws SocketException {
        if (millis < 0) throw new IllegalArgumentException("timeout can't be negative");
        if (!isOpen()) throw new SocketException("Socket is closed");
        soTimeoutMillis = millis;
    }

    public int getSoTimeout() {
        return soTimeoutMillis;
    }

    public void setTcpNoDelay(boolean on) throws IOException {
        if (!isOpen()) throw new SocketException("Socket is closed");
        impl.setTcpNoDelay(on);
    }

    public boolean getTcpNoDelay() {
        return impl.getTcpNoDelay();
    }

    public RingSocket shutdownInput() throws IOException {
        impl.shutdownInput();
        return this;
    }

    public RingSocket shutdownOutput() throws IOException {
        impl.shutdownOutput();
        return this;
    }

    public boolean isConnected() {
        return impl.isConnected() && isOpen();
    }

    public InetSocketAddress remoteAddress() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        return impl.remoteAddress();
    }

    public InetSocketAddress localAddress() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        return impl.localAddress();
    }

    /** Reads through this socket; a read time-out throws {@link SocketTimeoutException}. */
    public InputStream getInputStream() {
        return Channels.newInputStream(this);
    }

    /** Writes through this socket; every write is written whole. */
    public OutputStream getOutputStream() {
        return Channels.newOutputStream(this);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        impl.close();
    }

    @Override
    public String toString() {
        return "RingSocket[" + (isOpen() ? impl.connectionString() : "closed") + "]";
    }
}
