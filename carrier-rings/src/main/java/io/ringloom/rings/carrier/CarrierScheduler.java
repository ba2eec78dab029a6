package io.ringloom.rings.carrier;

import io.ringloom.core.CarrierPoolClosedException;
import io.ringloom.core.CarrierStats;
import io.ringloom.core.RingMode;
import io.ringloom.rings.Config;
import io.ringloom.rings.Request;
import io.ringloom.rings.jfr.CarrierSampleEvent;
import io.ringloom.rings.jfr.PinnedWaitEvent;
import io.ringloom.rings.jfr.Recorder;
import io.ringloom.rings.jfr.SlowOperationEvent;
import io.ringloom.rings.sys.SysCalls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The virtual-thread scheduler whose carriers own io_uring rings
 * (docs/DESIGN.md, "Layers"), and the one primitive the facade builds on
 * ({@link #submitAndAwait}). The JDK hands {@link #execute} each virtual
 * thread's continuation: on start, on every unpark, after {@code Thread.yield},
 * and from its timer and unblocker threads. {@code execute} never blocks and
 * never runs the task inline.
 *
 * <p>The pool's one state is its {@link Lifecycle}; only {@link #close} and a
 * failed start move it.
 */
public final class CarrierScheduler implements Executor, AutoCloseable {
    /** Set once the native backend's set-up has been begun ({@link #prepare}). */
    private static final AtomicBoolean PREPARING = new AtomicBoolean();
    /** Set by the JVM's shutdown ({@link ExitHook}); carriers read it before each sleep. */
    private volatile boolean jvmExiting;
    private static final long POLL_NANOS = 1_000_000L;
    private static final long FAIL_WAIT_SECONDS = 5;
    private static final long STOP_WAIT_SECONDS = 5;

    private final Carrier[] carriers;                       // fixed at start
    private final String name;                              // the pool's, for JFR samples
    private final Lifecycle lifecycle = new Lifecycle();    // moved by close() and a failed start only
    private final Thread.Builder.OfVirtual builder;
    private final ThreadFactory factory;
    /** Carriers asleep in the kernel; a carrier with surplus work wakes one to steal. */
    private final AtomicInteger sleepers = new AtomicInteger();
    /** Threads started through this pool and not yet ended. */
    private final AtomicInteger live = new AtomicInteger();
    /** Round-robin cursor for work from off the pool. */
    private final AtomicInteger nextCarrier = new AtomicInteger();
    /** {@link Config#submitBatch()}, read once for every carrier. */
    private final int submitBatch = Config.submitBatch();
    /** {@link Config#submitDelayMicros()}, read once for every carrier. */
    private final long submitDelayMicros = Config.submitDelayMicros();
    /** Round-robin cursor for threads started on a carrier ({@link #execute}). */
    private final AtomicInteger nextStart = new AtomicInteger();

    private CarrierScheduler(int carrierCount, int ringEntries, RingMode mode, String name, boolean startJdkPoller)
            throws IOException {
        this.carriers = new Carrier[carrierCount];
        this.name = name;
        CarrierGroup group = new Group();
        for (int i = 0; i < carrierCount; i++) {
            SubmitPacing pacing = new SubmitPacing(submitBatch, submitDelayMicros * 1_000L);
            carriers[i] = new Carrier(this, group, lifecycle, i, ringEntries, mode, pacing, name);
        }
        if (startJdkPoller) Loom.initializeJdkPoller();
        for (Carrier c : carriers) c.start();
        for (Carrier c : carriers) {
            Throwable failure = c.awaitStarted();
            if (failure != null) {
                stopCarriers(1, TimeUnit.SECONDS);
                throw failure instanceof IOException io ? io
                        : new IOException("carrier " + c.id() + " could not start", failure);
            }
        }
        this.builder = Loom.newBuilder(this).name(name + "-", 0);
        this.factory = builder.factory();
        PinWatchdog.Progress[] progress = new PinWatchdog.Progress[carrierCount];
        for (int i = 0; i < carrierCount; i++) progress[i] = carriers[i].progress();
        PinWatchdog watchdog = new PinWatchdog(progress, () -> !lifecycle.isClosed() || anyCarrierAlive());
        Thread.ofPlatform().daemon().name(name + "-pin-watchdog").start(watchdog);
        CarrierSamples.add(this);
        ExitHook.LIVE.add(this);
        if (ExitHook.ran) jvmExiting();   // started while the JVM exits, after the hook's pass
    }

    /**
     * The JVM is exiting: from now on this pool's carriers poll their rings, parked in
     * Java for up to a millisecond between looks, instead of sleeping in
     * {@code io_uring_enter}. HotSpot waits up to 300 ms at exit while any thread is
     * in native code, and an idle carrier asleep in the kernel is one: a program
     * that ended with a pool still open (the agent's, which lives as long as the JVM)
     * ended ~340 ms later (docs/DESIGN.md, "Lifecycle and close"). The threads
     * themselves run on as before, only their wake-ups may come up to 1 ms later.
     */
    void jvmExiting() {
        jvmExiting = true;
        wakeAll();
    }

    /** One shutdown hook for every pool still running when the JVM exits. */
    private static final class ExitHook {
        static final Set<CarrierScheduler> LIVE = ConcurrentHashMap.newKeySet();
        /** Set once the hook has run, or could not be added because the JVM already exits. */
        static volatile boolean ran;

        static {
            // no context class loader or inherited values of whichever thread starts the first pool
            Thread hook = Thread.ofPlatform().name("ringloom-exit").inheritInheritableThreadLocals(false)
                    .unstarted(ExitHook::run);
            hook.setContextClassLoader(null);
            try {
                Runtime.getRuntime().addShutdownHook(hook);
            } catch (IllegalStateException alreadyExiting) {
                ran = true;
            }
        }

        private static void run() {
            ran = true;
            for (CarrierScheduler s : LIVE) s.jvmExiting();
        }
    }

    /** The pool as its carriers may reach it. */
    private final class Group implements CarrierGroup {
        @Override
        public void sleeping(Carrier carrier) {
            sleepers.incrementAndGet();
        }

        @Override
        public void awake(Carrier carrier) {
            sleepers.decrementAndGet();
        }

        @Override
        public boolean anyAsleep() {
            return sleepers.get() > 0;
        }

        @Override
        public void shareWork(Carrier busy) {
            CarrierScheduler.this.shareWork(busy);
        }

        @Override
        public boolean jvmExiting() {
            return jvmExiting;
        }

        @Override
        public Runnable steal(Carrier thief) {
            for (Carrier other : carriers) {
                if (other == thief) continue;
                Runnable task = other.stealTask();
                if (task != null) return task;
            }
            return null;
        }
    }

    /** Null when custom-scheduled virtual threads are possible here, else why not (a missing JVM flag). */
    public static String unavailableReason() {
        return Loom.unavailableReason();
    }

    /**
     * Starts {@code carrierCount} carriers, each creating its own ring.
     *
     * @throws IOException when a ring cannot be created (io_uring unavailable)
     * @throws IllegalStateException when the JDK hooks are unavailable ({@link #unavailableReason()})
     */
    public static CarrierScheduler start(int carrierCount, int ringEntries, RingMode mode, String name)
            throws IOException {
        return start(carrierCount, ringEntries, mode, name, true);
    }

    /**
     * As {@link #start(int, int, RingMode, String)}; without {@code startJdkPoller}
     * the JDK's socket poller is not started here (see {@link Loom#initializeJdkPoller}),
     * for programs whose pool threads make no blocking socket call through the JDK's
     * own types: its thread waits in {@code epoll_wait}, and a JVM whose thread is in
     * native code at exit waits about 300 ms for it (HotSpot's
     * {@code VM_Exit::wait_for_threads_in_native_to_block}; measured: a 20-file ringcopy
     * took 0.3 s longer with it).
     */
    public static CarrierScheduler start(int carrierCount, int ringEntries, RingMode mode, String name,
                                         boolean startJdkPoller) throws IOException {
        prepare();
        String unavailable = Loom.unavailableReason();
        if (unavailable != null) throw new IllegalStateException(unavailable);
        if (carrierCount <= 0) throw new IllegalArgumentException("carrier count must be positive: " + carrierCount);
        if (ringEntries <= 0) throw new IllegalArgumentException("ring entries must be positive: " + ringEntries);
        return new CarrierScheduler(carrierCount, ringEntries, mode, name, startJdkPoller);
    }

    /**
     * Begins the native backend's set-up on a daemon thread of its own, once per JVM.
     * The rings' first system call waits for it (~20 ms of generated code for the FFM
     * backend); meanwhile the caller goes on, finding the JDK hooks (docs/DESIGN.md,
     * "Start-up"). {@link #start} calls it; a caller with work of its own before that
     * may call it sooner.
     */
    public static void prepare() {
        if (Config.forcedFallback()) return;   // no ring will start
        if (PREPARING.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("ringloom-prepare").start(CarrierScheduler::prepareSysCalls);
        }
    }

    /**
     * For a JVM whose every virtual thread a hook puts on one pool (the agent):
     * makes the JDK's socket pollers platform threads ({@code jdk.pollerMode=1})
     * unless the application chose a mode, and starts them now, from this
     * platform thread, only where they are still virtual threads
     * ({@link Loom#initializeJdkPoller}). Called before the hook goes live, while
     * a virtual thread made here still gets the JDK's scheduler.
     */
    public static void keepJdkPollersOffCarriers() {
        if (System.getProperty(Loom.JDK_POLLER_MODE) == null) System.setProperty(Loom.JDK_POLLER_MODE, "1");
        Loom.initializeJdkPoller();
    }

    private static void prepareSysCalls() {
        try {
            SysCalls.get().prepare();
        } catch (RuntimeException | LinkageError e) {
            // not reported here: the carriers' first system call meets it and fails their start
        }
    }

    // ------------------------------------------------------------ threads

    public Thread newThread(Runnable task) {
        if (lifecycle.isClosed()) throw new RejectedExecutionException("carrier pool is closed");
        return factory.newThread(counted(task));
    }

    /** Thread runs after which a carrier enters the kernel for waiting requests ({@link SubmitPacing}). */
    public int submitBatch() {
        return submitBatch;
    }

    /** Microseconds after which a carrier enters the kernel for waiting requests ({@link SubmitPacing}). */
    public long submitDelayMicros() {
        return submitDelayMicros;
    }

    /**
     * How long the calling thread has run since it was last mounted on one of
     * this pool's carriers, or -1 off them.
     */
    public long currentRunNanos() {
        Carrier here = currentCarrier();
        return here == null ? -1 : here.runningNanos();
    }

    /** Threads waiting in carrier {@code carrier}'s run queue now. */
    int runQueueLength(int carrier) {
        return carriers[carrier].runQueueLength();
    }

    private Runnable counted(Runnable task) {
        live.incrementAndGet();
        return () -> {
            try {
                task.run();
            } finally {
                live.decrementAndGet();
            }
        };
    }

    public int liveThreads() {
        return live.get();
    }

    /**
     * Queues a thread to run. A start made on a carrier goes to the carriers in
     * turn: a thread keeps running on the carrier that reaps its completions, so
     * where it first runs is where it tends to stay, and started on the starter's
     * carrier an acceptor's threads piled up there (317 of 332 requests in flight
     * on one of two carriers under {@code wrk -c1024}; docs/DESIGN.md, "Where a
     * thread runs"). Every other execute on a carrier (an unpark, a yield) stays on
     * it; from off the pool, an idle carrier or the next in turn.
     */
    @Override
    public void execute(Runnable continuation) {
        Carrier here = currentCarrier();
        if (here != null) {
            if (carriers.length > 1 && Loom.isStart(continuation)) {
                Carrier target = carriers[Math.floorMod(nextStart.getAndIncrement(), carriers.length)];
                if (target != here) {
                    target.enqueueForeign(continuation);
                    return;
                }
            }
            // On one of our carriers (a thread mounted on it, or the carrier
            // itself): its own queue, no wake-up needed.
            if (here.enqueueLocal(continuation)) {
                shareWork(here);
            }
            return;
        }
        pickForExternal().enqueueForeign(continuation);
    }

    /** For work from off the pool: an idle (sleeping) carrier if there is one, else the next in turn. */
    private Carrier pickForExternal() {
        int start = Math.floorMod(nextCarrier.getAndIncrement(), carriers.length);
        if (sleepers.get() > 0) {
            for (int i = 0; i < carriers.length; i++) {
                Carrier c = carriers[(start + i) % carriers.length];
                if (c.isSleeping()) return c;
            }
        }
        return carriers[start];
    }

    /** Wakes one sleeping carrier other than {@code busy}, if any sleeps, to steal from it. */
    private void shareWork(Carrier busy) {
        if (sleepers.get() == 0) return;
        for (Carrier c : carriers) {
            if (c != busy && c.isSleeping()) {
                c.wake();
                return;
            }
        }
    }

    /** The carrier of this pool that the current thread runs on, or null. */
    Carrier currentCarrier() {
        if (Loom.currentCarrierThread() instanceof CarrierThread ct && ct.scheduler == this) {
            return ct.carrier;
        }
        return null;
    }

    /** The pool whose carrier the current thread runs on, or null. */
    public static CarrierScheduler current() {
        return Loom.currentCarrierThread() instanceof CarrierThread ct ? ct.scheduler : null;
    }

    // ---------------------------------------------------------- primitive

    /**
     * The one primitive: prepare {@code request}'s SQE on the current
     * carrier's ring, park until its CQE, return its {@code res}.
     * <ul>
     * <li>On a pool virtual thread: the SQE goes into the ring of the carrier it
     *     is mounted on, and it parks; the reaping carrier resumes it.</li>
     * <li>On a pinned pool virtual thread, or the carrier itself: it waits in
     *     place on its own ring, since parking would stall the carrier.</li>
     * <li>On any other thread: a carrier pushes the SQE for it; it parks.</li>
     * </ul>
     * Interrupt sends {@code ASYNC_CANCEL} and then waits, uninterruptibly,
     * for the target's own CQE: the kernel owns the request's memory until
     * then. The interrupt status is kept; {@code res} then tells whether the
     * request completed anyway or was cancelled ({@code -ECANCELED},
     * {@code -EINTR}).
     *
     * @throws CarrierPoolClosedException when the pool closed while waiting
     */
    public int submitAndAwait(Request request) throws IOException {
        return submitAndAwait(request, null);
    }

    /**
     * As {@link #submitAndAwait(Request)}, with {@code linkedTimeout} (from
     * {@link Request#linkTimeout}) linked after the request: if the timeout
     * fires first the request completes with {@code -ECANCELED}. The
     * timeout's own CQE is not waited for; the kernel read its timespec at
     * submission.
     */
    public int submitAndAwait(Request request, Request linkedTimeout) throws IOException {
        return submitAndAwait(request, linkedTimeout, null);
    }

    /**
     * As {@link #submitAndAwait(Request, Request)}, for a request on a
     * channel's fd. A close that comes while the request is on its way to
     * the ring may cancel the fd's requests before this one is among them;
     * so once the SQE is in the ring the carrier asks {@code abandoned}
     * (true once the channel is closing) and, if so, cancels it itself.
     * Either the close's cancel is queued behind the SQE, or this check sees
     * the close: the call cannot stay blocked on a closed channel.
     */
    public int submitAndAwait(Request request, Request linkedTimeout, BooleanSupplier abandoned) throws IOException {
        return submitAndAwait(request, linkedTimeout, abandoned, true);
    }

    /**
     * As {@link #submitAndAwait(Request, Request, BooleanSupplier)}; when not
     * {@code interruptible}, an interrupt neither cancels the request nor ends
     * the wait: the call waits for the request's CQE and returns its
     * {@code res}, and the interrupt status is set again on return, as for a
     * JDK channel made uninterruptible ({@code FileChannelImpl.setUninterruptible}).
     * A close still ends such a request through {@code abandoned} and the
     * channel's fd-wide cancel ({@link #cancelAll}), and the pool's close
     * through its own cancels.
     */
    public int submitAndAwait(Request request, Request linkedTimeout, BooleanSupplier abandoned, boolean interruptible)
            throws IOException {
        // null unless a recording enables it; no event class is touched before JFR is up (Recorder)
        SlowOperationEvent slow = Recorder.initialized() ? SlowOperationEvent.start() : null;
        Op op = new Op(request, linkedTimeout, abandoned, interruptible, Thread.currentThread());
        Carrier here = currentCarrier();
        if (here != null) {
            // Past the close's grace every request fails, so a thread whose I/O would
            // all complete at once (cached files) still ends before the carriers stop.
            if (lifecycle.failsInFlight()) throw new CarrierPoolClosedException("carrier pool is closed");
            here.push(op);
            if (Thread.currentThread().isVirtual()) {
                parkOnCarrier(here, op);
            } else {
                here.waitInPlace(op);   // the carrier thread itself
            }
        } else {
            if (lifecycle.isClosed()) throw new CarrierPoolClosedException("carrier pool is closed");
            pickForExternal().submitForeign(op);
            parkOnCarrier(null, op);
        }
        if (slow != null) slow.finish(request, op.res(), op.carrier() == null ? -1 : op.carrier().id());
        // A request that completed before the close's cancel reached it keeps its
        // result: an fd opened or accepted, bytes read, must reach the caller.
        if (op.isFailedByClose() && op.res() < 0) {
            throw new CarrierPoolClosedException("carrier pool closed while " + request + " was blocked");
        }
        return op.res();
    }

    /**
     * Parks until {@code op} is done. {@code here} is the carrier of a pool
     * virtual thread, null for any other thread. A pool thread that is pinned
     * (a class initializer, a native frame) parks by holding its carrier's OS
     * thread, so nobody reaps the ring: the {@link PinWatchdog} unparks it
     * after 10-20 ms, and it then finds its carrier stalled since it parked,
     * and waits for its CQE in place instead. An interrupt cancels an
     * interruptible op; the park goes on until the op's own CQE either way
     * (the kernel owns its memory until then), and the status is put back.
     *
     * <p>Only a park that begins on {@code here} can hold the ring, and the
     * progress compared is {@code here}'s, read as that park begins: the thread
     * may resume elsewhere after any park, and a park begun on another carrier
     * says nothing of {@code here}, which may run nothing meanwhile (then a
     * thread back on it took itself for pinned and held it; docs/DESIGN.md,
     * "Pinned threads").
     */
    private void parkOnCarrier(Carrier here, Op op) throws IOException {
        boolean interrupted = false;
        PinWatchdog.Progress progress = null;
        while (!op.isDone()) {
            progress = here != null && here.isCurrent() ? here.progress() : null;
            long tasksRun = 0;
            if (progress != null) {
                progress.parking(op);
                tasksRun = progress.tasksRun();
            }
            long parkedAt = System.nanoTime();
            LockSupport.park(op);
            if (Thread.interrupted()) {
                interrupted = true;   // cleared meanwhile, or every park would return at once
                if (op.interruptible) requestCancel(op);
            }
            if (progress != null && !op.isDone() && here.isCurrent() && progress.stalledSince(tasksRun, parkedAt, op)) {
                progress.waitingInPlace();
                PinnedWaitEvent pinned = Recorder.initialized() ? PinnedWaitEvent.start(parkedAt) : null;   // null unless enabled
                here.waitInPlace(op);
                if (pinned != null) pinned.finish(op.request, op.res(), here.id());
            }
        }
        // A last park that returned without unmounting (a permit left by an earlier unpark) left the op announced.
        if (progress != null) progress.parkOver(op);
        if (interrupted) Thread.currentThread().interrupt();
    }

    private boolean anyCarrierAlive() {
        for (Carrier c : carriers) {
            if (c.isAlive()) return true;
        }
        return false;
    }

    private void requestCancel(Op op) throws IOException {
        if (!op.requestCancel()) return;
        if (!op.isSubmitted()) {
            // Not in a ring yet (or done): the carrier that pushes it sees the request,
            // from its mailbox or right after the push (Carrier.push).
            return;
        }
        Carrier owner = op.carrier();   // written before the state SUBMITTED that was just read
        if (currentCarrier() == owner) {
            owner.pushCancel(op);
        } else {
            owner.cancelForeign(op);
        }
    }

    /**
     * Cancels every request on {@code fd} in every carrier's ring: for a
     * channel closed while calls on it are blocked. Each blocked call then
     * gets its own CQE (typically {@code -ECANCELED}). {@code issued} runs
     * once every ring has issued its cancel (or has none to issue: no ring
     * left). The kernel finds an fd-wide cancel's file from the fd number when
     * it issues it, so the fd must stay open until then: closed earlier, the
     * number could name another file whose requests the cancel would end.
     */
    public void cancelAll(int fd, Runnable issued) throws IOException {
        AtomicInteger pending = new AtomicInteger(carriers.length);
        Runnable one = () -> {
            if (pending.decrementAndGet() == 0) issued.run();
        };
        IOException failure = null;
        for (Carrier c : carriers) {
            try {
                c.cancelFd(fd, one);   // runs one even when it throws
            } catch (IOException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure != null) throw failure;
    }

    /** Whether the kernel under this pool's rings supports {@code opcode}. */
    public boolean supports(int opcode) {
        return carriers[0].supports(opcode);
    }

    // -------------------------------------------------------------- close

    public boolean isClosed() {
        return lifecycle.isClosed();
    }

    /** The {@link Lifecycle} state, for tests. */
    int lifecycleState() {
        return lifecycle.state();
    }

    /**
     * Closes the pool: no new threads; waits up to {@code grace} for running
     * ones to end; then cancels every operation still in flight (their
     * callers get {@link CarrierPoolClosedException}); then stops the
     * carriers, which release their rings and eventfds.
     *
     * @return true if every carrier ended
     */
    public boolean close(long grace, TimeUnit unit) {
        lifecycle.advanceTo(Lifecycle.CLOSING);
        awaitThreadsEnded(unit.toNanos(grace));
        lifecycle.advanceTo(Lifecycle.FAILING);
        wakeAll();
        awaitThreadsEnded(TimeUnit.SECONDS.toNanos(FAIL_WAIT_SECONDS));
        return stopCarriers(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private void awaitThreadsEnded(long nanos) {
        long deadline = System.nanoTime() + nanos;
        while (live.get() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private void wakeAll() {
        for (Carrier c : carriers) c.wake();
    }

    @Override
    public void close() {
        close(10, TimeUnit.SECONDS);
    }

    private boolean stopCarriers(long timeout, TimeUnit unit) {
        lifecycle.advanceTo(Lifecycle.STOPPING);
        CarrierSamples.remove(this);
        ExitHook.LIVE.remove(this);
        wakeAll();
        boolean all = true;
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Carrier c : carriers) {
            if (!c.isAlive()) continue;
            try {
                long left = deadline - System.nanoTime();
                all &= c.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                all &= !c.isAlive();
            }
        }
        if (all) lifecycle.advanceTo(Lifecycle.STOPPED);
        return all;
    }

    // -------------------------------------------------------------- stats

    public List<CarrierStats> stats() {
        List<CarrierStats> list = new ArrayList<>(carriers.length);
        for (Carrier c : carriers) list.add(c.stats());
        return list;
    }

    /** One JFR sample per carrier; on JFR's periodic thread. */
    void commitSamples() {
        for (Carrier c : carriers) CarrierSampleEvent.commit(name, c.stats(), c.runQueueLength());
    }

    public int carrierCount() {
        return carriers.length;
    }

    /** Carriers whose thread died with an exception. */
    public List<Throwable> carrierFailures() {
        List<Throwable> failures = new ArrayList<>();
        for (Carrier c : carriers) {
            Throwable failure = c.failure();
            if (failure != null) failures.add(failure);
        }
        return failures;
    }
}
