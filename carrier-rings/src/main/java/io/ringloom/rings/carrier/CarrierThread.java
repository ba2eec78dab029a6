package io.ringloom.rings.carrier;

/** The platform thread of one {@link Carrier}; lets a virtual thread find its carrier's ring. */
final class CarrierThread extends Thread {
    final Carrier carrier;

    CarrierThread(Carrier carrier, String name) {
        super(null, carrier, name, 0, false);
        this.carrier = carrier;
        setDaemon(true);
    }
}
