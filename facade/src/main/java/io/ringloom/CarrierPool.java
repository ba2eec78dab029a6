package io.ringloom;

import io.ringloom.core.CarrierPoolClosedException;
import io.ringloom.core.CarrierStats;
import io.ringloom.core.RingMode;
import io.ringloom.rings.Config;
import io.ringloom.rings.carrier.CarrierScheduler;
import io.ringloom.rings.jfr.FallbackEvent;
import io.ringloom.rings.jfr.Recorder;

import javax.management.ObjectName;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A pool of carrier threads, each owning one io_uring ring, that runs virtual
 * threads. Blocking calls made through Ringloom on these threads go through
 * the carrier's ring and park; the carrier resumes them when the completion
 * arrives, without inter-processor interrupts.
 *
 * <p>When the pool cannot be built here (a JVM flag is missing, or io_uring is
 * unavailable), it runs in <em>fallback</em> mode: it hands out ordinary
 * virtual threads and {@link #fallbackReason()} says why.
 *
 * <p>A pool on rings is visible over JMX while it runs ({@link CarrierPoolMXBean});
 * a pool that falls back commits a JFR {@code io.ringloom.Fallback} event
 * (README, "Observability").
 */
public final class CarrierPool implements AutoCloseable {
    private final CarrierScheduler scheduler;     // null in fallback mode
    private final String fallbackReason;          // null unless fallback
    private final ThreadFactory factory;
    private final Duration closeGrace;
    private final RingMode mode;
    private final int carriers;
    /** The pool's MXBean; null in fallback mode, with ringloom.jmx=false or without one asked for. */
    private final PoolManagement management;

    private CarrierPool(Builder b) {
        CarrierScheduler s = null;
        CarrierScheduler.prepare();   // overlaps the hooks' look-up below
        String why = CarrierScheduler.unavailableReason();
        if (why == null && Config.forcedFallback()) {
            why = "fallback forced by -D" + Config.FALLBACK + "=true";
        }
        if (why == null) {
            try {
                s = CarrierScheduler.start(b.carriers, b.ringEntries, b.mode, b.name, b.jdkSocketPoller);
            } catch (IOException e) {
                why = e.getMessage();
            }
        }
        if (s == null) {
            // The logger only when there is something to say: finding one scans every jar on the
            // class path for a LoggerFinder (docs/DESIGN.md, "Start-up").
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom carrier pool in fallback mode (plain virtual threads): " + why);
            if (Recorder.initialized()) FallbackEvent.commit(b.name, false, why);
        }
        this.scheduler = s;
        this.fallbackReason = why;
        this.factory = s != null ? s::newThread : Thread.ofVirtual().name(b.name + "-", 0).factory();
        this.closeGrace = b.closeGrace;
        this.mode = b.mode;
        this.carriers = b.carriers;
        this.management = s == null || !b.mxBean ? null
                : PoolManagement.startRegistration(s, b.name, b.mode.name(), b.ringEntries);
    }

    /**
     * A pool with the defaults, overridden by the system properties
     * {@code ringloom.carriers} (count), {@code ringloom.ring.mode}
     * ({@code COOP}, {@code DEFER}, {@code NONE}) and {@code ringloom.ring.entries}
     * (the README's "Configuration" table lists them all).
     */
    public static CarrierPool open() {
        return builder().build();
    }

    /**
     * Begins, on a thread of its own, the set-up that the first pool's rings wait for
     * (the native backend's, ~20 ms), and returns. A command with work to do before it
     * builds its pool calls this first, so that the two overlap (docs/DESIGN.md,
     * "Start-up"); building a pool begins it anyway.
     */
    public static void prepare() {
        CarrierScheduler.prepare();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a virtual thread on this pool; started from a pool thread, successive
     * threads go to the carriers in turn (as {@link CarrierScheduler#execute} says why).
     */
    public Thread startVirtualThread(Runnable task) {
        Objects.requireNonNull(task);
        Thread t = factory.newThread(task);
        t.start();
        return t;
    }

    /** Unstarted virtual threads on this pool's carriers. */
    public ThreadFactory threadFactory() {
        return factory;
    }

    /** An executor that starts one pool virtual thread per task. */
    public ExecutorService newThreadPerTaskExecutor() {
        return Executors.newThreadPerTaskExecutor(factory);
    }

    public boolean isFallback() {
        return scheduler == null;
    }

    /** Why the pool runs plain virtual threads, or null when it runs on rings. */
    public String fallbackReason() {
        return fallbackReason;
    }

    public RingMode mode() {
        return mode;
    }

    public int carrierCount() {
        return scheduler == null ? 0 : carriers;
    }

    /** Per-carrier counters; empty in fallback mode. */
    public List<CarrierStats> stats() {
        return scheduler == null ? List.of() : scheduler.stats();
    }

    /** Carriers that died with an exception; empty when all are healthy. */
    public List<Throwable> carrierFailures() {
        return scheduler == null ? List.of() : scheduler.carrierFailures();
    }

    /**
     * The pool's MXBean name once registered (soon after the start, on a thread
     * of its own); null before, in fallback mode, after close, with ringloom.jmx=false
     * or {@link Builder#withoutMxBean()}.
     */
    ObjectName managementName() {
        return management == null ? null : management.name();
    }

    /** The scheduler behind this pool, null in fallback mode; for tests (channels find theirs from the carrier). */
    CarrierScheduler scheduler() {
        return scheduler;
    }

    /**
     * No new threads; waits up to the close grace for running ones, then fails
     * their blocked operations with {@code CarrierPoolClosedException}; the
     * carriers exit and release their rings and eventfds.
     */
    @Override
    public void close() {
        if (scheduler != null) {
            if (management != null) management.close();
            scheduler.close(closeGrace.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public String toString() {
        return scheduler == null ? "CarrierPool[fallback: " + fallbackReason + "]"
                : "CarrierPool[" + carriers + " carriers, " + mode + "]";
    }

    public static final class Builder {
        private int carriers = Config.carriers();
        private int ringEntries = Config.ringEntries();
        private RingMode mode = Config.ringMode();
        private Duration closeGrace = Duration.ofSeconds(10);
        private String name = "ringloom";
        private boolean jdkSocketPoller = true;
        private boolean mxBean = true;

        private Builder() {}

        public Builder carriers(int count) {
            if (count <= 0) throw new IllegalArgumentException("carrier count must be positive: " + count);
            this.carriers = count;
            return this;
        }

        public Builder ringEntries(int entries) {
            if (entries <= 0) throw new IllegalArgumentException("ring entries must be positive: " + entries);
            this.ringEntries = entries;
            return this;
        }

        /** How each carrier's ring delivers completions; {@link RingMode#COOP} is the design, the others are for measurement. */
        public Builder mode(RingMode mode) {
            this.mode = Objects.requireNonNull(mode);
            return this;
        }

        /** How long close() waits for running threads before failing their operations. */
        public Builder closeGrace(Duration grace) {
            this.closeGrace = Objects.requireNonNull(grace);
            return this;
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        /**
         * Promises that the pool's threads make no blocking socket call through
         * the JDK's own socket types ({@code java.net.Socket} without Ringloom's
         * factories, the JDK's {@code SocketChannel}; Ringloom's sockets never need
         * it), so the pool does not start the JDK's socket poller. A pool starts it
         * by default, from its own platform thread, so that the poller's threads
         * never land on its carriers; but the poller's thread waits in
         * {@code epoll_wait}, and HotSpot waits about 300 ms at exit for a thread in
         * native code. A short-lived command (ringcopy) saves those 300 ms.
         */
        public Builder withoutJdkSocketPoller() {
            this.jdkSocketPoller = false;
            return this;
        }

        /**
         * Registers no MXBean for this pool ({@code ringloom.jmx=false} does so for
         * every pool). The registration starts the platform MBean server a second
         * after the pool, on a thread of its own: about 0.3 s of CPU (measured in
         * ringcopy copying four 512 MiB files), which a short-lived command saves.
         */
        public Builder withoutMxBean() {
            this.mxBean = false;
            return this;
        }

        public CarrierPool build() {
            return new CarrierPool(this);
        }
    }
}
