package io.ringloom.net;

import io.ringloom.internal.Bracket;
import io.ringloom.internal.FdHolder;
import io.ringloom.internal.IoDispatcher;
import io.ringloom.internal.SockAddr;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP socket whose blocking calls go through the ring of the carrier the
 * caller runs on (connect, RECV with a linked timeout for a read time-out,
 * SEND until all is written), or through the ring of its home pool for a
 * caller off every pool; where no ring is left (the home pool closed) the
 * same calls are plain syscalls. {@link IoDispatcher} makes that choice and
 * {@link Bracket} brackets each blocking call (docs/DESIGN.md, "Dispatcher");
 * this class keeps the socket's state and says what a result means for it.
 */
final class RingStreamSocket implements StreamSocketImpl, SocketOps.StateTable {
    /*
     * Legal transitions, all under stateLock:
     *
     *  UNCONNECTED -> CONNECTING   // connect made the fd
     *   CONNECTING -> CONNECTED    // the kernel connected it
     *  UNCONNECTED -> CLOSING      // close
     *   CONNECTING -> CLOSING      // close, also after a failed or timed-out connect
     *    CONNECTED -> CLOSING      // close
     *      CLOSING -> CLOSED       // the fd holder is closing: blocked calls cancelled,
     *                              // the last one out closes the fd
     *
     * An accepted socket starts CONNECTED.
     */
    static final int ST_UNCONNECTED = 0;
    static final int ST_CONNECTING = 1;
    static final int ST_CONNECTED = 2;
    static final int ST_CLOSING = 3;
    static final int ST_CLOSED = 4;

    /** One receive or send on this socket's fd, as {@link IoDispatcher}'s staging takes it; made once. */
    private static final IoDispatcher.SegmentIo<RingStreamSocket> RECV = RingStreamSocket::recv;
    private static final IoDispatcher.SegmentIo<RingStreamSocket> SEND = RingStreamSocket::send;

    private final ChannelFront front;
    /** The pool current when this socket was made: off-pool callers hand their requests to it. */
    private final CarrierScheduler home;
    /** Held by a read for its whole call. */
    private final ReentrantLock readLock = new ReentrantLock();
    /** Held by a write for its whole call. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object stateLock = new Object();
    /** One of ST_*; written under stateLock. */
    private volatile int state;
    /** Set under stateLock with the move to CONNECTING (or at accept), never changed after. */
    private volatile FdHolder fd;
    /** The bracket of every blocking call on {@link #fd}; set with it, never changed after. */
    private volatile Bracket bracket;
    /** A read and a write inside {@link #bracket}, made once so that a call makes no object. */
    private final Bracket.Transfer readTransfer = this::readOnce;
    private final Bracket.Transfer writeTransfer = this::writeAll;
    /** The peer; set under stateLock with the move to CONNECTED (or at accept). */
    private volatile InetSocketAddress remote;
    /** Applied to the fd when connect makes it; written by setTcpNoDelay under stateLock. */
    private volatile boolean tcpNoDelay;
    /** Set once by shutdownInput, under stateLock; a read then answers end-of-stream, as the JDK's does. */
    private volatile boolean inputShut;
    /** Set once by shutdownOutput, under stateLock; a write then throws ClosedChannelException. */
    private volatile boolean outputShut;

    /** Unconnected; {@link #connect} makes its fd. */
    RingStreamSocket(ChannelFront front, CarrierScheduler home) {
        this.front = front;
        this.home = home;
        this.state = ST_UNCONNECTED;
    }

    /** An fd the kernel accepted, connected to {@code remote}. */
    RingStreamSocket(ChannelFront front, CarrierScheduler home, int fdVal, InetSocketAddress remote) {
        this.front = front;
        this.home = home;
        this.fd = new FdHolder(fdVal, null);
        this.bracket = Bracket.forSocket(front, fd);
        this.remote = remote;
        this.state = ST_CONNECTED;
    }

    static boolean isLegal(int from, int to) {
        return switch (to) {
            case ST_CONNECTING -> from == ST_UNCONNECTED;
            case ST_CONNECTED -> from == ST_CONNECTING;
            case ST_CLOSING -> from == ST_UNCONNECTED || from == ST_CONNECTING || from == ST_CONNECTED;
            case ST_CLOSED -> from == ST_CLOSING;
            default -> false;
        };
    }

    private void transition(int to) {
        assert Thread.holdsLock(stateLock);
        assert isLegal(state, to) : "socket state " + state + " -> " + to;
        state = to;
    }

    @Override
    public FdHolder moveTo(int to) {
        synchronized (stateLock) {
            transition(to);
            return fd;
        }
    }

    @Override
    public boolean usesRing() {
        return true;
    }

