package io.ringloom.demos;

import io.ringloom.CarrierPool;
import io.ringloom.core.CarrierStats;

import java.io.PrintStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a ringcopy run has to do and has done: the totals, counted while it
 * runs, the files and bytes done as it goes (read by the {@link Progress}
 * line), and the two summary lines at the end.
 */
final class CopySummary {
    /**
     * Counted by the counting thread while the copy runs (written by it alone, read by the
     * progress thread); final once {@link #counted} is set.
     */
    private volatile long filesTotal, bytesTotal;
    /** Set by the counting thread when the totals are complete. */
    private volatile boolean counted;
    private final AtomicLong filesDone = new AtomicLong();
    private final AtomicLong bytesDone = new AtomicLong();
    /**
     * Bytes of the names made links to a copy already made (-a keeps hard links): the
     * counting counts every name's bytes, which the copy writes only once.
     */
    private final AtomicLong bytesLinked = new AtomicLong();

    /** One file more to do; the counting thread's alone. */
    void planned(BasicFileAttributes attrs) {
        filesTotal = filesTotal + 1;
        if (attrs.isRegularFile()) bytesTotal = bytesTotal + attrs.size();
    }

    /** The totals are complete: the progress line may show them and an ETA. */
    void countingDone() {
        counted = true;
    }

    boolean counted() {
        return counted;
    }

    void fileDone() {
        filesDone.incrementAndGet();
    }

    void bytesCopied(long n) {
        bytesDone.addAndGet(n);
    }

    /** A name of {@code size} bytes linked to the copy of another name of its file, not copied. */
    void linked(long size) {
        bytesLinked.addAndGet(size);
    }

    /** The bytes the totals counted that are done: copied, or another name of a copy made. */
    long bytesAccountedFor() {
        return bytesDone.get() + bytesLinked.get();
    }

    long filesDone() {
        return filesDone.get();
    }

    long bytesDone() {
        return bytesDone.get();
    }

    long filesTotal() {
        return filesTotal;
    }

    long bytesTotal() {
        return bytesTotal;
    }

    void print(PrintStream out, double seconds, long ipis, int failed, CarrierPool pool) {
        long sqes = 0, enters = 0;
        for (CarrierStats s : pool.stats()) {
            sqes += s.sqesSubmitted();
            enters += s.enters();
        }
        double mb = bytesDone.get() / 1e6;
        out.printf(Locale.ROOT, "ringcopy: %d files, %,d bytes in %.2f s (%.1f MB/s); %d failed%n",
                filesDone.get(), bytesDone.get(), seconds, mb / Math.max(seconds, 1e-9), failed);
        out.printf(Locale.ROOT, "ringcopy: pool %s: %d SQEs, %d kernel enters, %d IPIs (RES+CAL, all CPUs) during the run%n",
                pool.isFallback() ? "in fallback (" + pool.fallbackReason() + ")" : pool.carrierCount() + " carriers",
                sqes, enters, ipis);
    }
}
