package io.ringloom.rings.carrier;

/**
 * The platform thread of one {@link Carrier}: lets a virtual thread find its
 * carrier's ring, and {@link CarrierScheduler#current()} the pool it runs in.
 */
final class CarrierThread extends Thread {
    final Carrier carrier;
    final CarrierScheduler scheduler;
    /** {@link CarrierCache}s' stacks on this carrier, by cache; this thread only (and virtual threads mounted on it). */
    CarrierCache.Stack[] caches = new CarrierCache.Stack[0];

    CarrierThread(Carrier carrier, CarrierScheduler scheduler, String name) {
        super(null, carrier, name, 0, false);
        this.carrier = carrier;
        this.scheduler = scheduler;
        setDaemon(true);
    }
}
