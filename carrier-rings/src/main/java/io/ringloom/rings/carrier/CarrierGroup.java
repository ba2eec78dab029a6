package io.ringloom.rings.carrier;

/**
 * What a {@link Carrier} may ask of the pool it belongs to, and the only way
 * it reaches the pool: it counts its sleeps, hands surplus work to idle
 * carriers, and steals from busy ones. Each method is called on the asking
 * carrier's thread and never blocks.
 */
interface CarrierGroup {
    /** {@code carrier} is about to sleep in the kernel. */
    void sleeping(Carrier carrier);

    /** {@code carrier} left its kernel sleep. */
    void awake(Carrier carrier);

    /** Whether some carrier sleeps in the kernel now (a hint: it may wake any moment). */
    boolean anyAsleep();

    /** {@code busy} has runnable threads it cannot run now: wake a sleeping carrier, if any, to steal them. */
    void shareWork(Carrier busy);

    /** A runnable thread taken from another carrier's run queue for {@code thief}, or null. */
    Runnable steal(Carrier thief);

    /**
     * Whether the JVM is exiting: the carrier polls, parked in Java between looks,
     * instead of sleeping in the kernel ({@link CarrierScheduler#jvmExiting}).
     */
    boolean jvmExiting();
}
