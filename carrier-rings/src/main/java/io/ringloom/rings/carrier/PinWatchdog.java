package io.ringloom.rings.carrier;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Finds virtual threads that parked while pinned (a class initializer, a
 * native frame): such a park holds the carrier's OS thread, so nobody reaps
 * its ring and the CQE that would unpark the thread never arrives. The JDK
 * cannot tell us ({@code Continuation.isPinned} answers true everywhere on
 * 25.0.3), so the watchdog looks for the effect instead
 * (docs/DESIGN.md, "Pinned threads"): every {@link #PERIOD_NANOS} it
 * unparks the thread that announced a park on a carrier whose task count has
 * not moved since its last look. That thread then finds itself
 * {@link Progress#stalledSince stalled} and waits for its CQE in place.
 */
final class PinWatchdog implements Runnable {
    static final long PERIOD_NANOS = 10_000_000L;

    private final Progress[] carriers;
    private final BooleanSupplier keepWatching;

    /** Watches {@code carriers} for as long as {@code keepWatching} answers true. */
    PinWatchdog(Progress[] carriers, BooleanSupplier keepWatching) {
        this.carriers = carriers.clone();
        this.keepWatching = keepWatching;
    }

    @Override
    public void run() {
        while (keepWatching.getAsBoolean()) {
            LockSupport.parkNanos(PERIOD_NANOS);
            for (Progress p : carriers) p.look();
        }
    }

    /** One carrier's progress, as its virtual threads and the watchdog see it. */
    static final class Progress {
        /**
         * The op a virtual thread on the carrier is about to park for; set by
         * that thread, cleared by the carrier once the thread unmounted, or by
         * the thread when it waits in place or its op is done. Still set, with
         * {@link #tasksRun} unchanged, means the thread parked while pinned.
         */
        private volatile Op parkCandidate;
        /**
         * The candidate the watchdog last unparked for want of progress;
         * cleared as each park begins. A thread takes itself for pinned only
         * if the watchdog woke it so: a park that returned on a permit left
         * by an earlier unpark, with the carrier's OS thread then descheduled,
         * looks stalled by the clock alone.
         */
        private volatile Op unparkedFor;
        /** Tasks the carrier has finished running; the carrier writes, anyone reads. */
        private volatile long tasksRun;
        /** {@link #tasksRun} at the watchdog's last look; watchdog only. */
        private long seenByWatchdog;

        /** The current thread, mounted on this carrier, is about to park for {@code op}. */
        void parking(Op op) {
            if (unparkedFor != null) unparkedFor = null;   // a read, not a store, on nearly every park
            parkCandidate = op;
        }

        /** The current thread, mounted on this carrier, waits in place instead of parking. */
        void waitingInPlace() {
            parkCandidate = null;
        }

        /**
         * {@code op}'s wait is over; its thread may run on another carrier by now.
         * Still announced, the op says its thread never unmounted since: only that
         * thread announces it, and any unmount clears it. So the clearing store is
         * this carrier's thread's own, and is made only then.
         */
        void parkOver(Op op) {
            if (parkCandidate == op) parkCandidate = null;
        }

        /** Carrier only: a task ran to its end or unmounted. */
        void taskEnded() {
            parkCandidate = null;
            tasksRun = tasksRun + 1;   // single writer
        }

        long tasksRun() {
            return tasksRun;
        }

        /**
         * Whether the park for {@code op} that began at {@code parkedAt} with
         * {@code tasksRunBefore} held the carrier: the watchdog woke it for want
         * of progress, it lasted long enough for that, and no task ended on the
         * carrier meanwhile (an unmount would have ended one).
         */
        boolean stalledSince(long tasksRunBefore, long parkedAt, Op op) {
            return tasksRun == tasksRunBefore && unparkedFor == op && System.nanoTime() - parkedAt >= PERIOD_NANOS / 2;
        }

        private void look() {
            Op candidate = parkCandidate;
            long seen = tasksRun;
            if (candidate != null && seen == seenByWatchdog) {
                unparkedFor = candidate;
                LockSupport.unpark(candidate.waiter());
            }
            seenByWatchdog = seen;
        }
    }
}
