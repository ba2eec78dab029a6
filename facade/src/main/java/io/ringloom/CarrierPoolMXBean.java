package io.ringloom;

import io.ringloom.core.CarrierStats;

/**
 * The management view of one {@link CarrierPool} on rings, registered as
 * {@code io.ringloom:type=CarrierPool,name=<pool name>} in the platform MBean
 * server while the pool runs ({@code name=<pool name>-2}, {@code -3}, ... when
 * pools share a name), so {@code jconsole}, {@code jcmd} and
 * {@code ./ringloom stats} see it. Counters are totals since the pool started;
 * a racy but untorn reading per carrier.
 */
public interface CarrierPoolMXBean {
    /** The domain and type of every pool's name: {@code io.ringloom:type=CarrierPool}. */
    String OBJECT_NAME_PREFIX = "io.ringloom:type=CarrierPool";

    /** The name the pool was built with. */
    String getPoolName();

    int getCarriers();

    /** {@code COOP}, {@code DEFER} or {@code NONE}. */
    String getRingMode();

    /** Submission-queue entries per carrier ring. */
    int getRingEntries();

    /** Threads a carrier may run while SQEs wait for its next kernel entry ({@code ringloom.submit.batch}). */
    int getSubmitBatch();

    /** Microseconds SQEs may wait for a busy carrier's next kernel entry ({@code ringloom.submit.delay.us}). */
    long getSubmitDelayMicros();

    /** Threads started on the pool and not yet ended. */
    int getLiveThreads();

    long getThreadsRun();

    long getSqesSubmitted();

    long getEnters();

    long getSleeps();

    long getWakeupsReceived();

    long getCqesReaped();

    long getOverflows();

    long getSteals();

    /** Blocking operations between their SQE and their CQE now. */
    long getInFlight();

    /** Each carrier's counters, by carrier index. */
    CarrierStats[] getCarrierStats();
}
