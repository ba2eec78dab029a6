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
import java.net.InetSocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.util.concurrent.locks.ReentrantLock;

import static io.ringloom.net.SocketOps.SYS;

/**
 * A listening TCP socket whose accept goes through the ring of the carrier
 * the caller runs on ({@code IORING_OP_ACCEPT}), or of its home pool for a
 * caller off every pool; socket creation, bind and listen too where the
 * kernel has the ops (SOCKET 5.19, BIND and LISTEN 6.11), plain syscalls
 * otherwise. {@code SO_REUSEADDR} is on, as servers expect. Which path a call
 * takes, and the bracket around accept, are in the section at the end.
 */
final class RingListener implements ListenerImpl {
    /*
     * Legal transitions, all under stateLock:
     *
     *    UNBOUND -> LISTENING   // bind: socket, bind and listen, all under stateLock,
     *                           // so no bound-but-not-listening state is ever seen
     *    UNBOUND -> CLOSING     // close
     *  LISTENING -> CLOSING     // close
     *    CLOSING -> CLOSED      // the fd holder is closing: a blocked accept is
     *                           // cancelled, the last one out closes the fd
     */
    static final int ST_UNBOUND = 0;
    static final int ST_LISTENING = 1;
    static final int ST_CLOSING = 2;
    static final int ST_CLOSED = 3;

    private final ChannelFront front;
    /** The pool current when this socket was made: an accept off every pool hands its request to it. */
    private final CarrierScheduler home;
    /** Held by an accept for its whole call. */
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final Object stateLock = new Object();
    /** One of ST_*; written under stateLock. */
    private volatile int state;
    /** Set under stateLock with the move to LISTENING, never changed after. */
    private volatile FdHolder fd;
    /** The bound address; set under stateLock by bind. */
    private volatile InetSocketAddress local;

    RingListener(ChannelFront front, CarrierScheduler home) {
        this.front = front;
        this.home = home;
        this.state = ST_UNBOUND;
    }

    static boolean isLegal(int from, int to) {
        return switch (to) {
            case ST_LISTENING -> from == ST_UNBOUND;
            case ST_CLOSING -> from == ST_UNBOUND || from == ST_LISTENING;
            case ST_CLOSED -> from == ST_CLOSING;
            default -> false;
        };
    }

    private void transition(int to) {
        assert Thread.holdsLock(stateLock);
        assert isLegal(state, to) : "listener state " + state + " -> " + to;
        state = to;
    }

    @Override
    public boolean usesRing() {
        return true;
    }

    @Override
    public void bind(InetSocketAddress address, int backlog) throws IOException {
        synchronized (stateLock) {
            if (!front.isOpen()) throw new ClosedChannelException();
            if (state != ST_UNBOUND) throw new AlreadyBoundException();
            fd = new FdHolder(bindAndListen(address, backlog), null);
            transition(ST_LISTENING);
            local = SocketOps.localAddress(fd.fd());
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    /** Waits for a connection; the accepted socket uses the caller's pool. */
    @Override
    public RingSocket accept() throws IOException {
        acceptLock.lock();
        try (Arena arena = Arena.ofShared()) {
            if (!front.isOpen()) throw new ClosedChannelException();
            if (state == ST_UNBOUND) throw new NotYetBoundException();
            FdHolder h = fd;
            if (h == null) throw new ClosedChannelException();   // closed before any bind
            MemorySegment peer = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            int r = acceptBlocking(h, peer, SocketOps.addressLength(arena));
            if (r < 0) {
                if (r == -Errno.ECANCELED || r == -Errno.EINTR) throw new ClosedChannelException();
                throw NetErrors.of(r, "accept");
            }
            return new RingSocket(r, SockAddr.decode(peer));
        } finally {
            acceptLock.unlock();
        }
    }

    /** The fd holder cancels a blocked accept; it is read under stateLock, which guards its creation. */
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

    // -------------------------------------------------------------------------
    // Ring or syscall, and the bracket around accept. Round 2 of issue 11
    // replaces this section with io.ringloom.internal.IoDispatcher. They return
    // the kernel's result (or -errno); what it means is decided above.

    /** A listening socket's fd: socket, SO_REUSEADDR, bind, listen; through the caller's ring where it has the ops. */
    private static int bindAndListen(InetSocketAddress address, int backlog) throws IOException {
        CarrierScheduler s = Dispatch.scheduler();
        int family = SockAddr.family(address);
        int fdVal = SocketOps.newSocket(s, family);
        try (Arena arena = Arena.ofConfined()) {
            SocketOps.setIntOption(fdVal, SysCalls.SOL_SOCKET, SysCalls.SO_REUSEADDR, 1);
            if (family == SysCalls.AF_INET6) {
                SocketOps.setIntOption(fdVal, SysCalls.IPPROTO_IPV6, SysCalls.IPV6_V6ONLY, 0);
            }
            MemorySegment sa = SockAddr.encode(arena, address);
            boolean ringOps = s != null && s.supports(IoUring.IORING_OP_BIND) && s.supports(IoUring.IORING_OP_LISTEN);
            int r = ringOps ? s.submitAndAwait(Request.bind(fdVal, sa)) : SYS.bind(fdVal, sa.address(), (int) sa.byteSize());
            if (r < 0) throw NetErrors.of(r, "bind");
            r = ringOps ? s.submitAndAwait(Request.listen(fdVal, backlog)) : SYS.listen(fdVal, backlog);
            if (r < 0) throw NetErrors.of(r, "listen");
            return fdVal;
        } catch (IOException | RuntimeException e) {
            SYS.close(fdVal);
            throw e;
        }
    }

    /** @return the accepted fd, or {@code -errno} */
    private int acceptBlocking(FdHolder h, MemorySegment peer, MemorySegment peerLength) throws IOException {
        int r = -Errno.ECANCELED;   // if the fd is already closing: end then throws
        boolean completed = false;
        front.begin();
        try {
            if (h.acquire()) {
                try {
                    r = accept(h, peer, peerLength);
                    completed = r >= 0;
                } finally {
                    h.release();
                }
            }
        } finally {
            if (r >= 0 && !front.isOpen()) {
                // closed or interrupted while the kernel accepted: nobody will get this fd
                SYS.close(r);
                r = -Errno.ECANCELED;
                completed = false;
            }
            front.end(completed);
        }
        return r;
    }

    private int accept(FdHolder h, MemorySegment peer, MemorySegment peerLength) throws IOException {
        CarrierScheduler s = SocketOps.scheduler(home);
        if (s != null) {
            // A connection already queued is taken at once: one poll(2) that
            // never waits, then accept4(2), which cannot block with one queued
            // and acceptLock held. A busy acceptor so drains its backlog
            // without going to the back of the run queue for each connection.
            int r = Poll.poll(h.fd(), SysCalls.POLLIN, 0) > 0
                    ? SYS.accept4(h.fd(), peer.address(), peerLength.address(), SysCalls.SOCK_CLOEXEC)
                    : -Errno.EAGAIN;
            if (r != -Errno.EAGAIN) return r;
            return h.submit(s, Request.accept(h.fd(), peer, peerLength));
        }
        int r;
        do {
            r = SYS.accept4(h.fd(), peer.address(), peerLength.address(), SysCalls.SOCK_CLOEXEC);
        } while (r == -Errno.EINTR && front.isOpen());
        return r;
    }
}
