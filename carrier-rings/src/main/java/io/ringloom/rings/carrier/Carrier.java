package io.ringloom.rings.carrier;

import io.ringloom.core.CarrierStats;
import io.ringloom.core.RingMode;
import io.ringloom.rings.Probe;
import io.ringloom.rings.Request;
import io.ringloom.rings.Ring;
import io.ringloom.rings.UserData;
import io.ringloom.rings.sys.Errno;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static io.ringloom.rings.carrier.CarrierCounters.*;
import static io.ringloom.rings.sys.IoUring.IORING_SQ_CQ_OVERFLOW;
import static io.ringloom.rings.sys.IoUring.IORING_SQ_TASKRUN;

/**
 * One carrier: a platform thread, the io_uring ring it created, and its loop.
 * The loop runs queued virtual threads; between two of them it enters the
 * kernel when SQEs are pending or the kernel flagged task work or CQ
 * overflow, and reaps CQEs, unparking their threads onto this carrier. With
 * nothing to run it steals, then sleeps in {@code io_uring_enter(GETEVENTS, 1)}
 * (docs/DESIGN.md, "Carrier loop"). Its ops in flight are in an
 * {@link OpTable}; what other threads hand it, in a {@link ForeignMailbox}.
 *
 * <p>Fields marked "carrier only" are touched only on this carrier's OS
 * thread: by the loop, or by a virtual thread mounted on it.
 */
final class Carrier implements Runnable {
    private static final long WAIT_IN_PLACE_NANOS = 5_000_000L;
    /** Between two looks at the ring while the JVM exits ({@link #sleep}). */
    private static final long EXIT_POLL_NANOS = 1_000_000L;
    private static final long RELEASE_WAKE_NANOS = 1_000_000_000L;
    private static final long RELEASE_WAIT_NANOS = 10_000_000L;

    private final int id;
    private final int ringEntries;
    private final RingMode mode;
    private final CarrierGroup group;               // the pool, as far as this carrier may reach it
    private final Lifecycle lifecycle;              // the pool's; read only here
    private final CarrierThread thread;
    /** Runnable virtual threads; any thread adds, this carrier and thieves take. */
    private final ConcurrentLinkedQueue<Runnable> runQueue = new ConcurrentLinkedQueue<>();
    /** Threads in {@link #runQueue}: raised before an offer, lowered after a successful poll; any thread. */
    private final AtomicInteger runQueueLength = new AtomicInteger();
    /**
     * Threads this carrier's own reaping woke (their CQE arrived): never
     * stolen, so a completion resumes its thread on the carrier that reaped it
     * (but while a wait in place holds the carrier, see {@link #waitInPlace}).
     * Taken in turns with the shared queue, see {@link #nextTask}. Carrier only.
     */
    private final ArrayDeque<Runnable> woken = new ArrayDeque<>();
    private final OpTable ops;                      // carrier only but for its in-flight count
    private final ForeignMailbox mailbox = new ForeignMailbox();
    private final PinWatchdog.Progress progress = new PinWatchdog.Progress();
    private final CarrierCounters counters = new CarrierCounters();
    /** When pending SQEs or flagged task work must have their enter; carrier only. */
    private final SubmitPacing pacing;
    private final CountDownLatch started = new CountDownLatch(1);
    /** Why the carrier could not start or died; published before started/termination. */
    private volatile Throwable failure;

    private Ring ring;                       // carrier only
    private Probe probe;                     // written before started, then read-only
    private boolean reaping;                 // unparks now come from completions; carrier only
    /** When the task now running on this carrier was mounted ({@link System#nanoTime}); carrier only. */
    private long taskStartNanos;
    /** Kernel entries made by this carrier; {@link #loop} compares it across a {@link #pollRing}. Carrier only. */
    private long entersMade;
    private final QueueTurns turns = new QueueTurns();   // carrier only
    /** Whether another carrier of the pool sleeps, for {@link QueueTurns#spills}. */
    private final BooleanSupplier anotherAsleep;
    /** {@link #runQueue} as {@link #turns} takes from it. */
    private final QueueTurns.Shared<Runnable> shared = new QueueTurns.Shared<>() {
        @Override
        public Runnable poll() {
            return pollRunQueue();
        }

        @Override
        public int length() {
            return runQueueLength.get();
        }
    };

