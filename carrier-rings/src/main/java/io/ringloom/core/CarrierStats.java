package io.ringloom.core;

/**
 * One carrier's counters since it started: a racy but untorn snapshot, taken by
 * {@code CarrierPool.stats()}.
 *
 * @param carrier         the carrier's index in its pool
 * @param threadsRun      virtual-thread runs (each mount counts once)
 * @param sqesSubmitted   SQEs the kernel accepted from this carrier's ring
 * @param enters          {@code io_uring_enter} calls
 * @param sleeps          times the carrier slept in the kernel with nothing to run
 * @param wakeupsReceived wake-ups from other threads (its eventfd read completed)
 * @param cqesReaped      completions reaped
 * @param overflows       times the kernel flagged a CQ overflow
 * @param steals          threads taken from another carrier's queue
 * @param inFlight        blocking operations between their SQE and their CQE now
 */
public record CarrierStats(int carrier, long threadsRun, long sqesSubmitted, long enters, long sleeps,
                           long wakeupsReceived, long cqesReaped, long overflows, long steals, long inFlight) {

    @Override
    public String toString() {
        return "carrier " + carrier + ": run " + threadsRun + ", sqes " + sqesSubmitted + ", enters " + enters
                + ", sleeps " + sleeps + ", wakeups " + wakeupsReceived + ", cqes " + cqesReaped
                + ", overflows " + overflows + ", steals " + steals + ", in flight " + inFlight;
    }
}
