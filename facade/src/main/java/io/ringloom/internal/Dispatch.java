package io.ringloom.internal;

import io.ringloom.rings.carrier.CarrierScheduler;

/**
 * Where a blocking call goes: the ring of the carrier the caller runs on, or,
 * off the pool and in fallback mode, a plain syscall on the calling thread.
 */
public final class Dispatch {
    private Dispatch() {}

    private static final boolean FORCED_FALLBACK = Boolean.getBoolean("ringloom.fallback");

    /** The scheduler whose ring this call should use, or null for a plain syscall. */
    public static CarrierScheduler scheduler() {
        return FORCED_FALLBACK ? null : CarrierScheduler.current();
    }

    public static boolean forcedFallback() {
        return FORCED_FALLBACK;
    }
}
