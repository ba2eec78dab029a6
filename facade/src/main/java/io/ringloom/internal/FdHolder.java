package io.ringloom.internal;

import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An fd shared by a channel's calls, closed only once no request on it is in
 * flight. Every call that hands the fd to the kernel holds a use
 * ({@link #acquire}/{@link #release}); {@link #close} marks it closing,
 * cancels the requests of blocked calls in every ring that may hold them, and
 * whoever then drops the last use closes the fd, exactly once. So the fd
 * number is never reused while the kernel still works on it.
 */
public final class FdHolder {
    private static final int CLOSING = 1 << 30;
    private static final int FD_CLOSED = -1;

    private final int fdVal;
    /** Uses in the low bits, CLOSING once closed, FD_CLOSED once the fd is closed. */
    private final AtomicInteger state = new AtomicInteger();
    /** Pools whose rings may hold requests on the fd. */
    private final Set<CarrierScheduler> schedulersUsed = new CopyOnWriteArraySet<>();
    private final Runnable afterClose;
    /** Closes the fd in place of close(2) when another object owns it (a JDK channel); else null. */
    private final Closer owner;
    /** {@link #isClosing}, made once: every request on the fd hands it to the carrier. */
    private final java.util.function.BooleanSupplier closing = this::isClosing;
    /**
     * Whether an interrupt ends a call on the fd only when the caller is a
     * virtual thread: {@code java.net}'s rule ({@code NioSocketImpl}), set once
     * by a socket made for a {@code java.net.Socket} or {@code ServerSocket}.
     */
    private volatile boolean onlyVirtualThreadsInterrupt;

    /** How an fd owned by another object is closed. */
    @FunctionalInterface
    public interface Closer {
        void close() throws IOException;
    }

    public FdHolder(int fdVal, Runnable afterClose) {
        this(fdVal, afterClose, null);
    }

    private FdHolder(int fdVal, Runnable afterClose, Closer owner) {
        this.fdVal = fdVal;
        this.afterClose = afterClose;
        this.owner = owner;
    }

    /**
     * An fd that {@code owner} closes (a JDK channel's, which must also drop
     * its own state): the same protocol, with {@code owner.close()} in place
     * of {@code close(2)}, run once no request on the fd is in flight.
     */
    public static FdHolder closedBy(int fdVal, Closer owner) {
        return new FdHolder(fdVal, null, owner);
    }

    public int fd() {
        return fdVal;
    }

    /**
     * From now on an interrupt of a platform thread leaves its calls on the fd
     * alone, as {@code java.net.Socket} and {@code ServerSocket} do: their
     * class comments promise "Closed by interrupt" to virtual threads only, and
     * {@code NioSocketImpl} on a platform thread keeps waiting in {@code poll(2)}.
     */
    public void interruptOnlyVirtualThreads() {
        onlyVirtualThreadsInterrupt = true;
    }

    /**
     * Whether an interrupt of the current thread ends its calls on the fd
     * (closes the channel, cancels its ring request); see {@link #interruptOnlyVirtualThreads}.
     */
    public boolean interruptibleByCurrentThread() {
        return !onlyVirtualThreadsInterrupt || Thread.currentThread().isVirtual();
    }

    /** Takes a use for one call; false once closing. */
    public boolean acquire() {
        while (true) {
            int s = state.get();
            if (s < 0 || (s & CLOSING) != 0) return false;
            if (state.compareAndSet(s, s + 1)) return true;
        }
    }

    public void release() {
        if (state.decrementAndGet() == CLOSING && state.compareAndSet(CLOSING, FD_CLOSED)) {
            closeNow();
        }
    }

    /**
     * Records that {@code s}'s rings may hold requests on the fd, before the
     * first is pushed: {@link #close} cancels in every ring recorded here.
     */
    void usedBy(CarrierScheduler s) {
        schedulersUsed.add(s);
    }

    /** {@link #isClosing} as the carrier asks it once a request's SQE is in its ring. */
    java.util.function.BooleanSupplier closingCheck() {
        return closing;
    }

    /** True once {@link #close} was called. */
    public boolean isClosing() {
        int s = state.get();
        return s < 0 || (s & CLOSING) != 0;
    }

    /**
     * Closes now if idle; else cancels in-flight requests and leaves the close
     * to the last user. Once. The cancels hold a use of their own until every
     * ring has issued them: the kernel looks the fd up then, and the number
     * must still be this file's.
     */
    public void close() throws IOException {
        while (true) {
            int s = state.get();
            if (s < 0 || (s & CLOSING) != 0) return;
            if (s == 0) {
                if (state.compareAndSet(0, FD_CLOSED)) {
                    closeNow();
                    return;
                }
            } else if (state.compareAndSet(s, (s + 1) | CLOSING)) {
                break;
            }
        }
        List<CarrierScheduler> pools = List.copyOf(schedulersUsed);
        if (pools.isEmpty()) {
            release();
            return;
        }
        AtomicInteger pending = new AtomicInteger(pools.size());
        Runnable issued = () -> {
            if (pending.decrementAndGet() == 0) release();
        };
        IOException failure = null;
        for (CarrierScheduler s : pools) {
            try {
                s.cancelAll(fdVal, issued);   // runs issued even when it throws
            } catch (IOException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure != null) throw failure;
    }

    /**
     * Closes the fd. An owner's failure to close is logged: this runs where the
     * last use is given back, which may be another thread's call that already
     * has its own result.
     */
    private void closeNow() {
        if (owner == null) {
            SysCalls.get().close(fdVal);
        } else {
            try {
                owner.close();
            } catch (IOException | RuntimeException e) {
                System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "closing fd " + fdVal + " failed", e);
            }
        }
        if (afterClose != null) afterClose.run();
    }
}
