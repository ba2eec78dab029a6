package io.ringloom.net;

import io.ringloom.internal.IoDispatcher;
import io.ringloom.rings.carrier.CarrierScheduler;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.AbstractInterruptibleChannel;

/**
 * A listening TCP socket whose {@link #accept} goes through the ring of the
 * carrier the caller runs on ({@code IORING_OP_ACCEPT}); socket creation,
 * bind and listen too where the kernel has the ops (SOCKET 5.19, BIND and
 * LISTEN 6.11), plain syscalls otherwise. {@code SO_REUSEADDR} is on, as
 * servers expect. As the JDK's {@code ServerSocketChannel}: a close while
 * {@link #accept} is blocked ends it with {@code AsynchronousCloseException},
 * an interrupt closes the socket and throws {@code ClosedByInterruptException}.
 * Created where no ring serves it (off every pool, or in fallback mode) it is
 * the JDK's {@code ServerSocketChannel} underneath, as {@link RingSocket} is.
 */
public final class RingServerSocket extends AbstractInterruptibleChannel {
    /** The backlog when none is given, as {@code ServerSocketChannel.bind} and {@code java.net.ServerSocket} use. */
    private static final int DEFAULT_BACKLOG = 50;

    /** This channel's open flag and begin/end, for the implementation. */
    private final ChannelFront front = new ChannelFront(this, this::begin, this::end);
    /** Chosen once, when the socket is made. */
    private final ListenerImpl impl;

    private RingServerSocket() throws IOException {
        CarrierScheduler home = IoDispatcher.scheduler();
        this.impl = home == null ? new JdkListener(front, ServerSocketChannel.open()) : new RingListener(front, home);
    }

    public static RingServerSocket open() throws IOException {
        return new RingServerSocket();
    }

    /** Whether accept goes through a carrier's ring (false: the JDK's channel underneath). */
    public boolean usesRing() {
        return impl.usesRing();
    }

    public RingServerSocket bind(SocketAddress address) throws IOException {
        return bind(address, 0);
    }

    /**
     * Binds and listens. A null address or port 0 picks an ephemeral port on the
     * wildcard address; {@code backlog < 1} means the default (as the JDK).
     */
    public RingServerSocket bind(SocketAddress address, int backlog) throws IOException {
        InetSocketAddress isa;
        if (address == null) {
            isa = new InetSocketAddress(InetAddress.getByAddress(new byte[4]), 0);
        } else if (address instanceof InetSocketAddress a) {
            if (a.isUnresolved()) throw new UnresolvedAddressException();
            isa = a;
        } else {
            throw new UnsupportedAddressTypeException();
        }
        impl.bind(isa, backlog < 1 ? DEFAULT_BACKLOG : backlog);
        return this;
    }

    /** The bound address, or null before bind. */
    public InetSocketAddress localAddress() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        return impl.localAddress();
    }

    /** Waits for a connection; the accepted socket uses the caller's pool. */
    public RingSocket accept() throws IOException {
        return impl.accept();
    }

    @Override
    protected void implCloseChannel() throws IOException {
        impl.close();
    }

    @Override
    public String toString() {
        InetSocketAddress local = impl.localAddress();
        return "RingServerSocket[" + (isOpen() ? local == null ? "unbound" : local : "closed") + "]";
    }
}
