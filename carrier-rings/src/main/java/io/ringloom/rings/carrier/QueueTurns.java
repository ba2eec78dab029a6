package io.ringloom.rings.carrier;

import java.util.Queue;
import java.util.function.BooleanSupplier;

/**
 * Where a carrier's virtual threads wait and which runs next. It has two
 * queues: the threads its own reaping woke, and the shared queue that other
 * carriers may steal from.
 *
 * <p>They take turns in proportion to their lengths: after each shared-queue
 * thread, as many woken threads as there are woken per shared one, at least
 * one. A thread then waits about as many picks as both queues hold, as with one
 * FIFO queue, while woken threads stay on the carrier that reaped their
 * completions. A woken thread goes to the shared queue instead ("spills") when
 * {@link #SPILL_BACKLOG} woken ones already wait and another carrier sleeps, so
 * that one carrier does not keep a backlog another could run (docs/DESIGN.md,
 * "Carrier loop"). Carrier only.
 */
final class QueueTurns {
    /** Woken threads waiting on a carrier beyond which another, idle, carrier may take the next ones. */
    static final int SPILL_BACKLOG = 16;

    /** The shared queue as the turns see it: taken from, and its length. */
    interface Shared<T> {
        /** The head, or null when empty. */
        T poll();

        /** Threads waiting in it now (any thread may add to it meanwhile). */
        int length();
    }

    private int streak;       // woken threads run since the shared queue's last turn
    private int turns = 1;    // woken threads this streak may run

    /** The next thread to run, from {@code woken} or {@code shared}, or null when both are empty. */
    <T> T next(Queue<T> woken, Shared<T> shared) {
        T task;
        if (streak < turns && (task = woken.poll()) != null) {
            streak++;
            return task;
        }
        task = shared.poll();
        // the shared queue had its turn, whether or not it held a thread
        streak = 0;
        turns = Math.max(1, woken.size() / Math.max(1, shared.length()));
        return task != null ? task : woken.poll();
    }

    /**
     * Whether a thread just woken by this carrier's reaping goes to the shared
     * queue rather than the woken one; {@code anotherCarrierAsleep} is asked only
     * when the backlog is there.
     */
    static boolean spills(int wokenWaiting, BooleanSupplier anotherCarrierAsleep) {
        return wokenWaiting >= SPILL_BACKLOG && anotherCarrierAsleep.getAsBoolean();
    }
}
