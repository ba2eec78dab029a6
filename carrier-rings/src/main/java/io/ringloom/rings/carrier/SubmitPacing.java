package io.ringloom.rings.carrier;

import java.util.function.LongSupplier;

/**
 * When a busy carrier enters the kernel for the SQEs and flagged task work that
 * wait: after {@code batch} virtual threads have run since they began to wait,
 * or once {@code delayNanos} have passed, whichever comes first. A batch of
 * small handlers' requests thus shares one enter, and a handler that runs long
 * does not hold back the others' requests for a whole batch of its runs
 * (docs/DESIGN.md, "Socket I/O on the ring"). An idle carrier does not ask: it
 * enters at once. Carrier only.
 */
final class SubmitPacing {
    private final int batch;
    private final long delayNanos;
    private final LongSupplier clock;     // System::nanoTime, or a test's
    private int runs;                      // threads run while requests waited for an enter
    private long firstWaitNanos;           // the clock when they began to wait (runs > 0)

    SubmitPacing(int batch, long delayNanos, LongSupplier clock) {
        if (batch < 1 || delayNanos < 0) throw new IllegalArgumentException("batch " + batch + ", delay " + delayNanos);
        this.batch = batch;
        this.delayNanos = delayNanos;
        this.clock = clock;
    }

    /** Counts one more thread run while requests wait: true once they waited a batch or the delay. */
    boolean ranWhileWaiting() {
        if (runs++ == 0) {
            firstWaitNanos = clock.getAsLong();
            return batch == 1;
        }
        return runs >= batch || clock.getAsLong() - firstWaitNanos >= delayNanos;
    }

    /** The carrier entered the kernel: nothing waits any more. */
    void entered() {
        runs = 0;
    }
}
