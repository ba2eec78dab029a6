package io.ringloom.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.Set;

/**
 * {@link RingSocketChannel#socket()}: a {@code java.net.Socket} view of the
 * channel, as the JDK's {@code SocketAdaptor} is of its own. Connect and the
 * streams go through the channel, so through the ring in blocking mode, with
 * {@link #setSoTimeout} bounding a read; state is the channel's; options and
 * addresses are asked of the JDK channel's own adaptor, which answers them in
 * any blocking mode.
 */
final class RingSocketAdaptor extends Socket {
    private final RingSocketChannel ch;
    /** The adaptor of the JDK channel under {@link #ch}: options and addresses only. */
    private final Socket jdkSocket;
    /** SO_TIMEOUT in milliseconds (0: none); any thread may set it. */
    private volatile int timeoutMillis;

    /** With no {@code SocketImpl}: every public method of {@code Socket} is overridden, so none is asked for. */
    RingSocketAdaptor(RingSocketChannel ch, Socket jdkSocket) throws SocketException {
        super((java.net.SocketImpl) null);
        this.ch = ch;
        this.jdkSocket = jdkSocket;
    }

    /** The channel's unchecked exceptions as the JDK's adaptor reports them ({@code Net.translateException}). */
    private static SocketException asSocketException(RuntimeException e) {
        String message;
        if (e instanceof AlreadyConnectedException) message = "Already connected";
        else if (e instanceof AlreadyBoundException) message = "Already bound";
        else if (e instanceof ConnectionPendingException) message = "Connection in progress";
        else if (e instanceof UnresolvedAddressException) message = "Unresolved address";
        else if (e instanceof UnsupportedAddressTypeException) message = "Unsupported address type";
        else if (e instanceof java.nio.channels.NotYetConnectedException) message = "Socket is not connected";
        else return null;
        SocketException se = new SocketException(message);
        se.initCause(e);
        return se;
    }

    private static RuntimeException rethrow(RuntimeException e) throws SocketException {
        SocketException se = asSocketException(e);
        if (se != null) throw se;
        return e;
    }

    @Override
    public void connect(SocketAddress remote) throws IOException {
        connect(remote, 0);
    }

    @Override
    public void connect(SocketAddress remote, int timeout) throws IOException {
        if (remote == null) throw new IllegalArgumentException("connect: The address can't be null");
        if (timeout < 0) throw new IllegalArgumentException("connect: timeout can't be negative");
        try {
            if (!ch.isBlocking()) throw new java.nio.channels.IllegalBlockingModeException();
            ch.connect(remote, timeout);
        } catch (RuntimeException e) {
            throw rethrow(e);
        }
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        try {
            ch.bind(local);
        } catch (RuntimeException e) {
            throw rethrow(e);
        }
    }

    @Override
    public InetAddress getInetAddress() {
        return jdkSocket.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return jdkSocket.getLocalAddress();
    }

    @Override
    public int getPort() {
        return jdkSocket.getPort();
    }

    @Override
    public int getLocalPort() {
        return jdkSocket.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return jdkSocket.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return jdkSocket.getLocalSocketAddress();
    }

    @Override
    public SocketChannel getChannel() {
        return ch;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        if (!ch.isOpen()) throw new SocketException("Socket is closed");
        if (!ch.isConnected()) throw new SocketException("Socket is not connected");
        if (!ch.isInputOpen()) throw new SocketException("Socket input is shutdown");
        return ChannelStreams.in(ch, () -> timeoutMillis, ChannelStreams.AS_CHANNEL);
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        if (!ch.isOpen()) throw new SocketException("Socket is closed");
        if (!ch.isConnected()) throw new SocketException("Socket is not connected");
        if (!ch.isOutputOpen()) throw new SocketException("Socket output is shutdown");
        return ChannelStreams.out(ch, ChannelStreams.AS_CHANNEL);
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
    public void setTcpNoDelay(boolean on) throws SocketException {
        jdkSocket.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return jdkSocket.getTcpNoDelay();
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        jdkSocket.setSoLinger(on, linger);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return jdkSocket.getSoLinger();
    }

    @Override
    public void sendUrgentData(int data) throws IOException {
        jdkSocket.sendUrgentData(data);
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        jdkSocket.setOOBInline(on);
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        return jdkSocket.getOOBInline();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        jdkSocket.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return jdkSocket.getSendBufferSize();
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
    public void setKeepAlive(boolean on) throws SocketException {
        jdkSocket.setKeepAlive(on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return jdkSocket.getKeepAlive();
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        jdkSocket.setTrafficClass(tc);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return jdkSocket.getTrafficClass();
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
    public void close() throws IOException {
        ch.close();
    }

    @Override
    public void shutdownInput() throws IOException {
        try {
            ch.shutdownInput();
        } catch (RuntimeException e) {
            throw rethrow(e);
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        try {
            ch.shutdownOutput();
        } catch (RuntimeException e) {
            throw rethrow(e);
        }
    }

    @Override
    public String toString() {
        return ch.isOpen() ? jdkSocket.toString() : "Socket[unconnected]";
    }

    @Override
    public boolean isConnected() {
        return ch.isConnected();
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
    public boolean isInputShutdown() {
        return !ch.isInputOpen();
    }

    @Override
    public boolean isOutputShutdown() {
        return !ch.isOutputOpen();
    }

    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        jdkSocket.setPerformancePreferences(connectionTime, latency, bandwidth);
    }

    @Override
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
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
