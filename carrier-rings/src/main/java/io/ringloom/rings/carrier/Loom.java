package io.ringloom.rings.carrier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.concurrent.Executor;

/**
 * The JDK internals a custom virtual-thread scheduler needs, reached once by
 * reflection (docs/DESIGN.md, "Decisions and measurements"):
 * <ul>
 * <li>{@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)}: the only
 *     way to give virtual threads a scheduler (needs
 *     {@code --add-opens java.base/java.lang=ALL-UNNAMED});</li>
 * <li>{@code VirtualThread.carrierThread}: which carrier the current virtual
 *     thread is mounted on, so a blocking call finds its ring;</li>
 * <li>the thread behind a continuation the scheduler is given and its
 *     {@code state}, so a start can be told from an unpark ({@link #isStart}):
 *     the task is the thread's {@code this::runContinuation}, whose lambda
 *     class holds the thread in its one captured field.</li>
 * </ul>
 * Pinning is not asked of the JDK: {@code Continuation.isPinned} counts its own
 * native frame and answers true everywhere (measured on 25.0.3). The pool
 * detects a pinned park by its effect instead ({@link CarrierScheduler}).
 * When any is missing, {@link #unavailableReason()} says which flag to add.
 * They are reached when a pool first starts, not when this class loads.
 */
final class Loom {
    private Loom() {}

    /** The JDK's system property for how {@code sun.nio.ch.Poller} polls: 1 (platform threads) or 2 (virtual). */
    static final String JDK_POLLER_MODE = "jdk.pollerMode";

    /**
     * The hooks, reached. The last four tell a start ({@link #isStart}); they are
     * null when this JDK's continuation task is not the lambda described above,
     * and then no execute counts as a start.
     */
    private record Hooks(Constructor<?> builder, VarHandle carrierThread,
                         Class<?> continuationClass, VarHandle continuationThread,
                         VarHandle state, int startedState) {}

    /**
     * The hooks once reached; null before. Written once, under the class's
     * lock, by the first {@link #unavailableReason} that reaches them; read
     * without it on every blocking call ({@link #currentCarrierThread}). Not
     * decided in a static initializer: this class can be initialised before
     * Ringloom's agent opens {@code java.lang} (a file or socket call through the
     * drop-in's providers, made by an agent whose premain runs first, asks
     * {@link CarrierScheduler#current}), and a failure kept from then would keep
     * every later pool off its carriers.
     */
    private static volatile Hooks hooks;

    /**
     * Null when the hooks work, else why not (which flag to add). Until they
     * work, each call tries again: it is asked when a pool starts, never on a
     * blocking call.
     */
    static synchronized String unavailableReason() {
        if (hooks != null) return null;
        try {
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            Constructor<?> builder = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder")
                    .getDeclaredConstructor(Executor.class);
            builder.setAccessible(true);
            MethodHandles.Lookup vtLookup = MethodHandles.privateLookupIn(vt, MethodHandles.lookup());
            VarHandle carrier = vtLookup.findVarHandle(vt, "carrierThread", Thread.class);
            hooks = withStartDetection(builder, carrier, vt, vtLookup);
            return null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "the JVM flag --add-opens java.base/java.lang=ALL-UNNAMED is missing or this JDK differs (" + e + ")";
        }
    }

    /**
     * The hooks with what {@link #isStart} reads, found on an unstarted thread of
     * a throw-away builder; without them if this JDK's task differs (logged once).
     */
    private static Hooks withStartDetection(Constructor<?> builder, VarHandle carrier, Class<?> vt,
                                            MethodHandles.Lookup vtLookup) throws ReflectiveOperationException {
        try {
            Executor never = task -> { throw new IllegalStateException("not started"); };
            Thread probe = ((Thread.Builder.OfVirtual) builder.newInstance(never)).unstarted(() -> {});
            Object task = vtLookup.findVarHandle(vt, "runContinuation", Runnable.class).get(probe);
            Class<?> taskClass = task.getClass();
            Field captured = null;
            for (Field f : taskClass.getDeclaredFields()) {
                if (vt.isAssignableFrom(f.getType())) {
                    if (captured != null) throw new NoSuchFieldException("two threads captured in " + taskClass);
                    captured = f;
                }
            }
            if (captured == null) throw new NoSuchFieldException("no thread captured in " + taskClass);
            VarHandle thread = MethodHandles.privateLookupIn(taskClass, MethodHandles.lookup()).unreflectVarHandle(captured);
            if (thread.get(task) != probe) throw new NoSuchFieldException("the captured field is not the thread");
            VarHandle state = vtLookup.findVarHandle(vt, "state", int.class);
            int started = (int) vtLookup.findStaticVarHandle(vt, "STARTED", int.class).get();
            return new Hooks(builder, carrier, taskClass, thread, state, started);
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.getLogger("io.ringloom").log(System.Logger.Level.INFO,
                    "Ringloom cannot tell a thread's start on this JDK; threads started on a carrier stay there: " + e);
            return new Hooks(builder, carrier, null, null, null, -1);
        }
    }