    /**
     * The bracket on the fd for a read, write or shutdown. A call racing a
     * connect gets the connecting fd, and the kernel makes it wait for the
     * handshake; the JDK's blocking channel waits for the connect on its own
     * locks instead.
     */
    private Bracket connectedBracket() throws IOException {
        if (!front.isOpen()) throw new ClosedChannelException();
        if (state == ST_UNCONNECTED) throw new NotYetConnectedException();
        Bracket b = bracket;
        if (b == null) throw new ClosedChannelException();   // closed before any connect
        return b;
    }

    // ------------------------------------------------------------- connect

    /** A failed or timed-out connect closes the socket, as {@code SocketChannel.connect} does. */
    @Override
    public void connect(InetSocketAddress address, int timeoutMillis) throws IOException {
        Bracket b;
        synchronized (stateLock) {
            if (!front.isOpen()) throw new ClosedChannelException();
            if (state != ST_UNCONNECTED) throw new AlreadyConnectedException();
            FdHolder h = new FdHolder(SocketOps.newSocket(IoDispatcher.scheduler(home), SockAddr.family(address)), null);
            fd = h;
            bracket = b = Bracket.forSocket(front, h);
            transition(ST_CONNECTING);
            if (tcpNoDelay) SocketOps.setIntOption(h.fd(), SysCalls.IPPROTO_TCP, SysCalls.TCP_NODELAY, 1);
        }
        try {
            b.run("connect", (unused, timeout) -> connectTo(address, (int) timeout), null, timeoutMillis);
        } catch (IOException e) {
            front.close();
            throw e;
        }
        synchronized (stateLock) {
            if (state == ST_CONNECTING) {   // else a close got in first
                remote = address;
                transition(ST_CONNECTED);
            }
        }
    }

    /** @return 0 when connected, else {@code -errno} ({@code -ECANCELED} on time-out) */
    private long connectTo(InetSocketAddress address, int timeoutMillis) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return IoDispatcher.connect(fd, home, SockAddr.encode(arena, address), timeoutMillis);
        }
    }

    // ---------------------------------------------------------------- read

    @Override
    public int read(ByteBuffer dst, int timeoutMillis) throws IOException {
        readLock.lock();
        try {
            Bracket b = connectedBracket();
            if (inputShut) return -1;
            if (!dst.hasRemaining()) return 0;
            long n = b.run("read", readTransfer, dst, timeoutMillis);
            return n == 0 ? -1 : (int) n;   // 0: the peer shut down its side
        } finally {
            readLock.unlock();
        }
    }

    /** @return bytes read, 0 at EOF, or {@code -errno} ({@code -ECANCELED} on time-out) */
    private long readOnce(ByteBuffer dst, long timeoutMillis) throws IOException {
        return IoDispatcher.readStaged(RECV, this, dst, timeoutMillis);
    }

    private long recv(MemorySegment seg, long timeoutMillis) throws IOException {
        return IoDispatcher.recv(fd, home, seg, (int) timeoutMillis);
    }

    // --------------------------------------------------------------- write

    @Override
    public int write(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            Bracket b = connectedBracket();
            if (outputShut) throw new ClosedChannelException();
            return (int) b.run("write", writeTransfer, src, 0);
        } finally {
            writeLock.unlock();
        }
    }

    private long writeAll(ByteBuffer src, long unused) throws IOException {
        return IoDispatcher.writeAllStaged(SEND, this, src);
    }

    private long send(MemorySegment seg, long unused) throws IOException {
        return IoDispatcher.send(fd, home, seg);
    }

    // ------------------------------------------- options, shutdown, close

    @Override
    public void setTcpNoDelay(boolean on) throws IOException {
        synchronized (stateLock) {
            tcpNoDelay = on;
            FdHolder h = fd;
            if (h != null) SocketOps.setIntOption(h.fd(), SysCalls.IPPROTO_TCP, SysCalls.TCP_NODELAY, on ? 1 : 0);
        }
    }

    @Override
    public boolean getTcpNoDelay() {
        return tcpNoDelay;
    }

    @Override
    public void shutdownInput() throws IOException {
        synchronized (stateLock) {
            Bracket b = connectedBracket();
            if (!inputShut) {
                b.runNonBlocking("shutdown", () -> IoDispatcher.shutdown(fd, SysCalls.SHUT_RD));
                inputShut = true;
            }
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        synchronized (stateLock) {
            Bracket b = connectedBracket();
            if (!outputShut) {
                b.runNonBlocking("shutdown", () -> IoDispatcher.shutdown(fd, SysCalls.SHUT_WR));
                outputShut = true;
            }
        }
    }

    @Override
    public boolean isConnected() {
        return state == ST_CONNECTED;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        FdHolder h = fd;
        return h == null ? null : SocketOps.localAddress(h.fd());
    }

    /** See {@link SocketOps#close}. */
    @Override
    public void close() throws IOException {
        SocketOps.close(this, ST_CLOSING, ST_CLOSED);
    }

    @Override
    public String connectionString() {
        InetSocketAddress r = remote;
        return r == null ? "unconnected" : "connected to " + r;
    }
}
