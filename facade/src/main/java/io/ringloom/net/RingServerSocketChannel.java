package io.ringloom.net;

import io.ringloom.internal.Bracket;
import io.ringloom.internal.FdHolder;
import io.ringloom.internal.IoDispatcher;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code ServerSocketChannel} that {@link RingSelectorProvider} gives
 * unmodified code. Over a JDK {@code ServerSocketChannel} kept in non-blocking
 * mode, as {@link RingSocketChannel} is: a blocking accept takes a queued
 * connection with the JDK's non-blocking accept, and when none is queued waits
 * for one with a POLL_ADD on the ring of the carrier the caller runs on.
 * Each accepted connection is a {@link RingSocketChannel} in blocking mode.
 * In non-blocking mode every call is the JDK's (docs/DESIGN.md, "Drop-in sockets").
 */
public final class RingServerSocketChannel extends ServerSocketChannel implements DelegatingChannel {
    /** Non-blocking for its whole life; closed only by {@link #fd}. */
    private final ServerSocketChannel jdk;
    /** The pool whose ring serves callers off every pool. */
    private final CarrierScheduler home;
    /** The JDK channel's fd, closed by closing that channel. */
    private final FdHolder fd;
    private final ChannelFront front = new ChannelFront(this, this::begin, this::end);
    private final Bracket bracket;
    /** Held by an accept for its whole call. */
    private final ReentrantLock acceptLock = new ReentrantLock();
    /** A wait for a queued connection inside {@link #bracket}; made once. */
    private final Bracket.Transfer acceptable = (unused, timeout) -> awaitAcceptable(timeout);
    /** {@link #socket()}'s adaptor, made on first use. */
    private volatile RingServerSocketAdaptor adaptor;

    RingServerSocketChannel(SelectorProvider provider, ServerSocketChannel jdk, CarrierScheduler home) throws IOException {
        super(provider);
        this.jdk = jdk;
        this.home = home;
        jdk.configureBlocking(false);
        this.fd = FdHolder.closedBy(JdkChannels.fdVal(jdk), jdk::close);
        this.bracket = Bracket.forSocket(front, fd);
    }

    /**
     * The channel serves a {@code java.net} socket ({@link RingSocketImpl}):
     * from now on only a virtual thread's interrupt ends its calls, as
     * {@code NioSocketImpl}'s; a platform thread's leaves them waiting.
     */
    void interruptOnlyVirtualThreads() {
        front.interruptOnlyVirtualThreads(fd);
    }

    @Override
    public SelectableChannel jdkChannel() {
        return jdk;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) throw new ClosedChannelException();
    }

    private <T> T jdkCall(RingSocketChannel.ChannelCall<T> call) throws IOException {
        try {
            return call.run();
        } catch (IOException e) {
            throw front.followClose(jdk, e);
        }
    }

    @Override
    public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
        ensureOpen();
        jdkCall(() -> jdk.bind(local, backlog));
        return this;
    }

    @Override
    public SocketChannel accept() throws IOException {
        acceptLock.lock();
        try {
            if (!isBlocking()) {
                SocketChannel c = jdkCall(jdk::accept);
                return c == null ? null : wrap(c);
            }
            return blockingAccept(0);
        } finally {
            acceptLock.unlock();
        }
    }

    /** A blocking accept that waits at most {@code timeoutMillis} (0: no limit), for the adaptor. */
    SocketChannel accept(int timeoutMillis) throws IOException {
        acceptLock.lock();
        try {
            if (!isBlocking()) throw new IllegalBlockingModeException();
            return blockingAccept(timeoutMillis);
        } finally {
            acceptLock.unlock();
        }
    }

    private SocketChannel blockingAccept(int timeoutMillis) throws IOException {
        ensureOpen();
        while (true) {
            SocketChannel c = jdkCall(jdk::accept);   // NotYetBoundException when unbound
            if (c != null) return wrap(c);
            bracket.run("accept", acceptable, null, timeoutMillis);
        }
    }

    /** @return the ready events, or {@code -errno} ({@code -ECANCELED} when {@code timeoutMillis} ran out) */
    private long awaitAcceptable(long timeoutMillis) throws IOException {
        return IoDispatcher.awaitReady(fd, home, SysCalls.POLLIN, (int) timeoutMillis);
    }

    /** The accepted JDK channel inside a blocking {@link RingSocketChannel} served by the acceptor's pool. */
    private SocketChannel wrap(SocketChannel accepted) throws IOException {
        CarrierScheduler s = IoDispatcher.scheduler();
        try {
            return new RingSocketChannel(provider(), accepted, s != null ? s : home);
        } catch (IOException | RuntimeException e) {
            try {
                accepted.close();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    @Override
    public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        jdk.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        ensureOpen();
        return jdk.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return jdk.supportedOptions();
    }

    @Override
    public ServerSocket socket() {
        RingServerSocketAdaptor a = adaptor;
        if (a == null) {
            synchronized (this) {
                a = adaptor;
                if (a == null) adaptor = a = new RingServerSocketAdaptor(this, jdk.socket());
            }
        }
        return a;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return jdk.getLocalAddress();
    }

    /** Waits for an accept in progress, as ServerSocketChannelImpl does; the JDK channel stays non-blocking. */
    @Override
    protected void implConfigureBlocking(boolean block) {
        acceptLock.lock();
        acceptLock.unlock();
    }

    /** See {@link RingSocketChannel#implCloseSelectableChannel}. */
    @Override
    protected void implCloseSelectableChannel() throws IOException {
        fd.close();
    }

    @Override
    public String toString() {
        return isOpen() ? jdk.toString() : ServerSocketChannel.class.getName() + "[closed]";
    }
}
