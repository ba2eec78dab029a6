package io.ringloom.rings.carrier;

import io.ringloom.rings.Request;
import io.ringloom.rings.Ring;
import io.ringloom.rings.RingMode;
import io.ringloom.rings.UserData;
import io.ringloom.rings.sys.Errno;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import static io.ringloom.rings.sys.IoUring.IORING_CQE_F_MORE;
import static io.ringloom.rings.sys.IoUring.IORING_SQ_CQ_OVERFLOW;
import static io.ringloom.rings.sys.IoUring.IORING_SQ_TASKRUN;

/**
 * One carrier: a platform thread, the io_uring ring it created, its run queue
 * and its operation table. The loop runs queued virtual threads; between two
 * of them it enters the kernel when SQEs are pending or the kernel flagged
 * task work or CQ overflow, and reaps CQEs, unparking their threads onto this
 * carrier's queue. With nothing to run it sleeps in
 * {@code io_uring_enter(GETEVENTS, 1)}; other threads wake it through an
 * eventfd read that is always armed in the ring (DESIGN.md: never a futex).
 *
 * <p>Fields marked "carrier only" are touched only on this carrier's OS
 * thread: by the loop, or by a virtual thread mounted on it.
 */
final class Carrier implements Runnable {
    private static final VarHandle SLEEPING;
    private static final VarHandle COUNTERS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle OPS_IN_FLIGHT;
    private static final long WAIT_IN_PLACE_NANOS = 5_000_000L;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(Carrier.class, "sleeping", boolean.class);
            OPS_IN_FLIGHT = MethodHandles.lookup().findVarHandle(Carrier.class, "opsInFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // indexes into counters
    private static final int RUN = 0, SQES = 1, ENTERS = 2, SLEEPS = 3, WAKEUPS = 4, CQES = 5, OVERFLOWS = 6,
            STEALS = 7, COUNTER_COUNT = 8;

    final CarrierScheduler pool;
    final int id;
    private final int ringEntries;
    private final RingMode mode;
    /** Runnable virtual threads; any thread adds, this carrier and thieves take. */
    final ConcurrentLinkedQueue<Runnable> runQueue = new ConcurrentLinkedQueue<>();
    /**
     * Threads this carrier's own reaping woke (their CQE arrived): run before
     * the shared queue, at most {@link #WOKEN_STREAK} in a row, and never
     * stolen, so a completion resumes its thread on the carrier that reaped it,
     * soon. Carrier only.
     */
    private final java.util.ArrayDeque<Runnable> woken = new java.util.ArrayDeque<>();
    private static final int WOKEN_STREAK = 8;
    private int wokenStreak;                 // woken threads run in a row; carrier only
    /** True while this carrier reaps: unparks then come from completions. Carrier only. */
    boolean reaping;
    /** Ops from threads not on this carrier, to be pushed by it. */
    private final ConcurrentLinkedQueue<Op> foreignOps = new ConcurrentLinkedQueue<>();
    /** fds whose requests in this ring must all be cancelled (a channel closed), each with its callback. */
    private final ConcurrentLinkedQueue<FdCancel> fdCancels = new ConcurrentLinkedQueue<>();

    /** An fd-wide cancel to issue; {@code issued} runs once it has been (or cannot be: the ring is gone). */
    private record FdCancel(int fd, Runnable issued) {}
    /** Ops on this ring whose cancel was asked for from another thread. */
    private final ConcurrentLinkedQueue<Op> foreignCancels = new ConcurrentLinkedQueue<>();
    /** Set by this carrier just before it sleeps in the kernel; cleared by whoever wakes it. */
    private volatile boolean sleeping;
    /** Set by the pool to fail every op in flight (close); read by the carrier. */
    volatile boolean failInFlight;
    /** Set by the pool to end the loop once nothing is in flight. */
    volatile boolean stopping;
    /**
     * The op a virtual thread on this carrier is about to park for; cleared by
     * the loop once that thread unmounted. Still set, with {@link #progress}
     * unchanged, means the thread parked while pinned and holds the carrier.
     */
    volatile Op parkCandidate;
    /** Tasks this carrier has finished running; carrier writes, the pin watchdog reads. */
    volatile long progress;
    /** The watchdog's last look at {@link #progress}; watchdog only. */
    long progressSeenByWatchdog;
    /** Counters, written by this carrier only, read with opaque loads by stats(). */
    private final long[] counters = new long[COUNTER_COUNT];
    final CountDownLatch started = new CountDownLatch(1);
    /** Why the carrier could not start or died; published before started/termination. */
    volatile Throwable failure;
    final CarrierThread thread;

    private Ring ring;                       // carrier only
    private io.ringloom.rings.Probe probe;   // written before started, then read-only
    private int eventFd = -1;                // written before started; then read by waking threads
    private Arena arena;                     // wake buffers; carrier only
    private MemorySegment wakeBuffer;        // the armed eventfd read's 8 bytes; owned by the kernel while armed
    private MemorySegment wakeValue;         // the 1 that wake() writes; written before started, then read-only
    private boolean wakeArmed;               // carrier only
    private Op[] slots = new Op[64];         // in-flight ops by slot index; carrier only
    private int[] generations = new int[64]; // per-slot generation; carrier only
    private int[] freeSlots = new int[64];   // stack of free slot indexes; carrier only
    private int freeCount;                   // carrier only
    private int opsInFlight;                 // ops between push and CQE; carrier writes, stats() reads racily
    private int tasksSinceFirstPending;      // threads run while SQEs or task work waited for an enter; carrier only
    /** Threads a pending SQE or flagged task work may wait for an enter ({@code -Dringloom.submit.batch}). */
    private final int submitBatch = Math.max(1, Integer.getInteger("ringloom.submit.batch", 4));

    Carrier(CarrierScheduler pool, int id, int ringEntries, RingMode mode, String name) {
        this.pool = pool;
        this.id = id;
        this.ringEntries = ringEntries;
        this.mode = mode;
        for (int i = 0; i < freeSlots.length; i++) freeSlots[i] = freeSlots.length - 1 - i;
        freeCount = freeSlots.length;
        this.thread = new CarrierThread(this, name + "-carrier-" + id);
    }

    // ---------------------------------------------------------------- loop

    @Override
    public void run() {
        try {
            ring = Ring.open(ringEntries, mode);
            ring.registerRingFd();
            probe = ring.probe();
            arena = Arena.ofShared();
            wakeBuffer = arena.allocate(8, 8);
            wakeValue = arena.allocate(8, 8);
            wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
            // Blocking eventfd: io_uring arms a poll for a blocking file; an
            // O_NONBLOCK one would complete at once with -EAGAIN.
            int efd = SysCalls.get().eventfd(0, SysCalls.EFD_CLOEXEC);
            if (efd < 0) throw new IOException("eventfd: " + Errno.name(efd));
            eventFd = efd;
            armWake();
        } catch (Throwable t) {
            failure = t;
            release();
            started.countDown();
            return;
        }
        started.countDown();
        try {
            loop();
        } catch (Throwable t) {
            failure = t;
            System.getLogger("io.ringloom").log(System.Logger.Level.ERROR, "carrier " + id + " died", t);
        } finally {
            release();
        }
    }

    private void loop() throws IOException {
        while (true) {
            if (!foreignOps.isEmpty() || !foreignCancels.isEmpty() || !fdCancels.isEmpty()) {
                drainForeign();
            }
            if (failInFlight) {
                cancelAllInFlight();
            }
            Runnable task = nextTask();
            if (task != null) {
                inc(RUN);
                task.run();
                afterTask();
                pollRing(false);
                continue;
            }
            if (pollRing(true) > 0) {
                continue;
            }
            if (steal()) {
                continue;
            }
            if (stopping) {
                if (opsInFlight == 0 && runQueue.isEmpty() && woken.isEmpty() && foreignOps.isEmpty()) {
                    return;
                }
                if (!failInFlight) {
                    failInFlight = true;
                    continue;
                }
            }
            sleep();
        }
    }

    /** Woken threads first, but every WOKEN_STREAK-th pick goes to the shared queue (fairness). */
    private Runnable nextTask() {
        Runnable task = null;
        if (wokenStreak < WOKEN_STREAK) {
            task = woken.poll();
        }
        if (task != null) {
            wokenStreak++;
            return task;
        }
        wokenStreak = 0;
        task = runQueue.poll();
        return task != null ? task : woken.poll();
    }

    /** Queues a thread that a completion reaped here woke. Carrier only. */
    void queueWoken(Runnable continuation) {
        woken.offer(continuation);
    }

    private void afterTask() {
        parkCandidate = null;
        progress = progress + 1;   // single writer
    }

    /**
     * Between two virtual threads: enter the kernel once when it flagged CQ
     * overflow, or when SQEs are pending or it flagged task work
     * ({@code IORING_SQ_TASKRUN}) and either nothing else is runnable or they
     * have waited for {@link #submitBatch} threads; then reap. One enter thus
     * carries several SQEs and runs several completions' task work.
     *
     * @param idle nothing is runnable: submit whatever is pending
     * @return CQEs reaped
     */
    private int pollRing(boolean idle) throws IOException {
        int pending = ring.sq().pending();
        int flags = ring.sq().flags();
        boolean waiting = pending > 0 || (flags & IORING_SQ_TASKRUN) != 0;
        boolean enterNow = waiting
                && (idle || ++tasksSinceFirstPending >= submitBatch || runQueue.peek() == null && woken.isEmpty());
        if (enterNow || (flags & IORING_SQ_CQ_OVERFLOW) != 0) {
            if ((flags & IORING_SQ_CQ_OVERFLOW) != 0) inc(OVERFLOWS);
            enter(0);
            tasksSinceFirstPending = 0;
        }
        return ring.cq().ready() > 0 ? reap() : 0;
    }

    private void enter(int minComplete) throws IOException {
        int pending = ring.sq().pending();
        int ret = ring.submit(minComplete, 0);
        inc(ENTERS);
        if (ret > 0) add(SQES, ret);
        else if (ret < 0 && ret != -Errno.EINTR && ret != -Errno.EBUSY && ret != -Errno.EAGAIN && ret != -Errno.ETIME) {
            throw new IOException("io_uring_enter on carrier " + id + " (" + pending + " to submit): " + Errno.name(ret));
        }
    }

    private void sleep() throws IOException {
        sleeping = true;
        // Store sleeping, then load the queues (both volatile: sequentially
        // consistent); pairs with wake(): enqueue, then load sleeping.
        if (!runQueue.isEmpty() || !woken.isEmpty() || !foreignOps.isEmpty() || !foreignCancels.isEmpty()
                || !fdCancels.isEmpty() || stopping) {
            sleeping = false;
            return;
        }
        pool.sleepers.incrementAndGet();
        inc(SLEEPS);
        try {
            enter(1);
        } finally {
            pool.sleepers.decrementAndGet();
            sleeping = false;
        }
        reap();
    }

    /** Makes this carrier leave its kernel sleep soon; any thread. */
    void wake() {
        if (sleeping && SLEEPING.compareAndSet(this, true, false)) {
            SysCalls.get().write(eventFd, wakeValue.address(), 8);
        }
    }

    boolean isSleeping() {
        return sleeping;
    }

    private boolean steal() {
        for (Carrier other : pool.carriers) {
            if (other == this || other.runQueue.peek() == null) continue;
            Runnable task = other.runQueue.poll();
            if (task != null) {
                inc(STEALS);
                inc(RUN);
                task.run();
                afterTask();
                return true;
            }
        }
        return false;
    }

    private void armWake() throws IOException {
        long ud = UserData.pack(UserData.KIND_WAKE, 0, 0);
        if (!ring.push(Request.read(eventFd, wakeBuffer, -1), ud)) {
            throw new IOException("carrier " + id + ": no SQ room to arm its wake-up read");
        }
        wakeArmed = true;
    }

    // ------------------------------------------------------------- reaping

    private int reap() {
        reaping = true;
        try {
            return ring.reap(this::completed);
        } finally {
            reaping = false;
        }
    }

    private void completed(long userData, int res, int flags) {
        inc(CQES);
        switch (UserData.kind(userData)) {
            case UserData.KIND_OP -> {
                int index = UserData.index(userData);
                Op op = index < slots.length ? slots[index] : null;
                if (op == null || generations[index] != UserData.generation(userData)) {
                    throw new IllegalStateException("carrier " + id + ": CQE for unknown op " + Long.toHexString(userData));
                }
                if ((flags & IORING_CQE_F_MORE) != 0) {
                    return;
                }
                freeSlot(index);
                op.res = res == -Errno.ERESTARTSYS ? -Errno.EINTR : res;
                op.state = Op.DONE;
                java.util.concurrent.locks.LockSupport.unpark(op.waiter);
            }
            case UserData.KIND_WAKE -> {
                wakeArmed = false;
                inc(WAKEUPS);
                if (!stopping || opsInFlight > 0) {
                    try {
                        armWake();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
            default -> { /* ASYNC_CANCEL results: the target's own CQE is what counts */ }
        }
    }

    // ---------------------------------------------------------- operations

    private int allocSlot() {
        if (freeCount == 0) {
            int old = slots.length;
            slots = Arrays.copyOf(slots, old * 2);
            generations = Arrays.copyOf(generations, old * 2);
            freeSlots = Arrays.copyOf(freeSlots, old * 2);
            for (int i = old * 2 - 1; i >= old; i--) freeSlots[freeCount++] = i;
        }
        opsInFlight++;
        return freeSlots[--freeCount];
    }

    private void freeSlot(int index) {
        slots[index] = null;
        generations[index] = (generations[index] + 1) & UserData.GENERATION_MASK;
        freeSlots[freeCount++] = index;
        opsInFlight--;
    }

    /** Pushes {@code op}'s SQE into this ring. Carrier only. */
    void push(Op op) throws IOException {
        int index = allocSlot();
        slots[index] = op;
        op.carrier = this;
        op.userData = UserData.pack(UserData.KIND_OP, generations[index], index);
        try {
            if (op.linkedTimeout != null) {
                long timeoutUd = UserData.pack(UserData.KIND_IGNORED, 0, 0);
                while (!ring.pushLinked(op.request, op.userData, op.linkedTimeout, timeoutUd)) {
                    enter(0);
                    reap();
                }
            } else {
                while (!ring.push(op.request, op.userData)) {
                    // The kernel takes no more SQEs until CQ room frees up: reap, then retry.
                    enter(0);
                    reap();
                }
            }
        } catch (IOException | RuntimeException e) {
            slots[index] = null;
            freeSlots[freeCount++] = index;
            opsInFlight--;
            throw e;
        }
        op.state = Op.SUBMITTED;
        if (failInFlight && !op.failedByClose) {
            op.failedByClose = true;
            op.cancelRequested = true;
            pushCancel(op);
        } else if (op.abandoned != null && op.abandoned.getAsBoolean() && !op.cancelRequested) {
            op.cancelRequested = true;
            pushCancel(op);   // behind the SQE in this ring: the kernel sees the request first
        }
    }

    /** Queues an ASYNC_CANCEL for {@code op}, which is in this ring. Carrier only. */
    void pushCancel(Op op) throws IOException {
        if (op.state != Op.SUBMITTED) return;
        long ud = UserData.pack(UserData.KIND_CANCEL, 0, 0);
        while (!ring.push(Request.cancel(op.userData), ud)) {
            enter(0);
            reap();
        }
    }

    /** Cancels every request on {@code fd} in this ring, then runs {@code issued}; any thread. */
    void cancelFd(int fd, Runnable issued) throws IOException {
        if (pool.currentCarrier() == this) {
            try {
                pushFdCancel(fd);
            } finally {
                issued.run();
            }
            return;
        }
        fdCancels.offer(new FdCancel(fd, issued));
        wake();
        if (!thread.isAlive()) {
            // The carrier has ended (it drains the queue last of all): no ring holds
            // requests on the fd, so each entry still here is done by whoever takes it.
            FdCancel c;
            while ((c = fdCancels.poll()) != null) c.issued.run();
        }
    }

    private void pushFdCancel(int fd) throws IOException {
        if (opsInFlight == 0) return;
        long ud = UserData.pack(UserData.KIND_CANCEL, 0, 0);
        while (!ring.push(Request.cancelFd(fd), ud)) {
            enter(0);
            reap();
        }
        enter(0);   // a close waits on this: do not defer it
    }

    /** From another thread: have this carrier push {@code op}. */
    void submitForeign(Op op) {
        foreignOps.offer(op);
        wake();
    }

    /** From another thread: have this carrier cancel {@code op}. */
    void cancelForeign(Op op) {
        foreignCancels.offer(op);
        wake();
    }

    private void drainForeign() throws IOException {
        Op op;
        while ((op = foreignOps.poll()) != null) {
            if (op.cancelRequested || stopping) {
                op.failedByClose = stopping;
                op.res = -Errno.ECANCELED;
                op.state = Op.DONE;
                java.util.concurrent.locks.LockSupport.unpark(op.waiter);
                continue;
            }
            try {
                push(op);
            } catch (IOException | RuntimeException e) {
                op.res = -Errno.EINVAL;
                op.state = Op.DONE;
                java.util.concurrent.locks.LockSupport.unpark(op.waiter);
            }
        }
        while ((op = foreignCancels.poll()) != null) {
            pushCancel(op);
        }
        FdCancel c;
        while ((c = fdCancels.poll()) != null) {
            try {
                pushFdCancel(c.fd);
            } finally {
                c.issued.run();
            }
        }
    }

    private void cancelAllInFlight() throws IOException {
        for (Op op : slots) {
            if (op != null && !op.failedByClose) {
                op.failedByClose = true;
                op.cancelRequested = true;
                pushCancel(op);
            }
        }
    }

    /**
     * Waits for {@code op}'s CQE on this carrier's OS thread without
     * unmounting: for pinned virtual threads and the carrier itself. Other
     * threads' completions are reaped and queued meanwhile. Waits in slices so
     * an interrupt is noticed.
     */
    void waitInPlace(Op op) throws IOException {
        boolean interrupted = false;
        while (op.state != Op.DONE) {
            if (runQueue.peek() != null && pool.sleepers.get() > 0) {
                pool.wakeOneSleeper(this);   // this carrier is held: let an idle one steal its threads
            }
            if (failInFlight && !op.failedByClose) {
                op.failedByClose = true;
                op.cancelRequested = true;
                pushCancel(op);
            }
            if (Thread.interrupted()) {
                interrupted = true;
                if (!op.cancelRequested) {
                    op.cancelRequested = true;
                    pushCancel(op);
                }
            }
            inc(ENTERS);
            int ret = ring.submitAndWait(WAIT_IN_PLACE_NANOS);
            if (ret > 0) add(SQES, ret);
            reap();
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    // --------------------------------------------------------------- close

    private void release() {
        try {
            if (ring != null && !ring.isClosed()) {
                if (wakeArmed && eventFd >= 0) {
                    // The armed read owns wakeBuffer: make it complete before unmapping anything.
                    SysCalls.get().write(eventFd, wakeValue.address(), 8);
                    long deadline = System.nanoTime() + 1_000_000_000L;
                    while (wakeArmed && System.nanoTime() < deadline) {
                        ring.submitAndWait(10_000_000L);
                        reap();
                    }
                }
                if (ring.inFlight() == 0) {
                    ring.close();
                } else {
                    System.getLogger("io.ringloom").log(System.Logger.Level.ERROR,
                            "carrier " + id + ": " + ring.inFlight() + " requests still in flight; ring left open");
                }
            }
        } catch (IOException | RuntimeException e) {
            System.getLogger("io.ringloom").log(System.Logger.Level.ERROR, "carrier " + id + " close", e);
        } finally {
            // Nothing will issue these any more; the channels waiting on them may close their fds.
            FdCancel c;
            while ((c = fdCancels.poll()) != null) c.issued.run();
            if (eventFd >= 0 && (ring == null || ring.isClosed())) {
                SysCalls.get().close(eventFd);
            }
            if (arena != null && (ring == null || ring.isClosed())) {
                arena.close();
            }
        }
    }

    // --------------------------------------------------------------- stats

    private void inc(int counter) {
        COUNTERS.setOpaque(counters, counter, (long) COUNTERS.getOpaque(counters, counter) + 1);
    }

    private void add(int counter, long n) {
        COUNTERS.setOpaque(counters, counter, (long) COUNTERS.getOpaque(counters, counter) + n);
    }

    private long get(int counter) {
        return (long) COUNTERS.getOpaque(counters, counter);
    }

    CarrierStats stats() {
        return new CarrierStats(id, get(RUN), get(SQES), get(ENTERS), get(SLEEPS), get(WAKEUPS), get(CQES),
                get(OVERFLOWS), get(STEALS), (int) OPS_IN_FLIGHT.getOpaque(this));
    }

    /** The probe is read once at ring creation and never changes: safe from any thread after start. */
    boolean supports(int opcode) {
        return probe != null && probe.supports(opcode);
    }

    int eventFd() {
        return eventFd;
    }
}
