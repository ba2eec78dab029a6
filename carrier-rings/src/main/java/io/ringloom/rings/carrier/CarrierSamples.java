package io.ringloom.rings.carrier;

import io.ringloom.rings.jfr.CarrierSampleEvent;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pools whose carriers JFR samples ({@link CarrierSampleEvent}): one
 * periodic hook for the JVM; JFR runs it, on its own thread, only while a
 * recording enables the event. The hook is added once JFR is initialized (at
 * once if it already is): adding it initializes JFR, which costs about 200 ms
 * of start-up (measured here), while a listener costs about 1 ms.
 */
final class CarrierSamples {
    private CarrierSamples() {}

    /** Pools started and not yet stopped; added and removed by their lifecycle, read by JFR's thread. */
    private static final CopyOnWriteArrayList<CarrierScheduler> POOLS = new CopyOnWriteArrayList<>();

    static {
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
                FlightRecorder.addPeriodicEvent(CarrierSampleEvent.class, CarrierSamples::commitAll);
            }
        });
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