    Carrier(CarrierScheduler scheduler, CarrierGroup group, Lifecycle lifecycle, int id, int ringEntries,
            RingMode mode, SubmitPacing pacing, String name) {
        this.group = group;
        this.pacing = pacing;
        this.anotherAsleep = group::anyAsleep;
        this.lifecycle = lifecycle;
        this.id = id;
        this.ringEntries = ringEntries;
        this.mode = mode;
        this.ops = new OpTable("carrier " + id);
        this.thread = new CarrierThread(this, scheduler, name + "-carrier-" + id);
    }

    // ------------------------------------------------------------ lifecycle

    void start() {
        thread.start();
    }

    /** Waits, uninterruptibly, until the ring is made or could not be; returns why not, or null. */
    Throwable awaitStarted() {
        boolean interrupted = false;
        while (true) {
            try {
                started.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        return failure;
    }

    /** Why the carrier could not start or died, or null. */
    Throwable failure() {
        return failure;
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    /** Waits up to {@code millis} for the carrier's thread to end; true if it has. */
    boolean join(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    int id() {
        return id;
    }

    PinWatchdog.Progress progress() {
        return progress;
    }

    /** Whether the current thread runs on this carrier: the carrier itself, or a virtual thread mounted on it. */
    boolean isCurrent() {
        return Loom.currentCarrierThread() == thread;
    }

    // ----------------------------------------------------------------- loop

    @Override
    public void run() {
        try {
            ring = Ring.open(ringEntries, mode);
            ring.registerRingFd();
            probe = ring.probe();
            mailbox.open();
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
            try {
                release();
            } finally {
                if (Thread.currentThread() instanceof CarrierThread ct) CarrierCache.carrierEnded(ct);
            }
        }
    }

    /**
     * The carrier's loop. A run costs one reading of the clock: the one taken as the
     * previous run ended is the next run's start when nothing else came in between
     * ({@code lastRunEnd}; no kernel entry, reap, mailbox or idle turn), and the
     * pacing uses it too (docs/DESIGN.md, "Socket I/O on the ring").
     */
    private void loop() throws IOException {
        long lastRunEnd = NO_TIME;
        while (true) {
            if (!mailbox.isEmpty()) {
                drainMailbox();
                lastRunEnd = NO_TIME;
            }
            if (lifecycle.failsInFlight()) {
                ops.failAll(this::failOnClose);
                lastRunEnd = NO_TIME;
            }
            Runnable task = nextTask();
            if (task != null) {
                long end = runTask(task, lastRunEnd);
                long enters = entersMade;
                boolean quiet = pollRing(false, end) == 0 && entersMade == enters;
                lastRunEnd = quiet ? end : NO_TIME;
                continue;
            }
            lastRunEnd = NO_TIME;   // idle from here on: the time until the next run is unbounded
            if (pollRing(true, NO_TIME) > 0) {
                continue;
            }
            task = group.steal(this);
            if (task != null) {
                counters.inc(STEALS);
                lastRunEnd = runTask(task, NO_TIME);
                continue;
            }
            if (lifecycle.isStopping() && ops.inFlight() == 0 && runQueue.isEmpty() && woken.isEmpty()
                    && !mailbox.hasSubmissions()) {
                return;
            }
            sleep();
        }
    }

    /**
     * The woken and the shared queue in turns ({@link QueueTurns}). A fixed
     * ratio starved the shared queue: with 8 woken threads per shared one, the
     * threads a server starts for new connections waited up to 0.5 s behind the
     * woken ones (docs/DESIGN.md, "Decisions and measurements").
     */
    private Runnable nextTask() {
        return turns.next(woken, shared);
    }

    private Runnable pollRunQueue() {
        Runnable task = runQueue.poll();
        if (task != null) runQueueLength.decrementAndGet();
        return task;
    }

    private void offerRunQueue(Runnable continuation) {
        runQueueLength.incrementAndGet();
        runQueue.offer(continuation);
    }

    /** No clock reading to reuse ({@link #loop}). */
    private static final long NO_TIME = Long.MIN_VALUE;

    /** Runs {@code task}, mounted at {@code start} ({@link #NO_TIME}: now); returns the clock as it ended. */
    private long runTask(Runnable task, long start) {
        counters.inc(RUN);
        taskStartNanos = start != NO_TIME ? start : System.nanoTime();
        task.run();
        long end = System.nanoTime();
        progress.taskEnded();
        return end;
    }

    /**
     * Queues {@code continuation}, made runnable by the current thread, which
     * runs on this carrier. A thread woken by a CQE this carrier is reaping
     * goes to the woken queue, any other to the run queue. So does a woken one
     * when {@link QueueTurns#SPILL_BACKLOG} woken threads already wait here and another
     * carrier sleeps: woken threads are never stolen, and without this one
     * carrier could keep a backlog of them while the other idles.
     *
     * @return whether an idle carrier should be woken to steal from the run queue
     */
    boolean enqueueLocal(Runnable continuation) {
        if (reaping && Thread.currentThread() == thread) {
            if (!QueueTurns.spills(woken.size(), anotherAsleep)) {
                woken.offer(continuation);
                return false;
            }
            offerRunQueue(continuation);
            return true;
        }
        Runnable previous = runQueue.peek();
        offerRunQueue(continuation);
        return previous != null;
    }

    /** How long the task now running on this carrier has run since it was mounted; carrier only. */
    long runningNanos() {
        return System.nanoTime() - taskStartNanos;
    }

    /** Queues {@code continuation} from a thread off this carrier, and wakes the carrier. */
    void enqueueForeign(Runnable continuation) {
        offerRunQueue(continuation);
        mailbox.wake();
    }

    /** A thread from this carrier's run queue for another carrier, or null; any thread. */
    Runnable stealTask() {
        return runQueue.peek() == null ? null : pollRunQueue();
    }

    /**
     * Between two virtual threads: enter the kernel once when it flagged CQ
     * overflow, or when SQEs are pending or it flagged task work
     * ({@code IORING_SQ_TASKRUN}) and either nothing else is runnable or they
     * have waited long enough ({@link SubmitPacing}); then reap. One enter thus
     * carries several SQEs and runs several completions' task work.
     *
     * @param idle nothing is runnable: submit whatever is pending
     * @param runEnd the clock as the run before this call ended (the pacing's), unless {@code idle}
     * @return CQEs reaped
     */
    private int pollRing(boolean idle, long runEnd) throws IOException {
        int pending = ring.sq().pending();
        int flags = ring.sq().flags();
        boolean waiting = pending > 0 || (flags & IORING_SQ_TASKRUN) != 0;
        boolean enterNow = waiting && (idle || pacing.ranWhileWaiting(runEnd) || runQueue.peek() == null && woken.isEmpty());
        if (enterNow || (flags & IORING_SQ_CQ_OVERFLOW) != 0) {
            if ((flags & IORING_SQ_CQ_OVERFLOW) != 0) counters.inc(OVERFLOWS);
            enter(0);
        }
        return ring.cq().ready() > 0 ? reap() : 0;
    }

    private void enter(int minComplete) throws IOException {
        entersMade++;
        int pending = ring.sq().pending();
        int ret = ring.submit(minComplete, 0);
        pacing.entered();   // whichever enter it was, nothing waits for one any more
        counters.inc(ENTERS);
        if (ret > 0) counters.add(SQES, ret);
        else if (ret < 0 && ret != -Errno.EINTR && ret != -Errno.EBUSY && ret != -Errno.EAGAIN && ret != -Errno.ETIME) {
            throw new IOException("io_uring_enter on carrier " + id + " (" + pending + " to submit): " + Errno.name(ret));
        }
    }

    private void sleep() throws IOException {
        if (group.jvmExiting()) {
            // not asleep in the kernel while the JVM exits (CarrierScheduler.jvmExiting); the
            // loop looks again, entering the kernel when requests or completions' task work wait
            LockSupport.parkNanos(EXIT_POLL_NANOS);
            return;
        }
        mailbox.sleeping();
        // jvmExiting again: set between the look above and sleeping(), its wake found no sleeper
        if (!runQueue.isEmpty() || !woken.isEmpty() || !mailbox.isEmpty() || lifecycle.isStopping()
                || group.jvmExiting()) {
            mailbox.awake();
            return;
        }
        group.sleeping(this);
        counters.inc(SLEEPS);
        try {
            enter(1);
        } finally {
            group.awake(this);
            mailbox.awake();
        }
        reap();
    }

    /** Makes this carrier leave its kernel sleep soon; any thread. */
    void wake() {
        mailbox.wake();
    }

    boolean isSleeping() {
        return mailbox.isSleeping();
    }

    private void armWake() throws IOException {
        if (!mailbox.arm(ring)) {
            throw new IOException("carrier " + id + ": no SQ room to arm its wake-up read");
        }
    }

    // -------------------------------------------------------------- reaping

    private int reap() {
        reaping = true;
        try {
            return ring.reap(this::completed);
        } finally {
            reaping = false;
        }
    }

    private void completed(long userData, int res, int flags) {
        counters.inc(CQES);
        switch (UserData.kind(userData)) {
            case UserData.KIND_OP -> ops.complete(userData, res, flags);
            case UserData.KIND_WAKE -> {
                mailbox.disarmed();
                counters.inc(WAKEUPS);
                if (!lifecycle.isStopping() || ops.inFlight() > 0) {
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

    // ----------------------------------------------------------- operations

    /** Pushes {@code op}'s SQE into this ring. Carrier only. */
    void push(Op op) throws IOException {
        long userData = ops.add(op);
        op.placed(this, userData);
        try {
            if (op.linkedTimeout != null) {
                long timeoutUd = UserData.pack(UserData.KIND_IGNORED, 0, 0);
                while (!ring.pushLinked(op.request, userData, op.linkedTimeout, timeoutUd)) {
                    makeSqRoom();
                }
            } else {
                while (!ring.push(op.request, userData)) {
                    makeSqRoom();
                }
            }
        } catch (IOException | RuntimeException e) {
            ops.remove(userData);
            throw e;
        }
        op.submitted();
        if (failOnClose(op)) return;
        if (op.isAbandoned()) op.requestCancel();
        // Behind the SQE in this ring, so the kernel sees the request first. A cancel asked
        // for by another thread while the op was not yet submitted found no ring to go to
        // (CarrierScheduler.requestCancel): it goes from here. The asker stores the request,
        // then loads the state; this carrier stores the state, then loads the request
        // (both volatile): at least one of them sees the other's store.
        if (op.isCancelRequested()) pushCancel(op);
    }

    /** The kernel takes no more SQEs until CQ room frees up: submit and reap, so the caller may retry. */
    private void makeSqRoom() throws IOException {
        enter(0);
        reap();
    }

    /** Queues an ASYNC_CANCEL for {@code op}, which is in this ring. Carrier only. */
    void pushCancel(Op op) throws IOException {
        if (!op.isSubmitted()) return;
        long ud = UserData.pack(UserData.KIND_CANCEL, 0, 0);
        while (!ring.push(Request.cancel(op.userData()), ud)) {
            makeSqRoom();
        }
    }

    /**
     * Past the close's grace: marks {@code op} failed by the close and cancels
     * it, once. Carrier only.
     *
     * @return whether this call failed it
     */
    private boolean failOnClose(Op op) throws IOException {
        if (!lifecycle.failsInFlight() || !op.failByClose()) return false;
        pushCancel(op);
        return true;
    }

    /** Cancels every request on {@code fd} in this ring, then runs {@code issued}; any thread. */
    void cancelFd(int fd, Runnable issued) throws IOException {
        if (isCurrent()) {
            try {
                pushFdCancel(fd);
            } finally {
                issued.run();
            }
            return;
        }
        mailbox.cancelFd(fd, issued);
        if (!thread.isAlive()) {
            // The carrier has ended (it drains the mailbox last of all): no ring holds
            // requests on the fd, so each entry still here is done by whoever takes it.
            mailbox.dropFdCancels();
        }
    }

    private void pushFdCancel(int fd) throws IOException {
        if (ops.inFlight() == 0) return;
        long ud = UserData.pack(UserData.KIND_CANCEL, 0, 0);
        while (!ring.push(Request.cancelFd(fd), ud)) {
            makeSqRoom();
        }
        enter(0);   // a close waits on this: do not defer it
    }

    /** From another thread: have this carrier push {@code op}. */
    void submitForeign(Op op) {
        mailbox.submit(op);
    }

    /** From another thread: have this carrier cancel {@code op}. */
    void cancelForeign(Op op) {
        mailbox.cancel(op);
    }

    private void drainMailbox() throws IOException {
        Op op;
        while ((op = mailbox.pollSubmission()) != null) {
            boolean stopping = lifecycle.isStopping();
            if (op.isCancelRequested() || stopping) {
                op.completeUnsubmitted(stopping);
                continue;
            }
            try {
                push(op);
            } catch (IOException | RuntimeException e) {
                op.complete(-Errno.EINVAL);
            }
        }
        while ((op = mailbox.pollCancel()) != null) {
            pushCancel(op);
        }
        ForeignMailbox.FdCancel c;
        while ((c = mailbox.pollFdCancel()) != null) {
            try {
                pushFdCancel(c.fd());
            } finally {
                c.issued().run();
            }
        }
    }

    /**
     * Waits for {@code op}'s CQE on this carrier's OS thread without
     * unmounting: for pinned virtual threads and the carrier itself. Other
     * threads' completions are reaped and queued meanwhile, and the mailbox's
     * submissions and cancels are pushed. Waits in slices so
     * an interrupt is noticed: it cancels an interruptible op; either way the
     * wait goes on until the op's own CQE, and the interrupt status is put back.
     */
    void waitInPlace(Op op) throws IOException {
        boolean interrupted = false;
        while (!op.isDone()) {
            // A held carrier still takes what other threads hand it. A cancel of another of
            // its requests, asked for by that request's thread from another carrier, would
            // otherwise wait in the mailbox for as long as this wait lasts, which may be for
            // ever: an accept's poll ends only by its cancel.
            drainMailbox();
            // This carrier is held: its woken threads, which no other carrier takes, go to
            // the shared queue, and an idle carrier is woken to steal from it.
            for (Runnable t; (t = woken.poll()) != null; ) offerRunQueue(t);
            if (runQueue.peek() != null) group.shareWork(this);
            failOnClose(op);
            if (Thread.interrupted()) {
                interrupted = true;
                if (op.interruptible && op.requestCancel()) pushCancel(op);
            }
            counters.inc(ENTERS);
            int ret = ring.submitAndWait(WAIT_IN_PLACE_NANOS);
            if (ret > 0) counters.add(SQES, ret);
            reap();
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    // ---------------------------------------------------------------- close

    private void release() {
        try {
            if (ring != null && !ring.isClosed()) {
                if (mailbox.isArmed()) {
                    // The armed read owns the wake buffer: make it complete before unmapping anything.
                    mailbox.writeEventFd();
                    long deadline = System.nanoTime() + RELEASE_WAKE_NANOS;
                    while (mailbox.isArmed() && System.nanoTime() < deadline) {
                        ring.submitAndWait(RELEASE_WAIT_NANOS);
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
            mailbox.dropFdCancels();
            if (ring == null || ring.isClosed()) {
                mailbox.close();
            }
        }
    }

    // ---------------------------------------------------------------- stats

    CarrierStats stats() {
        return counters.snapshot(id, ops.inFlightOpaque());
    }

    /** Runnable threads in the shared queue (not the woken one, which is carrier only); any thread. */
    int runQueueLength() {
        return runQueueLength.get();
    }

    /** The probe is read once at ring creation and never changes: safe from any thread after start. */
    boolean supports(int opcode) {
        return probe != null && probe.supports(opcode);
    }
}
