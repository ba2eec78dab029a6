package io.ringloom.internal;

import io.ringloom.rings.carrier.CarrierScheduler;

import java.util.function.Supplier;

/**
 * The JVM-wide pool of the drop-in, as the facade's channels see it: the
 * agent hands its pool in here, since the agent package is exported and this
 * one is not (docs/DESIGN.md, "Drop-in").
 */
public final class DropIn {
    private DropIn() {}

    /** Set once by the agent when it installs; the supplier builds the pool on first use. */
    private static volatile Supplier<CarrierScheduler> jvmWide;

    public static void setJvmWidePool(Supplier<CarrierScheduler> pool) {
        jvmWide = pool;
    }

    /**
     * The ring a drop-in socket uses for callers off every pool: the JVM-wide
     * pool's, built now if no virtual thread built it yet; null without the
     * agent, when the pool could not start, or in fallback mode.
     */
    public static CarrierScheduler jvmWideScheduler() {
        if (IoDispatcher.forcedFallback()) return null;
        Supplier<CarrierScheduler> p = jvmWide;
        return p == null ? null : p.get();
    }
}
