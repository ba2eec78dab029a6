package io.ringloom.rings.carrier;

import io.ringloom.rings.jfr.CarrierSampleEvent;
import jdk.jfr.FlightRecorder;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pools whose carriers JFR samples ({@link CarrierSampleEvent}): one
 * periodic hook for the JVM, registered when the first pool starts; JFR runs
 * it, on its own thread, only while a recording enables the event.
 */
final class CarrierSamples {
    private CarrierSamples() {}

    /** Pools started and not yet stopped; added and removed by their lifecycle, read by JFR's thread. */
    private static final CopyOnWriteArrayList<CarrierScheduler> POOLS = new CopyOnWriteArrayList<>();

    static {
        FlightRecorder.addPeriodicEvent(CarrierSampleEvent.class, CarrierSamples::commitAll);
    }

    static void add(CarrierScheduler pool) {
        POOLS.add(pool);
    }

    static void remove(CarrierScheduler pool) {
        POOLS.remove(pool);
    }

    private static void commitAll() {
        for (CarrierScheduler pool : POOLS) pool.commitSamples();
    }
}
