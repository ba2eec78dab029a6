package io.ringloom.rings.carrier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Constructor;
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
 * </ul>
 * Pinning is not asked of the JDK: {@code Continuation.isPinned} counts its own
 * native frame and answers true everywhere (measured on 25.0.3). The pool
 * detects a pinned park by its effect instead ({@link CarrierScheduler}).
 * When any is missing, {@link #unavailableReason()} says which flag to add.
 * They are reached when a pool first starts, not when this class loads.
 */
final class Loom {
    private Loom() {}

    /** Both hooks, reached. */
    private record Hooks(Constructor<?> builder, VarHandle carrierThread) {}

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
            VarHandle carrier = MethodHandles.privateLookupIn(vt, MethodHandles.lookup())
                    .findVarHandle(vt, "carrierThread", Thread.class);
            hooks = new Hooks(builder, carrier);
            return null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "the JVM flag --add-opens java.base/java.lang=ALL-UNNAMED is missing or this JDK differs (" + e + ")";
        }
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
        Hooks h = hooks;
        return t.isVirtual() && h != null ? (Thread) h.carrierThread().getVolatile(t) : t;
    }

    /**
     * Starts the JDK's socket poller threads from this (platform) thread: the
     * first socket operation would otherwise create them inside whatever
     * scheduler it runs on, and a poller on our carriers would block one.
     */
    static void initializeJdkPoller() {
        try {
            Class.forName("sun.nio.ch.Poller", true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // Not fatal: only socket I/O through the JDK (not Ringloom) would use it.
            System.getLogger("io.ringloom").log(System.Logger.Level.DEBUG, "JDK poller not initialised", e);
        }
    }
}
