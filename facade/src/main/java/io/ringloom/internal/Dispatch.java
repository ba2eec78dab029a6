package io.ringloom.internal;

import io.ringloom.rings.carrier.CarrierScheduler;

/** @deprecated {@link IoDispatcher} decides ring or plain syscall; this delegate goes once the sockets call it directly. */
@Deprecated
public final class Dispatch {
    private Dispatch() {}

    public static CarrierScheduler scheduler() {
        return IoDispatcher.scheduler();
    }

    public static boolean forcedFallback() {
        return IoDispatcher.forcedFallback();
    }
}
