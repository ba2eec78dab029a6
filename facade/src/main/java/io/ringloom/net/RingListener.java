package io.ringloom.net;

import io.ringloom.internal.Bracket;
import io.ringloom.internal.Errors;
import io.ringloom.internal.FdHolder;
import io.ringloom.internal.IoDispatcher;
import io.ringloom.internal.SockAddr;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A listening TCP socket whose accept goes through the ring of the carrier
 * the caller runs on ({@code IORING_OP_ACCEPT}), or of its home pool for a
 * caller off every pool; socket creation, bind and listen too where the
 * kernel has the ops, plain syscalls otherwise. {@link IoDispatcher} makes
 * that choice and {@link Bracket} brackets accept (docs/DESIGN.md,
 * "Dispatcher"). {@code SO_REUSEADDR} is on, as servers expect.
 */
final class RingListener implements ListenerImpl, SocketOps.StateTable {
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
    /** The bracket of accept on {@link #fd}; set with it, never changed after. */
    private volatile Bracket bracket;
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

    @Override
    public void bind(InetSocketAddress address, int backlog) throws IOException {
        synchronized (stateLock) {
            if (!front.isOpen()) throw new ClosedChannelException();
            if (state != ST_UNBOUND) throw new AlreadyBoundException();
            fd = bindAndListen(address, backlog);
            bracket = Bracket.forSocket(front, fd);
            transition(ST_LISTENING);
            local = SocketOps.localAddress(fd.fd());
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    /**
     * A listening socket's fd: socket, SO_REUSEADDR, bind, listen; through
     * the caller's ring where it has the ops. No other thread has the holder
     * yet, so no use of it is needed, and a failure closes the fd at once.
     */
    private static FdHolder bindAndListen(InetSocketAddress address, int backlog) throws IOException {
        CarrierScheduler s = IoDispatcher.scheduler();
        int family = SockAddr.family(address);
        FdHolder h = new FdHolder(SocketOps.newSocket(s, family), null);
        try (Arena arena = Arena.ofConfined()) {
            SocketOps.setIntOption(h.fd(), SysCalls.SOL_SOCKET, SysCalls.SO_REUSEADDR, 1);
            if (family == SysCalls.AF_INET6) {
                SocketOps.setIntOption(h.fd(), SysCalls.IPPROTO_IPV6, SysCalls.IPV6_V6ONLY, 0);
            }
            int r = IoDispatcher.bind(s, h, SockAddr.encode(arena, address));
            if (r < 0) throw Errors.forSocket(r, "bind");
            r = IoDispatcher.listen(s, h, backlog);
            if (r < 0) throw Errors.forSocket(r, "listen");
            return h;
        } catch (IOException | RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /** Waits for a connection; the accepted socket uses the caller's pool. */
    @Override
    public RingSocket accept() throws IOException {
        acceptLock.lock();
        try (Arena arena = Arena.ofConfined()) {
            if (!front.isOpen()) throw new ClosedChannelException();
            if (state == ST_UNBOUND) throw new NotYetBoundException();
            Bracket b = bracket;
            if (b == null) throw new ClosedChannelException();   // closed before any bind
            MemorySegment peer = arena.allocate(SockAddr.STORAGE_SIZE, 8);
            MemorySegment peerLength = SocketOps.addressLength(arena);
            long r = b.run("accept", () -> acceptInto(peer, peerLength));
            return new RingSocket((int) r, SockAddr.decode(peer));
        } finally {
            acceptLock.unlock();
        }
    }

    /** @return the accepted fd, or {@code -errno} */
    private long acceptInto(MemorySegment peer, MemorySegment peerLength) throws IOException {
        int r = IoDispatcher.accept(fd, home, peer, peerLength);
        if (r >= 0 && !front.isOpen()) {
            // closed or interrupted while the kernel accepted: nobody will get this fd
            IoDispatcher.closeUnshared(r);
            return -Errno.ECANCELED;
        }
        return r;
    }

    /** See {@link SocketOps#close}. */
    @Override
    public void close() throws IOException {
        SocketOps.close(this, ST_CLOSING, ST_CLOSED);
    }
}
