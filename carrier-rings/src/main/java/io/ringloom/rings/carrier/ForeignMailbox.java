package io.ringloom.rings.carrier;

import io.ringloom.rings.Request;
import io.ringloom.rings.Ring;
import io.ringloom.rings.UserData;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What threads off a carrier hand it, and how they wake it: submissions,
 * cancels and fd-wide cancels wait here for the carrier, which alone may touch
 * its ring ({@code SINGLE_ISSUER}). A carrier with nothing to run sleeps in
 * {@code io_uring_enter(GETEVENTS, 1)}, never in a futex, so it is woken
 * through its ring: an eventfd read that is always armed there completes when
 * {@link #wake()} writes the eventfd (docs/DESIGN.md, "Foreign submissions").
 *
 * <p>The queues and {@link #wake()} are for any thread; everything else is
 * carrier only.
 */
final class ForeignMailbox {
    private static final VarHandle SLEEPING;
    private static final long EVENTFD_VALUE_SIZE = Long.BYTES;   // eventfd(2) reads and writes a u64

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(ForeignMailbox.class, "sleeping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** An fd-wide cancel to issue; {@code issued} runs once it has been (or cannot be: the ring is gone). */
    record FdCancel(int fd, Runnable issued) {}

    /** Ops from threads not on the carrier, to be pushed by it. */
    private final ConcurrentLinkedQueue<Op> submissions = new ConcurrentLinkedQueue<>();
    /** Ops on the carrier's ring whose cancel was asked for from another thread. */
    private final ConcurrentLinkedQueue<Op> cancels = new ConcurrentLinkedQueue<>();
    /** fds whose requests in the ring must all be cancelled (a channel closed). */
    private final ConcurrentLinkedQueue<FdCancel> fdCancels = new ConcurrentLinkedQueue<>();
    /** Set by the carrier just before it sleeps in the kernel; cleared by whoever wakes it. */
    private volatile boolean sleeping;

    private Arena arena;                // the wake buffers; opened and closed by the carrier
    private int eventFd = -1;           // written before the carrier starts; then read by waking threads
    private MemorySegment wakeBuffer;   // the armed eventfd read's 8 bytes; owned by the kernel while armed
    private MemorySegment wakeValue;    // the 1 that wake() writes; written before the carrier starts
    private boolean armed;              // the eventfd read is in the ring; carrier only

    /** Creates the eventfd and its buffers; on the carrier, before it starts. */
    void open() throws IOException {
        arena = Arena.ofShared();
        wakeBuffer = arena.allocate(EVENTFD_VALUE_SIZE, EVENTFD_VALUE_SIZE);
        wakeValue = arena.allocate(EVENTFD_VALUE_SIZE, EVENTFD_VALUE_SIZE);
        wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
        // Blocking eventfd: io_uring arms a poll for a blocking file; an
        // O_NONBLOCK one would complete at once with -EAGAIN.
        int efd = SysCalls.get().eventfd(0, SysCalls.EFD_CLOEXEC);
        if (efd < 0) throw new IOException("eventfd: " + Errno.name(efd));
        eventFd = efd;
    }

    /** Pushes the eventfd read into {@code ring}; false when the SQ has no room. */
    boolean arm(Ring ring) throws IOException {
        if (!ring.push(Request.read(eventFd, wakeBuffer, -1), UserData.pack(UserData.KIND_WAKE, 0, 0))) {
            return false;
        }
        armed = true;
        return true;
    }

    /** The eventfd read's CQE arrived: the kernel no longer owns the wake buffer. */
    void disarmed() {
        armed = false;
    }

    boolean isArmed() {
        return armed;
    }

    // ------------------------------------------------------------ any thread

    void submit(Op op) {
        submissions.offer(op);
        wake();
    }

    void cancel(Op op) {
        cancels.offer(op);
        wake();
    }

    void cancelFd(int fd, Runnable issued) {
        fdCancels.offer(new FdCancel(fd, issued));
        wake();
    }

    /** Makes the carrier leave its kernel sleep soon, if it sleeps. */
    void wake() {
        if (sleeping && SLEEPING.compareAndSet(this, true, false)) {
            writeEventFd();
        }
    }

    /** Adds 1 to the eventfd, which completes the armed read. */
    void writeEventFd() {
        SysCalls.get().write(eventFd, wakeValue.address(), EVENTFD_VALUE_SIZE);
    }

    boolean isSleeping() {
        return sleeping;
    }

    /** Runs the callback of every fd-wide cancel still here: no ring is left to hold requests on the fd. */
    void dropFdCancels() {
        FdCancel c;
        while ((c = fdCancels.poll()) != null) c.issued.run();
    }

    // ---------------------------------------------------------- carrier only

    boolean isEmpty() {
        return submissions.isEmpty() && cancels.isEmpty() && fdCancels.isEmpty();
    }

    boolean hasSubmissions() {
        return !submissions.isEmpty();
    }

    Op pollSubmission() {
        return submissions.poll();
    }

    Op pollCancel() {
        return cancels.poll();
    }

    FdCancel pollFdCancel() {
        return fdCancels.poll();
    }

    /**
     * Announces the coming sleep. The carrier then looks at its queues once
     * more: store sleeping, then load the queues (both volatile: sequentially
     * consistent); pairs with a waker's enqueue, then load of sleeping.
     */
    void sleeping() {
        sleeping = true;
    }

    void awake() {
        sleeping = false;
    }

    /** Closes the eventfd and frees the buffers; only once no ring holds the read. */
    void close() {
        assert !armed;
        if (eventFd >= 0) SysCalls.get().close(eventFd);
        if (arena != null) arena.close();
    }
}
