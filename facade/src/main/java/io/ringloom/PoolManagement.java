package io.ringloom;

import io.ringloom.core.CarrierStats;
import io.ringloom.rings.Config;
import io.ringloom.rings.carrier.CarrierScheduler;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * A pool's {@link CarrierPoolMXBean}, and its registration in the platform MBean
 * server. The server's first use costs about 300 ms (measured here: it builds
 * the JDK's own MXBeans), so registration runs on a thread of its own and a
 * pool's start does not wait for it; and it waits {@link #REGISTRATION_DELAY_MILLIS}
 * first, so a short-lived command never pays it: those 300 ms of CPU made ringcopy
 * on a 20-file tree take 1.40 s instead of 1.10 s on this 2-core machine.
 */
final class PoolManagement implements CarrierPoolMXBean {
    /** How long a pool runs before its view is registered. */
    static final long REGISTRATION_DELAY_MILLIS = 1_000;
    /** Names that need no quoting in an ObjectName value. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._-]+");

    private final CarrierScheduler scheduler;
    private final String poolName;
    private final String ringMode;
    private final int ringEntries;
    /** The name while registered, else null; guarded by this. */
    private ObjectName registered;
    /** The pool closed: no registration any more; guarded by this. */
    private boolean closed;

    private PoolManagement(CarrierScheduler scheduler, String poolName, String ringMode, int ringEntries) {
        this.scheduler = scheduler;
        this.poolName = poolName;
        this.ringMode = ringMode;
        this.ringEntries = ringEntries;
    }

    /**
     * Starts registering the view of a pool that runs on rings, under its name
     * or, when that is taken, its name with the first free suffix {@code -2},
     * {@code -3}, ...
     *
     * @return the view, or null when {@code ringloom.jmx=false}
     */
    static PoolManagement startRegistration(CarrierScheduler scheduler, String poolName, String ringMode,
                                            int ringEntries) {
        if (!Config.jmx()) return null;
        PoolManagement view = new PoolManagement(scheduler, poolName, ringMode, ringEntries);
        Thread.ofPlatform().daemon().name(poolName + "-jmx").start(view::register);
        return view;
    }

    private void register() {
        try {
            Thread.sleep(REGISTRATION_DELAY_MILLIS);
        } catch (InterruptedException e) {
            return;   // no one interrupts this thread; if someone did, the pool goes without a view
        }
        synchronized (this) {
            if (closed) return;
        }
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            synchronized (this) {
                for (int n = 1; !closed; n++) {
                    ObjectName name = objectName(n == 1 ? poolName : poolName + "-" + n);
                    try {
                        server.registerMBean(this, name);
                        registered = name;
                        return;
                    } catch (InstanceAlreadyExistsException taken) {
                        // another pool of that name: try the next suffix
                    }
                }
            }
        } catch (JMException | RuntimeException e) {
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom pool " + poolName + ": no MXBean registered", e);
        }
    }

    /** The name the view is registered under, or null: not yet, not at all, or no more. */
    synchronized ObjectName name() {
        return registered;
    }

    /** The pool closes: the view is unregistered, or never will be. */
    void close() {
        ObjectName name;
        synchronized (this) {
            closed = true;
            name = registered;
            registered = null;
        }
        if (name == null) return;
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException gone) {
            // unregistered by someone else: nothing to do
        } catch (JMException e) {
            System.getLogger("io.ringloom").log(System.Logger.Level.WARNING, "Ringloom: could not unregister " + name, e);
        }
    }

    static ObjectName objectName(String poolName) throws JMException {
        String value = PLAIN.matcher(poolName).matches() ? poolName : ObjectName.quote(poolName);
        return new ObjectName(OBJECT_NAME_PREFIX + ",name=" + value);
    }

    @Override
    public String getPoolName() {
        return poolName;
    }

    @Override
    public int getCarriers() {
        return scheduler.carrierCount();
    }

    @Override
    public String getRingMode() {
        return ringMode;
    }

    @Override
    public int getRingEntries() {
        return ringEntries;
    }

    @Override
    public int getSubmitBatch() {
        return scheduler.submitBatch();
    }

    @Override
    public long getSubmitDelayMicros() {
        return scheduler.submitDelayMicros();
    }

    @Override
    public int getLiveThreads() {
        return scheduler.liveThreads();
    }

    @Override
    public long getThreadsRun() {
        return total(CarrierStats::threadsRun);
    }

    @Override
    public long getSqesSubmitted() {
        return total(CarrierStats::sqesSubmitted);
    }

    @Override
    public long getEnters() {
        return total(CarrierStats::enters);
    }

    @Override
    public long getSleeps() {
        return total(CarrierStats::sleeps);
    }

    @Override
    public long getWakeupsReceived() {
        return total(CarrierStats::wakeupsReceived);
    }

    @Override
    public long getCqesReaped() {
        return total(CarrierStats::cqesReaped);
    }

    @Override
    public long getOverflows() {
        return total(CarrierStats::overflows);
    }

    @Override
    public long getSteals() {
        return total(CarrierStats::steals);
    }

    @Override
    public long getInFlight() {
        return total(CarrierStats::inFlight);
    }

    @Override
    public CarrierStats[] getCarrierStats() {
        return scheduler.stats().toArray(CarrierStats[]::new);
    }

    private long total(ToLongFunction<CarrierStats> counter) {
        List<CarrierStats> stats = scheduler.stats();
        long sum = 0;
        for (CarrierStats s : stats) sum += counter.applyAsLong(s);
        return sum;
    }
}
