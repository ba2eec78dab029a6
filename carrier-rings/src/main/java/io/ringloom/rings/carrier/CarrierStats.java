package io.ringloom.rings.carrier;

/**
 * One carrier's counters since its start; a racy but untorn snapshot.
 * {@code inFlight} counts blocking operations between their SQE and CQE (not
 * the carrier's own always-armed wake-up read).
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
