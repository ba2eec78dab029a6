package io.ringloom.rings.carrier;

/**
 * When a busy carrier enters the kernel for the SQEs and flagged task work that
 * wait: after {@code batch} virtual threads have run since they began to wait,
 * or once {@code delayNanos} have passed, whichever comes first. A batch of
 * small handlers' requests thus shares one enter, and a handler that runs long
 * does not hold back the others' requests for a whole batch of its runs
 * (docs/DESIGN.md, "Socket I/O on the ring"). An idle carrier does not ask: it
 * enters at once. The time is the one the carrier read as each thread's run ended,
 * so pacing reads no clock of its own (a {@code System.nanoTime} per run was 0.4% of
 * a pinned HTTP server's CPU). Carrier only.
 */
final class SubmitPacing {
    private final int batch;
    private final long delayNanos;
    private int runs;                      // threads run while requests waited for an enter
    private long firstWaitNanos;           // when the first of those runs ended (runs > 0)

    SubmitPacing(int batch, long delayNanos) {
        if (batch < 1 || delayNanos < 0) throw new IllegalArgumentException("batch " + batch + ", delay " + delayNanos);
        this.batch = batch;
        this.delayNanos = delayNanos;
    }

    /**
     * Counts one more thread run while requests wait, a run that ended at
     * {@code runEndNanos} ({@link System#nanoTime}): true once they waited a
     * batch or the delay.
     */
    boolean ranWhileWaiting(long runEndNanos) {
        if (runs++ == 0) {
            firstWaitNanos = runEndNanos;
            return batch == 1;
        }
        return runs >= batch || runEndNanos - firstWaitNanos >= delayNanos;
    }

    /** The carrier entered the kernel: nothing waits any more. */
    void entered() {
        runs = 0;
    }
}
