package io.ringloom.net;

import io.ringloom.internal.Bracket;
import io.ringloom.internal.ConnectionResetException;
import io.ringloom.internal.FdHolder;
import io.ringloom.internal.IoDispatcher;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code SocketChannel} that {@link RingSelectorProvider} gives
 * unmodified code: in blocking mode its calls go through the ring of the
 * carrier the caller runs on (docs/DESIGN.md, "Drop-in sockets"); in
 * non-blocking mode every call is the JDK's.
 *
 * <p>A JDK {@code SocketChannel} lies underneath, always in non-blocking mode.
 * It owns the fd and the connection state the JDK keeps (bound, pending,
 * connected, shut down), so a channel switched to non-blocking mode and
 * registered with a selector ({@link RingSelector}) is simply that channel.
 * The blocking calls use its fd: a read is a ring RECV, a write SEND until all
 * is written, and a connect or a {@code finishConnect} is the JDK's
 * non-blocking call with a ring POLL_ADD for the wait between. The JDK channel
 * is closed only through {@link FdHolder}, once no ring request on its fd is
 * in flight.
 */
public final class RingSocketChannel extends SocketChannel implements DelegatingChannel {
    /** One receive or send on the fd, as {@link IoDispatcher}'s staging takes it; made once. */
    private static final IoDispatcher.SegmentIo<RingSocketChannel> RECV =
            (ch, seg, timeout) -> IoDispatcher.recv(ch.fd, ch.home, seg, (int) timeout);
    private static final IoDispatcher.SegmentIo<RingSocketChannel> SEND = (ch, seg, unused) -> ch.send(seg);
    /** A gathering write of at most this many bytes is copied into one buffer and sent as one. */
    private static final int GATHER_COPY_MAX = 256 * 1024;

    /** Non-blocking for its whole life; closed only by {@link #fd}. */
    private final SocketChannel jdk;
    /** The pool whose ring serves callers off every pool. */
    private final CarrierScheduler home;
    /** The JDK channel's fd, closed by closing that channel. */
    private final FdHolder fd;
    /** This channel's open flag and begin/end, for {@link #bracket}. */
    private final ChannelFront front = new ChannelFront(this, this::begin, this::end);
    private final Bracket bracket;
    /** Held by a read or a connect for the whole call, as SocketChannelImpl's readLock. */
    private final ReentrantLock readLock = new ReentrantLock();
    /** Held by a write or a connect for the whole call, as SocketChannelImpl's writeLock. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** A read, a write and a wait for readiness inside {@link #bracket}; made once so that a call makes no object. */
    private final Bracket.Transfer readTransfer = (buf, timeout) -> IoDispatcher.readStaged(RECV, this, buf, timeout);
    private final Bracket.Transfer writeTransfer = this::writeAll;
    private final Bracket.Transfer writable = (unused, timeout) -> awaitReady(SysCalls.POLLOUT, timeout);
    /** Set once by shutdownInput: a read then answers end-of-stream, as the JDK's does. */
    private volatile boolean inputShut;
    /** Set once by shutdownOutput: a write then throws AsynchronousCloseException, as SocketChannelImpl's does. */
    private volatile boolean outputShut;
    /** Set once a read met a reset: every later read throws "Connection reset", as SocketChannelImpl's does. */
    private volatile boolean connectionReset;
    /** {@link #socket()}'s adaptor, made on first use. */
    private volatile RingSocketAdaptor adaptor;
    /** Set by {@link #closeAsSocketImpl} before the close: it shuts the output down first. */
    private volatile boolean shutdownOutputOnClose;

