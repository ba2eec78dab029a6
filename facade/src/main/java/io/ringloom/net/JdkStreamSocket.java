package io.ringloom.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

/**
 * A socket made where no ring can serve it (off every pool, or in fallback
 * mode): the JDK's blocking {@code SocketChannel} underneath, since plain
 * blocking syscalls would hold a virtual thread's carrier, which the JDK's
 * channel avoids with its poller. It keeps no state of its own: the JDK
 * channel's (its {@code ST_*} in {@code SocketChannelImpl}) is the state, and
 * a second copy here could only disagree with it.
 */
final class JdkStreamSocket implements StreamSocketImpl {
    /** The largest heap copy a timed read makes. */
    private static final int TIMED_READ_MAX = 64 * 1024;

    private final ChannelFront front;
    private final SocketChannel jdk;
    /** What setTcpNoDelay last set, answered without asking the JDK channel. */
    private volatile boolean tcpNoDelay;

    JdkStreamSocket(ChannelFront front, SocketChannel jdk) {
        this.front = front;
        this.jdk = jdk;
    }

    @Override
    public boolean usesRing() {
        return false;
    }

    @Override
    public void connect(InetSocketAddress address, int timeoutMillis) throws IOException {
        try {
            if (timeoutMillis > 0) jdk.socket().connect(address, timeoutMillis);
            else jdk.connect(address);
        } catch (IOException e) {
            throw front.followClose(jdk, e);
        }
    }

    @Override
    public int read(ByteBuffer dst, int timeoutMillis) throws IOException {
        try {
            if (timeoutMillis <= 0) return jdk.read(dst);
            // The JDK's channel has no read time-out; its socket adaptor's stream has.
            jdk.socket().setSoTimeout(timeoutMillis);
            byte[] b = new byte[Math.min(dst.remaining(), TIMED_READ_MAX)];
            int n = jdk.socket().getInputStream().read(b);
            if (n > 0) dst.put(b, 0, n);
            return n;
        } catch (IOException e) {
            throw front.followClose(jdk, e);
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int total = 0;
        try {
            while (src.hasRemaining()) total += jdk.write(src);
        } catch (ClosedChannelException e) {
            // Closed between two of the JDK's partial writes: for the caller this one
            // write was in progress, so the close was asynchronous to it.
            if (total > 0 && !(e instanceof AsynchronousCloseException)) {
                AsynchronousCloseException async = new AsynchronousCloseException();
                async.addSuppressed(e);
                throw front.followClose(jdk, async);
            }
            throw front.followClose(jdk, e);
        } catch (IOException e) {
            throw front.followClose(jdk, e);
        }
        return total;
    }

    @Override
    public void setTcpNoDelay(boolean on) throws IOException {
        tcpNoDelay = on;
        jdk.socket().setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() {
        return tcpNoDelay;
    }

    @Override
    public void shutdownInput() throws IOException {
        jdk.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        jdk.shutdownOutput();
    }

    @Override
    public boolean isConnected() {
        return jdk.isConnected();
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        return (InetSocketAddress) jdk.getRemoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) jdk.getLocalAddress();
    }

    @Override
    public void close() throws IOException {
        jdk.close();
    }

    @Override
    public String connectionString() {
        SocketAddress r = jdk.socket().getRemoteSocketAddress();
        return r == null ? "unconnected" : "connected to " + r;
    }
}
