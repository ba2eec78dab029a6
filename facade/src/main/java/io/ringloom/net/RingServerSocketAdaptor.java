package io.ringloom.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.Set;

/**
 * {@link RingServerSocketChannel#socket()}: a {@code java.net.ServerSocket}
 * view of the channel, as the JDK's {@code ServerSocketAdaptor} is of its
 * own. Accept goes through the channel (so through the ring in blocking mode)
 * bounded by {@link #setSoTimeout}; state is the channel's; options and
 * addresses are asked of the JDK channel's own adaptor.
 */
final class RingServerSocketAdaptor extends ServerSocket {
    private final RingServerSocketChannel ch;
    /** The adaptor of the JDK channel under {@link #ch}: options and addresses only. */
    private final ServerSocket jdkSocket;
    /** SO_TIMEOUT in milliseconds (0: none); any thread may set it. */
    private volatile int timeoutMillis;

    /**
     * {@code ServerSocket} insists on an impl: it gets one never created,
     * since every public method is overridden here.
     */
    RingServerSocketAdaptor(RingServerSocketChannel ch, ServerSocket jdkSocket) {
        super(new RingSocketImpl(true, null));
        this.ch = ch;
        this.jdkSocket = jdkSocket;
    }

    /** The channel's unchecked exceptions as the JDK's adaptor reports them. */
    private static RuntimeException rethrow(RuntimeException e) throws SocketException {
        String message;
        if (e instanceof AlreadyBoundException) message = "Already bound";
        else if (e instanceof NotYetBoundException) message = "Socket is not bound yet";
        else if (e instanceof UnresolvedAddressException) message = "Unresolved address";
        else if (e instanceof UnsupportedAddressTypeException) message = "Unsupported address type";
        else return e;
        SocketException se = new SocketException(message);
        se.initCause(e);
        throw se;
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        bind(local, 50);
    }

    @Override
    public void bind(SocketAddress local, int backlog) throws IOException {
        try {
            ch.bind(local, backlog);
        } catch (RuntimeException e) {
            throw rethrow(e);
        }
    }

    @Override
    public InetAddress getInetAddress() {
        return jdkSocket.getInetAddress();
    }

    @Override
    public int getLocalPort() {
        return jdkSocket.getLocalPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return jdkSocket.getLocalSocketAddress();
    }

    @Override
    public Socket accept() throws IOException {
        try {
            if (!ch.isBlocking()) throw new IllegalBlockingModeException();
            return ch.accept(timeoutMillis).socket();
        } catch (RuntimeException e) {
            throw rethrow(e);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    @Override
    public ServerSocketChannel getChannel() {
        return ch;
    }

    @Override
    public boolean isBound() {
        return jdkSocket.isBound();
    }

    @Override
    public boolean isClosed() {
        return !ch.isOpen();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        if (!ch.isOpen()) throw new SocketException("Socket is closed");
        if (timeout < 0) throw new IllegalArgumentException("timeout < 0");
        timeoutMillis = timeout;
    }

    @Override
    public int getSoTimeout() throws SocketException {
        if (!ch.isOpen()) throw new SocketException("Socket is closed");
        return timeoutMillis;
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        jdkSocket.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return jdkSocket.getReuseAddress();
    }

    @Override
    public String toString() {
        return ch.isOpen() ? jdkSocket.toString() : "ServerSocket[unbound]";
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        jdkSocket.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return jdkSocket.getReceiveBufferSize();
    }

    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        jdkSocket.setPerformancePreferences(connectionTime, latency, bandwidth);
    }

    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
        if (!ch.isOpen()) throw new SocketException("Socket is closed");
        jdkSocket.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        if (!ch.isOpen()) throw new SocketException("Socket is closed");
        return jdkSocket.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return jdkSocket.supportedOptions();
    }
}
