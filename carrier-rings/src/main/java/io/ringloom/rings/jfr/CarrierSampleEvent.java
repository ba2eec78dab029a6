package io.ringloom.rings.jfr;

import io.ringloom.core.CarrierStats;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/**
 * One carrier's counters, taken by JFR's periodic task
 * ({@code FlightRecorder.addPeriodicEvent}) at the recording's period. The
 * counters are totals since the carrier started (as in {@link CarrierStats}):
 * the difference of two samples over their time apart is a rate.
 */
@Name(CarrierSampleEvent.NAME)
@Label("Carrier Sample")
@Category("Ringloom")
@Description("A carrier's counters since it started, its run-queue length and its operations in flight")
@Enabled(false)
@Period("1 s")
@StackTrace(false)
public final class CarrierSampleEvent extends Event {
    public static final String NAME = "io.ringloom.CarrierSample";

    @Label("Pool")
    String pool;

    @Label("Carrier")
    int carrier;

    @Label("Threads Run")
    @Description("Virtual-thread runs (each mount counts once)")
    long threadsRun;

    @Label("SQEs Submitted")
    long sqesSubmitted;

    @Label("Enters")
    @Description("io_uring_enter calls")
    long enters;

    @Label("Sleeps")
    @Description("Times the carrier slept in the kernel with nothing to run")
    long sleeps;

    @Label("Wake-ups Received")
    @Description("Wake-ups from other threads (the carrier's eventfd read completed)")
    long wakeupsReceived;

    @Label("CQEs Reaped")
    long cqesReaped;

    @Label("CQ Overflows")
    long overflows;

    @Label("Steals")
    @Description("Threads taken from another carrier's queue")
    long steals;

    @Label("Operations In Flight")
    long inFlight;

    @Label("Run-Queue Length")
    @Description("Runnable virtual threads in the carrier's shared queue")
    int runQueueLength;

    /** Commits one sample; from a periodic hook, which JFR runs only while the event is enabled. */
    public static void commit(String pool, CarrierStats stats, int runQueueLength) {
        CarrierSampleEvent e = new CarrierSampleEvent();
        e.pool = pool;
        e.carrier = stats.carrier();
        e.threadsRun = stats.threadsRun();
        e.sqesSubmitted = stats.sqesSubmitted();
        e.enters = stats.enters();
        e.sleeps = stats.sleeps();
        e.wakeupsReceived = stats.wakeupsReceived();
        e.cqesReaped = stats.cqesReaped();
        e.overflows = stats.overflows();
        e.steals = stats.steals();
        e.inFlight = stats.inFlight();
        e.runQueueLength = runQueueLength;
        e.commit();
    }
}
