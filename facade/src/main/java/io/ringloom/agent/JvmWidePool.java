package io.ringloom.agent;

import io.ringloom.CarrierPool;
import io.ringloom.rings.jfr.FallbackEvent;
import io.ringloom.rings.jfr.Recorder;

import java.lang.reflect.Method;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The JVM-wide {@link CarrierPool} the agent puts virtual threads on, created
 * by the first virtual thread that asks for it ({@link #get()} is what
 * {@code java.lang.RingloomSchedulerHook} calls from {@code VirtualThread}'s
 * constructor). A null answer means "the JDK's default scheduler".
 *
 * <p>The hook is reached only when the creating thread is a platform thread
 * (a virtual parent's scheduler is inherited before it), so waiting here
 * never parks a carrier. Threads that building the pool creates on the
 * building thread itself (the JDK's socket poller, if not yet started) get
 * the JDK's scheduler; other threads wait for the build, at most
 * {@link #BUILD_WAIT_SECONDS}, then get the JDK's scheduler too.
 *
 * <pre>
 *  state       NEW --first get()--> BUILDING --pool on rings--> RUNNING
 *                                      |
 *                                      +--fallback or error--> FAILED
 * </pre>
 */
final class JvmWidePool implements Supplier<Executor> {
    enum State { NEW, BUILDING, RUNNING, FAILED }

    static final String POOL_NAME = "ringloom";
    private static final long BUILD_WAIT_SECONDS = 30;

    static final JvmWidePool INSTANCE = new JvmWidePool();

    /** The pool's scheduler once RUNNING; read without the lock on every virtual thread's creation. */
    private volatile Executor scheduler;
    /** Written under this; read without it so that a FAILED pool costs no lock per virtual thread. */
    private volatile State state = State.NEW;
    /** The thread building the pool; guarded by this. */
    private Thread builder;
    /** The running pool, or null; guarded by this. */
    private CarrierPool pool;
    /** Why the pool is not running (FAILED), or null; guarded by this. */
    private String failure;

    private JvmWidePool() {}

    @Override
    public Executor get() {
        Executor s = scheduler;
        if (s != null) return s;
        return state == State.FAILED ? null : startOrWait();
    }

    private Executor startOrWait() {
        Thread me = Thread.currentThread();
        synchronized (this) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BUILD_WAIT_SECONDS);
            while (state == State.BUILDING) {
                if (builder == me) return null;
                long left = deadline - System.nanoTime();
                if (left <= 0) return null;
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    me.interrupt();
                    return null;
                }
            }
            if (state != State.NEW) return scheduler;
            state = State.BUILDING;
            builder = me;
        }
        CarrierPool built = null;
        Executor executor = null;
        String why;
        try {
            built = CarrierPool.builder().name(POOL_NAME).build();
            why = built.fallbackReason();   // already logged by the pool, once
            if (why == null) executor = schedulerOf(built);
        } catch (Throwable e) {
            why = "the JVM-wide pool could not be created: " + e;
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom agent: virtual threads stay on the JDK's scheduler; " + why);
        }
        if (executor == null && Recorder.initialized()) FallbackEvent.commit(POOL_NAME, true, why);
        synchronized (this) {
            pool = executor != null ? built : null;
            failure = why;
            state = executor != null ? State.RUNNING : State.FAILED;
            builder = null;
            scheduler = executor;
            notifyAll();
        }
        return executor;
    }

    /**
     * The scheduler behind a pool: {@code CarrierPool.scheduler()} is
     * package-private in {@code io.ringloom}, this package's module.
     */
    private static Executor schedulerOf(CarrierPool pool) throws ReflectiveOperationException {
        Method m = CarrierPool.class.getDeclaredMethod("scheduler");
        m.setAccessible(true);
        return (Executor) m.invoke(pool);
    }

    /** The pool's scheduler for the drop-in sockets: built now if needed; null if it cannot run. */
    io.ringloom.rings.carrier.CarrierScheduler scheduler() {
        return (io.ringloom.rings.carrier.CarrierScheduler) get();
    }

    State state() {
        return state;
    }

    synchronized CarrierPool pool() {
        return pool;
    }

    synchronized String failure() {
        return failure;
    }
}