    /**
     * Whether {@code continuation} is submitted for its thread's first run, that is
     * by {@code Thread.start}: the thread is {@code STARTED} until it first mounts
     * (VirtualThread.runContinuation), and every other submission finds it parked,
     * yielded or blocked. Any thread may ask.
     */
    static boolean isStart(Runnable continuation) {
        if (hooks == null || continuation.getClass() != Reached.CONTINUATION_CLASS) return false;
        Object thread = Reached.CONTINUATION_THREAD.get(continuation);
        return (int) Reached.STATE.getVolatile(thread) == Reached.STARTED_STATE;
    }

    /**
     * The hooks as constants, for the calls made on every blocking call and every
     * execute. A {@link VarHandle} read from a field is no constant to the JIT: each
     * access then goes through the handle's generic dispatch, where a constant one
     * compiles to a plain field load ({@link #currentCarrierThread} was about 1% of a
     * pinned HTTP server's CPU that way). Initialised only once {@link #hooks} is set,
     * by a caller that saw it set: its initializer cannot fail then, and so cannot
     * leave the class unusable before the agent opens {@code java.lang}.
     */
    private static final class Reached {
        private Reached() {}

        static final VarHandle CARRIER_THREAD = hooks.carrierThread();
        static final Class<?> CONTINUATION_CLASS = hooks.continuationClass();
        static final VarHandle CONTINUATION_THREAD = hooks.continuationThread();
        static final VarHandle STATE = hooks.state();
        static final int STARTED_STATE = hooks.startedState();
    }

    static Thread.Builder.OfVirtual newBuilder(Executor scheduler) {
        Hooks h = hooks;
        if (h == null) throw new IllegalStateException("the JDK hooks were not reached: " + unavailableReason());
        try {
            return (Thread.Builder.OfVirtual) h.builder().newInstance(scheduler);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create a virtual-thread builder", e);
        }
    }

    /**
     * The platform thread the current thread runs on: itself, or a virtual
     * thread's carrier. Without the hooks no pool has started, so no virtual
     * thread runs on one of its carriers: the thread itself.
     */
    static Thread currentCarrierThread() {
        Thread t = Thread.currentThread();
        return t.isVirtual() && hooks != null ? (Thread) Reached.CARRIER_THREAD.getVolatile(t) : t;
    }

    /**
     * Starts the JDK's socket poller threads from this (platform) thread where
     * they are virtual threads (JDK 25's default {@code jdk.pollerMode}): the
     * first socket operation would otherwise create them inside whatever
     * scheduler it runs on, and a poller on our carriers would block one.
     * Platform pollers ({@code jdk.pollerMode=1}, as the agent chooses) are
     * left to the first socket that needs them: once started, the JVM ends
     * ~340 ms later, HotSpot waiting at exit for the poller's thread in
     * {@code epoll_wait} (docs/DESIGN.md, "Drop-in").
     */
    static void initializeJdkPoller() {
        if (jdkPollersArePlatformThreads()) return;
        try {
            Class.forName("sun.nio.ch.Poller", true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // Not fatal: only socket I/O through the JDK (not Ringloom) would use it.
            System.getLogger("io.ringloom").log(System.Logger.Level.DEBUG, "JDK poller not initialised", e);
        }
    }

    /** Whether {@code sun.nio.ch.Poller} is told to poll on platform threads only ({@code SYSTEM_THREADS}). */
    static boolean jdkPollersArePlatformThreads() {
        String mode = System.getProperty(JDK_POLLER_MODE);
        return mode != null && (mode.equals("1") || mode.equalsIgnoreCase("SYSTEM_THREADS"));   // as Poller parses it
    }
}
