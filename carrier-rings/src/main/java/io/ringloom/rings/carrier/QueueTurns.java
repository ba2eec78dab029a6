package io.ringloom.rings.carrier;

/**
 * Which of a carrier's two run queues gives it its next virtual thread: the
 * threads its own reaping woke, or the shared queue. They take turns in
 * proportion to their lengths: after each shared-queue thread, as many woken
 * threads as there are woken per shared one, at least one. A thread then waits
 * about as many picks as both queues hold, as with one FIFO queue, while woken
 * threads stay on the carrier that reaped their completions (docs/DESIGN.md,
 * "Carrier loop"). Carrier only.
 */
final class QueueTurns {
    private int streak;       // woken threads run since the shared queue's last turn
    private int turns = 1;    // woken threads this streak may run

    /** Whether the next thread should come from the woken queue, if it holds one. */
    boolean wokenNext() {
        return streak < turns;
    }

    /** A woken thread was taken. */
    void tookWoken() {
        streak++;
    }

    /**
     * The shared queue had its turn (whether or not it held a thread); the
     * lengths are those after it.
     */
    void sharedTurn(int wokenLength, int sharedLength) {
        streak = 0;
        turns = Math.max(1, wokenLength / Math.max(1, sharedLength));
    }
}
