package io.ringloom.rings.carrier;

import io.ringloom.core.CarrierStats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** One carrier's counters: written by that carrier only, read by any thread with opaque loads. */
final class CarrierCounters {
    private static final VarHandle COUNTERS = MethodHandles.arrayElementVarHandle(long[].class);

    static final int RUN = 0, SQES = 1, ENTERS = 2, SLEEPS = 3, WAKEUPS = 4, CQES = 5, OVERFLOWS = 6,
            STEALS = 7, COUNT = 8;

    private final long[] counters = new long[COUNT];

    /** Carrier only. */
    void inc(int counter) {
        add(counter, 1);
    }

    /** Carrier only. */
    void add(int counter, long n) {
        COUNTERS.setOpaque(counters, counter, (long) COUNTERS.getOpaque(counters, counter) + n);
    }

    private long get(int counter) {
        return (long) COUNTERS.getOpaque(counters, counter);
    }

    /** A racy, untorn snapshot; any thread. */
    CarrierStats snapshot(int carrier, int inFlight) {
        return new CarrierStats(carrier, get(RUN), get(SQES), get(ENTERS), get(SLEEPS), get(WAKEUPS), get(CQES),
                get(OVERFLOWS), get(STEALS), inFlight);
    }
}
