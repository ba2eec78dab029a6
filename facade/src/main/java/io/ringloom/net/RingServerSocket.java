package io.ringloom.net;

import io.ringloom.internal.Dispatch;
import io.ringloom.internal.FdHolder;
import io.ringloom.internal.NetErrors;
import io.ringloom.internal.Poll;
import io.ringloom.internal.SockAddr;
import io.ringloom.rings.Request;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.IoUring;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.util.concurrent.locks.ReentrantLock;

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
    private static final SysCalls SYS = SysCalls.get();

    private final CarrierScheduler home = Dispatch.scheduler();
    /** The JDK channel doing the work when no ring serves this socket; null otherwise. */
    private final ServerSocketChannel jdk;
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private volatile FdHolder fd;            // set by bind; guarded by stateLock
    private volatile InetSocketAddress local;

    private RingServerSocket() throws IOException {
        this.jdk = home == null ? ServerSocketChannel.open() : null;
    }

    public static RingServerSocket open() throws IOException {
        return new RingServerSocket();
    }

    /** Whether accept goes through a carrier's ring (false: the JDK's channel underneath). */
    public boolean usesRing() {
        return jdk == null;
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
        if (jdk != null) {
            jdk.bind(isa, backlog < 1 ? 50 : backlog);
            local = (InetSocketAddress) jdk.getLocalAddress();
            return this;
        }
        synchronized (stateLock) {
            if (!isOpen()) throw new ClosedChannelException();
            if (fd != null) throw new AlreadyBoundException();
            CarrierScheduler s = Dispatch.scheduler();
            int family = SockAddr.family(isa);
            int fdVal = s != null && s.supports(IoUring.IORING_OP_SOCKET)
                    ? s.submitAndAwait(Request.socket(family, SysCalls.SOCK_STREAM | SysCalls.SOCK_CLOEXEC, 0))
                    : SYS.socket(family, SysCalls.SOCK_STREAM | SysCalls.SOCK_CLOEXEC, 0);
            if (fdVal < 0) throw NetErrors.of(fdVal, "socket");
            try (Arena arena = Arena.ofConfined()) {
                RingSocket.setIntOption(fdVal, SysCalls.SOL_SOCKET, SysCalls.SO_REUSEADDR, 1);
                if (family == SysCalls.AF_INET6) {
                    RingSocket.setIntOption(fdVal, SysCalls.IPPROTO_IPV6, SysCalls.IPV6_V6ONLY, 0);
                }
                MemorySegment sa = SockAddr.encode(arena, isa);
                int n = backlog < 1 ? 50 : backlog;
                boolean ringOps = s != null && s.supports(IoUring.IORING_OP_BIND) && s.supports(IoUring.IORING_OP_LISTEN);
                int r = ringOps ? s.submitAndAwait(Request.bind(fdVal, sa)) : SYS.bind(fdVal, sa.address(), (int) sa.byteSize());
                if (r < 0) throw NetErrors.of(r, "bind");
                r = ringOps ? s.submitAndAwait(Request.listen(fdVal, n)) : SYS.listen(fdVal, n);
                if (r < 0) throw NetErrors.of(r, "listen");
            } catch (IOException | RuntimeException e) {
                SYS.close(fdVal);
                throw e;
            }
            fd = new FdHolder(fdVal, null);
            local = sockName(fdVal, false);
        }
        return this;
    }

    /** The bound address, or null before bind. */
    public InetSocketAddress localAddress() throws IOException {
        if (!isOpen()) throw new ClosedChannelException();
        return local;
    }

    /** Waits for a connection; the accepted socket uses the caller's pool. */
    public RingSocket accept() throws IOException {
        if (jdk != null) {
            try {
                return RingSocket.ofJdk(jdk.accept());
            } catch (IOException e) {
                throw RingSocket.followJdkClose(this, jdk, e);
            }
        }
        acceptLock.lock();
        try {
            if (!isOpen()) throw new ClosedChannelException();
            FdHolder h = fd;
            if (h == null) throw new NotYetBoundException();
            int r = 0;
            boolean completed = false;
            InetSocketAddress peer = null;
            begin();
            try {
                if (!h.acquire()) return null;
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment addr = arena.allocate(SockAddr.STORAGE_SIZE, 8);
                    MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
                    len.set(ValueLayout.JAVA_INT, 0, SockAddr.STORAGE_SIZE);
                    CarrierScheduler s = Dispatch.scheduler();
                    if (s == null && home != null && !home.isClosed() && !Dispatch.forcedFallback()) s = home;
                    if (s != null) {
                        // A connection already queued is taken at once: one poll(2) that
                        // never waits, then accept4(2), which cannot block with one queued
                        // and acceptLock held. A busy acceptor so drains its backlog
                        // without going to the back of the run queue for each connection.
                        r = readyNow(h.fd())
                                ? SYS.accept4(h.fd(), addr.address(), len.address(), SysCalls.SOCK_CLOEXEC)
                                : -Errno.EAGAIN;
                        if (r == -Errno.EAGAIN) {
                            r = h.submit(s, Request.accept(h.fd(), addr, len));
                        }
                    } else {
                        do {
                            r = SYS.accept4(h.fd(), addr.address(), len.address(), SysCalls.SOCK_CLOEXEC);
                        } while (r == -Errno.EINTR && isOpen());
                    }
                    if (r >= 0) peer = SockAddr.decode(addr);
                    completed = r >= 0;
                } finally {
                    h.release();
                }
            } finally {
                if (r >= 0 && !isOpen()) {
                    // closed or interrupted while the kernel accepted: nobody will get this fd
                    SYS.close(r);
                    r = -Errno.ECANCELED;
                    completed = false;
                }
                end(completed);
            }
            if (r < 0) {
                if (r == -Errno.ECANCELED || r == -Errno.EINTR) throw new ClosedChannelException();
                throw NetErrors.of(r, "accept");
            }
            return new RingSocket(r, peer);
        } finally {
            acceptLock.unlock();
        }
    }

    @Override
    protected void implCloseChannel() throws IOException {
        RingSocket.closeUnderlying(jdk, stateLock, () -> fd);
    }

    /** Whether a connection is queued on the listening socket now: poll(2) with no wait. */
    private static boolean readyNow(int fdVal) {
        return Poll.poll(fdVal, SysCalls.POLLIN, 0) > 0;
    }

    static InetSocketAddress sockName(int fdVal, boolean peer) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(SockAddr.STORAGE_SIZE, 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, SockAddr.STORAGE_SIZE);
            int r = peer ? SYS.getpeername(fdVal, addr.address(), len.address())
                    : SYS.getsockname(fdVal, addr.address(), len.address());
            if (r < 0) throw NetErrors.of(r, peer ? "getpeername" : "getsockname");
            return SockAddr.decode(addr);
        }
    }

    @Override
    public String toString() {
        return "RingServerSocket[" + (isOpen() ? local == null ? "unbound" : local : "closed") + "]";
    }
}