    /** Over {@code jdk}, a channel of the JDK's provider: new, or one its server socket accepted. */
    RingSocketChannel(SelectorProvider provider, SocketChannel jdk, CarrierScheduler home) throws IOException {
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

    /**
     * After {@link #ensureOpen}: NotYetConnectedException unless connected. A
     * close racing the call closes the JDK channel too, which then says it is
     * not connected: the open flag is asked again, so the call ends as a
     * closed one (found by the drop-in close storm).
     */
    private void ensureConnected() throws ClosedChannelException {
        if (jdk.isConnected()) return;
        ensureOpen();
        throw new NotYetConnectedException();
    }

    /** The JDK's non-blocking call; if it closed the JDK channel (an interrupt, a failed connect), this one closes too. */
    private <T> T jdkCall(ChannelCall<T> call) throws IOException {
        try {
            return call.run();
        } catch (IOException e) {
            throw front.followClose(jdk, e);
        }
    }

    @FunctionalInterface
    interface ChannelCall<T> {
        T run() throws IOException;
    }

    // ------------------------------------------------------------- connect

    @Override
    public boolean connect(SocketAddress remote) throws IOException {
        return connect(remote, 0);
    }

    /**
     * Connects; in blocking mode waits at most {@code timeoutMillis} (0: no
     * limit, for the adaptor's {@code connect(addr, timeout)}), and any failure
     * closes the channel, as {@code SocketChannelImpl.connect} does.
     */
    boolean connect(SocketAddress remote, int timeoutMillis) throws IOException {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                if (!isBlocking()) return jdkCall(() -> jdk.connect(remote));
                ensureOpen();
                return blockingConnect(() -> jdk.connect(remote), timeoutMillis);
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public boolean finishConnect() throws IOException {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                ensureOpen();
                if (!isBlocking()) return jdkCall(jdk::finishConnect);
                if (jdk.isConnected()) return true;
                if (!jdk.isConnectionPending()) throw new NoConnectionPendingException();
                return blockingConnect(jdk::finishConnect, 0);
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    /**
     * {@code first} (the JDK's non-blocking connect or finishConnect), then
     * waits on the ring for the socket to become writable and asks
     * {@code finishConnect} again, until connected; any failure closes the channel.
     */
    private boolean blockingConnect(ChannelCall<Boolean> first, int timeoutMillis) throws IOException {
        try {
            boolean connected = jdkCall(first);
            while (!connected) {
                bracket.run("connect", writable, null, timeoutMillis);
                connected = jdkCall(jdk::finishConnect);
            }
            return true;
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** @return the ready events, or {@code -errno} ({@code -ECANCELED} when {@code timeoutMillis} ran out) */
    private long awaitReady(short events, long timeoutMillis) throws IOException {
        return IoDispatcher.awaitReady(fd, home, events, (int) timeoutMillis);
    }

    @Override
    public boolean isConnected() {
        return isOpen() && jdk.isConnected();
    }

    @Override
    public boolean isConnectionPending() {
        return isOpen() && jdk.isConnectionPending();
    }

    // ---------------------------------------------------------------- read

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        readLock.lock();
        try {
            if (!isBlocking()) {
                if (connectionReset) readable();   // what SocketChannelImpl checks first: closed, unconnected, reset
                return jdkRead(() -> jdk.read(dst));
            }
            return blockingRead(dst, 0);
        } finally {
            readLock.unlock();
        }
    }

    /**
     * A blocking read that waits at most {@code timeoutMillis} (0: no limit),
     * then throws {@code SocketTimeoutException} and leaves the channel open:
     * for the streams of the adaptor ({@code SocketChannelImpl.blockingRead}:
     * closed, unconnected, then the blocking mode) and of {@link RingSocketImpl}
     * ({@code asSocketImpl}: {@code NioSocketImpl.implRead}, which checks a reset
     * before a shut-down input, where the channel answers EOF over it).
     */
    int read(ByteBuffer dst, int timeoutMillis, boolean asSocketImpl) throws IOException {
        readLock.lock();
        try {
            ensureOpen();
            ensureConnected();
            if (!isBlocking()) throw new IllegalBlockingModeException();
            if (asSocketImpl && connectionReset) throw new SocketException("Connection reset");
            return blockingRead(dst, timeoutMillis);
        } finally {
            readLock.unlock();
        }
    }

    /** Bytes that a read would return without waiting, as the JDK's {@code available()}: 0 once input is shut down. */
    int available() throws IOException {
        ensureOpen();
        if (inputShut) return 0;
        return jdk.socket().getInputStream().available();   // FIONREAD; the JDK's adaptor answers it in any mode
    }

    private int blockingRead(ByteBuffer dst, int timeoutMillis) throws IOException {
        assert readLock.isHeldByCurrentThread();
        if (!readable()) return -1;
        if (dst.isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
        if (!dst.hasRemaining()) return 0;
        long n;
        try {
            n = bracket.run("read", readTransfer, dst, timeoutMillis);
        } catch (ConnectionResetException e) {
            connectionReset = true;
            throw new SocketException("Connection reset");
        }
        return n == 0 ? -1 : (int) n;   // 0: the peer shut down its side
    }

    /**
     * A read of the JDK channel: a reset it met is remembered here too, since
     * a read on the ring after a mode change would not see it again (the
     * kernel reports ECONNRESET once); the JDK's channel throws its own
     * "Connection reset", a plain {@code SocketException}, so it is told by
     * that message.
     */
    private <T> T jdkRead(ChannelCall<T> call) throws IOException {
        try {
            return jdkCall(call);
        } catch (SocketException e) {
            if ("Connection reset".equals(e.getMessage())) connectionReset = true;
            throw e;
        }
    }

    /**
     * The checks of {@code SocketChannelImpl.implRead} before it reads, with
     * its outcome: closed, then not connected; false when input is shut down,
     * and the read answers -1 (the JDK's {@code finally} returns EOF then, over
     * a reset and over the read-only check that comes last, in {@code IOUtil.read});
     * then a reset met before.
     */
    private boolean readable() throws IOException {
        ensureOpen();
        ensureConnected();
        if (inputShut) return false;
        if (connectionReset) throw new SocketException("Connection reset");
        return true;
    }

    /**
     * In blocking mode: one blocking read into the first buffer with room,
     * then what the socket already holds for the others without waiting,
     * which is what a scattering read promises.
     */
    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        readLock.lock();
        try {
            if (!isBlocking()) {
                if (connectionReset) readable();
                return jdkRead(() -> jdk.read(dsts, offset, length));
            }
            if (!readable()) return -1;
            for (int i = offset; i < offset + length; i++) {
                if (dsts[i].isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
            }
            int first = offset;
            while (first < offset + length && !dsts[first].hasRemaining()) first++;
            if (first == offset + length) return blockingRead(ByteBuffer.allocate(0), 0);
            ByteBuffer head = dsts[first];
            int n = blockingRead(head, 0);
            if (n <= 0 || head.hasRemaining() || first + 1 == offset + length) return n;
            int from = first + 1;
            long more;
            try {
                more = jdkRead(() -> jdk.read(dsts, from, offset + length - from));
            } catch (IOException e) {
                return n;   // the bytes read stand, as readv's would; the next read reports what this met
            }
            return more > 0 ? n + more : n;   // an EOF here is reported by the next read
        } finally {
            readLock.unlock();
        }
    }

    // --------------------------------------------------------------- write

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        writeLock.lock();
        try {
            if (!isBlocking()) return jdkCall(() -> jdk.write(src));
            return (int) blockingWrite(src);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * A blocking write of all of {@code src}, for the streams of the adaptor
     * and of {@link RingSocketImpl}, which check the blocking mode first. With
     * {@code kernelAnswersShutdown} a write after {@code shutdownOutput} goes to
     * the kernel, which answers EPIPE ("Broken pipe"), as {@code NioSocketImpl}'s does.
     */
    void writeFully(ByteBuffer src, boolean kernelAnswersShutdown) throws IOException {
        writeLock.lock();
        try {
            if (!isBlocking()) throw new IllegalBlockingModeException();
            blockingWrite(src, kernelAnswersShutdown);
        } finally {
            writeLock.unlock();
        }
    }

    private long blockingWrite(ByteBuffer src) throws IOException {
        return blockingWrite(src, false);
    }

    private long blockingWrite(ByteBuffer src, boolean kernelAnswersShutdown) throws IOException {
        assert writeLock.isHeldByCurrentThread();
        ensureOpen();
        ensureConnected();
        // SocketChannelImpl.implWrite: a write that wrote nothing once output is shut down ends so
        if (outputShut && !kernelAnswersShutdown) throw new AsynchronousCloseException();
        return bracket.run("write", writeTransfer, src, 0);
    }

    /**
     * In blocking mode writes every buffer whole, in order. Up to
     * {@link #GATHER_COPY_MAX} bytes go as one send, as the JDK's one
     * {@code writev} does: a peer that resets the connection meanwhile then
     * fails the next write, not the second buffer of this one.
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        writeLock.lock();
        try {
            if (!isBlocking()) return jdkCall(() -> jdk.write(srcs, offset, length));
            long remaining = 0;
            for (int i = offset; i < offset + length; i++) remaining += srcs[i].remaining();
            if (remaining <= GATHER_COPY_MAX) {
                ByteBuffer all = ByteBuffer.allocate((int) remaining);
                for (int i = offset; i < offset + length; i++) all.put(srcs[i].duplicate());
                long n = blockingWrite(all.flip());   // the state checks apply to an empty one too
                for (int i = offset; i < offset + length; i++) srcs[i].position(srcs[i].limit());
                return n;
            }
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                if (srcs[i].hasRemaining()) total += blockingWrite(srcs[i]);
            }
            return total;
        } finally {
            writeLock.unlock();
        }
    }

    private long writeAll(ByteBuffer src, long unused) throws IOException {
        return IoDispatcher.writeAllStaged(SEND, this, src);
    }

    private long send(MemorySegment seg) throws IOException {
        return IoDispatcher.send(fd, home, seg);
    }

    // ------------------------------------------- state, options, shutdown

    @Override
    public SocketChannel bind(SocketAddress local) throws IOException {
        ensureOpen();
        jdkCall(() -> jdk.bind(local));
        return this;
    }

    @Override
    public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
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

    /** SHUT_RD; a read blocked in the ring then sees end-of-stream. */
    @Override
    public SocketChannel shutdownInput() throws IOException {
        ensureOpen();
        jdk.shutdownInput();
        inputShut = true;
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException {
        ensureOpen();
        jdk.shutdownOutput();
        outputShut = true;
        return this;
    }

    boolean isInputOpen() {
        return !inputShut;
    }

    boolean isOutputOpen() {
        return !outputShut;
    }

    @Override
    public Socket socket() {
        RingSocketAdaptor a = adaptor;
        if (a == null) {
            synchronized (this) {
                a = adaptor;
                if (a == null) {
                    try {
                        adaptor = a = new RingSocketAdaptor(this, jdk.socket());
                    } catch (SocketException e) {
                        throw new UncheckedIOException(e);   // Socket(SocketImpl) declares it, never throws it for null
                    }
                }
            }
        }
        return a;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        return jdk.getRemoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return jdk.getLocalAddress();
    }

    /** Waits for blocking calls in progress, as SocketChannelImpl does; the JDK channel stays non-blocking. */
    @Override
    protected void implConfigureBlocking(boolean block) {
        readLock.lock();
        try {
            writeLock.lock();
            writeLock.unlock();
        } finally {
            readLock.unlock();
        }
    }

    /**
     * {@code NioSocketImpl.close}, for {@link RingSocketImpl}: a connected
     * socket whose SO_LINGER is not 0 shuts its output down before the close,
     * so the peer reads end-of-stream even when unread bytes make the close a
     * reset. It happens inside the close, once this channel is closed: a send
     * blocked meanwhile that the shutdown fails (EPIPE) ends as a close, as in
     * {@code NioSocketImpl}, whose writer is parked when the shutdown comes.
     */
    void closeAsSocketImpl() throws IOException {
        shutdownOutputOnClose = true;
        close();
    }

    /**
     * Cancels the ring requests of blocked calls (each then ends with
     * {@code AsynchronousCloseException}, or {@code ClosedByInterruptException}
     * for an interrupted caller) and closes the JDK channel once the last is
     * out of the kernel.
     */
    @Override
    protected void implCloseSelectableChannel() throws IOException {
        if (shutdownOutputOnClose && jdk.isConnected()) {
            try {
                if (jdk.getOption(StandardSocketOptions.SO_LINGER) != 0) jdk.shutdownOutput();
            } catch (IOException ignored) {
                // NioSocketImpl ignores it too: the close goes on, and is what the caller asked for
            }
        }
        fd.close();
    }

    @Override
    public String toString() {
        return isOpen() ? jdk.toString() : SocketChannel.class.getName() + "[closed]";
    }
}
