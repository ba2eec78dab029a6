package io.ringloom.net;

import io.ringloom.internal.FdHolder;
import io.ringloom.internal.NetErrors;
import io.ringloom.internal.Poll;
import io.ringloom.internal.SockAddr;
import io.ringloom.internal.Staging;
import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.layout.KernelTimespec;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static io.ringloom.net.SocketOps.SYS;

/**
 * A TCP socket whose blocking calls go through the ring of the carrier the
 * caller runs on (connect, RECV with a linked timeout for a read time-out,
 * SEND until all is written), or through the ring of its home pool for a
 * caller off every pool. Where no ring is left (the home pool closed) the
 * same calls are plain syscalls. Which of these a call takes, and the
 * begin/acquire/release/end bracket around it, are in the section at the end
 * of this class, so that the state logic above does not depend on them.
 */
final class RingStreamSocket implements StreamSocketImpl {
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
    public boolean usesRing() {
        return true;
    }

    /**
     * The fd for a read, write or shutdown. A call racing a connect gets the
     * connecting fd, and the kernel makes it wait for the handshake; the JDK's
     * blocking channel waits for the connect on its own locks instead.
     */
    private FdHolder connectedFd() throws IOException {
        if (!front.isOpen()) throw new ClosedChannelException();
        if (state == ST_UNCONNECTED) throw new NotYetConnectedException();
        FdHolder h = fd;
        if (h == null) throw new ClosedChannelException();   // closed before any connect
        return h;
    }

    // ------------------------------------------------------------- connect

    @Override
    public void connect(InetSocketAddress address, int timeoutMillis) throws IOException {
        FdHolder h;
        synchronized (stateLock) {
            if (!front.isOpen()) throw new ClosedChannelException();
            if (state != ST_UNCONNECTED) throw new AlreadyConnectedException();
            h = new FdHolder(SocketOps.newSocket(SocketOps.scheduler(home), SockAddr.family(address)), null);
            fd = h;
            transition(ST_CONNECTING);
            if (tcpNoDelay) SocketOps.setIntOption(h.fd(), SysCalls.IPPROTO_TCP, SysCalls.TCP_NODELAY, 1);
        }
        long r = connectBlocking(h, address, timeoutMillis);
        if (r != 0) {
            front.close();
            if (r == -Errno.ECANCELED && timeoutMillis > 0) throw new SocketTimeoutException("Connect timed out");
            throw NetErrors.of((int) r, "connect");
        }
        synchronized (stateLock) {
            if (state == ST_CONNECTING) {   // else a close got in first
                remote = address;
                transition(ST_CONNECTED);
            }
        }
    }

    // ---------------------------------------------------------------- read

    @Override
    public int read(ByteBuffer dst, int timeoutMillis) throws IOException {
        readLock.lock();
        try {
            FdHolder h = connectedFd();
            if (inputShut) return -1;
            if (!dst.hasRemaining()) return 0;
            long res = readBlocking(h, dst, timeoutMillis);
            if (res > 0) return (int) res;
            if (res == 0) return -1;     // the peer shut down its side
            if (res == -Errno.ECANCELED && timeoutMillis > 0 && front.isOpen()) throw new SocketTimeoutException("Read timed out");
            if (res == -Errno.ECANCELED || res == -Errno.EINTR) throw new ClosedChannelException();
            throw NetErrors.of((int) res, "read");
        } finally {
            readLock.unlock();
        }
    }

