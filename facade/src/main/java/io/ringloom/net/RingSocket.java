package io.ringloom.net;

import io.ringloom.internal.Dispatch;
import io.ringloom.internal.FdHolder;
import io.ringloom.internal.NetErrors;
import io.ringloom.internal.Poll;
import io.ringloom.internal.SockAddr;
import io.ringloom.internal.Staging;
import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

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
    private static final SysCalls SYS = SysCalls.get();

    /** The pool current when this socket was made: off-pool callers hand their requests to it. */
    private final CarrierScheduler home = Dispatch.scheduler();
    /** The JDK channel doing the work when no ring serves this socket; null otherwise. */
    private final SocketChannel jdk;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private volatile FdHolder fd;                   // null until connected or accepted; guarded by stateLock
    private volatile InetSocketAddress remote;      // set once connected
    private volatile int soTimeoutMillis;           // 0: none
    private volatile boolean tcpNoDelay;
    private volatile boolean inputShut;
    private volatile boolean outputShut;

    private RingSocket() throws IOException {
        this.jdk = home == null ? SocketChannel.open() : null;
    }

    private RingSocket(SocketChannel jdk) {
        this.jdk = jdk;
    }

    /** An unconnected socket; {@link #connect} makes its fd. */
    public static RingSocket open() throws IOException {
        return new RingSocket();
    }

    /** Wraps a channel the JDK accepted (the server socket itself is a JDK one). */
    static RingSocket ofJdk(SocketChannel accepted) {
        return new RingSocket(accepted);
    }

    /** Whether this socket's calls go through a carrier's ring (false: the JDK's channel underneath). */
    public boolean usesRing() {
        return jdk == null;
    }

    /** A socket connected to {@code remote}. */
    public static RingSocket open(SocketAddress remote) throws IOException {
        RingSocket s = new RingSocket();
        s.connect(remote);
        return s;
    }

    /** Wraps an fd accepted through a ring. */
    RingSocket(int fdVal, InetSocketAddress remote) {
        this.jdk = null;
        this.fd = new FdHolder(fdVal, null);
        this.remote = remote;
    }

    // ------------------------------------------------------------ dispatch

    private CarrierScheduler scheduler() {
        CarrierScheduler s = Dispatch.scheduler();
        if (s == null && home != null && !home.isClosed() && !Dispatch.forcedFallback()) s = home;
        return s;
    }

    private interface Syscall {
        long run() throws IOException;
    }

    /** One blocking request through a ring, or the syscall off the rings. */
    private long io(FdHolder h, Request req, Request timeout, Syscall syscall) throws IOException {
        CarrierScheduler s = scheduler();
        if (s != null) {
            return h.submit(s, req, timeout);
        }
        return syscall.run();
    }

    private static MemorySegment timespec(Arena arena, long millis) {
        MemorySegment ts = arena.allocate(16, 8);
        ts.set(ValueLayout.JAVA_LONG, 0, millis / 1000);
        ts.set(ValueLayout.JAVA_LONG, 8, (millis % 1000) * 1_000_000L);
        return ts;
    }

    /** Off the rings: wait for {@code events} up to the timeout; false when it ran out. */
    private static boolean pollReady(int fdVal, short events, int timeoutMillis) throws IOException {
        if (timeoutMillis <= 0) return true;
        int r;
        do {
            r = Poll.poll(fdVal, events, timeoutMillis);
        } while (r == -Errno.EINTR);
        if (r < 0) throw NetErrors.of(r, "poll");
        return r > 0;
    }

    private FdHolder fdOrThrow() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        FdHolder h = fd;
        if (h == null) throw new NotYetConnectedException();
        return h;
    }

    // ------------------------------------------------------------- connect

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
        if (jdk != null) {
            try {
                if (timeoutMillis > 0) jdk.socket().connect(isa, timeoutMillis);
                else jdk.connect(isa);
            } catch (IOException e) {
                throw followJdkClose(this, jdk, e);
            }
            remote = isa;
            return;
        }
        synchronized (stateLock) {
            if (!isOpen()) throw new ClosedChannelException();   // closed since the check above
            if (fd != null) throw new AlreadyConnectedException();
            int family = SockAddr.family(isa);
            int fdVal;
            CarrierScheduler s = scheduler();
            if (s != null && s.supports(IoUring.IORING_OP_SOCKET)) {
                fdVal = s.submitAndAwait(Request.socket(family, SysCalls.SOCK_STREAM | SysCalls.SOCK_CLOEXEC, 0));
            } else {
                fdVal = SYS.socket(family, SysCalls.SOCK_STREAM | SysCalls.SOCK_CLOEXEC, 0);
            }
            if (fdVal < 0) throw NetErrors.of(fdVal, "socket");
            fd = new FdHolder(fdVal, null);
            if (tcpNoDelay) setIntOption(fdVal, SysCalls.IPPROTO_TCP, SysCalls.TCP_NODELAY, 1);
        }
        FdHolder h = fd;
        long r = 0;
        boolean completed = false;
        begin();
        try {
            if (!h.acquire()) return;
            try (Arena arena = Arena.ofShared()) {
                MemorySegment sa = SockAddr.encode(arena, isa);
                Request timeout = timeoutMillis > 0 ? Request.linkTimeout(timespec(arena, timeoutMillis)) : null;
                r = io(h, Request.connect(h.fd(), sa), timeout, () -> SYS.connect(h.fd(), sa.address(), (int) sa.byteSize()));
                completed = r == 0;
            } finally {
                h.release();
            }
        } finally {
            try {
                end(completed);
            } catch (IOException e) {
                close();
                throw e;
            }
        }
        if (r != 0) {
            close();
            if (r == -Errno.ECANCELED && timeoutMillis > 0) throw new SocketTimeoutException("Connect timed out");
            throw NetErrors.of((int) r, "connect");
        }
        remote = isa;
    }

    // ---------------------------------------------------------------- read

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        if (dst.isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
        if (jdk != null) return jdkRead(dst);
        readLock.lock();
        try {
            FdHolder h = fdOrThrow();
            if (inputShut) return -1;
            if (!dst.hasRemaining()) return 0;
            int timeout = soTimeoutMillis;
            long res = 0;
            boolean completed = false;
            begin();
            try {
                if (!h.acquire()) return 0;
                try {
                    res = readOnce(h, dst, timeout);
                    completed = res > 0 || res == 0 && isOpen();
                } finally {
                    h.release();
                }
            } finally {
                end(completed);
            }
            if (res > 0) return (int) res;
            if (res == 0) return -1;     // the peer shut down its side
            if (res == -Errno.ECANCELED && timeout > 0 && isOpen()) throw new SocketTimeoutException("Read timed out");
            if (res == -Errno.ECANCELED || res == -Errno.EINTR) throw new ClosedChannelException();
            throw NetErrors.of((int) res, "read");
        } finally {
            readLock.unlock();
        }
    }

    private int jdkRead(ByteBuffer dst) throws IOException {
        try {
            int timeout = soTimeoutMillis;
            if (timeout <= 0) return jdk.read(dst);
            // The JDK's channel has no read time-out; its socket adaptor's stream has.
            jdk.socket().setSoTimeout(timeout);
            byte[] b = new byte[Math.min(dst.remaining(), 64 * 1024)];
            int n = jdk.socket().getInputStream().read(b);
            if (n > 0) dst.put(b, 0, n);
            return n;
        } catch (IOException e) {
            throw followJdkClose(this, jdk, e);
        }
    }

    /**
     * {@code e} came from the JDK channel under {@code self}. If that channel
     * closed itself (an interrupt, or a close racing the call), {@code self}
     * closes too, so that {@code isOpen()} tells the truth, as the JDK's own
     * channel's does after a {@code ClosedByInterruptException}.
     */
    static IOException followJdkClose(java.nio.channels.spi.AbstractInterruptibleChannel self,
                                      java.nio.channels.Channel jdk, IOException e) {
        if (!jdk.isOpen()) {
            try {
                self.close();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
        }
        return e;
    }

    /** @return the kernel's result: bytes read, 0 at EOF, or {@code -errno} */
    private long readOnce(FdHolder h, ByteBuffer dst, int timeout) throws IOException {
        int want = dst.remaining();
        long r;
        if (dst.isDirect()) {
            MemorySegment seg = MemorySegment.ofBuffer(dst);
            r = recv(h, seg, timeout);
            if (r > 0) dst.position(dst.position() + (int) r);
        } else {
            int len = Math.min(want, Staging.CHUNK);
            MemorySegment chunk = Staging.acquire(len);
            try {
                MemorySegment seg = chunk.asSlice(0, len);
                r = recv(h, seg, timeout);
                if (r > 0) {
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, dst.array(), dst.arrayOffset() + dst.position(), (int) r);
                    dst.position(dst.position() + (int) r);
                }
            } finally {
                Staging.release(chunk);   // submitAndAwait returned: the CQE is in
            }
        }
        return r;
    }

    private long recv(FdHolder h, MemorySegment seg, int timeout) throws IOException {
        CarrierScheduler s = scheduler();
        if (s != null) {
            // A non-blocking attempt first, as the JDK makes: data already queued
            // costs one syscall and no park; only an empty socket goes to the ring.
            long r = SYS.recv(h.fd(), seg.address(), seg.byteSize(), SysCalls.MSG_DONTWAIT);
            if (r != -Errno.EAGAIN) return r;
            if (timeout <= 0) return h.submit(s, Request.recv(h.fd(), seg, 0));
            try (Arena arena = Arena.ofConfined()) {
                return h.submit(s, Request.recv(h.fd(), seg, 0), Request.linkTimeout(timespec(arena, timeout)));
            }
        }
        if (!pollReady(h.fd(), SysCalls.POLLIN, timeout)) return -Errno.ECANCELED;
        long r;
        do {
            r = SYS.read(h.fd(), seg.address(), seg.byteSize());
        } while (r == -Errno.EINTR);
        return r;
    }

    // --------------------------------------------------------------- write

    /** Writes all of {@code src}, as a blocking {@code SocketChannel} does. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        if (jdk != null) {
            int total = 0;
            try {
                while (src.hasRemaining()) total += jdk.write(src);
            } catch (ClosedChannelException e) {
                // Closed between two of the JDK's partial writes: for the caller this one
                // write was in progress, so the close was asynchronous to it.
                if (total > 0 && !(e instanceof AsynchronousCloseException)) {
                    AsynchronousCloseException async = new AsynchronousCloseException();
                    async.addSuppressed(e);
                    throw followJdkClose(this, jdk, async);
                }
                throw followJdkClose(this, jdk, e);
            } catch (IOException e) {
                throw followJdkClose(this, jdk, e);
            }
            return total;
        }
        writeLock.lock();
        try {
            FdHolder h = fdOrThrow();
            if (outputShut) throw new ClosedChannelException();
            int total = 0;
            long n = 0;
            boolean completed = false;
            begin();
            try {
                if (!h.acquire()) return 0;
                try {
                    while (src.hasRemaining()) {
                        n = writeOnce(h, src);
                        if (n < 0) break;
                        total += (int) n;
                    }
                    completed = n >= 0;
                } finally {
                    h.release();
                }
            } finally {
                end(completed || total > 0 && isOpen());
            }
            if (n < 0) {
                if (n == -Errno.ECANCELED || n == -Errno.EINTR) throw new ClosedChannelException();
                throw NetErrors.of((int) n, "write");
            }
            return total;
        } finally {
            writeLock.unlock();
        }
    }

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
            Staging.release(chunk);   // submitAndAwait returned: the CQE is in
        }
    }

    /** One send: a non-blocking attempt first; the ring only when the socket buffer is full. */
    private long send(FdHolder h, MemorySegment seg) throws IOException {
        CarrierScheduler s = scheduler();
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

    // ------------------------------------------------------------- options

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
        tcpNoDelay = on;
        if (jdk != null) {
            jdk.socket().setTcpNoDelay(on);
            return;
        }
        FdHolder h = fd;
        if (h != null) setIntOption(h.fd(), SysCalls.IPPROTO_TCP, SysCalls.TCP_NODELAY, on ? 1 : 0);
    }

    public boolean getTcpNoDelay() {
        return tcpNoDelay;
    }

    static void setIntOption(int fdVal, int level, int name, int value) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, value);
            int r = SYS.setsockopt(fdVal, level, name, v.address(), 4);
            if (r < 0) throw NetErrors.of(r, "setsockopt");
        }
    }

    // ---------------------------------------------------- shutdown, close

    public RingSocket shutdownInput() throws IOException {
        return shutdownSide(true);
    }

    public RingSocket shutdownOutput() throws IOException {
        return shutdownSide(false);
    }

    private RingSocket shutdownSide(boolean input) throws IOException {
        if (jdk != null) {
            if (input) jdk.shutdownInput();
            else jdk.shutdownOutput();
            return this;
        }
        FdHolder h = fdOrThrow();
        if (input ? !inputShut : !outputShut) {
            shutdown(h, input ? SysCalls.SHUT_RD : SysCalls.SHUT_WR);
            if (input) inputShut = true;
            else outputShut = true;
        }
        return this;
    }

    private void shutdown(FdHolder h, int how) throws IOException {
        if (!h.acquire()) throw new ClosedChannelException();
        try {
            int r = SYS.shutdown(h.fd(), how);   // never blocks
            if (r < 0 && r != -Errno.ENOTCONN) throw NetErrors.of(r, "shutdown");
        } finally {
            h.release();
        }
    }

    public boolean isConnected() {
        if (jdk != null) return jdk.isConnected() && isOpen();
        return remote != null && isOpen();
    }

    public InetSocketAddress remoteAddress() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        if (jdk != null) return (InetSocketAddress) jdk.getRemoteAddress();
        return remote;
    }

    public InetSocketAddress localAddress() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        if (jdk != null) return (InetSocketAddress) jdk.getLocalAddress();
        FdHolder h = fd;
        return h == null ? null : RingServerSocket.sockName(h.fd(), false);
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
        closeUnderlying(jdk, stateLock, () -> fd);
    }

    /**
     * Closes what a Ringloom socket has underneath: the JDK channel, or its fd
     * holder. The holder is read under {@code stateLock}, which also guards its
     * creation, so a close racing a connect or bind cannot miss it.
     */
    static void closeUnderlying(java.nio.channels.Channel jdk, Object stateLock,
                                java.util.function.Supplier<FdHolder> holder) throws IOException {
        if (jdk != null) {
            jdk.close();
            return;
        }
        FdHolder h;
        synchronized (stateLock) {
            h = holder.get();
        }
        if (h != null) h.close();
    }

    @Override
    public String toString() {
        return "RingSocket[" + (isOpen() ? remote == null ? "unconnected" : "connected to " + remote : "closed") + "]";
    }
}
