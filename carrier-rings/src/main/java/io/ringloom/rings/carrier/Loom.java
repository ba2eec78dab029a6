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
 */
final class Loom {
    private Loom() {}

    private static final Constructor<?> BUILDER;
    private static final VarHandle CARRIER_THREAD;
    private static final String UNAVAILABLE;

    static {
        Constructor<?> builder = null;
        VarHandle carrier = null;
        String why = null;
        try {
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            builder = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder")
                    .getDeclaredConstructor(Executor.class);
            builder.setAccessible(true);
            carrier = MethodHandles.privateLookupIn(vt, MethodHandles.lookup())
                    .findVarHandle(vt, "carrierThread", Thread.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            why = "the JVM flag --add-opens java.base/java.lang=ALL-UNNAMED is missing or this JDK differs ("
                    + e + ")";
        }
        if (why != null) {
            builder = null;
            carrier = null;
        }
        BUILDER = builder;
        CARRIER_THREAD = carrier;
        UNAVAILABLE = why;
    }

    /** Null when the hooks work, else why not. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    static Thread.Builder.OfVirtual newBuilder(Executor scheduler) {
        try {
            return (Thread.Builder.OfVirtual) BUILDER.newInstance(scheduler);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create a virtual-thread builder", e);
        }
    }

    /** The platform thread the current thread runs on: itself, or a virtual thread's carrier. */
    static Thread currentCarrierThread() {
        Thread t = Thread.currentThread();
        return t.isVirtual() && CARRIER_THREAD != null ? (Thread) CARRIER_THREAD.getVolatile(t) : t;
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