    /** @return the kernel's result: bytes read, 0 at EOF, or {@code -errno} */
    private long readOnce(FdHolder h, ByteBuffer dst, int timeoutMillis) throws IOException {
        if (dst.isDirect()) {
            long r = recv(h, MemorySegment.ofBuffer(dst), timeoutMillis);
            if (r > 0) dst.position(dst.position() + (int) r);
            return r;
        }
        int len = Math.min(dst.remaining(), Staging.CHUNK);
        MemorySegment chunk = Staging.acquire(len);
        try {
            MemorySegment seg = chunk.asSlice(0, len);
            long r = recv(h, seg, timeoutMillis);
            if (r > 0) {
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, dst.array(), dst.arrayOffset() + dst.position(), (int) r);
                dst.position(dst.position() + (int) r);
            }
            return r;
        } finally {
            Staging.release(chunk);   // the request returned: its CQE is in
        }
    }

    // --------------------------------------------------------------- write

    @Override
    public int write(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            FdHolder h = connectedFd();
            if (outputShut) throw new ClosedChannelException();
            long n = writeBlocking(h, src);
            if (n < 0) {
                if (n == -Errno.ECANCELED || n == -Errno.EINTR) throw new ClosedChannelException();
                throw NetErrors.of((int) n, "write");
            }
            return (int) n;
        } finally {
            writeLock.unlock();
        }
    }

    /** @return bytes sent, or {@code -errno} */
    private long writeOnce(FdHolder h, ByteBuffer src) throws IOException {
        if (src.isDirect()) {
            long r = send(h, MemorySegment.ofBuffer(src));
            if (r > 0) src.position(src.position() + (int) r);
            return r;
        }
        int len = Math.min(src.remaining(), Staging.CHUNK);
        MemorySegment chunk = Staging.acquire(len);
        try {
            MemorySegment seg = chunk.asSlice(0, len);
            seg.copyFrom(MemorySegment.ofBuffer(src).asSlice(0, len));   // works for a read-only buffer too
            long r = send(h, seg);
            if (r > 0) src.position(src.position() + (int) r);
            return r;
        } finally {
            Staging.release(chunk);   // the request returned: its CQE is in
        }
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
            FdHolder h = connectedFd();
            if (!inputShut) {
                shutdown(h, SysCalls.SHUT_RD);
                inputShut = true;
            }
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        synchronized (stateLock) {
            FdHolder h = connectedFd();
            if (!outputShut) {
                shutdown(h, SysCalls.SHUT_WR);
                outputShut = true;
            }
        }
    }

    /** shutdown(2) never blocks: no ring, no bracket. */
    private static void shutdown(FdHolder h, int how) throws IOException {
        if (!h.acquire()) throw new ClosedChannelException();
        try {
            int r = SYS.shutdown(h.fd(), how);
            if (r < 0 && r != -Errno.ENOTCONN) throw NetErrors.of(r, "shutdown");
        } finally {
            h.release();
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

    /**
     * Closes the fd holder, which cancels the requests of blocked calls; each
     * of them then ends with {@code AsynchronousCloseException} from the
     * front's {@code end}. The holder is read under stateLock, which also
     * guards its creation, so a close racing a connect cannot miss it.
     */
    @Override
    public void close() throws IOException {
        FdHolder h;
        synchronized (stateLock) {
            transition(ST_CLOSING);
            h = fd;
        }
        try {
            if (h != null) h.close();
        } finally {
            synchronized (stateLock) {
                transition(ST_CLOSED);
            }
        }
    }

    @Override
    public String connectionString() {
        InetSocketAddress r = remote;
        return r == null ? "unconnected" : "connected to " + r;
    }

    // -------------------------------------------------------------------------
    // Ring or syscall, and the bracket around a blocking call. Round 2 of
    // issue 11 replaces this section with io.ringloom.internal.IoDispatcher:
    // each xxxBlocking method is one begin/acquire/release/end bracket, each
    // method below them one ring-or-syscall decision. They return the kernel's
    // result (or -errno); what it means for the socket is decided above.

    /** @return 0 when connected, else {@code -errno} ({@code -ECANCELED} on time-out) */
    private long connectBlocking(FdHolder h, InetSocketAddress address, int timeoutMillis) throws IOException {
        long r = -Errno.ECANCELED;   // if the fd is already closing: end then throws
        boolean completed = false;
        front.begin();
        try {
            if (h.acquire()) {
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment sa = SockAddr.encode(arena, address);
                    r = connect(h, sa, timeoutMillis > 0 ? linkTimeout(arena, timeoutMillis) : null);
                    completed = r == 0;
                } finally {
                    h.release();
                }
            }
        } finally {
            try {
                front.end(completed);
            } catch (IOException e) {
                front.close();
                throw e;
            }
        }
        return r;
    }

    /** @return bytes read, 0 at EOF, or {@code -errno} ({@code -ECANCELED} on time-out) */
    private long readBlocking(FdHolder h, ByteBuffer dst, int timeoutMillis) throws IOException {
        long res = -Errno.ECANCELED;
        boolean completed = false;
        front.begin();
        try {
            if (h.acquire()) {
                try {
                    res = readOnce(h, dst, timeoutMillis);
                    completed = res > 0 || res == 0 && front.isOpen();
                } finally {
                    h.release();
                }
            }
        } finally {
            front.end(completed);
        }
        return res;
    }

    /** Sends until {@code src} is empty. @return bytes sent, or {@code -errno} */
    private long writeBlocking(FdHolder h, ByteBuffer src) throws IOException {
        int total = 0;
        long n = -Errno.ECANCELED;
        boolean completed = false;
        front.begin();
        try {
            if (h.acquire()) {
                try {
                    n = 0;
                    while (src.hasRemaining()) {
                        n = writeOnce(h, src);
                        if (n < 0) break;
                        total += (int) n;
                    }
                    completed = n >= 0;
                } finally {
                    h.release();
                }
            }
        } finally {
            front.end(completed || total > 0 && front.isOpen());
        }
        return n < 0 ? n : total;
    }

    private long connect(FdHolder h, MemorySegment sa, Request linkTimeout) throws IOException {
        CarrierScheduler s = SocketOps.scheduler(home);
        if (s != null) return h.submit(s, Request.connect(h.fd(), sa), linkTimeout);
        return SYS.connect(h.fd(), sa.address(), (int) sa.byteSize());
    }

    private long recv(FdHolder h, MemorySegment seg, int timeoutMillis) throws IOException {
        CarrierScheduler s = SocketOps.scheduler(home);
        if (s != null) {
            // A non-blocking attempt first, as the JDK makes: data already queued
            // costs one syscall and no park; only an empty socket goes to the ring.
            long r = SYS.recv(h.fd(), seg.address(), seg.byteSize(), SysCalls.MSG_DONTWAIT);
            if (r != -Errno.EAGAIN) return r;
            if (timeoutMillis <= 0) return h.submit(s, Request.recv(h.fd(), seg, 0));
            try (Arena arena = Arena.ofConfined()) {
                return h.submit(s, Request.recv(h.fd(), seg, 0), linkTimeout(arena, timeoutMillis));
            }
        }
        if (!pollReady(h.fd(), SysCalls.POLLIN, timeoutMillis)) return -Errno.ECANCELED;
        long r;
        do {
            r = SYS.read(h.fd(), seg.address(), seg.byteSize());
        } while (r == -Errno.EINTR);
        return r;
    }

    /** A non-blocking attempt first; the ring only when the socket buffer is full. */
    private long send(FdHolder h, MemorySegment seg) throws IOException {
        CarrierScheduler s = SocketOps.scheduler(home);
        if (s != null) {
            long r = SYS.send(h.fd(), seg.address(), seg.byteSize(), SysCalls.MSG_DONTWAIT | SysCalls.MSG_NOSIGNAL);
            if (r != -Errno.EAGAIN) return r;
            return h.submit(s, Request.send(h.fd(), seg, SysCalls.MSG_NOSIGNAL));
        }
        long r;
        do {
            r = SYS.send(h.fd(), seg.address(), seg.byteSize(), SysCalls.MSG_NOSIGNAL);
        } while (r == -Errno.EINTR);
        return r;
    }

    private static Request linkTimeout(Arena arena, int millis) {
        return Request.linkTimeout(KernelTimespec.of(arena, TimeUnit.MILLISECONDS.toNanos(millis)));
    }

    /** Off the rings: waits for {@code events} up to the time-out; false when it ran out. */
    private static boolean pollReady(int fdVal, short events, int timeoutMillis) throws IOException {
        if (timeoutMillis <= 0) return true;
        int r;
        do {
            r = Poll.poll(fdVal, events, timeoutMillis);
        } while (r == -Errno.EINTR);
        if (r < 0) throw NetErrors.of(r, "poll");
        return r > 0;
    }
}
