package io.ringloom.rings.carrier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The one lifecycle state of a {@link CarrierScheduler} and its carriers
 * (docs/DESIGN.md, "Lifecycle and close"). Only the scheduler moves it;
 * carriers and callers read it.
 *
 * <pre>
 *  RUNNING -> CLOSING      // close(): no new threads, no new requests from off the pool
 *  CLOSING -> FAILING      // the grace is over: every request in flight or made on a carrier fails
 *  FAILING -> STOPPING     // threads ended (or 5 s passed): carriers end once nothing is in flight
 *  RUNNING -> STOPPING     // a carrier could not start: the others are stopped
 * STOPPING -> STOPPED      // every carrier thread has ended
 * </pre>
 * States only move forward; a second {@code close} finds its steps done.
 */
final class Lifecycle {
    static final int RUNNING = 0;
    static final int CLOSING = 1;
    static final int FAILING = 2;
    static final int STOPPING = 3;
    static final int STOPPED = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Lifecycle.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Written by CAS in {@link #advanceTo}; read by any thread. */
    private volatile int state = RUNNING;

    /** Whether the table above has an arrow from {@code from} to {@code to}. */
    static boolean isLegal(int from, int to) {
        return switch (from) {
            case RUNNING -> to == CLOSING || to == STOPPING;
            case CLOSING -> to == FAILING;
            case FAILING -> to == STOPPING;
            case STOPPING -> to == STOPPED;
            default -> false;
        };
    }

    /**
     * Moves to {@code to} unless the state is already there or past it.
     *
     * @return whether this call made the move
     */
    boolean advanceTo(int to) {
        while (true) {
            int from = state;
            if (from >= to) return false;
            assert isLegal(from, to) : "illegal lifecycle transition " + name(from) + " -> " + name(to);
            if (STATE.compareAndSet(this, from, to)) return true;
        }
    }

    int state() {
        return state;
    }

    /** No new threads, and no new requests from threads off the pool. */
    boolean isClosed() {
        return state >= CLOSING;
    }

    /** Every request in flight is cancelled and fails; so does every new one. */
    boolean failsInFlight() {
        return state >= FAILING;
    }

    /** Carriers end as soon as nothing is in flight or queued. */
    boolean isStopping() {
        return state >= STOPPING;
    }

    static String name(int state) {
        return switch (state) {
            case RUNNING -> "RUNNING";
            case CLOSING -> "CLOSING";
            case FAILING -> "FAILING";
            case STOPPING -> "STOPPING";
            case STOPPED -> "STOPPED";
            default -> "state " + state;
        };
    }

    @Override
    public String toString() {
        return name(state);
    }
}
